// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Expectations and the FTP helper (reference §2.10, nf_conntrack_ftp.c,
 * nf_conntrack_expect.c): active and passive sessions as decoded packets
 * through ctfw_ct_in() -> ctfw_ct_help() -> ctfw_ct_confirm(), the data
 * connection RELATED then ESTABLISHED, listings, limits, expiry, master
 * death, no helper.
 *
 * The expected lines of test_kernel_session come from the real kernel
 * (6.18.44, conntrack-tools 1.4.7) on 2026-11-25: two namespaces over a
 * veth pair, client 10.99.3.2, server 10.99.3.1, in the server's
 * namespace `iptables -t raw -A PREROUTING -p tcp --dport 21 -j CT
 * --helper ftp` and `--ctstate RELATED` counting rules in INPUT and
 * OUTPUT; Python sockets spoke USER, PASV (data 40100 -> 50000), EPSV
 * (40101 -> 50001), PORT 10,99,3,2,195,90 (data 20 -> 50010), PORT ...100,
 * PORT ...101, EPRT |1|10.99.3.2|50020|. The kernel then showed:
 *   conntrack -L:  ... sport=21 dport=40021 [ASSURED] mark=0 helper=ftp use=4
 *   conntrack -L expect: the line in EXPECT_LINE (2 s after the EPRT)
 *   /proc/net/nf_conntrack_expect: the line in EXPECT_PROC
 *   /proc/net/stat/nf_conntrack: expect_new 3, expect_create 6,
 *   expect_delete 5 (summed over the CPUs)
 *   RELATED counters: INPUT 2 packets, OUTPUT 1 packet (each data SYN).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ctfw/ct.h"
#include "ctfw/pkt.h"
#include "lib/ct/ct_private.h"

#include "test_ct.h"

#define SYN CTFW_TCP_SYN
#define ACK CTFW_TCP_ACK
#define PSH CTFW_TCP_PSH
#define RST CTFW_TCP_RST

#define EXPECT_LINE                                                          \
    "298 proto=6 src=10.99.3.1 dst=10.99.3.2 sport=0 dport=50020 "         \
    "mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 "           \
    "dport=65535 master-src=10.99.3.2 master-dst=10.99.3.1 sport=40021 "   \
    "dport=21 class=0 helper=ftp"
#define EXPECT_PROC                                                          \
    "298 l3proto = 2 proto=6 src=10.99.3.1 dst=10.99.3.2 sport=0 "         \
    "dport=50020 ftp"

/* One FTP control connection, client C:cport -> server S:21. */
struct ftp {
    struct tctx *t;
    uint32_t c, s;
    uint16_t cport;
    uint32_t cseq, sseq;
    uint64_t now;
    bool helper;        /* the raw rule -p tcp --dport 21 -j CT --helper */
    int related;        /* packets that got ctinfo RELATED */
};

static uint8_t payload[512];

/* One packet through in -> help -> confirm, the raw rule applied first. */
static struct ctfw_ct_ref
go(struct ftp *f, struct ctfw_pkt *p)
{
    struct ctfw_ct_ref ref;
    ctfw_ct_ref_init(&ref);
    if (f->helper && p->proto == 6 && p->dport == 21)
        assert_int_equal(ctfw_ct_ref_set_helper(&ref, "ftp"), 0);
    f->now += MS;
    if (ctfw_ct_in(f->t->ct, p, f->now, CTFW_CT_HOOK_PRE_ROUTING, &ref) ==
        CTFW_CT_ACCEPT) {
        if (ref.info == CTFW_CT_RELATED)
            f->related++;
        if (ctfw_ct_help(f->t->ct, &ref, p, f->now) == CTFW_CT_ACCEPT)
            ctfw_ct_confirm(f->t->ct, &ref, f->now);
    }
    return ref;
}

static struct ctfw_pkt
with_payload(struct ctfw_pkt p, const char *txt)
{
    size_t n = strlen(txt);
    memcpy(payload, txt, n);
    p.data = payload;
    p.caplen = (uint32_t)n;
    p.payload_off = 0;
    return p;
}

static struct ctfw_ct_ref
c2s(struct ftp *f, const char *txt)
{
    uint16_t n = (uint16_t)strlen(txt);
    struct ctfw_pkt p = with_payload(mk_tcp(f->c, f->s, f->cport, 21,
                                            PSH | ACK, f->cseq, f->sseq,
                                            64240, n),
                                     txt);
    struct ctfw_ct_ref r = go(f, &p);
    if (r.verdict == CTFW_CT_ACCEPT)
        f->cseq += n;
    return r;
}

static struct ctfw_ct_ref
s2c(struct ftp *f, const char *txt)
{
    uint16_t n = (uint16_t)strlen(txt);
    struct ctfw_pkt p = with_payload(mk_tcp(f->s, f->c, 21, f->cport,
                                            PSH | ACK, f->sseq, f->cseq,
                                            65160, n),
                                     txt);
    struct ctfw_ct_ref r = go(f, &p);
    if (r.verdict == CTFW_CT_ACCEPT)
        f->sseq += n;
    return r;
}

static void
ftp_open(struct ftp *f, struct tctx *t, bool helper, uint16_t cport)
{
    memset(f, 0, sizeof(*f));
    f->t = t;
    f->c = ip4(10, 99, 3, 2);
    f->s = ip4(10, 99, 3, 1);
    f->cport = cport;
    f->helper = helper;
    f->now = T0;
    f->cseq = 1000;
    f->sseq = 5000;
    struct ctfw_pkt p = mk_tcp(f->c, f->s, cport, 21, SYN, f->cseq - 1, 0,
                               64240, 0);
    assert_int_equal(go(f, &p).info, CTFW_CT_NEW);
    p = mk_tcp(f->s, f->c, 21, cport, SYN | ACK, f->sseq - 1, f->cseq,
               65160, 0);
    assert_int_equal(go(f, &p).info, CTFW_CT_ESTABLISHED_REPLY);
    p = mk_tcp(f->c, f->s, cport, 21, ACK, f->cseq, f->sseq, 64240, 0);
    assert_int_equal(go(f, &p).info, CTFW_CT_ESTABLISHED);
}

