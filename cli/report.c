// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctfw replay --report FILE.html: one self-contained HTML file (inline
 * CSS and SVG; no script, no external fetch), in the order an operator
 * reads it (reference/user-conventions.md §3.1): the verdict line, the
 * what-if table, conntrack occupancy over time (entries by state
 * stacked, the limit as a dashed line, drops marked), the table at the
 * peak (states, top sources, top destination ports), the rule counters
 * with never-matched rules marked, lint findings, and a footer with the
 * inputs (name, size, sha256), the version and the settings in force.
 *
 * The SVG is written here with printf, as systemd-analyze plot does
 * (DESIGN.md: SVG and JSON writers are ours). Every text that comes
 * from an input (names, paths, rule text, addresses) is escaped.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "cli.h"
#include "ctfw_config.h"
#include "io/capture.h"
#include "replay.h"

int
report_sha256(const char *path, char hex[65], uint64_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    static uint8_t buf[1 << 16];
    uint64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = -errno;
            close(fd);
            return e;
        }
        if (n == 0)
            break;
        sha256_update(&ctx, (size_t)n, buf);
        total += (uint64_t)n;
    }
    close(fd);
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof(d), d);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    *size = total;
    return 0;
}

/* HTML text and attribute escaping. */
static void
esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* 1234567 -> "1,234,567" (human mode, §3.2). */
static const char *
thousands(uint64_t v, char *buf, size_t len)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < len; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
    return buf;
}

/* "12:03:41.221 UTC (T+252.133 s)" for an instant on the capture clock. */
static void
when(FILE *f, uint64_t t, uint64_t t0)
{
    time_t sec = (time_t)(t / 1000000000u);
    struct tm tm;
    char hms[32] = "?";
    if (gmtime_r(&sec, &tm))
        strftime(hms, sizeof(hms), "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(f, "%s.%03u UTC (T+%.3f s)", hms,
            (unsigned)(t % 1000000000u / 1000000u), (double)(t - t0) / 1e9);
}

static uint32_t
limit_of(const struct replay *r)
{
    struct ctfw_ct *ct = ctfw_pipeline_conntrack(r->pl);
    return ct ? ctfw_ct_get_config(ct)->max : 0;
}

static const char css[] =
    ":root{--fg:#1d2125;--bg:#fff;--mut:#5c6670;--line:#d5d9dd;"
    "--bad:#c62828;--ok:#2e7d32;--warn:#b26a00;--hl:#fff4d6}\n"
    "@media (prefers-color-scheme:dark){:root{--fg:#e3e6e8;--bg:#15181b;"
    "--mut:#9aa4ad;--line:#39414a;--hl:#3a3320}}\n"
    "body{font:14px/1.45 system-ui,sans-serif;color:var(--fg);"
    "background:var(--bg);margin:1.5em auto;max-width:1100px;"
    "padding:0 1em}\n"
    "h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;"
    "border-bottom:1px solid var(--line);padding-bottom:.2em;"
    "margin-top:1.6em}\n"
    ".verdict{font-size:1.15em;font-weight:600;padding:.6em .8em;"
    "border-left:6px solid var(--ok)}\n"
    ".verdict.bad{border-color:var(--bad)}\n"
    "table{border-collapse:collapse;margin:.4em 0}\n"
    "th,td{border:1px solid var(--line);padding:.25em .6em;"
    "text-align:right;vertical-align:top}\n"
    "th{background:rgba(127,127,127,.12)}\n"
    "td{white-space:nowrap}td.l,td.rule{white-space:normal}\n"
    "td.l,th.l{text-align:left}td.rule{font-family:monospace;"
    "text-align:left;white-space:pre-wrap}\n"
    "tr.never td{color:var(--mut)}.tag{font-size:.8em;padding:0 .4em;"
    "border:1px solid var(--warn);color:var(--warn);border-radius:3px}\n"
    "td.best{background:var(--hl);font-weight:600}\n"
    "td.bad{color:var(--bad);font-weight:600}td.warn{color:var(--warn)}\n"
    "code.spec{font-size:.8em;color:var(--mut);word-break:break-all}\n"
    "table.whatif td.l{max-width:20em}\n"
    ".mut{color:var(--mut)}code{font-size:.95em}\n"
    ".cols{display:flex;flex-wrap:wrap;gap:2em}\n"
    "svg{max-width:100%;height:auto}svg text{fill:var(--fg);"
    "font:11px system-ui,sans-serif}\n"
    "footer{margin-top:2em;border-top:1px solid var(--line);"
    "font-size:.9em}\n"
    "@media print{body{max-width:none}.verdict{border-width:3px}}\n";

