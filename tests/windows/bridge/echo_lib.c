/* SPDX-License-Identifier: MIT */
/* windows.bridge_echo's program: the Windows library alone (libveiltun.dll, no tool) against
 * real traffic. Run under Wine with the wintun.dll double bridged to a Linux TUN device
 * (tests/windows/bridge/echo.sh), it opens a device, gives it addresses and an MTU, and
 * answers the echo requests (ping, IPv4 and IPv6) that the Linux stack sends to the peer
 * addresses behind the device, as an application would: it blocks on veiltun_wait() for the
 * first half of the requests and on WaitForSingleObject(veiltun_wait_handle()) for the rest,
 * reads with veiltun_read_batch() and hands the slots it turned into replies straight to
 * veiltun_write_batch() (writes take each slot's len).
 * Usage: echo_lib NAME ADDR4/PREFIX PEER4 ADDR6/PREFIX PEER6 MTU COUNT SECONDS
 * Exits 0 after answering COUNT requests and serving LINGER_MS more (then prints its counters
 * and closes the device),
 * 1 if SECONDS pass first or a call fails, 2 on bad arguments. */
#include "veiltun.h"

#include <winsock2.h> /* before windows.h, which would bring the older winsock.h */
#include <ws2tcpip.h>
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 64
#define SLOT  2048 /* more than the MTU the test sets: nothing is dropped for its size */

struct echo {
    veiltun *dev;
    unsigned char peer4[4], peer6[16];
    unsigned long answered, answered4, answered6, ignored;
    unsigned char bufs[BATCH][SLOT];
    veiltun_packet slots[BATCH], replies[BATCH];
};

/* Turns an echo request to one of the peer addresses into its reply, in place (same length).
 * Returns 1 if it did. */
static int make_reply(struct echo *e, unsigned char *pkt, size_t len)
{
    veiltun_packet_info info;
    unsigned char tmp[16];
    size_t alen;

    if (veiltun_packet_parse(pkt, len, &info) < 0 || !info.has_icmp || info.is_fragment)
        return 0;
    if (info.version == 4 && info.protocol == 1 && info.icmp_type == 8 &&
        memcmp(info.dst, e->peer4, 4) == 0) {
        pkt[info.header_len] = 0; /* echo reply */
        alen = 4;
        memcpy(tmp, pkt + 12, alen); /* swap source and destination */
        memcpy(pkt + 12, pkt + 16, alen);
        memcpy(pkt + 16, tmp, alen);
        e->answered4++;
    } else if (info.version == 6 && info.protocol == 58 && info.icmp_type == 128 &&
               memcmp(info.dst, e->peer6, 16) == 0) {
        pkt[info.header_len] = 129; /* echo reply */
        alen = 16;
        memcpy(tmp, pkt + 8, alen);
        memcpy(pkt + 8, pkt + 24, alen);
        memcpy(pkt + 24, tmp, alen);
        e->answered6++;
    } else {
        return 0;
    }
    return veiltun_ipv4_header_checksum(pkt, len) == 0 && veiltun_l4_checksum(pkt, len) == 0;
}

/* Drains the device's events (the wait handle stays signalled while one is pending) and
 * answers what can be read. Returns 0, or a VEILTUN_E* code. */
static int serve(struct echo *e)
{
    veiltun_event ev;
    int n, k, w;

    while (veiltun_next_event(e->dev, &ev) == 0)
        printf("event %d\n", (int)ev.type);
    for (;;) {
        for (int i = 0; i < BATCH; i++)
            e->slots[i] = (veiltun_packet){e->bufs[i], SLOT, 0, 0};
        n = veiltun_read_batch(e->dev, e->slots, BATCH);
        if (n == VEILTUN_EAGAIN)
            return 0;
        if (n < 0)
            return n;
        k = 0;
        for (int i = 0; i < n; i++) {
            if (make_reply(e, e->slots[i].data, e->slots[i].len))
                e->replies[k++] = e->slots[i]; /* the slot as read: its len is the reply's */
            else
                e->ignored++; /* router solicitations, MLD reports: not ours to answer */
        }
        for (int done = 0; done < k; done += w) {
            w = veiltun_write_batch(e->dev, e->replies + done, (size_t)(k - done));
            if (w < 0)
                return w;
        }
        for (int i = 0; i < k; i++) {
            if (e->replies[i].status < 0)
                return e->replies[i].status;
        }
        e->answered += (unsigned long)k;
    }
}

static int parse_addr(int family, const char *text, unsigned char *out)
{
    return inet_pton(family, text, out) == 1 ? 0 : -1;
}

