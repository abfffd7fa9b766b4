/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctfw NAT: the Linux 6.x nf_nat core on top of ctfw conntrack
 * (reference/linux-netfilter.md §9, docs/nat.md).
 *
 * NAT lives in the conntrack entry. The nat table sees the first packet
 * of a connection once per manipulation type (DST at PREROUTING/OUTPUT,
 * SRC at POSTROUTING/INPUT); a NAT target binds the entry
 * (ctfw_nat_setup_info: a unique tuple is chosen and the entry's REPLY
 * tuple rewritten); when no rule binds, a null binding is made
 * (ctfw_nat_null_binding). Every packet of the connection, both
 * directions, is then rewritten from the entry (ctfw_nat_packet), and
 * ICMP errors about it have their quoted header translated too
 * (ctfw_nat_icmp_reply_translation). The pipeline (lib/hook) runs these
 * at the nat hooks; the rules evaluator reaches the targets through
 * ctfw_rules_env.nat with a struct ctfw_nat_request.
 *
 * Usage:
 *     struct ctfw_nat *nat;
 *     ctfw_nat_new(seed, &nat);             // random port offsets
 *     ... ctfw_nat_setup_info(nat, ct, entry, &range, MANIP_SRC, now)
 *     ... ctfw_nat_packet(entry, info, hook, ip, caplen, iplen)
 *     ctfw_nat_free(nat);
 *
 * Ownership: the context holds only its random state and counters; the
 * entries are the conntrack table's. Not thread-safe; pure (the random
 * offsets come from the seed, so a replay is reproducible).
 */
#ifndef CTFW_NAT_H
#define CTFW_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctfw/ct.h"
#include "ctfw/host.h"
#include "ctfw/pkt.h"
#include "ctfw/skb.h"

/* Range flags, values as NF_NAT_RANGE_* (uapi nf_nat.h). */
#define CTFW_NAT_RANGE_MAP_IPS 0x01
#define CTFW_NAT_RANGE_PROTO_SPECIFIED 0x02
#define CTFW_NAT_RANGE_PROTO_RANDOM 0x04
#define CTFW_NAT_RANGE_PERSISTENT 0x08
#define CTFW_NAT_RANGE_PROTO_RANDOM_FULLY 0x10
#define CTFW_NAT_RANGE_PROTO_OFFSET 0x20
#define CTFW_NAT_RANGE_NETMAP 0x40
#define CTFW_NAT_RANGE_PROTO_RANDOM_ALL                                     \
    (CTFW_NAT_RANGE_PROTO_RANDOM | CTFW_NAT_RANGE_PROTO_RANDOM_FULLY)

/* enum nf_nat_manip_type */
enum ctfw_nat_manip {
    CTFW_NAT_MANIP_SRC = 0,
    CTFW_NAT_MANIP_DST = 1,
};

/* HOOK2MANIP(): SRC at POSTROUTING and INPUT, DST at PREROUTING and
 * OUTPUT. */
static inline enum ctfw_nat_manip
ctfw_nat_hook_manip(enum ctfw_hook h)
{
    return (h == CTFW_HOOK_POST_ROUTING || h == CTFW_HOOK_LOCAL_IN)
               ? CTFW_NAT_MANIP_SRC
               : CTFW_NAT_MANIP_DST;
}

/* struct nf_nat_range2: addresses in network order, ports in host
 * order (ICMP: the echo id). */
struct ctfw_nat_range {
    uint32_t flags;            /* CTFW_NAT_RANGE_* */
    union ctfw_addr min_addr, max_addr;
    uint16_t min_port, max_port;
    uint16_t base_port;        /* PROTO_OFFSET: port of min_port */
};

/* What a nat table rule asks for (the target's parameters). */
enum ctfw_nat_target {
    CTFW_NAT_T_SNAT,
    CTFW_NAT_T_DNAT,
    CTFW_NAT_T_MASQUERADE,   /* range: ports and flags only */
    CTFW_NAT_T_REDIRECT,     /* range: ports and flags only */
    CTFW_NAT_T_NETMAP,       /* range.min_addr: prefix; max_addr: the
                                prefix's last address */
};

struct ctfw_nat_request {
    uint8_t target;            /* enum ctfw_nat_target */
    struct ctfw_nat_range range;
};

