/* SPDX-License-Identifier: MIT */
/* Packet helpers (public, portable): the ICMP error a forwarder sends for a packet too large
 * for the next hop, "fragmentation needed" (RFC 792, RFC 1191) and "packet too big"
 * (RFC 4443), with the RFCs' rules on which packets must not get one. */
#include "csum.h"
#include "internal.h"

#include <string.h>

#define ICMP4_HEADER 28 /* IPv4 header without options + the ICMP header */
#define ICMP6_HEADER 48 /* IPv6 header + the ICMPv6 header */

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* RFC 1122 3.2.2 (and RFC 1812 4.3.2.7): no ICMP error about an ICMP error, a fragment
 * other than the first, a datagram to a broadcast or multicast address, or from an address
 * that does not name one host. An ICMP header cut too short to read is treated as an error
 * message: it cannot be told apart. */
static int may_answer4(const veiltun_packet_info *in)
{
    const uint8_t *s = in->src, *d = in->dst;

    if (in->fragment_offset != 0)
        return 0;
    if (s[0] == 0 || s[0] == 127 || s[0] >= 224) /* this network, loopback, multicast, E */
        return 0;
    if ((d[0] >= 224 && d[0] < 240) || (d[0] & d[1] & d[2] & d[3]) == 255)
        return 0;
    if (in->protocol != 1)
        return 1;
    if (!in->has_icmp)
        return 0;
    switch (in->icmp_type) {
    case 3:  /* destination unreachable */
    case 4:  /* source quench */
    case 5:  /* redirect */
    case 11: /* time exceeded */
    case 12: /* parameter problem */
        return 0;
    default:
        return 1;
    }
}

/* RFC 4443 2.4(e): no ICMPv6 error about an ICMPv6 error (types below 128) or redirect, or
 * from the unspecified or a multicast address. Packet too big is the exception to the rule
 * on multicast destinations, and nothing excludes later fragments. */
static int may_answer6(const veiltun_packet_info *in)
{
    static const uint8_t unspecified[16];

    if (in->src[0] == 0xff || memcmp(in->src, unspecified, 16) == 0)
        return 0;
    if (in->protocol != 58 || in->fragment_offset != 0)
        return 1;
    return in->has_icmp && in->icmp_type >= 128 && in->icmp_type != 137;
}

/* How much of the packet to quote: all that fits in @p max bytes of message and in the
 * caller's buffer, and at least its IP header and 8 bytes beyond (RFC 792), or 0 if the
 * buffer cannot hold that. */
static size_t quote_len(const veiltun_packet_info *in, size_t header, size_t max, size_t out_size)
{
    size_t least = min_size(min_size(in->total_len, in->header_len + 8), max - header);
    size_t room = min_size(out_size, max);

    if (room < header + least)
        return 0;
    return min_size(in->total_len, room - header);
}

static int build4(const uint8_t *p, const veiltun_packet_info *in, unsigned mtu, const uint8_t *src,
                  uint8_t *o, size_t quote)
{
    uint8_t *icmp = o + 20;
    size_t total = ICMP4_HEADER + quote;

    memset(o, 0, ICMP4_HEADER);
    o[0] = 0x45;
    o[1] = 0xc0; /* precedence "internetwork control", RFC 1812 4.3.2.5 */
    veiltun__put16(o + 2, (unsigned)total);
    o[8] = 64;
    o[9] = 1;
    memcpy(o + 12, src, 4);
    memcpy(o + 16, in->src, 4);
    icmp[0] = 3; /* destination unreachable */
    icmp[1] = 4; /* fragmentation needed and DF set */
    veiltun__put16(icmp + 6, mtu);
    memcpy(icmp + 8, p, quote);
    veiltun__put16(icmp + 2, veiltun__csum_fold(veiltun__csum_add(0, icmp, total - 20)));
    veiltun__put16(o + 10, veiltun__csum_fold(veiltun__csum_add(0, o, 20)));
    return (int)total;
}

static int build6(const uint8_t *p, const veiltun_packet_info *in, unsigned mtu, const uint8_t *src,
                  uint8_t *o, size_t quote)
{
    uint8_t *icmp = o + 40;
    size_t l4len = 8 + quote;

    memset(o, 0, ICMP6_HEADER);
    o[0] = 0x60;
    veiltun__put16(o + 4, (unsigned)l4len);
    o[6] = 58;
    o[7] = 64;
    memcpy(o + 8, src, 16);
    memcpy(o + 24, in->src, 16);
    icmp[0] = 2; /* packet too big */
    veiltun__put32(icmp + 4, mtu);
    memcpy(icmp + 8, p, quote);
    veiltun__put16(icmp + 2, veiltun__csum_fold(veiltun__csum_add(
                                 veiltun__csum_pseudo(o, l4len, 58), icmp, l4len)));
    return (int)(40 + l4len);
}

int veiltun_icmp_too_big(const void *pkt, size_t len, unsigned mtu, const void *src_addr, void *out,
                         size_t out_size)
{
    veiltun_packet_info in;
    int v4, err;
    size_t quote;

    if (pkt == NULL || out == NULL)
        return veiltun__fail_os(VEILTUN_EINVAL, 0);
    err = veiltun_packet_parse(pkt, len, &in);
    if (err < 0)
        return err;
    v4 = in.version == 4;
    if (mtu < (v4 ? 68u : 1280u) || mtu > 65535)
        return veiltun__fail_os(VEILTUN_EBADMTU, 0);
    if (!(v4 ? may_answer4(&in) : may_answer6(&in)))
        return 0;
    /* Answering in the name of a multicast destination would give the message a multicast
     * source, which receivers drop. */
    if (src_addr == NULL && !v4 && in.dst[0] == 0xff)
        return veiltun__fail_os(VEILTUN_EINVAL, 0);
    quote = v4 ? quote_len(&in, ICMP4_HEADER, VEILTUN_ICMP_ERROR_MAX4, out_size)
               : quote_len(&in, ICMP6_HEADER, VEILTUN_ICMP_ERROR_MAX6, out_size);
    if (quote == 0)
        return veiltun__fail_os(VEILTUN_EMSGSIZE, 0);
    if (src_addr == NULL)
        src_addr = in.dst;
    return v4 ? build4(pkt, &in, mtu, src_addr, out, quote)
              : build6(pkt, &in, mtu, src_addr, out, quote);
}
