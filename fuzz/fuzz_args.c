/* SPDX-License-Identifier: MIT */
/* The tool's argument parsers, on any text (fields separated by NUL bytes, each tried by
 * every parser): numbers, MTUs, ports, listen and peer endpoints, routes. Host names are
 * not resolved here (no_dns.c makes every lookup numeric-only). */
#include "../tools/veiltun/cli.h"
#include "fuzz.h"

#include <string.h>

static char field[256];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t at = 0;

    while (at < size) {
        const uint8_t *end = memchr(data + at, 0, size - at);
        size_t len = end ? (size_t)(end - (data + at)) : size - at;
        struct sockaddr_storage ss;
        struct route_spec route;
        const char *why = NULL;
        unsigned long u;
        unsigned mtu;
        uint16_t port;
        socklen_t sl = 0;
        char text[80];

        if (len >= sizeof(field))
            len = sizeof(field) - 1;
        memcpy(field, data + at, len);
        field[len] = 0;
        at += len + 1;
        if (parse_uint(field, 1, 86400, &u) == 0)
            FUZZ_CHECK(u >= 1 && u <= 86400);
        if (parse_mtu(field, &mtu, &why) == 0)
            FUZZ_CHECK(mtu >= 68 && mtu <= 65535);
        (void)parse_port(field, &port, &why);
        /* A length of 0 means "any address, the peer's family": nothing to format. */
        if (parse_listen(field, &ss, &sl, &why) == 0 && sl > 0)
            FUZZ_CHECK(format_sockaddr(&ss, text, sizeof(text)) != NULL);
        if (parse_peer(field, &ss, &sl, &why) == 0) {
            FUZZ_CHECK(sl > 0 && format_sockaddr(&ss, text, sizeof(text)) != NULL);
            FUZZ_CHECK(same_endpoint(&ss, &ss));
        }
        (void)parse_route(field, &route, &why);
    }
    return 0;
}
