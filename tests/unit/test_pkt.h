/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the unit tests of the packet decoder (test_pkt.c,
 * test_pkt_l4.c): packet builders and the decode wrapper. Every builder
 * writes the header the RFC defines, with the values named in its
 * comment; the IPv4 checksum is this file's own RFC 1071 routine, never
 * the library's.
 */
#ifndef CTFW_TEST_PKT_H
#define CTFW_TEST_PKT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctfw/pkt.h"

/* ------------------------------------------------------------------ */
/* Builders                                                            */

/* Union of the events every decode of the pkt tests produced; the last
 * test checks that each event was exercised somewhere. */
extern uint64_t seen_events;

/* Decode from an exact-size heap copy (freed on the next call), so
 * that AddressSanitizer sees any read past caplen. In test_pkt.c. */
int dec(struct ctfw_pkt *pkt, int lt, const uint8_t *b, size_t caplen,
        size_t wirelen);
int dec_full(struct ctfw_pkt *pkt, int lt, const uint8_t *b, size_t len);

static inline void
w16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void
w32(uint8_t *p, uint32_t v)
{
    w16(p, (uint16_t)(v >> 16));
    w16(p + 2, (uint16_t)v);
}

/* RFC 1071: one's-complement of the one's-complement sum of 16-bit
 * big-endian words. */
static inline uint16_t
csum16(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)(p[n - 1] << 8);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static inline void
ip4_fix_csum(uint8_t *ip)
{
    size_t hl = (ip[0] & 15u) * 4u;
    w16(ip + 10, 0);
    w16(ip + 10, csum16(ip, hl));
}

/* Ethernet II header: dst 02:00:00:00:00:02, src 02:00:00:00:00:01. */
static inline size_t
eth(uint8_t *p, uint16_t type)
{
    static const uint8_t macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
    memcpy(p, macs, 12);
    w16(p + 12, type);
    return 14;
}

/* IPv4 header 10.0.0.1 -> 10.0.0.2, ttl 64, no options; checksum set. */
static inline size_t
ip4(uint8_t *p, uint16_t totlen, uint8_t proto, uint16_t frag)
{
    memset(p, 0, 20);
    p[0] = 0x45;
    w16(p + 2, totlen);
    w16(p + 4, 0x1234);
    w16(p + 6, frag);
    p[8] = 64;
    p[9] = proto;
    p[12] = 10, p[15] = 1;
    p[16] = 10, p[19] = 2;
    ip4_fix_csum(p);
    return 20;
}

/* IPv6 header 2001:db8::1 -> 2001:db8::2, hop limit 64. */
static inline size_t
ip6(uint8_t *p, uint16_t plen, uint8_t nh)
{
    memset(p, 0, 40);
    p[0] = 0x60;
    w16(p + 4, plen);
    p[6] = nh;
    p[7] = 64;
    w16(p + 8, 0x2001), w16(p + 10, 0x0db8), p[23] = 1;
    w16(p + 24, 0x2001), w16(p + 26, 0x0db8), p[39] = 2;
    return 40;
}

static inline size_t
tcp(uint8_t *p, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
    unsigned doff_bytes, uint8_t flags)
{
    memset(p, 0, 20);
    w16(p, sport);
    w16(p + 2, dport);
    w32(p + 4, seq);
    w32(p + 8, ack);
    p[12] = (uint8_t)((doff_bytes / 4) << 4);
    p[13] = flags;
    w16(p + 14, 64240);
    return 20;
}

static inline size_t
udp(uint8_t *p, uint16_t sport, uint16_t dport, uint16_t len)
{
    w16(p, sport);
    w16(p + 2, dport);
    w16(p + 4, len);
    w16(p + 6, 0);
    return 8;
}

static inline bool
ev(const struct ctfw_pkt *pkt, enum ctfw_pkt_event e)
{
    return ctfw_pkt_has_event(pkt, e);
}

static inline uint64_t
bit(enum ctfw_pkt_event e)
{
    return (uint64_t)1 << e;
}

/*
 * The reference packet: Ethernet + IPv4 + TCP SYN with 20 bytes of
 * options, 74 bytes, as Linux sends a SYN. Options, RFC 9293/7323/2018:
 *   02 04 05 b4         MSS 1460
 *   04 02               SACK permitted
 *   08 0a <val> <ecr>   timestamps val 0x01020304, ecr 0
 *   01                  NOP
 *   03 03 07            window scale 7
 * IP total length = 20 + 40 = 60.
 */
static inline size_t
syn_packet(uint8_t *b)
{
    size_t n = eth(b, 0x0800);
    n += ip4(b + n, 60, 6, 0x4000); /* DF */
    n += tcp(b + n, 40000, 80, 1000, 0, 40, CTFW_TCP_SYN);
    static const uint8_t opts[20] = {2, 4, 5, 0xb4, 4, 2, 8, 10, 1, 2,
                                     3, 4, 0, 0,    0, 0, 1, 3,  3, 7};
    memcpy(b + n, opts, 20);
    return n + 20;
}

/* Tests in test_pkt_l4.c, run by the main() of test_pkt.c. */
void test_ipv6_ext_chain(void **state);
void test_ipv6_hbh_not_first(void **state);
void test_ipv6_fragments(void **state);
void test_ipv6_esp_nonext(void **state);
void test_tcp_options(void **state);
void test_tcp_bad_doff(void **state);
void test_udp_lengths(void **state);
void test_sctp_dccp_gre_generic(void **state);
void test_icmp_echo(void **state);
void test_icmp_error_quotes_udp_tcp(void **state);
void test_icmp_error_types(void **state);
void test_icmpv6(void **state);
void test_event_names(void **state);
void test_format_lines(void **state);
void test_format_ipv6_addresses(void **state);

#endif
