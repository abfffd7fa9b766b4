#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Golden tests of `ctfw lint` (tests/lint/).

Each case is an input file in this folder: NAME.v4 (lint -R), NAME.v6
(lint -6), NAME.sh (lint -R, a script of iptables commands), NAME.conf
(lint --sysctl), or NAME.case (no input of its own: the arguments say
everything). Its header comments give the rest:

    # lint-args: EXTRA ARGUMENTS   (optional; paths relative to here)
    # lint-exit: N                 (the expected exit status)

NAME.out is the expected standard output, written by hand from the
rule of each finding (docs/lint.md); a JSON one is compared as JSON.
NAME.err, when present, is the expected standard error (parse errors:
iptables' own words, recorded from iptables-restore 1.8.9). Every case
runs from this folder, so file names print as given.

NAME.test, when present, is a witness: a `ctfw test` file whose packets
show on ctfw's simulated kernel (the pipeline the oracle checks against
Linux) what the finding claims, with expectations taken from the
reference; it must pass (one more point).

Also: --help, --list and usage errors (exit 2). TAP on stdout, one
point per case.
"""
import glob
import json
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CTFW = os.path.abspath(os.environ.get('CTFW', 'build/cli/ctfw'))
KIND = {'.v4': ['-R'], '.v6': ['-6'], '.sh': ['-R'], '.conf': ['--sysctl'],
        '.case': []}


def header(path):
    args, code = [], None
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.startswith('# lint-args:'):
                args = shlex.split(line.split(':', 1)[1])
            elif line.startswith('# lint-exit:'):
                code = int(line.split(':', 1)[1])
    return args, code


def run(args):
    r = subprocess.run([CTFW, 'lint'] + args, cwd=HERE,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return (r.returncode, r.stdout.decode('utf-8', 'replace'),
            r.stderr.decode('utf-8', 'replace'))


def same_output(got, want, is_json):
    if not is_json:
        return got == want
    try:
        return json.loads(got) == json.loads(want)
    except ValueError:
        return False


def golden(n, path):
    name = os.path.basename(path)
    stem, ext = os.path.splitext(name)
    args, code = header(path)
    argv = KIND[ext] + ([name] if ext != '.case' else []) + args
    rc, out, err = run(argv)
    bad = []
    if code is None:
        bad.append('no "# lint-exit:" line')
    elif rc != code:
        bad.append(f'exit {rc}, want {code}')
    if rc < 0:
        bad.append(f'killed by signal {-rc}')
    want_out = os.path.join(HERE, stem + '.out')
    if not os.path.exists(want_out):
        bad.append('no ' + stem + '.out')
    else:
        with open(want_out, encoding='utf-8') as f:
            want = f.read()
        if not same_output(out, want, '--format=json' in args):
            bad.append('stdout differs')
            for a, b in zip(out.splitlines() + ['<none>'] * 50,
                            want.splitlines() + ['<none>'] * 50):
                if a != b:
                    bad.append(f'got:  {a}')
                    bad.append(f'want: {b}')
                    break
    want_err = os.path.join(HERE, stem + '.err')
    if os.path.exists(want_err):
        with open(want_err, encoding='utf-8') as f:
            if err != f.read():
                bad.append('stderr differs: ' + err.replace('\n', ' | '))
    if bad:
        print(f'not ok {n} - {name}')
        for b in bad:
            print('# ' + b)
        return False
    print(f'ok {n} - {name}')
    return True


def cli_checks(n):
    """(description, argv, expected exit, text stdout must hold)."""
    cases = [
        ('--help', ['--help'], 0, 'Usage: ctfw lint'),
        ('--list names every check', ['--list'], 0, 'CT101 warning'),
        ('no input is a usage error', [], 2, ''),
        ('unknown severity', ['--severity=info', '-R', 'CT101-neg.v4'], 2,
         ''),
        ('unknown format', ['--format=xml', '-R', 'CT101-neg.v4'], 2, ''),
        ('missing file', ['-R', 'no-such-file.v4'], 2, ''),
        ('stray argument', ['-R', 'CT101-neg.v4', 'extra'], 2, ''),
    ]
    results = []
    for desc, argv, code, text in cases:
        n += 1
        rc, out, err = run(argv)
        ok = rc == code and text in out
        print(f'{"ok" if ok else "not ok"} {n} - lint {desc}')
        if not ok:
            print(f'# exit {rc}, want {code}; stderr: {err.strip()[:200]}')
        results.append(ok)
    return n, results


def main():
    paths = sorted(p for p in glob.glob(os.path.join(HERE, '*'))
                   if os.path.splitext(p)[1] in KIND)
    n = 0
    fails = 0
    for p in paths:
        n += 1
        if not golden(n, p):
            fails += 1
    for p in sorted(glob.glob(os.path.join(HERE, '*.test'))):
        n += 1
        name = os.path.basename(p)
        r = subprocess.run([CTFW, 'test', name], cwd=HERE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode == 0:
            print(f'ok {n} - witness {name}')
        else:
            fails += 1
            print(f'not ok {n} - witness {name}')
            for l in (r.stdout + r.stderr).decode('utf-8',
                                                  'replace').splitlines():
                print('# ' + l)
    n, res = cli_checks(n)
    fails += res.count(False)
    print(f'# lint golden cases {len(paths)}, cli checks {len(res)}, '
          f'failed {fails}')
    print(f'1..{n}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
