/* SPDX-License-Identifier: MIT */
/* Changes made by someone else (ip link ...) reach a waiting caller as events: through
 * veiltun_wait() and through poll() on the wait handle; none is lost to coalescing (a quick
 * down-up, address changes, a rename); a device moved to another namespace keeps moving
 * packets; a deleted device is reported and I/O on it fails clearly. */
#include "netns.h"
#include "test.h"
#include "veiltun.h"

#include <poll.h>
#include <unistd.h>

/* Waits for the next event (bounded) and returns it. */
static veiltun_event next(veiltun *dev)
{
    veiltun_event ev;

    for (int i = 0; i < 50; i++) {
        int r = veiltun_next_event(dev, &ev);
        if (r == 0)
            return ev;
        ASSERT_EQ(r, VEILTUN_EAGAIN);
        ASSERT_GT(veiltun_wait(dev, 2000) & VEILTUN_READY_EVENT, 0);
    }
    TEST_FAIL("no event");
}

/* The next event other than an address change (the kernel adds and removes the IPv6
 * link-local address as the device goes up and down). */
static veiltun_event next_link(veiltun *dev)
{
    for (int i = 0; i < 10; i++) {
        veiltun_event ev = next(dev);
        if (ev.type != VEILTUN_EVENT_ADDRESSES_CHANGED)
            return ev;
    }
    TEST_FAIL("only address events");
}

/* Nothing pending but address changes. */
static void only_addresses_left(veiltun *dev)
{
    veiltun_event ev;
    int r;

    while ((r = veiltun_next_event(dev, &ev)) == 0)
        ASSERT_EQ(ev.type, VEILTUN_EVENT_ADDRESSES_CHANGED);
    ASSERT_EQ(r, VEILTUN_EAGAIN);
}

/* 1 if the wait handle is readable within @p ms. */
static int handle_readable(veiltun *dev, int ms)
{
    struct pollfd pfd = {.fd = veiltun_wait_handle(dev), .events = POLLIN};

    return poll(&pfd, 1, ms) == 1;
}

/* Lets the kernel's notifications arrive before the next step looks. */
static void settle(void)
{
    usleep(100 * 1000);
}

/* A down-then-up finished before the caller looks: still LINK_DOWN, then LINK_UP, because
 * the kernel removed the device's routes in between. */
static void test_flap(veiltun *dev)
{
    veiltun_event ev;

    ASSERT_EQ(sh("ip link set dev vtev0 up"), 0);
    ev = next_link(dev);
    ASSERT_EQ(ev.type, VEILTUN_EVENT_LINK_UP);
    only_addresses_left(dev);
    ASSERT_OK(veiltun_add_route(dev, "10.79.0.0/24", NULL, 0));
    ASSERT_EQ(sh("ip link set dev vtev0 down && ip link set dev vtev0 up"), 0);
    settle();
    ASSERT_EQ(sh("ip -j route show dev vtev0 | jq -e 'map(select(.dst == \"10.79.0.0/24\")) | "
                 "length == 0' >/dev/null"),
              0);
    ev = next_link(dev);
    ASSERT_EQ(ev.type, VEILTUN_EVENT_LINK_DOWN);
    ASSERT_EQ(ev.up, 0);
    ASSERT_EQ(ev.downs, 2); /* the first was in main() */
    ev = next_link(dev);
    ASSERT_EQ(ev.type, VEILTUN_EVENT_LINK_UP);
    ASSERT_EQ(ev.up, 1);
    only_addresses_left(dev);
    ASSERT_EQ(sh("ip link set dev vtev0 down"), 0);
    ev = next_link(dev);
    ASSERT_EQ(ev.type, VEILTUN_EVENT_LINK_DOWN);
    ASSERT_EQ(ev.downs, 3);
    only_addresses_left(dev);
}

/* Addresses changed by someone else, however many, give one event. */
static void test_addresses(veiltun *dev)
{
    veiltun_event ev;

    ASSERT_EQ(sh("ip addr add 10.79.1.1/24 dev vtev0 && ip addr add 10.79.2.1/24 dev vtev0 && "
                 "ip addr del 10.79.2.1/24 dev vtev0"),
              0);
    ev = next(dev);
    ASSERT_EQ(ev.type, VEILTUN_EVENT_ADDRESSES_CHANGED);
    ASSERT_EQ(veiltun_next_event(dev, &ev), VEILTUN_EAGAIN);
    /* Another interface's changes are not this device's events. */
    ASSERT_EQ(
        sh("ip link add vtevd type veth peer name vtevd-p && ip addr add 10.79.3.1/24 dev vtevd && "
           "ip link set vtevd up && ip link del vtevd"),
        0);
    settle();
    ASSERT_EQ(veiltun_next_event(dev, &ev), VEILTUN_EAGAIN);
}

