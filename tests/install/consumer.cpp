/* SPDX-License-Identifier: MIT */
/* A C++ program outside the project, built against the installed package's veiltun.hpp. */
#include <cstdio>
#include <system_error>
#include <veiltun.hpp>

int main()
{
    try {
        veil::validate_name("bad/name");
    } catch (const std::system_error &e) {
        std::printf("veiltun %s (C++): %s\n", veil::version(), e.what());
        return e.code().value() == VEILTUN_EBADNAME ? 0 : 1;
    }
    return 1;
}
