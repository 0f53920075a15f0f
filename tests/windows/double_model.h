/* SPDX-License-Identifier: MIT */
/* The wintun.dll double's model (rings, sessions, adapters), shared by wintun_double.c and its
 * bridged mode (bridge/double_bridge.c). Test code only. */
#ifndef VEILTUN_TEST_DOUBLE_MODEL_H
#define VEILTUN_TEST_DOUBLE_MODEL_H

#include <winsock2.h>
#include <windows.h>

#include "double.h"

#include <stdint.h>

#define EXPORT __declspec(dllexport)

#define MAX_IFACES     64
#define ALIAS_LEN      128
#define MAX_PACKET     0xFFFFu /* api/wintun.h WINTUN_MAX_IP_PACKET_SIZE */
#define ALIGNMENT      4u      /* api/session.c: packets are aligned to sizeof(ULONG) */
#define HEADER         4u      /* api/session.c: a packet is a ULONG size then its bytes */
#define MIN_CAPACITY   0x20000u
#define MAX_CAPACITY   0x4000000u
#define INVALID_POS    0xFFFFFFFFu /* driver/wintun.c: MAXULONG marks a ring as ended */
#define HELD_BIT       0x80000000u /* set while the application still holds the packet */
#define IF_TYPE_WINTUN 53          /* driver/wintun.inf: IF_TYPE_PROP_VIRTUAL */
#define FIRST_IF_INDEX 10
#define SESSION_MAGIC  0x5e55104eu
#define HANDLE_MAGIC   0xada97e40u
#define FAIL_SLOTS     8

#define LOG_INFO 0
#define LOG_WARN 1
#define LOG_ERR  2

typedef void(WINAPI *logger_fn)(int level, DWORD64 timestamp, const WCHAR *message);

/* One ring: the offsets shared by the two sides and the bytes. */
struct ring {
    volatile ULONG head, tail;
    BYTE *data;
    SIZE_T bytes; /* allocated with VirtualAlloc, freed at WintunEndSession */
};

struct adapter;

struct session {
    DWORD magic;
    struct adapter *adapter;
    struct handle *handle; /* the adapter handle it was started on */
    ULONG capacity;
    HANDLE read_event;
    struct ring rx, tx;
    /* Application side of rx: next packet to read, first packet not yet released. */
    ULONG rx_read, rx_release, rx_outstanding;
    /* Application side of tx: next free position, first packet not yet sent. */
    ULONG tx_alloc, tx_publish, tx_outstanding;
    /* Driver side of tx: next packet to hand to the stack, end of the checked packets. */
    ULONG drv_take, drv_checked;
    BOOL rx_corrupt, tx_corrupt, tx_full;
    BOOL registered; /* holds the adapter's ring registration */
    BOOL cut;        /* the driver unregistered the rings (end of file) */
    BOOL ended;      /* WintunEndSession was called; the struct is kept to detect misuse */
    volatile LONG inside_rx, inside_tx;
};

/* A row of the interface table plus what a Wintun adapter needs. */
struct adapter {
    struct wintun_test_iface row;
    BOOL listed;   /* in the interface table */
    BOOL absent;   /* driver upgrade: the device is not present at all */
    BOOL disabled; /* the device exists but its interface is not enabled */
    WCHAR tunnel_type[ALIAS_LEN];
    GUID guid;
    struct session *live; /* the session holding the ring registration */
    LONG handles;         /* open handles; the slot is reused only when none are left */
};

struct handle {
    DWORD magic;
    struct adapter *adapter;
    BOOL creator;
    BOOL closed;             /* kept allocated to detect use after close */
    struct session *session; /* the last session started on it */
};

/* Guards everything in the model. */
extern CRITICAL_SECTION double_lock;

/* driver/wintun.c TunSendNetBufferLists: writes a chain into @p s's receive ring, all or
 * nothing (see wintun_double.c). Lock held; @p s may be NULL (FALSE). */
BOOL double_write_chain(struct session *s, const BYTE *const *data, const DWORD *sizes,
                        DWORD count);
/* The driver takes the oldest published IP packet from @p s's send ring (0: none). Lock held. */
DWORD double_take_one(struct session *s, BYTE *buf, DWORD cap);

/* Bridged mode (bridge/double_bridge.c): the first adapter created while VEILTUN_DOUBLE_BRIDGE
 * is set is backed by a Linux TUN device. Without the variable every call does nothing. */
void bridge_init(void);                     /* DllMain, process attach */
BOOL bridge_wanted(void);                   /* the variable is set */
BOOL bridge_connect(const WCHAR *name);     /* before a create: FALSE fails the create */
void bridge_bind(struct adapter *a);        /* lock held: the adapter just created */
void bridge_detach(struct adapter *a);      /* lock held: the adapter leaves the table */
void bridge_wake_sender(struct session *s); /* lock held: WintunSendPacket published */

#endif
