/* SPDX-License-Identifier: MIT */
/* Privileged tests: each runs in a network namespace of its own, made on entry and removed on
 * every way out (normal exit, failed assertion, signal, watchdog). */
#ifndef VEILTUN_TEST_NETNS_H
#define VEILTUN_TEST_NETNS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" { /* also used by the C++ tests (tests/cpp) */
#endif

/* Skips (exit 77, with the reason) without CAP_NET_ADMIN, /dev/net/tun or `ip netns`;
 * otherwise creates "vt-<test>-<pid>", enters it, brings lo up, and arms a watchdog. */
void test_netns_enter(const char *test);

/* Runs a shell command inside the namespace; returns its exit status. */
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs a command and returns its standard output with trailing newlines cut (static
 * buffer, valid until the next call); "" if it failed. */
const char *sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* sh_out() as a number (-1 if the output is not one). */
long sh_num(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 1 if the kernel has a link of that name in this namespace. */
int link_exists(const char *name);

/* Starts `cmd` in the background (a shell); returns its pid. */
int spawn(const char *cmd);
/* Waits up to @p ms for the child; returns its exit status, or -1 (then kills it). */
int reap(int pid, int ms);

/* Drops CAP_NET_ADMIN from this process (effective, permitted, inheritable). */
void drop_net_admin(void);

#ifdef __cplusplus
}
#endif

#endif
