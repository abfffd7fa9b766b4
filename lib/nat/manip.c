// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Packet rewriting from a binding: nf_nat_packet(), nf_nat_manip_pkt(),
 * nf_nat_ipv4_manip_pkt()/nf_nat_ipv6_manip_pkt() and the per-protocol
 * manip_pkt functions of nf_nat_proto.c (Linux 6.x), with the
 * incremental checksum updates they make (inet_proto_csum_replace*, as
 * for a packet whose checksum is complete: a captured one), and the ICMP
 * error translation nf_nat_icmp_reply_translation() /
 * nf_nat_icmpv6_reply_translation().
 */
#include <string.h>

#include "ctfw/bytes.h"
#include "ctfw/csum.h"
#include "nat_private.h"

/* The packet as the kernel's skb: len is skb->len (the IP length), cap
 * the bytes we have (a capture may be cut short by its snaplen). */
struct nbuf {
    uint8_t *p;
    size_t cap, len;
};

/* skb_ensure_writable(): false when the packet is shorter than that.
 * *have is false when the bytes exist but were not captured. */
static bool
writable(const struct nbuf *nb, size_t end, bool *have)
{
    *have = end <= nb->cap;
    return end <= nb->len;
}

static void
csum_fix2(uint8_t *check, uint16_t old, uint16_t neu)
{
    ctfw_put16(check, ctfw_csum_replace2(ctfw_get16(check), old, neu));
}

/* nf_csum_update(): the pseudo-header address changes from old to new
 * (alen bytes). inet_proto_csum_replace4/16 with pseudohdr. */
static void
csum_fix_addr(uint8_t *check, const uint8_t *old, const uint8_t *neu,
              size_t alen)
{
    for (size_t i = 0; i < alen; i += 4)
        ctfw_put16(check, ctfw_csum_replace4(ctfw_get16(check),
                                             ctfw_get32(old + i),
                                             ctfw_get32(neu + i)));
}

/* crc32c (Castagnoli), reflected, for SCTP (sctp_compute_cksum). */
static uint32_t
crc32c(uint32_t crc, const uint8_t *p, size_t n)
{
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
    }
    return crc;
}

/*
 * tcp_manip_pkt() and dccp_manip_pkt(): the port at poff, and the
 * checksum at check_off of a full header of full bytes updated for the
 * port and the address. An inner header quoted by an ICMP error may have
 * only its first 8 bytes: then the checksum is out of reach and only
 * the port changes.
 */
static bool
ports_manip(struct nbuf *nb, size_t hdroff, size_t poff, size_t full,
            size_t check_off, const uint8_t *olda, const uint8_t *newa,
            size_t alen, uint16_t newp)
{
    bool have;
    size_t hdrsize = nb->len >= hdroff + full ? full : 8;
    if (!writable(nb, hdroff + hdrsize, &have))
        return false;
    if (!have)
        return true;
    uint8_t *port = nb->p + hdroff + poff;
    uint16_t oldp = ctfw_get16(port);
    ctfw_put16(port, newp);
    if (hdrsize < full)
        return true;
    uint8_t *check = nb->p + hdroff + check_off;
    csum_fix_addr(check, olda, newa, alen);
    csum_fix2(check, oldp, newp);
    return true;
}

/*
 * l4proto_manip_pkt(): the ports (ICMP: echo id) of the L4 header at
 * hdroff, the checksum updated for them and for the address the IP
 * header at iphdroff is about to get (the kernel updates L4 before
 * L3, so the old address is still in the header).
 */