/* A data connection's handshake; returns the ctinfo of its three
 * packets packed as info0 | info1 << 4 | info2 << 8. */
static unsigned
data_conn(struct ftp *f, uint32_t from, uint16_t sport, uint32_t to,
          uint16_t dport, const struct ctfw_ct_entry **entry)
{
    struct ctfw_pkt p = mk_tcp(from, to, sport, dport, SYN, 100, 0, 64240,
                               0);
    struct ctfw_ct_ref a = go(f, &p);
    p = mk_tcp(to, from, dport, sport, SYN | ACK, 700, 101, 65160, 0);
    struct ctfw_ct_ref b = go(f, &p);
    p = mk_tcp(from, to, sport, dport, ACK, 101, 701, 64240, 0);
    struct ctfw_ct_ref c = go(f, &p);
    if (entry)
        *entry = c.entry;
    return a.info | (unsigned)b.info << 4 | (unsigned)c.info << 8;
}

#define RELATED_THEN_ESTABLISHED                                             \
    (CTFW_CT_RELATED | CTFW_CT_ESTABLISHED_REPLY << 4 |                      \
     CTFW_CT_ESTABLISHED << 8)
#define NEW_THEN_ESTABLISHED                                                 \
    (CTFW_CT_NEW | CTFW_CT_ESTABLISHED_REPLY << 4 | CTFW_CT_ESTABLISHED << 8)

static struct ctfw_ct_stats
stats(const struct tctx *t)
{
    struct ctfw_ct_stats s;
    ctfw_ct_get_stats(t->ct, &s);
    return s;
}

static const struct ctfw_ct_entry *
control(struct ftp *f)
{
    struct ctfw_pkt p = mk_tcp(f->c, f->s, f->cport, 21, ACK, 0, 0, 0, 0);
    return ctfw_ct_find(f->t->ct, &p, 0, f->now, NULL);
}

/* ---- Tests ------------------------------------------------------------ */

static void
test_api(void **state)
{
    (void)state;
    struct ctfw_ct_ref ref;
    ctfw_ct_ref_init(&ref);
    assert_int_equal(ref.helper, CTFW_CT_HELPER_NONE);
    assert_int_equal(ctfw_ct_ref_set_helper(&ref, "sip"), -ENOENT);
    assert_int_equal(ctfw_ct_ref_set_helper(&ref, "irc"), -ENOENT);
    assert_int_equal(ctfw_ct_ref_set_helper(&ref, NULL), -EINVAL);
    assert_int_equal(ref.helper, CTFW_CT_HELPER_NONE);
    assert_int_equal(ctfw_ct_ref_set_helper(&ref, "ftp"), 0);
    assert_int_equal(ref.helper, CTFW_CT_HELPER_FTP);
    assert_string_equal(ctfw_ct_helper_name(CTFW_CT_HELPER_FTP), "ftp");
    assert_null(ctfw_ct_helper_name(CTFW_CT_HELPER_NONE));
    assert_int_equal(ctfw_ct_helper_proto(CTFW_CT_HELPER_FTP), 6);
    /* The ref is copied per packet: the helper byte fits the padding. */
    assert_true(sizeof(struct ctfw_ct_ref) <= 24);
    assert_true(ctfw_ct_entry_size() <= 160);
}

