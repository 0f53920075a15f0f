/* SPDX-License-Identifier: MIT */
/* A tunnel's counters: the table that names them, the control socket's answer (written by the
 * tunnel, read by show), and the text and JSON that people and scripts see (portable). */
#include "tunnel_report.h"
#include "json.h"

#include <errno.h>
#include <string.h>

#define FIELD(name) offsetof(struct tunnel_counters, name)
#define NONE        ((size_t)-1)

/* Every counter, once. A group is an object of its own in JSON and a line of its own in
 * text; a ratio is computed from two counters where it is printed, never sent. */
static const struct counter {
    const char *group; /* NULL: the top level */
    const char *name;
    size_t field;
    size_t per; /* NONE, or the counter this one is divided by (a ratio) */
} counters[] = {
    {NULL, "datagrams_in", FIELD(datagrams_in), NONE},
    {NULL, "bytes_in", FIELD(bytes_in), NONE},
    {NULL, "datagrams_out", FIELD(datagrams_out), NONE},
    {NULL, "bytes_out", FIELD(bytes_out), NONE},
    {"dropped", "wrong_peer", FIELD(drop_wrong_peer), NONE},
    {"dropped", "truncated", FIELD(drop_truncated), NONE},
    {"dropped", "malformed", FIELD(drop_malformed), NONE},
    {"dropped", "device", FIELD(drop_device), NONE},
    {"dropped", "send", FIELD(drop_send), NONE},
    {"batches", "device_reads", FIELD(device_reads), NONE},
    {"batches", "device_packets", FIELD(device_packets), NONE},
    {"batches", "packets_per_device_read", FIELD(device_packets), FIELD(device_reads)},
    {"batches", "socket_reads", FIELD(socket_reads), NONE},
    {"batches", "socket_datagrams", FIELD(socket_datagrams), NONE},
    {"batches", "datagrams_per_socket_read", FIELD(socket_datagrams), FIELD(socket_reads)},
    {"batches", "send_calls", FIELD(send_calls), NONE},
    {"batches", "gso_messages", FIELD(gso_messages), NONE},
    {"batches", "gro_messages", FIELD(gro_messages), NONE},
    {"batches", "socket_full", FIELD(socket_full), NONE},
    {"offload", "gso_splits", FIELD(gso_splits), NONE},
    {"offload", "gso_segments", FIELD(gso_segments), NONE},
    {"offload", "gro_merges", FIELD(gro_merges), NONE},
    {"offload", "gro_udp_merges", FIELD(gro_udp_merges), NONE},
};
#define NCOUNTERS (sizeof(counters) / sizeof(counters[0]))
static const char *const groups[] = {NULL, "dropped", "batches", "offload"};
#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

static uint64_t *slot(struct tunnel_counters *c, size_t field)
{
    return (uint64_t *)(void *)((char *)c + field);
}

static uint64_t value(const struct tunnel_counters *c, size_t field)
{
    return *(const uint64_t *)(const void *)((const char *)c + field);
}

