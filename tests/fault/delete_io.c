/* SPDX-License-Identifier: MIT */
/* The device deleted under a handle that is in use: a reader blocked in veiltun_wait()
 * (then reading), and a writer in the middle of a stream of batch writes. Each must end with
 * VEILTUN_ENODEV (not hang, not spin, not crash), further calls must keep saying so, and
 * closing must release every descriptor the handle held. The reader case found a spin: the
 * tun fd polls as an error while reads still said "nothing yet" until the kernel was done. */
#include "fds.h"
#include "netns.h"
#include "test.h"
#include "veiltun.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

static _Atomic int reader_result, writer_result, writer_batches;

static veiltun *open_up(const char *name)
{
    veiltun_config cfg;
    veiltun *dev;

    veiltun_config_init(&cfg);
    cfg.name = name;
    ASSERT_OK(veiltun_open(&cfg, &dev));
    ASSERT_OK(veiltun_add_address(dev, "10.77.0.1/24"));
    ASSERT_OK(veiltun_set_up(dev, 1));
    return dev;
}

/* Waits and reads until something other than "nothing yet" or an event comes. */
static void *reader(void *arg)
{
    veiltun *dev = arg;
    unsigned char buf[2048];
    veiltun_event ev;

    for (int i = 0; i < 1000; i++) {
        int r = veiltun_wait(dev, 5000), n;
        if (r < 0) {
            reader_result = r;
            return NULL;
        }
        while (veiltun_next_event(dev, &ev) == 0)
            ;
        while ((n = veiltun_read(dev, buf, sizeof(buf))) > 0)
            ;
        if (n != VEILTUN_EAGAIN) {
            reader_result = n;
            return NULL;
        }
    }
    reader_result = 1; /* never ended: the test fails on it */
    return NULL;
}

/* Batches of UDP packets to an address behind the device, until a batch fails. */
static void *writer(void *arg)
{
    static unsigned char pkt[64][200];
    veiltun *dev = arg;
    veiltun_packet p[64];

    for (int i = 0; i < 64; i++) {
        unsigned char *b = pkt[i];
        b[0] = 0x45, b[2] = 0, b[3] = 200, b[8] = 64, b[9] = 17;
        b[12] = 10, b[13] = 77, b[15] = 2, b[16] = 10, b[17] = 77, b[19] = 1;
        unsigned sum = 0;
        for (int k = 0; k < 20; k += 2)
            sum += (unsigned)b[k] << 8 | b[k + 1];
        while (sum >> 16)
            sum = (sum & 0xffff) + (sum >> 16);
        b[10] = (unsigned char)(~sum >> 8), b[11] = (unsigned char)~sum;
        b[20] = 0x9c, b[21] = 0x40, b[22] = 0x13, b[23] = 0x89, b[25] = 180; /* no checksum */
        p[i] = (veiltun_packet){b, 200, 200, 0};
    }
    for (int round = 0; round < 2000000; round++) {
        int n = veiltun_write_batch(dev, p, 64);
        /* The kernel takes the device down before it removes it: writes fail with EIO in
         * between (documented); the removal itself must then come as ENODEV. */
        if (n < 0 && n != VEILTUN_EAGAIN && n != VEILTUN_EIO) {
            writer_result = n;
            return NULL;
        }
        if (n == VEILTUN_EIO)
            usleep(1000);
        atomic_fetch_add(&writer_batches, 1);
    }
    writer_result = 1;
    return NULL;
}

static void delete_under(const char *name, void *(*fn)(void *), _Atomic int *result,
                         int wait_for_batches)
{
    int before = open_fds();
    veiltun *dev = open_up(name);
    unsigned char buf[64];
    pthread_t t;

    ASSERT_EQ(pthread_create(&t, NULL, fn, dev), 0);
    /* Let it block (reader) or get going (writer), bounded. */
    for (int i = 0; i < 200 && atomic_load(&writer_batches) < wait_for_batches; i++)
        usleep(10000);
    usleep(100000);
    ASSERT_EQ(atomic_load(result), 0);
    ASSERT_EQ(sh("ip link del %s", name), 0);
    pthread_join(t, NULL);
    ASSERT_EQ(atomic_load(result), VEILTUN_ENODEV);
    /* And it stays so for every kind of call. */
    ASSERT_EQ(veiltun_read(dev, buf, sizeof(buf)), VEILTUN_ENODEV);
    ASSERT_EQ(veiltun_write(dev, (unsigned char[40]){0x45, 0, 0, 40}, 40), VEILTUN_ENODEV);
    ASSERT_LT(veiltun_set_mtu(dev, 1400), 0);
    veiltun_close(dev);
    ASSERT_TRUE(!link_exists(name));
    ASSERT_EQ(open_fds(), before);
}

int main(void)
{
    test_netns_enter("fault-delete");
    delete_under("vtdel0", reader, &reader_result, 0);
    delete_under("vtdel1", writer, &writer_result, 10);
    ASSERT_GT(atomic_load(&writer_batches), 10);
    return 0;
}
