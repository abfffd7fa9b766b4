// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NAT unit tests: tuple allocation edge cases and packet rewriting.
 * Expected values come from the kernel's nf_nat_core.c as described in
 * ../shared/reference/linux-netfilter.md §9 (the reasoning is written
 * beside each check), never from ctfw's own output. Randomly chosen
 * ports are checked by class and uniqueness, not by value.
 *
 * Packets are real bytes (LINKTYPE_RAW) decoded by lib/pkt, so that the
 * rewriting can be checked by recomputing every checksum from scratch.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ctfw/bytes.h"
#include "ctfw/csum.h"
#include "ctfw/ct.h"
#include "ctfw/nat.h"
#include "lib/nat/nat_private.h"

#define SEC 1000000000ull
#define T0 (1000 * SEC)

static union ctfw_addr
A4(unsigned a, unsigned b, unsigned c, unsigned d)
{
    union ctfw_addr x;
    memset(&x, 0, sizeof(x));
    x.b[0] = (uint8_t)a;
    x.b[1] = (uint8_t)b;
    x.b[2] = (uint8_t)c;
    x.b[3] = (uint8_t)d;
    return x;
}

#define CLI(n) A4(10, 99, 1, n)
#define SRV A4(10, 99, 2, 2)
#define PUB A4(10, 99, 2, 1)

/* ---- Packet bytes ------------------------------------------------------ */

struct pbuf {
    uint8_t b[256];
    size_t len;
    struct ctfw_pkt pkt;
};

static uint16_t
l4_csum(const uint8_t *ip, size_t len)
{
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    uint32_t sum = ctfw_csum_partial(ip + 12, 8, 0);
    sum += ip[9];
    sum += (uint32_t)(len - ihl);
    sum = ctfw_csum_partial(ip + ihl, len - ihl, sum);
    return ctfw_csum_fold(sum);
}

/* IPv4 header checksum and the L4 checksum are right (UDP: 0 = none). */
static bool
csums_ok(const uint8_t *ip, size_t len)
{
    if (ctfw_csum_fold(ctfw_csum_partial(ip, 20, 0)) != 0)
        return false;
    if (ip[9] == 17 && ctfw_get16(ip + 26) == 0)
        return true;
    if (ip[9] == 1)
        return ctfw_csum_fold(ctfw_csum_partial(ip + 20, len - 20, 0)) == 0;
    return l4_csum(ip, len) == 0;
}

static void
ip_hdr(uint8_t *p, size_t len, uint8_t proto, union ctfw_addr s,
       union ctfw_addr d)
{
    memset(p, 0, 20);
    p[0] = 0x45;
    ctfw_put16(p + 2, (uint16_t)len);
    ctfw_put16(p + 4, 0x1234);
    p[8] = 64;
    p[9] = proto;
    memcpy(p + 12, s.b, 4);
    memcpy(p + 16, d.b, 4);
    ctfw_put16(p + 10, ctfw_csum_fold(ctfw_csum_partial(p, 20, 0)));
}

static void
decode(struct pbuf *pb)
{
    ctfw_pkt_decode(&pb->pkt, CTFW_LINKTYPE_RAW, pb->b, (uint32_t)pb->len,
                    (uint32_t)pb->len);
}

static struct pbuf
tcp(union ctfw_addr s, union ctfw_addr d, uint16_t sp, uint16_t dp,
    uint8_t flags)
{
    struct pbuf pb;
    memset(&pb, 0, sizeof(pb));
    pb.len = 40;
    ip_hdr(pb.b, pb.len, 6, s, d);
    uint8_t *t = pb.b + 20;
    ctfw_put16(t, sp);
    ctfw_put16(t + 2, dp);
    ctfw_put32(t + 4, 1000);
    ctfw_put32(t + 8, flags & CTFW_TCP_ACK ? 2000 : 0);
    t[12] = 5 << 4;
    t[13] = flags;
    ctfw_put16(t + 14, 64240);
    ctfw_put16(t + 16, l4_csum(pb.b, pb.len));
    decode(&pb);
    return pb;
}

static struct pbuf
tcpx(union ctfw_addr s, union ctfw_addr d, uint16_t sp, uint16_t dp,
     uint8_t flags, uint32_t seq, uint32_t ack)
{
    struct pbuf pb = tcp(s, d, sp, dp, flags);
    uint8_t *t = pb.b + 20;
    ctfw_put32(t + 4, seq);
    ctfw_put32(t + 8, ack);
    ctfw_put16(t + 16, 0);
    ctfw_put16(t + 16, l4_csum(pb.b, pb.len));
    return pb;
}

