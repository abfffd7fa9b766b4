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
 * IPv6 answers are not built yet (counted by the caller).
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
hook_time_exceeded_build(const struct ctfw_pkt *p, const union ctfw_addr *src,
                         uint8_t *buf, size_t cap)
{
    if (p->family != 4)
        return 0;
    return icmp_error(p, 11, 0, src->b, buf, cap);
}

size_t
hook_reject_build(const struct ctfw_pkt *p, enum ctfw_reject_type type,
                  const union ctfw_addr *icmp_src, uint8_t *buf, size_t cap)
{
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
