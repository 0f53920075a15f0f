/* SPDX-License-Identifier: MIT */
/* Netlink replies and events as the kernel (or anyone able to send to our socket) delivers
 * them: a datagram of messages. The receive path drops datagrams whose message lengths do
 * not fit (veiltun__nl_datagram_ok), then walks them with libmnl's callback runner; this
 * target does the same and feeds every message to every parser. */
#include "fuzz.h"
#include "linux/nlmsg.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static _Alignas(8) uint8_t buf[VEILTUN__NL_BUFSIZE];
    const struct nlmsghdr *nlh;
    int len;

    if (size > sizeof(buf))
        size = sizeof(buf);
    memcpy(buf, data, size);
    len = (int)size;
    if (!veiltun__nl_datagram_ok(buf, size))
        return 0;
    for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
         nlh = mnl_nlmsg_next(nlh, &len)) {
        struct veiltun__nl_link link;
        veiltun_prefix p;
        const char *msg = NULL;
        int ifindex = 0, err = 0;

        memset(&link, 0, sizeof(link));
        if (veiltun__nl_parse_link(nlh, &link) == 0)
            FUZZ_CHECK(memchr(link.info.name, 0, sizeof(link.info.name)) != NULL);
        if (veiltun__nl_parse_addr(nlh, &ifindex, &p) == 0)
            FUZZ_CHECK(p.prefix_len <= (p.family == VEILTUN_AF_INET6 ? 128 : 32));
        if (veiltun__nl_parse_error(nlh, &err, &msg) == 0 && msg != NULL) {
            /* The text must end inside the message it points into. */
            const uint8_t *end = (const uint8_t *)nlh + nlh->nlmsg_len;
            FUZZ_CHECK((const uint8_t *)msg >= (const uint8_t *)nlh && (const uint8_t *)msg < end);
            FUZZ_CHECK(memchr(msg, 0, (size_t)(end - (const uint8_t *)msg)) != NULL);
        }
    }
    return 0;
}
