// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The option engine: parses one option of a match or target into its
 * binary field, checks the option-level rules that libxtables checks
 * (used once, inversion allowed, argument present, mandatory, mutual
 * exclusion) with libxtables' words, and prints options back in the
 * canonical order of the extension's table. One parser and one printer
 * per value type; no per-extension printers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_private.h"

int
rules_xt_init(struct rules_xt *xt, const struct rules_ext *ext)
{
    memset(xt, 0, sizeof(*xt));
    xt->ext = ext;
    xt->data = calloc(1, ext->size ? ext->size : 1);
    return xt->data ? 0 : -ENOMEM;
}

void
rules_xt_fini(struct rules_xt *xt)
{
    if (xt->rt && xt->ext && xt->ext->rt_free)
        xt->ext->rt_free(xt->rt);
    xt->rt = NULL;
    free(xt->data);
    xt->data = NULL;
}

int
rules_xt_copy(struct rules_xt *dst, const struct rules_xt *src)
{
    *dst = *src;
    dst->rt = NULL; /* its own state, created when first evaluated */
    dst->data = malloc(src->ext->size ? src->ext->size : 1);
    if (!dst->data)
        return -ENOMEM;
    memcpy(dst->data, src->data, src->ext->size);
    return 0;
}

void *
rules_xt_rt(const struct rules_xt *xt)
{
    if (!xt->rt && xt->ext->rt_new) {
        /* The rule is complete and otherwise immutable; its runtime
         * slot is the documented exception (rules_private.h). */
        struct rules_xt *w = (struct rules_xt *)(uintptr_t)xt;
        w->rt = xt->ext->rt_new(xt);
    }
    return xt->rt;
}

/* Index of option `name` (without "--"): exact, else a unique prefix as
 * getopt_long() accepts. -1 unknown, -2 ambiguous. */
int
rules_opt_find(const struct rules_ext *ext, const char *name, bool *exact)
{
    int found = -1;
    size_t n = strlen(name);
    for (int i = 0; i < ext->n_opts; i++) {
        if (!strcmp(ext->opts[i].name, name)) {
            *exact = true;
            return i;
        }
    }
    *exact = false;
    for (int i = 0; i < ext->n_opts; i++) {
        if (!strncmp(ext->opts[i].name, name, n)) {
            if (found >= 0)
                return -2;
            found = i;
        }
    }
    return found;
}

const char *
rules_opt_errname(const struct rules_opt *o)
{
    return o->errname ? o->errname : o->name;
}

/* Expand the single "%s" of a message template (no printf: the
 * templates are data). */
void
rules_fmt1(char *out, size_t n, const char *tmpl, const char *arg)
{
    const char *p = strstr(tmpl, "%s");
    if (!p) {
        snprintf(out, n, "%s", tmpl);
        return;
    }
    snprintf(out, n, "%.*s%s%s", (int)(p - tmpl), tmpl, arg, p + 2);
}

/* A bad value: the extension's own words, else libxtables'. */
int
rules_opt_bad(struct rules_ctx *ctx, const struct rules_xt *xt,
              const struct rules_opt *o, const char *arg)
{
    if (o->badmsg) {
        char msg[512];
        rules_fmt1(msg, sizeof(msg), o->badmsg, arg);
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM, "%s", msg);
    } else
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "%s: bad value for option \"--%s\", or out of range "
                  "(%u-%u).\n",
                  xt->ext->name, rules_opt_errname(o), o->min, o->max);
    return -1;
}

static int
bad_value(struct rules_ctx *ctx, const struct rules_xt *xt,
          const struct rules_opt *o, const char *arg)
{
    return rules_opt_bad(ctx, xt, o, arg);
}

/* xtopt_parse_mint() names the part of a range it could not read. */
static int
bad_range(struct rules_ctx *ctx, const struct rules_xt *xt,
          const struct rules_opt *o, const char *arg)
{
    char tmp[128];
    snprintf(tmp, sizeof(tmp), "%s", arg);
    char *colon = strchr(tmp, ':');
    const char *near = tmp;
    if (colon) {
        *colon = '\0';
        uint32_t v;
        if (!tmp[0] || !rules_parse_uint(tmp, o->min, o->max, &v))
            near = colon + 1;
    }
    if (o->badmsg)
        return rules_opt_bad(ctx, xt, o, arg);
    rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
              "%s: bad value for option \"--%s\" near \"%s\", or out of "
              "range (%u-%u).\n",
              xt->ext->name, rules_opt_errname(o), near, o->min, o->max);
    return -1;
}

