/* SPDX-License-Identifier: MIT */
/* A translation unit that uses the header's types and macros, compiled as C and as C++ for
 * MSVC's ABI (header_msvc.sh): what a Visual C++ program using the mingw-built DLL sees. */
#include "veiltun.h"

int use_header(veiltun *dev);

int use_header(veiltun *dev)
{
    veiltun_config cfg;
    veiltun_info info;
    veiltun_event ev;
    veiltun_stats st;
    veiltun_packet pkt = {0, 0, 0, 0};
    int n = 0;

    veiltun_config_init(&cfg);
    n += veiltun_query("veil0", &info);
    n += veiltun_list(&info, 1);
    n += veiltun_next_event(dev, &ev);
    n += veiltun_get_stats(dev, &st, sizeof(st));
    n += veiltun_write_batch(dev, &pkt, 1);
#if VEILTUN_VERSION_AT_LEAST(0, 1, 0)
    n += VEILTUN_VERSION_HEX > 0;
#endif
    return n + (veiltun_wait_handle(dev) != 0) + (int)sizeof(veiltun_os_handle);
}
