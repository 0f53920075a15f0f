/* SPDX-License-Identifier: MIT */
/* The demo's traffic: ICMP echo over the tunnel (raw sockets, so latency is measured here,
 * not by an outside program) and a TCP transfer with SHA-256 at both ends. */
#include "demo.h"
#include "sha256.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEMO_TCP_PORT 5201
#define CHUNK         (64 * 1024)

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- ping ---- */

static uint16_t checksum(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t sum = 0;

    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return htons((uint16_t)~sum);
}

struct pinger {
    int fd, v6;
    uint16_t id;
    struct sockaddr_storage to;
    socklen_t to_len;
};

static int pinger_open(struct pinger *p, const struct demo *d, int side, int v6)
{
    memset(p, 0, sizeof(*p));
    p->v6 = v6;
    p->id = (uint16_t)(getpid() ^ (side << 8) ^ (v6 << 12));
    if (demo_enter(d, side) < 0)
        return -1;
    p->fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC,
                   v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
    demo_leave(d);
    if (p->fd < 0)
        return -1;
    if (v6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&p->to;
        s6->sin6_family = AF_INET6;
        inet_pton(AF_INET6, demo_overlay6[1 - side], &s6->sin6_addr);
        p->to_len = sizeof(*s6);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&p->to;
        s4->sin_family = AF_INET;
        inet_pton(AF_INET, demo_overlay4[1 - side], &s4->sin_addr);
        p->to_len = sizeof(*s4);
    }
    return 0;
}

static int ping_send(const struct pinger *p, uint16_t seq)
{
    uint8_t msg[64] = {0};

    /* Echo request: type, code, checksum, identifier, sequence, payload. ICMPv6's checksum
     * covers a pseudo-header, so the kernel fills it in for raw ICMPv6 sockets. */
    msg[0] = p->v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
    msg[4] = (uint8_t)(p->id >> 8);
    msg[5] = (uint8_t)p->id;
    msg[6] = (uint8_t)(seq >> 8);
    msg[7] = (uint8_t)seq;
    if (!p->v6) {
        uint16_t sum = checksum(msg, sizeof(msg));
        memcpy(msg + 2, &sum, 2);
    }
    return sendto(p->fd, msg, sizeof(msg), 0, (const struct sockaddr *)&p->to, p->to_len) < 0 ? -1
                                                                                              : 0;
}

/* 1 if the datagram is our echo reply with @p seq. IPv4 raw sockets include the IP header. */
static int is_reply(const struct pinger *p, const uint8_t *buf, ssize_t n, uint16_t seq)
{
    size_t off = p->v6 ? 0 : (size_t)(buf[0] & 0x0f) * 4;

    if (n < (ssize_t)(off + 8))
        return 0;
    buf += off;
    return buf[0] == (p->v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) &&
           (buf[4] << 8 | buf[5]) == p->id && (buf[6] << 8 | buf[7]) == seq;
}

/* Waits up to 1 s for the reply; returns the round trip in ms, or -1. */
static double ping_once(const struct pinger *p, uint16_t seq)
{
    struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
    uint8_t buf[256];
    double start = now_s(), left;

    if (ping_send(p, seq) < 0)
        return -1;
    while ((left = 1.0 - (now_s() - start)) > 0 && !demo_interrupted) {
        if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
            continue;
        ssize_t n = recv(p->fd, buf, sizeof(buf), 0);
        if (n > 0 && is_reply(p, buf, n, seq))
            return (now_s() - start) * 1000.0;
    }
    return -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

int demo_ping(const struct demo *d, int side, int v6, unsigned count, unsigned gap_ms,
              struct demo_rtt *out)
{
    struct pinger p;
    double *rtt = calloc(count ? count : 1, sizeof(double));

    memset(out, 0, sizeof(*out));
    if (rtt == NULL || pinger_open(&p, d, side, v6) < 0)
        return free(rtt), -1;
    for (unsigned i = 0; i < count && !demo_interrupted; i++) {
        double ms = ping_once(&p, (uint16_t)(i + 1));
        out->sent++;
        if (ms >= 0)
            rtt[out->received++] = ms;
        if (gap_ms)
            usleep(gap_ms * 1000);
    }
    close(p.fd);
    if (out->received) {
        qsort(rtt, out->received, sizeof(double), cmp_double);
        out->min_ms = rtt[0];
        out->max_ms = rtt[out->received - 1];
        out->median_ms = rtt[out->received / 2];
        out->p99_ms = rtt[(out->received * 99) / 100];
    }
    free(rtt);
    return out->received == out->sent ? 0 : -1;
}

/* ---- TCP ---- */

struct stream {
    int listen_fd, client, server;
    unsigned long long sent, received, total;
    struct sha256 tx, rx;
    uint64_t prng;
    uint8_t out[CHUNK], in[CHUNK];
    size_t out_len, out_off;
    int hash;
};

/* xorshift64*: fast, reproducible filler, so the receiver's hash is a real check. */
static void fill(struct stream *s)
{
    size_t n = s->total - s->sent < CHUNK ? (size_t)(s->total - s->sent) : CHUNK;

    for (size_t i = 0; i + 8 <= CHUNK; i += 8) {
        s->prng ^= s->prng >> 12;
        s->prng ^= s->prng << 25;
        s->prng ^= s->prng >> 27;
        uint64_t v = s->prng * 0x2545F4914F6CDD1DULL;
        memcpy(s->out + i, &v, 8);
    }
    s->out_len = n;
    s->out_off = 0;
}

static int open_stream(struct stream *s, const struct demo *d)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(DEMO_TCP_PORT)};
    int one = 1;

    inet_pton(AF_INET, demo_overlay4[1], &a.sin_addr);
    if (demo_enter(d, 1) < 0)
        return -1;
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(s->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s->listen_fd, 1) < 0)
        return demo_leave(d), -1;
    if (demo_enter(d, 0) < 0)
        return -1;
    s->client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    demo_leave(d);
    if (s->client < 0 || connect(s->client, (struct sockaddr *)&a, sizeof(a)) < 0)
        return -1;
    s->server = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (s->server < 0)
        return -1;
    fcntl(s->client, F_SETFL, O_NONBLOCK);
    fcntl(s->server, F_SETFL, O_NONBLOCK);
    return 0;
}

