/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared pieces of the ctfw command-line tool. Each subcommand lives in
 * its own cmd_<name>.c and is listed in the table in main.c.
 *
 * Exit codes follow netfilter practice: 0 success, 1 findings or another
 * problem, 2 usage or parse error.
 */
#ifndef CTFW_CLI_H
#define CTFW_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ctfw/sysctl.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

struct cli_cmd {
    const char *name;
    const char *summary;  /* one line for `ctfw --help` */
    int (*run)(int argc, char **argv);
};

/* Print "ctfw: <msg>" and the Try-line to stderr; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print "ctfw: <msg>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Join argv[first..argc-1] with spaces into a heap string (tcpdump's way
 * of taking a BPF expression after the options); NULL when there are no
 * words. Caller frees.
 */
char *cli_join_args(int argc, char **argv, int first);

/* Read a whole file ("-" = stdin) into a NUL-terminated heap buffer. */
int cli_read_file(const char *path, char **out, size_t *len);

/* Diagnostics as "file:line:col: severity: message" on stderr. */
void cli_print_sysctl_diag(void *arg, const struct ctfw_sysctl_diag *d);

/* Apply a sysctl file / one KEY=VALUE; return the number of errors
 * (printed). */
struct ctfw_rules_diag;
char **cli_lint_lines(const char *rules4, const char *rules6,
                      const char *const *sysctls, size_t n_sysctl,
                      size_t *n_lines);
struct ctfw_ruleset;
size_t cli_rules_print_diags(FILE *f, const struct ctfw_ruleset *rs,
                             bool would_print);
void cli_rules_would_print(FILE *f, size_t n, const struct ctfw_rules_diag *d);
int cli_load_sysctl_file(struct ctfw_sysctl *s, const char *path);
int cli_apply_sysctl_set(struct ctfw_sysctl *s, const char *kv);

/* The evaluator mode of a loaded ruleset from $CTFW_RULES_EVAL
 * ("auto", the default; "linear", the reference walk; "compiled"):
 * every mode gives the same verdicts and counters (ctfw_rules_set_mode). */
struct ctfw_ruleset;
void cli_rules_mode(struct ctfw_ruleset *rs);

int cmd_decode(int argc, char **argv);
int cmd_rules(int, char **);
int cmd_sysctl(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_lint(int argc, char **argv);

#endif