static struct pbuf
udp(union ctfw_addr s, union ctfw_addr d, uint16_t sp, uint16_t dp,
    bool csum)
{
    struct pbuf pb;
    memset(&pb, 0, sizeof(pb));
    pb.len = 33;
    ip_hdr(pb.b, pb.len, 17, s, d);
    uint8_t *u = pb.b + 20;
    ctfw_put16(u, sp);
    ctfw_put16(u + 2, dp);
    ctfw_put16(u + 4, 13);
    memcpy(u + 8, "hello", 5);
    if (csum) {
        uint16_t c = l4_csum(pb.b, pb.len);
        ctfw_put16(u + 6, c ? c : 0xffff);
    }
    decode(&pb);
    return pb;
}

static struct pbuf
echo(union ctfw_addr s, union ctfw_addr d, uint8_t type, uint16_t id)
{
    struct pbuf pb;
    memset(&pb, 0, sizeof(pb));
    pb.len = 36;
    ip_hdr(pb.b, pb.len, 1, s, d);
    uint8_t *i = pb.b + 20;
    i[0] = type;
    ctfw_put16(i + 4, id);
    ctfw_put16(i + 6, 1);
    memcpy(i + 8, "pingping", 8);
    ctfw_put16(i + 2, ctfw_csum_fold(ctfw_csum_partial(i, 16, 0)));
    decode(&pb);
    return pb;
}

/* ---- Context ------------------------------------------------------------ */

struct nctx {
    struct ctfw_ct *ct;
    struct ctfw_nat *nat;
};

static struct nctx
nctx_new(void)
{
    struct nctx n;
    struct ctfw_ct_params p = {.seed = 42, .start_ns = T0};
    assert_int_equal(ctfw_ct_new(&p, &n.ct), 0);
    assert_int_equal(ctfw_nat_new(7, &n.nat), 0);
    return n;
}

static void
nctx_free(struct nctx *n)
{
    ctfw_nat_free(n->nat);
    ctfw_ct_free(n->ct);
}

static struct ctfw_nat_range
range(union ctfw_addr lo, union ctfw_addr hi, uint16_t plo, uint16_t phi)
{
    struct ctfw_nat_range r;
    memset(&r, 0, sizeof(r));
    r.flags = CTFW_NAT_RANGE_MAP_IPS;
    r.min_addr = lo;
    r.max_addr = hi;
    if (plo || phi) {
        r.flags |= CTFW_NAT_RANGE_PROTO_SPECIFIED;
        r.min_port = plo;
        r.max_port = phi;
    }
    return r;
}

/* A new connection, bound (SRC or DST manip with r; NULL: null binding
 * for that manip) and confirmed. Returns the confirm verdict; *reply
 * gets the reply tuple as bound. */
static enum ctfw_ct_verdict
connect(struct nctx *n, struct pbuf *pb, const struct ctfw_nat_range *r,
        enum ctfw_nat_manip m, struct ctfw_ct_tuple *reply,
        struct ctfw_ct_entry **entry)
{
    struct ctfw_ct_ref ref;
    ctfw_ct_ref_init(&ref);
    decode(pb);    /* pb was copied: point the decoded packet at it */
    assert_int_equal(ctfw_ct_in(n->ct, &pb->pkt, T0,
                                CTFW_CT_HOOK_PRE_ROUTING, &ref),
                     CTFW_CT_ACCEPT);
    assert_non_null(ref.entry);
    if (r)
        assert_true(ctfw_nat_setup_info(n->nat, n->ct, ref.entry, r, m, T0));
    else
        assert_true(ctfw_nat_null_binding(n->nat, n->ct, ref.entry, m, T0));
    ctfw_ct_entry_tuple(ref.entry, CTFW_CT_DIR_REPLY, reply);
    if (entry)
        *entry = ref.entry;
    return ctfw_ct_confirm(n->ct, &ref, T0);
}

static bool
addr_eq(union ctfw_addr a, union ctfw_addr b)
{
    return memcmp(a.b, b.b, 4) == 0;
}

/* ---- Allocation --------------------------------------------------------- */

/* §9 step 1: the original source port is kept while unique; the entry
 * gets SRC_NAT (tuple changed) and SRC_NAT_DONE. */
