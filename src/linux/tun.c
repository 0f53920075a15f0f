/* SPDX-License-Identifier: MIT */
/* /dev/net/tun: creating, attaching to and adopting devices; moving packets. */
#include "../internal.h"
#include "gro.h"
#include "linux.h"
#include "nlmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

void veiltun__linux_init(struct veiltun__sys *s)
{
    memset(s, 0, sizeof(*s));
    s->fd = s->epfd = s->cancel_fd = s->pending_fd = s->event_fd = -1;
    pthread_mutex_init(&s->lock, NULL);
}

/* TUNSETIFF; returns 0 or a positive errno, and the name the kernel chose in @p name. */
static int set_iff(int fd, char *name, short extra)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI | extra;
    memcpy(ifr.ifr_name, name, strlen(name));
    if (ioctl(fd, TUNSETIFF, &ifr) < 0)
        return errno;
    memcpy(name, ifr.ifr_name, IFNAMSIZ - 1);
    name[IFNAMSIZ - 1] = '\0';
    return 0;
}

/* The kernel's errors for attaching, in the words of our API. */
static int attach_error(int err, const char *name)
{
    if (err == EINVAL) {
        veiltun__log(VEILTUN_LOG_ERROR,
                     "%s: name is used by a non-TUN device or a TUN device "
                     "with other options (TAP, multiqueue)",
                     name);
        return veiltun__fail_os(VEILTUN_ENOTTUN, err);
    }
    return veiltun__linux_error(err, "attach (TUNSETIFF)");
}

/* Creates or attaches as the mode asks; IFF_TUN_EXCL tells us reliably whether we created. */
static int attach_device(veiltun *dev, const veiltun_config *cfg)
{
    int fd = dev->sys.fd, err;
    short extra = (short)(((cfg->flags & VEILTUN_F_OFFLOAD) ? IFF_VNET_HDR : 0) |
                          ((cfg->flags & VEILTUN_F_MULTI_QUEUE) ? IFF_MULTI_QUEUE : 0));

    if (cfg->mode != VEILTUN_OPEN_ATTACH) {
        err = set_iff(fd, dev->name, IFF_TUN_EXCL | extra);
        if (err == 0)
            return dev->created = 1, 0;
        if (err == EBUSY && cfg->mode == VEILTUN_OPEN_CREATE) {
            veiltun__log(VEILTUN_LOG_ERROR, "%s: a device of that name exists", dev->name);
            return veiltun__fail_os(VEILTUN_EEXIST, err);
        }
        if (err != EBUSY)
            return veiltun__linux_error(err, "create (TUNSETIFF)");
    }
    err = set_iff(fd, dev->name, extra);
    return err ? attach_error(err, dev->name) : 0;
}

static int is_persistent(int fd)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    return ioctl(fd, TUNGETIFF, &ifr) == 0 && (ifr.ifr_flags & IFF_PERSIST);
}

/* Linux 6.2 added UDP segmentation offload; older kernel headers lack the bits. */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

static unsigned kernel_offload_bits(uint32_t features)
{
    unsigned bits = TUN_F_CSUM;

    if (features & VEILTUN_OFFLOAD_TSO)
        bits |= TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
    if (features & VEILTUN_OFFLOAD_USO)
        bits |= TUN_F_USO4 | TUN_F_USO6;
    return bits; /* GRO is ours alone: nothing to tell the kernel */
}

