/* SPDX-License-Identifier: MIT */
/* Adopting descriptors that are not plain: a device in another network namespace (while a
 * link of the same name exists in the caller's), a descriptor with a packet-information
 * header, one with a virtio-net header, and a persistent device whose offload mask an
 * earlier user left on. Results are checked through the kernel (ip -j) and real traffic. */
#include "icmp.h"
#include "netns.h"
#include "second_ns.h"
#include "test.h"
#include "veiltun.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/ioctl.h>
#include <linux/capability.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

static const char *ns_b;

static int raw_tun(const char *name, short flags)
{
    struct ifreq ifr;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = flags;
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0)
        TEST_FAIL("cannot make a raw tun fd for %s", name);
    return fd;
}

static void ping_through(veiltun *dev, const char *cmd)
{
    int answered, status = answer_pings(dev, cmd, 0, &answered);

    if (status != 0)
        TEST_FAIL("'%s' failed (status %d, %d answered)", cmd, status, answered);
    ASSERT_GE(answered, 3);
}

/* The device of the fd lives in namespace B; the caller's namespace has a link of the same
 * name (another TUN device). Configuration through the handle must reach B's device, and leave the
 * local one alone. */
static void test_other_namespace(void)
{
    unsigned long long home = thread_netns_inode();
    int fd = raw_tun("vtx0", IFF_TUN | IFF_NO_PI);
    char cmd[160];
    veiltun *a;

    ASSERT_EQ(sh("ip link set vtx0 netns %s", ns_b), 0);
    ASSERT_EQ(sh("ip tuntap add vtx0 mode tun"), 0);
    ASSERT_OK(veiltun_adopt(fd, &a));
    ASSERT_EQ(thread_netns_inode(), home);
    ASSERT_STREQ(veiltun_get_name(a), "vtx0");
    ASSERT_EQ(veiltun_get_index(a),
              sh_num("ip -n %s -j link show dev vtx0 | jq '.[0].ifindex'", ns_b));
    ASSERT_OK(veiltun_add_address(a, "10.77.0.1/24"));
    ASSERT_OK(veiltun_set_mtu(a, 1400));
    ASSERT_OK(veiltun_set_up(a, 1));
    ASSERT_STREQ(sh_out("ip -n %s -j addr show dev vtx0 | jq -r '.[0].addr_info[0].local'", ns_b),
                 "10.77.0.1");
    ASSERT_EQ(sh_num("ip -n %s -j link show dev vtx0 | jq '.[0].mtu'", ns_b), 1400);
    ASSERT_STREQ(sh_out("ip -j addr show dev vtx0 | jq -r '.[0].addr_info | length'"), "0");
    ASSERT_EQ(sh_num("ip -j link show dev vtx0 | jq '.[0].mtu'"), 1500);
    ASSERT_STREQ(sh_out("ip -j link show dev vtx0 | jq -r '.[0].operstate'"), "DOWN");
    snprintf(cmd, sizeof(cmd), "ip netns exec %s ping -c 3 -i 0.2 -W 2 10.77.0.2 >/dev/null", ns_b);
    ping_through(a, cmd);
    veiltun_close(a);
    ASSERT_EQ(thread_netns_inode(), home);
    ASSERT_EQ(sh("ip -n %s link show dev vtx0 >/dev/null 2>&1", ns_b) != 0, 1);
    ASSERT_TRUE(link_exists("vtx0")); /* the local one */
    ASSERT_EQ(sh("ip link del vtx0"), 0);
}

/* The same with no link of that name here at all (this failed with ENODEV). */
static void test_other_namespace_alone(void)
{
    unsigned long long home = thread_netns_inode();
    int fd = raw_tun("vtx1", IFF_TUN | IFF_NO_PI);
    veiltun *a;

    ASSERT_EQ(sh("ip link set vtx1 netns %s", ns_b), 0);
    ASSERT_OK(veiltun_adopt(fd, &a));
    ASSERT_EQ(veiltun_is_up(a), 0);
    ASSERT_OK(veiltun_set_up(a, 1));
    ASSERT_STREQ(sh_out("ip -n %s -j link show dev vtx1 | jq -r '.[0].flags | index(\"UP\") != "
                        "null'",
                        ns_b),
                 "true");
    veiltun_close(a);
    ASSERT_EQ(thread_netns_inode(), home);
}

