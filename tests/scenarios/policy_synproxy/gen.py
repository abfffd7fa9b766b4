#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap for policy_synproxy (README.md): a SYN flood of four
spoofed SYNs to 10.0.0.10:80 from 203.0.113.1 to .4, 0.1 s apart, each
answered by the server's SYN-ACK 10 ms later and never completed; then
at +125 s a real client, 198.51.100.7:1007: SYN, SYN-ACK, ACK, 100
bytes of request, 100 bytes of response, the client's ACK (10 ms
apart). No TCP options: 54-byte frames, 154 with data."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from policy_frames import S, seg, write  # noqa: E402

C = '198.51.100.7'

pkts = []
for i in range(4):
    a, t = f'203.0.113.{i + 1}', 0.1 * i
    pkts += [seg(t, a, S, 3001 + i, 80, 'S', 100, 0),
             seg(t + 0.01, S, a, 80, 3001 + i, 'SA', 900, 101)]
pkts += [seg(125.00, C, S, 1007, 80, 'S', 100, 0),
         seg(125.01, S, C, 80, 1007, 'SA', 900, 101),
         seg(125.02, C, S, 1007, 80, 'A', 101, 901),
         seg(125.03, C, S, 1007, 80, 'PA', 101, 901, b'g' * 100),
         seg(125.04, S, C, 80, 1007, 'PA', 901, 201, b'r' * 100),
         seg(125.05, C, S, 1007, 80, 'A', 201, 1001)]
write(pkts)
