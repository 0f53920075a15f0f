/* SPDX-License-Identifier: MIT */
/* demo: the one-command proof that veiltun works, on this machine only. */
#include "cli.h"
#include "demo.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t demo_interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    demo_interrupted = 1;
}

/* No SA_RESTART: a blocked poll or connect returns so the demo can clean up. */
static void catch_interrupts(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_interrupt;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

struct results {
    int failures;
};

static void check(struct results *r, int ok, const char *what)
{
    if (!ok) {
        r->failures++;
        printf("  FAILED    %s\n", what);
    }
}

static void run_pings(const struct demo *d, struct results *r)
{
    static const char *const dir[DEMO_SIDES] = {"A -> B", "B -> A"};

    for (int side = 0; side < DEMO_SIDES; side++) {
        for (int v6 = 0; v6 <= 1; v6++) {
            struct demo_rtt rtt;
            int ok = demo_ping(d, side, v6, 5, 50, &rtt) == 0;
            printf("  ping      %s %s %-14s %u/%u replies, rtt median %.3f ms\n", dir[side],
                   v6 ? "IPv6" : "IPv4", v6 ? demo_overlay6[1 - side] : demo_overlay4[1 - side],
                   rtt.received, rtt.sent, rtt.median_ms);
            check(r, ok, "ping over the tunnel");
        }
    }
}

static void run_transfer(const struct demo *d, unsigned long long mb, struct results *r)
{
    struct demo_transfer t;
    int ok = demo_tcp(d, mb * 1000000ULL, 120.0, 1, "transfer", &t) == 0;

    /* Stopped half-way: the hashes cover different amounts, comparing them says nothing. */
    if (demo_interrupted) {
        printf("  transfer  interrupted after %.1f MB\n", (double)t.bytes / 1e6);
        return;
    }
    ok = ok && strcmp(t.sent_sha, t.received_sha) == 0;
    printf("  transfer  %.1f MB A -> B over TCP/IPv4 in %.2f s\n", (double)t.bytes / 1e6,
           t.seconds);
    printf("            sha256 sent     %s\n            sha256 received %s  %s\n", t.sent_sha,
           t.received_sha, ok ? "MATCH" : "MISMATCH");
    check(r, ok, "bulk transfer with matching SHA-256");
}

static void run_latency(const struct demo *d, struct results *r)
{
    struct demo_rtt rtt;
    int ok = demo_ping(d, 0, 0, 100, 5, &rtt) == 0;

    printf("  latency   %u pings A -> B: min %.3f ms, median %.3f ms, p99 %.3f ms, max %.3f ms\n",
           rtt.sent, rtt.min_ms, rtt.median_ms, rtt.p99_ms, rtt.max_ms);
    check(r, ok, "latency measurement");
}

static void run_speed(const struct demo *d, struct results *r)
{
    struct demo_transfer t;

    /* A fixed time, no hashing: what the tunnel carries when it is the only work. */
    demo_tcp(d, 1ULL << 40, 3.0, 0, "speed", &t);
    printf("  speed     %.2f Gbit/s  (TCP, one stream, %.1f s, %.0f MB)\n",
           t.seconds > 0 ? (double)t.bytes * 8 / t.seconds / 1e9 : 0.0, t.seconds,
           (double)t.bytes / 1e6);
    check(r, t.bytes > 0, "throughput measurement");
}

static void print_tunnels(const struct demo *d)
{
    char stats[2048];

    for (int side = 0; side < DEMO_SIDES; side++) {
        char *line, *save = NULL;
        int first = 1;

        demo_tunnel_stats(d, side, stats, sizeof(stats));
        if (stats[0] == '\0')
            strcpy(stats, "(no answer from the tunnel)");
        for (line = strtok_r(stats, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            printf("  %-9s %s\n", first ? (side ? "side B" : "side A") : "",
                   line + (first ? 0 : 2));
            first = 0;
        }
    }
}

static int parse_demo(int argc, char **argv, unsigned long *mb)
{
    static const struct option opts[] = {{"size", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int opt;

    *mb = 100;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (opt == 'h')
            return command_help("demo"), -1;
        if (opt == '?' || opt == ':')
            return option_error("demo", opt, argv[optind - 1]);
        if (parse_uint(optarg, 1, 100000, mb) < 0)
            return usage_error("demo", "bad --size '%s': megabytes from 1 to 100000", optarg);
    }
    if (optind < argc)
        return usage_error("demo", "unexpected argument '%s'", argv[optind]);
    return 0;
}

int cmd_demo(int argc, char **argv)
{
    static struct demo d;
    struct results r = {0};
    unsigned long mb;
    int err = parse_demo(argc, argv, &mb);

    if (err)
        return err < 0 ? EXIT_OK : err;
    if (geteuid() != 0)
        return runtime_error("demo", "needs root (it creates network namespaces and TUN "
                                     "devices): run it with sudo");
    setvbuf(stdout, NULL, _IOLBF, 0);
    catch_interrupts();
    printf("veiltun %s demo: a tunnel between two network namespaces on this machine\n\n",
           veiltun_version());
    err = demo_setup(&d);
    if (err == 0) {
        printf("  setup     namespaces %s and %s, veth %s <-> %s\n", d.ns[0], d.ns[1],
               demo_underlay[0], demo_underlay[1]);
        printf("            veiltun tunnel veil0 on each side, UDP port 51820, MTU %u\n", d.mtu);
        run_pings(&d, &r);
        if (!demo_interrupted)
            run_latency(&d, &r);
        if (!demo_interrupted)
            run_transfer(&d, mb, &r);
        if (!demo_interrupted)
            run_speed(&d, &r);
        print_tunnels(&d);
    }
    demo_teardown(&d);
    if (err == 0 && demo_interrupted)
        printf("  stopped   interrupted\n");
    printf("  cleanup   tunnels stopped, namespaces and veth removed\n");
    if (err || r.failures) {
        printf("\n  result    FAIL\n");
        return EXIT_RUNTIME;
    }
    if (demo_interrupted) { /* nothing failed, but not everything was shown either */
        printf("\n  result    INTERRUPTED: no failure until then\n");
        return EXIT_RUNTIME;
    }
    printf("\n  result    PASS: IPv4 and IPv6 both ways, %lu MB verified end to end\n", mb);
    return EXIT_OK;
}
