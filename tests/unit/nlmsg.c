/* SPDX-License-Identifier: MIT */
/* rtnetlink encoding and decoding on buffers: requests carry what the kernel needs, replies
 * (well-formed or not) decode to what they say or to VEILTUN_EPROTO. */
#include "linux/nlmsg.h"
#include "test.h"

#include <limits.h>

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

static char buf[VEILTUN__NL_BUFSIZE] __attribute__((aligned(8)));

/* Looks an attribute up by walking the raw bytes, independently of the code under test. */
static const struct nlattr *find_attr(const struct nlmsghdr *nlh, size_t hdrlen, int type)
{
    const struct nlattr *a;

    mnl_attr_for_each(a, nlh, hdrlen)
    {
        if (mnl_attr_get_type(a) == type)
            return a;
    }
    return NULL;
}

static veiltun_prefix prefix(const char *text)
{
    veiltun_prefix p;

    ASSERT_OK(veiltun_parse_prefix(text, &p));
    return p;
}

static void test_setlink(void)
{
    struct nlmsghdr *nlh = veiltun__nl_setlink(buf, 7, 42, 1400, 1);
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *mtu = find_attr(nlh, sizeof(*ifi), IFLA_MTU);

    ASSERT_EQ(nlh->nlmsg_type, RTM_NEWLINK);
    ASSERT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
    ASSERT_EQ(nlh->nlmsg_seq, 7);
    ASSERT_EQ(ifi->ifi_index, 42);
    ASSERT_EQ(ifi->ifi_change, IFF_UP);
    ASSERT_EQ(ifi->ifi_flags, IFF_UP);
    ASSERT_TRUE(mtu != NULL);
    ASSERT_EQ(mnl_attr_get_u32(mtu), 1400);

    nlh = veiltun__nl_setlink(buf, 8, 42, 0, 0); /* down, MTU untouched */
    ifi = mnl_nlmsg_get_payload(nlh);
    ASSERT_EQ(ifi->ifi_change, IFF_UP);
    ASSERT_EQ(ifi->ifi_flags, 0);
    ASSERT_TRUE(find_attr(nlh, sizeof(*ifi), IFLA_MTU) == NULL);

    nlh = veiltun__nl_setlink(buf, 9, 42, 9000, -1); /* MTU only: up flag untouched */
    ifi = mnl_nlmsg_get_payload(nlh);
    ASSERT_EQ(ifi->ifi_change, 0);
}

