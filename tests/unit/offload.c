/* SPDX-License-Identifier: MIT */
/* Cutting GSO super-packets: every segment checked independently of the code under test
 * (lengths, IPv4 ID and header checksum, TCP sequence and flags, transport checksums
 * recomputed here from scratch, payload bytes), for TCP and UDP over IPv4 and IPv6, odd
 * sizes, partial checksums, and headers that lie. Also super-packets handed over whole
 * and described again for writing. */
#include "linux/offload.h"
#include "test.h"
#include "veiltun.h"

#define ACK 0x10
#define PSH 0x08
#define FIN 0x01
#define CWR 0x80

static uint8_t super[70000], seg[70000];

/* Checksum written the slow, obvious way, for checking. */
static uint16_t ref_sum(const uint8_t *parts[], const size_t lens[], int n)
{
    uint64_t s = 0;

    for (int k = 0; k < n; k++) {
        for (size_t i = 0; i < lens[k]; i++)
            s += (i % 2 == 0) ? (uint64_t)parts[k][i] << 8 : parts[k][i];
    }
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
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

/* 1 if the transport checksum of @p s (transport at @p l4) is right. */
static int l4_sum_ok(const uint8_t *s, size_t len, size_t l4, uint8_t proto)
{
    uint8_t pseudo[40] = {0};
    size_t plen, l4len = len - l4;
    const uint8_t *parts[2];
    size_t lens[2];

    if (s[0] >> 4 == 6) {
        memcpy(pseudo, s + 8, 32);
        pseudo[34] = (uint8_t)(l4len >> 8);
        pseudo[35] = (uint8_t)l4len;
        pseudo[39] = proto;
        plen = 40;
    } else {
        memcpy(pseudo, s + 12, 8);
        pseudo[9] = proto;
        pseudo[10] = (uint8_t)(l4len >> 8);
        pseudo[11] = (uint8_t)l4len;
        plen = 12;
    }
    parts[0] = pseudo, lens[0] = plen;
    parts[1] = s + l4, lens[1] = l4len;
    return ref_sum(parts, lens, 2) == 0xffff;
}

static size_t ip_header(uint8_t *p, int v6, size_t total, uint8_t proto)
{
    if (v6) {
        memset(p, 0, 40);
        p[0] = 0x60;
        wr16(p + 4, (unsigned)(total - 40));
        p[6] = proto;
        p[7] = 64;
        p[8] = 0xfd, p[23] = 1;  /* fd00::1 */
        p[24] = 0xfd, p[39] = 2; /* fd00::2 */
        return 40;
    }
    memset(p, 0, 20);
    p[0] = 0x45;
    wr16(p + 2, (unsigned)total);
    wr16(p + 4, 0x1234);
    p[8] = 64;
    p[9] = proto;
    p[12] = 10, p[15] = 1;
    p[16] = 10, p[19] = 2;
    return 20;
}

/* A super-packet: IP, a transport header (TCP with 12 bytes of options, or UDP), payload. */
static size_t build(int v6, int tcp, size_t payload, size_t gso, uint8_t hdr[10])
{
    size_t l4 = v6 ? 40 : 20, thl = tcp ? 32 : 8, total = l4 + thl + payload;

    ip_header(super, v6, total, tcp ? 6 : 17);
    memset(super + l4, 0, thl);
    wr16(super + l4, 40000);
    wr16(super + l4 + 2, 443);
    if (tcp) {
        wr16(super + l4 + 4, 0x0001); /* sequence 0x000103e8 */
        wr16(super + l4 + 6, 0x03e8);
        super[l4 + 12] = (uint8_t)((thl / 4) << 4);
        super[l4 + 13] = ACK | PSH | FIN | CWR;
        super[l4 + 20] = 1, super[l4 + 21] = 1, super[l4 + 22] = 8, super[l4 + 23] = 10;
    } else {
        wr16(super + l4 + 4, (unsigned)(thl + payload));
    }
    for (size_t i = 0; i < payload; i++)
        super[l4 + thl + i] = (uint8_t)(i * 7 + 3);
    memset(hdr, 0, 10);
    hdr[0] = 1; /* NEEDS_CSUM */
    hdr[1] = tcp ? (v6 ? 4 : 1) : 5;
    hdr[2] = (uint8_t)(l4 + thl);
    hdr[4] = (uint8_t)gso, hdr[5] = (uint8_t)(gso >> 8);
    hdr[6] = (uint8_t)l4;
    hdr[8] = tcp ? 16 : 6;
    return total;
}

static void check_split(int v6, int tcp, size_t payload, size_t gso)
{
    uint8_t hdr[10];
    size_t total = build(v6, tcp, payload, gso, hdr), l4 = v6 ? 40 : 20, thl = tcp ? 32 : 8;
    size_t want = payload ? (payload + gso - 1) / gso : 1, off = 0;
    struct veiltun__gso g;
    unsigned i = 0;
    int n;

    ASSERT_OK(veiltun__gso_start(&g, hdr, super, total));
    ASSERT_EQ(veiltun__gso_count(&g), want);
    while ((n = veiltun__gso_next(&g, seg, sizeof(seg))) > 0) {
        size_t seglen = (size_t)n - l4 - thl, expect = payload - off < gso ? payload - off : gso;
        int last = i + 1 == want;
        ASSERT_EQ(seglen, expect);
        ASSERT_EQ(memcmp(seg + l4 + thl, super + l4 + thl + off, seglen), 0);
        ASSERT_EQ(memcmp(seg + l4, super + l4, 4), 0); /* ports */
        if (v6) {
            ASSERT_EQ(rd16(seg + 4), (size_t)n - 40);
        } else {
            const uint8_t *parts[1] = {seg};
            size_t lens[1] = {20};
            ASSERT_EQ(rd16(seg + 2), n);
            ASSERT_EQ(rd16(seg + 4), 0x1234 + i);
            ASSERT_EQ(ref_sum(parts, lens, 1), 0xffff);
        }
        ASSERT_TRUE(l4_sum_ok(seg, (size_t)n, l4, tcp ? 6 : 17));
        if (tcp) {
            uint32_t seq = (uint32_t)rd16(seg + l4 + 4) << 16 | rd16(seg + l4 + 6);
            ASSERT_EQ(seq, 0x103e8 + off);
            ASSERT_EQ(seg[l4 + 13] & ACK, ACK);
            ASSERT_EQ(seg[l4 + 13] & (PSH | FIN), last ? (PSH | FIN) : 0);
            ASSERT_EQ(seg[l4 + 13] & CWR, i == 0 ? CWR : 0);
            ASSERT_EQ(memcmp(seg + l4 + 20, super + l4 + 20, 12), 0); /* options kept */
        } else {
            ASSERT_EQ(rd16(seg + l4 + 4), 8 + seglen);
        }
        off += seglen;
        i++;
    }
    ASSERT_EQ(n, 0);
    ASSERT_EQ(i, want);
    ASSERT_EQ(off, payload);
}

static void test_splits(void)
{
    for (int v6 = 0; v6 <= 1; v6++) {
        for (int tcp = 0; tcp <= 1; tcp++) {
            check_split(v6, tcp, 5000, 1448);     /* 3 full and a short one */
            check_split(v6, tcp, 2 * 1400, 1400); /* an exact multiple */
            check_split(v6, tcp, 1, 1448);        /* less than one segment */
            check_split(v6, tcp, 65000, 1000);    /* the largest kind */
            check_split(v6, tcp, 4097, 1);        /* tiny segments, odd count */
        }
    }
}

/* A plain packet whose checksum the kernel left partial (pseudo-header sum in the field). */
static void test_partial_checksum(void)
{
    uint8_t hdr[10] = {1, 0, 0, 0, 0, 0, 20, 0, 6, 0};
    size_t total = 20 + 8 + 37;
    struct veiltun__gso g;
    uint8_t pseudo[12] = {10, 0, 0, 1, 10, 0, 0, 2, 0, 17, 0, 45};
    const uint8_t *parts[1] = {pseudo};
    size_t lens[1] = {12};

    ip_header(super, 0, total, 17);
    wr16(super + 20, 53), wr16(super + 22, 5353), wr16(super + 24, 45);
    for (size_t i = 28; i < total; i++)
        super[i] = (uint8_t)i;
    wr16(super + 26, ref_sum(parts, lens, 1)); /* what CHECKSUM_PARTIAL leaves */
    ASSERT_OK(veiltun__gso_start(&g, hdr, super, total));
    ASSERT_EQ(veiltun__gso_count(&g), 1);
    ASSERT_EQ(veiltun__gso_next(&g, seg, sizeof(seg)), (int)total);
    ASSERT_TRUE(l4_sum_ok(seg, total, 20, 17));
    ASSERT_EQ(veiltun__gso_next(&g, seg, sizeof(seg)), 0);
    /* No flags: passed through untouched. */
    hdr[0] = 0;
    ASSERT_OK(veiltun__gso_start(&g, hdr, super, total));
    ASSERT_EQ(veiltun__gso_next(&g, seg, sizeof(seg)), (int)total);
    ASSERT_EQ(memcmp(seg, super, total), 0);
}

static void test_lies(void)
{
    uint8_t hdr[10];
    struct veiltun__gso g;
    size_t total = build(0, 1, 3000, 1448, hdr);

    hdr[1] = 4; /* TCPv6 type on an IPv4 packet */
    ASSERT_EQ(veiltun__gso_start(&g, hdr, super, total), VEILTUN_EPROTO);
    build(0, 1, 3000, 1448, hdr);
    hdr[4] = hdr[5] = 0; /* gso_size 0 */
    ASSERT_EQ(veiltun__gso_start(&g, hdr, super, total), VEILTUN_EPROTO);
    build(0, 1, 3000, 1448, hdr);
    hdr[6] = 0xff, hdr[7] = 0xff; /* checksum start past the end */
    ASSERT_EQ(veiltun__gso_start(&g, hdr, super, total), VEILTUN_EPROTO);
    build(0, 1, 3000, 1448, hdr);
    hdr[0] = 0; /* GSO without NEEDS_CSUM */
    ASSERT_EQ(veiltun__gso_start(&g, hdr, super, total), VEILTUN_EPROTO);
    build(0, 1, 3000, 1448, hdr);
    hdr[1] = 3; /* UFO: never enabled */
    ASSERT_EQ(veiltun__gso_start(&g, hdr, super, total), VEILTUN_EPROTO);
    build(0, 1, 3000, 1448, hdr);
    super[20 + 12] = 0x40; /* TCP data offset 16 bytes: shorter than a TCP header */
    ASSERT_EQ(veiltun__gso_start(&g, hdr, super, total), VEILTUN_EPROTO);
    build(0, 1, 3000, 1448, hdr);
    ASSERT_EQ(veiltun__gso_start(&g, hdr, super, 40), VEILTUN_EPROTO); /* headers cut off */
    build(0, 1, 3000, 1448, hdr);
    hdr[8] = 6; /* a TCP packet claiming UDP's checksum offset */
    ASSERT_EQ(veiltun__gso_start(&g, hdr, super, total), VEILTUN_EPROTO);
    /* The transport header is not where the IP header says (fuzzing found one pointing
     * into the payload), or the IP protocol is not the one the type says. */
    build(0, 1, 3000, 1448, hdr);
    hdr[6] = 244;
    ASSERT_EQ(veiltun__gso_start(&g, hdr, super, total), VEILTUN_EPROTO);
    build(1, 1, 3000, 1448, hdr);
    hdr[6] = 36;
    ASSERT_EQ(veiltun__gso_start(&g, hdr, super, total), VEILTUN_EPROTO);
    build(1, 1, 3000, 1448, hdr);
    hdr[6] = 48; /* past the header of an IPv6 packet without extension headers */
    ASSERT_EQ(veiltun__gso_start(&g, hdr, super, total), VEILTUN_EPROTO);
    build(0, 1, 3000, 1448, hdr);
    super[9] = 17;
    ASSERT_EQ(veiltun__gso_start(&g, hdr, super, total), VEILTUN_EPROTO);
    build(1, 0, 3000, 1448, hdr);
    super[6] = 6;
    ASSERT_EQ(veiltun__gso_start(&g, hdr, super, total), VEILTUN_EPROTO);
    /* A segment that does not fit the caller's buffer is skipped, the rest still come. */
    build(0, 1, 3000, 1448, hdr);
    ASSERT_OK(veiltun__gso_start(&g, hdr, super, total));
    ASSERT_EQ(veiltun__gso_next(&g, seg, 100), VEILTUN_EMSGSIZE);
    ASSERT_EQ(veiltun__gso_next(&g, seg, sizeof(seg)), 52 + 1448);
    ASSERT_EQ(veiltun__gso_next(&g, seg, sizeof(seg)), 52 + 3000 - 2 * 1448);
    ASSERT_EQ(veiltun__gso_next(&g, seg, sizeof(seg)), 0);
}

/* Whole: the super-packet unchanged but for a transport checksum right for all of it, whatever
 * the kernel left in the field (@p field); and describing that packet again gives a header
 * that cuts into the same segments. */
static void check_whole(int v6, int tcp, size_t payload, size_t gso, unsigned field)
{
    static uint8_t whole[70000], again_seg[70000];
    uint8_t hdr[10], hdr2[10];
    size_t total = build(v6, tcp, payload, gso, hdr), l4 = v6 ? 40 : 20, at = tcp ? 16 : 6;
    struct veiltun__gso g, g2;
    int n;

    wr16(super + l4 + at, field);
    ASSERT_OK(veiltun__gso_start(&g, hdr, super, total));
    ASSERT_EQ(veiltun__gso_whole(&g, whole, total - 1), 0); /* does not fit: cut instead */
    ASSERT_EQ(veiltun__gso_whole(&g, whole, sizeof(whole)), (int)total);
    ASSERT_TRUE(l4_sum_ok(whole, total, l4, tcp ? 6 : 17));
    ASSERT_EQ(memcmp(whole, super, l4 + at), 0);
    ASSERT_EQ(memcmp(whole + l4 + at + 2, super + l4 + at + 2, total - l4 - at - 2), 0);
    ASSERT_EQ(veiltun__gso_next(&g, seg, sizeof(seg)), 0); /* handed over: nothing left */
    ASSERT_OK(veiltun__gso_describe(hdr2, whole, total, !tcp, gso));
    ASSERT_EQ(memcmp(hdr2, hdr, 10), 0);
    ASSERT_OK(veiltun__gso_start(&g, hdr, super, total));
    ASSERT_OK(veiltun__gso_start(&g2, hdr2, whole, total));
    while ((n = veiltun__gso_next(&g, seg, sizeof(seg))) > 0) {
        ASSERT_EQ(veiltun__gso_next(&g2, again_seg, sizeof(again_seg)), n);
        ASSERT_EQ(memcmp(seg, again_seg, (size_t)n), 0);
    }
    ASSERT_EQ(veiltun__gso_next(&g2, again_seg, sizeof(again_seg)), 0);
}

static void test_whole(void)
{
    uint8_t hdr[10];
    size_t total;

    for (int v6 = 0; v6 <= 1; v6++) {
        for (int tcp = 0; tcp <= 1; tcp++) {
            check_whole(v6, tcp, 5000, 1448, 0);
            check_whole(v6, tcp, 60 * 1000, 1000, 0);
            /* The partial sum the kernel leaves is summed while copying and taken out again. */
            check_whole(v6, tcp, 5000, 1448, 0x1234);
            check_whole(v6, tcp, 4999, 1448, 0xffff);
            check_whole(v6, tcp, 777, 100, 0x0001);
        }
    }
    /* A plain packet is never "whole": the caller cuts (copies) it. */
    total = build(0, 1, 100, 1448, hdr);
    hdr[1] = 0;
    {
        struct veiltun__gso g;
        ASSERT_OK(veiltun__gso_start(&g, hdr, super, total));
        ASSERT_EQ(veiltun__gso_whole(&g, seg, sizeof(seg)), 0);
    }
    /* Descriptions that do not match the packet. */
    total = build(0, 1, 5000, 1448, hdr);
    ASSERT_EQ(veiltun__gso_describe(hdr, super, total, 1, 1448), VEILTUN_EBADPACKET); /* TCP */
    ASSERT_EQ(veiltun__gso_describe(hdr, super, total - 1, 0, 1448), VEILTUN_EBADPACKET);
    total = build(1, 0, 65 * 100, 100, hdr);
    ASSERT_EQ(veiltun__gso_describe(hdr, super, total, 1, 100), VEILTUN_EBADPACKET); /* >64 */
    ASSERT_OK(veiltun__gso_describe(hdr, super, total, 1, 102));
    total = build(0, 1, 5000, 1448, hdr);
    wr16(super + 6, 0x2000); /* MF: a fragment */
    ASSERT_EQ(veiltun__gso_describe(hdr, super, total, 0, 1448), VEILTUN_EBADPACKET);
}

/* The checksum equals the obvious one for every length and alignment, starting sums
 * included, on random bytes and on all-ones (the carries' worst case). */
static void test_checksum(void)
{
    static uint8_t data[4096 + 16];
    uint32_t seed = 12345;

    for (size_t i = 0; i < sizeof(data); i++) {
        seed = seed * 1103515245u + 12345u;
        data[i] = (uint8_t)(seed >> 16);
    }
    for (int fill = 0; fill < 2; fill++) {
        if (fill)
            memset(data, 0xff, sizeof(data));
        for (size_t off = 0; off < 8; off++) {
            for (size_t len = 0; len <= 300; len++) {
                const uint8_t *parts[1] = {data + off};
                size_t lens[1] = {len};
                uint16_t want = ref_sum(parts, lens, 1);
                ASSERT_EQ(veiltun__csum_fold(veiltun__csum_add(0, data + off, len)),
                          (uint16_t)~want);
                /* With a starting sum: the same as summing it in. */
                uint32_t start = 0xfffe;
                uint32_t got = veiltun__csum_add(start, data + off, len);
                ASSERT_EQ(veiltun__csum_fold(got), veiltun__csum_fold(veiltun__csum_add(
                                                       want, (const uint8_t *)"\xff\xfe", 2)));
            }
        }
        const uint8_t *parts[1] = {data};
        size_t lens[1] = {4096};
        ASSERT_EQ(veiltun__csum_fold(veiltun__csum_add(0, data, 4096)),
                  (uint16_t)~ref_sum(parts, lens, 1));
    }
}

int main(void)
{
    test_checksum();
    test_splits();
    test_whole();
    test_partial_checksum();
    test_lies();
    return 0;
}
