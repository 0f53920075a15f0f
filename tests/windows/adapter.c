/* SPDX-License-Identifier: MIT */
/* Adapters as real Wintun makes them: create and open by name (case-insensitively, present
 * Wintun adapters only, ERROR_NOT_FOUND with an ERROR log line when absent), one live session
 * per adapter, the rename of whatever interface holds the alias, a disabled adapter's 15 s
 * stall, crash leftovers, capacity and stable GUIDs. */
#include "recorder.h"
#include "test.h"
#include "veiltun.h"

typedef void *(WINAPI *create_fn)(const WCHAR *, const WCHAR *, const GUID *);
typedef void(WINAPI *close_fn)(void *);

static struct {
    int errors, debug_expected;
    char last[512];
} logged;

static void capture(veiltun_log_level level, const char *msg, void *userdata)
{
    (void)userdata;
    if (level == VEILTUN_LOG_ERROR)
        logged.errors++;
    if (level == VEILTUN_LOG_DEBUG && strstr(msg, "expected") != NULL)
        logged.debug_expected++;
    snprintf(logged.last, sizeof(logged.last), "%s", msg);
}

static void no_violations(void)
{
    char what[160] = "";

    if (dbl.violations(what, sizeof(what)) != 0)
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

static int adapters(void)
{
    return dbl.adapters(0, NULL, 0, NULL);
}

static void test_create_open_same_name(void)
{
    struct wintun_test_iface row;
    veiltun *a, *b;
    WCHAR name[128];

    memset(&logged, 0, sizeof(logged));
    ASSERT_OK(open_named("veil0", VEILTUN_OPEN_CREATE, 0, &a));
    ASSERT_EQ(veiltun_created(a), 1);
    ASSERT_STREQ(veiltun_get_name(a), "veil0");
    ASSERT_TRUE(dbl.by_alias(L"veil0", &row));
    ASSERT_EQ(veiltun_get_index(a), (int)row.index);
    /* The open-then-create probe found nothing, as expected: Wintun's ERROR line about it
     * reaches the logger at DEBUG, not as an error. */
    ASSERT_EQ(logged.errors, 0);
    ASSERT_EQ(logged.debug_expected, 1);
    /* Create-only on a taken name (in any case): a clear error, nothing renamed. */
    ASSERT_EQ(open_named("veil0", VEILTUN_OPEN_CREATE, 0, &b), VEILTUN_EEXIST);
    ASSERT_EQ(open_named("VEIL0", VEILTUN_OPEN_CREATE, 0, &b), VEILTUN_EEXIST);
    ASSERT_EQ(adapters(), 1);
    ASSERT_EQ(dbl.adapters(0, name, 128, NULL), 1);
    ASSERT_TRUE(wcscmp(name, L"veil0") == 0);
    /* Attaching while this handle holds the adapter's only session: the driver refuses a
     * second ring registration (1247); "in use", as on Linux, and nothing renamed. */
    ASSERT_EQ(open_named("veil0", VEILTUN_OPEN_CREATE_OR_ATTACH, 0, &b), VEILTUN_EBUSY);
    ASSERT_EQ(veiltun_last_os_error(), ERROR_ALREADY_INITIALIZED);
    ASSERT_EQ(open_named("veil0", VEILTUN_OPEN_ATTACH, 0, &b), VEILTUN_EBUSY);
    ASSERT_EQ(adapters(), 1);
    ASSERT_TRUE(dbl.has_session(L"veil0")); /* the owner's session is untouched */
    veiltun_close(a);
    /* Closing the creator removed it; attaching to nothing is ENODEV, Wintun's code kept. */
    ASSERT_EQ(adapters(), 0);
    memset(&logged, 0, sizeof(logged));
    ASSERT_EQ(open_named("absent", VEILTUN_OPEN_ATTACH, 0, &a), VEILTUN_ENODEV);
    ASSERT_EQ(veiltun_last_os_error(), ERROR_NOT_FOUND);
    ASSERT_GE(logged.errors, 1); /* here the missing adapter is the caller's problem */
}

/* An adapter another program created and left without a session can be attached to. */
static void test_attach_foreign_process_adapter(create_fn create, close_fn close_adapter)
{
    void *other = create(L"shared0", L"other", NULL);
    veiltun *a;

    ASSERT_TRUE(other != NULL);
    ASSERT_OK(open_named("SHARED0", VEILTUN_OPEN_ATTACH, 0, &a)); /* case-insensitive */
    ASSERT_EQ(veiltun_created(a), 0);
    veiltun_close(a);
    ASSERT_EQ(adapters(), 1); /* attaching never removes */
    close_adapter(other);
}

/* The alias held by an interface that is no Wintun adapter: Wintun would rename it. */
static void test_foreign_alias(void)
{
    struct wintun_test_iface row;
    uint64_t luid;
    veiltun *a;

    ASSERT_TRUE(dbl.add_foreign(L"Ethernet", 6, &luid));
    ASSERT_EQ(open_named("ethernet", VEILTUN_OPEN_CREATE_OR_ATTACH, 0, &a), VEILTUN_ENOTTUN);
    ASSERT_EQ(open_named("Ethernet", VEILTUN_OPEN_CREATE, 0, &a), VEILTUN_ENOTTUN);
    ASSERT_EQ(open_named("Ethernet", VEILTUN_OPEN_ATTACH, 0, &a), VEILTUN_ENOTTUN);
    ASSERT_EQ(adapters(), 0);
    ASSERT_TRUE(dbl.by_luid(luid, &row));
    ASSERT_TRUE(wcscmp(row.alias, L"Ethernet") == 0); /* not "Ethernet 1" */
    ASSERT_TRUE(dbl.remove_foreign(luid));
}

/* An existing adapter whose device is disabled: Wintun's open waits for it, then fails with
 * WAIT_TIMEOUT. That is returned; a create now would rename the disabled adapter. */
static void test_disabled(create_fn create, close_fn close_adapter)
{
    void *other = create(L"slow0", L"other", NULL);
    veiltun *a;

    ASSERT_TRUE(other != NULL);
    dbl.set_device_timeout(300);
    dbl.set_disabled(L"slow0", TRUE);
    ASSERT_EQ(open_named("slow0", VEILTUN_OPEN_CREATE_OR_ATTACH, 0, &a), VEILTUN_ETIMEDOUT);
    ASSERT_EQ(veiltun_last_os_error(), WAIT_TIMEOUT);
    ASSERT_EQ(adapters(), 1);
    ASSERT_EQ(open_named("slow0", VEILTUN_OPEN_CREATE, 0, &a), VEILTUN_ETIMEDOUT);
    ASSERT_EQ(adapters(), 1);
    dbl.set_disabled(L"slow0", FALSE);
    dbl.set_device_timeout(15000);
    close_adapter(other);
}

/* The first create after a crashed run fails after Wintun's device timeout while Windows
 * clears the old node (ERROR_ALREADY_EXISTS, then ERROR_FILE_NOT_FOUND in the field): tried
 * again, once a second, for a bounded time. */
static void test_leftovers_and_errors(void)
{
    veiltun *a;
    ULONGLONG t0;

    dbl.fail_next("WintunCreateAdapter", ERROR_ALREADY_EXISTS, 200);
    dbl.fail_next("WintunCreateAdapter", ERROR_FILE_NOT_FOUND, 200);
    ASSERT_OK(open_named("veil1", VEILTUN_OPEN_CREATE, 0, &a));
    veiltun_close(a);
    /* Still failing after the 15 s budget: the last code, not an endless wait. */
    t0 = GetTickCount64();
    for (int i = 0; i < 4; i++)
        dbl.fail_next("WintunCreateAdapter", ERROR_ALREADY_EXISTS, 4000);
    ASSERT_EQ(open_named("veil1", VEILTUN_OPEN_CREATE, 0, &a), VEILTUN_EEXIST);
    ASSERT_EQ(veiltun_last_os_error(), ERROR_ALREADY_EXISTS);
    ASSERT_LT(GetTickCount64() - t0, 60000); /* bounded (a loose bound: not a speed test) */
    ASSERT_EQ(adapters(), 0);
    /* Not elevated: "needs Administrator", not retried. */
    dbl.fail_next("WintunCreateAdapter", ERROR_ACCESS_DENIED, 0);
    ASSERT_EQ(open_named("veil1", VEILTUN_OPEN_CREATE, 0, &a), VEILTUN_EPERM);
    ASSERT_TRUE(strstr(veiltun_strerror(VEILTUN_EPERM), "Administrator") != NULL);
    ASSERT_EQ(veiltun_last_os_error(), ERROR_ACCESS_DENIED);
    /* A failed session start undoes the adapter. */
    dbl.fail_next("WintunStartSession", ERROR_NOT_ENOUGH_MEMORY, 0);
    ASSERT_EQ(open_named("veil1", VEILTUN_OPEN_CREATE, 0, &a), VEILTUN_ENOMEM);
    ASSERT_EQ(adapters(), 0);
    /* So does a failed IP Helper registration. */
    rec.fail_notify = ERROR_NOT_SUPPORTED;
    ASSERT_EQ(open_named("veil1", VEILTUN_OPEN_CREATE, 0, &a), VEILTUN_ENOTSUP);
    ASSERT_EQ(adapters(), 0);
    no_violations();
}

static void test_capacity(void)
{
    veiltun *a;
    veiltun_stats st;

    ASSERT_EQ(open_named("veil2", VEILTUN_OPEN_CREATE, 0x30000, &a), VEILTUN_EINVAL);
    ASSERT_EQ(open_named("veil2", VEILTUN_OPEN_CREATE, 0x8000000, &a), VEILTUN_EINVAL);
    ASSERT_EQ(adapters(), 0);
    ASSERT_OK(open_named("veil2", VEILTUN_OPEN_CREATE, 0x20000, &a));
    ASSERT_EQ(dbl.capacity(L"veil2"), 0x20000);
    veiltun_close(a);
    ASSERT_OK(open_named("veil2", VEILTUN_OPEN_CREATE, 0, &a));
    ASSERT_EQ(dbl.capacity(L"veil2"), VEILTUN_RING_DEFAULT);
    ASSERT_EQ(VEILTUN_RING_DEFAULT, 0x800000u); /* wireguard-go's ring size too */
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
    dbl.adapters(0, NULL, 0, &g1);
    veiltun_close(a);
    ASSERT_OK(open_named("office", VEILTUN_OPEN_CREATE, 0, &a));
    dbl.adapters(0, NULL, 0, &g2);
    veiltun_close(a);
    ASSERT_OK(open_named("home", VEILTUN_OPEN_CREATE, 0, &a));
    dbl.adapters(0, NULL, 0, &g3);
    veiltun_close(a);
    ASSERT_EQ(memcmp(&g1, &g2, sizeof(g1)), 0); /* stable: one network profile */
    ASSERT_NE(memcmp(&g1, &g3, sizeof(g1)), 0);
    ASSERT_EQ(g1.Data3 >> 12, 8); /* an RFC 9562 version-8 GUID */
    veiltun_config_init(&cfg);
    cfg.name = "office";
    cfg.guid = given;
    ASSERT_OK(veiltun_open(&cfg, &a));
    dbl.adapters(0, NULL, 0, &g1);
    ASSERT_EQ(memcmp(&g1, given, 16), 0);
    veiltun_close(a);
}

int main(void)
{
    HMODULE m;
    create_fn create;
    close_fn close_adapter;
    FARPROC f;

    recorder_install();
    recorder_use_in_backend();
    veiltun_set_logger(capture, NULL);
    m = GetModuleHandleW(L"wintun.dll");
    ASSERT_TRUE(m != NULL);
    f = GetProcAddress(m, "WintunCreateAdapter");
    memcpy(&create, &f, sizeof(f));
    f = GetProcAddress(m, "WintunCloseAdapter");
    memcpy(&close_adapter, &f, sizeof(f));
    test_create_open_same_name();
    test_attach_foreign_process_adapter(create, close_adapter);
    test_foreign_alias();
    test_disabled(create, close_adapter);
    test_leftovers_and_errors();
    test_capacity();
    test_guid();
    no_violations();
    return 0;
}