static void
test_kernel_session(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ftp f;
    ftp_open(&f, t, true, 40021);
    uint32_t C = f.c, S = f.s;
    char buf[512];

    /* The banner and USER are each direction's first data: not parsed. */
    s2c(&f, "220 ctfw test\r\n");
    c2s(&f, "USER x\r\n");
    s2c(&f, "331 ok\r\n");
    assert_int_equal(ctfw_ct_expect_count(t->ct), 0);

    /* Passive: 227 from the server -> expect C:* -> S:50000. */
    c2s(&f, "PASV\r\n");
    s2c(&f, "227 Entering Passive Mode (10,99,3,1,195,80).\r\n");
    assert_int_equal(ctfw_ct_expect_count(t->ct), 1);
    const struct ctfw_ct_entry *d1;
    assert_int_equal(data_conn(&f, C, 40100, S, 50000, &d1),
                     RELATED_THEN_ESTABLISHED);
    assert_int_equal(ctfw_ct_expect_count(t->ct), 0);
    assert_true(ctfw_ct_entry_status(d1) & CTFW_CT_S_EXPECTED);
    assert_false(ctfw_ct_entry_status(d1) & CTFW_CT_S_HELPER);
    assert_ptr_equal(ctfw_ct_entry_master(t->ct, d1), control(&f));
    assert_int_equal(ctfw_ct_entry_helper(d1), CTFW_CT_HELPER_NONE);
    s2c(&f, "226 done\r\n");

    /* EPSV: 229 (|||port|), the server's own address. */
    c2s(&f, "EPSV\r\n");
    s2c(&f, "229 Entering Extended Passive Mode (|||50001|)\r\n");
    assert_int_equal(data_conn(&f, C, 40101, S, 50001, NULL),
                     RELATED_THEN_ESTABLISHED);
    s2c(&f, "226 done\r\n");

    /* Active: PORT from the client -> expect S:* -> C:50010; the server
     * connects from port 20. */
    c2s(&f, "PORT 10,99,3,2,195,90\r\n");
    s2c(&f, "200 PORT ok\r\n");
    assert_int_equal(data_conn(&f, S, 20, C, 50010, NULL),
                     RELATED_THEN_ESTABLISHED);
    s2c(&f, "226 done\r\n");

    /* max_expected 1: each new PORT/EPRT evicts the previous one. */
    c2s(&f, "PORT 10,99,3,2,195,100\r\n");
    s2c(&f, "200 PORT ok\r\n");
    c2s(&f, "PORT 10,99,3,2,195,101\r\n");
    s2c(&f, "200 PORT ok\r\n");
    c2s(&f, "EPRT |1|10.99.3.2|50020|\r\n");
    uint64_t created = f.now;
    s2c(&f, "200 EPRT ok\r\n");
    assert_int_equal(ctfw_ct_expect_count(t->ct), 1);

    /* The kernel's three RELATED packets (INPUT 2 + OUTPUT 1). */
    assert_int_equal(f.related, 3);
    struct ctfw_ct_stats s = stats(t);
    assert_int_equal(s.expect_new, 3);
    assert_int_equal(s.expect_create, 6);
    assert_int_equal(s.expect_delete, 5);

    const struct ctfw_ct_expect *x[4];
    uint64_t at = created + 1500 * MS;
    assert_int_equal(ctfw_ct_expect_list(t->ct, at, x, 4), 1);
    ctfw_ct_format_expect(t->ct, x[0], at, buf, sizeof(buf));
    assert_string_equal(buf, EXPECT_LINE);
    ctfw_ct_format_expect_proc(t->ct, x[0], at, buf, sizeof(buf));
    assert_string_equal(buf, EXPECT_PROC);

    /* The master: helper=ftp before use=, use = 1 + 3 live children. */
    ctfw_ct_format_entry(t->ct, control(&f), at, 0, buf, sizeof(buf));
    assert_non_null(strstr(buf, "src=10.99.3.2 dst=10.99.3.1 sport=40021 "
                                "dport=21 src=10.99.3.1 dst=10.99.3.2 "
                                "sport=21 dport=40021 [ASSURED] mark=0 "
                                "helper=ftp use=4"));
    ctfw_ct_format_proc(t->ct, control(&f), at, buf, sizeof(buf));
    assert_non_null(strstr(buf, "[ASSURED] mark=0 zone=0 use=5"));
    assert_null(strstr(buf, "helper"));
    /* A data connection: no helper, use=1. */
    ctfw_ct_format_entry(t->ct, d1, at, 0, buf, sizeof(buf));
    assert_non_null(strstr(buf, "[ASSURED] mark=0 use=1"));
    /* Events: helper=ftp ends NEW/UPDATE lines, DESTROY has none (kernel
     * run: `conntrack -D` of a control connection printed "[DESTROY] tcp
     * 6 431999 ESTABLISHED ... [ASSURED] [USERSPACE] portid=..."). */
    struct ctfw_ct_event ev = {.type = CTFW_CT_EVENT_UPDATE, .now_ns = at,
                               .entry = control(&f)};
    ctfw_ct_format_event(t->ct, &ev, 0, buf, sizeof(buf));
    assert_non_null(strstr(buf, "dport=40021 [ASSURED] helper=ftp"));
    ev.type = CTFW_CT_EVENT_DESTROY;
    ctfw_ct_format_event(t->ct, &ev, 0, buf, sizeof(buf));
    assert_null(strstr(buf, "helper="));
    tctx_free(t);
}

static void
test_no_helper_data_is_new(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ftp f;
    ftp_open(&f, t, false, 40021);
    s2c(&f, "220 hi\r\n");
    c2s(&f, "PASV\r\n");
    s2c(&f, "227 Entering Passive Mode (10,99,3,1,195,80).\r\n");
    c2s(&f, "PORT 10,99,3,2,195,90\r\n");
    assert_int_equal(ctfw_ct_expect_count(t->ct), 0);
    assert_int_equal(data_conn(&f, f.c, 40100, f.s, 50000, NULL),
                     NEW_THEN_ESTABLISHED);
    assert_int_equal(stats(t).expect_create, 0);
    char buf[512];
    ctfw_ct_format_entry(t->ct, control(&f), f.now, 0, buf, sizeof(buf));
    assert_null(strstr(buf, "helper="));
    assert_false(ctfw_ct_entry_status(control(&f)) & CTFW_CT_S_HELPER);
    tctx_free(t);
}

static void
test_status_helper_bit_and_mark(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ftp f;
    ftp_open(&f, t, true, 40021);
    const struct ctfw_ct_entry *m = control(&f);
    assert_true(ctfw_ct_entry_status(m) & CTFW_CT_S_HELPER);
    assert_int_equal(ctfw_ct_entry_helper(m), CTFW_CT_HELPER_FTP);
    ctfw_ct_entry_set_mark(t->ct, (struct ctfw_ct_entry *)m, 7);
    c2s(&f, "USER x\r\n");
    c2s(&f, "PORT 10,99,3,2,195,90\r\n");
    const struct ctfw_ct_entry *d;
    assert_int_equal(data_conn(&f, f.s, 20, f.c, 50010, &d),
                     RELATED_THEN_ESTABLISHED);
    /* init_conntrack(): the expected entry inherits the master's mark. */
    assert_int_equal(ctfw_ct_entry_mark(d), 7);
    tctx_free(t);
}

static void
test_first_segment_not_parsed(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ftp f;
    ftp_open(&f, t, true, 40021);
    /* No '\n' position known yet in this direction: ignored (help()
     * "wrong seq pos"), but its end is remembered. Kernel run: a PORT as
     * the first data segment opened nothing, the next PORT did; of
     * "NOOP\r\nPORT ...\r\n" in one segment only NOOP was looked at. */
    c2s(&f, "PORT 10,99,3,2,195,90\r\n");
    assert_int_equal(ctfw_ct_expect_count(t->ct), 0);
    c2s(&f, "PORT 10,99,3,2,195,90\r\n");
    assert_int_equal(ctfw_ct_expect_count(t->ct), 1);
    /* Only the first line of a segment is looked at. */
    c2s(&f, "NOOP\r\nPORT 10,99,3,2,195,91\r\n");
    struct ctfw_pkt p = mk_tcp(f.s, f.c, 20, 50011, SYN, 1, 0, 64240, 0);
    assert_int_equal(go(&f, &p).info, CTFW_CT_NEW);
    /* A segment not ending in '\n' leaves no position: the next one is
     * not parsed. */
    c2s(&f, "NOOP");
    c2s(&f, "PORT 10,99,3,2,195,92\r\n");
    p = mk_tcp(f.s, f.c, 20, 50012, SYN, 1, 0, 64240, 0);
    assert_int_equal(go(&f, &p).info, CTFW_CT_NEW);
    tctx_free(t);
}