/* Colours of the stacked classes (TCP states, then the others). */
static const char *
class_colour(int c)
{
    static const char *const col[CTFW_CT_CLASS_COUNT] = {
        "#999999", /* NONE */
        "#f2b134", /* SYN_SENT */
        "#e8912d", /* SYN_RECV */
        "#3d7ebf", /* ESTABLISHED */
        "#7e57c2", /* FIN_WAIT */
        "#ab47bc", /* CLOSE_WAIT */
        "#8d6e63", /* LAST_ACK */
        "#26a69a", /* TIME_WAIT */
        "#78909c", /* CLOSE */
        "#f06292", /* SYN_SENT2 */
        "#9ccc65", /* UDP_UNREPLIED */
        "#558b2f", /* UDP_REPLIED */
        "#ffca28", /* ICMP_UNREPLIED */
        "#ff8f00", /* ICMP_REPLIED */
        "#bdbdbd", /* OTHER_UNREPLIED */
        "#757575", /* OTHER_REPLIED */
    };
    return col[c];
}

/* ---- Sections ----------------------------------------------------------- */

static void
verdict(FILE *f, const struct replay *r)
{
    char a[32], b[32], c[32];
    uint32_t max = limit_of(r);
    if (!ctfw_pipeline_conntrack_on(r->pl)) {
        fprintf(f, "<p class=\"verdict%s\" id=\"verdict\">TABLE FULL: no "
                   "&mdash; connection tracking is off (no rule needs it)",
                r->n_drop ? " bad" : "");
        if (r->n_drop)
            fprintf(f, ", %s packets dropped (by rules: %s)",
                    thousands(r->n_drop, a, sizeof(a)),
                    thousands(whatif_rule_drops(r), b, sizeof(b)));
    } else if (r->table_full_count) {
        fprintf(f, "<p class=\"verdict bad\" id=\"verdict\">TABLE FULL: "
                   "yes &mdash; first at ");
        when(f, r->table_full_first_ns, r->first_ts);
        fprintf(f, ", %s packets dropped by conntrack, peak %s/%s",
                thousands(r->drops[CTFW_DROP_CT_TABLE_FULL], a, sizeof(a)),
                thousands(r->ct_peak, b, sizeof(b)),
                thousands(max, c, sizeof(c)));
    } else {
        fprintf(f, "<p class=\"verdict%s\" id=\"verdict\">TABLE FULL: no "
                   "&mdash; peak %s/%s (%.1f%%)",
                r->n_drop ? " bad" : "", thousands(r->ct_peak, a, sizeof(a)),
                thousands(max, b, sizeof(b)),
                max ? 100.0 * r->ct_peak / max : 0.0);
        if (r->alert75) {
            fputs(", the 75&nbsp;% alert would fire at ", f);
            when(f, r->alert75_ns, r->first_ts);
        }
        if (r->n_drop)
            fprintf(f, ", %s packets dropped (by rules: %s)",
                    thousands(r->n_drop, a, sizeof(a)),
                    thousands(whatif_rule_drops(r), b, sizeof(b)));
    }
    fputs(" <span class=\"mut\">(scenario ", f);
    esc(f, r->name);
    fputs(")</span></p>\n", f);
}

