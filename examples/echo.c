/* SPDX-License-Identifier: MIT */
/*
 * veiltun-echo: a TUN device that answers pings.
 *
 *   veiltun-echo [-v] [-t SECONDS] NAME CIDR [CIDR...]
 *
 * Opens NAME (a name or a template such as "veil%d"), adds the addresses, brings the device up
 * and answers every ICMP and ICMPv6 echo request it reads with an echo reply, as if a host sat
 * behind the device: `ping 10.9.0.2` with 10.9.0.1/24 on the device gets answers. It waits
 * with veiltun_wait(), moves packets with the batch calls, reads and fixes them up with the
 * packet helpers (veiltun_packet_parse, the checksum calls), stops on SIGINT or SIGTERM (the
 * handler calls veiltun_cancel(), which is async-signal-safe) or after -t SECONDS, and prints
 * the device's counters at exit. Exit status: 0 stopped, 1 failure, 2 usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <veiltun.h>

#define BATCH    32
#define SLOT_MAX 65536

static unsigned char buffers[BATCH][SLOT_MAX];

/* What the signal handler cancels; set while the handle is open. */
static veiltun *volatile signal_dev;

struct counts {
    uint64_t echo4, echo6; /* requests answered */
    uint64_t ignored;      /* other packets (not an echo request, or not one we may answer) */
    uint64_t bad;          /* echo requests with a wrong checksum or length */
    uint64_t unsent;       /* replies the device did not take */
};

static void on_signal(int sig)
{
    int saved = errno;
    veiltun *dev = signal_dev;

    (void)sig;
    if (dev != NULL)
        veiltun_cancel(dev);
    errno = saved;
}

static int set_signals(void (*fn)(int))
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
        return -1;
    return 0;
}

static unsigned get16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static void swap_bytes(unsigned char *a, unsigned char *b, size_t n)
{
    unsigned char t[16];

    memcpy(t, a, n);
    memcpy(a, b, n);
    memcpy(b, t, n);
}

/* ---- turning a request into a reply, in place ---- */

enum verdict { IGNORE, BAD, REPLY };

/* An echo request (ICMP type 8, ICMPv6 type 128) that is whole, right after the fixed IP
 * header, and to a unicast address (multicast starts at 224.0.0.0 and ff00::). */
static enum verdict classify(const veiltun_packet_info *in)
{
    int v6 = in->version == 6;

    if (!in->has_icmp || in->is_fragment || (v6 && in->header_len != 40))
        return IGNORE;
    if (in->icmp_type != (v6 ? 128 : 8) || in->icmp_code != 0 || in->dst[0] >= (v6 ? 0xff : 224))
        return IGNORE;
    return in->total_len - in->header_len < 8 ? BAD : REPLY; /* an echo header is 8 bytes */
}

static enum verdict echo(unsigned char *ip, size_t len, veiltun_packet_info *in)
{
    enum verdict v;

    if (veiltun_packet_parse(ip, len, in) < 0)
        return BAD;
    v = classify(in);
    if (v != REPLY)
        return v;
    if (veiltun_ipv4_header_checksum_ok(ip, len) != 1 || veiltun_l4_checksum_ok(ip, len) != 1)
        return BAD;
    /* Back to the sender, from the address that was pinged, as an echo reply. */
    swap_bytes(ip + (in->version == 6 ? 8 : 12), ip + (in->version == 6 ? 24 : 16),
               in->version == 6 ? 16 : 4);
    ip[in->version == 6 ? 7 : 8] = 64; /* hop limit / TTL */
    ip[in->header_len] = in->version == 6 ? 129 : 0;
    if (veiltun_ipv4_header_checksum(ip, len) < 0 || veiltun_l4_checksum(ip, len) < 0)
        return BAD;
    return REPLY;
}

static void describe(const unsigned char *ip, const veiltun_packet_info *in, const char *what)
{
    char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
    int af = in->version == 6 ? AF_INET6 : AF_INET;
    const unsigned char *icmp = ip + in->header_len;

    /* The packet is already a reply: its source is the address that was pinged (in->dst). */
    inet_ntop(af, in->dst, src, sizeof(src));
    inet_ntop(af, in->src, dst, sizeof(dst));
    printf("%s %s -> %s id %u seq %u\n", what, src, dst, get16(icmp + 4), get16(icmp + 6));
}

