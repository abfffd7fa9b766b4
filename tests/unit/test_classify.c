// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Differential test of the compiled classifier (lib/rules/classify.c)
 * against the reference linear evaluator (lib/rules/eval.c), issue 9.
 *
 * There is no expected value written here: the linear evaluator is the
 * definition (it is itself checked against the kernel by test_eval and
 * the oracle), and the claim under test is that the compiled form
 * changes nothing. Each case draws a random filter ruleset (random user
 * chains with random header fields, common matches, stateful matches
 * (limit, hashlimit, recent),
 * jumps, gotos, returns, policies; one case in 12 or so also gets a
 * block of 100-250 firewall-like rules with prefixes of every length
 * nested around the same addresses), loads it twice, once forced linear
 * and once forced compiled (every chain with rules gets a classifier),
 * and sends the same random packets (addresses and ports drawn near the
 * rules', protocols, truncated headers, fragments, conntrack states,
 * marks, interfaces, advancing time) through both. After every packet
 * the verdict, the deciding chain, rule and target, the skb mark, the
 * LOG lines and the REJECT calls must be equal; at the end, every
 * counter (iptables-save -c of both).
 *
 * Seeds are fixed (case i uses seed CLS_SEED0 + i), so a failure
 * reproduces; it prints the seed, then shrinks the ruleset line by line
 * while the two still disagree and prints that minimal ruleset and the
 * packet where they part. CTFW_CLS_CASES=N overrides the number of
 * cases (default 10,000), CTFW_CLS_SEED=S runs that one seed.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctfw/ct.h"
#include "ctfw/eval.h"
#include "ctfw/pkt.h"
#include "ctfw/rules.h"
#include "ctfw/skb.h"

#define CLS_SEED0 0x5eed0000u
#define CLS_CASES 10000
#define CLS_PACKETS 24

/* ------------------------------------------------------------------ */
/* A small deterministic generator (xorshift64*).                      */

static uint64_t rng;

static uint32_t
rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 2685821657736338717ull) >> 32);
}

static unsigned
pick(unsigned n)
{
    return rnd() % n;
}

static bool
chance(unsigned pct)
{
    return pick(100) < pct;
}

/* ------------------------------------------------------------------ */
/* Text buffer.                                                        */

struct txt {
    char s[64 * 1024];
    size_t n;
};

static void
tx(struct txt *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->s + t->n, sizeof(t->s) - t->n, fmt, ap);
    va_end(ap);
    if (k > 0 && (size_t)k < sizeof(t->s) - t->n)
        t->n += (size_t)k;
}

/* ------------------------------------------------------------------ */
/* Random rulesets.                                                    */

/* Addresses rules and packets share, so that rules do hit. */
static const char *const pool4[] = {"10.0.0.1", "10.0.0.2", "10.1.2.3",
                                    "192.168.1.10", "192.168.7.200",
                                    "172.16.5.4"};
static const char *const pool6[] = {"2001:db8::1", "2001:db8::2",
                                    "2001:db8:1:2::3", "2001:db8:ff::10",
                                    "fd00:1::4", "2001:db9::7"};
static const uint16_t ports[] = {22, 53, 80, 443, 1000, 8080, 65535, 1};
#define NPOOL 6
#define NPORTS 8

struct gen {
    int family;
    int n_user;          /* user chains U0..U(n-1) */
};

static void
gen_addr(struct txt *t, const struct gen *g, char opt)
{
    static const int len4[] = {8, 16, 24, 30, 32, 0};
    static const int len6[] = {16, 32, 33, 48, 64, 128, 0};
    if (chance(15))
        tx(t, " !");
    if (g->family == 4)
        tx(t, " -%c %s/%d", opt, pool4[pick(NPOOL)], len4[pick(6)]);
    else
        tx(t, " -%c %s/%d", opt, pool6[pick(NPOOL)], len6[pick(7)]);
}

static void
gen_portspec(struct txt *t)
{
    unsigned a = ports[pick(NPORTS)];
    if (chance(30)) {
        unsigned b = ports[pick(NPORTS)];
        if (a > b) {
            unsigned x = a;
            a = b;
            b = x;
        }
        tx(t, "%u:%u", a, b);
    } else {
        tx(t, "%u", a);
    }
}

