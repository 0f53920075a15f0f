/* The double makes a wrong shutdown order fail, so the clean result of the io test means
 * something: ending the session while the reader still uses it, or closing the adapter
 * first, is reported. */
#include "double.h"
#include "test.h"
#include "veiltun.h"
#include "windows/wintun.h"

int main(void)
{
    struct veiltun__wintun t;
    struct wintun_double d;
    char what[160];
    DWORD size;

    ASSERT_OK(veiltun__wintun_load(&t, L"wintun.dll"));
    double_load(&d);
    void *adapter = t.WintunCreateAdapter(L"order", L"veiltun", NULL);
    void *session = t.WintunStartSession(adapter, 0x20000);
    ASSERT_TRUE(session != NULL);
    /* Wrong: the adapter closed under a running session. */
    t.WintunCloseAdapter(adapter);
    ASSERT_EQ(d.violations(what, sizeof(what)), 1);
    ASSERT_TRUE(strstr(what, "adapter closed") != NULL);
    /* Wrong: a reader that was not joined receives after the session ended. */
    t.WintunEndSession(session);
    ASSERT_TRUE(t.WintunReceivePacket(session, &size) == NULL);
    ASSERT_EQ(GetLastError(), ERROR_HANDLE_EOF);
    ASSERT_EQ(d.violations(what, sizeof(what)), 2);
    ASSERT_TRUE(strstr(what, "ended session") != NULL);
    /* Capacity outside the documented range is refused by the double too. */
    adapter = t.WintunCreateAdapter(L"order2", L"veiltun", NULL);
    ASSERT_TRUE(t.WintunStartSession(adapter, 0x30000) == NULL);
    ASSERT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    t.WintunCloseAdapter(adapter);
    veiltun__wintun_unload(&t);
    return 0;
}
