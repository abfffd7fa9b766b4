#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the incident example capture: web traffic to 10.0.0.10.

Deterministic (fixed seed, fixed start time). Clients open HTTP
connections with a full handshake, one request and response, and close
(client first, so the server side goes through FIN_WAIT/TIME_WAIT); an
ssh session to the server; a burst of SYNs from spoofed sources that are
never answered, as in the report's "large number of malicious requests".
"""
import random
import sys

from scapy.all import Ether, IP, TCP, Raw, wrpcap

SERVER = '10.0.0.10'
SMAC, CMAC = '02:00:00:00:00:0a', '02:00:00:00:00:01'
rng = random.Random(20261125)
pkts = []
t = 1764064800.0  # 2025-11-25 10:00:00 UTC


def emit(src, dst, sport, dport, flags, seq, ack, payload=b'', opts=None,
         to_server=True):
    global t
    eth = Ether(src=CMAC, dst=SMAC) if to_server else Ether(src=SMAC,
                                                            dst=CMAC)
    p = eth / IP(src=src, dst=dst, ttl=64 if not to_server else 57) / TCP(
        sport=sport, dport=dport, flags=flags, seq=seq, ack=ack,
        window={'S': 64240, 'SA': 65160}.get(flags, 502), options=opts or [])
    if payload:
        p = p / Raw(payload)
    p.time = t
    pkts.append(p)


def conversation(client, cport, sport, request, response):
    global t
    cisn, sisn = rng.getrandbits(32), rng.getrandbits(32)
    syn_opts = [('MSS', 1460), ('SAckOK', b''), ('WScale', 7)]
    emit(client, SERVER, cport, sport, 'S', cisn, 0, opts=syn_opts)
    t += 0.0002
    emit(SERVER, client, sport, cport, 'SA', sisn, cisn + 1, opts=syn_opts,
         to_server=False)
    t += 0.0300
    emit(client, SERVER, cport, sport, 'A', cisn + 1, sisn + 1)
    t += 0.0001
    emit(client, SERVER, cport, sport, 'PA', cisn + 1, sisn + 1, request)
    t += 0.0020
    emit(SERVER, client, sport, cport, 'PA', sisn + 1,
         cisn + 1 + len(request), response, to_server=False)
    t += 0.0300
    c2, s2 = cisn + 1 + len(request), sisn + 1 + len(response)
    emit(client, SERVER, cport, sport, 'FA', c2, s2)
    t += 0.0002
    emit(SERVER, client, sport, cport, 'FA', s2, c2 + 1, to_server=False)
    t += 0.0300
    emit(client, SERVER, cport, sport, 'A', c2 + 1, s2 + 1)


for i in range(12):
    client = f'198.51.100.{10 + i}'
    req = b'GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n\r\n'
    resp = b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'
    conversation(client, 40000 + i, 80, req, resp)
    t += rng.uniform(0.05, 0.3)

conversation('203.0.113.5', 51022, 22, b'SSH-2.0-OpenSSH_9.2\r\n',
             b'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n')
t += 0.5
for i in range(40):
    src = f'192.0.2.{rng.randrange(1, 255)}'
    emit(src, SERVER, rng.randrange(1024, 65535), 80, 'S',
         rng.getrandbits(32), 0, opts=[('MSS', 1460)])
    t += 0.001

wrpcap(sys.argv[1] if len(sys.argv) > 1 else 'web.pcap', pkts)
