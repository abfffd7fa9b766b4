/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to lib/hook. */
#ifndef CTFW_HOOK_PRIVATE_H
#define CTFW_HOOK_PRIVATE_H

#include "ctfw/hook.h"
#include "ctfw/nat.h"
#include "defrag.h"

/* Room for the link header kept in front of a reassembled datagram. */
#define CTFW_DEFRAG_LINK_MAX 128

struct ctfw_pipeline {
    struct ctfw_pipeline_params p;
    struct ctfw_ct *ct;          /* shared by both families, as the
                                    kernel's per-netns table */
    bool ct_on[2];               /* [0] IPv4, [1] IPv6 registered */
    /* Per family ([0] IPv4, [1] IPv6) and hook, the steps that exist:
     * conntrack's and the tables with a chain there (pipeline.c,
     * plan_check()), for the ruleset plan_rs at generation plan_gen. */
    uint8_t plan[2][CTFW_HOOK_COUNT][8];
    const struct ctfw_ruleset *plan_rs[2];
    unsigned plan_gen[2];
    bool plan_ok[2];
    unsigned force_out;          /* ctfw_pipeline_forward(): out port */
    /* ctfw_pipeline_ct_hint(): the hint for the next packet, then
     * (hint_now) for that packet's first conntrack lookup. */
    const struct ctfw_ct_hint *ct_hint, *hint_now;
    struct ctfw_rules_env env;
    /* REJECT answers (reject.c): sent through OUTPUT and POSTROUTING,
     * dropped there, or not sent at all (the kernel sends none). */
    uint64_t rejects_sent, rejects_dropped, rejects_unsent;
    int reject_depth;
    uint8_t reject_buf[1500];
    struct ctfw_skb reject_skb;
    /* The forwarded packet as it leaves (on_output), TTL decreased. */
    uint8_t out_buf[65535];
    /* IPv4 and IPv6 reassembly (defrag.c): the queues, the datagram
     * being completed (by defrag_cur) and its fragments until the
     * packet is done. */
    struct ctfw_defrag *defrag, *defrag6, *defrag_cur;
    struct ctfw_defrag_queue *defrag_done;
    uint64_t defrag_refused, defrag_held_dropped;
    struct ctfw_pkt defrag_pkt;
    uint8_t defrag_buf[CTFW_DEFRAG_LINK_MAX + 65535];
    /* NAT (lib/nat): bindings and the packet being rewritten (a copy of
     * the caller's bytes, made at its first change); nat_rewrote says
     * the current packet's bytes changed. */
    struct ctfw_nat *nat;
    bool nat_rewrote;
    uint8_t nat_buf[CTFW_DEFRAG_LINK_MAX + 65535];
    /* The ICMP rate limits every locally sent ICMP message meets
     * (icmp_limit.c). */
    struct hook_icmp_limit *icmp_limit;
};

/* icmp_limit.c: icmp_send()'s rate limits. ip is a message the host is
 * about to send (IP header onwards); true when the limits let it go
 * (anything but ICMP always). Pure: time is now_ns. */
struct hook_icmp_limit;
struct hook_icmp_limit *hook_icmp_limit_new(uint64_t seed);
void hook_icmp_limit_free(struct hook_icmp_limit *l);
bool hook_icmp_limit_allow(struct hook_icmp_limit *l,
                           const struct ctfw_sysctl *s,
                           const struct ctfw_host *host, const uint8_t *ip,
                           size_t len, uint64_t now_ns, bool exempt);
void hook_icmp_limit_stats(const struct hook_icmp_limit *l, uint64_t *host,
                           uint64_t *global);

/* The conntrack settings in force for these sysctls. */
void ctfw_hook_ct_config(struct ctfw_ct_config *cfg,
                         const struct ctfw_sysctl *s);

#endif
