/* SPDX-License-Identifier: MIT */
/* Error strings, the per-thread OS error, and the optional logger. */
#include "internal.h"

#include <stdio.h>

#define VEILTUN__STR_(x) #x
#define VEILTUN__STR(x)  VEILTUN__STR_(x)
#include <string.h>

static _Thread_local int last_os_error;

/* The logger: a callback and its userdata, published together. Two slots; the current one is
 * named by an atomic pointer. A caller logging pins the slot it uses (readers), and a new
 * logger is written into the other slot only when nobody pins that one, then published, and
 * veiltun_set_logger() returns once the old slot is unpinned too. So a callback never sees
 * another's userdata, and after set_logger returns the old callback is not running. */
struct logger {
    veiltun_log_fn fn;
    void *userdata;
    _Atomic int readers;
};

static struct logger loggers[2];
static _Atomic(struct logger *) current_logger = &loggers[0];
static atomic_flag logger_setting = ATOMIC_FLAG_INIT;

struct error_text {
    int code;
    const char *text;
};

static const struct error_text error_texts[] = {
    {0, "success"},
    {VEILTUN_EPERM, "operation not permitted: needs CAP_NET_ADMIN (Administrator on Windows)"},
    {VEILTUN_ENOENT, "no such address or route on the device"},
    {VEILTUN_EINTR, "the system's list kept changing while it was read (other programs "
                    "adding or removing entries): try again"},
    {VEILTUN_EIO, "input/output error, or another OS error (see veiltun_last_os_error())"},
    {VEILTUN_EBADF, "bad file descriptor"},
    {VEILTUN_EAGAIN, "resource temporarily unavailable: nothing to read now, try again"},
    {VEILTUN_ENOMEM, "out of memory"},
    {VEILTUN_EACCES, "permission denied by the OS (file mode, owner, or policy)"},
    {VEILTUN_EBUSY, "device is in use by another process (Windows: or by another handle)"},
    {VEILTUN_EEXIST, "already exists"},
    {VEILTUN_ENODEV, "no such device, or the device was removed (or moved out of the "
                     "handle's network namespace)"},
    {VEILTUN_EINVAL, "invalid argument"},
    {VEILTUN_EMFILE, "too many open files"},
    {VEILTUN_ENAMETOOLONG, "device name too long (at most 15 bytes)"},
    {VEILTUN_EPROTO, "unexpected reply from the operating system"},
    {VEILTUN_EMSGSIZE, "packet larger than the buffer or the MTU"},
    {VEILTUN_ENOTSUP, "not supported on this system (packet helpers: not for this "
                      "protocol, or not for a fragment)"},
    {VEILTUN_EAFNOSUPPORT, "address family not available on the device (IPv6 disabled)"},
    {VEILTUN_EADDRNOTAVAIL, "address not available on the device"},
    {VEILTUN_ENETDOWN, "the device is down: bring it up first (veiltun_set_up)"},
    {VEILTUN_ENETUNREACH, "gateway not reachable through the device"},
    {VEILTUN_ENOBUFS, "no buffer space available, or an OS limit reached"},
    {VEILTUN_ETIMEDOUT, "timed out (Windows: also the adapter's IP interface did not appear, "
                        "or the adapter stayed disabled)"},
    {VEILTUN_ECANCELED, "wait cancelled"},
    {VEILTUN_ENOTRECOVERABLE, "the device's packet path failed for good (Windows: Wintun ring "
                              "corrupt or session lost): close the handle and open it again"},
    {VEILTUN_EBADNAME, "invalid device name (empty, '.', '..', '/', ':', whitespace, control "
                       "characters, a '%' other than one \"%d\", or not UTF-8)"},
    {VEILTUN_EBADADDR, "invalid IP address or CIDR syntax"},
    {VEILTUN_EBADPREFIX, "prefix length out of range (IPv4 0-32, IPv6 0-128)"},
    {VEILTUN_EHOSTBITS, "network has bits set past its prefix length"},
    {VEILTUN_EBADMTU, "MTU out of range (68-65535; on Windows at least 1280 while the "
                      "device has IPv6)"},
    {VEILTUN_EBADFLAGS, "unknown or contradictory flags"},
    {VEILTUN_ENOTTUN, "not a compatible TUN device"},
    {VEILTUN_EBADPACKET, "not an IPv4 or IPv6 packet, or its lengths or headers do not fit"},
    {VEILTUN_EFAMILY, "gateway and destination are of different address families"},
    {VEILTUN_ENOLIB, "wintun.dll, or a function it or iphlpapi.dll should export, is missing"},
};

