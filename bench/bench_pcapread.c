// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/bench_pcapread: the bare libpcap read loop over one capture, the
 * floor of any pcap-based replay (issue 9, benchmark 3).
 *
 *   bench_pcapread FILE [RUNS]
 *
 * pcap_next_ex() until the end, nothing else; prints the packets and the
 * median packets per second of RUNS runs (default 5), after one untimed
 * run that warms the page cache.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

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
    uint64_t n = read_all(argv[1]);
    double *r = calloc((size_t)runs, sizeof(*r));
    for (int i = 0; i < runs; i++) {
        double t0 = now_s();
        read_all(argv[1]);
        r[i] = (double)n / (now_s() - t0);
    }
    qsort(r, (size_t)runs, sizeof(*r), cmp_double);
    printf("bare libpcap read: %llu packets, median %.0f packets/s "
           "(min %.0f, max %.0f, %d runs)\n",
           (unsigned long long)n, r[runs / 2], r[0], r[runs - 1], runs);
    free(r);
    return 0;
}
