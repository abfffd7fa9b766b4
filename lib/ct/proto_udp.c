// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * UDP and UDP-Lite trackers (nf_conntrack_proto_udp.c, Linux 6.x).
 */
#include "ct_private.h"

static uint16_t
rd16(const struct ctfw_pkt *pkt, uint32_t off)
{
    return (uint16_t)(pkt->data[off] << 8 | pkt->data[off + 1]);
}

/* udp_error(): length field within the datagram, checksum at PRE_ROUTING
 * when nonzero and nf_conntrack_checksum=1. */
static bool
udp_error(const struct ctfw_ct *ct, const struct ct_pktctx *c,
          uint8_t *reason)
{
    const struct ctfw_pkt *pkt = c->pkt;
    if (!(pkt->has & CTFW_PKT_HAS_L4) || pkt->l4_len < 8 ||
        pkt->udp_len > pkt->l4_len || pkt->udp_len < 8) {
        *reason = CTFW_CT_R_UDP_TRUNCATED;
        return true;
    }
    uint32_t off = pkt->l4_off;
    if (off == CTFW_PKT_OFF_NONE || pkt->caplen < off + 8)
        return false;
    if (rd16(pkt, off + 6) == 0)
        return false;  /* no checksum */
    if (ct->cfg.checksum && c->hook == CTFW_CT_HOOK_PRE_ROUTING &&
        !ct_l4_csum_ok(pkt)) {
        *reason = CTFW_CT_R_UDP_CSUM;
        return true;
    }
    return false;
}

/* nf_conntrack_udp_packet(). */
static enum ct_l4_verdict
udp_packet(struct ctfw_ct *ct, struct ctfw_ct_entry *e, struct ct_pktctx *c)
{
    if (udp_error(ct, c, &c->reason))
        return CT_L4_INVALID;
    if (!ct_is_confirmed(e))
        e->p.udp.stream_ts = c->now + 2 * CT_NS_PER_SEC;
    if (e->status & CTFW_CT_S_SEEN_REPLY) {
        uint32_t extra = ct->cfg.udp_timeout;
        bool stream = false;
        /* Still active more than 2 s after creation: a stream. */
        if (c->now > e->p.udp.stream_ts) {
            extra = ct->cfg.udp_timeout_stream;
            stream = !(e->status & CTFW_CT_S_ASSURED);
        }
        ct_refresh_acct(ct, e, c, extra);
        if (e->status & CTFW_CT_S_NAT_CLASH)
            return CT_L4_ACCEPT;  /* never ASSURED */
        if (stream) {
            e->status |= CTFW_CT_S_ASSURED;
            c->events |= CTFW_CT_EV_ASSURED;
        }
    } else {
        /* Includes the first reply: SEEN_REPLY is set after it. */
        ct_refresh_acct(ct, e, c, ct->cfg.udp_timeout);
    }
    return CT_L4_ACCEPT;
}

/* udplite_error(): coverage and a mandatory checksum. */
static bool
udplite_error(const struct ctfw_ct *ct, const struct ct_pktctx *c,
              uint8_t *reason)
{
    const struct ctfw_pkt *pkt = c->pkt;
    uint32_t off = pkt->l4_off;
    if (!(pkt->has & CTFW_PKT_HAS_L4) || off == CTFW_PKT_OFF_NONE ||
        pkt->caplen < off + 8 || pkt->l4_len < 8) {
        *reason = CTFW_CT_R_UDP_TRUNCATED;
        return true;
    }
    uint32_t cscov = rd16(pkt, off + 4);
    if (cscov == 0)
        cscov = pkt->l4_len;
    else if (cscov < 8 || cscov > pkt->l4_len) {
        *reason = CTFW_CT_R_UDP_TRUNCATED;  /* invalid coverage */
        return true;
    }
    if (rd16(pkt, off + 6) == 0) {
        *reason = CTFW_CT_R_UDP_CSUM;  /* checksum missing */
        return true;
    }
    if (ct->cfg.checksum && c->hook == CTFW_CT_HOOK_PRE_ROUTING &&
        !ct_l4_csum_cov_ok(pkt, cscov)) {
        *reason = CTFW_CT_R_UDP_CSUM;
        return true;
    }
    return false;
}

/* nf_conntrack_udplite_packet(): ASSURED at any packet after a reply. */
static enum ct_l4_verdict
udplite_packet(struct ctfw_ct *ct, struct ctfw_ct_entry *e,
               struct ct_pktctx *c)
{
    if (udplite_error(ct, c, &c->reason))
        return CT_L4_INVALID;
    ct_refresh_stream(ct, e, c, ct->cfg.udp_timeout_stream, ct->cfg.udp_timeout);
    return CT_L4_ACCEPT;
}

const struct ct_l4proto ct_l4proto_udp = {
    .proto = 17,
    .name = "udp",
    .has_ports = true,
    .allow_clash = true,
    .pkt_to_tuple = ct_ports_to_tuple,
    .invert = ct_invert_ports,
    .packet = udp_packet,
};

const struct ct_l4proto ct_l4proto_udplite = {
    .proto = 136,
    .name = "udplite",
    .has_ports = true,
    .allow_clash = true,
    .pkt_to_tuple = ct_ports_to_tuple,
    .invert = ct_invert_ports,
    .packet = udplite_packet,
};
