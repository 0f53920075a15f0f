/* SPDX-License-Identifier: MIT */
/* The wintun.dll double's bridged mode.
 *
 * With VEILTUN_DOUBLE_BRIDGE=127.0.0.1:PORT in the environment, the first adapter created is
 * backed by a real Linux TUN device owned by a helper (tests/windows/bridge/helper.c) that
 * listens on that TCP port. Only where packets come from and go to changes: a thread of the
 * double plays the driver's part, writing what the Linux stack routed into the TUN device into
 * the receive ring with the same chain rule as WintunTestInjectBatch (double_write_chain), and
 * taking what the application sent with the same checks as WintunTestTakeSent (double_take_one).
 *
 * Channel: a TCP connection for control (create, IP configuration) whose end is the crash
 * signal (Wintun removes an adapter when its process ends, even killed: the helper removes the
 * Linux device when this connection closes, which the kernel does for a killed process), and
 * a pair of loopback UDP sockets for packets, one datagram per packet. A shared-memory ring in
 * a file would be closer to the driver's rings, but the application already uses the double's
 * rings: this channel only stands in for the Linux stack behind the driver, and UDP keeps
 * packet boundaries with no framing, works unchanged under Wine, and lets the helper batch
 * with recvmmsg/sendmmsg. The application's calls never wait for the channel: they touch the
 * rings under the double's lock as before; only the bridge thread does socket I/O.
 */
#include "../double_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BRIDGE_BATCH 64

static CRITICAL_SECTION bridge_ctl_lock; /* one control exchange with the helper at a time */

static struct {
    BOOL used;               /* one bridged adapter per process, the first one created */
    struct adapter *adapter; /* while bridged (lock held to read or change) */
    SOCKET ctl, in, out;     /* control (TCP), packets from / to the helper (UDP) */
    WSAEVENT in_event;
    HANDLE thread, quit, tx_wake;
    BOOL alertable;           /* driver/wintun.c Ring->Alertable: the thread sleeps (lock held) */
    volatile LONG ring_drops; /* chains from the helper that found no session or no room */
    unsigned long long ring_drop_packets; /* their packets (bridge thread only) */
} br = {.ctl = INVALID_SOCKET, .in = INVALID_SOCKET, .out = INVALID_SOCKET};

static BYTE bridge_rx[BRIDGE_BATCH][MAX_PACKET + 1], bridge_tx[BRIDGE_BATCH][MAX_PACKET + 1];

void bridge_init(void)
{
    InitializeCriticalSection(&bridge_ctl_lock);
}

BOOL bridge_wanted(void)
{
    char v[8];

    return GetEnvironmentVariableA("VEILTUN_DOUBLE_BRIDGE", v, sizeof(v)) > 0;
}

/* One line from the control connection (the helper's replies are short). */
static BOOL recv_line(SOCKET s, char *buf, int cap)
{
    for (int n = 0; n < cap - 1;) {
        int r = recv(s, buf + n, 1, 0);

        if (r <= 0)
            return FALSE;
        if (buf[n] == '\n') {
            buf[n] = 0;
            return TRUE;
        }
        n++;
    }
    return FALSE;
}

static BOOL send_all(SOCKET s, const char *buf, int len)
{
    while (len > 0) {
        int r = send(s, buf, len, 0);

        if (r <= 0)
            return FALSE;
        buf += r;
        len -= r;
    }
    return TRUE;
}

/* Sends one control line and waits (bounded by SO_RCVTIMEO) for "ok" or "err ...". */
static BOOL bridge_exchange(const char *line, char *reply, int cap)
{
    BOOL ok = FALSE;

    EnterCriticalSection(&bridge_ctl_lock);
    if (br.ctl != INVALID_SOCKET && send_all(br.ctl, line, (int)strlen(line)) &&
        recv_line(br.ctl, reply, cap))
        ok = strncmp(reply, "ok", 2) == 0;
    LeaveCriticalSection(&bridge_ctl_lock);
    return ok;
}

/* The bridged adapter's live session, or NULL. Lock held. */
static struct session *bridged_session(void)
{
    struct adapter *a = br.adapter;

    return a != NULL && a->live != NULL && !a->live->cut ? a->live : NULL;
}

