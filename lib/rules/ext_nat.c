// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NAT targets: SNAT, DNAT, MASQUERADE, REDIRECT and NETMAP, parsed and
 * checked here and applied by the NAT module. Ranges keep the kernel's
 * form: first..last address (MAP_IPS) and first..last port
 * (PROTO_SPECIFIED), in binary.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval_private.h"
#include "rules_private.h"

#define NAT_MAP_IPS 0x01
#define NAT_PROTO 0x02
#define NAT_OFFSET 0x04

struct nat_info {
    uint32_t flags;
    union ctfw_addr min_addr, max_addr;
    uint32_t min_port, max_port, base_port;
};

static bool
proto_has_ports(const struct rules_rule *r)
{
    if (!r || !r->proto_set || (r->inv & RINV_PROTO))
        return false;
    return r->proto == 6 || r->proto == 17 || r->proto == 132 ||
           r->proto == 33 || r->proto == 136;
}

/* A port number or service name, with the rest of the text in *end. */
static int
port_or_service(const char *s, uint32_t *port, const char **end)
{
    char *e;
    if (*s >= '0' && *s <= '9') {
        unsigned long v = strtoul(s, &e, 0);
        if (v > 65535)
            return -1;
        *port = (uint32_t)v;
        *end = e;
        return 0;
    }
    if (rules_parse_port(s, NULL, port))
        return -1;
    *end = s + strlen(s);
    return 0;
}

/* parse_ports() of libxt_NAT: "p", "p-q" or "p-q/base"; a service name
 * is accepted for the first port and the base only. */
static int
parse_ports(struct rules_ctx *ctx, struct nat_info *n, const char *s,
            bool allow_base)
{
    const char *end;
    if (port_or_service(s, &n->min_port, &end)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Port `%s' not valid\n", s);
        return -1;
    }
    n->flags |= NAT_PROTO;
    n->max_port = n->min_port;
    if (*end == '\0')
        return 0;
    if (*end == ':') {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Invalid port:port syntax - use dash\n");
        return -1;
    }
    if (*end != '-') {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Garbage after port value: `%s'\n", end);
        return -1;
    }
    const char *hi = end + 1;
    char *e;
    unsigned long v = strtoul(hi, &e, 0);
    if (hi[0] < '0' || hi[0] > '9' || v > 65535) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Port `%s' not valid\n", hi);
        return -1;
    }
    n->max_port = (uint32_t)v;
    if (n->max_port < n->min_port) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Port range `%s' funky\n", hi);
        return -1;
    }
    if (*e == '\0')
        return 0;
    if (*e != '/' || !allow_base) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Garbage after port range: `%s'\n", e);
        return -1;
    }
    if (port_or_service(e + 1, &n->base_port, &end) || *end ||
        !n->base_port) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Port `%s' not valid\n", e + 1);
        return -1;
    }
    n->flags |= NAT_OFFSET;
    return 0;
}

static int
parse_addr(struct rules_ctx *ctx, int family, const char *s,
           union ctfw_addr *a)
{
    struct rules_host h;
    if (rules_parse_host(family, s, &h, false)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Bad IP address \"%s\"\n", s);
        return -1;
    }
    *a = h.addr;
    return 0;
}

/* "[ip[-ip]][:port[-port]]"; IPv6 addresses with ports in brackets. */
static int
nat_range_parse(struct rules_ctx *ctx, struct rules_xt *xt,
                const struct rules_opt *o, const char *arg,
                const char *arg2)
{
    struct nat_info *n = (void *)xt->data;
    (void)o;
    (void)arg2;
    char tmp[256];
    snprintf(tmp, sizeof(tmp), "%s", arg);
    char *addrs = tmp, *ports = NULL;
    if (xt->family == 6) {
        if (tmp[0] == '[') {
            char *close = strchr(tmp, ']');
            if (!close) {
                rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                          "Invalid address format");
                return -1;
            }
            *close = '\0';
            addrs = tmp + 1;
            if (close[1] == ':')
                ports = close + 2;
        }
    } else {
        ports = strchr(tmp, ':');
        if (ports && strchr(ports + 1, ':')) {
            /* Two colons: iptables reads the whole as an address. */
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "Bad IP address \"%s\"\n", arg);
            return -1;
        }
        if (ports)
            *ports++ = '\0';
    }
    if (ports) {
        if (!proto_has_ports(ctx->rule)) {
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "Need TCP, UDP, SCTP or DCCP with port "
                      "specification");
            return -1;
        }
        if (parse_ports(ctx, n, ports, true))
            return -1;
    }
    if (*addrs) {
        char *dash = strchr(addrs, '-');
        if (dash)
            *dash++ = '\0';
        if (parse_addr(ctx, xt->family, addrs, &n->min_addr))
            return -1;
        n->max_addr = n->min_addr;
        if (dash && parse_addr(ctx, xt->family, dash, &n->max_addr))
            return -1;
        n->flags |= NAT_MAP_IPS;
    }
    return 0;
}

