/* SPDX-License-Identifier: MIT */
/* A request socket that holds replies no request is waiting for (what a reply timeout, a
 * truncated datagram or a failed read leaves behind) still answers the next request with
 * that request's own reply. Needs no privileges: it only reads the loopback link. */
#include "test.h"
#include "veiltun.h"

#include "internal.h"
#include "linux/linux.h"
#include "linux/nlmsg.h"

#include <linux/rtnetlink.h>

struct seen {
    int links; /* RTM_NEWLINK messages handed to us */
    int index; /* of the last one */
};

static int on_link(const struct nlmsghdr *nlh, void *arg)
{
    struct seen *s = arg;
    struct veiltun__nl_link link;

    if (nlh->nlmsg_type == RTM_NEWLINK && veiltun__nl_parse_link(nlh, &link) == 0) {
        s->links++;
        s->index = link.info.index;
    }
    return MNL_CB_OK;
}

static void reset(void *arg)
{
    struct seen *s = arg;

    s->links = 0;
}

/* Sends a dump of every link and reads none of it: the whole dump stays queued. */
static void leave_dump(struct veiltun__nl *nl, uint32_t seq)
{
    char buf[VEILTUN__NL_BUFSIZE];
    struct nlmsghdr *nlh = veiltun__nl_getlinks(buf, seq);

    ASSERT_EQ(mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len), (ssize_t)nlh->nlmsg_len);
}

/* Reads the loopback link (index 1 in every namespace): exactly one link, ours. */
static void read_lo(struct veiltun__nl *nl)
{
    char buf[VEILTUN__NL_BUFSIZE];
    struct seen s = {0, 0};

    ASSERT_OK(veiltun__nl_talk(nl, veiltun__nl_getlink(buf, 0, 1, NULL), on_link, &s, "lo"));
    ASSERT_EQ(s.links, 1);
    ASSERT_EQ(s.index, 1);
}

int main(void)
{
    struct veiltun__nl nl;
    struct seen s = {0, 0}, clean = {0, 0};
    char buf[VEILTUN__NL_BUFSIZE];

    ASSERT_OK(veiltun__nl_connect(&nl, "unit"));
    /* A stale dump with a sequence number of its own. */
    leave_dump(&nl, 4242);
    read_lo(&nl);
    /* A stale dump whose sequence number is the one the next request will use. */
    leave_dump(&nl, nl.seq + 1);
    read_lo(&nl);
    /* Two stale dumps, then a dump of our own: its links counted once each, as a dump on a
     * clean socket counts them. */
    leave_dump(&nl, nl.seq + 1);
    leave_dump(&nl, nl.seq + 2);
    ASSERT_OK(veiltun__nl_dump(&nl, veiltun__nl_getlinks(buf, 0), on_link, &s, reset, "links"));
    ASSERT_OK(veiltun__nl_dump(&nl, veiltun__nl_getlinks(buf, 0), on_link, &clean, reset, "links"));
    ASSERT_GE(clean.links, 1);
    ASSERT_EQ(s.links, clean.links);
    read_lo(&nl);
    veiltun__nl_disconnect(&nl);
    return 0;
}
