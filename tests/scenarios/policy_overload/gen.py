#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap for policy_overload (README.md): 198.51.100.66 completes
three TCP handshakes with 10.0.0.10:80 (ports 2001-2003 at +0.0, +0.1,
+0.2 s: SYN, the server's SYN-ACK 10 ms later, the ACK 10 ms after),
sends a fourth SYN (port 2004) at +0.5 s, and 198.51.100.7 completes a
handshake at +1.0 s. No TCP options, no data: 54-byte frames."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from policy_frames import S, seg, handshake, write  # noqa: E402

pkts = []
for i in range(3):
    pkts += handshake(0.1 * i, '198.51.100.66', 2001 + i)
pkts += [seg(0.5, '198.51.100.66', S, 2004, 80, 'S', 100, 0)]
pkts += handshake(1.0, '198.51.100.7', 1007)
write(pkts)
