/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctfw connection tracking: the Linux 6.x nf_conntrack engine.
 *
 * Usage. One struct ctfw_ct per emulated network namespace:
 *
 *     struct ctfw_ct_config cfg;
 *     ctfw_ct_config_default(&cfg, 0);        // 6.x defaults
 *     struct ctfw_ct_params p = { .config = &cfg, .seed = s,
 *                                 .start_ns = t0 };
 *     struct ctfw_ct *ct;
 *     if (ctfw_ct_new(&p, &ct) < 0) ...
 *
 * For each packet, the pipeline mirrors the kernel's skb->_nfct:
 *
 *     struct ctfw_ct_ref ref;
 *     ctfw_ct_ref_init(&ref);
 *     ... raw table: ctfw_ct_ref_notrack(&ref), ctfw_ct_ref_set_zone(),
 *         ctfw_ct_ref_set_helper(&ref, "ftp")
 *     if (ctfw_ct_in(ct, pkt, now_ns, CTFW_CT_HOOK_PRE_ROUTING, &ref)
 *             == CTFW_CT_DROP) -> packet dropped (ref.reason says why)
 *     ... rules read ref.info / ref.entry (ctstate, ctstatus, mark) ...
 *     if the packet is dropped later: ctfw_ct_abort(ct, &ref);
 *     else at the end of the path:    ctfw_ct_help(ct, &ref, pkt, now_ns)
 *                                     (helpers: FTP), then
 *                                     ctfw_ct_confirm(ct, &ref, now_ns);
 *
 * A new connection's entry is allocated (and counted against
 * nf_conntrack_max) by ctfw_ct_in() but enters the table only at
 * ctfw_ct_confirm(), exactly as __nf_conntrack_confirm(); a packet dropped
 * before that leaves nothing behind (ctfw_ct_abort()).
 *
 * Time is an argument (now_ns, nanoseconds on any monotonic scale: pcap
 * time in replays). Timeouts, the gc worker and the log rate limit all run
 * on it; ctfw_ct_in() runs the gc work that is due, ctfw_ct_advance() does
 * the same between packets.
 *
 * Ownership: the context owns every entry. An entry pointer handed out in
 * a ctfw_ct_ref stays valid until the next call of ctfw_ct_in(),
 * ctfw_ct_advance(), ctfw_ct_flush() or ctfw_ct_free() on the same
 * context; so process one packet (in ... confirm/abort) at a time.
 * Callbacks (events, log) must not call back into the context.
 *
 * Thread-safety: none inside one context; distinct contexts are
 * independent. The library never prints, never reads a clock, keeps no
 * globals.
 */
#ifndef CTFW_CT_H
#define CTFW_CT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctfw/pkt.h"

struct ctfw_ct;       /* one namespace's table and settings */
struct ctfw_ct_entry; /* one connection (struct nf_conn) */

/*
 * Settings. Each field is named after its sysctl without the
 * "net.netfilter.nf_conntrack_" prefix (nf_conntrack_tcp_timeout_close ->
 * tcp_timeout_close); timeouts are in seconds as in /proc/sys. Fields
 * that are not sysctls are marked (kernel).
 */
struct ctfw_ct_config {
    uint32_t max;          /* 0 = no limit */
    uint32_t buckets;      /* hash buckets (hashsize) */
    uint32_t expect_max;
    bool checksum;         /* verify L4 checksums at PRE_ROUTING */
    bool acct;             /* per-direction counters on new entries */
    bool timestamp;        /* start time on new entries (delta-time=) */
    uint8_t events;        /* 0 off, 1 on, 2 only with a listener */
    uint8_t log_invalid;   /* not yet used: ctfw never logs invalid */

    bool tcp_loose;
    bool tcp_be_liberal;
    bool tcp_ignore_invalid_rst;
    uint32_t tcp_max_retrans;
    uint32_t tcp_timeout_syn_sent;
    uint32_t tcp_timeout_syn_recv;
    uint32_t tcp_timeout_established;
    uint32_t tcp_timeout_fin_wait;
    uint32_t tcp_timeout_close_wait;
    uint32_t tcp_timeout_last_ack;
    uint32_t tcp_timeout_time_wait;
    uint32_t tcp_timeout_close;
    uint32_t tcp_timeout_syn_sent2;    /* (kernel) no sysctl on 6.x */
    uint32_t tcp_timeout_max_retrans;
    uint32_t tcp_timeout_unacknowledged;

