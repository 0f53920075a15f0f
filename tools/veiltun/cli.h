/* SPDX-License-Identifier: MIT */
/* The veiltun tool: subcommands, their shared argument helpers and exit codes. The tool
 * reaches devices only through the public API; it may print and choose exit codes. */
#ifndef VEILTUN_CLI_H
#define VEILTUN_CLI_H

#include "veiltun.h"

#include "net.h"
#include "tool_limits.h"

#include <stdint.h>

#define EXIT_OK      0
#define EXIT_RUNTIME 1
#define EXIT_USAGE   2

/* One subcommand: its name, its function, one line of help, and its synopsis. */
struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    const char *synopsis;
};

extern const struct command commands[];

int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_tunnel(int argc, char **argv);
int cmd_demo(int argc, char **argv);

/* Print a command's synopsis on stdout. */
void command_help(const char *name);

/* log.c: the library's log. Kept lines are printed when the command fails (runtime_error
 * calls log_flush first), forgotten when it tolerates a failure or finds a usage error. */
void log_install(int verbose);     /* verbose (-v): print every line as it comes */
void log_print_as_they_come(void); /* warnings and errors from now on (a running tunnel) */
void log_forget(void);
void log_flush(const char *cmd);

/* Print the library's kept log lines, then "veiltun: <cmd>: <message>"; return EXIT_USAGE /
 * EXIT_RUNTIME. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int runtime_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The message for getopt's '?' (unknown option) or ':' (missing value). */
int option_error(const char *cmd, int opt, const char *arg);

/* Argument parsers: 0, or -1 with a reason in @p why (static text). */
int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);
int parse_mtu(const char *s, unsigned *out, const char **why);
int parse_port(const char *s, uint16_t *out, const char **why);
/* A Wintun ring size: bytes, or with a K or M suffix (1024-based); a power of two from
 * VEILTUN_RING_MIN to VEILTUN_RING_MAX. */
int parse_ring_capacity(const char *s, uint32_t *out, const char **why);
/* "[ADDR]:PORT", "ADDR:PORT", ":PORT"; an empty address gives family 0 (any). */
int parse_listen(const char *s, struct sockaddr_storage *out, socklen_t *len, const char **why);
/* "HOST:PORT" / "[V6]:PORT"; HOST may be a name from /etc/hosts. */
int parse_peer(const char *s, struct sockaddr_storage *out, socklen_t *len, const char **why);
/* "CIDR[,via=GW][,metric=M]" into its parts (pointers into @p buf, a copy of @p s). */
struct route_spec {
    char buf[128];
    const char *dest, *via;
    uint32_t metric;
};
int parse_route(const char *s, struct route_spec *out, const char **why);
/* os_posix.c / os_windows.c: what differs between the OSes. */
/* A user or group by name or number (POSIX only; on Windows a usage error). */
int parse_user(const char *s, uint32_t *uid, uint32_t *gid, const char **why);
int parse_group(const char *s, uint32_t *gid, const char **why);
/* The owner of a device this tool creates when no --owner or --group names one: the caller
 * (as tunctl does), since Linux lets any user attach to, and so remove, a TUN device that has
 * no owner. -1 (none) on Windows, which has no such rule. */
int64_t default_owner(void);
/* Blocks until Ctrl-C (SIGINT/SIGTERM/SIGHUP, or the console's close). */
void wait_for_interrupt(void);
/* Whatever the OS needs before sockets are used (Winsock); 0 or -1. */
int net_init(void);

/* "addr:port" for messages. */
const char *format_sockaddr(const struct sockaddr_storage *ss, char *buf, size_t size);
/* 1 if @p a and @p b are the same address and port (family, port, address; nothing else,
 * such as an IPv6 flow label, counts). */
int same_endpoint(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

#endif
