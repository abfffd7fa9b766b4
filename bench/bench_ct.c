// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/bench_ct: connection tracking costs (issue 4 / issue 9).
 *
 *   bench_ct [RUNS] [SIZES]
 *
 * SIZES is a comma list of table sizes (default 10000,100000,1000000,
 * 3000000). For each size N, on one core, median of RUNS runs:
 *
 *   insert   ns per new connection (ctfw_ct_in + ctfw_ct_confirm of a
 *            SYN) while the table grows from N - N/10 to N entries;
 *   lookup   ns per packet of an established connection picked at random
 *            among the N (ctfw_ct_in: lookup + TCP state and window
 *            update), a cold-cache workload;
 *   lookup b16  the same lookups in bursts of 16: each packet hashed
 *            and its bucket head prefetched (ctfw_ct_prefetch()), then
 *            the first entry of each chain prefetched, then the second
 *            where the first is not the packet's
 *            (ctfw_ct_prefetch_next(); BENCH_CT_NEXT=0 leaves it out),
 *            then ctfw_ct_in_hint() on each with its hint (DPDK's burst
 *            idea; issue 9);
 *   memory   resident bytes per entry: the RSS growth from before the
 *            table is created (its bucket array included) to N entries,
 *            divided by N; "THP MiB" is how much of the process's memory
 *            is in transparent huge pages at that point.
 * and once:
 *   hot      packets per second of one established flow (lookup + update
 *            with the entry in cache), the OVS comparison point.
 *
 * Settings: nf_conntrack_max = 2 N, buckets = N (a server tuned with
 * hashsize = max / 2), checksum verification off (packets are built as
 * decoded structs; the checksum has its own cost in the decoder bench).
 * Time advances 1 us per packet, so nothing expires during a run.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctfw/ct.h"
#include "ctfw/pkt.h"
#include "bench_util.h"

static long
rss_bytes(void)
{
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * sysconf(_SC_PAGESIZE);
}

