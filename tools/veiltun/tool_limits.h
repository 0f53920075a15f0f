/* SPDX-License-Identifier: MIT */
/* Every fixed limit of the tool in one place: how many of a thing a command takes or shows.
 * The man page (docs/veiltun.1) states the ones users see. */
#ifndef VEILTUN_TOOL_LIMITS_H
#define VEILTUN_TOOL_LIMITS_H

#define UP_MAX_ADDRS            32    /* up --addr */
#define UP_MAX_ROUTES           32    /* up --route */
#define TUNNEL_MAX_ADDRS        8     /* tunnel --addr */
#define TUNNEL_MAX_QUEUES       8     /* tunnel --queues */
#define TUNNEL_MAX_BUSY_POLL_US 10000 /* tunnel --busy-poll, microseconds */
#define SHOW_MAX_ADDRS          64    /* addresses show/list print per device */
#define SHOW_MAX_DEVICES        256   /* devices show/list print */

#endif
