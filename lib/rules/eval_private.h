/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to lib/rules: the state an extension's match or target sees
 * while one rule is evaluated (eval.c).
 */
#ifndef CTFW_RULES_EVAL_PRIVATE_H
#define CTFW_RULES_EVAL_PRIVATE_H

#include "ctfw/eval.h"
#include "rules_private.h"

struct rules_eval {
    struct ctfw_ruleset *rs;   /* the ruleset: state shared by name
                                  (xt_recent tables) lives in it */
    struct ctfw_skb *skb;
    const struct ctfw_rules_env *env;
    const struct rules_rule *rule;
    enum ctfw_table table;
    const char *chain;         /* chain of the rule being evaluated */
    unsigned rule_no;          /* its 1-based position */
    bool hotdrop;              /* set by a match: drop the packet now */
};

/*
 * Helpers shared by the extensions' match and action callbacks
 * (eval_util.c, eval_log.c).
 */

/* The transport bytes as skb_header_pointer() sees them from the
 * transport offset (thoff): up to the end of the IP packet (the kernel
 * trims the skb to the IP length), bounded by what was captured. NULL
 * with *len 0 when there is no IP header. */
const uint8_t *rules_l4_bytes(const struct ctfw_pkt *p, uint32_t *len);

/* par->fragoff as the match sees it: IPv4 counts 8-byte units
 * (ip_tables), IPv6 counts bytes (ipv6_find_hdr() in ip6_tables). */
unsigned rules_fragoff(const struct ctfw_pkt *p);

/* port_match() of xt_tcpudp: lo <= port <= hi, inverted on request. */
bool rules_port_match(const struct rules_range *r, uint16_t port,
                      bool invert);

/* The ctstate bit of the packet's conntrack reference, in ext_ct.c's
 * ST_* values (INVALID 0x01, ESTABLISHED 0x02, RELATED 0x04, NEW 0x08,
 * UNTRACKED 0x100): XT_STATE_BIT(ctinfo) for a tracked packet. */
uint32_t rules_ct_statebit(const struct ctfw_ct_ref *ref);

/* The LOG target's line as nf_log_syslog.c prints it, without the
 * printk level; flags are the --log-* bits (XT_LOG_*). Returns the
 * length snprintf() would. */
#define RULES_LOG_TCPSEQ 0x01
#define RULES_LOG_TCPOPT 0x02
#define RULES_LOG_IPOPT 0x04
#define RULES_LOG_UID 0x08
#define RULES_LOG_MACDECODE 0x20
int rules_log_format(char *buf, size_t len, const struct ctfw_skb *skb,
                     const char *prefix, unsigned flags);

#endif
