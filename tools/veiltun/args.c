/* SPDX-License-Identifier: MIT */
/* Parsing the tool's arguments: numbers, ports, endpoints, routes, users. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int parse_mtu(const char *s, unsigned *out, const char **why)
{
    unsigned long v;

    if (parse_uint(s, VEILTUN_MTU_MIN, VEILTUN_MTU_MAX, &v) < 0)
        return *why = "must be a number from 68 to 65535", -1;
    *out = (unsigned)v;
    return 0;
}

int parse_ring_capacity(const char *s, uint32_t *out, const char **why)
{
    static const char *const range = "a power of two from 128K to 64M (bytes; K or M suffix)";
    char digits[16];
    size_t n = strspn(s, "0123456789"), shift = 0;
    unsigned long v;

    /* Binary units, as the ring's own limits are: K = 1024 bytes, M = 1024 K. */
    if (s[n] != '\0' && s[n + 1] == '\0' && strchr("kKmM", s[n]) != NULL)
        shift = (s[n] == 'k' || s[n] == 'K') ? 10 : 20;
    else if (s[n] != '\0')
        return *why = range, -1;
    if (n == 0 || n >= sizeof(digits))
        return *why = range, -1;
    memcpy(digits, s, n);
    digits[n] = '\0';
    if (parse_uint(digits, 1, VEILTUN_RING_MAX >> shift, &v) < 0)
        return *why = range, -1;
    v <<= shift;
    /* The library checks the same rule when the device opens (VEILTUN_EINVAL); checked here
     * too, so that a typo is a usage error before anything is set up. */
    if (v < VEILTUN_RING_MIN || (v & (v - 1)) != 0)
        return *why = range, -1;
    *out = (uint32_t)v;
    return 0;
}

int parse_port(const char *s, uint16_t *out, const char **why)
{
    unsigned long v;

    if (parse_uint(s, 1, 65535, &v) < 0)
        return *why = "port must be a number from 1 to 65535", -1;
    *out = (uint16_t)v;
    return 0;
}

/* Splits "host:port" or "[v6]:port" into @p host (copied) and the port text. */
static int split_endpoint(const char *s, char *host, size_t hsize, const char **port,
                          const char **why)
{
    const char *colon;
    size_t hlen;

    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':')
            return *why = "expected [IPV6]:PORT", -1;
        hlen = (size_t)(close - s - 1);
        s++;
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return *why = "expected ADDRESS:PORT", -1;
        if (memchr(s, ':', (size_t)(colon - s)) != NULL)
            return *why = "write IPv6 addresses in brackets: [ADDRESS]:PORT", -1;
        hlen = (size_t)(colon - s);
    }
    if (hlen >= hsize)
        return *why = "address too long", -1;
    memcpy(host, s, hlen);
    host[hlen] = '\0';
    *port = colon + 1;
    return 0;
}

static int resolve(const char *host, uint16_t port, int numeric, struct sockaddr_storage *out,
                   socklen_t *len, const char **why)
{
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res;

    hints.ai_flags = numeric ? AI_NUMERICHOST : 0;
    if (getaddrinfo(host, NULL, &hints, &res) != 0)
        return *why = numeric ? "not an IP address" : "cannot resolve the host name", -1;
    memcpy(out, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    if (out->ss_family == AF_INET)
        ((struct sockaddr_in *)out)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *)out)->sin6_port = htons(port);
    return 0;
}

/* "host:port" into an address; @p listening allows an empty host (any address) and wants
 * a numeric one, a peer may be a name. */
static int parse_endpoint(const char *s, int listening, struct sockaddr_storage *out,
                          socklen_t *len, const char **why)
{
    char host[256];
    const char *port_text;
    uint16_t port;

    memset(out, 0, sizeof(*out));
    if (split_endpoint(s, host, sizeof(host), &port_text, why) < 0 ||
        parse_port(port_text, &port, why) < 0)
        return -1;
    if (host[0] == '\0' && !listening)
        return *why = "the peer needs an address", -1;
    if (host[0] == '\0') {
        /* Any address; the family follows the peer's. */
        ((struct sockaddr_in *)out)->sin_port = htons(port);
        *len = 0;
        return 0;
    }
    return resolve(host, port, listening, out, len, why);
}

int parse_listen(const char *s, struct sockaddr_storage *out, socklen_t *len, const char **why)
{
    return parse_endpoint(s, 1, out, len, why);
}

int parse_peer(const char *s, struct sockaddr_storage *out, socklen_t *len, const char **why)
{
    return parse_endpoint(s, 0, out, len, why);
}

/* The next comma-separated field of @p *rest (NUL-terminated in place), or NULL. */
static char *next_field(char **rest)
{
    char *field = *rest, *comma;

    if (field == NULL)
        return NULL;
    comma = strchr(field, ',');
    *rest = comma ? comma + 1 : NULL;
    if (comma)
        *comma = '\0';
    return field;
}

int parse_route(const char *s, struct route_spec *out, const char **why)
{
    char *opt, *rest;
    unsigned long metric;

    memset(out, 0, sizeof(*out));
    if (strlen(s) >= sizeof(out->buf))
        return *why = "too long", -1;
    strcpy(out->buf, s);
    rest = out->buf;
    out->dest = next_field(&rest);
    if (out->dest[0] == '\0')
        return *why = "expected CIDR[,via=GW][,metric=M]", -1;
    while ((opt = next_field(&rest)) != NULL) {
        if (strncmp(opt, "via=", 4) == 0 && opt[4] != '\0')
            out->via = opt + 4;
        else if (strncmp(opt, "metric=", 7) == 0 &&
                 parse_uint(opt + 7, 0, UINT32_MAX, &metric) == 0)
            out->metric = (uint32_t)metric;
        else
            return *why = "options are via=GATEWAY and metric=NUMBER", -1;
    }
    return 0;
}

const char *format_sockaddr(const struct sockaddr_storage *ss, char *buf, size_t size)
{
    char addr[INET6_ADDRSTRLEN] = "?";

    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
        snprintf(buf, size, "[%s]:%u", addr, ntohs(s6->sin6_port));
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
        snprintf(buf, size, "%s:%u", addr, ntohs(s4->sin_port));
    }
    return buf;
}

int same_endpoint(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return 0;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
    }
    return 0;
}
