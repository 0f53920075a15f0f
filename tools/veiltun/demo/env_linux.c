/* SPDX-License-Identifier: MIT */
/* The demo's environment: namespaces and veth made with iproute2 (the test bed, not the
 * product), tunnels run as `veiltun tunnel` child processes, everything removed after. */
#include "cli.h"
#include "control.h"
#include "demo.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *const demo_underlay[DEMO_SIDES] = {"198.18.0.1", "198.18.0.2"};
const char *const demo_overlay4[DEMO_SIDES] = {"10.200.0.1", "10.200.0.2"};
const char *const demo_overlay6[DEMO_SIDES] = {"fd00:5e7e::1", "fd00:5e7e::2"};

#define DEMO_PORT   "51820"
#define DEMO_DEVICE "veil0"

/* Runs a command quietly; 0 if it succeeded. Every argument here is ours, never user text. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(cmd, sizeof(cmd) - 20, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(cmd) - 20)
        return -1;
    strcat(cmd, " >/dev/null 2>&1");
    return system(cmd) == 0 ? 0 : -1;
}

static int make_namespaces(struct demo *d)
{
    char path[64];

    for (int i = 0; i < DEMO_SIDES; i++) {
        if (sh("ip netns add %s", d->ns[i]) < 0)
            return runtime_error("demo",
                                 "cannot create network namespace %s (is iproute2 "
                                 "installed, and are you root?)",
                                 d->ns[i]);
        d->have_ns[i] = 1;
        snprintf(path, sizeof(path), "/run/netns/%s", d->ns[i]);
        d->ns_fd[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (d->ns_fd[i] < 0)
            return runtime_error("demo", "%s: %s", path, strerror(errno));
    }
    return 0;
}

static int make_link(struct demo *d)
{
    if (sh("ip link add %s type veth peer name %s", d->veth[0], d->veth[1]) < 0)
        return runtime_error("demo", "cannot create the veth pair");
    for (int i = 0; i < DEMO_SIDES; i++) {
        if (sh("ip link set %s netns %s", d->veth[i], d->ns[i]) < 0 ||
            sh("ip -n %s addr add %s/24 dev %s", d->ns[i], demo_underlay[i], d->veth[i]) < 0 ||
            sh("ip -n %s link set %s up", d->ns[i], d->veth[i]) < 0 ||
            sh("ip -n %s link set lo up", d->ns[i]) < 0)
            return runtime_error("demo", "cannot configure %s in %s", d->veth[i], d->ns[i]);
    }
    return 0;
}

static pid_t start_tunnel(const struct demo *d, int side)
{
    char addr4[48], addr6[48], peer[48];
    pid_t pid;
    int fd;

    snprintf(addr4, sizeof(addr4), "%s/24", demo_overlay4[side]);
    snprintf(addr6, sizeof(addr6), "%s/64", demo_overlay6[side]);
    snprintf(peer, sizeof(peer), "%s:" DEMO_PORT, demo_underlay[1 - side]);
    pid = fork();
    if (pid != 0)
        return pid;
    fd = open(d->log[side], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || setns(d->ns_fd[side], CLONE_NEWNET) < 0 || dup2(fd, STDERR_FILENO) < 0)
        _exit(127);
    execl("/proc/self/exe", "veiltun", "tunnel", "--dev", DEMO_DEVICE, "--addr", addr4, "--addr",
          addr6, "--listen", ":" DEMO_PORT, "--peer", peer, (char *)NULL);
    _exit(127);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Ready when both devices are up and their tunnels answer on the control socket. */
static int wait_ready(struct demo *d)
{
    for (int tries = 0; tries < 100 && !demo_interrupted; tries++) {
        int ready = 0;
        for (int i = 0; i < DEMO_SIDES; i++) {
            struct tunnel_report r;
            veiltun_info info;
            if (demo_enter(d, i) == 0 && veiltun_query(DEMO_DEVICE, &info) == 0 && info.up &&
                control_query(DEMO_DEVICE, &r) == 0) {
                ready++;
                d->mtu = info.mtu;
            }
            demo_leave(d);
            if (waitpid(d->tunnel[i], NULL, WNOHANG) == d->tunnel[i]) {
                d->tunnel[i] = 0;
                return runtime_error("demo", "the tunnel in %s exited; its log is in %s", d->ns[i],
                                     d->log[i]);
            }
        }
        if (ready == DEMO_SIDES)
            return 0;
        sleep_ms(50);
    }
    return runtime_error("demo", "the tunnels did not come up within 5 s (logs: %s, %s)", d->log[0],
                         d->log[1]);
}

int demo_setup(struct demo *d)
{
    int id = (int)getpid(), err;

    memset(d, 0, sizeof(*d));
    d->ns_fd[0] = d->ns_fd[1] = -1;
    for (int i = 0; i < DEMO_SIDES; i++) {
        snprintf(d->ns[i], sizeof(d->ns[i]), "veiltun-demo-%d-%c", id, 'a' + i);
        snprintf(d->veth[i], sizeof(d->veth[i]), "vtd%d%c", id % 1000000, 'a' + i);
        snprintf(d->log[i], sizeof(d->log[i]), "/tmp/veiltun-demo-%d-%c.log", id, 'a' + i);
    }
    d->home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (d->home_fd < 0)
        return runtime_error("demo", "/proc/self/ns/net: %s", strerror(errno));
    if ((err = make_namespaces(d)) != 0 || (err = make_link(d)) != 0)
        return err;
    for (int i = 0; i < DEMO_SIDES; i++) {
        d->tunnel[i] = start_tunnel(d, i);
        if (d->tunnel[i] < 0)
            return runtime_error("demo", "fork: %s", strerror(errno));
    }
    return wait_ready(d);
}

static void stop_tunnel(struct demo *d, int side)
{
    if (d->tunnel[side] <= 0)
        return;
    kill(d->tunnel[side], SIGTERM);
    for (int tries = 0; tries < 40; tries++) {
        if (waitpid(d->tunnel[side], NULL, WNOHANG) == d->tunnel[side])
            return (void)(d->tunnel[side] = 0);
        sleep_ms(50);
    }
    kill(d->tunnel[side], SIGKILL);
    waitpid(d->tunnel[side], NULL, 0);
    d->tunnel[side] = 0;
}

void demo_teardown(struct demo *d)
{
    for (int i = 0; i < DEMO_SIDES; i++)
        stop_tunnel(d, i);
    for (int i = 0; i < DEMO_SIDES; i++) {
        if (d->ns_fd[i] >= 0)
            close(d->ns_fd[i]);
        /* Deleting a namespace also deletes the veth end inside it, and so the pair. */
        if (d->have_ns[i])
            sh("ip netns del %s", d->ns[i]);
        d->have_ns[i] = 0;
        d->ns_fd[i] = -1;
    }
    if (d->home_fd >= 0)
        close(d->home_fd);
    d->home_fd = -1;
}

int demo_enter(const struct demo *d, int side)
{
    return setns(d->ns_fd[side], CLONE_NEWNET) < 0 ? -errno : 0;
}

void demo_leave(const struct demo *d)
{
    setns(d->home_fd, CLONE_NEWNET);
}

void demo_tunnel_stats(const struct demo *d, int side, char *buf, size_t size)
{
    struct tunnel_report r;
    FILE *f;

    buf[0] = '\0';
    if (demo_enter(d, side) == 0 && control_query(DEMO_DEVICE, &r) == 0 &&
        (f = fmemopen(buf, size, "w")) != NULL) {
        report_print_text(f, "", &r);
        fclose(f);
    }
    demo_leave(d);
}
