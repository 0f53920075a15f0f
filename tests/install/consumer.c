/* A program outside the project, built against the installed package. */
#include <stdio.h>
#include <string.h>
#include <veiltun.h>

int main(void)
{
    veiltun_prefix p;

    if (veiltun_parse_prefix("10.1.2.3/24", &p) != 0 || p.prefix_len != 24)
        return 1;
    printf("veiltun %s: %s\n", veiltun_version(), veiltun_strerror(VEILTUN_EPERM));
    return strcmp(veiltun_version(), "0.1.0") != 0;
}
