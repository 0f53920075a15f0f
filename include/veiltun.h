/* SPDX-License-Identifier: MIT */
/*
 * veiltun.h — a portable layer-3 virtual interface (TUN device).
 *
 * One header, one opaque handle, one error model:
 *   - every call returns 0 (or a byte/packet count) on success and a negative VEILTUN_E* code
 *     on failure; veiltun_strerror() turns a code into a sentence;
 *   - constructors fill an out-parameter, so callers never read errno or GetLastError();
 *   - the OS error behind the most recent failure on the calling thread is kept for
 *     diagnostics (veiltun_last_os_error());
 *   - the library never prints, exits or aborts; diagnostics go to an optional logger.
 *
 * Packets are bare IPv4 or IPv6 datagrams: no packet-information header, no link header.
 *
 * Thread safety, in one place (each call repeats what applies to it):
 *   - different handles are independent;
 *   - on one handle, reads may run in one thread while writes run in another, and
 *     veiltun_wait() may be called from several threads at once;
 *   - configuration and event calls (veiltun_set_*, veiltun_add_*, veiltun_del_*,
 *     veiltun_get_*, veiltun_next_event) are serialised internally and may be called from any
 *     thread;
 *   - veiltun_cancel() may be called from any thread at any time before veiltun_close();
 *   - veiltun_close() is the last call on a handle: first veiltun_cancel() it, let every other
 *     thread that uses it return (join them), then close. (As a safety net, close also wakes
 *     threads still blocked in veiltun_wait() and waits for them and for a write in progress
 *     to leave; a thread between two calls is not covered, hence the rule.)
 *
 * Since: 0.1
 */
#ifndef VEILTUN_H
#define VEILTUN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#if defined(VEILTUN_BUILDING_SHARED)
#define VEILTUN_API __declspec(dllexport)
#elif defined(VEILTUN_USING_SHARED)
#define VEILTUN_API __declspec(dllimport)
#else
#define VEILTUN_API
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define VEILTUN_API __attribute__((visibility("default")))
#else
#define VEILTUN_API
#endif

#if defined(__GNUC__) || defined(__clang__)
#define VEILTUN_NODISCARD __attribute__((warn_unused_result))
#else
#define VEILTUN_NODISCARD
#endif

/* The version: the one place it is written (CMake and veiltun_version() read it here).
 * Before 1.0 every minor version may change the ABI (the shared library's name carries
 * MAJOR.MINOR); from 1.0 on, only a new major version does. */
#define VEILTUN_VERSION_MAJOR 0
#define VEILTUN_VERSION_MINOR 1
#define VEILTUN_VERSION_PATCH 0
/** The version as one number, 0xMMmmpp, for comparisons. */
#define VEILTUN_VERSION_HEX                                                                        \
    ((VEILTUN_VERSION_MAJOR << 16) | (VEILTUN_VERSION_MINOR << 8) | VEILTUN_VERSION_PATCH)
/** 1 if this header is version @p major.@p minor.@p patch or later: for code that uses a call
 *  added after 0.1 (`#if VEILTUN_VERSION_AT_LEAST(0, 2, 0)`). */
#define VEILTUN_VERSION_AT_LEAST(major, minor, patch)                                              \
    (VEILTUN_VERSION_HEX >= (((major) << 16) | ((minor) << 8) | (patch)))

/* ---------------------------------------------------------------------------------------------
 * Error codes
 *
 * System errors have the values of the corresponding Linux errno, negated, on every OS (on
 * Linux, VEILTUN_EXXX == -EXXX; on Windows the backend translates Win32 codes into these).
 * Errors about the caller's input have their own codes below -4000, one per kind of mistake,
 * and are always reported before anything on the system is changed. Every call returns only
 * the codes listed here: an OS error with no code of its own becomes VEILTUN_EIO, and
 * veiltun_last_os_error() then tells which it was.
 *
 * Common OS errors: any call documented with "a common OS error" can also return
 *   VEILTUN_ENOMEM / VEILTUN_ENOBUFS  the OS ran out of memory or hit one of its limits;
 *   VEILTUN_ETIMEDOUT  Linux: the kernel did not answer a netlink request within 1 s;
 *   VEILTUN_EPROTO     Linux: the kernel's answer could not be read;
 *   VEILTUN_EIO        any other OS error (veiltun_last_os_error() has the OS's code).
 * ------------------------------------------------------------------------------------------- */
#define VEILTUN_EPERM           (-1)   /* not permitted: needs CAP_NET_ADMIN (Administrator) */
#define VEILTUN_ENOENT          (-2)   /* no such address or route on the device */
#define VEILTUN_EINTR           (-4)   /* a list kept changing while read (Linux): try again */
#define VEILTUN_EIO             (-5)   /* I/O error, or an OS error with no code of its own */
#define VEILTUN_EBADF           (-9)   /* bad file descriptor (adopt, netns_fd) */
#define VEILTUN_EAGAIN          (-11)  /* nothing to read now / try again */
#define VEILTUN_ENOMEM          (-12)  /* out of memory */
#define VEILTUN_EACCES          (-13)  /* denied by file mode, owner or policy (not a capability) */
#define VEILTUN_EBUSY           (-16)  /* device is in use (by another process or handle) */
#define VEILTUN_EEXIST          (-17)  /* device, address or route already exists */
#define VEILTUN_ENODEV          (-19)  /* no such device, removed, or moved out of reach */
#define VEILTUN_EINVAL          (-22)  /* invalid argument (NULL pointer, zero size, bad state) */
#define VEILTUN_EMFILE          (-24)  /* too many open files */
#define VEILTUN_ENAMETOOLONG    (-36)  /* device name longer than the OS allows */
#define VEILTUN_EPROTO          (-71)  /* unexpected reply from the OS (netlink) */
#define VEILTUN_EMSGSIZE        (-90)  /* packet larger than the buffer or the MTU */
#define VEILTUN_ENOTSUP         (-95)  /* not supported on this OS or kernel */
#define VEILTUN_EAFNOSUPPORT    (-97)  /* address family not available (IPv6 disabled) */
#define VEILTUN_EADDRNOTAVAIL   (-99)  /* address not available */
#define VEILTUN_ENETDOWN        (-100) /* the device is down (Linux: adding a route) */
#define VEILTUN_ENETUNREACH     (-101) /* gateway not reachable through the device */
#define VEILTUN_ENOBUFS         (-105) /* no buffer space in the OS, or an OS limit reached */
#define VEILTUN_ETIMEDOUT       (-110) /* veiltun_wait() timed out */
#define VEILTUN_ECANCELED       (-125) /* veiltun_wait() cancelled (veiltun_cancel/close) */
#define VEILTUN_ENOTRECOVERABLE (-131) /* the packet path failed for good: close, re-open */

#define VEILTUN_EBADNAME   (-4001) /* name empty, "." or "..", or has '/', ':', spaces... */
#define VEILTUN_EBADADDR   (-4002) /* address not IPv4/IPv6 text, or bad CIDR syntax */
#define VEILTUN_EBADPREFIX (-4003) /* prefix length > 32 (IPv4) or > 128 (IPv6) */
#define VEILTUN_EHOSTBITS  (-4004) /* route destination has bits set past its prefix */
#define VEILTUN_EBADMTU    (-4005) /* MTU outside [VEILTUN_MTU_MIN, VEILTUN_MTU_MAX] */
#define VEILTUN_EBADFLAGS  (-4006) /* unknown or contradictory flags */
#define VEILTUN_ENOTTUN    (-4007) /* not a compatible TUN device (name or fd) */
#define VEILTUN_EBADPACKET (-4008) /* not an IPv4/IPv6 packet (version or header length) */
#define VEILTUN_EFAMILY    (-4009) /* gateway family differs from the destination's */
#define VEILTUN_ENOLIB     (-4010) /* wintun.dll or a function it or iphlpapi needs is missing */

/**
 * Describe an error code.
 *
 * @param err  a VEILTUN_E* code (negative); 0 gives "success".
 * @return a static, NUL-terminated English sentence; never NULL. VEILTUN_EPERM's text says
 *         that CAP_NET_ADMIN (Linux) or Administrator (Windows) is needed. A value that is
 *         no VEILTUN_E* code still gets a sentence with its number and, for a negative one,
 *         the C library's text for that errno, e.g. "unknown error -123 (OS: No medium
 *         found)"; that string lives in a per-thread buffer, valid until the same thread
 *         describes another unknown value.
 * Thread safety: safe from any thread.
 * Since: 0.1
 */
VEILTUN_API const char *veiltun_strerror(int err);

