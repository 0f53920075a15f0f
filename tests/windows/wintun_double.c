/*
 * A test double of wintun.dll: the same exports with the documented semantics, written here
 * from the Wintun API reference (no Wintun code), plus test-only exports to inject packets,
 * take sent ones, fill the ring, end the session, fail the next call and report misuse.
 *
 * Semantics reproduced: capacity a power of two from 128 KiB to 64 MiB; receive returns
 * ERROR_NO_MORE_ITEMS when empty and ERROR_HANDLE_EOF once the adapter goes; a packet costs
 * its size rounded up to 4 plus a 4-byte header in the ring; allocate fails with
 * ERROR_BUFFER_OVERFLOW when the ring is full; the read-wait event is auto-reset and owned by
 * the session; creating an adapter with a taken name renames the other one; adapters vanish
 * when the handle that created them closes.
 *
 * Misuse it detects (counted, see WintunTestViolations): any call on an ended session, ending
 * a session twice, closing an adapter whose session is still running, and ending a session
 * while a thread is inside WintunReceivePacket.
 */
#include <windows.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT       __declspec(dllexport)
#define MAX_ADAPTERS 8
#define MAX_PACKETS  65536

struct packet {
    DWORD size;
    BYTE *data;
    int state; /* rx: 0 queued, 1 held; tx: 0 allocated, 1 sent */
};

struct session {
    struct handle *handle;
    DWORD capacity, rx_used, tx_used;
    HANDLE read_event;
    struct packet rx[MAX_PACKETS], tx[MAX_PACKETS];
    size_t rx_head, rx_count, tx_head, tx_count;
    int ended, eof;
};

struct adapter {
    WCHAR name[128], type[128];
    GUID guid;
    uint64_t luid;
    int in_use;
};

/* What Create/Open return: several handles may share an adapter; sessions belong to one. */
struct handle {
    struct adapter *adapter;
    struct session *session;
    int created; /* closing the creating handle removes the adapter */
};

static CRITICAL_SECTION lock;
static struct adapter adapters[MAX_ADAPTERS];
static struct session *current; /* the most recent session, for the test exports */
static uint64_t next_luid = 0x0123000000000001ULL;
static void(WINAPI *logger)(int, DWORD64, const WCHAR *);
static volatile LONG violations, receivers, session_starts;
static char last_violation[160];
static char fail_name[64];
static DWORD fail_code;

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, void *reserved)
{
    (void)inst;
    (void)reserved;
    if (reason == DLL_PROCESS_ATTACH)
        InitializeCriticalSection(&lock);
    return TRUE;
}

static void violation(const char *what)
{
    InterlockedIncrement(&violations);
    snprintf(last_violation, sizeof(last_violation), "%s", what);
}

/* The next call of @p name fails with the code set by WintunTestFailNext. */
static int failing(const char *name)
{
    if (fail_code == 0 || strcmp(fail_name, name) != 0)
        return 0;
    SetLastError(fail_code);
    fail_code = 0;
    return 1;
}

static DWORD cost(DWORD size)
{
    return ((size + 3) & ~3u) + 4;
}

/* ---- adapters ---- */

static struct adapter *find(const WCHAR *name)
{
    for (int i = 0; i < MAX_ADAPTERS; i++) {
        if (adapters[i].in_use && wcscmp(adapters[i].name, name) == 0)
            return &adapters[i];
    }
    return NULL;
}

static struct handle *new_handle(struct adapter *a, int created)
{
    struct handle *h = calloc(1, sizeof(*h));

    if (h != NULL) {
        h->adapter = a;
        h->created = created;
    }
    return h;
}

EXPORT void *WINAPI WintunCreateAdapter(const WCHAR *name, const WCHAR *type, const GUID *guid)
{
    struct adapter *a = NULL, *other;
    struct handle *h = NULL;

    if (failing("WintunCreateAdapter"))
        return NULL;
    EnterCriticalSection(&lock);
    other = find(name);
    if (other != NULL) /* what real Wintun does: the other adapter gets a new name */
        wcscat(other->name, L" 2");
    for (int i = 0; i < MAX_ADAPTERS && a == NULL; i++) {
        if (!adapters[i].in_use)
            a = &adapters[i];
    }
    if (a != NULL) {
        memset(a, 0, sizeof(*a));
        a->in_use = 1;
        wcsncpy(a->name, name, 127);
        wcsncpy(a->type, type, 127);
        if (guid)
            a->guid = *guid;
        a->luid = next_luid++;
        h = new_handle(a, 1);
    }
    LeaveCriticalSection(&lock);
    if (h == NULL)
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
    return h;
}

