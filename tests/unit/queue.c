/* SPDX-License-Identifier: MIT */
/* The SPSC packet queue: bookkeeping on one thread, then 100 000 packets of random sizes
 * through a producer and a consumer thread, in order and intact (run under TSan in CI). */
#include "queue.h"
#include "test.h"
#include "veiltun.h"

#include <pthread.h>
#include <sched.h>

#define PACKETS 100000

static void test_single_thread(void)
{
    struct veiltun__queue q;
    size_t len;
    unsigned char *p;
    int filled = 0;

    ASSERT_EQ(veiltun__queue_init(&q, 3000), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun__queue_init(&q, 6000), VEILTUN_EINVAL);
    ASSERT_OK(veiltun__queue_init(&q, 4096));
    ASSERT_TRUE(veiltun__queue_peek(&q, &len) == NULL);
    ASSERT_TRUE(veiltun__queue_reserve(&q, veiltun__queue_max_packet(4096) + 1) == NULL);
    /* Fill with 100-byte packets (104-byte records) until full. */
    while ((p = veiltun__queue_reserve(&q, 100)) != NULL) {
        memset(p, filled & 0xff, 100);
        veiltun__queue_commit(&q);
        filled++;
    }
    ASSERT_EQ(filled, 4096 / 104);
    /* Drain half, then add more: the ring wraps and order holds. */
    for (int i = 0; i < filled / 2; i++) {
        const unsigned char *c = veiltun__queue_peek(&q, &len);
        ASSERT_TRUE(c != NULL);
        ASSERT_EQ(len, 100);
        ASSERT_EQ(c[0], i & 0xff);
        veiltun__queue_release(&q);
    }
    for (int i = 0; i < 5; i++) {
        p = veiltun__queue_reserve(&q, 300);
        ASSERT_TRUE(p != NULL);
        memset(p, 0xa0 + i, 300);
        veiltun__queue_commit(&q);
    }
    for (int i = filled / 2; i < filled; i++) {
        const unsigned char *c = veiltun__queue_peek(&q, &len);
        ASSERT_EQ(len, 100);
        ASSERT_EQ(c[99], i & 0xff);
        veiltun__queue_release(&q);
    }
    for (int i = 0; i < 5; i++) {
        const unsigned char *c = veiltun__queue_peek(&q, &len);
        ASSERT_EQ(len, 300);
        ASSERT_EQ(c[0], 0xa0 + i);
        ASSERT_EQ(c[299], 0xa0 + i);
        veiltun__queue_release(&q);
    }
    ASSERT_TRUE(veiltun__queue_peek(&q, &len) == NULL);
    ASSERT_EQ(veiltun__queue_used(&q), 0);
    /* The largest packet fits in an empty queue wherever the ring stands. */
    ASSERT_TRUE(veiltun__queue_reserve(&q, veiltun__queue_max_packet(4096)) != NULL);
    veiltun__queue_commit(&q);
    ASSERT_TRUE(veiltun__queue_peek(&q, &len) != NULL);
    ASSERT_EQ(len, veiltun__queue_max_packet(4096));
    veiltun__queue_release(&q);
    veiltun__queue_free(&q);
}

static struct veiltun__queue shared;

static uint32_t next_rand(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Packet i: a length from the generator and bytes derived from i. */
static void *producer(void *arg)
{
    uint32_t seed = 12345;

    (void)arg;
    for (uint32_t i = 0; i < PACKETS; i++) {
        size_t len = 4 + next_rand(&seed) % 1500;
        unsigned char *p;
        while ((p = veiltun__queue_reserve(&shared, len)) == NULL)
            sched_yield();
        memcpy(p, &i, 4);
        for (size_t k = 4; k < len; k++)
            p[k] = (unsigned char)(i + k);
        veiltun__queue_commit(&shared);
    }
    return NULL;
}

static void consume_all(void)
{
    uint32_t seed = 12345;

    for (uint32_t i = 0; i < PACKETS; i++) {
        size_t want = 4 + next_rand(&seed) % 1500, len;
        const unsigned char *p;
        uint32_t seq;
        while ((p = veiltun__queue_peek(&shared, &len)) == NULL)
            sched_yield();
        ASSERT_EQ(len, want);
        memcpy(&seq, p, 4);
        ASSERT_EQ(seq, i);
        for (size_t k = 4; k < len; k++) {
            if (p[k] != (unsigned char)(i + k))
                TEST_FAIL("packet %u byte %zu corrupted", i, k);
        }
        veiltun__queue_release(&shared);
    }
}

static void test_two_threads(void)
{
    pthread_t t;
    size_t len;

    ASSERT_OK(veiltun__queue_init(&shared, 16384));
    ASSERT_EQ(pthread_create(&t, NULL, producer, NULL), 0);
    consume_all();
    pthread_join(t, NULL);
    ASSERT_TRUE(veiltun__queue_peek(&shared, &len) == NULL);
    veiltun__queue_free(&shared);
}

int main(void)
{
    test_single_thread();
    test_two_threads();
    return 0;
}
