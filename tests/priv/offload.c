/* SPDX-License-Identifier: MIT */
/* Offload end to end through the library: two TUN devices in two namespaces joined by an
 * in-process forwarder (a "wire" at layer 3). With VEILTUN_F_OFFLOAD the kernel hands over
 * TCP and UDP super-packets, which the library cuts into segments, and the other device's
 * batch writes merge them again (GRO). A bulk TCP transfer and a UDP stream sent with
 * UDP_SEGMENT must arrive byte for byte: with everything on, with each switch (TSO, USO,
 * TCP GRO, UDP GRO) off in turn, with all off, and with the wire moving super-packets
 * whole (veiltun_read_gso / veiltun_write_gso). The counters show each path was taken. */
#include "netns.h"
#include "test.h"
#include "veiltun.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

#define BIG_BYTES   (24u << 20)
#define SMALL_BYTES (6u << 20)

static veiltun *dev_a, *dev_b;
static _Atomic int stop, whole;
static char ns_b[64];

/* The Internet checksum over a transport segment and its pseudo-header, computed plainly
 * here (not with the library's code): 0 when the segment's checksum is right. */
static unsigned l4_sum(const uint8_t *p, size_t len, size_t l4, uint8_t proto)
{
    uint32_t sum = proto + (uint32_t)(len - l4);
    size_t a = p[0] >> 4 == 6 ? 8 : 12, alen = p[0] >> 4 == 6 ? 32 : 8;

    for (size_t i = 0; i < alen; i += 2)
        sum += (uint32_t)p[a + i] << 8 | p[a + i + 1];
    for (size_t i = l4; i < len; i++)
        sum += ((i - l4) % 2 == 0) ? (uint32_t)p[i] << 8 : p[i];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return ~sum & 0xffff;
}

/* A→B one super-packet at a time, whole: checks what read_gso says, writes it whole. */
static void forward_whole(veiltun *from, veiltun *to)
{
    static uint8_t buf[65536];
    veiltun_gso_info info;
    int n;

    while ((n = veiltun_read_gso(from, buf, sizeof(buf), &info)) > 0) {
        size_t l4 = buf[0] >> 4 == 6 ? 40 : (size_t)(buf[0] & 15) * 4;
        if (info.type != VEILTUN_GSO_NONE) {
            uint8_t proto = info.type == VEILTUN_GSO_TCP ? 6 : 17;
            ASSERT_EQ(buf[0] >> 4 == 6 ? buf[6] : buf[9], proto);
            ASSERT_EQ(l4_sum(buf, (size_t)n, l4, proto), 0);
            ASSERT_GT(info.segment, 0);
            ASSERT_EQ(info.count, ((size_t)n - info.headers + info.segment - 1) / info.segment);
            ASSERT_GT(info.count, 1);
        } else {
            ASSERT_EQ(info.count, 1);
        }
        ASSERT_EQ(veiltun_write_gso(to, buf, (size_t)n, &info), n);
    }
}

/* Moves packets one way in batches; counts them. */
static int forward(veiltun *from, veiltun *to)
{
    static __thread uint8_t bufs[64][2048];
    veiltun_packet p[64];
    int n, moved = 0;

    for (int i = 0; i < 64; i++)
        p[i] = (veiltun_packet){bufs[i], sizeof(bufs[i]), 0, 0};
    while ((n = veiltun_read_batch(from, p, 64)) > 0) {
        /* Read slots go straight back out: writes take each slot's len. */
        ASSERT_EQ(veiltun_write_batch(to, p, (size_t)n), n);
        for (int i = 0; i < n; i++)
            ASSERT_EQ(p[i].status, 0);
        moved += n;
    }
    return moved;
}

static void *wire(void *arg)
{
    struct pollfd pfd[2] = {{veiltun_wait_handle(dev_a), POLLIN, 0},
                            {veiltun_wait_handle(dev_b), POLLIN, 0}};
    veiltun_event ev;

    (void)arg;
    while (!atomic_load(&stop)) {
        poll(pfd, 2, 50);
        while (veiltun_next_event(dev_a, &ev) == 0 || veiltun_next_event(dev_b, &ev) == 0)
            ;
        if (atomic_load(&whole))
            forward_whole(dev_a, dev_b);
        else
            forward(dev_a, dev_b);
        forward(dev_b, dev_a);
    }
    return NULL;
}

static int socket_in(const char *ns, int type)
{
    char path[128];
    int home = open("/proc/self/ns/net", O_RDONLY), there, fd;

    snprintf(path, sizeof(path), "/run/netns/%s", ns);
    there = open(path, O_RDONLY);
    ASSERT_EQ(setns(there, CLONE_NEWNET), 0);
    fd = socket(AF_INET, type, 0);
    ASSERT_EQ(setns(home, CLONE_NEWNET), 0);
    close(home);
    close(there);
    return fd;
}

