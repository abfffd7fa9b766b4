/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Conntrack internals shared by the files of lib/ct/. Never included from
 * outside lib/ct/.
 *
 * Layout. Entries live in a pool of fixed-size chunks (stable addresses,
 * no per-entry malloc, a cap derived from nf_conntrack_max). Each entry is
 * linked into the hash table twice, once per direction, through
 * intrusive 32-bit node links: node = slot * 2 + dir, CT_NIL ends a
 * chain. An entry is two cache lines (struct ctfw_ct_entry); an IPv6
 * entry takes the slot after it too, for its addresses. Optional
 * extensions (acct, timestamp) live in parallel chunk arrays allocated
 * only when the sysctl is on, as the kernel's ct extensions are
 * allocated only when enabled.
 */
#ifndef CTFW_CT_PRIVATE_H
#define CTFW_CT_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ctfw/ct.h"

#define CT_NIL UINT32_MAX
#define CT_CHUNK_SHIFT 12
#define CT_CHUNK_SIZE (1u << CT_CHUNK_SHIFT)
#define CT_NS_PER_SEC 1000000000ull

/* One tuple: 36 bytes, no padding (hashed and compared as words). */
struct ct_tuple {
    union ctfw_addr src, dst;
    uint16_t sport, dport;  /* host order; ICMP: id, type << 8 | code */
};
_Static_assert(sizeof(struct ct_tuple) == 36, "tuple must be padding-free");

/* ip_ct_tcp, packed: per-direction windows, then the shared fields. */
struct ct_tcp {
    struct ct_tcp_side {
        uint32_t td_end;    /* max of seq + len */
        uint32_t td_maxend; /* max of ack + max(win,1) */
        uint32_t td_maxwin; /* max(win) */
        uint32_t td_maxack; /* max of ack */
    } seen[2];
    uint8_t td_scale[2];
    uint8_t flags[2];       /* CT_TCP_F_* per direction */
    uint8_t state;          /* enum ctfw_ct_tcp_state */
    uint8_t last_dir;
    uint8_t last_index;     /* class of the last packet */
    uint8_t retrans;
    uint8_t last_wscale;
    uint8_t last_flags;
    uint16_t last_win;
    uint32_t last_seq, last_ack, last_end;
};
_Static_assert(sizeof(struct ct_tcp) == 56, "ct_tcp layout");

/* ip_ct_tcp_state flags (IP_CT_TCP_FLAG_*). */
#define CT_TCP_F_WINDOW_SCALE 0x01
#define CT_TCP_F_SACK_PERM 0x02
#define CT_TCP_F_CLOSE_INIT 0x04
#define CT_TCP_F_BE_LIBERAL 0x08
#define CT_TCP_F_DATA_UNACKNOWLEDGED 0x10
#define CT_TCP_F_MAXACK_SET 0x20
#define CT_TCP_F_EXP_CHALLENGE_ACK 0x40
#define CT_TCP_F_SIMULTANEOUS_OPEN 0x80

/* ip_ct_sctp: the association's state, both verification tags, which
 * side sent an INIT, and the heartbeat tag-failure flag. */
struct ct_sctp {
    uint32_t vtag[2];       /* network order as read, by direction */
    uint8_t state;          /* enum ctfw_ct_sctp_state */
    uint8_t init[2];
    uint8_t last_dir;
    uint8_t flags;
};

/* Entry-local flags (not status bits). */
#define CT_E_ACCT 0x01       /* has the acct extension */
#define CT_E_TSTAMP 0x02     /* has the timestamp extension */
#define CT_E_USED 0x04       /* slot allocated */
#define CT_E_HELP 0x08       /* has the help extension (struct ct_help) */
#define CT_E_NATSRC 0x10     /* in the NAT by-source hash (natsrc.c) */
#define CT_E_POL_SRC 0x20    /* counted in its source's states (policy) */
#define CT_E_POL_EST 0x40    /* counted in its source's connections */