static void test_rename(veiltun *dev)
{
    veiltun_event ev;

    ASSERT_EQ(sh("ip link set dev vtev0 name vtev1"), 0);
    ev = next_link(dev);
    ASSERT_EQ(ev.type, VEILTUN_EVENT_RENAMED);
    ASSERT_STREQ(ev.name, "vtev1");
    ASSERT_STREQ(veiltun_get_name(dev), "vtev1");
    ASSERT_EQ(sh("ip link set dev vtev1 name vtev0"), 0);
    ev = next_link(dev);
    ASSERT_EQ(ev.type, VEILTUN_EVENT_RENAMED);
    ASSERT_STREQ(veiltun_get_name(dev), "vtev0");
    only_addresses_left(dev);
}

/* A write whose MTU check read the notification off the socket must not hide the event: the
 * wait handle stays readable until the event is fetched. The device stays down, so no packet
 * (IPv6 solicitations after an up) makes the handle readable for another reason. */
static void test_event_survives_write(veiltun *dev)
{
    static unsigned char big[1450];
    veiltun_event ev;
    int r;

    ASSERT_EQ(veiltun_get_mtu(dev), 1300);
    ASSERT_EQ(veiltun_is_up(dev), 0);
    for (int i = 0; i < 100 && veiltun_read(dev, big, sizeof(big)) > 0; i++)
        ; /* packets the kernel sent while the device was up */
    ASSERT_TRUE(!handle_readable(dev, 0));
    ASSERT_EQ(sh("ip link set dev vtev0 mtu 1500"), 0);
    settle();
    big[0] = 0x45;
    big[2] = 1450 >> 8, big[3] = 1450 & 0xff;
    /* Longer than the MTU the handle knew: the check reads the notification first. */
    ASSERT_EQ(veiltun_write(dev, big, sizeof(big)), VEILTUN_EIO); /* down: documented */
    ASSERT_TRUE(handle_readable(dev, 1000));
    r = veiltun_wait(dev, 0);
    ASSERT_TRUE(r > 0 && (r & VEILTUN_READY_EVENT));
    ev = next_link(dev);
    ASSERT_EQ(ev.type, VEILTUN_EVENT_MTU_CHANGED);
    ASSERT_EQ(ev.mtu, 1500);
    only_addresses_left(dev);
    /* Everything fetched: the handle is quiet again. */
    ASSERT_TRUE(!handle_readable(dev, 0));
    ASSERT_EQ(veiltun_wait(dev, 0), VEILTUN_ETIMEDOUT);
    ASSERT_OK(veiltun_set_mtu(dev, 1300));
    ev = next_link(dev);
    ASSERT_EQ(ev.type, VEILTUN_EVENT_MTU_CHANGED);
    only_addresses_left(dev);
}

static char other_ns[64];

static void remove_other_ns(void)
{
    if (other_ns[0] != '\0')
        sh("ip netns del %s 2>/dev/null", other_ns);
}

/* Moved into another namespace: told as MOVED (not REMOVED), packets keep flowing both
 * ways, and configuration calls refuse to touch whatever now has the index here. */
