/* Functions shared by the files of the Linux backend. */
#ifndef VEILTUN_LINUX_H
#define VEILTUN_LINUX_H

#include <libmnl/libmnl.h>
#include <sys/types.h>

struct veiltun__sys;

/* Records @p err (an errno), logs "what: reason" and returns the VEILTUN_E* for it. */
int veiltun__linux_error(int err, const char *what);
/* The VEILTUN_E* for an errno value. */
int veiltun__linux_map(int err);

/* netlink.c: both sockets, or only the one for requests */
int veiltun__nl_open(struct veiltun__sys *s);
int veiltun__nl_open_requests(struct veiltun__sys *s);
void veiltun__nl_close(struct veiltun__sys *s);
/* Send a request and read its replies (each to @p cb) until the ack; returns 0 or -errno. */
int veiltun__nl_talk(veiltun *dev, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, const char *what);
ssize_t veiltun__nl_recv(struct mnl_socket *nl, void *buf, size_t size, int timeout_ms);

/* config.c */
int veiltun__linux_lookup(veiltun *dev, const char *name, int ifindex, struct veiltun__link *link);

/* wait.c */
int veiltun__wait_init(veiltun *dev);
void veiltun__wait_close(struct veiltun__sys *s);

#endif