static void
whatif_table(FILE *f, struct replay *const *runs, size_t n, bool causal)
{
    fputs("<section id=\"whatif\"><h2>What-if runs</h2>\n"
          "<table class=\"whatif\"><tr><th class=\"l\">scenario</th>"
          "<th>peak entries</th><th>limit</th><th>peak %</th>"
          "<th>75&nbsp;% alert</th><th>table full</th>"
          "<th>conntrack drops</th><th>early drops</th>"
          "<th>connections refused</th><th>dropped by rules</th>",
          f);
    if (causal)
        fputs("<th>phantom packets</th>", f);
    fputs("</tr>\n", f);
    /* The best (lowest) value of the drop columns is highlighted. */
    uint64_t best[4] = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX};
    for (size_t i = 0; i < n; i++) {
        uint64_t v[4] = {runs[i]->drops[CTFW_DROP_CT_TABLE_FULL],
                         runs[i]->early_drops, runs[i]->refused,
                         whatif_rule_drops(runs[i])};
        for (int k = 0; k < 4; k++)
            if (v[k] < best[k])
                best[k] = v[k];
    }
    for (size_t i = 0; i < n; i++) {
        const struct replay *r = runs[i];
        uint32_t max = limit_of(r);
        char a[32];
        fputs("<tr><td class=\"l\">", f);
        esc(f, r->name);
        /* The settings, without the name already shown. */
        const char *set = r->spec;
        size_t nl = strlen(r->name);
        if (set && !strncmp(set, r->name, nl) && set[nl] == ':')
            set += nl + 1;
        else if (set && !strcmp(set, r->name))
            set = NULL;
        if (set && *set) {
            fputs("<br><code class=\"spec\">", f);
            esc(f, set);
            fputs("</code>", f);
        }
        fprintf(f, "</td><td>%s</td>", thousands(r->ct_peak, a, sizeof(a)));
        fprintf(f, "<td>%s</td><td>%.1f</td>", thousands(max, a, sizeof(a)),
                max ? 100.0 * r->ct_peak / max : 0.0);
        if (r->alert75)
            fprintf(f, "<td>T+%.3f&nbsp;s</td>",
                    (double)(r->alert75_ns - r->first_ts) / 1e9);
        else
            fputs("<td>&mdash;</td>", f);
        if (r->filled)
            fprintf(f, "<td>T+%.3f&nbsp;s</td>",
                    (double)(r->filled_ns - r->first_ts) / 1e9);
        else
            fputs("<td>&mdash;</td>", f);
        uint64_t v[4] = {r->drops[CTFW_DROP_CT_TABLE_FULL], r->early_drops,
                         r->refused, whatif_rule_drops(r)};
        for (int k = 0; k < 4; k++)
            fprintf(f, "<td%s>%s</td>",
                    n > 1 && v[k] == best[k] ? " class=\"best\"" : "",
                    thousands(v[k], a, sizeof(a)));
        if (causal)
            fprintf(f, "<td>%s</td>", thousands(r->phantom, a, sizeof(a)));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<p class=\"mut\">75&nbsp;% alert: the first instant "
          "entries/limit &gt; 0.75 (node-mixin's "
          "NodeHighNumberConntrackEntriesUsed); table full: entries reached "
          "the limit; conntrack drops: packets dropped because the table was "
          "full; connections refused: capture-side connections whose opening "
          "packet was dropped, by any cause, and never got through "
          "(docs/replay.md). The lowest drop figures are highlighted.</p>"
          "</section>\n",
          f);
}

/* One occupancy chart: entries by class stacked, the limit dashed,
 * buckets with drops marked below the axis. */
#define CW 960
#define CH 300
#define ML 64
#define MR 16
#define MT 16
#define MB 54
#define MAXPTS 480

