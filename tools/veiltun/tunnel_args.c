/* SPDX-License-Identifier: MIT */
/* Parsing the tunnel's arguments and setting up its device (portable). */
#include "tunnel_args.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static int parse_tunnel_option(int opt, const char *arg, struct tunnel_args *a)
{
    const char *why = NULL;
    uint32_t uid, gid;
    int err;

    switch (opt) {
    case 'd':
        if ((err = veiltun_validate_name(arg)) < 0)
            return usage_error("tunnel", "bad --dev '%s': %s", arg, veiltun_strerror(err));
        a->dev = arg;
        return 0;
    case 'a':
        if ((err = veiltun_parse_prefix(arg, &(veiltun_prefix){0})) < 0)
            return usage_error("tunnel", "bad --addr '%s': %s", arg, veiltun_strerror(err));
        if (a->naddrs == TUNNEL_MAX_ADDRS)
            return usage_error("tunnel", "too many --addr (at most %d)", TUNNEL_MAX_ADDRS);
        a->addrs[a->naddrs++] = arg;
        return 0;
    case 'l':
        if (parse_listen(arg, &a->listen, &a->listen_len, &why) < 0)
            return usage_error("tunnel", "bad --listen '%s': %s", arg, why);
        a->have_listen = 1;
        return 0;
    case 'p':
        if (parse_peer(arg, &a->peer, &a->peer_len, &why) < 0)
            return usage_error("tunnel", "bad --peer '%s': %s", arg, why);
        return 0;
    case 'm':
        if (parse_mtu(arg, &a->mtu, &why) < 0)
            return usage_error("tunnel", "bad --mtu '%s': %s", arg, why);
        return 0;
    case 's':
        if (parse_uint(arg, 1, 86400, &a->stats_interval) < 0)
            return usage_error("tunnel", "bad --stats-interval '%s': seconds from 1 to 86400", arg);
        return 0;
    case 'P':
        a->persist = 1;
        return 0;
    case 'O':
        a->no_offload = 1;
        return 0;
    case 'T':
        a->offload_off |= VEILTUN_OFFLOAD_TSO;
        return 0;
    case 'U':
        a->offload_off |= VEILTUN_OFFLOAD_USO;
        return 0;
    case 'G':
        a->offload_off |= VEILTUN_OFFLOAD_GRO;
        return 0;
    case 'C':
        a->offload_off |= VEILTUN_OFFLOAD_TCP_GRO;
        return 0;
    case 'D':
        a->offload_off |= VEILTUN_OFFLOAD_UDP_GRO;
        return 0;
    case 'Q':
        if (parse_uint(arg, 1, TUNNEL_MAX_QUEUES, &a->queues) < 0)
            return usage_error("tunnel", "bad --queues '%s': a number from 1 to %d", arg,
                               TUNNEL_MAX_QUEUES);
        return 0;
    case 'R':
        if (parse_ring_capacity(arg, &a->ring_capacity, &why) < 0)
            return usage_error("tunnel", "bad --ring-capacity '%s': %s", arg, why);
        return 0;
    case 'W':
        a->ring_grow = 1;
        return 0;
    case 'B':
        if (parse_uint(arg, 1, TUNNEL_MAX_BUSY_POLL_US, &a->busy_poll_us) < 0)
            return usage_error("tunnel", "bad --busy-poll '%s': microseconds from 1 to %d", arg,
                               TUNNEL_MAX_BUSY_POLL_US);
        return 0;
    case 'u':
        if (parse_user(arg, &uid, &gid, &why) < 0)
            return usage_error("tunnel", "bad --user '%s': %s", arg, why);
        a->uid = uid;
        if (a->gid < 0)
            a->gid = gid;
        return 0;
    case 'g':
        if (parse_group(arg, &gid, &why) < 0)
            return usage_error("tunnel", "bad --group '%s': %s", arg, why);
        a->gid = gid;
        return 0;
    default:
        return usage_error("tunnel", "unexpected option");
    }
}

static int check_tunnel_args(struct tunnel_args *a)
{
    if (a->dev == NULL)
        return usage_error("tunnel", "missing --dev NAME");
    if (a->naddrs == 0)
        return usage_error("tunnel", "missing --addr CIDR (the tunnel's own address)");
    if (!a->have_listen)
        return usage_error("tunnel", "missing --listen [ADDR]:PORT");
    if (a->peer_len == 0)
        return usage_error("tunnel", "missing --peer HOST:PORT");
    if (a->listen_len != 0 && a->listen.ss_family != a->peer.ss_family)
        return usage_error("tunnel", "--listen and --peer must be the same IP version");
    return 0;
}