static void
test_partial_command_dropped(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ftp f;
    ftp_open(&f, t, true, 40021);
    c2s(&f, "USER x\r\n");
    /* A PORT split across segments: the first part cannot be read to
     * its terminator -> "partial matching of `PORT'", NF_DROP. Kernel
     * run: "PORT 10,99,3,2," was retransmitted as the same 15 bytes and
     * dropped every time (the session stalled); "PORT ...\n" without
     * "\r" likewise. */
    struct ctfw_ct_ref r = c2s(&f, "PORT 10,99,3,2,");
    assert_int_equal(r.verdict, CTFW_CT_DROP);
    assert_int_equal(r.reason, CTFW_CT_R_HELPER);
    assert_int_equal(ctfw_ct_reason_count(t->ct, CTFW_CT_R_HELPER), 1);
    /* A short segment that is a prefix of a command: dropped too. */
    assert_int_equal(c2s(&f, "EP").verdict, CTFW_CT_DROP);
    /* Without "\r" the numbers are not terminated: partial, drop. */
    assert_int_equal(c2s(&f, "PORT 10,99,3,2,195,90\n").verdict,
                     CTFW_CT_DROP);
    /* A retransmission carrying the whole line is parsed. */
    assert_int_equal(c2s(&f, "PORT 10,99,3,2,195,90\r\n").verdict,
                     CTFW_CT_ACCEPT);
    assert_int_equal(ctfw_ct_expect_count(t->ct), 1);
    /* The connection itself is unharmed. */
    assert_non_null(control(&f));
    tctx_free(t);
}

static void
test_foreign_address_ignored(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ftp f;
    ftp_open(&f, t, true, 40021);
    c2s(&f, "USER x\r\n");
    s2c(&f, "220 x\r\n");
    /* loose=0: a PORT naming another host opens nothing (bounce); the
     * kernel run kept its previous expectation and accepted the packet;
     * lower-case "port" was parsed there too. */
    assert_int_equal(c2s(&f, "PORT 10,99,3,9,195,90\r\n").verdict,
                     CTFW_CT_ACCEPT);
    assert_int_equal(ctfw_ct_expect_count(t->ct), 0);
    assert_int_equal(s2c(&f, "227 Passive (10,99,3,7,195,80)\r\n").verdict,
                     CTFW_CT_ACCEPT);
    assert_int_equal(ctfw_ct_expect_count(t->ct), 0);
    /* Lower case is matched (strncasecmp). */
    c2s(&f, "port 10,99,3,2,195,90\r\n");
    assert_int_equal(ctfw_ct_expect_count(t->ct), 1);
    tctx_free(t);
}

static void
tweak_expect_max_1(struct ctfw_ct_config *c)
{
    c->expect_max = 1;
}

static void
test_expect_max(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(tweak_expect_max_1);
    struct ftp a, b;
    ftp_open(&a, t, true, 40021);
    ftp_open(&b, t, true, 40022);
    b.now = a.now;
    c2s(&a, "USER x\r\n");
    c2s(&b, "USER x\r\n");
    assert_int_equal(c2s(&a, "PORT 10,99,3,2,195,90\r\n").verdict,
                     CTFW_CT_ACCEPT);
    /* The table is full: nf_ct_expect_related() -EMFILE, the helper
     * drops the packet ("cannot add expectation") and logs. */
    b.now = a.now;
    struct ctfw_ct_ref r = c2s(&b, "PORT 10,99,3,2,195,91\r\n");
    assert_int_equal(r.verdict, CTFW_CT_DROP);
    assert_int_equal(r.reason, CTFW_CT_R_HELPER);
    assert_int_equal(ctfw_ct_expect_count(t->ct), 1);
    assert_int_equal(t->nlog, 1);
    assert_string_equal(t->log[0], "nf_conntrack: expectation table full");
    /* The same master may still replace its own (evict then insert). */
    assert_int_equal(c2s(&a, "PORT 10,99,3,2,195,92\r\n").verdict,
                     CTFW_CT_ACCEPT);
    assert_int_equal(stats(t).expect_create, 2);
    assert_int_equal(stats(t).expect_delete, 1);
    /* Default: buckets / 256 * 4 (reference §2.4, 4096 at 262144). */
    struct ctfw_ct_config d;
    ctfw_ct_config_default(&d, 0);
    assert_int_equal(d.expect_max, 4096);
    tctx_free(t);
}

static void
test_max_expected_evicts_oldest(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ftp f;
    ftp_open(&f, t, true, 40021);
    c2s(&f, "USER x\r\n");
    c2s(&f, "PORT 10,99,3,2,195,90\r\n");   /* 50010 */
    c2s(&f, "PORT 10,99,3,2,195,91\r\n");   /* 50011 evicts 50010 */
    assert_int_equal(ctfw_ct_expect_count(t->ct), 1);
    struct ctfw_pkt p = mk_tcp(f.s, f.c, 20, 50010, SYN, 1, 0, 64240, 0);
    assert_int_equal(go(&f, &p).info, CTFW_CT_NEW);
    p = mk_tcp(f.s, f.c, 20, 50011, SYN, 1, 0, 64240, 0);
    assert_int_equal(go(&f, &p).info, CTFW_CT_RELATED);
    /* Any source port matches (mask 0), not any source address. */
    c2s(&f, "PORT 10,99,3,2,195,92\r\n");
    p = mk_tcp(ip4(10, 99, 3, 5), f.c, 20, 50012, SYN, 1, 0, 64240, 0);
    assert_int_equal(go(&f, &p).info, CTFW_CT_NEW);
    p = mk_tcp(f.s, f.c, 33333, 50012, SYN, 1, 0, 64240, 0);
    assert_int_equal(go(&f, &p).info, CTFW_CT_RELATED);
    tctx_free(t);
}