static bool
l4_manip(struct nbuf *nb, uint8_t family, uint8_t proto, size_t iphdroff,
         size_t hdroff, const struct ctfw_ct_tuple *t, enum ctfw_nat_manip m)
{
    size_t alen = family == 6 ? 16 : 4;
    size_t aoff = family == 6 ? (m == CTFW_NAT_MANIP_SRC ? 8 : 24)
                              : (m == CTFW_NAT_MANIP_SRC ? 12 : 16);
    const uint8_t *olda = nb->p + iphdroff + aoff;
    const uint8_t *newa = m == CTFW_NAT_MANIP_SRC ? t->src.b : t->dst.b;
    uint16_t newp = m == CTFW_NAT_MANIP_SRC ? t->sport : t->dport;
    size_t poff = m == CTFW_NAT_MANIP_SRC ? 0 : 2;
    bool have;

    switch (proto) {
    case 6:      /* tcp_manip_pkt() */
        return ports_manip(nb, hdroff, poff, 20, 16, olda, newa, alen, newp);
    case 17:     /* udp_manip_pkt() */
    case 136: {  /* udplite_manip_pkt() */
        if (!writable(nb, hdroff + 8, &have))
            return false;
        if (!have)
            return true;
        uint8_t *port = nb->p + hdroff + poff;
        uint8_t *check = nb->p + hdroff + 6;
        /* UDP over IPv4 without a checksum keeps none. */
        if (proto == 136 || ctfw_get16(check) != 0) {
            csum_fix_addr(check, olda, newa, alen);
            csum_fix2(check, ctfw_get16(port), newp);
            if (ctfw_get16(check) == 0)
                ctfw_put16(check, 0xffff);   /* CSUM_MANGLED_0 */
        }
        ctfw_put16(port, newp);
        return true;
    }
    case 33:     /* dccp_manip_pkt() */
        return ports_manip(nb, hdroff, poff, 12, 6, olda, newa, alen, newp);
    case 132: {  /* sctp_manip_pkt(): crc32c over the whole packet */
        size_t hdrsize = nb->len >= hdroff + 12 ? 12 : 8;
        if (!writable(nb, hdroff + hdrsize, &have))
            return false;
        if (!have)
            return true;
        ctfw_put16(nb->p + hdroff + poff, newp);
        if (hdrsize < 12 || nb->cap < nb->len)
            return true;
        uint8_t *ck = nb->p + hdroff + 8;
        memset(ck, 0, 4);
        uint32_t crc = ~crc32c(~0u, nb->p + hdroff, nb->len - hdroff);
        ck[0] = (uint8_t)crc;   /* little-endian on the wire */
        ck[1] = (uint8_t)(crc >> 8);
        ck[2] = (uint8_t)(crc >> 16);
        ck[3] = (uint8_t)(crc >> 24);
        return true;
    }
    case 1: {    /* icmp_manip_pkt(): query messages carry an id */
        if (!writable(nb, hdroff + 8, &have))
            return false;
        if (!have)
            return true;
        switch (nb->p[hdroff]) {
        case 0: case 8: case 13: case 14: case 15: case 16: case 17:
        case 18:
            break;
        default:
            return true;
        }
        uint8_t *id = nb->p + hdroff + 4;
        csum_fix2(nb->p + hdroff + 2, ctfw_get16(id), t->sport);
        ctfw_put16(id, t->sport);
        return true;
    }
    case 58: {   /* icmpv6_manip_pkt(): its checksum covers addresses */
        if (!writable(nb, hdroff + 8, &have))
            return false;
        if (!have)
            return true;
        uint8_t *check = nb->p + hdroff + 2;
        csum_fix_addr(check, olda, newa, alen);
        if (nb->p[hdroff] == 128 || nb->p[hdroff] == 129) {
            uint8_t *id = nb->p + hdroff + 4;
            csum_fix2(check, ctfw_get16(id), t->sport);
            ctfw_put16(id, t->sport);
        }
        return true;
    }
    default:
        /* GRE (PPTP keys) and unknown protocols pass unmodified. */
        return true;
    }
}

/* ipv6_skip_exthdr() from off: the L4 offset, or 0 when the chain is
 * not captured; *first_frag false for a later fragment. */
static size_t
ipv6_l4_off(const struct nbuf *nb, size_t off, bool *first_frag)
{
    uint8_t nh = nb->p[off + 6];
    size_t p = off + 40;
    *first_frag = true;
    for (;;) {
        if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51)
            return p;
        if (p + 8 > nb->cap)
            return 0;
        uint8_t next = nb->p[p];
        size_t l;
        if (nh == 44) {
            if ((ctfw_get16(nb->p + p + 2) & 0xfff8) != 0)
                *first_frag = false;
            l = 8;
        } else if (nh == 51) {
            l = ((size_t)nb->p[p + 1] + 2) * 4;
        } else {
            l = ((size_t)nb->p[p + 1] + 1) * 8;
        }
        nh = next;
        p += l;
    }
}

