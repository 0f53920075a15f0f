/* SPDX-License-Identifier: MIT */
/* The tunnel's event loop (see tunnel.h). No allocation and no per-packet system call on
 * the data path: one call moves up to TUNNEL_BATCH packets each way. */
#include "tunnel_linux.h"
#include "cli.h"
#include "ipcheck.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

/* Rounds per wake-up, so that one direction under load cannot starve the other. */
#define ROUNDS 8
/* UDP GSO: at most this many datagrams and bytes in one send (the kernel's limits). */
#define UDP_GSO_MAX   64
#define UDP_GSO_BYTES 65000

int tunnel_init_buffers(struct tunnel *t)
{
    /* The socket side needs one byte beyond the MTU to notice oversized datagrams, or, with
     * UDP GRO, room for a whole run. */
    t->slot_size = (size_t)t->mtu + 1;
    t->in_size = t->udp_gro ? 65536 : t->slot_size;
    t->buffers = malloc(TUNNEL_BATCH * (t->slot_size + t->in_size));
    if (t->buffers == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < TUNNEL_BATCH; i++) {
        unsigned char *out = t->buffers + i * t->slot_size;
        unsigned char *in = t->buffers + TUNNEL_BATCH * t->slot_size + i * t->in_size;

        t->out_pkts[i] = (veiltun_packet){out, t->mtu, 0, 0};
        t->out_iov[i] = (struct iovec){out, 0};
        t->in_iov[i] = (struct iovec){in, t->in_size};
        t->in_msgs[i].msg_hdr =
            (struct msghdr){.msg_name = &t->in_src[i], .msg_iov = &t->in_iov[i], .msg_iovlen = 1};
    }
    return 0;
}

void tunnel_free_buffers(struct tunnel *t)
{
    free(t->buffers);
    t->buffers = NULL;
}

/* ---- device -> socket ---- */

static void watch(struct tunnel *t, int fd, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.fd = fd};

    epoll_ctl(t->epfd, EPOLL_CTL_MOD, fd, &ev);
}

/* Back-pressure: while the socket is full, stop reading the device (its queue then fills
 * and the kernel slows the senders) and wait until the socket drains. */
