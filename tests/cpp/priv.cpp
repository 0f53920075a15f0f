/* SPDX-License-Identifier: MIT */
/* The C++ interface on a real device, in a namespace of its own: open, configure (MTU, up,
 * addresses, a route) with the results read back from the kernel (ip -j), errors as
 * std::system_error, an event, pings answered with single and batch I/O (the batch loop in a
 * reader thread stopped by cancel(), as a VPN does), and ownership: a moved device keeps the
 * link, its destructor or close() removes it. */
#include "veiltun.hpp"

#include "icmp.h"
#include "netns.h"
#include "cpptest.h"

#include <sys/wait.h>

#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace
{

using namespace std::chrono_literals;

const char *const NAME = "vtcpp0";

/* Runs @p f, which must throw std::system_error; returns its code. */
template <class F> std::error_code thrown_code(F f)
{
    try {
        f();
    } catch (const std::system_error &e) {
        return e.code();
    }
    TEST_FAIL("no exception");
}

void drain_events(veil::device &dev)
{
    for (int i = 0; i < 100 && dev.next_event(); i++)
        ;
}

void configure(veil::device &dev)
{
    ASSERT_TRUE(dev.created());
    ASSERT_STRING(dev.name(), NAME);
    ASSERT_EQ(dev.index(), sh_num("ip -j link show dev %s | jq '.[0].ifindex'", NAME));

    dev.set_mtu(1400);
    ASSERT_EQ(sh_num("ip -j link show dev %s | jq '.[0].mtu'", NAME), 1400);
    ASSERT_EQ(dev.mtu(), 1400);
    dev.add_address("10.32.0.1/24");
    dev.add_address(std::string("fd00:32::1/64"));
    ASSERT_EQ(sh_num("ip -j addr show dev %s | jq '[.[0].addr_info[] | select(.local == "
                     "\"10.32.0.1\" and .prefixlen == 24)] | length'",
                     NAME),
              1);
    ASSERT_EQ(sh_num("ip -j addr show dev %s | jq '[.[0].addr_info[] | select(.local == "
                     "\"fd00:32::1\")] | length'",
                     NAME),
              1);
    bool found = false;
    for (const veiltun_prefix &p : dev.addresses())
        found = found || veil::format_prefix(p) == "10.32.0.1/24";
    ASSERT_TRUE(found);

    /* A failure throws std::system_error carrying the veiltun code. */
    std::error_code ec = thrown_code([&] { dev.add_address("10.32.0.1/24"); });
    ASSERT_EQ(ec.value(), VEILTUN_EEXIST);
    ASSERT_TRUE(ec == std::errc::file_exists);
    dev.del_address("10.32.0.9/24", ec);
    ASSERT_EQ(ec.value(), VEILTUN_EADDRNOTAVAIL);

    dev.set_up(true);
    ASSERT_EQ(sh("ip -j link show dev %s | jq -e '.[0].flags | index(\"UP\")' >/dev/null", NAME),
              0);
    ASSERT_TRUE(dev.is_up());
    dev.add_route("10.33.0.0/24", "10.32.0.2", 7);
    ASSERT_EQ(sh("ip -j route show dev %s | jq -e 'map(select(.dst == \"10.33.0.0/24\" and "
                 ".gateway == \"10.32.0.2\" and .metric == 7)) | length == 1' >/dev/null",
                 NAME),
              0);
    dev.del_route("10.33.0.0/24", "10.32.0.2", 7);
    ASSERT_EQ(sh("ip -j route show dev %s | jq -e 'map(select(.dst == \"10.33.0.0/24\")) | "
                 "length == 0' >/dev/null",
                 NAME),
              0);
    ASSERT_TRUE(thrown_code([&] { dev.del_route("10.33.0.0/24"); }) ==
                std::errc::no_such_file_or_directory);
}

/* An MTU change made by someone else arrives as an event. */
void mtu_event(veil::device &dev)
{
    drain_events(dev);
    ASSERT_TRUE(!dev.next_event().has_value());
    ASSERT_EQ(sh("ip link set dev %s mtu 1300", NAME), 0);
    for (int i = 0; i < 20; i++) {
        std::optional<veiltun_event> ev = dev.next_event();
        if (ev && ev->type == VEILTUN_EVENT_MTU_CHANGED) {
            ASSERT_EQ(ev->mtu, 1300);
            ASSERT_STREQ(ev->name, NAME);
            return;
        }
        if (!ev)
            ASSERT_TRUE((dev.wait(2s) & VEILTUN_READY_EVENT) != 0);
    }
    TEST_FAIL("no MTU_CHANGED event");
}

/* What the device refuses to write comes back as an exception. */
void bad_writes(veil::device &dev)
{
    std::vector<std::uint8_t> big(1400 + 20, 0);
    std::uint8_t junk[20] = {0x00};

    big[0] = 0x45;
    ASSERT_TRUE(thrown_code([&] { (void)dev.write(big); }) == std::errc::message_size);
    ASSERT_EQ(thrown_code([&] { (void)dev.write(junk); }).value(), VEILTUN_EBADPACKET);
}

/* Answers pings with read()/write() in this thread until ping exits (bounded: 10 s). */
int ping_single(veil::device &dev, const char *cmd)
{
    int pid = spawn(cmd), status, answered = 0;
    std::uint8_t buf[2048];

    for (int round = 0; round < 100; round++) {
        if (dev.wait(100ms) != 0) {
            drain_events(dev);
            for (std::size_t n; (n = dev.read(buf)) > 0;) {
                if (echo_reply(buf, n) == 0) {
                    ASSERT_EQ(dev.write(veil::const_bytes(buf, n)), n);
                    answered++;
                }
            }
        }
        if (waitpid(pid, &status, WNOHANG) == pid) {
            ASSERT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
            return answered;
        }
    }
    TEST_FAIL("'%s' did not finish (exit status %d)", cmd, reap(pid, 0));
}

/* A reader thread as a VPN writes it: wait, batch read, batch write, until cancel(). */
void reader(veil::device &dev, int &answered)
{
    static std::uint8_t bufs[8][2048];
    veiltun_packet in[8], out[8];

    for (int round = 0; round < 1000; round++) {
        std::error_code ec;
        dev.wait(veil::device::forever, ec);
        if (ec == std::errc::operation_canceled)
            return;
        ASSERT_TRUE(!ec);
        drain_events(dev);
        for (std::size_t i = 0; i < 8; i++)
            in[i] = veil::make_packet(bufs[i]);
        std::size_t n = dev.read_batch(in), k = 0;
        for (std::size_t i = 0; i < n; i++) {
            if (echo_reply(static_cast<std::uint8_t *>(in[i].data), in[i].len) == 0)
                out[k++] = in[i]; /* a filled slot goes to write_batch as it is */
        }
        if (k > 0) {
            ASSERT_EQ(dev.write_batch(veil::span<veiltun_packet>(out, k)), k);
            for (std::size_t i = 0; i < k; i++)
                ASSERT_EQ(out[i].status, 0);
            answered += static_cast<int>(k);
        }
    }
    TEST_FAIL("reader: not cancelled");
}

void ping_threaded(veil::device &dev)
{
    int answered = 0;
    std::thread t(reader, std::ref(dev), std::ref(answered));

    int s4 = sh("ping -c 3 -i 0.2 -W 2 10.32.0.2 >/dev/null");
    int s6 = sh("ping -6 -c 3 -i 0.2 -W 2 -s 1200 fd00:32::2 >/dev/null");
    dev.cancel();
    t.join();
    ASSERT_EQ(s4, 0);
    ASSERT_EQ(s6, 0);
    ASSERT_GE(answered, 6);
    /* Cancellation is permanent: the next wait says so at once. */
    std::error_code ec;
    ASSERT_EQ(dev.wait(veil::device::forever, ec), 0);
    ASSERT_TRUE(ec == std::errc::operation_canceled);
    ASSERT_TRUE(thrown_code([&] { (void)dev.wait(1s); }) == std::errc::operation_canceled);
}

void check_stats(veil::device &dev)
{
    veiltun_stats st = dev.stats();

    ASSERT_GE(st.rx_packets, 9);
    ASSERT_GE(st.tx_packets, 9);
    ASSERT_EQ(st.tx_dropped, 2); /* bad_writes() */
    ASSERT_EQ(st.tx_errors, 0);
    /* The kernel counted the same packets (its rx is our writes). */
    ASSERT_GE(sh_num("ip -j -s link show dev %s | jq '.[0].stats64.rx.packets'", NAME),
              static_cast<long>(st.tx_packets));
}

/* Moving keeps the one handle; destroying or closing its last owner removes the link. */
void ownership(veil::device dev)
{
    veil::device other = std::move(dev);
    ASSERT_TRUE(!dev);
    dev.close(); /* the moved-from device has nothing to close */
    ASSERT_TRUE(link_exists(NAME));

    veil::config cfg;
    cfg.name = "vtcpp1";
    veil::device second = veil::device::open(cfg);
    ASSERT_TRUE(link_exists("vtcpp1"));
    /* Opening a name that exists, create-only: the veiltun code, and std::errc. */
    cfg.mode = VEILTUN_OPEN_CREATE;
    std::error_code ec;
    veil::device none = veil::device::open(cfg, ec);
    ASSERT_TRUE(!none);
    ASSERT_EQ(ec.value(), VEILTUN_EEXIST);

    second = std::move(other); /* closes vtcpp1, takes vtcpp0 */
    ASSERT_TRUE(!link_exists("vtcpp1"));
    ASSERT_TRUE(link_exists(NAME));
    ASSERT_TRUE(!other);
    second.close();
    ASSERT_TRUE(!link_exists(NAME));
    second.close();

    {
        cfg.name = "vtcpp2";
        veil::device scoped = veil::device::open(cfg);
        ASSERT_TRUE(link_exists("vtcpp2"));
    }
    ASSERT_TRUE(!link_exists("vtcpp2"));
}

} // namespace

int main()
{
    test_netns_enter("cpp");
    veil::config cfg;
    cfg.name = NAME;
    veil::device dev = veil::device::open(cfg);

    configure(dev);
    mtu_event(dev);
    bad_writes(dev);
    ASSERT_GE(ping_single(dev, "ping -c 3 -i 0.2 -W 2 10.32.0.2 >/dev/null"), 3);
    ping_threaded(dev);
    check_stats(dev);
    ownership(std::move(dev));
    std::printf("PASS\n");
    return 0;
}
