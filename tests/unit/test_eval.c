// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of rule evaluation (lib/rules/eval.c and the match/action
 * callbacks of lib/rules/ext_*.c): small rulesets parsed with
 * ctfw_rules_parse(), hand-built frames decoded with ctfw_pkt_decode(),
 * ctfw_rules_eval() per packet, then the verdict, the deciding chain and
 * rule, side effects (mark, conntrack reference, log lines, reject
 * calls) and the counters read back with iptables-save -c text.
 *
 * Every expected value is the kernel's answer, derived from the kernel
 * behaviour cited beside it (reference/linux-netfilter.md sections, or
 * the xt_* function named); none was copied from ctfw's own output. The
 * LOG lines are the ones a real Linux 6.18.44 kernel printed for the
 * same frames (see log_lines_match_kernel in test_eval_more.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_eval.h"

/* Test-only: the virtual SNAT/DNAT ctstates need an entry with the NAT
 * status bits, which only the NAT issue will set through the API. */
#include "../../lib/ct/ct_private.h"

/* ------------------------------------------------------------------ */
/* Environment: captured log lines and reject calls.                   */

struct seen S;

static void
on_log(void *arg, const struct ctfw_skb *skb, int level, const char *line)
{
    (void)arg;
    (void)skb;
    if (S.n_log < 8) {
        S.level[S.n_log] = level;
        snprintf(S.line[S.n_log], sizeof(S.line[0]), "%s", line);
    }
    S.n_log++;
}

static void
on_reject(void *arg, const struct ctfw_skb *skb, enum ctfw_reject_type t)
{
    (void)arg;
    (void)skb;
    if (S.n_reject < 8)
        S.reject[S.n_reject] = t;
    S.n_reject++;
}

struct ctfw_rules_env ENV = {
    .log = on_log,
    .reject = on_reject,
};

int
reset(void **state)
{
    (void)state;
    memset(&S, 0, sizeof(S));
    ENV.ct = NULL;
    ENV.host = NULL;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Rulesets.                                                           */

struct ctfw_ruleset *
load(int family, const char *text)
{
    struct ctfw_ruleset *rs = ctfw_rules_new(family);
    assert_non_null(rs);
    struct ctfw_rules_parse_params pp = {.filename = "t.rules"};
    int rc = ctfw_rules_parse(rs, &pp, text, strlen(text));
    if (rc) {
        for (size_t i = 0; i < ctfw_rules_diag_count(rs); i++) {
            char *d = ctfw_rules_diag_format(rs, i);
            fprintf(stderr, "%s", d ? d : "?\n");
            free(d);
        }
    }
    assert_int_equal(rc, 0);
    return rs;
}

/* iptables-save -c text of one table. */
void
assert_save(const struct ctfw_ruleset *rs, const char *table, const char *want)
{
    struct ctfw_rules_save_params sp = {.table = table, .counters = true};
    char *out = NULL;
    size_t len;
    assert_int_equal(ctfw_rules_save(rs, &sp, &out, &len), 0);
    if (strcmp(out, want))
        fprintf(stderr, "--- want\n%s--- got\n%s", want, out);
    assert_string_equal(out, want);
    free(out);
}

/* ------------------------------------------------------------------ */
/* Frames.                                                             */

uint16_t
csum(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

void
put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void
put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

union ctfw_addr
A(const char *s) {
    union ctfw_addr a;
    memset(&a, 0, sizeof(a));
    if (inet_pton(AF_INET, s, a.b) != 1)
        assert_int_equal(inet_pton(AF_INET6, s, a.b), 1);
    return a;
}

const uint8_t MAC_A[6] = {2, 0, 0, 0, 0, 1};
const uint8_t MAC_B[6] = {2, 0, 0, 0, 0, 2};

void
decode(struct pk *k, int linktype, size_t n)
{
    memset(&k->skb, 0, sizeof(k->skb));
    assert_int_equal(ctfw_pkt_decode(&k->skb.pkt, linktype, k->buf,
                                     (uint32_t)n, (uint32_t)n),
                     0);
    ctfw_ct_ref_init(&k->skb.ct);
    /* By default: arriving on eth0 for the local host, filter INPUT. */
    k->skb.hook = CTFW_HOOK_LOCAL_IN;
    k->skb.in_name = "eth0";
    k->skb.out_name = "";
    k->skb.in_ifindex = 2;
}

void
frame4(struct pk *k, const struct ip4 *h, const uint8_t *l4, size_t n)
{
    uint8_t *f = k->buf;
    memcpy(f, h->dmac ? h->dmac : MAC_A, 6);
    memcpy(f + 6, MAC_B, 6);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    size_t l4len = h->cut > 0 ? (size_t)h->cut : n;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    ip[1] = h->tos;
    put16(ip + 2, (uint16_t)(20 + l4len));
    put16(ip + 4, 0x1234);
    put16(ip + 6, h->frag);
    ip[8] = h->ttl ? h->ttl : 64;
    ip[9] = h->proto;
    union ctfw_addr s = A(h->src ? h->src : "10.0.0.2");
    union ctfw_addr d = A(h->dst ? h->dst : "10.0.0.1");
    memcpy(ip + 12, s.b, 4);
    memcpy(ip + 16, d.b, 4);
    put16(ip + 10, csum(ip, 20, 0));
    memcpy(ip + 20, l4, l4len);
    decode(k, CTFW_LINKTYPE_ETHERNET, 14 + 20 + l4len);
}

size_t
tcp_seg(uint8_t *t, uint16_t sport, uint16_t dport, uint8_t flags,
        const uint8_t *opt, size_t optlen)
{
    memset(t, 0, 20);
    put16(t, sport);
    put16(t + 2, dport);
    put32(t + 4, 1000);
    t[12] = (uint8_t)((20 + optlen) / 4 << 4);
    t[13] = flags;
    put16(t + 14, 65535);
    if (optlen)
        memcpy(t + 20, opt, optlen);
    return 20 + optlen;
}

void
tcp4(struct pk *k, const struct ip4 *h, uint16_t sport, uint16_t dport,
     uint8_t flags)
{
    uint8_t t[64];
    struct ip4 hh = *h;
    hh.proto = 6;
    frame4(k, &hh, t, tcp_seg(t, sport, dport, flags, NULL, 0));
}

void
udp4(struct pk *k, const struct ip4 *h, uint16_t sport, uint16_t dport)
{
    uint8_t u[12] = {0};
    put16(u, sport);
    put16(u + 2, dport);
    put16(u + 4, 12);
    struct ip4 hh = *h;
    hh.proto = 17;
    frame4(k, &hh, u, sizeof(u));
}

/* ping: 20 + 8 + 56 = 84 bytes of IP, as ping(8) sends (§8.1). */
void
icmp4(struct pk *k, const struct ip4 *h, uint8_t type, uint8_t code)
{
    uint8_t ic[64] = {0};
    ic[0] = type;
    ic[1] = code;
    put16(ic + 4, 7);
    put16(ic + 6, 1);
    put16(ic + 2, csum(ic, sizeof(ic), 0));
    struct ip4 hh = *h;
    hh.proto = 1;
    frame4(k, &hh, ic, sizeof(ic));
}

void
frame6(struct pk *k, const char *src, const char *dst, uint8_t nh, uint8_t hl,
       uint8_t tc, const uint8_t *l4, size_t n)
{
    uint8_t *f = k->buf;
    memcpy(f, MAC_A, 6);
    memcpy(f + 6, MAC_B, 6);
    put16(f + 12, 0x86dd);
    uint8_t *ip = f + 14;
    put32(ip, 0x60000000u | (uint32_t)tc << 20);
    put16(ip + 4, (uint16_t)n);
    ip[6] = nh;
    ip[7] = hl;
    union ctfw_addr s = A(src), d = A(dst);
    memcpy(ip + 8, s.b, 16);
    memcpy(ip + 24, d.b, 16);
    memcpy(ip + 40, l4, n);
    decode(k, CTFW_LINKTYPE_ETHERNET, 14 + 40 + n);
}

void
hexframe(struct pk *k, const char *hex)
{
    size_t n = strlen(hex) / 2;
    assert_true(n <= sizeof(k->buf));
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        k->buf[i] = (uint8_t)v;
    }
    decode(k, CTFW_LINKTYPE_ETHERNET, n);
}

struct ctfw_rules_verdict
run(struct ctfw_ruleset *rs, enum ctfw_table t, struct pk *k)
{
    struct ctfw_rules_verdict v;
    assert_int_equal(ctfw_rules_eval(rs, t, &k->skb, &ENV, &v), 0);
    return v;
}

/* Verdict of the filter table for k: accepted?, by what, where. */
void
expect(struct ctfw_ruleset *rs, enum ctfw_table t, struct pk *k, bool accept,
       int by, const char *chain, unsigned rule)
{
    struct ctfw_rules_verdict v = run(rs, t, k);
    assert_int_equal(v.accept, accept);
    assert_int_equal(v.by, by);
    if (chain)
        assert_string_equal(v.chain, chain);
    assert_int_equal(v.rule, rule);
}

/* ------------------------------------------------------------------ */
/* Traversal (reference §8.1).                                         */

/* The [V] goto example of §8.1: echo requests go A -> (goto) B ->
 * RETURN, which pops the jump made from INPUT, so A's LOG rule is
 * skipped; echo replies fall through to A's LOG rule, then off the end
 * of A back to INPUT; both end at INPUT's policy. ping is 84 bytes. */
static void
goto_example(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n"
                ":INPUT ACCEPT [0:0]\n"
                ":A - [0:0]\n"
                ":B - [0:0]\n"
                "-A INPUT -p icmp -j A\n"
                "-A A -p icmp --icmp-type echo-request -g B\n"
                "-A A -j LOG\n"
                "-A B -j RETURN\n"
                "COMMIT\n");
    struct pk k;
    struct ip4 h = {0};
    icmp4(&k, &h, 8, 0);
    expect(rs, F, &k, true, BYP, "INPUT", 0);
    assert_int_equal(S.n_log, 0);
    icmp4(&k, &h, 0, 0);
    expect(rs, F, &k, true, BYP, "INPUT", 0);
    assert_int_equal(S.n_log, 1);
    assert_save(rs, "filter",
                "*filter\n"
                ":INPUT ACCEPT [2:168]\n"
                ":FORWARD ACCEPT [0:0]\n"
                ":OUTPUT ACCEPT [0:0]\n"
                ":A - [0:0]\n"
                ":B - [0:0]\n"
                "[2:168] -A INPUT -p icmp -j A\n"
                "[1:84] -A A -p icmp -m icmp --icmp-type 8 -g B\n"
                "[1:84] -A A -j LOG\n"
                "[1:84] -A B -j RETURN\n"
                "COMMIT\n");
    ctfw_rules_free(rs);
}

/* Jumps push, RETURN and falling off a user chain pop to the rule after
 * the jump; a terminal verdict deep in the stack ends the table. */
static void
jump_return_stack(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs = load(4, "*filter\n"
                                      ":INPUT DROP [0:0]\n"
                                      ":A - [0:0]\n"
                                      ":B - [0:0]\n"
                                      "-A INPUT -j A\n"
                                      "-A INPUT -p udp -j ACCEPT\n"
                                      "-A A -j B\n"
                                      "-A A -p tcp --dport 22 -j ACCEPT\n"
                                      "-A B -p tcp --dport 23 -j DROP\n"
                                      "-A B -p tcp -j RETURN\n"
                                      "-A B -j MARK --set-mark 7\n"
                                      "COMMIT\n");
    struct pk k;
    struct ip4 h = {0};
    /* 22: B RETURNs (rule 2) to A rule 2, which accepts. */
    tcp4(&k, &h, 1000, 22, 0x02);
    expect(rs, F, &k, true, BYR, "A", 2);
    /* 23: dropped in B, two levels down. */
    tcp4(&k, &h, 1000, 23, 0x02);
    expect(rs, F, &k, false, BYR, "B", 1);
    /* udp: B marks and falls off (RETURN to A), A falls off (RETURN to
     * INPUT), INPUT rule 2 accepts; the mark stays. */
    udp4(&k, &h, 1000, 53);
    expect(rs, F, &k, true, BYR, "INPUT", 2);
    assert_int_equal(k.skb.mark, 7);
    /* icmp: nothing accepts: INPUT's policy DROP. */
    icmp4(&k, &h, 8, 0);
    expect(rs, F, &k, false, BYP, "INPUT", 0);
    /* Counters: INPUT -j A saw all four (40 + 40 + 32 + 84 bytes),
     * B rule 2 the port-22 packet only. */
    assert_save(rs, "filter",
                "*filter\n"
                ":INPUT DROP [1:84]\n"
                ":FORWARD ACCEPT [0:0]\n"
                ":OUTPUT ACCEPT [0:0]\n"
                ":A - [0:0]\n"
                ":B - [0:0]\n"
                "[4:196] -A INPUT -j A\n"
                "[1:32] -A INPUT -p udp -j ACCEPT\n"
                "[4:196] -A A -j B\n"
                "[1:40] -A A -p tcp -m tcp --dport 22 -j ACCEPT\n"
                "[1:40] -A B -p tcp -m tcp --dport 23 -j DROP\n"
                "[1:40] -A B -p tcp -j RETURN\n"
                "[2:116] -A B -j MARK --set-xmark 0x7/0xffffffff\n"
                "COMMIT\n");
    ctfw_rules_free(rs);
}

/* RETURN in a built-in chain goes to its policy (§8.1 "RETURN -> if
 * stack empty: policy"); so does the end of a user chain entered by -g
 * from the built-in chain (nothing was pushed), skipping INPUT's later
 * rules. */
static void
return_and_goto_to_policy(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs = load(4, "*filter\n"
                                      ":INPUT DROP [0:0]\n"
                                      ":G - [0:0]\n"
                                      "-A INPUT -p tcp -j RETURN\n"
                                      "-A INPUT -p udp -g G\n"
                                      "-A INPUT -j ACCEPT\n"
                                      "-A G -p udp --dport 53 -j ACCEPT\n"
                                      "COMMIT\n");
    struct pk k;
    struct ip4 h = {0};
    tcp4(&k, &h, 1, 80, 0x02);
    expect(rs, F, &k, false, BYP, "INPUT", 0);
    udp4(&k, &h, 1, 54);
    expect(rs, F, &k, false, BYP, "INPUT", 0);
    udp4(&k, &h, 1, 53);
    expect(rs, F, &k, true, BYR, "G", 1);
    icmp4(&k, &h, 8, 0);
    expect(rs, F, &k, true, BYR, "INPUT", 3);
    assert_save(rs, "filter",
                "*filter\n"
                ":INPUT DROP [2:72]\n"
                ":FORWARD ACCEPT [0:0]\n"
                ":OUTPUT ACCEPT [0:0]\n"
                ":G - [0:0]\n"
                "[1:40] -A INPUT -p tcp -j RETURN\n"
                "[2:64] -A INPUT -p udp -g G\n"
                "[1:84] -A INPUT -j ACCEPT\n"
                "[1:32] -A G -p udp -m udp --dport 53 -j ACCEPT\n"
                "COMMIT\n");
    ctfw_rules_free(rs);
}

/* A goto from a chain that was jumped to: the end of the goto target
 * returns to the rule after the original jump (the stack entry of the
 * jump is still there). */
static void
goto_from_jumped_chain(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs = load(4, "*filter\n"
                                      ":INPUT DROP [0:0]\n"
                                      ":A - [0:0]\n"
                                      ":B - [0:0]\n"
                                      "-A INPUT -j A\n"
                                      "-A INPUT -j ACCEPT\n"
                                      "-A A -g B\n"
                                      "-A A -j DROP\n"
                                      "-A B -j LOG\n"
                                      "COMMIT\n");
    struct pk k;
    struct ip4 h = {0};
    tcp4(&k, &h, 1, 80, 0x02);
    expect(rs, F, &k, true, BYR, "INPUT", 2);
    assert_int_equal(S.n_log, 1);
    ctfw_rules_free(rs);
}

/* Policies count what reaches them; non-terminating rules (no target,
 * LOG, MARK, NFLOG) count and continue; a table without a chain at the
 * hook says so. */
static void
policies_and_nonterminal(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n"
                ":INPUT ACCEPT [0:0]\n"
                ":FORWARD DROP [0:0]\n"
                "-A INPUT -p tcp\n"
                "-A INPUT -j NFLOG\n"
                "-A INPUT -j MARK --set-mark 0x10\n"
                "-A INPUT -m mark --mark 0x10 -j LOG\n"
                "-A FORWARD -m mark --mark 0x10 -j ACCEPT\n"
                "COMMIT\n");
    struct pk k;
    struct ip4 h = {0};
    tcp4(&k, &h, 1, 80, 0x02);
    expect(rs, F, &k, true, BYP, "INPUT", 0);
    assert_int_equal(k.skb.mark, 0x10);
    assert_int_equal(S.n_log, 1);
    /* FORWARD: mark 0 does not match; policy DROP. */
    tcp4(&k, &h, 1, 80, 0x02);
    k.skb.hook = CTFW_HOOK_FORWARD;
    k.skb.out_name = "eth1";
    expect(rs, F, &k, false, BYP, "FORWARD", 0);
    /* No raw table at all; no filter chain at PREROUTING. */
    struct ctfw_rules_verdict v = run(rs, CTFW_TABLE_RAW, &k);
    assert_int_equal(v.by, CTFW_RULES_BY_NOCHAIN);
    assert_true(v.accept);
    k.skb.hook = CTFW_HOOK_PRE_ROUTING;
    v = run(rs, F, &k);
    assert_int_equal(v.by, CTFW_RULES_BY_NOCHAIN);
    assert_save(rs, "filter",
                "*filter\n"
                ":INPUT ACCEPT [1:40]\n"
                ":FORWARD DROP [1:40]\n"
                ":OUTPUT ACCEPT [0:0]\n"
                "[1:40] -A INPUT -p tcp\n"
                "[1:40] -A INPUT -j NFLOG\n"
                "[1:40] -A INPUT -j MARK --set-xmark 0x10/0xffffffff\n"
                "[1:40] -A INPUT -m mark --mark 0x10 -j LOG\n"
                "[0:0] -A FORWARD -m mark --mark 0x10 -j ACCEPT\n"
                "COMMIT\n");
    /* A packet of the other family is not for this ruleset. */
    uint8_t ic[8] = {128, 0};
    frame6(&k, "2001:db8::2", "2001:db8::1", 58, 64, 0, ic, sizeof(ic));
    struct ctfw_rules_verdict v6;
    assert_int_equal(ctfw_rules_eval(rs, F, &k.skb, &ENV, &v6), -ENOENT);
    ctfw_rules_free(rs);
}