static void set_send_blocked(struct tunnel *t, int blocked)
{
    if (t->send_blocked == blocked)
        return;
    t->send_blocked = blocked;
    if (blocked)
        t->c.socket_full++;
    watch(t, veiltun_wait_handle(t->dev), blocked ? 0 : EPOLLIN);
    watch(t, t->sock, blocked ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

/* Appends a control message after @p used bytes of @p h's control buffer; returns the new
 * used length. */
static size_t add_cmsg(struct msghdr *h, size_t used, int level, int type, const void *data,
                       size_t len)
{
    struct cmsghdr *c = (struct cmsghdr *)(void *)((char *)h->msg_control + used);

    c->cmsg_level = level;
    c->cmsg_type = type;
    c->cmsg_len = CMSG_LEN(len);
    memcpy(CMSG_DATA(c), data, len);
    return used + CMSG_SPACE(len);
}

/* One message for packets [first, first + count): with UDP GSO a run of one size (the
 * last may be shorter) that the kernel cuts into datagrams; without, one datagram. */
static void build_message(struct tunnel *t, size_t k, size_t first, size_t count)
{
    struct msghdr *h = &t->out_msgs[k].msg_hdr;
    size_t used = 0;

    *h = (struct msghdr){.msg_name = &t->peer,
                         .msg_namelen = t->peer_len,
                         .msg_iov = &t->out_iov[first],
                         .msg_iovlen = count,
                         .msg_control = t->msg_ctl[k].buf};
    t->msg_first[k] = first;
    t->msg_packets[k] = count;
    if (count > 1) {
        uint16_t size = (uint16_t)t->out_iov[first].iov_len;
        used = add_cmsg(h, used, SOL_UDP, UDP_SEGMENT, &size, sizeof(size));
    }
    if (t->have_reply_from && t->peer.ss_family == AF_INET)
        used =
            add_cmsg(h, used, IPPROTO_IP, IP_PKTINFO, &t->reply_from.v4, sizeof(t->reply_from.v4));
    else if (t->have_reply_from)
        used = add_cmsg(h, used, IPPROTO_IPV6, IPV6_PKTINFO, &t->reply_from.v6,
                        sizeof(t->reply_from.v6));
    h->msg_controllen = used;
    if (used == 0)
        h->msg_control = NULL;
}

/* Groups a batch of @p n packets into messages; returns how many. */
static size_t group_batch(struct tunnel *t, size_t n)
{
    size_t k = 0, i = 0;

    while (i < n) {
        size_t size = t->out_iov[i].iov_len, total = size, j = i + 1;
        while (t->udp_gso && j < n && j - i < UDP_GSO_MAX && t->out_iov[j].iov_len <= size &&
               t->out_iov[j - 1].iov_len == size && total + t->out_iov[j].iov_len <= UDP_GSO_BYTES)
            total += t->out_iov[j++].iov_len;
        build_message(t, k++, i, j - i);
        i = j;
    }
    return k;
}

static void count_sent(struct tunnel *t, size_t k)
{
    if (t->msg_packets[k] > 1)
        t->c.gso_messages++;
    for (size_t i = 0; i < t->msg_packets[k]; i++)
        t->c.bytes_out += t->out_iov[t->msg_first[k] + i].iov_len;
    t->c.datagrams_out += t->msg_packets[k];
}

/* A message the kernel refused: its datagrams are dropped; a kernel that refuses UDP GSO
 * itself (EIO, EINVAL) gets single datagrams from the next batch on. */
static void drop_message(struct tunnel *t, size_t k, int err)
{
    t->c.drop_send += t->msg_packets[k];
    if (t->msg_packets[k] > 1 && (err == EIO || err == EINVAL) && t->udp_gso) {
        t->udp_gso = 0;
        fprintf(stderr,
                "veiltun: tunnel %s: the kernel refused UDP GSO; sending datagrams "
                "one by one\n",
                t->name);
    }
}

/* Sends what is left of the current batch; 0 when done, -EAGAIN when the socket is full. */
static int flush_out(struct tunnel *t)
{
    while (t->out_sent < t->out_count) {
        int n =
            sendmmsg(t->sock, t->out_msgs + t->out_sent, (unsigned)(t->out_count - t->out_sent), 0);
        t->c.send_calls++;
        if (n < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
            set_send_blocked(t, 1);
            return -EAGAIN;
        }
        if (n < 0) {
            /* This message cannot go (too big for the path, no route): drop it alone. */
            if (errno != EINTR)
                drop_message(t, t->out_sent++, errno);
            continue;
        }
        for (int i = 0; i < n; i++)
            count_sent(t, t->out_sent + (size_t)i);
        t->out_sent += (size_t)n;
    }
    t->out_count = t->out_sent = 0;
    set_send_blocked(t, 0);
    return 0;
}

/* Moves device packets to the socket; *read_any says whether there were any. */
static int pump_device(struct tunnel *t, int *read_any)
{
    *read_any = 0;
    for (int round = 0; round < ROUNDS; round++) {
        int n;

        if (t->out_count > 0 && flush_out(t) < 0)
            return 0;
        n = veiltun_read_batch(t->dev, t->out_pkts, TUNNEL_BATCH);
        if (n == VEILTUN_EAGAIN)
            return 0;
        if (n < 0)
            return n;
        *read_any = 1;
        t->c.device_reads++;
        for (int i = 0; i < n; i++)
            t->out_iov[i].iov_len = t->out_pkts[i].len;
        t->out_count = group_batch(t, (size_t)n);
        t->out_sent = 0;
    }
    if (t->out_count > 0)
        flush_out(t);
    return 0;
}

/* ---- socket -> device ---- */

static int from_peer(const struct tunnel *t, const struct sockaddr_storage *src)
{
    return same_endpoint(src, &t->peer);
}

/* The datagram size of a run the kernel merged (UDP GRO), or 0 for a single datagram. */
static size_t gro_size(struct msghdr *h)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
        int size;
        if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
            memcpy(&size, CMSG_DATA(c), sizeof(size));
            return size > 0 ? (size_t)size : 0;
        }
    }
    return 0;
}

