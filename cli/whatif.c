// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctfw replay --scenario: what-if runs of one capture.
 *
 *   --scenario NAME                      the base settings, named
 *   --scenario 'NAME:SETTING[,SETTING]...'
 *   --scenario 'SETTING[,SETTING]...'    named by its own text
 *
 * SETTING is KEY=VALUE (a sysctl, applied after -f and --set: a short
 * name such as max, buckets or tcp_timeout_established stands for
 * net.netfilter.nf_conntrack_<name>, nf_conntrack_<x> for
 * net.netfilter.nf_conntrack_<x>, hashsize for nf_conntrack.hashsize,
 * and any dotted or slashed key is taken as sysctl(8) takes it),
 * rules=FILE or rules6=FILE (the rules of this run instead of -R / -6),
 * rules+=FILE or rules6+=FILE (applied on top of them, as running FILE
 * after them), or sysctl=FILE (a sysctl.conf after the base ones).
 *
 * The side-by-side table and the JSON array are written from the runs'
 * counters; the definitions of the columns are in docs/replay.md.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "replay.h"

/* Keep s (NULL: out of memory) among the run's strings. */
static char *
own(struct replay *r, char *s)
{
    char **v = s ? realloc(r->owned, (r->n_owned + 1) * sizeof(*v)) : NULL;
    if (!v) {
        free(s);
        cli_error("out of memory");
        return NULL;
    }
    r->owned = v;
    r->owned[r->n_owned++] = s;
    return s;
}

static int
add_set(struct replay *r, char *s)
{
    if (!own(r, s))
        return -1;
    char **v = realloc(r->sets, (r->n_sets + 1) * sizeof(*v));
    if (!v) {
        cli_error("out of memory");
        return -1;
    }
    r->sets = v;
    r->sets[r->n_sets++] = s;
    return 0;
}

/* a + the blen bytes at b + c, on the heap. */
static char *
cat3(const char *a, const char *b, size_t blen, const char *c)
{
    size_t la = strlen(a), lc = strlen(c);
    char *s = malloc(la + blen + lc + 1);
    if (!s)
        return NULL;
    memcpy(s, a, la);
    memcpy(s + la, b, blen);
    memcpy(s + la + blen, c, lc + 1);
    return s;
}

/* One SETTING (len bytes at p). */
static int
parse_setting(struct replay *r, const char *p, size_t len)
{
    const char *eq = memchr(p, '=', len);
    if (!eq || eq == p) {
        cli_usage_error("replay", "--scenario '%s': '%.*s' is not "
                        "KEY=VALUE, rules=FILE or sysctl=FILE",
                        r->spec, (int)len, p);
        return -1;
    }
    size_t klen = (size_t)(eq - p);
    const char *val = eq + 1;
    size_t vlen = len - klen - 1;
    {
        /* A table-full policy's setting (docs/policies.md). */
        char k[64], v[512], err[256];
        if (klen < sizeof(k) && vlen < sizeof(v)) {
            memcpy(k, p, klen);
            k[klen] = '\0';
            memcpy(v, val, vlen);
            v[vlen] = '\0';
            int pr = ctfw_policy_config_set(&r->pol_cfg, k, v, err,
                                            sizeof(err));
            if (pr < 0) {
                cli_usage_error("replay", "--scenario '%s': %s", r->spec,
                                err);
                return -1;
            }
            if (pr > 0)
                return 0;
        }
    }
    bool extra = klen > 1 && p[klen - 1] == '+';
    if (extra)
        klen--;
    bool is_rules = klen == 5 && !memcmp(p, "rules", 5);
    bool is_rules6 = klen == 6 && !memcmp(p, "rules6", 6);
    bool is_sysctl = klen == 6 && !memcmp(p, "sysctl", 6);
    if ((is_rules || is_rules6 || is_sysctl) && !vlen) {
        cli_usage_error("replay", "--scenario '%s': empty file name",
                        r->spec);
        return -1;
    }
    if (extra && !is_rules && !is_rules6) {
        cli_usage_error("replay", "--scenario '%s': only rules+= and "
                        "rules6+= add to something", r->spec);
        return -1;
    }
    if (is_rules || is_rules6) {
        char *path = own(r, cat3("", val, vlen, ""));
        if (!path)
            return -1;
        if (extra && is_rules)
            r->rules4_extra = path;
        else if (extra)
            r->rules6_extra = path;
        else if (is_rules)
            r->rules4_path = path;
        else
            r->rules6_path = path;
        return 0;
    }
    if (is_sysctl)
        return add_set(r, cat3("@", val, vlen, ""));
    char key[256];
    if (klen >= sizeof(key)) {
        cli_usage_error("replay", "--scenario '%s': key too long", r->spec);
        return -1;
    }
    memcpy(key, p, klen);
    key[klen] = '\0';
    const char *prefix = "net.netfilter.nf_conntrack_";
    if (strchr(key, '.') || strchr(key, '/'))
        prefix = "";
    else if (!strcmp(key, "hashsize"))
        prefix = "nf_conntrack.";
    else if (!strncmp(key, "nf_conntrack_", 13))
        prefix = "net.netfilter.";
    char full[320];
    snprintf(full, sizeof(full), "%s%s=", prefix, key);
    return add_set(r, cat3(full, val, vlen, ""));
}

