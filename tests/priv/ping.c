/* SPDX-License-Identifier: MIT */
/* A real round trip: the kernel sends echo requests (from ping) into the device, the test
 * reads them and writes valid replies, and ping must succeed — IPv4 and IPv6, single and
 * batch I/O — with the counters showing the traffic. */
#include "icmp.h"
#include "netns.h"
#include "test.h"

static void round_trip(veiltun *dev, const char *cmd, int batch)
{
    int answered, status = answer_pings(dev, cmd, batch, &answered);

    if (status != 0)
        TEST_FAIL("'%s' failed (status %d) with %s I/O", cmd, status, batch ? "batch" : "single");
    ASSERT_GE(answered, 3);
}

int main(void)
{
    veiltun_config cfg;
    veiltun_stats st;
    veiltun *dev;

    test_netns_enter("ping");
    veiltun_config_init(&cfg);
    cfg.name = "vtping0";
    ASSERT_OK(veiltun_open(&cfg, &dev));
    ASSERT_OK(veiltun_add_address(dev, "10.31.0.1/24"));
    ASSERT_OK(veiltun_add_address(dev, "fd00:31::1/64"));
    ASSERT_OK(veiltun_set_up(dev, 1));
    /* The peers .2 / ::2 are routed into the device; the test answers for them. */
    round_trip(dev, "ping -c 3 -i 0.2 -W 2 10.31.0.2 >/dev/null", 0);
    round_trip(dev, "ping -c 3 -i 0.2 -W 2 10.31.0.2 >/dev/null", 1);
    round_trip(dev, "ping -6 -c 3 -i 0.2 -W 2 fd00:31::2 >/dev/null", 0);
    round_trip(dev, "ping -6 -c 3 -i 0.2 -W 2 fd00:31::2 >/dev/null", 1);
    /* A bigger payload through the batch path. */
    round_trip(dev, "ping -c 3 -i 0.2 -W 2 -s 1400 10.31.0.2 >/dev/null", 1);
    ASSERT_OK(veiltun_get_stats(dev, &st, sizeof(st)));
    ASSERT_GE(st.rx_packets, 15);
    ASSERT_GE(st.tx_packets, 15);
    ASSERT_GE(st.rx_bytes, 15 * 84);
    ASSERT_GE(st.tx_bytes, 15 * 84);
    ASSERT_EQ(st.tx_dropped, 0);
    ASSERT_EQ(st.tx_errors, 0);
    /* The kernel counted the same packets (its rx is our writes). */
    ASSERT_GE(sh_num("ip -j -s link show dev vtping0 | jq '.[0].stats64.rx.packets'"),
              (long)st.tx_packets);
    veiltun_close(dev);
    ASSERT_TRUE(!link_exists("vtping0"));
    return 0;
}
