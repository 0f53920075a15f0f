/* SPDX-License-Identifier: MIT */
/*
 * A test double of wintun.dll that behaves as the real Wintun 0.14 does: the DLL (api/) and
 * its kernel driver (driver/) together. It was written from reading the upstream sources and
 * shares no code with them; each rule names where the real behaviour lives.
 *
 * Model:
 *  - one interface table (Wintun adapters and "foreign" interfaces a test adds), read by the
 *    IP Helper recorder through the test exports;
 *  - each session owns two real rings (head/tail offsets, 4-byte size headers, 4-byte
 *    alignment), the "driver" side of which is played by the test exports: inject writes the
 *    ring the application receives from, take-sent drains the ring it sends into;
 *  - misuse that crashes the real DLL ends the process with STATUS_ACCESS_VIOLATION; misuse it
 *    survives is counted (WintunTestViolations).
 *  - in bridged mode (bridge/double_bridge.c, chosen by VEILTUN_DOUBLE_BRIDGE) a thread of the
 *    double plays the driver side of one adapter's rings against a Linux TUN device instead.
 *
 * Naming: "rx" is the ring the application receives from (Wintun's "Send" ring, written by the
 * driver); "tx" is the ring the application sends into (Wintun's "Receive" ring).
 */
#include <winsock2.h>
#include <windows.h>

#include "double_model.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Hook calls collected under the lock and made after it is released. */
struct events {
    int n;
    int what[2 * MAX_IFACES + 8];
    uint64_t luid[2 * MAX_IFACES + 8];
};

struct fail_slot {
    char function[64];
    DWORD code, delay_ms;
};

CRITICAL_SECTION double_lock;
static struct adapter table[MAX_IFACES];
static DWORD next_index = FIRST_IF_INDEX;
static DWORD next_luid_index = 1;
static logger_fn logger;
static wintun_test_hook hook;
static void *hook_ctx;
static volatile LONG violation_count, starts;
static char last_violation[200];
static struct fail_slot fails[FAIL_SLOTS];
static int n_fails;
static DWORD device_timeout_ms = 15000; /* api/adapter.c WaitForInterface: 15 s */

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, void *reserved)
{
    (void)inst;
    (void)reserved;
    if (reason == DLL_PROCESS_ATTACH) {
        InitializeCriticalSection(&double_lock);
        bridge_init();
    }
    return TRUE;
}

/* ---- helpers ---- */

static ULONG aligned_cost(DWORD size)
{
    /* api/session.c: a packet takes its header plus its bytes, rounded up to 4 (in ULONG
     * arithmetic, so absurd sizes wrap as they do there) */
    return (HEADER + (ULONG)size + (ALIGNMENT - 1)) & ~(ALIGNMENT - 1);
}

static ULONG wrap(ULONG pos, ULONG capacity)
{
    return pos & (capacity - 1);
}

static ULONG free_space(ULONG head, ULONG tail, ULONG capacity)
{
    /* api/session.c WintunAllocateSendPacket and driver/wintun.c TunSendNetBufferLists: the
     * writer never fills the last 4 bytes, so that head == tail always means "empty" */
    return wrap(head - tail - ALIGNMENT, capacity);
}

static ULONG *header_at(struct ring *r, ULONG pos)
{
    return (ULONG *)(void *)(r->data + pos);
}

/* Misuse that makes the real DLL touch freed or NULL memory: end the process as a crash
 * would, so that a test cannot pass over it. */
static _Noreturn void fatal(const char *what)
{
    fprintf(stderr, "wintun double: fatal misuse: %s\n", what);
    fflush(stderr);
    TerminateProcess(GetCurrentProcess(), 0xC0000005); /* STATUS_ACCESS_VIOLATION */
    ExitProcess(0xC0000005);
}

/* Misuse the real DLL survives: counted for the tests. Called with the lock held. */
static void violation(const char *what)
{
    InterlockedIncrement(&violation_count);
    snprintf(last_violation, sizeof(last_violation), "%s", what);
}

static void add_event(struct events *ev, int what, uint64_t luid)
{
    if (ev->n < (int)(sizeof(ev->what) / sizeof(ev->what[0]))) {
        ev->what[ev->n] = what;
        ev->luid[ev->n] = luid;
        ev->n++;
    }
}

/* Called after the lock is released, on the thread that caused the change. */
static void fire(const struct events *ev)
{
    wintun_test_hook h;
    void *ctx;

    EnterCriticalSection(&double_lock);
    h = hook;
    ctx = hook_ctx;
    LeaveCriticalSection(&double_lock);
    for (int i = 0; h != NULL && i < ev->n; i++)
        h(ev->what[i], ev->luid[i], ctx);
}

static DWORD64 now(void)
{
    FILETIME ft;

    GetSystemTimeAsFileTime(&ft);
    return ((DWORD64)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
}

static void log_line(int level, const WCHAR *line)
{
    logger_fn fn;

    EnterCriticalSection(&double_lock);
    fn = logger;
    LeaveCriticalSection(&double_lock);
    if (fn != NULL)
        fn(level, now(), line);
}

/* api/logger.c LoggerError: "<what>: <system message> (Code 0x<code>)" at ERROR level. */
static void log_error(const WCHAR *what, DWORD code)
{
    WCHAR sys[256] = L"", line[512];
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code,
                             0, sys, sizeof(sys) / sizeof(sys[0]), NULL);

    while (n > 0 && (sys[n - 1] == L'\r' || sys[n - 1] == L'\n' || sys[n - 1] == L' '))
        sys[--n] = 0;
    if (n > 0)
        _snwprintf(line, sizeof(line) / sizeof(line[0]), L"%ls: %ls (Code 0x%08lX)", what, sys,
                   (unsigned long)code);
    else
        _snwprintf(line, sizeof(line) / sizeof(line[0]), L"%ls: Code 0x%08lX", what,
                   (unsigned long)code);
    line[sizeof(line) / sizeof(line[0]) - 1] = 0;
    log_line(LOG_ERR, line);
}

