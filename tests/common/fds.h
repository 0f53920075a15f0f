/* SPDX-License-Identifier: MIT */
/* Fault tests check that a failure leaves nothing behind: open descriptors are counted
 * before and after (memory is LeakSanitizer's job in the ASan build). */
#ifndef VEILTUN_TEST_FDS_H
#define VEILTUN_TEST_FDS_H

#include <dirent.h>
#include <stddef.h>

/* Entries of /proc/self/fd, not counting the directory stream used to read them. */
static inline int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    if (d == NULL)
        return -1;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n - 3; /* ".", ".." and the stream's own descriptor */
}

#endif
