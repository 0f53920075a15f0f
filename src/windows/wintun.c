/* SPDX-License-Identifier: MIT */
/* Loading wintun.dll and the adapter: create, open, the same-name rule, crash leftovers. */
#include "../internal.h"
#include "win.h"
#include "wintun.h"

#include <stdio.h>
#include <string.h>

static struct veiltun__wintun loaded;
static const struct veiltun__wintun *override_table;
static INIT_ONCE load_once = INIT_ONCE_STATIC_INIT;
static int load_error;

/* Lines Wintun logs on this thread while a probe is open (see veiltun__wintun_probe_begin). */
#define PROBE_LINES 4
static _Thread_local struct {
    int active, count;
    veiltun_log_level level[PROBE_LINES];
    char text[PROBE_LINES][256];
} probe;

/* Wintun's log lines (UTF-16) go to our logger; Wintun calls it on the thread that made the
 * call (and on its own work items for orphan cleanup). */
static void WINAPI bridge_logger(int level, DWORD64 timestamp, const WCHAR *message)
{
    char text[512];
    static const veiltun_log_level map[] = {VEILTUN_LOG_INFO, VEILTUN_LOG_WARN, VEILTUN_LOG_ERROR};
    veiltun_log_level ours = level >= 0 && level <= 2 ? map[level] : VEILTUN_LOG_INFO;

    (void)timestamp;
    if (WideCharToMultiByte(CP_UTF8, 0, message, -1, text, sizeof(text), NULL, NULL) == 0)
        strcpy(text, "(unprintable message)");
    if (probe.active) {
        if (probe.count < PROBE_LINES) {
            probe.level[probe.count] = ours;
            snprintf(probe.text[probe.count], sizeof(probe.text[0]), "%s", text);
            probe.count++;
        }
        return;
    }
    veiltun__log(ours, "wintun: %s", text);
}

void veiltun__wintun_probe_begin(void)
{
    probe.active = 1;
    probe.count = 0;
}

void veiltun__wintun_probe_end(int expected)
{
    probe.active = 0;
    for (int i = 0; i < probe.count; i++)
        veiltun__log(expected ? VEILTUN_LOG_DEBUG : probe.level[i], "wintun: %s%s", probe.text[i],
                     expected ? " (expected: no adapter of that name yet)" : "");
    probe.count = 0;
}

int veiltun__wintun_load(struct veiltun__wintun *t, const WCHAR *path)
{
    memset(t, 0, sizeof(*t));
    /* Never the current directory or PATH: only beside the program, then System32. */
    t->module = LoadLibraryExW(path, NULL,
                               LOAD_LIBRARY_SEARCH_APPLICATION_DIR | LOAD_LIBRARY_SEARCH_SYSTEM32);
    if (t->module == NULL) {
        veiltun__log(VEILTUN_LOG_ERROR,
                     "wintun.dll not found beside the program or in System32 "
                     "(Windows error %lu)",
                     GetLastError());
        return veiltun__fail_os(VEILTUN_ENOLIB, (int)GetLastError());
    }
#define VEILTUN__WINTUN_RESOLVE(ret, name, params)                                                 \
    t->name = (ret(WINAPI *) params)(void (*)(void))GetProcAddress(t->module, #name);              \
    if (t->name == NULL) {                                                                         \
        veiltun__log(VEILTUN_LOG_ERROR, "wintun.dll has no %s: too old or not Wintun", #name);     \
        veiltun__wintun_unload(t);                                                                 \
        return veiltun__fail_os(VEILTUN_ENOLIB, ERROR_PROC_NOT_FOUND);                             \
    }
    VEILTUN__WINTUN_FUNCTIONS(VEILTUN__WINTUN_RESOLVE)
#undef VEILTUN__WINTUN_RESOLVE
    t->WintunSetLogger(bridge_logger);
    return 0;
}

void veiltun__wintun_unload(struct veiltun__wintun *t)
{
    if (t->module != NULL)
        FreeLibrary(t->module);
    memset(t, 0, sizeof(*t));
}

static BOOL CALLBACK load_default(INIT_ONCE *once, void *param, void **ctx)
{
    (void)once;
    (void)param;
    (void)ctx;
    load_error = veiltun__wintun_load(&loaded, L"wintun.dll");
    return TRUE;
}

const struct veiltun__wintun *veiltun__wintun_get(int *err)
{
    if (override_table != NULL)
        return *err = 0, override_table;
    InitOnceExecuteOnce(&load_once, load_default, NULL, NULL);
    *err = load_error;
    if (load_error < 0)
        veiltun__fail_os(load_error, ERROR_MOD_NOT_FOUND);
    return load_error < 0 ? NULL : &loaded;
}

void veiltun__wintun_override(const struct veiltun__wintun *t)
{
    override_table = t;
}

/* ---- names and GUIDs ---- */

int veiltun__to_wide(const char *utf8, WCHAR *out, int size)
{
    return MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, out, size) > 0 ? 0 : -1;
}

/* FNV-1a over "veiltun:" + name, twice with different offsets: a stable 128-bit value, made a
 * version-8 (custom) RFC 9562 GUID. Stability is what matters: Windows ties the network
 * profile to the GUID, so one name keeps one profile across runs. */
void veiltun__guid_from_name(const char *name, GUID *out)
{
    uint64_t h[2] = {0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL};
    uint8_t b[16];
    const char *prefix = "veiltun:";

    for (int k = 0; k < 2; k++) {
        for (const char *p = prefix; *p; p++)
            h[k] = (h[k] ^ (uint8_t)*p) * 0x100000001b3ULL;
        for (const char *p = name; *p; p++)
            h[k] = (h[k] ^ (uint8_t)*p) * 0x100000001b3ULL;
    }
    memcpy(b, &h[0], 8);
    memcpy(b + 8, &h[1], 8);
    memcpy(out, b, sizeof(*out));
    out->Data3 = (unsigned short)((out->Data3 & 0x0fff) | 0x8000);  /* version 8 */
    out->Data4[0] = (unsigned char)((out->Data4[0] & 0x3f) | 0x80); /* RFC variant */
}