/**
 * The OS error code (errno on Linux, a Win32 code on Windows) behind the most recent failed
 * veiltun call on the calling thread, or 0 if that failure was about the caller's input, or
 * otherwise made no OS call fail. Every failing call sets it; successful calls do not reset
 * it.
 *
 * Thread safety: per thread. Since: 0.1
 */
VEILTUN_API int veiltun_last_os_error(void);

/** The library's version as "MAJOR.MINOR.PATCH": that of the library running, which may be
 *  newer than the header a program was built with. Static string. Since: 0.1 */
VEILTUN_API const char *veiltun_version(void);

/* ---------------------------------------------------------------------------------------------
 * Logging
 * ------------------------------------------------------------------------------------------- */
typedef enum veiltun_log_level {
    VEILTUN_LOG_ERROR = 0,
    VEILTUN_LOG_WARN = 1,
    VEILTUN_LOG_INFO = 2,
    VEILTUN_LOG_DEBUG = 3
} veiltun_log_level;

/** Receives one diagnostic line (no trailing newline); @p msg is valid only during the call. */
typedef void (*veiltun_log_fn)(veiltun_log_level level, const char *msg, void *userdata);

/**
 * Install a process-wide logger, or remove it with @p fn = NULL (the default: silence).
 * Every failure is also returned as an error code; the log only adds detail (which system call
 * failed, which character of a name was rejected).
 *
 * The callback may be invoked from any thread that calls into the library, and must not call
 * back into veiltun. Setting the logger while other threads log is safe: each call gets a
 * callback with its own userdata, never one with the other's; and when this returns, no call
 * to the previous callback is running or will start, so its userdata may be freed.
 * Since: 0.1
 */
VEILTUN_API void veiltun_set_logger(veiltun_log_fn fn, void *userdata);

/* ---------------------------------------------------------------------------------------------
 * Opening a device
 * ------------------------------------------------------------------------------------------- */

/** The device handle. Opaque; released with veiltun_close(). */
typedef struct veiltun veiltun;

/** The OS object a caller can wait on: an fd on Linux, an event HANDLE on Windows. */
#if defined(_WIN32)
typedef void *veiltun_os_handle;
#else
typedef int veiltun_os_handle;
#endif

#define VEILTUN_NAME_MAX 15 /* longest name in bytes, not counting the NUL (Linux IFNAMSIZ-1) */
#define VEILTUN_MTU_MIN  68
#define VEILTUN_MTU_MAX  65535

/** How veiltun_open() treats a device that may already exist. */
typedef enum veiltun_open_mode {
    /** Create the device, or attach to an existing TUN device of that name. */
    VEILTUN_OPEN_CREATE_OR_ATTACH = 0,
    /** Create the device; fail with VEILTUN_EEXIST if the name exists. */
    VEILTUN_OPEN_CREATE = 1,
    /** Attach to an existing (usually persistent) device; fail with VEILTUN_ENODEV if absent. */
    VEILTUN_OPEN_ATTACH = 2
} veiltun_open_mode;

/* Windows ring capacity: a power of two in this range (bytes). */
#define VEILTUN_RING_MIN     0x20000u   /* 128 KiB */
#define VEILTUN_RING_MAX     0x4000000u /* 64 MiB */
#define VEILTUN_RING_DEFAULT 0x800000u  /* 8 MiB: about 7 ms at 10 Gbit/s */

/** Flags for veiltun_config.flags. */
#define VEILTUN_F_PERSIST 0x1u /* the device outlives the handle (until set_persist(0)) */
/** Linux: let the kernel hand over TCP/UDP super-packets (TSO, USO where the kernel has it)
 *  and unfinished checksums, through a virtio-net header. Reads still return ordinary
 *  packets: the library cuts super-packets into segments and finishes checksums, so one
 *  read from the kernel serves up to 64 KiB of traffic. Windows: VEILTUN_ENOTSUP. */
#define VEILTUN_F_OFFLOAD 0x2u
/** Linux: a multiqueue device. Each handle opened on it with this flag is one more queue
 *  (its own descriptor, wait handle and counters), so N threads can each read and write their
 *  own queue; the kernel spreads flows over the queues. The first handle creates the device
 *  (unless it exists), later ones attach. Every handle on the device must use the flag, and
 *  the same offload setting. Windows: VEILTUN_ENOTSUP. */
#define VEILTUN_F_MULTI_QUEUE 0x4u
/** Windows: let the library double the Wintun ring (up to VEILTUN_RING_MAX) when full-ring
 *  and full-queue events show it is too small. Off by default because every growth ends the
 *  session and starts a new one: Windows sees the adapter's media disconnect and reconnect
 *  (a link flap for the whole network stack) and the packets in the old ring are lost.
 *  Accepted and ignored on Linux. */
#define VEILTUN_F_RING_GROW 0x8u

/** Open options. Initialise with veiltun_config_init(), then set what you need. Fields are
 *  only ever added at the end: a program built against an older header keeps working with
 *  a newer library, which gives the fields it does not know their defaults. */
typedef struct veiltun_config {
    /** The size of the structure the caller was compiled with: set by veiltun_config_init().
     *  A config not made by it (size 0, e.g. zero-filled) is refused with VEILTUN_EINVAL. */
    size_t size;
    /** Device name, or a template with one "%d" that the OS replaces with the lowest free
     *  number ("veil%d"). NULL means "veil%d". At most VEILTUN_NAME_MAX bytes, valid UTF-8,
     *  no '/', ':', whitespace or control characters. */
    const char *name;
    veiltun_open_mode mode;
    /** VEILTUN_F_* bits; any other bit gives VEILTUN_EBADFLAGS. */
    uint32_t flags;
    /** Let this user id / group id use the device without privileges; -1 leaves it unset. */
    int64_t owner;
    int64_t group;
    /* Windows only; checked everywhere, ignored elsewhere. */
    /** Wintun ring size in bytes, a power of two from VEILTUN_RING_MIN to VEILTUN_RING_MAX;
     *  0 means VEILTUN_RING_DEFAULT. Kept as it is unless VEILTUN_F_RING_GROW is set. */
    uint32_t ring_capacity;
    /** Wintun tunnel type (shown by Windows as the adapter's description); NULL = "veiltun". */
    const char *tunnel_type;
    /** 16-byte adapter GUID; NULL derives a stable one from the name, so Windows keeps one
     *  network profile for the device across runs. */
    const uint8_t *guid;
    /** How long veiltun_open() waits for Windows to bring up the adapter's IPv4 interface
     *  (which appears some time after the adapter itself), in milliseconds; 0 means 15000.
     *  IPv6 gets up to 2 more seconds after IPv4; if it is later than that, IPv6 settings
     *  are kept and applied when it appears. Longer than 600000 is VEILTUN_EINVAL. */
    uint32_t setup_timeout_ms;
    /** Linux: the network namespace to open the device in, as an fd of it (what `ip netns`
     *  keeps in /run/netns/NAME, or /proc/PID/ns/net); -1 (the default, set by
     *  veiltun_config_init) means the calling thread's. See veiltun_open(). Any other value
     *  gives VEILTUN_ENOTSUP on Windows; below -1 is VEILTUN_EBADF. */
    int netns_fd;
} veiltun_config;

/**
 * Fill @p cfg with defaults: size, name NULL ("veil%d"), mode VEILTUN_OPEN_CREATE_OR_ATTACH,
 * no flags, owner and group -1, netns_fd -1. Does nothing if @p cfg is NULL.
 * A macro, so that the size of the structure the caller was compiled with reaches the library;
 * veiltun_config_init_size() is the function behind it (for bindings from other languages:
 * pass the size of the structure you allocated).
 * Since: 0.1
 */
#define veiltun_config_init(cfg) veiltun_config_init_size((cfg), sizeof(veiltun_config))
VEILTUN_API void veiltun_config_init_size(veiltun_config *cfg, size_t size);

