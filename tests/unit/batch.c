/* SPDX-License-Identifier: MIT */
/* Batch bookkeeping over a scripted per-packet function: what fills a slot, what marks one,
 * what stops a batch; and the outgoing packet check. */
#include "internal.h"
#include "test.h"

/* Each step is what the next per-packet call returns (a length, or an error). */
static int script[16];
static size_t script_len, script_pos, calls;
static size_t lengths[16]; /* the length each call was given */

static void run_script(const int *steps, size_t n)
{
    if (n > 0)
        memcpy(script, steps, n * sizeof(*steps));
    script_len = n;
    script_pos = calls = 0;
}

static int scripted(veiltun *dev, void *buf, size_t len)
{
    (void)dev;
    (void)buf;
    if (calls < 16)
        lengths[calls] = len;
    calls++;
    return script_pos < script_len ? script[script_pos++] : VEILTUN_EAGAIN;
}

static char bufs[4][64];

static void slots(veiltun_packet *p, size_t n, size_t size)
{
    for (size_t i = 0; i < n; i++) {
        p[i].data = bufs[i];
        p[i].size = size;
        p[i].len = size; /* a write's packet length; reads overwrite it */
        p[i].status = 1; /* must be overwritten */
    }
}

static void test_read(void)
{
    veiltun_packet p[4];

    slots(p, 4, 64);
    run_script((int[]){20, 30}, 2);
    ASSERT_EQ(veiltun__batch_read(NULL, p, 4, scripted), 2);
    ASSERT_EQ(p[0].len, 20);
    ASSERT_EQ(p[1].len, 30);
    ASSERT_EQ(p[0].status, 0);

    /* A dropped (oversized) packet does not take a slot. */
    slots(p, 4, 64);
    run_script((int[]){VEILTUN_EMSGSIZE, 40, VEILTUN_EMSGSIZE, 50}, 4);
    ASSERT_EQ(veiltun__batch_read(NULL, p, 4, scripted), 2);
    ASSERT_EQ(p[0].len, 40);
    ASSERT_EQ(p[1].len, 50);

    /* Nothing ready: EAGAIN; an error with nothing read: that error. */
    run_script(NULL, 0);
    ASSERT_EQ(veiltun__batch_read(NULL, p, 4, scripted), VEILTUN_EAGAIN);
    run_script((int[]){VEILTUN_ENODEV}, 1);
    ASSERT_EQ(veiltun__batch_read(NULL, p, 4, scripted), VEILTUN_ENODEV);
    /* An error after packets: the packets now, the error on the next call. */
    run_script((int[]){10, VEILTUN_ENODEV}, 2);
    ASSERT_EQ(veiltun__batch_read(NULL, p, 4, scripted), 1);
    /* A stream of oversized packets cannot hold the caller forever. */
    run_script((int[]){VEILTUN_EMSGSIZE, VEILTUN_EMSGSIZE, VEILTUN_EMSGSIZE, VEILTUN_EMSGSIZE,
                       VEILTUN_EMSGSIZE, VEILTUN_EMSGSIZE, VEILTUN_EMSGSIZE, VEILTUN_EMSGSIZE,
                       VEILTUN_EMSGSIZE, VEILTUN_EMSGSIZE},
               10);
    ASSERT_EQ(veiltun__batch_read(NULL, p, 2, scripted), VEILTUN_EAGAIN);
    ASSERT_EQ(calls, 4);
    /* Bad slots are refused before any read. */
    slots(p, 4, 64);
    p[2].data = NULL;
    run_script((int[]){10}, 1);
    ASSERT_EQ(veiltun__batch_read(NULL, p, 4, scripted), VEILTUN_EINVAL);
    ASSERT_EQ(calls, 0);
    p[2].data = bufs[2];
    p[3].size = 0;
    ASSERT_EQ(veiltun__batch_read(NULL, p, 4, scripted), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun__batch_read(NULL, NULL, 4, scripted), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun__batch_read(NULL, p, 0, scripted), VEILTUN_EINVAL);
}

