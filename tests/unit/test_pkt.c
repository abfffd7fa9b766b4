// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the packet decoder (lib/pkt/): link layers and IPv4
 * here, IPv6, L4 and formatting in test_pkt_l4.c; builders in
 * test_pkt.h.
 *
 * Packets are built byte by byte here; every expected value is reasoned
 * beside it from the RFC that defines the field. The IPv4 header
 * checksum is computed by the tests' own RFC 1071 routine (csum16() in
 * test_pkt.h), never by the library under test. Every decode runs on an
 * exact-size heap copy of the frame so that AddressSanitizer sees any read
 * past caplen.
 */
#include "test_pkt.h"

static uint8_t *heap_copy;
uint64_t seen_events;

/* Decode from an exact-size heap copy (freed on the next call). */
int
dec(struct ctfw_pkt *pkt, int lt, const uint8_t *b, size_t caplen,
    size_t wirelen)
{
    free(heap_copy);
    heap_copy = malloc(caplen ? caplen : 1);
    assert_non_null(heap_copy);
    if (caplen)
        memcpy(heap_copy, b, caplen);
    int rc = ctfw_pkt_decode(pkt, lt, heap_copy, (uint32_t)caplen,
                             (uint32_t)wirelen);
    seen_events |= pkt->events;
    return rc;
}

int
dec_full(struct ctfw_pkt *pkt, int lt, const uint8_t *b, size_t len)
{
    return dec(pkt, lt, b, len, len);
}

/* ------------------------------------------------------------------ */
/* Ethernet, IPv4, TCP                                                 */

static void
test_eth_ipv4_tcp_syn(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = syn_packet(b);
    struct ctfw_pkt pkt;

    assert_int_equal(n, 74);
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n), 0);
    assert_int_equal(pkt.events, 0);
    assert_true(pkt.has_mac);
    assert_int_equal(pkt.src_mac[5], 1);
    assert_int_equal(pkt.dst_mac[5], 2);
    assert_int_equal(pkt.ethertype, 0x0800);
    assert_int_equal(pkt.l3_off, 14);
    assert_int_equal(pkt.l4_off, 34);
    assert_int_equal(pkt.payload_off, 74);
    assert_int_equal(pkt.family, 4);
    assert_int_equal(pkt.proto, 6);
    assert_int_equal(pkt.ttl, 64);
    assert_int_equal(pkt.ip_hlen, 20);
    assert_int_equal(pkt.ip_len, 60);
    assert_int_equal(pkt.ip_id, 0x1234);
    assert_true(pkt.ip_df);
    assert_false(pkt.frag_mf);
    assert_int_equal(pkt.frag, CTFW_PKT_FRAG_NONE);
    assert_true(pkt.ip_csum_ok);
    uint8_t s[4] = {10, 0, 0, 1}, d[4] = {10, 0, 0, 2};
    assert_memory_equal(pkt.src.b, s, 4);
    assert_memory_equal(pkt.dst.b, d, 4);
    assert_int_equal(pkt.sport, 40000);
    assert_int_equal(pkt.dport, 80);
    assert_int_equal(pkt.tcp_seq, 1000);
    assert_int_equal(pkt.tcp_ack, 0);
    assert_int_equal(pkt.tcp_flags, CTFW_TCP_SYN);
    assert_int_equal(pkt.tcp_doff, 40);
    assert_int_equal(pkt.tcp_win, 64240);
    assert_int_equal(pkt.l4_len, 40);
    assert_int_equal(pkt.payload_len, 0);
    assert_int_equal(pkt.has & (CTFW_PKT_HAS_L2 | CTFW_PKT_HAS_IP |
                                CTFW_PKT_HAS_L4 | CTFW_PKT_HAS_TCPOPT),
                     CTFW_PKT_HAS_L2 | CTFW_PKT_HAS_IP | CTFW_PKT_HAS_L4 |
                         CTFW_PKT_HAS_TCPOPT);
    assert_int_equal(pkt.tcp_opts.mss, 1460);
    assert_int_equal(pkt.tcp_opts.wscale, 7);
    assert_true(pkt.tcp_opts.sack_perm);
    assert_true(pkt.tcp_opts.has_ts);
    assert_int_equal(pkt.tcp_opts.ts_val, 0x01020304);
    assert_int_equal(pkt.tcp_opts.ts_ecr, 0);
    assert_int_equal(pkt.tcp_opts.n_sack, 0);
}

/*
 * Cut the reference packet at every length from 0 to 74 bytes with the
 * wire length kept at 74. The header boundaries are 14 (Ethernet), 34
 * (IPv4), 54 (TCP fixed header) and 74 (TCP options): what lies wholly
 * before the cut is known, nothing after it is, and every cut short of
 * 74 is a snap-length truncation.
 */