/**
 * Create or attach to a TUN device and return a handle to it.
 *
 * The handle's I/O is non-blocking and its descriptors are close-on-exec. The device starts
 * administratively down unless it already existed and was up.
 *
 * @param cfg  options (see veiltun_config); must not be NULL.
 * @param out  receives the handle on success; set to NULL on failure. Must not be NULL.
 * @return 0, or:
 *   VEILTUN_EINVAL        cfg or out is NULL, cfg was not made by veiltun_config_init()
 *                         (cfg->size 0 or too small), mode is not a veiltun_open_mode, or
 *                         cfg->netns_fd is not a network namespace;
 *   VEILTUN_ENOTSUP       cfg comes from a newer header and sets a field this library does
 *                         not have (cfg->size larger than the library's, with non-zero bytes
 *                         past it);
 *   VEILTUN_EBADF         cfg->netns_fd is below -1 or not an open descriptor;
 *   VEILTUN_EBADNAME / VEILTUN_ENAMETOOLONG  the name (see veiltun_validate_name());
 *   VEILTUN_EBADFLAGS     unknown bits in cfg->flags; a template name with VEILTUN_OPEN_ATTACH;
 *   VEILTUN_EPERM         the caller lacks CAP_NET_ADMIN (Linux) / Administrator (Windows),
 *                         or CAP_SYS_ADMIN for cfg->netns_fd (see below), or (Linux)
 *                         the device belongs to another owner or group;
 *   VEILTUN_EACCES        Linux: /dev/net/tun's file mode or a security policy refuses;
 *   VEILTUN_EEXIST        VEILTUN_OPEN_CREATE and the name exists;
 *   VEILTUN_ENODEV        VEILTUN_OPEN_ATTACH and no device has that name, or the OS has no
 *                         TUN driver;
 *   VEILTUN_ENOTTUN       the name belongs to a non-TUN device, or to a TUN device opened
 *                         with incompatible options (e.g. a TAP or a multiqueue device);
 *   VEILTUN_EBUSY         the TUN device exists and another process (Windows: also another
 *                         handle of this process) has it open;
 *   VEILTUN_ETIMEDOUT     Windows: the adapter's IPv4 interface did not appear within
 *                         cfg->setup_timeout_ms, or an existing adapter stayed disabled;
 *   VEILTUN_ENOTSUP       Windows: cfg->netns_fd is not -1;
 *   VEILTUN_EMFILE        too many open files (the process's or the system's limit);
 *   or a common OS error (see Error codes).
 * On failure nothing is left behind: a device this call created is removed again.
 *
 * Network namespaces (Linux). A handle belongs to one network namespace for its whole life,
 * the one it was opened in: with cfg->netns_fd = -1 the calling thread's; with an fd of
 * another namespace, that one. There the device is created, or found by name to attach to
 * (modes and errors as above, judged by what that namespace holds), and there every later
 * call on the handle acts (addresses, routes, MTU, up/down, events), whichever thread makes
 * it. The calling thread enters the namespace (setns) only while the tun file and the netlink
 * sockets are made, since the kernel ties each to the namespace it is made in, and is back
 * in its own before veiltun_open() returns, on success and on every failure. The logger may
 * be called while it is inside. cfg->netns_fd is only used during the call: it is neither
 * kept, duplicated nor closed. Privileges: CAP_SYS_ADMIN over the user namespace owning the
 * target namespace and over the one owning the thread's own (checked before the thread
 * moves, so it is never left behind), and CAP_NET_ADMIN over the target for the device
 * itself. An fd of the thread's own namespace is the same as -1 and needs no CAP_SYS_ADMIN.
 *
 * Ownership: release the handle with veiltun_close(). Closing removes a device this handle
 * created unless it is persistent; it never removes a device it attached to.
 * Thread safety: safe from any thread. Since: 0.1
 */
VEILTUN_API VEILTUN_NODISCARD int veiltun_open(const veiltun_config *cfg, veiltun **out);

/**
 * Take over an open TUN file descriptor handed over by another process or by the OS (Android
 * VpnService, systemd), e.g. through SCM_RIGHTS. The fd is switched to non-blocking and
 * close-on-exec; the name and index are read from the kernel. The fd must have been attached
 * with IFF_TUN|IFF_NO_PI (no packet-information header).
 *
 * The device is looked for in its own network namespace, which may not be the caller's (an
 * fd from a process in another container): the kernel names it (Linux 5.2+), and the
 * handle's netlink sockets are made there as for veiltun_config.netns_fd (see
 * veiltun_open(): the calling thread is back in its namespace when this returns, and
 * CAP_SYS_ADMIN is needed when the namespace is not the caller's). Configuration through the
 * handle then acts on the fd's device, never on a link of the same name in the caller's
 * namespace. The kernel tells only a caller with CAP_NET_ADMIN over the device's namespace:
 * one that has it over its own namespace but not over the device's gets VEILTUN_EPERM (the
 * device cannot be in its namespace, and could not be configured). Where the kernel cannot
 * say (before Linux 5.2, a security module refusing the question, or a caller without
 * CAP_NET_ADMIN anywhere, which can then only read and write packets) the caller's namespace
 * is assumed, with a line in the log.
 *
 * An fd opened with IFF_VNET_HDR as well is adopted with offload on, as VEILTUN_F_OFFLOAD
 * gives (reads and writes carry ordinary packets; see veiltun_set_offload()). Without it, an
 * offload mask an earlier user left on the device is cleared, as veiltun_open() does.
 *
 * @param fd   the descriptor; on success the handle owns it and veiltun_close() closes it. On
 *             failure the caller still owns it, with its descriptor flags as they were.
 * @param out  receives the handle; NULL on failure.
 * @return 0, or VEILTUN_EINVAL (out NULL or fd < 0), VEILTUN_EBADF (fd not open),
 *         VEILTUN_ENOTTUN (not a TUN fd, not attached to a device, a TAP, it carries a
 *         packet-information header, or the kernel cannot say whether it does: before Linux
 *         4.15 without /sys), VEILTUN_ENODEV (the device is gone, or is not in the namespace
 *         assumed), VEILTUN_EPERM (CAP_SYS_ADMIN needed to reach the device's namespace, or
 *         CAP_NET_ADMIN over it, see above),
 *         VEILTUN_EAGAIN (the device was renamed during the call), VEILTUN_ENOTSUP
 *         (Windows), VEILTUN_EMFILE, or a common OS error (see Error codes).
 * The device is never removed by veiltun_close() of an adopted handle, other than by the kernel
 * when this was the last descriptor of a non-persistent device.
 * Since: 0.1
 */
VEILTUN_API VEILTUN_NODISCARD int veiltun_adopt(veiltun_os_handle fd, veiltun **out);

/**
 * Release the handle: close every descriptor and free it. A non-persistent device that this
 * handle created is removed by the OS as its last descriptor closes. NULL is accepted and
 * ignored.
 *
 * Call it last: veiltun_cancel() the handle, join every thread that uses it, then close. No
 * call on @p dev may start during or after this one. As a safety net, close wakes threads
 * still blocked in veiltun_wait() (they return VEILTUN_ECANCELED) and waits until they and any
 * write in progress have left (a write waiting for ring space gives up at once,
 * VEILTUN_ENOBUFS); a thread that is between two calls, e.g. a loop that has just returned
 * from a read and is about to wait again, would touch freed memory — hence the rule.
 * Since: 0.1
 */
VEILTUN_API void veiltun_close(veiltun *dev);

/* ---------------------------------------------------------------------------------------------
 * Reading back identity and state
 * ------------------------------------------------------------------------------------------- */

/** The device's current name, as of the last VEILTUN_EVENT_RENAMED fetched (or seen by a
 *  configuration call on this handle). The string is a copy owned by the calling thread, valid
 *  until that thread's next veiltun_get_name(); never NULL for a valid handle. Safe from any
 *  thread. Since: 0.1 */
VEILTUN_API const char *veiltun_get_name(const veiltun *dev);

/** The OS interface index (> 0), or VEILTUN_EINVAL if @p dev is NULL. Since: 0.1 */
VEILTUN_API int veiltun_get_index(const veiltun *dev);

/** 1 if this handle created the device, 0 if it attached or adopted, or VEILTUN_EINVAL if
 *  @p dev is NULL. Since: 0.1 */
VEILTUN_API int veiltun_created(const veiltun *dev);

/**
 * The device's MTU, read from the OS now (not a cached value).
 * @return the MTU (> 0), or VEILTUN_EINVAL, VEILTUN_ENODEV (device removed), a common OS
 *         error (see Error codes).
 * Since: 0.1
 */
VEILTUN_API int veiltun_get_mtu(veiltun *dev);

/**
 * Set the MTU (acknowledged by the OS before this returns).
 * @return 0, or VEILTUN_EINVAL (dev NULL), VEILTUN_EBADMTU (outside
 *         [VEILTUN_MTU_MIN, VEILTUN_MTU_MAX]; on Windows also below 1280 while the adapter
 *         has or expects IPv6, with nothing changed), VEILTUN_EPERM, VEILTUN_ENODEV, a common
 *         OS error (see Error codes).
 * Note: Linux removes IPv6 from an interface whose MTU drops below 1280. Windows keeps an MTU
 * per family: both are set (IPv6 as soon as its interface appears), and below 1280 IPv6 would
 * keep its old MTU, so the call is refused unless IPv6 is disabled on the machine.
 * Since: 0.1
 */