/* nf_nat_ipv4_manip_pkt() / nf_nat_ipv6_manip_pkt(): L4 first, then the
 * address (IPv4: header checksum updated). */
static bool
ip_manip(struct nbuf *nb, uint8_t family, size_t iphdroff, uint8_t proto,
         const struct ctfw_ct_tuple *t, enum ctfw_nat_manip m)
{
    bool have;
    if (family == 4) {
        if (!writable(nb, iphdroff + 20, &have))
            return false;
        if (!have)
            return true;
        size_t hdroff = iphdroff + (size_t)(nb->p[iphdroff] & 0x0f) * 4;
        if (!l4_manip(nb, 4, proto, iphdroff, hdroff, t, m))
            return false;
        uint8_t *a = nb->p + iphdroff + (m == CTFW_NAT_MANIP_SRC ? 12 : 16);
        const uint8_t *na = m == CTFW_NAT_MANIP_SRC ? t->src.b : t->dst.b;
        uint8_t *check = nb->p + iphdroff + 10;
        ctfw_put16(check, ctfw_csum_replace4(ctfw_get16(check),
                                             ctfw_get32(a), ctfw_get32(na)));
        memcpy(a, na, 4);
        return true;
    }
    if (!writable(nb, iphdroff + 40, &have))
        return false;
    if (!have)
        return true;
    bool first;
    size_t hdroff = ipv6_l4_off(nb, iphdroff, &first);
    if (hdroff && first && !l4_manip(nb, 6, proto, iphdroff, hdroff, t, m))
        return false;
    memcpy(nb->p + iphdroff + (m == CTFW_NAT_MANIP_SRC ? 8 : 24),
           m == CTFW_NAT_MANIP_SRC ? t->src.b : t->dst.b, 16);
    return true;
}

static inline bool
info_is_reply(enum ctfw_ct_info info)
{
    return info == CTFW_CT_ESTABLISHED_REPLY ||
           info == CTFW_CT_RELATED_REPLY;
}

/* The status bit that says packets of this direction are rewritten at a
 * hook of this manip type (inverted for the reply direction). */
static uint32_t
statusbit(enum ctfw_nat_manip m, enum ctfw_ct_info info)
{
    bool src = m == CTFW_NAT_MANIP_SRC;
    if (info_is_reply(info))
        src = !src;
    return src ? CTFW_CT_S_SRC_NAT : CTFW_CT_S_DST_NAT;
}

bool
ctfw_nat_needed(const struct ctfw_ct_entry *e, enum ctfw_ct_info info,
                enum ctfw_hook hook)
{
    return (ctfw_ct_entry_status(e) &
            statusbit(ctfw_nat_hook_manip(hook), info)) != 0;
}

int
ctfw_nat_packet(struct ctfw_nat *nat, const struct ctfw_ct_entry *e,
                enum ctfw_ct_info info, enum ctfw_hook hook, uint8_t *ip,
                size_t caplen, size_t iplen)
{
    enum ctfw_nat_manip m = ctfw_nat_hook_manip(hook);
    if (!(ctfw_ct_entry_status(e) & statusbit(m, info)))
        return 0;
    /* nf_nat_manip_pkt(): aim to look like the inverse of the other
     * direction. */
    enum ctfw_ct_dir dir = info_is_reply(info) ? CTFW_CT_DIR_REPLY
                                               : CTFW_CT_DIR_ORIGINAL;
    uint8_t family = ctfw_ct_entry_family(e);
    uint8_t proto = ctfw_ct_entry_proto(e);
    struct ctfw_ct_tuple other, target;
    ctfw_ct_entry_tuple(e, (enum ctfw_ct_dir)!dir, &other);
    if (!ctfw_ct_tuple_invert(family, proto, &other, &target))
        return 0;
    struct nbuf nb = {ip, caplen < iplen ? caplen : iplen, iplen};
    if (!ip_manip(&nb, family, 0, proto, &target, m)) {
        nat->st.dropped++;
        return -1;
    }
    nat->st.rewritten++;
    return 1;
}