/* A code missing from the table still gets a sentence: its number and, for what could be
 * an OS code, the C library's text for it (strerror keeps unknown values' texts per thread
 * in glibc and in the Windows CRT). Per thread, so the caller's string stays valid until
 * its own next unknown code. */
static const char *describe_unknown(int err)
{
    static _Thread_local char text[160];

    if (err < 0 && err > -4096)
        snprintf(text, sizeof(text), "unknown error %d (OS: %s)", err, strerror(-err));
    else
        snprintf(text, sizeof(text), "unknown error %d (VEILTUN_E* codes are negative)", err);
    return text;
}

const char *veiltun_strerror(int err)
{
    for (size_t i = 0; i < sizeof(error_texts) / sizeof(error_texts[0]); i++) {
        if (error_texts[i].code == err)
            return error_texts[i].text;
    }
    return describe_unknown(err);
}

int veiltun_last_os_error(void)
{
    return last_os_error;
}

const char *veiltun_version(void)
{
    return VEILTUN__STR(VEILTUN_VERSION_MAJOR) "." VEILTUN__STR(
        VEILTUN_VERSION_MINOR) "." VEILTUN__STR(VEILTUN_VERSION_PATCH);
}

static void wait_unpinned(struct logger *l)
{
    while (atomic_load(&l->readers) > 0)
        veiltun__sys_pause();
}

void veiltun_set_logger(veiltun_log_fn fn, void *userdata)
{
    struct logger *old, *next;

    while (atomic_flag_test_and_set(&logger_setting)) /* one setter at a time */
        veiltun__sys_pause();
    old = atomic_load(&current_logger);
    next = old == &loggers[0] ? &loggers[1] : &loggers[0];
    wait_unpinned(next); /* a caller may still be finishing with it from two swaps ago */
    next->fn = fn;
    next->userdata = userdata;
    atomic_store(&current_logger, next);
    wait_unpinned(old);
    atomic_flag_clear(&logger_setting);
}

/* Pins the current logger; NULL if none is installed. */
static struct logger *pin_logger(void)
{
    for (;;) {
        struct logger *l = atomic_load(&current_logger);
        atomic_fetch_add(&l->readers, 1);
        /* Still current after pinning: a setter cannot rewrite it until we unpin. */
        if (atomic_load(&current_logger) == l) {
            if (l->fn != NULL)
                return l;
            atomic_fetch_sub(&l->readers, 1);
            return NULL;
        }
        atomic_fetch_sub(&l->readers, 1);
    }
}

VEILTUN__PRINTF(2, 0)
static void log_v(veiltun_log_level level, const char *fmt, va_list ap)
{
    struct logger *l = pin_logger();
    char msg[512];

    if (l == NULL)
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    l->fn(level, msg, l->userdata);
    atomic_fetch_sub(&l->readers, 1);
}

void veiltun__log(veiltun_log_level level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_v(level, fmt, ap);
    va_end(ap);
}

int veiltun__fail_os(int err, int oserr)
{
    last_os_error = oserr;
    return err;
}

int veiltun__fail_input(int err, const char *fmt, ...)
{
    va_list ap;

    last_os_error = 0;
    va_start(ap, fmt);
    log_v(VEILTUN_LOG_ERROR, fmt, ap);
    va_end(ap);
    return err;
}
