// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Match sets: what a rule matches, in the dimensions lint reasons about
 * (addresses and prefixes, interfaces, protocol, fragments, ports and
 * multiport lists, tcp flags, state/ctstate), and two sound tests over
 * them: "covers" (every packet of one set is in the other) and
 * "disjoint" (no packet is in both).
 *
 * Soundness is the rule: each test answers true only when it follows
 * from the rules' semantics as the kernel evaluates them (ipt_do_table()
 * with ip_packet_match(), xt_tcpudp, xt_multiport, xt_state,
 * xt_conntrack); whatever lint does not model makes it answer false.
 * A shadowing finding built on "covers" is therefore never a false
 * positive, only sometimes a missed one.
 */
#include <stdio.h>
#include <string.h>

#include "lint_private.h"

/* ------------------------------------------------------------------ */
/* Port sets.                                                          */

void
lint_pset_full(struct lint_pset *s)
{
    s->n = 1;
    s->r[0].lo = 0;
    s->r[0].hi = 65535;
}

static bool
pset_is_full(const struct lint_pset *s)
{
    return s->n == 1 && s->r[0].lo == 0 && s->r[0].hi == 65535;
}

/* Sort and merge ranges (insertion sort: at most a few dozen). */
static void
pset_norm(struct lint_pset *s)
{
    for (unsigned i = 1; i < s->n; i++) {
        struct rules_range x = s->r[i];
        unsigned j = i;
        while (j && s->r[j - 1].lo > x.lo) {
            s->r[j] = s->r[j - 1];
            j--;
        }
        s->r[j] = x;
    }
    unsigned o = 0;
    for (unsigned i = 0; i < s->n; i++) {
        if (s->r[i].lo > s->r[i].hi)
            continue;
        if (o && s->r[i].lo <= s->r[o - 1].hi + 1) {
            if (s->r[i].hi > s->r[o - 1].hi)
                s->r[o - 1].hi = s->r[i].hi;
            continue;
        }
        s->r[o++] = s->r[i];
    }
    s->n = o;
}

static void
pset_complement(const struct lint_pset *s, struct lint_pset *out)
{
    uint32_t next = 0;
    out->n = 0;
    for (unsigned i = 0; i < s->n; i++) {
        if (s->r[i].lo > next) {
            out->r[out->n].lo = next;
            out->r[out->n].hi = s->r[i].lo - 1;
            out->n++;
        }
        next = s->r[i].hi + 1;
    }
    if (next <= 65535) {
        out->r[out->n].lo = next;
        out->r[out->n].hi = 65535;
        out->n++;
    }
}

/* a ∩ b into out; false when it does not fit (out left full). */
static bool
pset_intersect(const struct lint_pset *a, const struct lint_pset *b,
               struct lint_pset *out)
{
    struct lint_pset t = {0};
    unsigned i = 0, j = 0;
    while (i < a->n && j < b->n) {
        uint32_t lo = a->r[i].lo > b->r[j].lo ? a->r[i].lo : b->r[j].lo;
        uint32_t hi = a->r[i].hi < b->r[j].hi ? a->r[i].hi : b->r[j].hi;
        if (lo <= hi) {
            if (t.n == LINT_PSET_MAX) {
                lint_pset_full(out);
                return false;
            }
            t.r[t.n].lo = lo;
            t.r[t.n].hi = hi;
            t.n++;
        }
        if (a->r[i].hi < b->r[j].hi)
            i++;
        else
            j++;
    }
    *out = t;
    return true;
}

static bool
pset_subset(const struct lint_pset *a, const struct lint_pset *b)
{
    /* Each range of a inside one range of b (both normalised). */
    unsigned j = 0;
    for (unsigned i = 0; i < a->n; i++) {
        while (j < b->n && b->r[j].hi < a->r[i].lo)
            j++;
        if (j == b->n || b->r[j].lo > a->r[i].lo || b->r[j].hi < a->r[i].hi)
            return false;
    }
    return true;
}

static bool
pset_meets(const struct lint_pset *a, const struct lint_pset *b)
{
    struct lint_pset t;
    if (!pset_intersect(a, b, &t))
        return true;
    return t.n > 0;
}

static bool
pset_equal(const struct lint_pset *a, const struct lint_pset *b)
{
    if (a->n != b->n)
        return false;
    for (unsigned i = 0; i < a->n; i++)
        if (a->r[i].lo != b->r[i].lo || a->r[i].hi != b->r[i].hi)
            return false;
    return true;
}

