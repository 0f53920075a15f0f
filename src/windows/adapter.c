/* SPDX-License-Identifier: MIT */
/* The Wintun adapter and session: create or open by name, never rename a stranger, recover
 * from a crashed process's leftovers, and start/end the session. */
#include "../internal.h"
#include "iphlp.h"
#include "win.h"
#include "wintun.h"

#include <stdio.h>
#include <string.h>

/* Wintun's own limit is MAX_ADAPTER_NAME (128) UTF-16 units; ours is VEILTUN_NAME_MAX bytes. */
#define WIDE_NAME 128

/* A name template "%d": the lowest number whose name no adapter has. */
static int expand_template(const char *templ, char *out, size_t size)
{
    const char *p = strstr(templ, "%d");
    WCHAR wide[WIDE_NAME];
    uint64_t luid;

    for (int n = 0; n < 1000; n++) {
        int len = snprintf(out, size, "%.*s%d%s", (int)(p - templ), templ, n, p + 2);
        if (len < 0 || (size_t)len >= size)
            return veiltun__fail_input(VEILTUN_ENAMETOOLONG, "device name template too long");
        if (veiltun__to_wide(out, wide, WIDE_NAME) == 0 &&
            veiltun__ip_luid_by_name(wide, &luid) == VEILTUN_ENODEV)
            return 0;
    }
    return veiltun__fail_os(VEILTUN_EEXIST, 0);
}

/* Codes after which another create is worth trying: what the first create after a crashed
 * run reports while Windows still holds the old device node (ERROR_ALREADY_EXISTS in
 * ssrlive/rust-tun#113, ERROR_FILE_NOT_FOUND in firezone/firezone#4765, each after Wintun's
 * 15 s device timeout in api/adapter.c) and that timeout itself. Wintun's own orphan cleanup
 * runs asynchronously, so one quick retry is not enough: like wireguard-windows at boot
 * (tunnel/service.go), try again once a second for a bounded time. */
#define CREATE_RETRY_MS    15000
#define CREATE_RETRY_PAUSE 1000

static int worth_retrying(DWORD code)
{
    return code == ERROR_ALREADY_EXISTS || code == ERROR_FILE_NOT_FOUND || code == WAIT_TIMEOUT ||
           code == ERROR_GEN_FAILURE || code == ERROR_DEVICE_NOT_AVAILABLE;
}

static void *create_adapter(const struct veiltun__wintun *api, const WCHAR *name, const WCHAR *type,
                            const GUID *guid)
{
    ULONGLONG start = GetTickCount64();
    void *adapter;

    while ((adapter = api->WintunCreateAdapter(name, type, guid)) == NULL) {
        DWORD code = GetLastError();
        if (!worth_retrying(code) || GetTickCount64() - start >= CREATE_RETRY_MS) {
            SetLastError(code);
            break;
        }
        veiltun__log(VEILTUN_LOG_WARN,
                     "adapter creation failed (Windows error %lu), as after a crashed run: "
                     "trying again in 1 s (for up to %d s)",
                     (unsigned long)code, CREATE_RETRY_MS / 1000);
        Sleep(CREATE_RETRY_PAUSE);
    }
    return adapter;
}

/* Wintun renames whatever interface holds the alias, of any type (api/adapter.c,
 * NciSetAdapterName), so before creating, look the alias up among all interfaces. */
static int alias_taken(veiltun *dev, const WCHAR *name)
{
    uint64_t luid;
    int err = veiltun__ip_luid_by_name(name, &luid);

    if (err == VEILTUN_ENODEV)
        return 0;
    if (err < 0)
        return err;
    veiltun__log(VEILTUN_LOG_ERROR,
                 "%s: the name belongs to an interface that is not a Wintun adapter; "
                 "creating one would rename it",
                 dev->name);
    return veiltun__fail_os(VEILTUN_ENOTTUN, ERROR_ALREADY_EXISTS);
}

