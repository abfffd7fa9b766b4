// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Conntrack checks (CT1xx) on NOTRACK rules (-j NOTRACK, -j CT
 * --notrack) in the raw table.
 *
 * Without a host model, lint reasons by hook (reference §1.3): raw
 * PREROUTING feeds filter INPUT (local delivery) and FORWARD (when
 * forwarding is on in the sysctl profile); raw OUTPUT feeds filter
 * OUTPUT. A NOTRACK rule's packets are described by the rule's own
 * match set (the conditions of the jumps that lead to a user chain are
 * dropped, which only widens it). Every claim below holds for that
 * wider set, hence for the real one.
 *
 * Loopback: a packet on lo was tracked in OUTPUT before it re-enters in
 * PREROUTING, where NOTRACK leaves its entry alone (reference §1.3,
 * §5.2). So the PREROUTING path is reasoned about for packets arriving
 * on other interfaces, and lo is checked on its own (CT103).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctfw/eval.h"
#include "lint_private.h"

#define MAX_DEPTH 32

enum walk {
    W_ACCEPT,  /* some packet of the set may be accepted */
    W_DROPPED, /* every packet of the set that gets here is dropped */
    W_FALLS,   /* some reach the end of a user chain or RETURN */
};

struct walk_ctx {
    const struct ctfw_ruleset *rs;
    const struct lint_pred *set;
    /* The rule (or the chain, for a policy) that drops them. */
    const struct rules_rule *dropper;
    const struct rules_chain *dropper_chain;
};

/* Non-terminal targets of the filter table that let the packet go on. */
static bool
continues(const struct rules_rule *r)
{
    static const char *const names[] = {
        "LOG",  "NFLOG", "MARK", "CONNMARK", "TCPMSS", "CHECKSUM",
        "DSCP", "TOS",   "TTL",  "HL",       "TRACE",
    };
    if (r->verdict == RV_NONE)
        return true;
    if (r->verdict != RV_EXT)
        return false;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(r->tg.ext->name, names[i]))
            return true;
    return false;
}

static bool
drops(const struct rules_rule *r)
{
    return r->verdict == RV_DROP ||
           (r->verdict == RV_EXT && !strcmp(r->tg.ext->name, "REJECT"));
}

static enum walk walk_chain(struct walk_ctx *w, const struct rules_chain *c,
                            int depth);

/* The chain's end for the packets that reach it. */
static enum walk
chain_end(struct walk_ctx *w, const struct rules_chain *c, bool all)
{
    if (!c->builtin)
        return W_FALLS;
    if (c->policy == RV_ACCEPT)
        return W_ACCEPT;
    if (all && !w->dropper && !w->dropper_chain)
        w->dropper_chain = c;
    return all ? W_DROPPED : W_FALLS;
}

/*
 * Abstract traversal of chain c (ipt_do_table()) by the whole set: a
 * rule that cannot match any packet of it is skipped; one that may
 * match some and may accept ends the walk with W_ACCEPT; one that drops
 * them all ends it with W_DROPPED; anything else goes on.
 */
static enum walk
walk_chain(struct walk_ctx *w, const struct rules_chain *c, int depth)
{
    bool returned = false; /* some packets left the chain early */
    if (depth > MAX_DEPTH)
        return W_ACCEPT;
    for (size_t i = 0; i < c->n_rules; i++) {
        const struct rules_rule *r = c->rules[i];
        struct lint_pred p;
        lint_pred_from_rule(r, &p);
        if (lint_pred_disjoint(&p, w->set))
            continue;
        bool all = lint_pred_covers(&p, w->set);
        if (continues(r))
            continue;
        if (r->verdict == RV_ACCEPT)
            return W_ACCEPT;
        if (drops(r)) {
            if (all) {
                if (!returned) {
                    w->dropper = r;
                    w->dropper_chain = c;
                    return W_DROPPED;
                }
                return W_FALLS;
            }
            continue;
        }
        if (r->verdict == RV_RETURN) {
            /* In a built-in chain the policy decides (ipt_do_table()). */
            if (c->builtin) {
                if (c->policy == RV_ACCEPT)
                    return W_ACCEPT;
                if (all && !returned) {
                    w->dropper = NULL;
                    w->dropper_chain = c;
                    return W_DROPPED;
                }
                continue;
            }
            if (all)
                return W_FALLS;
            returned = true;
            continue;
        }
        if ((r->verdict == RV_JUMP || r->verdict == RV_GOTO) && r->jump_to) {
            const struct rules_rule *saved = w->dropper;
            const struct rules_chain *saved_c = w->dropper_chain;
            enum walk sub = walk_chain(w, r->jump_to, depth + 1);
            if (sub == W_ACCEPT)
                return W_ACCEPT;
            if (sub == W_DROPPED && all && !returned)
                return W_DROPPED;
            w->dropper = saved;
            w->dropper_chain = saved_c;
            if (r->verdict == RV_GOTO && sub == W_FALLS) {
                /* They end this chain as if it ended. */
                if (c->builtin) {
                    if (c->policy == RV_ACCEPT)
                        return W_ACCEPT;
                } else if (all) {
                    return W_FALLS;
                } else {
                    returned = true;
                }
            }
            continue;
        }
        /* QUEUE, NFQUEUE and targets lint does not know: may accept. */
        return W_ACCEPT;
    }
    if (returned)
        return W_FALLS; /* user chains only */
    return chain_end(w, c, true);
}

