// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Port matches: tcp, udp, udplite, multiport (libxt_tcp, libxt_udp,
 * libxt_multiport of iptables 1.8.9). Saved as iptables prints them:
 * tcp --sport, --dport, --tcp-option, --tcp-flags; a full 0:65535
 * range is not printed; flag sets as FIN,SYN,RST,PSH,ACK,URG.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "eval_private.h"
#include "rules_private.h"

struct tcp_info {
    struct rules_range sport, dport;
    uint32_t option;
    uint32_t flg_mask, flg_cmp;
};

enum { TCP_SPORT, TCP_DPORT, TCP_OPTION, TCP_FLAGS, TCP_SYN };

static const struct rules_name tcp_flag_names[] = {
    {"FIN", 0x01}, {"SYN", 0x02}, {"RST", 0x04}, {"PSH", 0x08},
    {"ACK", 0x10}, {"URG", 0x20}, {"ALL", 0x3f}, {"NONE", 0},
    {NULL, 0},
};

static int
parse_flag_list(struct rules_ctx *ctx, const char *s, uint32_t *out)
{
    uint32_t v = 0;
    char tmp[256];
    snprintf(tmp, sizeof(tmp), "%s", s);
    char *p = tmp;
    for (;;) {
        char *e = strchr(p, ',');
        if (e)
            *e = '\0';
        const struct rules_name *n = tcp_flag_names;
        for (; n->name; n++)
            if (!strcasecmp(n->name, p))
                break;
        if (!n->name) {
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "Unknown TCP flag `%s'", p);
            return -1;
        }
        v |= n->val;
        if (!e)
            break;
        p = e + 1;
    }
    *out = v;
    return 0;
}

static int
tcp_flags_parse(struct rules_ctx *ctx, struct rules_xt *xt,
                const struct rules_opt *o, const char *arg, const char *arg2)
{
    struct tcp_info *t = (void *)xt->data;
    (void)o;
    if (xt->seen & (1ull << TCP_FLAGS)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Only one of `--syn' or `--tcp-flags'  allowed");
        return -1;
    }
    if (!arg2) {
        /* --syn */
        t->flg_mask = 0x17;
        t->flg_cmp = 0x02;
        return 0;
    }
    if (parse_flag_list(ctx, arg, &t->flg_mask) ||
        parse_flag_list(ctx, arg2, &t->flg_cmp))
        return -1;
    return 0;
}

static void
print_flags(struct rbuf *b, uint32_t f)
{
    bool any = false;
    for (const struct rules_name *n = tcp_flag_names; n->val && f; n++) {
        if (!(f & n->val) || n->val == 0x3f)
            continue;
        rbuf_puts(b, any ? "," : "");
        rbuf_puts(b, n->name);
        f &= ~n->val;
        any = true;
    }
    if (!any)
        rbuf_puts(b, "NONE");
}

static void
tcp_flags_print(struct rbuf *b, const struct rules_xt *xt,
                const struct rules_opt *o)
{
    const struct tcp_info *t = (const void *)xt->data;
    (void)o;
    rbuf_putc(b, ' ');
    print_flags(b, t->flg_mask);
    rbuf_putc(b, ' ');
    print_flags(b, t->flg_cmp);
}

static int
syn_parse(struct rules_ctx *ctx, struct rules_xt *xt,
          const struct rules_opt *o, const char *arg, const char *arg2)
{
    (void)arg;
    (void)arg2;
    return tcp_flags_parse(ctx, xt, o, NULL, NULL);
}

static int
need_proto(struct rules_ctx *ctx, const struct rules_rule *r, unsigned p,
           const char *msg)
{
    if (!r->proto_set || r->proto == 0) {
        /* iptables-nft refuses in userspace when the protocol is not
         * given at all; a wrong one is refused by the kernel. */
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM, "%s", msg);
        return -1;
    }
    (void)p;
    return 0;
}

/* A full port range is the default and is not printed. */
static void
drop_full_range(struct rules_xt *xt, int idx, struct rules_range *r)
{
    if (r->lo == 0 && r->hi == 65535 && !(xt->inv & (1ull << idx)))
        xt->seen &= ~(1ull << idx);
}

