// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Attribution for ctfw replay (docs/policies.md): what holds the table
 * and why packets and entries went, and the figures of the table-full
 * policies.
 *
 *   --attribution FILE   at every --interval the table by state, the
 *                        rules that accepted the opening packets, the
 *                        destination ports, the sources and their /24
 *                        (/64) prefixes; every entry evicted (early drop,
 *                        the gc's early-drop mode, a policy) with its
 *                        tuple and state; every packet conntrack found
 *                        INVALID or a policy refused, with lib/ct's
 *                        reason (the window bound that failed, the bad
 *                        flags...); at the end the 75 % and 95 % alert
 *                        instants, the reasons counted, the policy's
 *                        figures. The first scenario's.
 *   stdout               with a policy in some scenario, a second table
 *                        after the what-if table: legitimate connections
 *                        (capture-side: a TCP connection whose client
 *                        answered the SYN-ACK, another protocol's whose
 *                        responder answered) served and refused, and
 *                        when they proved legitimate.
 *   --json               per scenario: policy, legit, ct_reasons,
 *                        alert95_at_s, peak_attribution.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "replay.h"

/* The attribution file lists at most this many evicted entries; the
 * rest are counted. */
#define ATTRIB_MAX_EVICTED 10000

bool
attrib_any_policy(struct replay *const *runs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (runs[i]->pol_cfg.flags)
            return true;
    return false;
}

void
attrib_legit(struct replay *const *runs, size_t n, const uint8_t *st,
             uint64_t now_ns)
{
    for (size_t i = 0; i < n; i++) {
        struct replay *r = runs[i];
        r->legit++;
        /* Every opening attempt came before the responder's first
         * packet, so the run's verdict on the connection is final. */
        if (st[i] == FLOW_ST_REFUSED) {
            if (!r->legit_refused++)
                r->legit_refused_first_ns = now_ns;
            r->legit_refused_last_ns = now_ns;
        }
    }
}

static void
top_line(FILE *f, const char *what, const struct replay_top *t, unsigned n)
{
    fprintf(f, "  %s:", what);
    if (!n)
        fputs(" -", f);
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "%s %s=%u", i ? "," : "", t[i].label, t[i].count);
    fputc('\n', f);
}

static double
rel(const struct replay *r, uint64_t t)
{
    return (double)(t - r->first_ts) / 1e9;
}

void
attrib_tick(struct replay *r, uint64_t t_ns)
{
    struct ctfw_ct *ct = ctfw_pipeline_conntrack(r->pl);
    if (!ct)
        return;
    struct replay_peak pk;
    if (metrics_snapshot(r, t_ns, &pk) < 0)
        return;
    uint32_t max = ctfw_ct_get_config(ct)->max;
    FILE *f = r->attrib.f;
    if (r->json.f) {
        /* Kept for the JSON document's "attribution" array. */
        if (r->n_attr_ticks == r->cap_attr_ticks) {
            size_t nc = r->cap_attr_ticks ? r->cap_attr_ticks * 2 : 64;
            struct replay_peak *v =
                realloc(r->attr_ticks, nc * sizeof(*v));
            if (v) {
                r->attr_ticks = v;
                r->cap_attr_ticks = nc;
            }
        }
        if (r->n_attr_ticks < r->cap_attr_ticks)
            r->attr_ticks[r->n_attr_ticks++] = pk;
    }
    fprintf(f, "+%.3fs entries %u of %u (%.1f%%)", rel(r, t_ns),
            ctfw_ct_count(ct), max,
            max ? 100.0 * ctfw_ct_count(ct) / max : 0.0);
    if (r->pol && ctfw_policy_in_emergency(r->pol))
        fputs(" [emergency mode]", f);
    fputc('\n', f);
    fputs("  states:", f);
    bool any = false;
    for (int c = 1; c < CTFW_CT_CLASS_COUNT; c++)
        if (pk.by_class[c]) {
            fprintf(f, "%s %s=%u", any ? "," : "",
                    ctfw_ct_class_name((enum ctfw_ct_class)c),
                    pk.by_class[c]);
            any = true;
        }
    fputs(any ? "\n" : " -\n", f);
    top_line(f, "rules", pk.rule, pk.n_rule);
    top_line(f, "dports", pk.dport, pk.n_dport);
    top_line(f, "sources", pk.src, pk.n_src);
    top_line(f, "prefixes", pk.prefix, pk.n_prefix);
}

