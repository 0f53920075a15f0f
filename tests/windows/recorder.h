/* SPDX-License-Identifier: MIT */
/* An IP Helper table that behaves as Windows' does for the double's adapters, records what the
 * backend asks for, and answers with codes the test chooses. Its interfaces come from the
 * double's table (double.h): a Wintun adapter the double creates gets per-family IP
 * interfaces that arrive when the test says, as on Windows, where the LUID exists before IP
 * Helper knows the adapter's IPv4 and IPv6 interfaces. */
#ifndef VEILTUN_TEST_RECORDER_H
#define VEILTUN_TEST_RECORDER_H

#include "double.h"
#include "windows/iphlp.h"

#define RECORD_MAX 64

/* When a family's IP interface appears after the double creates an adapter. */
enum rec_arrival {
    ARRIVE_AT_ONCE = 0, /* already there when WintunCreateAdapter returns */
    /* The first `after` calls of Get/SetIpInterfaceEntry, CreateUnicastIpAddressEntry or
     * CreateIpForwardEntry2 naming that LUID and family fail with ERROR_NOT_FOUND; the last
     * of them arrives the interface (MibAddInstance queued), so call after+1 succeeds. 0 is
     * ARRIVE_AT_ONCE. */
    ARRIVE_AFTER_CALLS = 1,
    ARRIVE_AFTER_MS = 2, /* `after` ms after the adapter was created */
    ARRIVE_NEVER = 3     /* never (a binding removed for this adapter alone) */
};

#define REC_V4 0
#define REC_V6 1

struct recorder {
    /* Successful calls, in order. */
    MIB_UNICASTIPADDRESS_ROW added[RECORD_MAX], deleted[RECORD_MAX];
    int n_added, n_deleted;
    MIB_IPINTERFACE_ROW set[RECORD_MAX];
    int n_set;
    MIB_IPFORWARD_ROW2 routes_added[RECORD_MAX], routes_deleted[RECORD_MAX];
    int n_routes_added, n_routes_deleted;
    /* Arrival of each family for adapters created from now on (REC_V4, REC_V6). */
    enum rec_arrival arrival[2];
    unsigned arrival_after[2];
    /* IPv6 disabled on the machine: the registry's DisabledComponents is 0xFF and no IPv6
     * interface ever arrives. */
    int ipv6_disabled;
    /* Windows before 10: DadState of a new address stays Tentative for this many ms. */
    unsigned tentative_ms;
    /* The next call of each kind returns this code once (0: success). */
    DWORD fail_address, fail_set_interface, fail_route, fail_notify;
    /* What SetIpInterfaceEntry returns for an IPv6 row with NlMtu below 1280 (default
     * ERROR_INVALID_PARAMETER, unconfirmed on Windows). */
    DWORD ipv6_low_mtu_code;
    /* Notifications delivered through registered callbacks, by type. */
    volatile LONG delivered_add[2], delivered_delete[2], delivered_parameter;
    /* The callbacks registered and not cancelled, and cancellations seen. */
    volatile LONG registered, cancelled;
};

extern struct recorder rec;
extern struct wintun_double dbl;

/* The recorder's IP Helper table; fixture tests call it directly. */
extern const struct veiltun__iphlp recorder_table;

/* Loads the double into `dbl` (once), clears the record and the per-interface state, sets the
 * defaults (both families ARRIVE_AT_ONCE, ipv6_low_mtu_code ERROR_INVALID_PARAMETER), starts
 * the notification thread and hooks the recorder to the double's interface table. Adapters the
 * double already has are taken as present, without announcement. It does not touch the
 * library: backend tests also call recorder_use_in_backend(). */
void recorder_install(void);

/* Makes the recorder the backend's IP Helper table. Inline so that fixture tests, which do not
 * link the library, never reference veiltun__iphlp_override. */
static inline void recorder_use_in_backend(void)
{
    veiltun__iphlp_override(&recorder_table);
}

/* Per-interface state (0 / FALSE when the LUID or family is unknown or has not arrived).
 * `family` is REC_V4 or REC_V6 (AF_INET and AF_INET6 are accepted too). */
int recorder_arrived(uint64_t luid, int family);
ULONG recorder_mtu(uint64_t luid, int family);
/* The IP interface row as the recorder holds it; FALSE when absent. */
BOOL recorder_row(uint64_t luid, int family, MIB_IPINTERFACE_ROW *out);
/* Media changes (OperStatus Up/Down) seen for the LUID, in order, as a string of 'U'/'D'. */
const char *recorder_media_history(uint64_t luid);

/* Another program changes a family's MTU; the parameter notification is delivered from the
 * recorder's thread, and this returns when every callback has run. */
void recorder_external_mtu(uint64_t luid, int family, ULONG mtu);
/* Delivers a parameter notification for a LUID (ours or not) and waits for the callbacks. */
void recorder_notify(uint64_t luid, int family);
/* Waits until the recorder's notification thread has nothing left to deliver. */
void recorder_settle(void);

#endif
