// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the packet decoder, part 2: IPv6 extension headers, TCP
 * options, UDP/UDP-Lite/SCTP/DCCP/GRE, ICMP and ICMPv6 with quoted
 * packets, event names and the line format. Run by test_pkt.c's main().
 */
#include "test_pkt.h"

/* ------------------------------------------------------------------ */
/* IPv6                                                                */

/*
 * Chain of RFC 8200 4: hop-by-hop (8) -> destination options (8) ->
 * routing type 0... (24) -> fragment (8, atomic: offset 0, M 0, RFC
 * 6946) -> AH (RFC 4302: length in 4-byte units minus 2; 24 bytes) ->
 * TCP. Header lengths: (hdr_ext_len + 1) * 8 for the first three.
 */
void
test_ipv6_ext_chain(void **state)
{
    (void)state;
    uint8_t b[256];
    struct ctfw_pkt pkt;
    size_t n = eth(b, 0x86dd);
    size_t l3 = n;

    n += ip6(b + n, 8 + 8 + 24 + 8 + 24 + 20, 0);
    static const uint8_t hbh[8] = {60, 0, 1, 4, 0, 0, 0, 0};
    static const uint8_t dst[8] = {43, 0, 1, 4, 0, 0, 0, 0};
    memcpy(b + n, hbh, 8), n += 8;
    memcpy(b + n, dst, 8), n += 8;
    memset(b + n, 0, 24);
    b[n] = 44, b[n + 1] = 2, b[n + 2] = 0, b[n + 3] = 0;
    n += 24;
    static const uint8_t frag[8] = {51, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef};
    memcpy(b + n, frag, 8), n += 8;
    memset(b + n, 0, 24);
    b[n] = 6, b[n + 1] = 4; /* (4 + 2) * 4 = 24 */
    n += 24;
    n += tcp(b + n, 443, 5555, 7, 8, 20, CTFW_TCP_ACK | CTFW_TCP_PSH);
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n), 0);
    assert_int_equal(pkt.events, 0);
    assert_int_equal(pkt.family, 6);
    assert_int_equal(pkt.ip6_nexthdr, 0);
    assert_int_equal(pkt.proto, 6);
    assert_int_equal(pkt.ip6_ext_mask, 1 | 2 | 4 | 8 | 16);
    assert_int_equal(pkt.ip_hlen, 40 + 8 + 8 + 24 + 8 + 24);
    assert_int_equal(pkt.l4_off, l3 + pkt.ip_hlen);
    assert_int_equal(pkt.frag, CTFW_PKT_FRAG_NONE); /* atomic */
    assert_int_equal(pkt.ip6_frag_id, 0xdeadbeef);
    assert_int_equal(pkt.ip_id, 0xbeef);
    assert_int_equal(pkt.sport, 443);
    assert_int_equal(pkt.ip_len, 40 + 92);
    assert_int_equal(pkt.ttl, 64);

    /* Cut inside the routing header: truncated, proto stays the
     * header that could not be read. */
    dec(&pkt, CTFW_LINKTYPE_ETHERNET, b, l3 + 40 + 16 + 10, n);
    assert_true(ev(&pkt, CTFW_PKT_EV_IP6_EXT_TRUNCATED));
    assert_int_equal(pkt.proto, 43);
    assert_false(pkt.has & CTFW_PKT_HAS_L4);
    assert_int_equal(pkt.l4_off, CTFW_PKT_OFF_NONE);
    assert_int_equal(pkt.ip6_ext_mask, 1 | 8);

    /* Payload length 20: the chain runs past the IP length. */
    w16(b + l3 + 4, 20);
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n);
    assert_true(ev(&pkt, CTFW_PKT_EV_IP6_EXT_BAD));
    assert_true(ev(&pkt, CTFW_PKT_EV_IP_TRAILER));
}

void
test_ipv6_hbh_not_first(void **state)
{
    (void)state;
    uint8_t b[128];
    struct ctfw_pkt pkt;
    size_t n = ip6(b, 16 + 8, 60);
    static const uint8_t dst[8] = {0, 0, 1, 4, 0, 0, 0, 0};
    static const uint8_t hbh[8] = {17, 0, 1, 4, 0, 0, 0, 0};
    memcpy(b + n, dst, 8), n += 8;
    memcpy(b + n, hbh, 8), n += 8;
    n += udp(b + n, 1, 2, 8);
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n);
    /* RFC 8200 4.1: hop-by-hop must follow the fixed header. */
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_IP6_EXT_BAD));
    assert_int_equal(pkt.proto, 17);
    assert_int_equal(pkt.dport, 2);
}

