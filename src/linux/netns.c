/* SPDX-License-Identifier: MIT */
/* Network namespaces: running the steps of an open that bind a resource to a namespace (the
 * /dev/net/tun file, the netlink sockets) inside another one, and finding the namespace of an
 * adopted descriptor's device. Only the calling thread moves, and only for those steps. */
#include "../internal.h"
#include "linux.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/if_tun.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef TUNGETDEVNETNS
#define TUNGETDEVNETNS _IO('T', 227) /* Linux 5.2 */
#endif

/* 1 if both descriptors are the same namespace (the same nsfs inode), 0 if not, or -errno. */
static int same_namespace(int a, int b)
{
    struct stat sa, sb;

    if (fstat(a, &sa) < 0 || fstat(b, &sb) < 0)
        return -errno;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int setns_error(int err)
{
    switch (err) {
    case EBADF:
        veiltun__log(VEILTUN_LOG_ERROR, "network namespace: not an open descriptor");
        return veiltun__fail_os(VEILTUN_EBADF, err);
    case EINVAL:
        veiltun__log(VEILTUN_LOG_ERROR, "network namespace: the descriptor is not one");
        return veiltun__fail_os(VEILTUN_EINVAL, err);
    default: /* EPERM: CAP_SYS_ADMIN is missing over one of the two namespaces */
        return veiltun__linux_error(err, "setns");
    }
}

int veiltun__netns_enter(int target, int *home)
{
    int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), r;

    *home = -1;
    if (fd < 0)
        return veiltun__linux_error(errno, "open /proc/thread-self/ns/net");
    r = same_namespace(fd, target);
    if (r != 0) { /* already there (nothing to undo, no privilege needed), or a bad fd */
        close(fd);
        return r < 0 ? setns_error(-r) : 0;
    }
    /* Entering needs CAP_SYS_ADMIN over the target, returning needs it over the thread's
     * own namespace. A thread that could enter but not return (a process in a user namespace
     * of its own whose network namespace belongs to the parent) would be stranded, so the
     * way back is proven first: re-entering the namespace we are in checks the same rights. */
    if (setns(fd, CLONE_NEWNET) < 0 || setns(target, CLONE_NEWNET) < 0) {
        r = errno;
        close(fd);
        return setns_error(r);
    }
    *home = fd;
    return 0;
}

int veiltun__netns_leave(int home)
{
    int err = 0;

    if (home < 0)
        return 0;
    if (setns(home, CLONE_NEWNET) < 0)
        err = veiltun__linux_error(errno, "setns back to the thread's network namespace");
    close(home);
    return err;
}

/* 1 if the thread has CAP_NET_ADMIN over its own network namespace: the capability is
 * effective and the namespace belongs to the thread's user namespace. (A namespace owned by
 * another user namespace is left out: a rare arrangement, and this only sharpens an error.) */
static int admin_of_own_namespace(void)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct caps[2];
    int net, owner = -1, user = -1, r = 0;

    if (syscall(SYS_capget, &hdr, caps) < 0 || !(caps[0].effective & (1u << CAP_NET_ADMIN)))
        return 0;
    net = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (net >= 0)
        owner = ioctl(net, NS_GET_USERNS);
    user = open("/proc/thread-self/ns/user", O_RDONLY | O_CLOEXEC);
    if (owner >= 0 && user >= 0)
        r = same_namespace(owner, user) == 1;
    if (net >= 0)
        close(net);
    if (owner >= 0)
        close(owner);
    if (user >= 0)
        close(user);
    return r;
}

/* TUNGETDEVNETNS said EPERM: the caller lacks CAP_NET_ADMIN over the device's namespace. If
 * it has it over its own, the device is therefore elsewhere, and a link of that name here
 * would be another device: refuse. Otherwise (an unprivileged caller, typically in the
 * device's own namespace) assume the caller's; the handle cannot change anything there. */
static int not_allowed_to_ask(void)
{
    if (admin_of_own_namespace()) {
        veiltun__log(VEILTUN_LOG_ERROR,
                     "adopt: the device is in a network namespace this process has no "
                     "CAP_NET_ADMIN over");
        return veiltun__fail_os(VEILTUN_EPERM, EPERM);
    }
    veiltun__log(VEILTUN_LOG_WARN, "adopt: not allowed to learn the device's network namespace; "
                                   "assuming the caller's");
    return 0;
}

int veiltun__netns_of_tun(int fd, int *nsfd)
{
    *nsfd = ioctl(fd, TUNGETDEVNETNS);
    if (*nsfd >= 0)
        return 0;
    switch (errno) {
    case EINVAL: /* before Linux 5.2 */
    case ENOTTY:
        veiltun__log(VEILTUN_LOG_DEBUG,
                     "adopt: the kernel cannot name the device's network namespace; "
                     "assuming the caller's");
        return 0;
    case EACCES: /* a security module's ioctl rules (Android's SELinux policy has them) */
        veiltun__log(VEILTUN_LOG_WARN, "adopt: TUNGETDEVNETNS refused; assuming the device is "
                                       "in the caller's network namespace");
        return 0;
    case EPERM:
        return not_allowed_to_ask();
    default:
        return veiltun__linux_error(errno, "TUNGETDEVNETNS");
    }
}

int veiltun__netns_nl_open(struct veiltun__sys *s, int nsfd)
{
    int home, err, back;

    if (nsfd < 0)
        return veiltun__nl_open(s);
    err = veiltun__netns_enter(nsfd, &home);
    if (err < 0)
        return err;
    err = veiltun__nl_open(s);
    back = veiltun__netns_leave(home);
    return err < 0 ? err : back;
}
