/* SPDX-License-Identifier: MIT */
/* Packets written into the device with offload, as a batch (each preceded by a 2-byte
 * length): the same loop as the batch write (candidate, begin, append while it continues,
 * finish). A merged packet must stay within 64 KiB and cut back, through the read side's
 * own code, into exactly the packets that went in (IPv4 ID and header checksum aside:
 * the cutter numbers IDs itself). */
#include "fuzz.h"
#include "linux/gro.h"

#include <string.h>

#define MAX_BATCH 80

static uint8_t out[VEILTUN__VNET_HDR_LEN + 65536], seg[65536];
static const uint8_t *pkts[MAX_BATCH];
static size_t lens[MAX_BATCH];

static void check_cuts_back(size_t merged_len, size_t first, unsigned count)
{
    struct veiltun__gso g;
    int n;

    FUZZ_CHECK(veiltun__gso_start(&g, out, out + VEILTUN__VNET_HDR_LEN,
                                  merged_len - VEILTUN__VNET_HDR_LEN) == 0);
    FUZZ_CHECK(veiltun__gso_count(&g) == count);
    for (unsigned i = 0; i < count; i++) {
        const uint8_t *p = pkts[first + i];
        n = veiltun__gso_next(&g, seg, sizeof(seg));
        FUZZ_CHECK(n > 0 && (size_t)n == lens[first + i]);
        if (p[0] >> 4 == 6) {
            FUZZ_CHECK(memcmp(seg, p, (size_t)n) == 0);
        } else {
            FUZZ_CHECK(memcmp(seg, p, 4) == 0 && memcmp(seg + 6, p + 6, 4) == 0);
            FUZZ_CHECK(memcmp(seg + 12, p + 12, (size_t)n - 12) == 0);
        }
    }
    FUZZ_CHECK(veiltun__gso_next(&g, seg, sizeof(seg)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t count = 0, at = 0;

    while (count < MAX_BATCH && at + 2 <= size) {
        size_t len = (size_t)data[at] << 8 | data[at + 1];
        at += 2;
        if (len > size - at)
            len = size - at;
        pkts[count] = data + at;
        lens[count++] = len;
        at += len;
    }
    for (size_t i = 0; i < count;) {
        struct veiltun__gro g;
        size_t j = i + 1, len;
        if (!veiltun__gro_candidate(pkts[i], lens[i])) {
            i++;
            continue;
        }
        veiltun__gro_begin(&g, out, pkts[i], lens[i]);
        while (j < count && veiltun__gro_append(&g, pkts[j], lens[j]))
            j++;
        len = veiltun__gro_finish(&g);
        FUZZ_CHECK(len <= VEILTUN__VNET_HDR_LEN + 65535 && g.count == j - i);
        if (g.count > 1)
            check_cuts_back(len, i, g.count);
        i = j;
    }
    return 0;
}
