/* SPDX-License-Identifier: MIT */
/* rtnetlink through libmnl: one socket for acknowledged requests, one subscribed to link
 * notifications. Messages are built in nlmsg.c; this file only talks.
 *
 * A request socket is shared by every later request of its handle, so a request must never
 * leave anything behind on it, and must never take what an earlier one left for its own
 * answer: whatever is queued is dropped before a request is sent, replies that are not for
 * this request (sequence number or port) are skipped, and a dump is always read to its end,
 * also when it failed or was interrupted. */
#include "../internal.h"
#include "linux.h"
#include "nlmsg.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* The kernel answers rtnetlink synchronously; this covers a reply that is not queued yet. */
#define REPLY_TIMEOUT_MS 1000
/* A dump that another program's changes interrupt this often in a row gives up (EINTR). */
#define DUMP_TRIES 8
/* Stale datagrams dropped before a request, at most (the socket holds far fewer). */
#define FLUSH_MAX 4096

static struct mnl_socket *open_socket(unsigned groups)
{
    struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
    int one = 1;

    if (nl == NULL)
        return NULL;
    /* Extended acks carry the kernel's own explanation, which we pass to the logger;
     * capped acks keep our request out of the reply. Both are optional: old kernels lack
     * them and still work. */
    mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
    mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
    if (mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
        int saved = errno;
        mnl_socket_close(nl);
        errno = saved;
        return NULL;
    }
    return nl;
}

int veiltun__nl_connect(struct veiltun__nl *nl, const char *name)
{
    memset(nl, 0, sizeof(*nl));
    nl->name = name;
    nl->sock = open_socket(0);
    if (nl->sock == NULL)
        return veiltun__linux_error(errno, "netlink socket");
    return 0;
}

void veiltun__nl_disconnect(struct veiltun__nl *nl)
{
    if (nl->sock != NULL)
        mnl_socket_close(nl->sock);
    nl->sock = NULL;
}

int veiltun__nl_open_requests(struct veiltun__sys *s)
{
    return veiltun__nl_connect(&s->nl, NULL);
}

int veiltun__nl_open(struct veiltun__sys *s)
{
    s->nlev = open_socket(RTMGRP_LINK);
    if (s->nlev == NULL)
        return veiltun__linux_error(errno, "netlink event socket");
    return veiltun__nl_open_requests(s);
}

void veiltun__nl_close(struct veiltun__sys *s)
{
    veiltun__nl_disconnect(&s->nl);
    if (s->nlev != NULL)
        mnl_socket_close(s->nlev);
    s->nlev = NULL;
}

/* What a request's replies are handed to, and what they said. */
struct talk {
    mnl_cb_t data_cb;
    void *data;
    uint32_t seq, portid;
    int err;          /* positive errno from the ack or the reading, 0 if none */
    int interrupted;  /* a dump message carried NLM_F_DUMP_INTR */
    char detail[128]; /* the kernel's extended-ack text */
};

/* Drops every datagram queued on the socket: the rest of an earlier request that stopped
 * early (a reply timeout, a truncated datagram, a failed read). */
static void flush(struct veiltun__nl *nl)
{
    char buf[64];
    int fd = mnl_socket_get_fd(nl->sock), n = 0;

    while (n < FLUSH_MAX && recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) >= 0)
        n++;
    if (n > 0)
        veiltun__log(VEILTUN_LOG_DEBUG, "%s: netlink: dropped %d stale datagram(s)",
                     nl->name ? nl->name : "veiltun", n);
}

static int on_error(const struct nlmsghdr *nlh, struct talk *t)
{
    const char *msg;
    int err = EPROTO;

    if (veiltun__nl_parse_error(nlh, &err, &msg) < 0)
        err = EPROTO;
    if (msg != NULL)
        snprintf(t->detail, sizeof(t->detail), "%s", msg);
    if (err != 0 && t->err == 0)
        t->err = err;
    return MNL_CB_STOP;
}

/* A dump ends with NLMSG_DONE, whose payload (when there is one) is the dump's own error. */
static int on_done(const struct nlmsghdr *nlh, struct talk *t)
{
    int32_t err;

    if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err)) {
        memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
        if (err < 0 && err >= -4095 && t->err == 0)
            t->err = -err;
    }
    return MNL_CB_STOP;
}

static int is_ours(const struct nlmsghdr *nlh, const struct talk *t)
{
    return nlh->nlmsg_seq == t->seq && (nlh->nlmsg_pid == 0 || nlh->nlmsg_pid == t->portid);
}

