/* SPDX-License-Identifier: MIT */
/* veiltun_selftest.exe: checks what the real system does with the library, on a Windows
 * machine with the official signed wintun.dll beside the program, run as Administrator. It
 * uses only the public API (libveiltun.dll) and documented Win32/Winsock calls, never the
 * test double's exports, so it runs unchanged on real Windows; CI runs the very same program,
 * with the same (default) arguments, under Wine with the double bridged to a Linux TUN device
 * (tests/windows/bridge/selftest.sh).
 *
 * It creates an adapter, gives it an IPv4 and an IPv6 address, an MTU and a route per family
 * and reads them back; makes traffic itself, with no outside peer: its UDP sockets send to the
 * address after the adapter's own in its subnet (and into the routed networks), the OS routes
 * the datagrams into the adapter, a responder thread reads them from the device, turns each
 * into its reply and writes it back, and the sockets must receive every reply (one at a time,
 * at full MTU, in bursts); checks the counters; checks that veiltun_cancel() wakes a blocked
 * veiltun_wait(); closes the adapter, checks that it is gone, and opens the same name again.
 * The adapter exists only while the program runs (Wintun removes it when its process ends,
 * even on a crash). Output: "ok N - ..." / "not ok N - ...: details" lines and "# ..."
 * diagnostics. Exit code: 0 all passed, 1 a check failed, 77 not elevated, 2 bad arguments.
 * Every wait is bounded; the whole run takes seconds. */
#include "selftest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: veiltun_selftest [--name NAME] [--ipv4 ADDR/LEN] [--ipv6 ADDR/LEN]\n"
    "                        [--route4 NET/LEN] [--route6 NET/LEN] [--mtu N] [--burst N]\n"
    "                        [--port N]\n"
    "Run as Administrator, with wintun.dll and libveiltun.dll beside the program.\n"
    "Defaults: --name vt-selftest --ipv4 198.18.232.1/24 --ipv6 fd5e:1f7e:a71c::1/64\n"
    "          --route4 198.19.232.0/24 --route6 fd5e:1f7e:a71c:1::/64 --mtu 1380\n"
    "          --burst 256 --port 47807\n"
    "The datagrams go to the address after the adapter's own (198.18.232.2) and to .5 of the\n"
    "routed networks; pick networks no other interface of the machine uses.\n";

static unsigned long number(const char *text, unsigned long min, unsigned long max)
{
    char *end;
    unsigned long v = strtoul(text, &end, 10);

    return *text && !*end && v >= min && v <= max ? v : 0;
}

static int parse_options(struct options *o, int argc, char **argv)
{
    *o = (struct options){.name = "vt-selftest",
                          .addr4 = "198.18.232.1/24",
                          .addr6 = "fd5e:1f7e:a71c::1/64",
                          .route4 = "198.19.232.0/24",
                          .route6 = "fd5e:1f7e:a71c:1::/64",
                          .mtu = 1380,
                          .burst = 256,
                          .port = 47807};
    for (int i = 1; i < argc; i += 2) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (v == NULL)
            return -1;
        if (strcmp(k, "--name") == 0)
            o->name = v;
        else if (strcmp(k, "--ipv4") == 0)
            o->addr4 = v;
        else if (strcmp(k, "--ipv6") == 0)
            o->addr6 = v;
        else if (strcmp(k, "--route4") == 0)
            o->route4 = v;
        else if (strcmp(k, "--route6") == 0)
            o->route6 = v;
        /* 1280: IPv6's minimum; 2000: the responder's buffers */
        else if (strcmp(k, "--mtu") == 0 && (o->mtu = (unsigned)number(v, 1280, 2000)) != 0)
            continue;
        else if (strcmp(k, "--burst") == 0 && (o->burst = (unsigned)number(v, 1, 4096)) != 0)
            continue;
        else if (strcmp(k, "--port") == 0 && (o->port = (uint16_t)number(v, 1, 65535)) != 0)
            continue;
        else
            return -1;
    }
    return veiltun_validate_name(o->name) == 0 ? 0 : -1;
}

