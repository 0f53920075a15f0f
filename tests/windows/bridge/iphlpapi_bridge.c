/* SPDX-License-Identifier: MIT */
/* The IP Helper stand-in for the double's bridged mode, built as an iphlpapi.dll that the
 * bridge test puts in its own Wine prefix's System32 (with WINEDLLOVERRIDES iphlpapi=n).
 *
 * The library resolves IP Helper at run time from System32 (src/windows/iphlp.c), so the
 * program under test (veiltun.exe, unchanged, with no test-only code) gets this DLL: it
 * answers every call with the same recorder the backend tests use (support.c: interfaces
 * from the double's table, rows, codes, notifications), and forwards each change that
 * succeeded (addresses, the IPv4 MTU, routes) to the Linux helper through the double
 * (WintunTestBridgeConfig), which applies it to the TUN device with libveiltun. A forward the
 * helper refuses fails the call with ERROR_GEN_FAILURE, so nothing is silently ignored.
 *
 * Limits: only the functions the backend uses are exported (see iphlpapi_bridge.def); Wine's
 * other IP Helper functions are absent from a process that loads this DLL. The interface
 * metric, router discovery and DAD settings stay in the recorder (Linux has no such per-
 * interface settings to forward), and so does IPv6's NlMtu (a Linux device has one MTU). */
#include "../recorder.h"

#include <stdio.h>
#include <ws2tcpip.h>

typedef BOOL(WINAPI *config_fn)(const char *line);

static INIT_ONCE once = INIT_ONCE_STATIC_INIT;
static config_fn forward_line;

static BOOL CALLBACK install(INIT_ONCE *o, void *param, void **ctx)
{
    HMODULE m;

    (void)o;
    (void)param;
    (void)ctx;
    recorder_install(); /* loads the double beside the program, as the library does */
    m = GetModuleHandleW(L"wintun.dll");
    if (m != NULL) {
        FARPROC f = GetProcAddress(m, "WintunTestBridgeConfig");
        memcpy(&forward_line, &f, sizeof(f));
    }
    return TRUE;
}

static const struct veiltun__iphlp *rt(void)
{
    InitOnceExecuteOnce(&once, install, NULL, NULL);
    return &recorder_table;
}

/* Forwards a change the recorder accepted; a refusal is a failure of the call. */
static DWORD forward(DWORD rc, const char *line)
{
    if (rc != NO_ERROR || forward_line == NULL)
        return rc;
    if (!forward_line(line)) {
        fprintf(stderr, "iphlpapi bridge: the helper refused '%s'", line);
        return ERROR_GEN_FAILURE;
    }
    return NO_ERROR;
}

static void format_ip(const SOCKADDR_INET *sa, char *buf, size_t size)
{
    if (sa->si_family == AF_INET6)
        inet_ntop(AF_INET6, &sa->Ipv6.sin6_addr, buf, size);
    else
        inet_ntop(AF_INET, &sa->Ipv4.sin_addr, buf, size);
}

/* Only the bridged adapter's rows go to Linux. The double bridges the first adapter a process
 * creates and later ones are plain (a program that closes its adapter and opens another, as
 * the self-test does): the first Wintun adapter asked about is taken as the bridged one, and
 * the others' rows stay in the recorder, as for any plain adapter of the double. */
static BOOL bridged(uint64_t luid)
{
    static volatile LONG64 bridged_luid;
    struct wintun_test_iface t;

    if (dbl.by_luid == NULL || !dbl.by_luid(luid, &t) || !t.wintun)
        return FALSE;
    InterlockedCompareExchange64(&bridged_luid, (LONG64)luid, 0);
    return (uint64_t)bridged_luid == luid;
}

static DWORD address(const MIB_UNICASTIPADDRESS_ROW *row, BOOL add)
{
    char ip[64], line[128];
    DWORD rc =
        add ? rt()->CreateUnicastIpAddressEntry(row) : rt()->DeleteUnicastIpAddressEntry(row);

    if (!bridged(row->InterfaceLuid.Value))
        return rc;
    format_ip(&row->Address, ip, sizeof(ip));
    snprintf(line, sizeof(line), "addr %s %s/%u\n", add ? "add" : "del", ip,
             (unsigned)row->OnLinkPrefixLength);
    return forward(rc, line);
}

