/* SPDX-License-Identifier: MIT */
/* Shared by the Windows tests: the double's exports and the IP Helper recorder (recorder.h).
 *
 * The recorder models what Windows' IP Helper does for the double's Wintun adapters: per
 * (LUID, family) IP interfaces that arrive after the LUID exists, notifications delivered from
 * one thread of its own, and the codes and junk values Windows is known to return. Sources are
 * named next to each rule: MS docs (Microsoft's IP Helper reference), wg-windows (the
 * wireguard-windows tunnel sources), audit Dn (/work/shared/docs/windows-audit.md).
 *
 * Locking: one CRITICAL_SECTION guards everything here. It is never held while calling into the
 * double (whose hook runs with the double's own lock possibly held and takes ours) nor while a
 * callback runs. */
#include "double.h"
#include "recorder.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* ---------------------------------------------------------------------------------------- */
/* The double. */

void double_load(struct wintun_double *d)
{
    HMODULE m = LoadLibraryExW(L"wintun.dll", NULL, LOAD_LIBRARY_SEARCH_APPLICATION_DIR);

    if (m == NULL)
        TEST_FAIL("the test double wintun.dll is not beside the test");
#define RESOLVE(field, name)                                                                       \
    {                                                                                              \
        FARPROC f_ = GetProcAddress(m, name);                                                      \
        memcpy(&d->field, &f_, sizeof(f_));                                                        \
    }                                                                                              \
    if (d->field == NULL)                                                                          \
        TEST_FAIL("the double lacks %s", name);
    RESOLVE(inject, "WintunTestInject")
    RESOLVE(inject_batch, "WintunTestInjectBatch")
    RESOLVE(take_sent, "WintunTestTakeSent")
    RESOLVE(fill_send_ring, "WintunTestFillSendRing")
    RESOLVE(end_of_file, "WintunTestEndOfFile")
    RESOLVE(corrupt_receive_ring, "WintunTestCorruptReceiveRing")
    RESOLVE(corrupt_send_ring, "WintunTestCorruptSendRing")
    RESOLVE(driver_upgrade, "WintunTestDriverUpgrade")
    RESOLVE(set_disabled, "WintunTestSetDisabled")
    RESOLVE(set_device_timeout, "WintunTestSetDeviceTimeout")
    RESOLVE(fail_next, "WintunTestFailNext")
    RESOLVE(violations, "WintunTestViolations")
    RESOLVE(capacity, "WintunTestCapacity")
    RESOLVE(session_starts, "WintunTestSessionStarts")
    RESOLVE(adapters, "WintunTestAdapters")
    RESOLVE(has_session, "WintunTestHasSession")
    RESOLVE(log, "WintunTestLog")
    RESOLVE(add_foreign, "WintunTestAddForeign")
    RESOLVE(remove_foreign, "WintunTestRemoveForeign")
    RESOLVE(by_alias, "WintunTestByAlias")
    RESOLVE(by_luid, "WintunTestByLuid")
    RESOLVE(iface, "WintunTestIface")
    RESOLVE(set_hook, "WintunTestSetHook")
#undef RESOLVE
}

/* ---------------------------------------------------------------------------------------- */
/* State. */

struct recorder rec;
struct wintun_double dbl;

/* Wintun's NDIS MTU, which is also where NlMtu starts for both families
 * (wintun driver/wintun.c sets 0xFFFF; audit D3, D8). */
#define WINTUN_MTU 65535
/* Junk Windows returns in SitePrefixLength (wg-windows tunnel/winipcfg/types.go zeroes IPv4
 * values above 32 and caps IPv6 values above 128 before Set; audit D4). */
#define JUNK_SITE_PREFIX_V4 64
#define JUNK_SITE_PREFIX_V6 255
#define IFACES_MAX          32
#define QUEUE_MAX           256
#define REGS_MAX            16
#define HISTORY_MAX         128
/* A filter module's row takes its adapter's LUID with this NetLuidIndex bit set. */
#define FILTER_LUID_BIT (1ULL << 46)
#define FILTER_INDEX    0x1000u

struct family_state {
    enum rec_arrival how;
    unsigned after; /* calls or ms, per `how` */
    unsigned calls; /* failing calls so far (ARRIVE_AFTER_CALLS) */
    BOOL arrived;
    ULONGLONG arrived_at; /* GetTickCount64() */
    MIB_IPINTERFACE_ROW row;
};

struct iface_state {
    BOOL used, removed;
    uint64_t luid;
    DWORD index;
    ULONGLONG created_at;
    struct family_state fam[2];
    char media[HISTORY_MAX];
    size_t n_media;
};

struct address {
    MIB_UNICASTIPADDRESS_ROW row;
    ULONGLONG created_at;
};

struct reg {
    BOOL used;
    ADDRESS_FAMILY family;
    PIPINTERFACE_CHANGE_CALLBACK cb;
    void *ctx;
    ULONGLONG since; /* the first event sequence number it may see */
    BOOL running;
};

struct event {
    ULONGLONG seq;
    struct reg *only; /* the initial notification goes to one registration */
    MIB_NOTIFICATION_TYPE type;
    BOOL has_row;
    MIB_IPINTERFACE_ROW row;
};

static CRITICAL_SECTION lock;
static CONDITION_VARIABLE work, changed; /* work: for the thread; changed: for waiters */
static INIT_ONCE started = INIT_ONCE_STATIC_INIT;
static DWORD notify_tid;

static struct iface_state ifaces[IFACES_MAX];
static struct address addresses[RECORD_MAX];
static int n_addresses;
static MIB_IPFORWARD_ROW2 routes[RECORD_MAX];
static int n_routes;
static struct reg regs[REGS_MAX];
static struct event queue[QUEUE_MAX];
static unsigned q_head, q_len;
static ULONGLONG next_seq;
static BOOL busy; /* the thread is delivering an event */