/* 1 if @p a and @p b have the same first @p bits bits. */
static int same_network(const unsigned char *a, const unsigned char *b, unsigned bits)
{
    for (unsigned i = 0; i < bits; i++) {
        unsigned mask = 0x80u >> (i % 8);
        if ((a[i / 8] & mask) != (b[i / 8] & mask))
            return 0;
    }
    return 1;
}

/* @p text (FAMILY, parsed as an address or, with @p network, a network) plus @p n in its
 * last bytes, into @p out (and as text): the address must stay in the prefix, and for IPv4
 * not be its broadcast address. Returns 0 or -1. */
static int address_plus(const char *text, int family, int network, unsigned n, unsigned char *out,
                        char *out_text, size_t size)
{
    veiltun_prefix p;
    size_t len = family == VEILTUN_AF_INET ? 4 : 16;
    unsigned carry = n, ones = 1;

    if ((network ? veiltun_parse_network(text, &p) : veiltun_parse_prefix(text, &p)) != 0 ||
        p.family != family)
        return -1;
    memcpy(out, p.addr, len);
    for (size_t i = len; i-- > 0 && carry;) {
        unsigned v = out[i] + carry;
        out[i] = (unsigned char)v;
        carry = v >> 8;
    }
    for (unsigned i = p.prefix_len; i < 8 * len; i++)
        ones &= (out[i / 8] >> (7 - i % 8)) & 1;
    if (carry || !same_network(out, p.addr, p.prefix_len) ||
        (family == VEILTUN_AF_INET && p.prefix_len < 31 && ones))
        return -1;
    return inet_ntop(family == VEILTUN_AF_INET ? AF_INET : AF_INET6, out, out_text, size) ? 0 : -1;
}

static int derive_addresses(struct run *r)
{
    return address_plus(r->o.addr4, VEILTUN_AF_INET, 0, 1, r->peer4, r->peer4_text, 64) ||
           address_plus(r->o.addr6, VEILTUN_AF_INET6, 0, 1, r->peer6, r->peer6_text, 64) ||
           address_plus(r->o.route4, VEILTUN_AF_INET, 1, 5, r->far4, r->far4_text, 64) ||
           address_plus(r->o.route6, VEILTUN_AF_INET6, 1, 5, r->far6, r->far6_text, 64);
}

/* A library call's result as a check. */
static int call_ok(int rc, const char *what)
{
    char d[160];

    snprintf(d, sizeof(d), "%s (OS error %d)", veiltun_strerror(rc), veiltun_last_os_error());
    return check(rc == 0, d, "%s", what);
}

static int no_leftover(const struct run *r)
{
    veiltun_info info;
    int q = veiltun_query(r->o.name, &info);
    char d[200];

    snprintf(d, sizeof(d), "veiltun_query says: %s%s", q == 0 ? "it exists" : veiltun_strerror(q),
             q == 0 ? " (another run still going? pick another --name)" : "");
    return check(q == VEILTUN_ENODEV, d, "no interface called \"%s\" before the test", r->o.name);
}

static const char *open_hint(int rc)
{
    switch (rc) {
    case VEILTUN_ENOLIB:
        return "; put the official wintun.dll (amd64) beside veiltun_selftest.exe";
    case VEILTUN_EPERM:
        return "; run it from an elevated PowerShell (Run as Administrator)";
    default:
        return "";
    }
}

