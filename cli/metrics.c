// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The series a replay samples at every --interval tick (for --report
 * and --openmetrics), the snapshot of the table at the peak, and the
 * OpenMetrics text: node_exporter's conntrack metric names and types
 * (reference/user-conventions.md §2.1: every one a gauge, no _total),
 * one series per scenario (label scenario="NAME", §2.4), timestamps in
 * seconds from the capture clock, ending "# EOF", as promtool tsdb
 * create-blocks-from openmetrics reads it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "replay.h"

int
metrics_sample(struct replay *r, uint64_t t_ns)
{
    if (r->n_samples == r->cap_samples) {
        size_t nc = r->cap_samples ? r->cap_samples * 2 : 256;
        struct replay_sample *v = realloc(r->samples, nc * sizeof(*v));
        if (!v)
            return -ENOMEM;
        r->samples = v;
        r->cap_samples = nc;
    }
    struct replay_sample *s = &r->samples[r->n_samples++];
    memset(s, 0, sizeof(*s));
    s->t_ns = t_ns;
    struct ctfw_ct *ct = ctfw_pipeline_conntrack(r->pl);
    if (ct) {
        s->entries = ctfw_ct_count(ct);
        s->limit = ctfw_ct_get_config(ct)->max;
        ctfw_ct_count_by_class(ct, s->by_class);
        ctfw_ct_get_stats(ct, &s->st);
    }
    s->drops = r->n_drop;
    s->ct_drops = r->drops[CTFW_DROP_CT_TABLE_FULL];
    s->rule_drops = whatif_rule_drops(r);
    return 0;
}

/* ---- The snapshot at the peak ------------------------------------------ */

struct peak_key {
    uint8_t kind;            /* 0 source address, 1 protocol/port,
                                2 source prefix (/24, /64) */
    uint8_t family, proto;
    uint16_t port;
    union ctfw_addr addr;
};

struct peak_walk {
    struct peak_key *v;
    size_t n, cap;
    bool oom;
    const struct creator_map *creators;
    uint32_t *by_rule;       /* per label index; [n_rule_label]: unknown */
    size_t n_rule;
};

static bool cm_get(const struct creator_map *m, uintptr_t k, uint32_t *v);

static void
peak_visit(void *arg, const struct ctfw_ct_entry *e)
{
    struct peak_walk *w = arg;
    if (w->oom)
        return;
    if (w->n + 3 > w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 1024;
        struct peak_key *v = realloc(w->v, nc * sizeof(*v));
        if (!v) {
            w->oom = true;
            return;
        }
        w->v = v;
        w->cap = nc;
    }
    if (w->by_rule) {
        uint32_t idx;
        if (w->creators && cm_get(w->creators, (uintptr_t)e, &idx) &&
            idx < w->n_rule)
            w->by_rule[idx]++;
        else
            w->by_rule[w->n_rule]++;
    }
    struct ctfw_ct_tuple t;
    ctfw_ct_entry_tuple(e, CTFW_CT_DIR_ORIGINAL, &t);
    struct peak_key *k = &w->v[w->n++];
    memset(k, 0, sizeof(*k));
    k->kind = 0;
    k->family = ctfw_ct_entry_family(e);
    k->addr = t.src;
    /* The source's /24 (IPv4) or /64 (IPv6). */
    k = &w->v[w->n++];
    memset(k, 0, sizeof(*k));
    k->kind = 2;
    k->family = ctfw_ct_entry_family(e);
    k->addr = t.src;
    memset(k->addr.b + (k->family == 6 ? 8 : 3), 0,
           k->family == 6 ? 8 : 13);
    k = &w->v[w->n++];
    memset(k, 0, sizeof(*k));
    k->kind = 1;
    k->proto = ctfw_ct_entry_proto(e);
    uint8_t p = k->proto;
    /* Ports for the protocols whose tuple has them; ICMP by type. */
    if (p == 6 || p == 17 || p == 136 || p == 132 || p == 33)
        k->port = t.dport;
    else if (p == 1 || p == 58)
        k->port = (uint16_t)(t.dport >> 8);
}

