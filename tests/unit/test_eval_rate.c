// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Evaluation tests, third part: hashlimit and connlimit, and the
 * runtime state of rules (struct rules_xt.rt). The expected values are
 * reasoned from the kernel's algorithm (xt_hashlimit.c, nf_conncount.c,
 * HZ 250), written beside each assertion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "test_eval.h"

struct step {
    uint64_t ms;
    const char *src;
    bool ok;
};

static void
run_steps(struct ctfw_ruleset *rs, const struct step *seq, size_t n,
          const char *what)
{
    struct pk k;
    for (size_t i = 0; i < n; i++) {
        struct ip4 h = {.src = seq[i].src};
        tcp4(&k, &h, 1000, 80, 0x02);
        k.skb.now_ns = T0 + seq[i].ms * 1000000ull;
        struct ctfw_rules_verdict v = run(rs, F, &k);
        if (v.accept != seq[i].ok)
            fprintf(stderr, "%s step %zu\n", what, i);
        assert_int_equal(v.accept, seq[i].ok);
    }
}

/* hashlimit --hashlimit-upto 2/sec --hashlimit-burst 3: avg = 10^6 / 2
 * = 500000; the bucket starts at user2credits(avg * 3) and a packet
 * costs user2credits(avg); 2^39 credits come per jiffy, so one packet's
 * worth takes 500000 * 137438953 / 2^39 = 125 jiffies = 500 ms. Per
 * source address (mode srcip): another source has its own full bucket. */
static void
hashlimit_bucket(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n"
                ":INPUT DROP [0:0]\n"
                "-A INPUT -m hashlimit --hashlimit-upto 2/sec "
                "--hashlimit-burst 3 --hashlimit-mode srcip "
                "--hashlimit-name t -j ACCEPT\n"
                "COMMIT\n");
    static const struct step seq[] = {
        {0, NULL, true},       /* credit 3 -> 2 */
        {0, NULL, true},       /* 2 -> 1 */
        {0, NULL, true},       /* 1 -> 0 */
        {0, NULL, false},      /* empty: over the limit */
        {0, "10.0.0.3", true}, /* another key, its own full bucket */
        {496, NULL, false},    /* 124 jiffies: not a whole packet */
        {500, NULL, true},     /* 125 jiffies: one packet's credit */
        {500, NULL, false},    {10000, NULL, true}, /* refilled to the cap of
                                                       3, not more */
        {10000, NULL, true},   {10000, NULL, true}, {10000, NULL, false},
    };
    run_steps(rs, seq, sizeof(seq) / sizeof(seq[0]), "hashlimit");
    ctfw_rules_free(rs);
}

/* --hashlimit-above inverts: the packets over the rate match. Without a
 * mode every packet shares one bucket. Burst 5 by default. */
static void
hashlimit_above(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n"
                "-A INPUT -m hashlimit --hashlimit-above 1/sec "
                "--hashlimit-name a -j DROP\n"
                "COMMIT\n");
    static const struct step seq[] = {
        {0, NULL, true},        {0, "10.0.0.7", true}, {0, NULL, true},
        {0, NULL, true},        {0, NULL, true}, /* the burst of 5 */
        {0, "10.0.0.9", false},                  /* above: dropped */
        {999, NULL, false}, /* 249 jiffies: short of 250 per packet */
        {1000, NULL, true},
    };
    run_steps(rs, seq, sizeof(seq) / sizeof(seq[0]), "hashlimit-above");
    ctfw_rules_free(rs);
}

/* Entries are freed only by the gc worker (every gcinterval from the
 * table's first packet) once expired; --hashlimit-htable-max 1 with
 * size 1 holds one key: a second key is dropped (hotdrop) while the
 * first lives, and gets a fresh bucket after the gc freed the first.
 * expire 1000 ms = 250 jiffies, gc every 500 ms = 125 jiffies. */
