/* SPDX-License-Identifier: MIT */
/* Building and parsing rtnetlink messages (see nlmsg.h). Message layouts follow
 * rtnetlink(7) and <linux/rtnetlink.h>. */
#include "nlmsg.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

static struct nlmsghdr *start(void *buf, uint16_t type, uint16_t flags, uint32_t seq)
{
    struct nlmsghdr *nlh;

    /* libmnl leaves the alignment padding after an attribute as it found it; a request must
     * not carry stray stack bytes to the kernel (valgrind reports every such send). */
    memset(buf, 0, VEILTUN__NL_BUFSIZE);
    nlh = mnl_nlmsg_put_header(buf);
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

struct nlmsghdr *veiltun__nl_getlinks(void *buf, uint32_t seq)
{
    struct nlmsghdr *nlh = start(buf, RTM_GETLINK, NLM_F_DUMP, seq);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

    ifi->ifi_family = AF_UNSPEC;
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
    const struct nlattr *tb[IFLA_MAX + 1];
    int max;
};
_Static_assert(IFA_MAX <= IFLA_MAX && NLMSGERR_ATTR_MAX <= IFLA_MAX && IFLA_INFO_MAX <= IFLA_MAX &&
                   IFLA_TUN_MAX <= IFLA_MAX,
               "attrs.tb must hold every attribute family we parse");

/* Indexes the attributes after a @p hdrlen-byte family header. Unlike a plain walk, which
 * stops quietly at a bad attribute, this insists that the attributes fill the message
 * exactly: a reply that does not is malformed, and nothing in it is trusted. */
static int parse_range(const char *start, int len, int max, struct attrs *a)
{
    const struct nlattr *attr;

    memset(a, 0, sizeof(*a));
    a->max = max;
    for (attr = (const void *)start; mnl_attr_ok(attr, len); attr = mnl_attr_next(attr)) {
        int type = mnl_attr_get_type(attr);
        if (type <= a->max)
            a->tb[type] = attr;
        len -= (int)MNL_ALIGN(attr->nla_len);
    }
    return len == 0 ? 0 : VEILTUN_EPROTO;
}

static int parse_attrs(const struct nlmsghdr *nlh, size_t hdrlen, int max, struct attrs *a)
{
    const char *start, *end;

    memset(a, 0, sizeof(*a));
    if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN || mnl_nlmsg_get_payload_len(nlh) < hdrlen)
        return VEILTUN_EPROTO;
    start = (const char *)mnl_nlmsg_get_payload_offset(nlh, hdrlen);
    end = (const char *)nlh + nlh->nlmsg_len;
    return parse_range(start, start < end ? (int)(end - start) : 0, max, a);
}

static int parse_nested(const struct nlattr *nest, int max, struct attrs *a)
{
    return parse_range(mnl_attr_get_payload(nest), (int)mnl_attr_get_payload_len(nest), max, a);
}

/* An optional attribute of a fixed-size integer type: 0 if absent or valid. */
static int get_u8(const struct nlattr *attr, int *out)
{
    if (attr == NULL)
        return 0;
    if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
        return VEILTUN_EPROTO;
    *out = mnl_attr_get_u8(attr);
    return 0;
}

static int get_u32(const struct nlattr *attr, int64_t *out)
{
    if (attr == NULL)
        return 0;
    if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
        return VEILTUN_EPROTO;
    *out = mnl_attr_get_u32(attr);
    return 0;
}

/* IFLA_INFO_DATA of a "tun" link: mode, persistence, owner and group. */
static int parse_tun_data(const struct nlattr *data, struct veiltun__nl_link *out)
{
    struct attrs a;
    int type = 0;

    if (parse_nested(data, IFLA_TUN_MAX, &a) < 0 || get_u8(a.tb[IFLA_TUN_TYPE], &type) < 0 ||
        get_u8(a.tb[IFLA_TUN_PERSIST], &out->info.persist) < 0 ||
        get_u8(a.tb[IFLA_TUN_MULTI_QUEUE], &out->info.multi_queue) < 0 ||
        get_u32(a.tb[IFLA_TUN_OWNER], &out->info.owner) < 0 ||
        get_u32(a.tb[IFLA_TUN_GROUP], &out->info.group) < 0 ||
        get_u8(a.tb[IFLA_TUN_PI], &out->pi) < 0 || get_u8(a.tb[IFLA_TUN_VNET_HDR], &out->vnet) < 0)
        return VEILTUN_EPROTO;
    out->is_tun = type == IFF_TUN;
    return 0;
}