static void
gen_multi(struct txt *t)
{
    unsigned n = 1 + pick(5);
    for (unsigned i = 0; i < n; i++) {
        tx(t, i ? "," : "");
        unsigned a = ports[pick(NPORTS)];
        if (chance(20) && a < 60000)
            tx(t, "%u:%u", a, a + 1 + pick(100));
        else
            tx(t, "%u", a);
    }
}

/* One match after the header part; proto is the rule's -p (0 none,
 * negative when inverted). */
static void
gen_match(struct txt *t, const struct gen *g, int proto, int *recent)
{
    switch (pick(14)) {
    case 0:
        tx(t, " -m comment --comment \"c%u\"", pick(100));
        break;
    case 1:
    case 2:
        if (proto == 6) {
            tx(t, " -m tcp");
            if (chance(60)) {
                tx(t, "%s --dport ", chance(15) ? " !" : "");
                gen_portspec(t);
            }
            if (chance(40)) {
                tx(t, "%s --sport ", chance(15) ? " !" : "");
                gen_portspec(t);
            }
            if (chance(20))
                tx(t, "%s --syn", chance(20) ? " !" : "");
            else if (chance(15))
                tx(t, " --tcp-flags SYN,ACK,FIN ACK");
            if (chance(10))
                tx(t, "%s --tcp-option %u", chance(20) ? " !" : "",
                   pick(2) ? 2u : 8u);
        } else if (proto == 17) {
            tx(t, " -m udp");
            if (chance(70)) {
                tx(t, "%s --dport ", chance(15) ? " !" : "");
                gen_portspec(t);
            }
            if (chance(40)) {
                tx(t, "%s --sport ", chance(15) ? " !" : "");
                gen_portspec(t);
            }
        } else if (proto == 1 && g->family == 4) {
            tx(t, " -m icmp%s --icmp-type %s", chance(15) ? " !" : "",
               pick(2) ? "echo-request" : "any");
        }
        break;
    case 3:
        if (proto == 6 || proto == 17) {
            static const char *const w[] = {"dports", "sports", "ports"};
            tx(t, " -m multiport%s --%s ", chance(15) ? " !" : "",
               w[pick(3)]);
            gen_multi(t);
        }
        break;
    case 4:
        tx(t, " -m state%s --state %s", chance(15) ? " !" : "",
           (const char *const[]){"NEW", "ESTABLISHED,RELATED", "INVALID",
                                 "UNTRACKED", "NEW,ESTABLISHED"}[pick(5)]);
        break;
    case 5:
        tx(t, " -m mark%s --mark 0x%x/0x%x", chance(15) ? " !" : "",
           pick(3), pick(2) ? 0xffu : 0x1u);
        break;
    case 6:
        tx(t, " -m limit --limit %u/%s --limit-burst %u", 1 + pick(5),
           pick(2) ? "sec" : "min", 1 + pick(4));
        break;
    case 7:
        if (g->family == 4)
            tx(t, " -m iprange%s --dst-range 10.0.0.0-10.0.0.%u",
               chance(15) ? " !" : "", 1 + pick(3));
        else
            tx(t, " -m iprange --src-range 2001:db8::1-2001:db8::%u",
               1 + pick(3));
        break;
    case 8:
        if (*recent < 3 && chance(50)) {
            tx(t, " -m recent --set --name R%u", pick(2));
            ++*recent;
        } else {
            tx(t, " -m recent --rcheck --seconds %u --name R%u",
               1 + pick(5), pick(2));
        }
        break;
    case 9:
        tx(t, " -m pkttype --pkt-type %s",
           pick(2) ? "unicast" : "broadcast");
        break;
    case 10:
        tx(t, " -m length%s --length %u:%u", chance(15) ? " !" : "",
           pick(60), 60 + pick(100));
        break;
    case 11:
        tx(t, " -m hashlimit --hashlimit-upto %u/sec --hashlimit-burst "
              "%u --hashlimit-mode srcip --hashlimit-name H%u",
           1 + pick(3), 1 + pick(3), pick(2));
        break;
    default:
        if (g->family == 4)
            tx(t, " -m ttl --ttl-%s %u", pick(2) ? "gt" : "lt",
               30 + pick(60));
        else
            tx(t, " -m hl --hl-%s %u", pick(2) ? "gt" : "lt",
               30 + pick(60));
        break;
    }
}

