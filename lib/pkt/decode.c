// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Packet decoder: link layer, IPv4, IPv6 and its extension headers.
 * The L4 part (TCP, UDP, ICMP and the quoted packet of ICMP errors) is in
 * l4.c. See ctfw/pkt.h for the contract.
 *
 * Every step follows one pattern: prove that the bytes it reads lie
 * within caplen, record what it found, and set a named event bit when
 * something is missing or wrong. Two limits are kept apart throughout:
 * "end", where the IP header says the packet ends (bounded by the bytes
 * on the wire), and "cap", where the captured bytes end. A header past
 * end is malformed; a header past cap is merely not captured.
 */
#include <errno.h>
#include <string.h>

#include "ctfw/bytes.h"
#include "pkt_private.h"

/* The largest offset that fits the uint16_t offset fields. */
#define OFF_MAX (CTFW_PKT_OFF_NONE - 1u)

/*
 * An Ethernet frame shorter than 60 bytes (64 with the FCS) is padded
 * by the sender, so bytes past the IP length are no anomaly there. Each
 * 802.1Q tag may add 4 to that minimum.
 */
#define ETH_MIN_FRAME 64u

static const char *const event_names[CTFW_PKT_EV_COUNT] = {
    [CTFW_PKT_EV_LINK_TRUNCATED] = "link_truncated",
    [CTFW_PKT_EV_LINK_UNSUPPORTED] = "link_unsupported",
    [CTFW_PKT_EV_VLAN_TRUNCATED] = "vlan_truncated",
    [CTFW_PKT_EV_VLAN_TOO_DEEP] = "vlan_too_deep",
    [CTFW_PKT_EV_L3_UNSUPPORTED] = "l3_unsupported",
    [CTFW_PKT_EV_IP_TRUNCATED] = "ip_truncated",
    [CTFW_PKT_EV_IP_BAD_VERSION] = "ip_bad_version",
    [CTFW_PKT_EV_IP_BAD_HLEN] = "ip_bad_hlen",
    [CTFW_PKT_EV_IP_BAD_TOTLEN] = "ip_bad_totlen",
    [CTFW_PKT_EV_IP_LEN_EXCEEDS_WIRE] = "ip_len_exceeds_wire",
    [CTFW_PKT_EV_IP_TRAILER] = "ip_trailer",
    [CTFW_PKT_EV_IP_BAD_CSUM] = "ip_bad_csum",
    [CTFW_PKT_EV_IP_OPT_BAD] = "ip_opt_bad",
    [CTFW_PKT_EV_IP6_EXT_TRUNCATED] = "ip6_ext_truncated",
    [CTFW_PKT_EV_IP6_EXT_BAD] = "ip6_ext_bad",
    [CTFW_PKT_EV_FRAG] = "frag",
    [CTFW_PKT_EV_FRAG_BAD] = "frag_bad",
    [CTFW_PKT_EV_L4_TRUNCATED] = "l4_truncated",
    [CTFW_PKT_EV_L4_BAD_HLEN] = "l4_bad_hlen",
    [CTFW_PKT_EV_TCP_OPT_BAD] = "tcp_opt_bad",
    [CTFW_PKT_EV_UDP_BAD_LEN] = "udp_bad_len",
    [CTFW_PKT_EV_ICMP_INNER_TRUNCATED] = "icmp_inner_truncated",
    [CTFW_PKT_EV_ICMP_INNER_BAD] = "icmp_inner_bad",
    [CTFW_PKT_EV_SNAPLEN] = "snaplen",
    [CTFW_PKT_EV_LINK_BAD] = "link_bad",
};

const char *
ctfw_pkt_event_name(enum ctfw_pkt_event ev)
{
    if ((unsigned)ev >= CTFW_PKT_EV_COUNT || !event_names[ev])
        return "unknown";
    return event_names[ev];
}

