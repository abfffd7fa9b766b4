/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private types of the rules module: the ruleset model, the extension
 * registry and its declarative option tables. Never leaves lib/rules/.
 *
 * One description per extension drives parsing, checking and printing:
 * a struct rules_ext lists its options (struct rules_opt) in canonical
 * save order; each option names a value type whose parser and printer
 * live once in opt.c. Extension hooks (final, save_extra) exist only for
 * the few cross-option rules that iptables itself hand-codes.
 */
#ifndef CTFW_RULES_PRIVATE_H
#define CTFW_RULES_PRIVATE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctfw/pkt.h"
#include "ctfw/rules.h"
#include "ctfw/skb.h"

#define RULES_IFNAMSIZ 16
#define RULES_CHAIN_MAXLEN 28   /* XT_EXTENSION_MAXNAMELEN - 1 */
#define RULES_MAX_OPTS 32

/* ------------------------------------------------------------------ */
/* Growable text buffer with a cap (STYLE.md §5).                      */

struct rbuf {
    char *s;
    size_t len, cap;
    bool oom;
};

#define RBUF_MAX (256u << 20)

void rbuf_putc(struct rbuf *b, char c);
void rbuf_puts(struct rbuf *b, const char *s);
void rbuf_putn(struct rbuf *b, const char *s, size_t n);
void rbuf_printf(struct rbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void rbuf_pad(struct rbuf *b, size_t from, size_t width);
char *rbuf_take(struct rbuf *b, size_t *len);
void rbuf_fini(struct rbuf *b);

/* ------------------------------------------------------------------ */
/* Tables, hooks.                                                      */

enum rules_table_id {
    RT_RAW,
    RT_MANGLE,
    RT_FILTER,
    RT_NAT,
    RT_SECURITY,
    RT_N_TABLES
};

enum rules_hook {
    RH_PREROUTING,
    RH_INPUT,
    RH_FORWARD,
    RH_OUTPUT,
    RH_POSTROUTING,
    RH_N_HOOKS
};

#define RH_BIT(h) (1u << (h))
#define RT_BIT(t) (1u << (t))

struct rules_table_desc {
    const char *name;
    unsigned hooks;  /* RH_BIT set of built-in chains */
};

extern const struct rules_table_desc rules_tables[RT_N_TABLES];
extern const char *const rules_hook_names[RH_N_HOOKS];

/* ------------------------------------------------------------------ */
/* Option tables.                                                      */

enum rules_opt_type {
    OT_NONE,        /* a flag: sets bits in a u32 field (may be none) */
    OT_UINT,        /* u32 in [min,max]; base 0 as strtoul */
    OT_UINTRANGE,   /* struct rules_range "a[:b]" */
    OT_PORT,        /* u16 port or service name, stored as u32 */
    OT_PORTRANGE,   /* struct rules_range "[a][:[b]]" */
    OT_MARK,        /* struct rules_mark "v[/m]" */
    OT_STRING,      /* char[max+1] */
    OT_HOST,        /* struct rules_host "addr[/mask]" family-aware */
    OT_ADDRRANGE,   /* struct rules_host lo-hi (addr=lo, mask=hi) */
    OT_NAMES,       /* u32 bit set: comma list of names */
    OT_ENUM,        /* u32: one name (or number if OF_NUMOK) */
    OT_CUSTOM,      /* parse/print callbacks */
};

/* Option flags. */
#define OF_INVERT 0x0001   /* may be preceded by '!' */
#define OF_MAND 0x0002     /* must be given */
#define OF_NOSAVE 0x0004   /* never printed (an alias) */
#define OF_MULTI 0x0008    /* may repeat */
#define OF_HEX 0x0010      /* print OT_UINT / OT_MARK in hex */
#define OF_FULLMASK 0x0020 /* OT_MARK: always print "/mask" */
#define OF_NUMOK 0x0040    /* OT_ENUM: a number is accepted */
#define OF_PRNUM 0x0080    /* OT_ENUM: printed as its number */
#define OF_PLAIN32 0x0100  /* OT_HOST: a host prints without "/32" */
#define OF_TWOARGS 0x0200  /* OT_CUSTOM: takes two words */
#define OF_NOARG 0x0400    /* OT_CUSTOM: takes no word */
#define OF_OPTARG 0x0800   /* the argument is optional */
#define OF_QUOTE 0x1000    /* OT_STRING: iptables' save quoting */
#define OF_IFNAME 0x2000   /* OT_STRING: an interface name (refused
                              when too long instead of cut) */
