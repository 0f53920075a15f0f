/* SPDX-License-Identifier: MIT */
/* veiltun_selftest.exe's parts (tests/windows/selftest/): the report (TAP lines, the system
 * header, the library's log), the responder (the device side: it plays the peer behind the
 * adapter, turning the program's own datagrams into replies), and the socket side (datagrams
 * sent through the OS's routing into the adapter, replies checked). Public API only: the
 * program must run unchanged against the real, signed wintun.dll. */
#ifndef VEILTUN_SELFTEST_H
#define VEILTUN_SELFTEST_H

#include "veiltun.h"

#include <winsock2.h> /* before windows.h, which would bring the older winsock.h */
#include <ws2tcpip.h>
#include <windows.h>

#include <stddef.h>
#include <stdint.h>

/* Exit codes: all checks passed, one failed, not elevated (a skip), bad arguments. */
#define SELFTEST_PASS  0
#define SELFTEST_FAIL  1
#define SELFTEST_SKIP  77
#define SELFTEST_USAGE 2

/* Every datagram starts with this and a per-run nonce, so the responder answers only the
 * program's own traffic (Windows sends multicast and discovery packets into a new adapter). */
#define MAGIC       "veiltun-selftest" /* 16 bytes, no NUL in the datagram */
#define MAGIC_LEN   16
#define TAG_LEN     (MAGIC_LEN + 8) /* magic + nonce */
#define SEQ_LEN     4
#define MIN_PAYLOAD (TAG_LEN + SEQ_LEN)

/* ---- report.c ---- */
/* One check: prints "ok N - WHAT" or "not ok N - WHAT: DETAILS" (DETAILS may be NULL) and
 * returns @p ok. */
int check(int ok, const char *details, const char *what_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "ok N - WHAT # SKIP WHY": a check that cannot be made here. */
void skip_check(const char *why, const char *what_fmt, ...) __attribute__((format(printf, 2, 3)));
/* A "# ..." diagnostic line. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_init(void);
/* The header: the program, the Windows version (and Wine's, if any), the library. */
void report_header(void);
/* The loaded wintun.dll's path and file version (after an open loaded it). */
void report_wintun_dll(void);
/* The plan line and the summary; returns the exit code. */
int report_finish(void);
int report_failures(void);
/* The library's log, as diagnostic lines. */
void report_logger(veiltun_log_level level, const char *msg, void *userdata);
/* 1 if the process is elevated (Administrator), 0 if not. */
int process_elevated(void);

/* ---- responder.c: the peer behind the adapter ---- */
struct responder {
    veiltun *dev;
    unsigned char tag[TAG_LEN]; /* magic + nonce */
    uint16_t port;              /* the service port the datagrams go to */
    unsigned char targets4[2][4], targets6[2][16];
    volatile LONG stop;
    volatile LONG use_handle; /* 1: WaitForSingleObject(wait handle); 0: veiltun_wait() */
    HANDLE thread;
    /* Counters, updated with Interlocked* by the responder's thread. */
    volatile LONG read;         /* packets read_batch handed over */
    volatile LONG answered;     /* replies written (status 0) */
    volatile LONG ignored;      /* packets that are not the program's datagrams */
    volatile LONG bad;          /* the program's datagrams with a wrong checksum, or a failed
                                   rewrite: not answered */
    volatile LONG max_len;      /* the longest of the program's datagrams seen */
    volatile LONG wakes_wait;   /* veiltun_wait() said ready */
    volatile LONG wakes_handle; /* the wait handle was signalled */
    volatile LONG batches, multi_batches, events;
    volatile LONG error; /* the first failure of a library call, or 0 */
    char error_what[64];
    /* What the first ignored packets were (read by the main thread once the thread ended):
     * on real Windows, what the OS itself sends into a new adapter. */
    char seen[8][120];
    int seen_count;
    /* The thread's own buffers. */
    unsigned char bufs[64][2048];
    veiltun_packet slots[64], replies[64];
};
int responder_start(struct responder *r);
/* Prints what the first ignored packets were (after responder_stop). */
void responder_print_ignored(const struct responder *r);
/* Stops the thread (bounded: 5 s). Returns 0, or -1 if it did not end. */
int responder_stop(struct responder *r);
LONG responder_get(volatile LONG *counter);

/* ---- udp.c: the program's sockets ---- */
struct udp_side {
    SOCKET s4, s6;
    unsigned char tag[TAG_LEN];
    uint16_t port;
    uint32_t next_seq;
    int df_error4, df_error6; /* setting "don't fragment" failed: the WSA error, or 0 */
};
/* One exchange: @p count datagrams of @p payload bytes to @p target (4 or 16 bytes), one at
 * a time (each reply awaited) or all at once. */
struct flow {
    int family; /* AF_INET or AF_INET6 */
    const unsigned char *target;
    unsigned count;
    size_t payload;
    int burst;
};
struct flow_result {
    unsigned sent, received, duplicates, strangers;
    int send_error; /* the first WSA error of sendto, or 0 */
    unsigned ms;    /* how long it took */
};
/* Two sockets (IPv4, IPv6) on any address, "don't fragment" set: 0, or the WSA error. */
int udp_open(struct udp_side *u);
void udp_close(struct udp_side *u);
/* Sends and collects the replies, each wait bounded; the result says what arrived. */
void udp_exchange(struct udp_side *u, const struct flow *f, struct flow_result *res);
/* Sends probes (one every 200 ms) until one is answered or @p ms pass. Returns the ms it
 * took, or -1. */
int udp_probe(struct udp_side *u, int family, const unsigned char *target, unsigned ms);

/* ---- the run (selftest.c: options, device checks; traffic.c: packets, counters, cancel) */
struct options {
    const char *name;
    const char *addr4, *addr6;   /* the device's addresses, with prefix */
    const char *route4, *route6; /* routed into the device */
    unsigned mtu, burst;
    uint16_t port;
};
struct run {
    struct options o;
    unsigned char peer4[4], peer6[16]; /* the address after the device's, in its subnet */
    unsigned char far4[4], far6[16];   /* inside the routed networks (".5") */
    char peer4_text[64], peer6_text[64], far4_text[64], far6_text[64];
    veiltun *dev;
    struct responder *resp;
    struct udp_side udp;
    int reachable[2]; /* IPv4, IPv6: the first datagram came back */
    int abandoned;    /* a thread may still use dev: leave it to the process's end */
};
/* Datagrams both ways, then the counters. */
void traffic(struct run *r);
/* veiltun_cancel() from another thread wakes a blocked veiltun_wait(). */
void cancel_wakes_waiter(struct run *r);

#endif
