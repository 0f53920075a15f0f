/* SPDX-License-Identifier: MIT */
/* The packet channel between the wintun.dll double's bridged mode (double_bridge.c, built
 * with mingw-w64, run under Wine) and bridge_helper (helper.c, native Linux): two
 * single-producer single-consumer byte rings in one file under /dev/shm that both map, as
 * Wintun's driver and DLL share their rings. Moving a packet is a copy into shared memory
 * and two atomic counters: no system call, so no Wine server request, per packet.
 *
 * Each record is a 4-byte length and the packet, padded to 8 bytes; a record that would run
 * past the end of the ring is preceded by a pad record (length CHANNEL_PAD) filling the rest,
 * so every packet is contiguous. head and tail run freely (unsigned wrap-around) and are
 * taken modulo the ring's size, a power of two.
 *
 * Sleeping, as the driver's Alertable flag (driver/wintun.c): a consumer about to sleep sets
 * its ring's `sleeping`, then looks once more; a producer that published sets nothing but
 * reads `sleeping` after, and rings the consumer's doorbell (a one-byte UDP datagram on
 * loopback) only if it was set. Both sides use sequentially consistent operations for this
 * pair, so one of them always sees the other (no lost wake-up). */
#ifndef VEILTUN_BRIDGE_CHANNEL_H
#define VEILTUN_BRIDGE_CHANNEL_H

#include <stdint.h>
#include <string.h>

#define CHANNEL_MAGIC     0x76746272u /* "vtbr" */
#define CHANNEL_VERSION   1u
#define CHANNEL_RING      (8u << 20) /* bytes per direction: about 7 ms at 10 Gbit/s */
#define CHANNEL_PAD       0xFFFFFFFFu
#define CHANNEL_ALIGN     8u
#define CHANNEL_FILE_SIZE (sizeof(struct channel))

struct channel_ring {
    uint32_t head; /* consumer's position */
    uint32_t pad_head[15];
    uint32_t tail; /* producer's position */
    uint32_t pad_tail[15];
    uint32_t sleeping; /* the consumer sleeps: the producer must ring its doorbell */
    uint32_t pad_sleeping[15];
    unsigned char data[CHANNEL_RING];
};

struct channel {
    uint32_t magic, version, ring_size;
    uint32_t pad_header[13];
    /* The double's count of packets from the helper it dropped (no session, no room in the
     * receive ring), as the driver counts them in the adapter's statistics. */
    uint64_t ring_drops;
    uint64_t pad_drops[7];
    struct channel_ring to_double;   /* helper -> double: what the Linux stack routed in */
    struct channel_ring from_double; /* double -> helper: what the program sent */
};

static inline uint32_t channel_record_size(uint32_t len)
{
    return (4u + len + CHANNEL_ALIGN - 1) & ~(CHANNEL_ALIGN - 1);
}

/* Bytes the producer may still use. */
static inline uint32_t channel_room(struct channel_ring *r)
{
    return CHANNEL_RING - (__atomic_load_n(&r->tail, __ATOMIC_RELAXED) -
                           __atomic_load_n(&r->head, __ATOMIC_ACQUIRE));
}

/* Producer: appends one packet, published at once. 0 if there is no room (nothing written). */
static inline int channel_put(struct channel_ring *r, const void *pkt, uint32_t len)
{
    uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
    uint32_t at = tail & (CHANNEL_RING - 1), need = channel_record_size(len);
    uint32_t to_end = CHANNEL_RING - at, pad = need > to_end ? to_end : 0;

    if (pad + need > channel_room(r))
        return 0;
    if (pad) {
        memcpy(r->data + at, &(uint32_t){CHANNEL_PAD}, 4);
        at = 0;
    }
    memcpy(r->data + at, &len, 4);
    memcpy(r->data + at + 4, pkt, len);
    __atomic_store_n(&r->tail, tail + pad + need, __ATOMIC_SEQ_CST);
    return 1;
}

/* Consumer: the packet at @p *pos (start with the ring's head), or NULL if the producer has
 * published nothing more; @p *pos moves past it. Release what was read with channel_release. */
static inline const unsigned char *channel_next(struct channel_ring *r, uint32_t *pos,
                                                uint32_t *len)
{
    uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);

    for (int i = 0; i < 2 && *pos != tail; i++) {
        uint32_t at = *pos & (CHANNEL_RING - 1);

        memcpy(len, r->data + at, 4);
        if (*len == CHANNEL_PAD) {
            *pos += CHANNEL_RING - at;
            continue;
        }
        *pos += channel_record_size(*len);
        return r->data + at + 4;
    }
    return NULL;
}

static inline uint32_t channel_head(struct channel_ring *r)
{
    return __atomic_load_n(&r->head, __ATOMIC_RELAXED);
}

/* Consumer: everything before @p pos is free again. */
static inline void channel_release(struct channel_ring *r, uint32_t pos)
{
    __atomic_store_n(&r->head, pos, __ATOMIC_RELEASE);
}

static inline int channel_empty(struct channel_ring *r)
{
    return __atomic_load_n(&r->tail, __ATOMIC_SEQ_CST) ==
           __atomic_load_n(&r->head, __ATOMIC_RELAXED);
}

/* Consumer, before sleeping: 1 if it may sleep (nothing came meanwhile); 0 if it must go on. */
static inline int channel_may_sleep(struct channel_ring *r)
{
    __atomic_store_n(&r->sleeping, 1, __ATOMIC_SEQ_CST);
    if (!channel_empty(r)) {
        __atomic_store_n(&r->sleeping, 0, __ATOMIC_RELAXED);
        return 0;
    }
    return 1;
}

/* Consumer, after waking. */
static inline void channel_awake(struct channel_ring *r)
{
    __atomic_store_n(&r->sleeping, 0, __ATOMIC_RELAXED);
}

/* Producer, after publishing: 1 if the consumer sleeps and its doorbell must be rung (once:
 * the flag is taken). */
static inline int channel_wants_doorbell(struct channel_ring *r)
{
    return __atomic_load_n(&r->sleeping, __ATOMIC_SEQ_CST) &&
           __atomic_exchange_n(&r->sleeping, 0, __ATOMIC_SEQ_CST);
}

#endif
