/* What the backend asks IP Helper for, recorded: addresses (v4/v6, DAD skipped), MTU for
 * both families, routes, metric; how IP Helper's return codes map; and an interface change
 * notification delivered as an event. */
#include "double.h"
#include "recorder.h"
#include "test.h"
#include "veiltun.h"

static veiltun *dev;
static uint64_t luid;

static void test_addresses(void)
{
    veiltun_prefix got[8];
    const MIB_UNICASTIPADDRESS_ROW *r;

    ASSERT_OK(veiltun_add_address(dev, "10.0.0.1/24"));
    ASSERT_OK(veiltun_add_address(dev, "fd00::1/64"));
    ASSERT_EQ(rec.n_added, 2);
    r = &rec.added[0];
    luid = r->InterfaceLuid.Value;
    ASSERT_NE(luid, 0);
    ASSERT_EQ(r->Address.si_family, AF_INET);
    ASSERT_EQ(r->OnLinkPrefixLength, 24);
    ASSERT_EQ(r->DadState, IpDadStatePreferred);
    ASSERT_EQ(((BYTE *)&r->Address.Ipv4.sin_addr)[3], 1);
    r = &rec.added[1];
    ASSERT_EQ(r->Address.si_family, AF_INET6);
    ASSERT_EQ(r->OnLinkPrefixLength, 64);
    ASSERT_EQ(r->DadState, IpDadStatePreferred);
    ASSERT_EQ(r->InterfaceLuid.Value, luid);
    ASSERT_EQ(veiltun_get_addresses(dev, got, 8), 2);
    ASSERT_OK(veiltun_del_address(dev, "10.0.0.1/24"));
    ASSERT_EQ(rec.n_deleted, 1);
    ASSERT_EQ(veiltun_get_addresses(dev, got, 8), 1);
    ASSERT_EQ(got[0].family, VEILTUN_AF_INET6);
}

static void test_mtu_and_metric(void)
{
    ASSERT_OK(veiltun_set_mtu(dev, 1420));
    ASSERT_EQ(rec.n_set, 2); /* both families pushed to the stack */
    ASSERT_EQ(rec.set[0].Family, AF_INET);
    ASSERT_EQ(rec.set[0].NlMtu, 1420);
    ASSERT_EQ(rec.set[0].SitePrefixLength, 0); /* or Windows rejects the IPv4 row */
    ASSERT_EQ(rec.set[0].InterfaceLuid.Value, luid);
    ASSERT_EQ(rec.set[1].Family, AF_INET6);
    ASSERT_EQ(rec.set[1].NlMtu, 1420);
    ASSERT_EQ(veiltun_get_mtu(dev), 1420);
    /* Below IPv6's minimum only IPv4 changes. */
    ASSERT_OK(veiltun_set_mtu(dev, 1200));
    ASSERT_EQ(rec.n_set, 3);
    /* IPv6 not bound: IPv4 alone, no error. */
    rec.ipv6_bound = 0;
    ASSERT_OK(veiltun_set_mtu(dev, 1400));
    ASSERT_EQ(rec.n_set, 4);
    rec.ipv6_bound = 1;
    ASSERT_OK(veiltun_set_metric(dev, 5));
    ASSERT_EQ(rec.n_set, 6);
    ASSERT_EQ(rec.set[4].Metric, 5);
    ASSERT_EQ(rec.set[4].UseAutomaticMetric, FALSE);
    ASSERT_EQ(rec.set[5].Family, AF_INET6);
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
    ASSERT_OK(veiltun_del_route(dev, "::/0", NULL, 0));
    ASSERT_EQ(rec.n_routes_deleted, 1);
}

