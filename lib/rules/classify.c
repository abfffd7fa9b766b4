// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The compiled classifier of a chain (issue 9): which rules of a chain a
 * packet can possibly match, found without testing each of them.
 *
 * ipt_do_table() tests every rule in order (reference §8.1); so does the
 * reference evaluator (eval.c), which stays the definition. This file
 * only lets it skip rules that certainly fail *without any effect*: the
 * evaluator then runs the very same per-rule test, in the same order, on
 * the candidates that remain. First-match semantics, counters, jumps,
 * returns, hotdrops and every stateful match (recent, limit, hashlimit,
 * connlimit, statistic, quota, LOG...) are thus exactly the linear
 * walk's, provided a skipped rule is one the linear walk would have
 * rejected before anything with an effect ran. Two kinds of facts give
 * that guarantee:
 *
 *  - the IP header part of a rule (ip_packet_match(): -p, -s, -d) is
 *    tested before any match, so a header field that misses rejects the
 *    rule with no effect at all;
 *  - a match whose description says so (struct rules_ext.cls) fails
 *    cleanly when the packet's ports miss its port sets, as long as
 *    every match before it in the rule is pure (never acts, never
 *    drops): tcp, udp, multiport, comment, mark, state. Ports count only
 *    when they are readable the way those matches read them: not a
 *    later fragment, and the transport header long enough that none of
 *    them would hotdrop (tcp 20 bytes, udp and UDP-Lite 8, others 4).
 *    For a packet whose ports cannot be read, a classifier that splits
 *    on ports is not used: the chain is walked linearly.
 *
 * So a stateful match is never skipped when the linear walk would reach
 * it: it is evaluated in its rule's turn, exactly then.
 *
 * The structure is a decision tree over five fields (protocol, the
 * first 32 bits of the source and destination addresses, source and
 * destination port), in the spirit of HiCuts and EffiCuts. An inner node
 * cuts one field's value space into the elementary intervals its rules'
 * bounds define (an interval table searched by bisection: /32 service
 * addresses, prefixes and port lists alike); runs of intervals with the
 * same rules share one child. Rules that would be copied into many
 * intervals (wide on that field: a /16 among /24s) are left out of the
 * cut and get a subtree of their own beside it, so the tree's size stays
 * near linear; a lookup descends every such subtree it meets, and the
 * candidates of the leaves it reaches are put back in chain order. Each
 * leaf entry carries the hull of its rule's field sets, so a candidate
 * whose hull misses the packet is dropped there without touching the
 * rule. The field cut at a node is chosen by the worst and the mean
 * candidate count it leaves (plus a guess for its wide rules); the size
 * of the whole tree is bounded, and a chain whose tree cannot be built
 * within the bound, or would not cut at all, is walked linearly.
 *
 * Decided candidates: when a rule's field sets are its whole test (no
 * interface or fragment test, prefixes within the 32 bits, and every
 * match exact in its struct rules_cls_info: tcp/udp ports without
 * flags or options, multiport --sports/--dports, comment) and the
 * lookup has checked the packet against those sets themselves (the
 * fields cut on the way to the leaf hold it by construction, hulls of
 * one interval are the sets, one field of several intervals is tested
 * on its set in the leaf), the candidate matches for certain; the
 * evaluator then skips its header test and matches, which have no
 * effect, and goes to its counters and target (eval.c). Nothing with an
 * effect is ever skipped this way either.
 */
#include <stdlib.h>
#include <string.h>

#include "ctfw/bytes.h"
#include "eval_private.h"

enum { D_PROTO, D_SRC, D_DST, D_SPORT, D_DPORT, D_N };
#define D_LEAF 0xff

static const uint32_t dim_max[D_N] = {255, UINT32_MAX, UINT32_MAX, 65535,
                                      65535};

/* Chains shorter than this are walked linearly in auto mode. */
#define CLS_MIN_RULES 12
/* A node with this many candidates or fewer is a leaf. */
#define CLS_LEAF_MAX 4
/* A cut may hold at most this many rule copies per rule of the node. */
#define CLS_REPL 8
/* The whole tree: at most this many bytes per rule, plus a constant. */
#define CLS_BYTES_PER_RULE 512
#define CLS_BYTES_BASE (1u << 20)

struct iv {
    uint32_t lo, hi;
};

/* A set of disjoint, sorted intervals, in scratch space. */
#define IV_MAX 40
struct ivset {
    unsigned n;
    struct iv v[IV_MAX];
};

/* One rule's constraints, per field; exact: they are the rule's whole
 * test when the ports can be read (any: even when they cannot). */
struct crule {
    struct iv *v[D_N];
    uint16_t n[D_N];
    bool exact, any;
};

/* A candidate in a leaf: the rule, and the hull of each of its field
 * sets, so that most candidates that cannot match are passed over
 * without touching the rule itself (the leaf is contiguous; the rules
 * are not). The four 32-bit fields (D_SRC..D_DPORT, in that order) are
 * tested at once as vectors. */
