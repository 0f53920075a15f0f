/* SPDX-License-Identifier: MIT */
/*
 * Offload, read side: a device opened with a virtio-net header hands over TCP and UDP
 * "super-packets" (GSO) of up to 64 KiB, described by that header, and packets whose
 * checksum is left for someone else to finish. This cuts a super-packet into the segments
 * the sender would have sent (headers copied and fixed: lengths, IPv4 ID and checksum, TCP
 * sequence numbers and flags, transport checksums) and completes partial checksums.
 * Everything here derives from the virtio-net header semantics in <linux/virtio_net.h>.
 * Pure functions on buffers: no system calls.
 */
#ifndef VEILTUN_LINUX_OFFLOAD_H
#define VEILTUN_LINUX_OFFLOAD_H

#include "../csum.h"

#include <stddef.h>
#include <stdint.h>

#define VEILTUN__VNET_HDR_LEN 10 /* struct virtio_net_hdr, the kernel's default size */
#define VEILTUN__GSO_UDP_L4   5  /* VIRTIO_NET_HDR_GSO_UDP_L4, missing from older headers */

/* One packet from the device being cut into segments. */
struct veiltun__gso {
    const uint8_t *pkt;
    size_t len;
    uint8_t flags, type; /* virtio-net header: flags and gso_type (ECN bit removed) */
    size_t csum_start, csum_offset;
    size_t l4;   /* transport header offset (GSO only) */
    size_t hlen; /* all headers, copied into every segment */
    size_t size; /* payload bytes per segment (gso_size) */
    size_t next; /* payload offset of the next segment */
    unsigned index;
    int done;
};

/* Reads the header and checks it against the packet. 0, or VEILTUN_EPROTO if the header
 * and the packet disagree (the packet cannot be cut safely and must be dropped). */
int veiltun__gso_start(struct veiltun__gso *g, const uint8_t hdr[VEILTUN__VNET_HDR_LEN],
                       const uint8_t *pkt, size_t len);

/* Writes the next segment (or the one plain packet) into @p out. Returns its length, 0 when
 * there is none left, or VEILTUN_EMSGSIZE if it does not fit in @p cap (it is skipped). */
int veiltun__gso_next(struct veiltun__gso *g, uint8_t *out, size_t cap);

/* Copies a super-packet whole into @p out, its transport checksum computed over all of it,
 * and returns its length; 0 if it is a plain packet or does not fit (then cut it). */
int veiltun__gso_whole(struct veiltun__gso *g, uint8_t *out, size_t cap);

/* Fills @p hdr for super-packet @p pkt (to be cut every @p segment payload bytes; @p udp or
 * TCP) and puts the pseudo-header sum into its checksum field, as the kernel wants for a
 * checksum it is to finish. 0, or VEILTUN_EBADPACKET if the packet's headers disagree. */
int veiltun__gso_describe(uint8_t hdr[VEILTUN__VNET_HDR_LEN], uint8_t *pkt, size_t len, int udp,
                          size_t segment);

/* Number of segments the packet will give. */
size_t veiltun__gso_count(const struct veiltun__gso *g);

#endif
