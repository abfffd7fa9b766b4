// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ICMP and ICMPv6 trackers (nf_conntrack_proto_icmp.c, _icmpv6.c) and the
 * error path that attaches ICMP errors to the flow they quote
 * (nf_conntrack_inet_error()).
 */
#include <string.h>

#include "ct_private.h"

static bool
icmp_to_tuple(const struct ctfw_pkt *pkt, struct ct_tuple *t)
{
    if (!(pkt->has & CTFW_PKT_HAS_L4))
        return false;
    t->sport = pkt->icmp_id;
    t->dport = (uint16_t)(pkt->icmp_type << 8 | pkt->icmp_code);
    return true;
}

/* The reply type of a query type, or -1 (nf_conntrack_invert_icmp). */
static int
icmp_reply_type(uint8_t type)
{
    switch (type) {
    case 8: return 0;    /* echo */
    case 0: return 8;
    case 13: return 14;  /* timestamp */
    case 14: return 13;
    case 15: return 16;  /* info request */
    case 16: return 15;
    case 17: return 18;  /* address mask */
    case 18: return 17;
    default: return -1;
    }
}

static int
icmpv6_reply_type(uint8_t type)
{
    switch (type) {
    case 128: return 129;  /* echo request */
    case 129: return 128;
    case 139: return 140;  /* node information query */
    case 140: return 139;
    default: return -1;
    }
}

static bool
invert_common(const struct ct_tuple *in, struct ct_tuple *out, int rtype)
{
    if (rtype < 0)
        return false;
    out->sport = in->sport;  /* the id stays */
    out->dport = (uint16_t)(rtype << 8 | (in->dport & 0xff));
    return true;
}

static bool
icmp_invert(const struct ct_tuple *in, struct ct_tuple *out)
{
    return invert_common(in, out, icmp_reply_type((uint8_t)(in->dport >> 8)));
}

static bool
icmpv6_invert(const struct ct_tuple *in, struct ct_tuple *out)
{
    return invert_common(in, out,
                         icmpv6_reply_type((uint8_t)(in->dport >> 8)));
}

/* nf_conntrack_icmp_packet(): only the query types may own an entry. */
static enum ct_l4_verdict
icmp_packet(struct ctfw_ct *ct, struct ctfw_ct_entry *e, struct ct_pktctx *c)
{
    uint8_t type = (uint8_t)(e->tk[0].dport >> 8);
    if (type != 8 && type != 13 && type != 15 && type != 17) {
        c->reason = CTFW_CT_R_ICMP_NEW;
        return CT_L4_INVALID;
    }
    /* Kept after the reply: duplicates and conntrackd traffic. */
    ct_refresh_acct(ct, e, c, ct->cfg.icmp_timeout);
    return CT_L4_ACCEPT;
}

static enum ct_l4_verdict
icmpv6_packet(struct ctfw_ct *ct, struct ctfw_ct_entry *e,
              struct ct_pktctx *c)
{
    if (!ct_is_confirmed(e)) {
        uint8_t type = (uint8_t)(e->tk[0].dport >> 8);
        if (type != 128 && type != 139) {
            c->reason = CTFW_CT_R_ICMP_NEW;
            return CT_L4_INVALID;
        }
    }
    ct_refresh_acct(ct, e, c, ct->cfg.icmpv6_timeout);
    return CT_L4_ACCEPT;
}

const struct ct_l4proto ct_l4proto_icmp = {
    .proto = 1,
    .name = "icmp",
    .pkt_to_tuple = icmp_to_tuple,
    .invert = icmp_invert,
    .packet = icmp_packet,
};

const struct ct_l4proto ct_l4proto_icmpv6 = {
    .proto = 58,
    .name = "icmpv6",
    .pkt_to_tuple = icmp_to_tuple,
    .invert = icmpv6_invert,
    .packet = icmpv6_packet,
};

/*
 * nf_conntrack_inet_error(): the quoted packet's tuple, inverted, must
 * name an entry whose destination in the matched direction is the outer
 * destination; the ICMP packet then belongs to it as RELATED(_REPLY).
 * The entry itself is not refreshed, counted or marked SEEN_REPLY.
 */
