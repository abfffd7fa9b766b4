// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Conntrack unit tests: life cycle, table full / early drop / gc, UDP,
 * ICMP (related and invalid), generic, NOTRACK, logging and formats. TCP
 * lives in test_ct_tcp.c. Expected values come from the kernel reference
 * (../shared/reference/linux-netfilter.md, section named beside each
 * check) or from real `conntrack` output recorded in docs/conntrack.md.
 *
 * Packets are built as decoded struct ctfw_pkt values; l4_off is
 * CTFW_PKT_OFF_NONE so checksums are "not captured" and skipped.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ctfw/ct.h"
#include "lib/ct/ct_private.h"

#include "test_ct.h"

static void
on_event(void *opaque, const struct ctfw_ct_event *ev)
{
    struct tctx *t = opaque;
    t->nev[ev->type]++;
    if (ev->type == CTFW_CT_EVENT_DESTROY)
        t->ndestroy[ev->reason & 7]++;
}

static void
on_log(void *opaque, uint64_t now, int level, const char *line)
{
    struct tctx *t = opaque;
    (void)now;
    (void)level;
    if (t->nlog < 32)
        snprintf(t->log[t->nlog], sizeof(t->log[0]), "%s", line);
    t->nlog++;
}

struct tctx *
tctx_new(void (*tweak)(struct ctfw_ct_config *))
{
    static struct tctx pool[4];
    static int next;
    struct tctx *t = &pool[next++ & 3];
    memset(t, 0, sizeof(*t));
    ctfw_ct_config_default(&t->cfg, 0);
    if (tweak)
        tweak(&t->cfg);
    struct ctfw_ct_params p = {
        .config = &t->cfg, .seed = 42, .start_ns = T0,
        .on_event = on_event, .event_opaque = t,
        .on_log = on_log, .log_opaque = t,
    };
    assert_int_equal(ctfw_ct_new(&p, &t->ct), 0);
    return t;
}

void
tctx_free(struct tctx *t)
{
    ctfw_ct_free(t->ct);
    t->ct = NULL;
}

uint32_t
ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
    /* Network byte order as stored in union ctfw_addr.w[0]. */
    union ctfw_addr x = {.b = {(uint8_t)a, (uint8_t)b, (uint8_t)c,
                               (uint8_t)d}};
    return x.w[0];
}

static struct ctfw_pkt
mk_ip(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4len)
{
    struct ctfw_pkt p;
    memset(&p, 0, sizeof(p));
    p.family = 4;
    p.proto = proto;
    p.has = CTFW_PKT_HAS_IP | CTFW_PKT_HAS_L4;
    p.src.w[0] = src;
    p.dst.w[0] = dst;
    p.ttl = 64;
    p.ip_hlen = 20;
    p.l4_len = l4len;
    p.ip_len = (uint16_t)(20 + l4len);
    p.l3_off = 0;
    p.l4_off = CTFW_PKT_OFF_NONE;
    p.payload_off = CTFW_PKT_OFF_NONE;
    p.tcp_opts.wscale = -1;
    return p;
}

struct ctfw_pkt
mk_tcp(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, uint8_t flags,
       uint32_t seq, uint32_t ack, uint16_t win, uint16_t paylen)
{
    struct ctfw_pkt p = mk_ip(src, dst, 6, (uint16_t)(20 + paylen));
    p.sport = sp;
    p.dport = dp;
    p.tcp_flags = flags;
    p.tcp_doff = 20;
    p.tcp_seq = seq;
    p.tcp_ack = ack;
    p.tcp_win = win;
    p.payload_len = paylen;
    return p;
}

struct ctfw_pkt
mk_udp(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, uint16_t paylen)
{
    struct ctfw_pkt p = mk_ip(src, dst, 17, (uint16_t)(8 + paylen));
    p.sport = sp;
    p.dport = dp;
    p.udp_len = (uint16_t)(8 + paylen);
    p.payload_len = paylen;
    return p;
}

struct ctfw_pkt
mk_icmp(uint32_t src, uint32_t dst, uint8_t type, uint8_t code, uint16_t id)
{
    struct ctfw_pkt p = mk_ip(src, dst, 1, 64);
    p.icmp_type = type;
    p.icmp_code = code;
    p.icmp_id = id;
    return p;
}

/* One packet through the whole path: in, then confirm (or nothing when
 * dropped). */
struct ctfw_ct_ref
pass(struct tctx *t, const struct ctfw_pkt *p, uint64_t now)
{
    struct ctfw_ct_ref ref;
    ctfw_ct_ref_init(&ref);
    if (ctfw_ct_in(t->ct, p, now, CTFW_CT_HOOK_PRE_ROUTING, &ref) ==
        CTFW_CT_ACCEPT)
        ctfw_ct_confirm(t->ct, &ref, now);
    return ref;
}

static struct ctfw_ct_stats
stats(const struct tctx *t)
{
    struct ctfw_ct_stats s;
    ctfw_ct_get_stats(t->ct, &s);
    return s;
}

#define C ip4(10, 99, 1, 2)
#define S ip4(10, 99, 2, 2)

/* ---- Layout ----------------------------------------------------------- */

static void
test_entry_size(void **state)
{
    (void)state;
    /* Memory target: <= 160 bytes per connection (DESIGN.md). */
    assert_true(ctfw_ct_entry_size() <= 160);
    assert_int_equal(sizeof(struct ct_tuple), 36);
}

static void
test_defaults(void **state)
{
    (void)state;
    struct ctfw_ct_config c;
    /* §2.4 / §6.1 values on the 24 GiB reference machine. */
    ctfw_ct_config_default(&c, 24ull << 30);
    assert_int_equal(c.buckets, 262144);
    assert_int_equal(c.max, 262144);
    assert_int_equal(c.expect_max, 4096);
    assert_int_equal(c.tcp_timeout_established, 432000);
    assert_int_equal(c.udp_timeout, 30);
    assert_int_equal(c.udp_timeout_stream, 120);
    assert_int_equal(c.generic_timeout, 600);
    assert_true(c.tcp_loose);
    assert_false(c.tcp_be_liberal);
    assert_int_equal(c.tcp_max_retrans, 3);
    /* §2.4 examples: 512 MiB -> 4096, 2 GiB -> 65536. */
    ctfw_ct_config_default(&c, 512ull << 20);
    assert_int_equal(c.buckets, 4096);
    assert_int_equal(c.max, 4096);
    ctfw_ct_config_default(&c, 2ull << 30);
    assert_int_equal(c.buckets, 65536);
    ctfw_ct_config_default(&c, 64ull << 20);  /* minimum 1024 */
    assert_int_equal(c.buckets, 1024);
}

/* ---- Life cycle ------------------------------------------------------- */

