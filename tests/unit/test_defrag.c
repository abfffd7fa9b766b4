// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IPv4 and IPv6 reassembly (lib/hook/defrag.c). IPv4: Expected behaviour follows the
 * kernel's ip_frag_queue() / inet_frag_queue_insert() / ip_frag_reasm()
 * as summarised in lib/hook/defrag.h: a fragment inside data already
 * held is a duplicate (dropped alone), any other overlap kills the
 * queue, a queue expires ipfrag_time (30 s) after its creation, and new
 * fragments are refused past the memory or queue bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctfw/csum.h"
#include "ctfw/pkt.h"
#include "lib/hook/defrag.h"
#include "lib/hook/reject_private.h"

#define SEC 1000000000ull

struct frag_buf {
    uint8_t b[1600];
    struct ctfw_pkt pkt;
};

/* A UDP datagram's fragment 10.0.0.7 -> 10.0.0.10: data bytes
 * [off, off + len) of the datagram, where byte i is (uint8_t)i. The
 * first fragment's data starts with an 8-byte UDP header. */
static const struct ctfw_pkt *
mk_frag(struct frag_buf *f, uint16_t id, uint16_t off, uint16_t len, bool mf)
{
    uint8_t *b = f->b;
    memset(b, 0, 20);
    b[0] = 0x45;
    b[2] = (uint8_t)((20 + len) >> 8);
    b[3] = (uint8_t)(20 + len);
    b[4] = (uint8_t)(id >> 8);
    b[5] = (uint8_t)id;
    uint16_t fo = (uint16_t)((off / 8) | (mf ? 0x2000 : 0));
    b[6] = (uint8_t)(fo >> 8);
    b[7] = (uint8_t)fo;
    b[8] = 64;
    b[9] = 17;
    b[12] = 10, b[15] = 7;
    b[16] = 10, b[19] = 10;
    uint16_t c = ctfw_csum_fold(ctfw_csum_partial(b, 20, 0));
    b[10] = (uint8_t)(c >> 8);
    b[11] = (uint8_t)c;
    for (unsigned i = 0; i < len; i++)
        b[20 + i] = (uint8_t)(off + i);
    if (off == 0 && len >= 8) {
        b[20] = 0x9c, b[21] = 0x40;   /* 40000 -> 53 */
        b[22] = 0, b[23] = 53;
        b[24] = 0, b[25] = 48;        /* UDP length: 8 + 40 */
        b[26] = 0, b[27] = 0;         /* no checksum */
    }
    ctfw_pkt_decode(&f->pkt, CTFW_LINKTYPE_RAW, b, 20u + len, 20u + len);
    return &f->pkt;
}

static struct ctfw_defrag *
mk_defrag(size_t mem, unsigned queues)
{
    struct ctfw_defrag_params p = {
        .timeout_ns = 30 * SEC, .mem_limit = mem, .max_queues = queues};
    struct ctfw_defrag *d = NULL;
    assert_int_equal(ctfw_defrag_new(&p, &d), 0);
    return d;
}

static uint8_t out[65535];

static enum ctfw_defrag_result
add(struct ctfw_defrag *d, const struct ctfw_pkt *p, uint64_t now,
    size_t *len, struct ctfw_defrag_queue **q)
{
    return ctfw_defrag_add(d, p, 0, now, out, sizeof(out), len, q);
}

/* The datagram of 40 data bytes rebuilt: header of the first fragment,
 * no MF, offset 0, total length 60, a valid checksum, the data whole. */
static void
check_datagram(size_t len)
{
    assert_int_equal(len, 60);
    assert_int_equal(out[2] << 8 | out[3], 60);
    assert_int_equal(out[6], 0);
    assert_int_equal(out[7], 0);
    assert_int_equal(ctfw_csum_fold(ctfw_csum_partial(out, 20, 0)), 0);
    assert_int_equal(out[20], 0x9c);
    assert_int_equal(out[23], 53);
    for (unsigned i = 8; i < 40; i++)
        assert_int_equal(out[20 + i], (uint8_t)i);
    struct ctfw_pkt p;
    ctfw_pkt_decode(&p, CTFW_LINKTYPE_RAW, out, 60, 60);
    assert_int_equal(p.frag, CTFW_PKT_FRAG_NONE);
    assert_int_equal(p.proto, 17);
    assert_int_equal(p.dport, 53);
    assert_int_equal(p.ip_len, 60);
}

