/* SPDX-License-Identifier: MIT */
/* Structures that carry their size: a program built against an older or newer header works
 * with this library. A newer caller's config may be larger (its extra fields zero: accepted;
 * set: refused); a zero-filled config is refused; query, list and next_event fill exactly the
 * caller's size (zero past this version's fields) and list walks the caller's stride. */
#include "netns.h"
#include "test.h"
#include "veiltun.h"

#include <stddef.h>

#define EXTRA 24 /* bytes a "newer header" adds to a structure */

static void test_config(void)
{
    unsigned char buf[sizeof(veiltun_config) + EXTRA];
    veiltun_config *cfg = (veiltun_config *)(void *)buf, zero;
    veiltun *dev = NULL;

    memset(&zero, 0, sizeof(zero));
    zero.name = "vtabi0";
    ASSERT_EQ(veiltun_open(&zero, &dev), VEILTUN_EINVAL); /* not made by config_init */

    memset(buf, 0xAA, sizeof(buf));
    veiltun_config_init_size(cfg, sizeof(buf));
    ASSERT_EQ(cfg->size, sizeof(buf));
    for (size_t i = sizeof(veiltun_config); i < sizeof(buf); i++)
        ASSERT_EQ(buf[i], 0);
    cfg->name = "vtabi0";
    ASSERT_OK(veiltun_open(cfg, &dev)); /* newer caller, new fields at their default */
    ASSERT_STREQ(veiltun_get_name(dev), "vtabi0");
    veiltun_close(dev);
    buf[sizeof(veiltun_config) + 3] = 1; /* sets a field this library lacks */
    ASSERT_EQ(veiltun_open(cfg, &dev), VEILTUN_ENOTSUP);
    ASSERT_TRUE(dev == NULL);

    /* An init with a smaller size writes no byte past it. */
    memset(buf, 0xAA, sizeof(buf));
    veiltun_config_init_size(cfg, offsetof(veiltun_config, mode));
    ASSERT_EQ(buf[offsetof(veiltun_config, mode)], 0xAA);
    ASSERT_EQ(cfg->size, offsetof(veiltun_config, mode));
    ASSERT_EQ(veiltun_open(cfg, &dev), VEILTUN_EINVAL); /* smaller than any version's */
}

static void test_infos(void)
{
    const size_t stride = sizeof(veiltun_info) + EXTRA;
    unsigned char buf[3 * (sizeof(veiltun_info) + EXTRA)];
    veiltun_info small;
    veiltun *a, *b;
    veiltun_config cfg;
    int n;

    veiltun_config_init(&cfg);
    cfg.name = "vtabi1";
    ASSERT_OK(veiltun_open(&cfg, &a));
    cfg.name = "vtabi2";
    ASSERT_OK(veiltun_open(&cfg, &b));
    memset(buf, 0xAA, sizeof(buf));
    n = veiltun_list_size((veiltun_info *)(void *)buf, 3, stride);
    ASSERT_EQ(n, 2);
    ASSERT_STREQ(((veiltun_info *)(void *)buf)->name, "vtabi1");
    ASSERT_STREQ(((veiltun_info *)(void *)(buf + stride))->name, "vtabi2");
    for (size_t i = sizeof(veiltun_info); i < stride; i++) {
        ASSERT_EQ(buf[i], 0);
        ASSERT_EQ(buf[stride + i], 0);
    }
    ASSERT_EQ(buf[2 * stride], 0xAA); /* the third slot untouched */
    memset(buf, 0xAA, sizeof(buf));
    ASSERT_OK(veiltun_query_size("vtabi2", (veiltun_info *)(void *)buf, stride));
    ASSERT_STREQ(((veiltun_info *)(void *)buf)->name, "vtabi2");
    ASSERT_EQ(buf[stride - 1], 0);
    ASSERT_EQ(buf[stride], 0xAA);
    ASSERT_EQ(veiltun_query_size("vtabi2", &small, offsetof(veiltun_info, counters)),
              VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_list_size(NULL, 0, offsetof(veiltun_info, counters)), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_list(NULL, 0), 2);
    veiltun_close(b);

    /* next_event: a newer caller's structure gets zero past this version's fields. */
    unsigned char ev[sizeof(veiltun_event) + EXTRA];
    ASSERT_EQ(sh("ip link set dev vtabi1 mtu 1400"), 0);
    for (int i = 0; i < 50; i++) {
        memset(ev, 0xAA, sizeof(ev));
        if (veiltun_next_event_size(a, (veiltun_event *)(void *)ev, sizeof(ev)) == 0)
            break;
        veiltun_wait(a, 100);
    }
    ASSERT_EQ(((veiltun_event *)(void *)ev)->type, VEILTUN_EVENT_MTU_CHANGED);
    for (size_t i = sizeof(veiltun_event); i < sizeof(ev); i++)
        ASSERT_EQ(ev[i], 0);
    ASSERT_EQ(veiltun_next_event_size(a, (veiltun_event *)(void *)ev, sizeof(veiltun_event) - 1),
              VEILTUN_EINVAL);
    veiltun_close(a);
}

int main(void)
{
    test_netns_enter("abi");
    test_config();
    test_infos();
    return 0;
}
