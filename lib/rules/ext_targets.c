// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Targets other than NAT and conntrack: REJECT (IPv4 and IPv6), LOG,
 * NFLOG, MARK (revision 2), TCPMSS, CHECKSUM, DSCP, TTL and HL.
 * Canonical forms as iptables-save 1.8.9: REJECT always names its type;
 * MARK is always --set-xmark value/mask; LOG omits level 4 and an
 * empty prefix.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "eval_private.h"
#include "rules_private.h"

struct reject_info {
    uint32_t with;
};

/* First name of a value is the one printed. */
static const struct rules_name reject4_names[] = {
    {"icmp-net-unreachable", 0},   {"icmp-host-unreachable", 1},
    {"icmp-port-unreachable", 3},  {"icmp-proto-unreachable", 2},
    {"icmp-net-prohibited", 4},    {"icmp-host-prohibited", 5},
    {"tcp-reset", 7},              {"icmp-admin-prohibited", 8},
    {"net-unreach", 0},            {"host-unreach", 1},
    {"port-unreach", 3},           {"proto-unreach", 2},
    {"net-prohib", 4},             {"host-prohib", 5},
    {"tcp-rst", 7},                {"admin-prohib", 8},
    {NULL, 0},
};

static const struct rules_name reject6_names[] = {
    {"icmp6-no-route", 0},          {"icmp6-adm-prohibited", 1},
    {"icmp6-addr-unreachable", 3},  {"icmp6-port-unreachable", 4},
    {"tcp-reset", 6},               {"icmp6-policy-fail", 7},
    {"icmp6-reject-route", 8},      {"no-route", 0},
    {"adm-prohibited", 1},          {"addr-unreach", 3},
    {"port-unreach", 4},            {"policy-fail", 7},
    {"reject-route", 8},            {"tcp-rst", 6},
    {NULL, 0},
};

static int
reject_final(struct rules_ctx *ctx, struct rules_xt *xt,
             const struct rules_rule *r)
{
    struct reject_info *j = (void *)xt->data;
    (void)ctx;
    (void)r;
    if (!(xt->seen & 1))
        j->with = xt->ext->family == 6 ? 4 : 3;
    xt->seen |= 1;
    return 0;
}

/* ipt_REJECT / ip6t_REJECT checkentry: tcp-reset needs -p tcp. */
static const char *
reject_kcheck(const struct rules_xt *xt, const struct rules_rule *r)
{
    const struct reject_info *j = (const void *)xt->data;
    unsigned rst = xt->ext->family == 6 ? 6 : 7;
    if (j->with == rst &&
        (!r->proto_set || r->proto != 6 || (r->inv & RINV_PROTO)))
        return "Invalid argument";
    return NULL;
}

static const struct rules_opt reject4_opts[] = {
    {.name = "reject-with", .type = OT_ENUM, .alias = -1,
     .names = reject4_names, .off = offsetof(struct reject_info, with),
     .badmsg = "unknown reject type \"%s\""},
};

static const struct rules_opt reject6_opts[] = {
    {.name = "reject-with", .type = OT_ENUM, .alias = -1,
     .names = reject6_names, .off = offsetof(struct reject_info, with),
     .badmsg = "unknown reject type \"%s\""},
};

#define FILTER_HOOKS                                                        \
    (RH_BIT(RH_INPUT) | RH_BIT(RH_FORWARD) | RH_BIT(RH_OUTPUT))

/*
 * Evaluation: reject_tg() of ipt_REJECT.c / reject_tg6() of
 * ip6t_REJECT.c: hand the answer to the pipeline (which applies
 * nf_send_unreach()/nf_send_reset()'s own refusals: never for ICMP
 * errors, later fragments or broadcasts) and DROP the packet. The
 * values are reject4_names/reject6_names above; "echo-reply" sends
 * nothing, as the kernel's "Doesn't happen" case.
 */
