/* SPDX-License-Identifier: MIT */
/* Packet helpers (public, portable): parsing IPv4/IPv6 headers, filling and checking the IPv4
 * header and transport checksums, and rewriting addresses and ports with incremental checksum
 * updates (RFC 1624). Every read is checked against the length the caller gave. */
#include "csum.h"
#include "internal.h"

#include <string.h>

#define PROTO_ICMP    1
#define PROTO_TCP     6
#define PROTO_UDP     17
#define PROTO_DCCP    33
#define PROTO_ICMPV6  58
#define PROTO_SCTP    132
#define PROTO_UDPLITE 136

/* What the helpers need beyond the public result. */
struct parsed {
    veiltun_packet_info info;
    /* An IPv6 routing header with segments left: the transport checksum's pseudo-header then
     * holds the final destination from that header, not the one in the IPv6 header. */
    int routing_pending;
};

/* Where a transport checksum sits, and the fixed header that must be there around it. */
struct l4sum {
    size_t at;      /* offset of the checksum field from the packet's start */
    size_t min_len; /* the transport header's fixed part */
};

static int bad_packet(void)
{
    return veiltun__fail_os(VEILTUN_EBADPACKET, 0);
}

static int parse_v4(const uint8_t *p, size_t len, veiltun_packet_info *info)
{
    size_t hl, total;
    unsigned frag;

    if (len < 20)
        return bad_packet();
    hl = (size_t)(p[0] & 0x0f) * 4;
    total = veiltun__get16(p + 2);
    if (hl < 20 || total < hl || total > len)
        return bad_packet();
    frag = veiltun__get16(p + 6);
    info->version = 4;
    info->protocol = p[9];
    info->hop_limit = p[8];
    info->fragment_offset = (size_t)(frag & 0x1fff) * 8;
    info->is_fragment = (frag & 0x2000) != 0 || info->fragment_offset != 0;
    info->header_len = hl;
    info->total_len = total;
    memcpy(info->src, p + 12, 4);
    memcpy(info->dst, p + 16, 4);
    return 0;
}

/* The extension headers RFC 8200 and RFC 6564 give the common layout (next header, length);
 * ESP (50) is not one of them: what follows it is encrypted. */
static int is_v6_extension(uint8_t nh)
{
    switch (nh) {
    case 0:   /* hop-by-hop options */
    case 43:  /* routing */
    case 44:  /* fragment */
    case 51:  /* authentication: length in 4-byte units */
    case 60:  /* destination options */
    case 135: /* mobility */
    case 139: /* HIP */
    case 140: /* shim6 */
        return 1;
    default:
        return 0;
    }
}

/* Walk the extension headers from @p off to the transport header. Every one is at least 8
 * bytes long, so the walk ends within the packet. */
static int walk_v6(const uint8_t *p, size_t end, struct parsed *r)
{
    veiltun_packet_info *info = &r->info;
    size_t off = 40, hlen;
    uint8_t nh = p[6];

    while (is_v6_extension(nh)) {
        if (end - off < 8)
            return bad_packet();
        if (nh == 44) {
            unsigned frag = veiltun__get16(p + off + 2);
            info->fragment_offset = frag & 0xfff8;
            /* An atomic fragment (offset 0, no more) is the whole datagram (RFC 6946). */
            info->is_fragment = info->fragment_offset != 0 || (frag & 1) != 0;
            hlen = 8;
        } else {
            hlen = nh == 51 ? ((size_t)p[off + 1] + 2) * 4 : ((size_t)p[off + 1] + 1) * 8;
            if (hlen > end - off)
                return bad_packet();
            if (nh == 43 && p[off + 3] != 0)
                r->routing_pending = 1;
        }
        nh = p[off];
        off += hlen;
        if (info->fragment_offset != 0)
            break; /* a later fragment: what follows is data, not headers */
    }
    info->protocol = nh;
    info->header_len = off;
    return 0;
}

static int parse_v6(const uint8_t *p, size_t len, struct parsed *r)
{
    size_t total;

    if (len < 40)
        return bad_packet();
    total = 40 + (size_t)veiltun__get16(p + 4);
    if (total > len)
        return bad_packet();
    r->info.version = 6;
    r->info.hop_limit = p[7];
    r->info.total_len = total;
    memcpy(r->info.src, p + 8, 16);
    memcpy(r->info.dst, p + 24, 16);
    return walk_v6(p, total, r);
}

static int has_ports(uint8_t proto)
{
    return proto == PROTO_TCP || proto == PROTO_UDP || proto == PROTO_UDPLITE ||
           proto == PROTO_SCTP || proto == PROTO_DCCP;
}

/* Ports or ICMP type and code, from the first 4 transport bytes, when this packet has them. */
static void read_transport(const uint8_t *p, veiltun_packet_info *info)
{
    const uint8_t *l4 = p + info->header_len;
    uint8_t icmp = info->version == 4 ? PROTO_ICMP : PROTO_ICMPV6;

    if (info->fragment_offset != 0 || info->total_len - info->header_len < 4)
        return;
    if (has_ports(info->protocol)) {
        info->has_ports = 1;
        info->src_port = (uint16_t)veiltun__get16(l4);
        info->dst_port = (uint16_t)veiltun__get16(l4 + 2);
    } else if (info->protocol == icmp) {
        info->has_icmp = 1;
        info->icmp_type = l4[0];
        info->icmp_code = l4[1];
    }
}

