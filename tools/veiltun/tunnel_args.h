/* SPDX-License-Identifier: MIT */
/* The tunnel's arguments and device set-up, shared by the POSIX and Windows tunnels. */
#ifndef VEILTUN_TUNNEL_ARGS_H
#define VEILTUN_TUNNEL_ARGS_H

#include "cli.h"

#define SOCKET_BUFFER (4 << 20)

struct tunnel_args {
    const char *dev;
    const char *addrs[TUNNEL_MAX_ADDRS];
    size_t naddrs;
    struct sockaddr_storage listen, peer;
    socklen_t listen_len, peer_len;
    int have_listen;
    unsigned mtu;
    unsigned long stats_interval;
    int persist;
    int no_offload;             /* --no-offload: plain packets from the device */
    uint32_t offload_off;       /* --no-tso, --no-uso, --no-gro...: VEILTUN_OFFLOAD_* to turn off */
    unsigned long queues;       /* --queues: device queues, one worker each */
    uint32_t ring_capacity;     /* --ring-capacity: Wintun ring bytes; 0 the library's default */
    int ring_grow;              /* --ring-grow: VEILTUN_F_RING_GROW */
    unsigned long busy_poll_us; /* --busy-poll: poll this long before sleeping (Linux) */
    int64_t uid, gid;
};

/* 0, -1 after -h (help printed), or EXIT_USAGE after printing the problem. */
int parse_tunnel(int argc, char **argv, struct tunnel_args *a);
/* Turns off the offload features the switches named (a handle with offload). */
int tunnel_apply_offload(const struct tunnel_args *a, veiltun *dev);
/* Opens the device and gives it the MTU, the addresses and the up state; on failure
 * @p what names the step. */
int tunnel_open_device(const struct tunnel_args *a, veiltun **dev, const char **what);

#endif
