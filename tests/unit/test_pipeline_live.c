// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The two pipeline calls live mode adds to lib/hook (include/ctfw/hook.h):
 * ctfw_pipeline_forward(), a packet on a bump in the wire, and
 * ctfw_pipeline_set_rules(), an atomic reload that keeps conntrack.
 *
 * The host model has two interfaces without addresses and no routes, so
 * the routing decision of ctfw_pipeline_packet() finds no route (reason
 * no-route): what makes the forwarded packets pass is the forced FORWARD
 * path alone. Expected verdicts follow the rules written beside each
 * test; a forwarded IPv4 packet leaves with its TTL decreased and the
 * header checksum fixed (ip_forward(), as lib/hook documents).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctfw/csum.h"
#include "ctfw/hook.h"
#include "ctfw/host.h"
#include "ctfw/pkt.h"
#include "ctfw/rules.h"
#include "ctfw/sysctl.h"

#define NS 1000000000ull

struct out {
    unsigned n;
    uint8_t last[128];
    size_t len;
};

static void
on_output(void *arg, uint64_t now_ns, const uint8_t *ip, size_t caplen,
          size_t wirelen)
{
    struct out *o = arg;
    o->n++;
    o->len = caplen < sizeof(o->last) ? caplen : sizeof(o->last);
    memcpy(o->last, ip, o->len);
}

static struct ctfw_ruleset *
rules(const char *text)
{
    struct ctfw_ruleset *rs = ctfw_rules_new(CTFW_RULES_IPV4);
    assert_non_null(rs);
    struct ctfw_rules_parse_params pp = {.filename = "t.rules"};
    assert_int_equal(ctfw_rules_parse(rs, &pp, text, strlen(text)), 0);
    return rs;
}

/* A UDP datagram 10.0.0.1:sport -> 10.0.0.2:dport (or the reverse). */
static void
udp(struct ctfw_pkt *p, uint8_t *b, bool reply, uint16_t sport,
    uint16_t dport)
{
    memset(b, 0, 28);
    b[0] = 0x45;
    b[3] = 28;
    b[8] = 64;
    b[9] = 17;
    b[12] = 10, b[15] = reply ? 2 : 1;
    b[16] = 10, b[19] = reply ? 1 : 2;
    uint16_t c = ctfw_csum_fold(ctfw_csum_partial(b, 20, 0));
    b[10] = (uint8_t)(c >> 8), b[11] = (uint8_t)c;
    b[20] = (uint8_t)(sport >> 8), b[21] = (uint8_t)sport;
    b[22] = (uint8_t)(dport >> 8), b[23] = (uint8_t)dport;
    b[25] = 8;   /* UDP length; checksum 0: none */
    ctfw_pkt_decode(p, CTFW_LINKTYPE_RAW, b, 28, 28);
}

struct fixture {
    struct ctfw_host *host;
    struct ctfw_sysctl sys;
    struct ctfw_pipeline *pl;
    struct out out;
    unsigned a, b;
};