static void
test_snat_keeps_unique_port(void **state)
{
    (void)state;
    struct nctx n = nctx_new();
    struct pbuf p = tcp(CLI(2), SRV, 40000, 80, CTFW_TCP_SYN);
    struct ctfw_nat_range r = range(PUB, PUB, 0, 0);
    struct ctfw_ct_tuple rep;
    struct ctfw_ct_entry *e;
    assert_int_equal(connect(&n, &p, &r, CTFW_NAT_MANIP_SRC, &rep, &e),
                     CTFW_CT_ACCEPT);
    assert_true(addr_eq(rep.src, SRV));
    assert_true(addr_eq(rep.dst, PUB));
    assert_int_equal(rep.sport, 80);
    assert_int_equal(rep.dport, 40000);
    uint32_t st = ctfw_ct_entry_status(e);
    assert_true(st & CTFW_CT_S_SRC_NAT);
    assert_true(st & CTFW_CT_S_SRC_NAT_DONE);
    assert_false(st & (CTFW_CT_S_DST_NAT | CTFW_CT_S_DST_NAT_DONE));
    /* A null binding at the DST hook changes nothing but the DONE bit. */
    nctx_free(&n);
}

/* §9 step 3, the port classes: a clashing port is replaced within the
 * class of the original port: 1-511 below 512, 600-1023 below 1024,
 * 1024-65535 above ([V]: 40000 -> 43993). */
static void
test_port_classes(void **state)
{
    (void)state;
    static const struct {
        uint16_t port, lo, hi;
    } cls[] = {{40000, 1024, 65535}, {100, 1, 511}, {700, 600, 1023},
               {511, 1, 511}, {1023, 600, 1023}, {1024, 1024, 65535}};
    struct nctx n = nctx_new();
    struct ctfw_nat_range r = range(PUB, PUB, 0, 0);
    for (size_t i = 0; i < sizeof(cls) / sizeof(cls[0]); i++) {
        struct ctfw_ct_tuple r1, r2;
        struct pbuf a = tcp(CLI(2), SRV, cls[i].port, 80, CTFW_TCP_SYN);
        struct pbuf b = tcp(CLI(3), SRV, cls[i].port, 80, CTFW_TCP_SYN);
        assert_int_equal(connect(&n, &a, &r, CTFW_NAT_MANIP_SRC, &r1, NULL),
                         CTFW_CT_ACCEPT);
        assert_int_equal(connect(&n, &b, &r, CTFW_NAT_MANIP_SRC, &r2, NULL),
                         CTFW_CT_ACCEPT);
        assert_int_equal(r1.dport, cls[i].port);     /* kept */
        assert_int_not_equal(r2.dport, cls[i].port); /* unique */
        assert_true(r2.dport >= cls[i].lo && r2.dport <= cls[i].hi);
    }
    nctx_free(&n);
}

/* A range covering every port (1-65535): a free original port is in
 * range and kept; a clashing one is replaced by another in 1-65535. */
static void
test_full_range(void **state)
{
    (void)state;
    struct nctx n = nctx_new();
    struct ctfw_nat_range r = range(PUB, PUB, 1, 65535);
    struct ctfw_ct_tuple r1, r2;
    struct pbuf a = tcp(CLI(2), SRV, 5, 80, CTFW_TCP_SYN);
    struct pbuf b = tcp(CLI(3), SRV, 5, 80, CTFW_TCP_SYN);
    assert_int_equal(connect(&n, &a, &r, CTFW_NAT_MANIP_SRC, &r1, NULL),
                     CTFW_CT_ACCEPT);
    assert_int_equal(connect(&n, &b, &r, CTFW_NAT_MANIP_SRC, &r2, NULL),
                     CTFW_CT_ACCEPT);
    assert_int_equal(r1.dport, 5);
    assert_int_not_equal(r2.dport, 5);
    assert_true(r2.dport >= 1);
    nctx_free(&n);
}

/* A single-port range: get_unique_tuple() takes a tuple already in a
 * one-port range without checking it is free (min == max), so a second
 * client gets the same tuple and fails at confirm (insert_failed). */
static void
test_single_port(void **state)
{
    (void)state;
    struct nctx n = nctx_new();
    struct ctfw_nat_range r = range(PUB, PUB, 2000, 2000);
    struct ctfw_ct_tuple r1, r2;
    struct pbuf a = udp(CLI(2), SRV, 5000, 53, true);
    struct pbuf b = udp(CLI(3), SRV, 5000, 53, true);
    assert_int_equal(connect(&n, &a, &r, CTFW_NAT_MANIP_SRC, &r1, NULL),
                     CTFW_CT_ACCEPT);
    assert_int_equal(r1.dport, 2000);
    assert_int_equal(connect(&n, &b, &r, CTFW_NAT_MANIP_SRC, &r2, NULL),
                     CTFW_CT_DROP);
    assert_int_equal(r2.dport, 2000);
    struct ctfw_ct_stats s;
    ctfw_ct_get_stats(n.ct, &s);
    assert_int_equal(s.insert_failed, 1);
    assert_int_equal(ctfw_ct_count(n.ct), 1);
    nctx_free(&n);
}