int parse_tunnel(int argc, char **argv, struct tunnel_args *a)
{
    static const struct option opts[] = {{"dev", required_argument, NULL, 'd'},
                                         {"addr", required_argument, NULL, 'a'},
                                         {"listen", required_argument, NULL, 'l'},
                                         {"peer", required_argument, NULL, 'p'},
                                         {"mtu", required_argument, NULL, 'm'},
                                         {"stats-interval", required_argument, NULL, 's'},
                                         {"persist", no_argument, NULL, 'P'},
                                         {"no-offload", no_argument, NULL, 'O'},
                                         {"no-tso", no_argument, NULL, 'T'},
                                         {"no-uso", no_argument, NULL, 'U'},
                                         {"no-gro", no_argument, NULL, 'G'},
                                         {"no-tcp-gro", no_argument, NULL, 'C'},
                                         {"no-udp-gro", no_argument, NULL, 'D'},
                                         {"queues", required_argument, NULL, 'Q'},
                                         {"user", required_argument, NULL, 'u'},
                                         {"group", required_argument, NULL, 'g'},
                                         {"ring-capacity", required_argument, NULL, 'R'},
                                         {"ring-grow", no_argument, NULL, 'W'},
                                         {"busy-poll", required_argument, NULL, 'B'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int opt, err;

    memset(a, 0, sizeof(*a));
    a->queues = 1;
    a->uid = a->gid = -1;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (opt == 'h')
            return command_help("tunnel"), -1;
        if (opt == '?' || opt == ':')
            return option_error("tunnel", opt, argv[optind - 1]);
        if ((err = parse_tunnel_option(opt, optarg, a)) != 0)
            return err;
    }
    if (optind < argc)
        return usage_error("tunnel", "unexpected argument '%s'", argv[optind]);
    return check_tunnel_args(a);
}

int tunnel_apply_offload(const struct tunnel_args *a, veiltun *dev)
{
    int on;

    if (a->no_offload || a->offload_off == 0)
        return 0;
    on = veiltun_get_offload(dev);
    return on < 0 ? on : veiltun_set_offload(dev, (uint32_t)on & ~a->offload_off);
}

int tunnel_open_device(const struct tunnel_args *a, veiltun **dev, const char **what)
{
    veiltun_info info;
    veiltun_config cfg;
    int err;

    veiltun_config_init(&cfg);
    cfg.name = a->dev;
    cfg.flags = a->persist ? VEILTUN_F_PERSIST : 0;
    /* A device that outlives the tunnel belongs to its caller, as with up (cli.h). */
    if (a->persist &&
        (strchr(a->dev, '%') != NULL || veiltun_query(a->dev, &info) == VEILTUN_ENODEV))
        cfg.owner = default_owner();
    log_forget();
    /* Offload where the kernel has it: one read from the device then serves up to 64 KiB. */
    if (!a->no_offload)
        cfg.flags |= VEILTUN_F_OFFLOAD;
    if (a->queues > 1)
        cfg.flags |= VEILTUN_F_MULTI_QUEUE;
    /* Wintun's ring; on Linux the library checks the value and ignores it, and the flag. */
    cfg.ring_capacity = a->ring_capacity;
    if (a->ring_grow)
        cfg.flags |= VEILTUN_F_RING_GROW;
    if ((err = veiltun_open(&cfg, dev)) < 0)
        return *what = "open", err;
    if ((err = tunnel_apply_offload(a, *dev)) < 0)
        return *what = "offload switches", err;
    if ((err = veiltun_set_mtu(*dev, a->mtu)) < 0)
        return *what = "set MTU", err;
    for (size_t i = 0; i < a->naddrs; i++) {
        err = veiltun_add_address(*dev, a->addrs[i]);
        if (err == VEILTUN_EEXIST && !veiltun_created(*dev))
            log_forget(); /* re-attached: the address is there already, as wanted */
        else if (err < 0)
            return *what = a->addrs[i], err;
    }
    if ((err = veiltun_set_up(*dev, 1)) < 0)
        return *what = "bring up", err;
    return 0;
}