static int
tcp_final(struct rules_ctx *ctx, struct rules_xt *xt,
          const struct rules_rule *r)
{
    struct tcp_info *t = (void *)xt->data;
    drop_full_range(xt, TCP_SPORT, &t->sport);
    drop_full_range(xt, TCP_DPORT, &t->dport);
    if (xt->seen && need_proto(ctx, r, 6, "TCP match requires '-p tcp'"))
        return -1;
    return 0;
}

/* Kernel side: the tcp match needs the rule's protocol to be tcp. */
static const char *
tcp_kcheck(const struct rules_xt *xt, const struct rules_rule *r)
{
    unsigned want = !strcmp(xt->ext->name, "tcp")    ? 6
                    : !strcmp(xt->ext->name, "udp")  ? 17
                                                     : 136;
    if (!r->proto_set || r->proto != want || (r->inv & RINV_PROTO))
        return "Invalid argument";
    return NULL;
}

#define PORT_OPT(n, field, al, dup)                                         \
    {                                                                       \
        .name = n, .type = OT_PORTRANGE, .alias = al, .flags = OF_INVERT,   \
        .off = offsetof(struct tcp_info, field), .dupmsg = dup              \
    }
#define DUP_S "Only one `--source-port' allowed"
#define DUP_D "Only one `--destination-port' allowed"

static const struct rules_opt tcp_opts[] = {
    [TCP_SPORT] = PORT_OPT("sport", sport, -1, DUP_S),
    [TCP_DPORT] = PORT_OPT("dport", dport, -1, DUP_D),
    [TCP_OPTION] = {.name = "tcp-option", .type = OT_UINT, .alias = -1,
                    .flags = OF_INVERT, .min = 1, .max = 255,
                    .off = offsetof(struct tcp_info, option),
                    .badmsg = "Bad TCP option \"%s\""},
    [TCP_FLAGS] = {.name = "tcp-flags", .type = OT_CUSTOM, .alias = -1,
                   .flags = OF_INVERT | OF_TWOARGS, .off = RULES_NOFIELD,
                   .parse = tcp_flags_parse, .print = tcp_flags_print,
                   .dupmsg = "Only one of `--syn' or `--tcp-flags'  allowed",
                   .badmsg = "--tcp-flags requires two args."},
    [TCP_SYN] = {.name = "syn", .type = OT_CUSTOM, .alias = TCP_FLAGS,
                 .flags = OF_INVERT | OF_NOARG, .off = RULES_NOFIELD,
                 .parse = syn_parse},
    PORT_OPT("source-port", sport, TCP_SPORT, DUP_S),
    PORT_OPT("destination-port", dport, TCP_DPORT, DUP_D),
};

/* Evaluation: tcp_mt() of xt_tcpudp.c. A later fragment never matches,
 * and the one at offset 1 (8 bytes, a flag-overwrite attempt) is
 * dropped; a header the packet cannot hold is dropped too (hotdrop). */
static bool
tcp_find_option(const uint8_t *op, uint32_t optlen, uint32_t option,
                bool invert)
{
    /* tcp_find_option(): walk kind/length pairs; kinds 0 and 1 are one
     * byte; a zero length advances by one. */
    for (uint32_t i = 0; i < optlen;) {
        if (op[i] == option)
            return !invert;
        if (op[i] < 2 || i + 1 >= optlen)
            i++;
        else
            i += op[i + 1] ? op[i + 1] : 1;
    }
    return invert;
}