static int
reject_action(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct reject_info *j = (const void *)xt->data;
    static const int8_t v4[] = {
        [0] = CTFW_REJECT_NET_UNREACH,  [1] = CTFW_REJECT_HOST_UNREACH,
        [2] = CTFW_REJECT_PROT_UNREACH, [3] = CTFW_REJECT_PORT_UNREACH,
        [4] = CTFW_REJECT_NET_PROHIB,   [5] = CTFW_REJECT_HOST_PROHIB,
        [6] = -1,                       [7] = CTFW_REJECT_TCP_RESET,
        [8] = CTFW_REJECT_ADMIN_PROHIB,
    };
    static const int8_t v6[] = {
        [0] = CTFW_REJECT6_NO_ROUTE,     [1] = CTFW_REJECT6_ADM_PROHIBITED,
        [2] = CTFW_REJECT6_NOT_NEIGHBOUR, [3] = CTFW_REJECT6_ADDR_UNREACH,
        [4] = CTFW_REJECT6_PORT_UNREACH, [5] = -1,
        [6] = CTFW_REJECT_TCP_RESET,     [7] = CTFW_REJECT6_POLICY_FAIL,
        [8] = CTFW_REJECT6_REJECT_ROUTE,
    };
    int type = -1;
    if (j->with < 9)
        type = xt->ext->family == 6 ? v6[j->with] : v4[j->with];
    if (type >= 0 && ev->env && ev->env->reject)
        ev->env->reject(ev->env->reject_arg, ev->skb,
                        (enum ctfw_reject_type)type);
    return RULES_XT_DROP;
}

static void
reject_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    (void)numeric;
    rbuf_puts(b, " reject-with");
    struct rbuf t = {0};
    rules_xt_save(&t, xt);
    const char *p = t.s ? strrchr(t.s, ' ') : NULL;
    if (p)
        rbuf_puts(b, p);
    rbuf_fini(&t);
}

static const struct rules_ext ext_REJECT4 = {
    .list = reject_list,
    .name = "REJECT",
    .tables = RT_BIT(RT_FILTER),
    .target = true,
    .family = 4,
    .size = sizeof(struct reject_info),
    .n_opts = 1,
    .opts = reject4_opts,
    .hooks = FILTER_HOOKS,
    .final = reject_final,
    .kcheck = reject_kcheck,
    .action = reject_action,
};

static const struct rules_ext ext_REJECT6 = {
    .list = reject_list,
    .name = "REJECT",
    .tables = RT_BIT(RT_FILTER),
    .target = true,
    .family = 6,
    .size = sizeof(struct reject_info),
    .n_opts = 1,
    .opts = reject6_opts,
    .hooks = FILTER_HOOKS,
    .final = reject_final,
    .kcheck = reject_kcheck,
    .action = reject_action,
};

struct log_info {
    char prefix[30];
    uint32_t level;
    uint32_t flags;
};

static const struct rules_name log_levels[] = {
    {"emerg", 0}, {"alert", 1},  {"crit", 2},  {"error", 3},
    {"warning", 4}, {"notice", 5}, {"info", 6}, {"debug", 7},
    {"panic", 0}, {NULL, 0},
};

enum { LOG_PREFIX, LOG_LEVEL };

static int
log_final(struct rules_ctx *ctx, struct rules_xt *xt,
          const struct rules_rule *r)
{
    struct log_info *l = (void *)xt->data;
    (void)r;
    if (strchr(l->prefix, '\n')) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Newlines not allowed in --log-prefix");
        return -1;
    }
    if (!(xt->seen & (1ull << LOG_LEVEL)))
        l->level = 4;
    if (l->level == 4)
        xt->seen &= ~(1ull << LOG_LEVEL);
    if (!l->prefix[0])
        xt->seen &= ~(1ull << LOG_PREFIX);
    return 0;
}

#define LOG_FLAG(n, b)                                                      \
    {                                                                       \
        .name = n, .type = OT_NONE, .alias = -1,                            \
        .off = offsetof(struct log_info, flags), .bits = b                  \
    }