/* -s/-d with masks and "!", -p and "! -p", -i/-o exact and with the '+'
 * prefix wildcard (ifname_compare), -f for later fragments (§8.5). */
static void
header_matches(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n"
                ":FORWARD DROP [0:0]\n"
                "-A FORWARD -s 192.168.0.0/16 -j DROP\n"
                "-A FORWARD ! -s 10.0.0.0/8 -j DROP\n"
                "-A FORWARD -f -j DROP\n"
                "-A FORWARD -i eth+ -o wan0 -p tcp -j ACCEPT\n"
                "-A FORWARD ! -i lo -o wan+ ! -p tcp -j ACCEPT\n"
                "COMMIT\n");
    struct pk k;
    struct ip4 h = {.src = "10.1.2.3", .dst = "8.8.8.8"};
#define FWD(in, out)                                                          \
    do {                                                                      \
        k.skb.hook = CTFW_HOOK_FORWARD;                                       \
        k.skb.in_name = in;                                                   \
        k.skb.out_name = out;                                                 \
    } while (0)
    tcp4(&k, &h, 1, 80, 0x02);
    FWD("eth0", "wan0");
    expect(rs, F, &k, true, BYR, "FORWARD", 4);
    /* "eth+" is a prefix: "veth0" does not start with "eth". */
    tcp4(&k, &h, 1, 80, 0x02);
    FWD("veth0", "wan0");
    expect(rs, F, &k, false, BYP, "FORWARD", 0);
    /* wan0 is exact in rule 4: wan1 misses it; rule 5 wants !tcp. */
    tcp4(&k, &h, 1, 80, 0x02);
    FWD("eth0", "wan1");
    expect(rs, F, &k, false, BYP, "FORWARD", 0);
    udp4(&k, &h, 1, 53);
    FWD("eth0", "wan1");
    expect(rs, F, &k, true, BYR, "FORWARD", 5);
    udp4(&k, &h, 1, 53);
    FWD("lo", "wan1");
    expect(rs, F, &k, false, BYP, "FORWARD", 0);
    /* Source outside 10/8: rule 2. 192.168/16: rule 1. */
    struct ip4 h2 = {.src = "172.16.0.1", .dst = "8.8.8.8"};
    udp4(&k, &h2, 1, 53);
    FWD("eth0", "wan1");
    expect(rs, F, &k, false, BYR, "FORWARD", 2);
    h2.src = "192.168.1.1";
    udp4(&k, &h2, 1, 53);
    FWD("eth0", "wan1");
    expect(rs, F, &k, false, BYR, "FORWARD", 1);
    /* A later fragment (offset 185*8) matches -f; a first fragment
     * (MF, offset 0) does not. */
    struct ip4 fr = {.src = "10.1.2.3", .dst = "8.8.8.8", .frag = 185};
    udp4(&k, &fr, 1, 53);
    FWD("eth0", "wan0");
    expect(rs, F, &k, false, BYR, "FORWARD", 3);
    fr.frag = 0x2000;
    udp4(&k, &fr, 1, 53);
    FWD("eth0", "wan0");
    expect(rs, F, &k, true, BYR, "FORWARD", 5);
