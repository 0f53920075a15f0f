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

/* After a crash Windows can keep the old device node for a while, and the first create
 * fails (ERROR_ALREADY_EXISTS and friends) while Wintun sweeps it away: try once more. */
static void *create_adapter(const struct veiltun__wintun *api, const WCHAR *name, const WCHAR *type,
                            const GUID *guid)
{
    void *adapter = api->WintunCreateAdapter(name, type, guid);

    if (adapter == NULL && GetLastError() != ERROR_ACCESS_DENIED) {
        veiltun__log(VEILTUN_LOG_WARN,
                     "adapter creation failed (Windows error %lu): retrying "
                     "once, as after a crashed run",
                     GetLastError());
        Sleep(200);
        adapter = api->WintunCreateAdapter(name, type, guid);
    }
    return adapter;
}

static int open_existing(veiltun *dev, const veiltun_config *cfg, const WCHAR *name, int *done)
{
    struct veiltun__sys *s = &dev->sys;

    *done = 0;
    s->adapter = s->api->WintunOpenAdapter(name);
    if (s->adapter == NULL) {
        if (cfg->mode != VEILTUN_OPEN_ATTACH)
            return 0;
        if (GetLastError() == ERROR_ACCESS_DENIED)
            return veiltun__win_error(ERROR_ACCESS_DENIED, "open adapter");
        veiltun__log(VEILTUN_LOG_ERROR, "%s: no such adapter to attach to", dev->name);
        return veiltun__fail_os(VEILTUN_ENODEV, (int)GetLastError());
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
    if (s->session == NULL)
        return veiltun__win_error(GetLastError(), "start session");
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