static bool
tcp_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct tcp_info *t = (const void *)xt->data;
    const struct ctfw_pkt *p = &ev->skb->pkt;
    unsigned fragoff = rules_fragoff(p);
    if (fragoff) {
        if (fragoff == 1)
            ev->hotdrop = true;
        return false;
    }
    uint32_t n;
    const uint8_t *th = rules_l4_bytes(p, &n);
    if (n < 20) {
        ev->hotdrop = true;
        return false;
    }
    uint16_t sport = (uint16_t)(th[0] << 8 | th[1]);
    uint16_t dport = (uint16_t)(th[2] << 8 | th[3]);
    if ((xt->seen & (1ull << TCP_SPORT)) &&
        !rules_port_match(&t->sport, sport, xt->inv & (1ull << TCP_SPORT)))
        return false;
    if ((xt->seen & (1ull << TCP_DPORT)) &&
        !rules_port_match(&t->dport, dport, xt->inv & (1ull << TCP_DPORT)))
        return false;
    bool finv = xt->inv & ((1ull << TCP_FLAGS) | (1ull << TCP_SYN));
    if (((th[13] & t->flg_mask) == t->flg_cmp) == finv)
        return false;
    if (t->option) {
        uint32_t doff = (uint32_t)(th[12] >> 4) * 4;
        if (doff < 20) {
            ev->hotdrop = true;
            return false;
        }
        if (doff - 20 > n - 20) {
            /* The options are not all there: skb_header_pointer()
             * fails and the match drops. */
            ev->hotdrop = true;
            return false;
        }
        if (!tcp_find_option(th + 20, doff - 20, t->option,
                             xt->inv & (1ull << TCP_OPTION)))
            return false;
    }
    return true;
}

/* Classifier view (struct rules_ext.cls): a port range that misses
 * makes tcp_mt() fail before any hotdrop once 20 header bytes are
 * there; --tcp-option can still hotdrop after the ports hit, so then
 * nothing after this match may narrow the rule. */
static void
cls_range(struct rules_cls_ports *cp, const struct rules_range *r, bool inv)
{
    cp->n = 1;
    cp->r[0].lo = (uint16_t)r->lo;
    cp->r[0].hi = (uint16_t)r->hi;
    cp->inv = inv;
}

static int
tcp_cls(const struct rules_xt *xt, struct rules_cls_info *ci)
{
    const struct tcp_info *t = (const void *)xt->data;
    if (xt->seen & (1ull << TCP_SPORT))
        cls_range(&ci->sport, &t->sport, xt->inv & (1ull << TCP_SPORT));
    if (xt->seen & (1ull << TCP_DPORT))
        cls_range(&ci->dport, &t->dport, xt->inv & (1ull << TCP_DPORT));
    /* Without flags and options tcp_mt() tests only the ports. */
    ci->exact = !t->option &&
                !(xt->seen & ((1ull << TCP_FLAGS) | (1ull << TCP_SYN)));
    return t->option ? RULES_CLS_LAST : RULES_CLS_PURE;
}

/* tcp_print(): " tcp spt:1 dpts:2:3 option=!5 flags:0x17/0x02". */
static void
tcp_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct tcp_info *t = (const void *)xt->data;
    rbuf_puts(b, " tcp");
    if (xt->seen & (1ull << TCP_SPORT))
        rules_list_ports(b, "spt", &t->sport, xt->inv & (1ull << TCP_SPORT),
                         "tcp", numeric);
    if (xt->seen & (1ull << TCP_DPORT))
        rules_list_ports(b, "dpt", &t->dport, xt->inv & (1ull << TCP_DPORT),
                         "tcp", numeric);
    if (xt->seen & (1ull << TCP_OPTION))
        rbuf_printf(b, " option=%s%u",
                    (xt->inv & (1ull << TCP_OPTION)) ? "!" : "", t->option);
    if (xt->seen & (1ull << TCP_FLAGS)) {
        rbuf_printf(b, " flags:%s",
                    (xt->inv & (1ull << TCP_FLAGS)) ? "!" : "");
        if (numeric) {
            rbuf_printf(b, "0x%02X/0x%02X", t->flg_mask, t->flg_cmp);
        } else {
            print_flags(b, t->flg_mask);
            rbuf_putc(b, '/');
            print_flags(b, t->flg_cmp);
        }
    }
}

/*
 * add_nft_tcp() of iptables-nft 1.8.9: ports and flags become payload
 * expressions unless --tcp-option is used; a tcp match that tests
 * nothing stays a compat match. Reading back, the payloads fill one
 * tcp match (the first), a later test of the same field replacing an
 * earlier one (checked on the real tool: tests/golden/rules/cmds).
 */
static bool
tcp_nft_native(const struct rules_xt *xt)
{
    uint64_t tests = (1ull << TCP_SPORT) | (1ull << TCP_DPORT) |
                     (1ull << TCP_FLAGS);
    return (xt->seen & tests) && !(xt->seen & (1ull << TCP_OPTION));
}

