/* SPDX-License-Identifier: MIT */
/* A tunnel's control-socket answer, as show reads it: whoever answers on the socket may send
 * anything. Whatever the reader accepts, show's JSON built from it must hold no raw control
 * character and its text none at all (no terminal escapes reach the user). */
#include "../tools/veiltun/tunnel_report.h"
#include "fuzz.h"

#include <string.h>

/* No byte below 0x20 (but the newlines between lines) nor 0x7f in what was printed. */
static void check_printable(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        FUZZ_CHECK(buf[i] == '\n' || ((unsigned char)buf[i] >= 0x20 && buf[i] != 0x7f));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tunnel_report r;
    char *text = malloc(size + 1), *out = NULL;
    size_t len = 0;
    FILE *f;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (report_read_answer(text, &r) == 0 && (f = open_memstream(&out, &len)) != NULL) {
        report_print_json(f, &r);
        report_print_text(f, "  ", &r);
        fclose(f);
        check_printable(out, len);
        free(out);
    }
    free(text);
    return 0;
}