/* Every packet of `set` that reaches filter chain `name` is dropped:
 * the dropping rule or chain in *w. */
static bool
all_dropped(const struct ctfw_ruleset *rs, const char *name,
            const struct lint_pred *set, struct walk_ctx *w)
{
    memset(w, 0, sizeof(*w));
    w->rs = rs;
    w->set = set;
    if (!rs->tables[RT_FILTER].present)
        return false;
    const struct rules_chain *c = lint_chain(rs, RT_FILTER, name);
    return c && walk_chain(w, c, 0) == W_DROPPED;
}

/* "at line 22 (-A INPUT -j REJECT ...)" or "by its DROP policy". */
static void
describe_dropper(const struct walk_ctx *w, char *buf, size_t len)
{
    char text[400];
    if (w->dropper && w->dropper_chain) {
        lint_rule_text(w->dropper_chain, w->dropper, text, sizeof(text));
        snprintf(buf, len, "at line %u (%s)", w->dropper->line, text);
    } else if (w->dropper_chain) {
        snprintf(buf, len, "by the DROP policy of %s", w->dropper_chain->name);
    } else {
        snprintf(buf, len, "in the filter table");
    }
}

/* A NOTRACK rule and the raw hooks that reach it. */
struct notrack {
    const struct rules_chain *chain;
    const struct rules_rule *rule;
    unsigned hooks;
    struct lint_pred set;
};

struct nt_list {
    struct notrack *v;
    size_t n;
};

static void
collect(struct ctfw_lint *l, const struct ctfw_ruleset *rs,
        struct nt_list *out)
{
    const struct rules_table *t = &rs->tables[RT_RAW];
    out->v = NULL;
    out->n = 0;
    if (!t->present)
        return;
    unsigned *reach = calloc(t->n_chains ? t->n_chains : 1, sizeof(*reach));
    size_t total = 0;
    for (size_t i = 0; i < t->n_chains; i++)
        total += t->chains[i]->n_rules;
    out->v = calloc(total ? total : 1, sizeof(*out->v));
    if (!reach || !out->v) {
        free(reach);
        free(out->v);
        out->v = NULL;
        l->oom = true;
        return;
    }
    lint_reach(rs, RT_RAW, reach);
    for (size_t i = 0; i < t->n_chains; i++) {
        const struct rules_chain *c = t->chains[i];
        for (size_t j = 0; reach[i] && j < c->n_rules; j++) {
            const struct rules_rule *r = c->rules[j];
            if (r->verdict != RV_EXT || !rules_xt_is_notrack(&r->tg))
                continue;
            struct notrack *n = &out->v[out->n++];
            n->chain = c;
            n->rule = r;
            n->hooks = reach[i];
            lint_pred_from_rule(r, &n->set);
        }
    }
    free(reach);
}

/* Some NOTRACK rule reached from hook h may match a packet of `set`. */
static bool
notracked_in(const struct nt_list *nt, int hook, const struct lint_pred *set)
{
    for (size_t i = 0; i < nt->n; i++)
        if ((nt->v[i].hooks & RH_BIT(hook)) &&
            !lint_pred_disjoint(&nt->v[i].set, set))
            return true;
    return false;
}