#define OF_PRINTINV 0x4000 /* print '!' after the option name */
#define OF_WRAP16 0x8000   /* OT_PORTRANGE: numbers kept modulo 65536 */
#define OF_KEEPADDR 0x10000 /* OT_HOST: the address is not masked */
#define OF_UNSUPP 0x20000  /* known to iptables, not implemented here */

struct rules_range {
    uint32_t lo, hi;
};

struct rules_mark {
    uint32_t val, mask;
};

struct rules_host {
    union ctfw_addr addr, mask;
};

struct rules_name {
    const char *name;
    uint32_t val;
};

struct rules_ctx;
struct rules_xt;
struct rules_opt;

typedef int (*rules_opt_parse_fn)(struct rules_ctx *ctx, struct rules_xt *xt,
                                  const struct rules_opt *o,
                                  const char *arg, const char *arg2);
typedef void (*rules_opt_print_fn)(struct rbuf *b, const struct rules_xt *xt,
                                   const struct rules_opt *o);

struct rules_opt {
    const char *name;       /* without the leading "--" */
    uint8_t type;           /* enum rules_opt_type */
    int8_t alias;           /* index this option stands for; -1 none */
    uint32_t flags;         /* OF_* */
    uint16_t off;           /* offset of the value in the data blob */
    uint32_t min, max;      /* OT_UINT bounds; OT_STRING max length */
    uint32_t bits;          /* OT_NONE: bits OR'ed into the u32 */
    uint64_t excl;          /* option indexes this one excludes */
    const struct rules_name *names;   /* OT_NAMES / OT_ENUM */
    rules_opt_parse_fn parse;         /* OT_CUSTOM */
    rules_opt_print_fn print;         /* OT_CUSTOM */
    /* iptables' words, where the extension has its own: badmsg for a
     * bad value (one %s: the argument), dupmsg for a second use;
     * errname is the option name its messages use (libxtables names
     * the table entry, e.g. "source-ports" for --sports). */
    const char *badmsg;
    const char *dupmsg;
    const char *errname;
};

#define RULES_NOFIELD 0xffff

/* ------------------------------------------------------------------ */
/* Extensions (matches and targets).                                   */

struct rules_rule;
struct rules_eval;

/*
 * What the compiled classifier (classify.c) may learn from one match
 * instance. A match is "pure" when evaluating it has no effect (no state
 * changes, no hotdrop) for a packet whose transport ports can be read
 * (classify.c says when), so skipping it changes nothing but its own
 * outcome; only then may a later match of the rule narrow the rule's
 * candidate set too. sport/dport: the port sets the match requires, as
 * disjoint inclusive ranges; n == 0 means no constraint.
 */
#define RULES_CLS_MAXR 16
struct rules_cls_ports {
    unsigned n;
    struct {
        uint16_t lo, hi;
    } r[RULES_CLS_MAXR];
    bool inv;   /* the complement of the ranges */
};

struct rules_cls_info {
    struct rules_cls_ports sport, dport;
    /* The match's result is exactly "the ports are in sport and dport"
     * (n == 0: any port) whenever the classifier trusts the ports: then
     * a packet the classifier places inside those sets matches, and the
     * call may be skipped (classify.c, "decided" candidates). */
    bool exact;
};

/* The classifier's view of one match instance (struct rules_ext.cls). */
#define RULES_CLS_OPAQUE 0  /* may act or hotdrop: stop here */
#define RULES_CLS_LAST 1    /* fails cleanly when its ports miss, but
                               may act or hotdrop once they hit: its
                               ports count, nothing after it does */