bool
ctfw_pkt_linktype_supported(int linktype)
{
    switch (linktype) {
    case CTFW_LINKTYPE_NULL:
    case CTFW_LINKTYPE_ETHERNET:
    case CTFW_LINKTYPE_PPP:
    case CTFW_LINKTYPE_RAW_OLD:
    case CTFW_LINKTYPE_RAW:
    case CTFW_LINKTYPE_LOOP:
    case CTFW_LINKTYPE_LINUX_SLL:
    case CTFW_LINKTYPE_IPV4:
    case CTFW_LINKTYPE_IPV6:
    case CTFW_LINKTYPE_NFLOG:
    case CTFW_LINKTYPE_LINUX_SLL2:
        return true;
    default:
        return false;
    }
}

/* ------------------------------------------------------------------ */
/* IPv4                                                                */

/*
 * Validate the option list the way ip_options_compile() does before it
 * accepts a packet: every option but EOL and NOP needs a length byte of
 * at least 2 that stays inside the header, and the options the kernel
 * interprets must have a sane length and pointer.
 */
static bool
ipv4_opts_ok(const uint8_t *o, uint32_t n)
{
    uint32_t i = 0;

    while (i < n) {
        uint8_t type = o[i];
        if (type == 0) /* EOL: the rest is padding */
            return true;
        if (type == 1) {
            i++;
            continue;
        }
        if (n - i < 2)
            return false;
        uint8_t len = o[i + 1];
        if (len < 2 || len > n - i)
            return false;
        switch (type) {
        case 7:   /* record route */
        case 131: /* loose source route */
        case 137: /* strict source route */
            if (len < 3 || o[i + 2] < 4)
                return false;
            break;
        case 68: /* timestamp */
            if (len < 4 || o[i + 2] < 5)
                return false;
            break;
        case 148: /* router alert (RFC 2113): always 4 bytes */
            if (len != 4)
                return false;
            break;
        default:
            break;
        }
        i += len;
    }
    return true;
}

/*
 * RFC 1071 over an IPv4 header (a multiple of 4 bytes): summing 32-bit
 * words and folding gives the same one's-complement sum as 16-bit
 * words (RFC 1071 2(B), byte-order and word-size independence). Inline
 * here because it runs on every packet; a correct header sums to 0xffff.
 * The words are summed as the host stores them: byte order only swaps
 * the two bytes of the folded sum, and 0xffff is its own swap. A header
 * without options, nearly every one, takes five adds.
 */
