// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Commit-time checks: what the kernel refuses when iptables-nft sends a
 * table's batch. Targets restricted to a table (CT and NOTRACK: raw;
 * NAT targets: nat; REJECT: filter) are refused at their own line;
 * targets restricted to hooks (DNAT: PREROUTING/OUTPUT, ...) are refused
 * once the chain holding them is reachable from a hook they do not
 * support, i.e. at the later of the rule's line and the line of the jump
 * that made the chain reachable; a jump to a built-in chain is
 * "Operation not supported" when it closes a loop, else "No such file or
 * directory"; a jump that closes a loop reachable from a
 * built-in chain is "Too many links" (nft_chain_validate()).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_private.h"


struct chk {
    struct rules_ctx *ctx;
    int table;
    struct rules_table *t;
    unsigned (*reach)[RH_N_HOOKS]; /* per chain index */
    bool script;                   /* only rules of ctx->line count */
};

static size_t
chain_index(const struct rules_table *t, const struct rules_chain *c)
{
    for (size_t i = 0; i < t->n_chains; i++)
        if (t->chains[i] == c)
            return i;
    return SIZE_MAX;
}

static void
kernel_err(struct chk *k, unsigned line, const char *chain, const char *err,
           unsigned col, unsigned len, const char *src)
{
    struct rules_ctx *ctx = k->ctx;
    char msg[256], text[512];
    snprintf(msg, sizeof(msg), "RULE_APPEND failed (%s): rule in chain %s",
             err, chain);
    if (ctx->restore)
        snprintf(text, sizeof(text), "%s " IPT_VERSION ": \nline %u: %s\n",
                 ctx->prog, line, msg);
    else
        snprintf(text, sizeof(text), "%s " IPT_VERSION ":  %s\n", ctx->prog,
                 msg);
    rules_diag_add(ctx->rs, line, col, len, CTFW_RULES_EXIT_KERNEL, msg, text,
                   src);
}

/* Source text of the rule added at `line`. */
static const char *
source_for(struct chk *k, unsigned line)
{
    for (size_t i = 0; i < k->t->n_chains; i++)
        for (size_t j = 0; j < k->t->chains[i]->n_rules; j++)
            if (k->t->chains[i]->rules[j]->line == line)
                return k->t->chains[i]->rules[j]->text;
    return line == k->ctx->line ? k->ctx->source : "";
}

static void
compute_reach(struct chk *k)
{
    struct rules_table *t = k->t;
    for (size_t i = 0; i < t->n_chains; i++)
        for (int h = 0; h < RH_N_HOOKS; h++)
            k->reach[i][h] = t->chains[i]->builtin && t->chains[i]->hook == h
                                 ? 0
                                 : UINT_MAX;
    bool changed = true;
    for (size_t iter = 0; changed && iter <= t->n_chains; iter++) {
        changed = false;
        for (size_t i = 0; i < t->n_chains; i++) {
            struct rules_chain *c = t->chains[i];
            for (size_t j = 0; j < c->n_rules; j++) {
                struct rules_rule *r = c->rules[j];
                if ((r->verdict != RV_JUMP && r->verdict != RV_GOTO) ||
                    !r->jump_to || r->jump_to->builtin)
                    continue;
                size_t d = chain_index(t, r->jump_to);
                if (d == SIZE_MAX)
                    continue;
                for (int h = 0; h < RH_N_HOOKS; h++) {
                    if (k->reach[i][h] == UINT_MAX)
                        continue;
                    unsigned at =
                        k->reach[i][h] > r->line ? k->reach[i][h] : r->line;
                    if (at < k->reach[d][h]) {
                        k->reach[d][h] = at;
                        changed = true;
                    }
                }
            }
        }
    }
}

/* Cycle among jumps with line <= limit reachable from a built-in. */
static bool
has_loop(struct chk *k, unsigned limit, unsigned char *color, size_t *stack,
         size_t *pos)
{
    struct rules_table *t = k->t;
    size_t n = t->n_chains;
    memset(color, 0, n);
    for (size_t root = 0; root < n; root++) {
        if (!t->chains[root]->builtin)
            continue;
        /* Iterative DFS: stack of chain indexes, pos = next rule. */
        size_t sp = 0;
        if (color[root])
            continue;
        stack[sp] = root;
        pos[sp] = 0;
        color[root] = 1;
        sp++;
        while (sp) {
            size_t ci = stack[sp - 1];
            struct rules_chain *c = t->chains[ci];
            if (pos[sp - 1] >= c->n_rules) {
                color[ci] = 2;
                sp--;
                continue;
            }
            struct rules_rule *r = c->rules[pos[sp - 1]++];
            /* Jumps to built-in chains are refused on their own. */
            if ((r->verdict != RV_JUMP && r->verdict != RV_GOTO) ||
                !r->jump_to || r->jump_to->builtin || r->line > limit)
                continue;
            size_t d = chain_index(t, r->jump_to);
            if (d == SIZE_MAX)
                continue;
            if (color[d] == 1)
                return true;
            if (color[d] == 0) {
                color[d] = 1;
                stack[sp] = d;
                pos[sp] = 0;
                sp++;
            }
        }
    }
    return false;
}