static void
merge_bit(struct rules_xt *into, const struct rules_xt *from, unsigned bit)
{
    uint64_t b = 1ull << bit;
    into->seen |= b;
    into->inv = (into->inv & ~b) | (from->inv & b);
}

static void
tcp_nft_merge(struct rules_xt *into, const struct rules_xt *from)
{
    struct tcp_info *t = (void *)into->data;
    const struct tcp_info *f = (const void *)from->data;
    if (from->seen & (1ull << TCP_SPORT)) {
        t->sport = f->sport;
        merge_bit(into, from, TCP_SPORT);
    }
    if (from->seen & (1ull << TCP_DPORT)) {
        t->dport = f->dport;
        merge_bit(into, from, TCP_DPORT);
    }
    if (from->seen & (1ull << TCP_FLAGS)) {
        t->flg_mask = f->flg_mask;
        t->flg_cmp = f->flg_cmp;
        merge_bit(into, from, TCP_FLAGS);
    }
}

static const struct rules_ext ext_tcp = {
    .list = tcp_list,
    .name = "tcp",
    .size = sizeof(struct tcp_info),
    .n_opts = sizeof(tcp_opts) / sizeof(tcp_opts[0]),
    .opts = tcp_opts,
    .final = tcp_final,
    .kcheck = tcp_kcheck,
    .match = tcp_match,
    .nft_native = tcp_nft_native,
    .nft_merge = tcp_nft_merge,
    .cls = tcp_cls,
};

struct udp_info {
    struct rules_range sport, dport;
};

static int
udp_final(struct rules_ctx *ctx, struct rules_xt *xt,
          const struct rules_rule *r)
{
    struct udp_info *u = (void *)xt->data;
    drop_full_range(xt, 0, &u->sport);
    drop_full_range(xt, 1, &u->dport);
    const char *msg = !strcmp(xt->ext->name, "udp")
                          ? "UDP match requires '-p udp'"
                          : "UDPLITE match requires '-p udplite'";
    if (xt->seen && need_proto(ctx, r, 17, msg))
        return -1;
    return 0;
}

#define UPORT_OPT(n, field, al)                                             \
    {                                                                       \
        .name = n, .type = OT_PORTRANGE, .alias = al,                       \
        .flags = OF_INVERT | OF_WRAP16,                                     \
        .off = offsetof(struct udp_info, field)                             \
    }

static const struct rules_opt udp_opts[] = {
    UPORT_OPT("sport", sport, -1),
    UPORT_OPT("dport", dport, -1),
    UPORT_OPT("source-port", sport, 0),
    UPORT_OPT("destination-port", dport, 1),
};

/* Evaluation: udp_mt() of xt_tcpudp.c (also registered for UDP-Lite):
 * later fragments never match; a short header is dropped. */
static bool
udp_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct udp_info *u = (const void *)xt->data;
    const struct ctfw_pkt *p = &ev->skb->pkt;
    if (rules_fragoff(p))
        return false;
    uint32_t n;
    const uint8_t *uh = rules_l4_bytes(p, &n);
    if (n < 8) {
        ev->hotdrop = true;
        return false;
    }
    uint16_t sport = (uint16_t)(uh[0] << 8 | uh[1]);
    uint16_t dport = (uint16_t)(uh[2] << 8 | uh[3]);
    if ((xt->seen & 1ull) && !rules_port_match(&u->sport, sport, xt->inv & 1))
        return false;
    if ((xt->seen & 2ull) &&
        !rules_port_match(&u->dport, dport, xt->inv & 2))
        return false;
    return true;
}

static void
udp_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct udp_info *u = (const void *)xt->data;
    rbuf_printf(b, " %s", xt->ext->name);
    if (xt->seen & 1)
        rules_list_ports(b, "spt", &u->sport, xt->inv & 1, "udp", numeric);
    if (xt->seen & 2)
        rules_list_ports(b, "dpt", &u->dport, xt->inv & 2, "udp", numeric);
}