static void
test_in_order(void **state)
{
    (void)state;
    struct ctfw_defrag *d = mk_defrag(0, 0);
    struct frag_buf a, b, c;
    size_t len;
    struct ctfw_defrag_queue *q;
    assert_int_equal(add(d, mk_frag(&a, 7, 0, 16, true), 0, &len, &q),
                     CTFW_DEFRAG_HELD);
    assert_null(q);
    assert_int_equal(add(d, mk_frag(&b, 7, 16, 16, true), 1, &len, &q),
                     CTFW_DEFRAG_HELD);
    assert_int_equal(add(d, mk_frag(&c, 7, 32, 8, false), 2, &len, &q),
                     CTFW_DEFRAG_DONE);
    assert_non_null(q);
    check_datagram(len);
    /* The original fragments, in offset order, for the way out. */
    assert_int_equal(ctfw_defrag_nfrags(q), 3);
    uint32_t fl;
    const uint8_t *f0 = ctfw_defrag_frag(q, 0, &fl);
    assert_int_equal(fl, 36);
    assert_memory_equal(f0, a.b, 36);
    const uint8_t *f2 = ctfw_defrag_frag(q, 2, &fl);
    assert_int_equal(fl, 28);
    assert_memory_equal(f2, c.b, 28);
    ctfw_defrag_release(d, q);
    struct ctfw_defrag_stats st;
    ctfw_defrag_stats(d, &st);
    assert_int_equal(st.held, 2);
    assert_int_equal(st.reassembled, 1);
    assert_int_equal(st.queues, 0);
    assert_int_equal(st.mem, 0);
    ctfw_defrag_free(d);
}

static void
test_out_of_order(void **state)
{
    (void)state;
    struct ctfw_defrag *d = mk_defrag(0, 0);
    struct frag_buf a, b, c;
    size_t len;
    struct ctfw_defrag_queue *q;
    assert_int_equal(add(d, mk_frag(&c, 9, 32, 8, false), 0, &len, &q),
                     CTFW_DEFRAG_HELD);
    assert_int_equal(add(d, mk_frag(&a, 9, 0, 16, true), 0, &len, &q),
                     CTFW_DEFRAG_HELD);
    assert_int_equal(add(d, mk_frag(&b, 9, 16, 16, true), 0, &len, &q),
                     CTFW_DEFRAG_DONE);
    check_datagram(len);
    uint32_t fl;
    assert_memory_equal(ctfw_defrag_frag(q, 1, &fl), b.b, 36);
    ctfw_defrag_release(d, q);
    ctfw_defrag_free(d);
}

/* Another IP id is another queue: two datagrams interleaved. */
static void
test_interleaved(void **state)
{
    (void)state;
    struct ctfw_defrag *d = mk_defrag(0, 0);
    struct frag_buf a1, a2, b1, b2;
    size_t len;
    struct ctfw_defrag_queue *q;
    assert_int_equal(add(d, mk_frag(&a1, 1, 0, 32, true), 0, &len, &q),
                     CTFW_DEFRAG_HELD);
    assert_int_equal(add(d, mk_frag(&b1, 2, 0, 32, true), 0, &len, &q),
                     CTFW_DEFRAG_HELD);
    assert_int_equal(add(d, mk_frag(&b2, 2, 32, 8, false), 0, &len, &q),
                     CTFW_DEFRAG_DONE);
    ctfw_defrag_release(d, q);
    assert_int_equal(add(d, mk_frag(&a2, 1, 32, 8, false), 0, &len, &q),
                     CTFW_DEFRAG_DONE);
    check_datagram(len);
    ctfw_defrag_release(d, q);
    ctfw_defrag_free(d);
}

