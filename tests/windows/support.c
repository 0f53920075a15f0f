/* Shared by the Windows tests: the double's exports and the IP Helper recorder. */
#include "double.h"
#include "recorder.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

void double_load(struct wintun_double *d)
{
    HMODULE m = LoadLibraryExW(L"wintun.dll", NULL, LOAD_LIBRARY_SEARCH_APPLICATION_DIR);

    if (m == NULL)
        TEST_FAIL("the test double wintun.dll is not beside the test");
#define RESOLVE(field, name)                                                                       \
    {                                                                                              \
        FARPROC f_ = GetProcAddress(m, name);                                                      \
        memcpy(&d->field, &f_, sizeof(f_));                                                        \
    }                                                                                              \
    if (d->field == NULL)                                                                          \
        TEST_FAIL("the double lacks %s", name);
    RESOLVE(inject, "WintunTestInject")
    RESOLVE(take_sent, "WintunTestTakeSent")
    RESOLVE(fill_send_ring, "WintunTestFillSendRing")
    RESOLVE(end_of_file, "WintunTestEndOfFile")
    RESOLVE(fail_next, "WintunTestFailNext")
    RESOLVE(violations, "WintunTestViolations")
    RESOLVE(capacity, "WintunTestCapacity")
    RESOLVE(session_starts, "WintunTestSessionStarts")
    RESOLVE(adapters, "WintunTestAdapters")
    RESOLVE(log, "WintunTestLog")
#undef RESOLVE
}

struct recorder rec;

static VOID WINAPI init_address(MIB_UNICASTIPADDRESS_ROW *row)
{
    memset(row, 0, sizeof(*row));
    row->PrefixOrigin = IpPrefixOriginUnchanged;
    row->SuffixOrigin = IpSuffixOriginUnchanged;
    row->ValidLifetime = row->PreferredLifetime = 0xffffffff;
    row->DadState = IpDadStateInvalid; /* what the real one leaves: the backend must set it */
}

static DWORD take(DWORD *code)
{
    DWORD c = *code;

    *code = 0;
    return c;
}

static DWORD WINAPI create_address(const MIB_UNICASTIPADDRESS_ROW *row)
{
    DWORD c = take(&rec.fail_address);

    if (c == 0 && rec.n_added < RECORD_MAX)
        rec.added[rec.n_added++] = *row;
    return c;
}

static DWORD WINAPI delete_address(const MIB_UNICASTIPADDRESS_ROW *row)
{
    DWORD c = take(&rec.fail_address);

    if (c == 0 && rec.n_deleted < RECORD_MAX)
        rec.deleted[rec.n_deleted++] = *row;
    return c;
}

/* The table holds what was added and not deleted, by LUID and address. */
static DWORD WINAPI address_table(ADDRESS_FAMILY family, MIB_UNICASTIPADDRESS_TABLE **out)
{
    size_t size =
        sizeof(MIB_UNICASTIPADDRESS_TABLE) + RECORD_MAX * sizeof(MIB_UNICASTIPADDRESS_ROW);
    MIB_UNICASTIPADDRESS_TABLE *t = calloc(1, size);

    (void)family;
    for (int i = 0; i < rec.n_added; i++) {
        int gone = 0;
        for (int k = 0; k < rec.n_deleted; k++)
            gone |=
                memcmp(&rec.deleted[k].Address, &rec.added[i].Address, sizeof(SOCKADDR_INET)) == 0;
        if (!gone)
            t->Table[t->NumEntries++] = rec.added[i];
    }
    *out = t;
    return 0;
}

static VOID WINAPI free_table(PVOID p)
{
    free(p);
}

static VOID WINAPI init_interface(MIB_IPINTERFACE_ROW *row)
{
    memset(row, 0, sizeof(*row));
    row->SitePrefixLength = 64; /* junk the backend must clear for IPv4 */
    row->UseAutomaticMetric = TRUE;
}

