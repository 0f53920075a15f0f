/* SPDX-License-Identifier: MIT */
/* Functions shared by the files of the Windows backend. */
#ifndef VEILTUN_WINDOWS_WIN_H
#define VEILTUN_WINDOWS_WIN_H

#include <winsock2.h>
#include <windows.h>

#include <stdint.h>

/* Internal only, never returned to callers: the family's IP interface has not appeared. */
#define VEILTUN__ENOTYET (-9001)

/* error.c: the one translation of Win32/NETIO codes into VEILTUN_E*. */
int veiltun__win_map(DWORD code);
/* Records @p code, logs "what: code" and returns its VEILTUN_E*. */
int veiltun__win_error(DWORD code, const char *what);

/* wintun.c */
int veiltun__to_wide(const char *utf8, WCHAR *out, int size);
void veiltun__guid_from_name(const char *name, GUID *out);

/* adapter.c: adapter and session lifetime. */
int veiltun__adapter_open(veiltun *dev, const veiltun_config *cfg);
int veiltun__session_start(veiltun *dev, uint32_t capacity);
void veiltun__session_end(veiltun *dev);

/* ipconfig.c: per-family IP configuration, with requests kept until a family appears. All
 * but wait run with the handle's lock held. */
int veiltun__ipconfig_wait(veiltun *dev, uint32_t timeout_ms);
int veiltun__ipconfig_arrived(veiltun *dev, int family);
void veiltun__ipconfig_departed(veiltun *dev, int family);
int veiltun__ipconfig_set_mtu(veiltun *dev, unsigned mtu);
int veiltun__ipconfig_set_metric(veiltun *dev, uint32_t metric);
int veiltun__ipconfig_address(veiltun *dev, const veiltun_prefix *p, int add);
int veiltun__ipconfig_route(veiltun *dev, const veiltun_prefix *dst, const veiltun_prefix *gw,
                            uint32_t metric, int add);
int veiltun__ipconfig_mtu(veiltun *dev, unsigned *mtu);

/* reader.c: the reader thread. */
int veiltun__reader_start(veiltun *dev);
void veiltun__reader_stop(veiltun *dev);
/* The consumer took packets: wake a reader waiting for queue space. */
void veiltun__reader_room(veiltun *dev);
/* The reader's spin/sleep choice, from the packet rate it measured (packets per second). */
int veiltun__reader_should_spin(uint64_t packets_per_second);
/* Auto-tuning: the ring size to use after a period with @p pressure full events, or 0 to keep. */
uint32_t veiltun__ring_next_capacity(uint32_t capacity, uint64_t pressure, int auto_tune);

#endif