static void
chart(FILE *f, const struct replay *r, size_t idx)
{
    size_t ns = r->n_samples;
    if (ns == 0) {
        fputs("<p class=\"mut\">No samples (empty capture).</p>\n", f);
        return;
    }
    /* Buckets: at most MAXPTS; each keeps the sample with the most
     * entries (a one-second spike never disappears, §3.2) and the drops
     * counted in it. */
    size_t nb = ns < MAXPTS ? ns : MAXPTS;
    struct bucket {
        const struct replay_sample *s;
        uint64_t drops, ct_drops;
    } *b = calloc(nb, sizeof(*b));
    if (!b)
        return;
    uint64_t prev_drops = 0, prev_ct = 0;
    for (size_t i = 0; i < ns; i++) {
        size_t k = i * nb / ns;
        const struct replay_sample *s = &r->samples[i];
        if (!b[k].s || s->entries > b[k].s->entries)
            b[k].s = s;
        b[k].drops += s->drops - prev_drops;
        b[k].ct_drops += s->ct_drops - prev_ct;
        prev_drops = s->drops;
        prev_ct = s->ct_drops;
    }
    uint32_t ymax = 1;
    bool used[CTFW_CT_CLASS_COUNT] = {false};
    for (size_t i = 0; i < ns; i++) {
        const struct replay_sample *s = &r->samples[i];
        if (s->entries > ymax)
            ymax = s->entries;
        if (s->limit > ymax)
            ymax = s->limit;
        for (int c = 0; c < CTFW_CT_CLASS_COUNT; c++)
            if (s->by_class[c])
                used[c] = true;
    }
    /* A round top for the y axis. */
    uint64_t step = 1;
    while (step * 5 < ymax)
        step *= 10;
    uint64_t top = ((uint64_t)ymax * 105 / 100 / step + 1) * step;
    double pw = CW - ML - MR, ph = CH - MT - MB;
    uint64_t t0 = r->samples[0].t_ns, t1 = r->samples[ns - 1].t_ns;
    double span = t1 > t0 ? (double)(t1 - t0) : 1.0;
#define X(t) (ML + pw * ((double)((t) - t0) / span))
#define Y(v) (MT + ph - ph * ((double)(v) / (double)top))
    fprintf(f, "<figure><svg class=\"occupancy\" id=\"occupancy-%zu\" "
               "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
               "aria-label=\"conntrack occupancy of ",
            idx, CW, CH, CW, CH);
    esc(f, r->name);
    fputs("\">\n", f);
    /* Grid and y labels. */
    for (uint64_t v = 0; v <= top; v += top / 5 ? top / 5 : 1) {
        char a[32];
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                   "stroke=\"#8884\"/>"
                   "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                ML, CW - MR, Y(v), Y(v), ML - 6, Y(v) + 4,
                thousands(v, a, sizeof(a)));
    }
    /* x labels: six, in seconds from the first packet. */
    for (int i = 0; i <= 5; i++) {
        double t = span * i / 5;
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">"
                   "T+%.0f s</text>\n",
                ML + pw * i / 5, CH - MB + 16,
                i == 0 ? "start" : i == 5 ? "end" : "middle", t / 1e9);
    }
    /* Stacked areas, bottom class first. */
    uint64_t *base = calloc(nb, sizeof(*base));
    if (!base) {
        free(b);
        return;
    }
    for (int c = 1; c < CTFW_CT_CLASS_COUNT; c++) {
        if (!used[c])
            continue;
        fprintf(f, "<path class=\"series\" data-series=\"%s\" fill=\"%s\" "
                   "fill-opacity=\"0.85\" stroke=\"none\" d=\"",
                ctfw_ct_class_name((enum ctfw_ct_class)c), class_colour(c));
        for (size_t k = 0; k < nb; k++) {
            if (!b[k].s)
                continue;
            fprintf(f, "%c%.1f %.1f ", k ? 'L' : 'M', X(b[k].s->t_ns),
                    Y(base[k] + b[k].s->by_class[c]));
        }
        for (size_t k = nb; k-- > 0;) {
            if (!b[k].s)
                continue;
            fprintf(f, "L%.1f %.1f ", X(b[k].s->t_ns), Y(base[k]));
        }
        fprintf(f, "Z\"><title>%s</title></path>\n",
                ctfw_ct_class_name((enum ctfw_ct_class)c));
        for (size_t k = 0; k < nb; k++)
            if (b[k].s)
                base[k] += b[k].s->by_class[c];
    }
    free(base);
    /* Entries (the total) as a line, the limit dashed (Grafana's NF
     * conntrack panel, §2.3). */
    fputs("<path class=\"series\" data-series=\"entries\" fill=\"none\" "
          "stroke=\"#1f4e79\" stroke-width=\"1.5\" d=\"",
          f);
    for (size_t k = 0, first = 1; k < nb; k++) {
        if (!b[k].s)
            continue;
        fprintf(f, "%c%.1f %.1f ", first ? 'M' : 'L', X(b[k].s->t_ns),
                Y(b[k].s->entries));
        first = 0;
    }
    fputs("\"><title>entries</title></path>\n", f);
    fputs("<path class=\"series\" data-series=\"limit\" fill=\"none\" "
          "stroke=\"#EA4747\" stroke-width=\"2\" stroke-dasharray=\"8 5\" "
          "d=\"",
          f);
    for (size_t k = 0, first = 1; k < nb; k++) {
        if (!b[k].s)
            continue;
        fprintf(f, "%c%.1f %.1f ", first ? 'M' : 'L', X(b[k].s->t_ns),
                Y(b[k].s->limit));
        first = 0;
    }
    fprintf(f, "\"><title>limit (nf_conntrack_max) %u</title></path>\n",
            r->samples[ns - 1].limit);
    /* Drops: a red mark under the axis for each bucket that had any. */
    fputs("<g class=\"drops\" data-series=\"drops\">", f);
    for (size_t k = 0; k < nb; k++) {
        if (!b[k].s || !b[k].drops)
            continue;
        double x = X(b[k].s->t_ns);
        fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"8\" "
                   "fill=\"#c62828\"><title>T+%.3f s: %" PRIu64
                   " packets dropped (%" PRIu64 " table full)</title></rect>",
                x - 1.5, CH - MB + 24, 3.0,
                (double)(b[k].s->t_ns - t0) / 1e9, b[k].drops,
                b[k].ct_drops);
    }
    fputs("</g>\n", f);
    fprintf(f, "<text x=\"%d\" y=\"%d\">drops</text>\n", 4, CH - MB + 32);
    fputs("</svg>\n<figcaption>", f);
    /* Legend. */
    for (int c = 1; c < CTFW_CT_CLASS_COUNT; c++) {
        if (!used[c])
            continue;
        fprintf(f, "<span style=\"display:inline-block;width:.9em;"
                   "height:.9em;background:%s\"></span> %s &nbsp; ",
                class_colour(c), ctfw_ct_class_name((enum ctfw_ct_class)c));
    }
    fputs("<span style=\"color:#EA4747\">- - limit</span> &nbsp; "
          "<span style=\"color:#c62828\">&#9646; drops</span>"
          "</figcaption></figure>\n",
          f);
    free(b);
