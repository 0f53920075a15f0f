/* SPDX-License-Identifier: MIT */
/* What the C++ tests add to test.h's assertions. */
#ifndef VEILTUN_CPPTEST_H
#define VEILTUN_CPPTEST_H

#include "test.h"

#include <string>

/* ASSERT_STREQ for a std::string result, kept alive while it is compared. */
#define ASSERT_STRING(s, expected)                                                                 \
    do {                                                                                           \
        const std::string str_ = (s);                                                              \
        ASSERT_STREQ(str_.c_str(), (expected));                                                    \
    } while (0)

#endif