/* A rule of chain `self` (-1 INPUT, -2 FORWARD, else U<self>). */
static void
gen_rule(struct txt *t, const struct gen *g, int self, int *recent)
{
    const char *cn = self == -1 ? "INPUT" : self == -2 ? "FORWARD" : NULL;
    if (cn)
        tx(t, "-A %s", cn);
    else
        tx(t, "-A U%d", self);
    int proto = 0;
    switch (pick(8)) {
    case 0:
    case 1:
    case 2:
        proto = 6;
        break;
    case 3:
    case 4:
        proto = 17;
        break;
    case 5:
        proto = g->family == 4 ? 1 : 0;
        break;
    case 6:
        if (chance(50))
            proto = -6;
        break;
    }
    if (proto > 0)
        tx(t, " -p %s", proto == 6 ? "tcp" : proto == 17 ? "udp" : "icmp");
    else if (proto < 0)
        tx(t, " ! -p tcp");
    if (chance(40))
        gen_addr(t, g, 's');
    if (chance(55))
        gen_addr(t, g, 'd');
    if (chance(10))
        tx(t, "%s -i %s", chance(30) ? " !" : "",
           pick(2) ? "eth+" : "lo");
    if (chance(5) && g->family == 4)
        tx(t, "%s -f", chance(30) ? " !" : "");
    unsigned nm = pick(4);
    for (unsigned i = 0; i < nm; i++)
        gen_match(t, g, proto, recent);
    /* The target: user chains only jump forward (no loops). */
    int first = self < 0 ? 0 : self + 1;
    bool can_jump = first < g->n_user;
    switch (pick(12)) {
    case 0:
    case 1:
        tx(t, " -j ACCEPT");
        break;
    case 2:
    case 3:
        tx(t, " -j DROP");
        break;
    case 4:
        tx(t, " -j RETURN");
        break;
    case 5:
    case 6:
        if (can_jump)
            tx(t, " -j U%d", first + (int)pick((unsigned)(g->n_user - first)));
        break;
    case 7:
        if (can_jump)
            tx(t, " -g U%d", first + (int)pick((unsigned)(g->n_user - first)));
        break;
    case 8:
        tx(t, " -j LOG --log-prefix \"L%u \"", pick(10));
        break;
    case 9:
        tx(t, " -j MARK --set-xmark 0x%x/0xff", pick(3));
        break;
    case 10:
        tx(t, " -j REJECT");
        break;
    default:
        break;    /* no target: count only */
    }
    tx(t, "\n");
}

/*
 * A firewall-like rule for deep trees: prefixes of every length nested
 * around the pool's addresses (a packet near one sits in several at
 * once: the classifier's wide subtrees), port lists, some header-only
 * rules (decided without their ports) and some inverted ones.
 */
static void
gen_fw_rule(struct txt *t, const struct gen *g, const char *chain)
{
    static const int len6[] = {16, 24, 28, 31, 32, 33, 40, 48, 64, 128};
    tx(t, "-A %s", chain);
    int proto = chance(10) ? 0 : chance(75) ? 6 : 17;
    if (proto)
        tx(t, " -p %s", proto == 6 ? "tcp" : "udp");
    for (int k = 0; k < 2; k++) {
        if (!chance(k ? 70 : 85))
            continue;
        if (chance(5))
            tx(t, " !");
        union ctfw_addr a;
        const char *s = g->family == 4 ? pool4[pick(NPOOL)]
                                       : pool6[pick(NPOOL)];
        assert_int_equal(inet_pton(g->family == 4 ? AF_INET : AF_INET6, s,
                                   a.b),
                         1);
        char buf[INET6_ADDRSTRLEN];
        if (g->family == 4) {
            a.b[3] ^= (uint8_t)pick(4);
            inet_ntop(AF_INET, a.b, buf, sizeof(buf));
            tx(t, " -%c %s/%u", k ? 'd' : 's', buf, 8 + pick(25));
        } else {
            a.b[15] ^= (uint8_t)pick(4);
            inet_ntop(AF_INET6, a.b, buf, sizeof(buf));
            tx(t, " -%c %s/%d", k ? 'd' : 's', buf, len6[pick(10)]);
        }
    }
    if (proto && chance(70)) {
        if (chance(50)) {
            tx(t, " -m multiport --%s ", chance(80) ? "dports" : "sports");
            gen_multi(t);
        } else {
            tx(t, " -m %s%s --dport ", proto == 6 ? "tcp" : "udp",
               chance(10) ? " !" : "");
            gen_portspec(t);
        }
    }
    switch (pick(10)) {
    case 0: case 1: case 2:
        tx(t, " -j ACCEPT");
        break;
    case 3: case 4: case 5:
        tx(t, " -j DROP");
        break;
    case 6:
        tx(t, " -j RETURN");
        break;
    case 7:
        tx(t, " -j REJECT");
        break;
    case 8:
        tx(t, " -j LOG --log-prefix \"F \"");
        break;
    default:
        break;
    }
    tx(t, "\n");
}