#undef X
#undef Y
}

static void
occupancy(FILE *f, struct replay *const *runs, size_t n)
{
    fputs("<section id=\"occupancy\"><h2>Conntrack occupancy over time"
          "</h2>\n",
          f);
    for (size_t i = 0; i < n; i++) {
        fputs("<h3>", f);
        esc(f, runs[i]->name);
        fprintf(f, "</h3>\n");
        chart(f, runs[i], i);
    }
    fprintf(f, "<p class=\"mut\">Sampled every %.3f s of capture time; "
               "entries by state are stacked (the counters of the table, "
               "expired entries included until the gc reaps them, as "
               "nf_conntrack_count).</p></section>\n",
            (double)runs[0]->interval_ns / 1e9);
}

static void
top_table(FILE *f, const char *title, const char *col,
          const struct replay_top *t, unsigned n, uint32_t total)
{
    fprintf(f, "<table class=\"top\"><tr><th class=\"l\">%s</th>"
               "<th>entries</th><th>%%</th></tr>\n",
            col);
    char a[32];
    for (unsigned i = 0; i < n; i++) {
        fputs("<tr><td class=\"l\">", f);
        esc(f, t[i].label);
        double pct = total ? 100.0 * t[i].count / total : 0.0;
        if (pct > 0 && pct < 0.1)
            fprintf(f, "</td><td>%s</td><td>&lt;0.1</td></tr>\n",
                    thousands(t[i].count, a, sizeof(a)));
        else
            fprintf(f, "</td><td>%s</td><td>%.1f</td></tr>\n",
                    thousands(t[i].count, a, sizeof(a)), pct);
    }
    fprintf(f, "</table><!-- %s -->\n", title);
}

static void
at_peak(FILE *f, const struct replay *r)
{
    const struct replay_peak *pk = &r->peak;
    fputs("<section id=\"peak\"><h2>The table at the peak</h2>\n", f);
    if (!pk->entries) {
        fputs("<p class=\"mut\">The table stayed empty.</p></section>\n", f);
        return;
    }
    char a[32];
    fprintf(f, "<p>Scenario <b>");
    esc(f, r->name);
    fprintf(f, "</b>: %s entries at ", thousands(pk->entries, a, sizeof(a)));
    when(f, pk->t_ns, r->first_ts);
    fputs(" (the sample with the most entries).</p>\n<div class=\"cols\">"
          "<div><h3>By state</h3><table class=\"states\"><tr>"
          "<th class=\"l\">state</th><th>entries</th><th>%</th></tr>\n",
          f);
    for (int c = 1; c < CTFW_CT_CLASS_COUNT; c++) {
        if (!pk->by_class[c])
            continue;
        fprintf(f, "<tr><td class=\"l\"><span style=\"color:%s\">&#9632;"
                   "</span> %s</td><td>%s</td><td>%.1f</td></tr>\n",
                class_colour(c), ctfw_ct_class_name((enum ctfw_ct_class)c),
                thousands(pk->by_class[c], a, sizeof(a)),
                100.0 * pk->by_class[c] / pk->entries);
    }
    fputs("</table></div><div><h3>Top sources</h3>\n", f);
    top_table(f, "sources", "source (original direction)", pk->src,
              pk->n_src, pk->entries);
    fputs("</div><div><h3>Top destination ports</h3>\n", f);
    top_table(f, "ports", "protocol/port", pk->dport, pk->n_dport,
              pk->entries);
    fputs("</div><div><h3>Rules that created them</h3>\n", f);
    top_table(f, "rules", "rule that accepted the first packet", pk->rule,
              pk->n_rule, pk->entries);
    fputs("</div><div><h3>Top source prefixes</h3>\n", f);
    top_table(f, "prefixes", "source /24 (IPv6 /64)", pk->prefix,
              pk->n_prefix, pk->entries);
    fputs("</div></div></section>\n", f);
}

static void
rel_cell(FILE *f, bool set, uint64_t t, uint64_t t0)
{
    if (set)
        fprintf(f, "<td>T+%.3f&nbsp;s</td>", (double)(t - t0) / 1e9);
    else
        fputs("<td>&mdash;</td>", f);
}

/* Attribution and table-full policies (docs/policies.md): per scenario,
 * the policy, the legitimate connections served, the alerts, what was
 * evicted and why, why packets were INVALID or refused by a policy. */
