// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The reference evaluator (include/ctfw/eval.h): ipt_do_table() over the
 * ruleset model, rule by rule, as reference/linux-netfilter.md §8.1
 * describes it. Extensions test and act through the match/action
 * callbacks of their descriptions; this file owns traversal, the IP
 * header part of a rule, counters and standard verdicts.
 *
 * One walk, eval_walk(): every rule in order (the reference, linear
 * mode), or the candidates each chain's classifier leaves (classify.c,
 * issue 9); ctfw_rules_eval() picks by the ruleset's mode
 * (ctfw_rules_set_mode()).
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
builtin_chain_find(const struct ctfw_ruleset *rs, enum ctfw_table table,
                   enum ctfw_hook hook)
{
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

static __attribute__((noinline)) struct rules_chain *
builtin_chains_fill(struct ctfw_ruleset *w, enum ctfw_table table,
                    enum ctfw_hook hook)
{
    for (int t = 0; t < CTFW_TABLE_COUNT; t++)
        for (int h = 0; h < CTFW_HOOK_COUNT; h++)
            w->hook_chain[t][h] = builtin_chain_find(w, (enum ctfw_table)t,
                                                     (enum ctfw_hook)h);
    w->hook_chains_ok = true;
    return w->hook_chain[table][hook];
}

/* The built-in chain of table at hook, from a cache filled on first use
 * and dropped with the classifiers whenever the ruleset changes
 * (rules_cls_reset()); like the extensions' runtime state, the cache is
 * not part of the ruleset's value, hence written through a const
 * pointer. The pipeline asks for every table at every hook: the fast
 * path stays a few instructions (the fill is a tail call). */
static inline struct rules_chain *
builtin_chain(const struct ctfw_ruleset *rs, enum ctfw_table table,
              enum ctfw_hook hook)
{
    if ((unsigned)table >= CTFW_TABLE_COUNT ||
        (unsigned)hook >= CTFW_HOOK_COUNT)
        return NULL;
    if (__builtin_expect(rs->hook_chains_ok, 1))
        return rs->hook_chain[table][hook];
    return builtin_chains_fill((struct ctfw_ruleset *)rs, table, hook);
}

bool
ctfw_rules_table_hooks(const struct ctfw_ruleset *rs, enum ctfw_table table,
                       enum ctfw_hook hook)
{
    return builtin_chain(rs, table, hook) != NULL;
}

unsigned
ctfw_rules_generation(const struct ctfw_ruleset *rs)
{
    return rs->gen;
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
    if (!rule[0])
        return true;
    /* One pass: a '+' that ends the rule's name ends the comparison
     * (every character before it matched); elsewhere it is literal. */
    for (;; rule++, dev++) {
        if (rule[0] == '+' && !rule[1])
            return true;
        if (*rule != *dev)
            return false;
        if (!*rule)
            return true;
    }
}

/* ip_packet_match() / ip6_packet_match(); inlined in both walks. */
static inline __attribute__((always_inline)) bool
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

/*
 * Where the walk stands in one chain: the chain's rules in order
 * (list NULL: index k is the rule), or the candidates its classifier
 * left for this packet (classify.c: rule list[k] / 2, decided when
 * list[k] is odd); end is where the chain's walk ends either way.
 */
struct walk {
    struct rules_chain *chain;
    const uint32_t *list;
    size_t k, end;
    size_t next;      /* index after the rule last taken */
};

struct walk_key {
    struct rules_cls_key key;
    bool made;
    bool linear;      /* no classifier for the rest of this packet */
};

/* Inlined, and by value, so that the walk stays in registers: the
 * per-rule loop is the hot path of every evaluation. */
static inline __attribute__((always_inline)) struct walk
walk_enter(struct rules_chain *c, const struct ctfw_ruleset *rs,
           const struct ctfw_skb *skb, struct walk_key *wk)
{
    struct walk w = {.chain = c, .end = c->n_rules};
    if (wk->linear)
        return w;
    struct rules_cls *cl = rules_cls_get(rs, c);
    if (!cl)
        return w;
    if (!wk->made) {
        rules_cls_key(&wk->key, &skb->pkt);
        wk->made = true;
    }
    const uint32_t *idx;
    size_t n;
    if (rules_cls_lookup(cl, &wk->key, &idx, &n)) {
        w.list = idx;
        w.end = n;
    }
    return w;
}

/* From candidates back to every rule, from the one after the rule last
 * taken. */
static inline struct walk
walk_unlist(struct walk w)
{
    if (w.list) {
        w.list = NULL;
        w.k = w.next;
        w.end = w.chain->n_rules;
    }
    return w;
}

/*
 * ipt_do_table()'s walk: every rule of a chain in order (linear: the
 * reference, CTFW_RULES_LINEAR), or only the candidates its classifier
 * leaves for this packet (classify.c) where the chain has one. The
 * per-rule test, counters and verdicts are the same code either way; the
 * differential test (tests/unit/test_classify.c) checks that the
 * candidates never change an answer.
 */
static int
eval_walk(struct ctfw_ruleset *rs, enum ctfw_table table,
          struct ctfw_skb *skb, const struct ctfw_rules_env *env,
          struct ctfw_rules_verdict *out, struct rules_chain *base,
          bool linear)
{
    struct walk stack[EVAL_STACK_MAX];
    size_t depth = 0;
    struct walk_key wk = {.linear = linear};
    unsigned gen = ++rs->cls_gen;
    struct walk w = walk_enter(base, rs, skb, &wk);
    uint64_t bytes = skb->pkt.ip_len;
    struct rules_eval ev = {
        .rs = rs, .skb = skb, .env = env, .table = table};

    for (;;) {
        struct rules_chain *c = w.chain;
        if (w.k >= w.end) {
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
            w = stack[--depth];
            continue;
        }
        size_t pos = w.k;
        bool decided = false;
        if (w.list) {
            pos = w.list[w.k] >> 1;
            decided = w.list[w.k] & 1;
        }
        w.k++;
        w.next = pos + 1;
        const struct rules_rule *r = c->rules[pos];
        /* A decided candidate matches: its header test and every match
         * are what the classifier tested, and have no effect (classify.c,
         * leaf()); straight to the counters and the target. */
        if (!decided && !header_match(r, skb))
            continue;
        ev.rule = r;
        ev.chain = c->name;
        ev.rule_no = (unsigned)pos + 1;
        bool ok = true;
        for (size_t m = 0; ok && !decided && m < r->n_m; m++) {
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
                /* To the base chain's policy. */
                w.chain = base;
                w.list = NULL;
                w.k = w.end = 0;
                continue;
            }
            w = stack[--depth];
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
            stack[depth++] = w;
            w = walk_enter(r->jump_to, rs, skb, &wk);
            continue;
        case RV_GOTO:
            w = walk_enter(r->jump_to, rs, skb, &wk);
            continue;
        case RV_EXT: {
            int v = r->tg.ext->action ? r->tg.ext->action(&r->tg, &ev)
                                      : RULES_XT_DROP;
            if (v == RULES_XT_CONTINUE) {
                /* A target that rewrote a field the classifier keyed
                 * on, or an evaluation nested in the target (its
                 * lookups reuse the classifiers' candidate lists):
                 * finish this packet rule by rule. */
                if (wk.made && !wk.linear) {
                    struct rules_cls_key now;
                    rules_cls_key(&now, &skb->pkt);
                    if (gen != rs->cls_gen ||
                        !rules_cls_key_equal(&now, &wk.key)) {
                        wk.linear = true;
                        w = walk_unlist(w);
                        for (size_t s = 0; s < depth; s++)
                            stack[s] = walk_unlist(stack[s]);
                    }
                }
                continue;
            }
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
    return eval_walk(rs, table, skb, env, out, base,
                     rs->eval_mode == CTFW_RULES_LINEAR);
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
