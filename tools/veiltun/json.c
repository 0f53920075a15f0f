/* SPDX-License-Identifier: MIT */
/* JSON output for show/list, and a strict reader for the one shape the tool reads: a flat
 * object of strings and unsigned integers (a tunnel's control-socket answer). The reader is
 * small on purpose: what it does not know, it refuses. */
#include "json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* One escape after the backslash at @p p; the character in *out, the rest after it. */
static const char *read_escape(const char *p, char *out)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit = *p ? strchr(from, *p) : NULL;
    int v = 0;

    if (hit) {
        *out = to[hit - from];
        return p + 1;
    }
    if (*p != 'u')
        return NULL;
    for (int i = 1; i <= 4; i++) {
        int d = hex_digit(p[i]);
        if (d < 0)
            return NULL;
        v = v * 16 + d;
    }
    if (v == 0 || v >= 0x80) /* no NUL inside a C string; nothing but ASCII is expected */
        return NULL;
    *out = (char)v;
    return p + 5;
}

/* A string at @p p (its opening quote) into @p buf; returns what follows, or NULL. */
static const char *read_string(const char *p, char buf[JSON_STRING_MAX + 1])
{
    size_t n = 0;

    if (*p++ != '"')
        return NULL;
    while (*p != '"') {
        char c = *p++;
        if ((unsigned char)c < 0x20) /* also the end of the text */
            return NULL;
        if (c == '\\' && (p = read_escape(p, &c)) == NULL)
            return NULL;
        if (n == JSON_STRING_MAX)
            return NULL;
        buf[n++] = c;
    }
    buf[n] = '\0';
    return p + 1;
}

static const char *read_number(const char *p, uint64_t *out)
{
    char *end;

    if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
        return NULL;
    errno = 0;
    *out = strtoull(p, &end, 10);
    if (errno != 0 || *end == '.' || *end == 'e' || *end == 'E')
        return NULL;
    return end;
}

int json_read_flat(const char *text, json_member_fn member, void *ctx)
{
    char key[JSON_STRING_MAX + 1], str[JSON_STRING_MAX + 1];
    const char *p = skip_space(text);

    if (*p++ != '{')
        return -1;
    p = skip_space(p);
    if (*p == '}')
        return *skip_space(p + 1) == '\0' ? 0 : -1;
    for (;;) {
        struct json_value v = {0, NULL, 0};

        if ((p = read_string(p, key)) == NULL || *(p = skip_space(p)) != ':')
            return -1;
        p = skip_space(p + 1);
        if (*p == '"') {
            p = read_string(p, str);
            v = (struct json_value){1, str, 0};
        } else {
            p = read_number(p, &v.number);
        }
        if (p == NULL || member(key, &v, ctx) < 0)
            return -1;
        p = skip_space(p);
        if (*p == '}')
            return *skip_space(p + 1) == '\0' ? 0 : -1;
        if (*p++ != ',')
            return -1;
        p = skip_space(p);
    }
}
