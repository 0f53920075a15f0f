/* Every code has its own sentence; input errors do not pretend to be OS errors. */
#include "test.h"
#include "veiltun.h"

static const int codes[] = {
    VEILTUN_EPERM,       VEILTUN_ENOENT,    VEILTUN_EIO,          VEILTUN_EBADF,
    VEILTUN_EAGAIN,      VEILTUN_ENOMEM,    VEILTUN_EBUSY,        VEILTUN_EEXIST,
    VEILTUN_ENODEV,      VEILTUN_EINVAL,    VEILTUN_EMFILE,       VEILTUN_ENAMETOOLONG,
    VEILTUN_EPROTO,      VEILTUN_EMSGSIZE,  VEILTUN_ENOTSUP,      VEILTUN_EADDRNOTAVAIL,
    VEILTUN_ENETUNREACH, VEILTUN_ENOBUFS,   VEILTUN_ETIMEDOUT,    VEILTUN_ECANCELED,
    VEILTUN_EBADNAME,    VEILTUN_EBADADDR,  VEILTUN_EBADPREFIX,   VEILTUN_EHOSTBITS,
    VEILTUN_EBADMTU,     VEILTUN_EBADFLAGS, VEILTUN_ENOTTUN,      VEILTUN_EBADPACKET,
    VEILTUN_EFAMILY,     VEILTUN_ENOLIB,    VEILTUN_EAFNOSUPPORT, VEILTUN_ENOTRECOVERABLE,
};

int main(void)
{
    size_t n = sizeof(codes) / sizeof(codes[0]);
    const char *unknown = veiltun_strerror(-3999);

    ASSERT_STREQ(unknown, "unknown error");
    ASSERT_STREQ(veiltun_strerror(0), "success");
    ASSERT_STREQ(veiltun_strerror(12345), "unknown error");
    for (size_t i = 0; i < n; i++) {
        const char *s = veiltun_strerror(codes[i]);
        ASSERT_LT(codes[i], 0);
        ASSERT_TRUE(s != NULL && s[0] != '\0');
        if (strcmp(s, unknown) == 0)
            TEST_FAIL("code %d has no sentence", codes[i]);
        for (size_t j = 0; j < i; j++) {
            if (codes[i] == codes[j] || strcmp(s, veiltun_strerror(codes[j])) == 0)
                TEST_FAIL("codes %d and %d share a value or a sentence", codes[i], codes[j]);
        }
    }
    ASSERT_TRUE(strstr(veiltun_strerror(VEILTUN_EPERM), "CAP_NET_ADMIN") != NULL);
    /* Input errors live apart from errno values so they can never be mistaken for one. */
    ASSERT_LT(VEILTUN_EBADNAME, -4000);
    ASSERT_TRUE(strchr(veiltun_version(), '.') != NULL);
    return 0;
}
