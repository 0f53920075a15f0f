/* SPDX-License-Identifier: MIT */
/*
 * Self-test of the Wintun double (label "fixture"): each check asserts what the REAL Wintun
 * 0.14 does (the source is named in the comment), through the double's exports alone. It
 * does not link the library and resolves the exports itself (load_exports).
 *
 * Misuse that crashes the real DLL is checked in child processes: the test runs itself with
 * an argument naming the misuse and expects the child to end with STATUS_ACCESS_VIOLATION.
 */
#include "double.h"
#include "test.h"

#include <stdint.h>
#include <wchar.h>

typedef void(WINAPI *logger_fn)(int level, DWORD64 timestamp, const WCHAR *message);

/* The Wintun API as exported (api/wintun.h), with opaque handles. */
struct wintun_api {
    void *(WINAPI *create)(const WCHAR *name, const WCHAR *type, const GUID *guid);
    void *(WINAPI *open)(const WCHAR *name);
    void(WINAPI *close)(void *adapter);
    void(WINAPI *luid)(void *adapter, uint64_t *luid);
    DWORD(WINAPI *version)(void);
    void(WINAPI *set_logger)(logger_fn fn);
    void *(WINAPI *start)(void *adapter, DWORD capacity);
    void(WINAPI *end)(void *session);
    HANDLE(WINAPI *read_event)(void *session);
    BYTE *(WINAPI *receive)(void *session, DWORD *size);
    void(WINAPI *release)(void *session, const BYTE *packet);
    BYTE *(WINAPI *allocate)(void *session, DWORD size);
    void(WINAPI *send)(void *session, const BYTE *packet);
};

static struct wintun_api w;
static struct wintun_double d;

static void resolve(HMODULE m, void *field, size_t size, const char *name)
{
    FARPROC f = GetProcAddress(m, name);

    if (f == NULL)
        TEST_FAIL("the double lacks %s", name);
    memcpy(field, &f, size);
}

static void load_exports(void)
{
    HMODULE m = LoadLibraryExW(L"wintun.dll", NULL, LOAD_LIBRARY_SEARCH_APPLICATION_DIR);

    if (m == NULL)
        TEST_FAIL("the test double wintun.dll is not beside the test");
#define R(s, field, name) resolve(m, &(s).field, sizeof((s).field), name)
    R(w, create, "WintunCreateAdapter");
    R(w, open, "WintunOpenAdapter");
    R(w, close, "WintunCloseAdapter");
    R(w, luid, "WintunGetAdapterLUID");
    R(w, version, "WintunGetRunningDriverVersion");
    R(w, set_logger, "WintunSetLogger");
    R(w, start, "WintunStartSession");
    R(w, end, "WintunEndSession");
    R(w, read_event, "WintunGetReadWaitEvent");
    R(w, receive, "WintunReceivePacket");
    R(w, release, "WintunReleaseReceivePacket");
    R(w, allocate, "WintunAllocateSendPacket");
    R(w, send, "WintunSendPacket");
    R(d, inject, "WintunTestInject");
    R(d, inject_batch, "WintunTestInjectBatch");
    R(d, take_sent, "WintunTestTakeSent");
    R(d, fill_send_ring, "WintunTestFillSendRing");
    R(d, end_of_file, "WintunTestEndOfFile");
    R(d, corrupt_receive_ring, "WintunTestCorruptReceiveRing");
    R(d, corrupt_send_ring, "WintunTestCorruptSendRing");
    R(d, driver_upgrade, "WintunTestDriverUpgrade");
    R(d, set_disabled, "WintunTestSetDisabled");
    R(d, set_device_timeout, "WintunTestSetDeviceTimeout");
    R(d, fail_next, "WintunTestFailNext");
    R(d, violations, "WintunTestViolations");
    R(d, capacity, "WintunTestCapacity");
    R(d, session_starts, "WintunTestSessionStarts");
    R(d, adapters, "WintunTestAdapters");
    R(d, has_session, "WintunTestHasSession");
    R(d, log, "WintunTestLog");
    R(d, add_foreign, "WintunTestAddForeign");
    R(d, remove_foreign, "WintunTestRemoveForeign");
    R(d, by_alias, "WintunTestByAlias");
    R(d, by_luid, "WintunTestByLuid");
    R(d, iface, "WintunTestIface");
    R(d, set_hook, "WintunTestSetHook");
#undef R
}

/* ---- what the logger and the hook saw ---- */

static CRITICAL_SECTION seen_lock;
static WCHAR log_text[4096];
static int log_errors;

