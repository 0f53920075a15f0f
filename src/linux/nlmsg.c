/* Building and parsing rtnetlink messages (see nlmsg.h). Message layouts follow
 * rtnetlink(7) and <linux/rtnetlink.h>. */
#include "nlmsg.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

static struct nlmsghdr *start(void *buf, uint16_t type, uint16_t flags, uint32_t seq)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    nlh->nlmsg_seq = seq;
    return nlh;
}

static int to_af(int family)
{
    return family == VEILTUN_AF_INET ? AF_INET : AF_INET6;
}

static size_t addr_len(int family)
{
    return family == VEILTUN_AF_INET ? 4 : 16;
}

struct nlmsghdr *veiltun__nl_getlink(void *buf, uint32_t seq, int ifindex, const char *name)
{
    struct nlmsghdr *nlh = start(buf, RTM_GETLINK, NLM_F_ACK, seq);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    if (ifindex == 0 && name != NULL)
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    return nlh;
}

struct nlmsghdr *veiltun__nl_setlink(void *buf, uint32_t seq, int ifindex, unsigned mtu, int up)
{
    struct nlmsghdr *nlh = start(buf, RTM_NEWLINK, NLM_F_ACK, seq);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    if (up >= 0) {
        ifi->ifi_change = IFF_UP;
        ifi->ifi_flags = up ? IFF_UP : 0;
    }
    if (mtu != 0)
        mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
    return nlh;
}

struct nlmsghdr *veiltun__nl_addr(void *buf, uint32_t seq, int ifindex, const veiltun_prefix *p,
                                  int add)
{
    uint16_t flags = add ? NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL : NLM_F_ACK;
    struct nlmsghdr *nlh = start(buf, add ? RTM_NEWADDR : RTM_DELADDR, flags, seq);
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

    ifa->ifa_family = (uint8_t)to_af(p->family);
    ifa->ifa_prefixlen = (uint8_t)p->prefix_len;
    ifa->ifa_index = (uint32_t)ifindex;
    /* Duplicate address detection would leave a new IPv6 address "tentative" (unusable) for
     * about a second; on a point-to-point TUN there is no one to collide with. */
    if (p->family == VEILTUN_AF_INET6)
        ifa->ifa_flags = IFA_F_NODAD;
    mnl_attr_put(nlh, IFA_LOCAL, addr_len(p->family), p->addr);
    mnl_attr_put(nlh, IFA_ADDRESS, addr_len(p->family), p->addr);
    return nlh;
}

struct nlmsghdr *veiltun__nl_getaddrs(void *buf, uint32_t seq)
{
    struct nlmsghdr *nlh = start(buf, RTM_GETADDR, NLM_F_DUMP, seq);
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

    ifa->ifa_family = AF_UNSPEC;
    return nlh;
}

struct nlmsghdr *veiltun__nl_route(void *buf, uint32_t seq, int ifindex, const veiltun_prefix *dst,
                                   const veiltun_prefix *gw, uint32_t metric, int add)
{
    uint16_t flags = add ? NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL : NLM_F_ACK;
    struct nlmsghdr *nlh = start(buf, add ? RTM_NEWROUTE : RTM_DELROUTE, flags, seq);
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

    rtm->rtm_family = (uint8_t)to_af(dst->family);
    rtm->rtm_dst_len = (uint8_t)dst->prefix_len;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_BOOT;
    rtm->rtm_type = RTN_UNICAST;
    /* A delete with scope "nowhere" matches the route whatever scope it was added with. */
    if (!add)
        rtm->rtm_scope = RT_SCOPE_NOWHERE;
    else
        rtm->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    if (dst->prefix_len > 0)
        mnl_attr_put(nlh, RTA_DST, addr_len(dst->family), dst->addr);
    if (gw != NULL)
        mnl_attr_put(nlh, RTA_GATEWAY, addr_len(gw->family), gw->addr);
    mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
    if (metric != 0)
        mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
    return nlh;
}

/* ---- parsing ---- */

struct attrs {
    const struct nlattr *tb[IFLA_MAX + IFA_MAX + NLMSGERR_ATTR_MAX + 1];
    int max;
};

/* Indexes the attributes after a @p hdrlen-byte family header. Unlike a plain walk, which
 * stops quietly at a bad attribute, this insists that the attributes fill the message
 * exactly: a reply that does not is malformed, and nothing in it is trusted. */
