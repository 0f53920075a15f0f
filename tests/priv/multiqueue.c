/* SPDX-License-Identifier: MIT */
/* Multiqueue: several handles on one device, one queue each, flows spread over them by the
 * kernel; handles that would disagree with the device are refused. */
#include "netns.h"
#include "test.h"
#include "veiltun.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#define FLOWS 64

static int open_queue(uint32_t flags, veiltun **dev)
{
    veiltun_config cfg;

    veiltun_config_init(&cfg);
    cfg.name = "vtmq0";
    cfg.flags = VEILTUN_F_MULTI_QUEUE | flags;
    return veiltun_open(&cfg, dev);
}

/* Reads what is queued on one handle (bounded), returns the packet count. */
static int drain(veiltun *dev)
{
    uint8_t buf[2048];
    int n = 0;

    while (veiltun_read(dev, buf, sizeof(buf)) > 0 && n < 10000)
        n++;
    return n;
}

int main(void)
{
    veiltun *q[2], *odd;
    veiltun_info info;
    struct sockaddr_in to = {.sin_family = AF_INET};
    int fd, got[2] = {0, 0};

    test_netns_enter("mq");
    ASSERT_OK(open_queue(VEILTUN_F_OFFLOAD, &q[0]));
    ASSERT_OK(open_queue(VEILTUN_F_OFFLOAD, &q[1]));
    ASSERT_EQ(veiltun_created(q[0]), 1);
    ASSERT_EQ(veiltun_created(q[1]), 0);
    ASSERT_STREQ(
        sh_out("ip -d -j link show dev vtmq0 | jq -r '.[0].linkinfo.info_data.multi_queue'"),
        "true");
    ASSERT_OK(veiltun_query("vtmq0", &info));
    ASSERT_EQ(info.multi_queue, 1);
    /* A queue that disagrees on offload, and a single-queue open, are refused. */
    ASSERT_EQ(open_queue(0, &odd), VEILTUN_ENOTTUN);
    veiltun_config cfg;
    veiltun_config_init(&cfg);
    cfg.name = "vtmq0";
    ASSERT_EQ(veiltun_open(&cfg, &odd), VEILTUN_ENOTTUN);
    /* Many UDP flows into the device: the kernel spreads them over both queues. */
    ASSERT_OK(veiltun_add_address(q[0], "10.66.0.1/24"));
    ASSERT_OK(veiltun_set_up(q[0], 1));
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    inet_pton(AF_INET, "10.66.0.2", &to.sin_addr);
    for (int i = 0; i < FLOWS; i++) {
        to.sin_port = htons((uint16_t)(20000 + i));
        ASSERT_EQ(sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    }
    close(fd);
    usleep(200000);
    for (int round = 0; round < 20 && got[0] + got[1] < FLOWS; round++) {
        got[0] += drain(q[0]);
        got[1] += drain(q[1]);
        usleep(20000);
    }
    ASSERT_GE(got[0] + got[1], FLOWS); /* possibly plus the kernel's own IPv6 chatter */
    ASSERT_GT(got[0], 0);
    ASSERT_GT(got[1], 0);
    veiltun_close(q[1]);
    ASSERT_TRUE(link_exists("vtmq0")); /* the creator's queue still holds it */
    veiltun_close(q[0]);
    ASSERT_TRUE(!link_exists("vtmq0"));
    return 0;
}
