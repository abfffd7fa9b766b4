#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Kernel side of the ctfw oracle: private network namespaces, veth pairs,
rules, sysctls, packet injection and evidence collection.

Library usage (run_oracle.py is the main client):

    with GlobalSysctls() as g, Topology('router') as topo:
        topo.set_sysctls({'net.netfilter.nf_conntrack_udp_timeout': '5'})
        topo.load_rules('rules.v4')
        g.set('net.netfilter.nf_conntrack_max', 4)  # restored on any exit
        with KmsgReader() as klog:
            topo.start_captures(outdir)             # tcpdump, ready
            topo.play(steps, outdir)                # inject/run/snapshot
            topo.stop_captures()
            evidence = topo.collect()               # conntrack, save -c...
            records = klog.read()

Command line:

    /usr/bin/python3 tests/oracle/netns.py --cleanup-stale
        delete leftover ctfwo-* namespaces of dead harness processes and
        restore global sysctls a killed harness left changed
        (--all: also namespaces of live processes).

Rules the code keeps (see docs/oracle.md):
- every namespace is named `ctfwo-<pid>-<role>`; addresses (10.199.0.0/16,
  fd00:199::/48) exist only inside them; everything is deleted on every exit
  path (context managers, atexit, SIGINT/SIGTERM/SIGHUP turned into
  SystemExit so `finally` blocks run);
- no sysctl of the initial namespace is touched except the two that only
  exist there (nf_conntrack_max, nf_log_all_netns), and only through
  GlobalSysctls, which restores the original value in `finally`, atexit and
  signal paths and leaves a state file for --cleanup-stale in case of
  SIGKILL.

Router topology (FORWARD path), interface names are per namespace:

    client ns            fw ns (ip_forward=1)             server ns
    c0 (no address) -- f0 10.199.1.1/24  f1 10.199.2.1/24 -- s0 (no addr)

  Endpoints carry no IP address and IPv6 is disabled in them, so their
  kernels never answer or emit anything: every packet the fw sees is one we
  injected (or one the fw itself made, e.g. a REJECT answer). The fw has
  permanent neighbour entries for the endpoint addresses, so it never sends
  ARP either. (Chosen over a DROP rule in the endpoints: no rules, no
  conntrack hooks, nothing to keep consistent.)

