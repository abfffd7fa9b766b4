// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The NAT by-source hash (nf_nat_core.c: nf_nat_bysource, hash_by_src).
 * nf_nat_setup_info() adds every connection that got a SRC binding, keyed
 * by its original source (address, port, protocol, zone), so that
 * find_appropriate_src() can give a new connection from the same source
 * the mapping that source already has. The kernel removes the entry when
 * the connection is destroyed (nf_nat_cleanup_conntrack); here when the
 * slot goes back to the pool.
 *
 * Storage: one 32-bit link per slot in chunk arrays parallel to the
 * entry chunks, and a bucket array, both allocated at the first binding,
 * so a namespace without NAT pays nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ct_private.h"

#define NATSRC_HSIZE 16384u   /* at least this many buckets */

static uint32_t
natsrc_hash(const struct ctfw_ct *ct, uint8_t family, uint8_t proto,
            uint16_t zone, const union ctfw_addr *src, uint16_t sport)
{
    /* hash_by_src() hashes the source address, port, protocol and zone
     * with a random seed; any keyed mix does, only equality matters. */
    uint64_t h = ct->seed ^ 0x9e3779b97f4a7c15ull;
    uint64_t k[3] = {
        (uint64_t)family | (uint64_t)proto << 8 | (uint64_t)zone << 16 |
            (uint64_t)sport << 32,
        (uint64_t)src->w[0] | (uint64_t)(family == 6 ? src->w[1] : 0) << 32,
        family == 6 ? ((uint64_t)src->w[2] | (uint64_t)src->w[3] << 32) : 0,
    };
    for (int i = 0; i < 3; i++) {
        h ^= k[i];
        h *= 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
    }
    return (uint32_t)(h % ct->natsrc_hsize);
}

static uint32_t *
natsrc_link(struct ctfw_ct *ct, uint32_t slot)
{
    return &ct->natsrc_next[slot >> CT_CHUNK_SHIFT]
                           [slot & (CT_CHUNK_SIZE - 1)];
}

int
ctfw_ct_natsrc_add(struct ctfw_ct *ct, struct ctfw_ct_entry *e)
{
    if (e->eflags & CT_E_NATSRC)
        return 0;
    if (!ct->natsrc_heads) {
        /* nf_nat_htable_size is the conntrack table's bucket count. */
        uint32_t n = ct->nbuckets > NATSRC_HSIZE ? ct->nbuckets
                                                 : NATSRC_HSIZE;
        ct->natsrc_heads = malloc((size_t)n * sizeof(uint32_t));
        if (!ct->natsrc_heads)
            return -ENOMEM;
        for (uint32_t i = 0; i < n; i++)
            ct->natsrc_heads[i] = CT_NIL;
        ct->natsrc_hsize = n;
    }
    uint32_t c = e->slot >> CT_CHUNK_SHIFT;
    if (!ct->natsrc_next[c]) {
        ct->natsrc_next[c] = malloc(CT_CHUNK_SIZE * sizeof(uint32_t));
        if (!ct->natsrc_next[c])
            return -ENOMEM;
    }
    struct ct_tuple ot = ct_tuple_of(e, CTFW_CT_DIR_ORIGINAL);
    const struct ct_tuple *o = &ot;
    uint32_t b = natsrc_hash(ct, e->family, e->proto, e->zone, &o->src,
                             o->sport);
    /* hlist_add_head_rcu(): newest first. */
    *natsrc_link(ct, e->slot) = ct->natsrc_heads[b];
    ct->natsrc_heads[b] = e->slot;
    e->eflags |= CT_E_NATSRC;
    return 0;
}

void
ct_natsrc_unlink(struct ctfw_ct *ct, struct ctfw_ct_entry *e)
{
    struct ct_tuple ot = ct_tuple_of(e, CTFW_CT_DIR_ORIGINAL);
    const struct ct_tuple *o = &ot;
    uint32_t b = natsrc_hash(ct, e->family, e->proto, e->zone, &o->src,
                             o->sport);
    uint32_t *pp = &ct->natsrc_heads[b];
    while (*pp != CT_NIL) {
        if (*pp == e->slot) {
            *pp = *natsrc_link(ct, e->slot);
            break;
        }
        pp = natsrc_link(ct, *pp);
    }
    e->eflags &= (uint8_t)~CT_E_NATSRC;
}