/* A raw rule attaching a conntrack template (-j CT without --notrack)
 * may match a packet of `set`: NOTRACK then leaves such a packet alone
 * (notrack_tg(): "previously seen"), so nothing is claimed about it. */
static bool
template_may_match(const struct ctfw_ruleset *rs, const struct lint_pred *set)
{
    const struct rules_table *t = &rs->tables[RT_RAW];
    for (size_t i = 0; i < t->n_chains; i++)
        for (size_t j = 0; j < t->chains[i]->n_rules; j++) {
            const struct rules_rule *r = t->chains[i]->rules[j];
            struct lint_pred p;
            if (r->verdict != RV_EXT || strcmp(r->tg.ext->name, "CT") ||
                rules_xt_is_notrack(&r->tg))
                continue;
            lint_pred_from_rule(r, &p);
            if (!lint_pred_disjoint(&p, set))
                return true;
        }
    return false;
}

/* The reply direction of a set: addresses and ports swapped; interface
 * and state constraints and anything opaque dropped (widening). */
static void
reverse(const struct lint_pred *p, struct lint_pred *r)
{
    memset(r, 0, sizeof(*r));
    r->family = p->family;
    r->src = p->dst;
    r->dst = p->src;
    r->proto = p->proto;
    r->proto_inv = p->proto_inv;
    r->sport = p->dport;
    r->dport = p->sport;
    r->n_either = p->n_either;
    memcpy(r->either, p->either, sizeof(r->either));
    r->states = LINT_ST_ALL;
}

