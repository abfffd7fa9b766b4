// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * icmp_send()'s rate limits (lib/hook/icmp_limit.c), with the kernel's
 * arithmetic written beside each expectation: net/ipv4/icmp.c
 * (icmpv4_mask_allow, icmp_global_allow, icmpv4_xrlim_allow),
 * net/ipv4/inetpeer.c (inet_peer_xrlim_allow, XRLIM_BURST_FACTOR 6),
 * net/ipv6/icmp.c (icmpv6_xrlim_allow), at CONFIG_HZ 250 (4 ms a jiffy).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ctfw/host.h"
#include "ctfw/sysctl.h"
#include "lib/hook/hook_private.h"

#define MS 1000000ull

static struct ctfw_sysctl sys;
static struct ctfw_host *host;

static int
setup(void **state)
{
    (void)state;
    ctfw_sysctl_init(&sys);
    host = ctfw_host_new();
    char err[128];
    assert_int_equal(ctfw_host_add_iface(host, "eth0=10.0.0.1/24", err,
                                         sizeof(err)), 0);
    assert_int_equal(ctfw_host_add_iface(host, "eth1=2001:db8::1/64", err,
                                         sizeof(err)), 0);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    ctfw_host_free(host);
    return 0;
}

/* An IPv4 ICMP message (or a TCP segment) to 10.0.0.(last). */
static size_t
msg4(uint8_t *b, uint8_t proto, uint8_t type, uint8_t code, uint8_t last)
{
    memset(b, 0, 28);
    b[0] = 0x45;
    b[9] = proto;
    b[12] = 10, b[15] = 1;
    b[16] = 10, b[19] = last;
    b[20] = type;
    b[21] = code;
    return 28;
}

static size_t
msg6(uint8_t *b, uint8_t type, uint8_t last)
{
    memset(b, 0, 48);
    b[0] = 0x60;
    b[6] = 58;
    b[24] = 0x20, b[25] = 0x01, b[26] = 0x0d, b[27] = 0xb8;
    b[39] = last;
    b[40] = type;
    return 48;
}

static unsigned
count_allowed(struct hook_icmp_limit *l, const uint8_t *b, size_t n,
              unsigned times, uint64_t at)
{
    unsigned ok = 0;
    for (unsigned i = 0; i < times; i++)
        ok += hook_icmp_limit_allow(l, &sys, host, b, n, at, false);
    return ok;
}

/* Per destination: a full bucket of 6 messages (a new peer's rate_last
 * is 60 s back, so its tokens are capped at 6 x 250 jiffies), then one
 * per icmp_ratelimit (1000 ms = 250 jiffies). */
static void
per_destination_burst_then_one_a_second(void **state)
{
    (void)state;
    struct hook_icmp_limit *l = hook_icmp_limit_new(1);
    uint8_t b[64];
    size_t n = msg4(b, 1, 3, 3, 7);   /* port unreachable: in the mask */
    uint64_t t0 = 1000 * MS;
    assert_int_equal(count_allowed(l, b, n, 10, t0), 6);
    /* 996 ms later: 249 jiffies of tokens, short of 250. */
    assert_int_equal(count_allowed(l, b, n, 1, t0 + 996 * MS), 0);
    /* 1000 ms after that one: 249 + 250 >= 250 once. */
    assert_int_equal(count_allowed(l, b, n, 3, t0 + 1996 * MS), 1);
    /* Another destination has its own bucket. */
    n = msg4(b, 1, 3, 3, 8);
    assert_int_equal(count_allowed(l, b, n, 10, t0 + 1996 * MS), 6);
    uint64_t host_lim, global_lim;
    hook_icmp_limit_stats(l, &host_lim, &global_lim);
    assert_int_equal(host_lim, 4 + 1 + 2 + 4);
    assert_int_equal(global_lim, 0);
    hook_icmp_limit_free(l);
}

/* What the limits leave alone: TCP resets (not ICMP), types outside
 * icmp_ratemask 6168 (bits 3, 4, 11, 12: echo reply 0 is free),
 * fragmentation needed (3/4: PMTU discovery), and messages to a local
 * address (the loopback device). */