static int open_device(struct run *r, veiltun **dev, const char *what)
{
    veiltun_config cfg;
    ULONGLONG t = GetTickCount64();
    int rc;
    char d[200];

    veiltun_config_init(&cfg);
    cfg.name = r->o.name;
    cfg.mode = VEILTUN_OPEN_CREATE;
    rc = veiltun_open(&cfg, dev);
    snprintf(d, sizeof(d), "%s (OS error %d)%s", veiltun_strerror(rc), veiltun_last_os_error(),
             open_hint(rc));
    if (!check(rc == 0, d, "%s \"%s\" (%llu ms)", what, r->o.name,
               (unsigned long long)(GetTickCount64() - t)))
        return 0;
    return check(veiltun_created(*dev) == 1 && strcmp(veiltun_get_name(*dev), r->o.name) == 0,
                 veiltun_get_name(*dev), "the handle created the device and names it \"%s\"",
                 r->o.name);
}

static void configure(struct run *r)
{
    char what[160];

    snprintf(what, sizeof(what), "veiltun_add_address %s", r->o.addr4);
    call_ok(veiltun_add_address(r->dev, r->o.addr4), what);
    snprintf(what, sizeof(what), "veiltun_add_address %s", r->o.addr6);
    call_ok(veiltun_add_address(r->dev, r->o.addr6), what);
    snprintf(what, sizeof(what), "veiltun_set_mtu %u", r->o.mtu);
    call_ok(veiltun_set_mtu(r->dev, r->o.mtu), what);
    call_ok(veiltun_set_up(r->dev, 1), "veiltun_set_up 1");
    snprintf(what, sizeof(what), "veiltun_add_route %s (on-link)", r->o.route4);
    call_ok(veiltun_add_route(r->dev, r->o.route4, NULL, 0), what);
    snprintf(what, sizeof(what), "veiltun_add_route %s (on-link)", r->o.route6);
    call_ok(veiltun_add_route(r->dev, r->o.route6, NULL, 0), what);
}

/* 1 if @p list of @p n holds the address @p text with its prefix length. */
static int has_address(const veiltun_prefix *list, int n, const char *text)
{
    veiltun_prefix want;

    if (veiltun_parse_prefix(text, &want) != 0)
        return 0;
    for (int i = 0; i < n; i++) {
        if (list[i].family == want.family && list[i].prefix_len == want.prefix_len &&
            memcmp(list[i].addr, want.addr, 16) == 0)
            return 1;
    }
    return 0;
}

static void check_addresses(const struct run *r, int n, const veiltun_prefix *list, const char *how)
{
    char d[200] = "", text[VEILTUN_PREFIX_STRLEN];

    for (int i = 0; i < n && i < 16; i++) {
        if (veiltun_format_prefix(&list[i], text, sizeof(text)) > 0 &&
            strlen(d) + strlen(text) + 2 < sizeof(d))
            strcat(strcat(d, d[0] ? " " : ""), text);
    }
    note("%s: %d addresses: %s", how, n, d);
    check(n > 0 && has_address(list, n, r->o.addr4) && has_address(list, n, r->o.addr6), d,
          "%s has %s and %s", how, r->o.addr4, r->o.addr6);
}

static void read_back(struct run *r)
{
    veiltun_prefix list[32];
    veiltun_info info;
    int n, mtu = veiltun_get_mtu(r->dev), q;
    char d[200];

    snprintf(d, sizeof(d), "%d", mtu);
    check(mtu == (int)r->o.mtu, d, "veiltun_get_mtu gives %u", r->o.mtu);
    n = veiltun_get_addresses(r->dev, list, 32);
    check_addresses(r, n < 32 ? n : 32, list, "veiltun_get_addresses");
    n = veiltun_query_addresses(r->o.name, list, 32);
    check_addresses(r, n < 32 ? n : 32, list, "veiltun_query_addresses");
    q = veiltun_query(r->o.name, &info);
    snprintf(d, sizeof(d), "%s; index %d (handle: %d), mtu %u, mtu6 %u, up %d, running %d",
             veiltun_strerror(q), info.index, veiltun_get_index(r->dev), info.mtu, info.mtu6,
             info.up, info.running);
    note("veiltun_query: %s", d);
    check(q == 0 && info.index == veiltun_get_index(r->dev) && info.mtu == r->o.mtu &&
              info.mtu6 == r->o.mtu && info.up == 1,
          d, "veiltun_query finds it: same index, mtu and mtu6 %u, up", r->o.mtu);
}