static int pump_send(struct stream *s)
{
    while (s->sent < s->total) {
        if (s->out_off == s->out_len)
            fill(s);
        ssize_t n = send(s->client, s->out + s->out_off, s->out_len - s->out_off, MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN ? 0 : -1;
        if (s->hash)
            sha256_update(&s->tx, s->out + s->out_off, (size_t)n);
        s->out_off += (size_t)n;
        s->sent += (unsigned long long)n;
    }
    shutdown(s->client, SHUT_WR);
    return 0;
}

static int pump_recv(struct stream *s)
{
    for (;;) {
        ssize_t n = recv(s->server, s->in, sizeof(s->in), 0);
        if (n == 0)
            return 1; /* the sender finished */
        if (n < 0)
            return errno == EAGAIN ? 0 : -1;
        if (s->hash)
            sha256_update(&s->rx, s->in, (size_t)n);
        s->received += (unsigned long long)n;
    }
}

/* The progress line: rewritten in place on a terminal (@p cr), printed once otherwise. */
static void progress(const char *label, const struct stream *s, double elapsed, int cr)
{
    double gbps = elapsed > 0 ? (double)s->received * 8 / elapsed / 1e9 : 0;

    /* A timed run has no real total: show the time instead. */
    if (s->total >= 1ULL << 40)
        printf("%s  %-9s %7.1f MB in %.1f s  %6.2f Gbit/s  ", cr ? "\r" : "", label,
               (double)s->received / 1e6, elapsed, gbps);
    else
        printf("%s  %-9s %7.1f / %.0f MB  %6.2f Gbit/s  ", cr ? "\r" : "", label,
               (double)s->received / 1e6, (double)s->total / 1e6, gbps);
    fflush(stdout);
}

static void close_stream(struct stream *s)
{
    int fds[] = {s->client, s->server, s->listen_fd};

    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
    }
}

int demo_tcp(const struct demo *d, unsigned long long bytes, double max_seconds, int hash,
             const char *label, struct demo_transfer *out)
{
    static struct stream s;
    double start, last = 0, elapsed = 0;
    int done = 0, err = 0, tty;

    memset(&s, 0, sizeof(s));
    s.listen_fd = s.client = s.server = -1;
    s.total = bytes;
    s.hash = hash;
    s.prng = 0x9e3779b97f4a7c15ULL;
    s.out_off = s.out_len = 0;
    sha256_init(&s.tx);
    sha256_init(&s.rx);
    if (open_stream(&s, d) < 0) {
        close_stream(&s);
        return -1;
    }
    tty = isatty(STDOUT_FILENO);
    start = now_s();
    while (!done && !err && !demo_interrupted && elapsed < max_seconds) {
        struct pollfd pfd[2] = {{s.client, s.sent < s.total ? POLLOUT : 0, 0},
                                {s.server, POLLIN, 0}};
        poll(pfd, 2, 100);
        err = pump_send(&s) < 0;
        done = pump_recv(&s);
        err |= done < 0;
        elapsed = now_s() - start;
        if (tty && (elapsed - last >= 0.2 || done)) {
            progress(label, &s, elapsed, 1);
            last = elapsed;
        }
    }
    if (!tty) /* a log or a pipe gets the final figures once, without carriage returns */
        progress(label, &s, elapsed, 0);
    putchar('\n');
    out->bytes = s.received;
    out->seconds = elapsed;
    sha256_final_hex(&s.tx, out->sent_sha);
    sha256_final_hex(&s.rx, out->received_sha);
    close_stream(&s);
    return done == 1 && s.received == bytes ? 0 : -1;
}
