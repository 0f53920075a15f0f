/* SPDX-License-Identifier: MIT */
/* Addresses and routes: parse and check the caller's text, then one backend request each. */
#include "internal.h"

#include <stddef.h>

static int address_change(veiltun *dev, const char *cidr, int add)
{
    veiltun_prefix p;
    int err;

    if (dev == NULL || cidr == NULL)
        return veiltun__fail_input(VEILTUN_EINVAL, "address: NULL argument");
    err = veiltun_parse_prefix(cidr, &p);
    if (err < 0)
        return err;
    if ((err = veiltun__lock_config(dev)) < 0)
        return err;
    err = veiltun__sys_address(dev, &p, add);
    veiltun__sys_unlock(dev);
    return err;
}

int veiltun_add_address(veiltun *dev, const char *cidr)
{
    return address_change(dev, cidr, 1);
}

int veiltun_del_address(veiltun *dev, const char *cidr)
{
    return address_change(dev, cidr, 0);
}

int veiltun_get_addresses(veiltun *dev, veiltun_prefix *out, size_t max)
{
    int n;

    if (dev == NULL || (out == NULL && max > 0))
        return veiltun__fail_input(VEILTUN_EINVAL, "get_addresses: NULL argument");
    if ((n = veiltun__lock_config(dev)) < 0)
        return n;
    n = veiltun__sys_get_addresses(dev, out, max);
    veiltun__sys_unlock(dev);
    return n;
}

static int parse_gateway(const char *text, const veiltun_prefix *dst, veiltun_prefix *gw)
{
    int err = veiltun_parse_prefix(text, gw);

    if (err < 0)
        return err;
    if (gw->prefix_len != veiltun__family_bits(gw->family))
        return veiltun__fail_input(VEILTUN_EBADADDR, "gateway \"%.60s\": must be one address",
                                   text);
    if (gw->family != dst->family)
        return veiltun__fail_input(VEILTUN_EFAMILY,
                                   "gateway \"%.60s\": family differs from the destination", text);
    return 0;
}

static int route_change(veiltun *dev, const char *dest, const char *gateway, uint32_t metric,
                        int add)
{
    veiltun_prefix dst, gw;
    int err;

    if (dev == NULL || dest == NULL)
        return veiltun__fail_input(VEILTUN_EINVAL, "route: NULL argument");
    err = veiltun_parse_network(dest, &dst);
    if (err == 0 && gateway != NULL)
        err = parse_gateway(gateway, &dst, &gw);
    if (err < 0)
        return err;
    if ((err = veiltun__lock_config(dev)) < 0)
        return err;
    err = veiltun__sys_route(dev, &dst, gateway ? &gw : NULL, metric, add);
    veiltun__sys_unlock(dev);
    return err;
}

int veiltun_add_route(veiltun *dev, const char *dest, const char *gateway, uint32_t metric)
{
    return route_change(dev, dest, gateway, metric, 1);
}

int veiltun_del_route(veiltun *dev, const char *dest, const char *gateway, uint32_t metric)
{
    return route_change(dev, dest, gateway, metric, 0);
}