static void
test_expectation_expires(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ftp f;
    ftp_open(&f, t, true, 40021);
    c2s(&f, "USER x\r\n");
    c2s(&f, "PORT 10,99,3,2,195,90\r\n");
    uint64_t created = f.now;
    const struct ctfw_ct_expect *x;
    char buf[256];
    assert_int_equal(ctfw_ct_expect_list(t->ct, created, &x, 1), 1);
    ctfw_ct_format_expect_proc(t->ct, x, created, buf, sizeof(buf));
    assert_string_equal(buf, "300 l3proto = 2 proto=6 src=10.99.3.1 "
                             "dst=10.99.3.2 sport=0 dport=50010 ftp");
    /* Timer of 5 min (ftp_exp_policy): still there just before. */
    ctfw_ct_advance(t->ct, created + 300 * SEC - 1);
    assert_int_equal(ctfw_ct_expect_count(t->ct), 1);
    ctfw_ct_advance(t->ct, created + 300 * SEC);
    assert_int_equal(ctfw_ct_expect_count(t->ct), 0);
    assert_int_equal(stats(t).expect_delete, 1);
    f.now = created + 300 * SEC;
    struct ctfw_pkt p = mk_tcp(f.s, f.c, 20, 50010, SYN, 1, 0, 64240, 0);
    assert_int_equal(go(&f, &p).info, CTFW_CT_NEW);
    assert_int_equal(stats(t).expect_new, 0);
    tctx_free(t);
}

static void
test_master_death_removes(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ftp f;
    ftp_open(&f, t, true, 40021);
    c2s(&f, "USER x\r\n");
    s2c(&f, "331 ok\r\n");
    c2s(&f, "PASV\r\n");
    s2c(&f, "227 Entering Passive Mode (10,99,3,1,195,80).\r\n");
    assert_int_equal(ctfw_ct_expect_count(t->ct), 1);
    /* The control connection is deleted (conntrack -D): its pending
     * expectations go with it (clean_from_lists); the kernel run showed
     * the expectation's DESTROY event right after the master's. */
    ctfw_ct_delete(t->ct, control(&f), f.now);
    assert_int_equal(ctfw_ct_expect_count(t->ct), 0);
    assert_int_equal(stats(t).expect_delete, 1);
    assert_int_equal(data_conn(&f, f.c, 40100, f.s, 50000, NULL),
                     NEW_THEN_ESTABLISHED);
    tctx_free(t);
}

static void
test_children_outlive_master(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ftp f;
    ftp_open(&f, t, true, 40021);
    c2s(&f, "USER x\r\n");
    c2s(&f, "PORT 10,99,3,2,195,90\r\n");
    const struct ctfw_ct_entry *d;
    assert_int_equal(data_conn(&f, f.s, 20, f.c, 50010, &d),
                     RELATED_THEN_ESTABLISHED);
    c2s(&f, "PORT 10,99,3,2,195,91\r\n");
    assert_int_equal(ctfw_ct_expect_count(t->ct), 1);
    assert_ptr_equal(ctfw_ct_entry_master(t->ct, d), control(&f));
    /* The master dies: its expectation goes, the data connection stays
     * (EXPECTED), with no live master any more. */
    ctfw_ct_delete(t->ct, control(&f), f.now);
    assert_int_equal(ctfw_ct_expect_count(t->ct), 0);
    assert_int_equal(ctfw_ct_count(t->ct), 1);
    assert_null(ctfw_ct_entry_master(t->ct, d));
    assert_true(ctfw_ct_entry_status(d) & CTFW_CT_S_EXPECTED);
    /* A new control connection reusing the slot is not taken for it. */
    struct ftp g;
    ftp_open(&g, t, true, 40022);
    assert_null(ctfw_ct_entry_master(t->ct, d));
    ctfw_ct_flush(t->ct, g.now);
    assert_int_equal(ctfw_ct_count(t->ct), 0);
    /* DESTROY events carry no helper (ctnetlink_conntrack_event). */
    assert_int_equal(t->nev[CTFW_CT_EVENT_DESTROY], 3);
    tctx_free(t);
}

static void
test_eprt_wrong_family(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ftp f;
    ftp_open(&f, t, true, 40021);
    c2s(&f, "USER x\r\n");
    /* |2| on an IPv4 connection: try_eprt() fails after "EPRT " matched,
     * which find_pattern() reports as partial: the packet is dropped. */
    assert_int_equal(c2s(&f, "EPRT |2|::1|50020|\r\n").verdict,
                     CTFW_CT_DROP);
    assert_int_equal(c2s(&f, "EPRT |1|10.99.3.2|50020|\r\n").verdict,
                     CTFW_CT_ACCEPT);
    assert_int_equal(ctfw_ct_expect_count(t->ct), 1);
    tctx_free(t);
}


/* ---- Replay of the kernel capture ------------------------------------- */

struct hframe {
    uint64_t t;
    int inbound;    /* from the client: PREROUTING; else LOCAL_OUT */
    uint32_t caplen, wirelen;
    const uint8_t *data;
};

/* The 60 frames of the capture (struct hframe ftp_frames[]). */
#include "test_ct_helper_frames.inc"

/* `conntrack -E -o timestamp` in the server's namespace during the
 * capture (timestamps stripped); the last two events of the run (LAST_ACK,
 * TIME_WAIT of the control connection) came after the capture ended. */