static void
hashlimit_max_and_expiry(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n"
                "-A INPUT -m hashlimit --hashlimit-upto 1/sec "
                "--hashlimit-burst 1 --hashlimit-mode srcip "
                "--hashlimit-name m --hashlimit-htable-size 1 "
                "--hashlimit-htable-max 1 --hashlimit-htable-expire 1000 "
                "--hashlimit-htable-gcinterval 500 -j ACCEPT\n"
                "COMMIT\n");
    struct pk k;
    struct ip4 a = {0}, b = {.src = "10.0.0.3"};
    tcp4(&k, &a, 1000, 80, 0x02);
    k.skb.now_ns = T0;
    expect(rs, F, &k, true, BYR, "INPUT", 1); /* key a: credit 1 -> 0 */
    tcp4(&k, &b, 1000, 80, 0x02);
    k.skb.now_ns = T0 + 100 * 1000000ull;
    /* The table is full (max 1): dsthash_alloc_init() fails: hotdrop. */
    expect(rs, F, &k, false, BYH, "INPUT", 1);
    /* t = 1000 ms: a expires at 250 jiffies; gc runs at 125, 250: at
     * 250 time_after_eq(250, 250) frees it. */
    k.skb.now_ns = T0 + 1000 * 1000000ull;
    expect(rs, F, &k, true, BYR, "INPUT", 1); /* b: a fresh bucket */
    ctfw_rules_free(rs);
}

/* Two rules naming one table share it (htable_find_get()): the first
 * rule's packets empty the bucket the second rule then sees. Each copy
 * of a rule made by a source list has its own runtime state, but one
 * table by name. limit, by contrast, keeps a bucket per rule copy. */
static void
hashlimit_shared_by_name(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n"
                "-A INPUT -p tcp --dport 80 -m hashlimit --hashlimit-upto "
                "1/sec --hashlimit-burst 2 --hashlimit-name s\n"
                "-A INPUT -p tcp --dport 80 -m hashlimit --hashlimit-upto "
                "1/sec --hashlimit-burst 2 --hashlimit-name s -j ACCEPT\n"
                "-A INPUT -s 10.0.0.2,10.0.0.3 -p tcp --dport 81 "
                "-m limit --limit 1/sec --limit-burst 1 -j ACCEPT\n"
                "COMMIT\n");
    struct pk k;
    struct ip4 h = {0};
    tcp4(&k, &h, 1000, 80, 0x02);
    k.skb.now_ns = T0;
    /* rule 1 takes credit 2 -> 1, rule 2 takes 1 -> 0 and accepts. */
    expect(rs, F, &k, true, BYR, "INPUT", 2);
    /* rule 1: empty (no match, counts nothing); rule 2: empty too. */
    expect(rs, F, &k, true, BYP, "INPUT", 0);
    /* The two -s copies of the limit rule: one bucket each. */
    tcp4(&k, &h, 1000, 81, 0x02);
    expect(rs, F, &k, true, BYR, "INPUT", 3);
    struct ip4 h3 = {.src = "10.0.0.3"};
    tcp4(&k, &h3, 1000, 81, 0x02);
    expect(rs, F, &k, true, BYR, "INPUT", 4);
    ctfw_rules_free(rs);
}

/* Byte mode: --hashlimit-upto 1kb/s: cost = U32_MAX / (1024/16 + 1) =
 * 66076419 per 16-byte chunk; user2credits_byte() = cost * 250 * 2^24
 * >> 32 = 64527752 credits per chunk; the bucket holds 2^24 * 250 =
 * 4194304000 credits (a second's worth). A 40-byte packet is (40 >> 4)
 * + 1 = 3 chunks = 193583256 credits: 21 packets pass at once (21 *
 * 193583256 = 4065248376, 129055624 left). Without --hashlimit-burst
 * credit_cap is 0: no extra refill when empty. A jiffy (4 ms) brings
 * 2^24 = 16777216: after 3 jiffies 179387272 < cost, after 4 jiffies
 * 196164488: one packet. */
