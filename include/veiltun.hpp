/* SPDX-License-Identifier: MIT */
/*
 * veiltun.hpp — the C++ interface to veiltun (C++17 or later), header-only.
 *
 * Thin inline wrappers over the C API in veiltun.h, which stays the reference for what each
 * call does, returns and guarantees (thread safety included); nothing here adds behaviour of
 * its own. What C++ adds:
 *
 *   - veil::device owns a handle: movable, not copyable, closed by its destructor. A
 *     default-constructed or moved-from device is empty; closing it does nothing, and calls on
 *     it fail as the C API fails for a NULL handle (VEILTUN_EINVAL).
 *   - Errors are std::error_code values of veil::category() (name "veiltun"): value() is the
 *     VEILTUN_E* code itself (negative), message() is veiltun_strerror(). Codes that are
 *     negated Linux errno values compare equal to the matching std::errc
 *     (ec == std::errc::timed_out), on every OS; the input errors below -4000 compare equal
 *     only to themselves.
 *   - Each call that can fail comes twice, as std::filesystem does: one overload throws
 *     std::system_error (its code() is the veiltun code), the other takes a std::error_code&
 *     and is noexcept (except those returning a std::vector, which may throw
 *     std::bad_alloc). The error_code overloads report every failure, VEILTUN_EAGAIN
 *     included. The throwing ones treat VEILTUN_EAGAIN ("nothing now") as a result, not an
 *     error: read/write/batch calls return 0, next_event() returns std::nullopt; likewise
 *     wait() returns 0 on VEILTUN_ETIMEDOUT (and throws on VEILTUN_ECANCELED).
 *   - Buffers are byte spans: veil::span is std::span under C++20, and a small span of its
 *     own under C++17 (pointer and size; built from arrays, std::array, std::vector and other
 *     contiguous containers of std::uint8_t, or from a pointer and a size).
 *
 *     veil::config cfg;              // veiltun_config with veiltun_config_init() defaults
 *     cfg.name = "vpn0";
 *     veil::device dev = veil::device::open(cfg);  // throws std::system_error on failure
 *     dev.add_address("10.8.0.1/24");
 *     dev.set_up(true);
 *     std::uint8_t buf[2048];
 *     std::size_t n = dev.read(buf);   // 0: nothing to read now
 *
 * Link with the library as a C program does (veiltun::veiltun in CMake, pkg-config veiltun).
 * Since: 0.1
 */
#ifndef VEILTUN_HPP
#define VEILTUN_HPP

#include "veiltun.h"

#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

/* MSVC reports 199711L in __cplusplus unless /Zc:__cplusplus; _MSVC_LANG has the truth. */
#if defined(_MSVC_LANG)
#define VEILTUN_CPLUSPLUS _MSVC_LANG
#else
#define VEILTUN_CPLUSPLUS __cplusplus
#endif

#if VEILTUN_CPLUSPLUS < 201703L
#error "veiltun.hpp needs C++17 or later"
#endif

#if VEILTUN_CPLUSPLUS >= 202002L && defined(__has_include)
#if __has_include(<span>)
#include <span>
#define VEILTUN_STD_SPAN 1
#endif
#endif

/* The namespace is not "veiltun": the C header already names the handle type so. */
namespace veil
{

/* ---------------------------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------------------------- */

namespace detail
{

class category_impl final : public std::error_category
{
  public:
    const char *name() const noexcept override
    {
        return "veiltun";
    }

    std::string message(int code) const override
    {
        return veiltun_strerror(code);
    }