/* Exhaustion: two ports for three clients. The first two get 1024 and
 * 1025 (in some order); the third finds no free port: the last
 * candidate is kept (nf_nat_l4proto_unique_tuple() gives up when the
 * attempts cover the range) and confirm fails. */
static void
test_exhaustion(void **state)
{
    (void)state;
    struct nctx n = nctx_new();
    struct ctfw_nat_range r = range(PUB, PUB, 1024, 1025);
    struct ctfw_ct_tuple rr[3];
    enum ctfw_ct_verdict v[3];
    for (unsigned i = 0; i < 3; i++) {
        struct pbuf p = tcp(CLI(2 + i), SRV, 40000, 80, CTFW_TCP_SYN);
        v[i] = connect(&n, &p, &r, CTFW_NAT_MANIP_SRC, &rr[i], NULL);
    }
    assert_int_equal(v[0], CTFW_CT_ACCEPT);
    assert_int_equal(v[1], CTFW_CT_ACCEPT);
    assert_int_equal(v[2], CTFW_CT_DROP);
    assert_true(rr[0].dport == 1024 || rr[0].dport == 1025);
    assert_int_equal(rr[0].dport + rr[1].dport, 1024 + 1025);
    struct ctfw_nat_stats ns;
    ctfw_nat_get_stats(n.nat, &ns);
    assert_int_equal(ns.no_unique, 1);
    assert_int_equal(ctfw_ct_count(n.ct), 2);
    nctx_free(&n);
}

/* A large range that is all used up: the search gives up after its
 * attempts (128, then 64, 32, 16 from new offsets) and keeps a clashing
 * candidate. 300 ports, 300 clients: the 301st is refused. */
static void
test_exhaustion_large(void **state)
{
    (void)state;
    struct nctx n = nctx_new();
    struct ctfw_nat_range r = range(PUB, PUB, 10000, 10299);
    unsigned ok = 0, dropped = 0;
    /* Each client has its own source, so the kernel also tries the
     * original port first (out of range here). Clients take ports until
     * the attempts stop finding free ones; every accepted one is in
     * range and unique. */
    static bool used[300];
    memset(used, 0, sizeof(used));
    for (unsigned i = 0; i < 400; i++) {
        union ctfw_addr c = A4(10, 99, 1 + i / 200, 2 + i % 200);
        struct pbuf p = udp(c, SRV, 40000, 53, true);
        struct ctfw_ct_tuple rep;
        if (connect(&n, &p, &r, CTFW_NAT_MANIP_SRC, &rep, NULL) ==
            CTFW_CT_ACCEPT) {
            ok++;
            assert_true(rep.dport >= 10000 && rep.dport <= 10299);
            assert_false(used[rep.dport - 10000]);
            used[rep.dport - 10000] = true;
        } else {
            dropped++;
        }
    }
    assert_true(ok <= 300);
    assert_int_equal(ok + dropped, 400);
    assert_true(dropped >= 100);
    nctx_free(&n);
}

/* find_appropriate_src(): a source already mapped gets the same mapping
 * for its next connection when that is in range and unique, although
 * the port would otherwise be chosen at random. */
static void
test_reuse_source_mapping(void **state)
{
    (void)state;
    struct nctx n = nctx_new();
    struct ctfw_nat_range r = range(PUB, PUB, 5000, 5999);
    struct ctfw_ct_tuple r1, r2, r3;
    struct pbuf a = udp(CLI(2), SRV, 40000, 53, true);
    struct pbuf b = udp(CLI(2), A4(10, 99, 2, 3), 40000, 53, true);
    assert_int_equal(connect(&n, &a, &r, CTFW_NAT_MANIP_SRC, &r1, NULL),
                     CTFW_CT_ACCEPT);
    assert_true(r1.dport >= 5000 && r1.dport <= 5999);
    assert_int_equal(connect(&n, &b, &r, CTFW_NAT_MANIP_SRC, &r2, NULL),
                     CTFW_CT_ACCEPT);
    assert_int_equal(r2.dport, r1.dport);
    assert_true(addr_eq(r2.dst, PUB));
    /* --random (RANDOM_ALL) skips step 1: no reuse is promised, but the
     * port stays in range. */
    struct ctfw_nat_range rr = r;
    rr.flags |= CTFW_NAT_RANGE_PROTO_RANDOM;
    struct pbuf c = udp(CLI(2), A4(10, 99, 2, 4), 40000, 53, true);
    assert_int_equal(connect(&n, &c, &rr, CTFW_NAT_MANIP_SRC, &r3, NULL),
                     CTFW_CT_ACCEPT);
    assert_true(r3.dport >= 5000 && r3.dport <= 5999);
    nctx_free(&n);
}

