/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-packet state that travels through the netfilter hooks, as the
 * kernel's struct sk_buff carries it: the decoded packet, the interfaces,
 * the mark, and the conntrack reference (skb->_nfct).
 *
 * Ownership: a struct ctfw_skb lives on the pipeline's stack for one
 * packet; it points into the caller's packet buffer (pkt.data) and, via
 * ct.entry, into the conntrack table (valid until the next packet).
 */
#ifndef CTFW_SKB_H
#define CTFW_SKB_H

#include <stdbool.h>
#include <stdint.h>

#include "ctfw/ct.h"
#include "ctfw/pkt.h"

/* Hooks, with the kernel's NF_INET_* numbers. */
enum ctfw_hook {
    CTFW_HOOK_PRE_ROUTING = 0,
    CTFW_HOOK_LOCAL_IN = 1,
    CTFW_HOOK_FORWARD = 2,
    CTFW_HOOK_LOCAL_OUT = 3,
    CTFW_HOOK_POST_ROUTING = 4,
    CTFW_HOOK_COUNT
};

/* iptables tables, in the order their hook functions run at a hook
 * where several attach (raw -300, mangle -150, nat, filter 0,
 * security 50 / 150 with iptables-nft). */
enum ctfw_table {
    CTFW_TABLE_RAW,
    CTFW_TABLE_MANGLE,
    CTFW_TABLE_NAT,
    CTFW_TABLE_FILTER,
    CTFW_TABLE_SECURITY,
    CTFW_TABLE_COUNT
};

const char *ctfw_hook_name(enum ctfw_hook h);     /* "PREROUTING" ... */
const char *ctfw_table_name(enum ctfw_table t);   /* "raw" ... */

struct ctfw_skb {
    struct ctfw_pkt pkt;      /* decoded once; NAT rewrites in place */
    uint64_t now_ns;          /* the packet's time (replay clock) */
    uint8_t hook;             /* enum ctfw_hook being traversed */
    unsigned in_ifindex;      /* 0 = none (locally generated) */
    unsigned out_ifindex;     /* 0 = none (to be delivered locally) */
    const char *in_name;      /* "" when none, as -i sees it */
    const char *out_name;
    uint32_t mark;            /* skb->mark (MARK target, -m mark) */
    struct ctfw_ct_ref ct;    /* conntrack reference */
    bool conntrack_on;        /* the namespace tracks this family */
};

#endif
