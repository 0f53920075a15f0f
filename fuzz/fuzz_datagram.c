/* SPDX-License-Identifier: MIT */
/* Datagrams from the tunnel's peer (anyone who can reach its port): the tool lets only
 * exactly-one-IP-packet datagrams into the device, and the library's own write check must
 * then accept them too. */
#include "../tools/veiltun/ipcheck.h"
#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int lib = veiltun__check_packet(data, size);

    FUZZ_CHECK(lib == 0 || lib == VEILTUN_EBADPACKET || (size == 0 && lib == VEILTUN_EINVAL));
    if (ip_packet_valid(data, size))
        FUZZ_CHECK(lib == 0);
    return 0;
}
