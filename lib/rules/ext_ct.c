// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Connection-tracking extensions: the state, conntrack, connmark,
 * connlimit and helper matches and the CT, NOTRACK and CONNMARK targets
 * (libxt_state, libxt_conntrack rev 3, libxt_connmark, libxt_connlimit,
 * libxt_CT rev 2, libxt_CONNMARK rev 1 of iptables 1.8.9).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctfw/ct.h"
#include "eval_private.h"
#include "rules_private.h"

/* ctstate bits as xt_conntrack: INVALID is bit 0, then IP_CT_* << 1. */
#define ST_INVALID 0x01
#define ST_EST 0x02
#define ST_REL 0x04
#define ST_NEW 0x08
#define ST_UNTRACKED 0x100
#define ST_SNAT 0x200
#define ST_DNAT 0x400

/* Print order of print_state(). */
static const struct rules_name state_names[] = {
    {"INVALID", ST_INVALID},     {"NEW", ST_NEW},
    {"RELATED", ST_REL},         {"ESTABLISHED", ST_EST},
    {"UNTRACKED", ST_UNTRACKED}, {NULL, 0},
};

static const struct rules_name ctstate_names[] = {
    {"INVALID", ST_INVALID},     {"NEW", ST_NEW},
    {"RELATED", ST_REL},         {"ESTABLISHED", ST_EST},
    {"UNTRACKED", ST_UNTRACKED}, {"SNAT", ST_SNAT},
    {"DNAT", ST_DNAT},           {NULL, 0},
};

struct state_info {
    uint32_t mask;
};

static int
state_parse(struct rules_ctx *ctx, struct rules_xt *xt,
            const struct rules_opt *o, const char *arg, const char *arg2)
{
    uint32_t *mask = XT_DATA(xt, o->off);
    (void)arg2;
    char tmp[256];
    snprintf(tmp, sizeof(tmp), "%s", arg);
    char *p = tmp;
    *mask = 0;
    for (;;) {
        char *e = strchr(p, ',');
        if (e)
            *e = '\0';
        const struct rules_name *n = o->names;
        for (; n->name; n++)
            if (!strcasecmp(n->name, p))
                break;
        if (!n->name || !*p)
            return rules_opt_bad(ctx, xt, o, p);
        *mask |= n->val;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static void
names_print(struct rbuf *b, const struct rules_xt *xt,
            const struct rules_opt *o)
{
    uint32_t v = *(const uint32_t *)XT_DATA(xt, o->off);
    bool first = true;
    for (const struct rules_name *n = o->names; n->name; n++)
        if (v & n->val) {
            rbuf_puts(b, first ? " " : ",");
            rbuf_puts(b, n->name);
            first = false;
        }
}

static const struct rules_opt state_opts[] = {
    {.name = "state", .type = OT_CUSTOM, .alias = -1,
     .flags = OF_INVERT | OF_MAND, .off = offsetof(struct state_info, mask),
     .names = state_names, .parse = state_parse, .print = names_print,
     .badmsg = "Bad state \"%s\""},
};

/* Every use of a conntrack extension registers conntrack in the
 * namespace (nf_ct_netns_get() in its checkentry). */
static bool
ct_always(const struct rules_xt *xt)
{
    (void)xt;
    return true;
}

/* Evaluation: state_mt() of xt_state.c (reference §5.1): the packet's
 * ctstate bit against the list; "!" inverts the list. */
static bool
state_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct state_info *st = (const void *)xt->data;
    bool hit = st->mask & rules_ct_statebit(&ev->skb->ct);
    return hit != !!(xt->inv & 1);
}

/* " state RELATED,ESTABLISHED"; inverted " ! state ...". */
static void
state_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    (void)numeric;
    rbuf_puts(b, (xt->inv & 1) ? " ! state" : " state");
    names_print(b, xt, &xt->ext->opts[0]);
}

static const struct rules_ext ext_state = {
    .list = state_list,
    .name = "state",
    .size = sizeof(struct state_info),
    .n_opts = 1,
    .opts = state_opts,
    .match = state_match,
    .needs_ct = ct_always,
    .cls = rules_cls_pure,
};

/* conntrack revision 3. */
struct conntrack_info {
    uint32_t state, proto, status, dir;
    struct rules_host origsrc, origdst, replsrc, repldst;
    struct rules_range origsrcport, origdstport, replsrcport, repldstport;
    struct rules_range expire;
};

#define CS_EXPECTED 0x01
#define CS_SEEN_REPLY 0x02
#define CS_ASSURED 0x04
#define CS_CONFIRMED 0x08

static const struct rules_name status_names[] = {
    {"NONE", 0},
    {"EXPECTED", CS_EXPECTED},
    {"SEEN_REPLY", CS_SEEN_REPLY},
    {"ASSURED", CS_ASSURED},
    {"CONFIRMED", CS_CONFIRMED},
    {NULL, 0},
};

static const struct rules_name dir_names[] = {
    {"ORIGINAL", 0},
    {"REPLY", 1},
    {NULL, 0},
};

static int
ctproto_parse(struct rules_ctx *ctx, struct rules_xt *xt,
              const struct rules_opt *o, const char *arg, const char *arg2)
{
    (void)arg2;
    int p = rules_proto_number(arg);
    if (p < 0) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "unknown protocol \"%s\" specified", arg);
        return -1;
    }
    *(uint32_t *)XT_DATA(xt, o->off) = (uint32_t)p;
    return 0;
}

static void
uint_print(struct rbuf *b, const struct rules_xt *xt,
           const struct rules_opt *o)
{
    rbuf_printf(b, " %u", *(const uint32_t *)XT_DATA(xt, o->off));
}

static void
status_print(struct rbuf *b, const struct rules_xt *xt,
             const struct rules_opt *o)
{
    uint32_t v = *(const uint32_t *)XT_DATA(xt, o->off);
    if (!v) {
        rbuf_puts(b, " NONE");
        return;
    }
    names_print(b, xt, o);
}

