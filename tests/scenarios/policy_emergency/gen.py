#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap for policy_emergency (README.md): four UDP exchanges to
10.0.0.10:53 that become ASSURED (request, reply 10 ms later, a second
request 2.5 s after the first), from 198.51.100.1 to .4, 0.1 s apart;
then a fifth client, .5, at +20 s. Every frame is 62 bytes (20-byte
payload)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from policy_frames import exchange, write  # noqa: E402

pkts = []
for i in range(4):
    pkts += exchange(0.1 * i, f'198.51.100.{i + 1}', 1001 + i)
pkts += exchange(20.0, '198.51.100.5', 1005, second=0.02)
write(pkts)