int
ctfw_nat_icmp_reply_translation(struct ctfw_nat *nat,
                                const struct ctfw_ct_entry *e,
                                enum ctfw_ct_info info, enum ctfw_hook hook,
                                uint8_t *ip, size_t caplen, size_t iplen)
{
    struct nbuf nb = {ip, caplen < iplen ? caplen : iplen, iplen};
    uint8_t family = ctfw_ct_entry_family(e);
    enum ctfw_nat_manip m = ctfw_nat_hook_manip(hook);
    bool have;
    size_t hdrlen;
    if (family == 4) {
        if (nb.cap < 20)
            goto drop;
        hdrlen = (size_t)(ip[0] & 0x0f) * 4;
        /* struct { icmphdr; iphdr; } must be there. */
        if (!writable(&nb, hdrlen + 8 + 20, &have) || !have)
            goto drop;
    } else {
        bool first;
        if (nb.cap < 40)
            goto drop;
        hdrlen = ipv6_l4_off(&nb, 0, &first);
        if (!hdrlen || !writable(&nb, hdrlen + 8 + 40, &have) || !have)
            goto drop;
    }
    bool whole = nb.cap >= nb.len;
    /* nf_ip_checksum(): verified where packets come from outside. */
    if ((hook == CTFW_HOOK_PRE_ROUTING || hook == CTFW_HOOK_LOCAL_IN) &&
        whole) {
        uint32_t sum = ctfw_csum_partial(ip + hdrlen, nb.len - hdrlen, 0);
        if (family == 6) {
            sum = ctfw_csum_partial(ip + 8, 32, sum);
            sum += (uint32_t)(nb.len - hdrlen) + 58;
        }
        if (ctfw_csum_fold(sum) != 0)
            goto drop;
    }
    uint32_t st = ctfw_ct_entry_status(e);
    uint8_t type = ip[hdrlen];
    if ((family == 4 && type == 5) || (family == 6 && type == 137)) {
        /* Redirects only for connections that were not NATed. */
        uint32_t done = CTFW_CT_S_SRC_NAT_DONE | CTFW_CT_S_DST_NAT_DONE;
        if ((st & done) != done ||
            (st & (CTFW_CT_S_SRC_NAT | CTFW_CT_S_DST_NAT)))
            goto drop;
    }
    if (!(st & statusbit(m, info)))
        return 0;
    enum ctfw_ct_dir dir = info_is_reply(info) ? CTFW_CT_DIR_REPLY
                                               : CTFW_CT_DIR_ORIGINAL;
    uint8_t proto = ctfw_ct_entry_proto(e);
    struct ctfw_ct_tuple other, target;
    ctfw_ct_entry_tuple(e, (enum ctfw_ct_dir)!dir, &other);
    /* The quoted packet travelled the other way: it is rewritten with
     * the other direction's tuple and the opposite manip. */
    if (!ip_manip(&nb, family, hdrlen + 8, proto, &other,
                  m == CTFW_NAT_MANIP_SRC ? CTFW_NAT_MANIP_DST
                                          : CTFW_NAT_MANIP_SRC))
        goto drop;
    if (whole) {
        ip[hdrlen + 2] = 0;
        ip[hdrlen + 3] = 0;
        uint32_t sum = ctfw_csum_partial(ip + hdrlen, nb.len - hdrlen, 0);
        if (family == 6) {
            /* csum_ipv6_magic() with the addresses as they are now. */
            sum = ctfw_csum_partial(ip + 8, 32, sum);
            sum += (uint32_t)(nb.len - hdrlen) + 58;
        }
        ctfw_put16(ip + hdrlen + 2, ctfw_csum_fold(sum));
    }
    /* The outer header: like the reply to an incoming packet; the ICMP
     * error itself has no id to change. */
    if (!ctfw_ct_tuple_invert(family, proto, &other, &target))
        goto drop;
    if (!ip_manip(&nb, family, 0, family == 6 ? 58 : 1, &target, m))
        goto drop;
    nat->st.rewritten++;
    return 1;
drop:
    nat->st.dropped++;
    return -1;
}
