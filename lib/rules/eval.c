// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The reference evaluator (include/ctfw/eval.h): ipt_do_table() over the
 * ruleset model, rule by rule, as reference/linux-netfilter.md §8.1
 * describes it. Extensions test and act through the match/action
 * callbacks of their descriptions; this file owns traversal, the IP
 * header part of a rule, counters and standard verdicts.
 */
#include <errno.h>
#include <string.h>

#include "eval_private.h"

/* Public table order (skb.h) to the model's. */
static const int table_map[CTFW_TABLE_COUNT] = {
    [CTFW_TABLE_RAW] = RT_RAW,
    [CTFW_TABLE_MANGLE] = RT_MANGLE,
    [CTFW_TABLE_NAT] = RT_NAT,
    [CTFW_TABLE_FILTER] = RT_FILTER,
    [CTFW_TABLE_SECURITY] = RT_SECURITY,
};

/* The jump stack bound: ip_tables keeps one slot per chain depth and
 * the loader refuses loops, so any real ruleset stays far below. */
#define EVAL_STACK_MAX 64

static struct rules_chain *
builtin_chain(const struct ctfw_ruleset *rs, enum ctfw_table table,
              enum ctfw_hook hook)
{
    if ((unsigned)table >= CTFW_TABLE_COUNT ||
        (unsigned)hook >= CTFW_HOOK_COUNT)
        return NULL;
    const struct rules_table *t = &rs->tables[table_map[table]];
    if (!t->present)
        return NULL;
    for (size_t i = 0; i < t->n_chains; i++) {
        struct rules_chain *c = t->chains[i];
        if (c->builtin && c->hook == (int)hook)
            return c;
    }
    return NULL;
}

bool
ctfw_rules_table_hooks(const struct ctfw_ruleset *rs, enum ctfw_table table,
                       enum ctfw_hook hook)
{
    return builtin_chain(rs, table, hook) != NULL;
}

static bool
xt_needs_ct(const struct rules_xt *xt)
{
    return xt->ext && xt->ext->needs_ct && xt->ext->needs_ct(xt);
}

static bool
xt_needs_ct_fn(const struct rules_xt *xt, bool is_target, const void *arg)
{
    (void)is_target;
    (void)arg;
    return xt_needs_ct(xt);
}

/*
 * nf_ct_netns_get() is called by the checkentry of the extensions that
 * need conntrack (NAT targets included), not by the nat table itself:
 * its hooks (nf_nat_ipv4_fn) pass every packet without a conntrack, so a
 * nat table whose rules use no such extension leaves conntrack off and
 * is never traversed (seen on 6.18 with iptables-nft and -legacy: the
 * oracle's nat_table_no_conntrack case; reference §1.4 said "any NAT
 * table").
 */
bool
ctfw_rules_need_conntrack(const struct ctfw_ruleset *rs)
{
    return rules_find_xt(rs, xt_needs_ct_fn, NULL) != NULL;
}

/* addr & mask == net (both in network order), family-sized. */
static bool
addr_match(int family, const union ctfw_addr *a, const union ctfw_addr *net,
           const union ctfw_addr *mask)
{
    int words = family == 6 ? 4 : 1;
    for (int i = 0; i < words; i++)
        if ((a->w[i] & mask->w[i]) != (net->w[i] & mask->w[i]))
            return false;
    return true;
}

/* ifname_compare(): a rule name ending in '+' matches every interface
 * with that prefix; an empty rule name matches anything. */
static bool
iface_match(const char *rule, const char *dev)
{
    size_t n = strlen(rule);
    if (n == 0)
        return true;
    if (rule[n - 1] == '+')
        return !strncmp(rule, dev, n - 1);
    return !strcmp(rule, dev);
}

/* ip_packet_match() / ip6_packet_match(). */
static bool
header_match(const struct rules_rule *r, const struct ctfw_skb *skb)
{
    const struct ctfw_pkt *p = &skb->pkt;
    int fam = r->family;
    if (addr_match(fam, &p->src, &r->src, &r->smsk) ==
        !!(r->inv & RINV_SRC))
        return false;
    if (addr_match(fam, &p->dst, &r->dst, &r->dmsk) ==
        !!(r->inv & RINV_DST))
        return false;
    if (r->in[0] &&
        iface_match(r->in, skb->in_name ? skb->in_name : "") ==
            !!(r->inv & RINV_IN))
        return false;
    if (r->out[0] &&
        iface_match(r->out, skb->out_name ? skb->out_name : "") ==
            !!(r->inv & RINV_OUT))
        return false;
    if (r->proto && (p->proto == r->proto) == !!(r->inv & RINV_PROTO))
        return false;
    /* -f: IPv4 fragments other than the first (ip_tables IPT_F_FRAG). */
    if (r->frag && (p->frag == CTFW_PKT_FRAG_LATER) == !!(r->inv & RINV_FRAG))
        return false;
    return true;
}

static const char *
policy_name(enum rules_verdict v)
{
    return v == RV_DROP ? "DROP" : "ACCEPT";
}

