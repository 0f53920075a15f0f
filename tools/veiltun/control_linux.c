/* SPDX-License-Identifier: MIT */
/* The control socket on Linux (see control.h): a file socket served by its own thread. */
#include "control.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define ROOT_DIR      "/run/veiltun"
#define REQUEST       "get 1\n"
#define IO_TIMEOUT_MS 1000 /* a caller gets this long to ask, and the tunnel to answer */
#define ANSWER_MAX    (1 << 16)

struct control {
    int listen_fd, wake_fd;
    uint32_t uid; /* besides root, who may ask */
    pthread_t thread;
    int bound, running;
    control_report_fn report;
    void *ctx;
    struct sockaddr_un addr;
};

/* ---- where the socket is ---- */

/* The directory for sockets of tunnels started by @p uid. */
static void runtime_dir(uid_t uid, char *buf, size_t size)
{
    if (uid == 0)
        snprintf(buf, size, ROOT_DIR);
    else
        snprintf(buf, size, "/run/user/%u/veiltun", (unsigned)uid);
}

/* The calling thread's network namespace: the inode of its nsfs file. */
static int netns_id(unsigned long long *id)
{
    struct stat st;

    if (stat("/proc/thread-self/ns/net", &st) < 0 && stat("/proc/self/ns/net", &st) < 0)
        return -errno;
    *id = (unsigned long long)st.st_ino;
    return 0;
}

static int socket_address(const char *dir, const char *name, struct sockaddr_un *sun)
{
    unsigned long long ns = 0;
    int err = netns_id(&ns), n;

    if (err < 0)
        return err;
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    n = snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s.%llu.sock", dir, name, ns);
    return n < 0 || (size_t)n >= sizeof(sun->sun_path) ? -ENAMETOOLONG : 0;
}

/* A directory is safe when it is one, belongs to @p uid and nobody else may write in it. */
static int dir_safe(const char *dir, uid_t uid)
{
    struct stat st;

    if (lstat(dir, &st) < 0)
        return -errno;
    if (!S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & (S_IWGRP | S_IWOTH)))
        return -EPERM;
    return 0;
}

/* ---- the tunnel's side ---- */

static int make_dir(const char *dir, uid_t uid)
{
    /* Callers must reach root's sockets (each socket's own mode decides who may connect);
     * another user's directory is that user's alone. */
    if (mkdir(dir, uid == 0 ? 0755 : 0700) < 0 && errno != EEXIST)
        return -errno;
    return dir_safe(dir, uid);
}

/* Binds @p fd; a socket file nobody answers on (its tunnel is gone) is replaced. */
static int bind_socket(int fd, const struct sockaddr_un *sun)
{
    int probe, err;

    if (bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
        return 0;
    if (errno != EADDRINUSE)
        return -errno;
    probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0)
        return -errno;
    err = connect(probe, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ? -EADDRINUSE
          : errno == ECONNREFUSED                                         ? 0
                                                                          : -errno;
    close(probe);
    if (err < 0)
        return err;
    if (unlink(sun->sun_path) < 0 || bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) < 0)
        return -errno;
    return 0;
}

/* The socket file: created 0600 (umask, so no moment with more), then given to the user the
 * tunnel will run as. */
static int create_socket(struct control *c, uint32_t uid, uint32_t gid, const char **what)
{
    mode_t old = umask(0177);
    int err = bind_socket(c->listen_fd, &c->addr);

    umask(old);
    if (err < 0)
        return *what = "bind", err;
    c->bound = 1;
    if (uid != geteuid() && chown(c->addr.sun_path, uid, gid) < 0)
        return *what = "chown", -errno;
    if (listen(c->listen_fd, 8) < 0)
        return *what = "listen", -errno;
    return 0;
}

int control_open(const char *name, uint32_t uid, uint32_t gid, struct control **out,
                 const char **what)
{
    char dir[64];
    struct control *c = calloc(1, sizeof(*c));
    int err;

    *out = NULL;
    if (c == NULL)
        return *what = "memory", -ENOMEM;
    c->listen_fd = c->wake_fd = -1;
    c->uid = uid;
    runtime_dir(geteuid(), dir, sizeof(dir));
    if ((err = make_dir(dir, geteuid())) < 0) {
        *what = dir;
        goto fail;
    }
    if ((err = socket_address(dir, name, &c->addr)) < 0) {
        *what = "path";
        goto fail;
    }
    c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (c->listen_fd < 0 || c->wake_fd < 0) {
        err = -errno;
        *what = "socket";
        goto fail;
    }
    if ((err = create_socket(c, uid, gid, what)) < 0)
        goto fail;
    *out = c;
    return 0;
fail:
    control_close(c);
    return err;
}

const char *control_path(const struct control *c)
{
    return c->addr.sun_path;
}

