/* Just enough JSON output for show/list and the tunnel's control socket. */
#ifndef VEILTUN_JSON_H
#define VEILTUN_JSON_H

#include <stdio.h>

/* Writes @p s as a JSON string (quotes and escapes included). */
void json_string(FILE *f, const char *s);

#endif
