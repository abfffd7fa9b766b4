// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of lib/lint's match sets (pred.c): "covers" (every packet
 * of the second rule matches the first) and "disjoint" (no packet
 * matches both), one dimension at a time. Each expectation is the
 * kernel's semantics of the matches involved, written beside the case:
 * ip_packet_match() for addresses, interfaces, protocol and -f;
 * xt_tcpudp and xt_multiport for ports (both never match a non-first
 * fragment); xt_state / xt_conntrack for states (reference §5.1).
 * A "no" is required wherever the answer is not certain: lint must
 * never claim a containment that does not hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/lint/lint_private.h"

/* The first rule of filter INPUT after loading one rule line. */
static struct ctfw_ruleset *
one_rule(const char *rule, int family, struct lint_pred *p)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
             ":OUTPUT ACCEPT [0:0]\n-A INPUT %s\nCOMMIT\n",
             rule);
    struct ctfw_ruleset *rs = ctfw_rules_new(family);
    assert_non_null(rs);
    struct ctfw_rules_parse_params pp = {.filename = "t"};
    if (ctfw_rules_parse(rs, &pp, text, strlen(text))) {
        fprintf(stderr, "# does not load: %s\n", rule);
        fail();
    }
    const struct rules_chain *c = lint_chain(rs, RT_FILTER, "INPUT");
    assert_non_null(c);
    assert_int_equal(c->n_rules, 1);
    lint_pred_from_rule(c->rules[0], p);
    return rs;
}

struct pair {
    const char *a, *b;
    bool covers;   /* a covers b */
    bool disjoint; /* a and b share no packet */
};

static void
check_pairs(const struct pair *v, size_t n, int family)
{
    for (size_t i = 0; i < n; i++) {
        struct lint_pred a, b;
        struct ctfw_ruleset *ra = one_rule(v[i].a, family, &a);
        struct ctfw_ruleset *rb = one_rule(v[i].b, family, &b);
        bool c = lint_pred_covers(&a, &b), d = lint_pred_disjoint(&a, &b);
        if (c != v[i].covers || d != v[i].disjoint) {
            fprintf(stderr,
                    "# [%s] vs [%s]: covers %d want %d, "
                    "disjoint %d want %d\n",
                    v[i].a, v[i].b, c, v[i].covers, d, v[i].disjoint);
            fail();
        }
        /* Disjointness is symmetric; a set never both covers and is
         * disjoint from a non-empty one. */
        assert_int_equal(lint_pred_disjoint(&b, &a), d);
        assert_false(c && d);
        ctfw_rules_free(ra);
        ctfw_rules_free(rb);
    }
}

static void
test_addresses(void **state)
{
    (void)state;
    static const struct pair v[] = {
        /* 10.1.2.0/24 lies inside 10.0.0.0/8, not the other way. */
        {"-s 10.0.0.0/8 -j ACCEPT", "-s 10.1.2.0/24 -j DROP", true, false},
        {"-s 10.1.2.0/24 -j ACCEPT", "-s 10.0.0.0/8 -j DROP", false, false},
        {"-d 10.0.0.0/8 -j ACCEPT", "-d 192.168.0.0/16 -j DROP", false, true},
        /* No address: every packet. */
        {"-j ACCEPT", "-s 192.0.2.1 -j DROP", true, false},
        {"-s 192.0.2.1 -j ACCEPT", "-j DROP", false, false},
        /* ! 10/8 holds all of 192.168/16 and none of 10.1/16. */
        {"! -s 10.0.0.0/8 -j ACCEPT", "-s 192.168.0.0/16 -j DROP", true,
         false},
        {"! -s 10.0.0.0/8 -j ACCEPT", "-s 10.1.0.0/16 -j DROP", false, true},
        /* complement(10/7) ⊆ complement(10/8) since 10/8 ⊆ 10/7. */
        {"! -s 10.0.0.0/8 -j ACCEPT", "! -s 10.0.0.0/7 -j DROP", true, false},
        {"! -s 10.0.0.0/7 -j ACCEPT", "! -s 10.0.0.0/8 -j DROP", false, false},
        /* A non-contiguous mask: the first and last byte fixed. */
        {"-s 10.0.0.1/255.0.0.255 -j ACCEPT", "-s 10.5.6.1 -j DROP", true,
         false},
        {"-s 10.0.0.1/255.0.0.255 -j ACCEPT", "-s 10.5.6.2 -j DROP", false,
         true},
    };
    check_pairs(v, sizeof(v) / sizeof(v[0]), 4);
    static const struct pair v6[] = {
        {"-s 2001:db8::/32 -j ACCEPT", "-s 2001:db8:1::/48 -j DROP", true,
         false},
        {"-s 2001:db8::/32 -j ACCEPT", "-s 2001:db9::/32 -j DROP", false,
         true},
    };
    check_pairs(v6, sizeof(v6) / sizeof(v6[0]), 6);
}