    uint32_t udp_timeout;
    uint32_t udp_timeout_stream;
    uint32_t icmp_timeout;
    uint32_t icmpv6_timeout;
    uint32_t generic_timeout;
    uint32_t gre_timeout;
    uint32_t gre_timeout_stream;
    uint32_t sctp_timeout_closed;          /* SCTP (proto_sctp.c) */
    uint32_t sctp_timeout_cookie_wait;
    uint32_t sctp_timeout_cookie_echoed;
    uint32_t sctp_timeout_established;
    uint32_t sctp_timeout_shutdown_sent;
    uint32_t sctp_timeout_shutdown_recd;
    uint32_t sctp_timeout_shutdown_ack_sent;
    uint32_t sctp_timeout_heartbeat_sent;

    uint32_t hz;           /* (kernel) CONFIG_HZ: gc budget 64000/hz */
};

/*
 * Fill cfg with the Linux 6.x defaults. ram_bytes sizes buckets and max
 * as nf_conntrack_init_start() does (0 = the reference machine: 262144).
 */
void ctfw_ct_config_default(struct ctfw_ct_config *cfg, uint64_t ram_bytes);

/* Per-packet conntrack info, values as enum ip_conntrack_info. */
enum ctfw_ct_info {
    CTFW_CT_ESTABLISHED = 0,
    CTFW_CT_RELATED = 1,
    CTFW_CT_NEW = 2,
    CTFW_CT_ESTABLISHED_REPLY = 3,
    CTFW_CT_RELATED_REPLY = 4,
    CTFW_CT_UNTRACKED = 7,
    CTFW_CT_INVALID = 8,  /* no conntrack attached (ctstate INVALID) */
};

/* Direction of a packet or tuple. */
enum ctfw_ct_dir { CTFW_CT_DIR_ORIGINAL = 0, CTFW_CT_DIR_REPLY = 1 };

/* The hook that calls ctfw_ct_in(): checksums are verified only at
 * PRE_ROUTING (packets from outside), as the kernel's trackers do. */
enum ctfw_ct_hook {
    CTFW_CT_HOOK_PRE_ROUTING = 0,
    CTFW_CT_HOOK_LOCAL_OUT = 3,
};

enum ctfw_ct_verdict { CTFW_CT_ACCEPT = 0, CTFW_CT_DROP = 1 };

/*
 * Why a packet got no conntrack (INVALID) or was dropped; each reason has
 * a counter (ctfw_ct_reason_count()) and a stable name.
 */
enum ctfw_ct_reason {
    CTFW_CT_R_NONE = 0,
    CTFW_CT_R_NO_L4,          /* later fragment / L4 header missing */
    CTFW_CT_R_NO_TUPLE,       /* tuple cannot be built */
    CTFW_CT_R_NO_INVERT,      /* ICMP type that has no reply type */
    CTFW_CT_R_TABLE_FULL,     /* drop: count > max, early drop failed */
    CTFW_CT_R_NOMEM,          /* drop: entry pool exhausted */
    CTFW_CT_R_TCP_TRUNCATED,
    CTFW_CT_R_TCP_CSUM,
    CTFW_CT_R_TCP_FLAGS,      /* invalid flag combination */
    CTFW_CT_R_TCP_NEW,        /* cannot start a connection */
    CTFW_CT_R_TCP_STATE,      /* table says invalid */
    CTFW_CT_R_TCP_RST,        /* RST below the peer's highest ACK */
    CTFW_CT_R_TCP_SEQ_OVER,   /* SEQ over upper bound */
    CTFW_CT_R_TCP_ACK_OVER,   /* ACK over upper bound */
    CTFW_CT_R_TCP_REOPEN_DROP,
    CTFW_CT_R_UDP_TRUNCATED,
    CTFW_CT_R_UDP_CSUM,
    CTFW_CT_R_ICMP_NEW,       /* type cannot create an entry */
    CTFW_CT_R_ICMP_ERROR,     /* error path: counted in `error` */
    CTFW_CT_R_INSERT_FAILED,  /* drop at confirm: clash/chain too long */
    CTFW_CT_R_HELPER,         /* drop by a helper (partial FTP command,
                                 expectation refused) */
    CTFW_CT_R_SCTP_ERROR,     /* short header, bad CRC32c (sctp_error) */
    CTFW_CT_R_SCTP_INVALID,   /* chunks, verification tag or state */
    /* Table-full policies (ctfw_ct_set_policy(), docs/policies.md);
     * never with Linux's default. Accepted untracked: */
    CTFW_CT_R_POLICY_EXEMPT,     /* exempt traffic, table full */
    CTFW_CT_R_POLICY_SYNPROXY,   /* SYN answered by the proxy */
    /* Dropped: */
    CTFW_CT_R_POLICY_OVERLOAD,   /* source in the overload table */
    CTFW_CT_R_POLICY_SRC_STATES, /* max-src-states */
    CTFW_CT_R_POLICY_SRC_CONN,   /* max-src-conn */
    CTFW_CT_R_POLICY_SRC_RATE,   /* max-src-conn-rate */
    CTFW_CT_R_COUNT
};