static void
test_truncate_every_offset(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = syn_packet(b);

    for (size_t cut = 0; cut <= n; cut++) {
        struct ctfw_pkt pkt;
        int rc = dec(&pkt, CTFW_LINKTYPE_ETHERNET, b, cut, n);
        assert_int_equal(ev(&pkt, CTFW_PKT_EV_SNAPLEN), cut < n);
        assert_true(pkt.l3_off == CTFW_PKT_OFF_NONE || pkt.l3_off <= cut);
        assert_true(pkt.l4_off == CTFW_PKT_OFF_NONE || pkt.l4_off <= cut);
        assert_true(pkt.payload_off == CTFW_PKT_OFF_NONE ||
                    pkt.payload_off <= cut);
        if (cut < 14) {
            assert_int_equal(rc, -EPROTO);
            assert_int_equal(pkt.events, bit(CTFW_PKT_EV_LINK_TRUNCATED) |
                                             bit(CTFW_PKT_EV_SNAPLEN));
            assert_false(pkt.has_mac);
            continue;
        }
        assert_true(pkt.has_mac);
        if (cut < 34) {
            assert_int_equal(rc, -EPROTO);
            assert_int_equal(pkt.family, 0);
            assert_int_equal(pkt.events, bit(CTFW_PKT_EV_IP_TRUNCATED) |
                                             bit(CTFW_PKT_EV_SNAPLEN));
            continue;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(pkt.family, 4);
        assert_int_equal(pkt.dst.b[3], 2);
        assert_true(pkt.ip_csum_ok);
        if (cut < 54) {
            assert_false(pkt.has & CTFW_PKT_HAS_L4);
            assert_int_equal(pkt.sport, 0);
            assert_int_equal(pkt.l4_off, CTFW_PKT_OFF_NONE);
            assert_int_equal(pkt.events, bit(CTFW_PKT_EV_L4_TRUNCATED) |
                                             bit(CTFW_PKT_EV_SNAPLEN));
            continue;
        }
        assert_true(pkt.has & CTFW_PKT_HAS_L4);
        assert_int_equal(pkt.sport, 40000);
        assert_int_equal(pkt.tcp_seq, 1000);
        if (cut < 74) {
            /* Options cut: none is trusted, no payload offset. */
            assert_false(pkt.has & CTFW_PKT_HAS_TCPOPT);
            assert_int_equal(pkt.tcp_opts.mss, 0);
            assert_int_equal(pkt.tcp_opts.wscale, -1);
            assert_int_equal(pkt.payload_off, CTFW_PKT_OFF_NONE);
            assert_int_equal(pkt.events, bit(CTFW_PKT_EV_L4_TRUNCATED) |
                                             bit(CTFW_PKT_EV_SNAPLEN));
            continue;
        }
        assert_int_equal(pkt.events, 0);
        assert_int_equal(pkt.tcp_opts.mss, 1460);
    }
}

/* The same cuts on the IPv6 + TCP packet over every link type that
 * carries it, only for memory safety: ASan checks the reads. */
static void
test_truncate_every_offset_all_links(void **state)
{
    (void)state;
    static const struct {
        int lt;
        size_t hl;
        uint8_t hdr[20];
    } links[] = {
        {CTFW_LINKTYPE_ETHERNET,
         18,
         {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x81, 0, 0, 5, 0x86, 0xdd}},
        {CTFW_LINKTYPE_LINUX_SLL,
         16,
         {0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x86, 0xdd}},
        {CTFW_LINKTYPE_LINUX_SLL2, 20, {0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1,
                                        0,    6,    2, 0, 0, 0, 0, 1, 0, 0}},
        {CTFW_LINKTYPE_RAW, 0, {0}},
        {CTFW_LINKTYPE_IPV6, 0, {0}},
        {CTFW_LINKTYPE_NULL, 4, {30, 0, 0, 0}},
        {CTFW_LINKTYPE_LOOP, 4, {0, 0, 0, 24}},
        {CTFW_LINKTYPE_PPP, 4, {0xff, 0x03, 0x00, 0x57}},
        /* TLV length 4 + 68 bytes of IPv6, little-endian host. */
        {CTFW_LINKTYPE_NFLOG, 8, {10, 0, 0, 0, 72, 0, 9, 0}},
    };
    for (size_t l = 0; l < sizeof(links) / sizeof(links[0]); l++) {
        uint8_t b[160];
        size_t n = links[l].hl;
        memcpy(b, links[l].hdr, n);
        /* IPv6, hop-by-hop (8 bytes of PadN), TCP: 40 + 8 + 20. */
        n += ip6(b + n, 28, 0);
        static const uint8_t hbh[8] = {6, 0, 1, 4, 0, 0, 0, 0};
        memcpy(b + n, hbh, 8);
        n += 8;
        n += tcp(b + n, 1, 2, 3, 4, 20, CTFW_TCP_ACK);
        struct ctfw_pkt pkt;
        assert_int_equal(dec_full(&pkt, links[l].lt, b, n), 0);
        assert_int_equal(pkt.events, 0);
        assert_int_equal(pkt.proto, 6);
        assert_int_equal(pkt.ip_hlen, 48);
        assert_int_equal(pkt.sport, 1);
        assert_int_equal(pkt.l3_off, links[l].hl);
        for (size_t cut = 0; cut < n; cut++) {
            dec(&pkt, links[l].lt, b, cut, n);
            assert_true(ev(&pkt, CTFW_PKT_EV_SNAPLEN));
            assert_false(pkt.has & CTFW_PKT_HAS_L4);
        }
    }
}

static void
test_ipv4_bad_csum(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = syn_packet(b);
    struct ctfw_pkt pkt;

    b[14 + 10] ^= 0x01; /* any bit flip breaks the RFC 1071 sum */
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_IP_BAD_CSUM));
    assert_false(pkt.ip_csum_ok);
    /* A bad checksum does not hide the rest. */
    assert_int_equal(pkt.sport, 40000);
}

