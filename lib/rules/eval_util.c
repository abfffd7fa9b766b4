// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Small helpers the extensions' match and action callbacks share
 * (eval_private.h): the transport bytes as skb_header_pointer() would
 * return them, the fragment offset a match sees, port ranges and the
 * ctstate bit of a conntrack reference.
 */
#include "eval_private.h"

const uint8_t *
rules_l4_bytes(const struct ctfw_pkt *p, uint32_t *len)
{
    *len = 0;
    if (!(p->has & CTFW_PKT_HAS_IP) || p->l3_off == CTFW_PKT_OFF_NONE)
        return NULL;
    uint64_t start = (uint64_t)p->l3_off + p->ip_hlen;
    uint64_t end = (uint64_t)p->l3_off + p->ip_len;
    if (end > p->caplen)
        end = p->caplen;
    if (start >= end)
        return p->data + (start <= p->caplen ? start : p->caplen);
    *len = (uint32_t)(end - start);
    return p->data + start;
}

unsigned
rules_fragoff(const struct ctfw_pkt *p)
{
    if (p->frag != CTFW_PKT_FRAG_LATER)
        return 0;
    return p->family == 4 ? p->frag_off / 8u : p->frag_off;
}

bool
rules_port_match(const struct rules_range *r, uint16_t port, bool invert)
{
    return (port >= r->lo && port <= r->hi) != invert;
}

uint32_t
rules_ct_statebit(const struct ctfw_ct_ref *ref)
{
    /* state_mt()/conntrack_mt(): a conntrack gives
     * XT_STATE_BIT(ctinfo) = 1 << (ctinfo % IP_CT_IS_REPLY + 1), so
     * ESTABLISHED and ESTABLISHED_REPLY share a bit, as do the two
     * RELATED values; no conntrack is UNTRACKED when tagged so, else
     * INVALID. */
    if (ref->entry)
        return 1u << (ref->info % 3u + 1u);
    if (ref->info == CTFW_CT_UNTRACKED)
        return 0x100;
    return 0x01;
}
