// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * iptables -L [-n] [-v] [-x] [--line-numbers] in the iptables 1.8.9
 * layout: print_header(), print_rule_details(), xtables_print_num() of
 * libxtables, with their quirks (the -x header is two columns wider
 * than the rows; prot is numeric with -n; K/M/G/T rounding). Each
 * match and target prints its own text through its extension's list
 * callback; an extension without one prints its save options without
 * the dashes.
 *
 * Without -n iptables resolves names through the resolver and
 * /etc/services; the core does no I/O, so addresses stay numeric
 * ("anywhere" for /0), protocols use the built-in /etc/protocols table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_private.h"

#define FMT_NUMERIC 0x01
#define FMT_NOCOUNTS 0x02
#define FMT_KMG 0x04
#define FMT_LINENUM 0x08
#define FMT_VIA 0x10

/* print_ports() of libxt_tcp/udp: " dpt:80", " dpts:!1:1023". A full
 * range that is not inverted prints nothing. */
static void
list_port(struct rbuf *b, unsigned port, const char *proto, bool numeric)
{
    const char *n = numeric ? NULL : rules_port_name(port, proto);
    if (n)
        rbuf_puts(b, n);
    else
        rbuf_printf(b, "%u", port);
}

void
rules_list_ports(struct rbuf *b, const char *name, const struct rules_range *r,
                 bool inv, const char *proto, bool numeric)
{
    if (r->lo == 0 && r->hi == 0xffff && !inv)
        return;
    if (r->lo == r->hi) {
        rbuf_printf(b, " %s:%s", name, inv ? "!" : "");
        list_port(b, r->lo, proto, numeric);
    } else {
        rbuf_printf(b, " %ss:%s", name, inv ? "!" : "");
        list_port(b, r->lo, proto, numeric);
        rbuf_putc(b, ':');
        list_port(b, r->hi, proto, numeric);
    }
}

/* xtables_print_num(); notable: no padding (chain headers). */
static void
print_num(struct rbuf *b, unsigned long long n, unsigned fmt, bool notable)
{
    if (!(fmt & FMT_KMG)) {
        rbuf_printf(b, notable ? "%llu " : "%8llu ", n);
        return;
    }
    if (n <= 99999) {
        rbuf_printf(b, notable ? "%llu " : "%5llu ", n);
        return;
    }
    static const char unit[] = "KMG";
    for (int i = 0; i < 3; i++) {
        n = (n + 500) / 1000;
        if (n <= 9999) {
            rbuf_printf(b, notable ? "%llu%c " : "%4llu%c ", n, unit[i]);
            return;
        }
    }
    n = (n + 500) / 1000;
    rbuf_printf(b, notable ? "%lluT " : "%4lluT ", n);
}

static void
print_header(struct rbuf *b, const struct rules_chain *c, unsigned fmt)
{
    rbuf_printf(b, "Chain %s", c->name);
    if (c->builtin) {
        rbuf_printf(b, " (policy %s",
                    c->policy == RV_DROP ? "DROP" : "ACCEPT");
        if (!(fmt & FMT_NOCOUNTS)) {
            rbuf_putc(b, ' ');
            print_num(b, c->pkts, fmt, true);
            rbuf_puts(b, "packets, ");
            print_num(b, c->bytes, fmt, true);
            rbuf_puts(b, "bytes");
        }
        rbuf_puts(b, ")\n");
    } else {
        rbuf_printf(b, " (%u references)\n", c->refs);
    }
    if (fmt & FMT_LINENUM)
        rbuf_printf(b, "%-4s ", "num");
    if (!(fmt & FMT_NOCOUNTS)) {
        if (fmt & FMT_KMG)
            rbuf_printf(b, "%5s %5s ", "pkts", "bytes");
        else
            rbuf_printf(b, "%8s %10s ", "pkts", "bytes");
    }
    rbuf_printf(b, "%-9s ", "target");
    rbuf_puts(b, " prot opt");
    if (fmt & FMT_VIA)
        rbuf_printf(b, " %-6s %-6s ", "in", "out");
    rbuf_printf(b, " %-19s ", "source");
    rbuf_printf(b, " %-19s ", "destination");
    rbuf_putc(b, '\n');
}