static void
test_duplicate(void **state)
{
    (void)state;
    struct ctfw_defrag *d = mk_defrag(0, 0);
    struct frag_buf a, a2, b;
    size_t len;
    struct ctfw_defrag_queue *q;
    assert_int_equal(add(d, mk_frag(&a, 3, 0, 32, true), 0, &len, &q),
                     CTFW_DEFRAG_HELD);
    /* Wholly inside what is held: this fragment alone is dropped. */
    assert_int_equal(add(d, mk_frag(&a2, 3, 8, 16, true), 0, &len, &q),
                     CTFW_DEFRAG_DROP);
    assert_int_equal(add(d, mk_frag(&a2, 3, 0, 32, true), 0, &len, &q),
                     CTFW_DEFRAG_DROP);
    struct ctfw_defrag_stats st;
    ctfw_defrag_stats(d, &st);
    assert_int_equal(st.dup, 2);
    assert_int_equal(st.queues, 1);
    assert_int_equal(add(d, mk_frag(&b, 3, 32, 8, false), 0, &len, &q),
                     CTFW_DEFRAG_DONE);
    check_datagram(len);
    assert_int_equal(ctfw_defrag_nfrags(q), 2);
    ctfw_defrag_release(d, q);
    ctfw_defrag_free(d);
}

static void
test_overlap(void **state)
{
    (void)state;
    struct ctfw_defrag *d = mk_defrag(0, 0);
    struct frag_buf a, b, c;
    size_t len;
    struct ctfw_defrag_queue *q;
    assert_int_equal(add(d, mk_frag(&a, 4, 0, 16, true), 0, &len, &q),
                     CTFW_DEFRAG_HELD);
    /* Overlaps the held data without lying inside it: the queue dies
     * with the fragment already held. */
    assert_int_equal(add(d, mk_frag(&b, 4, 8, 24, true), 0, &len, &q),
                     CTFW_DEFRAG_DROP);
    struct ctfw_defrag_stats st;
    ctfw_defrag_stats(d, &st);
    assert_int_equal(st.overlap, 1);
    assert_int_equal(st.queues, 0);
    assert_int_equal(st.mem, 0);
    assert_int_equal(st.frags_dropped, 1);   /* the one held */
    /* The last fragment now starts a new queue. */
    assert_int_equal(add(d, mk_frag(&c, 4, 32, 8, false), 0, &len, &q),
                     CTFW_DEFRAG_HELD);
    ctfw_defrag_free(d);
}

/* A second last fragment with another end: corruption, the queue goes. */
static void
test_two_ends(void **state)
{
    (void)state;
    struct ctfw_defrag *d = mk_defrag(0, 0);
    struct frag_buf a, b;
    size_t len;
    struct ctfw_defrag_queue *q;
    assert_int_equal(add(d, mk_frag(&a, 5, 32, 8, false), 0, &len, &q),
                     CTFW_DEFRAG_HELD);
    assert_int_equal(add(d, mk_frag(&b, 5, 48, 8, false), 0, &len, &q),
                     CTFW_DEFRAG_DROP);
    struct ctfw_defrag_stats st;
    ctfw_defrag_stats(d, &st);
    assert_int_equal(st.queues, 0);
    assert_int_equal(st.bad, 1);
    ctfw_defrag_free(d);
}

static void
test_timeout(void **state)
{
    (void)state;
    struct ctfw_defrag *d = mk_defrag(0, 0);
    struct frag_buf a, b, c;
    size_t len;
    struct ctfw_defrag_queue *q;
    assert_int_equal(add(d, mk_frag(&a, 6, 0, 16, true), 0, &len, &q),
                     CTFW_DEFRAG_HELD);
    /* The timer runs from the queue's creation, not refreshed. */
    assert_int_equal(add(d, mk_frag(&b, 6, 16, 16, true), 20 * SEC, &len,
                         &q),
                     CTFW_DEFRAG_HELD);
    ctfw_defrag_advance(d, 30 * SEC - 1);
    struct ctfw_defrag_stats st;
    ctfw_defrag_stats(d, &st);
    assert_int_equal(st.queues, 1);
    ctfw_defrag_advance(d, 30 * SEC);
    ctfw_defrag_stats(d, &st);
    assert_int_equal(st.queues, 0);
    assert_int_equal(st.expired, 1);
    assert_int_equal(st.frags_dropped, 2);
    assert_int_equal(st.mem, 0);
    /* Too late: the last fragment starts a queue of its own. */
    assert_int_equal(add(d, mk_frag(&c, 6, 32, 8, false), 31 * SEC, &len,
                         &q),
                     CTFW_DEFRAG_HELD);
    ctfw_defrag_free(d);
}