static void WINAPI capture_log(int level, DWORD64 timestamp, const WCHAR *message)
{
    (void)timestamp;
    EnterCriticalSection(&seen_lock);
    if (level == 2)
        log_errors++;
    if (wcslen(log_text) + wcslen(message) + 2 < sizeof(log_text) / sizeof(log_text[0])) {
        wcscat(log_text, message);
        wcscat(log_text, L"\n");
    }
    LeaveCriticalSection(&seen_lock);
}

static void clear_log(void)
{
    EnterCriticalSection(&seen_lock);
    log_text[0] = 0;
    log_errors = 0;
    LeaveCriticalSection(&seen_lock);
}

static int logged(const WCHAR *part)
{
    int found;

    EnterCriticalSection(&seen_lock);
    found = wcsstr(log_text, part) != NULL;
    LeaveCriticalSection(&seen_lock);
    return found;
}

#define MAX_EVENTS 64
static int ev_what[MAX_EVENTS];
static uint64_t ev_luid[MAX_EVENTS];
static int n_events;

static void WINAPI capture_hook(int what, uint64_t luid, void *ctx)
{
    ASSERT_TRUE(ctx == &n_events);
    EnterCriticalSection(&seen_lock);
    if (n_events < MAX_EVENTS) {
        ev_what[n_events] = what;
        ev_luid[n_events] = luid;
        n_events++;
    }
    LeaveCriticalSection(&seen_lock);
}

static void clear_events(void)
{
    EnterCriticalSection(&seen_lock);
    n_events = 0;
    LeaveCriticalSection(&seen_lock);
}

static int events(void)
{
    int n;

    EnterCriticalSection(&seen_lock);
    n = n_events;
    LeaveCriticalSection(&seen_lock);
    return n;
}

/* ---- helpers ---- */

static void no_violations(void)
{
    char what[200] = "";

    if (d.violations(what, sizeof(what)) != 0)
        TEST_FAIL("the double saw misuse: %s", what);
}

static uint64_t luid_of(void *adapter)
{
    uint64_t l = 0;

    w.luid(adapter, &l);
    return l;
}

/* Allocate and fill an IPv4-looking packet (the driver passes only IP on). */
static BYTE *alloc_ip(void *s, DWORD size)
{
    BYTE *p = w.allocate(s, size);

    if (p != NULL && size > 0) {
        memset(p, (int)(size & 0xFF), size);
        p[0] = 0x45;
    }
    return p;
}

static void expect_none(void *s)
{
    DWORD size;

    ASSERT_TRUE(w.receive(s, &size) == NULL);
    ASSERT_EQ(GetLastError(), ERROR_NO_MORE_ITEMS);
}

/* ---- checks ---- */

static void test_version_and_open_missing(void)
{
    /* api/driver.c WintunGetRunningDriverVersion: major << 16 | minor, 0.14 */
    ASSERT_EQ(w.version(), 0x0000000E);
    /* api/adapter.c WintunOpenAdapter: not found is ERROR_NOT_FOUND, logged at ERROR level in
     * the LoggerError shape "<what>: <system message> (Code 0x00000490)" */
    clear_log();
    SetLastError(0);
    ASSERT_TRUE(w.open(L"no-such-adapter") == NULL);
    ASSERT_EQ(GetLastError(), ERROR_NOT_FOUND);
    ASSERT_EQ(log_errors, 1);
    ASSERT_TRUE(logged(L"Failed to find matching adapter name"));
    ASSERT_TRUE(logged(L"(Code 0x00000490)"));
    /* the test export reaches the same logger */
    d.log(1, L"hello from the driver");
    ASSERT_TRUE(logged(L"hello from the driver"));
}

