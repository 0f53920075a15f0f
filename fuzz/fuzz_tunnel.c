/* SPDX-License-Identifier: MIT */
/* The tunnel's command line (parse_tunnel, tools/veiltun/tunnel_args.c) on any argument
 * vector: the input cut at NUL bytes, each piece one argument after "tunnel", as main()
 * hands them over. Whatever it accepts must be a complete, consistent set of arguments.
 *
 * The contract fuzzed is the tool's: parse_tunnel runs once per process. It resets getopt
 * with optind = 1, which leaves glibc's position inside a cluster of short options ("-hP")
 * from an earlier call; so each input first gets getopt's full reset (optind = 0), as a
 * fresh process would. Host names are not resolved (no_dns.c): a fuzzer must not ask DNS. */
#include "../tools/veiltun/tunnel_args.h"
#include "fuzz.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 64

/* main.c's message helpers: main.c itself (main, the command table) cannot link into a
 * fuzzer. These format what the tool would print, so every argument they are given is
 * read (and checked by ASan), but print nothing: one line per input would slow the run. */
void command_help(const char *name)
{
    FUZZ_CHECK(strlen(name) > 0);
}

int usage_error(const char *cmd, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    FUZZ_CHECK(strlen(cmd) > 0);
    va_start(ap, fmt);
    (void)vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    return EXIT_USAGE;
}

int runtime_error(const char *cmd, const char *fmt, ...)
{
    (void)cmd;
    (void)fmt;
    FUZZ_CHECK(!"parse_tunnel reports no runtime errors");
    return EXIT_RUNTIME;
}

int option_error(const char *cmd, int opt, const char *arg)
{
    FUZZ_CHECK(opt == '?' || opt == ':');
    return usage_error(cmd, "option '%s': %s", arg, opt == ':' ? "needs a value" : "unknown");
}

static void getopt_full_reset(void)
{
    static char prog[] = "reset";
    char *argv[] = {prog, NULL};

    optind = 0;
    (void)getopt(1, argv, "");
}

/* An accepted set is complete and within the ranges the tunnel relies on. */
static void check_accepted(const struct tunnel_args *a)
{
    veiltun_prefix p;

    FUZZ_CHECK(a->dev != NULL && veiltun_validate_name(a->dev) == 0);
    FUZZ_CHECK(a->naddrs >= 1 && a->naddrs <= TUNNEL_MAX_ADDRS);
    for (size_t i = 0; i < a->naddrs; i++)
        FUZZ_CHECK(veiltun_parse_prefix(a->addrs[i], &p) == 0);
    FUZZ_CHECK(a->have_listen && a->peer_len > 0);
    FUZZ_CHECK(a->listen_len == 0 || a->listen.ss_family == a->peer.ss_family);
    FUZZ_CHECK(a->mtu == 0 || (a->mtu >= 68 && a->mtu <= 65535));
    FUZZ_CHECK(a->stats_interval <= 86400);
    FUZZ_CHECK(a->queues >= 1 && a->queues <= TUNNEL_MAX_QUEUES);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char cmd[] = "tunnel";
    char *argv[MAX_ARGS + 2], *text;
    struct tunnel_args a;
    int argc = 0, r;

    /* One exact-size copy: ASan sees any read past the last argument's NUL. */
    text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    argv[argc++] = cmd;
    for (size_t at = 0; at < size && argc <= MAX_ARGS; at += strlen(text + at) + 1)
        argv[argc++] = text + at;
    argv[argc] = NULL;
    getopt_full_reset();
    r = parse_tunnel(argc, argv, &a);
    FUZZ_CHECK(r == 0 || r == -1 || r == EXIT_USAGE);
    if (r == 0)
        check_accepted(&a);
    free(text);
    return 0;
}