static enum ct_l4_verdict
inet_error(struct ctfw_ct *ct, const struct ctfw_pkt *pkt, uint64_t now,
           struct ctfw_ct_ref *ref)
{
    const struct ctfw_pkt_inner *in = &pkt->inner;
    if (!(pkt->has & CTFW_PKT_HAS_INNER) || in->family != pkt->family)
        return CT_L4_INVALID;
    const struct ct_l4proto *l4 = ct_l4proto_find(in->family, in->proto);
    struct ct_tuple o, r;
    memset(&o, 0, sizeof(o));
    if (in->family == 6) {
        o.src = in->src;
        o.dst = in->dst;
    } else {
        o.src.w[0] = in->src.w[0];
        o.dst.w[0] = in->dst.w[0];
    }
    if (l4->has_ports || l4 == &ct_l4proto_icmp || l4 == &ct_l4proto_icmpv6) {
        if (!in->has_ports)
            return CT_L4_INVALID;
        o.sport = in->sport;
        o.dport = in->dport;
        if (l4 == &ct_l4proto_icmp || l4 == &ct_l4proto_icmpv6)
            o.dport = (uint16_t)(in->icmp_type << 8 | in->icmp_code);
    }
    memset(&r, 0, sizeof(r));
    r.src = o.dst;
    r.dst = o.src;
    if (!l4->invert(&o, &r))
        return CT_L4_INVALID;
    uint32_t node = ct_lookup(ct, in->family, in->proto, ref->zone, &r, now);
    if (node == CT_NIL)
        return CT_L4_INVALID;
    struct ctfw_ct_entry *e = ct_slot(ct, node >> 1);
    unsigned dir = node & 1;
    size_t alen = pkt->family == 6 ? 16 : 4;
    struct ct_tuple et = ct_tuple_of(e, (int)dir);
    if (memcmp(et.dst.b, pkt->dst.b, alen) != 0)
        return CT_L4_INVALID;  /* outer daddr != entry's daddr */
    ref->entry = e;
    ref->slot = e->slot;
    ref->flags = 0;
    ref->info = dir ? CTFW_CT_RELATED_REPLY : CTFW_CT_RELATED;
    return CT_L4_ACCEPT;
}

static bool
icmp_is_err(uint8_t type)
{
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* ICMPv6 types tagged UNTRACKED (noct_valid_new[]): MLD, RS/RA, NS/NA,
 * MLDv2 report, multicast router discovery. */
static bool
icmpv6_noct(uint8_t type)
{
    switch (type) {
    case 130: case 131: case 132: case 133: case 134: case 135: case 136:
    case 143: case 151: case 152:
        return true;
    default:
        return false;
    }
}

enum ct_l4_verdict
ct_icmp_error(struct ctfw_ct *ct, const struct ctfw_pkt *pkt,
              enum ctfw_ct_hook hook, uint64_t now, struct ctfw_ct_ref *ref)
{
    if (!(pkt->has & CTFW_PKT_HAS_L4))
        return CT_L4_INVALID;  /* short packet */
    if (ct->cfg.checksum && hook == CTFW_CT_HOOK_PRE_ROUTING &&
        !ct_l4_csum_ok(pkt))
        return CT_L4_INVALID;
    uint8_t type = pkt->icmp_type;
    if (pkt->family == 4) {
        if (type > 18)
            return CT_L4_INVALID;  /* RFC 1122: unknown type */
        if (!icmp_is_err(type))
            return CT_L4_ACCEPT;
        return inet_error(ct, pkt, now, ref);
    }
    if (icmpv6_noct(type)) {
        ref->info = CTFW_CT_UNTRACKED;
        return CT_L4_ACCEPT;
    }
    if (type == 137) {
        /* Redirect: code 0 from a link-local source with hop limit 255
         * quotes a packet; other codes take the normal path. */
        if (pkt->icmp_code != 0)
            return CT_L4_ACCEPT;
        if (pkt->ttl != 255 || pkt->src.b[0] != 0xfe ||
            (pkt->src.b[1] & 0xc0) != 0x80)
            return CT_L4_INVALID;
        return inet_error(ct, pkt, now, ref);
    }
    if (type >= 128)
        return CT_L4_ACCEPT;
    return inet_error(ct, pkt, now, ref);
}
