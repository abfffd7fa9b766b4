// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SCTP tracker (lib/ct/proto_sctp.c). Expected states and timeouts come
 * from nf_conntrack_proto_sctp.c of 6.x (sctp_conntracks[][][], the
 * timeouts read from a 6.18 namespace: closed 10, cookie_wait 3,
 * cookie_echoed 3, established 210, shutdown_sent 3, shutdown_recd 3,
 * shutdown_ack_sent 3, heartbeat_sent 30), and agree with the kernel in
 * the oracle's sctp_association and sctp_invalid cases. The CRC32c vector
 * is a packet scapy built (its own CRC32c implementation).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctfw/ct.h"
#include "lib/ct/ct_private.h"

#include "test_ct.h"

struct sbuf {
    uint8_t b[128];
    struct ctfw_pkt pkt;
};

/* IPv4 10.99.1.2:5000 -> 10.99.2.2:6000 (or back when rev) carrying one
 * chunk of the given type and flags with len bytes of value after its
 * 4-byte header (an INIT / INIT_ACK's initiate tag is the first 4). The
 * CRC32c is not set: these tests run with nf_conntrack_checksum=0. */
static const struct ctfw_pkt *
mk(struct sbuf *s, bool rev, uint32_t vtag, uint8_t type, uint8_t flags,
   uint32_t init_tag, uint16_t len)
{
    uint8_t *b = s->b;
    uint16_t total = (uint16_t)(20 + 12 + 4 + len);
    memset(b, 0, total);
    b[0] = 0x45;
    b[2] = (uint8_t)(total >> 8), b[3] = (uint8_t)total;
    b[8] = 64;
    b[9] = 132;
    uint8_t c[4] = {10, 99, 1, 2}, sv[4] = {10, 99, 2, 2};
    memcpy(b + 12, rev ? sv : c, 4);
    memcpy(b + 16, rev ? c : sv, 4);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(b[i] << 8 | b[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    b[10] = (uint8_t)(~sum >> 8), b[11] = (uint8_t)~sum;
    uint8_t *h = b + 20;
    uint16_t sp = rev ? 6000 : 5000, dp = rev ? 5000 : 6000;
    h[0] = (uint8_t)(sp >> 8), h[1] = (uint8_t)sp;
    h[2] = (uint8_t)(dp >> 8), h[3] = (uint8_t)dp;
    h[4] = (uint8_t)(vtag >> 24), h[5] = (uint8_t)(vtag >> 16);
    h[6] = (uint8_t)(vtag >> 8), h[7] = (uint8_t)vtag;
    uint8_t *ch = h + 12;
    ch[0] = type;
    ch[1] = flags;
    ch[2] = (uint8_t)((4 + len) >> 8), ch[3] = (uint8_t)(4 + len);
    if (len >= 4) {
        ch[4] = (uint8_t)(init_tag >> 24), ch[5] = (uint8_t)(init_tag >> 16);
        ch[6] = (uint8_t)(init_tag >> 8), ch[7] = (uint8_t)init_tag;
    }
    ctfw_pkt_decode(&s->pkt, CTFW_LINKTYPE_RAW, b, total, total);
    return &s->pkt;
}

static void
no_csum(struct ctfw_ct_config *c)
{
    c->checksum = 0;
}

#define CT_TAG 0x11111111u
#define ST_TAG 0x22222222u

static void
expect(struct tctx *t, const struct ctfw_ct_entry *e, uint64_t now,
       const char *line)
{
    char buf[512];
    ctfw_ct_format_entry(t->ct, e, now, 0, buf, sizeof(buf));
    assert_string_equal(buf, line);
}

/* The association of the oracle's sctp_association case, in -L lines:
 * each chunk's transition and its state's timeout. */
static void
test_sctp_association(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(no_csum);
    struct sbuf s;
    uint64_t ms = MS, now = T0;
    struct ctfw_ct_ref r = pass(t, mk(&s, false, 0, 1, 0, CT_TAG, 16), now);
    assert_int_equal(r.verdict, CTFW_CT_ACCEPT);
    const struct ctfw_ct_entry *e = r.entry;
    assert_non_null(e);
    /* INIT from NONE: CLOSED, 10 s. */
    expect(t, e, now + 10 * ms,
           "sctp     132 9 CLOSED src=10.99.1.2 dst=10.99.2.2 sport=5000 "
           "dport=6000 [UNREPLIED] src=10.99.2.2 dst=10.99.1.2 sport=6000 "
           "dport=5000 mark=0 use=1");
    /* INIT_ACK in reply, with the server's tag: COOKIE_WAIT, 3 s. */
    now += 100 * ms;
    pass(t, mk(&s, true, CT_TAG, 2, 0, ST_TAG, 16), now);
    expect(t, e, now + 10 * ms,
           "sctp     132 2 COOKIE_WAIT src=10.99.1.2 dst=10.99.2.2 "
           "sport=5000 dport=6000 src=10.99.2.2 dst=10.99.1.2 sport=6000 "
           "dport=5000 mark=0 use=1");
    /* COOKIE_ECHO: COOKIE_ECHOED; COOKIE_ACK in reply: ESTABLISHED,
     * ASSURED, 210 s. */
    pass(t, mk(&s, false, ST_TAG, 10, 0, 0, 8), now);
    assert_int_equal(e->p.sctp.state, CTFW_CT_SCTP_COOKIE_ECHOED);
    pass(t, mk(&s, true, CT_TAG, 11, 0, 0, 0), now);
    expect(t, e, now + 10 * ms,
           "sctp     132 209 ESTABLISHED src=10.99.1.2 dst=10.99.2.2 "
           "sport=5000 dport=6000 src=10.99.2.2 dst=10.99.1.2 sport=6000 "
           "dport=5000 [ASSURED] mark=0 use=1");
    /* DATA keeps the state; SHUTDOWN, SHUTDOWN_ACK, SHUTDOWN_COMPLETE. */
    r = pass(t, mk(&s, false, ST_TAG, 0, 3, 0, 16), now);
    assert_int_equal(r.info, CTFW_CT_ESTABLISHED);
    assert_int_equal(e->p.sctp.state, CTFW_CT_SCTP_ESTABLISHED);
    pass(t, mk(&s, false, ST_TAG, 7, 0, 0, 4), now);
    assert_int_equal(e->p.sctp.state, CTFW_CT_SCTP_SHUTDOWN_SENT);
    assert_int_equal(ctfw_ct_entry_expires(t->ct, e, now + 10 * ms), 2);
    pass(t, mk(&s, true, CT_TAG, 8, 0, 0, 0), now);
    assert_int_equal(e->p.sctp.state, CTFW_CT_SCTP_SHUTDOWN_ACK_SENT);
    pass(t, mk(&s, false, ST_TAG, 14, 0, 0, 0), now);
    assert_int_equal(e->p.sctp.state, CTFW_CT_SCTP_CLOSED);
    assert_int_equal(ctfw_ct_entry_expires(t->ct, e, now + 10 * ms), 9);
    tctx_free(t);
}

/* Packets sctp_packet() / sctp_new() refuse (INVALID, no entry). */
static void
test_sctp_invalid(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(no_csum);
    struct sbuf s;
    /* Out of the blue ABORT, SHUTDOWN_COMPLETE, COOKIE_ACK (8.4). */
    assert_null(pass(t, mk(&s, false, 5, 6, 0, 0, 0), T0).entry);
    assert_null(pass(t, mk(&s, false, 5, 14, 0, 0, 0), T0).entry);
    assert_null(pass(t, mk(&s, false, 5, 11, 0, 0, 0), T0).entry);
    /* INIT with a nonzero tag (8.5.1 A); INIT without its header. */
    assert_null(pass(t, mk(&s, false, 5, 1, 0, CT_TAG, 16), T0).entry);
    assert_null(pass(t, mk(&s, false, 0, 1, 0, CT_TAG, 4), T0).entry);
    /* A chunk of length 0 (do_basic_checks()). */
    struct sbuf z;
    mk(&z, false, 0, 0, 0, 0, 0);
    z.b[20 + 12 + 2] = 0, z.b[20 + 12 + 3] = 0;
    assert_null(pass(t, &z.pkt, T0).entry);
    /* INIT bundled with another chunk: INIT must be alone. */
    mk(&z, false, 0, 1, 0, CT_TAG, 16 + 4);
    z.b[20 + 12 + 3] = 20;              /* INIT of 20, then a DATA */
    assert_null(pass(t, &z.pkt, T0).entry);
    assert_int_equal(ctfw_ct_count(t->ct), 0);
    /* DATA with a wrong tag once established: INVALID, entry kept. */
    struct ctfw_ct_ref r = pass(t, mk(&s, false, 0, 1, 0, CT_TAG, 16), T0);
    pass(t, mk(&s, true, CT_TAG, 2, 0, ST_TAG, 16), T0);
    pass(t, mk(&s, false, ST_TAG, 10, 0, 0, 8), T0);
    pass(t, mk(&s, true, CT_TAG, 11, 0, 0, 0), T0);
    struct ctfw_ct_ref d = pass(t, mk(&s, false, 0x5555, 0, 3, 0, 16), T0);
    assert_null(d.entry);
    assert_int_equal(ctfw_ct_reason_count(t->ct, CTFW_CT_R_SCTP_INVALID),
                     8);
    /* REPLY-direction INIT_ACK in ESTABLISHED with another tag while
     * neither side re-INITed: refused (vtag recorded and different). */
    assert_null(pass(t, mk(&s, true, CT_TAG, 2, 0, 0x7777, 16), T0).entry);
    assert_int_equal(r.entry->p.sctp.state, CTFW_CT_SCTP_ESTABLISHED);
    tctx_free(t);
}

/* sctp_error(): the CRC32c is checked at PRE_ROUTING when
 * nf_conntrack_checksum=1. The vector: an INIT scapy built, checksum
 * bytes fe 35 af 37. */
static void
test_sctp_crc(void **state)
{
    (void)state;
    static const uint8_t init[] = {
        0x13, 0x88, 0x17, 0x70, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x35, 0xaf,
        0x37, 0x01, 0x00, 0x00, 0x14, 0x11, 0x11, 0x11, 0x11, 0x00, 0x00,
        0xff, 0xff, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01};
    assert_true(ct_sctp_csum_ok(init, sizeof(init)));
    uint8_t bad[sizeof(init)];
    memcpy(bad, init, sizeof(init));
    bad[31] ^= 1;
    assert_false(ct_sctp_csum_ok(bad, sizeof(bad)));
    /* Through the tracker with checksums on: the bad one is INVALID. */
    struct tctx *t = tctx_new(NULL);
    struct sbuf s;
    mk(&s, false, 0, 1, 0, CT_TAG, 16);
    assert_null(pass(t, &s.pkt, T0).entry);
    assert_int_equal(ctfw_ct_reason_count(t->ct, CTFW_CT_R_SCTP_ERROR),
                     1);
    tctx_free(t);
}

/* sctp_can_early_drop(): only the shutdown states. */
static void
test_sctp_names(void **state)
{
    (void)state;
    assert_string_equal(ctfw_ct_sctp_state_name(CTFW_CT_SCTP_SHUTDOWN_RECD),
                        "SHUTDOWN_RECD");
    assert_string_equal(ctfw_ct_sctp_state_name(CTFW_CT_SCTP_HEARTBEAT_SENT),
                        "HEARTBEAT_SENT");
    struct ctfw_ct_entry e;
    memset(&e, 0, sizeof(e));
    e.p.sctp.state = CTFW_CT_SCTP_SHUTDOWN_SENT;
    assert_true(ct_l4proto_sctp.can_early_drop(&e));
    e.p.sctp.state = CTFW_CT_SCTP_ESTABLISHED;
    assert_false(ct_l4proto_sctp.can_early_drop(&e));
}

static const struct CMUnitTest sctp_tests[] = {
    cmocka_unit_test(test_sctp_association),
    cmocka_unit_test(test_sctp_invalid),
    cmocka_unit_test(test_sctp_crc),
    cmocka_unit_test(test_sctp_names),
};

void
ct_sctp_tests(const struct CMUnitTest **tests, size_t *n)
{
    *tests = sctp_tests;
    *n = sizeof(sctp_tests) / sizeof(sctp_tests[0]);
}
