/* SPDX-License-Identifier: MIT */
/* Packets, waiting, events and counters: the part of the front on the hot path. */
#include "internal.h"

#include <string.h>

#define COUNT VEILTUN__COUNT

/* Counts what a read returned: @p n from the backend, size + 1 meaning "did not fit". */
static int counted_read(veiltun *dev, int n, size_t size)
{
    if (n < 0) {
        if (n != VEILTUN_EAGAIN)
            COUNT(dev, rx_errors, 1);
        return n;
    }
    if ((size_t)n > size) {
        COUNT(dev, rx_dropped, 1);
        return veiltun__fail_input(VEILTUN_EMSGSIZE,
                                   "%s: dropped a packet longer than the %zu-byte buffer",
                                   dev->label, size);
    }
    COUNT(dev, rx_packets, 1);
    COUNT(dev, rx_bytes, n);
    return n;
}

static int read_one(veiltun *dev, void *buf, size_t size)
{
    return counted_read(dev, veiltun__sys_read(dev, buf, size), size);
}

int veiltun_read(veiltun *dev, void *buf, size_t size)
{
    if (dev == NULL || buf == NULL || size == 0)
        return veiltun__fail_input(VEILTUN_EINVAL, "read: NULL buffer or size 0");
    return read_one(dev, buf, size);
}

int veiltun_read_gso(veiltun *dev, void *buf, size_t size, veiltun_gso_info *info)
{
    int n;

    if (dev == NULL || buf == NULL || size == 0 || info == NULL)
        return veiltun__fail_input(VEILTUN_EINVAL, "read_gso: NULL buffer or info, or size 0");
    memset(info, 0, sizeof(*info));
    info->count = 1;
    n = veiltun__sys_read_gso(dev, buf, size, info);
    return counted_read(dev, n, size);
}

/* The MTU cache follows netlink events; before refusing a packet, make sure it is current. */
static unsigned current_mtu(veiltun *dev, size_t len)
{
    unsigned mtu = atomic_load_explicit(&dev->mtu_cache, memory_order_relaxed);

    if (len <= mtu)
        return mtu;
    veiltun__sys_lock(dev);
    veiltun__sys_drain_events(dev);
    veiltun__sys_unlock(dev);
    return atomic_load(&dev->mtu_cache);
}

/* A packet refused before writing: counted as dropped, the reason logged. */
static int refuse(veiltun *dev, int err, size_t len)
{
    COUNT(dev, tx_dropped, 1);
    return veiltun__fail_input(err, "%s: refused a %zu-byte packet: %s", dev->label, len,
                               veiltun_strerror(err));
}

/* The checks every outgoing packet passes; a refused one is counted as dropped. */
static int check_outgoing(veiltun *dev, const void *buf, size_t len)
{
    int err = veiltun__check_packet(buf, len);

    if (err == 0 && len > current_mtu(dev, len))
        err = VEILTUN_EMSGSIZE;
    return err < 0 ? refuse(dev, err, len) : 0;
}

/* Counts what a backend write of @p len bytes returned. */
static int counted_write(veiltun *dev, int n, size_t len)
{
    if (n < 0) {
        /* No room in the OS (a full Wintun ring after backoff), or a super-packet whose
         * headers the backend refused: the packet is dropped. */
        if (n == VEILTUN_ENOBUFS || n == VEILTUN_EBADPACKET || n == VEILTUN_EMSGSIZE)
            COUNT(dev, tx_dropped, 1);
        else if (n != VEILTUN_EAGAIN && n != VEILTUN_ENOTSUP)
            COUNT(dev, tx_errors, 1);
        return n;
    }
    COUNT(dev, tx_packets, 1);
    COUNT(dev, tx_bytes, len);
    return n;
}

static int write_one(veiltun *dev, void *buf, size_t len)
{
    int err = check_outgoing(dev, buf, len);

    return err < 0 ? err : counted_write(dev, veiltun__sys_write(dev, buf, len), len);
}

/* Writes in progress are counted so that veiltun_close() can wait for them to leave. */
static void enter_write(veiltun *dev)
{
    atomic_fetch_add_explicit(&dev->writers, 1, memory_order_acq_rel);
}

static int leave_write(veiltun *dev, int result)
{
    atomic_fetch_sub_explicit(&dev->writers, 1, memory_order_acq_rel);
    return result;
}

int veiltun_write(veiltun *dev, const void *buf, size_t len)
{
    if (dev == NULL || buf == NULL || len == 0)
        return veiltun__fail_input(VEILTUN_EINVAL, "write: NULL buffer or length 0");
    enter_write(dev);
    /* write_one does not modify the buffer; the cast only matches the batch signature. */
    return leave_write(dev, write_one(dev, (void *)(uintptr_t)buf, len));
}

