// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Ruleset structure (RU3xx): rules shadowed by an earlier rule, rules
 * after an unconditional terminal rule, and user chains that nothing
 * reachable jumps to. Also the ruleset helpers the other checks share.
 *
 * Jumps to chains that do not exist are not findings: iptables-restore
 * refuses them ("Chain 'X' does not exist"), and so does the parser
 * before lint runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint_private.h"

const struct rules_chain *
lint_chain(const struct ctfw_ruleset *rs, int table, const char *name)
{
    const struct rules_table *t = &rs->tables[table];
    for (size_t i = 0; t->present && i < t->n_chains; i++)
        if (!strcmp(t->chains[i]->name, name))
            return t->chains[i];
    return NULL;
}

static size_t
chain_idx(const struct rules_table *t, const struct rules_chain *c)
{
    for (size_t i = 0; i < t->n_chains; i++)
        if (t->chains[i] == c)
            return i;
    return SIZE_MAX;
}

void
lint_reach(const struct ctfw_ruleset *rs, int table, unsigned *reach)
{
    const struct rules_table *t = &rs->tables[table];
    for (size_t i = 0; i < t->n_chains; i++)
        reach[i] = t->chains[i]->builtin ? RH_BIT(t->chains[i]->hook) : 0;
    /* A fixed point over the jump graph: at most n_chains rounds. */
    bool changed = true;
    for (size_t round = 0; changed && round <= t->n_chains; round++) {
        changed = false;
        for (size_t i = 0; i < t->n_chains; i++) {
            const struct rules_chain *c = t->chains[i];
            if (!reach[i])
                continue;
            for (size_t j = 0; j < c->n_rules; j++) {
                const struct rules_rule *r = c->rules[j];
                if ((r->verdict != RV_JUMP && r->verdict != RV_GOTO) ||
                    !r->jump_to)
                    continue;
                size_t d = chain_idx(t, r->jump_to);
                if (d != SIZE_MAX && (reach[d] | reach[i]) != reach[d]) {
                    reach[d] |= reach[i];
                    changed = true;
                }
            }
        }
    }
}

void
lint_rule_matches(const struct rules_rule *r, char *buf, size_t len)
{
    struct rules_rule copy = *r;
    copy.verdict = RV_NONE;
    struct rbuf b = {0};
    rules_rule_save(&b, &copy);
    const char *s = b.s ? b.s : "";
    while (*s == ' ')
        s++;
    snprintf(buf, len, "%s", *s ? s : "all packets");
    rbuf_fini(&b);
}

void
lint_rule_text(const struct rules_chain *c, const struct rules_rule *r,
               char *buf, size_t len)
{
    struct rbuf b = {0};
    rules_rule_save(&b, r);
    snprintf(buf, len, "-A %s%s", c->name, b.s ? b.s : "");
    rbuf_fini(&b);
}

/* Targets that end the traversal of the chain for the packets they
 * take: the verdicts, and extension targets that return a verdict
 * (REJECT drops, the NAT targets accept: xt_nat, nf_nat_*). */
bool
lint_rule_terminal(const struct rules_rule *r)
{
    static const char *const ext[] = {"REJECT",     "SNAT",     "DNAT",
                                      "MASQUERADE", "REDIRECT", "NETMAP"};
    switch (r->verdict) {
    case RV_ACCEPT:
    case RV_DROP:
    case RV_RETURN:
    case RV_GOTO:
        return true;
    case RV_EXT:
        for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
            if (!strcmp(r->tg.ext->name, ext[i]))
                return true;
        return false;
    default:
        return false;
    }
}

static const char *
verdict_word(const struct rules_rule *r)
{
    switch (r->verdict) {
    case RV_ACCEPT:
        return "ACCEPT";
    case RV_DROP:
        return "DROP";
    case RV_RETURN:
        return "RETURN";
    case RV_GOTO:
        return "goto";
    case RV_EXT:
        return r->tg.ext->name;
    default:
        return "";
    }
}

/* Column of "-A" (restore) or of the first word (script): the rule. */
static unsigned
rule_col(const struct rules_rule *r)
{
    const char *t = r->text ? r->text : "";
    const char *a = strstr(t, "-A ");
    if (!a)
        a = strstr(t, "-I ");
    return a ? (unsigned)(a - t) + 1 : 1;
}

/* Targets that leave the packet as it was (besides the verdicts). */
static bool
leaves_packet(const struct rules_rule *r)
{
    static const char *const names[] = {"LOG", "NFLOG", "TRACE"};
    if (r->verdict == RV_JUMP)
        return false; /* the chain jumped to may change it */
    if (r->verdict != RV_EXT)
        return true;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(r->tg.ext->name, names[i]))
            return true;
    return false;
}

/* Matches on what a target can change during the traversal: the mark
 * (MARK, CONNMARK), DSCP/TOS, TTL/HL, the MSS option and the length
 * (TCPMSS), the route lookup rpfilter does with the mark, and the
 * conntrack state (CT, NOTRACK in raw). */