/* The next call of @p name fails (after its delay) if a failure was queued for it. */
static int failing(const char *name)
{
    DWORD code = 0, delay = 0;

    EnterCriticalSection(&double_lock);
    for (int i = 0; i < n_fails; i++) {
        if (strcmp(fails[i].function, name) == 0) {
            code = fails[i].code;
            delay = fails[i].delay_ms;
            memmove(&fails[i], &fails[i + 1], (size_t)(n_fails - i - 1) * sizeof(fails[0]));
            n_fails--;
            break;
        }
    }
    LeaveCriticalSection(&double_lock);
    if (code == 0)
        return 0;
    if (delay > 0)
        Sleep(delay);
    SetLastError(code);
    return 1;
}

/* ---- the interface table ---- */

static struct adapter *by_alias(const WCHAR *alias)
{
    for (int i = 0; alias != NULL && i < MAX_IFACES; i++) {
        /* interface aliases are compared case-insensitively by Windows and by
         * api/adapter.c (_wcsicmp / _wcsnicmp) */
        if (table[i].listed && _wcsicmp(table[i].row.alias, alias) == 0)
            return &table[i];
    }
    return NULL;
}

static struct adapter *wintun_by_alias(const WCHAR *alias)
{
    struct adapter *a = by_alias(alias);

    return a != NULL && a->row.wintun ? a : NULL;
}

static struct adapter *free_slot(void)
{
    for (int i = 0; i < MAX_IFACES; i++) {
        if (!table[i].listed && table[i].handles == 0)
            return &table[i];
    }
    return NULL;
}

static void new_row(struct adapter *a, const WCHAR *alias, DWORD type, BOOL wintun)
{
    memset(a, 0, sizeof(*a));
    wcsncpy(a->row.alias, alias, ALIAS_LEN - 1);
    a->row.type = type;
    /* NET_LUID: IfType in bits 48-63, NetLuidIndex in bits 24-47 */
    a->row.luid = ((uint64_t)type << 48) | ((uint64_t)(next_luid_index++ & 0xFFFFFF) << 24);
    a->row.index = next_index++;
    a->row.wintun = wintun;
    a->row.present = TRUE;
    a->listed = TRUE;
}

/* api/adapter.c NciSetAdapterName: whatever interface holds the alias (any type) is renamed
 * to "<alias> N", N the first number from 1 that no interface holds. */
static void free_alias(const WCHAR *alias)
{
    struct adapter *holder = by_alias(alias);

    for (int n = 1; holder != NULL && n <= 1000; n++) {
        WCHAR proposal[ALIAS_LEN];

        _snwprintf(proposal, ALIAS_LEN, L"%ls %d", alias, n);
        proposal[ALIAS_LEN - 1] = 0;
        if (by_alias(proposal) == NULL) {
            wcscpy(holder->row.alias, proposal);
            return;
        }
    }
}

/* ---- sessions: driver-side events ---- */

/* driver/wintun.c TunUnregisterBuffers: the driver lets go of the rings. The tail of the
 * ring the application reads and the head of the ring it writes become MAXULONG (both ends
 * then report ERROR_HANDLE_EOF), the read event is set and the media goes disconnected. */
static void cut(struct session *s, struct events *ev)
{
    if (s == NULL || s->cut || s->ended)
        return;
    s->cut = TRUE;
    s->rx.tail = INVALID_POS;
    s->tx.head = INVALID_POS;
    SetEvent(s->read_event);
    if (s->registered) {
        s->registered = FALSE;
        s->adapter->live = NULL;
        s->adapter->row.media_connected = FALSE;
        add_event(ev, WINTUN_TEST_MEDIA_DISCONNECTED, s->adapter->row.luid);
    }
}

static void unlist(struct adapter *a, struct events *ev)
{
    if (!a->listed)
        return;
    cut(a->live, ev);
    bridge_detach(a); /* Wintun: the adapter's device goes, so does the Linux one */
    a->listed = FALSE;
    a->row.present = FALSE;
    add_event(ev, WINTUN_TEST_ADAPTER_REMOVED, a->row.luid);
}

/* ---- Wintun API: adapters ---- */

static struct handle *check_handle(void *p, const char *what)
{
    struct handle *h = p;
    char text[160];

    /* api/adapter.c: adapter handles are dereferenced without checks */
    if (h == NULL || h->magic != HANDLE_MAGIC || h->closed) {
        snprintf(text, sizeof(text), "%s on a %s adapter handle", what,
                 h == NULL ? "NULL" : "closed or invalid");
        fatal(text);
    }
    return h;
}