static void
hashlimit_bytes(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n"
                ":INPUT DROP [0:0]\n"
                "-A INPUT -m hashlimit --hashlimit-upto 1kb/s "
                "--hashlimit-name b -j ACCEPT\n"
                "COMMIT\n");
    struct pk k;
    struct ip4 h = {0};
    int passed = 0;
    for (int i = 0; i < 30; i++) {
        tcp4(&k, &h, 1000, 80, 0x10);
        k.skb.now_ns = T0;
        passed += run(rs, F, &k).accept;
    }
    assert_int_equal(passed, 21);
    tcp4(&k, &h, 1000, 80, 0x10);
    k.skb.now_ns = T0 + 12000000ull; /* 3 jiffies: 179387272 */
    assert_false(run(rs, F, &k).accept);
    k.skb.now_ns = T0 + 16000000ull; /* 4 jiffies: 196164488 */
    assert_true(run(rs, F, &k).accept);
    k.skb.now_ns = T0 + 16000000ull; /* 2581232 left */
    assert_false(run(rs, F, &k).accept);
    ctfw_rules_free(rs);
}

/* ------------------------------------------------------------------ */
/* connlimit                                                           */

/* One TCP SYN through conntrack, the filter table, then confirm (or
 * abort when dropped, here or, with later_drop, by a later hook), as
 * the pipeline orders them. */
static bool
syn_ex(struct ctfw_ruleset *rs, struct ctfw_ct *ct, const char *src,
       uint16_t sport, uint64_t ms, bool later_drop)
{
    struct pk k;
    struct ip4 h = {.src = src};
    tcp4(&k, &h, sport, 22, 0x02);
    uint64_t now = T0 + ms * 1000000ull;
    k.skb.now_ns = now;
    k.skb.conntrack_on = true;
    assert_int_equal(
        ctfw_ct_in(ct, &k.skb.pkt, now, CTFW_CT_HOOK_PRE_ROUTING, &k.skb.ct),
        CTFW_CT_ACCEPT);
    struct ctfw_rules_verdict v = run(rs, F, &k);
    if (v.accept && !later_drop)
        ctfw_ct_confirm(ct, &k.skb.ct, now);
    else
        ctfw_ct_abort(ct, &k.skb.ct);
    return v.accept;
}

static bool
syn(struct ctfw_ruleset *rs, struct ctfw_ct *ct, const char *src,
    uint16_t sport, uint64_t ms)
{
    return syn_ex(rs, ct, src, sport, ms, false);
}

/* The classic guard: at most 2 connections per source /32. Each new SYN
 * adds its tuple to the source's list; the count includes it, so the
 * 3rd connection counts 3 > 2 and is rejected. Its tuple was never
 * confirmed: the next walk (a later jiffy) does not find it in the
 * conntrack table and evicts it, so a 4th attempt counts 3 again, not 4.
 * Another source has its own list. */
static void
connlimit_counts(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n"
                "-A INPUT -p tcp --syn --dport 22 -m connlimit "
                "--connlimit-above 2 -j DROP\n"
                "COMMIT\n");
    struct ctfw_ct *ct = new_ct();
    ENV.ct = ct;
    assert_true(syn(rs, ct, NULL, 1001, 0));   /* count 1 */
    assert_true(syn(rs, ct, NULL, 1002, 10));  /* count 2 */
    assert_false(syn(rs, ct, NULL, 1003, 20)); /* count 3 > 2: DROP */
    assert_false(syn(rs, ct, NULL, 1004, 30)); /* 1003 evicted: 3 */
    /* A retransmitted SYN of 1001 (confirmed): the walk meets its own
     * live tuple first and stops without adding, so the stale 1004
     * further down the list is still counted: 3 > 2, dropped. */
    assert_false(syn(rs, ct, NULL, 1001, 40));
    /* A new connection: this walk reaches 1004, evicts it, adds 1005:
     * count 3 again; dropped. */
    assert_false(syn(rs, ct, NULL, 1005, 50));
    assert_true(syn(rs, ct, "10.0.0.9", 1001, 60)); /* its own: 1 */
    ctfw_ct_free(ct);
    ENV.ct = NULL;
    ctfw_rules_free(rs);
}

/* The same jiffy: __nf_conncount_add() skips its walk when the list
 * was extended in this jiffy, so tuples of connections that were never
 * confirmed still count until a later jiffy's walk evicts them. Here
 * every accepted SYN is then dropped by a later hook (never confirmed).
 * --connlimit-upto 1 with a /24 mask: the sources of one /24 share one
 * list. T0 is on a jiffy boundary; a jiffy is 4 ms. */