static int
status_parse(struct rules_ctx *ctx, struct rules_xt *xt,
             const struct rules_opt *o, const char *arg, const char *arg2)
{
    uint32_t *v = XT_DATA(xt, o->off);
    (void)arg2;
    char tmp[256];
    snprintf(tmp, sizeof(tmp), "%s", arg);
    char *p = tmp;
    *v = 0;
    for (;;) {
        char *e = strchr(p, ',');
        if (e)
            *e = '\0';
        const struct rules_name *n = o->names;
        for (; n->name; n++)
            if (!strcasecmp(n->name, p))
                break;
        if (!n->name) {
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "Bad ctstatus \"%s\"", p);
            return -1;
        }
        *v |= n->val;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

enum {
    CT_STATE, CT_PROTO, CT_OSRC, CT_ODST, CT_RSRC, CT_RDST, CT_OSPORT,
    CT_ODPORT, CT_RSPORT, CT_RDPORT, CT_STATUS, CT_EXPIRE, CT_DIR
};

#define CT_HOST(n, f)                                                       \
    {                                                                       \
        .name = n, .type = OT_HOST, .alias = -1,                            \
        .flags = OF_INVERT | OF_PLAIN32 | OF_KEEPADDR,                      \
        .off = offsetof(struct conntrack_info, f)                           \
    }
#define CT_PORT(n, f)                                                       \
    {                                                                       \
        .name = n, .type = OT_UINTRANGE, .alias = -1, .flags = OF_INVERT,   \
        .min = 0, .max = 65535, .off = offsetof(struct conntrack_info, f)   \
    }

static const struct rules_opt conntrack_opts[] = {
    [CT_STATE] = {.name = "ctstate", .type = OT_CUSTOM, .alias = -1,
                  .flags = OF_INVERT,
                  .off = offsetof(struct conntrack_info, state),
                  .names = ctstate_names, .parse = state_parse,
                  .print = names_print, .badmsg = "Bad ctstate \"%s\""},
    [CT_PROTO] = {.name = "ctproto", .type = OT_CUSTOM, .alias = -1,
                  .flags = OF_INVERT,
                  .off = offsetof(struct conntrack_info, proto),
                  .parse = ctproto_parse, .print = uint_print},
    [CT_OSRC] = CT_HOST("ctorigsrc", origsrc),
    [CT_ODST] = CT_HOST("ctorigdst", origdst),
    [CT_RSRC] = CT_HOST("ctreplsrc", replsrc),
    [CT_RDST] = CT_HOST("ctrepldst", repldst),
    [CT_OSPORT] = CT_PORT("ctorigsrcport", origsrcport),
    [CT_ODPORT] = CT_PORT("ctorigdstport", origdstport),
    [CT_RSPORT] = CT_PORT("ctreplsrcport", replsrcport),
    [CT_RDPORT] = CT_PORT("ctrepldstport", repldstport),
    [CT_STATUS] = {.name = "ctstatus", .type = OT_CUSTOM, .alias = -1,
                   .flags = OF_INVERT,
                   .off = offsetof(struct conntrack_info, status),
                   .names = status_names, .parse = status_parse,
                   .print = status_print},
    [CT_EXPIRE] = {.name = "ctexpire", .type = OT_UINTRANGE, .alias = -1,
                   .flags = OF_INVERT, .min = 0, .max = 0xffffffffu,
                   .off = offsetof(struct conntrack_info, expire)},
    [CT_DIR] = {.name = "ctdir", .type = OT_ENUM, .alias = -1,
                .off = offsetof(struct conntrack_info, dir),
                .names = dir_names,
                .badmsg = "conntrack: Bad value for \"--ctdir\" option: "
                          "\"%s\""},
};

static int
conntrack_final(struct rules_ctx *ctx, struct rules_xt *xt,
                const struct rules_rule *r)
{
    (void)r;
    if (!xt->seen) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "conntrack: At least one option is required");
        return -1;
    }
    return 0;
}

/*
 * Evaluation: conntrack_mt() of xt_conntrack.c, revision 3 (reference
 * §5.1). The state test comes first and sees the virtual SNAT/DNAT
 * states of a NATed entry; without a conntrack the rule is decided by
 * the state test alone and any other criterion fails; then direction,
 * addresses, protocol and ports (tuple of the named direction), status
 * bits (any listed bit; NONE never matches) and remaining seconds.
 */
static bool
ct_addr_match(int family, const union ctfw_addr *a, const struct rules_host *h)
{
    int words = family == 6 ? 4 : 1;
    for (int i = 0; i < words; i++)
        if ((a->w[i] & h->mask.w[i]) != (h->addr.w[i] & h->mask.w[i]))
            return false;
    return true;
}

static bool
conntrack_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct conntrack_info *c = (const void *)xt->data;
    const struct ctfw_ct_ref *ref = &ev->skb->ct;
    const struct ctfw_ct_entry *ct = ref->entry;
    uint64_t seen = xt->seen, inv = xt->inv;
#define CTB(i) (1ull << (i))
    if (seen & CTB(CT_STATE)) {
        uint32_t bit = rules_ct_statebit(ref);
        if (ct) {
            uint32_t st = ctfw_ct_entry_status(ct);
            if (st & CTFW_CT_S_SRC_NAT)
                bit |= ST_SNAT;
            if (st & CTFW_CT_S_DST_NAT)
                bit |= ST_DNAT;
        }
        if (!!(c->state & bit) == !!(inv & CTB(CT_STATE)))
            return false;
    }
    if (!ct)
        return seen & CTB(CT_STATE);
    if (seen & CTB(CT_DIR)) {
        /* CTINFO2DIR(): the reply values are IP_CT_IS_REPLY and up. */
        uint32_t dir = ref->info >= CTFW_CT_ESTABLISHED_REPLY &&
                               ref->info <= CTFW_CT_RELATED_REPLY
                           ? 1
                           : 0;
        if (dir != c->dir)
            return false;
    }
    int fam = ctfw_ct_entry_family(ct);
    struct ctfw_ct_tuple o, r;
    ctfw_ct_entry_tuple(ct, CTFW_CT_DIR_ORIGINAL, &o);
    ctfw_ct_entry_tuple(ct, CTFW_CT_DIR_REPLY, &r);
    const struct {
        int opt;
        const union ctfw_addr *a;
        const struct rules_host *h;
    } addrs[] = {
        {CT_OSRC, &o.src, &c->origsrc},
        {CT_ODST, &o.dst, &c->origdst},
        {CT_RSRC, &r.src, &c->replsrc},
        {CT_RDST, &r.dst, &c->repldst},
    };
    for (size_t i = 0; i < 4; i++)
        if ((seen & CTB(addrs[i].opt)) &&
            ct_addr_match(fam, addrs[i].a, addrs[i].h) ==
                !!(inv & CTB(addrs[i].opt)))
            return false;
    if ((seen & CTB(CT_PROTO)) &&
        (ctfw_ct_entry_proto(ct) == c->proto) == !!(inv & CTB(CT_PROTO)))
        return false;
    const struct {
        int opt;
        uint16_t port;
        const struct rules_range *rg;
    } ports[] = {
        {CT_OSPORT, o.sport, &c->origsrcport},
        {CT_ODPORT, o.dport, &c->origdstport},
        {CT_RSPORT, r.sport, &c->replsrcport},
        {CT_RDPORT, r.dport, &c->repldstport},
    };
    for (size_t i = 0; i < 4; i++)
        if ((seen & CTB(ports[i].opt)) &&
            !rules_port_match(ports[i].rg, ports[i].port,
                              inv & CTB(ports[i].opt)))
            return false;
    if ((seen & CTB(CT_STATUS)) &&
        !!(c->status & ctfw_ct_entry_status(ct)) ==
            !!(inv & CTB(CT_STATUS)))
        return false;
    if (seen & CTB(CT_EXPIRE)) {
        /* The remaining time needs the table's clock settings. */
        if (!ev->env || !ev->env->ct)
            return false;
        int64_t left =
            ctfw_ct_entry_expires(ev->env->ct, ct, ev->skb->now_ns);
        uint64_t e = left < 0 ? 0 : (uint64_t)left;
        bool in = e >= c->expire.lo && e <= c->expire.hi;
        if (in == !!(inv & CTB(CT_EXPIRE)))
            return false;
    }
