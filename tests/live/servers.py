#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Servers for the live tests, in the server namespace.

    servers.py ADDR

TCP 81 and 23: accept and close (so a refusal seen by the client comes
from the firewall, not from a closed port). UDP 53 and 5353: answer
b'answer:' + the query (a DNS-like request/response). TCP 22: stream
STREAM_BYTES bytes in 64 KiB writes paced to about 4 MB/s (the long
transfer of the reload test), then close. Prints 'ready' when listening.
"""
import select
import socket
import sys
import threading
import time

STREAM_BYTES = 16 * 1024 * 1024


def tcp_listener(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    return s


def stream(c):
    chunk = b'x' * 65536
    sent = 0
    t0 = time.monotonic()
    try:
        while sent < STREAM_BYTES:
            c.sendall(chunk)
            sent += len(chunk)
            ahead = sent / 4e6 - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
    except OSError:
        pass
    c.close()


def main():
    addr = sys.argv[1]
    tcps = {p: tcp_listener(addr, p) for p in (22, 23, 81)}
    udps = {}
    for p in (53, 5353):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((addr, p))
        udps[p] = u
    print('ready', flush=True)
    fds = list(tcps.values()) + list(udps.values())
    while True:
        r, _, _ = select.select(fds, [], [])
        for s in r:
            if s in udps.values():
                data, peer = s.recvfrom(2048)
                s.sendto(b'answer:' + data, peer)
                continue
            c, _ = s.accept()
            if s is tcps[22]:
                threading.Thread(target=stream, args=(c,),
                                 daemon=True).start()
            else:
                c.close()


if __name__ == '__main__':
    main()
