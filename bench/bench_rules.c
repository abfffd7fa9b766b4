// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/bench_rules: the rule-count sweep (issue 9, benchmark 5).
 *
 *   bench_rules [RUNS] [COUNTS] [SHAPE]
 *
 * COUNTS is a comma list of rule counts (default 10,100,1000,10000);
 * SHAPE kube or firewall runs only that shape (for profiling). For
 * each count N and each of two ruleset shapes, filter INPUT jumps to one
 * chain of N rules:
 *
 *   kube      kube-proxy-like: one rule per service address and port,
 *             "-d 10.96.X.Y/32 -p tcp -m comment --comment ... -m tcp
 *             --dport P -j REJECT" (what kube-proxy writes to the filter
 *             table for services without endpoints), two ports per
 *             address;
 *   firewall  firewall-like: source and destination prefixes (/16 to
 *             /28) with port lists (-m multiport --dports 22,80,443,
 *             8000:8100 and the like) -j ACCEPT, one rule in 50 an
 *             address-wide one (-p udp --dport 53).
 *
 * Packets are NEW TCP SYNs (and, for the firewall, a few UDP) decoded
 * once into memory, 4,096 of them, evaluated over and over with
 * ctfw_rules_eval() on filter INPUT; two streams:
 *
 *   miss      no rule matches: every packet traverses the whole chain
 *             and leaves by the policy (the linear walk's worst case);
 *   hit       each packet matches one rule drawn at random.
 *
 * For each: packets per second of CPU time with the linear evaluator
 * and with the compiled classifier (auto mode), medians of RUNS runs of
 * about 0.15 s each (the passes over the packets counted from a first
 * untimed one); and the time
 * the classifier took to build (first evaluation). Every verdict of the
 * two modes is compared over the first pass (they must agree; the
 * benchmark stops otherwise).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctfw/bytes.h"
#include "ctfw/ct.h"
#include "ctfw/eval.h"
#include "ctfw/pkt.h"
#include "ctfw/rules.h"
#include "ctfw/skb.h"
#include "bench_util.h"

#define NPKT 4096

/* CPU time of this thread: the time other processes take from the
 * shared cores while a run lasts is not counted (they still share the
 * caches). */
static double
cpu_s(void)
{
    return bench_clock_s(CLOCK_THREAD_CPUTIME_ID);
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static uint64_t rng = 88172645463325252ull;

static uint32_t
rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

/* ------------------------------------------------------------------ */
/* Rulesets.                                                           */

struct text {
    char *s;
    size_t n, cap;
};

static void
put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
        va_end(ap);
        if (k >= 0 && (size_t)k < t->cap - t->n) {
            t->n += (size_t)k;
            return;
        }
        t->cap = t->cap ? t->cap * 2 : 1 << 16;
        t->s = realloc(t->s, t->cap);
        if (!t->s) {
            fprintf(stderr, "bench_rules: out of memory\n");
            exit(1);
        }
    }
}

/* Service i of the kube shape: address and port. */
static void
kube_service(unsigned i, uint32_t *addr, uint16_t *port)
{
    unsigned a = i / 2;
    *addr = 0x0a600000u | ((a / 250u) << 8) | (a % 250u + 1u);
    *port = i % 2 ? 443 : 80;
}

/* Firewall rule i: source /prefix, destination /prefix, ports. */
struct fwrule {
    uint32_t src, dst;
    int slen, dlen;
    bool udp53;
    unsigned ports;   /* index in fw_ports */
};

static const char *const fw_ports[] = {"22,80,443", "8000:8100",
                                       "25,110,143,993,995", "3306,5432",
                                       "80,8080:8090,9000"};
static const uint16_t fw_port1[] = {443, 8050, 993, 5432, 9000};

static void
fw_rule(unsigned i, struct fwrule *r)
{
    memset(r, 0, sizeof(*r));
    if (i % 50 == 49) {
        r->udp53 = true;
        return;
    }
    static const int lens[] = {16, 20, 24, 28};
    r->slen = lens[i % 4];
    r->dlen = lens[(i / 4) % 4];
    /* Distinct source blocks of 10.0.0.0/8 and destination blocks of
     * 172.16.0.0/12, disjoint from one rule to the next. */
    r->src = 0x0a000000u + (i << 8);
    r->src &= r->slen ? ~0u << (32 - r->slen) : 0;
    r->dst = 0xac100000u + ((i * 7u) % 4096u << 8);
    r->dst &= ~0u << (32 - r->dlen);
    r->ports = i % 5;
}

