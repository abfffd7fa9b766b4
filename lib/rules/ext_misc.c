// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Simple packet matches: comment, mark, length, ttl, hl, pkttype, tos,
 * dscp, mac, owner (libxt_* / libipt_ttl / libip6t_hl of iptables
 * 1.8.9), each a table of options and nothing else where possible.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "eval_private.h"
#include "rules_private.h"

struct comment_info {
    char text[256];
};

static const struct rules_opt comment_opts[] = {
    {.name = "comment", .type = OT_STRING, .alias = -1,
     .flags = OF_MAND | OF_QUOTE, .max = 255,
     .off = offsetof(struct comment_info, text)},
};

/* Evaluation: xt_comment always matches. */
static bool
comment_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    (void)xt;
    (void)ev;
    return true;
}

/* Classifier view: no effect, no constraint (struct rules_ext.cls). */
int
rules_cls_pure(const struct rules_xt *xt, struct rules_cls_info *ci)
{
    (void)xt;
    (void)ci;
    return RULES_CLS_PURE;
}

/* comment_mt(): always true, so decided by nothing at all. */
int
rules_cls_true(const struct rules_xt *xt, struct rules_cls_info *ci)
{
    (void)xt;
    ci->exact = true;
    return RULES_CLS_PURE;
}

static void
comment_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    (void)numeric;
    rbuf_printf(b, " /* %s */", ((const struct comment_info *)(const void *)
                                     xt->data)->text);
}

static const struct rules_ext ext_comment = {
    .list = comment_list,
    .name = "comment",
    .size = sizeof(struct comment_info),
    .n_opts = 1,
    .opts = comment_opts,
    .match = comment_match,
    .cls = rules_cls_true,
};

struct mark_info {
    struct rules_mark mark;
};

static const struct rules_opt mark_opts[] = {
    {.name = "mark", .type = OT_MARK, .alias = -1,
     .flags = OF_INVERT | OF_MAND, .off = offsetof(struct mark_info, mark)},
};

/* Evaluation: mark_mt() of xt_mark.c. */
static bool
mark_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct mark_info *m = (const void *)xt->data;
    bool hit = (ev->skb->mark & m->mark.mask) == m->mark.val;
    return hit != !!(xt->inv & 1);
}

static void
mark_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct mark_info *m = (const void *)xt->data;
    (void)numeric;
    rbuf_printf(b, " mark match%s 0x%x", (xt->inv & 1) ? " !" : "",
                m->mark.val);
    if (m->mark.mask != 0xffffffffu)
        rbuf_printf(b, "/0x%x", m->mark.mask);
}

static const struct rules_ext ext_mark = {
    .list = mark_list,
    .name = "mark",
    .size = sizeof(struct mark_info),
    .n_opts = 1,
    .opts = mark_opts,
    .match = mark_match,
    .cls = rules_cls_pure,
};

struct length_info {
    struct rules_range len;
};

static const struct rules_opt length_opts[] = {
    {.name = "length", .type = OT_UINTRANGE, .alias = -1,
     .flags = OF_INVERT | OF_MAND, .min = 0, .max = 65535,
     .off = offsetof(struct length_info, len)},
};

/* Evaluation: length_mt() / length_mt6() of xt_length.c: the IPv4
 * total length; for IPv6 the payload length plus the 40-byte header,
 * summed in the kernel's u16 (so it wraps above 65535). */
static bool
length_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct length_info *l = (const void *)xt->data;
    uint16_t len = (uint16_t)ev->skb->pkt.ip_len;
    bool hit = len >= l->len.lo && len <= l->len.hi;
    return hit != !!(xt->inv & 1);
}

static void
length_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct length_info *l = (const void *)xt->data;
    (void)numeric;
    rbuf_printf(b, " length %s", (xt->inv & 1) ? "!" : "");
    if (l->len.lo == l->len.hi)
        rbuf_printf(b, "%u", l->len.lo);
    else
        rbuf_printf(b, "%u:%u", l->len.lo, l->len.hi);
}

