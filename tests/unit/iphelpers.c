/* SPDX-License-Identifier: MIT */
/* The packet helpers (veiltun_packet_parse, checksums, rewrites, ICMP too-big): known
 * answers, every truncation of valid packets (each in a buffer of exactly that length, so
 * ASan or valgrind sees any read past it), incremental updates against full recomputation
 * over random rewrites, and the ICMP errors read back field by field with checksums summed
 * here independently. No privileges, no devices; runs on Linux and under Wine. */
#include "test.h"

#include <veiltun.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- an independent, slow Internet checksum: end-around carry after every word ---- */

static uint32_t slow_add(uint32_t s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s += i % 2 ? p[i] : (uint32_t)p[i] << 8;
        if (s > 0xffff)
            s -= 0xffff;
    }
    return s;
}

static uint16_t slow_csum(uint32_t s)
{
    return (uint16_t)(~s & 0xffff);
}

static unsigned rd16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static void wr16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* The pseudo-header sum, written out from RFC 793/768 (IPv4) and RFC 8200 8.1 (IPv6). */
static uint32_t slow_pseudo(const uint8_t *ip, size_t l4len, uint8_t proto)
{
    uint8_t tail[8] = {0};

    if (ip[0] >> 4 == 4) {
        tail[1] = proto;
        wr16(tail + 2, (unsigned)l4len);
        return slow_add(slow_add(0, ip + 12, 8), tail, 4);
    }
    wr16(tail + 2, (unsigned)l4len);
    tail[7] = proto;
    return slow_add(slow_add(0, ip + 8, 32), tail, 8);
}

static uint32_t rng = 12345;

static uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* ---- packets ---- */

static const uint8_t src4[4] = {10, 9, 0, 1}, dst4[4] = {10, 9, 0, 2};
static const uint8_t src6[16] = {0xfd, 0, 0, 9, [15] = 1}, dst6[16] = {0xfd, 0, 0, 9, [15] = 2};

/* An IPv4 packet with @p opt bytes of options and @p l4len transport bytes (zero). */
static size_t ip4(uint8_t *p, uint8_t proto, size_t opt, size_t l4len)
{
    size_t hl = 20 + opt;

    memset(p, 0, hl + l4len);
    p[0] = (uint8_t)(0x40 | hl / 4);
    wr16(p + 2, (unsigned)(hl + l4len));
    wr16(p + 4, 0x1234);
    wr16(p + 6, 0x4000); /* DF */
    p[8] = 64;
    p[9] = proto;
    memcpy(p + 12, src4, 4);
    memcpy(p + 16, dst4, 4);
    for (size_t i = 0; i < opt; i++)
        p[20 + i] = 1; /* no-operation options */
    return hl + l4len;
}

static size_t ip6(uint8_t *p, uint8_t nh, size_t l4len)
{
    memset(p, 0, 40 + l4len);
    p[0] = 0x60;
    wr16(p + 4, (unsigned)l4len);
    p[6] = nh;
    p[7] = 64;
    memcpy(p + 8, src6, 16);
    memcpy(p + 24, dst6, 16);
    return 40 + l4len;
}

static void fill_payload(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)next_random();
}

/* A TCP (20-byte header) or UDP packet with ports 40000 -> 5201 and @p data bytes. */
static size_t transport(uint8_t *p, int v6, uint8_t proto, size_t data)
{
    size_t hdr = proto == 6 ? 20 : 8,
           n = v6 ? ip6(p, proto, hdr + data) : ip4(p, proto, 0, hdr + data);
    uint8_t *l4 = p + (v6 ? 40 : 20);

    wr16(l4, 40000);
    wr16(l4 + 2, 5201);
    if (proto == 17)
        wr16(l4 + 4, (unsigned)(hdr + data));
    else
        l4[12] = 5 << 4;
    fill_payload(l4 + hdr, data);
    return n;
}

/* Call every helper on exactly @p len bytes at a fresh allocation, and on a copy whose
 * length fields were cut to match; none may read past the end (ASan/valgrind). */