/* RFC 8200 4.5: fragment header = next, reserved, offset(13) res(2)
 * M(1), identification(32). */
void
test_ipv6_fragments(void **state)
{
    (void)state;
    uint8_t b[256];
    struct ctfw_pkt pkt;
    size_t n;

    n = ip6(b, 8 + 16, 44);
    static const uint8_t first[8] = {17, 0, 0, 1, 0, 0, 0, 9};
    memcpy(b + n, first, 8), n += 8;
    n += udp(b + n, 1, 53, 200);
    memset(b + n, 0, 8), n += 8;
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n);
    assert_int_equal(pkt.frag, CTFW_PKT_FRAG_FIRST);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_FRAG));
    assert_int_equal(pkt.ip6_frag_id, 9);
    assert_int_equal(pkt.proto, 17);
    assert_int_equal(pkt.dport, 53);

    /* Offset 2 units (16 bytes), last fragment. */
    n = ip6(b, 8 + 16, 44);
    static const uint8_t later[8] = {17, 0, 0, 16, 0, 0, 0, 9};
    memcpy(b + n, later, 8), n += 8;
    memset(b + n, 0, 16), n += 16;
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n);
    assert_int_equal(pkt.frag, CTFW_PKT_FRAG_LATER);
    assert_int_equal(pkt.frag_off, 16);
    assert_false(pkt.frag_mf);
    assert_int_equal(pkt.proto, 17);
    assert_int_equal(pkt.l4_off, CTFW_PKT_OFF_NONE);
    assert_int_equal(pkt.l4_len, 16);
    assert_int_equal(pkt.ip_hlen, 48);

    /* Two fragment headers. */
    n = ip6(b, 8 + 8 + 8, 44);
    static const uint8_t f1[8] = {44, 0, 0, 1, 0, 0, 0, 1};
    static const uint8_t f2[8] = {17, 0, 0, 1, 0, 0, 0, 2};
    memcpy(b + n, f1, 8), n += 8;
    memcpy(b + n, f2, 8), n += 8;
    n += udp(b + n, 1, 2, 8);
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n);
    assert_true(ev(&pkt, CTFW_PKT_EV_FRAG_BAD));
}

/* ESP (50) and No Next Header (59) end the walk: generic L4. */
void
test_ipv6_esp_nonext(void **state)
{
    (void)state;
    uint8_t b[128];
    struct ctfw_pkt pkt;
    size_t n = ip6(b, 16, 50);
    memset(b + n, 0x11, 16), n += 16;
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n), 0);
    assert_int_equal(pkt.proto, 50);
    assert_int_equal(pkt.events, 0);
    assert_false(pkt.has & CTFW_PKT_HAS_L4);
    assert_int_equal(pkt.l4_off, 40);
    assert_int_equal(pkt.l4_len, 16);

    n = ip6(b, 0, 59);
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n), 0);
    assert_int_equal(pkt.proto, 59);
    assert_int_equal(pkt.l4_len, 0);
    assert_int_equal(pkt.events, 0);
}

/* ------------------------------------------------------------------ */
/* TCP                                                                 */

static void
tcp_with_opts(struct ctfw_pkt *pkt, const uint8_t *opts, size_t olen)
{
    uint8_t b[128];
    size_t n = ip4(b, (uint16_t)(40 + olen), 6, 0);
    n += tcp(b + n, 1, 2, 3, 4, (unsigned)(20 + olen), CTFW_TCP_SYN);
    memcpy(b + n, opts, olen);
    dec_full(pkt, CTFW_LINKTYPE_RAW, b, n + olen);
}