/* Answer what can be answered among pkts[0..n): replies are gathered at the front of out. */
static size_t answer(veiltun_packet *pkts, size_t n, veiltun_packet *out, struct counts *c,
                     int verbose)
{
    size_t nout = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char *ip = pkts[i].data;
        veiltun_packet_info in;
        enum verdict v = echo(ip, pkts[i].len, &in);

        if (v == IGNORE) {
            c->ignored++;
            continue;
        }
        if (v == BAD) {
            c->bad++;
            continue;
        }
        if (in.version == 6)
            c->echo6++;
        else
            c->echo4++;
        if (verbose)
            describe(ip, &in, in.version == 6 ? "echo6" : "echo4");
        out[nout].data = ip;
        out[nout].len = in.total_len;
        nout++;
    }
    return nout;
}

/* Write every reply; one the device refuses is counted and left. Negative: a device failure. */
static int send_all(veiltun *dev, veiltun_packet *out, size_t n, struct counts *c)
{
    size_t done = 0;

    while (done < n) {
        int r = veiltun_write_batch(dev, out + done, n - done);

        if (r == VEILTUN_EAGAIN) { /* the kernel's queue is full: these replies are lost */
            c->unsent += n - done;
            return 0;
        }
        if (r < 0)
            return r;
        for (int i = 0; i < r; i++)
            c->unsent += out[done + (size_t)i].status != 0;
        done += (size_t)r;
    }
    return 0;
}

/* Read what is ready and answer it. Negative: a device failure. */
static int serve(veiltun *dev, struct counts *c, int verbose)
{
    veiltun_packet in[BATCH], out[BATCH];
    int n;

    for (size_t i = 0; i < BATCH; i++)
        in[i] = (veiltun_packet){.data = buffers[i], .size = SLOT_MAX};
    n = veiltun_read_batch(dev, in, BATCH);
    if (n == VEILTUN_EAGAIN)
        return 0;
    if (n < 0)
        return n;
    return send_all(dev, out, answer(in, (size_t)n, out, c, verbose), c);
}

