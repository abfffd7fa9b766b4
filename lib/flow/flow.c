// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Capture-side connections for what-if runs: the rules are in
 * include/ctfw/flow.h. An open-addressing index (linear probing,
 * backward-shift deletion) over a slot array with a free list, and a
 * list in order of last packet so idle connections are forgotten in
 * O(1) per packet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctfw/flow.h"

#define NIL UINT32_MAX

struct flow_key {
    union ctfw_addr a, b;   /* a <= b (with their ports) */
    uint16_t pa, pb;
    uint8_t family, proto;
    uint8_t pad[2];
};
_Static_assert(sizeof(struct flow_key) == 40,
               "flow key must be padding-free (hashed and compared as bytes)");

#define F_INIT_B 0x01       /* the initiator is side b */
#define F_SEEN_RESP 0x02
#define F_FIN_A 0x04
#define F_FIN_B 0x08
#define F_ENDED 0x10        /* after a RST: the next packet starts over */

struct flow {
    struct flow_key key;
    uint64_t last;
    uint32_t hash;
    uint32_t prev, next;    /* idle list; next is also the free list */
    uint8_t flags;
    bool used;
};

struct ctfw_flows {
    struct flow *slots;
    uint8_t *state;
    uint32_t nslots, cap, free_head;
    uint32_t *index;        /* slot ids, NIL empty */
    uint32_t mask;          /* index size - 1 */
    uint32_t live;
    uint32_t head, tail;    /* idle list: oldest first */
    unsigned nstate;
    uint64_t started;
};

static uint32_t
key_hash(const struct flow_key *k)
{
    /* FNV-1a over the padding-free key. */
    const uint8_t *p = (const uint8_t *)k;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < sizeof(*k); i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

struct ctfw_flows *
ctfw_flows_new(unsigned nstate)
{
    struct ctfw_flows *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->nstate = nstate ? nstate : 1;
    f->mask = 1023;
    f->index = malloc((f->mask + 1) * sizeof(uint32_t));
    if (!f->index) {
        free(f);
        return NULL;
    }
    memset(f->index, 0xff, (f->mask + 1) * sizeof(uint32_t));
    f->free_head = f->head = f->tail = NIL;
    return f;
}

void
ctfw_flows_free(struct ctfw_flows *f)
{
    if (!f)
        return;
    free(f->slots);
    free(f->state);
    free(f->index);
    free(f);
}

uint64_t
ctfw_flows_started(const struct ctfw_flows *f)
{
    return f->started;
}

size_t
ctfw_flows_live(const struct ctfw_flows *f)
{
    return f->live;
}

uint8_t *
ctfw_flows_state(struct ctfw_flows *f, uint32_t flow)
{
    return &f->state[(size_t)flow * f->nstate];
}

static int
index_grow(struct ctfw_flows *f)
{
    uint32_t n = (f->mask + 1) * 2;
    uint32_t *ix = malloc((size_t)n * sizeof(uint32_t));
    if (!ix)
        return -ENOMEM;
    memset(ix, 0xff, (size_t)n * sizeof(uint32_t));
    for (uint32_t i = 0; i <= f->mask; i++) {
        uint32_t s = f->index[i];
        if (s == NIL)
            continue;
        uint32_t j = f->slots[s].hash & (n - 1);
        while (ix[j] != NIL)
            j = (j + 1) & (n - 1);
        ix[j] = s;
    }
    free(f->index);
    f->index = ix;
    f->mask = n - 1;
    return 0;
}

/* Position in the index of the key, or of the empty cell that ends its
 * probe sequence (*found false). */
static uint32_t
index_find(const struct ctfw_flows *f, const struct flow_key *k,
           uint32_t h, bool *found)
{
    uint32_t i = h & f->mask;
    for (;;) {
        uint32_t s = f->index[i];
        if (s == NIL) {
            *found = false;
            return i;
        }
        if (f->slots[s].hash == h &&
            !memcmp(&f->slots[s].key, k, sizeof(*k))) {
            *found = true;
            return i;
        }
        i = (i + 1) & f->mask;
    }
}

static void
list_unlink(struct ctfw_flows *f, uint32_t s)
{
    struct flow *fl = &f->slots[s];
    if (fl->prev != NIL)
        f->slots[fl->prev].next = fl->next;
    else
        f->head = fl->next;
    if (fl->next != NIL)
        f->slots[fl->next].prev = fl->prev;
    else
        f->tail = fl->prev;
}

static void
list_append(struct ctfw_flows *f, uint32_t s)
{
    struct flow *fl = &f->slots[s];
    fl->prev = f->tail;
    fl->next = NIL;
    if (f->tail != NIL)
        f->slots[f->tail].next = s;
    else
        f->head = s;
    f->tail = s;
}

/* Forget a connection: backward-shift deletion from the index. */
static void
flow_remove(struct ctfw_flows *f, uint32_t s)
{
    bool found;
    uint32_t i = index_find(f, &f->slots[s].key, f->slots[s].hash, &found);
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & f->mask;
        uint32_t t = f->index[j];
        if (t == NIL)
            break;
        uint32_t home = f->slots[t].hash & f->mask;
        /* t may move to i when its home is not in (i, j]. */
        if (((j - home) & f->mask) >= ((j - i) & f->mask)) {
            f->index[i] = t;
            i = j;
        }
    }
    f->index[i] = NIL;
    list_unlink(f, s);
    f->slots[s].used = false;
    f->slots[s].next = f->free_head;
    f->free_head = s;
    f->live--;
}