#undef CTB
    return true;
}

/* conntrack_dump() with an empty prefix: the save text without "--". */
static void
conntrack_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    (void)numeric;
    struct rbuf t = {0};
    rules_xt_save(&t, xt);
    for (const char *p = t.s ? t.s : ""; *p;) {
        if (p[0] == ' ' && p[1] == '-' && p[2] == '-') {
            rbuf_putc(b, ' ');
            p += 3;
        } else {
            rbuf_putc(b, *p++);
        }
    }
    rbuf_fini(&t);
}

static const struct rules_ext ext_conntrack = {
    .list = conntrack_list,
    .name = "conntrack",
    .size = sizeof(struct conntrack_info),
    .n_opts = sizeof(conntrack_opts) / sizeof(conntrack_opts[0]),
    .opts = conntrack_opts,
    .final = conntrack_final,
    .match = conntrack_match,
    .needs_ct = ct_always,
};

struct mark_info {
    struct rules_mark mark;
};

static const struct rules_opt connmark_m_opts[] = {
    {.name = "mark", .type = OT_MARK, .alias = -1,
     .flags = OF_INVERT | OF_MAND, .off = offsetof(struct mark_info, mark)},
};

/* Evaluation: connmark_mt() of xt_connmark.c: no conntrack, no match
 * (inverted or not). */
static bool
connmark_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct mark_info *m = (const void *)xt->data;
    const struct ctfw_ct_entry *ct = ev->skb->ct.entry;
    if (!ct)
        return false;
    bool hit = (ctfw_ct_entry_mark(ct) & m->mark.mask) == m->mark.val;
    return hit != !!(xt->inv & 1);
}

static void
connmark_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct mark_info *m = (const void *)xt->data;
    (void)numeric;
    rbuf_printf(b, " connmark match %s 0x%x", (xt->inv & 1) ? "!" : "",
                m->mark.val);
    if (m->mark.mask != 0xffffffffu)
        rbuf_printf(b, "/0x%x", m->mark.mask);
}

static const struct rules_ext ext_connmark_m = {
    .list = connmark_list,
    .name = "connmark",
    .size = sizeof(struct mark_info),
    .n_opts = 1,
    .opts = connmark_m_opts,
    .match = connmark_match,
    .needs_ct = ct_always,
};

/* connlimit revision 1. */
struct connlimit_info {
    uint32_t upto, above, mask, flags;
};

enum { CL_UPTO, CL_ABOVE, CL_MASK, CL_SADDR, CL_DADDR };

static int
connlimit_final(struct rules_ctx *ctx, struct rules_xt *xt,
                const struct rules_rule *r)
{
    struct connlimit_info *c = (void *)xt->data;
    (void)r;
    uint64_t up = 1ull << CL_UPTO, ab = 1ull << CL_ABOVE;
    if (!(xt->seen & (up | ab))) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "You must specify \"--connlimit-above\" or "
                  "\"--connlimit-upto\".");
        return -1;
    }
    /* "! --connlimit-upto N" is "--connlimit-above N" and back. */
    bool is_upto = (xt->seen & up) ? !(xt->inv & up) : (xt->inv & ab);
    uint32_t n = (xt->seen & up) ? c->upto : c->above;
    xt->inv &= ~(up | ab);
    xt->seen &= ~(up | ab);
    if (is_upto) {
        c->upto = n;
        xt->seen |= up;
    } else {
        c->above = n;
        xt->seen |= ab;
    }
    if (!(xt->seen & (1ull << CL_MASK))) {
        c->mask = xt->family == 6 ? 128 : 32;
        xt->seen |= 1ull << CL_MASK;
    }
    if (!(xt->seen & (1ull << CL_DADDR)))
        xt->seen |= 1ull << CL_SADDR;
    else
        xt->seen &= ~(1ull << CL_SADDR);
    /* An IPv4 prefix longer than 32 is cut to 32, as iptables does. */
    if (xt->family != 6 && c->mask > 32)
        c->mask = 32;
    return 0;
}

static const struct rules_opt connlimit_opts[] = {
    [CL_UPTO] = {.name = "connlimit-upto", .type = OT_UINT, .alias = -1,
                 .flags = OF_INVERT, .max = 0xffffffffu,
                 .excl = 1ull << CL_ABOVE,
                 .off = offsetof(struct connlimit_info, upto)},
    [CL_ABOVE] = {.name = "connlimit-above", .type = OT_UINT, .alias = -1,
                  .flags = OF_INVERT, .max = 0xffffffffu,
                  .excl = 1ull << CL_UPTO,
                  .off = offsetof(struct connlimit_info, above)},
    [CL_MASK] = {.name = "connlimit-mask", .type = OT_UINT, .alias = -1,
                 .max = 128, .off = offsetof(struct connlimit_info, mask)},
    [CL_SADDR] = {.name = "connlimit-saddr", .type = OT_NONE, .alias = -1,
                  .excl = 1ull << CL_DADDR, .off = RULES_NOFIELD},
    [CL_DADDR] = {.name = "connlimit-daddr", .type = OT_NONE, .alias = -1,
                  .excl = 1ull << CL_SADDR,
                  .off = offsetof(struct connlimit_info, flags), .bits = 2},
};

