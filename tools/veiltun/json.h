/* SPDX-License-Identifier: MIT */
/* Just enough JSON for show/list's output and for reading a tunnel's control-socket answer. */
#ifndef VEILTUN_JSON_H
#define VEILTUN_JSON_H

#include <stdint.h>
#include <stdio.h>

/* Writes @p s as a JSON string (quotes and escapes included). */
void json_string(FILE *f, const char *s);

/* One member of a flat object: a string (decoded, at most JSON_STRING_MAX bytes) or an
 * unsigned integer. */
#define JSON_STRING_MAX 127
struct json_value {
    int is_string;
    const char *string;
    uint64_t number;
};
typedef int (*json_member_fn)(const char *key, const struct json_value *v, void *ctx);

/* Reads @p text as one flat object {"key": value, ...}, values strings or unsigned integers,
 * nothing after it but white space; calls @p member for each member in order. Returns 0, or
 * -1 if the text is anything else or @p member returned a negative value. Strings may hold
 * \uXXXX escapes only below 0x80. */
int json_read_flat(const char *text, json_member_fn member, void *ctx);

#endif