static void
unlimited_messages(void **state)
{
    (void)state;
    struct hook_icmp_limit *l = hook_icmp_limit_new(1);
    uint8_t b[64];
    size_t n = msg4(b, 6, 0, 0, 7);
    assert_int_equal(count_allowed(l, b, n, 20, MS), 20);
    n = msg4(b, 1, 0, 0, 7);
    assert_int_equal(count_allowed(l, b, n, 20, MS), 20);
    n = msg4(b, 1, 3, 4, 7);
    assert_int_equal(count_allowed(l, b, n, 20, MS), 20);
    n = msg4(b, 1, 3, 3, 1);   /* to 10.0.0.1, the host itself */
    unsigned ok = count_allowed(l, b, n, 20, MS);
    /* No per-peer limit, but the namespace's bucket (50 credits, each
     * message taking 0-2) still counts them: at most 2 x 19 = 38 are
     * taken before the 20th is checked, so all 20 go. */
    assert_int_equal(ok, 20);
    /* With the mask cleared, port unreachable is free too. */
    sys.val[CTFW_SYSCTL_IPV4_ICMP_RATEMASK] = 0;
    n = msg4(b, 1, 3, 3, 9);
    assert_int_equal(count_allowed(l, b, n, 20, MS), 20);
    ctfw_sysctl_init(&sys);
    hook_icmp_limit_free(l);
}

/* The namespace's bucket: burst 50, refilled by msgs_per_sec x delta /
 * HZ (delta capped at one second, no refill under HZ/50 = 5 jiffies),
 * allowed while the credit is positive, each message taking a random
 * 0, 1 or 2 credits. 100 destinations at one instant: at least 25
 * messages go (50 credits at 2 each), and the same seed gives the same
 * count. */
static void
global_bucket(void **state)
{
    (void)state;
    unsigned got[2];
    for (int k = 0; k < 2; k++) {
        struct hook_icmp_limit *l = hook_icmp_limit_new(42);
        uint8_t b[64];
        got[k] = 0;
        for (unsigned d = 0; d < 100; d++) {
            size_t n = msg4(b, 1, 3, 3, (uint8_t)(10 + d));
            got[k] += hook_icmp_limit_allow(l, &sys, host, b, n, 5000 * MS,
                                            false);
        }
        uint64_t hl, gl;
        hook_icmp_limit_stats(l, &hl, &gl);
        assert_int_equal(hl, 0);
        assert_int_equal(gl, 100 - got[k]);
        /* 16 ms later (4 jiffies < 5): no refill yet. */
        size_t n = msg4(b, 1, 3, 3, 200);
        if (got[k] < 100)
            assert_false(hook_icmp_limit_allow(l, &sys, host, b, n,
                                               5016 * MS, false));
        /* 40 ms later (10 jiffies): 1000 x 10 / 250 = 40 credits. */
        assert_true(
            hook_icmp_limit_allow(l, &sys, host, b, n, 5040 * MS, false));
        hook_icmp_limit_free(l);
    }
    assert_true(got[0] >= 25 && got[0] < 100);
    assert_int_equal(got[0], got[1]);
}

/* IPv6: errors below 128 except packet too big are limited, with
 * net.ipv6.icmp.ratelimit 100 ms = 25 jiffies, the same for every route
 * (6.18 no longer shortens it for wider prefixes: upstream 0201eedb69b2;
 * the oracle case ipv6_reject_ratelimit): a burst of 6 to an address on
 * the /64, then one every 100 ms. Echo replies (129) are not limited. */
