/* SPDX-License-Identifier: MIT */
/* Ring growth: the policy; off by default (a fixed 8 MiB ring); with VEILTUN_F_RING_GROW a
 * ring that grows under pressure, which Windows sees as a link flap (the driver reports media
 * disconnected and connected as the rings are unregistered and registered again); and a
 * restart that fails, after which the handle is broken and Wintun is never called without a
 * session. */
#include "recorder.h"
#include "test.h"
#include "veiltun.h"
#include "windows/win.h"

#define ADAPTER L"veil0"

static void test_policy(void)
{
    ASSERT_EQ(veiltun__ring_next_capacity(0x400000, 0, 1), 0);
    ASSERT_EQ(veiltun__ring_next_capacity(0x400000, 7, 1), 0);
    ASSERT_EQ(veiltun__ring_next_capacity(0x400000, 8, 1), 0x800000);
    ASSERT_EQ(veiltun__ring_next_capacity(VEILTUN_RING_MAX, 100, 1), 0); /* at the ceiling */
    ASSERT_EQ(veiltun__ring_next_capacity(0x400000, 100, 0), 0);         /* pinned by the user */
    ASSERT_EQ(veiltun__reader_should_spin(0), 0);
    ASSERT_EQ(veiltun__reader_should_spin(9999), 0);
    ASSERT_EQ(veiltun__reader_should_spin(10000), 1);
}

/* Ten sends into a full ring are ten "ring full" events: pressure. */
static void press(veiltun *dev)
{
    BYTE pkt[40] = {0x45};

    dbl.fill_send_ring(ADAPTER, TRUE);
    for (int i = 0; i < 10; i++)
        ASSERT_EQ(veiltun_write(dev, pkt, sizeof(pkt)), VEILTUN_ENOBUFS);
    dbl.fill_send_ring(ADAPTER, FALSE);
}

/* The reader looks at the pressure when it wakes after a tuning period. */
static void wake_reader_after_period(void)
{
    BYTE pkt[40] = {0x45};

    Sleep(1100);
    dbl.inject(ADAPTER, pkt, sizeof(pkt));
    Sleep(200);
}

static veiltun *open_with(uint32_t cap, uint32_t flags)
{
    veiltun_config cfg;
    veiltun *dev;

    veiltun_config_init(&cfg);
    cfg.name = "veil0";
    cfg.ring_capacity = cap;
    cfg.flags = flags;
    ASSERT_OK(veiltun_open(&cfg, &dev));
    return dev;
}

static uint64_t luid_of_adapter(void)
{
    struct wintun_test_iface row;

    ASSERT_TRUE(dbl.by_alias(ADAPTER, &row));
    return row.luid;
}

static void test_grows(void)
{
    veiltun *dev = open_with(0, VEILTUN_F_RING_GROW);
    uint64_t luid = luid_of_adapter();
    veiltun_stats st;
    LONG starts = dbl.session_starts();
    BYTE pkt[40] = {0x45}, out[64];

    ASSERT_STREQ(recorder_media_history(luid), "U");
    press(dev);
    wake_reader_after_period();
    veiltun_get_stats(dev, &st, sizeof(st));
    ASSERT_EQ(st.ring_grows, 1);
    ASSERT_EQ(st.ring_capacity, 2 * VEILTUN_RING_DEFAULT);
    ASSERT_EQ(dbl.capacity(ADAPTER), 2 * VEILTUN_RING_DEFAULT);
    ASSERT_EQ(dbl.session_starts(), starts + 1);
    /* What Windows saw: the link went down and up. */
    recorder_settle();
    ASSERT_STREQ(recorder_media_history(luid), "UDU");
    /* Still working on the new session. */
    ASSERT_EQ(veiltun_write(dev, pkt, sizeof(pkt)), 40);
    ASSERT_EQ(dbl.take_sent(ADAPTER, out, sizeof(out)), 40);
    /* No pressure in the next period: no growth. */
    wake_reader_after_period();
    veiltun_get_stats(dev, &st, sizeof(st));
    ASSERT_EQ(st.ring_grows, 1);
    veiltun_close(dev);
}

/* The default: the ring is kept, whatever the pressure (no link flaps behind the caller's
 * back); a size the caller sets is kept too. */
static void test_fixed(uint32_t cap)
{
    veiltun *dev = open_with(cap, 0);
    veiltun_stats st;

    press(dev);
    wake_reader_after_period();
    veiltun_get_stats(dev, &st, sizeof(st));
    ASSERT_EQ(st.ring_grows, 0);
    ASSERT_EQ(dbl.capacity(ADAPTER), cap ? cap : VEILTUN_RING_DEFAULT);
    ASSERT_STREQ(recorder_media_history(luid_of_adapter()), "U");
    veiltun_close(dev);
}

/* Growing needs a new session; if neither the larger nor the old size can be registered
 * again, packets were flowing and the reader must not call Wintun with no session (the real
 * DLL would crash; the double ends the process): the handle reports itself broken. */
static void test_restart_fails(void)
{
    veiltun *dev = open_with(0, VEILTUN_F_RING_GROW);
    BYTE pkt[40] = {0x45}, buf[64];
    veiltun_event ev;
    int saw_broken = 0;

    press(dev);
    dbl.fail_next("WintunStartSession", ERROR_NOT_ENOUGH_MEMORY, 0);
    dbl.fail_next("WintunStartSession", ERROR_NOT_ENOUGH_MEMORY, 0);
    Sleep(1100);
    for (int i = 0; i < 50; i++) /* packets flowing while the reader restarts the ring */
        dbl.inject(ADAPTER, pkt, sizeof(pkt));
    for (int i = 0; i < 100 && !saw_broken; i++) {
        while (veiltun_read(dev, buf, sizeof(buf)) > 0)
            ;
        while (veiltun_next_event(dev, &ev) == 0)
            saw_broken |= ev.type == VEILTUN_EVENT_BROKEN;
        if (!saw_broken)
            veiltun_wait(dev, 50);
    }
    ASSERT_TRUE(saw_broken);
    ASSERT_EQ(veiltun_read(dev, buf, sizeof(buf)), VEILTUN_ENOTRECOVERABLE);
    ASSERT_EQ(veiltun_write(dev, pkt, sizeof(pkt)), VEILTUN_ENOTRECOVERABLE);
    ASSERT_TRUE(!dbl.has_session(ADAPTER));
    veiltun_close(dev);
}

int main(void)
{
    recorder_install();
    recorder_use_in_backend();
    test_policy();
    test_grows();
    test_fixed(0);
    test_fixed(0x100000);
    test_restart_fails();
    ASSERT_EQ(dbl.violations(NULL, 0), 0);
    return 0;
}