static const struct rules_ext ext_length = {
    .list = length_list,
    .name = "length",
    .size = sizeof(struct length_info),
    .n_opts = 1,
    .opts = length_opts,
    .match = length_match,
};

/* ttl (IPv4) and hl (IPv6): one of -eq (invertible), -lt, -gt. */
struct ttl_info {
    uint32_t value;
};

#define TTL_EXCL 7ull
/* libipt_ttl declares exclusions one way: lt excludes eq, gt both. */
#define TTL_X_LT 1ull
#define TTL_X_GT 3ull

static int
ttl_final(struct rules_ctx *ctx, struct rules_xt *xt,
          const struct rules_rule *r)
{
    (void)r;
    if (!(xt->seen & TTL_EXCL)) {
        bool v6 = xt->ext->family == 6;
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "%s match: You must specify one of `--%s-eq', `--%s-lt', "
                  "`--%s-gt%s",
                  v6 ? "HL" : "TTL", v6 ? "hl" : "ttl", v6 ? "hl" : "ttl",
                  v6 ? "hl" : "ttl", v6 ? "'" : ""); /* (sic: libxt_hl
                                                      closes the quote,
                                                      libxt_ttl not) */
        return -1;
    }
    return 0;
}

#define TTL_OPT(n, fl, x)                                                   \
    {                                                                       \
        .name = n, .type = OT_UINT, .alias = -1, .flags = fl, .min = 0,     \
        .max = 255, .excl = x, .off = offsetof(struct ttl_info, value)      \
    }

static const struct rules_opt ttl_opts[] = {
    TTL_OPT("ttl-eq", OF_INVERT, 0),
    TTL_OPT("ttl-lt", 0, TTL_X_LT),
    TTL_OPT("ttl-gt", 0, TTL_X_GT),
};

static const struct rules_opt hl_opts[] = {
    TTL_OPT("hl-eq", OF_INVERT, 0),
    TTL_OPT("hl-lt", 0, TTL_X_LT),
    TTL_OPT("hl-gt", 0, TTL_X_GT),
};

/* Evaluation: ttl_mt() of ipt_ttl.c and hl_mt6() of ip6t_hl.c: EQ (NE
 * when inverted), LT, GT, on the TTL / hop limit. */
static bool
ttl_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct ttl_info *t = (const void *)xt->data;
    uint8_t ttl = ev->skb->pkt.ttl;
    if (xt->seen & 1)
        return (ttl == t->value) != !!(xt->inv & 1);
    if (xt->seen & 2)
        return ttl < t->value;
    return ttl > t->value;
}

/* " TTL match TTL == 64" (hl: " HL match HL == 64"). */
static void
ttl_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct ttl_info *t = (const void *)xt->data;
    const char *w = xt->ext->family == 6 ? "HL" : "TTL";
    const char *op = (xt->seen & 2) ? "<" : (xt->seen & 4) ? ">"
                     : (xt->inv & 1)  ? "!="
                                      : "==";
    (void)numeric;
    rbuf_printf(b, " %s match %s %s %u", w, w, op, t->value);
}

static const struct rules_ext ext_ttl = {
    .list = ttl_list,
    .name = "ttl",
    .family = 4,
    .size = sizeof(struct ttl_info),
    .n_opts = 3,
    .opts = ttl_opts,
    .final = ttl_final,
    .match = ttl_match,
};

static const struct rules_ext ext_hl = {
    .list = ttl_list,
    .name = "hl",
    .family = 6,
    .size = sizeof(struct ttl_info),
    .n_opts = 3,
    .opts = hl_opts,
    .final = ttl_final,
    .match = ttl_match,
};

struct pkttype_info {
    uint32_t type;
};

