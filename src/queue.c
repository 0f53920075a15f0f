/* SPDX-License-Identifier: MIT */
/* The SPSC packet queue (see queue.h). */
#include "queue.h"
#include "veiltun.h"

#include <stdlib.h>
#include <string.h>

#define HDR       sizeof(uint32_t)
#define ALIGN     8u
#define WRAP_MARK UINT32_MAX

static size_t record_size(size_t len)
{
    return (HDR + len + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

size_t veiltun__queue_max_packet(size_t size)
{
    /* A record must fit in half the ring: after a wrap the worst case wastes just under a
     * record at the end, and both must fit at once for progress to be guaranteed. */
    return size / 2 - HDR;
}

int veiltun__queue_init(struct veiltun__queue *q, size_t size)
{
    memset(q, 0, sizeof(*q));
    if (size < 4096 || (size & (size - 1)) != 0)
        return VEILTUN_EINVAL;
    q->ring = malloc(size);
    if (q->ring == NULL)
        return VEILTUN_ENOMEM;
    q->size = size;
    atomic_init(&q->head, 0);
    atomic_init(&q->tail, 0);
    return 0;
}

void veiltun__queue_free(struct veiltun__queue *q)
{
    free(q->ring);
    q->ring = NULL;
}

static void put_len(unsigned char *p, uint32_t len)
{
    memcpy(p, &len, HDR);
}

static uint32_t get_len(const unsigned char *p)
{
    uint32_t len;

    memcpy(&len, p, HDR);
    return len;
}

void *veiltun__queue_reserve(struct veiltun__queue *q, size_t len)
{
    size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
    size_t need = record_size(len), off = head & (q->size - 1), to_end = q->size - off;
    size_t free_bytes = q->size - (head - tail);

    if (len > veiltun__queue_max_packet(q->size))
        return NULL;
    if (need > to_end) {
        /* Skip the end of the ring; the consumer follows the marker back to 0. */
        if (to_end + need > free_bytes)
            return NULL;
        if (to_end >= HDR)
            put_len(q->ring + off, WRAP_MARK);
        head += to_end;
        atomic_store_explicit(&q->head, head, memory_order_release);
        off = 0;
    } else if (need > free_bytes) {
        return NULL;
    }
    q->reserved = need;
    put_len(q->ring + off, (uint32_t)len);
    return q->ring + off + HDR;
}

void veiltun__queue_commit(struct veiltun__queue *q)
{
    size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);

    atomic_store_explicit(&q->head, head + q->reserved, memory_order_release);
    q->reserved = 0;
}

const void *veiltun__queue_peek(struct veiltun__queue *q, size_t *len)
{
    size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    size_t head = atomic_load_explicit(&q->head, memory_order_acquire);
    size_t off, to_end;
    uint32_t n;

    for (;;) {
        if (tail == head)
            return NULL;
        off = tail & (q->size - 1);
        to_end = q->size - off;
        /* Fewer than HDR bytes before the end, or a marker: the record is at offset 0. */
        if (to_end < HDR || (n = get_len(q->ring + off)) == WRAP_MARK) {
            tail += to_end;
            atomic_store_explicit(&q->tail, tail, memory_order_release);
            continue;
        }
        *len = n;
        return q->ring + off + HDR;
    }
}

void veiltun__queue_release(struct veiltun__queue *q)
{
    size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    uint32_t n = get_len(q->ring + (tail & (q->size - 1)));

    atomic_store_explicit(&q->tail, tail + record_size(n), memory_order_release);
}

size_t veiltun__queue_used(struct veiltun__queue *q)
{
    return atomic_load_explicit(&q->head, memory_order_acquire) -
           atomic_load_explicit(&q->tail, memory_order_acquire);
}