static int peer_uid(int fd, uid_t *uid)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return -errno;
    *uid = cred.uid;
    return 0;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL); /* a caller that left is no signal */
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* Reads the request line; 0 if it is one we know. */
static int read_request(int fd)
{
    char req[sizeof(REQUEST)];
    size_t len = 0;

    while (len < sizeof(req) - 1) {
        ssize_t n = read(fd, req + len, sizeof(req) - 1 - len);
        if (n <= 0)
            return -1;
        len += (size_t)n;
    }
    return memcmp(req, REQUEST, len) == 0 ? 0 : -1;
}

static void serve_one(struct control *c, int fd)
{
    struct timeval tv = {IO_TIMEOUT_MS / 1000, (IO_TIMEOUT_MS % 1000) * 1000};
    struct tunnel_report r;
    char *answer = NULL;
    size_t size = 0;
    uid_t uid = (uid_t)-1;
    FILE *f;

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if ((f = open_memstream(&answer, &size)) == NULL)
        return;
    if (peer_uid(fd, &uid) < 0 || (uid != 0 && uid != c->uid)) {
        report_write_refusal(f);
    } else if (read_request(fd) == 0) {
        memset(&r, 0, sizeof(r));
        c->report(&r, c->ctx);
        report_write_answer(f, &r);
    }
    fclose(f);
    write_all(fd, answer, size);
    free(answer);
}

static void *serve(void *arg)
{
    struct control *c = arg;

    for (;;) {
        struct pollfd pfd[2] = {{c->listen_fd, POLLIN, 0}, {c->wake_fd, POLLIN, 0}};
        int fd;

        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            break;
        if (pfd[1].revents)
            break;
        if (!(pfd[0].revents & POLLIN))
            continue;
        fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        serve_one(c, fd);
        close(fd);
    }
    return NULL;
}

int control_start(struct control *c, control_report_fn fn, void *ctx)
{
    int err;

    c->report = fn;
    c->ctx = ctx;
    err = pthread_create(&c->thread, NULL, serve, c);
    if (err != 0)
        return -err;
    c->running = 1;
    return 0;
}

void control_close(struct control *c)
{
    if (c == NULL)
        return;
    if (c->running) {
        uint64_t one = 1;
        if (write(c->wake_fd, &one, sizeof(one)) == (ssize_t)sizeof(one))
            pthread_join(c->thread, NULL);
    }
    if (c->bound)
        unlink(c->addr.sun_path); /* fails after dropping root: see control.h */
    if (c->listen_fd >= 0)
        close(c->listen_fd);
    if (c->wake_fd >= 0)
        close(c->wake_fd);
    free(c);
}

/* ---- show's side ---- */

/* Reads the whole answer (bounded in size and time) and makes sense of it. */
static int read_answer(int fd, struct tunnel_report *out)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    char *buf = malloc(ANSWER_MAX + 1);
    size_t len = 0;
    ssize_t n;
    int err;

    if (buf == NULL)
        return -ENOMEM;
    for (;;) {
        if (poll(&pfd, 1, 2 * IO_TIMEOUT_MS) <= 0)
            return free(buf), -ETIMEDOUT;
        n = read(fd, buf + len, ANSWER_MAX - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len == ANSWER_MAX)
            return free(buf), -EPROTO;
    }
    buf[len] = '\0';
    err = strlen(buf) == len ? report_read_answer(buf, out) : -EPROTO;
    free(buf);
    return err;
}

/* Asks the socket for @p name in @p dir, a directory of @p owner. */
static int query_in(const char *dir, uid_t owner, const char *name, struct tunnel_report *out)
{
    struct sockaddr_un sun;
    uid_t server = (uid_t)-1;
    int fd, err = dir_safe(dir, owner);

    if (err < 0)
        return err == -ENOTDIR ? -ENOENT : err;
    if ((err = socket_address(dir, name, &sun)) < 0)
        return err;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        /* No file, or a file nobody answers on (a tunnel that is gone). */
        err = errno == ENOENT || errno == ECONNREFUSED ? -ENOENT : -errno;
        goto out;
    }
    /* Believe only root or ourselves: anyone else's answer could say anything. */
    if ((err = peer_uid(fd, &server)) < 0)
        goto out;
    if (server != 0 && server != geteuid()) {
        err = -EPERM;
        goto out;
    }
    write_all(fd, REQUEST, strlen(REQUEST));
    err = read_answer(fd, out);
out:
    close(fd);
    return err;
}

int control_query(const char *name, struct tunnel_report *out)
{
    char dir[64];
    int err = query_in(ROOT_DIR, 0, name, out);

    if (err == -ENOENT && geteuid() != 0) {
        runtime_dir(geteuid(), dir, sizeof(dir));
        err = query_in(dir, geteuid(), name, out);
    }
    return err;
}