/* xtopt_parse_markmask(). */
static int
bad_mark(struct rules_ctx *ctx, const struct rules_xt *xt,
         const struct rules_opt *o, const char *arg)
{
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%s", arg);
    char *slash = strchr(tmp, '/');
    uint32_t v;
    if (slash) {
        *slash = '\0';
        char *end;
        if (!rules_parse_uint(tmp, 0, 0xffffffffu, &v) &&
            (strtoul(slash + 1, &end, 0), *end != '\0') && end != slash + 1) {
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "%s: trailing garbage after value for option "
                      "\"--%s\".\n",
                      xt->ext->name, o->name);
            return -1;
        }
    }
    rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
              "%s: bad integer value for option \"--%s\", or out of "
              "range.\n",
              xt->ext->name, o->name);
    return -1;
}

int
rules_parse_markmask(struct rules_ctx *ctx, const struct rules_xt *xt,
                     const struct rules_opt *o, const char *arg,
                     struct rules_mark *m)
{
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%s", arg);
    char *slash = strchr(tmp, '/');
    if (slash)
        *slash++ = '\0';
    m->mask = 0xffffffffu;
    if (rules_parse_uint(tmp, 0, 0xffffffffu, &m->val) ||
        (slash && rules_parse_uint(slash, 0, 0xffffffffu, &m->mask)))
        return bad_mark(ctx, xt, o, arg);
    return 0;
}

static int
parse_names(const struct rules_name *names, const char *arg, uint32_t *out,
            bool list)
{
    uint32_t v = 0;
    const char *p = arg;
    for (;;) {
        const char *e = list ? strchr(p, ',') : NULL;
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const struct rules_name *nm = names;
        for (; nm->name; nm++)
            if (strlen(nm->name) == n && !strncasecmp(nm->name, p, n))
                break;
        if (!nm->name)
            return -EINVAL;
        v |= nm->val;
        if (!list) {
            *out = nm->val;
            return 0;
        }
        if (!e)
            break;
        p = e + 1;
    }
    *out = v;
    return 0;
}

static int
parse_range(const char *arg, uint32_t min, uint32_t max, struct rules_range *r,
            bool ports, const char *proto)
{
    char tmp[128];
    size_t n = strlen(arg);
    if (n >= sizeof(tmp))
        return -EINVAL;
    memcpy(tmp, arg, n + 1);
    char *colon = strchr(tmp, ':');
    uint32_t lo = min, hi = max;
    if (colon)
        *colon = '\0';
    if (ports) {
        if (tmp[0] && rules_parse_port(tmp, proto, &lo))
            return -EINVAL;
        if (colon && colon[1] && rules_parse_port(colon + 1, proto, &hi))
            return -EINVAL;
        if (!tmp[0] && !colon)
            return -EINVAL;
    } else {
        /* "a", "a:b", ":b" and "a:" as xtables_parse_range(). */
        if ((tmp[0] || !colon) && rules_parse_uint(tmp, min, max, &lo))
            return -EINVAL;
        if (colon && colon[1] && rules_parse_uint(colon + 1, min, max, &hi))
            return -EINVAL;
    }
    if (!colon)
        hi = lo;
    r->lo = lo;
    r->hi = hi;
    return 0;
}