int veiltun__sys_set_offload(veiltun *dev, uint32_t features)
{
    struct veiltun__sys *s = &dev->sys;

    if (!s->vnet) {
        veiltun__log(VEILTUN_LOG_ERROR, "%s: offload needs VEILTUN_F_OFFLOAD at open", dev->name);
        return veiltun__fail_os(VEILTUN_ENOTSUP, 0);
    }
    /* A merged UDP write is a USO packet: only kernels that make them take them. */
    if ((features & VEILTUN_OFFLOAD_UDP_GRO) && !s->kernel_uso) {
        veiltun__log(VEILTUN_LOG_ERROR, "%s: UDP GRO needs a kernel with USO (6.2)", dev->name);
        return veiltun__fail_os(VEILTUN_ENOTSUP, 0);
    }
    if (ioctl(s->fd, TUNSETOFFLOAD, kernel_offload_bits(features)) < 0) {
        if (errno == EINVAL && (features & VEILTUN_OFFLOAD_USO))
            return veiltun__fail_os(VEILTUN_ENOTSUP, errno); /* a kernel without USO */
        return veiltun__linux_error(errno, "TUNSETOFFLOAD");
    }
    atomic_store(&s->offload, features);
    return 0;
}

int veiltun__sys_get_offload(const veiltun *dev)
{
    return (int)atomic_load(&dev->sys.offload);
}

/* Everything the kernel can do, USO only where it exists. */
static int enable_offload(veiltun *dev)
{
    struct veiltun__sys *s = &dev->sys;
    int err, hdr = VEILTUN__VNET_HDR_LEN;

    /* The header size belongs to the device: an earlier user may have chosen another. */
    if (ioctl(s->fd, TUNSETVNETHDRSZ, &hdr) < 0)
        return veiltun__linux_error(errno, "TUNSETVNETHDRSZ");
    s->vnet = 1;
    s->rxbuf = malloc(VEILTUN__VNET_HDR_LEN + 65536);
    s->txbuf = malloc(VEILTUN__VNET_HDR_LEN + 65536);
    if (s->rxbuf == NULL || s->txbuf == NULL)
        return veiltun__fail_os(VEILTUN_ENOMEM, ENOMEM);
    s->kernel_uso = 1;
    err = veiltun__sys_set_offload(dev,
                                   VEILTUN_OFFLOAD_TSO | VEILTUN_OFFLOAD_USO | VEILTUN_OFFLOAD_GRO);
    if (err == VEILTUN_ENOTSUP) {
        s->kernel_uso = 0;
        err = veiltun__sys_set_offload(dev, VEILTUN_OFFLOAD_TSO | VEILTUN_OFFLOAD_TCP_GRO);
    }
    return err;
}

/* A later queue of a multiqueue device inherits the device's header setting whatever it
 * asked for; a mismatch would make every packet unreadable, so it is refused. */
static int check_queue_matches(veiltun *dev, const veiltun_config *cfg)
{
    struct ifreq ifr;
    int want = (cfg->flags & VEILTUN_F_OFFLOAD) != 0;

    memset(&ifr, 0, sizeof(ifr));
    if (!(cfg->flags & VEILTUN_F_MULTI_QUEUE) || ioctl(dev->sys.fd, TUNGETIFF, &ifr) < 0 ||
        ((ifr.ifr_flags & IFF_VNET_HDR) != 0) == want)
        return 0;
    veiltun__log(VEILTUN_LOG_ERROR, "%s: the device's other queues were opened %s offload",
                 dev->name, want ? "without" : "with");
    return veiltun__fail_os(VEILTUN_ENOTTUN, 0);
}

int veiltun__linux_setup_offload(veiltun *dev, int vnet)
{
    if (vnet)
        return enable_offload(dev);
    /* The offload mask belongs to the device, not to the fd: a persistent device keeps what
     * an earlier user set. Without a virtio-net header to describe them, the kernel would
     * then hand us TCP super-packets as if they were one packet (ping works, bulk TCP
     * fails). So a handle without offload clears the mask. */
    if (ioctl(dev->sys.fd, TUNSETOFFLOAD, 0) < 0)
        return veiltun__linux_error(errno, "TUNSETOFFLOAD");
    return 0;
}

