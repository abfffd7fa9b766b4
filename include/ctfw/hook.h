/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The netfilter pipeline: every hook a packet crosses, with every table
 * and conntrack step in the kernel's priority order
 * (reference/linux-netfilter.md §1):
 *
 *   PREROUTING   raw -300, conntrack -200, mangle -150, nat(DNAT) -100
 *   routing decision (the host model)
 *   INPUT        mangle -150, filter 0, security 50, nat(SNAT) 100,
 *                confirm               (iptables-nft: security at 150,
 *                                       after nat)
 *   FORWARD      mangle, filter, security
 *   OUTPUT       raw, conntrack, mangle, nat(DNAT), filter, security
 *   POSTROUTING  mangle, nat(SNAT), confirm
 *
 * Loopback traffic is tracked in OUTPUT, confirmed in POSTROUTING, and
 * re-enters on lo, where conntrack sees the attached entry and does
 * nothing (§1.3).
 *
 * Usage: ctfw_pipeline_new() with the rulesets, host model and sysctls;
 * ctfw_pipeline_packet() once per packet in time order;
 * ctfw_pipeline_advance() to run the clock past the last packet;
 * ctfw_pipeline_conntrack() to list or format the table. The packets
 * that leave the host (forwarded, locally generated, REJECT answers)
 * are handed to the on_output callback of the params as IP bytes; the
 * pipeline itself writes nothing (I/O is the caller's).
 *
 * Ownership: the pipeline borrows the rulesets (their counters change),
 * the host model and the sysctls; they must outlive it. It owns its
 * conntrack table. Not thread-safe; pure (time is an argument).
 */
#ifndef CTFW_HOOK_H
#define CTFW_HOOK_H

#include <stdbool.h>
#include <stdint.h>

#include "ctfw/ct.h"
#include "ctfw/eval.h"
#include "ctfw/host.h"
#include "ctfw/pkt.h"
#include "ctfw/rules.h"
#include "ctfw/skb.h"
#include "ctfw/sysctl.h"

/* Why a packet was dropped; each reason is counted. */
enum ctfw_drop_reason {
    CTFW_DROP_NONE,
    CTFW_DROP_RULE,          /* a rule's DROP/REJECT */
    CTFW_DROP_POLICY,        /* a built-in chain's DROP policy */
    CTFW_DROP_HOTDROP,       /* a match dropped a malformed packet */
    CTFW_DROP_CT_TABLE_FULL, /* nf_conntrack: table full */
    CTFW_DROP_CT_INVALID,    /* a conntrack tracker returned drop */
    CTFW_DROP_CT_INSERT,     /* confirm failed (insert_failed) */
    CTFW_DROP_IP_HEADER,     /* ip_rcv refused it before PREROUTING */
    CTFW_DROP_FORWARD_OFF,   /* not local, forwarding off */
    CTFW_DROP_NO_ROUTE,      /* forwarding on, no route */
    CTFW_DROP_TTL_EXCEEDED,  /* forwarding would take the TTL to 0 */
    CTFW_DROP_CT_HELPER,     /* a conntrack helper dropped it */
    CTFW_DROP_DEFRAG,        /* reassembly refused the fragment:
                                duplicate, overlap, impossible, or the
                                memory bound */
    CTFW_DROP_NAT_EXHAUSTED, /* NAT found no unique tuple (port range
                                used up): the kernel keeps the clashing
                                tuple and fails at confirm, counted in
                                insert_failed */
    CTFW_DROP_NAT,           /* NAT could not rewrite it (ICMP error
                                with a bad checksum, redirect of a
                                NATed connection, header too short) */
    CTFW_DROP_CT_POLICY,     /* a table-full policy refused it (never
                                without one; ct_reason says which:
                                docs/policies.md) */
    CTFW_DROP_REASON_COUNT
};

const char *ctfw_drop_reason_name(enum ctfw_drop_reason r);

/* Not an IP packet (ARP, LLDP, ...): netfilter's IP hooks never see it. */
#define CTFW_PIPELINE_NOT_IP 0x1
/* An IPv4 fragment held by defrag (-400, conntrack on): it completes no
 * datagram yet (the kernel's NF_STOLEN). accept is true; its fate is the
 * datagram's, decided when the last fragment arrives. */
#define CTFW_PIPELINE_QUEUED 0x2
/* This fragment completed a datagram: the result is the reassembled
 * datagram's, and frags says how many fragments it was made of (the
 * others were QUEUED before). */
#define CTFW_PIPELINE_REASSEMBLED 0x4

struct ctfw_pipeline_result {
    bool accept;
    uint8_t reason;          /* enum ctfw_drop_reason */
    uint8_t flags;           /* CTFW_PIPELINE_* */
    uint8_t path;            /* enum ctfw_host_path */
    /* Where the fate was decided (the drop, or the last table that
     * accepted when no table dropped: CTFW_TABLE_COUNT then). */
    uint8_t hook;
    uint8_t table;
    const char *chain;
    unsigned rule;           /* 0: policy */
    const char *target;
    /* The packet's conntrack state as the last rule saw it: "NEW",
     * "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED", or "-" when the
     * namespace does not track this family. */
    const char *ctstate;
    uint8_t ct_reason;       /* enum ctfw_ct_reason when INVALID/drop */
    unsigned in_ifindex, out_ifindex;
    unsigned frags;          /* CTFW_PIPELINE_REASSEMBLED: fragments */
};

struct ctfw_pipeline_params {
    struct ctfw_ruleset *rules4;     /* NULL: no IPv4 rules */
    struct ctfw_ruleset *rules6;     /* NULL: no IPv6 rules */
    const struct ctfw_host *host;
    const struct ctfw_sysctl *sysctl;
    uint64_t seed;                   /* conntrack hash key */
    uint64_t start_ns;
    bool legacy;                     /* iptables-legacy table order */
    /* Every kernel log line: LOG target lines and conntrack's. */
    void (*on_log)(void *arg, uint64_t now_ns, int level,
                   const char *line);
    void *log_arg;
    void (*on_ct_event)(void *arg, const struct ctfw_ct_event *ev);
    void *ct_event_arg;
    /*
     * Every packet that leaves the host, as it leaves: forwarded and
     * locally generated packets that passed POSTROUTING (forwarded ones
     * with the TTL or hop limit decreased and the IPv4 header checksum
     * fixed, as ip_forward() leaves them), and the REJECT answers the
     * pipeline builds. Packets delivered locally (INPUT) and loopback
     * traffic do not leave. ip is the IP header onwards (no link
     * header); caplen bytes of it are there, wirelen is the IP length.
     * The bytes are borrowed for the call. NULL: not needed.
     */
    void (*on_output)(void *arg, uint64_t now_ns, const uint8_t *ip,
                      size_t caplen, size_t wirelen);
    void *output_arg;
};

struct ctfw_pipeline;

/* 0, -ENOMEM or -EINVAL. */
int ctfw_pipeline_new(const struct ctfw_pipeline_params *p,
                      struct ctfw_pipeline **out);
void ctfw_pipeline_free(struct ctfw_pipeline *pl);

/*
 * One packet. in_ifindex_hint and outgoing come from the capture when it
 * says (LINUX_SLL2 interface index, packet type 4 = outgoing); 0/false
 * otherwise.
 */
void ctfw_pipeline_packet(struct ctfw_pipeline *pl,
                          const struct ctfw_pkt *pkt, uint64_t now_ns,
                          unsigned in_ifindex_hint, bool outgoing,
                          struct ctfw_pipeline_result *res);

/*
 * A conntrack hint (ctfw_ct_prefetch(), include/ctfw/ct.h) for the next
 * packet given to ctfw_pipeline_packet() or ctfw_pipeline_forward(): its
 * conntrack lookup starts from the hint's hash when the hint fits the
 * packet. Borrowed until that call returns; the call forgets it.
 */
void ctfw_pipeline_ct_hint(struct ctfw_pipeline *pl,
                           const struct ctfw_ct_hint *hint);

/*
 * One packet on a bump in the wire (ctfw live --bridge): no routing
 * decision; an IP packet that arrived on in_ifindex crosses PREROUTING,
 * FORWARD and POSTROUTING towards out_ifindex (a DNAT does not reroute
 * it). Otherwise as ctfw_pipeline_packet().
 */
void ctfw_pipeline_forward(struct ctfw_pipeline *pl,
                           const struct ctfw_pkt *pkt, uint64_t now_ns,
                           unsigned in_ifindex, unsigned out_ifindex,
                           struct ctfw_pipeline_result *res);

/*
 * Swap the rulesets (an atomic reload): the conntrack table, NAT
 * bindings and defrag queues are kept; which families conntrack tracks
 * follows the new rulesets. The old ones are the caller's to free.
 */
void ctfw_pipeline_set_rules(struct ctfw_pipeline *pl,
                             struct ctfw_ruleset *rules4,
                             struct ctfw_ruleset *rules6);

/* Run timers (conntrack gc, expiry) up to now_ns. */
void ctfw_pipeline_advance(struct ctfw_pipeline *pl, uint64_t now_ns);

/* The conntrack table (both families share it, as the kernel's does).
 * It exists even when no ruleset registers the hooks, as the loaded
 * module's does: it is then empty and its statistics are zero. */
struct ctfw_ct *ctfw_pipeline_conntrack(struct ctfw_pipeline *pl);

/* True when a ruleset registers conntrack for some family
 * (nf_ct_netns_get: state, conntrack, NAT, CT...). */
bool ctfw_pipeline_conntrack_on(const struct ctfw_pipeline *pl);

/* REJECT answers: sent, dropped on their way out, not sent at all. */
struct ctfw_pipeline_rejects {
    uint64_t sent, dropped, unsent;
    /* ICMP messages the host did not send because of icmp_send()'s rate
     * limits (per destination; namespace-wide). REJECT answers held
     * back are also in unsent. */
    uint64_t ratelimit_host, ratelimit_global;
};
void ctfw_pipeline_rejects(const struct ctfw_pipeline *pl,
                           struct ctfw_pipeline_rejects *out);

/* IPv4 reassembly (defrag before conntrack, reference §1.1, §8.1). */
struct ctfw_pipeline_defrag {
    uint64_t held;           /* fragments held (QUEUED results) */
    uint64_t reassembled;    /* datagrams completed */
    uint64_t refused;        /* fragments dropped on arrival (DROP
                                with reason defrag) */
    uint64_t expired;        /* queues expired incomplete */
    uint64_t held_dropped;   /* held fragments dropped later: their queue
                                expired or was killed, or their datagram
                                was dropped */
};
void ctfw_pipeline_defrag(const struct ctfw_pipeline *pl,
                          struct ctfw_pipeline_defrag *out);

#endif