static void test_adapters_and_sessions(void)
{
    GUID g = {0x12345678, 0x1234, 0x5678, {1, 2, 3, 4, 5, 6, 7, 8}}, g2;
    struct wintun_test_iface row;
    WCHAR name[128];
    void *a, *b, *s, *s2;
    uint64_t l;
    LONG starts = d.session_starts();

    clear_events();
    a = w.create(L"veil0", L"veiltun", &g);
    ASSERT_TRUE(a != NULL);
    l = luid_of(a);
    /* api/adapter.c WintunGetAdapterLUID: NET_LUID with IfType 53 (driver/wintun.inf) */
    ASSERT_EQ(l >> 48, 53);
    ASSERT_EQ(l & 0xFFFFFF, 0);
    ASSERT_TRUE(d.by_luid(l, &row));
    ASSERT_TRUE(row.wintun && row.present && !row.media_connected);
    ASSERT_EQ(row.type, 53);
    ASSERT_GE(row.index, 10);
    ASSERT_TRUE(wcscmp(row.alias, L"veil0") == 0);
    ASSERT_EQ(events(), 1);
    ASSERT_EQ(ev_what[0], WINTUN_TEST_ADAPTER_ADDED);
    ASSERT_TRUE(ev_luid[0] == l);
    ASSERT_EQ(d.adapters(0, name, 128, &g2), 1);
    ASSERT_TRUE(wcscmp(name, L"veil0") == 0 && memcmp(&g, &g2, sizeof(g)) == 0);

    /* api/adapter.c WintunOpenAdapter: the name is compared case-insensitively */
    b = w.open(L"VEIL0");
    ASSERT_TRUE(b != NULL);
    ASSERT_TRUE(luid_of(b) == l);

    /* driver/wintun.c TunRegisterBuffers: the capacity is checked by the driver */
    SetLastError(0);
    ASSERT_TRUE(w.start(a, 0x30000) == NULL);
    ASSERT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(w.start(a, 0x10000) == NULL);
    ASSERT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(w.start(a, 0x8000000) == NULL);
    ASSERT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    ASSERT_EQ(d.session_starts(), starts);

    /* driver/wintun.c TunRegisterBuffers: media connected on registration */
    clear_events();
    s = w.start(a, 0x20000);
    ASSERT_TRUE(s != NULL);
    ASSERT_EQ(d.session_starts(), starts + 1);
    ASSERT_EQ(d.capacity(L"Veil0"), 0x20000);
    ASSERT_TRUE(d.has_session(L"veil0"));
    ASSERT_EQ(events(), 1);
    ASSERT_EQ(ev_what[0], WINTUN_TEST_MEDIA_CONNECTED);
    ASSERT_TRUE(d.by_alias(L"veil0", &row) && row.media_connected);

    /* driver/wintun.c TunRegisterBuffers: one registration per adapter, whichever handle:
     * STATUS_ALREADY_INITIALIZED, ERROR_ALREADY_INITIALIZED (1247) in Win32 */
    SetLastError(0);
    ASSERT_TRUE(w.start(b, 0x20000) == NULL);
    ASSERT_EQ(GetLastError(), 1247);
    ASSERT_TRUE(w.start(a, 0x40000) == NULL);
    ASSERT_EQ(GetLastError(), 1247);

    /* driver/wintun.c TunUnregisterBuffers: media disconnected on unregistration; then the
     * other handle may register */
    clear_events();
    w.end(s);
    ASSERT_EQ(events(), 1);
    ASSERT_EQ(ev_what[0], WINTUN_TEST_MEDIA_DISCONNECTED);
    ASSERT_TRUE(!d.has_session(L"veil0"));
    ASSERT_EQ(d.capacity(L"veil0"), 0);
    s2 = w.start(b, 0x40000);
    ASSERT_TRUE(s2 != NULL);
    ASSERT_EQ(d.capacity(L"veil0"), 0x40000);
    w.end(s2);

    /* api/adapter.c WintunCloseAdapter: closing an opener leaves the adapter; closing the
     * creator removes it (SwDeviceClose) */
    clear_events();
    w.close(b);
    ASSERT_EQ(d.adapters(0, NULL, 0, NULL), 1);
    ASSERT_EQ(events(), 0);
    w.close(a);
    ASSERT_EQ(d.adapters(0, NULL, 0, NULL), 0);
    ASSERT_EQ(events(), 1);
    ASSERT_EQ(ev_what[0], WINTUN_TEST_ADAPTER_REMOVED);
    ASSERT_TRUE(!d.by_luid(l, NULL));
    ASSERT_TRUE(w.open(L"veil0") == NULL);
    ASSERT_EQ(GetLastError(), ERROR_NOT_FOUND);
    no_violations();
}

