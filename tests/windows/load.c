/* SPDX-License-Identifier: MIT */
/* Loading wintun.dll: missing DLL, missing function, success, and the logger bridge. */
#include "double.h"
#include "test.h"
#include "veiltun.h"
#include "windows/wintun.h"

static char logged[512];

static void capture(veiltun_log_level level, const char *msg, void *userdata)
{
    (void)level;
    (void)userdata;
    snprintf(logged, sizeof(logged), "%s", msg);
}

int main(void)
{
    struct veiltun__wintun t;
    struct wintun_double d;

    veiltun_set_logger(capture, NULL);
    /* No such DLL: a clear error, never a crash. */
    ASSERT_EQ(veiltun__wintun_load(&t, L"no-such-wintun.dll"), VEILTUN_ENOLIB);
    ASSERT_TRUE(strstr(logged, "wintun.dll not found") != NULL);
    ASSERT_EQ(veiltun_last_os_error(), ERROR_MOD_NOT_FOUND);
    /* A DLL without one of the functions: refused as a whole, and unloaded. */
    ASSERT_EQ(veiltun__wintun_load(&t, L"wintun_nosend.dll"), VEILTUN_ENOLIB);
    ASSERT_TRUE(strstr(logged, "WintunSendPacket") != NULL);
    ASSERT_TRUE(t.module == NULL);
    /* The double has them all; its log lines reach our logger. */
    ASSERT_OK(veiltun__wintun_load(&t, L"wintun.dll"));
    ASSERT_TRUE(t.WintunReceivePacket != NULL);
    double_load(&d);
    d.log(2, L"driver says h\x00e9llo");
    ASSERT_STREQ(logged, "wintun: driver says h\xc3\xa9llo");
    veiltun__wintun_unload(&t);
    ASSERT_TRUE(strstr(veiltun_strerror(VEILTUN_ENOLIB), "wintun.dll") != NULL);
    return 0;
}
