/* SPDX-License-Identifier: MIT */
/* What the backend asks IP Helper for (addresses with DAD skipped, an MTU per family, routes,
 * metric, the settings a tunnel wants), how IP Helper's answers map, what query/list report,
 * change notifications from IP Helper's own thread, and the codes after the adapter is gone.
 * The recorder answers as Windows does (recorder.h). */
#include "recorder.h"
#include "test.h"
#include "veiltun.h"

static veiltun *dev;
static uint64_t luid;

static void test_addresses(void)
{
    veiltun_prefix got[8];
    const MIB_UNICASTIPADDRESS_ROW *r;
    int n, ours = 0;

    ASSERT_OK(veiltun_add_address(dev, "10.0.0.1/24"));
    ASSERT_OK(veiltun_add_address(dev, "fd00::1/64"));
    ASSERT_EQ(rec.n_added, 2);
    r = &rec.added[0];
    ASSERT_EQ(r->InterfaceLuid.Value, luid);
    ASSERT_EQ(r->Address.si_family, AF_INET);
    ASSERT_EQ(r->OnLinkPrefixLength, 24);
    ASSERT_EQ(r->DadState, IpDadStatePreferred);
    ASSERT_EQ(((BYTE *)&r->Address.Ipv4.sin_addr)[3], 1);
    r = &rec.added[1];
    ASSERT_EQ(r->Address.si_family, AF_INET6);
    ASSERT_EQ(r->OnLinkPrefixLength, 64);
    ASSERT_EQ(r->DadState, IpDadStatePreferred);
    ASSERT_EQ(r->InterfaceLuid.Value, luid);
    /* The same address again: Windows says it exists. */
    ASSERT_EQ(veiltun_add_address(dev, "10.0.0.1/24"), VEILTUN_EEXIST);
    /* Windows adds its own link-local fe80::/64: listed too, as on Linux. */
    n = veiltun_get_addresses(dev, got, 8);
    ASSERT_EQ(n, 3);
    for (int i = 0; i < n; i++)
        ours += got[i].family == VEILTUN_AF_INET6 && got[i].addr[0] == 0xfe;
    ASSERT_EQ(ours, 1);
    ASSERT_OK(veiltun_del_address(dev, "10.0.0.1/24"));
    ASSERT_EQ(rec.n_deleted, 1);
    ASSERT_EQ(veiltun_get_addresses(dev, got, 8), 2);
    ASSERT_EQ(veiltun_del_address(dev, "10.9.9.9/24"), VEILTUN_EADDRNOTAVAIL);
}

/* The settings wireguard-windows gives its own interfaces, on both families. */
static void test_tunnel_settings(void)
{
    MIB_IPINTERFACE_ROW row;

    for (int fam = REC_V4; fam <= REC_V6; fam++) {
        ASSERT_TRUE(recorder_row(luid, fam, &row));
        ASSERT_EQ(row.RouterDiscoveryBehavior, RouterDiscoveryDisabled);
        ASSERT_EQ(row.DadTransmits, 0);
        ASSERT_EQ(row.ManagedAddressConfigurationSupported, FALSE);
        ASSERT_EQ(row.OtherStatefulConfigurationSupported, FALSE);
    }
}