static void
attribution(FILE *f, struct replay *const *runs, size_t n)
{
    char a[32];
    fputs("<section id=\"attribution\"><h2>Who paid: policies, evictions, "
          "INVALID packets</h2>\n<table class=\"whatif\"><tr>"
          "<th class=\"l\">scenario</th><th class=\"l\">policy</th>"
          "<th>legitimate connections</th><th>served</th><th>refused</th>"
          "<th>95&nbsp;% alert</th><th>early_drop</th><th>gc_evict</th>"
          "<th>by the policy</th>"
          "<th class=\"l\">conntrack reasons</th></tr>\n",
          f);
    for (size_t i = 0; i < n; i++) {
        const struct replay *r = runs[i];
        struct ctfw_ct *ct = ctfw_pipeline_conntrack(r->pl);
        char pn[80];
        ctfw_policy_config_name(&r->pol_cfg, pn, sizeof(pn));
        fputs("<tr><td class=\"l\">", f);
        esc(f, r->name);
        fputs("</td><td class=\"l\">", f);
        esc(f, r->pol_cfg.flags ? pn : "Linux (none)");
        fprintf(f, "</td><td>%s</td>", thousands(r->legit, a, sizeof(a)));
        fprintf(f, "<td>%s</td>",
                thousands(r->legit - r->legit_refused, a, sizeof(a)));
        fprintf(f, "<td%s>%s</td>", r->legit_refused ? " class=\"bad\"" : "",
                thousands(r->legit_refused, a, sizeof(a)));
        rel_cell(f, r->alert95, r->alert95_ns, r->first_ts);
        fprintf(f, "<td>%s</td>",
                thousands(r->evicted_by[CTFW_CT_DESTROY_EARLY_DROP], a,
                          sizeof(a)));
        fprintf(f, "<td>%s</td>",
                thousands(r->evicted_by[CTFW_CT_DESTROY_GC_EVICT], a,
                          sizeof(a)));
        fprintf(f, "<td>%s</td><td class=\"l\">",
                thousands(r->evicted_by[CTFW_CT_DESTROY_POLICY], a,
                          sizeof(a)));
        bool any = false;
        for (int k = 1; ct && k < CTFW_CT_R_COUNT; k++) {
            uint64_t c = ctfw_ct_reason_count(ct, (enum ctfw_ct_reason)k);
            if (!c)
                continue;
            fprintf(f, "%s<code>%s</code>&nbsp;%s", any ? ", " : "",
                    ctfw_ct_reason_name((enum ctfw_ct_reason)k),
                    thousands(c, a, sizeof(a)));
            any = true;
        }
        fputs(any ? "</td></tr>\n" : "&mdash;</td></tr>\n", f);
    }
    fputs("</table>\n<p class=\"mut\">Legitimate connections are "
          "defined by the capture alone: a TCP connection whose client "
          "answered the SYN-ACK (spoofed sources never do), another "
          "protocol's whose responder answered; refused: every opening "
          "attempt dropped in that scenario. 95&nbsp;% alert: the first "
          "instant entries/limit &gt; 0.95 (where the gc worker's early-drop "
          "mode works). early_drop: entries evicted by a new one "
          "(non-ASSURED, near its bucket); gc_evict: by the gc's early-drop "
          "mode; killed by the policy: overload flush, per-source "
          "connection limits. Conntrack reasons: lib/ct's reason for every "
          "INVALID or dropped packet, and the policies' own "
          "(docs/policies.md).</p></section>\n",
          f);
}