static void
connlimit_same_jiffy_and_mask(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n"
                ":INPUT DROP [0:0]\n"
                "-A INPUT -p tcp --dport 22 -m connlimit "
                "--connlimit-upto 1 --connlimit-mask 24 -j ACCEPT\n"
                "COMMIT\n");
    struct ctfw_ct *ct = new_ct();
    ENV.ct = ct;
    /* 0 ms: a new list [a]: 1 <= 1. */
    assert_true(syn_ex(rs, ct, "10.0.0.2", 1001, 0, true));
    /* 1 ms, same jiffy, but insert_tree() left last_gc 0: the walk runs,
     * a is not in the table (never confirmed): evicted; [b]: 1. */
    assert_true(syn_ex(rs, ct, "10.0.0.3", 1001, 1, true));
    /* 2 ms, same jiffy as b's insertion: no walk: [b, c]: 2 > 1. */
    assert_false(syn_ex(rs, ct, "10.0.0.4", 1001, 2, true));
    /* 4 ms, the next jiffy: b and c evicted; [d]: 1. */
    assert_true(syn(rs, ct, "10.0.0.5", 1001, 4));
    /* 8 ms: d is confirmed and live: [d, e]: 2 > 1. */
    assert_false(syn(rs, ct, "10.0.0.6", 1001, 8));
    /* Another /24: its own list. */
    assert_true(syn(rs, ct, "10.0.1.5", 1001, 8));
    ctfw_ct_free(ct);
    ENV.ct = NULL;
    ctfw_rules_free(rs);
}

/* No conntrack on the packet (NOTRACK in raw): the tuple comes from the
 * packet itself (nf_ct_get_tuplepr()), counted in zone 0; it is never
 * confirmed, so each later walk evicts it again. A later fragment has no
 * tuple: hotdrop. */
static void
connlimit_untracked(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n"
                "-A INPUT -m connlimit --connlimit-above 0 -j DROP\n"
                "COMMIT\n");
    struct pk k;
    struct ip4 h = {0};
    tcp4(&k, &h, 1000, 80, 0x02);
    k.skb.now_ns = T0;
    /* count 1 > 0: the rule drops. */
    expect(rs, F, &k, false, BYR, "INPUT", 1);
    struct ip4 fr = {.proto = 17, .frag = 0x0010}; /* offset 128 bytes */
    uint8_t data[16] = {0};
    frame4(&k, &fr, data, sizeof(data));
    k.skb.now_ns = T0;
    expect(rs, F, &k, false, BYH, "INPUT", 1);
    ctfw_rules_free(rs);
}

/* Checked against the real kernel (Linux 6.18, iptables 1.8.9 nft, two
 * private namespaces joined by a veth; the target listens on port 22,
 * the sender drops its own RSTs; SYNs sent with a raw socket). The
 * hashlimit part: 5 SYNs at once, 600 ms later 2 more. The connlimit
 * part: SYNs from ports 1001, 1002, 1003, 1004, 1001 again, 1005, 50 ms
 * apart. The rule counters below are what iptables-save -c printed
 * there (hashlimit: 3 pass at once, the 600 ms refill lets one more;
 * connlimit: the retransmitted SYN of 1001 is dropped as predicted in
 * connlimit_counts). The policy counter is ip_tables' (the two packets
 * that fall through); iptables-nft printed [0:0] for it. */
