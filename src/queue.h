/* SPDX-License-Identifier: MIT */
/*
 * A lock-free single-producer, single-consumer queue of variable-length packets, in one
 * contiguous byte ring. The Windows backend's reader thread produces (it copies packets out
 * of the Wintun ring so that ring space is released at once) and the caller's thread
 * consumes. Portable C11 atomics, built on every OS; its own test (tests/unit/queue.c, also
 * under ThreadSanitizer) runs on Linux, and the Windows tests exercise it through the reader.
 *
 * Layout: records of [uint32 length][payload], each padded to 8 bytes. A record never wraps:
 * when it does not fit before the end, the producer writes a wrap marker and starts again at
 * offset 0. Head and tail are free-running byte counters (only their low bits index the ring),
 * published with release stores and read with acquire loads, so a consumer that sees a new
 * head also sees the bytes written before it.
 */
#ifndef VEILTUN_QUEUE_H
#define VEILTUN_QUEUE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct veiltun__queue {
    unsigned char *ring;
    size_t size; /* power of two */
    /* Each index on its own cache line: producer and consumer write different ones. */
    _Alignas(64) _Atomic size_t head; /* written by the producer */
    _Alignas(64) _Atomic size_t tail; /* written by the consumer */
    _Alignas(64) size_t reserved;     /* producer-private: bytes of the open reservation */
};

/* Largest packet a queue of @p size bytes can ever hold. */
size_t veiltun__queue_max_packet(size_t size);

/* @p size: a power of two from 4 KiB. Returns 0, VEILTUN_EINVAL or VEILTUN_ENOMEM. */
int veiltun__queue_init(struct veiltun__queue *q, size_t size);
void veiltun__queue_free(struct veiltun__queue *q);

/* Producer: room for a @p len-byte packet, or NULL if the queue is full (or len is too big).
 * Fill it, then publish it with veiltun__queue_commit(). */
void *veiltun__queue_reserve(struct veiltun__queue *q, size_t len);
void veiltun__queue_commit(struct veiltun__queue *q);

/* Consumer: the oldest packet (NULL if empty) and its length; after using it, release it. */
const void *veiltun__queue_peek(struct veiltun__queue *q, size_t *len);
void veiltun__queue_release(struct veiltun__queue *q);

/* Bytes in use (a snapshot; exact only from the producer's or consumer's own thread). */
size_t veiltun__queue_used(struct veiltun__queue *q);

#endif
