/* SPDX-License-Identifier: MIT */
/* The adapter's IP configuration as Windows makes it possible: the LUID exists before IP Helper
 * knows the adapter's IPv4 and IPv6 interfaces, which appear one by one some time later
 * (meh/rust-tun#161, mullvad/mullvadvpn-app#10458; wireguard-windows configures each family
 * when its MibAddInstance notification comes, tunnel/interfacewatcher.go). So:
 *   - open waits, bounded, for IPv4, and a little longer for IPv6 (veiltun__ipconfig_wait);
 *   - a request for a family that has not appeared yet (an MTU, a metric, an address, a route)
 *     is kept and applied when it appears (veiltun__ipconfig_arrived, from the notification);
 *   - a machine with IPv6 turned off is told apart by its registry setting: there, IPv6
 *     requests fail with VEILTUN_EAFNOSUPPORT instead of waiting forever.
 * Everything here runs with the handle's lock held. */
#include "../internal.h"
#include "iphlp.h"
#include "win.h"

#include <string.h>

#define PENDING_ADDRESS 1
#define PENDING_ROUTE   2

#define IPV6_GRACE_MS   2000 /* after IPv4, how much longer open waits for IPv6 */
#define IPV6_MIN_MTU    1280 /* RFC 8200 */
#define DEFAULT_WAIT_MS 15000
#define REPROBE_MS      250 /* open looks again even without a notification */

static const char *family_name(int fam)
{
    return fam == VEILTUN__V4 ? "IPv4" : "IPv6";
}

static int family_of(const veiltun_prefix *p)
{
    return p->family == VEILTUN_AF_INET ? VEILTUN__V4 : VEILTUN__V6;
}

static uint64_t luid_of(veiltun *dev)
{
    return atomic_load(&dev->sys.luid);
}

/* 1 if the family's interface exists now, 0 if not yet, or an error. */
static int probe(veiltun *dev, int fam)
{
    MIB_IPINTERFACE_ROW row;
    int err = veiltun__ip_get_interface(luid_of(dev), fam, &row);

    if (err == 0)
        atomic_store(&dev->sys.fam[fam].arrived, 1);
    return err == 0 ? 1 : err == VEILTUN__ENOTYET ? 0 : err;
}

/* What a tunnel wants of its own IP interfaces, as wireguard-windows sets them
 * (tunnel/addressconfig.go): no router solicitations, no DAD probes, no DHCPv6 flags; and an
 * MTU or metric asked for before the family appeared. */
static int apply_settings(veiltun *dev, int fam)
{
    struct veiltun__family *f = &dev->sys.fam[fam];
    MIB_IPINTERFACE_ROW row;
    int err;

    if (!dev->created && f->mtu == 0 && !f->metric_set)
        return 0;
    if ((err = veiltun__ip_get_interface(luid_of(dev), fam, &row)) < 0)
        return err;
    if (dev->created) {
        row.RouterDiscoveryBehavior = RouterDiscoveryDisabled;
        row.DadTransmits = 0;
        row.ManagedAddressConfigurationSupported = FALSE;
        row.OtherStatefulConfigurationSupported = FALSE;
    }
    if (f->mtu != 0)
        row.NlMtu = f->mtu;
    if (f->metric_set) {
        row.UseAutomaticMetric = FALSE;
        row.Metric = f->metric;
    }
    err = veiltun__ip_set_interface(&row, "configure interface");
    if (err == 0) {
        f->mtu = 0;
        f->metric_set = 0;
    }
    return err;
}

static int apply_one(veiltun *dev, const struct veiltun__pending *p)
{
    if (p->kind == PENDING_ADDRESS)
        return veiltun__ip_address(luid_of(dev), &p->dst, 1);
    return veiltun__ip_route(luid_of(dev), &p->dst, p->has_gw ? &p->gw : NULL, p->metric, 1);
}

/* Requests kept while the family was away; one that fails now is logged (its caller was told
 * 0 long ago) and dropped, the rest still go. One that finds the family gone again stays. */
static void apply_pending(veiltun *dev, int fam)
{
    struct veiltun__family *f = &dev->sys.fam[fam];
    char text[VEILTUN_PREFIX_STRLEN];
    int kept = 0;

    for (int i = 0; i < f->n_pending; i++) {
        int err = apply_one(dev, &f->pending[i]);
        if (err == VEILTUN__ENOTYET) {
            f->pending[kept++] = f->pending[i];
        } else if (err < 0) {
            veiltun_format_prefix(&f->pending[i].dst, text, sizeof(text));
            veiltun__log(VEILTUN_LOG_ERROR, "%s: %s appeared, but adding the %s %s failed: %s",
                         dev->name, family_name(fam),
                         f->pending[i].kind == PENDING_ADDRESS ? "address" : "route", text,
                         veiltun_strerror(err));
        }
    }
    f->n_pending = kept;
}