static void
gen_ruleset(struct txt *t, struct gen *g)
{
    t->n = 0;
    t->s[0] = '\0';
    g->family = chance(75) ? 4 : 6;
    g->n_user = (int)pick(5);
    int recent = 0;
    tx(t, "*filter\n:INPUT %s [0:0]\n:FORWARD %s [0:0]\n:OUTPUT ACCEPT [0:0]\n",
       pick(2) ? "ACCEPT" : "DROP", pick(2) ? "ACCEPT" : "DROP");
    for (int u = 0; u < g->n_user; u++)
        tx(t, ":U%d - [0:0]\n", u);
    /* Sometimes a long firewall-like block first, in INPUT or a user
     * chain. */
    if (chance(8)) {
        char cn[16] = "INPUT";
        if (g->n_user && chance(50))
            snprintf(cn, sizeof(cn), "U%u", pick((unsigned)g->n_user));
        unsigned n = 100 + pick(150);
        for (unsigned i = 0; i < n; i++)
            gen_fw_rule(t, g, cn);
    }
    /* Mostly short chains, sometimes long ones to give the classifier
     * deep trees. */
    unsigned big = chance(20) ? 60 : 14;
    for (int c = -2; c < g->n_user; c++) {
        unsigned n = pick(c < 0 ? big : big / 2 + 1);
        for (unsigned i = 0; i < n; i++)
            gen_rule(t, g, c, &recent);
    }
    tx(t, "COMMIT\n");
}

/* ------------------------------------------------------------------ */
/* Random packets.                                                     */

struct pkt {
    uint8_t buf[256];
    size_t len;
    struct ctfw_skb skb;
    char what[160];
};

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void
rand_addr(uint8_t *out, int family)
{
    union ctfw_addr a;
    const char *s = family == 4 ? pool4[pick(NPOOL)] : pool6[pick(NPOOL)];
    assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, s, a.b), 1);
    if (chance(40))
        a.b[family == 4 ? 3 : 15] ^= (uint8_t)(1u << pick(8));
    if (chance(15))
        a.b[family == 4 ? 1 : 4] ^= (uint8_t)(1u << pick(8));
    memcpy(out, a.b, family == 4 ? 4 : 16);
}

