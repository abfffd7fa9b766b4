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
size_t hook_reject_build(const struct ctfw_pkt *p, enum ctfw_reject_type type,
                         const union ctfw_addr *icmp_src, uint8_t *buf,
                         size_t cap);

/*
 * ip_forward()'s answer to a packet whose TTL would reach 0:
 * icmp_send(ICMP_TIME_EXCEEDED, ICMP_EXC_TTL) from src, built as the
 * REJECT ICMP errors are (same icmp_send() path); IPv4 only. 0 when the
 * kernel sends nothing (about an ICMP error, a later fragment,
 * broadcast).
 */
size_t hook_time_exceeded_build(const struct ctfw_pkt *p,
                                const union ctfw_addr *src, uint8_t *buf,
                                size_t cap);

#endif
