/* SPDX-License-Identifier: MIT */
/* The packet queue between the Windows backend's reader thread and the caller (portable,
 * so fuzzed here): a sequence of operations from the input on a small queue, checked
 * against a plain model (FIFO order, lengths, contents; bytes in use never above the ring,
 * never below the records held, zero once drained; an empty queue takes any packet up to
 * the maximum, the progress queue.c promises the reader thread). */
#include "fuzz.h"
#include "queue.h"

#include <string.h>

#define QSIZE     4096
#define MODEL_MAX 1024

/* A record's bytes in the ring: a 4-byte length and the payload, padded to 8 (queue.h). */
#define RECORD(len) ((4 + (len) + 7) & ~(size_t)7)

static struct {
    size_t len;
    uint8_t tag;
} model[MODEL_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct veiltun__queue q;
    size_t head = 0, tail = 0; /* model indices */
    size_t held = 0;           /* bytes of the records in the model */
    uint8_t tag = 0;

    FUZZ_CHECK(veiltun__queue_init(&q, QSIZE) == 0);
    for (size_t i = 0; i + 1 < size; i += 2) {
        size_t len, got;
        const uint8_t *p;
        uint8_t *w;
        if (data[i] & 1) { /* produce a packet of 0..~5000 bytes (may be refused) */
            len = (size_t)data[i + 1] * 20 + (data[i] >> 1);
            int empty = veiltun__queue_used(&q) == 0;
            w = veiltun__queue_reserve(&q, len);
            FUZZ_CHECK(w != NULL || !empty || len > veiltun__queue_max_packet(QSIZE));
            if (w == NULL || head - tail == MODEL_MAX)
                continue;
            FUZZ_CHECK(len <= veiltun__queue_max_packet(QSIZE));
            memset(w, ++tag, len);
            veiltun__queue_commit(&q);
            held += RECORD(len);
            model[head % MODEL_MAX].len = len;
            model[head++ % MODEL_MAX].tag = tag;
        } else { /* consume one */
            p = veiltun__queue_peek(&q, &got);
            FUZZ_CHECK((p == NULL) == (head == tail));
            if (p == NULL) {
                FUZZ_CHECK(veiltun__queue_used(&q) == 0);
                continue;
            }
            FUZZ_CHECK(got == model[tail % MODEL_MAX].len);
            for (size_t k = 0; k < got; k++)
                FUZZ_CHECK(p[k] == model[tail % MODEL_MAX].tag);
            veiltun__queue_release(&q);
            held -= RECORD(got);
            tail++;
        }
        FUZZ_CHECK(veiltun__queue_used(&q) <= QSIZE && veiltun__queue_used(&q) >= held);
    }
    veiltun__queue_free(&q);
    return 0;
}
