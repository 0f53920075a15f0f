/* SPDX-License-Identifier: MIT */
/* Names, prefixes and networks: every accepted and rejected form. */
#include "test.h"
#include "veiltun.h"

struct name_case {
    const char *name;
    int expect;
};

static const struct name_case names[] = {
    {"veil0", 0},
    {"veil%d", 0},
    {"a", 0},
    {"123456789012345", 0}, /* 15 bytes: the longest */
    {"t\xc3\xbcn", 0},      /* "tün", valid UTF-8 */
    {"", VEILTUN_EBADNAME},
    {"1234567890123456", VEILTUN_ENAMETOOLONG},
    {".", VEILTUN_EBADNAME},
    {"..", VEILTUN_EBADNAME},
    {"a/b", VEILTUN_EBADNAME},
    {"a b", VEILTUN_EBADNAME},
    {"a\tb", VEILTUN_EBADNAME},
    {"a:1", VEILTUN_EBADNAME},
    {"a\x7f", VEILTUN_EBADNAME},
    {"\xff\xfe", VEILTUN_EBADNAME},         /* not UTF-8 */
    {"a\xc3", VEILTUN_EBADNAME},            /* truncated sequence */
    {"\xc0\xaf", VEILTUN_EBADNAME},         /* overlong '/' */
    {"\xed\xa0\x80", VEILTUN_EBADNAME},     /* UTF-16 surrogate */
    {"\xf4\x90\x80\x80", VEILTUN_EBADNAME}, /* past U+10FFFF */
    {"a%s", VEILTUN_EBADNAME},
    {"a%d%d", VEILTUN_EBADNAME},
    {"a%", VEILTUN_EBADNAME},
};

static void test_names(void)
{
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        int got = veiltun_validate_name(names[i].name);
        if (got != names[i].expect)
            TEST_FAIL("name case %zu: got %d, want %d", i, got, names[i].expect);
    }
    ASSERT_EQ(veiltun_validate_name(NULL), VEILTUN_EINVAL);
}

struct prefix_case {
    const char *text;
    int expect;
    int family;
    unsigned len;
    const char *canonical;
};

static const struct prefix_case prefixes[] = {
    {"10.0.0.1/24", 0, VEILTUN_AF_INET, 24, "10.0.0.1/24"},
    {"10.0.0.1", 0, VEILTUN_AF_INET, 32, "10.0.0.1/32"},
    {"0.0.0.0/0", 0, VEILTUN_AF_INET, 0, "0.0.0.0/0"},
    {"255.255.255.255/32", 0, VEILTUN_AF_INET, 32, "255.255.255.255/32"},
    {"fd00::1/64", 0, VEILTUN_AF_INET6, 64, "fd00::1/64"},
    {"::/0", 0, VEILTUN_AF_INET6, 0, "::/0"},
    {"2001:DB8:0:0::1/128", 0, VEILTUN_AF_INET6, 128, "2001:db8::1/128"},
    {"::ffff:10.0.0.1/96", 0, VEILTUN_AF_INET6, 96, "::ffff:10.0.0.1/96"},
    {"", VEILTUN_EBADADDR, 0, 0, NULL},
    {"/24", VEILTUN_EBADADDR, 0, 0, NULL},
    {"10.0.0/24", VEILTUN_EBADADDR, 0, 0, NULL},
    {"10.0.0.1/", VEILTUN_EBADADDR, 0, 0, NULL},
    {"10.0.0.1/x", VEILTUN_EBADADDR, 0, 0, NULL},
    {"10.0.0.1/-1", VEILTUN_EBADADDR, 0, 0, NULL},
    {"10.0.0.1/+8", VEILTUN_EBADADDR, 0, 0, NULL},
    {"10.0.0.1/08", VEILTUN_EBADADDR, 0, 0, NULL},
    {"10.0.0.1/8 ", VEILTUN_EBADADDR, 0, 0, NULL},
    {" 10.0.0.1/8", VEILTUN_EBADADDR, 0, 0, NULL},
    {"1.2.3.4.5/8", VEILTUN_EBADADDR, 0, 0, NULL},
    {"256.0.0.1/8", VEILTUN_EBADADDR, 0, 0, NULL},
    {"010.0.0.1/8", VEILTUN_EBADADDR, 0, 0, NULL},
    {"fe80::1%eth0/64", VEILTUN_EBADADDR, 0, 0, NULL},
    {"fd00:::1/64", VEILTUN_EBADADDR, 0, 0, NULL},
    {"10.0.0.1/24/1", VEILTUN_EBADADDR, 0, 0, NULL},
    {"10.0.0.1/33", VEILTUN_EBADPREFIX, 0, 0, NULL},
    {"10.0.0.1/4294967329", VEILTUN_EBADPREFIX, 0, 0, NULL}, /* 2^32 + 33: no wrap-around */
    {"fd00::1/129", VEILTUN_EBADPREFIX, 0, 0, NULL},
    {"fd00::1/1000", VEILTUN_EBADPREFIX, 0, 0, NULL},
};

