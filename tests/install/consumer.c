/* SPDX-License-Identifier: MIT */
/* A program outside the project, built against the installed package. */
#include <stdio.h>
#include <string.h>
#include <veiltun.h>

int main(void)
{
    veiltun_prefix p;
    char expected[32];

    if (veiltun_parse_prefix("10.1.2.3/24", &p) != 0 || p.prefix_len != 24)
        return 1;
    printf("veiltun %s: %s\n", veiltun_version(), veiltun_strerror(VEILTUN_EPERM));
#if !VEILTUN_VERSION_AT_LEAST(0, 1, 0) || VEILTUN_VERSION_AT_LEAST(99, 0, 0)
#error "VEILTUN_VERSION_AT_LEAST disagrees with the header's version"
#endif
    /* The library found at run time is the one this header describes. */
    snprintf(expected, sizeof(expected), "%d.%d.%d", VEILTUN_VERSION_MAJOR, VEILTUN_VERSION_MINOR,
             VEILTUN_VERSION_PATCH);
    return strcmp(veiltun_version(), expected) != 0;
}