    /* VEILTUN_E* codes above -4000 are negated Linux errno values on every OS. std::errc
     * has the host's errno values (not Linux's on Windows), so the match goes by name, from
     * the Linux numbers. Other codes (the input errors, and errno values not listed) have no
     * portable equivalent and compare equal only to themselves; on Linux, where std::errc
     * is errno, every errno-valued code maps to the generic category. */
    std::error_condition default_error_condition(int code) const noexcept override
    {
        /* Linux errno number, and its std::errc. */
        static const struct {
            int linux_errno;
            std::errc cond;
        } table[] = {
            {1, std::errc::operation_not_permitted},         /* EPERM */
            {2, std::errc::no_such_file_or_directory},       /* ENOENT */
            {4, std::errc::interrupted},                     /* EINTR */
            {5, std::errc::io_error},                        /* EIO */
            {6, std::errc::no_such_device_or_address},       /* ENXIO */
            {9, std::errc::bad_file_descriptor},             /* EBADF */
            {11, std::errc::resource_unavailable_try_again}, /* EAGAIN */
            {12, std::errc::not_enough_memory},              /* ENOMEM */
            {13, std::errc::permission_denied},              /* EACCES */
            {16, std::errc::device_or_resource_busy},        /* EBUSY */
            {17, std::errc::file_exists},                    /* EEXIST */
            {19, std::errc::no_such_device},                 /* ENODEV */
            {22, std::errc::invalid_argument},               /* EINVAL */
            {23, std::errc::too_many_files_open_in_system},  /* ENFILE */
            {24, std::errc::too_many_files_open},            /* EMFILE */
            {28, std::errc::no_space_on_device},             /* ENOSPC */
            {32, std::errc::broken_pipe},                    /* EPIPE */
            {34, std::errc::result_out_of_range},            /* ERANGE */
            {36, std::errc::filename_too_long},              /* ENAMETOOLONG */
            {38, std::errc::function_not_supported},         /* ENOSYS */
            {71, std::errc::protocol_error},                 /* EPROTO */
            {90, std::errc::message_size},                   /* EMSGSIZE */
            {95, std::errc::not_supported},                  /* ENOTSUP, EOPNOTSUPP */
            {97, std::errc::address_family_not_supported},   /* EAFNOSUPPORT */
            {98, std::errc::address_in_use},                 /* EADDRINUSE */
            {99, std::errc::address_not_available},          /* EADDRNOTAVAIL */
            {100, std::errc::network_down},                  /* ENETDOWN */
            {101, std::errc::network_unreachable},           /* ENETUNREACH */
            {105, std::errc::no_buffer_space},               /* ENOBUFS */
            {110, std::errc::timed_out},                     /* ETIMEDOUT */
            {113, std::errc::host_unreachable},              /* EHOSTUNREACH */
            {125, std::errc::operation_canceled},            /* ECANCELED */
            {131, std::errc::state_not_recoverable},         /* ENOTRECOVERABLE */
        };
        if (code <= -4000 || code >= 0)
            return std::error_condition(code, *this);
        for (const auto &row : table) {
            if (row.linux_errno == -code)
                return row.cond;
        }
#if defined(__linux__)
        return std::error_condition(-code, std::generic_category());
#else
        return std::error_condition(code, *this);
#endif
    }
};

} // namespace detail

/** The "veiltun" error category. One object per program (an inline function's static). */
inline const std::error_category &category() noexcept
{
    static const detail::category_impl instance;
    return instance;
}

/** A VEILTUN_E* code (negative) as a std::error_code; 0 gives a cleared (success) code. */
inline std::error_code make_error_code(int code) noexcept
{
    return code == 0 ? std::error_code() : std::error_code(code, category());
}

/** Throws std::system_error with @p code (a VEILTUN_E*) and @p what, the call that failed. */
[[noreturn]] inline void throw_error(int code, const char *what)
{
    throw std::system_error(make_error_code(code), what);
}

namespace detail
{

/* The result of a C call that returns a count or a negative code, for the error_code
 * overloads: the count, or 0 with @p ec set. */
inline std::size_t count_or_error(int r, std::error_code &ec) noexcept
{
    if (r < 0) {
        ec = make_error_code(r);
        return 0;
    }
    ec.clear();
    return static_cast<std::size_t>(r);
}

/* The same for the throwing overloads: VEILTUN_EAGAIN is "nothing now" (0). */
inline std::size_t count_or_throw(int r, const char *what)
{
    if (r == VEILTUN_EAGAIN)
        return 0;
    if (r < 0)
        throw_error(r, what);
    return static_cast<std::size_t>(r);
}

inline void check(int r, const char *what)
{
    if (r < 0)
        throw_error(r, what);
}

inline void check(int r, std::error_code &ec) noexcept
{
    ec = make_error_code(r < 0 ? r : 0);
}

} // namespace detail

/* ---------------------------------------------------------------------------------------------
 * Byte spans
 * ------------------------------------------------------------------------------------------- */

#if defined(VEILTUN_STD_SPAN)
template <class T> using span = std::span<T>;
#else
/** A view of @p T elements (pointer and count), as much of C++20's std::span as veiltun
 *  needs: built from a pointer and a size, an array, or an lvalue contiguous container
 *  (anything with data() and size(), e.g. std::vector, std::array); span<const T> from
 *  span<T>. */
template <class T> class span
{
    template <class C> using data_of = decltype(std::data(std::declval<C &>()));
    template <class C>
    using if_container = std::enable_if_t<
        !std::is_array_v<C> && std::is_convertible_v<data_of<C>, T *> &&
        std::is_convertible_v<decltype(std::size(std::declval<C &>())), std::size_t>>;

  public:
    using element_type = T;
    using value_type = std::remove_cv_t<T>;
    using size_type = std::size_t;
    using pointer = T *;
    using reference = T &;
    using iterator = T *;

    constexpr span() noexcept = default;
    constexpr span(T *data, std::size_t size) noexcept : data_(data), size_(size)
    {
    }
    template <std::size_t N> constexpr span(T (&array)[N]) noexcept : data_(array), size_(N)
    {
    }
    template <class C, class = if_container<C>>
    constexpr span(C &container) noexcept : data_(std::data(container)), size_(std::size(container))
    {
    }
    template <class U, class = std::enable_if_t<std::is_convertible_v<U (*)[], T (*)[]>>>
    constexpr span(const span<U> &other) noexcept : data_(other.data()), size_(other.size())
    {
    }

    constexpr T *data() const noexcept
    {
        return data_;
    }
    constexpr std::size_t size() const noexcept
    {
        return size_;
    }
    constexpr std::size_t size_bytes() const noexcept
    {
        return size_ * sizeof(T);
    }
    [[nodiscard]] constexpr bool empty() const noexcept
    {
        return size_ == 0;
    }
    constexpr T *begin() const noexcept
    {
        return data_;
    }
    constexpr T *end() const noexcept
    {
        return data_ + size_;
    }
    constexpr T &operator[](std::size_t i) const noexcept
    {
        return data_[i];
    }
    /** The first @p n elements (n <= size(), as std::span requires). */
    constexpr span first(std::size_t n) const noexcept
    {
        return span(data_, n);
    }
    /** @p n elements from @p offset; by default all that follow it. */
    constexpr span subspan(std::size_t offset, std::size_t n = std::size_t(-1)) const noexcept
    {
        return span(data_ + offset, n == std::size_t(-1) ? size_ - offset : n);
    }

  private:
    T *data_ = nullptr;
    std::size_t size_ = 0;
};
#endif

/** A packet buffer to read into, and a packet to write. */
using bytes = span<std::uint8_t>;
using const_bytes = span<const std::uint8_t>;

/** A batch slot over @p buf: data and size set, len and status 0 (see veiltun_packet). */
inline veiltun_packet make_packet(bytes buf) noexcept
{
    veiltun_packet p{};
    p.data = buf.data();
    p.size = buf.size();
    return p;
}

/** A text argument: a C string or a std::string (which must outlive the call). */
class cstr
{
  public:
    cstr(const char *s) noexcept : p_(s)
    {
    }
    cstr(const std::string &s) noexcept : p_(s.c_str())
    {
    }
    cstr(std::nullptr_t) noexcept : p_(nullptr)
    {
    }
    const char *get() const noexcept
    {
        return p_;
    }

