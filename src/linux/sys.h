/* SPDX-License-Identifier: MIT */
/* Linux backend state inside struct veiltun. */
#ifndef VEILTUN_LINUX_SYS_H
#define VEILTUN_LINUX_SYS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "offload.h"

struct mnl_socket;

/* One rtnetlink request socket and what its requests need: netlink.c's only state. */
struct veiltun__nl {
    struct mnl_socket *sock;
    uint32_t seq;     /* of the last request sent */
    const char *name; /* the device's name for log lines, or NULL */
};

struct veiltun__sys {
    int fd;                  /* /dev/net/tun, attached to the device */
    int epfd;                /* the wait handle: fd, events socket, cancel_fd, pending_fd */
    int cancel_fd;           /* eventfd; readable once veiltun_cancel() ran */
    struct veiltun__nl nl;   /* rtnetlink requests, each acknowledged */
    struct mnl_socket *nlev; /* rtnetlink link notifications (RTMGRP_LINK) */
    int set_persist;         /* the open made the device persistent: undo on failure */
    pthread_mutex_t lock;    /* serialises requests on nl and event processing */
    /* Offload (VEILTUN_F_OFFLOAD): the fd carries a virtio-net header on every packet. */
    int vnet;
    int kernel_uso;           /* the kernel took USO: it also takes merged UDP writes */
    _Atomic uint32_t offload; /* VEILTUN_OFFLOAD_* in force (read by the I/O threads) */
    uint8_t *rxbuf;           /* one read from the kernel: header + up to 64 KiB */
    uint8_t *txbuf;           /* one merged write: header + up to 64 KiB */
    struct veiltun__gso gso;  /* the packet being cut into segments */
    int pending;              /* segments of it are still to be handed out */
    _Atomic int tun_error;    /* a wait saw the tun fd in error: the device is going away */
    int pending_fd;           /* eventfd, readable while they are: wakes waiters */
    int event_fd;             /* eventfd, readable while an event waits to be fetched */
    int events_signalled;     /* event_fd is readable (changed with the lock held) */
};

#endif
