/* Ring auto-tuning: the policy, and a ring that grows under pressure (and one that is kept). */
#include "double.h"
#include "recorder.h"
#include "test.h"
#include "veiltun.h"
#include "windows/win.h"

static struct wintun_double d;

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

    d.fill_send_ring(TRUE);
    for (int i = 0; i < 10; i++)
        ASSERT_EQ(veiltun_write(dev, pkt, sizeof(pkt)), VEILTUN_ENOBUFS);
    d.fill_send_ring(FALSE);
}

/* The reader looks at the pressure when it wakes after a tuning period. */
static void wake_reader_after_period(void)
{
    BYTE pkt[40] = {0x45};

    Sleep(1100);
    d.inject(pkt, sizeof(pkt));
    Sleep(200);
}

static veiltun *open_with(uint32_t cap)
{
    veiltun_config cfg;
    veiltun *dev;

    veiltun_config_init(&cfg);
    cfg.name = "veil0";
    cfg.ring_capacity = cap;
    ASSERT_OK(veiltun_open(&cfg, &dev));
    return dev;
}

static void test_grows(void)
{
    veiltun *dev = open_with(0);
    veiltun_stats st;
    LONG starts = d.session_starts();

    press(dev);
    wake_reader_after_period();
    veiltun_get_stats(dev, &st, sizeof(st));
    ASSERT_EQ(st.ring_grows, 1);
    ASSERT_EQ(st.ring_capacity, 2 * VEILTUN_RING_DEFAULT);
    ASSERT_EQ(d.capacity(), 2 * VEILTUN_RING_DEFAULT);
    ASSERT_EQ(d.session_starts(), starts + 1);
    /* Still working on the new session. */
    BYTE pkt[40] = {0x45}, out[64];
    ASSERT_EQ(veiltun_write(dev, pkt, sizeof(pkt)), 40);
    ASSERT_EQ(d.take_sent(out, sizeof(out)), 40);
    /* No pressure in the next period: no growth. */
    wake_reader_after_period();
    veiltun_get_stats(dev, &st, sizeof(st));
    ASSERT_EQ(st.ring_grows, 1);
    veiltun_close(dev);
}

static void test_pinned(void)
{
    veiltun *dev = open_with(0x100000);
    veiltun_stats st;

    press(dev);
    wake_reader_after_period();
    veiltun_get_stats(dev, &st, sizeof(st));
    ASSERT_EQ(st.ring_grows, 0);
    ASSERT_EQ(d.capacity(), 0x100000);
    veiltun_close(dev);
}

int main(void)
{
    double_load(&d);
    recorder_install();
    test_policy();
    test_grows();
    test_pinned();
    ASSERT_EQ(d.violations(NULL, 0), 0);
    return 0;
}
