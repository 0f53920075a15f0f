/* Packets through the reader thread and the queue: waiting, order and integrity, batching,
 * spin/sleep, a full send ring, end of file, and the shutdown order. */
#include "double.h"
#include "recorder.h"
#include "test.h"
#include "veiltun.h"

#define PACKETS 100000

static struct wintun_double d;

static veiltun *open_dev(void)
{
    veiltun_config cfg;
    veiltun *dev;

    veiltun_config_init(&cfg);
    cfg.name = "veil0";
    cfg.ring_capacity = VEILTUN_RING_MAX; /* the producer thread may run far ahead */
    ASSERT_OK(veiltun_open(&cfg, &dev));
    return dev;
}

/* A valid-looking IPv4 packet whose bytes encode @p seq. */
static DWORD make_packet(BYTE *p, uint32_t seq, DWORD size)
{
    memset(p, 0, size);
    p[0] = 0x45;
    memcpy(p + 4, &seq, 4);
    for (DWORD k = 20; k < size; k++)
        p[k] = (BYTE)(seq + k);
    return size;
}

static void test_wait_then_retry(veiltun *dev)
{
    BYTE buf[2048], pkt[100];

    ASSERT_EQ(veiltun_read(dev, buf, sizeof(buf)), VEILTUN_EAGAIN);
    ASSERT_EQ(veiltun_wait(dev, 50), VEILTUN_ETIMEDOUT);
    ASSERT_TRUE(d.inject(pkt, make_packet(pkt, 7, sizeof(pkt))));
    ASSERT_TRUE(veiltun_wait(dev, 2000) & VEILTUN_READY_READ);
    ASSERT_EQ(veiltun_read(dev, buf, sizeof(buf)), 100);
    ASSERT_EQ(buf[4], 7);
    ASSERT_EQ(veiltun_read(dev, buf, sizeof(buf)), VEILTUN_EAGAIN);
    /* The handle for callers' loops is the same event. */
    ASSERT_TRUE(d.inject(pkt, make_packet(pkt, 8, sizeof(pkt))));
    ASSERT_EQ(WaitForSingleObject(veiltun_wait_handle(dev), 2000), WAIT_OBJECT_0);
    ASSERT_EQ(veiltun_read(dev, buf, sizeof(buf)), 100);
}

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static DWORD WINAPI producer(void *arg)
{
    BYTE pkt[1600];
    uint32_t seed = 99;

    (void)arg;
    for (uint32_t i = 0; i < PACKETS; i++) {
        DWORD size = make_packet(pkt, i, 20 + rnd(&seed) % 1480);
        for (int tries = 0; !d.inject(pkt, size); tries++) {
            if (tries > 2000000)
                return 1;
            Sleep(0);
        }
    }
    return 0;
}

static void test_many_packets(veiltun *dev)
{
    static BYTE bufs[64][2048];
    veiltun_packet pk[64];
    HANDLE t = CreateThread(NULL, 0, producer, NULL, 0, NULL);
    uint32_t seed = 99, next = 0;
    DWORD exit_code;

    for (int i = 0; i < 64; i++)
        pk[i] = (veiltun_packet){bufs[i], sizeof(bufs[i]), 0, 0};
    for (int rounds = 0; next < PACKETS && rounds < 2000000; rounds++) {
        int n = veiltun_read_batch(dev, pk, 64);
        if (n == VEILTUN_EAGAIN) {
            ASSERT_GT(veiltun_wait(dev, 5000), 0);
            continue;
        }
        ASSERT_GT(n, 0);
        for (int i = 0; i < n; i++, next++) {
            uint32_t seq;
            memcpy(&seq, bufs[i] + 4, 4);
            ASSERT_EQ(seq, next);
            ASSERT_EQ(pk[i].len, 20 + rnd(&seed) % 1480);
            for (size_t k = 20; k < pk[i].len; k++) {
                if (bufs[i][k] != (BYTE)(next + k))
                    TEST_FAIL("packet %u corrupted at byte %zu", next, k);
            }
        }
    }
    ASSERT_EQ(next, PACKETS);
    WaitForSingleObject(t, INFINITE);
    GetExitCodeThread(t, &exit_code);
    ASSERT_EQ(exit_code, 0);
    CloseHandle(t);
}

/* Packets that arrive together are taken in one wake-up, not one each. */
static void test_batch_per_wake(veiltun *dev)
{
    veiltun_stats before, after;
    BYTE pkt[200], buf[2048];
    int got = 0;

    Sleep(300); /* let the reader go to sleep and the rate window close */
    veiltun_get_stats(dev, &before, sizeof(before));
    for (uint32_t i = 0; i < 200; i++)
        ASSERT_TRUE(d.inject(pkt, make_packet(pkt, i, sizeof(pkt))));
    for (int spins = 0; got < 200 && spins < 1000; spins++) {
        if (veiltun_read(dev, buf, sizeof(buf)) > 0)
            got++;
        else
            veiltun_wait(dev, 100);
    }
    ASSERT_EQ(got, 200);
    veiltun_get_stats(dev, &after, sizeof(after));
    /* One wake-up for the burst (plus at most one for the last packets to land). */
    ASSERT_LE(after.reader_sleeps - before.reader_sleeps, 3);
}

