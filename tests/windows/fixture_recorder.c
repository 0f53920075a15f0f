/* SPDX-License-Identifier: MIT */
/* Self-test of the IP Helper recorder (support.c) against the rules it models: arrival of the
 * per-family IP interfaces, notifications from a thread of its own, the codes and values
 * Windows returns. It drives the double through its real Wintun exports, without the library. */
#include "recorder.h"
#include "test.h"

#include <string.h>

typedef void *(WINAPI *create_fn)(const WCHAR *name, const WCHAR *type, const GUID *guid);
typedef void(WINAPI *close_fn)(void *adapter);
typedef void(WINAPI *luid_fn)(void *adapter, uint64_t *luid);
typedef void *(WINAPI *start_fn)(void *adapter, DWORD capacity);
typedef void(WINAPI *end_fn)(void *session);

static create_fn wintun_create;
static close_fn wintun_close;
static luid_fn wintun_luid;
static start_fn wintun_start;
static end_fn wintun_end;

static const struct veiltun__iphlp *ip = &recorder_table;
static DWORD main_tid;

static void resolve(void *field, HMODULE m, const char *name)
{
    FARPROC f = GetProcAddress(m, name);

    if (f == NULL)
        TEST_FAIL("the double lacks %s", name);
    memcpy(field, &f, sizeof(f));
}

static void load_wintun(void)
{
    HMODULE m = GetModuleHandleW(L"wintun.dll");

    if (m == NULL)
        TEST_FAIL("wintun.dll is not loaded");
    resolve(&wintun_create, m, "WintunCreateAdapter");
    resolve(&wintun_close, m, "WintunCloseAdapter");
    resolve(&wintun_luid, m, "WintunGetAdapterLUID");
    resolve(&wintun_start, m, "WintunStartSession");
    resolve(&wintun_end, m, "WintunEndSession");
}

static void *create(const WCHAR *name, uint64_t *luid)
{
    void *a = wintun_create(name, L"veiltun", NULL);

    if (a == NULL)
        TEST_FAIL("WintunCreateAdapter failed: %lu", GetLastError());
    wintun_luid(a, luid);
    ASSERT_NE(*luid, 0);
    return a;
}

/* What a callback saw. */
struct seen {
    volatile LONG add[2], del[2], parameter, initial, other_thread, same_thread;
    uint64_t luid; /* 0: any */
    volatile LONG sleep_ms;
    volatile LONG entered, finished;
};

static void WINAPI on_change(void *ctx, MIB_IPINTERFACE_ROW *row, MIB_NOTIFICATION_TYPE type)
{
    struct seen *s = ctx;

    InterlockedIncrement(GetCurrentThreadId() == main_tid ? &s->same_thread : &s->other_thread);
    if (type == MibInitialNotification) {
        ASSERT_TRUE(row == NULL);
        InterlockedIncrement(&s->initial);
        return;
    }
    ASSERT_TRUE(row != NULL);
    if (s->luid != 0 && row->InterfaceLuid.Value != s->luid)
        return;
    if (type == MibAddInstance)
        InterlockedIncrement(&s->add[row->Family == AF_INET6]);
    else if (type == MibDeleteInstance)
        InterlockedIncrement(&s->del[row->Family == AF_INET6]);
    else if (type == MibParameterNotification)
        InterlockedIncrement(&s->parameter);
    if (s->sleep_ms) {
        InterlockedExchange(&s->entered, 1);
        Sleep((DWORD)s->sleep_ms);
        InterlockedExchange(&s->finished, 1);
    }
}

static HANDLE watch(ADDRESS_FAMILY family, struct seen *s, BOOLEAN initial)
{
    HANDLE h = NULL;

    ASSERT_EQ(ip->NotifyIpInterfaceChange(family, on_change, s, initial, &h), NO_ERROR);
    ASSERT_TRUE(h != NULL);
    return h;
}

static DWORD get_if(uint64_t luid, ADDRESS_FAMILY family, MIB_IPINTERFACE_ROW *row)
{
    ip->InitializeIpInterfaceEntry(row);
    row->Family = family;
    row->InterfaceLuid.Value = luid;
    return ip->GetIpInterfaceEntry(row);
}

static void v4(SOCKADDR_INET *sa, BYTE a, BYTE b, BYTE c, BYTE d)
{
    memset(sa, 0, sizeof(*sa));
    sa->Ipv4.sin_family = AF_INET;
    sa->Ipv4.sin_addr.s_addr = htonl((ULONG)a << 24 | (ULONG)b << 16 | (ULONG)c << 8 | d);
}

