/* SPDX-License-Identifier: MIT */
/* show and list: devices as the OS reports them, plus a running tunnel's own counters. */
#include "cli.h"
#include "control.h"
#include "json.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_addresses_json(const char *name)
{
    veiltun_prefix p[SHOW_MAX_ADDRS];
    char text[VEILTUN_PREFIX_STRLEN];
    int n = veiltun_query_addresses(name, p, SHOW_MAX_ADDRS);

    fputs("\"addresses\":[", stdout);
    for (int i = 0; i < n && i < SHOW_MAX_ADDRS; i++) {
        veiltun_format_prefix(&p[i], text, sizeof(text));
        printf("%s\"%s\"", i ? "," : "", text);
    }
    fputc(']', stdout);
}

static void print_counters_json(const veiltun_os_counters *c)
{
    printf("\"counters\":{\"rx_packets\":%llu,\"rx_bytes\":%llu,\"rx_errors\":%llu,"
           "\"rx_dropped\":%llu,\"tx_packets\":%llu,\"tx_bytes\":%llu,\"tx_errors\":%llu,"
           "\"tx_dropped\":%llu}",
           (unsigned long long)c->rx_packets, (unsigned long long)c->rx_bytes,
           (unsigned long long)c->rx_errors, (unsigned long long)c->rx_dropped,
           (unsigned long long)c->tx_packets, (unsigned long long)c->tx_bytes,
           (unsigned long long)c->tx_errors, (unsigned long long)c->tx_dropped);
}

static const char *tristate(int v)
{
    return v < 0 ? "null" : v ? "true" : "false";
}

/* What the tunnel's status is when it gave no report: a word for JSON, a line for people. */
static void tunnel_status(int err, const char **status, const char **line)
{
    switch (err) {
    case -EACCES:
        *status = "denied";
        *line = "a tunnel runs here; only root or its user may read its counters";
        return;
    case -EPERM:
        *status = "untrusted";
        *line = "the control socket is held by neither root nor you: ignored";
        return;
    default:
        *status = "error";
        *line = "the tunnel's control socket gave no valid answer";
    }
}

/* null when no tunnel runs on the device; the answer is re-written from what was read, never
 * copied, so nothing the socket says can change this JSON's shape. */
static void print_tunnel_json(const char *name)
{
    struct tunnel_report r;
    const char *status, *line;
    int err = control_query(name, &r);

    fputs(",\"tunnel\":", stdout);
    if (err == 0) {
        report_print_json(stdout, &r);
    } else if (err == -ENOENT) {
        fputs("null", stdout);
    } else {
        tunnel_status(err, &status, &line);
        printf("{\"version\":%d,\"status\":\"%s\"", TUNNEL_REPORT_VERSION, status);
        if (err != -EACCES && err != -EPERM) {
            fputs(",\"error\":", stdout);
            json_string(stdout, strerror(-err));
        }
        fputc('}', stdout);
    }
}

static void print_json(const veiltun_info *d, int with_tunnel)
{
    fputs("{\"name\":", stdout);
    json_string(stdout, d->name);
    printf(",\"index\":%d,\"mtu\":%u,\"mtu6\":%u,\"up\":%s,\"running\":%s,\"persist\":%s,\"multi_"
           "queue\":%s,",
           d->index, d->mtu, d->mtu6, tristate(d->up), tristate(d->running), tristate(d->persist),
           tristate(d->multi_queue));
    printf("\"owner\":%lld,\"group\":%lld,", (long long)d->owner, (long long)d->group);
    print_addresses_json(d->name);
    fputc(',', stdout);
    print_counters_json(&d->counters);
    if (with_tunnel)
        print_tunnel_json(d->name);
    fputc('}', stdout);
}

static void print_addresses_text(const char *name, const char *sep, const char *indent)
{
    veiltun_prefix p[SHOW_MAX_ADDRS];
    char text[VEILTUN_PREFIX_STRLEN];
    int n = veiltun_query_addresses(name, p, SHOW_MAX_ADDRS);

    for (int i = 0; i < n && i < SHOW_MAX_ADDRS; i++) {
        veiltun_format_prefix(&p[i], text, sizeof(text));
        printf("%s%s%s%s", i ? sep : "", indent,
               p[i].family == VEILTUN_AF_INET ? "inet " : "inet6 ", text);
    }
}

