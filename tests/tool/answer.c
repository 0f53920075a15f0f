/* SPDX-License-Identifier: MIT */
/* The tool's reader of a tunnel's control-socket answer (tunnel_report.c, json.c): a valid
 * answer round-trips through the one table of counters; anything a squatter or a broken
 * tunnel might send (terminal escapes, non-ASCII, nesting, extra text, another version,
 * numbers out of range) is refused, and what show prints from an accepted answer is valid
 * JSON built by the tool. Needs no privileges. */
#include "test.h"
#include "tunnel_report.h"

#include <errno.h>

static const char *const refused[] = {
    "",
    "denied\n",
    "{}",
    "{\"version\":2,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"p\"}",
    "{\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"p\"}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\"}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"\\u001b[31mX\"}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"\033[2J\"}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"caf\303\251\"}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"\\u00e9\"}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"a\\u0000b\"}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"p\"}\n\033[2Jmore",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"p\"}],\"injected\":true",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"p\",\"x\":{\"y\":1}}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"p\",\"x\":[1]}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"p\",\"x\":true}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"p\",\"datagrams_in\":-1}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"p\",\"datagrams_in\":1.5}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"p\","
    "\"datagrams_in\":18446744073709551616}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"p\",\"datagrams_in\":\"1\"}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"p\",\"mtu\":70000}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0123456789abcd\",\"peer\":\"p\"}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"p\",\"offload\":\"a\\\"b\"}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"p\",}",
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"p\"",
    "{\"version\":1,\"status\":\"weird\",\"name\":\"vt0\",\"peer\":\"p\"}",
};

/* A report with every counter distinct, written and read back. */
static void round_trip(void)
{
    struct tunnel_report r, back;
    uint64_t *v = (uint64_t *)(void *)&r.c;
    char *text = NULL;
    size_t size = 0;
    FILE *f;

    memset(&r, 0, sizeof(r));
    strcpy(r.name, "vt0");
    strcpy(r.peer, "[fd00::2]:51820");
    strcpy(r.offload, "tso uso");
    r.mtu = 1420;
    for (size_t i = 0; i < sizeof(r.c) / sizeof(uint64_t); i++)
        v[i] = 1000 + i;
    v[0] = UINT64_MAX;
    f = open_memstream(&text, &size);
    report_write_answer(f, &r);
    fclose(f);
    ASSERT_EQ(report_read_answer(text, &back), 0);
    ASSERT_EQ(memcmp(&r, &back, sizeof(r)), 0);
    free(text);
}

int main(void)
{
    struct tunnel_report r;

    round_trip();
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        int err = report_read_answer(refused[i], &r);
        if (err != -EPROTO)
            TEST_FAIL("answer %zu accepted (%d): %s", i, err, refused[i]);
    }
    ASSERT_EQ(report_read_answer("{\"version\":1,\"status\":\"denied\"}\n", &r), -EACCES);
    /* Fields a later version adds are skipped; escapes below 0x80 that print are fine. */
    ASSERT_EQ(report_read_answer("{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":"
                                 "\"1.2.3.4:5\\u0041\",\"new\":\"x\",\"newer\":7}",
                                 &r),
              0);
    ASSERT_STREQ(r.peer, "1.2.3.4:5A");
    printf("PASS\n");
    return 0;
}
