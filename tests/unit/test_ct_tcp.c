// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TCP tracker tests: every cell of the 6.x state table (reference §3.4,
 * with the special handling of §3.5 written beside the cells it changes),
 * the verified traces of §3.9, window tracking (§3.6), RST rules,
 * reopening, retransmission and timeout choices (§3.7, §3.8).
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

#define C ip4(10, 99, 1, 2)
#define S ip4(10, 99, 2, 2)
#define SYN CTFW_TCP_SYN
#define ACK CTFW_TCP_ACK
#define FIN CTFW_TCP_FIN
#define RST CTFW_TCP_RST
#define PSH CTFW_TCP_PSH

/* client -> server and server -> client on one connection */
static struct ctfw_pkt
cs(uint8_t f, uint32_t seq, uint32_t ack, uint16_t len)
{
    return mk_tcp(C, S, 40010, 80, f, seq, ack, 64240, len);
}

static struct ctfw_pkt
sc(uint8_t f, uint32_t seq, uint32_t ack, uint16_t len)
{
    return mk_tcp(S, C, 80, 40010, f, seq, ack, 65160, len);
}

static int
state_of(const struct ctfw_ct_ref *r)
{
    return r->entry ? ctfw_ct_entry_tcp_state(r->entry) : -1;
}

/* Remaining seconds as conntrack shows them a moment later. */
static int64_t
shown(const struct tctx *t, const struct ctfw_ct_ref *r, uint64_t now)
{
    /* 10 ms later: past the jiffy of the last refresh, as a listing. */
    return ctfw_ct_entry_expires(t->ct, r->entry, now + 10 * MS);
}

static bool
flag(const struct ctfw_ct_ref *r, uint32_t bit)
{
    return ctfw_ct_entry_status(r->entry) & bit;
}

/* ---- Every cell of the state table ------------------------------------ */

enum { NO, SS, SR, ES, FW, CW, LA, TW, CL, S2, IV, IG };
enum { Csyn, Csynack, Cfin, Cack, Crst, Cnone };

static const uint8_t class_flags[6] = {
    SYN, SYN | ACK, FIN | ACK, ACK, RST, 0 /* none: bad flags too */,
};

/*
 * Expected outcome per [dir][class][state], from the kernel table of §3.4
 * as seen by a packet in an entry that has SEEN_REPLY, no CLOSE_INIT, no
 * previous RST and liberal window checks. IG = accepted, state unchanged.
 */
static const uint8_t expect[2][6][10] = {
    {
        /* ORIGINAL NO  SS  SR  ES  FW  CW  LA  TW  CL  S2 */
        /* syn */  {SS, SS, IG, IG, IG, IG, IG, IG, IG, S2},
        /* NO: a SYN creates SYN_SENT; SS: retransmission; SR..LA: SYN in a
         * live connection is ignored; TW, CL: "SS*" reopen needs
         * CLOSE_INIT or an own RST, neither is present -> ignored (§3.5a);
         * S2: late SYN in simultaneous open. */
        /* synack */ {IV, IV, SR, IV, IV, IV, IV, IV, IV, SR},
        /* NO: cannot start; SS: client cannot SYN then SYN/ACK; SR:
         * retransmitted simultaneous-open SYN/ACK; ES..CL: invalid from
         * the client; S2: answers the peer's SYN. */
        /* fin */  {IV, IV, FW, FW, LA, LA, LA, TW, CL, IV},
        /* NO: FIN/ACK cannot start (§11.12); SS: no FIN before SYN/ACK;
         * SR, ES: close starts; FW, CW: FIN both ways; LA: retransmitted;
         * TW, CL stay; S2 invalid. */
        /* ack */  {ES, IV, ES, ES, CW, CW, TW, TW, CL, IV},
        /* NO: loose pickup; SS: no SYN/ACK yet; SR: handshake done; ES;
         * FW -> CW; CW; LA -> TW last ACK; TW, CL stay; S2 invalid. */
        /* rst */  {IV, CL, CL, CL, CL, CL, CL, CL, CL, CL},
        /* NO: a RST cannot start; anything else closes. */
        /* none */ {IV, IV, IV, IV, IV, IV, IV, IV, IV, IV},
        /* no SYN/FIN/ACK/RST: rejected by the flag check in every state. */
    },
    {
        /* REPLY    NO  SS  SR  ES  FW  CW  LA  TW  CL  S2 */
        /* syn */  {IV, S2, IV, IV, IV, IV, IV, IG, IV, S2},
        /* SS -> S2 simultaneous open; SR..LA, CL invalid from the server;
         * TW: "SS*" role-switch reopen, condition absent -> ignored;
         * S2: retransmitted simultaneous SYN. */
        /* synack */ {IV, SR, IG, IG, IG, IG, IG, IG, IG, SR},
        /* SS -> SR standard open; SR: retransmission ignored; ES..CL: late
         * SYN/ACK ignored (no ignored SYN to resync with); S2 -> SR. */
        /* fin */  {IV, IV, FW, FW, LA, LA, LA, TW, CL, IV},
        /* as ORIGINAL. */
        /* ack */  {IV, IG, SR, ES, CW, CW, TW, TW, CL, IG},
        /* SS: maybe half-open, ignored; SR stays (no simultaneous-open
         * flag, §3.5e); ES; FW -> CW; CW; LA -> TW; TW, CL; S2 ignored. */
        /* rst */  {IV, CL, CL, CL, CL, CL, CL, CL, CL, CL},
        /* any state closes. */
        /* none */ {IV, IV, IV, IV, IV, IV, IV, IV, IV, IV},
        /* rejected by the flag check. */
    },
};

