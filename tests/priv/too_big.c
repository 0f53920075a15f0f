/* SPDX-License-Identifier: MIT */
/* The kernel accepts the ICMP errors veiltun_icmp_too_big() builds: a UDP datagram sent
 * towards the device is read back, answered with "fragmentation needed" (IPv4, from a router
 * address on the link) or "packet too big" (IPv6, in the destination's name), and the route
 * to that destination then carries a path-MTU exception with the MTU we sent, as
 * `ip route get` shows. */
#include "netns.h"
#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <veiltun.h>

#define DISCARD_PORT 9

/* A datagram of @p size payload bytes to @p addr, never fragmented by this host (IPv4: DF).
 * Returns the socket: the kernel takes an ICMP error's MTU only while a socket the quoted
 * datagram belongs to is there to be told (udp_err), so it stays open until the check. */
static int send_udp(int family, const char *addr, size_t size)
{
    static char payload[2000];
    struct sockaddr_storage ss = {0};
    socklen_t sl;
    int fd = socket(family, SOCK_DGRAM, 0), pmtu = IP_PMTUDISC_DO;

    ASSERT_GE(fd, 0);
    if (family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&ss;
        s->sin_family = AF_INET;
        s->sin_port = htons(DISCARD_PORT);
        ASSERT_EQ(inet_pton(AF_INET, addr, &s->sin_addr), 1);
        ASSERT_EQ(setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu)), 0);
        sl = sizeof(*s);
    } else {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
        s->sin6_family = AF_INET6;
        s->sin6_port = htons(DISCARD_PORT);
        ASSERT_EQ(inet_pton(AF_INET6, addr, &s->sin6_addr), 1);
        sl = sizeof(*s);
    }
    ASSERT_EQ(sendto(fd, payload, size, 0, (struct sockaddr *)&ss, sl), (ssize_t)size);
    return fd;
}

/* Read until our datagram shows up (the kernel also sends IPv6 router solicitations and MLD
 * reports into the device); bounded to about 5 s. */
static size_t read_datagram(veiltun *dev, int version, uint8_t *buf, size_t size)
{
    veiltun_packet_info in;

    for (int i = 0; i < 50; i++) {
        int n, w = veiltun_wait(dev, 100);

        if (w == VEILTUN_ETIMEDOUT)
            continue;
        ASSERT_GT(w, 0);
        n = veiltun_read(dev, buf, size);
        if (n == VEILTUN_EAGAIN)
            continue;
        ASSERT_GT(n, 0);
        if (veiltun_packet_parse(buf, (size_t)n, &in) == 0 && in.version == version &&
            in.protocol == 17 && in.has_ports && in.dst_port == DISCARD_PORT)
            return (size_t)n;
    }
    TEST_FAIL("the IPv%d datagram never reached the device", version);
}

/* The MTU of the route to @p dst as `ip route get` reports it ("metrics": [{"mtu": N}] with a
 * path-MTU exception), -1 without one. */
static long route_mtu_now(const char *family, const char *dst)
{
    return sh_num("ip -j %s route get %s | jq '[.[0].metrics[]?.mtu // empty][0] // -1'", family,
                  dst);
}

/* The same, waited for until it is @p want, for up to about 2 s. */
static long route_mtu(const char *family, const char *dst, long want)
{
    long mtu = -1;

    for (int i = 0; i < 100; i++) {
        mtu = route_mtu_now(family, dst);
        if (mtu == want)
            break;
        usleep(20000);
    }
    return mtu;
}

static void check(veiltun *dev, int version, const char *dst, unsigned mtu, const void *from)
{
    static uint8_t pkt[2000], out[VEILTUN_ICMP_ERROR_MAX6];
    const char *family = version == 4 ? "-4" : "-6";
    size_t len;
    int n, fd;

    ASSERT_EQ(route_mtu_now(family, dst), -1); /* no exception before */
    fd = send_udp(version == 4 ? AF_INET : AF_INET6, dst, 1400);
    len = read_datagram(dev, version, pkt, sizeof(pkt));
    ASSERT_EQ(len, 1400 + 8 + (version == 4 ? 20 : 40));
    n = veiltun_icmp_too_big(pkt, len, mtu, from, out, sizeof(out));
    ASSERT_EQ(n, version == 4 ? VEILTUN_ICMP_ERROR_MAX4 : VEILTUN_ICMP_ERROR_MAX6);
    ASSERT_EQ(veiltun_write(dev, out, (size_t)n), n);
    ASSERT_EQ(route_mtu(family, dst, (long)mtu), (long)mtu);
    close(fd);
}

int main(void)
{
    static const uint8_t router[4] = {10, 32, 0, 254};
    veiltun_config cfg;
    veiltun *dev;

    test_netns_enter("too_big");
    veiltun_config_init(&cfg);
    cfg.name = "vtbig0";
    ASSERT_OK(veiltun_open(&cfg, &dev));
    ASSERT_OK(veiltun_set_mtu(dev, 1500));
    ASSERT_OK(veiltun_add_address(dev, "10.32.0.1/24"));
    ASSERT_OK(veiltun_add_address(dev, "fd00:32::1/64"));
    ASSERT_OK(veiltun_set_up(dev, 1));
    check(dev, 4, "10.32.0.2", 1300, router);
    check(dev, 6, "fd00:32::2", 1320, NULL);
    /* The kernel counted both messages as received on the device. */
    ASSERT_GE(sh_num("ip -j -s link show dev vtbig0 | jq '.[0].stats64.rx.packets'"), 2);
    veiltun_close(dev);
    ASSERT_TRUE(!link_exists("vtbig0"));
    return 0;
}