static void test_rename(void)
{
    struct wintun_test_iface row;
    uint64_t eth, l1, l2;
    void *a, *b;
    int before = d.iface(0, NULL);

    clear_events();
    ASSERT_TRUE(d.add_foreign(L"corp", 6, &eth));
    ASSERT_EQ(eth >> 48, 6);
    ASSERT_EQ(d.iface(0, NULL), before + 1);
    ASSERT_EQ(events(), 1);
    ASSERT_EQ(ev_what[0], WINTUN_TEST_ADAPTER_ADDED);
    /* aliases are unique */
    ASSERT_TRUE(!d.add_foreign(L"CORP", 6, NULL));
    /* api/adapter.c WintunOpenAdapter: only Wintun adapters are found */
    ASSERT_TRUE(w.open(L"corp") == NULL);
    ASSERT_EQ(GetLastError(), ERROR_NOT_FOUND);

    /* api/adapter.c NciSetAdapterName: the interface holding the alias, of any type, becomes
     * "<alias> 1" (the first N from 1 not held), then the new adapter takes the alias */
    a = w.create(L"corp", L"veiltun", NULL);
    ASSERT_TRUE(a != NULL);
    l1 = luid_of(a);
    ASSERT_TRUE(d.by_luid(eth, &row));
    ASSERT_TRUE(wcscmp(row.alias, L"corp 1") == 0);
    ASSERT_TRUE(!row.wintun);
    ASSERT_TRUE(d.by_alias(L"CORP", &row) && row.luid == l1);
    /* ...and for the next create of the same name (case-insensitive), "corp 1" being held,
     * the current holder becomes "CORP 2": the suffix is added to the name as requested */
    b = w.create(L"CORP", L"veiltun", NULL);
    ASSERT_TRUE(b != NULL);
    l2 = luid_of(b);
    ASSERT_TRUE(d.by_luid(l1, &row) && wcscmp(row.alias, L"CORP 2") == 0);
    ASSERT_TRUE(d.by_luid(l2, &row) && wcscmp(row.alias, L"CORP") == 0);
    ASSERT_TRUE(d.by_luid(eth, &row) && wcscmp(row.alias, L"corp 1") == 0);
    ASSERT_TRUE(d.by_alias(L"Corp 2", &row) && row.luid == l1);
    /* the table lists all of them; indexes differ */
    ASSERT_EQ(d.iface(0, NULL), before + 3);
    for (int i = 0; i < d.iface(0, NULL) && i < 64; i++) {
        struct wintun_test_iface r2;

        ASSERT_EQ(d.iface(i, &r2), before + 3);
        ASSERT_TRUE(r2.luid != 0);
    }
    w.close(b);
    w.close(a);
    clear_events();
    ASSERT_TRUE(d.remove_foreign(eth));
    ASSERT_TRUE(!d.remove_foreign(eth));
    ASSERT_EQ(events(), 1);
    ASSERT_EQ(ev_what[0], WINTUN_TEST_ADAPTER_REMOVED);
    ASSERT_EQ(d.iface(0, NULL), before);
    no_violations();
}

static void test_allocate(void)
{
    void *a = w.create(L"tx0", L"veiltun", NULL), *s;
    BYTE *p, *q, *r, out[0x10000];

    ASSERT_TRUE(a != NULL);
    s = w.start(a, 0x20000);
    ASSERT_TRUE(s != NULL);

    /* api/session.c WintunAllocateSendPacket: no size validation: 0 gets a buffer; the
     * driver discards what is not IP (driver/wintun.c TunProcessReceiveData) */
    p = w.allocate(s, 0);
    ASSERT_TRUE(p != NULL);
    w.send(s, p);
    ASSERT_EQ(d.take_sent(L"tx0", out, sizeof(out)), 0);

    /* 4 bytes are always kept back: in a 0x20000 ring, after a 0x10000-byte slot (size
     * 0xFFFC + header) another one does not fit, 0xFFFC - 4 does, then nothing does */
    p = alloc_ip(s, 0xFFFC);
    ASSERT_TRUE(p != NULL);
    SetLastError(0);
    ASSERT_TRUE(w.allocate(s, 0xFFFC) == NULL); /* it would need the last 4 bytes */
    ASSERT_EQ(GetLastError(), ERROR_BUFFER_OVERFLOW);
    q = alloc_ip(s, 0xFFF8); /* takes all but the 4 bytes kept back */
    ASSERT_TRUE(q != NULL);
    ASSERT_TRUE(w.allocate(s, 0) == NULL);
    ASSERT_EQ(GetLastError(), ERROR_BUFFER_OVERFLOW);

    /* api/session.c WintunSendPacket: the driver sees packets in allocation order: q sent
     * before p is held back until p is sent */
    w.send(s, q);
    ASSERT_EQ(d.take_sent(L"tx0", out, sizeof(out)), 0);
    w.send(s, p);
    ASSERT_EQ(d.take_sent(L"tx0", out, sizeof(out)), 0xFFFC);
    ASSERT_EQ(out[0], 0x45);
    ASSERT_EQ(out[0xFFFB], 0xFC);
    ASSERT_EQ(d.take_sent(L"tx0", out, sizeof(out)), 0xFFF8);
    ASSERT_EQ(d.take_sent(L"tx0", out, sizeof(out)), 0);

    /* the driver stops draining: allocate sees a full ring; then it resumes */
    d.fill_send_ring(L"tx0", TRUE);
    ASSERT_TRUE(w.allocate(s, 40) == NULL);
    ASSERT_EQ(GetLastError(), ERROR_BUFFER_OVERFLOW);
    d.fill_send_ring(L"tx0", FALSE);
    r = alloc_ip(s, 40);
    ASSERT_TRUE(r != NULL);
    w.send(s, r);
    ASSERT_EQ(d.take_sent(L"tx0", out, sizeof(out)), 40);

    /* a size above 0xFFFF is accepted by the DLL; once sent, the driver declares the ring
     * corrupt and sets its head to MAXULONG: every later allocate is ERROR_HANDLE_EOF
     * (driver/wintun.c TunProcessReceiveData; api/session.c) */
    p = w.allocate(s, 0x10000);
    ASSERT_TRUE(p != NULL);
    q = alloc_ip(s, 40); /* the driver has not seen it yet */
    ASSERT_TRUE(q != NULL);
    w.send(s, p);
    w.send(s, q);
    SetLastError(0);
    ASSERT_TRUE(w.allocate(s, 40) == NULL);
    ASSERT_EQ(GetLastError(), ERROR_HANDLE_EOF);
    ASSERT_TRUE(w.allocate(s, 0) == NULL);
    ASSERT_EQ(GetLastError(), ERROR_HANDLE_EOF);
    /* the other ring still works */
    ASSERT_TRUE(d.inject(L"tx0", NULL, 20));
    {
        DWORD size = 0;
        BYTE *in = w.receive(s, &size);

        ASSERT_TRUE(in != NULL);
        ASSERT_EQ(size, 20);
        w.release(s, in);
    }
    w.end(s);

    /* WintunTestCorruptSendRing: the same state without an oversize packet */
    s = w.start(a, 0x20000);
    ASSERT_TRUE(s != NULL);
    d.corrupt_send_ring(L"tx0");
    ASSERT_TRUE(w.allocate(s, 40) == NULL);
    ASSERT_EQ(GetLastError(), ERROR_HANDLE_EOF);
    ASSERT_TRUE(d.inject(L"tx0", (const BYTE *)"0123456789abcdefghij", 20));
    {
        DWORD size = 0;
        BYTE *in = w.receive(s, &size);

        ASSERT_TRUE(in != NULL && size == 20 && memcmp(in, "0123456789abcdefghij", 20) == 0);
        w.release(s, in);
    }
    w.end(s);
    w.close(a);
    no_violations();
}