static void test_getlink(void)
{
    struct nlmsghdr *nlh = veiltun__nl_getlink(buf, 1, 0, "veil3");
    const struct nlattr *name = find_attr(nlh, sizeof(struct ifinfomsg), IFLA_IFNAME);

    ASSERT_EQ(nlh->nlmsg_type, RTM_GETLINK);
    ASSERT_TRUE(nlh->nlmsg_flags & NLM_F_ACK);
    ASSERT_TRUE(name != NULL);
    ASSERT_STREQ(mnl_attr_get_str(name), "veil3");
    nlh = veiltun__nl_getlink(buf, 1, 5, "ignored");
    ASSERT_EQ(((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index, 5);
    ASSERT_TRUE(find_attr(nlh, sizeof(struct ifinfomsg), IFLA_IFNAME) == NULL);
}

static void test_addr(void)
{
    veiltun_prefix v4 = prefix("10.1.2.3/24"), v6 = prefix("fd00::7/64");
    struct nlmsghdr *nlh = veiltun__nl_addr(buf, 3, 9, &v4, 1);
    struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *local = find_attr(nlh, sizeof(*ifa), IFA_LOCAL);
    uint32_t want = htonl(0x0a010203);

    ASSERT_EQ(nlh->nlmsg_type, RTM_NEWADDR);
    ASSERT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
    ASSERT_EQ(ifa->ifa_family, AF_INET);
    ASSERT_EQ(ifa->ifa_prefixlen, 24);
    ASSERT_EQ(ifa->ifa_index, 9);
    ASSERT_EQ(ifa->ifa_flags, 0);
    ASSERT_EQ(mnl_attr_get_payload_len(local), 4);
    ASSERT_EQ(memcmp(mnl_attr_get_payload(local), &want, 4), 0);
    ASSERT_TRUE(find_attr(nlh, sizeof(*ifa), IFA_ADDRESS) != NULL);

    nlh = veiltun__nl_addr(buf, 4, 9, &v6, 0);
    ifa = mnl_nlmsg_get_payload(nlh);
    local = find_attr(nlh, sizeof(*ifa), IFA_LOCAL);
    ASSERT_EQ(nlh->nlmsg_type, RTM_DELADDR);
    ASSERT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
    ASSERT_EQ(ifa->ifa_family, AF_INET6);
    ASSERT_EQ(ifa->ifa_prefixlen, 64);
    ASSERT_EQ(ifa->ifa_flags, IFA_F_NODAD);
    ASSERT_EQ(mnl_attr_get_payload_len(local), 16);
    ASSERT_EQ(((const uint8_t *)mnl_attr_get_payload(local))[15], 7);
}

static void test_route(void)
{
    veiltun_prefix dst = prefix("192.0.2.0/24"), gw = prefix("10.0.0.2"), def = prefix("::/0");
    struct nlmsghdr *nlh = veiltun__nl_route(buf, 5, 4, &dst, &gw, 77, 1);
    struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

    ASSERT_EQ(nlh->nlmsg_type, RTM_NEWROUTE);
    ASSERT_EQ(rtm->rtm_family, AF_INET);
    ASSERT_EQ(rtm->rtm_dst_len, 24);
    ASSERT_EQ(rtm->rtm_table, RT_TABLE_MAIN);
    ASSERT_EQ(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
    ASSERT_EQ(rtm->rtm_type, RTN_UNICAST);
    ASSERT_EQ(mnl_attr_get_u32(find_attr(nlh, sizeof(*rtm), RTA_OIF)), 4);
    ASSERT_EQ(mnl_attr_get_u32(find_attr(nlh, sizeof(*rtm), RTA_PRIORITY)), 77);
    ASSERT_EQ(mnl_attr_get_payload_len(find_attr(nlh, sizeof(*rtm), RTA_GATEWAY)), 4);
    ASSERT_EQ(mnl_attr_get_payload_len(find_attr(nlh, sizeof(*rtm), RTA_DST)), 4);

    /* A default route has no RTA_DST; no gateway means link scope; no metric, no priority. */
    nlh = veiltun__nl_route(buf, 6, 4, &def, NULL, 0, 1);
    rtm = mnl_nlmsg_get_payload(nlh);
    ASSERT_EQ(rtm->rtm_family, AF_INET6);
    ASSERT_EQ(rtm->rtm_dst_len, 0);
    ASSERT_EQ(rtm->rtm_scope, RT_SCOPE_LINK);
    ASSERT_TRUE(find_attr(nlh, sizeof(*rtm), RTA_DST) == NULL);
    ASSERT_TRUE(find_attr(nlh, sizeof(*rtm), RTA_PRIORITY) == NULL);
    ASSERT_TRUE(find_attr(nlh, sizeof(*rtm), RTA_GATEWAY) == NULL);

    nlh = veiltun__nl_route(buf, 7, 4, &dst, NULL, 0, 0);
    rtm = mnl_nlmsg_get_payload(nlh);
    ASSERT_EQ(nlh->nlmsg_type, RTM_DELROUTE);
    ASSERT_EQ(rtm->rtm_scope, RT_SCOPE_NOWHERE);
}

/* A link message as the kernel would send it. */
static struct nlmsghdr *link_msg(int type, int index, unsigned flags, uint32_t mtu,
                                 const char *name)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

    nlh->nlmsg_type = (uint16_t)type;
    ifi->ifi_index = index;
    ifi->ifi_flags = flags;
    if (mtu)
        mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
    if (name)
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    return nlh;
}

static void test_parse_link(void)
{
    struct veiltun__nl_link l;
    struct nlmsghdr *nlh = link_msg(RTM_NEWLINK, 12, IFF_UP | IFF_POINTOPOINT, 1380, "tun7");

    ASSERT_OK(veiltun__nl_parse_link(nlh, &l));
    ASSERT_EQ(l.info.index, 12);
    ASSERT_EQ(l.info.up, 1);
    ASSERT_EQ(l.info.mtu, 1380);
    ASSERT_STREQ(l.info.name, "tun7");
    ASSERT_EQ(l.is_tun, 0); /* no link info: not known to be a TUN */
    ASSERT_EQ(l.pi, -1);
    ASSERT_EQ(l.vnet, -1);
    ASSERT_EQ(l.info.persist, -1);
    ASSERT_EQ(l.info.owner, -1);

    nlh = link_msg(RTM_NEWLINK, 12, IFF_POINTOPOINT, 0, NULL);
    ASSERT_OK(veiltun__nl_parse_link(nlh, &l));
    ASSERT_EQ(l.info.up, 0);
    ASSERT_EQ(l.info.mtu, 0);

    /* Malformed: a 2-byte MTU, a name without NUL, a name too long, a short header. */
    nlh = link_msg(RTM_NEWLINK, 12, 0, 0, NULL);
    mnl_attr_put_u16(nlh, IFLA_MTU, 1500);
    ASSERT_EQ(veiltun__nl_parse_link(nlh, &l), VEILTUN_EPROTO);
    nlh = link_msg(RTM_NEWLINK, 12, 0, 0, NULL);
    mnl_attr_put(nlh, IFLA_IFNAME, 4, "abcd");
    ASSERT_EQ(veiltun__nl_parse_link(nlh, &l), VEILTUN_EPROTO);
    nlh = link_msg(RTM_NEWLINK, 12, 0, 0, "this-name-is-too-long");
    ASSERT_EQ(veiltun__nl_parse_link(nlh, &l), VEILTUN_EPROTO);
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWLINK;
    ASSERT_EQ(veiltun__nl_parse_link(nlh, &l), VEILTUN_EPROTO);
    /* An attribute whose length runs past the message. */
    nlh = link_msg(RTM_NEWLINK, 12, 0, 1500, NULL);
    ((struct nlattr *)(void *)((char *)nlh + nlh->nlmsg_len - 8))->nla_len = 200;
    ASSERT_EQ(veiltun__nl_parse_link(nlh, &l), VEILTUN_EPROTO);
}

/* A link with IFLA_LINKINFO {kind, data {type, persist, owner}} and IFLA_STATS64. */
static struct nlmsghdr *tun_link_msg(const char *kind, uint8_t type, int bad_owner)
{
    struct nlmsghdr *nlh = link_msg(RTM_NEWLINK, 4, IFF_UP | IFF_RUNNING, 1420, "veil0");
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO), *data;
    struct rtnl_link_stats64 st = {.rx_packets = 11, .tx_bytes = 2222, .rx_dropped = 3};

    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
    data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    mnl_attr_put_u8(nlh, IFLA_TUN_TYPE, type);
    mnl_attr_put_u8(nlh, IFLA_TUN_PERSIST, 1);
    mnl_attr_put_u8(nlh, IFLA_TUN_MULTI_QUEUE, 0);
    mnl_attr_put_u8(nlh, IFLA_TUN_PI, 1);
    mnl_attr_put_u8(nlh, IFLA_TUN_VNET_HDR, 0);
    if (bad_owner)
        mnl_attr_put_u16(nlh, IFLA_TUN_OWNER, 1000);
    else
        mnl_attr_put_u32(nlh, IFLA_TUN_OWNER, 1000);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, info);
    mnl_attr_put(nlh, IFLA_STATS64, sizeof(st), &st);
    return nlh;
}