static int apply_options(veiltun *dev, const veiltun_config *cfg)
{
    struct veiltun__sys *s = &dev->sys;
    int err = check_queue_matches(dev, cfg);

    if (err == 0)
        err = veiltun__linux_setup_offload(dev, (cfg->flags & VEILTUN_F_OFFLOAD) != 0);
    if (err < 0)
        return err;
    if ((cfg->flags & VEILTUN_F_PERSIST) && !is_persistent(s->fd)) {
        if (ioctl(s->fd, TUNSETPERSIST, 1) < 0)
            return veiltun__linux_error(errno, "TUNSETPERSIST");
        s->set_persist = 1;
    }
    if (cfg->owner >= 0 && ioctl(s->fd, TUNSETOWNER, (unsigned long)cfg->owner) < 0)
        return veiltun__linux_error(errno, "TUNSETOWNER");
    if (cfg->group >= 0 && ioctl(s->fd, TUNSETGROUP, (unsigned long)cfg->group) < 0)
        return veiltun__linux_error(errno, "TUNSETGROUP");
    return 0;
}

/* The event socket is made with the tun file, before the device is created and set up, as
 * both must be made in the device's namespace. What it heard until now is this open's own
 * doing, and the lookup after this reads the state that led to: a first wait must not wake
 * for it. */
static void discard_notifications(struct veiltun__sys *s)
{
    char buf[VEILTUN__NL_BUFSIZE];

    for (int i = 0; i < 256 && veiltun__nl_recv(s->nlev, buf, sizeof(buf), 0) >= 0; i++)
        ;
}

/* Everything after the device is attached and set up: the link's state, the wait handle. */
int veiltun__linux_finish_open(veiltun *dev, int expect_ifindex)
{
    int err;

    discard_notifications(&dev->sys);
    err = veiltun__linux_lookup(dev, dev->name, 0, &dev->known);

    if (err == 0 && expect_ifindex > 0 && dev->ifindex != expect_ifindex) {
        veiltun__log(VEILTUN_LOG_ERROR, "%s: the device was replaced while attaching", dev->name);
        err = veiltun__fail_os(VEILTUN_ENODEV, ENODEV);
    }
    if (err == 0)
        err = veiltun__wait_init(dev);
    return err;
}

void veiltun__linux_release(struct veiltun__sys *s)
{
    veiltun__wait_close(s);
    veiltun__nl_close(s);
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    free(s->rxbuf);
    free(s->txbuf);
    s->rxbuf = s->txbuf = NULL;
    pthread_mutex_destroy(&s->lock);
}

/* What binds to a namespace, made where the device is to live: the kernel creates a device
 * in the namespace its /dev/net/tun file was opened in, a netlink socket talks to the one it
 * was made in, and if_nametoindex() looks in the thread's. Attach-only notes the index of
 * the device it means to attach to, so that finish_open() can tell if that device was
 * replaced (or removed, and so re-created by this very attach) in between. */
static int open_files(veiltun *dev, const veiltun_config *cfg, int *expect_ifindex)
{
    struct veiltun__sys *s = &dev->sys;

    s->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (s->fd < 0)
        return errno == ENOENT ? veiltun__fail_os(VEILTUN_ENODEV, errno)
                               : veiltun__linux_error(errno, "open /dev/net/tun");
    snprintf(dev->name, sizeof(dev->name), "%s", cfg->name ? cfg->name : "veil%d");
    if (cfg->mode == VEILTUN_OPEN_ATTACH &&
        (*expect_ifindex = (int)if_nametoindex(dev->name)) == 0) {
        veiltun__log(VEILTUN_LOG_ERROR, "%s: no such device to attach to", dev->name);
        return veiltun__fail_os(VEILTUN_ENODEV, ENODEV);
    }
    return veiltun__nl_open(s);
}

/* open_files() in cfg->netns_fd; the thread is back where it was on every path. */
static int open_files_in(veiltun *dev, const veiltun_config *cfg, int *expect_ifindex)
{
    int home, err, back;

    if (cfg->netns_fd < 0)
        return open_files(dev, cfg, expect_ifindex);
    err = veiltun__netns_enter(cfg->netns_fd, &home);
    if (err < 0)
        return err;
    err = open_files(dev, cfg, expect_ifindex);
    back = veiltun__netns_leave(home);
    return err < 0 ? err : back;
}