#undef FWD
    ctfw_rules_free(rs);

    rs = load(4, "*filter\n"
                 "-A INPUT ! -f -j ACCEPT\n"
                 "-A INPUT -j DROP\n"
                 "COMMIT\n");
    udp4(&k, &fr, 1, 53);
    expect(rs, F, &k, true, BYR, "INPUT", 1);
    fr.frag = 0x2000 | 185;
    udp4(&k, &fr, 1, 53);
    expect(rs, F, &k, false, BYR, "INPUT", 2);
    ctfw_rules_free(rs);
}

/* ------------------------------------------------------------------ */
/* Port and ICMP matches (§8.5; tcp_mt/udp_mt, icmp_match,             */
/* multiport_mt).                                                      */

static void
tcp4o(struct pk *k, uint16_t sport, uint16_t dport, uint8_t flags,
      const uint8_t *opt, size_t optlen)
{
    uint8_t t[64];
    struct ip4 h = {.proto = 6};
    frame4(k, &h, t, tcp_seg(t, sport, dport, flags, opt, optlen));
}

static void
tcp_match_cases(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n"
                ":INPUT DROP [0:0]\n"
                "-A INPUT -p tcp --tcp-flags ALL NONE -j DROP\n"
                "-A INPUT -p tcp ! --syn --dport 22 -j ACCEPT\n"
                "-A INPUT -p tcp --sport 1000:1010 --dport 80 -j ACCEPT\n"
                "-A INPUT -p tcp ! --sport 1000:1010 --dport 80 -j REJECT "
                "--reject-with tcp-reset\n"
                "-A INPUT -p tcp --tcp-option 2 --dport 443 -j ACCEPT\n"
                "-A INPUT -p tcp ! --tcp-option 3 --dport 8443 -j ACCEPT\n"
                "-A INPUT -p tcp --tcp-flags SYN,FIN SYN,FIN -j DROP\n"
                "COMMIT\n");
    struct pk k;
    static const uint8_t mss[] = {2, 4, 5, 0xb4};
    static const uint8_t ws[] = {1, 3, 3, 7};
    /* (flags & ALL) == NONE: the NULL packet. */
    tcp4o(&k, 5, 22, 0x00, NULL, 0);
    expect(rs, F, &k, false, BYR, "INPUT", 1);
    /* --syn is SYN,RST,ACK,FIN SYN: an ACK is "! --syn". */
    tcp4o(&k, 5, 22, 0x10, NULL, 0);
    expect(rs, F, &k, true, BYR, "INPUT", 2);
    tcp4o(&k, 5, 22, 0x02, NULL, 0);
    expect(rs, F, &k, false, BYP, "INPUT", 0);
    /* Inclusive port ranges, and their negation. */
    tcp4o(&k, 1010, 80, 0x02, NULL, 0);
    expect(rs, F, &k, true, BYR, "INPUT", 3);
    tcp4o(&k, 1011, 80, 0x02, NULL, 0);
    struct ctfw_rules_verdict v = run(rs, F, &k);
    assert_false(v.accept);
    assert_int_equal(v.rule, 4);
    assert_string_equal(v.target, "REJECT");
    assert_int_equal(S.n_reject, 1);
    assert_int_equal(S.reject[0], CTFW_REJECT_TCP_RESET);
    /* --tcp-option N: the kind appears in the option walk. */
    tcp4o(&k, 5, 443, 0x02, mss, sizeof(mss));
    expect(rs, F, &k, true, BYR, "INPUT", 5);
    tcp4o(&k, 5, 443, 0x02, ws, sizeof(ws));
    expect(rs, F, &k, false, BYP, "INPUT", 0);
    /* "! --tcp-option 3" with no options at all: tcp_find_option()
     * returns invert for an empty list, so it matches. */
    tcp4o(&k, 5, 8443, 0x02, NULL, 0);
    expect(rs, F, &k, true, BYR, "INPUT", 6);
    tcp4o(&k, 5, 8443, 0x02, ws, sizeof(ws));
    expect(rs, F, &k, false, BYP, "INPUT", 0);
    tcp4o(&k, 5, 9, 0x03, NULL, 0);
    expect(rs, F, &k, false, BYR, "INPUT", 7);
    ctfw_rules_free(rs);
}