void
test_tcp_options(void **state)
{
    (void)state;
    struct ctfw_pkt pkt;

    /* SACK (kind 5) with two blocks: length 2 + 2 * 8 = 18, plus
     * two NOPs to align: 20 bytes. */
    static const uint8_t sack[20] = {1, 1,  5, 18, 0, 0,  0, 10, 0, 0,
                                     0, 20, 0, 0,  0, 30, 0, 0,  0, 40};
    tcp_with_opts(&pkt, sack, 20);
    assert_int_equal(pkt.events, 0);
    assert_int_equal(pkt.tcp_opts.n_sack, 2);
    assert_int_equal(pkt.tcp_opts.sack[0][0], 10);
    assert_int_equal(pkt.tcp_opts.sack[0][1], 20);
    assert_int_equal(pkt.tcp_opts.sack[1][0], 30);
    assert_int_equal(pkt.tcp_opts.sack[1][1], 40);
    assert_int_equal(pkt.tcp_opts.wscale, -1);
    assert_int_equal(pkt.tcp_opts.mss, 0);

    /* Unknown kinds are skipped by their length (TFO cookie, 34). */
    static const uint8_t tfo[12] = {34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 2, 4};
    static const uint8_t tfo2[16] = {34, 10, 1, 2, 3,    4,    5, 6,
                                     7,  8,  2, 4, 0x05, 0xb4, 0, 0};
    (void)tfo;
    tcp_with_opts(&pkt, tfo2, 16);
    assert_int_equal(pkt.events, 0);
    assert_int_equal(pkt.tcp_opts.mss, 1460);

    /* EOL ends the list: the MSS after it is padding. */
    static const uint8_t eol[8] = {0, 2, 4, 5, 0xb4, 0, 0, 0};
    tcp_with_opts(&pkt, eol, 8);
    assert_int_equal(pkt.events, 0);
    assert_int_equal(pkt.tcp_opts.mss, 0);

    static const struct {
        uint8_t o[8];
        const char *why;
    } bad[] = {
        {{2, 3, 5, 1, 1, 1, 1, 1}, "MSS length 3 (must be 4)"},
        {{3, 4, 7, 0, 1, 1, 1, 1}, "wscale length 4 (must be 3)"},
        {{4, 3, 0, 1, 1, 1, 1, 1}, "SACK-perm length 3 (must be 2)"},
        {{5, 6, 0, 0, 0, 0, 1, 1}, "SACK length 6 (< 10)"},
        {{8, 8, 0, 0, 0, 0, 0, 0}, "timestamps length 8 (must be 10)"},
        {{1, 1, 1, 1, 1, 1, 1, 2}, "no room for the length byte"},
        {{30, 0, 1, 1, 1, 1, 1, 1}, "length 0"},
        {{30, 9, 1, 1, 1, 1, 1, 1}, "length 9 > 8 left"},
        {{3, 3, 15, 1, 1, 1, 1, 1}, "wscale 15 > 14 (RFC 7323 2.3)"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        print_message("# %s\n", bad[i].why);
        tcp_with_opts(&pkt, bad[i].o, 8);
        assert_int_equal(pkt.events, bit(CTFW_PKT_EV_TCP_OPT_BAD));
        assert_true(pkt.has & CTFW_PKT_HAS_TCPOPT);
    }
    /* A wrong-length option is skipped, the walk goes on. */
    static const uint8_t skip[8] = {2, 3, 5, 3, 3, 9, 1, 1};
    tcp_with_opts(&pkt, skip, 8);
    assert_int_equal(pkt.tcp_opts.mss, 0);
    assert_int_equal(pkt.tcp_opts.wscale, 9);
    /* The scale is kept as sent, the tracker clamps it. */
    static const uint8_t big[4] = {3, 3, 15, 0};
    tcp_with_opts(&pkt, big, 4);
    assert_int_equal(pkt.tcp_opts.wscale, 15);
}

void
test_tcp_bad_doff(void **state)
{
    (void)state;
    uint8_t b[128];
    struct ctfw_pkt pkt;

    /* Data offset 4 words = 16 bytes < 20. */
    size_t n = ip4(b, 40, 6, 0);
    n += tcp(b + n, 1, 2, 3, 4, 16, CTFW_TCP_ACK);
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_L4_BAD_HLEN));
    assert_true(pkt.has & CTFW_PKT_HAS_L4);
    assert_int_equal(pkt.sport, 1);
    assert_int_equal(pkt.payload_off, CTFW_PKT_OFF_NONE);

    /* Data offset 15 words = 60 bytes, but only 20 bytes of TCP. */
    n = ip4(b, 40, 6, 0);
    n += tcp(b + n, 1, 2, 3, 4, 60, CTFW_TCP_ACK);
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_L4_BAD_HLEN));
    assert_int_equal(pkt.tcp_doff, 60);

    /* IP total length 30: 10 bytes of room for a 20-byte header. */
    n = ip4(b, 30, 6, 0);
    tcp(b + n, 1, 2, 3, 4, 20, CTFW_TCP_ACK);
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, 40);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_L4_BAD_HLEN) |
                                     bit(CTFW_PKT_EV_IP_TRAILER));
    assert_false(pkt.has & CTFW_PKT_HAS_L4);
}