/* Lengths of a super-packet: the whole may exceed the MTU, each segment may not. */
static int check_super(veiltun *dev, const void *buf, size_t len, const veiltun_gso_info *info)
{
    int err = veiltun__check_packet(buf, len);

    if (err == 0 && (info->type > VEILTUN_GSO_UDP || info->segment == 0 || len > 65535))
        err = VEILTUN_EBADPACKET;
    if (err == 0 && info->segment > current_mtu(dev, info->segment))
        err = VEILTUN_EMSGSIZE;
    return err < 0 ? refuse(dev, err, len) : 0;
}

int veiltun_write_gso(veiltun *dev, const void *buf, size_t len, const veiltun_gso_info *info)
{
    int n;

    if (dev == NULL || buf == NULL || len == 0 || info == NULL)
        return veiltun__fail_input(VEILTUN_EINVAL, "write_gso: NULL buffer or info, or length 0");
    enter_write(dev);
    if (info->type == VEILTUN_GSO_NONE)
        return leave_write(dev, write_one(dev, (void *)(uintptr_t)buf, len));
    if ((n = check_super(dev, buf, len, info)) < 0)
        return leave_write(dev, n);
    return leave_write(dev, counted_write(dev, veiltun__sys_write_gso(dev, buf, len, info), len));
}

int veiltun_read_batch(veiltun *dev, veiltun_packet *pkts, size_t count)
{
    if (dev == NULL)
        return veiltun__fail_input(VEILTUN_EINVAL, "read_batch: NULL handle");
    return veiltun__batch_read(dev, pkts, count, read_one);
}

/* The batch goes to the backend whole so it can merge packets; the rules stay those of
 * veiltun__batch_write(): bad packets marked and skipped, device errors stop the batch. */
static int write_merged(veiltun *dev, veiltun_packet *pkts, size_t count)
{
    int n;

    if (pkts == NULL || count == 0)
        return veiltun__fail_os(VEILTUN_EINVAL, 0);
    if (count > INT32_MAX)
        count = INT32_MAX;
    for (size_t i = 0; i < count; i++)
        pkts[i].status = pkts[i].data && pkts[i].len
                             ? check_outgoing(dev, pkts[i].data, pkts[i].len)
                             : VEILTUN_EINVAL;
    n = veiltun__sys_write_batch(dev, pkts, count);
    for (int i = 0; i < n; i++) {
        if (pkts[i].status == 0) {
            COUNT(dev, tx_packets, 1);
            COUNT(dev, tx_bytes, pkts[i].len);
        }
    }
    if (n < 0 && n != VEILTUN_EAGAIN)
        COUNT(dev, tx_errors, 1);
    return n;
}

int veiltun_write_batch(veiltun *dev, veiltun_packet *pkts, size_t count)
{
    if (dev == NULL)
        return veiltun__fail_input(VEILTUN_EINVAL, "write_batch: NULL handle");
    enter_write(dev);
    if (veiltun__sys_merges_writes(dev))
        return leave_write(dev, write_merged(dev, pkts, count));
    return leave_write(dev, veiltun__batch_write(dev, pkts, count, write_one));
}

/* ---- events ---- */

void veiltun__link_seen(veiltun *dev, int up, unsigned mtu)
{
    struct veiltun__link *k = &dev->known;

    up = up != 0;
    if (up != k->up) {
        if (up)
            k->ups++;
        else
            k->downs++;
        k->up = up;
    }
    if (mtu != 0) {
        k->mtu = mtu;
        atomic_store(&dev->mtu_cache, mtu);
    }
}

/* A change of the up state the caller has not been told about. Transitions are counted, so a
 * down that came and went between two fetches is still told: LINK_DOWN, then LINK_UP. */
static int toggle_pending(const struct veiltun__link *k, const struct veiltun__link *r)
{
    return r->up ? k->downs != r->downs : k->ups != r->ups;
}

int veiltun__events_differ(const veiltun *dev)
{
    const struct veiltun__link *k = &dev->known, *r = &dev->reported;

    if (r->removed || r->moved)
        return 0;
    return k->removed || k->moved || (k->broken && !r->broken) || toggle_pending(k, r) ||
           k->up != r->up || k->mtu != r->mtu || k->renames != r->renames ||
           k->addr_changes != r->addr_changes;
}