static const struct rules_opt log_opts[] = {
    [LOG_PREFIX] = {.name = "log-prefix", .type = OT_STRING, .alias = -1,
                    .flags = OF_QUOTE, .min = 1, .max = 29,
                    .off = offsetof(struct log_info, prefix)},
    [LOG_LEVEL] = {.name = "log-level", .type = OT_ENUM, .alias = -1,
                   .flags = OF_NUMOK | OF_PRNUM, .min = 0, .max = 7,
                   .names = log_levels,
                   .badmsg = "log level \"%s\" unknown\n",
                   .off = offsetof(struct log_info, level)},
    LOG_FLAG("log-tcp-sequence", 0x01),
    LOG_FLAG("log-tcp-options", 0x02),
    LOG_FLAG("log-ip-options", 0x04),
    LOG_FLAG("log-uid", 0x08),
    LOG_FLAG("log-macdecode", 0x20),
};

/* Evaluation: log_tg() of xt_LOG.c: the nf_log_syslog line
 * (eval_log.c) at the rule's level; CONTINUE. The line is built only
 * when someone listens. */
static int
log_action(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct log_info *l = (const void *)xt->data;
    if (!ev->env || !ev->env->log)
        return RULES_XT_CONTINUE;
    /* struct nf_log_buf holds 1024 - sizeof(unsigned int) bytes: longer
     * lines are cut there, NUL included. */
    char line[1020];
    char prefix[sizeof(l->prefix)];
    snprintf(prefix, sizeof(prefix), "%s", l->prefix);
    rules_log_format(line, sizeof(line), ev->skb, prefix, l->flags);
    ev->env->log(ev->env->log_arg, ev->skb, (int)l->level, line);
    return RULES_XT_CONTINUE;
}

static void
log_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct log_info *l = (const void *)xt->data;
    rbuf_puts(b, " LOG");
    if (numeric) {
        rbuf_printf(b, " flags %u level %u", l->flags, l->level);
    } else {
        /* The kernel's printk names, as LOG's print() shows them. */
        static const char *const lv[8] = {"emerg", "alert", "crit", "err",
                                          "warn",  "notice", "info",
                                          "debug"};
        rbuf_printf(b, " level %s", lv[l->level & 7]);
        static const struct rules_name fl[] = {
            {" tcp-sequence", 0x01}, {" tcp-options", 0x02},
            {" ip-options", 0x04},   {" uid", 0x08},
            {" macdecode", 0x20},    {NULL, 0},
        };
        for (const struct rules_name *n = fl; n->name; n++)
            if (l->flags & n->val)
                rbuf_puts(b, n->name);
    }
    if (l->prefix[0])
        rbuf_printf(b, " prefix \"%s\"", l->prefix);
}

static const struct rules_ext ext_LOG = {
    .list = log_list,
    .name = "LOG",
    .target = true,
    .size = sizeof(struct log_info),
    .n_opts = sizeof(log_opts) / sizeof(log_opts[0]),
    .opts = log_opts,
    .final = log_final,
    .action = log_action,
};

struct nflog_info {
    char prefix[128];  /* iptables-nft keeps 127 characters */
    uint32_t group, range, size, threshold;
};

enum { NFL_PREFIX, NFL_GROUP, NFL_SIZE, NFL_RANGE, NFL_THRESHOLD };

static int
nflog_final(struct rules_ctx *ctx, struct rules_xt *xt,
            const struct rules_rule *r)
{
    struct nflog_info *n = (void *)xt->data;
    (void)ctx;
    (void)r;
    if (!n->prefix[0])
        xt->seen &= ~(1ull << NFL_PREFIX);
    if (!n->group)
        xt->seen &= ~(1ull << NFL_GROUP);
    /* iptables-nft 1.8.9 drops --nflog-range (only --nflog-size is
     * kept in the nft log expression). */
    xt->seen &= ~(1ull << NFL_RANGE);
    /* iptables-nft keeps a given threshold, even the default 1. */
    return 0;
}