static void
setup(struct fixture *f, struct ctfw_ruleset *rs)
{
    char err[128];
    memset(f, 0, sizeof(*f));
    f->host = ctfw_host_new();
    assert_int_equal(ctfw_host_add_iface(f->host, "a", err, sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_iface(f->host, "b", err, sizeof(err)), 0);
    ctfw_host_set_forward(f->host, true);
    f->a = ctfw_host_ifindex(f->host, "a");
    f->b = ctfw_host_ifindex(f->host, "b");
    ctfw_sysctl_init(&f->sys);
    struct ctfw_pipeline_params pp = {
        .rules4 = rs, .host = f->host, .sysctl = &f->sys, .seed = 1,
        .start_ns = NS, .on_output = on_output, .output_arg = &f->out};
    assert_int_equal(ctfw_pipeline_new(&pp, &f->pl), 0);
}

static void
teardown(struct fixture *f)
{
    ctfw_pipeline_free(f->pl);
    ctfw_host_free(f->host);
}

/*
 * FORWARD policy DROP, one rule: -i a -o b accepted. a -> b passes and
 * leaves once, TTL 63; b -> a meets the policy; the same packet through
 * ctfw_pipeline_packet() finds no route (no address, no route).
 */
static void
test_forward_sides(void **state)
{
    struct ctfw_ruleset *rs = rules("*filter\n:INPUT ACCEPT [0:0]\n"
                                    ":FORWARD DROP [0:0]\n"
                                    ":OUTPUT ACCEPT [0:0]\n"
                                    "-A FORWARD -i a -o b -j ACCEPT\n"
                                    "COMMIT\n");
    struct fixture f;
    setup(&f, rs);
    uint8_t buf[64];
    struct ctfw_pkt p;
    struct ctfw_pipeline_result r;

    udp(&p, buf, false, 40000, 53);
    ctfw_pipeline_packet(f.pl, &p, 2 * NS, f.a, false, &r);
    assert_false(r.accept);
    assert_int_equal(r.reason, CTFW_DROP_NO_ROUTE);

    ctfw_pipeline_forward(f.pl, &p, 2 * NS, f.a, f.b, &r);
    assert_true(r.accept);
    assert_int_equal(r.path, CTFW_HOST_PATH_FORWARD);
    assert_int_equal(r.in_ifindex, f.a);
    assert_int_equal(r.out_ifindex, f.b);
    assert_int_equal(f.out.n, 1);
    assert_int_equal(f.out.len, 28);
    assert_int_equal(f.out.last[8], 63);
    assert_int_equal(ctfw_csum_fold(ctfw_csum_partial(f.out.last, 20, 0)),
                     0);

    ctfw_pipeline_forward(f.pl, &p, 2 * NS, f.b, f.a, &r);
    assert_false(r.accept);
    assert_int_equal(r.reason, CTFW_DROP_POLICY);
    assert_int_equal(f.out.n, 1);
    teardown(&f);
    ctfw_rules_free(rs);
}

/*
 * Ruleset A accepts NEW UDP to port 53 and ESTABLISHED; ruleset B only
 * ESTABLISHED. A query passes under A; after the swap to B its reply
 * still passes (the entry was kept: ESTABLISHED, counted by B's rule)
 * and a new query is dropped by B's policy. The table keeps one entry.
 */
static void
test_set_rules_keeps_conntrack(void **state)
{
    struct ctfw_ruleset *ra = rules(
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n"
        ":OUTPUT ACCEPT [0:0]\n"
        "-A FORWARD -m state --state ESTABLISHED -j ACCEPT\n"
        "-A FORWARD -p udp --dport 53 -m state --state NEW -j ACCEPT\n"
        "COMMIT\n");
    struct ctfw_ruleset *rb = rules(
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n"
        ":OUTPUT ACCEPT [0:0]\n"
        "-A FORWARD -m state --state ESTABLISHED -j ACCEPT\n"
        "COMMIT\n");
    struct fixture f;
    setup(&f, ra);
    uint8_t buf[64];
    struct ctfw_pkt p;
    struct ctfw_pipeline_result r;

    udp(&p, buf, false, 40000, 53);
    ctfw_pipeline_forward(f.pl, &p, 2 * NS, f.a, f.b, &r);
    assert_true(r.accept);
    assert_string_equal(r.ctstate, "NEW");
    assert_int_equal(ctfw_ct_count(ctfw_pipeline_conntrack(f.pl)), 1);

    ctfw_pipeline_set_rules(f.pl, rb, NULL);
    ctfw_rules_free(ra);

    udp(&p, buf, true, 53, 40000);
    ctfw_pipeline_forward(f.pl, &p, 3 * NS, f.b, f.a, &r);
    assert_true(r.accept);
    assert_string_equal(r.ctstate, "ESTABLISHED");
    assert_int_equal(r.rule, 1);

    udp(&p, buf, false, 40001, 53);
    ctfw_pipeline_forward(f.pl, &p, 3 * NS, f.a, f.b, &r);
    assert_false(r.accept);
    assert_int_equal(r.reason, CTFW_DROP_POLICY);
    assert_int_equal(ctfw_ct_count(ctfw_pipeline_conntrack(f.pl)), 1);
    assert_true(ctfw_pipeline_conntrack_on(f.pl));
    teardown(&f);
    ctfw_rules_free(rb);
}

/* A ruleset without conntrack users swapped in turns tracking off for
 * the family (nf_ct_netns_put): the next packet gets no entry. */
static void
test_set_rules_conntrack_off(void **state)
{
    struct ctfw_ruleset *ra = rules(
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
        ":OUTPUT ACCEPT [0:0]\n"
        "-A FORWARD -m state --state NEW -j ACCEPT\nCOMMIT\n");
    struct ctfw_ruleset *rb = rules(
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
        ":OUTPUT ACCEPT [0:0]\nCOMMIT\n");
    struct fixture f;
    setup(&f, ra);
    assert_true(ctfw_pipeline_conntrack_on(f.pl));
    ctfw_pipeline_set_rules(f.pl, rb, NULL);
    assert_false(ctfw_pipeline_conntrack_on(f.pl));
    uint8_t buf[64];
    struct ctfw_pkt p;
    struct ctfw_pipeline_result r;
    udp(&p, buf, false, 40000, 53);
    ctfw_pipeline_forward(f.pl, &p, 2 * NS, f.a, f.b, &r);
    assert_true(r.accept);
    assert_int_equal(ctfw_ct_count(ctfw_pipeline_conntrack(f.pl)), 0);
    teardown(&f);
    ctfw_rules_free(ra);
    ctfw_rules_free(rb);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_sides),
        cmocka_unit_test(test_set_rules_keeps_conntrack),
        cmocka_unit_test(test_set_rules_conntrack_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
