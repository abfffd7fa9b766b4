// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the traffic generator. The checks are the invariants a
 * TCP receiver and conntrack's tcp_in_window() rely on, written out here
 * independently of the generator:
 *   - every IPv4 header and TCP/UDP checksum verifies (RFC 1071);
 *   - in each direction of a connection, a segment's seq is the previous
 *     seq plus the previous payload length (plus one for SYN or FIN);
 *   - an ACK never acknowledges bytes the peer has not sent, and data
 *     never runs past the peer's last ACK plus its advertised window
 *     (scaled by the window scale 7 both SYNs carry);
 *   - timestamps never go backwards;
 *   - the same seed gives the same bytes, another seed other bytes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctfw/csum.h"
#include "ctfw/gen.h"

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

/* Per direction of one connection. */
struct dir_state {
    bool seen;
    uint32_t next_seq;    /* expected seq of the next segment */
    uint32_t max_ack;     /* highest ACK sent (acknowledges the peer) */
    uint32_t win;         /* last advertised window, bytes */
};

struct conn {
    uint32_t a, b;        /* client, server addresses */
    uint16_t ap, bp;
    struct dir_state d[2]; /* 0: client->server, 1: server->client */
};

#define MAX_CONN 4096

static struct conn conns[MAX_CONN];
static size_t n_conns;

static struct conn *
find_conn(uint32_t s, uint16_t sp, uint32_t d, uint16_t dp, int *dir)
{
    for (size_t i = 0; i < n_conns; i++) {
        struct conn *c = &conns[i];
        if (c->a == s && c->ap == sp && c->b == d && c->bp == dp) {
            *dir = 0;
            return c;
        }
        if (c->a == d && c->ap == dp && c->b == s && c->bp == sp) {
            *dir = 1;
            return c;
        }
    }
    assert_true(n_conns < MAX_CONN);
    struct conn *c = &conns[n_conns++];
    memset(c, 0, sizeof(*c));
    c->a = s, c->ap = sp, c->b = d, c->bp = dp;
    *dir = 0;
    return c;
}

static uint16_t
l4_sum(const uint8_t *ip, const uint8_t *l4, size_t len)
{
    uint8_t ph[12];
    memcpy(ph, ip + 12, 8);
    ph[8] = 0;
    ph[9] = ip[9];
    ph[10] = (uint8_t)(len >> 8);
    ph[11] = (uint8_t)len;
    return ctfw_csum_fold(ctfw_csum_partial(l4, len,
                                            ctfw_csum_partial(ph, 12, 0)));
}

static void
check_frame(const struct ctfw_gen_frame *f, uint64_t *last_ts)
{
    assert_true(f->ts_ns >= *last_ts);
    *last_ts = f->ts_ns;
    assert_int_equal(f->caplen, f->wirelen);
    assert_true(f->wirelen >= 14 + 20 + 8);
    const uint8_t *ip = f->data + 14;
    assert_int_equal(get16(f->data + 12), 0x0800);
    assert_int_equal(ip[0], 0x45);
    assert_int_equal(get16(ip + 2), f->wirelen - 14);
    assert_int_equal(ctfw_csum_fold(ctfw_csum_partial(ip, 20, 0)), 0);
    const uint8_t *l4 = ip + 20;
    size_t l4len = get16(ip + 2) - 20;
    assert_int_equal(l4_sum(ip, l4, l4len), 0);
    if (ip[9] != 6)
        return;

    uint8_t flags = l4[13];
    size_t hl = (size_t)(l4[12] >> 4) * 4;
    uint32_t len = (uint32_t)(l4len - hl);
    uint32_t seq = get32(l4 + 4), ack = get32(l4 + 8);
    int dir;
    struct conn *c = find_conn(get32(ip + 12), get16(l4), get32(ip + 16),
                               get16(l4 + 2), &dir);
    struct dir_state *me = &c->d[dir], *peer = &c->d[!dir];
    if (flags & 0x04)
        return;   /* RSTs: the scanner's and closed-port answers */
    if (flags & 0x02) {
        me->seen = true;
        me->next_seq = seq + 1 + len;
        me->win = get16(l4 + 14);   /* SYN windows are never scaled */
    } else {
        assert_true(me->seen);
        /* Exactly contiguous: no gaps, no overlaps. */
        assert_int_equal(seq, me->next_seq);
        me->next_seq = seq + len + ((flags & 0x01) ? 1 : 0);
        me->win = (uint32_t)get16(l4 + 14) << 7;
        /* Data stays inside what the peer has opened. */
        if (len && peer->seen && peer->max_ack)
            assert_true(seq + len - peer->max_ack <= peer->win);
    }
    if (flags & 0x10) {
        assert_true(peer->seen);
        /* Never acknowledge bytes the peer has not sent. */
        assert_true((int32_t)(peer->next_seq - ack) >= 0);
        if ((int32_t)(ack - me->max_ack) > 0 || !me->max_ack)
            me->max_ack = ack;
    }
}

