/* SPDX-License-Identifier: MIT */
/* The Linux side of the wintun.dll double's bridged mode (a test helper, never installed).
 *
 * It listens on a loopback TCP port (VEILTUN_DOUBLE_BRIDGE=127.0.0.1:PORT in the Windows
 * program's environment points the double at it) and serves one Windows process at a time:
 *   - "create NAME UDPPORT": creates the TUN device NAME with libveiltun, brings it up, makes
 *     the packet channel (channel.h: two rings in a file under /dev/shm) and answers
 *     "ok DOORBELLPORT PATH"; from then on every packet the Linux stack routes into NAME goes
 *     into the ring to the double, and every packet the double puts in the other ring is
 *     written into NAME. Doorbells (one-byte datagrams on loopback, to UDPPORT and from the
 *     double to DOORBELLPORT) wake a side that sleeps;
 *   - "mapped": the double has mapped the file (answered "ok"; the file is unlinked then, so
 *     that nothing is left in /dev/shm whatever happens later);
 *   - "addr add|del CIDR", "mtu N", "route add|del DEST GATEWAY|- METRIC": the IP
 *     configuration the Windows program asked IP Helper for (forwarded by the bridged IP
 *     Helper stand-in), applied to NAME; each answered "ok" or "err TEXT".
 * Its counts (packets to and from the double, lost on the way, and the double's drops for want
 * of room in its receive ring, which it keeps in the channel's header as the driver counts
 * them in the adapter's statistics) go to stderr on SIGUSR1 and when the device is removed,
 * so that a test can account for every packet.
 * When the control connection ends (the adapter was closed, the process exited or was
 * killed), the device is removed at once, as Wintun removes an adapter whose process ends,
 * and the next connection is served: a restart with the same name works.
 * Usage: bridge_helper 127.0.0.1:PORT   (prints "listening" when ready; runs until killed) */
#include "channel.h"
#include "veiltun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
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
    struct channel *ch;
    char path[64]; /* the channel's file, until the double has mapped it */
    char line[LINE_MAX];
    size_t line_len;
    unsigned char (*bufs)[SLOT];
    veiltun_packet pkts[BATCH];
    struct sockaddr_in peer; /* the double's doorbell socket */
    char name[VEILTUN_NAME_MAX + 1];
    /* lost: no room in the ring to the double; refused: the device refused a write */
    unsigned long long to_double, from_double, lost_to_double, refused;
};

