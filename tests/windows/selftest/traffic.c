/* SPDX-License-Identifier: MIT */
/* veiltun_selftest.exe's packet checks: datagrams from the program's own sockets to the
 * peer addresses behind the adapter (and through the routes into it), answered by the
 * responder thread; one at a time, at full MTU, one byte over the MTU, and in bursts; then
 * the handle's counters against what the responder saw; then veiltun_cancel() from another
 * thread waking a blocked veiltun_wait(). */
#include "selftest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBE_MS 10000 /* the first reply: the OS may take a moment to use a new adapter */
#define PACED    16
#define ROUTED   8
#define FULL_MTU 2
#define SMALL    64 /* payload bytes of an ordinary datagram */

static const char *family_name(int family)
{
    return family == AF_INET ? "IPv4" : "IPv6";
}

static size_t headers(int family)
{
    return family == AF_INET ? 20 + 8 : 40 + 8;
}

static const unsigned char *peer(const struct run *r, int family)
{
    return family == AF_INET ? r->peer4 : r->peer6;
}

/* One exchange; the check passes if every datagram went out and came back once. */
static int flow_check(struct run *r, const struct flow *f, const char *what)
{
    struct flow_result res;
    char d[200];

    udp_exchange(&r->udp, f, &res);
    snprintf(d, sizeof(d),
             "sent %u of %u, replies %u, duplicates %u, strangers %u, first send "
             "error %d (WSA)",
             res.sent, f->count, res.received, res.duplicates, res.strangers, res.send_error);
    return check(res.sent == f->count && res.received == f->count && res.duplicates == 0 &&
                     res.strangers == 0,
                 d, "%s: every reply back (%u ms)", what, res.ms);
}

/* A datagram one byte over the MTU with "don't fragment" must not reach the adapter whole:
 * the OS refuses to send it (WSAEMSGSIZE) or drops it. A reply means the MTU was not set. */
static void oversize(struct run *r, int family)
{
    int df = family == AF_INET ? r->udp.df_error4 : r->udp.df_error6;
    struct flow f = {family, peer(r, family), 1, r->o.mtu - headers(family) + 1, 0};
    struct flow_result res;
    char d[160];

    if (df != 0) {
        char why[80];
        snprintf(why, sizeof(why), "setting don't-fragment failed (WSA %d)", df);
        skip_check(why, "%s: a datagram 1 byte over the MTU is not delivered whole",
                   family_name(family));
        return;
    }
    udp_exchange(&r->udp, &f, &res);
    snprintf(d, sizeof(d), "a reply came back: the adapter's %s MTU is not %u", family_name(family),
             r->o.mtu);
    check(res.received == 0, d,
          "%s: a datagram 1 byte over the MTU (%u) with don't-fragment is "
          "not delivered whole (%s)",
          family_name(family), r->o.mtu,
          res.send_error == WSAEMSGSIZE ? "sendto: WSAEMSGSIZE"
          : res.send_error              ? "sendto failed"
                                        : "sent, then dropped by the OS");
}

static void family_traffic(struct run *r, int family)
{
    const char *v = family_name(family);
    const char *ptext = family == AF_INET ? r->peer4_text : r->peer6_text;
    const char *ftext = family == AF_INET ? r->far4_text : r->far6_text;
    const char *route = family == AF_INET ? r->o.route4 : r->o.route6;
    const unsigned char *beyond = family == AF_INET ? r->far4 : r->far6;
    struct flow paced = {family, peer(r, family), PACED, SMALL, 0};
    struct flow full = {family, peer(r, family), FULL_MTU, r->o.mtu - headers(family), 0};
    struct flow routed = {family, beyond, ROUTED, SMALL, 0};
    char what[160];
    int ms;

    /* IPv4 is served through veiltun_wait(), IPv6 through the wait handle. */
    InterlockedExchange(&r->resp->use_handle, family == AF_INET6);
    note("%s: the responder waits with %s", v,
         family == AF_INET ? "veiltun_wait()" : "WaitForSingleObject(veiltun_wait_handle())");
    ms = udp_probe(&r->udp, family, peer(r, family), PROBE_MS);
    if (!check(ms >= 0,
               "no reply within 10 s: the OS did not route the datagrams into the adapter, "
               "or did not deliver the replies (a firewall rule?)",
               "%s: a datagram to %s comes back through the adapter (first reply after %d ms)", v,
               ptext, ms))
        return;
    r->reachable[family == AF_INET6] = 1;
    snprintf(what, sizeof(what), "%s: %d datagrams to %s, one at a time", v, PACED, ptext);
    flow_check(r, &paced, what);
    snprintf(what, sizeof(what), "%s: %d full-MTU datagrams (%u bytes) with don't-fragment", v,
             FULL_MTU, r->o.mtu);
    flow_check(r, &full, what);
    snprintf(what, sizeof(what), "%s: %d datagrams to %s through the route %s", v, ROUTED, ftext,
             route);
    flow_check(r, &routed, what);
    oversize(r, family);
}