static void
kernel_observed_counters(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n"
                "-A INPUT -p tcp --dport 22 --sport 2000:2999 -m hashlimit "
                "--hashlimit-upto 2/sec --hashlimit-burst 3 "
                "--hashlimit-mode srcip --hashlimit-name t -j ACCEPT\n"
                "-A INPUT -p tcp --dport 22 --sport 2000:2999 -j DROP\n"
                "-A INPUT -p tcp --syn --dport 22 --sport 1000:1999 "
                "-m connlimit --connlimit-above 2 -j DROP\n"
                "-A INPUT -p tcp --dport 22 --sport 1000:1999\n"
                "COMMIT\n");
    struct ctfw_ct *ct = new_ct();
    ENV.ct = ct;
    static const struct {
        uint16_t sport;
        uint64_t ms;
    } seq[] = {
        {2001, 0},   {2002, 0},   {2003, 0},   {2004, 0},   {2005, 0},
        {2006, 600}, {2007, 600}, {1001, 700}, {1002, 750}, {1003, 800},
        {1004, 850}, {1001, 900}, {1005, 950},
    };
    for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
        (void)syn(rs, ct, "10.99.0.1", seq[i].sport, seq[i].ms);
    assert_save(rs, "filter",
                "*filter\n"
                ":INPUT ACCEPT [2:80]\n"
                ":FORWARD ACCEPT [0:0]\n"
                ":OUTPUT ACCEPT [0:0]\n"
                "[4:160] -A INPUT -p tcp -m tcp --sport 2000:2999 --dport 22 "
                "-m hashlimit --hashlimit-upto 2/sec --hashlimit-burst 3 "
                "--hashlimit-mode srcip --hashlimit-name t -j ACCEPT\n"
                "[3:120] -A INPUT -p tcp -m tcp --sport 2000:2999 --dport 22 "
                "-j DROP\n"
                "[4:160] -A INPUT -p tcp -m tcp --sport 1000:1999 --dport 22 "
                "--tcp-flags FIN,SYN,RST,ACK SYN -m connlimit "
                "--connlimit-above 2 --connlimit-mask 32 --connlimit-saddr "
                "-j DROP\n"
                "[2:80] -A INPUT -p tcp -m tcp --sport 1000:1999 --dport 22\n"
                "COMMIT\n");
    ctfw_ct_free(ct);
    ENV.ct = NULL;
    ctfw_rules_free(rs);
}

/* ------------------------------------------------------------------ */
/* rt and rpfilter                                                     */

/* rt_mt6(): a routing header after a hop-by-hop header. Type 0, 2
 * segments left, hdrlen field 2 -> (2 + 1) * 8 = 24 bytes, reserved 0.
 * A packet without a routing header does not match (-ENOENT); one whose
 * routing header is cut off after the hop-by-hop one is dropped
 * (-EBADMSG: hotdrop). */
static void
rt_routing_header(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(6, "*filter\n"
                "-A INPUT -m rt --rt-type 0 --rt-segsleft 1:3 --rt-len 24 "
                "--rt-0-res\n"
                "-A INPUT -m rt ! --rt-type 0\n"
                "-A INPUT -m rt --rt-segsleft 3\n"
                "COMMIT\n");
    struct pk k;
    /* hop-by-hop (8 bytes, next 43), routing (24 bytes, next 59). */
    uint8_t x[32] = {43, 0, 1, 4, 0, 0, 0, 0, 59, 2, 0, 2};
    frame6(&k, "2001:db8::2", "2001:db8::1", 0, 64, 0, x, sizeof(x));
    /* rule 1: type 0, 2 in 1:3, 24 bytes, reserved 0: match; rule 2:
     * type is 0: no; rule 3: 2 != 3: no. */
    expect(rs, F, &k, true, BYP, "INPUT", 0);
    uint8_t none[8] = {59, 0, 1, 4, 0, 0, 0, 0};
    frame6(&k, "2001:db8::2", "2001:db8::1", 0, 64, 0, none, sizeof(none));
    expect(rs, F, &k, true, BYP, "INPUT", 0);
    /* The IPv6 payload ends after the hop-by-hop header, which says a
     * routing header follows: it cannot be read: hotdrop. */
    frame6(&k, "2001:db8::2", "2001:db8::1", 0, 64, 0, x, 8);
    expect(rs, F, &k, false, BYH, "INPUT", 1);
    assert_save(rs, "filter",
                "*filter\n"
                ":INPUT ACCEPT [2:120]\n" /* 72 + 48 */
                ":FORWARD ACCEPT [0:0]\n"
                ":OUTPUT ACCEPT [0:0]\n"
                "[1:72] -A INPUT -m rt --rt-type 0 --rt-segsleft 1:3 "
                "--rt-len 24 --rt-0-res\n"
                "[0:0] -A INPUT -m rt ! --rt-type 0\n"
                "[0:0] -A INPUT -m rt --rt-segsleft 3\n"
                "COMMIT\n");
    ctfw_rules_free(rs);
}

