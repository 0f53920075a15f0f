/* SPDX-License-Identifier: MIT */
/* veiltun__sys_* for Windows: the adapter, the session, the reader, and IP Helper. */
#include "../internal.h"
#include "iphlp.h"
#include "win.h"
#include "wintun.h"

#include <string.h>

#define QUEUE_SIZE      (4u << 20) /* consumer queue: thousands of full-size packets */
#define SEND_BACKOFF_US 2000       /* a full ring: retry for this long, yielding, then drop */
#define SEND_EOF_WAIT   100 /* ms for the reader to confirm an EOF on send as "adapter gone" */

/* IP Helper's notification thread: an IP interface of ours appeared, went, or changed. It
 * runs before the LUID is known too (registered before the adapter exists, so that no
 * arrival is missed), and takes the handle's lock only to configure an arrival; close cancels
 * the notification, which waits for this to return, before anything goes. */
static void WINAPI on_interface_change(void *ctx, MIB_IPINTERFACE_ROW *row,
                                       MIB_NOTIFICATION_TYPE type)
{
    veiltun *dev = ctx;
    struct veiltun__sys *s = &dev->sys;
    uint64_t luid = atomic_load(&s->luid);
    int fam;

    if (row == NULL || luid == 0 || row->InterfaceLuid.Value != luid)
        return;
    fam = row->Family == AF_INET6 ? VEILTUN__V6 : VEILTUN__V4;
    if (type == MibAddInstance) {
        atomic_store(&s->fam[fam].arrived, 1);
        SetEvent(s->arrival_event);
        veiltun__sys_lock(dev);
        if (s->open_done)
            veiltun__ipconfig_arrived(dev, fam);
        veiltun__sys_unlock(dev);
    } else if (type == MibDeleteInstance) {
        veiltun__sys_lock(dev);
        veiltun__ipconfig_departed(dev, fam);
        veiltun__sys_unlock(dev);
    }
    atomic_store(&s->link_changed, 1);
    SetEvent(s->ready_event);
}

static int create_events(struct veiltun__sys *s)
{
    s->quit_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    s->ready_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    s->cancel_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    s->room_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    s->gone_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    s->arrival_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (!s->quit_event || !s->ready_event || !s->cancel_event || !s->room_event || !s->gone_event ||
        !s->arrival_event)
        return veiltun__win_error(GetLastError(), "CreateEvent");
    return 0;
}

static int read_state(veiltun *dev)
{
    veiltun_info info;
    int err = veiltun__ip_link(dev->sys.luid, &info);

    unsigned mtu = 0;

    if (err == 0)
        err = veiltun__ipconfig_mtu(dev, &mtu);
    if (err == 0) {
        dev->ifindex = info.index;
        veiltun__link_seen(dev, info.up, mtu);
    }
    return err;
}

int veiltun__sys_open(veiltun *dev, const veiltun_config *cfg)
{
    struct veiltun__sys *s = &dev->sys;
    int err;

    memset(s, 0, sizeof(*s));
    InitializeCriticalSection(&s->lock);
    if (cfg->flags & (VEILTUN_F_OFFLOAD | VEILTUN_F_MULTI_QUEUE)) {
        veiltun__log(VEILTUN_LOG_ERROR, "open: Wintun has no offload and one queue");
        err = veiltun__fail_os(VEILTUN_ENOTSUP, ERROR_NOT_SUPPORTED);
        DeleteCriticalSection(&s->lock);
        return err;
    }
    InitializeSRWLock(&s->session_lock);
    s->api = veiltun__wintun_get(&err);
    if (s->api == NULL)
        goto fail;
    if ((err = create_events(s)) < 0 || (err = veiltun__queue_init(&s->queue, QUEUE_SIZE)) < 0)
        goto fail;
    /* Watch before the adapter exists, or its IP interfaces could appear unseen. */
    if ((err = veiltun__ip_notify(dev, on_interface_change, &s->notify)) < 0 ||
        (err = veiltun__adapter_open(dev, cfg)) < 0)
        goto fail;
    uint64_t luid;
    s->api->WintunGetAdapterLUID(s->adapter, &luid);
    atomic_store(&s->luid, luid);
    s->auto_tune = (cfg->flags & VEILTUN_F_RING_GROW) != 0;
    if ((err = veiltun__ipconfig_wait(dev, cfg->setup_timeout_ms)) < 0)
        goto fail;
    err =
        veiltun__session_start(dev, cfg->ring_capacity ? cfg->ring_capacity : VEILTUN_RING_DEFAULT);
    if (err == 0)
        err = read_state(dev);
    if (err == 0)
        err = veiltun__reader_start(dev);
    if (err == 0)
        return 0;
fail:
    veiltun__sys_close(dev);
    return err;
}

