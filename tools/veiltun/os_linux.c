/* SPDX-License-Identifier: MIT */
/* The tool's POSIX specifics: users and groups, waiting for Ctrl-C. */
#include "cli.h"

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

int parse_user(const char *s, uint32_t *uid, uint32_t *gid, const char **why)
{
    unsigned long v;
    struct passwd *pw;

    if (parse_uint(s, 0, UINT32_MAX - 1, &v) == 0) {
        pw = getpwuid((uid_t)v);
        *uid = (uint32_t)v;
        *gid = pw ? pw->pw_gid : (uint32_t)v;
        return 0;
    }
    pw = getpwnam(s);
    if (pw == NULL)
        return *why = "no such user", -1;
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return 0;
}

int parse_group(const char *s, uint32_t *gid, const char **why)
{
    unsigned long v;
    struct group *gr;

    if (parse_uint(s, 0, UINT32_MAX - 1, &v) == 0) {
        *gid = (uint32_t)v;
        return 0;
    }
    gr = getgrnam(s);
    if (gr == NULL)
        return *why = "no such group", -1;
    *gid = gr->gr_gid;
    return 0;
}

int64_t default_owner(void)
{
    return (int64_t)getuid();
}

void wait_for_interrupt(void)
{
    sigset_t set;
    int sig;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigwait(&set, &sig);
}

int net_init(void)
{
    return 0;
}
