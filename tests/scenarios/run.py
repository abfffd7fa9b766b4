#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Scenario folders driven through the real ctfw CLI.

Each folder under tests/scenarios/ holds:
  cmd          the ctfw arguments, one per line (blank lines and # comments
               ignored); paths are relative to the folder; {out} expands
               to the output directory of this run
  README.md    what the scenario shows and where every expected line
               comes from (kernel behaviour with its reference section,
               or the documented format)
  expected/    the files the run must produce in {out}, byte for byte;
               expected/stdout and expected/exit hold the command's
               standard output and exit status when present
  gen.py       optional: how the scenario's small checked-in capture was
               made (Debian python3 with scapy); run by hand, not here

One TAP test point per expected file. `--regen NAME` writes the actual
outputs over expected/ and prints the diff, for a human to review before
committing; it is never run by the suite.
"""
import difflib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def scenarios():
    for name in sorted(os.listdir(HERE)):
        d = os.path.join(HERE, name)
        if os.path.isdir(d) and os.path.exists(os.path.join(d, 'cmd')):
            yield name, d


def read_cmd(d, out):
    args = []
    with open(os.path.join(d, 'cmd')) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            args += [a.replace('{out}', out) for a in shlex.split(line)]
    return args


def run_one(ctfw, name, d, out):
    args = read_cmd(d, out)
    r = subprocess.run([ctfw] + args, cwd=d, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    with open(os.path.join(out, 'stdout'), 'wb') as f:
        f.write(r.stdout)
    with open(os.path.join(out, 'stderr'), 'wb') as f:
        f.write(r.stderr)
    with open(os.path.join(out, 'exit'), 'w') as f:
        f.write(f'{r.returncode}\n')
    return r


def main():
    ctfw = os.environ.get('CTFW')
    if ctfw:
        ctfw = os.path.abspath(ctfw)
    regen = None
    if len(sys.argv) > 2 and sys.argv[1] == '--regen':
        regen = sys.argv[2]
    if not ctfw or not os.access(ctfw, os.X_OK):
        print('1..0 # SKIP no ctfw binary (set CTFW)')
        return 0
    n = 0
    fails = 0
    for name, d in scenarios():
        if regen and name != regen:
            continue
        out = tempfile.mkdtemp(prefix=f'ctfw-scn-{name}-')
        try:
            r = run_one(ctfw, name, d, out)
            exp_dir = os.path.join(d, 'expected')
            if regen:
                for fn in sorted(os.listdir(exp_dir)):
                    new = os.path.join(out, fn)
                    old = os.path.join(exp_dir, fn)
                    if not os.path.exists(new):
                        continue
                    a = open(old, errors='replace').read().splitlines(1)
                    b = open(new, errors='replace').read().splitlines(1)
                    sys.stdout.writelines(difflib.unified_diff(
                        a, b, f'expected/{fn}', f'actual/{fn}'))
                    shutil.copy(new, old)
                continue
            for fn in sorted(os.listdir(exp_dir)):
                n += 1
                exp = open(os.path.join(exp_dir, fn), 'rb').read()
                path = os.path.join(out, fn)
                if not os.path.exists(path):
                    print(f'not ok {n} - {name}/{fn}: not produced')
                    fails += 1
                    continue
                got = open(path, 'rb').read()
                if got == exp:
                    print(f'ok {n} - {name}/{fn}')
                    continue
                fails += 1
                print(f'not ok {n} - {name}/{fn}')
                diff = difflib.unified_diff(
                    exp.decode(errors='replace').splitlines(1),
                    got.decode(errors='replace').splitlines(1),
                    'expected', 'actual')
                for line in list(diff)[:40]:
                    print('# ' + line.rstrip('\n'))
                if r.stderr:
                    for line in r.stderr.decode(errors='replace')\
                            .splitlines()[:10]:
                        print('# stderr: ' + line)
        finally:
            shutil.rmtree(out, ignore_errors=True)
    if not regen:
        print(f'1..{n}')
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