int
whatif_parse(struct replay *r, const char *spec)
{
    r->spec = spec;
    ctfw_policy_config_init(&r->pol_cfg);
    const char *colon = strchr(spec, ':');
    const char *settings = spec;
    if (colon && !memchr(spec, '=', (size_t)(colon - spec)) &&
        !memchr(spec, '/', (size_t)(colon - spec))) {
        r->name = own(r, cat3("", spec, (size_t)(colon - spec), ""));
        if (!r->name)
            return -1;
        settings = colon + 1;
    } else if (!strchr(spec, '=')) {
        r->name = spec;
        settings = spec + strlen(spec);
    } else {
        r->name = spec;
    }
    if (!*r->name) {
        cli_usage_error("replay", "--scenario '%s': empty name", spec);
        return -1;
    }
    const char *p = settings;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len && parse_setting(r, p, len) < 0)
            return -1;
        p += len;
        if (*p == ',')
            p++;
    }
    char err[256];
    if (r->pol_cfg.flags &&
        ctfw_policy_config_check(&r->pol_cfg, err, sizeof(err)) < 0) {
        cli_usage_error("replay", "--scenario '%s': %s", spec, err);
        return -1;
    }
    return 0;
}

void
whatif_free(struct replay *r)
{
    ctfw_policy_free(r->pol);
    r->pol = NULL;
    for (size_t i = 0; i < r->n_owned; i++)
        free(r->owned[i]);
    free(r->owned);
    free(r->sets);
    r->owned = r->sets = NULL;
    r->n_sets = r->n_owned = 0;
}

uint64_t
whatif_rule_drops(const struct replay *r)
{
    return r->drops[CTFW_DROP_RULE] + r->drops[CTFW_DROP_POLICY];
}

static uint32_t
run_limit(const struct replay *r)
{
    struct ctfw_ct *ct = ctfw_pipeline_conntrack(r->pl);
    return ct ? ctfw_ct_get_config(ct)->max : 0;
}

static void
fmt_time(char *buf, size_t len, bool set, uint64_t t, uint64_t t0)
{
    if (!set)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "+%.3fs", (double)(t - t0) / 1e9);
}

#define NCOL 11

