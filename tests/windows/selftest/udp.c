/* SPDX-License-Identifier: MIT */
/* The socket side of veiltun_selftest.exe: ordinary Winsock UDP sockets (one per family,
 * bound to any address, "don't fragment" set) that send datagrams to the peer addresses
 * behind the adapter, so the OS's own routing puts them into the adapter, and collect the
 * replies the responder wrote back. A reply counts only if it comes from the address and
 * port the datagram went to and carries the run's tag, a sequence number of this exchange
 * and the payload bytes as sent. Every wait is bounded. */
#include "selftest.h"

#include <stdlib.h>
#include <string.h>

#define PACED_REPLY_MS 2000        /* one datagram's reply, one at a time */
#define BURST_MS       10000       /* all replies of a burst */
#define PROBE_BIT      0x80000000u /* probes' sequence numbers: late ones are not strangers */
#define MAX_DATAGRAM   4096

static SOCKET sock_for(const struct udp_side *u, int family)
{
    return family == AF_INET ? u->s4 : u->s6;
}

static int bind_any(SOCKET s, int family)
{
    struct sockaddr_in a4 = {.sin_family = AF_INET};
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};

    if (family == AF_INET)
        return bind(s, (struct sockaddr *)&a4, sizeof(a4));
    return bind(s, (struct sockaddr *)&a6, sizeof(a6));
}

int udp_open(struct udp_side *u)
{
    DWORD one = 1, size = 4 << 20;

    u->s4 = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    u->s6 = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
    if (u->s4 == INVALID_SOCKET || u->s6 == INVALID_SOCKET)
        return WSAGetLastError();
    /* Room for a whole burst of replies (Windows' default is smaller). */
    setsockopt(u->s4, SOL_SOCKET, SO_RCVBUF, (const char *)&size, sizeof(size));
    setsockopt(u->s6, SOL_SOCKET, SO_RCVBUF, (const char *)&size, sizeof(size));
    setsockopt(u->s6, IPPROTO_IPV6, IPV6_V6ONLY, (const char *)&one, sizeof(one));
    if (bind_any(u->s4, AF_INET) != 0 || bind_any(u->s6, AF_INET6) != 0)
        return WSAGetLastError();
    u->df_error4 =
        setsockopt(u->s4, IPPROTO_IP, IP_DONTFRAGMENT, (const char *)&one, sizeof(one)) != 0
            ? WSAGetLastError()
            : 0;
    u->df_error6 =
        setsockopt(u->s6, IPPROTO_IPV6, IPV6_DONTFRAG, (const char *)&one, sizeof(one)) != 0
            ? WSAGetLastError()
            : 0;
    return 0;
}

void udp_close(struct udp_side *u)
{
    if (u->s4 != INVALID_SOCKET)
        closesocket(u->s4);
    if (u->s6 != INVALID_SOCKET)
        closesocket(u->s6);
    u->s4 = u->s6 = INVALID_SOCKET;
}

/* The peer's address and the service port as a sockaddr. */
static int peer_sockaddr(const struct udp_side *u, int family, const unsigned char *target,
                         struct sockaddr_storage *sa)
{
    memset(sa, 0, sizeof(*sa));
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)sa;
        a->sin_family = AF_INET;
        a->sin_port = htons(u->port);
        memcpy(&a->sin_addr, target, 4);
        return sizeof(*a);
    }
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)sa;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(u->port);
    memcpy(&a->sin6_addr, target, 16);
    return sizeof(*a);
}

static unsigned char pattern(uint32_t seq, size_t i)
{
    return (unsigned char)(seq * 7u + i);
}

/* Sends datagram @p seq. Returns 0, or the WSA error. */
static int send_one(const struct udp_side *u, int family, const unsigned char *target, uint32_t seq,
                    size_t payload)
{
    unsigned char buf[MAX_DATAGRAM];
    struct sockaddr_storage sa;
    int salen = peer_sockaddr(u, family, target, &sa);

    memcpy(buf, u->tag, TAG_LEN);
    for (int i = 0; i < SEQ_LEN; i++)
        buf[TAG_LEN + i] = (unsigned char)(seq >> (24 - 8 * i));
    for (size_t i = MIN_PAYLOAD; i < payload; i++)
        buf[i] = pattern(seq, i);
    if (sendto(sock_for(u, family), (const char *)buf, (int)payload, 0, (struct sockaddr *)&sa,
               salen) == (int)payload)
        return 0;
    return WSAGetLastError();
}

/* 1 if @p from is the peer's address and the service port (flow label and scope left
 * aside). */
static int from_peer(const struct udp_side *u, int family, const unsigned char *target,
                     const struct sockaddr_storage *from)
{
    if (from->ss_family != family)
        return 0;
    if (family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)from;
        return ntohs(a->sin_port) == u->port && memcmp(&a->sin_addr, target, 4) == 0;
    }
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)from;
    return ntohs(a->sin6_port) == u->port && memcmp(&a->sin6_addr, target, 16) == 0;
}

/* 1 if @p buf of @p n bytes from @p from is a reply from the peer: its sequence number goes
 * to @p seq. */
