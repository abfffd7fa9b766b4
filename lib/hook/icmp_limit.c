// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's ICMP rate limits, which every icmp_send()/icmpv6_send()
 * goes through: REJECT's ICMP answers (nf_send_unreach), the time
 * exceeded of ip_forward() and of an expired reassembly queue. A TCP
 * reset (nf_send_reset) is not an ICMP message and is never limited.
 *
 * Two limiters, as net/ipv4/icmp.c and net/ipv6/icmp.c of 6.x:
 *
 * - icmpv4_mask_allow() / icmp6_mask_allow(): types outside the rate
 *   mask are never limited (IPv4: net.ipv4.icmp_ratemask, default 6168
 *   = destination unreachable, source quench, time exceeded, parameter
 *   problem, but never "fragmentation needed"; IPv6: errors below 128
 *   except packet too big, "0-1,3-127").
 * - icmp_global_allow(): a token bucket shared by the namespace,
 *   net.ipv4.icmp_msgs_per_sec (1000) refilled no oftener than every
 *   HZ/50 jiffies, net.ipv4.icmp_msgs_burst (50) deep; allowed while its
 *   credit is positive. Each message sent consumes a random 0, 1 or 2
 *   credits (icmp_global_consume(), get_random_u32_below(3)): drawn here
 *   from the pipeline's seed, so a replay is reproducible and has the
 *   kernel's distribution, not its exact draws.
 * - inet_peer_xrlim_allow(): per destination address, a bucket of
 *   XRLIM_BURST_FACTOR (6) messages refilled by one every
 *   net.ipv4.icmp_ratelimit (1000 ms); IPv6: net.ipv6.icmp.ratelimit
 *   (100 ms), not shortened for the route's prefix any more (6.18 has
 *   upstream commit 0201eedb69b2, "ipv6: icmp: remove the tmo
 *   adjustment", which also lowered the default from 1000 ms; seen in
 *   the oracle case ipv6_reject_ratelimit). A new peer starts
 *   with its rate_last 60 s back, so its bucket is full. Messages to a
 *   local address (the loopback device) are not limited.
 *
 * Time is the kernel's jiffies at CONFIG_HZ 250 (Debian's kernels,
 * /boot/config-6.18), from the packet clock. Checked against Linux 6.18
 * in the oracle case reject_icmp_ratelimit.
 */
#include <stdlib.h>
#include <string.h>

#include "hook_private.h"

#define KERNEL_HZ 250
#define XRLIM_BURST_FACTOR 6
#define NS_PER_JIFFY (1000000000ull / KERNEL_HZ)

struct icmp_peer {
    union ctfw_addr addr;
    uint8_t family;
    bool used;
    int64_t rate_last;
    int64_t rate_tokens;
};

struct hook_icmp_limit {
    struct icmp_peer *tab;
    size_t cap, n;
    int64_t last;      /* the latest jiffies seen: the clock never goes
                          back (merged captures), as jiffies do not */
    int64_t credit;
    int64_t stamp;
    bool stamped;
    uint64_t rng;
    uint64_t limited_host, limited_global;
};

struct hook_icmp_limit *
hook_icmp_limit_new(uint64_t seed)
{
    struct hook_icmp_limit *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->rng = seed ^ 0x9e3779b97f4a7c15ull;
    if (!l->rng)
        l->rng = 1;
    return l;
}

void
hook_icmp_limit_free(struct hook_icmp_limit *l)
{
    if (!l)
        return;
    free(l->tab);
    free(l);
}

void
hook_icmp_limit_stats(const struct hook_icmp_limit *l, uint64_t *host,
                      uint64_t *global)
{
    *host = l ? l->limited_host : 0;
    *global = l ? l->limited_global : 0;
}

static int64_t
jiffies(uint64_t now_ns)
{
    return (int64_t)(now_ns / NS_PER_JIFFY);
}

/* msecs_to_jiffies(): rounded up. */
static int64_t
ms_to_jiffies(int ms)
{
    if (ms <= 0)
        return 0;
    return ((int64_t)ms * KERNEL_HZ + 999) / 1000;
}