  private:
    const char *p_;
};

/* ---------------------------------------------------------------------------------------------
 * Configuration and functions without a device
 * ------------------------------------------------------------------------------------------- */

/** veiltun_config, filled with veiltun_config_init()'s defaults on construction. */
struct config : veiltun_config {
    config() noexcept : veiltun_config()
    {
        veiltun_config_init(this);
    }
};

/** Library version, "MAJOR.MINOR.PATCH". */
inline const char *version() noexcept
{
    return veiltun_version();
}

/** veiltun_validate_name(): throws for a name the OS would refuse. */
inline void validate_name(cstr name)
{
    detail::check(veiltun_validate_name(name.get()), "veiltun_validate_name");
}
inline void validate_name(cstr name, std::error_code &ec) noexcept
{
    detail::check(veiltun_validate_name(name.get()), ec);
}

/** veiltun_parse_prefix(): "10.0.0.1/24" as a veiltun_prefix. */
inline veiltun_prefix parse_prefix(cstr text)
{
    veiltun_prefix p{};
    detail::check(veiltun_parse_prefix(text.get(), &p), "veiltun_parse_prefix");
    return p;
}
inline veiltun_prefix parse_prefix(cstr text, std::error_code &ec) noexcept
{
    veiltun_prefix p{};
    detail::check(veiltun_parse_prefix(text.get(), &p), ec);
    return p;
}

/** veiltun_parse_network(): as parse_prefix(), refusing host bits past the prefix. */
inline veiltun_prefix parse_network(cstr text)
{
    veiltun_prefix p{};
    detail::check(veiltun_parse_network(text.get(), &p), "veiltun_parse_network");
    return p;
}
inline veiltun_prefix parse_network(cstr text, std::error_code &ec) noexcept
{
    veiltun_prefix p{};
    detail::check(veiltun_parse_network(text.get(), &p), ec);
    return p;
}

/** veiltun_format_prefix(): "addr/len". */
inline std::string format_prefix(const veiltun_prefix &p)
{
    char buf[VEILTUN_PREFIX_STRLEN];
    int n = veiltun_format_prefix(&p, buf, sizeof(buf));
    detail::check(n, "veiltun_format_prefix");
    return std::string(buf, static_cast<std::size_t>(n));
}

inline std::string format_prefix(const veiltun_prefix &p, std::error_code &ec)
{
    char buf[VEILTUN_PREFIX_STRLEN];
    int n = veiltun_format_prefix(&p, buf, sizeof(buf));
    detail::check(n, ec);
    return n < 0 ? std::string() : std::string(buf, static_cast<std::size_t>(n));
}

/** veiltun_last_os_error(): the OS error behind this thread's last failed call, or 0. */
inline int last_os_error() noexcept
{
    return veiltun_last_os_error();
}

/** veiltun_query(): a TUN device in the caller's namespace, without opening it. */
inline veiltun_info query(cstr name)
{
    veiltun_info info{};
    detail::check(veiltun_query(name.get(), &info), "veiltun_query");
    return info;
}
inline veiltun_info query(cstr name, std::error_code &ec) noexcept
{
    veiltun_info info{};
    detail::check(veiltun_query(name.get(), &info), ec);
    return info;
}

namespace detail
{
/* Calls a C "store up to max, return the total" function until @p out holds them all. The
 * total can grow between calls, so a few attempts, then what was stored. 0 or the error. */
/* veiltun_list is a macro (it passes the caller's sizeof(veiltun_info)): a function to pass. */
inline int list_devices(veiltun_info *out, std::size_t max)
{
    return veiltun_list(out, max);
}

template <class T, class Fill> int fill_vector(std::vector<T> &out, Fill fill)
{
    std::size_t room = 8;
    for (int attempt = 0;; attempt++) {
        out.resize(room);
        int n = fill(out.data(), room);
        if (n < 0) {
            out.clear();
            return n;
        }
        std::size_t total = static_cast<std::size_t>(n);
        if (total <= room || attempt == 3) {
            out.resize(total < room ? total : room);
            return 0;
        }
        room = total + 8; /* some headroom for additions in between */
    }
}
} // namespace detail

/** veiltun_list(): the TUN devices in the caller's namespace. The error_code overload may
 *  still throw std::bad_alloc. */
inline std::vector<veiltun_info> list()
{
    std::vector<veiltun_info> v;
    detail::check(detail::fill_vector(v, detail::list_devices), "veiltun_list");
    return v;
}
inline std::vector<veiltun_info> list(std::error_code &ec)
{
    std::vector<veiltun_info> v;
    detail::check(detail::fill_vector(v, detail::list_devices), ec);
    return v;
}

/** veiltun_query_addresses(): the addresses of the device called @p name, without opening
 *  it. */
inline std::vector<veiltun_prefix> query_addresses(cstr name)
{
    std::vector<veiltun_prefix> v;
    detail::check(detail::fill_vector(v,
                                      [&](veiltun_prefix *out, std::size_t max) {
                                          return veiltun_query_addresses(name.get(), out, max);
                                      }),
                  "veiltun_query_addresses");
    return v;
}
inline std::vector<veiltun_prefix> query_addresses(cstr name, std::error_code &ec)
{
    std::vector<veiltun_prefix> v;
    detail::check(detail::fill_vector(v,
                                      [&](veiltun_prefix *out, std::size_t max) {
                                          return veiltun_query_addresses(name.get(), out, max);
                                      }),
                  ec);
    return v;
}

namespace detail
{
/* veiltun_get_addresses() on one handle, for fill_vector(). */
struct addresses_of {
    veiltun *h;
    int operator()(veiltun_prefix *out, std::size_t max) const noexcept
    {
        return veiltun_get_addresses(h, out, max);
    }
};
} // namespace detail

/* ---------------------------------------------------------------------------------------------
 * The device
 * ------------------------------------------------------------------------------------------- */

/**
 * An open TUN device: owns one veiltun handle and closes it when destroyed (see
 * veiltun_close(): cancel, join the threads using it, then let it go). Movable, not copyable.
 * Thread safety is the C API's: reads in one thread, writes in another, configuration from
 * any; cancel() from any thread at any time; moving, assigning and destroying are like
 * veiltun_close(), the last call.
 */
class device
{
  public:
    /** Wait forever, for wait(). */
    static constexpr std::chrono::milliseconds forever{-1};