static DWORD add_address(uint64_t luid, BYTE last)
{
    MIB_UNICASTIPADDRESS_ROW row;

    ip->InitializeUnicastIpAddressEntry(&row);
    ASSERT_EQ(row.DadState, IpDadStateInvalid); /* the caller must set it */
    ASSERT_EQ(row.ValidLifetime, 0xffffffff);
    row.InterfaceLuid.Value = luid;
    v4(&row.Address, 10, 0, 0, last);
    row.OnLinkPrefixLength = 24;
    row.DadState = IpDadStatePreferred;
    return ip->CreateUnicastIpAddressEntry(&row);
}

static DWORD route(uint64_t luid, int add)
{
    MIB_IPFORWARD_ROW2 row;

    ip->InitializeIpForwardEntry(&row);
    row.InterfaceLuid.Value = luid;
    v4(&row.DestinationPrefix.Prefix, 10, 1, 0, 0);
    row.DestinationPrefix.PrefixLength = 16;
    v4(&row.NextHop, 0, 0, 0, 0);
    row.Metric = 0;
    return add ? ip->CreateIpForwardEntry2(&row) : ip->DeleteIpForwardEntry2(&row);
}

static void wait_for(volatile LONG *v, LONG at_least, DWORD ms)
{
    for (DWORD i = 0; i < ms / 10 && *v < at_least; i++)
        Sleep(10);
    ASSERT_GE(*v, at_least);
}