static void
ip4(char *buf, size_t n, uint32_t a)
{
    snprintf(buf, n, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
             a & 255);
}

static char *
ruleset(const char *shape, unsigned n)
{
    struct text t = {0};
    put(&t, "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
            ":OUTPUT ACCEPT [0:0]\n:CHAIN - [0:0]\n-A INPUT -j CHAIN\n");
    char a[32], b[32];
    for (unsigned i = 0; i < n; i++) {
        if (!strcmp(shape, "kube")) {
            uint32_t addr;
            uint16_t port;
            kube_service(i, &addr, &port);
            ip4(a, sizeof(a), addr);
            put(&t, "-A CHAIN -d %s/32 -p tcp -m comment --comment "
                    "\"default/svc-%u:%s has no endpoints\" -m tcp --dport "
                    "%u -j REJECT --reject-with icmp-port-unreachable\n",
                a, i / 2, port == 80 ? "http" : "https", port);
        } else {
            struct fwrule r;
            fw_rule(i, &r);
            if (r.udp53) {
                put(&t, "-A CHAIN -p udp -m udp --dport 53 -j ACCEPT\n");
                continue;
            }
            ip4(a, sizeof(a), r.src);
            ip4(b, sizeof(b), r.dst);
            put(&t, "-A CHAIN -s %s/%d -d %s/%d -p tcp -m multiport "
                    "--dports %s -j ACCEPT\n",
                a, r.slen, b, r.dlen, fw_ports[r.ports]);
        }
    }
    put(&t, "COMMIT\n");
    return t.s;
}

/* ------------------------------------------------------------------ */
/* Packets.                                                            */

struct pk {
    uint8_t buf[64];
    struct ctfw_skb skb;
};

static void
mk(struct pk *k, uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport,
   uint16_t dport)
{
    uint8_t *ip = k->buf;
    memset(ip, 0, sizeof(k->buf));
    size_t l4 = proto == 6 ? 20 : 8;
    ip[0] = 0x45;
    ctfw_put16(ip + 2, (uint16_t)(20 + l4));
    ip[8] = 64;
    ip[9] = proto;
    ctfw_put32(ip + 12, src);
    ctfw_put32(ip + 16, dst);
    ctfw_put16(ip + 20, sport);
    ctfw_put16(ip + 22, dport);
    if (proto == 6) {
        ip[32] = 0x50;
        ip[33] = 0x02;   /* SYN */
    } else {
        ctfw_put16(ip + 24, 8);
    }
    memset(&k->skb, 0, sizeof(k->skb));
    if (ctfw_pkt_decode(&k->skb.pkt, CTFW_LINKTYPE_RAW, k->buf,
                        (uint32_t)(20 + l4), (uint32_t)(20 + l4))) {
        fprintf(stderr, "bench_rules: a packet does not decode\n");
        exit(1);
    }
    ctfw_ct_ref_init(&k->skb.ct);
    k->skb.hook = CTFW_HOOK_LOCAL_IN;
    k->skb.in_name = "eth0";
    k->skb.out_name = "";
    k->skb.in_ifindex = 2;
}

static void
packets(struct pk *pk, const char *shape, unsigned n, bool hit)
{
    for (unsigned j = 0; j < NPKT; j++) {
        uint16_t sport = (uint16_t)(32768 + rnd() % 28000);
        unsigned i = rnd() % n;
        if (!strcmp(shape, "kube")) {
            uint32_t addr;
            uint16_t port;
            kube_service(i, &addr, &port);
            if (!hit)   /* a service address, a port no rule lists */
                port = 8443;
            mk(&pk[j], 6, 0x0a000000u | (rnd() & 0xffffff), addr, sport,
               port);
        } else {
            struct fwrule r;
            fw_rule(i, &r);
            if (r.udp53) {
                if (hit) {
                    mk(&pk[j], 17, 0x0a000000u | (rnd() & 0xffffff),
                       0x08080808u, sport, 53);
                    continue;
                }
                fw_rule(i ? i - 1 : 0, &r);
            }
            uint32_t src = r.src | (rnd() & ~(~0u << (32 - r.slen)));
            uint32_t dst = r.dst | (rnd() & ~(~0u << (32 - r.dlen)));
            /* A miss: the rule's addresses, a port none of its lists
             * has. */
            mk(&pk[j], 6, src, dst, sport, hit ? fw_port1[r.ports] : 7);
        }
    }
}

