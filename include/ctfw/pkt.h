/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctfw packet decoder.
 *
 * Usage: fill a struct ctfw_pkt with ctfw_pkt_decode() once per packet;
 * every later stage (rules, conntrack, NAT, reports) reads the stored
 * fields and offsets instead of parsing headers again.
 *
 * Lifetime: the struct points into the caller's buffer (data); it stays
 * valid as long as that buffer does. The decoder never allocates, never
 * prints, and never reads past caplen. Thread-safe: no shared state.
 *
 * What is known stays known: a packet cut short by the snap length keeps
 * every header that fitted; the fields of headers that did not fit stay
 * zero and the matching CTFW_PKT_HAS_* bit stays clear. Every anomaly is
 * recorded as a named decode event (bit set in pkt->events); callers count
 * them with ctfw_pkt_event_name() as the key.
 */
#ifndef CTFW_PKT_H
#define CTFW_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Link types: the pcap LINKTYPE_* / DLT_* numbers that ctfw decodes. */
enum ctfw_linktype {
    CTFW_LINKTYPE_NULL = 0,        /* BSD loopback, host-order AF */
    CTFW_LINKTYPE_ETHERNET = 1,
    CTFW_LINKTYPE_PPP = 9,         /* RFC 1661 PPP, optional ff 03 */
    CTFW_LINKTYPE_RAW_OLD = 12,    /* DLT_RAW on most platforms */
    CTFW_LINKTYPE_RAW = 101,       /* LINKTYPE_RAW: IPv4 or IPv6 */
    CTFW_LINKTYPE_LOOP = 108,      /* OpenBSD loopback, network-order AF */
    CTFW_LINKTYPE_LINUX_SLL = 113,
    CTFW_LINKTYPE_IPV4 = 228,
    CTFW_LINKTYPE_IPV6 = 229,
    CTFW_LINKTYPE_NFLOG = 239,     /* Linux NFLOG: TLVs, payload is IP */
    CTFW_LINKTYPE_LINUX_SLL2 = 276,
};

/* Offset sentinel: the header is absent or was not captured. */
#define CTFW_PKT_OFF_NONE UINT16_MAX

/*
 * Named decode events. Each is one bit of pkt->events; the names (see
 * ctfw_pkt_event_name()) are stable and appear in reports and JSON.
 */
enum ctfw_pkt_event {
    CTFW_PKT_EV_LINK_TRUNCATED,     /* link header cut short */
    CTFW_PKT_EV_LINK_UNSUPPORTED,   /* link type not decoded */
    CTFW_PKT_EV_VLAN_TRUNCATED,
    CTFW_PKT_EV_VLAN_TOO_DEEP,      /* more than two 802.1Q tags */
    CTFW_PKT_EV_L3_UNSUPPORTED,     /* ethertype other than IPv4/IPv6 */
    CTFW_PKT_EV_IP_TRUNCATED,       /* IP header beyond caplen */
    CTFW_PKT_EV_IP_BAD_VERSION,
    CTFW_PKT_EV_IP_BAD_HLEN,        /* IHL < 5 */
    CTFW_PKT_EV_IP_BAD_TOTLEN,      /* total length < header length */
    CTFW_PKT_EV_IP_LEN_EXCEEDS_WIRE, /* IP length > bytes on the wire */
    CTFW_PKT_EV_IP_TRAILER,         /* wire bytes beyond IP length */
    CTFW_PKT_EV_IP_BAD_CSUM,        /* IPv4 header checksum wrong */
    CTFW_PKT_EV_IP_OPT_BAD,         /* malformed IPv4 option */
    CTFW_PKT_EV_IP6_EXT_TRUNCATED,  /* extension header beyond caplen */
    CTFW_PKT_EV_IP6_EXT_BAD,        /* malformed extension header */
    CTFW_PKT_EV_FRAG,               /* a fragment (first or later) */
    CTFW_PKT_EV_FRAG_BAD,           /* fragment offset/length impossible */
    CTFW_PKT_EV_L4_TRUNCATED,       /* L4 header beyond caplen */
    CTFW_PKT_EV_L4_BAD_HLEN,        /* TCP doff < 5, or the L4 header
                                       past the IP length */
    CTFW_PKT_EV_TCP_OPT_BAD,        /* malformed TCP option */
    CTFW_PKT_EV_UDP_BAD_LEN,        /* UDP length field disagrees */
    CTFW_PKT_EV_ICMP_INNER_TRUNCATED, /* quoted packet cut short */
    CTFW_PKT_EV_ICMP_INNER_BAD,     /* quoted packet not valid IP */
    CTFW_PKT_EV_SNAPLEN,            /* caplen < wirelen (info) */
    /* Added after the first release of this header: append only, so
     * that stored counters keep their meaning. */
    CTFW_PKT_EV_LINK_BAD,           /* malformed link header: NFLOG TLV,
                                       PPPoE version/type */
    CTFW_PKT_EV_COUNT
};

