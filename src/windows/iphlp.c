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
    if (!add && rc == ERROR_NOT_FOUND)
        return veiltun__fail_os(VEILTUN_EADDRNOTAVAIL, (int)rc);
    return rc ? veiltun__win_error(rc, add ? "add address" : "remove address") : 0;
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
    return count > INT32_MAX ? INT32_MAX : (int)count;
}

/* Reads a family's interface row; *present = 0 if that family is not bound (IPv6 off). */
static int get_interface(const struct veiltun__iphlp *t, uint64_t luid, ADDRESS_FAMILY family,
                         MIB_IPINTERFACE_ROW *row, int *present)
{
    DWORD rc;

    if (!HAVE(t, InitializeIpInterfaceEntry))
        return veiltun__win_error(ERROR_PROC_NOT_FOUND, "InitializeIpInterfaceEntry");
    t->InitializeIpInterfaceEntry(row);
    row->Family = family;
    row->InterfaceLuid.Value = luid;
    rc = CALL(t, GetIpInterfaceEntry, row);
    *present = rc == 0;
    if (rc == ERROR_NOT_FOUND && family == AF_INET6)
        return 0;
    return rc ? veiltun__win_error(rc, "read interface") : 0;
}

static int set_interface(const struct veiltun__iphlp *t, MIB_IPINTERFACE_ROW *row, const char *what)
{
    DWORD rc;

    /* SetIpInterfaceEntry rejects an IPv4 row whose SitePrefixLength is not 0, and Get fills
     * it in: clear it before writing the row back. */
    if (row->Family == AF_INET)
        row->SitePrefixLength = 0;
    rc = CALL(t, SetIpInterfaceEntry, row);
    return rc ? veiltun__win_error(rc, what) : 0;
}

/* Changes one field of the interface row of each bound family (IPv6 may be unbound). */
typedef int (*row_change)(MIB_IPINTERFACE_ROW *row, uint32_t value);

static int change_interface(uint64_t luid, row_change change, uint32_t value, const char *what)
{
    static const ADDRESS_FAMILY families[] = {AF_INET, AF_INET6};
    const struct veiltun__iphlp *t = veiltun__iphlp();
    MIB_IPINTERFACE_ROW row;
    int err, present;

    for (size_t i = 0; i < 2; i++) {
        err = get_interface(t, luid, families[i], &row, &present);
        if (err == 0 && present && change(&row, value))
            err = set_interface(t, &row, what);
        if (err < 0)
            return err;
    }
    return 0;
}

static int change_mtu(MIB_IPINTERFACE_ROW *row, uint32_t mtu)
{
    if (row->Family == AF_INET6 && mtu < 1280) {
        veiltun__log(VEILTUN_LOG_WARN, "MTU %u is below IPv6's minimum: IPv6 MTU unchanged",
                     (unsigned)mtu);
        return 0;
    }
    row->NlMtu = mtu;
    return 1;
}

static int change_metric(MIB_IPINTERFACE_ROW *row, uint32_t metric)
{
    row->UseAutomaticMetric = FALSE;
    row->Metric = metric;
    return 1;
}

/* Wintun starts at 65535 for both families; both must be pushed to the stack, or local
 * programs keep sending packets too large for the tunnel. */
int veiltun__ip_set_mtu(uint64_t luid, unsigned mtu)
{
    return change_interface(luid, change_mtu, mtu, "set MTU");
}

int veiltun__ip_get_mtu(uint64_t luid, unsigned *mtu)
{
    const struct veiltun__iphlp *t = veiltun__iphlp();
    MIB_IPINTERFACE_ROW row;
    int present, err = get_interface(t, luid, AF_INET, &row, &present);

    if (err == 0)
        *mtu = row.NlMtu;
    return err;
}

int veiltun__ip_set_metric(uint64_t luid, uint32_t metric)
{
    return change_interface(luid, change_metric, metric, "set metric");
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
    if (!add && rc == ERROR_NOT_FOUND)
        return veiltun__fail_os(VEILTUN_ENOENT, (int)rc);
    return rc ? veiltun__win_error(rc, add ? "add route" : "remove route") : 0;
}

int veiltun__ip_link(uint64_t luid, veiltun_info *info)
{
    const struct veiltun__iphlp *t = veiltun__iphlp();
    MIB_IF_ROW2 row;
    DWORD rc;

    memset(&row, 0, sizeof(row));
    row.InterfaceLuid.Value = luid;
    rc = CALL(t, GetIfEntry2, &row);
    if (rc)
        return veiltun__win_error(rc, "read adapter");
    memset(info, 0, sizeof(*info));
    WideCharToMultiByte(CP_UTF8, 0, row.Alias, -1, info->name, sizeof(info->name), NULL, NULL);
    info->name[sizeof(info->name) - 1] = '\0';
    info->index = (int)row.InterfaceIndex;
    info->mtu = row.Mtu;
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
