/* SPDX-License-Identifier: MIT */
/* Every call refuses bad arguments with its documented code, before touching the system:
 * these run without privileges, so any system call would fail differently. */
#include "test.h"
#include "veiltun.h"

static char last_log[512];

static void capture(veiltun_log_level level, const char *msg, void *userdata)
{
    (void)level;
    (void)userdata;
    snprintf(last_log, sizeof(last_log), "%s", msg);
}

static int open_with(const char *name, veiltun_open_mode mode, uint32_t flags)
{
    veiltun_config cfg;
    veiltun *dev = (veiltun *)&cfg; /* must be reset to NULL on failure */
    int err;

    veiltun_config_init(&cfg);
    cfg.name = name;
    cfg.mode = mode;
    cfg.flags = flags;
    err = veiltun_open(&cfg, &dev);
    ASSERT_TRUE(dev == NULL);
    return err;
}

static void test_open_config(void)
{
    veiltun_config cfg;
    veiltun *dev;

    ASSERT_EQ(veiltun_open(NULL, &dev), VEILTUN_EINVAL);
    veiltun_config_init(&cfg);
    ASSERT_EQ(cfg.owner, -1);
    ASSERT_EQ(cfg.mode, VEILTUN_OPEN_CREATE_OR_ATTACH);
    ASSERT_EQ(veiltun_open(&cfg, NULL), VEILTUN_EINVAL);
    ASSERT_EQ(open_with("", VEILTUN_OPEN_CREATE, 0), VEILTUN_EBADNAME);
    ASSERT_EQ(open_with("a/b", VEILTUN_OPEN_CREATE, 0), VEILTUN_EBADNAME);
    ASSERT_EQ(open_with("\xff", VEILTUN_OPEN_CREATE, 0), VEILTUN_EBADNAME);
    ASSERT_EQ(open_with("0123456789abcdef", VEILTUN_OPEN_CREATE, 0), VEILTUN_ENAMETOOLONG);
    ASSERT_EQ(open_with("ok0", VEILTUN_OPEN_CREATE, 0x80), VEILTUN_EBADFLAGS);
    ASSERT_EQ(open_with("ok0", VEILTUN_OPEN_CREATE, 0x10), VEILTUN_EBADFLAGS);
    ASSERT_EQ(open_with("ok%d", VEILTUN_OPEN_ATTACH, 0), VEILTUN_EBADFLAGS);
    ASSERT_EQ(open_with("ok0", (veiltun_open_mode)7, 0), VEILTUN_EINVAL);
    veiltun_config_init(&cfg);
    cfg.ring_capacity = 0x30000; /* not a power of two */
    ASSERT_EQ(veiltun_open(&cfg, &dev), VEILTUN_EINVAL);
    cfg.ring_capacity = 0x10000; /* below the minimum */
    ASSERT_EQ(veiltun_open(&cfg, &dev), VEILTUN_EINVAL);
    cfg.ring_capacity = 0x8000000; /* above the maximum */
    ASSERT_EQ(veiltun_open(&cfg, &dev), VEILTUN_EINVAL);
    cfg.ring_capacity = 0;
    cfg.tunnel_type = "";
    ASSERT_EQ(veiltun_open(&cfg, &dev), VEILTUN_EINVAL);
    veiltun_config_init(&cfg);
    cfg.setup_timeout_ms = 600001; /* the Windows wait for IP interfaces, checked everywhere */
    ASSERT_EQ(veiltun_open(&cfg, &dev), VEILTUN_EINVAL);
    ASSERT_TRUE(strstr(last_log, "setup timeout") != NULL);
    veiltun_config_init(&cfg);
    ASSERT_EQ(cfg.netns_fd, -1);
    cfg.netns_fd = -2;
#if defined(_WIN32)
    ASSERT_EQ(veiltun_open(&cfg, &dev), VEILTUN_ENOTSUP);
    cfg.netns_fd = 3; /* any descriptor: namespaces are Linux's */
    ASSERT_EQ(veiltun_open(&cfg, &dev), VEILTUN_ENOTSUP);
#else
    ASSERT_EQ(veiltun_open(&cfg, &dev), VEILTUN_EBADF);
#endif
    ASSERT_EQ(veiltun_last_os_error(), 0);
    veiltun_config_init(&cfg);
    cfg.owner = -2;
    ASSERT_EQ(veiltun_open(&cfg, &dev), VEILTUN_EINVAL);
    cfg.owner = 0x100000000LL;
    ASSERT_EQ(veiltun_open(&cfg, &dev), VEILTUN_EINVAL);
    /* An input error clears the OS error and says why in the log. */
    ASSERT_EQ(veiltun_last_os_error(), 0);
    ASSERT_EQ(open_with("a b", VEILTUN_OPEN_CREATE, 0), VEILTUN_EBADNAME);
    ASSERT_TRUE(strstr(last_log, "whitespace") != NULL);
    ASSERT_EQ(veiltun_adopt(veiltun_wait_handle(NULL), NULL), VEILTUN_EINVAL);
}

