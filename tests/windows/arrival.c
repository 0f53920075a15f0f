/* SPDX-License-Identifier: MIT */
/* The adapter's IP interfaces appear after the adapter (meh/rust-tun#161, wireguard-windows
 * tunnel/interfacewatcher.go): open waits for them, bounded; requests for a family that has
 * not appeared are kept and applied when it does; a machine with IPv6 turned off is told
 * apart from "IPv6 not yet". */
#include "recorder.h"
#include "test.h"
#include "veiltun.h"

static uint64_t luid_by_name(const WCHAR *name)
{
    struct wintun_test_iface row;

    ASSERT_TRUE(dbl.by_alias(name, &row));
    return row.luid;
}

static veiltun *open_named(const char *name, uint32_t timeout_ms, int *err)
{
    veiltun_config cfg;
    veiltun *dev = NULL;

    veiltun_config_init(&cfg);
    cfg.name = name;
    cfg.mode = VEILTUN_OPEN_CREATE;
    cfg.setup_timeout_ms = timeout_ms;
    *err = veiltun_open(&cfg, &dev);
    return dev;
}

/* Waits (bounded) until @p done says so; the recorder's thread delivers arrivals. */
static int eventually(int (*done)(uint64_t), uint64_t luid)
{
    for (int i = 0; i < 1000; i++) {
        if (done(luid))
            return 1;
        Sleep(10);
    }
    return 0;
}

/* Both families come some time after the adapter: open waits, then works as usual. */
static void test_open_waits(void)
{
    veiltun *dev;
    int err;

    recorder_install();
    recorder_use_in_backend();
    rec.arrival[REC_V4] = ARRIVE_AFTER_MS;
    rec.arrival_after[REC_V4] = 300;
    rec.arrival[REC_V6] = ARRIVE_AFTER_MS;
    rec.arrival_after[REC_V6] = 600;
    dev = open_named("late0", 0, &err);
    ASSERT_OK(err);
    ASSERT_OK(veiltun_set_mtu(dev, 1420));
    ASSERT_EQ(recorder_mtu(luid_by_name(L"late0"), REC_V4), 1420);
    ASSERT_EQ(recorder_mtu(luid_by_name(L"late0"), REC_V6), 1420);
    ASSERT_EQ(veiltun_get_mtu(dev), 1420);
    veiltun_close(dev);

    /* Known to IP Helper only after a few calls that found nothing. */
    recorder_install();
    recorder_use_in_backend();
    rec.arrival[REC_V4] = ARRIVE_AFTER_CALLS;
    rec.arrival_after[REC_V4] = 3;
    dev = open_named("late1", 0, &err);
    ASSERT_OK(err);
    ASSERT_OK(veiltun_add_address(dev, "10.7.0.1/24"));
    ASSERT_EQ(rec.n_added, 1);
    veiltun_close(dev);
}

static int v6_settled(uint64_t luid)
{
    MIB_IPINTERFACE_ROW row;

    return recorder_arrived(luid, REC_V6) && recorder_row(luid, REC_V6, &row) &&
           row.NlMtu == 1420 && row.Metric == 9 && rec.n_added == 2 && rec.n_routes_added == 1;
}