/* Turns the first difference between what is known and what was reported into an event. */
static int diff_event(veiltun *dev, veiltun_event *ev)
{
    struct veiltun__link *k = &dev->known, *r = &dev->reported;

    if (r->removed || r->moved)
        return veiltun__fail_os(VEILTUN_ENODEV, 0);
    if (k->removed) {
        r->removed = 1;
        ev->type = VEILTUN_EVENT_REMOVED;
    } else if (k->moved) {
        r->moved = 1;
        ev->type = VEILTUN_EVENT_MOVED;
    } else if (k->broken && !r->broken) {
        r->broken = 1;
        ev->type = VEILTUN_EVENT_BROKEN;
    } else if (toggle_pending(k, r) || k->up != r->up) {
        /* Down and up alternate; the reported counter catches up with all the flaps at once. */
        ev->type = r->up ? VEILTUN_EVENT_LINK_DOWN : VEILTUN_EVENT_LINK_UP;
        if (r->up)
            r->downs = k->downs;
        else
            r->ups = k->ups;
        r->up = !r->up;
    } else if (k->mtu != r->mtu) {
        r->mtu = k->mtu;
        ev->type = VEILTUN_EVENT_MTU_CHANGED;
    } else if (k->renames != r->renames) {
        r->renames = k->renames;
        ev->type = VEILTUN_EVENT_RENAMED;
    } else if (k->addr_changes != r->addr_changes) {
        r->addr_changes = k->addr_changes;
        ev->type = VEILTUN_EVENT_ADDRESSES_CHANGED;
    } else {
        return veiltun__fail_os(VEILTUN_EAGAIN, 0);
    }
    ev->mtu = k->mtu;
    ev->up = r->up;
    ev->downs = r->downs;
    memcpy(ev->name, dev->name, sizeof(ev->name));
    return 0;
}

/* The event structure of the first version (0.1); later versions only add fields. */
#define EVENT_V1_SIZE sizeof(veiltun_event)

int veiltun_next_event_size(veiltun *dev, veiltun_event *caller_ev, size_t size)
{
    veiltun_event ev;
    int err;

    if (dev == NULL || caller_ev == NULL || size < EVENT_V1_SIZE)
        return veiltun__fail_input(VEILTUN_EINVAL, "next_event: NULL argument or size %zu", size);
    memset(&ev, 0, sizeof(ev));
    veiltun__sys_lock(dev);
    err = veiltun__sys_drain_events(dev);
    if (err == 0 || err == VEILTUN_EAGAIN)
        err = diff_event(dev, &ev);
    veiltun__sys_events_fetched(dev);
    veiltun__sys_unlock(dev);
    /* A caller compiled with a newer header gets zero in the fields this version lacks. */
    memset(caller_ev, 0, size);
    memcpy(caller_ev, &ev, sizeof(ev));
    return err;
}

int veiltun__events_pending(veiltun *dev)
{
    int pending;

    veiltun__sys_lock(dev);
    pending = veiltun__events_differ(dev);
    veiltun__sys_unlock(dev);
    return pending;
}

veiltun_os_handle veiltun_wait_handle(const veiltun *dev)
{
    if (dev == NULL)
#if defined(_WIN32)
        return NULL;
#else
        return -1;
#endif
    return veiltun__sys_wait_handle(dev);
}

int veiltun_wait(veiltun *dev, int timeout_ms)
{
    int r;

    if (dev == NULL)
        return veiltun__fail_input(VEILTUN_EINVAL, "wait: NULL handle");
    atomic_fetch_add(&dev->waiters, 1);
    /* Changes already drained (by a write's MTU check) left nothing on the socket to wake
     * us, so look at them first. */
    r = veiltun__sys_wait(dev, veiltun__events_pending(dev) ? 0 : timeout_ms);
    if (r == VEILTUN_ETIMEDOUT && veiltun__events_pending(dev))
        r = VEILTUN_READY_EVENT;
    else if (r > 0 && veiltun__events_pending(dev))
        r |= VEILTUN_READY_EVENT;
    atomic_fetch_sub(&dev->waiters, 1);
    return r;
}

int veiltun_cancel(veiltun *dev)
{
    if (dev == NULL)
        return veiltun__fail_os(VEILTUN_EINVAL, 0);
    return veiltun__sys_cancel(dev);
}

/* ---- counters ---- */

int veiltun_get_stats(const veiltun *dev, veiltun_stats *out, size_t size)
{
    const _Atomic uint64_t *c;
    uint64_t s[sizeof(veiltun_stats) / sizeof(uint64_t)];

    _Static_assert(sizeof(struct veiltun__counters) == sizeof(veiltun_stats),
                   "every public counter has an internal one, in the same order");
    if (dev == NULL || out == NULL || size == 0 || size % sizeof(uint64_t) != 0)
        return veiltun__fail_os(VEILTUN_EINVAL, 0);
    c = (const _Atomic uint64_t *)&dev->stats;
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
        s[i] = atomic_load_explicit(&c[i], memory_order_relaxed);
    memcpy(out, s, size < sizeof(s) ? size : sizeof(s));
    return 0;
}
