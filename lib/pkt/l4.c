// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Packet decoder, transport layer: TCP (with options), UDP, UDP-Lite,
 * ICMP and ICMPv6 (with the packet quoted by error messages), SCTP, DCCP
 * and GRE; anything else is left generic with its offset recorded.
 *
 * Called by decode.c once the IP header is known; "end" is where the IP
 * length says the packet ends (never past the bytes on the wire), and
 * pkt->caplen is where the captured bytes end.
 */
#include <string.h>

#include "pkt_private.h"

/* Offsets must fit the uint16_t fields with a full TCP header after. */
#define L4_OFF_MAX (CTFW_PKT_OFF_NONE - 1u - 64u)

/*
 * Whether the n-byte fixed header at off is there. Past the IP length
 * it is malformed (in a first fragment: a "tiny fragment", RFC 1858,
 * which is the fragment's fault); past caplen it was only not captured.
 */
static bool
l4_fits(struct ctfw_pkt *pkt, uint32_t off, uint32_t end, uint32_t n)
{
    if (off > end || n > end - off) {
        pkt_ev(pkt, pkt->frag == CTFW_PKT_FRAG_FIRST
                        ? CTFW_PKT_EV_FRAG_BAD
                        : CTFW_PKT_EV_L4_BAD_HLEN);
        return false;
    }
    if (off > L4_OFF_MAX || off > pkt->caplen || n > pkt->caplen - off) {
        pkt_ev(pkt, CTFW_PKT_EV_L4_TRUNCATED);
        return false;
    }
    pkt->l4_off = (uint16_t)off;
    pkt->has |= CTFW_PKT_HAS_L4;
    return true;
}

static void
set_payload(struct ctfw_pkt *pkt, uint32_t off, uint32_t end, uint32_t hl)
{
    pkt->payload_off = (uint16_t)(off + hl);
    pkt->payload_len = end - off - hl;
}

/*
 * TCP options as tcp_parse_options() reads them: EOL ends the list, NOP
 * is one byte, every other option has a length byte of at least 2 that
 * must stay inside the header. A known option with the wrong length is
 * skipped (the kernel ignores it) but reported; a broken length ends
 * the walk, since nothing after it can be located.
 */
static void
parse_tcp_opts(struct ctfw_pkt *pkt, const uint8_t *o, uint32_t n)
{
    struct ctfw_tcp_opts *t = &pkt->tcp_opts;
    uint32_t i = 0;

    /* NOP, NOP, timestamps: what nearly every segment after the
     * handshake carries, taken in one compare as the kernel's own fast
     * path does (tcp_fast_parse_options(), tcp_parse_aligned_timestamp());
     * the loop below reads the same fields from it. */
    if (n == 12 && pkt_rd32(o) == 0x0101080au) {
        t->has_ts = true;
        t->ts_val = pkt_rd32(o + 4);
        t->ts_ecr = pkt_rd32(o + 8);
        return;
    }
    while (i < n) {
        uint8_t kind = o[i];
        if (kind == 0)
            break;
        if (kind == 1) {
            i++;
            continue;
        }
        if (n - i < 2 || o[i + 1] < 2 || o[i + 1] > n - i) {
            pkt_ev(pkt, CTFW_PKT_EV_TCP_OPT_BAD);
            return;
        }
        uint8_t len = o[i + 1];
        const uint8_t *v = o + i + 2;
        bool ok = true;
        switch (kind) {
        case 2: /* MSS, RFC 9293 3.2 */
            ok = len == 4;
            if (ok)
                t->mss = pkt_rd16(v);
            break;
        case 3: /* window scale, RFC 7323 2.2 */
            ok = len == 3;
            if (ok) {
                /* Kept as sent; RFC 7323 2.3 says to log a shift
                 * above 14 and use 14, which is the tracker's job. */
                t->wscale = (int8_t)(v[0] > 127 ? 127 : v[0]);
                if (v[0] > 14)
                    pkt_ev(pkt, CTFW_PKT_EV_TCP_OPT_BAD);
            }
            break;
        case 4: /* SACK permitted, RFC 2018 2 */
            ok = len == 2;
            if (ok)
                t->sack_perm = true;
            break;
        case 5: /* SACK blocks: 2 + 8n bytes, n = 1..4 (RFC 2018 3) */
            ok = len >= 10 && (len - 2) % 8 == 0;
            if (ok) {
                uint8_t nb = (uint8_t)((len - 2) / 8);
                if (nb > 4)
                    nb = 4;
                for (uint8_t b = 0; b < nb; b++) {
                    t->sack[b][0] = pkt_rd32(v + 8 * b);
                    t->sack[b][1] = pkt_rd32(v + 8 * b + 4);
                }
                t->n_sack = nb;
            }
            break;
        case 8: /* timestamps, RFC 7323 3.2 */
            ok = len == 10;
            if (ok) {
                t->has_ts = true;
                t->ts_val = pkt_rd32(v);
                t->ts_ecr = pkt_rd32(v + 4);
            }
            break;
        default:
            break;
        }
        if (!ok)
            pkt_ev(pkt, CTFW_PKT_EV_TCP_OPT_BAD);
        i += len;
    }
}