static int
flow_add(struct ctfw_flows *f, const struct flow_key *k, uint32_t h,
         uint64_t now, uint32_t *out)
{
    if ((f->live + 1) * 2 > f->mask + 1 && index_grow(f) < 0)
        return -ENOMEM;
    uint32_t s = f->free_head;
    if (s != NIL) {
        f->free_head = f->slots[s].next;
    } else {
        if (f->nslots == f->cap) {
            uint32_t nc = f->cap ? f->cap * 2 : 1024;
            struct flow *ns = realloc(f->slots, (size_t)nc * sizeof(*ns));
            if (!ns)
                return -ENOMEM;
            f->slots = ns;
            uint8_t *st = realloc(f->state, (size_t)nc * f->nstate);
            if (!st)
                return -ENOMEM;
            f->state = st;
            f->cap = nc;
        }
        s = f->nslots++;
    }
    bool found;
    uint32_t i = index_find(f, k, h, &found);
    f->index[i] = s;
    struct flow *fl = &f->slots[s];
    memset(fl, 0, sizeof(*fl));
    fl->key = *k;
    fl->hash = h;
    fl->last = now;
    fl->used = true;
    memset(ctfw_flows_state(f, s), 0, f->nstate);
    list_append(f, s);
    f->live++;
    f->started++;
    *out = s;
    return 0;
}

static int
addr_port_cmp(const union ctfw_addr *x, uint16_t px, const union ctfw_addr *y,
              uint16_t py)
{
    int r = memcmp(x, y, sizeof(*x));
    if (r)
        return r;
    return (int)px - (int)py;
}

int
ctfw_flows_packet(struct ctfw_flows *f, const struct ctfw_pkt *pkt,
                  uint64_t now_ns, struct ctfw_flow_pkt *out)
{
    out->flow = CTFW_FLOW_NONE;
    out->opening = false;
    out->started = false;
    /* Forget idle connections. */
    uint64_t idle = (uint64_t)CTFW_FLOW_IDLE_S * 1000000000ull;
    while (f->head != NIL && f->slots[f->head].last + idle < now_ns)
        flow_remove(f, f->head);

    if (!(pkt->has & CTFW_PKT_HAS_IP) || pkt->frag == CTFW_PKT_FRAG_LATER)
        return 0;
    uint16_t sp = 0, dp = 0;
    bool tcp = false;
    switch (pkt->proto) {
    case 6:
        tcp = true;
        /* fall through */
    case 17:
    case 136:
    case 132:
    case 33:
        if (!(pkt->has & CTFW_PKT_HAS_L4))
            return 0;
        sp = pkt->sport;
        dp = pkt->dport;
        break;
    case 1:
    case 58:
        if (!(pkt->has & CTFW_PKT_HAS_L4))
            return 0;
        if (pkt->proto == 1 ? (pkt->icmp_type != 8 && pkt->icmp_type != 0)
                            : (pkt->icmp_type != 128 &&
                               pkt->icmp_type != 129))
            return 0;
        sp = dp = pkt->icmp_id;
        break;
    default:
        break;
    }
    struct flow_key k;
    memset(&k, 0, sizeof(k));
    k.family = pkt->family;
    k.proto = pkt->proto;
    bool from_b = addr_port_cmp(&pkt->src, sp, &pkt->dst, dp) > 0;
    k.a = from_b ? pkt->dst : pkt->src;
    k.b = from_b ? pkt->src : pkt->dst;
    k.pa = from_b ? dp : sp;
    k.pb = from_b ? sp : dp;
    uint32_t h = key_hash(&k);
    bool found;
    uint32_t i = index_find(f, &k, h, &found);
    uint32_t s = found ? f->index[i] : NIL;
    bool pure_syn = tcp && (pkt->tcp_flags & CTFW_TCP_SYN) &&
                    !(pkt->tcp_flags & (CTFW_TCP_ACK | CTFW_TCP_RST));
    if (s != NIL) {
        uint8_t fl = f->slots[s].flags;
        bool both_fin = (fl & (F_FIN_A | F_FIN_B)) == (F_FIN_A | F_FIN_B);
        if ((fl & F_ENDED) || (pure_syn && both_fin)) {
            flow_remove(f, s);
            s = NIL;
        }
    }
    if (s == NIL) {
        if (tcp && !pure_syn)
            return 0;
        int rc = flow_add(f, &k, h, now_ns, &s);
        if (rc < 0)
            return rc;
        if (from_b)
            f->slots[s].flags |= F_INIT_B;
        out->started = true;
    }
    struct flow *fl = &f->slots[s];
    bool from_init = !!(fl->flags & F_INIT_B) == from_b;
    out->flow = s;
    out->opening = from_init && !(fl->flags & F_SEEN_RESP) &&
                   (!tcp || pure_syn);
    if (!from_init)
        fl->flags |= F_SEEN_RESP;
    if (tcp && (pkt->tcp_flags & CTFW_TCP_FIN))
        fl->flags |= from_b ? F_FIN_B : F_FIN_A;
    if (tcp && (pkt->tcp_flags & CTFW_TCP_RST))
        fl->flags |= F_ENDED;
    fl->last = now_ns;
    list_unlink(f, s);
    list_append(f, s);
    return 0;
}