static void
tuple_text(const struct ctfw_ct_entry *e, char *buf, size_t len)
{
    struct ctfw_ct_tuple t;
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
    int af = ctfw_ct_entry_family(e) == 6 ? AF_INET6 : AF_INET;
    ctfw_ct_entry_tuple(e, CTFW_CT_DIR_ORIGINAL, &t);
    if (!inet_ntop(af, &t.src, s, sizeof(s)))
        snprintf(s, sizeof(s), "?");
    if (!inet_ntop(af, &t.dst, d, sizeof(d)))
        snprintf(d, sizeof(d), "?");
    snprintf(buf, len, "proto %u %s:%u -> %s:%u",
             ctfw_ct_entry_proto(e), s, t.sport, d, t.dport);
}

void
attrib_evicted(struct replay *r, const struct ctfw_ct_event *ev)
{
    if (ev->reason != CTFW_CT_DESTROY_EARLY_DROP &&
        ev->reason != CTFW_CT_DESTROY_GC_EVICT &&
        ev->reason != CTFW_CT_DESTROY_POLICY)
        return;
    if (r->n_evicted_listed++ >= ATTRIB_MAX_EVICTED)
        return;
    char tu[160];
    tuple_text(ev->entry, tu, sizeof(tu));
    int st = ctfw_ct_entry_tcp_state(ev->entry);
    static const char *const why[] = {
        [CTFW_CT_DESTROY_EARLY_DROP] = "early_drop (a new entry found the "
                                       "table full: non-ASSURED, near its "
                                       "bucket)",
        [CTFW_CT_DESTROY_GC_EVICT] = "gc_evict (the gc worker's early-drop "
                                     "mode, table at 95 %)",
        [CTFW_CT_DESTROY_POLICY] = "policy (overload flush or per-source "
                                   "connection limit)",
    };
    fprintf(r->attrib.f, "+%.3fs evicted %s %s%s%s\n", rel(r, ev->now_ns),
            tu, st >= 0 ? ctfw_ct_tcp_state_name((enum ctfw_ct_tcp_state)st)
                        : "",
            st >= 0 ? " " : "", why[ev->reason]);
}

void
attrib_packet(struct replay *r, uint64_t number,
              const struct ctfw_pipeline_result *res)
{
    enum ctfw_ct_reason why = (enum ctfw_ct_reason)res->ct_reason;
    bool invalid = res->ctstate && !strcmp(res->ctstate, "INVALID");
    if (why == CTFW_CT_R_NONE || (!invalid && res->accept &&
                                  !ctfw_ct_reason_is_policy(why)))
        return;
    if (why == CTFW_CT_R_TABLE_FULL)
        return;     /* counted, and in the verdicts; not per packet */
    fprintf(r->attrib.f, "packet %" PRIu64 " %s %s %s\n", number,
            res->accept ? "ACCEPT" : "DROP",
            ctfw_ct_reason_is_policy(why) ? "policy" : "INVALID",
            ctfw_ct_reason_name(why));
}

static void
print_alert(FILE *f, const struct replay *r, const char *name, bool set,
            uint64_t t)
{
    if (set)
        fprintf(f, "  %s: +%.3fs\n", name, rel(r, t));
    else
        fprintf(f, "  %s: never\n", name);
}