/* veiltun_query of the name must say VEILTUN_ENODEV within 5 s. */
static void check_gone(const struct run *r, const char *after)
{
    ULONGLONG start = GetTickCount64();
    veiltun_info info;
    int q;

    while ((q = veiltun_query(r->o.name, &info)) != VEILTUN_ENODEV &&
           GetTickCount64() - start < 5000)
        Sleep(50);
    check(q == VEILTUN_ENODEV, veiltun_strerror(q),
          "after %s, veiltun_query(\"%s\") gives VEILTUN_ENODEV (%llu ms)", after, r->o.name,
          (unsigned long long)(GetTickCount64() - start));
}

static void close_and_reopen(struct run *r)
{
    veiltun *again = NULL;
    veiltun_info info;

    veiltun_close(r->dev);
    r->dev = NULL;
    check_gone(r, "veiltun_close");
    if (!open_device(r, &again, "an open right after, same name, creates"))
        return;
    check(veiltun_query(r->o.name, &info) == 0 && info.index == veiltun_get_index(again), NULL,
          "veiltun_query finds the new one");
    veiltun_close(again);
    check_gone(r, "closing it too");
}

static void run_all(struct run *r)
{
    if (!no_leftover(r) || !open_device(r, &r->dev, "veiltun_open creates"))
        return;
    report_wintun_dll();
    configure(r);
    read_back(r);
    traffic(r);
    if (!r->abandoned)
        cancel_wakes_waiter(r);
    if (r->abandoned) {
        /* A thread may still use the handle: closing it under that thread would be a
         * use-after-free. Wintun removes the adapter when the process ends. */
        note("a thread did not end: the adapter is left to the end of the process");
        return;
    }
    close_and_reopen(r);
}

static void make_tag(unsigned char *tag)
{
    ULONGLONG seed = GetTickCount64() ^ ((ULONGLONG)GetCurrentProcessId() << 32);
    LARGE_INTEGER pc;

    QueryPerformanceCounter(&pc);
    seed ^= (ULONGLONG)pc.QuadPart;
    memcpy(tag, MAGIC, MAGIC_LEN);
    for (int i = 0; i < 8; i++)
        tag[MAGIC_LEN + i] = (unsigned char)(seed >> (8 * i));
}

int main(int argc, char **argv)
{
    static struct run r;
    WSADATA wsa;

    report_init();
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return SELFTEST_PASS;
    }
    if (parse_options(&r.o, argc, argv) != 0 || derive_addresses(&r) != 0) {
        fputs(usage, stderr);
        return SELFTEST_USAGE;
    }
    report_header();
    note("device %s: %s (peer %s) and %s (peer %s), routes %s (to %s) and %s (to %s), MTU %u, "
         "bursts of %u, UDP port %u",
         r.o.name, r.o.addr4, r.peer4_text, r.o.addr6, r.peer6_text, r.o.route4, r.far4_text,
         r.o.route6, r.far6_text, r.o.mtu, r.o.burst, (unsigned)r.o.port);
    if (!process_elevated()) {
        printf("1..0 # SKIP not elevated: run it from an elevated PowerShell (Run as "
               "Administrator)\n# summary: skipped; exit code %d\n",
               SELFTEST_SKIP);
        return SELFTEST_SKIP;
    }
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
        check(0, "WSAStartup failed", "Winsock");
        return report_finish();
    }
    veiltun_set_logger(report_logger, NULL);
    r.udp.port = r.o.port;
    r.udp.s4 = r.udp.s6 = INVALID_SOCKET;
    make_tag(r.udp.tag);
    run_all(&r);
    veiltun_set_logger(NULL, NULL);
    return report_finish();
}
