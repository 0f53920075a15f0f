/* SPDX-License-Identifier: MIT */
/* The reader thread: it alone receives from the Wintun ring. Per wake it moves up to a batch
 * of packets into the SPSC queue, releasing ring space at once, and signals the consumer.
 * When packets come fast it polls the ring for a while before sleeping (a sleep and wake-up
 * cost more than a short spin at high rates); when they come slowly it sleeps at once.
 * Policy knobs are below; bench/ measures them. */
#include "../internal.h"
#include "win.h"
#include "wintun.h"

#include <string.h>

/* The first three can be set at build time (-D..., or the CMake cache variables
 * VEILTUN_WINDOWS_READER_BATCH, _SPIN_RATE, _SPIN_POLLS) for bench/windows_ring.sh. */
#ifndef READER_BATCH
#define READER_BATCH 256 /* packets per wake before the consumer is signalled */
#endif
#ifndef SPIN_RATE
#define SPIN_RATE 10000 /* packets/s at or above which the reader spins before sleeping */
#endif
#ifndef SPIN_POLLS
#define SPIN_POLLS 4000 /* ring polls in one spin (a few tens of microseconds) */
#endif
#define RATE_WINDOW_MS 100
#define TUNE_PERIOD_MS 1000 /* auto-tuning looks at the last second... */
#define TUNE_PRESSURE  8    /* ...and doubles the ring after this many full-ring/queue events */

int veiltun__reader_should_spin(uint64_t packets_per_second)
{
    return packets_per_second >= SPIN_RATE;
}

uint32_t veiltun__ring_next_capacity(uint32_t capacity, uint64_t pressure, int auto_tune)
{
    if (!auto_tune || pressure < TUNE_PRESSURE || capacity >= VEILTUN_RING_MAX)
        return 0;
    return capacity * 2;
}

void veiltun__reader_room(veiltun *dev)
{
    if (atomic_load_explicit(&dev->sys.want_room, memory_order_acquire))
        SetEvent(dev->sys.room_event);
}

/* Waits for room in the queue while holding the packet; 0 if quit was asked. The consumer
 * signals room_event as it frees space (no timed polling: a 1 ms wait lasts a whole clock
 * tick, often 15.6 ms, on Windows). The flag is raised before the second look, so a release
 * between the look and the wait still wakes us. */
static int wait_for_room(veiltun *dev, void **slot, DWORD size)
{
    struct veiltun__sys *s = &dev->sys;
    HANDLE waits[2] = {s->quit_event, s->room_event};
    int ok = 1;

    VEILTUN__COUNT(dev, queue_full, 1);
    atomic_store(&s->want_room, 1);
    while ((*slot = veiltun__queue_reserve(&s->queue, size)) == NULL) {
        SetEvent(s->ready_event);
        if (WaitForMultipleObjects(2, waits, FALSE, INFINITE) != WAIT_OBJECT_0 + 1) {
            ok = 0;
            break;
        }
    }
    atomic_store(&s->want_room, 0);
    return ok;
}

/* Moves up to a batch; returns the count, or a VEILTUN_E* if the ring failed first. */
static int drain(veiltun *dev)
{
    struct veiltun__sys *s = &dev->sys;
    int count;

    for (count = 0; count < READER_BATCH; count++) {
        DWORD size;
        BYTE *pkt = s->api->WintunReceivePacket(s->session, &size);
        void *slot;

        if (pkt == NULL) {
            DWORD code = GetLastError();
            if (code == ERROR_NO_MORE_ITEMS || count > 0)
                return count;
            /* ERROR_INVALID_DATA: the ring is corrupt and stays so, since its head never
             * advances again (api/session.c); ERROR_HANDLE_EOF: the adapter is going away. */
            if (code == ERROR_INVALID_DATA)
                veiltun__log(VEILTUN_LOG_ERROR,
                             "%s: the receive ring is corrupt (Wintun ERROR_INVALID_DATA): "
                             "this handle can receive no more; re-open the device",
                             dev->name);
            return veiltun__win_error(code, "receive");
        }
        /* The driver writes an all-zero packet of the full length when it cannot read one
         * (driver/wintun.c): nothing that is not IPv4 or IPv6 reaches the caller. */
        if (veiltun__check_packet(pkt, size) < 0) {
            s->api->WintunReleaseReceivePacket(s->session, pkt);
            VEILTUN__COUNT(dev, rx_dropped, 1);
            continue;
        }
        slot = veiltun__queue_reserve(&s->queue, size);
        if (slot == NULL && !wait_for_room(dev, &slot, size)) {
            s->api->WintunReleaseReceivePacket(s->session, pkt);
            return count;
        }
        memcpy(slot, pkt, size);
        veiltun__queue_commit(&s->queue);
        s->api->WintunReleaseReceivePacket(s->session, pkt);
    }
    return count;
}

/* Grows the ring when the last period showed it too small (VEILTUN_F_RING_GROW). Only the
 * reader touches the receive side; senders are kept out by the exclusive session lock.
 * Ending the session unregisters the rings, which the driver reports as media disconnected,
 * and the new one as connected (driver/wintun.c): Windows sees a link flap. If no session can
 * be started again the handle is broken: returns 0 then, and the reader must stop, for a NULL
 * session passed to Wintun crashes the process (api/session.c has no NULL check). */