/* ------------------------------------------------------------------ */
/* UDP, UDP-Lite, SCTP, DCCP, GRE, generic                             */

void
test_udp_lengths(void **state)
{
    (void)state;
    uint8_t b[128];
    struct ctfw_pkt pkt;
    size_t n;

    n = ip4(b, 20 + 12, 17, 0);
    n += udp(b + n, 1, 2, 12);
    memset(b + n, 0, 4), n += 4;
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n);
    assert_int_equal(pkt.events, 0);
    assert_int_equal(pkt.udp_len, 12);
    assert_int_equal(pkt.payload_len, 4);
    assert_int_equal(pkt.payload_off, 28);

    /* Length 7 < 8: what __udp4_lib_rcv() drops. */
    w16(b + 24, 7);
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_UDP_BAD_LEN));
    /* Length 13 > 12 bytes of UDP in the IP packet. */
    w16(b + 24, 13);
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_UDP_BAD_LEN));
    /* Length 10 < 12: legal (the kernel trims), no event. */
    w16(b + 24, 10);
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n);
    assert_int_equal(pkt.events, 0);

    /* UDP-Lite (RFC 3828 3.1): coverage 0 = whole datagram, 1..7
     * illegal, 8..length fine, more than the length illegal. */
    static const struct {
        uint16_t cov;
        bool bad;
    } lite[] = {{0, false}, {8, false}, {12, false}, {4, true}, {13, true}};
    for (size_t i = 0; i < sizeof(lite) / sizeof(lite[0]); i++) {
        n = ip4(b, 20 + 12, 136, 0);
        n += udp(b + n, 1, 2, lite[i].cov);
        memset(b + n, 0, 4), n += 4;
        dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n);
        assert_int_equal(pkt.proto, 136);
        assert_int_equal(pkt.sport, 1);
        assert_int_equal(pkt.udp_len, lite[i].cov);
        assert_int_equal(ev(&pkt, CTFW_PKT_EV_UDP_BAD_LEN), lite[i].bad);
    }
}

void
test_sctp_dccp_gre_generic(void **state)
{
    (void)state;
    uint8_t b[128];
    struct ctfw_pkt pkt;
    size_t n;

    /* SCTP common header (RFC 9260 3.1): ports, vtag, checksum. */
    n = ip4(b, 20 + 12, 132, 0);
    memset(b + n, 0, 12), w16(b + n, 2905), w16(b + n + 2, 2906);
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n + 12);
    assert_int_equal(pkt.events, 0);
    assert_int_equal(pkt.sport, 2905);
    assert_int_equal(pkt.dport, 2906);
    assert_true(pkt.has & CTFW_PKT_HAS_L4);
    /* 11 bytes of it: header past the IP length. */
    n = ip4(b, 20 + 11, 132, 0);
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n + 11);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_L4_BAD_HLEN));

    /* DCCP generic header (RFC 4340 5.1) opens with the ports. */
    n = ip4(b, 20 + 16, 33, 0);
    memset(b + n, 0, 16), w16(b + n, 5001), w16(b + n + 2, 5002);
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n + 16);
    assert_int_equal(pkt.sport, 5001);
    assert_int_equal(pkt.dport, 5002);

    /* GRE (RFC 2784/2890) with the K bit: 4 + 4 bytes, proto 0x0800. */
    n = ip4(b, 20 + 8 + 20, 47, 0);
    w16(b + n, 0x2000), w16(b + n + 2, 0x0800), w32(b + n + 4, 77);
    ip4(b + n + 8, 20, 59, 0);
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n + 28);
    assert_int_equal(pkt.events, 0);
    assert_int_equal(pkt.gre_proto, 0x0800);
    assert_int_equal(pkt.payload_off, 28);
    assert_int_equal(pkt.payload_len, 20);
    /* Version 1 (PPTP, RFC 2637): K always, S bit adds 4: 12 bytes. */
    w16(b + n, 0x3001), w16(b + n + 2, 0x880b);
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n + 28);
    assert_int_equal(pkt.gre_proto, 0x880b);
    assert_int_equal(pkt.payload_off, 32);

    /* OSPF (89): generic, offset known, no fixed header claimed. */
    n = ip4(b, 20 + 4, 89, 0);
    memset(b + n, 0, 4);
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n + 4), 0);
    assert_int_equal(pkt.proto, 89);
    assert_int_equal(pkt.l4_off, 20);
    assert_false(pkt.has & CTFW_PKT_HAS_L4);
    assert_int_equal(pkt.l4_len, 4);
    assert_int_equal(pkt.events, 0);
}