static void
gen_packet(struct pkt *k, int family, uint64_t now)
{
    uint8_t l4[80];
    memset(l4, 0, sizeof(l4));
    size_t n;
    unsigned proto;
    unsigned sp = chance(70) ? ports[pick(NPORTS)] : pick(65536);
    unsigned dp = chance(70) ? ports[pick(NPORTS)] : pick(65536);
    switch (pick(10)) {
    case 0: case 1: case 2: case 3: case 4:
        proto = 6;
        put16(l4, (uint16_t)sp);
        put16(l4 + 2, (uint16_t)dp);
        l4[12] = chance(20) ? 0x60 : 0x50;
        if (chance(3))
            l4[12] = 0x30;     /* a bad data offset */
        l4[13] = (uint8_t)(const uint8_t[]){0x02, 0x10, 0x12, 0x04, 0x11,
                                            0x18}[pick(6)];
        if (l4[12] == 0x60) {
            l4[20] = 2;
            l4[21] = 4;
            put16(l4 + 22, 1460);
        }
        n = 20 + (l4[12] == 0x60 ? 4 : 0) + pick(30);
        break;
    case 5: case 6: case 7:
        proto = 17;
        put16(l4, (uint16_t)sp);
        put16(l4 + 2, (uint16_t)dp);
        n = 8 + pick(40);
        put16(l4 + 4, (uint16_t)n);
        break;
    case 8:
        proto = family == 4 ? 1 : 58;
        l4[0] = pick(2) ? 8 : 0;
        n = 8 + pick(40);
        break;
    default:
        proto = pick(2) ? 47 : 132;
        put16(l4, (uint16_t)sp);
        put16(l4 + 2, (uint16_t)dp);
        n = 4 + pick(40);
        break;
    }
    if (chance(8))
        n = pick((unsigned)n);         /* truncated transport header */
    uint8_t *f = k->buf;
    memset(f, 0, 14);
    f[0] = 2;
    f[6] = 2;
    f[11] = 2;
    const char *fr = "";
    size_t ipl;
    if (family == 4) {
        put16(f + 12, 0x0800);
        uint8_t *ip = f + 14;
        memset(ip, 0, 20);
        ip[0] = 0x45;
        put16(ip + 2, (uint16_t)(20 + n));
        unsigned frag = 0;
        if (chance(4)) {
            frag = 1 + pick(3);     /* later fragment: 8, 16, 24 bytes */
            fr = " later-fragment";
        } else if (chance(4)) {
            frag = 0x2000;          /* first fragment, MF */
            fr = " first-fragment";
        }
        put16(ip + 6, (uint16_t)frag);
        ip[8] = (uint8_t)(1 + pick(128));
        ip[9] = (uint8_t)proto;
        rand_addr(ip + 12, 4);
        rand_addr(ip + 16, 4);
        ipl = 20;
    } else {
        put16(f + 12, 0x86dd);
        uint8_t *ip = f + 14;
        memset(ip, 0, 40);
        ip[0] = 0x60;
        put16(ip + 4, (uint16_t)n);
        ip[6] = (uint8_t)proto;
        ip[7] = (uint8_t)(1 + pick(128));
        rand_addr(ip + 8, 6);
        rand_addr(ip + 24, 6);
        ipl = 40;
    }
    memcpy(f + 14 + ipl, l4, n);
    k->len = 14 + ipl + n;
    memset(&k->skb, 0, sizeof(k->skb));
    /* A packet the decoder refuses is still evaluated as decoded so
     * far, which is what both evaluators see. */
    (void)ctfw_pkt_decode(&k->skb.pkt, CTFW_LINKTYPE_ETHERNET, k->buf,
                          (uint32_t)k->len, (uint32_t)k->len);
    ctfw_ct_ref_init(&k->skb.ct);
    static struct ctfw_ct_entry *const fake =
        (struct ctfw_ct_entry *)(uintptr_t)&rng;
    static const uint8_t infos[] = {CTFW_CT_NEW, CTFW_CT_ESTABLISHED,
                                    CTFW_CT_RELATED,
                                    CTFW_CT_ESTABLISHED_REPLY,
                                    CTFW_CT_INVALID, CTFW_CT_UNTRACKED};
    unsigned st = pick(6);
    k->skb.ct.info = infos[st];
    /* state_mt() only asks whether a conntrack is attached. */
    k->skb.ct.entry = st < 4 ? fake : NULL;
    bool fwd = chance(30);
    k->skb.hook = fwd ? CTFW_HOOK_FORWARD : CTFW_HOOK_LOCAL_IN;
    k->skb.in_name = (const char *const[]){"eth0", "eth1", "lo"}[pick(3)];
    k->skb.out_name = fwd ? "eth1" : "";
    k->skb.in_ifindex = 2;
    k->skb.mark = pick(3);
    k->skb.now_ns = now;
    snprintf(k->what, sizeof(k->what),
             "IPv%d proto %u %u->%u, %zu L4 bytes%s, ctinfo %u, mark %u, "
             "hook %s in %s, t=%llu ns",
             family, proto, sp, dp, n, fr, k->skb.ct.info, k->skb.mark,
             fwd ? "FORWARD" : "INPUT", k->skb.in_name,
             (unsigned long long)now);
}

/* ------------------------------------------------------------------ */
/* Running one case.                                                   */

struct rec {
    int n_log, n_rej;
    char log[4][512];
};

static struct rec rec;

