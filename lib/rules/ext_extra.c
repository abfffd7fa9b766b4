// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Small extensions: the tcpmss, esp and ah matches and the TOS target
 * (libxt_tcpmss, libxt_esp, libipt_ah, libxt_TOS of iptables 1.8.9).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "rules_private.h"

struct tcpmss_m_info {
    struct rules_range mss;
};

static int
tcpmss_m_final(struct rules_ctx *ctx, struct rules_xt *xt,
               const struct rules_rule *r)
{
    const struct tcpmss_m_info *m = (const void *)xt->data;
    (void)r;
    if (m->mss.lo > m->mss.hi) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "tcpmss: invalid range given");
        return -1;
    }
    return 0;
}

/* Registered for IPPROTO_TCP: other protocols are refused. */
static const char *
tcp_only(const struct rules_xt *xt, const struct rules_rule *r)
{
    (void)xt;
    if (!r->proto_set || r->proto != 6 || (r->inv & RINV_PROTO))
        return "Invalid argument";
    return NULL;
}

static void
tcpmss_m_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct tcpmss_m_info *m = (const void *)xt->data;
    (void)numeric;
    rbuf_printf(b, " tcpmss match %s%u", (xt->inv & 1) ? "!" : "", m->mss.lo);
    if (m->mss.hi != m->mss.lo)
        rbuf_printf(b, ":%u", m->mss.hi);
}

static const struct rules_opt tcpmss_m_opts[] = {
    {.name = "mss",
     .type = OT_UINTRANGE,
     .alias = -1,
     .flags = OF_INVERT | OF_MAND,
     .max = 65535,
     .off = offsetof(struct tcpmss_m_info, mss)},
};

static const struct rules_ext ext_tcpmss_m = {
    .name = "tcpmss",
    .size = sizeof(struct tcpmss_m_info),
    .n_opts = 1,
    .opts = tcpmss_m_opts,
    .final = tcpmss_m_final,
    .kcheck = tcp_only,
    .list = tcpmss_m_list,
};

/* esp and ah: an SPI range; the full range is the default, not printed. */
struct spi_info {
    struct rules_range spi;
};

static int
spi_final(struct rules_ctx *ctx, struct rules_xt *xt,
          const struct rules_rule *r)
{
    const struct spi_info *s = (const void *)xt->data;
    (void)ctx;
    (void)r;
    if (s->spi.lo == 0 && s->spi.hi == 0xffffffffu && !(xt->inv & 1))
        xt->seen &= ~1ull;
    return 0;
}

static const char *
spi_kcheck(const struct rules_xt *xt, const struct rules_rule *r)
{
    unsigned want = xt->ext->name[0] == 'e' ? 50 : 51;
    if (!r->proto_set || r->proto != want || (r->inv & RINV_PROTO))
        return "Invalid argument";
    return NULL;
}

static void
spi_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct spi_info *s = (const void *)xt->data;
    (void)numeric;
    rbuf_printf(b, " %s", xt->ext->name);
    if (!(xt->seen & 1))
        return;
    if (s->spi.lo == s->spi.hi)
        rbuf_printf(b, " spi:%s%u", (xt->inv & 1) ? "!" : "", s->spi.lo);
    else
        rbuf_printf(b, " spis:%s%u:%u", (xt->inv & 1) ? "!" : "", s->spi.lo,
                    s->spi.hi);
}

static const struct rules_opt esp_opts[] = {
    {.name = "espspi",
     .type = OT_UINTRANGE,
     .alias = -1,
     .flags = OF_INVERT,
     .max = 0xffffffffu,
     .off = offsetof(struct spi_info, spi)},
};

static const struct rules_opt ah_opts[] = {
    {.name = "ahspi",
     .type = OT_UINTRANGE,
     .alias = -1,
     .flags = OF_INVERT,
     .max = 0xffffffffu,
     .off = offsetof(struct spi_info, spi)},
};

static const struct rules_ext ext_esp = {
    .name = "esp",
    .size = sizeof(struct spi_info),
    .n_opts = 1,
    .opts = esp_opts,
    .final = spi_final,
    .kcheck = spi_kcheck,
    .list = spi_list,
};