static void
test_abort_leaves_nothing(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt p = mk_tcp(C, S, 40000, 80, CTFW_TCP_SYN, 1000, 0,
                               64240, 0);
    struct ctfw_ct_ref ref;
    ctfw_ct_ref_init(&ref);
    assert_int_equal(ctfw_ct_in(t->ct, &p, T0, CTFW_CT_HOOK_PRE_ROUTING,
                                &ref),
                     CTFW_CT_ACCEPT);
    assert_non_null(ref.entry);
    assert_int_equal(ref.info, CTFW_CT_NEW);
    /* §2.5: allocation counts at once. */
    assert_int_equal(ctfw_ct_count(t->ct), 1);
    /* §2.3: dropped before confirm (filter DROP) -> 0 entries, no stat. */
    ctfw_ct_abort(t->ct, &ref);
    assert_int_equal(ctfw_ct_count(t->ct), 0);
    assert_int_equal(ctfw_ct_list(t->ct, T0, NULL, 0), 0);
    struct ctfw_ct_stats s = stats(t);
    assert_int_equal(s.invalid + s.drop + s.insert, 0);
    assert_int_equal(t->nev[CTFW_CT_EVENT_NEW], 0);
    tctx_free(t);
}

static void
test_confirm_inserts(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt p = mk_udp(C, S, 41000, 6000, 5);
    struct ctfw_ct_ref ref = pass(t, &p, T0);
    assert_int_equal(ref.info, CTFW_CT_NEW);
    assert_int_equal(ctfw_ct_count(t->ct), 1);
    assert_true(ctfw_ct_entry_status(ref.entry) & CTFW_CT_S_CONFIRMED);
    assert_int_equal(t->nev[CTFW_CT_EVENT_NEW], 1);
    /* §2.7: insert is not counted on the packet path. */
    assert_int_equal(stats(t).insert, 0);
    /* Second packet, same direction: still NEW (no reply yet). */
    ref = pass(t, &p, T0 + SEC / 10);
    assert_int_equal(ref.info, CTFW_CT_NEW);
    assert_int_equal(ctfw_ct_count(t->ct), 1);
    tctx_free(t);
}

static void
test_notrack(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt p = mk_tcp(C, S, 40000, 80, CTFW_TCP_SYN, 1, 0, 100, 0);
    struct ctfw_ct_ref ref;
    ctfw_ct_ref_init(&ref);
    ctfw_ct_ref_notrack(&ref);
    ctfw_ct_in(t->ct, &p, T0, CTFW_CT_HOOK_PRE_ROUTING, &ref);
    ctfw_ct_confirm(t->ct, &ref, T0);
    /* §5.2: UNTRACKED, no entry, no counters. */
    assert_int_equal(ref.info, CTFW_CT_UNTRACKED);
    assert_null(ref.entry);
    assert_int_equal(ctfw_ct_count(t->ct), 0);
    assert_int_equal(stats(t).invalid, 0);
    tctx_free(t);
}

static void
test_zones_separate(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt p = mk_udp(C, S, 41000, 6000, 5);
    struct ctfw_ct_ref a = pass(t, &p, T0);
    struct ctfw_ct_ref b;
    ctfw_ct_ref_init(&b);
    ctfw_ct_ref_set_zone(&b, 7);
    ctfw_ct_in(t->ct, &p, T0, CTFW_CT_HOOK_PRE_ROUTING, &b);
    ctfw_ct_confirm(t->ct, &b, T0);
    assert_ptr_not_equal(a.entry, b.entry);
    assert_int_equal(ctfw_ct_entry_zone(b.entry), 7);
    assert_int_equal(ctfw_ct_count(t->ct), 2);
    tctx_free(t);
}

static void
test_fragment_invalid(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt p = mk_udp(C, S, 1, 2, 5);
    p.frag = CTFW_PKT_FRAG_LATER;
    struct ctfw_ct_ref ref = pass(t, &p, T0);
    assert_int_equal(ref.info, CTFW_CT_INVALID);
    assert_int_equal(stats(t).invalid, 1);
    assert_int_equal(ctfw_ct_reason_count(t->ct, CTFW_CT_R_NO_L4), 1);
    tctx_free(t);
}

/* ---- UDP (§4.1) ------------------------------------------------------- */

static void
test_udp_timeouts(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt o = mk_udp(C, S, 41000, 6000, 5);
    struct ctfw_pkt r = mk_udp(S, C, 6000, 41000, 5);
    uint64_t ms = SEC / 1000;
    struct ctfw_ct_ref ref = pass(t, &o, T0);
    const struct ctfw_ct_entry *e = ref.entry;
    /* send -> 29 [UNREPLIED] (displayed a moment later). */
    assert_int_equal(ctfw_ct_entry_expires(t->ct, e, T0 + 10 * ms), 29);
    assert_false(ctfw_ct_entry_status(e) & CTFW_CT_S_SEEN_REPLY);
    /* reply within 2 s -> 29, SEEN_REPLY set after it. */
    ref = pass(t, &r, T0 + 500 * ms);
    assert_int_equal(ref.info, CTFW_CT_ESTABLISHED_REPLY);
    assert_int_equal(ctfw_ct_entry_expires(t->ct, e, T0 + 510 * ms), 29);
    assert_true(ctfw_ct_entry_status(e) & CTFW_CT_S_SEEN_REPLY);
    /* orig again within 2 s -> 29, ESTABLISHED. */
    ref = pass(t, &o, T0 + 1500 * ms);
    assert_int_equal(ref.info, CTFW_CT_ESTABLISHED);
    assert_int_equal(ctfw_ct_entry_expires(t->ct, e, T0 + 1510 * ms), 29);
    assert_false(ctfw_ct_entry_status(e) & CTFW_CT_S_ASSURED);
    /* orig after > 2 s -> 119 [ASSURED]. */
    pass(t, &o, T0 + 2500 * ms);
    assert_int_equal(
        ctfw_ct_entry_expires(t->ct, e, T0 + 2510 * ms), 119);
    assert_true(ctfw_ct_entry_status(e) & CTFW_CT_S_ASSURED);
    tctx_free(t);
}

static void
test_udp_late_reply_not_assured(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt o = mk_udp(C, S, 41000, 6000, 5);
    struct ctfw_pkt r = mk_udp(S, C, 6000, 41000, 5);
    struct ctfw_ct_ref ref = pass(t, &o, T0);
    /* §4.1: reply 3 s later -> still 29, not assured: the assuring
     * packet must come after the reply. */
    pass(t, &r, T0 + 3 * SEC);
    assert_int_equal(
        ctfw_ct_entry_expires(t->ct, ref.entry, T0 + 3 * SEC + SEC / 100), 29);
    assert_false(ctfw_ct_entry_status(ref.entry) & CTFW_CT_S_ASSURED);
    tctx_free(t);
}

static void
test_udp_bad_length(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt o = mk_udp(C, S, 41000, 6000, 5);
    o.udp_len = 200;  /* longer than the datagram */
    struct ctfw_ct_ref ref = pass(t, &o, T0);
    assert_int_equal(ref.info, CTFW_CT_INVALID);
    assert_int_equal(stats(t).invalid, 1);
    /* The entry allocated for it is freed: nothing remains. */
    assert_int_equal(ctfw_ct_count(t->ct), 0);
    tctx_free(t);
}

static void
test_timeout_at_next_packet(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt o = mk_udp(C, S, 41000, 6000, 5);
    struct ctfw_ct_ref ref = pass(t, &o, T0);
    struct ctfw_ct_config c = t->cfg;
    c.udp_timeout = 10;
    assert_int_equal(ctfw_ct_set_config(t->ct, &c), 0);
    /* §2.8: existing entry keeps its deadline until its next packet. */
    assert_int_equal(
        ctfw_ct_entry_expires(t->ct, ref.entry, T0 + SEC / 100), 29);
    pass(t, &o, T0 + SEC);
    assert_int_equal(
        ctfw_ct_entry_expires(t->ct, ref.entry, T0 + SEC + SEC / 100), 9);
    tctx_free(t);
}

