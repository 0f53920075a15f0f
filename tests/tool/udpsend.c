/* Test helper: send datagrams from a chosen source to a destination.
 * Usage: udpsend SRC_ADDR SRC_PORT DST_ADDR DST_PORT KIND COUNT
 * KIND: random   random bytes (not an IP packet)
 *       short    an IPv4 header whose total length claims more than the datagram holds
 *       big      a well-formed IPv4 packet larger than the tunnel's MTU (1480 > 1472 bytes)
 *       ping     a well-formed IPv4 ICMP echo request (valid, to test the wrong-peer rule) */
#include <arpa/inet.h>
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

/* An IPv4 header for @p total bytes from 10.200.0.9 to 10.200.0.1, checksum filled in. */
static void ipv4(uint8_t *p, size_t total, size_t claimed)
{
    uint16_t c;

    memset(p, 0, 20);
    p[0] = 0x45;
    p[2] = (uint8_t)(claimed >> 8);
    p[3] = (uint8_t)claimed;
    p[8] = 64;
    p[9] = 1;
    p[12] = 10, p[13] = 200, p[14] = 0, p[15] = 9;
    p[16] = 10, p[17] = 200, p[18] = 0, p[19] = 1;
    c = csum(p, 20);
    p[10] = (uint8_t)(c >> 8);
    p[11] = (uint8_t)c;
    (void)total;
}

static size_t build(const char *kind, uint8_t *p)
{
    if (strcmp(kind, "random") == 0) {
        for (size_t i = 0; i < 200; i++)
            p[i] = (uint8_t)rand();
        p[0] = 0x00; /* version 0: certainly not IP */
        return 200;
    }
    if (strcmp(kind, "short") == 0) {
        ipv4(p, 60, 1000);
        return 60;
    }
    if (strcmp(kind, "big") == 0) {
        ipv4(p, 1480, 1480);
        return 1480;
    }
    ipv4(p, 28, 28); /* ping: echo request */
    p[20] = 8;
    uint16_t c = csum(p + 20, 8);
    p[22] = (uint8_t)(c >> 8);
    p[23] = (uint8_t)c;
    return 28;
}

int main(int argc, char **argv)
{
    struct sockaddr_in src = {.sin_family = AF_INET}, dst = {.sin_family = AF_INET};
    uint8_t pkt[2048];
    int fd, count;
    size_t len;

    if (argc != 7)
        return fprintf(stderr, "usage: udpsend SRC SPORT DST DPORT KIND COUNT\n"), 2;
    inet_pton(AF_INET, argv[1], &src.sin_addr);
    src.sin_port = htons((uint16_t)atoi(argv[2]));
    inet_pton(AF_INET, argv[3], &dst.sin_addr);
    dst.sin_port = htons((uint16_t)atoi(argv[4]));
    count = atoi(argv[6]);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)
        return perror("udpsend"), 1;
    len = build(argv[5], pkt);
    for (int i = 0; i < count; i++) {
        if (sendto(fd, pkt, len, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0)
            return perror("sendto"), 1;
    }
    return 0;
}