/*
 * A packet's conntrack reference (skb->_nfct). Initialise with
 * ctfw_ct_ref_init() before the raw table.
 */
struct ctfw_ct_ref {
    struct ctfw_ct_entry *entry; /* NULL: INVALID or UNTRACKED */
    uint8_t info;                /* enum ctfw_ct_info */
    uint8_t verdict;             /* enum ctfw_ct_verdict */
    uint8_t reason;              /* enum ctfw_ct_reason */
    uint8_t flags;               /* private */
    uint16_t zone;               /* CT --zone template, default 0 */
    uint8_t helper;              /* CT --helper template: enum
                                    ctfw_ct_helper, default NONE */
    uint32_t slot;               /* private */
};

void ctfw_ct_ref_init(struct ctfw_ct_ref *ref);
/* raw -j NOTRACK / -j CT --notrack: UNTRACKED unless a conntrack is
 * already attached (then nothing happens, as xt_CT). */
void ctfw_ct_ref_notrack(struct ctfw_ct_ref *ref);
/* raw -j CT --zone N: the template's zone for the lookup/creation. */
void ctfw_ct_ref_set_zone(struct ctfw_ct_ref *ref, uint16_t zone);

/*
 * Helpers ctfw implements (nf_conntrack_helper). 6.x assigns a helper
 * only through a template (`-t raw ... -j CT --helper ftp`), never by port.
 */
enum ctfw_ct_helper {
    CTFW_CT_HELPER_NONE = 0,
    CTFW_CT_HELPER_FTP = 1,    /* nf_conntrack_ftp, TCP */
    CTFW_CT_HELPER_COUNT
};
/*
 * raw -j CT --helper NAME: the template's helper, given to the connection
 * this packet creates (__nf_ct_try_assign_helper in init_conntrack; an
 * existing or expected connection keeps what it has). Returns 0, -ENOENT
 * for a helper ctfw does not implement (only "ftp" now; the kernel's
 * xt_CT answers ENOENT, "No such helper"), -EINVAL for NULL. The caller
 * (the CT target) checks that the rule's protocol is the helper's (TCP):
 * ctfw_ct_helper_proto().
 */
int ctfw_ct_ref_set_helper(struct ctfw_ct_ref *ref, const char *name);
/* Helper lookup by name: id, or CTFW_CT_HELPER_NONE when unknown. */
enum ctfw_ct_helper ctfw_ct_helper_find(const char *name);
/* "ftp", or NULL for NONE / unknown ids. */
const char *ctfw_ct_helper_name(enum ctfw_ct_helper h);
/* L4 protocol the helper is registered for (6 for ftp), 0 if unknown. */
uint8_t ctfw_ct_helper_proto(enum ctfw_ct_helper h);

/* Events, delivered through params.on_event. */
enum ctfw_ct_event_type {
    CTFW_CT_EVENT_NEW,
    CTFW_CT_EVENT_UPDATE,
    CTFW_CT_EVENT_DESTROY,
};
enum ctfw_ct_destroy_reason {
    CTFW_CT_DESTROY_NONE = 0,
    CTFW_CT_DESTROY_TIMEOUT,     /* expired (lazy reap or gc) */
    CTFW_CT_DESTROY_EARLY_DROP,  /* evicted by early_drop() */
    CTFW_CT_DESTROY_GC_EVICT,    /* gc worker early-drop mode */
    CTFW_CT_DESTROY_RST,         /* RST before any reply */
    CTFW_CT_DESTROY_REOPEN,      /* TCP SYN reopened a closed tuple */
    CTFW_CT_DESTROY_FLUSH,       /* ctfw_ct_flush() */
    CTFW_CT_DESTROY_USER,        /* ctfw_ct_delete() */
    CTFW_CT_DESTROY_POLICY,      /* a policy killed it (overload flush,
                                    per-source connection limit) */
};
/* Event mask bits (IPCT_*) carried by NEW/UPDATE events. */
#define CTFW_CT_EV_NEW (1u << 0)
#define CTFW_CT_EV_RELATED (1u << 1)
#define CTFW_CT_EV_DESTROY (1u << 2)
#define CTFW_CT_EV_REPLY (1u << 3)
#define CTFW_CT_EV_ASSURED (1u << 4)
#define CTFW_CT_EV_PROTOINFO (1u << 5)
#define CTFW_CT_EV_MARK (1u << 8)