/* The set a port list of a view accepts ("!" applied). */
static void
pset_from_list(const struct rules_port_list *l, struct lint_pset *out)
{
    struct lint_pset s = {0};
    for (unsigned i = 0; i < l->n && i < RULES_VIEW_RANGES; i++)
        s.r[s.n++] = l->r[i];
    pset_norm(&s);
    if (l->inv)
        pset_complement(&s, out);
    else
        *out = s;
}

/* ------------------------------------------------------------------ */
/* Interfaces: iptables names, "eth+" matching every name with that    */
/* prefix (ip_packet_match() compares under the mask it builds).        */

static size_t
pat_prefix(const char *p, bool *wild)
{
    size_t n = strlen(p);
    *wild = n && p[n - 1] == '+';
    return *wild ? n - 1 : n;
}

/* Every name q matches, p matches. */
static bool
pat_covers(const char *p, const char *q)
{
    bool pw, qw;
    size_t pn = pat_prefix(p, &pw), qn = pat_prefix(q, &qw);
    if (!pw)
        return !qw && pn == qn && !memcmp(p, q, pn);
    return qn >= pn && !memcmp(p, q, pn);
}

/* Some name matches both. */
static bool
pat_meets(const char *p, const char *q)
{
    bool pw, qw;
    size_t pn = pat_prefix(p, &pw), qn = pat_prefix(q, &qw);
    if (!pw && !qw)
        return pn == qn && !memcmp(p, q, pn);
    if (pw && qw)
        return !memcmp(p, q, pn < qn ? pn : qn);
    if (pw)
        return qn >= pn && !memcmp(p, q, pn);
    return pn >= qn && !memcmp(p, q, qn);
}

void
lint_iface_exclude(struct lint_iface *f, const char *name)
{
    for (unsigned i = 0; i < f->n_neg; i++)
        if (pat_covers(f->neg[i], name))
            return;
    if (f->n_neg == LINT_IF_NEG)
        return; /* dropping an exclusion only widens the set */
    snprintf(f->neg[f->n_neg++], sizeof(f->neg[0]), "%s", name);
}

bool
lint_iface_is_exact(const struct lint_iface *f, const char *name)
{
    return f->pos && !strcmp(f->name, name);
}

/* Every name of b is in a. */
static bool
iface_covers(const struct lint_iface *a, const struct lint_iface *b)
{
    if (a->pos && !(b->pos && pat_covers(a->name, b->name)))
        return false;
    for (unsigned i = 0; i < a->n_neg; i++) {
        bool ok = b->pos && !pat_meets(b->name, a->neg[i]);
        for (unsigned j = 0; !ok && j < b->n_neg; j++)
            ok = pat_covers(b->neg[j], a->neg[i]);
        if (!ok)
            return false;
    }
    return true;
}

static bool
iface_disjoint(const struct lint_iface *a, const struct lint_iface *b)
{
    if (a->pos && b->pos && !pat_meets(a->name, b->name))
        return true;
    for (unsigned j = 0; a->pos && j < b->n_neg; j++)
        if (pat_covers(b->neg[j], a->name))
            return true;
    for (unsigned j = 0; b->pos && j < a->n_neg; j++)
        if (pat_covers(a->neg[j], b->name))
            return true;
    return false;
}

static void
iface_from_rule(struct lint_iface *f, const char *name, bool inv)
{
    memset(f, 0, sizeof(*f));
    if (!name[0] || (!inv && !strcmp(name, "+")))
        return;
    if (inv)
        lint_iface_exclude(f, name);
    else {
        f->pos = true;
        snprintf(f->name, sizeof(f->name), "%s", name);
    }
}

/* ------------------------------------------------------------------ */
/* Addresses: value/mask pairs (any mask, contiguous or not).          */

static int
addr_words(int family)
{
    return family == 6 ? 4 : 1;
}

/* {x : x & mb == b} ⊆ {x : x & ma == a}. */
static bool
prefix_in(int w, const union ctfw_addr *b, const union ctfw_addr *mb,
          const union ctfw_addr *a, const union ctfw_addr *ma)
{
    for (int i = 0; i < w; i++) {
        if (ma->w[i] & ~mb->w[i])
            return false;
        if ((b->w[i] & ma->w[i]) != (a->w[i] & ma->w[i]))
            return false;
    }
    return true;
}

static bool
prefix_meets(int w, const union ctfw_addr *a, const union ctfw_addr *ma,
             const union ctfw_addr *b, const union ctfw_addr *mb)
{
    for (int i = 0; i < w; i++)
        if ((a->w[i] ^ b->w[i]) & ma->w[i] & mb->w[i])
            return false;
    return true;
}

