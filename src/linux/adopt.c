/* SPDX-License-Identifier: MIT */
/* Adopting a TUN descriptor opened elsewhere: finding its device where it lives (its own
 * network namespace, which need not be the caller's), checking that its packets are bare IP,
 * and setting up what veiltun_open() would. */
#include "../internal.h"
#include "linux.h"
#include "nlmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* A TUN (not TAP) fd attached to a device. The IFF_NO_PI bit of TUNGETIFF is not looked at:
 * the kernel reports IFF_NOFILTER ("no socket filter", the usual case) in the same bit. */
static int check_adoptable(int fd, struct ifreq *ifr)
{
    memset(ifr, 0, sizeof(*ifr));
    if (fcntl(fd, F_GETFD) < 0)
        return veiltun__linux_error(errno, "adopt");
    if (ioctl(fd, TUNGETIFF, ifr) < 0) {
        veiltun__log(VEILTUN_LOG_ERROR, "adopt: fd %d is not attached to a TUN device: %s", fd,
                     strerror(errno));
        return veiltun__fail_os(VEILTUN_ENOTTUN, errno);
    }
    if ((ifr->ifr_flags & (IFF_TUN | IFF_TAP)) != IFF_TUN) {
        veiltun__log(VEILTUN_LOG_ERROR, "adopt: fd %d is a TAP device", fd);
        return veiltun__fail_os(VEILTUN_ENOTTUN, 0);
    }
    return 0;
}

/* The handle's netlink sockets, made in the device's namespace. */
static int open_netlink(veiltun *dev, int fd)
{
    int nsfd, err = veiltun__netns_of_tun(fd, &nsfd);

    if (err < 0)
        return err;
    err = veiltun__netns_nl_open(&dev->sys, nsfd);
    if (nsfd >= 0)
        close(nsfd);
    return err;
}

struct found {
    struct veiltun__nl_link link;
    int count;
};

static int on_link(const struct nlmsghdr *nlh, void *arg)
{
    struct found *f = arg;

    if (nlh->nlmsg_type == RTM_NEWLINK && veiltun__nl_parse_link(nlh, &f->link) == 0)
        f->count++;
    return MNL_CB_OK;
}

static int read_link(veiltun *dev, struct veiltun__nl_link *link)
{
    char buf[VEILTUN__NL_BUFSIZE];
    struct found f = {.count = 0};
    int err;

    dev->sys.nl.name = dev->name;
    err = veiltun__nl_talk(&dev->sys.nl, veiltun__nl_getlink(buf, 0, 0, dev->name), on_link, &f,
                           "adopt: read link");

    if (err == -ENODEV) {
        veiltun__log(VEILTUN_LOG_ERROR, "adopt: %s is not in the device's network namespace",
                     dev->name);
        return VEILTUN_ENODEV;
    }
    if (err < 0)
        return veiltun__linux_map(-err);
    if (f.count != 1)
        return veiltun__fail_os(VEILTUN_EPROTO, EPROTO);
    *link = f.link;
    return 0;
}

/* 1 if the device carries a packet-information header, 0 if not, -1 if it cannot be told.
 * Netlink says so from Linux 4.15 (IFLA_TUN_PI); before, only sysfs, which shows the devices
 * of the namespace /sys was mounted in, so it is asked only when netlink is silent. */
static int has_packet_info(const veiltun *dev, const struct veiltun__nl_link *link)
{
    char path[64];
    unsigned flags;
    FILE *f;
    int n;

    if (link->pi >= 0)
        return link->pi;
    snprintf(path, sizeof(path), "/sys/class/net/%s/tun_flags", dev->name);
    f = fopen(path, "re");
    if (f == NULL)
        return -1;
    n = fscanf(f, "%x", &flags);
    fclose(f);
    return n == 1 ? (flags & IFF_NO_PI) == 0 : -1;
}

/* The link of the fd's name in the device's namespace is a TUN without a packet-information
 * header, and still the fd's device; fills @p ifindex. */
static int check_link(veiltun *dev, int fd, int *ifindex)
{
    struct veiltun__nl_link link;
    struct ifreq ifr;
    int err = read_link(dev, &link), pi;

    if (err < 0)
        return err;
    if (!link.is_tun) {
        veiltun__log(VEILTUN_LOG_ERROR, "adopt: %s is not a TUN device where the fd's device is",
                     dev->name);
        return veiltun__fail_os(VEILTUN_ENOTTUN, 0);
    }
    pi = has_packet_info(dev, &link);
    if (pi != 0) {
        veiltun__log(VEILTUN_LOG_ERROR, "adopt: %s %s", dev->name,
                     pi > 0 ? "carries a packet-information header (opened without IFF_NO_PI)"
                            : "may carry a packet-information header: the kernel does not say");
        return veiltun__fail_os(VEILTUN_ENOTTUN, 0);
    }
    /* Renamed between TUNGETIFF and the lookup, the name could have led to another link. */
    memset(&ifr, 0, sizeof(ifr));
    if (ioctl(fd, TUNGETIFF, &ifr) < 0 || strncmp(ifr.ifr_name, dev->name, IFNAMSIZ) != 0) {
        veiltun__log(VEILTUN_LOG_ERROR, "adopt: %s was renamed while being adopted", dev->name);
        return veiltun__fail_os(VEILTUN_EAGAIN, 0);
    }
    *ifindex = link.info.index;
    return 0;
}

int veiltun__sys_adopt(veiltun *dev, veiltun_os_handle fd)
{
    struct veiltun__sys *s = &dev->sys;
    struct ifreq ifr;
    int err, fl, fdfl, ifindex = 0;

    if (fd < 0)
        return veiltun__fail_input(VEILTUN_EINVAL, "adopt: negative fd");
    err = check_adoptable(fd, &ifr);
    if (err < 0)
        return err;
    veiltun__linux_init(s);
    memcpy(dev->name, ifr.ifr_name, sizeof(dev->name) - 1);
    err = open_netlink(dev, fd);
    if (err == 0)
        err = check_link(dev, fd, &ifindex);
    if (err < 0)
        goto fail;
    fl = fcntl(fd, F_GETFL);
    fdfl = fcntl(fd, F_GETFD);
    if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) < 0) {
        err = veiltun__linux_error(errno, "adopt: fcntl");
        goto restore;
    }
    s->fd = fd;
    /* A virtio-net header means offload on (reads would otherwise start with it); without
     * one, a mask an earlier user left is cleared. */
    if (ifr.ifr_flags & IFF_VNET_HDR)
        veiltun__log(VEILTUN_LOG_INFO, "adopt: %s has a virtio-net header: offload is on",
                     dev->name);
    err = veiltun__linux_setup_offload(dev, (ifr.ifr_flags & IFF_VNET_HDR) != 0);
    if (err == 0)
        err = veiltun__linux_finish_open(dev, ifindex);
    if (err == 0)
        return 0;
    s->fd = -1; /* on failure the caller keeps the fd, as it was */
restore:
    fcntl(fd, F_SETFL, fl);
    fcntl(fd, F_SETFD, fdfl);
fail:
    veiltun__linux_release(s);
    return err;
}
