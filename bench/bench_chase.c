// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/bench_chase: the cost of one dependent random memory access on
 * this machine, the floor under every cold-cache figure of bench_ct.
 *
 *   bench_chase [MIB] [RUNS]
 *
 * A cyclic random permutation of the 64-byte lines of a MIB-MiB block
 * (default 256) is followed pointer to pointer, 5 M steps, once with
 * 4 KiB pages and once with MADV_HUGEPAGE (transparent huge pages, when
 * the kernel's mode allows it: /sys/kernel/mm/transparent_hugepage/
 * enabled); ns per step, median of RUNS (default 3), and how much of the
 * block the kernel really gave huge pages.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "bench_util.h"

static long
thp_kib(void)
{
    long kb = 0;
    char line[256];
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double
chase(size_t bytes, int huge, long *thp)
{
    size_t n = bytes / 64;
    char *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        perror("bench_chase: mmap");
        exit(1);
    }
#ifdef MADV_HUGEPAGE
    if (huge)
        madvise(m, bytes, MADV_HUGEPAGE);
#endif
    uint32_t *perm = malloc(n * sizeof(*perm));
    if (!perm) {
        fputs("bench_chase: out of memory\n", stderr);
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    uint64_t x = 88172645463325252ull;
    for (size_t i = n - 1; i > 0; i--) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t j = x % (i + 1);
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        *(void **)(m + (size_t)perm[i] * 64) =
            m + (size_t)perm[(i + 1) % n] * 64;
    free(perm);
    *thp = thp_kib();
    void *p = m;
    const size_t steps = 5000000;
    double t0 = now_s();
    for (size_t i = 0; i < steps; i++)
        p = *(void **)p;
    double ns = (now_s() - t0) * 1e9 / (double)steps;
    /* Keep the chase's result alive. */
    if (p == NULL)
        puts("");
    munmap(m, bytes);
    return ns;
}

int
main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    if (mib < 1)
        mib = 1;
    if (runs < 1 || runs > 32)
        runs = 3;
    for (int huge = 0; huge < 2; huge++) {
        double v[32];
        long thp = 0;
        for (int r = 0; r < runs; r++)
            v[r] = chase(mib << 20, huge, &thp);
        qsort(v, (size_t)runs, sizeof(double), cmp_double);
        printf("%s: %.1f ns per dependent load (median of %d; %.1f-%.1f), "
               "%ld MiB in huge pages\n",
               huge ? "MADV_HUGEPAGE" : "4 KiB pages  ", v[runs / 2], runs,
               v[0], v[runs - 1], thp / 1024);
    }
    return 0;
}
