// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ICMP matches: icmp (IPv4, libipt_icmp) and icmp6 (libip6t_icmp6).
 * Types are saved as numbers, "type/code" when one code is selected,
 * and "any" for the IPv4 wildcard, as iptables-save 1.8.9 prints them.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "eval_private.h"
#include "rules_private.h"

struct icmp_info {
    uint32_t type;
    uint32_t code_min, code_max;
};

struct icmp_name {
    const char *name;
    uint8_t type, code_min, code_max;
};

static const struct icmp_name icmp4_names[] = {
    {"any", 0xff, 0, 0xff},
    {"echo-reply", 0, 0, 0xff},
    {"pong", 0, 0, 0xff},
    {"destination-unreachable", 3, 0, 0xff},
    {"network-unreachable", 3, 0, 0},
    {"host-unreachable", 3, 1, 1},
    {"protocol-unreachable", 3, 2, 2},
    {"port-unreachable", 3, 3, 3},
    {"fragmentation-needed", 3, 4, 4},
    {"source-route-failed", 3, 5, 5},
    {"network-unknown", 3, 6, 6},
    {"host-unknown", 3, 7, 7},
    {"network-prohibited", 3, 9, 9},
    {"host-prohibited", 3, 10, 10},
    {"TOS-network-unreachable", 3, 11, 11},
    {"TOS-host-unreachable", 3, 12, 12},
    {"communication-prohibited", 3, 13, 13},
    {"host-precedence-violation", 3, 14, 14},
    {"precedence-cutoff", 3, 15, 15},
    {"source-quench", 4, 0, 0xff},
    {"redirect", 5, 0, 0xff},
    {"network-redirect", 5, 0, 0},
    {"host-redirect", 5, 1, 1},
    {"TOS-network-redirect", 5, 2, 2},
    {"TOS-host-redirect", 5, 3, 3},
    {"echo-request", 8, 0, 0xff},
    {"ping", 8, 0, 0xff},
    {"router-advertisement", 9, 0, 0xff},
    {"router-solicitation", 10, 0, 0xff},
    {"time-exceeded", 11, 0, 0xff},
    {"ttl-exceeded", 11, 0, 0xff},
    {"ttl-zero-during-transit", 11, 0, 0},
    {"ttl-zero-during-reassembly", 11, 1, 1},
    {"parameter-problem", 12, 0, 0xff},
    {"ip-header-bad", 12, 0, 0},
    {"required-option-missing", 12, 1, 1},
    {"timestamp-request", 13, 0, 0xff},
    {"timestamp-reply", 14, 0, 0xff},
    {"address-mask-request", 17, 0, 0xff},
    {"address-mask-reply", 18, 0, 0xff},
    {NULL, 0, 0, 0},
};

static const struct icmp_name icmp6_names[] = {
    {"destination-unreachable", 1, 0, 0xff},
    {"no-route", 1, 0, 0},
    {"communication-prohibited", 1, 1, 1},
    {"beyond-scope", 1, 2, 2},
    {"address-unreachable", 1, 3, 3},
    {"port-unreachable", 1, 4, 4},
    {"failed-policy", 1, 5, 5},
    {"reject-route", 1, 6, 6},
    {"packet-too-big", 2, 0, 0xff},
    {"time-exceeded", 3, 0, 0xff},
    {"ttl-exceeded", 3, 0, 0xff},
    {"ttl-zero-during-transit", 3, 0, 0},
    {"ttl-zero-during-reassembly", 3, 1, 1},
    {"parameter-problem", 4, 0, 0xff},
    {"bad-header", 4, 0, 0},
    {"unknown-header-type", 4, 1, 1},
    {"unknown-option", 4, 2, 2},
    {"echo-request", 128, 0, 0xff},
    {"ping", 128, 0, 0xff},
    {"echo-reply", 129, 0, 0xff},
    {"pong", 129, 0, 0xff},
    {"mld-listener-query", 130, 0, 0xff},
    {"mld-listener-report", 131, 0, 0xff},
    {"mld-listener-done", 132, 0, 0xff},
    {"mld-listener-reduction", 132, 0, 0xff},
    {"router-solicitation", 133, 0, 0xff},
    {"router-advertisement", 134, 0, 0xff},
    {"neighbour-solicitation", 135, 0, 0xff},
    {"neighbor-solicitation", 135, 0, 0xff},
    {"neighbour-advertisement", 136, 0, 0xff},
    {"neighbor-advertisement", 136, 0, 0xff},
    {"redirect", 137, 0, 0xff},
    {NULL, 0, 0, 0},
};

