/* An IP Helper table that records what the backend asks Windows for and answers with codes
 * the test chooses. */
#ifndef VEILTUN_TEST_RECORDER_H
#define VEILTUN_TEST_RECORDER_H

#include "windows/iphlp.h"

#define RECORD_MAX 32

struct recorder {
    MIB_UNICASTIPADDRESS_ROW added[RECORD_MAX], deleted[RECORD_MAX];
    int n_added, n_deleted;
    MIB_IPINTERFACE_ROW set[RECORD_MAX];
    int n_set;
    MIB_IPFORWARD_ROW2 routes_added[RECORD_MAX], routes_deleted[RECORD_MAX];
    int n_routes_added, n_routes_deleted;
    /* What GetIpInterfaceEntry / GetIfEntry2 report. */
    ULONG mtu;
    int ipv6_bound;
    NET_IFINDEX index;
    /* The next call of each kind returns this code once (0: success). */
    DWORD fail_address, fail_set_interface, fail_route, fail_notify;
    /* The notification the backend registered. */
    PIPINTERFACE_CHANGE_CALLBACK callback;
    void *context;
    int cancelled;
};

extern struct recorder rec;
/* Installs the recorder as the backend's IP Helper table, with a clean record. */
void recorder_install(void);

#endif