static void test_error_mapping(void)
{
    rec.fail_address = ERROR_ACCESS_DENIED;
    ASSERT_EQ(veiltun_add_address(dev, "10.0.1.1/24"), VEILTUN_EPERM);
    ASSERT_EQ(veiltun_last_os_error(), ERROR_ACCESS_DENIED);
    rec.fail_address = ERROR_OBJECT_ALREADY_EXISTS;
    ASSERT_EQ(veiltun_add_address(dev, "10.0.1.1/24"), VEILTUN_EEXIST);
    rec.fail_address = ERROR_NOT_FOUND;
    ASSERT_EQ(veiltun_del_address(dev, "10.9.9.9/24"), VEILTUN_EADDRNOTAVAIL);
    rec.fail_route = ERROR_NOT_FOUND;
    ASSERT_EQ(veiltun_del_route(dev, "192.0.2.0/24", NULL, 0), VEILTUN_ENOENT);
    rec.fail_route = ERROR_NETWORK_UNREACHABLE;
    ASSERT_EQ(veiltun_add_route(dev, "192.0.2.0/24", "10.9.9.9", 0), VEILTUN_ENETUNREACH);
    rec.fail_set_interface = ERROR_INVALID_PARAMETER;
    ASSERT_EQ(veiltun_set_mtu(dev, 1400), VEILTUN_EINVAL);
    rec.fail_set_interface = ERROR_GEN_FAILURE; /* anything else: an I/O error, code kept */
    ASSERT_EQ(veiltun_set_mtu(dev, 1400), VEILTUN_EIO);
    ASSERT_EQ(veiltun_last_os_error(), ERROR_GEN_FAILURE);
    /* A function Windows lacks (the recorder has no GetIfTable2): reported, no crash. */
    veiltun_info info[2];
    ASSERT_EQ(veiltun_list(info, 2), VEILTUN_ENOLIB);
    /* Things Wintun cannot do are said plainly. */
    ASSERT_EQ(veiltun_set_up(dev, 0), VEILTUN_ENOTSUP);
    ASSERT_OK(veiltun_set_up(dev, 1));
    ASSERT_EQ(veiltun_set_persist(dev, 1), VEILTUN_ENOTSUP);
    veiltun *other;
    ASSERT_EQ(veiltun_adopt(NULL, &other), VEILTUN_ENOTSUP);
}

static void test_notification(void)
{
    MIB_IPINTERFACE_ROW row;
    veiltun_event ev;

    ASSERT_TRUE(rec.callback != NULL);
    /* Our own MTU changes above were seen when get_mtu read the state: fetch them first. */
    for (int i = 0; i < 4 && veiltun_next_event(dev, &ev) == 0; i++)
        ASSERT_EQ(ev.type, VEILTUN_EVENT_MTU_CHANGED);
    ASSERT_EQ(veiltun_next_event(dev, &ev), VEILTUN_EAGAIN);
    /* Another program changes the MTU; Windows calls back on its own thread. */
    rec.mtu = 1380;
    memset(&row, 0, sizeof(row));
    row.InterfaceLuid.Value = luid;
    row.Family = AF_INET;
    rec.callback(rec.context, &row, MibParameterNotification);
    ASSERT_EQ(veiltun_wait(dev, 2000), VEILTUN_READY_EVENT);
    ASSERT_OK(veiltun_next_event(dev, &ev));
    ASSERT_EQ(ev.type, VEILTUN_EVENT_MTU_CHANGED);
    ASSERT_EQ(ev.mtu, 1380);
    ASSERT_EQ(veiltun_next_event(dev, &ev), VEILTUN_EAGAIN);
    /* Another adapter's change is not ours. */
    row.InterfaceLuid.Value = luid + 1;
    rec.callback(rec.context, &row, MibParameterNotification);
    ASSERT_EQ(veiltun_wait(dev, 100), VEILTUN_ETIMEDOUT);
}

int main(void)
{
    struct wintun_double d;
    veiltun_config cfg;

    double_load(&d);
    recorder_install();
    veiltun_config_init(&cfg);
    cfg.name = "veil0";
    ASSERT_OK(veiltun_open(&cfg, &dev));
    test_addresses();
    test_mtu_and_metric();
    test_routes();
    test_error_mapping();
    test_notification();
    veiltun_close(dev);
    ASSERT_EQ(rec.cancelled, 1); /* the notification ends with the handle */
    ASSERT_EQ(d.violations(NULL, 0), 0);
    return 0;
}