/* Rule counters from iptables-save -c text: "[p:b] -A CHAIN ...". */
static void
rule_counters(FILE *f, const struct replay *r)
{
    fputs("<section id=\"rules\"><h2>Rule counters</h2>\n<p>Scenario <b>",
          f);
    esc(f, r->name);
    fputs("</b>, as <code>iptables-save -c</code> would print them at the "
          "end; rules that never matched are marked.</p>\n"
          "<table class=\"rules\"><tr><th class=\"l\">table</th>"
          "<th class=\"l\">chain</th><th>#</th><th>packets</th>"
          "<th>bytes</th><th class=\"l\">rule</th></tr>\n",
          f);
    const struct ctfw_ruleset *sets[2] = {r->rs4, r->rs6};
    unsigned never = 0;
    for (int i = 0; i < 2; i++) {
        if (!sets[i])
            continue;
        char *text;
        size_t len;
        struct ctfw_rules_save_params sp = {.counters = true};
        if (ctfw_rules_save(sets[i], &sp, &text, &len) < 0)
            continue;
        char table[32] = "";
        char chain[64] = "";
        unsigned num = 0;
        for (char *line = text, *nl; line && *line; line = nl) {
            nl = strchr(line, '\n');
            if (nl)
                *nl++ = '\0';
            if (line[0] == '*') {
                snprintf(table, sizeof(table), "%s", line + 1);
                continue;
            }
            if (line[0] == ':') {
                /* ":INPUT DROP [p:b]": a built-in chain's policy. */
                char name[64], pol[16];
                uint64_t p, by;
                if (sscanf(line, ":%63s %15s [%" SCNu64 ":%" SCNu64 "]",
                           name, pol, &p, &by) == 4 && strcmp(pol, "-")) {
                    char a[32], b2[32];
                    fputs("<tr class=\"policy\"><td class=\"l\">", f);
                    esc(f, table);
                    fputs("</td><td class=\"l\">", f);
                    esc(f, name);
                    fprintf(f, "</td><td>policy</td><td>%s</td><td>%s</td>"
                               "<td class=\"rule\">",
                            thousands(p, a, sizeof(a)),
                            thousands(by, b2, sizeof(b2)));
                    esc(f, pol);
                    fputs("</td></tr>\n", f);
                }
                continue;
            }
            uint64_t p, by;
            int off = 0;
            if (line[0] != '[' ||
                sscanf(line, "[%" SCNu64 ":%" SCNu64 "] %n", &p, &by,
                       &off) != 2 || !off)
                continue;
            const char *rule = line + off;
            char ch[64] = "";
            sscanf(rule, "-A %63s", ch);
            if (strcmp(ch, chain)) {
                snprintf(chain, sizeof(chain), "%s", ch);
                num = 0;
            }
            num++;
            char a[32], b2[32];
            fprintf(f, "<tr%s><td class=\"l\">", p ? "" : " class=\"never\"");
            esc(f, table);
            fputs("</td><td class=\"l\">", f);
            esc(f, chain);
            fprintf(f, "</td><td>%u</td><td>%s</td><td>%s</td>"
                       "<td class=\"rule\">",
                    num, thousands(p, a, sizeof(a)),
                    thousands(by, b2, sizeof(b2)));
            esc(f, rule);
            if (!p) {
                fputs(" <span class=\"tag\">never matched</span>", f);
                never++;
            }
            fputs("</td></tr>\n", f);
        }
        free(text);
    }
    fprintf(f, "</table>\n<p class=\"mut\">%u rule%s never matched.</p>"
               "</section>\n",
            never, never == 1 ? "" : "s");
}

/* Lint findings: the caller hands the lines `ctfw lint` printed
 * (in->lint_lines); without them the section says "lint: not run". */
static void
lint_section(FILE *f, const struct replay_inputs *in)
{
    fputs("<section id=\"lint\"><h2>Lint findings</h2>\n", f);
    if (!in->lint_lines) {
        fputs("<p class=\"mut\">lint: not run</p></section>\n", f);
        return;
    }
    if (!in->n_lint_lines) {
        fputs("<p>No finding.</p></section>\n", f);
        return;
    }
    fputs("<table class=\"lint\">\n", f);
    for (size_t i = 0; i < in->n_lint_lines; i++) {
        const char *l = in->lint_lines[i];
        const char *cls = strstr(l, ": error: ")     ? "bad"
                          : strstr(l, ": warning: ") ? "warn"
                                                     : "";
        fprintf(f, "<tr><td class=\"rule %s\">", cls);
        esc(f, l);
        fputs("</td></tr>\n", f);
    }
    fputs("</table></section>\n", f);
}

static void
footer_input(FILE *f, const char *what, const char *path)
{
    fprintf(f, "<tr><td class=\"l\">%s</td><td class=\"l\"><code>", what);
    esc(f, path);
    fputs("</code></td>", f);
    char hex[65];
    uint64_t size;
    if (!strcmp(path, "-")) {
        fputs("<td>&mdash;</td><td class=\"l\">standard input (not "
              "hashed)</td></tr>\n",
              f);
        return;
    }
    int rc = report_sha256(path, hex, &size);
    if (rc < 0) {
        fprintf(f, "<td>&mdash;</td><td class=\"l\">%s</td></tr>\n",
                strerror(-rc));
        return;
    }
    char a[32];
    fprintf(f, "<td>%s</td><td class=\"l\"><code>%s</code></td></tr>\n",
            thousands(size, a, sizeof(a)), hex);
}

static void
settings(FILE *f, const struct replay *r)
{
    bool any = false;
    fputs("<tr><td class=\"l\">", f);
    esc(f, r->name);
    fputs("</td><td class=\"l\">", f);
    for (int id = 0; id < CTFW_SYSCTL_COUNT; id++) {
        const struct ctfw_sysctl_key *k =
            ctfw_sysctl_key((enum ctfw_sysctl_id)id);
        if (!k || (!r->sys.set[id] && r->sys.val[id] == k->def))
            continue;
        fputs(any ? "<br>" : "", f);
        fputs("<code>", f);
        esc(f, k->name);
        fprintf(f, " = %" PRId64 "</code>", r->sys.val[id]);
        any = true;
    }
    if (!any)
        fputs("<span class=\"mut\">the 6.x defaults</span>", f);
    fputs("</td><td class=\"l\"><code>", f);
    esc(f, r->rules4_path ? r->rules4_path : "-");
    if (r->rules6_path) {
        fputs("</code>, <code>", f);
        esc(f, r->rules6_path);
    }
    fputs("</code></td></tr>\n", f);
}

