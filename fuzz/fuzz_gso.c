/* SPDX-License-Identifier: MIT */
/* Packets read from the device with offload: a virtio-net header (the first 10 bytes) and
 * a packet that the kernel, or a buggy or hostile writer on the other side of the device,
 * made. Cutting never writes past the buffer, gives exactly the count it announced, and
 * every segment fits the caller's capacity; handed over whole, a super-packet describes
 * itself again into a header that cuts into the same segments. */
#include "fuzz.h"
#include "linux/offload.h"
#include "veiltun.h"

#include <string.h>

static uint8_t pkt[65536], out[65536], whole[65536], again[65536];

static void cut(const uint8_t *hdr, size_t len, size_t cap)
{
    struct veiltun__gso g;
    size_t made = 0, skipped = 0;
    int n;

    if (veiltun__gso_start(&g, hdr, pkt, len) < 0)
        return;
    while ((n = veiltun__gso_next(&g, out, cap)) != 0) {
        FUZZ_CHECK(n > 0 || n == VEILTUN_EMSGSIZE);
        FUZZ_CHECK(n < 0 || (size_t)n <= cap);
        if (n > 0)
            made++;
        else
            skipped++;
        FUZZ_CHECK(made + skipped <= veiltun__gso_count(&g));
    }
    FUZZ_CHECK(made + skipped == veiltun__gso_count(&g));
}

/* Whole, then described again: the two headers must cut into identical segments. */
static void whole_round_trip(const uint8_t *hdr, size_t len)
{
    struct veiltun__gso g, g2;
    uint8_t hdr2[VEILTUN__VNET_HDR_LEN];
    int n, m;

    if (veiltun__gso_start(&g, hdr, pkt, len) < 0)
        return;
    n = veiltun__gso_whole(&g, whole, sizeof(whole));
    if (n <= 0)
        return;
    FUZZ_CHECK((size_t)n == len);
    if (veiltun__gso_describe(hdr2, whole, len, g.type == VEILTUN__GSO_UDP_L4, g.size) < 0)
        return; /* stricter than the kernel (no IPv6 extension headers): fine */
    FUZZ_CHECK(veiltun__gso_start(&g, hdr, pkt, len) == 0);
    FUZZ_CHECK(veiltun__gso_start(&g2, hdr2, whole, len) == 0);
    FUZZ_CHECK(veiltun__gso_count(&g) == veiltun__gso_count(&g2));
    while ((n = veiltun__gso_next(&g, out, sizeof(out))) > 0) {
        m = veiltun__gso_next(&g2, again, sizeof(again));
        FUZZ_CHECK(m == n);
        /* Only checksums may differ: the kernel's were partial, ours are computed. */
        FUZZ_CHECK(memcmp(out + g.hlen, again + g.hlen, (size_t)n - g.hlen) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len;

    if (size < VEILTUN__VNET_HDR_LEN)
        return 0;
    len = size - VEILTUN__VNET_HDR_LEN;
    if (len > sizeof(pkt))
        len = sizeof(pkt);
    memcpy(pkt, data + VEILTUN__VNET_HDR_LEN, len);
    cut(data, len, sizeof(out));
    cut(data, len, 1500); /* a caller with MTU-sized buffers */
    whole_round_trip(data, len);
    return 0;
}
