/* The test double's test-only exports, resolved from the wintun.dll beside the test. */
#ifndef VEILTUN_TEST_DOUBLE_H
#define VEILTUN_TEST_DOUBLE_H

#include <winsock2.h>
#include <windows.h>

struct wintun_double {
    BOOL(WINAPI *inject)(const BYTE *data, DWORD size);
    DWORD(WINAPI *take_sent)(BYTE *buf, DWORD cap);
    void(WINAPI *fill_send_ring)(BOOL full);
    void(WINAPI *end_of_file)(void);
    void(WINAPI *fail_next)(const char *function, DWORD code);
    LONG(WINAPI *violations)(char *what, DWORD size);
    DWORD(WINAPI *capacity)(void);
    LONG(WINAPI *session_starts)(void);
    int(WINAPI *adapters)(int i, WCHAR *name, DWORD size, GUID *guid);
    void(WINAPI *log)(int level, const WCHAR *message);
};

/* Loads the double (exits the test if it cannot). */
void double_load(struct wintun_double *d);

#endif