static void test_mtu_and_metric(void)
{
    veiltun_info info;
    int before;

    /* A fresh Wintun interface: 65535 for both families (the NDIS MTU is 65535 too). */
    ASSERT_EQ(veiltun_get_mtu(dev), 65535);
    ASSERT_OK(veiltun_set_mtu(dev, 1420));
    ASSERT_EQ(recorder_mtu(luid, REC_V4), 1420);
    ASSERT_EQ(recorder_mtu(luid, REC_V6), 1420);
    ASSERT_EQ(veiltun_get_mtu(dev), 1420);
    /* query and list report the IP MTU, not MIB_IF_ROW2.Mtu (fixed at 65535 by Wintun). */
    ASSERT_OK(veiltun_query("veil0", &info));
    ASSERT_EQ(info.mtu, 1420);
    ASSERT_EQ(info.mtu6, 1420);
    ASSERT_EQ(info.index, (int)veiltun_get_index(dev));
    ASSERT_STREQ(info.name, "veil0");
    /* Below IPv6's minimum: refused, nothing changed (IPv6 would stay at 1420 otherwise). */
    before = rec.n_set;
    ASSERT_EQ(veiltun_set_mtu(dev, 1200), VEILTUN_EBADMTU);
    ASSERT_EQ(rec.n_set, before);
    ASSERT_EQ(recorder_mtu(luid, REC_V4), 1420);
    /* What Windows refuses is reported with its code. */
    rec.fail_set_interface = ERROR_INVALID_PARAMETER;
    ASSERT_EQ(veiltun_set_mtu(dev, 1400), VEILTUN_EINVAL);
    rec.fail_set_interface = ERROR_GEN_FAILURE; /* anything else: an I/O error, code kept */
    ASSERT_EQ(veiltun_set_mtu(dev, 1400), VEILTUN_EIO);
    ASSERT_EQ(veiltun_last_os_error(), ERROR_GEN_FAILURE);
    /* A later failure that involves no OS error (a wait that times out) clears it. */
    veiltun_event ev;
    for (int i = 0; i < 16 && veiltun_next_event(dev, &ev) == 0; i++)
        ;
    rec.fail_set_interface = ERROR_GEN_FAILURE;
    ASSERT_EQ(veiltun_set_mtu(dev, 1400), VEILTUN_EIO);
    ASSERT_EQ(veiltun_wait(dev, 0), VEILTUN_ETIMEDOUT);
    ASSERT_EQ(veiltun_last_os_error(), 0);
    ASSERT_OK(veiltun_set_mtu(dev, 1420));
    ASSERT_OK(veiltun_set_metric(dev, 5));
    for (int fam = REC_V4; fam <= REC_V6; fam++) {
        MIB_IPINTERFACE_ROW row;
        ASSERT_TRUE(recorder_row(luid, fam, &row));
        ASSERT_EQ(row.Metric, 5);
        ASSERT_EQ(row.UseAutomaticMetric, FALSE);
    }
}

static void test_list(void)
{
    veiltun_info info[8];
    int n = veiltun_list(info, 8);

    /* Our adapter, a foreign virtual interface, not the filter module's rows. */
    ASSERT_EQ(n, 2);
    for (int i = 0; i < 2; i++) {
        if (strcmp(info[i].name, "veil0") == 0) {
            ASSERT_EQ(info[i].mtu, 1420);
            ASSERT_EQ(info[i].mtu6, 1420);
        } else {
            ASSERT_STREQ(info[i].name, "OtherVPN");
            ASSERT_EQ(info[i].mtu6, 0); /* no IPv6 interface that the recorder knows of */
        }
    }
}

static void test_routes(void)
{
    const MIB_IPFORWARD_ROW2 *r;

    ASSERT_OK(veiltun_add_route(dev, "192.0.2.0/24", "10.0.0.2", 7));
    ASSERT_OK(veiltun_add_route(dev, "::/0", NULL, 0));
    ASSERT_EQ(rec.n_routes_added, 2);
    r = &rec.routes_added[0];
    ASSERT_EQ(r->InterfaceLuid.Value, luid);
    ASSERT_EQ(r->DestinationPrefix.PrefixLength, 24);
    ASSERT_EQ(r->NextHop.si_family, AF_INET);
    ASSERT_EQ(((BYTE *)&r->NextHop.Ipv4.sin_addr)[3], 2);
    ASSERT_EQ(r->Metric, 7);
    r = &rec.routes_added[1];
    ASSERT_EQ(r->DestinationPrefix.Prefix.si_family, AF_INET6);
    ASSERT_EQ(r->NextHop.si_family, AF_INET6); /* on-link: unspecified, same family */
    ASSERT_EQ(r->Metric, 0);
    ASSERT_EQ(veiltun_add_route(dev, "::/0", NULL, 0), VEILTUN_EEXIST);
    ASSERT_OK(veiltun_del_route(dev, "::/0", NULL, 0));
    ASSERT_EQ(rec.n_routes_deleted, 1);
    ASSERT_EQ(veiltun_del_route(dev, "::/0", NULL, 0), VEILTUN_ENOENT);
}

static void test_error_mapping(void)
{
    rec.fail_address = ERROR_ACCESS_DENIED;
    ASSERT_EQ(veiltun_add_address(dev, "10.0.1.1/24"), VEILTUN_EPERM);
    ASSERT_EQ(veiltun_last_os_error(), ERROR_ACCESS_DENIED);
    rec.fail_route = ERROR_NETWORK_UNREACHABLE;
    ASSERT_EQ(veiltun_add_route(dev, "192.0.2.0/24", "10.9.9.9", 0), VEILTUN_ENETUNREACH);
    /* Things Wintun cannot do are said plainly. */
    ASSERT_EQ(veiltun_set_up(dev, 0), VEILTUN_ENOTSUP);
    ASSERT_OK(veiltun_set_up(dev, 1));
    ASSERT_EQ(veiltun_set_persist(dev, 1), VEILTUN_ENOTSUP);
    veiltun *other;
    ASSERT_EQ(veiltun_adopt(NULL, &other), VEILTUN_ENOTSUP);
}