/* " #conn src/32 > 20" (upto: "<="). */
static void
connlimit_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct connlimit_info *c = (const void *)xt->data;
    bool upto = xt->seen & (1ull << CL_UPTO);
    (void)numeric;
    rbuf_printf(b, " #conn %s/%u %s %u",
                (xt->seen & (1ull << CL_DADDR)) ? "dst" : "src", c->mask,
                upto ? "<=" : ">", upto ? c->upto : c->above);
}

/*
 * Evaluation: connlimit_mt() of xt_connlimit.c over nf_conncount.c (the
 * 6.1-6.12 code), per rule instance as the kernel's info->data.
 *
 * The key is the packet's source (--connlimit-daddr: destination)
 * address under the rule's mask, plus the conntrack zone. Under each key
 * the rule keeps a list of conntrack tuples, as nf_conncount does; it
 * never asks the conntrack table for a count. A packet brings the
 * original tuple of its conntrack entry (also for a reply), or, without
 * one (NOTRACK, INVALID), the tuple built from its own headers in zone
 * 0 (nf_ct_get_tuplepr(); a packet whose tuple cannot be built, e.g. a
 * later fragment or a cut TCP header, is dropped: hotdrop).
 * __nf_conncount_add() then walks the key's list: each stored tuple is
 * looked up in the conntrack table (ctfw_ct_find(), confirmed live
 * entries only); a tuple not found is dropped from the list (one CPU:
 * conn->cpu is always this one), and so is a TCP connection in
 * TIME_WAIT or CLOSE (already_closed()); at most 8 such evictions per
 * walk (CONNCOUNT_GC_MAX_NODES); the walk stops with no insertion when
 * it meets the packet's own tuple, live, in the same zone. Otherwise the
 * tuple is appended. The walk is skipped when the list was last
 * extended in the same jiffy (list->last_gc), so within one jiffy a
 * list may still hold tuples of connections that were never confirmed
 * (e.g. SYNs the rule itself dropped): the kernel counts them too.
 * A new key starts a list holding just the packet's tuple (count 1).
 *
 * The answer is (count > limit) XOR invert: --connlimit-above N matches
 * when count > N, --connlimit-upto N when count <= N.
 *
 * Cost: O(keys) to find the key (a linear array, where the kernel has
 * 256 rb-trees) and O(list) conntrack lookups per packet, each O(1).
 * Memory: one small tuple per counted connection, a counted drop
 * (hotdrop, as the kernel's failed kmalloc) when out of memory.
 */
#define CC_HZ 250u
#define CC_GC_MAX_NODES 8

struct cc_conn {
    struct ctfw_ct_tuple t;
    uint8_t family, proto;
    uint16_t zone;
    uint32_t jiffies32;
};

struct cc_list {
    union ctfw_addr key;
    uint16_t zone;
    uint32_t last_gc;
    struct cc_conn *c;
    size_t n, cap;
};

struct cc_rt {
    struct cc_list *l;
    size_t n, cap;
};

static void *
cc_rt_new(const struct rules_xt *xt)
{
    (void)xt;
    return calloc(1, sizeof(struct cc_rt));
}

static void
cc_rt_free(void *p)
{
    struct cc_rt *rt = p;
    if (!rt)
        return;
    for (size_t i = 0; i < rt->n; i++)
        free(rt->l[i].c);
    free(rt->l);
    free(rt);
}

static bool
cc_conn_push(struct cc_list *l, const struct cc_conn *c)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 4;
        struct cc_conn *nc = realloc(l->c, ncap * sizeof(*nc));
        if (!nc)
            return false;
        l->c = nc;
        l->cap = ncap;
    }
    l->c[l->n++] = *c;
    return true;
}

static bool
cc_tuple_equal(const struct cc_conn *a, const struct cc_conn *b)
{
    return a->family == b->family && a->proto == b->proto &&
           !memcmp(&a->t.src, &b->t.src, sizeof(a->t.src)) &&
           !memcmp(&a->t.dst, &b->t.dst, sizeof(a->t.dst)) &&
           a->t.sport == b->t.sport && a->t.dport == b->t.dport;
}

/* nf_conntrack_find_get() of a stored tuple. */
static const struct ctfw_ct_entry *
cc_find(const struct rules_eval *ev, const struct cc_conn *c)
{
    if (!ev->env || !ev->env->ct)
        return NULL;
    struct ctfw_pkt q;
    memset(&q, 0, sizeof(q));
    q.family = c->family;
    q.proto = c->proto;
    q.has = CTFW_PKT_HAS_IP | CTFW_PKT_HAS_L4;
    q.src = c->t.src;
    q.dst = c->t.dst;
    q.sport = c->t.sport;
    q.dport = c->t.dport;
    q.icmp_id = c->t.sport;
    q.icmp_type = (uint8_t)(c->t.dport >> 8);
    q.icmp_code = (uint8_t)c->t.dport;
    return ctfw_ct_find(ev->env->ct, &q, c->zone, ev->skb->now_ns, NULL);
}

/* The packet's tuple: its conntrack's original one, else its own. */
static bool
cc_packet_tuple(const struct ctfw_skb *skb, struct cc_conn *c)
{
    memset(c, 0, sizeof(*c));
    const struct ctfw_ct_entry *e = skb->ct.entry;
    if (e) {
        ctfw_ct_entry_tuple(e, CTFW_CT_DIR_ORIGINAL, &c->t);
        c->family = ctfw_ct_entry_family(e);
        c->proto = ctfw_ct_entry_proto(e);
        c->zone = ctfw_ct_entry_zone(e);
        return true;
    }
    const struct ctfw_pkt *p = &skb->pkt;
    if (!(p->has & CTFW_PKT_HAS_IP) || p->frag == CTFW_PKT_FRAG_LATER)
        return false;
    c->family = p->family;
    c->proto = p->proto;
    if (p->family == 6) {
        c->t.src = p->src;
        c->t.dst = p->dst;
    } else {
        c->t.src.w[0] = p->src.w[0];
        c->t.dst.w[0] = p->dst.w[0];
    }
    switch (p->proto) {
    case 6:
    case 17:
    case 136:
        if (!(p->has & CTFW_PKT_HAS_L4))
            return false;
        c->t.sport = p->sport;
        c->t.dport = p->dport;
        break;
    case 1:
    case 58:
        if (!(p->has & CTFW_PKT_HAS_L4))
            return false;
        c->t.sport = p->icmp_id;
        c->t.dport = (uint16_t)(p->icmp_type << 8 | p->icmp_code);
        break;
    default:
        break;
    }
    return true;
}