static void print_counts(const struct bridge *b, const char *what)
{
    fprintf(stderr,
            "bridge: %s %s (to the double %llu, from it %llu, lost %llu, refused %llu, "
            "ring drops %llu)\n",
            b->name, what, b->to_double, b->from_double, b->lost_to_double, b->refused,
            b->ch ? (unsigned long long)__atomic_load_n(&b->ch->ring_drops, __ATOMIC_RELAXED)
                  : 0ULL);
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
    int err = VEILTUN_EINVAL;

    if (sscanf(line, "%15s", verb) != 1)
        return reply(b, err);
    if (strcmp(verb, "addr") == 0 && sscanf(line, "%*s %7s %127s", op, arg) == 2)
        err = strcmp(op, "add") == 0 ? veiltun_add_address(b->dev, arg)
                                     : veiltun_del_address(b->dev, arg);
    else if (strcmp(verb, "mtu") == 0 && sscanf(line, "%*s %lu", &value) == 1)
        err = veiltun_set_mtu(b->dev, (unsigned)value);
    else if (strcmp(verb, "mapped") == 0) {
        unlink(b->path);
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

/* The wait handle stays readable while an event is pending (veiltun_wait_handle()), and the
 * addresses the double's program sets are events: fetch them, or poll never sleeps. */
static void drain_events(struct bridge *b)
{
    veiltun_event ev;

    for (int i = 0; i < 64 && veiltun_next_event(b->dev, &ev) == 0; i++)
        ;
}

/* Rings the double's doorbell if it sleeps (its thread marked the ring before sleeping). */
static void ring_doorbell(struct bridge *b)
{
    if (channel_wants_doorbell(&b->ch->to_double))
        sendto(b->udp, "", 1, MSG_DONTWAIT, (struct sockaddr *)&b->peer, sizeof(b->peer));
}

/* Room in the ring to the double for a whole read batch of the largest packets. */
static int room_for_batch(struct bridge *b)
{
    return channel_room(&b->ch->to_double) >= BATCH * (channel_record_size(SLOT) + CHANNEL_ALIGN);
}

/* TUN -> double: one read batch into the ring. Returns the packets moved. */
static int device_to_double(struct bridge *b)
{
    int n = veiltun_read_batch(b->dev, b->pkts, BATCH);

    for (int i = 0; i < n; i++) {
        if (channel_put(&b->ch->to_double, b->pkts[i].data, (uint32_t)b->pkts[i].len))
            b->to_double++;
        else
            b->lost_to_double++; /* not expected: room_for_batch() was checked */
    }
    if (n > 0)
        ring_doorbell(b);
    return n > 0 ? n : 0;
}

/* double -> TUN: up to a batch from the ring, written from where it lies. Returns the
 * packets moved. */
static int double_to_device(struct bridge *b)
{
    struct channel_ring *r = &b->ch->from_double;
    uint32_t pos = channel_head(r), len;
    const unsigned char *p;
    veiltun_packet pkts[BATCH];
    int n = 0, done = 0;

    while (n < BATCH && (p = channel_next(r, &pos, &len)) != NULL)
        pkts[n++] = (veiltun_packet){(unsigned char *)p, len, len, 0};
    while (done < n) {
        int w = veiltun_write_batch(b->dev, pkts + done, (size_t)(n - done));
        if (w <= 0) {
            /* the device refused: these packets are lost, as on a full queue */
            b->refused += (unsigned long long)(n - done);
            break;
        }
        done += w;
    }
    if (n > 0)
        channel_release(r, pos);
    b->from_double += (unsigned long long)n;
    return n;
}

/* The doorbell socket: the double's doorbells arrive here; the helper's leave from it. */
static int doorbell_socket(struct bridge *b, unsigned port, unsigned *local_port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        close(fd);
        return -1;
    }
    *local_port = ntohs(a.sin_port);
    b->peer = a;
    b->peer.sin_port = htons((uint16_t)port);
    return fd;
}

/* The channel's file, mapped; unlinked once the double has mapped it too ("mapped"). */
static struct channel *channel_create(struct bridge *b)
{
    static unsigned serial;
    struct channel *ch;
    int fd;

    snprintf(b->path, sizeof(b->path), "/dev/shm/veiltun-bridge-%d-%u", (int)getpid(), ++serial);
    fd = open(b->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return NULL;
    ch = ftruncate(fd, (off_t)CHANNEL_FILE_SIZE) == 0
             ? mmap(NULL, CHANNEL_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
             : MAP_FAILED;
    close(fd);
    if (ch == MAP_FAILED) {
        unlink(b->path);
        return NULL;
    }
    ch->magic = CHANNEL_MAGIC;
    ch->version = CHANNEL_VERSION;
    ch->ring_size = CHANNEL_RING;
    return ch;
}

static void drain_doorbells(struct bridge *b)
{
    char c[16];

    for (int i = 0; i < 64 && recv(b->udp, c, sizeof(c), MSG_DONTWAIT) >= 0; i++)
        ;
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

/* Moves packets both ways until neither moves, then sleeps in poll until the device, a
 * doorbell, the control connection or a signal wakes it. */
static void forward(struct bridge *b)
{
    for (;;) {
        int room = room_for_batch(b), moved = double_to_device(b), timeout;
        struct pollfd p[4] = {{b->ctl, POLLIN, 0},
                              {room ? veiltun_wait_handle(b->dev) : -1, POLLIN, 0},
                              {b->udp, POLLIN, 0},
                              {b->sig, POLLIN, 0}};
        struct signalfd_siginfo si;

        if (room)
            moved += device_to_double(b);
        /* Idle: sleep, once the double knows it must ring (a full ring to the double is
         * looked at again each millisecond: the double rings only for the other ring). */
        timeout = moved ? 0 : room ? -1 : 1;
        if (timeout && !channel_may_sleep(&b->ch->from_double))
            timeout = 0;
        if (poll(p, 4, timeout) < 0 && errno != EINTR)
            break;
        channel_awake(&b->ch->from_double);
        if (p[2].revents)
            drain_doorbells(b);
        if (p[1].revents)
            drain_events(b);
        if (p[3].revents && read(b->sig, &si, sizeof(si)) == (ssize_t)sizeof(si))
            print_counts(b, "counts");
        if (p[0].revents && control(b) < 0)
            break;
    }
}

static void serve(struct bridge *b)
{
    char text[128];
    unsigned port = 0, doorbell_port = 0;
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
    if (!err && ((b->udp = doorbell_socket(b, port, &doorbell_port)) < 0 ||
                 (b->ch = channel_create(b)) == NULL))
        err = VEILTUN_EIO;
    n = err ? snprintf(text, sizeof(text), "err %s\n", veiltun_strerror(err))
            : snprintf(text, sizeof(text), "ok %u %s\n", doorbell_port, b->path);
    if (send(b->ctl, text, (size_t)n, MSG_NOSIGNAL) != n || err)
        goto out;
    fprintf(stderr, "bridge: %s created\n", b->name);
    forward(b);
out:
    veiltun_close(b->dev); /* a device this handle created goes with it */
    b->dev = NULL;
    if (b->udp >= 0)
        close(b->udp);
    b->udp = -1;
    print_counts(b, "removed");
    if (b->ch != NULL) {
        unlink(b->path); /* if the double never said "mapped" */
        munmap(b->ch, CHANNEL_FILE_SIZE);
    }
    b->ch = NULL;
    b->to_double = b->from_double = b->lost_to_double = b->refused = 0;
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