/* Remembers the address the peer's datagram arrived at, to send from it (see tunnel.h). */
static void learn_reply_from(struct tunnel *t, struct msghdr *h)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo in;
            memcpy(&in, CMSG_DATA(c), sizeof(in));
            t->reply_from.v4 = (struct in_pktinfo){.ipi_spec_dst = in.ipi_addr};
            t->have_reply_from = 1;
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo in;
            memcpy(&in, CMSG_DATA(c), sizeof(in));
            /* A link-local address means something only on its interface. */
            t->reply_from.v6 = (struct in6_pktinfo){
                .ipi6_addr = in.ipi6_addr,
                .ipi6_ifindex = IN6_IS_ADDR_LINKLOCAL(&in.ipi6_addr) ? in.ipi6_ifindex : 0};
            t->have_reply_from = 1;
        }
    }
}

/* Sorts one datagram into a packet for the device or a counted drop. */
static void accept_one(struct tunnel *t, unsigned char *p, size_t len, size_t *k)
{
    if (len > t->mtu)
        t->c.drop_truncated++;
    else if (!ip_packet_valid(p, len))
        t->c.drop_malformed++;
    else
        t->in_pkts[(*k)++] = (veiltun_packet){p, len, len, 0};
}

static int write_device(struct tunnel *t, size_t count);

/* Cuts the received messages into datagrams, checks them, writes the good ones (in chunks
 * when runs hold more than the packet array). */
static int accept_messages(struct tunnel *t, int n)
{
    size_t k = 0;
    int err;

    for (int i = 0; i < n; i++) {
        struct msghdr *h = &t->in_msgs[i].msg_hdr;
        unsigned char *p = t->in_iov[i].iov_base;
        size_t len = t->in_msgs[i].msg_len, size = gro_size(h);

        if (!from_peer(t, &t->in_src[i])) {
            t->c.drop_wrong_peer++;
            continue;
        }
        if (t->pktinfo)
            learn_reply_from(t, h);
        if (h->msg_flags & MSG_TRUNC) {
            t->c.drop_truncated++;
            continue;
        }
        /* An empty datagram holds no packet; the loop below would not see it at all. */
        if (len == 0) {
            t->c.drop_malformed++;
            continue;
        }
        if (size == 0 || size >= len)
            size = len;
        else
            t->c.gro_messages++;
        for (size_t off = 0; off < len; off += size) {
            if (k == TUNNEL_IN_PACKETS) {
                if ((err = write_device(t, k)) < 0)
                    return err;
                k = 0;
            }
            accept_one(t, p + off, len - off < size ? len - off : size, &k);
        }
    }
    return write_device(t, k);
}

static int write_device(struct tunnel *t, size_t count)
{
    size_t done = 0;

    while (done < count) {
        int n = veiltun_write_batch(t->dev, t->in_pkts + done, count - done);
        if (n == VEILTUN_EAGAIN) {
            t->c.drop_device += count - done;
            return 0;
        }
        if (n < 0)
            return n;
        for (int i = 0; i < n; i++) {
            const veiltun_packet *p = &t->in_pkts[done + (size_t)i];
            if (p->status < 0) {
                t->c.drop_device++;
            } else {
                t->c.datagrams_in++;
                t->c.bytes_in += p->len;
            }
        }
        done += (size_t)n;
    }
    return 0;
}

