// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The lint context: inputs, the registry of checks, findings, and the
 * `ctfw-lint:` comments that disable them.
 *
 * Suppression comments (docs/lint.md):
 *
 *     # ctfw-lint: disable=CT101,RU301     the next line that is not a
 *                                          comment or blank
 *     # ctfw-lint: disable-file=SY204      the whole file
 *     -A INPUT ... -m comment --comment "ctfw-lint: disable=RU301" ...
 *                                          the rule's own line
 *
 * A comment line is one whose first non-blank byte is '#' (or ';' in a
 * sysctl file): iptables-restore takes '#' only in the first byte, shell
 * and sysctl.conf(5) allow blanks before it. The -m comment form stays
 * with the rule through iptables-save, where '#' lines are lost.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lint_private.h"

static const struct ctfw_lint_check checks[] = {
    {"CT101", CTFW_DIAG_WARNING,
     "NOTRACK traffic that no filter rule accepts as UNTRACKED"},
    {"CT102", CTFW_DIAG_WARNING,
     "NOTRACK in one direction only: the replies are still tracked"},
    {"CT103", CTFW_DIAG_WARNING,
     "NOTRACK for lo in PREROUTING only: loopback is tracked in OUTPUT"},
    {"SY201", CTFW_DIAG_WARNING,
     "2.6-era ip_conntrack sysctl name that Linux 6.x does not have"},
    {"SY202", CTFW_DIAG_WARNING,
     "conntrack sysctls in a sysctl file: lost when the module reloads"},
    {"SY203", CTFW_DIAG_WARNING,
     "nf_conntrack_max more than 8 times nf_conntrack_buckets"},
    {"SY204", CTFW_DIAG_NOTE,
     "memory a full conntrack table takes at nf_conntrack_max"},
    {"RU301", CTFW_DIAG_WARNING,
     "rule shadowed by an earlier rule that takes all its packets"},
    {"RU302", CTFW_DIAG_WARNING,
     "rules after an unconditional ACCEPT, DROP, REJECT, RETURN or goto"},
    {"RU303", CTFW_DIAG_NOTE, "user chain that no reachable rule jumps to"},
};

#define N_CHECKS (sizeof(checks) / sizeof(checks[0]))

const struct ctfw_lint_check *
ctfw_lint_check_get(size_t i)
{
    return i < N_CHECKS ? &checks[i] : NULL;
}

const struct ctfw_lint_check *
ctfw_lint_check_find(const char *id)
{
    for (size_t i = 0; i < N_CHECKS; i++)
        if (!strcasecmp(checks[i].id, id))
            return &checks[i];
    return NULL;
}

const char *
ctfw_lint_severity_name(enum ctfw_diag_severity s)
{
    switch (s) {
    case CTFW_DIAG_ERROR:
        return "error";
    case CTFW_DIAG_WARNING:
        return "warning";
    case CTFW_DIAG_NOTE:
        return "note";
    }
    return "note";
}

struct ctfw_lint *
ctfw_lint_new(void)
{
    struct ctfw_lint *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    ctfw_sysctl_init(&l->sysctl);
    l->rs_src[0] = l->rs_src[1] = -1;
    return l;
}

void
ctfw_lint_free(struct ctfw_lint *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n_srcs; i++) {
        free(l->srcs[i].file);
        free(l->srcs[i].supp);
    }
    free(l->srcs);
    for (size_t i = 0; i < l->n_recs; i++)
        free(l->recs[i].message);
    free(l->recs);
    free(l->sys);
    free(l);
}

/* ------------------------------------------------------------------ */
/* Suppression comments.                                               */

static void
supp_add(struct ctfw_lint *l, struct lint_src *s, unsigned line,
         const char *id, size_t n)
{
    if (!n || n >= sizeof(s->supp[0].id))
        return; /* not an identifier we could have issued */
    if (s->n_supp == s->cap_supp) {
        size_t cap = s->cap_supp ? 2 * s->cap_supp : 8;
        struct lint_supp *ns = realloc(s->supp, cap * sizeof(*ns));
        if (!ns) {
            l->oom = true;
            return;
        }
        s->supp = ns;
        s->cap_supp = cap;
    }
    s->supp[s->n_supp].line = line;
    memcpy(s->supp[s->n_supp].id, id, n);
    s->supp[s->n_supp].id[n] = '\0';
    s->n_supp++;
}