int veiltun__sys_open(veiltun *dev, const veiltun_config *cfg)
{
    struct veiltun__sys *s = &dev->sys;
    int err, expect = 0;

    veiltun__linux_init(s);
    err = open_files_in(dev, cfg, &expect);
    if (err == 0)
        err = attach_device(dev, cfg);
    if (err == 0)
        err = apply_options(dev, cfg);
    if (err == 0)
        err = veiltun__linux_finish_open(dev, expect);
    if (err == 0)
        return 0;
    /* The kernel removes a device we created when its last fd closes, unless we made it
     * persistent: undo that first. */
    if (s->set_persist && ioctl(s->fd, TUNSETPERSIST, 0) < 0)
        veiltun__log(VEILTUN_LOG_WARN, "%s: could not undo persist: %s", dev->name,
                     strerror(errno));
    veiltun__linux_release(s);
    return err;
}

void veiltun__sys_close(veiltun *dev)
{
    veiltun__linux_release(&dev->sys);
}

void veiltun__sys_lock(veiltun *dev)
{
    pthread_mutex_lock(&dev->sys.lock);
}

void veiltun__sys_unlock(veiltun *dev)
{
    pthread_mutex_unlock(&dev->sys.lock);
}

void veiltun__sys_pause(void)
{
    struct timespec ts = {0, 100 * 1000};

    nanosleep(&ts, NULL);
}

int veiltun__sys_set_persist(veiltun *dev, int persist)
{
    if (ioctl(dev->sys.fd, TUNSETPERSIST, persist) < 0)
        return veiltun__linux_error(errno, "TUNSETPERSIST");
    return 0;
}

int veiltun__sys_set_metric(veiltun *dev, uint32_t metric)
{
    (void)metric;
    veiltun__log(VEILTUN_LOG_ERROR, "%s: Linux has no interface metric; give routes a metric",
                 dev->name);
    return veiltun__fail_os(VEILTUN_ENOTSUP, 0);
}

/* The wait handle must stay readable while cut segments wait here, or a caller that reads
 * one packet per wake-up would sleep on data it already has. */
static void set_pending(struct veiltun__sys *s, int pending)
{
    veiltun__eventfd_level(s->pending_fd, &s->pending, pending);
}

/* A failed read. While the kernel removes the device, the tun fd polls as an error but a
 * read still finds "nothing yet" for some milliseconds; a caller woken by that error would
 * spin. veiltun_wait() notes the error, and the read then reports the removal at once. */
static int read_error(veiltun *dev)
{
    if (errno == EAGAIN && atomic_load(&dev->sys.tun_error))
        return veiltun__fail_os(VEILTUN_ENODEV, ENODEV);
    return veiltun__linux_error(errno, "read");
}

/* Reads one packet from the kernel into rxbuf and checks its header. */
static int read_super(veiltun *dev)
{
    struct veiltun__sys *s = &dev->sys;
    ssize_t n = read(s->fd, s->rxbuf, VEILTUN__VNET_HDR_LEN + 65536);

    if (n < 0)
        return read_error(dev);
    if (n < VEILTUN__VNET_HDR_LEN ||
        veiltun__gso_start(&s->gso, s->rxbuf, s->rxbuf + VEILTUN__VNET_HDR_LEN,
                           (size_t)n - VEILTUN__VNET_HDR_LEN) < 0) {
        veiltun__log(VEILTUN_LOG_WARN,
                     "%s: dropped a packet whose offload header does not match it", dev->name);
        return veiltun__fail_os(VEILTUN_EPROTO, EPROTO);
    }
    return 0;
}

/* The next segment of the packet being cut (read_super() done when nothing is pending). */
static int next_segment(veiltun *dev, void *buf, size_t size)
{
    struct veiltun__sys *s = &dev->sys;
    size_t count = veiltun__gso_count(&s->gso);
    int n;

    if (!s->pending && count > 1) {
        VEILTUN__COUNT(dev, gso_splits, 1);
        VEILTUN__COUNT(dev, gso_segments, count);
    }
    n = veiltun__gso_next(&s->gso, buf, size);
    set_pending(s, !s->gso.done);
    /* A segment too big for the caller's buffer: the front counts it dropped. */
    return n == VEILTUN_EMSGSIZE ? (int)(size > INT32_MAX - 1 ? INT32_MAX : size + 1) : n;
}