static void
liberal(struct ctfw_ct_config *c)
{
    c->tcp_be_liberal = true;
    c->tcp_ignore_invalid_rst = true;
}

static void
walk_cell(int dir, int cls, int st)
{
    struct tctx *t = tctx_new(liberal);
    struct ctfw_ct_ref r;
    if (st == NO) {
        struct ctfw_pkt p = cs(class_flags[cls], 1000, 0, 0);
        r = pass(t, &p, T0);
    } else {
        struct ctfw_pkt syn = cs(SYN, 1000, 0, 0);
        r = pass(t, &syn, T0);
        struct ctfw_ct_entry *e = r.entry;
        e->p.tcp.state = (uint8_t)st;
        e->status |= CTFW_CT_S_SEEN_REPLY;
        e->p.tcp.last_index = 5;  /* TCP_NONE_SET */
        struct ctfw_pkt p = dir ? sc(class_flags[cls], 5000, 1001, 0)
                                : cs(class_flags[cls], 1001, 5001, 0);
        r = pass(t, &p, T0 + SEC);
    }
    uint8_t want = expect[dir][cls][st];
    char what[64];
    snprintf(what, sizeof(what), "dir %d class %d state %d", dir, cls, st);
    if (want == IV) {
        if (r.info != CTFW_CT_INVALID)
            fail_msg("%s: expected INVALID, got info %d", what, r.info);
    } else {
        int got = state_of(&r);
        int exp = want == IG ? st : want;
        if (r.info == CTFW_CT_INVALID || got != exp)
            fail_msg("%s: expected state %d, got %d (info %d)", what, exp,
                     got, r.info);
    }
    tctx_free(t);
}

static void
test_table_original(void **state)
{
    (void)state;
    for (int cls = 0; cls < 6; cls++)
        for (int st = NO; st <= S2; st++)
            walk_cell(0, cls, st);
}

static void
test_table_reply(void **state)
{
    (void)state;
    for (int cls = 0; cls < 6; cls++)
        for (int st = SS; st <= S2; st++)  /* NO column unused */
            walk_cell(1, cls, st);
}

/* ---- Verified traces (§3.9) ------------------------------------------- */

static struct ctfw_ct_ref
handshake(struct tctx *t, uint64_t now)
{
    struct ctfw_pkt a = cs(SYN, 1000, 0, 0);
    struct ctfw_pkt b = sc(SYN | ACK, 5000, 1001, 0);
    struct ctfw_pkt c = cs(ACK, 1001, 5001, 0);
    struct ctfw_ct_ref r = pass(t, &a, now);
    pass(t, &b, now);
    pass(t, &c, now);
    return r;
}

