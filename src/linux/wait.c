/* SPDX-License-Identifier: MIT */
/* Waiting: an epoll fd for callers' loops, poll() for veiltun_wait(), an eventfd to cancel,
 * and the link notifications that become events. */
#include "../internal.h"
#include "linux.h"
#include "nlmsg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static int watch(int epfd, int fd)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* The notification socket hears about every interface of the namespace; a filter in the
 * kernel keeps only this device's messages, so other interfaces' traffic of notifications
 * never wakes the caller. Link (ifinfomsg) and address (ifaddrmsg) messages both carry the
 * interface index as a 32-bit word right after the 16-byte netlink header. Classic BPF loads
 * words in network byte order, hence htonl() on the constant. Optional: without the filter
 * every message is still checked by index when applied. */
static void filter_notifications(struct veiltun__sys *s, int ifindex)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 20),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl((uint32_t)ifindex), 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    struct sock_fprog prog = {sizeof(code) / sizeof(code[0]), code};

    if (setsockopt(mnl_socket_get_fd(s->nlev), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) <
        0)
        veiltun__log(VEILTUN_LOG_DEBUG, "netlink: no notification filter: %s", strerror(errno));
}

/* Address notifications, besides the link ones the socket was opened with. */
static int join_address_groups(struct veiltun__sys *s)
{
    static const int groups[] = {RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR};

    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
        if (mnl_socket_setsockopt(s->nlev, NETLINK_ADD_MEMBERSHIP, (void *)&groups[i],
                                  sizeof(groups[i])) < 0)
            return veiltun__linux_error(errno, "netlink address notifications");
    }
    return 0;
}

int veiltun__wait_init(veiltun *dev)
{
    struct veiltun__sys *s = &dev->sys;
    int err;

    filter_notifications(s, dev->ifindex);
    if ((err = join_address_groups(s)) < 0)
        return err;
    s->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->cancel_fd < 0)
        return veiltun__linux_error(errno, "eventfd");
    s->pending_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->pending_fd < 0)
        return veiltun__linux_error(errno, "eventfd");
    s->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->event_fd < 0)
        return veiltun__linux_error(errno, "eventfd");
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (s->epfd < 0)
        return veiltun__linux_error(errno, "epoll_create1");
    if (watch(s->epfd, s->fd) < 0 || watch(s->epfd, mnl_socket_get_fd(s->nlev)) < 0 ||
        watch(s->epfd, s->cancel_fd) < 0 || watch(s->epfd, s->pending_fd) < 0 ||
        watch(s->epfd, s->event_fd) < 0)
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
    if (s->event_fd >= 0)
        close(s->event_fd);
    s->epfd = s->cancel_fd = s->pending_fd = s->event_fd = -1;
}

void veiltun__eventfd_level(int fd, int *level, int on)
{
    uint64_t v = 1;

    if (*level == on)
        return;
    *level = on;
    if (on)
        (void)!write(fd, &v, sizeof(v));
    else
        (void)!read(fd, &v, sizeof(v));
}

/* The notifications that make a pending event may already be read off the socket (by a write's
 * MTU check, a configuration call): this eventfd keeps the wait handle readable until the
 * event is fetched. */
static void signal_events(struct veiltun__sys *s, int pending)
{
    veiltun__eventfd_level(s->event_fd, &s->events_signalled, pending);
}

void veiltun__sys_events_fetched(veiltun *dev)
{
    signal_events(&dev->sys, veiltun__events_differ(dev));
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
    struct pollfd pfd[5] = {{.fd = s->cancel_fd, .events = POLLIN},
                            {.fd = s->fd, .events = POLLIN},
                            {.fd = mnl_socket_get_fd(s->nlev), .events = POLLIN},
                            {.fd = s->pending_fd, .events = POLLIN},
                            {.fd = s->event_fd, .events = POLLIN}};
    int64_t deadline = now_ms() + timeout_ms;
    int n, left = timeout_ms, mask = 0;

    for (;;) {
        n = poll(pfd, 5, left);
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
    if (pfd[2].revents || pfd[4].revents)
        mask |= VEILTUN_READY_EVENT;
    return mask ? mask : veiltun__fail_os(VEILTUN_ETIMEDOUT, 0);
}

/* The link left this namespace: deleted, or moved into another namespace. A deleted TUN
 * device has detached its files before the kernel announces it, so the tun fd still knowing
 * its device means it was moved (and packets still flow). */
static void link_gone(veiltun *dev)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    if (ioctl(dev->sys.fd, TUNGETIFF, &ifr) == 0)
        dev->known.moved = 1;
    else
        dev->known.removed = 1;
}

static void apply_link_message(veiltun *dev, const struct nlmsghdr *nlh)
{
    struct veiltun__nl_link link;

    if (veiltun__nl_parse_link(nlh, &link) < 0 || link.info.index != dev->ifindex)
        return;
    if (nlh->nlmsg_type == RTM_DELLINK) {
        link_gone(dev);
        return;
    }
    veiltun__link_seen(dev, link.info.up, link.info.mtu);
    if (link.info.name[0] != '\0' && strcmp(link.info.name, dev->name) != 0) {
        memcpy(dev->name, link.info.name, sizeof(dev->name));
        dev->known.renames++;
    }
}

static void apply_message(veiltun *dev, const struct nlmsghdr *nlh)
{
    veiltun_prefix p;
    int ifindex;

    switch (nlh->nlmsg_type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
        apply_link_message(dev, nlh);
        break;
    case RTM_NEWADDR:
    case RTM_DELADDR:
        /* IPv4 and IPv6: the families a caller can see in veiltun_get_addresses(). */
        if (veiltun__nl_parse_addr(nlh, &ifindex, &p) == 0 && ifindex == dev->ifindex)
            dev->known.addr_changes++;
        break;
    default:
        break;
    }
}

/* The notification queue overflowed: what we missed is unknown, so ask for the state, and
 * report what may have happened unseen (a flap, address changes): a caller that re-applies
 * its configuration once too often loses nothing, one that misses a flap loses its routes. */
static void resync(veiltun *dev)
{
    struct veiltun__link link;
    struct veiltun__link *k = &dev->known;
    int err = veiltun__linux_lookup(dev, NULL, dev->ifindex, &link);

    if (err == VEILTUN_ENODEV) {
        link_gone(dev);
        return;
    }
    if (err < 0)
        return;
    if (k->up && link.up) {
        k->downs++;
        k->ups++;
    }
    veiltun__link_seen(dev, link.up, link.mtu);
    k->addr_changes++;
}

int veiltun__sys_drain_events(veiltun *dev)
{
    char buf[4 * VEILTUN__NL_BUFSIZE];
    const struct nlmsghdr *nlh;
    ssize_t got;
    int n, budget = 64; /* bounded: a flood of notifications cannot hold the caller */

    int err = 0;

    while (budget-- > 0 && !dev->known.removed && !dev->known.moved) {
        got = veiltun__nl_recv(dev->sys.nlev, buf, sizeof(buf), 0);
        if (got < 0 && errno == ENOBUFS) {
            resync(dev);
            continue;
        }
        if (got < 0) {
            if (errno != EAGAIN)
                err = veiltun__linux_error(errno, "link notifications");
            break;
        }
        n = (int)got;
        for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, n);
             nlh = mnl_nlmsg_next(nlh, &n))
            apply_message(dev, nlh);
    }
    signal_events(&dev->sys, veiltun__events_differ(dev));
    return err;
}
