/* SPDX-License-Identifier: MIT */
/* The demo: two network namespaces joined by a veth pair, a veiltun tunnel between them,
 * traffic to prove it works, and a report. */
#ifndef VEILTUN_DEMO_H
#define VEILTUN_DEMO_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#define DEMO_SIDES 2

struct demo {
    char ns[DEMO_SIDES][32];
    char veth[DEMO_SIDES][16];
    char log[DEMO_SIDES][64];
    pid_t tunnel[DEMO_SIDES];
    int ns_fd[DEMO_SIDES];
    int home_fd; /* the namespace the demo started in */
    int have_ns[DEMO_SIDES];
    unsigned mtu;
};

/* Addresses: underlay on the veth, overlay inside the tunnel (side 0 = A, 1 = B). */
extern const char *const demo_underlay[DEMO_SIDES];
extern const char *const demo_overlay4[DEMO_SIDES];
extern const char *const demo_overlay6[DEMO_SIDES];

extern volatile sig_atomic_t demo_interrupted;

/* demo_env.c: build and remove the two namespaces and the tunnels. */
int demo_setup(struct demo *d);
void demo_teardown(struct demo *d);
/* Run the calling thread in a side's namespace (new sockets belong there), or back home. */
int demo_enter(const struct demo *d, int side);
void demo_leave(const struct demo *d);
/* Ask a side's tunnel for its counters (text); "" if it does not answer. */
void demo_tunnel_stats(const struct demo *d, int side, char *buf, size_t size);

/* demo_traffic.c */
struct demo_rtt {
    unsigned sent, received;
    double min_ms, median_ms, p99_ms, max_ms;
};
/* @p count echo requests from @p side to the other side's overlay address, @p gap_ms apart. */
int demo_ping(const struct demo *d, int side, int v6, unsigned count, unsigned gap_ms,
              struct demo_rtt *out);

struct demo_transfer {
    unsigned long long bytes;
    double seconds;
    char sent_sha[65], received_sha[65];
};
/* TCP from A to B through the tunnel; @p hash: compute SHA-256 at both ends. Shows a
 * progress line labelled @p label. */
int demo_tcp(const struct demo *d, unsigned long long bytes, double max_seconds, int hash,
             const char *label, struct demo_transfer *out);

#endif
