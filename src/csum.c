/* SPDX-License-Identifier: MIT */
/* Internet checksums for the packet helpers and the offload code (see csum.h). */
#include "csum.h"

uint32_t veiltun__csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    size_t i;

    for (i = 0; i + 1 < len; i += 2)
        sum += veiltun__get16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum;
}

uint16_t veiltun__csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint32_t veiltun__csum_pseudo(const uint8_t *ip, size_t l4_len, uint8_t proto)
{
    /* IPv6's pseudo-header has a 32-bit length and three zero bytes before the protocol;
     * IPv4's a zero byte, the protocol and a 16-bit length. */
    uint8_t v6_tail[8] = {(uint8_t)(l4_len >> 24),
                          (uint8_t)(l4_len >> 16),
                          (uint8_t)(l4_len >> 8),
                          (uint8_t)l4_len,
                          0,
                          0,
                          0,
                          proto};
    uint8_t v4_tail[4] = {0, proto, (uint8_t)(l4_len >> 8), (uint8_t)l4_len};

    if (veiltun__is_v6(ip))
        return veiltun__csum_add(veiltun__csum_add(0, ip + 8, 32), v6_tail, 8);
    return veiltun__csum_add(veiltun__csum_add(0, ip + 12, 8), v4_tail, 4);
}