static void
test_too_many_queues(void **state)
{
    (void)state;
    struct ctfw_defrag *d = mk_defrag(0, 4);
    struct frag_buf f;
    size_t len;
    struct ctfw_defrag_queue *q;
    for (uint16_t id = 0; id < 4; id++)
        assert_int_equal(add(d, mk_frag(&f, id, 0, 16, true), 0, &len, &q),
                         CTFW_DEFRAG_HELD);
    assert_int_equal(add(d, mk_frag(&f, 99, 0, 16, true), 0, &len, &q),
                     CTFW_DEFRAG_DROP);
    /* A fragment of a queue that exists still goes in. */
    assert_int_equal(add(d, mk_frag(&f, 2, 16, 16, true), 0, &len, &q),
                     CTFW_DEFRAG_HELD);
    struct ctfw_defrag_stats st;
    ctfw_defrag_stats(d, &st);
    assert_int_equal(st.nomem, 1);
    assert_int_equal(st.queues, 4);
    ctfw_defrag_free(d);
}

static void
test_memory_bound(void **state)
{
    (void)state;
    /* Room for two small fragments (36 bytes each + overhead). */
    struct ctfw_defrag *d = mk_defrag(2 * (36 + 256), 0);
    struct frag_buf f;
    size_t len;
    struct ctfw_defrag_queue *q;
    assert_int_equal(add(d, mk_frag(&f, 1, 0, 16, true), 0, &len, &q),
                     CTFW_DEFRAG_HELD);
    assert_int_equal(add(d, mk_frag(&f, 2, 0, 16, true), 0, &len, &q),
                     CTFW_DEFRAG_HELD);
    assert_int_equal(add(d, mk_frag(&f, 3, 0, 16, true), 0, &len, &q),
                     CTFW_DEFRAG_DROP);
    struct ctfw_defrag_stats st;
    ctfw_defrag_stats(d, &st);
    assert_int_equal(st.nomem, 1);
    assert_true(st.mem <= 2 * (36 + 256));
    ctfw_defrag_free(d);
}

/* Not a fragment, or not all captured: it goes on as it is. */
static void
test_pass(void **state)
{
    (void)state;
    struct ctfw_defrag *d = mk_defrag(0, 0);
    struct frag_buf f;
    size_t len;
    struct ctfw_defrag_queue *q;
    mk_frag(&f, 1, 0, 40, false);
    assert_int_equal(add(d, &f.pkt, 0, &len, &q), CTFW_DEFRAG_PASS);
    mk_frag(&f, 1, 0, 32, true);
    struct ctfw_pkt cut;
    ctfw_pkt_decode(&cut, CTFW_LINKTYPE_RAW, f.b, 40, 52);
    assert_int_equal(add(d, &cut, 0, &len, &q), CTFW_DEFRAG_PASS);
    ctfw_defrag_free(d);
}

/* ------------------------------------------------------------------ */
/* IPv6 (nf_conntrack_reasm.c), expectations from nf_ct_frag6_queue()
 * and nf_ct_frag6_reasm() as summarised in defrag.h.                 */

/* A fragment fd00::7 -> fd00::10 with a destination options header (8
 * bytes, unfragmentable) before the fragment header when dst_opt: data
 * bytes [off, off + len) of a 40-byte UDP datagram (byte i = i, the
 * first 8 a UDP header), fragment id 0x01020304 + id. */