    /** An empty device (no handle). */
    device() noexcept = default;
    /** Takes ownership of @p handle (may be NULL). */
    explicit device(veiltun *handle) noexcept : h_(handle)
    {
    }
    ~device()
    {
        close();
    }
    device(const device &) = delete;
    device &operator=(const device &) = delete;
    device(device &&other) noexcept : h_(other.release())
    {
    }
    /** Closes the handle held so far, then takes @p other's. */
    device &operator=(device &&other) noexcept
    {
        if (this != &other)
            reset(other.release());
        return *this;
    }

    /** veiltun_open(): throws std::system_error on failure. */
    [[nodiscard]] static device open(const veiltun_config &cfg)
    {
        veiltun *h = nullptr;
        detail::check(veiltun_open(&cfg, &h), "veiltun_open");
        return device(h);
    }
    /** veiltun_open(): an empty device and @p ec set on failure. */
    [[nodiscard]] static device open(const veiltun_config &cfg, std::error_code &ec) noexcept
    {
        veiltun *h = nullptr;
        detail::check(veiltun_open(&cfg, &h), ec);
        return device(h);
    }
    /** veiltun_adopt(): on success the device owns @p fd; on failure the caller still does. */
    [[nodiscard]] static device adopt(veiltun_os_handle fd)
    {
        veiltun *h = nullptr;
        detail::check(veiltun_adopt(fd, &h), "veiltun_adopt");
        return device(h);
    }
    [[nodiscard]] static device adopt(veiltun_os_handle fd, std::error_code &ec) noexcept
    {
        veiltun *h = nullptr;
        detail::check(veiltun_adopt(fd, &h), ec);
        return device(h);
    }