static void remove_b(void)
{
    sh("ip netns del %s 2>/dev/null", ns_b);
}

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 131 + (i >> 11));
}

/* Sends BYTES from A's namespace to a listener in B's through the wire; checks every byte. */
static void transfer(size_t BYTES)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(5300)};
    static uint8_t chunk[65536];
    int one = 1, lfd = socket_in(ns_b, SOCK_STREAM), cfd = socket(AF_INET, SOCK_STREAM, 0), sfd;
    size_t sent = 0, got = 0;

    inet_pton(AF_INET, "10.88.0.2", &to.sin_addr);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    ASSERT_EQ(bind(lfd, (struct sockaddr *)&to, sizeof(to)), 0);
    ASSERT_EQ(listen(lfd, 1), 0);
    ASSERT_EQ(connect(cfd, (struct sockaddr *)&to, sizeof(to)), 0);
    sfd = accept(lfd, NULL, NULL);
    ASSERT_GE(sfd, 0);
    fcntl(cfd, F_SETFL, O_NONBLOCK);
    fcntl(sfd, F_SETFL, O_NONBLOCK);
    for (int rounds = 0; got < BYTES && rounds < 200000; rounds++) {
        struct pollfd pfd[2] = {{cfd, sent < BYTES ? POLLOUT : 0, 0}, {sfd, POLLIN, 0}};
        ssize_t n;
        poll(pfd, 2, 100);
        if (sent < BYTES) {
            size_t len = BYTES - sent < sizeof(chunk) ? BYTES - sent : sizeof(chunk);
            for (size_t i = 0; i < len; i++)
                chunk[i] = pattern(sent + i);
            n = send(cfd, chunk, len, MSG_NOSIGNAL);
            if (n > 0)
                sent += (size_t)n;
        }
        while ((n = recv(sfd, chunk, sizeof(chunk), 0)) > 0) {
            for (ssize_t i = 0; i < n; i++) {
                if (chunk[i] != pattern(got + (size_t)i))
                    TEST_FAIL("byte %zu differs", got + (size_t)i);
            }
            got += (size_t)n;
        }
    }
    ASSERT_EQ(got, BYTES);
    close(cfd);
    close(sfd);
    close(lfd);
}

#define UDP_SEG   1200
#define UDP_BURST 40
#define UDP_SENDS 60

/* One datagram's content: its number, then bytes derived from it. */
static void fill_datagram(uint8_t *d, uint32_t seq)
{
    memcpy(d, &seq, 4);
    for (size_t i = 4; i < UDP_SEG; i++)
        d[i] = (uint8_t)(seq * 7 + i);
}

/* UDP from A to B in bursts of UDP_BURST datagrams per send (UDP_SEGMENT: the kernel hands
 * the device one super-packet per burst), each burst received before the next is sent.
 * Every datagram that arrives must be intact and in order; at most 1% may be lost. */
static void udp_stream(void)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(5301)};
    static uint8_t burst[UDP_BURST * UDP_SEG], d[2048], want[UDP_SEG];
    int rfd = socket_in(ns_b, SOCK_DGRAM), sfd = socket(AF_INET, SOCK_DGRAM, 0);
    int seg = UDP_SEG, rcvbuf = 4 << 20;
    uint32_t next = 0, got = 0;

    inet_pton(AF_INET, "10.88.0.2", &to.sin_addr);
    setsockopt(rfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    ASSERT_EQ(bind(rfd, (struct sockaddr *)&to, sizeof(to)), 0);
    ASSERT_EQ(connect(sfd, (struct sockaddr *)&to, sizeof(to)), 0);
    ASSERT_EQ(setsockopt(sfd, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg)), 0);
    for (uint32_t s = 0; s < UDP_SENDS; s++) {
        for (uint32_t i = 0; i < UDP_BURST; i++)
            fill_datagram(burst + i * UDP_SEG, s * UDP_BURST + i);
        ASSERT_EQ(send(sfd, burst, sizeof(burst), 0), (ssize_t)sizeof(burst));
        for (int polls = 0; next < (s + 1) * UDP_BURST && polls < 50; polls++) {
            struct pollfd pfd = {rfd, POLLIN, 0};
            ssize_t n;
            if (poll(&pfd, 1, 20) <= 0)
                continue;
            while ((n = recv(rfd, d, sizeof(d), MSG_DONTWAIT)) > 0) {
                uint32_t seq;
                ASSERT_EQ(n, UDP_SEG);
                memcpy(&seq, d, 4);
                ASSERT_GE(seq, next);
                fill_datagram(want, seq);
                ASSERT_EQ(memcmp(d, want, UDP_SEG), 0);
                next = seq + 1;
                got++;
            }
        }
        if (s == 2 && got == 0)
            TEST_FAIL("three UDP bursts sent, not one datagram arrived");
    }
    ASSERT_GE(got, UDP_SENDS * UDP_BURST * 99 / 100);
    close(rfd);
    close(sfd);
}

