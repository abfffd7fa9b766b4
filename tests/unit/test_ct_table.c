// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The conntrack table's layout (issue 9): 128-byte entries whose IPv6
 * addresses live in the pool slot after the entry (a compact tuple with
 * a fold of each address in the entry itself), the pool's huge-page
 * slabs, and the lookup hints of ctfw_ct_prefetch(). What is checked is
 * what the layout must not change: every connection is found by its own
 * tuple and by no other, whatever shares its chain or its slot history.
 */
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

#define C_ADDR ip4(10, 99, 1, 2)
#define S_ADDR ip4(10, 99, 2, 2)

static void
one_bucket(struct ctfw_ct_config *c)
{
    c->buckets = 1;
    c->max = 0;
}

static struct ctfw_pkt
mk_udp6(const uint32_t src[4], const uint32_t dst[4], uint16_t sp,
        uint16_t dp)
{
    struct ctfw_pkt p = mk_udp(0, 0, sp, dp, 0);
    p.family = 6;
    for (int i = 0; i < 4; i++) {
        p.src.w[i] = src[i];
        p.dst.w[i] = dst[i];
    }
    p.ip_len = 8;
    return p;
}

static const struct ctfw_ct_entry *
find(struct tctx *t, const struct ctfw_pkt *p, enum ctfw_ct_dir *dir)
{
    return ctfw_ct_find(t->ct, p, 0, T0, dir);
}

/*
 * The entry keeps only the xor of an IPv6 address's four words beside
 * the ports; two addresses with the same words in another order have the
 * same fold. With one bucket both connections share one chain, and the
 * newer one is met first (head insertion): a lookup of the older one
 * passes a node whose fold and ports are equal, and must still reject
 * it on the full addresses (the slot after the entry).
 */
static void
test_v6_fold_collision(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(one_bucket);
    const uint32_t a[4] = {0x20010db8, 1, 2, 3};
    const uint32_t b[4] = {3, 2, 1, 0x20010db8};   /* same fold as a */
    const uint32_t s[4] = {0x20010db8, 0, 0, 0x09000000};
    assert_int_equal(ct_addr_fold((const union ctfw_addr *)a),
                     ct_addr_fold((const union ctfw_addr *)b));
    struct ctfw_pkt pa = mk_udp6(a, s, 5000, 53);
    struct ctfw_pkt pb = mk_udp6(b, s, 5000, 53);
    struct ctfw_ct_ref ra = pass(t, &pa, T0);
    struct ctfw_ct_ref rb = pass(t, &pb, T0);
    assert_non_null(ra.entry);
    assert_non_null(rb.entry);
    assert_ptr_not_equal(ra.entry, rb.entry);
    assert_int_equal(ctfw_ct_count(t->ct), 2);
    enum ctfw_ct_dir d;
    assert_ptr_equal(find(t, &pa, &d), ra.entry);
    assert_int_equal(d, CTFW_CT_DIR_ORIGINAL);
    assert_ptr_equal(find(t, &pb, &d), rb.entry);
    /* The replies too (fold of s and of a/b in the other places). */
    struct ctfw_pkt qa = mk_udp6(s, a, 53, 5000);
    struct ctfw_pkt qb = mk_udp6(s, b, 53, 5000);
    assert_ptr_equal(find(t, &qa, &d), ra.entry);
    assert_int_equal(d, CTFW_CT_DIR_REPLY);
    assert_ptr_equal(find(t, &qb, &d), rb.entry);
    /* A second packet of each is ESTABLISHED on its own entry, not NEW
     * and not the other's. */
    struct ctfw_ct_ref r2 = pass(t, &qa, T0 + 1);
    assert_ptr_equal(r2.entry, ra.entry);
    assert_int_equal(r2.info, CTFW_CT_ESTABLISHED_REPLY);
    struct ctfw_ct_tuple tu;
    ctfw_ct_entry_tuple(rb.entry, CTFW_CT_DIR_ORIGINAL, &tu);
    assert_memory_equal(tu.src.w, b, 16);
    assert_memory_equal(tu.dst.w, s, 16);
    tctx_free(t);
}

/*
 * IPv6 entries take a pair of slots, IPv4 ones one; freed pairs and
 * single slots are reused in any mix. After rounds of creating and
 * flushing mixed connections, every live connection must read back its
 * own tuples, and the walks over the pool (listing, count) must see
 * exactly the live connections: an address slot must never pass for an
 * entry.
 */