struct ctfw_ct_event {
    uint8_t type;                /* enum ctfw_ct_event_type */
    uint8_t reason;              /* enum ctfw_ct_destroy_reason */
    uint32_t mask;               /* CTFW_CT_EV_* */
    uint64_t now_ns;
    const struct ctfw_ct_entry *entry; /* valid during the callback */
};

/* Log severities (printk levels). */
#define CTFW_CT_LOG_WARNING 4

struct ctfw_ct_params {
    const struct ctfw_ct_config *config; /* copied; NULL = defaults */
    uint64_t seed;         /* hash key and chain-guard randomness */
    uint64_t start_ns;     /* clock at creation: gc first runs 1 s later */
    uint32_t netns_inum;   /* 0 = init netns; else named in the log line */
    void (*on_event)(void *opaque, const struct ctfw_ct_event *ev);
    void *event_opaque;
    /* One kernel log line without newline, e.g.
     * "nf_conntrack: nf_conntrack: table full, dropping packet". */
    void (*on_log)(void *opaque, uint64_t now_ns, int level,
                   const char *line);
    void *log_opaque;
};

/* 0 or -ENOMEM/-EINVAL. *out is owned by the caller: ctfw_ct_free(). */
int ctfw_ct_new(const struct ctfw_ct_params *params, struct ctfw_ct **out);
void ctfw_ct_free(struct ctfw_ct *ct);  /* accepts NULL; no events */

/* Replace the settings (sysctl writes). Timeouts reach existing entries
 * at their next packet; a new bucket count rehashes; returns 0 or
 * -ENOMEM (settings unchanged). */
int ctfw_ct_set_config(struct ctfw_ct *ct, const struct ctfw_ct_config *c);
const struct ctfw_ct_config *ctfw_ct_get_config(const struct ctfw_ct *ct);

/*
 * Attach a table-full policy (include/ctfw/policy.h), or detach with
 * NULL. Borrowed: it must outlive the context. Without one (the default)
 * the table is Linux's, exactly. Attach before the first packet.
 * Returns 0 or -ENOMEM.
 */
struct ctfw_policy;
int ctfw_ct_set_policy(struct ctfw_ct *ct, struct ctfw_policy *pol);
/* A reason that a policy, not Linux, gave. */
bool ctfw_ct_reason_is_policy(enum ctfw_ct_reason r);

/* The -200 hook (nf_conntrack_in). Returns ref->verdict. */
enum ctfw_ct_verdict ctfw_ct_in(struct ctfw_ct *ct, const struct ctfw_pkt *pkt,
                                uint64_t now_ns, enum ctfw_ct_hook hook,
                                struct ctfw_ct_ref *ref);
/*
 * Batched lookups: for a burst of packets, ctfw_ct_prefetch() on each
 * (builds the tuple, hashes it, prefetches the bucket head and fills a
 * hint), then ctfw_ct_prefetch_entry() on each hint (prefetches the first
 * entry of the chain), then ctfw_ct_in_hint() on each packet with its
 * hint, which then neither rebuilds nor rehashes the tuple. Hints only:
 * the table and every result are those of ctfw_ct_in() alone. A hint is
 * used only when it was made by this context, for the zone the packet
 * has at the hook, and for a packet whose addresses and ports are the
 * same (TCP, UDP, UDP-Lite, SCTP); anything else (another packet, a
 * zone set by the raw table, a reassembled datagram) is looked up
 * normally. bench/bench_ct measures it.
 */
struct ctfw_ct_hint {
    const struct ctfw_ct *ct;    /* NULL: no hint */
    uint32_t hash;               /* private */
    uint16_t zone;
    uint8_t family, proto;
    union ctfw_addr src, dst;    /* the tuple, as the packet has it */
    uint16_t sport, dport;
};

void ctfw_ct_prefetch(const struct ctfw_ct *ct, const struct ctfw_pkt *pkt,
                      uint16_t zone, struct ctfw_ct_hint *hint);
