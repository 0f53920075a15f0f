/* SPDX-License-Identifier: MIT */
/* veiltun: manage TUN devices and run a point-to-point IP-in-UDP tunnel. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const struct command commands[] = {
    {"up", cmd_up, "Create or attach to a device, configure it and bring it up",
     "up NAME [--addr CIDR]... [--mtu N] [--route CIDR[,via=GW][,metric=M]]... [--persist] "
     "[--owner USER] [--group GROUP]"},
    {"down", cmd_down, "Remove a device (persistent or not, if no program holds it)", "down NAME"},
    {"show", cmd_show, "Show devices in detail, with a running tunnel's counters",
     "show [NAME] [--json]"},
    {"list", cmd_list, "List TUN devices, one per line", "list [--json]"},
    {"tunnel", cmd_tunnel, "Run a point-to-point IP-in-UDP tunnel (cleartext)",
     "tunnel --dev NAME --addr CIDR [--addr CIDR]... --listen [ADDR]:PORT --peer HOST:PORT "
     "[--mtu N] [--persist] [--no-offload] [--no-tso] [--no-uso] [--no-gro] [--no-tcp-gro] "
     "[--no-udp-gro] [--queues N] [--busy-poll USEC] [--stats-interval SECONDS] "
     "[--user USER] [--group GROUP] [--ring-capacity BYTES] [--ring-grow] "
     "(the ring options act on Windows; Linux checks and ignores them)"},
    {"demo", cmd_demo, "Prove a tunnel between two network namespaces works, then clean up",
     "demo [--size MB]"},
    {NULL, NULL, NULL, NULL},
};

static void print_usage(FILE *f)
{
    fprintf(f, "Usage: veiltun [-v | --verbose] <command> [arguments]\n"
               "       veiltun -h | --help | --version\n\n"
               "-v, --verbose: print everything the library logs (by default only what explains "
               "a failure)\n\nCommands:\n");
    for (const struct command *c = commands; c->name; c++)
        fprintf(f, "  %-8s %s\n           veiltun %s\n", c->name, c->summary, c->synopsis);
    fprintf(f, "\nRun 'veiltun <command> -h' for a command's help; 'man veiltun' for more.\n");
}

void command_help(const char *name)
{
    for (const struct command *c = commands; c->name; c++) {
        if (strcmp(c->name, name) == 0)
            printf("%s.\nUsage: veiltun %s\n", c->summary, c->synopsis);
    }
}

__attribute__((format(printf, 3, 0))) static int vreport(int code, const char *cmd, const char *fmt,
                                                         va_list ap)
{
    /* A usage error is the tool's own finding, said in one line; a runtime failure is
     * explained by what the library logged on the way. */
    if (code == EXIT_USAGE)
        log_forget();
    else
        log_flush(cmd);
    fprintf(stderr, "veiltun: ");
    if (cmd)
        fprintf(stderr, "%s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    return code;
}

int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = vreport(EXIT_USAGE, cmd, fmt, ap);
    va_end(ap);
    return r;
}

int runtime_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = vreport(EXIT_RUNTIME, cmd, fmt, ap);
    va_end(ap);
    return r;
}

int option_error(const char *cmd, int opt, const char *arg)
{
    if (opt == ':')
        return usage_error(cmd, "option '%s' needs a value", arg);
    return usage_error(cmd, "unknown option '%s' (try 'veiltun %s -h')", arg, cmd);
}

int main(int argc, char **argv)
{
    int verbose = argc > 1 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--verbose") == 0);

    /* -v goes before the command, as ip's -d does: every command's own options stay its own. */
    argc -= verbose;
    argv += verbose;
    log_install(verbose);
    if (argc < 2)
        return print_usage(stderr), EXIT_USAGE;
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0)
        return print_usage(stdout), EXIT_OK;
    if (strcmp(argv[1], "--version") == 0) {
        printf("veiltun %s\n", veiltun_version());
        return EXIT_OK;
    }
    if (net_init() < 0)
        return runtime_error(NULL, "cannot initialise sockets");
    for (const struct command *c = commands; c->name; c++) {
        if (strcmp(argv[1], c->name) == 0)
            return c->run(argc - 1, argv + 1);
    }
    return usage_error(NULL, "unknown command '%s' (try 'veiltun --help')", argv[1]);
}