static void
test_slot_pairs_reused(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    uint64_t now = T0;
    for (int round = 0; round < 4; round++) {
        unsigned n = 0;
        for (unsigned i = 0; i < 300; i++) {
            struct ctfw_pkt p;
            /* Rounds alternate which family comes in runs. */
            bool v6 = round & 1 ? (i % 3 == 0) : (i % 3 != 0);
            if (v6) {
                const uint32_t src[4] = {0x20010db8, round, i, 7};
                const uint32_t dst[4] = {0x20010db8, 0, 0, 9};
                p = mk_udp6(src, dst, (uint16_t)(1000 + i), 53);
            } else {
                p = mk_udp(ip4(10, (unsigned)round, i >> 8, i & 255),
                           ip4(10, 0, 0, 9), (uint16_t)(1000 + i), 53, 0);
            }
            struct ctfw_ct_ref r = pass(t, &p, now);
            assert_non_null(r.entry);
            n++;
            enum ctfw_ct_dir d;
            assert_ptr_equal(ctfw_ct_find(t->ct, &p, 0, now, &d), r.entry);
            struct ctfw_ct_tuple tu;
            ctfw_ct_entry_tuple(r.entry, CTFW_CT_DIR_ORIGINAL, &tu);
            assert_memory_equal(tu.src.b, p.src.b, v6 ? 16 : 4);
            assert_memory_equal(tu.dst.b, p.dst.b, v6 ? 16 : 4);
            assert_int_equal(tu.sport, p.sport);
            ctfw_ct_entry_tuple(r.entry, CTFW_CT_DIR_REPLY, &tu);
            assert_memory_equal(tu.src.b, p.dst.b, v6 ? 16 : 4);
            assert_int_equal(tu.dport, p.sport);
        }
        assert_int_equal(ctfw_ct_count(t->ct), n);
        assert_int_equal(ctfw_ct_list(t->ct, now, NULL, 0), n);
        /* Delete every other connection, then everything: slots of
         * both kinds go back to the free lists in a mixed order. */
        const struct ctfw_ct_entry *v[300];
        assert_int_equal(ctfw_ct_list(t->ct, now, v, 300), n);
        for (unsigned i = 0; i < n; i += 2)
            ctfw_ct_delete(t->ct, v[i], now);
        assert_int_equal(ctfw_ct_list(t->ct, now, NULL, 0), n - (n + 1) / 2);
        if (round < 3)
            ctfw_ct_flush(t->ct, now);
        now += SEC;
    }
    tctx_free(t);
}

static void
big_table(struct ctfw_ct_config *c)
{
    c->max = 200000;
    c->buckets = 65536;
    c->checksum = false;
}

/*
 * 100,000 connections fill the first 16,384 slots (allocated one chunk
 * at a time) and then slabs of 65,536 slots (huge-page backed, carved
 * into chunks): every one is found again by its tuple, whichever chunk
 * or slab it is in.
 */
static void
test_pool_slabs(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(big_table);
    const unsigned n = 100000;
    for (unsigned i = 0; i < n; i++) {
        struct ctfw_pkt p = mk_udp(ip4(10, 1, i >> 8 & 255, i & 255),
                                   ip4(10, 2, 0, 1),
                                   (uint16_t)(1024 + (i >> 16)), 53, 0);
        assert_non_null(pass(t, &p, T0).entry);
    }
    assert_int_equal(ctfw_ct_count(t->ct), n);
    for (unsigned i = 0; i < n; i += 7) {
        struct ctfw_pkt p = mk_udp(ip4(10, 1, i >> 8 & 255, i & 255),
                                   ip4(10, 2, 0, 1),
                                   (uint16_t)(1024 + (i >> 16)), 53, 0);
        assert_non_null(ctfw_ct_find(t->ct, &p, 0, T0, NULL));
    }
    tctx_free(t);
}

/*
 * A hint is a shortcut, never an answer: given with the packet it was
 * made for, the lookup finds what it finds without one; given with
 * another packet, for another zone, or from another context, it must be
 * ignored (the packet's own tuple decides). A hint for an ICMP packet
 * (no ports) is not handed on at all.
 */