struct cls_ent {
    uint32_t lo[4], hi[4];             /* D_SRC + i */
    uint32_t idx;
    uint8_t plo, phi;                  /* D_PROTO */
    uint8_t dec;                       /* DEC_* */
    uint8_t xd;                        /* D_* tested on xv, or D_LEAF */
    uint32_t xn;
    const struct iv *xv;               /* field xd's set (xn intervals) */
};

/* The rule is decided when the candidate passes: when the ports were
 * read (DEC_PORTS), or even when they were not (DEC_ANY). */
#define DEC_PORTS 1
#define DEC_ANY 2

typedef uint32_t cls_v4 __attribute__((vector_size(16)));
typedef int32_t cls_v4i __attribute__((vector_size(16)));

/*
 * A node and its arrays in one piece of the arena, so that a lookup
 * touches one run of cache lines per level: an inner node's lower
 * bounds (lo[0] is 0) then its children, a leaf's candidates (in chain
 * order). Nodes are laid out depth first, a node before its children.
 */
struct cls_node {
    uint8_t dim;                        /* D_* or D_LEAF */
    uint32_t n;                         /* children, or candidates */
    const struct cls_node *wide;        /* inner: the rules left out of
                                           the cut (wide on dim), or NULL */
    uint64_t body[];
};

static inline const uint32_t *
node_lo(const struct cls_node *n)
{
    return (const uint32_t *)n->body;
}

static inline const struct cls_node *const *
node_kid(const struct cls_node *n)
{
    return (const struct cls_node *const *)(n->body + (n->n + 1) / 2);
}

static inline const struct cls_ent *
node_ent(const struct cls_node *n)
{
    return (const struct cls_ent *)n->body;
}

struct blk {
    struct blk *next;
    size_t used, cap;
    uint64_t data[];
};

struct rules_cls {
    const struct cls_node *root;
    uint32_t *out;         /* the candidates of the last lookup */
    bool ports;            /* some node cuts on a port */
    struct blk *blocks;
    size_t bytes, limit;
    bool full;             /* the size bound was hit */
};

/* ------------------------------------------------------------------ */
/* Memory: one arena per classifier, freed at once.                    */

static void *
arena(struct rules_cls *cl, size_t n)
{
    size_t words = (n + 7) / 8;
    if (!words)
        words = 1;
    if (cl->bytes + words * 8 > cl->limit) {
        cl->full = true;
        return NULL;
    }
    struct blk *b = cl->blocks;
    if (!b || b->cap - b->used < words) {
        size_t cap = words > 8192 ? words : 8192;
        b = malloc(sizeof(*b) + cap * 8);
        if (!b) {
            cl->full = true;
            return NULL;
        }
        b->next = cl->blocks;
        b->used = 0;
        b->cap = cap;
        cl->blocks = b;
    }
    void *p = &b->data[b->used];
    b->used += words;
    cl->bytes += words * 8;
    return p;
}

void
rules_cls_free(struct rules_cls *cl)
{
    if (!cl)
        return;
    for (struct blk *b = cl->blocks; b;) {
        struct blk *n = b->next;
        free(b);
        b = n;
    }
    free(cl->out);
    free(cl);
}

/* ------------------------------------------------------------------ */
/* Interval sets.                                                      */

static void
set_full(struct ivset *s, uint32_t max)
{
    s->n = 1;
    s->v[0].lo = 0;
    s->v[0].hi = max;
}

