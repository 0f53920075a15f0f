/* SPDX-License-Identifier: MIT */
/* The parent project's program. Its code is its own business: the shadowed name below is
 * legal C that veiltun's own warnings (-Wshadow) would reject with -Werror, so it builds only
 * if veiltun keeps its warnings to itself. */
#include <stdio.h>
#include <veiltun.h>

int main(void)
{
    int n = 1;

    {
        int n = 2; /* shadows */
        (void)n;
    }
    printf("parent: veiltun %s\n", veiltun_version());
    return n == 1 ? 0 : 1;
}
