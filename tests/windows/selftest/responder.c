/* SPDX-License-Identifier: MIT */
/* The device side of veiltun_selftest.exe: a thread that plays the peer behind the adapter.
 * It waits for packets (veiltun_wait() or WaitForSingleObject on veiltun_wait_handle(), as
 * the main thread chooses), reads them with veiltun_read_batch(), recognises the program's
 * own UDP datagrams (sent to one of the peer addresses, to the service port, starting with
 * the run's tag), checks their checksums, turns each into its reply with the library's packet
 * helpers (addresses and ports swapped, checksums updated incrementally and checked again),
 * and writes the replies with veiltun_write_batch(). Everything else (Windows sends discovery
 * and multicast packets into a new adapter) is counted and left alone. */
#include "selftest.h"

#include <stdio.h>
#include <string.h>

#define WAIT_MS 100 /* each wait is bounded, so the thread sees its stop flag */

enum kind { OTHER, OURS };

LONG responder_get(volatile LONG *counter)
{
    return InterlockedCompareExchange(counter, 0, 0);
}

static int fail(struct responder *r, const char *what, int err)
{
    if (responder_get(&r->error) == 0) {
        snprintf(r->error_what, sizeof(r->error_what), "%s", what);
        InterlockedExchange(&r->error, err);
    }
    return err;
}

static int is_target(const struct responder *r, const veiltun_packet_info *in)
{
    for (int i = 0; i < 2; i++) {
        if (in->version == 4 && memcmp(in->dst, r->targets4[i], 4) == 0)
            return 1;
        if (in->version == 6 && memcmp(in->dst, r->targets6[i], 16) == 0)
            return 1;
    }
    return 0;
}

static enum kind classify(const struct responder *r, const unsigned char *pkt, size_t len,
                          veiltun_packet_info *in)
{
    size_t payload;

    if (veiltun_packet_parse(pkt, len, in) < 0 || in->protocol != 17 || !in->has_ports ||
        in->is_fragment || in->dst_port != r->port || !is_target(r, in))
        return OTHER;
    payload = in->header_len + 8;
    if (in->total_len < payload + MIN_PAYLOAD || memcmp(pkt + payload, r->tag, TAG_LEN) != 0)
        return OTHER;
    return OURS;
}

static int checksums_ok(const unsigned char *pkt, size_t len)
{
    return veiltun_ipv4_header_checksum_ok(pkt, len) == 1 && veiltun_l4_checksum_ok(pkt, len) == 1;
}

/* The datagram becomes its reply, in place: from the peer address and service port, to the
 * program's address and port. Returns 0, or -1 if a checksum was wrong before or after. */
static int make_reply(unsigned char *pkt, size_t len, const veiltun_packet_info *in)
{
    if (!checksums_ok(pkt, len))
        return -1;
    if (veiltun_rewrite_address(pkt, len, VEILTUN_SOURCE, in->dst) != 0 ||
        veiltun_rewrite_address(pkt, len, VEILTUN_DESTINATION, in->src) != 0 ||
        veiltun_rewrite_port(pkt, len, VEILTUN_SOURCE, in->dst_port) != 0 ||
        veiltun_rewrite_port(pkt, len, VEILTUN_DESTINATION, in->src_port) != 0)
        return -1;
    /* The incremental updates must give what a full computation gives. */
    return checksums_ok(pkt, len) ? 0 : -1;
}

static void note_max_len(struct responder *r, LONG len)
{
    LONG seen = responder_get(&r->max_len);

    while (len > seen) {
        LONG was = InterlockedCompareExchange(&r->max_len, len, seen);
        if (was == seen)
            break;
        seen = was;
    }
}

/* One line about a packet that is not the program's: version, protocol (ICMP type), addresses,
 * ports, length. */
static void describe(const unsigned char *pkt, size_t len, char *out, size_t size)
{
    veiltun_packet_info in;
    char src[64], dst[64], sp[16] = "", dp[16] = "", icmp[16] = "";
    int af;

    if (veiltun_packet_parse(pkt, len, &in) < 0) {
        snprintf(out, size, "not an IP packet (first byte 0x%02x), %zu bytes", len ? pkt[0] : 0,
                 len);
        return;
    }
    af = in.version == 4 ? AF_INET : AF_INET6;
    inet_ntop(af, in.src, src, sizeof(src));
    inet_ntop(af, in.dst, dst, sizeof(dst));
    if (in.has_ports) {
        snprintf(sp, sizeof(sp), " port %u", (unsigned)in.src_port);
        snprintf(dp, sizeof(dp), " port %u", (unsigned)in.dst_port);
    }
    if (in.has_icmp)
        snprintf(icmp, sizeof(icmp), " type %u", (unsigned)in.icmp_type);
    snprintf(out, size, "IPv%d protocol %u%s %s%s -> %s%s, %zu bytes", in.version,
             (unsigned)in.protocol, icmp, src, sp, dst, dp, len);
}