/*
 * A tuple as an entry keeps it (12 bytes): ports, and the IPv4
 * addresses; an IPv6 entry keeps here a fold of each address (the xor of
 * its words, for a quick mismatch) and the addresses themselves in the
 * pool slot after its own (struct ct_v6addrs). ct_tuple_of() rebuilds
 * the full tuple.
 */
struct ct_etuple {
    uint32_t src, dst;      /* IPv4: the address; IPv6: its fold */
    uint16_t sport, dport;  /* as struct ct_tuple */
};

/*
 * One connection: 128 bytes, two cache lines, line-aligned in the pool.
 * The first line holds what a chain walk and a key comparison read
 * (links, protocol, zone, status, deadline, both tuples), the second
 * the protocol state the tracker updates.
 */
struct ctfw_ct_entry {
    uint32_t next[2];       /* hash chain link of each direction's node */
    uint16_t status;        /* CTFW_CT_S_* */
    uint8_t family;         /* 4 or 6 */
    uint8_t proto;          /* L4 protocol number */
    uint16_t zone;
    uint8_t eflags;         /* CT_E_* (byte 14: see struct ct_v6addrs) */
    uint8_t helper;         /* enum ctfw_ct_helper */
    /* Absolute deadline (ns) once confirmed; before confirmation the
     * relative timeout, rebased at confirm as the kernel does. */
    uint64_t timeout;
    struct ct_etuple tk[2]; /* ORIGINAL, REPLY (ct_tuple_of()) */
    uint32_t mark;
    uint32_t slot;          /* own pool index (links, extensions) */
    uint64_t spare0;
    union {
        struct ct_tcp tcp;
        struct {
            uint64_t stream_ts;  /* UDP: creation + 2 s */
        } udp;
        struct ct_sctp sctp;
    } p;
    uint64_t spare1;
};
_Static_assert(sizeof(struct ctfw_ct_entry) == 128,
               "conntrack entry: two cache lines");
_Static_assert(offsetof(struct ctfw_ct_entry, p) == 64,
               "protocol state on the second line");

/*
 * The slot after an IPv6 entry's own: its four addresses. The first 16
 * bytes stay zero, so that the slot reads as unused (eflags, byte 14,
 * without CT_E_USED) to the walks over the pool.
 */
struct ct_v6addrs {
    uint8_t zero[16];
    union ctfw_addr a[2][2];    /* [direction][0: src, 1: dst] */
    uint8_t pad[48];
};
_Static_assert(sizeof(struct ct_v6addrs) == sizeof(struct ctfw_ct_entry),
               "IPv6 addresses take one pool slot");
_Static_assert(offsetof(struct ctfw_ct_entry, eflags) <
                   offsetof(struct ct_v6addrs, a),
               "eflags byte of an address slot stays zero");

static inline uint32_t
ct_addr_fold(const union ctfw_addr *a)
{
    return a->w[0] ^ a->w[1] ^ a->w[2] ^ a->w[3];
}

static inline struct ct_v6addrs *
ct_v6_of(const struct ctfw_ct_entry *e)
{
    return (struct ct_v6addrs *)(uintptr_t)(e + 1);
}

/* The full tuple of direction d (IPv4: other address words zero). */
static inline struct ct_tuple
ct_tuple_of(const struct ctfw_ct_entry *e, int d)
{
    struct ct_tuple t;
    memset(&t, 0, sizeof(t));
    if (e->family == 6) {
        t.src = ct_v6_of(e)->a[d][0];
        t.dst = ct_v6_of(e)->a[d][1];
    } else {
        t.src.w[0] = e->tk[d].src;
        t.dst.w[0] = e->tk[d].dst;
    }
    t.sport = e->tk[d].sport;
    t.dport = e->tk[d].dport;
    return t;
}