    /** veiltun_close(), now; the device is empty afterwards. Closing an empty one does
     *  nothing, so close() twice is safe. */
    void close() noexcept
    {
        reset(nullptr);
    }
    /** Closes the handle held and takes @p handle. */
    void reset(veiltun *handle) noexcept
    {
        veiltun *old = h_;
        h_ = handle;
        if (old != nullptr)
            veiltun_close(old);
    }
    /** Gives up ownership: the caller must veiltun_close() the result. */
    [[nodiscard]] veiltun *release() noexcept
    {
        return std::exchange(h_, nullptr);
    }
    /** The C handle, for calls this class does not wrap; still owned by the device. */
    veiltun *get() const noexcept
    {
        return h_;
    }
    explicit operator bool() const noexcept
    {
        return h_ != nullptr;
    }

    /* ---- identity and state ---- */

    /** veiltun_get_name(), copied; "" for an empty device. */
    std::string name() const
    {
        const char *n = veiltun_get_name(h_);
        return n != nullptr ? std::string(n) : std::string();
    }
    /** veiltun_get_index(). */
    int index() const
    {
        int r = veiltun_get_index(h_);
        detail::check(r, "veiltun_get_index");
        return r;
    }
    int index(std::error_code &ec) const noexcept
    {
        return static_cast<int>(detail::count_or_error(veiltun_get_index(h_), ec));
    }
    /** veiltun_created(): this handle created the device (false if attached, adopted, empty). */
    bool created() const noexcept
    {
        return veiltun_created(h_) == 1;
    }