/* Drops CAP_SYS_ADMIN (keeps CAP_NET_ADMIN); in a child. */
static void drop_sys_admin(void)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];

    if (syscall(SYS_capget, &hdr, data) < 0)
        _exit(2);
    data[0].effective &= ~(1u << CAP_SYS_ADMIN);
    if (syscall(SYS_capset, &hdr, data) < 0)
        _exit(2);
}

/* Without CAP_SYS_ADMIN: a device here is adopted (no setns needed), one in another
 * namespace is refused with EPERM rather than looked for here. */
static void test_no_sys_admin(void)
{
    int here = raw_tun("vtsa0", IFF_TUN | IFF_NO_PI), there = raw_tun("vtsa1", IFF_TUN | IFF_NO_PI);
    int pid, status;

    ASSERT_EQ(sh("ip link set vtsa1 netns %s", ns_b), 0);
    ASSERT_EQ(sh("ip tuntap add vtsa1 mode tun"), 0);
    pid = fork();
    if (pid == 0) {
        veiltun *a, *b = NULL;
        drop_sys_admin();
        _exit(veiltun_adopt(here, &a) == 0 && veiltun_adopt(there, &b) == VEILTUN_EPERM && b == NULL
                  ? 0
                  : 1);
    }
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(here);
    close(there);
    ASSERT_EQ(sh("ip link del vtsa1"), 0);
}

/* Runs @p fn in a child; its exit status (77: could not set up, the case is skipped). */
static int in_child(int (*fn)(int), int fd)
{
    int pid = fork(), status;

    if (pid == 0)
        _exit(fn(fd));
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77)
        fprintf(stderr, "note: a case was skipped (no user namespaces)\n");
    return WEXITSTATUS(status) == 77 ? 0 : WEXITSTATUS(status);
}

/* Root of a user namespace of its own, with a network namespace of its own holding a TUN
 * device of the same name: the kernel will not name the fd's namespace, but this process
 * administers its own, so the device cannot be here. Refused, not confused with the local one. */
static int adopt_from_user_namespace(int fd)
{
    int local;
    veiltun *a = NULL;

    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
        return 77;
    local = raw_tun("vtu0", IFF_TUN | IFF_NO_PI);
    if (veiltun_adopt(fd, &a) != VEILTUN_EPERM || a != NULL)
        return 1;
    close(local);
    return 0;
}

/* Without CAP_NET_ADMIN at all (an app handed its fd), in the device's namespace: adopted,
 * the device found by name here. */
static int adopt_unprivileged(int fd)
{
    veiltun *a;

    drop_net_admin();
    if (veiltun_adopt(fd, &a) != 0 || strcmp(veiltun_get_name(a), "vtu0") != 0 ||
        veiltun_set_up(a, 1) != VEILTUN_EPERM)
        return 1;
    veiltun_close(a);
    return 0;
}

static void test_not_allowed_to_ask(void)
{
    int fd = raw_tun("vtu0", IFF_TUN | IFF_NO_PI);

    ASSERT_EQ(in_child(adopt_from_user_namespace, fd), 0);
    ASSERT_EQ(in_child(adopt_unprivileged, fd), 0);
    close(fd);
}

/* IFF_TUN without IFF_NO_PI: TUNGETIFF reports IFF_NOFILTER in the same bit. */
static void test_packet_info(void)
{
    int fd = raw_tun("vtpi0", IFF_TUN), fl = fcntl(fd, F_GETFL);
    veiltun *a;

    ASSERT_STREQ(sh_out("ip -d -j link show dev vtpi0 | jq -r '.[0].linkinfo.info_data.pi'"),
                 "true");
    ASSERT_EQ(veiltun_adopt(fd, &a), VEILTUN_ENOTTUN);
    ASSERT_TRUE(a == NULL);
    ASSERT_EQ(fcntl(fd, F_GETFL), fl); /* the caller keeps it as it was */
    close(fd);
}

/* Sends one UDP_SEGMENT burst of @p count 1000-byte datagrams to @p dst (routed into the
 * device), and reads what the device gets: every read must be one packet within the MTU. */
