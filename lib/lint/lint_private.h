/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private types of the lint module: the lint context, its findings and
 * suppressions, and the match-set model (pred.c) that the rule checks
 * reason with. Never leaves lib/lint/.
 */
#ifndef CTFW_LINT_PRIVATE_H
#define CTFW_LINT_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctfw/lint.h"
#include "lib/rules/rules_private.h"

/* ------------------------------------------------------------------ */
/* Inputs, findings, suppressions (lint.c).                            */

/* One input file: a ruleset or a sysctl file. */
struct lint_src {
    char *file;
    bool sysctl;
    /* ctfw-lint comments: (line, id) pairs; line 0 = the whole file;
     * id "ALL" disables every check. */
    struct lint_supp {
        unsigned line;
        char id[8];
    } *supp;
    size_t n_supp, cap_supp;
};

/* A setting line of a sysctl file (lint_sysctl.c). */
struct lint_sysline {
    int src;
    unsigned line, kcol;
    char key[96];
    char modern[96]; /* legacy: the 6.x name, "" if none */
    int id;          /* enum ctfw_sysctl_id, -1 none */
    bool legacy, applied;
};

struct lint_rec {
    struct ctfw_lint_finding pub;
    char *message;
    int src;
};

struct ctfw_lint {
    const struct ctfw_ruleset *rs[2]; /* [0] IPv4, [1] IPv6 */
    int rs_src[2];
    struct lint_src *srcs;
    size_t n_srcs, cap_srcs;
    struct ctfw_sysctl sysctl;
    struct lint_sysline *sys;
    size_t n_sys, cap_sys;
    bool have_sysctl;
    bool snapshot[64]; /* per src: holds nf_conntrack_count */
    struct lint_rec *recs;
    size_t n_recs, cap_recs;
    size_t suppressed;
    bool oom;
};

/* Register an input and read its ctfw-lint comments; its index, or
 * -ENOMEM. */
int lint_add_src(struct ctfw_lint *l, const char *file, bool sysctl,
                 const char *text, size_t len);

/* Record a finding of check `id` located in input `src`; dropped (and
 * counted) when a comment disables it there. */
void lint_report(struct ctfw_lint *l, int src, unsigned line, unsigned col,
                 const char *id, const char *table, const char *chain,
                 unsigned related, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));

/* The checks (ct.c, structure.c, lint_sysctl.c). */
void lint_check_conntrack(struct ctfw_lint *l, int fam);
void lint_check_structure(struct ctfw_lint *l, int fam);
void lint_check_sysctl(struct ctfw_lint *l);

/* ------------------------------------------------------------------ */
/* Match sets (pred.c).                                                */

#define LINT_PSET_MAX 40
/* A set of ports: sorted, disjoint, non-adjacent ranges in 0..65535. */
struct lint_pset {
    unsigned n;
    struct rules_range r[LINT_PSET_MAX];
};

#define LINT_IF_NEG 4
/* Interface names: one pattern (iptables' "eth+" prefix form) or any,
 * minus up to LINT_IF_NEG excluded patterns. */
struct lint_iface {
    bool pos;
    char name[RULES_IFNAMSIZ + 1];
    unsigned n_neg;
    char neg[LINT_IF_NEG][RULES_IFNAMSIZ + 1];
};

struct lint_addr {
    bool set, inv;
    union ctfw_addr a, m;
};

#define LINT_ST_ALL                                                           \
    (RULES_ST_INVALID | RULES_ST_NEW | RULES_ST_REL | RULES_ST_EST |          \
     RULES_ST_UNTRACKED)
#define LINT_MAX_OPAQUE 16

/*
 * What a rule matches, in the dimensions lint reasons about. The set
 * described is always a superset of what the rule matches (constraints
 * lint cannot represent are dropped), except that `impure` marks a rule
 * whose set is not known from above: such a rule never covers another.
 * Matches lint does not model but whose result depends only on the
 * packet are kept in `opaque`: a rule covers another only if that one
 * has the very same match.
 */
struct lint_pred {
    int family;
    struct lint_addr src, dst;
    struct lint_iface in, out;
    bool proto_inv;
    uint16_t proto; /* 0 = any */
    int frag;       /* 1: -f; -1: ! -f; 0 any */
    bool portmatch; /* tcp/udp/multiport: first fragments */
    struct lint_pset sport, dport;
    unsigned n_either; /* multiport --ports */
    struct {
        struct lint_pset set;
        bool inv;
    } either[2];
    unsigned n_flags; /* tcp --tcp-flags */
    struct {
        uint32_t mask, cmp;
        bool inv;
    } flags[2];
    unsigned n_opt; /* tcp --tcp-option */
    struct {
        uint32_t opt;
        bool inv;
    } opt[2];
    uint32_t states; /* possible ctstates, RULES_ST_* */
    unsigned n_opaque;
    const struct rules_xt *opaque[LINT_MAX_OPAQUE];
    bool impure;
};

void lint_pred_from_rule(const struct rules_rule *r, struct lint_pred *p);
/* Every packet b matches, a matches too (sound: false when unsure). */
bool lint_pred_covers(const struct lint_pred *a, const struct lint_pred *b);
/* No packet matches both (sound: false when unsure). */
bool lint_pred_disjoint(const struct lint_pred *a, const struct lint_pred *b);
/* Matches every packet (no constraint at all). */
bool lint_pred_universal(const struct lint_pred *p);
/* Exclude an interface name (exact) from p's in or out set. */
void lint_iface_exclude(struct lint_iface *f, const char *name);
bool lint_iface_is_exact(const struct lint_iface *f, const char *name);

void lint_pset_full(struct lint_pset *s);

/* ------------------------------------------------------------------ */
/* Ruleset helpers (structure.c).                                      */

const struct rules_chain *lint_chain(const struct ctfw_ruleset *rs, int table,
                                     const char *name);
/* Marks in reach[] (one per chain of the table) the hooks from which
 * each chain is reached through jumps and gotos. */
void lint_reach(const struct ctfw_ruleset *rs, int table, unsigned *reach);
/* The rule's match part as iptables-save prints it ("-p tcp -m ..."),
 * into buf; "all packets" when it has none. */
void lint_rule_matches(const struct rules_rule *r, char *buf, size_t len);
/* The whole rule as iptables-save prints it ("-A CHAIN ..."). */
void lint_rule_text(const struct rules_chain *c, const struct rules_rule *r,
                    char *buf, size_t len);
/* A verdict that ends the chain's traversal for every packet it takes. */
bool lint_rule_terminal(const struct rules_rule *r);

#endif
