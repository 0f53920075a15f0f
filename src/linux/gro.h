/* SPDX-License-Identifier: MIT */
/*
 * Offload, write side: consecutive TCP segments (or UDP datagrams) of one flow become one
 * super-packet that the kernel takes in a single write and processes once (as a NIC's
 * receive offload would hand it), described by a virtio-net header. The rules follow the
 * kernel's own GRO: same addresses, ports and IP headers; for TCP also the same TCP header
 * (options included), contiguous sequence numbers, only ACK (PSH ends a run); equal
 * payload sizes with only the last shorter (it ends the run); at most 64 packets, 64 KiB.
 * IPv4 options, IPv6 extension headers and fragments are never merged, nor UDP sent
 * without a checksum. Each packet's checksum is verified first: a merged packet's checksum
 * is recomputed, so merging would otherwise launder a corrupt one.
 * Pure functions on buffers.
 */
#ifndef VEILTUN_LINUX_GRO_H
#define VEILTUN_LINUX_GRO_H

#include "offload.h"

#include <stddef.h>
#include <stdint.h>

#define VEILTUN__GRO_MAX_SEGMENTS 64

struct veiltun__gro {
    uint8_t *out; /* VEILTUN__VNET_HDR_LEN + 65535 bytes: header, then the packet */
    size_t len;   /* packet bytes in out (after the header) */
    size_t l4, hlen, seg;
    unsigned count;
    uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
    uint32_t next_seq;
    int closed;
};

/* IPPROTO_TCP or IPPROTO_UDP if @p pkt may start or join a run of that protocol (its
 * checksums verified), 0 if it must be written alone. */
int veiltun__gro_candidate(const uint8_t *pkt, size_t len);
/* Starts a run with @p pkt (a candidate) in @p out. */
void veiltun__gro_begin(struct veiltun__gro *g, uint8_t *out, const uint8_t *pkt, size_t len);
/* Appends @p pkt if it continues the run (1), or leaves the run as it is (0). */
int veiltun__gro_append(struct veiltun__gro *g, const uint8_t *pkt, size_t len);
/* Writes the header and fixes the merged packet; returns the bytes to write (header
 * included). A run of one is written as the plain packet it was. */
size_t veiltun__gro_finish(struct veiltun__gro *g);

#endif
