// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Sysctl checks (SY2xx): 2.6-era names, conntrack settings that do not
 * survive a reload of nf_conntrack, nf_conntrack_max far above the hash
 * buckets, and the memory a full table takes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint_private.h"

struct sys_visit {
    struct ctfw_lint *l;
    int src;
    ctfw_sysctl_diag_fn diag;
    void *arg;
};

/* Errors go to the caller; the profile's warnings and notes about
 * 2.6-era names become SY201 findings instead. */
static void
on_diag(void *arg, const struct ctfw_sysctl_diag *d)
{
    struct sys_visit *v = arg;
    if (d->severity == CTFW_DIAG_ERROR && v->diag)
        v->diag(v->arg, d);
}

static void
on_line(void *arg, const struct ctfw_sysctl_line *ln)
{
    struct sys_visit *v = arg;
    struct ctfw_lint *l = v->l;
    if (ln->snapshot_only && v->src >= 0 && v->src < 64)
        l->snapshot[v->src] = true;
    if (l->n_sys == l->cap_sys) {
        size_t cap = l->cap_sys ? 2 * l->cap_sys : 16;
        struct lint_sysline *ns = realloc(l->sys, cap * sizeof(*ns));
        if (!ns) {
            l->oom = true;
            return;
        }
        l->sys = ns;
        l->cap_sys = cap;
    }
    struct lint_sysline *s = &l->sys[l->n_sys++];
    memset(s, 0, sizeof(*s));
    s->src = v->src;
    s->line = ln->line;
    s->kcol = ln->kcol;
    snprintf(s->key, sizeof(s->key), "%s", ln->key);
    if (ln->modern)
        snprintf(s->modern, sizeof(s->modern), "%s", ln->modern);
    s->id = ln->k ? (int)ln->k->id : -1;
    s->legacy = ln->legacy;
    s->applied = ln->rc == 0 && ln->k;
}

int
ctfw_lint_add_sysctl(struct ctfw_lint *l, const char *file, const char *text,
                     size_t len, ctfw_sysctl_diag_fn diag, void *arg)
{
    int src = lint_add_src(l, file, true, text, len);
    if (src < 0)
        return src;
    struct sys_visit v = {l, src, diag, arg};
    struct ctfw_sysctl_parse_params p = {
        .file = l->srcs[src].file,
        .diag = on_diag,
        .diag_arg = &v,
        .line = on_line,
        .line_arg = &v,
    };
    int errors = ctfw_sysctl_parse_ex(&l->sysctl, text, len, &p);
    l->have_sysctl = true;
    if (l->oom)
        return -ENOMEM;
    return errors;
}

/* Keys the nf_conntrack module registers (nf_conntrack_standalone.c):
 * they exist only while it is loaded and start from its defaults each
 * time it loads. nf_log_all_netns belongs to nf_log; ip_forward and
 * the others to the IP stack. */
static bool
module_key(const struct lint_sysline *s)
{
    if (s->legacy)
        return true;
    return s->id >= CTFW_SYSCTL_NF_CONNTRACK_MAX &&
           s->id <= CTFW_SYSCTL_NF_CONNTRACK_FRAG6_LOW_THRESH &&
           strcmp(s->key, "nf_conntrack.hashsize") &&
           !strstr(s->key, "parameters");
}

static const struct lint_sysline *
last_set(const struct ctfw_lint *l, enum ctfw_sysctl_id id)
{
    const struct lint_sysline *best = NULL;
    for (size_t i = 0; i < l->n_sys; i++)
        if (l->sys[i].id == (int)id && l->sys[i].applied)
            best = &l->sys[i];
    return best;
}

