/* Coalescing TCP segments on write (see gro.h). */
#include "gro.h"

#include <string.h>

#define TCP_ACK    0x10
#define TCP_PSH    0x08
#define MAX_PACKET 65535u

static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static int is_v6(const uint8_t *p)
{
    return p[0] >> 4 == 6;
}

/* Sum of the pseudo-header for a transport segment of @p l4len bytes, unfolded. */
static uint32_t pseudo(const uint8_t *p, size_t l4len)
{
    uint8_t tail[8] = {(uint8_t)(l4len >> 24),
                       (uint8_t)(l4len >> 16),
                       (uint8_t)(l4len >> 8),
                       (uint8_t)l4len,
                       0,
                       0,
                       0,
                       6};

    if (is_v6(p))
        return veiltun__csum_add(veiltun__csum_add(0, p + 8, 32), tail, 8);
    return veiltun__csum_add(veiltun__csum_add(0, p + 12, 8), tail + 2, 2) + 6;
}

/* Where the TCP header starts: no IPv4 options, no IPv6 extension headers, no fragments. */
static size_t tcp_offset(const uint8_t *p, size_t len)
{
    if (len >= 40 && is_v6(p))
        return p[6] == 6 && get16(p + 4) + 40u == len ? 40 : 0;
    if (len < 20 || p[0] != 0x45 || p[9] != 6 || get16(p + 2) != len ||
        (get16(p + 6) & 0x3fff) != 0 /* MF or a fragment offset */)
        return 0;
    return veiltun__csum_fold(veiltun__csum_add(0, p, 20)) == 0 ? 20 : 0;
}

int veiltun__gro_candidate(const uint8_t *pkt, size_t len)
{
    size_t l4 = tcp_offset(pkt, len), thl;

    if (l4 == 0 || l4 + 20 > len)
        return 0;
    thl = (size_t)(pkt[l4 + 12] >> 4) * 4;
    if (thl < 20 || l4 + thl >= len) /* no payload: nothing to merge */
        return 0;
    if ((pkt[l4 + 13] & ~TCP_PSH) != TCP_ACK) /* SYN, FIN, RST, URG, ECE, CWR: alone */
        return 0;
    return veiltun__csum_fold(veiltun__csum_add(pseudo(pkt, len - l4), pkt + l4, len - l4)) == 0;
}

void veiltun__gro_begin(struct veiltun__gro *g, uint8_t *out, const uint8_t *pkt, size_t len)
{
    g->out = out;
    g->l4 = tcp_offset(pkt, len);
    g->hlen = g->l4 + (size_t)(pkt[g->l4 + 12] >> 4) * 4;
    g->seg = len - g->hlen;
    g->count = 1;
    g->len = len;
    g->next_seq = get32(pkt + g->l4 + 4) + (uint32_t)g->seg;
    g->closed = (pkt[g->l4 + 13] & TCP_PSH) != 0;
    memcpy(out + VEILTUN__VNET_HDR_LEN, pkt, len);
}

/* The headers must match the run's except lengths, IPv4 ID and checksum, sequence, PSH
 * and the TCP checksum. */
static int same_headers(const struct veiltun__gro *g, const uint8_t *a, const uint8_t *b)
{
    size_t l4 = g->l4;

    if (is_v6(a) != is_v6(b))
        return 0;
    if (is_v6(a)) {
        if (memcmp(a, b, 4) != 0 || memcmp(a + 6, b + 6, 34) != 0)
            return 0;
    } else if (memcmp(a, b, 2) != 0 || memcmp(a + 6, b + 6, 4) != 0 ||
               memcmp(a + 12, b + 12, 8) != 0) {
        return 0;
    }
    return memcmp(a + l4, b + l4, 4) == 0 &&                            /* ports */
           memcmp(a + l4 + 8, b + l4 + 8, 5) == 0 &&                    /* ack, data offset */
           memcmp(a + l4 + 14, b + l4 + 14, 2) == 0 &&                  /* window */
           memcmp(a + l4 + 18, b + g->l4 + 18, g->hlen - l4 - 18) == 0; /* urgent, options */
}

int veiltun__gro_append(struct veiltun__gro *g, const uint8_t *pkt, size_t len)
{
    const uint8_t *first = g->out + VEILTUN__VNET_HDR_LEN;
    size_t payload;

    if (g->closed || g->count >= VEILTUN__GRO_MAX_SEGMENTS || len <= g->hlen ||
        !veiltun__gro_candidate(pkt, len) || tcp_offset(pkt, len) != g->l4)
        return 0;
    payload = len - g->hlen;
    if (payload > g->seg || g->len + payload > MAX_PACKET ||
        (size_t)(pkt[g->l4 + 12] >> 4) * 4 != g->hlen - g->l4 ||
        get32(pkt + g->l4 + 4) != g->next_seq || !same_headers(g, first, pkt))
        return 0;
    /* Without DF, the kernel's GRO wants IPv4 IDs that count up by one. */
    if (!is_v6(pkt) && !(first[6] & 0x40) &&
        get16(pkt + 4) != ((get16(first + 4) + g->count) & 0xffff))
        return 0;
    memcpy(g->out + VEILTUN__VNET_HDR_LEN + g->len, pkt + g->hlen, payload);
    g->len += payload;
    g->count++;
    g->next_seq += (uint32_t)payload;
    /* A shorter segment or a PSH ends the run; the merged packet carries the PSH. */
    if (payload < g->seg || (pkt[g->l4 + 13] & TCP_PSH)) {
        g->closed = 1;
        g->out[VEILTUN__VNET_HDR_LEN + g->l4 + 13] |= pkt[g->l4 + 13] & TCP_PSH;
    }
    return 1;
}

size_t veiltun__gro_finish(struct veiltun__gro *g)
{
    uint8_t *h = g->out, *p = g->out + VEILTUN__VNET_HDR_LEN;
    size_t l4len = g->len - g->l4;

    memset(h, 0, VEILTUN__VNET_HDR_LEN);
    if (g->count == 1)
        return VEILTUN__VNET_HDR_LEN + g->len; /* unchanged, its checksums are right */
    if (is_v6(p)) {
        put16(p + 4, (unsigned)(g->len - 40));
    } else {
        put16(p + 2, (unsigned)g->len);
        put16(p + 10, 0);
        put16(p + 10, veiltun__csum_fold(veiltun__csum_add(0, p, 20)));
    }
    /* The kernel finishes the checksum of every segment it makes: the field holds the
     * pseudo-header sum, as for a packet whose checksum was left partial. */
    put16(p + g->l4 + 16, (unsigned)(uint16_t)~veiltun__csum_fold(pseudo(p, l4len)));
    h[0] = 1;                /* VIRTIO_NET_HDR_F_NEEDS_CSUM */
    h[1] = is_v6(p) ? 4 : 1; /* VIRTIO_NET_HDR_GSO_TCPV6 / TCPV4 */
    h[2] = (uint8_t)g->hlen, h[3] = (uint8_t)(g->hlen >> 8);
    h[4] = (uint8_t)g->seg, h[5] = (uint8_t)(g->seg >> 8);
    h[6] = (uint8_t)g->l4, h[7] = (uint8_t)(g->l4 >> 8);
    h[8] = 16; /* the TCP checksum field */
    return VEILTUN__VNET_HDR_LEN + g->len;
}
