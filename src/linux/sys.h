/* Linux backend state inside struct veiltun. */
#ifndef VEILTUN_LINUX_SYS_H
#define VEILTUN_LINUX_SYS_H

#include <pthread.h>
#include <stdint.h>

struct mnl_socket;

struct veiltun__sys {
    int fd;                  /* /dev/net/tun, attached to the device */
    int epfd;                /* the wait handle: fd + events socket + cancel_fd */
    int cancel_fd;           /* eventfd; readable once veiltun_cancel() ran */
    struct mnl_socket *nl;   /* rtnetlink requests, each acknowledged */
    struct mnl_socket *nlev; /* rtnetlink link notifications (RTMGRP_LINK) */
    uint32_t seq;
    int set_persist;      /* the open made the device persistent: undo on failure */
    pthread_mutex_t lock; /* serialises requests on nl and event processing */
};

#endif