static const struct rules_name pkttype_names[] = {
    {"unicast", 0},   {"broadcast", 1}, {"multicast", 2},
    {"otherhost", 3}, {"outgoing", 4},  {"loopback", 5},
    {"host", 0},      {NULL, 0},
};

static const struct rules_opt pkttype_opts[] = {
    {.name = "pkt-type", .type = OT_ENUM, .alias = -1,
     .flags = OF_INVERT | OF_MAND, .names = pkttype_names,
     .off = offsetof(struct pkttype_info, type),
     .badmsg = "Bad packet type '%s'"},
};

/*
 * Evaluation: pkttype_mt() of xt_pkttype.c compares skb->pkt_type, which
 * eth_type_trans() set from the destination MAC on input: broadcast,
 * multicast (group bit), else host. PACKET_OTHERHOST never reaches the
 * hooks (ip_rcv drops it), and locally generated packets are
 * PACKET_HOST. A LINUX_SLL capture gives the type itself; a capture
 * without a link header falls back to the IP destination, the same
 * answer for any sane sender.
 */
static uint32_t
pkt_type(const struct ctfw_skb *skb)
{
    const struct ctfw_pkt *p = &skb->pkt;
    if (!skb->in_ifindex && !(skb->in_name && skb->in_name[0]))
        return 0;
    if ((p->has & CTFW_PKT_HAS_SLL) && p->sll_pkttype <= 3)
        return p->sll_pkttype;
    if (p->linktype == CTFW_LINKTYPE_ETHERNET && (p->has & CTFW_PKT_HAS_L2)) {
        static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        if (!memcmp(p->dst_mac, bcast, 6))
            return 1;
        return (p->dst_mac[0] & 1) ? 2 : 0;
    }
    if (p->family == 4) {
        if (p->dst.w[0] == 0xffffffffu)
            return 1;
        return (p->dst.b[0] & 0xf0) == 0xe0 ? 2 : 0;
    }
    return p->dst.b[0] == 0xff ? 2 : 0;
}

static bool
pkttype_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct pkttype_info *t = (const void *)xt->data;
    return (pkt_type(ev->skb) == t->type) != !!(xt->inv & 1);
}

static void
pkttype_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    uint32_t t = ((const struct pkttype_info *)(const void *)xt->data)->type;
    (void)numeric;
    rbuf_printf(b, " PKTTYPE %s= ", (xt->inv & 1) ? "!" : "");
    for (const struct rules_name *n = pkttype_names; n->name; n++)
        if (n->val == t) {
            rbuf_puts(b, n->name);
            return;
        }
    rbuf_printf(b, "%u", t);
}

static const struct rules_ext ext_pkttype = {
    .list = pkttype_list,
    .name = "pkttype",
    .size = sizeof(struct pkttype_info),
    .n_opts = 1,
    .opts = pkttype_opts,
    .match = pkttype_match,
};

/* tos revision 1: value/mask, or a symbolic name with mask 0x3f. */
struct tos_info {
    uint32_t value, mask;
};

static const struct rules_name tos_names[] = {
    {"Minimize-Delay", 0x10},      {"Maximize-Throughput", 0x08},
    {"Maximize-Reliability", 0x04}, {"Minimize-Cost", 0x02},
    {"Normal-Service", 0x00},      {NULL, 0},
};

static int
tos_parse(struct rules_ctx *ctx, struct rules_xt *xt,
          const struct rules_opt *o, const char *arg, const char *arg2)
{
    struct tos_info *t = (void *)xt->data;
    (void)arg2;
    for (const struct rules_name *n = tos_names; n->name; n++)
        if (!strcasecmp(n->name, arg)) {
            t->value = n->val;
            t->mask = 0x3f;
            return 0;
        }
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%s", arg);
    char *slash = strchr(tmp, '/');
    if (slash)
        *slash++ = '\0';
    t->mask = 0xff;
    if (rules_parse_uint(tmp, 0, 255, &t->value) ||
        (slash && rules_parse_uint(slash, 0, 255, &t->mask))) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Symbolic name \"%s\" is unknown", arg);
        return -1;
    }
    (void)o;
    return 0;
}