/* __nf_conncount_add(): 0, or -1 when out of memory. */
static int
cc_add(const struct rules_eval *ev, struct cc_list *l,
       const struct cc_conn *me, uint32_t now32)
{
    if (now32 != l->last_gc) {
        unsigned collect = 0;
        for (size_t i = 0; i < l->n;) {
            if (collect > CC_GC_MAX_NODES)
                break;
            const struct ctfw_ct_entry *f = cc_find(ev, &l->c[i]);
            bool evict = !f;
            if (f && cc_tuple_equal(&l->c[i], me) &&
                ctfw_ct_entry_zone(f) == me->zone)
                return 0;   /* already counted */
            if (f && ctfw_ct_entry_proto(f) == 6) {
                int st = ctfw_ct_entry_tcp_state(f);
                evict = st == CTFW_CT_TCP_TIME_WAIT ||
                        st == CTFW_CT_TCP_CLOSE;
            }
            if (evict) {
                memmove(&l->c[i], &l->c[i + 1],
                        (l->n - i - 1) * sizeof(l->c[0]));
                l->n--;
                collect++;
                continue;
            }
            i++;
        }
    }
    struct cc_conn c = *me;
    c.jiffies32 = now32;
    if (!cc_conn_push(l, &c))
        return -1;
    l->last_gc = now32;
    return 0;
}

static bool
connlimit_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct connlimit_info *ci = (const void *)xt->data;
    struct cc_rt *rt = rules_xt_rt(xt);
    struct cc_conn me;
    if (!rt || !cc_packet_tuple(ev->skb, &me)) {
        ev->hotdrop = true;
        return false;
    }
    const struct ctfw_pkt *p = &ev->skb->pkt;
    union ctfw_addr key, m;
    memset(&key, 0, sizeof(key));
    rules_mask_from_len(xt->family, ci->mask, &m);
    const union ctfw_addr *a = (xt->seen & (1ull << CL_DADDR)) ? &p->dst
                                                               : &p->src;
    int words = xt->family == 6 ? 4 : 1;
    for (int i = 0; i < words; i++)
        key.w[i] = a->w[i] & m.w[i];
    uint32_t now32 = (uint32_t)(ev->skb->now_ns / (1000000000u / CC_HZ));
    struct cc_list *l = NULL;
    for (size_t i = 0; i < rt->n && !l; i++)
        if (rt->l[i].zone == me.zone &&
            !memcmp(&rt->l[i].key, &key, sizeof(key)))
            l = &rt->l[i];
    size_t count;
    if (l && l->n) {
        if (cc_add(ev, l, &me, now32)) {
            ev->hotdrop = true;
            return false;
        }
        count = l->n;
    } else {
        /* insert_tree(): a new list holding this tuple. */
        if (!l) {
            if (rt->n == rt->cap) {
                size_t ncap = rt->cap ? rt->cap * 2 : 8;
                struct cc_list *nl = realloc(rt->l, ncap * sizeof(*nl));
                if (!nl) {
                    ev->hotdrop = true;
                    return false;
                }
                rt->l = nl;
                rt->cap = ncap;
            }
            l = &rt->l[rt->n++];
            memset(l, 0, sizeof(*l));
            l->key = key;
            l->zone = me.zone;
        }
        me.jiffies32 = now32;
        if (!cc_conn_push(l, &me)) {
            ev->hotdrop = true;
            return false;
        }
        count = l->n;
    }
    if (xt->seen & (1ull << CL_UPTO))
        return count <= ci->upto;
    return count > ci->above;
}

static const struct rules_ext ext_connlimit = {
    .list = connlimit_list,
    .name = "connlimit",
    .size = sizeof(struct connlimit_info),
    .n_opts = sizeof(connlimit_opts) / sizeof(connlimit_opts[0]),
    .opts = connlimit_opts,
    .final = connlimit_final,
    .match = connlimit_match,
    .rt_new = cc_rt_new,
    .rt_free = cc_rt_free,
    .needs_ct = ct_always,
};

struct helper_info {
    char name[30];
};

static const struct rules_opt helper_opts[] = {
    {.name = "helper", .type = OT_STRING, .alias = -1,
     .flags = OF_INVERT | OF_MAND | OF_QUOTE, .max = 29,
     .off = offsetof(struct helper_info, name)},
};

static void
helper_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct helper_info *h = (const void *)xt->data;
    (void)numeric;
    rbuf_printf(b, " helper match %s\"%s\"", (xt->inv & 1) ? "! " : "",
                h->name);
}

/*
 * Evaluation: helper_mt() of xt_helper.c. Only a connection created from
 * an expectation has a master; the match compares the master's helper
 * name (strncmp over the helper name's length, so "ftpx" matches "ftp";
 * an empty name matches any helper). No conntrack, no master or no
 * helper: the invert flag alone. (The kernel's child holds a reference
 * to its master; ctfw forgets a master that died first, so the match
 * fails there: see docs/conntrack.md.)
 */
static bool
helper_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct helper_info *h = (const void *)xt->data;
    bool inv = xt->inv & 1;
    const struct ctfw_ct_entry *e = ev->skb->ct.entry;
    if (!e || !ev->env->ct)
        return inv;
    const struct ctfw_ct_entry *m = ctfw_ct_entry_master(ev->env->ct, e);
    if (!m)
        return inv;
    const char *name = ctfw_ct_helper_name(ctfw_ct_entry_helper(m));
    if (!name)
        return inv;
    if (!h->name[0])
        return !inv;
    return inv ^ !strncmp(name, h->name, strlen(name));
}

static const struct rules_ext ext_helper = {
    .list = helper_list,
    .name = "helper",
    .size = sizeof(struct helper_info),
    .n_opts = 1,
    .opts = helper_opts,
    .match = helper_match,
    .needs_ct = ct_always,
};

/* CT target revision 2. */
struct ct_info {
    uint32_t notrack;
    char helper[16];
    char timeout[32];
    uint32_t ctevents, expevents;
    uint32_t zone;
};