/* nf_tables validates at most NFT_JUMP_STACK_SIZE (16) nested jumps. */
#define JUMP_STACK 16

/* Longest chain of jumps (line <= limit) from chain ci; the jump graph
 * is known to be acyclic here. depth[] caches, UINT_MAX = unknown. */
static unsigned
longest(struct chk *k, size_t ci, unsigned limit, unsigned *depth,
        unsigned level)
{
    if (depth[ci] != UINT_MAX)
        return depth[ci];
    /* The recursion follows a real path from a built-in chain: once it
     * is JUMP_STACK deep the answer is known (and the stack bounded). */
    if (level >= JUMP_STACK)
        return JUMP_STACK;
    unsigned best = 0;
    const struct rules_chain *c = k->t->chains[ci];
    for (size_t j = 0; j < c->n_rules; j++) {
        const struct rules_rule *r = c->rules[j];
        if ((r->verdict != RV_JUMP && r->verdict != RV_GOTO) || !r->jump_to ||
            r->jump_to->builtin || r->line > limit)
            continue;
        size_t d = chain_index(k->t, r->jump_to);
        if (d == SIZE_MAX)
            continue;
        unsigned l = 1 + longest(k, d, limit, depth, level + 1);
        if (l > best)
            best = l;
        if (best >= JUMP_STACK)
            break;
    }
    depth[ci] = best;
    return best;
}

static bool
too_deep(struct chk *k, unsigned limit, unsigned *depth)
{
    size_t n = k->t->n_chains;
    for (size_t i = 0; i < n; i++)
        depth[i] = UINT_MAX;
    for (size_t i = 0; i < n; i++)
        if (k->t->chains[i]->builtin &&
            longest(k, i, limit, depth, 0) >= JUMP_STACK)
            return true;
    return false;
}

static void
check_depth(struct chk *k)
{
    size_t n = k->t->n_chains;
    unsigned *depth = malloc((n ? n : 1) * sizeof(*depth));
    if (!depth) {
        k->ctx->rs->oom = true;
        return;
    }
    if (too_deep(k, UINT_MAX, depth)) {
        unsigned lo = 0, hi = k->ctx->line;
        while (lo < hi) {
            unsigned mid = lo + (hi - lo) / 2;
            if (too_deep(k, mid, depth))
                hi = mid;
            else
                lo = mid + 1;
        }
        const char *chain = "";
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < k->t->chains[i]->n_rules; j++)
                if (k->t->chains[i]->rules[j]->line == lo)
                    chain = k->t->chains[i]->name;
        kernel_err(k, lo, chain, "Too many links", 0, 1, source_for(k, lo));
    }
    free(depth);
}

static void
check_loops(struct chk *k)
{
    struct rules_table *t = k->t;
    size_t n = t->n_chains;
    unsigned char *color = malloc(n ? n : 1);
    size_t *stack = malloc((n ? n : 1) * sizeof(*stack));
    size_t *pos = malloc((n ? n : 1) * sizeof(*pos));
    if (!color || !stack || !pos) {
        k->ctx->rs->oom = true;
        goto out;
    }
    if (!has_loop(k, UINT_MAX, color, stack, pos)) {
        check_depth(k);
        goto out;
    }
    /* The loop is refused at the first line where it exists. */
    unsigned lo = 0, hi = k->ctx->line;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (has_loop(k, mid, color, stack, pos))
            hi = mid;
        else
            lo = mid + 1;
    }
    const char *chain = "";
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < t->chains[i]->n_rules; j++)
            if (t->chains[i]->rules[j]->line == lo)
                chain = t->chains[i]->name;
    kernel_err(k, lo, chain, "Too many links", 0, 1, source_for(k, lo));
out:
    free(color);
    free(stack);
    free(pos);
}

/* Whether chain `to` can be reached from chain `from` by jumps to user
 * chains (depth-first, iterative). */
static bool
reaches(struct chk *k, size_t from, size_t to)
{
    size_t n = k->t->n_chains;
    unsigned char *seen = calloc(n ? n : 1, 1);
    size_t *stack = malloc((n ? n : 1) * sizeof(*stack));
    bool found = false;
    if (!seen || !stack) {
        k->ctx->rs->oom = true;
        goto out;
    }
    size_t sp = 0;
    stack[sp++] = from;
    seen[from] = 1;
    while (sp && !found) {
        const struct rules_chain *c = k->t->chains[stack[--sp]];
        for (size_t j = 0; j < c->n_rules; j++) {
            const struct rules_rule *r = c->rules[j];
            if ((r->verdict != RV_JUMP && r->verdict != RV_GOTO) ||
                !r->jump_to || r->jump_to->builtin)
                continue;
            size_t d = chain_index(k->t, r->jump_to);
            if (d == to) {
                found = true;
                break;
            }
            if (d != SIZE_MAX && !seen[d]) {
                seen[d] = 1;
                stack[sp++] = d;
            }
        }
    }
out:
    free(seen);
    free(stack);
    return found;
}