static bool
mutable_match(const struct rules_xt *xt)
{
    static const char *const names[] = {
        "mark",   "connmark", "dscp",     "tos",   "ttl",       "hl",
        "tcpmss", "length",   "rpfilter", "state", "conntrack", "helper",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(xt->ext->name, names[i]))
            return true;
    return false;
}

/* Whether a's set tests something a target between the two rules may
 * have changed. */
static bool
depends_on_mutable(const struct lint_pred *a)
{
    if (a->states != LINT_ST_ALL)
        return true;
    for (unsigned i = 0; i < a->n_opaque; i++)
        if (mutable_match(a->opaque[i]))
            return true;
    return false;
}

/* Shadowing within one chain; `preds` holds every rule's set. */
static void
check_chain(struct ctfw_lint *l, int src, int table,
            const struct rules_chain *c, const struct lint_pred *preds)
{
    const char *tname = rules_tables[table].name;
    char text[512];
    size_t stop = c->n_rules;
    for (size_t i = 0; i < c->n_rules; i++) {
        const struct rules_rule *r = c->rules[i];
        if (lint_rule_terminal(r) && lint_pred_universal(&preds[i])) {
            stop = i;
            break;
        }
    }
    /* RU301: the first earlier terminal rule whose set covers it. A
     * rule that may change the packet between the two (MARK, a jump)
     * voids what the earlier rule tested on mutable properties:
     * `changes` counts such rules before each index. */
    size_t *changes = malloc((c->n_rules + 1) * sizeof(*changes));
    if (!changes) {
        l->oom = true;
        return;
    }
    changes[0] = 0;
    for (size_t k = 0; k < c->n_rules; k++)
        changes[k + 1] = changes[k] + !leaves_packet(c->rules[k]);
    for (size_t j = 1; j < stop; j++) {
        for (size_t i = 0; i < j; i++) {
            const struct rules_rule *a = c->rules[i];
            if (!lint_rule_terminal(a) ||
                !lint_pred_covers(&preds[i], &preds[j]))
                continue;
            if (changes[j] - changes[i + 1] && depends_on_mutable(&preds[i]))
                continue;
            lint_rule_text(c, a, text, sizeof(text));
            lint_report(l, src, c->rules[j]->line, rule_col(c->rules[j]),
                        "RU301", tname, c->name, a->line,
                        "rule is never reached: line %u (%s) takes every "
                        "packet it matches (%s)",
                        a->line, text, verdict_word(a));
            break;
        }
    }
    free(changes);
    /* RU302: everything after an unconditional terminal rule. */
    if (stop + 1 < c->n_rules) {
        const struct rules_rule *a = c->rules[stop];
        size_t n = c->n_rules - stop - 1;
        lint_rule_text(c, a, text, sizeof(text));
        lint_report(l, src, c->rules[stop + 1]->line,
                    rule_col(c->rules[stop + 1]), "RU302", tname, c->name,
                    a->line,
                    "%s never reached: line %u (%s) takes every packet "
                    "(%s, no match)",
                    n == 1 ? "this rule is"
                           : "this rule and the ones after "
                             "it are",
                    a->line, text, verdict_word(a));
    }
}

void
lint_check_structure(struct ctfw_lint *l, int fam)
{
    const struct ctfw_ruleset *rs = l->rs[fam];
    int src = l->rs_src[fam];
    for (int t = 0; t < RT_N_TABLES; t++) {
        const struct rules_table *tb = &rs->tables[t];
        if (!tb->present)
            continue;
        unsigned *reach =
            calloc(tb->n_chains ? tb->n_chains : 1, sizeof(*reach));
        if (!reach) {
            l->oom = true;
            return;
        }
        lint_reach(rs, t, reach);
        for (size_t i = 0; i < tb->n_chains; i++) {
            const struct rules_chain *c = tb->chains[i];
            if (!c->builtin && !reach[i]) {
                size_t refs = 0;
                for (size_t k = 0; k < tb->n_chains; k++)
                    for (size_t j = 0; j < tb->chains[k]->n_rules; j++)
                        if (tb->chains[k]->rules[j]->jump_to == c)
                            refs++;
                if (refs)
                    lint_report(l, src, c->line, 0, "RU303",
                                rules_tables[t].name, c->name, 0,
                                "chain %s is never reached: the %zu "
                                "rule%s jumping to it %s in chains that "
                                "no built-in chain reaches",
                                c->name, refs, refs == 1 ? "" : "s",
                                refs == 1 ? "is" : "are");
                else
                    lint_report(l, src, c->line, 0, "RU303",
                                rules_tables[t].name, c->name, 0,
                                "chain %s is never reached: no rule jumps "
                                "to it",
                                c->name);
            }
            if (c->n_rules < 2)
                continue;
            struct lint_pred *preds = malloc(c->n_rules * sizeof(*preds));
            if (!preds) {
                l->oom = true;
                break;
            }
            for (size_t j = 0; j < c->n_rules; j++)
                lint_pred_from_rule(c->rules[j], &preds[j]);
            check_chain(l, src, t, c, preds);
            free(preds);
        }
        free(reach);
    }
}
