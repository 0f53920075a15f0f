/* SPDX-License-Identifier: MIT */
/* Packets through the reader thread and the queue: waiting, order and integrity, batching,
 * spin/sleep, what the driver hands over at the edges (0xFFFF bytes, all zeros), a full send
 * ring, the consumer's queue full, corrupt rings (final), end of file, and close while a
 * write is inside Wintun. */
#include "recorder.h"
#include "test.h"
#include "veiltun.h"

#define PACKETS 100000

#define ADAPTER L"veil0"

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
    ASSERT_TRUE(dbl.inject(ADAPTER, pkt, make_packet(pkt, 7, sizeof(pkt))));
    ASSERT_TRUE(veiltun_wait(dev, 2000) & VEILTUN_READY_READ);
    ASSERT_EQ(veiltun_read(dev, buf, sizeof(buf)), 100);
    ASSERT_EQ(buf[4], 7);
    ASSERT_EQ(veiltun_read(dev, buf, sizeof(buf)), VEILTUN_EAGAIN);
    /* The handle for callers' loops is the same event. */
    ASSERT_TRUE(dbl.inject(ADAPTER, pkt, make_packet(pkt, 8, sizeof(pkt))));
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
        for (int tries = 0; !dbl.inject(ADAPTER, pkt, size); tries++) {
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
        ASSERT_TRUE(dbl.inject(ADAPTER, pkt, make_packet(pkt, i, sizeof(pkt))));
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
        dbl.inject(ADAPTER, pkt, make_packet(pkt, (uint32_t)i, sizeof(pkt)));
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
            dbl.inject(ADAPTER, pkt, make_packet(pkt, (uint32_t)i, sizeof(pkt)));
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
    ASSERT_EQ(dbl.take_sent(ADAPTER, out, sizeof(out)), 100);
    ASSERT_EQ(memcmp(out, pkt, 100), 0);
    /* Full and staying full: bounded backoff, then the packet is dropped and counted. */
    dbl.fill_send_ring(ADAPTER, TRUE);
    ASSERT_EQ(veiltun_write(dev, pkt, sizeof(pkt)), VEILTUN_ENOBUFS);
    veiltun_get_stats(dev, &st, sizeof(st));
    ASSERT_EQ(st.ring_full, 1);
    ASSERT_EQ(st.tx_dropped, 1);
    ASSERT_EQ(st.tx_errors, 0);
    dbl.fill_send_ring(ADAPTER, FALSE);
    ASSERT_EQ(veiltun_write(dev, pkt, sizeof(pkt)), 100);
    ASSERT_EQ(dbl.take_sent(ADAPTER, out, sizeof(out)), 100);
}

/* Reads whatever earlier steps left (the reader may still be moving the last of it). */
static void drain_queue(veiltun *dev)
{
    BYTE buf[2048];

    for (int quiet = 0; quiet < 2;) {
        Sleep(50);
        quiet++;
        while (veiltun_read(dev, buf, sizeof(buf)) > 0)
            quiet = 0;
    }
}

/* What the driver hands over at the edges: the largest packet it carries, and the all-zero
 * "packet" it writes when it cannot read one (driver/wintun.c), which is no IP and dropped. */
static void test_driver_edges(veiltun *dev)
{
    static BYTE big[0xFFFF], buf[0xFFFF];
    veiltun_stats before, after;
    int n = 0;

    make_packet(big, 4242, sizeof(big));
    big[2] = 0xff, big[3] = 0xff;
    drain_queue(dev);
    veiltun_get_stats(dev, &before, sizeof(before));
    ASSERT_TRUE(dbl.inject(ADAPTER, NULL, 1500)); /* zeros */
    ASSERT_TRUE(dbl.inject(ADAPTER, big, sizeof(big)));
    for (int i = 0; i < 200 && n <= 0; i++) {
        n = veiltun_read(dev, buf, sizeof(buf));
        if (n == VEILTUN_EAGAIN)
            veiltun_wait(dev, 20);
    }
    ASSERT_EQ(n, 0xFFFF);
    ASSERT_EQ(memcmp(buf, big, sizeof(big)), 0);
    veiltun_get_stats(dev, &after, sizeof(after));
    ASSERT_EQ(after.rx_dropped - before.rx_dropped, 1);
    /* Larger than the caller's buffer: dropped and counted, as on Linux. */
    ASSERT_TRUE(dbl.inject(ADAPTER, big, sizeof(big)));
    ASSERT_TRUE(veiltun_wait(dev, 2000) & VEILTUN_READY_READ);
    ASSERT_EQ(veiltun_read(dev, buf, 2048), VEILTUN_EMSGSIZE);
}