static int parse(const void *pkt, size_t len, struct parsed *r)
{
    const uint8_t *p = pkt;
    int err;

    memset(r, 0, sizeof(*r));
    if (pkt == NULL)
        return veiltun__fail_os(VEILTUN_EINVAL, 0);
    if (len == 0)
        return bad_packet();
    if (p[0] >> 4 == 4)
        err = parse_v4(p, len, &r->info);
    else if (p[0] >> 4 == 6)
        err = parse_v6(p, len, r);
    else
        err = bad_packet();
    if (err == 0)
        read_transport(p, &r->info);
    return err;
}

int veiltun_packet_parse(const void *pkt, size_t len, veiltun_packet_info *out)
{
    struct parsed r;
    int err;

    if (out == NULL)
        return veiltun__fail_os(VEILTUN_EINVAL, 0);
    err = parse(pkt, len, &r);
    if (err == 0)
        *out = r.info;
    return err;
}

/* ---- IPv4 header checksum ---- */

static uint16_t header_sum(const uint8_t *p, size_t hl)
{
    return veiltun__csum_fold(veiltun__csum_add(0, p, hl));
}

int veiltun_ipv4_header_checksum(void *pkt, size_t len)
{
    struct parsed r;
    uint8_t *p = pkt;
    int err = parse(pkt, len, &r);

    if (err < 0 || r.info.version != 4)
        return err;
    veiltun__put16(p + 10, 0);
    veiltun__put16(p + 10, header_sum(p, r.info.header_len));
    return 0;
}

int veiltun_ipv4_header_checksum_ok(const void *pkt, size_t len)
{
    struct parsed r;
    int err = parse(pkt, len, &r);

    if (err < 0)
        return err;
    return r.info.version != 4 || header_sum(pkt, r.info.header_len) == 0;
}

/* ---- transport checksums ---- */

/* Where the checksum field of a TCP, UDP, ICMP or ICMPv6 header is, or 0 for another
 * protocol (no transport header starts at offset 0). */
static struct l4sum l4sum_field(const veiltun_packet_info *info)
{
    size_t l4 = info->header_len;

    switch (info->protocol) {
    case PROTO_TCP:
        return (struct l4sum){l4 + 16, 20};
    case PROTO_UDP:
        return (struct l4sum){l4 + 6, 8};
    case PROTO_ICMP:
        return (struct l4sum){info->version == 4 ? l4 + 2 : 0, 4};
    case PROTO_ICMPV6:
        return (struct l4sum){info->version == 6 ? l4 + 2 : 0, 4};
    default:
        return (struct l4sum){0, 0};
    }
}

/* The checksum a whole datagram's transport part needs: its field, found and checked. */
static int full_l4sum(const void *pkt, size_t len, struct parsed *r, struct l4sum *f)
{
    int err = parse(pkt, len, r);
    size_t l4len;

    if (err < 0)
        return err;
    *f = l4sum_field(&r->info);
    if (f->at == 0 || r->info.is_fragment || r->routing_pending)
        return veiltun__fail_os(VEILTUN_ENOTSUP, 0);
    l4len = r->info.total_len - r->info.header_len;
    if (l4len < f->min_len)
        return bad_packet();
    /* UDP's own length goes into the pseudo-header; one that disagrees leaves no single
     * right answer. */
    if (r->info.protocol == PROTO_UDP &&
        veiltun__get16((const uint8_t *)pkt + r->info.header_len + 4) != l4len)
        return bad_packet();
    return 0;
}

/* The folded, complemented sum over the transport part as it is (with its checksum field):
 * 0 when the field is right. ICMP over IPv4 has no pseudo-header. */
static uint16_t l4_sum(const uint8_t *p, const veiltun_packet_info *info)
{
    size_t l4len = info->total_len - info->header_len;
    uint32_t sum =
        info->protocol == PROTO_ICMP ? 0 : veiltun__csum_pseudo(p, l4len, info->protocol);

    return veiltun__csum_fold(veiltun__csum_add(sum, p + info->header_len, l4len));
}

int veiltun_l4_checksum(void *pkt, size_t len)
{
    struct parsed r;
    struct l4sum f;
    uint8_t *p = pkt;
    uint16_t sum;
    int err = full_l4sum(pkt, len, &r, &f);

    if (err < 0)
        return err;
    veiltun__put16(p + f.at, 0);
    sum = l4_sum(p, &r.info);
    /* 0 means "no checksum" in UDP; the same value in ones' complement is 0xffff. */
    if (sum == 0 && r.info.protocol == PROTO_UDP)
        sum = 0xffff;
    veiltun__put16(p + f.at, sum);
    return 0;
}