static inline bool
ipv4_csum_ok(const uint8_t *h, uint32_t hlen)
{
    uint64_t sum;

    if (hlen == 20) {
        sum = (uint64_t)ctfw_load32(h) + ctfw_load32(h + 4) +
              ctfw_load32(h + 8) + ctfw_load32(h + 12) + ctfw_load32(h + 16);
    } else {
        sum = 0;
        for (uint32_t i = 0; i < hlen; i += 4)
            sum += ctfw_load32(h + i);
    }
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

/*
 * Bytes past the IP length: an anomaly unless they are the padding an
 * Ethernet sender adds to reach the minimum frame size.
 */
static void
check_trailer(struct ctfw_pkt *pkt, uint32_t wire)
{
    if (pkt->linktype == CTFW_LINKTYPE_ETHERNET &&
        wire <= ETH_MIN_FRAME + 4u * pkt->n_vlan)
        return;
    pkt_ev(pkt, CTFW_PKT_EV_IP_TRAILER);
}

/*
 * Fragment sanity shared by both families: the data must not reach past
 * the 65535-byte datagram limit, and every fragment but the last must
 * carry a non-empty multiple of 8 bytes (RFC 791, RFC 8200 4.5).
 */
static void
check_frag(struct ctfw_pkt *pkt, uint32_t data_len)
{
    pkt_ev(pkt, CTFW_PKT_EV_FRAG);
    pkt->frag = pkt->frag_off ? CTFW_PKT_FRAG_LATER : CTFW_PKT_FRAG_FIRST;
    if ((uint32_t)pkt->frag_off + data_len > 65535u ||
        (pkt->frag_mf && (data_len == 0 || (data_len & 7))))
        pkt_ev(pkt, CTFW_PKT_EV_FRAG_BAD);
}

static int
decode_ipv4(struct ctfw_pkt *pkt, uint32_t off, uint32_t wire)
{
    const uint8_t *d = pkt->data;
    uint32_t cap = pkt->caplen;

    if (off > OFF_MAX || off > cap || cap - off < 20) {
        /* The version nibble alone is worth a word when it is wrong. */
        if (off < cap && d[off] >> 4 != 4)
            pkt_ev(pkt, CTFW_PKT_EV_IP_BAD_VERSION);
        else
            pkt_ev(pkt, CTFW_PKT_EV_IP_TRUNCATED);
        return -EPROTO;
    }
    const uint8_t *h = d + off;
    if (h[0] >> 4 != 4) {
        pkt_ev(pkt, CTFW_PKT_EV_IP_BAD_VERSION);
        return -EPROTO;
    }

    uint32_t hlen = (h[0] & 15u) * 4u;
    uint32_t totlen = pkt_rd16(h + 2);
    uint16_t fo = pkt_rd16(h + 6);

    pkt->family = 4;
    pkt->has |= CTFW_PKT_HAS_IP;
    pkt->l3_off = (uint16_t)off;
    pkt->tos = h[1];
    pkt->ip_len = totlen;
    pkt->ip_id = pkt_rd16(h + 4);
    pkt->ip_df = fo & 0x4000;
    pkt->frag_mf = fo & 0x2000;
    pkt->frag_off = (uint16_t)((fo & 0x1fff) * 8u);
    pkt->ttl = h[8];
    pkt->proto = h[9];
    memcpy(pkt->src.b, h + 12, 4);
    memcpy(pkt->dst.b, h + 16, 4);

    if (hlen < 20) {
        /* Nothing past the fixed header can be located. */
        pkt_ev(pkt, CTFW_PKT_EV_IP_BAD_HLEN);
        return 0;
    }
    pkt->ip_hlen = (uint16_t)hlen;

    /*
     * Where the packet ends. A total length shorter than the header is
     * what ip_rcv_core() drops; it is also what GSO/TSO captures show
     * (0), so the decoder carries on with the bytes on the wire and
     * lets the event speak.
     */
    uint32_t avail = wire - off;
    uint32_t end;
    if (totlen < hlen) {
        pkt_ev(pkt, CTFW_PKT_EV_IP_BAD_TOTLEN);
        end = wire;
    } else if (totlen > avail) {
        pkt_ev(pkt, CTFW_PKT_EV_IP_LEN_EXCEEDS_WIRE);
        end = wire;
    } else {
        end = off + totlen;
        if (totlen < avail)
            check_trailer(pkt, wire);
    }
    if (hlen > end - off) {
        /* The header claims more than the packet holds. */
        pkt_ev(pkt, CTFW_PKT_EV_IP_BAD_HLEN);
        return 0;
    }
    /* Lengths and fragment position need no captured byte beyond the
     * fixed header, so they are known even when the options are not. */
    uint32_t l4 = off + hlen;
    pkt->l4_len = end - l4;
    /* Test the header word, not the fields just stored: reading them
     * back as one load stalls on store forwarding (seen in perf). */
    if (fo & 0x3fff)
        check_frag(pkt, end - l4);
    if (hlen > cap - off) {
        pkt_ev(pkt, CTFW_PKT_EV_IP_TRUNCATED);
        return 0;
    }

    if (ipv4_csum_ok(h, hlen))
        pkt->ip_csum_ok = true;
    else
        pkt_ev(pkt, CTFW_PKT_EV_IP_BAD_CSUM);
    if (hlen > 20 && !ipv4_opts_ok(h + 20, hlen - 20))
        pkt_ev(pkt, CTFW_PKT_EV_IP_OPT_BAD);
    if (pkt->frag == CTFW_PKT_FRAG_LATER)
        return 0;
    ctfw_pkt_decode_l4(pkt, l4, end);
    return 0;
}

/* ------------------------------------------------------------------ */
/* IPv6                                                                */

/*
 * Walk the extension headers from off (the first one, of type *nh) to
 * the upper-layer header, recording each in pkt. Returns the offset of
 * that header with *nh its type, or 0 when the walk had to stop
 * (truncated or malformed; *nh is then the type of the header that
 * could not be read). A later fragment stops the walk at its data.
 */
static uint32_t
ip6_walk(struct ctfw_pkt *pkt, uint32_t off, uint32_t end, uint8_t *nh)
{
    const uint8_t *d = pkt->data;
    uint32_t cap = pkt->caplen;
    uint32_t first = off;
    uint32_t lim = end < cap ? end : cap;

    for (;;) {
        uint32_t hl;
        uint8_t kind = *nh;
        switch (kind) {
        case PKT_IPPROTO_HOPOPTS:
        case PKT_IPPROTO_ROUTING:
        case PKT_IPPROTO_DSTOPTS:
        case PKT_IPPROTO_AH:
            if (lim < 2 || off > lim - 2) {
                pkt_ev(pkt, off + 2 > end ? CTFW_PKT_EV_IP6_EXT_BAD
                                          : CTFW_PKT_EV_IP6_EXT_TRUNCATED);
                return 0;
            }
            hl = kind == PKT_IPPROTO_AH ? (d[off + 1] + 2u) * 4u
                                        : (d[off + 1] + 1u) * 8u;
            break;
        case PKT_IPPROTO_FRAGMENT:
            hl = 8;
            break;
        default:
            return off;
        }
        if (off > end || hl > end - off) {
            pkt_ev(pkt, CTFW_PKT_EV_IP6_EXT_BAD);
            return 0;
        }
        if (off > cap || hl > cap - off) {
            pkt_ev(pkt, CTFW_PKT_EV_IP6_EXT_TRUNCATED);
            return 0;
        }
        /* RFC 8200 4.1: hop-by-hop options only right after the fixed
         * header; the kernel drops the packet otherwise. */
        if (kind == PKT_IPPROTO_HOPOPTS && off != first)
            pkt_ev(pkt, CTFW_PKT_EV_IP6_EXT_BAD);
        switch (kind) {
        case PKT_IPPROTO_HOPOPTS:
            pkt->ip6_ext_mask |= PKT_EXT_HBH;
            break;
        case PKT_IPPROTO_ROUTING:
            pkt->ip6_ext_mask |= PKT_EXT_RT;
            break;
        case PKT_IPPROTO_DSTOPTS:
            pkt->ip6_ext_mask |= PKT_EXT_DST;
            break;
        case PKT_IPPROTO_AH:
            pkt->ip6_ext_mask |= PKT_EXT_AH;
            break;
        default: {
            uint16_t fo = pkt_rd16(d + off + 2);
            if (pkt->ip6_ext_mask & PKT_EXT_FRAG)
                /* Two fragment headers: reassembly is impossible. */
                pkt_ev(pkt, CTFW_PKT_EV_FRAG_BAD);
            pkt->ip6_ext_mask |= PKT_EXT_FRAG;
            pkt->ip6_frag_id = pkt_rd32(d + off + 4);
            pkt->ip_id = (uint16_t)pkt->ip6_frag_id;
            pkt->frag_off = fo & 0xfff8;
            pkt->frag_mf = fo & 1;
            /* Offset 0 without M is an atomic fragment (RFC 6946):
             * not a fragment at all for the kernel. */
            if (pkt->frag_off || pkt->frag_mf)
                check_frag(pkt, end - off - hl);
            break;
        }
        }
        *nh = d[off];
        off += hl;
        if (off > OFF_MAX - 64) {
            /* Beyond the uint16_t offset fields: absurd, not real. */
            pkt_ev(pkt, CTFW_PKT_EV_IP6_EXT_BAD);
            return 0;
        }
        if (pkt->frag == CTFW_PKT_FRAG_LATER)
            return off;
    }
}

static int
decode_ipv6(struct ctfw_pkt *pkt, uint32_t off, uint32_t wire)
{
    const uint8_t *d = pkt->data;
    uint32_t cap = pkt->caplen;

    if (off > OFF_MAX - 40 || off > cap || cap - off < 40) {
        if (off < cap && d[off] >> 4 != 6)
            pkt_ev(pkt, CTFW_PKT_EV_IP_BAD_VERSION);
        else
            pkt_ev(pkt, CTFW_PKT_EV_IP_TRUNCATED);
        return -EPROTO;
    }
    const uint8_t *h = d + off;
    if (h[0] >> 4 != 6) {
        pkt_ev(pkt, CTFW_PKT_EV_IP_BAD_VERSION);
        return -EPROTO;
    }

    uint32_t vtf = pkt_rd32(h);
    uint32_t plen = pkt_rd16(h + 4);
    uint8_t nh = h[6];

    pkt->family = 6;
    pkt->has |= CTFW_PKT_HAS_IP;
    pkt->l3_off = (uint16_t)off;
    pkt->tos = (uint8_t)(vtf >> 20);
    pkt->ip6_flow = vtf & 0xfffff;
    pkt->ip6_nexthdr = nh;
    pkt->ttl = h[7];
    pkt->ip_len = 40 + plen;
    memcpy(pkt->src.b, h + 8, 16);
    memcpy(pkt->dst.b, h + 24, 16);

    uint32_t avail = wire - off;
    uint32_t end;
    if (plen == 0 && nh == PKT_IPPROTO_HOPOPTS && avail > 40) {
        /* A jumbogram (RFC 2675) or a BIG TCP capture: the real
         * length is in a hop-by-hop option; use the wire's. */
        end = wire;
    } else if (40 + plen > avail) {
        pkt_ev(pkt, CTFW_PKT_EV_IP_LEN_EXCEEDS_WIRE);
        end = wire;
    } else {
        end = off + 40 + plen;
        if (40 + plen < avail)
            check_trailer(pkt, wire);
    }

    uint32_t l4 = ip6_walk(pkt, off + 40, end, &nh);
    pkt->proto = nh;
    if (!l4)
        return 0;
    pkt->ip_hlen = (uint16_t)(l4 - off);
    pkt->l4_len = end - l4;
    if (pkt->frag == CTFW_PKT_FRAG_LATER)
        return 0;
    ctfw_pkt_decode_l4(pkt, l4, end);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Link layers                                                         */

static int
decode_ip_version(struct ctfw_pkt *pkt, uint32_t off, uint32_t wire)
{
    if (off >= pkt->caplen) {
        pkt_ev(pkt, CTFW_PKT_EV_IP_TRUNCATED);
        return -EPROTO;
    }
    switch (pkt->data[off] >> 4) {
    case 4:
        return decode_ipv4(pkt, off, wire);
    case 6:
        return decode_ipv6(pkt, off, wire);
    default:
        pkt_ev(pkt, CTFW_PKT_EV_IP_BAD_VERSION);
        return -EPROTO;
    }
}

/*
 * PPP protocol field (RFC 1661 2): two bytes, or one when compressed
 * (PFC), which an odd first byte announces.
 */
static int
decode_ppp_proto(struct ctfw_pkt *pkt, uint32_t off, uint32_t wire)
{
    const uint8_t *d = pkt->data;
    uint32_t cap = pkt->caplen;
    uint16_t proto;

    if (off >= cap) {
        pkt_ev(pkt, CTFW_PKT_EV_LINK_TRUNCATED);
        return -EPROTO;
    }
    if (d[off] & 1) {
        proto = d[off];
        off += 1;
    } else {
        if (cap - off < 2) {
            pkt_ev(pkt, CTFW_PKT_EV_LINK_TRUNCATED);
            return -EPROTO;
        }
        proto = pkt_rd16(d + off);
        off += 2;
    }
    pkt->ppp_proto = proto;
    pkt->has |= CTFW_PKT_HAS_L2;
    switch (proto) {
    case 0x0021:
        return decode_ipv4(pkt, off, wire);
    case 0x0057:
        return decode_ipv6(pkt, off, wire);
    default:
        pkt_ev(pkt, CTFW_PKT_EV_L3_UNSUPPORTED);
        return -EPROTO;
    }
}

/*
 * Dispatch on an ethertype, first peeling 802.1Q/802.1ad tags (0x8100,
 * 0x88a8, and the pre-standard QinQ types 0x9100/0x9200), an LLC/SNAP
 * header and a PPPoE session header. Used by Ethernet and the cooked
 * (SLL/SLL2) link types, where libpcap re-inserts VLAN tags too.
 */
static int
decode_ethertype(struct ctfw_pkt *pkt, uint32_t off, uint16_t type,
                 uint32_t wire)
{
    const uint8_t *d = pkt->data;
    uint32_t cap = pkt->caplen;
    unsigned depth = 0;

    for (;;) {
        pkt->ethertype = type;
        switch (type) {
        case 0x0800:
            return decode_ipv4(pkt, off, wire);
        case 0x86dd:
            return decode_ipv6(pkt, off, wire);
        case 0x8100:
        case 0x88a8:
        case 0x9100:
        case 0x9200:
            if (off > cap || cap - off < 4 || off > OFF_MAX - 64) {
                pkt_ev(pkt, off > OFF_MAX - 64 ? CTFW_PKT_EV_VLAN_TOO_DEEP
                                               : CTFW_PKT_EV_VLAN_TRUNCATED);
                return -EPROTO;
            }
            if (depth < 2) {
                pkt->vlan_tci[depth] = pkt_rd16(d + off);
                pkt->n_vlan = (uint8_t)(depth + 1);
            } else if (depth == 2) {
                pkt_ev(pkt, CTFW_PKT_EV_VLAN_TOO_DEEP);
            }
            depth++;
            pkt->has |= CTFW_PKT_HAS_VLAN;
            type = pkt_rd16(d + off + 2);
            off += 4;
            continue;
        case 0x8864:
            /* RFC 2516: ver/type 0x11, code 0 (session data), session
             * id, length, then the PPP protocol. */
            if (off > cap || cap - off < 6) {
                pkt_ev(pkt, CTFW_PKT_EV_LINK_TRUNCATED);
                return -EPROTO;
            }
            if (d[off] != 0x11 || d[off + 1] != 0) {
                pkt_ev(pkt, CTFW_PKT_EV_LINK_BAD);
                return -EPROTO;
            }
            pkt->pppoe_sid = pkt_rd16(d + off + 2);
            pkt->has |= CTFW_PKT_HAS_PPPOE;
            return decode_ppp_proto(pkt, off + 6, wire);
        default:
            break;
        }
        /* An 802.3 length instead of a type: only SNAP with the
         * zero OUI carries an ethertype (RFC 1042). */
        if (type <= 1500 && off <= cap && cap - off >= 8 &&
            off <= OFF_MAX - 64 && d[off] == 0xaa && d[off + 1] == 0xaa &&
            d[off + 2] == 0x03 && d[off + 3] == 0 && d[off + 4] == 0 &&
            d[off + 5] == 0) {
            type = pkt_rd16(d + off + 6);
            off += 8;
            continue;
        }
        pkt_ev(pkt, CTFW_PKT_EV_L3_UNSUPPORTED);
        return -EPROTO;
    }
}

static int
decode_ethernet(struct ctfw_pkt *pkt, uint32_t wire)
{
    const uint8_t *d = pkt->data;

    if (pkt->caplen < 14) {
        pkt_ev(pkt, CTFW_PKT_EV_LINK_TRUNCATED);
        return -EPROTO;
    }
    memcpy(pkt->dst_mac, d, 6);
    memcpy(pkt->src_mac, d + 6, 6);
    pkt->has_mac = true;
    pkt->has |= CTFW_PKT_HAS_L2;
    return decode_ethertype(pkt, 14, pkt_rd16(d + 12), wire);
}

/* Linux cooked v1: 16 bytes, pkttype and protocol big-endian. */
static int
decode_sll(struct ctfw_pkt *pkt, uint32_t wire)
{
    const uint8_t *d = pkt->data;

    if (pkt->caplen < 16) {
        pkt_ev(pkt, CTFW_PKT_EV_LINK_TRUNCATED);
        return -EPROTO;
    }
    pkt->sll_pkttype = (uint8_t)pkt_rd16(d);
    pkt->has |= CTFW_PKT_HAS_L2 | CTFW_PKT_HAS_SLL;
    return decode_ethertype(pkt, 16, pkt_rd16(d + 14), wire);
}

/* Linux cooked v2: 20 bytes, protocol first, then the ifindex. */
static int
decode_sll2(struct ctfw_pkt *pkt, uint32_t wire)
{
    const uint8_t *d = pkt->data;

    if (pkt->caplen < 20) {
        pkt_ev(pkt, CTFW_PKT_EV_LINK_TRUNCATED);
        return -EPROTO;
    }
    pkt->sll_ifindex = pkt_rd32(d + 4);
    pkt->sll_pkttype = d[10];
    pkt->has |= CTFW_PKT_HAS_L2 | CTFW_PKT_HAS_SLL;
    return decode_ethertype(pkt, 20, pkt_rd16(d), wire);
}

/*
 * BSD loopback: a 4-byte address family. NULL stores it in the byte
 * order of the capturing host, which the reader cannot know; as libpcap
 * does, a value whose low 16 bits are zero is taken as byte-swapped.
 * AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD, OpenBSD), 28
 * (FreeBSD) or 30 (macOS).
 */
static int
decode_loopback(struct ctfw_pkt *pkt, bool net_order, uint32_t wire)
{
    const uint8_t *d = pkt->data;
    uint32_t af;

    if (pkt->caplen < 4) {
        pkt_ev(pkt, CTFW_PKT_EV_LINK_TRUNCATED);
        return -EPROTO;
    }
    if (net_order) {
        af = pkt_rd32(d);
    } else {
        af = (uint32_t)d[3] << 24 | (uint32_t)d[2] << 16 |
             (uint32_t)d[1] << 8 | d[0];
        if ((af & 0xffff) == 0)
            af = pkt_rd32(d);
    }
    pkt->has |= CTFW_PKT_HAS_L2;
    switch (af) {
    case 2:
        return decode_ipv4(pkt, 4, wire);
    case 24:
    case 28:
    case 30:
        return decode_ipv6(pkt, 4, wire);
    default:
        pkt_ev(pkt, CTFW_PKT_EV_L3_UNSUPPORTED);
        return -EPROTO;
    }
}

/* DLT_PPP: optional HDLC address/control bytes ff 03, then PPP. */
static int
decode_ppp(struct ctfw_pkt *pkt, uint32_t wire)
{
    uint32_t off = 0;

    if (pkt->caplen >= 2 && pkt->data[0] == 0xff && pkt->data[1] == 0x03)
        off = 2;
    return decode_ppp_proto(pkt, off, wire);
}

/*
 * NFLOG: family, version, resource id, then TLVs whose length and type
 * are in the capturing host's byte order (libpcap swaps them into ours
 * when the file's differs). Length counts the 4-byte TLV header but not
 * the padding to 4. Type 9 (NFULA_PAYLOAD) holds the IP packet.
 */
static int
decode_nflog(struct ctfw_pkt *pkt, uint32_t wire)
{
    const uint8_t *d = pkt->data;
    uint32_t cap = pkt->caplen;
    uint32_t off = 4;

    if (cap < 4) {
        pkt_ev(pkt, CTFW_PKT_EV_LINK_TRUNCATED);
        return -EPROTO;
    }
    if (d[1] != 0) {
        pkt_ev(pkt, CTFW_PKT_EV_LINK_BAD);
        return -EPROTO;
    }
    pkt->has |= CTFW_PKT_HAS_L2;
    while (off <= OFF_MAX - 64) {
        uint16_t len, type;
        if (cap - off < 4) {
            pkt_ev(pkt, off >= cap && off >= wire
                            ? CTFW_PKT_EV_L3_UNSUPPORTED /* no payload */
                            : CTFW_PKT_EV_LINK_TRUNCATED);
            return -EPROTO;
        }
        memcpy(&len, d + off, 2);
        memcpy(&type, d + off + 2, 2);
        if (len < 4) {
            pkt_ev(pkt, CTFW_PKT_EV_LINK_BAD);
            return -EPROTO;
        }
        if (type == 9) {
            /* The IP packet ends with its TLV: narrow both limits. */
            uint32_t tlv_end = off + len;
            if (tlv_end < wire)
                wire = tlv_end;
            if (tlv_end < cap)
                pkt->caplen = tlv_end;
            int rc;
            switch (d[0]) {
            case 2:
                rc = decode_ipv4(pkt, off + 4, wire);
                break;
            case 10:
                rc = decode_ipv6(pkt, off + 4, wire);
                break;
            default:
                rc = decode_ip_version(pkt, off + 4, wire);
                break;
            }
            pkt->caplen = cap;
            return rc;
        }
        off += (len + 3u) & ~3u;
        if (off > cap)
            break;
    }
    pkt_ev(pkt, CTFW_PKT_EV_LINK_TRUNCATED);
    return -EPROTO;
}

/*
 * The struct is zeroed in pieces of at most 64 bytes with constant
 * offsets: the compiler turns each into a few vector stores, where one
 * memset() of the whole 176 bytes becomes "rep stos", whose start-up
 * cost was a fifth of the decoder's time in bench_decode. The SACK
 * blocks (32 bytes) are skipped: n_sack says how many are valid.
 */
#define PKT_HEAD_END offsetof(struct ctfw_pkt, tcp_opts.sack)
#define PKT_TAIL_OFF offsetof(struct ctfw_pkt, icmp_type)
#define PKT_TAIL_LEN (sizeof(struct ctfw_pkt) - PKT_TAIL_OFF)
_Static_assert(PKT_HEAD_END > 128 && PKT_HEAD_END <= 192,
               "adjust the zeroing pieces in ctfw_pkt_decode()");
_Static_assert(PKT_TAIL_LEN <= 64,
               "adjust the zeroing pieces in ctfw_pkt_decode()");

static void
zero_pkt(struct ctfw_pkt *pkt)
{
    uint8_t *b = (uint8_t *)pkt;

    memset(b, 0, 64);
    memset(b + 64, 0, 64);
    memset(b + 128, 0, PKT_HEAD_END - 128);
    memset(b + PKT_TAIL_OFF, 0, PKT_TAIL_LEN);
}

int
ctfw_pkt_decode(struct ctfw_pkt *pkt, int linktype, const uint8_t *data,
                uint32_t caplen, uint32_t wirelen)
{
    /*
     * Zero the struct so that fields of absent headers read as 0, as the
     * header promises; the SACK blocks are the only part left out, since
     * n_sack says how many are valid.
     */
    zero_pkt(pkt);
    pkt->data = data;
    pkt->caplen = caplen;
    pkt->wirelen = wirelen;
    pkt->linktype = (uint16_t)linktype;
    pkt->l3_off = CTFW_PKT_OFF_NONE;
    pkt->l4_off = CTFW_PKT_OFF_NONE;
    pkt->payload_off = CTFW_PKT_OFF_NONE;
    pkt->tcp_opts.wscale = -1;

    /* A record whose wire length is below its captured length is
     * broken; trust the bytes we hold. */
    uint32_t wire = wirelen;
    if (wire < caplen)
        wire = caplen;
    else if (wire > caplen)
        pkt_ev(pkt, CTFW_PKT_EV_SNAPLEN);

    switch (linktype) {
    case CTFW_LINKTYPE_ETHERNET:
        return decode_ethernet(pkt, wire);
    case CTFW_LINKTYPE_LINUX_SLL:
        return decode_sll(pkt, wire);
    case CTFW_LINKTYPE_LINUX_SLL2:
        return decode_sll2(pkt, wire);
    case CTFW_LINKTYPE_RAW_OLD:
    case CTFW_LINKTYPE_RAW:
        return decode_ip_version(pkt, 0, wire);
    case CTFW_LINKTYPE_IPV4:
        return decode_ipv4(pkt, 0, wire);
    case CTFW_LINKTYPE_IPV6:
        return decode_ipv6(pkt, 0, wire);
    case CTFW_LINKTYPE_NULL:
        return decode_loopback(pkt, false, wire);
    case CTFW_LINKTYPE_LOOP:
        return decode_loopback(pkt, true, wire);
    case CTFW_LINKTYPE_PPP:
        return decode_ppp(pkt, wire);
    case CTFW_LINKTYPE_NFLOG:
        return decode_nflog(pkt, wire);
    default:
        pkt_ev(pkt, CTFW_PKT_EV_LINK_UNSUPPORTED);
        return -EPROTO;
    }
}
