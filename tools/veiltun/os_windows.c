/* SPDX-License-Identifier: MIT */
/* The tool's Windows specifics: Winsock, Ctrl-C, and no POSIX users. */
#include "cli.h"

#include <windows.h>

int parse_user(const char *s, uint32_t *uid, uint32_t *gid, const char **why)
{
    (void)s;
    (void)uid;
    (void)gid;
    return *why = "users and groups are not supported on Windows", -1;
}

int parse_group(const char *s, uint32_t *gid, const char **why)
{
    (void)s;
    (void)gid;
    return *why = "users and groups are not supported on Windows", -1;
}

int64_t default_owner(void)
{
    return -1;
}

static HANDLE interrupted;

static BOOL WINAPI on_console_event(DWORD type)
{
    (void)type;
    SetEvent(interrupted);
    return TRUE; /* handled: the waiting thread cleans up and returns */
}

/* Also used by the tunnel: the event is set on Ctrl-C, Ctrl-Break or console close. */
HANDLE interrupt_event(void);
HANDLE interrupt_event(void)
{
    if (interrupted == NULL) {
        interrupted = CreateEventW(NULL, TRUE, FALSE, NULL);
        SetConsoleCtrlHandler(on_console_event, TRUE);
    }
    return interrupted;
}

void wait_for_interrupt(void)
{
    WaitForSingleObject(interrupt_event(), INFINITE);
}

int net_init(void)
{
    WSADATA wsa;

    return WSAStartup(MAKEWORD(2, 2), &wsa) == 0 ? 0 : -1;
}
