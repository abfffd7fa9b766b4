// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Generic and GRE trackers, the protocol registry and the L4 checksum
 * helper shared by the trackers.
 */
#include "ctfw/csum.h"

#include "ct_private.h"

static bool
generic_to_tuple(const struct ctfw_pkt *pkt, struct ct_tuple *t)
{
    (void)pkt;
    t->sport = t->dport = 0;  /* addresses + protocol only */
    return true;
}

static bool
generic_invert(const struct ct_tuple *in, struct ct_tuple *out)
{
    (void)in;
    out->sport = out->dport = 0;
    return true;
}

/* nf_conntrack_generic_packet(): refresh, never ASSURED. */
static enum ct_l4_verdict
generic_packet(struct ctfw_ct *ct, struct ctfw_ct_entry *e,
               struct ct_pktctx *c)
{
    ct_refresh_acct(ct, e, c, ct->cfg.generic_timeout);
    return CT_L4_ACCEPT;
}

/*
 * nf_conntrack_gre_packet(). GRE version 0 carries no keys and is
 * tracked like generic (keys 0) but with the GRE timeouts and ASSURED
 * after a reply; PPTP (GREv1 call ids, keymap) is not implemented.
 */
static enum ct_l4_verdict
gre_packet(struct ctfw_ct *ct, struct ctfw_ct_entry *e, struct ct_pktctx *c)
{
    ct_refresh_stream(ct, e, c, ct->cfg.gre_timeout_stream, ct->cfg.gre_timeout);
    return CT_L4_ACCEPT;
}

const struct ct_l4proto ct_l4proto_generic = {
    .proto = 0,
    .name = "unknown",
    .pkt_to_tuple = generic_to_tuple,
    .invert = generic_invert,
    .packet = generic_packet,
};

const struct ct_l4proto ct_l4proto_gre = {
    .proto = 47,
    .name = "gre",
    .pkt_to_tuple = generic_to_tuple,
    .invert = generic_invert,
    .packet = gre_packet,
};

const struct ct_l4proto *
ct_l4proto_find(uint8_t family, uint8_t proto)
{
    switch (proto) {
    case 6:
        return &ct_l4proto_tcp;
    case 17:
        return &ct_l4proto_udp;
    case 136:
        return &ct_l4proto_udplite;
    case 1:
        return family == 4 ? &ct_l4proto_icmp : &ct_l4proto_generic;
    case 58:
        return family == 6 ? &ct_l4proto_icmpv6 : &ct_l4proto_generic;
    case 47:
        return &ct_l4proto_gre;
    case 132:
        return &ct_l4proto_sctp;
    default:
        return &ct_l4proto_generic;
    }
}

bool
ct_l4_csum_cov_ok(const struct ctfw_pkt *pkt, uint32_t cov)
{
    uint32_t off = pkt->l4_off;
    uint32_t len = pkt->l4_len;
    if (off == CTFW_PKT_OFF_NONE || cov > len ||
        (uint64_t)off + cov > pkt->caplen)
        return true;  /* not captured: cannot verify, assume good */
    uint32_t sum = 0;
    if (pkt->family == 4) {
        if (pkt->proto != 1) {
            /* The pseudo-header's 16-bit words added here (a one's
             * complement sum may be gathered in any grouping, RFC 1071
             * §2(A)) rather than through two more calls. */
            const uint8_t *s = pkt->src.b, *d = pkt->dst.b;
            sum = ((uint32_t)s[0] << 8 | s[1]) + ((uint32_t)s[2] << 8 | s[3]) +
                  ((uint32_t)d[0] << 8 | d[1]) + ((uint32_t)d[2] << 8 | d[3]);
            sum += pkt->proto;
            sum += len;
        }
    } else {
        sum = ctfw_csum_partial(pkt->src.b, 16, sum);
        sum = ctfw_csum_partial(pkt->dst.b, 16, sum);
        sum += len >> 16;
        sum += len & 0xffff;
        sum += pkt->proto;
    }
    sum = ctfw_csum_partial(pkt->data + off, cov, sum);
    return ctfw_csum_fold(sum) == 0;
}

bool
ct_l4_csum_ok(const struct ctfw_pkt *pkt)
{
    return ct_l4_csum_cov_ok(pkt, pkt->l4_len);
}
