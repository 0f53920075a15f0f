/* SPDX-License-Identifier: MIT */
/* Batch bookkeeping and packet checks shared by every backend. The batch calls are written
 * over a per-packet function so their rules (what stops a batch, what only marks a slot) are
 * the same on every OS and testable without a device. */
#include "internal.h"

int veiltun__check_packet(const void *buf, size_t len)
{
    const unsigned char *p = buf;

    if (len == 0)
        return veiltun__fail_os(VEILTUN_EINVAL, 0);
    switch (p[0] >> 4) {
    case 4:
        /* The header length field must cover at least the fixed 20 bytes and fit. */
        if (len < 20 || (size_t)(p[0] & 0x0f) * 4 < 20 || (size_t)(p[0] & 0x0f) * 4 > len)
            return veiltun__fail_os(VEILTUN_EBADPACKET, 0);
        return 0;
    case 6:
        return len < 40 ? veiltun__fail_os(VEILTUN_EBADPACKET, 0) : 0;
    default:
        return veiltun__fail_os(VEILTUN_EBADPACKET, 0);
    }
}

/* Errors that concern one packet, not the device: the batch marks the slot and goes on. */
static int is_packet_error(int err)
{
    return err == VEILTUN_EBADPACKET || err == VEILTUN_EMSGSIZE || err == VEILTUN_EINVAL;
}

static int check_slots(const veiltun_packet *pkts, size_t count)
{
    size_t i;

    if (pkts == NULL || count == 0)
        return veiltun__fail_os(VEILTUN_EINVAL, 0);
    for (i = 0; i < count; i++) {
        if (pkts[i].data == NULL || pkts[i].size == 0)
            return veiltun__fail_os(VEILTUN_EINVAL, 0);
    }
    return 0;
}

int veiltun__batch_read(veiltun *dev, veiltun_packet *pkts, size_t count, veiltun__io_fn read_one)
{
    size_t filled = 0, attempts = 0;
    int err = check_slots(pkts, count), n;

    if (err < 0)
        return err;
    if (count > INT32_MAX)
        count = INT32_MAX;
    /* An oversized packet is dropped and its slot reused; bounding the attempts keeps a
     * stream of oversized packets from holding the caller here. */
    while (filled < count && attempts++ < 2 * count) {
        n = read_one(dev, pkts[filled].data, pkts[filled].size);
        if (n == VEILTUN_EMSGSIZE)
            continue;
        if (n < 0) {
            err = n;
            break;
        }
        pkts[filled].len = (size_t)n;
        pkts[filled].status = 0;
        filled++;
    }
    if (filled > 0)
        return (int)filled;
    return err < 0 ? err : VEILTUN_EAGAIN;
}

int veiltun__batch_write(veiltun *dev, veiltun_packet *pkts, size_t count, veiltun__io_fn write_one)
{
    size_t i;
    int n;

    if (pkts == NULL || count == 0)
        return veiltun__fail_os(VEILTUN_EINVAL, 0);
    if (count > INT32_MAX)
        count = INT32_MAX;
    for (i = 0; i < count; i++) {
        if (pkts[i].data == NULL || pkts[i].len == 0) {
            pkts[i].status = VEILTUN_EINVAL;
            continue;
        }
        n = write_one(dev, pkts[i].data, pkts[i].len);
        if (n >= 0 || is_packet_error(n)) {
            pkts[i].status = n >= 0 ? 0 : n;
            continue;
        }
        if (i == 0)
            return n;
        break;
    }
    return (int)i;
}