static void
decode_tcp(struct ctfw_pkt *pkt, uint32_t off, uint32_t end)
{
    if (!l4_fits(pkt, off, end, 20))
        return;
    const uint8_t *h = pkt->data + off;
    uint32_t doff = (h[12] >> 4) * 4u;

    pkt->sport = pkt_rd16(h);
    pkt->dport = pkt_rd16(h + 2);
    pkt->tcp_seq = pkt_rd32(h + 4);
    pkt->tcp_ack = pkt_rd32(h + 8);
    pkt->tcp_doff = (uint8_t)doff;
    pkt->tcp_flags = h[13];
    pkt->tcp_win = pkt_rd16(h + 14);
    if (doff < 20 || doff > end - off) {
        pkt_ev(pkt, CTFW_PKT_EV_L4_BAD_HLEN);
        return;
    }
    if (doff > pkt->caplen - off) {
        /* Options cut by the snap length: what fitted is not trusted
         * either, since an option may straddle the cut. */
        pkt_ev(pkt, CTFW_PKT_EV_L4_TRUNCATED);
        return;
    }
    if (doff > 20)
        parse_tcp_opts(pkt, h + 20, doff - 20);
    pkt->has |= CTFW_PKT_HAS_TCPOPT;
    set_payload(pkt, off, end, doff);
}

/*
 * UDP: a length below 8 or beyond the IP payload is what
 * __udp4_lib_rcv() drops as a short packet; a smaller one is legal (the
 * kernel trims). A first fragment carries only part of the datagram, so
 * its length cannot be checked against the IP payload.
 */
static void
decode_udp(struct ctfw_pkt *pkt, uint32_t off, uint32_t end)
{
    if (!l4_fits(pkt, off, end, 8))
        return;
    const uint8_t *h = pkt->data + off;

    pkt->sport = pkt_rd16(h);
    pkt->dport = pkt_rd16(h + 2);
    pkt->udp_len = pkt_rd16(h + 4);
    if (pkt->proto == PKT_IPPROTO_UDPLITE) {
        /* RFC 3828 3.1: coverage 0 means the whole datagram; 1..7
         * and anything beyond the datagram are illegal. */
        uint32_t cov = pkt->udp_len;
        if (cov != 0 && (cov < 8 || cov > end - off))
            pkt_ev(pkt, CTFW_PKT_EV_UDP_BAD_LEN);
    } else if (pkt->udp_len < 8 ||
               (pkt->frag == CTFW_PKT_FRAG_NONE && pkt->udp_len > end - off)) {
        pkt_ev(pkt, CTFW_PKT_EV_UDP_BAD_LEN);
    }
    set_payload(pkt, off, end, 8);
}

/* ICMP messages whose second word is an identifier and sequence. */
static bool
icmp4_has_id(uint8_t type)
{
    switch (type) {
    case 0:  /* echo reply */
    case 8:  /* echo request */
    case 13: /* timestamp */
    case 14: /* timestamp reply */
    case 15: /* information request */
    case 16: /* information reply */
    case 17: /* address mask request (RFC 950) */
    case 18: /* address mask reply */
        return true;
    default:
        return false;
    }
}

/* ICMP errors that quote the offending packet (RFC 792, RFC 1812). */
static bool
icmp4_is_error(uint8_t type)
{
    switch (type) {
    case 3:  /* destination unreachable */
    case 4:  /* source quench */
    case 5:  /* redirect */
    case 11: /* time exceeded */
    case 12: /* parameter problem */
        return true;
    default:
        return false;
    }
}

/*
 * The first 8 bytes of the quoted packet's L4 header: ports (and the
 * TCP sequence number, which nf_conntrack_inet_compare and the ICMP
 * error tracking of TCP use), or the quoted ICMP type, code and id.
 */