/* Fetch the device's events: the wait handle stays ready until they are read. */
static int drain_events(veiltun *dev, int verbose)
{
    veiltun_event ev;
    int err;

    while ((err = veiltun_next_event(dev, &ev)) == 0) {
        if (ev.type == VEILTUN_EVENT_REMOVED)
            return VEILTUN_ENODEV;
        if (ev.type == VEILTUN_EVENT_BROKEN) /* Windows: the ring failed; re-open to go on */
            return VEILTUN_ENOTRECOVERABLE;
        if (verbose)
            printf("event: %s, mtu %u\n", ev.up ? "up" : "down", ev.mtu);
    }
    return err == VEILTUN_EAGAIN ? 0 : err;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Serve until cancelled (0), the deadline passes (0), or the device fails (negative). */
static int run(veiltun *dev, long seconds, struct counts *c, int verbose)
{
    int64_t deadline = now_ms() + (int64_t)seconds * 1000;
    int err = 0;

    while (err == 0) {
        int64_t left = seconds > 0 ? deadline - now_ms() : -1;
        int ready;

        if (seconds > 0 && left <= 0)
            return 0;
        ready = veiltun_wait(dev, left > 3600000 ? 3600000 : (int)left);
        if (ready == VEILTUN_ECANCELED)
            return 0;
        if (ready == VEILTUN_ETIMEDOUT)
            continue; /* the loop checks the deadline */
        if (ready < 0)
            return ready;
        if (ready & VEILTUN_READY_EVENT)
            err = drain_events(dev, verbose);
        if (err == 0 && (ready & VEILTUN_READY_READ))
            err = serve(dev, c, verbose);
    }
    return err;
}

static int configure(veiltun *dev, char **cidrs, int n)
{
    int err;

    for (int i = 0; i < n; i++) {
        err = veiltun_add_address(dev, cidrs[i]);
        if (err < 0) {
            fprintf(stderr, "veiltun-echo: address %s on %s: %s\n", cidrs[i], veiltun_get_name(dev),
                    veiltun_strerror(err));
            return err;
        }
    }
    err = veiltun_set_up(dev, 1);
    if (err < 0)
        fprintf(stderr, "veiltun-echo: bringing %s up: %s\n", veiltun_get_name(dev),
                veiltun_strerror(err));
    return err;
}

static void print_stats(const veiltun *dev, const struct counts *c)
{
    veiltun_stats s;
    int err = veiltun_get_stats(dev, &s, sizeof(s));

    printf("answered: %llu IPv4, %llu IPv6 echo requests; ignored %llu, bad %llu, unsent %llu\n",
           (unsigned long long)c->echo4, (unsigned long long)c->echo6,
           (unsigned long long)c->ignored, (unsigned long long)c->bad,
           (unsigned long long)c->unsent);
    if (err < 0) {
        fprintf(stderr, "veiltun-echo: stats: %s\n", veiltun_strerror(err));
        return;
    }
    printf("stats: rx %llu packets %llu bytes (%llu dropped, %llu errors), "
           "tx %llu packets %llu bytes (%llu dropped, %llu errors)\n",
           (unsigned long long)s.rx_packets, (unsigned long long)s.rx_bytes,
           (unsigned long long)s.rx_dropped, (unsigned long long)s.rx_errors,
           (unsigned long long)s.tx_packets, (unsigned long long)s.tx_bytes,
           (unsigned long long)s.tx_dropped, (unsigned long long)s.tx_errors);
}

static int usage(void)
{
    fprintf(stderr, "usage: veiltun-echo [-v] [-t SECONDS] NAME CIDR [CIDR...]\n"
                    "  answers ICMP/ICMPv6 echo requests routed into the TUN device NAME\n"
                    "  (a name or a template such as veil%%d); -t stops after SECONDS,\n"
                    "  -v prints each reply. SIGINT or SIGTERM stops it.\n");
    return 2;
}

static int parse(int argc, char **argv, int *verbose, long *seconds)
{
    int opt;
    char *end;

    while ((opt = getopt(argc, argv, "vt:h")) != -1) {
        if (opt == 'v') {
            *verbose = 1;
        } else if (opt == 't') {
            errno = 0;
            *seconds = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || *seconds < 0 || *seconds > 86400000)
                return -1;
        } else {
            return -1;
        }
    }
    return argc - optind >= 2 ? 0 : -1;
}

/* Check the name and addresses before anything on the system changes. */
static int check_input(char **args, int n)
{
    veiltun_prefix p;
    int err = veiltun_validate_name(args[0]);

    if (err < 0) {
        fprintf(stderr, "veiltun-echo: bad name '%s': %s\n", args[0], veiltun_strerror(err));
        return err;
    }
    for (int i = 1; i < n; i++) {
        err = veiltun_parse_prefix(args[i], &p);
        if (err < 0) {
            fprintf(stderr, "veiltun-echo: bad address '%s': %s\n", args[i], veiltun_strerror(err));
            return err;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    veiltun_config cfg;
    veiltun *dev;
    struct counts c = {0};
    sigset_t stop;
    int verbose = 0, err;
    long seconds = 0;

    if (parse(argc, argv, &verbose, &seconds) < 0)
        return usage();
    if (check_input(argv + optind, argc - optind) < 0)
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    veiltun_config_init(&cfg);
    cfg.name = argv[optind];
    err = veiltun_open(&cfg, &dev);
    if (err < 0) {
        fprintf(stderr, "veiltun-echo: open %s: %s\n", cfg.name, veiltun_strerror(err));
        return 1;
    }
    if (configure(dev, argv + optind + 1, argc - optind - 1) < 0) {
        veiltun_close(dev);
        return 1;
    }
    signal_dev = dev;
    if (set_signals(on_signal) < 0) {
        perror("veiltun-echo: sigaction");
        veiltun_close(dev);
        return 1;
    }
    printf("veiltun-echo: %s is up (index %d); answering echo requests\n", veiltun_get_name(dev),
           veiltun_get_index(dev));
    err = run(dev, seconds, &c, verbose);
    if (err < 0)
        fprintf(stderr, "veiltun-echo: %s: %s\n", veiltun_get_name(dev), veiltun_strerror(err));
    print_stats(dev, &c);
    /* No handler may touch the handle from here on. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop, NULL);
    signal_dev = NULL;
    veiltun_close(dev);
    return err < 0 ? 1 : 0;
}