/* find_best_ips_proto(): the address is a hash of (source, destination);
 * --persistent leaves the destination out, so one client keeps its
 * address whatever it talks to. Always within the range. */
static void
test_persistent(void **state)
{
    (void)state;
    struct ctfw_nat_range r = range(A4(192, 0, 2, 10), A4(192, 0, 2, 20), 0,
                                    0);
    struct ctfw_nat_range p = r;
    p.flags |= CTFW_NAT_RANGE_PERSISTENT;
    for (unsigned c = 1; c < 50; c++) {
        union ctfw_addr first;
        for (unsigned d = 1; d < 20; d++) {
            struct ctfw_ct_tuple t;
            memset(&t, 0, sizeof(t));
            t.src = A4(10, 0, 0, c);
            t.dst = A4(198, 51, 100, d);
            struct ctfw_ct_tuple u = t;
            nat_find_best_ips(4, 0, &t, &p, CTFW_NAT_MANIP_SRC);
            assert_true(t.src.b[3] >= 10 && t.src.b[3] <= 20);
            assert_int_equal(memcmp(t.src.b, (uint8_t[]){192, 0, 2}, 3), 0);
            if (d == 1)
                first = t.src;
            assert_true(addr_eq(t.src, first));
            nat_find_best_ips(4, 0, &u, &r, CTFW_NAT_MANIP_SRC);
            assert_true(u.src.b[3] >= 10 && u.src.b[3] <= 20);
        }
    }
    /* Without --persistent the destination matters: some client gets two
     * addresses for two destinations. */
    bool differs = false;
    for (unsigned d = 2; d < 40 && !differs; d++) {
        struct ctfw_ct_tuple t1, t2;
        memset(&t1, 0, sizeof(t1));
        t1.src = A4(10, 0, 0, 1);
        t1.dst = A4(198, 51, 100, 1);
        t2 = t1;
        t2.dst = A4(198, 51, 100, d);
        nat_find_best_ips(4, 0, &t1, &r, CTFW_NAT_MANIP_SRC);
        nat_find_best_ips(4, 0, &t2, &r, CTFW_NAT_MANIP_SRC);
        differs = !addr_eq(t1.src, t2.src);
    }
    assert_true(differs);
}

/* DNAT without ports never changes the port (it returns early); with a
 * range it starts at the range's first port (offset 0 for DST). */
static void
test_dnat_ports(void **state)
{
    (void)state;
    struct nctx n = nctx_new();
    union ctfw_addr in = A4(10, 99, 1, 1);
    struct ctfw_nat_range r = range(SRV, SRV, 0, 0);
    struct ctfw_ct_tuple rep;
    struct pbuf a = tcp(CLI(2), in, 40001, 8080, CTFW_TCP_SYN);
    assert_int_equal(connect(&n, &a, &r, CTFW_NAT_MANIP_DST, &rep, NULL),
                     CTFW_CT_ACCEPT);
    assert_true(addr_eq(rep.src, SRV));
    assert_int_equal(rep.sport, 8080);
    struct ctfw_nat_range rp = range(SRV, SRV, 80, 90);
    struct pbuf b = tcp(CLI(2), in, 40002, 8080, CTFW_TCP_SYN);
    assert_int_equal(connect(&n, &b, &rp, CTFW_NAT_MANIP_DST, &rep, NULL),
                     CTFW_CT_ACCEPT);
    assert_int_equal(rep.sport, 80);
    nctx_free(&n);
}

/* --random-fully: step 1 and the "keep if free" shortcut are skipped,
 * the port is drawn in the class even when the original is free. */
static void
test_random_fully(void **state)
{
    (void)state;
    struct nctx n = nctx_new();
    struct ctfw_nat_range r = range(PUB, PUB, 0, 0);
    r.flags |= CTFW_NAT_RANGE_PROTO_RANDOM_FULLY;
    unsigned kept = 0;
    for (unsigned i = 0; i < 20; i++) {
        struct ctfw_ct_tuple rep;
        struct pbuf a = tcp(CLI(2 + i), SRV, 40000, 80, CTFW_TCP_SYN);
        assert_int_equal(connect(&n, &a, &r, CTFW_NAT_MANIP_SRC, &rep, NULL),
                         CTFW_CT_ACCEPT);
        assert_true(rep.dport >= 1024);
        kept += rep.dport == 40000;
    }
    assert_true(kept <= 1);
    nctx_free(&n);
}

