/* SPDX-License-Identifier: MIT */
/* The shutdown order the library follows (quit, join the reader, end the session, close the
 * adapter) is the one the double accepts without complaint; the wrong one is reported, so the
 * clean results of the other tests mean something. (Misuse the real DLL crashes on, such as a
 * receive on an ended session, ends the process: fixture_double checks that.) */
#include "double.h"
#include "test.h"
#include "veiltun.h"
#include "windows/wintun.h"

int main(void)
{
    struct veiltun__wintun t;
    struct wintun_double d;
    char what[160];

    ASSERT_OK(veiltun__wintun_load(&t, L"wintun.dll"));
    double_load(&d);
    /* Right: end the session, then close the adapter. */
    void *adapter = t.WintunCreateAdapter(L"order", L"veiltun", NULL);
    void *session = t.WintunStartSession(adapter, 0x20000);
    ASSERT_TRUE(session != NULL);
    t.WintunEndSession(session);
    t.WintunCloseAdapter(adapter);
    ASSERT_EQ(d.violations(what, sizeof(what)), 0);
    /* Wrong: the adapter closed under a running session. */
    adapter = t.WintunCreateAdapter(L"order", L"veiltun", NULL);
    session = t.WintunStartSession(adapter, 0x20000);
    ASSERT_TRUE(session != NULL);
    t.WintunCloseAdapter(adapter);
    ASSERT_EQ(d.violations(what, sizeof(what)), 1);
    ASSERT_TRUE(strstr(what, "adapter") != NULL);
    t.WintunEndSession(session);
    /* Capacity outside the documented range is refused by the driver, so by the double. */
    adapter = t.WintunCreateAdapter(L"order2", L"veiltun", NULL);
    ASSERT_TRUE(t.WintunStartSession(adapter, 0x30000) == NULL);
    ASSERT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    t.WintunCloseAdapter(adapter);
    veiltun__wintun_unload(&t);
    return 0;
}
