#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ctfw replay --report and --openmetrics, checked from the outside.

One run of the real CLI on a generated web load (ctfw gen, fixed seed)
that fills a 64-entry table, under three scenarios and --causal, writing
the HTML report, the OpenMetrics file and the JSON. Then:

  html/*      the report as text: self-contained (no script, no external
              reference), the sections in the operator's order, the
              charts and tables present, every input text escaped
  browser/*   the report rendered by Debian's chromium, headless: it
              loads without console errors or failed loads, the DOM it
              built has the charts (svg with the entries, limit and
              state series) and the tables, and a screenshot is not
              blank. Skipped with the reason when chromium is absent.
  om/*        the OpenMetrics text against the format (OpenMetrics 1.0
              text exposition: # TYPE/# HELP before a family's samples,
              families contiguous, label escaping, timestamps in seconds
              non-decreasing per series, # EOF last) and node_exporter's
              names and types (reference/user-conventions.md §2.1: every
              conntrack metric a gauge), with the values a reasoned
              reader expects (the limit series equal each scenario's
              nf_conntrack_max, one sample per second of capture).
  timeline/*  --timeline changes no event of the run, and its state
              columns add up to its entries column.
  promtool/*  promtool tsdb create-blocks-from openmetrics loads it, and
              promtool tsdb dump shows the series back. Skipped with the
              reason when promtool (Debian: prometheus) is absent.

TAP on stdout. Usage: check_report.py (CTFW = the ctfw binary).
"""
import html.parser
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

SRC = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
INCIDENT = os.path.join(SRC, 'examples', 'incident')
EVIL = '<i>&"q\'x'      # a scenario name that must come out escaped

n = 0
fails = 0


def ok(cond, what, diag=None):
    global n, fails
    n += 1
    if cond:
        print(f'ok {n} - {what}')
    else:
        fails += 1
        print(f'not ok {n} - {what}')
        if diag:
            for line in str(diag).splitlines()[:15]:
                print('# ' + line)


def skip(what, why):
    global n
    n += 1
    print(f'ok {n} - {what} # SKIP {why}')


def pcap_span(path):
    """First and last timestamps (ns) of a pcap (either resolution)."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    nano = magic == 0xa1b23c4d
    assert magic in (0xa1b2c3d4, 0xa1b23c4d), hex(magic)
    off, first, last = 24, None, None
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack('<IIII', data[off:off + 16])
        t = sec * 10**9 + (frac if nano else frac * 1000)
        first = t if first is None else first
        last = t
        off += 16 + incl
    return first, last


class Dom(html.parser.HTMLParser):
    """Tags with their attributes, and the text, of an HTML document."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(text):
    d = Dom()
    d.feed(text)
    return d


def check_html(text, names):
    ok('<script' not in text.lower(), 'html/no-script')
    ext = re.findall(r'''(?:src|href)\s*=\s*["']?(?!#)([^"' >]+)''', text,
                     re.I)
    ok(not ext, 'html/no-external-reference', ext)
    ok('@import' not in text and 'url(' not in text, 'html/no-css-fetch')
    ids = [m for m in re.findall(r'id="([a-z]+)"', text)]
    order = ['verdict', 'whatif', 'occupancy', 'peak', 'rules', 'lint',
             'footer']
    pos = [ids.index(i) if i in ids else -1 for i in order]
    ok(-1 not in pos and pos == sorted(pos), 'html/sections-in-order',
       f'ids {ids}')
    d = parse(text)
    body = ''.join(d.text)
    ok('TABLE FULL: yes' in body, 'html/verdict-table-full')
    rows = [t for t in d.tags if t[0] == 'tr']
    ok(len([t for t in d.tags if t[0] == 'svg']) == len(names),
       'html/one-chart-per-scenario')
    series = [a.get('data-series') for t, a in d.tags if t == 'path']
    ok(series.count('limit') == len(names) and
       series.count('entries') == len(names), 'html/entries-and-limit-series')
    ok('ESTABLISHED' in series and 'TIME_WAIT' in series,
       'html/stacked-state-series')
    ok(any(t == 'rect' for t, a in d.tags), 'html/drops-marked')
    # The lint section holds ctfw lint's findings on the base inputs:
    # the incident's sysctl.conf uses only 2.6-era names (SY201 each, and
    # SY202 for the file: docs/lint.md); rules-baseline.v4 has none.
    at = text.find('id="lint"')
    lint = text[at:text.find('</section>', at)] if at >= 0 else ''
    ok('[SY201]' in lint and '[SY202]' in lint and 'not run' not in lint,
       'html/lint-findings', lint[:600])
    ok(re.search(r'[0-9a-f]{64}', body) is not None, 'html/sha256-in-footer')
    ok('never matched' in body, 'html/never-matched-marked')
    # Escaping: the evil name appears only escaped in the source, and
    # intact in the parsed text.
    ok(EVIL not in text and '&lt;i&gt;&amp;&quot;q&#39;x' in text and
       EVIL in body, 'html/escaped')
    return len(rows)


def png_not_blank(path):
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        return False
    off, idat = 8, b''
    while off < len(data):
        ln, typ = struct.unpack('>I4s', data[off:off + 8])
        if typ == b'IDAT':
            idat += data[off + 8:off + 8 + ln]
        off += 12 + ln
    raw = zlib.decompress(idat)
    return len(set(raw[:200000])) > 8


def check_browser(report, names, nrows, tmp):
    chromium = shutil.which('chromium')
    if not chromium:
        for what in ('browser/loads-without-errors', 'browser/charts',
                     'browser/tables', 'browser/screenshot'):
            skip(what, 'chromium not installed (Debian package chromium, '
                 'scripts/install-deps.sh)')
        return
    url = 'file://' + report
    base = [chromium, '--headless', '--disable-gpu', '--no-sandbox',
            '--enable-logging=stderr', '--v=0', '--user-data-dir=' +
            os.path.join(tmp, 'profile')]
    r = subprocess.run(base + ['--dump-dom', url], capture_output=True,
                       text=True, timeout=120)
    errs = [l for l in r.stderr.splitlines()
            if 'CONSOLE' in l or 'net::ERR' in l or 'Uncaught' in l]
    ok(r.returncode == 0 and not errs and '</html>' in r.stdout,
       'browser/loads-without-errors', '\n'.join(errs) or r.stderr[-800:])
    d = parse(r.stdout)
    svgs = [a for t, a in d.tags if t == 'svg']
    series = [a.get('data-series') for t, a in d.tags if t == 'path']
    ok(len(svgs) == len(names) and series.count('limit') == len(names) and
       'TIME_WAIT' in series, 'browser/charts',
       f'{len(svgs)} svg, series {sorted(set(map(str, series)))}')
    tables = [a.get('class') for t, a in d.tags if t == 'table']
    rows = len([1 for t, a in d.tags if t == 'tr'])
    ok({'whatif', 'states', 'rules', 'inputs'} <= set(tables) and
       rows == nrows, 'browser/tables', f'{tables} rows {rows}/{nrows}')
    shot = os.path.join(tmp, 'shot.png')
    subprocess.run(base + ['--hide-scrollbars', '--window-size=1200,2400',
                           '--screenshot=' + shot, url],
                   capture_output=True, timeout=120)
    ok(os.path.exists(shot) and png_not_blank(shot), 'browser/screenshot')


OM_SAMPLE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{scenario="((?:[^"\\\n]|\\[\\"n])*)"\} '
    r'(-?[0-9]+) ([0-9]+\.[0-9]{3})$')
GAUGES = ['node_nf_conntrack_entries', 'node_nf_conntrack_entries_limit',
          'node_nf_conntrack_stat_found', 'node_nf_conntrack_stat_invalid',
          'node_nf_conntrack_stat_insert',
          'node_nf_conntrack_stat_insert_failed',
          'node_nf_conntrack_stat_drop', 'node_nf_conntrack_stat_early_drop',
          'node_nf_conntrack_stat_search_restart']


def unescape(v):
    return re.sub(r'\\(.)', lambda m: '\n' if m.group(1) == 'n'
                  else m.group(1), v)


def check_om(text, limits, nsamples):
    lines = text.split('\n')
    ok(lines[-2:] == ['# EOF', ''] and text.count('# EOF') == 1,
       'om/ends-with-eof')
    fam, seen, bad, declared = None, [], [], {}
    series = {}
    for line in lines[:-2]:
        m = re.match(r'^# (TYPE|HELP) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$',
                     line)
        if m:
            if m.group(2) != fam:
                if m.group(2) in seen:
                    bad.append('family not contiguous: ' + line)
                fam = m.group(2)
                seen.append(fam)
            declared.setdefault(fam, {})[m.group(1)] = m.group(3)
            continue
        m = OM_SAMPLE.match(line)
        if not m or m.group(1) != fam or 'TYPE' not in declared.get(fam, {}):
            bad.append(line)
            continue
        key = (fam, unescape(m.group(2)))
        ts = float(m.group(4))
        if key in series and ts < series[key][-1][1]:
            bad.append('timestamp goes back: ' + line)
        series.setdefault(key, []).append((int(m.group(3)), ts))
    ok(not bad, 'om/grammar', '\n'.join(bad[:10]))
    ok(seen == GAUGES and all(declared[g].get('TYPE') == 'gauge'
                              for g in GAUGES), 'om/node-exporter-names',
       seen)
    ok(all(len(series.get((g, s), [])) == nsamples for g in GAUGES
           for s in limits), 'om/one-sample-per-second',
       {k: len(v) for k, v in series.items()})
    ok(all({v for v, t in series[('node_nf_conntrack_entries_limit', s)]}
           == {lim} for s, lim in limits.items()), 'om/limit-values')
    ok(all(v <= limits[s] for (g, s), vs in series.items()
           if g == 'node_nf_conntrack_entries' for v, t in vs) and
       max(v for v, t in series[('node_nf_conntrack_entries',
                                 'baseline')]) == limits['baseline'],
       'om/entries-within-limit-and-baseline-full')
    drops = [v for v, t in series[('node_nf_conntrack_stat_drop',
                                   'baseline')]]
    ok(drops == sorted(drops) and drops[-1] > 0, 'om/stat-drop-monotonic')
    return series


def check_promtool(om, limits, tmp):
    promtool = shutil.which('promtool')
    if not promtool:
        for what in ('promtool/create-blocks', 'promtool/dump'):
            skip(what, 'promtool not installed (Debian package prometheus, '
                 'scripts/install-deps.sh)')
        return
    db = os.path.join(tmp, 'tsdb')
    r = subprocess.run([promtool, 'tsdb', 'create-blocks-from',
                        'openmetrics', om, db], capture_output=True,
                       text=True, timeout=300)
    ok(r.returncode == 0, 'promtool/create-blocks', r.stdout + r.stderr)
    # promtool 2.42's dump opens the WAL too; blocks made offline have
    # none.
    os.makedirs(os.path.join(db, 'wal'), exist_ok=True)
    r = subprocess.run([promtool, 'tsdb', 'dump', db], capture_output=True,
                       text=True, timeout=300)
    got = {}
    for line in r.stdout.splitlines():
        m = re.match(r'^\{(.*)\} (\S+) (\d+)$', line)
        if m and '__name__="node_nf_conntrack_entries_limit"' in m.group(1):
            s = re.search(r'scenario="((?:[^"\\]|\\.)*)"', m.group(1))
            got.setdefault(unescape(s.group(1)), set()).add(
                float(m.group(2)))
    ok(r.returncode == 0 and got == {s: {float(v)} for s, v in
                                     limits.items()}, 'promtool/dump', got)


def check_timeline(ctfw, cap, tmp):
    """--timeline reads the per-state counters lib/ct keeps: it must not
    change the run (a listing would reap expired entries at every tick
    and move their DESTROY events), and its state columns must add up to
    its entries column."""
    base = [ctfw, 'replay', '-q', '-R',
            os.path.join(INCIDENT, 'rules-baseline.v4'), '-r', cap,
            '--iface', 'eth0=10.0.0.10/24', '--advance', '300',
            '--events', '-']
    a = subprocess.run(base, capture_output=True, text=True)
    csv = os.path.join(tmp, 'tl.csv')
    b = subprocess.run(base + ['--timeline', csv], capture_output=True,
                       text=True)
    ok(a.returncode == 0 and a.stdout == b.stdout and
       '[DESTROY]' in a.stdout, 'timeline/changes-nothing')
    rows = open(csv).read().splitlines()
    head = rows[0].split(',')
    states = head[3:head.index('new')]
    sums = all(int(r.split(',')[1]) ==
               sum(int(x) for x in r.split(',')[3:3 + len(states)])
               for r in rows[1:])
    ok(states[:2] == ['SYN_SENT', 'SYN_RECV'] and
       'UDP_UNREPLIED' in states and sums and len(rows) > 300,
       'timeline/states-add-up')


def main():
    ctfw = os.environ.get('CTFW')
    if not ctfw or not os.access(ctfw, os.X_OK):
        print('1..0 # SKIP no ctfw binary (set CTFW)')
        return 0
    tmp = tempfile.mkdtemp(prefix='ctfw-report-')
    try:
        cap = os.path.join(tmp, 'web.pcap')
        subprocess.run([ctfw, 'gen', '-w', cap, '-d', '8', '--seed', '7',
                        'web:rate=50,server=10.0.0.10:80,keepalive=2'],
                       check=True, capture_output=True)
        report = os.path.join(tmp, 'report.html')
        om = os.path.join(tmp, 'sim.om')
        names = ['baseline', 'bigger', 'notrack', EVIL]
        limits = {'baseline': 64, 'bigger': 4096, 'notrack': 64, EVIL: 128}
        r = subprocess.run(
            [ctfw, 'replay', '-q', '-R',
             os.path.join(INCIDENT, 'rules-baseline.v4'), '-r', cap,
             '--iface', 'eth0=10.0.0.10/24', '--route', 'default=eth0',
             '--set', 'net.netfilter.nf_conntrack_max=64',
             '-f', os.path.join(INCIDENT, 'sysctl.conf'),
             '--scenario', 'baseline', '--scenario', 'bigger:max=4096',
             '--scenario', 'notrack:rules=' +
             os.path.join(INCIDENT, 'rules.v4'),
             '--scenario', EVIL + ':max=128', '--causal',
             '--report', report, '--openmetrics', om],
            capture_output=True, text=True)
        ok(r.returncode == 0, 'replay-runs', r.stderr)
        if r.returncode:
            print(f'1..{n}')
            return 1
        text = open(report, encoding='utf-8').read()
        nrows = check_html(text, names)
        check_browser(report, names, nrows, tmp)
        first, last = pcap_span(cap)
        # Ticks at first + k s for every k with first + k <= last.
        nsamples = (last - first) // 10**9 + 1
        check_om(open(om).read(), limits, nsamples)
        check_promtool(om, limits, tmp)
        check_timeline(ctfw, cap, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'1..{n}')
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
