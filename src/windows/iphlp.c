/* SPDX-License-Identifier: MIT */
/* IP Helper operations by LUID (see iphlp.h). */
#include "../internal.h"
#include "iphlp.h"
#include "win.h"

#include <string.h>

static struct veiltun__iphlp system_table;
static const struct veiltun__iphlp *override_table;
static INIT_ONCE resolve_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK resolve(INIT_ONCE *once, void *param, void **ctx)
{
    HMODULE m = LoadLibraryExW(L"iphlpapi.dll", NULL, LOAD_LIBRARY_SEARCH_SYSTEM32);

    (void)once;
    (void)param;
    (void)ctx;
    if (m == NULL)
        return TRUE;
#define VEILTUN__IPHLP_RESOLVE(ret, name, params)                                                  \
    system_table.name = (ret(WINAPI *) params)(void (*)(void))GetProcAddress(m, #name);
    VEILTUN__IPHLP_FUNCTIONS(VEILTUN__IPHLP_RESOLVE)
    m = LoadLibraryExW(L"advapi32.dll", NULL, LOAD_LIBRARY_SEARCH_SYSTEM32);
    if (m != NULL) {
        VEILTUN__REGISTRY_FUNCTIONS(VEILTUN__IPHLP_RESOLVE)
    }
#undef VEILTUN__IPHLP_RESOLVE
    return TRUE;
}

const struct veiltun__iphlp *veiltun__iphlp(void)
{
    if (override_table != NULL)
        return override_table;
    InitOnceExecuteOnce(&resolve_once, resolve, NULL, NULL);
    return &system_table;
}

void veiltun__iphlp_override(const struct veiltun__iphlp *t)
{
    override_table = t;
}

/* A call through the table: a function Windows (or Wine) lacks is an error, not a crash. */
#define CALL(t, name, ...) ((t)->name ? (t)->name(__VA_ARGS__) : ERROR_PROC_NOT_FOUND)
#define HAVE(t, name)      ((t)->name != NULL)

/* A LUID that GetIfEntry2 no longer knows is an adapter that is gone (MS GetIfEntry2Ex:
 * ERROR_FILE_NOT_FOUND for an unknown interface). */
static int luid_exists(const struct veiltun__iphlp *t, uint64_t luid)
{
    MIB_IF_ROW2 row;

    memset(&row, 0, sizeof(row));
    row.InterfaceLuid.Value = luid;
    return CALL(t, GetIfEntry2, &row) != ERROR_FILE_NOT_FOUND;
}

/* IP Helper's ERROR_NOT_FOUND means either "the adapter is gone" (ENODEV, as the header
 * promises) or "this family's IP interface has not appeared yet" (internal ENOTYET); any
 * other code is mapped as usual. */
static int interface_error(const struct veiltun__iphlp *t, uint64_t luid, DWORD rc,
                           const char *what)
{
    if (rc == ERROR_NOT_FOUND || rc == ERROR_FILE_NOT_FOUND) {
        if (!luid_exists(t, luid))
            return veiltun__fail_os(VEILTUN_ENODEV, (int)rc);
        return veiltun__fail_os(VEILTUN__ENOTYET, (int)rc);
    }
    return veiltun__win_error(rc, what);
}

static void to_sockaddr(const veiltun_prefix *p, SOCKADDR_INET *sa)
{
    memset(sa, 0, sizeof(*sa));
    if (p->family == VEILTUN_AF_INET) {
        sa->Ipv4.sin_family = AF_INET;
        memcpy(&sa->Ipv4.sin_addr, p->addr, 4);
    } else {
        sa->Ipv6.sin6_family = AF_INET6;
        memcpy(&sa->Ipv6.sin6_addr, p->addr, 16);
    }
}

static int from_sockaddr(const SOCKADDR_INET *sa, unsigned prefix_len, veiltun_prefix *p)
{
    memset(p, 0, sizeof(*p));
    if (sa->si_family == AF_INET) {
        p->family = VEILTUN_AF_INET;
        memcpy(p->addr, &sa->Ipv4.sin_addr, 4);
    } else if (sa->si_family == AF_INET6) {
        p->family = VEILTUN_AF_INET6;
        memcpy(p->addr, &sa->Ipv6.sin6_addr, 16);
    } else {
        return -1;
    }
    p->prefix_len = prefix_len;
    return 0;
}

int veiltun__ip_address(uint64_t luid, const veiltun_prefix *p, int add)
{
    const struct veiltun__iphlp *t = veiltun__iphlp();
    MIB_UNICASTIPADDRESS_ROW row;
    DWORD rc;

    if (!HAVE(t, InitializeUnicastIpAddressEntry))
        return veiltun__win_error(ERROR_PROC_NOT_FOUND, "InitializeUnicastIpAddressEntry");
    t->InitializeUnicastIpAddressEntry(&row);
    row.InterfaceLuid.Value = luid;
    to_sockaddr(p, &row.Address);
    row.OnLinkPrefixLength = (UINT8)p->prefix_len;
    /* Usable at once, as on Linux with IFA_F_NODAD: nobody else is on a TUN link. */
    row.DadState = IpDadStatePreferred;
    rc = add ? CALL(t, CreateUnicastIpAddressEntry, &row)
             : CALL(t, DeleteUnicastIpAddressEntry, &row);
    if (rc == 0)
        return 0;
    if (!add && rc == ERROR_NOT_FOUND)
        return veiltun__fail_os(luid_exists(t, luid) ? VEILTUN_EADDRNOTAVAIL : VEILTUN_ENODEV,
                                (int)rc);
    return interface_error(t, luid, rc, add ? "add address" : "remove address");
}

int veiltun__ip_get_addresses(uint64_t luid, veiltun_prefix *out, size_t max)
{
    const struct veiltun__iphlp *t = veiltun__iphlp();
    MIB_UNICASTIPADDRESS_TABLE *table = NULL;
    DWORD rc = CALL(t, GetUnicastIpAddressTable, AF_UNSPEC, &table);
    size_t count = 0;

    if (rc)
        return veiltun__win_error(rc, "list addresses");
    for (ULONG i = 0; i < table->NumEntries; i++) {
        const MIB_UNICASTIPADDRESS_ROW *row = &table->Table[i];
        veiltun_prefix p;
        if (row->InterfaceLuid.Value != luid ||
            from_sockaddr(&row->Address, row->OnLinkPrefixLength, &p) < 0)
            continue;
        if (count < max)
            out[count] = p;
        count++;
    }
    CALL(t, FreeMibTable, table);
    if (count == 0 && !luid_exists(t, luid))
        return veiltun__fail_os(VEILTUN_ENODEV, ERROR_FILE_NOT_FOUND);
    return count > INT32_MAX ? INT32_MAX : (int)count;
}

int veiltun__ip_get_interface(uint64_t luid, int family, MIB_IPINTERFACE_ROW *row)
{
    const struct veiltun__iphlp *t = veiltun__iphlp();
    DWORD rc;

    if (!HAVE(t, InitializeIpInterfaceEntry))
        return veiltun__win_error(ERROR_PROC_NOT_FOUND, "InitializeIpInterfaceEntry");
    t->InitializeIpInterfaceEntry(row);
    row->Family = family == VEILTUN__V4 ? AF_INET : AF_INET6;
    row->InterfaceLuid.Value = luid;
    rc = CALL(t, GetIpInterfaceEntry, row);
    return rc ? interface_error(t, luid, rc, "read interface") : 0;
}

int veiltun__ip_set_interface(MIB_IPINTERFACE_ROW *row, const char *what)
{
    const struct veiltun__iphlp *t = veiltun__iphlp();
    DWORD rc;

    /* GetIpInterfaceEntry can return junk in SitePrefixLength that SetIpInterfaceEntry then
     * refuses: IPv4 must write 0, IPv6 at most 128 (wireguard-windows clamps the same way in
     * tunnel/winipcfg/types.go). */
    if (row->Family == AF_INET)
        row->SitePrefixLength = 0;
    else if (row->SitePrefixLength > 128)
        row->SitePrefixLength = 128;
    rc = CALL(t, SetIpInterfaceEntry, row);
    return rc ? interface_error(t, row->InterfaceLuid.Value, rc, what) : 0;
}

int veiltun__ip_ipv6_disabled(void)
{
    const struct veiltun__iphlp *t = veiltun__iphlp();
    DWORD value = 0, size = sizeof(value);
    LSTATUS rc;

    if (!HAVE(t, RegGetValueW))
        return 0;
    /* Microsoft's "Guidance for configuring IPv6": DisabledComponents bit 0x10 turns IPv6 off
     * on every non-tunnel interface (0xFF, everything but loopback, includes it). Wintun is
     * not an IPv6 transition tunnel, so either setting means its IPv6 never arrives. */
    rc = t->RegGetValueW(HKEY_LOCAL_MACHINE,
                         L"SYSTEM\\CurrentControlSet\\Services\\Tcpip6\\Parameters",
                         L"DisabledComponents", RRF_RT_REG_DWORD, NULL, &value, &size);
    return rc == ERROR_SUCCESS && (value & 0x10) != 0;
}

int veiltun__ip_route(uint64_t luid, const veiltun_prefix *dst, const veiltun_prefix *gw,
                      uint32_t metric, int add)
{
    const struct veiltun__iphlp *t = veiltun__iphlp();
    MIB_IPFORWARD_ROW2 row;
    DWORD rc;

    if (!HAVE(t, InitializeIpForwardEntry))
        return veiltun__win_error(ERROR_PROC_NOT_FOUND, "InitializeIpForwardEntry");
    t->InitializeIpForwardEntry(&row);
    row.InterfaceLuid.Value = luid;
    to_sockaddr(dst, &row.DestinationPrefix.Prefix);
    row.DestinationPrefix.PrefixLength = (UINT8)dst->prefix_len;
    /* No gateway: the unspecified address of the destination's family (on-link). */
    if (gw != NULL) {
        to_sockaddr(gw, &row.NextHop);
    } else {
        memset(&row.NextHop, 0, sizeof(row.NextHop));
        row.NextHop.si_family = row.DestinationPrefix.Prefix.si_family;
    }
    row.Metric = metric;
    row.Protocol = MIB_IPPROTO_NETMGMT;
    rc = add ? CALL(t, CreateIpForwardEntry2, &row) : CALL(t, DeleteIpForwardEntry2, &row);
    if (rc == 0)
        return 0;
    if (!add && rc == ERROR_NOT_FOUND)
        return veiltun__fail_os(luid_exists(t, luid) ? VEILTUN_ENOENT : VEILTUN_ENODEV, (int)rc);
    return interface_error(t, luid, rc, add ? "add route" : "remove route");
}

/* MIB_IF_ROW2.Mtu is the NDIS MTU, which Wintun fixes at 65535 (driver/wintun.c); what
 * the stack uses is each IP interface's NlMtu. */
static void ip_mtus(uint64_t luid, ULONG ndis_mtu, veiltun_info *info)
{
    MIB_IPINTERFACE_ROW row;
    int saved = veiltun_last_os_error();

    info->mtu = veiltun__ip_get_interface(luid, VEILTUN__V4, &row) == 0 ? row.NlMtu : 0;
    info->mtu6 = veiltun__ip_get_interface(luid, VEILTUN__V6, &row) == 0 ? row.NlMtu : 0;
    if (info->mtu == 0)
        info->mtu = info->mtu6 ? info->mtu6 : ndis_mtu;
    veiltun__fail_os(0, saved); /* a family that is absent is no failure of this call */
}

int veiltun__ip_link(uint64_t luid, veiltun_info *info)
{
    const struct veiltun__iphlp *t = veiltun__iphlp();
    MIB_IF_ROW2 row;
    DWORD rc;

    memset(&row, 0, sizeof(row));
    row.InterfaceLuid.Value = luid;
    rc = CALL(t, GetIfEntry2, &row);
    if (rc == ERROR_FILE_NOT_FOUND || rc == ERROR_NOT_FOUND)
        return veiltun__fail_os(VEILTUN_ENODEV, (int)rc); /* the adapter is gone */
    if (rc)
        return veiltun__win_error(rc, "read adapter");
    memset(info, 0, sizeof(*info));
    WideCharToMultiByte(CP_UTF8, 0, row.Alias, -1, info->name, sizeof(info->name), NULL, NULL);
    info->name[sizeof(info->name) - 1] = '\0';
    info->index = (int)row.InterfaceIndex;
    ip_mtus(luid, row.Mtu, info);
    info->up = row.AdminStatus == NET_IF_ADMIN_STATUS_UP;
    info->running = row.OperStatus == IfOperStatusUp;
    info->persist = 0; /* Wintun adapters end with the process that made them */
    info->multi_queue = 0;
    info->owner = info->group = -1;
    /* The stack receives what programs write into the adapter ("In") and sends what they
     * read ("Out"): the same sides as veiltun_os_counters. */
    info->counters.rx_packets = row.InUcastPkts + row.InNUcastPkts;
    info->counters.rx_bytes = row.InOctets;
    info->counters.rx_dropped = row.InDiscards;
    info->counters.rx_errors = row.InErrors;
    info->counters.tx_packets = row.OutUcastPkts + row.OutNUcastPkts;
    info->counters.tx_bytes = row.OutOctets;
    info->counters.tx_dropped = row.OutDiscards;
    info->counters.tx_errors = row.OutErrors;
    return 0;
}

int veiltun__ip_luid_by_name(const WCHAR *name, uint64_t *luid)
{
    NET_LUID l;
    DWORD rc = CALL(veiltun__iphlp(), ConvertInterfaceAliasToLuid, name, &l);

    if (rc)
        return veiltun__fail_os(rc == ERROR_INVALID_PARAMETER || rc == ERROR_NOT_FOUND
                                    ? VEILTUN_ENODEV
                                    : veiltun__win_map(rc),
                                (int)rc);
    *luid = l.Value;
    return 0;
}

int veiltun__ip_notify(void *context, PIPINTERFACE_CHANGE_CALLBACK cb, HANDLE *handle)
{
    DWORD rc =
        CALL(veiltun__iphlp(), NotifyIpInterfaceChange, AF_UNSPEC, cb, context, FALSE, handle);

    return rc ? veiltun__win_error(rc, "NotifyIpInterfaceChange") : 0;
}

void veiltun__ip_notify_cancel(HANDLE handle)
{
    if (handle != NULL)
        CALL(veiltun__iphlp(), CancelMibChangeNotify2, handle);
}