static void
nat_range_print(struct rbuf *b, const struct rules_xt *xt,
                const struct rules_opt *o)
{
    const struct nat_info *n = (const void *)xt->data;
    bool v6 = xt->family == 6;
    (void)o;
    rbuf_putc(b, ' ');
    if (n->flags & NAT_MAP_IPS) {
        if (v6 && (n->flags & NAT_PROTO))
            rbuf_putc(b, '[');
        rules_print_addr(b, xt->family, &n->min_addr);
        if (memcmp(&n->min_addr, &n->max_addr, sizeof(n->min_addr))) {
            rbuf_putc(b, '-');
            rules_print_addr(b, xt->family, &n->max_addr);
        }
        if (v6 && (n->flags & NAT_PROTO))
            rbuf_putc(b, ']');
    }
    if (n->flags & NAT_PROTO) {
        rbuf_printf(b, ":%u", n->min_port);
        if (n->max_port != n->min_port)
            rbuf_printf(b, "-%u", n->max_port);
        if (n->flags & NAT_OFFSET)
            rbuf_printf(b, "/%u", n->base_port);
    }
}

static int
ports_parse(struct rules_ctx *ctx, struct rules_xt *xt,
            const struct rules_opt *o, const char *arg, const char *arg2)
{
    struct nat_info *n = (void *)xt->data;
    (void)o;
    (void)arg2;
    if (!proto_has_ports(ctx->rule)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Need TCP, UDP, SCTP or DCCP with port specification");
        return -1;
    }
    return parse_ports(ctx, n, arg, false);
}

static void
ports_print(struct rbuf *b, const struct rules_xt *xt,
            const struct rules_opt *o)
{
    const struct nat_info *n = (const void *)xt->data;
    (void)o;
    rbuf_printf(b, " %u", n->min_port);
    if (n->max_port != n->min_port)
        rbuf_printf(b, "-%u", n->max_port);
}

#define NAT_FLAG(n)                                                         \
    {                                                                       \
        .name = n, .type = OT_NONE, .alias = -1, .off = RULES_NOFIELD       \
    }

static const struct rules_opt snat_opts[] = {
    {.name = "to-source", .type = OT_CUSTOM, .alias = -1, .flags = OF_MAND,
     .off = RULES_NOFIELD, .parse = nat_range_parse,
     .print = nat_range_print},
    NAT_FLAG("random"),
    NAT_FLAG("random-fully"),
    NAT_FLAG("persistent"),
};

static const struct rules_opt dnat_opts[] = {
    {.name = "to-destination", .type = OT_CUSTOM, .alias = -1,
     .flags = OF_MAND, .off = RULES_NOFIELD, .parse = nat_range_parse,
     .print = nat_range_print},
    NAT_FLAG("random"),
    NAT_FLAG("persistent"),
};

static const struct rules_opt masq_opts[] = {
    {.name = "to-ports", .type = OT_CUSTOM, .alias = -1,
     .off = RULES_NOFIELD, .parse = ports_parse, .print = ports_print},
    NAT_FLAG("random"),
    NAT_FLAG("random-fully"),
};

static const struct rules_opt redirect_opts[] = {
    {.name = "to-ports", .type = OT_CUSTOM, .alias = -1,
     .off = RULES_NOFIELD, .parse = ports_parse, .print = ports_print},
    NAT_FLAG("random"),
};

struct netmap_info {
    struct rules_host to;
};

static const struct rules_opt netmap_opts[] = {
    {.name = "to", .type = OT_HOST, .alias = -1, .flags = OF_MAND,
     .off = offsetof(struct netmap_info, to)},
};

/*
 * Evaluation: the target's parameters as a range in the kernel's form
 * (struct nf_nat_range2), handed to the pipeline, which binds the entry
 * (lib/nat, nf_nat_setup_info). The verdict is NF_ACCEPT unless the
 * binding fails (MASQUERADE without an address: NF_DROP).
 */
static bool
nat_flag(const struct rules_xt *xt, const char *name)
{
    for (int k = 1; k < xt->ext->n_opts; k++)
        if ((xt->seen & (1ull << k)) && !strcmp(xt->ext->opts[k].name, name))
            return true;
    return false;
}

