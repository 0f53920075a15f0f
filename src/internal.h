/* SPDX-License-Identifier: MIT */
/*
 * Internal interface between the portable front (the files directly in src/) and the per-OS
 * backends (src/linux/, src/windows/). The front validates every argument once, then calls
 * veiltun__sys_*(); a backend never sees input the front has not checked.
 */
#ifndef VEILTUN_INTERNAL_H
#define VEILTUN_INTERNAL_H

#include "veiltun.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>

#if defined(_WIN32)
#include "windows/sys.h"
#define VEILTUN__HAS_NETNS 0 /* veiltun_config.netns_fd: network namespaces are Linux's */
#elif defined(__linux__)
#include "linux/sys.h"
#define VEILTUN__HAS_NETNS 1
#else
#error "veiltun has backends for Linux and Windows only"
#endif

/* What the front knows about the link; compared with what it last reported to make events.
 * The counters only grow, so a change that came and went between two fetches (a quick
 * down-then-up, an address removed and added back) still differs from what was reported. */
struct veiltun__link {
    unsigned mtu;
    int up;
    int removed;
    int moved;  /* Linux: the device left the handle's network namespace (still attached) */
    int broken; /* the packet path failed for good (Windows: ring corrupt, session lost) */
    uint32_t ups, downs;   /* transitions seen, in either direction */
    uint32_t addr_changes; /* address notifications for the device */
    uint32_t renames;      /* name changes */
};

/* In the order of veiltun_stats, which veiltun_get_stats() copies them into. */
struct veiltun__counters {
    _Atomic uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
    _Atomic uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
    _Atomic uint64_t ring_full, queue_full, reader_spins, reader_sleeps, ring_grows;
    _Atomic uint64_t ring_capacity;
    _Atomic uint64_t gso_splits, gso_segments, gro_merges, gro_udp_merges, gso_whole;
};

#define VEILTUN__COUNT(dev, field, n)                                                              \
    atomic_fetch_add_explicit(&(dev)->stats.field, (uint64_t)(n), memory_order_relaxed)

struct veiltun {
    /* The current name: written only with the lock held (the open, events). */
    char name[VEILTUN_NAME_MAX + 1];
    /* The name at open, never changed afterwards: for log lines from the packet path, which
     * runs without the lock. */
    char label[VEILTUN_NAME_MAX + 1];
    int ifindex;
    int created;
    _Atomic unsigned mtu_cache; /* for the write-path MTU check; refreshed from events */
    _Atomic int waiters;        /* threads inside veiltun_wait(), so close can wait for them */
    _Atomic int writers;        /* threads inside a write call, likewise */
    _Atomic int closing;        /* veiltun_close() began: a write waiting for room gives up */
    struct veiltun__link known;
    struct veiltun__link reported;
    struct veiltun__counters stats;
    struct veiltun__sys sys;
};

/* printf-style checking; mingw's C99 printf is "gnu_printf" to GCC. */
#if defined(__MINGW32__)
#define VEILTUN__PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__)
#define VEILTUN__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define VEILTUN__PRINTF(f, a)
#endif

/* ---- error.c: diagnostics ---- */
void veiltun__log(veiltun_log_level level, const char *fmt, ...) VEILTUN__PRINTF(2, 3);
/* Remember @p oserr as the thread's last OS error and return @p err. */
int veiltun__fail_os(int err, int oserr);
/* A failure about the caller's input: clears the thread's OS error, logs why, returns err. */
int veiltun__fail_input(int err, const char *fmt, ...) VEILTUN__PRINTF(2, 3);

/* ---- parse.c: names and prefixes (portable, pure) ---- */
int veiltun__name_is_template(const char *name);
/* Validate; on failure also say why in @p why (a static string). */
int veiltun__check_name(const char *name, const char **why);
int veiltun__check_mtu(unsigned mtu);
size_t veiltun__family_bits(int family);

/* ---- packet.c: batch bookkeeping over a per-packet function, the outgoing packet check ---- */
typedef int (*veiltun__io_fn)(veiltun *dev, void *buf, size_t len);
int veiltun__batch_read(veiltun *dev, veiltun_packet *pkts, size_t count, veiltun__io_fn read_one);
int veiltun__batch_write(veiltun *dev, veiltun_packet *pkts, size_t count,
                         veiltun__io_fn write_one);
