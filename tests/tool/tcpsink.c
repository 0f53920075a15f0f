/* SPDX-License-Identifier: MIT */
/* Test helper: accept one TCP connection on ADDR PORT and copy what arrives to stdout
 * (bounded by a 60 s receive timeout). Usage: tcpsink ADDR PORT */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST}, *ai;
    struct timeval tv = {60, 0};
    char buf[65536];
    int one = 1, fd, c;
    ssize_t n;

    if (argc != 3 || getaddrinfo(argv[1], argv[2], &hints, &ai) != 0)
        return 2;
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1) < 0)
        return perror("tcpsink"), 1;
    freeaddrinfo(ai);
    fprintf(stderr, "listening\n");
    c = accept(fd, NULL, NULL);
    if (c < 0)
        return perror("accept"), 1;
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    /* write(), not stdio: nothing may wait in a buffer if the process ends abruptly. */
    while ((n = read(c, buf, sizeof(buf))) > 0) {
        for (ssize_t off = 0, w; off < n; off += w) {
            w = write(1, buf + off, (size_t)(n - off));
            if (w <= 0)
                return 1;
        }
    }
    close(c);
    close(fd);
    return n < 0 ? 1 : 0;
}
