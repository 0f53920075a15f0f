/* SPDX-License-Identifier: MIT */
/* Minimal assertions for veiltun's tests: each prints file, line, both expressions and both
 * values, then exits 1 (atexit handlers, such as namespace cleanup, still run). */
#ifndef VEILTUN_TEST_H
#define VEILTUN_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_SKIP_CODE 77

#define TEST_FAIL(...)                                                                             \
    do {                                                                                           \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                            \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        exit(1);                                                                                   \
    } while (0)

#define TEST_SKIP(why)                                                                             \
    do {                                                                                           \
        fprintf(stderr, "SKIP: %s\n", (why));                                                      \
        exit(TEST_SKIP_CODE);                                                                      \
    } while (0)

#define ASSERT_BASE(a, op, b)                                                                      \
    do {                                                                                           \
        intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                                           \
        if (!(a_ op b_))                                                                           \
            TEST_FAIL("assertion failed: %s %s %s (%jd vs %jd)", #a, #op, #b, a_, b_);             \
    } while (0)

#define ASSERT_EQ(a, b) ASSERT_BASE(a, ==, b)
#define ASSERT_NE(a, b) ASSERT_BASE(a, !=, b)
#define ASSERT_GT(a, b) ASSERT_BASE(a, >, b)
#define ASSERT_GE(a, b) ASSERT_BASE(a, >=, b)
#define ASSERT_LT(a, b) ASSERT_BASE(a, <, b)
#define ASSERT_LE(a, b) ASSERT_BASE(a, <=, b)
#define ASSERT_TRUE(x)  ASSERT_BASE(!!(x), ==, 1)

/* A veiltun call that must return 0; on failure prints the library's sentence. */
#define ASSERT_OK(expr)                                                                            \
    do {                                                                                           \
        int r_ = (expr);                                                                           \
        if (r_ != 0)                                                                               \
            TEST_FAIL("%s returned %d (%s)", #expr, r_, veiltun_strerror(r_));                     \
    } while (0)

#define ASSERT_STREQ(a, b)                                                                         \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                                       \
            TEST_FAIL("assertion failed: %s == %s (\"%s\" vs \"%s\")", #a, #b, a_ ? a_ : "(null)", \
                      b_ ? b_ : "(null)");                                                         \
    } while (0)

#endif
