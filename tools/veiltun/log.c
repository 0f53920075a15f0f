/* SPDX-License-Identifier: MIT */
/* The tool's logger for the library (veiltun_set_logger). The library explains a failure in
 * its log (the kernel's extended ack, the system call that failed) and returns only a code;
 * without a logger that explanation is lost. Lines are kept until the command either fails
 * (runtime_error prints them before its own message) or tolerates the failure (log_forget),
 * so a successful command stays quiet. With -v every line is printed as it comes; a running
 * tunnel prints warnings and errors as they come (nothing would print them later). */
#include "cli.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define KEPT_LINES 8
#define LINE_SIZE  512

static _Atomic int verbose, immediate; /* read on every thread that logs */
static struct {
    atomic_flag lock; /* the library may log from any thread; held only to copy a line */
    char lines[KEPT_LINES][LINE_SIZE];
    unsigned count; /* lines kept; past KEPT_LINES the oldest go */
} logs = {ATOMIC_FLAG_INIT, {{0}}, 0};

static void lock(void)
{
    while (atomic_flag_test_and_set_explicit(&logs.lock, memory_order_acquire))
        ;
}

static void unlock(void)
{
    atomic_flag_clear_explicit(&logs.lock, memory_order_release);
}

static const char *level_name(veiltun_log_level level)
{
    switch (level) {
    case VEILTUN_LOG_ERROR:
        return "error";
    case VEILTUN_LOG_WARN:
        return "warning";
    case VEILTUN_LOG_INFO:
        return "info";
    default:
        return "debug";
    }
}

/* The message as one printable line: it may quote a kernel's or a device's text. */
static void copy_printable(char *dst, const char *src)
{
    size_t i = 0;

    for (; src[i] != '\0' && i + 1 < LINE_SIZE; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    dst[i] = '\0';
}

static void on_library_log(veiltun_log_level level, const char *msg, void *userdata)
{
    char line[LINE_SIZE];

    (void)userdata;
    copy_printable(line, msg);
    if (atomic_load(&verbose) || (atomic_load(&immediate) && level <= VEILTUN_LOG_WARN)) {
        fprintf(stderr, "veiltun: library %s: %s\n", level_name(level), line);
        return;
    }
    if (level > VEILTUN_LOG_WARN)
        return;
    lock();
    if (logs.count == KEPT_LINES) {
        memmove(logs.lines[0], logs.lines[1], sizeof(logs.lines[0]) * (KEPT_LINES - 1));
        logs.count--;
    }
    memcpy(logs.lines[logs.count++], line, LINE_SIZE);
    unlock();
}

void log_install(int all)
{
    atomic_store(&verbose, all);
    veiltun_set_logger(on_library_log, NULL);
}

void log_print_as_they_come(void)
{
    atomic_store(&immediate, 1);
}

void log_forget(void)
{
    lock();
    logs.count = 0;
    unlock();
}

void log_flush(const char *cmd)
{
    char kept[KEPT_LINES][LINE_SIZE];
    unsigned n;

    lock();
    n = logs.count;
    memcpy(kept, logs.lines, sizeof(kept[0]) * n);
    logs.count = 0;
    unlock();
    for (unsigned i = 0; i < n; i++)
        fprintf(stderr, "veiltun: %s%s%s\n", cmd ? cmd : "", cmd ? ": " : "", kept[i]);
}