/* IPv6 later than open waits for: what is asked for it meanwhile is applied on arrival. */
static void test_requests_kept(void)
{
    MIB_IPINTERFACE_ROW row;
    veiltun_prefix got[4];
    uint64_t luid;
    veiltun *dev;
    int err;

    recorder_install();
    recorder_use_in_backend();
    rec.arrival[REC_V6] = ARRIVE_AFTER_MS;
    rec.arrival_after[REC_V6] = 4500; /* after open stops waiting for it (2 s past IPv4) */
    dev = open_named("late2", 0, &err);
    ASSERT_OK(err);
    luid = luid_by_name(L"late2");
    ASSERT_EQ(recorder_arrived(luid, REC_V6), 0);
    ASSERT_OK(veiltun_set_mtu(dev, 1420));
    ASSERT_OK(veiltun_set_metric(dev, 9));
    ASSERT_EQ(recorder_mtu(luid, REC_V4), 1420);
    ASSERT_OK(veiltun_add_address(dev, "10.8.0.1/24"));
    ASSERT_OK(veiltun_add_address(dev, "fd00:8::1/64"));
    ASSERT_EQ(veiltun_add_address(dev, "fd00:8::1/64"), VEILTUN_EEXIST); /* kept once */
    ASSERT_OK(veiltun_add_route(dev, "fd00:9::/64", NULL, 5));
    ASSERT_OK(veiltun_add_address(dev, "fd00:7::1/64"));
    ASSERT_OK(veiltun_del_address(dev, "fd00:7::1/64")); /* a kept one can be taken back */
    ASSERT_EQ(veiltun_del_address(dev, "fd00:6::1/64"), VEILTUN_EADDRNOTAVAIL);
    ASSERT_EQ(rec.n_added, 1);
    /* Below IPv6's minimum while IPv6 is expected: refused, nothing changed. */
    ASSERT_EQ(veiltun_set_mtu(dev, 1200), VEILTUN_EBADMTU);
    ASSERT_EQ(recorder_mtu(luid, REC_V4), 1420);
    /* IPv6 arrives: everything kept is applied from the notification. */
    if (!eventually(v6_settled, luid))
        TEST_FAIL("IPv6 arrived (%d) but the kept MTU, metric, address and route were not all "
                  "applied (mtu %lu, %d addresses, %d routes)",
                  recorder_arrived(luid, REC_V6), recorder_mtu(luid, REC_V6), rec.n_added,
                  rec.n_routes_added);
    ASSERT_EQ(rec.added[1].Address.si_family, AF_INET6);
    ASSERT_EQ(rec.added[1].DadState, IpDadStatePreferred);
    ASSERT_EQ(rec.routes_added[0].Metric, 5);
    /* And the settings a tunnel wants on its new IPv6 interface. */
    ASSERT_TRUE(recorder_row(luid, REC_V6, &row));
    ASSERT_EQ(row.RouterDiscoveryBehavior, RouterDiscoveryDisabled);
    ASSERT_EQ(row.DadTransmits, 0);
    ASSERT_EQ(veiltun_get_addresses(dev, got, 4) >= 2, 1);
    veiltun_close(dev);
}

/* IPv4 never comes: a clear error after the timeout, and the adapter is removed. */
static void test_timeout(void)
{
    veiltun *dev;
    int err;

    recorder_install();
    recorder_use_in_backend();
    rec.arrival[REC_V4] = ARRIVE_NEVER;
    dev = open_named("late3", 500, &err);
    ASSERT_EQ(err, VEILTUN_ETIMEDOUT);
    ASSERT_TRUE(dev == NULL);
    ASSERT_EQ(dbl.adapters(0, NULL, 0, NULL), 0);
}

/* IPv6 turned off on the machine: no waiting for it, an MTU below 1280 is fine, IPv6
 * requests fail clearly instead of being kept forever. */
static void test_ipv6_disabled(void)
{
    veiltun *dev;
    int err;

    recorder_install();
    recorder_use_in_backend();
    rec.ipv6_disabled = 1;
    dev = open_named("nov6", 0, &err);
    ASSERT_OK(err);
    ASSERT_OK(veiltun_set_mtu(dev, 1200));
    ASSERT_EQ(recorder_mtu(luid_by_name(L"nov6"), REC_V4), 1200);
    ASSERT_EQ(veiltun_add_address(dev, "fd00::1/64"), VEILTUN_EAFNOSUPPORT);
    ASSERT_EQ(veiltun_add_route(dev, "::/0", NULL, 0), VEILTUN_EAFNOSUPPORT);
    ASSERT_OK(veiltun_add_address(dev, "10.9.0.1/24"));
    veiltun_close(dev);
}

int main(void)
{
    test_open_waits();
    test_requests_kept();
    test_timeout();
    test_ipv6_disabled();
    ASSERT_EQ(dbl.violations(NULL, 0), 0);
    return 0;
}
