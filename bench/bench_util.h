/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every benchmark program shares: the clock it times with.
 */
#ifndef CTFW_BENCH_UTIL_H
#define CTFW_BENCH_UTIL_H

#include <time.h>

/* Seconds on the given clock: CLOCK_MONOTONIC for wall time,
 * CLOCK_THREAD_CPUTIME_ID for the CPU time of the calling thread. */
static inline double
bench_clock_s(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Wall time. */
static inline double
now_s(void)
{
    return bench_clock_s(CLOCK_MONOTONIC);
}

#endif