static const struct rules_name ctevent_names[] = {
    {"new", 1 << 1},     {"related", 1 << 2},   {"destroy", 1 << 3},
    {"reply", 1 << 4},   {"assured", 1 << 5},   {"protoinfo", 1 << 6},
    {"helper", 1 << 7},  {"mark", 1 << 8},      {"natseqinfo", 1 << 9},
    {"secmark", 1 << 10}, {NULL, 0},
};

static const struct rules_name expevent_names[] = {
    {"new", 1}, {NULL, 0},
};

enum { CTT_NOTRACK, CTT_HELPER, CTT_TIMEOUT, CTT_CTEV, CTT_EXPEV,
       CTT_ZONE };

static int
ct_final(struct rules_ctx *ctx, struct rules_xt *xt,
         const struct rules_rule *r)
{
    struct ct_info *c = (void *)xt->data;
    (void)ctx;
    (void)r;
    /* A zone of 0 is the default and is not printed. */
    if (!c->zone)
        xt->seen &= ~(1ull << CTT_ZONE);
    return 0;
}

static const struct rules_opt ct_opts[] = {
    [CTT_NOTRACK] = {.name = "notrack", .type = OT_NONE, .alias = -1,
                     .off = offsetof(struct ct_info, notrack), .bits = 1},
    [CTT_HELPER] = {.name = "helper", .type = OT_STRING, .alias = -1,
                    .max = 15, .off = offsetof(struct ct_info, helper)},
    [CTT_TIMEOUT] = {.name = "timeout", .type = OT_STRING, .alias = -1,
                     .max = 31, .off = offsetof(struct ct_info, timeout)},
    [CTT_CTEV] = {.name = "ctevents", .type = OT_NAMES, .alias = -1,
                  .off = offsetof(struct ct_info, ctevents),
                  .names = ctevent_names,
                  .badmsg = "Unknown event type \"%s\""},
    [CTT_EXPEV] = {.name = "expevents", .type = OT_NAMES, .alias = -1,
                   .off = offsetof(struct ct_info, expevents),
                   .names = expevent_names,
                   .badmsg = "Unknown event type \"%s\""},
    [CTT_ZONE] = {.name = "zone", .type = OT_UINT, .alias = -1,
                  .max = 65535, .off = offsetof(struct ct_info, zone),
                  .badmsg = "Cannot parse %s as a zone ID"},
};

/* A --timeout names a cttimeout policy object; ctfw (like a fresh
 * namespace) has none, so the kernel refuses the rule. */
/*
 * --helper: xt_ct_set_helper() needs the rule's layer 4 protocol (given,
 * not inverted) and a helper registered under that name for it, the
 * name compared case-sensitively; otherwise -ENOENT. The helpers of a
 * 6.x kernel with every conntrack helper module (checked on 6.18).
 */
static const struct {
    const char *name;
    uint8_t proto;
} kernel_helpers[] = {
    {"ftp", 6},    {"irc", 6},   {"sip", 6},         {"sip", 17},
    {"tftp", 17},  {"RAS", 17},  {"Q.931", 6},       {"pptp", 6},
    {"snmp", 17},  {"sane", 6},  {"netbios-ns", 17}, {"amanda", 17},
};

static const char *
ct_kcheck(const struct rules_xt *xt, const struct rules_rule *r)
{
    const struct ct_info *c = (const void *)xt->data;
    if (xt->seen & (1ull << CTT_TIMEOUT))
        return "Invalid argument";
    if (!c->helper[0])
        return NULL;
    if (!r->proto_set || (r->inv & RINV_PROTO))
        return "No such file or directory";
    for (size_t i = 0; i < sizeof(kernel_helpers) / sizeof(kernel_helpers[0]);
         i++)
        if (kernel_helpers[i].proto == r->proto &&
            !strcmp(kernel_helpers[i].name, c->helper))
            return NULL;
    return "No such file or directory";
}

/*
 * Evaluation: xt_ct_target() of xt_CT.c (reference §5.2). A packet that
 * already carries a conntrack (looped back) or an UNTRACKED tag is left
 * alone; --notrack tags it UNTRACKED; otherwise the template's zone and
 * helper are what the conntrack hook will use (--timeout and the event
 * masks are parsed but have no effect in ctfw). Always CONTINUE.
 */
static int
ct_action(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct ct_info *c = (const void *)xt->data;
    struct ctfw_ct_ref *ref = &ev->skb->ct;
    if (ref->entry || ref->info == CTFW_CT_UNTRACKED)
        return RULES_XT_CONTINUE;
    if (c->notrack) {
        ctfw_ct_ref_notrack(ref);
        return RULES_XT_CONTINUE;
    }
    ctfw_ct_ref_set_zone(ref, (uint16_t)c->zone);
    /* --helper: the template's helper is what the new entry gets (6.x
     * assigns helpers only this way). Helpers ctfw lacks are refused
     * before a replay starts (ctfw_rules_unknown_helper()). */
    if (c->helper[0])
        ctfw_ct_ref_set_helper(ref, c->helper);
    return RULES_XT_CONTINUE;
}

static bool
unknown_helper_fn(const struct rules_xt *xt, bool is_target,
                  const void *arg)
{
    (void)arg;
    if (!is_target || strcmp(xt->ext->name, "CT"))
        return false;
    const struct ct_info *ci = (const void *)xt->data;
    return ci->helper[0] && !ctfw_ct_helper_find(ci->helper);
}

const char *
ctfw_rules_unknown_helper(const struct ctfw_ruleset *rs)
{
    const struct rules_xt *xt = rules_find_xt(rs, unknown_helper_fn, NULL);
    return xt ? ((const struct ct_info *)(const void *)xt->data)->helper
              : NULL;
}

/* --notrack alone does not register conntrack hooks (reference §1.4). */
static bool
ct_needs(const struct rules_xt *xt)
{
    const struct ct_info *c = (const void *)xt->data;
    return !c->notrack;
}

static void
ct_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct ct_info *c = (const void *)xt->data;
    (void)numeric;
    rbuf_puts(b, " CT");
    if (c->notrack)
        rbuf_puts(b, " notrack");
    if (c->helper[0])
        rbuf_printf(b, " helper %s", c->helper);
    if (c->timeout[0])
        rbuf_printf(b, " timeout %s", c->timeout);
    static const char *const ev[] = {"ctevents", "expevents"};
    for (int k = 0; k < 2; k++) {
        if (!(xt->seen & (1ull << (CTT_CTEV + k))))
            continue;
        rbuf_printf(b, " %s", ev[k]);
        names_print(b, xt, &xt->ext->opts[CTT_CTEV + k]);
    }
    if (xt->seen & (1ull << CTT_ZONE))
        rbuf_printf(b, " zone %u", c->zone);
}