Host topology (INPUT/OUTPUT path):

    client ns                          host ns
    c0 [10.199.1.2/24 if client_stack] ---- h0 10.199.1.1/24

  With client_stack=False the client has no address (packets are injected,
  the host's own kernel answers them); with client_stack=True real programs
  (curl, nc, ping) run in the client namespace.

This file uses only the standard library; scapy is imported lazily by the
functions that build or parse packets.
"""
import atexit
import ctypes
import errno
import glob
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

NS_PREFIX = 'ctfwo-'
PREFIX = f'{NS_PREFIX}{os.getpid()}-'
STATE_DIR = '/run' if os.access('/run', os.W_OK) else '/tmp'
CLONE_NEWNET = 0x40000000

# Fixed, locally administered MAC addresses: LOG lines (MAC=) and captures
# are then the same on every run and equal to what ctfw reads from the
# capture.
MAC = {
    'c0': '02:c7:f0:01:00:02',
    'f0': '02:c7:f0:01:00:01',
    'f1': '02:c7:f0:02:00:01',
    's0': '02:c7:f0:02:00:02',
    'h0': '02:c7:f0:01:00:01',
}


class Addr:
    """Addresses of both topologies (one place; cases import them)."""
    client_ip = '10.199.1.2'
    server_ip = '10.199.2.2'      # router topology only
    fw_client_ip = '10.199.1.1'   # f0 (router) / h0 (host)
    fw_server_ip = '10.199.2.1'   # f1 (router)
    host_ip = '10.199.1.1'
    client_net = '10.199.1.0/24'
    server_net = '10.199.2.0/24'
    client_ip6 = 'fd00:199:1::2'
    server_ip6 = 'fd00:199:2::2'
    fw_client_ip6 = 'fd00:199:1::1'
    fw_server_ip6 = 'fd00:199:2::1'
    host_ip6 = 'fd00:199:1::1'


# --------------------------------------------------------------------------
# Process-wide cleanup registry

_namespaces = []        # names created by this process, not yet deleted
_children = []          # Popen objects to terminate on exit
_global_restore = []    # GlobalSysctls instances with pending restores
_handlers_installed = False


def _cleanup_all():
    for p in list(_children):
        _stop_child(p)
    for g in list(_global_restore):
        g.restore()
    for ns in list(_namespaces):
        _delete_ns(ns)


def _signal_exit(signum, frame):
    # Turn the signal into an exception so every `with` and `finally`
    # unwinds (namespaces deleted, sysctls restored); atexit covers the
    # rest.
    raise SystemExit(128 + signum)


def install_handlers():
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True
    atexit.register(_cleanup_all)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _signal_exit)


def _stop_child(p):
    try:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=2)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=2)
    except OSError:
        pass
    if p in _children:
        _children.remove(p)


def _delete_ns(ns):
    # Kill whatever still runs inside (a server program), then delete.
    r = subprocess.run(['ip', 'netns', 'pids', ns], capture_output=True,
                       text=True)
    for pid in r.stdout.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (OSError, ValueError):
            pass
    subprocess.run(['ip', 'netns', 'del', ns], capture_output=True)
    if ns in _namespaces:
        _namespaces.remove(ns)


# --------------------------------------------------------------------------
# Helpers

class CommandError(RuntimeError):
    pass


def run(cmd, ns=None, check=True, input=None, timeout=30):
    """Run cmd (list) in namespace ns (or the current one); return
    CompletedProcess with text stdout/stderr."""
    full = (['ip', 'netns', 'exec', ns] if ns else []) + list(cmd)
    r = subprocess.run(full, input=input, capture_output=True, text=True,
                       timeout=timeout, errors='replace')
    if check and r.returncode != 0:
        raise CommandError(f'{" ".join(full)}: exit {r.returncode}: '
                           f'{r.stderr.strip()}')
    return r


def have_netns():
    """True when we are root and `ip netns` works."""
    if os.geteuid() != 0:
        return False
    try:
        r = subprocess.run(['ip', 'netns', 'list'], capture_output=True)
    except OSError:
        return False
    return r.returncode == 0


def ns_inode(ns):
    """The nsfs inode number the kernel prints in `table full in netns N`."""
    return os.stat(f'/run/netns/{ns}').st_ino


_libc = ctypes.CDLL(None, use_errno=True)


def packet_socket(ns, ifname):
    """An AF_PACKET raw socket bound to ifname inside namespace ns.

    The socket keeps the namespace it was created in, so one process can
    hold sockets in every namespace and keep the order of packets across
    both sides exact."""
    orig = os.open('/proc/self/ns/net', os.O_RDONLY)
    target = os.open(f'/run/netns/{ns}', os.O_RDONLY)
    try:
        if _libc.setns(target, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, f'setns({ns}): {os.strerror(e)}')
        try:
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            s.bind((ifname, 0))
        finally:
            if _libc.setns(orig, CLONE_NEWNET) != 0:
                # Cannot go home: nothing after this would be safe.
                os._exit(70)
    finally:
        os.close(orig)
        os.close(target)
    return s


# --------------------------------------------------------------------------
# Global sysctls of the initial namespace (trap-protected)

class GlobalSysctls:
    """Change the few init-netns-only sysctls, restoring them whatever
    happens: on __exit__, in atexit, on SIGINT/SIGTERM/SIGHUP, and (after a
    SIGKILL) through the state file read by --cleanup-stale."""

    ALLOWED = {
        'net.netfilter.nf_conntrack_max',
        'net.nf_conntrack_max',
        'net.netfilter.nf_log_all_netns',
    }

    def __init__(self):
        self.saved = {}   # key -> original value (first seen)
        self.state = os.path.join(STATE_DIR,
                                  f'{NS_PREFIX}{os.getpid()}.sysctl.json')
        install_handlers()

    @staticmethod
    def path(key):
        return '/proc/sys/' + key.replace('.', '/')

    def get(self, key):
        with open(self.path(key)) as f:
            return f.read().strip()

    # Oracle runs of several sessions may share the machine: two runs
    # changing the same global sysctl at once would spoil each other's
    # table-full facts and could even restore each other's lowered value.
    # The first set() takes a machine-wide lock, restore() releases it.
    LOCK = os.path.join(STATE_DIR, f'{NS_PREFIX}global-sysctl.lock')
    LOCK_WAIT = 120.0

    def _lock(self):
        if getattr(self, '_lockf', None) is not None:
            return
        import fcntl
        f = open(self.LOCK, 'a+')
        deadline = time.monotonic() + self.LOCK_WAIT
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    f.close()
                    raise RuntimeError('another oracle run holds '
                                       f'{self.LOCK} for more than '
                                       f'{self.LOCK_WAIT:.0f} s')
                time.sleep(0.1)
        self._lockf = f

    def _unlock(self):
        f = getattr(self, '_lockf', None)
        if f is not None:
            self._lockf = None
            f.close()   # closing releases the flock

    def set(self, key, value):
        if key not in self.ALLOWED:
            raise ValueError(f'refusing to change global sysctl {key}')
        self._lock()
        if key not in self.saved:
            self.saved[key] = self.get(key)
            with open(self.state, 'w') as f:
                json.dump(self.saved, f)
            if self not in _global_restore:
                _global_restore.append(self)
        with open(self.path(key), 'w') as f:
            f.write(str(value))

    def restore(self):
        for key, value in list(self.saved.items()):
            try:
                with open(self.path(key), 'w') as f:
                    f.write(value)
                del self.saved[key]
            except OSError as e:
                print(f'netns.py: cannot restore {key}={value}: {e}',
                      file=sys.stderr)
        if not self.saved:
            try:
                os.unlink(self.state)
            except FileNotFoundError:
                pass
            if self in _global_restore:
                _global_restore.remove(self)
            self._unlock()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.restore()
        return False


# --------------------------------------------------------------------------
# Kernel log

class KmsgReader:
    """Kernel log records produced between __enter__ and read().

    Reads /dev/kmsg from its end, so nothing is cleared and nothing older
    is seen. Each record: (level, seq, usec, message)."""

    def __enter__(self):
        self.fd = os.open('/dev/kmsg', os.O_RDONLY | os.O_NONBLOCK)
        os.lseek(self.fd, 0, os.SEEK_END)
        self.records = []
        return self

    def read(self):
        while True:
            try:
                rec = os.read(self.fd, 8192)
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno == errno.EPIPE:   # overwritten: skip ahead
                    continue
                raise
            if not rec:
                break
            text = rec.decode('utf-8', 'replace')
            head, _, msg = text.partition(';')
            parts = head.split(',')
            msg = msg.split('\n', 1)[0]      # drop continuation dict lines
            try:
                prio = int(parts[0])
                self.records.append((prio & 7, int(parts[1]), int(parts[2]),
                                     msg))
            except (ValueError, IndexError):
                pass
        return self.records

    def __exit__(self, *exc):
        os.close(self.fd)
        return False


# --------------------------------------------------------------------------
# Steps (what a case's packets.py returns)

class Step:
    pass


class Pkt(Step):
    """Inject one IP packet (scapy, IP or IPv6 layer) from a side
    ('client' or 'server'), after `gap` seconds."""

    def __init__(self, side, pkt, gap=None):
        self.side, self.pkt, self.gap = side, pkt, gap


class Burst(Step):
    """Inject many ready-made IP packets (bytes, without Ethernet header)
    from one side back to back, as fast as the socket takes them."""

    def __init__(self, side, packets):
        self.side, self.packets = side, list(packets)


class Wait(Step):
    def __init__(self, seconds):
        self.seconds = seconds


class Snap(Step):
    """Record `conntrack -L -o extended` now, under a name."""

    def __init__(self, name):
        self.name = name


class Run(Step):
    """Run a program in a namespace role ('client', 'host', 'fw', ...).
    background=True starts it (killed at the end) and waits until
    `ready_port` (TCP) listens in that namespace."""

    def __init__(self, role, argv, name=None, background=False,
                 ready_port=None, timeout=20):
        self.role, self.argv = role, list(argv)
        self.name = name or os.path.basename(argv[0])
        self.background, self.ready_port = background, ready_port
        self.timeout = timeout


# --------------------------------------------------------------------------
# Topology

class Topology:
    """Namespaces and veths for one case. Use as a context manager."""

    DEFAULT_GAP = 0.002   # seconds between injected packets

    def __init__(self, kind, tag='case', ipv6=False, client_stack=False,
                 backend='nft', host_capture='h0'):
        if kind not in ('router', 'host'):
            raise ValueError(f'unknown topology {kind}')
        self.kind, self.ipv6, self.client_stack = kind, ipv6, client_stack
        self.backend = backend
        # Host topology: the interface whose capture is ctfw's input
        # (`lo` for traffic the host sends itself).
        self.host_capture = host_capture
        safe = re.sub(r'[^A-Za-z0-9]', '', tag)[:12] or 'case'
        base = f'{PREFIX}{safe}-'
        roles = (['client', 'fw', 'server'] if kind == 'router'
                 else ['client', 'host'])
        self.ns = {r: base + r for r in roles}
        self.fw_role = 'fw' if kind == 'router' else 'host'
        self.fw = self.ns[self.fw_role]
        self.sockets = {}
        self.capture_procs = {}
        self.capture_files = {}
        self.snaps = []          # (name, time, conntrack text)
        self.sent = []           # (time, side, frame bytes)
        self.runs = []           # (name, rc, stdout, stderr)
        self.t_first = None
        install_handlers()

    # -- setup / teardown ---------------------------------------------------
    def __enter__(self):
        try:
            self._create()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        for s in self.sockets.values():
            s.close()
        self.sockets.clear()
        for p in list(self.capture_procs.values()):
            _stop_child(p)
        self.capture_procs.clear()
        for ns in self.ns.values():
            if ns in _namespaces:
                _delete_ns(ns)

    def _sysctl(self, role, key, value):
        run(['sysctl', '-q', '-w', f'{key}={value}'], ns=self.ns[role])

    def _create(self):
        self.settle = 0.0
        for role, ns in self.ns.items():
            run(['ip', 'netns', 'add', ns])
            _namespaces.append(ns)
            run(['ip', 'link', 'set', 'lo', 'up'], ns=ns)
            v6_off = '0' if (self.ipv6 and role == self.fw_role) else '1'
            if self.ipv6:
                # No link-local addresses (no DAD, no RS), no RA: the
                # endpoints stay silent, the fw speaks only from its
                # global (nodad) addresses.
                self._sysctl(role, 'net.ipv6.conf.default.addr_gen_mode', 1)
                self._sysctl(role, 'net.ipv6.conf.all.accept_ra', 0)
                self._sysctl(role, 'net.ipv6.conf.default.accept_ra', 0)
                v6_off = '0'
            self._sysctl(role, 'net.ipv6.conf.all.disable_ipv6', v6_off)
            self._sysctl(role, 'net.ipv6.conf.default.disable_ipv6', v6_off)
        if self.kind == 'router':
            self._veth('client', 'c0', 'fw', 'f0')
            self._veth('server', 's0', 'fw', 'f1')
            fw = 'fw'
            self._sysctl(fw, 'net.ipv4.ip_forward', 1)
            for k in ('all', 'default', 'f0', 'f1'):
                self._sysctl(fw, f'net.ipv4.conf.{k}.rp_filter', 0)
                self._sysctl(fw, f'net.ipv4.conf.{k}.send_redirects', 0)
            self._addr(fw, 'f0', Addr.fw_client_ip, 24)
            self._addr(fw, 'f1', Addr.fw_server_ip, 24)
            self._neigh(fw, 'f0', Addr.client_ip, MAC['c0'])
            self._neigh(fw, 'f1', Addr.server_ip, MAC['s0'])
            if self.ipv6:
                self._quiet_mld(fw, ('f0', 'f1'))
                self._sysctl(fw, 'net.ipv6.conf.all.forwarding', 1)
                self._addr(fw, 'f0', Addr.fw_client_ip6, 64, v6=True)
                self._addr(fw, 'f1', Addr.fw_server_ip6, 64, v6=True)
                self._neigh(fw, 'f0', Addr.client_ip6, MAC['c0'])
                self._neigh(fw, 'f1', Addr.server_ip6, MAC['s0'])
            self.links = {'client': 'c0', 'server': 's0'}
            self.peer_mac = {'client': MAC['f0'], 'server': MAC['f1']}
        else:
            self._veth('client', 'c0', 'host', 'h0')
            for k in ('all', 'default', 'h0'):
                self._sysctl('host', f'net.ipv4.conf.{k}.rp_filter', 0)
            self._addr('host', 'h0', Addr.host_ip, 24)
            if self.ipv6:
                self._quiet_mld('host', ('h0',))
                self._addr('host', 'h0', Addr.host_ip6, 64, v6=True)
            if self.client_stack:
                for k in ('all', 'default', 'c0'):
                    self._sysctl('client', f'net.ipv4.conf.{k}.rp_filter',
                                 0)
                self._addr('client', 'c0', Addr.client_ip, 24)
                if self.ipv6:
                    self._addr('client', 'c0', Addr.client_ip6, 64, v6=True)
            else:
                self._neigh('host', 'h0', Addr.client_ip, MAC['c0'])
                if self.ipv6:
                    self._neigh('host', 'h0', Addr.client_ip6, MAC['c0'])
            self.links = {'client': 'c0'}
            self.peer_mac = {'client': MAC['h0']}
        time.sleep(self.settle)

    def _quiet_mld(self, role, ifaces):
        """Joining the solicited-node groups of new addresses sends MLD
        reports, repeated at random times within the unsolicited report
        interval (1 s). Make that 10 ms, so the reports are over before
        the rules are loaded and the captures start."""
        for k in ('all', 'default') + tuple(ifaces):
            self._sysctl(role, f'net.ipv6.conf.{k}.'
                         'mldv2_unsolicited_report_interval', 10)
            self._sysctl(role, f'net.ipv6.conf.{k}.'
                         'mldv1_unsolicited_report_interval', 10)
        self.settle = 0.2

    def _veth(self, role_a, if_a, role_b, if_b):
        run(['ip', 'link', 'add', 'name', if_a, 'address', MAC[if_a],
             'netns', self.ns[role_a], 'type', 'veth', 'peer', 'name', if_b,
             'address', MAC[if_b], 'netns', self.ns[role_b]])
        for role, ifn in ((role_a, if_a), (role_b, if_b)):
            run(['ip', 'link', 'set', ifn, 'up'], ns=self.ns[role])

    def _addr(self, role, ifn, addr, plen, v6=False):
        extra = ['nodad'] if v6 else []
        run(['ip', 'addr', 'add', f'{addr}/{plen}', 'dev', ifn] + extra,
            ns=self.ns[role])

    def _neigh(self, role, ifn, addr, mac):
        run(['ip', 'neigh', 'replace', addr, 'lladdr', mac, 'dev', ifn,
             'nud', 'permanent'], ns=self.ns[role])

    # -- configuration ------------------------------------------------------
    def set_sysctls(self, sysctls):
        """Per-namespace sysctls, set in the fw/host namespace."""
        for key, value in sysctls.items():
            self._sysctl(self.fw_role, key, value)

    def restore_cmd(self, family=4):
        legacy = self.backend == 'legacy'
        name = {(4, False): 'iptables-restore',
                (4, True): 'iptables-legacy-restore',
                (6, False): 'ip6tables-restore',
                (6, True): 'ip6tables-legacy-restore'}[(family, legacy)]
        return name

    def save_cmd(self, family=4):
        return self.restore_cmd(family).replace('-restore', '-save')

    def load_rules(self, path, family=4):
        with open(path) as f:
            text = f.read()
        run([self.restore_cmd(family)], ns=self.fw, input=text)

    # -- captures -----------------------------------------------------------
    def start_captures(self, outdir):
        """Router: what left the fw on each side (captured at the
        endpoints, direction in). Host: both directions on h0 (ctfw's
        input) and what reached the client."""
        specs = []
        if self.kind == 'router':
            specs = [('client', 'client', 'c0', ['-Q', 'in']),
                     ('server', 'server', 's0', ['-Q', 'in'])]
        else:
            specs = [('host', 'host', self.host_capture, []),
                     ('client', 'client', 'c0', ['-Q', 'in'])]
        for name, role, ifn, extra in specs:
            path = os.path.join(outdir, f'kernel-egress-{name}.pcap'
                                if name != 'host' else 'kernel-host.pcap')
            cmd = ['ip', 'netns', 'exec', self.ns[role], 'tcpdump', '-i',
                   ifn, '-n', '-U', '--immediate-mode', '-s', '0', '-w',
                   path] + extra + ['ip or ip6']
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
            _children.append(p)
            # Wait for "listening on": packets sent before it are lost.
            line = p.stderr.readline()
            if 'listening on' not in line:
                rest = line + (p.stderr.read() if p.poll() is not None
                               else '')
                raise CommandError(f'tcpdump on {ifn}: {rest.strip()}')
            self.capture_procs[name] = p
            self.capture_files[name] = path

    def stop_captures(self, settle=0.15):
        time.sleep(settle)
        stats = {}
        for name, p in list(self.capture_procs.items()):
            p.send_signal(signal.SIGINT)
            try:
                _, err = p.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                _, err = p.communicate()
            stats[name] = err.strip()
            if p in _children:
                _children.remove(p)
        self.capture_procs.clear()
        return stats

    # -- playing a case -----------------------------------------------------
    def _socket(self, side):
        if side not in self.sockets:
            if side not in self.links:
                raise ValueError(f'no injection side {side!r} in '
                                 f'{self.kind} topology')
            self.sockets[side] = packet_socket(self.ns[side],
                                               self.links[side])
        return self.sockets[side]

    def frame(self, side, pkt):
        from scapy.layers.l2 import Ether
        return bytes(Ether(src=MAC[self.links[side]],
                           dst=self.peer_mac[side]) / pkt)

    def play(self, steps, outdir=None):
        """Execute steps in order; return the list of sent frames
        [(time, side, bytes)]."""
        next_at = time.time()
        for st in steps:
            if isinstance(st, Wait):
                next_at = time.time() + st.seconds
                time.sleep(max(0.0, next_at - time.time()))
            elif isinstance(st, Pkt):
                gap = self.DEFAULT_GAP if st.gap is None else st.gap
                data = self.frame(st.side, st.pkt)
                sock = self._socket(st.side)
                delay = next_at - time.time()
                if delay > 0:
                    time.sleep(delay)
                sock.send(data)
                t = time.time()
                if self.t_first is None:
                    self.t_first = t
                self.sent.append((t, st.side, data))
                next_at = t + gap
            elif isinstance(st, Burst):
                sock = self._socket(st.side)
                head = (bytes.fromhex(self.peer_mac[st.side].replace(':', ''))
                        + bytes.fromhex(MAC[self.links[st.side]]
                                        .replace(':', '')))
                delay = next_at - time.time()
                if delay > 0:
                    time.sleep(delay)
                for ip in st.packets:
                    data = head + (b'\x86\xdd' if ip[0] >> 4 == 6
                                   else b'\x08\x00') + ip
                    sock.send(data)
                    t = time.time()
                    if self.t_first is None:
                        self.t_first = t
                    self.sent.append((t, st.side, data))
                next_at = time.time() + self.DEFAULT_GAP
            elif isinstance(st, Snap):
                time.sleep(0.02)   # let softirq work on the last packet end
                r = run(['conntrack', '-L', '-o', 'extended'], ns=self.fw,
                        check=False)
                self.snaps.append((st.name, time.time(), r.stdout))
            elif isinstance(st, Run):
                self._run_step(st, outdir)
            else:
                raise TypeError(f'unknown step {st!r}')
        return self.sent

    def _run_step(self, st, outdir):
        ns = self.ns[st.role]
        cmd = ['ip', 'netns', 'exec', ns] + st.argv
        if self.t_first is None:
            self.t_first = time.time()
        if st.background:
            log = open(os.path.join(outdir or '/tmp',
                                    f'run-{st.name}.log'), 'w')
            p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
            log.close()
            _children.append(p)
            if st.ready_port:
                deadline = time.time() + st.timeout
                while time.time() < deadline:
                    r = run(['ss', '-Hltn', f'sport = :{st.ready_port}'],
                            ns=ns, check=False)
                    if r.stdout.strip():
                        break
                    if p.poll() is not None:
                        raise CommandError(f'{st.name} exited early')
                    time.sleep(0.05)
                else:
                    raise CommandError(f'{st.name}: port {st.ready_port} '
                                       'never listened')
            self.runs.append((st.name, None, '', ''))
        else:
            r = subprocess.run(cmd, capture_output=True, text=True,
                               timeout=st.timeout, errors='replace')
            self.runs.append((st.name, r.returncode, r.stdout, r.stderr))

    # -- evidence -----------------------------------------------------------
    def collect(self, family=4):
        """The kernel's evidence for the fw/host namespace, as texts."""
        ev = {'time': time.time()}
        ev['conntrack'] = run(['conntrack', '-L', '-o', 'extended'],
                              ns=self.fw, check=False).stdout
        ev['conntrack_id'] = run(['conntrack', '-L', '-o', 'extended,id'],
                                 ns=self.fw, check=False).stdout
        ev['stats'] = run(['conntrack', '-S'], ns=self.fw,
                          check=False).stdout
        ev['count'] = run(['conntrack', '-C'], ns=self.fw,
                          check=False).stdout
        ev['proc_stat'] = run(['cat', '/proc/net/stat/nf_conntrack'],
                              ns=self.fw, check=False).stdout
        ev['proc_conntrack'] = run(['cat', '/proc/net/nf_conntrack'],
                                   ns=self.fw, check=False).stdout
        ev['save'] = run([self.save_cmd(family), '-c'], ns=self.fw,
                         check=False).stdout
        ev['list'] = run([self.save_cmd(family).replace('-save', ''), '-L',
                          '-n', '-v', '-x', '--line-numbers'], ns=self.fw,
                         check=False).stdout
        return ev


# --------------------------------------------------------------------------
# Stale cleanup

def cleanup_stale(all_=False):
    """Delete ctfwo-* namespaces whose creating process is gone (all of
    them with all_=True) and restore global sysctls left by killed runs.
    Returns the list of actions taken."""
    done = []
    r = subprocess.run(['ip', 'netns', 'list'], capture_output=True,
                       text=True)
    for line in r.stdout.splitlines():
        name = line.split()[0] if line.split() else ''
        if not name.startswith(NS_PREFIX):
            continue
        m = re.match(rf'{NS_PREFIX}(\d+)-', name)
        alive = bool(m) and os.path.exists(f'/proc/{m.group(1)}')
        if all_ or not alive or (m and int(m.group(1)) == os.getpid()):
            _delete_ns(name)
            done.append(f'deleted namespace {name}')
    for state in glob.glob(os.path.join(STATE_DIR,
                                        f'{NS_PREFIX}*.sysctl.json')):
        m = re.search(r'(\d+)\.sysctl\.json$', state)
        if m and os.path.exists(f'/proc/{m.group(1)}') and not all_:
            continue
        try:
            with open(state) as f:
                saved = json.load(f)
        except (OSError, ValueError):
            saved = {}
        for key, value in saved.items():
            if key in GlobalSysctls.ALLOWED:
                with open(GlobalSysctls.path(key), 'w') as f:
                    f.write(value)
                done.append(f'restored {key}={value}')
        os.unlink(state)
    return done


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--cleanup-stale', action='store_true',
                    help='delete leftover ctfwo-* namespaces and restore '
                    'global sysctls of killed runs')
    ap.add_argument('--all', action='store_true',
                    help='with --cleanup-stale: also namespaces of live '
                    'processes')
    args = ap.parse_args(argv)
    if not args.cleanup_stale:
        ap.print_help()
        return 2
    for line in cleanup_stale(args.all):
        print(line)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