/* tcp_mt(): a header the packet cannot hold, and a fragment at offset 1
 * (8 bytes), are dropped by the match itself (hotdrop, §8.1); other
 * later fragments just do not match. A rule with only "-p tcp" has no
 * tcp match and never hotdrops. */
static void
tcp_hotdrop(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs = load(4, "*filter\n"
                                      "-A INPUT -p tcp --dport 80 -j ACCEPT\n"
                                      "-A INPUT -p tcp -j DROP\n"
                                      "COMMIT\n");
    struct pk k;
    struct ip4 h = {.cut = 10};
    tcp4(&k, &h, 1, 80, 0x02);
    struct ctfw_rules_verdict v = run(rs, F, &k);
    assert_false(v.accept);
    assert_int_equal(v.by, BYH);
    assert_string_equal(v.chain, "INPUT");
    assert_int_equal(v.rule, 1);
    struct ip4 f1 = {.frag = 1};
    tcp4(&k, &f1, 1, 80, 0x02);
    v = run(rs, F, &k);
    assert_int_equal(v.by, BYH);
    struct ip4 f2 = {.frag = 2};
    tcp4(&k, &f2, 1, 80, 0x02);
    expect(rs, F, &k, false, BYR, "INPUT", 2);
    /* Hotdropped packets are not counted by the rule (counted on match
     * only); the fragment at offset 2 skipped rule 1 and hit rule 2. */
    assert_save(rs, "filter",
                "*filter\n"
                ":INPUT ACCEPT [0:0]\n"
                ":FORWARD ACCEPT [0:0]\n"
                ":OUTPUT ACCEPT [0:0]\n"
                "[0:0] -A INPUT -p tcp -m tcp --dport 80 -j ACCEPT\n"
                "[1:40] -A INPUT -p tcp -j DROP\n"
                "COMMIT\n");
    ctfw_rules_free(rs);

    rs = load(4, "*filter\n-A INPUT -p tcp -j ACCEPT\nCOMMIT\n");
    tcp4(&k, &h, 1, 80, 0x02);
    expect(rs, F, &k, true, BYR, "INPUT", 1);
    ctfw_rules_free(rs);
}