/* ICMP: the echo id plays the port (§9 step 4), range 0-65535. */
static void
test_icmp_id(void **state)
{
    (void)state;
    struct nctx n = nctx_new();
    struct ctfw_nat_range r = range(PUB, PUB, 0, 0);
    struct ctfw_ct_tuple r1, r2;
    struct pbuf a = echo(CLI(2), SRV, 8, 0x0b1d);
    struct pbuf b = echo(CLI(3), SRV, 8, 0x0b1d);
    assert_int_equal(connect(&n, &a, &r, CTFW_NAT_MANIP_SRC, &r1, NULL),
                     CTFW_CT_ACCEPT);
    assert_int_equal(connect(&n, &b, &r, CTFW_NAT_MANIP_SRC, &r2, NULL),
                     CTFW_CT_ACCEPT);
    assert_int_equal(r1.sport, 0x0b1d);
    assert_int_not_equal(r2.sport, 0x0b1d);
    assert_int_equal(r2.dport >> 8, 0);    /* echo reply type */
    nctx_free(&n);
}

/* A null binding keeps the address and, when the identity is free, the
 * port; status gets only the DONE bit. */
static void
test_null_binding(void **state)
{
    (void)state;
    struct nctx n = nctx_new();
    struct ctfw_ct_tuple rep;
    struct ctfw_ct_entry *e;
    struct pbuf a = tcp(CLI(2), SRV, 40000, 80, CTFW_TCP_SYN);
    assert_int_equal(connect(&n, &a, NULL, CTFW_NAT_MANIP_SRC, &rep, &e),
                     CTFW_CT_ACCEPT);
    assert_true(addr_eq(rep.dst, CLI(2)));
    assert_int_equal(rep.dport, 40000);
    uint32_t st = ctfw_ct_entry_status(e);
    assert_true(st & CTFW_CT_S_SRC_NAT_DONE);
    assert_false(st & CTFW_CT_S_SRC_NAT);
    nctx_free(&n);
}

/* A packet of an existing connection through conntrack (no NAT step:
 * the entry's tuples are what the test looks at). */
static void
track(struct nctx *n, struct pbuf *pb, uint64_t now)
{
    struct ctfw_ct_ref ref;
    ctfw_ct_ref_init(&ref);
    decode(pb);
    assert_int_equal(ctfw_ct_in(n->ct, &pb->pkt, now,
                                CTFW_CT_HOOK_PRE_ROUTING, &ref),
                     CTFW_CT_ACCEPT);
    assert_non_null(ref.entry);
    ctfw_ct_confirm(n->ct, &ref, now);
}

/*
 * nf_nat_used_tuple_harder(): the only port of the range is held by a
 * SNAT connection. A new SYN whose sequence number is past the old
 * connection's gets the port when that connection is in TIME_WAIT (it
 * is killed); not when it is still ESTABLISHED (exhaustion, dropped at
 * confirm).
 */
static void
run_reuse(bool close_first, enum ctfw_ct_verdict want, uint32_t want_count)
{
    struct nctx n = nctx_new();
    struct ctfw_nat_range r = range(PUB, PUB, 1024, 1024);
    struct ctfw_ct_tuple rep;
    struct pbuf syn = tcpx(CLI(2), SRV, 40000, 80, CTFW_TCP_SYN, 1000, 0);
    assert_int_equal(connect(&n, &syn, &r, CTFW_NAT_MANIP_SRC, &rep, NULL),
                     CTFW_CT_ACCEPT);
    assert_int_equal(rep.dport, 1024);
    const uint8_t SA = CTFW_TCP_SYN | CTFW_TCP_ACK;
    const uint8_t FA = CTFW_TCP_FIN | CTFW_TCP_ACK;
    struct pbuf p[] = {
        tcpx(SRV, PUB, 80, 1024, SA, 5000, 1001),
        tcpx(CLI(2), SRV, 40000, 80, CTFW_TCP_ACK, 1001, 5001),
        tcpx(CLI(2), SRV, 40000, 80, FA, 1001, 5001),
        tcpx(SRV, PUB, 80, 1024, FA, 5001, 1002),
        tcpx(CLI(2), SRV, 40000, 80, CTFW_TCP_ACK, 1002, 5002),
    };
    size_t np = close_first ? 5 : 2;
    for (size_t i = 0; i < np; i++)
        track(&n, &p[i], T0 + (i + 1) * SEC / 100);
    struct pbuf syn2 = tcpx(CLI(3), SRV, 40000, 80, CTFW_TCP_SYN, 900000,
                            0);
    assert_int_equal(connect(&n, &syn2, &r, CTFW_NAT_MANIP_SRC, &rep, NULL),
                     want);
    assert_int_equal(rep.dport, 1024);
    assert_int_equal(ctfw_ct_count(n.ct), want_count);
    nctx_free(&n);
}

