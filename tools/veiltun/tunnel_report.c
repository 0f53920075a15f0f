/* Showing the tunnel's counters (portable). */
#include "tunnel_report.h"

static double per_batch(uint64_t packets, uint64_t batches)
{
    return batches ? (double)packets / (double)batches : 0.0;
}

/* The device's offload features in force, as a JSON list of strings or words for people. */
static const char *offload_names(const veiltun *dev, int json, char *buf, size_t size)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {{VEILTUN_OFFLOAD_TSO, "tso"},
                 {VEILTUN_OFFLOAD_USO, "uso"},
                 {VEILTUN_OFFLOAD_TCP_GRO, "tcp-gro"},
                 {VEILTUN_OFFLOAD_UDP_GRO, "udp-gro"}};
    int on = veiltun_get_offload(dev);
    size_t used = 0;

    buf[0] = 0;
    for (size_t i = 0; on > 0 && i < sizeof(names) / sizeof(names[0]); i++) {
        if (!((uint32_t)on & names[i].bit))
            continue;
        int n = snprintf(buf + used, size - used, json ? "%s\"%s\"" : "%s%s",
                         used ? (json ? "," : " ") : "", names[i].name);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    return used || json ? buf : "off";
}

void tunnel_print(FILE *f, int json, const char *name, const char *peer, unsigned mtu,
                  const struct tunnel_counters *c, const veiltun *dev)
{
    veiltun_stats ds;
    char names[64];

    veiltun_get_stats(dev, &ds, sizeof(ds));
    if (json) {
        fprintf(f,
                "{\"peer\":\"%s\",\"mtu\":%u,\"datagrams_in\":%llu,\"bytes_in\":%llu,"
                "\"datagrams_out\":%llu,\"bytes_out\":%llu,\"dropped\":{\"wrong_peer\":%llu,"
                "\"truncated\":%llu,\"malformed\":%llu,\"device\":%llu,\"send\":%llu},"
                "\"batches\":{\"device_reads\":%llu,\"packets_per_device_read\":%.2f,"
                "\"socket_reads\":%llu,\"datagrams_per_socket_read\":%.2f,\"send_calls\":%llu,"
                "\"gso_messages\":%llu,\"gro_messages\":%llu,\"socket_full\":%llu},"
                "\"offload\":{\"device\":[%s],"
                "\"gso_splits\":%llu,\"gso_segments\":%llu,\"gro_merges\":%llu,"
                "\"gro_udp_merges\":%llu}}\n",
                peer, mtu, (unsigned long long)c->datagrams_in, (unsigned long long)c->bytes_in,
                (unsigned long long)c->datagrams_out, (unsigned long long)c->bytes_out,
                (unsigned long long)c->drop_wrong_peer, (unsigned long long)c->drop_truncated,
                (unsigned long long)c->drop_malformed, (unsigned long long)c->drop_device,
                (unsigned long long)c->drop_send, (unsigned long long)c->device_reads,
                per_batch(ds.rx_packets, c->device_reads), (unsigned long long)c->socket_reads,
                per_batch(c->datagrams_in + c->drop_wrong_peer + c->drop_truncated +
                              c->drop_malformed + c->drop_device,
                          c->socket_reads),
                (unsigned long long)c->send_calls, (unsigned long long)c->gso_messages,
                (unsigned long long)c->gro_messages, (unsigned long long)c->socket_full,
                offload_names(dev, 1, names, sizeof(names)), (unsigned long long)ds.gso_splits,
                (unsigned long long)ds.gso_segments, (unsigned long long)ds.gro_merges,
                (unsigned long long)ds.gro_udp_merges);
        return;
    }
    fprintf(f,
            "tunnel %s: peer %s, mtu %u\n"
            "  in:  %llu datagrams, %llu bytes\n"
            "  out: %llu datagrams, %llu bytes\n"
            "  dropped: %llu wrong peer, %llu truncated, %llu malformed, %llu by the device, "
            "%llu by the socket\n"
            "  batches: %llu device reads (%.1f packets each), %llu socket reads, %llu sends, "
            "%llu GSO messages, %llu GRO messages, socket full %llu times\n"
            "  offload: %s; %llu super-packets cut into %llu packets, %llu merged (%llu UDP)\n",
            name, peer, mtu, (unsigned long long)c->datagrams_in, (unsigned long long)c->bytes_in,
            (unsigned long long)c->datagrams_out, (unsigned long long)c->bytes_out,
            (unsigned long long)c->drop_wrong_peer, (unsigned long long)c->drop_truncated,
            (unsigned long long)c->drop_malformed, (unsigned long long)c->drop_device,
            (unsigned long long)c->drop_send, (unsigned long long)c->device_reads,
            per_batch(ds.rx_packets, c->device_reads), (unsigned long long)c->socket_reads,
            (unsigned long long)c->send_calls, (unsigned long long)c->gso_messages,
            (unsigned long long)c->gro_messages, (unsigned long long)c->socket_full,
            offload_names(dev, 0, names, sizeof(names)), (unsigned long long)ds.gso_splits,
            (unsigned long long)ds.gso_segments, (unsigned long long)ds.gro_merges,
            (unsigned long long)ds.gro_udp_merges);
}
