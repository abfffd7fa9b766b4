#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Whole restore files against what the real iptables-restore -c 1.8.9
did with them (tests/golden/rules/files/NAME.expected, written by
tests/golden/regen-rules.sh; legacy_NAME: iptables-legacy-restore and
-save in a fresh namespace, compared with `save --legacy`): same exit
status, same stderr text (ctfw
prints it after its own located diagnostics), and, when accepted, the
same "iptables-save -c" text. TAP on stdout.
"""
import glob
import os
import subprocess
import sys

CTFW = os.environ.get('CTFW', 'build/cli/ctfw')


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.environ.get('CTFW_SRC', '.'), 'tests', 'golden', 'rules', 'files')
    n = 0
    for path in sorted(glob.glob(os.path.join(d, '*.rules'))):
        exp_path = path[:-len('.rules')] + '.expected'
        if not os.path.exists(exp_path):
            continue
        text = open(exp_path).read()
        head, rest = text.split('\n--- stderr\n', 1)
        want_err, want_save = rest.split('--- save\n', 1)
        want_rc = int(head.split('=')[1])
        want_err = want_err.rstrip('\n')
        name = os.path.basename(path)
        args = [CTFW, 'rules', 'save', '-R', path, '--restore', '-c',
                '--no-date']
        if name.startswith('ip6_'):
            args.append('-6')
        if name.startswith('legacy_'):
            args.append('--legacy')   # iptables-legacy-save order
        r = subprocess.run(args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True,
                           errors='replace')
        err = ''
        lines = r.stderr.splitlines()
        for i, l in enumerate(lines):
            if l.endswith(' would print:'):
                err = '\n'.join(lines[i + 1:])
        checks = [('exit status', r.returncode, want_rc),
                  ('iptables text', err, want_err)]
        if want_rc == 0:
            checks.append(('save -c', r.stdout, want_save))
        for what, got, want in checks:
            n += 1
            if got == want:
                print(f'ok {n} - {name}: {what}')
            else:
                print(f'not ok {n} - {name}: {what}')
                print(f'# got  {got!r}'[:400])
                print(f'# want {want!r}'[:400])
    print(f'1..{n}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