static void test_parse_linkinfo(void)
{
    struct veiltun__nl_link l;

    ASSERT_OK(veiltun__nl_parse_link(tun_link_msg("tun", IFF_TUN, 0), &l));
    ASSERT_EQ(l.is_tun, 1);
    ASSERT_EQ(l.info.running, 1);
    ASSERT_EQ(l.info.persist, 1);
    ASSERT_EQ(l.info.multi_queue, 0);
    ASSERT_EQ(l.pi, 1);
    ASSERT_EQ(l.vnet, 0);
    ASSERT_EQ(l.info.owner, 1000);
    ASSERT_EQ(l.info.group, -1);
    ASSERT_EQ(l.info.counters.rx_packets, 11);
    ASSERT_EQ(l.info.counters.tx_bytes, 2222);
    ASSERT_EQ(l.info.counters.rx_dropped, 3);
    ASSERT_OK(veiltun__nl_parse_link(tun_link_msg("tun", IFF_TAP, 0), &l));
    ASSERT_EQ(l.is_tun, 0);
    ASSERT_OK(veiltun__nl_parse_link(tun_link_msg("veth", IFF_TUN, 0), &l));
    ASSERT_EQ(l.is_tun, 0);
    ASSERT_EQ(veiltun__nl_parse_link(tun_link_msg("tun", IFF_TUN, 1), &l), VEILTUN_EPROTO);
}

