/* SPDX-License-Identifier: MIT */
/* Coalescing on write: segments cut from a super-packet (by the GSO code, tested on its own)
 * must merge back into exactly that super-packet, for TCP and UDP; anything the kernel's GRO
 * would refuse must not merge: other flow, gap in sequence, SYN/FIN, changed options, bad
 * checksum, a longer segment after a shorter one, IPv4 IDs out of step, too many or too
 * big, a UDP datagram without checksum, another TTL. */
#include "linux/gro.h"
#include "linux/offload.h"
#include "test.h"
#include "veiltun.h"

static uint8_t super[70000], segs[80][2048], out[10 + 70000];
static size_t seglen[80];

static void wr16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Recomputes the TCP (6) or UDP (17) checksum of an IPv4 packet after the test changed it
 * (slow, plain). */
static void refix_proto(uint8_t *p, size_t len, uint8_t proto)
{
    uint32_t sum = 0;
    uint8_t pseudo[12] = {0};
    size_t at = 20 + (proto == 6 ? 16 : 6);

    memcpy(pseudo, p + 12, 8);
    pseudo[9] = proto;
    pseudo[10] = (uint8_t)((len - 20) >> 8), pseudo[11] = (uint8_t)(len - 20);
    p[at] = p[at + 1] = 0;
    for (size_t i = 0; i < 12; i += 2)
        sum += (uint32_t)pseudo[i] << 8 | pseudo[i + 1];
    for (size_t i = 20; i < len; i++)
        sum += (i % 2 == 0) ? (uint32_t)p[i] << 8 : p[i];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    wr16(p + at, (~sum) & 0xffff);
}

static void refix(uint8_t *p, size_t len)
{
    refix_proto(p, len, 6);
}

static size_t hlen_of(int v6, int udp)
{
    return (v6 ? 40 : 20) + (udp ? 8 : 32);
}

/* A TCP (or UDP) super-packet and its virtio-net header (as the kernel would hand it). */
static size_t make_super(int v6, int udp, size_t payload, size_t gso, int df, uint8_t hdr[10])
{
    size_t l4 = v6 ? 40 : 20, total = hlen_of(v6, udp) + payload;

    memset(super, 0, l4 + 32);
    if (v6) {
        super[0] = 0x60;
        wr16(super + 4, (unsigned)(total - 40));
        super[6] = 6, super[7] = 64, super[8] = 0xfd, super[23] = 1, super[24] = 0xfd,
        super[39] = 2;
    } else {
        super[0] = 0x45;
        wr16(super + 2, (unsigned)total);
        wr16(super + 4, 0x4000);
        super[6] = df ? 0x40 : 0;
        super[8] = 64, super[9] = 6, super[12] = 10, super[15] = 1, super[16] = 10, super[19] = 2;
    }
    wr16(super + l4, 5201), wr16(super + l4 + 2, 40000);
    wr16(super + l4 + 4, 0xfffe), wr16(super + l4 + 6, 0x0000); /* sequence wraps past 2^32 */
    wr16(super + l4 + 8, 0x1234);
    super[l4 + 12] = 0x80; /* 32-byte header: 12 bytes of options */
    super[l4 + 13] = 0x18; /* ACK|PSH: PSH belongs to the last segment */
    wr16(super + l4 + 14, 512);
    super[l4 + 20] = 1, super[l4 + 21] = 1, super[l4 + 22] = 8, super[l4 + 23] = 10;
    for (size_t i = 0; i < payload; i++)
        super[hlen_of(v6, udp) + i] = (uint8_t)(i * 13 + 1);
    memset(hdr, 0, 10);
    hdr[0] = 1, hdr[1] = v6 ? 4 : 1, hdr[2] = (uint8_t)(l4 + 32);
    hdr[4] = (uint8_t)gso, hdr[5] = (uint8_t)(gso >> 8), hdr[6] = (uint8_t)l4, hdr[8] = 16;
    if (udp) { /* the same addresses, an 8-byte UDP header, type UDP_L4 */
        super[v6 ? 6 : 9] = 17;
        memset(super + l4 + 4, 0, 28);
        wr16(super + l4 + 4, (unsigned)(total - l4));
        hdr[1] = 5, hdr[2] = (uint8_t)(l4 + 8), hdr[8] = 6;
    }
    return total;
}

