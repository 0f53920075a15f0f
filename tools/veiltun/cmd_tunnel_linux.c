/* SPDX-License-Identifier: MIT */
/* tunnel: set up the socket and the device, drop privileges, run the loop (tunnel.c). */
#include "cli.h"
#include "control.h"
#include "tunnel_linux.h"
#include "tunnel_args.h"

#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

/* ---- setup ---- */

/* The largest packet that fits one datagram on the path to the peer: the route's MTU less
 * the IP and UDP headers. */
static int underlay_mtu(const struct tunnel_args *a, unsigned *mtu)
{
    int v6 = a->peer.ss_family == AF_INET6;
    int fd = socket(a->peer.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), path = 0;
    socklen_t len = sizeof(path);

    if (fd < 0)
        return -errno;
    if (connect(fd, (const struct sockaddr *)&a->peer, a->peer_len) < 0 ||
        getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MTU : IP_MTU, &path, &len) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    close(fd);
    path -= v6 ? 40 + 8 : 20 + 8;
    *mtu = path < VEILTUN_MTU_MIN ? VEILTUN_MTU_MIN : (unsigned)path;
    return 0;
}

static int open_socket(const struct tunnel_args *a, struct sockaddr_storage *local)
{
    int family = a->peer.ss_family, one = 1, buf = SOCKET_BUFFER, fd, err;
    int pmtu = IP_PMTUDISC_DO, pmtu6 = IPV6_PMTUDISC_DO;
    socklen_t len;

    fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    *local = a->listen;
    local->ss_family = (sa_family_t)family;
    len = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    /* Never fragment: a packet of the tunnel MTU fits, a bigger one is refused in the
     * device with ICMP "fragmentation needed" by the kernel. */
    if (family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu6, sizeof(pmtu6));
    else
        setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
    /* Root may exceed the sysctl limits; others get what the limits allow. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
    /* One socket per worker on the same port. */
    if (a->queues > 1)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)local, len) < 0) {
        err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

static int is_wildcard(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return ((const struct sockaddr_in *)(const void *)ss)->sin_addr.s_addr == INADDR_ANY;
    return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr);
}

/* Asks for the address each datagram arrived at (see struct tunnel's pktinfo). */
static int enable_pktinfo(int fd, int family)
{
    int one = 1;

    if (family == AF_INET)
        return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) == 0;
    return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) == 0;
}

/* Whether this kernel cuts a run of datagrams from one send (UDP GSO, Linux 4.18). */
static int has_udp_gso(int fd)
{
    int size = 1200, off = 0;

    if (fd < 0 || setsockopt(fd, SOL_UDP, UDP_SEGMENT, &size, sizeof(size)) < 0)
        return 0;
    setsockopt(fd, SOL_UDP, UDP_SEGMENT, &off, sizeof(off));
    return 1;
}

/* Lets the kernel merge a run of datagrams from the peer into one receive (Linux 5.0). */
static int enable_udp_gro(int fd)
{
    int one = 1;

    return fd >= 0 && setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) == 0;
}

static int open_signals(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static int open_timer(unsigned long seconds)
{
    struct itimerspec its = {{(time_t)seconds, 0}, {(time_t)seconds, 0}};
    int fd;

    if (seconds == 0)
        return -1;
    fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd >= 0)
        timerfd_settime(fd, 0, &its, NULL);
    return fd;
}

/* After setup nothing needs root: the device and sockets are open. */
static int drop_privileges(const struct tunnel_args *a)
{
    if (a->gid >= 0 && (setgroups(0, NULL) < 0 || setgid((gid_t)a->gid) < 0))
        return -errno;
    if (a->uid >= 0 && setuid((uid_t)a->uid) < 0)
        return -errno;
    /* Make sure it is for good: regaining root must fail. */
    if (a->uid > 0 && setuid(0) == 0)
        return -EPERM;
    return 0;
}

static void init_tunnel(struct tunnel *t, const struct tunnel_args *a, _Atomic int *quit)
{
    memset(t, 0, sizeof(*t));
    t->sock = t->sigfd = t->timerfd = t->epfd = -1;
    t->peer = a->peer;
    t->peer_len = a->peer_len;
    t->busy_poll_ns = (int64_t)a->busy_poll_us * 1000;
    t->quit = quit;
    pthread_mutex_init(&t->pub_lock, NULL);
}

/* The socket of one worker; 0 or a printed error. */
static int setup_socket(struct tunnel *t, const struct tunnel_args *a)
{
    char ep[80];

    t->mtu = a->mtu;
    t->sock = open_socket(a, &t->local);
    if (t->sock < 0)
        return runtime_error("tunnel", "cannot listen on %s: %s",
                             format_sockaddr(&t->local, ep, sizeof(ep)), strerror(-t->sock));
    t->udp_gso = !a->no_offload && has_udp_gso(t->sock);
    t->udp_gro = !a->no_offload && enable_udp_gro(t->sock);
    t->pktinfo = is_wildcard(&t->local) && enable_pktinfo(t->sock, t->local.ss_family);
    return 0;
}

/* A further worker: its own queue of the first worker's device, socket, loop. */
static int setup_worker(struct tunnel *t, const struct tunnel_args *a, const struct tunnel *first)
{
    veiltun_config cfg;
    int err = setup_socket(t, a);

    if (err)
        return err;
    veiltun_config_init(&cfg);
    cfg.name = first->name;
    cfg.mode = VEILTUN_OPEN_ATTACH;
    cfg.flags = VEILTUN_F_MULTI_QUEUE | (a->no_offload ? 0 : VEILTUN_F_OFFLOAD);
    if ((err = veiltun_open(&cfg, &t->dev)) < 0 || (err = tunnel_apply_offload(a, t->dev)) < 0)
        return runtime_error("tunnel", "%s: queue: %s", first->name, veiltun_strerror(err));
    t->name = first->name;
    t->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (t->epfd < 0 || tunnel_init_buffers(t) < 0)
        return runtime_error("tunnel", "setup: %s", strerror(errno));
    return 0;
}