int veiltun__ipconfig_arrived(veiltun *dev, int fam)
{
    struct veiltun__family *f = &dev->sys.fam[fam];
    int err;

    if (f->configured)
        return 0;
    err = apply_settings(dev, fam);
    if (err == VEILTUN__ENOTYET) /* gone again before we got to it: the next arrival */
        return 0;
    apply_pending(dev, fam);
    f->configured = 1;
    if (err < 0)
        veiltun__log(VEILTUN_LOG_ERROR, "%s: configuring its %s interface failed: %s", dev->name,
                     family_name(fam), veiltun_strerror(err));
    return err;
}

void veiltun__ipconfig_departed(veiltun *dev, int fam)
{
    atomic_store(&dev->sys.fam[fam].arrived, 0);
    dev->sys.fam[fam].configured = 0;
}

int veiltun__ipconfig_wait(veiltun *dev, uint32_t timeout_ms)
{
    struct veiltun__sys *s = &dev->sys;
    ULONGLONG now = GetTickCount64(), deadline, v6_deadline = 0;
    int err;

    deadline = now + (timeout_ms ? timeout_ms : DEFAULT_WAIT_MS);
    s->ipv6_disabled = veiltun__ip_ipv6_disabled();
    for (;;) {
        for (int fam = 0; fam < 2; fam++) {
            if (fam == VEILTUN__V6 && s->ipv6_disabled)
                continue;
            if (!atomic_load(&s->fam[fam].arrived) && (err = probe(dev, fam)) < 0)
                return err;
        }
        now = GetTickCount64();
        if (atomic_load(&s->fam[VEILTUN__V4].arrived)) {
            if (v6_deadline == 0)
                v6_deadline = now + IPV6_GRACE_MS < deadline ? now + IPV6_GRACE_MS : deadline;
            if (s->ipv6_disabled || atomic_load(&s->fam[VEILTUN__V6].arrived))
                break;
            if (now >= v6_deadline) {
                veiltun__log(VEILTUN_LOG_INFO,
                             "%s: IPv6 has not appeared yet; its settings will be applied "
                             "when it does",
                             dev->name);
                break;
            }
        } else if (now >= deadline) {
            veiltun__log(VEILTUN_LOG_ERROR,
                         "%s: Windows did not bring up the adapter's IPv4 interface within "
                         "%lu ms",
                         dev->name, (unsigned long)(timeout_ms ? timeout_ms : DEFAULT_WAIT_MS));
            return veiltun__fail_os(VEILTUN_ETIMEDOUT, ERROR_NOT_FOUND);
        }
        ULONGLONG until = atomic_load(&s->fam[VEILTUN__V4].arrived) ? v6_deadline : deadline;
        DWORD wait = (DWORD)(until - now < REPROBE_MS ? until - now : REPROBE_MS);
        WaitForSingleObject(s->arrival_event, wait);
    }
    veiltun__sys_lock(dev);
    s->open_done = 1;
    err = 0;
    for (int fam = 0; fam < 2 && err == 0; fam++) {
        if (atomic_load(&s->fam[fam].arrived))
            err = veiltun__ipconfig_arrived(dev, fam);
    }
    veiltun__sys_unlock(dev);
    return err;
}

/* ---- requests ---- */

static int family_off(veiltun *dev, int fam)
{
    if (fam != VEILTUN__V6 || !dev->sys.ipv6_disabled)
        return 0;
    veiltun__log(VEILTUN_LOG_ERROR, "%s: IPv6 is disabled on this machine (DisabledComponents)",
                 dev->name);
    return veiltun__fail_os(VEILTUN_EAFNOSUPPORT, ERROR_NOT_FOUND);
}

/* Sets the MTU or metric of one family now, or keeps it for when the family appears. */
static int change_family(veiltun *dev, int fam, const unsigned *mtu, const uint32_t *metric)
{
    struct veiltun__family *f = &dev->sys.fam[fam];
    MIB_IPINTERFACE_ROW row;
    int err = veiltun__ip_get_interface(luid_of(dev), fam, &row);

    if (err == 0) {
        if (mtu != NULL)
            row.NlMtu = *mtu;
        if (metric != NULL) {
            row.UseAutomaticMetric = FALSE;
            row.Metric = *metric;
        }
        err = veiltun__ip_set_interface(&row, mtu ? "set MTU" : "set metric");
    }
    if (err != VEILTUN__ENOTYET)
        return err;
    if (mtu != NULL)
        f->mtu = *mtu;
    if (metric != NULL) {
        f->metric_set = 1;
        f->metric = *metric;
    }
    f->configured = 0;
    if (atomic_load(&f->arrived)) /* it appeared meanwhile: its callback waits for our lock */
        return veiltun__ipconfig_arrived(dev, fam);
    return 0;
}

/* change_family on every family the machine has (not IPv6 where it is disabled). */
static int change_families(veiltun *dev, const unsigned *mtu, const uint32_t *metric)
{
    int err = 0;

    for (int fam = 0; fam < 2 && err == 0; fam++) {
        if (fam != VEILTUN__V6 || !dev->sys.ipv6_disabled)
            err = change_family(dev, fam, mtu, metric);
    }
    return err;
}