const struct ctfw_ct_entry *
ctfw_ct_natsrc_find(struct ctfw_ct *ct, uint8_t family, uint8_t proto,
                    uint16_t zone, const union ctfw_addr *src,
                    uint16_t sport,
                    bool (*fn)(void *arg, const struct ctfw_ct_entry *e),
                    void *arg)
{
    if (!ct->natsrc_heads)
        return NULL;
    uint32_t b = natsrc_hash(ct, family, proto, zone, src, sport);
    size_t alen = family == 6 ? 16 : 4;
    for (uint32_t s = ct->natsrc_heads[b]; s != CT_NIL;
         s = *natsrc_link(ct, s)) {
        const struct ctfw_ct_entry *e = ct_slot(ct, s);
        struct ct_tuple ot = ct_tuple_of(e, CTFW_CT_DIR_ORIGINAL);
    const struct ct_tuple *o = &ot;
        /* same_src(): protocol, source address and port of the
         * original tuple; nf_ct_zone_equal() */
        if (e->family != family || e->proto != proto || e->zone != zone ||
            o->sport != sport || memcmp(o->src.b, src->b, alen) != 0)
            continue;
        if (fn(arg, e))
            return e;
    }
    return NULL;
}

bool
ctfw_ct_tuple_invert(uint8_t family, uint8_t proto,
                     const struct ctfw_ct_tuple *in, struct ctfw_ct_tuple *out)
{
    /* nf_ct_invert_tuple(): addresses swapped, the L4 part by the
     * protocol's invert (ports swapped; ICMP: id kept, type answered). */
    struct ct_tuple i, o;
    memset(&i, 0, sizeof(i));
    memset(&o, 0, sizeof(o));
    size_t alen = family == 6 ? 16 : 4;
    memcpy(i.src.b, in->src.b, alen);
    memcpy(i.dst.b, in->dst.b, alen);
    i.sport = in->sport;
    i.dport = in->dport;
    const struct ct_l4proto *l4 = ct_l4proto_find(family, proto);
    if (!l4->invert(&i, &o))
        return false;
    memset(out, 0, sizeof(*out));
    memcpy(out->src.b, i.dst.b, alen);
    memcpy(out->dst.b, i.src.b, alen);
    out->sport = o.sport;
    out->dport = o.dport;
    return true;
}

/*
 * nf_nat_used_tuple_harder() (6.x), the last NF_NAT_HARDER_THRESH (32)
 * attempts of a port search for a TCP connection in SYN_SENT: the tuple
 * is looked up without counting `found`; a connection holding it in its
 * REPLY direction that is in TIME_WAIT or later, has SRC_NAT, no fixed
 * timeout, and whose sequence space the new connection has passed
 * (nf_seq_has_advanced) is killed and the tuple reused.
 */
bool
ctfw_ct_tuple_taken_harder(struct ctfw_ct *ct, uint8_t family, uint8_t proto,
                           uint16_t zone, const struct ctfw_ct_tuple *tu,
                           struct ctfw_ct_entry *ignored, uint64_t now_ns)
{
    struct ct_tuple t;
    memset(&t, 0, sizeof(t));
    size_t alen = family == 6 ? 16 : 4;
    memcpy(t.src.b, tu->src.b, alen);
    memcpy(t.dst.b, tu->dst.b, alen);
    t.sport = tu->sport;
    t.dport = tu->dport;
    uint32_t node = ct_lookup(ct, family, proto, zone, &t, now_ns);
    if (node == CT_NIL)
        return false;
    struct ctfw_ct_entry *e = ct_slot(ct, node >> 1);
    if ((node & 1) == CTFW_CT_DIR_ORIGINAL || e == ignored)
        return true;
    /* nf_nat_may_kill() */
    if (e->proto != 6 || e->p.tcp.state < CTFW_CT_TCP_TIME_WAIT ||
        (e->status & (CTFW_CT_S_FIXED_TIMEOUT | CTFW_CT_S_DYING)) ||
        !(e->status & CTFW_CT_S_SRC_NAT))
        return true;
    /* nf_seq_has_advanced(): replies to the old connection must be
     * invalid for the new one. */
    if ((int32_t)(ignored->p.tcp.seen[0].td_end - e->p.tcp.seen[0].td_end) <=
        0)
        return true;
    /* nf_ct_kill(): a destroy event, as `conntrack -D` gives; an
     * offloaded entry is not reused even so. */
    bool offload = (e->status &
                    (CTFW_CT_S_OFFLOAD | CTFW_CT_S_HW_OFFLOAD)) != 0;
    ct_kill(ct, e, CTFW_CT_DESTROY_USER, now_ns, false);
    return offload;
}
