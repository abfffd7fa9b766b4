#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Client probes for the live tests (client namespace): prints one JSON
object with what each probe saw.

    probe.py SERVER
"""
import errno
import json
import socket
import subprocess
import sys
import urllib.request


def tcp(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((addr, port))
        return 'connected'
    except socket.timeout:
        return 'timeout'
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()


def udp(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    try:
        s.connect((addr, port))   # ICMP errors come back as errno
        s.send(b'query-%d' % port)
        return s.recv(2048).decode()
    except socket.timeout:
        return 'timeout'
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()


def ttl1(addr):
    """traceroute's first probe: UDP to port 33434 with TTL 1. The
    answer (ICMP type, code, offender address) is read from the error
    queue (IP_RECVERR)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.setsockopt(socket.SOL_IP, 11, 1)           # IP_RECVERR
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
    try:
        s.connect((addr, 33434))
        s.send(b'traceroute')
        try:
            s.recv(2048)
            return 'answered'
        except socket.timeout:
            return 'timeout'
        except OSError:
            pass
        _, anc, _, _ = s.recvmsg(512, 512, socket.MSG_ERRQUEUE)
        for level, typ, data in anc:
            if level == socket.SOL_IP and typ == 11 and len(data) >= 24:
                # struct sock_extended_err, then the offender's address
                origin, itype, icode = data[4], data[5], data[6]
                off = socket.inet_ntoa(data[20:24])
                return f'icmp origin={origin} type={itype} code={icode} ' \
                       f'from={off}'
        return 'error without details'
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()


def http(addr):
    try:
        with urllib.request.urlopen(f'http://{addr}/', timeout=5) as r:
            return r.read().decode()
    except Exception as e:   # noqa: BLE001 - the test reports it
        return f'error: {e}'


def ping(addr):
    r = subprocess.run(['ping', '-n', '-c', '3', '-i', '0.2', '-W', '2',
                        addr], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if 'packets transmitted' in line:
            return line.split(',')[1].strip()
    return 'no ping output'


def main():
    a = sys.argv[1]
    out = {
        'http80': http(a),
        'udp53': udp(a, 53),
        'ping': ping(a),
        'tcp81': tcp(a, 81),
        'tcp23': tcp(a, 23),
        'udp5353': udp(a, 5353),
        'ttl1': ttl1(a),
    }
    print(json.dumps(out, sort_keys=True))


if __name__ == '__main__':
    main()