static void bursts(struct run *r)
{
    char what[160];

    for (int family = AF_INET; family != 0; family = family == AF_INET ? AF_INET6 : 0) {
        struct flow f = {family, peer(r, family), r->o.burst, SMALL, 1};

        InterlockedExchange(&r->resp->use_handle, family == AF_INET6);
        if (!r->reachable[family == AF_INET6]) {
            skip_check("its first datagram got no reply", "%s: a burst", family_name(family));
            continue;
        }
        snprintf(what, sizeof(what), "%s: a burst of %u datagrams sent at once (responder on %s)",
                 family_name(family), r->o.burst,
                 family == AF_INET ? "veiltun_wait()" : "the wait handle");
        flow_check(r, &f, what);
    }
}

static void print_stats(const veiltun_stats *s)
{
    note("stats rx_packets %llu rx_dropped %llu rx_errors %llu tx_packets %llu tx_dropped %llu "
         "tx_errors %llu ring_full %llu queue_full %llu reader_spins %llu reader_sleeps %llu "
         "ring_capacity %llu",
         (unsigned long long)s->rx_packets, (unsigned long long)s->rx_dropped,
         (unsigned long long)s->rx_errors, (unsigned long long)s->tx_packets,
         (unsigned long long)s->tx_dropped, (unsigned long long)s->tx_errors,
         (unsigned long long)s->ring_full, (unsigned long long)s->queue_full,
         (unsigned long long)s->reader_spins, (unsigned long long)s->reader_sleeps,
         (unsigned long long)s->ring_capacity);
}

static void print_os_counters(const char *name)
{
    veiltun_info info;

    if (veiltun_query(name, &info) != 0)
        return;
    note("the OS's counters for the adapter: rx_packets %llu rx_dropped %llu rx_errors %llu "
         "tx_packets %llu tx_dropped %llu tx_errors %llu",
         (unsigned long long)info.counters.rx_packets, (unsigned long long)info.counters.rx_dropped,
         (unsigned long long)info.counters.rx_errors, (unsigned long long)info.counters.tx_packets,
         (unsigned long long)info.counters.tx_dropped, (unsigned long long)info.counters.tx_errors);
}

/* The handle's counters against what the responder saw (it has stopped: nothing moves). */
static void counters(struct run *r)
{
    struct responder *p = r->resp;
    veiltun_stats s;
    char d[200];

    if (!check(veiltun_get_stats(r->dev, &s, sizeof(s)) == 0, NULL, "veiltun_get_stats"))
        return;
    print_stats(&s);
    print_os_counters(r->o.name);
    note("responder read %ld answered %ld ignored %ld bad %ld; %ld read batches, %ld of more "
         "than one packet; woken %ld times by veiltun_wait(), %ld by the wait handle; %ld events",
         p->read, p->answered, p->ignored, p->bad, p->batches, p->multi_batches, p->wakes_wait,
         p->wakes_handle, p->events);
    responder_print_ignored(p);
    snprintf(d, sizeof(d), "%s: %s", p->error_what, veiltun_strerror((int)p->error));
    check(p->error == 0, d, "responder: no library call failed");
    check(p->bad == 0, "checksums wrong on arrival or after the rewrite",
          "responder: every datagram of the program had right checksums, and so had its reply");
    snprintf(d, sizeof(d), "the longest was %ld bytes", p->max_len);
    check(p->max_len <= (LONG)r->o.mtu, d,
          "no datagram longer than the MTU (%u) reached the "
          "adapter",
          r->o.mtu);
    check(p->wakes_wait > 0 && p->wakes_handle > 0, NULL,
          "the responder was woken by veiltun_wait() and by the wait handle");
    snprintf(d, sizeof(d), "rx_packets %llu", (unsigned long long)s.rx_packets);
    check(s.rx_packets == (uint64_t)p->read, d, "counters: rx_packets is what was read (%ld)",
          p->read);
    snprintf(d, sizeof(d), "tx_packets %llu", (unsigned long long)s.tx_packets);
    check(s.tx_packets == (uint64_t)p->answered, d,
          "counters: tx_packets is the replies written (%ld)", p->answered);
    check(s.rx_dropped == 0 && s.rx_errors == 0 && s.tx_dropped == 0 && s.tx_errors == 0 &&
              s.ring_full == 0,
          "see the stats line above",
          "counters: nothing dropped or failed (rx_dropped, rx_errors, tx_dropped, tx_errors, "
          "ring_full all 0)");
}