int
rules_opt_apply(struct rules_ctx *ctx, struct rules_xt *xt, int idx,
                bool invert, const char *arg, const char *arg2)
{
    const struct rules_opt *o = &xt->ext->opts[idx];
    int bit = o->alias >= 0 ? o->alias : idx;
    uint64_t ebit = 1ull << bit;
    const char *en = xt->ext->name;

    if (!(o->flags & OF_MULTI) && (xt->seen & ebit)) {
        if (o->dupmsg)
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM, "%s", o->dupmsg);
        else
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "%s: option \"--%s\" can only be used once.\n", en,
                      rules_opt_errname(o));
        return -1;
    }
    if (o->flags & OF_UNSUPP) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "%s: option \"--%s\" is not supported by ctfw", en, o->name);
        return -1;
    }
    if (invert && !(o->flags & OF_INVERT)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "%s: option \"--%s\" cannot be inverted.\n", en, o->name);
        return -1;
    }
    void *f = o->off == RULES_NOFIELD ? NULL : XT_DATA(xt, o->off);
    int rc = 0;
    switch (o->type) {
    case OT_NONE:
        if (f)
            *(uint32_t *)f |= o->bits;
        break;
    case OT_UINT:
        if (rules_parse_uint(arg, o->min, o->max, f))
            return bad_value(ctx, xt, o, arg);
        break;
    case OT_UINTRANGE:
        if (parse_range(arg, o->min, o->max, f, false, NULL))
            return bad_range(ctx, xt, o, arg);
        break;
    case OT_PORT: {
        if (rules_parse_port(arg, NULL, f)) {
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "invalid port/service `%s' specified", arg);
            return -1;
        }
        break;
    }
    case OT_PORTRANGE: {
        struct rules_range *r = f;
        if ((o->flags & OF_WRAP16) &&
            !parse_range(arg, 0, 0xffffffffu, r, false, NULL)) {
            r->lo &= 0xffff;
            r->hi = strchr(arg, ':') && !strchr(arg, ':')[1] ? 65535
                                                             : r->hi & 0xffff;
        } else if (parse_range(arg, 0, 65535, r, true,
                               rules_rule_proto_name(ctx->rule))) {
            /* xtables_parse_port(): the failing half is named. */
            char tmp[128];
            snprintf(tmp, sizeof(tmp), "%s", arg);
            char *c = strchr(tmp, ':');
            const char *bad = tmp;
            if (c) {
                *c = '\0';
                uint32_t dummy;
                if (!tmp[0] || !rules_parse_port(tmp, NULL, &dummy))
                    bad = c + 1;
            }
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "invalid port/service `%s' specified", bad);
            return -1;
        }
        if (r->lo > r->hi && !(o->flags & OF_WRAP16)) {
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "invalid portrange (min > max)");
            return -1;
        }
        break;
    }
    case OT_MARK:
        if (rules_parse_markmask(ctx, xt, o, arg, f))
            return -1;
        break;
    case OT_STRING: {
        size_t n = strlen(arg);
        if (n < o->min) {
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "Argument must have a minimum length of %u "
                      "characters\n",
                      o->min);
            return -1;
        }
        /* xtopt_parse_string(): a longer text is cut to the field;
         * interface names go through xtables_parse_interface(). */
        if (n > o->max) {
            if (o->flags & OF_IFNAME) {
                rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                          "interface name `%s' must be shorter than "
                          "IFNAMSIZ (%u)",
                          arg, o->max);
                return -1;
            }
            n = o->max;
        }
        memcpy(f, arg, n);
        ((char *)f)[n] = '\0';
        break;
    }
    case OT_HOST:
    case OT_ADDRRANGE: {
        struct rules_host *h = f;
        int fam = ctx->family;
        if (o->type == OT_ADDRRANGE) {
            char tmp[128];
            snprintf(tmp, sizeof(tmp), "%s", arg);
            char *dash = strchr(tmp, '-');
            struct rules_host a, b;
            if (dash)
                *dash++ = '\0';
            if (rules_parse_host(fam, tmp, &a, false) ||
                (dash && rules_parse_host(fam, dash, &b, false))) {
                return rules_opt_bad(
                    ctx, xt, o,
                    dash && !rules_parse_host(fam, tmp, &a, false) ? dash
                                                                   : tmp);
            }
            h->addr = a.addr;
            h->mask = dash ? b.addr : a.addr;
        } else if (rules_parse_host(fam, arg, h, true)) {
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "host/network `%s' not found", arg);
            return -1;
        } else if (o->flags & OF_KEEPADDR) {
            /* conntrack keeps the address as given, mask apart. */
            struct rules_host raw;
            char tmp[128];
            snprintf(tmp, sizeof(tmp), "%s", arg);
            char *slash = strchr(tmp, '/');
            if (slash)
                *slash = '\0';
            if (!rules_parse_host(fam, tmp, &raw, false))
                h->addr = raw.addr;
        }
        break;
    }
    case OT_NAMES:
    case OT_ENUM: {
        uint32_t v;
        if (parse_names(o->names, arg, &v, o->type == OT_NAMES)) {
            if (!(o->flags & OF_NUMOK) ||
                rules_parse_uint(arg, o->min, o->max, &v)) {
                if (o->type == OT_NAMES && o->badmsg) {
                    /* Name the first word that is not known. */
                    char tmp[256];
                    snprintf(tmp, sizeof(tmp), "%s", arg);
                    char *p = tmp;
                    for (;;) {
                        char *e = strchr(p, ',');
                        if (e)
                            *e = '\0';
                        uint32_t one;
                        if (parse_names(o->names, p, &one, false) || !e)
                            break;
                        p = e + 1;
                    }
                    return rules_opt_bad(ctx, xt, o, p);
                }
                return rules_opt_bad(ctx, xt, o, arg);
            }
        }
        *(uint32_t *)f = v;
        break;
    }
    case OT_CUSTOM:
        rc = o->parse(ctx, xt, o, arg, arg2);
        if (rc)
            return -1;
        break;
    }
    xt->seen |= ebit;
    if (invert)
        xt->inv |= ebit;
    return 0;
}

/* libxtables' final check: mandatory options and exclusions, then the
 * extension's own. */
