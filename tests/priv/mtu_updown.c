/* SPDX-License-Identifier: MIT */
/* MTU and up/down, set by us and read back from the kernel, and the other way round. */
#include "netns.h"
#include "test.h"
#include "veiltun.h"

static int kernel_up(void)
{
    return sh("ip -j link show dev vtmtu0 | jq -e '.[0].flags | index(\"UP\")' >/dev/null") == 0;
}

int main(void)
{
    veiltun_config cfg;
    veiltun_info info;
    veiltun *dev;

    test_netns_enter("mtu");
    veiltun_config_init(&cfg);
    cfg.name = "vtmtu0";
    ASSERT_OK(veiltun_open(&cfg, &dev));
    ASSERT_EQ(veiltun_get_mtu(dev), 1500);
    ASSERT_OK(veiltun_set_mtu(dev, 1420));
    ASSERT_EQ(sh_num("ip -j link show dev vtmtu0 | jq '.[0].mtu'"), 1420);
    ASSERT_EQ(veiltun_get_mtu(dev), 1420);
    ASSERT_OK(veiltun_set_mtu(dev, 68));
    ASSERT_OK(veiltun_set_mtu(dev, 65535));
    ASSERT_EQ(sh_num("ip -j link show dev vtmtu0 | jq '.[0].mtu'"), 65535);
    /* Someone else changes it: we read the kernel, not a cache. */
    ASSERT_EQ(sh("ip link set dev vtmtu0 mtu 1280"), 0);
    ASSERT_EQ(veiltun_get_mtu(dev), 1280);

    ASSERT_EQ(veiltun_is_up(dev), 0);
    ASSERT_TRUE(!kernel_up());
    ASSERT_OK(veiltun_set_up(dev, 1));
    ASSERT_TRUE(kernel_up());
    ASSERT_EQ(veiltun_is_up(dev), 1);
    ASSERT_OK(veiltun_set_up(dev, 0));
    ASSERT_TRUE(!kernel_up());
    ASSERT_EQ(sh("ip link set dev vtmtu0 up"), 0);
    ASSERT_EQ(veiltun_is_up(dev), 1);
    /* The same through the no-attach query, which also sees that we hold it. */
    ASSERT_OK(veiltun_query("vtmtu0", &info));
    ASSERT_EQ(info.mtu, 1280);
    ASSERT_EQ(info.up, 1);
    ASSERT_EQ(info.running, 1);
    ASSERT_EQ(info.index, veiltun_get_index(dev));
    ASSERT_EQ(veiltun_set_metric(dev, 5), VEILTUN_ENOTSUP);
    veiltun_close(dev);
    ASSERT_EQ(veiltun_query("vtmtu0", &info), VEILTUN_ENODEV);
    return 0;
}