/* At a high packet rate the reader spins; at a low one it sleeps each time. */
static void test_spin_policy(veiltun *dev)
{
    veiltun_stats a, b, c;
    BYTE pkt[100], buf[2048];
    int burst;

    Sleep(300); /* a pause ends any burst: the reader starts from a rate of zero */
    veiltun_get_stats(dev, &a, sizeof(a));
    for (int i = 0; i < 10; i++) { /* slow: one packet every 30 ms */
        d.inject(pkt, make_packet(pkt, (uint32_t)i, sizeof(pkt)));
        Sleep(30);
        while (veiltun_read(dev, buf, sizeof(buf)) > 0)
            ;
    }
    veiltun_get_stats(dev, &b, sizeof(b));
    ASSERT_EQ(b.reader_spins, a.reader_spins);
    ASSERT_GE(b.reader_sleeps - a.reader_sleeps, 8);
    /* Fast: bursts back to back, each read as it lands, so the ring is briefly empty
     * between bursts while the rate stays high: the reader spins through the gaps. How
     * soon depends on this machine's speed, so go on until it does (bounded). */
    for (burst = 0; burst < 3000; burst++) {
        for (int i = 0; i < 100; i++)
            d.inject(pkt, make_packet(pkt, (uint32_t)i, sizeof(pkt)));
        while (veiltun_read(dev, buf, sizeof(buf)) > 0)
            ;
        veiltun_get_stats(dev, &c, sizeof(c));
        if (c.reader_spins > b.reader_spins && burst >= 50)
            break;
    }
    ASSERT_GT(c.reader_spins, b.reader_spins);
}

static void test_send_ring_full(veiltun *dev)
{
    BYTE pkt[100], out[2048];
    veiltun_stats st;

    make_packet(pkt, 1, sizeof(pkt));
    ASSERT_EQ(veiltun_write(dev, pkt, sizeof(pkt)), 100);
    ASSERT_EQ(d.take_sent(out, sizeof(out)), 100);
    ASSERT_EQ(memcmp(out, pkt, 100), 0);
    /* Full and staying full: bounded backoff, then the packet is dropped and counted. */
    d.fill_send_ring(TRUE);
    ASSERT_EQ(veiltun_write(dev, pkt, sizeof(pkt)), VEILTUN_ENOBUFS);
    veiltun_get_stats(dev, &st, sizeof(st));
    ASSERT_EQ(st.ring_full, 1);
    ASSERT_EQ(st.tx_dropped, 1);
    ASSERT_EQ(st.tx_errors, 0);
    d.fill_send_ring(FALSE);
    ASSERT_EQ(veiltun_write(dev, pkt, sizeof(pkt)), 100);
    ASSERT_EQ(d.take_sent(out, sizeof(out)), 100);
}

static void test_end_of_file(veiltun *dev)
{
    BYTE buf[2048];
    veiltun_event ev;

    /* Whatever earlier steps left queued is read first: EOF comes after the packets. */
    Sleep(100);
    while (veiltun_read(dev, buf, sizeof(buf)) > 0)
        ;
    d.end_of_file();
    ASSERT_TRUE(veiltun_wait(dev, 2000) > 0);
    ASSERT_EQ(veiltun_read(dev, buf, sizeof(buf)), VEILTUN_ENODEV);
    ASSERT_OK(veiltun_next_event(dev, &ev));
    ASSERT_EQ(ev.type, VEILTUN_EVENT_REMOVED);
    /* buf may still hold a packet read above: make it not one, whatever it held. */
    memset(buf, 0, 40);
    ASSERT_EQ(veiltun_write(dev, buf, 40), VEILTUN_EBADPACKET); /* checked before the ring */
    buf[0] = 0x45;
    memset(buf + 1, 0, 39);
    ASSERT_EQ(veiltun_write(dev, buf, 40), VEILTUN_ENODEV);
}

int main(void)
{
    char what[160] = "";
    veiltun *dev;

    double_load(&d);
    recorder_install();
    dev = open_dev();
    test_wait_then_retry(dev);
    test_many_packets(dev);
    test_batch_per_wake(dev);
    test_spin_policy(dev);
    test_send_ring_full(dev);
    test_end_of_file(dev);
    veiltun_close(dev);
    /* quit -> join reader -> end session -> close adapter: the double saw no misuse. */
    ASSERT_EQ(d.violations(what, sizeof(what)), 0);
    return 0;
}