static void
test_ipv4_bad_version_hlen_totlen(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = syn_packet(b);
    struct ctfw_pkt pkt;

    b[14] = 0x55; /* version 5 */
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n), -EPROTO);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_IP_BAD_VERSION));
    assert_int_equal(pkt.family, 0);

    /* IHL 4 (16 bytes) is below the 20-byte minimum of RFC 791: the
     * fixed fields are still read, nothing after them. */
    n = syn_packet(b);
    b[14] = 0x44;
    ip4_fix_csum(b + 14);
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n), 0);
    assert_true(ev(&pkt, CTFW_PKT_EV_IP_BAD_HLEN));
    assert_int_equal(pkt.proto, 6);
    assert_false(pkt.has & CTFW_PKT_HAS_L4);

    /* IHL 15 (60 bytes) with total length 50: the total length counts
     * the header (RFC 791), so it is the total length that is wrong. */
    n = syn_packet(b);
    b[14] = 0x4f;
    w16(b + 14 + 2, 50);
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n);
    assert_true(ev(&pkt, CTFW_PKT_EV_IP_BAD_TOTLEN));
    /* IHL 15 and total length 60, but only 50 bytes of IP on the wire:
     * the header cannot be there at all. */
    w16(b + 14 + 2, 60);
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, 14 + 50);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_IP_LEN_EXCEEDS_WIRE) |
                                     bit(CTFW_PKT_EV_IP_BAD_HLEN));
    assert_false(pkt.has & CTFW_PKT_HAS_L4);

    /* Total length 19 < 20-byte header (what ip_rcv_core() drops, and
     * what TSO captures show as 0): flagged, L4 read from the wire. */
    n = syn_packet(b);
    w16(b + 14 + 2, 0);
    ip4_fix_csum(b + 14);
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_IP_BAD_TOTLEN));
    assert_int_equal(pkt.ip_len, 0);
    assert_int_equal(pkt.sport, 40000);
    assert_int_equal(pkt.l4_len, 40); /* 74 - 34 on the wire */
}

static void
test_ipv4_lengths_vs_wire(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = syn_packet(b);
    struct ctfw_pkt pkt;

    /* Total length 80 but only 60 bytes of IP on the wire. */
    w16(b + 14 + 2, 80);
    ip4_fix_csum(b + 14);
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_IP_LEN_EXCEEDS_WIRE));
    assert_int_equal(pkt.l4_len, 40);

    /* 100 bytes on the wire beyond a 60-byte IP packet: a trailer,
     * since a 174-byte frame needs no Ethernet padding. */
    n = syn_packet(b);
    memset(b + n, 0xee, 100);
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n + 100);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_IP_TRAILER));
    assert_int_equal(pkt.l4_len, 40);
    assert_int_equal(pkt.payload_len, 0);

    /* A bare ACK is 54 bytes; Ethernet pads it to 60 (IEEE 802.3
     * minimum frame without FCS): no trailer event for padding. */
    n = eth(b, 0x0800);
    n += ip4(b + n, 40, 6, 0);
    n += tcp(b + n, 1, 2, 3, 4, 20, CTFW_TCP_ACK);
    memset(b + n, 0, 6);
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, 60);
    assert_int_equal(pkt.events, 0);
    assert_int_equal(pkt.payload_len, 0);

    /* The same 6 extra bytes on a raw IP link are a trailer. */
    dec_full(&pkt, CTFW_LINKTYPE_RAW, b + 14, 46);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_IP_TRAILER));

    /* Caplen 60 of a 1514-byte frame: a snap-length cut; the IP
     * length (1500) is within the wire length, so no length event. */
    n = eth(b, 0x0800);
    n += ip4(b + n, 1500, 6, 0);
    n += tcp(b + n, 1, 2, 3, 4, 20, CTFW_TCP_ACK);
    dec(&pkt, CTFW_LINKTYPE_ETHERNET, b, 60, 1514);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_SNAPLEN));
    assert_int_equal(pkt.payload_len, 1460);
    assert_int_equal(pkt.payload_off, 54);
}

