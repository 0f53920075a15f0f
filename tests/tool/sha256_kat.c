/* SPDX-License-Identifier: MIT */
/* Known answers for the demo's SHA-256 (tools/veiltun/demo/sha256.c), from FIPS 180-4's
 * examples: the demo's "MATCH" means something only if the hash is right. Needs no
 * privileges. */
#include "demo/sha256.h"
#include "test.h"

static void check(const char *data, size_t len, size_t repeat, const char *want)
{
    struct sha256 s;
    char hex[65];

    sha256_init(&s);
    for (size_t i = 0; i < repeat; i++)
        sha256_update(&s, data, len);
    sha256_final_hex(&s, hex);
    ASSERT_STREQ(hex, want);
}

int main(void)
{
    check("", 0, 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check("abc", 3, 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, 1,
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* One million 'a's, fed in pieces that straddle the 64-byte blocks. */
    check("aaaaaaaaaaaaaaaaaaaaaaaaa", 25, 40000,
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    printf("PASS\n");
    return 0;
}