static const struct ctfw_pkt *
mk_frag6(struct frag_buf *f, uint32_t id, uint16_t off, uint16_t len,
         bool mf, bool dst_opt)
{
    uint8_t *b = f->b;
    size_t h = 40 + (dst_opt ? 8u : 0u);
    memset(b, 0, h + 8);
    b[0] = 0x60;
    b[4] = (uint8_t)((h - 40 + 8 + len) >> 8);
    b[5] = (uint8_t)(h - 40 + 8 + len);
    b[6] = dst_opt ? 60 : 44;
    b[7] = 64;
    b[8] = 0xfd, b[23] = 7;
    b[24] = 0xfd, b[39] = 0x10;
    if (dst_opt) {
        b[40] = 44;                   /* next: fragment, length 0 */
        b[42] = 1, b[43] = 4;         /* PadN of 4 */
    }
    uint8_t *fh = b + h;
    fh[0] = 17;
    uint16_t fo = (uint16_t)(off | (mf ? 1 : 0));
    fh[2] = (uint8_t)(fo >> 8);
    fh[3] = (uint8_t)fo;
    id += 0x01020304u;
    fh[4] = (uint8_t)(id >> 24), fh[5] = (uint8_t)(id >> 16);
    fh[6] = (uint8_t)(id >> 8), fh[7] = (uint8_t)id;
    uint8_t *dd = fh + 8;
    for (unsigned i = 0; i < len; i++)
        dd[i] = (uint8_t)(off + i);
    if (off == 0 && len >= 8) {
        dd[0] = 0x9c, dd[1] = 0x40;   /* 40000 -> 53 */
        dd[2] = 0, dd[3] = 53;
        dd[4] = 0, dd[5] = 40;
        dd[6] = 0, dd[7] = 0;
    }
    uint32_t n = (uint32_t)(h + 8 + len);
    ctfw_pkt_decode(&f->pkt, CTFW_LINKTYPE_RAW, b, n, n);
    return &f->pkt;
}

static struct ctfw_defrag *
mk_defrag6(void (*cb)(void *, const uint8_t *, uint32_t, uint64_t),
           void *arg)
{
    struct ctfw_defrag_params p = {.family = 6, .timeout_ns = 60 * SEC,
                                   .on_expire = cb, .opaque = arg};
    struct ctfw_defrag *d = NULL;
    assert_int_equal(ctfw_defrag_new(&p, &d), 0);
    return d;
}

/* Out of order, with an unfragmentable destination options header:
 * the datagram is the first fragment's fixed and options headers (the
 * options' next header now UDP), payload length 8 + 40, the data. The
 * fragment header is gone; the largest fragment payload is kept for
 * the way out (frag_max_size). An IPv4 instance leaves it alone. */
static void
test6_reasm(void **state)
{
    (void)state;
    struct ctfw_defrag *d = mk_defrag6(NULL, NULL);
    struct ctfw_defrag *d4 = mk_defrag(0, 0);
    struct frag_buf a, b;
    size_t len;
    struct ctfw_defrag_queue *q;
    assert_int_equal(add(d4, mk_frag6(&b, 1, 24, 16, false, true), 0, &len,
                         &q), CTFW_DEFRAG_PASS);
    assert_int_equal(add(d, &b.pkt, 0, &len, &q), CTFW_DEFRAG_HELD);
    assert_int_equal(add(d, mk_frag6(&a, 1, 0, 24, true, true), 1, &len, &q),
                     CTFW_DEFRAG_DONE);
    assert_int_equal(len, 40 + 8 + 40);
    assert_int_equal(out[4] << 8 | out[5], 48);
    assert_int_equal(out[6], 60);
    assert_int_equal(out[40], 17);
    for (unsigned i = 8; i < 40; i++)
        assert_int_equal(out[48 + i], (uint8_t)i);
    struct ctfw_pkt p;
    ctfw_pkt_decode(&p, CTFW_LINKTYPE_RAW, out, (uint32_t)len, (uint32_t)len);
    assert_int_equal(p.frag, CTFW_PKT_FRAG_NONE);
    assert_int_equal(p.proto, 17);
    assert_int_equal(p.dport, 53);
    assert_int_equal(ctfw_defrag_nfrags(q), 2);
    assert_int_equal(ctfw_defrag_max_size(q), 8 + 8 + 24);
    ctfw_defrag_release(d, q);
    ctfw_defrag_free(d);
    ctfw_defrag_free(d4);
}

