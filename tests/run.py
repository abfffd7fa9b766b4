#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run every ctfw test suite and print one total.

Each suite is a program that speaks TAP on stdout (cmocka does with
CMOCKA_MESSAGE_OUTPUT=TAP; our scripts print `ok N - what`, `not ok N -
what`, `ok N # SKIP reason`). This runner counts every test point of every
suite, prints a line per suite and closes with

    N passed, N failed, N skipped

It exits 1 when anything failed or a suite crashed, 0 otherwise.

Usage: tests/run.py [--build DIR] [--suite NAME]... [--unit-only] [-v]
The suites are listed in tests/suites.txt: `name  command...` where the
command may use {build} (the build directory), {src} (the source tree)
and {corpus} (../shared/corpus, absent on a user's fresh clone).
"""
import argparse
import glob
import os
import re
import shlex
import subprocess
import sys
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAP_OK = re.compile(r'^\s*(not )?ok\b(?:\s+\d+)?\s*-?\s*(.*)$')


def parse_tap(text):
    passed = failed = skipped = 0
    fails, skips = [], []
    for line in text.splitlines():
        # "1..0 # SKIP reason": the whole suite does not apply here (e.g.
        # the external corpus is absent); count it as one skip.
        m = re.match(r'^1\.\.0\s*#\s*SKIP\s*(.*)$', line, re.I)
        if m:
            skipped += 1
            skips.append(('whole suite', m.group(1).strip()))
            continue
        m = TAP_OK.match(line)
        if not m:
            continue
        rest = m.group(2)
        directive = ''
        if '#' in rest:
            rest, directive = rest.split('#', 1)
            directive = directive.strip()
        if directive.upper().startswith('SKIP'):
            skipped += 1
            skips.append((rest.strip(), directive[4:].strip()))
        elif directive.upper().startswith('TODO'):
            # A TODO test point is a known gap: count it as skipped so it
            # is visible, never as passed.
            skipped += 1
            skips.append((rest.strip(), 'TODO ' + directive[4:].strip()))
        elif m.group(1):
            failed += 1
            fails.append(rest.strip())
        else:
            passed += 1
    return passed, failed, skipped, fails, skips


def load_suites(build, corpus):
    suites = []
    # Unit tests: every cmocka binary the build produced.
    for exe in sorted(glob.glob(os.path.join(build, 'tests', 'unit',
                                             'test_*'))):
        if os.access(exe, os.X_OK) and os.path.isfile(exe):
            suites.append(('unit/' + os.path.basename(exe)[5:], [exe]))
    with open(os.path.join(SRC, 'tests', 'suites.txt')) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            name, cmd = line.split(None, 1)
            cmd = cmd.format(build=build, src=SRC, corpus=corpus)
            suites.append((name, shlex.split(cmd)))
    return suites


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', default=os.path.join(SRC, 'build'))
    ap.add_argument('--suite', action='append', default=[],
                    help='run only suites whose name starts with this')
    ap.add_argument('--unit-only', action='store_true')
    ap.add_argument('-v', '--verbose', action='store_true')
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    corpus = os.environ.get('CTFW_CORPUS',
                            os.path.join(os.path.dirname(SRC), 'shared',
                                         'corpus'))
    env = dict(os.environ)
    env['CMOCKA_MESSAGE_OUTPUT'] = 'TAP'
    env['CTFW'] = os.path.join(build, 'cli', 'ctfw')
    env['CTFW_BUILD'] = build
    env['CTFW_SRC'] = SRC
    env['CTFW_CORPUS'] = corpus
    # Suites use Debian's python3 (python3-scapy is installed for it) and
    # /usr/sbin tools (iptables, conntrack), whatever PATH says first.
    env['PATH'] = '/usr/sbin:/usr/bin:/sbin:/bin:' + env.get('PATH', '')

    total_p = total_f = total_s = 0
    broken = []
    for name, cmd in load_suites(build, corpus):
        if args.unit_only and not name.startswith('unit/'):
            continue
        if args.suite and not any(name.startswith(s) for s in args.suite):
            continue
        t0 = time.monotonic()
        try:
            r = subprocess.run(cmd, cwd=SRC, env=env,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               errors='replace')
        except OSError as e:
            # A missing or unrunnable program is a failed suite.
            r = subprocess.CompletedProcess(cmd, 127, '', str(e))
        dt = time.monotonic() - t0
        p, fl, s, fails, skips = parse_tap(r.stdout)
        # A suite that exits non-zero without a failing test point, or
        # that reported nothing at all, is itself a failure.
        if (r.returncode != 0 and fl == 0) or (p + fl + s == 0):
            fl += 1
            fails.append(f'suite exited {r.returncode} '
                         f'after {p + s} test points')
            broken.append(name)
        total_p += p
        total_f += fl
        total_s += s
        print(f'{name:32s} {p:6d} passed {fl:4d} failed {s:4d} skipped'
              f'  ({dt:.1f}s)', flush=True)
        for x in fails[:20]:
            print(f'    FAIL {x}')
        if len(fails) > 20:
            print(f'    ... {len(fails) - 20} more failures')
        if fl and (r.returncode != 0 or args.verbose):
            tail = r.stderr.strip().splitlines()[-15:]
            for x in tail:
                print(f'    | {x}')
        reasons = {}
        for _, why in skips:
            reasons[why] = reasons.get(why, 0) + 1
        for why, n in sorted(reasons.items()):
            print(f'    skipped {n}: {why}')
    if total_p + total_f + total_s == 0:
        # Nothing ran: a missing build or an empty selection is a failure,
        # never a silent green.
        print(f'no test ran (build directory {build})')
        total_f = 1
    print(f'{total_p} passed, {total_f} failed, {total_s} skipped')
    return 1 if total_f else 0


if __name__ == '__main__':
    sys.exit(main())