int veiltun__sys_adopt(veiltun *dev, veiltun_os_handle fd)
{
    (void)dev;
    (void)fd;
    veiltun__log(VEILTUN_LOG_ERROR, "adopt: Windows has no TUN descriptors to hand over");
    return veiltun__fail_os(VEILTUN_ENOTSUP, ERROR_NOT_SUPPORTED);
}

/* The documented order: quit event, join the reader, end the session, close the adapter.
 * WintunEndSession frees the rings with no checks (api/session.c), so no sender may be inside
 * Wintun then: the front waited for writes in progress, and the exclusive session lock makes
 * sure. */
void veiltun__sys_close(veiltun *dev)
{
    struct veiltun__sys *s = &dev->sys;
    HANDLE events[6] = {s->quit_event, s->ready_event, s->cancel_event,
                        s->room_event, s->gone_event,  s->arrival_event};

    veiltun__ip_notify_cancel(s->notify); /* returns once no callback runs */
    s->notify = NULL;
    veiltun__reader_stop(dev);
    if (s->api != NULL) {
        AcquireSRWLockExclusive(&s->session_lock);
        veiltun__session_end(dev);
        ReleaseSRWLockExclusive(&s->session_lock);
        if (s->adapter != NULL)
            s->api->WintunCloseAdapter(s->adapter);
    }
    s->adapter = NULL;
    veiltun__queue_free(&s->queue);
    for (int i = 0; i < 6; i++) {
        if (events[i] != NULL)
            CloseHandle(events[i]);
    }
    DeleteCriticalSection(&s->lock);
}

void veiltun__sys_lock(veiltun *dev)
{
    EnterCriticalSection(&dev->sys.lock);
}

void veiltun__sys_unlock(veiltun *dev)
{
    LeaveCriticalSection(&dev->sys.lock);
}

/* Close waits for threads to leave calls that are ending anyway (microseconds): give up the
 * processor rather than Sleep(1), which lasts a whole clock tick on Windows. */
void veiltun__sys_pause(void)
{
    if (!SwitchToThread())
        Sleep(0);
}

/* ---- packets ---- */

/* Clears the ready event when nothing is left, without losing a wake-up that raced it. */
static void settle_ready(struct veiltun__sys *s)
{
    ResetEvent(s->ready_event);
    if (veiltun__queue_used(&s->queue) > 0 || atomic_load(&s->link_changed) ||
        atomic_load(&s->gone) || atomic_load(&s->reader_error) || atomic_load(&s->event_waiting) ||
        atomic_load(&s->cancelled))
        SetEvent(s->ready_event);
}

int veiltun__sys_read(veiltun *dev, void *buf, size_t size)
{
    struct veiltun__sys *s = &dev->sys;
    size_t len;
    const void *p = veiltun__queue_peek(&s->queue, &len);
    int err;

    if (p == NULL) {
        settle_ready(s);
        p = veiltun__queue_peek(&s->queue, &len);
    }
    if (p == NULL) {
        if (atomic_load(&s->gone))
            return veiltun__fail_os(VEILTUN_ENODEV, ERROR_HANDLE_EOF);
        err = atomic_load(&s->reader_error);
        return err ? err : VEILTUN_EAGAIN;
    }
    if (len <= size)
        memcpy(buf, p, len);
    veiltun__queue_release(&s->queue);
    veiltun__reader_room(dev);
    return len <= size ? (int)len : (int)size + 1;
}

/* Wintun has no offload: every packet is a plain one (the front pre-set @p info so). */
int veiltun__sys_read_gso(veiltun *dev, void *buf, size_t size, veiltun_gso_info *info)
{
    (void)info;
    return veiltun__sys_read(dev, buf, size);
}

