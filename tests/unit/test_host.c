// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the host model. Expected paths follow the hook order of
 * reference/linux-netfilter.md §1.3; addrtype follows the local routing
 * table that Linux 6.18 builds for an address (checked by the lead with
 * `ip route show table local` in a namespace: local ADDR, broadcast of
 * the subnet, no network-address broadcast; lo: local 127.0.0.0/8).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ctfw/host.h"

static union ctfw_addr
A(const char *s)
{
    union ctfw_addr a;
    memset(&a, 0, sizeof(a));
    if (inet_pton(AF_INET, s, a.b) != 1)
        assert_int_equal(inet_pton(AF_INET6, s, a.b), 1);
    return a;
}

static bool
load_all_ones(const union ctfw_addr *a)
{
    return a->b[0] == 255 && a->b[1] == 255 && a->b[2] == 255 &&
           a->b[3] == 255;
}

static struct ctfw_host *
router(void)
{
    /* eth0 towards clients, eth1 towards servers, default via eth1. */
    char err[128];
    struct ctfw_host *h = ctfw_host_new();
    assert_non_null(h);
    assert_int_equal(ctfw_host_add_iface(h, "eth0=10.0.0.1/24", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_iface(h, "eth1=192.168.5.1/24", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_iface(h, "eth1=2001:db8:5::1/64", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_route(h, "default=eth1", err,
                                         sizeof(err)), 0);
    return h;
}

static void
test_ifindex_order(void **state)
{
    struct ctfw_host *h = router();
    /* lo is 1; then in the order named. */
    assert_int_equal(ctfw_host_ifindex(h, "lo"), 1);
    assert_int_equal(ctfw_host_ifindex(h, "eth0"), 2);
    assert_int_equal(ctfw_host_ifindex(h, "eth1"), 3);
    assert_string_equal(ctfw_host_ifname(h, 3), "eth1");
    assert_null(ctfw_host_ifname(h, 9));
    ctfw_host_free(h);
}

static void
test_paths(void **state)
{
    struct ctfw_host *h = router();
    struct ctfw_host_decision d;
    union ctfw_addr c = A("10.0.0.7"), s = A("192.168.5.9"),
                    me = A("10.0.0.1"), far = A("8.8.8.8");

    /* To a local address: PREROUTING -> INPUT, in on eth0 (the subnet
     * holding the source). */
    ctfw_host_decide(h, 4, &c, &me, 0, false, &d);
    assert_int_equal(d.path, CTFW_HOST_PATH_INPUT);
    assert_int_equal(d.in_ifindex, 2);

    /* From a local address: OUTPUT -> POSTROUTING, out on eth0. */
    ctfw_host_decide(h, 4, &me, &c, 0, false, &d);
    assert_int_equal(d.path, CTFW_HOST_PATH_OUTPUT);
    assert_int_equal(d.out_ifindex, 2);

    /* Forwarding off: dropped. */
    ctfw_host_decide(h, 4, &c, &s, 0, false, &d);
    assert_int_equal(d.path, CTFW_HOST_PATH_FORWARD_OFF);

    /* Forwarding on: FORWARD, eth0 -> eth1; far away via the default. */
    ctfw_host_set_forward(h, true);
    ctfw_host_decide(h, 4, &c, &s, 0, false, &d);
    assert_int_equal(d.path, CTFW_HOST_PATH_FORWARD);
    assert_int_equal(d.in_ifindex, 2);
    assert_int_equal(d.out_ifindex, 3);
    ctfw_host_decide(h, 4, &c, &far, 0, false, &d);
    assert_int_equal(d.out_ifindex, 3);

    /* The capture's interface wins over the subnet guess. */
    ctfw_host_decide(h, 4, &far, &c, 3, false, &d);
    assert_int_equal(d.path, CTFW_HOST_PATH_FORWARD);
    assert_int_equal(d.in_ifindex, 3);
    assert_int_equal(d.out_ifindex, 2);

    /* Local to local: loopback. */
    union ctfw_addr lo = A("127.0.0.1"), lo2 = A("127.0.0.53");
    ctfw_host_decide(h, 4, &lo, &lo2, 0, false, &d);
    assert_int_equal(d.path, CTFW_HOST_PATH_LOOPBACK);
    assert_int_equal(d.in_ifindex, 1);

    /* Subnet broadcast is delivered locally. */
    union ctfw_addr bc = A("10.0.0.255");
    ctfw_host_decide(h, 4, &c, &bc, 0, false, &d);
    assert_int_equal(d.path, CTFW_HOST_PATH_INPUT);
    ctfw_host_free(h);
}

static void
test_no_route(void **state)
{
    char err[128];
    struct ctfw_host *h = ctfw_host_new();
    assert_int_equal(ctfw_host_add_iface(h, "eth0=10.0.0.1/24", err,
                                         sizeof(err)), 0);
    ctfw_host_set_forward(h, true);
    struct ctfw_host_decision d;
    union ctfw_addr c = A("10.0.0.7"), far = A("8.8.8.8");
    ctfw_host_decide(h, 4, &c, &far, 0, false, &d);
    assert_int_equal(d.path, CTFW_HOST_PATH_NO_ROUTE);
    ctfw_host_free(h);
}

static void
test_ipv6(void **state)
{
    struct ctfw_host *h = router();
    struct ctfw_host_decision d;
    union ctfw_addr me = A("2001:db8:5::1"), peer = A("2001:db8:5::99");
    ctfw_host_decide(h, 6, &peer, &me, 0, false, &d);
    assert_int_equal(d.path, CTFW_HOST_PATH_INPUT);
    assert_int_equal(d.in_ifindex, 3);
    union ctfw_addr lo6 = A("::1");
    assert_true(ctfw_host_is_local(h, 6, &lo6));
    ctfw_host_free(h);
}

static void
test_addrtype(void **state)
{
    struct ctfw_host *h = router();
    union ctfw_addr a;
#define T(s, want, lim)                                                    \
    do {                                                                   \
        a = A(s);                                                          \
        assert_int_equal(ctfw_host_addrtype(h, strchr(s, ':') ? 6 : 4, &a, \
                                            lim),                          \
                         want);                                            \
    } while (0)
    T("10.0.0.1", CTFW_ADDRTYPE_LOCAL, 0);
    T("127.0.0.5", CTFW_ADDRTYPE_LOCAL, 0);     /* local 127.0.0.0/8 */
    T("10.0.0.255", CTFW_ADDRTYPE_BROADCAST, 0);
    T("10.0.0.0", CTFW_ADDRTYPE_UNICAST, 0);    /* no network bcast */
    T("255.255.255.255", CTFW_ADDRTYPE_BROADCAST, 0);
    T("0.0.0.0", CTFW_ADDRTYPE_BROADCAST, 0);   /* zeronet */
    T("224.0.0.1", CTFW_ADDRTYPE_MULTICAST, 0);
    T("8.8.8.8", CTFW_ADDRTYPE_UNICAST, 0);
    /* --limit-iface-in eth1: 10.0.0.1 lives on eth0, so not LOCAL
     * there. */
    T("10.0.0.1", CTFW_ADDRTYPE_UNICAST, 3);
    T("10.0.0.1", CTFW_ADDRTYPE_LOCAL, 2);
    T("::", CTFW_ADDRTYPE_UNSPEC, 0);
    T("ff02::1", CTFW_ADDRTYPE_MULTICAST, 0);
    T("2001:db8:5::1", CTFW_ADDRTYPE_LOCAL, 0);
#undef T
    ctfw_host_free(h);
}

static void
test_errors(void **state)
{
    char err[128];
    struct ctfw_host *h = ctfw_host_new();
    assert_int_equal(ctfw_host_add_iface(h, "eth0=10.0.0.1/33", err,
                                         sizeof(err)), -EINVAL);
    assert_string_equal(err, "bad prefix length '33' in "
                             "'eth0=10.0.0.1/33'");
    assert_int_equal(ctfw_host_add_iface(h, "eth0=10.0.0.300/24", err,
                                         sizeof(err)), -EINVAL);
    assert_string_equal(err, "bad address '10.0.0.300' in "
                             "'eth0=10.0.0.300/24'");
    assert_int_equal(ctfw_host_add_iface(h, "averyveryverylongname=1.2.3.4",
                                         err, sizeof(err)), -EINVAL);
    assert_int_equal(ctfw_host_add_route(h, "10.0.0.0/8=eth9", err,
                                         sizeof(err)), -EINVAL);
    assert_string_equal(err, "route '10.0.0.0/8=eth9': no interface "
                             "'eth9' (define it with --iface first)");
    assert_int_equal(ctfw_host_add_local(h, "nonsense", err, sizeof(err)),
                     -EINVAL);
    ctfw_host_free(h);
}

static void
test_explicit_index(void **state)
{
    char err[128];
    struct ctfw_host *h = ctfw_host_new();
    assert_int_equal(ctfw_host_add_iface(h, "veth0@7=10.1.0.1/24", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_ifindex(h, "veth0"), 7);
    assert_int_equal(ctfw_host_add_iface(h, "veth1=10.2.0.1/24", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_ifindex(h, "veth1"), 8);
    assert_int_equal(ctfw_host_add_iface(h, "x@7=10.3.0.1/24", err,
                                         sizeof(err)), -EINVAL);
    ctfw_host_free(h);
}

static void
test_longest_prefix(void **state)
{
    /* Routes given out of order: the longest prefix that holds the
     * address wins (fib_table_lookup()); of two routes with the same
     * prefix, the first given (the second is a duplicate the kernel
     * would refuse with EEXIST: ctfw keeps the first). */
    char err[128];
    struct ctfw_host *h = ctfw_host_new();
    assert_int_equal(ctfw_host_add_iface(h, "eth0=10.0.0.1/24", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_iface(h, "eth1=192.168.5.1/24", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_iface(h, "eth2=172.16.0.1/12", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_route(h, "default=eth0", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_route(h, "10.9.0.0/16=eth1", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_route(h, "10.9.8.0/21=eth2", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_route(h, "10.9.0.0/16=eth2", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_route(h, "2001:db8::/32=eth1", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_route(h, "2001:db8:0:8000::/49=eth2",
                                         err, sizeof(err)), 0);
    union ctfw_addr a;
    a = A("10.9.15.255");   /* in 10.9.8.0/21 */
    assert_int_equal(ctfw_host_route(h, 4, &a), 4);
    a = A("10.9.16.0");     /* just past it: the /16, first given */
    assert_int_equal(ctfw_host_route(h, 4, &a), 3);
    a = A("10.0.0.77");     /* connected /24 before the default */
    assert_int_equal(ctfw_host_route(h, 4, &a), 2);
    a = A("172.31.255.254");   /* connected /12 */
    assert_int_equal(ctfw_host_route(h, 4, &a), 4);
    a = A("172.32.0.1");
    assert_int_equal(ctfw_host_route(h, 4, &a), 2);
    a = A("2001:db8:0:8000::1");
    assert_int_equal(ctfw_host_route(h, 6, &a), 4);
    a = A("2001:db8:0:7fff::1");
    assert_int_equal(ctfw_host_route(h, 6, &a), 3);
    a = A("2001:db9::1");   /* "default" is both families */
    assert_int_equal(ctfw_host_route(h, 6, &a), 2);
    /* 172.31.255.255 is eth2's subnet broadcast, 172.16.0.0 is not
     * (no network-address broadcast on 6.x). */
    a = A("172.31.255.255");
    assert_int_equal(ctfw_host_addrtype(h, 4, &a, 0),
                     CTFW_ADDRTYPE_BROADCAST);
    assert_int_equal(ctfw_host_addrtype(h, 4, &a, 2),
                     CTFW_ADDRTYPE_UNICAST);
    a = A("172.16.0.0");
    assert_int_equal(ctfw_host_addrtype(h, 4, &a, 0),
                     CTFW_ADDRTYPE_UNICAST);
    ctfw_host_free(h);
}

/*
 * The host model against a reference written from its definition
 * (include/ctfw/host.h and the kernel behaviour cited in lib/host): a
 * local address is one added, in the order added, or anything in
 * 127/8; a subnet broadcast is the all-ones host part of an IPv4
 * address with a prefix shorter than /31; a route lookup takes the
 * longest prefix that holds the address, the first given among equal
 * lengths; ctfw_host_decide() follows the table of host.h. Random
 * models (interfaces, addresses and routes of both families, prefix
 * lengths that overlap, duplicates) and random addresses drawn near
 * them, so every branch is taken.
 */
struct ref_net {
    int family;
    union ctfw_addr a;
    unsigned plen, ifindex;
};

struct ref_host {
    struct ref_net addr[64], route[64];
    unsigned n_addr, n_route;
    bool forward;
};

static uint64_t rnd_state;

static uint32_t
rnd(void)
{
    rnd_state = rnd_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rnd_state >> 33);
}

static bool
ref_in(int family, const union ctfw_addr *a, const union ctfw_addr *p,
       unsigned plen)
{
    for (unsigned bit = 0; bit < plen; bit++) {
        unsigned m = 0x80u >> (bit % 8);
        if ((a->b[bit / 8] & m) != (p->b[bit / 8] & m))
            return false;
    }
    (void)family;
    return true;
}

static unsigned
ref_local(const struct ref_host *r, int family, const union ctfw_addr *a)
{
    for (unsigned i = 0; i < r->n_addr; i++) {
        const struct ref_net *x = &r->addr[i];
        if (x->family != family)
            continue;
        if (!memcmp(x->a.b, a->b, family == 4 ? 4 : 16))
            return x->ifindex;
        if (family == 4 && x->ifindex == 1 && x->a.b[0] == 127 &&
            a->b[0] == 127)
            return x->ifindex;
    }
    return 0;
}

static unsigned
ref_bcast(const struct ref_host *r, const union ctfw_addr *a)
{
    for (unsigned i = 0; i < r->n_addr; i++) {
        const struct ref_net *x = &r->addr[i];
        if (x->family != 4 || x->plen >= 31 || !ref_in(4, a, &x->a, x->plen))
            continue;
        bool ones = true;
        for (unsigned bit = x->plen; bit < 32; bit++)
            if (!(a->b[bit / 8] & (0x80u >> (bit % 8))))
                ones = false;
        if (ones)
            return x->ifindex;
    }
    return 0;
}

static unsigned
ref_route(const struct ref_host *r, int family, const union ctfw_addr *a)
{
    int best = -1;
    unsigned oif = 0;
    for (unsigned i = 0; i < r->n_route; i++) {
        const struct ref_net *x = &r->route[i];
        if (x->family == family && (int)x->plen > best &&
            ref_in(family, a, &x->a, x->plen)) {
            best = (int)x->plen;
            oif = x->ifindex;
        }
    }
    return oif;
}

static void
ref_decide(const struct ref_host *r, int family, const union ctfw_addr *src,
           const union ctfw_addr *dst, unsigned hint, bool outgoing,
           struct ctfw_host_decision *d)
{
    unsigned ls = ref_local(r, family, src), ld = ref_local(r, family, dst);
    bool mcast = family == 4 ? (dst->b[0] & 0xf0) == 0xe0 ||
                                   load_all_ones(dst)
                             : dst->b[0] == 0xff;
    bool dst_local = ld || mcast || (family == 4 && ref_bcast(r, dst));
    memset(d, 0, sizeof(*d));
    if (outgoing || (ls && !hint)) {
        if (ld) {
            d->path = CTFW_HOST_PATH_LOOPBACK;
            d->in_ifindex = d->out_ifindex = 1;
            return;
        }
        d->path = CTFW_HOST_PATH_OUTPUT;
        d->out_ifindex = ref_route(r, family, dst);
        if (!d->out_ifindex && family == 4)
            d->out_ifindex = ref_bcast(r, dst);
        return;
    }
    d->in_ifindex = hint ? hint : ref_route(r, family, src);
    if (dst_local)
        d->path = CTFW_HOST_PATH_INPUT;
    else if (!r->forward)
        d->path = CTFW_HOST_PATH_FORWARD_OFF;
    else if ((d->out_ifindex = ref_route(r, family, dst)))
        d->path = CTFW_HOST_PATH_FORWARD;
    else
        d->path = CTFW_HOST_PATH_NO_ROUTE;
}

/* A random address near the model's: one of its addresses or routes
 * with some low bits flipped, a broadcast, 127/8, multicast, or noise. */
static void
rnd_addr(const struct ref_host *r, int family, union ctfw_addr *a)
{
    unsigned alen = family == 4 ? 4 : 16;
    memset(a, 0, sizeof(*a));
    switch (rnd() % 6) {
    case 0:
    case 1: {
        const struct ref_net *x = rnd() % 2 ? &r->addr[rnd() % r->n_addr]
                                            : &r->route[rnd() % r->n_route];
        if (x->family != family)
            goto noise;
        *a = x->a;
        unsigned flips = rnd() % 3;
        for (unsigned k = 0; k < flips; k++) {
            unsigned bit = alen * 8 - 1 - rnd() % 12;
            a->b[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
        }
        return;
    }
    case 2:
        if (family == 4) {
            const struct ref_net *x = &r->addr[rnd() % r->n_addr];
            if (x->family != 4)
                goto noise;
            *a = x->a;
            for (unsigned bit = x->plen; bit < 32; bit++)
                a->b[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
            return;
        }
        a->b[0] = 0xff;
        a->b[15] = (uint8_t)rnd();
        return;
    case 3:
        if (family == 4) {
            a->b[0] = rnd() % 2 ? 127 : 224 + rnd() % 32;
            a->b[3] = (uint8_t)rnd();
        } else {
            a->b[15] = 1;
        }
        return;
    default:
        break;
    }
noise:
    for (unsigned i = 0; i < alen; i++)
        a->b[i] = (uint8_t)rnd();
    if (rnd() % 2)
        a->b[0] = rnd() % 2 ? 10 : 0x20;   /* near the usual prefixes */
}

static void
test_differential(void **state)
{
    char err[128], spec[96], txt[64];
    rnd_state = 9;
    for (unsigned model = 0; model < 300; model++) {
        struct ctfw_host *h = ctfw_host_new();
        struct ref_host r;
        memset(&r, 0, sizeof(r));
        /* ctfw_host_new(): lo with 127.0.0.1/8 and ::1/128. */
        r.addr[0] = (struct ref_net){.family = 4, .a = A("127.0.0.1"),
                                     .plen = 8, .ifindex = 1};
        r.addr[1] = (struct ref_net){.family = 6, .a = A("::1"),
                                     .plen = 128, .ifindex = 1};
        r.n_addr = 2;
        unsigned n_if = 1 + rnd() % 4;
        for (unsigned k = 0; k < 4 + rnd() % 10; k++) {
            int family = rnd() % 3 ? 4 : 6;
            unsigned ifn = rnd() % n_if;
            unsigned plen = family == 4 ? (rnd() % 4 ? 8 + rnd() % 25
                                                     : rnd() % 33)
                                        : 32 + rnd() % 97;
            union ctfw_addr a;
            memset(&a, 0, sizeof(a));
            a.b[0] = family == 4 ? 10 : 0x20;
            a.b[1] = family == 4 ? (uint8_t)(rnd() % 3) : 0x01;
            for (unsigned i = 2; i < (family == 4 ? 4u : 16u); i++)
                a.b[i] = (uint8_t)(rnd() % 4 ? rnd() % 3 : rnd());
            inet_ntop(family == 4 ? AF_INET : AF_INET6, a.b, txt,
                      sizeof(txt));
            bool route = rnd() % 3 == 0 && k > 0;
            snprintf(spec, sizeof(spec), route ? "%s/%u=eth%u"
                                               : "eth%3$u=%1$s/%2$u",
                     txt, plen, ifn);
            if (route) {
                if (rnd() % 5 == 0)
                    snprintf(spec, sizeof(spec), "default=eth%u", ifn);
                if (ctfw_host_add_route(h, spec, err, sizeof(err)) < 0)
                    continue;   /* interface not named yet */
                unsigned ix = 0;
                snprintf(txt, sizeof(txt), "eth%u", ifn);
                ix = ctfw_host_ifindex(h, txt);
                if (!strncmp(spec, "default", 7)) {
                    r.route[r.n_route++] = (struct ref_net){
                        .family = 4, .plen = 0, .ifindex = ix};
                    r.route[r.n_route++] = (struct ref_net){
                        .family = 6, .plen = 0, .ifindex = ix};
                } else {
                    r.route[r.n_route++] = (struct ref_net){
                        .family = family, .a = a, .plen = plen,
                        .ifindex = ix};
                }
                continue;
            }
            assert_int_equal(ctfw_host_add_iface(h, spec, err, sizeof(err)),
                             0);
            snprintf(txt, sizeof(txt), "eth%u", ifn);
            unsigned ix = ctfw_host_ifindex(h, txt);
            r.addr[r.n_addr++] = (struct ref_net){
                .family = family, .a = a, .plen = plen, .ifindex = ix};
            r.route[r.n_route++] = (struct ref_net){
                .family = family, .a = a, .plen = plen, .ifindex = ix};
        }
        if (rnd() % 2 && r.n_addr < 64) {
            snprintf(txt, sizeof(txt), "10.%u.%u.%u", rnd() % 3, rnd() % 3,
                     rnd() % 4);
            if (ctfw_host_add_local(h, txt, err, sizeof(err)) == 0)
                r.addr[r.n_addr++] = (struct ref_net){
                    .family = 4, .a = A(txt), .plen = 32, .ifindex = 1};
        }
        if (!r.n_route)
            r.route[r.n_route++] = r.addr[0];   /* for rnd_addr only */
        r.forward = rnd() % 2;
        ctfw_host_set_forward(h, r.forward);
        for (unsigned q = 0; q < 2000; q++) {
            int family = rnd() % 3 ? 4 : 6;
            union ctfw_addr s, d;
            rnd_addr(&r, family, &s);
            rnd_addr(&r, family, &d);
            unsigned hint = rnd() % 4 ? 0 : 1 + rnd() % (n_if + 1);
            bool outgoing = rnd() % 8 == 0;
            struct ctfw_host_decision got, want;
            ctfw_host_decide(h, family, &s, &d, hint, outgoing, &got);
            ref_decide(&r, family, &s, &d, hint, outgoing, &want);
            assert_int_equal(got.path, want.path);
            assert_int_equal(got.in_ifindex, want.in_ifindex);
            assert_int_equal(got.out_ifindex, want.out_ifindex);
            assert_int_equal(ctfw_host_route(h, family, &d),
                             ref_route(&r, family, &d));
            assert_int_equal(ctfw_host_is_local(h, family, &d),
                             ref_local(&r, family, &d) != 0);
            /* addrtype's LOCAL and subnet BROADCAST answers, with and
             * without --limit-iface. */
            unsigned lim = rnd() % 2 ? 0 : 1 + rnd() % (n_if + 1);
            unsigned t = ctfw_host_addrtype(h, family, &d, lim);
            unsigned l = ref_local(&r, family, &d);
            if (family == 4 && d.b[0] != 0 && !load_all_ones(&d) &&
                (d.b[0] & 0xf0) != 0xe0) {
                unsigned b = ref_bcast(&r, &d);
                unsigned want_t =
                    l && (!lim || l == lim) ? CTFW_ADDRTYPE_LOCAL
                    : b && (!lim || b == lim) ? CTFW_ADDRTYPE_BROADCAST
                    : d.b[0] == 127 && d.b[1] == 255 && d.b[2] == 255 &&
                            d.b[3] == 255
                        ? CTFW_ADDRTYPE_BROADCAST
                        : CTFW_ADDRTYPE_UNICAST;
                assert_int_equal(t, want_t);
            }
        }
        ctfw_host_free(h);
    }
}

/*
 * MASQUERADE's address choice, reasoned from net/ipv4/devinet.c
 * inet_select_addr() as nf_nat_masquerade_ipv4() calls it (next hop =
 * rt_nexthop(): the gateway or the destination; scope universe): the
 * out-interface's primary addresses in list order, the first whose
 * subnet holds the next hop, else the first primary; an address in the
 * subnet of an earlier one is secondary (__inet_insert_ifa) and never
 * chosen; with no address on the interface, in_dev_select_addr() over
 * every device, lo first (127.0.0.1 has scope host: skipped). The same
 * choices are checked against the kernel by the oracle cases
 * nat_masquerade_addr and nat_masquerade_noaddr.
 */
static void
test_masq_addr(void **state)
{
    char err[128];
    struct ctfw_host *h = ctfw_host_new();
    assert_int_equal(ctfw_host_add_iface(h, "eth0=10.0.0.1/24", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_iface(h, "eth1=192.168.5.1/24", err,
                                         sizeof(err)), 0);
    /* secondary of 192.168.5.1/24 */
    assert_int_equal(ctfw_host_add_iface(h, "eth1=192.168.5.9/24", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_iface(h, "eth1=172.16.3.1/24", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_iface(h, "eth2", err, sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_route(h, "198.51.100.0/24=eth1,"
                                         "via=172.16.3.254", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_route(h, "203.0.113.0/24=eth1", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_route(h, "default=eth2", err,
                                         sizeof(err)), 0);
    unsigned eth1 = ctfw_host_ifindex(h, "eth1");
    unsigned eth2 = ctfw_host_ifindex(h, "eth2");
    union ctfw_addr d, out;
    struct { const char *dst; unsigned ifi; const char *want; } c[] = {
        { "192.168.5.77", 0, "192.168.5.1" },  /* subnet of the first */
        { "172.16.3.2", 0, "172.16.3.1" },     /* of the second primary */
        { "198.51.100.7", 0, "172.16.3.1" },   /* gateway 172.16.3.254 */
        { "203.0.113.7", 0, "192.168.5.1" },   /* no subnet: first */
        { "8.8.8.8", 1, "10.0.0.1" },          /* eth2 has none: eth0's */
    };
    for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        d = A(c[i].dst);
        memset(&out, 0, sizeof(out));
        assert_true(ctfw_host_src_addr(h, c[i].ifi ? eth2 : eth1, 4, &d,
                                        &out));
        union ctfw_addr w = A(c[i].want);
        assert_memory_equal(out.b, w.b, 4);
    }
    ctfw_host_free(h);

    /* Only lo's 127.0.0.1 (scope host): no address, the packet drops. */
    h = ctfw_host_new();
    assert_int_equal(ctfw_host_add_iface(h, "eth0", err, sizeof(err)), 0);
    d = A("192.0.2.1");
    assert_false(ctfw_host_src_addr(h, ctfw_host_ifindex(h, "eth0"), 4,
                                     &d, &out));
    /* An address added on lo (`--local`, scope global) is found first. */
    assert_int_equal(ctfw_host_add_local(h, "192.0.2.200", err,
                                         sizeof(err)), 0);
    assert_true(ctfw_host_src_addr(h, ctfw_host_ifindex(h, "eth0"), 4,
                                    &d, &out));
    union ctfw_addr w = A("192.0.2.200");
    assert_memory_equal(out.b, w.b, 4);
    ctfw_host_free(h);
}

/*
 * IPv6: ipv6_dev_get_saddr() as nf_nat_masquerade_ipv6() calls it,
 * reasoned from net/ipv6/addrconf.c (rules 1 same address, 2 scope, 5
 * out-interface, 6 label of the default policy table, 8 longest matching
 * prefix capped at the prefix length; a device's addresses newest first
 * within a scope; a later candidate wins only when strictly better).
 * The kernel agreed on the same shapes in the oracle case
 * nat_masquerade6_addr.
 */
static void
test_masq_addr6(void **state)
{
    (void)state;
    char err[128];
    struct ctfw_host *h = ctfw_host_new();
    const char *ifs[] = {"eth0=2001:db8:1::1/64", "eth1=2001:db8:5::1/64",
                         "eth1=2001:db8:5::9/64", "eth1=2001:db8:6::1/64",
                         "eth1=2002:c000:204::1/48"};
    for (size_t i = 0; i < sizeof(ifs) / sizeof(ifs[0]); i++)
        assert_int_equal(ctfw_host_add_iface(h, ifs[i], err, sizeof(err)),
                         0);
    unsigned eth1 = ctfw_host_ifindex(h, "eth1");
    struct { const char *dst, *want; } c[] = {
        /* 5::1 and 5::9 match 64 bits (capped): the newer, 5::9 */
        { "2001:db8:5::2", "2001:db8:5::9" },
        { "2001:db8:6::2", "2001:db8:6::1" },
        /* eth0's 2001:db8:1::1 matches 48 bits but is not on eth1 */
        { "2001:db8:1::7", "2001:db8:6::1" },
        /* 6to4 (label 2): only 2002:c000:204::1 has that label */
        { "2002:c633:6401::1", "2002:c000:204::1" },
        /* the same address wins over everything */
        { "2001:db8:1::1", "2001:db8:1::1" },
    };
    for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        union ctfw_addr d = A(c[i].dst), out, w = A(c[i].want);
        memset(&out, 0, sizeof(out));
        assert_true(ctfw_host_src_addr(h, eth1, 6, &d, &out));
        assert_memory_equal(out.b, w.b, 16);
    }
    ctfw_host_free(h);
}

static void
test_route_gateway_errors(void **state)
{
    char err[128];
    struct ctfw_host *h = router();
    assert_int_equal(ctfw_host_add_route(h, "10.9.0.0/16=eth0,via=10.0.0.2",
                                         err, sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_route(h, "10.9.0.0/16=eth0,via=10.0.0.0/8",
                                         err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "bad gateway in route '10.9.0.0/16=eth0,"
                        "via=10.0.0.0/8' (want PREFIX=IFACE,via=ADDR)");
    assert_int_equal(ctfw_host_add_route(h, "10.9.0.0/16=eth0,gw=10.0.0.2",
                                         err, sizeof(err)), -EINVAL);
    assert_int_equal(ctfw_host_add_route(h, "10.9.0.0/16=eth0,via=2001:db8::1",
                                         err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "route '10.9.0.0/16=eth0,via=2001:db8::1': "
                        "gateway of another address family");
    assert_int_equal(ctfw_host_add_route(h, "10.9.0.0/16=eth9,via=10.0.0.2",
                                         err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "route '10.9.0.0/16=eth9,via=10.0.0.2': no "
                        "interface 'eth9' (define it with --iface first)");
    ctfw_host_free(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ifindex_order),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_no_route),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_addrtype),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_explicit_index),
        cmocka_unit_test(test_longest_prefix),
        cmocka_unit_test(test_differential),
        cmocka_unit_test(test_masq_addr),
        cmocka_unit_test(test_masq_addr6),
        cmocka_unit_test(test_route_gateway_errors),
    };
    return cmocka_run_group_tests_name("host", tests, NULL, NULL);
}