/* ---- ICMP (§4.2, §4.4) ------------------------------------------------ */

static void
test_icmp_echo(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt q = mk_icmp(C, S, 8, 0, 2979);
    struct ctfw_pkt r = mk_icmp(S, C, 0, 0, 2979);
    struct ctfw_ct_ref ref = pass(t, &q, T0);
    assert_int_equal(ref.info, CTFW_CT_NEW);
    ref = pass(t, &r, T0 + SEC / 100);
    assert_int_equal(ref.info, CTFW_CT_ESTABLISHED_REPLY);
    /* Not removed after the reply; 30 s; never ASSURED. */
    assert_int_equal(ctfw_ct_count(t->ct), 1);
    assert_int_equal(
        ctfw_ct_entry_expires(t->ct, ref.entry, T0 + SEC / 50), 29);
    assert_false(ctfw_ct_entry_status(ref.entry) & CTFW_CT_S_ASSURED);
    tctx_free(t);
}

static void
test_icmp_invalid_new(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    /* An echo reply cannot create an entry: invalid++. */
    struct ctfw_pkt r = mk_icmp(S, C, 0, 0, 5);
    assert_int_equal(pass(t, &r, T0).info, CTFW_CT_INVALID);
    assert_int_equal(stats(t).invalid, 1);
    /* Router advertisement (9): no inverse type: invalid++. */
    struct ctfw_pkt ra = mk_icmp(S, C, 9, 0, 0);
    assert_int_equal(pass(t, &ra, T0).info, CTFW_CT_INVALID);
    assert_int_equal(stats(t).invalid, 2);
    /* Type > 18: the error path, error++ (not invalid). */
    struct ctfw_pkt x = mk_icmp(S, C, 19, 0, 0);
    assert_int_equal(pass(t, &x, T0).info, CTFW_CT_INVALID);
    assert_int_equal(stats(t).invalid, 2);
    assert_int_equal(stats(t).error, 1);
    assert_int_equal(ctfw_ct_count(t->ct), 0);
    tctx_free(t);
}

static struct ctfw_pkt
mk_unreach(uint32_t from, uint32_t to, uint32_t isrc, uint32_t idst,
           uint16_t isp, uint16_t idp)
{
    struct ctfw_pkt p = mk_icmp(from, to, 3, 3, 0);
    p.has |= CTFW_PKT_HAS_INNER;
    p.inner.family = 4;
    p.inner.proto = 17;
    p.inner.has_ports = true;
    p.inner.src.w[0] = isrc;
    p.inner.dst.w[0] = idst;
    p.inner.sport = isp;
    p.inner.dport = idp;
    return p;
}

static void
test_icmp_error_related(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt o = mk_udp(C, S, 41000, 6000, 5);
    struct ctfw_ct_ref ref = pass(t, &o, T0);
    const struct ctfw_ct_entry *e = ref.entry;
    uint64_t before = e->timeout;
    /* Port unreachable from S quoting C->S: RELATED (reply side). */
    struct ctfw_pkt u = mk_unreach(S, C, C, S, 41000, 6000);
    struct ctfw_ct_ref r = pass(t, &u, T0 + SEC);
    assert_ptr_equal(r.entry, e);
    assert_int_equal(r.info, CTFW_CT_RELATED_REPLY);
    /* The master is untouched: no refresh, no SEEN_REPLY. */
    assert_int_equal(e->timeout, before);
    assert_false(ctfw_ct_entry_status(e) & CTFW_CT_S_SEEN_REPLY);
    assert_int_equal(stats(t).error, 0);
    tctx_free(t);
}

static void
test_icmp_error_unknown_flow(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt o = mk_udp(C, S, 41000, 6000, 5);
    pass(t, &o, T0);
    /* Quoting an unknown flow: INVALID, error=1, invalid unchanged. */
    struct ctfw_pkt u = mk_unreach(S, C, C, S, 41001, 6000);
    struct ctfw_ct_ref r = pass(t, &u, T0 + SEC);
    assert_int_equal(r.info, CTFW_CT_INVALID);
    assert_int_equal(stats(t).error, 1);
    assert_int_equal(stats(t).invalid, 0);
    /* Known flow but outer destination differs: INVALID too. */
    struct ctfw_pkt w = mk_unreach(S, ip4(10, 0, 0, 9), C, S, 41000, 6000);
    assert_int_equal(pass(t, &w, T0 + SEC).info, CTFW_CT_INVALID);
    assert_int_equal(stats(t).error, 2);
    /* No quoted packet at all. */
    struct ctfw_pkt n = mk_icmp(S, C, 3, 1, 0);
    assert_int_equal(pass(t, &n, T0 + SEC).info, CTFW_CT_INVALID);
    assert_int_equal(stats(t).error, 3);
    tctx_free(t);
}

static void
test_icmpv6_nd_untracked(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt p;
    memset(&p, 0, sizeof(p));
    p.family = 6;
    p.proto = 58;
    p.has = CTFW_PKT_HAS_IP | CTFW_PKT_HAS_L4;
    p.l4_off = CTFW_PKT_OFF_NONE;
    p.src.b[0] = 0xfe;
    p.src.b[1] = 0x80;
    p.src.b[15] = 1;
    p.dst.b[0] = 0xff;
    p.dst.b[1] = 0x02;
    p.dst.b[15] = 1;
    p.ttl = 255;
    for (unsigned ty = 133; ty <= 136; ty++) {
        p.icmp_type = (uint8_t)ty;
        struct ctfw_ct_ref r = pass(t, &p, T0);
        assert_int_equal(r.info, CTFW_CT_UNTRACKED);
    }
    /* Echo request: tracked with icmpv6_timeout. */
    p.icmp_type = 128;
    p.icmp_id = 7;
    struct ctfw_ct_ref r = pass(t, &p, T0);
    assert_int_equal(r.info, CTFW_CT_NEW);
    assert_int_equal(ctfw_ct_count(t->ct), 1);
    assert_int_equal(stats(t).invalid + stats(t).error, 0);
    tctx_free(t);
}

/* ---- Generic (§4.3) --------------------------------------------------- */

static void
test_generic(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt p = mk_udp(C, S, 1, 2, 0);
    p.proto = 50;  /* ESP */
    struct ctfw_ct_ref r = pass(t, &p, T0);
    assert_int_equal(r.info, CTFW_CT_NEW);
    assert_int_equal(
        ctfw_ct_entry_expires(t->ct, r.entry, T0 + SEC / 100), 599);
    struct ctfw_pkt q = mk_udp(S, C, 9, 9, 0);
    q.proto = 50;
    r = pass(t, &q, T0 + SEC);
    /* Ports are not part of a generic tuple. */
    assert_int_equal(r.info, CTFW_CT_ESTABLISHED_REPLY);
    pass(t, &p, T0 + 5 * SEC);
    assert_false(ctfw_ct_entry_status(r.entry) & CTFW_CT_S_ASSURED);
    tctx_free(t);
}

/* ---- Table full, early drop, gc (§2.5, §2.6, §2.8) ---------------- */

static void
small4(struct ctfw_ct_config *c)
{
    c->max = 4;
    c->buckets = 1;
}