static int fam_slot(int family)
{
    return family == AF_INET ? REC_V4 : family == AF_INET6 ? REC_V6 : -1;
}

/* The recorder_* queries take REC_V4/REC_V6 (or AF_INET/AF_INET6). */
static int query_slot(int family)
{
    return family == REC_V4 || family == REC_V6 ? family : fam_slot(family);
}

static ADDRESS_FAMILY slot_family(int f)
{
    return f == REC_V4 ? AF_INET : AF_INET6;
}

static struct iface_state *find_luid(uint64_t luid)
{
    for (int i = 0; i < IFACES_MAX; i++)
        if (ifaces[i].used && ifaces[i].luid == luid)
            return &ifaces[i];
    return NULL;
}

/* MS docs (GetIpInterfaceEntry and the Create* calls): the LUID names the interface, or the
 * index when the LUID is 0. */
static struct iface_state *find_row(NET_LUID luid, NET_IFINDEX index)
{
    if (luid.Value != 0)
        return find_luid(luid.Value);
    for (int i = 0; i < IFACES_MAX; i++)
        if (ifaces[i].used && ifaces[i].index == index)
            return &ifaces[i];
    return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Notifications: a queue and one thread. MS docs (NotifyIpInterfaceChange): callbacks run on a
 * system thread, never the caller's (audit D10). */

static void enqueue(struct reg *only, MIB_NOTIFICATION_TYPE type, const MIB_IPINTERFACE_ROW *row)
{
    struct event *e;

    if (q_len == QUEUE_MAX) {
        fprintf(stderr, "recorder: notification queue full\n");
        exit(1);
    }
    e = &queue[(q_head + q_len++) % QUEUE_MAX];
    memset(e, 0, sizeof(*e));
    e->seq = next_seq++;
    e->only = only;
    e->type = type;
    e->has_row = row != NULL;
    if (row)
        e->row = *row;
    WakeAllConditionVariable(&work);
}

static void enqueue_iface(struct iface_state *s, int f, MIB_NOTIFICATION_TYPE type)
{
    MIB_IPINTERFACE_ROW row;

    memset(&row, 0, sizeof(row));
    row.Family = slot_family(f);
    row.InterfaceLuid.Value = s->luid;
    row.InterfaceIndex = s->index;
    enqueue(NULL, type, &row);
}

/* MS docs (NotifyIpInterfaceChange): a new IP interface is announced with MibAddInstance. */
static void arrive(struct iface_state *s, int f)
{
    s->fam[f].arrived = TRUE;
    s->fam[f].arrived_at = GetTickCount64();
    enqueue_iface(s, f, MibAddInstance);
}

/* Arrivals due by time (ARRIVE_AFTER_MS); returns ms to the next one, or INFINITE. */
static DWORD arrive_due(void)
{
    ULONGLONG now = GetTickCount64(), next = ~0ULL;

    for (int i = 0; i < IFACES_MAX; i++) {
        struct iface_state *s = &ifaces[i];
        for (int f = 0; s->used && !s->removed && f < 2; f++) {
            ULONGLONG due = s->created_at + s->fam[f].after;
            if (s->fam[f].arrived || s->fam[f].how != ARRIVE_AFTER_MS)
                continue;
            if (due <= now)
                arrive(s, f);
            else if (due < next)
                next = due;
        }
    }
    return next == ~0ULL ? INFINITE : (DWORD)(next - now);
}

static BOOL family_matches(ADDRESS_FAMILY want, const struct event *e)
{
    return want == AF_UNSPEC || !e->has_row || e->row.Family == want;
}

static void count(const struct event *e)
{
    int f = e->has_row ? fam_slot(e->row.Family) : -1;

    if (e->type == MibAddInstance && f >= 0)
        InterlockedIncrement(&rec.delivered_add[f]);
    else if (e->type == MibDeleteInstance && f >= 0)
        InterlockedIncrement(&rec.delivered_delete[f]);
    else if (e->type == MibParameterNotification)
        InterlockedIncrement(&rec.delivered_parameter);
}

static DWORD WINAPI notify_thread(void *arg)
{
    (void)arg;
    EnterCriticalSection(&lock);
    for (;;) {
        DWORD wait = arrive_due();
        struct event e;

        if (q_len == 0) {
            busy = FALSE;
            WakeAllConditionVariable(&changed);
            SleepConditionVariableCS(&work, &lock, wait);
            continue;
        }
        busy = TRUE;
        e = queue[q_head];
        q_head = (q_head + 1) % QUEUE_MAX;
        q_len--;
        for (int i = 0; i < REGS_MAX; i++) {
            struct reg *r = &regs[i];
            MIB_IPINTERFACE_ROW row = e.row;
            PIPINTERFACE_CHANGE_CALLBACK cb = r->cb;
            void *ctx = r->ctx;
            if (!r->used || e.seq < r->since ||
                (e.only ? e.only != r : !family_matches(r->family, &e)))
                continue;
            r->running = TRUE;
            LeaveCriticalSection(&lock);
            cb(ctx, e.has_row ? &row : NULL, e.type);
            EnterCriticalSection(&lock);
            r->running = FALSE;
            count(&e);
            WakeAllConditionVariable(&changed);
        }
    }
    return 0;
}

static BOOL CALLBACK start(INIT_ONCE *once, void *param, void **ctx)
{
    HANDLE t;

    (void)once;
    (void)param;
    (void)ctx;
    InitializeCriticalSection(&lock);
    InitializeConditionVariable(&work);
    InitializeConditionVariable(&changed);
    t = CreateThread(NULL, 0, notify_thread, NULL, 0, &notify_tid);
    if (t == NULL)
        TEST_FAIL("recorder: cannot start its notification thread");
    CloseHandle(t);
    return TRUE;
}

void recorder_settle(void)
{
    if (GetCurrentThreadId() == notify_tid)
        return; /* from a callback: the thread cannot wait for itself */
    EnterCriticalSection(&lock);
    for (int i = 0; i < 12000 && (q_len > 0 || busy); i++)
        SleepConditionVariableCS(&changed, &lock, 10);
    LeaveCriticalSection(&lock);
}

static DWORD WINAPI notify(ADDRESS_FAMILY family, PIPINTERFACE_CHANGE_CALLBACK cb, PVOID ctx,
                           BOOLEAN initial, HANDLE *handle)
{
    struct reg *r = NULL;
    DWORD c;

    EnterCriticalSection(&lock);
    c = rec.fail_notify;
    rec.fail_notify = 0;
    if (c == 0 && (cb == NULL || handle == NULL ||
                   (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)))
        c = ERROR_INVALID_PARAMETER; /* MS docs (NotifyIpInterfaceChange) */
    for (int i = 0; c == 0 && r == NULL && i < REGS_MAX; i++)
        if (!regs[i].used)
            r = &regs[i];
    if (c == 0 && r == NULL)
        c = ERROR_NOT_ENOUGH_MEMORY;
    if (c == 0) {
        memset(r, 0, sizeof(*r));
        r->used = TRUE;
        r->family = family;
        r->cb = cb;
        r->ctx = ctx;
        r->since = next_seq;
        *handle = (HANDLE)r;
        InterlockedIncrement(&rec.registered);
        /* MS docs: InitialNotification TRUE calls back at once (from the system thread) with
         * MibInitialNotification and no row. */
        if (initial)
            enqueue(r, MibInitialNotification, NULL);
    }
    LeaveCriticalSection(&lock);
    return c;
}

static DWORD WINAPI cancel_notify(HANDLE handle)
{
    struct reg *r = (struct reg *)handle;
    BOOL ours = FALSE;

    /* MS docs (CancelMibChangeNotify2): must not be called from the callback (it waits for the
     * running callback, i.e. for itself). */
    if (GetCurrentThreadId() == notify_tid) {
        fprintf(stderr, "recorder: CancelMibChangeNotify2 called from a callback\n");
        exit(1);
    }
    for (int i = 0; i < REGS_MAX; i++)
        ours |= r == &regs[i];
    EnterCriticalSection(&lock);
    if (!ours || !r->used) {
        LeaveCriticalSection(&lock);
        return ERROR_INVALID_PARAMETER;
    }
    /* MS docs: returns once a callback of this registration that is running has returned. */
    while (r->running)
        SleepConditionVariableCS(&changed, &lock, INFINITE);
    r->used = FALSE;
    InterlockedDecrement(&rec.registered);
    InterlockedIncrement(&rec.cancelled);
    LeaveCriticalSection(&lock);
    return NO_ERROR;
}

/* ---------------------------------------------------------------------------------------- */
/* The double's hook: adapters come and go, media connects. */

static void initial_row(struct iface_state *s, int f)
{
    MIB_IPINTERFACE_ROW *row = &s->fam[f].row;

    memset(row, 0, sizeof(*row));
    row->Family = slot_family(f);
    row->InterfaceLuid.Value = s->luid;
    row->InterfaceIndex = s->index;
    row->NlMtu = WINTUN_MTU;
    row->UseAutomaticMetric = TRUE;
    row->Metric = 5; /* Windows' automatic metric for a very fast link */
    /* wg-windows tunnel/addressconfig.go turns these off because they are on by default. */
    row->RouterDiscoveryBehavior = f == REC_V4 ? RouterDiscoveryDhcp : RouterDiscoveryEnabled;
    row->DadTransmits = f == REC_V4 ? 3 : 1;
    row->ManagedAddressConfigurationSupported = f == REC_V6;
    row->OtherStatefulConfigurationSupported = f == REC_V6;
    row->AdvertisingEnabled = FALSE;
    row->ForwardingEnabled = FALSE;
    row->BaseReachableTime = 30000;
    row->ReachableTime = 30000;
    row->RetransmitTime = 1000;
    row->PathMtuDiscoveryTimeout = 600000;
}

/* Called with the lock held. */
static void create_state(const struct wintun_test_iface *t, BOOL announce)
{
    struct iface_state *s = find_luid(t->luid);

    for (int i = 0; s == NULL && i < IFACES_MAX; i++)
        if (!ifaces[i].used)
            s = &ifaces[i];
    if (s == NULL) {
        fprintf(stderr, "recorder: too many adapters\n");
        exit(1);
    }
    if (!s->used) {
        memset(s, 0, sizeof(*s));
        s->used = TRUE;
    }
    /* Back after a removal (a driver upgrade): the media history is kept. */
    s->removed = FALSE;
    s->luid = t->luid;
    s->index = t->index;
    s->created_at = GetTickCount64();
    for (int f = 0; f < 2; f++) {
        struct family_state *fs = &s->fam[f];
        memset(fs, 0, sizeof(*fs));
        fs->how = rec.arrival[f];
        fs->after = rec.arrival_after[f];
        /* IPv6 disabled by DisabledComponents: its interface never appears (audit D2). */
        if (f == REC_V6 && rec.ipv6_disabled)
            fs->how = ARRIVE_NEVER;
        initial_row(s, f);
        if (fs->how == ARRIVE_AT_ONCE || (fs->how == ARRIVE_AFTER_CALLS && fs->after == 0)) {
            if (announce)
                arrive(s, f);
            else
                fs->arrived = TRUE, fs->arrived_at = s->created_at;
        }
    }
    WakeAllConditionVariable(&work); /* ARRIVE_AFTER_MS: the thread sets its timer */
}

static void media(struct iface_state *s, char c)
{
    if (s->n_media + 1 < HISTORY_MAX) {
        s->media[s->n_media++] = c;
        s->media[s->n_media] = 0;
    }
    /* Windows reports a connectivity change of each IP interface as a parameter change. */
    for (int f = 0; f < 2; f++)
        if (s->fam[f].arrived)
            enqueue_iface(s, f, MibParameterNotification);
}

static void remove_luid(struct iface_state *s)
{
    /* MS docs (NotifyIpInterfaceChange): a deleted interface is announced with
     * MibDeleteInstance; its addresses and routes go with it. */
    for (int f = 0; f < 2; f++) {
        if (s->fam[f].arrived)
            enqueue_iface(s, f, MibDeleteInstance);
        s->fam[f].arrived = FALSE;
    }
    s->removed = TRUE;
    for (int i = 0; i < n_addresses;)
        if (addresses[i].row.InterfaceLuid.Value == s->luid)
            addresses[i] = addresses[--n_addresses];
        else
            i++;
    for (int i = 0; i < n_routes;)
        if (routes[i].InterfaceLuid.Value == s->luid)
            routes[i] = routes[--n_routes];
        else
            i++;
}

static void WINAPI hook(int what, uint64_t luid, void *ctx)
{
    struct wintun_test_iface t;
    BOOL known = FALSE;
    struct iface_state *s;

    (void)ctx;
    if (what == WINTUN_TEST_ADAPTER_ADDED)
        known = dbl.by_luid(luid, &t); /* before our lock: never call the double holding it */
    EnterCriticalSection(&lock);
    s = find_luid(luid);
    switch (what) {
    case WINTUN_TEST_ADAPTER_ADDED:
        if (known && t.wintun)
            create_state(&t, TRUE);
        break;
    case WINTUN_TEST_ADAPTER_REMOVED:
        if (s && !s->removed)
            remove_luid(s);
        break;
    case WINTUN_TEST_MEDIA_CONNECTED:
    case WINTUN_TEST_MEDIA_DISCONNECTED:
        if (s)
            media(s, what == WINTUN_TEST_MEDIA_CONNECTED ? 'U' : 'D');
        break;
    default:
        break;
    }
    LeaveCriticalSection(&lock);
}

/* ARRIVE_AFTER_CALLS: a call naming a family not there yet counts; after `after` such calls,
 * each failing with ERROR_NOT_FOUND, the interface arrives (announced as the last failing
 * call returns), so call after+1 succeeds. Called with the lock held; TRUE if present. */
static BOOL reach(struct iface_state *s, int f)
{
    struct family_state *fs;

    if (s == NULL || s->removed || f < 0)
        return FALSE;
    fs = &s->fam[f];
    if (fs->arrived)
        return TRUE;
    if (fs->how == ARRIVE_AFTER_CALLS && ++fs->calls >= fs->after)
        arrive(s, f);
    return FALSE;
}

/* ---------------------------------------------------------------------------------------- */
/* Interfaces. */

static VOID WINAPI init_interface(MIB_IPINTERFACE_ROW *row)
{
    memset(row, 0, sizeof(*row));
    row->SitePrefixLength = JUNK_SITE_PREFIX_V4; /* junk the caller must not send back */
    row->UseAutomaticMetric = TRUE;
}

static DWORD WINAPI get_interface(MIB_IPINTERFACE_ROW *row)
{
    struct iface_state *s;
    int f = row ? fam_slot(row->Family) : -1;
    struct wintun_test_iface t;
    BOOL connected = FALSE;
    DWORD c = ERROR_NOT_FOUND; /* audit D1: error 1168 before the interface arrives */

    if (f < 0)
        return ERROR_INVALID_PARAMETER; /* MS docs (GetIpInterfaceEntry) */
    if (row->InterfaceLuid.Value && dbl.by_luid(row->InterfaceLuid.Value, &t))
        connected = t.media_connected;
    EnterCriticalSection(&lock);
    s = find_row(row->InterfaceLuid, row->InterfaceIndex);
    if (reach(s, f)) {
        *row = s->fam[f].row;
        row->Connected = (BOOLEAN)connected;
        /* wg-windows tunnel/winipcfg/types.go: Get returns SitePrefixLength junk, IPv4 above
         * 32 and IPv6 above 128 (audit D4). */
        row->SitePrefixLength = f == REC_V4 ? JUNK_SITE_PREFIX_V4 : JUNK_SITE_PREFIX_V6;
        c = NO_ERROR;
    }
    LeaveCriticalSection(&lock);
    return c;
}

static DWORD WINAPI set_interface(MIB_IPINTERFACE_ROW *row)
{
    struct iface_state *s;
    int f = row ? fam_slot(row->Family) : -1;
    DWORD c;

    if (f < 0)
        return ERROR_INVALID_PARAMETER;
    EnterCriticalSection(&lock);
    c = rec.fail_set_interface;
    rec.fail_set_interface = 0;
    s = find_row(row->InterfaceLuid, row->InterfaceIndex);
    if (c == 0 && !reach(s, f))
        c = ERROR_NOT_FOUND;
    /* Stack Overflow 54857292 via wg-windows tunnel/winipcfg/types.go: Set rejects the junk
     * Get returns. Stricter than wg-windows' clamp: any non-zero IPv4 value is refused (the
     * field has no meaning for IPv4). */
    else if (c == 0 && f == REC_V4 && row->SitePrefixLength != 0)
        c = ERROR_INVALID_PARAMETER;
    else if (c == 0 && f == REC_V6 && row->SitePrefixLength > 128)
        c = ERROR_INVALID_PARAMETER;
    /* IPv6 requires 1280 (RFC 8200); what Windows returns below that is unconfirmed (audit
     * D3), so the test chooses, ERROR_INVALID_PARAMETER by default. */
    else if (c == 0 && f == REC_V6 && row->NlMtu < 1280)
        c = rec.ipv6_low_mtu_code;
    if (c == 0) {
        MIB_IPINTERFACE_ROW *held = &s->fam[f].row;
        BOOL parameter = held->NlMtu != row->NlMtu || held->Metric != row->Metric;
        MIB_IPINTERFACE_ROW keep = *held;
        *held = *row;
        held->Family = keep.Family;
        held->InterfaceLuid = keep.InterfaceLuid;
        held->InterfaceIndex = keep.InterfaceIndex;
        if (rec.n_set < RECORD_MAX)
            rec.set[rec.n_set++] = *row;
        /* Windows announces changed interface parameters (MTU, metric). */
        if (parameter)
            enqueue_iface(s, f, MibParameterNotification);
    }
    LeaveCriticalSection(&lock);
    return c;
}

/* ---------------------------------------------------------------------------------------- */
/* Addresses. */

static VOID WINAPI init_address(MIB_UNICASTIPADDRESS_ROW *row)
{
    /* MS docs (InitializeUnicastIpAddressEntry): infinite lifetimes, origins unchanged; the
     * DadState is left for the caller to set (audit D6). */
    memset(row, 0, sizeof(*row));
    row->PrefixOrigin = IpPrefixOriginUnchanged;
    row->SuffixOrigin = IpSuffixOriginUnchanged;
    row->ValidLifetime = row->PreferredLifetime = 0xffffffff;
    row->OnLinkPrefixLength = 0xff;
    row->DadState = IpDadStateInvalid;
}

static BOOL same_address(const SOCKADDR_INET *a, const SOCKADDR_INET *b)
{
    if (a->si_family != b->si_family)
        return FALSE;
    if (a->si_family == AF_INET)
        return memcmp(&a->Ipv4.sin_addr, &b->Ipv4.sin_addr, 4) == 0;
    return memcmp(&a->Ipv6.sin6_addr, &b->Ipv6.sin6_addr, 16) == 0;
}

static int find_address(const MIB_UNICASTIPADDRESS_ROW *row, uint64_t luid)
{
    for (int i = 0; i < n_addresses; i++)
        if (addresses[i].row.InterfaceLuid.Value == luid &&
            same_address(&addresses[i].row.Address, &row->Address))
            return i;
    return -1;
}

static DWORD WINAPI create_address(const MIB_UNICASTIPADDRESS_ROW *row)
{
    struct iface_state *s;
    int f = row ? fam_slot(row->Address.si_family) : -1;
    DWORD c;

    if (f < 0)
        return ERROR_INVALID_PARAMETER;
    EnterCriticalSection(&lock);
    c = rec.fail_address;
    rec.fail_address = 0;
    s = find_row(row->InterfaceLuid, row->InterfaceIndex);
    if (c == 0 && !reach(s, f))
        c = ERROR_NOT_FOUND; /* MS docs: the interface does not exist (yet, audit D1) */
    else if (c == 0 && row->OnLinkPrefixLength > (f == REC_V4 ? 32 : 128))
        c = ERROR_INVALID_PARAMETER;
    /* MS docs (CreateUnicastIpAddressEntry); wg-windows tunnel/addressconfig.go handles it. */
    else if (c == 0 && find_address(row, s->luid) >= 0)
        c = ERROR_OBJECT_ALREADY_EXISTS;
    else if (c == 0 && n_addresses == RECORD_MAX)
        c = ERROR_NOT_ENOUGH_MEMORY;
    if (c == 0) {
        struct address *a = &addresses[n_addresses++];
        a->row = *row;
        a->row.InterfaceLuid.Value = s->luid;
        a->row.InterfaceIndex = s->index;
        a->created_at = GetTickCount64();
        if (rec.n_added < RECORD_MAX)
            rec.added[rec.n_added++] = *row;
    }
    LeaveCriticalSection(&lock);
    return c;
}

static DWORD WINAPI delete_address(const MIB_UNICASTIPADDRESS_ROW *row)
{
    struct iface_state *s;
    int i = -1;
    DWORD c;

    if (row == NULL || fam_slot(row->Address.si_family) < 0)
        return ERROR_INVALID_PARAMETER;
    EnterCriticalSection(&lock);
    c = rec.fail_address;
    rec.fail_address = 0;
    s = find_row(row->InterfaceLuid, row->InterfaceIndex);
    if (c == 0 && (s == NULL || (i = find_address(row, s->luid)) < 0))
        c = ERROR_NOT_FOUND; /* MS docs (DeleteUnicastIpAddressEntry) */
    if (c == 0) {
        addresses[i] = addresses[--n_addresses];
        if (rec.n_deleted < RECORD_MAX)
            rec.deleted[rec.n_deleted++] = *row;
    }
    LeaveCriticalSection(&lock);
    return c;
}

/* MS docs (CreateUnicastIpAddressEntry): before Windows 10 DadState is ignored and the address
 * stays tentative while DAD runs; rec.tentative_ms models that. */
static NL_DAD_STATE dad(ULONGLONG since)
{
    return GetTickCount64() - since < rec.tentative_ms ? IpDadStateTentative : IpDadStatePreferred;
}

static void loopback_row(MIB_UNICASTIPADDRESS_ROW *r, ADDRESS_FAMILY family)
{
    init_address(r);
    r->InterfaceLuid.Value = 24ULL << 48 | 1ULL << 24; /* IF_TYPE_SOFTWARE_LOOPBACK, index 1 */
    r->InterfaceIndex = 1;
    r->Address.si_family = family;
    r->PrefixOrigin = IpPrefixOriginWellKnown;
    r->SuffixOrigin = IpSuffixOriginWellKnown;
    r->DadState = IpDadStatePreferred;
    if (family == AF_INET) {
        r->Address.Ipv4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        r->OnLinkPrefixLength = 8;
    } else {
        r->Address.Ipv6.sin6_addr.s6_addr[15] = 1;
        r->OnLinkPrefixLength = 128;
    }
}

/* The fe80::/64 address Windows gives every IPv6 interface; Wintun has no MAC, so the
 * interface identifier is random on Windows: here it is derived from the LUID (audit D12). */
static void link_local_row(MIB_UNICASTIPADDRESS_ROW *r, const struct iface_state *s)
{
    init_address(r);
    r->InterfaceLuid.Value = s->luid;
    r->InterfaceIndex = s->index;
    r->Address.si_family = AF_INET6;
    r->Address.Ipv6.sin6_addr.s6_addr[0] = 0xfe;
    r->Address.Ipv6.sin6_addr.s6_addr[1] = 0x80;
    for (int i = 0; i < 8; i++)
        r->Address.Ipv6.sin6_addr.s6_addr[8 + i] = (UCHAR)(s->luid >> (56 - 8 * i));
    r->Address.Ipv6.sin6_scope_id = s->index;
    r->OnLinkPrefixLength = 64;
    r->PrefixOrigin = IpPrefixOriginWellKnown;
    r->SuffixOrigin = IpSuffixOriginRandom;
    r->ScopeId.Value = s->index;
    r->DadState = dad(s->fam[REC_V6].arrived_at);
}

static DWORD WINAPI address_table(ADDRESS_FAMILY family, MIB_UNICASTIPADDRESS_TABLE **out)
{
    size_t max = RECORD_MAX + IFACES_MAX + 2;
    MIB_UNICASTIPADDRESS_TABLE *t;

    if (out == NULL || (family != AF_UNSPEC && family != AF_INET && family != AF_INET6))
        return ERROR_INVALID_PARAMETER; /* MS docs (GetUnicastIpAddressTable) */
    t = calloc(1, sizeof(*t) + max * sizeof(MIB_UNICASTIPADDRESS_ROW));
    if (t == NULL)
        return ERROR_NOT_ENOUGH_MEMORY;
    EnterCriticalSection(&lock);
    /* Windows always has its loopback addresses (also with DisabledComponents 0xFF, which
     * leaves IPv6 loopback alone), so the table is never empty. */
    if (family != AF_INET6)
        loopback_row(&t->Table[t->NumEntries++], AF_INET);
    if (family != AF_INET)
        loopback_row(&t->Table[t->NumEntries++], AF_INET6);
    for (int i = 0; i < n_addresses; i++) {
        MIB_UNICASTIPADDRESS_ROW *r = &t->Table[t->NumEntries];
        if (family != AF_UNSPEC && addresses[i].row.Address.si_family != family)
            continue;
        *r = addresses[i].row;
        r->DadState = dad(addresses[i].created_at);
        t->NumEntries++;
    }
    for (int i = 0; family != AF_INET && i < IFACES_MAX; i++)
        if (ifaces[i].used && !ifaces[i].removed && ifaces[i].fam[REC_V6].arrived)
            link_local_row(&t->Table[t->NumEntries++], &ifaces[i]);
    LeaveCriticalSection(&lock);
    *out = t;
    return NO_ERROR;
}

static VOID WINAPI free_table(PVOID p)
{
    free(p);
}

/* ---------------------------------------------------------------------------------------- */
/* Routes. */

static VOID WINAPI init_route(MIB_IPFORWARD_ROW2 *row)
{
    /* MS docs (InitializeIpForwardEntry): defaults; the metric here is junk the caller must
     * set. */
    memset(row, 0, sizeof(*row));
    row->ValidLifetime = row->PreferredLifetime = 0xffffffff;
    row->Protocol = MIB_IPPROTO_NETMGMT;
    row->Metric = 0xdeadbeef;
}

static BOOL same_route(const MIB_IPFORWARD_ROW2 *a, const MIB_IPFORWARD_ROW2 *b, uint64_t luid)
{
    return a->InterfaceLuid.Value == luid &&
           a->DestinationPrefix.PrefixLength == b->DestinationPrefix.PrefixLength &&
           same_address(&a->DestinationPrefix.Prefix, &b->DestinationPrefix.Prefix) &&
           same_address(&a->NextHop, &b->NextHop);
}

static int find_route(const MIB_IPFORWARD_ROW2 *row, uint64_t luid)
{
    for (int i = 0; i < n_routes; i++)
        if (same_route(&routes[i], row, luid))
            return i;
    return -1;
}

static DWORD WINAPI create_route(const MIB_IPFORWARD_ROW2 *row)
{
    struct iface_state *s;
    int f = row ? fam_slot(row->DestinationPrefix.Prefix.si_family) : -1;
    DWORD c;

    if (f < 0 || row->DestinationPrefix.PrefixLength > (f == REC_V4 ? 32 : 128))
        return ERROR_INVALID_PARAMETER;
    EnterCriticalSection(&lock);
    c = rec.fail_route;
    rec.fail_route = 0;
    s = find_row(row->InterfaceLuid, row->InterfaceIndex);
    if (c == 0 && !reach(s, f))
        c = ERROR_NOT_FOUND; /* audit D1: the interface is not there yet */
    else if (c == 0 && find_route(row, s->luid) >= 0)
        c = ERROR_OBJECT_ALREADY_EXISTS; /* MS docs (CreateIpForwardEntry2) */
    else if (c == 0 && n_routes == RECORD_MAX)
        c = ERROR_NOT_ENOUGH_MEMORY;
    if (c == 0) {
        routes[n_routes] = *row;
        routes[n_routes].InterfaceLuid.Value = s->luid;
        routes[n_routes++].InterfaceIndex = s->index;
        if (rec.n_routes_added < RECORD_MAX)
            rec.routes_added[rec.n_routes_added++] = *row;
    }
    LeaveCriticalSection(&lock);
    return c;
}

static DWORD WINAPI delete_route(const MIB_IPFORWARD_ROW2 *row)
{
    struct iface_state *s;
    int i = -1;
    DWORD c;

    if (row == NULL)
        return ERROR_INVALID_PARAMETER;
    EnterCriticalSection(&lock);
    c = rec.fail_route;
    rec.fail_route = 0;
    s = find_row(row->InterfaceLuid, row->InterfaceIndex);
    if (c == 0 && (s == NULL || (i = find_route(row, s->luid)) < 0))
        c = ERROR_NOT_FOUND; /* MS docs (DeleteIpForwardEntry2) */
    if (c == 0) {
        routes[i] = routes[--n_routes];
        if (rec.n_routes_deleted < RECORD_MAX)
            rec.routes_deleted[rec.n_routes_deleted++] = *row;
    }
    LeaveCriticalSection(&lock);
    return c;
}

/* ---------------------------------------------------------------------------------------- */
/* Interface rows (GetIfEntry2, GetIfTable2) from the double's table. */

/* Row i of the double's table: WintunTestIface returns how many rows the table has and fills
 * *out when i is below that. */
static BOOL table_row(int i, struct wintun_test_iface *out)
{
    return i < dbl.iface(i, out);
}

static void if_row(const struct wintun_test_iface *t, MIB_IF_ROW2 *row)
{
    memset(row, 0, sizeof(*row));
    row->InterfaceLuid.Value = t->luid;
    row->InterfaceIndex = t->index;
    wcsncpy(row->Alias, t->alias, IF_MAX_STRING_SIZE);
    wcsncpy(row->Description, t->wintun ? L"Wintun Userspace Tunnel" : t->alias,
            IF_MAX_STRING_SIZE);
    row->Type = t->type;
    /* audit D8: the NDIS MTU, 0xFFFF for Wintun (driver/wintun.c) whatever NlMtu is set to. */
    row->Mtu = t->wintun ? WINTUN_MTU : 1500;
    row->TransmitLinkSpeed = row->ReceiveLinkSpeed = 100000000000ULL;
    row->AdminStatus = NET_IF_ADMIN_STATUS_UP;
    row->OperStatus = !t->present          ? IfOperStatusNotPresent
                      : t->media_connected ? IfOperStatusUp
                                           : IfOperStatusDown;
    row->MediaConnectState =
        t->media_connected ? MediaConnectStateConnected : MediaConnectStateDisconnected;
    row->InterfaceAndOperStatusFlags.HardwareInterface = !t->wintun && t->type != 53;
    row->InterfaceAndOperStatusFlags.NotMediaConnected = !t->media_connected;
}

/* The hidden filter-module row Windows lists beside an adapter (MS docs: MIB_IF_ROW2's
 * FilterInterface flag; audit D11 for the alias). */
static void filter_row(const struct wintun_test_iface *t, MIB_IF_ROW2 *row)
{
    if_row(t, row);
    row->InterfaceLuid.Value = t->luid | FILTER_LUID_BIT;
    row->InterfaceIndex = t->index + FILTER_INDEX;
    _snwprintf(row->Alias, IF_MAX_STRING_SIZE, L"%ls-WFP Native MAC Layer LightWeight Filter-0000",
               t->alias);
    row->Alias[IF_MAX_STRING_SIZE] = 0;
    row->Type = 53;
    row->InterfaceAndOperStatusFlags.FilterInterface = TRUE;
}

static DWORD WINAPI if_entry(MIB_IF_ROW2 *row)
{
    struct wintun_test_iface t;
    BOOL filter = FALSE, found = FALSE;

    if (row == NULL)
        return ERROR_INVALID_PARAMETER;
    if (row->InterfaceLuid.Value != 0) {
        uint64_t luid = row->InterfaceLuid.Value;
        found = dbl.by_luid(luid, &t);
        if (!found && (luid & FILTER_LUID_BIT))
            filter = found = dbl.by_luid(luid & ~FILTER_LUID_BIT, &t) && t.wintun;
    } else {
        for (int i = 0; !found && table_row(i, &t); i++) {
            found = t.index == row->InterfaceIndex;
            if (!found && t.wintun && t.index + FILTER_INDEX == row->InterfaceIndex)
                found = filter = TRUE;
        }
    }
    /* MS docs (GetIfEntry2Ex): an interface the machine does not have (audit D9). */
    if (!found)
        return ERROR_FILE_NOT_FOUND;
    if (filter)
        filter_row(&t, row);
    else
        if_row(&t, row);
    return NO_ERROR;
}

static DWORD WINAPI if_table(MIB_IF_TABLE2 **out)
{
    struct wintun_test_iface t;
    MIB_IF_TABLE2 *table;
    int n = 0;

    if (out == NULL)
        return ERROR_INVALID_PARAMETER;
    n = dbl.iface(0, NULL);
    if (n < 0)
        n = 0;
    /* Twice as many rows: room for each adapter's filter row. */
    table = calloc(1, sizeof(*table) + (size_t)(2 * n + 1) * sizeof(MIB_IF_ROW2));
    if (table == NULL)
        return ERROR_NOT_ENOUGH_MEMORY;
    for (int i = 0; i < n && table_row(i, &t); i++) {
        if_row(&t, &table->Table[table->NumEntries++]);
        if (t.wintun)
            filter_row(&t, &table->Table[table->NumEntries++]);
    }
    *out = table;
    return NO_ERROR;
}

/* MS docs (ConvertInterfaceAliasToLuid): any interface, case-insensitive; an unknown alias is
 * ERROR_INVALID_PARAMETER. */
static DWORD WINAPI alias_to_luid(const WCHAR *alias, NET_LUID *luid)
{
    struct wintun_test_iface t;

    if (alias == NULL || luid == NULL || !dbl.by_alias(alias, &t))
        return ERROR_INVALID_PARAMETER;
    luid->Value = t.luid;
    return NO_ERROR;
}

/* The registry: only Tcpip6's DisabledComponents is modelled. Absent by default, as on a
 * fresh Windows; 0xFF disables IPv6 on every non-loopback interface (MS "Configuring IPv6 for
 * advanced users"; audit D2). */
static LSTATUS WINAPI reg_get_value(HKEY key, const WCHAR *subkey, const WCHAR *value, DWORD flags,
                                    DWORD *type, void *data, DWORD *size)
{
    DWORD v = 0xFF;

    if (key != HKEY_LOCAL_MACHINE || subkey == NULL || value == NULL ||
        _wcsicmp(subkey, L"SYSTEM\\CurrentControlSet\\Services\\Tcpip6\\Parameters") != 0 ||
        _wcsicmp(value, L"DisabledComponents") != 0 || !rec.ipv6_disabled)
        return ERROR_FILE_NOT_FOUND;
    /* MS docs (RegGetValueW): the value's type must be one the flags allow. */
    if (!(flags & RRF_RT_REG_DWORD))
        return ERROR_UNSUPPORTED_TYPE;
    if (type)
        *type = REG_DWORD;
    if (data == NULL) {
        if (size)
            *size = sizeof(v);
        return ERROR_SUCCESS;
    }
    if (size == NULL)
        return ERROR_INVALID_PARAMETER;
    if (*size < sizeof(v)) {
        *size = sizeof(v);
        return ERROR_MORE_DATA;
    }
    memcpy(data, &v, sizeof(v));
    *size = sizeof(v);
    return ERROR_SUCCESS;
}

const struct veiltun__iphlp recorder_table = {
    .InitializeUnicastIpAddressEntry = init_address,
    .CreateUnicastIpAddressEntry = create_address,
    .DeleteUnicastIpAddressEntry = delete_address,
    .GetUnicastIpAddressTable = address_table,
    .FreeMibTable = free_table,
    .InitializeIpInterfaceEntry = init_interface,
    .GetIpInterfaceEntry = get_interface,
    .SetIpInterfaceEntry = set_interface,
    .InitializeIpForwardEntry = init_route,
    .CreateIpForwardEntry2 = create_route,
    .DeleteIpForwardEntry2 = delete_route,
    .GetIfEntry2 = if_entry,
    .GetIfTable2 = if_table,
    .NotifyIpInterfaceChange = notify,
    .CancelMibChangeNotify2 = cancel_notify,
    .ConvertInterfaceAliasToLuid = alias_to_luid,
    .RegGetValueW = reg_get_value,
};

/* ---------------------------------------------------------------------------------------- */
/* The test's side. */

void recorder_install(void)
{
    struct wintun_test_iface t;

    InitOnceExecuteOnce(&started, start, NULL, NULL);
    if (dbl.set_hook == NULL)
        double_load(&dbl);
    recorder_settle();
    EnterCriticalSection(&lock);
    memset(&rec, 0, sizeof(rec));
    rec.arrival[REC_V4] = rec.arrival[REC_V6] = ARRIVE_AT_ONCE;
    rec.ipv6_low_mtu_code = ERROR_INVALID_PARAMETER;
    memset(ifaces, 0, sizeof(ifaces));
    memset(regs, 0, sizeof(regs));
    n_addresses = n_routes = 0;
    q_len = 0;
    LeaveCriticalSection(&lock);
    /* Adapters left from an earlier case are there at once, without announcement. */
    for (int i = 0; table_row(i, &t); i++) {
        if (!t.wintun)
            continue;
        EnterCriticalSection(&lock);
        create_state(&t, FALSE);
        LeaveCriticalSection(&lock);
    }
    dbl.set_hook(hook, NULL);
}

int recorder_arrived(uint64_t luid, int family)
{
    struct iface_state *s;
    int f = query_slot(family), r = 0;

    EnterCriticalSection(&lock);
    s = find_luid(luid);
    if (s && f >= 0 && !s->removed)
        r = s->fam[f].arrived;
    LeaveCriticalSection(&lock);
    return r;
}

BOOL recorder_row(uint64_t luid, int family, MIB_IPINTERFACE_ROW *out)
{
    struct iface_state *s;
    int f = query_slot(family);
    BOOL r = FALSE;

    EnterCriticalSection(&lock);
    s = find_luid(luid);
    if (s && f >= 0 && !s->removed && s->fam[f].arrived) {
        *out = s->fam[f].row;
        r = TRUE;
    }
    LeaveCriticalSection(&lock);
    return r;
}

ULONG recorder_mtu(uint64_t luid, int family)
{
    MIB_IPINTERFACE_ROW row;

    return recorder_row(luid, family, &row) ? row.NlMtu : 0;
}

const char *recorder_media_history(uint64_t luid)
{
    struct iface_state *s;
    const char *h = "";

    EnterCriticalSection(&lock);
    s = find_luid(luid);
    if (s)
        h = s->media; /* stable: the slot is only reused by recorder_install */
    LeaveCriticalSection(&lock);
    return h;
}

void recorder_external_mtu(uint64_t luid, int family, ULONG mtu)
{
    struct iface_state *s;
    int f = query_slot(family);

    EnterCriticalSection(&lock);
    s = find_luid(luid);
    if (s && f >= 0 && s->fam[f].arrived) {
        s->fam[f].row.NlMtu = mtu;
        enqueue_iface(s, f, MibParameterNotification);
    }
    LeaveCriticalSection(&lock);
    recorder_settle();
}

void recorder_notify(uint64_t luid, int family)
{
    struct iface_state *s;
    MIB_IPINTERFACE_ROW row;

    memset(&row, 0, sizeof(row));
    row.Family = slot_family(query_slot(family));
    row.InterfaceLuid.Value = luid;
    EnterCriticalSection(&lock);
    s = find_luid(luid);
    if (s)
        row.InterfaceIndex = s->index;
    enqueue(NULL, MibParameterNotification, &row);
    LeaveCriticalSection(&lock);
    recorder_settle();
}
