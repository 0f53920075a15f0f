/* SPDX-License-Identifier: MIT */
/* IP Helper, resolved at run time into a table that tests replace with recorders: the
 * configuration side of IP Helper is missing from Wine and must never be a static import.
 * Configuration always goes by the adapter's LUID, never by (possibly non-ASCII) name. */
#ifndef VEILTUN_WINDOWS_IPHLP_H
#define VEILTUN_WINDOWS_IPHLP_H

#include <winsock2.h>
#include <ws2ipdef.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include "veiltun.h"

#define VEILTUN__IPHLP_FUNCTIONS(X)                                                                \
    X(VOID, InitializeUnicastIpAddressEntry, (MIB_UNICASTIPADDRESS_ROW * row))                     \
    X(DWORD, CreateUnicastIpAddressEntry, (const MIB_UNICASTIPADDRESS_ROW *row))                   \
    X(DWORD, DeleteUnicastIpAddressEntry, (const MIB_UNICASTIPADDRESS_ROW *row))                   \
    X(DWORD, GetUnicastIpAddressTable,                                                             \
      (ADDRESS_FAMILY family, MIB_UNICASTIPADDRESS_TABLE * *table))                                \
    X(VOID, FreeMibTable, (PVOID memory))                                                          \
    X(VOID, InitializeIpInterfaceEntry, (MIB_IPINTERFACE_ROW * row))                               \
    X(DWORD, GetIpInterfaceEntry, (MIB_IPINTERFACE_ROW * row))                                     \
    X(DWORD, SetIpInterfaceEntry, (MIB_IPINTERFACE_ROW * row))                                     \
    X(VOID, InitializeIpForwardEntry, (MIB_IPFORWARD_ROW2 * row))                                  \
    X(DWORD, CreateIpForwardEntry2, (const MIB_IPFORWARD_ROW2 *row))                               \
    X(DWORD, DeleteIpForwardEntry2, (const MIB_IPFORWARD_ROW2 *row))                               \
    X(DWORD, GetIfEntry2, (MIB_IF_ROW2 * row))                                                     \
    X(DWORD, GetIfTable2, (MIB_IF_TABLE2 * *table))                                                \
    X(DWORD, NotifyIpInterfaceChange,                                                              \
      (ADDRESS_FAMILY family, PIPINTERFACE_CHANGE_CALLBACK callback, PVOID context,                \
       BOOLEAN initial, HANDLE * handle))                                                          \
    X(DWORD, CancelMibChangeNotify2, (HANDLE handle))                                              \
    X(DWORD, ConvertInterfaceAliasToLuid, (const WCHAR *alias, NET_LUID *luid))

/* Read from the registry (advapi32.dll): whether IPv6 is disabled on the machine. */
#define VEILTUN__REGISTRY_FUNCTIONS(X)                                                             \
    X(LSTATUS, RegGetValueW,                                                                       \
      (HKEY key, const WCHAR *subkey, const WCHAR *value, DWORD flags, DWORD *type, void *data,    \
       DWORD *size))

#define VEILTUN__IPHLP_FIELD(ret, name, params) ret(WINAPI *name) params;
struct veiltun__iphlp {
    VEILTUN__IPHLP_FUNCTIONS(VEILTUN__IPHLP_FIELD)
    VEILTUN__REGISTRY_FUNCTIONS(VEILTUN__IPHLP_FIELD)
};
#undef VEILTUN__IPHLP_FIELD

/* The table in use: iphlpapi.dll's functions from System32 (a missing one is NULL and its
 * callers get ERROR_PROC_NOT_FOUND), unless a test installed its own. */
const struct veiltun__iphlp *veiltun__iphlp(void);
void veiltun__iphlp_override(const struct veiltun__iphlp *t);

/* Operations; each returns 0 or a VEILTUN_E* (the IP Helper code is the recorded OS error). */
int veiltun__ip_address(uint64_t luid, const veiltun_prefix *p, int add);
int veiltun__ip_get_addresses(uint64_t luid, veiltun_prefix *out, size_t max);
/* A family's (VEILTUN__V4/V6) IP interface row; VEILTUN__ENOTYET before it appears,
 * VEILTUN_ENODEV once the adapter is gone. */
int veiltun__ip_get_interface(uint64_t luid, int family, MIB_IPINTERFACE_ROW *row);
/* Writes a row read with veiltun__ip_get_interface (fixing what Windows would refuse). */
int veiltun__ip_set_interface(MIB_IPINTERFACE_ROW *row, const char *what);
/* 1 if the registry turns IPv6 off for interfaces such as Wintun's. */
int veiltun__ip_ipv6_disabled(void);
int veiltun__ip_route(uint64_t luid, const veiltun_prefix *dst, const veiltun_prefix *gw,
                      uint32_t metric, int add);
int veiltun__ip_link(uint64_t luid, veiltun_info *info);
int veiltun__ip_luid_by_name(const WCHAR *name, uint64_t *luid);
int veiltun__ip_notify(void *context, PIPINTERFACE_CHANGE_CALLBACK cb, HANDLE *handle);
void veiltun__ip_notify_cancel(HANDLE handle);

#endif
