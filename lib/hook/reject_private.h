/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to lib/hook: REJECT answers (reject.c). */
#ifndef CTFW_HOOK_REJECT_PRIVATE_H
#define CTFW_HOOK_REJECT_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "ctfw/eval.h"
#include "ctfw/pkt.h"

/*
 * Build the IPv4 packet (no link header) the kernel sends for REJECT of
 * p with this type; icmp_src is the source address of ICMP answers (the
 * address the packet was sent to for local traffic, the address facing
 * the sender for forwarded traffic; NULL = p's destination). Returns the
 * length, or 0 when the kernel sends nothing.
 */
/* ICMP time exceeded about p from src: code 0 (TTL) as ip_forward()
 * sends it, code 1 (reassembly) as ip_expire(); 0 when none is sent
 * (IPv6: not built here, a later fragment...). */
size_t hook_icmp_time_exceeded(const struct ctfw_pkt *p, uint8_t code,
                               const union ctfw_addr *src, uint8_t *buf,
                               size_t cap);
/* ICMPv6 time exceeded (type 3, code 0 hop limit / 1 reassembly) about
 * the IPv6 packet ip (len bytes) from src; 0 when none is sent. */
size_t hook_icmp6_time_exceeded(const uint8_t *ip, uint32_t len, uint8_t code,
                                const union ctfw_addr *src, uint8_t *buf,
                                size_t cap);
size_t hook_reject_build(const struct ctfw_pkt *p, enum ctfw_reject_type type,
                         const union ctfw_addr *icmp_src, uint8_t *buf,
                         size_t cap);


#endif