static void poke_all(const uint8_t *pkt, size_t len)
{
    uint8_t *b = malloc(len ? len : 1), out[VEILTUN_ICMP_ERROR_MAX6];
    veiltun_packet_info info;
    uint8_t addr[16] = {1, 2, 3, 4};

    memcpy(b, pkt, len);
    (void)veiltun_packet_parse(b, len, &info);
    (void)veiltun_ipv4_header_checksum_ok(b, len);
    (void)veiltun_l4_checksum_ok(b, len);
    (void)veiltun_icmp_too_big(b, len, 1280, NULL, out, sizeof(out));
    (void)veiltun_icmp_too_big(b, len, 1280, addr, out, 60);
    (void)veiltun_ipv4_header_checksum(b, len);
    (void)veiltun_l4_checksum(b, len);
    (void)veiltun_rewrite_address(b, len, VEILTUN_SOURCE, addr);
    (void)veiltun_rewrite_address(b, len, VEILTUN_DESTINATION, addr);
    (void)veiltun_rewrite_port(b, len, VEILTUN_DESTINATION, 53);
    free(b);
}

/* Every shorter length of a valid packet: refused as is; with lengths cut to match, handled
 * (accepted or refused) without reading past the end. */
static void check_truncations(const uint8_t *pkt, size_t len)
{
    uint8_t *cut = malloc(len);
    veiltun_packet_info info;

    for (size_t n = 0; n < len; n++) {
        uint8_t *b = malloc(n ? n : 1);
        memcpy(b, pkt, n);
        ASSERT_EQ(veiltun_packet_parse(b, n, &info), VEILTUN_EBADPACKET);
        free(b);
        poke_all(pkt, n);
        memcpy(cut, pkt, len);
        if (pkt[0] >> 4 == 4 && n >= 4)
            wr16(cut + 2, (unsigned)n);
        else if (pkt[0] >> 4 == 6 && n >= 40)
            wr16(cut + 4, (unsigned)(n - 40));
        poke_all(cut, n);
    }
    free(cut);
}

/* ---- known answers ---- */

