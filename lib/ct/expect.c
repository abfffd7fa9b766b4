// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Expectations (nf_conntrack_expect.c in Linux 6.x) and the help
 * extension that links a connection to its master.
 *
 * An expectation is a tuple plus a mask over the source (address, port)
 * registered by a helper for its master connection. init_conntrack()
 * matches every new connection against them (only while any exist): the
 * first match makes the connection EXPECTED with that master and the
 * master's mark, and is removed unless PERMANENT. Limits as the kernel's
 * __nf_ct_expect_check(): an identical expectation of the same master is
 * replaced, a clashing one of another master refuses the new one (EBUSY),
 * a master at its helper's max_expected loses its oldest, and the table
 * refuses above nf_conntrack_expect_max (EMFILE, logged
 * "nf_conntrack: expectation table full" under net_ratelimit). They die
 * with their master (clean_from_lists) and at their timeout, on the
 * injected clock.
 *
 * Storage: an array pool (free list through `next`) and hash heads keyed
 * by the destination (nf_ct_expect_dst_hash), expect_hsize =
 * buckets / 256 (min 1) fixed at creation as the kernel's. Chains are
 * newest first (hlist_add_head), so the first match is the newest.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct_private.h"

/* The FTP expectation policy (ftp_exp_policy): one per master, 5 min. */
static const struct {
    uint16_t max_expected;
    uint32_t timeout_s;
} policies[CTFW_CT_HELPER_COUNT] = {
    [CTFW_CT_HELPER_FTP] = {1, 5 * 60},
};

/* ---- Help extension --------------------------------------------------- */

struct ct_help *
ct_help_attach(struct ctfw_ct *ct, struct ctfw_ct_entry *e)
{
    uint32_t c = e->slot >> CT_CHUNK_SHIFT, i = e->slot & (CT_CHUNK_SIZE - 1);
    if (!ct->help[c]) {
        ct->help[c] = calloc(CT_CHUNK_SIZE, sizeof(struct ct_help));
        if (!ct->help[c])
            return NULL;
    }
    struct ct_help *h = &ct->help[c][i];
    if (!(e->eflags & CT_E_HELP)) {
        memset(h, 0, sizeof(*h));
        if (++ct->help_gen == 0)
            ct->help_gen = 1;
        h->gen = ct->help_gen;
        h->master = CT_NIL;
        e->eflags |= CT_E_HELP;
    }
    return h;
}

struct ctfw_ct_entry *
ct_master_of(const struct ctfw_ct *ct, const struct ctfw_ct_entry *e)
{
    const struct ct_help *h = ct_help_of(ct, e);
    if (!h || h->master == CT_NIL || h->master >= ct->bump)
        return NULL;
    struct ctfw_ct_entry *m = ct_slot(ct, h->master);
    if (!(m->eflags & CT_E_USED))
        return NULL;
    const struct ct_help *mh = ct_help_of(ct, m);
    if (!mh || mh->gen != h->master_gen)
        return NULL;
    return m;
}

const struct ctfw_ct_entry *
ctfw_ct_entry_master(const struct ctfw_ct *ct, const struct ctfw_ct_entry *e)
{
    const struct ctfw_ct_entry *m = ct_master_of(ct, e);
    if (!m || (m->status & CTFW_CT_S_DYING))
        return NULL;
    return m;
}

void
ct_help_release(struct ctfw_ct *ct, struct ctfw_ct_entry *e)
{
    struct ct_help *h = ct_help_of(ct, e);
    if (!h)
        return;
    /* destroy_conntrack(): expectations of an entry that never reached
     * the table go too; then the master loses this child's reference. */
    if (h->expecting)
        ct_expect_remove_master(ct, e);
    struct ctfw_ct_entry *m = ct_master_of(ct, e);
    if (m) {
        struct ct_help *mh = ct_help_of(ct, m);
        if (mh->children)
            mh->children--;
    }
    h->master = CT_NIL;
}

