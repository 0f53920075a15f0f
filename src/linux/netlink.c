/* rtnetlink through libmnl: one socket for acknowledged requests, one subscribed to link
 * notifications. Messages are built in nlmsg.c; this file only talks. */
#include "../internal.h"
#include "linux.h"
#include "nlmsg.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

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

int veiltun__nl_open_requests(struct veiltun__sys *s)
{
    s->nl = open_socket(0);
    if (s->nl == NULL)
        return veiltun__linux_error(errno, "netlink socket");
    return 0;
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
    if (s->nl != NULL)
        mnl_socket_close(s->nl);
    if (s->nlev != NULL)
        mnl_socket_close(s->nlev);
    s->nl = s->nlev = NULL;
}

/* What a request's replies are handed to, and what the ack said. */
struct talk {
    mnl_cb_t data_cb;
    void *data;
    int err;          /* positive errno from the ack, 0 if none */
    char detail[128]; /* the kernel's extended-ack text */
};

static int on_error(const struct nlmsghdr *nlh, void *arg)
{
    struct talk *t = arg;
    const char *msg;
    int err = EPROTO;

    if (veiltun__nl_parse_error(nlh, &err, &msg) < 0)
        err = EPROTO;
    if (msg != NULL)
        snprintf(t->detail, sizeof(t->detail), "%s", msg);
    if (err != 0) {
        t->err = err;
        return MNL_CB_ERROR;
    }
    return MNL_CB_STOP;
}

static int on_done(const struct nlmsghdr *nlh, void *arg)
{
    (void)nlh;
    (void)arg;
    return MNL_CB_STOP;
}

static int on_overrun(const struct nlmsghdr *nlh, void *arg)
{
    struct talk *t = arg;

    (void)nlh;
    t->err = EPROTO;
    return MNL_CB_ERROR;
}

static int on_data(const struct nlmsghdr *nlh, void *arg)
{
    struct talk *t = arg;

    return t->data_cb ? t->data_cb(nlh, t->data) : MNL_CB_OK;
}

/* Sends @p nlh and reads replies until the ack (or a dump's end). The socket is non-blocking
 * so a request never hangs a caller forever: the kernel answers rtnetlink synchronously,
 * and a short poll covers the rare case where the reply is not queued yet.
 * Returns 0 or a positive errno. */
static int talk_raw(struct veiltun__sys *s, struct nlmsghdr *nlh, struct talk *t)
{
    static const mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
        [NLMSG_ERROR] = on_error, [NLMSG_DONE] = on_done, [NLMSG_OVERRUN] = on_overrun};
    char buf[4 * VEILTUN__NL_BUFSIZE];
    unsigned portid = mnl_socket_get_portid(s->nl);
    ssize_t n;
    int r;

    nlh->nlmsg_seq = ++s->seq;
    if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
        return errno;
    do {
        n = veiltun__nl_recv(s->nl, buf, sizeof(buf), 1000);
        if (n < 0)
            return errno;
        r = mnl_cb_run2(buf, (size_t)n, s->seq, portid, on_data, t, (mnl_cb_t *)ctl,
                        NLMSG_MIN_TYPE);
    } while (r > MNL_CB_STOP);
    if (r == MNL_CB_ERROR)
        return t->err ? t->err : (errno ? errno : EPROTO);
    return 0;
}

int veiltun__nl_talk(veiltun *dev, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, const char *what)
{
    struct talk t = {cb, data, 0, ""};
    int err = talk_raw(&dev->sys, nlh, &t);

    if (err == 0)
        return 0;
    veiltun__log(VEILTUN_LOG_ERROR, "%s: %s: %s%s%s", dev->name[0] ? dev->name : "veiltun", what,
                 strerror(err), t.detail[0] ? ": " : "", t.detail);
    veiltun__fail_os(0, err);
    return -err;
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