static int
key_cmp(const void *pa, const void *pb)
{
    return memcmp(pa, pb, sizeof(struct peak_key));
}

static const char *
proto_name(uint8_t p)
{
    switch (p) {
    case 6:
        return "tcp";
    case 17:
        return "udp";
    case 1:
        return "icmp";
    case 58:
        return "icmpv6";
    case 47:
        return "gre";
    case 132:
        return "sctp";
    case 136:
        return "udplite";
    case 33:
        return "dccp";
    }
    return NULL;
}

static void
key_label(const struct peak_key *k, char *buf, size_t len)
{
    if (k->kind == 0 || k->kind == 2) {
        if (!inet_ntop(k->family == 6 ? AF_INET6 : AF_INET, &k->addr, buf,
                       (socklen_t)len))
            snprintf(buf, len, "?");
        else if (k->kind == 2 && strlen(buf) + 4 < len)
            strcat(buf, k->family == 6 ? "/64" : "/24");
        return;
    }
    const char *pn = proto_name(k->proto);
    if (k->proto == 1 || k->proto == 58)
        snprintf(buf, len, "%s type %u", pn, k->port);
    else if (pn && k->proto != 47)
        snprintf(buf, len, "%s/%u", pn, k->port);
    else if (pn)
        snprintf(buf, len, "%s", pn);
    else
        snprintf(buf, len, "proto %u", k->proto);
}

/* Insert (label, count) into a top list sorted by count, then label. */
static void
top_add(struct replay_top *top, unsigned *n, const char *label,
        uint32_t count)
{
    unsigned i = *n;
    if (i == REPLAY_TOP) {
        if (count <= top[REPLAY_TOP - 1].count)
            return;
        i = REPLAY_TOP - 1;
    } else {
        (*n)++;
    }
    while (i > 0 && top[i - 1].count < count) {
        top[i] = top[i - 1];
        i--;
    }
    snprintf(top[i].label, sizeof(top[i].label), "%s", label);
    top[i].count = count;
}

void
metrics_peak(struct replay *r, uint64_t t_ns)
{
    struct ctfw_ct *ct = ctfw_pipeline_conntrack(r->pl);
    if (!ct || ctfw_ct_count(ct) <= r->peak.entries)
        return;
    metrics_snapshot(r, t_ns, &r->peak);
}

int
metrics_snapshot(struct replay *r, uint64_t t_ns, struct replay_peak *pk)
{
    struct ctfw_ct *ct = ctfw_pipeline_conntrack(r->pl);
    memset(pk, 0, sizeof(*pk));
    if (!ct)
        return 0;
    struct peak_walk w = {0};
    w.creators = r->creators;
    w.n_rule = r->n_rule_label;
    w.by_rule = calloc(w.n_rule + 1, sizeof(*w.by_rule));
    ctfw_ct_walk(ct, peak_visit, &w);
    if (w.oom || !w.by_rule) {
        free(w.v);
        free(w.by_rule);
        return -ENOMEM;
    }
    pk->t_ns = t_ns;
    pk->entries = ctfw_ct_count(ct);
    ctfw_ct_count_by_class(ct, pk->by_class);
    qsort(w.v, w.n, sizeof(*w.v), key_cmp);
    for (size_t i = 0; i < w.n;) {
        size_t j = i + 1;
        while (j < w.n && !key_cmp(&w.v[i], &w.v[j]))
            j++;
        char label[64];
        key_label(&w.v[i], label, sizeof(label));
        if (w.v[i].kind == 0)
            top_add(pk->src, &pk->n_src, label, (uint32_t)(j - i));
        else if (w.v[i].kind == 2)
            top_add(pk->prefix, &pk->n_prefix, label, (uint32_t)(j - i));
        else
            top_add(pk->dport, &pk->n_dport, label, (uint32_t)(j - i));
        i = j;
    }
    free(w.v);
    for (size_t i = 0; i <= w.n_rule; i++)
        if (w.by_rule[i])
            top_add(pk->rule, &pk->n_rule,
                    i < w.n_rule ? r->rule_label[i]
                                 : "(created before the report saw it)",
                    w.by_rule[i]);
    free(w.by_rule);
    return 0;
}

