/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internet checksum (RFC 1071) and incremental update (RFC 1624), used by
 * the decoder (IPv4 header check), NAT rewriting and the traffic generator.
 * Pure functions; thread-safe.
 */
#ifndef CTFW_CSUM_H
#define CTFW_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* One's-complement sum of len bytes, added to sum (not folded). */
uint32_t ctfw_csum_partial(const void *data, size_t len, uint32_t sum);

/* Fold a partial sum to 16 bits and complement it (network order value
 * as it is stored in a header, returned in host order). */
uint16_t ctfw_csum_fold(uint32_t sum);

/* RFC 1624 eqn. 3: new checksum after a 16-bit field changed from old to
 * new (all values in host order). */
uint16_t ctfw_csum_replace2(uint16_t check, uint16_t old, uint16_t new_);

/* Same for a 32-bit field (an IPv4 address). */
uint16_t ctfw_csum_replace4(uint16_t check, uint32_t old, uint32_t new_);

#endif
