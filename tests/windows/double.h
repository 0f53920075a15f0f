/* SPDX-License-Identifier: MIT */
/* The test double's test-only exports, resolved from the wintun.dll beside the test.
 *
 * The double keeps the machine's table of network interfaces (its own Wintun adapters and
 * "foreign" interfaces a test adds), so that the IP Helper recorder (support.c) answers
 * alias, LUID and GetIfEntry2 questions from the same table Wintun renames in. Test exports
 * name an adapter by its current alias (case-insensitive); with one live session per adapter,
 * "the adapter's session" is unambiguous. */
#ifndef VEILTUN_TEST_DOUBLE_H
#define VEILTUN_TEST_DOUBLE_H

#include <winsock2.h>
#include <windows.h>

#include <stdint.h>

/* One row of the double's interface table. */
struct wintun_test_iface {
    WCHAR alias[128];
    uint64_t luid;
    DWORD index;          /* interface index */
    DWORD type;           /* IF_TYPE_*: 53 (IF_TYPE_PROP_VIRTUAL) for Wintun */
    BOOL wintun;          /* one of the double's adapters */
    BOOL present;         /* FALSE while disabled (driver upgrade, "disabled" mode) */
    BOOL media_connected; /* a session has its rings registered */
};

/* What the hook is told (see WintunTestSetHook). */
#define WINTUN_TEST_ADAPTER_ADDED      1
#define WINTUN_TEST_ADAPTER_REMOVED    2
#define WINTUN_TEST_MEDIA_CONNECTED    3
#define WINTUN_TEST_MEDIA_DISCONNECTED 4
typedef void(WINAPI *wintun_test_hook)(int what, uint64_t luid, void *ctx);

struct wintun_double {
    /* Packets. */
    BOOL(WINAPI *inject)(const WCHAR *adapter, const BYTE *data, DWORD size);
    BOOL(WINAPI *inject_batch)
    (const WCHAR *adapter, const BYTE *const *data, const DWORD *sizes, DWORD count);
    DWORD(WINAPI *take_sent)(const WCHAR *adapter, BYTE *buf, DWORD cap);
    void(WINAPI *fill_send_ring)(const WCHAR *adapter, BOOL full);
    /* Driver-side events. */
    void(WINAPI *end_of_file)(const WCHAR *adapter);
    void(WINAPI *corrupt_receive_ring)(const WCHAR *adapter);
    void(WINAPI *corrupt_send_ring)(const WCHAR *adapter);
    void(WINAPI *driver_upgrade)(DWORD absent_ms);
    void(WINAPI *set_disabled)(const WCHAR *adapter, BOOL disabled);
    void(WINAPI *set_device_timeout)(DWORD ms);
    /* The next call of @p function fails with @p code, after @p delay_ms (0: at once). */
    void(WINAPI *fail_next)(const char *function, DWORD code, DWORD delay_ms);
    /* Misuse that the real DLL survives (counted); misuse it crashes on ends the process. */
    LONG(WINAPI *violations)(char *what, DWORD size);
    /* Observations. */
    DWORD(WINAPI *capacity)(const WCHAR *adapter);
    LONG(WINAPI *session_starts)(void);
    int(WINAPI *adapters)(int i, WCHAR *name, DWORD size, GUID *guid);
    BOOL(WINAPI *has_session)(const WCHAR *adapter);
    void(WINAPI *log)(int level, const WCHAR *message);
    /* The interface table. */
    BOOL(WINAPI *add_foreign)(const WCHAR *alias, DWORD type, uint64_t *luid);
    BOOL(WINAPI *remove_foreign)(uint64_t luid);
    BOOL(WINAPI *by_alias)(const WCHAR *alias, struct wintun_test_iface *out);
    BOOL(WINAPI *by_luid)(uint64_t luid, struct wintun_test_iface *out);
    int(WINAPI *iface)(int i, struct wintun_test_iface *out); /* returns the row count */
    void(WINAPI *set_hook)(wintun_test_hook hook, void *ctx);
};

/* Loads the double (exits the test if it cannot). */
void double_load(struct wintun_double *d);

#endif
