/* SPDX-License-Identifier: MIT */
/* Parsing and validation of what callers type: device names, addresses with prefixes, MTUs.
 * Pure functions: nothing here touches the system. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#if defined(_WIN32)
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <sys/socket.h>
#endif

/* Length of the well-formed UTF-8 sequence at @p s, or 0 if it is not one (overlong forms,
 * surrogates and code points past U+10FFFF are rejected, as RFC 3629 requires). */
static size_t utf8_sequence_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t len, i;
    uint32_t cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

static int is_forbidden_ascii(unsigned char c)
{
    return c < 0x20 || c == 0x7f || c == ' ' || c == '/' || c == ':';
}

int veiltun__name_is_template(const char *name)
{
    return strchr(name, '%') != NULL;
}

/* The kernel expands exactly one "%d" and rejects any other use of '%'. */
static int check_template(const char *name)
{
    const char *p = strchr(name, '%');

    if (p == NULL)
        return 1;
    return p[1] == 'd' && strchr(p + 2, '%') == NULL;
}

int veiltun__check_name(const char *name, const char **why)
{
    size_t len, i, step;

    *why = NULL;
    if (name == NULL)
        return veiltun__fail_os(VEILTUN_EINVAL, 0);
    len = strlen(name);
    if (len == 0)
        return *why = "is empty", VEILTUN_EBADNAME;
    if (len > VEILTUN_NAME_MAX)
        return *why = "is longer than 15 bytes", VEILTUN_ENAMETOOLONG;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return *why = "is \".\" or \"..\"", VEILTUN_EBADNAME;
    for (i = 0; i < len; i += step) {
        const unsigned char *c = (const unsigned char *)name + i;
        if (is_forbidden_ascii(*c))
            return *why = "contains '/', ':', whitespace or a control character", VEILTUN_EBADNAME;
        step = utf8_sequence_len(c);
        if (step == 0)
            return *why = "is not valid UTF-8", VEILTUN_EBADNAME;
    }
    if (!check_template(name))
        return *why = "uses '%' other than in a single \"%d\"", VEILTUN_EBADNAME;
    return 0;
}

int veiltun_validate_name(const char *name)
{
    const char *why;
    int err = veiltun__check_name(name, &why);

    if (err < 0 && why != NULL)
        return veiltun__fail_input(err, "device name %s", why);
    return err;
}

int veiltun__check_mtu(unsigned mtu)
{
    if (mtu < VEILTUN_MTU_MIN || mtu > VEILTUN_MTU_MAX)
        return veiltun__fail_input(VEILTUN_EBADMTU, "MTU %u is outside %d-%d", mtu, VEILTUN_MTU_MIN,
                                   VEILTUN_MTU_MAX);
    return 0;
}

size_t veiltun__family_bits(int family)
{
    return family == VEILTUN_AF_INET ? 32 : 128;
}

/* "/N": decimal, no sign, no leading zero; returns the value or -1 on bad syntax. */
static long parse_prefix_len(const char *s)
{
    long v = 0;
    size_t i;

    if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
        return -1;
    for (i = 0; s[i] != '\0'; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        if (v < 1000)
            v = v * 10 + (s[i] - '0');
    }
    return v;
}

int veiltun_parse_prefix(const char *text, veiltun_prefix *out)
{
    char addr[INET6_ADDRSTRLEN];
    const char *slash;
    size_t alen;
    long plen;

    if (text == NULL || out == NULL)
        return veiltun__fail_input(VEILTUN_EINVAL, "address: NULL argument");
    memset(out, 0, sizeof(*out));
    slash = strchr(text, '/');
    alen = slash ? (size_t)(slash - text) : strlen(text);
    if (alen == 0 || alen >= sizeof(addr))
        return veiltun__fail_input(VEILTUN_EBADADDR, "address \"%.60s\": bad length", text);
    memcpy(addr, text, alen);
    addr[alen] = '\0';
    out->family = strchr(addr, ':') ? VEILTUN_AF_INET6 : VEILTUN_AF_INET;
    if (inet_pton(out->family == VEILTUN_AF_INET ? AF_INET : AF_INET6, addr, out->addr) != 1)
        return veiltun__fail_input(VEILTUN_EBADADDR, "address \"%.60s\": not an IP address", text);
    plen = slash ? parse_prefix_len(slash + 1) : (long)veiltun__family_bits(out->family);
    if (plen < 0)
        return veiltun__fail_input(VEILTUN_EBADADDR, "address \"%.60s\": bad prefix length", text);
    if ((size_t)plen > veiltun__family_bits(out->family))
        return veiltun__fail_input(VEILTUN_EBADPREFIX, "address \"%.60s\": prefix too long", text);
    out->prefix_len = (unsigned)plen;
    return 0;
}

static int has_host_bits(const veiltun_prefix *p)
{
    size_t bits = veiltun__family_bits(p->family), i;

    for (i = p->prefix_len; i < bits; i++) {
        if (p->addr[i / 8] & (0x80u >> (i % 8)))
            return 1;
    }
    return 0;
}

int veiltun_parse_network(const char *text, veiltun_prefix *out)
{
    int err = veiltun_parse_prefix(text, out);

    if (err == 0 && has_host_bits(out))
        return veiltun__fail_input(VEILTUN_EHOSTBITS,
                                   "network \"%.60s\": bits set past the prefix length", text);
    return err;
}

int veiltun_format_prefix(const veiltun_prefix *p, char *buf, size_t size)
{
    char addr[INET6_ADDRSTRLEN], tmp[VEILTUN_PREFIX_STRLEN];
    int af, n;

    if (p == NULL || buf == NULL ||
        (p->family != VEILTUN_AF_INET && p->family != VEILTUN_AF_INET6) ||
        p->prefix_len > veiltun__family_bits(p->family))
        return veiltun__fail_os(VEILTUN_EINVAL, 0);
    af = p->family == VEILTUN_AF_INET ? AF_INET : AF_INET6;
    if (inet_ntop(af, p->addr, addr, sizeof(addr)) == NULL)
        return veiltun__fail_os(VEILTUN_EINVAL, 0);
    n = snprintf(tmp, sizeof(tmp), "%s/%u", addr, p->prefix_len);
    if (n < 0 || (size_t)n >= size)
        return veiltun__fail_os(VEILTUN_ENOBUFS, 0);
    memcpy(buf, tmp, (size_t)n + 1);
    return n;
}
