// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NAT bindings: tuple allocation as net/netfilter/nf_nat_core.c (Linux
 * 6.x) does it: get_unique_tuple(), find_appropriate_src(),
 * find_best_ips_proto(), nf_nat_l4proto_unique_tuple(),
 * nf_nat_setup_info() and nf_nat_alloc_null_binding().
 *
 * Tuples are struct ctfw_ct_tuple: addresses in network order, ports in
 * host order; ICMP keeps the echo id in sport in both directions (the
 * kernel's src.u.icmp.id) and type << 8 | code in dport.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nat_private.h"

int
ctfw_nat_new(uint64_t seed, struct ctfw_nat **out)
{
    struct ctfw_nat *n = calloc(1, sizeof(*n));
    if (!n)
        return -ENOMEM;
    n->rng = seed ^ 0x243f6a8885a308d3ull;
    *out = n;
    return 0;
}

void
ctfw_nat_free(struct ctfw_nat *nat)
{
    free(nat);
}

void
ctfw_nat_get_stats(const struct ctfw_nat *nat, struct ctfw_nat_stats *out)
{
    *out = nat->st;
}

/* get_random_u16(): splitmix64 on the seeded state, so that a replay
 * chooses the same ports every time. */
static uint16_t
nat_random16(struct ctfw_nat *n)
{
    uint64_t z = (n->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint16_t)((z ^ (z >> 31)) >> 16);
}

bool
ctfw_nat_initialized(const struct ctfw_ct_entry *e, enum ctfw_nat_manip m)
{
    uint32_t bit = m == CTFW_NAT_MANIP_SRC ? CTFW_CT_S_SRC_NAT_DONE
                                           : CTFW_CT_S_DST_NAT_DONE;
    return (ctfw_ct_entry_status(e) & bit) != 0;
}

/* ---- jhash2 (include/linux/jhash.h, Bob Jenkins' lookup3) ------------- */

static inline uint32_t
rol32(uint32_t w, unsigned s)
{
    return (w << s) | (w >> (32 - s));
}

#define JHASH_MIX(a, b, c)                                                  \
    do {                                                                    \
        a -= c; a ^= rol32(c, 4);  c += b;                                  \
        b -= a; b ^= rol32(a, 6);  a += c;                                  \
        c -= b; c ^= rol32(b, 8);  b += a;                                  \
        a -= c; a ^= rol32(c, 16); c += b;                                  \
        b -= a; b ^= rol32(a, 19); a += c;                                  \
        c -= b; c ^= rol32(b, 4);  b += a;                                  \
    } while (0)

#define JHASH_FINAL(a, b, c)                                                \
    do {                                                                    \
        c ^= b; c -= rol32(b, 14);                                          \
        a ^= c; a -= rol32(c, 11);                                          \
        b ^= a; b -= rol32(a, 25);                                          \
        c ^= b; c -= rol32(b, 16);                                          \
        a ^= c; a -= rol32(c, 4);                                           \
        b ^= a; b -= rol32(a, 14);                                          \
        c ^= b; c -= rol32(b, 24);                                          \
    } while (0)

uint32_t
nat_jhash2(const uint32_t *k, uint32_t length, uint32_t initval)
{
    uint32_t a, b, c;
    a = b = c = 0xdeadbeefu + (length << 2) + initval;
    while (length > 3) {
        a += k[0];
        b += k[1];
        c += k[2];
        JHASH_MIX(a, b, c);
        length -= 3;
        k += 3;
    }
    switch (length) {
    case 3:
        c += k[2];
        /* fall through */
    case 2:
        b += k[1];
        /* fall through */
    case 1:
        a += k[0];
        JHASH_FINAL(a, b, c);
        break;
    default:
        break;
    }
    return c;
}

/* ---- Ranges ----------------------------------------------------------- */

static inline size_t
alen(uint8_t family)
{
    return family == 6 ? 16 : 4;
}

static int
addr_cmp(uint8_t family, const union ctfw_addr *a, const union ctfw_addr *b)
{
    return memcmp(a->b, b->b, alen(family));
}

bool
nat_has_ports(uint8_t proto)
{
    return proto == 6 || proto == 17 || proto == 136 || proto == 132 ||
           proto == 33;
}

static inline bool
is_icmp(uint8_t proto)
{
    return proto == 1 || proto == 58;
}

/* nf_nat_inet_in_range(): the SOURCE address lies in the range. */
static bool
inet_in_range(uint8_t family, const struct ctfw_ct_tuple *t,
              const struct ctfw_nat_range *r)
{
    return addr_cmp(family, &t->src, &r->min_addr) >= 0 &&
           addr_cmp(family, &t->src, &r->max_addr) <= 0;
}

/* l4proto_in_range(): the port (ICMP: id) that manip m would change. */
static bool
l4proto_in_range(uint8_t proto, const struct ctfw_ct_tuple *t,
                 enum ctfw_nat_manip m, uint16_t min, uint16_t max)
{
    uint16_t port;
    if (is_icmp(proto))
        port = t->sport;
    else if (nat_has_ports(proto))
        port = m == CTFW_NAT_MANIP_SRC ? t->sport : t->dport;
    else
        return true;
    return port >= min && port <= max;
}

/* nf_in_range() */
static bool
nf_in_range(uint8_t family, uint8_t proto, const struct ctfw_ct_tuple *t,
            const struct ctfw_nat_range *r)
{
    if ((r->flags & CTFW_NAT_RANGE_MAP_IPS) && !inet_in_range(family, t, r))
        return false;
    if (!(r->flags & CTFW_NAT_RANGE_PROTO_SPECIFIED))
        return true;
    return l4proto_in_range(proto, t, CTFW_NAT_MANIP_SRC, r->min_port,
                            r->max_port);
}

/* nf_nat_used_tuple(): conntrack keeps incoming tuples only, so look
 * for the reply this tuple would get. */
static bool
used_tuple(struct nat_ctx *c, const struct ctfw_ct_tuple *t)
{
    struct ctfw_ct_tuple reply;
    if (!ctfw_ct_tuple_invert(c->family, c->proto, t, &reply))
        return false;
    return ctfw_ct_tuple_taken(c->ct, c->family, c->proto, c->zone, &reply,
                               c->e, c->now);
}

/* nf_nat_used_tuple_harder(): in the last NF_NAT_HARDER_THRESH attempts
 * for a TCP connection in SYN_SENT, a TIME_WAIT SNAT entry holding the
 * tuple may be killed to free it (lib/ct does the test and the kill). */
#define NF_NAT_HARDER_THRESH (128 / 4)

static bool
used_tuple_harder(struct nat_ctx *c, const struct ctfw_ct_tuple *t,
                  unsigned attempts_left)
{
    if (attempts_left > NF_NAT_HARDER_THRESH || c->proto != 6 ||
        ctfw_ct_entry_tcp_state(c->e) != CTFW_CT_TCP_SYN_SENT)
        return used_tuple(c, t);
    struct ctfw_ct_tuple reply;
    if (!ctfw_ct_tuple_invert(c->family, c->proto, t, &reply))
        return false;
    return ctfw_ct_tuple_taken_harder(c->ct, c->family, c->proto, c->zone,
                                      &reply, c->e, c->now);
}

/* ---- find_appropriate_src() ------------------------------------------ */

struct src_search {
    struct nat_ctx *c;
    const struct ctfw_ct_tuple *tuple;
    const struct ctfw_nat_range *range;
    struct ctfw_ct_tuple *result;
};

static bool
src_candidate(void *arg, const struct ctfw_ct_entry *o)
{
    struct src_search *s = arg;
    if (o == s->c->e)
        return false;
    /* Copy the source part from the other connection's reply tuple. */
    struct ctfw_ct_tuple reply, res;
    ctfw_ct_entry_tuple(o, CTFW_CT_DIR_REPLY, &reply);
    if (!ctfw_ct_tuple_invert(s->c->family, s->c->proto, &reply, &res))
        return false;
    res.dst = s->tuple->dst;
    res.dport = s->tuple->dport;
    if (!nf_in_range(s->c->family, s->c->proto, &res, s->range))
        return false;
    *s->result = res;
    return true;
}

static bool
find_appropriate_src(struct nat_ctx *c, const struct ctfw_ct_tuple *tuple,
                     struct ctfw_ct_tuple *result,
                     const struct ctfw_nat_range *range)
{
    struct src_search s = {c, tuple, range, result};
    return ctfw_ct_natsrc_find(c->ct, c->family, c->proto, c->zone,
                               &tuple->src, tuple->sport, src_candidate,
                               &s) != NULL;
}

/* ---- find_best_ips_proto() ------------------------------------------- */

static inline uint32_t
reciprocal_scale(uint32_t val, uint32_t ep_ro)
{
    return (uint32_t)(((uint64_t)val * ep_ro) >> 32);
}

static inline uint32_t
be32(uint32_t w)
{
    const uint8_t *p = (const uint8_t *)&w;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t
to_word(uint32_t host)
{
    uint32_t w;
    uint8_t *p = (uint8_t *)&w;
    p[0] = (uint8_t)(host >> 24);
    p[1] = (uint8_t)(host >> 16);
    p[2] = (uint8_t)(host >> 8);
    p[3] = (uint8_t)host;
    return w;
}

void
nat_find_best_ips(uint8_t family, uint16_t zone, struct ctfw_ct_tuple *t,
                  const struct ctfw_nat_range *r, enum ctfw_nat_manip m)
{
    if (!(r->flags & CTFW_NAT_RANGE_MAP_IPS))
        return;
    union ctfw_addr *var = m == CTFW_NAT_MANIP_SRC ? &t->src : &t->dst;
    /* Fast path: only one choice. */
    if (addr_cmp(family, &r->min_addr, &r->max_addr) == 0) {
        memcpy(var->b, r->min_addr.b, alen(family));
        return;
    }
    unsigned max = family == 6 ? 3 : 0;
    /* The kernel hashes the whole 16-byte nf_inet_addr (an IPv4
     * address is followed by zeros) with the last destination word
     * and the zone id as the initial value, unless --persistent. */
    uint32_t k[4] = {t->src.w[0], 0, 0, 0};
    if (family == 6)
        memcpy(k, t->src.w, 16);
    uint32_t j = nat_jhash2(k, 4,
                            (r->flags & CTFW_NAT_RANGE_PERSISTENT)
                                ? 0
                                : t->dst.w[max] ^ zone);
    bool full_range = false;
    for (unsigned i = 0; i <= max; i++) {
        uint32_t minip, dist;
        if (!full_range) {
            minip = be32(r->min_addr.w[i]);
            uint32_t maxip = be32(r->max_addr.w[i]);
            dist = maxip - minip + 1;
        } else {
            minip = 0;
            dist = ~0u;
        }
        var->w[i] = to_word(minip + reciprocal_scale(j, dist));
        if (var->w[i] != r->max_addr.w[i])
            full_range = true;
        if (!(r->flags & CTFW_NAT_RANGE_PERSISTENT))
            j ^= t->dst.w[i];
    }
}

/* ---- nf_nat_l4proto_unique_tuple() ----------------------------------- */

#define NF_NAT_MAX_ATTEMPTS 128

/* Returns true when a free tuple was found; false when the last
 * candidate was left in *t (or the protocol has nothing to change). */
bool
nat_l4proto_unique_tuple(struct nat_ctx *c, struct ctfw_ct_tuple *t,
                         const struct ctfw_nat_range *r,
                         enum ctfw_nat_manip m)
{
    uint16_t *keyptr;
    unsigned min, range_size;
    if (is_icmp(c->proto)) {
        /* The id is the same in either direction. */
        keyptr = &t->sport;
        if (!(r->flags & CTFW_NAT_RANGE_PROTO_SPECIFIED)) {
            min = 0;
            range_size = 65536;
        } else {
            min = r->min_port;
            range_size = (unsigned)r->max_port - r->min_port + 1;
        }
    } else if (nat_has_ports(c->proto)) {
        keyptr = m == CTFW_NAT_MANIP_SRC ? &t->sport : &t->dport;
        if (!(r->flags & CTFW_NAT_RANGE_PROTO_SPECIFIED)) {
            /* A destination rewrite without ports keeps the port. */
            if (m == CTFW_NAT_MANIP_DST)
                return false;
            if (*keyptr < 1024) {
                /* Loose convention: >> 512 is credential passing. */
                if (*keyptr < 512) {
                    min = 1;
                    range_size = 511 - min + 1;
                } else {
                    min = 600;
                    range_size = 1023 - min + 1;
                }
            } else {
                min = 1024;
                range_size = 65535 - 1024 + 1;
            }
        } else {
            unsigned lo = r->min_port, hi = r->max_port;
            if (hi < lo) {
                unsigned x = lo;
                lo = hi;
                hi = x;
            }
            min = lo;
            range_size = hi - lo + 1;
        }
    } else {
        /* GRE keys (PPTP) and other protocols: nothing to choose. */
        return false;
    }

    uint16_t off;
    if (r->flags & CTFW_NAT_RANGE_PROTO_OFFSET)
        off = (uint16_t)(*keyptr - r->base_port);
    else if ((r->flags & CTFW_NAT_RANGE_PROTO_RANDOM_ALL) ||
             m != CTFW_NAT_MANIP_DST)
        off = nat_random16(c->nat);
    else
        off = 0;

    unsigned attempts = range_size;
    if (attempts > NF_NAT_MAX_ATTEMPTS)
        attempts = NF_NAT_MAX_ATTEMPTS;
    /*
     * The kernel does not search the whole range (soft lockup risk): up
     * to 128 ports from a random offset, then ever smaller windows from
     * new offsets while the window is at least 16.
     */
    for (;;) {
        for (unsigned i = 0; i < attempts; i++, off++) {
            *keyptr = (uint16_t)(min + off % range_size);
            if (!used_tuple_harder(c, t, attempts - i))
                return true;
        }
        if (attempts >= range_size || attempts < 16)
            return false;
        attempts /= 2;
        off = nat_random16(c->nat);
    }
}

/* ---- get_unique_tuple() ---------------------------------------------- */

static bool
tuple_equal(uint8_t family, const struct ctfw_ct_tuple *a,
            const struct ctfw_ct_tuple *b)
{
    return addr_cmp(family, &a->src, &b->src) == 0 &&
           addr_cmp(family, &a->dst, &b->dst) == 0 && a->sport == b->sport &&
           a->dport == b->dport;
}

/* Returns false when no unique tuple was found (the result is then the
 * last candidate, or a tuple in range whose use was not checked). */
static bool
get_unique_tuple(struct nat_ctx *c, struct ctfw_ct_tuple *tuple,
                 const struct ctfw_ct_tuple *orig,
                 const struct ctfw_nat_range *r, enum ctfw_nat_manip m)
{
    /* 1) SNAT: keep the original source when it is in range and unique;
     * else reuse the mapping this source already has when it is in range
     * and unique. Not with --random-fully/--random. */
    if (m == CTFW_NAT_MANIP_SRC &&
        !(r->flags & CTFW_NAT_RANGE_PROTO_RANDOM_ALL)) {
        if (nf_in_range(c->family, c->proto, orig, r)) {
            if (!used_tuple(c, orig)) {
                *tuple = *orig;
                return true;
            }
        } else if (find_appropriate_src(c, orig, tuple, r)) {
            if (!used_tuple(c, tuple))
                return true;
        }
    }

    /* 2) The address, by hashing. */
    *tuple = *orig;
    nat_find_best_ips(c->family, c->zone, tuple, r, m);

    /* 3) The per-protocol part, only when not already in range and
     * unique. A single-port range in range is taken as it is. */
    if (!(r->flags & CTFW_NAT_RANGE_PROTO_RANDOM_ALL)) {
        if (r->flags & CTFW_NAT_RANGE_PROTO_SPECIFIED) {
            if (!(r->flags & CTFW_NAT_RANGE_PROTO_OFFSET) &&
                l4proto_in_range(c->proto, tuple, m, r->min_port,
                                 r->max_port) &&
                (r->min_port == r->max_port || !used_tuple(c, tuple)))
                return true;
        } else if (!used_tuple(c, tuple)) {
            return true;
        }
    }

    /* Last chance: get the protocol to stuff it into the range. */
    return nat_l4proto_unique_tuple(c, tuple, r, m);
}

/* ---- nf_nat_setup_info() --------------------------------------------- */

bool
ctfw_nat_setup_info(struct ctfw_nat *nat, struct ctfw_ct *ct,
                    struct ctfw_ct_entry *e, const struct ctfw_nat_range *r,
                    enum ctfw_nat_manip m, uint64_t now_ns)
{
    /* Cannot set up NAT for a confirmed entry. */
    if (ctfw_ct_entry_status(e) & CTFW_CT_S_CONFIRMED)
        return true;
    if (ctfw_nat_initialized(e, m))
        return false;
    struct nat_ctx c = {
        .nat = nat, .ct = ct, .e = e, .now = now_ns,
        .family = ctfw_ct_entry_family(e), .proto = ctfw_ct_entry_proto(e),
        .zone = ctfw_ct_entry_zone(e),
    };
    /* What we have looks like the inverse of the reply (which earlier
     * manipulations may have changed). */
    struct ctfw_ct_tuple reply, curr, neu;
    ctfw_ct_entry_tuple(e, CTFW_CT_DIR_REPLY, &reply);
    if (!ctfw_ct_tuple_invert(c.family, c.proto, &reply, &curr))
        return true;
    if (!get_unique_tuple(&c, &neu, &curr, r, m))
        nat->st.no_unique++;
    if (!tuple_equal(c.family, &neu, &curr)) {
        struct ctfw_ct_tuple nr;
        /* nf_conntrack_alter_reply(): replies come to the new tuple. */
        if (ctfw_ct_tuple_invert(c.family, c.proto, &neu, &nr) &&
            ctfw_ct_entry_set_reply(e, &nr) == 0) {
            ctfw_ct_entry_set_status(e, m == CTFW_NAT_MANIP_SRC
                                            ? CTFW_CT_S_SRC_NAT
                                            : CTFW_CT_S_DST_NAT);
            nat->st.translated++;
        }
    }
    /* nf_nat_bysource: remembered by original source for
     * find_appropriate_src(). */
    if (m == CTFW_NAT_MANIP_SRC)
        (void)ctfw_ct_natsrc_add(ct, e);
    ctfw_ct_entry_set_status(e, m == CTFW_NAT_MANIP_SRC
                                    ? CTFW_CT_S_SRC_NAT_DONE
                                    : CTFW_CT_S_DST_NAT_DONE);
    return true;
}

/*
 * __nf_nat_alloc_null_binding(): force the range to the address the
 * entry has now (from the reply tuple, in case it was already mangled);
 * the protocol decides the per-protocol part (no PROTO_SPECIFIED).
 */
bool
ctfw_nat_null_binding(struct ctfw_nat *nat, struct ctfw_ct *ct,
                      struct ctfw_ct_entry *e, enum ctfw_nat_manip m,
                      uint64_t now_ns)
{
    struct ctfw_ct_tuple reply;
    ctfw_ct_entry_tuple(e, CTFW_CT_DIR_REPLY, &reply);
    struct ctfw_nat_range r;
    memset(&r, 0, sizeof(r));
    r.flags = CTFW_NAT_RANGE_MAP_IPS;
    r.min_addr = m == CTFW_NAT_MANIP_SRC ? reply.dst : reply.src;
    r.max_addr = r.min_addr;
    nat->st.null_bindings++;
    return ctfw_nat_setup_info(nat, ct, e, &r, m, now_ns);
}
