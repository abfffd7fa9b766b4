// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The conntrack table: entry pool, hash of both tuples, lookup with lazy
 * expiry, destruction, early_drop() and the gc worker
 * (nf_conntrack_core.c in Linux 6.x).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ct_private.h"

/* ---- Hash ------------------------------------------------------------- */

static inline uint64_t
mum(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * Keyed hash of one direction's tuple with zone and protocol, standing in
 * for the kernel's siphash: only "which tuples share a bucket" matters for
 * fidelity (early drop), and the seed makes it reproducible per run.
 */
uint32_t
ct_hash(const struct ctfw_ct *ct, uint8_t family, uint8_t proto,
        uint16_t zone, const struct ct_tuple *t)
{
    uint64_t meta = (uint64_t)family | (uint64_t)proto << 8 |
                    (uint64_t)zone << 16 |
                    (uint64_t)t->sport << 32 | (uint64_t)t->dport << 48;
    uint64_t h = mum(ct->seed ^ 0xa0761d6478bd642full,
                     meta ^ 0xe7037ed1a0b428dbull);
    if (family == 6) {
        for (int i = 0; i < 4; i++)
            h = mum(h ^ t->src.w[i] ^ 0x8ebc6af09c88c6e3ull,
                    (uint64_t)t->dst.w[i] ^ 0x589965cc75374cc3ull ^
                        ((uint64_t)i << 40));
    } else {
        h = mum(h ^ t->src.w[0] ^ 0x8ebc6af09c88c6e3ull,
                (uint64_t)t->dst.w[0] ^ 0x589965cc75374cc3ull);
    }
    return (uint32_t)(h ^ (h >> 32));
}

/* ---- Pool ------------------------------------------------------------- */

/*
 * Large arrays (the pool's slabs, a big bucket array) come from mmap with
 * MADV_HUGEPAGE: a random lookup in a table of a million entries misses
 * the TLB as well as the cache, and on a virtual machine each miss is a
 * nested page walk (bench/RESULTS.md, B2: 183 ns per dependent DRAM load
 * with 4 KiB pages, 160 with 2 MiB ones); inserts take one page fault per
 * 2 MiB instead of one per 4 KiB. The memory is faulted in lazily, so the
 * RSS still grows with the table (in 2 MiB steps).
 */
#define CT_HUGE (2u << 20)

static void *
huge_alloc(size_t len)
{
    /* Over-map by 2 MiB and trim, so that the block starts on a huge
     * page boundary (THP maps only aligned 2 MiB ranges). */
    size_t map = len + CT_HUGE;
    uint8_t *p = mmap(NULL, map, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uintptr_t a = ((uintptr_t)p + CT_HUGE - 1) & ~(uintptr_t)(CT_HUGE - 1);
    size_t head = a - (uintptr_t)p, tail = map - head - len;
    if (head)
        munmap(p, head);
    if (tail)
        munmap((uint8_t *)a + len, tail);
#ifdef MADV_HUGEPAGE
    madvise((void *)a, len, MADV_HUGEPAGE);
#endif
    return (void *)a;
}

/*
 * Pool chunks: the first CT_SLAB_FROM chunks (16,384 slots, 2 MiB) are
 * mapped one by one (4 KiB pages), so a small table costs what it holds;
 * after that chunks are carved from slabs of CT_SLAB_CHUNKS chunks
 * (8 MiB, four huge pages: 16 x 4,096 x 128 bytes).
 */
#define CT_SLAB_FROM 4u
#define CT_SLAB_CHUNKS 16u
#define CT_SLAB_BYTES ((size_t)CT_SLAB_CHUNKS * CT_CHUNK_SIZE * \
                       sizeof(struct ctfw_ct_entry))

static bool
chunk_in_slab(uint32_t c)
{
    return c >= CT_SLAB_FROM;
}

static int
pool_grow(struct ctfw_ct *ct)
{
    if (ct->nchunks == ct->chunks_cap) {
        uint32_t ncap = ct->chunks_cap ? ct->chunks_cap * 2 : 16;
        struct ctfw_ct_entry **c = realloc(ct->chunks, ncap * sizeof(*c));
        if (!c)
            return -ENOMEM;
        ct->chunks = c;
        struct ct_acct **a = realloc(ct->acct, ncap * sizeof(*a));
        if (!a)
            return -ENOMEM;
        ct->acct = a;
        uint64_t **ts = realloc(ct->tstamp, ncap * sizeof(*ts));
        if (!ts)
            return -ENOMEM;
        ct->tstamp = ts;
        struct ct_help **hp = realloc(ct->help, ncap * sizeof(*hp));
        if (!hp)
            return -ENOMEM;
        ct->help = hp;
        uint32_t **ns = realloc(ct->natsrc_next, ncap * sizeof(*ns));
        if (!ns)
            return -ENOMEM;
        ct->natsrc_next = ns;
        if (ct->pol_base && ct_pol_grow(ct, ct->chunks_cap, ncap) < 0)
            return -ENOMEM;
        for (uint32_t i = ct->chunks_cap; i < ncap; i++) {
            ct->acct[i] = NULL;
            ct->tstamp[i] = NULL;
            ct->help[i] = NULL;
            ct->natsrc_next[i] = NULL;
        }
        ct->chunks_cap = ncap;
    }
    uint32_t c = ct->nchunks;
    struct ctfw_ct_entry *chunk;
    if (!chunk_in_slab(c)) {
        /* Page-aligned (an entry is exactly two cache lines) and zero,
         * faulted in as it is used, as calloc's large blocks. */
        chunk = mmap(NULL, CT_CHUNK_SIZE * sizeof(*chunk),
                     PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                     0);
        if (chunk == MAP_FAILED)
            chunk = NULL;
    } else if ((c - CT_SLAB_FROM) % CT_SLAB_CHUNKS == 0) {
        /* mmap'ed memory is zero, as calloc's. */
        chunk = huge_alloc(CT_SLAB_BYTES);
    } else {
        chunk = ct->chunks[c - 1] + CT_CHUNK_SIZE;
    }
    if (!chunk)
        return -ENOMEM;
    ct->chunks[ct->nchunks++] = chunk;
    return 0;
}

static void
pool_free_chunks(struct ctfw_ct *ct)
{
    for (uint32_t i = 0; i < ct->nchunks; i++) {
        if (!chunk_in_slab(i))
            munmap(ct->chunks[i],
                   CT_CHUNK_SIZE * sizeof(struct ctfw_ct_entry));
        else if ((i - CT_SLAB_FROM) % CT_SLAB_CHUNKS == 0)
            munmap(ct->chunks[i], CT_SLAB_BYTES);
    }
}

/*
 * Free slots: single ones (free_head) and even/odd pairs (free_pairs),
 * each list linked through next[0] of its first slot. An IPv6 entry
 * takes a pair (slot, slot + 1: the same chunk, as chunks hold an even
 * number of slots); an IPv4 entry a single slot, else half of a pair.
 */
static uint32_t
pool_bump(struct ctfw_ct *ct, uint32_t n)
{
    if (ct->bump + n > ct->max_slots)
        return CT_NIL;
    while (ct->bump + n > ct->nchunks * CT_CHUNK_SIZE)
        if (pool_grow(ct) < 0)
            return CT_NIL;
    uint32_t slot = ct->bump;
    ct->bump += n;
    return slot;
}

uint32_t
ct_pool_get(struct ctfw_ct *ct, bool v6)
{
    uint32_t slot;
    if (!v6 && ct->free_head != CT_NIL) {
        slot = ct->free_head;
        ct->free_head = ct_slot(ct, slot)->next[0];
    } else if (ct->free_pairs != CT_NIL) {
        slot = ct->free_pairs;
        ct->free_pairs = ct_slot(ct, slot)->next[0];
        if (!v6) {
            /* The odd half becomes a single free slot (its first bytes
             * are zero: not in use). */
            ct_slot(ct, slot + 1)->next[0] = ct->free_head;
            ct->free_head = slot + 1;
        }
    } else if (!v6) {
        slot = pool_bump(ct, 1);
    } else {
        if ((ct->bump & 1) && ct->bump < ct->max_slots) {
            /* Pairs start on even slots: the odd one goes free. */
            uint32_t odd = pool_bump(ct, 1);
            if (odd == CT_NIL)
                return CT_NIL;
            ct_slot(ct, odd)->next[0] = ct->free_head;
            ct->free_head = odd;
        }
        slot = pool_bump(ct, 2);
    }
    if (slot == CT_NIL)
        return CT_NIL;
    struct ctfw_ct_entry *e = ct_slot(ct, slot);
    memset(e, 0, sizeof(*e));
    if (v6)
        memset(ct_v6_of(e), 0, sizeof(struct ct_v6addrs));
    e->slot = slot;
    e->eflags = CT_E_USED;
    return slot;
}

/* Attach the extensions enabled now (acct, timestamp) to a new entry. */
void
ct_pool_attach_ext(struct ctfw_ct *ct, struct ctfw_ct_entry *e)
{
    uint32_t c = e->slot >> CT_CHUNK_SHIFT, i = e->slot & (CT_CHUNK_SIZE - 1);
    if (ct->cfg.acct) {
        if (!ct->acct[c])
            ct->acct[c] = calloc(CT_CHUNK_SIZE, sizeof(struct ct_acct));
        if (ct->acct[c]) {
            memset(&ct->acct[c][i], 0, sizeof(struct ct_acct));
            e->eflags |= CT_E_ACCT;
        }
    }
    if (ct->cfg.timestamp) {
        if (!ct->tstamp[c])
            ct->tstamp[c] = calloc(CT_CHUNK_SIZE, sizeof(uint64_t));
        if (ct->tstamp[c]) {
            ct->tstamp[c][i] = 0;
            e->eflags |= CT_E_TSTAMP;
        }
    }
}

static void
pool_put(struct ctfw_ct *ct, uint32_t slot)
{
    struct ctfw_ct_entry *e = ct_slot(ct, slot);
    if (e->eflags & CT_E_HELP)
        ct_help_release(ct, e);
    if (e->eflags & CT_E_NATSRC)
        ct_natsrc_unlink(ct, e);
    e->eflags = 0;
    e->status = 0;
    e->helper = 0;
    if (e->family == 6) {
        /* The address slot's first bytes are still zero. */
        e->next[0] = ct->free_pairs;
        ct->free_pairs = slot;
    } else {
        e->next[0] = ct->free_head;
        ct->free_head = slot;
    }
}

/* ---- Chains ----------------------------------------------------------- */

static inline uint32_t *
node_next(const struct ctfw_ct *ct, uint32_t node)
{
    return &ct_slot(ct, node >> 1)->next[node & 1];
}

static inline uint32_t
bucket_of(const struct ctfw_ct *ct, uint32_t hash)
{
    return ct_bucket_of_hash(ct, hash);
}

void
ct_prefetch_head(const struct ctfw_ct *ct, uint32_t b)
{
    __builtin_prefetch(&ct->heads[b]);
}

void
ct_prefetch_chain(const struct ctfw_ct *ct, uint32_t b)
{
    uint32_t node = ct->heads[b];
    if (node != CT_NIL) {
        /* Both lines: the lookup reads the first (links, key), the
         * tracker the second (state). */
        const char *e = (const char *)ct_slot(ct, node >> 1);
        __builtin_prefetch(e);
        __builtin_prefetch(e + 64);
    }
}

static inline bool key_equal(const struct ctfw_ct_entry *e, int dir,
                             uint8_t family, uint8_t proto, uint16_t zone,
                             const struct ct_tuple *t,
                             const struct ct_etuple *tf);
static inline void key_fold(uint8_t family, const struct ct_tuple *t,
                            struct ct_etuple *tf);

void
ct_prefetch_second(const struct ctfw_ct *ct, uint32_t b, uint8_t family,
                   uint8_t proto, uint16_t zone, const struct ct_tuple *t)
{
    uint32_t node = ct->heads[b];
    if (node == CT_NIL)
        return;
    const struct ctfw_ct_entry *e = ct_slot(ct, node >> 1);
    struct ct_etuple tf;
    key_fold(family, t, &tf);
    if (key_equal(e, node & 1, family, proto, zone, t, &tf))
        return;
    node = e->next[node & 1];
    if (node != CT_NIL) {
        const char *n = (const char *)ct_slot(ct, node >> 1);
        __builtin_prefetch(n);
        __builtin_prefetch(n + 64);
    }
}

uint32_t
ct_bucket(const struct ctfw_ct *ct, const struct ctfw_ct_entry *e, int dir)
{
    struct ct_tuple t = ct_tuple_of(e, dir);
    return bucket_of(ct, ct_hash(ct, e->family, e->proto, e->zone, &t));
}

static void
unlink_node(struct ctfw_ct *ct, uint32_t node, uint32_t b)
{
    uint32_t *pp = &ct->heads[b];
    while (*pp != CT_NIL) {
        if (*pp == node) {
            *pp = *node_next(ct, node);
            return;
        }
        pp = node_next(ct, *pp);
    }
}

static void
ct_unlink(struct ctfw_ct *ct, struct ctfw_ct_entry *e)
{
    for (int d = 0; d < 2; d++)
        unlink_node(ct, e->slot * 2 + (uint32_t)d, ct_bucket(ct, e, d));
}

/* ---- Destruction ------------------------------------------------------ */

void
ct_emit(struct ctfw_ct *ct, const struct ctfw_ct_entry *e, uint8_t type,
        uint8_t reason, uint32_t mask, uint64_t now)
{
    if (!ct->on_event || ct->cfg.events == 0)
        return;
    struct ctfw_ct_event ev = {
        .type = type, .reason = reason, .mask = mask, .now_ns = now,
        .entry = e,
    };
    ct->on_event(ct->event_opaque, &ev);
}

void
ct_release_zombie(struct ctfw_ct *ct)
{
    if (ct->zombie != CT_NIL) {
        pool_put(ct, ct->zombie);
        ct->zombie = CT_NIL;
    }
}

/*
 * Remove a confirmed entry from the table (nf_ct_delete): DESTROY event,
 * count decremented. When referenced (the current packet holds it) the
 * slot survives as a DYING zombie until the next entry point.
 */
void
ct_kill(struct ctfw_ct *ct, struct ctfw_ct_entry *e, uint8_t reason,
        uint64_t now, bool referenced)
{
    if (e->status & CTFW_CT_S_DYING)
        return;
    if (ct_is_confirmed(e))
        ct->by_class[ctfw_ct_entry_class(e)]--;
    if (ct->pol)
        ct_pol_killed(ct, e);
    ct_unlink(ct, e);
    e->status |= CTFW_CT_S_DYING;
    /* clean_from_lists(): pending expectations die with their master. */
    if (e->eflags & CT_E_HELP)
        ct_expect_remove_master(ct, e);
    ct_emit(ct, e, CTFW_CT_EVENT_DESTROY, reason, CTFW_CT_EV_DESTROY, now);
    ct->count--;
    if (referenced) {
        ct_release_zombie(ct);
        ct->zombie = e->slot;
    } else {
        pool_put(ct, e->slot);
    }
}

/* An unconfirmed entry dies with its packet: no event, no stat. */
void
ct_free_unconfirmed(struct ctfw_ct *ct, struct ctfw_ct_entry *e)
{
    ct->count--;
    pool_put(ct, e->slot);
}

/*
 * The node after `node` once the entry owning `node` has been unlinked:
 * if the next node is the same entry's other direction it went too.
 */
static inline uint32_t
next_surviving(const struct ctfw_ct *ct, uint32_t node, uint32_t next)
{
    if (next != CT_NIL && (next >> 1) == (node >> 1))
        return *node_next(ct, next);
    return next;
}

/* ---- Lookup ----------------------------------------------------------- */

/* The key of node (e, dir) is (family, proto, zone, t); tf holds t's
 * addresses as the entry keeps them (struct ct_etuple). */
static inline bool
key_equal(const struct ctfw_ct_entry *e, int dir, uint8_t family,
          uint8_t proto, uint16_t zone, const struct ct_tuple *t,
          const struct ct_etuple *tf)
{
    const struct ct_etuple *a = &e->tk[dir];
    /* Everything on the entry's first cache line first; for IPv6 the
     * folds must agree before the address slot is read. */
    if (a->sport != tf->sport || a->dport != tf->dport ||
        a->src != tf->src || a->dst != tf->dst ||
        e->proto != proto || e->family != family || e->zone != zone)
        return false;
    if (family != 6)
        return true;
    const struct ct_v6addrs *v = ct_v6_of(e);
    return memcmp(&v->a[dir][0], &t->src, 16) == 0 &&
           memcmp(&v->a[dir][1], &t->dst, 16) == 0;
}

static inline void
key_fold(uint8_t family, const struct ct_tuple *t, struct ct_etuple *tf)
{
    tf->src = family == 6 ? ct_addr_fold(&t->src) : t->src.w[0];
    tf->dst = family == 6 ? ct_addr_fold(&t->dst) : t->dst.w[0];
    tf->sport = t->sport;
    tf->dport = t->dport;
}

uint32_t
ct_lookup(struct ctfw_ct *ct, uint8_t family, uint8_t proto, uint16_t zone,
          const struct ct_tuple *t, uint64_t now)
{
    return ct_lookup_hash(ct, ct_hash(ct, family, proto, zone, t), family,
                          proto, zone, t, now);
}

uint32_t
ct_lookup_hash(struct ctfw_ct *ct, uint32_t hash, uint8_t family,
               uint8_t proto, uint16_t zone, const struct ct_tuple *t,
               uint64_t now)
{
    uint32_t b = bucket_of(ct, hash);
    uint32_t node = ct->heads[b];
    struct ct_etuple tf;
    key_fold(family, t, &tf);
    while (node != CT_NIL) {
        struct ctfw_ct_entry *e = ct_slot(ct, node >> 1);
        uint32_t next = e->next[node & 1];
        if (ct_is_expired(ct, e, now)) {
            /* Expired entries met on the walk are reaped. */
            next = next_surviving(ct, node, next);
            ct_kill(ct, e, CTFW_CT_DESTROY_TIMEOUT, now, false);
            node = next;
            continue;
        }
        if (key_equal(e, node & 1, family, proto, zone, t, &tf))
            return node;
        node = next;
    }
    return CT_NIL;
}

/*
 * Insertion walk of __nf_conntrack_confirm(): both chains are searched for
 * an equal tuple (clash) and may hold at most 50 + random(0..29) nodes.
 * Returns 0 when linked, -EEXIST with *clash set, or -E2BIG.
 */
int
ct_insert(struct ctfw_ct *ct, struct ctfw_ct_entry *e, uint32_t *clash)
{
    /* splitmix64 step: the kernel's get_random_u32_below(30). */
    uint64_t z = (ct->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    uint32_t max_chainlen = 50 + (uint32_t)(z % 30);

    /* Both buckets hashed once, for the walks and for the link. */
    uint32_t b[2] = {ct_bucket(ct, e, 0), ct_bucket(ct, e, 1)};
    __builtin_prefetch(&ct->heads[b[1]]);
    for (int d = 0; d < 2; d++) {
        uint32_t chainlen = 0;
        uint32_t node = ct->heads[b[d]];
        struct ct_tuple t = ct_tuple_of(e, d);
        while (node != CT_NIL) {
            const struct ctfw_ct_entry *o = ct_slot(ct, node >> 1);
            if (key_equal(o, node & 1, e->family, e->proto, e->zone, &t,
                          &e->tk[d])) {
                *clash = node >> 1;
                return -EEXIST;
            }
            if (chainlen++ > max_chainlen)
                return -E2BIG;
            node = o->next[node & 1];
        }
    }
    for (int d = 0; d < 2; d++) {
        e->next[d] = ct->heads[b[d]];   /* head insertion, as hlist_nulls */
        ct->heads[b[d]] = e->slot * 2 + (uint32_t)d;
    }
    return 0;
}

/* ---- early_drop ------------------------------------------------------- */

static unsigned
early_drop_list(struct ctfw_ct *ct, uint32_t b, uint64_t now)
{
    unsigned drops = 0;
    uint32_t node = ct->heads[b];
    while (node != CT_NIL) {
        struct ctfw_ct_entry *e = ct_slot(ct, node >> 1);
        uint32_t next = e->next[node & 1];
        if (ct_is_expired(ct, e, now)) {
            next = next_surviving(ct, node, next);
            ct_kill(ct, e, CTFW_CT_DESTROY_TIMEOUT, now, false);
            node = next;
            continue;
        }
        if (e->status & (CTFW_CT_S_ASSURED | CTFW_CT_S_DYING)) {
            node = next;
            continue;
        }
        /* Every eligible entry of the chain dies, not just one. */
        next = next_surviving(ct, node, next);
        ct_kill(ct, e, CTFW_CT_DESTROY_EARLY_DROP, now, false);
        drops++;
        node = next;
    }
    return drops;
}

/* early_drop(): up to NF_CT_EVICTION_RANGE (8) buckets from the new
 * tuple's; the first bucket with a non-assured entry loses all of them. */
bool
ct_early_drop(struct ctfw_ct *ct, uint32_t hash, uint64_t now)
{
    uint32_t b = bucket_of(ct, hash);
    for (int i = 0; i < 8; i++) {
        if (i)
            b = (b + 1) % ct->nbuckets;
        unsigned drops = early_drop_list(ct, b, now);
        if (drops) {
            ct->st.early_drop += drops;
            return true;
        }
    }
    return false;
}

/* ---- gc worker -------------------------------------------------------- */

#define GC_INTERVAL_MIN (1 * CT_NS_PER_SEC)
#define GC_INTERVAL_MAX (60 * CT_NS_PER_SEC)
#define GC_INTERVAL_CLAMP (300 * CT_NS_PER_SEC)
#define GC_INITIAL_COUNT 100

static int64_t
clamp64(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static bool
gc_can_early_drop(const struct ctfw_ct_entry *e)
{
    if (!(e->status & CTFW_CT_S_ASSURED))
        return true;
    const struct ct_l4proto *l4 = ct_l4proto_find(e->family, e->proto);
    return l4->can_early_drop && l4->can_early_drop(e);
}

/*
 * One invocation of gc_worker() at clock t. The kernel's 10 ms scan
 * budget is not modelled (a pass is instantaneous); the budget of
 * 64000/HZ reaped or evicted entries per invocation is.
 */
static void
gc_run(struct ctfw_ct *ct, uint64_t t)
{
    struct ct_gc *gc = &ct->gc;
    uint64_t jiffy = CT_NS_PER_SEC / (ct->cfg.hz ? ct->cfg.hz : 250);
    uint32_t budget = 64000u / (ct->cfg.hz ? ct->cfg.hz : 250);
    uint32_t max95 = gc->early_drop ? ct->cfg.max / 100u * 95u : 0;
    uint32_t expired_count = 0;
    uint32_t i = gc->next_bucket;
    uint64_t delay;

    if (i == 0) {
        gc->avg_timeout = (int64_t)GC_INTERVAL_MAX;
        gc->count = GC_INITIAL_COUNT;
        gc->start_time = t;
    }
    int64_t next_run = gc->avg_timeout;
    int64_t count = gc->count;

    for (; i < ct->nbuckets; i++) {
        uint32_t node = ct->heads[i];
        while (node != CT_NIL) {
            struct ctfw_ct_entry *e = ct_slot(ct, node >> 1);
            uint32_t next = e->next[node & 1];
            if (expired_count > budget) {
                gc->next_bucket = i;
                gc->avg_timeout = next_run;
                gc->count = count;
                delay = (t - gc->start_time) < GC_INTERVAL_MAX ? jiffy : 0;
                goto early_exit;
            }
            if (ct_is_expired(ct, e, t)) {
                next = next_surviving(ct, node, next);
                ct_kill(ct, e, CTFW_CT_DESTROY_TIMEOUT, t, false);
                expired_count++;
                node = next;
                continue;
            }
            int64_t expires = clamp64((int64_t)(e->timeout - t),
                                      (int64_t)GC_INTERVAL_MIN,
                                      (int64_t)GC_INTERVAL_CLAMP);
            expires = (expires - next_run) / ++count;
            next_run += expires;

            if (max95 && ct->count >= max95 &&
                !(e->status & CTFW_CT_S_DYING) && gc_can_early_drop(e)) {
                next = next_surviving(ct, node, next);
                ct_kill(ct, e, CTFW_CT_DESTROY_GC_EVICT, t, false);
                expired_count++;
            }
            node = next;
        }
    }
    gc->next_bucket = 0;
    next_run = clamp64(next_run, (int64_t)GC_INTERVAL_MIN,
                       (int64_t)GC_INTERVAL_MAX);
    {
        uint64_t delta = t - gc->start_time;
        if (delta < jiffy)
            delta = jiffy;
        delay = (uint64_t)next_run > delta ? (uint64_t)next_run - delta
                                           : jiffy;
    }
early_exit:
    if (delay)
        gc->early_drop = false;
    gc->next_run = t + delay;
}

void
ctfw_ct_advance(struct ctfw_ct *ct, uint64_t now_ns)
{
    ct_release_zombie(ct);
    /* Expectation timers fire at their deadline. */
    if (ct->exp_count && ct->exp_next <= now_ns)
        ct_expect_expire(ct, now_ns);
    if (ct->count == 0 && ct->gc.next_run <= now_ns &&
        ct->gc.next_bucket == 0) {
        /* An empty table: every invocation until now would scan nothing
         * and requeue after 60 s minus one jiffy; skip them at once
         * (replays may start far from the context's start_ns). */
        uint64_t jiffy = CT_NS_PER_SEC / (ct->cfg.hz ? ct->cfg.hz : 250);
        uint64_t period = GC_INTERVAL_MAX - jiffy;
        uint64_t k = (now_ns - ct->gc.next_run) / period + 1;
        ct->gc.next_run += k * period;
        ct->gc.early_drop = false;
    }
    while (ct->gc.next_run <= now_ns)
        gc_run(ct, ct->gc.next_run);
    if (ct->pol)
        ct_pol_advance(ct, now_ns);
}

/* ---- Context ---------------------------------------------------------- */

static uint32_t
pool_cap_for(uint32_t max)
{
    /* count may reach max + 1 for an instant, plus one zombie; an IPv6
     * entry takes two slots, and a pair may leave an odd slot free. */
    if (max == 0 || max > (1u << 29))
        return 1u << 30;
    return 2 * (max + 2) + 1;
}

/* Bucket arrays of 2 MiB or more (512k buckets) are huge-page backed;
 * every bucket is written here, so all of it is resident at once, as a
 * malloc'ed array would be. */
static int
alloc_heads(uint32_t n, uint32_t **out)
{
    size_t len = (size_t)n * sizeof(uint32_t);
    uint32_t *h = len >= CT_HUGE ? huge_alloc(len) : malloc(len);
    if (!h)
        return -ENOMEM;
    memset(h, 0xff, len);
    *out = h;
    return 0;
}

static void
free_heads(uint32_t *h, uint32_t n)
{
    size_t len = (size_t)n * sizeof(uint32_t);
    if (len >= CT_HUGE)
        munmap(h, len);
    else
        free(h);
}

int
ctfw_ct_new(const struct ctfw_ct_params *params, struct ctfw_ct **out)
{
    struct ctfw_ct *ct = calloc(1, sizeof(*ct));
    if (!ct)
        return -ENOMEM;
    if (params && params->config)
        ct->cfg = *params->config;
    else
        ctfw_ct_config_default(&ct->cfg, 0);
    if (ct->cfg.buckets == 0)
        ct->cfg.buckets = 1;
    if (params) {
        ct->seed = params->seed;
        ct->netns_inum = params->netns_inum;
        ct->on_event = params->on_event;
        ct->event_opaque = params->event_opaque;
        ct->on_log = params->on_log;
        ct->log_opaque = params->log_opaque;
        /* The gc work is first queued one second after init. */
        ct->gc.next_run = params->start_ns + CT_NS_PER_SEC;
    } else {
        ct->gc.next_run = CT_NS_PER_SEC;
    }
    ct->rng = ct->seed ^ 0x6a09e667f3bcc909ull;
    ct->nbuckets = ct->cfg.buckets;
    ct->free_head = CT_NIL;
    ct->free_pairs = CT_NIL;
    ct->zombie = CT_NIL;
    ct->max_slots = pool_cap_for(ct->cfg.max);
    if (alloc_heads(ct->nbuckets, &ct->heads) < 0) {
        free(ct);
        return -ENOMEM;
    }
    if (ct_expect_init(ct) < 0) {
        free_heads(ct->heads, ct->nbuckets);
        free(ct);
        return -ENOMEM;
    }
    *out = ct;
    return 0;
}

void
ctfw_ct_free(struct ctfw_ct *ct)
{
    if (!ct)
        return;
    pool_free_chunks(ct);
    for (uint32_t i = 0; i < ct->nchunks; i++) {
        free(ct->acct[i]);
        free(ct->tstamp[i]);
        free(ct->help[i]);
        free(ct->natsrc_next[i]);
    }
    ct_expect_fini(ct);
    ct_pol_fini(ct);
    free(ct->natsrc_next);
    free(ct->natsrc_heads);
    free(ct->help);
    free(ct->chunks);
    free(ct->acct);
    free(ct->tstamp);
    free_heads(ct->heads, ct->nbuckets);
    free(ct);
}

int
ctfw_ct_set_config(struct ctfw_ct *ct, const struct ctfw_ct_config *c)
{
    uint32_t nb = c->buckets ? c->buckets : 1;
    if (nb != ct->nbuckets) {
        /* Resize: rehash every node into the new table (the kernel's
         * nf_conntrack_hash_resize); max is not changed by it. */
        uint32_t *nh;
        if (alloc_heads(nb, &nh) < 0)
            return -ENOMEM;
        uint32_t *old = ct->heads;
        uint32_t on = ct->nbuckets;
        ct->heads = nh;
        ct->nbuckets = nb;
        for (uint32_t b = 0; b < on; b++) {
            uint32_t node = old[b];
            while (node != CT_NIL) {
                uint32_t next = *node_next(ct, node);
                struct ctfw_ct_entry *e = ct_slot(ct, node >> 1);
                uint32_t nbk = ct_bucket(ct, e, (int)(node & 1));
                *node_next(ct, node) = nh[nbk];
                nh[nbk] = node;
                node = next;
            }
        }
        free_heads(old, on);
        if (ct->gc.next_bucket >= nb)
            ct->gc.next_bucket = 0;
    }
    ct->cfg = *c;
    ct->cfg.buckets = nb;
    uint32_t cap = pool_cap_for(c->max);
    ct->max_slots = cap > ct->bump ? cap : ct->bump;
    return 0;
}

const struct ctfw_ct_config *
ctfw_ct_get_config(const struct ctfw_ct *ct)
{
    return &ct->cfg;
}

/* ---- Listing, deletion ------------------------------------------------ */

void
ct_reap_expired(struct ctfw_ct *ct, uint64_t now)
{
    for (uint32_t s = 0; s < ct->bump; s++) {
        struct ctfw_ct_entry *e = ct_slot(ct, s);
        if ((e->eflags & CT_E_USED) && ct_is_expired(ct, e, now) &&
            !(e->status & CTFW_CT_S_DYING))
            ct_kill(ct, e, CTFW_CT_DESTROY_TIMEOUT, now, false);
    }
}

static int
cmp_addr(const union ctfw_addr *a, const union ctfw_addr *b)
{
    return memcmp(a->b, b->b, 16);
}

/* Listing order: family, protocol, orig src, dst, sport, dport, zone. */
static int
cmp_entries(const void *pa, const void *pb)
{
    const struct ctfw_ct_entry *a = *(const struct ctfw_ct_entry *const *)pa;
    const struct ctfw_ct_entry *b = *(const struct ctfw_ct_entry *const *)pb;
    int r;
    if (a->family != b->family)
        return a->family - b->family;
    if (a->proto != b->proto)
        return a->proto - b->proto;
    struct ct_tuple ta = ct_tuple_of(a, 0), tb = ct_tuple_of(b, 0);
    if ((r = cmp_addr(&ta.src, &tb.src)))
        return r;
    if ((r = cmp_addr(&ta.dst, &tb.dst)))
        return r;
    if (ta.sport != tb.sport)
        return ta.sport - tb.sport;
    if (ta.dport != tb.dport)
        return ta.dport - tb.dport;
    return a->zone - b->zone;
}

size_t
ctfw_ct_list(struct ctfw_ct *ct, uint64_t now_ns,
             const struct ctfw_ct_entry **out, size_t cap)
{
    ct_release_zombie(ct);
    ct_reap_expired(ct, now_ns);
    size_t n = 0;
    for (uint32_t s = 0; s < ct->bump; s++) {
        const struct ctfw_ct_entry *e = ct_slot(ct, s);
        if (!(e->eflags & CT_E_USED) || !ct_is_confirmed(e) ||
            (e->status & CTFW_CT_S_DYING))
            continue;
        if (n < cap)
            out[n] = e;
        n++;
    }
    if (out && cap)
        qsort(out, n < cap ? n : cap, sizeof(*out), cmp_entries);
    return n;
}

void
ctfw_ct_walk(const struct ctfw_ct *ct,
             void (*fn)(void *arg, const struct ctfw_ct_entry *e), void *arg)
{
    for (uint32_t s = 0; s < ct->bump; s++) {
        const struct ctfw_ct_entry *e = ct_slot(ct, s);
        if ((e->eflags & CT_E_USED) && ct_is_confirmed(e) &&
            !(e->status & CTFW_CT_S_DYING))
            fn(arg, e);
    }
}

void
ctfw_ct_flush(struct ctfw_ct *ct, uint64_t now_ns)
{
    ct_release_zombie(ct);
    for (uint32_t s = 0; s < ct->bump; s++) {
        struct ctfw_ct_entry *e = ct_slot(ct, s);
        if ((e->eflags & CT_E_USED) && ct_is_confirmed(e) &&
            !(e->status & CTFW_CT_S_DYING))
            ct_kill(ct, e, CTFW_CT_DESTROY_FLUSH, now_ns, false);
    }
}

void
ctfw_ct_delete(struct ctfw_ct *ct, const struct ctfw_ct_entry *ce,
               uint64_t now_ns)
{
    struct ctfw_ct_entry *e = ct_slot(ct, ce->slot);
    if ((e->eflags & CT_E_USED) && ct_is_confirmed(e))
        ct_kill(ct, e, CTFW_CT_DESTROY_USER, now_ns, false);
}

void
ctfw_ct_get_stats(const struct ctfw_ct *ct, struct ctfw_ct_stats *out)
{
    *out = ct->st;
}

uint32_t
ctfw_ct_count(const struct ctfw_ct *ct)
{
    return ct->count;
}

uint64_t
ctfw_ct_reason_count(const struct ctfw_ct *ct, enum ctfw_ct_reason r)
{
    return (unsigned)r < CTFW_CT_R_COUNT ? ct->reasons[r] : 0;
}