static int
icmp_parse(struct rules_ctx *ctx, struct rules_xt *xt,
           const struct rules_opt *o, const char *arg, const char *arg2)
{
    struct icmp_info *ic = (void *)xt->data;
    bool v6 = xt->ext->family == 6;
    const struct icmp_name *names = v6 ? icmp6_names : icmp4_names;
    (void)o;
    (void)arg2;
    size_t n = strlen(arg), hits = 0;
    const struct icmp_name *hit = NULL, *other = NULL;
    for (const struct icmp_name *nm = names; nm->name; nm++) {
        if (!strncasecmp(nm->name, arg, n)) {
            /* An exact name wins over longer ones it prefixes. */
            if (strlen(nm->name) == n) {
                hit = nm;
                hits = 1;
                break;
            }
            if (!hit || hit->type != nm->type ||
                hit->code_min != nm->code_min) {
                hits++;
                /* parse_icmp() names the first match and the next one. */
                if (hit && !other)
                    other = nm;
            }
            if (!hit)
                hit = nm;
        }
    }
    if (hits > 1) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Ambiguous ICMP%s type `%s': `%s' or `%s'?", v6 ? "v6" : "",
                  arg, hit->name, other->name);
        return -1;
    }
    if (hits == 1) {
        ic->type = hit->type;
        ic->code_min = hit->code_min;
        ic->code_max = hit->code_max;
        return 0;
    }
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%s", arg);
    char *slash = strchr(tmp, '/');
    if (slash)
        *slash++ = '\0';
    uint32_t t, c = 0;
    if (rules_parse_uint(tmp, 0, 255, &t) ||
        (slash && rules_parse_uint(slash, 0, 255, &c))) {
        bool code = !rules_parse_uint(tmp, 0, 255, &t) && slash;
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Unknown ICMP%s %s `%s'\n", v6 ? "v6" : "",
                  code ? "code" : "type", arg);
        return -1;
    }
    ic->type = t;
    ic->code_min = slash ? c : 0;
    ic->code_max = slash ? c : 0xff;
    return 0;
}

static void
icmp_print(struct rbuf *b, const struct rules_xt *xt,
           const struct rules_opt *o)
{
    const struct icmp_info *ic = (const void *)xt->data;
    (void)o;
    if (xt->ext->family == 4 && ic->type == 0xff) {
        rbuf_puts(b, " any");
        return;
    }
    rbuf_printf(b, " %u", ic->type);
    if (ic->code_min != 0 || ic->code_max != 0xff)
        rbuf_printf(b, "/%u", ic->code_min);
}

static const char *
icmp_kcheck(const struct rules_xt *xt, const struct rules_rule *r)
{
    unsigned want = xt->ext->family == 6 ? 58 : 1;
    if (!r->proto_set || r->proto != want || (r->inv & RINV_PROTO))
        return "Invalid argument";
    return NULL;
}

static const struct rules_opt icmp4_opts[] = {
    {.name = "icmp-type", .type = OT_CUSTOM, .alias = -1,
     .flags = OF_INVERT | OF_MAND, .off = RULES_NOFIELD,
     .parse = icmp_parse, .print = icmp_print},
};

static const struct rules_opt icmp6_opts[] = {
    {.name = "icmpv6-type", .type = OT_CUSTOM, .alias = -1,
     .flags = OF_INVERT | OF_MAND, .off = RULES_NOFIELD,
     .parse = icmp_parse, .print = icmp_print},
};

/* Evaluation: icmp_match() of ip_tables.c and icmp6_match() of
 * ip6_tables.c. Later fragments never match; fewer than the 8 bytes of
 * struct icmphdr are dropped (hotdrop). Type 0xff is "any" for IPv4
 * only. */
static bool
icmp_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct icmp_info *ic = (const void *)xt->data;
    const struct ctfw_pkt *p = &ev->skb->pkt;
    if (rules_fragoff(p))
        return false;
    uint32_t n;
    const uint8_t *h = rules_l4_bytes(p, &n);
    if (n < 8) {
        ev->hotdrop = true;
        return false;
    }
    bool invert = xt->inv & 1;
    bool any = xt->ext->family == 4 && ic->type == 0xff;
    bool hit = any || (h[0] == ic->type && h[1] >= ic->code_min &&
                       h[1] <= ic->code_max);
    return hit != invert;
}

/* print_icmptype(): " icmptype 8", " icmp !type 3 code 3"; 255 is any. */
static void
icmp_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct icmp_info *ic = (const void *)xt->data;
    bool v6 = xt->ext->family == 6;
    rbuf_puts(b, v6 ? " ipv6-icmp" : " icmp");
    if (!numeric) {
        const struct icmp_name *names = v6 ? icmp6_names : icmp4_names;
        for (const struct icmp_name *n = names; n->name; n++)
            if (n->type == ic->type && n->code_min == ic->code_min &&
                n->code_max == ic->code_max) {
                rbuf_printf(b, " %s%s", (xt->inv & 1) ? "!" : "", n->name);
                return;
            }
    }
    if (xt->inv & 1)
        rbuf_puts(b, " !");
    rbuf_printf(b, "type %u", ic->type);
    if (ic->code_min == ic->code_max)
        rbuf_printf(b, " code %u", ic->code_min);
    else if (ic->code_min != 0 || ic->code_max != 0xff)
        rbuf_printf(b, " codes %u-%u", ic->code_min, ic->code_max);
}

static const struct rules_ext ext_icmp = {
    .list = icmp_list,
    .name = "icmp",
    .family = 4,
    .size = sizeof(struct icmp_info),
    .n_opts = 1,
    .opts = icmp4_opts,
    .kcheck = icmp_kcheck,
    .match = icmp_match,
};

static const struct rules_ext ext_icmp6 = {
    .list = icmp_list,
    .name = "icmp6",
    .family = 6,
    .size = sizeof(struct icmp_info),
    .n_opts = 1,
    .opts = icmp6_opts,
    .kcheck = icmp_kcheck,
    .match = icmp_match,
};

const struct rules_ext *const rules_ext_icmp[] = {
    &ext_icmp, &ext_icmp6, NULL,
};