static void both_ways(size_t bytes)
{
    transfer(bytes);
    udp_stream();
}

/* A snapshot of both ends' counters around a run. */
struct snap {
    veiltun_stats a, b;
};

static struct snap take(void)
{
    struct snap s;
    veiltun_get_stats(dev_a, &s.a, sizeof(s.a));
    veiltun_get_stats(dev_b, &s.b, sizeof(s.b));
    return s;
}

/* Each switch off in turn: the data still arrives, and that path is not taken (beyond
 * what was queued at the switch: at most a batch). */
static void each_switch_off(uint32_t all)
{
    static const uint32_t sw[] = {VEILTUN_OFFLOAD_TSO, VEILTUN_OFFLOAD_USO, VEILTUN_OFFLOAD_TCP_GRO,
                                  VEILTUN_OFFLOAD_UDP_GRO};

    for (size_t i = 0; i < sizeof(sw) / sizeof(sw[0]); i++) {
        struct snap before, after;
        if (!(all & sw[i]))
            continue;
        ASSERT_OK(veiltun_set_offload(dev_a, all & ~sw[i]));
        ASSERT_OK(veiltun_set_offload(dev_b, all & ~sw[i]));
        ASSERT_EQ(veiltun_get_offload(dev_b), (int)(all & ~sw[i]));
        before = take();
        both_ways(SMALL_BYTES);
        after = take();
        if (sw[i] == VEILTUN_OFFLOAD_TCP_GRO)
            ASSERT_LE((after.b.gro_merges - after.b.gro_udp_merges) -
                          (before.b.gro_merges - before.b.gro_udp_merges),
                      64);
        if (sw[i] == VEILTUN_OFFLOAD_UDP_GRO)
            ASSERT_LE(after.b.gro_udp_merges - before.b.gro_udp_merges, 64);
        else if (all & VEILTUN_OFFLOAD_UDP_GRO)
            ASSERT_GT(after.b.gro_udp_merges, before.b.gro_udp_merges);
        if (sw[i] != VEILTUN_OFFLOAD_TCP_GRO)
            ASSERT_GT(after.b.gro_merges - after.b.gro_udp_merges,
                      before.b.gro_merges - before.b.gro_udp_merges);
    }
    ASSERT_OK(veiltun_set_offload(dev_a, all));
    ASSERT_OK(veiltun_set_offload(dev_b, all));
}

/* Super-packets that do not describe themselves honestly are refused, counted, unwritten. */
static void check_write_gso_refusals(void)
{
    static uint8_t p[3000];
    veiltun_gso_info tcp = {VEILTUN_GSO_TCP, 1000, 0, 0}, udp = {VEILTUN_GSO_UDP, 1000, 0, 0};
    veiltun_stats st;

    memset(p, 0, sizeof(p));
    p[0] = 0x45, p[2] = 3000 >> 8, p[3] = 3000 & 0xff, p[8] = 64, p[9] = 6;
    p[12] = 10, p[13] = 88, p[15] = 1, p[16] = 10, p[17] = 88, p[19] = 2;
    p[32] = 0x50; /* a 20-byte TCP header */
    ASSERT_EQ(veiltun_write_gso(dev_a, p, sizeof(p), &udp), VEILTUN_EBADPACKET); /* is TCP */
    tcp.segment = 1481; /* 40 bytes of headers + 1481 > MTU 1500 */
    ASSERT_EQ(veiltun_write_gso(dev_a, p, sizeof(p), &tcp), VEILTUN_EMSGSIZE);
    tcp.segment = 0;
    ASSERT_EQ(veiltun_write_gso(dev_a, p, sizeof(p), &tcp), VEILTUN_EBADPACKET);
    tcp.segment = 1000;
    ASSERT_EQ(veiltun_write_gso(dev_a, p, sizeof(p) - 1, &tcp), VEILTUN_EBADPACKET); /* len */
    veiltun_get_stats(dev_a, &st, sizeof(st));
    ASSERT_EQ(st.tx_dropped, 4);
    ASSERT_EQ(veiltun_write_gso(dev_a, p, sizeof(p), NULL), VEILTUN_EINVAL);
}

