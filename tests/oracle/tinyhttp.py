# SPDX-License-Identifier: GPL-2.0-or-later
"""Tiny HTTP/1.0 server for host-topology oracle cases: always answers
`hello` and closes, so the packet exchange is small and the same on every
run. Usage: tinyhttp.py ADDR PORT"""
import socket
import sys

BODY = b'hello\n'
REPLY = (b'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n'
         b'Content-Length: %d\r\n\r\n' % len(BODY)) + BODY


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        with c:
            c.settimeout(5)
            data = b''
            try:
                while b'\r\n\r\n' not in data:
                    chunk = c.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                c.sendall(REPLY)
            except OSError:
                pass


if __name__ == '__main__':
    main()
