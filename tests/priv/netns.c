/* SPDX-License-Identifier: MIT */
/* veiltun_config.netns_fd: the device is created (or attached to) in that namespace, the
 * handle's configuration and events go there, and the calling thread's namespace is the same
 * after every call, failed ones included. Results are checked through the kernel (ip -n). */
#include "icmp.h"
#include "netns.h"
#include "second_ns.h"
#include "test.h"
#include "veiltun.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ns_b;
static int ns_fd;
static unsigned long long home;

static int open_in(int netns_fd, const char *name, veiltun_open_mode mode, uint32_t flags,
                   veiltun **dev)
{
    veiltun_config cfg;
    int err;

    veiltun_config_init(&cfg);
    cfg.name = name;
    cfg.mode = mode;
    cfg.flags = flags;
    cfg.netns_fd = netns_fd;
    err = veiltun_open(&cfg, dev);
    ASSERT_EQ(thread_netns_inode(), home);
    return err;
}

static int in_b(const char *name)
{
    return sh("ip -n %s link show dev %s >/dev/null 2>&1", ns_b, name) == 0;
}

/* Waits (bounded) for an event of @p type. */
static void expect_event(veiltun *dev, veiltun_event_type type)
{
    veiltun_event ev;

    for (int i = 0; i < 20; i++) {
        if (veiltun_next_event(dev, &ev) == 0 && ev.type == type)
            return;
        (void)veiltun_wait(dev, 100);
    }
    TEST_FAIL("no event %d", (int)type);
}

static void test_create_there(void)
{
    char cmd[160];
    veiltun *dev, *local;

    ASSERT_OK(open_in(ns_fd, "vtn0", VEILTUN_OPEN_CREATE, 0, &dev));
    ASSERT_TRUE(in_b("vtn0"));
    ASSERT_TRUE(!link_exists("vtn0"));
    ASSERT_EQ(veiltun_created(dev), 1);
    /* Its own creation, heard by the event socket made before it, is not news. */
    ASSERT_EQ(veiltun_wait(dev, 50), VEILTUN_ETIMEDOUT);
    ASSERT_EQ(veiltun_get_index(dev),
              sh_num("ip -n %s -j link show dev vtn0 | jq '.[0].ifindex'", ns_b));
    ASSERT_OK(veiltun_add_address(dev, "10.80.0.1/24"));
    ASSERT_OK(veiltun_set_up(dev, 1));
    ASSERT_STREQ(sh_out("ip -n %s -j addr show dev vtn0 | jq -r '.[0].addr_info[0].local'", ns_b),
                 "10.80.0.1");
    ASSERT_EQ(sh_num("ip -j addr show | jq '[.[].addr_info[] | select(.local == \"10.80.0.1\")] "
                     "| length'"),
              0);
    /* The same name here is another device. */
    ASSERT_OK(open_in(-1, "vtn0", VEILTUN_OPEN_CREATE, 0, &local));
    ASSERT_TRUE(link_exists("vtn0"));
    ASSERT_NE(veiltun_get_index(local), 0);
    veiltun_close(local);
    ASSERT_TRUE(!link_exists("vtn0"));
    /* Events come from there: a change made by someone else. */
    ASSERT_EQ(sh("ip -n %s link set dev vtn0 mtu 1300", ns_b), 0);
    expect_event(dev, VEILTUN_EVENT_MTU_CHANGED);
    ASSERT_EQ(veiltun_get_mtu(dev), 1300);
    /* Packets: pings from inside B are answered through the handle. */
    snprintf(cmd, sizeof(cmd), "ip netns exec %s ping -c 3 -i 0.2 -W 2 10.80.0.2 >/dev/null", ns_b);
    {
        int answered, status = answer_pings(dev, cmd, 0, &answered);
        if (status != 0)
            TEST_FAIL("'%s' failed (status %d)", cmd, status);
    }
    veiltun_close(dev);
    ASSERT_EQ(thread_netns_inode(), home);
    ASSERT_TRUE(!in_b("vtn0"));
}