void
attrib_finish(struct replay *r)
{
    FILE *f = r->attrib.f;
    struct ctfw_ct *ct = ctfw_pipeline_conntrack(r->pl);
    fputs("alerts (node-mixin NodeHighNumberConntrackEntriesUsed > 75 %, "
          "the 95 % level of the gc's early-drop mode):\n", f);
    print_alert(f, r, "75%", r->alert75, r->alert75_ns);
    print_alert(f, r, "95%", r->alert95, r->alert95_ns);
    print_alert(f, r, "full", r->filled, r->filled_ns);
    fputs("evicted entries:\n", f);
    fprintf(f, "  early_drop=%" PRIu64 " gc_evict=%" PRIu64
               " policy=%" PRIu64 "\n",
            r->evicted_by[CTFW_CT_DESTROY_EARLY_DROP],
            r->evicted_by[CTFW_CT_DESTROY_GC_EVICT],
            r->evicted_by[CTFW_CT_DESTROY_POLICY]);
    if (r->n_evicted_listed > ATTRIB_MAX_EVICTED)
        fprintf(f, "  (%" PRIu64 " listed above, %" PRIu64 " not)\n",
                (uint64_t)ATTRIB_MAX_EVICTED,
                r->n_evicted_listed - ATTRIB_MAX_EVICTED);
    fputs("conntrack reasons (INVALID, dropped, policy):\n", f);
    bool any = false;
    for (int i = 1; ct && i < CTFW_CT_R_COUNT; i++) {
        uint64_t n = ctfw_ct_reason_count(ct, (enum ctfw_ct_reason)i);
        if (n) {
            fprintf(f, "  %s=%" PRIu64 "\n",
                    ctfw_ct_reason_name((enum ctfw_ct_reason)i), n);
            any = true;
        }
    }
    if (!any)
        fputs("  none\n", f);
    if (r->pol) {
        struct ctfw_policy_stats ps;
        char name[80];
        ctfw_policy_get_stats(r->pol, &ps);
        ctfw_policy_config_name(&r->pol_cfg, name, sizeof(name));
        fprintf(f, "policy %s:\n", name);
        if (r->pol_cfg.flags & CTFW_POLICY_ADAPTIVE)
            fprintf(f, "  adaptive.start=%u adaptive.end=%u\n",
                    ps.adaptive_start, ps.adaptive_end);
        if (r->pol_cfg.flags & CTFW_POLICY_EMERGENCY) {
            fprintf(f, "  emergency entered %" PRIu64 " times", 
                    ps.emergency_entered);
            if (ps.emergency_entered)
                fprintf(f, ", first at +%.3fs",
                        rel(r, ps.emergency_first_ns));
            fprintf(f, "%s\n", ctfw_policy_in_emergency(r->pol)
                                   ? ", still on at the end"
                                   : "");
        }
        if (r->pol_cfg.flags & CTFW_POLICY_SYNPROXY)
            fprintf(f, "  synproxy: %" PRIu64 " SYNs answered, %" PRIu64
                       " server SYN-ACKs taken\n",
                    ps.synproxy_syn, ps.synproxy_synack);
        if (r->pol_cfg.flags & CTFW_POLICY_EXEMPT)
            fprintf(f, "  exempt: %" PRIu64 " packets passed untracked "
                       "while the table was full\n",
                    ps.exempt);
        if (r->pol_cfg.flags & CTFW_POLICY_SRC)
            fprintf(f, "  src: max-src-states=%" PRIu64
                       " max-src-conn=%" PRIu64
                       " max-src-conn-rate=%" PRIu64 " overload=%" PRIu64
                       " refused; %" PRIu64 " sources overloaded, %" PRIu64
                       " entries flushed\n",
                    ps.src_states_drops, ps.src_conn_drops,
                    ps.src_rate_drops, ps.overload_drops, ps.overload_added,
                    ps.flushed);
    }
}