/*
 * IPv4 options, RFC 791 3.1, checked as ip_options_compile() does.
 * Record route with one slot: type 7, length 7, pointer 4, 4 bytes of
 * address, then EOL padding to the 4-byte boundary: IHL 7 (28 bytes).
 */
static void
test_ipv4_options(void **state)
{
    (void)state;
    uint8_t b[128];
    struct ctfw_pkt pkt;
    static const struct {
        uint8_t opt[8];
        bool bad;
        const char *why;
    } cases[] = {
        {{7, 7, 4, 0, 0, 0, 0, 0}, false, "record route, 1 slot"},
        {{1, 1, 1, 1, 1, 1, 1, 0}, false, "NOPs then EOL"},
        {{0, 0xff, 0xff, 0xff, 0, 0, 0, 0}, false, "EOL: rest is padding"},
        {{148, 4, 0, 0, 0, 0, 0, 0}, false, "router alert (RFC 2113)"},
        {{7, 7, 3, 0, 0, 0, 0, 0}, true, "RR pointer 3 < 4"},
        {{68, 3, 5, 0, 0, 0, 0, 0}, true, "timestamp length 3 < 4"},
        {{68, 8, 4, 0, 0, 0, 0, 0}, true, "timestamp pointer 4 < 5"},
        {{148, 6, 0, 0, 0, 0, 0, 0}, true, "router alert length 6"},
        {{130, 1, 0, 0, 0, 0, 0, 0}, true, "length 1 < 2"},
        {{130, 0, 0, 0, 0, 0, 0, 0}, true, "length 0"},
        {{1, 1, 1, 1, 1, 1, 1, 130}, true, "no room for the length"},
        {{130, 9, 0, 0, 0, 0, 0, 0}, true, "length 9 > 8 left"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = eth(b, 0x0800);
        ip4(b + n, 28 + 8, 17, 0);
        b[n] = 0x47; /* IHL 7 */
        memcpy(b + n + 20, cases[i].opt, 8);
        ip4_fix_csum(b + n);
        n += 28;
        n += udp(b + n, 53, 53, 8);
        dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n);
        print_message("# %s\n", cases[i].why);
        assert_int_equal(ev(&pkt, CTFW_PKT_EV_IP_OPT_BAD), cases[i].bad);
        assert_int_equal(pkt.ip_hlen, 28);
        assert_true(pkt.ip_csum_ok);
        assert_int_equal(pkt.l4_off, 14 + 28);
        assert_int_equal(pkt.dport, 53);
    }
}

/*
 * Fragments, RFC 791: the offset field counts 8-byte units; MF set on
 * all but the last. Only the offset-0 fragment carries the L4 header.
 */
