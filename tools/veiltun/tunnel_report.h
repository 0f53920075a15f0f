/* The tunnel's counters and how they are shown (text for people, JSON for `show --json`). */
#ifndef VEILTUN_TUNNEL_STATS_H
#define VEILTUN_TUNNEL_STATS_H

#include "veiltun.h"

#include <stdint.h>
#include <stdio.h>

struct tunnel_counters {
    uint64_t datagrams_in, bytes_in;     /* accepted from the peer, written into the device */
    uint64_t datagrams_out, bytes_out;   /* read from the device, sent to the peer */
    uint64_t drop_wrong_peer;            /* datagram from an address other than the peer */
    uint64_t drop_truncated;             /* datagram larger than the device MTU allows */
    uint64_t drop_malformed;             /* not exactly one valid IPv4/IPv6 packet */
    uint64_t drop_device;                /* the device refused the packet */
    uint64_t drop_send;                  /* the socket refused the datagram */
    uint64_t device_reads, socket_reads; /* batches that returned at least one packet */
    uint64_t send_calls;
    uint64_t gso_messages; /* sent messages that carried several datagrams (UDP GSO) */
    uint64_t gro_messages; /* received messages that held several datagrams (UDP GRO) */
    uint64_t socket_full;  /* times the socket was full: device reads paused (back-pressure) */
};

/* Writes the counters of the tunnel on device @p name (and the device's own). */
void tunnel_print(FILE *f, int json, const char *name, const char *peer, unsigned mtu,
                  const struct tunnel_counters *c, const veiltun *dev);

#endif