    /** veiltun_get_mtu(), read from the OS now. */
    unsigned mtu()
    {
        int r = veiltun_get_mtu(h_);
        detail::check(r, "veiltun_get_mtu");
        return static_cast<unsigned>(r);
    }
    unsigned mtu(std::error_code &ec) noexcept
    {
        return static_cast<unsigned>(detail::count_or_error(veiltun_get_mtu(h_), ec));
    }
    /** veiltun_set_mtu(). */
    void set_mtu(unsigned mtu)
    {
        detail::check(veiltun_set_mtu(h_, mtu), "veiltun_set_mtu");
    }
    void set_mtu(unsigned mtu, std::error_code &ec) noexcept
    {
        detail::check(veiltun_set_mtu(h_, mtu), ec);
    }
    /** veiltun_set_up(). */
    void set_up(bool up)
    {
        detail::check(veiltun_set_up(h_, up ? 1 : 0), "veiltun_set_up");
    }
    void set_up(bool up, std::error_code &ec) noexcept
    {
        detail::check(veiltun_set_up(h_, up ? 1 : 0), ec);
    }
    /** veiltun_is_up(), read from the OS now. */
    bool is_up()
    {
        int r = veiltun_is_up(h_);
        detail::check(r, "veiltun_is_up");
        return r == 1;
    }
    bool is_up(std::error_code &ec) noexcept
    {
        return detail::count_or_error(veiltun_is_up(h_), ec) == 1;
    }
    /** veiltun_set_metric() (Windows; VEILTUN_ENOTSUP on Linux). */
    void set_metric(std::uint32_t metric)
    {
        detail::check(veiltun_set_metric(h_, metric), "veiltun_set_metric");
    }
    void set_metric(std::uint32_t metric, std::error_code &ec) noexcept
    {
        detail::check(veiltun_set_metric(h_, metric), ec);
    }
    /** veiltun_set_offload(): a VEILTUN_OFFLOAD_* mask. */
    void set_offload(std::uint32_t features)
    {
        detail::check(veiltun_set_offload(h_, features), "veiltun_set_offload");
    }
    void set_offload(std::uint32_t features, std::error_code &ec) noexcept
    {
        detail::check(veiltun_set_offload(h_, features), ec);
    }
    /** veiltun_get_offload(): the VEILTUN_OFFLOAD_* mask in force. */
    std::uint32_t offload() const
    {
        int r = veiltun_get_offload(h_);
        detail::check(r, "veiltun_get_offload");
        return static_cast<std::uint32_t>(r);
    }
    std::uint32_t offload(std::error_code &ec) const noexcept
    {
        return static_cast<std::uint32_t>(detail::count_or_error(veiltun_get_offload(h_), ec));
    }
    /** veiltun_set_persist(). */
    void set_persist(bool persist)
    {
        detail::check(veiltun_set_persist(h_, persist ? 1 : 0), "veiltun_set_persist");
    }
    void set_persist(bool persist, std::error_code &ec) noexcept
    {
        detail::check(veiltun_set_persist(h_, persist ? 1 : 0), ec);
    }
    /** veiltun_get_stats(). */
    veiltun_stats stats() const
    {
        veiltun_stats s{};
        detail::check(veiltun_get_stats(h_, &s, sizeof(s)), "veiltun_get_stats");
        return s;
    }
    veiltun_stats stats(std::error_code &ec) const noexcept
    {
        veiltun_stats s{};
        detail::check(veiltun_get_stats(h_, &s, sizeof(s)), ec);
        return s;
    }