/* Store the tuple of direction d (e->family set, and for IPv6 the
 * address slot allocated: ct_pool_get()). */
static inline void
ct_tuple_set(struct ctfw_ct_entry *e, int d, const struct ct_tuple *t)
{
    if (e->family == 6) {
        ct_v6_of(e)->a[d][0] = t->src;
        ct_v6_of(e)->a[d][1] = t->dst;
        e->tk[d].src = ct_addr_fold(&t->src);
        e->tk[d].dst = ct_addr_fold(&t->dst);
    } else {
        e->tk[d].src = t->src.w[0];
        e->tk[d].dst = t->dst.w[0];
    }
    e->tk[d].sport = t->sport;
    e->tk[d].dport = t->dport;
}

struct ct_acct {
    uint64_t packets[2], bytes[2];
};

/*
 * The help extension (nf_conn_help and the helper's private data, plus
 * ct->master): allocated per slot only for connections that have a
 * helper or a master. A master link is a slot plus the generation the
 * master's extension had, so a link to a slot reused since reads as dead
 * (the kernel keeps a dead master allocated while children refer to it).
 */
struct ct_help {
    uint32_t gen;           /* generation of this slot's extension */
    uint32_t master;        /* master slot, CT_NIL for none */
    uint32_t master_gen;
    uint16_t expecting;     /* expectations registered (class 0) */
    uint16_t children;      /* live entries whose master this is */
    /* struct nf_ct_ftp_master */
    uint32_t seq_aft_nl[2][2];
    uint16_t seq_aft_nl_num[2];
    uint16_t ftp_flags[2];
};

/* One expectation (struct nf_conntrack_expect), in ct->exp. */
struct ctfw_ct_expect {
    struct ct_tuple tuple;  /* src masked; dst exact */
    union ctfw_addr mask_src;
    uint16_t mask_sport;
    uint16_t zone;          /* the master's */
    uint8_t family, proto;
    uint8_t flags;          /* CT_EXP_F_* */
    uint8_t cls;            /* expectation class (0) */
    uint8_t helper;         /* the master's helper */
    uint8_t used;
    uint32_t master;        /* master slot (alive while we exist) */
    uint32_t next;          /* hash chain / free list */
    uint64_t timeout;       /* absolute deadline, ns */
    uint64_t seq;           /* creation order */
};
#define CT_EXP_F_PERMANENT 0x01
#define CT_EXP_F_INACTIVE 0x02

/* Per-packet context passed to the L4 trackers. */
struct ct_pktctx {
    const struct ctfw_pkt *pkt;
    uint64_t now;
    uint8_t dir;            /* enum ctfw_ct_dir */
    uint8_t info;           /* enum ctfw_ct_info */
    uint8_t hook;
    uint8_t reason;         /* out: enum ctfw_ct_reason when not ACCEPT */
    uint8_t destroy;        /* out: enum ctfw_ct_destroy_reason to kill */
    uint32_t events;        /* out: CTFW_CT_EV_* to deliver */
};

/* L4 tracker verdicts (NF_ACCEPT, -NF_ACCEPT, NF_DROP, -NF_REPEAT). */
enum ct_l4_verdict {
    CT_L4_ACCEPT,
    CT_L4_INVALID,
    CT_L4_DROP,
    CT_L4_REPEAT,
};

/* One L4 protocol tracker, as an nf_conntrack_l4proto. */
struct ct_l4proto {
    uint8_t proto;
    const char *name;       /* as conntrack-tools prints it */
    bool has_ports;         /* tuple carries sport/dport */
    bool allow_clash;       /* UDP-like: clash resolution at confirm */
    /* L4 part of the tuple from the packet; false: cannot (INVALID). */
    bool (*pkt_to_tuple)(const struct ctfw_pkt *pkt, struct ct_tuple *t);
    /* L4 part of the inverse; false: no inverse (INVALID). */
    bool (*invert)(const struct ct_tuple *in, struct ct_tuple *out);
    enum ct_l4_verdict (*packet)(struct ctfw_ct *ct,
                                 struct ctfw_ct_entry *e,
                                 struct ct_pktctx *c);
    /* gc early-drop mode may kill an ASSURED entry in this state. */
    bool (*can_early_drop)(const struct ctfw_ct_entry *e);
    /* State name printed after the timeout, NULL for none. */
    const char *(*state_name)(const struct ctfw_ct_entry *e);
};

