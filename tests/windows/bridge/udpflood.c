/* SPDX-License-Identifier: MIT */
/* bench/windows_channel.sh's Linux sender (a benchmark helper, never installed): UDP
 * datagrams of one size to one destination, in sendmmsg batches, for a number of seconds,
 * optionally paced to a rate. The destination is an address behind the bridged TUN device, so
 * every datagram the kernel accepts is routed into that device.
 * Usage: udpflood DST4 PORT PAYLOAD SECONDS [MBIT]   (MBIT: payload megabits/s; 0 or none:
 *        as fast as it goes). Prints "sent N datagrams, B bytes in T s". */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    static unsigned char payload[65507];
    struct sockaddr_in dst = {.sin_family = AF_INET};
    struct mmsghdr msgs[BATCH];
    struct iovec iov = {payload, 0};
    unsigned long long sent = 0;
    double seconds, mbit, t0, t;
    int fd;

    if (argc < 5 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
        fprintf(stderr, "usage: udpflood DST4 PORT PAYLOAD SECONDS [MBIT]\n");
        return 2;
    }
    dst.sin_port = htons((unsigned short)atoi(argv[2]));
    iov.iov_len = strtoul(argv[3], NULL, 10);
    seconds = atof(argv[4]);
    mbit = argc > 5 ? atof(argv[5]) : 0;
    if (iov.iov_len > sizeof(payload) || seconds <= 0 || (fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
        return 2;
    for (int i = 0; i < BATCH; i++)
        msgs[i] = (struct mmsghdr){
            .msg_hdr = {
                .msg_name = &dst, .msg_namelen = sizeof(dst), .msg_iov = &iov, .msg_iovlen = 1}};
    t0 = now();
    while ((t = now() - t0) < seconds) {
        int r;

        /* Paced: never ahead of the rate (checked per batch). */
        if (mbit > 0 && (double)sent * (double)iov.iov_len * 8 > mbit * 1e6 * t) {
            struct timespec pause = {0, 20000};
            nanosleep(&pause, NULL);
            continue;
        }
        r = sendmmsg(fd, msgs, BATCH, 0);
        if (r > 0)
            sent += (unsigned)r;
    }
    printf("sent %llu datagrams, %llu bytes in %.3f s\n", sent,
           sent * (unsigned long long)iov.iov_len, now() - t0);
    close(fd);
    return 0;
}
