/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private helpers of the packet decoder (lib/pkt/ only): big-endian
 * loads and the event setter. Every load here is unchecked; the caller
 * has already proved that the bytes lie within caplen.
 */
#ifndef CTFW_PKT_PRIVATE_H
#define CTFW_PKT_PRIVATE_H

#include <stdint.h>

#include "ctfw/pkt.h"

/* IP protocol numbers the decoder knows by name. */
enum {
    PKT_IPPROTO_HOPOPTS = 0,
    PKT_IPPROTO_ICMP = 1,
    PKT_IPPROTO_TCP = 6,
    PKT_IPPROTO_UDP = 17,
    PKT_IPPROTO_DCCP = 33,
    PKT_IPPROTO_ROUTING = 43,
    PKT_IPPROTO_FRAGMENT = 44,
    PKT_IPPROTO_GRE = 47,
    PKT_IPPROTO_ESP = 50,
    PKT_IPPROTO_AH = 51,
    PKT_IPPROTO_ICMPV6 = 58,
    PKT_IPPROTO_NONE = 59,
    PKT_IPPROTO_DSTOPTS = 60,
    PKT_IPPROTO_SCTP = 132,
    PKT_IPPROTO_UDPLITE = 136,
};

/* Bits of pkt->ip6_ext_mask, as documented in ctfw/pkt.h. */
enum {
    PKT_EXT_HBH = 1,
    PKT_EXT_RT = 2,
    PKT_EXT_FRAG = 4,
    PKT_EXT_DST = 8,
    PKT_EXT_AH = 16,
};

static inline uint16_t
pkt_rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
pkt_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static inline void
pkt_ev(struct ctfw_pkt *pkt, enum ctfw_pkt_event ev)
{
    pkt->events |= (uint64_t)1 << ev;
}

/*
 * Decode the L4 header at off of an IP packet that ends at end (bounded
 * by the bytes on the wire); pkt->proto and pkt->family are set. Also
 * decodes the packet quoted by ICMP and ICMPv6 errors. In l4.c.
 */
void ctfw_pkt_decode_l4(struct ctfw_pkt *pkt, uint32_t off, uint32_t end);

#endif
