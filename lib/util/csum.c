// SPDX-License-Identifier: GPL-2.0-or-later
#include "ctfw/csum.h"

uint32_t
ctfw_csum_partial(const void *data, size_t len, uint32_t sum)
{
    const uint8_t *p = data;
    uint64_t acc = sum;
    while (len >= 2) {
        acc += (uint32_t)(p[0] << 8 | p[1]);
        p += 2;
        len -= 2;
    }
    if (len)
        acc += (uint32_t)(p[0] << 8);
    while (acc >> 32)
        acc = (acc & 0xffffffffu) + (acc >> 32);
    return (uint32_t)acc;
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
