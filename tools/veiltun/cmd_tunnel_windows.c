/* SPDX-License-Identifier: MIT */
/* tunnel on Windows: the same encapsulation, rules and counters as on Linux, over Winsock.
 * One thread waits on {Ctrl-C, the device's wait handle, the socket's event}; packets move in
 * batches through the device and one datagram per Winsock call (Windows has no sendmmsg). */
#include "ipcheck.h"
#include "tunnel_args.h"
#include "tunnel_report.h"

#include <stdio.h>
#include <string.h>

/* Packets per device read and datagrams per socket round. Overridable at build time
 * (-DVEILTUN_TOOL_BATCH=N, CMake VEILTUN_WINDOWS_TOOL_BATCH) for bench/windows_ring.sh. */
#ifndef VEILTUN_TOOL_BATCH
#define VEILTUN_TOOL_BATCH 64
#endif
#define BATCH VEILTUN_TOOL_BATCH

HANDLE interrupt_event(void); /* os_windows.c */

struct wtunnel {
    veiltun *dev;
    SOCKET sock;
    WSAEVENT sock_event;
    struct sockaddr_storage peer;
    int peer_len;
    unsigned mtu;
    struct tunnel_counters c;
    unsigned char *buffers;
    veiltun_packet out[BATCH], in[BATCH];
};

static int open_socket(const struct tunnel_args *a, struct wtunnel *t)
{
    struct sockaddr_storage local = a->listen;
    int family = a->peer.ss_family, buf = SOCKET_BUFFER, len;
    DWORD one = 1;
    u_long nonblocking = 1;

    local.ss_family = (ADDRESS_FAMILY)family;
    len = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    t->sock = socket(family, SOCK_DGRAM, IPPROTO_UDP);
    if (t->sock == INVALID_SOCKET)
        return -1;
    if (family == AF_INET6)
        setsockopt(t->sock, IPPROTO_IPV6, IPV6_V6ONLY, (const char *)&one, sizeof(one));
    else /* never fragment, as on Linux */
        setsockopt(t->sock, IPPROTO_IP, IP_DONTFRAGMENT, (const char *)&one, sizeof(one));
    setsockopt(t->sock, SOL_SOCKET, SO_RCVBUF, (const char *)&buf, sizeof(buf));
    setsockopt(t->sock, SOL_SOCKET, SO_SNDBUF, (const char *)&buf, sizeof(buf));
    if (bind(t->sock, (struct sockaddr *)&local, len) != 0 ||
        ioctlsocket(t->sock, FIONBIO, &nonblocking) != 0)
        return -1;
    t->sock_event = WSACreateEvent();
    return WSAEventSelect(t->sock, t->sock_event, FD_READ) == 0 ? 0 : -1;
}

/* Address and port only: a whole-struct comparison would also compare the IPv6 flow
 * label and scope, which the peer does not promise to keep. */
static int from_peer(const struct wtunnel *t, const struct sockaddr_storage *src, int len)
{
    (void)len;
    return same_endpoint(src, &t->peer);
}

static int device_to_socket(struct wtunnel *t)
{
    veiltun_event ev;
    int n;

    while (veiltun_next_event(t->dev, &ev) == 0) {
        if (ev.type == VEILTUN_EVENT_REMOVED)
            return VEILTUN_ENODEV;
        if (ev.type == VEILTUN_EVENT_BROKEN) /* the Wintun ring failed: only a re-open helps */
            return VEILTUN_ENOTRECOVERABLE;
    }
    for (int round = 0; round < 8; round++) {
        n = veiltun_read_batch(t->dev, t->out, BATCH);
        if (n == VEILTUN_EAGAIN)
            return 0;
        if (n < 0)
            return n;
        t->c.device_reads++;
        for (int i = 0; i < n; i++) {
            t->c.send_calls++;
            if (sendto(t->sock, t->out[i].data, (int)t->out[i].len, 0, (struct sockaddr *)&t->peer,
                       t->peer_len) < 0) {
                t->c.drop_send++;
                continue;
            }
            t->c.datagrams_out++;
            t->c.bytes_out += t->out[i].len;
        }
    }
    return 0;
}

/* Receives what is waiting (bounded), applying the same rules as the Linux tunnel. */
static int socket_to_device(struct wtunnel *t)
{
    int k = 0, n;

    WSAResetEvent(t->sock_event);
    for (int i = 0; i < BATCH; i++) {
        struct sockaddr_storage src;
        int srclen = sizeof(src);
        n = recvfrom(t->sock, t->in[k].data, (int)t->mtu + 1, 0, (struct sockaddr *)&src, &srclen);
        if (n < 0 && WSAGetLastError() == WSAEMSGSIZE) {
            t->c.drop_truncated++;
            continue;
        }
        if (n < 0)
            break;
        if (!from_peer(t, &src, srclen))
            t->c.drop_wrong_peer++;
        else if ((unsigned)n > t->mtu)
            t->c.drop_truncated++;
        else if (!ip_packet_valid(t->in[k].data, (size_t)n))
            t->c.drop_malformed++;
        else
            t->in[k++].len = (size_t)n;
    }
    if (k == 0)
        return 0;
    t->c.socket_reads++;
    n = veiltun_write_batch(t->dev, t->in, (size_t)k);
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++) {
        if (t->in[i].status < 0) {
            t->c.drop_device++;
        } else {
            t->c.datagrams_in++;
            t->c.bytes_in += t->in[i].len;
        }
    }
    t->c.drop_device += (uint64_t)(k - n);
    return 0;
}