static const struct rules_ext ext_ah = {
    .name = "ah",
    .family = 4,
    .size = sizeof(struct spi_info),
    .n_opts = 1,
    .opts = ah_opts,
    .final = spi_final,
    .kcheck = spi_kcheck,
    .list = spi_list,
};

/* TOS target revision 1: everything saved as --set-tos value/mask. */
struct tos_t_info {
    uint32_t value, mask;
};

static const struct rules_name tos_t_names[] = {
    {"Minimize-Delay", 0x10},       {"Maximize-Throughput", 0x08},
    {"Maximize-Reliability", 0x04}, {"Minimize-Cost", 0x02},
    {"Normal-Service", 0x00},       {NULL, 0},
};

enum { TOS_SET, TOS_AND, TOS_OR, TOS_XOR };

static int
tos_t_parse(struct rules_ctx *ctx, struct rules_xt *xt,
            const struct rules_opt *o, const char *arg, const char *arg2)
{
    struct tos_t_info *t = (void *)xt->data;
    int which = (int)(o - xt->ext->opts);
    uint32_t v, m = 0xff;
    (void)arg2;
    if (which == TOS_SET) {
        for (const struct rules_name *n = tos_t_names; n->name; n++)
            if (!strcasecmp(n->name, arg)) {
                t->value = n->val;
                t->mask = 0x3f;
                return 0;
            }
    }
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%s", arg);
    char *slash = strchr(tmp, '/');
    if (slash)
        *slash++ = '\0';
    if (rules_parse_uint(tmp, 0, 255, &v) ||
        (slash && (which != TOS_SET || rules_parse_uint(slash, 0, 255, &m)))) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Symbolic name \"%s\" is unknown", arg);
        return -1;
    }
    switch (which) {
    case TOS_SET:
        t->value = v;
        t->mask = m;
        break;
    case TOS_AND:
        t->value = 0;
        t->mask = ~v & 0xff;
        break;
    case TOS_OR:
        t->value = v;
        t->mask = v;
        break;
    default:
        t->value = v;
        t->mask = 0;
        break;
    }
    return 0;
}

static void
tos_t_print(struct rbuf *b, const struct rules_xt *xt,
            const struct rules_opt *o)
{
    const struct tos_t_info *t = (const void *)xt->data;
    (void)o;
    rbuf_printf(b, " 0x%02x/0x%02x", t->value, t->mask);
}

static int
tos_t_final(struct rules_ctx *ctx, struct rules_xt *xt,
            const struct rules_rule *r)
{
    (void)r;
    if (!(xt->seen & 0xf)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "TOS: An action is required");
        return -1;
    }
    xt->seen = 1;
    return 0;
}

static void
tos_t_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct tos_t_info *t = (const void *)xt->data;
    if (numeric) {
        rbuf_printf(b, " TOS set 0x%02x/0x%02x", t->value, t->mask);
        return;
    }
    if (t->mask == 0)
        rbuf_printf(b, " TOS xor 0x%x", t->value);
    else if (t->value == 0)
        rbuf_printf(b, " TOS and 0x%x", ~t->mask & 0xff);
    else if (t->value == t->mask)
        rbuf_printf(b, " TOS or 0x%x", t->value);
    else
        rbuf_printf(b, " TOS set 0x%02x/0x%02x", t->value, t->mask);
}

#define TOS_OPT(n)                                                            \
    {                                                                         \
        .name = n, .type = OT_CUSTOM, .alias = -1, .off = RULES_NOFIELD,      \
        .excl = 0xf, .parse = tos_t_parse, .print = tos_t_print               \
    }

static const struct rules_opt tos_t_opts[] = {
    [TOS_SET] = TOS_OPT("set-tos"),
    [TOS_AND] = TOS_OPT("and-tos"),
    [TOS_OR] = TOS_OPT("or-tos"),
    [TOS_XOR] = TOS_OPT("xor-tos"),
};

static const struct rules_ext ext_TOS = {
    .name = "TOS",
    .target = true,
    .size = sizeof(struct tos_t_info),
    .n_opts = 4,
    .opts = tos_t_opts,
    .tables = RT_BIT(RT_MANGLE),
    .final = tos_t_final,
    .list = tos_t_list,
};

const struct rules_ext *const rules_ext_extra[] = {
    &ext_tcpmss_m, &ext_esp, &ext_ah, &ext_TOS, NULL,
};