static const char *const ftp_events[] = {
    "    [NEW] tcp      6 120 SYN_SENT src=10.99.3.2 dst=10.99.3.1 "
    "sport=40021 dport=21 [UNREPLIED] src=10.99.3.1 dst=10.99.3.2 "
    "sport=21 dport=40021 helper=ftp",
    " [UPDATE] tcp      6 60 SYN_RECV src=10.99.3.2 dst=10.99.3.1 "
    "sport=40021 dport=21 src=10.99.3.1 dst=10.99.3.2 sport=21 "
    "dport=40021 helper=ftp",
    " [UPDATE] tcp      6 432000 ESTABLISHED src=10.99.3.2 "
    "dst=10.99.3.1 sport=40021 dport=21 src=10.99.3.1 dst=10.99.3.2 "
    "sport=21 dport=40021 [ASSURED] helper=ftp",
    "    [NEW] tcp      6 120 SYN_SENT src=10.99.3.2 dst=10.99.3.1 "
    "sport=40100 dport=50000 [UNREPLIED] src=10.99.3.1 dst=10.99.3.2 "
    "sport=50000 dport=40100",
    " [UPDATE] tcp      6 60 SYN_RECV src=10.99.3.2 dst=10.99.3.1 "
    "sport=40100 dport=50000 src=10.99.3.1 dst=10.99.3.2 sport=50000 "
    "dport=40100",
    " [UPDATE] tcp      6 432000 ESTABLISHED src=10.99.3.2 "
    "dst=10.99.3.1 sport=40100 dport=50000 src=10.99.3.1 dst=10.99.3.2 "
    "sport=50000 dport=40100 [ASSURED]",
    " [UPDATE] tcp      6 120 FIN_WAIT src=10.99.3.2 dst=10.99.3.1 "
    "sport=40100 dport=50000 src=10.99.3.1 dst=10.99.3.2 sport=50000 "
    "dport=40100 [ASSURED]",
    " [UPDATE] tcp      6 30 LAST_ACK src=10.99.3.2 dst=10.99.3.1 "
    "sport=40100 dport=50000 src=10.99.3.1 dst=10.99.3.2 sport=50000 "
    "dport=40100 [ASSURED]",
    " [UPDATE] tcp      6 120 TIME_WAIT src=10.99.3.2 dst=10.99.3.1 "
    "sport=40100 dport=50000 src=10.99.3.1 dst=10.99.3.2 sport=50000 "
    "dport=40100 [ASSURED]",
    "    [NEW] tcp      6 120 SYN_SENT src=10.99.3.2 dst=10.99.3.1 "
    "sport=40101 dport=50001 [UNREPLIED] src=10.99.3.1 dst=10.99.3.2 "
    "sport=50001 dport=40101",
    " [UPDATE] tcp      6 60 SYN_RECV src=10.99.3.2 dst=10.99.3.1 "
    "sport=40101 dport=50001 src=10.99.3.1 dst=10.99.3.2 sport=50001 "
    "dport=40101",
    " [UPDATE] tcp      6 432000 ESTABLISHED src=10.99.3.2 "
    "dst=10.99.3.1 sport=40101 dport=50001 src=10.99.3.1 dst=10.99.3.2 "
    "sport=50001 dport=40101 [ASSURED]",
    " [UPDATE] tcp      6 120 FIN_WAIT src=10.99.3.2 dst=10.99.3.1 "
    "sport=40101 dport=50001 src=10.99.3.1 dst=10.99.3.2 sport=50001 "
    "dport=40101 [ASSURED]",
    " [UPDATE] tcp      6 30 LAST_ACK src=10.99.3.2 dst=10.99.3.1 "
    "sport=40101 dport=50001 src=10.99.3.1 dst=10.99.3.2 sport=50001 "
    "dport=40101 [ASSURED]",
    " [UPDATE] tcp      6 120 TIME_WAIT src=10.99.3.2 dst=10.99.3.1 "
    "sport=40101 dport=50001 src=10.99.3.1 dst=10.99.3.2 sport=50001 "
    "dport=40101 [ASSURED]",
    "    [NEW] tcp      6 120 SYN_SENT src=10.99.3.1 dst=10.99.3.2 "
    "sport=20 dport=50010 [UNREPLIED] src=10.99.3.2 dst=10.99.3.1 "
    "sport=50010 dport=20",
    " [UPDATE] tcp      6 60 SYN_RECV src=10.99.3.1 dst=10.99.3.2 "
    "sport=20 dport=50010 src=10.99.3.2 dst=10.99.3.1 sport=50010 "
    "dport=20",
    " [UPDATE] tcp      6 432000 ESTABLISHED src=10.99.3.1 "
    "dst=10.99.3.2 sport=20 dport=50010 src=10.99.3.2 dst=10.99.3.1 "
    "sport=50010 dport=20 [ASSURED]",
    " [UPDATE] tcp      6 120 FIN_WAIT src=10.99.3.1 dst=10.99.3.2 "
    "sport=20 dport=50010 src=10.99.3.2 dst=10.99.3.1 sport=50010 "
    "dport=20 [ASSURED]",
    " [UPDATE] tcp      6 30 LAST_ACK src=10.99.3.1 dst=10.99.3.2 "
    "sport=20 dport=50010 src=10.99.3.2 dst=10.99.3.1 sport=50010 "
    "dport=20 [ASSURED]",
    " [UPDATE] tcp      6 120 TIME_WAIT src=10.99.3.1 dst=10.99.3.2 "
    "sport=20 dport=50010 src=10.99.3.2 dst=10.99.3.1 sport=50010 "
    "dport=20 [ASSURED]",
    " [UPDATE] tcp      6 120 FIN_WAIT src=10.99.3.2 dst=10.99.3.1 "
    "sport=40021 dport=21 src=10.99.3.1 dst=10.99.3.2 sport=21 "
    "dport=40021 [ASSURED] helper=ftp",
    " [UPDATE] tcp      6 60 CLOSE_WAIT src=10.99.3.2 dst=10.99.3.1 "
    "sport=40021 dport=21 src=10.99.3.1 dst=10.99.3.2 sport=21 "
    "dport=40021 [ASSURED] helper=ftp",
};

/* `conntrack -L` during the run, in ctfw's listing order (the kernel
 * prints in hash order); taken between 298.03 and 298.92 on the capture
 * clock, replayed at 298.5. */
static const char *const ftp_L[] = {
    "tcp      6 118 TIME_WAIT src=10.99.3.1 dst=10.99.3.2 sport=20 "
    "dport=50010 src=10.99.3.2 dst=10.99.3.1 sport=50010 dport=20 "
    "[ASSURED] mark=0 use=1",
    "tcp      6 59 CLOSE_WAIT src=10.99.3.2 dst=10.99.3.1 sport=40021 "
    "dport=21 src=10.99.3.1 dst=10.99.3.2 sport=21 dport=40021 "
    "[ASSURED] mark=0 helper=ftp use=4",
    "tcp      6 118 TIME_WAIT src=10.99.3.2 dst=10.99.3.1 sport=40100 "
    "dport=50000 src=10.99.3.1 dst=10.99.3.2 sport=50000 dport=40100 "
    "[ASSURED] mark=0 use=1",
    "tcp      6 118 TIME_WAIT src=10.99.3.2 dst=10.99.3.1 sport=40101 "
    "dport=50001 src=10.99.3.1 dst=10.99.3.2 sport=50001 dport=40101 "
    "[ASSURED] mark=0 use=1",
};