extern const struct ct_l4proto ct_l4proto_tcp;
extern const struct ct_l4proto ct_l4proto_udp;
extern const struct ct_l4proto ct_l4proto_udplite;
extern const struct ct_l4proto ct_l4proto_icmp;
extern const struct ct_l4proto ct_l4proto_icmpv6;
extern const struct ct_l4proto ct_l4proto_gre;
extern const struct ct_l4proto ct_l4proto_sctp;
/* The CRC32c of an SCTP packet (common header + chunks) is right. */
bool ct_sctp_csum_ok(const uint8_t *l4, size_t len);
extern const struct ct_l4proto ct_l4proto_generic;

const struct ct_l4proto *ct_l4proto_find(uint8_t family, uint8_t proto);
bool ct_ports_to_tuple(const struct ctfw_pkt *pkt, struct ct_tuple *t);
bool ct_invert_ports(const struct ct_tuple *in, struct ct_tuple *out);

/* net_ratelimit() state (lib/ratelimit.c): burst per interval. */
struct ct_ratelimit {
    uint64_t begin;
    bool started;
    uint32_t printed, missed;
};

/* The gc worker's state (struct conntrack_gc_work). */
struct ct_gc {
    uint64_t next_run;      /* clock value of the next invocation */
    uint64_t start_time;    /* start of the current full pass */
    int64_t avg_timeout;    /* ns */
    int64_t count;
    uint32_t next_bucket;
    bool early_drop;
};

struct ctfw_ct {
    struct ctfw_ct_config cfg;
    uint64_t seed;
    uint64_t rng;           /* splitmix64 state (chain-length guard) */
    uint32_t netns_inum;

    /* Hash table: bucket heads (node ids). */
    uint32_t *heads;
    uint32_t nbuckets;

    /* Entry pool. */
    struct ctfw_ct_entry **chunks;
    struct ct_acct **acct;          /* parallel, allocated on demand */
    uint64_t **tstamp;              /* start time (ns), on demand */
    uint32_t nchunks, chunks_cap;
    uint32_t max_slots;             /* pool cap */
    uint32_t bump;                  /* slots handed out from the top */
    uint32_t free_head;             /* free slots, through next[0] */
    uint32_t free_pairs;            /* free even/odd slot pairs (IPv6) */
    uint32_t zombie;                /* killed while referenced; freed
                                       at the next entry point */

    uint32_t count;                 /* nf_conntrack_count */
    uint32_t by_class[CTFW_CT_CLASS_COUNT]; /* confirmed, not dying,
                                       by ctfw_ct_entry_class() */
    struct ctfw_ct_stats st;
    uint64_t reasons[CTFW_CT_R_COUNT];

    struct ct_gc gc;
    struct ct_ratelimit rl;

    /* NAT by-source hash (natsrc.c, nf_nat_bysource): bucket heads
     * (slots) and a next link per slot in chunks parallel to chunks,
     * allocated when NAT first binds a source. */
    uint32_t *natsrc_heads;
    uint32_t natsrc_hsize;
    uint32_t **natsrc_next;

    /* Help extension chunks (parallel to chunks), on demand. */
    struct ct_help **help;
    uint32_t help_gen;

    /* Expectations: array pool, hash heads by destination. */
    struct ctfw_ct_expect *exp;
    uint32_t exp_cap, exp_bump, exp_free, exp_count;
    uint32_t *exp_heads;
    uint32_t exp_hsize;
    uint64_t exp_next;      /* earliest deadline (0: none) */
    uint64_t exp_seq;