EXPORT void *WINAPI WintunOpenAdapter(const WCHAR *name)
{
    struct adapter *a;
    struct handle *h = NULL;

    if (failing("WintunOpenAdapter"))
        return NULL;
    EnterCriticalSection(&lock);
    a = find(name);
    if (a)
        h = new_handle(a, 0);
    LeaveCriticalSection(&lock);
    if (h == NULL)
        SetLastError(ERROR_FILE_NOT_FOUND);
    return h;
}

EXPORT void WINAPI WintunCloseAdapter(void *handle)
{
    struct handle *h = handle;

    if (h == NULL)
        return;
    EnterCriticalSection(&lock);
    if (h->session != NULL && !h->session->ended)
        violation("adapter closed while its session runs");
    if (h->created)
        h->adapter->in_use = 0;
    free(h);
    LeaveCriticalSection(&lock);
}

EXPORT void WINAPI WintunGetAdapterLUID(void *handle, uint64_t *luid)
{
    *luid = ((struct handle *)handle)->adapter->luid;
}

EXPORT DWORD WINAPI WintunGetRunningDriverVersion(void)
{
    return 0x0000000E; /* 0.14 */
}

EXPORT void WINAPI WintunSetLogger(void(WINAPI *fn)(int, DWORD64, const WCHAR *))
{
    logger = fn;
}

/* ---- sessions ---- */

EXPORT void *WINAPI WintunStartSession(void *handle, DWORD capacity)
{
    struct handle *h = handle;
    struct session *s;

    if (failing("WintunStartSession"))
        return NULL;
    if (capacity < 0x20000 || capacity > 0x4000000 || (capacity & (capacity - 1))) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    s->handle = h;
    s->capacity = capacity;
    s->read_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    EnterCriticalSection(&lock);
    h->session = s;
    current = s;
    InterlockedIncrement(&session_starts);
    LeaveCriticalSection(&lock);
    return s;
}

static int check_live(struct session *s, const char *what)
{
    if (s == NULL || s->ended) {
        violation(what);
        return 0;
    }
    return 1;
}

/* Ended sessions are kept (not freed) so that late calls are detected, not crashes. */
EXPORT void WINAPI WintunEndSession(void *handle)
{
    struct session *s = handle;

    EnterCriticalSection(&lock);
    if (!check_live(s, "session ended twice")) {
        LeaveCriticalSection(&lock);
        return;
    }
    if (receivers > 0)
        violation("session ended while a thread was receiving");
    s->ended = 1;
    CloseHandle(s->read_event);
    s->read_event = NULL;
    LeaveCriticalSection(&lock);
}

EXPORT HANDLE WINAPI WintunGetReadWaitEvent(void *handle)
{
    return ((struct session *)handle)->read_event;
}

EXPORT BYTE *WINAPI WintunReceivePacket(void *handle, DWORD *size)
{
    struct session *s = handle;
    BYTE *data = NULL;

    InterlockedIncrement(&receivers);
    EnterCriticalSection(&lock);
    if (!check_live(s, "receive on an ended session")) {
        SetLastError(ERROR_HANDLE_EOF);
    } else if (failing("WintunReceivePacket")) {
    } else if (s->eof) {
        SetLastError(ERROR_HANDLE_EOF);
    } else {
        size_t held = 0;
        while (held < s->rx_count && s->rx[(s->rx_head + held) % MAX_PACKETS].state == 1)
            held++;
        if (held == s->rx_count) {
            SetLastError(ERROR_NO_MORE_ITEMS);
        } else {
            struct packet *p = &s->rx[(s->rx_head + held) % MAX_PACKETS];
            p->state = 1;
            *size = p->size;
            data = p->data;
        }
    }
    LeaveCriticalSection(&lock);
    InterlockedDecrement(&receivers);
    return data;
}

/* Ring space is freed in order: a release frees every released packet at the front. */
EXPORT void WINAPI WintunReleaseReceivePacket(void *handle, const BYTE *packet)
{
    struct session *s = handle;

    EnterCriticalSection(&lock);
    if (check_live(s, "release on an ended session")) {
        for (size_t i = 0; i < s->rx_count; i++) {
            struct packet *p = &s->rx[(s->rx_head + i) % MAX_PACKETS];
            if (p->data == packet)
                p->state = 2;
        }
        while (s->rx_count > 0 && s->rx[s->rx_head].state == 2) {
            s->rx_used -= cost(s->rx[s->rx_head].size);
            free(s->rx[s->rx_head].data);
            s->rx_head = (s->rx_head + 1) % MAX_PACKETS;
            s->rx_count--;
        }
    }
    LeaveCriticalSection(&lock);
}