static void
test_trace_full_connection(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    uint64_t now = T0;
    struct ctfw_pkt p = cs(SYN, 1000, 0, 0);
    struct ctfw_ct_ref r = pass(t, &p, now);
    /* c->s SYN: SYN_SENT 119 [UNREPLIED], ctstate NEW */
    assert_int_equal(r.info, CTFW_CT_NEW);
    assert_int_equal(state_of(&r), SS);
    assert_int_equal(shown(t, &r, now), 119);
    assert_false(flag(&r, CTFW_CT_S_SEEN_REPLY));
    /* s->c SYN/ACK: SYN_RECV 59 */
    p = sc(SYN | ACK, 5000, 1001, 0);
    r = pass(t, &p, now += MS);
    assert_int_equal(r.info, CTFW_CT_ESTABLISHED_REPLY);
    assert_int_equal(state_of(&r), SR);
    assert_int_equal(shown(t, &r, now), 59);
    /* c->s ACK: ESTABLISHED 431999 [ASSURED] */
    p = cs(ACK, 1001, 5001, 0);
    r = pass(t, &p, now += MS);
    assert_int_equal(r.info, CTFW_CT_ESTABLISHED);
    assert_int_equal(state_of(&r), ES);
    assert_int_equal(shown(t, &r, now), 431999);
    assert_true(flag(&r, CTFW_CT_S_ASSURED));
    /* c->s PSH/ACK 100 B: 299 (unacknowledged data) */
    p = cs(PSH | ACK, 1001, 5001, 100);
    r = pass(t, &p, now += MS);
    assert_int_equal(shown(t, &r, now), 299);
    /* s->c ACK: 431999 */
    p = sc(ACK, 5001, 1101, 0);
    r = pass(t, &p, now += MS);
    assert_int_equal(shown(t, &r, now), 431999);
    /* c->s FIN/ACK: FIN_WAIT 119 */
    p = cs(FIN | ACK, 1101, 5001, 0);
    r = pass(t, &p, now += MS);
    assert_int_equal(state_of(&r), FW);
    assert_int_equal(shown(t, &r, now), 119);
    /* s->c ACK: CLOSE_WAIT 59 */
    p = sc(ACK, 5001, 1102, 0);
    r = pass(t, &p, now += MS);
    assert_int_equal(state_of(&r), CW);
    assert_int_equal(shown(t, &r, now), 59);
    /* s->c FIN/ACK: LAST_ACK 29 */
    p = sc(FIN | ACK, 5001, 1102, 0);
    r = pass(t, &p, now += MS);
    assert_int_equal(state_of(&r), LA);
    assert_int_equal(shown(t, &r, now), 29);
    /* c->s ACK: TIME_WAIT 119 */
    p = cs(ACK, 1102, 5002, 0);
    r = pass(t, &p, now += MS);
    assert_int_equal(state_of(&r), TW);
    assert_int_equal(shown(t, &r, now), 119);
    /* c->s SYN, same ports: a new SYN_SENT 119 [UNREPLIED] (reopen,
     * CLOSE_INIT was set by the client's FIN). */
    p = cs(SYN, 9000, 0, 0);
    r = pass(t, &p, now += MS);
    assert_int_equal(r.info, CTFW_CT_NEW);
    assert_int_equal(state_of(&r), SS);
    assert_int_equal(shown(t, &r, now), 119);
    assert_false(flag(&r, CTFW_CT_S_SEEN_REPLY));
    assert_int_equal(ctfw_ct_count(t->ct), 1);
    assert_int_equal(t->ndestroy[CTFW_CT_DESTROY_REOPEN], 1);
    tctx_free(t);
}

static void
test_trace_rst_in_established(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_ct_ref r = handshake(t, T0);
    /* c->s RST with the expected seq: CLOSE 9, ctstate ESTABLISHED. */
    struct ctfw_pkt p = cs(RST, 1001, 0, 0);
    r = pass(t, &p, T0 + SEC);
    assert_int_equal(r.info, CTFW_CT_ESTABLISHED);
    assert_int_equal(state_of(&r), CL);
    assert_int_equal(shown(t, &r, T0 + SEC), 9);
    tctx_free(t);
}

