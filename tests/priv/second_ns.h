/* SPDX-License-Identifier: MIT */
/* A second network namespace for tests that need a device or a handle elsewhere than in the
 * test's own namespace (netns.h): made with `ip netns`, removed on exit. */
#ifndef VEILTUN_TEST_SECOND_NS_H
#define VEILTUN_TEST_SECOND_NS_H

/* Creates "vt-<test>-<pid>-b" (removed by an atexit handler and on the watchdog's signals
 * through the process exiting); returns its name (static). Fails the test if it cannot. */
const char *second_ns_make(const char *test);

/* An fd of the namespace (O_RDONLY|O_CLOEXEC on /run/netns/NAME); the caller closes it. */
int second_ns_fd(void);

/* The inode of the calling thread's network namespace, to tell whether a call left it. */
unsigned long long thread_netns_inode(void);

/* Runs @p fn with the calling thread inside the second namespace, then returns home. */
void second_ns_run(void (*fn)(void *), void *arg);

#endif