VEILTUN_API int veiltun_set_mtu(veiltun *dev, unsigned mtu);

/**
 * Bring the device administratively up (@p up != 0) or down.
 * @return 0, or VEILTUN_EINVAL, VEILTUN_EPERM, VEILTUN_ENODEV, a common OS error (see Error
 *         codes). Since: 0.1
 */
VEILTUN_API int veiltun_set_up(veiltun *dev, int up);

/** 1 if the device is administratively up, 0 if down (read from the OS now), or
 *  VEILTUN_EINVAL, VEILTUN_ENODEV, a common OS error (see Error codes). Since: 0.1 */
VEILTUN_API int veiltun_is_up(veiltun *dev);

/**
 * Set the interface metric (Windows: route preference for the adapter, both families).
 * @return 0, or VEILTUN_EINVAL, VEILTUN_EPERM, VEILTUN_ENOTSUP (Linux, where metrics belong
 *         to routes: see veiltun_add_route()). Since: 0.1
 */
VEILTUN_API int veiltun_set_metric(veiltun *dev, uint32_t metric);

/** Offload features for veiltun_set_offload(). */
#define VEILTUN_OFFLOAD_TSO     0x1u /* TCP segmentation offload, IPv4 and IPv6 */
#define VEILTUN_OFFLOAD_USO     0x2u /* UDP segmentation offload (Linux 6.2 and later) */
#define VEILTUN_OFFLOAD_TCP_GRO 0x4u /* batch writes merge consecutive TCP segments of a flow */
#define VEILTUN_OFFLOAD_UDP_GRO 0x8u /* ... and UDP datagrams of a flow (kernels with USO) */
#define VEILTUN_OFFLOAD_GRO     (VEILTUN_OFFLOAD_TCP_GRO | VEILTUN_OFFLOAD_UDP_GRO)

/**
 * Turn offload features on or off at run time on a handle opened with VEILTUN_F_OFFLOAD
 * (kernel bugs in these paths exist; this is the switch). @p features is a mask of
 * VEILTUN_OFFLOAD_*; without TSO/USO the kernel sends plain packets (checksum offload
 * stays), without TCP_GRO/UDP_GRO veiltun_write_batch() writes that protocol's packets one
 * by one. Packets already queued in the kernel keep the form they had. VEILTUN_F_OFFLOAD
 * turns on everything the kernel supports (USO and UDP_GRO need Linux 6.2).
 * @return 0, VEILTUN_EINVAL (NULL, unknown bits), VEILTUN_ENOTSUP (no VEILTUN_F_OFFLOAD on
 *         this handle, USO or UDP_GRO asked of a kernel without USO, or Windows),
 *         VEILTUN_ENODEV, a common OS error (see Error codes).
 * Since: 0.1
 */
VEILTUN_API int veiltun_set_offload(veiltun *dev, uint32_t features);

/** The offload features in force on the handle (a VEILTUN_OFFLOAD_* mask), or
 *  VEILTUN_EINVAL. Since: 0.1 */
VEILTUN_API int veiltun_get_offload(const veiltun *dev);

/**
 * Make the device persistent (it outlives every handle) or not. A device made non-persistent
 * is removed when its last descriptor closes, so set_persist(dev, 0) followed by
 * veiltun_close() deletes a persistent device.
 * @return 0, or VEILTUN_EINVAL, VEILTUN_EPERM, VEILTUN_ENODEV, VEILTUN_ENOTSUP (Windows), a
 *         common OS error (see Error codes).
 * Since: 0.1
 */
VEILTUN_API int veiltun_set_persist(veiltun *dev, int persist);

/* ---------------------------------------------------------------------------------------------
 * Looking at devices without opening them
 *
 * A non-multiqueue TUN device can be attached by one process at a time, so tools that only
 * look (status displays, `veiltun show`) use these calls, which never attach.
 * ------------------------------------------------------------------------------------------- */

/** Counters kept by the OS for the interface, from the OS's side: "rx" counts packets that
 *  programs wrote into the device (the OS received them), "tx" packets the OS sent to the
 *  program reading the device. */
typedef struct veiltun_os_counters {
    uint64_t rx_packets, rx_bytes, rx_errors, rx_dropped;
    uint64_t tx_packets, tx_bytes, tx_errors, tx_dropped;
} veiltun_os_counters;

/** A TUN device as the OS reports it. */
typedef struct veiltun_info {
    char name[VEILTUN_NAME_MAX + 1];
    int index;       /* interface index */
    unsigned mtu;    /* the IP MTU (Windows: IPv4's, or IPv6's where there is no IPv4) */
    unsigned mtu6;   /* IPv6's MTU where the OS keeps one per family (Windows), else = mtu;
                        0 when the device has no IPv6 */
    int up;          /* administratively up */
    int running;     /* a program has the device open (the OS reports carrier) */
    int persist;     /* outlives its programs; -1 if the OS does not say */
    int multi_queue; /* created with multiple queues; -1 if the OS does not say */
    int64_t owner;   /* user allowed to attach without privileges, or -1 */
    int64_t group;   /* group allowed to attach without privileges, or -1 */
    veiltun_os_counters counters;
} veiltun_info;

/**
 * Describe the TUN device called @p name in the caller's network namespace.
 * A macro: veiltun_query_size() receives the size of the veiltun_info the caller was compiled
 * with, and fills only that much (fields are only ever added at the end).
 * @return 0, or VEILTUN_EINVAL (NULL), VEILTUN_EBADNAME / VEILTUN_ENAMETOOLONG,
 *         VEILTUN_ENODEV (no device of that name), VEILTUN_ENOTTUN (the name belongs to a
 *         device that is not a TUN, e.g. a TAP or an Ethernet interface), a common OS error
 *         (see Error codes).
 * Needs no privileges. Thread safety: any thread. Since: 0.1
 */
#define veiltun_query(name, out) veiltun_query_size((name), (out), sizeof(veiltun_info))
VEILTUN_API int veiltun_query_size(const char *name, veiltun_info *out, size_t size);

/**
 * List the TUN devices in the caller's network namespace, in interface-index order.
 * A macro over veiltun_list_size(), which takes the caller's sizeof(veiltun_info) as the
 * array's stride (see veiltun_query()).
 * @param out  array of @p max entries (may be NULL when @p max is 0, to count).
 * @return the number of TUN devices (may exceed @p max; only the first @p max are stored),
 *         or VEILTUN_EINVAL, VEILTUN_EINTR (Linux: the kernel's list of devices kept changing
 *         while it was read, 8 times in a row; try again), a common OS error (see Error
 *         codes). Needs no privileges. Since: 0.1
 */
#define veiltun_list(out, max) veiltun_list_size((out), (max), sizeof(veiltun_info))
VEILTUN_API int veiltun_list_size(veiltun_info *out, size_t max, size_t size);

/* ---------------------------------------------------------------------------------------------
 * Addresses and routes
 * ------------------------------------------------------------------------------------------- */

#define VEILTUN_AF_INET  4
#define VEILTUN_AF_INET6 6

/** An address with a prefix length, as parsed from "192.0.2.1/24" or "2001:db8::1/64". */
typedef struct veiltun_prefix {
    int family;          /* VEILTUN_AF_INET or VEILTUN_AF_INET6 */
    uint8_t addr[16];    /* network byte order; IPv4 uses the first 4 bytes, the rest zero */
    unsigned prefix_len; /* 0..32 or 0..128 */
} veiltun_prefix;

/** Longest text veiltun_format_prefix() writes, with the NUL. */
#define VEILTUN_PREFIX_STRLEN 50

/**
 * Parse an address with an optional "/prefix" (without it, /32 or /128).
 * Accepts dotted-quad IPv4 (no leading zeros) and RFC 4291 IPv6 text; no spaces, no zone.
 * Host bits past the prefix are allowed (an interface address).
 * @return 0, or VEILTUN_EINVAL (NULL argument), VEILTUN_EBADADDR, VEILTUN_EBADPREFIX.
 * Thread safety: pure function. Since: 0.1
 */
VEILTUN_API int veiltun_parse_prefix(const char *text, veiltun_prefix *out);

/**
 * Like veiltun_parse_prefix(), for a network (a route destination): additionally fails with
 * VEILTUN_EHOSTBITS if any bit past the prefix is set ("10.0.0.1/24").
 * Since: 0.1
 */
