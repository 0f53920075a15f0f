/* SPDX-License-Identifier: MIT */
/* The demo builds on Linux network namespaces; Windows has none. */
#include "cli.h"

int cmd_demo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return runtime_error("demo", "needs Linux network namespaces; on Windows, run 'veiltun "
                                 "tunnel' between two machines instead");
}