static void
test_early_drop_evicts_whole_chain(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(small4);
    for (uint16_t i = 0; i < 4; i++) {
        struct ctfw_pkt p = mk_udp(C, S, (uint16_t)(1000 + i), 53, 0);
        pass(t, &p, T0);
    }
    assert_int_equal(ctfw_ct_count(t->ct), 4);
    /* The 5th: count 5 > max 4 -> early_drop; one bucket holds all four
     * non-assured entries, and all of them are evicted. */
    struct ctfw_pkt p = mk_udp(C, S, 2000, 53, 0);
    struct ctfw_ct_ref r = pass(t, &p, T0);
    assert_int_equal(r.verdict, CTFW_CT_ACCEPT);
    assert_int_equal(stats(t).early_drop, 4);
    assert_int_equal(ctfw_ct_count(t->ct), 1);
    assert_int_equal(t->ndestroy[CTFW_CT_DESTROY_EARLY_DROP], 4);
    assert_int_equal(stats(t).drop, 0);
    tctx_free(t);
}

static void
assure_udp(struct tctx *t, uint16_t sport, uint64_t now)
{
    struct ctfw_pkt o = mk_udp(C, S, sport, 53, 0);
    struct ctfw_pkt r = mk_udp(S, C, 53, sport, 0);
    pass(t, &o, now);
    pass(t, &r, now);
    pass(t, &o, now + 3 * SEC);
}

static void
test_table_full_drop_and_log(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(small4);
    for (uint16_t i = 0; i < 4; i++)
        assure_udp(t, (uint16_t)(1000 + i), T0);
    assert_int_equal(ctfw_ct_count(t->ct), 4);
    /* All ASSURED: early drop finds nothing -> drop + log (§2.5). */
    uint64_t now = T0 + 4 * SEC;
    for (int i = 0; i < 12; i++) {
        struct ctfw_pkt p = mk_udp(C, S, (uint16_t)(3000 + i), 53, 0);
        struct ctfw_ct_ref r = pass(t, &p, now + (uint64_t)i * SEC / 10);
        assert_int_equal(r.verdict, CTFW_CT_DROP);
        assert_int_equal(r.reason, CTFW_CT_R_TABLE_FULL);
    }
    assert_int_equal(stats(t).drop, 12);
    assert_int_equal(stats(t).early_drop, 0);
    assert_int_equal(stats(t).invalid, 0);
    assert_int_equal(ctfw_ct_count(t->ct), 4);
    /* net_ratelimit: burst 10 per 5 s. */
    assert_int_equal(t->nlog, 10);
    assert_string_equal(t->log[0],
                        "nf_conntrack: nf_conntrack: table full, dropping "
                        "packet");
    /* After the interval: the suppressed count, then the line. */
    struct ctfw_pkt p = mk_udp(C, S, 4000, 53, 0);
    pass(t, &p, now + 10 * SEC);
    assert_int_equal(t->nlog, 12);
    assert_string_equal(t->log[10], "net_ratelimit: 2 callbacks suppressed");
    assert_string_equal(t->log[11], t->log[0]);
    tctx_free(t);
}

static void
big8k(struct ctfw_ct_config *c)
{
    c->max = 8192;
    c->buckets = 8192;
}

static void
test_early_drop_at_scale(void **state)
{
    (void)state;
    /* §2.6 [V], scaled down: a full table (count = max) of mostly
     * ASSURED entries and some non-assured ones. New packets evict the
     * non-assured entries of the first bucket (of 8) that has any and are
     * accepted; the count never passes max; once a packet finds none in
     * its 8 buckets it is dropped with the log line. */
    struct tctx *t = tctx_new(big8k);
    for (uint32_t i = 0; i < 8192; i++) {
        struct ctfw_pkt o = mk_udp(C, S, (uint16_t)i, 53, 0);
        o.src.w[0] = ip4(10, 2, (i >> 8) & 255, i & 255);
        struct ctfw_ct_ref r = pass(t, &o, T0);
        if (i % 16)  /* 1 in 16 stays non-assured */
            ((struct ctfw_ct_entry *)r.entry)->status |= CTFW_CT_S_ASSURED;
    }
    assert_int_equal(ctfw_ct_count(t->ct), 8192);
    uint64_t accepted = 0, dropped = 0;
    for (uint32_t i = 0; i < 2000; i++) {
        struct ctfw_pkt o = mk_udp(C, S, (uint16_t)i, 99, 0);
        o.src.w[0] = ip4(10, 3, (i >> 8) & 255, i & 255);
        struct ctfw_ct_ref r = pass(t, &o, T0 + SEC / 10);
        if (r.verdict == CTFW_CT_ACCEPT) {
            accepted++;
            /* keep the newcomers out of the next evictions */
            ((struct ctfw_ct_entry *)r.entry)->status |= CTFW_CT_S_ASSURED;
        } else {
            dropped++;
            assert_int_equal(r.reason, CTFW_CT_R_TABLE_FULL);
        }
        assert_true(ctfw_ct_count(t->ct) <= 8192);
    }
    struct ctfw_ct_stats st = stats(t);
    assert_true(accepted > 0 && dropped > 0);
    /* Each accepted packet evicted at least one entry; all the evicted
     * were the 512 non-assured ones. */
    assert_true(st.early_drop >= accepted);
    assert_true(st.early_drop <= 512);
    assert_int_equal(st.drop, dropped);
    assert_int_equal(ctfw_ct_count(t->ct), 8192);
    assert_int_equal(t->ndestroy[CTFW_CT_DESTROY_EARLY_DROP],
                     (int)st.early_drop);
    assert_true(t->nlog >= 1);
    tctx_free(t);
}

static void
test_table_full_netns_text(void **state)
{
    (void)state;
    struct ctfw_ct_config c;
    ctfw_ct_config_default(&c, 0);
    c.max = 1;
    c.buckets = 16;
    struct tctx t0;
    memset(&t0, 0, sizeof(t0));
    struct ctfw_ct_params p = {.config = &c, .start_ns = T0,
                               .netns_inum = 4026532883u, .on_log = on_log,
                               .log_opaque = &t0};
    struct ctfw_ct *ct;
    assert_int_equal(ctfw_ct_new(&p, &ct), 0);
    t0.ct = ct;
    assure_udp(&t0, 1, T0);
    struct ctfw_pkt q = mk_udp(C, S, 2, 53, 0);
    pass(&t0, &q, T0 + 5 * SEC);
    assert_int_equal(t0.nlog, 1);
    /* §2.5 [V] text in a child namespace. */
    assert_string_equal(t0.log[0],
                        "nf_conntrack: nf_conntrack: table full in netns "
                        "4026532883, dropping packet");
    ctfw_ct_free(ct);
}

static void
test_max_zero_unlimited(void **state)
{
    (void)state;
    struct ctfw_ct_config c;
    ctfw_ct_config_default(&c, 0);
    c.max = 0;
    c.buckets = 8192;
    struct ctfw_ct_params p = {.config = &c, .start_ns = T0};
    struct ctfw_ct *ct;
    assert_int_equal(ctfw_ct_new(&p, &ct), 0);
    struct tctx t0 = {.ct = ct};
    for (uint32_t i = 0; i < 5000; i++) {
        struct ctfw_pkt q = mk_udp(C, S, (uint16_t)i, 53, 0);
        q.src.w[0] = ip4(10, 1, (i >> 8) & 255, i & 255);
        pass(&t0, &q, T0);
    }
    assert_int_equal(ctfw_ct_count(ct), 5000);
    ctfw_ct_free(ct);
}

