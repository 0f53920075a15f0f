/* SPDX-License-Identifier: MIT */
/* When the kernel refuses a merged (GRO) write, the library turns GRO off and writes the run's
 * packets one by one. If one of those writes then fails (the queue is full), the packets
 * written before it were delivered: veiltun_write_batch() must count them as consumed, or the
 * caller resends them and the peer gets duplicates. The kernel's refusal and the full queue
 * are injected by wrapping write() and writev() for the TUN descriptor; the packets written
 * reach the real device. */
#include "netns.h"
#include "test.h"
#include "veiltun.h"

#include <dlfcn.h>
#include <errno.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#define SEGMENTS 8
#define PAYLOAD  500

static int refuse_merged;  /* write() of a merged packet fails with EINVAL */
static int writes_allowed; /* writev() of single packets: how many succeed before EAGAIN */
static int merged_refused, singles_written;

/* /dev/net/tun is character device 10:200. */
static int is_tun(int fd)
{
    struct stat st;

    return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 10 &&
           minor(st.st_rdev) == 200;
}

ssize_t write(int fd, const void *buf, size_t len)
{
    static ssize_t (*real)(int, const void *, size_t);

    if (real == NULL)
        real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    if (refuse_merged && is_tun(fd)) {
        merged_refused++;
        errno = EINVAL;
        return -1;
    }
    return real(fd, buf, len);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
    static ssize_t (*real)(int, const struct iovec *, int);

    if (real == NULL)
        real = (ssize_t(*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
    if (refuse_merged && is_tun(fd)) {
        if (singles_written >= writes_allowed) {
            errno = EAGAIN;
            return -1;
        }
        singles_written++;
    }
    return real(fd, iov, n);
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint32_t add_bytes(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        sum += (i % 2 == 0) ? (uint32_t)p[i] << 8 : p[i];
    return sum;
}

/* Segment @p k of one TCP flow 10.81.0.2:40000 -> 10.81.0.1:5001, DF set, checksums right. */
static size_t build_segment(uint8_t *p, int k)
{
    size_t len = 20 + 20 + PAYLOAD;
    uint32_t seq = 1000 + (uint32_t)k * PAYLOAD, sum;
    uint16_t c;

    memset(p, 0, len);
    p[0] = 0x45, p[2] = (uint8_t)(len >> 8), p[3] = (uint8_t)len, p[6] = 0x40, p[8] = 64;
    p[9] = 6;
    p[12] = 10, p[13] = 81, p[15] = 2, p[16] = 10, p[17] = 81, p[19] = 1;
    c = fold(add_bytes(0, p, 20));
    p[10] = (uint8_t)(c >> 8), p[11] = (uint8_t)c;
    p[20] = 40000 >> 8, p[21] = 40000 & 0xff, p[22] = 5001 >> 8, p[23] = 5001 & 0xff;
    p[24] = (uint8_t)(seq >> 24), p[25] = (uint8_t)(seq >> 16), p[26] = (uint8_t)(seq >> 8);
    p[27] = (uint8_t)seq;
    p[32] = 5 << 4, p[33] = 0x10 /* ACK */, p[34] = 0xff, p[35] = 0xff;
    for (size_t i = 40; i < len; i++)
        p[i] = (uint8_t)(k + i);
    sum = add_bytes(6 + (uint32_t)(len - 20), p + 12, 8);
    c = fold(add_bytes(sum, p + 20, len - 20));
    p[36] = (uint8_t)(c >> 8), p[37] = (uint8_t)c;
    return len;
}

int main(void)
{
    static uint8_t bufs[SEGMENTS][1500];
    veiltun_packet pkts[SEGMENTS];
    veiltun_config cfg;
    veiltun_stats st;
    veiltun *dev;
    int n;

    test_netns_enter("grofb");
    veiltun_config_init(&cfg);
    cfg.name = "vtgrofb0";
    cfg.flags = VEILTUN_F_OFFLOAD;
    ASSERT_OK(veiltun_open(&cfg, &dev));
    ASSERT_OK(veiltun_add_address(dev, "10.81.0.1/24"));
    ASSERT_OK(veiltun_set_up(dev, 1));
    ASSERT_TRUE(veiltun_get_offload(dev) & VEILTUN_OFFLOAD_TCP_GRO);
    for (int k = 0; k < SEGMENTS; k++) {
        size_t len = build_segment(bufs[k], k);
        pkts[k] = (veiltun_packet){bufs[k], sizeof(bufs[k]), len, 0};
    }

    /* The merged write is refused; three single writes go through, the fourth finds the
     * queue full. */
    refuse_merged = 1;
    writes_allowed = 3;
    n = veiltun_write_batch(dev, pkts, SEGMENTS);
    refuse_merged = 0;
    ASSERT_EQ(merged_refused, 1);
    ASSERT_EQ(singles_written, 3);
    ASSERT_EQ(n, 3);
    for (int k = 0; k < 3; k++)
        ASSERT_EQ(pkts[k].status, 0);
    ASSERT_OK(veiltun_get_stats(dev, &st, sizeof(st)));
    ASSERT_EQ(st.tx_packets, 3);
    ASSERT_EQ(st.tx_bytes, 3 * (20 + 20 + PAYLOAD));
    ASSERT_EQ(st.tx_errors, 0);
    /* GRO for TCP is off from now on, and the rest of the batch goes out when resent. */
    ASSERT_EQ(veiltun_get_offload(dev) & VEILTUN_OFFLOAD_TCP_GRO, 0);
    ASSERT_EQ(veiltun_write_batch(dev, pkts + 3, SEGMENTS - 3), SEGMENTS - 3);
    ASSERT_OK(veiltun_get_stats(dev, &st, sizeof(st)));
    ASSERT_EQ(st.tx_packets, SEGMENTS);
    veiltun_close(dev);
    return 0;
}