#define RULES_CLS_PURE 2    /* never acts: its ports count, and the
                               next match may narrow further */

/* Target results (eval.c). */
#define RULES_XT_CONTINUE (-1)
#define RULES_XT_DROP 0
#define RULES_XT_ACCEPT 1

struct rules_ext {
    const char *name;
    bool target;
    uint8_t family;            /* 0 both, 4 or 6 */
    uint16_t size;             /* bytes of binary data */
    uint8_t n_opts;
    const struct rules_opt *opts;
    /* Hooks allowed for this instance (e.g. TCPMSS clamping); 0 = all. */
    unsigned (*hooks_for)(const struct rules_xt *xt);
    /* Where a target may be used (0: anywhere). */
    unsigned tables;           /* RT_BIT set */
    unsigned hooks;            /* RH_BIT set */
    /* Fills defaults and checks option combinations once the rule is
     * complete; 0 or -1 after an error was reported. */
    int (*final)(struct rules_ctx *ctx, struct rules_xt *xt,
                 const struct rules_rule *r);
    /* Kernel-side check of the complete rule (xt checkentry): NULL when
     * accepted, else the errno text ("Invalid argument"). */
    const char *(*kcheck)(const struct rules_xt *xt,
                          const struct rules_rule *r);
    /* iptables -L text of this match or target (its print()), each
     * piece starting with a space; NULL: the save options without
     * their dashes. */
    void (*list)(struct rbuf *b, const struct rules_xt *xt, bool numeric);
    /* The name printed after -m/-j when it differs (aliases). */
    const char *save_name;
    /* iptables-nft turns this match into native nft expressions when
     * nft_native says so; reading the rule back, every native instance
     * of the extension folds into the first (later options win), which
     * is what iptables-nft's save and -L print (rules_rule_view()).
     * NULL: always kept as it is (a compat xt match). */
    bool (*nft_native)(const struct rules_xt *xt);
    void (*nft_merge)(struct rules_xt *into, const struct rules_xt *from);
    /* Exact text iptables prints when the kernel refuses the target in
     * a chain (checked at commit time); NULL: "Invalid argument". */
    const char *kernel_errno;
    /* Evaluation (eval.c). A match's test with the inversions of its
     * options applied; it sets ev->hotdrop for packets the kernel's
     * match drops (e.g. a truncated TCP header). A target's action
     * returns RULES_XT_CONTINUE or RULES_XT_ACCEPT / RULES_XT_DROP.
     * NULL: parsed and printed but not evaluated yet; replay refuses
     * such a ruleset with a clear message rather than guess. */
    bool (*match)(const struct rules_xt *xt, struct rules_eval *ev);
    int (*action)(const struct rules_xt *xt, struct rules_eval *ev);
    /* True when this use makes the kernel register conntrack
     * (nf_ct_netns_get); NULL: never. */
    bool (*needs_ct)(const struct rules_xt *xt);
    /* Its kernel module depends on nf_conntrack even when this use
     * registers no conntrack hook (xt_CT for NOTRACK). */
    bool ct_module;
    /*
     * Runtime state of one instance (the kernel's per-rule private
     * allocation: xt_limit_priv, the hashlimit table reference, the
     * nf_conncount data). rt_new builds it from the complete rule the
     * first time the rule is evaluated (rules_xt_rt()); NULL when out of
     * memory, which the match treats as the kernel treats a failed
     * allocation. rt_free releases it with the rule. Both NULL: the
     * extension keeps no state.
     */
    void *(*rt_new)(const struct rules_xt *xt);
    void (*rt_free)(void *rt);
    /* Classifier (classify.c): fills the port sets this instance
     * requires and returns RULES_CLS_PURE or RULES_CLS_LAST (see
     * struct rules_cls_info); NULL or RULES_CLS_OPAQUE: nothing from
     * here on in the rule is used to skip it. */
    int (*cls)(const struct rules_xt *xt, struct rules_cls_info *ci);
};

/* One match or target instance in a rule (ext and data first: all a
 * target's action reads of it, struct rules_rule). */