/* add_nft_udp(): the same for udp (no option forces compat). */
static bool
udp_nft_native(const struct rules_xt *xt)
{
    return xt->seen & 3ull;
}

static void
udp_nft_merge(struct rules_xt *into, const struct rules_xt *from)
{
    struct udp_info *u = (void *)into->data;
    const struct udp_info *f = (const void *)from->data;
    if (from->seen & 1ull) {
        u->sport = f->sport;
        merge_bit(into, from, 0);
    }
    if (from->seen & 2ull) {
        u->dport = f->dport;
        merge_bit(into, from, 1);
    }
}

/* Classifier view: with 8 header bytes there udp_mt() never drops. */
static int
udp_cls(const struct rules_xt *xt, struct rules_cls_info *ci)
{
    const struct udp_info *u = (const void *)xt->data;
    if (xt->seen & 1ull)
        cls_range(&ci->sport, &u->sport, xt->inv & 1ull);
    if (xt->seen & 2ull)
        cls_range(&ci->dport, &u->dport, xt->inv & 2ull);
    ci->exact = true;
    return RULES_CLS_PURE;
}

static const struct rules_ext ext_udp = {
    .list = udp_list,
    .name = "udp",
    .size = sizeof(struct udp_info),
    .n_opts = sizeof(udp_opts) / sizeof(udp_opts[0]),
    .opts = udp_opts,
    .final = udp_final,
    .kcheck = tcp_kcheck,
    .match = udp_match,
    .nft_native = udp_nft_native,
    .nft_merge = udp_nft_merge,
    .cls = udp_cls,
};

/* multiport revision 1: up to 15 port slots, a range takes two. */
#define MP_MAX 15

struct multiport_info {
    uint32_t count;
    uint16_t ports[MP_MAX];
    uint8_t pflags[MP_MAX];  /* 1: ports[i]..ports[i+1] is a range */
};

static int
mp_parse(struct rules_ctx *ctx, struct rules_xt *xt,
         const struct rules_opt *o, const char *arg, const char *arg2)
{
    struct multiport_info *m = (void *)xt->data;
    (void)o;
    (void)arg2;
    char tmp[1024];
    snprintf(tmp, sizeof(tmp), "%s", arg);
    const char *proto = rules_rule_proto_name(ctx->rule);
    unsigned i = 0;
    char *p = tmp;
    for (;;) {
        char *e = strchr(p, ',');
        if (e)
            *e = '\0';
        if (i >= MP_MAX) {
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "too many ports specified");
            return -1;
        }
        char *colon = strchr(p, ':');
        if (colon)
            *colon = '\0';
        uint32_t v;
        if (rules_parse_port(p, proto, &v)) {
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "invalid port/service `%s' specified", p);
            return -1;
        }
        m->ports[i] = (uint16_t)v;
        m->pflags[i] = colon ? 1 : 0;
        i++;
        if (colon) {
            if (i >= MP_MAX) {
                rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                          "too many ports specified");
                return -1;
            }
            if (rules_parse_port(colon + 1, proto, &v)) {
                rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                          "invalid port/service `%s' specified",
                          colon + 1);
                return -1;
            }
            m->ports[i] = (uint16_t)v;
            if (m->ports[i - 1] >= m->ports[i]) {
                rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                          "invalid portrange specified");
                return -1;
            }
            i++;
        }
        if (!e)
            break;
        p = e + 1;
    }
    m->count = i;
    return 0;
}

static void
mp_print(struct rbuf *b, const struct rules_xt *xt, const struct rules_opt *o)
{
    const struct multiport_info *m = (const void *)xt->data;
    (void)o;
    rbuf_putc(b, ' ');
    for (unsigned i = 0; i < m->count; i++) {
        rbuf_printf(b, "%s%u", i ? "," : "", m->ports[i]);
        if (m->pflags[i] && i + 1 < m->count)
            rbuf_printf(b, ":%u", m->ports[++i]);
    }
}

static int
mp_final(struct rules_ctx *ctx, struct rules_xt *xt,
         const struct rules_rule *r)
{
    (void)xt;
    switch (r->proto_set && !(r->inv & RINV_PROTO) ? r->proto : 0) {
    case 6: case 17: case 136: case 132: case 33:
        return 0;
    }
    if (!r->proto_set || !r->proto)
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "multiport needs `-p tcp', `-p udp', `-p udplite', "
                  "`-p sctp' or `-p dccp'");
    else
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "multiport only works with TCP, UDP, UDPLITE, SCTP and "
                  "DCCP");
    return -1;
}