static struct nlmsghdr *addr_msg(int family, int prefixlen, int index, const void *a, size_t alen)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

    nlh->nlmsg_type = RTM_NEWADDR;
    ifa->ifa_family = (uint8_t)family;
    ifa->ifa_prefixlen = (uint8_t)prefixlen;
    ifa->ifa_index = (uint32_t)index;
    if (a)
        mnl_attr_put(nlh, IFA_ADDRESS, alen, a);
    return nlh;
}

static void test_parse_addr(void)
{
    uint8_t v4[4] = {10, 9, 8, 7}, v6[16] = {0xfd, [15] = 1};
    veiltun_prefix p;
    char text[VEILTUN_PREFIX_STRLEN];
    int index;

    ASSERT_OK(veiltun__nl_parse_addr(addr_msg(AF_INET, 16, 3, v4, 4), &index, &p));
    ASSERT_EQ(index, 3);
    veiltun_format_prefix(&p, text, sizeof(text));
    ASSERT_STREQ(text, "10.9.8.7/16");
    ASSERT_OK(veiltun__nl_parse_addr(addr_msg(AF_INET6, 64, 3, v6, 16), &index, &p));
    veiltun_format_prefix(&p, text, sizeof(text));
    ASSERT_STREQ(text, "fd00::1/64");
    ASSERT_EQ(veiltun__nl_parse_addr(addr_msg(AF_PACKET, 0, 3, v4, 4), &index, &p), VEILTUN_EAGAIN);
    ASSERT_EQ(veiltun__nl_parse_addr(addr_msg(AF_INET, 16, 3, v6, 16), &index, &p), VEILTUN_EPROTO);
    ASSERT_EQ(veiltun__nl_parse_addr(addr_msg(AF_INET, 33, 3, v4, 4), &index, &p), VEILTUN_EPROTO);
    ASSERT_EQ(veiltun__nl_parse_addr(addr_msg(AF_INET, 8, 3, NULL, 0), &index, &p), VEILTUN_EPROTO);
}

/* An NLMSG_ERROR carrying @p err; @p capped says whether our request is echoed before TLVs. */
static struct nlmsghdr *error_msg(int err, int capped, const char *text)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf), *req;
    struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

    nlh->nlmsg_type = NLMSG_ERROR;
    e->error = -err;
    e->msg.nlmsg_len = sizeof(struct nlmsghdr);
    if (!capped) {
        /* The echoed request: a header plus a 4-byte payload. */
        e->msg.nlmsg_len = sizeof(struct nlmsghdr) + 4;
        req = mnl_nlmsg_put_extra_header(nlh, 4);
        memset(req, 0xab, 4);
    } else {
        nlh->nlmsg_flags |= NLM_F_CAPPED;
    }
    if (text) {
        nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
        mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
    }
    return nlh;
}