#define FTP_LIST_AT 1795609298500000000ull

static struct ctfw_ct *h_ct;
static char h_ev[32][512];
static int h_nev;

static void
record(void *opaque, const struct ctfw_ct_event *ev)
{
    (void)opaque;
    if (h_nev < 32)
        ctfw_ct_format_event(h_ct, ev, 0, h_ev[h_nev], sizeof(h_ev[0]));
    h_nev++;
}

static void
test_kernel_replay(void **state)
{
    (void)state;
    size_t n = sizeof(ftp_frames) / sizeof(ftp_frames[0]);
    struct ctfw_ct_config cfg;
    ctfw_ct_config_default(&cfg, 0);
    cfg.checksum = false;   /* veth: partial checksums in the capture */
    struct ctfw_ct_params p = {.config = &cfg, .seed = 5,
                               .start_ns = ftp_frames[0].t,
                               .on_event = record};
    h_nev = 0;
    assert_int_equal(ctfw_ct_new(&p, &h_ct), 0);
    int related = 0;
    for (size_t i = 0; i < n; i++) {
        const struct hframe *f = &ftp_frames[i];
        struct ctfw_pkt pkt;
        assert_true(ctfw_pkt_decode(&pkt, CTFW_LINKTYPE_ETHERNET, f->data,
                                    f->caplen, f->wirelen) >= 0);
        struct ctfw_ct_ref ref;
        ctfw_ct_ref_init(&ref);
        /* raw PREROUTING -p tcp --dport 21 -j CT --helper ftp */
        if (f->inbound && pkt.proto == 6 && pkt.dport == 21)
            assert_int_equal(ctfw_ct_ref_set_helper(&ref, "ftp"), 0);
        assert_int_equal(ctfw_ct_in(h_ct, &pkt, f->t,
                                    f->inbound ? CTFW_CT_HOOK_PRE_ROUTING
                                               : CTFW_CT_HOOK_LOCAL_OUT,
                                    &ref),
                         CTFW_CT_ACCEPT);
        if (ref.info == CTFW_CT_RELATED)
            related++;
        assert_int_equal(ctfw_ct_help(h_ct, &ref, &pkt, f->t),
                         CTFW_CT_ACCEPT);
        assert_int_equal(ctfw_ct_confirm(h_ct, &ref, f->t), CTFW_CT_ACCEPT);
    }
    /* iptables counters: --ctstate RELATED INPUT 2, OUTPUT 1. */
    assert_int_equal(related, 3);
    size_t nev = sizeof(ftp_events) / sizeof(ftp_events[0]);
    assert_int_equal(h_nev, (int)nev);
    for (size_t i = 0; i < nev; i++)
        assert_string_equal(h_ev[i], ftp_events[i]);

    char buf[512];
    const struct ctfw_ct_entry *e[8];
    size_t ne = ctfw_ct_list(h_ct, FTP_LIST_AT, e, 8);
    assert_int_equal(ne, sizeof(ftp_L) / sizeof(ftp_L[0]));
    for (size_t i = 0; i < ne; i++) {
        ctfw_ct_format_entry(h_ct, e[i], FTP_LIST_AT, 0, buf, sizeof(buf));
        assert_string_equal(buf, ftp_L[i]);
    }
    const struct ctfw_ct_expect *x[4];
    assert_int_equal(ctfw_ct_expect_list(h_ct, FTP_LIST_AT, x, 4), 1);
    ctfw_ct_format_expect(h_ct, x[0], FTP_LIST_AT, buf, sizeof(buf));
    assert_string_equal(buf, EXPECT_LINE);
    ctfw_ct_format_expect_proc(h_ct, x[0], FTP_LIST_AT, buf, sizeof(buf));
    assert_string_equal(buf, EXPECT_PROC);
    /* /proc/net/stat/nf_conntrack, summed over the CPUs. */
    struct ctfw_ct_stats s;
    ctfw_ct_get_stats(h_ct, &s);
    assert_int_equal(s.expect_new, 3);
    assert_int_equal(s.expect_create, 6);
    assert_int_equal(s.expect_delete, 5);
    assert_int_equal(s.invalid, 0);
    ctfw_ct_free(h_ct);
    h_ct = NULL;
}

static void
to_v6(struct ctfw_pkt *p)
{
    /* fd00::2 (client) and fd00::1 (server) from 10.99.3.2 / .1. */
    uint8_t cl = p->src.b[3], sv = p->dst.b[3];
    p->family = 6;
    memset(&p->src, 0, sizeof(p->src));
    memset(&p->dst, 0, sizeof(p->dst));
    p->src.b[0] = p->dst.b[0] = 0xfd;
    p->src.b[15] = cl;
    p->dst.b[15] = sv;
}

static struct ctfw_ct_ref
v6(struct ftp *f, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp,
   uint8_t flags, uint32_t seq, uint32_t ack, const char *txt)
{
    uint16_t n = (uint16_t)strlen(txt);
    struct ctfw_pkt p = mk_tcp(src, dst, sp, dp, flags, seq, ack, 64240, n);
    if (n)
        p = with_payload(p, txt);
    to_v6(&p);
    return go(f, &p);
}