/* RFC 6946: offset 0 without M is a queue complete at once; the
 * result is the packet without its fragment header. */
static void
test6_atomic(void **state)
{
    (void)state;
    struct ctfw_defrag *d = mk_defrag6(NULL, NULL);
    struct frag_buf a;
    size_t len;
    struct ctfw_defrag_queue *q;
    assert_int_equal(add(d, mk_frag6(&a, 2, 0, 40, false, false), 0, &len,
                         &q), CTFW_DEFRAG_DONE);
    assert_int_equal(len, 80);
    assert_int_equal(out[6], 17);
    assert_int_equal(out[5], 40);
    assert_int_equal(ctfw_defrag_max_size(q), 48);
    ctfw_defrag_release(d, q);
    ctfw_defrag_free(d);
}

/* The error cases of nf_ct_frag6_queue(): an overlap kills the queue
 * (RFC 5722) so that the rest can no longer complete it; a second
 * last fragment with another end is dropped but the queue stays
 * ("goto err", unlike IPv4's ip_frag_queue() which kills it); a non-last
 * fragment whose end is not a multiple of 8 kills the queue and goes on
 * untouched (-EPROTO, accepted by ipv6_defrag()). */
static void
test6_errors(void **state)
{
    (void)state;
    struct ctfw_defrag *d = mk_defrag6(NULL, NULL);
    struct frag_buf a, b, c, e;
    size_t len;
    struct ctfw_defrag_queue *q;
    struct ctfw_defrag_stats st;
    /* overlap */
    assert_int_equal(add(d, mk_frag6(&a, 3, 0, 24, true, false), 0, &len,
                         &q), CTFW_DEFRAG_HELD);
    assert_int_equal(add(d, mk_frag6(&b, 3, 16, 16, true, false), 0, &len,
                         &q), CTFW_DEFRAG_DROP);
    assert_int_equal(add(d, mk_frag6(&c, 3, 24, 16, false, false), 0, &len,
                         &q), CTFW_DEFRAG_HELD);
    ctfw_defrag_stats(d, &st);
    assert_int_equal(st.overlap, 1);
    assert_int_equal(st.queues, 1);     /* the last fragment's new one */
    /* another end: dropped, queue kept, then completed */
    assert_int_equal(add(d, mk_frag6(&e, 3, 24, 8, false, false), 0, &len,
                         &q), CTFW_DEFRAG_DROP);
    assert_int_equal(add(d, mk_frag6(&a, 3, 0, 24, true, false), 0, &len,
                         &q), CTFW_DEFRAG_DONE);
    ctfw_defrag_release(d, q);
    /* unaligned end of a non-last fragment */
    assert_int_equal(add(d, mk_frag6(&a, 4, 0, 24, true, false), 0, &len,
                         &q), CTFW_DEFRAG_HELD);
    assert_int_equal(add(d, mk_frag6(&b, 4, 24, 12, true, false), 0, &len,
                         &q), CTFW_DEFRAG_PASS);
    ctfw_defrag_stats(d, &st);
    assert_int_equal(st.queues, 0);
    ctfw_defrag_free(d);
}

static unsigned expired_calls;
static uint32_t expired_len;
static uint64_t expired_when;

static void
on_expire(void *arg, const uint8_t *first, uint32_t len, uint64_t when)
{
    (void)arg;
    (void)first;
    expired_calls++;
    expired_len = len;
    expired_when = when;
}

/* A queue expires nf_conntrack_frag6_timeout after its creation; the
 * callback hears of it only when the first fragment was held
 * (ip6frag_expire_frag_queue(): no error without it). The ICMPv6 time
 * exceeded quotes that fragment: 40 + 8 + its length. */