int veiltun__ipconfig_set_mtu(veiltun *dev, unsigned mtu)
{
    /* IPv6's MTU cannot go below 1280: setting IPv4 alone would leave IPv6 at its old MTU
     * (65535 on a fresh adapter) and black-hole IPv6 packets above the caller's buffers. */
    if (mtu < IPV6_MIN_MTU && !dev->sys.ipv6_disabled)
        return veiltun__fail_input(VEILTUN_EBADMTU,
                                   "%s: MTU %u is below IPv6's minimum of 1280 and the adapter "
                                   "carries IPv6",
                                   dev->name, mtu);
    return change_families(dev, &mtu, NULL);
}

int veiltun__ipconfig_set_metric(veiltun *dev, uint32_t metric)
{
    return change_families(dev, NULL, &metric);
}

static int same_request(const struct veiltun__pending *p, int kind, const veiltun_prefix *dst,
                        const veiltun_prefix *gw, uint32_t metric)
{
    if (p->kind != kind || memcmp(&p->dst, dst, sizeof(*dst)) != 0)
        return 0;
    if (kind == PENDING_ADDRESS)
        return 1;
    return p->metric == metric && p->has_gw == (gw != NULL) &&
           (gw == NULL || memcmp(&p->gw, gw, sizeof(*gw)) == 0);
}

/* Keeps an address or route of a family that has not appeared. */
static int keep(veiltun *dev, int kind, const veiltun_prefix *dst, const veiltun_prefix *gw,
                uint32_t metric)
{
    int fam = family_of(dst);
    struct veiltun__family *f = &dev->sys.fam[fam];
    struct veiltun__pending *p;

    for (int i = 0; i < f->n_pending; i++) {
        if (same_request(&f->pending[i], kind, dst, gw, metric))
            return veiltun__fail_os(VEILTUN_EEXIST, ERROR_OBJECT_ALREADY_EXISTS);
    }
    if (f->n_pending == VEILTUN__PENDING_MAX) {
        veiltun__log(VEILTUN_LOG_ERROR, "%s: too many requests wait for %s to appear", dev->name,
                     family_name(fam));
        return veiltun__fail_os(VEILTUN_ENOBUFS, ERROR_NOT_FOUND);
    }
    p = &f->pending[f->n_pending++];
    memset(p, 0, sizeof(*p));
    p->kind = kind;
    p->dst = *dst;
    if (gw != NULL) {
        p->gw = *gw;
        p->has_gw = 1;
    }
    p->metric = metric;
    f->configured = 0;
    veiltun__log(VEILTUN_LOG_INFO, "%s: %s has not appeared yet: kept until it does", dev->name,
                 family_name(fam));
    if (atomic_load(&f->arrived))
        return veiltun__ipconfig_arrived(dev, fam);
    return 0;
}

/* Drops a kept request; 1 if there was one. */
static int forget(veiltun *dev, int kind, const veiltun_prefix *dst, const veiltun_prefix *gw,
                  uint32_t metric)
{
    struct veiltun__family *f = &dev->sys.fam[family_of(dst)];

    for (int i = 0; i < f->n_pending; i++) {
        if (same_request(&f->pending[i], kind, dst, gw, metric)) {
            f->pending[i] = f->pending[--f->n_pending];
            return 1;
        }
    }
    return 0;
}

int veiltun__ipconfig_address(veiltun *dev, const veiltun_prefix *p, int add)
{
    int err = family_off(dev, family_of(p));

    if (err < 0)
        return err;
    if (!add && forget(dev, PENDING_ADDRESS, p, NULL, 0))
        return 0;
    err = veiltun__ip_address(luid_of(dev), p, add);
    if (err == VEILTUN__ENOTYET)
        return add ? keep(dev, PENDING_ADDRESS, p, NULL, 0)
                   : veiltun__fail_os(VEILTUN_EADDRNOTAVAIL, ERROR_NOT_FOUND);
    return err;
}

int veiltun__ipconfig_route(veiltun *dev, const veiltun_prefix *dst, const veiltun_prefix *gw,
                            uint32_t metric, int add)
{
    int err = family_off(dev, family_of(dst));

    if (err < 0)
        return err;
    if (!add && forget(dev, PENDING_ROUTE, dst, gw, metric))
        return 0;
    err = veiltun__ip_route(luid_of(dev), dst, gw, metric, add);
    if (err == VEILTUN__ENOTYET)
        return add ? keep(dev, PENDING_ROUTE, dst, gw, metric)
                   : veiltun__fail_os(VEILTUN_ENOENT, ERROR_NOT_FOUND);
    return err;
}

int veiltun__ipconfig_mtu(veiltun *dev, unsigned *mtu)
{
    MIB_IPINTERFACE_ROW row;
    int err = veiltun__ip_get_interface(luid_of(dev), VEILTUN__V4, &row);

    if (err == VEILTUN__ENOTYET)
        err = veiltun__ip_get_interface(luid_of(dev), VEILTUN__V6, &row);
    if (err == VEILTUN__ENOTYET) /* neither family: the adapter is between two lives */
        err = veiltun__fail_os(VEILTUN_ENODEV, ERROR_NOT_FOUND);
    if (err == 0)
        *mtu = row.NlMtu;
    return err;
}