enum { MP_SPORTS, MP_DPORTS, MP_PORTS };
#define MP_EXCL                                                             \
    ((1ull << MP_SPORTS) | (1ull << MP_DPORTS) | (1ull << MP_PORTS))

#define MP_OPT(n, al, en)                                                   \
    {                                                                       \
        .name = n, .type = OT_CUSTOM, .alias = al, .flags = OF_INVERT,      \
        .off = RULES_NOFIELD, .excl = MP_EXCL, .parse = mp_parse,           \
        .print = mp_print, .errname = en                                    \
    }

static const struct rules_opt mp_opts[] = {
    [MP_SPORTS] = MP_OPT("sports", -1, "source-ports"),
    [MP_DPORTS] = MP_OPT("dports", -1, "destination-ports"),
    [MP_PORTS] = MP_OPT("ports", -1, NULL),
    MP_OPT("source-ports", MP_SPORTS, NULL),
    MP_OPT("destination-ports", MP_DPORTS, NULL),
};

static int
mp_final_all(struct rules_ctx *ctx, struct rules_xt *xt,
             const struct rules_rule *r)
{
    if (!(xt->seen & MP_EXCL)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "multiport expection an option");
        return -1;
    }
    return mp_final(ctx, xt, r);
}

/* Evaluation: multiport_mt() / ports_match_v1() of xt_multiport.c. */
static bool
multiport_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct multiport_info *m = (const void *)xt->data;
    const struct ctfw_pkt *p = &ev->skb->pkt;
    if (rules_fragoff(p))
        return false;
    uint32_t n;
    const uint8_t *l4 = rules_l4_bytes(p, &n);
    if (n < 4) {
        ev->hotdrop = true;
        return false;
    }
    uint16_t src = (uint16_t)(l4[0] << 8 | l4[1]);
    uint16_t dst = (uint16_t)(l4[2] << 8 | l4[3]);
    int which = (xt->seen & (1ull << MP_SPORTS))   ? MP_SPORTS
                : (xt->seen & (1ull << MP_DPORTS)) ? MP_DPORTS
                                                   : MP_PORTS;
    bool invert = xt->inv & (1ull << which);
    bool s_ok = which != MP_DPORTS, d_ok = which != MP_SPORTS;
    for (unsigned i = 0; i < m->count && i < MP_MAX; i++) {
        uint16_t lo = m->ports[i], hi = lo;
        if (m->pflags[i] && i + 1 < m->count)
            hi = m->ports[++i];
        if ((s_ok && src >= lo && src <= hi) ||
            (d_ok && dst >= lo && dst <= hi))
            return !invert;
    }
    return invert;
}

/* Classifier view: with its 4 bytes there multiport_mt() never drops;
 * --ports (either direction) narrows neither port alone. */
static int
multiport_cls(const struct rules_xt *xt, struct rules_cls_info *ci)
{
    const struct multiport_info *m = (const void *)xt->data;
    struct rules_cls_ports *cp = (xt->seen & (1ull << MP_SPORTS))
                                     ? &ci->sport
                                 : (xt->seen & (1ull << MP_DPORTS))
                                     ? &ci->dport
                                     : NULL;
    if (!cp)
        return RULES_CLS_PURE;
    unsigned n = 0;
    for (unsigned i = 0; i < m->count && i < MP_MAX; i++) {
        uint16_t lo = m->ports[i], hi = lo;
        if (m->pflags[i] && i + 1 < m->count)
            hi = m->ports[++i];
        cp->r[n].lo = lo;
        cp->r[n].hi = hi;
        n++;
    }
    cp->n = n;
    cp->inv = xt->inv & MP_EXCL;
    /* An empty list matches nothing (or, inverted, everything): not a
     * set the classifier can state; n == 0 there means "any". */
    ci->exact = n > 0;
    return RULES_CLS_PURE;
}