static void
test_rst_inexact_keeps_established(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_ct_ref r = handshake(t, T0);
    /* seq != the peer's highest ACK: ESTABLISHED with 9 s (§3.5f [V]). */
    struct ctfw_pkt p = cs(RST, 1050, 0, 0);
    r = pass(t, &p, T0 + SEC);
    assert_int_not_equal(r.info, CTFW_CT_INVALID);
    assert_int_equal(state_of(&r), ES);
    assert_int_equal(shown(t, &r, T0 + SEC), 9);
    tctx_free(t);
}

static void
test_rst_below_maxack_invalid(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    handshake(t, T0);
    /* seq before the peer's highest ACK: INVALID ("invalid rst"). */
    struct ctfw_pkt p = cs(RST, 900, 0, 0);
    struct ctfw_ct_ref r = pass(t, &p, T0 + SEC);
    assert_int_equal(r.info, CTFW_CT_INVALID);
    assert_int_equal(r.reason, CTFW_CT_R_TCP_RST);
    tctx_free(t);
}

static void
be_liberal(struct ctfw_ct_config *c)
{
    c->tcp_be_liberal = true;
}

static void
test_rst_below_maxack_liberal_still_invalid(void **state)
{
    (void)state;
    /* §3.5f: not affected by be_liberal. */
    struct tctx *t = tctx_new(be_liberal);
    handshake(t, T0);
    struct ctfw_pkt p = cs(RST, 900, 0, 0);
    assert_int_equal(pass(t, &p, T0 + SEC).info, CTFW_CT_INVALID);
    tctx_free(t);
}

static void
ignore_rst(struct ctfw_ct_config *c)
{
    c->tcp_ignore_invalid_rst = true;
}

static void
test_rst_below_maxack_ignored_switch(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(ignore_rst);
    handshake(t, T0);
    struct ctfw_pkt p = cs(RST, 900, 0, 0);
    struct ctfw_ct_ref r = pass(t, &p, T0 + SEC);
    assert_int_not_equal(r.info, CTFW_CT_INVALID);
    tctx_free(t);
}

static void
test_trace_loose_pickup(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    /* c->s ACK: ESTABLISHED 299 [UNREPLIED], ctstate NEW. */
    struct ctfw_pkt p = cs(ACK, 1000, 2000, 0);
    struct ctfw_ct_ref r = pass(t, &p, T0);
    assert_int_equal(r.info, CTFW_CT_NEW);
    assert_int_equal(state_of(&r), ES);
    assert_int_equal(shown(t, &r, T0), 299);
    assert_false(flag(&r, CTFW_CT_S_SEEN_REPLY));
    /* s->c ACK: 299, no longer UNREPLIED, not ASSURED. */
    p = sc(ACK, 2000, 1000, 0);
    r = pass(t, &p, T0 + MS);
    assert_int_equal(shown(t, &r, T0 + MS), 299);
    assert_true(flag(&r, CTFW_CT_S_SEEN_REPLY));
    assert_false(flag(&r, CTFW_CT_S_ASSURED));
    /* c->s ACK: 431999 [ASSURED]. */
    p = cs(ACK, 1000, 2000, 0);
    r = pass(t, &p, T0 + 2 * MS);
    assert_int_equal(shown(t, &r, T0 + 2 * MS), 431999);
    assert_true(flag(&r, CTFW_CT_S_ASSURED));
    tctx_free(t);
}

static void
no_loose(struct ctfw_ct_config *c)
{
    c->tcp_loose = false;
}

