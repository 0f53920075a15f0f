/* The front of the calls that look at devices by name without opening them. */
#include "internal.h"

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

int veiltun_query(const char *name, veiltun_info *out)
{
    int err;

    if (name == NULL || out == NULL)
        return veiltun__fail_input(VEILTUN_EINVAL, "query: NULL argument");
    err = check_query_name(name);
    return err < 0 ? err : veiltun__sys_query(name, out);
}

int veiltun_list(veiltun_info *out, size_t max)
{
    if (out == NULL && max > 0)
        return veiltun__fail_input(VEILTUN_EINVAL, "list: NULL array");
    return veiltun__sys_list(out, max);
}

int veiltun_query_addresses(const char *name, veiltun_prefix *out, size_t max)
{
    int err;

    if (name == NULL || (out == NULL && max > 0))
        return veiltun__fail_input(VEILTUN_EINVAL, "query_addresses: NULL argument");
    err = check_query_name(name);
    return err < 0 ? err : veiltun__sys_query_addresses(name, out, max);
}