static bool
addr_covers(int fam, const struct lint_addr *a, const struct lint_addr *b)
{
    int w = addr_words(fam);
    if (!a->set)
        return true;
    if (!b->set)
        return false;
    if (!a->inv && !b->inv)
        return prefix_in(w, &b->a, &b->m, &a->a, &a->m);
    if (a->inv && !b->inv)
        return !prefix_meets(w, &a->a, &a->m, &b->a, &b->m);
    if (a->inv && b->inv)
        return prefix_in(w, &a->a, &a->m, &b->a, &b->m);
    return false;
}

static bool
addr_disjoint(int fam, const struct lint_addr *a, const struct lint_addr *b)
{
    int w = addr_words(fam);
    if (!a->set || !b->set)
        return false;
    if (!a->inv && !b->inv)
        return !prefix_meets(w, &a->a, &a->m, &b->a, &b->m);
    if (!a->inv && b->inv)
        return prefix_in(w, &a->a, &a->m, &b->a, &b->m);
    if (a->inv && !b->inv)
        return prefix_in(w, &b->a, &b->m, &a->a, &a->m);
    return false;
}

static void
addr_from_rule(struct lint_addr *x, int fam, const union ctfw_addr *a,
               const union ctfw_addr *m, bool inv)
{
    memset(x, 0, sizeof(*x));
    bool zero = true;
    for (int i = 0; i < addr_words(fam); i++) {
        x->m.w[i] = m->w[i];
        x->a.w[i] = a->w[i] & m->w[i];
        if (m->w[i])
            zero = false;
    }
    x->inv = inv;
    x->set = !zero || inv;
}

/* ------------------------------------------------------------------ */
/* Building the set of a rule.                                         */

/* Matches whose result depends on the packet alone (no per-rule state,
 * no clock): two identical instances agree on every packet. Stateful
 * ones (limit, hashlimit, recent, connlimit) and anything not listed
 * make a rule "impure". comment always matches and is ignored. */
static const char *const pure_matches[] = {
    "icmp",   "icmp6",  "connmark", "helper",   "mark",
    "length", "ttl",    "hl",       "pkttype",  "tos",
    "dscp",   "mac",    "owner",    "addrtype", "iprange",
    "sctp",   "policy", "rt",       "rpfilter", "physdev",
    "tcpmss", "esp",    "ah",       "state",    "conntrack",
};

static bool
is_pure(const struct rules_ext *e)
{
    for (size_t i = 0; i < sizeof(pure_matches) / sizeof(pure_matches[0]); i++)
        if (!strcmp(e->name, pure_matches[i]))
            return true;
    return false;
}

static void
add_opaque(struct lint_pred *p, const struct rules_xt *xt)
{
    if (p->n_opaque == LINT_MAX_OPAQUE)
        p->impure = true;
    else
        p->opaque[p->n_opaque++] = xt;
}

static void
add_ports(struct lint_pred *p, const struct rules_port_view *v)
{
    struct lint_pset s;
    p->portmatch = true;
    if (v->sport.set) {
        pset_from_list(&v->sport, &s);
        if (!pset_intersect(&p->sport, &s, &p->sport))
            p->impure = true;
    }
    if (v->dport.set) {
        pset_from_list(&v->dport, &s);
        if (!pset_intersect(&p->dport, &s, &p->dport))
            p->impure = true;
    }
    if (v->either.set) {
        if (p->n_either == 2) {
            p->impure = true;
        } else {
            /* Kept as the set the ports must (inv: both must not)
             * fall in, already complemented when inverted. */
            pset_from_list(&v->either, &p->either[p->n_either].set);
            p->either[p->n_either].inv = v->either.inv;
            p->n_either++;
        }
    }
    if (v->flags) {
        if (p->n_flags == 2) {
            p->impure = true;
        } else {
            p->flags[p->n_flags].mask = v->flg_mask;
            p->flags[p->n_flags].cmp = v->flg_cmp & v->flg_mask;
            p->flags[p->n_flags].inv = v->flags_inv;
            p->n_flags++;
        }
    }
    if (v->option) {
        if (p->n_opt == 2) {
            p->impure = true;
        } else {
            p->opt[p->n_opt].opt = v->opt;
            p->opt[p->n_opt].inv = v->option_inv;
            p->n_opt++;
        }
    }
}

