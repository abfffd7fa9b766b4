// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/bench_pcapread: the bare libpcap read loop over one capture, the
 * floor of any pcap-based replay (issue 9, benchmark 3).
 *
 *   bench_pcapread FILE [RUNS]
 *
 * pcap_next_ex() until the end, nothing else; prints the packets and the
 * median packets per second of RUNS runs (default 5), after one untimed
 * run that warms the page cache. A second line reads the file as `ctfw
 * replay` does (io/capture.c): a 256 KiB stdio buffer under
 * pcap_fopen_offline(), pcap_dispatch() in bursts of 16, each packet
 * copied out of libpcap's buffer; the floor of the replay's own read.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench_util.h"

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static uint64_t
read_all(const char *path)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(
        path, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) {
        fprintf(stderr, "bench_pcapread: %s\n", err);
        exit(1);
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t n = 0;
    while (pcap_next_ex(p, &h, &d) == 1)
        n++;
    pcap_close(p);
    return n;
}

static unsigned char burst_buf[16][2048];
static unsigned burst_n;

static void
burst_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *d)
{
    (void)user;
    size_t n = h->caplen < sizeof(burst_buf[0]) ? h->caplen
                                                : sizeof(burst_buf[0]);
    memcpy(burst_buf[burst_n++ % 16], d, n);
}

static uint64_t
read_all_burst(const char *path)
{
    char err[PCAP_ERRBUF_SIZE];
    static char iobuf[256 << 10];
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(
        f, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) {
        fprintf(stderr, "bench_pcapread: %s\n", err);
        exit(1);
    }
    burst_n = 0;
    while (pcap_dispatch(p, 16, burst_cb, NULL) > 0)
        ;
    pcap_close(p);
    return burst_n;
}

static void
report(const char *what, const char *path, uint64_t (*fn)(const char *),
       int runs)
{
    uint64_t n = fn(path);
    double *r = calloc((size_t)runs, sizeof(*r));
    for (int i = 0; i < runs; i++) {
        double t0 = now_s();
        fn(path);
        r[i] = (double)n / (now_s() - t0);
    }
    qsort(r, (size_t)runs, sizeof(*r), cmp_double);
    printf("%s: %llu packets, median %.0f packets/s "
           "(min %.0f, max %.0f, %d runs)\n", what,
           (unsigned long long)n, r[runs / 2], r[0], r[runs - 1], runs);
    free(r);
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_pcapread FILE [RUNS]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (runs < 1)
        runs = 1;
    report("bare libpcap read", argv[1], read_all, runs);
    report("libpcap read as ctfw replay reads", argv[1], read_all_burst, runs);
    return 0;
}
