// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ruleset model: tables, chains and rules, their lifetime, and the
 * generic (IP header) part of a rule's canonical text.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_private.h"

const char *const rules_hook_names[RH_N_HOOKS] = {
    "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING",
};

const struct rules_table_desc rules_tables[RT_N_TABLES] = {
    [RT_RAW] = {"raw", RH_BIT(RH_PREROUTING) | RH_BIT(RH_OUTPUT)},
    [RT_MANGLE] = {"mangle", RH_BIT(RH_PREROUTING) | RH_BIT(RH_INPUT) |
                                 RH_BIT(RH_FORWARD) | RH_BIT(RH_OUTPUT) |
                                 RH_BIT(RH_POSTROUTING)},
    [RT_FILTER] = {"filter",
                   RH_BIT(RH_INPUT) | RH_BIT(RH_FORWARD) | RH_BIT(RH_OUTPUT)},
    [RT_NAT] = {"nat", RH_BIT(RH_PREROUTING) | RH_BIT(RH_INPUT) |
                           RH_BIT(RH_OUTPUT) | RH_BIT(RH_POSTROUTING)},
    [RT_SECURITY] = {"security", RH_BIT(RH_INPUT) | RH_BIT(RH_FORWARD) |
                                     RH_BIT(RH_OUTPUT)},
};

struct ctfw_ruleset *
ctfw_rules_new(int family)
{
    if (family != CTFW_RULES_IPV4 && family != CTFW_RULES_IPV6)
        return NULL;
    struct ctfw_ruleset *rs = calloc(1, sizeof(*rs));
    if (rs)
        rs->family = family;
    return rs;
}

int
ctfw_rules_family(const struct ctfw_ruleset *rs)
{
    return rs->family;
}

/* What a decided rule touches (struct rules_rule) on its first line. */
_Static_assert(offsetof(struct rules_rule, tg.data) + sizeof(void *) <= 64,
               "a target's ext and data in a rule's first 64 bytes");

void
rules_rule_free(struct rules_rule *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_m; i++)
        rules_xt_fini(&r->m[i]);
    free(r->m);
    if (r->verdict == RV_EXT) {
        /* Data kept in the rule itself (rule_clone()). */
        if (r->tg.data == (unsigned char *)r->tg_inl)
            r->tg.data = NULL;
        rules_xt_fini(&r->tg);
    }
    free(r->text);
    free(r);
}

void
rules_chain_flush(struct rules_chain *c)
{
    for (size_t i = 0; i < c->n_rules; i++)
        rules_rule_free(c->rules[i]);
    c->n_rules = 0;
}

static void
chain_free(struct rules_chain *c)
{
    if (!c)
        return;
    rules_chain_flush(c);
    rules_cls_free(c->cls);
    free(c->rules);
    free(c);
}

void
rules_table_reset(struct ctfw_ruleset *rs, int table)
{
    struct rules_table *t = &rs->tables[table];
    for (size_t i = 0; i < t->n_chains; i++)
        chain_free(t->chains[i]);
    free(t->chains);
    memset(t, 0, sizeof(*t));
}

void
ctfw_rules_free(struct ctfw_ruleset *rs)
{
    if (!rs)
        return;
    for (int t = 0; t < RT_N_TABLES; t++)
        rules_table_reset(rs, t);
    for (size_t i = 0; i < rs->n_diags; i++) {
        free(rs->diags[i].message);
        free(rs->diags[i].iptables);
        free(rs->diags[i].source);
    }
    free(rs->diags);
    free(rs->file);
    free(rs);
}

int
rules_table_find(const char *name)
{
    for (int t = 0; t < RT_N_TABLES; t++)
        if (!strcmp(rules_tables[t].name, name))
            return t;
    return -1;
}

struct rules_chain *
rules_chain_find(struct ctfw_ruleset *rs, int table, const char *name)
{
    struct rules_table *t = &rs->tables[table];
    for (size_t i = 0; i < t->n_chains; i++)
        if (!strcmp(t->chains[i]->name, name))
            return t->chains[i];
    return NULL;
}