int veiltun__sys_write_gso(veiltun *dev, const void *buf, size_t len, const veiltun_gso_info *info)
{
    (void)buf, (void)len, (void)info;
    veiltun__log(VEILTUN_LOG_ERROR, "%s: Wintun takes no super-packets", dev->name);
    return veiltun__fail_os(VEILTUN_ENOTSUP, 0);
}

/* A full ring is usually a moment's burst that the driver drains within microseconds.
 * Wintun has no "space available" event, so the sender yields and tries again for a bounded
 * time measured on the performance counter, then drops (counted). Sleep(1) is not used: it
 * lasts a whole clock tick on Windows (often 15.6 ms), unlike under Wine. Close cuts it short. */
static int backoff(veiltun *dev, int attempt, LONGLONG *deadline)
{
    LARGE_INTEGER now, freq;

    QueryPerformanceCounter(&now);
    if (attempt == 0) {
        VEILTUN__COUNT(dev, ring_full, 1);
        QueryPerformanceFrequency(&freq);
        *deadline = now.QuadPart + freq.QuadPart * SEND_BACKOFF_US / 1000000;
    }
    if (now.QuadPart >= *deadline || atomic_load(&dev->closing))
        return 0;
    SwitchToThread();
    return 1;
}

/* ERROR_HANDLE_EOF on send: the adapter is going away (then the reader sees EOF too, at once:
 * the driver sets the read event as it unregisters), or the driver declared the send ring
 * corrupt (driver/wintun.c), when receiving still works. */
static int send_eof(veiltun *dev)
{
    struct veiltun__sys *s = &dev->sys;

    if (WaitForSingleObject(s->gone_event, SEND_EOF_WAIT) == WAIT_OBJECT_0)
        return veiltun__fail_os(VEILTUN_ENODEV, ERROR_HANDLE_EOF);
    if (atomic_exchange(&s->send_broken, VEILTUN_ENOTRECOVERABLE) == 0) {
        veiltun__log(VEILTUN_LOG_ERROR,
                     "%s: the driver refuses the send ring (corrupt): this "
                     "handle can send no more; re-open the device",
                     dev->name);
        atomic_store(&s->link_changed, 1); /* so that a wait looks at it */
        SetEvent(s->ready_event);
    }
    return veiltun__fail_os(VEILTUN_ENOTRECOVERABLE, ERROR_HANDLE_EOF);
}

int veiltun__sys_write(veiltun *dev, const void *buf, size_t len)
{
    struct veiltun__sys *s = &dev->sys;
    LONGLONG deadline = 0;
    int result, failed;

    if (len > VEILTUN__WINTUN_MAX_PACKET)
        return VEILTUN_EMSGSIZE;
    AcquireSRWLockShared(&s->session_lock);
    for (int attempt = 0;; attempt++) {
        if ((failed = atomic_load(&s->send_broken)) != 0 || s->session == NULL) {
            /* Never call Wintun without a live session: it would crash the process. */
            result = veiltun__fail_os(failed ? failed : VEILTUN_ENODEV, ERROR_HANDLE_EOF);
            break;
        }
        BYTE *p = s->api->WintunAllocateSendPacket(s->session, (DWORD)len);
        DWORD code = GetLastError();
        if (p != NULL) {
            memcpy(p, buf, len);
            s->api->WintunSendPacket(s->session, p);
            result = (int)len;
            break;
        }
        if (code == ERROR_HANDLE_EOF) {
            result = send_eof(dev);
            break;
        }
        if (code != ERROR_BUFFER_OVERFLOW) {
            result = veiltun__win_error(code, "send");
            break;
        }
        if (!backoff(dev, attempt, &deadline)) {
            result = veiltun__fail_os(VEILTUN_ENOBUFS, (int)code);
            break;
        }
    }
    ReleaseSRWLockShared(&s->session_lock);
    return result;
}

/* ---- waiting and events ---- */

veiltun_os_handle veiltun__sys_wait_handle(const veiltun *dev)
{
    return dev->sys.ready_event;
}

