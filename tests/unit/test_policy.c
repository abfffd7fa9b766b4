// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Table-full policies (lib/policy): each policy's arithmetic against the
 * reference it imitates, worked by hand in the comments, and the
 * runtime decisions on hand-built packets.
 *
 * References:
 *  - OpenBSD pf.conf(5), "set timeout": "adaptive.start 6000,
 *    adaptive.end 12000 ... set limit states 10000: When the number of
 *    state entries exceeds 6000, all timeout values are scaled linearly
 *    with factor (12000 - number of states) / (12000 - 6000). With 9000
 *    state entries, the timeout values are scaled to 50%"; and the
 *    defaults: adaptive.start 60 % and adaptive.end 120 % of the state
 *    limit. pf_state_expires() in sys/net/pf.c: the scaling only when
 *    end && states > start && start < end, 0 once states >= end, 64-bit
 *    integer arithmetic.
 *  - pf's thresholds (pf_init_threshold, pf_add_threshold,
 *    pf_check_threshold): limit and count in thousandths
 *    (PF_THRESHOLD_MULT 1000), count decayed by count * diff / seconds,
 *    reset when diff >= seconds, exceeded when count > limit.
 *  - Suricata: emergency mode when the flow memcap is hit; left in
 *    FlowManager() when "len * 100 / flow_config.prealloc >
 *    flow_config.emergency_recovery" (len: spare flows), integer
 *    division, emergency-recovery 30 by default (suricata.yaml); the
 *    default flow-timeouts emergency-new/-established/-closed: tcp 5,
 *    100, 10; udp 10, 100; icmp 10, 100; default 10, 100, 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctfw/policy.h"

#define SEC 1000000000ull

static void
test_adaptive_formula(void **state)
{
    (void)state;
    /* pf.conf(5)'s example: 9000 states of 6000..12000 -> 50 %. */
    assert_int_equal(ctfw_policy_adaptive_timeout(86400, 6000, 12000, 9000),
                     43200);
    /* At start exactly: not "states > start", unchanged. */
    assert_int_equal(ctfw_policy_adaptive_timeout(86400, 6000, 12000, 6000),
                     86400);
    /* One above: 86400 * 5999 / 6000 = 86385.6 -> 86385 (truncated). */
    assert_int_equal(ctfw_policy_adaptive_timeout(86400, 6000, 12000, 6001),
                     86385);
    /* One below end: 86400 * 1 / 6000 = 14.4 -> 14. */
    assert_int_equal(
        ctfw_policy_adaptive_timeout(86400, 6000, 12000, 11999), 14);
    /* At and above end: expires at once. */
    assert_int_equal(
        ctfw_policy_adaptive_timeout(86400, 6000, 12000, 12000), 0);
    assert_int_equal(
        ctfw_policy_adaptive_timeout(86400, 6000, 12000, 50000), 0);
    /* end 0 (adaptive off) and start >= end: unchanged. */
    assert_int_equal(ctfw_policy_adaptive_timeout(120, 0, 0, 50000), 120);
    assert_int_equal(ctfw_policy_adaptive_timeout(120, 500, 500, 600), 120);
    /* 64-bit product, as pf's (u_int64_t) cast: 432000 * 10000 =
     * 4.32e9 > 2^32, / 20000 = 216000 (a 32-bit product would wrap). */
    assert_int_equal(
        ctfw_policy_adaptive_timeout(432000, 0, 20000, 10000), 216000);
}

static void
test_adaptive_defaults(void **state)
{
    (void)state;
    /* The defaults resolved on the limit: 60 % and 120 % of 10000 are
     * pf.conf(5)'s 6000 and 12000. */
    struct ctfw_policy_config c;
    ctfw_policy_config_init(&c);
    char err[128];
    assert_int_equal(ctfw_policy_config_set(&c, "policy", "adaptive", err,
                                            sizeof(err)),
                     1);
    struct ctfw_policy *p = ctfw_policy_new(&c, 10000);
    assert_non_null(p);
    struct ctfw_policy_stats st;
    ctfw_policy_get_stats(p, &st);
    assert_int_equal(st.adaptive_start, 6000);
    assert_int_equal(st.adaptive_end, 12000);
    assert_true(ctfw_policy_has_timeouts(p));
    /* Every timeout is scaled: ESTABLISHED's 432000 s and SYN_SENT's
     * 120 s at 9000 entries, both halved. */
    assert_int_equal(ctfw_policy_timeout(p, CTFW_POLICY_P_TCP,
                                         CTFW_POLICY_S_ESTABLISHED, 432000,
                                         9000),
                     216000);
    assert_int_equal(ctfw_policy_timeout(p, CTFW_POLICY_P_TCP,
                                         CTFW_POLICY_S_NEW, 120, 9000),
                     60);
    ctfw_policy_free(p);
    /* Explicit counts. */
    ctfw_policy_config_init(&c);
    assert_int_equal(ctfw_policy_config_set(&c, "adaptive.start", "100",
                                            err, sizeof(err)),
                     1);
    assert_int_equal(ctfw_policy_config_set(&c, "adaptive.end", "300", err,
                                            sizeof(err)),
                     1);
    p = ctfw_policy_new(&c, 10000);
    assert_int_equal(ctfw_policy_timeout(p, CTFW_POLICY_P_UDP,
                                         CTFW_POLICY_S_NEW, 30, 200),
                     15);
    ctfw_policy_free(p);
}

