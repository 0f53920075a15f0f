/*
 * Offload, write side: consecutive TCP segments of one flow become one super-packet that
 * the kernel takes in a single write and processes once (as a NIC's receive offload would
 * hand it), described by a virtio-net header. The rules follow the kernel's own TCP GRO:
 * same addresses, ports and headers (options included), contiguous sequence numbers, only
 * ACK (PSH ends a run), equal segment sizes with only the last shorter, at most 64 KiB.
 * Each segment's checksum is verified first: a merged packet's checksum is recomputed, so
 * merging would otherwise launder a corrupt segment.
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
    uint32_t next_seq;
    int closed;
};

/* 1 if @p pkt is a TCP segment that may start or join a run (its checksums verified). */
int veiltun__gro_candidate(const uint8_t *pkt, size_t len);
/* Starts a run with @p pkt (a candidate) in @p out. */
void veiltun__gro_begin(struct veiltun__gro *g, uint8_t *out, const uint8_t *pkt, size_t len);
/* Appends @p pkt if it continues the run (1), or leaves the run as it is (0). */
int veiltun__gro_append(struct veiltun__gro *g, const uint8_t *pkt, size_t len);
/* Writes the header and fixes the merged packet; returns the bytes to write (header
 * included). A run of one is written as the plain packet it was. */
size_t veiltun__gro_finish(struct veiltun__gro *g);

#endif