VEILTUN_API int veiltun_parse_network(const char *text, veiltun_prefix *out);

/**
 * Write @p p as "addr/len" into @p buf (at least VEILTUN_PREFIX_STRLEN bytes for any input).
 * @return the string length, or VEILTUN_EINVAL (NULL, unknown family, prefix out of range),
 *         VEILTUN_ENOBUFS (@p size too small). Since: 0.1
 */
VEILTUN_API int veiltun_format_prefix(const veiltun_prefix *p, char *buf, size_t size);

/**
 * Check a device name or template without touching the system.
 * @return 0, VEILTUN_EINVAL (NULL), VEILTUN_ENAMETOOLONG, or VEILTUN_EBADNAME.
 * Since: 0.1
 */
VEILTUN_API int veiltun_validate_name(const char *name);

/**
 * Add an address with prefix ("10.0.0.1/24", "fd00::1/64"); a device may hold several of
 * each family. IPv6 addresses skip duplicate address detection so they are usable at once.
 * The OS adds the on-link route for the prefix.
 * @return 0, or VEILTUN_EINVAL (NULL), VEILTUN_EBADADDR, VEILTUN_EBADPREFIX,
 *         VEILTUN_EEXIST (already on the device), VEILTUN_EPERM, VEILTUN_ENODEV (the device
 *         was removed), VEILTUN_EAFNOSUPPORT (IPv6 is disabled: Linux, on the device or the
 *         machine, e.g. sysctl net.ipv6.conf.NAME.disable_ipv6=1; Windows, on the machine),
 *         VEILTUN_ENOBUFS (Linux: also the device's IPv6 address limit), VEILTUN_EACCES
 *         (Linux: a security policy refused), a common OS error (see Error codes).
 * Windows: an address of a family whose IP interface has not appeared yet (IPv6 can come
 * seconds after the adapter) is kept and added when it appears; the call returns 0.
 * Since: 0.1
 */
VEILTUN_API int veiltun_add_address(veiltun *dev, const char *cidr);

/**
 * Remove an address (same text as when it was added).
 * @return 0, or as veiltun_add_address() with VEILTUN_EADDRNOTAVAIL when the device does not
 *         hold that address (VEILTUN_ENODEV when the device itself was removed). Since: 0.1
 */
VEILTUN_API int veiltun_del_address(veiltun *dev, const char *cidr);

/**
 * List the device's addresses, read from the OS now (both families, including any link-local
 * address the OS added).
 * @param out  array of @p max entries (may be NULL when @p max is 0, to count).
 * @return the number of addresses the device has (which may exceed @p max: only the first
 *         @p max are stored), or VEILTUN_EINVAL, VEILTUN_ENODEV (the device was removed),
 *         VEILTUN_EINTR (Linux: other programs kept changing addresses while the list was
 *         read, 8 times in a row; try again), a common OS error (see Error codes).
 *         Since: 0.1
 */
VEILTUN_API int veiltun_get_addresses(veiltun *dev, veiltun_prefix *out, size_t max);

/**
 * Like veiltun_get_addresses(), for the device called @p name, without opening it.
 * @return the number of addresses, or VEILTUN_EINVAL, VEILTUN_EBADNAME,
 *         VEILTUN_ENAMETOOLONG, VEILTUN_ENODEV, VEILTUN_ENOTTUN, VEILTUN_EINTR, a common OS
 *         error (see Error codes). Needs no privileges.
 * Since: 0.1
 */
VEILTUN_API int veiltun_query_addresses(const char *name, veiltun_prefix *out, size_t max);

/**
 * Route @p dest (a network, "192.0.2.0/24", "::/0") into the device, optionally through
 * @p gateway (NULL for none; same family as @p dest) with @p metric (0 for the OS default).
 * @return 0, or VEILTUN_EINVAL, VEILTUN_EBADADDR, VEILTUN_EBADPREFIX, VEILTUN_EHOSTBITS,
 *         VEILTUN_EFAMILY, VEILTUN_EEXIST (same route already present), VEILTUN_ENETUNREACH
 *         (gateway not on-link: add an address covering it first, and bring the device up),
 *         VEILTUN_ENETDOWN (Linux: the device is down: bring it up first), VEILTUN_EPERM,
 *         VEILTUN_ENODEV (the device was removed), VEILTUN_EAFNOSUPPORT (IPv6 disabled, as
 *         for veiltun_add_address()), VEILTUN_EACCES (Linux: a security policy refused), a
 *         common OS error (see Error codes). Windows keeps a route of a family not there
 *         yet, as for addresses.
 *         Since: 0.1
 */
VEILTUN_API int veiltun_add_route(veiltun *dev, const char *dest, const char *gateway,
                                  uint32_t metric);

/**
 * Remove a route added with the same @p dest, @p gateway and @p metric.
 * @return 0, or as veiltun_add_route() with VEILTUN_ENOENT when there is no such route.
 * Since: 0.1
 */
VEILTUN_API int veiltun_del_route(veiltun *dev, const char *dest, const char *gateway,
                                  uint32_t metric);

/* ---------------------------------------------------------------------------------------------
 * Packets
 *
 * All I/O is non-blocking. To block, wait on veiltun_wait_handle() in your own loop or call
 * veiltun_wait(). One read returns exactly one IP packet. Without VEILTUN_F_OFFLOAD packets
 * pass as they are; with it, the kernel's super-packets reach the caller as the ordinary
 * segments they stand for, and veiltun_write_batch() may merge a flow's segments on their
 * way in — the kernel sees the same TCP stream either way.
 * ------------------------------------------------------------------------------------------- */

/**
 * Read one packet into @p buf.
 * @return the packet length in bytes (> 0), or:
 *   VEILTUN_EAGAIN    nothing to read now;
 *   VEILTUN_EMSGSIZE  the packet was longer than @p size; it is dropped (counted in
 *                     rx_dropped) — use a buffer of at least the MTU;
 *   VEILTUN_EINVAL    dev or buf NULL, or size 0;
 *   VEILTUN_ENODEV    the device was removed (re-open to continue). While the OS is still
 *                     removing it (milliseconds), a read after veiltun_wait() already says
 *                     so; a caller polling the wait handle itself may meanwhile see it
 *                     readable with VEILTUN_EAGAIN reads;
 *   VEILTUN_ENOTRECOVERABLE  Windows: the ring is corrupt or its session was lost (after
 *                     the packets already queued; VEILTUN_EVENT_BROKEN is delivered);
 *   a common OS error.
 * Thread safety: one reading thread per handle (reads and writes may run concurrently).
 * Since: 0.1
 */
VEILTUN_API int veiltun_read(veiltun *dev, void *buf, size_t size);

/**
 * Write one IPv4 or IPv6 packet.
 * @return @p len, or:
 *   VEILTUN_EINVAL     dev or buf NULL, or len 0;
 *   VEILTUN_EBADPACKET the first byte's version is not 4 or 6, or @p len is shorter than that
 *                      version's fixed header (nothing is written; counted in tx_dropped);
 *   VEILTUN_EMSGSIZE   @p len exceeds the device MTU as this handle knows it (nothing
 *                      written; counted in tx_dropped). The handle learns the MTU at open, from
 *                      veiltun_set_mtu()/veiltun_get_mtu(), and from the OS's notifications
 *                      as it processes them: in veiltun_next_event(), any configuration call,
 *                      and a write longer than the known MTU (which processes them before
 *                      refusing). So a raised MTU is never refused, and a lowered one is
 *                      enforced once its notification is processed; until then the packet
 *                      goes to the OS, which (Linux) does not check the MTU of written
 *                      packets either;
 *   VEILTUN_EAGAIN     the OS queue is full;
 *   VEILTUN_EIO        Linux: the device is down (so also for a moment while it is being
 *                      removed, before VEILTUN_ENODEV);
 *   VEILTUN_ENOBUFS    Windows: the Wintun ring stayed full for the send backoff (about
 *                      2 ms); the packet is dropped (counted in tx_dropped and ring_full);
 *   VEILTUN_ENODEV     the device was removed;
 *   VEILTUN_ENOTRECOVERABLE  Windows: the driver declared the send ring corrupt, or the
 *                      session could not be restarted (VEILTUN_EVENT_BROKEN is delivered);
 *   a common OS error (counted in tx_errors).
 * Thread safety: one writing thread per handle. Since: 0.1
 */
VEILTUN_API int veiltun_write(veiltun *dev, const void *buf, size_t len);