    void (*on_event)(void *, const struct ctfw_ct_event *);
    void *event_opaque;
    void (*on_log)(void *, uint64_t, int, const char *);
    void *log_opaque;

    /* Table-full policy (policy_hook.c): NULL for Linux's behaviour.
     * With timeouts (adaptive, emergency) each entry's last timeout in
     * seconds is kept beside it (chunks parallel to chunks, allocated
     * on demand) so that the policy can rescale it at every check. */
    struct ctfw_policy *pol;
    bool pol_timeouts;
    uint64_t pol_sweep_next;
    uint32_t **pol_base;
};

static inline struct ctfw_ct_entry *
ct_slot(const struct ctfw_ct *ct, uint32_t slot)
{
    return &ct->chunks[slot >> CT_CHUNK_SHIFT][slot & (CT_CHUNK_SIZE - 1)];
}

/* A confirmed entry's class may have changed from old (a TCP state
 * transition, SEEN_REPLY set): move it between the counters. */
void ct_class_move(struct ctfw_ct *ct, const struct ctfw_ct_entry *e,
                   enum ctfw_ct_class old);

static inline uint64_t
ct_sec(uint32_t s)
{
    return (uint64_t)s * CT_NS_PER_SEC;
}

static inline bool
ct_is_confirmed(const struct ctfw_ct_entry *e)
{
    return e->status & CTFW_CT_S_CONFIRMED;
}

/* policy_hook.c: has the policy's timeout of this entry run out? */
bool ct_pol_expired(const struct ctfw_ct *ct, const struct ctfw_ct_entry *e,
                    uint64_t now);
/* Remember the timeout (s) just given to an entry. */
void ct_pol_note(struct ctfw_ct *ct, const struct ctfw_ct_entry *e,
                 uint32_t timeout_s);
/* The other decision points (policy_hook.c); called only when ct->pol. */
int ct_pol_grow(struct ctfw_ct *ct, uint32_t old_cap, uint32_t new_cap);
void ct_pol_fini(struct ctfw_ct *ct);
void ct_pol_advance(struct ctfw_ct *ct, uint64_t now);
/* Before allocating: CTFW_CT_R_NONE to go on, else the policy's reason;
 * *untrack: accept without an entry (else drop). */
uint8_t ct_pol_admit(struct ctfw_ct *ct, const struct ctfw_pkt *pkt,
                     uint64_t now, bool *untrack);
/* The count passed the emergency threshold: entered now (and swept)? */
bool ct_pol_pressure(struct ctfw_ct *ct, uint64_t now);
/* The table is full: exempt traffic passes untracked. */
bool ct_pol_full(struct ctfw_ct *ct, const struct ctfw_pkt *pkt,
                 uint64_t now);
void ct_pol_confirmed(struct ctfw_ct *ct, struct ctfw_ct_entry *e);
void ct_pol_killed(struct ctfw_ct *ct, struct ctfw_ct_entry *e);
/* A confirmed TCP entry may just have reached ESTABLISHED: per-source
 * connection limits; CTFW_CT_R_NONE or the limit's reason. */
uint8_t ct_pol_established(struct ctfw_ct *ct, struct ctfw_ct_entry *e,
                           uint64_t now);
/* table.c: reap every expired entry (a listing's reap). */
void ct_reap_expired(struct ctfw_ct *ct, uint64_t now);

static inline bool
ct_is_expired(const struct ctfw_ct *ct, const struct ctfw_ct_entry *e,
              uint64_t now)
{
    if (!ct_is_confirmed(e))
        return false;
    if (e->timeout <= now)
        return true;
    return ct->pol_timeouts && ct_pol_expired(ct, e, now);
}

