/* Offload end to end through the library: two TUN devices in two namespaces joined by an
 * in-process forwarder (a "wire" at layer 3). With VEILTUN_F_OFFLOAD the kernel hands over
 * TCP super-packets, which the library cuts into segments that the other device accepts as
 * plain packets; a bulk TCP transfer must arrive byte for byte, with TSO on and switched
 * off at run time, and the device left without offload when attached without it. */
#include "netns.h"
#include "test.h"
#include "veiltun.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#define BYTES (24u << 20)

static veiltun *dev_a, *dev_b;
static _Atomic int stop;
static char ns_b[64];

/* Moves packets one way in batches; counts them. */
static int forward(veiltun *from, veiltun *to)
{
    static __thread uint8_t bufs[64][2048];
    veiltun_packet p[64];
    int n, moved = 0;

    for (int i = 0; i < 64; i++)
        p[i] = (veiltun_packet){bufs[i], sizeof(bufs[i]), 0, 0};
    while ((n = veiltun_read_batch(from, p, 64)) > 0) {
        for (int i = 0; i < n; i++)
            p[i].size = p[i].len;
        ASSERT_EQ(veiltun_write_batch(to, p, (size_t)n), n);
        for (int i = 0; i < n; i++) {
            ASSERT_EQ(p[i].status, 0);
            p[i].size = sizeof(bufs[i]);
        }
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
        forward(dev_a, dev_b);
        forward(dev_b, dev_a);
    }
    return NULL;
}

static int socket_in(const char *ns)
{
    char path[128];
    int home = open("/proc/self/ns/net", O_RDONLY), there, fd;

    snprintf(path, sizeof(path), "/run/netns/%s", ns);
    there = open(path, O_RDONLY);
    ASSERT_EQ(setns(there, CLONE_NEWNET), 0);
    fd = socket(AF_INET, SOCK_STREAM, 0);
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
static void transfer(void)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(5300)};
    static uint8_t chunk[65536];
    int one = 1, lfd = socket_in(ns_b), cfd = socket(AF_INET, SOCK_STREAM, 0), sfd;
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
    transfer();
    veiltun_get_stats(dev_a, &st1, sizeof(st1));
    ASSERT_GT(st1.gso_splits, 0); /* the kernel did hand over super-packets */
    ASSERT_GT(st1.gso_segments, 2 * st1.gso_splits);
    veiltun_get_stats(dev_b, &st2, sizeof(st2));
    ASSERT_GT(st2.gro_merges, 0); /* ...and B's writes merged them again */
    ASSERT_EQ(veiltun_get_offload(dev_b),
              veiltun_get_offload(dev_b) | VEILTUN_OFFLOAD_TSO | VEILTUN_OFFLOAD_GRO);
    /* Switched off at run time: the same transfer without super-packets or merging. */
    ASSERT_OK(veiltun_set_offload(dev_a, 0));
    ASSERT_OK(veiltun_set_offload(dev_b, VEILTUN_OFFLOAD_TSO));
    ASSERT_EQ(veiltun_get_offload(dev_a), 0);
    veiltun_get_stats(dev_b, &st1, sizeof(st1));
    veiltun_get_stats(dev_a, &st2, sizeof(st2));
    transfer();
    veiltun_stats after;
    veiltun_get_stats(dev_a, &after, sizeof(after));
    ASSERT_LE(after.gso_splits - st2.gso_splits, 2); /* at most ones already queued */
    veiltun_get_stats(dev_b, &after, sizeof(after));
    ASSERT_LE(after.gro_merges - st1.gro_merges, 64); /* a batch in flight at the switch */
    atomic_store(&stop, 1);
    pthread_join(t, NULL);
    ASSERT_EQ(veiltun_set_offload(dev_a, 0x80), VEILTUN_EINVAL);
    ASSERT_OK(veiltun_set_persist(dev_a, 0));
    veiltun_close(dev_a);
    ASSERT_OK(veiltun_set_persist(dev_b, 0));
    veiltun_close(dev_b);
    return 0;
}