static void
one_bucket(struct ctfw_ct_config *c)
{
    c->buckets = 1;
}

static void
test_chain_too_long(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(one_bucket);
    int dropped = 0;
    for (uint16_t i = 0; i < 100; i++) {
        struct ctfw_pkt q = mk_udp(C, S, (uint16_t)(1000 + i), 53, 0);
        if (pass(t, &q, T0).verdict == CTFW_CT_DROP)
            dropped++;
    }
    /* §2.4: each chain walked at insertion may hold 50 + random(0..29)
     * nodes; beyond that: chaintoolong++ and insert_failed++, drop. Two
     * nodes per entry in one bucket: at most ~40 entries fit. */
    struct ctfw_ct_stats st = stats(t);
    assert_true(ctfw_ct_count(t->ct) >= 25 && ctfw_ct_count(t->ct) <= 41);
    assert_int_equal(st.chaintoolong, (uint64_t)dropped);
    assert_int_equal(st.insert_failed, (uint64_t)dropped);
    assert_int_equal(ctfw_ct_count(t->ct) + (uint32_t)dropped, 100);
    tctx_free(t);
}

static void
test_lazy_expiry(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt o = mk_udp(C, S, 41000, 6000, 5);
    struct ctfw_ct_ref r1 = pass(t, &o, T0);
    (void)r1;
    /* 30 s later the entry is expired: the next packet is NEW again. */
    struct ctfw_ct_ref r2 = pass(t, &o, T0 + 30 * SEC);
    assert_int_equal(r2.info, CTFW_CT_NEW);
    assert_int_equal(ctfw_ct_count(t->ct), 1);
    assert_true(t->ndestroy[CTFW_CT_DESTROY_TIMEOUT] >= 1);
    tctx_free(t);
}

static void
test_gc_reaps(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    for (uint16_t i = 0; i < 50; i++) {
        struct ctfw_pkt o = mk_udp(C, S, (uint16_t)(1000 + i), 53, 0);
        pass(t, &o, T0 + 2 * SEC);
    }
    assert_int_equal(ctfw_ct_count(t->ct), 50);
    /* The gc runs at most 60 s apart: all gone by then. */
    ctfw_ct_advance(t->ct, T0 + 120 * SEC);
    assert_int_equal(ctfw_ct_count(t->ct), 0);
    assert_int_equal(t->ndestroy[CTFW_CT_DESTROY_TIMEOUT], 50);
    tctx_free(t);
}

/*
 * The per-class counters (ctfw_ct_count_by_class) against a walk of the
 * table, through creation, a reply, TCP transitions, an RST kill, the
 * table-full path and expiry. The classes of the walk come from
 * ctfw_ct_entry_class(); the expected numbers are reasoned beside each
 * step (TCP transitions: reference §2.8's state table).
 */
static void
check_classes(struct tctx *t, uint64_t now, const uint32_t *want)
{
    uint32_t got[CTFW_CT_CLASS_COUNT], walk[CTFW_CT_CLASS_COUNT] = {0};
    ctfw_ct_count_by_class(t->ct, got);
    uint32_t sum = 0;
    for (int i = 0; i < CTFW_CT_CLASS_COUNT; i++)
        sum += got[i];
    assert_int_equal(sum, ctfw_ct_count(t->ct));
    const struct ctfw_ct_entry *v[64];
    size_t n = ctfw_ct_list(t->ct, now, v, 64);
    for (size_t i = 0; i < n; i++)
        walk[ctfw_ct_entry_class(v[i])]++;
    ctfw_ct_count_by_class(t->ct, got);  /* listing reaps expired ones */
    for (int i = 0; i < CTFW_CT_CLASS_COUNT; i++) {
        assert_int_equal(got[i], walk[i]);
        assert_int_equal(got[i], want[i]);
    }
}

static void
max3(struct ctfw_ct_config *c)
{
    c->max = 3;
}

static void
test_class_counters(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(max3);
    uint32_t want[CTFW_CT_CLASS_COUNT] = {0};
    assert_string_equal(
        ctfw_ct_class_name((enum ctfw_ct_class)CTFW_CT_TCP_TIME_WAIT),
        "TIME_WAIT");
    assert_string_equal(ctfw_ct_class_name(CTFW_CT_CLASS_UDP_UNREPLIED),
                        "UDP_UNREPLIED");
    /* A UDP query: one UDP_UNREPLIED; its answer makes it REPLIED. */
    struct ctfw_pkt q = mk_udp(C, S, 1000, 53, 10);
    struct ctfw_pkt a = mk_udp(S, C, 53, 1000, 10);
    pass(t, &q, T0);
    want[CTFW_CT_CLASS_UDP_UNREPLIED] = 1;
    check_classes(t, T0, want);
    pass(t, &a, T0 + 1);
    want[CTFW_CT_CLASS_UDP_UNREPLIED] = 0;
    want[CTFW_CT_CLASS_UDP_REPLIED] = 1;
    check_classes(t, T0 + 1, want);
    /* A SYN: SYN_SENT; the SYN-ACK: SYN_RECV; the ACK: ESTABLISHED. */
    struct ctfw_pkt syn = mk_tcp(C, S, 2000, 80, CTFW_TCP_SYN, 100, 0,
                                 1000, 0);
    struct ctfw_pkt sa = mk_tcp(S, C, 80, 2000, CTFW_TCP_SYN | CTFW_TCP_ACK,
                                500, 101, 1000, 0);
    struct ctfw_pkt ack = mk_tcp(C, S, 2000, 80, CTFW_TCP_ACK, 101, 501,
                                 1000, 0);
    pass(t, &syn, T0 + 2);
    want[CTFW_CT_TCP_SYN_SENT] = 1;
    check_classes(t, T0 + 2, want);
    pass(t, &sa, T0 + 3);
    want[CTFW_CT_TCP_SYN_SENT] = 0;
    want[CTFW_CT_TCP_SYN_RECV] = 1;
    check_classes(t, T0 + 3, want);
    pass(t, &ack, T0 + 4);
    want[CTFW_CT_TCP_SYN_RECV] = 0;
    want[CTFW_CT_TCP_ESTABLISHED] = 1;
    check_classes(t, T0 + 4, want);
    /* An ICMP echo: ICMP_UNREPLIED; 3 entries = max. */
    struct ctfw_pkt echo = mk_icmp(C, S, 8, 0, 7);
    pass(t, &echo, T0 + 5);
    want[CTFW_CT_CLASS_ICMP_UNREPLIED] = 1;
    check_classes(t, T0 + 5, want);
    /* A fourth connection: count 4 > 3; early_drop evicts a
     * non-ASSURED entry of the new tuple's bucket when it finds one
     * (reference §2.6); whatever happened, the counters still sum to
     * the count and agree with the walk. */
    struct ctfw_pkt q2 = mk_udp(C, S, 1001, 53, 10);
    pass(t, &q2, T0 + 6);
    {
        uint32_t got[CTFW_CT_CLASS_COUNT], sum = 0;
        ctfw_ct_count_by_class(t->ct, got);
        for (int i = 0; i < CTFW_CT_CLASS_COUNT; i++)
            sum += got[i];
        assert_int_equal(sum, ctfw_ct_count(t->ct));
        assert_true(sum <= 3);
        memcpy(want, got, sizeof(want));
        check_classes(t, T0 + 6, want);
    }
    /* After 432000 s and more every entry expired; the listing reaps
     * them and every counter is back to zero. */
    memset(want, 0, sizeof(want));
    check_classes(t, T0 + 500000 * SEC, want);
    tctx_free(t);
}

