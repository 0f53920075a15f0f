/* SPDX-License-Identifier: MIT */
/* up and down: create, configure and remove devices. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

struct up_args {
    const char *name;
    const char *addrs[UP_MAX_ADDRS];
    struct route_spec routes[UP_MAX_ROUTES];
    size_t naddrs, nroutes;
    unsigned mtu;
    veiltun_config cfg;
};

static int check_route(const struct route_spec *r, const char *text)
{
    veiltun_prefix dst, gw;
    int err = veiltun_parse_network(r->dest, &dst);

    if (err == 0 && r->via != NULL) {
        err = veiltun_parse_prefix(r->via, &gw);
        if (err == 0 && gw.family != dst.family)
            err = VEILTUN_EFAMILY;
    }
    if (err < 0)
        return usage_error("up", "bad --route '%s': %s", text, veiltun_strerror(err));
    return 0;
}

static int parse_up_option(int opt, const char *arg, struct up_args *a)
{
    const char *why = NULL;
    uint32_t id, gid;
    int err;

    switch (opt) {
    case 'a':
        err = veiltun_parse_prefix(arg, &(veiltun_prefix){0});
        if (err < 0)
            return usage_error("up", "bad --addr '%s': %s", arg, veiltun_strerror(err));
        if (a->naddrs == UP_MAX_ADDRS)
            return usage_error("up", "too many --addr (at most %d)", UP_MAX_ADDRS);
        a->addrs[a->naddrs++] = arg;
        return 0;
    case 'm':
        if (parse_mtu(arg, &a->mtu, &why) < 0)
            return usage_error("up", "bad --mtu '%s': %s", arg, why);
        return 0;
    case 'r':
        if (a->nroutes == UP_MAX_ROUTES)
            return usage_error("up", "too many --route (at most %d)", UP_MAX_ROUTES);
        if (parse_route(arg, &a->routes[a->nroutes], &why) < 0)
            return usage_error("up", "bad --route '%s': %s", arg, why);
        return check_route(&a->routes[a->nroutes++], arg);
    case 'p':
        a->cfg.flags |= VEILTUN_F_PERSIST;
        return 0;
    case 'o':
        if (parse_user(arg, &id, &gid, &why) < 0)
            return usage_error("up", "bad --owner '%s': %s", arg, why);
        a->cfg.owner = id;
        return 0;
    case 'g':
        if (parse_group(arg, &id, &why) < 0)
            return usage_error("up", "bad --group '%s': %s", arg, why);
        a->cfg.group = id;
        return 0;
    default:
        return usage_error("up", "unexpected option");
    }
}

static int parse_up(int argc, char **argv, struct up_args *a)
{
    static const struct option opts[] = {
        {"addr", required_argument, NULL, 'a'},  {"mtu", required_argument, NULL, 'm'},
        {"route", required_argument, NULL, 'r'}, {"persist", no_argument, NULL, 'p'},
        {"owner", required_argument, NULL, 'o'}, {"group", required_argument, NULL, 'g'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    int opt, err;

    veiltun_config_init(&a->cfg);
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (opt == 'h')
            return command_help("up"), -1;
        if (opt == '?' || opt == ':')
            return option_error("up", opt, argv[optind - 1]);
        err = parse_up_option(opt, optarg, a);
        if (err)
            return err;
    }
    if (optind != argc - 1)
        return usage_error(
            "up", optind == argc ? "missing device NAME" : "expected one device NAME, got '%s' too",
            argv[argc - 1]);
    a->name = argv[optind];
    err = veiltun_validate_name(a->name);
    if (err < 0)
        return usage_error("up", "bad device name '%s': %s", a->name, veiltun_strerror(err));
    a->cfg.name = a->name;
    return 0;
}

/* "it exists already" is fine when re-running up on an existing device. */
static int tolerate(int err, const veiltun *dev)
{
    if (err != VEILTUN_EEXIST || veiltun_created(dev))
        return err;
    log_forget(); /* the library logged it as a failure; here it is none */
    return 0;
}

