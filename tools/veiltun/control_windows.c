/* Windows has no control socket yet (see docs/windows.md): `show` reports the device alone,
 * and a running tunnel prints its counters every --stats-interval seconds and on exit. */
#include "control.h"

#include <errno.h>

int control_listen(const char *name)
{
    (void)name;
    return -ENOSYS;
}

void control_serve(int listen_fd, unsigned allowed_uid, control_describe_fn describe, void *ctx)
{
    (void)listen_fd;
    (void)allowed_uid;
    (void)describe;
    (void)ctx;
}

int control_query(const char *name, int json, char **out)
{
    (void)name;
    (void)json;
    (void)out;
    return -ENOENT;
}