static void
gc10k(struct ctfw_ct_config *c)
{
    c->max = 10000;
    c->buckets = 16384;
}

static void
test_gc_early_drop_mode(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(gc10k);
    /* 10000 ASSURED TCP entries in TIME_WAIT (white-box): allocation-path
     * early drop skips them, the gc early-drop mode may kill them. */
    for (uint32_t i = 0; i < 10000; i++) {
        struct ctfw_pkt p = mk_tcp(C, S, (uint16_t)(10000 + i), 80,
                                   CTFW_TCP_SYN, 1, 0, 1000, 0);
        struct ctfw_ct_ref r = pass(t, &p, T0);
        struct ctfw_ct_entry *e = r.entry;
        e->status |= CTFW_CT_S_ASSURED | CTFW_CT_S_SEEN_REPLY;
        e->p.tcp.state = CTFW_CT_TCP_TIME_WAIT;
        e->timeout = T0 + 100000 * SEC;
    }
    struct ctfw_pkt p = mk_udp(C, S, 1, 53, 0);
    struct ctfw_ct_ref r = pass(t, &p, T0 + SEC / 2);
    assert_int_equal(r.verdict, CTFW_CT_DROP);
    assert_int_equal(ctfw_ct_count(t->ct), 10000);
    /* Next gc invocation (first run 1 s after init): at most
     * 64000/HZ = 256 kills plus the one that crosses the budget (§2.8
     * [V]: exactly 257) while the count stays >= 95 % of max,
     * uncounted in early_drop. */
    ctfw_ct_advance(t->ct, T0 + 2 * SEC);
    assert_int_equal(ctfw_ct_count(t->ct), 10000 - 257);
    assert_int_equal(t->ndestroy[CTFW_CT_DESTROY_GC_EVICT], 257);
    assert_int_equal(stats(t).early_drop, 0);
    /* The mode ended with that invocation: nothing more goes. */
    ctfw_ct_advance(t->ct, T0 + 200 * SEC);
    assert_int_equal(ctfw_ct_count(t->ct), 10000 - 257);
    tctx_free(t);
}

static void
test_flush_and_list_order(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    uint16_t ports[] = {5000, 1000, 3000};
    for (int i = 0; i < 3; i++) {
        struct ctfw_pkt o = mk_udp(C, S, ports[i], 53, 0);
        pass(t, &o, T0);
    }
    const struct ctfw_ct_entry *l[4];
    assert_int_equal(ctfw_ct_list(t->ct, T0, l, 4), 3);
    struct ctfw_ct_tuple tu;
    ctfw_ct_entry_tuple(l[0], CTFW_CT_DIR_ORIGINAL, &tu);
    assert_int_equal(tu.sport, 1000);
    ctfw_ct_entry_tuple(l[2], CTFW_CT_DIR_ORIGINAL, &tu);
    assert_int_equal(tu.sport, 5000);
    ctfw_ct_flush(t->ct, T0);
    assert_int_equal(ctfw_ct_count(t->ct), 0);
    assert_int_equal(t->ndestroy[CTFW_CT_DESTROY_FLUSH], 3);
    tctx_free(t);
}

static void
test_resize_keeps_entries(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    for (uint16_t i = 0; i < 100; i++) {
        struct ctfw_pkt o = mk_udp(C, S, (uint16_t)(1000 + i), 53, 0);
        pass(t, &o, T0);
    }
    struct ctfw_ct_config c = t->cfg;
    c.buckets = 7;
    assert_int_equal(ctfw_ct_set_config(t->ct, &c), 0);
    struct ctfw_pkt r = mk_udp(S, C, 53, 1050, 0);
    assert_int_equal(pass(t, &r, T0 + 1).info, CTFW_CT_ESTABLISHED_REPLY);
    assert_int_equal(ctfw_ct_count(t->ct), 100);
    tctx_free(t);
}

static void
test_far_clock_start(void **state)
{
    (void)state;
    /* start_ns 0, first packet at an epoch time: the idle gc invocations
     * in between are skipped, not run one by one. */
    struct ctfw_ct *ct;
    assert_int_equal(ctfw_ct_new(NULL, &ct), 0);
    struct tctx t0 = {.ct = ct};
    struct ctfw_pkt o = mk_udp(C, S, 41000, 6000, 5);
    uint64_t epoch = 1795606661ull * SEC;
    assert_int_equal(pass(&t0, &o, epoch).info, CTFW_CT_NEW);
    ctfw_ct_advance(ct, epoch + 31 * SEC + 60 * SEC);
    assert_int_equal(ctfw_ct_count(ct), 0);
    ctfw_ct_free(ct);
}

static void
test_nat_helpers(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt o = mk_udp(C, S, 41000, 6000, 5);
    struct ctfw_ct_ref ref;
    ctfw_ct_ref_init(&ref);
    ctfw_ct_in(t->ct, &o, T0, CTFW_CT_HOOK_PRE_ROUTING, &ref);
    /* SNAT to 10.99.2.1:41000 before confirmation. */
    struct ctfw_ct_tuple rep;
    ctfw_ct_entry_tuple(ref.entry, CTFW_CT_DIR_REPLY, &rep);
    rep.dst.w[0] = ip4(10, 99, 2, 1);
    assert_int_equal(ctfw_ct_entry_set_reply(ref.entry, &rep), 0);
    ctfw_ct_entry_set_status(ref.entry, CTFW_CT_S_SRC_NAT |
                                           CTFW_CT_S_SRC_NAT_DONE);
    ctfw_ct_confirm(t->ct, &ref, T0);
    assert_int_equal(ctfw_ct_entry_set_reply(ref.entry, &rep), -EBUSY);
    /* The translated reply matches the entry. */
    struct ctfw_pkt r = mk_udp(S, ip4(10, 99, 2, 1), 6000, 41000, 5);
    assert_int_equal(pass(t, &r, T0 + 1).info, CTFW_CT_ESTABLISHED_REPLY);
    /* nf_conntrack_tuple_taken(): the reply tuple is in use; found++. */
    struct ctfw_ct_tuple q = rep;
    assert_true(ctfw_ct_tuple_taken(t->ct, 4, 17, 0, &q, NULL, T0 + 2));
    assert_false(ctfw_ct_tuple_taken(t->ct, 4, 17, 0, &q, ref.entry,
                                     T0 + 2));
    q.dport = 41001;
    assert_false(ctfw_ct_tuple_taken(t->ct, 4, 17, 0, &q, NULL, T0 + 2));
    assert_int_equal(stats(t).found, 1);
    tctx_free(t);
}

/* ---- Formats (§7; lines from real conntrack 1.4.7 / 6.x procfs) ------- */

static void
acct_ts(struct ctfw_ct_config *c)
{
    c->acct = true;
    c->timestamp = true;
}