static DWORD WINAPI get_interface(MIB_IPINTERFACE_ROW *row)
{
    if (row->Family == AF_INET6 && !rec.ipv6_bound)
        return ERROR_NOT_FOUND;
    row->NlMtu = rec.mtu;
    row->SitePrefixLength = row->Family == AF_INET ? 24 : 64;
    return 0;
}

static DWORD WINAPI set_interface(MIB_IPINTERFACE_ROW *row)
{
    DWORD c = take(&rec.fail_set_interface);

    if (c == 0 && rec.n_set < RECORD_MAX) {
        rec.set[rec.n_set++] = *row;
        rec.mtu = row->NlMtu;
    }
    return c;
}

static VOID WINAPI init_route(MIB_IPFORWARD_ROW2 *row)
{
    memset(row, 0, sizeof(*row));
    row->Metric = 0xdeadbeef; /* the backend must set it */
}

static DWORD WINAPI create_route(const MIB_IPFORWARD_ROW2 *row)
{
    DWORD c = take(&rec.fail_route);

    if (c == 0 && rec.n_routes_added < RECORD_MAX)
        rec.routes_added[rec.n_routes_added++] = *row;
    return c;
}

static DWORD WINAPI delete_route(const MIB_IPFORWARD_ROW2 *row)
{
    DWORD c = take(&rec.fail_route);

    if (c == 0 && rec.n_routes_deleted < RECORD_MAX)
        rec.routes_deleted[rec.n_routes_deleted++] = *row;
    return c;
}

static DWORD WINAPI if_entry(MIB_IF_ROW2 *row)
{
    row->InterfaceIndex = rec.index;
    row->Mtu = rec.mtu;
    row->AdminStatus = NET_IF_ADMIN_STATUS_UP;
    row->OperStatus = IfOperStatusUp;
    wcscpy(row->Alias, L"veil0");
    return 0;
}

static DWORD WINAPI notify(ADDRESS_FAMILY family, PIPINTERFACE_CHANGE_CALLBACK cb, PVOID ctx,
                           BOOLEAN initial, HANDLE *handle)
{
    DWORD c = take(&rec.fail_notify);

    (void)family;
    (void)initial;
    if (c)
        return c;
    rec.callback = cb;
    rec.context = ctx;
    *handle = (HANDLE)&rec;
    return 0;
}

static DWORD WINAPI cancel_notify(HANDLE handle)
{
    (void)handle;
    rec.cancelled = 1;
    rec.callback = NULL;
    return 0;
}

/* Only names the test declared exist; the rest are free (for "veil%d"). */
static DWORD WINAPI alias_to_luid(const WCHAR *alias, NET_LUID *luid)
{
    (void)alias;
    (void)luid;
    return ERROR_NOT_FOUND;
}

static const struct veiltun__iphlp recorder_table = {
    .InitializeUnicastIpAddressEntry = init_address,
    .CreateUnicastIpAddressEntry = create_address,
    .DeleteUnicastIpAddressEntry = delete_address,
    .GetUnicastIpAddressTable = address_table,
    .FreeMibTable = free_table,
    .InitializeIpInterfaceEntry = init_interface,
    .GetIpInterfaceEntry = get_interface,
    .SetIpInterfaceEntry = set_interface,
    .InitializeIpForwardEntry = init_route,
    .CreateIpForwardEntry2 = create_route,
    .DeleteIpForwardEntry2 = delete_route,
    .GetIfEntry2 = if_entry,
    .GetIfTable2 = NULL, /* missing on purpose: list must report, not crash */
    .NotifyIpInterfaceChange = notify,
    .CancelMibChangeNotify2 = cancel_notify,
    .ConvertInterfaceAliasToLuid = alias_to_luid,
};

void recorder_install(void)
{
    memset(&rec, 0, sizeof(rec));
    rec.mtu = 65535; /* Wintun's starting MTU */
    rec.ipv6_bound = 1;
    rec.index = 42;
    veiltun__iphlp_override(&recorder_table);
}