/* ------------------------------------------------------------------ */
/* ICMP and ICMPv6                                                     */

void
test_icmp_echo(void **state)
{
    (void)state;
    uint8_t b[128];
    struct ctfw_pkt pkt;
    size_t n = ip4(b, 20 + 8 + 8, 1, 0);
    /* RFC 792 echo request: type 8, code 0, checksum, id, seq. */
    b[n] = 8, b[n + 1] = 0, w16(b + n + 2, 0);
    w16(b + n + 4, 0x4242), w16(b + n + 6, 7);
    memset(b + n + 8, 0, 8);
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n + 16);
    assert_int_equal(pkt.events, 0);
    assert_int_equal(pkt.icmp_type, 8);
    assert_int_equal(pkt.icmp_code, 0);
    assert_int_equal(pkt.icmp_id, 0x4242);
    assert_int_equal(pkt.icmp_seq, 7);
    assert_int_equal(pkt.sport, 0);
    assert_false(pkt.has & CTFW_PKT_HAS_INNER);
    assert_int_equal(pkt.payload_len, 8);

    /* 7 bytes of ICMP: its 8-byte header does not fit the IP length. */
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, 27);
    assert_true(ev(&pkt, CTFW_PKT_EV_IP_LEN_EXCEEDS_WIRE));
    assert_true(ev(&pkt, CTFW_PKT_EV_L4_BAD_HLEN));
}

/*
 * Destination unreachable, port unreachable (type 3 code 3) quoting the
 * offending UDP datagram: the original IP header and its first 8 bytes
 * of data (RFC 792; RFC 1812 4.3.2.3 allows more).
 */
void
test_icmp_error_quotes_udp_tcp(void **state)
{
    (void)state;
    uint8_t b[256];
    struct ctfw_pkt pkt;
    size_t n = eth(b, 0x0800);
    n += ip4(b + n, 20 + 8 + 28, 1, 0);
    b[n] = 3, b[n + 1] = 3, w16(b + n + 2, 0), w32(b + n + 4, 0);
    size_t q = n + 8;
    ip4(b + q, 100, 17, 0);
    /* The quoted packet went from 10.0.0.2 back to 10.0.0.1. */
    b[q + 15] = 2, b[q + 19] = 1;
    udp(b + q + 20, 5353, 9999, 80);
    n = q + 28;
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n);
    assert_int_equal(pkt.events, 0);
    assert_int_equal(pkt.icmp_type, 3);
    assert_int_equal(pkt.icmp_code, 3);
    assert_true(pkt.has & CTFW_PKT_HAS_INNER);
    assert_int_equal(pkt.inner.family, 4);
    assert_int_equal(pkt.inner.proto, 17);
    assert_int_equal(pkt.inner.src.b[3], 2);
    assert_int_equal(pkt.inner.dst.b[3], 1);
    assert_true(pkt.inner.has_ports);
    assert_int_equal(pkt.inner.sport, 5353);
    assert_int_equal(pkt.inner.dport, 9999);
    assert_int_equal(pkt.inner.ip_len, 100); /* as quoted, not checked */

    /* Time exceeded (11) quoting TCP: ports and sequence number. */
    b[14 + 20] = 11, b[14 + 21] = 0;
    ip4(b + q, 60, 6, 0);
    tcp(b + q + 20, 1234, 80, 0xa1b2c3d4, 0, 20, CTFW_TCP_SYN);
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n);
    assert_int_equal(pkt.events, 0);
    assert_int_equal(pkt.inner.proto, 6);
    assert_int_equal(pkt.inner.sport, 1234);
    assert_int_equal(pkt.inner.dport, 80);
    assert_int_equal(pkt.inner.tcp_seq, 0xa1b2c3d4);

    /* Only 4 bytes of the quoted TCP header captured. */
    dec(&pkt, CTFW_LINKTYPE_ETHERNET, b, n - 4, n);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_ICMP_INNER_TRUNCATED) |
                                     bit(CTFW_PKT_EV_SNAPLEN));
    assert_true(pkt.has & CTFW_PKT_HAS_INNER);
    assert_false(pkt.inner.has_ports);
    assert_int_equal(pkt.inner.proto, 6);

    /* Only 10 bytes of the quoted IP header. */
    dec(&pkt, CTFW_LINKTYPE_ETHERNET, b, q + 10, n);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_ICMP_INNER_TRUNCATED) |
                                     bit(CTFW_PKT_EV_SNAPLEN));
    assert_false(pkt.has & CTFW_PKT_HAS_INNER);

    /* The quote is not IPv4. */
    b[q] = 0x65;
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_ICMP_INNER_BAD));
    assert_false(pkt.has & CTFW_PKT_HAS_INNER);
}