static int open_existing(veiltun *dev, const veiltun_config *cfg, const WCHAR *name, int *done)
{
    struct veiltun__sys *s = &dev->sys;
    DWORD code;
    int err;

    *done = 0;
    veiltun__wintun_probe_begin();
    s->adapter = s->api->WintunOpenAdapter(name);
    code = s->adapter == NULL ? GetLastError() : 0;
    veiltun__wintun_probe_end(s->adapter == NULL && code == ERROR_NOT_FOUND &&
                              cfg->mode != VEILTUN_OPEN_ATTACH);
    if (s->adapter == NULL) {
        /* Only a genuine "no such adapter" may lead to a create: after any other failure
         * (an existing adapter that stayed disabled: WAIT_TIMEOUT) a create would rename it. */
        if (code != ERROR_NOT_FOUND)
            return veiltun__win_error(code, "open adapter");
        if ((err = alias_taken(dev, name)) < 0)
            return err;
        if (cfg->mode != VEILTUN_OPEN_ATTACH)
            return 0;
        veiltun__log(VEILTUN_LOG_ERROR, "%s: no such adapter to attach to", dev->name);
        return veiltun__fail_os(VEILTUN_ENODEV, (int)code);
    }
    /* Wintun would silently rename the other adapter if we created one with its name. */
    if (cfg->mode == VEILTUN_OPEN_CREATE) {
        s->api->WintunCloseAdapter(s->adapter);
        s->adapter = NULL;
        veiltun__log(VEILTUN_LOG_ERROR, "%s: an adapter of that name exists", dev->name);
        return veiltun__fail_os(VEILTUN_EEXIST, ERROR_ALREADY_EXISTS);
    }
    *done = 1;
    return 0;
}

int veiltun__adapter_open(veiltun *dev, const veiltun_config *cfg)
{
    struct veiltun__sys *s = &dev->sys;
    const char *name = cfg->name ? cfg->name : "veil%d";
    WCHAR wname[WIDE_NAME], wtype[WIDE_NAME];
    GUID guid;
    DWORD version;
    int err, done;

    if (veiltun__name_is_template(name)) {
        if ((err = expand_template(name, dev->name, sizeof(dev->name))) < 0)
            return err;
    } else {
        snprintf(dev->name, sizeof(dev->name), "%s", name);
    }
    if (veiltun__to_wide(dev->name, wname, WIDE_NAME) < 0 ||
        veiltun__to_wide(cfg->tunnel_type ? cfg->tunnel_type : "veiltun", wtype, WIDE_NAME) < 0)
        return veiltun__fail_input(VEILTUN_EBADNAME, "name or tunnel type is not valid UTF-8");
    if ((err = open_existing(dev, cfg, wname, &done)) < 0 || done)
        return err;
    if (cfg->guid != NULL)
        memcpy(&guid, cfg->guid, sizeof(guid));
    else
        veiltun__guid_from_name(dev->name, &guid);
    s->adapter = create_adapter(s->api, wname, wtype, &guid);
    if (s->adapter == NULL)
        return veiltun__win_error(GetLastError(), "create adapter");
    dev->created = 1;
    version = s->api->WintunGetRunningDriverVersion();
    veiltun__log(VEILTUN_LOG_INFO, "%s: Wintun driver %lu.%lu", dev->name,
                 (unsigned long)(version >> 16), (unsigned long)(version & 0xffff));
    return 0;
}

int veiltun__session_start(veiltun *dev, uint32_t capacity)
{
    struct veiltun__sys *s = &dev->sys;

    s->session = s->api->WintunStartSession(s->adapter, capacity);
    if (s->session == NULL) {
        DWORD code = GetLastError();
        /* The driver registers one set of rings per adapter (driver/wintun.c): another handle
         * or process has this adapter's session. */
        if (code == ERROR_ALREADY_INITIALIZED)
            veiltun__log(VEILTUN_LOG_ERROR,
                         "%s: the adapter is in use by another handle or "
                         "process (its rings are registered)",
                         dev->name);
        return veiltun__win_error(code, "start session");
    }
    s->read_event = s->api->WintunGetReadWaitEvent(s->session);
    s->capacity = capacity;
    atomic_store(&dev->stats.ring_capacity, capacity);
    return 0;
}

void veiltun__session_end(veiltun *dev)
{
    struct veiltun__sys *s = &dev->sys;

    if (s->session != NULL)
        s->api->WintunEndSession(s->session); /* also closes the read-wait event */
    s->session = NULL;
    s->read_event = NULL;
}