static void
test_format_list_lines(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    char buf[512];
    uint64_t ms = SEC / 1000;
    /* UDP, one packet: §7.2 [V] line. */
    struct ctfw_pkt u = mk_udp(C, S, 41000, 6000, 5);
    struct ctfw_ct_ref r = pass(t, &u, T0);
    ctfw_ct_format_entry(t->ct, r.entry, T0 + 10 * ms, 0, buf, sizeof(buf));
    assert_string_equal(buf,
        "udp      17 29 src=10.99.1.2 dst=10.99.2.2 sport=41000 dport=6000 "
        "[UNREPLIED] src=10.99.2.2 dst=10.99.1.2 sport=6000 dport=41000 "
        "mark=0 use=1");
    /* ICMP echo + reply: §7.2 [V] line. */
    struct ctfw_pkt q = mk_icmp(C, S, 8, 0, 2979);
    struct ctfw_pkt a = mk_icmp(S, C, 0, 0, 2979);
    r = pass(t, &q, T0);
    pass(t, &a, T0);
    ctfw_ct_format_entry(t->ct, r.entry, T0 + 10 * ms, 0, buf, sizeof(buf));
    assert_string_equal(buf,
        "icmp     1 29 src=10.99.1.2 dst=10.99.2.2 type=8 code=0 id=2979 "
        "src=10.99.2.2 dst=10.99.1.2 type=0 code=0 id=2979 mark=0 use=1");
    ctfw_ct_format_proc(t->ct, r.entry, T0 + 10 * ms, buf, sizeof(buf));
    assert_string_equal(buf,
        "ipv4     2 icmp     1 29 src=10.99.1.2 dst=10.99.2.2 type=8 code=0 "
        "id=2979 src=10.99.2.2 dst=10.99.1.2 type=0 code=0 id=2979 mark=0 "
        "zone=0 use=2");
    /* TCP handshake: §7.2 [V] line. */
    struct ctfw_pkt s1 = mk_tcp(C, S, 40000, 5555, CTFW_TCP_SYN, 100, 0,
                                64240, 0);
    struct ctfw_pkt s2 = mk_tcp(S, C, 5555, 40000,
                                CTFW_TCP_SYN | CTFW_TCP_ACK, 900, 101,
                                65160, 0);
    struct ctfw_pkt s3 = mk_tcp(C, S, 40000, 5555, CTFW_TCP_ACK, 101, 901,
                                502, 0);
    r = pass(t, &s1, T0);
    pass(t, &s2, T0);
    pass(t, &s3, T0);
    ctfw_ct_format_entry(t->ct, r.entry, T0 + 10 * ms, 0, buf, sizeof(buf));
    assert_string_equal(buf,
        "tcp      6 431999 ESTABLISHED src=10.99.1.2 dst=10.99.2.2 "
        "sport=40000 dport=5555 src=10.99.2.2 dst=10.99.1.2 sport=5555 "
        "dport=40000 [ASSURED] mark=0 use=1");
    tctx_free(t);
}

static void
test_format_acct_timestamp(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(acct_ts);
    char buf[512];
    /* §7.1 [V]: UDP "hello" = 33 bytes, delta-time from confirmation. */
    struct ctfw_pkt u = mk_udp(C, S, 41020, 6001, 5);
    struct ctfw_ct_ref r = pass(t, &u, T0);
    ctfw_ct_format_proc(t->ct, r.entry, T0 + 1500 * (SEC / 1000), buf,
                        sizeof(buf));
    assert_string_equal(buf,
        "ipv4     2 udp      17 28 src=10.99.1.2 dst=10.99.2.2 sport=41020 "
        "dport=6001 packets=1 bytes=33 [UNREPLIED] src=10.99.2.2 "
        "dst=10.99.1.2 sport=6001 dport=41020 packets=0 bytes=0 mark=0 "
        "zone=0 delta-time=1 use=2");
    ctfw_ct_format_entry(t->ct, r.entry, T0 + 1500 * (SEC / 1000),
                         CTFW_CT_FMT_EXTENDED, buf, sizeof(buf));
    assert_string_equal(buf,
        "ipv4     2 udp      17 28 src=10.99.1.2 dst=10.99.2.2 sport=41020 "
        "dport=6001 packets=1 bytes=33 [UNREPLIED] src=10.99.2.2 "
        "dst=10.99.1.2 sport=6001 dport=41020 packets=0 bytes=0 mark=0 "
        "delta-time=1 use=1");
    tctx_free(t);
}

static void
test_format_ipv6(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt p = mk_udp(0, 0, 1000, 2000, 0);
    p.family = 6;
    p.src.b[15] = 1;
    p.dst.b[15] = 1;
    struct ctfw_ct_ref r = pass(t, &p, T0);
    char buf[512];
    ctfw_ct_format_proc(t->ct, r.entry, T0 + SEC / 100, buf, sizeof(buf));
    /* §4.4: procfs expands, conntrack compresses. */
    assert_string_equal(buf,
        "ipv6     10 udp      17 29 "
        "src=0000:0000:0000:0000:0000:0000:0000:0001 "
        "dst=0000:0000:0000:0000:0000:0000:0000:0001 sport=1000 dport=2000 "
        "[UNREPLIED] src=0000:0000:0000:0000:0000:0000:0000:0001 "
        "dst=0000:0000:0000:0000:0000:0000:0000:0001 sport=2000 dport=1000 "
        "mark=0 zone=0 use=2");
    ctfw_ct_format_entry(t->ct, r.entry, T0 + SEC / 100, 0, buf, sizeof(buf));
    assert_string_equal(buf,
        "udp      17 29 src=::1 dst=::1 sport=1000 dport=2000 [UNREPLIED] "
        "src=::1 dst=::1 sport=2000 dport=1000 mark=0 use=1");
    tctx_free(t);
}

static void
test_format_stats(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    /* One invalid packet (bare FIN), as in the §7.2 [V] sample. */
    struct ctfw_pkt f = mk_tcp(C, S, 1, 2, CTFW_TCP_FIN, 1, 0, 10, 0);
    pass(t, &f, T0);
    char buf[1024];
    ctfw_ct_format_stats(t->ct, 2, buf, sizeof(buf));
    assert_string_equal(buf,
        "cpu=0   \tfound=0 invalid=1 insert=0 insert_failed=0 drop=0 "
        "early_drop=0 error=0 search_restart=0 clash_resolve=0 "
        "chaintoolong=0 \n"
        "cpu=1   \tfound=0 invalid=0 insert=0 insert_failed=0 drop=0 "
        "early_drop=0 error=0 search_restart=0 clash_resolve=0 "
        "chaintoolong=0 ");
    struct ctfw_pkt u = mk_udp(C, S, 41000, 6000, 5);
    pass(t, &u, T0);
    pass(t, &u, T0);
    struct ctfw_pkt v = mk_udp(C, S, 41001, 6000, 5);
    pass(t, &v, T0);
    ctfw_ct_format_proc_stat(t->ct, 1, buf, sizeof(buf));
    /* §7.3 sample layout: entries=2, invalid in the 5th column. */
    assert_string_equal(buf,
        "entries  clashres found new invalid ignore delete chainlength "
        "insert insert_failed drop early_drop icmp_error  expect_new "
        "expect_create expect_delete search_restart\n"
        "00000002  00000000 00000000 00000000 00000001 00000000 00000000 "
        "00000000 00000000 00000000 00000000 00000000 00000000  00000000 "
        "00000000 00000000 00000000");
    ctfw_ct_format_count(t->ct, buf, sizeof(buf));
    assert_string_equal(buf, "2");
    tctx_free(t);
}