static void start_responder(struct run *r)
{
    struct responder *p = calloc(1, sizeof(*r->resp));

    if (!check(p != NULL, "out of memory", "responder allocated"))
        return;
    p->dev = r->dev;
    memcpy(p->tag, r->udp.tag, TAG_LEN);
    p->port = r->o.port;
    memcpy(p->targets4[0], r->peer4, 4);
    memcpy(p->targets4[1], r->far4, 4);
    memcpy(p->targets6[0], r->peer6, 16);
    memcpy(p->targets6[1], r->far6, 16);
    if (check(responder_start(p) == 0, "CreateThread failed", "responder thread started"))
        r->resp = p;
    else
        free(p);
}

void traffic(struct run *r)
{
    int err = udp_open(&r->udp);
    char d[64];

    snprintf(d, sizeof(d), "WSA error %d", err);
    if (!check(err == 0, d, "UDP sockets (IPv4, IPv6) opened"))
        goto out;
    start_responder(r);
    if (r->resp == NULL)
        goto out;
    family_traffic(r, AF_INET);
    family_traffic(r, AF_INET6);
    bursts(r);
    if (!check(responder_stop(r->resp) == 0, "still running after 5 s",
               "responder thread stopped")) {
        r->abandoned = 1; /* it may still use the handle: never free it under the thread */
        goto out;
    }
    counters(r);
    free(r->resp);
    r->resp = NULL;
out:
    udp_close(&r->udp);
}

struct waiter {
    veiltun *dev;
    int result;
    ULONGLONG started; /* when the last veiltun_wait() call began */
    unsigned char buf[2048];
};

/* Waits (10 s at most) until cancelled; packets that wake it meanwhile are read and dropped,
 * since the handle is level-triggered. */
static DWORD WINAPI waiter_main(void *arg)
{
    struct waiter *w = arg;
    ULONGLONG deadline = GetTickCount64() + 10000;
    veiltun_event ev;

    do {
        w->started = GetTickCount64();
        w->result = veiltun_wait(w->dev, 10000);
        while (w->result > 0 && veiltun_next_event(w->dev, &ev) == 0)
            ;
        while (w->result > 0 && veiltun_read(w->dev, w->buf, sizeof(w->buf)) > 0)
            ;
    } while (w->result > 0 && GetTickCount64() < deadline);
    return 0;
}

void cancel_wakes_waiter(struct run *r)
{
    static struct waiter w;
    ULONGLONG cancelled, t;
    HANDLE thread;
    DWORD joined;
    int rc;
    char d[160];

    w.dev = r->dev;
    thread = CreateThread(NULL, 0, waiter_main, &w, 0, NULL);
    if (!check(thread != NULL, "CreateThread failed", "a thread waits in veiltun_wait()"))
        return;
    Sleep(300); /* long enough for it to block */
    cancelled = GetTickCount64();
    rc = veiltun_cancel(r->dev);
    joined = WaitForSingleObject(thread, 5000);
    CloseHandle(thread);
    check(rc == 0, veiltun_strerror(rc), "veiltun_cancel returns 0");
    if (joined != WAIT_OBJECT_0) {
        r->abandoned = 1;
        check(0, "still blocked 5 s after veiltun_cancel",
              "veiltun_cancel from another thread wakes the blocked veiltun_wait()");
        return;
    }
    snprintf(d, sizeof(d), "veiltun_wait returned %s", veiltun_strerror(w.result));
    check(w.result == VEILTUN_ECANCELED, d,
          "veiltun_cancel from another thread wakes the blocked veiltun_wait() with "
          "VEILTUN_ECANCELED (%llu ms after the cancel; that wait began %s the cancel)",
          (unsigned long long)(GetTickCount64() - cancelled),
          w.started <= cancelled ? "before" : "after");
    t = GetTickCount64();
    rc = veiltun_wait(r->dev, 2000);
    snprintf(d, sizeof(d), "%s after %llu ms", veiltun_strerror(rc),
             (unsigned long long)(GetTickCount64() - t));
    check(rc == VEILTUN_ECANCELED && GetTickCount64() - t < 1000, d,
          "a later veiltun_wait() returns VEILTUN_ECANCELED at once");
    check(WaitForSingleObject(veiltun_wait_handle(r->dev), 0) == WAIT_OBJECT_0, NULL,
          "the wait handle stays signalled after the cancel");
}