static void
decode_inner_l4(struct ctfw_pkt *pkt, const uint8_t *h, uint32_t avail)
{
    struct ctfw_pkt_inner *in = &pkt->inner;

    switch (in->proto) {
    case PKT_IPPROTO_TCP:
    case PKT_IPPROTO_UDP:
    case PKT_IPPROTO_UDPLITE:
    case PKT_IPPROTO_SCTP:
    case PKT_IPPROTO_DCCP:
    case PKT_IPPROTO_ICMP:
    case PKT_IPPROTO_ICMPV6:
        break;
    default:
        return;
    }
    if (avail < 8) {
        pkt_ev(pkt, CTFW_PKT_EV_ICMP_INNER_TRUNCATED);
        return;
    }
    in->has_ports = true;
    if (in->proto == PKT_IPPROTO_ICMP || in->proto == PKT_IPPROTO_ICMPV6) {
        in->icmp_type = h[0];
        in->icmp_code = h[1];
        in->sport = pkt_rd16(h + 4);
        return;
    }
    in->sport = pkt_rd16(h);
    in->dport = pkt_rd16(h + 2);
    if (in->proto == PKT_IPPROTO_TCP)
        in->tcp_seq = pkt_rd32(h + 4);
}

/* The IPv4 packet quoted by an ICMP error, from off to lim. */
static void
decode_inner4(struct ctfw_pkt *pkt, uint32_t off, uint32_t lim)
{
    struct ctfw_pkt_inner *in = &pkt->inner;
    const uint8_t *h = pkt->data + off;
    uint32_t avail = lim - off;

    if (avail >= 1 && h[0] >> 4 != 4) {
        pkt_ev(pkt, CTFW_PKT_EV_ICMP_INNER_BAD);
        return;
    }
    if (avail < 20) {
        pkt_ev(pkt, CTFW_PKT_EV_ICMP_INNER_TRUNCATED);
        return;
    }
    uint32_t hl = (h[0] & 15u) * 4u;
    if (hl < 20) {
        pkt_ev(pkt, CTFW_PKT_EV_ICMP_INNER_BAD);
        return;
    }
    in->family = 4;
    in->proto = h[9];
    in->ip_len = pkt_rd16(h + 2);
    memcpy(in->src.b, h + 12, 4);
    memcpy(in->dst.b, h + 16, 4);
    pkt->has |= CTFW_PKT_HAS_INNER;
    if (hl > avail) {
        pkt_ev(pkt, CTFW_PKT_EV_ICMP_INNER_TRUNCATED);
        return;
    }
    if (pkt_rd16(h + 6) & 0x1fff)
        return; /* a later fragment was quoted: no L4 header in it */
    decode_inner_l4(pkt, h + hl, avail - hl);
}

/* The IPv6 packet quoted by an ICMPv6 error, from off to lim. */
static void
decode_inner6(struct ctfw_pkt *pkt, uint32_t off, uint32_t lim)
{
    struct ctfw_pkt_inner *in = &pkt->inner;
    const uint8_t *d = pkt->data;
    const uint8_t *h = d + off;
    uint32_t avail = lim - off;

    if (avail >= 1 && h[0] >> 4 != 6) {
        pkt_ev(pkt, CTFW_PKT_EV_ICMP_INNER_BAD);
        return;
    }
    if (avail < 40) {
        pkt_ev(pkt, CTFW_PKT_EV_ICMP_INNER_TRUNCATED);
        return;
    }
    uint8_t nh = h[6];
    in->family = 6;
    in->ip_len = pkt_rd16(h + 4);
    memcpy(in->src.b, h + 8, 16);
    memcpy(in->dst.b, h + 24, 16);
    pkt->has |= CTFW_PKT_HAS_INNER;

    /* Extension headers, as in the outer packet but recording only
     * the protocol they lead to. Each is 8 bytes or more, so the walk
     * ends within lim. */
    uint32_t q = off + 40;
    for (;;) {
        uint32_t hl;
        if (nh == PKT_IPPROTO_HOPOPTS || nh == PKT_IPPROTO_ROUTING ||
            nh == PKT_IPPROTO_DSTOPTS || nh == PKT_IPPROTO_AH) {
            if (lim - q < 2)
                break;
            hl = nh == PKT_IPPROTO_AH ? (d[q + 1] + 2u) * 4u
                                      : (d[q + 1] + 1u) * 8u;
        } else if (nh == PKT_IPPROTO_FRAGMENT) {
            hl = 8;
        } else {
            in->proto = nh;
            decode_inner_l4(pkt, d + q, lim - q);
            return;
        }
        if (hl > lim - q)
            break;
        if (nh == PKT_IPPROTO_FRAGMENT && (pkt_rd16(d + q + 2) & 0xfff8)) {
            in->proto = d[q];
            return; /* a later fragment: no L4 header quoted */
        }
        nh = d[q];
        q += hl;
    }
    in->proto = nh;
    pkt_ev(pkt, CTFW_PKT_EV_ICMP_INNER_TRUNCATED);
}