/* The control socket, for the user the tunnel will run as. Root's tunnel needs it; another
 * user's tunnel runs without one where that user has no runtime directory (/run/user/UID). */
static int open_control(struct tunnel *t, const struct tunnel_args *a)
{
    uint32_t uid = a->uid >= 0 ? (uint32_t)a->uid : (uint32_t)geteuid();
    uint32_t gid = a->gid >= 0 ? (uint32_t)a->gid : (uint32_t)getegid();
    const char *what = "";
    int err = control_open(t->name, uid, gid, &t->ctl, &what);

    if (err == -EADDRINUSE)
        return runtime_error("tunnel", "%s: a tunnel already answers on its control socket",
                             t->name);
    if (err < 0 && geteuid() != 0) {
        fprintf(stderr,
                "veiltun: tunnel %s: no control socket (%s: %s); `show` will not see "
                "its counters\n",
                t->name, what, strerror(-err));
        return 0;
    }
    if (err < 0)
        return runtime_error("tunnel", "%s: control socket: %s: %s", t->name, what, strerror(-err));
    return 0;
}

static int setup(struct tunnel *t, struct tunnel_args *a)
{
    const char *what = "";
    char ep[80];
    int err;

    if (a->mtu == 0 && (err = underlay_mtu(a, &a->mtu)) < 0)
        return runtime_error("tunnel", "no path to the peer %s: %s",
                             format_sockaddr(&a->peer, ep, sizeof(ep)), strerror(-err));
    if ((err = setup_socket(t, a)) != 0)
        return err;
    if ((err = tunnel_open_device(a, &t->dev, &what)) < 0)
        return runtime_error("tunnel", "%s: %s: %s", a->dev, what, veiltun_strerror(err));
    t->name = veiltun_get_name(t->dev);
    if ((err = open_control(t, a)) != 0)
        return err;
    t->sigfd = open_signals();
    t->timerfd = open_timer(a->stats_interval);
    t->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (t->sigfd < 0 || t->epfd < 0 || tunnel_init_buffers(t) < 0)
        return runtime_error("tunnel", "setup: %s", strerror(errno));
    for (size_t i = 1; i < t->nworkers; i++) {
        if ((err = setup_worker(&t->workers[i], a, t)) != 0)
            return err;
    }
    report_describe(&t->base, t->dev, format_sockaddr(&t->peer, ep, sizeof(ep)), t->mtu);
    if ((err = drop_privileges(a)) < 0)
        return runtime_error("tunnel", "cannot drop privileges: %s", strerror(-err));
    /* Its thread starts only now, so that it runs with the dropped privileges too. */
    if (t->ctl && (err = control_start(t->ctl, tunnel_report, t)) < 0)
        return runtime_error("tunnel", "control socket: %s", strerror(-err));
    return 0;
}

static void teardown(struct tunnel *t)
{
    int fds[] = {t->sock, t->sigfd, t->timerfd, t->epfd};

    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
        if (fds[i] >= 0)
            close(fds[i]);
    }
    tunnel_free_buffers(t);
    veiltun_close(t->dev); /* the last queue to close removes the device unless persistent */
    pthread_mutex_destroy(&t->pub_lock);
}

static void *worker_main(void *arg)
{
    tunnel_run(arg);
    return NULL;
}

/* The first worker runs here; the others on threads, started after set-up (they inherit
 * the blocked signals) and stopped through quit when the first one ends. */
static int run_workers(struct tunnel *w, size_t n)
{
    pthread_t threads[TUNNEL_MAX_QUEUES];
    size_t started = 1;
    int failed;

    for (; started < n; started++) {
        if (pthread_create(&threads[started], NULL, worker_main, &w[started]) != 0)
            break;
    }
    failed = started < n ? 1 : tunnel_run(&w[0]);
    tunnel_stop_all(&w[0]);
    for (size_t i = 1; i < started; i++)
        pthread_join(threads[i], NULL);
    return failed;
}

int cmd_tunnel(int argc, char **argv)
{
    static struct tunnel w[TUNNEL_MAX_QUEUES]; /* large: keep them off the stack */
    static _Atomic int quit;
    struct tunnel_args a;
    char local[80], peer[80];
    int err;

    err = parse_tunnel(argc, argv, &a);
    if (err)
        return err < 0 ? EXIT_OK : err;
    for (size_t i = 0; i < a.queues; i++) {
        init_tunnel(&w[i], &a, &quit);
        w[i].workers = w;
    }
    w[0].nworkers = a.queues;
    err = setup(&w[0], &a);
    if (err == 0) {
        fprintf(stderr, "veiltun: tunnel %s up: mtu %u, listening on %s, peer %s, %lu queue%s\n",
                w[0].name, w[0].mtu, format_sockaddr(&w[0].local, local, sizeof(local)),
                format_sockaddr(&w[0].peer, peer, sizeof(peer)), a.queues, a.queues > 1 ? "s" : "");
        /* From here on nothing would print what the library logs later: print it now. */
        log_forget();
        log_print_as_they_come();
        err = run_workers(w, a.queues) ? EXIT_RUNTIME : EXIT_OK;
        tunnel_print(stderr, &w[0]);
    }
    /* Before any worker's device goes: the control socket's thread reads their counters. */
    control_close(w[0].ctl);
    w[0].ctl = NULL;
    for (size_t i = a.queues; i-- > 0;)
        teardown(&w[i]);
    return err;
}
