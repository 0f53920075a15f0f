/* SPDX-License-Identifier: MIT */
/* Windows rounds a timed sleep or wait up to the clock tick, 15.625 ms by default unless the
 * process raises the timer resolution (Microsoft's Sleep and timeBeginPeriod remarks); Wine
 * on Linux sleeps about the time asked. So a backend that "sleeps 1 ms" behaves under Wine as
 * it never would on Windows. This test runs the situations that wait for a moment (a full send
 * ring, a consumer that stops reading, close while a write backs off) with the program's
 * imports of Sleep and the wait functions replaced by ones that wait a whole tick for any
 * timeout from 1 to 15 ms, as Windows does, and count such calls: the library must make none.
 * (The test itself only waits 0 ms, at least a tick, or forever while the hooks are in.) */
#include "recorder.h"
#include "test.h"
#include "veiltun.h"

#define ADAPTER L"veil0"
#define TICK_MS 16

static volatile LONG short_waits;
static char what[128];

typedef VOID(WINAPI *sleep_fn)(DWORD);
typedef DWORD(WINAPI *sleep_ex_fn)(DWORD, BOOL);
typedef DWORD(WINAPI *wait1_fn)(HANDLE, DWORD);
typedef DWORD(WINAPI *wait1_ex_fn)(HANDLE, DWORD, BOOL);
typedef DWORD(WINAPI *waitn_fn)(DWORD, const HANDLE *, BOOL, DWORD);
static sleep_fn real_sleep;
static sleep_ex_fn real_sleep_ex;
static wait1_fn real_wait1;
static wait1_ex_fn real_wait1_ex;
static waitn_fn real_waitn;

/* A timeout Windows would round up to a tick: counted, and waited as Windows would. */
static DWORD tick(DWORD ms, const char *fn)
{
    if (ms == 0 || ms == INFINITE || ms >= TICK_MS)
        return ms;
    if (InterlockedIncrement(&short_waits) == 1)
        snprintf(what, sizeof(what), "%s(%lu ms)", fn, (unsigned long)ms);
    return TICK_MS;
}

static VOID WINAPI hook_sleep(DWORD ms)
{
    real_sleep(tick(ms, "Sleep"));
}

static DWORD WINAPI hook_sleep_ex(DWORD ms, BOOL alertable)
{
    return real_sleep_ex(tick(ms, "SleepEx"), alertable);
}

static DWORD WINAPI hook_wait1(HANDLE h, DWORD ms)
{
    return real_wait1(h, tick(ms, "WaitForSingleObject"));
}

static DWORD WINAPI hook_wait1_ex(HANDLE h, DWORD ms, BOOL alertable)
{
    return real_wait1_ex(h, tick(ms, "WaitForSingleObjectEx"), alertable);
}

static DWORD WINAPI hook_waitn(DWORD n, const HANDLE *h, BOOL all, DWORD ms)
{
    return real_waitn(n, h, all, tick(ms, "WaitForMultipleObjects"));
}

/* Points this program's import of kernel32!@p name at @p hook; the old target in @p real. */
static int patch_import(const char *name, void *hook, void *real)
{
    BYTE *base = (BYTE *)GetModuleHandleW(NULL);
    IMAGE_NT_HEADERS *nt = (IMAGE_NT_HEADERS *)(base + ((IMAGE_DOS_HEADER *)base)->e_lfanew);
    IMAGE_DATA_DIRECTORY dir = nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_IMPORT];
    IMAGE_IMPORT_DESCRIPTOR *imp = (IMAGE_IMPORT_DESCRIPTOR *)(base + dir.VirtualAddress);
    int patched = 0;

    for (; imp->Name != 0; imp++) {
        IMAGE_THUNK_DATA *names = (IMAGE_THUNK_DATA *)(base + imp->OriginalFirstThunk);
        IMAGE_THUNK_DATA *slots = (IMAGE_THUNK_DATA *)(base + imp->FirstThunk);
        for (; names->u1.AddressOfData != 0; names++, slots++) {
            DWORD old;
            if (IMAGE_SNAP_BY_ORDINAL(names->u1.Ordinal))
                continue;
            if (strcmp(
                    (const char *)((IMAGE_IMPORT_BY_NAME *)(base + names->u1.AddressOfData))->Name,
                    name) != 0)
                continue;
            if (*(void **)real == NULL)
                memcpy(real, &slots->u1.Function, sizeof(void *));
            if (!VirtualProtect(&slots->u1.Function, sizeof(void *), PAGE_READWRITE, &old))
                TEST_FAIL("VirtualProtect of the import of %s: error %lu", name, GetLastError());
            memcpy(&slots->u1.Function, &hook, sizeof(void *));
            VirtualProtect(&slots->u1.Function, sizeof(void *), old, &old);
            patched++;
        }
    }
    return patched;
}

