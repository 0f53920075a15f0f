/* SPDX-License-Identifier: MIT */
/* A second network namespace for tests (see second_ns.h). */
#include "second_ns.h"
#include "netns.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

static char name[64];
static pid_t owner;

static void remove_second(void)
{
    if (name[0] != '\0' && getpid() == owner)
        sh("ip netns del %s 2>/dev/null", name);
    name[0] = '\0';
}

const char *second_ns_make(const char *test)
{
    owner = getpid();
    snprintf(name, sizeof(name), "vt-%s-%d-b", test, (int)getpid());
    if (sh("ip netns add %s", name) != 0)
        TEST_FAIL("cannot create namespace %s", name);
    atexit(remove_second);
    if (sh("ip -n %s link set lo up", name) != 0)
        TEST_FAIL("cannot bring lo up in %s", name);
    return name;
}

int second_ns_fd(void)
{
    char path[128];
    int fd;

    snprintf(path, sizeof(path), "/run/netns/%s", name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        TEST_FAIL("open %s: %s", path, strerror(errno));
    return fd;
}

unsigned long long thread_netns_inode(void)
{
    struct stat st;

    if (stat("/proc/thread-self/ns/net", &st) < 0)
        TEST_FAIL("stat /proc/thread-self/ns/net: %s", strerror(errno));
    return (unsigned long long)st.st_ino;
}

void second_ns_run(void (*fn)(void *), void *arg)
{
    int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), there = second_ns_fd();

    if (home < 0 || setns(there, CLONE_NEWNET) < 0)
        TEST_FAIL("cannot enter %s: %s", name, strerror(errno));
    fn(arg);
    if (setns(home, CLONE_NEWNET) < 0)
        TEST_FAIL("cannot return from %s: %s", name, strerror(errno));
    close(home);
    close(there);
}