/* A consumer that stops reading: the reader holds its packet until the consumer frees queue
 * space (it is woken for that, not polling), and nothing is lost or reordered. */
static void test_queue_full(veiltun *dev)
{
    static BYTE pkt[1500], buf[2048];
    veiltun_stats st;
    uint32_t got = 0, sent = 0;

    /* 4 MiB of queue holds about 2800 of these: 4000 overflow it while nobody reads. */
    for (; sent < 4000; sent++) {
        make_packet(pkt, sent, sizeof(pkt));
        if (!dbl.inject(ADAPTER, pkt, sizeof(pkt)))
            break;
    }
    ASSERT_EQ(sent, 4000);
    Sleep(300);
    veiltun_get_stats(dev, &st, sizeof(st));
    ASSERT_GE(st.queue_full, 1);
    for (int rounds = 0; got < sent && rounds < 100000; rounds++) {
        int n = veiltun_read(dev, buf, sizeof(buf));
        uint32_t seq;
        if (n == VEILTUN_EAGAIN) {
            ASSERT_GT(veiltun_wait(dev, 5000), 0);
            continue;
        }
        ASSERT_EQ(n, 1500);
        memcpy(&seq, buf + 4, 4);
        ASSERT_EQ(seq, got);
        got++;
    }
    ASSERT_EQ(got, sent);
}

/* A ring the driver drains again within the backoff: the write goes through, counted once
 * as a full ring, nothing dropped. */
static void test_backoff_then_room(veiltun *dev)
{
    BYTE pkt[100], out[2048];
    veiltun_stats before, after;

    make_packet(pkt, 5, sizeof(pkt));
    veiltun_get_stats(dev, &before, sizeof(before));
    /* One refusal: the first retry is certain (how many more fit in the backoff depends on
     * the machine's load, which a test must not). */
    dbl.fail_next("WintunAllocateSendPacket", ERROR_BUFFER_OVERFLOW, 0);
    ASSERT_EQ(veiltun_write(dev, pkt, sizeof(pkt)), 100);
    ASSERT_EQ(dbl.take_sent(ADAPTER, out, sizeof(out)), 100);
    veiltun_get_stats(dev, &after, sizeof(after));
    ASSERT_EQ(after.ring_full - before.ring_full, 1);
    ASSERT_EQ(after.tx_dropped, before.tx_dropped);
}

static void expect_event(veiltun *dev, veiltun_event_type type)
{
    veiltun_event ev;

    ASSERT_TRUE(veiltun_wait(dev, 2000) > 0);
    ASSERT_OK(veiltun_next_event(dev, &ev));
    ASSERT_EQ(ev.type, type);
}

/* ERROR_INVALID_DATA does not go away (the head never advances: api/session.c): reads end
 * with a final error and the BROKEN event; sending still works. */
static void test_receive_ring_corrupt(void)
{
    veiltun *dev = open_dev();
    BYTE pkt[100], buf[2048], out[2048];

    make_packet(pkt, 1, sizeof(pkt));
    dbl.corrupt_receive_ring(ADAPTER);
    dbl.inject(ADAPTER, pkt, sizeof(pkt));
    expect_event(dev, VEILTUN_EVENT_BROKEN);
    ASSERT_EQ(veiltun_read(dev, buf, sizeof(buf)), VEILTUN_ENOTRECOVERABLE);
    ASSERT_EQ(veiltun_read(dev, buf, sizeof(buf)), VEILTUN_ENOTRECOVERABLE); /* and stays */
    ASSERT_EQ(veiltun_write(dev, pkt, sizeof(pkt)), 100);
    ASSERT_EQ(dbl.take_sent(ADAPTER, out, sizeof(out)), 100);
    veiltun_close(dev);
}

/* A send ring the driver declared corrupt: allocations get ERROR_HANDLE_EOF while receiving
 * works (driver/wintun.c); that is no removal but a broken handle. */