static void test_known_answers(void)
{
    /* The IPv4 header of the classic worked example: checksum 0xb861. */
    uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                     0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    uint8_t p[0x73] = {0};

    memcpy(p, h, 20);
    wr16(p + 24, 0x73 - 20); /* UDP length */
    ASSERT_EQ(veiltun_ipv4_header_checksum_ok(p, sizeof(p)), 1);
    wr16(p + 10, 0);
    ASSERT_EQ(veiltun_ipv4_header_checksum_ok(p, sizeof(p)), 0);
    ASSERT_OK(veiltun_ipv4_header_checksum(p, sizeof(p)));
    ASSERT_EQ(rd16(p + 10), 0xb861);
    /* RFC 1624 section 4: 0xdd2f with 0x5555 changed to 0x3285 gives 0x0000 (not 0xffff). */
    ASSERT_EQ(veiltun_checksum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
    ASSERT_EQ(veiltun_checksum_update32(0xdd2f, 0x55550000, 0x32850000), 0x0000);
    ASSERT_EQ(veiltun_checksum_update32(0xdd2f, 0x00005555, 0x00003285), 0x0000);
    ASSERT_EQ(veiltun_checksum_update16(0x1234, 0xabcd, 0xabcd), 0x1234);
}

/* ---- parsing ---- */

static void test_parse_v4(void)
{
    uint8_t p[200];
    veiltun_packet_info in;
    size_t n = ip4(p, 6, 8, 40);

    wr16(p + 20 + 8, 1234);
    wr16(p + 20 + 8 + 2, 80);
    ASSERT_OK(veiltun_packet_parse(p, n, &in));
    ASSERT_EQ(in.version, 4);
    ASSERT_EQ(in.protocol, 6);
    ASSERT_EQ(in.hop_limit, 64);
    ASSERT_EQ(in.header_len, 28);
    ASSERT_EQ(in.total_len, n);
    ASSERT_EQ(in.is_fragment, 0);
    ASSERT_EQ(memcmp(in.src, src4, 4), 0);
    ASSERT_EQ(memcmp(in.dst, dst4, 4), 0);
    ASSERT_EQ(in.src[4] | in.dst[15], 0);
    ASSERT_EQ(in.has_ports, 1);
    ASSERT_EQ(in.src_port, 1234);
    ASSERT_EQ(in.dst_port, 80);
    ASSERT_EQ(in.has_icmp, 0);
    /* Padding past the total length is not part of the packet. */
    ASSERT_OK(veiltun_packet_parse(p, n + 10, &in));
    ASSERT_EQ(in.total_len, n);
    /* A later fragment: offset 185 * 8, no ports. */
    wr16(p + 6, 0x2000 | 185);
    ASSERT_OK(veiltun_packet_parse(p, n, &in));
    ASSERT_EQ(in.is_fragment, 1);
    ASSERT_EQ(in.fragment_offset, 1480);
    ASSERT_EQ(in.has_ports, 0);
    wr16(p + 6, 0x2000); /* the first fragment */
    ASSERT_OK(veiltun_packet_parse(p, n, &in));
    ASSERT_EQ(in.is_fragment, 1);
    ASSERT_EQ(in.fragment_offset, 0);
    ASSERT_EQ(in.has_ports, 1);
    /* Bad header lengths and total lengths. */
    p[0] = 0x44;
    ASSERT_EQ(veiltun_packet_parse(p, n, &in), VEILTUN_EBADPACKET);
    p[0] = 0x4f; /* 60 bytes of header, within the total length of 68 */
    ASSERT_OK(veiltun_packet_parse(p, n, &in));
    wr16(p + 2, 59);
    ASSERT_EQ(veiltun_packet_parse(p, n, &in), VEILTUN_EBADPACKET);
    wr16(p + 2, (unsigned)n + 1);
    ASSERT_EQ(veiltun_packet_parse(p, n, &in), VEILTUN_EBADPACKET);
    p[0] = 0x55;
    ASSERT_EQ(veiltun_packet_parse(p, n, &in), VEILTUN_EBADPACKET);
    ASSERT_EQ(veiltun_packet_parse(NULL, n, &in), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_packet_parse(p, n, NULL), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_packet_parse(p, 0, &in), VEILTUN_EBADPACKET);
}

/* IPv6 with hop-by-hop (8), destination options (16), authentication (12) and fragment
 * headers before UDP. */
static size_t v6_with_extensions(uint8_t *p, unsigned frag)
{
    size_t n = ip6(p, 0, 8 + 16 + 12 + 8 + 8 + 4);
    uint8_t *x = p + 40;

    x[0] = 60; /* hop-by-hop -> destination options */
    x[8] = 51; /* destination options, 16 bytes -> AH */
    x[9] = 1;
    x[24] = 44; /* AH, (1 + 2) * 4 = 12 bytes -> fragment */
    x[25] = 1;
    x[36] = 17; /* fragment -> UDP */
    wr16(x + 38, frag);
    wr16(x + 44, 546);
    wr16(x + 46, 547);
    wr16(x + 48, 12);
    return n;
}

static void test_parse_v6(void)
{
    uint8_t p[200];
    veiltun_packet_info in;
    size_t n = v6_with_extensions(p, 0);

    ASSERT_OK(veiltun_packet_parse(p, n, &in));
    ASSERT_EQ(in.version, 6);
    ASSERT_EQ(in.protocol, 17);
    ASSERT_EQ(in.header_len, 40 + 8 + 16 + 12 + 8);
    ASSERT_EQ(in.is_fragment, 0); /* atomic fragment: the whole datagram */
    ASSERT_EQ(in.has_ports, 1);
    ASSERT_EQ(in.src_port, 546);
    ASSERT_EQ(in.dst_port, 547);
    ASSERT_EQ(memcmp(in.src, src6, 16), 0);
    ASSERT_EQ(memcmp(in.dst, dst6, 16), 0);
    ASSERT_EQ(veiltun_l4_checksum(p, n), 0);
    ASSERT_EQ(veiltun_l4_checksum_ok(p, n), 1);
    v6_with_extensions(p, 1); /* first fragment */
    ASSERT_OK(veiltun_packet_parse(p, n, &in));
    ASSERT_EQ(in.is_fragment, 1);
    ASSERT_EQ(in.has_ports, 1);
    ASSERT_EQ(veiltun_l4_checksum(p, n), VEILTUN_ENOTSUP);
    v6_with_extensions(p, 8 << 3); /* a later fragment, offset 64: the walk stops there */
    ASSERT_OK(veiltun_packet_parse(p, n, &in));
    ASSERT_EQ(in.fragment_offset, 64);
    ASSERT_EQ(in.protocol, 17);
    ASSERT_EQ(in.header_len, 40 + 8 + 16 + 12 + 8);
    ASSERT_EQ(in.has_ports, 0);
    /* An extension header running past the payload. */
    v6_with_extensions(p, 0);
    p[40 + 9] = 20;
    ASSERT_EQ(veiltun_packet_parse(p, n, &in), VEILTUN_EBADPACKET);
    /* A jumbogram (payload length 0, hop-by-hop) and a payload past the buffer. */
    n = ip6(p, 0, 0);
    ASSERT_EQ(veiltun_packet_parse(p, n + 8, &in), VEILTUN_EBADPACKET);
    n = ip6(p, 59, 0);
    ASSERT_OK(veiltun_packet_parse(p, n, &in));
    ASSERT_EQ(in.protocol, 59);
    wr16(p + 4, 1);
    ASSERT_EQ(veiltun_packet_parse(p, n, &in), VEILTUN_EBADPACKET);
    /* ICMPv6 type and code. */
    n = ip6(p, 58, 8);
    p[40] = 128;
    ASSERT_OK(veiltun_packet_parse(p, n, &in));
    ASSERT_EQ(in.has_icmp, 1);
    ASSERT_EQ(in.icmp_type, 128);
    ASSERT_EQ(in.has_ports, 0);
}

static void test_truncations(void)
{
    uint8_t p[300];
    size_t n;

    for (int v6 = 0; v6 < 2; v6++) {
        n = transport(p, v6, 6, 30);
        check_truncations(p, n);
        n = transport(p, v6, 17, 30);
        check_truncations(p, n);
    }
    check_truncations(p, ip4(p, 1, 12, 16));
    check_truncations(p, ip6(p, 58, 16));
    check_truncations(p, v6_with_extensions(p, 0));
    check_truncations(p, v6_with_extensions(p, 1));
}

/* ---- checksums ---- */

static uint16_t expected_l4(const uint8_t *p, size_t hl, size_t total, uint8_t proto)
{
    uint32_t s = proto == 1 ? 0 : slow_pseudo(p, total - hl, proto);
    uint16_t c = slow_csum(slow_add(s, p + hl, total - hl));

    return proto == 17 && c == 0 ? 0xffff : c;
}

static void test_l4_checksums(void)
{
    uint8_t p[2000];

    for (int round = 0; round < 200; round++) {
        int v6 = round & 1;
        uint8_t proto = round % 3 == 0 ? (v6 ? 58 : 1) : round % 3 == 1 ? 6 : 17;
        size_t data = next_random() % 1400, hl = v6 ? 40 : 20, n, field;
        unsigned got;

        if (proto == 6 || proto == 17) {
            n = transport(p, v6, proto, data);
        } else {
            n = v6 ? ip6(p, 58, 8 + data) : ip4(p, 1, 0, 8 + data);
            fill_payload(p + hl, 8 + data);
        }
        field = hl + (proto == 6 ? 16 : proto == 17 ? 6 : 2);
        ASSERT_OK(veiltun_l4_checksum(p, n));
        got = rd16(p + field);
        wr16(p + field, 0);
        ASSERT_EQ(got, expected_l4(p, hl, n, proto));
        wr16(p + field, got);
        ASSERT_EQ(veiltun_l4_checksum_ok(p, n), 1);
        p[n - 1] ^= 0x40;
        ASSERT_EQ(veiltun_l4_checksum_ok(p, n), 0);
        p[n - 1] ^= 0x40;
        ASSERT_OK(veiltun_ipv4_header_checksum(p, n));
        ASSERT_EQ(veiltun_ipv4_header_checksum_ok(p, n), 1);
        if (!v6) {
            p[8]--;
            ASSERT_EQ(veiltun_ipv4_header_checksum_ok(p, n), 0);
        }
    }
}

static void test_l4_checksum_rules(void)
{
    uint8_t p[200];
    size_t n = transport(p, 0, 17, 20);

    /* UDP: 0 is "none" over IPv4 and forbidden over IPv6; a wrong UDP length is refused. */
    ASSERT_EQ(veiltun_l4_checksum_ok(p, n), 1);
    n = transport(p, 1, 17, 20);
    ASSERT_EQ(veiltun_l4_checksum_ok(p, n), 0);
    wr16(p + 44, 27);
    ASSERT_EQ(veiltun_l4_checksum(p, n), VEILTUN_EBADPACKET);
    /* Too short for the fixed header; another protocol; a fragment. */
    n = ip4(p, 6, 0, 19);
    ASSERT_EQ(veiltun_l4_checksum(p, n), VEILTUN_EBADPACKET);
    n = ip4(p, 47, 0, 19);
    ASSERT_EQ(veiltun_l4_checksum(p, n), VEILTUN_ENOTSUP);
    ASSERT_EQ(veiltun_l4_checksum_ok(p, n), VEILTUN_ENOTSUP);
    n = ip6(p, 1, 8); /* ICMP (v4) inside IPv6 */
    ASSERT_EQ(veiltun_l4_checksum(p, n), VEILTUN_ENOTSUP);
    n = transport(p, 0, 6, 20);
    wr16(p + 6, 0x2000);
    ASSERT_EQ(veiltun_l4_checksum(p, n), VEILTUN_ENOTSUP);
    ASSERT_EQ(veiltun_l4_checksum(NULL, n), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_ipv4_header_checksum(NULL, n), VEILTUN_EINVAL);
    /* A UDP datagram whose sum comes out 0 is sent as 0xffff, which verifies. The payload
     * word that makes it so is searched for with the test's own checksum. */
    n = transport(p, 0, 17, 2);
    for (unsigned w = 0; w <= 0xffff; w++) {
        wr16(p + 28, w);
        if (slow_csum(slow_add(slow_pseudo(p, 10, 17), p + 20, 10)) == 0)
            break;
    }
    ASSERT_OK(veiltun_l4_checksum(p, n));
    ASSERT_EQ(rd16(p + 26), 0xffff);
    ASSERT_EQ(veiltun_l4_checksum_ok(p, n), 1);
}

/* ---- incremental updates ---- */

/* The packet's checksums recomputed in full, on a copy, must equal the ones it has. */
static void assert_checksums_match_full(const uint8_t *p, size_t n)
{
    uint8_t q[2000];

    memcpy(q, p, n);
    ASSERT_OK(veiltun_ipv4_header_checksum(q, n));
    ASSERT_OK(veiltun_l4_checksum(q, n));
    if (memcmp(p, q, n) != 0)
        TEST_FAIL("incremental update differs from full recomputation");
}

static void test_rewrites(void)
{
    uint8_t p[2000], addr[16];
    veiltun_packet_info in;

    for (int round = 0; round < 2000; round++) {
        int v6 = round & 1;
        uint8_t proto = round % 3 == 2 && v6 ? 58 : round % 3 == 1 ? 17 : 6;
        size_t n;

        if (proto == 58) {
            n = ip6(p, 58, 8 + next_random() % 100);
            fill_payload(p + 40, n - 40);
        } else {
            n = transport(p, v6, proto, next_random() % 100);
        }
        ASSERT_OK(veiltun_ipv4_header_checksum(p, n));
        ASSERT_OK(veiltun_l4_checksum(p, n));
        for (int k = 0; k < 4; k++) {
            veiltun_endpoint which = (veiltun_endpoint)(next_random() & 1);
            fill_payload(addr, sizeof(addr));
            if (next_random() % 4 == 0)
                memset(addr, next_random() % 2 ? 0xff : 0, sizeof(addr)); /* extremes */
            if (proto != 58 && next_random() % 2) {
                uint16_t port = (uint16_t)next_random();
                ASSERT_OK(veiltun_rewrite_port(p, n, which, port));
                ASSERT_OK(veiltun_packet_parse(p, n, &in));
                ASSERT_EQ(which == VEILTUN_SOURCE ? in.src_port : in.dst_port, port);
            } else {
                ASSERT_OK(veiltun_rewrite_address(p, n, which, addr));
                ASSERT_OK(veiltun_packet_parse(p, n, &in));
                ASSERT_EQ(memcmp(which == VEILTUN_SOURCE ? in.src : in.dst, addr, v6 ? 16 : 4), 0);
            }
            assert_checksums_match_full(p, n);
        }
    }
    /* The generic updates on random words of a random buffer. */
    for (int round = 0; round < 10000; round++) {
        uint8_t b[64];
        size_t i = (next_random() % 31) * 2;
        uint16_t before, after;
        uint32_t old32, new32 = next_random();

        fill_payload(b, sizeof(b));
        before = slow_csum(slow_add(0, b, sizeof(b)));
        if (i <= 60 && round % 2) {
            old32 = (uint32_t)rd16(b + i) << 16 | rd16(b + i + 2);
            wr16(b + i, new32 >> 16);
            wr16(b + i + 2, new32 & 0xffff);
            after = veiltun_checksum_update32(before, old32, new32);
        } else {
            unsigned old16 = rd16(b + i);
            wr16(b + i, new32 & 0xffff);
            after = veiltun_checksum_update16(before, (uint16_t)old16, (uint16_t)new32);
        }
        ASSERT_EQ(after, slow_csum(slow_add(0, b, sizeof(b))));
    }
}

static void test_rewrite_rules(void)
{
    uint8_t p[200], a4[4] = {192, 0, 2, 7};
    size_t n = transport(p, 0, 17, 10);

    /* IPv4 UDP without a checksum keeps none. */
    ASSERT_OK(veiltun_ipv4_header_checksum(p, n));
    ASSERT_OK(veiltun_rewrite_address(p, n, VEILTUN_DESTINATION, a4));
    ASSERT_OK(veiltun_rewrite_port(p, n, VEILTUN_SOURCE, 9));
    ASSERT_EQ(rd16(p + 26), 0);
    ASSERT_EQ(veiltun_ipv4_header_checksum_ok(p, n), 1);
    ASSERT_EQ(memcmp(p + 16, a4, 4), 0);
    ASSERT_EQ(rd16(p + 20), 9);
    /* A UDP checksum that an update brings to 0 is sent as 0xffff. The port that does it
     * is searched for with the test's own checksum (the checksum field taken as 0). */
    for (int v6 = 0; v6 < 2; v6++) {
        size_t hl = v6 ? 40 : 20;
        unsigned port = 0;
        uint8_t q[200];

        n = transport(p, v6, 17, 10);
        ASSERT_OK(veiltun_ipv4_header_checksum(p, n));
        ASSERT_OK(veiltun_l4_checksum(p, n));
        memcpy(q, p, n);
        wr16(q + hl + 6, 0);
        for (; port <= 0xffff; port++) {
            wr16(q + hl + 2, port);
            if (slow_csum(slow_add(slow_pseudo(q, n - hl, 17), q + hl, n - hl)) == 0)
                break;
        }
        ASSERT_LE(port, 0xffff);
        ASSERT_OK(veiltun_rewrite_port(p, n, VEILTUN_DESTINATION, (uint16_t)port));
        ASSERT_EQ(rd16(p + hl + 6), 0xffff);
        assert_checksums_match_full(p, n);
    }
    /* ICMP (IPv4): only the header checksum follows an address. */
    n = ip4(p, 1, 0, 8);
    p[20] = 8;
    ASSERT_OK(veiltun_ipv4_header_checksum(p, n));
    ASSERT_OK(veiltun_l4_checksum(p, n));
    ASSERT_OK(veiltun_rewrite_address(p, n, VEILTUN_SOURCE, a4));
    assert_checksums_match_full(p, n);
    ASSERT_EQ(veiltun_rewrite_port(p, n, VEILTUN_SOURCE, 1), VEILTUN_ENOTSUP);
    /* A later fragment: the address changes, there is no port. */
    n = transport(p, 0, 6, 10);
    wr16(p + 6, 100);
    ASSERT_OK(veiltun_rewrite_address(p, n, VEILTUN_SOURCE, a4));
    ASSERT_EQ(memcmp(p + 12, a4, 4), 0);
    ASSERT_EQ(veiltun_rewrite_port(p, n, VEILTUN_SOURCE, 1), VEILTUN_ENOTSUP);
    /* Bad arguments; a TCP header too short for its checksum field. */
    ASSERT_EQ(veiltun_rewrite_address(p, n, VEILTUN_SOURCE, NULL), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_rewrite_address(p, n, (veiltun_endpoint)2, a4), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_rewrite_port(p, n, (veiltun_endpoint)-1, 1), VEILTUN_EINVAL);
    n = ip4(p, 6, 0, 17);
    ASSERT_EQ(veiltun_rewrite_address(p, n, VEILTUN_SOURCE, a4), VEILTUN_EBADPACKET);
    ASSERT_EQ(memcmp(p + 12, src4, 4), 0); /* nothing changed */
    ASSERT_EQ(veiltun_rewrite_port(p, n, VEILTUN_SOURCE, 1), VEILTUN_EBADPACKET);
}

/* An IPv6 routing header with segments left: the transport checksum covers the final
 * destination (in that header), so it cannot be filled from the IPv6 header, and a new
 * destination address leaves it alone, while a new source still updates it. */
static void test_routing_header(void)
{
    uint8_t p[200], a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 7};
    size_t n = ip6(p, 43, 24 + 20 + 10);
    uint8_t *rh = p + 40, *tcp = p + 64;
    unsigned before;

    rh[0] = 6;
    rh[1] = 2; /* (2 + 1) * 8 = 24 bytes */
    rh[2] = 0;
    wr16(tcp, 1000);
    wr16(tcp + 2, 80);
    tcp[12] = 5 << 4;
    ASSERT_OK(veiltun_l4_checksum(p, n)); /* segments left 0: the IPv6 destination is final */
    rh[3] = 1;
    ASSERT_EQ(veiltun_l4_checksum(p, n), VEILTUN_ENOTSUP);
    ASSERT_EQ(veiltun_l4_checksum_ok(p, n), VEILTUN_ENOTSUP);
    before = rd16(tcp + 16);
    ASSERT_OK(veiltun_rewrite_address(p, n, VEILTUN_DESTINATION, a6));
    ASSERT_EQ(rd16(tcp + 16), before);
    ASSERT_OK(veiltun_rewrite_address(p, n, VEILTUN_SOURCE, a6));
    ASSERT_NE(rd16(tcp + 16), before);
    /* Seen with segments left 0 and the original destination back, the sum is right. */
    rh[3] = 0;
    memcpy(p + 24, dst6, 16);
    ASSERT_EQ(veiltun_l4_checksum_ok(p, n), 1);
}