/* With offload: the next segment of the packet being cut, or of a fresh one. */
static int read_segment(veiltun *dev, void *buf, size_t size)
{
    int err;

    if (!dev->sys.pending && (err = read_super(dev)) < 0)
        return err;
    return next_segment(dev, buf, size);
}

int veiltun__sys_read_gso(veiltun *dev, void *buf, size_t size, veiltun_gso_info *info)
{
    struct veiltun__sys *s = &dev->sys;
    int n;

    if (!s->vnet || s->pending) /* segments of a packet already being cut go out as such */
        return veiltun__sys_read(dev, buf, size);
    if ((n = read_super(dev)) < 0)
        return n;
    n = veiltun__gso_whole(&s->gso, buf, size);
    if (n == 0) /* a plain packet, or a super-packet too big for the buffer */
        return next_segment(dev, buf, size);
    info->type = s->gso.type == VEILTUN__GSO_UDP_L4 ? VEILTUN_GSO_UDP : VEILTUN_GSO_TCP;
    info->segment = (uint32_t)s->gso.size;
    info->headers = (uint32_t)s->gso.hlen;
    info->count = (uint32_t)veiltun__gso_count(&s->gso);
    VEILTUN__COUNT(dev, gso_whole, 1);
    return n;
}

int veiltun__sys_read(veiltun *dev, void *buf, size_t size)
{
    if (dev->sys.vnet)
        return read_segment(dev, buf, size);

    /* The kernel silently cuts a packet to the buffer and returns the cut length. One spare
     * byte behind the buffer tells a packet that exactly fits from one that was cut (and is
     * gone): the result is then size + 1, which the front reports as a drop. */
    unsigned char spare;
    struct iovec iov[2] = {{buf, size}, {&spare, 1}};
    ssize_t n = readv(dev->sys.fd, iov, 2);

    if (n < 0)
        return read_error(dev);
    return n > INT32_MAX ? INT32_MAX : (int)n;
}

int veiltun__sys_write(veiltun *dev, const void *buf, size_t len)
{
    /* With offload every packet carries a header; all zero means "a plain, finished packet". */
    static const uint8_t plain[VEILTUN__VNET_HDR_LEN];
    struct iovec iov[2] = {{(void *)plain, sizeof(plain)}, {(void *)(uintptr_t)buf, len}};
    ssize_t n = dev->sys.vnet ? writev(dev->sys.fd, iov, 2) : write(dev->sys.fd, buf, len);

    if (n < 0)
        return veiltun__linux_error(errno, "write");
    return (int)len;
}

int veiltun__sys_write_gso(veiltun *dev, const void *buf, size_t len, const veiltun_gso_info *info)
{
    struct veiltun__sys *s = &dev->sys;
    int udp = info->type == VEILTUN_GSO_UDP, err;
    size_t hlen;

    if (!s->vnet || (udp && !s->kernel_uso)) {
        veiltun__log(VEILTUN_LOG_ERROR, "%s: %s super-packets need VEILTUN_F_OFFLOAD%s", dev->name,
                     udp ? "UDP" : "TCP", udp ? " and a kernel with USO" : "");
        return veiltun__fail_os(VEILTUN_ENOTSUP, 0);
    }
    /* The caller's buffer is const; the checksum field must change: work on a copy. */
    memcpy(s->txbuf + VEILTUN__VNET_HDR_LEN, buf, len);
    err =
        veiltun__gso_describe(s->txbuf, s->txbuf + VEILTUN__VNET_HDR_LEN, len, udp, info->segment);
    if (err < 0)
        return veiltun__fail_input(err, "%s: the super-packet's headers do not match it",
                                   dev->name);
    hlen = (size_t)s->txbuf[2] | (size_t)s->txbuf[3] << 8;
    if (hlen + info->segment > atomic_load(&dev->mtu_cache))
        return veiltun__fail_input(VEILTUN_EMSGSIZE, "%s: %zu-byte segments exceed the MTU",
                                   dev->name, hlen + info->segment);
    if (write(s->fd, s->txbuf, VEILTUN__VNET_HDR_LEN + len) < 0)
        return veiltun__linux_error(errno, "write");
    return (int)len;
}