static void check_udp_burst(veiltun *dev, const char *dst, int count)
{
    static uint8_t payload[64 * 1000], buf[65536];
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), seg = 1000, udp = 0, n;

    ASSERT_EQ(inet_pton(AF_INET, dst, &to.sin_addr), 1);
    ASSERT_EQ(setsockopt(s, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg)), 0);
    ASSERT_EQ(sendto(s, payload, (size_t)count * 1000, 0, (struct sockaddr *)&to, sizeof(to)),
              count * 1000);
    close(s);
    /* Bounded: 20 waits of 100 ms. */
    for (int round = 0; round < 20 && udp < count; round++) {
        veiltun_event ev;
        int r = veiltun_wait(dev, 100);
        while (r > 0 && (r & VEILTUN_READY_EVENT) && veiltun_next_event(dev, &ev) == 0)
            ;
        while ((n = veiltun_read(dev, buf, sizeof(buf))) > 0) {
            if (n > 1500)
                TEST_FAIL("read a %d-byte packet from a 1500-byte MTU device", n);
            if ((buf[0] >> 4) == 4 && buf[9] == IPPROTO_UDP)
                udp++;
        }
    }
    ASSERT_EQ(udp, count);
}

/* IFF_VNET_HDR: adopted with offload on, so reads are plain packets. An earlier user set a
 * 12-byte header; the handle must use its own size. */
static void test_vnet_header(void)
{
    int fd = raw_tun("vtvh0", IFF_TUN | IFF_NO_PI | IFF_VNET_HDR), sz = 12;
    veiltun *a;

    ASSERT_EQ(ioctl(fd, TUNSETVNETHDRSZ, &sz), 0);
    ASSERT_OK(veiltun_adopt(fd, &a));
    ASSERT_OK(veiltun_add_address(a, "10.78.0.1/24"));
    ASSERT_OK(veiltun_set_up(a, 1));
    ping_through(a, "ping -c 3 -i 0.2 -W 2 10.78.0.2 >/dev/null");
    ping_through(a, "ping -c 3 -i 0.2 -W 2 -s 1400 10.78.0.2 >/dev/null");
    check_udp_burst(a, "10.78.0.2", 40);
    ASSERT_NE(veiltun_get_offload(a) & VEILTUN_OFFLOAD_TSO, 0);
    veiltun_close(a);
}

/* A persistent device left with TSO/USO on by an earlier user; the adopted fd has no
 * virtio-net header, so the mask must be cleared or reads return super-packets. */
static void test_offload_left_on(void)
{
    int fd = raw_tun("vtol0", IFF_TUN | IFF_NO_PI | IFF_VNET_HDR);
    veiltun *a;

    ASSERT_EQ(
        ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6),
        0);
    ASSERT_EQ(ioctl(fd, TUNSETPERSIST, 1), 0);
    close(fd);
    fd = raw_tun("vtol0", IFF_TUN | IFF_NO_PI);
    ASSERT_OK(veiltun_adopt(fd, &a));
    ASSERT_EQ(veiltun_get_offload(a), 0);
    /* Clearing the mask is a change the kernel announces; it is not news to this handle. */
    ASSERT_EQ(veiltun_wait(a, 50), VEILTUN_ETIMEDOUT);
    ASSERT_OK(veiltun_add_address(a, "10.79.0.1/24"));
    ASSERT_OK(veiltun_set_up(a, 1));
    check_udp_burst(a, "10.79.0.2", 40);
    ASSERT_OK(veiltun_set_persist(a, 0));
    veiltun_close(a);
    ASSERT_TRUE(!link_exists("vtol0"));
}

/* With an argument, only the named case runs (to see each fail on its own). */
int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } cases[] = {{"packet_info", test_packet_info},
                 {"offload_left_on", test_offload_left_on},
                 {"vnet_header", test_vnet_header},
                 {"other_namespace", test_other_namespace},
                 {"other_namespace_alone", test_other_namespace_alone},
                 {"no_sys_admin", test_no_sys_admin},
                 {"not_allowed_to_ask", test_not_allowed_to_ask}};

    test_netns_enter("adopt");
    ns_b = second_ns_make("adopt");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (argc < 2 || strcmp(argv[1], cases[i].name) == 0)
            cases[i].fn();
    return 0;
}
