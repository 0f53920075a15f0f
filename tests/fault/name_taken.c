/* SPDX-License-Identifier: MIT */
/* The name already belongs to another kind of device (a veth here): opening it must fail
 * with VEILTUN_EEXIST when creating only (the header's rule: the name exists) and
 * VEILTUN_ENOTTUN when attaching is allowed, leave that device exactly as it was, and leak no
 * descriptor; a TUN device held by another handle is refused with VEILTUN_EBUSY. */
#include "fds.h"
#include "netns.h"
#include "test.h"
#include "veiltun.h"

static int open_mode(const char *name, int mode, veiltun **dev)
{
    veiltun_config cfg;

    veiltun_config_init(&cfg);
    cfg.name = name;
    cfg.mode = mode;
    return veiltun_open(&cfg, dev);
}

int main(void)
{
    static const int modes[] = {VEILTUN_OPEN_CREATE_OR_ATTACH, VEILTUN_OPEN_CREATE,
                                VEILTUN_OPEN_ATTACH};
    veiltun *dev = NULL, *other = NULL;
    int before;
    char state[256];

    test_netns_enter("fault-name");
    ASSERT_EQ(sh("ip link add vttaken type veth peer name vttaken-p && "
                 "ip addr add 10.78.0.1/24 dev vttaken && ip link set vttaken mtu 1400"),
              0);
    snprintf(state, sizeof(state), "%s",
             sh_out("ip -j addr show dev vttaken | jq -c '.[0] | [.mtu, .addr_info]'"));
    before = open_fds();
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        int r = open_mode("vttaken", modes[i], &dev);
        if (modes[i] == VEILTUN_OPEN_CREATE)
            ASSERT_EQ(r, VEILTUN_EEXIST);
        else
            ASSERT_EQ(r, VEILTUN_ENOTTUN);
        ASSERT_TRUE(dev == NULL);
        ASSERT_EQ(open_fds(), before);
    }
    ASSERT_STREQ(sh_out("ip -j addr show dev vttaken | jq -c '.[0] | [.mtu, .addr_info]'"), state);
    /* A TUN device that another handle holds (not multiqueue): busy, and it stays usable. */
    ASSERT_OK(open_mode("vtheld0", VEILTUN_OPEN_CREATE, &other));
    ASSERT_EQ(open_mode("vtheld0", VEILTUN_OPEN_CREATE_OR_ATTACH, &dev), VEILTUN_EBUSY);
    ASSERT_EQ(open_mode("vtheld0", VEILTUN_OPEN_CREATE, &dev), VEILTUN_EEXIST);
    ASSERT_TRUE(dev == NULL);
    ASSERT_OK(veiltun_set_mtu(other, 1300));
    veiltun_close(other);
    ASSERT_EQ(open_fds(), before);
    return 0;
}