static void test_null_handle(void)
{
    veiltun_packet pkt = {last_log, sizeof(last_log), 0, 0};
    veiltun_prefix p;
    veiltun_event ev;
    veiltun_stats st;

    ASSERT_EQ(veiltun_get_index(NULL), VEILTUN_EINVAL);
    ASSERT_TRUE(veiltun_get_name(NULL) == NULL);
    ASSERT_EQ(veiltun_created(NULL), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_get_mtu(NULL), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_set_mtu(NULL, 1400), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_set_up(NULL, 1), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_is_up(NULL), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_set_persist(NULL, 1), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_set_metric(NULL, 10), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_set_offload(NULL, 0), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_get_offload(NULL), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_add_address(NULL, "10.0.0.1/24"), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_del_address(NULL, "10.0.0.1/24"), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_get_addresses(NULL, &p, 1), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_add_route(NULL, "10.0.0.0/24", NULL, 0), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_del_route(NULL, "10.0.0.0/24", NULL, 0), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_read(NULL, last_log, 10), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_write(NULL, last_log, 10), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_read_batch(NULL, &pkt, 1), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_write_batch(NULL, &pkt, 1), VEILTUN_EINVAL);
#if defined(_WIN32)
    ASSERT_TRUE(veiltun_wait_handle(NULL) == NULL);
#else
    ASSERT_EQ(veiltun_wait_handle(NULL), -1);
#endif
    ASSERT_EQ(veiltun_wait(NULL, 0), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_cancel(NULL), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_next_event(NULL, &ev), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_get_stats(NULL, &st, sizeof(st)), VEILTUN_EINVAL);
    veiltun_close(NULL); /* accepted and ignored */
}

static void test_query_args(void)
{
    veiltun_info info;
    veiltun_prefix p;

    ASSERT_EQ(veiltun_query(NULL, &info), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_query("veil0", NULL), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_query("a/b", &info), VEILTUN_EBADNAME);
    ASSERT_EQ(veiltun_query("veil%d", &info), VEILTUN_EBADNAME);
    ASSERT_EQ(veiltun_query("0123456789abcdef", &info), VEILTUN_ENAMETOOLONG);
    ASSERT_EQ(veiltun_list(NULL, 1), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_query_addresses(NULL, &p, 1), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_query_addresses("veil0", NULL, 1), VEILTUN_EINVAL);
    ASSERT_EQ(veiltun_query_addresses("", &p, 1), VEILTUN_EBADNAME);
    veiltun_config_init(NULL);
}

int main(void)
{
    veiltun_set_logger(capture, NULL);
    test_open_config();
    test_null_handle();
    test_query_args();
    veiltun_set_logger(NULL, NULL);
    return 0;
}