static void
on_log(void *arg, const struct ctfw_skb *skb, int level, const char *line)
{
    (void)arg;
    (void)skb;
    (void)level;
    if (rec.n_log < 4)
        snprintf(rec.log[rec.n_log], sizeof(rec.log[0]), "%s", line);
    rec.n_log++;
}

static void
on_reject(void *arg, const struct ctfw_skb *skb, enum ctfw_reject_type ty)
{
    (void)arg;
    (void)skb;
    (void)ty;
    rec.n_rej++;
}

static struct ctfw_ruleset *
load(const char *text, int family, enum ctfw_rules_mode mode)
{
    struct ctfw_ruleset *rs = ctfw_rules_new(family);
    if (!rs)
        return NULL;
    struct ctfw_rules_parse_params pp = {.filename = "random.rules"};
    if (ctfw_rules_parse(rs, &pp, text, strlen(text))) {
        if (getenv("CTFW_CLS_DEBUG")) {
            for (size_t i = 0; i < ctfw_rules_diag_count(rs); i++) {
                char *d = ctfw_rules_diag_format(rs, i);
                fprintf(stderr, "%s", d ? d : "?\n");
                free(d);
            }
        }
        ctfw_rules_free(rs);
        return NULL;
    }
    ctfw_rules_set_mode(rs, mode);
    return rs;
}

static char *
saved(const struct ctfw_ruleset *rs)
{
    struct ctfw_rules_save_params sp = {.counters = true};
    char *out = NULL;
    size_t len;
    if (ctfw_rules_save(rs, &sp, &out, &len))
        return NULL;
    return out;
}

/* Runs the packets of seed `seed` through `text` in both modes. Returns
 * -1 when the ruleset does not load, 0 when both agree, else the
 * 1-based packet where they part (CLS_PACKETS + 1: the counters). */
static int
run_case(const char *text, int family, uint64_t pseed, char *why,
         size_t whylen, char *what, size_t whatlen)
{
    struct ctfw_ruleset *lin = load(text, family, CTFW_RULES_LINEAR);
    struct ctfw_ruleset *cmp = load(text, family, CTFW_RULES_COMPILED);
    if (!lin || !cmp) {
        ctfw_rules_free(lin);
        ctfw_rules_free(cmp);
        return -1;
    }
    struct ctfw_rules_env env = {.log = on_log, .reject = on_reject};
    int bad = 0;
    uint64_t now = 1000ull * 1000000000ull;
    uint64_t save_rng = rng;
    rng = pseed;
    for (int i = 0; i < CLS_PACKETS && !bad; i++) {
        now += pick(3) * 400000000ull;
        struct pkt a, b;
        gen_packet(&a, family, now);
        b = a;
        /* Point the decoded packet of b at its own copy of the bytes. */
        ptrdiff_t off = (const uint8_t *)a.skb.pkt.data - a.buf;
        b.skb.pkt.data = b.buf + off;
        struct ctfw_rules_verdict va, vb;
        struct rec ra, rb;
        memset(&rec, 0, sizeof(rec));
        int rca = ctfw_rules_eval(lin, CTFW_TABLE_FILTER, &a.skb, &env, &va);
        ra = rec;
        memset(&rec, 0, sizeof(rec));
        int rcb = ctfw_rules_eval(cmp, CTFW_TABLE_FILTER, &b.skb, &env, &vb);
        rb = rec;
        snprintf(what, whatlen, "%s", a.what);
        if (rca != rcb) {
            snprintf(why, whylen, "return %d vs %d", rca, rcb);
            bad = i + 1;
        } else if (rca == 0 &&
                   (va.accept != vb.accept || va.by != vb.by ||
                    va.rule != vb.rule ||
                    strcmp(va.chain ? va.chain : "",
                           vb.chain ? vb.chain : "") ||
                    strcmp(va.target ? va.target : "",
                           vb.target ? vb.target : ""))) {
            snprintf(why, whylen,
                     "linear: %s by %u %s rule %u %s; compiled: %s by %u %s "
                     "rule %u %s",
                     va.accept ? "accept" : "drop", va.by,
                     va.chain ? va.chain : "-", va.rule,
                     va.target ? va.target : "-",
                     vb.accept ? "accept" : "drop", vb.by,
                     vb.chain ? vb.chain : "-", vb.rule,
                     vb.target ? vb.target : "-");
            bad = i + 1;
        } else if (a.skb.mark != b.skb.mark || ra.n_log != rb.n_log ||
                   ra.n_rej != rb.n_rej) {
            snprintf(why, whylen,
                     "effects: mark %u/%u, %d/%d LOG lines, %d/%d REJECTs",
                     a.skb.mark, b.skb.mark, ra.n_log, rb.n_log, ra.n_rej,
                     rb.n_rej);
            bad = i + 1;
        } else {
            for (int l = 0; l < ra.n_log && l < 4; l++)
                if (strcmp(ra.log[l], rb.log[l])) {
                    snprintf(why, whylen, "LOG line %d differs", l + 1);
                    bad = i + 1;
                }
        }
    }
    if (!bad) {
        char *sa = saved(lin), *sb = saved(cmp);
        if (!sa || !sb || strcmp(sa, sb)) {
            snprintf(why, whylen, "counters differ:\n--- linear\n%s--- "
                                  "compiled\n%s",
                     sa ? sa : "?", sb ? sb : "?");
            bad = CLS_PACKETS + 1;
        }
        free(sa);
        free(sb);
    }
    rng = save_rng;
    ctfw_rules_free(lin);
    ctfw_rules_free(cmp);
    return bad;
}