static void
test_first_packet_rules(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    /* §3.3 [V]: SYN/ACK, FIN/ACK, RST, RST/ACK, bare FIN, URG-only as a
     * first packet: INVALID, no entry. */
    const uint8_t bad[] = {SYN | ACK, FIN | ACK, RST, RST | ACK, FIN,
                           CTFW_TCP_URG, SYN | FIN, SYN | RST, 0,
                           FIN | SYN | RST | PSH | ACK | CTFW_TCP_URG};
    for (size_t i = 0; i < sizeof(bad); i++) {
        struct ctfw_pkt p = cs(bad[i], 1000, 1, 0);
        assert_int_equal(pass(t, &p, T0).info, CTFW_CT_INVALID);
    }
    struct ctfw_ct_stats st;
    ctfw_ct_get_stats(t->ct, &st);
    assert_int_equal(st.invalid, sizeof(bad));
    assert_int_equal(ctfw_ct_count(t->ct), 0);
    /* PSH/ACK with loose=1: a pickup. */
    struct ctfw_pkt p = cs(PSH | ACK, 1000, 1, 10);
    assert_int_equal(pass(t, &p, T0).info, CTFW_CT_NEW);
    tctx_free(t);
    /* With loose=0: INVALID. */
    t = tctx_new(no_loose);
    p = cs(ACK, 1000, 1, 0);
    struct ctfw_ct_ref r = pass(t, &p, T0);
    assert_int_equal(r.info, CTFW_CT_INVALID);
    assert_int_equal(r.reason, CTFW_CT_R_TCP_NEW);
    assert_int_equal(ctfw_ct_count(t->ct), 0);
    tctx_free(t);
}

static void
test_rst_reply_to_syn_kills(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt p = cs(SYN, 1000, 0, 0);
    pass(t, &p, T0);
    /* §3.8 [V]: RST/ACK reply to a SYN -> entry gone, the RST counted as
     * ESTABLISHED (reply direction). */
    p = sc(RST | ACK, 0, 1001, 0);
    struct ctfw_ct_ref r = pass(t, &p, T0 + MS);
    assert_int_equal(r.info, CTFW_CT_ESTABLISHED_REPLY);
    assert_int_equal(ctfw_ct_count(t->ct), 0);
    assert_int_equal(t->ndestroy[CTFW_CT_DESTROY_RST], 1);
    /* The next SYN starts afresh. */
    p = cs(SYN, 2000, 0, 0);
    assert_int_equal(pass(t, &p, T0 + 2 * MS).info, CTFW_CT_NEW);
    tctx_free(t);
}

static void
test_syn_retransmit_no_refresh(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt p = cs(SYN, 1000, 0, 0);
    struct ctfw_ct_ref r = pass(t, &p, T0);
    /* §3.8 [V]: SYN resent after 3 s -> timeout 116. */
    r = pass(t, &p, T0 + 3 * SEC);
    assert_int_equal(r.info, CTFW_CT_NEW);
    assert_int_equal(shown(t, &r, T0 + 3 * SEC), 116);
    tctx_free(t);
}

static void
test_simultaneous_open(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    /* §3.5e [V]: c SYN -> SS; s SYN -> S2; c SYN/ACK -> SR; s SYN/ACK
     * ignored; s ACK -> ESTABLISHED + ASSURED. */
    struct ctfw_pkt p = cs(SYN, 1000, 0, 0);
    struct ctfw_ct_ref r = pass(t, &p, T0);
    assert_int_equal(state_of(&r), SS);
    p = sc(SYN, 5000, 0, 0);
    r = pass(t, &p, T0 + MS);
    assert_int_equal(state_of(&r), S2);
    p = cs(SYN | ACK, 1000, 5001, 0);
    r = pass(t, &p, T0 + 2 * MS);
    assert_int_equal(state_of(&r), SR);
    p = sc(SYN | ACK, 5000, 1001, 0);
    r = pass(t, &p, T0 + 3 * MS);
    assert_int_equal(state_of(&r), SR);
    p = sc(ACK, 5001, 1001, 0);
    r = pass(t, &p, T0 + 4 * MS);
    assert_int_equal(state_of(&r), ES);
    assert_true(flag(&r, CTFW_CT_S_ASSURED));
    tctx_free(t);
}

static void
test_ignored_syn_in_established(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_ct_ref r = handshake(t, T0);
    int64_t before = shown(t, &r, T0 + 5 * SEC);
    /* §3.5b [V]: accepted as ESTABLISHED, state and timeout unchanged. */
    struct ctfw_pkt p = cs(SYN, 7777, 0, 0);
    r = pass(t, &p, T0 + 5 * SEC);
    assert_int_equal(r.info, CTFW_CT_ESTABLISHED);
    assert_int_equal(state_of(&r), ES);
    assert_int_equal(shown(t, &r, T0 + 5 * SEC), before);
    tctx_free(t);
}

