/* Waiting: an epoll fd for callers' loops, poll() for veiltun_wait(), an eventfd to cancel,
 * and the link notifications that become events. */
#include "../internal.h"
#include "linux.h"
#include "nlmsg.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int watch(int epfd, int fd)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int veiltun__wait_init(veiltun *dev)
{
    struct veiltun__sys *s = &dev->sys;

    s->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->cancel_fd < 0)
        return veiltun__linux_error(errno, "eventfd");
    s->pending_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->pending_fd < 0)
        return veiltun__linux_error(errno, "eventfd");
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (s->epfd < 0)
        return veiltun__linux_error(errno, "epoll_create1");
    if (watch(s->epfd, s->fd) < 0 || watch(s->epfd, mnl_socket_get_fd(s->nlev)) < 0 ||
        watch(s->epfd, s->cancel_fd) < 0 || watch(s->epfd, s->pending_fd) < 0)
        return veiltun__linux_error(errno, "epoll_ctl");
    return 0;
}

void veiltun__wait_close(struct veiltun__sys *s)
{
    if (s->epfd >= 0)
        close(s->epfd);
    if (s->cancel_fd >= 0)
        close(s->cancel_fd);
    if (s->pending_fd >= 0)
        close(s->pending_fd);
    s->epfd = s->cancel_fd = s->pending_fd = -1;
}

veiltun_os_handle veiltun__sys_wait_handle(const veiltun *dev)
{
    return dev->sys.epfd;
}

int veiltun__sys_cancel(veiltun *dev)
{
    uint64_t one = 1;

    /* The counter only grows, so the eventfd stays readable: every waiter, now and later. */
    if (write(dev->sys.cancel_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        return veiltun__fail_os(VEILTUN_EIO, errno);
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int veiltun__sys_wait(veiltun *dev, int timeout_ms)
{
    struct veiltun__sys *s = &dev->sys;
    struct pollfd pfd[4] = {{.fd = s->cancel_fd, .events = POLLIN},
                            {.fd = s->fd, .events = POLLIN},
                            {.fd = mnl_socket_get_fd(s->nlev), .events = POLLIN},
                            {.fd = s->pending_fd, .events = POLLIN}};
    int64_t deadline = now_ms() + timeout_ms;
    int n, left = timeout_ms, mask = 0;

    for (;;) {
        n = poll(pfd, 4, left);
        if (n >= 0)
            break;
        if (errno != EINTR)
            return veiltun__linux_error(errno, "poll");
        if (timeout_ms >= 0) {
            int64_t rest = deadline - now_ms();
            left = rest > 0 ? (int)rest : 0;
        }
    }
    if (pfd[0].revents)
        return veiltun__fail_os(VEILTUN_ECANCELED, 0);
    /* A removed device shows as an error on the tun fd; the read reports it. */
    if (pfd[1].revents & (POLLERR | POLLHUP | POLLNVAL))
        atomic_store(&s->tun_error, 1);
    if (pfd[1].revents || pfd[3].revents)
        mask |= VEILTUN_READY_READ;
    if (pfd[2].revents)
        mask |= VEILTUN_READY_EVENT;
    return mask ? mask : veiltun__fail_os(VEILTUN_ETIMEDOUT, 0);
}

static void apply_link_message(veiltun *dev, const struct nlmsghdr *nlh)
{
    struct veiltun__nl_link link;

    if ((nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) ||
        veiltun__nl_parse_link(nlh, &link) < 0 || link.info.index != dev->ifindex)
        return;
    if (nlh->nlmsg_type == RTM_DELLINK) {
        dev->known.removed = 1;
        return;
    }
    dev->known.up = link.info.up;
    if (link.info.mtu != 0) {
        dev->known.mtu = link.info.mtu;
        atomic_store(&dev->mtu_cache, link.info.mtu);
    }
    if (link.info.name[0] != '\0')
        memcpy(dev->name, link.info.name, sizeof(dev->name));
}

/* The notification queue overflowed: what we missed is unknown, so ask for the state. */
static void resync(veiltun *dev)
{
    struct veiltun__link link;
    int err = veiltun__linux_lookup(dev, NULL, dev->ifindex, &link);

    if (err == VEILTUN_ENODEV)
        dev->known.removed = 1;
    else if (err == 0) {
        dev->known = link;
        atomic_store(&dev->mtu_cache, link.mtu);
    }
}

int veiltun__sys_drain_events(veiltun *dev)
{
    char buf[4 * VEILTUN__NL_BUFSIZE];
    const struct nlmsghdr *nlh;
    ssize_t got;
    int n, budget = 64; /* bounded: a flood of notifications cannot hold the caller */

    while (budget-- > 0 && !dev->known.removed) {
        got = veiltun__nl_recv(dev->sys.nlev, buf, sizeof(buf), 0);
        if (got < 0 && errno == ENOBUFS) {
            resync(dev);
            continue;
        }
        if (got < 0)
            return errno == EAGAIN ? 0 : veiltun__linux_error(errno, "link notifications");
        n = (int)got;
        for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, n);
             nlh = mnl_nlmsg_next(nlh, &n))
            apply_link_message(dev, nlh);
    }
    return 0;
}