static int parse_linkinfo(const struct nlattr *linkinfo, struct veiltun__nl_link *out)
{
    struct attrs a;

    if (parse_nested(linkinfo, IFLA_INFO_MAX, &a) < 0)
        return VEILTUN_EPROTO;
    if (a.tb[IFLA_INFO_KIND] == NULL ||
        mnl_attr_validate(a.tb[IFLA_INFO_KIND], MNL_TYPE_NUL_STRING) < 0 ||
        strcmp(mnl_attr_get_str(a.tb[IFLA_INFO_KIND]), "tun") != 0)
        return 0;
    /* Kernels before 4.15 report the kind but no data: assume TUN, say "unknown" for the
     * rest. */
    out->is_tun = 1;
    return a.tb[IFLA_INFO_DATA] ? parse_tun_data(a.tb[IFLA_INFO_DATA], out) : 0;
}

static void parse_stats(const struct nlattr *attr, veiltun_os_counters *c)
{
    struct rtnl_link_stats64 st;

    if (attr == NULL || mnl_attr_get_payload_len(attr) < sizeof(st))
        return;
    memcpy(&st, mnl_attr_get_payload(attr), sizeof(st));
    c->rx_packets = st.rx_packets;
    c->rx_bytes = st.rx_bytes;
    c->rx_errors = st.rx_errors;
    c->rx_dropped = st.rx_dropped;
    c->tx_packets = st.tx_packets;
    c->tx_bytes = st.tx_bytes;
    c->tx_errors = st.tx_errors;
    c->tx_dropped = st.tx_dropped;
}

int veiltun__nl_parse_link(const struct nlmsghdr *nlh, struct veiltun__nl_link *out)
{
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    veiltun_info *info = &out->info;
    struct attrs a;
    const char *name;

    memset(out, 0, sizeof(*out));
    out->pi = out->vnet = -1;
    info->persist = info->multi_queue = -1;
    info->owner = info->group = -1;
    if (parse_attrs(nlh, sizeof(*ifi), IFLA_MAX, &a) < 0)
        return VEILTUN_EPROTO;
    info->index = ifi->ifi_index;
    info->up = (ifi->ifi_flags & IFF_UP) != 0;
    info->running = (ifi->ifi_flags & IFF_RUNNING) != 0;
    if (a.tb[IFLA_MTU] != NULL) {
        if (mnl_attr_validate(a.tb[IFLA_MTU], MNL_TYPE_U32) < 0)
            return VEILTUN_EPROTO;
        info->mtu = info->mtu6 = mnl_attr_get_u32(a.tb[IFLA_MTU]);
    }
    if (a.tb[IFLA_IFNAME] != NULL) {
        if (mnl_attr_validate(a.tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) < 0)
            return VEILTUN_EPROTO;
        name = mnl_attr_get_str(a.tb[IFLA_IFNAME]);
        if (strlen(name) >= sizeof(info->name))
            return VEILTUN_EPROTO;
        strcpy(info->name, name);
    }
    if (a.tb[IFLA_LINKINFO] != NULL && parse_linkinfo(a.tb[IFLA_LINKINFO], out) < 0)
        return VEILTUN_EPROTO;
    parse_stats(a.tb[IFLA_STATS64], &info->counters);
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
    /* The kernel sends 0 or a negative errno; anything else (INT_MIN cannot even be
     * negated: found by fuzzing) is not an answer from it. */
    if (len < sizeof(*e) || e->error > 0 || e->error < -4095)
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

int veiltun__nl_datagram_ok(const void *buf, size_t len)
{
    const unsigned char *p = buf;

    while (len > 0) {
        const struct nlmsghdr *nlh = (const struct nlmsghdr *)(const void *)p;
        size_t step;
        if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
            return 0;
        step = MNL_ALIGN(nlh->nlmsg_len);
        if (step >= len)
            return 1; /* the last message (its padding may be cut) */
        p += step;
        len -= step;
    }
    return 1;
}