static void
test6_expire(void **state)
{
    (void)state;
    expired_calls = 0;
    struct ctfw_defrag *d = mk_defrag6(on_expire, NULL);
    struct frag_buf a, b;
    size_t len;
    struct ctfw_defrag_queue *q;
    assert_int_equal(add(d, mk_frag6(&a, 5, 0, 24, true, false), 1 * SEC,
                         &len, &q), CTFW_DEFRAG_HELD);
    assert_int_equal(add(d, mk_frag6(&b, 6, 24, 16, false, false), 2 * SEC,
                         &len, &q), CTFW_DEFRAG_HELD);
    ctfw_defrag_advance(d, 61 * SEC - 1);
    assert_int_equal(expired_calls, 0);
    ctfw_defrag_advance(d, 62 * SEC);
    assert_int_equal(expired_calls, 1);
    assert_int_equal(expired_len, 40 + 8 + 24);
    assert_int_equal(expired_when, 61 * SEC);
    struct ctfw_defrag_stats st;
    ctfw_defrag_stats(d, &st);
    assert_int_equal(st.expired, 2);
    assert_int_equal(st.queues, 0);
    uint8_t msg[1500];
    union ctfw_addr src;
    memset(&src, 0, sizeof(src));
    src.b[0] = 0xfd, src.b[15] = 1;
    size_t n = hook_icmp6_time_exceeded(a.b, 72, 1, &src, msg, sizeof(msg));
    assert_int_equal(n, 40 + 8 + 72);
    assert_int_equal(msg[6], 58);
    assert_int_equal(msg[7], 64);
    assert_int_equal(msg[40], 3);
    assert_int_equal(msg[41], 1);
    assert_memory_equal(msg + 24, a.b + 8, 16);   /* to the source */
    assert_memory_equal(msg + 48, a.b, 72);
    ctfw_defrag_free(d);
}

/* Robustness (run under ASan/UBSan by `make test-asan`): 20,000 random
 * IPv6 packets with fragment headers at random offsets and lengths, a
 * few ids and extension headers, some cut short or with garbage next
 * headers. Whatever happens, every completed datagram is as long as its
 * payload length says, and once the timeout has passed no queue and no
 * byte is held (the memory accounting balances). */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return (uint32_t)rnd_state;
}

static void
test6_random(void **state)
{
    (void)state;
    struct ctfw_defrag *d = mk_defrag6(NULL, NULL);
    struct frag_buf f;
    for (int i = 0; i < 20000; i++) {
        uint16_t off = (uint16_t)((rnd() % 64) * 8);
        uint16_t len = (uint16_t)(rnd() % 200);
        bool mf = rnd() & 1;
        mk_frag6(&f, rnd() % 3, off, len, mf, rnd() & 1);
        uint32_t n = (uint32_t)(40 + 8 + len + (f.b[6] == 60 ? 8 : 0));
        if (rnd() % 8 == 0)
            f.b[40 + (f.b[6] == 60 ? 8 : 0)] = (uint8_t)rnd(); /* next hdr */
        if (rnd() % 8 == 0)
            f.b[6] = (uint8_t)rnd();
        uint32_t cap = rnd() % 16 == 0 ? rnd() % n : n;
        ctfw_pkt_decode(&f.pkt, CTFW_LINKTYPE_RAW, f.b, cap, n);
        size_t olen;
        struct ctfw_defrag_queue *q;
        enum ctfw_defrag_result r =
            add(d, &f.pkt, (uint64_t)i * (SEC / 1000), &olen, &q);
        if (r == CTFW_DEFRAG_DONE) {
            assert_non_null(q);
            assert_int_equal(olen, 40u + (out[4] << 8 | out[5]));
            ctfw_defrag_release(d, q);
        } else {
            assert_null(q);
        }
    }
    ctfw_defrag_advance(d, 1000 * SEC);
    struct ctfw_defrag_stats st;
    ctfw_defrag_stats(d, &st);
    assert_int_equal(st.queues, 0);
    assert_int_equal(st.mem, 0);
    assert_true(st.reassembled > 0);
    ctfw_defrag_free(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_interleaved),
        cmocka_unit_test(test_duplicate),
        cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_two_ends),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_too_many_queues),
        cmocka_unit_test(test_memory_bound),
        cmocka_unit_test(test_pass),
        cmocka_unit_test(test6_reasm),
        cmocka_unit_test(test6_atomic),
        cmocka_unit_test(test6_errors),
        cmocka_unit_test(test6_expire),
        cmocka_unit_test(test6_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