/* Helper -> receive ring: what arrived is one chain (all or nothing, as the driver takes an
 * NBL chain); a dropped chain's packets are counted and the count sent to the helper, as the
 * driver counts them in the adapter's statistics, so a test can account for every packet.
 * Returns TRUE if there may be more. */
static BOOL bridge_from_helper(void)
{
    const BYTE *data[BRIDGE_BATCH];
    DWORD sizes[BRIDGE_BATCH];
    DWORD n = 0;
    BOOL ok;

    WSAResetEvent(br.in_event);
    while (n < BRIDGE_BATCH) {
        int r = recv(br.in, (char *)bridge_rx[n], MAX_PACKET + 1, 0);

        if (r <= 0)
            break;
        data[n] = bridge_rx[n];
        sizes[n++] = (DWORD)r;
    }
    if (n == 0)
        return FALSE;
    EnterCriticalSection(&double_lock);
    ok = double_write_chain(bridged_session(), data, sizes, n);
    LeaveCriticalSection(&double_lock);
    if (!ok) {
        char line[48], reply[64];

        InterlockedIncrement(&br.ring_drops);
        br.ring_drop_packets += n;
        snprintf(line, sizeof(line), "drops %llu\n", br.ring_drop_packets);
        bridge_exchange(line, reply, sizeof(reply));
    }
    return n == BRIDGE_BATCH;
}

/* Send ring -> helper: up to a batch of published packets, space freed as the driver frees
 * it; the sockets are used outside the lock. Returns TRUE if there may be more. */
static BOOL bridge_to_helper(void)
{
    DWORD sizes[BRIDGE_BATCH], n = 0;

    EnterCriticalSection(&double_lock);
    br.alertable = FALSE;
    while (n < BRIDGE_BATCH &&
           (sizes[n] = double_take_one(bridged_session(), bridge_tx[n], MAX_PACKET + 1)) > 0)
        n++;
    LeaveCriticalSection(&double_lock);
    for (DWORD i = 0; i < n; i++)
        send(br.out, (const char *)bridge_tx[i], (int)sizes[i], 0);
    return n == BRIDGE_BATCH;
}

/* driver/wintun.c TunProcessReceiveData: the driver marks the ring alertable, looks once
 * more, and only then sleeps; the DLL sets the event only when it is alertable. */
static BOOL bridge_may_sleep(void)
{
    struct session *s;
    BOOL idle;

    EnterCriticalSection(&double_lock);
    s = bridged_session();
    idle = s == NULL || s->drv_take == s->drv_checked;
    br.alertable = idle;
    LeaveCriticalSection(&double_lock);
    return idle;
}

static DWORD WINAPI bridge_thread(void *arg)
{
    HANDLE waits[3] = {br.quit, br.in_event, br.tx_wake};
    BOOL more = TRUE;

    (void)arg;
    for (;;) {
        if (!more && bridge_may_sleep() &&
            WaitForMultipleObjects(3, waits, FALSE, INFINITE) == WAIT_OBJECT_0)
            break;
        if (WaitForSingleObject(br.quit, 0) == WAIT_OBJECT_0)
            break;
        more = bridge_from_helper();
        more = bridge_to_helper() || more;
    }
    /* The adapter is gone: closing the control connection makes the helper remove the
     * Linux device at once. */
    EnterCriticalSection(&bridge_ctl_lock);
    closesocket(br.ctl);
    br.ctl = INVALID_SOCKET;
    LeaveCriticalSection(&bridge_ctl_lock);
    closesocket(br.in);
    closesocket(br.out);
    return 0;
}

static BOOL udp_socket(SOCKET *s, int buffer_option)
{
    int size = 8 << 20;

    *s = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    if (*s == INVALID_SOCKET)
        return FALSE;
    setsockopt(*s, SOL_SOCKET, buffer_option, (const char *)&size, sizeof(size));
    return TRUE;
}

