// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * REJECT answers, built as the kernel builds them.
 *
 * TCP reset (nf_send_reset, nf_reject_ipv4.c): no answer to a non-first
 * fragment, a truncated TCP header or a RST. The IP header has tos 0,
 * id 0, DF, TTL 64 (the route's default hop limit), the addresses
 * swapped; the TCP header is 20 bytes, window 0, ports swapped; if the
 * offending segment had ACK, seq = its ack and only RST is set, else
 * seq 0, ack = its seq + SYN + FIN + payload length, and RST|ACK.
 *
 * ICMP unreachable (nf_send_unreach -> icmp_send): no answer to a
 * non-first fragment, to broadcast or multicast destinations, or to an
 * ICMP error. The message quotes the offending IP packet up to 576 bytes
 * in all; tos = (tos & 0x1e) | 0xc0 (precedence internetwork control),
 * TTL 64, no DF (the ICMP socket uses IP_PMTUDISC_DONT). The kernel's IP
 * id comes from ip_select_ident() and cannot be reproduced: ctfw writes
 * 0 and the oracle does not compare it (docs/oracle.md). For a
 * forwarded packet the quote carries the TTL ip_forward() left (one
 * less than received), with its header checksum updated.
 *
 * ip_forward()'s ICMP time exceeded (TTL 1 or less) is the same message
 * with type 11, code 0 (icmp_send(skb, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL));
 * ip_expire()'s with code 1 (ICMP_EXC_FRAGTIME), quoting the first
 * fragment.
 *
 * ICMPv6 time exceeded (type 3) is built as icmp6_send() builds it: hop
 * limit 64, the offending packet quoted up to the 1280-byte minimum MTU;
 * code 0 for ip6_forward()'s hop limit, 1 for an expired reassembly.
 * Other IPv6 answers (REJECT) are not built yet (counted by the caller).
 */
#include <string.h>

#include "ctfw/bytes.h"
#include "ctfw/csum.h"
#include "reject_private.h"

static void
ip_header(uint8_t *ip, uint16_t total, uint8_t tos, bool df, uint8_t proto,
          const uint8_t *src, const uint8_t *dst)
{
    memset(ip, 0, 20);
    ip[0] = 0x45;
    ip[1] = tos;
    ctfw_put16(ip + 2, total);
    ctfw_put16(ip + 6, df ? 0x4000 : 0);
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    ctfw_put16(ip + 10, ctfw_csum_fold(ctfw_csum_partial(ip, 20, 0)));
}

static size_t
tcp_reset(const struct ctfw_pkt *p, uint8_t *buf, size_t cap)
{
    if (cap < 40 || p->frag == CTFW_PKT_FRAG_LATER ||
        !(p->has & CTFW_PKT_HAS_L4) || (p->tcp_flags & CTFW_TCP_RST))
        return 0;
    ip_header(buf, 40, 0, true, 6, p->dst.b, p->src.b);
    uint8_t *t = buf + 20;
    memset(t, 0, 20);
    ctfw_put16(t, p->dport);
    ctfw_put16(t + 2, p->sport);
    t[12] = 5 << 4;
    if (p->tcp_flags & CTFW_TCP_ACK) {
        ctfw_put32(t + 4, p->tcp_ack);
        t[13] = CTFW_TCP_RST;
    } else {
        uint32_t ack = p->tcp_seq + p->payload_len +
                       ((p->tcp_flags & CTFW_TCP_SYN) ? 1 : 0) +
                       ((p->tcp_flags & CTFW_TCP_FIN) ? 1 : 0);
        ctfw_put32(t + 8, ack);
        t[13] = CTFW_TCP_RST | CTFW_TCP_ACK;
    }
    uint8_t ph[12];
    memcpy(ph, buf + 12, 8);
    ph[8] = 0;
    ph[9] = 6;
    ctfw_put16(ph + 10, 20);
    uint32_t s = ctfw_csum_partial(ph, 12, 0);
    ctfw_put16(t + 16, ctfw_csum_fold(ctfw_csum_partial(t, 20, s)));
    return 40;
}

static bool
is_icmp_error(uint8_t type)
{
    /* icmp_pointers[].error: unreachable, source quench, redirect,
     * time exceeded, parameter problem. */
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static size_t
icmp_error(const struct ctfw_pkt *p, uint8_t type, uint8_t code,
           const uint8_t *src, uint8_t *buf, size_t cap)
{
    if (p->frag == CTFW_PKT_FRAG_LATER || p->l3_off == CTFW_PKT_OFF_NONE)
        return 0;
    /* Never about broadcast/multicast, or about an ICMP error (or an
     * unknown type beyond NR_ICMP_TYPES = 18). */
    if ((p->dst.b[0] & 0xf0) == 0xe0 ||
        (p->dst.w[0] == 0xffffffffu))
        return 0;
    if (p->proto == 1 && (p->has & CTFW_PKT_HAS_L4) &&
        (is_icmp_error(p->icmp_type) || p->icmp_type > 18))
        return 0;
    size_t orig = p->ip_len;
    size_t have = p->caplen - p->l3_off;
    if (orig > have)
        orig = have;   /* a cut capture: quote what is known */
    size_t room = 576 - 20 - 8;
    if (orig > room)
        orig = room;
    size_t total = 20 + 8 + orig;
    if (cap < total)
        return 0;
    ip_header(buf, (uint16_t)total, (uint8_t)((p->tos & 0x1e) | 0xc0),
              false, 1, src, p->src.b);
    uint8_t *ic = buf + 20;
    memset(ic, 0, 8);
    ic[0] = type;
    ic[1] = code;
    memcpy(ic + 8, p->data + p->l3_off, orig);
    /* The quote is the header as the skb holds it: for a forwarded
     * packet, ip_forward() has already decreased the TTL (and fixed the
     * header checksum) before the FORWARD hook, so the decoded TTL is
     * one less than the captured byte. */
    uint8_t *q = ic + 8;
    if (orig >= 12 && q[8] != p->ttl) {
        uint16_t old = (uint16_t)(q[8] << 8 | q[9]);
        uint16_t neu = (uint16_t)(p->ttl << 8 | q[9]);
        uint16_t check = (uint16_t)(q[10] << 8 | q[11]);
        q[8] = p->ttl;
        ctfw_put16(q + 10, ctfw_csum_replace2(check, old, neu));
    }
    ctfw_put16(ic + 2, ctfw_csum_fold(ctfw_csum_partial(ic, 8 + orig, 0)));
    return total;
}

static size_t
icmp_unreach(const struct ctfw_pkt *p, uint8_t code, const uint8_t *src,
             uint8_t *buf, size_t cap)
{
    return icmp_error(p, 3, code, src, buf, cap);
}

size_t
hook_icmp_time_exceeded(const struct ctfw_pkt *p, uint8_t code,
                        const union ctfw_addr *src, uint8_t *buf, size_t cap)
{
    if (p->family != 4)
        return 0;
    return icmp_error(p, 11, code, src->b, buf, cap);
}

/* icmp6_send() of an error of type/code about the packet at ip (len
 * bytes), from src. */
static size_t
icmp6_error(const uint8_t *ip, uint32_t len, uint8_t type, uint8_t code,
            const union ctfw_addr *src, uint8_t *buf, size_t cap)
{
    /* icmp6_send(): never about a multicast destination, nor from an
     * unspecified or multicast source, never about an ICMPv6 error
     * (is_ineligible(), a header right after the fixed one only); the
     * quote is cut to IPV6_MIN_MTU - 40 - 8 bytes. */
    static const uint8_t zero[16];
    if (len < 40 || ip[24] == 0xff || ip[8] == 0xff ||
        !memcmp(ip + 8, zero, 16))
        return 0;
    if (ip[6] == 58 && len >= 41 && ip[40] < 128)
        return 0;
    uint32_t q = len < 1280 - 48 ? len : 1280 - 48;
    size_t total = 48 + (size_t)q;
    if (cap < total)
        return 0;
    memset(buf, 0, 48);
    buf[0] = 0x60;
    ctfw_put16(buf + 4, (uint16_t)(8 + q));
    buf[6] = 58;
    buf[7] = 64;
    memcpy(buf + 8, src->b, 16);
    memcpy(buf + 24, ip + 8, 16);
    uint8_t *ic = buf + 40;
    ic[0] = type;
    ic[1] = code;
    memcpy(ic + 8, ip, q);
    /* RFC 8200 8.1 pseudo-header: addresses, upper-layer length, 58. */
    uint8_t ph[8] = {0};
    ctfw_put32(ph, 8 + q);
    ph[7] = 58;
    uint32_t sum = ctfw_csum_partial(buf + 8, 32, 0);
    sum = ctfw_csum_partial(ph, 8, sum);
    ctfw_put16(ic + 2, ctfw_csum_fold(ctfw_csum_partial(ic, 8 + q, sum)));
    return total;
}

size_t
hook_icmp6_time_exceeded(const uint8_t *ip, uint32_t len, uint8_t code,
                         const union ctfw_addr *src, uint8_t *buf,
                         size_t cap)
{
    return icmp6_error(ip, len, 3 /* ICMPV6_TIME_EXCEED */, code, src, buf,
                       cap);
}

/*
 * nf_send_reset6(): a TCP reset for an IPv6 segment, as nf_send_reset()
 * builds it for IPv4 (the same sequence rules), in an IPv6 header with
 * the route's hop limit (64) and no flow label; none for a reset, a
 * later fragment, or a segment to a multicast address.
 */
static size_t
tcp_reset6(const struct ctfw_pkt *p, uint8_t *buf, size_t cap)
{
    if (cap < 60 || p->frag == CTFW_PKT_FRAG_LATER ||
        !(p->has & CTFW_PKT_HAS_L4) || p->proto != 6 ||
        (p->tcp_flags & CTFW_TCP_RST) || p->dst.b[0] == 0xff)
        return 0;
    memset(buf, 0, 60);
    buf[0] = 0x60;
    ctfw_put16(buf + 4, 20);
    buf[6] = 6;
    buf[7] = 64;
    memcpy(buf + 8, p->dst.b, 16);
    memcpy(buf + 24, p->src.b, 16);
    uint8_t *t = buf + 40;
    ctfw_put16(t, p->dport);
    ctfw_put16(t + 2, p->sport);
    t[12] = 5 << 4;
    if (p->tcp_flags & CTFW_TCP_ACK) {
        ctfw_put32(t + 4, p->tcp_ack);
        t[13] = CTFW_TCP_RST;
    } else {
        uint32_t ack = p->tcp_seq + p->payload_len +
                       ((p->tcp_flags & CTFW_TCP_SYN) ? 1 : 0) +
                       ((p->tcp_flags & CTFW_TCP_FIN) ? 1 : 0);
        ctfw_put32(t + 8, ack);
        t[13] = CTFW_TCP_RST | CTFW_TCP_ACK;
    }
    uint8_t ph[8] = {0};
    ctfw_put32(ph, 20);
    ph[7] = 6;
    uint32_t sum = ctfw_csum_partial(buf + 8, 32, 0);
    sum = ctfw_csum_partial(ph, 8, sum);
    ctfw_put16(t + 16, ctfw_csum_fold(ctfw_csum_partial(t, 20, sum)));
    return 60;
}

/* ip6t_REJECT: nf_send_unreach6() / nf_send_reset6(). The ICMPv6 source
 * is the offending packet's destination when that is the host's own
 * address (icmp6_send()'s ipv6_chk_addr()), else icmp_src, the address
 * towards the sender. */
static size_t
reject6_build(const struct ctfw_pkt *p, enum ctfw_reject_type type,
              const union ctfw_addr *icmp_src, uint8_t *buf, size_t cap)
{
    static const uint8_t codes[] = {
        [CTFW_REJECT6_NO_ROUTE - CTFW_REJECT6_NO_ROUTE] = 0,
        [CTFW_REJECT6_ADM_PROHIBITED - CTFW_REJECT6_NO_ROUTE] = 1,
        [CTFW_REJECT6_NOT_NEIGHBOUR - CTFW_REJECT6_NO_ROUTE] = 2,
        [CTFW_REJECT6_ADDR_UNREACH - CTFW_REJECT6_NO_ROUTE] = 3,
        [CTFW_REJECT6_PORT_UNREACH - CTFW_REJECT6_NO_ROUTE] = 4,
        [CTFW_REJECT6_POLICY_FAIL - CTFW_REJECT6_NO_ROUTE] = 5,
        [CTFW_REJECT6_REJECT_ROUTE - CTFW_REJECT6_NO_ROUTE] = 6,
    };
    if (type == CTFW_REJECT_TCP_RESET)
        return tcp_reset6(p, buf, cap);
    if (type < CTFW_REJECT6_NO_ROUTE || type > CTFW_REJECT6_REJECT_ROUTE ||
        p->l3_off == CTFW_PKT_OFF_NONE || p->l3_off > p->caplen)
        return 0;
    uint32_t len = p->caplen - p->l3_off;
    if (len > p->ip_len)
        len = p->ip_len;
    const union ctfw_addr *src = icmp_src ? icmp_src : &p->dst;
    return icmp6_error(p->data + p->l3_off, len, 1 /* DST_UNREACH */,
                       codes[type - CTFW_REJECT6_NO_ROUTE], src, buf, cap);
}

size_t
hook_reject_build(const struct ctfw_pkt *p, enum ctfw_reject_type type,
                  const union ctfw_addr *icmp_src, uint8_t *buf, size_t cap)
{
    if (p->family == 6)
        return reject6_build(p, type, icmp_src, buf, cap);
    if (p->family != 4)
        return 0;
    const uint8_t *src = icmp_src ? icmp_src->b : p->dst.b;
    switch (type) {
    case CTFW_REJECT_TCP_RESET:
        return tcp_reset(p, buf, cap);
    case CTFW_REJECT_NET_UNREACH:
        return icmp_unreach(p, 0, src, buf, cap);
    case CTFW_REJECT_HOST_UNREACH:
        return icmp_unreach(p, 1, src, buf, cap);
    case CTFW_REJECT_PROT_UNREACH:
        return icmp_unreach(p, 2, src, buf, cap);
    case CTFW_REJECT_PORT_UNREACH:
        return icmp_unreach(p, 3, src, buf, cap);
    case CTFW_REJECT_NET_PROHIB:
        return icmp_unreach(p, 9, src, buf, cap);
    case CTFW_REJECT_HOST_PROHIB:
        return icmp_unreach(p, 10, src, buf, cap);
    case CTFW_REJECT_ADMIN_PROHIB:
        return icmp_unreach(p, 13, src, buf, cap);
    default:
        /* icmp-echo-reply is refused by iptables for IPv4 REJECT
         * nowadays; IPv6 types are for IPv6 packets. */
        return 0;
    }
}