static void
test_ipv4_fragments(void **state)
{
    (void)state;
    uint8_t b[256];
    struct ctfw_pkt pkt;
    size_t n;

    /* First fragment: offset 0, MF, 24 bytes of data (multiple of 8). */
    n = eth(b, 0x0800);
    n += ip4(b + n, 44, 17, 0x2000);
    n += udp(b + n, 1000, 53, 100); /* the whole datagram's length */
    memset(b + n, 0, 16);
    n += 16;
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n);
    assert_int_equal(pkt.frag, CTFW_PKT_FRAG_FIRST);
    assert_true(pkt.frag_mf);
    assert_int_equal(pkt.frag_off, 0);
    /* UDP length 100 > 24 bytes here is normal in a first fragment. */
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_FRAG));
    assert_int_equal(pkt.dport, 53);

    /* Later fragment: offset 3 units = 24 bytes, no MF, 76 bytes. */
    n = eth(b, 0x0800);
    n += ip4(b + n, 96, 17, 3);
    memset(b + n, 0xab, 76);
    n += 76;
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n);
    assert_int_equal(pkt.frag, CTFW_PKT_FRAG_LATER);
    assert_int_equal(pkt.frag_off, 24);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_FRAG));
    assert_int_equal(pkt.proto, 17);
    assert_int_equal(pkt.l4_off, CTFW_PKT_OFF_NONE);
    assert_false(pkt.has & CTFW_PKT_HAS_L4);
    assert_int_equal(pkt.sport, 0);
    assert_int_equal(pkt.l4_len, 76);

    /* The same later fragment with 4 bytes of options (IHL 6) cut
     * after 22 bytes: the options are unknown, the position is not
     * (it lies in the fixed header). */
    n = eth(b, 0x0800);
    ip4(b + n, 96, 17, 3);
    b[n] = 0x46;
    dec(&pkt, CTFW_LINKTYPE_ETHERNET, b, n + 22, n + 96);
    assert_int_equal(pkt.frag, CTFW_PKT_FRAG_LATER);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_FRAG) |
                                     bit(CTFW_PKT_EV_IP_TRUNCATED) |
                                     bit(CTFW_PKT_EV_SNAPLEN));
    assert_false(pkt.ip_csum_ok);

    /* MF with 20 bytes of data: not a multiple of 8. */
    n = eth(b, 0x0800);
    n += ip4(b + n, 40, 17, 0x2000 | 1);
    memset(b + n, 0, 20);
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n + 20);
    assert_true(ev(&pkt, CTFW_PKT_EV_FRAG_BAD));

    /* Offset 8191 units = 65528 bytes plus 16 bytes of data passes the
     * 65535-byte datagram limit (the ping-of-death shape). */
    n = eth(b, 0x0800);
    n += ip4(b + n, 36, 17, 0x1fff);
    memset(b + n, 0, 16);
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n + 16);
    assert_true(ev(&pkt, CTFW_PKT_EV_FRAG_BAD));
    assert_int_equal(pkt.frag_off, 65528);

    /* A first fragment too short for the 20-byte TCP header (RFC 1858
     * tiny fragment): 8 bytes of TCP. */
    n = eth(b, 0x0800);
    n += ip4(b + n, 28, 6, 0x2000);
    n += tcp(b + n, 1, 2, 3, 4, 20, CTFW_TCP_SYN);
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, 14 + 28);
    assert_int_equal(pkt.events,
                     bit(CTFW_PKT_EV_FRAG) | bit(CTFW_PKT_EV_FRAG_BAD));
    assert_false(pkt.has & CTFW_PKT_HAS_L4);
}

/* ------------------------------------------------------------------ */
/* Link layers                                                         */

/* 802.1Q (0x8100) and 802.1ad (0x88a8) tags; TCI = PCP 3 bits, DEI,
 * VID 12 bits (IEEE 802.1Q 9.6). */
static void
test_vlan_qinq(void **state)
{
    (void)state;
    uint8_t b[128];
    struct ctfw_pkt pkt;
    static const uint16_t outer[] = {0x88a8, 0x9100, 0x8100};

    for (size_t i = 0; i < 3; i++) {
        size_t n = eth(b, outer[i]);
        w16(b + n, 0x6064); /* PCP 3, VID 100 */
        w16(b + n + 2, 0x8100);
        w16(b + n + 4, 200);
        w16(b + n + 6, 0x0800);
        n += 8;
        n += ip4(b + n, 28, 17, 0);
        n += udp(b + n, 1, 2, 8);
        memset(b + n, 0, 10); /* pad to 64 + 4 */
        dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n + 10);
        assert_int_equal(pkt.events, 0);
        assert_int_equal(pkt.n_vlan, 2);
        assert_int_equal(pkt.vlan_tci[0], 0x6064);
        assert_int_equal(pkt.vlan_tci[0] & 0xfff, 100);
        assert_int_equal(pkt.vlan_tci[1], 200);
        assert_int_equal(pkt.ethertype, 0x0800);
        assert_int_equal(pkt.l3_off, 22);
        assert_true(pkt.has & CTFW_PKT_HAS_VLAN);
        assert_int_equal(pkt.dport, 2);
    }

    /* Three tags: the third is skipped, not stored. */
    size_t n = eth(b, 0x88a8);
    w16(b + n, 1), w16(b + n + 2, 0x8100);
    w16(b + n + 4, 2), w16(b + n + 6, 0x8100);
    w16(b + n + 8, 3), w16(b + n + 10, 0x0800);
    n += 12;
    n += ip4(b + n, 28, 17, 0);
    n += udp(b + n, 1, 2, 8);
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_VLAN_TOO_DEEP));
    assert_int_equal(pkt.n_vlan, 2);
    assert_int_equal(pkt.l3_off, 26);
    assert_int_equal(pkt.family, 4);

    /* A tag cut in the middle. */
    n = eth(b, 0x8100);
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n + 3);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_VLAN_TRUNCATED));

    /* ARP: not IP. */
    n = eth(b, 0x0806);
    memset(b + n, 0, 28);
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n + 28),
                     -EPROTO);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_L3_UNSUPPORTED));
    assert_int_equal(pkt.ethertype, 0x0806);

    /* 802.3 length + LLC/SNAP with OUI 0 (RFC 1042) carrying IPv4. */
    n = eth(b, 8 + 28);
    static const uint8_t snap[8] = {0xaa, 0xaa, 3, 0, 0, 0, 8, 0};
    memcpy(b + n, snap, 8);
    n += 8;
    n += ip4(b + n, 28, 17, 0);
    n += udp(b + n, 1, 2, 8);
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n);
    assert_int_equal(pkt.family, 4);
    assert_int_equal(pkt.l3_off, 22);
}