static void test_write(void)
{
    veiltun_packet p[4];

    slots(p, 4, 40);
    run_script((int[]){40, 40, 40, 40}, 4);
    ASSERT_EQ(veiltun__batch_write(NULL, p, 4, scripted), 4);
    ASSERT_EQ(p[3].status, 0);

    /* Packet-level failures mark the slot and the batch goes on. */
    slots(p, 4, 40);
    run_script((int[]){40, VEILTUN_EBADPACKET, VEILTUN_EMSGSIZE, 40}, 4);
    ASSERT_EQ(veiltun__batch_write(NULL, p, 4, scripted), 4);
    ASSERT_EQ(p[0].status, 0);
    ASSERT_EQ(p[1].status, VEILTUN_EBADPACKET);
    ASSERT_EQ(p[2].status, VEILTUN_EMSGSIZE);
    ASSERT_EQ(p[3].status, 0);

    /* A device-level failure stops the batch: consumed count, or the error if first. */
    slots(p, 4, 40);
    run_script((int[]){40, 40, VEILTUN_EAGAIN}, 3);
    ASSERT_EQ(veiltun__batch_write(NULL, p, 4, scripted), 2);
    ASSERT_EQ(calls, 3);
    run_script((int[]){VEILTUN_ENODEV}, 1);
    ASSERT_EQ(veiltun__batch_write(NULL, p, 4, scripted), VEILTUN_ENODEV);

    /* An empty slot is marked without a call. */
    slots(p, 2, 40);
    p[0].len = 0;
    run_script((int[]){40}, 1);
    ASSERT_EQ(veiltun__batch_write(NULL, p, 2, scripted), 2);
    ASSERT_EQ(p[0].status, VEILTUN_EINVAL);
    ASSERT_EQ(p[1].status, 0);
    ASSERT_EQ(calls, 1);
    ASSERT_EQ(veiltun__batch_write(NULL, NULL, 1, scripted), VEILTUN_EINVAL);
}

/* The forwarding loop: slots filled by a read go to a write unchanged, and the write takes
 * each packet's length (len), not the slot's capacity (size). */
static void test_forward(void)
{
    veiltun_packet p[4];

    slots(p, 4, 64);
    run_script((int[]){20, 30}, 2);
    ASSERT_EQ(veiltun__batch_read(NULL, p, 4, scripted), 2);
    run_script((int[]){20, 30}, 2);
    ASSERT_EQ(veiltun__batch_write(NULL, p, 2, scripted), 2);
    ASSERT_EQ(calls, 2);
    ASSERT_EQ(lengths[0], 20);
    ASSERT_EQ(lengths[1], 30);
    ASSERT_EQ(p[0].status, 0);
    ASSERT_EQ(p[1].status, 0);
    ASSERT_EQ(p[0].size, 64); /* the capacity is left for the next read */
}

static void test_packet_check(void)
{
    unsigned char v4[20] = {0x45}, v6[40] = {0x60}, bad[40] = {0x00};

    ASSERT_EQ(veiltun__check_packet(v4, 20), 0);
    ASSERT_EQ(veiltun__check_packet(v4, 19), VEILTUN_EBADPACKET);
    v4[0] = 0x44; /* IHL 16 bytes: shorter than the fixed header */
    ASSERT_EQ(veiltun__check_packet(v4, 20), VEILTUN_EBADPACKET);
    v4[0] = 0x46; /* IHL 24 bytes: longer than the packet */
    ASSERT_EQ(veiltun__check_packet(v4, 20), VEILTUN_EBADPACKET);
    ASSERT_EQ(veiltun__check_packet(v6, 40), 0);
    ASSERT_EQ(veiltun__check_packet(v6, 39), VEILTUN_EBADPACKET);
    ASSERT_EQ(veiltun__check_packet(bad, 40), VEILTUN_EBADPACKET);
    bad[0] = 0x50;
    ASSERT_EQ(veiltun__check_packet(bad, 40), VEILTUN_EBADPACKET);
    ASSERT_EQ(veiltun__check_packet(v6, 0), VEILTUN_EINVAL);
}

int main(void)
{
    test_read();
    test_write();
    test_forward();
    test_packet_check();
    return 0;
}