struct rules_xt {
    const struct rules_ext *ext;
    unsigned char *data;    /* ext->size bytes */
    uint64_t seen;          /* bit per option index: given or defaulted */
    uint64_t inv;           /* bit per option index: negated */
    uint8_t family;         /* of the rule: 4 or 6 */
    uint8_t proto;          /* the rule's -p (0 all), set when complete */
    unsigned col, len;      /* where -m NAME / -j NAME stood */
    /* Runtime state (ext->rt_new), owned by this instance and freed by
     * rules_xt_fini(); a copy (rules_xt_copy) starts without one, as
     * each kernel rule instance has its own. It is the one part of a
     * complete rule that evaluation writes, hence reached through
     * rules_xt_rt() from a const rule. */
    void *rt;
};

/* ------------------------------------------------------------------ */
/* Ruleset model.                                                      */

#define RINV_SRC 0x01
#define RINV_DST 0x02
#define RINV_IN 0x04
#define RINV_OUT 0x08
#define RINV_PROTO 0x10
#define RINV_FRAG 0x20

enum rules_verdict {
    RV_NONE,      /* no -j: count only */
    RV_ACCEPT,
    RV_DROP,
    RV_RETURN,
    RV_QUEUE,
    RV_JUMP,      /* -j CHAIN */
    RV_GOTO,      /* -g CHAIN */
    RV_EXT,       /* extension target */
};

struct rules_chain;

/* Laid out for the evaluator (eval.c): a rule the classifier has
 * decided for a packet is touched only in its first 64 bytes: verdict,
 * counters, jump, and an extension target's ext and data (the data
 * itself when it fits in tg_inl); the header test reads on from there.
 * Allocated on a cache line (rule_clone() in cmd.c). */
struct rules_rule {
    uint8_t family;
    uint8_t inv;              /* RINV_* */
    bool frag;
    bool proto_set;
    uint16_t proto;           /* 0 = all */
    enum rules_verdict verdict;
    uint64_t pkts, bytes;
    struct rules_chain *jump_to;   /* resolved RV_JUMP / RV_GOTO */
    uint64_t tg_inl[1];       /* tg.data when it points here: a target's
                                 data of 8 bytes or less, in a rule of a
                                 chain (rule_clone(); not freed apart) */
    struct rules_xt tg;       /* valid when verdict == RV_EXT */
    struct rules_xt *m;
    size_t n_m;
    union ctfw_addr src, smsk, dst, dmsk;
    char in[RULES_IFNAMSIZ], out[RULES_IFNAMSIZ];
    char jump[RULES_CHAIN_MAXLEN + 1];
    unsigned line;
    unsigned tg_col, tg_len;
    char *text;               /* the input line, for diagnostics */
};

struct rules_chain {
    char name[RULES_CHAIN_MAXLEN + 1];
    bool builtin;
    int hook;                 /* enum rules_hook when built-in */
    enum rules_verdict policy;/* RV_ACCEPT / RV_DROP */
    uint64_t pkts, bytes;
    struct rules_rule **rules;
    size_t n_rules, cap_rules;
    unsigned refs;
    unsigned line;            /* where the chain was created (0 built-in) */
    unsigned hooks_from;      /* hooks that reach it (check pass) */
    /* The compiled classifier of this chain (classify.c), built on the
     * first evaluation that wants it; cls_tried says it was attempted
     * (cls stays NULL when the chain is evaluated linearly). */
    struct rules_cls *cls;
    bool cls_tried;
};

struct rules_table {
    bool present;
    unsigned first_use;       /* 1, 2, ...: order in which the tables
                                 came into being (legacy save order) */
    struct rules_chain **chains;   /* built-ins first, in hook order */
    size_t n_chains, cap_chains;
};

struct rules_diag_rec {
    struct ctfw_rules_diag pub;
    char *message, *iptables, *source;
    bool at_commit;     /* iptables reports it at the COMMIT line */
    size_t seq;         /* order found in: the real tool stops at the
                           first (ctfw_rules_diag_first) */
};

