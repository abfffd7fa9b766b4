/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Static findings on a ruleset and sysctls (`ctfw lint`).
 *
 * Usage:
 *
 *     struct ctfw_lint *l = ctfw_lint_new();
 *     ctfw_lint_add_rules(l, rs, "rules.v4", text, len);   (parsed, clean)
 *     ctfw_lint_add_sysctl(l, "sysctl.conf", text, len, diag, arg);
 *     ctfw_lint_run(l);
 *     for (size_t i = 0; i < ctfw_lint_count(l); i++)
 *         ... ctfw_lint_get(l, i) ...
 *     ctfw_lint_free(l);
 *
 * Every finding has a stable identifier (docs/lint.md lists them with an
 * explanation and a fix), a severity, and a location: the file and line
 * of the rule, chain or setting it is about, and a column where one is
 * meaningful. Findings are returned in input order (rules files, then
 * sysctl files; by line, column, identifier), with those disabled by a
 * `ctfw-lint:` comment left out and counted.
 *
 * The checks are conservative: a finding is reported only when what it
 * says follows from the rules as written (see docs/lint.md for what the
 * match reasoning does not cover); where a check cannot decide, it stays
 * silent.
 *
 * Lifetime: the lint object keeps pointers to the rulesets given to it
 * (they must outlive ctfw_lint_run()) and copies file names and texts.
 * Findings live until ctfw_lint_free(). Pure: no I/O, no globals.
 */
#ifndef CTFW_LINT_H
#define CTFW_LINT_H

#include <stdbool.h>
#include <stddef.h>

#include "ctfw/rules.h"
#include "ctfw/sysctl.h"

struct ctfw_lint;

struct ctfw_lint_finding {
    const char *id; /* "CT101" */
    enum ctfw_diag_severity severity;
    const char *file;
    unsigned line;             /* 1-based; 0 = the whole file */
    unsigned col;              /* 1-based; 0 = the whole line */
    const char *message;       /* one line, no ID, no newline */
    const char *table, *chain; /* rule findings; else NULL */
    unsigned related_line;     /* a rule the message cites; 0 */
};

/* One kind of finding, for --help and docs. */
struct ctfw_lint_check {
    const char *id;
    enum ctfw_diag_severity severity;
    const char *summary;
};

/* The i-th check ctfw lint knows (0-based); NULL past the end. */
const struct ctfw_lint_check *ctfw_lint_check_get(size_t i);
const struct ctfw_lint_check *ctfw_lint_check_find(const char *id);

/* NULL when out of memory. */
struct ctfw_lint *ctfw_lint_new(void);
void ctfw_lint_free(struct ctfw_lint *l);

/*
 * A parsed ruleset (without errors) and the text it was parsed from,
 * whose comments may disable findings. At most one per family.
 * Returns 0, -EEXIST (family given twice) or -ENOMEM.
 */
int ctfw_lint_add_rules(struct ctfw_lint *l, const struct ctfw_ruleset *rs,
                        const char *file, const char *text, size_t len);

/*
 * Apply a sysctl.conf text onto the lint's kernel profile (Linux 6.x
 * defaults), in order. Errors (bad values, unknown netfilter keys) go to
 * diag as ctfw_sysctl_parse() reports them; the profile's own warnings
 * about 2.6-era names become lint findings instead. Returns the number
 * of errors, or -ENOMEM.
 */
int ctfw_lint_add_sysctl(struct ctfw_lint *l, const char *file,
                         const char *text, size_t len,
                         ctfw_sysctl_diag_fn diag, void *arg);

/* Run every check. 0 or -ENOMEM. */
int ctfw_lint_run(struct ctfw_lint *l);

size_t ctfw_lint_count(const struct ctfw_lint *l);
const struct ctfw_lint_finding *ctfw_lint_get(const struct ctfw_lint *l,
                                              size_t i);
/* Findings disabled by comments. */
size_t ctfw_lint_suppressed(const struct ctfw_lint *l);

/* "error", "warning", "note". */
const char *ctfw_lint_severity_name(enum ctfw_diag_severity s);

#endif
