/* SPDX-License-Identifier: MIT */
/*
 * The device path alone: two TUN devices in two network namespaces joined by this program,
 * which forwards packets between them in batches (veiltun_read_batch/veiltun_write_batch)
 * on one thread, while a TCP stream runs from one namespace to the other for a few seconds.
 * Prints packets/s forwarded, Gbit/s of TCP payload, and the offload counters, with offload
 * on (VEILTUN_F_OFFLOAD: super-packets cut on read, merged on write), off, or with the
 * super-packets moved whole (veiltun_read_gso/veiltun_write_gso: --whole).
 *
 * Usage (root): devpath [--no-offload | --whole] [SECONDS]
 */
#define _GNU_SOURCE
#include "veiltun.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static veiltun *dev_a, *dev_b;
static _Atomic int stop;
static int whole;
static _Atomic uint64_t forwarded;
static char ns[2][48];

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sh(const char *cmd)
{
    return system(cmd);
}

static void forward(veiltun *from, veiltun *to, veiltun_packet *p)
{
    int n;

    for (int round = 0; round < 8 && (n = veiltun_read_batch(from, p, 64)) > 0; round++) {
        veiltun_write_batch(to, p, (size_t)n);
        atomic_fetch_add_explicit(&forwarded, (uint64_t)n, memory_order_relaxed);
    }
}

/* --whole: one (super-)packet per call, never cut. */
static void forward_whole(veiltun *from, veiltun *to)
{
    static uint8_t buf[65536];
    veiltun_gso_info info;
    int n;

    for (int round = 0; round < 64 && (n = veiltun_read_gso(from, buf, sizeof(buf), &info)) > 0;
         round++) {
        veiltun_write_gso(to, buf, (size_t)n, &info);
        atomic_fetch_add_explicit(&forwarded, info.count, memory_order_relaxed);
    }
}

static void *wire(void *arg)
{
    static uint8_t bufs[64][2048];
    veiltun_packet p[64];
    struct pollfd pfd[2] = {{veiltun_wait_handle(dev_a), POLLIN, 0},
                            {veiltun_wait_handle(dev_b), POLLIN, 0}};
    veiltun_event ev;

    (void)arg;
    for (int i = 0; i < 64; i++)
        p[i] = (veiltun_packet){bufs[i], sizeof(bufs[i]), 0, 0};
    while (!atomic_load(&stop)) {
        if (poll(pfd, 2, 50) <= 0)
            continue;
        while (veiltun_next_event(dev_a, &ev) == 0 || veiltun_next_event(dev_b, &ev) == 0)
            ;
        if (whole) {
            forward_whole(dev_a, dev_b);
            forward_whole(dev_b, dev_a);
        } else {
            forward(dev_a, dev_b, p);
            forward(dev_b, dev_a, p);
        }
    }
    return NULL;
}

static int socket_in(int side)
{
    char path[96];
    int home = open("/proc/self/ns/net", O_RDONLY), there, fd;

    snprintf(path, sizeof(path), "/run/netns/%s", ns[side]);
    there = open(path, O_RDONLY);
    if (there < 0 || setns(there, CLONE_NEWNET) < 0)
        return -1;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    setns(home, CLONE_NEWNET);
    close(home);
    close(there);
    return fd;
}

/* A TCP stream A -> B for @p seconds; returns the payload bytes received. */
static double stream(double seconds)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(5400)};
    static uint8_t chunk[1 << 16];
    int one = 1, lfd = socket_in(1), cfd = socket_in(0), sfd;
    double start, got = 0;

    inet_pton(AF_INET, "10.99.0.2", &to.sin_addr);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(lfd, (struct sockaddr *)&to, sizeof(to)) < 0 || listen(lfd, 1) < 0 ||
        connect(cfd, (struct sockaddr *)&to, sizeof(to)) < 0 ||
        (sfd = accept(lfd, NULL, NULL)) < 0) {
        perror("devpath: connection");
        exit(1);
    }
    fcntl(cfd, F_SETFL, O_NONBLOCK);
    fcntl(sfd, F_SETFL, O_NONBLOCK);
    start = now_s();
    while (now_s() - start < seconds) {
        struct pollfd pfd[2] = {{cfd, POLLOUT, 0}, {sfd, POLLIN, 0}};
        ssize_t n;
        poll(pfd, 2, 100);
        (void)!send(cfd, chunk, sizeof(chunk), MSG_NOSIGNAL | MSG_DONTWAIT);
        while ((n = recv(sfd, chunk, sizeof(chunk), MSG_DONTWAIT)) > 0)
            got += (double)n;
    }
    close(cfd);
    close(sfd);
    close(lfd);
    return got;
}