static void
test_ipv6_eprt_epsv(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ftp f;
    memset(&f, 0, sizeof(f));
    f.t = t;
    f.helper = true;
    f.now = T0;
    uint32_t C = ip4(0, 0, 0, 2), S = ip4(0, 0, 0, 1);
    uint32_t cs = 1000, ss = 5000;
    assert_int_equal(v6(&f, C, S, 40021, 21, SYN, cs - 1, 0, "").info,
                     CTFW_CT_NEW);
    v6(&f, S, C, 21, 40021, SYN | ACK, ss - 1, cs, "");
    v6(&f, C, S, 40021, 21, ACK, cs, ss, "");
    const char *l[] = {"USER x\r\n", "EPRT |2|fd00::2|50020|\r\n"};
    for (int i = 0; i < 2; i++) {
        v6(&f, C, S, 40021, 21, PSH | ACK, cs, ss, l[i]);
        cs += (uint32_t)strlen(l[i]);
    }
    assert_int_equal(ctfw_ct_expect_count(t->ct), 1);
    const struct ctfw_ct_expect *x;
    char buf[512];
    ctfw_ct_expect_list(t->ct, f.now, &x, 1);
    ctfw_ct_format_expect(t->ct, x, f.now + SEC, buf, sizeof(buf));
    assert_string_equal(buf,
                        "299 proto=6 src=fd00::1 dst=fd00::2 sport=0 "
                        "dport=50020 mask-src=ffff:ffff:ffff:ffff:ffff:"
                        "ffff:ffff:ffff mask-dst=ffff:ffff:ffff:ffff:"
                        "ffff:ffff:ffff:ffff sport=0 dport=65535 "
                        "master-src=fd00::2 master-dst=fd00::1 "
                        "sport=40021 dport=21 class=0 helper=ftp");
    ctfw_ct_format_expect_proc(t->ct, x, f.now + SEC, buf, sizeof(buf));
    assert_string_equal(buf,
                        "299 l3proto = 10 proto=6 "
                        "src=fd00:0000:0000:0000:0000:0000:0000:0001 "
                        "dst=fd00:0000:0000:0000:0000:0000:0000:0002 "
                        "sport=0 dport=50020 ftp");
    assert_int_equal(v6(&f, S, C, 20, 50020, SYN, 1, 0, "").info,
                     CTFW_CT_RELATED);
    /* EPSV from the server: its own address is meant. */
    const char *r[] = {"220 hi\r\n",
                       "229 Entering Extended Passive Mode (|||50001|)\r\n"};
    for (int i = 0; i < 2; i++) {
        v6(&f, S, C, 21, 40021, PSH | ACK, ss, cs, r[i]);
        ss += (uint32_t)strlen(r[i]);
    }
    assert_int_equal(v6(&f, C, S, 40101, 50001, SYN, 1, 0, "").info,
                     CTFW_CT_RELATED);
    /* PORT (IPv4 numbers) on IPv6 names another address: nothing. */
    const char *port = "PORT 10,99,3,2,195,90\r\n";
    assert_int_equal(v6(&f, C, S, 40021, 21, PSH | ACK, cs, ss, port).verdict,
                     CTFW_CT_ACCEPT);
    assert_int_equal(ctfw_ct_expect_count(t->ct), 0);
    tctx_free(t);
}

/* Random command-like segments: never out of bounds (ASan builds), at
 * most one expectation per master (max_expected), the connection kept. */
static void
test_random_segments(void **state)
{
    (void)state;
    struct tctx *t = tctx_new(NULL);
    struct ftp f;
    ftp_open(&f, t, true, 40021);
    static const char *const heads[] = {"PORT ", "EPRT ", "227 ", "229 (",
                                        "port", "EPRT |1|", "227", ""};
    static const char alpha[] = "0123456789,.|()\r\n :aPORT";
    uint64_t r = 0x9e3779b97f4a7c15ull;
    char seg[64];
    for (int i = 0; i < 20000; i++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        const char *h = heads[r % 8];
        size_t n = strlen(h);
        memcpy(seg, h, n);
        size_t extra = (r >> 8) % 24;
        for (size_t k = 0; k < extra; k++)
            seg[n++] = alpha[(r >> (k % 48)) % (sizeof(alpha) - 1)];
        if ((r >> 40) & 1)
            seg[n++] = '\n';
        seg[n] = '\0';
        if (n == 0)
            continue;
        struct ctfw_ct_ref ref = (r >> 41) & 1 ? c2s(&f, seg) : s2c(&f, seg);
        assert_true(ref.verdict == CTFW_CT_ACCEPT ||
                    ref.reason == CTFW_CT_R_HELPER);
        assert_true(ctfw_ct_expect_count(t->ct) <= 1);
    }
    /* Still in step: a line end, then a command is parsed. */
    c2s(&f, "NOOP\r\n");
    assert_int_equal(c2s(&f, "PORT 10,99,3,2,195,90\r\n").verdict,
                     CTFW_CT_ACCEPT);
    struct ctfw_pkt p = mk_tcp(f.s, f.c, 20, 50010, SYN, 1, 0, 64240, 0);
    assert_int_equal(go(&f, &p).info, CTFW_CT_RELATED);
    assert_non_null(control(&f));
    tctx_free(t);
}

static const struct CMUnitTest helper_tests[] = {
    cmocka_unit_test(test_api),
    cmocka_unit_test(test_kernel_session),
    cmocka_unit_test(test_kernel_replay),
    cmocka_unit_test(test_no_helper_data_is_new),
    cmocka_unit_test(test_status_helper_bit_and_mark),
    cmocka_unit_test(test_first_segment_not_parsed),
    cmocka_unit_test(test_partial_command_dropped),
    cmocka_unit_test(test_foreign_address_ignored),
    cmocka_unit_test(test_expect_max),
    cmocka_unit_test(test_max_expected_evicts_oldest),
    cmocka_unit_test(test_expectation_expires),
    cmocka_unit_test(test_master_death_removes),
    cmocka_unit_test(test_children_outlive_master),
    cmocka_unit_test(test_eprt_wrong_family),
    cmocka_unit_test(test_ipv6_eprt_epsv),
    cmocka_unit_test(test_random_segments),
};

void
ct_helper_tests(const struct CMUnitTest **tests, size_t *n)
{
    *tests = helper_tests;
    *n = sizeof(helper_tests) / sizeof(helper_tests[0]);
}