/* Connects to the helper and has it create the Linux device called @p name. */
BOOL bridge_connect(const WCHAR *name)
{
    char target[64], alias[4 * ALIAS_LEN], line[5 * ALIAS_LEN], reply[128], *colon;
    struct sockaddr_in helper = {.sin_family = AF_INET}, local = {.sin_family = AF_INET};
    int len = sizeof(local), port;
    DWORD timeout = 10000;
    WSADATA wsa;

    if (br.used)
        return TRUE; /* only the first adapter is bridged; later ones are plain */
    br.used = TRUE;
    GetEnvironmentVariableA("VEILTUN_DOUBLE_BRIDGE", target, sizeof(target));
    colon = strrchr(target, ':');
    if (colon == NULL || WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
        goto fail;
    *colon = 0;
    helper.sin_port = htons((u_short)atoi(colon + 1));
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    helper.sin_addr.s_addr = inet_addr(target);
    if (helper.sin_addr.s_addr == INADDR_NONE)
        goto fail;
    br.ctl = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (br.ctl == INVALID_SOCKET ||
        setsockopt(br.ctl, SOL_SOCKET, SO_RCVTIMEO, (const char *)&timeout, sizeof(timeout)) ||
        connect(br.ctl, (struct sockaddr *)&helper, sizeof(helper)) != 0)
        goto fail;
    if (!udp_socket(&br.in, SO_RCVBUF) || !udp_socket(&br.out, SO_SNDBUF) ||
        bind(br.in, (struct sockaddr *)&local, sizeof(local)) != 0 ||
        getsockname(br.in, (struct sockaddr *)&local, &len) != 0)
        goto fail;
    WideCharToMultiByte(CP_UTF8, 0, name, -1, alias, sizeof(alias), NULL, NULL);
    alias[sizeof(alias) - 1] = 0;
    snprintf(line, sizeof(line), "create %s %u\n", alias, (unsigned)ntohs(local.sin_port));
    if (!bridge_exchange(line, reply, sizeof(reply)) || sscanf(reply, "ok %d", &port) != 1)
        goto fail;
    helper.sin_port = htons((u_short)port);
    if (connect(br.out, (struct sockaddr *)&helper, sizeof(helper)) != 0)
        goto fail;
    br.in_event = WSACreateEvent();
    br.quit = CreateEventW(NULL, TRUE, FALSE, NULL);
    br.tx_wake = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (br.in_event == WSA_INVALID_EVENT || br.quit == NULL || br.tx_wake == NULL ||
        WSAEventSelect(br.in, br.in_event, FD_READ) != 0)
        goto fail;
    br.thread = CreateThread(NULL, 0, bridge_thread, NULL, 0, NULL);
    if (br.thread != NULL)
        return TRUE;
fail:
    fprintf(stderr, "wintun double: bridge to %s failed (Winsock %d)\n", target, WSAGetLastError());
    closesocket(br.ctl);
    closesocket(br.in);
    closesocket(br.out);
    br.ctl = br.in = br.out = INVALID_SOCKET;
    SetLastError(ERROR_GEN_FAILURE);
    return FALSE;
}

/* Lock held. */
void bridge_bind(struct adapter *a)
{
    if (br.thread != NULL && br.adapter == NULL && br.ctl != INVALID_SOCKET)
        br.adapter = a;
}

/* Lock held: the bridged adapter leaves the table. */
void bridge_detach(struct adapter *a)
{
    if (a != NULL && a == br.adapter) {
        br.adapter = NULL;
        SetEvent(br.quit);
    }
}

/* Lock held: WintunSendPacket published packets (api/session.c sets the driver's event only
 * when the ring is alertable). */
void bridge_wake_sender(struct session *s)
{
    if (br.adapter != NULL && s->adapter == br.adapter && br.alertable) {
        br.alertable = FALSE;
        SetEvent(br.tx_wake);
    }
}

/* For the IP Helper stand-in in bridged mode: forwards one configuration line (see
 * tests/windows/bridge/helper.c for the grammar). FALSE if the helper refused it or is gone. */
EXPORT BOOL WINAPI WintunTestBridgeConfig(const char *line)
{
    char reply[256];

    return bridge_exchange(line, reply, sizeof(reply));
}

/* Chains from the helper dropped for want of a session or of room in the receive ring. */
EXPORT LONG WINAPI WintunTestBridgeDrops(void)
{
    return InterlockedCompareExchange(&br.ring_drops, 0, 0);
}
