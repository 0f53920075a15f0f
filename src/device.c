/* SPDX-License-Identifier: MIT */
/* The portable front: argument checks, dispatch to the backend, counters, events. */
#include "internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The structure of the first version (0.1); later versions only add fields after it. */
#define CONFIG_V1_SIZE (offsetof(veiltun_config, netns_fd) + sizeof(int))

static void config_defaults(veiltun_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->size = sizeof(*cfg);
    cfg->mode = VEILTUN_OPEN_CREATE_OR_ATTACH;
    cfg->owner = -1;
    cfg->group = -1;
    cfg->netns_fd = -1;
}

void veiltun_config_init_size(veiltun_config *cfg, size_t size)
{
    veiltun_config d;

    if (cfg == NULL || size < sizeof(size_t))
        return;
    config_defaults(&d);
    d.size = size;
    /* A caller compiled with a newer header has fields past ours: zero is their default. */
    memset(cfg, 0, size);
    memcpy(cfg, &d, size < sizeof(d) ? size : sizeof(d));
}

/* The caller's config as this version's structure: fields it does not know get defaults;
 * fields a newer header added must be left at zero (their default) to be ignored. */
static int read_config(const veiltun_config *cfg, veiltun_config *out)
{
    config_defaults(out);
    if (cfg->size < CONFIG_V1_SIZE)
        return veiltun__fail_input(
            VEILTUN_EINVAL, "open: config not made by veiltun_config_init (size %zu)", cfg->size);
    for (size_t i = sizeof(*out); i < cfg->size; i++) {
        if (((const unsigned char *)cfg)[i] != 0)
            return veiltun__fail_input(VEILTUN_ENOTSUP,
                                       "open: the config sets a field this library (%s) lacks",
                                       veiltun_version());
    }
    memcpy(out, cfg, cfg->size < sizeof(*out) ? cfg->size : sizeof(*out));
    out->size = sizeof(*out);
    return 0;
}

/* Checked on every OS, so a configuration that works on one never fails late on another. */
static int check_windows_options(const veiltun_config *cfg)
{
    uint32_t cap = cfg->ring_capacity;

    if (cap != 0 && (cap < VEILTUN_RING_MIN || cap > VEILTUN_RING_MAX || (cap & (cap - 1)) != 0))
        return veiltun__fail_input(VEILTUN_EINVAL,
                                   "open: ring capacity %u is not a power of two from 128 KiB "
                                   "to 64 MiB",
                                   (unsigned)cap);
    if (cfg->tunnel_type != NULL && (cfg->tunnel_type[0] == '\0' || strlen(cfg->tunnel_type) > 127))
        return veiltun__fail_input(VEILTUN_EINVAL, "open: tunnel type must be 1-127 bytes");
    if (cfg->setup_timeout_ms > 600000)
        return veiltun__fail_input(VEILTUN_EINVAL, "open: setup timeout above 600000 ms");
    return 0;
}

#define VEILTUN__OPEN_FLAGS                                                                        \
    (VEILTUN_F_PERSIST | VEILTUN_F_OFFLOAD | VEILTUN_F_MULTI_QUEUE | VEILTUN_F_RING_GROW)

static int check_config(const veiltun_config *cfg)
{
    const char *name = cfg->name ? cfg->name : "veil%d";
    const char *why;
    int err;

    if ((unsigned)cfg->mode > VEILTUN_OPEN_ATTACH)
        return veiltun__fail_input(VEILTUN_EINVAL, "open: unknown mode %d", (int)cfg->mode);
    if (cfg->flags & ~VEILTUN__OPEN_FLAGS)
        return veiltun__fail_input(VEILTUN_EBADFLAGS, "open: unknown flags 0x%x",
                                   (unsigned)(cfg->flags & ~VEILTUN__OPEN_FLAGS));
    err = veiltun__check_name(name, &why);
    if (err < 0)
        return veiltun__fail_input(err, "device name %s", why);
    if (cfg->mode == VEILTUN_OPEN_ATTACH && veiltun__name_is_template(name))
        return veiltun__fail_input(VEILTUN_EBADFLAGS, "open: cannot attach to a template name");
    err = check_windows_options(cfg);
    if (err < 0)
        return err;
    if (cfg->netns_fd != -1 && !VEILTUN__HAS_NETNS)
        return veiltun__fail_input(VEILTUN_ENOTSUP, "open: network namespaces are Linux's");
    if (cfg->netns_fd < -1)
        return veiltun__fail_input(VEILTUN_EBADF, "open: netns_fd %d is not a descriptor",
                                   cfg->netns_fd);
    if (cfg->owner < -1 || cfg->owner > (int64_t)UINT32_MAX - 1 || cfg->group < -1 ||
        cfg->group > (int64_t)UINT32_MAX - 1)
        return veiltun__fail_input(VEILTUN_EINVAL, "open: owner or group out of range");
    return 0;
}

