/* SPDX-License-Identifier: MIT */
/* Routes into the device, IPv4 and IPv6, with and without gateway and metric. */
#include "netns.h"
#include "test.h"
#include "veiltun.h"

static long routes(int v6, const char *dst, const char *filter)
{
    return sh_num("ip %s -j route show dev vtrt0 | jq '[.[] | select(.dst == \"%s\"%s)] | length'",
                  v6 ? "-6" : "", dst, filter);
}

int main(void)
{
    veiltun_config cfg;
    veiltun *dev;

    test_netns_enter("route");
    veiltun_config_init(&cfg);
    cfg.name = "vtrt0";
    ASSERT_OK(veiltun_open(&cfg, &dev));
    ASSERT_OK(veiltun_add_address(dev, "10.50.0.1/24"));
    ASSERT_OK(veiltun_add_address(dev, "fd00:50::1/64"));
    ASSERT_OK(veiltun_set_up(dev, 1));

    ASSERT_OK(veiltun_add_route(dev, "192.0.2.0/24", NULL, 0));
    ASSERT_EQ(routes(0, "192.0.2.0/24", " and .scope == \"link\""), 1);
    ASSERT_OK(veiltun_add_route(dev, "198.51.100.0/24", "10.50.0.2", 77));
    ASSERT_EQ(routes(0, "198.51.100.0/24", " and .gateway == \"10.50.0.2\" and .metric == 77"), 1);
    ASSERT_OK(veiltun_add_route(dev, "0.0.0.0/0", "10.50.0.2", 500));
    ASSERT_EQ(routes(0, "default", " and .metric == 500"), 1);
    ASSERT_OK(veiltun_add_route(dev, "2001:db8:1::/48", NULL, 0));
    ASSERT_EQ(routes(1, "2001:db8:1::/48", ""), 1);
    ASSERT_OK(veiltun_add_route(dev, "2001:db8:2::/48", "fd00:50::2", 42));
    ASSERT_EQ(routes(1, "2001:db8:2::/48", " and .gateway == \"fd00:50::2\" and .metric == 42"), 1);

    ASSERT_EQ(veiltun_add_route(dev, "192.0.2.0/24", NULL, 0), VEILTUN_EEXIST);
    ASSERT_EQ(veiltun_add_route(dev, "203.0.113.0/24", "172.16.0.1", 0), VEILTUN_ENETUNREACH);
    ASSERT_EQ(veiltun_add_route(dev, "203.0.113.0/24", "fd00:50::2", 0), VEILTUN_EFAMILY);
    ASSERT_EQ(veiltun_add_route(dev, "203.0.113.1/24", NULL, 0), VEILTUN_EHOSTBITS);
    ASSERT_EQ(routes(0, "203.0.113.0/24", ""), 0);

    ASSERT_OK(veiltun_del_route(dev, "192.0.2.0/24", NULL, 0));
    ASSERT_EQ(routes(0, "192.0.2.0/24", ""), 0);
    ASSERT_OK(veiltun_del_route(dev, "198.51.100.0/24", "10.50.0.2", 77));
    ASSERT_OK(veiltun_del_route(dev, "0.0.0.0/0", "10.50.0.2", 500));
    ASSERT_EQ(routes(0, "default", ""), 0);
    ASSERT_OK(veiltun_del_route(dev, "2001:db8:2::/48", "fd00:50::2", 42));
    ASSERT_EQ(routes(1, "2001:db8:2::/48", ""), 0);
    ASSERT_EQ(routes(1, "2001:db8:1::/48", ""), 1);
    ASSERT_EQ(veiltun_del_route(dev, "192.0.2.0/24", NULL, 0), VEILTUN_ENOENT);
    ASSERT_EQ(veiltun_del_route(dev, "2001:db8:9::/48", NULL, 0), VEILTUN_ENOENT);
    veiltun_close(dev);
    return 0;
}