static int
iv_cmp(const void *a, const void *b)
{
    const struct iv *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sort, drop empty ranges (lo > hi never matches), merge overlaps. */
static void
set_norm(struct ivset *s)
{
    unsigned k = 0;
    for (unsigned i = 0; i < s->n; i++)
        if (s->v[i].lo <= s->v[i].hi)
            s->v[k++] = s->v[i];
    s->n = k;
    qsort(s->v, s->n, sizeof(s->v[0]), iv_cmp);
    k = 0;
    for (unsigned i = 0; i < s->n; i++) {
        if (k && (uint64_t)s->v[i].lo <= (uint64_t)s->v[k - 1].hi + 1) {
            if (s->v[i].hi > s->v[k - 1].hi)
                s->v[k - 1].hi = s->v[i].hi;
        } else {
            s->v[k++] = s->v[i];
        }
    }
    s->n = k;
}

/* The complement of a normalised set within [0, max]. */
static void
set_complement(struct ivset *s, uint32_t max)
{
    struct ivset o = {0};
    uint64_t next = 0;
    for (unsigned i = 0; i < s->n; i++) {
        if (s->v[i].lo > next)
            o.v[o.n++] = (struct iv){(uint32_t)next, s->v[i].lo - 1};
        next = (uint64_t)s->v[i].hi + 1;
    }
    if (next <= max)
        o.v[o.n++] = (struct iv){(uint32_t)next, max};
    *s = o;
}

/* a = a & b, both normalised; false when the result does not fit (a
 * is then left unchanged, a superset: still sound). */
static bool
set_and(struct ivset *a, const struct ivset *b)
{
    struct ivset o = {0};
    unsigned i = 0, j = 0;
    while (i < a->n && j < b->n) {
        uint32_t lo = a->v[i].lo > b->v[j].lo ? a->v[i].lo : b->v[j].lo;
        uint32_t hi = a->v[i].hi < b->v[j].hi ? a->v[i].hi : b->v[j].hi;
        if (lo <= hi) {
            if (o.n == IV_MAX)
                return false;
            o.v[o.n++] = (struct iv){lo, hi};
        }
        if (a->v[i].hi < b->v[j].hi)
            i++;
        else
            j++;
    }
    *a = o;
    return true;
}

/* ------------------------------------------------------------------ */
/* What a rule requires, field by field.                               */

/* The first 32 bits of the address a -s/-d allows: an interval when
 * the mask is a prefix (the whole address for IPv4), its complement
 * for "!" when the prefix lies within those bits; else everything. */
static bool
addr_set(struct ivset *s, int family, const union ctfw_addr *net,
         const union ctfw_addr *msk, bool inv)
{
    set_full(s, UINT32_MAX);
    int len = rules_mask_len(family, msk);
    if (len < 0)
        return false;
    if (inv && len > 32)
        return false;
    uint32_t m = len >= 32 ? UINT32_MAX : len ? UINT32_MAX << (32 - len) : 0;
    uint32_t lo = ctfw_get32(net->b) & m;
    s->v[0].lo = lo;
    s->v[0].hi = lo | ~m;
    if (inv)
        set_complement(s, UINT32_MAX);
    /* Exact when the prefix lies within the 32 bits. */
    return len <= 32;
}

static bool
ports_set(struct ivset *s, const struct rules_cls_ports *cp)
{
    s->n = 0;
    for (unsigned i = 0; i < cp->n && i < RULES_CLS_MAXR; i++)
        s->v[s->n++] = (struct iv){cp->r[i].lo, cp->r[i].hi};
    set_norm(s);
    if (cp->inv)
        set_complement(s, 65535);
    return cp->n <= RULES_CLS_MAXR;
}

/* The protocols whose rules may carry port matches (multiport's list,
 * mp_final()), with the transport bytes the classifier needs before it
 * trusts the ports (tcp_mt() 20, udp_mt() 8, multiport_mt() 4). */
static unsigned
ports_need(unsigned proto)
{
    switch (proto) {
    case 6:
        return 20;
    case 17:
    case 136:
        return 8;
    default:
        return 4;
    }
}

static bool
ports_proto(const struct rules_rule *r)
{
    if (!r->proto || (r->inv & RINV_PROTO))
        return false;
    switch (r->proto) {
    case 6: case 17: case 136: case 132: case 33:
        return true;
    }
    return false;
}

/*
 * The sets of one rule, each a superset of what the rule accepts on its
 * field. *exact: the sets are the rule's whole test (ip_packet_match()
 * with no interface or fragment test, addresses within the 32 bits,
 * every match exact in its struct rules_cls_info) for a packet whose
 * ports the classifier trusts.
 */
static void
rule_sets(const struct rules_rule *r, struct ivset set[D_N], bool *exact)
{
    bool ex = !r->in[0] && !r->out[0] && !r->frag && r->proto <= 255;
    set_full(&set[D_PROTO], 255);
    if (r->proto) {
        set[D_PROTO].v[0].lo = set[D_PROTO].v[0].hi = r->proto;
        if (r->inv & RINV_PROTO)
            set_complement(&set[D_PROTO], 255);
    }
    ex &= addr_set(&set[D_SRC], r->family, &r->src, &r->smsk,
                   r->inv & RINV_SRC);
    ex &= addr_set(&set[D_DST], r->family, &r->dst, &r->dmsk,
                   r->inv & RINV_DST);
    set_full(&set[D_SPORT], 65535);
    set_full(&set[D_DPORT], 65535);
    size_t i;
    for (i = 0; i < r->n_m; i++) {
        const struct rules_xt *xt = &r->m[i];
        if (!xt->ext->cls)
            break;
        struct rules_cls_info ci;
        memset(&ci, 0, sizeof(ci));
        int kind = xt->ext->cls(xt, &ci);
        if (kind == RULES_CLS_OPAQUE)
            break;
        ex &= ci.exact;
        if (ci.sport.n || ci.dport.n) {
            if (!ports_proto(r))
                break;
            struct ivset p;
            if (ci.sport.n) {
                ex &= ports_set(&p, &ci.sport);
                ex &= set_and(&set[D_SPORT], &p);
            }
            if (ci.dport.n) {
                ex &= ports_set(&p, &ci.dport);
                ex &= set_and(&set[D_DPORT], &p);
            }
        }
        if (kind == RULES_CLS_LAST) {
            i++;
            break;
        }
    }
    *exact = ex && i == r->n_m;
}

/* ------------------------------------------------------------------ */
/* Building.                                                           */

struct bctx {
    struct rules_cls *cl;
    const struct crule *cr;
};

static int
u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Index of the elementary interval starting at v (v is a point). */
static size_t
point_at(const uint32_t *pts, size_t e, uint32_t v)
{
    size_t lo = 0, hi = e;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (pts[mid] <= v)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The elementary intervals of field d over rules[]: sorted distinct
 * start points (pts[0] == 0); returns their count, 0 on no memory. */
static size_t
cut_points(const struct bctx *b, const uint32_t *rules, size_t m, int d,
           uint32_t **out)
{
    size_t cap = 1;
    for (size_t i = 0; i < m; i++)
        cap += 2u * b->cr[rules[i]].n[d];
    uint32_t *pts = malloc(cap * sizeof(*pts));
    if (!pts)
        return 0;
    size_t k = 0;
    pts[k++] = 0;
    for (size_t i = 0; i < m; i++) {
        const struct crule *c = &b->cr[rules[i]];
        for (unsigned j = 0; j < c->n[d]; j++) {
            pts[k++] = c->v[d][j].lo;
            if (c->v[d][j].hi < dim_max[d])
                pts[k++] = c->v[d][j].hi + 1;
        }
    }
    qsort(pts, k, sizeof(*pts), u32_cmp);
    size_t e = 0;
    for (size_t i = 0; i < k; i++)
        if (!e || pts[i] != pts[e - 1])
            pts[e++] = pts[i];
    *out = pts;
    return e;
}

/* Rules per elementary interval: cnt[] (e entries) from a difference
 * array; returns the total of copies. */
static uint64_t
cut_counts(const struct bctx *b, const uint32_t *rules, size_t m, int d,
           const uint32_t *pts, size_t e, uint32_t *cnt, uint32_t *maxc,
           uint32_t *minc)
{
    int64_t *diff = calloc(e + 1, sizeof(*diff));
    if (!diff)
        return UINT64_MAX;
    for (size_t i = 0; i < m; i++) {
        const struct crule *c = &b->cr[rules[i]];
        for (unsigned j = 0; j < c->n[d]; j++) {
            size_t a = point_at(pts, e, c->v[d][j].lo);
            size_t z = c->v[d][j].hi == dim_max[d]
                           ? e - 1
                           : point_at(pts, e, c->v[d][j].hi + 1) - 1;
            diff[a]++;
            diff[z + 1]--;
        }
    }
    uint64_t total = 0;
    int64_t run = 0;
    *maxc = 0;
    *minc = UINT32_MAX;
    for (size_t k = 0; k < e; k++) {
        run += diff[k];
        cnt[k] = (uint32_t)run;
        total += (uint64_t)run;
        if ((uint32_t)run > *maxc)
            *maxc = (uint32_t)run;
        if ((uint32_t)run < *minc)
            *minc = (uint32_t)run;
    }
    free(diff);
    return total;
}

static const struct cls_node *build(struct bctx *b, const uint32_t *rules,
                                    size_t m, unsigned used, unsigned depth);

/*
 * A leaf. Every field cut on the way here (used) holds the packet's
 * value in each candidate's set: the cuts follow the candidates' bounds.
 * So a candidate whose sets are exact is decided once the others hold
 * it: a set of one interval is its hull; one field of several intervals
 * is tested on the set itself (xd); more than one, not decided.
 */
static const struct cls_node *
leaf(struct bctx *b, const uint32_t *rules, size_t m, unsigned used)
{
    /* The sets tested beside the hulls are copied after the
     * candidates, on the leaf's own lines. */
    size_t nx = 0;
    for (size_t i = 0; i < m; i++)
        for (int d = 0; d < D_N; d++)
            if (!(used & (1u << d)) && b->cr[rules[i]].n[d] > 1) {
                nx += b->cr[rules[i]].n[d];
                break;
            }
    struct cls_node *n = arena(b->cl, sizeof(*n) +
                                          m * sizeof(struct cls_ent) +
                                          nx * sizeof(struct iv));
    if (!n)
        return NULL;
    *n = (struct cls_node){.dim = D_LEAF, .n = (uint32_t)m};
    struct cls_ent *ent = (struct cls_ent *)n->body;
    struct iv *xv = (struct iv *)(ent + m);
    for (size_t i = 0; i < m; i++) {
        const struct crule *c = &b->cr[rules[i]];
        uint32_t lo[D_N], hi[D_N];
        for (int d = 0; d < D_N; d++) {
            if (c->n[d]) {
                lo[d] = c->v[d][0].lo;
                hi[d] = c->v[d][c->n[d] - 1].hi;
            } else {
                /* The rule can never match: an empty hull. */
                lo[d] = 1;
                hi[d] = 0;
            }
        }
        memset(&ent[i], 0, sizeof(ent[i]));
        ent[i].idx = rules[i];
        ent[i].plo = (uint8_t)lo[D_PROTO];
        ent[i].phi = (uint8_t)hi[D_PROTO];
        for (int d = D_SRC; d < D_N; d++) {
            ent[i].lo[d - D_SRC] = lo[d];
            ent[i].hi[d - D_SRC] = hi[d];
        }
        ent[i].xd = D_LEAF;
        int multi = 0;
        for (int d = 0; d < D_N; d++) {
            if ((used & (1u << d)) || c->n[d] <= 1)
                continue;
            if (!multi++) {
                ent[i].xd = (uint8_t)d;
                ent[i].xn = c->n[d];
                ent[i].xv = xv;
                memcpy(xv, c->v[d], c->n[d] * sizeof(*xv));
                xv += c->n[d];
            }
        }
        if (c->exact && multi <= 1)
            ent[i].dec = c->any ? DEC_PORTS | DEC_ANY : DEC_PORTS;
    }
    return n;
}

static uint64_t
list_hash(const uint32_t *l, size_t n)
{
    uint64_t h = 1469598103934665603ull ^ n;
    for (size_t i = 0; i < n; i++)
        h = (h ^ l[i]) * 1099511628211ull;
    return h;
}

/* Cut rules[] on field d at the points pts[] (e of them). */
static const struct cls_node *
cut(struct bctx *b, const uint32_t *rules, size_t m, unsigned used, int d,
    const uint32_t *pts, size_t e, const uint32_t *cnt, uint64_t total,
    unsigned depth)
{
    const struct cls_node *res = NULL;
    size_t *off = malloc((e + 1) * sizeof(*off));
    size_t *fill = malloc(e * sizeof(*fill));
    uint32_t *lists = malloc((total ? total : 1) * sizeof(*lists));
    /* Segments: runs of elementary intervals with the same list. */
    size_t *seg = malloc(e * sizeof(*seg));
    size_t hcap = 16;
    while (hcap < 2 * e)
        hcap *= 2;
    struct slot {
        uint64_t h;
        size_t k;              /* first elementary interval, +1; 0 free */
        const struct cls_node *node;
    } *ht = calloc(hcap, sizeof(*ht));
    if (!off || !fill || !lists || !seg || !ht)
        goto out;
    off[0] = 0;
    for (size_t k = 0; k < e; k++)
        off[k + 1] = off[k] + cnt[k];
    memcpy(fill, off, e * sizeof(*fill));
    for (size_t i = 0; i < m; i++) {
        const struct crule *c = &b->cr[rules[i]];
        for (unsigned j = 0; j < c->n[d]; j++) {
            size_t a = point_at(pts, e, c->v[d][j].lo);
            size_t z = c->v[d][j].hi == dim_max[d]
                           ? e - 1
                           : point_at(pts, e, c->v[d][j].hi + 1) - 1;
            for (size_t k = a; k <= z; k++)
                lists[fill[k]++] = rules[i];
        }
    }
    size_t ns = 0;
    for (size_t k = 0; k < e; k++) {
        if (ns) {
            size_t p = seg[ns - 1];
            if (cnt[p] == cnt[k] &&
                !memcmp(lists + off[p], lists + off[k],
                        cnt[k] * sizeof(*lists)))
                continue;
        }
        seg[ns++] = k;
    }
    struct cls_node *n = arena(b->cl, sizeof(*n) + (ns + 1) / 2 * 8 +
                                          ns * sizeof(struct cls_node *));
    if (!n)
        goto out;
    *n = (struct cls_node){.dim = (uint8_t)d, .n = (uint32_t)ns};
    uint32_t *lo = (uint32_t *)n->body;
    const struct cls_node **kid =
        (const struct cls_node **)(n->body + (ns + 1) / 2);
    for (size_t s = 0; s < ns; s++) {
        size_t k = seg[s];
        const uint32_t *l = lists + off[k];
        uint64_t h = list_hash(l, cnt[k]);
        size_t at = (size_t)h & (hcap - 1);
        const struct cls_node *child = NULL;
        for (; ht[at].k; at = (at + 1) & (hcap - 1)) {
            size_t q = ht[at].k - 1;
            if (ht[at].h == h && cnt[q] == cnt[k] &&
                !memcmp(lists + off[q], l, cnt[k] * sizeof(*l))) {
                child = ht[at].node;
                break;
            }
        }
        if (!child) {
            child = build(b, l, cnt[k], used | 1u << d, depth + 1);
            if (!child)
                goto out;
            ht[at] = (struct slot){h, k + 1, child};
        }
        lo[s] = pts[k];
        kid[s] = child;
    }
    if (d == D_SPORT || d == D_DPORT)
        b->cl->ports = true;
    res = n;
out:
    free(off);
    free(fill);
    free(lists);
    free(seg);
    free(ht);
    return res;
}

/* Elementary intervals each rule covers on field d (cov[i] for
 * rules[i]), over the points pts[] (e of them). */
static void
coverage(const struct bctx *b, const uint32_t *rules, size_t m, int d,
         const uint32_t *pts, size_t e, uint64_t *cov)
{
    for (size_t i = 0; i < m; i++) {
        const struct crule *c = &b->cr[rules[i]];
        uint64_t n = 0;
        for (unsigned j = 0; j < c->n[d]; j++) {
            size_t a = point_at(pts, e, c->v[d][j].lo);
            size_t z = c->v[d][j].hi == dim_max[d]
                           ? e - 1
                           : point_at(pts, e, c->v[d][j].hi + 1) - 1;
            n += z - a + 1;
        }
        cov[i] = n;
    }
}

/* How one field would cut the node's rules. */
struct plan {
    int d;
    size_t n_narrow;       /* rules cut (the others go to `wide`) */
    uint32_t maxc;         /* most rules in one interval after the cut */
    uint64_t total;        /* rule copies in the cut */
    uint64_t score;
};

/* The cost of a plan: the longest candidate list a packet may meet
 * under the cut and the mean over its intervals, plus what the wide
 * rules may add (they get their own subtree, which usually cuts them
 * again: a quarter is a guess). */
static uint64_t
plan_score(uint32_t maxc, uint64_t total, size_t e, size_t n_wide)
{
    return maxc + total / e +
           (n_wide <= CLS_LEAF_MAX ? n_wide : n_wide / 4 + 1);
}

/* Plans for field d: cut everything (rules copied into every interval
 * they cover), or cut only the rules that are narrow on d (covering at
 * most CLS_WIDE intervals) and leave the wide ones to a subtree of their
 * own, which bounds the copies (the idea of EffiCuts' separable trees).
 * *wide_out gets which rules are wide (1) for the second plan. */
#define CLS_WIDE 8
static bool
plan_field(const struct bctx *b, const uint32_t *rules, size_t m, int d,
           struct plan *best, uint8_t *wide_out, bool *use_wide)
{
    uint32_t *pts;
    size_t e = cut_points(b, rules, m, d, &pts);
    if (!e)
        return false;
    bool ok = true;
    uint32_t *cnt = malloc(e * sizeof(*cnt));
    uint64_t *cov = malloc((m ? m : 1) * sizeof(*cov));
    uint32_t *narrow = malloc((m ? m : 1) * sizeof(*narrow));
    uint8_t *wide = calloc(m ? m : 1, 1);
    if (!cnt || !cov || !narrow || !wide) {
        ok = false;
        goto out;
    }
    if (e == 1)
        goto out;
    /* Everything cut: worth it when some interval drops a rule. */
    uint32_t maxc, minc;
    uint64_t total = cut_counts(b, rules, m, d, pts, e, cnt, &maxc, &minc);
    if (total == UINT64_MAX) {
        ok = false;
        goto out;
    }
    if (minc < m && total <= (uint64_t)CLS_REPL * m + 64) {
        uint64_t sc = plan_score(maxc, total, e, 0);
        if (best->d < 0 || sc < best->score ||
            (sc == best->score && total < best->total)) {
            *best = (struct plan){d, m, maxc, total, sc};
            *use_wide = false;
        }
    }
    /* Narrow rules cut, wide ones apart. */
    coverage(b, rules, m, d, pts, e, cov);
    size_t nn = 0;
    for (size_t i = 0; i < m; i++) {
        wide[i] = cov[i] > CLS_WIDE;
        if (!wide[i])
            narrow[nn++] = rules[i];
    }
    if (nn == 0 || nn == m)
        goto out;
    free(pts);
    pts = NULL;
    size_t e2 = cut_points(b, narrow, nn, d, &pts);
    if (!e2) {
        ok = false;
        goto out;
    }
    if (e2 == 1)
        goto out;
    uint32_t *cnt2 = realloc(cnt, e2 * sizeof(*cnt2));
    if (!cnt2) {
        ok = false;
        goto out;
    }
    cnt = cnt2;
    total = cut_counts(b, narrow, nn, d, pts, e2, cnt, &maxc, &minc);
    if (total == UINT64_MAX) {
        ok = false;
        goto out;
    }
    if (total <= (uint64_t)CLS_REPL * nn + 64) {
        uint64_t sc = plan_score(maxc, total, e2, m - nn);
        if (best->d < 0 || sc < best->score ||
            (sc == best->score && total < best->total)) {
            *best = (struct plan){d, nn, maxc, total, sc};
            *use_wide = true;
            memcpy(wide_out, wide, m);
        }
    }
out:
    free(pts);
    free(cnt);
    free(cov);
    free(narrow);
    free(wide);
    return ok;
}

#define CLS_DEPTH 12

static const struct cls_node *
build(struct bctx *b, const uint32_t *rules, size_t m, unsigned used,
         unsigned depth)
{
    if (m <= CLS_LEAF_MAX || depth >= CLS_DEPTH)
        return leaf(b, rules, m, used);
    struct plan best = {.d = -1};
    bool use_wide = false;
    uint8_t *wide = malloc(m);
    if (!wide)
        return NULL;
    for (int d = 0; d < D_N; d++) {
        if (used & (1u << d))
            continue;
        if (!plan_field(b, rules, m, d, &best, wide, &use_wide)) {
            free(wide);
            return NULL;
        }
    }
    if (best.d < 0) {
        free(wide);
        return leaf(b, rules, m, used);
    }
    const struct cls_node *res = NULL;
    uint32_t *narrow = malloc(m * sizeof(*narrow));
    uint32_t *wl = malloc(m * sizeof(*wl));
    uint32_t *pts = NULL, *cnt = NULL;
    if (!narrow || !wl)
        goto out;
    size_t nn = 0, nw = 0;
    for (size_t i = 0; i < m; i++) {
        if (use_wide && wide[i])
            wl[nw++] = rules[i];
        else
            narrow[nn++] = rules[i];
    }
    size_t e = cut_points(b, narrow, nn, best.d, &pts);
    if (!e)
        goto out;
    cnt = malloc(e * sizeof(*cnt));
    if (!cnt)
        goto out;
    uint32_t maxc, minc;
    uint64_t total =
        cut_counts(b, narrow, nn, best.d, pts, e, cnt, &maxc, &minc);
    if (total == UINT64_MAX)
        goto out;
    struct cls_node *n = (struct cls_node *)cut(b, narrow, nn, used, best.d,
                                                pts, e, cnt, total, depth);
    if (!n)
        goto out;
    if (nw) {
        /* The wide rules may be cut again, on any field. */
        n->wide = build(b, wl, nw, used, depth + 1);
        if (!n->wide)
            goto out;
    }
    res = n;
out:
    free(wide);
    free(narrow);
    free(wl);
    free(pts);
    free(cnt);
    return res;
}

static struct rules_cls *
cls_build(const struct rules_chain *c, bool only_if_useful)
{
    size_t m = c->n_rules;
    struct rules_cls *cl = calloc(1, sizeof(*cl));
    struct crule *cr = calloc(m ? m : 1, sizeof(*cr));
    uint32_t *all = malloc((m ? m : 1) * sizeof(*all));
    if (!cl || !cr || !all)
        goto fail;
    cl->limit = (size_t)CLS_BYTES_BASE + (size_t)CLS_BYTES_PER_RULE * m;
    for (size_t i = 0; i < m; i++) {
        struct ivset set[D_N];
        rule_sets(c->rules[i], set, &cr[i].exact);
        /* Without matches, the ports are never read. */
        cr[i].any = cr[i].exact && c->rules[i]->n_m == 0;
        for (int d = 0; d < D_N; d++) {
            struct iv *v = arena(cl, (set[d].n ? set[d].n : 1) * sizeof(*v));
            if (!v)
                goto fail;
            memcpy(v, set[d].v, set[d].n * sizeof(*v));
            cr[i].v[d] = v;
            cr[i].n[d] = (uint16_t)set[d].n;
        }
        all[i] = (uint32_t)i;
    }
    cl->out = malloc((m ? m : 1) * sizeof(*cl->out));
    if (!cl->out)
        goto fail;
    struct bctx b = {.cl = cl, .cr = cr};
    cl->root = build(&b, all, m, 0, 0);
    if (!cl->root || cl->full)
        goto fail;
    if (only_if_useful && cl->root->dim == D_LEAF)
        goto fail;

    free(cr);
    free(all);
    return cl;
fail:
    rules_cls_free(cl);
    free(cr);
    free(all);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Use.                                                                */

struct rules_cls *
rules_cls_get(const struct ctfw_ruleset *rs, struct rules_chain *c)
{
    if (c->cls_tried)
        return c->cls;
    c->cls_tried = true;
    switch (rs->eval_mode) {
    case CTFW_RULES_LINEAR:
        return NULL;
    case CTFW_RULES_COMPILED:
        c->cls = cls_build(c, false);
        break;
    default:
        if (c->n_rules >= CLS_MIN_RULES)
            c->cls = cls_build(c, true);
        break;
    }
    return c->cls;
}

void
rules_cls_key(struct rules_cls_key *k, const struct ctfw_pkt *p)
{
    k->v[D_PROTO] = p->proto;
    k->v[D_SRC] = ctfw_get32(p->src.b);
    k->v[D_DST] = ctfw_get32(p->dst.b);
    k->v[D_SPORT] = k->v[D_DPORT] = 0;
    k->ports = false;
    if (rules_fragoff(p))
        return;
    uint32_t n;
    const uint8_t *l4 = rules_l4_bytes(p, &n);
    if (n < ports_need(p->proto))
        return;
    k->v[D_SPORT] = ctfw_get16(l4);
    k->v[D_DPORT] = ctfw_get16(l4 + 2);
    k->ports = true;
}

bool
rules_cls_key_equal(const struct rules_cls_key *a,
                    const struct rules_cls_key *b)
{
    for (int d = 0; d < D_N; d++)
        if (a->v[d] != b->v[d])
            return false;
    return a->ports == b->ports;
}

/* Candidates of one leaf whose hulls hold the key, appended to out.
 * kv: the key's D_SRC..D_DPORT; care: all ones in the lanes to test
 * (ports only when they were read: the tree then does not cut on them,
 * and a hull on them must not be trusted). */
static bool
in_set(const struct iv *v, uint32_t n, uint32_t x)
{
    for (uint32_t i = 0; i < n && v[i].lo <= x; i++)
        if (x <= v[i].hi)
            return true;
    return false;
}

static inline size_t
leaf_filter(const struct cls_node *node, const struct rules_cls_key *k,
            cls_v4 kv, cls_v4i care, uint32_t *out, size_t o)
{
    const struct cls_ent *e = node_ent(node);
    uint32_t proto = k->v[D_PROTO];
    unsigned dec = k->ports ? DEC_PORTS : DEC_ANY;
    for (uint32_t i = 0; i < node->n; i++, e++) {
        cls_v4 lo, hi;
        memcpy(&lo, e->lo, sizeof(lo));
        memcpy(&hi, e->hi, sizeof(hi));
        cls_v4i bad = ((kv < lo) | (kv > hi)) & care;
        uint64_t w[2];
        memcpy(w, &bad, sizeof(w));
        if ((w[0] | w[1]) || proto < e->plo || proto > e->phi)
            continue;
        /* The set itself, when it is more than its hull (ports only
         * when they were read, as above). */
        if (e->xd != D_LEAF && (k->ports || e->xd < D_SPORT) &&
            !in_set(e->xv, e->xn, k->v[e->xd]))
            continue;
        out[o++] = e->idx << 1 | ((e->dec & dec) != 0);
    }
    return o;
}

bool
rules_cls_lookup(struct rules_cls *cl, const struct rules_cls_key *k,
                 const uint32_t **idx, size_t *n)
{
    if (cl->ports && !k->ports)
        return false;
    const struct cls_node *todo[CLS_DEPTH + 2];
    size_t nt = 0, out = 0, leaves = 0;
    cls_v4 kv = {k->v[D_SRC], k->v[D_DST], k->v[D_SPORT], k->v[D_DPORT]};
    cls_v4i care = {-1, -1, k->ports ? -1 : 0, k->ports ? -1 : 0};
    todo[nt++] = cl->root;
    while (nt) {
        const struct cls_node *node = todo[--nt];
        while (node->dim != D_LEAF) {
            if (node->wide) {
                /* Its turn comes after this descent: have it on the
                 * way meanwhile. */
                __builtin_prefetch(node->wide);
                todo[nt++] = node->wide;
            }
            uint32_t v = k->v[node->dim];
            const uint32_t *lo = node_lo(node);
            size_t base = 0, len = node->n;
            while (len > 1) {
                size_t half = len / 2;
                base = lo[base + half] <= v ? base + half : base;
                len -= half;
            }
            node = node_kid(node)[base];
        }
        out = leaf_filter(node, k, kv, care, cl->out, out);
        leaves++;
    }
    /* Several leaves: their candidates back in chain order. */
    if (leaves > 1)
        for (size_t i = 1; i < out; i++) {
            uint32_t x = cl->out[i];
            size_t j = i;
            for (; j && cl->out[j - 1] > x; j--)
                cl->out[j] = cl->out[j - 1];
            cl->out[j] = x;
        }
    *idx = cl->out;
    *n = out;
    return true;
}

void
rules_cls_reset(struct ctfw_ruleset *rs)
{
    rs->hook_chains_ok = false;
    rs->gen++;
    for (int t = 0; t < RT_N_TABLES; t++) {
        struct rules_table *tb = &rs->tables[t];
        for (size_t i = 0; i < tb->n_chains; i++) {
            rules_cls_free(tb->chains[i]->cls);
            tb->chains[i]->cls = NULL;
            tb->chains[i]->cls_tried = false;
        }
    }
}

void
ctfw_rules_set_mode(struct ctfw_ruleset *rs, enum ctfw_rules_mode mode)
{
    rules_cls_reset(rs);
    rs->eval_mode = (int)mode;
}
