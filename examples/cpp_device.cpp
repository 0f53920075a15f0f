/* SPDX-License-Identifier: MIT */
/*
 * A TUN device class as a C++ VPN would write it, on veiltun.hpp: the constructor opens and
 * configures the device and starts a reader thread that hands every packet to a callback (a
 * VPN would encrypt and send it); send() writes packets coming back; the destructor cancels,
 * joins, then lets veil::device close the handle — the order veiltun_close() asks for.
 *
 *   veiltun-cpp-device NAME CIDR SECONDS
 *
 * runs for SECONDS and counts what the device delivers (try `ping` to an address in CIDR).
 */
#include <veiltun.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

class tun_device
{
  public:
    using packet_handler = std::function<void(veil::const_bytes)>;

    tun_device(const char *name, const char *cidr, packet_handler on_packet)
        : dev_(open(name)), on_packet_(std::move(on_packet))
    {
        dev_.add_address(cidr); /* each throws std::system_error on failure */
        dev_.set_up(true);
        reader_ = std::thread([this] { read_loop(); });
    }
    ~tun_device()
    {
        std::error_code ec; /* a destructor must not throw */
        dev_.cancel(ec);    /* wakes the reader's wait for good */
        reader_.join();     /* then dev_ is destroyed, which closes the handle */
    }
    tun_device(const tun_device &) = delete;
    tun_device &operator=(const tun_device &) = delete;

    /* From one writer thread at a time (it may run alongside the reader). */
    bool send(veil::const_bytes packet)
    {
        std::error_code ec;
        return dev_.write(packet, ec) == packet.size();
    }
    std::string name() const
    {
        return dev_.name();
    }

  private:
    static veil::device open(const char *name)
    {
        veil::config cfg;
        cfg.name = name;
        return veil::device::open(cfg);
    }

    /* No exceptions in here (they would end the program): the error_code overloads. */
    void read_loop()
    {
        std::vector<std::uint8_t> buf(VEILTUN_MTU_MAX);
        std::error_code ec;

        for (;;) {
            unsigned ready = dev_.wait(veil::device::forever, ec);
            if (ec == std::errc::operation_canceled)
                return; /* the destructor */
            if (ec)
                return report("wait", ec);
            while ((ready & VEILTUN_READY_EVENT) && dev_.next_event(ec))
                ; /* link and address changes: a VPN would re-add its routes after LINK_UP */
            for (std::size_t n; (n = dev_.read(buf, ec)) > 0;)
                on_packet_(veil::const_bytes(buf.data(), n));
            if (ec != std::errc::resource_unavailable_try_again)
                return report("read", ec);
        }
    }
    static void report(const char *what, const std::error_code &ec)
    {
        std::fprintf(stderr, "%s: %s\n", what, ec.message().c_str());
    }

    veil::device dev_; /* declared first: destroyed last, after the thread is joined */
    packet_handler on_packet_;
    std::thread reader_;
};

int main(int argc, char **argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: veiltun-cpp-device NAME CIDR SECONDS\n");
        return 2;
    }
    std::atomic<unsigned> v4{0}, v6{0};
    try {
        tun_device tun(argv[1], argv[2], [&](veil::const_bytes p) {
            (p[0] >> 4 == 4 ? v4 : v6)++; /* here a VPN sends the packet to its peer */
        });
        std::printf("%s is up\n", tun.name().c_str());
        std::fflush(stdout);
        std::this_thread::sleep_for(std::chrono::seconds(std::atoi(argv[3])));
    } catch (const std::system_error &e) {
        std::fprintf(stderr, "%s\n", e.what()); /* names the call and the error */
        return 1;
    }
    std::printf("read %u IPv4 and %u IPv6 packets\n", v4.load(), v6.load());
    return 0;
}