/* ---- Table ------------------------------------------------------------ */

int
ct_expect_init(struct ctfw_ct *ct)
{
    uint32_t hs = ct->cfg.buckets / 256;
    ct->exp_hsize = hs ? hs : 1;
    ct->exp_heads = malloc((size_t)ct->exp_hsize * sizeof(uint32_t));
    if (!ct->exp_heads)
        return -ENOMEM;
    memset(ct->exp_heads, 0xff, (size_t)ct->exp_hsize * sizeof(uint32_t));
    ct->exp_free = CT_NIL;
    ct->exp_next = UINT64_MAX;
    return 0;
}

void
ct_expect_fini(struct ctfw_ct *ct)
{
    free(ct->exp);
    free(ct->exp_heads);
    ct->exp = NULL;
    ct->exp_heads = NULL;
}

static uint32_t
exp_bucket(const struct ctfw_ct *ct, uint8_t family, uint8_t proto,
           const struct ct_tuple *t)
{
    /* nf_ct_expect_dst_hash(): destination address, port, protocol. */
    struct ct_tuple d;
    memset(&d, 0, sizeof(d));
    d.dst = t->dst;
    d.dport = t->dport;
    return (uint32_t)(((uint64_t)ct_hash(ct, family, proto, 0, &d) *
                       ct->exp_hsize) >>
                      32);
}

static void
exp_unlink(struct ctfw_ct *ct, uint32_t idx)
{
    struct ctfw_ct_expect *x = &ct->exp[idx];
    uint32_t *pp =
        &ct->exp_heads[exp_bucket(ct, x->family, x->proto, &x->tuple)];
    while (*pp != CT_NIL) {
        if (*pp == idx) {
            *pp = x->next;
            break;
        }
        pp = &ct->exp[*pp].next;
    }
    struct ctfw_ct_entry *m = ct_slot(ct, x->master);
    struct ct_help *mh = ct_help_of(ct, m);
    if (mh && mh->expecting)
        mh->expecting--;
    x->used = 0;
    x->next = ct->exp_free;
    ct->exp_free = idx;
    ct->exp_count--;
    ct->st.expect_delete++; /* nf_ct_unlink_expect_report() */
}

void
ct_expect_remove_master(struct ctfw_ct *ct, struct ctfw_ct_entry *e)
{
    struct ct_help *h = ct_help_of(ct, e);
    if (!h || !h->expecting)
        return;
    for (uint32_t i = 0; i < ct->exp_bump && h->expecting; i++)
        if (ct->exp[i].used && ct->exp[i].master == e->slot)
            exp_unlink(ct, i);
}

void
ct_expect_expire(struct ctfw_ct *ct, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    for (uint32_t i = 0; i < ct->exp_bump; i++) {
        struct ctfw_ct_expect *x = &ct->exp[i];
        if (!x->used)
            continue;
        if (x->timeout <= now)
            exp_unlink(ct, i); /* nf_ct_expectation_timed_out() */
        else if (x->timeout < next)
            next = x->timeout;
    }
    ct->exp_next = next;
}

/* nf_ct_tuple_mask_cmp(): masked source, exact destination. */
static bool
exp_match(const struct ctfw_ct_expect *x, uint8_t family, uint8_t proto,
          uint16_t zone, const struct ct_tuple *t)
{
    if (x->family != family || x->proto != proto || x->zone != zone ||
        x->tuple.dport != t->dport ||
        memcmp(&x->tuple.dst, &t->dst, sizeof(t->dst)) != 0 ||
        ((x->tuple.sport ^ t->sport) & x->mask_sport) != 0)
        return false;
    for (int i = 0; i < 4; i++)
        if ((x->tuple.src.w[i] ^ t->src.w[i]) & x->mask_src.w[i])
            return false;
    return true;
}