static int is_reply(const struct udp_side *u, int family, const unsigned char *target,
                    const struct sockaddr_storage *from, const unsigned char *buf, int n,
                    uint32_t *seq)
{
    if (n < MIN_PAYLOAD || !from_peer(u, family, target, from) || memcmp(buf, u->tag, TAG_LEN) != 0)
        return 0;
    *seq = 0;
    for (int i = 0; i < SEQ_LEN; i++)
        *seq = *seq << 8 | buf[TAG_LEN + i];
    for (int i = MIN_PAYLOAD; i < n; i++) {
        if (buf[i] != pattern(*seq, (size_t)i))
            return 0;
    }
    return 1;
}

/* Waits up to @p ms for one datagram. Returns 1 with @p seq for a reply from the peer (its
 * payload length in @p len), 0 for anything else, -1 on timeout. */
static int recv_one(const struct udp_side *u, int family, const unsigned char *target, unsigned ms,
                    uint32_t *seq, int *len)
{
    SOCKET s = sock_for(u, family);
    struct timeval tv = {(long)(ms / 1000), (long)(ms % 1000) * 1000};
    unsigned char buf[MAX_DATAGRAM];
    struct sockaddr_storage from;
    int fromlen = sizeof(from);
    fd_set set;

    FD_ZERO(&set);
    FD_SET(s, &set);
    if (select(0, &set, NULL, NULL, &tv) <= 0)
        return -1;
    memset(&from, 0, sizeof(from));
    *len = recvfrom(s, (char *)buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
    return *len > 0 && is_reply(u, family, target, &from, buf, *len, seq);
}

struct collect {
    const struct flow *f;
    uint32_t first;
    unsigned char *seen;
    struct flow_result *res;
};

/* Takes one datagram (waiting up to @p ms) into the tally. Returns -1 on timeout. */
static int take(struct udp_side *u, struct collect *c, unsigned ms)
{
    uint32_t seq;
    int len, r = recv_one(u, c->f->family, c->f->target, ms, &seq, &len);

    if (r < 0)
        return -1;
    if (r == 1 && (seq & PROBE_BIT))
        return 0; /* a late reply to a reachability probe */
    if (r == 0 || seq - c->first >= c->f->count || (size_t)len != c->f->payload)
        c->res->strangers++;
    else if (c->seen[seq - c->first]++)
        c->res->duplicates++;
    else
        c->res->received++;
    return 0;
}

static unsigned left(ULONGLONG deadline)
{
    ULONGLONG now = GetTickCount64();
    return now >= deadline ? 0 : (unsigned)(deadline - now);
}

/* Returns 0 if datagram @p i went out. */
static int send_counted(struct udp_side *u, struct collect *c, uint32_t i)
{
    int err = send_one(u, c->f->family, c->f->target, c->first + i, c->f->payload);

    if (err == 0)
        c->res->sent++;
    else if (c->res->send_error == 0)
        c->res->send_error = err;
    return err;
}

static void paced(struct udp_side *u, struct collect *c)
{
    for (uint32_t i = 0; i < c->f->count; i++) {
        ULONGLONG deadline = GetTickCount64() + PACED_REPLY_MS;

        if (send_counted(u, c, i) != 0)
            continue; /* nothing to wait for */
        while (!c->seen[i] && left(deadline) > 0 && take(u, c, left(deadline)) == 0)
            ;
    }
}

static void burst(struct udp_side *u, struct collect *c)
{
    ULONGLONG deadline;

    /* All sent back to back; replies that are already there are taken in between, so the
     * socket's buffer never has to hold the whole burst. */
    for (uint32_t i = 0; i < c->f->count; i++) {
        send_counted(u, c, i);
        while (take(u, c, 0) == 0)
            ;
    }
    deadline = GetTickCount64() + BURST_MS;
    while (c->res->received < c->res->sent && left(deadline) > 0 && take(u, c, left(deadline)) == 0)
        ;
}

void udp_exchange(struct udp_side *u, const struct flow *f, struct flow_result *res)
{
    struct collect c = {f, u->next_seq, calloc(f->count ? f->count : 1, 1), res};
    ULONGLONG start = GetTickCount64();

    memset(res, 0, sizeof(*res));
    u->next_seq += f->count;
    if (c.seen == NULL) {
        res->send_error = WSA_NOT_ENOUGH_MEMORY;
        return;
    }
    if (f->burst)
        burst(u, &c);
    else
        paced(u, &c);
    /* Anything else that comes within a moment (a duplicate, a stranger) counts too. */
    while (take(u, &c, 50) == 0)
        ;
    res->ms = (unsigned)(GetTickCount64() - start);
    free(c.seen);
}

int udp_probe(struct udp_side *u, int family, const unsigned char *target, unsigned ms)
{
    ULONGLONG start = GetTickCount64(), deadline = start + ms;
    uint32_t probe = PROBE_BIT, seq;
    int len;

    while (left(deadline) > 0) {
        ULONGLONG next = GetTickCount64() + 200;

        send_one(u, family, target, probe++, MIN_PAYLOAD);
        while (left(next) > 0 && left(deadline) > 0) {
            if (recv_one(u, family, target, left(next), &seq, &len) == 1 && (seq & PROBE_BIT))
                return (int)(GetTickCount64() - start);
        }
    }
    return -1;
}
