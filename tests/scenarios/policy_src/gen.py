#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap for policy_src (README.md): one source, 198.51.100.66,
opens four UDP exchanges to 10.0.0.10:53 (ports 2001-2004, 0.1 s apart)
that become ASSURED (reply 10 ms later, a second request 2.5 s after the
first); then another client, 198.51.100.7, at +10 s. Every frame is 62
bytes (20-byte payload)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from policy_frames import exchange, write  # noqa: E402

pkts = []
for i in range(4):
    pkts += exchange(0.1 * i, '198.51.100.66', 2001 + i)
pkts += exchange(10.0, '198.51.100.7', 1007, second=0.02)
write(pkts)