bool
ct_expect_apply(struct ctfw_ct *ct, struct ctfw_ct_entry *e, uint64_t now)
{
    /* nf_ct_find_expectation() */
    struct ct_tuple tt = ct_tuple_of(e, 0);
    const struct ct_tuple *t = &tt;
    uint32_t idx = ct->exp_heads[exp_bucket(ct, e->family, e->proto, t)];
    for (; idx != CT_NIL; idx = ct->exp[idx].next) {
        const struct ctfw_ct_expect *x = &ct->exp[idx];
        if (!(x->flags & CT_EXP_F_INACTIVE) && x->timeout > now &&
            exp_match(x, e->family, e->proto, e->zone, t))
            break;
    }
    if (idx == CT_NIL)
        return false;
    struct ctfw_ct_expect *x = &ct->exp[idx];
    struct ctfw_ct_entry *m = ct_slot(ct, x->master);
    /* "If master is not in hash table yet ... these are not the droids
     * you are looking for"; a dying master does not count either. */
    if (!ct_is_confirmed(m) || (m->status & CTFW_CT_S_DYING))
        return false;
    uint32_t master = x->master;
    if (!(x->flags & CT_EXP_F_PERMANENT))
        exp_unlink(ct, idx);
    /* "Welcome, Mr. Bond. We've been expecting you..." */
    e->status |= CTFW_CT_S_EXPECTED;
    e->mark = m->mark;
    struct ct_help *h = ct_help_attach(ct, e);
    struct ct_help *mh = ct_help_of(ct, m);
    if (h && mh) {
        h->master = master;
        h->master_gen = mh->gen;
        mh->children++;
    }
    ct->st.expect_new++;
    return true;
}

/* expect_matches(): same tuple, mask and zone. */
static bool
exp_same(const struct ctfw_ct_expect *a, const struct ctfw_ct_expect *b)
{
    return a->family == b->family && a->proto == b->proto &&
           a->zone == b->zone &&
           memcmp(&a->tuple, &b->tuple, sizeof(a->tuple)) == 0 &&
           memcmp(&a->mask_src, &b->mask_src, sizeof(a->mask_src)) == 0 &&
           a->mask_sport == b->mask_sport;
}

/* expect_clash(): equal over the intersection of the source masks. */
static bool
exp_clash(const struct ctfw_ct_expect *a, const struct ctfw_ct_expect *b)
{
    if (a->family != b->family || a->proto != b->proto || a->zone != b->zone ||
        a->tuple.dport != b->tuple.dport ||
        memcmp(&a->tuple.dst, &b->tuple.dst, sizeof(a->tuple.dst)) != 0)
        return false;
    if ((a->tuple.sport ^ b->tuple.sport) & a->mask_sport & b->mask_sport)
        return false;
    for (int i = 0; i < 4; i++)
        if ((a->tuple.src.w[i] ^ b->tuple.src.w[i]) & a->mask_src.w[i] &
            b->mask_src.w[i])
            return false;
    return true;
}

static uint32_t
exp_get(struct ctfw_ct *ct)
{
    if (ct->exp_free != CT_NIL) {
        uint32_t idx = ct->exp_free;
        ct->exp_free = ct->exp[idx].next;
        return idx;
    }
    if (ct->exp_bump == ct->exp_cap) {
        uint32_t ncap = ct->exp_cap ? ct->exp_cap * 2 : 16;
        struct ctfw_ct_expect *n = realloc(ct->exp, ncap * sizeof(*n));
        if (!n)
            return CT_NIL;
        ct->exp = n;
        ct->exp_cap = ncap;
    }
    return ct->exp_bump++;
}