static veiltun *alloc_handle(void)
{
    veiltun *dev = calloc(1, sizeof(*dev));

    if (dev == NULL)
        veiltun__fail_os(VEILTUN_ENOMEM, 0);
    return dev;
}

/* After the backend attached: the state every later event is compared with. */
static void start_tracking(veiltun *dev)
{
    memcpy(dev->label, dev->name, sizeof(dev->label));
    dev->reported = dev->known;
    atomic_store(&dev->mtu_cache, dev->known.mtu);
}

int veiltun_open(const veiltun_config *caller_cfg, veiltun **out)
{
    veiltun_config cfg;
    veiltun *dev;
    int err;

    if (out != NULL)
        *out = NULL;
    if (caller_cfg == NULL || out == NULL)
        return veiltun__fail_input(VEILTUN_EINVAL, "open: NULL argument");
    err = read_config(caller_cfg, &cfg);
    if (err == 0)
        err = check_config(&cfg);
    if (err < 0)
        return err;
    dev = alloc_handle();
    if (dev == NULL)
        return VEILTUN_ENOMEM;
    err = veiltun__sys_open(dev, &cfg);
    if (err < 0) {
        free(dev);
        return err;
    }
    start_tracking(dev);
    *out = dev;
    return 0;
}

int veiltun_adopt(veiltun_os_handle fd, veiltun **out)
{
    veiltun *dev;
    int err;

    if (out != NULL)
        *out = NULL;
    if (out == NULL)
        return veiltun__fail_input(VEILTUN_EINVAL, "adopt: NULL argument");
    dev = alloc_handle();
    if (dev == NULL)
        return VEILTUN_ENOMEM;
    err = veiltun__sys_adopt(dev, fd);
    if (err < 0) {
        free(dev);
        return err;
    }
    start_tracking(dev);
    *out = dev;
    return 0;
}

void veiltun_close(veiltun *dev)
{
    if (dev == NULL)
        return;
    atomic_store(&dev->closing, 1);
    veiltun__sys_cancel(dev);
    /* Waiters see the cancel at once, and a write waiting for ring space sees closing; they
     * only need to leave the handle before it goes. */
    while (atomic_load(&dev->waiters) > 0 || atomic_load(&dev->writers) > 0)
        veiltun__sys_pause();
    veiltun__sys_close(dev);
    free(dev);
}

const char *veiltun_get_name(const veiltun *dev)
{
    /* A copy per thread: the handle's own name changes under the lock when an event reports a
     * rename, which may happen in another thread while the caller reads the string. */
    static _Thread_local char copy[VEILTUN_NAME_MAX + 1];
    veiltun *d = (veiltun *)(uintptr_t)dev; /* the lock is not part of the handle's value */

    if (dev == NULL)
        return NULL;
    veiltun__sys_lock(d);
    memcpy(copy, d->name, sizeof(copy));
    veiltun__sys_unlock(d);
    return copy;
}

int veiltun_get_index(const veiltun *dev)
{
    return dev ? dev->ifindex : VEILTUN_EINVAL;
}

int veiltun_created(const veiltun *dev)
{
    return dev ? dev->created : VEILTUN_EINVAL;
}