static void
test_interfaces(void **state)
{
    (void)state;
    static const struct pair v[] = {
        /* "eth+" is every name starting with "eth". */
        {"-i eth+ -j ACCEPT", "-i eth0 -j DROP", true, false},
        {"-i eth+ -j ACCEPT", "-i eth1+ -j DROP", true, false},
        {"-i eth0 -j ACCEPT", "-i eth+ -j DROP", false, false},
        {"-i eth0 -j ACCEPT", "-i eth1 -j DROP", false, true},
        {"-i eth+ -j ACCEPT", "-i wlan0 -j DROP", false, true},
        {"! -i lo -j ACCEPT", "-i eth0 -j DROP", true, false},
        {"! -i lo -j ACCEPT", "-i lo -j DROP", false, true},
        {"! -i eth+ -j ACCEPT", "-i wlan0 -j DROP", true, false},
        {"! -i eth+ -j ACCEPT", "-i eth0 -j DROP", false, true},
        /* Both inverted: complement(eth0) ⊆ complement(eth+)? No:
         * eth1 is in the first and not in the second. */
        {"! -i eth+ -j ACCEPT", "! -i eth0 -j DROP", false, false},
        {"! -i eth0 -j ACCEPT", "! -i eth+ -j DROP", true, false},
    };
    check_pairs(v, sizeof(v) / sizeof(v[0]), 4);
}

static void
test_protocols_and_fragments(void **state)
{
    (void)state;
    static const struct pair v[] = {
        {"-p tcp -j ACCEPT", "-p tcp -m tcp --dport 80 -j DROP", true, false},
        {"-p tcp -j ACCEPT", "-p udp -j DROP", false, true},
        {"! -p tcp -j ACCEPT", "-p udp -j DROP", true, false},
        {"! -p tcp -j ACCEPT", "-p tcp -j DROP", false, true},
        {"! -p tcp -j ACCEPT", "-j DROP", false, false},
        /* A tcp match never matches a non-first fragment: with it, the
         * rule no longer covers every tcp packet. */
        {"-p tcp -m tcp -j ACCEPT", "-p tcp -j DROP", false, false},
        {"-p tcp -m tcp -j ACCEPT", "-p tcp ! -f -j DROP", true, false},
        {"-f -j ACCEPT", "-p tcp -m tcp --dport 80 -j DROP", false, true},
        {"-f -j ACCEPT", "-f -p udp -j DROP", true, false},
    };
    check_pairs(v, sizeof(v) / sizeof(v[0]), 4);
}

static void
test_ports(void **state)
{
    (void)state;
    static const struct pair v[] = {
        {"-p tcp -m multiport --dports 80,443 -j ACCEPT",
         "-p tcp -m tcp --dport 443 -j DROP", true, false},
        {"-p tcp -m tcp --dport 1000:2000 -j ACCEPT",
         "-p tcp -m tcp --dport 1500:1600 -j DROP", true, false},
        {"-p tcp -m tcp --dport 1000:2000 -j ACCEPT",
         "-p tcp -m tcp --dport 1500:2500 -j DROP", false, false},
        {"-p tcp -m tcp --dport 80 -j ACCEPT",
         "-p tcp -m tcp --dport 443 -j DROP", false, true},
        {"-p tcp -m tcp ! --dport 22 -j ACCEPT",
         "-p tcp -m tcp --dport 80 -j DROP", true, false},
        {"-p tcp -m tcp ! --dport 22 -j ACCEPT",
         "-p tcp -m tcp --dport 22 -j DROP", false, true},
        /* --ports: the source or the destination port in the list. */
        {"-p tcp -m multiport --ports 80 -j ACCEPT",
         "-p tcp -m tcp --sport 80 -j DROP", true, false},
        {"-p tcp -m multiport --ports 80 -j ACCEPT",
         "-p tcp -m tcp --sport 1000:2000 --dport 1:79 -j DROP", false, true},
        {"-p tcp -m multiport ! --ports 80 -j ACCEPT",
         "-p tcp -m tcp --sport 81 --dport 81 -j DROP", true, false},
        {"-p tcp -m multiport ! --ports 80 -j ACCEPT",
         "-p tcp -m tcp --dport 81 -j DROP", false, false},
        {"-p tcp -m tcp --sport 22 -j ACCEPT",
         "-p tcp -m tcp --dport 22 -j DROP", false, false},
        /* The same port numbers of another protocol. */
        {"-p udp -m udp --dport 53 -j ACCEPT",
         "-p tcp -m tcp --dport 53 -j DROP", false, true},
        /* --syn is flags SYN,RST,ACK,FIN == SYN; adding URG to the mask
         * only narrows it. */
        {"-p tcp -m tcp --syn -j DROP",
         "-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK,URG SYN -j DROP", true,
         false},
        {"-p tcp -m tcp --syn -j DROP",
         "-p tcp -m tcp --tcp-flags SYN,ACK ACK -j DROP", false, true},
        {"-p tcp -m tcp ! --syn -j DROP", "-p tcp -m tcp --syn -j DROP", false,
         false},
    };
    check_pairs(v, sizeof(v) / sizeof(v[0]), 4);
}