/* Parse the directives after "ctfw-lint:" in [p, end). */
static void
supp_directives(struct ctfw_lint *l, struct lint_src *s, const char *p,
                const char *end, unsigned next_line, unsigned this_line)
{
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        const char *w = p;
        while (p < end && *p != ' ' && *p != '\t' && *p != '"' && *p != '\'')
            p++;
        size_t wl = (size_t)(p - w);
        unsigned line;
        const char *ids;
        if (wl > 13 && !strncmp(w, "disable-file=", 13)) {
            line = 0;
            ids = w + 13;
        } else if (wl > 8 && !strncmp(w, "disable=", 8)) {
            line = next_line ? next_line : this_line;
            ids = w + 8;
        } else {
            if (p < end && (*p == '"' || *p == '\''))
                p++;
            continue;
        }
        while (ids < p) {
            const char *c = ids;
            while (c < p && *c != ',')
                c++;
            supp_add(l, s, line, ids, (size_t)(c - ids));
            ids = c < p ? c + 1 : c;
        }
        if (p < end && (*p == '"' || *p == '\''))
            p++;
    }
}

static bool
is_comment_line(const char *p, const char *end, bool sysctl)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p < end && (*p == '#' || (sysctl && *p == ';'));
}

static bool
is_blank_line(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    return p == end;
}

static const char *
find_in(const char *p, const char *end, const char *needle)
{
    size_t n = strlen(needle);
    for (; p + n <= end; p++)
        if (!memcmp(p, needle, n))
            return p;
    return NULL;
}

/*
 * Collect the directives of a file. A '#' line's "disable=" applies to
 * the next line that is neither blank nor a comment; one inside a rule
 * (its -m comment text) to that line itself.
 */
static void
scan_suppressions(struct ctfw_lint *l, struct lint_src *s, const char *text,
                  size_t len)
{
    /* Start offsets of lines are needed to look ahead. */
    unsigned pending[64];
    size_t n_pending = 0;
    const char *end = text + len;
    unsigned lineno = 0;
    for (const char *p = text; p < end;) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        lineno++;
        bool comment = is_comment_line(p, e, s->sysctl);
        if (!comment && !is_blank_line(p, e)) {
            /* Directives waiting for this line. */
            for (size_t i = 0; i < n_pending; i++)
                for (size_t k = 0; k < s->n_supp; k++)
                    if (s->supp[k].line == pending[i] + 1000000u)
                        s->supp[k].line = lineno;
            n_pending = 0;
        }
        const char *d = find_in(p, e, "ctfw-lint:");
        if (d) {
            if (comment) {
                /* Mark with a placeholder line until the next one. */
                size_t before = s->n_supp;
                supp_directives(l, s, d + 10, e, 0, 0);
                bool waits = false;
                for (size_t k = before; k < s->n_supp; k++)
                    if (s->supp[k].line) {
                        s->supp[k].line = lineno + 1000000u;
                        waits = true;
                    }
                if (waits && n_pending < 64)
                    pending[n_pending++] = lineno;
            } else {
                supp_directives(l, s, d + 10, e, lineno, lineno);
            }
        }
        p = e < end ? e + 1 : e;
    }
    /* Directives at the end of the file apply to nothing. */
    for (size_t k = 0; k < s->n_supp; k++)
        if (s->supp[k].line >= 1000000u)
            s->supp[k].line = ~0u;
}

static bool
suppressed(const struct lint_src *s, unsigned line, const char *id)
{
    for (size_t k = 0; k < s->n_supp; k++) {
        const struct lint_supp *x = &s->supp[k];
        if ((x->line == 0 || (line && x->line == line)) &&
            (!strcasecmp(x->id, id) || !strcasecmp(x->id, "all")))
            return true;
    }
    return false;
}

