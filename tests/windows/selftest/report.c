/* SPDX-License-Identifier: MIT */
/* veiltun_selftest.exe's report: TAP-like lines ("ok N - what", "not ok N - what: details",
 * "# diagnostics"), a header naming the system it ran on (Windows version and build, Wine if
 * it is Wine, the library's version, the wintun.dll that was loaded), the library's log, and
 * the summary. Everything goes to stdout, one whole line at a time under a lock (the logger
 * is called from the library's threads) and flushed at once, so a saved file keeps every line
 * up to a crash. */
#include "selftest.h"

#include <softpub.h>
#include <wintrust.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static CRITICAL_SECTION out_lock;
static unsigned checks, failures, skips;

void report_init(void)
{
    InitializeCriticalSection(&out_lock);
}

static void emit(const char *prefix, const char *fmt, va_list ap)
{
    EnterCriticalSection(&out_lock);
    fputs(prefix, stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
    LeaveCriticalSection(&out_lock);
}

void note(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    emit("# ", fmt, ap);
    va_end(ap);
}

int check(int ok, const char *details, const char *what_fmt, ...)
{
    char what[256];
    va_list ap;

    va_start(ap, what_fmt);
    vsnprintf(what, sizeof(what), what_fmt, ap);
    va_end(ap);
    EnterCriticalSection(&out_lock);
    checks++;
    if (ok)
        printf("ok %u - %s\n", checks, what);
    else
        printf("not ok %u - %s%s%s\n", checks, what, details && details[0] ? ": " : "",
               details ? details : "");
    failures += !ok;
    fflush(stdout);
    LeaveCriticalSection(&out_lock);
    return ok;
}

void skip_check(const char *why, const char *what_fmt, ...)
{
    char what[256];
    va_list ap;

    va_start(ap, what_fmt);
    vsnprintf(what, sizeof(what), what_fmt, ap);
    va_end(ap);
    EnterCriticalSection(&out_lock);
    checks++;
    skips++;
    printf("ok %u - %s # SKIP %s\n", checks, what, why);
    fflush(stdout);
    LeaveCriticalSection(&out_lock);
}

int report_failures(void)
{
    return (int)failures;
}

int report_finish(void)
{
    int code = failures ? SELFTEST_FAIL : SELFTEST_PASS;

    EnterCriticalSection(&out_lock);
    printf("1..%u\n", checks);
    printf("# summary: %u checks, %u passed, %u failed, %u skipped; exit code %d\n", checks,
           checks - failures - skips, failures, skips, code);
    fflush(stdout);
    LeaveCriticalSection(&out_lock);
    return code;
}

void report_logger(veiltun_log_level level, const char *msg, void *userdata)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};

    (void)userdata;
    note("log %s: %s", (unsigned)level < 4 ? names[level] : "?", msg);
}

int process_elevated(void)
{
    TOKEN_ELEVATION elevation = {0};
    DWORD len = 0;
    HANDLE token;
    BOOL ok;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
        return 0;
    ok = GetTokenInformation(token, TokenElevation, &elevation, sizeof(elevation), &len);
    CloseHandle(token);
    return ok && elevation.TokenIsElevated;
}

/* A REG_SZ or REG_DWORD from HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion, as text. */
static void current_version_value(const wchar_t *name, char *out, size_t size)
{
    static const wchar_t key[] = L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
    wchar_t text[128];
    DWORD len = sizeof(text), number;

    out[0] = 0;
    if (RegGetValueW(HKEY_LOCAL_MACHINE, key, name, RRF_RT_REG_SZ, NULL, text, &len) ==
        ERROR_SUCCESS) {
        WideCharToMultiByte(CP_UTF8, 0, text, -1, out, (int)size, NULL, NULL);
        return;
    }
    len = sizeof(number);
    if (RegGetValueW(HKEY_LOCAL_MACHINE, key, name, RRF_RT_REG_DWORD, NULL, &number, &len) ==
        ERROR_SUCCESS)
        snprintf(out, size, "%lu", (unsigned long)number);
}