static void
check_rule(struct chk *k, size_t ci, struct rules_rule *r)
{
    struct rules_chain *c = k->t->chains[ci];
    const char *src = r->text;
    if ((r->verdict == RV_JUMP || r->verdict == RV_GOTO) && r->jump_to &&
        r->jump_to->builtin) {
        /* nf_tables: a jump back into a base chain that leads here is a
         * loop (EOPNOTSUPP); to another base chain, ENOENT. */
        size_t from = chain_index(k->t, r->jump_to);
        bool loop = from == ci || reaches(k, from, ci);
        kernel_err(k, r->line, c->name,
                   loop ? "Operation not supported"
                        : "No such file or directory",
                   r->tg_col, r->tg_len, src);
        return;
    }
    if (r->verdict == RV_QUEUE) {
        /* nf_tables has no queue 0 bound by default: refused. */
        kernel_err(k, r->line, c->name, "No such file or directory", r->tg_col,
                   r->tg_len, src);
        return;
    }
    const struct rules_xt *xts[1 + 64];
    size_t nx = 0;
    for (size_t i = 0; i < r->n_m && nx < 64; i++)
        xts[nx++] = &r->m[i];
    if (r->verdict == RV_EXT)
        xts[nx++] = &r->tg;
    for (size_t i = 0; i < nx; i++) {
        const struct rules_ext *e = xts[i]->ext;
        if (e->tables && !(e->tables & RT_BIT(k->table))) {
            kernel_err(k, r->line, c->name,
                       e->kernel_errno ? e->kernel_errno : "Invalid argument",
                       xts[i]->col, xts[i]->len, src);
            return;
        }
        const char *kerr = e->kcheck ? e->kcheck(xts[i], r) : NULL;
        /* Conntrack unloaded: the module behind the match or target
         * (nft_ct, xt_state, xt_conntrack, nf_nat...) cannot load, and
         * the kernel answers ENOENT. */
        if (!kerr && k->ctx->rs->no_conntrack &&
            ((e->needs_ct && e->needs_ct(xts[i])) || e->ct_module ||
             k->table == RT_NAT))
            kerr = "No such file or directory";
        if (kerr) {
            kernel_err(k, r->line, c->name, kerr, xts[i]->col, xts[i]->len,
                       src);
            return;
        }
        unsigned allowed = e->hooks;
        if (e->hooks_for && e->hooks_for(xts[i]))
            allowed = e->hooks_for(xts[i]);
        if (!allowed)
            continue;
        unsigned at = UINT_MAX;
        for (int h = 0; h < RH_N_HOOKS; h++) {
            if (k->reach[ci][h] == UINT_MAX || (allowed & RH_BIT(h)))
                continue;
            unsigned l = k->reach[ci][h] > r->line ? k->reach[ci][h] : r->line;
            if (l < at)
                at = l;
        }
        if (at != UINT_MAX) {
            const char *chain = c->name;
            if (at != r->line) {
                /* Refused when the jump was added: name its chain. */
                for (size_t a = 0; a < k->t->n_chains; a++)
                    for (size_t b = 0; b < k->t->chains[a]->n_rules; b++)
                        if (k->t->chains[a]->rules[b]->line == at)
                            chain = k->t->chains[a]->name;
            }
            kernel_err(k, at, chain, "Invalid argument",
                       at == r->line ? xts[i]->col : 0,
                       at == r->line ? xts[i]->len : 1, source_for(k, at));
            return;
        }
    }
}

/* A command refused by the kernel leaves no rule behind. */
void
rules_drop_line(struct ctfw_ruleset *rs, int table, unsigned line)
{
    struct rules_table *t = &rs->tables[table];
    for (size_t i = 0; i < t->n_chains; i++) {
        struct rules_chain *c = t->chains[i];
        for (size_t j = 0; j < c->n_rules;) {
            struct rules_rule *r = c->rules[j];
            if (r->line != line) {
                j++;
                continue;
            }
            if ((r->verdict == RV_JUMP || r->verdict == RV_GOTO) &&
                r->jump_to && r->jump_to->refs)
                r->jump_to->refs--;
            rules_rule_free(r);
            memmove(&c->rules[j], &c->rules[j + 1],
                    (c->n_rules - j - 1) * sizeof(*c->rules));
            c->n_rules--;
        }
    }
}

void
rules_check_table(struct rules_ctx *ctx, int table, unsigned commit_line)
{
    struct ctfw_ruleset *rs = ctx->rs;
    struct chk k = {ctx, table, &rs->tables[table], NULL, !ctx->restore};
    (void)commit_line;
    size_t n = k.t->n_chains;
    k.reach = calloc(n ? n : 1, sizeof(*k.reach));
    if (!k.reach) {
        rs->oom = true;
        return;
    }
    compute_reach(&k);
    for (size_t i = 0; i < n; i++) {
        struct rules_chain *c = k.t->chains[i];
        for (size_t j = 0; j < c->n_rules; j++) {
            struct rules_rule *r = c->rules[j];
            if (k.script && r->line != ctx->line)
                continue;
            check_rule(&k, i, r);
        }
    }
    if (!k.script || ctx->line)
        check_loops(&k);
    free(k.reach);
}