static void
udp_match_cases(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n"
                ":INPUT DROP [0:0]\n"
                "-A INPUT -p udp --dport 53 -j ACCEPT\n"
                "-A INPUT -p udp ! --sport 1:1023 -j ACCEPT\n"
                "COMMIT\n");
    struct pk k;
    struct ip4 h = {0};
    udp4(&k, &h, 5, 53);
    expect(rs, F, &k, true, BYR, "INPUT", 1);
    udp4(&k, &h, 1024, 54);
    expect(rs, F, &k, true, BYR, "INPUT", 2);
    udp4(&k, &h, 1023, 54);
    expect(rs, F, &k, false, BYP, "INPUT", 0);
    /* udp_mt(): later fragments never match (no hotdrop)... */
    struct ip4 fr = {.frag = 1};
    udp4(&k, &fr, 5, 53);
    expect(rs, F, &k, false, BYP, "INPUT", 0);
    /* ... but a header shorter than 8 bytes is dropped. */
    struct ip4 cut = {.cut = 4};
    udp4(&k, &cut, 5, 53);
    expect(rs, F, &k, false, BYH, "INPUT", 1);
    ctfw_rules_free(rs);
}

static void
icmp_match_cases(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs = load(
        4, "*filter\n"
           ":INPUT DROP [0:0]\n"
           "-A INPUT -p icmp --icmp-type fragmentation-needed -j DROP\n"
           "-A INPUT -p icmp ! --icmp-type destination-unreachable -j LOG\n"
           "-A INPUT -p icmp --icmp-type echo-request -j ACCEPT\n"
           "-A INPUT -p icmp --icmp-type any -j ACCEPT\n"
           "COMMIT\n");
    struct pk k;
    struct ip4 h = {0};
    icmp4(&k, &h, 3, 4);
    expect(rs, F, &k, false, BYR, "INPUT", 1);
    icmp4(&k, &h, 3, 3);
    expect(rs, F, &k, true, BYR, "INPUT", 4);
    assert_int_equal(S.n_log, 0);
    icmp4(&k, &h, 8, 0);
    expect(rs, F, &k, true, BYR, "INPUT", 3);
    icmp4(&k, &h, 0, 0);
    expect(rs, F, &k, true, BYR, "INPUT", 4);
    assert_int_equal(S.n_log, 2);
    /* Fewer than the 8 bytes of an ICMP header: hotdrop. */
    struct ip4 cut = {.cut = 4};
    icmp4(&k, &cut, 8, 0);
    expect(rs, F, &k, false, BYH, "INPUT", 1);
    ctfw_rules_free(rs);
}

/* icmp6_match(): no "any" wildcard; hl_mt6(). */
static void
icmp6_and_hl(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs = load(
        6,
        "*filter\n"
        ":INPUT DROP [0:0]\n"
        "-A INPUT -m hl --hl-lt 2 -j DROP\n"
        "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type echo-request -j ACCEPT\n"
        "-A INPUT -p ipv6-icmp -m icmp6 ! --icmpv6-type 1/4 -m hl --hl-eq 255 "
        "-j ACCEPT\n"
        "COMMIT\n");
    struct pk k;
    uint8_t ic[8] = {128, 0};
    frame6(&k, "2001:db8::2", "2001:db8::1", 58, 64, 0, ic, sizeof(ic));
    expect(rs, F, &k, true, BYR, "INPUT", 2);
    frame6(&k, "2001:db8::2", "2001:db8::1", 58, 1, 0, ic, sizeof(ic));
    expect(rs, F, &k, false, BYR, "INPUT", 1);
    ic[0] = 135; /* neighbour solicitation, hop limit 255 */
    frame6(&k, "fe80::2", "ff02::1:ff00:1", 58, 255, 0, ic, sizeof(ic));
    expect(rs, F, &k, true, BYR, "INPUT", 3);
    ic[0] = 1;
    ic[1] = 4;
    frame6(&k, "2001:db8::2", "2001:db8::1", 58, 255, 0, ic, sizeof(ic));
    expect(rs, F, &k, false, BYP, "INPUT", 0);
    assert_save(
        rs, "filter",
        "*filter\n"
        ":INPUT DROP [1:48]\n"
        ":FORWARD ACCEPT [0:0]\n"
        ":OUTPUT ACCEPT [0:0]\n"
        "[1:48] -A INPUT -m hl --hl-lt 2 -j DROP\n"
        "[1:48] -A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j ACCEPT\n"
        "[1:48] -A INPUT -p ipv6-icmp -m icmp6 ! --icmpv6-type 1/4 -m hl "
        "--hl-eq 255 -j ACCEPT\n"
        "COMMIT\n");
    ctfw_rules_free(rs);
}

