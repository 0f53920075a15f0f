/* SPDX-License-Identifier: MIT */
/* Without CAP_NET_ADMIN: one clear error that says what is needed, and nothing created. */
#include "netns.h"
#include "test.h"
#include "veiltun.h"

int main(void)
{
    veiltun_config cfg;
    veiltun *dev;

    test_netns_enter("noperm");
    drop_net_admin();
    veiltun_config_init(&cfg);
    cfg.name = "vtnp0";
    ASSERT_EQ(veiltun_open(&cfg, &dev), VEILTUN_EPERM);
    ASSERT_TRUE(dev == NULL);
    ASSERT_TRUE(strstr(veiltun_strerror(VEILTUN_EPERM), "CAP_NET_ADMIN") != NULL);
    ASSERT_NE(veiltun_last_os_error(), 0);
    ASSERT_TRUE(!link_exists("vtnp0"));
    /* Looking needs no privilege. */
    ASSERT_EQ(veiltun_list(NULL, 0), 0);
    return 0;
}