/* ---- link state ---- */

/* Takes the lock for a configuration call. A device that left the handle's namespace is out
 * of reach (its index there may later name another device): VEILTUN_ENODEV, lock released. */
int veiltun__lock_config(veiltun *dev)
{
    veiltun__sys_lock(dev);
    veiltun__sys_drain_events(dev);
    if (dev->known.moved) {
        veiltun__sys_unlock(dev);
        return veiltun__fail_os(VEILTUN_ENODEV, 0);
    }
    return 0;
}

static int read_link(veiltun *dev, struct veiltun__link *link)
{
    int err = veiltun__lock_config(dev);

    if (err < 0)
        return err;
    err = veiltun__sys_get_link(dev, link);
    if (err == 0)
        veiltun__link_seen(dev, link->up, link->mtu);
    veiltun__sys_unlock(dev);
    return err;
}

int veiltun_get_mtu(veiltun *dev)
{
    struct veiltun__link link;
    int err;

    if (dev == NULL)
        return veiltun__fail_os(VEILTUN_EINVAL, 0);
    err = read_link(dev, &link);
    return err < 0 ? err : (int)link.mtu;
}

int veiltun_is_up(veiltun *dev)
{
    struct veiltun__link link;
    int err;

    if (dev == NULL)
        return veiltun__fail_os(VEILTUN_EINVAL, 0);
    err = read_link(dev, &link);
    return err < 0 ? err : link.up;
}

int veiltun_set_mtu(veiltun *dev, unsigned mtu)
{
    int err;

    if (dev == NULL)
        return veiltun__fail_input(VEILTUN_EINVAL, "set_mtu: NULL handle");
    err = veiltun__check_mtu(mtu);
    if (err < 0)
        return err;
    if ((err = veiltun__lock_config(dev)) < 0)
        return err;
    err = veiltun__sys_set_mtu(dev, mtu);
    if (err == 0)
        atomic_store(&dev->mtu_cache, mtu);
    veiltun__sys_unlock(dev);
    return err;
}

int veiltun_set_up(veiltun *dev, int up)
{
    int err;

    if (dev == NULL)
        return veiltun__fail_input(VEILTUN_EINVAL, "set_up: NULL handle");
    if ((err = veiltun__lock_config(dev)) < 0)
        return err;
    err = veiltun__sys_set_up(dev, up != 0);
    veiltun__sys_unlock(dev);
    return err;
}

int veiltun_set_metric(veiltun *dev, uint32_t metric)
{
    int err;

    if (dev == NULL)
        return veiltun__fail_input(VEILTUN_EINVAL, "set_metric: NULL handle");
    if ((err = veiltun__lock_config(dev)) < 0)
        return err;
    err = veiltun__sys_set_metric(dev, metric);
    veiltun__sys_unlock(dev);
    return err;
}

int veiltun_set_offload(veiltun *dev, uint32_t features)
{
    int err;

    if (dev == NULL)
        return veiltun__fail_input(VEILTUN_EINVAL, "set_offload: NULL handle");
    if (features & ~(VEILTUN_OFFLOAD_TSO | VEILTUN_OFFLOAD_USO | VEILTUN_OFFLOAD_GRO))
        return veiltun__fail_input(VEILTUN_EINVAL, "set_offload: unknown features 0x%x",
                                   (unsigned)features);
    veiltun__sys_lock(dev);
    err = veiltun__sys_set_offload(dev, features);
    veiltun__sys_unlock(dev);
    return err;
}

int veiltun_get_offload(const veiltun *dev)
{
    return dev ? veiltun__sys_get_offload(dev) : VEILTUN_EINVAL;
}

int veiltun_set_persist(veiltun *dev, int persist)
{
    int err;

    if (dev == NULL)
        return veiltun__fail_input(VEILTUN_EINVAL, "set_persist: NULL handle");
    veiltun__sys_lock(dev); /* on the descriptor: works wherever the device is */
    err = veiltun__sys_set_persist(dev, persist != 0);
    veiltun__sys_unlock(dev);
    return err;
}
