# SPDX-License-Identifier: MIT
# Install rules: headers, both libraries, a CMake package (find_package(veiltun)) and a
# pkg-config file (pkg-config --cflags --libs veiltun).
install(TARGETS veiltun veiltun_static EXPORT veiltun-targets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES include/veiltun.h include/veiltun.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES examples/minimal.c examples/echo.c examples/cpp_device.cpp
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
# The C reference (man 3 veiltun): the pages and their one-line .so aliases, all committed.
install(DIRECTORY docs/man3/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man3 FILES_MATCHING PATTERN "*.3")

set(veiltun_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/veiltun)
install(EXPORT veiltun-targets NAMESPACE veiltun:: DESTINATION ${veiltun_cmake_dir})
configure_package_config_file(cmake/veiltun-config.cmake.in
    ${PROJECT_BINARY_DIR}/veiltun-config.cmake INSTALL_DESTINATION ${veiltun_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/veiltun-config-version.cmake
    COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/veiltun-config.cmake
              ${PROJECT_BINARY_DIR}/veiltun-config-version.cmake
        DESTINATION ${veiltun_cmake_dir})

# Relocatable: the prefix is found from where the .pc file sits, so `--prefix` at install
# time works.
file(RELATIVE_PATH pc_to_prefix "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" pc_to_prefix "${pc_to_prefix}")
set(pc_prefix "\${pcfiledir}/${pc_to_prefix}")
configure_file(cmake/veiltun.pc.in ${PROJECT_BINARY_DIR}/veiltun.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/veiltun.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
