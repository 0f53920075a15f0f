/* SPDX-License-Identifier: MIT */
/* Answering pings from the device: the kernel sends echo requests into the TUN device, the
 * test writes replies back, and ping (a real program) judges them. */
#ifndef VEILTUN_TEST_ICMP_H
#define VEILTUN_TEST_ICMP_H

#include "veiltun.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" { /* also used by the C++ tests (tests/cpp) */
#endif

/* Turns an ICMP/ICMPv6 echo request into its reply, in place; -1 if it is another packet
 * (IPv6 router solicitations and MLD reports also show up on the device). */
int echo_reply(uint8_t *pkt, size_t len);

/* Runs `ping_cmd` in the background and answers its requests until it exits (bounded);
 * with @p batch, through the batch calls. Returns ping's exit status. */
int answer_pings(veiltun *dev, const char *ping_cmd, int batch, int *answered);

#ifdef __cplusplus
}
#endif

#endif
