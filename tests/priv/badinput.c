/* SPDX-License-Identifier: MIT */
/* Every bad input gets its own error and leaves the system as it was: the kernel's list of
 * links and addresses is compared before and after. */
#include "icmp.h"
#include "netns.h"
#include "test.h"
#include "veiltun.h"

static char before[8192];

static void snapshot(void)
{
    snprintf(before, sizeof(before), "%s",
             sh_out("ip -j addr show | jq -c '[.[] | {ifname, mtu, flags, addr_info: "
                    "[.addr_info[] | {local, prefixlen}]}]'"));
}

static void unchanged(const char *what)
{
    const char *now = sh_out("ip -j addr show | jq -c '[.[] | {ifname, mtu, flags, addr_info: "
                             "[.addr_info[] | {local, prefixlen}]}]'");

    if (strcmp(now, before) != 0)
        TEST_FAIL("%s changed the system:\nbefore %s\nafter  %s", what, before, now);
}

static int open_named(const char *name, uint32_t flags)
{
    veiltun_config cfg;
    veiltun *dev;
    int err;

    veiltun_config_init(&cfg);
    cfg.name = name;
    cfg.flags = flags;
    err = veiltun_open(&cfg, &dev);
    if (err == 0)
        veiltun_close(dev);
    return err;
}

static void test_open_inputs(void)
{
    snapshot();
    ASSERT_EQ(open_named("", 0), VEILTUN_EBADNAME);
    ASSERT_EQ(open_named("vt3456789012345x", 0), VEILTUN_ENAMETOOLONG);
    ASSERT_EQ(open_named("vt/0", 0), VEILTUN_EBADNAME);
    ASSERT_EQ(open_named("vt 0", 0), VEILTUN_EBADNAME);
    ASSERT_EQ(open_named("vt:0", 0), VEILTUN_EBADNAME);
    ASSERT_EQ(open_named("\xff\xfe", 0), VEILTUN_EBADNAME);
    ASSERT_EQ(open_named("vt0", 0x100), VEILTUN_EBADFLAGS);
    ASSERT_EQ(veiltun_open(NULL, NULL), VEILTUN_EINVAL);
    unchanged("bad open arguments");
}

static void test_config_inputs(veiltun *dev)
{
    snapshot();
    ASSERT_EQ(veiltun_add_address(dev, "10.0.0/24"), VEILTUN_EBADADDR);
    ASSERT_EQ(veiltun_add_address(dev, "10.0.0.1/"), VEILTUN_EBADADDR);
    ASSERT_EQ(veiltun_add_address(dev, "10.0.0.1/x"), VEILTUN_EBADADDR);
    ASSERT_EQ(veiltun_add_address(dev, "1.2.3.4.5/8"), VEILTUN_EBADADDR);
    ASSERT_EQ(veiltun_add_address(dev, "10.0.0.1/33"), VEILTUN_EBADPREFIX);
    ASSERT_EQ(veiltun_add_address(dev, "fd00::1/129"), VEILTUN_EBADPREFIX);
    ASSERT_EQ(veiltun_add_address(dev, NULL), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_add_route(dev, "10.9.0.1/24", NULL, 0), VEILTUN_EHOSTBITS);
    ASSERT_EQ(veiltun_add_route(dev, "fd00:9::1/64", NULL, 0), VEILTUN_EHOSTBITS);
    ASSERT_EQ(veiltun_set_mtu(dev, 0), VEILTUN_EBADMTU);
    ASSERT_EQ(veiltun_set_mtu(dev, 67), VEILTUN_EBADMTU);
    ASSERT_EQ(veiltun_set_mtu(dev, 65536), VEILTUN_EBADMTU);
    unchanged("bad configuration arguments");
}

static void test_packet_inputs(veiltun *dev)
{
    static unsigned char big[1501], buf[64];
    unsigned char notip[40] = {0};
    veiltun_stats st;
    int pid, n;

    big[0] = 0x45;
    ASSERT_EQ(veiltun_write(dev, big, sizeof(big)), VEILTUN_EMSGSIZE); /* MTU 1500 */
    ASSERT_EQ(veiltun_write(dev, notip, sizeof(notip)), VEILTUN_EBADPACKET);
    ASSERT_EQ(veiltun_write(dev, big, 10), VEILTUN_EBADPACKET); /* shorter than a header */
    ASSERT_EQ(veiltun_write(dev, NULL, 40), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_write(dev, big, 0), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_read(dev, buf, 0), VEILTUN_EINVAL);
    ASSERT_OK(veiltun_get_stats(dev, &st, sizeof(st)));
    ASSERT_EQ(st.tx_dropped, 3);
    ASSERT_EQ(st.tx_packets, 0);
    /* A packet longer than the buffer: its own error, and counted as dropped. */
    pid = spawn("ping -c 1 -W 1 -s 200 10.60.0.2 >/dev/null 2>&1");
    n = VEILTUN_EAGAIN;
    for (int round = 0; round < 30 && n != VEILTUN_EMSGSIZE; round++) {
        veiltun_event ev;
        veiltun_wait(dev, 100);
        while (veiltun_next_event(dev, &ev) == 0) /* our own set-up, level-triggered */
            ;
        n = veiltun_read(dev, buf, sizeof(buf));
        while (n > 0 && (buf[0] >> 4) == 6) /* IPv6 chatter the kernel may send first */
            n = veiltun_read(dev, buf, sizeof(buf));
    }
    ASSERT_EQ(n, VEILTUN_EMSGSIZE);
    reap(pid, 3000);
    ASSERT_OK(veiltun_get_stats(dev, &st, sizeof(st)));
    ASSERT_EQ(st.rx_dropped, 1);
}

int main(void)
{
    veiltun_config cfg;
    veiltun *dev;

    test_netns_enter("bad");
    test_open_inputs();
    veiltun_config_init(&cfg);
    cfg.name = "vtbad0";
    ASSERT_OK(veiltun_open(&cfg, &dev));
    ASSERT_OK(veiltun_add_address(dev, "10.60.0.1/24"));
    ASSERT_OK(veiltun_set_up(dev, 1));
    test_config_inputs(dev);
    test_packet_inputs(dev);
    veiltun_close(dev);
    return 0;
}