static void
test_emergency_thresholds(void **state)
{
    (void)state;
    /* Entered when a new entry finds the table full (Suricata: the
     * memcap hit): count > 100 % of max. */
    assert_false(ctfw_policy_emergency_enter(10000, 10000, 100));
    assert_true(ctfw_policy_emergency_enter(10001, 10000, 100));
    /* A threshold below 100 %: 80 % of 10000 is 8000. */
    assert_false(ctfw_policy_emergency_enter(8000, 10000, 80));
    assert_true(ctfw_policy_emergency_enter(8001, 10000, 80));
    /* Left when spare * 100 / max > 30 (integer): with max 10000,
     * count 6901 leaves 3099 spare, 309900 / 10000 = 30, not > 30;
     * count 6900 leaves 3100, 31 > 30. */
    assert_false(ctfw_policy_emergency_leave(6901, 10000, 30));
    assert_true(ctfw_policy_emergency_leave(6900, 10000, 30));
    /* With max 1000 the integer division needs 310 spare (31 %): 309
     * spare gives 30. */
    assert_false(ctfw_policy_emergency_leave(691, 1000, 30));
    assert_true(ctfw_policy_emergency_leave(690, 1000, 30));
    /* A full table never leaves. */
    assert_false(ctfw_policy_emergency_leave(1000, 1000, 0));
}

static void
test_emergency_timeouts(void **state)
{
    (void)state;
    struct ctfw_policy_config c;
    ctfw_policy_config_init(&c);
    char err[128];
    assert_int_equal(
        ctfw_policy_config_set(&c, "policy", "emergency", err, sizeof(err)),
        1);
    struct ctfw_policy *p = ctfw_policy_new(&c, 1000);
    /* Not in emergency: Linux's timeouts stand. */
    assert_int_equal(ctfw_policy_timeout(p, CTFW_POLICY_P_TCP,
                                         CTFW_POLICY_S_NEW, 120, 1000),
                     120);
    assert_false(ctfw_policy_check_enter(p, 1000, 5 * SEC));
    assert_true(ctfw_policy_check_enter(p, 1001, 5 * SEC));
    assert_true(ctfw_policy_in_emergency(p));
    /* Suricata's tcp emergency-new 5 (for SYN_SENT's 120 s), emergency-
     * established 100 (for 432000 s), emergency-closed 10 (for
     * TIME_WAIT's 120 s); udp emergency-new 10 (for 30 s); default
     * emergency-closed 0. Never longer than Linux's: a 5 s timeout
     * stays 5 s against udp's emergency-new 10. */
    assert_int_equal(ctfw_policy_timeout(p, CTFW_POLICY_P_TCP,
                                         CTFW_POLICY_S_NEW, 120, 1000),
                     5);
    assert_int_equal(ctfw_policy_timeout(p, CTFW_POLICY_P_TCP,
                                         CTFW_POLICY_S_ESTABLISHED, 432000,
                                         1000),
                     100);
    assert_int_equal(ctfw_policy_timeout(p, CTFW_POLICY_P_TCP,
                                         CTFW_POLICY_S_CLOSED, 120, 1000),
                     10);
    assert_int_equal(ctfw_policy_timeout(p, CTFW_POLICY_P_UDP,
                                         CTFW_POLICY_S_NEW, 30, 1000),
                     10);
    assert_int_equal(ctfw_policy_timeout(p, CTFW_POLICY_P_UDP,
                                         CTFW_POLICY_S_NEW, 5, 1000),
                     5);
    assert_int_equal(ctfw_policy_timeout(p, CTFW_POLICY_P_DEFAULT,
                                         CTFW_POLICY_S_CLOSED, 600, 1000),
                     0);
    /* 700 entries: 300 spare, 30 % not > 30: still on; 690: off. */
    ctfw_policy_tick(p, 700, 6 * SEC);
    assert_true(ctfw_policy_in_emergency(p));
    ctfw_policy_tick(p, 690, 8 * SEC);
    assert_false(ctfw_policy_in_emergency(p));
    struct ctfw_policy_stats st;
    ctfw_policy_get_stats(p, &st);
    assert_int_equal(st.emergency_entered, 1);
    assert_int_equal(st.emergency_ns, 3 * SEC);
    ctfw_policy_free(p);
}

