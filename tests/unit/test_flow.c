// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Capture-side connections (lib/flow): the rules of include/ctfw/flow.h,
 * one test per rule, with packets built as decoded struct ctfw_pkt. The
 * expected values are those rules applied by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctfw/flow.h"

#define SEC 1000000000ull

static struct ctfw_pkt
mk(uint8_t proto, uint8_t a, uint8_t b, uint16_t sp, uint16_t dp,
   uint8_t flags)
{
    struct ctfw_pkt p;
    memset(&p, 0, sizeof(p));
    p.has = CTFW_PKT_HAS_IP | CTFW_PKT_HAS_L4;
    p.family = 4;
    p.proto = proto;
    p.src.b[0] = 10;
    p.src.b[3] = a;
    p.dst.b[0] = 10;
    p.dst.b[3] = b;
    p.sport = sp;
    p.dport = dp;
    p.tcp_flags = flags;
    return p;
}

#define SYN CTFW_TCP_SYN
#define ACK CTFW_TCP_ACK
#define FIN CTFW_TCP_FIN
#define RST CTFW_TCP_RST

static struct ctfw_flow_pkt
feed(struct ctfw_flows *f, struct ctfw_pkt p, uint64_t t)
{
    struct ctfw_flow_pkt o;
    assert_int_equal(ctfw_flows_packet(f, &p, t, &o), 0);
    return o;
}

/* A TCP connection: the SYN starts it and is an opening attempt, a
 * retransmitted SYN is another, the SYN-ACK (responder) is not, and
 * once the responder was seen no initiator packet is an attempt. */
static void
test_tcp_opening(void **state)
{
    (void)state;
    struct ctfw_flows *f = ctfw_flows_new(2);
    struct ctfw_flow_pkt o = feed(f, mk(6, 1, 10, 4000, 80, SYN), 0);
    assert_int_not_equal(o.flow, CTFW_FLOW_NONE);
    assert_true(o.opening && o.started);
    uint32_t id = o.flow;
    ctfw_flows_state(f, id)[1] = 7;
    o = feed(f, mk(6, 1, 10, 4000, 80, SYN), 1 * SEC);
    assert_int_equal(o.flow, id);
    assert_true(o.opening);
    assert_false(o.started);
    assert_int_equal(ctfw_flows_state(f, id)[1], 7);  /* kept */
    o = feed(f, mk(6, 10, 1, 80, 4000, SYN | ACK), 1 * SEC + 1);
    assert_int_equal(o.flow, id);
    assert_false(o.opening);
    o = feed(f, mk(6, 1, 10, 4000, 80, SYN), 2 * SEC);
    assert_false(o.opening);   /* the responder has been seen */
    o = feed(f, mk(6, 1, 10, 4000, 80, ACK), 2 * SEC + 1);
    assert_int_equal(o.flow, id);
    assert_false(o.opening);
    assert_int_equal(ctfw_flows_started(f), 1);
    ctfw_flows_free(f);
}

/* TCP packets of an unknown key that are not a SYN are not followed. */
static void
test_tcp_midstream(void **state)
{
    (void)state;
    struct ctfw_flows *f = ctfw_flows_new(1);
    assert_int_equal(feed(f, mk(6, 1, 10, 4000, 80, ACK), 0).flow,
                     CTFW_FLOW_NONE);
    assert_int_equal(feed(f, mk(6, 1, 10, 4000, 80, SYN | ACK), 0).flow,
                     CTFW_FLOW_NONE);
    assert_int_equal(ctfw_flows_live(f), 0);
    ctfw_flows_free(f);
}

/* A RST is the connection's last packet; both FINs then a SYN: a new
 * connection on the same key. */
static void
test_tcp_end(void **state)
{
    (void)state;
    struct ctfw_flows *f = ctfw_flows_new(1);
    uint32_t id = feed(f, mk(6, 1, 10, 4000, 80, SYN), 0).flow;
    assert_int_equal(feed(f, mk(6, 10, 1, 80, 4000, RST | ACK), 1).flow, id);
    assert_int_equal(feed(f, mk(6, 1, 10, 4000, 80, ACK), 2).flow,
                     CTFW_FLOW_NONE);
    struct ctfw_flow_pkt o = feed(f, mk(6, 1, 10, 4000, 80, SYN), 3);
    assert_true(o.started && o.opening);
    feed(f, mk(6, 10, 1, 80, 4000, SYN | ACK), 4);
    feed(f, mk(6, 1, 10, 4000, 80, FIN | ACK), 5);
    /* One FIN: a SYN is a (late) packet of the same connection. */
    assert_false(feed(f, mk(6, 1, 10, 4000, 80, SYN), 6).started);
    feed(f, mk(6, 10, 1, 80, 4000, FIN | ACK), 7);
    assert_false(feed(f, mk(6, 1, 10, 4000, 80, ACK), 8).started);
    o = feed(f, mk(6, 1, 10, 4000, 80, SYN), 9);
    assert_true(o.started && o.opening);
    assert_int_equal(ctfw_flows_started(f), 3);
    ctfw_flows_free(f);
}