/* The other ICMPv4 errors quote too: 4, 5, 12 (RFC 792); quoted
 * ICMP echo gives its type, code and id. */
void
test_icmp_error_types(void **state)
{
    (void)state;
    static const uint8_t types[] = {4, 5, 12};
    for (size_t i = 0; i < sizeof(types); i++) {
        uint8_t b[128];
        struct ctfw_pkt pkt;
        size_t n = ip4(b, 20 + 8 + 28, 1, 0);
        b[n] = types[i], b[n + 1] = 0, w16(b + n + 2, 0), w32(b + n + 4, 0);
        ip4(b + n + 8, 84, 1, 0);
        uint8_t *e = b + n + 28;
        e[0] = 8, e[1] = 0, w16(e + 2, 0), w16(e + 4, 99), w16(e + 6, 1);
        dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n + 36);
        assert_int_equal(pkt.events, 0);
        assert_true(pkt.has & CTFW_PKT_HAS_INNER);
        assert_int_equal(pkt.inner.proto, 1);
        assert_int_equal(pkt.inner.icmp_type, 8);
        assert_int_equal(pkt.inner.sport, 99);
    }
    /* Type 9 (router advertisement) is no error: nothing quoted. */
    uint8_t b[64];
    struct ctfw_pkt pkt;
    size_t n = ip4(b, 20 + 16, 1, 0);
    memset(b + n, 0, 16), b[n] = 9;
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n + 16);
    assert_false(pkt.has & CTFW_PKT_HAS_INNER);
    assert_int_equal(pkt.events, 0);
}

/*
 * ICMPv6 (RFC 4443): errors 1..4 quote "as much of invoking packet as
 * possible"; echo 128/129 carry id and sequence; ND (RFC 4861, 133-137)
 * is informational.
 */
