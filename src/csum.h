/* SPDX-License-Identifier: MIT */
/* Byte order and Internet checksums (RFC 1071), portable: the packet helpers (ip.c, icmp.c)
 * and the Linux offload code (offload.c cutting super-packets, gro.c merging packets) read
 * and write the same fields and sums. Pure functions on buffers. */
#ifndef VEILTUN_CSUM_H
#define VEILTUN_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Network byte order (big-endian) fields. */
static inline unsigned veiltun__get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static inline uint32_t veiltun__get32(const uint8_t *p)
{
    return (uint32_t)veiltun__get16(p) << 16 | veiltun__get16(p + 2);
}

static inline void veiltun__put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void veiltun__put32(uint8_t *p, uint32_t v)
{
    veiltun__put16(p, (unsigned)(v >> 16));
    veiltun__put16(p + 2, (unsigned)(v & 0xffff));
}

/* 1 for an IPv6 packet (by its version nibble). */
static inline int veiltun__is_v6(const uint8_t *ip)
{
    return ip[0] >> 4 == 6;
}

/* The Internet checksum of @p len bytes added to @p sum, not yet complemented. */
uint32_t veiltun__csum_add(uint32_t sum, const uint8_t *p, size_t len);
/* Folds @p sum to 16 bits and complements it: the value for a checksum field. */
uint16_t veiltun__csum_fold(uint32_t sum);
/* The sum of the pseudo-header (addresses, protocol, length) that a TCP or UDP checksum
 * covers, for @p l4_len transport bytes of protocol @p proto in IP packet @p ip. */
uint32_t veiltun__csum_pseudo(const uint8_t *ip, size_t l4_len, uint8_t proto);

#endif
