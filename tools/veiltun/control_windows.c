/* SPDX-License-Identifier: MIT */
/* Windows has no control socket yet (see docs/windows.md): `show` reports the device alone,
 * and a running tunnel prints its counters every --stats-interval seconds and on exit. */
#include "control.h"

#include <errno.h>

int control_open(const char *name, uint32_t uid, uint32_t gid, struct control **out,
                 const char **what)
{
    (void)name;
    (void)uid;
    (void)gid;
    *out = NULL;
    *what = "control socket";
    return -ENOSYS;
}

const char *control_path(const struct control *c)
{
    (void)c;
    return "";
}

int control_start(struct control *c, control_report_fn fn, void *ctx)
{
    (void)c;
    (void)fn;
    (void)ctx;
    return -ENOSYS;
}

void control_close(struct control *c)
{
    (void)c;
}

int control_query(const char *name, struct tunnel_report *out)
{
    (void)name;
    (void)out;
    return -ENOENT;
}