/* rpfilter_mt(): the route back to the source must leave by the input
 * interface (strict), or exist at all (--loose); a local source needs
 * --accept-local; lo always passes. Host: eth0 10.0.0.1/24 (index 2),
 * eth1 192.168.5.1/24 (index 3), default route via eth1. */
static void
rpfilter_paths(void **state)
{
    (void)state;
    char err[128];
    struct ctfw_host *h = ctfw_host_new();
    assert_non_null(h);
    assert_int_equal(
        ctfw_host_add_iface(h, "eth0=10.0.0.1/24", err, sizeof(err)), 0);
    assert_int_equal(
        ctfw_host_add_iface(h, "eth1=192.168.5.1/24", err, sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_route(h, "default=eth1", err, sizeof(err)),
                     0);
    ENV.host = h;
    struct ctfw_ruleset *rs =
        load(4, "*raw\n"
                "-A PREROUTING -m rpfilter\n"
                "-A PREROUTING -m rpfilter --loose\n"
                "-A PREROUTING -m rpfilter --accept-local\n"
                "-A PREROUTING -m rpfilter --invert\n"
                "COMMIT\n");
    static const struct {
        const char *src, *in;
        unsigned ifindex;
        uint64_t want[4]; /* packets per rule after this step */
    } steps[] = {
        /* 10.0.0.2 in eth0: route back via eth0: strict, loose,
         * accept-local match; invert not. */
        {"10.0.0.2", "eth0", 2, {1, 1, 1, 0}},
        /* 8.8.8.8 in eth0: the route back is the default via eth1:
         * strict fails (invert matches), loose passes. */
        {"8.8.8.8", "eth0", 2, {1, 2, 1, 1}},
        /* 8.8.8.8 in eth1: strict passes. */
        {"8.8.8.8", "eth1", 3, {2, 3, 2, 1}},
        /* Our own 10.0.0.1 as source: RTN_LOCAL: fails unless
         * --accept-local; then its route's device eth0 is the input
         * interface: passes; invert matches. */
        {"10.0.0.1", "eth0", 2, {2, 3, 3, 2}},
        /* The same arriving on eth1: the local route's device is eth0:
         * --accept-local alone fails (invert matches). */
        {"10.0.0.1", "eth1", 3, {2, 3, 3, 3}},
        /* The subnet broadcast as source: RTN_BROADCAST: all fail. */
        {"10.0.0.255", "eth0", 2, {2, 3, 3, 4}},
        /* Came in on lo: always. */
        {"10.0.0.1", "lo", 1, {3, 4, 4, 4}},
    };
    struct pk k;
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        struct ip4 ip = {.src = steps[i].src, .dst = "10.0.0.1"};
        tcp4(&k, &ip, 1000, 80, 0x02);
        k.skb.hook = CTFW_HOOK_PRE_ROUTING;
        k.skb.in_name = steps[i].in;
        k.skb.in_ifindex = steps[i].ifindex;
        (void)run(rs, CTFW_TABLE_RAW, &k);
        char want[512];
        snprintf(want, sizeof(want),
                 "*raw\n"
                 ":PREROUTING ACCEPT [%zu:%zu]\n"
                 ":OUTPUT ACCEPT [0:0]\n"
                 "[%llu:%llu] -A PREROUTING -m rpfilter\n"
                 "[%llu:%llu] -A PREROUTING -m rpfilter --loose\n"
                 "[%llu:%llu] -A PREROUTING -m rpfilter --accept-local\n"
                 "[%llu:%llu] -A PREROUTING -m rpfilter --invert\n"
                 "COMMIT\n",
                 i + 1, (i + 1) * 40, (unsigned long long)steps[i].want[0],
                 (unsigned long long)steps[i].want[0] * 40,
                 (unsigned long long)steps[i].want[1],
                 (unsigned long long)steps[i].want[1] * 40,
                 (unsigned long long)steps[i].want[2],
                 (unsigned long long)steps[i].want[2] * 40,
                 (unsigned long long)steps[i].want[3],
                 (unsigned long long)steps[i].want[3] * 40);
        assert_save(rs, "raw", want);
    }
    ctfw_rules_free(rs);
    ENV.host = NULL;
    ctfw_host_free(h);
}