static void
test_reopen_after_rst(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    handshake(t, T0);
    struct ctfw_pkt p = cs(RST, 1001, 0, 0);
    pass(t, &p, T0 + MS);
    /* §3.5a [V]: RST then SYN (same direction) -> fresh SYN_SENT. */
    p = cs(SYN, 3000, 0, 0);
    struct ctfw_ct_ref r = pass(t, &p, T0 + 2 * MS);
    assert_int_equal(r.info, CTFW_CT_NEW);
    assert_int_equal(state_of(&r), SS);
    tctx_free(t);
}

static void
test_no_reopen_after_rst_then_ack(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    handshake(t, T0);
    struct ctfw_pkt p = cs(RST, 1001, 0, 0);
    pass(t, &p, T0 + MS);
    p = sc(ACK, 5001, 1001, 0);
    pass(t, &p, T0 + 2 * MS);
    /* §3.5a [V]: RST, an ACK, then SYN -> ignored, entry stays CLOSE. */
    p = cs(SYN, 3000, 0, 0);
    struct ctfw_ct_ref r = pass(t, &p, T0 + 3 * MS);
    assert_int_equal(state_of(&r), CL);
    assert_int_not_equal(r.info, CTFW_CT_INVALID);
    tctx_free(t);
}

static void
test_reopen_reply_direction_time_wait(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    handshake(t, T0);
    struct ctfw_pkt seq[] = {
        cs(FIN | ACK, 1001, 5001, 0), sc(ACK, 5001, 1002, 0),
        sc(FIN | ACK, 5001, 1002, 0), cs(ACK, 1002, 5002, 0),
    };
    struct ctfw_ct_ref r;
    for (int i = 0; i < 4; i++)
        r = pass(t, &seq[i], T0 + (uint64_t)(i + 1) * MS);
    assert_int_equal(state_of(&r), TW);
    /* Reply-direction SYN in TIME_WAIT: "SS*", role switch; the new
     * entry's original direction is server -> client. */
    struct ctfw_pkt p = sc(SYN, 8000, 0, 0);
    r = pass(t, &p, T0 + 10 * MS);
    assert_int_equal(r.info, CTFW_CT_NEW);
    assert_int_equal(state_of(&r), SS);
    struct ctfw_ct_tuple tu;
    ctfw_ct_entry_tuple(r.entry, CTFW_CT_DIR_ORIGINAL, &tu);
    assert_int_equal(tu.sport, 80);
    tctx_free(t);
}

/* ---- Window tracking (§3.6) ------------------------------------------- */

static void
test_window_seq_over_bound(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    handshake(t, T0);
    /* Data 900 KB beyond the window: INVALID (liberal=0). */
    struct ctfw_pkt p = cs(PSH | ACK, 1001 + 900000, 5001, 100);
    struct ctfw_ct_ref r = pass(t, &p, T0 + SEC);
    assert_int_equal(r.info, CTFW_CT_INVALID);
    assert_int_equal(r.reason, CTFW_CT_R_TCP_SEQ_OVER);
    /* ACK of data never seen: INVALID. */
    p = sc(ACK, 5001, 1001 + 500000, 0);
    r = pass(t, &p, T0 + SEC);
    assert_int_equal(r.info, CTFW_CT_INVALID);
    assert_int_equal(r.reason, CTFW_CT_R_TCP_ACK_OVER);
    tctx_free(t);
    /* be_liberal=1: both ESTABLISHED. */
    t = tctx_new(be_liberal);
    handshake(t, T0);
    p = cs(PSH | ACK, 1001 + 900000, 5001, 100);
    assert_int_equal(pass(t, &p, T0 + SEC).info, CTFW_CT_ESTABLISHED);
    p = sc(ACK, 5001, 1001 + 500000, 0);
    assert_int_equal(pass(t, &p, T0 + SEC).info,
                     CTFW_CT_ESTABLISHED_REPLY);
    tctx_free(t);
}

