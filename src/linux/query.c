/* SPDX-License-Identifier: MIT */
/* Looking at TUN devices without attaching to them: one short-lived netlink socket per call. */
#include "../internal.h"
#include "linux.h"
#include "nlmsg.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>

struct link_list {
    veiltun_info *out;
    size_t max, count;
    int only_tun;
    int first_is_tun;
};

static int on_link(const struct nlmsghdr *nlh, void *arg)
{
    struct link_list *l = arg;
    struct veiltun__nl_link link;

    if (nlh->nlmsg_type != RTM_NEWLINK || veiltun__nl_parse_link(nlh, &link) < 0)
        return MNL_CB_OK;
    if (l->only_tun && !link.is_tun)
        return MNL_CB_OK;
    if (l->count == 0)
        l->first_is_tun = link.is_tun;
    if (l->count < l->max)
        l->out[l->count] = link.info;
    l->count++;
    return MNL_CB_OK;
}

static void restart_links(void *arg)
{
    struct link_list *l = arg;

    l->count = 0;
    l->first_is_tun = 0;
}

/* One request (@p dump: a dump) on a socket of its own. */
static int talk(const char *name, struct nlmsghdr *nlh, int dump, struct link_list *l,
                const char *what)
{
    struct veiltun__nl nl;
    int err = veiltun__nl_connect(&nl, name);

    if (err < 0)
        return err;
    err = dump ? veiltun__nl_dump(&nl, nlh, on_link, l, restart_links, what)
               : veiltun__nl_talk(&nl, nlh, on_link, l, what);
    veiltun__nl_disconnect(&nl);
    return err < 0 ? veiltun__linux_map(-err) : 0;
}

int veiltun__sys_query(const char *name, veiltun_info *out)
{
    char buf[VEILTUN__NL_BUFSIZE];
    struct link_list l = {out, 1, 0, 0, 0};
    int err = talk(name, veiltun__nl_getlink(buf, 0, 0, name), 0, &l, "query");

    if (err < 0)
        return err;
    if (l.count != 1)
        return veiltun__fail_os(VEILTUN_EPROTO, EPROTO);
    if (!l.first_is_tun) {
        veiltun__log(VEILTUN_LOG_ERROR, "%s: not a TUN device", name);
        return veiltun__fail_os(VEILTUN_ENOTTUN, 0);
    }
    return 0;
}

int veiltun__sys_list(veiltun_info *out, size_t max)
{
    char buf[VEILTUN__NL_BUFSIZE];
    struct link_list l = {out, max, 0, 1, 0};
    int err = talk(NULL, veiltun__nl_getlinks(buf, 0), 1, &l, "list devices");

    if (err < 0)
        return err;
    return l.count > INT32_MAX ? INT32_MAX : (int)l.count;
}

int veiltun__sys_query_addresses(const char *name, veiltun_prefix *out, size_t max)
{
    veiltun_info info;
    struct veiltun__nl nl;
    int err = veiltun__sys_query(name, &info);

    if (err < 0)
        return err;
    err = veiltun__nl_connect(&nl, name);
    if (err < 0)
        return err;
    err = veiltun__linux_addresses(&nl, info.index, out, max);
    veiltun__nl_disconnect(&nl);
    return err;
}
