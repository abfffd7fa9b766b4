#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check ctfw against the golden rule corpus tests/golden/rules/*.t.

Those files were produced by the real iptables 1.8.9 (nf_tables) with
tests/golden/regen-rules.sh. For every case and chain:
  * OK: ctfw must load "iptables -t T -A CHAIN RULE" and its save must
    hold "-A CHAIN CANONICAL"; and the save output, read back as
    iptables-restore input, must save to the same text (round trip);
    and its "iptables -L -n -v -x" row must equal the "#L " line;
  * FAIL: ctfw must refuse it, and the first line of the iptables text
    it reports must equal the "#> " line recorded from iptables.
TAP on stdout, one point per case and check.
"""
import glob
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iptables_t  # noqa: E402

CTFW = iptables_t.CTFW


def iptables_text(err):
    lines = err.splitlines()
    for i, l in enumerate(lines):
        if l.endswith(' would print:'):
            return lines[i + 1] if i + 1 < len(lines) else ''
    return ''


def list_row(prog, table, chain, rule, numeric):
    """The rule's row of "ctfw rules list -n -v -x" (first rule)."""
    lines = [f'{prog} -t {table} -A {chain} {rule}']
    if chain not in iptables_t.BUILTIN.get(table, []):
        lines.insert(0, f'{prog} -t {table} -N {chain}')
    args = [CTFW, 'rules', 'list', '-R', '-', '--script', '-t', table,
            '--chain', chain, '-v', '-x'] + (['-n'] if numeric else [])
    if prog == 'ip6tables':
        args.append('-6')
    r = subprocess.run(args, input='\n'.join(lines) + '\n',
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    rows = r.stdout.splitlines()
    return rows[2] if len(rows) > 2 else ''


def roundtrip(out, v6):
    args = [CTFW, 'rules', 'save', '-R', '-', '--restore', '--no-date']
    if v6:
        args.append('-6')
    r = subprocess.run(args, input=out, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    return r.returncode == 0 and r.stdout == out


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.environ.get('CTFW_SRC', '.'), 'tests', 'golden', 'rules')
    n = 0
    fails = 0
    nbad = 0
    lines_total = 0
    for path in sorted(glob.glob(os.path.join(d, '*.t'))):
        fn = os.path.basename(path)
        prog = 'ip6tables' if fn.startswith('ip6_') else 'iptables'
        table, chains, msg, lrow, nrow = 'filter', ['INPUT'], None, None, None
        for raw in open(path, errors='replace'):
            line = raw.rstrip('\n')
            if line.startswith('#> '):
                msg = line[3:]
                continue
            if line.startswith('#L '):
                lrow = line[3:]
                continue
            if line.startswith('#N '):
                nrow = line[3:]
                continue
            if not line or line.startswith('#'):
                continue
            if line.startswith(':'):
                chains = line[1:].split(',')
                continue
            if line.startswith('*'):
                table = line[1:].strip()
                continue
            rule, expected, verdict = line.rsplit(';', 2)
            lines_total += 1
            if expected == '=':
                expected = rule
            for chain in chains:
                n += 1
                name = f'{fn}: -t {table} -A {chain} {rule}'[:110]
                rc, out, err = iptables_t.run_case(prog, table, chain, rule)
                bad = None
                if verdict == 'OK':
                    want = f'-A {chain} {expected}'.rstrip()
                    if rc != 0:
                        bad = 'refused: ' + iptables_text(err)
                    elif want not in out.splitlines():
                        got = [l for l in out.splitlines()
                               if l.startswith(f'-A {chain}')]
                        bad = f'want "{want}" got {got}'
                    elif not roundtrip(out, prog == 'ip6tables'):
                        bad = 'round trip changed the text'
                    elif lrow is not None:
                        row = list_row(prog, table, chain, rule, True)
                        if row != lrow:
                            bad = f'-L -n row {row!r} want {lrow!r}'
                else:
                    if rc == 0:
                        bad = 'accepted, iptables refuses: ' + (msg or '')
                    elif msg is not None and iptables_text(err) != msg:
                        bad = (f'message "{iptables_text(err)}" want '
                               f'"{msg}"')
                if verdict == 'OK' and not bad and nrow is not None:
                    row = list_row(prog, table, chain, rule, False)
                    if row != nrow:
                        nbad += 1
                        print(f'ok {n} - {name} # TODO -L without -n: '
                              f'{row!r} want {nrow!r}')
                        continue
                if bad:
                    fails += 1
                    print(f'not ok {n} - {name}')
                    print(f'# {bad}')
                else:
                    print(f'ok {n} - {name}')
            msg = lrow = nrow = None
    print(f'# golden lines {lines_total}, checks {n}, failed {fails}, '
          f'-L without -n differing (TODO) {nbad}')
    print(f'1..{n}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