void ctfw_ct_prefetch_entry(const struct ctfw_ct *ct,
                            const struct ctfw_ct_hint *hint);
/* A third pass, after ctfw_ct_prefetch_entry() on the whole burst: when
 * a chain's first entry (arrived by now) is not the packet's, prefetch
 * the next one. */
void ctfw_ct_prefetch_next(const struct ctfw_ct *ct,
                           const struct ctfw_ct_hint *hint);
/* ctfw_ct_in() with a hint from ctfw_ct_prefetch(); hint may be NULL. */
enum ctfw_ct_verdict ctfw_ct_in_hint(struct ctfw_ct *ct,
                                     const struct ctfw_pkt *pkt,
                                     uint64_t now_ns, enum ctfw_ct_hook hook,
                                     struct ctfw_ct_ref *ref,
                                     const struct ctfw_ct_hint *hint);
/* The confirm hook at the end of the path (nf_confirm). Returns the
 * verdict: DROP when insertion failed (insert_failed). */
enum ctfw_ct_verdict ctfw_ct_confirm(struct ctfw_ct *ct,
                                     struct ctfw_ct_ref *ref,
                                     uint64_t now_ns);
/* The packet was dropped: an unconfirmed entry is freed, uncounted. */
void ctfw_ct_abort(struct ctfw_ct *ct, struct ctfw_ct_ref *ref);
/*
 * The helper step of the confirm hook (nf_confirm() runs the entry's
 * helper on every packet, then confirms): call it right before
 * ctfw_ct_confirm() with the packet as it leaves (after NAT). It parses
 * the payload of a connection that has a helper (FTP: PORT/EPRT, 227/229)
 * and registers expectations. Returns ref->verdict: DROP when the helper
 * drops the packet (partial command, expectation refused; reason
 * CTFW_CT_R_HELPER); an unconfirmed entry is then freed as by
 * ctfw_ct_abort(). pkt is read during the call only.
 */
enum ctfw_ct_verdict ctfw_ct_help(struct ctfw_ct *ct, struct ctfw_ct_ref *ref,
                                  const struct ctfw_pkt *pkt,
                                  uint64_t now_ns);

/* Run the gc worker invocations due up to now_ns. */
void ctfw_ct_advance(struct ctfw_ct *ct, uint64_t now_ns);

/* conntrack -F: every confirmed entry is destroyed (reason FLUSH). */
void ctfw_ct_flush(struct ctfw_ct *ct, uint64_t now_ns);

/* Statistics, 6.x meaning (see docs/conntrack.md). */
struct ctfw_ct_stats {
    uint64_t found, invalid, insert, insert_failed, drop, early_drop;
    uint64_t error, search_restart, clash_resolve, chaintoolong;
    uint64_t expect_new, expect_create, expect_delete;
};
void ctfw_ct_get_stats(const struct ctfw_ct *ct, struct ctfw_ct_stats *out);
uint32_t ctfw_ct_count(const struct ctfw_ct *ct); /* nf_conntrack_count */
uint64_t ctfw_ct_reason_count(const struct ctfw_ct *ct,
                              enum ctfw_ct_reason r);
const char *ctfw_ct_reason_name(enum ctfw_ct_reason r);
const char *ctfw_ct_destroy_reason_name(enum ctfw_ct_destroy_reason r);

/*
 * Listing: up to cap live entries (expired ones are reaped first, as a
 * netlink dump does), sorted by family, protocol, original source,
 * destination, ports and zone. Returns the number of live entries; when
 * it exceeds cap, out holds an unspecified subset (sorted).
 */
size_t ctfw_ct_list(struct ctfw_ct *ct, uint64_t now_ns,
                    const struct ctfw_ct_entry **out, size_t cap);

/* Visit every confirmed entry in slot order, without reaping the expired
 * ones (so a report's look at the table changes nothing, unlike
 * ctfw_ct_list()); the entries the class counters count. */
void ctfw_ct_walk(const struct ctfw_ct *ct,
                  void (*fn)(void *arg, const struct ctfw_ct_entry *e),
                  void *arg);

/* Look an entry up by a tuple given as a decoded packet would (the
 * packet's direction). NULL when absent or expired. */
const struct ctfw_ct_entry *ctfw_ct_find(const struct ctfw_ct *ct,
                                         const struct ctfw_pkt *pkt,
                                         uint16_t zone, uint64_t now_ns,
                                         enum ctfw_ct_dir *dir);