static void print_text(const veiltun_info *d)
{
    const veiltun_os_counters *c = &d->counters;
    struct tunnel_report r;
    const char *status, *line;
    int err;

    printf("%s: index %d, %s%s, mtu %u", d->name, d->index, d->up ? "up" : "down",
           d->running ? ", in use" : "", d->mtu);
    if (d->mtu6 != 0 && d->mtu6 != d->mtu) /* Windows keeps one per family */
        printf(", ipv6 mtu %u", d->mtu6);
    if (d->persist > 0)
        fputs(", persistent", stdout);
    if (d->owner >= 0)
        printf(", owner %lld", (long long)d->owner);
    if (d->group >= 0)
        printf(", group %lld", (long long)d->group);
    putchar('\n');
    print_addresses_text(d->name, "\n", "  ");
    printf("%s  os counters: rx %llu packets (%llu bytes), tx %llu packets (%llu bytes), "
           "dropped rx %llu tx %llu, errors rx %llu tx %llu\n",
           veiltun_query_addresses(d->name, NULL, 0) > 0 ? "\n" : "",
           (unsigned long long)c->rx_packets, (unsigned long long)c->rx_bytes,
           (unsigned long long)c->tx_packets, (unsigned long long)c->tx_bytes,
           (unsigned long long)c->rx_dropped, (unsigned long long)c->tx_dropped,
           (unsigned long long)c->rx_errors, (unsigned long long)c->tx_errors);
    err = control_query(d->name, &r);
    if (err == 0) {
        report_print_text(stdout, "  ", &r);
    } else if (err != -ENOENT) {
        tunnel_status(err, &status, &line);
        printf("  %s%s%s\n", line, err == -EACCES || err == -EPERM ? "" : ": ",
               err == -EACCES || err == -EPERM ? "" : strerror(-err));
    }
}

static int parse_json_flag(const char *cmd, int argc, char **argv, int *json, const char **name)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int opt;

    *json = 0;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":hj", opts, NULL)) != -1) {
        if (opt == 'h')
            return command_help(cmd), -1;
        if (opt == '?' || opt == ':')
            return option_error(cmd, opt, argv[optind - 1]);
        *json = 1;
    }
    if (optind < argc && name != NULL)
        *name = argv[optind++];
    if (optind < argc)
        return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    return 0;
}

static int show_one(const char *name, int json)
{
    veiltun_info info;
    int err = veiltun_validate_name(name);

    if (err < 0)
        return usage_error("show", "bad device name '%s': %s", name, veiltun_strerror(err));
    err = veiltun_query(name, &info);
    if (err == VEILTUN_ENODEV)
        return runtime_error("show", "%s: no such device", name);
    if (err < 0)
        return runtime_error("show", "%s: %s", name, veiltun_strerror(err));
    if (json) {
        putchar('[');
        print_json(&info, 1);
        puts("]");
    } else {
        print_text(&info);
    }
    return EXIT_OK;
}

static int show_all(int json, int detailed)
{
    static veiltun_info devs[SHOW_MAX_DEVICES];
    int n = veiltun_list(devs, SHOW_MAX_DEVICES);

    if (n < 0)
        return runtime_error(detailed ? "show" : "list", "%s", veiltun_strerror(n));
    if (n > SHOW_MAX_DEVICES)
        n = SHOW_MAX_DEVICES;
    if (json)
        putchar('[');
    for (int i = 0; i < n; i++) {
        if (json) {
            if (i)
                putchar(',');
            print_json(&devs[i], detailed);
        } else if (detailed) {
            print_text(&devs[i]);
        } else {
            printf("%-15s index %-4d %-4s mtu %-5u ", devs[i].name, devs[i].index,
                   devs[i].up ? "up" : "down", devs[i].mtu);
            print_addresses_text(devs[i].name, " ", "");
            putchar('\n');
        }
    }
    if (json)
        puts("]");
    return EXIT_OK;
}

int cmd_show(int argc, char **argv)
{
    const char *name = NULL;
    int json, err = parse_json_flag("show", argc, argv, &json, &name);

    if (err)
        return err < 0 ? EXIT_OK : err;
    return name ? show_one(name, json) : show_all(json, 1);
}

int cmd_list(int argc, char **argv)
{
    int json, err = parse_json_flag("list", argc, argv, &json, NULL);

    if (err)
        return err < 0 ? EXIT_OK : err;
    return show_all(json, 0);
}
