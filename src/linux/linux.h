/* SPDX-License-Identifier: MIT */
/* Functions shared by the files of the Linux backend. */
#ifndef VEILTUN_LINUX_H
#define VEILTUN_LINUX_H

#include <libmnl/libmnl.h>
#include <sys/types.h>

struct veiltun__sys;
struct veiltun__nl;

/* Records @p err (an errno), logs "what: reason" and returns the VEILTUN_E* for it. */
int veiltun__linux_error(int err, const char *what);
/* The VEILTUN_E* for an errno value. */
int veiltun__linux_map(int err);

/* netlink.c. A request context on its own (a query without a handle), or a handle's two
 * sockets (requests and link notifications), or only its request socket. */
int veiltun__nl_connect(struct veiltun__nl *nl, const char *name);
void veiltun__nl_disconnect(struct veiltun__nl *nl);
int veiltun__nl_open(struct veiltun__sys *s);
int veiltun__nl_open_requests(struct veiltun__sys *s);
void veiltun__nl_close(struct veiltun__sys *s);
/* Sends a request and reads its replies (each to @p cb) until the ack; returns 0 or -errno
 * (logged, and recorded as the thread's OS error). */
int veiltun__nl_talk(struct veiltun__nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
                     const char *what);
/* As veiltun__nl_talk for a dump (NLM_F_DUMP): an interrupted dump is read again, after
 * @p restart(@p data) forgot what the callback collected, a few times; then -EINTR. */
int veiltun__nl_dump(struct veiltun__nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
                     void (*restart)(void *data), const char *what);
ssize_t veiltun__nl_recv(struct mnl_socket *nl, void *buf, size_t size, int timeout_ms);

/* config.c */
int veiltun__linux_lookup(veiltun *dev, const char *name, int ifindex, struct veiltun__link *link);
/* The addresses of device @p ifindex (up to @p max stored); their count, or a VEILTUN_E*. */
int veiltun__linux_addresses(struct veiltun__nl *nl, int ifindex, veiltun_prefix *out, size_t max);

/* netns.c. Moves the calling thread into the network namespace @p target (an fd), after
 * checking that it may come back; *home is what netns_leave() needs (-1 when the thread was
 * there already). Returns 0, VEILTUN_EBADF, VEILTUN_EINVAL (not a network namespace),
 * VEILTUN_EPERM (CAP_SYS_ADMIN missing over it or over the thread's own) or an error. */
int veiltun__netns_enter(int target, int *home);
/* Back to the namespace netns_enter() left; closes @p home. */
int veiltun__netns_leave(int home);
/* The namespace of a TUN fd's device (TUNGETDEVNETNS, Linux 5.2): *nsfd is an fd the caller
 * closes, or -1 when the kernel will not say (then the caller's is assumed). */
int veiltun__netns_of_tun(int fd, int *nsfd);
/* veiltun__nl_open() inside @p nsfd (-1: where the thread is). */
int veiltun__netns_nl_open(struct veiltun__sys *s, int nsfd);

/* tun.c: shared with adopt.c */
void veiltun__linux_init(struct veiltun__sys *s);
void veiltun__linux_release(struct veiltun__sys *s);
/* Without a virtio-net header: clears an offload mask an earlier user left; with one: turns
 * offload on as VEILTUN_F_OFFLOAD does. */
int veiltun__linux_setup_offload(veiltun *dev, int vnet);
/* After netlink is open and the fd attached: reads the link (by name; @p expect_ifindex > 0
 * must match) and makes the wait handle. */
int veiltun__linux_finish_open(veiltun *dev, int expect_ifindex);

/* wait.c. Makes the eventfd @p fd readable (@p on) or not, as a level: *level says which it
 * is, so it is written or read only when that changes. */
void veiltun__eventfd_level(int fd, int *level, int on);
int veiltun__wait_init(veiltun *dev);
void veiltun__wait_close(struct veiltun__sys *s);

#endif