/* nf_ct_refresh_acct(): new timeout (s) unless FIXED, plus counters. */
void ct_refresh_acct(struct ctfw_ct *ct, struct ctfw_ct_entry *e,
                     const struct ct_pktctx *c, uint32_t timeout_s);
/* The UDP-Lite and GRE rule (udplite_packet, gre_packet): once a reply
 * was seen, the stream timeout and ASSURED (never for a NAT clash);
 * before, the single-direction timeout. */
void ct_refresh_stream(struct ctfw_ct *ct, struct ctfw_ct_entry *e,
                       struct ct_pktctx *c, uint32_t stream_s,
                       uint32_t single_s);
/* Counters only (nf_ct_acct_update). */
void ct_acct_add(struct ctfw_ct *ct, struct ctfw_ct_entry *e,
                 const struct ct_pktctx *c);
static inline struct ct_acct *
ct_acct_of(const struct ctfw_ct *ct, const struct ctfw_ct_entry *e)
{
    if (!(e->eflags & CT_E_ACCT))
        return NULL;
    return &ct->acct[e->slot >> CT_CHUNK_SHIFT]
                    [e->slot & (CT_CHUNK_SIZE - 1)];
}

static inline uint64_t
ct_tstamp_of(const struct ctfw_ct *ct, const struct ctfw_ct_entry *e)
{
    if (!(e->eflags & CT_E_TSTAMP))
        return 0;
    uint32_t s = e->slot;
    return ct->tstamp[s >> CT_CHUNK_SHIFT][s & (CT_CHUNK_SIZE - 1)];
}

/* L4 checksum of the packet (pseudo-header included); true when correct
 * or not verifiable (not fully captured). */
bool ct_l4_csum_ok(const struct ctfw_pkt *pkt);
/* Same over the first cov L4 bytes (UDP-Lite coverage). */
bool ct_l4_csum_cov_ok(const struct ctfw_pkt *pkt, uint32_t cov);

/* ICMP/ICMPv6 error handling (proto_icmp.c): attaches a RELATED entry,
 * returns ACCEPT (done if ref->entry set / untracked), INVALID (error). */
enum ct_l4_verdict ct_icmp_error(struct ctfw_ct *ct,
                                 const struct ctfw_pkt *pkt,
                                 enum ctfw_ct_hook hook, uint64_t now,
                                 struct ctfw_ct_ref *ref);

/* Lookup of a full key; reaps expired entries met on the way. Returns
 * the node id or CT_NIL. */
uint32_t ct_lookup(struct ctfw_ct *ct, uint8_t family, uint8_t proto,
                   uint16_t zone, const struct ct_tuple *t, uint64_t now);
/* The same with the tuple's hash (ct_hash()) already computed. */
uint32_t ct_lookup_hash(struct ctfw_ct *ct, uint32_t hash, uint8_t family,
                        uint8_t proto, uint16_t zone,
                        const struct ct_tuple *t, uint64_t now);

static inline struct ct_help *
ct_help_of(const struct ctfw_ct *ct, const struct ctfw_ct_entry *e)
{
    if (!(e->eflags & CT_E_HELP))
        return NULL;
    return &ct->help[e->slot >> CT_CHUNK_SHIFT]
                    [e->slot & (CT_CHUNK_SIZE - 1)];
}

/* expect.c */
struct ct_help *ct_help_attach(struct ctfw_ct *ct, struct ctfw_ct_entry *e);
struct ctfw_ct_entry *ct_master_of(const struct ctfw_ct *ct,
                                   const struct ctfw_ct_entry *e);
/* Slot being freed: drop the master's child reference. */
void ct_help_release(struct ctfw_ct *ct, struct ctfw_ct_entry *e);
/* natsrc.c: leave the by-source hash (the entry's slot is freed). */
void ct_natsrc_unlink(struct ctfw_ct *ct, struct ctfw_ct_entry *e);
/* Master dies: its expectations go (nf_ct_remove_expectations). */
void ct_expect_remove_master(struct ctfw_ct *ct, struct ctfw_ct_entry *e);
/* init_conntrack(): find and take the expectation for a new entry;
 * sets EXPECTED, master, mark. True when expected. */