int veiltun_l4_checksum_ok(const void *pkt, size_t len)
{
    struct parsed r;
    struct l4sum f;
    const uint8_t *p = pkt;
    int err = full_l4sum(pkt, len, &r, &f);

    if (err < 0)
        return err;
    if (r.info.protocol == PROTO_UDP && veiltun__get16(p + f.at) == 0)
        return r.info.version == 4; /* IPv4: none was computed; IPv6: one is required */
    return l4_sum(p, &r.info) == 0;
}

/* ---- incremental updates (RFC 1624) ---- */

/* Equation 3, HC' = ~(~HC + ~m + m'), over @p n bytes (even) of old and new field. Unlike
 * RFC 1141's HC + m + ~m', it never turns a right 0x0000 into 0xffff. */
static uint16_t update_bytes(uint16_t checksum, const uint8_t *old, const uint8_t *new_bytes,
                             size_t n)
{
    uint32_t sum = (uint16_t)~checksum;

    for (size_t i = 0; i < n; i += 2)
        sum += (uint16_t)~veiltun__get16(old + i) + veiltun__get16(new_bytes + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t veiltun_checksum_update16(uint16_t checksum, uint16_t old_value, uint16_t new_value)
{
    uint8_t o[2], n[2];

    veiltun__put16(o, old_value);
    veiltun__put16(n, new_value);
    return update_bytes(checksum, o, n, 2);
}

uint16_t veiltun_checksum_update32(uint16_t checksum, uint32_t old_value, uint32_t new_value)
{
    uint8_t o[4], n[4];

    veiltun__put32(o, old_value);
    veiltun__put32(n, new_value);
    return update_bytes(checksum, o, n, 4);
}

/* Change the checksum at @p at for @p n bytes going from @p old to @p new_bytes. An IPv4 UDP
 * checksum of 0 ("none") stays 0; a UDP one that becomes 0 is sent as 0xffff. */
static void update_field(uint8_t *at, const uint8_t *old, const uint8_t *new_bytes, size_t n,
                         int udp)
{
    uint16_t sum = (uint16_t)veiltun__get16(at);

    if (udp && sum == 0)
        return;
    sum = update_bytes(sum, old, new_bytes, n);
    veiltun__put16(at, udp && sum == 0 ? 0xffff : sum);
}

/* The transport checksum an address change must follow, or 0: TCP, UDP and ICMPv6 cover the
 * addresses through their pseudo-header. A later fragment carries none. */
static int address_l4sum(const struct parsed *r, veiltun_endpoint which, size_t *at)
{
    const veiltun_packet_info *info = &r->info;
    struct l4sum f = l4sum_field(info);

    *at = 0;
    if (f.at == 0 || info->protocol == PROTO_ICMP || info->fragment_offset != 0)
        return 0;
    if (which == VEILTUN_DESTINATION && r->routing_pending)
        return 0; /* the pseudo-header holds the routing header's final destination */
    if (f.at + 2 > info->total_len)
        return bad_packet();
    *at = f.at;
    return 0;
}

int veiltun_rewrite_address(void *pkt, size_t len, veiltun_endpoint which, const void *addr)
{
    struct parsed r;
    uint8_t *p = pkt, *field;
    size_t alen, at;
    int err;

    if (addr == NULL || (which != VEILTUN_SOURCE && which != VEILTUN_DESTINATION))
        return veiltun__fail_os(VEILTUN_EINVAL, 0);
    err = parse(pkt, len, &r);
    if (err == 0)
        err = address_l4sum(&r, which, &at);
    if (err < 0)
        return err;
    alen = r.info.version == 4 ? 4 : 16;
    field = p + (r.info.version == 4 ? 12 : 8) + (which == VEILTUN_DESTINATION ? alen : 0);
    if (r.info.version == 4)
        update_field(p + 10, field, addr, alen, 0);
    if (at != 0)
        update_field(p + at, field, addr, alen, r.info.protocol == PROTO_UDP);
    memmove(field, addr, alen);
    return 0;
}

int veiltun_rewrite_port(void *pkt, size_t len, veiltun_endpoint which, uint16_t port)
{
    struct parsed r;
    struct l4sum f;
    uint8_t *p = pkt, *field, value[2];
    int err;

    if (which != VEILTUN_SOURCE && which != VEILTUN_DESTINATION)
        return veiltun__fail_os(VEILTUN_EINVAL, 0);
    err = parse(pkt, len, &r);
    if (err < 0)
        return err;
    if ((r.info.protocol != PROTO_TCP && r.info.protocol != PROTO_UDP) ||
        r.info.fragment_offset != 0)
        return veiltun__fail_os(VEILTUN_ENOTSUP, 0);
    f = l4sum_field(&r.info);
    if (r.info.total_len - r.info.header_len < f.min_len)
        return bad_packet();
    field = p + r.info.header_len + (which == VEILTUN_DESTINATION ? 2 : 0);
    veiltun__put16(value, port);
    update_field(p + f.at, field, value, 2, r.info.protocol == PROTO_UDP);
    memcpy(field, value, 2);
    return 0;
}
