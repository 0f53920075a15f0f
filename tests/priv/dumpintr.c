/* SPDX-License-Identifier: MIT */
/* An address dump that another program's changes interrupt (NLM_F_DUMP_INTR) is read again,
 * and never leaves the rest of the dump on the handle's socket: the requests after it are
 * answered, and applied, as usual. Regression: an interrupted dump returned -4 ("unknown
 * error") and every later request on the handle failed with VEILTUN_EPROTO. */
#include "netns.h"
#include "test.h"
#include "veiltun.h"

#include <stdatomic.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#define ADDRESSES 1500 /* several dump datagrams, so changes can fall between two */
#define LOOPS     300
#define SECONDS   10

static atomic_int reread;
static char add_file[64], churn_file[64];

static void on_log(veiltun_log_level level, const char *msg, void *userdata)
{
    (void)level;
    (void)userdata;
    if (strstr(msg, "interrupted") != NULL)
        atomic_fetch_add(&reread, 1);
}

static void remove_batches(void)
{
    remove(add_file);
    remove(churn_file);
}

/* ip -batch files: many addresses, and a bounded churn of one more added and removed.
 * Removed on every way out, a failed assertion included. */
static void write_batches(void)
{
    FILE *f;

    snprintf(add_file, sizeof(add_file), "/tmp/vt-dumpintr-add-%d", (int)getpid());
    snprintf(churn_file, sizeof(churn_file), "/tmp/vt-dumpintr-churn-%d", (int)getpid());
    atexit(remove_batches);
    f = fopen(add_file, "w");

    ASSERT_TRUE(f != NULL);
    for (int i = 0; i < ADDRESSES; i++)
        fprintf(f, "addr add 10.77.%d.%d/32 dev vtintr0\n", i / 250, i % 250 + 1);
    fclose(f);
    f = fopen(churn_file, "w");
    ASSERT_TRUE(f != NULL);
    for (int i = 0; i < 2000; i++)
        fprintf(f, "addr add 10.78.0.1/32 dev vtintr0\naddr del 10.78.0.1/32 dev vtintr0\n");
    fclose(f);
}

static time_t now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

int main(void)
{
    veiltun_config cfg;
    veiltun *dev;
    time_t end;
    int churn, n, gave_up = 0, loops = 0;
    char cmd[160];

    test_netns_enter("dumpintr");
    veiltun_set_logger(on_log, NULL);
    veiltun_config_init(&cfg);
    cfg.name = "vtintr0";
    ASSERT_OK(veiltun_open(&cfg, &dev));
    write_batches();
    ASSERT_EQ(sh("ip -batch %s", add_file), 0);
    snprintf(cmd, sizeof(cmd), "ip -batch %s 2>/dev/null", churn_file);
    churn = spawn(cmd);
    end = now() + SECONDS;
    /* While the churn runs (it ends on its own, with the extra address removed). */
    for (; loops < LOOPS && now() < end && waitpid(churn, NULL, WNOHANG) == 0; loops++) {
        n = veiltun_get_addresses(dev, NULL, 0);
        if (n == VEILTUN_EINTR) { /* changed too often in a row: allowed, and documented */
            gave_up++;
            continue;
        }
        if (n < ADDRESSES || n > ADDRESSES + 1)
            TEST_FAIL("get_addresses: %d (%s)", n, veiltun_strerror(n));
    }
    reap(churn, SECONDS * 1000);
    printf("%d dumps, %d read again, %d gave up\n", loops, atomic_load(&reread), gave_up);
    /* Without interruptions this test would prove nothing. */
    ASSERT_GT(atomic_load(&reread), 0);
    ASSERT_LT(gave_up, loops);
    /* The handle's socket is clean: a request is answered and applied. */
    ASSERT_OK(veiltun_set_mtu(dev, 1400));
    ASSERT_EQ(sh_num("ip -j link show dev vtintr0 | jq '.[0].mtu'"), 1400);
    ASSERT_EQ(veiltun_get_mtu(dev), 1400);
    ASSERT_EQ(veiltun_get_addresses(dev, NULL, 0), ADDRESSES);
    veiltun_close(dev);
    return 0;
}
