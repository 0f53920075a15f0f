/* SPDX-License-Identifier: MIT */
/* Linked into the targets that reach the tool's endpoint parsers with -Wl,--wrap=getaddrinfo:
 * every lookup becomes numeric-only. A name the tool would resolve through /etc/hosts or DNS
 * is then refused, so a fuzzer never waits on (or floods) a resolver; numeric addresses, the
 * part the tool parses itself, still go through the real getaddrinfo. The __wrap_/__real_
 * names are the linker's convention. */
#include <netdb.h>
#include <string.h>

int __real_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                       struct addrinfo **res);
int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                       struct addrinfo **res);

int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                       struct addrinfo **res)
{
    struct addrinfo h;

    memset(&h, 0, sizeof(h));
    if (hints != NULL)
        h = *hints;
    h.ai_flags |= AI_NUMERICHOST;
    return __real_getaddrinfo(node, service, &h, res);
}