    /* ---- addresses and routes ---- */

    /** veiltun_add_address(): "10.0.0.1/24", "fd00::1/64". */
    void add_address(cstr cidr)
    {
        detail::check(veiltun_add_address(h_, cidr.get()), "veiltun_add_address");
    }
    void add_address(cstr cidr, std::error_code &ec) noexcept
    {
        detail::check(veiltun_add_address(h_, cidr.get()), ec);
    }
    /** veiltun_del_address(). */
    void del_address(cstr cidr)
    {
        detail::check(veiltun_del_address(h_, cidr.get()), "veiltun_del_address");
    }
    void del_address(cstr cidr, std::error_code &ec) noexcept
    {
        detail::check(veiltun_del_address(h_, cidr.get()), ec);
    }
    /** veiltun_get_addresses(): all of them, read from the OS now. The error_code overload
     *  may still throw std::bad_alloc. */
    std::vector<veiltun_prefix> addresses()
    {
        std::vector<veiltun_prefix> v;
        detail::check(detail::fill_vector(v, detail::addresses_of{h_}), "veiltun_get_addresses");
        return v;
    }
    std::vector<veiltun_prefix> addresses(std::error_code &ec)
    {
        std::vector<veiltun_prefix> v;
        detail::check(detail::fill_vector(v, detail::addresses_of{h_}), ec);
        return v;
    }
    /** veiltun_add_route(): @p dest into the device, through @p gateway (nullptr: none). */
    void add_route(cstr dest, cstr gateway = nullptr, std::uint32_t metric = 0)
    {
        detail::check(veiltun_add_route(h_, dest.get(), gateway.get(), metric),
                      "veiltun_add_route");
    }
    void add_route(cstr dest, cstr gateway, std::uint32_t metric, std::error_code &ec) noexcept
    {
        detail::check(veiltun_add_route(h_, dest.get(), gateway.get(), metric), ec);
    }
    /** veiltun_del_route(): same arguments as when added. */
    void del_route(cstr dest, cstr gateway = nullptr, std::uint32_t metric = 0)
    {
        detail::check(veiltun_del_route(h_, dest.get(), gateway.get(), metric),
                      "veiltun_del_route");
    }
    void del_route(cstr dest, cstr gateway, std::uint32_t metric, std::error_code &ec) noexcept
    {
        detail::check(veiltun_del_route(h_, dest.get(), gateway.get(), metric), ec);
    }

    /* ---- packets (non-blocking) ---- */

