/* SPDX-License-Identifier: MIT */
/* veiltun_get_name() from one thread while another fetches rename events: the reader always
 * sees a whole name (one of the two), never a mix, and (under ThreadSanitizer, which runs
 * this test) no data race. */
#include "netns.h"
#include "test.h"
#include "veiltun.h"

#include <pthread.h>
#include <stdatomic.h>

#define RENAMES 40

static veiltun *dev;
static _Atomic int stop;
static _Atomic long reads, torn;

static void *read_names(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        const char *name = veiltun_get_name(dev);
        if (strcmp(name, "vtrn0") != 0 && strcmp(name, "vtrn-renamed1") != 0)
            atomic_fetch_add(&torn, 1);
        atomic_fetch_add(&reads, 1);
    }
    return NULL;
}

int main(void)
{
    veiltun_config cfg;
    veiltun_event ev;
    pthread_t t;
    int renamed = 0;

    test_netns_enter("rename");
    veiltun_config_init(&cfg);
    cfg.name = "vtrn0";
    ASSERT_OK(veiltun_open(&cfg, &dev));
    ASSERT_EQ(pthread_create(&t, NULL, read_names, NULL), 0);
    for (int i = 0; i < RENAMES; i++) {
        const char *to = i % 2 == 0 ? "vtrn-renamed1" : "vtrn0";
        ASSERT_EQ(sh("ip link set dev %s name %s", i % 2 == 0 ? "vtrn0" : "vtrn-renamed1", to), 0);
        for (int tries = 0; tries < 20; tries++) {
            int r = veiltun_next_event(dev, &ev);
            if (r == 0 && ev.type == VEILTUN_EVENT_RENAMED) {
                ASSERT_STREQ(ev.name, to);
                renamed++;
                break;
            }
            ASSERT_TRUE(r == 0 || r == VEILTUN_EAGAIN);
            veiltun_wait(dev, 200);
        }
    }
    atomic_store(&stop, 1);
    pthread_join(t, NULL);
    long bad = atomic_load(&torn), n = atomic_load(&reads);
    ASSERT_EQ(bad, 0);
    ASSERT_GT(n, 0);
    ASSERT_EQ(renamed, RENAMES);
    ASSERT_STREQ(veiltun_get_name(dev), "vtrn0");
    veiltun_close(dev);
    return 0;
}