void
attrib_print_table(FILE *f, struct replay *const *runs, size_t n)
{
    static const char *const head[] = {"scenario", "policy", "legit",
                                       "served", "refused", "first refused",
                                       "last refused", "outage"};
    enum { NC = 8 };
    char (*cell)[NC][48] = calloc(n ? n : 1, sizeof(*cell));
    size_t w[NC];
    if (!cell)
        return;
    for (size_t c = 0; c < NC; c++)
        w[c] = strlen(head[c]);
    for (size_t i = 0; i < n; i++) {
        const struct replay *r = runs[i];
        char pn[48];
        ctfw_policy_config_name(&r->pol_cfg, pn, sizeof(pn));
        snprintf(cell[i][0], 48, "%.47s", r->name);
        snprintf(cell[i][1], 48, "%s", r->pol_cfg.flags ? pn : "linux");
        snprintf(cell[i][2], 48, "%" PRIu64, r->legit);
        snprintf(cell[i][3], 48, "%" PRIu64, r->legit - r->legit_refused);
        snprintf(cell[i][4], 48, "%" PRIu64, r->legit_refused);
        if (r->legit_refused) {
            snprintf(cell[i][5], 48, "+%.3fs",
                     rel(r, r->legit_refused_first_ns));
            snprintf(cell[i][6], 48, "+%.3fs",
                     rel(r, r->legit_refused_last_ns));
            snprintf(cell[i][7], 48, "%.3fs",
                     (double)(r->legit_refused_last_ns -
                              r->legit_refused_first_ns) / 1e9);
        } else {
            for (int c = 5; c < 8; c++)
                snprintf(cell[i][c], 48, "-");
        }
        for (size_t c = 0; c < NC; c++)
            if (strlen(cell[i][c]) > w[c])
                w[c] = strlen(cell[i][c]);
    }
    fprintf(f, "Legitimate connections (TCP: the client answered the "
               "SYN-ACK; other protocols: the responder answered):\n");
    for (size_t c = 0; c < NC; c++)
        fprintf(f, c > 1 ? "  %*s" : c ? "  %-*s" : "%-*s", (int)w[c],
                head[c]);
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < NC; c++)
            fprintf(f, c > 1 ? "  %*s" : c ? "  %-*s" : "%-*s", (int)w[c],
                    cell[i][c]);
        fputc('\n', f);
    }
    free(cell);
}

static void
json_top(struct ctfw_json *j, const char *key, const struct replay_top *t,
         unsigned n)
{
    ctfw_json_key(j, key);
    ctfw_json_arr_begin(j);
    for (unsigned i = 0; i < n; i++) {
        ctfw_json_obj_begin(j);
        ctfw_json_key(j, "key");
        ctfw_json_str(j, t[i].label);
        ctfw_json_key(j, "entries");
        ctfw_json_uint(j, t[i].count);
        ctfw_json_obj_end(j);
    }
    ctfw_json_arr_end(j);
}

static void
json_time(struct ctfw_json *j, const struct replay *r, const char *key,
          bool set, uint64_t t)
{
    ctfw_json_key(j, key);
    if (set)
        ctfw_json_double(j, rel(r, t));
    else
        ctfw_json_null(j);
}

static void
json_snapshot(struct ctfw_json *j, const struct replay *r,
              const struct replay_peak *pk)
{
    ctfw_json_obj_begin(j);
    ctfw_json_key(j, "at_s");
    ctfw_json_double(j, rel(r, pk->t_ns));
    ctfw_json_key(j, "entries");
    ctfw_json_uint(j, pk->entries);
    ctfw_json_key(j, "states");
    ctfw_json_obj_begin(j);
    for (int c = 1; c < CTFW_CT_CLASS_COUNT; c++)
        if (pk->by_class[c]) {
            ctfw_json_key(j, ctfw_ct_class_name((enum ctfw_ct_class)c));
            ctfw_json_uint(j, pk->by_class[c]);
        }
    ctfw_json_obj_end(j);
    json_top(j, "rules", pk->rule, pk->n_rule);
    json_top(j, "dports", pk->dport, pk->n_dport);
    json_top(j, "sources", pk->src, pk->n_src);
    json_top(j, "prefixes", pk->prefix, pk->n_prefix);
    ctfw_json_obj_end(j);
}

void
attrib_json_ticks(struct ctfw_json *j, const struct replay *r)
{
    if (!r->attrib.f)
        return;
    ctfw_json_key(j, "attribution");
    ctfw_json_arr_begin(j);
    for (size_t i = 0; i < r->n_attr_ticks; i++)
        json_snapshot(j, r, &r->attr_ticks[i]);
    ctfw_json_arr_end(j);
}

