/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctfw ruleset language: iptables-restore input and iptables command
 * scripts in, iptables-save / iptables -S / iptables -L text out.
 *
 * Usage:
 *
 *     struct ctfw_ruleset *rs = ctfw_rules_new(CTFW_RULES_IPV4);
 *     struct ctfw_rules_parse_params pp = {.filename = "rules.v4"};
 *     if (ctfw_rules_parse(rs, &pp, text, len) == -EINVAL)
 *         for (size_t i = 0; i < ctfw_rules_diag_count(rs); i++)
 *             ... ctfw_rules_diag_get(rs, i) ...
 *     struct ctfw_rules_save_params sp = {.date = "Wed Nov 25 ..."};
 *     char *out; size_t n;
 *     ctfw_rules_save(rs, &sp, &out, &n);   (caller frees out)
 *     ctfw_rules_free(rs);
 *
 * Every value of a rule is kept in binary form (addresses and masks in
 * network order, port ranges, flag bits, marks), never as the text the
 * user typed; the text printed back is generated from the same option
 * tables that parse it, in the canonical iptables 1.8.9 spelling.
 *
 * Diagnostics: parsing never stops at the first error. Each error is a
 * located record (line, column, length) carrying our message and the
 * exact text iptables-restore 1.8.9 (nf_tables) prints for it, with its
 * exit status. The library never prints.
 *
 * Lifetime: a ruleset owns everything it returns (diagnostics included)
 * until ctfw_rules_free(). Thread-safety: none inside one ruleset;
 * distinct rulesets are independent (no globals).
 */
#ifndef CTFW_RULES_H
#define CTFW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTFW_RULES_IPV4 4
#define CTFW_RULES_IPV6 6

struct ctfw_ruleset;

/* Input formats accepted by ctfw_rules_parse(). */
enum ctfw_rules_format {
    CTFW_RULES_FMT_AUTO = 0, /* restore unless lines start "iptables" */
    CTFW_RULES_FMT_RESTORE,  /* iptables-save / iptables-restore text */
    CTFW_RULES_FMT_SCRIPT,   /* "iptables -t raw -A ..." lines */
};

struct ctfw_rules_parse_params {
    const char *filename; /* shown in diagnostics; NULL: "-" */
    enum ctfw_rules_format format;
    bool counters; /* apply [p:b] as iptables-restore -c */
    /* Load as on a kernel whose conntrack modules are unloaded and
     * blacklisted (the incident's fix 2): every rule that needs
     * conntrack (state, conntrack, CT, NOTRACK, connmark, helper,
     * connlimit, NAT targets) is refused at commit with ENOENT, as the
     * kernel cannot load the module behind it. */
    bool no_conntrack;
    /* iptables-legacy-restore: `-E` renames at once (libiptc), where
     * iptables-nft-restore queues it for COMMIT. */
    bool legacy;
};

/* How iptables-restore would have reported an error (exit status). */
enum ctfw_rules_exit {
    CTFW_RULES_EXIT_OTHER = 1,  /* "line N failed", COMMIT expected */
    CTFW_RULES_EXIT_PARAM = 2,  /* option / value errors */
    CTFW_RULES_EXIT_VERSION = 3, /* iptables: table does not exist */
    CTFW_RULES_EXIT_KERNEL = 4, /* refused by the kernel at commit */
};

struct ctfw_rules_diag {
    unsigned line; /* 1-based line of the input */
    unsigned col;  /* 1-based column; 0 = the whole line */
    unsigned len;  /* characters to underline (>= 1) */
    enum ctfw_rules_exit exit_code;
    const char *message;  /* ours, one line, no trailing newline */
    const char *iptables; /* exact stderr text of iptables-restore */
    const char *source;   /* the input line, without newline */
};

/* A new empty ruleset for one family; NULL when out of memory. */
struct ctfw_ruleset *ctfw_rules_new(int family);
void ctfw_rules_free(struct ctfw_ruleset *rs);
int ctfw_rules_family(const struct ctfw_ruleset *rs);

/*
 * Parse text (len bytes, need not be NUL-terminated) into rs, applying
 * it as iptables-restore (or the command script) would. Returns 0, or
 * -EINVAL when at least one diagnostic was recorded, or -ENOMEM.
 */
int ctfw_rules_parse(struct ctfw_ruleset *rs,
                     const struct ctfw_rules_parse_params *params,
                     const char *text, size_t len);

/*
 * Apply one iptables command given as words (no program name), e.g.
 * {"-t", "nat", "-A", "POSTROUTING", "-j", "MASQUERADE"}, as line
 * `line` of the input. Returns 0 or -EINVAL (diagnostic recorded).
 */
int ctfw_rules_command(struct ctfw_ruleset *rs, int argc,
                       const char *const *argv, unsigned line);

size_t ctfw_rules_diag_count(const struct ctfw_ruleset *rs);
const struct ctfw_rules_diag *
ctfw_rules_diag_get(const struct ctfw_ruleset *rs, size_t i);
/* The diagnostic found first (the list is in line order): the one the
 * real tool, which stops there, prints; NULL when there is none. A
 * kernel refusal at COMMIT comes after every error of its block. */
const struct ctfw_rules_diag *
ctfw_rules_diag_first(const struct ctfw_ruleset *rs);

/*
 * The compiler-style form of diagnostic i: "file:line:col: error: msg",
 * the source line and a caret line, each ending in '\n'. Heap string,
 * caller frees; NULL when out of memory.
 */
char *ctfw_rules_diag_format(const struct ctfw_ruleset *rs, size_t i);

struct ctfw_rules_save_params {
    const char *table; /* only this table; NULL = every table */
    bool counters;     /* iptables-save -c: [p:b] before rules */
    const char *date;  /* ctime text for the comment lines; NULL =
                          no "# Generated"/"# Completed" lines */
    bool legacy;       /* iptables-legacy-save: tables in the order the
                          kernel lists them (the one created last
                          first), no "(nf_tables)" in the comment */
};

/* iptables-save text. *out is a heap string (caller frees). */
int ctfw_rules_save(const struct ctfw_ruleset *rs,
                    const struct ctfw_rules_save_params *params, char **out,
                    size_t *out_len);

struct ctfw_rules_list_params {
    const char *table; /* NULL = "filter" */
    const char *chain; /* NULL = every chain */
    bool numeric;      /* -n */
    bool verbose;      /* -v */
    bool exact;        /* -x */
    bool line_numbers; /* --line-numbers */
};

/* iptables -S [chain] text for one table. */
int ctfw_rules_list_rules(const struct ctfw_ruleset *rs,
                          const struct ctfw_rules_list_params *params,
                          char **out, size_t *out_len);

/* iptables -L text for one table (1.8.9 layout). */
int ctfw_rules_list(const struct ctfw_ruleset *rs,
                    const struct ctfw_rules_list_params *params, char **out,
                    size_t *out_len);

/*
 * The i-th match or target ctfw implements (0-based); NULL past the
 * end. *target tells which; *family is 4 or 6 when the extension exists
 * for one family only, else 0.
 */
const char *ctfw_rules_ext_name(size_t i, bool *target, int *family);

/* Number of rules in all tables (for summaries). */
size_t ctfw_rules_count(const struct ctfw_ruleset *rs);

#endif