static void
test_states(void **state)
{
    (void)state;
    static const struct pair v[] = {
        {"-m state --state RELATED,ESTABLISHED -j ACCEPT",
         "-m conntrack --ctstate ESTABLISHED -j ACCEPT", true, false},
        {"-m state --state NEW -j ACCEPT",
         "-m conntrack --ctstate NEW,ESTABLISHED -j DROP", false, false},
        {"-m state --state NEW -j ACCEPT",
         "-m state --state UNTRACKED -j DROP", false, true},
        {"-m state ! --state INVALID -j ACCEPT",
         "-m state --state NEW -j DROP", true, false},
        /* Other conntrack criteria need an entry: never INVALID or
         * UNTRACKED; but the status test itself is opaque. */
        {"-m state --state NEW,RELATED,ESTABLISHED -j ACCEPT",
         "-m conntrack --ctstatus ASSURED -j DROP", true, false},
        {"-m conntrack --ctstatus ASSURED -j DROP",
         "-m state --state NEW -j ACCEPT", false, false},
        {"-m conntrack --ctstatus ASSURED -j DROP",
         "-m state --state UNTRACKED -j ACCEPT", false, true},
        /* DNAT is a virtual state ORed in: no bound on the base state. */
        {"-m conntrack --ctstate DNAT -j ACCEPT",
         "-m state --state ESTABLISHED -j DROP", false, false},
    };
    check_pairs(v, sizeof(v) / sizeof(v[0]), 4);
}

static void
test_opaque_and_stateful(void **state)
{
    (void)state;
    static const struct pair v[] = {
        {"-m mark --mark 0x1 -j ACCEPT", "-p tcp -m mark --mark 0x1 -j DROP",
         true, false},
        {"-m mark --mark 0x1 -j ACCEPT", "-m mark --mark 0x2 -j DROP", false,
         false},
        {"-p tcp -m mark --mark 0x1 -j ACCEPT", "-p tcp -j DROP", false,
         false},
        /* limit keeps a bucket per rule: identical rules still differ. */
        {"-p icmp -m limit --limit 1/sec -j ACCEPT",
         "-p icmp -m limit --limit 1/sec -j ACCEPT", false, false},
        {"-m comment --comment x -j ACCEPT", "-p udp -j DROP", true, false},
    };
    check_pairs(v, sizeof(v) / sizeof(v[0]), 4);
}

static void
test_universal(void **state)
{
    (void)state;
    struct lint_pred p;
    struct ctfw_ruleset *rs =
        one_rule("-m comment --comment x -j DROP", 4, &p);
    assert_true(lint_pred_universal(&p));
    ctfw_rules_free(rs);
    rs = one_rule("-p all -j DROP", 4, &p);
    assert_true(lint_pred_universal(&p));
    ctfw_rules_free(rs);
    rs = one_rule("-i + -j DROP", 4, &p);
    assert_true(lint_pred_universal(&p));
    ctfw_rules_free(rs);
    rs = one_rule("! -i lo -j DROP", 4, &p);
    assert_false(lint_pred_universal(&p));
    ctfw_rules_free(rs);
    rs = one_rule("-m limit -j DROP", 4, &p);
    assert_false(lint_pred_universal(&p));
    ctfw_rules_free(rs);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_interfaces),
        cmocka_unit_test(test_protocols_and_fragments),
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_states),
        cmocka_unit_test(test_opaque_and_stateful),
        cmocka_unit_test(test_universal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