static void
print_addr(struct rbuf *b, const struct rules_rule *r, bool dst, unsigned fmt)
{
    const union ctfw_addr *a = dst ? &r->dst : &r->src;
    const union ctfw_addr *m = dst ? &r->dmsk : &r->smsk;
    bool inv = r->inv & (dst ? RINV_DST : RINV_SRC);
    rbuf_putc(b, inv ? '!' : ' ');
    int len = rules_mask_len(r->family, m);
    size_t start = b->len;
    static const uint8_t lo6[16] = {[15] = 1};
    bool full_mask = len == (r->family == 6 ? 128 : 32);
    bool lo = r->family == 6 ? !memcmp(a->b, lo6, 16)
                             : (a->b[0] == 127 && a->b[1] == 0 &&
                                a->b[2] == 0 && a->b[3] == 1);
    if (len == 0 && !(fmt & FMT_NUMERIC)) {
        rbuf_puts(b, "anywhere");
    } else if (lo && full_mask && !(fmt & FMT_NUMERIC)) {
        /* /etc/hosts; other names would need the resolver. */
        rbuf_puts(b, "localhost");
    } else {
        rules_print_addr(b, r->family, a);
        int full = r->family == 6 ? 128 : 32;
        if (len < 0) {
            rbuf_putc(b, '/');
            rules_print_addr(b, r->family, m);
        } else if (len != full) {
            rbuf_printf(b, "/%d", len);
        }
    }
    rbuf_pad(b, start, 19);
    rbuf_putc(b, ' ');
}

static void
print_iface(struct rbuf *b, const char *name, bool inv, unsigned fmt,
            bool lead)
{
    char buf[RULES_IFNAMSIZ + 2];
    snprintf(buf, sizeof(buf), "%s%s", inv ? "!" : "",
             name[0]               ? name
             : (fmt & FMT_NUMERIC) ? "*"
                                   : "any");
    rbuf_printf(b, lead ? " %-6s " : "%-6s ", buf);
}

static const char *
target_name(const struct rules_rule *r)
{
    switch (r->verdict) {
    case RV_NONE:
        return "";
    case RV_ACCEPT:
        return "ACCEPT";
    case RV_DROP:
        return "DROP";
    case RV_RETURN:
        return "RETURN";
    case RV_QUEUE:
        return "QUEUE";
    case RV_JUMP:
    case RV_GOTO:
        return r->jump;
    case RV_EXT:
        /* -j NOTRACK is CT with the notrack alias flag. */
        if (!strcmp(r->tg.ext->name, "NOTRACK"))
            return "CT";
        return r->tg.ext->save_name ? r->tg.ext->save_name : r->tg.ext->name;
    }
    return "";
}

/* Fallback: " name opt value ..." from the save text. */
static void
list_generic(struct rbuf *b, const struct rules_xt *xt)
{
    struct rbuf t = {0};
    rules_xt_save(&t, xt);
    rbuf_printf(b, " %s", xt->ext->name);
    if (t.s) {
        const char *p = t.s;
        while (*p) {
            if (p[0] == ' ' && p[1] == '-' && p[2] == '-') {
                rbuf_putc(b, ' ');
                p += 3;
                continue;
            }
            rbuf_putc(b, *p++);
        }
    }
    rbuf_fini(&t);
}

static void
list_xt(struct rbuf *b, const struct rules_xt *xt, unsigned fmt)
{
    if (xt->ext->list)
        xt->ext->list(b, xt, fmt & FMT_NUMERIC);
    else
        list_generic(b, xt);
}