int
rules_opt_final(struct rules_ctx *ctx, struct rules_xt *xt,
                const struct rules_rule *r)
{
    const struct rules_ext *ext = xt->ext;
    ctx->cur = rules_tok_at(ctx, xt->col);
    for (int i = 0; i < ext->n_opts; i++) {
        const struct rules_opt *o = &ext->opts[i];
        if (o->alias >= 0)
            continue;
        if (!(xt->seen & (1ull << i))) {
            if (o->flags & OF_MAND) {
                rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                          "%s: option \"--%s\" must be specified\n", ext->name,
                          rules_opt_errname(o));
                return -1;
            }
            continue;
        }
        for (int j = 0; j < ext->n_opts; j++) {
            if (j != i && (o->excl & (1ull << j)) &&
                (xt->seen & (1ull << j))) {
                rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                          "%s: option \"--%s\" cannot be used together "
                          "with \"--%s\".\n",
                          ext->name, rules_opt_errname(o),
                          rules_opt_errname(&ext->opts[j]));
                return -1;
            }
        }
    }
    if (ext->final)
        return ext->final(ctx, xt, r);
    return 0;
}

static void
print_value(struct rbuf *b, const struct rules_xt *xt, int family,
            const struct rules_opt *o)
{
    const void *f = o->off == RULES_NOFIELD ? NULL : XT_DATA(xt, o->off);
    switch (o->type) {
    case OT_NONE:
        break;
    case OT_UINT:
        rbuf_printf(b, (o->flags & OF_HEX) ? " 0x%x" : " %u",
                    *(const uint32_t *)f);
        break;
    case OT_UINTRANGE:
    case OT_PORTRANGE: {
        const struct rules_range *r = f;
        if (r->lo == r->hi)
            rbuf_printf(b, " %u", r->lo);
        else
            rbuf_printf(b, " %u:%u", r->lo, r->hi);
        break;
    }
    case OT_PORT:
        rbuf_printf(b, " %u", *(const uint32_t *)f);
        break;
    case OT_MARK: {
        const struct rules_mark *m = f;
        if (m->mask == 0xffffffffu && !(o->flags & OF_FULLMASK))
            rbuf_printf(b, " 0x%x", m->val);
        else
            rbuf_printf(b, " 0x%x/0x%x", m->val, m->mask);
        break;
    }
    case OT_STRING:
        if (o->flags & OF_QUOTE)
            rules_save_string(b, f);
        else
            rbuf_printf(b, " %s", (const char *)f);
        break;
    case OT_HOST: {
        const struct rules_host *h = f;
        rbuf_putc(b, ' ');
        rules_print_addr(b, family, &h->addr);
        int len = rules_mask_len(family, &h->mask);
        int full = family == 6 ? 128 : 32;
        if (len < 0) {
            rbuf_putc(b, '/');
            rules_print_addr(b, family, &h->mask);
        } else if (len != full || !(o->flags & OF_PLAIN32)) {
            rbuf_printf(b, "/%d", len);
        }
        break;
    }
    case OT_ADDRRANGE: {
        const struct rules_host *h = f;
        rbuf_putc(b, ' ');
        rules_print_addr(b, family, &h->addr);
        rbuf_putc(b, '-');
        rules_print_addr(b, family, &h->mask);
        break;
    }
    case OT_NAMES: {
        uint32_t v = *(const uint32_t *)f;
        bool first = true;
        for (const struct rules_name *n = o->names; n->name; n++) {
            if ((v & n->val) == n->val && (n->val || !v)) {
                rbuf_puts(b, first ? " " : ",");
                rbuf_puts(b, n->name);
                first = false;
                v &= ~n->val;
            }
        }
        break;
    }
    case OT_ENUM: {
        uint32_t v = *(const uint32_t *)f;
        if (o->flags & OF_PRNUM) {
            rbuf_printf(b, " %u", v);
            break;
        }
        for (const struct rules_name *n = o->names; n->name; n++)
            if (n->val == v) {
                rbuf_printf(b, " %s", n->name);
                return;
            }
        rbuf_printf(b, " %u", v);
        break;
    }
    case OT_CUSTOM:
        if (o->print)
            o->print(b, xt, o);
        break;
    }
}

/* The options of one match or target in canonical save order. */
void
rules_xt_save(struct rbuf *b, const struct rules_xt *xt)
{
    const struct rules_ext *ext = xt->ext;
    int family = xt->family == 6 ? 6 : 4;
    for (int i = 0; i < ext->n_opts; i++) {
        const struct rules_opt *o = &ext->opts[i];
        uint64_t bit = 1ull << i;
        if (o->alias >= 0 || (o->flags & OF_NOSAVE) || !(xt->seen & bit))
            continue;
        bool inv = xt->inv & bit;
        if (inv && !(o->flags & OF_PRINTINV))
            rbuf_puts(b, " !");
        rbuf_printf(b, " --%s", o->name);
        if (inv && (o->flags & OF_PRINTINV))
            rbuf_puts(b, " !");
        print_value(b, xt, family, o);
    }
}