static void
multiport_cases(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs = load(
        4, "*filter\n"
           ":INPUT DROP [0:0]\n"
           "-A INPUT -p tcp -m multiport --dports 22,80,8000:8080 -j ACCEPT\n"
           "-A INPUT -p udp -m multiport --sports 53,123 -j ACCEPT\n"
           "-A INPUT -p udp -m multiport ! --ports 1000:2000 -j DROP\n"
           "-A INPUT -p udp -j ACCEPT\n"
           "COMMIT\n");
    struct pk k;
    struct ip4 h = {0};
    tcp4(&k, &h, 1, 8080, 0x02);
    expect(rs, F, &k, true, BYR, "INPUT", 1);
    tcp4(&k, &h, 22, 8081, 0x02); /* --dports: the source is ignored */
    expect(rs, F, &k, false, BYP, "INPUT", 0);
    udp4(&k, &h, 123, 5000);
    expect(rs, F, &k, true, BYR, "INPUT", 2);
    /* ! --ports: either port in the range makes it not match. */
    udp4(&k, &h, 1500, 5000);
    expect(rs, F, &k, true, BYR, "INPUT", 4);
    udp4(&k, &h, 3000, 1999);
    expect(rs, F, &k, true, BYR, "INPUT", 4);
    udp4(&k, &h, 3000, 4000);
    expect(rs, F, &k, false, BYR, "INPUT", 3);
    ctfw_rules_free(rs);
}

/* ------------------------------------------------------------------ */
/* Conntrack states (reference §5.1, §5.2).                            */

struct ctfw_ct *
new_ct(void)
{
    struct ctfw_ct_config cfg;
    ctfw_ct_config_default(&cfg, 0);
    cfg.checksum = false; /* the test frames carry no L4 checksum */
    struct ctfw_ct_params p = {.config = &cfg, .seed = 1, .start_ns = T0};
    struct ctfw_ct *ct = NULL;
    assert_int_equal(ctfw_ct_new(&p, &ct), 0);
    return ct;
}

/* A router: one TCP handshake through FORWARD, each packet through the
 * conntrack hook first and confirmed after the table, as §1.3 orders
 * them. Counting-only rules show, per criterion, which packets match;
 * the expected counts are the kernel's (§5.1 [V] and §1.3): the first
 * SYN is NEW, ORIGINAL and not yet CONFIRMED; the SYN/ACK is
 * ESTABLISHED (reply), CONFIRMED, and SEEN_REPLY is already set when
 * the rules see it (nf_conntrack_in sets it at -200); ASSURED comes with
 * the third packet (SYN_RECV -> ESTABLISHED). --ctexpire sees the
 * SYN/ACK's SYN_RECV timeout of 60 s; the unconfirmed first packet has
 * no running timer (nf_ct_expires() is 0). */
static void
conntrack_handshake(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n"
                "-A FORWARD -m state --state NEW\n"
                "-A FORWARD -m state --state ESTABLISHED\n"
                "-A FORWARD -m conntrack --ctdir ORIGINAL\n"
                "-A FORWARD -m conntrack --ctdir REPLY\n"
                "-A FORWARD -m conntrack --ctstatus CONFIRMED\n"
                "-A FORWARD -m conntrack --ctstatus SEEN_REPLY\n"
                "-A FORWARD -m conntrack --ctstatus ASSURED\n"
                "-A FORWARD -m conntrack --ctstatus NONE\n"
                "-A FORWARD -m conntrack ! --ctstatus NONE\n"
                "-A FORWARD -m conntrack ! --ctstate NEW\n"
                "-A FORWARD -m conntrack --ctproto tcp --ctorigsrc 10.0.0.2 "
                "--ctorigdstport 80\n"
                "-A FORWARD -m conntrack --ctreplsrc 10.0.0.1 --ctrepldst "
                "10.0.0.0/24 --ctreplsrcport 80 --ctrepldstport 40000:40010\n"
                "-A FORWARD -m conntrack ! --ctorigsrc 10.0.0.2\n"
                "-A FORWARD -m conntrack ! --ctproto udp\n"
                "-A FORWARD -m conntrack --ctexpire 50:70\n"
                "-A FORWARD -m conntrack --ctstate SNAT\n"
                "-A FORWARD -m conntrack --ctstate NEW,DNAT\n"
                "COMMIT\n");
    assert_true(ctfw_rules_need_conntrack(rs));
    struct ctfw_ct *ct = new_ct();
    ENV.ct = ct;
    struct pk k;
    struct ip4 c2s = {.src = "10.0.0.2", .dst = "10.0.0.1"};
    struct ip4 s2c = {.src = "10.0.0.1", .dst = "10.0.0.2"};
    static const uint8_t flags[3] = {0x02, 0x12, 0x10};
    for (int i = 0; i < 3; i++) {
        uint8_t t[64];
        struct ip4 h = i == 1 ? s2c : c2s;
        h.proto = 6;
        size_t n = i == 1 ? tcp_seg(t, 80, 40000, flags[i], NULL, 0)
                          : tcp_seg(t, 40000, 80, flags[i], NULL, 0);
        put32(t + 4, i == 1 ? 5000 : 1000 + (i ? 1 : 0));
        put32(t + 8, i == 0 ? 0 : i == 1 ? 1001 : 5001);
        frame4(&k, &h, t, n);
        uint64_t now = T0 + (uint64_t)i * 1000000;
        k.skb.now_ns = now;
        k.skb.hook = CTFW_HOOK_FORWARD;
        k.skb.in_name = i == 1 ? "eth1" : "eth0";
        k.skb.out_name = i == 1 ? "eth0" : "eth1";
        k.skb.conntrack_on = true;
        assert_int_equal(ctfw_ct_in(ct, &k.skb.pkt, now,
                                    CTFW_CT_HOOK_PRE_ROUTING, &k.skb.ct),
                         CTFW_CT_ACCEPT);
        assert_non_null(k.skb.ct.entry);
        expect(rs, F, &k, true, BYP, "FORWARD", 0);
        ctfw_ct_confirm(ct, &k.skb.ct, now);
    }
    assert_save(rs, "filter",
                "*filter\n"
                ":INPUT ACCEPT [0:0]\n"
                ":FORWARD ACCEPT [3:120]\n"
                ":OUTPUT ACCEPT [0:0]\n"
                "[1:40] -A FORWARD -m state --state NEW\n"
                "[2:80] -A FORWARD -m state --state ESTABLISHED\n"
                "[2:80] -A FORWARD -m conntrack --ctdir ORIGINAL\n"
                "[1:40] -A FORWARD -m conntrack --ctdir REPLY\n"
                "[2:80] -A FORWARD -m conntrack --ctstatus CONFIRMED\n"
                "[2:80] -A FORWARD -m conntrack --ctstatus SEEN_REPLY\n"
                "[1:40] -A FORWARD -m conntrack --ctstatus ASSURED\n"
                "[0:0] -A FORWARD -m conntrack --ctstatus NONE\n"
                "[3:120] -A FORWARD -m conntrack ! --ctstatus NONE\n"
                "[2:80] -A FORWARD -m conntrack ! --ctstate NEW\n"
                "[3:120] -A FORWARD -m conntrack --ctproto 6 --ctorigsrc "
                "10.0.0.2 --ctorigdstport 80\n"
                "[3:120] -A FORWARD -m conntrack --ctreplsrc 10.0.0.1 "
                "--ctrepldst 10.0.0.0/24 --ctreplsrcport 80 --ctrepldstport "
                "40000:40010\n"
                "[0:0] -A FORWARD -m conntrack ! --ctorigsrc 10.0.0.2\n"
                "[3:120] -A FORWARD -m conntrack ! --ctproto 17\n"
                "[1:40] -A FORWARD -m conntrack --ctexpire 50:70\n"
                "[0:0] -A FORWARD -m conntrack --ctstate SNAT\n"
                "[1:40] -A FORWARD -m conntrack --ctstate NEW,DNAT\n"
                "COMMIT\n");
    ctfw_rules_free(rs);

    /* The virtual states: once the entry carries the NAT bits, SNAT /
     * DNAT are OR-ed with the real state (xt_conntrack), so
     * "--ctstate DNAT" matches every packet of a DNATed connection. */
    rs = load(4, "*filter\n"
                 "-A FORWARD -m conntrack --ctstate SNAT -j DROP\n"
                 "-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT\n"
                 "COMMIT\n");
    k.skb.ct.entry->status |= CTFW_CT_S_DST_NAT;
    expect(rs, F, &k, true, BYR, "FORWARD", 2);
    k.skb.ct.entry->status |= CTFW_CT_S_SRC_NAT;
    expect(rs, F, &k, false, BYR, "FORWARD", 1);
    ctfw_rules_free(rs);
    ctfw_ct_free(ct);
}