/* An adapter present at once: values, rejections, addresses, routes, interface rows. */
static void test_at_once(void)
{
    struct seen s = {0};
    HANDLE h;
    void *a;
    uint64_t luid;
    MIB_IPINTERFACE_ROW row;
    MIB_IF_ROW2 ifr;
    struct wintun_test_iface t;

    recorder_install();
    h = watch(AF_UNSPEC, &s, FALSE);
    a = create(L"rec0", &luid);
    s.luid = luid;
    ASSERT_TRUE(recorder_arrived(luid, AF_INET));
    ASSERT_TRUE(recorder_arrived(luid, AF_INET6));
    recorder_settle();
    /* Windows announces the new interfaces, from its own thread. */
    ASSERT_EQ(s.add[0], 1);
    ASSERT_EQ(s.add[1], 1);
    ASSERT_EQ(s.same_thread, 0);
    ASSERT_EQ(rec.delivered_add[REC_V4], 1);
    ASSERT_TRUE(dbl.by_luid(luid, &t));

    /* NlMtu starts at Wintun's 65535 for both; SitePrefixLength comes back as junk. */
    ASSERT_EQ(get_if(luid, AF_INET, &row), NO_ERROR);
    ASSERT_EQ(row.NlMtu, 65535);
    ASSERT_EQ(row.InterfaceIndex, t.index);
    ASSERT_NE(row.SitePrefixLength, 0);
    ASSERT_EQ(ip->SetIpInterfaceEntry(&row), ERROR_INVALID_PARAMETER);
    row.SitePrefixLength = 0;
    row.NlMtu = 1420;
    ASSERT_EQ(ip->SetIpInterfaceEntry(&row), NO_ERROR);
    ASSERT_EQ(recorder_mtu(luid, AF_INET), 1420);
    ASSERT_EQ(rec.n_set, 1);
    ASSERT_EQ(get_if(luid, AF_INET6, &row), NO_ERROR);
    ASSERT_EQ(row.NlMtu, 65535);
    ASSERT_GT(row.SitePrefixLength, 128);
    ASSERT_EQ(ip->SetIpInterfaceEntry(&row), ERROR_INVALID_PARAMETER);
    row.SitePrefixLength = 128;
    row.NlMtu = 1000;
    ASSERT_EQ(ip->SetIpInterfaceEntry(&row), ERROR_INVALID_PARAMETER);
    rec.ipv6_low_mtu_code = ERROR_NOT_SUPPORTED;
    ASSERT_EQ(ip->SetIpInterfaceEntry(&row), ERROR_NOT_SUPPORTED);
    row.NlMtu = 1280;
    row.DadTransmits = 0;
    ASSERT_EQ(ip->SetIpInterfaceEntry(&row), NO_ERROR);
    ASSERT_EQ(recorder_mtu(luid, AF_INET6), 1280);
    ASSERT_TRUE(recorder_row(luid, AF_INET6, &row));
    ASSERT_EQ(row.DadTransmits, 0);
    rec.fail_set_interface = ERROR_ACCESS_DENIED;
    ASSERT_EQ(ip->SetIpInterfaceEntry(&row), ERROR_ACCESS_DENIED);
    ASSERT_EQ(ip->SetIpInterfaceEntry(&row), NO_ERROR);
    recorder_settle();
    ASSERT_EQ(s.parameter, 2); /* the two MTU changes */

    /* GetIfEntry2: the NDIS MTU, not NlMtu; the double's alias and index. */
    memset(&ifr, 0, sizeof(ifr));
    ifr.InterfaceLuid.Value = luid;
    ASSERT_EQ(ip->GetIfEntry2(&ifr), NO_ERROR);
    ASSERT_EQ(ifr.Mtu, 65535);
    ASSERT_EQ(ifr.InterfaceIndex, t.index);
    ASSERT_EQ(wcscmp(ifr.Alias, L"rec0"), 0);
    ASSERT_EQ(ifr.OperStatus, IfOperStatusDown);
    memset(&ifr, 0, sizeof(ifr));
    ifr.InterfaceIndex = t.index;
    ASSERT_EQ(ip->GetIfEntry2(&ifr), NO_ERROR);
    ASSERT_EQ(ifr.InterfaceLuid.Value, luid);

    /* Addresses: a duplicate is refused; Windows adds its own fe80::/64. */
    ASSERT_EQ(add_address(luid, 1), NO_ERROR);
    ASSERT_EQ(add_address(luid, 1), ERROR_OBJECT_ALREADY_EXISTS);
    rec.fail_address = ERROR_ACCESS_DENIED;
    ASSERT_EQ(add_address(luid, 2), ERROR_ACCESS_DENIED);
    ASSERT_EQ(rec.n_added, 1);
    {
        MIB_UNICASTIPADDRESS_TABLE *tab = NULL;
        int mine = 0, link_local = 0;
        ASSERT_EQ(ip->GetUnicastIpAddressTable(AF_UNSPEC, &tab), NO_ERROR);
        for (ULONG i = 0; i < tab->NumEntries; i++) {
            const MIB_UNICASTIPADDRESS_ROW *r = &tab->Table[i];
            if (r->InterfaceLuid.Value != luid)
                continue;
            mine++;
            if (r->Address.si_family == AF_INET6 && r->Address.Ipv6.sin6_addr.s6_addr[0] == 0xfe &&
                r->Address.Ipv6.sin6_addr.s6_addr[1] == 0x80) {
                link_local++;
                ASSERT_EQ(r->OnLinkPrefixLength, 64);
                ASSERT_EQ(r->DadState, IpDadStatePreferred);
            }
        }
        ASSERT_EQ(mine, 2);
        ASSERT_EQ(link_local, 1);
        ip->FreeMibTable(tab);
        ASSERT_EQ(ip->GetUnicastIpAddressTable(AF_INET, &tab), NO_ERROR);
        for (ULONG i = 0; i < tab->NumEntries; i++)
            ASSERT_EQ(tab->Table[i].Address.si_family, AF_INET);
        ip->FreeMibTable(tab);
    }
    {
        MIB_UNICASTIPADDRESS_ROW r;
        ip->InitializeUnicastIpAddressEntry(&r);
        r.InterfaceLuid.Value = luid;
        v4(&r.Address, 10, 0, 0, 1);
        ASSERT_EQ(ip->DeleteUnicastIpAddressEntry(&r), NO_ERROR);
        ASSERT_EQ(ip->DeleteUnicastIpAddressEntry(&r), ERROR_NOT_FOUND);
        ASSERT_EQ(rec.n_deleted, 1);
    }

    /* Routes: a duplicate is refused, a missing one is not found. */
    ASSERT_EQ(route(luid, 1), NO_ERROR);
    ASSERT_EQ(route(luid, 1), ERROR_OBJECT_ALREADY_EXISTS);
    ASSERT_EQ(route(luid, 0), NO_ERROR);
    ASSERT_EQ(route(luid, 0), ERROR_NOT_FOUND);
    ASSERT_EQ(rec.n_routes_added, 1);
    ASSERT_EQ(rec.n_routes_deleted, 1);

    /* GetIfTable2: the adapter and its hidden filter-module row. */
    {
        MIB_IF_TABLE2 *tab = NULL;
        int plain = 0, filter = 0;
        ASSERT_EQ(ip->GetIfTable2(&tab), NO_ERROR);
        for (ULONG i = 0; i < tab->NumEntries; i++) {
            const MIB_IF_ROW2 *r = &tab->Table[i];
            if (r->InterfaceLuid.Value == luid) {
                plain++;
                ASSERT_EQ(r->InterfaceAndOperStatusFlags.FilterInterface, 0);
            } else if (wcscmp(r->Alias, L"rec0-WFP Native MAC Layer LightWeight Filter-0000") ==
                       0) {
                filter++;
                ASSERT_EQ(r->Type, 53);
                ASSERT_EQ(r->InterfaceAndOperStatusFlags.FilterInterface, 1);
                ASSERT_NE(r->InterfaceIndex, t.index);
            }
        }
        ASSERT_EQ(plain, 1);
        ASSERT_EQ(filter, 1);
        ip->FreeMibTable(tab);
    }

    /* Aliases: case-insensitive, foreign interfaces too; unknown is INVALID_PARAMETER. */
    {
        NET_LUID l;
        uint64_t foreign = 0;
        ASSERT_EQ(ip->ConvertInterfaceAliasToLuid(L"REC0", &l), NO_ERROR);
        ASSERT_EQ(l.Value, luid);
        ASSERT_TRUE(dbl.add_foreign(L"Ethernet 2", 6, &foreign));
        ASSERT_EQ(ip->ConvertInterfaceAliasToLuid(L"ethernet 2", &l), NO_ERROR);
        ASSERT_EQ(l.Value, foreign);
        ASSERT_EQ(get_if(foreign, AF_INET, &row), ERROR_NOT_FOUND);
        ASSERT_TRUE(dbl.remove_foreign(foreign));
        ASSERT_EQ(ip->ConvertInterfaceAliasToLuid(L"Ethernet 2", &l), ERROR_INVALID_PARAMETER);
    }

    /* Media: a session connects it, its end disconnects it. */
    {
        void *session = wintun_start(a, 0x400000);
        ASSERT_TRUE(session != NULL);
        memset(&ifr, 0, sizeof(ifr));
        ifr.InterfaceLuid.Value = luid;
        ASSERT_EQ(ip->GetIfEntry2(&ifr), NO_ERROR);
        ASSERT_EQ(ifr.OperStatus, IfOperStatusUp);
        wintun_end(session);
        ASSERT_STREQ(recorder_media_history(luid), "UD");
        recorder_settle();
        ASSERT_EQ(s.parameter, 6); /* two MTU changes, then U and D for both families */
    }

    /* Removal: deleted instances; gone from every call. */
    wintun_close(a);
    recorder_settle();
    ASSERT_EQ(s.del[0], 1);
    ASSERT_EQ(s.del[1], 1);
    ASSERT_TRUE(!recorder_arrived(luid, AF_INET));
    ASSERT_EQ(get_if(luid, AF_INET, &row), ERROR_NOT_FOUND);
    ASSERT_EQ(add_address(luid, 3), ERROR_NOT_FOUND);
    ASSERT_EQ(route(luid, 1), ERROR_NOT_FOUND);
    memset(&ifr, 0, sizeof(ifr));
    ifr.InterfaceLuid.Value = luid;
    ASSERT_EQ(ip->GetIfEntry2(&ifr), ERROR_FILE_NOT_FOUND);
    ASSERT_EQ(ip->CancelMibChangeNotify2(h), NO_ERROR);
    ASSERT_EQ(rec.registered, 0);
    ASSERT_EQ(rec.cancelled, 1);
}

