/* SPDX-License-Identifier: MIT */
/* The Linux side of the wintun.dll double's bridged mode (a test helper, never installed).
 *
 * It listens on a loopback TCP port (VEILTUN_DOUBLE_BRIDGE=127.0.0.1:PORT in the Windows
 * program's environment points the double at it) and serves one Windows process at a time:
 *   - "create NAME UDPPORT": creates the TUN device NAME with libveiltun, brings it up and
 *     answers "ok DATAPORT"; from then on every packet the Linux stack routes into NAME goes
 *     to UDPPORT as one datagram, and every datagram from the double is written into NAME;
 *   - "addr add|del CIDR", "mtu N", "route add|del DEST GATEWAY|- METRIC": the IP
 *     configuration the Windows program asked IP Helper for (forwarded by the bridged IP
 *     Helper stand-in), applied to NAME; each answered "ok" or "err TEXT";
 *   - "drops N": the double's count of packets it dropped for want of room in the receive
 *     ring (as the driver counts them in the adapter's statistics), answered "ok".
 * Its counts (packets to and from the double, lost on the way) go to stderr on SIGUSR1 and
 * when the device is removed, so that a test can account for every packet.
 * When the control connection ends (the adapter was closed, the process exited or was
 * killed), the device is removed at once, as Wintun removes an adapter whose process ends,
 * and the next connection is served: a restart with the same name works.
 * Usage: bridge_helper 127.0.0.1:PORT   (prints "listening" when ready; runs until killed) */
#include "veiltun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define BATCH    64
#define SLOT     65536
#define LINE_MAX 512

struct bridge {
    veiltun *dev;
    int ctl, udp, sig;
    char line[LINE_MAX];
    size_t line_len;
    unsigned char (*bufs)[SLOT];
    veiltun_packet pkts[BATCH];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    struct sockaddr_in peer; /* the double's receiving socket */
    char name[VEILTUN_NAME_MAX + 1];
    /* lost: sendmmsg to the double failed; refused: the device refused a write */
    unsigned long long to_double, from_double, lost_to_double, refused, ring_drops;
};

static void print_counts(const struct bridge *b, const char *what)
{
    fprintf(stderr,
            "bridge: %s %s (to the double %llu, from it %llu, lost %llu, refused %llu, "
            "ring drops %llu)\n",
            b->name, what, b->to_double, b->from_double, b->lost_to_double, b->refused,
            b->ring_drops);
}