struct ctfw_ruleset {
    int family;
    size_t diag_seq;           /* diagnostics found so far */
    char *file;                /* name used in formatted diagnostics */
    struct rules_table tables[RT_N_TABLES];
    unsigned tables_used;      /* tables created so far */
    struct rules_diag_rec *diags;
    size_t n_diags, cap_diags;
    bool oom;
    bool no_conntrack;         /* ctfw_rules_parse_params.no_conntrack */
    int eval_mode;             /* enum ctfw_rules_mode (eval.h) */
    unsigned cls_gen;          /* evaluations started (eval.c) */
    /* The built-in chain per public table and hook (eval.c), valid
     * while hook_chains_ok; dropped by rules_cls_reset(). */
    struct rules_chain *hook_chain[CTFW_TABLE_COUNT][CTFW_HOOK_COUNT];
    bool hook_chains_ok;
    /* Bumped by rules_cls_reset(): ctfw_rules_generation() (eval.h). */
    unsigned gen;
};

/* ------------------------------------------------------------------ */
/* Parse context: one command line being applied.                      */

struct rules_tok {
    char *s;
    unsigned col, len;     /* 1-based column in the source line */
};

/* The iptables version ctfw answers as, in its messages. */
#define IPT_VERSION "v1.8.9 (nf_tables)"

struct rules_ctx {
    struct ctfw_ruleset *rs;
    const char *prog;          /* "iptables-restore", "iptables", ... */
    const char *source;        /* the line text, for diagnostics */
    unsigned line;
    bool restore;              /* restore format (vs one command) */
    bool legacy;               /* iptables-legacy-restore semantics */
    int family;
    struct rules_tok *tok;
    int n_tok;
    int cur;                   /* token being handled (for columns) */
    bool failed;               /* an error was reported for this line */
    struct rules_rule *rule;   /* rule being built */
    int table;                 /* enum rules_table_id */
    /* Restore: -E lines of the open block. iptables-nft queues a rename
     * for the commit (the new name is unknown to the rest of the block,
     * the old one still works), and the kernel refuses it there for a
     * chain made in the same batch (cmd.c, case 'E'). */
    struct rules_rename {
        unsigned line, col, len;
        char to[32];
        char *source;
    } *renames;
    size_t n_renames;
};

/* Record an error located at token `tok` (-1: whole line). fmt is the
 * message exactly as iptables words it. */
