# SPDX-License-Identifier: MIT
# Cross-compile for 64-bit Windows with Debian's mingw-w64 (gcc-mingw-w64-x86-64, and
# g++-mingw-w64-x86-64 for the C++ tests).
# Tests run under Wine through CMAKE_CROSSCOMPILING_EMULATOR (a small wrapper script).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(TOOLCHAIN_PREFIX x86_64-w64-mingw32)

set(CMAKE_C_COMPILER   ${TOOLCHAIN_PREFIX}-gcc)       # -win32 thread model (Debian default alternative)
set(CMAKE_RC_COMPILER  ${TOOLCHAIN_PREFIX}-windres)

set(CMAKE_FIND_ROOT_PATH /usr/${TOOLCHAIN_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# C++ (only the C++ interface's tests and example use it) with g++-mingw-w64-x86-64 when it is
# installed. If not, the NOTFOUND value stops check_language(CXX) from looking further, where it
# would find the host's g++.
find_program(VEILTUN_MINGW_CXX ${TOOLCHAIN_PREFIX}-g++)
set(CMAKE_CXX_COMPILER ${VEILTUN_MINGW_CXX})

# Run test executables with Wine (ctest prefixes every test command with this).
set(CMAKE_CROSSCOMPILING_EMULATOR ${CMAKE_CURRENT_LIST_DIR}/../../scripts/wine-run.sh)
