/* SPDX-License-Identifier: MIT */
/* A failure half-way through an open undoes it: with descriptors running out after the
 * device was created (and made persistent), the open fails and no device is left. */
#include "netns.h"
#include "test.h"
#include "veiltun.h"

#include <unistd.h>
#include <sys/resource.h>

/* New descriptors take the lowest free number: with the limit just above it, exactly one
 * more can be opened. */
static int lowest_free_fd(void)
{
    int fd = dup(0);

    close(fd);
    return fd;
}

int main(void)
{
    veiltun_config cfg;
    veiltun *dev;
    struct rlimit old, tight;

    test_netns_enter("undo");
    veiltun_config_init(&cfg);
    cfg.name = "vtundo0";
    cfg.flags = VEILTUN_F_PERSIST;
    getrlimit(RLIMIT_NOFILE, &old);
    /* Room for /dev/net/tun only: the netlink sockets that follow cannot be opened. */
    tight = old;
    tight.rlim_cur = (rlim_t)lowest_free_fd() + 1;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);
    ASSERT_EQ(veiltun_open(&cfg, &dev), VEILTUN_EMFILE);
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);
    ASSERT_TRUE(dev == NULL);
    ASSERT_TRUE(!link_exists("vtundo0")); /* persistent, yet removed by the undo */
    /* With the descriptors back, the same open works. */
    ASSERT_OK(veiltun_open(&cfg, &dev));
    ASSERT_TRUE(link_exists("vtundo0"));
    ASSERT_OK(veiltun_set_persist(dev, 0));
    veiltun_close(dev);
    ASSERT_TRUE(!link_exists("vtundo0"));
    return 0;
}