/* Checked against the real kernel (Linux 6.18, iptables 1.8.9): a
 * namespace with eth0 10.99.0.2/24, eth1 192.168.5.1/24 and a default
 * route via eth1; UDP packets (28 bytes) with these sources sent in on
 * eth0: 10.99.0.1, 8.8.8.8, 10.99.0.2, 192.168.5.1, 10.99.0.255,
 * 127.0.0.5. The counters are what iptables-save -c printed there. */
static void
rpfilter_kernel_observed(void **state)
{
    (void)state;
    char err[128];
    struct ctfw_host *h = ctfw_host_new();
    assert_non_null(h);
    assert_int_equal(
        ctfw_host_add_iface(h, "eth0=10.99.0.2/24", err, sizeof(err)), 0);
    assert_int_equal(
        ctfw_host_add_iface(h, "eth1=192.168.5.1/24", err, sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_route(h, "default=eth1", err, sizeof(err)),
                     0);
    ENV.host = h;
    struct ctfw_ruleset *rs =
        load(4, "*raw\n"
                "-A PREROUTING -i eth0 -p udp -m rpfilter\n"
                "-A PREROUTING -i eth0 -p udp -m rpfilter --loose\n"
                "-A PREROUTING -i eth0 -p udp -m rpfilter --accept-local\n"
                "-A PREROUTING -i eth0 -p udp -m rpfilter --invert\n"
                "-A PREROUTING -i eth0 -p udp -m rpfilter --accept-local "
                "--loose\n"
                "COMMIT\n");
    static const char *const src[] = {"10.99.0.1",   "8.8.8.8",
                                      "10.99.0.2",   "192.168.5.1",
                                      "10.99.0.255", "127.0.0.5"};
    struct pk k;
    for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
        struct ip4 ip = {.src = src[i], .dst = "10.99.0.2", .proto = 17};
        /* A bare UDP header, as sent: 20 + 8 bytes. */
        uint8_t u[8] = {0x13, 0x88, 0x13, 0x89, 0, 8, 0, 0};
        frame4(&k, &ip, u, sizeof(u));
        k.skb.hook = CTFW_HOOK_PRE_ROUTING;
        (void)run(rs, CTFW_TABLE_RAW, &k);
    }
    assert_save(rs, "raw",
                "*raw\n"
                ":PREROUTING ACCEPT [6:168]\n"
                ":OUTPUT ACCEPT [0:0]\n"
                "[1:28] -A PREROUTING -i eth0 -p udp -m rpfilter\n"
                "[2:56] -A PREROUTING -i eth0 -p udp -m rpfilter --loose\n"
                "[2:56] -A PREROUTING -i eth0 -p udp -m rpfilter "
                "--accept-local\n"
                "[5:140] -A PREROUTING -i eth0 -p udp -m rpfilter --invert\n"
                "[5:140] -A PREROUTING -i eth0 -p udp -m rpfilter --loose "
                "--accept-local\n"
                "COMMIT\n");
    ctfw_rules_free(rs);
    ENV.host = NULL;
    ctfw_host_free(h);
}

const struct CMUnitTest eval_rate_tests[] = {
    cmocka_unit_test_setup(hashlimit_bucket, reset),
    cmocka_unit_test_setup(hashlimit_above, reset),
    cmocka_unit_test_setup(hashlimit_max_and_expiry, reset),
    cmocka_unit_test_setup(hashlimit_shared_by_name, reset),
    cmocka_unit_test_setup(hashlimit_bytes, reset),
    cmocka_unit_test_setup(connlimit_counts, reset),
    cmocka_unit_test_setup(connlimit_same_jiffy_and_mask, reset),
    cmocka_unit_test_setup(connlimit_untracked, reset),
    cmocka_unit_test_setup(kernel_observed_counters, reset),
    cmocka_unit_test_setup(rt_routing_header, reset),
    cmocka_unit_test_setup(rpfilter_paths, reset),
    cmocka_unit_test_setup(rpfilter_kernel_observed, reset),
};
const size_t eval_rate_count =
    sizeof(eval_rate_tests) / sizeof(eval_rate_tests[0]);