/** What veiltun_read_gso() handed over. */
typedef struct veiltun_gso_info {
    uint32_t type;    /* VEILTUN_GSO_NONE (one plain packet), VEILTUN_GSO_TCP, VEILTUN_GSO_UDP */
    uint32_t segment; /* payload bytes per segment (the last may be shorter); 0 for NONE */
    uint32_t headers; /* bytes of IP + transport headers, which every segment repeats */
    uint32_t count;   /* packets the buffer stands for: 1 for NONE */
} veiltun_gso_info;

#define VEILTUN_GSO_NONE 0u
#define VEILTUN_GSO_TCP  1u /* a TCP segment to be cut every `segment` bytes (IPv4 or IPv6) */
#define VEILTUN_GSO_UDP  2u /* `count` UDP datagrams of `segment` bytes, one header (USO) */

/**
 * Read one packet as veiltun_read() does, except that a super-packet (VEILTUN_F_OFFLOAD)
 * that fits in @p size is handed over whole instead of cut: for a program that can use it
 * as it is (a user-space TCP stack, a forwarder that re-segments). Its IP and transport
 * checksums are filled in for the packet as handed over, and @p info says how to cut it:
 * TCP segments of info->segment payload bytes (sequence numbers advance, FIN and PSH belong
 * to the last), or for UDP info->count datagrams, each with its own copy of the headers.
 * A super-packet larger than @p size is cut as by veiltun_read() (info->type NONE), so a
 * caller whose buffers hold one MTU loses nothing. Without offload, and on Windows, every
 * packet comes with type NONE. Counts one packet in rx_packets, and in gso_whole.
 * @return as veiltun_read(), with @p info filled when the result is positive;
 *         VEILTUN_EINVAL also for a NULL @p info.
 * Thread safety: as veiltun_read() (do not mix the two calls across threads). Since: 0.1
 */
VEILTUN_API int veiltun_read_gso(veiltun *dev, void *buf, size_t size, veiltun_gso_info *info);

/**
 * Write a super-packet (as veiltun_read_gso() hands them over, or one the caller built): a
 * TCP segment or UDP datagram with up to 64 KiB of payload that the kernel takes in one
 * write and treats as the packets it stands for. info->type and info->segment say how it
 * is cut (info->headers and info->count are worked out from the packet and ignored). The
 * packet needs correct IP and transport lengths, no IPv4 fragment, no IPv6 extension
 * header; its checksums need not be filled in. Each segment (headers + info->segment) must
 * fit the MTU; a UDP super-packet stands for at most 64 datagrams. With type NONE this is
 * veiltun_write().
 * @return @p len, or as veiltun_write(), with VEILTUN_EBADPACKET also for a packet that does
 *         not match @p info, and VEILTUN_ENOTSUP for a handle without VEILTUN_F_OFFLOAD (or
 *         without USO, for UDP; or Windows). Counts one packet in tx_packets.
 * Thread safety: as veiltun_write(). Since: 0.1
 */
VEILTUN_API int veiltun_write_gso(veiltun *dev, const void *buf, size_t len,
                                  const veiltun_gso_info *info);

/** One packet slot for the batch calls. A slot filled by veiltun_read_batch() can be passed
 *  to veiltun_write_batch() as it is (the forwarding loop): reads set len, writes take it. */
typedef struct veiltun_packet {
    void *data;  /* the packet buffer */
    size_t size; /* the capacity of data: read; ignored by writes */
    size_t len;  /* the packet's length: set by reads, taken by writes */
    int status;  /* set by the call: 0, or the VEILTUN_E* that this packet got */
} veiltun_packet;

/**
 * Read up to @p count packets, stopping early when nothing more is ready.
 * Slot i receives a packet in pkts[i].data and its length in pkts[i].len, status 0. A packet
 * longer than its slot's size is dropped (counted in rx_dropped) and its slot is reused.
 * @return the number of slots filled (1..count), or VEILTUN_EAGAIN if none was ready, or
 *         VEILTUN_EINVAL (NULL, count 0, a slot with NULL data or size 0), VEILTUN_ENODEV,
 *         a common OS error (only if no packet was read; otherwise the packets read so far are
 *         returned and the error comes with the next call).
 * Since: 0.1
 */
VEILTUN_API int veiltun_read_batch(veiltun *dev, veiltun_packet *pkts, size_t count);

/**
 * Write up to @p count packets: slot i's pkts[i].len bytes at pkts[i].data (size is not
 * looked at). With VEILTUN_F_OFFLOAD (and GRO on), consecutive TCP segments of one flow go to
 * the kernel as one write. Each packet is checked as by veiltun_write() (a slot with NULL
 * data or len 0 gets VEILTUN_EINVAL): a bad or oversized one is skipped, its status set to the
 * error and counted as dropped, and the batch goes on. The batch stops at the first device-level
 * failure (VEILTUN_EAGAIN, VEILTUN_ENODEV, a common OS error).
 * @return the number of packets consumed from the front of @p pkts (written or skipped, each
 *         with its status), or — if the very first packet met a device-level failure — that
 *         error. VEILTUN_EINVAL for NULL or count 0.
 * Since: 0.1
 */
VEILTUN_API int veiltun_write_batch(veiltun *dev, veiltun_packet *pkts, size_t count);

/* ---------------------------------------------------------------------------------------------
 * Waiting and events
 * ------------------------------------------------------------------------------------------- */

/**
 * A handle for the caller's own event loop (epoll, poll, libuv, WaitForMultipleObjects). It
 * becomes readable (signalled) when a packet can be read, when an event is pending
 * (veiltun_next_event()), or after veiltun_cancel(). Level-triggered: it stays readable until
 * the packets are read and the events fetched. Owned by the handle: do not close it.
 * @return the handle, or -1 (Linux) / NULL (Windows) if @p dev is NULL. Since: 0.1
 */
VEILTUN_API veiltun_os_handle veiltun_wait_handle(const veiltun *dev);

/** Bits returned by veiltun_wait(). */
#define VEILTUN_READY_READ  0x1 /* a packet can be read (or the read will report an error) */
#define VEILTUN_READY_EVENT 0x2 /* veiltun_next_event() has something */

/**
 * Block until a packet or an event is ready, the timeout passes, or the handle is cancelled.
 * @param timeout_ms  milliseconds; negative waits forever; 0 polls.
 * @return a positive mask of VEILTUN_READY_* bits, or VEILTUN_ETIMEDOUT, VEILTUN_ECANCELED
 *         (veiltun_cancel() or veiltun_close() was called), VEILTUN_EINVAL, a common OS error.
 * Thread safety: several threads may wait on one handle; all of them are woken by cancel.
 * Since: 0.1
 */
VEILTUN_API int veiltun_wait(veiltun *dev, int timeout_ms);

/**
 * Wake every thread blocked in veiltun_wait() on @p dev and make all later waits return
 * VEILTUN_ECANCELED at once; the wait handle stays readable. Cancellation is permanent for
 * the handle (it exists to shut down). Reads, writes and configuration keep working.
 * @return 0, or VEILTUN_EINVAL. Thread safety: any thread, async-signal-safe. Since: 0.1
 */
VEILTUN_API int veiltun_cancel(veiltun *dev);

typedef enum veiltun_event_type {
    /** The device became administratively up. */
    VEILTUN_EVENT_LINK_UP = 1,
    /** The device became administratively down. Linux then removes every route through the
     *  device and its IPv6 addresses (unless net.ipv6.conf.NAME.keep_addr_on_down is set);
     *  IPv4 addresses stay. Routes leave without a notification of their own: a program that
     *  configured routes re-adds them after the following VEILTUN_EVENT_LINK_UP. */
    VEILTUN_EVENT_LINK_DOWN = 2,
    VEILTUN_EVENT_MTU_CHANGED = 3, /* mtu holds the new MTU */
    VEILTUN_EVENT_REMOVED = 4,     /* the device is gone; I/O now fails with VEILTUN_ENODEV */
    /** The handle can no longer move packets although the device may still exist (Windows:
     *  the Wintun ring is corrupt, or its session could not be restarted): the failing
     *  direction returns VEILTUN_ENOTRECOVERABLE; close the handle and open a new one. */
    VEILTUN_EVENT_BROKEN = 5,
    /** Linux: an address of the device was added or removed, by anyone (the kernel too: IPv6
     *  addresses on down, the link-local address on up). Read them with
     *  veiltun_get_addresses(). Linux only (Windows reports the
     *  link and MTU changes alone). */
    VEILTUN_EVENT_ADDRESSES_CHANGED = 6,
    /** Linux: the device was renamed; name holds the new name (and veiltun_get_name()). */
    VEILTUN_EVENT_RENAMED = 7,
    /** Linux: the device was moved into another network namespace. Packets keep flowing
     *  through the handle, and veiltun_set_persist() and veiltun_set_offload() (which act on
     *  the descriptor) keep working, but the rest of the device is out of the handle's reach:
     *  MTU, up/down, address and route calls and further veiltun_next_event() calls return
     *  VEILTUN_ENODEV. To configure it, configure it in its new namespace (e.g. a handle
     *  opened there with veiltun_config.netns_fd). */
    VEILTUN_EVENT_MOVED = 8
} veiltun_event_type;