static int maybe_tune(veiltun *dev, uint64_t now)
{
    struct veiltun__sys *s = &dev->sys;
    uint64_t seen = atomic_load(&dev->stats.ring_full) + atomic_load(&dev->stats.queue_full);
    uint32_t next, old = s->capacity;

    if (now - s->last_tune_ms < TUNE_PERIOD_MS)
        return 1;
    next = veiltun__ring_next_capacity(s->capacity, seen - s->full_seen, s->auto_tune);
    s->full_seen = seen;
    s->last_tune_ms = now;
    if (next == 0)
        return 1;
    AcquireSRWLockExclusive(&s->session_lock);
    veiltun__session_end(dev);
    if (veiltun__session_start(dev, next) < 0 && veiltun__session_start(dev, old) < 0) {
        veiltun__log(VEILTUN_LOG_ERROR,
                     "%s: the ring could not be restarted after growing: this handle can move "
                     "no more packets; re-open the device",
                     dev->name);
        atomic_store(&s->send_broken, VEILTUN_ENOTRECOVERABLE);
    }
    ReleaseSRWLockExclusive(&s->session_lock);
    if (s->session == NULL)
        return 0;
    if (s->capacity == next) {
        VEILTUN__COUNT(dev, ring_grows, 1);
        veiltun__log(VEILTUN_LOG_INFO,
                     "%s: ring grown to %u bytes (the adapter's link went "
                     "down and up)",
                     dev->name, next);
    }
    return 1;
}

/* Polls the ring for a short while; the packets found, or 0. */
static int spin(veiltun *dev)
{
    for (int i = 0; i < SPIN_POLLS; i++) {
        int n = drain(dev);
        if (n != 0)
            return n;
        YieldProcessor();
    }
    return 0;
}

/* Sleeps until the driver has packets; 0 to go on, 1 when asked to quit. A sleep longer
 * than the rate window ends any burst: the measured rate starts again from zero. */
static int sleep_on_ring(veiltun *dev, uint64_t *rate, uint64_t *window_start,
                         uint64_t *window_packets)
{
    struct veiltun__sys *s = &dev->sys;
    HANDLE waits[2] = {s->quit_event, s->read_event};
    uint64_t before = GetTickCount64();
    DWORD r;

    VEILTUN__COUNT(dev, reader_sleeps, 1);
    r = WaitForMultipleObjects(2, waits, FALSE, INFINITE);
    if (GetTickCount64() - before >= RATE_WINDOW_MS) {
        *rate = *window_packets = 0;
        *window_start = GetTickCount64();
    }
    return r != WAIT_OBJECT_0 + 1;
}

/* The reader stops for good. EOF: the adapter is gone; anything else breaks the handle. The
 * consumer drains what is queued, then sees the error, and the event. */
static void reader_failed(veiltun *dev, int err)
{
    struct veiltun__sys *s = &dev->sys;

    if (err == VEILTUN_ENODEV) {
        atomic_store(&s->gone, 1);
        SetEvent(s->gone_event);
    } else {
        atomic_store(&s->reader_error, err);
        atomic_store(&s->link_changed, 1); /* so that a wait looks at it */
    }
    SetEvent(s->ready_event);
}

static DWORD WINAPI reader_main(void *arg)
{
    veiltun *dev = arg;
    struct veiltun__sys *s = &dev->sys;
    uint64_t window_start = GetTickCount64(), window_packets = 0, rate = 0;

    while (WaitForSingleObject(s->quit_event, 0) != WAIT_OBJECT_0) {
        uint64_t now = GetTickCount64();
        int n = drain(dev);

        if (n == 0 && veiltun__reader_should_spin(rate)) {
            n = spin(dev);
            if (n > 0)
                VEILTUN__COUNT(dev, reader_spins, 1);
        }
        if (n < 0) {
            reader_failed(dev, n);
            break;
        }
        if (n > 0)
            SetEvent(s->ready_event);
        window_packets += (uint64_t)n;
        if (now - window_start >= RATE_WINDOW_MS) {
            rate = window_packets * 1000 / (now - window_start);
            window_start = now;
            window_packets = 0;
        }
        if (!maybe_tune(dev, now)) {
            reader_failed(dev, VEILTUN_ENOTRECOVERABLE);
            break;
        }
        if (n == 0 && sleep_on_ring(dev, &rate, &window_start, &window_packets))
            break;
    }
    return 0;
}

int veiltun__reader_start(veiltun *dev)
{
    struct veiltun__sys *s = &dev->sys;

    s->last_tune_ms = GetTickCount64();
    s->reader = CreateThread(NULL, 0, reader_main, dev, 0, NULL);
    return s->reader ? 0 : veiltun__win_error(GetLastError(), "CreateThread");
}

/* The first steps of the shutdown order: quit event, then join the reader. */
void veiltun__reader_stop(veiltun *dev)
{
    struct veiltun__sys *s = &dev->sys;

    if (s->reader == NULL)
        return;
    SetEvent(s->quit_event);
    WaitForSingleObject(s->reader, INFINITE);
    CloseHandle(s->reader);
    s->reader = NULL;
}
