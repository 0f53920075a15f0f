/* SPDX-License-Identifier: MIT */
/* Coalescing TCP segments and UDP datagrams on write (see gro.h). */
#include "gro.h"
#include "../csum.h"

#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <string.h>

#define TCP_ACK    0x10
#define TCP_PSH    0x08
#define MAX_PACKET 65535u

static int mergeable_proto(uint8_t proto)
{
    return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

/* Where the transport header starts: no IPv4 options, no IPv6 extension headers, no
 * fragments, TCP or UDP (then in *proto); 0 otherwise. */
static size_t l4_offset(const uint8_t *p, size_t len, uint8_t *proto)
{
    if (len >= 40 && veiltun__is_v6(p)) {
        *proto = p[6];
        return mergeable_proto(p[6]) && veiltun__get16(p + 4) + 40u == len ? 40 : 0;
    }
    if (len < 20 || p[0] != 0x45 || !mergeable_proto(p[9]) || veiltun__get16(p + 2) != len ||
        (veiltun__get16(p + 6) & 0x3fff) != 0 /* MF or a fragment offset */)
        return 0;
    *proto = p[9];
    return veiltun__csum_fold(veiltun__csum_add(0, p, 20)) == 0 ? 20 : 0;
}

static int tcp_candidate(const uint8_t *pkt, size_t len, size_t l4)
{
    size_t thl;

    if (l4 + 20 > len)
        return 0;
    thl = (size_t)(pkt[l4 + 12] >> 4) * 4;
    if (thl < 20 || l4 + thl >= len) /* no payload: nothing to merge */
        return 0;
    return (pkt[l4 + 13] & ~TCP_PSH) == TCP_ACK; /* SYN, FIN, RST, URG, ECE, CWR: alone */
}

static int udp_candidate(const uint8_t *pkt, size_t len, size_t l4)
{
    /* An IPv4 datagram sent without a checksum (0) keeps that choice: it goes alone. */
    return l4 + 8 < len && veiltun__get16(pkt + l4 + 4) == len - l4 &&
           veiltun__get16(pkt + l4 + 6) != 0;
}

int veiltun__gro_candidate(const uint8_t *pkt, size_t len)
{
    uint8_t proto = 0;
    size_t l4 = l4_offset(pkt, len, &proto);

    if (l4 == 0)
        return 0;
    if (!(proto == IPPROTO_TCP ? tcp_candidate(pkt, len, l4) : udp_candidate(pkt, len, l4)))
        return 0;
    if (veiltun__csum_fold(
            veiltun__csum_add(veiltun__csum_pseudo(pkt, len - l4, proto), pkt + l4, len - l4)))
        return 0;
    return proto;
}

void veiltun__gro_begin(struct veiltun__gro *g, uint8_t *out, const uint8_t *pkt, size_t len)
{
    uint8_t proto = 0;

    g->out = out;
    g->l4 = l4_offset(pkt, len, &proto);
    g->proto = proto;
    g->hlen = g->l4 + (proto == IPPROTO_TCP ? (size_t)(pkt[g->l4 + 12] >> 4) * 4 : 8);
    g->seg = len - g->hlen;
    g->count = 1;
    g->len = len;
    g->next_seq = 0;
    g->closed = 0;
    if (proto == IPPROTO_TCP) {
        g->next_seq = veiltun__get32(pkt + g->l4 + 4) + (uint32_t)g->seg;
        g->closed = (pkt[g->l4 + 13] & TCP_PSH) != 0;
    }
    memcpy(out + VEILTUN__VNET_HDR_LEN, pkt, len);
}

static int same_ip_headers(const uint8_t *a, const uint8_t *b)
{
    if (veiltun__is_v6(a) != veiltun__is_v6(b))
        return 0;
    if (veiltun__is_v6(a))
        return memcmp(a, b, 4) == 0 && memcmp(a + 6, b + 6, 34) == 0;
    return memcmp(a, b, 2) == 0 && memcmp(a + 6, b + 6, 4) == 0 && memcmp(a + 12, b + 12, 8) == 0;
}

/* The headers must match the run's except lengths, IPv4 ID and checksum, the checksums, and
 * for TCP the sequence and PSH. */
static int same_headers(const struct veiltun__gro *g, const uint8_t *a, const uint8_t *b)
{
    size_t l4 = g->l4;

    if (!same_ip_headers(a, b) || memcmp(a + l4, b + l4, 4) != 0 /* ports */)
        return 0;
    if (g->proto == IPPROTO_UDP)
        return 1;
    return memcmp(a + l4 + 8, b + l4 + 8, 5) == 0 &&                 /* ack, data offset */
           memcmp(a + l4 + 14, b + l4 + 14, 2) == 0 &&               /* window */
           memcmp(a + l4 + 18, b + l4 + 18, g->hlen - l4 - 18) == 0; /* urgent, options */
}

/* TCP only: the segment's header length and sequence number continue the run. */
static int tcp_continues(const struct veiltun__gro *g, const uint8_t *pkt)
{
    return (size_t)(pkt[g->l4 + 12] >> 4) * 4 == g->hlen - g->l4 &&
           veiltun__get32(pkt + g->l4 + 4) == g->next_seq;
}

int veiltun__gro_append(struct veiltun__gro *g, const uint8_t *pkt, size_t len)
{
    const uint8_t *first = g->out + VEILTUN__VNET_HDR_LEN;
    int tcp = g->proto == IPPROTO_TCP;
    uint8_t proto = 0;
    size_t payload;

    if (g->closed || g->count >= VEILTUN__GRO_MAX_SEGMENTS || len <= g->hlen ||
        veiltun__gro_candidate(pkt, len) != g->proto || l4_offset(pkt, len, &proto) != g->l4)
        return 0;
    payload = len - g->hlen;
    if (payload > g->seg || g->len + payload > MAX_PACKET || (tcp && !tcp_continues(g, pkt)) ||
        !same_headers(g, first, pkt))
        return 0;
    /* Without DF, the kernel's GRO wants IPv4 IDs that count up by one. */
    if (!veiltun__is_v6(pkt) && !(first[6] & 0x40) &&
        veiltun__get16(pkt + 4) != ((veiltun__get16(first + 4) + g->count) & 0xffff))
        return 0;
    memcpy(g->out + VEILTUN__VNET_HDR_LEN + g->len, pkt + g->hlen, payload);
    g->len += payload;
    g->count++;
    g->next_seq += (uint32_t)payload;
    /* A shorter segment or a PSH ends the run; the merged packet carries the PSH. */
    if (payload < g->seg || (tcp && (pkt[g->l4 + 13] & TCP_PSH))) {
        g->closed = 1;
        if (tcp)
            g->out[VEILTUN__VNET_HDR_LEN + g->l4 + 13] |= pkt[g->l4 + 13] & TCP_PSH;
    }
    return 1;
}

size_t veiltun__gro_finish(struct veiltun__gro *g)
{
    uint8_t *h = g->out, *p = g->out + VEILTUN__VNET_HDR_LEN;
    size_t l4len = g->len - g->l4, csum_at = g->proto == IPPROTO_TCP ? 16 : 6;

    memset(h, 0, VEILTUN__VNET_HDR_LEN);
    if (g->count == 1)
        return VEILTUN__VNET_HDR_LEN + g->len; /* unchanged, its checksums are right */
    if (veiltun__is_v6(p)) {
        veiltun__put16(p + 4, (unsigned)(g->len - 40));
    } else {
        veiltun__put16(p + 2, (unsigned)g->len);
        veiltun__put16(p + 10, 0);
        veiltun__put16(p + 10, veiltun__csum_fold(veiltun__csum_add(0, p, 20)));
    }
    if (g->proto == IPPROTO_UDP)
        veiltun__put16(p + g->l4 + 4, (unsigned)l4len);
    /* The kernel finishes the checksum of every segment it makes: the field holds the
     * pseudo-header sum, as for a packet whose checksum was left partial. */
    veiltun__put16(p + g->l4 + csum_at, (unsigned)(uint16_t)~veiltun__csum_fold(
                                            veiltun__csum_pseudo(p, l4len, g->proto)));
    h[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    if (g->proto == IPPROTO_UDP)
        h[1] = VEILTUN__GSO_UDP_L4;
    else
        h[1] = veiltun__is_v6(p) ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
    h[2] = (uint8_t)g->hlen, h[3] = (uint8_t)(g->hlen >> 8);
    h[4] = (uint8_t)g->seg, h[5] = (uint8_t)(g->seg >> 8);
    h[6] = (uint8_t)g->l4, h[7] = (uint8_t)(g->l4 >> 8);
    h[8] = (uint8_t)csum_at; /* where the checksum field is, from the transport header */
    return VEILTUN__VNET_HDR_LEN + g->len;
}