struct rules_chain *
rules_chain_add(struct ctfw_ruleset *rs, int table, const char *name)
{
    struct rules_table *t = &rs->tables[table];
    if (t->n_chains == t->cap_chains) {
        size_t cap = t->cap_chains ? t->cap_chains * 2 : 8;
        struct rules_chain **nc = realloc(t->chains, cap * sizeof(*nc));
        if (!nc)
            return NULL;
        t->chains = nc;
        t->cap_chains = cap;
    }
    struct rules_chain *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    snprintf(c->name, sizeof(c->name), "%s", name);
    c->hook = -1;
    c->policy = RV_ACCEPT;
    t->chains[t->n_chains++] = c;
    return c;
}

int
rules_chain_insert(struct rules_chain *c, size_t pos, struct rules_rule *r)
{
    if (c->n_rules == c->cap_rules) {
        size_t cap = c->cap_rules ? c->cap_rules * 2 : 8;
        struct rules_rule **nr = realloc(c->rules, cap * sizeof(*nr));
        if (!nr)
            return -ENOMEM;
        c->rules = nr;
        c->cap_rules = cap;
    }
    if (pos > c->n_rules)
        pos = c->n_rules;
    memmove(&c->rules[pos + 1], &c->rules[pos],
            (c->n_rules - pos) * sizeof(*c->rules));
    c->rules[pos] = r;
    c->n_rules++;
    return 0;
}

const char *
rules_rule_proto_name(const struct rules_rule *r)
{
    if (!r || !r->proto_set)
        return NULL;
    return rules_proto_name(r->proto);
}

static void
save_addr(struct rbuf *b, int family, char letter, const union ctfw_addr *a,
          const union ctfw_addr *m, bool inv)
{
    bool zero = true;
    for (int i = 0; i < 4; i++)
        if (a->w[i] || m->w[i])
            zero = false;
    if (zero && !inv)
        return;
    rbuf_printf(b, "%s -%c ", inv ? " !" : "", letter);
    rules_print_addr(b, family, a);
    int len = rules_mask_len(family, m);
    if (len < 0) {
        rbuf_putc(b, '/');
        rules_print_addr(b, family, m);
    } else {
        rbuf_printf(b, "/%d", len);
    }
}

int
rules_rule_view(const struct rules_rule *r, struct rules_view *v)
{
    memset(v, 0, sizeof(*v));
    if (!r->n_m)
        return 0;
    v->m = calloc(r->n_m, sizeof(*v->m));
    v->copies = calloc(r->n_m, sizeof(*v->copies));
    if (!v->m || !v->copies) {
        rules_rule_view_fini(v);
        return -ENOMEM;
    }
    for (size_t i = 0; i < r->n_m; i++) {
        const struct rules_xt *m = &r->m[i];
        const struct rules_ext *e = m->ext;
        if (!e->nft_native || !e->nft_native(m)) {
            v->m[v->n++] = m;
            continue;
        }
        struct rules_xt *into = NULL;
        for (size_t k = 0; k < v->n_copies; k++)
            if (v->copies[k].ext == e)
                into = &v->copies[k];
        if (into) {
            e->nft_merge(into, m);
            continue;
        }
        into = &v->copies[v->n_copies];
        *into = *m;
        into->rt = NULL;
        into->data = malloc(e->size ? e->size : 1);
        if (!into->data) {
            rules_rule_view_fini(v);
            return -ENOMEM;
        }
        memcpy(into->data, m->data, e->size);
        v->n_copies++;
        v->m[v->n++] = into;
    }
    return 0;
}

void
rules_rule_view_fini(struct rules_view *v)
{
    for (size_t k = 0; k < v->n_copies; k++)
        free(v->copies[k].data);
    free(v->copies);
    free(v->m);
    memset(v, 0, sizeof(*v));
}

/* The rule after "-A CHAIN", in iptables-save 1.8.9 order. */
void
rules_rule_save(struct rbuf *b, const struct rules_rule *r)
{
    rules_rule_save_ex(b, r, false);
}

/* With counters, "-c PKTS BYTES" goes before the target (iptables -S
 * -v). */