int veiltun__sys_merges_writes(const veiltun *dev)
{
    return dev->sys.vnet && (atomic_load(&dev->sys.offload) & VEILTUN_OFFLOAD_GRO);
}

/* The GRO switch for a candidate's protocol. */
static uint32_t gro_bit(int proto)
{
    return proto == IPPROTO_UDP ? VEILTUN_OFFLOAD_UDP_GRO : VEILTUN_OFFLOAD_TCP_GRO;
}

/* Writes packets [i, j) one by one, after the kernel refused a merged write. Returns @p j, or
 * the slot whose write failed (setting *stop), so that the packets written before it count as
 * sent (a caller would resend them otherwise); a negative error only if the first failed. */
static long write_each(veiltun *dev, veiltun_packet *pkts, size_t i, size_t j, int *stop)
{
    size_t first = i;

    for (; i < j; i++) {
        int n = veiltun__sys_write(dev, pkts[i].data, pkts[i].len);
        if (n < 0) {
            *stop = 1;
            return i == first ? n : (long)i;
        }
    }
    return (long)j;
}

/* Merges what it can, from @p i on; returns the slot after the run, or a negative error, or
 * (with *stop set) the slot where a device error ended the batch. */
static long write_run(veiltun *dev, veiltun_packet *pkts, size_t i, size_t count, int *stop)
{
    struct veiltun__sys *s = &dev->sys;
    struct veiltun__gro g;
    size_t j = i + 1, len;
    int err, proto = veiltun__gro_candidate(pkts[i].data, pkts[i].len);

    if (proto == 0 || !(atomic_load(&s->offload) & gro_bit(proto))) {
        err = veiltun__sys_write(dev, pkts[i].data, pkts[i].len);
        return err < 0 ? err : (long)j;
    }
    veiltun__gro_begin(&g, s->txbuf, pkts[i].data, pkts[i].len);
    while (j < count && pkts[j].status == 0 && veiltun__gro_append(&g, pkts[j].data, pkts[j].len))
        j++;
    len = veiltun__gro_finish(&g);
    if (write(s->fd, s->txbuf, len) >= 0) {
        VEILTUN__COUNT(dev, gro_merges, g.count - 1);
        if (proto == IPPROTO_UDP)
            VEILTUN__COUNT(dev, gro_udp_merges, g.count - 1);
        return (long)j;
    }
    /* Some kernels refuse merged writes (Linux 6.6.44 did): stop merging, write plainly. */
    if (errno == EINVAL && g.count > 1) {
        veiltun__log(VEILTUN_LOG_WARN, "%s: the kernel refused a merged %s write; %s GRO is off",
                     dev->name, proto == IPPROTO_UDP ? "UDP" : "TCP",
                     proto == IPPROTO_UDP ? "UDP" : "TCP");
        atomic_fetch_and(&s->offload, ~gro_bit(proto));
        return write_each(dev, pkts, i, j, stop);
    }
    return veiltun__linux_error(errno, "write");
}

int veiltun__sys_write_batch(veiltun *dev, veiltun_packet *pkts, size_t count)
{
    size_t i = 0;
    int stop = 0;

    while (i < count) {
        long next;
        if (pkts[i].status < 0) {
            i++;
            continue;
        }
        next = write_run(dev, pkts, i, count, &stop);
        if (next < 0)
            return i == 0 ? (int)next : (int)i;
        i = (size_t)next;
        if (stop)
            return (int)i;
    }
    return (int)count;
}