static void test_prefixes(void)
{
    char buf[VEILTUN_PREFIX_STRLEN];

    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        const struct prefix_case *c = &prefixes[i];
        veiltun_prefix p;
        int got = veiltun_parse_prefix(c->text, &p);
        if (got != c->expect)
            TEST_FAIL("prefix \"%s\": got %d, want %d", c->text, got, c->expect);
        if (got != 0)
            continue;
        ASSERT_EQ(p.family, c->family);
        ASSERT_EQ(p.prefix_len, c->len);
        ASSERT_EQ(veiltun_format_prefix(&p, buf, sizeof(buf)), (int)strlen(c->canonical));
        ASSERT_STREQ(buf, c->canonical);
    }
}

static void test_networks(void)
{
    veiltun_prefix p;

    ASSERT_OK(veiltun_parse_network("10.0.0.0/24", &p));
    ASSERT_OK(veiltun_parse_network("0.0.0.0/0", &p));
    ASSERT_OK(veiltun_parse_network("10.0.0.1/32", &p));
    ASSERT_OK(veiltun_parse_network("fd00:1::/32", &p));
    ASSERT_OK(veiltun_parse_network("::/0", &p));
    ASSERT_EQ(veiltun_parse_network("10.0.0.1/24", &p), VEILTUN_EHOSTBITS);
    ASSERT_EQ(veiltun_parse_network("10.0.0.128/25", &p), 0);
    ASSERT_EQ(veiltun_parse_network("10.0.0.192/25", &p), VEILTUN_EHOSTBITS);
    ASSERT_EQ(veiltun_parse_network("1.0.0.0/0", &p), VEILTUN_EHOSTBITS);
    ASSERT_EQ(veiltun_parse_network("fd00::1/64", &p), VEILTUN_EHOSTBITS);
    ASSERT_EQ(veiltun_parse_network("fd00::8000:0:0:0/65", &p), 0);
    ASSERT_EQ(veiltun_parse_network("fd00::4000:0:0:0/65", &p), VEILTUN_EHOSTBITS);
    /* Syntax and range errors keep their own codes. */
    ASSERT_EQ(veiltun_parse_network("10.0.0.0/33", &p), VEILTUN_EBADPREFIX);
    ASSERT_EQ(veiltun_parse_network("10.0.0/8", &p), VEILTUN_EBADADDR);
}

static void test_format_limits(void)
{
    veiltun_prefix p;
    char small[8];

    ASSERT_OK(veiltun_parse_prefix("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", &p));
    ASSERT_EQ(veiltun_format_prefix(&p, small, sizeof(small)), VEILTUN_ENOBUFS);
    p.family = 5;
    ASSERT_EQ(veiltun_format_prefix(&p, small, sizeof(small)), VEILTUN_EINVAL);
    p.family = VEILTUN_AF_INET;
    p.prefix_len = 33;
    ASSERT_EQ(veiltun_format_prefix(&p, small, sizeof(small)), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_parse_prefix(NULL, &p), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_parse_prefix("10.0.0.1/8", NULL), VEILTUN_EINVAL);
}

int main(void)
{
    test_names();
    test_prefixes();
    test_networks();
    test_format_limits();
    return 0;
}
