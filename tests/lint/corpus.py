#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run `ctfw lint` over the real-world rulesets of $CTFW_CORPUS/rulesets
(never copied into the repository) and check that it behaves: no crash,
exit 0 with no output or 1 with findings, every line in the documented
form `FILE:LINE[:COL]: SEVERITY: MESSAGE [ID]` with a known ID, and exit
2 only for a file that `ctfw rules check` refuses as IPv4 and as IPv6
(an IPv6 file is linted with -6). Prints TAP, one point per file, and
the count of findings per ID as a comment.
"""
import collections
import os
import re
import subprocess
import sys

CTFW = os.environ.get('CTFW', 'build/cli/ctfw')
LINE = re.compile(r'^.+?(:\d+(:\d+)?)?: (error|warning|note): .+ '
                  r'\[([A-Z]{2}\d{3})\]$')


def files(root):
    out = []
    for d, _, fs in os.walk(root):
        for f in fs:
            if f in ('LICENSE', 'README', 'README.md'):
                continue
            out.append(os.path.join(d, f))
    return sorted(out)


def run(args):
    r = subprocess.run([CTFW] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return r.returncode, r.stdout.decode('utf-8', 'replace')


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.environ.get('CTFW_CORPUS', '../shared/corpus'), 'rulesets')
    if not os.path.isdir(root):
        print('1..0 # SKIP corpus not found: ' + root)
        return 0
    known = set(l.split()[0] for l in
                run(['lint', '--list'])[1].splitlines() if l.strip())
    ids = collections.Counter()
    codes = collections.Counter()
    paths = files(root)
    for n, p in enumerate(paths, 1):
        name = os.path.relpath(p, root)
        rc, out = run(['lint', '-R', p])
        fam = '-R'
        if rc == 2:
            rc6, out6 = run(['lint', '-6', p])
            if rc6 != 2:
                rc, out, fam = rc6, out6, '-6'
        bad = None
        lines = out.splitlines()
        if rc < 0 or rc > 2:
            bad = f'exit {rc}'
        elif rc == 2:
            if (run(['rules', 'check', '-R', p])[0] == 0 or
                    run(['rules', 'check', '-6', '-R', p])[0] == 0):
                bad = 'lint refuses a file that rules check accepts'
        elif (rc == 1) != bool(lines):
            bad = f'exit {rc} with {len(lines)} lines of output'
        for l in lines:
            m = LINE.match(l)
            if not m or m.group(4) not in known:
                bad = 'malformed line: ' + l[:200]
                break
            ids[m.group(4)] += 1
        codes[rc] += 1
        if bad:
            print(f'not ok {n} - {name}')
            print('# ' + bad)
        else:
            print(f'ok {n} - {name} (lint {fam}: exit {rc}, '
                  f'{len(lines)} findings)')
    print('# exit status: ' + ', '.join(f'{k}: {v} files'
                                        for k, v in sorted(codes.items())))
    print('# findings: ' + (', '.join(f'{k} {v}' for k, v in
                                      sorted(ids.items())) or 'none'))
    print(f'1..{len(paths)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