int
ctfw_rules_eval(struct ctfw_ruleset *rs, enum ctfw_table table,
                struct ctfw_skb *skb, const struct ctfw_rules_env *env,
                struct ctfw_rules_verdict *out)
{
    memset(out, 0, sizeof(*out));
    out->accept = true;
    if (skb->pkt.family != rs->family)
        return -ENOENT;
    struct rules_chain *base =
        builtin_chain(rs, table, (enum ctfw_hook)skb->hook);
    if (!base) {
        out->by = CTFW_RULES_BY_NOCHAIN;
        return 0;
    }
    struct {
        struct rules_chain *chain;
        size_t next;
    } stack[EVAL_STACK_MAX];
    size_t depth = 0;
    struct rules_chain *c = base;
    size_t i = 0;
    uint64_t bytes = skb->pkt.ip_len;
    struct rules_eval ev = {
        .rs = rs, .skb = skb, .env = env, .table = table};

    for (;;) {
        if (i >= c->n_rules) {
            if (c == base || depth == 0) {
                /* The end of a built-in chain: its policy. (A user
                 * chain reached by goto from the base returns to the
                 * base's policy too.) */
                base->pkts++;
                base->bytes += bytes;
                out->by = CTFW_RULES_BY_POLICY;
                out->chain = base->name;
                out->rule = 0;
                out->target = policy_name(base->policy);
                out->accept = base->policy != RV_DROP;
                return 0;
            }
            /* Falling off a user chain: implicit RETURN. */
            depth--;
            c = stack[depth].chain;
            i = stack[depth].next;
            continue;
        }
        const struct rules_rule *r = c->rules[i];
        size_t pos = i++;
        if (!header_match(r, skb))
            continue;
        ev.rule = r;
        ev.chain = c->name;
        ev.rule_no = (unsigned)pos + 1;
        bool ok = true;
        for (size_t m = 0; ok && m < r->n_m; m++) {
            const struct rules_xt *xt = &r->m[m];
            ok = xt->ext->match && xt->ext->match(xt, &ev);
            if (ev.hotdrop) {
                out->by = CTFW_RULES_BY_HOTDROP;
                out->chain = c->name;
                out->rule = (unsigned)pos + 1;
                out->target = xt->ext->name;
                out->accept = false;
                return 0;
            }
        }
        if (!ok)
            continue;
        /* Counted on match, before the target (§8.1). */
        ((struct rules_rule *)r)->pkts++;
        ((struct rules_rule *)r)->bytes += bytes;
        switch (r->verdict) {
        case RV_NONE:
            continue;
        case RV_ACCEPT:
        case RV_DROP:
        case RV_QUEUE:
            /* QUEUE without a listener drops, as the kernel does. */
            out->by = CTFW_RULES_BY_RULE;
            out->chain = c->name;
            out->rule = (unsigned)pos + 1;
            out->target = r->verdict == RV_ACCEPT ? "ACCEPT"
                          : r->verdict == RV_DROP ? "DROP"
                                                  : "QUEUE";
            out->accept = r->verdict == RV_ACCEPT;
            return 0;
        case RV_RETURN:
            if (depth == 0) {
                i = c->n_rules;   /* to the policy */
                c = base;
                i = base->n_rules;
                continue;
            }
            depth--;
            c = stack[depth].chain;
            i = stack[depth].next;
            continue;
        case RV_JUMP:
            if (depth == EVAL_STACK_MAX) {
                /* Cannot happen with a loop-free ruleset; drop as the
                 * kernel's stack overflow check would. */
                out->by = CTFW_RULES_BY_HOTDROP;
                out->accept = false;
                out->chain = c->name;
                out->rule = (unsigned)pos + 1;
                out->target = r->jump;
                return 0;
            }
            stack[depth].chain = c;
            stack[depth].next = i;
            depth++;
            c = r->jump_to;
            i = 0;
            continue;
        case RV_GOTO:
            c = r->jump_to;
            i = 0;
            continue;
        case RV_EXT: {
            int v = r->tg.ext->action ? r->tg.ext->action(&r->tg, &ev)
                                      : RULES_XT_DROP;
            if (v == RULES_XT_CONTINUE)
                continue;
            out->by = CTFW_RULES_BY_RULE;
            out->chain = c->name;
            out->rule = (unsigned)pos + 1;
            out->target = r->tg.ext->save_name ? r->tg.ext->save_name
                                               : r->tg.ext->name;
            out->accept = v == RULES_XT_ACCEPT;
            return 0;
        }
        }
    }
}

/*
 * The first extension of the ruleset that is parsed but not evaluated
 * yet, or NULL. Replay refuses such a ruleset instead of guessing.
 */
static bool
unevaluated_fn(const struct rules_xt *xt, bool is_target, const void *arg)
{
    (void)arg;
    return is_target ? !xt->ext->action : !xt->ext->match;
}

const char *
ctfw_rules_unevaluated(const struct ctfw_ruleset *rs, bool *is_target)
{
    const struct rules_xt *xt = rules_find_xt(rs, unevaluated_fn, NULL);
    if (!xt)
        return NULL;
    *is_target = xt->ext->target;
    return xt->ext->name;
}