static void
test_window_scaling_and_sack(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt a = cs(SYN, 1000, 0, 0);
    a.tcp_doff = 40;
    a.l4_len = 40;
    a.has |= CTFW_PKT_HAS_TCPOPT;
    a.tcp_opts.wscale = 7;
    a.tcp_opts.sack_perm = true;
    struct ctfw_pkt b = sc(SYN | ACK, 5000, 1001, 0);
    b.tcp_doff = 40;
    b.l4_len = 40;
    b.has |= CTFW_PKT_HAS_TCPOPT;
    b.tcp_opts.wscale = 7;
    b.tcp_opts.sack_perm = true;
    struct ctfw_ct_ref r = pass(t, &a, T0);
    pass(t, &b, T0);
    const struct ct_tcp *s = &r.entry->p.tcp;
    assert_int_equal(s->td_scale[0], 7);
    assert_int_equal(s->td_scale[1], 7);
    /* Server window 500 << 7 = 64000 lets the client send far ahead. */
    struct ctfw_pkt c = cs(ACK, 1001, 5001, 0);
    c.tcp_win = 500;
    pass(t, &c, T0);
    struct ctfw_pkt d = sc(ACK, 5001, 1001, 0);
    d.tcp_win = 500;
    pass(t, &d, T0);
    struct ctfw_pkt e = cs(PSH | ACK, 1001 + 60000, 5001, 1000);
    e.tcp_win = 500;
    assert_int_equal(pass(t, &e, T0 + MS).info, CTFW_CT_ESTABLISHED);
    /* A SACK right edge beyond the client's data is over the bound. */
    struct ctfw_pkt f = sc(ACK, 5001, 1001, 0);
    f.tcp_win = 500;
    f.has |= CTFW_PKT_HAS_TCPOPT;
    f.tcp_opts.n_sack = 1;
    f.tcp_opts.sack[0][0] = 1001 + 70000;
    f.tcp_opts.sack[0][1] = 1001 + 80000;
    assert_int_equal(pass(t, &f, T0 + 2 * MS).info, CTFW_CT_INVALID);
    tctx_free(t);
}

static void
test_window_only_one_side_scales(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_pkt a = cs(SYN, 1000, 0, 0);
    a.tcp_doff = 24;
    a.l4_len = 24;
    a.has |= CTFW_PKT_HAS_TCPOPT;
    a.tcp_opts.wscale = 7;
    struct ctfw_ct_ref r = pass(t, &a, T0);
    struct ctfw_pkt b = sc(SYN | ACK, 5000, 1001, 0);
    pass(t, &b, T0);
    /* RFC 1323: both must send the option, else no scaling at all. */
    assert_int_equal(r.entry->p.tcp.td_scale[0], 0);
    assert_int_equal(r.entry->p.tcp.td_scale[1], 0);
    tctx_free(t);
}

/* ---- Timeout choice (§3.7) -------------------------------------------- */

static void
retrans_cfg(struct ctfw_ct_config *c)
{
    c->tcp_timeout_max_retrans = 200;
    c->tcp_timeout_unacknowledged = 250;
}

static void
test_timeout_retrans_and_unack(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(retrans_cfg);
    handshake(t, T0);
    /* §3.7 [V]: 1st-3rd identical copy -> 249 (UNACK 250), 4th -> 199
     * (retrans reached max_retrans=3, RETRANS 200). */
    struct ctfw_pkt p = cs(PSH | ACK, 1001, 5001, 100);
    struct ctfw_ct_ref r;
    for (int i = 1; i <= 3; i++) {
        r = pass(t, &p, T0 + (uint64_t)i * SEC);
        assert_int_equal(shown(t, &r, T0 + (uint64_t)i * SEC), 249);
    }
    r = pass(t, &p, T0 + 4 * SEC);
    assert_int_equal(shown(t, &r, T0 + 4 * SEC), 199);
    tctx_free(t);
}

static void
test_timeout_zero_window(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    handshake(t, T0);
    /* A class-ack packet advertising window 0: RETRANS cap (300). */
    struct ctfw_pkt p = sc(ACK, 5001, 1001, 0);
    p.tcp_win = 0;
    struct ctfw_ct_ref r = pass(t, &p, T0 + SEC);
    assert_int_equal(shown(t, &r, T0 + SEC), 299);
    tctx_free(t);
}