static void
tos_print(struct rbuf *b, const struct rules_xt *xt,
          const struct rules_opt *o)
{
    const struct tos_info *t = (const void *)xt->data;
    (void)o;
    rbuf_printf(b, " 0x%02x/0x%02x", t->value, t->mask);
}

static const struct rules_opt tos_opts[] = {
    {.name = "tos", .type = OT_CUSTOM, .alias = -1,
     .flags = OF_INVERT | OF_MAND, .off = RULES_NOFIELD,
     .parse = tos_parse, .print = tos_print},
};

/* Evaluation: tos_mt() of xt_dscp.c on the IPv4 TOS byte or the IPv6
 * traffic class. */
static bool
tos_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct tos_info *t = (const void *)xt->data;
    bool hit = (ev->skb->pkt.tos & t->mask) == t->value;
    return hit != !!(xt->inv & 1);
}

static void
tos_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct tos_info *t = (const void *)xt->data;
    if (!numeric && t->mask == 0x3f)
        for (const struct rules_name *n = tos_names; n->name; n++)
            if (n->val == t->value) {
                rbuf_printf(b, " tos match %s%s", (xt->inv & 1) ? "!" : "",
                            n->name);
                return;
            }
    rbuf_printf(b, " tos match%s0x%02x/0x%02x", (xt->inv & 1) ? "!" : "",
                t->value, t->mask);
}

static const struct rules_ext ext_tos = {
    .list = tos_list,
    .name = "tos",
    .size = sizeof(struct tos_info),
    .n_opts = 1,
    .opts = tos_opts,
    .match = tos_match,
};

struct dscp_info {
    uint32_t dscp;
};

/* DSCP class names (libxt_dscp_helper.c's table), shared with the DSCP
 * target in ext_targets.c. */
const struct rules_name rules_dscp_classes[] = {
    {"CS0", 0x00},  {"CS1", 0x08},  {"CS2", 0x10},  {"CS3", 0x18},
    {"CS4", 0x20},  {"CS5", 0x28},  {"CS6", 0x30},  {"CS7", 0x38},
    {"BE", 0x00},   {"AF11", 0x0a}, {"AF12", 0x0c}, {"AF13", 0x0e},
    {"AF21", 0x12}, {"AF22", 0x14}, {"AF23", 0x16}, {"AF31", 0x1a},
    {"AF32", 0x1c}, {"AF33", 0x1e}, {"AF41", 0x22}, {"AF42", 0x24},
    {"AF43", 0x26}, {"EF", 0x2e},   {NULL, 0},
};

/* " 0x%02x" of a u32 option (DSCP match and target). */
void
rules_print_hex2(struct rbuf *b, const struct rules_xt *xt,
                 const struct rules_opt *o)
{
    rbuf_printf(b, " 0x%02x", *(const uint32_t *)XT_DATA(xt, o->off));
}

static int
dscp_parse(struct rules_ctx *ctx, struct rules_xt *xt,
           const struct rules_opt *o, const char *arg, const char *arg2)
{
    uint32_t *v = XT_DATA(xt, o->off);
    (void)arg2;
    if (rules_parse_uint(arg, 0, 63, v)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "dscp: bad value for option \"--dscp\", or out of range "
                  "(0-63).\n");
        return -1;
    }
    return 0;
}

static const struct rules_opt dscp_opts[] = {
    {.name = "dscp", .type = OT_CUSTOM, .alias = -1,
     .flags = OF_INVERT, .excl = 2,
     .off = offsetof(struct dscp_info, dscp), .parse = dscp_parse,
     .print = rules_print_hex2},
    {.name = "dscp-class", .type = OT_ENUM, .alias = 0, .flags = OF_INVERT,
     .names = rules_dscp_classes, .off = offsetof(struct dscp_info, dscp),
     .badmsg = "Invalid DSCP value `%s'\n"},
};

