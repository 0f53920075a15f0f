/* SPDX-License-Identifier: MIT */
#include "icmp.h"
#include "netns.h"
#include "test.h"

#include <signal.h>
#include <sys/wait.h>

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void swap(uint8_t *a, uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t t = a[i];
        a[i] = b[i];
        b[i] = t;
    }
}

static int reply_v4(uint8_t *p, size_t len)
{
    size_t ihl = (size_t)(p[0] & 0x0f) * 4;
    uint8_t *icmp = p + ihl;

    if (len < ihl + 8 || p[9] != 1 || icmp[0] != 8)
        return -1;
    swap(p + 12, p + 16, 4);
    icmp[0] = 0; /* echo reply */
    put16(icmp + 2, 0);
    put16(icmp + 2, fold(sum16(icmp, len - ihl, 0)));
    put16(p + 10, 0);
    put16(p + 10, fold(sum16(p, ihl, 0)));
    return 0;
}

static int reply_v6(uint8_t *p, size_t len)
{
    uint8_t *icmp = p + 40;
    size_t plen = len - 40;
    uint32_t sum;

    if (len < 48 || p[6] != 58 || icmp[0] != 128)
        return -1;
    swap(p + 8, p + 24, 16);
    icmp[0] = 129; /* echo reply */
    put16(icmp + 2, 0);
    /* Pseudo-header: source, destination, upper-layer length, next header. */
    sum = sum16(p + 8, 32, 0) + (uint32_t)plen + 58;
    put16(icmp + 2, fold(sum16(icmp, plen, sum)));
    return 0;
}

int echo_reply(uint8_t *pkt, size_t len)
{
    if (len >= 20 && pkt[0] >> 4 == 4)
        return reply_v4(pkt, len);
    if (len >= 40 && pkt[0] >> 4 == 6)
        return reply_v6(pkt, len);
    return -1;
}

static int answer_single(veiltun *dev)
{
    uint8_t buf[2048];
    int n = veiltun_read(dev, buf, sizeof(buf)), answered = 0;

    while (n > 0) {
        if (echo_reply(buf, (size_t)n) == 0) {
            ASSERT_EQ(veiltun_write(dev, buf, (size_t)n), n);
            answered++;
        }
        n = veiltun_read(dev, buf, sizeof(buf));
    }
    ASSERT_EQ(n, VEILTUN_EAGAIN);
    return answered;
}

static int answer_batch(veiltun *dev)
{
    static uint8_t bufs[8][2048];
    veiltun_packet in[8], out[8];
    int n = 0, k = 0, answered = 0;

    for (int i = 0; i < 8; i++)
        in[i] = (veiltun_packet){bufs[i], sizeof(bufs[i]), 0, 1};
    n = veiltun_read_batch(dev, in, 8);
    if (n == VEILTUN_EAGAIN)
        return 0;
    ASSERT_GT(n, 0);
    for (int i = 0; i < n; i++) {
        if (echo_reply(bufs[i], in[i].len) == 0)
            out[k++] = (veiltun_packet){bufs[i], sizeof(bufs[i]), in[i].len, 1};
    }
    if (k > 0) {
        ASSERT_EQ(veiltun_write_batch(dev, out, (size_t)k), k);
        for (int i = 0; i < k; i++)
            ASSERT_EQ(out[i].status, 0);
        answered = k;
    }
    return answered;
}

int answer_pings(veiltun *dev, const char *ping_cmd, int batch, int *answered)
{
    int pid = spawn(ping_cmd), status;

    *answered = 0;
    /* Bounded: at most 10 s of waiting in 100 ms steps. */
    for (int round = 0; round < 100; round++) {
        int r = veiltun_wait(dev, 100);
        veiltun_event ev;
        /* Level-triggered: our own configuration changes are pending events; take them. */
        while (r > 0 && (r & VEILTUN_READY_EVENT) && veiltun_next_event(dev, &ev) == 0)
            ;
        if (r > 0)
            *answered += batch ? answer_batch(dev) : answer_single(dev);
        else
            ASSERT_EQ(r, VEILTUN_ETIMEDOUT);
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    return reap(pid, 0);
}