static int cut_proto(int v6, int udp, size_t payload, size_t gso, int df)
{
    uint8_t hdr[10];
    struct veiltun__gso g;
    size_t total = make_super(v6, udp, payload, gso, df, hdr);
    int n, count = 0;

    ASSERT_OK(veiltun__gso_start(&g, hdr, super, total));
    while ((n = veiltun__gso_next(&g, segs[count], sizeof(segs[count]))) > 0)
        seglen[count++] = (size_t)n;
    return count;
}

static int cut(int v6, size_t payload, size_t gso, int df)
{
    return cut_proto(v6, 0, payload, gso, df);
}

/* Merges segs[from..to) as far as they go; returns how many joined the run. */
static int merge(int from, int to, struct veiltun__gro *g)
{
    int joined = 1;

    ASSERT_TRUE(veiltun__gro_candidate(segs[from], seglen[from]));
    veiltun__gro_begin(g, out, segs[from], seglen[from]);
    for (int i = from + 1; i < to && veiltun__gro_append(g, segs[i], seglen[i]); i++)
        joined++;
    return joined;
}

static void test_round_trip(int v6, int udp, int df, size_t payload, size_t gso)
{
    struct veiltun__gro g;
    size_t l4 = v6 ? 40 : 20, hl = hlen_of(v6, udp), total = hl + payload, len;
    int n = cut_proto(v6, udp, payload, gso, df);
    const uint8_t *p = out + 10;

    ASSERT_EQ(merge(0, n, &g), n);
    len = veiltun__gro_finish(&g);
    ASSERT_EQ(len, 10 + total);
    if (n == 1) {
        ASSERT_EQ(out[0] | out[1], 0); /* a run of one goes out as it came */
        ASSERT_EQ(memcmp(p, segs[0], seglen[0]), 0);
        return;
    }
    ASSERT_EQ(out[0], 1);
    ASSERT_EQ(out[1], udp ? 5 : v6 ? 4 : 1);
    ASSERT_EQ(out[2] | out[3] << 8, hl);
    ASSERT_EQ(out[4] | out[5] << 8, gso);
    ASSERT_EQ(out[6] | out[7] << 8, l4);
    ASSERT_EQ(out[8] | out[9] << 8, udp ? 6 : 16);
    /* Everything but the checksums equals the original super-packet. */
    ASSERT_EQ(memcmp(p + hl, super + hl, payload), 0);
    ASSERT_EQ(memcmp(p + l4, super + l4, udp ? 6 : 16), 0);
    if (!udp)
        ASSERT_EQ(memcmp(p + l4 + 18, super + l4 + 18, 14), 0);
    if (v6) {
        ASSERT_EQ(memcmp(p, super, 40), 0);
    } else {
        ASSERT_EQ(memcmp(p, super, 10), 0);
        ASSERT_EQ(memcmp(p + 12, super + 12, 8), 0);
        ASSERT_EQ(veiltun__csum_fold(veiltun__csum_add(0, p, 20)), 0);
    }
    /* Cutting the merged packet again gives the same segments (checksums included). */
    struct veiltun__gso again;
    uint8_t seg[2048];
    ASSERT_OK(veiltun__gso_start(&again, out, p, len - 10));
    for (int i = 0; i < n; i++) {
        ASSERT_EQ(veiltun__gso_next(&again, seg, sizeof(seg)), (int)seglen[i]);
        if (!v6 && !df)
            continue; /* IDs were made up by the cutter in both directions: equal anyway */
        ASSERT_EQ(memcmp(seg, segs[i], seglen[i]), 0);
    }
}