/* REJECT --reject-with tcp-reset of a packet of this (TCP) entry:
 * nf_conntrack_tcp_set_closing(), the entry moves to CLOSE. */
void ctfw_ct_set_closing(struct ctfw_ct *ct, struct ctfw_ct_entry *e,
                         uint64_t now_ns);

/* conntrack -D for one entry (reason USER). */
void ctfw_ct_delete(struct ctfw_ct *ct, const struct ctfw_ct_entry *e,
                    uint64_t now_ns);

/* Entry accessors (for rules, NAT and reports). */
#define CTFW_CT_S_EXPECTED (1u << 0)
#define CTFW_CT_S_SEEN_REPLY (1u << 1)
#define CTFW_CT_S_ASSURED (1u << 2)
#define CTFW_CT_S_CONFIRMED (1u << 3)
#define CTFW_CT_S_SRC_NAT (1u << 4)
#define CTFW_CT_S_DST_NAT (1u << 5)
#define CTFW_CT_S_SEQ_ADJUST (1u << 6)
#define CTFW_CT_S_SRC_NAT_DONE (1u << 7)
#define CTFW_CT_S_DST_NAT_DONE (1u << 8)
#define CTFW_CT_S_DYING (1u << 9)
#define CTFW_CT_S_FIXED_TIMEOUT (1u << 10)
#define CTFW_CT_S_TEMPLATE (1u << 11)
#define CTFW_CT_S_NAT_CLASH (1u << 12)
#define CTFW_CT_S_HELPER (1u << 13)
#define CTFW_CT_S_OFFLOAD (1u << 14)
#define CTFW_CT_S_HW_OFFLOAD (1u << 15)

/* SCTP states, values as enum sctp_conntrack (6.x: 9, HEARTBEAT_ACKED,
 * is no longer used). */
enum ctfw_ct_sctp_state {
    CTFW_CT_SCTP_NONE,
    CTFW_CT_SCTP_CLOSED,
    CTFW_CT_SCTP_COOKIE_WAIT,
    CTFW_CT_SCTP_COOKIE_ECHOED,
    CTFW_CT_SCTP_ESTABLISHED,
    CTFW_CT_SCTP_SHUTDOWN_SENT,
    CTFW_CT_SCTP_SHUTDOWN_RECD,
    CTFW_CT_SCTP_SHUTDOWN_ACK_SENT,
    CTFW_CT_SCTP_HEARTBEAT_SENT,
    CTFW_CT_SCTP_STATE_COUNT
};
const char *ctfw_ct_sctp_state_name(enum ctfw_ct_sctp_state s);

/* TCP states, values as enum tcp_conntrack. */
enum ctfw_ct_tcp_state {
    CTFW_CT_TCP_NONE,
    CTFW_CT_TCP_SYN_SENT,
    CTFW_CT_TCP_SYN_RECV,
    CTFW_CT_TCP_ESTABLISHED,
    CTFW_CT_TCP_FIN_WAIT,
    CTFW_CT_TCP_CLOSE_WAIT,
    CTFW_CT_TCP_LAST_ACK,
    CTFW_CT_TCP_TIME_WAIT,
    CTFW_CT_TCP_CLOSE,
    CTFW_CT_TCP_SYN_SENT2,
    CTFW_CT_TCP_STATE_COUNT
};
const char *ctfw_ct_tcp_state_name(enum ctfw_ct_tcp_state s);

/*
 * What an entry counts as in a per-state breakdown (a report's stacked
 * occupancy chart, the timeline's columns): its TCP state, or for the
 * other protocols whether a reply was seen (SEEN_REPLY, conntrack -L's
 * [UNREPLIED] mark). The context keeps one counter per class over its
 * confirmed entries, updated where a state or SEEN_REPLY changes, so a
 * breakdown costs no walk of the table. Like nf_conntrack_count, the
 * counters include entries that have expired and wait for the gc.
 */
enum ctfw_ct_class {
    /* 0 .. CTFW_CT_TCP_STATE_COUNT - 1: the TCP state (NONE never
     * occurs in the table). */
    CTFW_CT_CLASS_UDP_UNREPLIED = CTFW_CT_TCP_STATE_COUNT,
    CTFW_CT_CLASS_UDP_REPLIED,      /* UDP and UDP-Lite */
    CTFW_CT_CLASS_ICMP_UNREPLIED,   /* ICMP and ICMPv6 */
    CTFW_CT_CLASS_ICMP_REPLIED,
    CTFW_CT_CLASS_OTHER_UNREPLIED,  /* GRE, generic */
    CTFW_CT_CLASS_OTHER_REPLIED,
    CTFW_CT_CLASS_COUNT
};
/* "SYN_SENT" ... for TCP, "UDP_UNREPLIED", ... for the others. */
const char *ctfw_ct_class_name(enum ctfw_ct_class c);
enum ctfw_ct_class ctfw_ct_entry_class(const struct ctfw_ct_entry *e);
/* The confirmed entries of each class; their sum is ctfw_ct_count()
 * between packets. */