/* IPv4 arrives after three failing calls, IPv6 never. */
static void test_after_calls(void)
{
    struct seen s = {0};
    HANDLE h;
    void *a;
    uint64_t luid;
    MIB_IPINTERFACE_ROW row;

    recorder_install();
    rec.arrival[REC_V4] = ARRIVE_AFTER_CALLS;
    rec.arrival_after[REC_V4] = 3;
    rec.arrival[REC_V6] = ARRIVE_NEVER;
    h = watch(AF_INET, &s, FALSE);
    a = create(L"rec1", &luid);
    s.luid = luid;
    ASSERT_TRUE(!recorder_arrived(luid, AF_INET));
    ASSERT_EQ(get_if(luid, AF_INET, &row), ERROR_NOT_FOUND);
    ASSERT_EQ(add_address(luid, 1), ERROR_NOT_FOUND);
    ASSERT_EQ(route(luid, 1), ERROR_NOT_FOUND);
    ASSERT_TRUE(recorder_arrived(luid, AF_INET));
    ASSERT_EQ(get_if(luid, AF_INET, &row), NO_ERROR);
    wait_for(&s.add[0], 1, 5000);
    ASSERT_EQ(s.same_thread, 0);
    for (int i = 0; i < 10; i++)
        ASSERT_EQ(get_if(luid, AF_INET6, &row), ERROR_NOT_FOUND);
    ASSERT_TRUE(!recorder_arrived(luid, AF_INET6));
    ASSERT_EQ(s.add[1], 0); /* registered for IPv4 only */
    wintun_close(a);
    ASSERT_EQ(ip->CancelMibChangeNotify2(h), NO_ERROR);
}

