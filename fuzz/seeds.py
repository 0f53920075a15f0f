#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpora in fuzz/corpus/ (committed; rerun only to change them).
Netlink seeds are real replies from this machine's kernel (a link dump and an address dump);
packets are built here field by field."""
import os, socket, struct, sys

HERE = os.path.dirname(os.path.abspath(__file__))
# seeds.py [TARGET...]: rewrite only those (the netlink seeds change with the machine).
ONLY = set(sys.argv[1:])


def put(target, name, data):
    if ONLY and target not in ONLY:
        return
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(proto, payload, ident=0x1234, df=True):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000 if df else 0,
                    64, proto, 0, bytes([10, 9, 0, 1]), bytes([10, 9, 0, 2]))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ip6(proto, payload):
    src = bytes.fromhex("fd000009000000000000000000000001")
    dst = bytes.fromhex("fd000009000000000000000000000002")
    return struct.pack("!IHBB", 0x60000000, len(payload), proto, 64) + src + dst + payload


def l4sum(v6, proto, seg):
    if v6:
        ph = bytes.fromhex("fd000009000000000000000000000001fd000009000000000000000000000002")
        ph += struct.pack("!IxxxB", len(seg), proto)
    else:
        ph = bytes([10, 9, 0, 1, 10, 9, 0, 2]) + struct.pack("!xBH", proto, len(seg))
    return csum(ph + seg)


def tcp(v6, seq, payload, flags=0x10):
    t = struct.pack("!HHIIBBHHH", 40000, 5201, seq, 1, 5 << 4, flags, 512, 0, 0) + payload
    c = l4sum(v6, 6, t)
    return t[:16] + struct.pack("!H", c) + t[18:]


def udp(v6, payload):
    u = struct.pack("!HHHH", 40000, 5201, 8 + len(payload), 0) + payload
    c = l4sum(v6, 17, u) or 0xFFFF
    return u[:6] + struct.pack("!H", c) + u[8:]


def pkt(v6, proto, l4):
    return ip6(proto, l4) if v6 else ip4(proto, l4)


def vnet(flags, gso_type, hdr_len, gso_size, csum_start, csum_offset):
    return struct.pack("<BBHHHH", flags, gso_type, hdr_len, gso_size, csum_start, csum_offset)


# text: names and CIDRs
for i, t in enumerate(["vt0", "veil%d", "wg-home.1", "10.0.0.1/24", "fd00:9::1/64", "::/0",
                       "0.0.0.0/0", "255.255.255.255/32", "10.0.0.0/33", "1.2.3.4",
                       "::ffff:1.2.3.4/128", "a b", "x%d%d", "..", "fe80::1%eth0/64"]):
    put("text", "seed%02d" % i, t.encode())

# datagram: packets of each kind, and some that are not
data = b"veiltun" * 20
for v6 in (0, 1):
    put("datagram", "tcp%d" % v6, pkt(v6, 6, tcp(v6, 1, data)))
    put("datagram", "udp%d" % v6, pkt(v6, 17, udp(v6, data)))
put("datagram", "short", b"\x45\x00\x00\x14")
put("datagram", "ipv4opts", b"\x46" + ip4(1, b"\x08\0\0\0\0\0\0\0")[1:] + b"\0" * 4)

# gso: super-packets with their virtio-net header, plain packets with partial checksums
for v6 in (0, 1):
    l4 = 40 if v6 else 20
    big = bytes((i * 7 + 3) & 0xFF for i in range(5000))
    t = pkt(v6, 6, tcp(v6, 1000, big, 0x18))
    put("gso", "tso%d" % v6, vnet(1, 4 if v6 else 1, l4 + 20, 1448, l4, 16) + t)
    u = pkt(v6, 17, udp(v6, big))
    put("gso", "uso%d" % v6, vnet(1, 5, l4 + 8, 1200, l4, 6) + u)
    put("gso", "plain%d" % v6, vnet(1, 0, 0, 0, l4, 6) + pkt(v6, 17, udp(v6, data)))
    put("gso", "none%d" % v6, vnet(0, 0, 0, 0, 0, 0) + pkt(v6, 6, tcp(v6, 1, data)))

# gro: batches (2-byte length before each packet) of consecutive segments of one flow
for v6 in (0, 1):
    for proto in (6, 17):
        batch = b""
        for i in range(6):
            payload = bytes((i + k) & 0xFF for k in range(1000 if i < 5 else 300))
            l4 = tcp(v6, 1 + 1000 * i, payload, 0x10 if i < 5 else 0x18) if proto == 6 \
                else udp(v6, payload)
            p = ip6(proto, l4) if v6 else ip4(proto, l4, ident=0x1234 + i, df=False)
            batch += struct.pack("!H", len(p)) + p
        put("gro", "run_%s%d" % ("tcp" if proto == 6 else "udp", v6), batch)

# packet: a 23-byte prefix (MTU, output size, new address, new port, flags), then a packet
def ctl(mtu, out_size, flags):
    return struct.pack("!HH16sHB", mtu, out_size, bytes(range(1, 17)), 8080, flags)


for v6 in (0, 1):
    put("packet", "tcp%d" % v6, ctl(1280, 1400, 2) + pkt(v6, 6, tcp(v6, 1, data)))
    put("packet", "udp%d" % v6, ctl(1280, 600, 7) + pkt(v6, 17, udp(v6, data)))
    put("packet", "big%d" % v6, ctl(1300, 1499, 4) + pkt(v6, 6, tcp(v6, 1, data * 12)))
put("packet", "icmp4", ctl(576, 100, 1) + ip4(1, b"\x08\0\0\0\0\0\0\0" + data))
put("packet", "icmp4err", ctl(576, 1400, 0) + ip4(1, b"\x03\x04\0\0\0\0\x05\xdc" + data))
put("packet", "icmp6", ctl(1280, 1280, 5) + ip6(58, b"\x80\0\0\0\0\0\0\0" + data))
# IPv6 with hop-by-hop, destination options and fragment headers before UDP; and a routing
# header with segments left
ext = bytes([60, 0, 1, 4, 0, 0, 0, 0]) + bytes([44, 0, 1, 4, 0, 0, 0, 0])
put("packet", "ext6", ctl(1280, 1400, 3) + ip6(0, ext + bytes([17, 0, 0, 0, 0, 0, 0, 0])
                                                   + udp(1, data)))
put("packet", "frag6", ctl(1280, 1400, 0) + ip6(44, bytes([17, 0, 0, 0x41, 0, 0, 0, 1]) + data))
put("packet", "route6", ctl(1280, 1400, 1) + ip6(43, bytes([6, 2, 0, 1, 0, 0, 0, 0]) + bytes(16)
                                                     + tcp(1, 1, data)))
put("packet", "frag4", ctl(68, 200, 2) + ip4(17, udp(0, data), df=False)[:6] + b"\x20\x00"
    + ip4(17, udp(0, data), df=False)[8:])

# args: fields separated by NUL bytes
for i, a in enumerate([b"1420\0:51900\0" b"10.0.0.0/8,via=10.0.0.1,metric=5",
                       b"65535\0[::1]:1\0fd00::/64", b"0\0 \0,via=\0" b"127.0.0.1:70000",
                       b"86400\0[fe80::1%lo]:5\0default",
                       b"198.18.0.2:51820\0[fd00::2]:1\0localhost:53\0" b"10.0.0.1"]):
    put("args", "seed%d" % i, a)

# tunnel: argument vectors after "tunnel", arguments separated by NUL bytes
for name, argv in [
        ("v4", "--dev veil0 --addr 10.200.0.1/24 --listen :51820 --peer 198.18.0.2:51820"),
        ("v6", "--dev=veil%d --addr fd00:5e7e::1/64 --addr 10.1.0.1/16 --listen [::]:51820 "
               "--peer [fd00::2]:51820 --mtu 1400 --queues 2 --no-tso --no-udp-gro"),
        ("all", "--dev vt1 --addr 10.0.0.1/8 --listen 127.0.0.1:1 --peer 127.0.0.2:2 "
                "--stats-interval 5 --persist --no-offload --no-uso --no-gro --no-tcp-gro "
                "--user 0 --group 0"),
        ("mixed", "--dev vt1 --addr 10.0.0.1/8 --listen [::1]:1 --peer 127.0.0.2:2"),
        ("bad", "-hP --mtu"),
        ("unknown", "--dev vt1 -x extra"),
        ("hostname", "--dev vt1 --addr 10.0.0.1/8 --listen :1 --peer localhost:2")]:
    put("tunnel", name, argv.replace(" ", "\0").encode())

# queue: operation sequences (odd byte = produce, even = consume)
for i, q in enumerate([bytes([1, 10, 0, 0, 3, 200, 1, 255, 0, 0, 0, 0]),
                       bytes([1, 50] * 40 + [0, 0] * 40), bytes([255, 255, 254, 0] * 30)]):
    put("queue", "seed%d" % i, q)

# netlink: real kernel replies (link and address dumps), and an error with extended ack
def dump(msg_type, family, name):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    s.bind((0, 0))
    body = struct.pack("BxxxiII", family, 0, 0, 0) if msg_type == 18 else \
        struct.pack("BBBBi", family, 0, 0, 0, 0)
    s.send(struct.pack("=IHHII", 16 + len(body), msg_type, 0x301, 1, 0) + body)
    put("netlink", name, s.recv(65536)[:8192])
    s.close()

dump(18, 0, "getlink")   # RTM_GETLINK
dump(22, 0, "getaddr")   # RTM_GETADDR
text = b"ipv4: Address already assigned\0"
attr = struct.pack("=HH", 4 + len(text), 1) + text + b"\0" * (-len(text) % 4)
err = struct.pack("=i", -17) + struct.pack("=IHHII", 16, 20, 0, 1, 0)
put("netlink", "error_ack", struct.pack("=IHHII", 16 + len(err) + len(attr), 2, 0x300, 1, 0)
    + err + attr)
