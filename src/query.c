/* SPDX-License-Identifier: MIT */
/* The front of the calls that look at devices by name without opening them. */
#include "internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The structure of the first version (0.1); later versions only add fields after it. */
#define INFO_V1_SIZE (offsetof(veiltun_info, counters) + sizeof(veiltun_os_counters))

/* Copies @p n entries into the caller's array of @p size-byte entries: as much of each as the
 * caller's structure holds, and zero in fields a newer header has and this version lacks. */
static void copy_infos(void *out, size_t size, const veiltun_info *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char *dst = (unsigned char *)out + i * size;
        memset(dst, 0, size);
        memcpy(dst, &in[i], size < sizeof(in[i]) ? size : sizeof(in[i]));
    }
}

static int check_query_name(const char *name)
{
    const char *why;
    int err = veiltun__check_name(name, &why);

    if (err == 0 && veiltun__name_is_template(name))
        return veiltun__fail_input(VEILTUN_EBADNAME, "device name: a template names no device");
    if (err < 0)
        return why ? veiltun__fail_input(err, "device name %s", why) : err;
    return 0;
}

int veiltun_query_size(const char *name, veiltun_info *out, size_t size)
{
    veiltun_info info;
    int err;

    if (name == NULL || out == NULL || size < INFO_V1_SIZE)
        return veiltun__fail_input(VEILTUN_EINVAL, "query: NULL argument or size %zu", size);
    err = check_query_name(name);
    if (err == 0)
        err = veiltun__sys_query(name, &info);
    if (err == 0)
        copy_infos(out, size, &info, 1);
    return err;
}

int veiltun_list_size(veiltun_info *out, size_t max, size_t size)
{
    veiltun_info *infos = NULL;
    int n;

    if ((out == NULL && max > 0) || size < INFO_V1_SIZE)
        return veiltun__fail_input(VEILTUN_EINVAL, "list: NULL array or size %zu", size);
    if (max == 0 || size == sizeof(veiltun_info))
        return veiltun__sys_list(out, max);
    /* Another stride: list into entries of this version's size, then copy. */
    if (max > (size_t)INT32_MAX / sizeof(veiltun_info))
        max = (size_t)INT32_MAX / sizeof(veiltun_info);
    infos = malloc(max * sizeof(*infos));
    if (infos == NULL)
        return veiltun__fail_os(VEILTUN_ENOMEM, 0);
    n = veiltun__sys_list(infos, max);
    if (n > 0)
        copy_infos(out, size, infos, (size_t)n < max ? (size_t)n : max);
    free(infos);
    return n;
}

int veiltun_query_addresses(const char *name, veiltun_prefix *out, size_t max)
{
    int err;

    if (name == NULL || (out == NULL && max > 0))
        return veiltun__fail_input(VEILTUN_EINVAL, "query_addresses: NULL argument");
    err = check_query_name(name);
    return err < 0 ? err : veiltun__sys_query_addresses(name, out, max);
}
