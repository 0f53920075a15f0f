/* SPDX-License-Identifier: MIT */
/* What the tunnel lets into the device: only whole, well-formed IPv4 or IPv6 packets. */
#ifndef VEILTUN_IPCHECK_H
#define VEILTUN_IPCHECK_H

#include <stddef.h>
#include <stdint.h>

/* 1 if @p p is exactly one IPv4 packet (header checksum good, total length == @p len) or
 * one IPv6 packet (payload length + 40 == @p len); 0 otherwise. */
int ip_packet_valid(const uint8_t *p, size_t len);

#endif