void ctfw_ct_count_by_class(const struct ctfw_ct *ct,
                            uint32_t out[CTFW_CT_CLASS_COUNT]);

/* A tuple as stored: ports in host order; ICMP: sport = id,
 * dport = type << 8 | code. */
struct ctfw_ct_tuple {
    union ctfw_addr src, dst;
    uint16_t sport, dport;
};

uint32_t ctfw_ct_entry_status(const struct ctfw_ct_entry *e);
uint32_t ctfw_ct_entry_mark(const struct ctfw_ct_entry *e);
void ctfw_ct_entry_set_mark(struct ctfw_ct *ct, struct ctfw_ct_entry *e,
                            uint32_t mark);
uint16_t ctfw_ct_entry_zone(const struct ctfw_ct_entry *e);
uint8_t ctfw_ct_entry_family(const struct ctfw_ct_entry *e); /* 4 / 6 */
uint8_t ctfw_ct_entry_proto(const struct ctfw_ct_entry *e);
uint32_t ctfw_ct_entry_id(const struct ctfw_ct_entry *e);
void ctfw_ct_entry_tuple(const struct ctfw_ct_entry *e, enum ctfw_ct_dir d,
                         struct ctfw_ct_tuple *out);
/* TCP state, or -1 for other protocols. */
int ctfw_ct_entry_tcp_state(const struct ctfw_ct_entry *e);
/* Remaining seconds at now_ns as nf_ct_expires()/HZ (whole jiffies). */
int64_t ctfw_ct_entry_expires(const struct ctfw_ct *ct,
                              const struct ctfw_ct_entry *e, uint64_t now_ns);
/* Counters (false when the entry has no acct extension). */
bool ctfw_ct_entry_acct(const struct ctfw_ct *ct,
                        const struct ctfw_ct_entry *e, enum ctfw_ct_dir d,
                        uint64_t *packets, uint64_t *bytes);

/*
 * For NAT (nf_nat_setup_info): while the entry is unconfirmed, replace
 * its reply tuple (nf_conntrack_alter_reply) and OR status bits in
 * (SRC_NAT, DST_NAT, *_NAT_DONE). Returns 0, or -EBUSY once confirmed.
 */
int ctfw_ct_entry_set_reply(struct ctfw_ct_entry *e,
                            const struct ctfw_ct_tuple *reply);
void ctfw_ct_entry_set_status(struct ctfw_ct_entry *e, uint32_t bits);
/*
 * nf_conntrack_tuple_taken(): is the tuple (as a packet in the given
 * zone would carry it) already used by another live entry than ignored?
 * Counts the `found` statistic when it is.
 */
bool ctfw_ct_tuple_taken(struct ctfw_ct *ct, uint8_t family, uint8_t proto,
                         uint16_t zone, const struct ctfw_ct_tuple *t,
                         const struct ctfw_ct_entry *ignored,
                         uint64_t now_ns);

/*
 * The NAT by-source hash (nf_nat_bysource): nf_nat_setup_info() adds an
 * entry that got its SRC binding (0, or -ENOMEM); the entry leaves when
 * it is freed. ctfw_ct_natsrc_find() is find_appropriate_src()'s walk:
 * fn is called for each entry whose ORIGINAL tuple has this source
 * (family, protocol, zone, address, port; ICMP: id), newest first, until
 * it returns true; that entry is returned (NULL when none).
 */
int ctfw_ct_natsrc_add(struct ctfw_ct *ct, struct ctfw_ct_entry *e);
const struct ctfw_ct_entry *
ctfw_ct_natsrc_find(struct ctfw_ct *ct, uint8_t family, uint8_t proto,
                    uint16_t zone, const union ctfw_addr *src,
                    uint16_t sport,
                    bool (*fn)(void *arg, const struct ctfw_ct_entry *e),
                    void *arg);

/*
 * nf_nat_used_tuple_harder(): the last attempts of a NAT port search for a
 * TCP connection in SYN_SENT (ignored): like ctfw_ct_tuple_taken() but
 * `found` is not counted, and a TIME_WAIT (or later) SNAT connection whose
 * sequence numbers the new one has passed is killed to free the tuple.
 */