static void
test_threshold(void **state)
{
    (void)state;
    /* max-src-conn-rate 3/10. */
    struct ctfw_policy_threshold t;
    ctfw_policy_threshold_init(&t, 3, 10, 100);
    assert_int_equal(t.limit, 3000);
    for (int i = 0; i < 3; i++)
        ctfw_policy_threshold_add(&t, 100);
    /* 3000 > 3000 is false: three connections in a second are allowed. */
    assert_int_equal(t.count, 3000);
    assert_false(ctfw_policy_threshold_check(&t));
    ctfw_policy_threshold_add(&t, 100);
    assert_true(ctfw_policy_threshold_check(&t));
    /* 5 s later: 4000 - 4000 * 5 / 10 = 2000, + 1000 = 3000. */
    ctfw_policy_threshold_add(&t, 105);
    assert_int_equal(t.count, 3000);
    assert_false(ctfw_policy_threshold_check(&t));
    /* 10 s or more since the last: reset, then + 1000. */
    ctfw_policy_threshold_add(&t, 115);
    assert_int_equal(t.count, 1000);
}

static struct ctfw_pkt
tcp(uint8_t a, uint8_t b, uint16_t sp, uint16_t dp, uint8_t flags)
{
    struct ctfw_pkt p;
    memset(&p, 0, sizeof(p));
    p.has = CTFW_PKT_HAS_IP | CTFW_PKT_HAS_L4;
    p.family = 4;
    p.proto = 6;
    p.src.b[0] = 10;
    p.src.b[3] = a;
    p.dst.b[0] = 10;
    p.dst.b[3] = b;
    p.sport = sp;
    p.dport = dp;
    p.tcp_flags = flags;
    return p;
}

static void
test_config(void **state)
{
    (void)state;
    struct ctfw_policy_config c;
    char err[256];
    ctfw_policy_config_init(&c);
    /* Not a policy key: left to the sysctls. */
    assert_int_equal(ctfw_policy_config_set(&c, "max", "4096", err,
                                            sizeof(err)),
                     0);
    assert_int_equal(c.flags, 0);
    assert_int_equal(ctfw_policy_config_set(&c, "policy",
                                            "adaptive+emergency", err,
                                            sizeof(err)),
                     1);
    assert_int_equal(c.flags, CTFW_POLICY_ADAPTIVE | CTFW_POLICY_EMERGENCY);
    assert_int_equal(ctfw_policy_config_set(&c, "policy", "pf", err,
                                            sizeof(err)),
                     -1);
    assert_int_equal(ctfw_policy_config_set(&c, "adaptive.start", "60%x",
                                            err, sizeof(err)),
                     -1);
    assert_int_equal(ctfw_policy_config_set(&c, "emergency.recovery", "30",
                                            err, sizeof(err)),
                     -1);   /* a percentage must say so */
    assert_int_equal(ctfw_policy_config_set(&c, "emergency.tcp.new", "2",
                                            err, sizeof(err)),
                     1);
    assert_int_equal(c.emergency_timeout[CTFW_POLICY_P_TCP]
                                        [CTFW_POLICY_S_NEW],
                     2);
    assert_int_equal(ctfw_policy_config_set(&c, "emergency.sctp.new", "2",
                                            err, sizeof(err)),
                     -1);
    assert_int_equal(ctfw_policy_config_set(&c, "max-src-conn-rate", "5/0",
                                            err, sizeof(err)),
                     -1);
    assert_int_equal(ctfw_policy_config_set(&c, "max-src-conn-rate", "5/10",
                                            err, sizeof(err)),
                     1);
    assert_int_equal(c.conn_rate_limit, 5);
    assert_int_equal(c.conn_rate_seconds, 10);
    assert_int_equal(ctfw_policy_config_set(&c, "synproxy", "udp/53", err,
                                            sizeof(err)),
                     -1);
    assert_int_equal(ctfw_policy_config_set(&c, "exempt", "tcp/22+bogus",
                                            err, sizeof(err)),
                     -1);
    /* Whole-configuration checks. */
    ctfw_policy_config_init(&c);
    ctfw_policy_config_set(&c, "adaptive.start", "120%", err, sizeof(err));
    assert_int_equal(ctfw_policy_config_check(&c, err, sizeof(err)), -1);
    ctfw_policy_config_init(&c);
    ctfw_policy_config_set(&c, "policy", "exempt", err, sizeof(err));
    assert_int_equal(ctfw_policy_config_check(&c, err, sizeof(err)), -1);
    ctfw_policy_config_init(&c);
    ctfw_policy_config_set(&c, "max-src-states", "10", err, sizeof(err));
    ctfw_policy_config_set(&c, "overload", "flush", err, sizeof(err));
    /* pf puts a source in the overload table only for max-src-conn and
     * max-src-conn-rate. */
    assert_int_equal(ctfw_policy_config_check(&c, err, sizeof(err)), -1);
}