void
attrib_free(struct replay *r)
{
    free(r->attr_ticks);
    r->attr_ticks = NULL;
    r->n_attr_ticks = r->cap_attr_ticks = 0;
}

void
attrib_json(struct ctfw_json *j, const struct replay *r)
{
    struct ctfw_ct *ct = ctfw_pipeline_conntrack(r->pl);
    json_time(j, r, "alert95_at_s", r->alert95, r->alert95_ns);
    ctfw_json_key(j, "legit");
    ctfw_json_obj_begin(j);
    ctfw_json_key(j, "connections");
    ctfw_json_uint(j, r->legit);
    ctfw_json_key(j, "served");
    ctfw_json_uint(j, r->legit - r->legit_refused);
    ctfw_json_key(j, "refused");
    ctfw_json_uint(j, r->legit_refused);
    json_time(j, r, "first_refused_at_s", r->legit_refused != 0,
              r->legit_refused_first_ns);
    json_time(j, r, "last_refused_at_s", r->legit_refused != 0,
              r->legit_refused_last_ns);
    ctfw_json_obj_end(j);
    ctfw_json_key(j, "evicted");
    ctfw_json_obj_begin(j);
    ctfw_json_key(j, "early_drop");
    ctfw_json_uint(j, r->evicted_by[CTFW_CT_DESTROY_EARLY_DROP]);
    ctfw_json_key(j, "gc_evict");
    ctfw_json_uint(j, r->evicted_by[CTFW_CT_DESTROY_GC_EVICT]);
    ctfw_json_key(j, "policy");
    ctfw_json_uint(j, r->evicted_by[CTFW_CT_DESTROY_POLICY]);
    ctfw_json_obj_end(j);
    ctfw_json_key(j, "ct_reasons");
    ctfw_json_obj_begin(j);
    for (int i = 1; ct && i < CTFW_CT_R_COUNT; i++) {
        uint64_t n = ctfw_ct_reason_count(ct, (enum ctfw_ct_reason)i);
        if (n) {
            ctfw_json_key(j, ctfw_ct_reason_name((enum ctfw_ct_reason)i));
            ctfw_json_uint(j, n);
        }
    }
    ctfw_json_obj_end(j);
    ctfw_json_key(j, "peak_attribution");
    if (r->peak.entries)
        json_snapshot(j, r, &r->peak);
    else
        ctfw_json_null(j);
    ctfw_json_key(j, "policy");
    if (!r->pol) {
        ctfw_json_null(j);
        return;
    }
    struct ctfw_policy_stats ps;
    char name[80];
    ctfw_policy_get_stats(r->pol, &ps);
    ctfw_policy_config_name(&r->pol_cfg, name, sizeof(name));
    ctfw_json_obj_begin(j);
    ctfw_json_key(j, "name");
    ctfw_json_str(j, name);
    if (r->pol_cfg.flags & CTFW_POLICY_ADAPTIVE) {
        /* pf's adaptive.start and adaptive.end resolved on the limit. */
        ctfw_json_key(j, "adaptive_start");
        ctfw_json_uint(j, ps.adaptive_start);
        ctfw_json_key(j, "adaptive_end");
        ctfw_json_uint(j, ps.adaptive_end);
    }
    const struct {
        const char *k;
        uint64_t v;
    } kv[] = {
        {"emergency_entered", ps.emergency_entered},
        {"synproxy_syn", ps.synproxy_syn},
        {"synproxy_synack", ps.synproxy_synack},
        {"exempt", ps.exempt},
        {"src_states_drops", ps.src_states_drops},
        {"src_conn_drops", ps.src_conn_drops},
        {"src_rate_drops", ps.src_rate_drops},
        {"overload_drops", ps.overload_drops},
        {"overload_added", ps.overload_added},
        {"flushed", ps.flushed},
    };
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
        ctfw_json_key(j, kv[i].k);
        ctfw_json_uint(j, kv[i].v);
    }
    json_time(j, r, "emergency_first_at_s", ps.emergency_entered != 0,
              ps.emergency_first_ns);
    ctfw_json_obj_end(j);
}