static const struct rules_ext ext_CT = {
    .list = ct_list,
    .name = "CT",
    .kcheck = ct_kcheck,
    .target = true,
    .size = sizeof(struct ct_info),
    .n_opts = sizeof(ct_opts) / sizeof(ct_opts[0]),
    .opts = ct_opts,
    .tables = RT_BIT(RT_RAW),
    .final = ct_final,
    .action = ct_action,
    .needs_ct = ct_needs,
    .ct_module = true,
};

/* Evaluation: notrack_tg() of xt_CT.c: UNTRACKED unless the packet
 * already has a conntrack; CONTINUE; needs no conntrack itself. */
static int
notrack_action(const struct rules_xt *xt, struct rules_eval *ev)
{
    (void)xt;
    struct ctfw_ct_ref *ref = &ev->skb->ct;
    if (!ref->entry && ref->info != CTFW_CT_UNTRACKED)
        ctfw_ct_ref_notrack(ref);
    return RULES_XT_CONTINUE;
}

static void
notrack_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    (void)xt;
    (void)numeric;
    rbuf_puts(b, " NOTRACK");
}

static const struct rules_ext ext_NOTRACK = {
    .list = notrack_list,
    .name = "NOTRACK",
    .target = true,
    .size = 4,
    .tables = RT_BIT(RT_RAW),
    .action = notrack_action,
    .ct_module = true,
};

_Static_assert(ST_INVALID == RULES_ST_INVALID && ST_EST == RULES_ST_EST &&
                   ST_REL == RULES_ST_REL && ST_NEW == RULES_ST_NEW &&
                   ST_UNTRACKED == RULES_ST_UNTRACKED &&
                   ST_SNAT == RULES_ST_SNAT && ST_DNAT == RULES_ST_DNAT,
               "the lint view shares the ctstate bits");

bool
rules_xt_state_view(const struct rules_xt *xt, struct rules_state_view *v)
{
    memset(v, 0, sizeof(*v));
    if (xt->ext == &ext_state) {
        v->has_state = true;
        v->states = ((const struct state_info *)(const void *)xt->data)->mask;
        v->inv = xt->inv & 1;
        return true;
    }
    if (xt->ext != &ext_conntrack)
        return false;
    const struct conntrack_info *c = (const void *)xt->data;
    v->has_state = xt->seen & (1ull << CT_STATE);
    v->states = v->has_state ? c->state : 0;
    v->inv = xt->inv & (1ull << CT_STATE);
    v->other = (xt->seen & ~(1ull << CT_STATE)) != 0;
    return true;
}

bool
rules_xt_is_notrack(const struct rules_xt *tg)
{
    if (tg->ext == &ext_NOTRACK)
        return true;
    return tg->ext == &ext_CT &&
           ((const struct ct_info *)(const void *)tg->data)->notrack;
}

/* CONNMARK target. */
#define CM_SET 0
#define CM_SAVE 1
#define CM_RESTORE 2

struct connmark_t_info {
    uint32_t mode;
    uint32_t ctmark, ctmask, nfmask;
};

enum { CMT_SETX, CMT_SAVE, CMT_RESTORE, CMT_NFMASK, CMT_CTMASK, CMT_SET,
       CMT_AND, CMT_OR, CMT_XOR, CMT_MASK };

static int
cm_parse_mark(struct rules_ctx *ctx, struct rules_xt *xt,
              const struct rules_opt *o, const char *arg, const char *arg2)
{
    struct connmark_t_info *c = (void *)xt->data;
    (void)arg2;
    uint32_t v, m = 0xffffffffu;
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%s", arg);
    char *slash = strchr(tmp, '/');
    if (slash)
        *slash++ = '\0';
    bool with_mask = o == &xt->ext->opts[CMT_SETX] ||
                     o == &xt->ext->opts[CMT_SET];
    if (slash && !with_mask) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "%s: bad value for option \"--%s\", or out of range "
                  "(0-4294967295).\n",
                  xt->ext->name, o->name);
        return -1;
    }
    if (rules_parse_uint(tmp, 0, 0xffffffffu, &v) ||
        (slash && (!with_mask ||
                   rules_parse_uint(slash, 0, 0xffffffffu, &m)))) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "%s: bad integer value for option \"--%s\", or out of "
                  "range.\n",
                  xt->ext->name, o->name);
        return -1;
    }
    c->mode = CM_SET;
    if (o == &xt->ext->opts[CMT_SETX]) {
        c->ctmark = v;
        c->ctmask = m;
    } else if (o == &xt->ext->opts[CMT_SET]) {
        c->ctmark = v;
        c->ctmask = v | m;
    } else if (o == &xt->ext->opts[CMT_AND]) {
        c->ctmark = 0;
        c->ctmask = ~v;
    } else if (o == &xt->ext->opts[CMT_OR]) {
        c->ctmark = v;
        c->ctmask = v;
    } else {
        c->ctmark = v;
        c->ctmask = 0;
    }
    return 0;
}

static void
cm_print_mark(struct rbuf *b, const struct rules_xt *xt,
              const struct rules_opt *o)
{
    const struct connmark_t_info *c = (const void *)xt->data;
    (void)o;
    rbuf_printf(b, " 0x%x/0x%x", c->ctmark, c->ctmask);
}

static int
cm_parse_mask(struct rules_ctx *ctx, struct rules_xt *xt,
              const struct rules_opt *o, const char *arg, const char *arg2)
{
    struct connmark_t_info *c = (void *)xt->data;
    (void)arg2;
    uint32_t v;
    if (rules_parse_uint(arg, 0, 0xffffffffu, &v)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "%s: bad value for option \"--%s\", or out of range "
                  "(0-4294967295).\n",
                  xt->ext->name, o->name);
        return -1;
    }
    c->nfmask = c->ctmask = v;
    xt->seen |= (1ull << CMT_NFMASK) | (1ull << CMT_CTMASK);
    return 0;
}