/* The library's Wintun counters, one more line of the report (Windows only): where packets
 * waited or were lost inside the library, how its reader slept, and the ring's size. */
static void print_library(const veiltun *dev)
{
    veiltun_stats s;

    if (veiltun_get_stats(dev, &s, sizeof(s)) < 0)
        return;
    fprintf(stderr,
            "  library: ring_capacity %llu, ring_grows %llu, ring_full %llu, queue_full %llu, "
            "reader_spins %llu, reader_sleeps %llu, rx_dropped %llu, tx_dropped %llu, "
            "rx_errors %llu, tx_errors %llu\n",
            (unsigned long long)s.ring_capacity, (unsigned long long)s.ring_grows,
            (unsigned long long)s.ring_full, (unsigned long long)s.queue_full,
            (unsigned long long)s.reader_spins, (unsigned long long)s.reader_sleeps,
            (unsigned long long)s.rx_dropped, (unsigned long long)s.tx_dropped,
            (unsigned long long)s.rx_errors, (unsigned long long)s.tx_errors);
}

static void print(struct wtunnel *t)
{
    struct tunnel_report r;
    char peer[80];

    memset(&r, 0, sizeof(r));
    report_describe(&r, t->dev, format_sockaddr(&t->peer, peer, sizeof(peer)), t->mtu);
    r.c = t->c;
    report_add_device(&r, t->dev);
    report_finish(&r);
    report_print_text(stderr, "", &r);
    print_library(t->dev);
}

/* Milliseconds until @p due (0 if past), for a wait that must end at the next report. */
static DWORD until(ULONGLONG due)
{
    ULONGLONG now = GetTickCount64();

    return due > now ? (DWORD)(due - now) : 0;
}

/* Serves until Ctrl-C or a device failure. With --stats-interval the counters are printed
 * every interval, busy or idle, as the Linux tunnel's timer does: the wait's timeout is the
 * time left to the next report, not a whole interval after the last packet. */
static int run(struct wtunnel *t, unsigned long stats_interval)
{
    HANDLE waits[3] = {interrupt_event(), veiltun_wait_handle(t->dev), t->sock_event};
    ULONGLONG period = stats_interval * 1000ull, due = GetTickCount64() + period;
    int err = 0;

    while (err == 0) {
        DWORD r = WaitForMultipleObjects(3, waits, FALSE, period ? until(due) : INFINITE);
        if (r == WAIT_OBJECT_0)
            return 0;
        if (r == WAIT_OBJECT_0 + 1)
            err = device_to_socket(t);
        else if (r == WAIT_OBJECT_0 + 2)
            err = socket_to_device(t);
        else if (r == WAIT_FAILED)
            err = VEILTUN_EIO;
        if (period && until(due) == 0) {
            print(t);
            due += period;
            if (until(due) == 0) /* far behind (a stopped clock, a suspended machine) */
                due = GetTickCount64() + period;
        }
    }
    fprintf(stderr, "veiltun: tunnel %s: %s\n", veiltun_get_name(t->dev), veiltun_strerror(err));
    return 1;
}

int cmd_tunnel(int argc, char **argv)
{
    static struct wtunnel t;
    struct tunnel_args a;
    const char *what = "";
    int err = parse_tunnel(argc, argv, &a), code = EXIT_RUNTIME;

    if (err)
        return err < 0 ? EXIT_OK : err;
    if (a.uid >= 0 || a.gid >= 0)
        return usage_error("tunnel", "--user and --group are not supported on Windows");
    if (a.queues > 1)
        return usage_error("tunnel", "--queues is not supported on Windows (one Wintun ring)");
    /* The library's reader thread already spins before it sleeps (SPIN_RATE, reader.c). */
    if (a.busy_poll_us)
        return usage_error("tunnel", "--busy-poll is not supported on Windows");
    a.no_offload = 1; /* Wintun has no segmentation offload */
    memset(&t, 0, sizeof(t));
    t.peer = a.peer;
    t.peer_len = (int)a.peer_len;
    /* Windows gives no path MTU before traffic: assume a 1500-byte underlay. */
    t.mtu = a.mtu = a.mtu ? a.mtu : (a.peer.ss_family == AF_INET6 ? 1452 : 1472);
    t.buffers = malloc(2 * BATCH * ((size_t)t.mtu + 1));
    for (size_t i = 0; t.buffers && i < BATCH; i++) {
        t.out[i] = (veiltun_packet){t.buffers + i * (t.mtu + 1), t.mtu, 0, 0};
        t.in[i] = (veiltun_packet){t.buffers + (BATCH + i) * (t.mtu + 1), t.mtu, 0, 0};
    }
    if (t.buffers == NULL || open_socket(&a, &t) < 0)
        runtime_error("tunnel", "cannot listen: Winsock error %d", WSAGetLastError());
    else if ((err = tunnel_open_device(&a, &t.dev, &what)) < 0)
        runtime_error("tunnel", "%s: %s: %s", a.dev, what, veiltun_strerror(err));
    else
        code = run(&t, a.stats_interval) ? EXIT_RUNTIME : EXIT_OK;
    if (t.dev)
        print(&t);
    veiltun_close(t.dev);
    if (t.sock)
        closesocket(t.sock);
    free(t.buffers);
    return code;
}