static int parse_attrs(const struct nlmsghdr *nlh, size_t hdrlen, int max, struct attrs *a)
{
    const struct nlattr *attr;
    const char *start, *end;
    int len;

    memset(a, 0, sizeof(*a));
    a->max = max;
    if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN || mnl_nlmsg_get_payload_len(nlh) < hdrlen)
        return VEILTUN_EPROTO;
    start = (const char *)mnl_nlmsg_get_payload_offset(nlh, hdrlen);
    end = (const char *)nlh + nlh->nlmsg_len;
    len = start < end ? (int)(end - start) : 0;
    for (attr = (const struct nlattr *)start; mnl_attr_ok(attr, len); attr = mnl_attr_next(attr)) {
        int type = mnl_attr_get_type(attr);
        if (type <= a->max)
            a->tb[type] = attr;
        len -= (int)MNL_ALIGN(attr->nla_len);
    }
    return len == 0 ? 0 : VEILTUN_EPROTO;
}

int veiltun__nl_parse_link(const struct nlmsghdr *nlh, struct veiltun__nl_link *out)
{
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    struct attrs a;
    const char *name;

    memset(out, 0, sizeof(*out));
    if (parse_attrs(nlh, sizeof(*ifi), IFLA_MAX, &a) < 0)
        return VEILTUN_EPROTO;
    out->ifindex = ifi->ifi_index;
    out->up = (ifi->ifi_flags & IFF_UP) != 0;
    if (a.tb[IFLA_MTU] != NULL) {
        if (mnl_attr_validate(a.tb[IFLA_MTU], MNL_TYPE_U32) < 0)
            return VEILTUN_EPROTO;
        out->mtu = mnl_attr_get_u32(a.tb[IFLA_MTU]);
    }
    if (a.tb[IFLA_IFNAME] != NULL) {
        if (mnl_attr_validate(a.tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) < 0)
            return VEILTUN_EPROTO;
        name = mnl_attr_get_str(a.tb[IFLA_IFNAME]);
        if (strlen(name) >= sizeof(out->name))
            return VEILTUN_EPROTO;
        strcpy(out->name, name);
    }
    return 0;
}

int veiltun__nl_parse_addr(const struct nlmsghdr *nlh, int *ifindex, veiltun_prefix *out)
{
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *addr;
    struct attrs a;
    size_t len;

    memset(out, 0, sizeof(*out));
    if (parse_attrs(nlh, sizeof(*ifa), IFA_MAX, &a) < 0)
        return VEILTUN_EPROTO;
    if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
        return VEILTUN_EAGAIN;
    out->family = ifa->ifa_family == AF_INET ? VEILTUN_AF_INET : VEILTUN_AF_INET6;
    len = addr_len(out->family);
    /* On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL is always our own. */
    addr = a.tb[IFA_LOCAL] ? a.tb[IFA_LOCAL] : a.tb[IFA_ADDRESS];
    if (addr == NULL || mnl_attr_get_payload_len(addr) != len || ifa->ifa_prefixlen > len * 8)
        return VEILTUN_EPROTO;
    memcpy(out->addr, mnl_attr_get_payload(addr), len);
    out->prefix_len = ifa->ifa_prefixlen;
    *ifindex = (int)ifa->ifa_index;
    return 0;
}

int veiltun__nl_parse_error(const struct nlmsghdr *nlh, int *err, const char **msg)
{
    const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
    size_t len = mnl_nlmsg_get_payload_len(nlh), off = sizeof(*e);
    struct attrs a;

    *msg = NULL;
    if (len < sizeof(*e))
        return VEILTUN_EPROTO;
    *err = -e->error;
    if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
        return 0;
    /* Without NLM_F_CAPPED the kernel echoes our whole request before the TLVs. */
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
        off += e->msg.nlmsg_len >= sizeof(struct nlmsghdr)
                   ? MNL_ALIGN(e->msg.nlmsg_len - sizeof(struct nlmsghdr))
                   : 0;
    if (off > len || parse_attrs(nlh, off, NLMSGERR_ATTR_MAX, &a) < 0)
        return 0; /* the error code is still good; only the text is lost */
    if (a.tb[NLMSGERR_ATTR_MSG] != NULL &&
        mnl_attr_validate(a.tb[NLMSGERR_ATTR_MSG], MNL_TYPE_NUL_STRING) == 0)
        *msg = mnl_attr_get_str(a.tb[NLMSGERR_ATTR_MSG]);
    return 0;
}
