/* SPDX-License-Identifier: MIT */
#include "ipcheck.h"

static unsigned read16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* RFC 1071: the ones'-complement sum of a correct header, checksum included, is 0xffff. */
static int ipv4_header_sum_ok(const uint8_t *p, size_t ihl)
{
    uint32_t sum = 0;

    for (size_t i = 0; i < ihl; i += 2)
        sum += read16(p + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

int ip_packet_valid(const uint8_t *p, size_t len)
{
    size_t ihl;

    if (len == 0)
        return 0;
    switch (p[0] >> 4) {
    case 4:
        if (len < 20)
            return 0;
        ihl = (size_t)(p[0] & 0x0f) * 4;
        return ihl >= 20 && ihl <= len && read16(p + 2) == len && ipv4_header_sum_ok(p, ihl);
    case 6:
        /* Jumbograms (payload length 0, more than 64 KiB) never fit a tunnel datagram. */
        return len >= 40 && read16(p + 4) + 40u == len;
    default:
        return 0;
    }
}
