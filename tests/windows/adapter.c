/* Adapters: create, open, the same-name rule, crash leftovers, capacity, stable GUIDs. */
#include "double.h"
#include "recorder.h"
#include "test.h"
#include "veiltun.h"

static struct wintun_double d;

static void no_violations(void)
{
    char what[160] = "";

    if (d.violations(what, sizeof(what)) != 0)
        TEST_FAIL("the double saw misuse: %s", what);
}

static int open_named(const char *name, veiltun_open_mode mode, uint32_t cap, veiltun **dev)
{
    veiltun_config cfg;

    veiltun_config_init(&cfg);
    cfg.name = name;
    cfg.mode = mode;
    cfg.ring_capacity = cap;
    return veiltun_open(&cfg, dev);
}

static void test_create_open_same_name(void)
{
    veiltun *a, *b;
    WCHAR name[128];

    ASSERT_OK(open_named("veil0", VEILTUN_OPEN_CREATE, 0, &a));
    ASSERT_EQ(veiltun_created(a), 1);
    ASSERT_STREQ(veiltun_get_name(a), "veil0");
    ASSERT_EQ(veiltun_get_index(a), 42);
    /* Create-only on a taken name: a clear error, and the other adapter is not renamed. */
    ASSERT_EQ(open_named("veil0", VEILTUN_OPEN_CREATE, 0, &b), VEILTUN_EEXIST);
    ASSERT_EQ(d.adapters(0, name, 128, NULL), 1);
    ASSERT_TRUE(wcscmp(name, L"veil0") == 0);
    /* Create-or-attach reuses it. */
    ASSERT_OK(open_named("veil0", VEILTUN_OPEN_CREATE_OR_ATTACH, 0, &b));
    ASSERT_EQ(veiltun_created(b), 0);
    ASSERT_EQ(d.adapters(0, NULL, 0, NULL), 1);
    veiltun_close(b);
    veiltun_close(a);
    /* Closing the creator removed it. */
    ASSERT_EQ(d.adapters(0, NULL, 0, NULL), 0);
    ASSERT_EQ(open_named("absent", VEILTUN_OPEN_ATTACH, 0, &a), VEILTUN_ENODEV);
}

static void test_leftovers_and_errors(void)
{
    veiltun *a;

    /* A crashed run's leftover makes the first create fail: the retry succeeds. */
    d.fail_next("WintunCreateAdapter", ERROR_ALREADY_EXISTS);
    ASSERT_OK(open_named("veil1", VEILTUN_OPEN_CREATE, 0, &a));
    veiltun_close(a);
    /* Not elevated: "needs Administrator", not retried. */
    d.fail_next("WintunCreateAdapter", ERROR_ACCESS_DENIED);
    ASSERT_EQ(open_named("veil1", VEILTUN_OPEN_CREATE, 0, &a), VEILTUN_EPERM);
    ASSERT_TRUE(strstr(veiltun_strerror(VEILTUN_EPERM), "Administrator") != NULL);
    ASSERT_EQ(veiltun_last_os_error(), ERROR_ACCESS_DENIED);
    /* A failed session start undoes the adapter. */
    d.fail_next("WintunStartSession", ERROR_NOT_ENOUGH_MEMORY);
    ASSERT_EQ(open_named("veil1", VEILTUN_OPEN_CREATE, 0, &a), VEILTUN_ENOMEM);
    ASSERT_EQ(d.adapters(0, NULL, 0, NULL), 0);
    /* So does a failed IP Helper registration. */
    rec.fail_notify = ERROR_NOT_SUPPORTED;
    ASSERT_EQ(open_named("veil1", VEILTUN_OPEN_CREATE, 0, &a), VEILTUN_ENOTSUP);
    ASSERT_EQ(d.adapters(0, NULL, 0, NULL), 0);
    no_violations();
}

static void test_capacity(void)
{
    veiltun *a;
    veiltun_stats st;

    ASSERT_EQ(open_named("veil2", VEILTUN_OPEN_CREATE, 0x30000, &a), VEILTUN_EINVAL);
    ASSERT_EQ(open_named("veil2", VEILTUN_OPEN_CREATE, 0x8000000, &a), VEILTUN_EINVAL);
    ASSERT_EQ(d.adapters(0, NULL, 0, NULL), 0);
    ASSERT_OK(open_named("veil2", VEILTUN_OPEN_CREATE, 0x20000, &a));
    ASSERT_EQ(d.capacity(), 0x20000);
    veiltun_close(a);
    ASSERT_OK(open_named("veil2", VEILTUN_OPEN_CREATE, 0, &a));
    ASSERT_EQ(d.capacity(), VEILTUN_RING_DEFAULT);
    ASSERT_OK(veiltun_get_stats(a, &st, sizeof(st)));
    ASSERT_EQ(st.ring_capacity, VEILTUN_RING_DEFAULT);
    veiltun_close(a);
}

static void test_guid(void)
{
    static const uint8_t given[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    veiltun_config cfg;
    veiltun *a;
    GUID g1, g2, g3;

    ASSERT_OK(open_named("office", VEILTUN_OPEN_CREATE, 0, &a));
    d.adapters(0, NULL, 0, &g1);
    veiltun_close(a);
    ASSERT_OK(open_named("office", VEILTUN_OPEN_CREATE, 0, &a));
    d.adapters(0, NULL, 0, &g2);
    veiltun_close(a);
    ASSERT_OK(open_named("home", VEILTUN_OPEN_CREATE, 0, &a));
    d.adapters(0, NULL, 0, &g3);
    veiltun_close(a);
    ASSERT_EQ(memcmp(&g1, &g2, sizeof(g1)), 0); /* stable: one network profile */
    ASSERT_NE(memcmp(&g1, &g3, sizeof(g1)), 0);
    ASSERT_EQ(g1.Data3 >> 12, 8); /* an RFC 9562 version-8 GUID */
    veiltun_config_init(&cfg);
    cfg.name = "office";
    cfg.guid = given;
    ASSERT_OK(veiltun_open(&cfg, &a));
    d.adapters(0, NULL, 0, &g1);
    ASSERT_EQ(memcmp(&g1, given, 16), 0);
    veiltun_close(a);
}

int main(void)
{
    double_load(&d);
    recorder_install();
    test_create_open_same_name();
    test_leftovers_and_errors();
    test_capacity();
    test_guid();
    no_violations();
    return 0;
}