static void
test_timeout_sysctl_next_packet(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_ct_ref r = handshake(t, T0);
    struct ctfw_ct_config c = t->cfg;
    c.tcp_timeout_established = 300;
    ctfw_ct_set_config(t->ct, &c);
    /* §2.8 [V]: the existing entry keeps 431991-ish until its next
     * packet, then 299. */
    assert_int_equal(shown(t, &r, T0 + 8 * SEC), 431991);
    struct ctfw_pkt p = sc(ACK, 5001, 1001, 0);
    r = pass(t, &p, T0 + 9 * SEC);
    assert_int_equal(shown(t, &r, T0 + 9 * SEC), 299);
    tctx_free(t);
}

static void
test_out_of_window_fin_shortens(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ctfw_ct_ref r = handshake(t, T0);
    /* §3.5g: out-of-window FIN from one side, then from the other side:
     * an ASSURED entry's remaining time drops to UNACK (300). */
    struct ctfw_pkt p = cs(FIN | ACK, 1001 + 900000, 5001, 0);
    assert_int_equal(pass(t, &p, T0 + SEC).info, CTFW_CT_INVALID);
    /* Alone it changes nothing (one second after the handshake). */
    assert_int_equal(shown(t, &r, T0 + SEC), 431998);
    p = sc(FIN | ACK, 5001 + 900000, 1001, 0);
    assert_int_equal(pass(t, &p, T0 + 2 * SEC).info, CTFW_CT_INVALID);
    assert_int_equal(shown(t, &r, T0 + 2 * SEC), 299);
    tctx_free(t);
}

static void
test_invalid_counts(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    handshake(t, T0);
    struct ctfw_pkt p = cs(FIN, 1001, 0, 0);  /* bare FIN */
    struct ctfw_ct_ref r = pass(t, &p, T0 + SEC);
    assert_int_equal(r.info, CTFW_CT_INVALID);
    assert_int_equal(r.reason, CTFW_CT_R_TCP_FLAGS);
    assert_int_equal(ctfw_ct_reason_count(t->ct, CTFW_CT_R_TCP_FLAGS), 1);
    struct ctfw_pkt trunc = cs(ACK, 1001, 5001, 0);
    trunc.has &= ~CTFW_PKT_HAS_L4;
    assert_int_equal(pass(t, &trunc, T0 + SEC).info, CTFW_CT_INVALID);
    struct ctfw_ct_stats st;
    ctfw_ct_get_stats(t->ct, &st);
    assert_int_equal(st.invalid, 2);
    tctx_free(t);
}

void
ct_tcp_tests(const struct CMUnitTest **tests, size_t *n)
{
    static const struct CMUnitTest list[] = {
        cmocka_unit_test(test_table_original),
        cmocka_unit_test(test_table_reply),
        cmocka_unit_test(test_trace_full_connection),
        cmocka_unit_test(test_trace_rst_in_established),
        cmocka_unit_test(test_rst_inexact_keeps_established),
        cmocka_unit_test(test_rst_below_maxack_invalid),
        cmocka_unit_test(test_rst_below_maxack_liberal_still_invalid),
        cmocka_unit_test(test_rst_below_maxack_ignored_switch),
        cmocka_unit_test(test_trace_loose_pickup),
        cmocka_unit_test(test_first_packet_rules),
        cmocka_unit_test(test_rst_reply_to_syn_kills),
        cmocka_unit_test(test_syn_retransmit_no_refresh),
        cmocka_unit_test(test_simultaneous_open),
        cmocka_unit_test(test_ignored_syn_in_established),
        cmocka_unit_test(test_reopen_after_rst),
        cmocka_unit_test(test_no_reopen_after_rst_then_ack),
        cmocka_unit_test(test_reopen_reply_direction_time_wait),
        cmocka_unit_test(test_window_seq_over_bound),
        cmocka_unit_test(test_window_scaling_and_sack),
        cmocka_unit_test(test_window_only_one_side_scales),
        cmocka_unit_test(test_timeout_retrans_and_unack),
        cmocka_unit_test(test_timeout_zero_window),
        cmocka_unit_test(test_timeout_sysctl_next_packet),
        cmocka_unit_test(test_out_of_window_fin_shortens),
        cmocka_unit_test(test_invalid_counts),
    };
    *tests = list;
    *n = sizeof(list) / sizeof(list[0]);
}
