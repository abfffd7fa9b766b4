// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "ctfw/csum.h"

/* Fold a wide one's-complement sum to 16 bits (not complemented). */
static uint32_t
fold16(uint64_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint32_t)acc;
}

static uint16_t
swap16(uint32_t v)
{
    return (uint16_t)(((v & 0xff) << 8) | ((v >> 8) & 0xff));
}

/*
 * The one's-complement sum does not depend on byte order (RFC 1071
 * §2(B)): sum the data as native 32-bit words into a 64-bit
 * accumulator, fold, and swap once at the end on a little-endian host.
 * This is several times faster than summing big-endian 16-bit words.
 * Chained calls must split buffers at even offsets, as usual.
 */
uint32_t
ctfw_csum_partial(const void *data, size_t len, uint32_t sum)
{
    const uint8_t *p = data;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t acc = swap16(fold16(sum));
#else
    uint64_t acc = sum;
#endif
    while (len >= 8) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + 4, 4);
        acc += (uint64_t)a + b;
        p += 8;
        len -= 8;
    }
    if (len >= 4) {
        uint32_t a;
        memcpy(&a, p, 4);
        acc += a;
        p += 4;
        len -= 4;
    }
    if (len >= 2) {
        uint16_t a;
        memcpy(&a, p, 2);
        acc += a;
        p += 2;
        len -= 2;
    }
    if (len) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        acc += p[0];          /* low byte of a little-endian word */
#else
        acc += (uint32_t)p[0] << 8;
#endif
    }
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return swap16(fold16(acc));
#else
    return fold16(acc);
#endif
}

uint16_t
ctfw_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t
ctfw_csum_replace2(uint16_t check, uint16_t old, uint16_t new_)
{
    /* HC' = ~(~HC + ~m + m') */
    uint32_t sum = (uint16_t)~check;
    sum += (uint16_t)~old;
    sum += new_;
    return ctfw_csum_fold(sum);
}

uint16_t
ctfw_csum_replace4(uint16_t check, uint32_t old, uint32_t new_)
{
    uint32_t sum = (uint16_t)~check;
    sum += (uint16_t)~(old >> 16);
    sum += (uint16_t)~(old & 0xffff);
    sum += new_ >> 16;
    sum += new_ & 0xffff;
    return ctfw_csum_fold(sum);
}
