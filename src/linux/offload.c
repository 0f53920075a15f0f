/* SPDX-License-Identifier: MIT */
/* Cutting GSO super-packets and finishing checksums (see offload.h). */
#include "../csum.h"
#include "offload.h"
#include "veiltun.h"

#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <string.h>

/* Older kernel headers lack the UDP segmentation offload type (Linux 6.2). */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

/* The header's 16-bit fields are little-endian (virtio 1.0 on every host we build for). */
static size_t le16(const uint8_t *p)
{
    return (size_t)p[0] | (size_t)p[1] << 8;
}

/* Where an IPv6 packet's transport header starts, behind the extension headers a GSO
 * packet may carry (hop-by-hop, routing, destination options), and its protocol; 0 if the
 * chain runs past @p len. */
static size_t ipv6_transport(const uint8_t *p, size_t len, uint8_t *proto)
{
    size_t off = 40;
    uint8_t next = p[6];

    for (int i = 0; i < 8 && (next == 0 || next == 43 || next == 60); i++) {
        if (off + 8 > len)
            return 0;
        next = p[off];
        off += ((size_t)p[off + 1] + 1) * 8;
    }
    *proto = next;
    return off;
}

/* Where the transport header starts and how long the headers are, for a GSO packet. */
static int locate_headers(struct veiltun__gso *g)
{
    const uint8_t *p = g->pkt;
    int tcp = g->type == VIRTIO_NET_HDR_GSO_TCPV4 || g->type == VIRTIO_NET_HDR_GSO_TCPV6;
    size_t thl;

    if ((g->type == VIRTIO_NET_HDR_GSO_TCPV4) == veiltun__is_v6(p) &&
        g->type != VIRTIO_NET_HDR_GSO_UDP_L4)
        return VEILTUN_EPROTO;
    if (g->len < 20 || (p[0] >> 4 != 4 && p[0] >> 4 != 6) || (veiltun__is_v6(p) && g->len < 40))
        return VEILTUN_EPROTO;
    /* The kernel always asks for the checksum on GSO packets; csum_start is then the
     * transport header, even behind IPv6 extension headers. */
    if (!(g->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || g->size == 0)
        return VEILTUN_EPROTO;
    g->l4 = g->csum_start;
    /* The transport header must be where the IP header says, of the protocol the type
     * names: right after the IPv4 header, or behind IPv6's extension headers. The kernel
     * always tells the truth; a header pointing into the payload (found by fuzzing) would
     * be cut as if payload bytes were TCP headers. */
    if (veiltun__is_v6(p)) {
        uint8_t proto = 0;
        if (g->l4 != ipv6_transport(p, g->len, &proto) ||
            proto != (tcp ? IPPROTO_TCP : IPPROTO_UDP))
            return VEILTUN_EPROTO;
    } else if (g->l4 != (size_t)(p[0] & 0x0f) * 4 || p[9] != (tcp ? IPPROTO_TCP : IPPROTO_UDP)) {
        return VEILTUN_EPROTO;
    }
    if (g->l4 + 8 > g->len)
        return VEILTUN_EPROTO;
    thl = tcp ? (size_t)(p[g->l4 + 12] >> 4) * 4 : 8;
    if (thl < 8 || (tcp && thl < 20) || g->l4 + thl > g->len)
        return VEILTUN_EPROTO;
    if (g->csum_offset != (tcp ? 16u : 6u))
        return VEILTUN_EPROTO;
    g->hlen = g->l4 + thl;
    return 0;
}

int veiltun__gso_start(struct veiltun__gso *g, const uint8_t hdr[VEILTUN__VNET_HDR_LEN],
                       const uint8_t *pkt, size_t len)
{
    memset(g, 0, sizeof(*g));
    g->pkt = pkt;
    g->len = len;
    g->flags = hdr[0];
    g->type = hdr[1] & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
    g->size = le16(hdr + 4);
    g->csum_start = le16(hdr + 6);
    g->csum_offset = le16(hdr + 8);
    if (len == 0)
        return VEILTUN_EPROTO;
    if ((g->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && g->csum_start + g->csum_offset + 2 > len)
        return VEILTUN_EPROTO;
    switch (g->type) {
    case VIRTIO_NET_HDR_GSO_NONE:
        return 0;
    case VIRTIO_NET_HDR_GSO_TCPV4:
    case VIRTIO_NET_HDR_GSO_TCPV6:
    case VIRTIO_NET_HDR_GSO_UDP_L4:
        return locate_headers(g);
    default: /* UFO (fragmenting UDP) is never enabled by us */
        return VEILTUN_EPROTO;
    }
}

size_t veiltun__gso_count(const struct veiltun__gso *g)
{
    if (g->type == VIRTIO_NET_HDR_GSO_NONE || g->len <= g->hlen)
        return 1;
    return (g->len - g->hlen + g->size - 1) / g->size;
}

/* A packet whose transport checksum the kernel left partial: it holds the pseudo-header
 * sum, and the rest is the sum over everything from csum_start. */
static void finish_checksum(uint8_t *p, size_t len, size_t start, size_t offset)
{
    uint16_t sum;

    sum = veiltun__csum_fold(veiltun__csum_add(0, p + start, len - start));
    /* UDP sends 0 as "no checksum": a computed 0 goes out as all ones. */
    veiltun__put16(p + start + offset, sum == 0 && offset == 6 ? 0xffff : sum);
}

/* Fixes the copied headers of segment @p g->index carrying @p seglen payload bytes. */
static void fix_segment(const struct veiltun__gso *g, uint8_t *s, size_t seglen)
{
    size_t total = g->hlen + seglen, l4len = total - g->l4;
    int tcp = g->type != VIRTIO_NET_HDR_GSO_UDP_L4;
    int last = g->next + seglen >= g->len - g->hlen;
    uint8_t proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;

    if (veiltun__is_v6(s)) {
        veiltun__put16(s + 4, (unsigned)(total - 40));
    } else {
        size_t ihl = (size_t)(s[0] & 0x0f) * 4;
        veiltun__put16(s + 2, (unsigned)total);
        veiltun__put16(s + 4,
                       (veiltun__get16(g->pkt + 4) + g->index) & 0xffff); /* one ID per segment */
        veiltun__put16(s + 10, 0);
        veiltun__put16(s + 10, veiltun__csum_fold(veiltun__csum_add(0, s, ihl)));
    }
    if (tcp) {
        uint32_t seq =
            (uint32_t)veiltun__get16(s + g->l4 + 4) << 16 | veiltun__get16(s + g->l4 + 6);
        seq += (uint32_t)g->next;
        veiltun__put16(s + g->l4 + 4, seq >> 16);
        veiltun__put16(s + g->l4 + 6, seq & 0xffff);
        if (!last) /* FIN and PSH belong to the end of the data */
            s[g->l4 + 13] &= (uint8_t) ~(TCP_FIN | TCP_PSH);
        if (g->index > 0) /* CWR only on the first */
            s[g->l4 + 13] &= (uint8_t)~TCP_CWR;
    } else {
        veiltun__put16(s + g->l4 + 4, (unsigned)l4len);
    }
    veiltun__put16(s + g->l4 + g->csum_offset, 0);
    veiltun__put16(s + g->l4 + g->csum_offset,
                   veiltun__csum_fold(
                       veiltun__csum_add(veiltun__csum_pseudo(s, l4len, proto), s + g->l4, l4len)));
    if (!tcp && veiltun__get16(s + g->l4 + 6) == 0)
        veiltun__put16(s + g->l4 + 6, 0xffff);
}

/* Transport offset of an unfragmented IPv4 or extension-free IPv6 packet of protocol
 * @p proto whose IP length is @p len; 0 if it is not one. */
static size_t plain_l4(const uint8_t *p, size_t len, uint8_t proto)
{
    size_t ihl = (size_t)(p[0] & 0x0f) * 4;

    if (veiltun__is_v6(p))
        return len >= 40 && p[6] == proto && veiltun__get16(p + 4) + 40u == len ? 40 : 0;
    if (p[0] >> 4 != 4 || ihl < 20 || len < ihl || veiltun__get16(p + 2) != len ||
        (veiltun__get16(p + 6) & 0x3fff) != 0 || p[9] != proto)
        return 0;
    return ihl;
}

int veiltun__gso_describe(uint8_t hdr[VEILTUN__VNET_HDR_LEN], uint8_t *pkt, size_t len, int udp,
                          size_t segment)
{
    size_t l4 = plain_l4(pkt, len, udp ? IPPROTO_UDP : IPPROTO_TCP), hlen, csum_at;

    if (l4 == 0 || l4 + (udp ? 8 : 20) > len)
        return VEILTUN_EBADPACKET;
    hlen = l4 + (udp ? 8 : (size_t)(pkt[l4 + 12] >> 4) * 4);
    if (hlen > len || hlen < l4 + 8 || (udp && veiltun__get16(pkt + l4 + 4) != len - l4))
        return VEILTUN_EBADPACKET;
    if (udp && (len - hlen + segment - 1) / segment > 64) /* the kernel's UDP limit */
        return VEILTUN_EBADPACKET;
    if (!veiltun__is_v6(
            pkt)) { /* the kernel copies this header into every segment: make it right */
        veiltun__put16(pkt + 10, 0);
        veiltun__put16(pkt + 10, veiltun__csum_fold(veiltun__csum_add(0, pkt, l4)));
    }
    csum_at = udp ? 6 : 16;
    veiltun__put16(pkt + l4 + csum_at, (uint16_t)~veiltun__csum_fold(veiltun__csum_pseudo(
                                           pkt, len - l4, udp ? IPPROTO_UDP : IPPROTO_TCP)));
    memset(hdr, 0, VEILTUN__VNET_HDR_LEN);
    hdr[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    hdr[1] = udp ? VIRTIO_NET_HDR_GSO_UDP_L4
                 : (veiltun__is_v6(pkt) ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4);
    hdr[2] = (uint8_t)hlen, hdr[3] = (uint8_t)(hlen >> 8);
    hdr[4] = (uint8_t)segment, hdr[5] = (uint8_t)(segment >> 8);
    hdr[6] = (uint8_t)l4, hdr[7] = (uint8_t)(l4 >> 8);
    hdr[8] = (uint8_t)csum_at;
    return 0;
}

int veiltun__gso_whole(struct veiltun__gso *g, uint8_t *out, size_t cap)
{
    int tcp = g->type != VIRTIO_NET_HDR_GSO_UDP_L4;
    size_t l4len = g->len - g->l4;

    if (g->type == VIRTIO_NET_HDR_GSO_NONE || g->len > cap || g->done)
        return 0;
    memcpy(out, g->pkt, g->len);
    /* The kernel's field holds a partial sum; computing it afresh trusts nothing in it. */
    veiltun__put16(out + g->l4 + g->csum_offset, 0);
    veiltun__put16(out + g->l4 + g->csum_offset,
                   veiltun__csum_fold(veiltun__csum_add(
                       veiltun__csum_pseudo(out, l4len, tcp ? IPPROTO_TCP : IPPROTO_UDP),
                       out + g->l4, l4len)));
    if (!tcp && veiltun__get16(out + g->l4 + 6) == 0)
        veiltun__put16(out + g->l4 + 6, 0xffff);
    g->done = 1;
    return (int)g->len;
}

int veiltun__gso_next(struct veiltun__gso *g, uint8_t *out, size_t cap)
{
    size_t seglen;

    if (g->done)
        return 0;
    if (g->type == VIRTIO_NET_HDR_GSO_NONE) {
        g->done = 1;
        if (g->len > cap)
            return VEILTUN_EMSGSIZE;
        memcpy(out, g->pkt, g->len);
        if (g->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
            finish_checksum(out, g->len, g->csum_start, g->csum_offset);
        return (int)g->len;
    }
    seglen = g->len - g->hlen - g->next;
    if (seglen > g->size)
        seglen = g->size;
    if (g->next + seglen >= g->len - g->hlen)
        g->done = 1;
    if (g->hlen + seglen > cap) {
        g->next += seglen;
        g->index++;
        return VEILTUN_EMSGSIZE;
    }
    memcpy(out, g->pkt, g->hlen);
    memcpy(out + g->hlen, g->pkt + g->hlen + g->next, seglen);
    fix_segment(g, out, seglen);
    g->next += seglen;
    g->index++;
    return (int)(g->hlen + seglen);
}