/* ---- Which rule created the live entries ------------------------------- */

/* Entry address -> rule label index; open addressing, linear probing,
 * backward-shift deletion. An entry's address is unique while it lives
 * (lib/ct's pool never moves entries). */
struct creator_map {
    uintptr_t *key;          /* 0: empty */
    uint32_t *val;
    size_t mask, n;
};

static size_t
cm_slot(uintptr_t k, size_t mask)
{
    uint64_t h = (uint64_t)k * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 32) & mask;
}

static int
cm_grow(struct creator_map *m)
{
    size_t n = m->key ? (m->mask + 1) * 2 : 1024;
    uintptr_t *k = calloc(n, sizeof(*k));
    uint32_t *v = calloc(n, sizeof(*v));
    if (!k || !v) {
        free(k);
        free(v);
        return -ENOMEM;
    }
    for (size_t i = 0; m->key && i <= m->mask; i++) {
        if (!m->key[i])
            continue;
        size_t j = cm_slot(m->key[i], n - 1);
        while (k[j])
            j = (j + 1) & (n - 1);
        k[j] = m->key[i];
        v[j] = m->val[i];
    }
    free(m->key);
    free(m->val);
    m->key = k;
    m->val = v;
    m->mask = n - 1;
    return 0;
}

static void
cm_put(struct creator_map *m, uintptr_t k, uint32_t v)
{
    if ((!m->key || (m->n + 1) * 2 > m->mask + 1) && cm_grow(m) < 0)
        return;
    size_t i = cm_slot(k, m->mask);
    while (m->key[i] && m->key[i] != k)
        i = (i + 1) & m->mask;
    if (!m->key[i])
        m->n++;
    m->key[i] = k;
    m->val[i] = v;
}

static bool
cm_get(const struct creator_map *m, uintptr_t k, uint32_t *v)
{
    if (!m->key)
        return false;
    for (size_t i = cm_slot(k, m->mask); m->key[i]; i = (i + 1) & m->mask)
        if (m->key[i] == k) {
            *v = m->val[i];
            return true;
        }
    return false;
}

static void
cm_del(struct creator_map *m, uintptr_t k)
{
    if (!m->key)
        return;
    size_t i = cm_slot(k, m->mask);
    while (m->key[i] && m->key[i] != k)
        i = (i + 1) & m->mask;
    if (!m->key[i])
        return;
    m->n--;
    for (size_t j = i;;) {
        j = (j + 1) & m->mask;
        if (!m->key[j])
            break;
        size_t home = cm_slot(m->key[j], m->mask);
        if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
            m->key[i] = m->key[j];
            m->val[i] = m->val[j];
            i = j;
        }
    }
    m->key[i] = 0;
}

void
metrics_created(struct replay *r, const struct ctfw_pipeline_result *res)
{
    unsigned n = r->n_new_pending;
    r->n_new_pending = 0;
    if (!n || !r->want_peak)
        return;
    char label[80];
    if (res->table < CTFW_TABLE_COUNT && res->chain && res->rule)
        snprintf(label, sizeof(label), "%s %s #%u %s",
                 ctfw_table_name((enum ctfw_table)res->table), res->chain,
                 res->rule, res->target ? res->target : "");
    else if (res->table < CTFW_TABLE_COUNT && res->chain)
        snprintf(label, sizeof(label), "%s %s policy %s",
                 ctfw_table_name((enum ctfw_table)res->table), res->chain,
                 res->target ? res->target : "");
    else
        snprintf(label, sizeof(label), "no rule (no table on the path)");
    size_t idx = 0;
    while (idx < r->n_rule_label && strcmp(r->rule_label[idx], label))
        idx++;
    if (idx == r->n_rule_label) {
        char(*v)[80] = realloc(r->rule_label, (idx + 1) * sizeof(*v));
        if (!v)
            return;
        r->rule_label = v;
        snprintf(v[idx], sizeof(v[idx]), "%s", label);
        r->n_rule_label++;
    }
    if (!r->creators) {
        r->creators = calloc(1, sizeof(*r->creators));
        if (!r->creators)
            return;
    }
    for (unsigned i = 0; i < n; i++)
        cm_put(r->creators, (uintptr_t)r->new_pending[i], (uint32_t)idx);
}