static void test_parse_error(void)
{
    const char *msg;
    int err = -1;

    ASSERT_OK(veiltun__nl_parse_error(error_msg(0, 1, NULL), &err, &msg));
    ASSERT_EQ(err, 0);
    ASSERT_TRUE(msg == NULL);
    ASSERT_OK(
        veiltun__nl_parse_error(error_msg(17, 1, "ipv4: Address already assigned"), &err, &msg));
    ASSERT_EQ(err, 17);
    ASSERT_STREQ(msg, "ipv4: Address already assigned");
    ASSERT_OK(veiltun__nl_parse_error(error_msg(22, 0, "bad thing"), &err, &msg));
    ASSERT_EQ(err, 22);
    ASSERT_STREQ(msg, "bad thing");
    /* An echoed length that runs past the message loses the text, never the code. */
    error_msg(22, 0, "bad thing");
    ((struct nlmsgerr *)mnl_nlmsg_get_payload((struct nlmsghdr *)buf))->msg.nlmsg_len = 4000;
    ASSERT_OK(veiltun__nl_parse_error((struct nlmsghdr *)buf, &err, &msg));
    ASSERT_EQ(err, 22);
    ASSERT_TRUE(msg == NULL);
    /* Codes the kernel never sends (fuzzing found INT_MIN, which cannot be negated). */
    error_msg(0, 1, NULL);
    ((struct nlmsgerr *)mnl_nlmsg_get_payload((struct nlmsghdr *)buf))->error = INT_MIN;
    ASSERT_EQ(veiltun__nl_parse_error((struct nlmsghdr *)buf, &err, &msg), VEILTUN_EPROTO);
    ASSERT_EQ(veiltun__nl_parse_error(error_msg(-1, 1, NULL), &err, &msg), VEILTUN_EPROTO);
    /* Too short to hold the error. */
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = NLMSG_ERROR;
    ASSERT_EQ(veiltun__nl_parse_error(nlh, &err, &msg), VEILTUN_EPROTO);
}

/* Datagrams whose message lengths do not fit are refused before libmnl walks them. */
static void test_datagram_ok(void)
{
    struct nlmsghdr *nlh = error_msg(0, 1, NULL);
    size_t one = nlh->nlmsg_len;

    ASSERT_TRUE(veiltun__nl_datagram_ok(buf, one));
    memcpy(buf + MNL_ALIGN(one), buf, one); /* two messages */
    ASSERT_TRUE(veiltun__nl_datagram_ok(buf, MNL_ALIGN(one) + one));
    ASSERT_TRUE(!veiltun__nl_datagram_ok(buf, MNL_ALIGN(one) + one - 1)); /* second cut */
    ASSERT_TRUE(!veiltun__nl_datagram_ok(buf, 8));                        /* half a header */
    ((struct nlmsghdr *)(void *)(buf + MNL_ALIGN(one)))->nlmsg_len = 0x80000010u; /* "negative" */
    ASSERT_TRUE(!veiltun__nl_datagram_ok(buf, MNL_ALIGN(one) + one));
    nlh->nlmsg_len = 8; /* shorter than a header */
    ASSERT_TRUE(!veiltun__nl_datagram_ok(buf, one));
    ASSERT_TRUE(veiltun__nl_datagram_ok(buf, 0));
}

int main(void)
{
    test_datagram_ok();
    test_setlink();
    test_getlink();
    test_addr();
    test_route();
    test_parse_link();
    test_parse_linkinfo();
    test_parse_addr();
    test_parse_error();
    return 0;
}