/*
 * state / conntrack (reference §5.1): the packet's base state is one of
 * INVALID, NEW, RELATED, ESTABLISHED, UNTRACKED; xt_conntrack ORs the
 * virtual SNAT/DNAT bits into it, and a conntrack match with other
 * criteria needs an entry (no entry: decided by --ctstate alone, or no
 * match without one). `states` keeps what the match implies about the
 * base state; whenever that is not the whole meaning, the match is also
 * kept as opaque, so that it covers only an identical match.
 */
static void
add_state(struct lint_pred *p, const struct rules_xt *xt,
          const struct rules_state_view *v)
{
    uint32_t virt = RULES_ST_SNAT | RULES_ST_DNAT;
    uint32_t base = v->states & LINT_ST_ALL;
    bool exact = true;
    if (v->has_state) {
        if (!(v->states & virt)) {
            p->states &= v->inv ? ~base : base;
        } else if (v->inv) {
            p->states &= ~base;
            exact = false;
        } else {
            exact = false; /* base ∈ S, or a NAT bit: no base bound */
        }
        /* Without an entry the --ctstate test decides alone. */
        if (v->other)
            exact = false;
    } else {
        /* Other criteria only: no match without an entry. */
        p->states &= RULES_ST_NEW | RULES_ST_REL | RULES_ST_EST;
        exact = false;
    }
    p->states &= LINT_ST_ALL;
    if (!exact)
        add_opaque(p, xt);
}

void
lint_pred_from_rule(const struct rules_rule *r, struct lint_pred *p)
{
    memset(p, 0, sizeof(*p));
    p->family = r->family;
    addr_from_rule(&p->src, r->family, &r->src, &r->smsk, r->inv & RINV_SRC);
    addr_from_rule(&p->dst, r->family, &r->dst, &r->dmsk, r->inv & RINV_DST);
    iface_from_rule(&p->in, r->in, r->inv & RINV_IN);
    iface_from_rule(&p->out, r->out, r->inv & RINV_OUT);
    if (r->proto_set && r->proto) {
        p->proto = r->proto;
        p->proto_inv = r->inv & RINV_PROTO;
    }
    if (r->frag)
        p->frag = (r->inv & RINV_FRAG) ? -1 : 1;
    lint_pset_full(&p->sport);
    lint_pset_full(&p->dport);
    p->states = LINT_ST_ALL;
    for (size_t i = 0; i < r->n_m; i++) {
        const struct rules_xt *xt = &r->m[i];
        struct rules_port_view pv;
        struct rules_state_view sv;
        if (!strcmp(xt->ext->name, "comment"))
            continue;
        if (rules_xt_port_view(xt, &pv))
            add_ports(p, &pv);
        else if (rules_xt_state_view(xt, &sv))
            add_state(p, xt, &sv);
        else if (is_pure(xt->ext))
            add_opaque(p, xt);
        else
            p->impure = true;
    }
}

/* ------------------------------------------------------------------ */
/* The tests.                                                          */

static bool
xt_same(const struct rules_xt *a, const struct rules_xt *b)
{
    return a->ext == b->ext && a->seen == b->seen && a->inv == b->inv &&
           !memcmp(a->data, b->data, a->ext->size);
}

static bool
proto_covers(const struct lint_pred *a, const struct lint_pred *b)
{
    if (!a->proto)
        return true;
    if (!a->proto_inv)
        return b->proto == a->proto && !b->proto_inv;
    if (b->proto_inv)
        return b->proto == a->proto;
    return b->proto && b->proto != a->proto;
}

static bool
proto_disjoint(const struct lint_pred *a, const struct lint_pred *b)
{
    if (!a->proto || !b->proto)
        return false;
    if (!a->proto_inv && !b->proto_inv)
        return a->proto != b->proto;
    if (a->proto_inv != b->proto_inv)
        return a->proto == b->proto;
    return false;
}

static bool
frag_covers(const struct lint_pred *a, const struct lint_pred *b)
{
    bool b_first = b->frag == -1 || b->portmatch;
    if (a->frag == 1 && b->frag != 1)
        return false;
    if (a->frag == -1 && !b_first)
        return false;
    if (a->portmatch && !b_first)
        return false;
    return true;
}

static bool
frag_disjoint(const struct lint_pred *a, const struct lint_pred *b)
{
    bool a_first = a->frag == -1 || a->portmatch;
    bool b_first = b->frag == -1 || b->portmatch;
    return (a->frag == 1 && b_first) || (b->frag == 1 && a_first);
}