static void test_notification(void)
{
    veiltun_event ev;

    /* Our own changes above were seen as state changes: fetch them first. */
    for (int i = 0; i < 8 && veiltun_next_event(dev, &ev) == 0; i++)
        ASSERT_EQ(ev.type, VEILTUN_EVENT_MTU_CHANGED);
    ASSERT_EQ(veiltun_next_event(dev, &ev), VEILTUN_EAGAIN);
    /* Another program changes the MTU; Windows calls back on its own thread. */
    recorder_external_mtu(luid, REC_V4, 1380);
    ASSERT_EQ(veiltun_wait(dev, 2000), VEILTUN_READY_EVENT);
    ASSERT_OK(veiltun_next_event(dev, &ev));
    ASSERT_EQ(ev.type, VEILTUN_EVENT_MTU_CHANGED);
    ASSERT_EQ(ev.mtu, 1380);
    ASSERT_EQ(veiltun_next_event(dev, &ev), VEILTUN_EAGAIN);
    /* Another interface's change is not ours. */
    recorder_notify(luid + (1ull << 24), REC_V4);
    ASSERT_EQ(veiltun_wait(dev, 100), VEILTUN_ETIMEDOUT);
}

/* Once the adapter is gone, the calls the header says return VEILTUN_ENODEV do so: IP Helper
 * answers ERROR_NOT_FOUND and GetIfEntry2 ERROR_FILE_NOT_FOUND for its LUID. */
static void test_removed(void)
{
    veiltun_info info;
    veiltun_event ev;

    dbl.end_of_file(L"veil0");
    ASSERT_TRUE(veiltun_wait(dev, 2000) > 0);
    ASSERT_EQ(veiltun_get_mtu(dev), VEILTUN_ENODEV);
    ASSERT_EQ(veiltun_set_mtu(dev, 1400), VEILTUN_ENODEV);
    ASSERT_EQ(veiltun_add_address(dev, "10.0.3.1/24"), VEILTUN_ENODEV);
    ASSERT_EQ(veiltun_del_address(dev, "fd00::1/64"), VEILTUN_ENODEV);
    ASSERT_EQ(veiltun_add_route(dev, "192.0.2.0/24", NULL, 0), VEILTUN_ENODEV);
    ASSERT_EQ(veiltun_del_route(dev, "192.0.2.0/24", "10.0.0.2", 7), VEILTUN_ENODEV);
    ASSERT_EQ(veiltun_set_metric(dev, 3), VEILTUN_ENODEV);
    ASSERT_EQ(veiltun_get_addresses(dev, NULL, 0), VEILTUN_ENODEV);
    ASSERT_EQ(veiltun_query("veil0", &info), VEILTUN_ENODEV);
    ASSERT_OK(veiltun_next_event(dev, &ev));
    ASSERT_EQ(ev.type, VEILTUN_EVENT_REMOVED);
}

int main(void)
{
    veiltun_config cfg;
    uint64_t foreign;

    recorder_install();
    recorder_use_in_backend();
    ASSERT_TRUE(dbl.add_foreign(L"OtherVPN", 53, &foreign));
    veiltun_config_init(&cfg);
    cfg.name = "veil0";
    ASSERT_OK(veiltun_open(&cfg, &dev));
    {
        struct wintun_test_iface row;
        ASSERT_TRUE(dbl.by_alias(L"veil0", &row));
        luid = row.luid;
        ASSERT_EQ(veiltun_get_index(dev), (int)row.index);
    }
    test_tunnel_settings();
    test_addresses();
    test_mtu_and_metric();
    test_list();
    test_routes();
    test_error_mapping();
    test_notification();
    test_removed();
    veiltun_close(dev);
    ASSERT_EQ(rec.registered, 0); /* the notification ends with the handle */
    ASSERT_EQ(rec.cancelled, 1);
    ASSERT_EQ(dbl.violations(NULL, 0), 0);
    return 0;
}