/*
 * Linux cooked captures (pcap-linktype(7)): SLL is pkttype(2)
 * hatype(2) halen(2) addr(8) protocol(2); SLL2 is protocol(2) reserved(2)
 * ifindex(4) hatype(2) pkttype(1) halen(1) addr(8).
 */
static void
test_sll_sll2(void **state)
{
    (void)state;
    uint8_t b[128];
    struct ctfw_pkt pkt;
    size_t n;

    static const uint8_t sll[16] = {0, 4, 0, 1, 0, 6, 2,    0,
                                    0, 0, 0, 1, 0, 0, 0x08, 0x00};
    memcpy(b, sll, 16);
    n = 16 + ip4(b + 16, 28, 17, 0);
    n += udp(b + n, 5, 6, 8);
    dec_full(&pkt, CTFW_LINKTYPE_LINUX_SLL, b, n);
    assert_int_equal(pkt.events, 0);
    assert_true(pkt.has & CTFW_PKT_HAS_SLL);
    assert_int_equal(pkt.sll_pkttype, 4); /* PACKET_OUTGOING */
    assert_int_equal(pkt.sll_ifindex, 0);
    assert_int_equal(pkt.l3_off, 16);
    assert_int_equal(pkt.sport, 5);

    static const uint8_t sll2[20] = {0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1,
                                     0,    6,    2, 0, 0, 0, 0, 1, 0, 0};
    memcpy(b, sll2, 20);
    n = 20 + ip6(b + 20, 8, 17);
    n += udp(b + n, 7, 8, 8);
    dec_full(&pkt, CTFW_LINKTYPE_LINUX_SLL2, b, n);
    assert_int_equal(pkt.events, 0);
    assert_int_equal(pkt.sll_pkttype, 0); /* PACKET_HOST */
    assert_int_equal(pkt.sll_ifindex, 3);
    assert_int_equal(pkt.family, 6);
    assert_int_equal(pkt.dport, 8);

    /* SLL with a VLAN tag that libpcap put back: protocol 0x8100. */
    memcpy(b, sll, 16);
    w16(b + 14, 0x8100);
    w16(b + 16, 42), w16(b + 18, 0x0800);
    n = 20 + ip4(b + 20, 28, 17, 0);
    n += udp(b + n, 5, 6, 8);
    dec_full(&pkt, CTFW_LINKTYPE_LINUX_SLL, b, n);
    assert_int_equal(pkt.n_vlan, 1);
    assert_int_equal(pkt.vlan_tci[0], 42);
    assert_int_equal(pkt.family, 4);

    dec_full(&pkt, CTFW_LINKTYPE_LINUX_SLL, b, 15);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_LINK_TRUNCATED));
    dec_full(&pkt, CTFW_LINKTYPE_LINUX_SLL2, b, 19);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_LINK_TRUNCATED));
}

/* Raw IP link types: 12 and 101 look at the version nibble; 228 is
 * IPv4 only and 229 IPv6 only (pcap-linktype(7)). */
static void
test_raw_links(void **state)
{
    (void)state;
    uint8_t v4[64], v6[64];
    struct ctfw_pkt pkt;
    size_t n4 = ip4(v4, 28, 17, 0);
    n4 += udp(v4 + n4, 1, 2, 8);
    size_t n6 = ip6(v6, 8, 17);
    n6 += udp(v6 + n6, 1, 2, 8);

    static const int both[] = {CTFW_LINKTYPE_RAW, CTFW_LINKTYPE_RAW_OLD};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(dec_full(&pkt, both[i], v4, n4), 0);
        assert_int_equal(pkt.family, 4);
        assert_int_equal(pkt.l3_off, 0);
        assert_int_equal(pkt.events, 0);
        assert_int_equal(dec_full(&pkt, both[i], v6, n6), 0);
        assert_int_equal(pkt.family, 6);
        assert_int_equal(pkt.events, 0);
    }
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_IPV4, v4, n4), 0);
    assert_int_equal(pkt.family, 4);
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_IPV6, v6, n6), 0);
    assert_int_equal(pkt.family, 6);
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_IPV4, v6, n6), -EPROTO);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_IP_BAD_VERSION));
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_IPV6, v4, n4), -EPROTO);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_IP_BAD_VERSION));
    v4[0] = 0x15; /* version 1 */
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_RAW, v4, n4), -EPROTO);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_IP_BAD_VERSION));
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_RAW, v4, 0), -EPROTO);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_IP_TRUNCATED));
}

