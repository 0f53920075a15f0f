/* Changes made by someone else (ip link ...) reach a waiting caller as events: through
 * veiltun_wait() and through poll() on the wait handle; a deleted device is reported and
 * I/O on it fails clearly. */
#include "netns.h"
#include "test.h"
#include "veiltun.h"

#include <poll.h>

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
    ev = next(dev);
    ASSERT_EQ(ev.type, VEILTUN_EVENT_LINK_UP);
    ASSERT_EQ(sh("ip link set dev vtev0 down"), 0);
    ev = next(dev);
    ASSERT_EQ(ev.type, VEILTUN_EVENT_LINK_DOWN);
    ASSERT_EQ(ev.up, 0);
    ASSERT_EQ(sh("ip link set dev vtev0 mtu 1400"), 0);
    ev = next(dev);
    ASSERT_EQ(ev.type, VEILTUN_EVENT_MTU_CHANGED);
    ASSERT_EQ(ev.mtu, 1400);
    ASSERT_EQ(veiltun_next_event(dev, &ev), VEILTUN_EAGAIN);

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
    ASSERT_EQ(st.tx_errors, 1);
    ASSERT_EQ(st.tx_dropped, 1); /* the oversized packet above */
    veiltun_close(dev);
    return 0;
}
