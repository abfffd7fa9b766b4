// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * REJECT answers (lib/hook/reject.c). Expected fields follow the kernel's
 * nf_reject_ipv4.c and icmp_send() as summarised at the top of reject.c
 * and in reference/linux-netfilter.md §4.2 (a REJECT's RST is 40 bytes,
 * its ICMP port unreachable for a 33-byte UDP datagram is 61 bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctfw/csum.h"
#include "ctfw/pkt.h"
#include "lib/hook/reject_private.h"

static uint16_t
get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* A raw IPv4 packet: 10.0.0.7 -> 10.0.0.10. */
static size_t
mk_ipv4(uint8_t *b, uint8_t proto, size_t l4len, uint8_t tos)
{
    memset(b, 0, 20);
    b[0] = 0x45;
    b[1] = tos;
    b[2] = (uint8_t)((20 + l4len) >> 8);
    b[3] = (uint8_t)(20 + l4len);
    b[6] = 0x40;
    b[8] = 64;
    b[9] = proto;
    b[12] = 10, b[15] = 7;
    b[16] = 10, b[19] = 10;
    uint16_t c = ctfw_csum_fold(ctfw_csum_partial(b, 20, 0));
    b[10] = (uint8_t)(c >> 8);
    b[11] = (uint8_t)c;
    return 20 + l4len;
}

static size_t
mk_tcp(uint8_t *b, uint8_t flags, uint32_t seq, uint32_t ack, size_t plen)
{
    size_t n = mk_ipv4(b, 6, 20 + plen, 0);
    uint8_t *t = b + 20;
    memset(t, 0, 20 + plen);
    t[0] = 0x9c, t[1] = 0x40;          /* 40000 */
    t[2] = 0, t[3] = 80;
    t[4] = (uint8_t)(seq >> 24), t[5] = (uint8_t)(seq >> 16);
    t[6] = (uint8_t)(seq >> 8), t[7] = (uint8_t)seq;
    t[8] = (uint8_t)(ack >> 24), t[9] = (uint8_t)(ack >> 16);
    t[10] = (uint8_t)(ack >> 8), t[11] = (uint8_t)ack;
    t[12] = 5 << 4;
    t[13] = flags;
    t[14] = 0xfa, t[15] = 0xf0;
    return n;
}

static void
check_ip_csum(const uint8_t *ip)
{
    assert_int_equal(ctfw_csum_fold(ctfw_csum_partial(ip, 20, 0)), 0);
}

static void
test_rst_for_syn(void **state)
{
    uint8_t in[64], out[128];
    size_t n = mk_tcp(in, CTFW_TCP_SYN, 1000, 0, 0);
    struct ctfw_pkt p;
    assert_int_equal(ctfw_pkt_decode(&p, CTFW_LINKTYPE_RAW, in, (uint32_t)n,
                                     (uint32_t)n), 0);
    size_t len = hook_reject_build(&p, CTFW_REJECT_TCP_RESET, NULL, out,
                                   sizeof(out));
    assert_int_equal(len, 40);
    check_ip_csum(out);
    assert_int_equal(out[1], 0);                 /* tos 0 */
    assert_int_equal(get16(out + 4), 0);         /* id 0 */
    assert_int_equal(get16(out + 6), 0x4000);    /* DF */
    assert_int_equal(out[8], 64);
    assert_memory_equal(out + 12, in + 16, 4);   /* src = old dst */
    assert_memory_equal(out + 16, in + 12, 4);
    const uint8_t *t = out + 20;
    assert_int_equal(get16(t), 80);
    assert_int_equal(get16(t + 2), 40000);
    /* No ACK on the SYN: seq 0, ack = 1000 + 1 (SYN), RST|ACK. */
    assert_int_equal(get32(t + 4), 0);
    assert_int_equal(get32(t + 8), 1001);
    assert_int_equal(t[13], CTFW_TCP_RST | CTFW_TCP_ACK);
    assert_int_equal(get16(t + 14), 0);          /* window 0 */
    /* TCP checksum over the pseudo header verifies. */
    uint8_t ph[12] = {0};
    memcpy(ph, out + 12, 8);
    ph[9] = 6;
    ph[11] = 20;
    assert_int_equal(ctfw_csum_fold(ctfw_csum_partial(
                         t, 20, ctfw_csum_partial(ph, 12, 0))),
                     0);
}

static void
test_rst_for_data(void **state)
{
    uint8_t in[128], out[128];
    /* Data with ACK and FIN: seq = its ack_seq, flags RST only. */
    size_t n = mk_tcp(in, CTFW_TCP_ACK | CTFW_TCP_PSH | CTFW_TCP_FIN, 5000,
                      777777, 30);
    struct ctfw_pkt p;
    ctfw_pkt_decode(&p, CTFW_LINKTYPE_RAW, in, (uint32_t)n, (uint32_t)n);
    size_t len = hook_reject_build(&p, CTFW_REJECT_TCP_RESET, NULL, out,
                                   sizeof(out));
    assert_int_equal(len, 40);
    assert_int_equal(get32(out + 24), 777777);
    assert_int_equal(get32(out + 28), 0);
    assert_int_equal(out[33], CTFW_TCP_RST);
    /* Without ACK: ack = seq + payload + FIN = 5000 + 30 + 1. */
    n = mk_tcp(in, CTFW_TCP_PSH | CTFW_TCP_FIN, 5000, 0, 30);
    ctfw_pkt_decode(&p, CTFW_LINKTYPE_RAW, in, (uint32_t)n, (uint32_t)n);
    hook_reject_build(&p, CTFW_REJECT_TCP_RESET, NULL, out, sizeof(out));
    assert_int_equal(get32(out + 28), 5031);
}

static void
test_no_rst_for_rst(void **state)
{
    uint8_t in[64], out[128];
    size_t n = mk_tcp(in, CTFW_TCP_RST, 1, 0, 0);
    struct ctfw_pkt p;
    ctfw_pkt_decode(&p, CTFW_LINKTYPE_RAW, in, (uint32_t)n, (uint32_t)n);
    assert_int_equal(hook_reject_build(&p, CTFW_REJECT_TCP_RESET, NULL, out,
                                       sizeof(out)),
                     0);
}

static void
test_port_unreach(void **state)
{
    uint8_t in[128], out[600];
    size_t n = mk_ipv4(in, 17, 8 + 25, 0x10);
    uint8_t *u = in + 20;
    memset(u, 0x61, 33);
    u[0] = 0x9c, u[1] = 0x40, u[2] = 0, u[3] = 53, u[4] = 0, u[5] = 33;
    u[6] = u[7] = 0;
    struct ctfw_pkt p;
    ctfw_pkt_decode(&p, CTFW_LINKTYPE_RAW, in, (uint32_t)n, (uint32_t)n);
    size_t len = hook_reject_build(&p, CTFW_REJECT_PORT_UNREACH, NULL, out,
                                   sizeof(out));
    /* 20 + 8 + the whole 53-byte datagram = 81 (the reference's 61-byte
     * answer quoted a 33-byte datagram: 20 + 8 + 33). */
    assert_int_equal(len, 81);
    check_ip_csum(out);
    assert_int_equal(out[1], 0xc0 | (0x10 & 0x1e));
    assert_int_equal(get16(out + 6), 0);      /* no DF */
    assert_int_equal(out[9], 1);
    assert_int_equal(out[20], 3);
    assert_int_equal(out[21], 3);
    assert_memory_equal(out + 28, in, n);
    assert_int_equal(ctfw_csum_fold(ctfw_csum_partial(out + 20, len - 20,
                                                      0)),
                     0);
}

/* ip_forward()'s answer to TTL 1: ICMP 11/0 from the given address,
 * quoting the datagram as received (TTL 1), 61 bytes for a 33-byte UDP
 * datagram (the oracle's ttl_exceeded case counted 61 + 88 bytes for its
 * two answers). */
static void
test_time_exceeded(void **state)
{
    (void)state;
    uint8_t in[128], out[600];
    size_t n = mk_ipv4(in, 17, 8 + 5, 0);
    in[8] = 1;
    in[10] = in[11] = 0;
    uint16_t c = ctfw_csum_fold(ctfw_csum_partial(in, 20, 0));
    in[10] = (uint8_t)(c >> 8), in[11] = (uint8_t)c;
    memset(in + 20, 0, 13);
    in[21] = 53, in[25] = 13;
    struct ctfw_pkt p;
    ctfw_pkt_decode(&p, CTFW_LINKTYPE_RAW, in, (uint32_t)n, (uint32_t)n);
    union ctfw_addr src = {.b = {10, 0, 0, 1}};
    size_t len = hook_icmp_time_exceeded(&p, 0, &src, out, sizeof(out));
    assert_int_equal(len, 61);
    check_ip_csum(out);
    assert_int_equal(out[12], 10);
    assert_int_equal(out[15], 1);
    assert_int_equal(out[19], 7);
    assert_int_equal(out[20], 11);
    assert_int_equal(out[21], 0);
    assert_memory_equal(out + 28, in, n);
    assert_int_equal(ctfw_csum_fold(ctfw_csum_partial(out + 20, len - 20,
                                                      0)),
                     0);
}

static void
test_quote_capped_at_576(void **state)
{
    uint8_t in[1500], out[1500];
    size_t n = mk_ipv4(in, 17, 1400, 0);
    memset(in + 20, 0, 1400);
    in[24] = (uint8_t)(1400 >> 8), in[25] = (uint8_t)1400;
    struct ctfw_pkt p;
    ctfw_pkt_decode(&p, CTFW_LINKTYPE_RAW, in, (uint32_t)n, (uint32_t)n);
    assert_int_equal(hook_reject_build(&p, CTFW_REJECT_ADMIN_PROHIB, NULL,
                                       out, sizeof(out)),
                     576);
    assert_int_equal(out[21], 13);
}

static void
test_no_icmp_about_icmp_error(void **state)
{
    uint8_t in[128], out[600];
    size_t n = mk_ipv4(in, 1, 36, 0);
    memset(in + 20, 0, 36);
    in[20] = 11;   /* time exceeded: an error */
    struct ctfw_pkt p;
    ctfw_pkt_decode(&p, CTFW_LINKTYPE_RAW, in, (uint32_t)n, (uint32_t)n);
    assert_int_equal(hook_reject_build(&p, CTFW_REJECT_PORT_UNREACH, NULL,
                                       out, sizeof(out)),
                     0);
    in[20] = 8;    /* echo request: answered */
    ctfw_pkt_decode(&p, CTFW_LINKTYPE_RAW, in, (uint32_t)n, (uint32_t)n);
    assert_int_equal(hook_reject_build(&p, CTFW_REJECT_PORT_UNREACH, NULL,
                                       out, sizeof(out)),
                     20 + 8 + 56);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rst_for_syn),
        cmocka_unit_test(test_rst_for_data),
        cmocka_unit_test(test_no_rst_for_rst),
        cmocka_unit_test(test_port_unreach),
        cmocka_unit_test(test_time_exceeded),
        cmocka_unit_test(test_quote_capped_at_576),
        cmocka_unit_test(test_no_icmp_about_icmp_error),
    };
    return cmocka_run_group_tests_name("reject", tests, NULL, NULL);
}
