/* SPDX-License-Identifier: MIT */
/* A tunnel's counters and the one table that names them. The same table writes the control
 * socket's answer, reads it back in `show` (which trusts nothing in it), and prints it as
 * text and as JSON, so the outputs cannot drift apart. Portable. */
#ifndef VEILTUN_TUNNEL_REPORT_H
#define VEILTUN_TUNNEL_REPORT_H

#include "veiltun.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The version of the control socket's answer; a change that removes or renames a field
 * raises it. */
#define TUNNEL_REPORT_VERSION 1

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
    /* Filled when a report is made: the library's counters (veiltun_get_stats) summed over
     * every queue of the device, and what the socket delivered in all. */
    uint64_t device_packets; /* packets the library read from the device */
    uint64_t socket_datagrams;
    uint64_t gso_splits, gso_segments, gro_merges, gro_udp_merges;
};

/* Text fields are printable ASCII; show refuses an answer with anything else. */
struct tunnel_report {
    char name[VEILTUN_NAME_MAX + 1];
    char peer[64];
    unsigned mtu;
    char offload[64]; /* the device's offload features in force, space-separated; "" none */
    struct tunnel_counters c;
};

/* Adds @p b into @p a, field by field. */
void report_add_counters(struct tunnel_counters *a, const struct tunnel_counters *b);
/* Adds the library's counters of one device handle (one queue). */
void report_add_device(struct tunnel_report *r, const veiltun *dev);
/* Derives the counters that are sums of others (socket_datagrams); call once all are in. */
void report_finish(struct tunnel_report *r);
/* Fills name, peer, mtu and offload; the counters are left as they are. */
void report_describe(struct tunnel_report *r, const veiltun *dev, const char *peer, unsigned mtu);

/* The control socket's answer: one line of JSON, {"version":1,"status":"ok",...} */
void report_write_answer(FILE *f, const struct tunnel_report *r);
/* The answer for a caller the tunnel refuses. */
void report_write_refusal(FILE *f);
/* Reads an answer: 0 (@p r filled), -EACCES (refused), -EPROTO (not a valid answer of
 * this version: malformed, unknown version, text that is not printable ASCII). */
int report_read_answer(const char *text, struct tunnel_report *r);

/* For people: "tunnel NAME: peer P, mtu M" and one line per group, each line prefixed with
 * @p indent. */
void report_print_text(FILE *f, const char *indent, const struct tunnel_report *r);
/* For `show --json`: one object, {"version":1,"status":"ok","peer":...,"dropped":{...},...}. */
void report_print_json(FILE *f, const struct tunnel_report *r);

#endif
