/* SPDX-License-Identifier: MIT */
/* Wintun, loaded at run time: our own declarations of the documented ABI (wintun.h from the
 * Wintun project is not used), resolved into one table. */
#ifndef VEILTUN_WINDOWS_WINTUN_H
#define VEILTUN_WINDOWS_WINTUN_H

#include <winsock2.h>
#include <windows.h>

#include <stdint.h>

typedef void *WINTUN_ADAPTER;
typedef void *WINTUN_SESSION;
typedef void(WINAPI *WINTUN_LOGGER)(int level, DWORD64 timestamp, const WCHAR *message);

/* Every function the backend uses: X(return type, name, parameters). */
#define VEILTUN__WINTUN_FUNCTIONS(X)                                                               \
    X(WINTUN_ADAPTER, WintunCreateAdapter,                                                         \
      (const WCHAR *name, const WCHAR *tunnel_type, const GUID *requested_guid))                   \
    X(WINTUN_ADAPTER, WintunOpenAdapter, (const WCHAR *name))                                      \
    X(void, WintunCloseAdapter, (WINTUN_ADAPTER adapter))                                          \
    X(void, WintunGetAdapterLUID, (WINTUN_ADAPTER adapter, uint64_t * luid))                       \
    X(DWORD, WintunGetRunningDriverVersion, (void))                                                \
    X(void, WintunSetLogger, (WINTUN_LOGGER logger))                                               \
    X(WINTUN_SESSION, WintunStartSession, (WINTUN_ADAPTER adapter, DWORD capacity))                \
    X(void, WintunEndSession, (WINTUN_SESSION session))                                            \
    X(HANDLE, WintunGetReadWaitEvent, (WINTUN_SESSION session))                                    \
    X(BYTE *, WintunReceivePacket, (WINTUN_SESSION session, DWORD * size))                         \
    X(void, WintunReleaseReceivePacket, (WINTUN_SESSION session, const BYTE *packet))              \
    X(BYTE *, WintunAllocateSendPacket, (WINTUN_SESSION session, DWORD size))                      \
    X(void, WintunSendPacket, (WINTUN_SESSION session, const BYTE *packet))

#define VEILTUN__WINTUN_FIELD(ret, name, params) ret(WINAPI *name) params;
struct veiltun__wintun {
    HMODULE module;
    VEILTUN__WINTUN_FUNCTIONS(VEILTUN__WINTUN_FIELD)
};
#undef VEILTUN__WINTUN_FIELD

/* Largest packet Wintun carries. */
#define VEILTUN__WINTUN_MAX_PACKET 0xFFFFu

/* The process-wide table, loaded on first use from the application directory, then System32.
 * Returns NULL with VEILTUN_ENOLIB recorded if the DLL or any function is missing. */
const struct veiltun__wintun *veiltun__wintun_get(int *err);
/* Loads a table from @p path (tests load variants of the test double this way). */
int veiltun__wintun_load(struct veiltun__wintun *t, const WCHAR *path);
void veiltun__wintun_unload(struct veiltun__wintun *t);
/* WintunOpenAdapter logs an ERROR line when no adapter matches (api/adapter.c), which is the
 * normal outcome of the open-then-create probe: between begin and end, Wintun's lines on this
 * thread are held back, and end logs them at DEBUG if @p expected, else at their own level. */
void veiltun__wintun_probe_begin(void);
void veiltun__wintun_probe_end(int expected);
/* Tests: make veiltun__wintun_get() return @p t (NULL restores normal loading). */
void veiltun__wintun_override(const struct veiltun__wintun *t);

#endif
