/* Functions shared by the files of the Windows backend. */
#ifndef VEILTUN_WINDOWS_WIN_H
#define VEILTUN_WINDOWS_WIN_H

#include <winsock2.h>
#include <windows.h>

#include <stdint.h>

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

/* reader.c: the reader thread. */
int veiltun__reader_start(veiltun *dev);
void veiltun__reader_stop(veiltun *dev);
/* The reader's spin/sleep choice, from the packet rate it measured (packets per second). */
int veiltun__reader_should_spin(uint64_t packets_per_second);
/* Auto-tuning: the ring size to use after a period with @p pressure full events, or 0 to keep. */
uint32_t veiltun__ring_next_capacity(uint32_t capacity, uint64_t pressure, int auto_tune);

#endif
