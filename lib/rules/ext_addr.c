// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Address matches: addrtype (revision 1) and iprange (revision 1).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ctfw/host.h"
#include "eval_private.h"
#include "rules_private.h"

/* RTN_* types, bit (1 << RTN_x); print order of libxt_addrtype. */
static const struct rules_name addrtype_names[] = {
    {"UNSPEC", 1 << 0},      {"UNICAST", 1 << 1},   {"LOCAL", 1 << 2},
    {"BROADCAST", 1 << 3},   {"ANYCAST", 1 << 4},   {"MULTICAST", 1 << 5},
    {"BLACKHOLE", 1 << 6},   {"UNREACHABLE", 1 << 7},
    {"PROHIBIT", 1 << 8},    {"THROW", 1 << 9},     {"NAT", 1 << 10},
    {"XRESOLVE", 1 << 11},   {NULL, 0},
};

struct addrtype_info {
    uint32_t src, dst, flags;
};

#define AT_LIMIT_IN 1
#define AT_LIMIT_OUT 2

static int
addrtype_final(struct rules_ctx *ctx, struct rules_xt *xt,
               const struct rules_rule *r)
{
    (void)r;
    if (!(xt->seen & 3)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "addrtype: you must specify --src-type or --dst-type");
        return -1;
    }
    return 0;
}

/* --limit-iface-in is refused by the kernel in OUTPUT/POSTROUTING and
 * --limit-iface-out in PREROUTING/INPUT; left to the hook check. */
static const struct rules_opt addrtype_opts[] = {
    {.name = "src-type", .type = OT_NAMES, .alias = -1, .flags = OF_INVERT,
     .names = addrtype_names, .off = offsetof(struct addrtype_info, src),
     .badmsg = "addrtype: bad type \"%s\""},
    {.name = "dst-type", .type = OT_NAMES, .alias = -1, .flags = OF_INVERT,
     .names = addrtype_names, .off = offsetof(struct addrtype_info, dst),
     .badmsg = "addrtype: bad type \"%s\""},
    {.name = "limit-iface-in", .type = OT_NONE, .alias = -1, .excl = 8,
     .off = offsetof(struct addrtype_info, flags), .bits = AT_LIMIT_IN},
    {.name = "limit-iface-out", .type = OT_NONE, .alias = -1, .excl = 4,
     .off = offsetof(struct addrtype_info, flags), .bits = AT_LIMIT_OUT},
};

/* Evaluation: addrtype_mt_v1() of xt_addrtype.c, answered by the host
 * model. --limit-iface-in/out restrict LOCAL (and subnet broadcast) to
 * the packet's in/out interface; without one the lookup is global, as
 * with a NULL device. Without a host model nothing is known about
 * addresses and the match fails (replay always passes one). */
static bool
addrtype_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct addrtype_info *a = (const void *)xt->data;
    const struct ctfw_skb *skb = ev->skb;
    const struct ctfw_host *h = ev->env ? ev->env->host : NULL;
    if (!h)
        return false;
    unsigned dev = 0;
    if (a->flags & AT_LIMIT_IN)
        dev = skb->in_ifindex;
    else if (a->flags & AT_LIMIT_OUT)
        dev = skb->out_ifindex;
    int fam = skb->pkt.family;
    if (a->src) {
        bool m = a->src & ctfw_host_addrtype(h, fam, &skb->pkt.src, dev);
        if (m == !!(xt->inv & 1))
            return false;
    }
    if (a->dst) {
        bool m = a->dst & ctfw_host_addrtype(h, fam, &skb->pkt.dst, dev);
        if (m == !!(xt->inv & 2))
            return false;
    }
    return true;
}