/* The header promises a wait handle that stays readable after a cancel (a caller's own loop
 * on it wakes too, as on Linux, where the cancel eventfd is in the epoll set): the ready
 * event is set and settle_ready() keeps it set. */
int veiltun__sys_cancel(veiltun *dev)
{
    atomic_store(&dev->sys.cancelled, 1);
    SetEvent(dev->sys.cancel_event);
    SetEvent(dev->sys.ready_event);
    return 0;
}

static int ready_mask(struct veiltun__sys *s)
{
    int mask = 0;

    if (veiltun__queue_used(&s->queue) > 0 || atomic_load(&s->gone) ||
        atomic_load(&s->reader_error))
        mask |= VEILTUN_READY_READ;
    return mask;
}

int veiltun__sys_wait(veiltun *dev, int timeout_ms)
{
    struct veiltun__sys *s = &dev->sys;
    HANDLE waits[2] = {s->cancel_event, s->ready_event};
    ULONGLONG deadline = GetTickCount64() + (ULONGLONG)(timeout_ms > 0 ? timeout_ms : 0);

    for (;;) {
        DWORD left = timeout_ms < 0 ? INFINITE : 0;
        ULONGLONG now = GetTickCount64();
        int mask;
        if (timeout_ms > 0 && now < deadline)
            left = (DWORD)(deadline - now);
        DWORD r = WaitForMultipleObjects(2, waits, FALSE, left);
        if (r == WAIT_OBJECT_0)
            return veiltun__fail_os(VEILTUN_ECANCELED, 0);
        if (r == WAIT_TIMEOUT)
            return veiltun__fail_os(VEILTUN_ETIMEDOUT, 0);
        if (r != WAIT_OBJECT_0 + 1)
            return veiltun__win_error(GetLastError(), "wait");
        /* IP Helper notifies about much that changes nothing we report (an interface
         * appearing, the media state, other fields): look before calling it an event. */
        if (atomic_load(&s->link_changed) || atomic_load(&s->gone)) {
            veiltun__sys_lock(dev);
            veiltun__sys_drain_events(dev);
            veiltun__sys_unlock(dev);
        }
        mask = ready_mask(s);
        if (veiltun__events_pending(dev))
            mask |= VEILTUN_READY_EVENT;
        if (mask)
            return mask;
        /* Signalled for something already consumed: clear it and wait for the rest. */
        settle_ready(s);
    }
}

/* The handle cannot move packets any more (the BROKEN event): the reader stopped on something
 * other than EOF, or the send ring failed. */
static int broken(struct veiltun__sys *s)
{
    return atomic_load(&s->reader_error) != 0 || atomic_load(&s->send_broken) != 0;
}

int veiltun__sys_drain_events(veiltun *dev)
{
    struct veiltun__sys *s = &dev->sys;
    int err = 0;

    if (broken(s))
        dev->known.broken = 1;
    if (atomic_load(&s->gone))
        dev->known.removed = 1;
    else if (atomic_exchange(&s->link_changed, 0))
        err = read_state(dev);
    veiltun__sys_events_fetched(dev);
    return err;
}

/* The notification that made an event may have been consumed by a call other than a wait (a
 * write's MTU check, a configuration call): the ready event stays set until it is fetched. */
void veiltun__sys_events_fetched(veiltun *dev)
{
    int pending = veiltun__events_differ(dev);

    atomic_store(&dev->sys.event_waiting, pending);
    if (pending)
        SetEvent(dev->sys.ready_event);
}

/* ---- configuration ---- */

int veiltun__sys_get_link(veiltun *dev, struct veiltun__link *out)
{
    int err = read_state(dev);

    if (err == 0)
        *out = dev->known;
    out->removed = atomic_load(&dev->sys.gone);
    out->broken = broken(&dev->sys);
    if (err == VEILTUN_ENODEV)
        out->removed = 1;
    return err;
}

int veiltun__sys_set_mtu(veiltun *dev, unsigned mtu)
{
    return veiltun__ipconfig_set_mtu(dev, mtu);
}