/* IPv6 arrives 300 ms after creation, announced from the recorder's thread. */
static void test_after_ms(void)
{
    struct seen s = {0};
    HANDLE h;
    void *a;
    uint64_t luid;
    MIB_IPINTERFACE_ROW row;
    ULONGLONG t0;

    recorder_install();
    rec.arrival[REC_V6] = ARRIVE_AFTER_MS;
    rec.arrival_after[REC_V6] = 300;
    h = watch(AF_INET6, &s, FALSE);
    t0 = GetTickCount64();
    a = create(L"rec2", &luid);
    s.luid = luid;
    ASSERT_EQ(get_if(luid, AF_INET6, &row), ERROR_NOT_FOUND);
    ASSERT_EQ(get_if(luid, AF_INET, &row), NO_ERROR);
    wait_for(&s.add[1], 1, 5000);
    ASSERT_GE(GetTickCount64() - t0, 250);
    ASSERT_EQ(s.same_thread, 0);
    ASSERT_EQ(s.other_thread, 1); /* IPv4's arrival is not for this registration */
    ASSERT_EQ(get_if(luid, AF_INET6, &row), NO_ERROR);
    ASSERT_EQ(row.NlMtu, 65535);
    wintun_close(a);
    ASSERT_EQ(ip->CancelMibChangeNotify2(h), NO_ERROR);
}

/* IPv6 disabled on the machine: the registry says so, and no IPv6 interface arrives. */
static void test_ipv6_disabled(void)
{
    void *a;
    uint64_t luid;
    MIB_IPINTERFACE_ROW row;
    const WCHAR *key = L"SYSTEM\\CurrentControlSet\\Services\\Tcpip6\\Parameters";
    DWORD v = 0, size = sizeof(v), type = 0;

    recorder_install();
    ASSERT_EQ(ip->RegGetValueW(HKEY_LOCAL_MACHINE, key, L"DisabledComponents", RRF_RT_REG_DWORD,
                               &type, &v, &size),
              ERROR_FILE_NOT_FOUND);
    rec.ipv6_disabled = 1;
    ASSERT_EQ(ip->RegGetValueW(HKEY_LOCAL_MACHINE, key, L"DisabledComponents", RRF_RT_REG_DWORD,
                               &type, &v, &size),
              ERROR_SUCCESS);
    ASSERT_EQ(v, 0xFF);
    ASSERT_EQ(type, REG_DWORD);
    a = create(L"rec3", &luid);
    ASSERT_EQ(get_if(luid, AF_INET, &row), NO_ERROR);
    ASSERT_EQ(get_if(luid, AF_INET6, &row), ERROR_NOT_FOUND);
    Sleep(50);
    ASSERT_TRUE(!recorder_arrived(luid, AF_INET6));
    {
        MIB_UNICASTIPADDRESS_TABLE *tab = NULL;
        ASSERT_EQ(ip->GetUnicastIpAddressTable(AF_INET6, &tab), NO_ERROR);
        for (ULONG i = 0; i < tab->NumEntries; i++)
            ASSERT_NE(tab->Table[i].InterfaceLuid.Value, luid);
        ip->FreeMibTable(tab);
    }
    wintun_close(a);
}