void
test_icmpv6(void **state)
{
    (void)state;
    uint8_t b[256];
    struct ctfw_pkt pkt;
    size_t n;

    n = ip6(b, 8, 58);
    b[n] = 128, b[n + 1] = 0, w16(b + n + 2, 0);
    w16(b + n + 4, 17), w16(b + n + 6, 3);
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n + 8);
    assert_int_equal(pkt.events, 0);
    assert_int_equal(pkt.icmp_type, 128);
    assert_int_equal(pkt.icmp_id, 17);
    assert_int_equal(pkt.icmp_seq, 3);

    /* Neighbour solicitation: 24 bytes, no id, no inner. */
    n = ip6(b, 24, 58);
    memset(b + n, 0, 24), b[n] = 135;
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n + 24);
    assert_int_equal(pkt.events, 0);
    assert_int_equal(pkt.icmp_type, 135);
    assert_int_equal(pkt.icmp_id, 0);
    assert_false(pkt.has & CTFW_PKT_HAS_INNER);

    /* Packet too big (2) quoting IPv6 + dest options (8) + TCP. */
    for (uint8_t type = 1; type <= 4; type++) {
        n = ip6(b, 8 + 40 + 8 + 20, 58);
        b[n] = type, b[n + 1] = 0, w16(b + n + 2, 0), w32(b + n + 4, 1280);
        size_t q = n + 8;
        ip6(b + q, 28 + 1000, 60);
        static const uint8_t dst[8] = {6, 0, 1, 4, 0, 0, 0, 0};
        memcpy(b + q + 40, dst, 8);
        tcp(b + q + 48, 8080, 40001, 5, 6, 20, CTFW_TCP_ACK);
        dec_full(&pkt, CTFW_LINKTYPE_RAW, b, q + 68);
        assert_int_equal(pkt.events, 0);
        assert_int_equal(pkt.icmp_type, type);
        assert_true(pkt.has & CTFW_PKT_HAS_INNER);
        assert_int_equal(pkt.inner.family, 6);
        assert_int_equal(pkt.inner.proto, 6);
        assert_int_equal(pkt.inner.sport, 8080);
        assert_int_equal(pkt.inner.dport, 40001);
        assert_int_equal(pkt.inner.tcp_seq, 5);
        assert_int_equal(pkt.inner.ip_len, 1028); /* payload length */
        assert_int_equal(pkt.inner.dst.b[15], 2);
    }
    /* Quote cut inside the destination options header. */
    dec(&pkt, CTFW_LINKTYPE_RAW, b, 48 + 44, 48 + 68);
    assert_true(ev(&pkt, CTFW_PKT_EV_ICMP_INNER_TRUNCATED));
    assert_int_equal(pkt.inner.proto, 60);
    /* ICMPv6 quoting IPv4: not valid. */
    b[48] = 0x45;
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, 48 + 68);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_ICMP_INNER_BAD));

    /* Protocol 1 in IPv6 and 58 in IPv4 are nonsense: generic. */
    n = ip6(b, 8, 1);
    memset(b + n, 0, 8), b[n] = 8;
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n + 8);
    assert_false(pkt.has & CTFW_PKT_HAS_L4);
    assert_int_equal(pkt.icmp_type, 0);
}

/* ------------------------------------------------------------------ */
/* Names and formatting                                                */

void
test_event_names(void **state)
{
    (void)state;
    for (int i = 0; i < CTFW_PKT_EV_COUNT; i++) {
        const char *a = ctfw_pkt_event_name((enum ctfw_pkt_event)i);
        assert_string_not_equal(a, "unknown");
        for (const char *c = a; *c; c++)
            assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                        *c == '_');
        for (int j = 0; j < i; j++)
            assert_string_not_equal(
                a, ctfw_pkt_event_name((enum ctfw_pkt_event)j));
    }
    /* Names are part of the stable interface (reports, JSON). */
    assert_string_equal(ctfw_pkt_event_name(CTFW_PKT_EV_IP_BAD_CSUM),
                        "ip_bad_csum");
    assert_string_equal(ctfw_pkt_event_name(CTFW_PKT_EV_LINK_TRUNCATED),
                        "link_truncated");
    assert_string_equal(ctfw_pkt_event_name(CTFW_PKT_EV_SNAPLEN), "snaplen");
    assert_string_equal(ctfw_pkt_event_name(CTFW_PKT_EV_COUNT), "unknown");
}

/*
 * Expected lines follow the grammar of docs/decode-format.md, read off
 * the packets as built: see the comments of syn_packet().
 */
