/* SPDX-License-Identifier: MIT */
/* The error contract against the real kernel: what it answers in each case arrives as a
 * documented code with a sentence of its own, and veiltun_last_os_error() tells the OS's part
 * (0 when no OS call failed). */
#include "netns.h"
#include "test.h"
#include "veiltun.h"

#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

/* A code the header lists: veiltun_strerror() knows it. */
static void assert_documented(int err)
{
    if (strncmp(veiltun_strerror(err), "unknown error", 13) == 0)
        TEST_FAIL("code %d is not documented: %s", err, veiltun_strerror(err));
}

#define ASSERT_CODE(expr, code)                                                                    \
    do {                                                                                           \
        int c_ = (expr);                                                                           \
        assert_documented(c_);                                                                     \
        ASSERT_EQ(c_, code);                                                                       \
    } while (0)

/* A failure without an OS error resets the thread's OS error. */
static void test_last_os_error(veiltun *dev)
{
    ASSERT_OK(veiltun_add_address(dev, "10.50.0.1/24"));
    ASSERT_CODE(veiltun_add_address(dev, "10.50.0.1/24"), VEILTUN_EEXIST);
    ASSERT_EQ(veiltun_last_os_error(), EEXIST);
    ASSERT_CODE(veiltun_get_mtu(NULL), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_last_os_error(), 0);
    ASSERT_CODE(veiltun_add_address(dev, "10.50.0.1/24"), VEILTUN_EEXIST);
    ASSERT_CODE(veiltun_is_up(NULL), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_last_os_error(), 0);
    ASSERT_CODE(veiltun_add_address(dev, "10.50.0.1/24"), VEILTUN_EEXIST);
    ASSERT_CODE(veiltun_write(dev, "\x50", 1), VEILTUN_EBADPACKET);
    ASSERT_EQ(veiltun_last_os_error(), 0);
    ASSERT_CODE(veiltun_add_address(dev, "10.50.0.1/24"), VEILTUN_EEXIST);
    ASSERT_CODE(veiltun_cancel(NULL), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_last_os_error(), 0);
}

/* The kernel refuses a route through a device that is down with ENETDOWN. */
static void test_route_down(veiltun *dev)
{
    ASSERT_OK(veiltun_set_up(dev, 0));
    ASSERT_CODE(veiltun_add_route(dev, "10.51.0.0/24", NULL, 0), VEILTUN_ENETDOWN);
    ASSERT_EQ(veiltun_last_os_error(), ENETDOWN);
    ASSERT_CODE(veiltun_add_route(dev, "fd00:51::/64", NULL, 0), VEILTUN_ENETDOWN);
    ASSERT_OK(veiltun_set_up(dev, 1));
    ASSERT_OK(veiltun_add_route(dev, "10.51.0.0/24", NULL, 0));
}

/* IPv6 disabled on the device: the kernel says EACCES, which is no permission problem. */
static void test_ipv6_disabled(veiltun *dev)
{
    ASSERT_EQ(sh("sysctl -qw net.ipv6.conf.vterr0.disable_ipv6=1"), 0);
    ASSERT_CODE(veiltun_add_address(dev, "fd00:52::1/64"), VEILTUN_EAFNOSUPPORT);
    ASSERT_EQ(veiltun_last_os_error(), EACCES);
    ASSERT_CODE(veiltun_add_route(dev, "fd00:53::/64", NULL, 0), VEILTUN_EAFNOSUPPORT);
    ASSERT_OK(veiltun_add_address(dev, "10.52.0.1/24")); /* IPv4 is not affected */
    ASSERT_EQ(sh("sysctl -qw net.ipv6.conf.vterr0.disable_ipv6=0"), 0);
    ASSERT_OK(veiltun_add_address(dev, "fd00:52::1/64"));
}

/* A removed device is VEILTUN_ENODEV, also for a delete (the kernel's ENODEV there could
 * mean a missing IPv6 address). */
static void test_removed(void)
{
    veiltun_config cfg;
    veiltun_prefix got[4];
    veiltun *gone;

    veiltun_config_init(&cfg);
    cfg.name = "vtgone0";
    ASSERT_OK(veiltun_open(&cfg, &gone));
    ASSERT_OK(veiltun_add_address(gone, "10.54.0.1/24"));
    ASSERT_CODE(veiltun_del_address(gone, "fd00:54::1/64"), VEILTUN_EADDRNOTAVAIL);
    ASSERT_EQ(sh("ip link del vtgone0"), 0);
    ASSERT_CODE(veiltun_del_address(gone, "10.54.0.1/24"), VEILTUN_ENODEV);
    ASSERT_EQ(veiltun_last_os_error(), ENODEV);
    ASSERT_CODE(veiltun_del_address(gone, "fd00:54::1/64"), VEILTUN_ENODEV);
    ASSERT_CODE(veiltun_add_address(gone, "10.54.0.2/24"), VEILTUN_ENODEV);
    ASSERT_CODE(veiltun_get_addresses(gone, got, 4), VEILTUN_ENODEV);
    ASSERT_CODE(veiltun_add_route(gone, "10.55.0.0/24", NULL, 0), VEILTUN_ENODEV);
    ASSERT_CODE(veiltun_set_mtu(gone, 1400), VEILTUN_ENODEV);
    veiltun_close(gone);
}

/* In a child that became user "nobody": 0 if opening fails as the file's mode says. Where
 * /dev/net/tun is not open to others, the kernel refuses the open itself (EACCES: the mode,
 * no capability would be "missing"); where it is, TUNSETIFF refuses (EPERM). */
static int open_as_nobody(void)
{
    veiltun_config cfg;
    veiltun *dev;
    int want, got;

    if (setgid(65534) < 0 || setuid(65534) < 0)
        return 2;
    want = access("/dev/net/tun", R_OK | W_OK) < 0 ? VEILTUN_EACCES : VEILTUN_EPERM;
    veiltun_config_init(&cfg);
    cfg.name = "vtnobody0";
    got = veiltun_open(&cfg, &dev);
    if (got != want || strncmp(veiltun_strerror(got), "unknown", 7) == 0) {
        fprintf(stderr, "open as nobody: %d (%s), want %d\n", got, veiltun_strerror(got), want);
        return 1;
    }
    if (got == VEILTUN_EACCES && strstr(veiltun_strerror(got), "CAP_NET_ADMIN") != NULL)
        return 1;
    return veiltun_last_os_error() == -want ? 0 : 3;
}

static void test_not_permitted(void)
{
    int status;
    pid_t pid = fork();

    ASSERT_TRUE(pid >= 0);
    if (pid == 0)
        _exit(open_as_nobody()); /* _exit: the namespace's cleanup is the parent's */
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
}

int main(void)
{
    veiltun_config cfg;
    veiltun *dev;

    test_netns_enter("errors");
    veiltun_config_init(&cfg);
    cfg.name = "vterr0";
    ASSERT_OK(veiltun_open(&cfg, &dev));
    ASSERT_OK(veiltun_set_up(dev, 1));
    test_last_os_error(dev);
    test_route_down(dev);
    test_ipv6_disabled(dev);
    test_removed();
    test_not_permitted();
    veiltun_close(dev);
    return 0;
}
