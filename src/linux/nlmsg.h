/* SPDX-License-Identifier: MIT */
/* rtnetlink messages built in and parsed from a caller's buffer, apart from any socket, so
 * that encoding and decoding are testable without privileges. */
#ifndef VEILTUN_LINUX_NLMSG_H
#define VEILTUN_LINUX_NLMSG_H

#include "veiltun.h"

#include <libmnl/libmnl.h>
#include <stdint.h>

/* Big enough for any request we build (libmnl's MNL_SOCKET_BUFFER_SIZE, at most 8 KiB).
 * Replies are read into four times this: the kernel makes a dump's datagrams as large as
 * the reader's buffer, up to 32 KiB (netlink_recvmsg's max_recvmsg_len), and one larger than
 * the buffer would be cut. */
#define VEILTUN__NL_BUFSIZE 8192

struct veiltun__nl_link {
    veiltun_info info;
    int is_tun; /* link kind "tun" in TUN (not TAP) mode */
    int pi;     /* a "tun" link's packet-information header: 1, 0, or -1 unknown (< 4.15) */
    int vnet;   /* likewise its virtio-net header */
};

/* Builders: each returns the message at the start of @p buf (VEILTUN__NL_BUFSIZE bytes). */
struct nlmsghdr *veiltun__nl_getlink(void *buf, uint32_t seq, int ifindex, const char *name);
struct nlmsghdr *veiltun__nl_getlinks(void *buf, uint32_t seq);
/* @p mtu 0 leaves the MTU alone; @p up < 0 leaves the up flag alone. */
struct nlmsghdr *veiltun__nl_setlink(void *buf, uint32_t seq, int ifindex, unsigned mtu, int up);
struct nlmsghdr *veiltun__nl_addr(void *buf, uint32_t seq, int ifindex, const veiltun_prefix *p,
                                  int add);
struct nlmsghdr *veiltun__nl_getaddrs(void *buf, uint32_t seq);
struct nlmsghdr *veiltun__nl_route(void *buf, uint32_t seq, int ifindex, const veiltun_prefix *dst,
                                   const veiltun_prefix *gw, uint32_t metric, int add);

/* 1 if every message header in the datagram fits it (length at least a header, at most
 * what is left). libmnl's walk trusts a length of 2 GiB or more (it compares as a negative
 * int) and then jumps out of the buffer: datagrams are checked here before it sees them. */
int veiltun__nl_datagram_ok(const void *buf, size_t len);

/* Parsers: 0 on success, VEILTUN_EPROTO when the message is malformed. */
int veiltun__nl_parse_link(const struct nlmsghdr *nlh, struct veiltun__nl_link *out);
/* Fills @p out and @p ifindex from an RTM_NEWADDR; VEILTUN_EAGAIN for a family we skip. */
int veiltun__nl_parse_addr(const struct nlmsghdr *nlh, int *ifindex, veiltun_prefix *out);
/* From an NLMSG_ERROR: *err = the positive errno (0 for an ack), *msg = the kernel's extended
 * ack text or NULL (pointing into the message). */
int veiltun__nl_parse_error(const struct nlmsghdr *nlh, int *err, const char **msg);

#endif
