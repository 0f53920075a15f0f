/* SPDX-License-Identifier: MIT */
/* The tunnel's data path: one event loop moving IP packets between a TUN device and a UDP
 * socket in batches (veiltun_read_batch + sendmmsg one way, recvmmsg + veiltun_write_batch
 * the other). Encapsulation is plain: a datagram's payload is one IP packet, in cleartext. */
#ifndef VEILTUN_TUNNEL_H
#define VEILTUN_TUNNEL_H

#include "veiltun.h"
#include "control.h"
#include "tunnel_report.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#define TUNNEL_BATCH 64

#define TUNNEL_IN_PACKETS (8 * TUNNEL_BATCH) /* datagrams from one batch of messages */

#ifndef UDP_SEGMENT /* <linux/udp.h>; glibc headers may lack them */
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

struct tunnel {
    veiltun *dev;
    const char *name;
    int sock;
    struct sockaddr_storage peer, local;
    socklen_t peer_len;
    unsigned mtu;
    int epfd, sigfd, timerfd;
    struct control *ctl;       /* the first worker only: the control socket */
    struct tunnel_report base; /* the first worker only: name, peer, mtu, offload */
    int device_moved;          /* the device left our namespace: no more device events */
    int send_blocked;          /* the socket was full: device reads wait for EPOLLOUT */
    int udp_gso;               /* the kernel sends a run of equal datagrams from one call */
    int udp_gro;               /* the kernel hands over a run of datagrams as one */
    int64_t busy_poll_ns;      /* --busy-poll: how long to poll after activity; 0 never */
    /* Listening on a wildcard address, the kernel would pick the source of what we send,
     * and on a host with several addresses the peer (which only accepts the address it was
     * given) could drop it all: replies leave from the address the peer's datagrams
     * arrive at, learnt from IP_PKTINFO / IPV6_PKTINFO. */
    int pktinfo;
    int have_reply_from;
    union {
        struct in_pktinfo v4;
        struct in6_pktinfo v6;
    } reply_from;
    size_t out_count, out_sent; /* messages of the current batch, and those sent */
    struct tunnel_counters c;
    /* Device -> socket: packets, and the messages that carry them (with UDP GSO, one message
     * carries a run of packets of one size, the last maybe shorter). */
    veiltun_packet out_pkts[TUNNEL_BATCH];
    struct iovec out_iov[TUNNEL_BATCH];
    struct mmsghdr out_msgs[TUNNEL_BATCH];
    size_t msg_first[TUNNEL_BATCH], msg_packets[TUNNEL_BATCH];
    union {
        char buf[CMSG_SPACE(sizeof(uint16_t)) + CMSG_SPACE(sizeof(struct in6_pktinfo))];
        struct cmsghdr align;
    } msg_ctl[TUNNEL_BATCH];
    /* Socket -> device: messages (with UDP GRO each may hold a run of datagrams), then the
     * datagrams cut out of them. */
    struct mmsghdr in_msgs[TUNNEL_BATCH];
    struct iovec in_iov[TUNNEL_BATCH];
    struct sockaddr_storage in_src[TUNNEL_BATCH];
    union {
        char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo))];
        struct cmsghdr align;
    } in_ctl[TUNNEL_BATCH];
    veiltun_packet in_pkts[TUNNEL_IN_PACKETS];
    unsigned char *buffers; /* allocated once: TUNNEL_BATCH slots each way */
    size_t slot_size, in_size;
    /* With --queues, one worker per queue, each with its own device handle and socket. */
    _Atomic int *quit;      /* set to stop every worker */
    struct tunnel *workers; /* the first worker only: all of them */
    size_t nworkers;
    pthread_mutex_t pub_lock; /* guards pub, the copy other threads may read */
    struct tunnel_counters pub;
};

/* Allocates the buffers and points every message at them; 0 or -errno. */
int tunnel_init_buffers(struct tunnel *t);
void tunnel_free_buffers(struct tunnel *t);
/* Runs until SIGINT/SIGTERM (0), *quit, or a fatal error (a message is printed, returns 1;
 * the other workers are then stopped too). */
int tunnel_run(struct tunnel *t);
/* Stops every worker: sets quit and wakes them through their device handles. */
void tunnel_stop_all(struct tunnel *t);
/* The counters of every worker and every device queue, summed (any thread; @p ctx is the
 * first worker). */
void tunnel_report(struct tunnel_report *out, void *ctx);
/* Prints them for people. */
void tunnel_print(FILE *f, struct tunnel *t);

#endif