int
ct_expect_related(struct ctfw_ct *ct, struct ctfw_ct_entry *master,
                  const struct ctfw_ct_expect *x, uint64_t now)
{
    struct ct_help *mh = ct_help_of(ct, master);
    if (!mh)
        return -ESHUTDOWN;
    if (ct->exp_count && ct->exp_next <= now)
        ct_expect_expire(ct, now);

    /* __nf_ct_expect_check() */
    uint32_t b = exp_bucket(ct, x->family, x->proto, &x->tuple);
    for (uint32_t i = ct->exp_heads[b]; i != CT_NIL;) {
        const struct ctfw_ct_expect *o = &ct->exp[i];
        uint32_t next = o->next;
        if (o->master == master->slot && exp_same(o, x)) {
            if (o->cls != x->cls)
                return -EALREADY;
            exp_unlink(ct, i);
            break;
        }
        if (exp_clash(o, x))
            return -EBUSY;
        i = next;
    }
    uint16_t max_expected = policies[master->helper].max_expected;
    if (max_expected && mh->expecting >= max_expected) {
        /* evict_oldest_expect(): the last of the master's list, which
         * is newest first, so the oldest of its class. */
        uint32_t oldest = CT_NIL;
        for (uint32_t i = 0; i < ct->exp_bump; i++) {
            const struct ctfw_ct_expect *o = &ct->exp[i];
            if (o->used && o->master == master->slot && o->cls == x->cls &&
                (oldest == CT_NIL || o->seq < ct->exp[oldest].seq))
                oldest = i;
        }
        if (oldest != CT_NIL)
            exp_unlink(ct, oldest);
        if (mh->expecting >= max_expected)
            return -EMFILE;
    }
    if (ct->exp_count >= ct->cfg.expect_max) {
        if (ct_net_ratelimit(ct, now))
            ct_log_line(ct, now, "nf_conntrack: expectation table full");
        return -EMFILE;
    }

    /* nf_ct_expect_insert() */
    uint32_t idx = exp_get(ct);
    if (idx == CT_NIL)
        return -ENOMEM;
    struct ctfw_ct_expect *n = &ct->exp[idx];
    *n = *x;
    n->used = 1;
    n->master = master->slot;
    n->helper = master->helper;
    n->zone = master->zone;
    n->timeout = now + ct_sec(policies[master->helper].timeout_s);
    n->seq = ++ct->exp_seq;
    n->next = ct->exp_heads[b];
    ct->exp_heads[b] = idx;
    mh->expecting++;
    ct->exp_count++;
    if (n->timeout < ct->exp_next)
        ct->exp_next = n->timeout;
    ct->st.expect_create++;
    return 0;
}

/* ---- Listing and formats ---------------------------------------------- */

uint32_t
ctfw_ct_expect_count(const struct ctfw_ct *ct)
{
    return ct->exp_count;
}

static int
cmp_seq(const void *pa, const void *pb)
{
    const struct ctfw_ct_expect *a = *(const struct ctfw_ct_expect *const *)pa;
    const struct ctfw_ct_expect *b = *(const struct ctfw_ct_expect *const *)pb;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

size_t
ctfw_ct_expect_list(struct ctfw_ct *ct, uint64_t now_ns,
                    const struct ctfw_ct_expect **out, size_t cap)
{
    if (ct->exp_count && ct->exp_next <= now_ns)
        ct_expect_expire(ct, now_ns);
    size_t n = 0;
    for (uint32_t i = 0; i < ct->exp_bump; i++) {
        if (!ct->exp[i].used)
            continue;
        if (out && n < cap)
            out[n] = &ct->exp[i];
        n++;
    }
    if (out && cap)
        qsort(out, n < cap ? n : cap, sizeof(*out), cmp_seq);
    return n;
}


static int
finish(struct ct_out *o)
{
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
        for (int i = 0; i < 8; i++)
            ct_out_put(o, "%s%02x%02x", i ? ":" : "", a->b[2 * i], a->b[2 * i + 1]);
    } else {
        char s[INET6_ADDRSTRLEN];
        if (!inet_ntop(AF_INET6, a->b, s, sizeof(s)))
            s[0] = '\0';
        ct_out_put(o, "%s", s);
    }
}

