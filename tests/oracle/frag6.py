# SPDX-License-Identifier: GPL-2.0-or-later
"""IPv6 fragments made by hand for the ipv6_frag_* cases: the upper-layer
bytes of a datagram (checksum computed over the whole datagram) cut at
chosen offsets, each piece behind its own fragment header."""
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment
from scapy.layers.inet import UDP
from scapy.packet import Raw


def udp6_bytes(src, dst, sport, dport, payload):
    """The UDP header and payload of a whole datagram, checksum set."""
    return bytes(IPv6(src=src, dst=dst) /
                 UDP(sport=sport, dport=dport) / Raw(payload))[40:]


def frag6(src, dst, ident, data, offset, length, more, nh=17):
    """One fragment: data[offset:offset+length] at offset (bytes)."""
    return IPv6(src=src, dst=dst, hlim=64) / \
        IPv6ExtHdrFragment(nh=nh, offset=offset // 8, m=int(more),
                           id=ident) / Raw(data[offset:offset + length])