static void
test_match(void **state)
{
    (void)state;
    struct ctfw_policy_config c;
    char err[256];
    ctfw_policy_config_init(&c);
    assert_int_equal(ctfw_policy_config_set(&c, "exempt",
                                            "tcp/22+10.9.0.0/16+53", err,
                                            sizeof(err)),
                     1);
    assert_int_equal(c.n_exempt, 3);
    /* To and from tcp/22. */
    struct ctfw_pkt p = tcp(1, 2, 40000, 22, CTFW_TCP_SYN);
    assert_true(ctfw_policy_match(c.exempt, c.n_exempt, &p));
    p = tcp(2, 1, 22, 40000, CTFW_TCP_SYN | CTFW_TCP_ACK);
    assert_true(ctfw_policy_match(c.exempt, c.n_exempt, &p));
    p = tcp(1, 2, 40000, 80, CTFW_TCP_SYN);
    assert_false(ctfw_policy_match(c.exempt, c.n_exempt, &p));
    /* 53 without a protocol: TCP and UDP. */
    p = tcp(1, 2, 40000, 53, 0);
    p.proto = 17;
    assert_true(ctfw_policy_match(c.exempt, c.n_exempt, &p));
    /* The prefix, either address: 10.9.x.x. */
    p = tcp(1, 2, 40000, 80, CTFW_TCP_SYN);
    p.dst.b[1] = 9;
    assert_true(ctfw_policy_match(c.exempt, c.n_exempt, &p));
    p.dst.b[1] = 10;
    assert_false(ctfw_policy_match(c.exempt, c.n_exempt, &p));
}

static void
test_src_limits(void **state)
{
    (void)state;
    struct ctfw_policy_config c;
    char err[256];
    ctfw_policy_config_init(&c);
    ctfw_policy_config_set(&c, "max-src-states", "2", err, sizeof(err));
    ctfw_policy_config_set(&c, "max-src-conn-rate", "2/10", err,
                           sizeof(err));
    ctfw_policy_config_set(&c, "overload", "flush", err, sizeof(err));
    assert_int_equal(ctfw_policy_config_check(&c, err, sizeof(err)), 0);
    struct ctfw_policy *p = ctfw_policy_new(&c, 1000);
    enum ctfw_policy_why why;
    struct ctfw_pkt syn = tcp(1, 2, 40000, 80, CTFW_TCP_SYN);
    /* pf_insert_src_node(): refused once states >= max-src-states. */
    assert_int_equal(ctfw_policy_new_conn(p, &syn, 0, &why),
                     CTFW_POLICY_PASS);
    ctfw_policy_src_add(p, 4, &syn.src);
    ctfw_policy_src_add(p, 4, &syn.src);
    assert_int_equal(ctfw_policy_new_conn(p, &syn, 0, &why),
                     CTFW_POLICY_DROP);
    assert_int_equal(why, CTFW_POLICY_WHY_SRC_STATES);
    /* Another source is not concerned. */
    struct ctfw_pkt other = tcp(3, 2, 40000, 80, CTFW_TCP_SYN);
    assert_int_equal(ctfw_policy_new_conn(p, &other, 0, &why),
                     CTFW_POLICY_PASS);
    ctfw_policy_src_del(p, 4, &syn.src, false);
    assert_int_equal(ctfw_policy_new_conn(p, &syn, 0, &why),
                     CTFW_POLICY_PASS);
    /* pf_src_connlimit(): the third handshake within a second passes
     * 2/10 (count 3000 > limit 2000): overload, flush. */
    bool flush;
    assert_int_equal(ctfw_policy_src_established(p, 4, &syn.src, 7 * SEC,
                                                 &flush),
                     CTFW_POLICY_WHY_NONE);
    assert_int_equal(ctfw_policy_src_established(p, 4, &syn.src, 7 * SEC,
                                                 &flush),
                     CTFW_POLICY_WHY_NONE);
    assert_false(flush);
    assert_int_equal(ctfw_policy_src_established(p, 4, &syn.src, 7 * SEC,
                                                 &flush),
                     CTFW_POLICY_WHY_SRC_CONN_RATE);
    assert_true(flush);
    assert_true(ctfw_policy_overloaded(p, 4, &syn.src));
    /* Its next connection is refused, whatever its state count. */
    assert_int_equal(ctfw_policy_new_conn(p, &syn, 8 * SEC, &why),
                     CTFW_POLICY_DROP);
    assert_int_equal(why, CTFW_POLICY_WHY_OVERLOAD);
    struct ctfw_policy_stats st;
    ctfw_policy_get_stats(p, &st);
    assert_int_equal(st.overload_added, 1);
    assert_int_equal(st.src_rate_drops, 1);
    ctfw_policy_free(p);
}