/* ---- ICMP too big ---- */

static void check_icmp4(const uint8_t *m, int len, const uint8_t *pkt, size_t quote,
                        const uint8_t *from, unsigned mtu)
{
    ASSERT_EQ(len, 28 + (int)quote);
    ASSERT_EQ(m[0], 0x45);
    ASSERT_EQ(rd16(m + 2), (unsigned)len);
    ASSERT_EQ(rd16(m + 6) & 0x3fff, 0); /* not a fragment */
    ASSERT_EQ(m[8], 64);
    ASSERT_EQ(m[9], 1);
    ASSERT_EQ(slow_csum(slow_add(0, m, 20)), 0);
    ASSERT_EQ(memcmp(m + 12, from, 4), 0);
    ASSERT_EQ(memcmp(m + 16, pkt + 12, 4), 0); /* back to the sender */
    ASSERT_EQ(m[20], 3);
    ASSERT_EQ(m[21], 4);
    ASSERT_EQ(slow_csum(slow_add(0, m + 20, (size_t)len - 20)), 0);
    ASSERT_EQ(rd16(m + 24), 0);
    ASSERT_EQ(rd16(m + 26), mtu);
    ASSERT_EQ(memcmp(m + 28, pkt, quote), 0);
}

static void check_icmp6(const uint8_t *m, int len, const uint8_t *pkt, size_t quote,
                        const uint8_t *from, unsigned mtu)
{
    ASSERT_EQ(len, 48 + (int)quote);
    ASSERT_EQ(m[0], 0x60);
    ASSERT_EQ(rd16(m + 4), (unsigned)len - 40);
    ASSERT_EQ(m[6], 58);
    ASSERT_EQ(m[7], 64);
    ASSERT_EQ(memcmp(m + 8, from, 16), 0);
    ASSERT_EQ(memcmp(m + 24, pkt + 8, 16), 0);
    ASSERT_EQ(m[40], 2);
    ASSERT_EQ(m[41], 0);
    ASSERT_EQ(slow_csum(slow_add(slow_pseudo(m, (size_t)len - 40, 58), m + 40, (size_t)len - 40)),
              0);
    ASSERT_EQ((uint32_t)rd16(m + 44) << 16 | rd16(m + 46), mtu);
    ASSERT_EQ(memcmp(m + 48, pkt, quote), 0);
}

