// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/bench_decode: decoder throughput.
 *
 *   bench_decode FILE [RUNS]
 *
 * Three measures over the same capture, each the median of RUNS runs
 * (default 7), on one core:
 *   bare        a bare libpcap read loop (pcap_next_ex, nothing else):
 *               the floor any pcap-based tool pays;
 *   read+decode ctfw's capture reader (io/capture.c) + ctfw_pkt_decode(),
 *               i.e. what `ctfw decode -q` and replay pay to get packets;
 *   decode      ctfw_pkt_decode() alone over packets already in memory.
 * The ratio read+decode / bare is the figure issue 2 sets (target <= 1.3).
 * The page cache is warmed by a first untimed read.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctfw/pkt.h"
#include "io/capture.h"
#include "bench_util.h"

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static volatile uint64_t sink;

static uint64_t
run_bare(const char *path)
{
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline_with_tstamp_precision(
        path, PCAP_TSTAMP_PRECISION_NANO, eb);
    if (!pc) {
        fprintf(stderr, "%s\n", eb);
        exit(1);
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t n = 0, acc = 0;
    while (pcap_next_ex(pc, &h, &d) == 1) {
        acc += h->caplen;
        n++;
    }
    sink += acc;
    pcap_close(pc);
    return n;
}

static uint64_t
run_read_decode(const char *path)
{
    char err[256];
    const char *paths[1] = {path};
    struct ctfw_capture *cap = ctfw_capture_open(paths, 1, NULL, err,
                                                 sizeof(err));
    if (!cap) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    struct ctfw_capture_pkt cp;
    struct ctfw_pkt pkt;
    uint64_t n = 0, acc = 0;
    while (ctfw_capture_next(cap, &cp, err, sizeof(err)) == 1) {
        ctfw_pkt_decode(&pkt, cp.linktype, cp.data, cp.caplen, cp.wirelen);
        acc += pkt.dport + pkt.events;
        n++;
    }
    sink += acc;
    ctfw_capture_close(cap);
    return n;
}

struct mem_pkt {
    uint32_t off, caplen, wirelen;
};

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_decode FILE [RUNS]\n");
        return 2;
    }
    const char *path = argv[1];
    int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 7;
    if (runs < 1)
        runs = 1;

    /* Load the packets into memory for the decode-only measure; this
     * also warms the page cache for the read measures. */
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, eb);
    if (!pc) {
        fprintf(stderr, "%s\n", eb);
        return 1;
    }
    int linktype = pcap_datalink(pc);
    size_t cap = 1 << 20, used = 0, np = 0, npcap = 1 << 16;
    uint8_t *buf = malloc(cap);
    struct mem_pkt *mp = malloc(npcap * sizeof(*mp));
    struct pcap_pkthdr *h;
    const u_char *d;
    while (pcap_next_ex(pc, &h, &d) == 1) {
        if (used + h->caplen > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        if (np == npcap) {
            npcap *= 2;
            mp = realloc(mp, npcap * sizeof(*mp));
        }
        if (!buf || !mp)
            return 1;
        memcpy(buf + used, d, h->caplen);
        mp[np].off = (uint32_t)used;
        mp[np].caplen = h->caplen;
        mp[np].wirelen = h->len;
        used += h->caplen;
        np++;
    }
    pcap_close(pc);

    double *t_bare = calloc((size_t)runs, sizeof(double));
    double *t_rd = calloc((size_t)runs, sizeof(double));
    double *t_dec = calloc((size_t)runs, sizeof(double));
    uint64_t n = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now_s();
        n = run_bare(path);
        t_bare[r] = now_s() - t0;
        t0 = now_s();
        run_read_decode(path);
        t_rd[r] = now_s() - t0;
        t0 = now_s();
        struct ctfw_pkt pkt;
        uint64_t acc = 0;
        for (size_t i = 0; i < np; i++) {
            ctfw_pkt_decode(&pkt, linktype, buf + mp[i].off, mp[i].caplen,
                            mp[i].wirelen);
            acc += pkt.dport + pkt.events;
        }
        sink += acc;
        t_dec[r] = now_s() - t0;
    }
    qsort(t_bare, (size_t)runs, sizeof(double), cmp_double);
    qsort(t_rd, (size_t)runs, sizeof(double), cmp_double);
    qsort(t_dec, (size_t)runs, sizeof(double), cmp_double);
    double mb = t_bare[runs / 2], mr = t_rd[runs / 2], md = t_dec[runs / 2];
    printf("file: %s (%llu packets, %zu bytes captured)\n", path,
           (unsigned long long)n, used);
    printf("runs: %d (median)\n", runs);
    printf("%-12s %12.0f pkt/s  %7.1f ns/pkt\n", "bare", (double)n / mb,
           mb * 1e9 / (double)n);
    printf("%-12s %12.0f pkt/s  %7.1f ns/pkt\n", "read+decode",
           (double)n / mr, mr * 1e9 / (double)n);
    printf("%-12s %12.0f pkt/s  %7.1f ns/pkt\n", "decode", (double)np / md,
           md * 1e9 / (double)np);
    printf("ratio read+decode / bare: %.2f\n", mr / mb);
    free(buf);
    free(mp);
    free(t_bare);
    free(t_rd);
    free(t_dec);
    return 0;
}