static void print_stats(const struct echo *e)
{
    veiltun_stats s;

    if (veiltun_get_stats(e->dev, &s, sizeof(s)) < 0)
        return;
    printf("answered %lu (ipv4 %lu, ipv6 %lu), ignored %lu\n", e->answered, e->answered4,
           e->answered6, e->ignored);
    printf("stats rx_packets %llu rx_dropped %llu tx_packets %llu tx_dropped %llu "
           "tx_errors %llu ring_full %llu queue_full %llu reader_spins %llu "
           "reader_sleeps %llu\n",
           (unsigned long long)s.rx_packets, (unsigned long long)s.rx_dropped,
           (unsigned long long)s.tx_packets, (unsigned long long)s.tx_dropped,
           (unsigned long long)s.tx_errors, (unsigned long long)s.ring_full,
           (unsigned long long)s.queue_full, (unsigned long long)s.reader_spins,
           (unsigned long long)s.reader_sleeps);
}

/* Waits for traffic the way the caller chose: veiltun_wait(), or the OS handle. Returns 1 if
 * something is ready, 0 on timeout, or a VEILTUN_E* code. */
static int wait_ready(struct echo *e, int with_handle, DWORD ms)
{
    int r;

    if (with_handle) {
        DWORD w = WaitForSingleObject(veiltun_wait_handle(e->dev), ms);
        return w == WAIT_OBJECT_0 ? 1 : w == WAIT_TIMEOUT ? 0 : VEILTUN_EIO;
    }
    r = veiltun_wait(e->dev, (int)ms);
    return r > 0 ? 1 : r == VEILTUN_ETIMEDOUT ? 0 : r;
}

/* Serves until COUNT requests are answered, then LINGER_MS more: Wintun promises nothing for
 * packets still in the send ring when the session ends, and the double drops them, so a
 * program that closed at once could lose its last replies. */
#define LINGER_MS 500

static int run(struct echo *e, unsigned long count, unsigned long seconds)
{
    ULONGLONG deadline = GetTickCount64() + seconds * 1000ull;
    int r, lingering = 0;

    printf("ready\n");
    fflush(stdout);
    for (;;) {
        ULONGLONG now = GetTickCount64();
        if (!lingering && e->answered >= count) {
            lingering = 1;
            deadline = now + LINGER_MS;
        }
        if (now >= deadline) {
            if (lingering)
                return 0;
            fprintf(stderr, "echo_lib: %lu of %lu requests answered in %lu s\n", e->answered, count,
                    seconds);
            return 1;
        }
        r = wait_ready(e, e->answered >= count / 2, (DWORD)(deadline - now));
        if (r > 0)
            r = serve(e);
        if (r < 0) {
            fprintf(stderr, "echo_lib: %s\n", veiltun_strerror(r));
            return 1;
        }
    }
}

int main(int argc, char **argv)
{
    static struct echo e;
    veiltun_config cfg;
    WSADATA wsa;
    int err, code = 1;
    const char *what = "open";

    if (argc != 9 || WSAStartup(MAKEWORD(2, 2), &wsa) != 0 ||
        parse_addr(AF_INET, argv[3], e.peer4) < 0 || parse_addr(AF_INET6, argv[5], e.peer6) < 0) {
        fprintf(stderr, "usage: echo_lib NAME ADDR4/PREFIX PEER4 ADDR6/PREFIX PEER6 MTU COUNT "
                        "SECONDS\n");
        return 2;
    }
    veiltun_config_init(&cfg);
    cfg.name = argv[1];
    cfg.mode = VEILTUN_OPEN_CREATE;
    err = veiltun_open(&cfg, &e.dev);
    if (!err && (what = "address", err = veiltun_add_address(e.dev, argv[2])) == 0 &&
        (err = veiltun_add_address(e.dev, argv[4])) == 0 && (what = "mtu") &&
        (err = veiltun_set_mtu(e.dev, (unsigned)strtoul(argv[6], NULL, 10))) == 0 &&
        (what = "up") && (err = veiltun_set_up(e.dev, 1)) == 0)
        code = run(&e, strtoul(argv[7], NULL, 10), strtoul(argv[8], NULL, 10));
    if (err)
        fprintf(stderr, "echo_lib: %s: %s\n", what, veiltun_strerror(err));
    if (e.dev) {
        print_stats(&e);
        veiltun_close(e.dev); /* removes the adapter, and so the Linux device */
    }
    printf("closed\n");
    return code;
}