static void test_too_big_v4(void)
{
    static uint8_t p[1500], out[1400];
    uint8_t router[4] = {10, 9, 0, 254};
    size_t n = transport(p, 0, 17, 1400 - 28);

    check_icmp4(out, veiltun_icmp_too_big(p, n, 1280, router, out, sizeof(out)), p, 548, router,
                1280);
    check_icmp4(out, veiltun_icmp_too_big(p, n, 68, NULL, out, 100), p, 72, dst4, 68);
    /* The least it quotes: the header and 8 bytes; a smaller buffer is refused. */
    check_icmp4(out, veiltun_icmp_too_big(p, n, 576, NULL, out, 56), p, 28, dst4, 576);
    ASSERT_EQ(veiltun_icmp_too_big(p, n, 576, NULL, out, 55), VEILTUN_EMSGSIZE);
    /* A short packet is quoted whole. */
    n = transport(p, 0, 6, 0);
    check_icmp4(out, veiltun_icmp_too_big(p, n, 1000, router, out, sizeof(out)), p, 40, router,
                1000);
    ASSERT_EQ(veiltun_icmp_too_big(p, n, 67, NULL, out, sizeof(out)), VEILTUN_EBADMTU);
    ASSERT_EQ(veiltun_icmp_too_big(p, n, 65536, NULL, out, sizeof(out)), VEILTUN_EBADMTU);
    ASSERT_EQ(veiltun_icmp_too_big(NULL, n, 1000, NULL, out, sizeof(out)), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_icmp_too_big(p, n, 1000, NULL, NULL, sizeof(out)), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_icmp_too_big(p, 19, 1000, NULL, out, sizeof(out)), VEILTUN_EBADPACKET);
}