struct ctfw_nat_stats {
    uint64_t bindings;         /* nf_nat_setup_info() by a target */
    uint64_t null_bindings;    /* nf_nat_alloc_null_binding() */
    uint64_t translated;       /* bindings that changed the tuple */
    uint64_t no_unique;        /* searches that found no free tuple (the
                                  last candidate was kept: the kernel
                                  then fails at confirm) */
    uint64_t rewritten;        /* packets whose bytes were changed */
    uint64_t dropped;          /* packets NAT dropped (bad ICMP error,
                                  REDIRECT without address, ...) */
};

struct ctfw_nat;

/* 0 or -ENOMEM. */
int ctfw_nat_new(uint64_t seed, struct ctfw_nat **out);
void ctfw_nat_free(struct ctfw_nat *nat);   /* accepts NULL */
void ctfw_nat_get_stats(const struct ctfw_nat *nat,
                        struct ctfw_nat_stats *out);

/* nf_nat_initialized(): the entry has its binding for this manip. */
bool ctfw_nat_initialized(const struct ctfw_ct_entry *e,
                          enum ctfw_nat_manip m);

/*
 * nf_nat_setup_info(): choose a unique tuple in range for an unconfirmed
 * entry (get_unique_tuple), store its inverse as the entry's REPLY tuple,
 * set SRC_NAT/DST_NAT when it changed and SRC_NAT_DONE/DST_NAT_DONE.
 * Returns true (NF_ACCEPT); false (NF_DROP) only when the entry already
 * has this binding, as the kernel's WARN_ON path. A confirmed entry is
 * left alone (true).
 */
bool ctfw_nat_setup_info(struct ctfw_nat *nat, struct ctfw_ct *ct,
                         struct ctfw_ct_entry *e,
                         const struct ctfw_nat_range *range,
                         enum ctfw_nat_manip m, uint64_t now_ns);

/* nf_nat_alloc_null_binding(): identity mapping of the address; the
 * port may still change when the identity tuple is taken. */
bool ctfw_nat_null_binding(struct ctfw_nat *nat, struct ctfw_ct *ct,
                           struct ctfw_ct_entry *e, enum ctfw_nat_manip m,
                           uint64_t now_ns);

/*
 * A NAT target: SNAT/DNAT bind with their range; MASQUERADE takes the
 * first address of the out-interface (host model; none: drop);
 * REDIRECT the in-interface's first address (127.0.0.1 at OUTPUT; none:
 * drop); NETMAP maps the address's host part into the prefix. Returns
 * true for NF_ACCEPT, false for NF_DROP.
 */
bool ctfw_nat_target(struct ctfw_nat *nat, struct ctfw_ct *ct,
                     const struct ctfw_host *host, struct ctfw_skb *skb,
                     const struct ctfw_nat_request *req);

/*
 * nf_nat_packet(): rewrite one packet of the entry at this hook as the
 * binding says (incremental checksums). ip points at the IP header;
 * caplen bytes of it are writable, iplen is the IP length (bytes beyond
 * caplen were not captured and are left alone). Returns 1 when the bytes
 * changed, 0 when the binding leaves this packet alone, -1 when the
 * packet must be dropped (header shorter than the protocol needs).
 */
int ctfw_nat_packet(struct ctfw_nat *nat, const struct ctfw_ct_entry *e,
                    enum ctfw_ct_info info, enum ctfw_hook hook,
                    uint8_t *ip, size_t caplen, size_t iplen);

/* Would ctfw_nat_packet() or the ICMP translation change this packet?
 * (Lets the caller copy the bytes only when needed.) */
bool ctfw_nat_needed(const struct ctfw_ct_entry *e, enum ctfw_ct_info info,
                     enum ctfw_hook hook);

/*
 * nf_nat_icmp_reply_translation() (IPv4) and its IPv6 twin: an ICMP
 * error RELATED to the entry: the quoted header is translated as the
 * other direction's packets are, the ICMP checksum recomputed, then the
 * outer addresses translated. Returns 1 when changed, 0 unchanged, -1
 * when the packet must be dropped (bad checksum at PREROUTING/INPUT,
 * redirect for a NATed connection, header not captured).
 */
int ctfw_nat_icmp_reply_translation(struct ctfw_nat *nat,
                                    const struct ctfw_ct_entry *e,
                                    enum ctfw_ct_info info,
                                    enum ctfw_hook hook, uint8_t *ip,
                                    size_t caplen, size_t iplen);

#endif /* CTFW_NAT_H */