static uint64_t
rnd(struct hook_icmp_limit *l)
{
    uint64_t x = l->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    l->rng = x;
    return x;
}

static uint64_t
peer_hash(int family, const union ctfw_addr *a)
{
    uint64_t h = (uint64_t)family * 0x100000001b3ull;
    for (int i = 0; i < (family == 6 ? 4 : 1); i++)
        h = (h ^ a->w[i]) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

/* Drop the peers whose bucket is full again (idle for 6 x the longest
 * timeout, and that within the 60 s a new peer is given): a new peer
 * for the address would start with the same full bucket, so no answer
 * changes. The kernel's inetpeer garbage collection bounds its tree
 * likewise. */
static void
peer_sweep(struct hook_icmp_limit *l, int64_t now, int64_t idle)
{
    size_t kept = 0;
    struct icmp_peer *t = l->tab;
    for (size_t i = 0; i < l->cap; i++)
        if (t[i].used && now - t[i].rate_last < idle)
            t[kept++] = t[i];
    for (size_t i = kept; i < l->cap; i++)
        t[i].used = false;
    /* Re-insert the survivors at their hash positions. */
    struct icmp_peer *old = malloc(kept * sizeof(*old));
    if (!old)
        return;
    memcpy(old, t, kept * sizeof(*old));
    memset(t, 0, l->cap * sizeof(*t));
    for (size_t i = 0; i < kept; i++) {
        size_t j = peer_hash(old[i].family, &old[i].addr) & (l->cap - 1);
        while (t[j].used)
            j = (j + 1) & (l->cap - 1);
        t[j] = old[i];
    }
    free(old);
    l->n = kept;
}

static struct icmp_peer *
peer_get(struct hook_icmp_limit *l, int family, const union ctfw_addr *a,
         int64_t now, int64_t idle)
{
    if (2 * (l->n + 1) > l->cap && l->cap >= 4096 &&
        idle <= 60 * KERNEL_HZ)
        peer_sweep(l, now, idle);
    if (2 * (l->n + 1) > l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct icmp_peer *t = calloc(cap, sizeof(*t));
        if (!t)
            return NULL;
        for (size_t i = 0; i < l->cap; i++) {
            if (!l->tab[i].used)
                continue;
            size_t j = peer_hash(l->tab[i].family, &l->tab[i].addr) &
                       (cap - 1);
            while (t[j].used)
                j = (j + 1) & (cap - 1);
            t[j] = l->tab[i];
        }
        free(l->tab);
        l->tab = t;
        l->cap = cap;
    }
    size_t words = family == 6 ? 16 : 4;
    size_t j = peer_hash(family, a) & (l->cap - 1);
    while (l->tab[j].used) {
        if (l->tab[j].family == family && !memcmp(&l->tab[j].addr, a, words))
            return &l->tab[j];
        j = (j + 1) & (l->cap - 1);
    }
    struct icmp_peer *p = &l->tab[j];
    memset(p, 0, sizeof(*p));
    memcpy(&p->addr, a, words);
    p->family = (uint8_t)family;
    p->used = true;
    p->rate_last = now - 60 * KERNEL_HZ;
    l->n++;
    return p;
}

/* inet_peer_xrlim_allow(). */
static bool
peer_allow(struct icmp_peer *p, int64_t timeout, int64_t now)
{
    int64_t token = p->rate_tokens + (now - p->rate_last);
    p->rate_last = now;
    if (token > XRLIM_BURST_FACTOR * timeout)
        token = XRLIM_BURST_FACTOR * timeout;
    bool rc = false;
    if (token >= timeout) {
        token -= timeout;
        rc = true;
    }
    p->rate_tokens = token;
    return rc;
}

/* icmp_global_allow(). */
static bool
global_allow(struct hook_icmp_limit *l, const struct ctfw_sysctl *s,
             int64_t now)
{
    if (l->credit > 0)
        return true;
    int64_t delta = l->stamped ? now - l->stamp : KERNEL_HZ;
    if (delta > KERNEL_HZ)
        delta = KERNEL_HZ;
    if (delta < KERNEL_HZ / 50)
        return false;
    int64_t incr =
        (int64_t)ctfw_sysctl_get(s, CTFW_SYSCTL_IPV4_ICMP_MSGS_PER_SEC) *
        delta / KERNEL_HZ;
    if (!incr)
        return false;
    l->stamp = now;
    l->stamped = true;
    int64_t burst = ctfw_sysctl_get(s, CTFW_SYSCTL_IPV4_ICMP_MSGS_BURST);
    l->credit = l->credit + incr < burst ? l->credit + incr : burst;
    return true;
}

/* Does the rate mask limit this message at all? */
static bool
limited_type(const struct ctfw_sysctl *s, int family, uint8_t type,
             uint8_t code)
{
    if (family == 6)
        /* Informational messages and packet too big are not limited;
         * "0-1,3-127" covers every other error. */
        return type < 128 && type != 2;
    if (type > 18)   /* NR_ICMP_TYPES */
        return false;
    if (type == 3 && code == 4)   /* fragmentation needed: PMTU */
        return false;
    uint32_t mask = (uint32_t)ctfw_sysctl_get(s, CTFW_SYSCTL_IPV4_ICMP_RATEMASK);
    return (mask >> type) & 1;
}

bool
hook_icmp_limit_allow(struct hook_icmp_limit *l, const struct ctfw_sysctl *s,
                      const struct ctfw_host *host, const uint8_t *ip,
                      size_t len, uint64_t now_ns, bool exempt)
{
    /* __icmp_send() checks no limit for an offending packet that came
     * in on the loopback device (and so consumes no credit), nor
     * icmp6_send() (nf_send_unreach6() at LOCAL_OUT sets the device to
     * loopback): exempt. */
    if (!l || len < 20 || exempt)
        return true;
    int family = ip[0] >> 4;
    size_t ihl = family == 6 ? 40 : (size_t)(ip[0] & 15) * 4;
    uint8_t proto = family == 6 ? ip[6] : ip[9];
    if ((family != 4 && family != 6) || len < ihl + 2 ||
        proto != (family == 6 ? 58 : 1))
        return true;   /* not an ICMP message: a TCP reset */
    uint8_t type = ip[ihl], code = ip[ihl + 1];
    if (!limited_type(s, family, type, code))
        return true;
    int64_t now = jiffies(now_ns);
    if (now < l->last)
        now = l->last;
    l->last = now;
    if (!global_allow(l, s, now)) {
        l->limited_global++;
        return false;
    }
    union ctfw_addr dst;
    memset(&dst, 0, sizeof(dst));
    memcpy(dst.b, family == 6 ? ip + 24 : ip + 16, family == 6 ? 16 : 4);
    bool ok = true;
    if (!ctfw_host_is_local(host, family, &dst)) {
        int64_t tmo;
        if (family == 6) {
            tmo = ms_to_jiffies(
                ctfw_sysctl_get(s, CTFW_SYSCTL_IPV6_ICMP_RATELIMIT));
        } else {
            tmo = ms_to_jiffies(
                ctfw_sysctl_get(s, CTFW_SYSCTL_IPV4_ICMP_RATELIMIT));
        }
        int64_t idle = 6 * ms_to_jiffies(ctfw_sysctl_get(
                               s, CTFW_SYSCTL_IPV4_ICMP_RATELIMIT));
        int64_t idle6 = 6 * ms_to_jiffies(
                            ctfw_sysctl_get(s, CTFW_SYSCTL_IPV6_ICMP_RATELIMIT));
        struct icmp_peer *p =
            peer_get(l, family, &dst, now, idle > idle6 ? idle : idle6);
        ok = p ? peer_allow(p, tmo, now) : true;
    }
    if (!ok) {
        l->limited_host++;
        return false;
    }
    /* icmp_global_consume(). */
    l->credit -= (int64_t)(rnd(l) % 3);
    return true;
}