/* Checks that an outgoing packet is IPv4/IPv6 with at least its fixed header. */
int veiltun__check_packet(const void *buf, size_t len);

/* ---- the per-OS backend (src/linux/, src/windows/) ----
 * Each returns 0 / a count, or a negative VEILTUN_E* after recording the OS error. */
int veiltun__sys_open(veiltun *dev, const veiltun_config *cfg);
int veiltun__sys_adopt(veiltun *dev, veiltun_os_handle fd);
void veiltun__sys_close(veiltun *dev);
void veiltun__sys_lock(veiltun *dev);
void veiltun__sys_unlock(veiltun *dev);
void veiltun__sys_pause(void);

/* Reads one packet; returns its length, or a value above @p size when it did not fit. */
int veiltun__sys_read(veiltun *dev, void *buf, size_t size);
/* As sys_read, or a super-packet whole with @p info filled (info pre-set to one plain packet). */
int veiltun__sys_read_gso(veiltun *dev, void *buf, size_t size, veiltun_gso_info *info);
/* A super-packet of type info->type (not NONE), already checked as a packet by the front. */
int veiltun__sys_write_gso(veiltun *dev, const void *buf, size_t len, const veiltun_gso_info *info);
int veiltun__sys_write(veiltun *dev, const void *buf, size_t len);
/* A backend that merges writes takes a whole batch (slots with a negative status are
 * skipped): 1 if this handle does, and the call returns the packets consumed or an error. */
int veiltun__sys_merges_writes(const veiltun *dev);
int veiltun__sys_write_batch(veiltun *dev, veiltun_packet *pkts, size_t count);

int veiltun__sys_get_link(veiltun *dev, struct veiltun__link *out);
int veiltun__sys_set_mtu(veiltun *dev, unsigned mtu);
int veiltun__sys_set_up(veiltun *dev, int up);
int veiltun__sys_set_persist(veiltun *dev, int persist);
int veiltun__sys_set_metric(veiltun *dev, uint32_t metric);
int veiltun__sys_set_offload(veiltun *dev, uint32_t features);
int veiltun__sys_get_offload(const veiltun *dev);
int veiltun__sys_address(veiltun *dev, const veiltun_prefix *p, int add);
int veiltun__sys_get_addresses(veiltun *dev, veiltun_prefix *out, size_t max);
int veiltun__sys_route(veiltun *dev, const veiltun_prefix *dst, const veiltun_prefix *gw,
                       uint32_t metric, int add);

int veiltun__sys_query(const char *name, veiltun_info *out);
int veiltun__sys_list(veiltun_info *out, size_t max);
int veiltun__sys_query_addresses(const char *name, veiltun_prefix *out, size_t max);

/* io.c: 1 if dev->known differs from what veiltun_next_event() last reported (takes the lock). */
int veiltun__events_pending(veiltun *dev);
/* The same with the lock already held. */
int veiltun__events_differ(const veiltun *dev);
/* Records the link state the OS reported (lock held): counts up/down transitions, and sets the
 * MTU (and the write path's copy) unless @p mtu is 0. */
void veiltun__link_seen(veiltun *dev, int up, unsigned mtu);
/* device.c: takes the lock for a configuration call after applying pending notifications;
 * VEILTUN_ENODEV (lock not held) when the device left the handle's network namespace. */
int veiltun__lock_config(veiltun *dev);

/* Applies pending OS notifications to dev->known (called with the lock held). */
int veiltun__sys_drain_events(veiltun *dev);
/* After veiltun_next_event() took an event (lock held): the wait handle shows whether more
 * are pending. */
void veiltun__sys_events_fetched(veiltun *dev);
veiltun_os_handle veiltun__sys_wait_handle(const veiltun *dev);
/* Blocks; returns a VEILTUN_READY_* mask, VEILTUN_ETIMEDOUT or VEILTUN_ECANCELED. */
int veiltun__sys_wait(veiltun *dev, int timeout_ms);
int veiltun__sys_cancel(veiltun *dev);

#endif