static void
print_rule(struct rbuf *b, const struct rules_rule *r, unsigned num,
           unsigned fmt)
{
    if (fmt & FMT_LINENUM)
        rbuf_printf(b, "%-4u ", num);
    if (!(fmt & FMT_NOCOUNTS)) {
        print_num(b, r->pkts, fmt, false);
        print_num(b, r->bytes, fmt, false);
    }
    rbuf_printf(b, "%-9s ", target_name(r));
    rbuf_putc(b, (r->inv & RINV_PROTO) ? '!' : ' ');
    unsigned proto = r->proto_set ? r->proto : 0;
    /* "%-4s ": a longer name pushes the rest right. iptables 1.8.9
     * prints the number with -n (1.8.10 reverted to names). */
    const char *pn = proto ? rules_proto_name(proto) : "all";
    if ((fmt & FMT_NUMERIC) || !pn)
        rbuf_printf(b, "%-4u ", proto);
    else
        rbuf_printf(b, "%-4s ", pn);
    rbuf_putc(b, (r->inv & RINV_FRAG) ? '!' : '-');
    rbuf_putc(b, r->frag ? 'f' : '-');
    rbuf_putc(b, ' ');
    if (fmt & FMT_VIA) {
        print_iface(b, r->in, r->inv & RINV_IN, fmt, true);
        print_iface(b, r->out, r->inv & RINV_OUT, fmt, false);
    }
    print_addr(b, r, false, fmt);
    print_addr(b, r, true, fmt);
    if (r->verdict == RV_GOTO)
        rbuf_puts(b, "[goto] ");
    struct rules_view v;
    if (rules_rule_view(r, &v))
        b->oom = true;
    for (size_t i = 0; i < v.n; i++)
        list_xt(b, v.m[i], fmt);
    rules_rule_view_fini(&v);
    if (r->verdict == RV_EXT)
        list_xt(b, &r->tg, fmt);
    rbuf_putc(b, '\n');
}

static int
cmp_chain(const void *a, const void *b)
{
    const struct rules_chain *x = *(const struct rules_chain *const *)a;
    const struct rules_chain *y = *(const struct rules_chain *const *)b;
    if (x->builtin != y->builtin)
        return x->builtin ? -1 : 1;
    if (x->builtin)
        return x->hook - y->hook;
    return strcmp(x->name, y->name);
}

int
ctfw_rules_list(const struct ctfw_ruleset *rs,
                const struct ctfw_rules_list_params *p, char **out,
                size_t *out_len)
{
    struct ctfw_rules_list_params def = {0};
    if (!p)
        p = &def;
    int table = rules_table_find(p->table ? p->table : "filter");
    if (table < 0)
        return -ENOENT;
    const struct rules_table *t = &rs->tables[table];
    unsigned fmt = 0;
    if (!p->verbose)
        fmt |= FMT_NOCOUNTS;
    else
        fmt |= FMT_VIA;
    if (p->numeric)
        fmt |= FMT_NUMERIC;
    if (!p->exact)
        fmt |= FMT_KMG;
    if (p->line_numbers)
        fmt |= FMT_LINENUM;

    struct rules_chain **v =
        malloc((t->n_chains ? t->n_chains : 1) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    if (t->n_chains) {
        memcpy(v, t->chains, t->n_chains * sizeof(*v));
        qsort(v, t->n_chains, sizeof(*v), cmp_chain);
    }
    struct rbuf b = {0};
    bool found = false;
    for (size_t i = 0; i < t->n_chains; i++) {
        const struct rules_chain *c = v[i];
        if (p->chain && strcmp(p->chain, c->name))
            continue;
        if (found)
            rbuf_putc(&b, '\n');
        found = true;
        print_header(&b, c, fmt);
        for (size_t j = 0; j < c->n_rules; j++)
            print_rule(&b, c->rules[j], (unsigned)j + 1, fmt);
    }
    free(v);
    if (p->chain && !found) {
        rbuf_fini(&b);
        return -ENOENT;
    }
    *out = rbuf_take(&b, out_len);
    return *out ? 0 : -ENOMEM;
}