/* Anonymous memory backed by transparent huge pages, bytes. */
static long
thp_bytes(void)
{
    long kb = 0;
    char line[256];
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb * 1024;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A TCP/IPv4 packet as the decoder would leave it: only the fields the
 * tracker reads. */
static void
mk_pkt(struct ctfw_pkt *p, uint32_t src, uint32_t dst, uint16_t sport,
       uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack)
{
    memset(p, 0, sizeof(*p));
    p->family = 4;
    p->proto = 6;
    p->has = CTFW_PKT_HAS_IP | CTFW_PKT_HAS_L4 | CTFW_PKT_HAS_TCPOPT;
    p->ttl = 64;
    p->ip_hlen = 20;
    p->ip_len = 40;
    p->l3_off = 0;
    p->l4_off = 20;
    p->payload_off = 40;
    p->caplen = p->wirelen = 40;
    p->src.w[0] = __builtin_bswap32(src);
    p->dst.w[0] = __builtin_bswap32(dst);
    p->sport = sport;
    p->dport = dport;
    p->tcp_flags = flags;
    p->tcp_seq = seq;
    p->tcp_ack = ack;
    p->tcp_win = 64240;
    p->tcp_doff = 20;
    p->l4_len = 20;
    p->tcp_opts.wscale = -1;
}

/* Flow i: a distinct client address and port towards one server. */
static void
flow_addr(uint32_t i, uint32_t *src, uint16_t *sport)
{
    /* 28,000 ports per address (Linux's ip_local_port_range), then the
     * next address of 10.0.0.0/8. */
    *src = 0x0a000001u + i / 28000u;
    *sport = (uint16_t)(32768 + i % 28000u);
}

#define SERVER 0xc0a80001u   /* 192.168.0.1 */

static struct ctfw_ct *
new_table(uint32_t n)
{
    struct ctfw_ct_config cfg;
    ctfw_ct_config_default(&cfg, 0);
    cfg.max = 2 * n;
    cfg.buckets = n;
    cfg.checksum = false;
    struct ctfw_ct_params p = {.config = &cfg, .seed = 42, .start_ns = 0};
    struct ctfw_ct *ct;
    if (ctfw_ct_new(&p, &ct) < 0) {
        fprintf(stderr, "bench_ct: cannot create a table of %u\n", n);
        exit(1);
    }
    return ct;
}

/* Open flow i with a full handshake (SYN, SYN-ACK, ACK). */
static int
open_flow(struct ctfw_ct *ct, uint32_t i, uint64_t *t)
{
    uint32_t src;
    uint16_t sport;
    flow_addr(i, &src, &sport);
    struct ctfw_pkt p;
    struct ctfw_ct_ref ref;
    static const uint8_t flags[3] = {CTFW_TCP_SYN,
                                     CTFW_TCP_SYN | CTFW_TCP_ACK,
                                     CTFW_TCP_ACK};
    for (int k = 0; k < 3; k++) {
        if (k == 1)
            mk_pkt(&p, SERVER, src, 80, sport, flags[k], 5000, 1001);
        else
            mk_pkt(&p, src, SERVER, sport, 80, flags[k], k ? 1001 : 1000,
                   k ? 5001 : 0);
        ctfw_ct_ref_init(&ref);
        *t += 1000;
        if (ctfw_ct_in(ct, &p, *t, CTFW_CT_HOOK_PRE_ROUTING, &ref) !=
            CTFW_CT_ACCEPT)
            return -1;
        if (ctfw_ct_confirm(ct, &ref, *t) != CTFW_CT_ACCEPT)
            return -1;
    }
    return 0;
}

struct result {
    double insert_ns, lookup_ns, bytes_per_entry, batch_ns, thp_mib;
};

/* Lookups in bursts of BATCH (ctfw_ct_prefetch(), then
 * ctfw_ct_prefetch_entry(), then ctfw_ct_in_hint() on each). */
#define BATCH 16

static void
run_size(uint32_t n, struct result *r)
{
    /* RSS before the table exists: the bucket array counts too. */
    long rss0 = rss_bytes();
    struct ctfw_ct *ct = new_table(n);
    uint64_t t = 1000000000ull;
    uint32_t warm = n - n / 10;
    for (uint32_t i = 0; i < warm; i++)
        if (open_flow(ct, i, &t) < 0) {
            fprintf(stderr, "bench_ct: flow %u refused\n", i);
            exit(1);
        }
    /* Insert: SYN + confirm for the last tenth. */
    struct ctfw_pkt p;
    struct ctfw_ct_ref ref;
    double t0 = now_s();
    for (uint32_t i = warm; i < n; i++) {
        uint32_t src;
        uint16_t sport;
        flow_addr(i, &src, &sport);
        mk_pkt(&p, src, SERVER, sport, 80, CTFW_TCP_SYN, 1000, 0);
        ctfw_ct_ref_init(&ref);
        t += 1000;
        ctfw_ct_in(ct, &p, t, CTFW_CT_HOOK_PRE_ROUTING, &ref);
        ctfw_ct_confirm(ct, &ref, t);
    }
    r->insert_ns = (now_s() - t0) * 1e9 / (double)(n - warm);
    long rss1 = rss_bytes();
    r->bytes_per_entry = (double)(rss1 - rss0) / (double)n;
    r->thp_mib = (double)thp_bytes() / (1 << 20);

    /* Lookup: ACKs of random established flows. */
    uint64_t x = 88172645463325252ull;
    uint32_t ops = n < 2000000 ? 2000000 : n;
    t0 = now_s();
    for (uint32_t k = 0; k < ops; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint32_t i = (uint32_t)(x % warm);
        uint32_t src;
        uint16_t sport;
        flow_addr(i, &src, &sport);
        mk_pkt(&p, src, SERVER, sport, 80, CTFW_TCP_ACK, 1001, 5001);
        ctfw_ct_ref_init(&ref);
        t += 1000;
        ctfw_ct_in(ct, &p, t, CTFW_CT_HOOK_PRE_ROUTING, &ref);
        ctfw_ct_confirm(ct, &ref, t);
    }
    r->lookup_ns = (now_s() - t0) * 1e9 / (double)ops;

    /* The same, batched with prefetch. */
    static struct ctfw_pkt bp[BATCH];
    struct ctfw_ct_hint bk[BATCH];
    /* BENCH_CT_NEXT=0: without the third pass (ctfw_ct_prefetch_next). */
    const char *nx = getenv("BENCH_CT_NEXT");
    bool third = !nx || strcmp(nx, "0") != 0;
    t0 = now_s();
    for (uint32_t k = 0; k < ops; k += BATCH) {
        for (int j = 0; j < BATCH; j++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            uint32_t i = (uint32_t)(x % warm);
            uint32_t src;
            uint16_t sport;
            flow_addr(i, &src, &sport);
            mk_pkt(&bp[j], src, SERVER, sport, 80, CTFW_TCP_ACK, 1001, 5001);
            ctfw_ct_prefetch(ct, &bp[j], 0, &bk[j]);
        }
        for (int j = 0; j < BATCH; j++)
            ctfw_ct_prefetch_entry(ct, &bk[j]);
        if (third)
            for (int j = 0; j < BATCH; j++)
                ctfw_ct_prefetch_next(ct, &bk[j]);
        for (int j = 0; j < BATCH; j++) {
            ctfw_ct_ref_init(&ref);
            t += 1000;
            ctfw_ct_in_hint(ct, &bp[j], t, CTFW_CT_HOOK_PRE_ROUTING, &ref,
                            &bk[j]);
            ctfw_ct_confirm(ct, &ref, t);
        }
    }
    r->batch_ns = (now_s() - t0) * 1e9 / (double)(ops / BATCH * BATCH);
    ctfw_ct_free(ct);
}

static double
run_hot(uint32_t ops)
{
    struct ctfw_ct *ct = new_table(1024);
    uint64_t t = 1000000000ull;
    open_flow(ct, 0, &t);
    uint32_t src;
    uint16_t sport;
    flow_addr(0, &src, &sport);
    struct ctfw_pkt p;
    struct ctfw_ct_ref ref;
    mk_pkt(&p, src, SERVER, sport, 80, CTFW_TCP_ACK, 1001, 5001);
    double t0 = now_s();
    for (uint32_t k = 0; k < ops; k++) {
        ctfw_ct_ref_init(&ref);
        t += 50;
        ctfw_ct_in(ct, &p, t, CTFW_CT_HOOK_PRE_ROUTING, &ref);
        ctfw_ct_confirm(ct, &ref, t);
    }
    double pps = ops / (now_s() - t0);
    ctfw_ct_free(ct);
    return pps;
}

int
main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 3;
    const char *sizes = argc > 2 ? argv[2] : "10000,100000,1000000,3000000";
    if (runs < 1)
        runs = 1;
    printf("entry size: %zu bytes (ctfw_ct_entry_size)\n",
           ctfw_ct_entry_size());
    /* BENCH_CT_HOT=N: N packets of the hot flow instead of 20 M, 0 to
     * skip it (instruction counts under callgrind: bench/README.md). */
    const char *hot_env = getenv("BENCH_CT_HOT");
    uint32_t hot_ops = hot_env ? (uint32_t)strtoul(hot_env, NULL, 10)
                               : 20000000u;
    if (hot_ops) {
        double hot[32];
        for (int r = 0; r < runs && r < 32; r++)
            hot[r] = run_hot(hot_ops);
        qsort(hot, (size_t)(runs < 32 ? runs : 32), sizeof(double),
              cmp_double);
        printf("hot established flow: %.1f Mpps (median of %d)\n",
               hot[runs / 2] / 1e6, runs);
    }
    printf("%10s %12s %12s %16s %14s %10s\n", "entries", "insert ns",
           "lookup ns", "lookup b16 ns", "bytes/entry", "THP MiB");
    char *list = strdup(sizes);
    for (char *s = strtok(list, ","); s; s = strtok(NULL, ",")) {
        uint32_t n = (uint32_t)strtoul(s, NULL, 10);
        if (n < 100)
            continue;
        double ins[32], look[32], mem[32], bat[32], thp = 0;
        for (int r = 0; r < runs && r < 32; r++) {
            struct result res;
            run_size(n, &res);
            ins[r] = res.insert_ns;
            look[r] = res.lookup_ns;
            mem[r] = res.bytes_per_entry;
            bat[r] = res.batch_ns;
            thp = res.thp_mib;
        }
        int m = runs < 32 ? runs : 32;
        qsort(ins, (size_t)m, sizeof(double), cmp_double);
        qsort(look, (size_t)m, sizeof(double), cmp_double);
        qsort(mem, (size_t)m, sizeof(double), cmp_double);
        qsort(bat, (size_t)m, sizeof(double), cmp_double);
        printf("%10u %12.1f %12.1f %16.1f %14.1f %10.0f\n", n, ins[m / 2],
               look[m / 2], bat[m / 2], mem[m / 2], thp);
    }
    free(list);
    return 0;
}