static veiltun *open_offload(const char *name)
{
    veiltun_config cfg;
    veiltun *dev;

    veiltun_config_init(&cfg);
    cfg.name = name;
    cfg.flags = VEILTUN_F_OFFLOAD | VEILTUN_F_PERSIST;
    ASSERT_OK(veiltun_open(&cfg, &dev));
    return dev;
}

int main(void)
{
    veiltun_stats st1, st2;
    struct snap before, after;
    uint32_t all;
    pthread_t t;

    test_netns_enter("offload");
    snprintf(ns_b, sizeof(ns_b), "vt-offb-%d", (int)getpid());
    ASSERT_EQ(sh("ip netns add %s", ns_b), 0);
    atexit(remove_b);
    dev_a = open_offload("vtoa0");
    dev_b = open_offload("vtob0");
    ASSERT_EQ(veiltun_get_offload(dev_a) & VEILTUN_OFFLOAD_TSO, VEILTUN_OFFLOAD_TSO);
    /* B's device lives in the other namespace; its fd keeps working. */
    ASSERT_EQ(sh("ip link set vtob0 netns %s", ns_b), 0);
    ASSERT_EQ(sh("ip addr add 10.88.0.1/24 dev vtoa0 && ip link set vtoa0 up"), 0);
    ASSERT_EQ(
        sh("ip -n %s addr add 10.88.0.2/24 dev vtob0 && ip -n %s link set vtob0 up", ns_b, ns_b),
        0);
    ASSERT_EQ(pthread_create(&t, NULL, wire, NULL), 0);
    all = (uint32_t)veiltun_get_offload(dev_a);
    before = take();
    transfer(BIG_BYTES);
    veiltun_get_stats(dev_a, &st1, sizeof(st1));
    ASSERT_GT(st1.gso_splits, 0); /* the kernel did hand over super-packets */
    ASSERT_GT(st1.gso_segments, 2 * st1.gso_splits);
    veiltun_get_stats(dev_b, &st2, sizeof(st2));
    ASSERT_GT(st2.gro_merges, 0); /* ...and B's writes merged them again */
    ASSERT_EQ(veiltun_get_offload(dev_b),
              veiltun_get_offload(dev_b) | VEILTUN_OFFLOAD_TSO | VEILTUN_OFFLOAD_TCP_GRO);
    udp_stream();
    after = take();
    if (all & VEILTUN_OFFLOAD_USO) { /* UDP_SEGMENT bursts reach A whole, B merges them */
        ASSERT_EQ(all & VEILTUN_OFFLOAD_UDP_GRO, VEILTUN_OFFLOAD_UDP_GRO);
        ASSERT_GT(after.b.gro_udp_merges, before.b.gro_udp_merges);
    } else {
        printf("note: this kernel has no USO; UDP GRO not exercised\n");
    }
    each_switch_off(all);
    /* Whole super-packets across the wire: no cutting at A, no merging needed at B. */
    before = take();
    atomic_store(&whole, 1);
    both_ways(SMALL_BYTES);
    atomic_store(&whole, 0);
    after = take();
    ASSERT_GT(after.a.gso_whole, before.a.gso_whole);
    ASSERT_LE(after.a.gso_splits - before.a.gso_splits, 2);
    printf("A: %llu super-packets cut into %llu segments, %llu handed over whole; B: %llu "
           "packets merged (%llu UDP)\n",
           (unsigned long long)after.a.gso_splits, (unsigned long long)after.a.gso_segments,
           (unsigned long long)after.a.gso_whole, (unsigned long long)after.b.gro_merges,
           (unsigned long long)after.b.gro_udp_merges);
    /* Switched off at run time: the same transfer without super-packets or merging. */
    ASSERT_OK(veiltun_set_offload(dev_a, 0));
    ASSERT_OK(veiltun_set_offload(dev_b, VEILTUN_OFFLOAD_TSO));
    ASSERT_EQ(veiltun_get_offload(dev_a), 0);
    veiltun_get_stats(dev_b, &st1, sizeof(st1));
    veiltun_get_stats(dev_a, &st2, sizeof(st2));
    both_ways(SMALL_BYTES);
    after = take();
    ASSERT_LE(after.a.gso_splits - st2.gso_splits, 2);  /* at most ones already queued */
    ASSERT_LE(after.b.gro_merges - st1.gro_merges, 64); /* a batch in flight at the switch */
    atomic_store(&stop, 1);
    pthread_join(t, NULL);
    ASSERT_EQ(veiltun_set_offload(dev_a, 0x80), VEILTUN_EINVAL);
    check_write_gso_refusals();
    ASSERT_OK(veiltun_set_persist(dev_a, 0));
    veiltun_close(dev_a);
    ASSERT_OK(veiltun_set_persist(dev_b, 0));
    veiltun_close(dev_b);
    return 0;
}
