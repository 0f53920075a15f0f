/* SPDX-License-Identifier: MIT */
/* The packet helpers on any bytes. Input: a 23-byte prefix (next-hop MTU, output size, a new
 * address, a new port, which end to rewrite), then the packet, which each helper reads from
 * a buffer of exactly its length (ASan sees any read past it). Invariants: the parse stays
 * within the packet; filled checksums verify; after rewrites the incrementally updated
 * checksums equal a full recomputation; an ICMP error fits its buffer and the RFCs' sizes,
 * parses, and has valid checksums. */
#include "fuzz.h"

#include <string.h>
#include <veiltun.h>

#define PREFIX 23

static void check_parse(const uint8_t *p, size_t len)
{
    veiltun_packet_info in;

    if (veiltun_packet_parse(p, len, &in) != 0)
        return;
    FUZZ_CHECK(in.version == 4 || in.version == 6);
    FUZZ_CHECK(in.header_len <= in.total_len && in.total_len <= len);
    FUZZ_CHECK(in.fragment_offset == 0 || in.is_fragment);
    FUZZ_CHECK(!(in.has_ports && in.has_icmp));
    FUZZ_CHECK(!in.has_ports || in.total_len - in.header_len >= 4);
}

/* Fill both checksums; 1 if the packet is one whose transport checksum is known. */
static int fill(uint8_t *p, size_t len)
{
    if (veiltun_ipv4_header_checksum(p, len) != 0)
        return 0;
    FUZZ_CHECK(veiltun_ipv4_header_checksum_ok(p, len) == 1);
    if (veiltun_l4_checksum(p, len) != 0)
        return 0;
    FUZZ_CHECK(veiltun_l4_checksum_ok(p, len) == 1);
    return 1;
}

static void check_rewrites(const uint8_t *ctl, const uint8_t *pkt, size_t len)
{
    uint8_t *p = malloc(len), *q = malloc(len);
    veiltun_endpoint which = (veiltun_endpoint)(ctl[22] & 1);
    uint16_t port = (uint16_t)(ctl[20] << 8 | ctl[21]);

    memcpy(p, pkt, len);
    if (fill(p, len)) {
        FUZZ_CHECK(veiltun_rewrite_address(p, len, which, ctl + 4) == 0);
        if (ctl[22] & 2)
            (void)veiltun_rewrite_port(p, len, (veiltun_endpoint)!which, port);
        memcpy(q, p, len);
        FUZZ_CHECK(fill(q, len));
        FUZZ_CHECK(memcmp(p, q, len) == 0);
    } else {
        /* Whatever else the bytes are, the calls stay within them. */
        (void)veiltun_rewrite_address(p, len, which, ctl + 4);
        (void)veiltun_rewrite_port(p, len, which, port);
    }
    free(p);
    free(q);
}

static void check_too_big(const uint8_t *ctl, const uint8_t *pkt, size_t len)
{
    unsigned mtu = (unsigned)(ctl[0] << 8 | ctl[1]);
    size_t size = (size_t)(ctl[2] << 8 | ctl[3]) % 1500;
    uint8_t *out = malloc(size ? size : 1);
    veiltun_packet_info m;
    int n = veiltun_icmp_too_big(pkt, len, mtu, (ctl[22] & 4) ? ctl + 4 : NULL, out, size);

    if (n > 0) {
        FUZZ_CHECK((size_t)n <= size);
        FUZZ_CHECK(veiltun_packet_parse(out, (size_t)n, &m) == 0);
        FUZZ_CHECK(m.total_len == (size_t)n);
        FUZZ_CHECK((size_t)n <=
                   (m.version == 4 ? VEILTUN_ICMP_ERROR_MAX4 : VEILTUN_ICMP_ERROR_MAX6));
        FUZZ_CHECK(m.has_icmp && m.icmp_type == (m.version == 4 ? 3 : 2));
        FUZZ_CHECK(veiltun_ipv4_header_checksum_ok(out, (size_t)n) == 1);
        FUZZ_CHECK(veiltun_l4_checksum_ok(out, (size_t)n) == 1);
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *pkt;
    size_t len;

    if (size < PREFIX)
        return 0;
    len = size - PREFIX;
    pkt = malloc(len ? len : 1);
    memcpy(pkt, data + PREFIX, len);
    check_parse(pkt, len);
    check_rewrites(data, pkt, len);
    check_too_big(data, pkt, len);
    free(pkt);
    return 0;
}
