/* SPDX-License-Identifier: MIT */
/* Link, address and route configuration over rtnetlink; every request is acknowledged. */
#include "../internal.h"
#include "linux.h"
#include "nlmsg.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>

struct lookup {
    struct veiltun__nl_link link;
    int found;
};

static int on_link(const struct nlmsghdr *nlh, void *arg)
{
    struct lookup *l = arg;

    if (nlh->nlmsg_type != RTM_NEWLINK || veiltun__nl_parse_link(nlh, &l->link) < 0)
        return MNL_CB_OK;
    l->found = 1;
    return MNL_CB_OK;
}

/* The handle's request context, named as the device is now (a rename changes dev->name). */
static struct veiltun__nl *nl_of(veiltun *dev)
{
    dev->sys.nl.name = dev->name;
    return &dev->sys.nl;
}

/* Reads a link by index (or by name when @p ifindex is 0); fills the name and index of
 * @p dev as the kernel reports them. */
int veiltun__linux_lookup(veiltun *dev, const char *name, int ifindex, struct veiltun__link *link)
{
    char buf[VEILTUN__NL_BUFSIZE];
    struct lookup l = {0};
    int err;

    err = veiltun__nl_talk(nl_of(dev), veiltun__nl_getlink(buf, 0, ifindex, name), on_link, &l,
                           "read link");
    if (err < 0)
        return veiltun__linux_map(-err);
    if (!l.found)
        return veiltun__fail_os(VEILTUN_EPROTO, EPROTO);
    dev->ifindex = l.link.info.index;
    if (l.link.info.name[0] != '\0')
        memcpy(dev->name, l.link.info.name, sizeof(dev->name));
    link->mtu = l.link.info.mtu;
    link->up = l.link.info.up;
    link->removed = 0;
    return 0;
}

int veiltun__sys_get_link(veiltun *dev, struct veiltun__link *out)
{
    return veiltun__linux_lookup(dev, NULL, dev->ifindex, out);
}

static int set_link(veiltun *dev, unsigned mtu, int up, const char *what)
{
    char buf[VEILTUN__NL_BUFSIZE];
    int err = veiltun__nl_talk(nl_of(dev), veiltun__nl_setlink(buf, 0, dev->ifindex, mtu, up), NULL,
                               NULL, what);

    return err < 0 ? veiltun__linux_map(-err) : 0;
}

int veiltun__sys_set_mtu(veiltun *dev, unsigned mtu)
{
    return set_link(dev, mtu, -1, "set MTU");
}

int veiltun__sys_set_up(veiltun *dev, int up)
{
    return set_link(dev, 0, up, up ? "set up" : "set down");
}

/* 1 if the handle's device is still there (by index), 0 if not, or a negative error. */
static int link_exists(veiltun *dev)
{
    struct veiltun__link link;
    int err = veiltun__linux_lookup(dev, NULL, dev->ifindex, &link);

    if (err == VEILTUN_ENODEV)
        return 0;
    return err < 0 ? err : 1;
}

/* A request's -errno in the words of our API, for a request of address family @p family. */
static int request_error(int err, int family)
{
    /* A device (or machine) with IPv6 disabled (sysctl disable_ipv6) refuses IPv6 addresses
     * and routes with EACCES: not a permission problem but a missing family. */
    if (err == -EACCES && family == VEILTUN_AF_INET6)
        return VEILTUN_EAFNOSUPPORT;
    return err < 0 ? veiltun__linux_map(-err) : 0;
}

int veiltun__sys_address(veiltun *dev, const veiltun_prefix *p, int add)
{
    char buf[VEILTUN__NL_BUFSIZE];
    int err = veiltun__nl_talk(nl_of(dev), veiltun__nl_addr(buf, 0, dev->ifindex, p, add), NULL,
                               NULL, add ? "add address" : "remove address");
    int exists;

    /* IPv4 reports a missing address as EADDRNOTAVAIL, IPv6 (older kernels) as ENODEV even
     * though the device is there: only the device itself can tell the two apart. */
    if (!add && err == -ENODEV) {
        exists = link_exists(dev);
        if (exists < 0)
            return exists;
        return exists ? veiltun__fail_os(VEILTUN_EADDRNOTAVAIL, ENODEV)
                      : veiltun__fail_os(VEILTUN_ENODEV, ENODEV);
    }
    return request_error(err, p->family);
}

struct addr_list {
    int ifindex;
    veiltun_prefix *out;
    size_t max, count;
};

static int on_addr(const struct nlmsghdr *nlh, void *arg)
{
    struct addr_list *l = arg;
    veiltun_prefix p;
    int ifindex;

    if (nlh->nlmsg_type != RTM_NEWADDR || veiltun__nl_parse_addr(nlh, &ifindex, &p) < 0 ||
        ifindex != l->ifindex)
        return MNL_CB_OK;
    if (l->count < l->max)
        l->out[l->count] = p;
    l->count++;
    return MNL_CB_OK;
}

static void restart_addrs(void *arg)
{
    struct addr_list *l = arg;

    l->count = 0;
}

int veiltun__linux_addresses(struct veiltun__nl *nl, int ifindex, veiltun_prefix *out, size_t max)
{
    char buf[VEILTUN__NL_BUFSIZE];
    struct addr_list l = {ifindex, out, max, 0};
    int err = veiltun__nl_dump(nl, veiltun__nl_getaddrs(buf, 0), on_addr, &l, restart_addrs,
                               "list addresses");

    if (err < 0)
        return veiltun__linux_map(-err);
    return l.count > INT32_MAX ? INT32_MAX : (int)l.count;
}

int veiltun__sys_get_addresses(veiltun *dev, veiltun_prefix *out, size_t max)
{
    int n = veiltun__linux_addresses(nl_of(dev), dev->ifindex, out, max), exists;

    /* The dump lists what exists: a removed device has no addresses, and no error either. */
    if (n != 0)
        return n;
    exists = link_exists(dev);
    if (exists < 0)
        return exists;
    return exists ? 0 : veiltun__fail_os(VEILTUN_ENODEV, ENODEV);
}

int veiltun__sys_route(veiltun *dev, const veiltun_prefix *dst, const veiltun_prefix *gw,
                       uint32_t metric, int add)
{
    char buf[VEILTUN__NL_BUFSIZE];
    int err =
        veiltun__nl_talk(nl_of(dev), veiltun__nl_route(buf, 0, dev->ifindex, dst, gw, metric, add),
                         NULL, NULL, add ? "add route" : "remove route");

    return request_error(err, dst->family);
}