/* ------------------------------------------------------------------ */

static void
no_reject(void *arg, const struct ctfw_skb *skb, enum ctfw_reject_type t)
{
    (void)arg;
    (void)skb;
    (void)t;
}

static struct ctfw_ruleset *
load(const char *text, enum ctfw_rules_mode mode)
{
    struct ctfw_ruleset *rs = ctfw_rules_new(CTFW_RULES_IPV4);
    struct ctfw_rules_parse_params pp = {.filename = "bench.rules"};
    if (!rs || ctfw_rules_parse(rs, &pp, text, strlen(text))) {
        fprintf(stderr, "bench_rules: the generated ruleset does not load\n");
        exit(1);
    }
    ctfw_rules_set_mode(rs, mode);
    return rs;
}

/* Packets per second over `iters` passes, and the verdict checksum. */
static double
rate(struct ctfw_ruleset *rs, struct pk *pk, unsigned iters, uint64_t *sum)
{
    struct ctfw_rules_env env = {.reject = no_reject};
    struct ctfw_rules_verdict v;
    uint64_t s = 0;
    double t0 = cpu_s();
    for (unsigned it = 0; it < iters; it++)
        for (unsigned j = 0; j < NPKT; j++) {
            ctfw_rules_eval(rs, CTFW_TABLE_FILTER, &pk[j].skb, &env, &v);
            s = s * 31 + v.rule * 2 + v.accept;
        }
    double t = cpu_s() - t0;
    *sum = s;
    return (double)iters * NPKT / t;
}

/* Passes over the packets for a run of about RUN_S at `pps`. */
#define RUN_S 0.15
static unsigned
passes(double pps)
{
    double n = pps * RUN_S / NPKT;
    return n < 1 ? 1 : n > 1e6 ? 1000000 : (unsigned)n;
}

/*
 * BENCH_RULES_PAIRED=1: the target's ratio measured so that a load
 * that changes from one second to the next moves both sides alike:
 * the first and the last count of COUNTS loaded side by side (auto
 * mode), and RUNS pairs of short runs (about 50 ms each) alternating
 * the two; printed: the median rate of each and the median of the
 * per-pair ratios, with its spread (lowest and highest pair).
 */
static int
paired(int runs, unsigned small, unsigned big, const char *only,
       const char *stream)
{
    static struct pk ps[NPKT], pb[NPKT];
    double *rs_ = calloc((size_t)runs, sizeof(double));
    double *rb = calloc((size_t)runs, sizeof(double));
    double *q = calloc((size_t)runs, sizeof(double));
    printf("%-9s %-5s %12s %12s %8s %15s\n", "shape", "pkts", "small pps",
           "big pps", "big/small", "(lowest-highest)");
    for (int s = 0; s < 2; s++) {
        const char *shape = s ? "firewall" : "kube";
        if (only && strcmp(only, shape))
            continue;
        char *ts = ruleset(shape, small), *tb = ruleset(shape, big);
        struct ctfw_ruleset *a = load(ts, CTFW_RULES_AUTO);
        struct ctfw_ruleset *b = load(tb, CTFW_RULES_AUTO);
        for (int h = 0; h < 2; h++) {
            if (stream && strcmp(stream, h ? "hit" : "miss"))
                continue;
            packets(ps, shape, small, h);
            packets(pb, shape, big, h);
            uint64_t c;
            rate(a, ps, 1, &c);
            rate(b, pb, 1, &c);
            unsigned ia = passes(rate(a, ps, 1, &c)) / 3 + 1;
            unsigned ib = passes(rate(b, pb, 1, &c)) / 3 + 1;
            for (int r = 0; r < runs; r++) {
                rs_[r] = rate(a, ps, ia, &c);
                rb[r] = rate(b, pb, ib, &c);
                q[r] = rb[r] / rs_[r];
            }
            qsort(rs_, (size_t)runs, sizeof(double), cmp_double);
            qsort(rb, (size_t)runs, sizeof(double), cmp_double);
            qsort(q, (size_t)runs, sizeof(double), cmp_double);
            printf("%-9s %-5s %12.0f %12.0f %7.0f%% %7.0f-%.0f%%\n", shape,
                   h ? "hit" : "miss", rs_[runs / 2], rb[runs / 2],
                   q[runs / 2] * 100, q[0] * 100, q[runs - 1] * 100);
            fflush(stdout);
        }
        ctfw_rules_free(a);
        ctfw_rules_free(b);
        free(ts);
        free(tb);
    }
    free(rs_);
    free(rb);
    free(q);
    return 0;
}