static void
ipv6_no_prefix_scaling(void **state)
{
    (void)state;
    struct hook_icmp_limit *l = hook_icmp_limit_new(1);
    uint8_t b[64];
    size_t n = msg6(b, 1, 7);   /* destination unreachable */
    uint64_t t0 = 1000 * MS;
    assert_int_equal(count_allowed(l, b, n, 10, t0), 6);
    /* 24 ms: the /64 would have refilled one under the old scaling. */
    assert_int_equal(count_allowed(l, b, n, 1, t0 + 24 * MS), 0);
    assert_int_equal(count_allowed(l, b, n, 1, t0 + 96 * MS), 0);
    assert_int_equal(count_allowed(l, b, n, 1, t0 + 100 * MS), 1);
    n = msg6(b, 2, 7);          /* packet too big */
    assert_int_equal(count_allowed(l, b, n, 10, t0 + 100 * MS), 10);
    n = msg6(b, 129, 7);        /* echo reply */
    assert_int_equal(count_allowed(l, b, n, 10, t0 + 100 * MS), 10);
    hook_icmp_limit_free(l);
}

/* The packet clock may step back (captures merged out of order);
 * jiffies never do: the limiter keeps its latest time, so the bucket
 * is not emptied by a negative interval. Four answers to one address,
 * the last three 10 s "earlier", all go (a full bucket holds 6). */
static void
clock_never_goes_back(void **state)
{
    (void)state;
    struct hook_icmp_limit *l = hook_icmp_limit_new(1);
    uint8_t b[64];
    size_t n = msg4(b, 1, 3, 3, 7);
    assert_int_equal(count_allowed(l, b, n, 1, 100000 * MS), 1);
    assert_int_equal(count_allowed(l, b, n, 1, 90000 * MS), 1);
    assert_int_equal(count_allowed(l, b, n, 2, 90001 * MS), 2);
    hook_icmp_limit_free(l);
}

/* An answer to a packet that came in on lo (or IPv6 at LOCAL_OUT): no
 * limit and no credit taken (__icmp_send() skips icmpv4_global_allow(),
 * so apply_ratelimit stays false and nothing is consumed). After 200 of
 * them, the namespace bucket still lets 6 through to a new address at
 * the same instant. */
static void
loopback_input_exempt(void **state)
{
    (void)state;
    struct hook_icmp_limit *l = hook_icmp_limit_new(1);
    uint8_t b[64];
    size_t n = msg4(b, 1, 3, 3, 7);
    unsigned ok = 0;
    for (int i = 0; i < 200; i++)
        ok += hook_icmp_limit_allow(l, &sys, host, b, n, MS, true);
    assert_int_equal(ok, 200);
    n = msg4(b, 1, 3, 3, 8);
    assert_int_equal(count_allowed(l, b, n, 10, MS), 6);
    hook_icmp_limit_free(l);
}

/* Many destinations over time: each first message goes (a new peer has
 * a full bucket), whether its address was seen long ago or never; the
 * table drops peers whose bucket is full again. */
static void
many_destinations(void **state)
{
    (void)state;
    struct hook_icmp_limit *l = hook_icmp_limit_new(1);
    uint8_t b[64];
    unsigned ok = 0;
    for (unsigned i = 0; i < 200000; i++) {
        size_t n = msg4(b, 1, 3, 3, (uint8_t)i);
        b[17] = (uint8_t)(i >> 8), b[18] = (uint8_t)(i >> 16);
        /* 40 ms apart: one refill of the namespace bucket each time. */
        ok += hook_icmp_limit_allow(l, &sys, host, b, n,
                                    (uint64_t)i * 40 * MS, false);
    }
    assert_int_equal(ok, 200000);
    hook_icmp_limit_free(l);
}

const struct CMUnitTest icmp_limit_tests[] = {
    cmocka_unit_test_setup_teardown(per_destination_burst_then_one_a_second,
                                    setup, teardown),
    cmocka_unit_test_setup_teardown(unlimited_messages, setup, teardown),
    cmocka_unit_test_setup_teardown(global_bucket, setup, teardown),
    cmocka_unit_test_setup_teardown(ipv6_no_prefix_scaling, setup, teardown),
    cmocka_unit_test_setup_teardown(clock_never_goes_back, setup, teardown),
    cmocka_unit_test_setup_teardown(loopback_input_exempt, setup, teardown),
    cmocka_unit_test_setup_teardown(many_destinations, setup, teardown),
};

int
main(void)
{
    return cmocka_run_group_tests(icmp_limit_tests, NULL, NULL);
}