void
lint_check_sysctl(struct ctfw_lint *l)
{
    /* SY201: names that do not exist on 6.x (reference §6.1). */
    for (size_t i = 0; i < l->n_sys; i++) {
        const struct lint_sysline *s = &l->sys[i];
        if (!s->legacy)
            continue;
        char path[100];
        snprintf(path, sizeof(path), "%s", s->key);
        for (char *p = path; *p; p++)
            if (*p == '.')
                *p = '/';
        if (s->modern[0])
            lint_report(l, s->src, s->line, s->kcol, "SY201", NULL, NULL, 0,
                        "%s does not exist on Linux 6.x (sysctl: cannot "
                        "stat /proc/sys/%s): the setting is ignored; the "
                        "key is %s",
                        s->key, path, s->modern);
        else
            lint_report(l, s->src, s->line, s->kcol, "SY201", NULL, NULL, 0,
                        "%s does not exist on Linux 6.x (sysctl: cannot "
                        "stat /proc/sys/%s) and has no counterpart there: "
                        "the setting is ignored",
                        s->key, path);
    }

    /* SY202: once per file, at its first conntrack key; a `sysctl -a`
     * snapshot (it holds the read-only nf_conntrack_count) is not a
     * configuration and is skipped. */
    for (size_t f = 0; f < l->n_srcs; f++) {
        if (!l->srcs[f].sysctl || (f < 64 && l->snapshot[f]))
            continue;
        const struct lint_sysline *first = NULL;
        unsigned n = 0;
        for (size_t i = 0; i < l->n_sys; i++)
            if (l->sys[i].src == (int)f && module_key(&l->sys[i])) {
                if (!first)
                    first = &l->sys[i];
                n++;
            }
        if (!first)
            continue;
        lint_report(l, (int)f, first->line, first->kcol, "SY202", NULL, NULL,
                    0,
                    "%u conntrack setting%s in this file (%s%s) belong%s to "
                    "the nf_conntrack module: applied at boot only if it is "
                    "already loaded, and back to the defaults whenever it is "
                    "unloaded and loaded again (an iptables restart that "
                    "unloads modules)",
                    n, n == 1 ? "" : "s", first->key, n > 1 ? ", ..." : "",
                    n == 1 ? "s" : "");
    }

    int64_t max = ctfw_sysctl_get(&l->sysctl, CTFW_SYSCTL_NF_CONNTRACK_MAX);
    int64_t buckets =
        ctfw_sysctl_get(&l->sysctl, CTFW_SYSCTL_NF_CONNTRACK_BUCKETS);
    const struct lint_sysline *smax =
        last_set(l, CTFW_SYSCTL_NF_CONNTRACK_MAX);
    const struct lint_sysline *sbk =
        last_set(l, CTFW_SYSCTL_NF_CONNTRACK_BUCKETS);

    /* SY203: each entry sits on two hash chains (one per direction), so
     * a full table averages 2 x max / buckets nodes per chain
     * (reference §2.4, §10); 6.x's own ratio with hashsize= is 8. */
    if (max > 0 && buckets > 0 && max > 8 * buckets) {
        const struct lint_sysline *at = smax ? smax : sbk;
        if (at)
            lint_report(l, at->src, at->line, at->kcol, "SY203", NULL, NULL, 0,
                        "nf_conntrack_max %lld is %.1f times "
                        "nf_conntrack_buckets %lld: a full table averages "
                        "%.0f nodes per hash chain (two per entry); 6.x "
                        "itself sets max = 8 x hashsize, and insertions "
                        "fail past 50-79 nodes (chaintoolong); set "
                        "nf_conntrack_buckets to at least %lld",
                        (long long)max, (double)max / (double)buckets,
                        (long long)buckets,
                        2.0 * (double)max / (double)buckets,
                        (long long)((max / 8 + 511) / 512 * 512));
    }

    /* SY204: 300-350 B per entry (reference §10; the nf_conntrack slab
     * object alone is 256 B on 6.18, /proc/slabinfo) plus one 8-byte
     * list head per bucket. */
    double hash_mib = (double)buckets * 8.0 / 1048576.0;
    int src = smax ? smax->src : -1;
    unsigned line = smax ? smax->line : 0, col = smax ? smax->kcol : 0;
    if (src < 0)
        for (size_t f = 0; f < l->n_srcs && src < 0; f++)
            if (l->srcs[f].sysctl)
                src = (int)f;
    if (max == 0)
        lint_report(l, src, line, col, "SY204", NULL, NULL, 0,
                    "nf_conntrack_max 0 sets no limit: the table grows "
                    "until memory runs out (300-350 B per entry)");
    else
        lint_report(l, src, line, col, "SY204", NULL, NULL, 0,
                    "at nf_conntrack_max %lld%s a full table takes about "
                    "%.1f-%.1f MiB: 300-350 B per entry (reference §10) "
                    "plus %.1f MiB of hash buckets (8 B x %lld)",
                    (long long)max,
                    smax ? "" : " (the Linux 6.x default; not set here)",
                    (double)max * 300.0 / 1048576.0 + hash_mib,
                    (double)max * 350.0 / 1048576.0 + hash_mib, hash_mib,
                    (long long)buckets);
}
