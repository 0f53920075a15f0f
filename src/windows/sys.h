/* Windows backend state inside struct veiltun. */
#ifndef VEILTUN_WINDOWS_SYS_H
#define VEILTUN_WINDOWS_SYS_H

#include <winsock2.h>
#include <windows.h>

#include <stdatomic.h>
#include <stdint.h>

#include "../queue.h"

struct veiltun__wintun;

struct veiltun__sys {
    const struct veiltun__wintun *api;
    void *adapter;
    void *session;
    HANDLE read_event;   /* the session's (auto-reset, owned by Wintun) */
    HANDLE quit_event;   /* manual-reset: the reader thread stops */
    HANDLE ready_event;  /* manual-reset, the wait handle: packets queued or state changed */
    HANDLE cancel_event; /* manual-reset: veiltun_cancel() */
    HANDLE reader;
    SRWLOCK session_lock; /* senders hold it shared; a ring resize holds it alone */
    CRITICAL_SECTION lock;
    struct veiltun__queue queue;
    uint64_t luid;
    uint32_t capacity;
    int auto_tune;
    HANDLE notify;
    _Atomic int link_changed; /* set by the IP Helper notification callback */
    _Atomic int gone;         /* the adapter went away (ERROR_HANDLE_EOF) */
    _Atomic int reader_error; /* a VEILTUN_E* that stopped the reader, or 0 */
    uint64_t full_seen;       /* auto-tuning: pressure counted at the last check */
    uint64_t last_tune_ms;
};

#endif