static void
footer(FILE *f, struct replay *const *runs, size_t n,
       const struct replay_inputs *in)
{
    fputs("<footer id=\"footer\"><h2>Inputs and settings</h2>\n"
          "<table class=\"inputs\"><tr><th class=\"l\">input</th>"
          "<th class=\"l\">name</th><th>bytes</th><th class=\"l\">sha256"
          "</th></tr>\n",
          f);
    for (size_t i = 0; i < in->n_captures; i++)
        footer_input(f, "capture", in->captures[i]);
    /* Every rules file of every run, once. */
    for (size_t i = 0; i < n; i++) {
        const char *p[2] = {runs[i]->rules4_path, runs[i]->rules6_path};
        for (int k = 0; k < 2; k++) {
            if (!p[k])
                continue;
            bool seen = false;
            for (size_t j = 0; j < i && !seen; j++)
                seen = (runs[j]->rules4_path &&
                        !strcmp(runs[j]->rules4_path, p[k])) ||
                       (runs[j]->rules6_path &&
                        !strcmp(runs[j]->rules6_path, p[k]));
            if (k == 1 && runs[i]->rules4_path &&
                !strcmp(runs[i]->rules4_path, p[k]))
                seen = true;
            if (!seen)
                footer_input(f, k ? "rules (IPv6)" : "rules (IPv4)", p[k]);
        }
    }
    for (size_t i = 0; i < in->n_sysctl_files; i++)
        footer_input(f, "sysctl", in->sysctl_files[i]);
    /* The scenarios' sysctl=FILE settings ("@FILE"), once each. */
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < runs[i]->n_sets; k++) {
            const char *p = runs[i]->sets[k];
            bool seen = p[0] != '@';
            for (size_t j = 0; j <= i && !seen; j++)
                for (size_t m = 0; m < (j < i ? runs[j]->n_sets : k); m++)
                    if (!strcmp(runs[j]->sets[m], p))
                        seen = true;
            if (!seen)
                footer_input(f, "sysctl (scenario)", p + 1);
        }
    fputs("</table>\n<h3>Settings in force</h3>\n<table class=\"settings\">"
          "<tr><th class=\"l\">scenario</th><th class=\"l\">sysctls that "
          "differ from the Linux 6.x defaults</th><th class=\"l\">rules"
          "</th></tr>\n",
          f);
    for (size_t i = 0; i < n; i++)
        settings(f, runs[i]);
    fputs("</table>\n<p>Command: <code>ctfw", f);
    for (int i = 1; i < in->argc; i++) {
        fputc(' ', f);
        esc(f, in->argv[i]);
    }
    fprintf(f, "</code><br>ctfw v%s (", CTFW_VERSION);
    esc(f, ctfw_io_pcap_version());
    fprintf(f, "); kernel profile Linux 6.x; capture from ");
    when(f, runs[0]->first_ts, runs[0]->first_ts);
    fprintf(f, " to ");
    when(f, runs[0]->last_ts, runs[0]->first_ts);
    if (in->advance_ns)
        fprintf(f, ", clock advanced %.3f s past the last packet",
                (double)in->advance_ns / 1e9);
    fprintf(f, "%s.</p></footer>\n",
            in->causal ? "; --causal: packets of refused connections not "
                         "evaluated"
                       : "");
}

int
report_html(FILE *f, struct replay *const *runs, size_t n,
            const struct replay_inputs *in)
{
    const struct replay *r = runs[0];
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "\n<meta name=\"viewport\" content=\"width=device-width, "
          "initial-scale=1\">\n<title>ctfw replay: ",
          f);
    esc(f, in->n_captures ? in->captures[0] : "");
    fprintf(f, "</title>\n<style>\n%s</style></head>\n<body>\n", css);
    fputs("<header><h1>ctfw replay report: <code>", f);
    esc(f, in->n_captures ? in->captures[0] : "");
    fputs("</code></h1>\n", f);
    verdict(f, r);
    fputs("</header>\n", f);
    whatif_table(f, runs, n, in->causal);
    occupancy(f, runs, n);
    at_peak(f, r);
    attribution(f, runs, n);
    rule_counters(f, r);
    lint_section(f, in);
    footer(f, runs, n, in);
    fputs("</body></html>\n", f);
    return ferror(f) ? -EIO : 0;
}