static void
check_one(struct ctfw_lint *l, int fam, const struct nt_list *nt,
          const struct notrack *n, int hook)
{
    const struct ctfw_ruleset *rs = l->rs[fam];
    int src = l->rs_src[fam];
    const struct rules_rule *r = n->rule;
    const char *hname = rules_hook_names[hook];
    const char *tg =
        strcmp(r->tg.ext->name, "CT") ? "NOTRACK" : "CT --notrack";
    bool fwd =
        ctfw_sysctl_get(&l->sysctl, fam ? CTFW_SYSCTL_IPV6_CONF_ALL_FORWARDING
                                        : CTFW_SYSCTL_IPV4_IP_FORWARD) != 0;
    char what[400], by[600];
    lint_rule_matches(r, what, sizeof(what));
    unsigned col = r->tg_col ? r->tg_col : 0;
    bool lo_only = hook == RH_PREROUTING
                       ? lint_iface_is_exact(&n->set.in, "lo")
                       : lint_iface_is_exact(&n->set.out, "lo");

    /* Without a rule that needs conntrack the family is not tracked at
     * all (reference §1.4): NOTRACK changes nothing there, and neither
     * CT102 nor CT103 has anything to say. */
    bool tracking = ctfw_rules_need_conntrack(rs);

    /* CT103: -i lo in PREROUTING, and raw OUTPUT does not untrack the
     * same packets on their way out through lo. */
    if (hook == RH_PREROUTING && lo_only && tracking) {
        struct lint_pred out = n->set;
        memset(&out.in, 0, sizeof(out.in));
        memset(&out.out, 0, sizeof(out.out));
        out.out.pos = true;
        snprintf(out.out.name, sizeof(out.out.name), "lo");
        if (!notracked_in(nt, RH_OUTPUT, &out))
            lint_report(
                l, src, r->line, col, "CT103", "raw", n->chain->name, 0,
                "%s in raw PREROUTING for '%s' has no effect: loopback "
                "packets are tracked in OUTPUT before they re-enter "
                "through lo, and raw OUTPUT does not untrack them "
                "(-o lo)",
                tg, what);
    }
    if (lo_only || template_may_match(rs, &n->set))
        return;

    /* The packets as they reach filter: from the network (PREROUTING)
     * or leaving the host on any interface (OUTPUT). */
    struct lint_pred set = n->set;
    if (hook == RH_PREROUTING)
        lint_iface_exclude(&set.in, "lo");
    else
        lint_iface_exclude(&set.out, "lo");
    set.states = RULES_ST_UNTRACKED;
    /* The mark, DSCP or TTL the rule tested may change before filter
     * (mangle, MARK): keep only what stays (addresses, ports, ...). */
    set.n_opaque = 0;
    /* The same packets tracked (NEW, RELATED or ESTABLISHED). */
    struct lint_pred tracked = set;
    tracked.states = RULES_ST_NEW | RULES_ST_REL | RULES_ST_EST;

    /* CT101: every untracked packet of the rule dropped on its path,
     * where the same packets tracked might have been accepted: the drop
     * comes from the state test. (NOTRACK followed by a DROP of the
     * same packets is a way of dropping cheaply, not a trap.) */
    struct walk_ctx w, wf, wt;
    bool dropped;
    const char *path;
    if (hook == RH_PREROUTING) {
        dropped = all_dropped(rs, "INPUT", &set, &w) &&
                  (!fwd || all_dropped(rs, "FORWARD", &set, &wf));
        path = "INPUT";
    } else {
        dropped = all_dropped(rs, "OUTPUT", &set, &w);
        path = "OUTPUT";
    }
    bool tracked_may_pass =
        hook == RH_PREROUTING
            ? !all_dropped(rs, "INPUT", &tracked, &wt) ||
                  (fwd && !all_dropped(rs, "FORWARD", &tracked, &wt))
            : !all_dropped(rs, "OUTPUT", &tracked, &wt);
    if (dropped && tracked_may_pass) {
        char fby[640] = "";
        describe_dropper(&w, by, sizeof(by));
        if (hook == RH_PREROUTING && fwd) {
            char t[512];
            describe_dropper(&wf, t, sizeof(t));
            snprintf(fby, sizeof(fby), ", and FORWARD %s", t);
        }
        lint_report(l, src, r->line, col, "CT101", "raw", n->chain->name,
                    w.dropper ? w.dropper->line : 0,
                    "%s in raw %s for '%s' but no filter rule accepts "
                    "--ctstate UNTRACKED on the path it reaches: %s drops "
                    "them %s%s",
                    tg, hname, what, path, by, fby);
    }
    /* Dropped untracked packets have no replies to worry about. */
    if (dropped || !tracking)
        return;

    /* CT102: the replies. To a local server's traffic they leave
     * through raw OUTPUT (and, forwarded, come back through raw
     * PREROUTING); to the host's own traffic they arrive through raw
     * PREROUTING. */
    struct lint_pred rev;
    reverse(&n->set, &rev);
    if (hook == RH_PREROUTING)
        lint_iface_exclude(&rev.out, "lo");
    else
        lint_iface_exclude(&rev.in, "lo");
    bool covered;
    const char *where;
    if (hook == RH_PREROUTING) {
        covered = notracked_in(nt, RH_OUTPUT, &rev) ||
                  (fwd && notracked_in(nt, RH_PREROUTING, &rev));
        where = fwd ? "raw OUTPUT or PREROUTING" : "raw OUTPUT";
    } else {
        covered = notracked_in(nt, RH_PREROUTING, &rev);
        where = "raw PREROUTING";
    }
    if (!covered) {
        const char *why =
            n->set.proto == 6 && !n->set.proto_inv
                ? " (TCP loose pickup creates an entry per "
                  "connection, SYN/ACKs are INVALID)"
            : (n->set.proto == 17 || n->set.proto == 136) && !n->set.proto_inv
                ? " (each reply starts an entry of its own)"
                : "";
        lint_report(l, src, r->line, col, "CT102", "raw", n->chain->name, 0,
                    "%s in raw %s for '%s' in one direction only: no "
                    "NOTRACK rule in %s matches the replies, so they are "
                    "still tracked%s",
                    tg, hname, what, where, why);
    }
}

void
lint_check_conntrack(struct ctfw_lint *l, int fam)
{
    const struct ctfw_ruleset *rs = l->rs[fam];
    struct nt_list nt;
    collect(l, rs, &nt);
    for (size_t i = 0; i < nt.n; i++) {
        if (nt.v[i].hooks & RH_BIT(RH_PREROUTING))
            check_one(l, fam, &nt, &nt.v[i], RH_PREROUTING);
        if (nt.v[i].hooks & RH_BIT(RH_OUTPUT))
            check_one(l, fam, &nt, &nt.v[i], RH_OUTPUT);
    }
    free(nt.v);
}