static void test_attach_there(void)
{
    veiltun *dev;

    ASSERT_OK(open_in(ns_fd, "vtn1", VEILTUN_OPEN_CREATE, VEILTUN_F_PERSIST, &dev));
    veiltun_close(dev);
    ASSERT_TRUE(in_b("vtn1"));
    ASSERT_OK(open_in(ns_fd, "vtn1", VEILTUN_OPEN_ATTACH, 0, &dev));
    ASSERT_EQ(veiltun_created(dev), 0);
    ASSERT_OK(veiltun_set_persist(dev, 0));
    veiltun_close(dev);
    ASSERT_TRUE(!in_b("vtn1"));
}

/* Failures inside the namespace, and descriptors that are not one: nothing left behind, the
 * thread where it was (open_in checks). */
static void test_failures(void)
{
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    int here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    veiltun *dev;

    ASSERT_EQ(open_in(ns_fd, "vtmissing", VEILTUN_OPEN_ATTACH, 0, &dev), VEILTUN_ENODEV);
    ASSERT_TRUE(dev == NULL);
    ASSERT_EQ(sh("ip -n %s link add vtveth0 type veth peer name vtveth1", ns_b), 0);
    ASSERT_EQ(open_in(ns_fd, "vtveth0", VEILTUN_OPEN_CREATE_OR_ATTACH, 0, &dev), VEILTUN_ENOTTUN);
    ASSERT_EQ(open_in(ns_fd, "vtveth0", VEILTUN_OPEN_CREATE, 0, &dev), VEILTUN_EEXIST);
    ASSERT_STREQ(
        sh_out("ip -n %s -d -j link show dev vtveth0 | jq -r '.[0].linkinfo.info_kind'", ns_b),
        "veth");
    ASSERT_EQ(sh("ip -n %s link del vtveth0", ns_b), 0);
    ASSERT_EQ(open_in(null, "vtn2", VEILTUN_OPEN_CREATE, 0, &dev), VEILTUN_EINVAL);
    ASSERT_EQ(open_in(mnt, "vtn2", VEILTUN_OPEN_CREATE, 0, &dev), VEILTUN_EINVAL);
    ASSERT_EQ(open_in(1000, "vtn2", VEILTUN_OPEN_CREATE, 0, &dev), VEILTUN_EBADF);
    ASSERT_EQ(open_in(-2, "vtn2", VEILTUN_OPEN_CREATE, 0, &dev), VEILTUN_EBADF);
    ASSERT_TRUE(!link_exists("vtn2") && !in_b("vtn2"));
    /* The thread's own namespace as an fd: the same as -1. */
    ASSERT_OK(open_in(here, "vtn2", VEILTUN_OPEN_CREATE, 0, &dev));
    ASSERT_TRUE(link_exists("vtn2"));
    veiltun_close(dev);
    close(null);
    close(mnt);
    close(here);
}

/* Without CAP_SYS_ADMIN (CAP_NET_ADMIN kept) setns is refused: EPERM, in a child. */
static void test_no_sys_admin(void)
{
    int pid = fork(), status;

    if (pid == 0) {
        struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct data[2];
        veiltun *dev;
        if (syscall(SYS_capget, &hdr, data) < 0)
            _exit(2);
        data[0].effective &= ~(1u << CAP_SYS_ADMIN);
        if (syscall(SYS_capset, &hdr, data) < 0)
            _exit(2);
        _exit(open_in(ns_fd, "vtn3", VEILTUN_OPEN_CREATE, 0, &dev) == VEILTUN_EPERM && !in_b("vtn3")
                  ? 0
                  : 1);
    }
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
    test_netns_enter("netns");
    ns_b = second_ns_make("netns");
    ns_fd = second_ns_fd();
    home = thread_netns_inode();
    test_create_there();
    test_attach_there();
    test_failures();
    test_no_sys_admin();
    close(ns_fd);
    return 0;
}