int
main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    const char *counts = argc > 2 ? argv[2] : "10,100,1000,10000";
    const char *only = argc > 3 ? argv[3] : NULL;
    /* BENCH_RULES_PROFILE=1: only the compiled path, 20 times longer
     * (for perf record or callgrind); the linear column then reads
     * 0. */
    bool prof = getenv("BENCH_RULES_PROFILE") != NULL;
    /* BENCH_RULES_PASSES=N: N passes over the packets per run instead
     * of about RUN_S (the same work in every build: for callgrind). */
    const char *fp = getenv("BENCH_RULES_PASSES");
    unsigned fixed = fp ? (unsigned)strtoul(fp, NULL, 10) : 0;
    /* BENCH_RULES_STREAM=miss or hit: only that stream. */
    const char *stream = getenv("BENCH_RULES_STREAM");
    if (runs < 1)
        runs = 1;
    if (getenv("BENCH_RULES_PAIRED")) {
        const char *last = strrchr(counts, ',');
        unsigned small = (unsigned)strtoul(counts, NULL, 10);
        unsigned big = (unsigned)strtoul(last ? last + 1 : counts, NULL, 10);
        if (!small || !big)
            return 2;
        return paired(runs, small, big, only, stream);
    }
    static struct pk pk[NPKT];
    double *rl = calloc((size_t)runs, sizeof(double));
    double *rc = calloc((size_t)runs, sizeof(double));
    printf("%-9s %6s %-5s %12s %12s %8s %10s\n", "shape", "rules", "pkts",
           "linear pps", "compiled pps", "speedup", "build ms");
    for (int s = 0; s < 2; s++) {
        const char *shape = s ? "firewall" : "kube";
        if (only && strcmp(only, shape))
            continue;
        char *list = strdup(counts);
        for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
            unsigned n = (unsigned)strtoul(tok, NULL, 10);
            if (!n)
                continue;
            char *text = ruleset(shape, n);
            struct ctfw_ruleset *lin = load(text, CTFW_RULES_LINEAR);
            struct ctfw_ruleset *cmp = load(text, CTFW_RULES_AUTO);
            for (int h = 0; h < 2; h++) {
                if (stream && strcmp(stream, h ? "hit" : "miss"))
                    continue;
                packets(pk, shape, n, h);
                uint64_t c1, c2;
                double b0 = cpu_s();
                rate(cmp, pk, 1, &c2);   /* builds the classifier */
                double build = h ? 0 : (cpu_s() - b0) * 1e3;
                /* Each run lasts about RUN_S, whatever its rate: the
                 * passes are counted from a first, untimed one. */
                unsigned ic = passes(rate(cmp, pk, 1, &c2));
                unsigned il = prof ? 0 : passes(rate(lin, pk, 1, &c1));
                if (!prof && c1 != c2) {
                    fprintf(stderr, "bench_rules: %s %u: the modes "
                                    "disagree\n", shape, n);
                    return 1;
                }
                if (fixed)
                    ic = fixed;
                for (int r = 0; r < runs; r++) {
                    rc[r] = rate(cmp, pk, prof && !fixed ? ic * 20 : ic,
                                 &c2);
                    if (!prof)
                        rl[r] = rate(lin, pk, il, &c1);
                }
                qsort(rl, (size_t)runs, sizeof(double), cmp_double);
                qsort(rc, (size_t)runs, sizeof(double), cmp_double);
                double ml = rl[runs / 2], mc = rc[runs / 2];
                char bs[32] = "";
                if (!h)
                    snprintf(bs, sizeof(bs), "%.1f", build);
                printf("%-9s %6u %-5s %12.0f %12.0f %7.1fx %10s\n", shape,
                       n, h ? "hit" : "miss", ml, mc, mc / ml, bs);
                fflush(stdout);
            }
            ctfw_rules_free(lin);
            ctfw_rules_free(cmp);
            free(text);
        }
        free(list);
    }
    free(rl);
    free(rc);
    return 0;
}
