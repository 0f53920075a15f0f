/* SPDX-License-Identifier: MIT */
/* Cancel wakes every blocked waiter, and close wakes them too before it frees the handle. */
#include "netns.h"
#include "test.h"
#include "veiltun.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

static _Atomic int results[2];
static _Atomic int started;

static void *waiter(void *arg)
{
    veiltun *dev = arg;
    int slot = atomic_fetch_add(&started, 1);

    results[slot] = veiltun_wait(dev, -1); /* forever, unless woken */
    return NULL;
}

static veiltun *open_dev(const char *name)
{
    veiltun_config cfg;
    veiltun *dev;

    veiltun_config_init(&cfg);
    cfg.name = name;
    ASSERT_OK(veiltun_open(&cfg, &dev));
    return dev;
}

static void start_waiters(veiltun *dev, pthread_t *t, int n)
{
    atomic_store(&started, 0);
    for (int i = 0; i < n; i++) {
        results[i] = 1;
        ASSERT_EQ(pthread_create(&t[i], NULL, waiter, dev), 0);
    }
    /* Let them block (there is nothing to read: the device is down). */
    for (int i = 0; i < 100 && atomic_load(&started) < n; i++)
        usleep(10000);
    usleep(100000);
    for (int i = 0; i < n; i++)
        ASSERT_EQ(results[i], 1); /* still blocked */
}

int main(void)
{
    pthread_t t[2];
    veiltun *dev;

    test_netns_enter("cancel");
    /* Two threads blocked on one handle: cancel wakes both, and later waits return at once. */
    dev = open_dev("vtcan0");
    start_waiters(dev, t, 2);
    ASSERT_OK(veiltun_cancel(dev));
    /* Join both before looking: a thread's slot is the order it started in, not its index
     * in t[] (checking after the first join failed now and then under load). */
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++)
        ASSERT_EQ(results[i], VEILTUN_ECANCELED);
    ASSERT_EQ(veiltun_wait(dev, 1000), VEILTUN_ECANCELED);
    veiltun_close(dev);

    /* Close while a thread waits: the waiter wakes, close returns, the device goes. */
    dev = open_dev("vtcan1");
    start_waiters(dev, t, 1);
    veiltun_close(dev);
    pthread_join(t[0], NULL);
    ASSERT_EQ(results[0], VEILTUN_ECANCELED);
    ASSERT_TRUE(!link_exists("vtcan1"));

    /* A timed wait with nothing to do times out. */
    dev = open_dev("vtcan2");
    ASSERT_EQ(veiltun_wait(dev, 50), VEILTUN_ETIMEDOUT);
    ASSERT_EQ(veiltun_wait(dev, 0), VEILTUN_ETIMEDOUT);
    veiltun_close(dev);
    return 0;
}
