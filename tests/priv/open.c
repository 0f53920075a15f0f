/* SPDX-License-Identifier: MIT */
/* Opening: create, template, create-only, attach, persist, owner/group, what closing removes,
 * names of other devices, a device in use, and adopting a descriptor. */
#include "netns.h"
#include "test.h"
#include "veiltun.h"

#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <sys/socket.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int open_mode(const char *name, veiltun_open_mode mode, uint32_t flags, veiltun **dev)
{
    veiltun_config cfg;

    veiltun_config_init(&cfg);
    cfg.name = name;
    cfg.mode = mode;
    cfg.flags = flags;
    return veiltun_open(&cfg, dev);
}

static void test_create(void)
{
    veiltun *a, *b;

    ASSERT_OK(open_mode("vto0", VEILTUN_OPEN_CREATE, 0, &a));
    ASSERT_EQ(veiltun_created(a), 1);
    ASSERT_STREQ(veiltun_get_name(a), "vto0");
    ASSERT_EQ(veiltun_get_index(a), sh_num("ip -j link show dev vto0 | jq '.[0].ifindex'"));
    ASSERT_STREQ(sh_out("ip -d -j link show dev vto0 | jq -r '.[0].linkinfo.info_data.type'"),
                 "tun");
    ASSERT_STREQ(sh_out("ip -d -j link show dev vto0 | jq -r '.[0].linkinfo.info_data.pi'"),
                 "false");
    /* Create-only on a taken name; a second attach while the first holds it. */
    ASSERT_EQ(open_mode("vto0", VEILTUN_OPEN_CREATE, 0, &b), VEILTUN_EEXIST);
    ASSERT_EQ(open_mode("vto0", VEILTUN_OPEN_CREATE_OR_ATTACH, 0, &b), VEILTUN_EBUSY);
    veiltun_close(a);
    ASSERT_TRUE(!link_exists("vto0")); /* created, not persistent: gone */
    /* A template: the kernel picks the number, and we read back what it picked. */
    ASSERT_OK(open_mode("vtt%d", VEILTUN_OPEN_CREATE, 0, &a));
    ASSERT_OK(open_mode("vtt%d", VEILTUN_OPEN_CREATE, 0, &b));
    ASSERT_STREQ(veiltun_get_name(a), "vtt0");
    ASSERT_STREQ(veiltun_get_name(b), "vtt1");
    ASSERT_TRUE(link_exists("vtt0") && link_exists("vtt1"));
    veiltun_close(a);
    veiltun_close(b);
    ASSERT_EQ(open_mode("vtmissing", VEILTUN_OPEN_ATTACH, 0, &a), VEILTUN_ENODEV);
    ASSERT_TRUE(!link_exists("vtmissing"));
}

static void test_persist_and_attach(void)
{
    veiltun *a;

    ASSERT_OK(open_mode("vtp0", VEILTUN_OPEN_CREATE, VEILTUN_F_PERSIST, &a));
    veiltun_close(a);
    ASSERT_TRUE(link_exists("vtp0"));
    ASSERT_STREQ(sh_out("ip -d -j link show dev vtp0 | jq -r '.[0].linkinfo.info_data.persist'"),
                 "true");
    /* Attach: not created by us, so closing leaves it. */
    ASSERT_OK(open_mode("vtp0", VEILTUN_OPEN_ATTACH, 0, &a));
    ASSERT_EQ(veiltun_created(a), 0);
    veiltun_close(a);
    ASSERT_TRUE(link_exists("vtp0"));
    /* The default mode attaches too; unpersisting then closing removes it. */
    ASSERT_OK(open_mode("vtp0", VEILTUN_OPEN_CREATE_OR_ATTACH, 0, &a));
    ASSERT_EQ(veiltun_created(a), 0);
    ASSERT_OK(veiltun_set_persist(a, 0));
    ASSERT_STREQ(sh_out("ip -d -j link show dev vtp0 | jq -r '.[0].linkinfo.info_data.persist'"),
                 "false");
    veiltun_close(a);
    ASSERT_TRUE(!link_exists("vtp0"));
}

static void test_owner_group(void)
{
    veiltun_config cfg;
    veiltun *a;

    veiltun_config_init(&cfg);
    cfg.name = "vtw0";
    cfg.owner = 1234;
    cfg.group = 4321;
    ASSERT_OK(veiltun_open(&cfg, &a));
    ASSERT_EQ(sh_num("ip -d -j link show dev vtw0 | jq '.[0].linkinfo.info_data.user'"), 1234);
    ASSERT_EQ(sh_num("ip -d -j link show dev vtw0 | jq '.[0].linkinfo.info_data.group'"), 4321);
    veiltun_close(a);
}