void
whatif_print_table(FILE *f, struct replay *const *runs, size_t n,
                   bool causal)
{
    static const char *const head[NCOL] = {
        "scenario", "peak", "limit", "peak%", "75% alert", "table full",
        "ct drops", "early drops", "refused", "rule drops", "phantom"};
    size_t ncol = causal ? NCOL : NCOL - 1;
    char (*cell)[NCOL][48] = calloc(n ? n : 1, sizeof(*cell));
    size_t w[NCOL];
    if (!cell)
        return;
    for (size_t c = 0; c < ncol; c++)
        w[c] = strlen(head[c]);
    for (size_t i = 0; i < n; i++) {
        const struct replay *r = runs[i];
        uint32_t max = run_limit(r);
        snprintf(cell[i][0], 48, "%.47s", r->name);
        snprintf(cell[i][1], 48, "%u", r->ct_peak);
        snprintf(cell[i][2], 48, "%u", max);
        snprintf(cell[i][3], 48, "%.1f%%",
                 max ? 100.0 * r->ct_peak / max : 0.0);
        fmt_time(cell[i][4], 48, r->alert75, r->alert75_ns, r->first_ts);
        fmt_time(cell[i][5], 48, r->filled, r->filled_ns, r->first_ts);
        snprintf(cell[i][6], 48, "%" PRIu64,
                 r->drops[CTFW_DROP_CT_TABLE_FULL]);
        snprintf(cell[i][7], 48, "%" PRIu64, r->early_drops);
        snprintf(cell[i][8], 48, "%" PRIu64, r->refused);
        snprintf(cell[i][9], 48, "%" PRIu64, whatif_rule_drops(r));
        snprintf(cell[i][10], 48, "%" PRIu64, r->phantom);
        for (size_t c = 0; c < ncol; c++)
            if (strlen(cell[i][c]) > w[c])
                w[c] = strlen(cell[i][c]);
    }
    /* Names left-aligned, figures right-aligned, two spaces apart. */
    for (size_t c = 0; c < ncol; c++)
        fprintf(f, c ? "  %*s" : "%-*s", (int)w[c], head[c]);
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < ncol; c++)
            fprintf(f, c ? "  %*s" : "%-*s", (int)w[c], cell[i][c]);
        fputc('\n', f);
    }
    free(cell);
}

static void
json_time(struct ctfw_json *j, const char *key, bool set, uint64_t t,
          uint64_t t0)
{
    ctfw_json_key(j, key);
    if (set)
        ctfw_json_double(j, (double)(t - t0) / 1e9);
    else
        ctfw_json_null(j);
}

void
whatif_json(struct ctfw_json *j, struct replay *const *runs, size_t n,
            bool causal)
{
    ctfw_json_key(j, "causal");
    ctfw_json_bool(j, causal);
    ctfw_json_key(j, "scenarios");
    ctfw_json_arr_begin(j);
    for (size_t i = 0; i < n; i++) {
        const struct replay *r = runs[i];
        uint32_t max = run_limit(r);
        ctfw_json_obj_begin(j);
        ctfw_json_key(j, "name");
        ctfw_json_str(j, r->name);
        ctfw_json_key(j, "spec");
        if (r->spec)
            ctfw_json_str(j, r->spec);
        else
            ctfw_json_null(j);
        ctfw_json_key(j, "rules4");
        ctfw_json_str(j, r->rules4_path);
        ctfw_json_key(j, "rules6");
        ctfw_json_str(j, r->rules6_path);
        ctfw_json_key(j, "limit");
        ctfw_json_uint(j, max);
        ctfw_json_key(j, "peak");
        ctfw_json_uint(j, r->ct_peak);
        ctfw_json_key(j, "peak_pct");
        ctfw_json_double(j, max ? 100.0 * r->ct_peak / max : 0.0);
        json_time(j, "peak_at_s", r->ct_peak != 0, r->ct_peak_ns,
                  r->first_ts);
        json_time(j, "alert75_at_s", r->alert75, r->alert75_ns,
                  r->first_ts);
        json_time(j, "filled_at_s", r->filled, r->filled_ns, r->first_ts);
        ctfw_json_key(j, "table_full_drops");
        ctfw_json_uint(j, r->drops[CTFW_DROP_CT_TABLE_FULL]);
        json_time(j, "table_full_first_at_s", r->table_full_count != 0,
                  r->table_full_first_ns, r->first_ts);
        ctfw_json_key(j, "early_drops");
        ctfw_json_uint(j, r->early_drops);
        ctfw_json_key(j, "refused");
        ctfw_json_uint(j, r->refused);
        ctfw_json_key(j, "rule_drops");
        ctfw_json_uint(j, whatif_rule_drops(r));
        ctfw_json_key(j, "accepted");
        ctfw_json_uint(j, r->n_accept);
        ctfw_json_key(j, "dropped");
        ctfw_json_uint(j, r->n_drop);
        ctfw_json_key(j, "phantom");
        ctfw_json_uint(j, r->phantom);
        attrib_json(j, r);
        ctfw_json_obj_end(j);
    }
    ctfw_json_arr_end(j);
}
