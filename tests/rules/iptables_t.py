#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the iptables project's own extension tests (*.t) against ctfw.

Usage: iptables_t.py [DIR]   (default: $CTFW_CORPUS/iptables-tests)

The format (iptables v1.8.9, extensions/*.t) is read as iptables-test.py
reads it: ":CHAIN,CHAIN" selects the chains a case is added to, "*table"
the table, "#" lines are comments, "@"/"%" lines are shell commands
(skipped), and every other line is "RULE;EXPECTED;OK|FAIL[;NFT|LEGACY]".
For each chain, ctfw is given "iptables -t TABLE -A CHAIN RULE"
(ip6tables for libip6t_* files): an OK case must load and iptables-save
must contain "-A CHAIN EXPECTED" ("=" means RULE itself); a FAIL case
must be refused. Cases of extensions ctfw does not implement, of
ebtables/arptables files and LEGACY-only cases are "not applicable" and
reported as TAP SKIP with the reason. Prints one TAP point per case and
a per-file passed/failed/not-applicable summary as TAP comments.
"""
import os
import re
import subprocess
import sys

CTFW = os.environ.get('CTFW', 'build/cli/ctfw')
BUILTIN = {
    'filter': ['INPUT', 'FORWARD', 'OUTPUT'],
    'mangle': ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
    'nat': ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
    'raw': ['PREROUTING', 'OUTPUT'],
    'security': ['INPUT', 'FORWARD', 'OUTPUT'],
}
UNSUPPORTED = re.compile(r"Couldn't load (match|target) `([^']*)'|"
                         r"Chain '([A-Z][A-Z0-9_]*)' does not exist|"
                         r"(\S+: option \"--\S+\") is not supported by "
                         r"ctfw")


def supported():
    """(matches, targets) ctfw implements, from `ctfw rules extensions`."""
    r = subprocess.run([CTFW, 'rules', 'extensions'],
                       stdout=subprocess.PIPE, text=True)
    m, t = set(), set()
    for line in r.stdout.splitlines():
        kind, name = line.split()[:2]
        (t if kind == 'target' else m).add(name)
    return m, t


STD = {'ACCEPT', 'DROP', 'RETURN', 'QUEUE'}

# Cases the real iptables 1.8.9 (nf_tables) also gets "wrong" on the
# reference kernel (Linux 6.18), so the kernel -- our oracle -- disagrees
# with the .t file: reported as TODO with the reason.
KNOWN = {
    ('libxt_recent.t', '-m recent --rcheck --hitcount 999 --name foo '
     '--mask 255.255.255.255 --rsource'):
    'Linux 6.18 accepts a hit count of 999; iptables 1.8.9 fails this '
    'case too (corpus README)',
    ('libxt_NFLOG.t', '-j NFLOG --nflog-prefix ' + 'x' * 65):
    'iptables-nft 1.8.9 keeps 127 characters of an NFLOG prefix (nft log '
    'prefix), the .t file expects the 63 of iptables-legacy; ctfw follows '
    'the nft tool (tests/golden/rules/cmds, checked live)',
}
WORD = re.compile(r'(?:^|\s)(-m|--match|-j|--jump)\s+(\S+)')


def unsupported_ext(rule, exts):
    """Name of an extension the rule uses that ctfw lacks, or None. A -j
    name in capitals that is no ctfw target is an extension target."""
    matches, targets = exts
    for opt, name in WORD.findall(rule):
        if opt in ('-m', '--match'):
            if name not in matches:
                return name
        elif name not in targets and name not in STD and \
                name.upper() == name and name[0].isalpha():
            return name
    return None


def run_case(prog, table, chain, rule):
    lines = []
    if chain not in BUILTIN.get(table, []):
        lines.append(f'{prog} -t {table} -N {chain}')
    lines.append(f'{prog} -t {table} -A {chain} {rule}')
    args = [CTFW, 'rules', 'save', '-R', '-', '--script', '--no-date']
    if prog == 'ip6tables':
        args.append('-6')
    r = subprocess.run(args, input='\n'.join(lines) + '\n',
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, errors='replace')
    return r.returncode, r.stdout, r.stderr


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.environ.get('CTFW_CORPUS', '../shared/corpus'), 'iptables-tests')
    if not os.path.isdir(d):
        print('1..0 # SKIP corpus not found: ' + d)
        return 0
    exts = supported()
    n = 0
    totals = [0, 0, 0]
    summary = []
    for fn in sorted(os.listdir(d)):
        if not fn.endswith('.t'):
            continue
        path = os.path.join(d, fn)
        counts = [0, 0, 0]   # passed, failed, n/a
        if fn.startswith(('libebt_', 'libarpt_')):
            with open(path) as f:
                cases = [l for l in f if l.strip() and
                         l[0] not in '#:*@%' and ';' in l]
            for c in cases:
                n += 1
                counts[2] += 1
                print(f'ok {n} - {fn}: {c.strip()[:60]} # SKIP '
                      'ebtables/arptables not emulated')
            summary.append((fn, counts))
            for i in range(3):
                totals[i] += counts[i]
            continue
        prog = 'ip6tables' if fn.startswith('libip6t_') else 'iptables'
        table = 'filter'
        chains = ['INPUT']
        with open(path, errors='replace') as f:
            for raw in f:
                line = raw.rstrip('\n')
                if not line or line.startswith('#'):
                    continue
                if line.startswith(':'):
                    chains = line[1:].split(',')
                    continue
                if line.startswith('*'):
                    table = line[1:].strip()
                    continue
                if line[0] in '@%':
                    continue
                parts = line.split(';')
                if len(parts) < 3:
                    continue
                rule, expected, verdict = parts[0], parts[1], parts[2]
                backend = parts[3] if len(parts) > 3 else ''
                n += 1
                name = f'{fn}: {rule[:70]}'
                if backend == 'LEGACY':
                    counts[2] += 1
                    print(f'ok {n} - {name} # SKIP legacy backend only')
                    continue
                if expected == '=':
                    expected = rule
                lack = unsupported_ext(rule, exts)
                if lack:
                    counts[2] += 1
                    print(f'ok {n} - {name} # SKIP extension {lack} not '
                          'supported by ctfw')
                    continue
                bad = None
                na = None
                for chain in chains:
                    rc, out, err = run_case(prog, table, chain, rule)
                    m = UNSUPPORTED.search(err)
                    if m:
                        what = m.group(2) or m.group(3) or m.group(4)
                        na = f'{what} not supported by ctfw'
                        break
                    if verdict == 'OK':
                        want = f'-A {chain} {expected}'.rstrip()
                        if rc != 0:
                            msg = err.strip().splitlines()
                            bad = (f'{chain}: refused: '
                                   f'{msg[0] if msg else rc}')
                            break
                        if want not in out.splitlines():
                            got = [l for l in out.splitlines()
                                   if l.startswith(f'-A {chain}')]
                            bad = f'{chain}: want "{want}" got {got}'
                            break
                    else:
                        if rc == 0:
                            bad = f'{chain}: accepted, should fail'
                            break
                known = KNOWN.get((fn, rule))
                if known and bad:
                    counts[2] += 1
                    print(f'not ok {n} - {name} # TODO {known}')
                elif na:
                    counts[2] += 1
                    print(f'ok {n} - {name} # SKIP {na}')
                elif bad:
                    counts[1] += 1
                    print(f'not ok {n} - {name}')
                    print(f'# {bad}')
                else:
                    counts[0] += 1
                    print(f'ok {n} - {name}')
        summary.append((fn, counts))
        for i in range(3):
            totals[i] += counts[i]
    for fn, c in summary:
        print(f'# {fn:28s} passed {c[0]:3d} failed {c[1]:3d} '
              f'n/a {c[2]:3d}')
    print(f'# TOTAL passed {totals[0]} failed {totals[1]} '
          f'n/a {totals[2]}')
    print(f'1..{n}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