/* Hands one of our messages on; MNL_CB_STOP once the request is answered. */
static int dispatch(const struct nlmsghdr *nlh, struct talk *t)
{
    if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
        t->interrupted = 1;
    switch (nlh->nlmsg_type) {
    case NLMSG_ERROR:
        return on_error(nlh, t);
    case NLMSG_DONE:
        return on_done(nlh, t);
    case NLMSG_OVERRUN:
        if (t->err == 0)
            t->err = EPROTO;
        return MNL_CB_OK;
    default:
        if (nlh->nlmsg_type < NLMSG_MIN_TYPE || t->data_cb == NULL)
            return MNL_CB_OK;
        /* A callback's failure does not end the reading: the rest of a dump would stay
         * queued for the next request. */
        if (t->data_cb(nlh, t->data) == MNL_CB_ERROR && t->err == 0)
            t->err = EPROTO;
        return MNL_CB_OK;
    }
}

/* Walks one datagram (checked by veiltun__nl_recv), skipping what is not ours. */
static int walk(const void *buf, size_t len, struct talk *t)
{
    const struct nlmsghdr *nlh = buf;
    int n = (int)len;

    for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
        if (is_ours(nlh, t) && dispatch(nlh, t) == MNL_CB_STOP)
            return MNL_CB_STOP;
    }
    return MNL_CB_OK;
}

/* Sends @p nlh and reads replies until its ack (or its dump's end). The socket is
 * non-blocking so that a request never hangs a caller forever. Returns 0 or a positive
 * errno (EINTR: a dump that was interrupted, read to its end). */
static int talk_raw(struct veiltun__nl *nl, struct nlmsghdr *nlh, struct talk *t)
{
    char buf[4 * VEILTUN__NL_BUFSIZE];
    ssize_t n;

    flush(nl);
    nlh->nlmsg_seq = t->seq = ++nl->seq;
    t->portid = mnl_socket_get_portid(nl->sock);
    if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
        return errno;
    for (;;) {
        n = veiltun__nl_recv(nl->sock, buf, sizeof(buf), REPLY_TIMEOUT_MS);
        if (n < 0 && errno == ENOSPC) { /* cut to our buffer: lost, but read on to the end */
            if (t->err == 0)
                t->err = EPROTO;
            continue;
        }
        if (n < 0)
            return t->err ? t->err : errno; /* what is left is flushed by the next request */
        if (walk(buf, (size_t)n, t) == MNL_CB_STOP)
            break;
    }
    if (t->err == 0 && t->interrupted)
        return EINTR;
    return t->err;
}

static int report(const struct veiltun__nl *nl, int err, const struct talk *t, const char *what)
{
    if (err == 0)
        return 0;
    veiltun__log(VEILTUN_LOG_ERROR, "%s: %s: %s%s%s", nl->name ? nl->name : "veiltun", what,
                 strerror(err), t->detail[0] ? ": " : "", t->detail);
    veiltun__fail_os(0, err);
    return -err;
}

int veiltun__nl_talk(struct veiltun__nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
                     const char *what)
{
    struct talk t = {.data_cb = cb, .data = data};

    return report(nl, talk_raw(nl, nlh, &t), &t, what);
}

int veiltun__nl_dump(struct veiltun__nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
                     void (*restart)(void *data), const char *what)
{
    struct talk t;
    int err = EINTR;

    /* The kernel marks a dump whose list changed between two of its datagrams (another
     * program adding or removing addresses): its content may miss entries or repeat them,
     * so it is read again from the start. */
    for (int i = 0; i < DUMP_TRIES && err == EINTR; i++) {
        if (i > 0) {
            veiltun__log(VEILTUN_LOG_DEBUG, "%s: %s: interrupted by a change, reading again",
                         nl->name ? nl->name : "veiltun", what);
            restart(data);
        }
        memset(&t, 0, sizeof(t));
        t.data_cb = cb;
        t.data = data;
        err = talk_raw(nl, nlh, &t);
    }
    return report(nl, err, &t, what);
}

ssize_t veiltun__nl_recv(struct mnl_socket *nl, void *buf, size_t size, int timeout_ms)
{
    struct pollfd pfd = {.fd = mnl_socket_get_fd(nl), .events = POLLIN};
    ssize_t n;

    for (;;) {
        n = mnl_socket_recvfrom(nl, buf, size);
        if (n >= 0 && !veiltun__nl_datagram_ok(buf, (size_t)n)) {
            veiltun__log(VEILTUN_LOG_WARN, "netlink: dropped a malformed datagram");
            continue; /* not the kernel's: take the next one (or EAGAIN) */
        }
        if (n >= 0 || errno != EAGAIN || timeout_ms == 0)
            return n;
        n = poll(&pfd, 1, timeout_ms);
        if (n == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        if (n < 0 && errno != EINTR)
            return -1;
    }
}