static void
test_hint_only_a_shortcut(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct tctx *o = tctx_new(NULL);
    struct ctfw_pkt a = mk_udp(C_ADDR, S_ADDR, 1000, 53, 0);
    struct ctfw_pkt b = mk_udp(C_ADDR, S_ADDR, 1001, 53, 0);
    struct ctfw_ct_ref ra = pass(t, &a, T0);
    struct ctfw_ct_ref rb = pass(t, &b, T0);
    assert_ptr_not_equal(ra.entry, rb.entry);

    struct ctfw_ct_hint ha, hz, ho;
    ctfw_ct_prefetch(t->ct, &a, 0, &ha);
    ctfw_ct_prefetch_entry(t->ct, &ha);
    /* The third pass reads the chain (here: b's node first, then a's);
     * like the others it changes nothing that the lookups below see. */
    ctfw_ct_prefetch_next(t->ct, &ha);
    assert_ptr_equal(ha.ct, t->ct);
    ctfw_ct_prefetch(t->ct, &a, 5, &hz);
    ctfw_ct_prefetch_next(t->ct, &hz);       /* empty chain */
    ctfw_ct_prefetch(o->ct, &a, 0, &ho);
    ctfw_ct_prefetch_next(t->ct, &ho);       /* not t's: ignored */

    struct ctfw_ct_ref ref;
    /* Right packet: the same entry as without a hint. */
    ctfw_ct_ref_init(&ref);
    ctfw_ct_in_hint(t->ct, &a, T0 + 1, CTFW_CT_HOOK_PRE_ROUTING, &ref, &ha);
    assert_ptr_equal(ref.entry, ra.entry);
    ctfw_ct_confirm(t->ct, &ref, T0 + 1);
    /* Another packet with a's hint: b's own entry. */
    ctfw_ct_ref_init(&ref);
    ctfw_ct_in_hint(t->ct, &b, T0 + 2, CTFW_CT_HOOK_PRE_ROUTING, &ref, &ha);
    assert_ptr_equal(ref.entry, rb.entry);
    ctfw_ct_confirm(t->ct, &ref, T0 + 2);
    /* A hint for zone 5 given to a zone-0 packet: a's zone-0 entry. */
    ctfw_ct_ref_init(&ref);
    ctfw_ct_in_hint(t->ct, &a, T0 + 3, CTFW_CT_HOOK_PRE_ROUTING, &ref, &hz);
    assert_ptr_equal(ref.entry, ra.entry);
    ctfw_ct_confirm(t->ct, &ref, T0 + 3);
    /* A zone-0 hint given to a packet that the raw table put in zone 5:
     * a new entry in zone 5, not a's. */
    ctfw_ct_ref_init(&ref);
    ctfw_ct_ref_set_zone(&ref, 5);
    ctfw_ct_in_hint(t->ct, &a, T0 + 4, CTFW_CT_HOOK_PRE_ROUTING, &ref, &ha);
    assert_non_null(ref.entry);
    assert_ptr_not_equal(ref.entry, ra.entry);
    assert_int_equal(ctfw_ct_entry_zone(ref.entry), 5);
    assert_int_equal(ref.info, CTFW_CT_NEW);
    ctfw_ct_confirm(t->ct, &ref, T0 + 4);
    /* Another context's hint: ignored (t's hash seed is not o's). */
    ctfw_ct_ref_init(&ref);
    ctfw_ct_in_hint(t->ct, &a, T0 + 5, CTFW_CT_HOOK_PRE_ROUTING, &ref, &ho);
    assert_ptr_equal(ref.entry, ra.entry);
    ctfw_ct_confirm(t->ct, &ref, T0 + 5);
    assert_int_equal(ctfw_ct_count(t->ct), 3);
    /* ICMP: no hint is handed on. */
    struct ctfw_pkt e = mk_icmp(C_ADDR, S_ADDR, 8, 0, 7);
    struct ctfw_ct_hint hi;
    ctfw_ct_prefetch(t->ct, &e, 0, &hi);
    assert_null(hi.ct);
    tctx_free(o);
    tctx_free(t);
}

static const struct CMUnitTest table_tests[] = {
    cmocka_unit_test(test_v6_fold_collision),
    cmocka_unit_test(test_slot_pairs_reused),
    cmocka_unit_test(test_pool_slabs),
    cmocka_unit_test(test_hint_only_a_shortcut),
};

void
ct_table_tests(const struct CMUnitTest **tests, size_t *n)
{
    *tests = table_tests;
    *n = sizeof(table_tests) / sizeof(table_tests[0]);
}