/*
 * BSD loopback: NULL has the AF in the capturing host's order, LOOP in
 * network order. AF_INET = 2; AF_INET6 = 24 (NetBSD/OpenBSD), 28
 * (FreeBSD), 30 (Darwin).
 */
static void
test_null_loop(void **state)
{
    (void)state;
    uint8_t b[128];
    struct ctfw_pkt pkt;
    size_t n4 = 4 + ip4(b + 4, 28, 17, 0);
    n4 += udp(b + n4, 1, 2, 8);

    static const uint8_t le2[4] = {2, 0, 0, 0}, be2[4] = {0, 0, 0, 2};
    memcpy(b, le2, 4);
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_NULL, b, n4), 0);
    assert_int_equal(pkt.family, 4);
    memcpy(b, be2, 4);
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_NULL, b, n4), 0);
    assert_int_equal(pkt.family, 4);
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_LOOP, b, n4), 0);
    assert_int_equal(pkt.family, 4);
    /* LOOP is always network order: 02 00 00 00 is AF 0x2000000. */
    memcpy(b, le2, 4);
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_LOOP, b, n4), -EPROTO);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_L3_UNSUPPORTED));

    size_t n6 = 4 + ip6(b + 4, 8, 17);
    n6 += udp(b + n6, 1, 2, 8);
    static const uint8_t af6[] = {24, 28, 30};
    for (size_t i = 0; i < 3; i++) {
        uint8_t le[4] = {af6[i], 0, 0, 0}, be[4] = {0, 0, 0, af6[i]};
        memcpy(b, le, 4);
        assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_NULL, b, n6), 0);
        assert_int_equal(pkt.family, 6);
        memcpy(b, be, 4);
        assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_NULL, b, n6), 0);
        assert_int_equal(pkt.family, 6);
        assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_LOOP, b, n6), 0);
        assert_int_equal(pkt.family, 6);
        assert_int_equal(pkt.events, 0);
    }
    static const uint8_t af7[4] = {7, 0, 0, 0};
    memcpy(b, af7, 4);
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_NULL, b, n6), -EPROTO);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_L3_UNSUPPORTED));
    dec_full(&pkt, CTFW_LINKTYPE_NULL, b, 3);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_LINK_TRUNCATED));
}

/* PPP (RFC 1661/1662) on DLT_PPP and in PPPoE sessions (RFC 2516). */
static void
test_ppp_pppoe(void **state)
{
    (void)state;
    uint8_t b[128];
    struct ctfw_pkt pkt;
    size_t n;

    /* ff 03, protocol 0x0021 (IPv4). */
    b[0] = 0xff, b[1] = 0x03, w16(b + 2, 0x0021);
    n = 4 + ip4(b + 4, 28, 17, 0);
    n += udp(b + n, 1, 2, 8);
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_PPP, b, n), 0);
    assert_int_equal(pkt.ppp_proto, 0x21);
    assert_int_equal(pkt.l3_off, 4);
    /* Without ff 03 and with the compressed one-byte protocol 0x21
     * (PFC: an odd first byte ends the field). */
    b[3] = 0x21;
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_PPP, b + 3, n - 3), 0);
    assert_int_equal(pkt.l3_off, 1);
    assert_int_equal(pkt.events, 0);
    /* LCP (0xc021) is not IP. */
    w16(b + 2, 0xc021);
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_PPP, b, n), -EPROTO);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_L3_UNSUPPORTED));
    assert_int_equal(pkt.ppp_proto, 0xc021);

    /* PPPoE session: ver/type 0x11, code 0, session 0x1234, length,
     * PPP protocol 0x0057 (IPv6). */
    n = eth(b, 0x8864);
    b[n] = 0x11, b[n + 1] = 0, w16(b + n + 2, 0x1234);
    w16(b + n + 4, 2 + 48), w16(b + n + 6, 0x0057);
    n += 8;
    n += ip6(b + n, 8, 17);
    n += udp(b + n, 1, 2, 8);
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n), 0);
    assert_true(pkt.has & CTFW_PKT_HAS_PPPOE);
    assert_int_equal(pkt.pppoe_sid, 0x1234);
    assert_int_equal(pkt.ppp_proto, 0x57);
    assert_int_equal(pkt.l3_off, 22);
    assert_int_equal(pkt.family, 6);
    assert_int_equal(pkt.events, 0);
    b[14] = 0x21; /* version 2 */
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, n), -EPROTO);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_LINK_BAD));
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, 14 + 5);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_LINK_TRUNCATED));
}

/*
 * NFLOG (pcap-linktype(7), LINKTYPE_NFLOG): 4-byte header (family,
 * version 0, resource id), TLVs of host-order length/type, length
 * counting the 4-byte TLV header, padded to 4; type 9 is the payload.
 */
