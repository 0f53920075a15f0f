/* The local control socket of a running tunnel, the way `wg` talks to a userspace
 * WireGuard: `veiltun show NAME` asks, the tunnel answers with its counters.
 *
 * It is an abstract Unix socket named "veiltun/NAME", so it belongs to the network namespace
 * of the tunnel, like its device, and leaves no file behind. Abstract sockets have no file
 * permissions; the tunnel checks the caller's credentials (SO_PEERCRED) and answers only
 * root and its own user. */
#ifndef VEILTUN_CONTROL_H
#define VEILTUN_CONTROL_H

#include <stdio.h>

/* Listening socket for device @p name, or -errno. */
int control_listen(const char *name);

/* Serve one connection: read the request ("json" or "text"), write @p describe's output. */
typedef void (*control_describe_fn)(FILE *out, int json, void *ctx);
void control_serve(int listen_fd, unsigned allowed_uid, control_describe_fn describe, void *ctx);

/* Ask the tunnel on device @p name. Returns 0 with a malloc'd answer in *out, -ENOENT if no
 * tunnel runs on that device, -EACCES if it refused us, or another -errno. */
int control_query(const char *name, int json, char **out);

#endif