static void test_moved(void)
{
    veiltun_config cfg;
    veiltun_event ev;
    veiltun *dev;
    unsigned char buf[2048];
    int n = 0;

    snprintf(other_ns, sizeof(other_ns), "vt-evmv-%d", (int)getpid());
    atexit(remove_other_ns);
    ASSERT_EQ(sh("ip netns add %s", other_ns), 0);
    veiltun_config_init(&cfg);
    cfg.name = "vtmv0";
    ASSERT_OK(veiltun_open(&cfg, &dev));
    ASSERT_EQ(sh("ip link set dev vtmv0 netns %s", other_ns), 0);
    ev = next_link(dev);
    ASSERT_EQ(ev.type, VEILTUN_EVENT_MOVED);
    ASSERT_EQ(veiltun_next_event(dev, &ev), VEILTUN_ENODEV);
    ASSERT_EQ(veiltun_set_mtu(dev, 1280), VEILTUN_ENODEV);
    ASSERT_EQ(veiltun_add_address(dev, "10.79.9.2/24"), VEILTUN_ENODEV);
    ASSERT_EQ(sh("ip -n %s -j link show vtmv0 | jq -e '.[0].mtu == 1500' >/dev/null", other_ns), 0);
    /* Packets: a ping from the other namespace reaches this handle. */
    ASSERT_EQ(sh("ip -n %s addr add 10.79.9.1/24 dev vtmv0 && ip -n %s link set vtmv0 up", other_ns,
                 other_ns),
              0);
    ASSERT_EQ(sh("ip netns exec %s ping -c 1 -W 1 10.79.9.2 >/dev/null 2>&1 &", other_ns), 0);
    for (int i = 0; i < 40; i++) {
        n = veiltun_read(dev, buf, sizeof(buf));
        if (n > 0 && (buf[0] >> 4) == 4)
            break;
        if (n == VEILTUN_EAGAIN)
            veiltun_wait(dev, 100);
    }
    ASSERT_GE(n, 28);
    ASSERT_EQ(buf[9], 1); /* ICMP */
    ASSERT_EQ(veiltun_write(dev, buf, (size_t)n), n);
    veiltun_close(dev);
    ASSERT_EQ(sh("ip netns del %s", other_ns), 0);
    other_ns[0] = '\0';
}

int main(void)
{
    veiltun_config cfg;
    veiltun_event ev;
    veiltun *dev;
    struct pollfd pfd;
    unsigned char pkt[40] = {0x45};

    test_netns_enter("events");
    veiltun_config_init(&cfg);
    cfg.name = "vtev0";
    ASSERT_OK(veiltun_open(&cfg, &dev));
    ASSERT_EQ(veiltun_next_event(dev, &ev), VEILTUN_EAGAIN);

    ASSERT_EQ(sh("ip link set dev vtev0 up"), 0);
    ev = next_link(dev);
    ASSERT_EQ(ev.type, VEILTUN_EVENT_LINK_UP);
    ASSERT_EQ(sh("ip link set dev vtev0 down"), 0);
    ev = next_link(dev);
    ASSERT_EQ(ev.type, VEILTUN_EVENT_LINK_DOWN);
    ASSERT_EQ(ev.up, 0);
    ASSERT_EQ(sh("ip link set dev vtev0 mtu 1400"), 0);
    ev = next_link(dev);
    ASSERT_EQ(ev.type, VEILTUN_EVENT_MTU_CHANGED);
    ASSERT_EQ(ev.mtu, 1400);
    only_addresses_left(dev);

    /* The writes' MTU check follows: 1400 fits, 1401 does not. */
    memset(pkt, 0, sizeof(pkt));
    pkt[0] = 0x45;
    static unsigned char big[1401];
    big[0] = 0x45;
    ASSERT_EQ(veiltun_write(dev, big, 1401), VEILTUN_EMSGSIZE);

    /* An outside event loop sees the handle become readable. */
    ASSERT_EQ(sh("ip link set dev vtev0 mtu 1300"), 0);
    pfd.fd = veiltun_wait_handle(dev);
    pfd.events = POLLIN;
    ASSERT_EQ(poll(&pfd, 1, 2000), 1);
    ASSERT_OK(veiltun_next_event(dev, &ev));
    ASSERT_EQ(ev.mtu, 1300);

    test_flap(dev);
    test_addresses(dev);
    test_rename(dev);
    test_event_survives_write(dev);
    test_moved();

    /* Deleted under us: an event, then clear errors. */
    ASSERT_EQ(sh("ip link del vtev0"), 0);
    ev = next(dev);
    ASSERT_EQ(ev.type, VEILTUN_EVENT_REMOVED);
    ASSERT_EQ(veiltun_next_event(dev, &ev), VEILTUN_ENODEV);
    ASSERT_EQ(veiltun_read(dev, big, sizeof(big)), VEILTUN_ENODEV);
    ASSERT_EQ(veiltun_write(dev, pkt, sizeof(pkt)), VEILTUN_ENODEV);
    ASSERT_EQ(veiltun_get_mtu(dev), VEILTUN_ENODEV);
    /* Failed I/O is counted as errors, each way. */
    veiltun_stats st;
    ASSERT_OK(veiltun_get_stats(dev, &st, sizeof(st)));
    ASSERT_EQ(st.rx_errors, 1);
    ASSERT_EQ(st.tx_errors, 2);  /* the write to the down device, the one after removal */
    ASSERT_EQ(st.tx_dropped, 1); /* the oversized packet above */
    veiltun_close(dev);
    return 0;
}