EXPORT BYTE *WINAPI WintunAllocateSendPacket(void *handle, DWORD size)
{
    struct session *s = handle;
    BYTE *data = NULL;

    EnterCriticalSection(&lock);
    if (!check_live(s, "allocate on an ended session") || s->eof) {
        SetLastError(ERROR_HANDLE_EOF);
    } else if (failing("WintunAllocateSendPacket")) {
    } else if (size == 0 || size > 0xFFFF) {
        SetLastError(ERROR_INVALID_PARAMETER);
    } else if (s->tx_used + cost(size) > s->capacity || s->tx_count == MAX_PACKETS) {
        SetLastError(ERROR_BUFFER_OVERFLOW);
    } else {
        struct packet *p = &s->tx[(s->tx_head + s->tx_count++) % MAX_PACKETS];
        p->size = size;
        p->data = data = malloc(size);
        p->state = 0;
        s->tx_used += cost(size);
    }
    LeaveCriticalSection(&lock);
    return data;
}

#ifndef WINTUN_DOUBLE_OMIT_SEND /* a variant that lacks one export, to test loading */
EXPORT void WINAPI WintunSendPacket(void *handle, const BYTE *packet)
{
    struct session *s = handle;

    EnterCriticalSection(&lock);
    if (check_live(s, "send on an ended session")) {
        for (size_t i = 0; i < s->tx_count; i++) {
            struct packet *p = &s->tx[(s->tx_head + i) % MAX_PACKETS];
            if (p->data == packet)
                p->state = 1;
        }
    }
    LeaveCriticalSection(&lock);
}
#endif

/* ---- test-only exports ---- */

/* Queue a packet for the library to receive; FALSE if the ring has no room (dropped). */
EXPORT BOOL WINAPI WintunTestInject(const BYTE *data, DWORD size)
{
    struct session *s;
    BOOL ok = FALSE;

    EnterCriticalSection(&lock);
    s = current;
    if (s && !s->ended && s->rx_used + cost(size) <= s->capacity && s->rx_count < MAX_PACKETS) {
        struct packet *p = &s->rx[(s->rx_head + s->rx_count++) % MAX_PACKETS];
        p->size = size;
        p->data = malloc(size);
        memcpy(p->data, data, size);
        p->state = 0;
        s->rx_used += cost(size);
        SetEvent(s->read_event);
        ok = TRUE;
    }
    LeaveCriticalSection(&lock);
    return ok;
}

/* Take the oldest sent packet (frees its ring space); returns its size, 0 if none. */
EXPORT DWORD WINAPI WintunTestTakeSent(BYTE *buf, DWORD cap)
{
    struct session *s;
    DWORD size = 0;

    EnterCriticalSection(&lock);
    s = current;
    if (s && s->tx_count > 0 && s->tx[s->tx_head].state == 1) {
        struct packet *p = &s->tx[s->tx_head];
        size = p->size;
        memcpy(buf, p->data, size < cap ? size : cap);
        s->tx_used -= cost(p->size);
        free(p->data);
        s->tx_head = (s->tx_head + 1) % MAX_PACKETS;
        s->tx_count--;
    }
    LeaveCriticalSection(&lock);
    return size;
}

/* Make the send ring look full (as if the driver stopped draining it), or clear that. */
EXPORT void WINAPI WintunTestFillSendRing(BOOL full)
{
    EnterCriticalSection(&lock);
    if (current)
        current->tx_used = full ? current->capacity : 0;
    LeaveCriticalSection(&lock);
}

/* The adapter is going away: receives and allocations now fail with ERROR_HANDLE_EOF. */
EXPORT void WINAPI WintunTestEndOfFile(void)
{
    EnterCriticalSection(&lock);
    if (current && !current->ended) {
        current->eof = 1;
        SetEvent(current->read_event);
    }
    LeaveCriticalSection(&lock);
}

EXPORT void WINAPI WintunTestFailNext(const char *function, DWORD code)
{
    snprintf(fail_name, sizeof(fail_name), "%s", function);
    fail_code = code;
}

EXPORT LONG WINAPI WintunTestViolations(char *what, DWORD size)
{
    if (what && size)
        snprintf(what, size, "%s", last_violation);
    return violations;
}

EXPORT DWORD WINAPI WintunTestCapacity(void)
{
    return current ? current->capacity : 0;
}

EXPORT LONG WINAPI WintunTestSessionStarts(void)
{
    return session_starts;
}

/* How many adapters exist; the name (UTF-16) and GUID of adapter @p i. */
EXPORT int WINAPI WintunTestAdapters(int i, WCHAR *name, DWORD size, GUID *guid)
{
    int n = 0;

    EnterCriticalSection(&lock);
    for (int k = 0; k < MAX_ADAPTERS; k++) {
        if (!adapters[k].in_use)
            continue;
        if (n == i && name)
            wcsncpy(name, adapters[k].name, size);
        if (n == i && guid)
            *guid = adapters[k].guid;
        n++;
    }
    LeaveCriticalSection(&lock);
    return n;
}

/* Send a line through the logger the library installed. */
EXPORT void WINAPI WintunTestLog(int level, const WCHAR *message)
{
    if (logger)
        logger(level, 0, message);
}
