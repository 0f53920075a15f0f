/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4), for the demo's end-to-end check of a transfer. */
#ifndef VEILTUN_SHA256_H
#define VEILTUN_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t h[8];
    uint64_t length; /* bytes hashed so far */
    uint8_t block[64];
    size_t used;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Writes 64 hex digits and a NUL into @p hex. */
void sha256_final_hex(struct sha256 *s, char hex[65]);

#endif
