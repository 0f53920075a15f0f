/* SPDX-License-Identifier: MIT */
/* Test helper: plays the other side of a tunnel's control socket.
 *   ctlsock serve ADDR SECONDS [UID]   listen on ADDR (a path, or @NAME for an abstract name)
 *                                      and answer every caller with a forged answer (terminal
 *                                      escapes, extra JSON keys); with UID, switch to that
 *                                      user between bind and listen (the credentials callers
 *                                      see). Prints "ready" once listening. Exits after SECONDS.
 *   ctlsock silent ADDR SECONDS N      N callers at a time that connect and send nothing, over
 *                                      and over, for SECONDS.
 * Exit 0, or 1 with a message (bind refused: "bind: ..."). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FORGED                                                                                     \
    "{\"version\":1,\"status\":\"ok\",\"name\":\"vt0\",\"peer\":\"\\u001b[31mFORGED\","            \
    "\"mtu\":1,\"datagrams_in\":1}\n\033[2J\033[31mFORGED\"}],\"injected\":true,\"x\":[{\"y\":"    \
    "\"\n"

static socklen_t address(const char *s, struct sockaddr_un *sun)
{
    size_t n = strlen(s);

    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    if (n >= sizeof(sun->sun_path))
        exit(2);
    memcpy(sun->sun_path, s, n);
    if (s[0] == '@')
        sun->sun_path[0] = '\0'; /* abstract: the length says where the name ends */
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (s[0] == '@' ? 0 : 1));
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int serve(const char *addr, double seconds, const char *uid)
{
    struct sockaddr_un sun;
    socklen_t len = address(addr, &sun);
    double end = now() + seconds;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    if (bind(fd, (struct sockaddr *)&sun, len) < 0) {
        printf("bind: %s\n", strerror(errno));
        return 1;
    }
    if (uid && setuid((uid_t)atoi(uid)) < 0)
        return perror("setuid"), 1;
    if (listen(fd, 16) < 0)
        return perror("listen"), 1;
    printf("ready\n");
    fflush(stdout);
    while (now() < end) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int c = accept(fd, NULL, NULL);
        if (c >= 0) {
            send(c, FORGED, strlen(FORGED), MSG_NOSIGNAL);
            close(c);
        }
    }
    if (addr[0] != '@')
        unlink(addr);
    return 0;
}

/* One caller: connect, say nothing, wait until the other side closes (bounded), repeat. */
static void silent_caller(const char *addr, double end)
{
    struct sockaddr_un sun;
    socklen_t len = address(addr, &sun);
    char buf[4096];

    while (now() < end) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        struct timeval tv = {2, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (connect(fd, (struct sockaddr *)&sun, len) == 0) {
            while (recv(fd, buf, sizeof(buf), 0) > 0)
                ;
        } else {
            usleep(10000);
        }
        close(fd);
    }
    _exit(0);
}

static int silent(const char *addr, double seconds, int n)
{
    double end = now() + seconds;

    for (int i = 0; i < n; i++) {
        if (fork() == 0)
            silent_caller(addr, end);
    }
    while (wait(NULL) > 0)
        ;
    return 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 4 && strcmp(argv[1], "serve") == 0)
        return serve(argv[2], atof(argv[3]), argc > 4 ? argv[4] : NULL);
    if (argc == 5 && strcmp(argv[1], "silent") == 0)
        return silent(argv[2], atof(argv[3]), atoi(argv[4]));
    fprintf(stderr, "usage: ctlsock serve ADDR SECONDS [UID] | silent ADDR SECONDS N\n");
    return 2;
}