static void install_hooks(void)
{
    /* The library is linked into this program: its calls go through these imports. */
    ASSERT_GT(patch_import("Sleep", (void *)hook_sleep, &real_sleep), 0);
    patch_import("SleepEx", (void *)hook_sleep_ex, &real_sleep_ex);
    ASSERT_GT(patch_import("WaitForSingleObject", (void *)hook_wait1, &real_wait1), 0);
    patch_import("WaitForSingleObjectEx", (void *)hook_wait1_ex, &real_wait1_ex);
    ASSERT_GT(patch_import("WaitForMultipleObjects", (void *)hook_waitn, &real_waitn), 0);
    /* The hooks work: a 1 ms sleep is seen (and then forgotten). */
    Sleep(1);
    ASSERT_EQ(short_waits, 1);
    short_waits = 0;
}

static DWORD make_packet(BYTE *p, uint32_t seq, DWORD size)
{
    memset(p, 0, size);
    p[0] = 0x45;
    memcpy(p + 4, &seq, 4);
    return size;
}

/* A ring that stays full: the write backs off, then drops. */
static void full_send_ring(veiltun *dev)
{
    BYTE pkt[100];

    make_packet(pkt, 1, sizeof(pkt));
    dbl.fill_send_ring(ADAPTER, TRUE);
    for (int i = 0; i < 5; i++)
        ASSERT_EQ(veiltun_write(dev, pkt, sizeof(pkt)), VEILTUN_ENOBUFS);
    dbl.fill_send_ring(ADAPTER, FALSE);
}

/* A consumer that stops reading: the reader waits for room, then everything arrives. */
static void queue_full(veiltun *dev)
{
    static BYTE pkt[1500], buf[2048];
    veiltun_stats st;
    uint32_t got = 0;

    for (uint32_t i = 0; i < 4000; i++)
        ASSERT_TRUE(dbl.inject(ADAPTER, pkt, make_packet(pkt, i, sizeof(pkt))));
    for (int i = 0; i < 100; i++) { /* until the reader found the queue full (bounded) */
        veiltun_get_stats(dev, &st, sizeof(st));
        if (st.queue_full > 0)
            break;
        Sleep(TICK_MS);
    }
    ASSERT_GT(st.queue_full, 0);
    for (int rounds = 0; got < 4000 && rounds < 100000; rounds++) {
        int n = veiltun_read(dev, buf, sizeof(buf));
        if (n == VEILTUN_EAGAIN) {
            ASSERT_GT(veiltun_wait(dev, 5000), 0);
            continue;
        }
        ASSERT_EQ(n, 1500);
        got++;
    }
    ASSERT_EQ(got, 4000);
}

static DWORD WINAPI backing_off(void *arg)
{
    BYTE pkt[100];

    make_packet(pkt, 2, sizeof(pkt));
    return (DWORD)veiltun_write(arg, pkt, sizeof(pkt));
}

/* Close while a write waits for ring space. */
static void close_during_backoff(veiltun *dev)
{
    HANDLE t;

    dbl.fail_next("WintunAllocateSendPacket", ERROR_BUFFER_OVERFLOW, 200);
    t = CreateThread(NULL, 0, backing_off, dev, 0, NULL);
    Sleep(3 * TICK_MS);
    veiltun_close(dev);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
}

int main(void)
{
    veiltun_config cfg;
    veiltun *dev;

    /* First, while this program has no other thread that could call through the imports
     * being rewritten. */
    install_hooks();
    recorder_install();
    recorder_use_in_backend();
    veiltun_config_init(&cfg);
    cfg.name = "veil0";
    cfg.ring_capacity = VEILTUN_RING_MAX;
    ASSERT_OK(veiltun_open(&cfg, &dev));
    full_send_ring(dev);
    queue_full(dev);
    close_during_backoff(dev);
    if (short_waits != 0)
        TEST_FAIL("the library made %ld waits shorter than a Windows clock tick, first %s",
                  (long)short_waits, what);
    return 0;
}