/* UDP: any first packet starts; initiator packets before a reply are
 * attempts; after CTFW_FLOW_IDLE_S without a packet it starts over. */
static void
test_udp_idle(void **state)
{
    (void)state;
    struct ctfw_flows *f = ctfw_flows_new(1);
    struct ctfw_flow_pkt o = feed(f, mk(17, 1, 10, 5000, 53, 0), 0);
    assert_true(o.started && o.opening);
    assert_true(feed(f, mk(17, 1, 10, 5000, 53, 0), SEC).opening);
    assert_false(feed(f, mk(17, 10, 1, 53, 5000, 0), SEC).opening);
    assert_false(feed(f, mk(17, 1, 10, 5000, 53, 0), 2 * SEC).opening);
    uint64_t t = 2 * SEC + (uint64_t)CTFW_FLOW_IDLE_S * SEC;
    assert_false(feed(f, mk(17, 1, 10, 5000, 53, 0), t).started);
    o = feed(f, mk(17, 1, 10, 5000, 53, 0), t + (CTFW_FLOW_IDLE_S + 1) * SEC);
    assert_true(o.started && o.opening);
    assert_int_equal(ctfw_flows_live(f), 1);
    ctfw_flows_free(f);
}

/* ICMP: echo request and reply are one connection by id; other types
 * and later fragments belong to none. */
static void
test_icmp_and_fragments(void **state)
{
    (void)state;
    struct ctfw_flows *f = ctfw_flows_new(1);
    struct ctfw_pkt q = mk(1, 1, 10, 0, 0, 0), a = mk(1, 10, 1, 0, 0, 0);
    q.icmp_type = 8;
    q.icmp_id = 77;
    a.icmp_type = 0;
    a.icmp_id = 77;
    uint32_t id = feed(f, q, 0).flow;
    assert_int_not_equal(id, CTFW_FLOW_NONE);
    struct ctfw_flow_pkt o = feed(f, a, 1);
    assert_int_equal(o.flow, id);
    assert_false(o.opening);
    struct ctfw_pkt u = mk(1, 10, 1, 0, 0, 0);
    u.icmp_type = 3;
    assert_int_equal(feed(f, u, 2).flow, CTFW_FLOW_NONE);
    struct ctfw_pkt fr = mk(17, 1, 10, 0, 0, 0);
    fr.frag = CTFW_PKT_FRAG_LATER;
    fr.has = CTFW_PKT_HAS_IP;
    assert_int_equal(feed(f, fr, 3).flow, CTFW_FLOW_NONE);
    ctfw_flows_free(f);
}

/* Many connections: the index grows and deletion keeps every key
 * reachable. */
static void
test_many(void **state)
{
    (void)state;
    struct ctfw_flows *f = ctfw_flows_new(1);
    for (unsigned i = 0; i < 20000; i++)
        assert_true(feed(f, mk(6, (uint8_t)(i & 0xff), 10,
                               (uint16_t)(1000 + i / 256), 80, SYN),
                         i).started);
    assert_int_equal(ctfw_flows_live(f), 20000);
    for (unsigned i = 0; i < 20000; i += 2)
        feed(f, mk(6, 10, (uint8_t)(i & 0xff), 80,
                   (uint16_t)(1000 + i / 256), RST), 20000 + i);
    for (unsigned i = 0; i < 20000; i++) {
        struct ctfw_flow_pkt o = feed(f, mk(6, (uint8_t)(i & 0xff), 10,
                                            (uint16_t)(1000 + i / 256), 80,
                                            SYN), 40000 + i);
        /* Reset ones start over; the others are retransmissions. */
        assert_int_equal(o.started, i % 2 == 0);
    }
    assert_int_equal(ctfw_flows_live(f), 20000);
    ctfw_flows_free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_opening),
        cmocka_unit_test(test_tcp_midstream),
        cmocka_unit_test(test_tcp_end),
        cmocka_unit_test(test_udp_idle),
        cmocka_unit_test(test_icmp_and_fragments),
        cmocka_unit_test(test_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
