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
 * for packets two rings in a file under /dev/shm that both sides map (channel.h), as the
 * driver and wintun.dll share theirs: no Wine server request per packet, so the channel is
 * not what limits a program under test. A side that finds nothing to do marks its ring and
 * sleeps; the other rings its doorbell (a one-byte loopback datagram) only then.
 * The application's calls never wait for the channel: they touch the Wintun rings under the
 * double's lock as before; only the bridge thread moves packets between the two kinds of ring.
 */
#include "../double_model.h"
#include "channel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BRIDGE_BATCH 64

static CRITICAL_SECTION bridge_ctl_lock; /* one control exchange with the helper at a time */

static struct {
    BOOL used;               /* one bridged adapter per process, the first one created */
    struct adapter *adapter; /* while bridged (lock held to read or change) */
    SOCKET ctl, doorbell;    /* control (TCP), doorbells both ways (UDP, connected) */
    struct channel *ch;      /* the packet rings shared with the helper */
    HANDLE mapping;
    WSAEVENT doorbell_event;
    HANDLE thread, quit, tx_wake;
    volatile LONG quitting;
    BOOL alertable; /* driver/wintun.c Ring->Alertable: the thread sleeps (lock held) */
    BOOL blocked;   /* the ring to the helper had no room: look again in a millisecond */
} br = {.ctl = INVALID_SOCKET, .doorbell = INVALID_SOCKET};

static BYTE bridge_tx[MAX_PACKET + 1];

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

/* Helper -> receive ring: what is waiting (up to a batch) is one chain, all or nothing, as the
 * driver takes an NBL chain; a dropped chain's packets are counted in the channel's header,
 * as the driver counts them in the adapter's statistics, so a test can account for every
 * packet. Returns the packets taken from the channel. */
static DWORD bridge_from_helper(void)
{
    struct channel_ring *r = &br.ch->to_double;
    uint32_t pos = channel_head(r), len;
    const BYTE *data[BRIDGE_BATCH];
    DWORD sizes[BRIDGE_BATCH], n = 0;
    BOOL ok;

    while (n < BRIDGE_BATCH && (data[n] = channel_next(r, &pos, &len)) != NULL)
        sizes[n++] = len;
    if (n == 0)
        return 0;
    EnterCriticalSection(&double_lock);
    ok = double_write_chain(bridged_session(), data, sizes, n);
    LeaveCriticalSection(&double_lock);
    channel_release(r, pos);
    if (!ok)
        __atomic_add_fetch(&br.ch->ring_drops, n, __ATOMIC_RELAXED);
    return n;
}

/* Send ring -> helper: up to a batch of published packets, space freed as the driver frees
 * it, each copied into the channel while there is room for the largest. Returns the packets
 * moved. */
static DWORD bridge_to_helper(void)
{
    struct channel_ring *r = &br.ch->from_double;
    DWORD size, n = 0;

    EnterCriticalSection(&double_lock);
    br.alertable = FALSE;
    while (n < BRIDGE_BATCH && !(br.blocked = channel_room(r) < 2 * (MAX_PACKET + 16)) &&
           (size = double_take_one(bridged_session(), bridge_tx, MAX_PACKET + 1)) > 0) {
        channel_put(r, bridge_tx, size);
        n++;
    }
    LeaveCriticalSection(&double_lock);
    if (n > 0 && channel_wants_doorbell(r))
        send(br.doorbell, "", 1, 0);
    return n;
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
    /* and the helper rings when it puts something in the ring to us */
    return idle && channel_may_sleep(&br.ch->to_double);
}

static void drain_doorbells(void)
{
    char c[16];

    WSAResetEvent(br.doorbell_event);
    for (int i = 0; i < 64 && recv(br.doorbell, c, sizeof(c), 0) > 0; i++)
        ;
}