static void
test_nflog(void **state)
{
    (void)state;
    uint8_t b[128];
    struct ctfw_pkt pkt;
    uint16_t v;

    b[0] = 2, b[1] = 0, b[2] = 0, b[3] = 5;
    /* A prefix TLV (type 10) of 4 + 3 bytes, padded to 8. */
    v = 7, memcpy(b + 4, &v, 2);
    v = 10, memcpy(b + 6, &v, 2);
    memcpy(b + 8, "ab\0\0", 4);
    v = 4 + 28, memcpy(b + 12, &v, 2);
    v = 9, memcpy(b + 14, &v, 2);
    size_t n = 16 + ip4(b + 16, 28, 17, 0);
    n += udp(b + n, 1, 2, 8);
    assert_int_equal(dec_full(&pkt, CTFW_LINKTYPE_NFLOG, b, n), 0);
    assert_int_equal(pkt.l3_off, 16);
    assert_int_equal(pkt.events, 0);
    assert_int_equal(pkt.dport, 2);

    b[1] = 1; /* version 1 is unknown */
    dec_full(&pkt, CTFW_LINKTYPE_NFLOG, b, n);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_LINK_BAD));
    b[1] = 0;
    v = 2, memcpy(b + 4, &v, 2); /* TLV length below its header */
    dec_full(&pkt, CTFW_LINKTYPE_NFLOG, b, n);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_LINK_BAD));
    dec_full(&pkt, CTFW_LINKTYPE_NFLOG, b, 6);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_LINK_TRUNCATED));
}

static void
test_link_unsupported(void **state)
{
    (void)state;
    uint8_t b[64] = {0};
    struct ctfw_pkt pkt;

    assert_int_equal(dec_full(&pkt, 147, b, sizeof(b)), -EPROTO);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_LINK_UNSUPPORTED));
    assert_false(ctfw_pkt_linktype_supported(147));
    static const int ok[] = {0, 1, 9, 12, 101, 108, 113, 228, 229, 239, 276};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        assert_true(ctfw_pkt_linktype_supported(ok[i]));
    dec_full(&pkt, CTFW_LINKTYPE_ETHERNET, b, 13);
    assert_int_equal(pkt.events, bit(CTFW_PKT_EV_LINK_TRUNCATED));
}

/* Runs last: every named event was produced by some test above. */
static void
test_every_event_exercised(void **state)
{
    (void)state;
    for (int e = 0; e < CTFW_PKT_EV_COUNT; e++) {
        if (!(seen_events & bit((enum ctfw_pkt_event)e)))
            print_message("# event %s never produced\n",
                          ctfw_pkt_event_name((enum ctfw_pkt_event)e));
    }
    assert_int_equal(seen_events, ((uint64_t)1 << CTFW_PKT_EV_COUNT) - 1);
}

static int
teardown(void **state)
{
    (void)state;
    free(heap_copy);
    heap_copy = NULL;
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eth_ipv4_tcp_syn),
        cmocka_unit_test(test_truncate_every_offset),
        cmocka_unit_test(test_truncate_every_offset_all_links),
        cmocka_unit_test(test_ipv4_bad_csum),
        cmocka_unit_test(test_ipv4_bad_version_hlen_totlen),
        cmocka_unit_test(test_ipv4_lengths_vs_wire),
        cmocka_unit_test(test_ipv4_options),
        cmocka_unit_test(test_ipv4_fragments),
        cmocka_unit_test(test_vlan_qinq),
        cmocka_unit_test(test_sll_sll2),
        cmocka_unit_test(test_raw_links),
        cmocka_unit_test(test_null_loop),
        cmocka_unit_test(test_ppp_pppoe),
        cmocka_unit_test(test_nflog),
        cmocka_unit_test(test_link_unsupported),
        cmocka_unit_test(test_ipv6_ext_chain),
        cmocka_unit_test(test_ipv6_hbh_not_first),
        cmocka_unit_test(test_ipv6_fragments),
        cmocka_unit_test(test_ipv6_esp_nonext),
        cmocka_unit_test(test_tcp_options),
        cmocka_unit_test(test_tcp_bad_doff),
        cmocka_unit_test(test_udp_lengths),
        cmocka_unit_test(test_sctp_dccp_gre_generic),
        cmocka_unit_test(test_icmp_echo),
        cmocka_unit_test(test_icmp_error_quotes_udp_tcp),
        cmocka_unit_test(test_icmp_error_types),
        cmocka_unit_test(test_icmpv6),
        cmocka_unit_test(test_event_names),
        cmocka_unit_test(test_format_lines),
        cmocka_unit_test(test_format_ipv6_addresses),
        cmocka_unit_test(test_every_event_exercised),
    };
    return cmocka_run_group_tests_name("pkt", tests, NULL, teardown);
}