static int pump_socket(struct tunnel *t)
{
    for (int round = 0; round < ROUNDS; round++) {
        int n, err;

        for (size_t i = 0; i < TUNNEL_BATCH; i++) {
            struct msghdr *h = &t->in_msgs[i].msg_hdr;
            h->msg_namelen = sizeof(t->in_src[i]);
            h->msg_control = t->udp_gro || t->pktinfo ? t->in_ctl[i].buf : NULL;
            h->msg_controllen = t->udp_gro || t->pktinfo ? sizeof(t->in_ctl[i].buf) : 0;
        }
        n = recvmmsg(t->sock, t->in_msgs, TUNNEL_BATCH, MSG_DONTWAIT, NULL);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        t->c.socket_reads++;
        err = accept_messages(t, n);
        if (err < 0)
            return err;
    }
    return 0;
}

/* ---- control: signals, timer, events, control socket ---- */

/* Other threads read the counters from this copy, never from c itself. */
static void publish(struct tunnel *t)
{
    pthread_mutex_lock(&t->pub_lock);
    t->pub = t->c;
    pthread_mutex_unlock(&t->pub_lock);
}

static void print_stats(struct tunnel *t)
{
    publish(t);
    tunnel_print(stderr, t);
}

/* Returns 1 to stop. */
static int on_signal(struct tunnel *t)
{
    struct signalfd_siginfo si;

    while (read(t->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo == SIGUSR1)
            print_stats(t);
        else
            return 1;
    }
    return 0;
}

static void on_timer(struct tunnel *t)
{
    uint64_t ticks;

    if (read(t->timerfd, &ticks, sizeof(ticks)) == (ssize_t)sizeof(ticks))
        print_stats(t);
}

/* Device events share the wait handle with packets, so they are fetched on every wake. */
static int on_device_events(struct tunnel *t)
{
    veiltun_event ev;
    int r;

    if (t->device_moved) /* no more events: the device is out of this namespace's sight */
        return 0;
    while ((r = veiltun_next_event(t->dev, &ev)) == 0) {
        if (ev.type == VEILTUN_EVENT_REMOVED)
            return VEILTUN_ENODEV;
        if (ev.type == VEILTUN_EVENT_MOVED) {
            /* Someone moved the device into another network namespace (a container, say):
             * packets still flow through the descriptor, so the tunnel carries on. */
            fprintf(stderr,
                    "veiltun: tunnel %s: device moved to another network namespace; "
                    "forwarding continues\n",
                    t->name);
            t->device_moved = 1;
            return 0;
        }
        if (ev.type == VEILTUN_EVENT_BROKEN)
            return VEILTUN_ENOTRECOVERABLE;
        if (ev.type == VEILTUN_EVENT_MTU_CHANGED && ev.mtu != t->mtu)
            fprintf(stderr, "veiltun: tunnel %s: MTU is now %u (datagrams above %u are dropped)\n",
                    t->name, ev.mtu, t->mtu);
        if (ev.type == VEILTUN_EVENT_LINK_DOWN)
            fprintf(stderr, "veiltun: tunnel %s: device is down\n", t->name);
    }
    return r == VEILTUN_EAGAIN ? 0 : r;
}

static int dispatch(struct tunnel *t, int fd, uint32_t events)
{
    int err = 0;

    if (fd == t->sock) {
        if (events & EPOLLOUT)
            flush_out(t);
        if (events & EPOLLIN)
            err = pump_socket(t);
        if (err < 0)
            fprintf(stderr, "veiltun: tunnel %s: socket: %s\n", t->name, strerror(-err));
        return err < 0 ? 1 : 0;
    }
    if (fd == t->sigfd)
        return on_signal(t);
    if (fd == t->timerfd)
        return on_timer(t), 0;
    /* The handle woke us for packets or for a device event; under load it is packets, and
     * fetching events (a system call) only when there were none keeps that off the hot path.
     * Pending events keep the handle readable, so they are fetched once traffic pauses. */
    int read_any;
    err = pump_device(t, &read_any);
    if (err == 0 && !read_any)
        err = on_device_events(t);
    if (err < 0)
        fprintf(stderr, "veiltun: tunnel %s: device: %s\n", t->name, veiltun_strerror(err));
    return err < 0 ? 1 : 0;
}