/* (expires - jiffies) / HZ, as exp_seq_show() and ctnetlink. */
static long long
exp_left(const struct ctfw_ct *ct, const struct ctfw_ct_expect *x,
         uint64_t now)
{
    uint64_t hz = ct->cfg.hz ? ct->cfg.hz : 250;
    uint64_t dj = (uint64_t)(((__uint128_t)x->timeout * hz) / CT_NS_PER_SEC);
    uint64_t nj = (uint64_t)(((__uint128_t)now * hz) / CT_NS_PER_SEC);
    return dj > nj ? (long long)((dj - nj) / hz) : 0;
}

int
ctfw_ct_format_expect(const struct ctfw_ct *ct,
                      const struct ctfw_ct_expect *ce, uint64_t now_ns,
                      char *buf, size_t len)
{
    const struct ctfw_ct_expect *x = ce;
    const struct ctfw_ct_entry *m = ct_slot(ct, x->master);
    struct ct_out o = {buf, len, 0};
    /* The mask as ctnetlink dumps it: destination all ones. */
    union ctfw_addr ones;
    memset(&ones, 0, sizeof(ones));
    memset(ones.b, 0xff, x->family == 6 ? 16 : 4);
    ct_out_put(&o, "%lld proto=%u src=", exp_left(ct, x, now_ns), x->proto);
    put_addr(&o, x->family, &x->tuple.src, false);
    ct_out_put(&o, " dst=");
    put_addr(&o, x->family, &x->tuple.dst, false);
    ct_out_put(&o, " sport=%u dport=%u mask-src=", x->tuple.sport, x->tuple.dport);
    put_addr(&o, x->family, &x->mask_src, false);
    ct_out_put(&o, " mask-dst=");
    put_addr(&o, x->family, &ones, false);
    ct_out_put(&o, " sport=%u dport=65535 master-src=", x->mask_sport);
    struct ct_tuple mt = ct_tuple_of(m, 0);
    put_addr(&o, m->family, &mt.src, false);
    ct_out_put(&o, " master-dst=");
    put_addr(&o, m->family, &mt.dst, false);
    ct_out_put(&o, " sport=%u dport=%u class=%u", mt.sport, mt.dport,
        x->cls);
    if (x->flags & CT_EXP_F_PERMANENT)
        ct_out_put(&o, " PERMANENT");
    const char *hn = ctfw_ct_helper_name((enum ctfw_ct_helper)x->helper);
    if (hn)
        ct_out_put(&o, " helper=%s", hn);
    return finish(&o);
}

int
ctfw_ct_format_expect_proc(const struct ctfw_ct *ct,
                           const struct ctfw_ct_expect *ce, uint64_t now_ns,
                           char *buf, size_t len)
{
    const struct ctfw_ct_expect *x = ce;
    struct ct_out o = {buf, len, 0};
    ct_out_put(&o, "%lld l3proto = %u proto=%u src=", exp_left(ct, x, now_ns),
        x->family == 6 ? 10u : 2u, x->proto);
    put_addr(&o, x->family, &x->tuple.src, true);
    ct_out_put(&o, " dst=");
    put_addr(&o, x->family, &x->tuple.dst, true);
    ct_out_put(&o, " sport=%u dport=%u ", x->tuple.sport, x->tuple.dport);
    const char *delim = "";
    if (x->flags & CT_EXP_F_PERMANENT) {
        ct_out_put(&o, "PERMANENT");
        delim = ",";
    }
    if (x->flags & CT_EXP_F_INACTIVE)
        ct_out_put(&o, "%sINACTIVE", delim);
    const char *hn = ctfw_ct_helper_name((enum ctfw_ct_helper)x->helper);
    if (hn)
        ct_out_put(&o, "%s%s", x->flags ? " " : "", hn);
    return finish(&o);
}
