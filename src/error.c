/* SPDX-License-Identifier: MIT */
/* Error strings, the per-thread OS error, and the optional logger. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static _Thread_local int last_os_error;

static _Atomic(veiltun_log_fn) log_fn;
static _Atomic(void *) log_userdata;

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
    {VEILTUN_ENODEV, "no such device, or the device was removed"},
    {VEILTUN_EINVAL, "invalid argument"},
    {VEILTUN_EMFILE, "too many open files"},
    {VEILTUN_ENAMETOOLONG, "device name too long (at most 15 bytes)"},
    {VEILTUN_EPROTO, "unexpected reply from the operating system"},
    {VEILTUN_EMSGSIZE, "packet larger than the buffer or the MTU"},
    {VEILTUN_ENOTSUP, "not supported on this system"},
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
    {VEILTUN_EBADPACKET, "not an IPv4 or IPv6 packet"},
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
    return "0.1.0";
}

void veiltun_set_logger(veiltun_log_fn fn, void *userdata)
{
    /* userdata first, so a callback that sees the new fn also sees its userdata. */
    atomic_store(&log_userdata, userdata);
    atomic_store(&log_fn, fn);
}

VEILTUN__PRINTF(2, 0)
static void log_v(veiltun_log_level level, const char *fmt, va_list ap)
{
    veiltun_log_fn fn = atomic_load(&log_fn);
    char msg[512];

    if (fn == NULL)
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    fn(level, msg, atomic_load(&log_userdata));
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