static const struct rules_opt nflog_opts[] = {
    [NFL_PREFIX] = {.name = "nflog-prefix", .type = OT_STRING, .alias = -1,
                    .flags = OF_QUOTE, .max = 127,
                    .off = offsetof(struct nflog_info, prefix)},
    [NFL_GROUP] = {.name = "nflog-group", .type = OT_UINT, .alias = -1,
                   .max = 65535, .off = offsetof(struct nflog_info, group)},
    [NFL_SIZE] = {.name = "nflog-size", .type = OT_UINT, .alias = -1,
                  .max = 0xffffffffu,
                  .off = offsetof(struct nflog_info, size)},
    [NFL_RANGE] = {.name = "nflog-range", .type = OT_UINT, .alias = -1,
                   .max = 0xffffffffu,
                   .off = offsetof(struct nflog_info, range)},
    [NFL_THRESHOLD] = {.name = "nflog-threshold", .type = OT_UINT,
                       .alias = -1, .min = 1, .max = 65535,
                       .off = offsetof(struct nflog_info, threshold)},
};

/* Targets whose effect leaves no trace that ctfw models: NFLOG (the
 * copy goes to a netlink listener), TCPMSS (rewriting the MSS option is
 * out of scope: the decoded packet keeps its option), CHECKSUM
 * (checksums are not recomputed). All are non-terminating. */
static int
continue_action(const struct rules_xt *xt, struct rules_eval *ev)
{
    (void)xt;
    (void)ev;
    return RULES_XT_CONTINUE;
}

/* nflog_print(): the save text with "nflog-" words, no name. */
static void
nflog_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct nflog_info *n = (const void *)xt->data;
    (void)numeric;
    if (xt->seen & (1ull << NFL_PREFIX))
    {
        rbuf_puts(b, " nflog-prefix");
        rules_save_string(b, n->prefix);
    }
    if (xt->seen & (1ull << NFL_GROUP))
        rbuf_printf(b, " nflog-group %u", n->group);
    if (xt->seen & (1ull << NFL_SIZE))
        rbuf_printf(b, " nflog-size %u", n->size);
    if (xt->seen & (1ull << NFL_THRESHOLD))
        rbuf_printf(b, " nflog-threshold %u", n->threshold);
}

static const struct rules_ext ext_NFLOG = {
    .list = nflog_list,
    .name = "NFLOG",
    .target = true,
    .size = sizeof(struct nflog_info),
    .n_opts = sizeof(nflog_opts) / sizeof(nflog_opts[0]),
    .opts = nflog_opts,
    .final = nflog_final,
    .action = continue_action,
};

/* MARK revision 2: everything is stored as xmark value/mask. */
struct mark_t_info {
    uint32_t mark, mask;
};

enum { MK_SETX, MK_SET, MK_AND, MK_OR, MK_XOR };

static int
mark_t_parse(struct rules_ctx *ctx, struct rules_xt *xt,
             const struct rules_opt *o, const char *arg, const char *arg2)
{
    struct mark_t_info *m = (void *)xt->data;
    (void)arg2;
    int which = (int)(o - xt->ext->opts);
    uint32_t v, mask = 0xffffffffu;
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%s", arg);
    char *slash = strchr(tmp, '/');
    if (slash)
        *slash++ = '\0';
    if (slash && which > MK_SET) {
        /* --and/--or/--xor-mark take a plain 32-bit value. */
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "MARK: bad value for option \"--%s\", or out of range "
                  "(0-4294967295).\n",
                  o->name);
        return -1;
    }
    if (rules_parse_uint(tmp, 0, 0xffffffffu, &v) ||
        (slash && rules_parse_uint(slash, 0, 0xffffffffu, &mask))) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "MARK: bad integer value for option \"--%s\", or out of "
                  "range.\n",
                  o->name);
        return -1;
    }
    switch (which) {
    case MK_SETX: m->mark = v; m->mask = mask; break;
    case MK_SET: m->mark = v; m->mask = v | mask; break;
    case MK_AND: m->mark = 0; m->mask = ~v; break;
    case MK_OR: m->mark = v; m->mask = v; break;
    default: m->mark = v; m->mask = 0; break;
    }
    return 0;
}

static void
mark_t_print(struct rbuf *b, const struct rules_xt *xt,
             const struct rules_opt *o)
{
    const struct mark_t_info *m = (const void *)xt->data;
    (void)o;
    rbuf_printf(b, " 0x%x/0x%x", m->mark, m->mask);
}