static veiltun *open_dev(const char *name, int offload)
{
    veiltun_config cfg;
    veiltun *dev;
    int err;

    veiltun_config_init(&cfg);
    cfg.name = name;
    cfg.flags = offload ? VEILTUN_F_OFFLOAD : 0;
    if ((err = veiltun_open(&cfg, &dev)) < 0) {
        fprintf(stderr, "devpath: open %s: %s\n", name, veiltun_strerror(err));
        exit(1);
    }
    return dev;
}

static void cleanup(void)
{
    char cmd[128];

    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", ns[i]);
        sh(cmd);
    }
}

int main(int argc, char **argv)
{
    int offload = !(argc > 1 && strcmp(argv[1], "--no-offload") == 0);

    whole = argc > 1 && strcmp(argv[1], "--whole") == 0;
    double seconds = argc > 1 ? atof(argv[argc - 1]) : 5, bytes, elapsed;
    char cmd[512];
    veiltun_stats sa, sb;
    pthread_t t;

    if (seconds <= 0)
        seconds = 5;
    for (int i = 0; i < 2; i++)
        snprintf(ns[i], sizeof(ns[i]), "vt-devpath-%d-%c", (int)getpid(), 'a' + i);
    atexit(cleanup);
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof(cmd), "ip netns add %s && ip -n %s link set lo up", ns[i], ns[i]);
        if (sh(cmd) != 0)
            return fprintf(stderr, "devpath: needs root and iproute2\n"), 1;
    }
    dev_a = open_dev("vtdpa0", offload);
    dev_b = open_dev("vtdpb0", offload);
    snprintf(cmd, sizeof(cmd),
             "ip link set vtdpa0 netns %s && ip link set vtdpb0 netns %s && "
             "ip -n %s addr add 10.99.0.1/24 dev vtdpa0 && ip -n %s link set vtdpa0 up && "
             "ip -n %s addr add 10.99.0.2/24 dev vtdpb0 && ip -n %s link set vtdpb0 up",
             ns[0], ns[1], ns[0], ns[0], ns[1], ns[1]);
    if (sh(cmd) != 0)
        return fprintf(stderr, "devpath: cannot configure the devices\n"), 1;
    pthread_create(&t, NULL, wire, NULL);
    elapsed = now_s();
    bytes = stream(seconds);
    elapsed = now_s() - elapsed;
    atomic_store(&stop, 1);
    pthread_join(t, NULL);
    veiltun_get_stats(dev_a, &sa, sizeof(sa));
    veiltun_get_stats(dev_b, &sb, sizeof(sb));
    printf("devpath offload=%s seconds=%.1f packets_per_s=%.0f gbit_s=%.2f "
           "gso_splits=%llu gso_segments=%llu gro_merges=%llu gso_whole=%llu\n",
           whole     ? "whole"
           : offload ? "on"
                     : "off",
           elapsed, (double)atomic_load(&forwarded) / elapsed, bytes * 8 / elapsed / 1e9,
           (unsigned long long)(sa.gso_splits + sb.gso_splits),
           (unsigned long long)(sa.gso_segments + sb.gso_segments),
           (unsigned long long)(sa.gro_merges + sb.gro_merges),
           (unsigned long long)(sa.gso_whole + sb.gso_whole));
    veiltun_close(dev_a);
    veiltun_close(dev_b);
    return 0;
}