static void
addrtype_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    (void)numeric;
    rbuf_puts(b, " ADDRTYPE match");
    static const char *const side[] = {"src-type", "dst-type"};
    for (int k = 0; k < 2; k++) {
        if (!(xt->seen & (1ull << k)))
            continue;
        rbuf_printf(b, " %s %s", side[k], (xt->inv & (1ull << k)) ? "!" : "");
        struct rbuf t = {0};
        uint32_t v = *(const uint32_t *)XT_DATA(xt, xt->ext->opts[k].off);
        bool first = true;
        for (const struct rules_name *n = addrtype_names; n->name; n++)
            if (v & n->val) {
                rbuf_puts(&t, first ? "" : ",");
                rbuf_puts(&t, n->name);
                first = false;
            }
        if (t.s)
            rbuf_puts(b, t.s);
        rbuf_fini(&t);
    }
    if (xt->seen & 4)
        rbuf_puts(b, " limit-in");
    if (xt->seen & 8)
        rbuf_puts(b, " limit-out");
}

static const struct rules_ext ext_addrtype = {
    .list = addrtype_list,
    .name = "addrtype",
    .size = sizeof(struct addrtype_info),
    .n_opts = 4,
    .opts = addrtype_opts,
    .final = addrtype_final,
    .match = addrtype_match,
};

struct iprange_info {
    struct rules_host src, dst;   /* addr = first, mask = last */
};

static int
iprange_final(struct rules_ctx *ctx, struct rules_xt *xt,
              const struct rules_rule *r)
{
    (void)r;
    if (!(xt->seen & 3)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "iprange match: You must specify `--src-range' or "
                  "`--dst-range'");
        return -1;
    }
    return 0;
}

static const struct rules_opt iprange_opts[] = {
    {.name = "src-range", .type = OT_ADDRRANGE, .alias = -1,
     .flags = OF_INVERT, .off = offsetof(struct iprange_info, src),
     .badmsg = "iprange: Bad value for \"--src-range\" option: \"%s\""},
    {.name = "dst-range", .type = OT_ADDRRANGE, .alias = -1,
     .flags = OF_INVERT, .off = offsetof(struct iprange_info, dst),
     .badmsg = "iprange: Bad value for \"--dst-range\" option: \"%s\""},
};

/* Evaluation: iprange_mt4() / iprange_mt6() of xt_iprange.c: each
 * given range is inclusive and compared as a number (network order
 * bytes compare as numbers). */
static bool
in_range(int family, const union ctfw_addr *a, const struct rules_host *r)
{
    size_t n = family == 6 ? 16 : 4;
    return memcmp(a->b, r->addr.b, n) >= 0 && memcmp(a->b, r->mask.b, n) <= 0;
}

static bool
iprange_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct iprange_info *ir = (const void *)xt->data;
    const struct ctfw_pkt *p = &ev->skb->pkt;
    if ((xt->seen & 1) &&
        in_range(p->family, &p->src, &ir->src) == !!(xt->inv & 1))
        return false;
    if ((xt->seen & 2) &&
        in_range(p->family, &p->dst, &ir->dst) == !!(xt->inv & 2))
        return false;
    return true;
}

static void
iprange_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct iprange_info *r = (const void *)xt->data;
    (void)numeric;
    const struct rules_host *h[2] = {&r->src, &r->dst};
    for (int k = 0; k < 2; k++) {
        if (!(xt->seen & (1ull << k)))
            continue;
        rbuf_printf(b, " %s IP range%s ", k ? "destination" : "source",
                    (xt->inv & (1ull << k)) ? " !" : "");
        rules_print_addr(b, xt->family, &h[k]->addr);
        rbuf_putc(b, '-');
        rules_print_addr(b, xt->family, &h[k]->mask);
    }
}

static const struct rules_ext ext_iprange = {
    .list = iprange_list,
    .name = "iprange",
    .size = sizeof(struct iprange_info),
    .n_opts = 2,
    .opts = iprange_opts,
    .final = iprange_final,
    .match = iprange_match,
};

const struct rules_ext *const rules_ext_addr[] = {
    &ext_addrtype, &ext_iprange, NULL,
};