static int
mark_t_final(struct rules_ctx *ctx, struct rules_xt *xt,
             const struct rules_rule *r)
{
    (void)r;
    if (!(xt->seen & 0x1f)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "MARK: One of the --set-xmark, --{and,or,xor,set}-mark "
                  "options is required");
        return -1;
    }
    /* Every form is saved as --set-xmark. */
    xt->seen = (xt->seen & ~0x1full) | 1;
    return 0;
}

#define MK_OPT(n)                                                           \
    {                                                                       \
        .name = n, .type = OT_CUSTOM, .alias = -1, .off = RULES_NOFIELD,    \
        .excl = 0x1f, .parse = mark_t_parse, .print = mark_t_print          \
    }

static const struct rules_opt mark_t_opts[] = {
    [MK_SETX] = MK_OPT("set-xmark"),
    [MK_SET] = MK_OPT("set-mark"),
    [MK_AND] = MK_OPT("and-mark"),
    [MK_OR] = MK_OPT("or-mark"),
    [MK_XOR] = MK_OPT("xor-mark"),
};

/* Evaluation: mark_tg() of xt_mark.c: mark = (mark & ~mask) ^ value;
 * CONTINUE. */
static int
mark_action(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct mark_t_info *m = (const void *)xt->data;
    ev->skb->mark = (ev->skb->mark & ~m->mask) ^ m->mark;
    return RULES_XT_CONTINUE;
}

static void
mark_t_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct mark_t_info *m = (const void *)xt->data;
    (void)numeric;
    if (m->mark == 0)
        rbuf_printf(b, " MARK and 0x%x", ~m->mask);
    else if (m->mark == m->mask)
        rbuf_printf(b, " MARK or 0x%x", m->mark);
    else if (m->mask == 0)
        rbuf_printf(b, " MARK xor 0x%x", m->mark);
    else if (m->mask == 0xffffffffu)
        rbuf_printf(b, " MARK set 0x%x", m->mark);
    else
        rbuf_printf(b, " MARK xset 0x%x/0x%x", m->mark, m->mask);
}

static const struct rules_ext ext_MARK = {
    .list = mark_t_list,
    .name = "MARK",
    .target = true,
    .size = sizeof(struct mark_t_info),
    .n_opts = sizeof(mark_t_opts) / sizeof(mark_t_opts[0]),
    .opts = mark_t_opts,
    .final = mark_t_final,
    .action = mark_action,
};

struct tcpmss_info {
    uint32_t mss;   /* 0xffff: clamp to the path MTU */
};

#define MSS_CLAMP 0xffffu

/* --set-mss and --clamp-mss-to-pmtu write the same field: the last one
 * given wins, as in libxt_TCPMSS. */
static int
tcpmss_parse(struct rules_ctx *ctx, struct rules_xt *xt,
             const struct rules_opt *o, const char *arg, const char *arg2)
{
    struct tcpmss_info *t = (void *)xt->data;
    (void)arg2;
    if (!arg) {
        t->mss = MSS_CLAMP;
        return 0;
    }
    if (rules_parse_uint(arg, 0, 65535 - 20, &t->mss))
        return rules_opt_bad(ctx, xt, o, arg);
    return 0;
}

static int
tcpmss_final(struct rules_ctx *ctx, struct rules_xt *xt,
             const struct rules_rule *r)
{
    const struct tcpmss_info *t = (const void *)xt->data;
    (void)r;
    if (!(xt->seen & 3)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "TCPMSS target: At least one parameter is required");
        return -1;
    }
    xt->seen = t->mss == MSS_CLAMP ? 2 : 1;
    return 0;
}

/* The target is registered for IPPROTO_TCP: other protocols are
 * refused by x_tables. */
static const char *
tcpmss_kcheck(const struct rules_xt *xt, const struct rules_rule *r)
{
    (void)xt;
    if (!r->proto_set || r->proto != 6 || (r->inv & RINV_PROTO))
        return "Invalid argument";
    return NULL;
}