/* The initial notification, several registrations, and Cancel waiting for a running callback. */
static void test_registrations(void)
{
    struct seen s1 = {0}, s2 = {0};
    HANDLE h1, h2;
    void *a;
    uint64_t luid;
    MIB_IPINTERFACE_ROW row;
    MIB_UNICASTIPADDRESS_TABLE *tab = NULL;

    recorder_install();
    rec.tentative_ms = 60000;
    rec.fail_notify = ERROR_NOT_ENOUGH_MEMORY;
    ASSERT_EQ(ip->NotifyIpInterfaceChange(AF_UNSPEC, on_change, &s1, FALSE, &h1),
              ERROR_NOT_ENOUGH_MEMORY);
    h1 = watch(AF_UNSPEC, &s1, TRUE);
    h2 = watch(AF_UNSPEC, &s2, FALSE);
    ASSERT_EQ(rec.registered, 2);
    wait_for(&s1.initial, 1, 5000);
    ASSERT_EQ(s1.same_thread, 0);
    ASSERT_EQ(s2.initial, 0);
    a = create(L"rec4", &luid);
    s1.luid = s2.luid = luid;
    recorder_settle();
    ASSERT_EQ(s1.add[0] + s1.add[1], 2);
    ASSERT_EQ(s2.add[0] + s2.add[1], 2);

    /* Before Windows 10 a new address stays tentative. */
    ASSERT_EQ(ip->GetUnicastIpAddressTable(AF_INET6, &tab), NO_ERROR);
    for (ULONG i = 0; i < tab->NumEntries; i++)
        if (tab->Table[i].InterfaceLuid.Value == luid)
            ASSERT_EQ(tab->Table[i].DadState, IpDadStateTentative);
    ip->FreeMibTable(tab);

    recorder_external_mtu(luid, AF_INET, 1400);
    ASSERT_EQ(s1.parameter, 1);
    ASSERT_EQ(s2.parameter, 1);
    ASSERT_EQ(recorder_mtu(luid, AF_INET), 1400);
    recorder_notify(12345, AF_INET);
    ASSERT_EQ(rec.delivered_parameter, 4);

    /* A callback sleeps 200 ms; Cancel, from this thread, returns after it has returned. */
    s1.sleep_ms = 200;
    ASSERT_EQ(get_if(luid, AF_INET, &row), NO_ERROR);
    row.SitePrefixLength = 0;
    row.NlMtu = 1300;
    ASSERT_EQ(ip->SetIpInterfaceEntry(&row), NO_ERROR);
    wait_for(&s1.entered, 1, 5000);
    ASSERT_EQ(ip->CancelMibChangeNotify2(h1), NO_ERROR);
    ASSERT_EQ(s1.finished, 1);
    ASSERT_EQ(rec.registered, 1);
    ASSERT_EQ(ip->CancelMibChangeNotify2(h1), ERROR_INVALID_PARAMETER);
    recorder_settle();
    ASSERT_EQ(s2.parameter, 2);
    ASSERT_EQ(ip->CancelMibChangeNotify2(h2), NO_ERROR);
    ASSERT_EQ(rec.cancelled, 2);
    wintun_close(a);
}

/* Misuse, in a child process: Cancel from inside a callback ends the process. */
static HANDLE misuse_handle;

static void WINAPI cancel_inside(void *ctx, MIB_IPINTERFACE_ROW *row, MIB_NOTIFICATION_TYPE type)
{
    (void)ctx;
    (void)row;
    (void)type;
    ip->CancelMibChangeNotify2(misuse_handle);
}

static int child_misuse(void)
{
    recorder_install();
    ASSERT_EQ(ip->NotifyIpInterfaceChange(AF_UNSPEC, cancel_inside, NULL, TRUE, &misuse_handle),
              NO_ERROR);
    Sleep(5000);
    return 0; /* not reached */
}

static void test_misuse(void)
{
    WCHAR path[MAX_PATH], cmd[MAX_PATH + 32];
    STARTUPINFOW si = {.cb = sizeof(si)};
    PROCESS_INFORMATION pi;
    DWORD code = 0;

    ASSERT_GT(GetModuleFileNameW(NULL, path, MAX_PATH), 0);
    _snwprintf(cmd, MAX_PATH + 32, L"\"%ls\" misuse", path);
    cmd[MAX_PATH + 31] = 0;
    ASSERT_TRUE(CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    ASSERT_EQ(WaitForSingleObject(pi.hProcess, 30000), WAIT_OBJECT_0);
    ASSERT_TRUE(GetExitCodeProcess(pi.hProcess, &code));
    ASSERT_EQ(code, 1);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
}

int main(int argc, char **argv)
{
    main_tid = GetCurrentThreadId();
    if (argc > 1 && strcmp(argv[1], "misuse") == 0)
        return child_misuse();
    recorder_install();
    load_wintun();
    test_at_once();
    test_after_calls();
    test_after_ms();
    test_ipv6_disabled();
    test_registrations();
    test_misuse();
    {
        char what[256] = "";
        LONG v = dbl.violations(what, sizeof(what));
        if (v != 0)
            TEST_FAIL("the double saw %ld misuse(s): %s", (long)v, what);
    }
    printf("fixture_recorder: ok\n");
    return 0;
}