/*
 * ICMP and ICMPv6 share a layout: type, code, checksum, then a word
 * that echo-style messages use for id and sequence and errors leave
 * unused (or, RFC 4884, partly for a length), then the quoted packet.
 */
static void
decode_icmp(struct ctfw_pkt *pkt, uint32_t off, uint32_t end)
{
    if (!l4_fits(pkt, off, end, 8))
        return;
    const uint8_t *h = pkt->data + off;
    uint8_t type = h[0];
    bool v6 = pkt->family == 6;

    pkt->icmp_type = type;
    pkt->icmp_code = h[1];
    set_payload(pkt, off, end, 8);
    if (v6 ? (type == 128 || type == 129) : icmp4_has_id(type)) {
        pkt->icmp_id = pkt_rd16(h + 4);
        pkt->icmp_seq = pkt_rd16(h + 6);
        return;
    }
    /* ICMPv6 errors are types 1..4 (RFC 4443 2.1); the quoted packet
     * is bounded by the outer IP length and by the capture. */
    if (v6 ? (type >= 1 && type <= 4) : icmp4_is_error(type)) {
        uint32_t lim = end < pkt->caplen ? end : pkt->caplen;
        if (v6)
            decode_inner6(pkt, off + 8, lim);
        else
            decode_inner4(pkt, off + 8, lim);
    }
}

/*
 * GRE (RFC 2784/2890, and version 1 of RFC 2637 for PPTP): the header
 * length follows from the C, K, S (and, for version 1, A) bits.
 */
static void
decode_gre(struct ctfw_pkt *pkt, uint32_t off, uint32_t end)
{
    if (!l4_fits(pkt, off, end, 4))
        return;
    const uint8_t *h = pkt->data + off;
    uint16_t flags = pkt_rd16(h);
    uint32_t hl;

    pkt->gre_proto = pkt_rd16(h + 2);
    if ((flags & 7) == 1)
        hl = 8 + (flags & 0x1000 ? 4 : 0) + (flags & 0x0080 ? 4 : 0);
    else
        hl = 4 + (flags & 0x8000 ? 4 : 0) + (flags & 0x2000 ? 4 : 0) +
             (flags & 0x1000 ? 4 : 0);
    if (hl <= end - off && hl <= pkt->caplen - off)
        set_payload(pkt, off, end, hl);
}

void
ctfw_pkt_decode_l4(struct ctfw_pkt *pkt, uint32_t off, uint32_t end)
{
    switch (pkt->proto) {
    case PKT_IPPROTO_TCP:
        decode_tcp(pkt, off, end);
        return;
    case PKT_IPPROTO_UDP:
    case PKT_IPPROTO_UDPLITE:
        decode_udp(pkt, off, end);
        return;
    case PKT_IPPROTO_ICMP:
        if (pkt->family == 4) {
            decode_icmp(pkt, off, end);
            return;
        }
        break;
    case PKT_IPPROTO_ICMPV6:
        if (pkt->family == 6) {
            decode_icmp(pkt, off, end);
            return;
        }
        break;
    case PKT_IPPROTO_SCTP:
    case PKT_IPPROTO_DCCP:
        /* Common headers of 12 bytes (RFC 9260 3.1, RFC 4340 5.1)
         * that open with the two ports. */
        if (l4_fits(pkt, off, end, 12)) {
            pkt->sport = pkt_rd16(pkt->data + off);
            pkt->dport = pkt_rd16(pkt->data + off + 2);
            if (pkt->proto == PKT_IPPROTO_SCTP)
                set_payload(pkt, off, end, 12); /* the first chunk */
        }
        return;
    case PKT_IPPROTO_GRE:
        decode_gre(pkt, off, end);
        return;
    default:
        break;
    }
    /* Generic: no header known, but where its data starts is. */
    if (off <= pkt->caplen && off <= L4_OFF_MAX)
        pkt->l4_off = (uint16_t)off;
}