static uint64_t
run(const char *const *specs, size_t n, uint64_t seed, uint64_t *hash,
    bool check)
{
    struct ctfw_gen_params p = {seed, 1764064800ull * 1000000000ull,
                                3000000000ull, 0};
    struct ctfw_gen *g = ctfw_gen_new(&p);
    assert_non_null(g);
    char err[200];
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ctfw_gen_add(g, specs[i], err, sizeof(err)), 0);
    struct ctfw_gen_frame f;
    uint64_t frames = 0, last = 0, h = 1469598103934665603ull;
    n_conns = 0;
    int r;
    while ((r = ctfw_gen_next(g, &f)) == 1) {
        if (check)
            check_frame(&f, &last);
        for (uint32_t i = 0; i < f.caplen; i++)
            h = (h ^ f.data[i]) * 1099511628211ull;   /* FNV-1a */
        frames++;
    }
    assert_int_equal(r, 0);
    *hash = h;
    ctfw_gen_free(g);
    return frames;
}

static void
test_web_invariants(void **state)
{
    /* Large responses cross several congestion-window bursts; two
     * requests per connection; both closing sides. */
    static const char *const specs[] = {
        "web:rate=40,resp=200000,requests=2,think=0.05,keepalive=0.2",
        "web:rate=40,resp=3000,close=server,server=10.0.0.10:443",
    };
    uint64_t h;
    uint64_t frames = run(specs, 2, 7, &h, true);
    assert_true(frames > 1000);
}

static void
test_mix_invariants(void **state)
{
    static const char *const specs[] = {
        "synflood:rate=300", "dns:rate=50",
        "scan:rate=200,ports=1-200,open=22+80", "web:rate=20"};
    uint64_t h;
    assert_true(run(specs, 4, 3, &h, true) > 500);
}

static void
test_deterministic(void **state)
{
    static const char *const specs[] = {"web:rate=100", "dns:rate=30"};
    uint64_t h1, h2, h3;
    uint64_t n1 = run(specs, 2, 42, &h1, false);
    uint64_t n2 = run(specs, 2, 42, &h2, false);
    run(specs, 2, 43, &h3, false);
    assert_int_equal(n1, n2);
    assert_int_equal(h1, h2);
    assert_int_not_equal(h1, h3);
}

static void
test_scan_counts(void **state)
{
    /* 100 ports, 2 open: 98 x (SYN, RST-ACK) + 2 x (SYN, SYN-ACK, RST). */
    static const char *const specs[] = {
        "scan:rate=1000,ports=101-200,open=150+180"};
    uint64_t h;
    assert_int_equal(run(specs, 1, 1, &h, true), 98 * 2 + 2 * 3);
}

static void
test_bad_specs(void **state)
{
    struct ctfw_gen_params p = {1, 0, 1000000000ull, 0};
    struct ctfw_gen *g = ctfw_gen_new(&p);
    char err[200];
    assert_int_equal(ctfw_gen_add(g, "ftp:rate=1", err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "unknown workload 'ftp' in 'ftp:rate=1' (web, "
                             "synflood, dns, scan)");
    assert_int_equal(ctfw_gen_add(g, "web:rate=0", err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "bad value '0' for rate in 'web:rate=0'");
    assert_int_equal(ctfw_gen_add(g, "web:speed=3", err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "unknown key 'speed' for web (see ctfw gen "
                             "--help)");
    assert_int_equal(ctfw_gen_add(g, "web:server=10.0.0.300:80", err,
                                  sizeof(err)),
                     -EINVAL);
    assert_int_equal(ctfw_gen_add(g, "scan:ports=9-3", err, sizeof(err)),
                     -EINVAL);
    assert_int_equal(ctfw_gen_add(g, "web:rate", err, sizeof(err)),
                     -EINVAL);
    ctfw_gen_free(g);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_web_invariants),
        cmocka_unit_test(test_mix_invariants),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_scan_counts),
        cmocka_unit_test(test_bad_specs),
    };
    return cmocka_run_group_tests_name("gen", tests, NULL, NULL);
}