static void
test_synproxy(void **state)
{
    (void)state;
    struct ctfw_policy_config c;
    char err[256];
    ctfw_policy_config_init(&c);
    assert_int_equal(ctfw_policy_config_set(&c, "synproxy", "tcp/80", err,
                                            sizeof(err)),
                     1);
    struct ctfw_policy *p = ctfw_policy_new(&c, 1000);
    enum ctfw_policy_why why;
    /* The client's SYN: answered by the proxy, no entry. */
    struct ctfw_pkt k = tcp(1, 2, 40000, 80, CTFW_TCP_SYN);
    assert_int_equal(ctfw_policy_new_conn(p, &k, 0, &why),
                     CTFW_POLICY_UNTRACK);
    assert_int_equal(why, CTFW_POLICY_WHY_SYNPROXY);
    /* The server's SYN-ACK without an entry: the proxy's business. */
    k = tcp(2, 1, 80, 40000, CTFW_TCP_SYN | CTFW_TCP_ACK);
    assert_int_equal(ctfw_policy_new_conn(p, &k, 0, &why),
                     CTFW_POLICY_UNTRACK);
    /* The client's ACK (the cookie's check): Linux's path creates the
     * entry. */
    k = tcp(1, 2, 40000, 80, CTFW_TCP_ACK);
    assert_int_equal(ctfw_policy_new_conn(p, &k, 0, &why),
                     CTFW_POLICY_PASS);
    /* Another port is not proxied. */
    k = tcp(1, 2, 40000, 443, CTFW_TCP_SYN);
    assert_int_equal(ctfw_policy_new_conn(p, &k, 0, &why),
                     CTFW_POLICY_PASS);
    struct ctfw_policy_stats st;
    ctfw_policy_get_stats(p, &st);
    assert_int_equal(st.synproxy_syn, 1);
    assert_int_equal(st.synproxy_synack, 1);
    ctfw_policy_free(p);
}

static void
test_exempt_when_full(void **state)
{
    (void)state;
    struct ctfw_policy_config c;
    char err[256];
    ctfw_policy_config_init(&c);
    ctfw_policy_config_set(&c, "exempt", "tcp/22", err, sizeof(err));
    struct ctfw_policy *p = ctfw_policy_new(&c, 1000);
    struct ctfw_pkt k = tcp(1, 2, 40000, 22, CTFW_TCP_SYN);
    enum ctfw_policy_why why;
    /* Before the table is full nothing changes; when full, passes. */
    assert_int_equal(ctfw_policy_new_conn(p, &k, 0, &why),
                     CTFW_POLICY_PASS);
    assert_true(ctfw_policy_table_full(p, &k, 0));
    k.dport = 80;
    assert_false(ctfw_policy_table_full(p, &k, 0));
    ctfw_policy_free(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adaptive_formula),
        cmocka_unit_test(test_adaptive_defaults),
        cmocka_unit_test(test_emergency_thresholds),
        cmocka_unit_test(test_emergency_timeouts),
        cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_src_limits),
        cmocka_unit_test(test_synproxy),
        cmocka_unit_test(test_exempt_when_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