/* Packets without a conntrack (§5.1): UNTRACKED when tagged, else
 * INVALID; a --ctstate rule is decided by the state test alone, any
 * other criterion (and connmark) fails whatever its inversion. */
static void
no_conntrack_rules(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs = load(
        4, "*filter\n"
           ":INPUT DROP [0:0]\n"
           "-A INPUT -m state --state INVALID -j DROP\n"
           "-A INPUT -m conntrack --ctstatus ASSURED -j DROP\n"
           "-A INPUT -m conntrack ! --ctstatus ASSURED -j DROP\n"
           "-A INPUT -m conntrack --ctdir REPLY -j DROP\n"
           "-A INPUT -m connmark ! --mark 0x1 -j DROP\n"
           "-A INPUT -m conntrack ! --ctstate NEW --ctdir REPLY -j ACCEPT\n"
           "COMMIT\n");
    struct pk k;
    struct ip4 h = {0};
    tcp4(&k, &h, 1, 80, 0x02);
    k.skb.ct.info = CTFW_CT_UNTRACKED;
    expect(rs, F, &k, true, BYR, "INPUT", 6);
    tcp4(&k, &h, 1, 80, 0x02);
    assert_int_equal(k.skb.ct.info, CTFW_CT_INVALID);
    expect(rs, F, &k, false, BYR, "INPUT", 1);
    ctfw_rules_free(rs);
}

/* The incident (DESIGN.md, §5.2): raw NOTRACK for port 80 makes the
 * packets UNTRACKED; a filter INPUT that accepts only
 * RELATED,ESTABLISHED drops them, adding UNTRACKED lets them in. */
static void
notrack_untracked_incident(void **state)
{
    (void)state;
    const char *raw = "*raw\n"
                      "-A PREROUTING -p tcp --dport 80 -j NOTRACK\n"
                      "COMMIT\n";
    char text[512];
    snprintf(text, sizeof(text),
             "%s*filter\n:INPUT DROP [0:0]\n"
             "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT\n"
             "COMMIT\n",
             raw);
    struct ctfw_ruleset *bad = load(4, text);
    snprintf(text, sizeof(text),
             "%s*filter\n:INPUT DROP [0:0]\n"
             "-A INPUT -m state --state RELATED,ESTABLISHED,UNTRACKED "
             "-j ACCEPT\n"
             "COMMIT\n",
             raw);
    struct ctfw_ruleset *good = load(4, text);
    struct pk k;
    struct ip4 h = {0};
    tcp4(&k, &h, 40000, 80, 0x02);
    k.skb.hook = CTFW_HOOK_PRE_ROUTING;
    struct ctfw_rules_verdict v = run(bad, CTFW_TABLE_RAW, &k);
    assert_true(v.accept);
    assert_int_equal(v.by, BYP); /* NOTRACK continues */
    assert_int_equal(k.skb.ct.info, CTFW_CT_UNTRACKED);
    k.skb.hook = CTFW_HOOK_LOCAL_IN;
    expect(bad, F, &k, false, BYP, "INPUT", 0);
    expect(good, F, &k, true, BYR, "INPUT", 1);
    ctfw_rules_free(bad);
    ctfw_rules_free(good);
}

/* xt_CT: --notrack tags UNTRACKED, --zone sets the template's zone, and
 * a packet that already has a conntrack (looped back) is left alone. */
