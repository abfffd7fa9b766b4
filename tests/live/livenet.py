#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Network namespaces for the live-mode tests and bench/live.sh.

    client ns                middle ns                      server ns
    c0 10.198.1.2/24  ---  b0 [ctfw live --bridge b0,b1 |  b1  ---  s0 10.198.2.2/24
                              or the kernel: a router with
                              10.198.1.1/24, 10.198.2.1/24, proxy ARP]

The client reaches 10.198.2.0/24 on its link (an on-link route), and the
server 10.198.1.0/24 likewise, so the same endpoints work through a
bridge (ARP crosses it) and through a router answering ARP for the far
side (proxy_arp). Both middles decrease the TTL (ctfw follows
ip_forward()). IPv6 is off everywhere (no MLD/RS noise), offloads are off
on the veths (an AF_PACKET bridge needs whole frames with checksums).

Names are `ctfwl-<pid>-<role>`; addresses exist only inside them;
everything is deleted on every exit path (close(), atexit, SIGTERM/
SIGINT/SIGHUP turned into SystemExit). Only per-namespace sysctls are
written. Processes started here are tracked and killed by their id.
Standard library only.
"""
import atexit
import os
import signal
import subprocess
import time

PREFIX = f'ctfwl-{os.getpid()}-'
CLIENT_IP = '10.198.1.2'
SERVER_IP = '10.198.2.2'
HOST_IP = '10.198.1.1'
_namespaces = []
_children = []


def _cleanup_all():
    for p in list(_children):
        stop(p, kill=True)
    for ns in list(_namespaces):
        _delete_ns(ns)


def _signal_exit(signum, frame):
    raise SystemExit(128 + signum)


atexit.register(_cleanup_all)
for _s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_s, _signal_exit)


def _delete_ns(ns):
    subprocess.run(['ip', 'netns', 'del', ns], capture_output=True)
    if ns in _namespaces:
        _namespaces.remove(ns)


def run(cmd, ns=None, check=True, timeout=60, input=None):
    full = (['ip', 'netns', 'exec', ns] if ns else []) + list(cmd)
    r = subprocess.run(full, capture_output=True, text=True, timeout=timeout,
                       errors='replace', input=input)
    if check and r.returncode != 0:
        raise RuntimeError(f'{" ".join(full)}: exit {r.returncode}: '
                           f'{r.stderr.strip()}')
    return r


def spawn(cmd, ns=None, **kw):
    full = (['ip', 'netns', 'exec', ns] if ns else []) + list(cmd)
    p = subprocess.Popen(full, **kw)
    _children.append(p)
    return p


def stop(p, kill=False, timeout=5):
    """Stop a process started by spawn(): SIGTERM (or SIGKILL), wait."""
    try:
        if p.poll() is None:
            p.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
    except OSError:
        pass
    if p in _children:
        _children.remove(p)
    return p.returncode


def have_root():
    if os.geteuid() != 0:
        return False
    try:
        return subprocess.run(['ip', 'netns', 'list'],
                              capture_output=True).returncode == 0
    except OSError:
        return False


class Topology:
    """kind: 'bridge' (the middle has no address; run ctfw there) or
    'router' (the kernel forwards, with iptables rules loaded by
    load_rules())."""

    def __init__(self, kind, tag='t'):
        self.kind = kind
        self.c = f'{PREFIX}{tag}-c'
        self.m = f'{PREFIX}{tag}-m'
        self.s = f'{PREFIX}{tag}-s'

    def __enter__(self):
        try:
            self.create()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for ns in {self.c, self.m, self.s}:
            _delete_ns(ns)

    def create(self):
        if self.kind == 'host':
            return self.create_host()
        for ns in (self.c, self.m, self.s):
            run(['ip', 'netns', 'add', ns])
            _namespaces.append(ns)
            run(['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1'], ns)
            run(['sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1'],
                ns)
            run(['ip', 'link', 'set', 'lo', 'up'], ns)
        run(['ip', 'link', 'add', 'c0', 'netns', self.c, 'type', 'veth',
             'peer', 'name', 'b0', 'netns', self.m])
        run(['ip', 'link', 'add', 's0', 'netns', self.s, 'type', 'veth',
             'peer', 'name', 'b1', 'netns', self.m])
        for ns, ifn in ((self.c, 'c0'), (self.m, 'b0'), (self.m, 'b1'),
                        (self.s, 's0')):
            # Whole frames with full checksums on the wire: no TSO/GSO,
            # no checksum offload, no GRO.
            run(['ethtool', '-K', ifn, 'tx', 'off', 'tso', 'off', 'gso',
                 'off', 'gro', 'off'], ns, check=False)
            run(['ip', 'link', 'set', ifn, 'up'], ns)
        run(['ip', 'addr', 'add', f'{CLIENT_IP}/24', 'dev', 'c0'], self.c)
        run(['ip', 'route', 'add', '10.198.2.0/24', 'dev', 'c0'], self.c)
        run(['ip', 'addr', 'add', f'{SERVER_IP}/24', 'dev', 's0'], self.s)
        run(['ip', 'route', 'add', '10.198.1.0/24', 'dev', 's0'], self.s)
        if self.kind == 'router':
            m = self.m
            run(['ip', 'addr', 'add', '10.198.1.1/24', 'dev', 'b0'], m)
            run(['ip', 'addr', 'add', '10.198.2.1/24', 'dev', 'b1'], m)
            run(['sysctl', '-qw', 'net.ipv4.ip_forward=1'], m)
            for ifn in ('b0', 'b1'):
                run(['sysctl', '-qw', f'net.ipv4.conf.{ifn}.proxy_arp=1'], m)
                # Answer at once (the default waits up to 0.8 s, which
                # can make the first SYN retransmit and the packet
                # counts differ from the bridge's).
                run(['sysctl', '-qw', f'net.ipv4.neigh.{ifn}.proxy_delay=0'],
                    m)

    def create_host(self):
        """client ns c0 10.198.1.2/24 --- h0 10.198.1.1/24 host ns (the
        middle): the host's own traffic (INPUT/OUTPUT)."""
        self.s = self.m
        for ns in (self.c, self.m):
            run(['ip', 'netns', 'add', ns])
            _namespaces.append(ns)
            run(['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1'], ns)
            run(['sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1'],
                ns)
            run(['ip', 'link', 'set', 'lo', 'up'], ns)
        run(['ip', 'link', 'add', 'c0', 'netns', self.c, 'type', 'veth',
             'peer', 'name', 'h0', 'netns', self.m])
        run(['ip', 'addr', 'add', f'{CLIENT_IP}/24', 'dev', 'c0'], self.c)
        run(['ip', 'addr', 'add', f'{HOST_IP}/24', 'dev', 'h0'], self.m)
        run(['ip', 'link', 'set', 'c0', 'up'], self.c)
        run(['ip', 'link', 'set', 'h0', 'up'], self.m)

    def load_rules(self, path):
        with open(path) as f:
            run(['iptables-restore'], self.m, input=f.read())
