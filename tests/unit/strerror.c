/* SPDX-License-Identifier: MIT */
/* Every code has its own sentence; input errors do not pretend to be OS errors; a value
 * that is no code is still described, with its number and the OS's text. */
#include "test.h"
#include "veiltun.h"

#include <errno.h>
#if !defined(_WIN32)
#include <pthread.h>
#endif

static const int codes[] = {
    VEILTUN_EPERM,       VEILTUN_ENOENT,    VEILTUN_EIO,          VEILTUN_EBADF,
    VEILTUN_EAGAIN,      VEILTUN_ENOMEM,    VEILTUN_EBUSY,        VEILTUN_EEXIST,
    VEILTUN_ENODEV,      VEILTUN_EINVAL,    VEILTUN_EMFILE,       VEILTUN_ENAMETOOLONG,
    VEILTUN_EPROTO,      VEILTUN_EMSGSIZE,  VEILTUN_ENOTSUP,      VEILTUN_EADDRNOTAVAIL,
    VEILTUN_ENETUNREACH, VEILTUN_ENOBUFS,   VEILTUN_ETIMEDOUT,    VEILTUN_ECANCELED,
    VEILTUN_EBADNAME,    VEILTUN_EBADADDR,  VEILTUN_EBADPREFIX,   VEILTUN_EHOSTBITS,
    VEILTUN_EBADMTU,     VEILTUN_EBADFLAGS, VEILTUN_ENOTTUN,      VEILTUN_EBADPACKET,
    VEILTUN_EFAMILY,     VEILTUN_ENOLIB,    VEILTUN_EAFNOSUPPORT, VEILTUN_ENOTRECOVERABLE,
    VEILTUN_EINTR,       VEILTUN_EACCES,    VEILTUN_ENETDOWN,
};

static int is_unknown(const char *s)
{
    return strncmp(s, "unknown error", 13) == 0;
}

/* An unknown code's sentence: its number, and (negative) the C library's text. */
static void test_unknown(void)
{
    char want[160];
    const char *s = veiltun_strerror(-123);

    snprintf(want, sizeof(want), "unknown error -123 (OS: %s)", strerror(123));
    ASSERT_STREQ(s, want);
    ASSERT_TRUE(strstr(veiltun_strerror(-3999), "-3999") != NULL);
    ASSERT_TRUE(strstr(veiltun_strerror(12345), "12345") != NULL);
    ASSERT_TRUE(strstr(veiltun_strerror(-2147483647 - 1), "-2147483648") != NULL);
}

#if !defined(_WIN32)
static void *describe_other(void *arg)
{
    (void)arg;
    return (void *)veiltun_strerror(-124);
}

/* The buffer is per thread: another thread's unknown code does not overwrite ours. */
static void test_unknown_per_thread(void)
{
    const char *mine = veiltun_strerror(-123);
    char copy[160];
    pthread_t t;
    void *theirs;

    snprintf(copy, sizeof(copy), "%s", mine);
    ASSERT_EQ(pthread_create(&t, NULL, describe_other, NULL), 0);
    ASSERT_EQ(pthread_join(t, &theirs), 0);
    ASSERT_TRUE(theirs != (void *)mine);
    ASSERT_STREQ(mine, copy);
}
#else
static void test_unknown_per_thread(void)
{
}
#endif

int main(void)
{
    size_t n = sizeof(codes) / sizeof(codes[0]);

    ASSERT_STREQ(veiltun_strerror(0), "success");
    test_unknown();
    test_unknown_per_thread();
    for (size_t i = 0; i < n; i++) {
        const char *s = veiltun_strerror(codes[i]);
        ASSERT_LT(codes[i], 0);
        ASSERT_TRUE(s != NULL && s[0] != '\0');
        if (is_unknown(s))
            TEST_FAIL("code %d has no sentence", codes[i]);
        for (size_t j = 0; j < i; j++) {
            if (codes[i] == codes[j] || strcmp(s, veiltun_strerror(codes[j])) == 0)
                TEST_FAIL("codes %d and %d share a value or a sentence", codes[i], codes[j]);
        }
    }
    ASSERT_TRUE(strstr(veiltun_strerror(VEILTUN_EPERM), "CAP_NET_ADMIN") != NULL);
    /* Input errors live apart from errno values so they can never be mistaken for one. */
    ASSERT_LT(VEILTUN_EBADNAME, -4000);
    /* One source for the version: the header's numbers, as text, are the library's. */
    char expected[32];
    snprintf(expected, sizeof(expected), "%d.%d.%d", VEILTUN_VERSION_MAJOR, VEILTUN_VERSION_MINOR,
             VEILTUN_VERSION_PATCH);
    ASSERT_STREQ(veiltun_version(), expected);
    ASSERT_EQ(VEILTUN_VERSION_HEX,
              VEILTUN_VERSION_MAJOR << 16 | VEILTUN_VERSION_MINOR << 8 | VEILTUN_VERSION_PATCH);
    ASSERT_TRUE(VEILTUN_VERSION_AT_LEAST(0, 0, 1) && !VEILTUN_VERSION_AT_LEAST(255, 0, 0));
    return 0;
}
