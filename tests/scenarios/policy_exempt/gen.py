#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap for policy_exempt (README.md): four UDP exchanges to
10.0.0.10:53 that become ASSURED (as policy_adaptive's: 62-byte frames,
198.51.100.1 to .4, 0.1 s apart, second request 2.5 s later); then at
+10 s an ssh session from 198.51.100.9:40000 to 10.0.0.10:22: SYN,
SYN-ACK, ACK, 40 bytes of data, the server's ACK (10 ms apart; 54-byte
frames, the data one 94)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from policy_frames import S, exchange, seg, write  # noqa: E402

A = '198.51.100.9'

pkts = []
for i in range(4):
    pkts += exchange(0.1 * i, f'198.51.100.{i + 1}', 1001 + i)
pkts += [seg(10.00, A, S, 40000, 22, 'S', 100, 0),
         seg(10.01, S, A, 22, 40000, 'SA', 900, 101),
         seg(10.02, A, S, 40000, 22, 'A', 101, 901),
         seg(10.03, A, S, 40000, 22, 'PA', 101, 901, b's' * 40),
         seg(10.04, S, A, 22, 40000, 'A', 901, 141)]
write(pkts)