static void
ct_target(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs = load(4, "*raw\n"
                                      "-A PREROUTING -p udp -j CT --zone 5\n"
                                      "-A PREROUTING -p tcp -j CT --notrack\n"
                                      "-A OUTPUT -j NOTRACK\n"
                                      "COMMIT\n");
    struct pk k;
    struct ip4 h = {0};
    udp4(&k, &h, 1, 53);
    k.skb.hook = CTFW_HOOK_PRE_ROUTING;
    expect(rs, CTFW_TABLE_RAW, &k, true, BYP, "PREROUTING", 0);
    assert_int_equal(k.skb.ct.zone, 5);
    assert_int_equal(k.skb.ct.info, CTFW_CT_INVALID);
    tcp4(&k, &h, 1, 80, 0x02);
    k.skb.hook = CTFW_HOOK_PRE_ROUTING;
    expect(rs, CTFW_TABLE_RAW, &k, true, BYP, "PREROUTING", 0);
    assert_int_equal(k.skb.ct.info, CTFW_CT_UNTRACKED);
    assert_int_equal(k.skb.ct.zone, 0);
    udp4(&k, &h, 1, 53);
    k.skb.hook = CTFW_HOOK_LOCAL_OUT;
    expect(rs, CTFW_TABLE_RAW, &k, true, BYP, "OUTPUT", 0);
    assert_int_equal(k.skb.ct.info, CTFW_CT_UNTRACKED);
    /* Looped back with its conntrack attached: nothing changes. */
    struct ctfw_ct *ct = new_ct();
    tcp4(&k, &h, 1, 80, 0x02);
    assert_int_equal(
        ctfw_ct_in(ct, &k.skb.pkt, T0, CTFW_CT_HOOK_PRE_ROUTING, &k.skb.ct),
        CTFW_CT_ACCEPT);
    assert_non_null(k.skb.ct.entry);
    k.skb.hook = CTFW_HOOK_PRE_ROUTING;
    run(rs, CTFW_TABLE_RAW, &k);
    assert_int_equal(k.skb.ct.info, CTFW_CT_NEW);
    assert_non_null(k.skb.ct.entry);
    ctfw_ct_abort(ct, &k.skb.ct);
    ctfw_ct_free(ct);
    ctfw_rules_free(rs);
}

/* connmark_mt() and connmark_tg() (§8.6 CONNMARK): restore, set, save
 * with masks, on a real entry. */
static void
connmark_cases(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*mangle\n"
                "-A PREROUTING -j CONNMARK --restore-mark\n"
                "-A PREROUTING -m mark --mark 0x0 -j MARK --set-mark 0x5\n"
                "-A PREROUTING -j CONNMARK --save-mark --mask 0xff\n"
                "-A PREROUTING -m connmark --mark 0x5 -j ACCEPT\n"
                "-A FORWARD -j CONNMARK --set-mark 0x30/0xf0\n"
                "-A FORWARD -m connmark --mark 0x35 -j DROP\n"
                "COMMIT\n");
    struct ctfw_ct *ct = new_ct();
    ENV.ct = ct;
    struct pk k;
    struct ip4 h = {0};
    udp4(&k, &h, 1000, 53);
    assert_int_equal(
        ctfw_ct_in(ct, &k.skb.pkt, T0, CTFW_CT_HOOK_PRE_ROUTING, &k.skb.ct),
        CTFW_CT_ACCEPT);
    k.skb.hook = CTFW_HOOK_PRE_ROUTING;
    /* ctmark 0 restored (mark 0), MARK 5, saved: ctmark =
     * (0 & ~0xff) ^ (5 & 0xff) = 5, then connmark 5 accepts. */
    expect(rs, CTFW_TABLE_MANGLE, &k, true, BYR, "PREROUTING", 4);
    assert_int_equal(ctfw_ct_entry_mark(k.skb.ct.entry), 5);
    ctfw_ct_confirm(ct, &k.skb.ct, T0);
    /* The next packet starts with mark 0; restore-mark gives it 5. */
    udp4(&k, &h, 1000, 53);
    assert_int_equal(ctfw_ct_in(ct, &k.skb.pkt, T0 + 1000,
                                CTFW_CT_HOOK_PRE_ROUTING, &k.skb.ct),
                     CTFW_CT_ACCEPT);
    k.skb.hook = CTFW_HOOK_PRE_ROUTING;
    expect(rs, CTFW_TABLE_MANGLE, &k, true, BYR, "PREROUTING", 4);
    assert_int_equal(k.skb.mark, 5);
    /* --set-mark 0x30/0xf0: ctmask = 0xf0 | 0x30, ctmark = (5 & ~0xf0)
     * ^ 0x30 = 0x35. */
    k.skb.hook = CTFW_HOOK_FORWARD;
    k.skb.out_name = "eth1";
    expect(rs, CTFW_TABLE_MANGLE, &k, false, BYR, "FORWARD", 2);
    assert_int_equal(ctfw_ct_entry_mark(k.skb.ct.entry), 0x35);
    ctfw_ct_confirm(ct, &k.skb.ct, T0 + 1000);
    ctfw_ct_free(ct);
    ctfw_rules_free(rs);
}

int
main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(goto_example, reset),
        cmocka_unit_test_setup(jump_return_stack, reset),
        cmocka_unit_test_setup(return_and_goto_to_policy, reset),
        cmocka_unit_test_setup(goto_from_jumped_chain, reset),
        cmocka_unit_test_setup(policies_and_nonterminal, reset),
        cmocka_unit_test_setup(header_matches, reset),
        cmocka_unit_test_setup(tcp_match_cases, reset),
        cmocka_unit_test_setup(tcp_hotdrop, reset),
        cmocka_unit_test_setup(udp_match_cases, reset),
        cmocka_unit_test_setup(icmp_match_cases, reset),
        cmocka_unit_test_setup(icmp6_and_hl, reset),
        cmocka_unit_test_setup(multiport_cases, reset),
        cmocka_unit_test_setup(conntrack_handshake, reset),
        cmocka_unit_test_setup(no_conntrack_rules, reset),
        cmocka_unit_test_setup(notrack_untracked_incident, reset),
        cmocka_unit_test_setup(ct_target, reset),
        cmocka_unit_test_setup(connmark_cases, reset),
    };
    /* One TAP plan for both files' tests. */
    enum { N1 = sizeof(tests) / sizeof(tests[0]) };
    struct CMUnitTest all[N1 + 64];
    size_t n = 0;
    for (size_t i = 0; i < N1; i++)
        all[n++] = tests[i];
    for (size_t i = 0; i < eval_more_count && n < N1 + 64; i++)
        all[n++] = eval_more_tests[i];
    for (size_t i = 0; i < eval_rate_count && n < N1 + 64; i++)
        all[n++] = eval_rate_tests[i];
    return _cmocka_run_group_tests("tests", all, n, NULL, NULL);
}