/* Packets that must get no error (the call returns 0 and leaves out alone). */
static void assert_no_answer(const uint8_t *p, size_t n)
{
    uint8_t out[1280];

    memset(out, 0xaa, sizeof(out));
    ASSERT_EQ(veiltun_icmp_too_big(p, n, 1280, NULL, out, sizeof(out)), 0);
    ASSERT_EQ(out[0] & out[sizeof(out) - 1], 0xaa);
}

static void test_too_big_refusals(void)
{
    static const uint8_t errors4[] = {3, 4, 5, 11, 12}, bad_src4[] = {0, 127, 224, 239, 240, 255};
    uint8_t p[200], out[1280];
    size_t n;

    for (size_t i = 0; i < sizeof(errors4); i++) {
        n = ip4(p, 1, 0, 36);
        p[20] = errors4[i];
        assert_no_answer(p, n);
    }
    n = ip4(p, 1, 0, 36);
    p[20] = 8; /* an echo request is answered */
    ASSERT_GT(veiltun_icmp_too_big(p, n, 1280, NULL, out, sizeof(out)), 0);
    assert_no_answer(p, ip4(p, 1, 0, 3)); /* too short to tell */
    for (size_t i = 0; i < sizeof(bad_src4); i++) {
        n = transport(p, 0, 17, 8);
        p[12] = bad_src4[i];
        assert_no_answer(p, n);
    }
    n = transport(p, 0, 17, 8);
    p[16] = 224; /* multicast destination */
    assert_no_answer(p, n);
    memset(p + 16, 255, 4); /* limited broadcast */
    assert_no_answer(p, n);
    n = transport(p, 0, 17, 8);
    wr16(p + 6, 0x2000 | 3); /* a later fragment */
    assert_no_answer(p, n);
    wr16(p + 6, 0x2000); /* the first one is answered */
    ASSERT_GT(veiltun_icmp_too_big(p, n, 1280, NULL, out, sizeof(out)), 0);

    /* IPv6: errors (below 128), redirect, unspecified or multicast sources. */
    for (unsigned t = 0; t < 256; t++) {
        n = ip6(p, 58, 8);
        p[40] = (uint8_t)t;
        if (t < 128 || t == 137)
            assert_no_answer(p, n);
        else
            ASSERT_EQ(veiltun_icmp_too_big(p, n, 1280, NULL, out, sizeof(out)), 48 + 48);
    }
    n = ip6(p, 17, 8);
    memset(p + 8, 0, 16);
    assert_no_answer(p, n);
    p[8] = 0xff;
    assert_no_answer(p, n);
    /* A multicast destination is answered (RFC 4443 2.4(e.3)), given a source to use. */
    n = ip6(p, 17, 8);
    p[24] = 0xff;
    ASSERT_EQ(veiltun_icmp_too_big(p, n, 1280, NULL, out, sizeof(out)), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_icmp_too_big(p, n, 1280, src6, out, sizeof(out)), 48 + 48);
    ASSERT_EQ(veiltun_icmp_too_big(p, n, 1279, src6, out, sizeof(out)), VEILTUN_EBADMTU);
}