void
rules_rule_save_ex(struct rbuf *b, const struct rules_rule *r, bool counters)
{
    save_addr(b, r->family, 's', &r->src, &r->smsk, r->inv & RINV_SRC);
    save_addr(b, r->family, 'd', &r->dst, &r->dmsk, r->inv & RINV_DST);
    if (r->in[0])
        rbuf_printf(b, "%s -i %s", (r->inv & RINV_IN) ? " !" : "", r->in);
    if (r->out[0])
        rbuf_printf(b, "%s -o %s", (r->inv & RINV_OUT) ? " !" : "", r->out);
    if (r->proto_set && r->proto) {
        const char *pn = rules_proto_name(r->proto);
        rbuf_puts(b, (r->inv & RINV_PROTO) ? " ! -p " : " -p ");
        if (pn)
            rbuf_puts(b, pn);
        else
            rbuf_printf(b, "%u", r->proto);
    }
    if (r->frag)
        rbuf_puts(b, (r->inv & RINV_FRAG) ? " ! -f" : " -f");
    struct rules_view v;
    if (rules_rule_view(r, &v))
        b->oom = true;
    for (size_t i = 0; i < v.n; i++) {
        const struct rules_xt *m = v.m[i];
        rbuf_printf(b, " -m %s",
                    m->ext->save_name ? m->ext->save_name : m->ext->name);
        rules_xt_save(b, m);
    }
    rules_rule_view_fini(&v);
    if (counters)
        rbuf_printf(b, " -c %llu %llu", (unsigned long long)r->pkts,
                    (unsigned long long)r->bytes);
    switch (r->verdict) {
    case RV_NONE:
        break;
    case RV_ACCEPT:
        rbuf_puts(b, " -j ACCEPT");
        break;
    case RV_DROP:
        rbuf_puts(b, " -j DROP");
        break;
    case RV_RETURN:
        rbuf_puts(b, " -j RETURN");
        break;
    case RV_QUEUE:
        rbuf_puts(b, " -j QUEUE");
        break;
    case RV_JUMP:
        rbuf_printf(b, " -j %s", r->jump);
        break;
    case RV_GOTO:
        rbuf_printf(b, " -g %s", r->jump);
        break;
    case RV_EXT:
        rbuf_printf(b, " -j %s",
                    r->tg.ext->save_name ? r->tg.ext->save_name
                                         : r->tg.ext->name);
        rules_xt_save(b, &r->tg);
        break;
    }
}

/* Same rule for -D/-C: same canonical text (what iptables compares is
 * the binary rule, which prints identically). */
bool
rules_rule_equal(const struct rules_rule *a, const struct rules_rule *b)
{
    struct rbuf x = {0}, y = {0};
    rules_rule_save(&x, a);
    rules_rule_save(&y, b);
    bool eq = x.s && y.s && !strcmp(x.s, y.s);
    rbuf_fini(&x);
    rbuf_fini(&y);
    return eq;
}

size_t
ctfw_rules_count(const struct ctfw_ruleset *rs)
{
    size_t n = 0;
    for (int t = 0; t < RT_N_TABLES; t++)
        for (size_t i = 0; i < rs->tables[t].n_chains; i++)
            n += rs->tables[t].chains[i]->n_rules;
    return n;
}

const struct rules_xt *
rules_find_xt(const struct ctfw_ruleset *rs,
              bool (*fn)(const struct rules_xt *xt, bool is_target,
                         const void *arg),
              const void *arg)
{
    for (int t = 0; rs && t < RT_N_TABLES; t++) {
        const struct rules_table *tb = &rs->tables[t];
        for (size_t c = 0; tb->present && c < tb->n_chains; c++) {
            const struct rules_chain *ch = tb->chains[c];
            for (size_t r = 0; r < ch->n_rules; r++) {
                const struct rules_rule *rule = ch->rules[r];
                for (size_t m = 0; m < rule->n_m; m++)
                    if (fn(&rule->m[m], false, arg))
                        return &rule->m[m];
                if (rule->verdict == RV_EXT && fn(&rule->tg, true, arg))
                    return &rule->tg;
            }
        }
    }
    return NULL;
}