static int
dscp_final(struct rules_ctx *ctx, struct rules_xt *xt,
           const struct rules_rule *r)
{
    (void)r;
    if (!xt->seen) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "DSCP match: Parameter --dscp is required");
        return -1;
    }
    return 0;
}

/* Evaluation: dscp_mt() / dscp_mt6() of xt_dscp.c: the upper six bits
 * of the DS field. */
static bool
dscp_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct dscp_info *d = (const void *)xt->data;
    return ((uint32_t)(ev->skb->pkt.tos >> 2) == d->dscp) !=
           !!(xt->inv & 1);
}

static void
dscp_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct dscp_info *d = (const void *)xt->data;
    (void)numeric;
    rbuf_printf(b, " DSCP match %s0x%02x", (xt->inv & 1) ? "!" : "",
                d->dscp);
}

static const struct rules_ext ext_dscp = {
    .list = dscp_list,
    .name = "dscp",
    .size = sizeof(struct dscp_info),
    .n_opts = 2,
    .opts = dscp_opts,
    .final = dscp_final,
    .match = dscp_match,
};

struct mac_info {
    uint8_t mac[6];
};

static int
mac_parse(struct rules_ctx *ctx, struct rules_xt *xt,
          const struct rules_opt *o, const char *arg, const char *arg2)
{
    struct mac_info *m = (void *)xt->data;
    (void)o;
    (void)arg2;
    unsigned v[6];
    char tail;
    if (strlen(arg) != 17 ||
        sscanf(arg, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2],
               &v[3], &v[4], &v[5], &tail) != 6) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Invalid MAC address specified.");
        return -1;
    }
    for (int i = 0; i < 6; i++)
        m->mac[i] = (uint8_t)v[i];
    return 0;
}

static void
mac_print(struct rbuf *b, const struct rules_xt *xt,
          const struct rules_opt *o)
{
    const struct mac_info *m = (const void *)xt->data;
    (void)o;
    rbuf_printf(b, " %02x:%02x:%02x:%02x:%02x:%02x", m->mac[0], m->mac[1],
                m->mac[2], m->mac[3], m->mac[4], m->mac[5]);
}

static const struct rules_opt mac_opts[] = {
    {.name = "mac-source", .type = OT_CUSTOM, .alias = -1,
     .flags = OF_INVERT | OF_MAND, .off = RULES_NOFIELD,
     .parse = mac_parse, .print = mac_print},
};

/* Evaluation: mac_mt() of xt_mac.c: no Ethernet header, no match
 * (whatever the inversion); else the source address, inverted on
 * request. */
static bool
mac_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct mac_info *m = (const void *)xt->data;
    const struct ctfw_pkt *p = &ev->skb->pkt;
    if (!p->has_mac)
        return false;
    return !memcmp(p->src_mac, m->mac, 6) != !!(xt->inv & 1);
}

static void
mac_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    (void)numeric;
    rbuf_puts(b, (xt->inv & 1) ? " MAC !" : " MAC");
    mac_print(b, xt, NULL);
}

static const struct rules_ext ext_mac = {
    .list = mac_list,
    .name = "mac",
    .size = sizeof(struct mac_info),
    .n_opts = 1,
    .opts = mac_opts,
    .hooks = RH_BIT(RH_PREROUTING) | RH_BIT(RH_INPUT) | RH_BIT(RH_FORWARD),
    .match = mac_match,
};

/* owner revision 1: numeric ids only (no passwd lookups in the core). */
struct owner_info {
    struct rules_range uid, gid;
    uint32_t flags;
};