/* Which headers were decoded completely (pkt->has). */
#define CTFW_PKT_HAS_L2 (1u << 0)
#define CTFW_PKT_HAS_VLAN (1u << 1)
#define CTFW_PKT_HAS_IP (1u << 2)      /* IPv4 or IPv6 fixed header */
#define CTFW_PKT_HAS_L4 (1u << 3)      /* the L4 fixed header */
#define CTFW_PKT_HAS_TCPOPT (1u << 4)  /* TCP options fully captured */
#define CTFW_PKT_HAS_INNER (1u << 5)   /* ICMP error: quoted packet */
#define CTFW_PKT_HAS_SLL (1u << 6)     /* direction / ifindex known */
#define CTFW_PKT_HAS_PPPOE (1u << 7)   /* PPPoE session header seen */

/* IP fragment position (pkt->frag). */
enum ctfw_pkt_frag {
    CTFW_PKT_FRAG_NONE = 0,
    CTFW_PKT_FRAG_FIRST,   /* offset 0, more fragments */
    CTFW_PKT_FRAG_LATER,   /* offset > 0: no L4 header here */
};

/* TCP flag bits as on the wire (byte 13), plus ECE/CWR. */
#define CTFW_TCP_FIN 0x01
#define CTFW_TCP_SYN 0x02
#define CTFW_TCP_RST 0x04
#define CTFW_TCP_PSH 0x08
#define CTFW_TCP_ACK 0x10
#define CTFW_TCP_URG 0x20
#define CTFW_TCP_ECE 0x40
#define CTFW_TCP_CWR 0x80

/* An address of either family; IPv4 uses the first 4 bytes. */
union ctfw_addr {
    uint8_t b[16];
    uint32_t w[4];   /* network byte order */
};

/* TCP options that window tracking and the MSS target need. */
struct ctfw_tcp_opts {
    uint16_t mss;            /* 0 = absent */
    int8_t wscale;           /* -1 = absent; else shift as sent (capped
                                at 127; above 14 also tcp_opt_bad,
                                RFC 7323 2.3: the tracker uses 14) */
    bool sack_perm;
    bool has_ts;
    uint8_t n_sack;          /* SACK blocks present (0..4) */
    uint32_t ts_val, ts_ecr;
    uint32_t sack[4][2];     /* left, right edge; only [0..n_sack) are
                                written, the rest is left as it was */
};

/* The L3/L4 summary of a packet quoted inside an ICMP error. */
struct ctfw_pkt_inner {
    uint8_t family;          /* 4, 6 or 0 */
    uint8_t proto;
    bool has_ports;          /* first 8 L4 bytes captured */
    union ctfw_addr src, dst;
    uint16_t sport, dport;   /* host order; ICMP: id in sport */
    uint8_t icmp_type, icmp_code;
    uint16_t ip_len;         /* quoted IP total/payload length field */
    uint32_t tcp_seq;
};

struct ctfw_pkt {
    const uint8_t *data;     /* caller's buffer, caplen bytes */
    uint32_t caplen;         /* bytes captured */
    uint32_t wirelen;        /* bytes on the wire */
    uint64_t events;         /* bit (1 << enum ctfw_pkt_event) */
    uint32_t has;            /* CTFW_PKT_HAS_* */