void
test_format_lines(void **state)
{
    (void)state;
    uint8_t b[256];
    char line[512];
    struct ctfw_pkt pkt;
    size_t n = syn_packet(b);

    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n);
    int len = ctfw_pkt_format(&pkt, line, sizeof(line));
    assert_string_equal(line,
                        "eth IPv4 10.0.0.1:40000 > 10.0.0.2:80 tcp [S] "
                        "seq 1000 ack 0 win 64240 opts [mss 1460,wscale 7,"
                        "sackOK,ts 16909060 0] len 0 ttl 64 id 4660 df "
                        "iplen 60");
    assert_int_equal(len, strlen(line));

    /* A short buffer: truncated, terminated, full length returned. */
    char small[10];
    assert_int_equal(ctfw_pkt_format(&pkt, small, sizeof(small)), len);
    assert_string_equal(small, "eth IPv4 ");
    assert_int_equal(ctfw_pkt_format(&pkt, NULL, 0), len);

    b[14 + 10] ^= 1;
    dec(&pkt, CTFW_LINKTYPE_ETHERNET, b, 60, n);
    ctfw_pkt_format(&pkt, line, sizeof(line));
    assert_string_equal(line, "eth IPv4 10.0.0.1:40000 > 10.0.0.2:80 tcp [S] "
                              "seq 1000 ack 0 win 64240 ttl 64 id 4660 df "
                              "iplen 60 events ip_bad_csum,l4_truncated,"
                              "snaplen");

    /* SLL2, IPv6 later fragment: no ports, fragment fields. */
    static const uint8_t sll2[20] = {0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1,
                                     4,    6,    2, 0, 0, 0, 0, 1, 0, 0};
    memcpy(b, sll2, 20);
    n = 20 + ip6(b + 20, 8 + 16, 44);
    static const uint8_t later[8] = {17, 0, 0, 16, 0, 0, 0, 9};
    memcpy(b + n, later, 8), n += 8;
    memset(b + n, 0, 16), n += 16;
    dec_full(&pkt, CTFW_LINKTYPE_LINUX_SLL2, b, n);
    ctfw_pkt_format(&pkt, line, sizeof(line));
    assert_string_equal(line, "sll2 if 3 out IPv6 2001:db8::1 > 2001:db8::2"
                              " udp ttl 64 nh 44 ext frag id 9 iplen 64 "
                              "hlen 48 frag later off 16 events frag");

    /* ICMP error with its quote, on a VLAN. */
    n = eth(b, 0x8100);
    w16(b + n, 7), w16(b + n + 2, 0x0800), n += 4;
    n += ip4(b + n, 20 + 8 + 28, 1, 0);
    b[n] = 3, b[n + 1] = 3, w16(b + n + 2, 0), w32(b + n + 4, 0);
    ip4(b + n + 8, 100, 17, 0);
    udp(b + n + 28, 5353, 9999, 80);
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n + 36);
    ctfw_pkt_format(&pkt, line, sizeof(line));
    assert_string_equal(line, "eth vlan 7 IPv4 10.0.0.1 > 10.0.0.2 icmp "
                              "type 3 code 3 inner [IPv4 10.0.0.1:5353 > "
                              "10.0.0.2:9999 udp iplen 100] len 28 ttl 64 "
                              "id 4660 iplen 56");

    /* Not IP. */
    n = eth(b, 0x0806);
    memset(b + n, 0, 28);
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n + 28);
    ctfw_pkt_format(&pkt, line, sizeof(line));
    assert_string_equal(line, "eth ethertype 0x0806 events l3_unsupported");
}

/* RFC 5952 text forms, read back through the formatter. */
void
test_format_ipv6_addresses(void **state)
{
    (void)state;
    static const struct {
        uint16_t g[8];
        const char *text;
    } cases[] = {
        {{0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}, "2001:db8::1"},
        {{0, 0, 0, 0, 0, 0, 0, 1}, "::1"},
        {{0, 0, 0, 0, 0, 0, 0, 0}, "::"},
        /* 4.2.3: the longest run is shortened; the first on a tie. */
        {{0x2001, 0xdb8, 0, 0, 1, 0, 0, 1}, "2001:db8::1:0:0:1"},
        {{0x2001, 0, 0, 1, 0, 0, 0, 1}, "2001:0:0:1::1"},
        /* 4.2.2: a single zero group is not shortened. */
        {{0x2001, 0xdb8, 0, 1, 1, 1, 1, 1}, "2001:db8:0:1:1:1:1:1"},
        /* 4.3: lower case; 4.1: no leading zeros. */
        {{0xfe80, 0, 0, 0, 0x0abc, 0xdef0, 0, 0}, "fe80::abc:def0:0:0"},
        {{1, 0, 0, 0, 0, 0, 0, 0}, "1::"},
        /* 5: IPv4-mapped. */
        {{0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201}, "::ffff:192.0.2.1"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t b[64];
        char line[256], want[256];
        struct ctfw_pkt pkt;
        size_t n = ip6(b, 0, 59);
        for (int k = 0; k < 8; k++)
            w16(b + 8 + 2 * k, cases[i].g[k]);
        dec_full(&pkt, CTFW_LINKTYPE_RAW, b, n);
        ctfw_pkt_format(&pkt, line, sizeof(line));
        snprintf(want, sizeof(want),
                 "raw IPv6 %s > 2001:db8::2 proto 59 ttl 64 nh 59 iplen 40",
                 cases[i].text);
        assert_string_equal(line, want);
    }
}