static int reply(struct bridge *b, int err)
{
    char text[160];
    int n = err ? snprintf(text, sizeof(text), "err %s\n", veiltun_strerror(err))
                : snprintf(text, sizeof(text), "ok\n");

    return send(b->ctl, text, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -1;
}

/* One configuration line; the answer goes back on the control connection. */
static int apply(struct bridge *b, char *line)
{
    char verb[16] = "", op[8] = "", arg[128] = "", gw[128] = "";
    unsigned long value = 0;
    unsigned long long count = 0;
    int err = VEILTUN_EINVAL;

    if (sscanf(line, "%15s", verb) != 1)
        return reply(b, err);
    if (strcmp(verb, "addr") == 0 && sscanf(line, "%*s %7s %127s", op, arg) == 2)
        err = strcmp(op, "add") == 0 ? veiltun_add_address(b->dev, arg)
                                     : veiltun_del_address(b->dev, arg);
    else if (strcmp(verb, "mtu") == 0 && sscanf(line, "%*s %lu", &value) == 1)
        err = veiltun_set_mtu(b->dev, (unsigned)value);
    else if (strcmp(verb, "drops") == 0 && sscanf(line, "%*s %llu", &count) == 1) {
        b->ring_drops = count;
        err = 0;
    } else if (strcmp(verb, "route") == 0 &&
               sscanf(line, "%*s %7s %127s %127s %lu", op, arg, gw, &value) == 4) {
        const char *g = strcmp(gw, "-") == 0 ? NULL : gw;
        err = strcmp(op, "add") == 0 ? veiltun_add_route(b->dev, arg, g, (uint32_t)value)
                                     : veiltun_del_route(b->dev, arg, g, (uint32_t)value);
    }
    if (err)
        fprintf(stderr, "bridge: '%s': %s\n", line, veiltun_strerror(err));
    return reply(b, err);
}

/* Control input; -1 when the connection ended (the crash rule). */
static int control(struct bridge *b)
{
    ssize_t n =
        recv(b->ctl, b->line + b->line_len, sizeof(b->line) - 1 - b->line_len, MSG_DONTWAIT);
    char *nl;

    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        return -1;
    if (n < 0)
        return 0;
    b->line_len += (size_t)n;
    b->line[b->line_len] = 0;
    while ((nl = strchr(b->line, '\n')) != NULL) {
        *nl = 0;
        if (apply(b, b->line) < 0)
            return -1;
        b->line_len -= (size_t)(nl + 1 - b->line);
        memmove(b->line, nl + 1, b->line_len + 1);
    }
    if (b->line_len == sizeof(b->line) - 1)
        return -1; /* a line longer than any command */
    return 0;
}

/* TUN -> double: one read batch, one sendmmsg. */
static void device_to_double(struct bridge *b)
{
    int n = veiltun_read_batch(b->dev, b->pkts, BATCH), sent = 0;

    for (int i = 0; i < n; i++) {
        b->iov[i] = (struct iovec){b->pkts[i].data, b->pkts[i].len};
        b->msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &b->peer,
                                                  .msg_namelen = sizeof(b->peer),
                                                  .msg_iov = &b->iov[i],
                                                  .msg_iovlen = 1}};
    }
    while (n > 0 && sent < n) {
        int r = sendmmsg(b->udp, b->msgs + sent, (unsigned)(n - sent), 0);
        if (r <= 0) {
            b->lost_to_double += (unsigned long long)(n - sent);
            break;
        }
        sent += r;
    }
    b->to_double += (unsigned long long)(sent > 0 ? sent : 0);
}

/* double -> TUN: one recvmmsg, one write batch. */
static void double_to_device(struct bridge *b)
{
    int n, done = 0;

    for (int i = 0; i < BATCH; i++) {
        b->iov[i] = (struct iovec){b->bufs[i], SLOT};
        b->msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &b->iov[i], .msg_iovlen = 1}};
    }
    n = recvmmsg(b->udp, b->msgs, BATCH, MSG_DONTWAIT, NULL);
    for (int i = 0; i < n; i++)
        b->pkts[i] = (veiltun_packet){b->bufs[i], SLOT, b->msgs[i].msg_len, 0};
    while (done < n) {
        int r = veiltun_write_batch(b->dev, b->pkts + done, (size_t)(n - done));
        if (r <= 0) {
            /* the device refused: these packets are lost, as on a full queue */
            b->refused += (unsigned long long)(n - done);
            break;
        }
        done += r;
    }
    b->from_double += (unsigned long long)(n > 0 ? n : 0);
    for (int i = 0; i < BATCH; i++) /* the read side uses the slots too */
        b->pkts[i] = (veiltun_packet){b->bufs[i], SLOT, 0, 0};
}

/* The packet socket: not connected, since the double sends from another socket than the one
 * it receives on (a blocking one: the double's sending thread may wait, its callers never). */
