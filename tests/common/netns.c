/* SPDX-License-Identifier: MIT */
#include "netns.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WATCHDOG_SECONDS 50

static char ns_name[64];
static pid_t owner_pid;

static int has_net_admin(void)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];

    if (syscall(SYS_capget, &hdr, data) < 0)
        return 0;
    return (data[0].effective >> CAP_NET_ADMIN) & 1;
}

void drop_net_admin(void)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];

    if (syscall(SYS_capget, &hdr, data) < 0)
        TEST_FAIL("capget: %s", strerror(errno));
    data[0].effective &= ~(1u << CAP_NET_ADMIN);
    data[0].permitted &= ~(1u << CAP_NET_ADMIN);
    data[0].inheritable &= ~(1u << CAP_NET_ADMIN);
    if (syscall(SYS_capset, &hdr, data) < 0)
        TEST_FAIL("capset: %s", strerror(errno));
}

/* fork+exec rather than system(): also used from signal handlers. */
static int run_argv(char *const argv[])
{
    int status;
    pid_t pid = fork();

    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void remove_namespace(void)
{
    char *argv[] = {(char *)"ip", (char *)"netns", (char *)"del", ns_name, NULL};

    if (ns_name[0] != '\0' && getpid() == owner_pid) {
        run_argv(argv);
        ns_name[0] = '\0';
    }
}

static void on_signal(int sig)
{
    remove_namespace();
    signal(sig, SIG_DFL);
    _exit(sig == SIGALRM ? 124 : 1);
}

void test_netns_enter(const char *test)
{
    char path[128];
    char *add[] = {(char *)"ip", (char *)"netns", (char *)"add", ns_name, NULL};
    int fd;

    if (!has_net_admin())
        TEST_SKIP("needs CAP_NET_ADMIN (run as root)");
    if (access("/dev/net/tun", R_OK | W_OK) != 0)
        TEST_SKIP("no usable /dev/net/tun");
    owner_pid = getpid();
    snprintf(ns_name, sizeof(ns_name), "vt-%s-%d", test, (int)getpid());
    if (run_argv(add) != 0) {
        ns_name[0] = '\0';
        TEST_SKIP("cannot create a network namespace (ip netns add failed)");
    }
    atexit(remove_namespace);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGALRM, on_signal);
    signal(SIGABRT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    alarm(WATCHDOG_SECONDS);
    snprintf(path, sizeof(path), "/run/netns/%s", ns_name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
        TEST_FAIL("cannot enter %s: %s", ns_name, strerror(errno));
    close(fd);
    if (sh("ip link set lo up") != 0)
        TEST_FAIL("cannot bring lo up in %s", ns_name);
}

__attribute__((format(printf, 1, 0))) static int vsh(const char *fmt, va_list ap)
{
    char cmd[1024];
    int status;

    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    status = system(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int sh(const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = vsh(fmt, ap);
    va_end(ap);
    return r;
}

__attribute__((format(printf, 1, 0))) static const char *vsh_out(const char *fmt, va_list ap)
{
    static char out[8192];
    char cmd[1024];
    size_t n = 0;
    FILE *p;

    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    out[0] = '\0';
    p = popen(cmd, "r");
    if (p == NULL)
        return out;
    n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    if (pclose(p) != 0)
        out[0] = '\0';
    while (n > 0 && out[n - 1] == '\n')
        out[--n] = '\0';
    return out;
}

const char *sh_out(const char *fmt, ...)
{
    va_list ap;
    const char *r;

    va_start(ap, fmt);
    r = vsh_out(fmt, ap);
    va_end(ap);
    return r;
}

long sh_num(const char *fmt, ...)
{
    va_list ap;
    const char *r;
    char *end;
    long v;

    va_start(ap, fmt);
    r = vsh_out(fmt, ap);
    va_end(ap);
    v = strtol(r, &end, 10);
    return (*r == '\0' || *end != '\0') ? -1 : v;
}

int link_exists(const char *name)
{
    return sh("ip link show dev %s >/dev/null 2>&1", name) == 0;
}

int spawn(const char *cmd)
{
    pid_t pid = fork();

    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return (int)pid;
}

int reap(int pid, int ms)
{
    int status;

    for (int waited = 0; waited <= ms; waited += 10) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}