typedef struct veiltun_event {
    veiltun_event_type type;
    unsigned mtu;   /* the MTU at the time of the event */
    int up;         /* 1 if up after this event (LINK_DOWN says 0 even if it is up again:
                       the LINK_UP comes next) */
    uint32_t downs; /* how often the device went down since the handle was opened */
    char name[VEILTUN_NAME_MAX + 1]; /* the device's name at the time of the event */
} veiltun_event;

/**
 * Fetch the next change of the device's state, whoever made it (this handle, another
 * program, the administrator). Changes are coalesced, but none is lost: several MTU changes
 * give one event with the latest MTU; any number of address changes give one
 * VEILTUN_EVENT_ADDRESSES_CHANGED; a down-then-up (however quick, even if the device is up
 * again before you look) gives VEILTUN_EVENT_LINK_DOWN followed by VEILTUN_EVENT_LINK_UP,
 * so a program always learns that the kernel removed its routes. If the OS drops
 * notifications because nobody read them for a long time (Linux: the socket overflowed),
 * the handle re-reads the state and reports a down-then-up and an address change, since it
 * cannot know what happened.
 * The wait handle stays readable while an event is pending, whichever call noticed it.
 * A macro over veiltun_next_event_size(), which fills only the caller's sizeof(veiltun_event)
 * (fields are only ever added at the end).
 * @return 0 with @p ev filled, VEILTUN_EAGAIN when nothing changed, or VEILTUN_EINVAL (NULL,
 *         or a size smaller than the first version's structure), a system error. After
 *         VEILTUN_EVENT_REMOVED or VEILTUN_EVENT_MOVED it returns VEILTUN_ENODEV.
 * Thread safety: serialised internally. Since: 0.1
 */
#define veiltun_next_event(dev, ev) veiltun_next_event_size((dev), (ev), sizeof(veiltun_event))
VEILTUN_API int veiltun_next_event_size(veiltun *dev, veiltun_event *ev, size_t size);

/* ---------------------------------------------------------------------------------------------
 * Statistics
 * ------------------------------------------------------------------------------------------- */

/** Counters since the handle was opened. Fields may be added at the end in later versions. */
typedef struct veiltun_stats {
    uint64_t rx_packets; /* packets read from the device (delivered to the caller) */
    uint64_t rx_bytes;
    uint64_t rx_dropped; /* packets read but dropped (larger than the caller's buffer;
                            Windows: also what the driver handed over that is not IP) */
    uint64_t rx_errors;  /* failed reads other than "nothing to read" */
    uint64_t tx_packets; /* packets written into the device */
    uint64_t tx_bytes;
    uint64_t tx_dropped; /* packets refused before writing (bad packet, over the MTU) */
    uint64_t tx_errors;  /* writes the OS failed */
    /* Windows (Wintun) only; zero elsewhere. */
    uint64_t ring_full;     /* sends that found the ring full (each retried with backoff) */
    uint64_t queue_full;    /* times the reader found the consumer's queue full */
    uint64_t reader_spins;  /* reader wake-ups served by spinning, without sleeping */
    uint64_t reader_sleeps; /* reader waits on the driver's event */
    uint64_t ring_grows;    /* times auto-tuning doubled the ring */
    uint64_t ring_capacity; /* current ring size in bytes */
    /* Linux offload (VEILTUN_F_OFFLOAD) only; zero elsewhere. */
    uint64_t gso_splits;     /* super-packets read from the kernel and cut into segments */
    uint64_t gso_segments;   /* segments those gave (gso_segments / gso_splits = average) */
    uint64_t gro_merges;     /* packets written as part of a merged write, beyond the first */
    uint64_t gro_udp_merges; /* of gro_merges, UDP datagrams */
    uint64_t gso_whole;      /* super-packets handed over whole by veiltun_read_gso() */
} veiltun_stats;

/**
 * Copy the counters into @p out. Pass sizeof(*out) as @p size; older callers with a smaller
 * struct get the fields they know.
 * @return 0, or VEILTUN_EINVAL (NULL, size 0 or not a multiple of 8).
 * Thread safety: any thread; each counter is read atomically. Since: 0.1
 */
VEILTUN_API int veiltun_get_stats(const veiltun *dev, veiltun_stats *out, size_t size);

/* ---------------------------------------------------------------------------------------------
 * Packet helpers
 *
 * What every program on top of a TUN device needs for the packets it reads and writes:
 * parsing the IP header (IPv6 extension headers walked), filling and checking the IPv4 header
 * and transport checksums, rewriting an address or a port with an incremental checksum update
 * (RFC 1624), and building the ICMP error a forwarder sends when it drops a packet that is
 * larger than the next hop's MTU. They work on any buffer (not only on a device's packets),
 * on every OS, need no handle, and never read or write past the @p len or @p out_size they are
 * given, whatever the bytes say.
 *
 * Multi-byte fields in the structure below are in host byte order; addresses are bytes in
 * network order. Thread safety: pure functions, safe from any thread. Since: 0.1
 * ------------------------------------------------------------------------------------------- */

/** What veiltun_packet_parse() found in a packet. */
typedef struct veiltun_packet_info {
    int version;            /* 4 or 6 */
    uint8_t protocol;       /* the transport protocol: IPv4's protocol field, or for IPv6 the
                               Next Header after the extension headers (6 TCP, 17 UDP,
                               1 ICMP, 58 ICMPv6, 50 ESP, 59 none...) */
    uint8_t hop_limit;      /* IPv4 TTL, IPv6 hop limit */
    int is_fragment;        /* 1 if the packet is a fragment (first or later) */
    size_t fragment_offset; /* where a fragment's data goes, in bytes; 0 if not a fragment */
    size_t header_len;      /* IP header bytes: IPv4 options and IPv6 extension headers
                               included; the transport header starts here */
    size_t total_len;       /* the packet's length by its IP header (<= the buffer's len:
                               bytes past it, e.g. padding, are not part of the packet) */
    uint8_t src[16];        /* source address (IPv4: the first 4 bytes, the rest zero) */
    uint8_t dst[16];        /* destination address, as src */
    int has_ports;          /* 1 if src_port and dst_port are set: TCP, UDP, UDP-Lite, SCTP or
                               DCCP, not a later fragment, at least 4 transport bytes */
    uint16_t src_port, dst_port;
    int has_icmp; /* 1 if icmp_type and icmp_code are set: ICMP (IPv4) or ICMPv6,
                     not a later fragment, at least 4 transport bytes */
    uint8_t icmp_type, icmp_code;
    uint32_t reserved[4]; /* zero; room for fields of later versions (the size stays) */
} veiltun_packet_info;

/**
 * Parse the IP header of the packet at @p pkt.
 *
 * IPv4: the header length must be at least 20 bytes and the total length must cover it and
 * fit in @p len. IPv6: the payload length must fit in @p len (a jumbogram, payload length 0
 * with a Jumbo Payload option, is refused), and the extension headers (hop-by-hop, routing,
 * fragment, destination options, authentication, mobility, HIP, shim6) are
 * walked to the transport header; each must lie within the packet. The walk stops at a
 * fragment header with a non-zero offset: a later fragment's data is not a header.
 *
 * @param pkt  the packet (must not be NULL).
 * @param len  bytes available at @p pkt.
 * @param out  receives the result (must not be NULL); all of it is written on success.
 * @return 0, or VEILTUN_EINVAL (pkt or out NULL), VEILTUN_EBADPACKET (not IPv4 or IPv6, or a
 *         length or header that does not fit in @p len, as above).
 * Since: 0.1
 */
VEILTUN_API int veiltun_packet_parse(const void *pkt, size_t len, veiltun_packet_info *out);

/**
 * Fill in the IPv4 header checksum of the packet at @p pkt (IPv6 has none: the packet is left
 * as it is and the call returns 0, so it can be called on any packet).
 * @return 0, or VEILTUN_EINVAL (pkt NULL), VEILTUN_EBADPACKET (as veiltun_packet_parse()).
 * Since: 0.1
 */