bool
lint_pred_covers(const struct lint_pred *a, const struct lint_pred *b)
{
    if (a->impure || a->family != b->family)
        return false;
    if (!addr_covers(a->family, &a->src, &b->src) ||
        !addr_covers(a->family, &a->dst, &b->dst) ||
        !iface_covers(&a->in, &b->in) || !iface_covers(&a->out, &b->out) ||
        !proto_covers(a, b) || !frag_covers(a, b))
        return false;
    if (!pset_subset(&b->sport, &a->sport) ||
        !pset_subset(&b->dport, &a->dport))
        return false;
    for (unsigned i = 0; i < a->n_either; i++) {
        const struct lint_pset *e = &a->either[i].set;
        bool ok = false;
        for (unsigned j = 0; j < b->n_either; j++)
            if (b->either[j].inv == a->either[i].inv &&
                pset_equal(&b->either[j].set, e))
                ok = true;
        if (!a->either[i].inv) {
            /* sport ∈ E or dport ∈ E */
            ok = ok || pset_subset(&b->sport, e) || pset_subset(&b->dport, e);
        } else {
            /* e holds the complement: sport ∉ E and dport ∉ E */
            ok =
                ok || (pset_subset(&b->sport, e) && pset_subset(&b->dport, e));
        }
        if (!ok)
            return false;
    }
    for (unsigned i = 0; i < a->n_flags; i++) {
        bool ok = false;
        for (unsigned j = 0; j < b->n_flags && !ok; j++) {
            if (b->flags[j].inv != a->flags[i].inv)
                continue;
            if (a->flags[i].inv)
                ok = b->flags[j].mask == a->flags[i].mask &&
                     b->flags[j].cmp == a->flags[i].cmp;
            else
                ok = (b->flags[j].mask & a->flags[i].mask) ==
                         a->flags[i].mask &&
                     (b->flags[j].cmp & a->flags[i].mask) == a->flags[i].cmp;
        }
        if (!ok)
            return false;
    }
    for (unsigned i = 0; i < a->n_opt; i++) {
        bool ok = false;
        for (unsigned j = 0; j < b->n_opt && !ok; j++)
            ok = b->opt[j].opt == a->opt[i].opt &&
                 b->opt[j].inv == a->opt[i].inv;
        if (!ok)
            return false;
    }
    if (b->states & ~a->states)
        return false;
    for (unsigned i = 0; i < a->n_opaque; i++) {
        bool ok = false;
        for (unsigned j = 0; j < b->n_opaque && !ok; j++)
            ok = xt_same(a->opaque[i], b->opaque[j]);
        if (!ok)
            return false;
    }
    return true;
}

static bool
either_disjoint(const struct lint_pred *a, const struct lint_pred *b)
{
    for (unsigned i = 0; i < a->n_either; i++) {
        const struct lint_pset *e = &a->either[i].set;
        if (!a->either[i].inv && !pset_meets(e, &b->sport) &&
            !pset_meets(e, &b->dport))
            return true;
    }
    return false;
}

bool
lint_pred_disjoint(const struct lint_pred *a, const struct lint_pred *b)
{
    if (a->family != b->family)
        return false;
    if (addr_disjoint(a->family, &a->src, &b->src) ||
        addr_disjoint(a->family, &a->dst, &b->dst) ||
        iface_disjoint(&a->in, &b->in) || iface_disjoint(&a->out, &b->out) ||
        proto_disjoint(a, b) || frag_disjoint(a, b))
        return true;
    if (!pset_meets(&a->sport, &b->sport) || !pset_meets(&a->dport, &b->dport))
        return true;
    if (!(a->states & b->states))
        return true;
    if (either_disjoint(a, b) || either_disjoint(b, a))
        return true;
    for (unsigned i = 0; i < a->n_flags; i++)
        for (unsigned j = 0; j < b->n_flags; j++)
            if (!a->flags[i].inv && !b->flags[j].inv &&
                ((a->flags[i].cmp ^ b->flags[j].cmp) & a->flags[i].mask &
                 b->flags[j].mask))
                return true;
    return false;
}

bool
lint_pred_universal(const struct lint_pred *p)
{
    return !p->impure && !p->src.set && !p->dst.set && !p->in.pos &&
           !p->in.n_neg && !p->out.pos && !p->out.n_neg && !p->proto &&
           !p->frag && !p->portmatch && pset_is_full(&p->sport) &&
           pset_is_full(&p->dport) && !p->n_either && !p->n_flags &&
           !p->n_opt && p->states == LINT_ST_ALL && !p->n_opaque;
}