static int configure(veiltun *dev, const struct up_args *a, const char **what)
{
    int err = 0;

    if (a->mtu && (err = veiltun_set_mtu(dev, a->mtu)) < 0)
        return *what = "set MTU", err;
    for (size_t i = 0; i < a->naddrs; i++) {
        if ((err = tolerate(veiltun_add_address(dev, a->addrs[i]), dev)) < 0)
            return *what = a->addrs[i], err;
    }
    if ((err = veiltun_set_up(dev, 1)) < 0)
        return *what = "bring up", err;
    for (size_t i = 0; i < a->nroutes; i++) {
        const struct route_spec *r = &a->routes[i];
        if ((err = tolerate(veiltun_add_route(dev, r->dest, r->via, r->metric), dev)) < 0)
            return *what = r->dest, err;
    }
    return 0;
}

/* A device that up created without --persist lives as long as this process. */
static void hold_until_interrupted(const char *name)
{
    fprintf(stderr,
            "veiltun: up: holding %s until interrupted (use --persist to keep it after "
            "exit)\n",
            name);
    wait_for_interrupt();
}

/* A device this run will create gets the caller as its owner unless --owner or --group says
 * otherwise; an existing device keeps the owner it has. */
static void default_to_caller(struct up_args *a)
{
    veiltun_info info;

    if (a->cfg.owner >= 0 || a->cfg.group >= 0)
        return;
    if (strchr(a->name, '%') != NULL || veiltun_query(a->name, &info) == VEILTUN_ENODEV)
        a->cfg.owner = default_owner();
    log_forget(); /* "no such device" is the answer looked for, not a failure */
}

int cmd_up(int argc, char **argv)
{
    struct up_args a;
    const char *what = NULL;
    veiltun *dev;
    int err;

    memset(&a, 0, sizeof(a));
    err = parse_up(argc, argv, &a);
    if (err)
        return err < 0 ? EXIT_OK : err;
    default_to_caller(&a);
    err = veiltun_open(&a.cfg, &dev);
    if (err < 0)
        return runtime_error("up", "%s: %s", a.name, veiltun_strerror(err));
    err = configure(dev, &a, &what);
    if (err < 0) {
        /* Leave nothing half-configured behind: a device this run created goes again. */
        if (veiltun_created(dev))
            veiltun_set_persist(dev, 0);
        veiltun_close(dev);
        return runtime_error("up", "%s: %s: %s", a.name, what, veiltun_strerror(err));
    }
    /* The kernel chose the name from a template: say which, for scripts to capture. */
    if (strchr(a.name, '%') != NULL) {
        printf("%s\n", veiltun_get_name(dev));
        fflush(stdout);
    }
    if (veiltun_created(dev) && !(a.cfg.flags & VEILTUN_F_PERSIST))
        hold_until_interrupted(veiltun_get_name(dev));
    veiltun_close(dev);
    return EXIT_OK;
}

int cmd_down(int argc, char **argv)
{
    veiltun_config cfg;
    veiltun *dev;
    int err;

    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
        return command_help("down"), EXIT_OK;
    if (argc != 2 || argv[1][0] == '-')
        return usage_error("down",
                           argc < 2 ? "missing device NAME" : "expected only NAME, got '%s'",
                           argv[argc - 1]);
    err = veiltun_validate_name(argv[1]);
    if (err < 0)
        return usage_error("down", "bad device name '%s': %s", argv[1], veiltun_strerror(err));
    veiltun_config_init(&cfg);
    cfg.name = argv[1];
    cfg.mode = VEILTUN_OPEN_ATTACH;
    err = veiltun_open(&cfg, &dev);
    if (err == VEILTUN_EBUSY)
        return runtime_error("down",
                             "%s is held by a running program (a tunnel?): stop it and "
                             "the device goes with it",
                             argv[1]);
    if (err < 0)
        return runtime_error("down", "%s: %s", argv[1], veiltun_strerror(err));
    err = veiltun_set_persist(dev, 0);
    veiltun_close(dev);
    if (err < 0)
        return runtime_error("down", "%s: %s", argv[1], veiltun_strerror(err));
    return EXIT_OK;
}