    /* Link layer. */
    uint16_t linktype;       /* enum ctfw_linktype */
    uint16_t ethertype;      /* after VLAN tags; 0 if none */
    /*
     * Offsets from data, or CTFW_PKT_OFF_NONE. l3_off: the IP header,
     * set when its fixed part was captured (CTFW_PKT_HAS_IP). l4_off:
     * the L4 header, set with CTFW_PKT_HAS_L4; for protocols decoded
     * generically (no fixed header known) it is the start of the L4
     * data when that lies within caplen; never set for a later
     * fragment. payload_off: after the whole L4 header (TCP options
     * included), set only when that header was captured completely.
     */
    uint16_t l3_off;
    uint16_t l4_off;
    uint16_t payload_off;
    uint8_t n_vlan;
    uint16_t vlan_tci[2];    /* outer first */
    uint8_t src_mac[6], dst_mac[6];
    bool has_mac;
    /* LINUX_SLL/SLL2: packet type (0 host, 1 broadcast, 2 multicast,
     * 3 otherhost, 4 outgoing) and, for SLL2, the interface index. */
    uint8_t sll_pkttype;
    uint32_t sll_ifindex;
    /* PPPoE session (ethertype 0x8864) and PPP links: the session id
     * and the PPP protocol (0x0021 IPv4, 0x0057 IPv6); 0 when absent. */
    uint16_t pppoe_sid;
    uint16_t ppp_proto;

    /* Network layer. */
    uint8_t family;          /* 4, 6, or 0 when no IP */
    uint8_t proto;           /* L4 protocol (after IPv6 ext headers) */
    uint8_t ttl;             /* TTL / hop limit */
    uint8_t tos;             /* TOS / traffic class */
    uint16_t ip_hlen;        /* IPv4 IHL*4, or 40 + ext headers */
    uint32_t ip_len;         /* IPv4 total length; IPv6 40 + payload
                                (wider than 16 bits for that sum) */
    uint16_t ip_id;          /* IPv4 id; IPv6 fragment id low 16 bits */
    uint32_t ip6_frag_id;
    uint32_t ip6_flow;       /* IPv6 flow label */
    uint16_t frag_off;       /* offset in bytes */
    bool frag_mf, ip_df;
    uint8_t frag;            /* enum ctfw_pkt_frag */
    uint8_t ip6_nexthdr;     /* IPv6 fixed header next header */
    uint8_t ip6_ext_mask;    /* bit per kind seen: 1 hbh,2 rt,4 frag,
                                8 dst,16 ah */
    bool ip_csum_ok;         /* IPv4 header checksum verified good;
                                false when bad (ip_bad_csum) or when
                                the header was not all captured */
    union ctfw_addr src, dst;

    /* Transport layer (host byte order). */
    uint16_t sport, dport;   /* TCP/UDP/UDP-Lite/SCTP/DCCP ports */
    /* L4 bytes per the IP length (bounded by the bytes on the wire);
     * for a later fragment, the fragment's data. */
    uint32_t l4_len;
    uint32_t payload_len;    /* L4 payload per the IP length */
    uint8_t tcp_flags;
    uint8_t tcp_doff;        /* header length in bytes */
    uint32_t tcp_seq, tcp_ack;
    uint16_t tcp_win;        /* raw, unscaled */
    uint16_t udp_len;        /* UDP length; UDP-Lite checksum coverage */
    struct ctfw_tcp_opts tcp_opts;
    uint8_t icmp_type, icmp_code;
    uint16_t icmp_id, icmp_seq; /* echo-style messages */
    uint16_t gre_proto;      /* GRE protocol type */
    struct ctfw_pkt_inner inner; /* ICMP/ICMPv6 errors */
};

/*
 * Decode one captured frame. Never fails on bad input: returns 0 when an
 * IP packet was found (pkt->family != 0), -EPROTO when it was not (the
 * reason is in pkt->events). data must stay valid while pkt is used.
 */
int ctfw_pkt_decode(struct ctfw_pkt *pkt, int linktype, const uint8_t *data,
                    uint32_t caplen, uint32_t wirelen);

/* True when ctfw_pkt_decode() knows this link type. */
bool ctfw_pkt_linktype_supported(int linktype);

/* Stable lower_snake_case name of a decode event, e.g. "ip_bad_csum". */
const char *ctfw_pkt_event_name(enum ctfw_pkt_event ev);

static inline bool
ctfw_pkt_has_event(const struct ctfw_pkt *pkt, enum ctfw_pkt_event ev)
{
    return (pkt->events >> ev) & 1;
}

/*
 * Write one human-readable line describing the decoded packet into buf
 * (always NUL-terminated; truncated at len). This is the format of
 * `ctfw decode`, documented in docs/decode-format.md. Returns the length
 * that the full line needs, as snprintf does.
 */
int ctfw_pkt_format(const struct ctfw_pkt *pkt, char *buf, size_t len);

#endif /* CTFW_PKT_H */