bool ctfw_ct_tuple_taken_harder(struct ctfw_ct *ct, uint8_t family,
                                uint8_t proto, uint16_t zone,
                                const struct ctfw_ct_tuple *t,
                                struct ctfw_ct_entry *ignored,
                                uint64_t now_ns);

/* nf_ct_invert_tuple(): the tuple of the other direction (false for an
 * ICMP type that has no answer). */
bool ctfw_ct_tuple_invert(uint8_t family, uint8_t proto,
                          const struct ctfw_ct_tuple *in,
                          struct ctfw_ct_tuple *out);

/* The entry's helper (helper=ftp in listings), NONE when none. */
enum ctfw_ct_helper ctfw_ct_entry_helper(const struct ctfw_ct_entry *e);
/* The master of an EXPECTED entry while the master is alive, else NULL. */
const struct ctfw_ct_entry *
ctfw_ct_entry_master(const struct ctfw_ct *ct, const struct ctfw_ct_entry *e);

/*
 * Expectations (nf_conntrack_expect): tuple + mask registered by a
 * helper; the first new connection matching one becomes EXPECTED (RELATED
 * until a reply). Limited by expect_max; removed when used, when their
 * master dies, when evicted (max_expected per master) or at their timeout
 * on the injected clock. A pointer from ctfw_ct_expect_list() is valid
 * until the next call on the context that takes a clock value.
 */
struct ctfw_ct_expect;
uint32_t ctfw_ct_expect_count(const struct ctfw_ct *ct);
/* Live expectations, oldest first (the kernel lists in hash order).
 * Returns their number; out holds at most cap of them. */
size_t ctfw_ct_expect_list(struct ctfw_ct *ct, uint64_t now_ns,
                           const struct ctfw_ct_expect **out, size_t cap);
/* `conntrack -L expect` line (conntrack-tools 1.4.7). */
int ctfw_ct_format_expect(const struct ctfw_ct *ct,
                          const struct ctfw_ct_expect *x, uint64_t now_ns,
                          char *buf, size_t len);
/* /proc/net/nf_conntrack_expect line. */
int ctfw_ct_format_expect_proc(const struct ctfw_ct *ct,
                               const struct ctfw_ct_expect *x,
                               uint64_t now_ns, char *buf, size_t len);

/* Bytes per entry in the table (the memory target). */
size_t ctfw_ct_entry_size(void);

/*
 * Formats (format.c). Each writes one line WITHOUT trailing newline into
 * buf (always NUL-terminated, truncated at len) and returns the length
 * the full text needs, like snprintf.
 */
#define CTFW_CT_FMT_EXTENDED (1u << 0) /* -o extended: l3 prefix */
#define CTFW_CT_FMT_ID (1u << 1)       /* -o id */
#define CTFW_CT_FMT_TIMESTAMP (1u << 2) /* -E -o timestamp: [s.us]\t */
/* `conntrack -L` line (conntrack-tools 1.4.7). */
int ctfw_ct_format_entry(const struct ctfw_ct *ct,
                         const struct ctfw_ct_entry *e, uint64_t now_ns,
                         unsigned flags, char *buf, size_t len);
/* /proc/net/nf_conntrack line. */
int ctfw_ct_format_proc(const struct ctfw_ct *ct,
                        const struct ctfw_ct_entry *e, uint64_t now_ns,
                        char *buf, size_t len);
/* `conntrack -E` line; CTFW_CT_FMT_EXTENDED adds the l3 prefix. */
int ctfw_ct_format_event(const struct ctfw_ct *ct,
                         const struct ctfw_ct_event *ev, unsigned flags,
                         char *buf, size_t len);
/* `conntrack -S` for ncpu CPUs (all counts on cpu 0): ncpu lines joined
 * by '\n', each with conntrack's trailing space. */
int ctfw_ct_format_stats(const struct ctfw_ct *ct, unsigned ncpu, char *buf,
                         size_t len);
/* /proc/net/stat/nf_conntrack: header + ncpu lines, joined by '\n'. */
int ctfw_ct_format_proc_stat(const struct ctfw_ct *ct, unsigned ncpu,
                             char *buf, size_t len);
/* `conntrack -C`. */
int ctfw_ct_format_count(const struct ctfw_ct *ct, char *buf, size_t len);

#endif /* CTFW_CT_H */