static void test_other_devices(void)
{
    veiltun *a;

    ASSERT_EQ(sh("ip link add vtd0 type veth peer name vtd1"), 0);
    ASSERT_EQ(open_mode("vtd0", VEILTUN_OPEN_CREATE_OR_ATTACH, 0, &a), VEILTUN_ENOTTUN);
    ASSERT_EQ(open_mode("vtd0", VEILTUN_OPEN_ATTACH, 0, &a), VEILTUN_ENOTTUN);
    ASSERT_EQ(open_mode("vtd0", VEILTUN_OPEN_CREATE, 0, &a), VEILTUN_EEXIST);
    ASSERT_EQ(open_mode("lo", VEILTUN_OPEN_CREATE_OR_ATTACH, 0, &a), VEILTUN_ENOTTUN);
    /* None of that touched them. */
    ASSERT_STREQ(sh_out("ip -d -j link show dev vtd0 | jq -r '.[0].linkinfo.info_kind'"), "veth");
    ASSERT_EQ(sh("ip link del vtd0"), 0);
}

static int raw_tun(const char *name, short flags)
{
    struct ifreq ifr;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = flags;
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (fd < 0 || (name != NULL && ioctl(fd, TUNSETIFF, &ifr) < 0))
        TEST_FAIL("cannot make a raw tun fd");
    return fd;
}

static void test_adopt(void)
{
    veiltun *a;
    int fd = raw_tun("vta0", IFF_TUN | IFF_NO_PI), null;

    ASSERT_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    ASSERT_OK(veiltun_adopt(fd, &a));
    ASSERT_STREQ(veiltun_get_name(a), "vta0");
    ASSERT_EQ(veiltun_get_index(a), sh_num("ip -j link show dev vta0 | jq '.[0].ifindex'"));
    ASSERT_EQ(veiltun_created(a), 0);
    ASSERT_NE(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    ASSERT_NE(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
    veiltun_close(a); /* closes the fd: the last one of a non-persistent device */
    ASSERT_TRUE(!link_exists("vta0"));
    ASSERT_EQ(fcntl(fd, F_GETFD), -1);
    /* Not adoptable: /dev/null, a tun fd never attached, a TAP, a closed fd. The caller keeps what
     * it passed. */
    null = open("/dev/null", O_RDWR);
    ASSERT_EQ(veiltun_adopt(null, &a), VEILTUN_ENOTTUN);
    ASSERT_TRUE(a == NULL);
    ASSERT_NE(fcntl(null, F_GETFD), -1);
    close(null);
    fd = raw_tun(NULL, 0);
    ASSERT_EQ(veiltun_adopt(fd, &a), VEILTUN_ENOTTUN);
    close(fd);
    fd = raw_tun("vttap0", IFF_TAP | IFF_NO_PI);
    ASSERT_EQ(veiltun_adopt(fd, &a), VEILTUN_ENOTTUN);
    close(fd);
    ASSERT_EQ(veiltun_adopt(fd, &a), VEILTUN_EBADF);
    ASSERT_EQ(veiltun_adopt(-1, &a), VEILTUN_EINVAL);
}

/* The kernel's TSO state for a device (ethtool's legacy query, no ethtool needed). */
static int tso_on(const char *name)
{
    struct ethtool_value v = {.cmd = ETHTOOL_GTSO};
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    ifr.ifr_data = (char *)&v;
    r = ioctl(fd, SIOCETHTOOL, &ifr);
    close(fd);
    if (r < 0)
        TEST_FAIL("SIOCETHTOOL on %s failed", name);
    return (int)v.data;
}

/* A persistent device left with offload on by an earlier user: attaching without offload
 * clears it, or the kernel would send us TCP super-packets we cannot tell apart. */
static void test_offload_cleared(void)
{
    int fd = raw_tun("vtoff0", IFF_TUN | IFF_NO_PI | IFF_VNET_HDR);
    veiltun *a;

    ASSERT_EQ(ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6), 0);
    ASSERT_EQ(ioctl(fd, TUNSETPERSIST, 1), 0);
    close(fd);
    ASSERT_EQ(tso_on("vtoff0"), 1);
    ASSERT_OK(open_mode("vtoff0", VEILTUN_OPEN_ATTACH, 0, &a));
    ASSERT_EQ(tso_on("vtoff0"), 0);
    ASSERT_OK(veiltun_set_persist(a, 0));
    veiltun_close(a);
}

int main(void)
{
    test_netns_enter("open");
    test_offload_cleared();
    test_create();
    test_persist_and_attach();
    test_owner_group();
    test_other_devices();
    test_adopt();
    return 0;
}
