/* SPDX-License-Identifier: MIT */
/* Swapping the logger while other threads log: every call gets a callback together with that
 * callback's own userdata, and once veiltun_set_logger() has returned the previous callback is
 * no longer running (so its userdata may be freed). Logging is driven by a call that fails on
 * its input (no system access). */
#include "test.h"
#include "veiltun.h"

#include <pthread.h>
#include <stdatomic.h>

#define MAX_SWAPS   2000000
#define MIN_SWAPS   1000
#define LOGS_EACH   200000
#define LOG_THREADS 2

struct tag {
    _Atomic int retired; /* set once set_logger() replaced this logger and returned */
    _Atomic long calls;
};

static struct tag tag_a, tag_b;
static _Atomic long wrong_userdata, ran_retired;
static _Atomic int finished; /* logging threads done */
static _Atomic long swaps;   /* A-to-B-to-A rounds the main thread made */

static void check(struct tag *mine, void *userdata)
{
    if (userdata != mine)
        atomic_fetch_add(&wrong_userdata, 1);
    else if (atomic_load(&mine->retired))
        atomic_fetch_add(&ran_retired, 1);
    atomic_fetch_add(&mine->calls, 1);
}

static void log_a(veiltun_log_level level, const char *msg, void *userdata)
{
    (void)level, (void)msg;
    check(&tag_a, userdata);
}

static void log_b(veiltun_log_level level, const char *msg, void *userdata)
{
    (void)level, (void)msg;
    check(&tag_b, userdata);
}

static void *logging(void *arg)
{
    veiltun *dev;

    (void)arg;
    /* Until both loggers had their turns: a scheduler that runs one thread at a time for long
     * (valgrind's) must not let a logging thread finish before any swap. Bounded. */
    for (long i = 0; i < 50 * LOGS_EACH && (i < LOGS_EACH || atomic_load(&swaps) < MIN_SWAPS); i++)
        ASSERT_EQ(veiltun_open(NULL, &dev), VEILTUN_EINVAL); /* logs "NULL argument" */
    atomic_fetch_add(&finished, 1);
    return NULL;
}

int main(void)
{
    pthread_t t[LOG_THREADS];

    atomic_store(&tag_b.retired, 1);
    veiltun_set_logger(log_a, &tag_a);
    for (int i = 0; i < LOG_THREADS; i++)
        ASSERT_EQ(pthread_create(&t[i], NULL, logging, NULL), 0);
    for (long i = 0; i < MAX_SWAPS && atomic_load(&finished) < LOG_THREADS; i++) {
        atomic_store(&tag_b.retired, 0);
        veiltun_set_logger(log_b, &tag_b);
        atomic_store(&tag_a.retired, 1);
        for (volatile int k = 0; k < 200; k++) /* a window for a late call to show */
            ;
        atomic_store(&tag_a.retired, 0);
        veiltun_set_logger(log_a, &tag_a);
        atomic_store(&tag_b.retired, 1);
        atomic_fetch_add(&swaps, 1);
    }
    for (int i = 0; i < LOG_THREADS; i++)
        pthread_join(t[i], NULL);
    veiltun_set_logger(NULL, NULL);
    printf("calls: a %ld, b %ld\n", atomic_load(&tag_a.calls), atomic_load(&tag_b.calls));
    long wrong = atomic_load(&wrong_userdata), late = atomic_load(&ran_retired);
    long b_calls = atomic_load(&tag_b.calls);
    ASSERT_EQ(wrong, 0);
    ASSERT_EQ(late, 0);
    ASSERT_GT(b_calls, 0);
    return 0;
}