static void test_receive(void)
{
    static BYTE big[0xFFFF];
    void *a = w.create(L"rx0", L"veiltun", NULL), *s;
    BYTE *p1, *p2, *p3;
    DWORD size = 0;
    HANDLE ev;

    ASSERT_TRUE(a != NULL);
    s = w.start(a, 0x20000);
    ASSERT_TRUE(s != NULL);
    ev = w.read_event(s);
    ASSERT_TRUE(ev != NULL);
    /* api/session.c WintunReceivePacket: empty is ERROR_NO_MORE_ITEMS */
    expect_none(s);
    ASSERT_EQ(WaitForSingleObject(ev, 0), WAIT_TIMEOUT);

    /* a maximal packet arrives intact; the read event is set per batch and auto-reset
     * (api/session.c CreateEventW(.., FALSE, ..); driver/wintun.c sets it on each batch) */
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (BYTE)(i * 7 + 1);
    ASSERT_TRUE(d.inject(L"rx0", big, sizeof(big)));
    ASSERT_EQ(WaitForSingleObject(ev, 0), WAIT_OBJECT_0);
    ASSERT_EQ(WaitForSingleObject(ev, 0), WAIT_TIMEOUT);
    p1 = w.receive(s, &size);
    ASSERT_TRUE(p1 != NULL);
    ASSERT_EQ(size, 0xFFFF);
    ASSERT_TRUE(memcmp(p1, big, sizeof(big)) == 0);
    w.release(s, p1);
    /* driver/wintun.c: never above 0xFFFF */
    ASSERT_TRUE(!d.inject(L"rx0", big, 0x10000));

    /* driver/wintun.c TunSendNetBufferLists: an unreadable packet arrives as zeros of its
     * full length */
    ASSERT_TRUE(d.inject(L"rx0", NULL, 1500));
    p1 = w.receive(s, &size);
    ASSERT_TRUE(p1 != NULL);
    ASSERT_EQ(size, 1500);
    for (int i = 0; i < 1500; i++)
        ASSERT_EQ(p1[i], 0);
    w.release(s, p1);
    expect_none(s);

    /* the ring keeps 4 bytes back on this side too (driver/wintun.c TunSendNetBufferLists) */
    ASSERT_TRUE(d.inject(L"rx0", big, 0xFFFC));
    ASSERT_TRUE(!d.inject(L"rx0", big, 0xFFFC));
    p1 = w.receive(s, &size);
    ASSERT_TRUE(p1 != NULL && size == 0xFFFC);
    ASSERT_TRUE(d.inject(L"rx0", big, 0xFFF8)); /* all but the 4 bytes kept back */
    ASSERT_TRUE(!d.inject(L"rx0", NULL, 0));
    p2 = w.receive(s, &size);
    ASSERT_TRUE(p2 != NULL && size == 0xFFF8);
    /* api/session.c WintunReleaseReceivePacket: any order; space comes back from the head
     * only: releasing the second frees nothing while the first is held */
    w.release(s, p2);
    ASSERT_TRUE(!d.inject(L"rx0", NULL, 0));
    w.release(s, p1);
    ASSERT_TRUE(d.inject(L"rx0", NULL, 40));
    p3 = w.receive(s, &size);
    ASSERT_TRUE(p3 != NULL && size == 40);
    w.release(s, p3);
    expect_none(s);

    /* driver/wintun.c TunSendNetBufferLists: room is taken for the whole chain or the whole
     * chain is dropped */
    {
        const BYTE *data[3] = {big, big, big};
        DWORD fit[3] = {100, 200, 300}, too_big[3] = {0xFFFF, 0xFFFF, 100};

        while (WaitForSingleObject(ev, 0) == WAIT_OBJECT_0) {
        }
        ASSERT_TRUE(!d.inject_batch(L"rx0", data, too_big, 3));
        expect_none(s);
        ASSERT_EQ(WaitForSingleObject(ev, 0), WAIT_TIMEOUT);
        ASSERT_TRUE(d.inject_batch(L"rx0", data, fit, 3));
        ASSERT_EQ(WaitForSingleObject(ev, 0), WAIT_OBJECT_0);
        for (int i = 0; i < 3; i++) {
            p1 = w.receive(s, &size);
            ASSERT_TRUE(p1 != NULL);
            ASSERT_EQ(size, fit[i]);
            ASSERT_TRUE(memcmp(p1, big, size) == 0);
            w.release(s, p1);
        }
        expect_none(s);
    }

    /* api/session.c WintunReceivePacket: a corrupt ring stays corrupt (Head never advances)
     * until the session ends; sending is unaffected */
    d.corrupt_receive_ring(L"rx0");
    for (int i = 0; i < 3; i++) {
        SetLastError(0);
        ASSERT_TRUE(w.receive(s, &size) == NULL);
        ASSERT_EQ(GetLastError(), ERROR_INVALID_DATA);
        ASSERT_TRUE(d.inject(L"rx0", big, 40));
    }
    p1 = alloc_ip(s, 40);
    ASSERT_TRUE(p1 != NULL);
    w.send(s, p1);
    ASSERT_EQ(d.take_sent(L"rx0", big, sizeof(big)), 40);
    w.end(s);
    s = w.start(a, 0x20000);
    ASSERT_TRUE(s != NULL);
    expect_none(s);

    /* end of file (the adapter goes): checked before the content, so queued packets are
     * lost (api/session.c); the read event is set (driver/wintun.c TunUnregisterBuffers);
     * media goes disconnected, then the interface leaves */
    ev = w.read_event(s);
    ASSERT_TRUE(d.inject(L"rx0", big, 40));
    while (WaitForSingleObject(ev, 0) == WAIT_OBJECT_0) {
    }
    {
        uint64_t l = luid_of(a);

        clear_events();
        d.end_of_file(L"rx0");
        ASSERT_EQ(WaitForSingleObject(ev, 0), WAIT_OBJECT_0);
        ASSERT_TRUE(w.receive(s, &size) == NULL);
        ASSERT_EQ(GetLastError(), ERROR_HANDLE_EOF);
        ASSERT_TRUE(w.allocate(s, 40) == NULL);
        ASSERT_EQ(GetLastError(), ERROR_HANDLE_EOF);
        ASSERT_EQ(events(), 2);
        ASSERT_EQ(ev_what[0], WINTUN_TEST_MEDIA_DISCONNECTED);
        ASSERT_EQ(ev_what[1], WINTUN_TEST_ADAPTER_REMOVED);
        ASSERT_TRUE(ev_luid[0] == l && ev_luid[1] == l);
        ASSERT_TRUE(!d.by_luid(l, NULL));
        ASSERT_TRUE(w.open(L"rx0") == NULL);
        ASSERT_EQ(GetLastError(), ERROR_NOT_FOUND);
        ASSERT_TRUE(w.start(a, 0x20000) == NULL);
        ASSERT_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
        /* ending the cut session reports nothing more; the handle closes fine */
        w.end(s);
        w.close(a);
        ASSERT_EQ(events(), 2);
    }
    no_violations();
}