static void test_too_big_v6(void)
{
    static uint8_t p[3000], out[2000];
    uint8_t router[16] = {0xfd, 0, 0, 9, [15] = 0xfe};
    size_t n = transport(p, 1, 6, 2000);

    check_icmp6(out, veiltun_icmp_too_big(p, n, 1280, router, out, sizeof(out)), p, 1232, router,
                1280);
    check_icmp6(out, veiltun_icmp_too_big(p, n, 1400, NULL, out, 300), p, 252, dst6, 1400);
    check_icmp6(out, veiltun_icmp_too_big(p, n, 65535, NULL, out, 48 + 68), p, 68, dst6, 65535);
    check_icmp6(out, veiltun_icmp_too_big(p, n, 1280, NULL, out, 48 + 48), p, 48, dst6, 1280);
    ASSERT_EQ(veiltun_icmp_too_big(p, n, 1280, NULL, out, 48 + 47), VEILTUN_EMSGSIZE);
    /* A later fragment is answered (a sender can learn its path MTU no other way). */
    n = v6_with_extensions(p, 8 << 3);
    check_icmp6(out, veiltun_icmp_too_big(p, n, 1280, NULL, out, sizeof(out)), p, n, dst6, 1280);
}

int main(void)
{
    test_known_answers();
    test_parse_v4();
    test_parse_v6();
    test_truncations();
    test_l4_checksums();
    test_l4_checksum_rules();
    test_rewrites();
    test_rewrite_rules();
    test_routing_header();
    test_too_big_v4();
    test_too_big_refusals();
    test_too_big_v6();
    printf("ok\n");
    return 0;
}
