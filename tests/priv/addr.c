/* SPDX-License-Identifier: MIT */
/* Addresses, IPv4 and IPv6, several per device, as the kernel sees them. */
#include "netns.h"
#include "test.h"
#include "veiltun.h"

/* Does the kernel list this address (and prefix length) on the device? */
static int kernel_has(const char *addr, int prefix)
{
    return sh_num("ip -j addr show dev vtaddr0 | jq '[.[0].addr_info[] | select(.local == \"%s\" "
                  "and .prefixlen == %d)] | length'",
                  addr, prefix) == 1;
}

static int listed(const veiltun_prefix *p, int n, const char *text)
{
    char buf[VEILTUN_PREFIX_STRLEN];

    for (int i = 0; i < n; i++) {
        veiltun_format_prefix(&p[i], buf, sizeof(buf));
        if (strcmp(buf, text) == 0)
            return 1;
    }
    return 0;
}

int main(void)
{
    static const char *const addrs[] = {"10.40.0.1/24", "10.41.0.1/16", "fd00:40::1/64",
                                        "fd00:41::1/112"};
    veiltun_config cfg;
    veiltun_prefix got[16];
    veiltun *dev;
    int n;

    test_netns_enter("addr");
    veiltun_config_init(&cfg);
    cfg.name = "vtaddr0";
    ASSERT_OK(veiltun_open(&cfg, &dev));
    for (size_t i = 0; i < 4; i++)
        ASSERT_OK(veiltun_add_address(dev, addrs[i]));
    ASSERT_TRUE(kernel_has("10.40.0.1", 24));
    ASSERT_TRUE(kernel_has("10.41.0.1", 16));
    ASSERT_TRUE(kernel_has("fd00:40::1", 64));
    ASSERT_TRUE(kernel_has("fd00:41::1", 112));
    /* IPv6 addresses skip duplicate address detection: usable at once, never "tentative". */
    ASSERT_EQ(sh_num("ip -j addr show dev vtaddr0 | jq '[.[0].addr_info[] | select(.tentative)] "
                     "| length'"),
              0);
    /* Our list agrees with the kernel's (which may add a link-local address). */
    n = veiltun_get_addresses(dev, got, 16);
    ASSERT_EQ(n, sh_num("ip -j addr show dev vtaddr0 | jq '.[0].addr_info | length'"));
    for (size_t i = 0; i < 4; i++)
        ASSERT_TRUE(listed(got, n, addrs[i]));
    ASSERT_EQ(veiltun_get_addresses(dev, NULL, 0), n); /* counting only */
    ASSERT_EQ(veiltun_get_addresses(dev, got, 1), n);  /* truncated, still the full count */
    ASSERT_EQ(veiltun_query_addresses("vtaddr0", got, 16), n);
    /* Duplicates, and removing what is not there. */
    ASSERT_EQ(veiltun_add_address(dev, "10.40.0.1/24"), VEILTUN_EEXIST);
    ASSERT_EQ(veiltun_add_address(dev, "fd00:40::1/64"), VEILTUN_EEXIST);
    ASSERT_EQ(veiltun_del_address(dev, "10.99.0.1/24"), VEILTUN_EADDRNOTAVAIL);
    ASSERT_EQ(veiltun_del_address(dev, "fd00:99::1/64"), VEILTUN_EADDRNOTAVAIL);
    /* Removing takes exactly that one. */
    ASSERT_OK(veiltun_del_address(dev, "10.40.0.1/24"));
    ASSERT_OK(veiltun_del_address(dev, "fd00:40::1/64"));
    ASSERT_TRUE(!kernel_has("10.40.0.1", 24));
    ASSERT_TRUE(!kernel_has("fd00:40::1", 64));
    ASSERT_TRUE(kernel_has("10.41.0.1", 16));
    ASSERT_TRUE(kernel_has("fd00:41::1", 112));
    ASSERT_EQ(veiltun_get_addresses(dev, got, 16), n - 2);
    veiltun_close(dev);
    return 0;
}