static DWORD WINAPI bridge_thread(void *arg)
{
    HANDLE waits[3] = {br.quit, br.doorbell_event, br.tx_wake};

    (void)arg;
    while (!InterlockedCompareExchange(&br.quitting, 0, 0)) {
        DWORD moved = bridge_from_helper() + bridge_to_helper(), r;

        if (moved > 0 || !bridge_may_sleep())
            continue;
        r = WaitForMultipleObjects(3, waits, FALSE, br.blocked ? 1 : INFINITE);
        channel_awake(&br.ch->to_double);
        if (r == WAIT_OBJECT_0 + 1)
            drain_doorbells();
    }
    /* The adapter is gone: closing the control connection makes the helper remove the
     * Linux device at once. */
    EnterCriticalSection(&bridge_ctl_lock);
    closesocket(br.ctl);
    br.ctl = INVALID_SOCKET;
    LeaveCriticalSection(&bridge_ctl_lock);
    closesocket(br.doorbell);
    return 0;
}

/* Maps the helper's channel file (a Linux path: Wine's drive Z: is the root). */
static BOOL map_channel(const char *unix_path)
{
    char path[MAX_PATH];
    HANDLE file;

    if (snprintf(path, sizeof(path), "Z:%s", unix_path) >= (int)sizeof(path))
        return FALSE;
    for (char *c = path; *c; c++)
        if (*c == '/')
            *c = '\\';
    file = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                       OPEN_EXISTING, 0, NULL);
    if (file == INVALID_HANDLE_VALUE)
        return FALSE;
    br.mapping = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0, NULL);
    CloseHandle(file);
    if (br.mapping == NULL)
        return FALSE;
    br.ch = MapViewOfFile(br.mapping, FILE_MAP_ALL_ACCESS, 0, 0, CHANNEL_FILE_SIZE);
    return br.ch != NULL && br.ch->magic == CHANNEL_MAGIC && br.ch->version == CHANNEL_VERSION &&
           br.ch->ring_size == CHANNEL_RING;
}

/* Connects to the helper and has it create the Linux device called @p name. */
BOOL bridge_connect(const WCHAR *name)
{
    char target[64], alias[4 * ALIAS_LEN], line[5 * ALIAS_LEN], reply[160], *colon, shm[128];
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
    br.doorbell = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    if (br.doorbell == INVALID_SOCKET ||
        bind(br.doorbell, (struct sockaddr *)&local, sizeof(local)) != 0 ||
        getsockname(br.doorbell, (struct sockaddr *)&local, &len) != 0)
        goto fail;
    WideCharToMultiByte(CP_UTF8, 0, name, -1, alias, sizeof(alias), NULL, NULL);
    alias[sizeof(alias) - 1] = 0;
    snprintf(line, sizeof(line), "create %s %u\n", alias, (unsigned)ntohs(local.sin_port));
    if (!bridge_exchange(line, reply, sizeof(reply)) ||
        sscanf(reply, "ok %d %127s", &port, shm) != 2 || !map_channel(shm) ||
        !bridge_exchange("mapped\n", reply, sizeof(reply)))
        goto fail;
    helper.sin_port = htons((u_short)port);
    if (connect(br.doorbell, (struct sockaddr *)&helper, sizeof(helper)) != 0)
        goto fail;
    br.doorbell_event = WSACreateEvent();
    br.quit = CreateEventW(NULL, TRUE, FALSE, NULL);
    br.tx_wake = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (br.doorbell_event == WSA_INVALID_EVENT || br.quit == NULL || br.tx_wake == NULL ||
        WSAEventSelect(br.doorbell, br.doorbell_event, FD_READ) != 0)
        goto fail;
    br.thread = CreateThread(NULL, 0, bridge_thread, NULL, 0, NULL);
    if (br.thread != NULL)
        return TRUE;
fail:
    fprintf(stderr, "wintun double: bridge to %s failed (Winsock %d, Win32 %lu)\n", target,
            WSAGetLastError(), GetLastError());
    closesocket(br.ctl);
    closesocket(br.doorbell);
    br.ctl = br.doorbell = INVALID_SOCKET;
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
        InterlockedExchange(&br.quitting, 1);
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