int veiltun__sys_set_up(veiltun *dev, int up)
{
    if (up)
        return 0; /* a Wintun adapter is up while its session runs */
    veiltun__log(VEILTUN_LOG_ERROR, "%s: a Wintun adapter cannot be set down; close it instead",
                 dev->name);
    return veiltun__fail_os(VEILTUN_ENOTSUP, ERROR_NOT_SUPPORTED);
}

int veiltun__sys_set_persist(veiltun *dev, int persist)
{
    (void)persist;
    veiltun__log(VEILTUN_LOG_ERROR, "%s: Wintun adapters end with their process", dev->name);
    return veiltun__fail_os(VEILTUN_ENOTSUP, ERROR_NOT_SUPPORTED);
}

int veiltun__sys_set_offload(veiltun *dev, uint32_t features)
{
    (void)features;
    veiltun__log(VEILTUN_LOG_ERROR, "%s: Wintun has no segmentation offload", dev->name);
    return veiltun__fail_os(VEILTUN_ENOTSUP, ERROR_NOT_SUPPORTED);
}

int veiltun__sys_merges_writes(const veiltun *dev)
{
    (void)dev;
    return 0;
}

int veiltun__sys_write_batch(veiltun *dev, veiltun_packet *pkts, size_t count)
{
    (void)dev;
    (void)pkts;
    (void)count;
    return VEILTUN_ENOTSUP; /* never called: Wintun does not merge writes */
}

int veiltun__sys_get_offload(const veiltun *dev)
{
    (void)dev;
    return 0;
}

int veiltun__sys_set_metric(veiltun *dev, uint32_t metric)
{
    return veiltun__ipconfig_set_metric(dev, metric);
}

int veiltun__sys_address(veiltun *dev, const veiltun_prefix *p, int add)
{
    return veiltun__ipconfig_address(dev, p, add);
}

int veiltun__sys_get_addresses(veiltun *dev, veiltun_prefix *out, size_t max)
{
    return veiltun__ip_get_addresses(dev->sys.luid, out, max);
}

int veiltun__sys_route(veiltun *dev, const veiltun_prefix *dst, const veiltun_prefix *gw,
                       uint32_t metric, int add)
{
    return veiltun__ipconfig_route(dev, dst, gw, metric, add);
}

/* ---- looking without opening ---- */

static int luid_of(const char *name, uint64_t *luid)
{
    WCHAR wide[128];

    if (veiltun__to_wide(name, wide, 128) < 0)
        return veiltun__fail_input(VEILTUN_EBADNAME, "device name is not valid UTF-8");
    return veiltun__ip_luid_by_name(wide, luid);
}

int veiltun__sys_query(const char *name, veiltun_info *out)
{
    uint64_t luid;
    int err = luid_of(name, &luid);

    return err < 0 ? err : veiltun__ip_link(luid, out);
}

int veiltun__sys_query_addresses(const char *name, veiltun_prefix *out, size_t max)
{
    uint64_t luid;
    int err = luid_of(name, &luid);

    return err < 0 ? err : veiltun__ip_get_addresses(luid, out, max);
}

int veiltun__sys_list(veiltun_info *out, size_t max)
{
    const struct veiltun__iphlp *t = veiltun__iphlp();
    MIB_IF_TABLE2 *table = NULL;
    size_t count = 0;
    DWORD rc = t->GetIfTable2 ? t->GetIfTable2(&table) : ERROR_PROC_NOT_FOUND;

    if (rc)
        return veiltun__win_error(rc, "list adapters");
    /* Wintun adapters are the virtual ones (type 53, driver/wintun.inf) whose description is
     * a tunnel type we can't know in general: list every virtual interface that is not a
     * filter module's row (GetIfTable2 returns those too, FilterInterface set). */
    for (ULONG i = 0; i < table->NumEntries; i++) {
        const MIB_IF_ROW2 *row = &table->Table[i];
        veiltun_info info;
        if (row->Type != IF_TYPE_PROP_VIRTUAL || row->InterfaceAndOperStatusFlags.FilterInterface)
            continue;
        if (veiltun__ip_link(row->InterfaceLuid.Value, &info) < 0)
            continue;
        if (count < max)
            out[count] = info;
        count++;
    }
    if (t->FreeMibTable)
        t->FreeMibTable(table);
    return count > INT32_MAX ? INT32_MAX : (int)count;
}