/* tcpmss_tg4_check(): clamping only in FORWARD, OUTPUT, POSTROUTING. */
static unsigned
tcpmss_hooks(const struct rules_xt *xt)
{
    const struct tcpmss_info *t = (const void *)xt->data;
    if (t->mss != MSS_CLAMP)
        return 0;
    return RH_BIT(RH_FORWARD) | RH_BIT(RH_OUTPUT) | RH_BIT(RH_POSTROUTING);
}

static void
mss_print(struct rbuf *b, const struct rules_xt *xt,
          const struct rules_opt *o)
{
    (void)o;
    rbuf_printf(b, " %u", ((const struct tcpmss_info *)(void *)xt->data)->mss);
}

static const struct rules_opt tcpmss_opts_save[] = {
    {.name = "set-mss", .type = OT_CUSTOM, .alias = -1, .max = 65515,
     .off = RULES_NOFIELD, .parse = tcpmss_parse, .print = mss_print},
    {.name = "clamp-mss-to-pmtu", .type = OT_CUSTOM, .alias = -1,
     .flags = OF_NOARG, .off = RULES_NOFIELD, .parse = tcpmss_parse},
};

static void
tcpmss_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct tcpmss_info *t = (const void *)xt->data;
    (void)numeric;
    if (t->mss == MSS_CLAMP)
        rbuf_puts(b, " TCPMSS clamp to PMTU");
    else
        rbuf_printf(b, " TCPMSS set %u", t->mss);
}

static const struct rules_ext ext_TCPMSS = {
    .list = tcpmss_list,
    .name = "TCPMSS",
    .target = true,
    .size = sizeof(struct tcpmss_info),
    .n_opts = 2,
    .opts = tcpmss_opts_save,
    .final = tcpmss_final,
    .kcheck = tcpmss_kcheck,
    .hooks_for = tcpmss_hooks,
    .action = continue_action,
};

static const struct rules_opt checksum_opts[] = {
    {.name = "checksum-fill", .type = OT_NONE, .alias = -1,
     .flags = OF_MAND, .off = RULES_NOFIELD},
};

static void
checksum_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    (void)xt;
    (void)numeric;
    rbuf_puts(b, " CHECKSUM fill");
}

static const struct rules_ext ext_CHECKSUM = {
    .list = checksum_list,
    .name = "CHECKSUM",
    .target = true,
    .size = 4,
    .n_opts = 1,
    .opts = checksum_opts,
    .tables = RT_BIT(RT_MANGLE),
    .action = continue_action,
};

struct dscp_t_info {
    uint32_t dscp;
};


static int
uint63_parse(struct rules_ctx *ctx, struct rules_xt *xt,
             const struct rules_opt *o, const char *arg, const char *arg2)
{
    (void)arg2;
    if (rules_parse_uint(arg, 0, 63, XT_DATA(xt, o->off))) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "DSCP: bad value for option \"--%s\", or out of range "
                  "(0-63).\n",
                  o->name);
        return -1;
    }
    return 0;
}

static const struct rules_opt dscp_t_opts[] = {
    {.name = "set-dscp", .type = OT_CUSTOM, .alias = -1, .excl = 2,
     .off = offsetof(struct dscp_t_info, dscp), .parse = uint63_parse,
     .print = rules_print_hex2},
    {.name = "set-dscp-class", .type = OT_ENUM, .alias = 0,
     .names = rules_dscp_classes, .off = offsetof(struct dscp_t_info, dscp)},
};

static int
dscp_t_final(struct rules_ctx *ctx, struct rules_xt *xt,
             const struct rules_rule *r)
{
    (void)r;
    if (!xt->seen) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "DSCP target: Parameter --set-dscp is required");
        return -1;
    }
    return 0;
}

/* Evaluation: dscp_tg() / dscp_tg6() of xt_DSCP.c: the six DSCP bits
 * of the decoded TOS / traffic class are replaced, ECN kept; later
 * matches and LOG see the new value. CONTINUE. */
static int
dscp_action(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct dscp_t_info *d = (const void *)xt->data;
    struct ctfw_pkt *p = &ev->skb->pkt;
    p->tos = (uint8_t)((p->tos & 0x03) | (d->dscp << 2));
    return RULES_XT_CONTINUE;
}