/* multiport_print_v1(): " multiport dports 80,443,8000:8080". */
static void
mp_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    static const char *const what[] = {"sports", "dports", "ports"};
    for (int k = 0; k < 3; k++) {
        if (!(xt->seen & (1ull << k)))
            continue;
        rbuf_printf(b, " multiport %s ", what[k]);
        if (xt->inv & (1ull << k))
            rbuf_puts(b, " !");
        const struct multiport_info *m = (const void *)xt->data;
        /* Names are those of the rule's protocol (print_port()). */
        const char *pn = rules_proto_name(xt->proto);
        for (unsigned i = 0; i < m->count; i++) {
            const char *n = numeric || !pn ? NULL
                                           : rules_port_name(m->ports[i], pn);
            rbuf_puts(b, i ? "," : "");
            if (n)
                rbuf_puts(b, n);
            else
                rbuf_printf(b, "%u", m->ports[i]);
            if (m->pflags[i] && i + 1 < m->count) {
                i++;
                n = numeric || !pn ? NULL
                                   : rules_port_name(m->ports[i], pn);
                if (n)
                    rbuf_printf(b, ":%s", n);
                else
                    rbuf_printf(b, ":%u", m->ports[i]);
            }
        }
    }
}

static const struct rules_ext ext_multiport = {
    .list = mp_list,
    .name = "multiport",
    .size = sizeof(struct multiport_info),
    .n_opts = sizeof(mp_opts) / sizeof(mp_opts[0]),
    .opts = mp_opts,
    .final = mp_final_all,
    .match = multiport_match,
    .cls = multiport_cls,
};

static void
view_range(struct rules_port_list *l, const struct rules_range *r, bool inv)
{
    l->set = true;
    l->inv = inv;
    l->n = 1;
    l->r[0] = *r;
}

bool
rules_xt_port_view(const struct rules_xt *xt, struct rules_port_view *v)
{
    memset(v, 0, sizeof(*v));
    if (xt->ext == &ext_tcp) {
        const struct tcp_info *t = (const void *)xt->data;
        if (xt->seen & (1ull << TCP_SPORT))
            view_range(&v->sport, &t->sport, xt->inv & (1ull << TCP_SPORT));
        if (xt->seen & (1ull << TCP_DPORT))
            view_range(&v->dport, &t->dport, xt->inv & (1ull << TCP_DPORT));
        v->flags = xt->seen & (1ull << TCP_FLAGS);
        v->flags_inv = xt->inv & (1ull << TCP_FLAGS);
        v->flg_mask = t->flg_mask;
        v->flg_cmp = t->flg_cmp;
        v->option = xt->seen & (1ull << TCP_OPTION);
        v->option_inv = xt->inv & (1ull << TCP_OPTION);
        v->opt = t->option;
        return true;
    }
    if (xt->ext == &ext_udp) {
        const struct udp_info *u = (const void *)xt->data;
        if (xt->seen & 1ull)
            view_range(&v->sport, &u->sport, xt->inv & 1ull);
        if (xt->seen & 2ull)
            view_range(&v->dport, &u->dport, xt->inv & 2ull);
        return true;
    }
    if (xt->ext != &ext_multiport)
        return false;
    const struct multiport_info *m = (const void *)xt->data;
    int which = (xt->seen & (1ull << MP_SPORTS))   ? MP_SPORTS
                : (xt->seen & (1ull << MP_DPORTS)) ? MP_DPORTS
                                                   : MP_PORTS;
    struct rules_port_list *l = which == MP_SPORTS   ? &v->sport
                                : which == MP_DPORTS ? &v->dport
                                                     : &v->either;
    l->set = true;
    l->inv = xt->inv & (1ull << which);
    for (unsigned i = 0; i < m->count && i < MP_MAX; i++) {
        uint16_t lo = m->ports[i], hi = lo;
        if (m->pflags[i] && i + 1 < m->count)
            hi = m->ports[++i];
        l->r[l->n].lo = lo;
        l->r[l->n].hi = hi;
        l->n++;
    }
    return true;
}

const struct rules_ext *const rules_ext_tcpudp[] = {
    &ext_tcp, &ext_udp, &ext_multiport, NULL,
};
