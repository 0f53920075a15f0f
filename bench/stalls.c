/* SPDX-License-Identifier: MIT */
/*
 * How often this machine stops running a thread that wants to run, with no other task
 * taking its place: one thread per CPU, pinned, reads CLOCK_MONOTONIC in a tight loop and
 * records every gap between two reads of at least THRESHOLD microseconds. A gap during which
 * the thread's context-switch counts (getrusage RUSAGE_THREAD) did not change was not spent
 * on another task of this kernel: interrupts took it, or, in a virtual machine, the host did
 * not run the virtual CPU. Such gaps delay every packet in flight through a user-space
 * tunnel, whose path wakes two or more threads, by the same amount.
 *
 * Prints, per CPU and in total, the gaps with and without a context switch, bucketed by
 * length. Run it on an otherwise idle machine; it is a benchmark aid, not a test.
 *
 * Usage: stalls [SECONDS [THRESHOLD_US]]   (defaults 10 and 500)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define BUCKETS 6
static const double bucket_ms[BUCKETS] = {0.5, 1, 2, 4, 8, 1e9}; /* upper bounds */

struct spinner {
    pthread_t thread;
    int cpu;
    double seconds, threshold_s;
    uint64_t quiet[BUCKETS];    /* gaps with no context switch of this thread */
    uint64_t switched[BUCKETS]; /* gaps during which another task ran */
    double quiet_max_ms, quiet_total_ms;
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long switches(void)
{
    struct rusage ru;

    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_nvcsw + ru.ru_nivcsw;
}

static int bucket_of(double ms)
{
    int b = 0;

    while (b < BUCKETS - 1 && ms >= bucket_ms[b])
        b++;
    return b;
}

static void *spin(void *arg)
{
    struct spinner *s = arg;
    cpu_set_t set;
    double start, prev, t;
    long sw_prev;

    CPU_ZERO(&set);
    CPU_SET(s->cpu, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
        return NULL;
    start = prev = now_s();
    sw_prev = switches();
    for (;;) {
        long sw = switches();
        t = now_s();
        if (t - prev >= s->threshold_s) {
            double ms = (t - prev) * 1e3;
            if (sw == sw_prev) {
                s->quiet[bucket_of(ms)]++;
                s->quiet_total_ms += ms;
                if (ms > s->quiet_max_ms)
                    s->quiet_max_ms = ms;
            } else {
                s->switched[bucket_of(ms)]++;
            }
        }
        sw_prev = sw;
        prev = t;
        if (t - start >= s->seconds)
            return NULL;
    }
}

static void print_row(const char *who, const uint64_t *counts)
{
    printf("%-22s", who);
    for (int b = 0; b < BUCKETS; b++)
        printf(" %8llu", (unsigned long long)counts[b]);
    printf("\n");
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 10, threshold_us = argc > 2 ? atof(argv[2]) : 500;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    struct spinner *s;
    uint64_t quiet[BUCKETS] = {0}, switched[BUCKETS] = {0};
    double total_ms = 0, max_ms = 0;

    if (seconds <= 0 || seconds > 3600 || threshold_us < 1 || ncpu < 1) {
        fprintf(stderr, "usage: stalls [SECONDS (0-3600] [THRESHOLD_US >= 1]]\n");
        return 2;
    }
    s = calloc((size_t)ncpu, sizeof(*s));
    if (s == NULL)
        return 1;
    for (long i = 0; i < ncpu; i++) {
        s[i] =
            (struct spinner){.cpu = (int)i, .seconds = seconds, .threshold_s = threshold_us / 1e6};
        if (pthread_create(&s[i].thread, NULL, spin, &s[i]) != 0)
            return 1;
    }
    for (long i = 0; i < ncpu; i++)
        pthread_join(s[i].thread, NULL);

    printf("gaps of at least %.0f us in %.0f s per CPU, by length (ms):\n", threshold_us, seconds);
    printf("%-22s %8s %8s %8s %8s %8s %8s\n", "", "<0.5", "0.5-1", "1-2", "2-4", "4-8", ">=8");
    for (long i = 0; i < ncpu; i++) {
        char who[48];
        snprintf(who, sizeof(who), "cpu%ld no switch", i);
        print_row(who, s[i].quiet);
        snprintf(who, sizeof(who), "cpu%ld other task ran", i);
        print_row(who, s[i].switched);
        for (int b = 0; b < BUCKETS; b++) {
            quiet[b] += s[i].quiet[b];
            switched[b] += s[i].switched[b];
        }
        total_ms += s[i].quiet_total_ms;
        if (s[i].quiet_max_ms > max_ms)
            max_ms = s[i].quiet_max_ms;
    }
    print_row("all no switch", quiet);
    print_row("all other task ran", switched);
    printf("no-switch gaps: %.1f ms in all (%.3f%% of CPU time), longest %.2f ms\n", total_ms,
           100.0 * total_ms / (seconds * 1e3 * (double)ncpu), max_ms);
    free(s);
    return 0;
}