int
lint_add_src(struct ctfw_lint *l, const char *file, bool sysctl,
             const char *text, size_t len)
{
    if (l->n_srcs == l->cap_srcs) {
        size_t cap = l->cap_srcs ? 2 * l->cap_srcs : 4;
        struct lint_src *ns = realloc(l->srcs, cap * sizeof(*ns));
        if (!ns)
            return -ENOMEM;
        l->srcs = ns;
        l->cap_srcs = cap;
    }
    struct lint_src *s = &l->srcs[l->n_srcs];
    memset(s, 0, sizeof(*s));
    s->file = strdup(file ? file : "-");
    if (!s->file)
        return -ENOMEM;
    s->sysctl = sysctl;
    l->n_srcs++;
    scan_suppressions(l, s, text ? text : "", text ? len : 0);
    return l->oom ? -ENOMEM : (int)(l->n_srcs - 1);
}

int
ctfw_lint_add_rules(struct ctfw_lint *l, const struct ctfw_ruleset *rs,
                    const char *file, const char *text, size_t len)
{
    int fam = ctfw_rules_family(rs) == CTFW_RULES_IPV6 ? 1 : 0;
    if (l->rs[fam])
        return -EEXIST;
    int src = lint_add_src(l, file, false, text, len);
    if (src < 0)
        return src;
    l->rs[fam] = rs;
    l->rs_src[fam] = src;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Findings.                                                           */

void
lint_report(struct ctfw_lint *l, int src, unsigned line, unsigned col,
            const char *id, const char *table, const char *chain,
            unsigned related, const char *fmt, ...)
{
    const struct ctfw_lint_check *c = ctfw_lint_check_find(id);
    if (!c || src < 0 || (size_t)src >= l->n_srcs)
        return;
    if (suppressed(&l->srcs[src], line, id)) {
        l->suppressed++;
        return;
    }
    if (l->n_recs == l->cap_recs) {
        size_t cap = l->cap_recs ? 2 * l->cap_recs : 16;
        struct lint_rec *nr = realloc(l->recs, cap * sizeof(*nr));
        if (!nr) {
            l->oom = true;
            return;
        }
        l->recs = nr;
        l->cap_recs = cap;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct lint_rec *r = &l->recs[l->n_recs];
    memset(r, 0, sizeof(*r));
    r->message = strdup(msg);
    if (!r->message) {
        l->oom = true;
        return;
    }
    r->src = src;
    r->pub.id = c->id;
    r->pub.severity = c->severity;
    r->pub.line = line;
    r->pub.col = col;
    r->pub.table = table;
    r->pub.chain = chain;
    r->pub.related_line = related;
    l->n_recs++;
}

static int
cmp_rec(const void *x, const void *y)
{
    const struct lint_rec *a = x, *b = y;
    if (a->src != b->src)
        return a->src < b->src ? -1 : 1;
    if (a->pub.line != b->pub.line)
        return a->pub.line < b->pub.line ? -1 : 1;
    if (a->pub.col != b->pub.col)
        return a->pub.col < b->pub.col ? -1 : 1;
    int c = strcmp(a->pub.id, b->pub.id);
    if (c)
        return c;
    return strcmp(a->message, b->message);
}

int
ctfw_lint_run(struct ctfw_lint *l)
{
    for (int fam = 0; fam < 2; fam++) {
        if (!l->rs[fam])
            continue;
        lint_check_conntrack(l, fam);
        lint_check_structure(l, fam);
    }
    if (l->have_sysctl)
        lint_check_sysctl(l);
    if (l->n_recs)
        qsort(l->recs, l->n_recs, sizeof(*l->recs), cmp_rec);
    for (size_t i = 0; i < l->n_recs; i++) {
        l->recs[i].pub.file = l->srcs[l->recs[i].src].file;
        l->recs[i].pub.message = l->recs[i].message;
    }
    return l->oom ? -ENOMEM : 0;
}

size_t
ctfw_lint_count(const struct ctfw_lint *l)
{
    return l->n_recs;
}

const struct ctfw_lint_finding *
ctfw_lint_get(const struct ctfw_lint *l, size_t i)
{
    return i < l->n_recs ? &l->recs[i].pub : NULL;
}

size_t
ctfw_lint_suppressed(const struct ctfw_lint *l)
{
    return l->suppressed;
}