static void
test_time_wait_reuse(void **state)
{
    (void)state;
    run_reuse(true, CTFW_CT_ACCEPT, 1);
    run_reuse(false, CTFW_CT_DROP, 1);
}

/* ---- Rewriting ---------------------------------------------------------- */

/* Bind with SNAT (port 40000 -> 1234 forced by a one-port range) and
 * return the confirmed entry. */
static struct ctfw_ct_entry *
snat_entry(struct nctx *n, struct pbuf *p)
{
    struct ctfw_nat_range r = range(PUB, PUB, 1234, 1234);
    struct ctfw_ct_tuple rep;
    struct ctfw_ct_entry *e;
    assert_int_equal(connect(n, p, &r, CTFW_NAT_MANIP_SRC, &rep, &e),
                     CTFW_CT_ACCEPT);
    return e;
}

static void
test_rewrite_tcp_both_ways(void **state)
{
    (void)state;
    struct nctx n = nctx_new();
    struct pbuf p = tcp(CLI(2), SRV, 40000, 80, CTFW_TCP_SYN);
    struct ctfw_ct_entry *e = snat_entry(&n, &p);
    /* Original direction at POSTROUTING: source rewritten. */
    assert_int_equal(ctfw_nat_packet(n.nat, e, CTFW_CT_NEW,
                                     CTFW_HOOK_POST_ROUTING, p.b, p.len,
                                     p.len),
                     1);
    assert_memory_equal(p.b + 12, PUB.b, 4);
    assert_int_equal(ctfw_get16(p.b + 20), 1234);
    assert_true(csums_ok(p.b, p.len));
    /* ... and left alone at PREROUTING (no DST binding). */
    assert_int_equal(ctfw_nat_packet(n.nat, e, CTFW_CT_NEW,
                                     CTFW_HOOK_PRE_ROUTING, p.b, p.len,
                                     p.len),
                     0);
    /* Reply at PREROUTING: destination back to the client. */
    struct pbuf r = tcp(SRV, PUB, 80, 1234, CTFW_TCP_SYN | CTFW_TCP_ACK);
    assert_int_equal(ctfw_nat_packet(n.nat, e, CTFW_CT_ESTABLISHED_REPLY,
                                     CTFW_HOOK_PRE_ROUTING, r.b, r.len,
                                     r.len),
                     1);
    assert_memory_equal(r.b + 16, CLI(2).b, 4);
    assert_int_equal(ctfw_get16(r.b + 22), 40000);
    assert_true(csums_ok(r.b, r.len));
    nctx_free(&n);
}

/* UDP: a zero checksum (none) stays zero; a real one is updated. */
static void
test_rewrite_udp_checksums(void **state)
{
    (void)state;
    struct nctx n = nctx_new();
    struct pbuf p = udp(CLI(2), SRV, 40000, 53, false);
    struct ctfw_ct_entry *e = snat_entry(&n, &p);
    assert_int_equal(ctfw_nat_packet(n.nat, e, CTFW_CT_NEW,
                                     CTFW_HOOK_POST_ROUTING, p.b, p.len,
                                     p.len),
                     1);
    assert_int_equal(ctfw_get16(p.b + 26), 0);
    assert_int_equal(ctfw_get16(p.b + 20), 1234);
    assert_true(csums_ok(p.b, p.len));
    struct pbuf q = udp(CLI(3), SRV, 40001, 53, true);
    struct ctfw_nat_range r = range(PUB, PUB, 0, 0);
    struct ctfw_ct_tuple rep;
    struct ctfw_ct_entry *f;
    assert_int_equal(connect(&n, &q, &r, CTFW_NAT_MANIP_SRC, &rep, &f),
                     CTFW_CT_ACCEPT);
    assert_int_equal(ctfw_nat_packet(n.nat, f, CTFW_CT_NEW,
                                     CTFW_HOOK_POST_ROUTING, q.b, q.len,
                                     q.len),
                     1);
    assert_int_not_equal(ctfw_get16(q.b + 26), 0);
    assert_true(csums_ok(q.b, q.len));
    nctx_free(&n);
}