static int add_watch(struct tunnel *t, int fd)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

    return fd < 0 ? 0 : epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int64_t monotonic_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* epoll_wait, except that with --busy-poll it first polls without sleeping until
 * busy_poll_ns have passed since the last activity (@p *active_at). The answer to a packet
 * just forwarded then finds this thread running: a sleeping thread costs a wake-up on the
 * answer's path, and an idle CPU of a virtual machine costs the host's wake-up of it as
 * well (docs/benchmarks.md, "Latency"). Between polls the thread yields, so that a task
 * waiting for this CPU (the program the answer is for, say) runs first: polling only keeps
 * an otherwise idle CPU awake. The price is the CPU time spent polling. */
static int wait_events(struct tunnel *t, struct epoll_event *events, int max, int64_t *active_at)
{
    int n;

    while (t->busy_poll_ns > 0 && monotonic_ns() - *active_at < t->busy_poll_ns) {
        if ((n = epoll_wait(t->epfd, events, max, 0)) != 0) {
            *active_at = monotonic_ns();
            return n;
        }
        sched_yield();
    }
    n = epoll_wait(t->epfd, events, max, -1);
    if (t->busy_poll_ns > 0)
        *active_at = monotonic_ns();
    return n;
}

int tunnel_run(struct tunnel *t)
{
    struct epoll_event events[8];
    int stop = 0, failed = 0;
    int64_t active_at = 0;

    if (add_watch(t, t->sock) < 0 || add_watch(t, veiltun_wait_handle(t->dev)) < 0 ||
        add_watch(t, t->sigfd) < 0 || add_watch(t, t->timerfd) < 0) {
        fprintf(stderr, "veiltun: tunnel %s: epoll: %s\n", t->name, strerror(errno));
        return 1;
    }
    while (!stop && !(t->quit && atomic_load(t->quit))) {
        int n = wait_events(t, events, 8, &active_at);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "veiltun: tunnel %s: epoll_wait: %s\n", t->name, strerror(errno));
            return 1;
        }
        for (int i = 0; i < n && !stop; i++) {
            int r = dispatch(t, events[i].data.fd, events[i].events);
            if (r) {
                stop = 1;
                failed = events[i].data.fd != t->sigfd;
            }
        }
        publish(t);
    }
    if (t->quit && failed)
        tunnel_stop_all(t);
    return failed;
}

void tunnel_stop_all(struct tunnel *t)
{
    struct tunnel *w = t->workers ? t->workers : t;

    if (t->quit == NULL)
        return;
    atomic_store(t->quit, 1);
    /* A cancelled handle stays readable: every worker's epoll wakes and sees quit. */
    for (size_t i = 0; i < (w->nworkers ? w->nworkers : 1); i++)
        veiltun_cancel(w[i].dev);
}

/* ---- describing ---- */

void tunnel_report(struct tunnel_report *out, void *ctx)
{
    struct tunnel *t = ctx, *w = t->workers ? t->workers : t;
    size_t n = t->nworkers ? t->nworkers : 1;

    *out = t->base;
    memset(&out->c, 0, sizeof(out->c));
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&w[i].pub_lock);
        report_add_counters(&out->c, &w[i].pub);
        pthread_mutex_unlock(&w[i].pub_lock);
        /* Every queue is a handle of its own with its own library counters. */
        report_add_device(out, w[i].dev);
    }
    report_finish(out);
}

void tunnel_print(FILE *f, struct tunnel *t)
{
    struct tunnel_report r;

    tunnel_report(&r, t);
    report_print_text(f, "", &r);
}
