/* SPDX-License-Identifier: MIT */
/* Windows backend state inside struct veiltun. */
#ifndef VEILTUN_WINDOWS_SYS_H
#define VEILTUN_WINDOWS_SYS_H

#include <winsock2.h>
#include <windows.h>

#include <stdatomic.h>
#include <stdint.h>

#include "../queue.h"
#include "veiltun.h"

struct veiltun__wintun;

/* Families as indexes: IPv4 and IPv6 each have their own IP interface on Windows. */
#define VEILTUN__V4 0
#define VEILTUN__V6 1

/* A configuration request kept until its family's IP interface appears (ipconfig.c). */
struct veiltun__pending {
    int kind;               /* VEILTUN__PENDING_* */
    veiltun_prefix dst, gw; /* the address, or a route's destination and gateway */
    int has_gw;
    uint32_t metric;
};
#define VEILTUN__PENDING_MAX 32

/* Per-family IP configuration state (ipconfig.c). */
struct veiltun__family {
    _Atomic int arrived; /* IP Helper knows this family's interface */
    int configured;      /* arrival handled: settings and pending requests applied */
    unsigned mtu;        /* an MTU asked for before arrival, or 0 */
    int metric_set;
    uint32_t metric;
    struct veiltun__pending pending[VEILTUN__PENDING_MAX];
    int n_pending;
};

struct veiltun__sys {
    const struct veiltun__wintun *api;
    void *adapter;
    void *session;
    HANDLE read_event;    /* the session's (auto-reset, owned by Wintun) */
    HANDLE quit_event;    /* manual-reset: the reader thread stops */
    HANDLE ready_event;   /* manual-reset, the wait handle: packets queued or state changed */
    HANDLE cancel_event;  /* manual-reset: veiltun_cancel() */
    HANDLE room_event;    /* auto-reset: the consumer freed queue space the reader waits for */
    HANDLE gone_event;    /* manual-reset: the reader saw ERROR_HANDLE_EOF */
    HANDLE arrival_event; /* auto-reset: an IP interface of the adapter appeared */
    HANDLE reader;
    SRWLOCK session_lock; /* senders hold it shared; a ring restart and close hold it alone */
    CRITICAL_SECTION lock;
    struct veiltun__queue queue;
    _Atomic uint64_t luid; /* 0 until the adapter exists (the notification starts before) */
    uint32_t capacity;
    int auto_tune;
    int ipv6_disabled; /* the machine has IPv6 turned off: that family never arrives */
    int open_done;     /* arrivals after this are configured by the notification callback */
    struct veiltun__family fam[2];
    HANDLE notify;
    _Atomic int want_room;    /* the reader waits for queue space */
    _Atomic int link_changed; /* set by the IP Helper notification callback */
    _Atomic int
        event_waiting; /* an event is pending (set with the lock held): ready_event stays set */
    _Atomic int gone;  /* the adapter went away (ERROR_HANDLE_EOF) */
    _Atomic int reader_error; /* a VEILTUN_E* that stopped the reader, or 0 */
    _Atomic int send_broken;  /* writes fail for good with this VEILTUN_E*, or 0 */
    _Atomic int cancelled;    /* veiltun_cancel() was called: ready_event stays set */
    uint64_t full_seen;       /* auto-tuning: pressure counted at the last check */
    uint64_t last_tune_ms;
};

#endif
