/* SPDX-License-Identifier: MIT */
/* Test helper: send datagrams from a chosen source (IPv4 or IPv6) to a destination.
 * Usage: udpsend SRC_ADDR SRC_PORT DST_ADDR DST_PORT KIND COUNT
 * KIND: random    200 random bytes whose first nibble is 0 (not an IP packet)
 *       empty     a datagram of zero bytes
 *       tiny      one byte, 0x45: the start of an IPv4 header and nothing more
 *       short     an IPv4 header whose total length claims more than the datagram holds
 *       trailing  a valid IPv4 echo request followed by 4 extra bytes
 *       badsum    an IPv4 echo request whose header checksum is wrong
 *       v6short   an IPv6 header whose payload length claims more than the datagram holds
 *       big       a well-formed IPv4 packet larger than the tunnel's MTU (1480 > 1472 bytes)
 *       ping      a well-formed IPv4 ICMP echo request (valid, to test the wrong-peer rule)
 * The inner packets go from 10.207.0.9 to 10.207.0.1 (fd00:207::9 to fd00:207::1). */
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint16_t csum(const uint8_t *p, size_t len)
{
    uint32_t s = 0;

    for (size_t i = 0; i + 1 < len; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* An IPv4 header claiming @p claimed bytes, checksum filled in. */
static void ipv4(uint8_t *p, size_t claimed)
{
    memset(p, 0, 20);
    p[0] = 0x45;
    put16(p + 2, claimed);
    p[8] = 64;
    p[9] = 1;
    p[12] = 10, p[13] = 207, p[14] = 0, p[15] = 9;
    p[16] = 10, p[17] = 207, p[18] = 0, p[19] = 1;
    put16(p + 10, csum(p, 20));
}

/* A valid 28-byte IPv4 ICMP echo request. */
static size_t echo(uint8_t *p)
{
    ipv4(p, 28);
    memset(p + 20, 0, 8);
    p[20] = 8;
    put16(p + 22, csum(p + 20, 8));
    return 28;
}

static size_t build(const char *kind, uint8_t *p)
{
    if (strcmp(kind, "random") == 0) {
        for (size_t i = 0; i < 200; i++)
            p[i] = (uint8_t)rand();
        p[0] &= 0x0f; /* version 0: certainly not IP */
        return 200;
    }
    if (strcmp(kind, "empty") == 0)
        return 0;
    if (strcmp(kind, "tiny") == 0)
        return p[0] = 0x45, 1;
    if (strcmp(kind, "short") == 0)
        return ipv4(p, 1000), 60;
    if (strcmp(kind, "trailing") == 0)
        return memset(p + echo(p), 0xee, 4), 32;
    if (strcmp(kind, "badsum") == 0)
        return echo(p), p[11] ^= 0x5a, 28;
    if (strcmp(kind, "v6short") == 0) {
        memset(p, 0, 60);
        p[0] = 0x60;
        put16(p + 4, 100); /* 100 bytes of payload claimed, 20 present */
        p[6] = 58;         /* ICMPv6 */
        p[7] = 64;
        p[8] = 0xfd, p[10] = 0x02, p[11] = 0x07, p[23] = 9;
        p[24] = 0xfd, p[26] = 0x02, p[27] = 0x07, p[39] = 1;
        return 60;
    }
    if (strcmp(kind, "big") == 0)
        return ipv4(p, 1480), 1480;
    if (strcmp(kind, "ping") == 0)
        return echo(p);
    return (size_t)-1;
}

static int resolve(const char *host, const char *port, struct sockaddr_storage *out, socklen_t *len)
{
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST}, *ai;

    if (getaddrinfo(host, port, &hints, &ai) != 0)
        return -1;
    memcpy(out, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

int main(int argc, char **argv)
{
    struct sockaddr_storage src, dst;
    socklen_t src_len, dst_len;
    uint8_t pkt[2048];
    int fd, count;
    size_t len;

    if (argc != 7 || resolve(argv[1], argv[2], &src, &src_len) < 0 ||
        resolve(argv[3], argv[4], &dst, &dst_len) < 0 || src.ss_family != dst.ss_family)
        return fprintf(stderr, "usage: udpsend SRC SPORT DST DPORT KIND COUNT\n"), 2;
    len = build(argv[5], pkt);
    if (len == (size_t)-1)
        return fprintf(stderr, "udpsend: unknown kind '%s'\n", argv[5]), 2;
    count = atoi(argv[6]);
    fd = socket(src.ss_family, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&src, src_len) < 0)
        return perror("udpsend"), 1;
    for (int i = 0; i < count; i++) {
        if (sendto(fd, pkt, len, 0, (struct sockaddr *)&dst, dst_len) < 0)
            return perror("sendto"), 1;
        /* Paced: a burst must not overflow the receiver's socket before it is counted. */
        if (i % 16 == 15)
            usleep(1000);
    }
    close(fd);
    return 0;
}