    /** veiltun_read(): one packet into @p buf; its length, or 0 if nothing is ready. */
    std::size_t read(bytes buf)
    {
        return detail::count_or_throw(veiltun_read(h_, buf.data(), buf.size()), "veiltun_read");
    }
    std::size_t read(bytes buf, std::error_code &ec) noexcept
    {
        return detail::count_or_error(veiltun_read(h_, buf.data(), buf.size()), ec);
    }
    /** veiltun_write(): one packet; its length, or 0 if the OS queue is full. */
    std::size_t write(const_bytes pkt)
    {
        return detail::count_or_throw(veiltun_write(h_, pkt.data(), pkt.size()), "veiltun_write");
    }
    std::size_t write(const_bytes pkt, std::error_code &ec) noexcept
    {
        return detail::count_or_error(veiltun_write(h_, pkt.data(), pkt.size()), ec);
    }
    /** veiltun_read_gso(): as read(), a super-packet that fits handed over whole. */
    std::size_t read_gso(bytes buf, veiltun_gso_info &info)
    {
        return detail::count_or_throw(veiltun_read_gso(h_, buf.data(), buf.size(), &info),
                                      "veiltun_read_gso");
    }
    std::size_t read_gso(bytes buf, veiltun_gso_info &info, std::error_code &ec) noexcept
    {
        return detail::count_or_error(veiltun_read_gso(h_, buf.data(), buf.size(), &info), ec);
    }
    /** veiltun_write_gso(). */
    std::size_t write_gso(const_bytes pkt, const veiltun_gso_info &info)
    {
        return detail::count_or_throw(veiltun_write_gso(h_, pkt.data(), pkt.size(), &info),
                                      "veiltun_write_gso");
    }
    std::size_t write_gso(const_bytes pkt, const veiltun_gso_info &info,
                          std::error_code &ec) noexcept
    {
        return detail::count_or_error(veiltun_write_gso(h_, pkt.data(), pkt.size(), &info), ec);
    }
    /** veiltun_read_batch(): the number of slots filled from the front, 0 if none was ready.
     *  A filled slot can go to write_batch() as it is. */
    std::size_t read_batch(span<veiltun_packet> pkts)
    {
        return detail::count_or_throw(veiltun_read_batch(h_, pkts.data(), pkts.size()),
                                      "veiltun_read_batch");
    }
    std::size_t read_batch(span<veiltun_packet> pkts, std::error_code &ec) noexcept
    {
        return detail::count_or_error(veiltun_read_batch(h_, pkts.data(), pkts.size()), ec);
    }
    /** veiltun_write_batch(): the number of slots consumed from the front (each with its
     *  status), 0 if the first met a full OS queue. */
    std::size_t write_batch(span<veiltun_packet> pkts)
    {
        return detail::count_or_throw(veiltun_write_batch(h_, pkts.data(), pkts.size()),
                                      "veiltun_write_batch");
    }
    std::size_t write_batch(span<veiltun_packet> pkts, std::error_code &ec) noexcept
    {
        return detail::count_or_error(veiltun_write_batch(h_, pkts.data(), pkts.size()), ec);
    }

    /* ---- waiting and events ---- */

    /** veiltun_wait_handle(): for the caller's own event loop; owned by the device. */
    veiltun_os_handle wait_handle() const noexcept
    {
        return veiltun_wait_handle(h_);
    }
    /** veiltun_wait(): a mask of VEILTUN_READY_* bits, or 0 when @p timeout passed (negative:
     *  forever, e.g. device::forever). Throws on VEILTUN_ECANCELED; the error_code overload
     *  gives ec == std::errc::operation_canceled then, which is how a reader thread learns
     *  to stop. */
    unsigned wait(std::chrono::milliseconds timeout)
    {
        int r = veiltun_wait(h_, timeout_ms(timeout));
        return r == VEILTUN_ETIMEDOUT
                   ? 0u
                   : static_cast<unsigned>(detail::count_or_throw(r, "veiltun_wait"));
    }
    unsigned wait(std::chrono::milliseconds timeout, std::error_code &ec) noexcept
    {
        return static_cast<unsigned>(
            detail::count_or_error(veiltun_wait(h_, timeout_ms(timeout)), ec));
    }
    /** veiltun_cancel(): any thread, async-signal-safe (the error_code overload). */
    void cancel()
    {
        detail::check(veiltun_cancel(h_), "veiltun_cancel");
    }
    void cancel(std::error_code &ec) noexcept
    {
        detail::check(veiltun_cancel(h_), ec);
    }
    /** veiltun_next_event(): the next change of state, or std::nullopt if nothing changed. */
    std::optional<veiltun_event> next_event()
    {
        veiltun_event ev{};
        int r = veiltun_next_event(h_, &ev);
        if (r == VEILTUN_EAGAIN)
            return std::nullopt;
        detail::check(r, "veiltun_next_event");
        return ev;
    }
    std::optional<veiltun_event> next_event(std::error_code &ec) noexcept
    {
        veiltun_event ev{};
        detail::check(veiltun_next_event(h_, &ev), ec);
        if (ec)
            return std::nullopt;
        return ev;
    }

  private:
    /* Milliseconds past INT_MAX (24 days) wait as long as the C call can. */
    static int timeout_ms(std::chrono::milliseconds t) noexcept
    {
        if (t.count() < 0)
            return -1;
        return t.count() > INT_MAX ? INT_MAX : static_cast<int>(t.count());
    }

    veiltun *h_ = nullptr;
};

} // namespace veil

#endif /* VEILTUN_HPP */
