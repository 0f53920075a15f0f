/* Looking at TUN devices without attaching to them: one short-lived netlink socket per call. */
#include "../internal.h"
#include "linux.h"
#include "nlmsg.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>

/* A bare handle that only carries a request socket, so the netlink helpers can be shared. */
static int open_probe(veiltun *probe, const char *name)
{
    memset(probe, 0, sizeof(*probe));
    if (name != NULL)
        snprintf(probe->name, sizeof(probe->name), "%s", name);
    return veiltun__nl_open_requests(&probe->sys);
}

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

static int talk(veiltun *probe, struct nlmsghdr *nlh, struct link_list *l, const char *what)
{
    int err = veiltun__nl_talk(probe, nlh, on_link, l, what);

    veiltun__nl_close(&probe->sys);
    if (err == -ENODEV)
        return VEILTUN_ENODEV;
    return err < 0 ? veiltun__linux_map(-err) : 0;
}

int veiltun__sys_query(const char *name, veiltun_info *out)
{
    char buf[VEILTUN__NL_BUFSIZE];
    struct link_list l = {out, 1, 0, 0, 0};
    veiltun probe;
    int err = open_probe(&probe, name);

    if (err == 0)
        err = talk(&probe, veiltun__nl_getlink(buf, 0, 0, name), &l, "query");
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
    veiltun probe;
    int err = open_probe(&probe, NULL);

    if (err == 0)
        err = talk(&probe, veiltun__nl_getlinks(buf, 0), &l, "list devices");
    if (err < 0)
        return err;
    return l.count > INT32_MAX ? INT32_MAX : (int)l.count;
}

int veiltun__sys_query_addresses(const char *name, veiltun_prefix *out, size_t max)
{
    veiltun_info info;
    veiltun probe;
    int err = veiltun__sys_query(name, &info);

    if (err < 0)
        return err;
    err = open_probe(&probe, name);
    if (err < 0)
        return err;
    probe.ifindex = info.index;
    err = veiltun__sys_get_addresses(&probe, out, max);
    veiltun__nl_close(&probe.sys);
    return err;
}
