/* SPDX-License-Identifier: MIT */
/* The local control socket of a running tunnel, the way `wg` talks to a userspace WireGuard:
 * `veiltun show NAME` asks, the tunnel answers with its counters (tunnel_report.h).
 *
 * A file socket in a directory only its owner may write: /run/veiltun (root's, 0755) for a
 * tunnel started by root, /run/user/UID/veiltun (0700) for one started by another user. Its
 * name is NAME.NETNS.sock, NETNS the inode of the tunnel's network namespace, because a
 * device name means something only inside its namespace while /run is shared by all. The
 * socket is 0600 and belongs to the user the tunnel runs as (--user), so only that user and
 * root can connect; the tunnel checks callers' credentials as well, and `show` checks the
 * tunnel's (root or the caller) before it believes an answer. Nobody else can take the name:
 * a file socket needs write access to its directory, where an abstract name has none. */
#ifndef VEILTUN_CONTROL_H
#define VEILTUN_CONTROL_H

#include "tunnel_report.h"

#include <stdint.h>

struct control;

/* Fills @p out with the tunnel's counters; called on the control socket's own thread. */
typedef void (*control_report_fn)(struct tunnel_report *out, void *ctx);

/* Creates the socket of device @p name for a tunnel that will run as @p uid / @p gid. A socket
 * left by a tunnel that is gone is replaced. Returns 0 and *out, or -errno: -EADDRINUSE if a
 * tunnel answers on it, -EPERM if the directory is not safe (not the owner's alone), -ENOSYS
 * where there is no control socket (Windows). *what names the step that failed. */
int control_open(const char *name, uint32_t uid, uint32_t gid, struct control **out,
                 const char **what);
/* The socket file's path. */
const char *control_path(const struct control *c);
/* Serves callers on a thread of its own, so a slow or silent caller never holds up packets.
 * 0 or -errno. */
int control_start(struct control *c, control_report_fn fn, void *ctx);
/* Stops serving and removes the socket file (when still allowed to: a tunnel that dropped
 * root leaves it, and the next tunnel on the name replaces it). NULL is fine. */
void control_close(struct control *c);

/* Asks the tunnel on device @p name (in the caller's network namespace). Returns 0 with *out
 * filled, or -ENOENT (no tunnel), -EACCES (not allowed to ask, or refused), -EPERM (the socket
 * is not held by root or the caller: ignored), -EPROTO (no valid answer), -ETIMEDOUT, or
 * another -errno. */
int control_query(const char *name, struct tunnel_report *out);

#endif