static int udp_towards(struct bridge *b, unsigned port, unsigned *local_port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int size = 8 << 20, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    /* Root may exceed rmem_max: a burst of a 64 MiB ring must not be lost on the way. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size));
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0)
        goto fail;
    *local_port = ntohs(a.sin_port);
    b->peer = a;
    b->peer.sin_port = htons((uint16_t)port);
    return fd;
fail:
    close(fd);
    return -1;
}

/* Reads the "create" line (bounded by the socket's receive timeout). */
static int read_create(int fd, char *name, unsigned *port)
{
    char line[LINE_MAX];
    size_t n = 0;

    while (n < sizeof(line) - 1 && recv(fd, line + n, 1, 0) == 1 && line[n] != '\n')
        n++;
    line[n] = 0;
    return sscanf(line, "create %15s %u", name, port) == 2 ? 0 : -1;
}

static void serve(struct bridge *b)
{
    char text[64];
    unsigned port = 0, data_port = 0;
    struct timeval tv = {10, 0};
    veiltun_config cfg;
    int err, n;

    setsockopt(b->ctl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (read_create(b->ctl, b->name, &port) < 0)
        return;
    veiltun_config_init(&cfg);
    cfg.name = b->name;
    cfg.mode = VEILTUN_OPEN_CREATE; /* a leftover device would be a broken crash rule */
    err = veiltun_open(&cfg, &b->dev);
    if (!err)
        err = veiltun_set_up(b->dev, 1);
    if (!err && (b->udp = udp_towards(b, port, &data_port)) < 0)
        err = VEILTUN_EIO;
    n = err ? snprintf(text, sizeof(text), "err %s\n", veiltun_strerror(err))
            : snprintf(text, sizeof(text), "ok %u\n", data_port);
    if (send(b->ctl, text, (size_t)n, MSG_NOSIGNAL) != n || err)
        goto out;
    fprintf(stderr, "bridge: %s created\n", b->name);
    for (;;) {
        struct pollfd p[4] = {{b->ctl, POLLIN, 0},
                              {veiltun_wait_handle(b->dev), POLLIN, 0},
                              {b->udp, POLLIN, 0},
                              {b->sig, POLLIN, 0}};
        struct signalfd_siginfo si;
        if (poll(p, 4, -1) < 0 && errno != EINTR)
            break;
        if (p[3].revents && read(b->sig, &si, sizeof(si)) == (ssize_t)sizeof(si))
            print_counts(b, "counts");
        if (p[0].revents && control(b) < 0)
            break;
        if (p[1].revents)
            device_to_double(b);
        if (p[2].revents)
            double_to_device(b);
    }
out:
    veiltun_close(b->dev); /* a device this handle created goes with it */
    b->dev = NULL;
    if (b->udp >= 0)
        close(b->udp);
    b->udp = -1;
    print_counts(b, "removed");
    b->to_double = b->from_double = b->lost_to_double = b->refused = b->ring_drops = 0;
    b->line_len = 0;
}

int main(int argc, char **argv)
{
    static struct bridge b = {.udp = -1};
    struct sockaddr_in a = {.sin_family = AF_INET};
    char *colon = argc == 2 ? strrchr(argv[1], ':') : NULL;
    int one = 1, lfd;
    sigset_t usr1;

    if (colon == NULL) {
        fprintf(stderr, "usage: %s 127.0.0.1:PORT\n", argv[0]);
        return 2;
    }
    /* A test that is killed (ctest's timeout) must not leave the helper, and so the device,
     * behind: it ends with the test's shell. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* SIGUSR1 asks for the counts: read from a signalfd in the poll loop, never lost. */
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    b.sig = signalfd(-1, &usr1, SFD_CLOEXEC);
    *colon = 0;
    a.sin_port = htons((uint16_t)atoi(colon + 1));
    b.bufs = calloc(BATCH, SLOT);
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (b.bufs == NULL || lfd < 0 || b.sig < 0 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1 ||
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 4) < 0) {
        perror("bridge: listen");
        return 1;
    }
    for (int i = 0; i < BATCH; i++)
        b.pkts[i] = (veiltun_packet){b.bufs[i], SLOT, 0, 0};
    printf("listening\n");
    fflush(stdout);
    for (;;) {
        b.ctl = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (b.ctl < 0)
            continue;
        serve(&b);
        close(b.ctl);
    }
}
