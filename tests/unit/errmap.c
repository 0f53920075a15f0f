/* SPDX-License-Identifier: MIT */
/* The Linux backend's errno mapping: every errno becomes a code the header lists, and the
 * ones with a meaning of their own keep it. */
#include "test.h"
#include "veiltun.h"

#include "internal.h"
#include "linux/linux.h"

#include <errno.h>

static void assert_documented(int err)
{
    if (strncmp(veiltun_strerror(err), "unknown error", 13) == 0)
        TEST_FAIL("code %d is not documented: %s", err, veiltun_strerror(err));
}

int main(void)
{
    /* Every errno value, listed or not, maps to a documented code. */
    for (int e = 1; e < 4096; e++)
        assert_documented(veiltun__linux_map(e));
    /* File mode, owner or a policy (or IPv6 disabled: decided by the caller, which knows the
     * request's family) is not a missing capability. */
    ASSERT_EQ(veiltun__linux_map(EACCES), VEILTUN_EACCES);
    ASSERT_EQ(veiltun__linux_map(EPERM), VEILTUN_EPERM);
    ASSERT_EQ(veiltun__linux_map(ENETDOWN), VEILTUN_ENETDOWN);
    ASSERT_EQ(veiltun__linux_map(EINTR), VEILTUN_EINTR);
    ASSERT_EQ(veiltun__linux_map(ESRCH), VEILTUN_ENOENT);
    ASSERT_EQ(veiltun__linux_map(EHOSTUNREACH), VEILTUN_ENETUNREACH);
    ASSERT_EQ(veiltun__linux_map(EBADFD), VEILTUN_ENODEV);
    ASSERT_EQ(veiltun__linux_map(ENFILE), VEILTUN_EMFILE);
    ASSERT_EQ(veiltun__linux_map(ENOMEDIUM), VEILTUN_EIO);
    ASSERT_EQ(veiltun__linux_map(0), VEILTUN_EIO);
    /* The logging helper records the errno itself. */
    ASSERT_EQ(veiltun__linux_error(ENOMEDIUM, "unit"), VEILTUN_EIO);
    ASSERT_EQ(veiltun_last_os_error(), ENOMEDIUM);
    return 0;
}