static int same_group(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

void report_add_counters(struct tunnel_counters *a, const struct tunnel_counters *b)
{
    uint64_t *x = (uint64_t *)(void *)a;
    const uint64_t *y = (const uint64_t *)(const void *)b;

    for (size_t i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
        x[i] += y[i];
}

void report_add_device(struct tunnel_report *r, const veiltun *dev)
{
    veiltun_stats s;

    if (dev == NULL || veiltun_get_stats(dev, &s, sizeof(s)) < 0)
        return;
    r->c.device_packets += s.rx_packets;
    r->c.gso_splits += s.gso_splits;
    r->c.gso_segments += s.gso_segments;
    r->c.gro_merges += s.gro_merges;
    r->c.gro_udp_merges += s.gro_udp_merges;
}

void report_finish(struct tunnel_report *r)
{
    struct tunnel_counters *c = &r->c;

    /* Every datagram from the socket ends up written or dropped for one reason. */
    c->socket_datagrams = c->datagrams_in + c->drop_wrong_peer + c->drop_truncated +
                          c->drop_malformed + c->drop_device;
}

void report_describe(struct tunnel_report *r, const veiltun *dev, const char *peer, unsigned mtu)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {{VEILTUN_OFFLOAD_TSO, "tso"},
                 {VEILTUN_OFFLOAD_USO, "uso"},
                 {VEILTUN_OFFLOAD_TCP_GRO, "tcp-gro"},
                 {VEILTUN_OFFLOAD_UDP_GRO, "udp-gro"}};
    int on = veiltun_get_offload(dev);

    snprintf(r->name, sizeof(r->name), "%s", veiltun_get_name(dev));
    snprintf(r->peer, sizeof(r->peer), "%s", peer);
    r->mtu = mtu;
    r->offload[0] = '\0';
    for (size_t i = 0; on > 0 && i < sizeof(names) / sizeof(names[0]); i++) {
        if ((uint32_t)on & names[i].bit) {
            if (r->offload[0])
                strcat(r->offload, " ");
            strcat(r->offload, names[i].name);
        }
    }
}

/* ---- the control socket's answer ---- */

void report_write_answer(FILE *f, const struct tunnel_report *r)
{
    fprintf(f, "{\"version\":%d,\"status\":\"ok\",\"name\":", TUNNEL_REPORT_VERSION);
    json_string(f, r->name);
    fputs(",\"peer\":", f);
    json_string(f, r->peer);
    fprintf(f, ",\"mtu\":%u,\"offload\":", r->mtu);
    json_string(f, r->offload);
    for (size_t i = 0; i < NCOUNTERS; i++) {
        if (counters[i].per == NONE)
            fprintf(f, ",\"%s%s%s\":%llu", counters[i].group ? counters[i].group : "",
                    counters[i].group ? "." : "", counters[i].name,
                    (unsigned long long)value(&r->c, counters[i].field));
    }
    fputs("}\n", f);
}

void report_write_refusal(FILE *f)
{
    fprintf(f, "{\"version\":%d,\"status\":\"denied\"}\n", TUNNEL_REPORT_VERSION);
}

struct reading {
    struct tunnel_report *r;
    int version, status; /* status: 0 none yet, 1 ok, -EACCES denied */
};

static int printable(const char *s)
{
    for (; *s; s++) {
        if (*s < 0x20 || *s > 0x7e)
            return 0;
    }
    return 1;
}

static int copy_text(char *dst, size_t size, const struct json_value *v)
{
    if (!v->is_string || !printable(v->string) || strlen(v->string) >= size)
        return -1;
    strcpy(dst, v->string);
    return 0;
}

/* The counter named @p key ("group.name" or "name"), or NULL. */
static const struct counter *find_counter(const char *key)
{
    for (size_t i = 0; i < NCOUNTERS; i++) {
        const struct counter *c = &counters[i];
        size_t glen = c->group ? strlen(c->group) : 0;
        if (c->per != NONE)
            continue;
        if (c->group && (strncmp(key, c->group, glen) != 0 || key[glen] != '.'))
            continue;
        if (strcmp(key + (c->group ? glen + 1 : 0), c->name) == 0)
            return c;
    }
    return NULL;
}

static int read_member(const char *key, const struct json_value *v, void *ctx)
{
    struct reading *rd = ctx;
    const struct counter *c;

    if (strcmp(key, "version") == 0)
        return v->is_string ? -1 : (rd->version = v->number > 1000 ? -1 : (int)v->number, 0);
    if (strcmp(key, "status") == 0) {
        if (!v->is_string)
            return -1;
        rd->status = strcmp(v->string, "ok") == 0       ? 1
                     : strcmp(v->string, "denied") == 0 ? -EACCES
                                                        : -EPROTO;
        return 0;
    }
    if (strcmp(key, "name") == 0)
        return copy_text(rd->r->name, sizeof(rd->r->name), v);
    if (strcmp(key, "peer") == 0)
        return copy_text(rd->r->peer, sizeof(rd->r->peer), v);
    if (strcmp(key, "offload") == 0) /* feature names: words of a-z and '-' */
        return v->is_string && v->string[strspn(v->string, "abcdefghijklmnopqrstuvwxyz- ")]
                   ? -1
                   : copy_text(rd->r->offload, sizeof(rd->r->offload), v);
    if (strcmp(key, "mtu") == 0)
        return v->is_string || v->number > 65535 ? -1 : (rd->r->mtu = (unsigned)v->number, 0);
    if ((c = find_counter(key)) != NULL)
        return v->is_string ? -1 : (*slot(&rd->r->c, c->field) = v->number, 0);
    return 0; /* a field a later version added */
}

int report_read_answer(const char *text, struct tunnel_report *r)
{
    struct reading rd = {r, -1, 0};

    memset(r, 0, sizeof(*r));
    if (json_read_flat(text, read_member, &rd) < 0 || rd.version != TUNNEL_REPORT_VERSION)
        return -EPROTO;
    if (rd.status == 1 && r->name[0] != '\0' && r->peer[0] != '\0')
        return 0;
    return rd.status == -EACCES ? -EACCES : -EPROTO;
}

/* ---- text and JSON for show ---- */

static double ratio(const struct tunnel_counters *c, const struct counter *k)
{
    uint64_t per = value(c, k->per);

    return per ? (double)value(c, k->field) / (double)per : 0.0;
}

/* The counters of @p group, "name value" (text) or "\"name\":value" (JSON), comma-separated. */
static void print_group(FILE *f, const struct tunnel_counters *c, const char *group, int json)
{
    int first = 1;

    for (size_t i = 0; i < NCOUNTERS; i++) {
        const struct counter *k = &counters[i];
        if (!same_group(k->group, group))
            continue;
        fprintf(f, json ? "%s\"%s\":" : "%s%s ", first ? "" : (json ? "," : ", "), k->name);
        if (k->per != NONE)
            fprintf(f, "%.2f", ratio(c, k));
        else
            fprintf(f, "%llu", (unsigned long long)value(c, k->field));
        first = 0;
    }
}

void report_print_text(FILE *f, const char *indent, const struct tunnel_report *r)
{
    fprintf(f, "%stunnel %s: peer %s, mtu %u\n", indent, r->name, r->peer, r->mtu);
    for (size_t g = 0; g < NGROUPS; g++) {
        fprintf(f, "%s  %s: ", indent, groups[g] ? groups[g] : "traffic");
        if (groups[g] && strcmp(groups[g], "offload") == 0)
            fprintf(f, "%s; ", r->offload[0] ? r->offload : "off");
        print_group(f, &r->c, groups[g], 0);
        fputc('\n', f);
    }
}

/* The offload features, space-separated words, as a JSON list of strings. */
static void print_offload_list(FILE *f, const char *names)
{
    char word[sizeof(((struct tunnel_report *)0)->offload)];
    const char *p = names;
    int first = 1;

    fputc('[', f);
    while (*p) {
        size_t n = strcspn(p, " ");
        if (n > 0) {
            memcpy(word, p, n);
            word[n] = '\0';
            fputs(first ? "" : ",", f);
            json_string(f, word);
            first = 0;
        }
        p += n + (p[n] == ' ');
    }
    fputc(']', f);
}

void report_print_json(FILE *f, const struct tunnel_report *r)
{
    fprintf(f, "{\"version\":%d,\"status\":\"ok\",\"name\":", TUNNEL_REPORT_VERSION);
    json_string(f, r->name);
    fputs(",\"peer\":", f);
    json_string(f, r->peer);
    fprintf(f, ",\"mtu\":%u,", r->mtu);
    print_group(f, &r->c, NULL, 1);
    for (size_t g = 1; g < NGROUPS; g++) {
        fprintf(f, ",\"%s\":{", groups[g]);
        if (strcmp(groups[g], "offload") == 0) {
            fputs("\"device\":", f);
            print_offload_list(f, r->offload);
            fputc(',', f);
        }
        print_group(f, &r->c, groups[g], 1);
        fputc('}', f);
    }
    fputc('}', f);
}