void
metrics_destroyed(struct replay *r, const struct ctfw_ct_entry *e)
{
    if (r->creators)
        cm_del(r->creators, (uintptr_t)e);
}

void
metrics_free(struct replay *r)
{
    if (r->creators) {
        free(r->creators->key);
        free(r->creators->val);
        free(r->creators);
    }
    free(r->rule_label);
}

/* ---- OpenMetrics -------------------------------------------------------- */

/* Label value escaping of the OpenMetrics text format: \\, \", \n. */
static void
om_label(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\\\", f);
        else if (*s == '"')
            fputs("\\\"", f);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

enum om_field {
    OM_ENTRIES, OM_LIMIT, OM_FOUND, OM_INVALID, OM_INSERT,
    OM_INSERT_FAILED, OM_DROP, OM_EARLY_DROP, OM_SEARCH_RESTART,
};

static uint64_t
om_value(const struct replay_sample *s, enum om_field fld)
{
    switch (fld) {
    case OM_ENTRIES:
        return s->entries;
    case OM_LIMIT:
        return s->limit;
    case OM_FOUND:
        return s->st.found;
    case OM_INVALID:
        return s->st.invalid;
    case OM_INSERT:
        return s->st.insert;
    case OM_INSERT_FAILED:
        return s->st.insert_failed;
    case OM_DROP:
        return s->st.drop;
    case OM_EARLY_DROP:
        return s->st.early_drop;
    case OM_SEARCH_RESTART:
        return s->st.search_restart;
    }
    return 0;
}

int
metrics_openmetrics(FILE *f, struct replay *const *runs, size_t n)
{
    /* node_exporter's collector/conntrack_linux.go: names and HELP. */
    static const struct {
        const char *name, *help;
        enum om_field fld;
    } fam[] = {
        {"node_nf_conntrack_entries",
         "Number of currently allocated flow entries for connection "
         "tracking.", OM_ENTRIES},
        {"node_nf_conntrack_entries_limit",
         "Maximum size of connection tracking table.", OM_LIMIT},
        {"node_nf_conntrack_stat_found",
         "Number of searched entries which were successful.", OM_FOUND},
        {"node_nf_conntrack_stat_invalid",
         "Number of packets seen which can not be tracked.", OM_INVALID},
        {"node_nf_conntrack_stat_insert",
         "Number of entries inserted into the list.", OM_INSERT},
        {"node_nf_conntrack_stat_insert_failed",
         "Number of entries for which list insertion was attempted but "
         "failed.", OM_INSERT_FAILED},
        {"node_nf_conntrack_stat_drop",
         "Number of packets dropped due to conntrack failure.", OM_DROP},
        {"node_nf_conntrack_stat_early_drop",
         "Number of dropped conntrack entries to make room for new ones, "
         "if maximum table size was reached.", OM_EARLY_DROP},
        {"node_nf_conntrack_stat_search_restart",
         "Number of conntrack table lookups which had to be restarted due "
         "to hashtable resizes.", OM_SEARCH_RESTART},
    };
    for (size_t k = 0; k < sizeof(fam) / sizeof(fam[0]); k++) {
        fprintf(f, "# TYPE %s gauge\n# HELP %s %s\n", fam[k].name,
                fam[k].name, fam[k].help);
        for (size_t i = 0; i < n; i++) {
            const struct replay *r = runs[i];
            for (size_t s = 0; s < r->n_samples; s++) {
                const struct replay_sample *sm = &r->samples[s];
                fprintf(f, "%s{scenario=\"", fam[k].name);
                om_label(f, r->name);
                fprintf(f, "\"} %" PRIu64 " %" PRIu64 ".%03" PRIu64 "\n",
                        om_value(sm, fam[k].fld), sm->t_ns / 1000000000u,
                        sm->t_ns % 1000000000u / 1000000u);
            }
        }
    }
    fputs("# EOF\n", f);
    return ferror(f) ? -EIO : 0;
}