static void
dscp_t_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    (void)numeric;
    rbuf_printf(b, " DSCP set 0x%02x",
                ((const struct dscp_t_info *)(const void *)xt->data)->dscp);
}

static const struct rules_ext ext_DSCP = {
    .list = dscp_t_list,
    .name = "DSCP",
    .target = true,
    .size = sizeof(struct dscp_t_info),
    .n_opts = 2,
    .opts = dscp_t_opts,
    .tables = RT_BIT(RT_MANGLE),
    .final = dscp_t_final,
    .action = dscp_action,
};

struct ttl_t_info {
    uint32_t value;
};

static int
ttl_t_final(struct rules_ctx *ctx, struct rules_xt *xt,
            const struct rules_rule *r)
{
    (void)r;
    if (!(xt->seen & 7)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "%s: You must specify an action", xt->ext->name);
        return -1;
    }
    /* --ttl-dec/--ttl-inc 0 never gets here: their range starts at 1
     * (iptables 1.8.9 answers "bad value ... (1-255)" first, checked
     * live in tests/golden/rules/cmds). */
    return 0;
}

#define TTLT_OPT(n, lo)                                                     \
    {                                                                       \
        .name = n, .type = OT_UINT, .alias = -1, .min = lo, .max = 255,     \
        .excl = 7, .off = offsetof(struct ttl_t_info, value)                \
    }

static const struct rules_opt ttl_t_opts[] = {
    TTLT_OPT("ttl-set", 0), TTLT_OPT("ttl-dec", 1), TTLT_OPT("ttl-inc", 1),
};

static const struct rules_opt hl_t_opts[] = {
    TTLT_OPT("hl-set", 0), TTLT_OPT("hl-dec", 1), TTLT_OPT("hl-inc", 1),
};

/* Evaluation: ttl_tg() of ipt_TTL.c / hl_tg6() of ip6t_HL.c: set, or
 * increase / decrease clamped to 0..255, on the decoded TTL / hop
 * limit. CONTINUE. */
static int
ttl_action(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct ttl_t_info *t = (const void *)xt->data;
    struct ctfw_pkt *p = &ev->skb->pkt;
    int v = p->ttl;
    if (xt->seen & 1)
        v = (int)t->value;
    else if (xt->seen & 2)
        v = v - (int)t->value < 0 ? 0 : v - (int)t->value;
    else
        v = v + (int)t->value > 255 ? 255 : v + (int)t->value;
    p->ttl = (uint8_t)v;
    return RULES_XT_CONTINUE;
}

static void
ttl_t_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct ttl_t_info *t = (const void *)xt->data;
    (void)numeric;
    const char *what = (xt->seen & 1)   ? "set to"
                       : (xt->seen & 2) ? "decrement by"
                                        : "increment by";
    rbuf_printf(b, " %s %s %u", xt->ext->family == 6 ? "HL" : "TTL", what,
                t->value);
}

static const struct rules_ext ext_TTL = {
    .list = ttl_t_list,
    .name = "TTL",
    .target = true,
    .family = 4,
    .size = sizeof(struct ttl_t_info),
    .n_opts = 3,
    .opts = ttl_t_opts,
    .tables = RT_BIT(RT_MANGLE),
    .final = ttl_t_final,
    .action = ttl_action,
};

static const struct rules_ext ext_HL = {
    .list = ttl_t_list,
    .name = "HL",
    .target = true,
    .family = 6,
    .size = sizeof(struct ttl_t_info),
    .n_opts = 3,
    .opts = hl_t_opts,
    .tables = RT_BIT(RT_MANGLE),
    .final = ttl_t_final,
    .action = ttl_action,
};

const struct rules_ext *const rules_ext_targets[] = {
    &ext_REJECT4, &ext_REJECT6, &ext_LOG,  &ext_NFLOG, &ext_MARK,
    &ext_TCPMSS,  &ext_CHECKSUM, &ext_DSCP, &ext_TTL,   &ext_HL,
    NULL,
};
