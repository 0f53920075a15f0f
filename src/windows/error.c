/* SPDX-License-Identifier: MIT */
/* Every Win32, NETIO and Wintun code we meet, mapped once into VEILTUN_E*. */
#include "../internal.h"
#include "win.h"

int veiltun__win_map(DWORD code)
{
    switch (code) {
    case ERROR_SUCCESS:
        return 0;
    case ERROR_NO_MORE_ITEMS: /* Wintun: nothing to receive */
        return VEILTUN_EAGAIN;
    case ERROR_HANDLE_EOF: /* Wintun: the adapter is going away; re-open to continue */
    case ERROR_DEVICE_NOT_AVAILABLE:
    case ERROR_DEV_NOT_EXIST:
        return VEILTUN_ENODEV;
    case ERROR_BUFFER_OVERFLOW: /* Wintun: the send ring is full */
        return VEILTUN_ENOBUFS;
    case ERROR_INVALID_DATA: /* Wintun: the receive ring is corrupt, for good */
        return VEILTUN_ENOTRECOVERABLE;
    case ERROR_ACCESS_DENIED: /* not elevated: needs Administrator */
        return VEILTUN_EPERM;
    case ERROR_MOD_NOT_FOUND:
    case ERROR_PROC_NOT_FOUND:
        return VEILTUN_ENOLIB;
    case ERROR_OBJECT_ALREADY_EXISTS:
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS:
        return VEILTUN_EEXIST;
    case ERROR_NOT_FOUND:
    case ERROR_FILE_NOT_FOUND:
        return VEILTUN_ENOENT;
    case ERROR_INVALID_PARAMETER:
        return VEILTUN_EINVAL;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return VEILTUN_ENOMEM;
    case ERROR_NETWORK_UNREACHABLE:
    case ERROR_HOST_UNREACHABLE:
        return VEILTUN_ENETUNREACH;
    case ERROR_NOT_SUPPORTED:
        return VEILTUN_ENOTSUP;
    case ERROR_BUSY:
    case ERROR_ALREADY_INITIALIZED: /* Wintun: the adapter's rings are registered already */
        return VEILTUN_EBUSY;
    case WAIT_TIMEOUT: /* Wintun: the adapter's device did not become enabled in 15 s */
        return VEILTUN_ETIMEDOUT;
    default:
        return VEILTUN_EIO;
    }
}

int veiltun__win_error(DWORD code, const char *what)
{
    int err = veiltun__win_map(code);

    if (err != VEILTUN_EAGAIN)
        veiltun__log(VEILTUN_LOG_ERROR, "%s: Windows error %lu (%s)", what, (unsigned long)code,
                     veiltun_strerror(err));
    return veiltun__fail_os(err, (int)code);
}