static void test_udp_refusals(void)
{
    struct veiltun__gro g;
    int n;

    n = cut_proto(0, 1, 5 * 1000, 1000, 1);
    ASSERT_EQ(n, 5);
    ASSERT_EQ(veiltun__gro_candidate(segs[0], seglen[0]), 17);
    /* Another destination port. */
    ASSERT_EQ(merge(0, 1, &g), 1);
    segs[1][22] ^= 1;
    refix_proto(segs[1], seglen[1], 17);
    ASSERT_EQ(veiltun__gro_candidate(segs[1], seglen[1]), 17);
    ASSERT_EQ(veiltun__gro_append(&g, segs[1], seglen[1]), 0);
    /* Another TTL (the IP headers must agree). */
    ASSERT_EQ(merge(2, 3, &g), 1);
    segs[3][8] = 63;
    wr16(segs[3] + 10, 0);
    wr16(segs[3] + 10, veiltun__csum_fold(veiltun__csum_add(0, segs[3], 20)));
    ASSERT_EQ(veiltun__gro_append(&g, segs[3], seglen[3]), 0);
    /* A corrupt byte, and an IPv4 datagram sent without a checksum: alone. */
    segs[4][40] ^= 2;
    ASSERT_EQ(veiltun__gro_candidate(segs[4], seglen[4]), 0);
    wr16(segs[4] + 26, 0);
    ASSERT_EQ(veiltun__gro_candidate(segs[4], seglen[4]), 0);
    /* A longer datagram after a shorter one, and a UDP datagram after TCP segments. */
    n = cut_proto(1, 1, 2500, 1000, 1); /* 1000, 1000, 500 */
    ASSERT_EQ(merge(0, n, &g), 3);
    ASSERT_EQ(veiltun__gro_append(&g, segs[0], seglen[0]), 0);
    memcpy(segs[70], segs[0], seglen[0]);
    n = cut(1, 3500, 1000, 1);
    ASSERT_EQ(merge(0, 2, &g), 2); /* an open run */
    ASSERT_EQ(veiltun__gro_append(&g, segs[70], seglen[0]), 0);
    /* At most 64 datagrams. */
    n = cut_proto(0, 1, 70 * 100, 100, 1);
    ASSERT_EQ(merge(0, n, &g), VEILTUN__GRO_MAX_SEGMENTS);
}

static void test_refusals(void)
{
    struct veiltun__gro g;
    int n;

    n = cut(0, 10 * 1000, 1000, 1);
    ASSERT_EQ(n, 10);
    /* A gap in the sequence. */
    ASSERT_EQ(merge(0, 1, &g), 1);
    ASSERT_EQ(veiltun__gro_append(&g, segs[2], seglen[2]), 0);
    /* A corrupt payload byte: not even a candidate. */
    segs[3][100] ^= 0x40;
    ASSERT_EQ(veiltun__gro_candidate(segs[3], seglen[3]), 0);
    ASSERT_EQ(merge(1, 10, &g), 2); /* 1 and 2 merge, 3 stops the run */
    segs[3][100] ^= 0x40;
    /* A different port (checksum fixed, so only the flow differs). */
    ASSERT_EQ(merge(4, 5, &g), 1);
    segs[5][20 + 1] ^= 1;
    refix(segs[5], seglen[5]);
    ASSERT_EQ(veiltun__gro_candidate(segs[5], seglen[5]), 6);
    ASSERT_EQ(veiltun__gro_append(&g, segs[5], seglen[5]), 0);
    /* FIN: alone. */
    n = cut(0, 3000, 1000, 1);
    segs[1][20 + 13] |= 0x01;
    refix(segs[1], seglen[1]);
    ASSERT_EQ(veiltun__gro_candidate(segs[1], seglen[1]), 0);
    /* A changed option (timestamp) must not merge. */
    n = cut(0, 3000, 1000, 1);
    segs[1][20 + 24] ^= 0x10;
    refix(segs[1], seglen[1]); /* its checksum is right: only the option differs */
    ASSERT_EQ(veiltun__gro_candidate(segs[1], seglen[1]), 6);
    ASSERT_EQ(merge(0, 2, &g), 1);
    /* A segment after a shorter one ends the run. */
    n = cut(0, 2500, 1000, 1); /* 1000, 1000, 500 */
    ASSERT_EQ(merge(0, n, &g), 3);
    ASSERT_EQ(veiltun__gro_append(&g, segs[0], seglen[0]), 0);
    /* Without DF, IPv4 IDs must count up. */
    n = cut(0, 3000, 1000, 0);
    ASSERT_EQ(merge(0, n, &g), 3);
    wr16(segs[1] + 4, 0x9999);
    wr16(segs[1] + 10, 0);
    wr16(segs[1] + 10, veiltun__csum_fold(veiltun__csum_add(0, segs[1], 20)));
    ASSERT_EQ(merge(0, n, &g), 1);
    /* At most 64 segments, at most 64 KiB. */
    n = cut(1, 70 * 100, 100, 1);
    ASSERT_EQ(merge(0, n, &g), VEILTUN__GRO_MAX_SEGMENTS);
    /* Not TCP or UDP, or no payload: never candidates. */
    segs[0][6] = 1;
    ASSERT_EQ(veiltun__gro_candidate(segs[0], seglen[0]), 0);
    ASSERT_EQ(veiltun__gro_candidate(segs[1], 40 + 32), 0);
}

