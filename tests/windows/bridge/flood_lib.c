/* SPDX-License-Identifier: MIT */
/* bench/windows_channel.sh's Windows program: how many packets the library's Windows data
 * path (reader thread, queue, batch calls, the double's rings) and the bridged double's
 * channel carry per second under Wine, with no sockets in the way. Built on libveiltun.dll.
 *   sink:   counts what the Linux side floods into the device (veiltun_wait + read_batch),
 *           from the first packet to the last;
 *   source: writes UDP packets into the device as fast as write_batch takes them.
 * Usage: flood_lib NAME ADDR4/PREFIX sink SECONDS
 *        flood_lib NAME ADDR4/PREFIX source SECONDS SRC4 DST4 PORT LEN
 * Prints "ready" once the device has its address, then one result line and the library's
 * counters. Exits 0, or 1 if a call fails (or, in sink mode, nothing arrives). */
#include "veiltun.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 64
#define SLOT  2048

static unsigned char bufs[BATCH][SLOT];
static veiltun_packet slots[BATCH];

static double seconds_since(LARGE_INTEGER t0)
{
    LARGE_INTEGER now, freq;

    QueryPerformanceCounter(&now);
    QueryPerformanceFrequency(&freq);
    return (double)(now.QuadPart - t0.QuadPart) / (double)freq.QuadPart;
}

static void print_stats(veiltun *dev)
{
    veiltun_stats s;

    if (veiltun_get_stats(dev, &s, sizeof(s)) < 0)
        return;
    printf("stats rx_packets %llu rx_dropped %llu tx_packets %llu tx_dropped %llu "
           "ring_full %llu queue_full %llu reader_spins %llu reader_sleeps %llu\n",
           (unsigned long long)s.rx_packets, (unsigned long long)s.rx_dropped,
           (unsigned long long)s.tx_packets, (unsigned long long)s.tx_dropped,
           (unsigned long long)s.ring_full, (unsigned long long)s.queue_full,
           (unsigned long long)s.reader_spins, (unsigned long long)s.reader_sleeps);
}

/* Reads everything from the first packet to the last: it stops once nothing came for a second
 * (the sender has stopped), or after @p seconds + 30 in all. The rate is over first to last. */
static int sink(veiltun *dev, double seconds)
{
    unsigned long long packets = 0, bytes = 0;
    veiltun_event ev;
    LARGE_INTEGER t0, last;
    int started = 0, r;
    ULONGLONG give_up = GetTickCount64() + (ULONGLONG)(seconds * 1000) + 30000;

    for (;;) {
        if (GetTickCount64() > give_up) {
            if (!started)
                return fprintf(stderr, "flood_lib: nothing arrived\n"), 1;
            break;
        }
        if (started && seconds_since(last) >= 1.0)
            break;
        r = veiltun_wait(dev, 100);
        if (r < 0 && r != VEILTUN_ETIMEDOUT)
            return fprintf(stderr, "flood_lib: wait: %s\n", veiltun_strerror(r)), 1;
        while (veiltun_next_event(dev, &ev) == 0)
            ;
        for (int i = 0; i < BATCH; i++)
            slots[i] = (veiltun_packet){bufs[i], SLOT, 0, 0};
        while ((r = veiltun_read_batch(dev, slots, BATCH)) > 0) {
            QueryPerformanceCounter(&last);
            if (!started) {
                t0 = last;
                started = 1;
            }
            packets += (unsigned long long)r;
            for (int i = 0; i < r; i++)
                bytes += slots[i].len;
        }
        if (r < 0 && r != VEILTUN_EAGAIN)
            return fprintf(stderr, "flood_lib: read: %s\n", veiltun_strerror(r)), 1;
    }
    printf("sink: packets %llu bytes %llu seconds %.3f\n", packets, bytes,
           seconds_since(t0) - seconds_since(last));
    return 0;
}

/* One IPv4/UDP packet of @p len bytes from @p src to @p dst:port, checksums filled. */
static int build_packet(unsigned char *p, size_t len, const char *src, const char *dst,
                        unsigned port)
{
    if (len < 28 || len > SLOT || inet_pton(AF_INET, src, p + 12) != 1 ||
        inet_pton(AF_INET, dst, p + 16) != 1)
        return -1;
    p[0] = 0x45;
    p[2] = (unsigned char)(len >> 8);
    p[3] = (unsigned char)len;
    p[8] = 64;
    p[9] = 17;
    p[20] = 0x9c; /* source port 40000 */
    p[21] = 0x40;
    p[22] = (unsigned char)(port >> 8);
    p[23] = (unsigned char)port;
    p[24] = (unsigned char)((len - 20) >> 8);
    p[25] = (unsigned char)(len - 20);
    for (size_t i = 28; i < len; i++)
        p[i] = (unsigned char)i;
    return veiltun_ipv4_header_checksum(p, len) == 0 && veiltun_l4_checksum(p, len) == 0 ? 0 : -1;
}

/* Writes the packet in batches for @p seconds; a full send ring is retried after a yield. */
static int source(veiltun *dev, double seconds, size_t len)
{
    unsigned long long written = 0, full = 0;
    LARGE_INTEGER t0;

    for (int i = 0; i < BATCH; i++) {
        memcpy(bufs[i], bufs[0], len);
        slots[i] = (veiltun_packet){bufs[i], SLOT, len, 0};
    }
    QueryPerformanceCounter(&t0);
    while (seconds_since(t0) < seconds) {
        int r = veiltun_write_batch(dev, slots, BATCH);
        if (r == VEILTUN_ENOBUFS || r == VEILTUN_EAGAIN) {
            full++;
            SwitchToThread();
            continue;
        }
        if (r < 0)
            return fprintf(stderr, "flood_lib: write: %s\n", veiltun_strerror(r)), 1;
        written += (unsigned long long)r;
    }
    printf("source: packets %llu bytes %llu seconds %.3f full %llu\n", written,
           written * (unsigned long long)len, seconds_since(t0), full);
    Sleep(500); /* what is still in the send ring when the session ends may be lost */
    return 0;
}

int main(int argc, char **argv)
{
    veiltun_config cfg;
    veiltun *dev = NULL;
    WSADATA wsa;
    int src_mode = argc == 9 && strcmp(argv[3], "source") == 0, err, code = 1;
    size_t len = src_mode ? strtoul(argv[8], NULL, 10) : 0;

    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0 ||
        !(src_mode || (argc == 5 && strcmp(argv[3], "sink") == 0)) ||
        (src_mode &&
         build_packet(bufs[0], len, argv[5], argv[6], (unsigned)strtoul(argv[7], NULL, 10)) < 0)) {
        fprintf(stderr, "usage: flood_lib NAME ADDR4/PREFIX sink SECONDS\n"
                        "       flood_lib NAME ADDR4/PREFIX source SECONDS SRC4 DST4 PORT LEN\n");
        return 2;
    }
    veiltun_config_init(&cfg);
    cfg.name = argv[1];
    cfg.mode = VEILTUN_OPEN_CREATE;
    if ((err = veiltun_open(&cfg, &dev)) == 0 && (err = veiltun_add_address(dev, argv[2])) == 0 &&
        (err = veiltun_set_up(dev, 1)) == 0) {
        printf("ready\n");
        fflush(stdout);
        code = src_mode ? source(dev, atof(argv[4]), len) : sink(dev, atof(argv[4]));
    }
    if (err)
        fprintf(stderr, "flood_lib: %s\n", veiltun_strerror(err));
    if (dev) {
        print_stats(dev);
        veiltun_close(dev);
    }
    fflush(stdout);
    return code;
}