static DWORD route(const MIB_IPFORWARD_ROW2 *row, BOOL add)
{
    char dst[64], gw[64] = "-", line[200];
    const SOCKADDR_INET *hop = &row->NextHop;
    DWORD rc = add ? rt()->CreateIpForwardEntry2(row) : rt()->DeleteIpForwardEntry2(row);
    static const BYTE zero[16];

    if (!bridged(row->InterfaceLuid.Value))
        return rc;
    format_ip(&row->DestinationPrefix.Prefix, dst, sizeof(dst));
    if (hop->si_family == AF_INET ? hop->Ipv4.sin_addr.s_addr != 0
                                  : memcmp(&hop->Ipv6.sin6_addr, zero, 16) != 0)
        format_ip(hop, gw, sizeof(gw));
    snprintf(line, sizeof(line), "route %s %s/%u %s %lu\n", add ? "add" : "del", dst,
             (unsigned)row->DestinationPrefix.PrefixLength, gw, (unsigned long)row->Metric);
    return forward(rc, line);
}

VOID WINAPI bridge_InitializeUnicastIpAddressEntry(MIB_UNICASTIPADDRESS_ROW *row)
{
    rt()->InitializeUnicastIpAddressEntry(row);
}

DWORD WINAPI bridge_CreateUnicastIpAddressEntry(const MIB_UNICASTIPADDRESS_ROW *row)
{
    return address(row, TRUE);
}

DWORD WINAPI bridge_DeleteUnicastIpAddressEntry(const MIB_UNICASTIPADDRESS_ROW *row)
{
    return address(row, FALSE);
}

DWORD WINAPI bridge_GetUnicastIpAddressTable(ADDRESS_FAMILY family,
                                             MIB_UNICASTIPADDRESS_TABLE **table)
{
    return rt()->GetUnicastIpAddressTable(family, table);
}

VOID WINAPI bridge_FreeMibTable(PVOID memory)
{
    rt()->FreeMibTable(memory);
}

VOID WINAPI bridge_InitializeIpInterfaceEntry(MIB_IPINTERFACE_ROW *row)
{
    rt()->InitializeIpInterfaceEntry(row);
}

DWORD WINAPI bridge_GetIpInterfaceEntry(MIB_IPINTERFACE_ROW *row)
{
    return rt()->GetIpInterfaceEntry(row);
}

DWORD WINAPI bridge_SetIpInterfaceEntry(MIB_IPINTERFACE_ROW *row)
{
    char line[64];
    DWORD rc = rt()->SetIpInterfaceEntry(row);

    /* A Linux device has one MTU: IPv4's NlMtu is it (the backend sets both families alike). */
    if (row->Family != AF_INET || !bridged(row->InterfaceLuid.Value))
        return rc;
    snprintf(line, sizeof(line), "mtu %lu\n", (unsigned long)row->NlMtu);
    return forward(rc, line);
}

VOID WINAPI bridge_InitializeIpForwardEntry(MIB_IPFORWARD_ROW2 *row)
{
    rt()->InitializeIpForwardEntry(row);
}

DWORD WINAPI bridge_CreateIpForwardEntry2(const MIB_IPFORWARD_ROW2 *row)
{
    return route(row, TRUE);
}

DWORD WINAPI bridge_DeleteIpForwardEntry2(const MIB_IPFORWARD_ROW2 *row)
{
    return route(row, FALSE);
}

DWORD WINAPI bridge_GetIfEntry2(MIB_IF_ROW2 *row)
{
    return rt()->GetIfEntry2(row);
}

DWORD WINAPI bridge_GetIfTable2(MIB_IF_TABLE2 **table)
{
    return rt()->GetIfTable2(table);
}

DWORD WINAPI bridge_NotifyIpInterfaceChange(ADDRESS_FAMILY family, PIPINTERFACE_CHANGE_CALLBACK cb,
                                            PVOID ctx, BOOLEAN initial, HANDLE *handle)
{
    return rt()->NotifyIpInterfaceChange(family, cb, ctx, initial, handle);
}

DWORD WINAPI bridge_CancelMibChangeNotify2(HANDLE handle)
{
    return rt()->CancelMibChangeNotify2(handle);
}

DWORD WINAPI bridge_ConvertInterfaceAliasToLuid(const WCHAR *alias, NET_LUID *luid)
{
    return rt()->ConvertInterfaceAliasToLuid(alias, luid);
}