static int
nat_action(const struct rules_xt *xt, struct rules_eval *ev)
{
    if (!ev->env || !ev->env->nat)
        return RULES_XT_ACCEPT;
    struct ctfw_nat_request req;
    memset(&req, 0, sizeof(req));
    char c = xt->ext->name[0];
    if (c == 'N') {
        /* NETMAP: the prefix as first..last address (xt_NETMAP's
         * min_ip/max_ip, mask = ~(min ^ max)). */
        const struct netmap_info *nm = (const void *)xt->data;
        req.target = CTFW_NAT_T_NETMAP;
        req.range.flags = CTFW_NAT_RANGE_MAP_IPS;
        for (int i = 0; i < 16; i++) {
            req.range.min_addr.b[i] = nm->to.addr.b[i] & nm->to.mask.b[i];
            req.range.max_addr.b[i] =
                (uint8_t)(nm->to.addr.b[i] | ~nm->to.mask.b[i]);
        }
        return ev->env->nat(ev->env->nat_arg, ev->skb, &req)
                   ? RULES_XT_ACCEPT
                   : RULES_XT_DROP;
    }
    const struct nat_info *n = (const void *)xt->data;
    req.target = c == 'S'   ? CTFW_NAT_T_SNAT
                 : c == 'D' ? CTFW_NAT_T_DNAT
                 : c == 'M' ? CTFW_NAT_T_MASQUERADE
                            : CTFW_NAT_T_REDIRECT;
    if (n->flags & NAT_MAP_IPS) {
        req.range.flags |= CTFW_NAT_RANGE_MAP_IPS;
        req.range.min_addr = n->min_addr;
        req.range.max_addr = n->max_addr;
    }
    if (n->flags & NAT_PROTO) {
        req.range.flags |= CTFW_NAT_RANGE_PROTO_SPECIFIED;
        req.range.min_port = (uint16_t)n->min_port;
        req.range.max_port = (uint16_t)n->max_port;
    }
    if (n->flags & NAT_OFFSET) {
        req.range.flags |= CTFW_NAT_RANGE_PROTO_OFFSET;
        req.range.base_port = (uint16_t)n->base_port;
    }
    if (nat_flag(xt, "random"))
        req.range.flags |= CTFW_NAT_RANGE_PROTO_RANDOM;
    if (nat_flag(xt, "random-fully"))
        req.range.flags |= CTFW_NAT_RANGE_PROTO_RANDOM_FULLY;
    if (nat_flag(xt, "persistent"))
        req.range.flags |= CTFW_NAT_RANGE_PERSISTENT;
    return ev->env->nat(ev->env->nat_arg, ev->skb, &req) ? RULES_XT_ACCEPT
                                                          : RULES_XT_DROP;
}

static bool
nat_needs_ct(const struct rules_xt *xt)
{
    (void)xt;
    return true;
}

/* -L: " to:ADDR[:PORTS]" (SNAT, DNAT), " masq ports: P", " redir
 * ports P", then " random" / " random-fully" / " persistent". */
static void
nat_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct nat_info *n = (const void *)xt->data;
    char c = xt->ext->name[0];
    (void)numeric;
    if (c == 'S' || c == 'D') {
        rbuf_puts(b, " to:");
        struct rbuf t = {0};
        nat_range_print(&t, xt, NULL);
        if (t.s)
            rbuf_puts(b, t.s + 1);
        rbuf_fini(&t);
    } else if (n->flags & NAT_PROTO) {
        rbuf_puts(b, c == 'M' ? " masq ports:" : " redir ports");
        ports_print(b, xt, NULL);
    }
    for (int k = 1; k < xt->ext->n_opts; k++)
        if (xt->seen & (1ull << k))
            rbuf_printf(b, " %s", xt->ext->opts[k].name);
}

#define NAT_T(nm, o, h, fin)                                                \
    {                                                                       \
        .name = nm, .target = true, .size = sizeof(struct nat_info),        \
        .n_opts = sizeof(o) / sizeof(o[0]), .opts = o,                      \
        .tables = RT_BIT(RT_NAT), .hooks = h, .final = fin,                 \
        .action = nat_action, .needs_ct = nat_needs_ct, .list = nat_list    \
    }

static const struct rules_ext ext_SNAT = NAT_T(
    "SNAT", snat_opts, RH_BIT(RH_POSTROUTING) | RH_BIT(RH_INPUT),
    NULL);
static const struct rules_ext ext_DNAT = NAT_T(
    "DNAT", dnat_opts, RH_BIT(RH_PREROUTING) | RH_BIT(RH_OUTPUT), NULL);
static const struct rules_ext ext_MASQUERADE = NAT_T(
    "MASQUERADE", masq_opts, RH_BIT(RH_POSTROUTING), NULL);
static const struct rules_ext ext_REDIRECT = NAT_T(
    "REDIRECT", redirect_opts, RH_BIT(RH_PREROUTING) | RH_BIT(RH_OUTPUT),
    NULL);

static void
netmap_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    (void)numeric;
    struct rbuf t = {0};
    rules_xt_save(&t, xt);
    const char *p = t.s ? strrchr(t.s, ' ') : NULL;
    rbuf_printf(b, " to:%s", p ? p + 1 : "");
    rbuf_fini(&t);
}

static const struct rules_ext ext_NETMAP = {
    .list = netmap_list,
    .name = "NETMAP",
    .target = true,
    .size = sizeof(struct netmap_info),
    .n_opts = 1,
    .opts = netmap_opts,
    .tables = RT_BIT(RT_NAT),
    .hooks = RH_BIT(RH_PREROUTING) | RH_BIT(RH_POSTROUTING) |
             RH_BIT(RH_OUTPUT) | RH_BIT(RH_INPUT),
    .action = nat_action,
    .needs_ct = nat_needs_ct,
};

const struct rules_ext *const rules_ext_nat[] = {
    &ext_SNAT, &ext_DNAT, &ext_MASQUERADE, &ext_REDIRECT, &ext_NETMAP,
    NULL,
};
