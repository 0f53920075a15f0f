/* SPDX-License-Identifier: MIT */
/* The C++ interface without privileges or devices: the "veiltun" error category (names,
 * messages, std::errc conditions), the throwing and error_code overloads on invalid input,
 * veil::span, and the device's ownership rules (move-only, moved-from empty, close twice).
 * Built as C++17 (unit.cpp, veil's own span) and C++20 (unit.cpp20, std::span). */
#include "veiltun.hpp"

#include "cpptest.h"

#include <array>
#include <cstring>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

namespace
{

/* Runs @p f, which must throw std::system_error; returns its code. */
template <class F> std::error_code thrown_code(F f, const char *call)
{
    try {
        f();
    } catch (const std::system_error &e) {
        /* The what() string names the C call that failed. */
        if (std::strstr(e.what(), call) == nullptr)
            TEST_FAIL("what() is \"%s\", expected it to name %s", e.what(), call);
        return e.code();
    }
    TEST_FAIL("%s did not throw", call);
}

void test_category()
{
    const std::error_category &cat = veil::category();

    ASSERT_STREQ(cat.name(), "veiltun");
    ASSERT_TRUE(&cat == &veil::category());
    const int codes[] = {VEILTUN_EPERM,      VEILTUN_EINVAL,   VEILTUN_ETIMEDOUT,
                         VEILTUN_ECANCELED,  VEILTUN_EBADNAME, VEILTUN_EBADADDR,
                         VEILTUN_EBADPACKET, VEILTUN_ENOLIB,   -123456};
    for (int code : codes) {
        std::error_code ec = veil::make_error_code(code);
        ASSERT_EQ(ec.value(), code);
        ASSERT_TRUE(ec.category() == cat);
        ASSERT_TRUE(static_cast<bool>(ec));
        ASSERT_STRING(ec.message(), veiltun_strerror(code));
    }
    ASSERT_TRUE(!veil::make_error_code(0));
    ASSERT_STRING(veil::make_error_code(VEILTUN_EPERM).message(), veiltun_strerror(VEILTUN_EPERM));
}

/* Every errno-valued code that the header names compares equal to its std::errc, on any OS
 * (std::errc has the host's numbers, which on Windows are not Linux's). */
void test_conditions_named()
{
    struct {
        int code;
        std::errc cond;
    } const table[] = {
        {VEILTUN_EPERM, std::errc::operation_not_permitted},
        {VEILTUN_ENOENT, std::errc::no_such_file_or_directory},
        {VEILTUN_EIO, std::errc::io_error},
        {VEILTUN_EBADF, std::errc::bad_file_descriptor},
        {VEILTUN_EAGAIN, std::errc::resource_unavailable_try_again},
        {VEILTUN_ENOMEM, std::errc::not_enough_memory},
        {VEILTUN_EBUSY, std::errc::device_or_resource_busy},
        {VEILTUN_EEXIST, std::errc::file_exists},
        {VEILTUN_ENODEV, std::errc::no_such_device},
        {VEILTUN_EINVAL, std::errc::invalid_argument},
        {VEILTUN_EMFILE, std::errc::too_many_files_open},
        {VEILTUN_ENAMETOOLONG, std::errc::filename_too_long},
        {VEILTUN_EPROTO, std::errc::protocol_error},
        {VEILTUN_EMSGSIZE, std::errc::message_size},
        {VEILTUN_ENOTSUP, std::errc::not_supported},
        {VEILTUN_EAFNOSUPPORT, std::errc::address_family_not_supported},
        {VEILTUN_EADDRNOTAVAIL, std::errc::address_not_available},
        {VEILTUN_ENETUNREACH, std::errc::network_unreachable},
        {VEILTUN_ENOBUFS, std::errc::no_buffer_space},
        {VEILTUN_ETIMEDOUT, std::errc::timed_out},
        {VEILTUN_ECANCELED, std::errc::operation_canceled},
        {VEILTUN_ENOTRECOVERABLE, std::errc::state_not_recoverable},
    };
    for (const auto &row : table) {
        std::error_code ec = veil::make_error_code(row.code);
        if (ec != row.cond)
            TEST_FAIL("%d (%s) does not compare equal to std::errc %d", row.code,
                      ec.message().c_str(), static_cast<int>(row.cond));
        ASSERT_TRUE(ec.default_error_condition() == std::make_error_condition(row.cond));
    }
    /* And not to a different condition. */
    ASSERT_TRUE(veil::make_error_code(VEILTUN_ETIMEDOUT) != std::errc::operation_canceled);
}

/* The input errors (below -4000) have no errno: they compare equal only to themselves. */
void test_conditions_input()
{
    const int codes[] = {VEILTUN_EBADNAME, VEILTUN_EBADADDR, VEILTUN_EBADPREFIX,
                         VEILTUN_EBADMTU,  VEILTUN_ENOTTUN,  VEILTUN_ENOLIB};
    for (int code : codes) {
        std::error_code ec = veil::make_error_code(code);
        std::error_condition cond = ec.default_error_condition();
        ASSERT_TRUE(cond.category() == veil::category());
        ASSERT_EQ(cond.value(), code);
        ASSERT_TRUE(ec != std::errc::invalid_argument);
        ASSERT_TRUE(ec == veil::make_error_code(code));
    }
}

/* On Linux std::errc's values are errno's, so the table inside the category (written with
 * Linux numbers, for every OS) can be checked number by number: every errno-valued code must
 * land on the generic category with its own errno. */
void test_conditions_linux_numbers()
{
#if defined(__linux__)
    for (int n = 1; n < 4000; n++) {
        std::error_condition cond = veil::make_error_code(-n).default_error_condition();
        if (cond.category() != std::generic_category() || cond.value() != n)
            TEST_FAIL("code %d maps to %s %d, expected generic %d", -n, cond.category().name(),
                      cond.value(), n);
    }
#endif
}

void test_throwing_open()
{
    veil::config cfg;
    std::error_code ec;

    /* Defaults come from veiltun_config_init(). */
    ASSERT_TRUE(cfg.name == nullptr);
    ASSERT_EQ(cfg.mode, VEILTUN_OPEN_CREATE_OR_ATTACH);
    ASSERT_EQ(cfg.owner, -1);
    ASSERT_EQ(cfg.group, -1);
    ASSERT_EQ(cfg.netns_fd, -1);

    /* Input errors come before anything is touched, so no privileges are needed. */
    cfg.name = "bad/name";
    ec = thrown_code([&] { veil::device d = veil::device::open(cfg); }, "veiltun_open");
    ASSERT_TRUE(ec == veil::make_error_code(VEILTUN_EBADNAME));
    ASSERT_EQ(ec.value(), VEILTUN_EBADNAME);

    cfg.name = "a-name-much-too-long-for-any-os";
    ec = thrown_code([&] { veil::device d = veil::device::open(cfg); }, "veiltun_open");
    ASSERT_EQ(ec.value(), VEILTUN_ENAMETOOLONG);
    ASSERT_TRUE(ec == std::errc::filename_too_long);

    cfg.name = "vtcpp0";
    cfg.flags = 0x80000000u;
    ec = thrown_code([&] { veil::device d = veil::device::open(cfg); }, "veiltun_open");
    ASSERT_EQ(ec.value(), VEILTUN_EBADFLAGS);

    /* The error_code overload: no exception, an empty device, the same code. */
    cfg.name = "bad name";
    cfg.flags = 0;
    ec.clear();
    veil::device d = veil::device::open(cfg, ec);
    ASSERT_TRUE(!d);
    ASSERT_EQ(ec.value(), VEILTUN_EBADNAME);
    static_assert(noexcept(veil::device::open(cfg, ec)), "error_code overload is noexcept");

#if defined(_WIN32)
    const veiltun_os_handle no_handle = nullptr;
#else
    const veiltun_os_handle no_handle = -1;
#endif
    ec = thrown_code([&] { veil::device a = veil::device::adopt(no_handle); }, "veiltun_adopt");
    ASSERT_TRUE(ec.value() < 0);
}

void test_free_functions()
{
    std::error_code ec;

    ASSERT_STREQ(veil::version(), veiltun_version());
    veil::validate_name("vt0");
    veil::validate_name(std::string("vt%d"));
    ASSERT_EQ(thrown_code([] { veil::validate_name("a/b"); }, "veiltun_validate_name").value(),
              VEILTUN_EBADNAME);
    veil::validate_name("", ec);
    ASSERT_EQ(ec.value(), VEILTUN_EBADNAME);
    veil::validate_name("ok0", ec);
    ASSERT_TRUE(!ec);

    veiltun_prefix p = veil::parse_prefix("10.1.2.3/24");
    ASSERT_EQ(p.family, VEILTUN_AF_INET);
    ASSERT_EQ(p.prefix_len, 24);
    ASSERT_STRING(veil::format_prefix(p), "10.1.2.3/24");
    ASSERT_STRING(veil::format_prefix(veil::parse_prefix(std::string("fd00::1"))), "fd00::1/128");
    ASSERT_EQ(thrown_code([] { (void)veil::parse_prefix("10.0.0.1/33"); }, "veiltun_parse_prefix")
                  .value(),
              VEILTUN_EBADPREFIX);
    ASSERT_EQ(thrown_code([] { (void)veil::parse_network("10.0.0.1/24"); }, "veiltun_parse_network")
                  .value(),
              VEILTUN_EHOSTBITS);
    (void)veil::parse_prefix("10.0.0.300", ec);
    ASSERT_EQ(ec.value(), VEILTUN_EBADADDR);
    ASSERT_EQ(veil::last_os_error(), veiltun_last_os_error());
    veiltun_prefix bad{};
    ASSERT_TRUE(veil::format_prefix(bad, ec).empty());
    ASSERT_EQ(ec.value(), VEILTUN_EINVAL);
    ASSERT_EQ(thrown_code([&] { (void)veil::format_prefix(bad); }, "veiltun_format_prefix").value(),
              VEILTUN_EINVAL);
    ASSERT_EQ(thrown_code([] { (void)veil::query("bad/name"); }, "veiltun_query").value(),
              VEILTUN_EBADNAME);
    (void)veil::query(nullptr, ec);
    ASSERT_TRUE(ec == std::errc::invalid_argument);
}

/* The vector-returning calls ask again when the C call's total outgrows the room given, and
 * never hand back slots the C call did not fill. */
void test_fill_vector()
{
    std::vector<int> v;
    int calls = 0;
    auto twenty = [&](int *out, std::size_t max) {
        calls++;
        for (std::size_t i = 0; i < max && i < 20; i++)
            out[i] = static_cast<int>(i) + 1;
        return 20;
    };
    ASSERT_EQ(veil::detail::fill_vector(v, twenty), 0);
    ASSERT_EQ(v.size(), 20);
    ASSERT_EQ(v[19], 20);
    ASSERT_EQ(calls, 2);

    /* A total that grows on every call: four attempts, then what the last one stored. */
    calls = 0;
    auto growing = [&](int *out, std::size_t max) {
        calls++;
        for (std::size_t i = 0; i < max; i++)
            out[i] = 7;
        return static_cast<int>(max) + 1;
    };
    ASSERT_EQ(veil::detail::fill_vector(v, growing), 0);
    ASSERT_EQ(calls, 4);
    ASSERT_GT(v.size(), 8);
    for (int x : v)
        ASSERT_EQ(x, 7);

    auto failing = [](int *, std::size_t) { return VEILTUN_ENODEV; };
    ASSERT_EQ(veil::detail::fill_vector(v, failing), VEILTUN_ENODEV);
    ASSERT_TRUE(v.empty());

    std::error_code ec;
    (void)veil::list(ec); /* reads this namespace's TUN devices: no privileges needed */
    ASSERT_TRUE(!ec);
    ASSERT_TRUE(veil::query_addresses("bad/name", ec).empty());
    ASSERT_EQ(ec.value(), VEILTUN_EBADNAME);
    ASSERT_EQ(
        thrown_code([] { (void)veil::query_addresses("a:b"); }, "veiltun_query_addresses").value(),
        VEILTUN_EBADNAME);
}

void test_span()
{
#if VEILTUN_CPLUSPLUS >= 202002L && __has_include(<span>)
    static_assert(std::is_same_v<veil::bytes, std::span<std::uint8_t>>, "std::span in C++20");
#endif
    std::uint8_t array[16] = {1, 2, 3};
    std::array<std::uint8_t, 8> std_array{};
    std::vector<std::uint8_t> vec(32);
    const std::vector<std::uint8_t> cvec(4);

    veil::bytes a = array;
    ASSERT_TRUE(a.data() == array);
    ASSERT_EQ(a.size(), 16);
    ASSERT_EQ(a.size_bytes(), 16);
    ASSERT_EQ(a[2], 3);
    veil::bytes b = std_array;
    ASSERT_EQ(b.size(), 8);
    veil::bytes c = vec;
    ASSERT_TRUE(c.data() == vec.data());
    ASSERT_EQ(c.size(), 32);
    veil::const_bytes d = c; /* const from mutable */
    ASSERT_EQ(d.size(), 32);
    veil::const_bytes e = cvec; /* a const container gives only a const span */
    ASSERT_EQ(e.size(), 4);
    static_assert(!std::is_convertible_v<const std::vector<std::uint8_t> &, veil::bytes>,
                  "no mutable span over a const vector");
    static_assert(!std::is_convertible_v<veil::const_bytes, veil::bytes>, "no const removal");
    static_assert(!std::is_convertible_v<std::vector<char> &, veil::bytes>,
                  "elements must be bytes");
    veil::bytes f(array + 4, 5);
    ASSERT_EQ(f.size(), 5);
    ASSERT_TRUE(f.first(2).data() == array + 4);
    ASSERT_EQ(f.first(2).size(), 2);
    ASSERT_TRUE(f.subspan(1).data() == array + 5);
    ASSERT_EQ(f.subspan(1).size(), 4);
    ASSERT_EQ(f.subspan(1, 2).size(), 2);
    ASSERT_TRUE(veil::bytes().empty());
    size_t sum = 0;
    for (std::uint8_t x : a)
        sum += x;
    ASSERT_EQ(sum, 6);

    veiltun_packet slots[2] = {veil::make_packet(array), veil::make_packet(vec)};
    ASSERT_TRUE(slots[0].data == array);
    ASSERT_EQ(slots[0].size, 16);
    ASSERT_EQ(slots[1].size, 32);
    ASSERT_EQ(slots[1].len, 0);
    ASSERT_EQ(slots[1].status, 0);
    veil::span<veiltun_packet> batch = slots;
    ASSERT_EQ(batch.size(), 2);
}

/* An empty device fails every call as the C API fails a NULL handle. */
void test_empty_device()
{
    veil::device dev;
    std::error_code ec;
    std::uint8_t buf[64] = {0x45};
    veiltun_packet slots[1] = {veil::make_packet(buf)};
    veiltun_gso_info info{};

    ASSERT_TRUE(!dev);
    ASSERT_TRUE(dev.get() == nullptr);
    ASSERT_STRING(dev.name(), "");
    ASSERT_TRUE(!dev.created());
    ASSERT_TRUE(dev.wait_handle() == veiltun_wait_handle(nullptr));

    ASSERT_TRUE(thrown_code([&] { dev.set_mtu(1400); }, "veiltun_set_mtu") ==
                std::errc::invalid_argument);
    ASSERT_EQ(thrown_code([&] { (void)dev.read(buf); }, "veiltun_read").value(), VEILTUN_EINVAL);
    ASSERT_EQ(thrown_code([&] { (void)dev.write(buf); }, "veiltun_write").value(), VEILTUN_EINVAL);
    ASSERT_EQ(thrown_code([&] { (void)dev.read_batch(slots); }, "veiltun_read_batch").value(),
              VEILTUN_EINVAL);
    ASSERT_EQ(thrown_code([&] { (void)dev.wait(veil::device::forever); }, "veiltun_wait").value(),
              VEILTUN_EINVAL);
    ASSERT_EQ(thrown_code([&] { (void)dev.next_event(); }, "veiltun_next_event").value(),
              VEILTUN_EINVAL);
    ASSERT_EQ(thrown_code([&] { dev.cancel(); }, "veiltun_cancel").value(), VEILTUN_EINVAL);
    ASSERT_EQ(thrown_code([&] { (void)dev.stats(); }, "veiltun_get_stats").value(), VEILTUN_EINVAL);
    ASSERT_EQ(thrown_code([&] { dev.add_route("10.0.0.0/8"); }, "veiltun_add_route").value(),
              VEILTUN_EINVAL);
    ASSERT_EQ(thrown_code([&] { (void)dev.addresses(); }, "veiltun_get_addresses").value(),
              VEILTUN_EINVAL);
    ASSERT_TRUE(dev.addresses(ec).empty());
    ASSERT_EQ(ec.value(), VEILTUN_EINVAL);

    /* The error_code overloads: 0 / nullopt / false and the code, no exception. */
    ASSERT_EQ(dev.read(buf, ec), 0);
    ASSERT_EQ(ec.value(), VEILTUN_EINVAL);
    ec.clear();
    ASSERT_EQ(dev.write(veil::const_bytes(buf, 20), ec), 0);
    ASSERT_EQ(ec.value(), VEILTUN_EINVAL);
    ASSERT_EQ(dev.read_gso(buf, info, ec), 0);
    ASSERT_EQ(ec.value(), VEILTUN_EINVAL);
    ASSERT_EQ(dev.write_batch(slots, ec), 0);
    ASSERT_EQ(ec.value(), VEILTUN_EINVAL);
    ASSERT_EQ(dev.wait(std::chrono::hours(24 * 365 * 100), ec), 0);
    ASSERT_EQ(ec.value(), VEILTUN_EINVAL);
    ASSERT_TRUE(!dev.next_event(ec).has_value());
    ASSERT_EQ(ec.value(), VEILTUN_EINVAL);
    ASSERT_EQ(dev.index(ec), 0);
    ASSERT_EQ(ec.value(), VEILTUN_EINVAL);
    ASSERT_EQ(dev.mtu(ec), 0);
    ASSERT_TRUE(!dev.is_up(ec));
    ASSERT_EQ(ec.value(), VEILTUN_EINVAL);
    dev.add_address(std::string("10.0.0.1/24"), ec);
    ASSERT_EQ(ec.value(), VEILTUN_EINVAL);
    dev.del_route("10.0.0.0/8", nullptr, 0, ec);
    ASSERT_EQ(ec.value(), VEILTUN_EINVAL);
    dev.set_persist(true, ec);
    ASSERT_EQ(ec.value(), VEILTUN_EINVAL);
    dev.set_offload(0, ec);
    ASSERT_EQ(ec.value(), VEILTUN_EINVAL);
    (void)dev.offload(ec);
    ASSERT_EQ(ec.value(), VEILTUN_EINVAL);
    dev.cancel(ec);
    ASSERT_EQ(ec.value(), VEILTUN_EINVAL);
    static_assert(noexcept(dev.cancel(ec)), "cancel(ec) is noexcept (async-signal-safe)");
    static_assert(noexcept(dev.read(buf, ec)), "read(ec) is noexcept");

    dev.close();
    dev.close(); /* twice: nothing happens */
    ASSERT_TRUE(!dev);
}

/* Ownership: a device is moved, never copied; the moved-from one is empty, so its destructor
 * and close() do nothing. A stand-in pointer (never dereferenced, released before any close)
 * shows the handle travelling. */
void test_move()
{
    static_assert(!std::is_copy_constructible_v<veil::device>, "not copyable");
    static_assert(!std::is_copy_assignable_v<veil::device>, "not copy-assignable");
    static_assert(std::is_nothrow_move_constructible_v<veil::device>, "movable");
    static_assert(std::is_nothrow_move_assignable_v<veil::device>, "move-assignable");
    static_assert(std::is_nothrow_destructible_v<veil::device>, "destructor does not throw");
    static_assert(std::is_nothrow_default_constructible_v<veil::device>, "empty by default");

    alignas(16) static unsigned char stand_in[64];
    veiltun *raw = reinterpret_cast<veiltun *>(stand_in);
    veil::device a(raw);
    ASSERT_TRUE(static_cast<bool>(a));

    veil::device b(std::move(a));
    ASSERT_TRUE(b.get() == raw);
    ASSERT_TRUE(!a); /* NOLINT: moved-from is specified as empty */
    ASSERT_TRUE(a.get() == nullptr);
    a.close(); /* closes nothing: a real close of `raw` would crash here */

    veil::device c;
    c = std::move(b);
    ASSERT_TRUE(c.get() == raw);
    ASSERT_TRUE(!b);
    {
        veil::device moved_from(std::move(c));
        ASSERT_TRUE(!c);
        ASSERT_TRUE(moved_from.release() == raw); /* nothing left to close */
        ASSERT_TRUE(!moved_from);
    }
}

} // namespace

int main()
{
    test_category();
    test_conditions_named();
    test_conditions_input();
    test_conditions_linux_numbers();
    test_throwing_open();
    test_free_functions();
    test_fill_vector();
    test_span();
    test_empty_device();
    test_move();
    std::printf("PASS (C++%ld)\n", static_cast<long>(VEILTUN_CPLUSPLUS / 100 % 100));
    return 0;
}
