/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network-order loads and stores on byte buffers, for the code that
 * builds packets (traffic generator, REJECT answers, benchmarks), and
 * native-order word loads. Safe on any alignment.
 */
#ifndef CTFW_BYTES_H
#define CTFW_BYTES_H

#include <stdint.h>
#include <string.h>

static inline void
ctfw_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void
ctfw_put32(uint8_t *p, uint32_t v)
{
    ctfw_put16(p, (uint16_t)(v >> 16));
    ctfw_put16(p + 2, (uint16_t)v);
}

static inline uint16_t
ctfw_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
ctfw_get32(const uint8_t *p)
{
    return (uint32_t)ctfw_get16(p) << 16 | ctfw_get16(p + 2);
}

/* Words as the host stores them (no byte swap): for comparing or summing
 * whole words, e.g. addresses under a mask, RFC 1071 sums. */
static inline uint32_t
ctfw_load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static inline uint64_t
ctfw_load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

#endif
