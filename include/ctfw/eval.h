/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rule evaluation: one table's chain for one hook, applied to one packet,
 * as ipt_do_table() does it (reference/linux-netfilter.md §8.1):
 * first match; jumps push, gotos do not, RETURN pops; falling off a user
 * chain returns; the end of a built-in chain is its policy; non-
 * terminating targets (LOG, MARK, CONNMARK, CT, NOTRACK, NFLOG, rules
 * without -j) continue; counters count a rule when it matches, before
 * its target, with bytes = the IP total length.
 *
 * The evaluator reads the packet and its conntrack reference from the
 * skb and may change them as targets do (mark, NOTRACK/CT templates,
 * CONNMARK). Effects that leave the packet path go through the
 * environment's callbacks: LOG lines, and REJECT answers, which the
 * pipeline turns into packets.
 *
 * The linear evaluator is the reference; any faster classifier must
 * agree with it (issue 9).
 */
#ifndef CTFW_EVAL_H
#define CTFW_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "ctfw/host.h"
#include "ctfw/nat.h"
#include "ctfw/rules.h"
#include "ctfw/skb.h"

/* REJECT --reject-with types (ipt_REJECT / ip6t_REJECT). */
enum ctfw_reject_type {
    CTFW_REJECT_NET_UNREACH,
    CTFW_REJECT_HOST_UNREACH,
    CTFW_REJECT_PROT_UNREACH,
    CTFW_REJECT_PORT_UNREACH,
    CTFW_REJECT_ECHOREPLY,
    CTFW_REJECT_NET_PROHIB,
    CTFW_REJECT_HOST_PROHIB,
    CTFW_REJECT_TCP_RESET,
    CTFW_REJECT_ADMIN_PROHIB,
    /* IPv6 */
    CTFW_REJECT6_NO_ROUTE,
    CTFW_REJECT6_ADM_PROHIBITED,
    CTFW_REJECT6_NOT_NEIGHBOUR,
    CTFW_REJECT6_ADDR_UNREACH,
    CTFW_REJECT6_PORT_UNREACH,
    CTFW_REJECT6_POLICY_FAIL,
    CTFW_REJECT6_REJECT_ROUTE,
};

struct ctfw_rules_env {
    struct ctfw_ct *ct;              /* NULL when conntrack is off */
    const struct ctfw_host *host;    /* addrtype, interface names */
    /* A LOG target line exactly as the kernel prints it (without the
     * "[timestamp]" dmesg prefix), with its printk level. */
    void (*log)(void *arg, const struct ctfw_skb *skb, int level,
                const char *line);
    void *log_arg;
    /* REJECT: the pipeline builds and sends the answer. */
    void (*reject)(void *arg, const struct ctfw_skb *skb,
                   enum ctfw_reject_type type);
    void *reject_arg;
    /* NAT targets (SNAT, DNAT, MASQUERADE, REDIRECT, NETMAP): the
     * pipeline binds the packet's new entry (ctfw_nat_target). Returns
     * false when the packet is to be dropped. NULL: the targets end the
     * nat table with ACCEPT and bind nothing. */
    bool (*nat)(void *arg, struct ctfw_skb *skb,
                const struct ctfw_nat_request *req);
    void *nat_arg;
};

/* What decided a packet's fate in one table. */
enum ctfw_rules_by {
    CTFW_RULES_BY_NOCHAIN,   /* the table has no chain at this hook */
    CTFW_RULES_BY_RULE,      /* a rule's terminal target */
    CTFW_RULES_BY_POLICY,    /* the built-in chain's policy */
    CTFW_RULES_BY_HOTDROP,   /* a match dropped it (truncated header) */
};

struct ctfw_rules_verdict {
    bool accept;             /* false: dropped (DROP, REJECT, hotdrop) */
    uint8_t by;              /* enum ctfw_rules_by */
    const char *chain;       /* chain of the deciding rule or policy */
    unsigned rule;           /* 1-based position in that chain; 0 for
                                the policy */
    const char *target;      /* "ACCEPT", "DROP", "REJECT", ... */
};

/*
 * Evaluate `table` at skb->hook. Counters in rs are updated (rules and
 * policies). Returns 0, or -ENOENT when the ruleset's family does not
 * match the packet's.
 */
int ctfw_rules_eval(struct ctfw_ruleset *rs, enum ctfw_table table,
                    struct ctfw_skb *skb, const struct ctfw_rules_env *env,
                    struct ctfw_rules_verdict *out);

/*
 * How ctfw_rules_eval() finds the rules a packet may match (issue 9).
 * Every mode gives the same verdicts, deciding rules and counters; they
 * differ only in speed.
 *  - AUTO (the default): chains of 12 rules or more get a compiled
 *    classifier (lib/rules/classify.c), built on their first use, when
 *    it narrows their rules; shorter chains are walked rule by rule.
 *  - LINEAR: every chain rule by rule, the reference evaluator.
 *  - COMPILED: every chain that has rules gets the classifier (tests).
 * Changing the mode drops the classifiers built so far; so does any
 * change of the ruleset (ctfw_rules_parse(), ctfw_rules_command()).
 */
enum ctfw_rules_mode {
    CTFW_RULES_AUTO,
    CTFW_RULES_LINEAR,
    CTFW_RULES_COMPILED,
};
void ctfw_rules_set_mode(struct ctfw_ruleset *rs, enum ctfw_rules_mode mode);

/* True when table has a (built-in) chain at hook in this ruleset. */
bool ctfw_rules_table_hooks(const struct ctfw_ruleset *rs,
                            enum ctfw_table table, enum ctfw_hook hook);
/* A number that changes whenever the ruleset's chains may have changed
 * (every parse, command or mode change): callers that keep what
 * ctfw_rules_table_hooks() answered compare it before using it. */
unsigned ctfw_rules_generation(const struct ctfw_ruleset *rs);

/*
 * True when the ruleset makes the kernel register conntrack for its
 * family (nf_ct_netns_get): any state or conntrack match, a CT target
 * other than --notrack, any connmark/connlimit use, or a nat table.
 */
bool ctfw_rules_need_conntrack(const struct ctfw_ruleset *rs);

/*
 * The name of the first match or target in rs that ctfw parses but does
 * not evaluate yet (*is_target tells which), or NULL when every rule can
 * be evaluated. A replay refuses such a ruleset rather than guess.
 */
const char *ctfw_rules_unevaluated(const struct ctfw_ruleset *rs,
                                   bool *is_target);

/* The first `-j CT --helper NAME` whose helper ctfw does not implement
 * (only "ftp" today), or NULL. A replay refuses such a ruleset. */
const char *ctfw_rules_unknown_helper(const struct ctfw_ruleset *rs);

#endif