static int
owner_parse(struct rules_ctx *ctx, struct rules_xt *xt,
            const struct rules_opt *o, const char *arg, const char *arg2)
{
    struct rules_range *r = XT_DATA(xt, o->off);
    (void)arg2;
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%s", arg);
    char *dash = strchr(tmp, '-');
    if (dash)
        *dash++ = '\0';
    /* Only "root" is known without the user database. */
    if (!strcmp(tmp, "root") && !dash) {
        r->lo = r->hi = 0;
        return 0;
    }
    if (rules_parse_uint(tmp, 0, 0xfffffffeu, &r->lo) ||
        (dash && rules_parse_uint(dash, 0, 0xfffffffeu, &r->hi))) {
        /* xtables_param_act(XTF_BAD_VALUE, ...) wording. */
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "owner: Bad value for \"--%s\" option: \"%s\"", o->name,
                  arg);
        return -1;
    }
    if (!dash)
        r->hi = r->lo;
    return 0;
}

static void
owner_print(struct rbuf *b, const struct rules_xt *xt,
            const struct rules_opt *o)
{
    const struct rules_range *r = XT_DATA(xt, o->off);
    rbuf_printf(b, " %u", r->lo);
    if (r->hi != r->lo)
        rbuf_printf(b, "-%u", r->hi);
}

/* --suppl-groups must follow --gid-owner (libxt_owner). */
static int
suppl_parse(struct rules_ctx *ctx, struct rules_xt *xt,
            const struct rules_opt *o, const char *arg, const char *arg2)
{
    (void)o;
    (void)arg;
    (void)arg2;
    if (!(xt->seen & (1ull << 2))) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "owner: Bad value for \"--suppl-groups\" option: \"you "
                  "need to use --gid-owner first\"");
        return -1;
    }
    ((struct owner_info *)(void *)xt->data)->flags |= 8;
    return 0;
}

static const struct rules_opt owner_opts[] = {
    {.name = "socket-exists", .type = OT_NONE, .alias = -1,
     .flags = OF_INVERT, .off = offsetof(struct owner_info, flags),
     .bits = 4},
    {.name = "uid-owner", .type = OT_CUSTOM, .alias = -1,
     .flags = OF_INVERT, .off = offsetof(struct owner_info, uid),
     .parse = owner_parse, .print = owner_print},
    {.name = "gid-owner", .type = OT_CUSTOM, .alias = -1,
     .flags = OF_INVERT, .off = offsetof(struct owner_info, gid),
     .parse = owner_parse, .print = owner_print},
    {.name = "suppl-groups", .type = OT_CUSTOM, .alias = -1,
     .flags = OF_NOARG, .off = RULES_NOFIELD, .parse = suppl_parse},
};

static void
owner_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct owner_info *o = (const void *)xt->data;
    (void)numeric;
    if (xt->seen & 1)
        rbuf_printf(b, "%s owner socket exists",
                    (xt->inv & 1) ? " !" : "");
    const struct rules_range *r[2] = {&o->uid, &o->gid};
    for (int k = 0; k < 2; k++) {
        if (!(xt->seen & (2ull << k)))
            continue;
        rbuf_printf(b, "%s owner %s match %u",
                    (xt->inv & (2ull << k)) ? " !" : "", k ? "GID" : "UID",
                    r[k]->lo);
        if (r[k]->hi != r[k]->lo)
            rbuf_printf(b, "-%u", r[k]->hi);
    }
    if (xt->seen & 8)
        rbuf_puts(b, " incl. suppl. groups");
}

static const struct rules_ext ext_owner = {
    .list = owner_list,
    .name = "owner",
    .size = sizeof(struct owner_info),
    .n_opts = 4,
    .opts = owner_opts,
    .hooks = RH_BIT(RH_OUTPUT) | RH_BIT(RH_POSTROUTING),
};

const struct rules_ext *const rules_ext_misc[] = {
    &ext_comment, &ext_mark, &ext_length, &ext_ttl,   &ext_hl,
    &ext_pkttype, &ext_tos,  &ext_dscp,   &ext_mac,   &ext_owner,
    NULL,
};