static void ignore(struct responder *r, const veiltun_packet *p)
{
    InterlockedIncrement(&r->ignored);
    if (r->seen_count < (int)(sizeof(r->seen) / sizeof(r->seen[0])))
        describe(p->data, p->len, r->seen[r->seen_count++], sizeof(r->seen[0]));
}

void responder_print_ignored(const struct responder *r)
{
    for (int i = 0; i < r->seen_count; i++)
        note("ignored packet %d: %s", i + 1, r->seen[i]);
}

/* Turns the program's datagrams among the @p n slots read into replies. Returns how many. */
static size_t answer(struct responder *r, int n)
{
    veiltun_packet_info in;
    size_t k = 0;

    for (int i = 0; i < n; i++) {
        veiltun_packet *p = &r->slots[i];

        if (classify(r, p->data, p->len, &in) != OURS) {
            ignore(r, p);
            continue;
        }
        note_max_len(r, (LONG)p->len);
        if (make_reply(p->data, p->len, &in) < 0) {
            InterlockedIncrement(&r->bad);
            continue;
        }
        r->replies[k++] = *p; /* the slot as read: its len is the reply's */
    }
    return k;
}

static int write_replies(struct responder *r, size_t k)
{
    int w;

    for (size_t done = 0; done < k; done += (size_t)w) {
        w = veiltun_write_batch(r->dev, r->replies + done, k - done);
        if (w < 0)
            return fail(r, "veiltun_write_batch", w);
    }
    for (size_t i = 0; i < k; i++) {
        if (r->replies[i].status < 0)
            return fail(r, "a reply's status from veiltun_write_batch", r->replies[i].status);
        InterlockedIncrement(&r->answered);
    }
    return 0;
}

/* Drains the events (the wait handle stays signalled while one is pending), then reads and
 * answers until nothing is left (at most 64 batches: then the wait comes round again). */
static int serve(struct responder *r)
{
    veiltun_event ev;
    int n;

    while (veiltun_next_event(r->dev, &ev) == 0)
        InterlockedIncrement(&r->events);
    for (int round = 0; round < 64; round++) {
        for (int i = 0; i < 64; i++)
            r->slots[i] = (veiltun_packet){r->bufs[i], sizeof(r->bufs[i]), 0, 0};
        n = veiltun_read_batch(r->dev, r->slots, 64);
        if (n == VEILTUN_EAGAIN)
            return 0;
        if (n < 0)
            return fail(r, "veiltun_read_batch", n);
        InterlockedExchangeAdd(&r->read, n);
        InterlockedIncrement(&r->batches);
        if (n > 1)
            InterlockedIncrement(&r->multi_batches);
        if (write_replies(r, answer(r, n)) < 0)
            return -1;
    }
    return 0;
}

/* Returns 1 if something is ready, 0 on timeout, or a VEILTUN_E* code. */
static int wait_ready(struct responder *r)
{
    int ret;

    if (responder_get(&r->use_handle)) {
        DWORD w = WaitForSingleObject(veiltun_wait_handle(r->dev), WAIT_MS);
        if (w == WAIT_OBJECT_0) {
            InterlockedIncrement(&r->wakes_handle);
            return 1;
        }
        return w == WAIT_TIMEOUT ? 0 : fail(r, "WaitForSingleObject(wait handle)", VEILTUN_EIO);
    }
    ret = veiltun_wait(r->dev, WAIT_MS);
    if (ret > 0) {
        InterlockedIncrement(&r->wakes_wait);
        return 1;
    }
    return ret == VEILTUN_ETIMEDOUT ? 0 : fail(r, "veiltun_wait", ret);
}

static DWORD WINAPI responder_main(void *arg)
{
    struct responder *r = arg;

    while (!responder_get(&r->stop)) {
        int ready = wait_ready(r);

        if (ready < 0 || (ready > 0 && serve(r) < 0))
            break;
    }
    return 0;
}

int responder_start(struct responder *r)
{
    r->thread = CreateThread(NULL, 0, responder_main, r, 0, NULL);
    return r->thread != NULL ? 0 : -1;
}

int responder_stop(struct responder *r)
{
    DWORD w;

    if (r->thread == NULL)
        return 0;
    InterlockedExchange(&r->stop, 1);
    w = WaitForSingleObject(r->thread, 5000);
    if (w != WAIT_OBJECT_0)
        return -1; /* left running: the handle is then not closed (see main) */
    CloseHandle(r->thread);
    r->thread = NULL;
    return 0;
}