VEILTUN_API int veiltun_ipv4_header_checksum(void *pkt, size_t len);

/**
 * Check the IPv4 header checksum of the packet at @p pkt.
 * @return 1 if it is right (always, for IPv6, which has none), 0 if it is wrong, or
 *         VEILTUN_EINVAL (pkt NULL), VEILTUN_EBADPACKET (as veiltun_packet_parse()).
 * Since: 0.1
 */
VEILTUN_API int veiltun_ipv4_header_checksum_ok(const void *pkt, size_t len);

/**
 * Fill in the transport checksum of the packet at @p pkt: TCP, UDP (IPv4 and IPv6, with the
 * pseudo-header), ICMP (IPv4, without) or ICMPv6 (with). It covers the transport header and
 * data up to the packet's total length. A UDP checksum that comes out as 0 is sent as 0xffff
 * (RFC 768). The IPv4 header checksum is not touched (see veiltun_ipv4_header_checksum()).
 * @return 0, or:
 *   VEILTUN_EINVAL      pkt NULL;
 *   VEILTUN_EBADPACKET  as veiltun_packet_parse(), or the transport header is shorter than
 *                       its fixed part (TCP 20 bytes, UDP 8, ICMP and ICMPv6 4), or a UDP
 *                       length field that disagrees with the IP header's;
 *   VEILTUN_ENOTSUP     another protocol; a fragment (the checksum covers the whole
 *                       datagram, which no single fragment holds); an IPv6 packet whose
 *                       routing header still has segments left (the pseudo-header then
 *                       holds the final destination, from that header).
 * Since: 0.1
 */
VEILTUN_API int veiltun_l4_checksum(void *pkt, size_t len);

/**
 * Check the transport checksum, as veiltun_l4_checksum() would compute it. A UDP checksum of
 * 0 over IPv4 means "none" and passes; over IPv6 it is not allowed (RFC 8200) and fails.
 * @return 1 if it is right, 0 if it is wrong, or the errors of veiltun_l4_checksum().
 * Since: 0.1
 */
VEILTUN_API int veiltun_l4_checksum_ok(const void *pkt, size_t len);

/**
 * Update a checksum after a 16-bit field it covers changed from @p old_value to
 * @p new_value, without summing the data again (RFC 1624, equation 3: the result is what a
 * full computation would give). All three are host-order values of the fields as they sit
 * in network order in the packet.
 * @return the new checksum. Since: 0.1
 */
VEILTUN_API uint16_t veiltun_checksum_update16(uint16_t checksum, uint16_t old_value,
                                               uint16_t new_value);

/** As veiltun_checksum_update16(), for a 32-bit field (an IPv4 address). Since: 0.1 */
VEILTUN_API uint16_t veiltun_checksum_update32(uint16_t checksum, uint32_t old_value,
                                               uint32_t new_value);

/** Which address or port veiltun_rewrite_address() and veiltun_rewrite_port() change. */
typedef enum veiltun_endpoint { VEILTUN_SOURCE = 0, VEILTUN_DESTINATION = 1 } veiltun_endpoint;

/**
 * Replace the source or destination address of the packet at @p pkt (NAT) and update the
 * checksums that cover it, incrementally: the IPv4 header checksum, and the transport
 * checksum of TCP, UDP and ICMPv6, whose pseudo-header holds the addresses (an IPv4 UDP
 * checksum of 0, "none", stays 0). In a later fragment there is no transport header: only
 * the address (and IPv4 header checksum) changes, which is right when every fragment of the
 * datagram gets the same rewrite (the first carries the checksum for all). Checksums that
 * were wrong before stay wrong by the same amount. In an IPv6 packet whose routing header
 * still has segments left, the transport pseudo-header holds the final destination from that
 * header, so a new destination address leaves the transport checksum as it is.
 * @param addr  the new address: 4 bytes for an IPv4 packet, 16 for IPv6 (network order).
 * @return 0, or VEILTUN_EINVAL (pkt or addr NULL, @p which not a veiltun_endpoint),
 *         VEILTUN_EBADPACKET (as veiltun_packet_parse(), or a TCP, UDP or ICMPv6 header
 *         too short to hold its checksum).
 * Since: 0.1
 */
VEILTUN_API int veiltun_rewrite_address(void *pkt, size_t len, veiltun_endpoint which,
                                        const void *addr);

/**
 * Replace the source or destination port of a TCP or UDP packet and update its checksum
 * incrementally (an IPv4 UDP checksum of 0 stays 0).
 * @param port  the new port, in host byte order.
 * @return 0, or VEILTUN_EINVAL (pkt NULL, @p which not a veiltun_endpoint),
 *         VEILTUN_EBADPACKET (as veiltun_packet_parse(), or the transport header is shorter
 *         than TCP's 20 bytes or UDP's 8), VEILTUN_ENOTSUP (neither TCP nor UDP, or a later
 *         fragment, which has no ports).
 * Since: 0.1
 */
VEILTUN_API int veiltun_rewrite_port(void *pkt, size_t len, veiltun_endpoint which, uint16_t port);

/** Where the ICMP errors of veiltun_icmp_too_big() stop quoting: the message is at most
 *  this long (RFC 1812 4.3.2.3 for IPv4, RFC 4443 2.4(c) for IPv6, the minimum MTU). */
#define VEILTUN_ICMP_ERROR_MAX4 576
#define VEILTUN_ICMP_ERROR_MAX6 1280

/**
 * Build the ICMP error that a forwarder sends back when it drops a packet because it is
 * larger than the next hop's MTU, for the caller to write into the device (the packet's
 * sender then lowers its path MTU). For IPv4: "destination unreachable, fragmentation needed"
 * (type 3 code 4) with the next-hop MTU (RFC 1191); RFC 1191 has routers send it for
 * packets with Don't Fragment set and fragment the others, so sending it for a packet
 * without DF is the caller's choice. For IPv6: "packet too big" (type 2, RFC 4443 3.2).
 * The message goes from @p src_addr to the packet's source, with TTL/hop limit 64 and
 * checksums filled, and quotes as much of the packet as fits in VEILTUN_ICMP_ERROR_MAX4 /
 * VEILTUN_ICMP_ERROR_MAX6 bytes and in @p out_size (at least its IP header and 8 bytes
 * beyond, or all of it if shorter: what the sender needs to find the connection).
 *
 * As the RFCs require, no error is built (the call returns 0) for a packet that is itself
 * an ICMP error message (IPv4 types 3, 4, 5, 11, 12; ICMPv6 types below 128) or an ICMPv6
 * redirect, or whose transport header is cut too short to tell; whose source does not name
 * a single host (IPv4: 0.0.0.0/8, 127.0.0.0/8, multicast, 240.0.0.0/4 and broadcast; IPv6:
 * the unspecified address and multicast); for IPv4, sent to a multicast or the limited
 * broadcast address (a directed broadcast is the caller's to know), or a fragment other
 * than the first (RFC 1122 3.2.2). IPv6 answers later fragments and multicast destinations
 * too (RFC 4443 2.4(e) excepts packet too big from the multicast rule), since a sender
 * cannot learn its path MTU otherwise.
 *
 * @param pkt       the packet that was dropped.
 * @param len       its length.
 * @param mtu       the MTU of the next hop: 68..65535 for IPv4, 1280..65535 for IPv6.
 * @param src_addr  the message's source address (4 or 16 bytes, as the packet's family):
 *                  the forwarder's own address; NULL uses the packet's destination, as if
 *                  the host it was sent to answered (not for an IPv6 packet sent to a
 *                  multicast address: the message needs a unicast source).
 * @param out       receives the message; may overlap neither @p pkt nor @p src_addr.
 * @param out_size  bytes available at @p out; VEILTUN_ICMP_ERROR_MAX6 is enough for both.
 * @return the message's length in bytes (> 0), 0 if no error may be sent for this packet
 *         (nothing written), or:
 *   VEILTUN_EINVAL      pkt or out NULL, or src_addr NULL for an IPv6 packet sent to a
 *                       multicast address;
 *   VEILTUN_EBADPACKET  as veiltun_packet_parse();
 *   VEILTUN_EBADMTU     @p mtu outside the range above;
 *   VEILTUN_EMSGSIZE    @p out_size cannot hold the message with its minimal quote.
 * Since: 0.1
 */
VEILTUN_API int veiltun_icmp_too_big(const void *pkt, size_t len, unsigned mtu,
                                     const void *src_addr, void *out, size_t out_size);

#ifdef __cplusplus
}
#endif

#endif /* VEILTUN_H */