static int
cm_final(struct rules_ctx *ctx, struct rules_xt *xt,
         const struct rules_rule *r)
{
    struct connmark_t_info *c = (void *)xt->data;
    uint64_t ops = (1ull << CMT_SETX) | (1ull << CMT_SAVE) |
                   (1ull << CMT_RESTORE);
    (void)r;
    if (!(xt->seen & ops)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "CONNMARK target: No operation specified");
        return -1;
    }
    if (xt->seen & (1ull << CMT_SETX)) {
        /* iptables 1.8.9 accepts --nfmask/--ctmask beside --set-mark and
         * ignores them (the saved rule has none). */
        xt->seen &= ~((1ull << CMT_NFMASK) | (1ull << CMT_CTMASK));
        return 0;
    }
    c->mode = (xt->seen & (1ull << CMT_SAVE)) ? CM_SAVE : CM_RESTORE;
    if (!(xt->seen & (1ull << CMT_NFMASK)))
        c->nfmask = 0xffffffffu;
    if (!(xt->seen & (1ull << CMT_CTMASK)))
        c->ctmask = 0xffffffffu;
    xt->seen |= (1ull << CMT_NFMASK) | (1ull << CMT_CTMASK);
    return 0;
}

#define CM_OPS                                                              \
    ((1ull << CMT_SETX) | (1ull << CMT_SAVE) | (1ull << CMT_RESTORE))
#define CM_MARKOPT(n, al)                                                   \
    {                                                                       \
        .name = n, .type = OT_CUSTOM, .alias = al, .off = RULES_NOFIELD,    \
        .excl = CM_OPS, .parse = cm_parse_mark, .print = cm_print_mark      \
    }

static const struct rules_opt connmark_t_opts[] = {
    [CMT_SETX] = CM_MARKOPT("set-xmark", -1),
    [CMT_SAVE] = {.name = "save-mark", .type = OT_NONE, .alias = -1,
                  .excl = CM_OPS, .off = RULES_NOFIELD},
    [CMT_RESTORE] = {.name = "restore-mark", .type = OT_NONE, .alias = -1,
                     .excl = CM_OPS, .off = RULES_NOFIELD},
    [CMT_NFMASK] = {.name = "nfmask", .type = OT_UINT, .alias = -1,
                    .flags = OF_HEX, .max = 0xffffffffu,
                    .off = offsetof(struct connmark_t_info, nfmask)},
    [CMT_CTMASK] = {.name = "ctmask", .type = OT_UINT, .alias = -1,
                    .flags = OF_HEX, .max = 0xffffffffu,
                    .off = offsetof(struct connmark_t_info, ctmask)},
    [CMT_SET] = CM_MARKOPT("set-mark", CMT_SETX),
    [CMT_AND] = CM_MARKOPT("and-mark", CMT_SETX),
    [CMT_OR] = CM_MARKOPT("or-mark", CMT_SETX),
    [CMT_XOR] = CM_MARKOPT("xor-mark", CMT_SETX),
    [CMT_MASK] = {.name = "mask", .type = OT_CUSTOM, .alias = -1,
                  .flags = OF_NOSAVE, .off = RULES_NOFIELD,
                  .parse = cm_parse_mask},
};

/*
 * Evaluation: connmark_tg_shift() of xt_CONNMARK.c (shift 0):
 *   set:     ctmark = (ctmark & ~ctmask) ^ ctmark_value
 *   save:    ctmark = (ctmark & ~ctmask) ^ (mark & nfmask)
 *   restore: mark   = (mark & ~nfmask) ^ (ctmark & ctmask)
 * No conntrack: nothing. The entry is written (and an IPCT_MARK event
 * raised) only when the mark changes. Always CONTINUE.
 */
static int
connmark_action(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct connmark_t_info *c = (const void *)xt->data;
    struct ctfw_ct_entry *ct = ev->skb->ct.entry;
    if (!ct)
        return RULES_XT_CONTINUE;
    uint32_t old = ctfw_ct_entry_mark(ct), nm;
    switch (c->mode) {
    case CM_SET:
        nm = (old & ~c->ctmask) ^ c->ctmark;
        break;
    case CM_SAVE:
        nm = (old & ~c->ctmask) ^ (ev->skb->mark & c->nfmask);
        break;
    default:
        ev->skb->mark = (ev->skb->mark & ~c->nfmask) ^ (old & c->ctmask);
        return RULES_XT_CONTINUE;
    }
    if (nm != old && ev->env && ev->env->ct)
        ctfw_ct_entry_set_mark(ev->env->ct, ct, nm);
    return RULES_XT_CONTINUE;
}

static void
cm_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct connmark_t_info *c = (const void *)xt->data;
    (void)numeric;
    if (c->mode == CM_SET) {
        if (c->ctmark == 0)
            rbuf_printf(b, " CONNMARK and 0x%x", ~c->ctmask);
        else if (c->ctmark == c->ctmask)
            rbuf_printf(b, " CONNMARK or 0x%x", c->ctmark);
        else if (c->ctmask == 0)
            rbuf_printf(b, " CONNMARK xor 0x%x", c->ctmark);
        else if (c->ctmask == 0xffffffffu)
            rbuf_printf(b, " CONNMARK set 0x%x", c->ctmark);
        else
            rbuf_printf(b, " CONNMARK xset 0x%x/0x%x", c->ctmark,
                        c->ctmask);
        return;
    }
    /* connmark_tg_print(): save names nfmask first, restore ctmask. */
    bool save = c->mode == CM_SAVE;
    const char *op = save ? "save" : "restore";
    if (c->nfmask == 0xffffffffu && c->ctmask == 0xffffffffu)
        rbuf_printf(b, " CONNMARK %s", op);
    else if (c->nfmask == c->ctmask)
        rbuf_printf(b, " CONNMARK %s mask 0x%x", op, c->nfmask);
    else if (save)
        rbuf_printf(b, " CONNMARK save nfmask 0x%x ctmask ~0x%x", c->nfmask,
                    c->ctmask);
    else
        rbuf_printf(b, " CONNMARK restore ctmask 0x%x nfmask ~0x%x",
                    c->ctmask, c->nfmask);
}

static const struct rules_ext ext_CONNMARK = {
    .list = cm_list,
    .name = "CONNMARK",
    .target = true,
    .size = sizeof(struct connmark_t_info),
    .n_opts = sizeof(connmark_t_opts) / sizeof(connmark_t_opts[0]),
    .opts = connmark_t_opts,
    .final = cm_final,
    .action = connmark_action,
    .needs_ct = ct_always,
};

const struct rules_ext *const rules_ext_ct[] = {
    &ext_state, &ext_conntrack, &ext_connmark_m, &ext_connlimit,
    &ext_helper, &ext_CT, &ext_NOTRACK, &ext_CONNMARK, NULL,
};