/* RtlGetVersion tells the true version (GetVersionEx answers what the manifest allows). */
static void windows_version(void)
{
    typedef LONG(WINAPI * rtl_get_version_fn)(OSVERSIONINFOW *);
    typedef const char *(*wine_version_fn)(void);
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    FARPROC f = ntdll ? GetProcAddress(ntdll, "RtlGetVersion") : NULL;
    FARPROC w = ntdll ? GetProcAddress(ntdll, "wine_get_version") : NULL;
    OSVERSIONINFOW v = {.dwOSVersionInfoSize = sizeof(v)};
    char product[128], display[64], ubr[32];
    rtl_get_version_fn get;
    wine_version_fn wine;

    memcpy(&get, &f, sizeof(get));
    memcpy(&wine, &w, sizeof(wine));
    current_version_value(L"ProductName", product, sizeof(product));
    current_version_value(L"DisplayVersion", display, sizeof(display));
    current_version_value(L"UBR", ubr, sizeof(ubr));
    if (get != NULL && get(&v) == 0)
        note("Windows %lu.%lu build %lu%s%s (%s%s%s)", (unsigned long)v.dwMajorVersion,
             (unsigned long)v.dwMinorVersion, (unsigned long)v.dwBuildNumber, ubr[0] ? "." : "",
             ubr, product, display[0] ? " " : "", display);
    else
        note("Windows version unknown (RtlGetVersion failed)");
    if (v.dwMajorVersion == 10 && v.dwBuildNumber >= 22000)
        note("build 22000 or later: Windows 11 (its ProductName still says Windows 10)");
    if (wine != NULL)
        note("running under Wine %s: this is NOT real Windows", wine());
}

static void machine(void)
{
    typedef BOOL(WINAPI * wow64_fn)(HANDLE, USHORT *, USHORT *);
    FARPROC f = GetProcAddress(GetModuleHandleW(L"kernel32.dll"), "IsWow64Process2");
    USHORT process = 0, native = 0;
    wow64_fn is_wow64;

    memcpy(&is_wow64, &f, sizeof(is_wow64));
    if (is_wow64 != NULL && is_wow64(GetCurrentProcess(), &process, &native))
        note("native machine 0x%04x (0x8664 x64, 0xaa64 ARM64), process 0x%04x (0: native)",
             (unsigned)native, (unsigned)process);
}

void report_header(void)
{
    note("veiltun self-test (tests/windows/selftest): the library against the wintun.dll "
         "beside this program");
    windows_version();
    machine();
    note("veiltun library %s (this program was built with the %d.%d.%d header)", veiltun_version(),
         VEILTUN_VERSION_MAJOR, VEILTUN_VERSION_MINOR, VEILTUN_VERSION_PATCH);
}

/* Whether @p path carries a valid Authenticode signature (WinVerifyTrust, no revocation check:
 * no network access). */
static void signature(const wchar_t *path, char *out, size_t size)
{
    WINTRUST_FILE_INFO file = {.cbStruct = sizeof(file), .pcwszFilePath = path};
    WINTRUST_DATA data = {.cbStruct = sizeof(data),
                          .dwUIChoice = WTD_UI_NONE,
                          .fdwRevocationChecks = WTD_REVOKE_NONE,
                          .dwUnionChoice = WTD_CHOICE_FILE,
                          .pFile = &file,
                          .dwStateAction = WTD_STATEACTION_VERIFY};
    GUID action = WINTRUST_ACTION_GENERIC_VERIFY_V2;
    LONG rc = WinVerifyTrust(NULL, &action, &data);

    data.dwStateAction = WTD_STATEACTION_CLOSE;
    WinVerifyTrust(NULL, &action, &data);
    if (rc == ERROR_SUCCESS)
        snprintf(out, size, "a valid Authenticode signature");
    else if (rc == TRUST_E_NOSIGNATURE)
        snprintf(out, size, "not signed");
    else
        snprintf(out, size, "a signature WinVerifyTrust refuses (0x%08lx)", (unsigned long)rc);
}

void report_wintun_dll(void)
{
    HMODULE m = GetModuleHandleW(L"wintun.dll");
    wchar_t path[MAX_PATH];
    char path8[3 * MAX_PATH] = "?", version[64] = "no version resource", signed_as[80] = "";
    DWORD size, ignored;
    void *data = NULL;
    VS_FIXEDFILEINFO *fixed;
    UINT len;

    if (m == NULL) {
        note("wintun.dll: not loaded");
        return;
    }
    if (GetModuleFileNameW(m, path, MAX_PATH) > 0) {
        WideCharToMultiByte(CP_UTF8, 0, path, -1, path8, sizeof(path8), NULL, NULL);
        size = GetFileVersionInfoSizeW(path, &ignored);
        data = size ? malloc(size) : NULL;
        if (data != NULL && GetFileVersionInfoW(path, 0, size, data) &&
            VerQueryValueW(data, L"\\", (void **)&fixed, &len) && len >= sizeof(*fixed))
            snprintf(version, sizeof(version), "file version %lu.%lu.%lu.%lu",
                     (unsigned long)HIWORD(fixed->dwFileVersionMS),
                     (unsigned long)LOWORD(fixed->dwFileVersionMS),
                     (unsigned long)HIWORD(fixed->dwFileVersionLS),
                     (unsigned long)LOWORD(fixed->dwFileVersionLS));
        free(data);
        signature(path, signed_as, sizeof(signed_as));
    }
    note("wintun.dll loaded from %s (%s, %s)", path8, version, signed_as);
}