static void
test_rewrite_icmp_echo(void **state)
{
    (void)state;
    struct nctx n = nctx_new();
    struct ctfw_nat_range r = range(PUB, PUB, 0, 0);
    struct ctfw_ct_tuple r1, r2;
    struct pbuf a = echo(CLI(2), SRV, 8, 0x0b1d);
    struct pbuf b = echo(CLI(3), SRV, 8, 0x0b1d);
    struct ctfw_ct_entry *e;
    connect(&n, &a, &r, CTFW_NAT_MANIP_SRC, &r1, NULL);
    connect(&n, &b, &r, CTFW_NAT_MANIP_SRC, &r2, &e);
    assert_int_equal(ctfw_nat_packet(n.nat, e, CTFW_CT_NEW,
                                     CTFW_HOOK_POST_ROUTING, b.b, b.len,
                                     b.len),
                     1);
    assert_int_equal(ctfw_get16(b.b + 24), r2.sport);
    assert_true(csums_ok(b.b, b.len));
    /* The reply to the new id gets the client's id back. */
    struct pbuf rep = echo(SRV, PUB, 0, r2.sport);
    assert_int_equal(ctfw_nat_packet(n.nat, e, CTFW_CT_ESTABLISHED_REPLY,
                                     CTFW_HOOK_PRE_ROUTING, rep.b, rep.len,
                                     rep.len),
                     1);
    assert_int_equal(ctfw_get16(rep.b + 24), 0x0b1d);
    assert_memory_equal(rep.b + 16, CLI(3).b, 4);
    assert_true(csums_ok(rep.b, rep.len));
    nctx_free(&n);
}

/* nf_nat_icmp_reply_translation(): an error from the server about the
 * translated segment (PUB:1234 -> SRV:80) reaches the client quoting the
 * segment as the client sent it (CLI:40000 -> SRV:80), with a valid ICMP
 * checksum. */
static void
test_icmp_error_translation(void **state)
{
    (void)state;
    struct nctx n = nctx_new();
    struct pbuf p = tcp(CLI(2), SRV, 40000, 80, CTFW_TCP_SYN);
    struct ctfw_ct_entry *e = snat_entry(&n, &p);
    ctfw_nat_packet(n.nat, e, CTFW_CT_NEW, CTFW_HOOK_POST_ROUTING, p.b,
                    p.len, p.len);
    /* ICMP 3/4 from SRV to PUB quoting 20 + 8 bytes of the segment. */
    uint8_t b[20 + 8 + 28];
    ip_hdr(b, sizeof(b), 1, SRV, PUB);
    memset(b + 20, 0, 8);
    b[20] = 3;
    b[21] = 4;
    memcpy(b + 28, p.b, 28);
    ctfw_put16(b + 22, ctfw_csum_fold(ctfw_csum_partial(b + 20, 36, 0)));
    assert_int_equal(ctfw_nat_icmp_reply_translation(
                         n.nat, e, CTFW_CT_RELATED_REPLY,
                         CTFW_HOOK_PRE_ROUTING, b, sizeof(b), sizeof(b)),
                     1);
    assert_memory_equal(b + 16, CLI(2).b, 4);          /* outer dst */
    assert_memory_equal(b + 28 + 12, CLI(2).b, 4);     /* inner src */
    assert_int_equal(ctfw_get16(b + 48), 40000);       /* inner sport */
    assert_true(csums_ok(b, sizeof(b)));
    assert_int_equal(ctfw_csum_fold(ctfw_csum_partial(b + 28, 20, 0)), 0);
    /* A corrupted ICMP checksum at PREROUTING: dropped. */
    b[22] ^= 0x55;
    assert_int_equal(ctfw_nat_icmp_reply_translation(
                         n.nat, e, CTFW_CT_RELATED_REPLY,
                         CTFW_HOOK_PRE_ROUTING, b, sizeof(b), sizeof(b)),
                     -1);
    nctx_free(&n);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snat_keeps_unique_port),
        cmocka_unit_test(test_port_classes),
        cmocka_unit_test(test_full_range),
        cmocka_unit_test(test_single_port),
        cmocka_unit_test(test_exhaustion),
        cmocka_unit_test(test_exhaustion_large),
        cmocka_unit_test(test_reuse_source_mapping),
        cmocka_unit_test(test_persistent),
        cmocka_unit_test(test_dnat_ports),
        cmocka_unit_test(test_random_fully),
        cmocka_unit_test(test_icmp_id),
        cmocka_unit_test(test_null_binding),
        cmocka_unit_test(test_time_wait_reuse),
        cmocka_unit_test(test_rewrite_tcp_both_ways),
        cmocka_unit_test(test_rewrite_udp_checksums),
        cmocka_unit_test(test_rewrite_icmp_echo),
        cmocka_unit_test(test_icmp_error_translation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
