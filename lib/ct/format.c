// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Text formats byte-compatible with conntrack-tools 1.4.7 (`conntrack -L`,
 * `-E`, `-S`, `-C`) and Linux 6.x procfs (/proc/net/nf_conntrack,
 * /proc/net/stat/nf_conntrack). Field order follows
 * __snprintf_conntrack_default() (libnetfilter_conntrack) and
 * ct_seq_show() (nf_conntrack_standalone.c).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ct_private.h"

/* The bounded appender of ct_private.h (shared with expect.c). */
void
ct_out_put(struct ct_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->pos < o->len ? o->len - o->pos : 0;
    int n = vsnprintf(room ? o->buf + o->pos : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->pos += (size_t)n;
}

static int
finish(struct ct_out *o, bool drop_trailing_space)
{
    if (drop_trailing_space && o->pos > 0) {
        o->pos--;
        if (o->pos < o->len)
            o->buf[o->pos] = '\0';
    }
    if (o->len && o->pos >= o->len)
        o->buf[o->len - 1] = '\0';
    return (int)o->pos;
}

static void
put_addr(struct ct_out *o, uint8_t family, const union ctfw_addr *a, bool full)
{
    if (family == 4) {
        ct_out_put(o, "%u.%u.%u.%u", a->b[0], a->b[1], a->b[2], a->b[3]);
    } else if (full) {
        /* %pI6: eight groups of four hex digits. */
        for (int i = 0; i < 8; i++)
            ct_out_put(o, "%s%02x%02x", i ? ":" : "", a->b[2 * i], a->b[2 * i + 1]);
    } else {
        char s[INET6_ADDRSTRLEN];
        if (!inet_ntop(AF_INET6, a->b, s, sizeof(s)))
            s[0] = '\0';
        ct_out_put(o, "%s", s);
    }
}

static void
put_tuple(struct ct_out *o, const struct ctfw_ct_entry *e, int dir, bool full)
{
    struct ct_tuple tt = ct_tuple_of(e, dir);
    const struct ct_tuple *t = &tt;
    const struct ct_l4proto *l4 = ct_l4proto_find(e->family, e->proto);
    ct_out_put(o, "src=");
    put_addr(o, e->family, &t->src, full);
    ct_out_put(o, " dst=");
    put_addr(o, e->family, &t->dst, full);
    ct_out_put(o, " ");
    if (l4->has_ports)
        ct_out_put(o, "sport=%u dport=%u ", t->sport, t->dport);
    else if (l4 == &ct_l4proto_icmp || l4 == &ct_l4proto_icmpv6)
        ct_out_put(o, "type=%u code=%u id=%u ", t->dport >> 8, t->dport & 0xff,
            t->sport);
    else if (l4 == &ct_l4proto_gre)
        ct_out_put(o, "srckey=0x%x dstkey=0x%x ", t->sport, t->dport);
}

static void
put_l3(struct ct_out *o, const struct ctfw_ct_entry *e)
{
    ct_out_put(o, "%-8s %u ", e->family == 6 ? "ipv6" : "ipv4",
        e->family == 6 ? 10u : 2u);
}

static void
put_l4(struct ct_out *o, const struct ctfw_ct_entry *e)
{
    ct_out_put(o, "%-8s %u ", ct_l4proto_find(e->family, e->proto)->name, e->proto);
}

static void
put_counters(struct ct_out *o, const struct ctfw_ct *ct,
             const struct ctfw_ct_entry *e, int dir)
{
    const struct ct_acct *a = ct_acct_of(ct, e);
    if (a)
        ct_out_put(o, "packets=%llu bytes=%llu ",
            (unsigned long long)a->packets[dir],
            (unsigned long long)a->bytes[dir]);
}

static void
put_state(struct ct_out *o, const struct ctfw_ct_entry *e)
{
    const struct ct_l4proto *l4 = ct_l4proto_find(e->family, e->proto);
    if (l4->state_name)
        ct_out_put(o, "%s ", l4->state_name(e));
}

/* The body shared by -L and -E: tuples, status words. */
static void
put_body(struct ct_out *o, const struct ctfw_ct *ct,
         const struct ctfw_ct_entry *e, bool counters, bool full)
{
    put_tuple(o, e, 0, full);
    if (counters)
        put_counters(o, ct, e, 0);
    if (!(e->status & CTFW_CT_S_SEEN_REPLY))
        ct_out_put(o, "[UNREPLIED] ");
    put_tuple(o, e, 1, full);
    if (counters)
        put_counters(o, ct, e, 1);
    if (e->status & CTFW_CT_S_HW_OFFLOAD)
        ct_out_put(o, "[HW_OFFLOAD] ");
    else if (e->status & CTFW_CT_S_OFFLOAD)
        ct_out_put(o, "[OFFLOAD] ");
    else if (e->status & CTFW_CT_S_ASSURED)
        ct_out_put(o, "[ASSURED] ");
}

/* helper=NAME (CTA_HELP), after delta-time and before use= as
 * __snprintf_conntrack_default() orders them. */
static void
put_helper(struct ct_out *o, const struct ctfw_ct_entry *e)
{
    const char *hn = ctfw_ct_helper_name((enum ctfw_ct_helper)e->helper);
    if (hn)
        ct_out_put(o, "helper=%s ", hn);
}

static unsigned
users(const struct ctfw_ct *ct, const struct ctfw_ct_entry *e)
{
    const struct ct_help *h = ct_help_of(ct, e);
    return h ? h->children : 0;
}

int
ctfw_ct_format_entry(const struct ctfw_ct *ct, const struct ctfw_ct_entry *e,
                     uint64_t now_ns, unsigned flags, char *buf, size_t len)
{
    struct ct_out o = {buf, len, 0};
    if (flags & CTFW_CT_FMT_EXTENDED)
        put_l3(&o, e);
    put_l4(&o, e);
    ct_out_put(&o, "%lld ", (long long)ctfw_ct_entry_expires(ct, e, now_ns));
    put_state(&o, e);
    put_body(&o, ct, e, true, false);
    ct_out_put(&o, "mark=%u ", e->mark);
    if (e->zone)
        ct_out_put(&o, "zone=%u ", e->zone);
    if (e->eflags & CT_E_TSTAMP)
        ct_out_put(&o, "delta-time=%llu ",
            (unsigned long long)(now_ns / CT_NS_PER_SEC -
                                 ct_tstamp_of(ct, e) / CT_NS_PER_SEC));
    put_helper(&o, e);
    /* CTA_USE: the table's reference plus one per live expected child
     * (child->master pins the master). */
    ct_out_put(&o, "use=%u ", 1u + users(ct, e));
    if (flags & CTFW_CT_FMT_ID)
        ct_out_put(&o, "id=%u ", ctfw_ct_entry_id(e));
    return finish(&o, true);
}

int
ctfw_ct_format_proc(const struct ctfw_ct *ct, const struct ctfw_ct_entry *e,
                    uint64_t now_ns, char *buf, size_t len)
{
    struct ct_out o = {buf, len, 0};
    put_l3(&o, e);
    put_l4(&o, e);
    ct_out_put(&o, "%lld ", (long long)ctfw_ct_entry_expires(ct, e, now_ns));
    put_state(&o, e);
    if (e->proto == 47)
        ct_out_put(&o, "timeout=%u, stream_timeout=%u ", ct->cfg.gre_timeout,
            ct->cfg.gre_timeout_stream);
    put_body(&o, ct, e, true, true);
    ct_out_put(&o, "mark=%u zone=%u ", e->mark, e->zone);
    if (e->eflags & CT_E_TSTAMP) {
        uint64_t st = ct_tstamp_of(ct, e);
        ct_out_put(&o, "delta-time=%llu ",
            (unsigned long long)(now_ns > st ? (now_ns - st) / CT_NS_PER_SEC
                                             : 0));
    }
    /* The reader holds a reference too. */
    ct_out_put(&o, "use=%u", 2u + users(ct, e));
    return finish(&o, false);
}

int
ctfw_ct_format_event(const struct ctfw_ct *ct, const struct ctfw_ct_event *ev,
                     unsigned flags, char *buf, size_t len)
{
    struct ct_out o = {buf, len, 0};
    const struct ctfw_ct_entry *e = ev->entry;
    static const char *const tags[] = {"[NEW]", "[UPDATE]", "[DESTROY]"};
    if (flags & CTFW_CT_FMT_TIMESTAMP)
        ct_out_put(&o, "[%llu.%06llu]\t",
            (unsigned long long)(ev->now_ns / CT_NS_PER_SEC),
            (unsigned long long)(ev->now_ns % CT_NS_PER_SEC / 1000));
    ct_out_put(&o, "%9s ", tags[ev->type <= CTFW_CT_EVENT_DESTROY ? ev->type : 1]);
    if (flags & CTFW_CT_FMT_EXTENDED)
        put_l3(&o, e);
    put_l4(&o, e);
    bool destroy = ev->type == CTFW_CT_EVENT_DESTROY;
    /* ctnetlink_dump_timeout(): a DESTROY event omits a zero timeout
     * (expired entries) but shows what is left of a killed one. */
    int64_t left = ctfw_ct_entry_expires(ct, e, ev->now_ns);
    if (!destroy || left > 0)
        ct_out_put(&o, "%lld ", (long long)left);
    put_state(&o, e);
    /* Counters travel with DESTROY events only. */
    put_body(&o, ct, e, destroy, false);
    if (e->mark)
        ct_out_put(&o, "mark=%u ", e->mark);
    if (e->zone)
        ct_out_put(&o, "zone=%u ", e->zone);
    if (destroy && (e->eflags & CT_E_TSTAMP))
        ct_out_put(&o, "delta-time=%llu ",
            (unsigned long long)(ev->now_ns / CT_NS_PER_SEC -
                                 ct_tstamp_of(ct, e) / CT_NS_PER_SEC));
    /* ctnetlink_conntrack_event(): helpinfo on NEW/UPDATE, not DESTROY. */
    if (!destroy)
        put_helper(&o, e);
    if (flags & CTFW_CT_FMT_ID)
        ct_out_put(&o, "id=%u ", ctfw_ct_entry_id(e));
    return finish(&o, true);
}

int
ctfw_ct_format_stats(const struct ctfw_ct *ct, unsigned ncpu, char *buf,
                     size_t len)
{
    struct ct_out o = {buf, len, 0};
    const struct ctfw_ct_stats *s = &ct->st;
    const struct ctfw_ct_stats zero = {0};
    if (ncpu == 0)
        ncpu = 1;
    for (unsigned i = 0; i < ncpu; i++) {
        const struct ctfw_ct_stats *c = i == 0 ? s : &zero;
        ct_out_put(&o,
            "%scpu=%-4u\tfound=%u invalid=%u insert=%u insert_failed=%u "
            "drop=%u early_drop=%u error=%u search_restart=%u "
            "clash_resolve=%u chaintoolong=%u ",
            i ? "\n" : "", i, (unsigned)c->found, (unsigned)c->invalid,
            (unsigned)c->insert, (unsigned)c->insert_failed,
            (unsigned)c->drop, (unsigned)c->early_drop, (unsigned)c->error,
            (unsigned)c->search_restart, (unsigned)c->clash_resolve,
            (unsigned)c->chaintoolong);
    }
    return finish(&o, false);
}

int
ctfw_ct_format_proc_stat(const struct ctfw_ct *ct, unsigned ncpu, char *buf,
                         size_t len)
{
    struct ct_out o = {buf, len, 0};
    const struct ctfw_ct_stats zero = {0};
    if (ncpu == 0)
        ncpu = 1;
    ct_out_put(&o, "entries  clashres found new invalid ignore delete chainlength "
            "insert insert_failed drop early_drop icmp_error  expect_new "
            "expect_create expect_delete search_restart");
    for (unsigned i = 0; i < ncpu; i++) {
        const struct ctfw_ct_stats *c = i == 0 ? &ct->st : &zero;
        ct_out_put(&o,
            "\n%08x  %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x "
            "%08x %08x  %08x %08x %08x %08x",
            ct->count, (unsigned)c->clash_resolve, (unsigned)c->found, 0u,
            (unsigned)c->invalid, 0u, 0u, (unsigned)c->chaintoolong,
            (unsigned)c->insert, (unsigned)c->insert_failed,
            (unsigned)c->drop, (unsigned)c->early_drop, (unsigned)c->error,
            (unsigned)c->expect_new, (unsigned)c->expect_create,
            (unsigned)c->expect_delete, (unsigned)c->search_restart);
    }
    return finish(&o, false);
}

int
ctfw_ct_format_count(const struct ctfw_ct *ct, char *buf, size_t len)
{
    struct ct_out o = {buf, len, 0};
    ct_out_put(&o, "%u", ct->count);
    return finish(&o, false);
}