/* Greedy shrinking: drop rule lines while the disagreement stays. */
static void
shrink(char *text, int family, uint64_t pseed)
{
    char why[8192], what[256];
    for (bool again = true; again;) {
        again = false;
        for (char *l = text; *l;) {
            char *e = strchr(l, '\n');
            size_t len = e ? (size_t)(e - l) + 1 : strlen(l);
            if (strncmp(l, "-A ", 3)) {
                l += len;
                continue;
            }
            char save[2048];
            if (len >= sizeof(save)) {
                l += len;
                continue;
            }
            memcpy(save, l, len);
            memmove(l, l + len, strlen(l + len) + 1);
            if (run_case(text, family, pseed, why, sizeof(why), what,
                         sizeof(what)) > 0) {
                again = true;
                continue;
            }
            memmove(l + len, l, strlen(l) + 1);
            memcpy(l, save, len);
            l += len;
        }
    }
}

static void
differential(void **state)
{
    (void)state;
    unsigned cases = CLS_CASES;
    const char *env = getenv("CTFW_CLS_CASES");
    if (env)
        cases = (unsigned)strtoul(env, NULL, 0);
    uint32_t one = 0;
    bool single = false;
    env = getenv("CTFW_CLS_SEED");
    if (env) {
        one = (uint32_t)strtoul(env, NULL, 0);
        single = true;
        cases = 1;
    }
    static struct txt t;
    unsigned loaded = 0, refused = 0;
    for (unsigned i = 0; i < cases; i++) {
        uint32_t seed = single ? one : CLS_SEED0 + i;
        rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)seed << 17 | seed);
        struct gen g;
        gen_ruleset(&t, &g);
        uint64_t pseed = rng ^ 0x2545f4914f6cdd1dull;
        char why[8192], what[256];
        int bad = run_case(t.s, g.family, pseed, why, sizeof(why), what,
                           sizeof(what));
        if (bad < 0) {
            refused++;
            continue;
        }
        loaded++;
        if (bad) {
            fprintf(stderr,
                    "classifier differs from the linear walk: seed 0x%x "
                    "(CTFW_CLS_SEED=0x%x), %s %d: %s\n",
                    seed, seed,
                    bad > CLS_PACKETS ? "after packets" : "packet",
                    bad > CLS_PACKETS ? CLS_PACKETS : bad, why);
            shrink(t.s, g.family, pseed);
            bad = run_case(t.s, g.family, pseed, why, sizeof(why), what,
                           sizeof(what));
            fprintf(stderr, "minimal ruleset (IPv%d):\n%spacket %d: %s\n"
                            "%s\n",
                    g.family, t.s, bad, what, why);
            fail();
        }
    }
    fprintf(stderr, "# %u random rulesets agree (%u drawn ones refused by "
                    "the loader)\n", loaded, refused);
    /* The generator must produce loadable rulesets nearly always, else
     * the test proves little. */
    assert_true(loaded >= cases - cases / 20);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
