/* SPDX-License-Identifier: MIT */
/* Names and CIDRs as a caller (or the tool's command line) passes them: any bytes up to a
 * NUL. A prefix that parses must format and parse back to the same value. */
#include "fuzz.h"
#include "internal.h"

#include <string.h>

static char text[512];

static void round_trip(int (*parse)(const char *, veiltun_prefix *))
{
    veiltun_prefix p, again;
    char out[VEILTUN_PREFIX_STRLEN];

    memset(&p, 0, sizeof(p));
    if (parse(text, &p) < 0)
        return;
    FUZZ_CHECK(veiltun_format_prefix(&p, out, sizeof(out)) > 0);
    memset(&again, 0, sizeof(again));
    FUZZ_CHECK(parse(out, &again) == 0);
    FUZZ_CHECK(memcmp(&p, &again, sizeof(p)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why = NULL;

    if (size >= sizeof(text))
        size = sizeof(text) - 1;
    memcpy(text, data, size);
    text[size] = 0;
    /* The public check and the internal one agree, and a refusal always says why. */
    FUZZ_CHECK((veiltun_validate_name(text) == 0) == (veiltun__check_name(text, &why) == 0));
    FUZZ_CHECK(veiltun__check_name(text, &why) == 0 || why != NULL);
    (void)veiltun__name_is_template(text);
    round_trip(veiltun_parse_prefix);
    round_trip(veiltun_parse_network);
    return 0;
}