EXPORT void *WINAPI WintunCreateAdapter(const WCHAR *name, const WCHAR *type, const GUID *guid)
{
    struct adapter *a;
    struct handle *h;
    struct events ev = {0};

    if (failing("WintunCreateAdapter"))
        return NULL;
    if (name == NULL || type == NULL) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    if (wcslen(name) >= ALIAS_LEN || wcslen(type) >= ALIAS_LEN) {
        /* api/adapter.c: names are limited to MAX_ADAPTER_NAME (128) characters */
        SetLastError(ERROR_BUFFER_OVERFLOW);
        return NULL;
    }
    if (bridge_wanted() && !bridge_connect(name))
        return NULL; /* the helper is not there or refused the device: nothing was created */
    h = calloc(1, sizeof(*h));
    if (h == NULL) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    EnterCriticalSection(&double_lock);
    a = free_slot();
    if (a == NULL) {
        LeaveCriticalSection(&double_lock);
        free(h);
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    free_alias(name);
    new_row(a, name, IF_TYPE_WINTUN, TRUE);
    wcscpy(a->tunnel_type, type);
    if (guid != NULL) {
        a->guid = *guid; /* api/adapter.c: the requested GUID becomes the instance ID */
    } else {
        for (size_t i = 0; i < sizeof(a->guid); i++)
            ((BYTE *)&a->guid)[i] = (BYTE)(rand() & 0xFF);
    }
    a->handles = 1;
    bridge_bind(a);
    h->magic = HANDLE_MAGIC;
    h->adapter = a;
    h->creator = TRUE;
    add_event(&ev, WINTUN_TEST_ADAPTER_ADDED, a->row.luid);
    LeaveCriticalSection(&double_lock);
    fire(&ev);
    return h;
}

EXPORT void *WINAPI WintunOpenAdapter(const WCHAR *name)
{
    struct adapter *a;
    struct handle *h;
    DWORD waited = 0, timeout;

    if (failing("WintunOpenAdapter"))
        return NULL;
    EnterCriticalSection(&double_lock);
    a = wintun_by_alias(name);
    /* api/adapter.c WintunOpenAdapter: only present Wintun devices are enumerated, and the
     * name is compared case-insensitively */
    if (a != NULL && a->absent)
        a = NULL;
    timeout = device_timeout_ms;
    LeaveCriticalSection(&double_lock);
    if (a == NULL) {
        /* api/adapter.c: not found is logged at ERROR level and returned as ERROR_NOT_FOUND */
        log_error(L"Failed to find matching adapter name", ERROR_NOT_FOUND);
        SetLastError(ERROR_NOT_FOUND);
        return NULL;
    }
    /* api/adapter.c WaitForInterface: an adapter whose interface is not enabled is waited
     * for, up to the device timeout, then the open fails with WAIT_TIMEOUT */
    for (;;) {
        BOOL ready, gone;

        EnterCriticalSection(&double_lock);
        gone = !a->listed || a->absent;
        ready = !gone && !a->disabled;
        if (ready) {
            h = calloc(1, sizeof(*h));
            if (h != NULL) {
                h->magic = HANDLE_MAGIC;
                h->adapter = a;
                a->handles++;
            }
            LeaveCriticalSection(&double_lock);
            if (h == NULL)
                SetLastError(ERROR_NOT_ENOUGH_MEMORY);
            return h;
        }
        LeaveCriticalSection(&double_lock);
        if (gone || waited >= timeout)
            break;
        Sleep(timeout - waited < 10 ? timeout - waited : 10);
        waited += timeout - waited < 10 ? timeout - waited : 10;
    }
    log_error(L"Timed out waiting for device query", WAIT_TIMEOUT);
    log_error(L"Failed to populate adapter", WAIT_TIMEOUT);
    SetLastError(WAIT_TIMEOUT);
    return NULL;
}

EXPORT void WINAPI WintunCloseAdapter(void *handle)
{
    struct handle *h;
    struct adapter *a;
    struct events ev = {0};

    if (handle == NULL) /* api/adapter.c WintunCloseAdapter: NULL is ignored */
        return;
    h = check_handle(handle, "WintunCloseAdapter");
    EnterCriticalSection(&double_lock);
    a = h->adapter;
    /* api/session.c: a session holds its own device handle, so closing the adapter handle
     * first is survived, but it is the wrong order (even for a session already cut) */
    if (h->session != NULL && !h->session->ended)
        violation("adapter handle closed while its session runs");
    /* api/adapter.c: closing the handle that created the adapter removes the device
     * (SwDeviceClose); the driver then drops the ring registration (driver/wintun.c) */
    if (h->creator)
        unlist(a, &ev);
    h->closed = TRUE;
    a->handles--;
    LeaveCriticalSection(&double_lock);
    fire(&ev);
}

EXPORT void WINAPI WintunGetAdapterLUID(void *handle, uint64_t *luid)
{
    struct handle *h = check_handle(handle, "WintunGetAdapterLUID");

    EnterCriticalSection(&double_lock);
    *luid = h->adapter->row.luid;
    LeaveCriticalSection(&double_lock);
}

EXPORT DWORD WINAPI WintunGetRunningDriverVersion(void)
{
    if (failing("WintunGetRunningDriverVersion"))
        return 0;
    return 0x0000000E; /* api/driver.c: major << 16 | minor, here 0.14 */
}

EXPORT void WINAPI WintunSetLogger(logger_fn fn)
{
    EnterCriticalSection(&double_lock);
    logger = fn; /* api/logger.c: NULL turns logging off */
    LeaveCriticalSection(&double_lock);
}

/* ---- Wintun API: sessions ---- */

static BOOL ring_alloc(struct ring *r, SIZE_T bytes)
{
    r->data = VirtualAlloc(NULL, bytes, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    r->bytes = bytes;
    r->head = r->tail = 0;
    return r->data != NULL;
}

static void ring_free(struct ring *r)
{
    if (r->data != NULL)
        VirtualFree(r->data, 0, MEM_RELEASE);
    r->data = NULL;
}

EXPORT void *WINAPI WintunStartSession(void *handle, DWORD capacity)
{
    struct handle *h = check_handle(handle, "WintunStartSession");
    struct adapter *a;
    struct session *s;
    struct events ev = {0};
    DWORD err = 0;

    if (failing("WintunStartSession"))
        return NULL;
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    EnterCriticalSection(&double_lock);
    a = h->adapter;
    if (!a->listed || a->absent || a->disabled) {
        /* api/session.c: the device object of a removed adapter cannot be opened */
        err = ERROR_FILE_NOT_FOUND;
    } else if (a->live != NULL) {
        /* driver/wintun.c TunRegisterBuffers: one ring registration per adapter, from any
         * handle or process: STATUS_ALREADY_INITIALIZED */
        err = ERROR_ALREADY_INITIALIZED;
    } else if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY ||
               (capacity & (capacity - 1)) != 0) {
        /* driver/wintun.c TunRegisterBuffers: the capacity is checked by the driver, a power
         * of two from 128 KiB to 64 MiB, else STATUS_INVALID_PARAMETER */
        err = ERROR_INVALID_PARAMETER;
    }
    LeaveCriticalSection(&double_lock);
    /* The rings: the receive one has room for a maximal packet that starts just before the
     * end (api/session.c TUN_RING_SIZE); the send one has more, since the DLL lets a caller
     * allocate more than a maximal packet. */
    if (err == 0 && (!ring_alloc(&s->rx, (SIZE_T)capacity + 0x10000) ||
                     !ring_alloc(&s->tx, (SIZE_T)capacity * 2 + 0x10000)))
        err = ERROR_NOT_ENOUGH_MEMORY;
    if (err == 0 && (s->read_event = CreateEventW(NULL, FALSE, FALSE, NULL)) == NULL)
        err = GetLastError();
    if (err != 0) {
        if (err == ERROR_FILE_NOT_FOUND)
            log_error(L"Failed to open adapter device object", err);
        else
            log_error(L"Failed to register rings", err);
        ring_free(&s->rx);
        ring_free(&s->tx);
        free(s);
        SetLastError(err);
        return NULL;
    }
    s->magic = SESSION_MAGIC;
    s->capacity = capacity;
    s->handle = h;
    EnterCriticalSection(&double_lock);
    if (!a->listed || a->absent || a->disabled || a->live != NULL) {
        /* lost a race with another start or a removal since the checks above */
        err = a->live != NULL ? ERROR_ALREADY_INITIALIZED : ERROR_FILE_NOT_FOUND;
    } else {
        s->adapter = a;
        s->registered = TRUE;
        a->live = s;
        h->session = s;
        /* driver/wintun.c TunRegisterBuffers: registering reports media connected */
        a->row.media_connected = TRUE;
        add_event(&ev, WINTUN_TEST_MEDIA_CONNECTED, a->row.luid);
        InterlockedIncrement(&starts);
    }
    LeaveCriticalSection(&double_lock);
    if (err != 0) {
        log_error(L"Failed to register rings", err);
        CloseHandle(s->read_event);
        ring_free(&s->rx);
        ring_free(&s->tx);
        free(s);
        SetLastError(err);
        return NULL;
    }
    fire(&ev);
    return s;
}

static struct session *check_session(void *p, const char *what)
{
    struct session *s = p;
    char text[160];

    /* api/session.c: every session call dereferences the session at once (NULL or freed
     * memory crashes: WintunEndSession frees it) */
    if (s == NULL || s->magic != SESSION_MAGIC || s->ended) {
        snprintf(text, sizeof(text), "%s on %s session", what,
                 s == NULL ? "a NULL" : "an ended or invalid");
        fatal(text);
    }
    return s;
}

EXPORT void WINAPI WintunEndSession(void *session)
{
    struct session *s = check_session(session, "WintunEndSession");
    struct events ev = {0};

    EnterCriticalSection(&double_lock);
    /* api/session.c WintunEndSession: the locks and rings are freed with no regard for
     * threads still inside the packet calls */
    if (s->inside_rx > 0 || s->inside_tx > 0) {
        LeaveCriticalSection(&double_lock);
        fatal(s->inside_rx > 0
                  ? "WintunEndSession while another thread is inside WintunReceivePacket or "
                    "WintunReleaseReceivePacket"
                  : "WintunEndSession while another thread is inside WintunAllocateSendPacket or "
                    "WintunSendPacket");
    }
    if (s->registered) {
        /* driver/wintun.c TunUnregisterBuffers: unregistering reports media disconnected
         * (a session already cut had it reported then) */
        s->registered = FALSE;
        s->adapter->live = NULL;
        s->adapter->row.media_connected = FALSE;
        add_event(&ev, WINTUN_TEST_MEDIA_DISCONNECTED, s->adapter->row.luid);
    }
    s->ended = TRUE;
    /* api/session.c: the read-wait event belongs to the session and is closed with it */
    CloseHandle(s->read_event);
    s->read_event = NULL;
    ring_free(&s->rx);
    ring_free(&s->tx);
    LeaveCriticalSection(&double_lock);
    fire(&ev);
}

EXPORT HANDLE WINAPI WintunGetReadWaitEvent(void *session)
{
    return check_session(session, "WintunGetReadWaitEvent")->read_event;
}

EXPORT BYTE *WINAPI WintunReceivePacket(void *session, DWORD *size)
{
    struct session *s = check_session(session, "WintunReceivePacket");
    BYTE *data = NULL;
    DWORD err = 0;
    ULONG tail;

    InterlockedIncrement(&s->inside_rx);
    if (failing("WintunReceivePacket")) {
        InterlockedDecrement(&s->inside_rx);
        return NULL;
    }
    EnterCriticalSection(&double_lock);
    tail = s->rx.tail;
    if (tail >= s->capacity) {
        /* api/session.c WintunReceivePacket: an invalid tail (the driver let go) is end of
         * file, checked before the content: packets still in the ring are lost */
        err = ERROR_HANDLE_EOF;
    } else if (s->rx_corrupt) {
        /* api/session.c WintunReceivePacket: a corrupt ring stays corrupt: Head never
         * advances past the bad packet, so every call fails the same way */
        err = ERROR_INVALID_DATA;
    } else if (tail == s->rx_read) {
        err = ERROR_NO_MORE_ITEMS;
    } else {
        ULONG sz = *header_at(&s->rx, s->rx_read) & ~HELD_BIT;

        /* the header is marked held until WintunReleaseReceivePacket */
        *header_at(&s->rx, s->rx_read) = sz | HELD_BIT;
        data = s->rx.data + s->rx_read + HEADER;
        *size = sz;
        s->rx_read = wrap(s->rx_read + aligned_cost(sz), s->capacity);
        s->rx_outstanding++;
    }
    LeaveCriticalSection(&double_lock);
    InterlockedDecrement(&s->inside_rx);
    if (err != 0)
        SetLastError(err);
    return data;
}

EXPORT void WINAPI WintunReleaseReceivePacket(void *session, const BYTE *packet)
{
    struct session *s = check_session(session, "WintunReleaseReceivePacket");
    ULONG pos;

    InterlockedIncrement(&s->inside_rx);
    EnterCriticalSection(&double_lock);
    pos = (ULONG)((uintptr_t)packet - (uintptr_t)s->rx.data - HEADER);
    if ((uintptr_t)packet < (uintptr_t)s->rx.data + HEADER || pos >= s->capacity ||
        pos % ALIGNMENT != 0 || (*header_at(&s->rx, pos) & HELD_BIT) == 0) {
        /* api/session.c: the header before the pointer is written blindly (no check) */
        violation("WintunReleaseReceivePacket of a pointer that is not a held packet");
    } else {
        *header_at(&s->rx, pos) &= ~HELD_BIT;
        /* api/session.c WintunReleaseReceivePacket: packets may be released in any order,
         * but ring space is given back from the head, up to the first one still held */
        for (ULONG n = 0; s->rx_outstanding > 0 && n < s->capacity / HEADER; n++) {
            ULONG hdr = *header_at(&s->rx, s->rx_release);

            if (hdr & HELD_BIT)
                break;
            s->rx_release = wrap(s->rx_release + aligned_cost(hdr), s->capacity);
            s->rx_outstanding--;
        }
        s->rx.head = s->rx_release;
    }
    LeaveCriticalSection(&double_lock);
    InterlockedDecrement(&s->inside_rx);
}

static BOOL is_ip(const BYTE *p, ULONG size)
{
    /* driver/wintun.c TunProcessReceiveData: IPv4 of at least 20 bytes or IPv6 of at least
     * 40; anything else is discarded (ifInDiscards) */
    return (size >= 20 && p[0] >> 4 == 4) || (size >= 40 && p[0] >> 4 == 6);
}

EXPORT BYTE *WINAPI WintunAllocateSendPacket(void *session, DWORD size)
{
    struct session *s = check_session(session, "WintunAllocateSendPacket");
    BYTE *data = NULL;
    DWORD err = 0;

    InterlockedIncrement(&s->inside_tx);
    if (failing("WintunAllocateSendPacket")) {
        InterlockedDecrement(&s->inside_tx);
        return NULL;
    }
    EnterCriticalSection(&double_lock);
    /* api/session.c WintunAllocateSendPacket: no validation of the size at all; 0 and sizes
     * above 0xFFFF get a buffer (the driver objects later, see driver_check) */
    ULONG cost = aligned_cost(size);
    ULONG head = s->tx.head;

    if (head >= s->capacity) {
        /* api/session.c: an invalid head (driver gone or ring declared corrupt) is EOF */
        err = ERROR_HANDLE_EOF;
    } else if (s->tx_full || cost > free_space(head, s->tx_alloc, s->capacity)) {
        /* api/session.c: no room (4 bytes are always kept back) */
        err = ERROR_BUFFER_OVERFLOW;
    } else {
        *header_at(&s->tx, s->tx_alloc) = (ULONG)size | HELD_BIT;
        data = s->tx.data + s->tx_alloc + HEADER;
        s->tx_alloc = wrap(s->tx_alloc + cost, s->capacity);
        s->tx_outstanding++;
    }
    LeaveCriticalSection(&double_lock);
    InterlockedDecrement(&s->inside_tx);
    if (err != 0)
        SetLastError(err);
    return data;
}

#ifndef WINTUN_DOUBLE_OMIT_SEND /* a variant that lacks one export, to test loading */
/* The driver looks at what the application published (driver/wintun.c
 * TunProcessReceiveData): a packet whose size exceeds 0xFFFF, or that claims more than the
 * published content, makes it stop and set the ring head to MAXULONG, so every later
 * allocation fails with ERROR_HANDLE_EOF. Called with the lock held. */
static void driver_check(struct session *s)
{
    ULONG tail = s->tx.tail;

    for (ULONG n = 0; !s->tx_corrupt && s->drv_checked != tail && n < s->capacity / HEADER; n++) {
        ULONG content = wrap(tail - s->drv_checked, s->capacity);
        ULONG sz = *header_at(&s->tx, s->drv_checked);

        if (content < HEADER || sz > MAX_PACKET || aligned_cost(sz) > content) {
            s->tx_corrupt = TRUE;
            s->tx.head = INVALID_POS;
            break;
        }
        s->drv_checked = wrap(s->drv_checked + aligned_cost(sz), s->capacity);
    }
}

EXPORT void WINAPI WintunSendPacket(void *session, const BYTE *packet)
{
    struct session *s = check_session(session, "WintunSendPacket");
    ULONG pos;

    InterlockedIncrement(&s->inside_tx);
    EnterCriticalSection(&double_lock);
    pos = (ULONG)((uintptr_t)packet - (uintptr_t)s->tx.data - HEADER);
    if ((uintptr_t)packet < (uintptr_t)s->tx.data + HEADER || pos >= s->capacity ||
        pos % ALIGNMENT != 0 || (*header_at(&s->tx, pos) & HELD_BIT) == 0) {
        /* api/session.c: the header before the pointer is written blindly (no check) */
        violation("WintunSendPacket of a pointer that is not an allocated packet");
    } else {
        *header_at(&s->tx, pos) &= ~HELD_BIT;
        /* api/session.c WintunSendPacket: packets reach the driver in allocation order: the
         * published tail stops at the first packet allocated but not yet sent */
        for (ULONG n = 0; s->tx_outstanding > 0 && n < s->capacity / HEADER; n++) {
            ULONG hdr = *header_at(&s->tx, s->tx_publish);

            if (hdr & HELD_BIT)
                break;
            s->tx_publish = wrap(s->tx_publish + aligned_cost(hdr), s->capacity);
            s->tx_outstanding--;
        }
        if (!s->cut) {
            s->tx.tail = s->tx_publish;
            driver_check(s);
            bridge_wake_sender(s);
        }
    }
    LeaveCriticalSection(&double_lock);
    InterlockedDecrement(&s->inside_tx);
}
#endif

/* ---- test exports: packets ---- */

/* The live session of the adapter called @p alias, or NULL. Lock held. */
static struct session *live_of(const WCHAR *alias)
{
    struct adapter *a = wintun_by_alias(alias);

    return a != NULL && a->live != NULL && !a->live->cut ? a->live : NULL;
}

/* driver/wintun.c TunSendNetBufferLists: the space for the whole chain is taken at once; if
 * the ring lacks room for all of it, every packet of the chain is dropped. Packets above
 * 0xFFFF are skipped; a packet whose bytes cannot be read is written as zeros of its full
 * length. The tail moves once, and the read event is set. */
BOOL double_write_chain(struct session *s, const BYTE *const *data, const DWORD *sizes, DWORD count)
{
    ULONG need = 0, pos;

    for (DWORD i = 0; s != NULL && i < count; i++) {
        if (sizes[i] <= MAX_PACKET)
            need += aligned_cost(sizes[i]);
    }
    if (s == NULL || s->rx.tail >= s->capacity ||
        need > free_space(s->rx.head, s->rx.tail, s->capacity))
        return FALSE;
    pos = s->rx.tail;
    for (DWORD i = 0; i < count; i++) {
        if (sizes[i] > MAX_PACKET)
            continue;
        *header_at(&s->rx, pos) = sizes[i];
        if (data[i] != NULL)
            memcpy(s->rx.data + pos + HEADER, data[i], sizes[i]);
        else
            memset(s->rx.data + pos + HEADER, 0, sizes[i]);
        pos = wrap(pos + aligned_cost(sizes[i]), s->capacity);
    }
    s->rx.tail = pos;
    SetEvent(s->read_event);
    return TRUE;
}

static BOOL write_batch(const WCHAR *alias, const BYTE *const *data, const DWORD *sizes,
                        DWORD count)
{
    BOOL ok;

    EnterCriticalSection(&double_lock);
    ok = double_write_chain(live_of(alias), data, sizes, count);
    LeaveCriticalSection(&double_lock);
    return ok;
}

EXPORT BOOL WINAPI WintunTestInject(const WCHAR *alias, const BYTE *data, DWORD size)
{
    if (size > MAX_PACKET) /* driver/wintun.c: never written to the ring */
        return FALSE;
    return write_batch(alias, &data, &size, 1);
}

EXPORT BOOL WINAPI WintunTestInjectBatch(const WCHAR *alias, const BYTE *const *data,
                                         const DWORD *sizes, DWORD count)
{
    return write_batch(alias, data, sizes, count);
}

/* The driver hands the oldest published packet to the stack and frees its space. Packets
 * that are not IP are discarded on the way, as driver/wintun.c does. */
DWORD double_take_one(struct session *s, BYTE *buf, DWORD cap)
{
    DWORD size = 0;

    for (ULONG n = 0; s != NULL && s->drv_take != s->drv_checked && n < s->capacity / HEADER; n++) {
        ULONG sz = *header_at(&s->tx, s->drv_take);
        const BYTE *p = s->tx.data + s->drv_take + HEADER;
        BOOL ip = is_ip(p, sz);

        if (ip) {
            memcpy(buf, p, sz < cap ? sz : cap);
            size = sz;
        }
        s->drv_take = wrap(s->drv_take + aligned_cost(sz), s->capacity);
        if (!s->tx_corrupt)
            s->tx.head = s->drv_take;
        if (ip)
            break;
    }
    return size;
}

EXPORT DWORD WINAPI WintunTestTakeSent(const WCHAR *alias, BYTE *buf, DWORD cap)
{
    DWORD size;

    EnterCriticalSection(&double_lock);
    size = double_take_one(live_of(alias), buf, cap);
    LeaveCriticalSection(&double_lock);
    return size;
}

EXPORT void WINAPI WintunTestFillSendRing(const WCHAR *alias, BOOL full)
{
    struct session *s;

    EnterCriticalSection(&double_lock);
    s = live_of(alias);
    if (s != NULL)
        s->tx_full = full;
    LeaveCriticalSection(&double_lock);
}

/* ---- test exports: driver-side events ---- */

EXPORT void WINAPI WintunTestEndOfFile(const WCHAR *alias)
{
    struct adapter *a;
    struct events ev = {0};

    EnterCriticalSection(&double_lock);
    a = wintun_by_alias(alias);
    /* driver/wintun.c: when the device goes, the rings are unregistered (EOF both ways,
     * media disconnected) and the interface leaves the table */
    if (a != NULL)
        unlist(a, &ev);
    LeaveCriticalSection(&double_lock);
    fire(&ev);
}

EXPORT void WINAPI WintunTestCorruptReceiveRing(const WCHAR *alias)
{
    struct session *s;

    EnterCriticalSection(&double_lock);
    s = live_of(alias);
    if (s != NULL)
        s->rx_corrupt = TRUE;
    LeaveCriticalSection(&double_lock);
}

EXPORT void WINAPI WintunTestCorruptSendRing(const WCHAR *alias)
{
    struct session *s;

    EnterCriticalSection(&double_lock);
    s = live_of(alias);
    /* driver/wintun.c TunProcessReceiveData: on a bad packet the driver stops reading and
     * sets the head to MAXULONG; the other ring keeps working */
    if (s != NULL) {
        s->tx_corrupt = TRUE;
        s->tx.head = INVALID_POS;
    }
    LeaveCriticalSection(&double_lock);
}

static DWORD WINAPI upgrade_return(void *arg)
{
    struct events ev = {0};

    Sleep((DWORD)(uintptr_t)arg);
    EnterCriticalSection(&double_lock);
    for (int i = 0; i < MAX_IFACES; i++) {
        struct adapter *a = &table[i];

        if (a->listed && a->row.wintun && a->absent) {
            a->absent = FALSE;
            a->row.present = !a->disabled;
            add_event(&ev, WINTUN_TEST_ADAPTER_ADDED, a->row.luid);
        }
    }
    LeaveCriticalSection(&double_lock);
    fire(&ev);
    return 0;
}

/* api/driver.c DriverInstall: installing a newer driver disables every Wintun adapter on the
 * machine and enables it again with the new driver: sessions are cut, the adapters keep their
 * LUID and alias. */
EXPORT void WINAPI WintunTestDriverUpgrade(DWORD absent_ms)
{
    struct events ev = {0};
    HANDLE t;

    EnterCriticalSection(&double_lock);
    for (int i = 0; i < MAX_IFACES; i++) {
        struct adapter *a = &table[i];

        if (!a->listed || !a->row.wintun || a->absent)
            continue;
        cut(a->live, &ev);
        a->absent = TRUE;
        a->row.present = FALSE;
        add_event(&ev, WINTUN_TEST_ADAPTER_REMOVED, a->row.luid);
    }
    LeaveCriticalSection(&double_lock);
    fire(&ev);
    t = CreateThread(NULL, 0, upgrade_return, (void *)(uintptr_t)absent_ms, 0, NULL);
    if (t != NULL)
        CloseHandle(t);
    else
        upgrade_return((void *)(uintptr_t)0);
}

/* A disabled device: still enumerated by WintunOpenAdapter, but its interface never comes
 * up (api/adapter.c WaitForInterface). Disabling halts the miniport, which cuts the session
 * (driver/wintun.c). */
EXPORT void WINAPI WintunTestSetDisabled(const WCHAR *alias, BOOL disabled)
{
    struct adapter *a;
    struct events ev = {0};

    EnterCriticalSection(&double_lock);
    a = wintun_by_alias(alias);
    if (a != NULL && a->disabled != !!disabled) {
        a->disabled = !!disabled;
        if (disabled)
            cut(a->live, &ev);
        if (!a->absent) {
            a->row.present = !disabled;
            add_event(&ev, disabled ? WINTUN_TEST_ADAPTER_REMOVED : WINTUN_TEST_ADAPTER_ADDED,
                      a->row.luid);
        }
    }
    LeaveCriticalSection(&double_lock);
    fire(&ev);
}

EXPORT void WINAPI WintunTestSetDeviceTimeout(DWORD ms)
{
    EnterCriticalSection(&double_lock);
    device_timeout_ms = ms;
    LeaveCriticalSection(&double_lock);
}

EXPORT void WINAPI WintunTestFailNext(const char *function, DWORD code, DWORD delay_ms)
{
    EnterCriticalSection(&double_lock);
    if (n_fails < FAIL_SLOTS && function != NULL && code != 0) {
        snprintf(fails[n_fails].function, sizeof(fails[n_fails].function), "%s", function);
        fails[n_fails].code = code;
        fails[n_fails].delay_ms = delay_ms;
        n_fails++;
    }
    LeaveCriticalSection(&double_lock);
}

/* ---- test exports: observations ---- */

EXPORT LONG WINAPI WintunTestViolations(char *what, DWORD size)
{
    LONG n;

    EnterCriticalSection(&double_lock);
    if (what != NULL && size > 0)
        snprintf(what, size, "%s", last_violation);
    n = violation_count;
    LeaveCriticalSection(&double_lock);
    return n;
}

EXPORT DWORD WINAPI WintunTestCapacity(const WCHAR *alias)
{
    struct session *s;
    DWORD c;

    EnterCriticalSection(&double_lock);
    s = live_of(alias);
    c = s != NULL ? s->capacity : 0;
    LeaveCriticalSection(&double_lock);
    return c;
}

EXPORT LONG WINAPI WintunTestSessionStarts(void)
{
    return InterlockedCompareExchange(&starts, 0, 0);
}

/* How many Wintun adapters exist (present or not); the alias and GUID of the i-th. */
EXPORT int WINAPI WintunTestAdapters(int i, WCHAR *name, DWORD size, GUID *guid)
{
    int n = 0;

    EnterCriticalSection(&double_lock);
    for (int k = 0; k < MAX_IFACES; k++) {
        if (!table[k].listed || !table[k].row.wintun)
            continue;
        if (n == i && name != NULL && size > 0) {
            wcsncpy(name, table[k].row.alias, size - 1);
            name[size - 1] = 0;
        }
        if (n == i && guid != NULL)
            *guid = table[k].guid;
        n++;
    }
    LeaveCriticalSection(&double_lock);
    return n;
}

EXPORT BOOL WINAPI WintunTestHasSession(const WCHAR *alias)
{
    BOOL has;

    EnterCriticalSection(&double_lock);
    has = live_of(alias) != NULL;
    LeaveCriticalSection(&double_lock);
    return has;
}

/* A line through the logger the library installed, as the DLL would send it. */
EXPORT void WINAPI WintunTestLog(int level, const WCHAR *message)
{
    log_line(level, message);
}

/* ---- test exports: the interface table ---- */

EXPORT BOOL WINAPI WintunTestAddForeign(const WCHAR *alias, DWORD type, uint64_t *luid)
{
    struct adapter *a = NULL;
    struct events ev = {0};

    if (alias == NULL || wcslen(alias) >= ALIAS_LEN)
        return FALSE;
    EnterCriticalSection(&double_lock);
    /* interface aliases are unique on Windows */
    if (by_alias(alias) == NULL)
        a = free_slot();
    if (a != NULL) {
        new_row(a, alias, type, FALSE);
        add_event(&ev, WINTUN_TEST_ADAPTER_ADDED, a->row.luid);
        if (luid != NULL)
            *luid = a->row.luid;
    }
    LeaveCriticalSection(&double_lock);
    fire(&ev);
    return a != NULL;
}

EXPORT BOOL WINAPI WintunTestRemoveForeign(uint64_t luid)
{
    struct events ev = {0};
    BOOL found = FALSE;

    EnterCriticalSection(&double_lock);
    for (int i = 0; i < MAX_IFACES && !found; i++) {
        if (table[i].listed && !table[i].row.wintun && table[i].row.luid == luid) {
            unlist(&table[i], &ev);
            found = TRUE;
        }
    }
    LeaveCriticalSection(&double_lock);
    fire(&ev);
    return found;
}

EXPORT BOOL WINAPI WintunTestByAlias(const WCHAR *alias, struct wintun_test_iface *out)
{
    struct adapter *a;

    EnterCriticalSection(&double_lock);
    a = by_alias(alias);
    if (a != NULL && out != NULL)
        *out = a->row;
    LeaveCriticalSection(&double_lock);
    return a != NULL;
}

EXPORT BOOL WINAPI WintunTestByLuid(uint64_t luid, struct wintun_test_iface *out)
{
    BOOL found = FALSE;

    EnterCriticalSection(&double_lock);
    for (int i = 0; i < MAX_IFACES && !found; i++) {
        if (table[i].listed && table[i].row.luid == luid) {
            if (out != NULL)
                *out = table[i].row;
            found = TRUE;
        }
    }
    LeaveCriticalSection(&double_lock);
    return found;
}

EXPORT int WINAPI WintunTestIface(int i, struct wintun_test_iface *out)
{
    int n = 0;

    EnterCriticalSection(&double_lock);
    for (int k = 0; k < MAX_IFACES; k++) {
        if (!table[k].listed)
            continue;
        if (n == i && out != NULL)
            *out = table[k].row;
        n++;
    }
    LeaveCriticalSection(&double_lock);
    return n;
}

EXPORT void WINAPI WintunTestSetHook(wintun_test_hook fn, void *ctx)
{
    EnterCriticalSection(&double_lock);
    hook = fn;
    hook_ctx = ctx;
    LeaveCriticalSection(&double_lock);
}
