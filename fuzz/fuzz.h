/* SPDX-License-Identifier: MIT */
/* Shared by the libFuzzer targets: an invariant that must hold, or the target stops with a
 * crash report (libFuzzer saves the input that broke it). */
#ifndef VEILTUN_FUZZ_H
#define VEILTUN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
