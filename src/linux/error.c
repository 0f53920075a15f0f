/* SPDX-License-Identifier: MIT */
/* Every errno the Linux backend meets, mapped once into VEILTUN_E*: from the netlink
 * requests (link, address, route), the TUN ioctls, open, read and write. Anything not
 * listed is VEILTUN_EIO, so a call never returns a code that its documentation lacks;
 * veiltun_last_os_error() still holds the errno itself. */
#include "../internal.h"
#include "linux.h"

#include <errno.h>
#include <string.h>

/* Those whose number already is a VEILTUN_E* (VEILTUN_EXXX == -EXXX). */
static int is_ours(int err)
{
    switch (err) {
    case EPERM:
    case ENOENT:
    case EINTR:
    case EIO:
    case EBADF:
    case EAGAIN:
    case ENOMEM:
    case EACCES:
    case EBUSY:
    case EEXIST:
    case ENODEV:
    case EINVAL:
    case EMFILE:
    case ENAMETOOLONG:
    case EPROTO:
    case EMSGSIZE:
    case EOPNOTSUPP:
    case EAFNOSUPPORT:
    case EADDRNOTAVAIL:
    case ENETDOWN:
    case ENETUNREACH:
    case ENOBUFS:
    case ETIMEDOUT:
        return 1;
    default:
        return 0;
    }
}

int veiltun__linux_map(int err)
{
    if (is_ours(err))
        return -err;
    switch (err) {
    case EBADFD: /* the tun file lost its device: it was deleted */
    case ENXIO:
        return VEILTUN_ENODEV;
    case ENFILE:
        return VEILTUN_EMFILE;
    case ESRCH: /* both families report "no such route" this way */
        return VEILTUN_ENOENT;
    case EHOSTUNREACH: /* IPv6's word for a gateway that is not on-link */
        return VEILTUN_ENETUNREACH;
    case ENOSPC: /* an OS limit, e.g. IPv6 addresses per device (max_addresses) */
        return VEILTUN_ENOBUFS;
    case EFAULT: /* a buffer the kernel could not read or fill */
    case ERANGE:
        return VEILTUN_EINVAL;
    default:
        return VEILTUN_EIO;
    }
}

int veiltun__linux_error(int err, const char *what)
{
    int code = veiltun__linux_map(err);

    if (code != VEILTUN_EAGAIN)
        veiltun__log(VEILTUN_LOG_ERROR, "%s: %s (%s)", what, strerror(err), veiltun_strerror(code));
    return veiltun__fail_os(code, err);
}
