/* SPDX-License-Identifier: MIT */
/* The Internet checksum (src/csum.c: veiltun__csum_add, a loop written for the compiler's
 * vectoriser) against a plain word-by-word sum written here: every length 0..2100 at every
 * start offset 0..15, random bytes (seeded, so a failure repeats) and the starting sums the
 * callers pass (up to 0x1fffe), all-zero and all-ones buffers, and chains of pieces as the
 * offload code sums them. No privileges, no devices. */
#include "test.h"

#include "csum.h"

#include <stdint.h>
#include <string.h>

#define MAX_LEN  2100
#define MAX_OFF  16
#define BUF_SIZE (MAX_LEN + MAX_OFF + 64)

static uint32_t rng_state = 0x2545f491u;

/* xorshift32: reproducible across platforms. */
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(rnd() >> 24);
}

/* The reference: big-endian words one at a time into a 64-bit sum, an odd last byte as a
 * word's high byte, then folded to 16 bits with end-around carries. */
static uint32_t ref_add(uint32_t sum, const uint8_t *p, size_t len)
{
    uint64_t s = sum;
    size_t i;

    for (i = 0; i + 1 < len; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1)
        s += (uint32_t)p[len - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint32_t)s;
}

/* Starting sums as the callers pass them: 0, a folded sum (up to 0xffff), or two added
 * (up to 0x1fffe). */
static uint32_t pick_sum(void)
{
    static const uint32_t edges[] = {0, 1, 0xfffe, 0xffff, 0x10000, 0x1fffe};
    uint32_t r = rnd();

    switch (r % 4) {
    case 0:
        return edges[(r >> 8) % (sizeof(edges) / sizeof(edges[0]))];
    case 1:
        return rnd() & 0xffff;
    default:
        return rnd() % 0x1ffff;
    }
}

static void check_one(const uint8_t *buf, size_t off, size_t len)
{
    uint32_t sum = pick_sum();
    uint32_t got = veiltun__csum_add(sum, buf + off, len);

    if (got != ref_add(sum, buf + off, len))
        TEST_FAIL("csum_add(0x%08x, off %zu, len %zu) = 0x%x, want 0x%x", sum, off, len, got,
                  ref_add(sum, buf + off, len));
}

/* Every length at every offset, random bytes. */
static void test_grid(void)
{
    static uint8_t buf[BUF_SIZE];

    fill_random(buf, sizeof(buf));
    for (size_t len = 0; len <= MAX_LEN; len++)
        for (size_t off = 0; off < MAX_OFF; off++)
            check_one(buf, off, len);
}

/* All zeros (the sum stays 0 only from 0) and all ones (0xffff, never folded to 0). */
static void test_constant_fills(void)
{
    static uint8_t buf[BUF_SIZE];

    for (int fill = 0; fill < 2; fill++) {
        memset(buf, fill ? 0xff : 0, sizeof(buf));
        for (size_t len = 0; len <= MAX_LEN; len += len < 64 ? 1 : 37)
            for (size_t off = 0; off < MAX_OFF; off++)
                check_one(buf, off, len);
        ASSERT_EQ(veiltun__csum_add(0, buf, MAX_LEN), fill ? 0xffffu : 0u);
        ASSERT_EQ(veiltun__csum_add(0xffff, buf, MAX_LEN), 0xffffu);
    }
}

/* RFC 1071 section 3's example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, at any alignment. */
static void test_known_answer(void)
{
    static const uint8_t words[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    uint8_t buf[8 + MAX_OFF];

    for (size_t off = 0; off < MAX_OFF; off++) {
        memcpy(buf + off, words, 8);
        ASSERT_EQ(veiltun__csum_add(0, buf + off, 8), 0xddf2);
    }
    ASSERT_EQ(veiltun__csum_add(0, (const uint8_t *)"\xab", 1), 0xab00);
}

/* Pieces summed one on another, as the callers chain them (pseudo-header, headers, payload):
 * every piece but the last has an even length, and the chain equals one sum over all. */
static void test_chains(void)
{
    static uint8_t buf[BUF_SIZE];

    for (int round = 0; round < 3000; round++) {
        size_t total = rnd() % (MAX_LEN + 1), off = rnd() % MAX_OFF, at = 0;
        uint32_t start = pick_sum(), sum = start;

        fill_random(buf + off, total);
        for (int piece = 0; piece < 8 && at < total; piece++) {
            size_t n = (rnd() % (total - at + 1)) & ~(size_t)1;
            if (piece == 7 || rnd() % 4 == 0)
                n = total - at; /* the last piece: any length, odd too */
            sum = veiltun__csum_add(sum, buf + off + at, n);
            at += n;
        }
        sum = veiltun__csum_add(sum, buf + off + at, total - at); /* maybe 0 bytes */
        ASSERT_EQ(sum, ref_add(start, buf + off, total));
    }
}

int main(void)
{
    test_known_answer();
    test_grid();
    test_constant_fills();
    test_chains();
    return 0;
}