static struct ctfw_ct_event last_ev;
static char last_ev_line[512];

static void
fmt_event(void *opaque, const struct ctfw_ct_event *ev)
{
    struct tctx *t = opaque;
    last_ev = *ev;
    ctfw_ct_format_event(t->ct, ev, 0, last_ev_line, sizeof(last_ev_line));
}

static void
test_format_events(void **state)
{
    (void)state;
    struct ctfw_ct_config c;
    ctfw_ct_config_default(&c, 0);
    struct tctx t0;
    memset(&t0, 0, sizeof(t0));
    struct ctfw_ct_params p = {.config = &c, .start_ns = T0,
                               .on_event = fmt_event, .event_opaque = &t0};
    assert_int_equal(ctfw_ct_new(&p, &t0.ct), 0);
    struct ctfw_pkt s1 = mk_tcp(ip4(10, 99, 0, 1), ip4(10, 99, 0, 2), 52204,
                                8080, CTFW_TCP_SYN, 100, 0, 64240, 0);
    pass(&t0, &s1, T0);
    /* user-conventions §1.3 `conntrack -E` sample (events show the
     * configured timeout). */
    assert_string_equal(last_ev_line,
        "    [NEW] tcp      6 120 SYN_SENT src=10.99.0.1 dst=10.99.0.2 "
        "sport=52204 dport=8080 [UNREPLIED] src=10.99.0.2 dst=10.99.0.1 "
        "sport=8080 dport=52204");
    struct ctfw_pkt s2 = mk_tcp(ip4(10, 99, 0, 2), ip4(10, 99, 0, 1), 8080,
                                52204, CTFW_TCP_SYN | CTFW_TCP_ACK, 500, 101,
                                65160, 0);
    pass(&t0, &s2, T0 + 1000);
    assert_string_equal(last_ev_line,
        " [UPDATE] tcp      6 60 SYN_RECV src=10.99.0.1 dst=10.99.0.2 "
        "sport=52204 dport=8080 src=10.99.0.2 dst=10.99.0.1 sport=8080 "
        "dport=52204");
    struct ctfw_pkt s3 = mk_tcp(ip4(10, 99, 0, 1), ip4(10, 99, 0, 2), 52204,
                                8080, CTFW_TCP_ACK, 101, 501, 502, 0);
    pass(&t0, &s3, T0 + 2000);
    assert_string_equal(last_ev_line,
        " [UPDATE] tcp      6 432000 ESTABLISHED src=10.99.0.1 "
        "dst=10.99.0.2 sport=52204 dport=8080 src=10.99.0.2 dst=10.99.0.1 "
        "sport=8080 dport=52204 [ASSURED]");
    /* A killed entry's DESTROY shows the time it had left (real
     * `conntrack -E`, docs/conntrack.md scenario 2)... */
    ctfw_ct_flush(t0.ct, T0 + 3000);
    assert_int_equal(last_ev.type, CTFW_CT_EVENT_DESTROY);
    assert_string_equal(last_ev_line,
        "[DESTROY] tcp      6 432000 ESTABLISHED src=10.99.0.1 "
        "dst=10.99.0.2 sport=52204 dport=8080 src=10.99.0.2 dst=10.99.0.1 "
        "sport=8080 dport=52204 [ASSURED]");
    /* ...an expired one shows none (user-conventions §1.3 sample). */
    struct ctfw_pkt u = mk_udp(ip4(10, 99, 0, 1), ip4(10, 99, 0, 2), 44054,
                               123, 4);
    pass(&t0, &u, T0 + SEC);
    ctfw_ct_advance(t0.ct, T0 + 100 * SEC);
    assert_int_equal(last_ev.type, CTFW_CT_EVENT_DESTROY);
    assert_int_equal(last_ev.reason, CTFW_CT_DESTROY_TIMEOUT);
    assert_string_equal(last_ev_line,
        "[DESTROY] udp      17 src=10.99.0.1 dst=10.99.0.2 sport=44054 "
        "dport=123 [UNREPLIED] src=10.99.0.2 dst=10.99.0.1 sport=123 "
        "dport=44054");
    ctfw_ct_free(t0.ct);
}

int
main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_size),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_abort_leaves_nothing),
        cmocka_unit_test(test_confirm_inserts),
        cmocka_unit_test(test_notrack),
        cmocka_unit_test(test_zones_separate),
        cmocka_unit_test(test_fragment_invalid),
        cmocka_unit_test(test_udp_timeouts),
        cmocka_unit_test(test_udp_late_reply_not_assured),
        cmocka_unit_test(test_udp_bad_length),
        cmocka_unit_test(test_timeout_at_next_packet),
        cmocka_unit_test(test_icmp_echo),
        cmocka_unit_test(test_icmp_invalid_new),
        cmocka_unit_test(test_icmp_error_related),
        cmocka_unit_test(test_icmp_error_unknown_flow),
        cmocka_unit_test(test_icmpv6_nd_untracked),
        cmocka_unit_test(test_generic),
        cmocka_unit_test(test_early_drop_evicts_whole_chain),
        cmocka_unit_test(test_table_full_drop_and_log),
        cmocka_unit_test(test_early_drop_at_scale),
        cmocka_unit_test(test_table_full_netns_text),
        cmocka_unit_test(test_max_zero_unlimited),
        cmocka_unit_test(test_chain_too_long),
        cmocka_unit_test(test_lazy_expiry),
        cmocka_unit_test(test_gc_reaps),
        cmocka_unit_test(test_class_counters),
        cmocka_unit_test(test_gc_early_drop_mode),
        cmocka_unit_test(test_flush_and_list_order),
        cmocka_unit_test(test_resize_keeps_entries),
        cmocka_unit_test(test_far_clock_start),
        cmocka_unit_test(test_nat_helpers),
        cmocka_unit_test(test_format_list_lines),
        cmocka_unit_test(test_format_acct_timestamp),
        cmocka_unit_test(test_format_ipv6),
        cmocka_unit_test(test_format_stats),
        cmocka_unit_test(test_format_events),
    };
    const struct CMUnitTest *tcp;
    size_t ntcp;
    ct_tcp_tests(&tcp, &ntcp);
    int fails = cmocka_run_group_tests_name("ct", tests, NULL, NULL);
    fails += _cmocka_run_group_tests("ct_tcp", tcp, ntcp, NULL, NULL);
    ct_oracle_tests(&tcp, &ntcp);
    fails += _cmocka_run_group_tests("ct_oracle", tcp, ntcp, NULL, NULL);
    ct_helper_tests(&tcp, &ntcp);
    fails += _cmocka_run_group_tests("ct_helper", tcp, ntcp, NULL, NULL);
    ct_sctp_tests(&tcp, &ntcp);
    fails += _cmocka_run_group_tests("ct_sctp", tcp, ntcp, NULL, NULL);
    ct_table_tests(&tcp, &ntcp);
    fails += _cmocka_run_group_tests("ct_table", tcp, ntcp, NULL, NULL);
    return fails;
}