bool ct_expect_apply(struct ctfw_ct *ct, struct ctfw_ct_entry *e,
                     uint64_t now);
/* nf_ct_expect_related(): 0 or -EALREADY/-EBUSY/-EMFILE/-ENOMEM. */
int ct_expect_related(struct ctfw_ct *ct, struct ctfw_ct_entry *master,
                      const struct ctfw_ct_expect *x, uint64_t now);
void ct_expect_expire(struct ctfw_ct *ct, uint64_t now);
int ct_expect_init(struct ctfw_ct *ct);
void ct_expect_fini(struct ctfw_ct *ct);
/* The kernel's net_ratelimit() shared by every warning (core.c). */
bool ct_net_ratelimit(struct ctfw_ct *ct, uint64_t now);
void ct_log_line(struct ctfw_ct *ct, uint64_t now, const char *line);

/* helper_ftp.c: help() of nf_conntrack_ftp; CT_L4_ACCEPT or CT_L4_DROP. */
enum ct_l4_verdict ct_ftp_help(struct ctfw_ct *ct, struct ctfw_ct_entry *e,
                               const struct ctfw_pkt *pkt, uint8_t info,
                               uint64_t now);

/* table.c */
uint32_t ct_hash(const struct ctfw_ct *ct, uint8_t family, uint8_t proto,
                 uint16_t zone, const struct ct_tuple *t);
/* Batched lookups (ctfw_ct_prefetch()): the bucket of a tuple, and
 * prefetches of its head, then of the first entry on its chain. */
/* reciprocal_scale(): the bucket of a hash. */
static inline uint32_t
ct_bucket_of_hash(const struct ctfw_ct *ct, uint32_t hash)
{
    return (uint32_t)(((uint64_t)hash * ct->nbuckets) >> 32);
}
void ct_prefetch_head(const struct ctfw_ct *ct, uint32_t b);
void ct_prefetch_chain(const struct ctfw_ct *ct, uint32_t b);
/* When the chain's first node is not the tuple's, prefetch the second. */
void ct_prefetch_second(const struct ctfw_ct *ct, uint32_t b, uint8_t family,
                        uint8_t proto, uint16_t zone,
                        const struct ct_tuple *t);
uint32_t ct_bucket(const struct ctfw_ct *ct, const struct ctfw_ct_entry *e,
                   int dir);
/* A free slot (for IPv6, two: the entry and its addresses), CT_NIL when
 * the pool is at its cap or out of memory. */
uint32_t ct_pool_get(struct ctfw_ct *ct, bool v6);
void ct_pool_attach_ext(struct ctfw_ct *ct, struct ctfw_ct_entry *e);
void ct_emit(struct ctfw_ct *ct, const struct ctfw_ct_entry *e, uint8_t type,
             uint8_t reason, uint32_t mask, uint64_t now);
void ct_release_zombie(struct ctfw_ct *ct);
void ct_kill(struct ctfw_ct *ct, struct ctfw_ct_entry *e, uint8_t reason,
             uint64_t now, bool referenced);
void ct_free_unconfirmed(struct ctfw_ct *ct, struct ctfw_ct_entry *e);
int ct_insert(struct ctfw_ct *ct, struct ctfw_ct_entry *e, uint32_t *clash);
bool ct_early_drop(struct ctfw_ct *ct, uint32_t hash, uint64_t now);

/* Bounded text appender for the output formats (format.c, expect.c):
 * writes what fits into buf and counts what the full text needs, like
 * snprintf. */
struct ct_out {
    char *buf;
    size_t len, pos;
};

void ct_out_put(struct ct_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* CTFW_CT_PRIVATE_H */