/* A packet whose checksum is wrong (in its transport header's checksum field, or in its
 * last, odd payload byte) is refused by the append, which verifies while copying: the run
 * goes out exactly as without it, and the packet itself is untouched (it goes out alone). */
static void check_refused_checksum(int v6, int udp, size_t corrupt_at_end)
{
    static uint8_t want[10 + 70000], saved[2048];
    struct veiltun__gro g;
    size_t want_len, len, at;
    int n = cut_proto(v6, udp, 3 * 1000 + 7, 1000, 1); /* 1000, 1000, 1000, 7 */
    int bad = corrupt_at_end ? 3 : 2;

    ASSERT_EQ(n, 4);
    ASSERT_EQ(merge(0, bad, &g), bad);
    want_len = veiltun__gro_finish(&g);
    memcpy(want, out, want_len);
    at = corrupt_at_end ? seglen[bad] - 1 : (size_t)(v6 ? 40 : 20) + (udp ? 6 : 16);
    segs[bad][at] ^= 0x21;
    memcpy(saved, segs[bad], seglen[bad]);
    ASSERT_EQ(veiltun__gro_candidate(segs[bad], seglen[bad]), 0);
    ASSERT_EQ(merge(0, n, &g), bad);
    ASSERT_EQ(veiltun__gro_append(&g, segs[bad], seglen[bad]), 0); /* and again: still no */
    len = veiltun__gro_finish(&g);
    ASSERT_EQ(len, want_len);
    ASSERT_EQ(memcmp(out, want, len), 0);
    ASSERT_EQ(memcmp(segs[bad], saved, seglen[bad]), 0);
    /* Put right, it joins: the refusal was the checksum's alone. */
    segs[bad][at] ^= 0x21;
    ASSERT_EQ(merge(0, n, &g), n);
}

int main(void)
{
    for (int v6 = 0; v6 <= 1; v6++)
        for (int udp = 0; udp <= 1; udp++)
            for (int end = 0; end <= 1; end++)
                check_refused_checksum(v6, udp, (size_t)end);
    for (int v6 = 0; v6 <= 1; v6++) {
        for (int df = 0; df <= 1; df++) {
            for (int udp = 0; udp <= 1; udp++) {
                test_round_trip(v6, udp, df, 10 * 1448, 1448);
                test_round_trip(v6, udp, df, 10 * 1448 + 17, 1448);
                test_round_trip(v6, udp, df, 300, 1448);
                test_round_trip(v6, udp, df, 40 * 1000, 1000);
            }
        }
    }
    test_refusals();
    test_udp_refusals();
    return 0;
}