void rules_err_tryhelp(struct rules_ctx *ctx, int tok, const char *msg);
void rules_err(struct rules_ctx *ctx, int tok, enum ctfw_rules_exit code,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same with the complete iptables stderr text given separately. */
void rules_err_raw(struct rules_ctx *ctx, int tok, enum ctfw_rules_exit code,
                   const char *message, const char *iptables_text);
void rules_diag_add(struct ctfw_ruleset *rs, unsigned line, unsigned col,
                    unsigned len, enum ctfw_rules_exit code,
                    const char *message, const char *iptables_text,
                    const char *source);

/* ------------------------------------------------------------------ */
/* Registry and option engine (opt.c, registry.c).                     */

const struct rules_ext *rules_ext_find(const char *name, bool target,
                                       int family);
const struct rules_ext *rules_ext_any(const char *name, bool target);
int rules_opt_find(const struct rules_ext *ext, const char *name,
                   bool *exact);
int rules_opt_apply(struct rules_ctx *ctx, struct rules_xt *xt, int idx,
                    bool invert, const char *arg, const char *arg2);
int rules_opt_final(struct rules_ctx *ctx, struct rules_xt *xt,
                    const struct rules_rule *r);
void rules_xt_save(struct rbuf *b, const struct rules_xt *xt);
const char *rules_opt_errname(const struct rules_opt *o);
void rules_fmt1(char *out, size_t n, const char *tmpl, const char *arg);
int rules_opt_bad(struct rules_ctx *ctx, const struct rules_xt *xt,
                  const struct rules_opt *o, const char *arg);
int rules_xt_init(struct rules_xt *xt, const struct rules_ext *ext);
void rules_xt_fini(struct rules_xt *xt);
int rules_xt_copy(struct rules_xt *dst, const struct rules_xt *src);
/* The instance's runtime state, created on first use (ext->rt_new);
 * NULL when the extension has none or it could not be allocated. */
void *rules_xt_rt(const struct rules_xt *xt);

/* iptables -L helpers (list.c). */
void rules_list_ports(struct rbuf *b, const char *name,
                      const struct rules_range *r, bool inv,
                      const char *proto, bool numeric);
/* Service name of a port for a protocol ("tcp"), NULL when none. */
const char *rules_port_name(unsigned port, const char *proto);

/* Value helpers shared by extensions. */
int rules_parse_markmask(struct rules_ctx *ctx, const struct rules_xt *xt,
                         const struct rules_opt *o, const char *arg,
                         struct rules_mark *m);
int rules_parse_uint(const char *s, uint32_t min, uint32_t max,
                     uint32_t *out);
int rules_parse_port(const char *s, const char *proto, uint32_t *out);
int rules_parse_host(int family, const char *s, struct rules_host *h,
                     bool allow_mask);
void rules_print_addr(struct rbuf *b, int family, const union ctfw_addr *a);
/* Prefix length of a mask, -1 when not contiguous. */
int rules_mask_len(int family, const union ctfw_addr *m);
void rules_mask_from_len(int family, unsigned len, union ctfw_addr *m);
void rules_save_string(struct rbuf *b, const char *s);
const char *rules_proto_name(unsigned proto);
int rules_proto_number(const char *name);
const char *rules_rule_proto_name(const struct rules_rule *r);

#define XT_DATA(xt, off) ((void *)((xt)->data + (off)))

/* Shared by the DSCP match and target (ext_misc.c). */
extern const struct rules_name rules_dscp_classes[];
void rules_print_hex2(struct rbuf *b, const struct rules_xt *xt,
                      const struct rules_opt *o);

/* Extension groups: each ext_*.c exports a NULL-terminated list. */
extern const struct rules_ext *const rules_ext_tcpudp[];
extern const struct rules_ext *const rules_ext_icmp[];
extern const struct rules_ext *const rules_ext_ct[];
extern const struct rules_ext *const rules_ext_misc[];
extern const struct rules_ext *const rules_ext_addr[];
extern const struct rules_ext *const rules_ext_rate[];
extern const struct rules_ext *const rules_ext_targets[];
extern const struct rules_ext *const rules_ext_nat[];
extern const struct rules_ext *const rules_ext_more[];
extern const struct rules_ext *const rules_ext_extra[];

/* Rule / chain helpers (model.c). */
struct rules_chain *rules_chain_find(struct ctfw_ruleset *rs, int table,
                                     const char *name);
struct rules_chain *rules_chain_add(struct ctfw_ruleset *rs, int table,
                                    const char *name);
void rules_rule_free(struct rules_rule *r);
void rules_table_reset(struct ctfw_ruleset *rs, int table);
int rules_table_find(const char *name);
int rules_chain_insert(struct rules_chain *c, size_t pos,
                       struct rules_rule *r);
void rules_chain_flush(struct rules_chain *c);
/* A rule's matches as iptables-nft prints them back (nft_native
 * instances folded). m[] points into the rule or into the view's own
 * copies; free with rules_rule_view_fini(). */
struct rules_view {
    const struct rules_xt **m;
    size_t n;
    struct rules_xt *copies;
    size_t n_copies;
};
int rules_rule_view(const struct rules_rule *r, struct rules_view *v);
void rules_rule_view_fini(struct rules_view *v);
void rules_rule_save(struct rbuf *b, const struct rules_rule *r);
void rules_rule_save_ex(struct rbuf *b, const struct rules_rule *r,
                        bool counters);
bool rules_rule_equal(const struct rules_rule *a,
                      const struct rules_rule *b);

/* Every match and extension target of every rule, table by table in
 * chain order: the first for which fn returns true, or NULL. */
const struct rules_xt *rules_find_xt(
    const struct ctfw_ruleset *rs,
    bool (*fn)(const struct rules_xt *xt, bool is_target, const void *arg),
    const void *arg);

int rules_cmd_run(struct rules_ctx *ctx);
void rules_drop_line(struct ctfw_ruleset *rs, int table, unsigned line);
int rules_table_touch(struct ctfw_ruleset *rs, int table);
int rules_tok_at(const struct rules_ctx *ctx, unsigned col);

/* ------------------------------------------------------------------ */
/* Static views of common matches and targets, for lib/lint. Each view  */
/* lives beside its extension and returns false when xt is not one.    */

/* ctstate bits, as xt_conntrack numbers them (reference §5.1). */
#define RULES_ST_INVALID 0x01
#define RULES_ST_EST 0x02
#define RULES_ST_REL 0x04
#define RULES_ST_NEW 0x08
#define RULES_ST_UNTRACKED 0x100
#define RULES_ST_SNAT 0x200
#define RULES_ST_DNAT 0x400

struct rules_state_view {
    bool has_state;   /* --state / --ctstate given */
    uint32_t states;  /* RULES_ST_* */
    bool inv;         /* "! --state" */
    bool other;       /* conntrack criteria besides --ctstate */
};
/* A state match, or a conntrack match (ext_ct.c). */
bool rules_xt_state_view(const struct rules_xt *xt,
                         struct rules_state_view *v);
/* -j NOTRACK or -j CT --notrack (ext_ct.c). */
bool rules_xt_is_notrack(const struct rules_xt *tg);

#define RULES_VIEW_RANGES 15
struct rules_port_list {
    bool set, inv;
    unsigned n;
    struct rules_range r[RULES_VIEW_RANGES];
};
struct rules_port_view {
    /* sport / dport: the packet's port in the list; either: its source
     * or its destination port (multiport --ports). */
    struct rules_port_list sport, dport, either;
    bool flags, flags_inv;       /* tcp --tcp-flags / --syn */
    uint32_t flg_mask, flg_cmp;
    bool option, option_inv;     /* tcp --tcp-option */
    uint32_t opt;
};
/* A tcp, udp, udplite or multiport match (ext_tcpudp.c). */
bool rules_xt_port_view(const struct rules_xt *xt,
                        struct rules_port_view *v);
/* Compiled classifier (classify.c). */
struct rules_cls;
struct rules_cls_key {
    uint32_t v[5];          /* proto, saddr, daddr, sport, dport */
    bool ports;             /* the ports were readable */
};
/* The chain's classifier, built on first use; NULL: walk it linearly
 * (too short to pay in `auto` mode, or could not be built). */
struct rules_cls *rules_cls_get(const struct ctfw_ruleset *rs,
                                struct rules_chain *c);
void rules_cls_key(struct rules_cls_key *k, const struct ctfw_pkt *p);
bool rules_cls_key_equal(const struct rules_cls_key *a,
                         const struct rules_cls_key *b);
/* The candidate rules of the chain for a packet with key k, ascending,
 * each as its 0-based index times 2, plus 1 when the classifier has
 * decided the rule matches (its header test and every match are exactly
 * what the classifier checked: the evaluator goes straight to the
 * counters and the target); false when the classifier cannot tell
 * (ports not readable and the classifier splits on them): walk
 * linearly. The list
 * lives in the classifier until its next lookup (a chain is never
 * entered twice in one walk: the loader refuses loops). */
bool rules_cls_lookup(struct rules_cls *cl,
                      const struct rules_cls_key *k, const uint32_t **idx,
                      size_t *n);
void rules_cls_free(struct rules_cls *cl);
/* struct rules_ext.cls of the matches that never act and never drop
 * (comment, mark, state); rules_cls_true for those that always match
 * too (comment). */
int rules_cls_pure(const struct rules_xt *xt, struct rules_cls_info *ci);
int rules_cls_true(const struct rules_xt *xt, struct rules_cls_info *ci);
/* Drop every chain's classifier (the ruleset is about to change). */
void rules_cls_reset(struct ctfw_ruleset *rs);

/* Commit-time checks (check.c): run per table block. */
void rules_check_table(struct rules_ctx *ctx, int table,
                       unsigned commit_line);

#endif