static void test_driver_upgrade(void)
{
    void *a = w.create(L"up0", L"veiltun", NULL), *b = NULL, *s, *s2;
    struct wintun_test_iface row;
    uint64_t l;
    DWORD size;

    ASSERT_TRUE(a != NULL);
    l = luid_of(a);
    s = w.start(a, 0x20000);
    ASSERT_TRUE(s != NULL);
    clear_events();
    /* api/driver.c DriverInstall: a newer driver disables and re-enables every Wintun
     * adapter: sessions are cut both ways, the adapters come back with LUID and alias */
    d.driver_upgrade(300);
    ASSERT_TRUE(w.receive(s, &size) == NULL);
    ASSERT_EQ(GetLastError(), ERROR_HANDLE_EOF);
    ASSERT_TRUE(w.allocate(s, 40) == NULL);
    ASSERT_EQ(GetLastError(), ERROR_HANDLE_EOF);
    ASSERT_TRUE(d.by_luid(l, &row) && !row.present);
    ASSERT_TRUE(w.open(L"up0") == NULL); /* not present: not enumerated */
    ASSERT_EQ(GetLastError(), ERROR_NOT_FOUND);
    for (int i = 0; i < 300 && b == NULL; i++) {
        Sleep(10);
        b = d.by_luid(l, &row) && row.present ? w.open(L"up0") : NULL;
    }
    ASSERT_TRUE(b != NULL);
    ASSERT_TRUE(luid_of(b) == l);
    ASSERT_TRUE(d.by_alias(L"up0", &row) && row.luid == l && row.present);
    ASSERT_GE(events(), 3);
    ASSERT_EQ(ev_what[0], WINTUN_TEST_MEDIA_DISCONNECTED);
    ASSERT_EQ(ev_what[1], WINTUN_TEST_ADAPTER_REMOVED);
    ASSERT_EQ(ev_what[2], WINTUN_TEST_ADAPTER_ADDED);
    /* the cut session no longer holds the registration */
    s2 = w.start(b, 0x20000);
    ASSERT_TRUE(s2 != NULL);
    w.end(s);
    w.end(s2);
    w.close(b);
    w.close(a);
    no_violations();
}