static void test_send_ring_corrupt(void)
{
    veiltun *dev = open_dev();
    BYTE pkt[100], buf[2048];

    make_packet(pkt, 2, sizeof(pkt));
    dbl.corrupt_send_ring(ADAPTER);
    ASSERT_EQ(veiltun_write(dev, pkt, sizeof(pkt)), VEILTUN_ENOTRECOVERABLE);
    expect_event(dev, VEILTUN_EVENT_BROKEN);
    ASSERT_EQ(veiltun_write(dev, pkt, sizeof(pkt)), VEILTUN_ENOTRECOVERABLE);
    ASSERT_TRUE(dbl.inject(ADAPTER, pkt, sizeof(pkt)));
    ASSERT_TRUE(veiltun_wait(dev, 2000) & VEILTUN_READY_READ);
    ASSERT_EQ(veiltun_read(dev, buf, sizeof(buf)), 100);
    veiltun_close(dev);
}

static void test_end_of_file(veiltun *dev)
{
    BYTE buf[2048];

    /* Whatever earlier steps left queued is read first: EOF comes after the packets. */
    drain_queue(dev);
    dbl.end_of_file(ADAPTER);
    ASSERT_TRUE(veiltun_wait(dev, 2000) > 0);
    ASSERT_EQ(veiltun_read(dev, buf, sizeof(buf)), VEILTUN_ENODEV);
    expect_event(dev, VEILTUN_EVENT_REMOVED);
    memset(buf, 0, 40);
    ASSERT_EQ(veiltun_write(dev, buf, 40), VEILTUN_EBADPACKET); /* checked before the ring */
    buf[0] = 0x45;
    ASSERT_EQ(veiltun_write(dev, buf, 40), VEILTUN_ENODEV);
}

/* Another application installs a newer Wintun: every adapter is disabled and enabled again
 * (api/driver.c). Our session ends (removed, as far as this handle goes); the adapter comes
 * back and a new handle works. */
static void test_driver_upgrade(void)
{
    veiltun *dev = open_dev();
    BYTE buf[2048];

    dbl.driver_upgrade(200);
    ASSERT_TRUE(veiltun_wait(dev, 2000) > 0);
    ASSERT_EQ(veiltun_read(dev, buf, sizeof(buf)), VEILTUN_ENODEV);
    expect_event(dev, VEILTUN_EVENT_REMOVED);
    veiltun_close(dev);
    dev = open_dev();
    ASSERT_TRUE(dbl.has_session(ADAPTER));
    veiltun_close(dev);
}

/* WintunEndSession frees the ring with no checks (api/session.c): close must wait for a
 * write that is inside Wintun. The double holds the allocation for 500 ms and ends the
 * process if the session ends under it, as the real DLL's use-after-free may. */
static DWORD WINAPI one_write(void *arg)
{
    BYTE pkt[100];

    make_packet(pkt, 9, sizeof(pkt));
    return (DWORD)veiltun_write(arg, pkt, sizeof(pkt));
}

static void test_close_during_write(void)
{
    veiltun *dev = open_dev();
    DWORD code;
    HANDLE t;

    dbl.fail_next("WintunAllocateSendPacket", ERROR_BUFFER_OVERFLOW, 500);
    dbl.fill_send_ring(ADAPTER, TRUE);
    t = CreateThread(NULL, 0, one_write, dev, 0, NULL);
    Sleep(150); /* the writer is inside the held allocation now */
    veiltun_close(dev);
    WaitForSingleObject(t, INFINITE);
    GetExitCodeThread(t, &code);
    CloseHandle(t);
    ASSERT_EQ((int)code, VEILTUN_ENOBUFS); /* it gave up at once when close began */
}

int main(void)
{
    char what[160] = "";
    veiltun *dev;

    recorder_install();
    recorder_use_in_backend();
    dev = open_dev();
    test_wait_then_retry(dev);
    test_many_packets(dev);
    test_batch_per_wake(dev);
    test_spin_policy(dev);
    test_send_ring_full(dev);
    test_backoff_then_room(dev);
    test_driver_edges(dev);
    test_queue_full(dev);
    test_end_of_file(dev);
    veiltun_close(dev);
    test_receive_ring_corrupt();
    test_send_ring_corrupt();
    test_driver_upgrade();
    test_close_during_write();
    /* quit -> join reader -> end session -> close adapter: the double saw no misuse. */
    ASSERT_EQ(dbl.violations(what, sizeof(what)), 0);
    return 0;
}
