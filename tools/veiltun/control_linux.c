#include "control.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DENIED "denied\n"

static socklen_t control_address(const char *name, struct sockaddr_un *sun)
{
    int n;

    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    /* sun_path[0] stays NUL: an abstract name. */
    n = snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1, "veiltun/%s", name);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

int control_listen(const char *name)
{
    struct sockaddr_un sun;
    socklen_t len = control_address(name, &sun);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), err;

    if (fd < 0)
        return -errno;
    if (bind(fd, (struct sockaddr *)&sun, len) < 0 || listen(fd, 8) < 0) {
        err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

static int peer_allowed(int fd, unsigned allowed)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return 0;
    return cred.uid == 0 || cred.uid == allowed;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL); /* a peer that left is no signal */
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

void control_serve(int listen_fd, unsigned allowed_uid, control_describe_fn describe, void *ctx)
{
    struct timeval tv = {0, 200 * 1000};
    char req[16] = "";
    char *answer = NULL;
    size_t size = 0;
    FILE *f;
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

    if (fd < 0)
        return;
    /* A slow client must not stall the tunnel: it gets 200 ms to ask. */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (!peer_allowed(fd, allowed_uid)) {
        write_all(fd, DENIED, strlen(DENIED));
        close(fd);
        return;
    }
    if (read(fd, req, sizeof(req) - 1) > 0 && (f = open_memstream(&answer, &size)) != NULL) {
        describe(f, strncmp(req, "json", 4) == 0, ctx);
        fclose(f);
        write_all(fd, answer, size);
        free(answer);
    }
    close(fd);
}

static int read_answer(int fd, char **out)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    ssize_t n;

    if (buf == NULL)
        return -ENOMEM;
    for (;;) {
        if (poll(&pfd, 1, 2000) <= 0)
            return free(buf), -ETIMEDOUT;
        n = read(fd, buf + len, cap - len - 1);
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len + 1 == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL)
                return free(buf), -ENOMEM;
            buf = bigger;
            cap *= 2;
        }
    }
    buf[len] = '\0';
    if (strcmp(buf, DENIED) == 0)
        return free(buf), -EACCES;
    *out = buf;
    return 0;
}

int control_query(const char *name, int json, char **out)
{
    struct sockaddr_un sun;
    socklen_t len = control_address(name, &sun);
    const char *req = json ? "json\n" : "text\n";
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), err;

    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&sun, len) < 0) {
        err = errno == ECONNREFUSED ? -ENOENT : -errno;
        close(fd);
        return err;
    }
    write_all(fd, req, strlen(req));
    err = read_answer(fd, out);
    close(fd);
    return err;
}