static void test_disabled_and_fail_next(void)
{
    void *a = w.create(L"dis0", L"veiltun", NULL), *b;
    ULONGLONG t0, took;

    ASSERT_TRUE(a != NULL);
    /* api/adapter.c WaitForInterface: an adapter found but not enabled is waited for up to
     * the device timeout (15 s, shortened here), then WAIT_TIMEOUT with ERROR log lines */
    d.set_device_timeout(300);
    d.set_disabled(L"dis0", TRUE);
    clear_log();
    t0 = GetTickCount64();
    ASSERT_TRUE(w.open(L"DIS0") == NULL);
    took = GetTickCount64() - t0;
    ASSERT_EQ(GetLastError(), WAIT_TIMEOUT);
    ASSERT_GE(took, 250);
    ASSERT_LT(took, 5000);
    ASSERT_TRUE(logged(L"Timed out waiting for device query"));
    ASSERT_TRUE(logged(L"Failed to populate adapter"));
    d.set_disabled(L"dis0", FALSE);
    b = w.open(L"dis0");
    ASSERT_TRUE(b != NULL);
    w.close(b);
    d.set_device_timeout(15000);

    /* one-shot failures, per function, after a delay (api/adapter.c: after a crash, create
     * fails only after the device timeout, with 183 or 2) */
    d.fail_next("WintunCreateAdapter", ERROR_ALREADY_EXISTS, 200);
    d.fail_next("WintunOpenAdapter", ERROR_ACCESS_DENIED, 0);
    d.fail_next("WintunCreateAdapter", ERROR_FILE_NOT_FOUND, 0);
    t0 = GetTickCount64();
    ASSERT_TRUE(w.create(L"dis1", L"veiltun", NULL) == NULL);
    ASSERT_EQ(GetLastError(), ERROR_ALREADY_EXISTS);
    ASSERT_GE(GetTickCount64() - t0, 150);
    ASSERT_TRUE(w.create(L"dis1", L"veiltun", NULL) == NULL);
    ASSERT_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
    b = w.create(L"dis1", L"veiltun", NULL);
    ASSERT_TRUE(b != NULL);
    ASSERT_TRUE(w.open(L"dis0") == NULL);
    ASSERT_EQ(GetLastError(), ERROR_ACCESS_DENIED);
    w.close(b);
    w.close(a);
    no_violations();
}

static void test_counted_misuse(void)
{
    void *a = w.create(L"mis0", L"veiltun", NULL), *b, *s;
    char what[200] = "";
    LONG before = d.violations(NULL, 0);

    ASSERT_TRUE(a != NULL);
    b = w.open(L"mis0");
    ASSERT_TRUE(b != NULL);
    s = w.start(b, 0x20000);
    ASSERT_TRUE(s != NULL);
    /* the real DLL survives closing the handle under a running session (the session holds
     * its own device handle): counted, and the session goes on */
    w.close(b);
    ASSERT_EQ(d.violations(what, sizeof(what)), before + 1);
    ASSERT_TRUE(strstr(what, "closed") != NULL);
    ASSERT_TRUE(d.inject(L"mis0", NULL, 40));
    w.end(s);
    /* the same for a session already cut by end of file: it is not ended yet */
    s = w.start(a, 0x20000);
    ASSERT_TRUE(s != NULL);
    d.end_of_file(L"mis0");
    w.close(a);
    ASSERT_EQ(d.violations(NULL, 0), before + 2);
    w.end(s);
    /* releasing a pointer that is not a held packet writes blindly in the real DLL */
    a = w.create(L"mis1", L"veiltun", NULL);
    ASSERT_TRUE(a != NULL);
    s = w.start(a, 0x20000);
    ASSERT_TRUE(s != NULL);
    ASSERT_TRUE(d.inject(L"mis1", NULL, 40));
    {
        DWORD size;
        BYTE *p = w.receive(s, &size);

        ASSERT_TRUE(p != NULL);
        w.release(s, p);
        w.release(s, p);
        ASSERT_EQ(d.violations(what, sizeof(what)), before + 3);
        ASSERT_TRUE(strstr(what, "WintunReleaseReceivePacket") != NULL);
    }
    w.end(s);
    w.close(a);
}

/* ---- fatal misuse, in children ---- */

static DWORD WINAPI slow_receive(void *s)
{
    DWORD size;

    w.receive(s, &size);
    return 0;
}

static int child(const char *what)
{
    void *a = w.create(L"child0", L"veiltun", NULL), *s;
    DWORD size;

    if (a == NULL || (s = w.start(a, 0x20000)) == NULL)
        return 2;
    if (strcmp(what, "child-ended-session") == 0) {
        w.end(s);
        w.receive(s, &size); /* api/session.c: the session was freed */
    } else if (strcmp(what, "child-null-session") == 0) {
        w.receive(NULL, &size); /* api/session.c: NULL->Send.Lock */
    } else if (strcmp(what, "child-end-twice") == 0) {
        w.end(s);
        w.end(s);
    } else if (strcmp(what, "child-end-while-receiving") == 0) {
        HANDLE t;

        /* a queued failure with a delay keeps the receiver inside the call */
        d.fail_next("WintunReceivePacket", ERROR_INVALID_DATA, 3000);
        t = CreateThread(NULL, 0, slow_receive, s, 0, NULL);
        if (t == NULL)
            return 3;
        Sleep(300);
        w.end(s); /* api/session.c: frees the lock the receiver is in */
        WaitForSingleObject(t, 5000);
    }
    return 4; /* reached only if the misuse was not fatal */
}

static void expect_fatal(const char *what)
{
    WCHAR exe[MAX_PATH], cmd[MAX_PATH + 64];
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    HANDLE rd, wr;
    char out[1024];
    DWORD got = 0, n, code = 0;

    ASSERT_TRUE(GetModuleFileNameW(NULL, exe, MAX_PATH) > 0);
    _snwprintf(cmd, sizeof(cmd) / sizeof(cmd[0]), L"\"%ls\" %hs", exe, what);
    cmd[sizeof(cmd) / sizeof(cmd[0]) - 1] = 0;
    ASSERT_TRUE(CreatePipe(&rd, &wr, &sa, 0));
    ASSERT_TRUE(SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0));
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = wr;
    si.hStdError = wr;
    ASSERT_TRUE(CreateProcessW(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi));
    CloseHandle(wr);
    for (int i = 0; i < 64 && got < sizeof(out) - 1; i++) {
        if (!ReadFile(rd, out + got, (DWORD)(sizeof(out) - 1 - got), &n, NULL) || n == 0)
            break;
        got += n;
    }
    out[got] = 0;
    CloseHandle(rd);
    ASSERT_EQ(WaitForSingleObject(pi.hProcess, 30000), WAIT_OBJECT_0);
    ASSERT_TRUE(GetExitCodeProcess(pi.hProcess, &code));
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    if (code != 0xC0000005u || strstr(out, "wintun double: fatal misuse: ") == NULL)
        TEST_FAIL("%s: exit code 0x%08lX, output \"%s\"", what, (unsigned long)code, out);
}

int main(int argc, char **argv)
{
    InitializeCriticalSection(&seen_lock);
    load_exports();
    if (argc > 1)
        return child(argv[1]);
    w.set_logger(capture_log);
    d.set_hook(capture_hook, &n_events);
    test_version_and_open_missing();
    test_adapters_and_sessions();
    test_rename();
    test_allocate();
    test_receive();
    test_driver_upgrade();
    test_disabled_and_fail_next();
    test_counted_misuse();
    expect_fatal("child-ended-session");
    expect_fatal("child-null-session");
    expect_fatal("child-end-twice");
    expect_fatal("child-end-while-receiving");
    ASSERT_EQ(d.adapters(0, NULL, 0, NULL), 0);
    printf("fixture_double: all checks passed\n");
    return 0;
}
