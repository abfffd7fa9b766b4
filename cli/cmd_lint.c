// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctfw lint [-R RULES] [-6 RULES6] [--sysctl FILE]... [--format=text|json]
 *           [--severity=error|warning|note]
 *
 * Static findings on a ruleset and sysctls, compiler-style with stable
 * identifiers (docs/lint.md). A ruleset that does not load is reported
 * as `ctfw rules check` reports it, in iptables' words, with exit 2.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctfw/json.h"
#include "ctfw/lint.h"
#include "ctfw/rules.h"

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: ctfw lint [-R RULES] [-6 RULES6] [--sysctl FILE]... "
            "[OPTION]...\n"
            "Report what is wrong or risky in an iptables ruleset and its "
            "sysctls,\n"
            "as FILE:LINE:COL: SEVERITY: MESSAGE [ID].\n"
            "\n"
            "  -R, --rules FILE     IPv4 ruleset: iptables-save text or a "
            "script of\n"
            "                       iptables commands ('-' for stdin)\n"
            "  -6, --rules6 FILE    IPv6 ruleset (ip6tables)\n"
            "  -f, --sysctl FILE    a sysctl.conf(5) file (repeatable; "
            "applied in\n"
            "                       order onto the Linux 6.x profile)\n"
            "      --format FORMAT  text (default) or json (schema "
            "ctfw-lint/1)\n"
            "      --severity LEVEL report findings of LEVEL and above: "
            "error,\n"
            "                       warning or note (default: note, all)\n"
            "      --list           list the checks and exit\n"
            "  -h, --help           show this help and exit\n"
            "\n"
            "Checks: CT1xx conntrack and NOTRACK, SY2xx sysctls, RU3xx "
            "ruleset\n"
            "structure; 'ctfw lint --list' names them, docs/lint.md "
            "explains each.\n"
            "Disable one with a comment line before the rule or setting:\n"
            "  # ctfw-lint: disable=CT101\n"
            "or for a whole file: # ctfw-lint: disable-file=SY204\n"
            "\n"
            "Exit status: 0 no finding at or above the severity, 1 "
            "findings,\n"
            "2 usage error or an input that does not load.\n"
            "\n"
            "Example:\n"
            "  ctfw lint -R examples/incident/rules-forgot-untracked.v4 \\\n"
            "      --sysctl examples/incident/sysctl.conf\n");
}

enum {
    OPT_FORMAT = 256,
    OPT_SEVERITY,
    OPT_LIST,
};

/* Parse one ruleset file; prints its errors; NULL on failure (*status
 * set). */
static struct ctfw_ruleset *
load_rules(const char *path, int family, char **text, size_t *len, int *status)
{
    int rc = cli_read_file(path, text, len);
    if (rc < 0) {
        cli_error("%s: %s", path, strerror(-rc));
        *status = CLI_EXIT_USAGE;
        return NULL;
    }
    struct ctfw_ruleset *rs = ctfw_rules_new(family);
    if (!rs) {
        cli_error("out of memory");
        *status = CLI_EXIT_FAIL;
        return NULL;
    }
    struct ctfw_rules_parse_params pp = {.filename = path};
    rc = ctfw_rules_parse(rs, &pp, *text, *len);
    if (rc == -ENOMEM) {
        cli_error("out of memory");
        *status = CLI_EXIT_FAIL;
        ctfw_rules_free(rs);
        return NULL;
    }
    if (rc) {
        /* As `ctfw rules check`: every error, then iptables' words for
         * the first one. */
        cli_rules_print_diags(stderr, rs, true);
        *status = CLI_EXIT_USAGE;
        ctfw_rules_free(rs);
        return NULL;
    }
    return rs;
}

static void
json_sink(void *arg, const char *text, size_t len)
{
    fwrite(text, 1, len, (FILE *)arg);
}

static void
json_str_or_null(struct ctfw_json *j, const char *s)
{
    if (s)
        ctfw_json_str(j, s);
    else
        ctfw_json_null(j);
}

static void
print_json(const struct ctfw_lint *l, const char *rules4, const char *rules6,
           char **sysctls, size_t n_sysctl, enum ctfw_diag_severity thr)
{
    struct ctfw_json j;
    size_t counts[3] = {0};
    ctfw_json_init(&j, json_sink, stdout, CTFW_JSON_PRETTY);
    ctfw_json_obj_begin(&j);
    ctfw_json_key(&j, "schema");
    ctfw_json_str(&j, "ctfw-lint/1");
    ctfw_json_key(&j, "inputs");
    ctfw_json_obj_begin(&j);
    ctfw_json_key(&j, "rules4");
    json_str_or_null(&j, rules4);
    ctfw_json_key(&j, "rules6");
    json_str_or_null(&j, rules6);
    ctfw_json_key(&j, "sysctl");
    ctfw_json_arr_begin(&j);
    for (size_t i = 0; i < n_sysctl; i++)
        ctfw_json_str(&j, sysctls[i]);
    ctfw_json_arr_end(&j);
    ctfw_json_obj_end(&j);
    ctfw_json_key(&j, "severity");
    ctfw_json_str(&j, ctfw_lint_severity_name(thr));
    ctfw_json_key(&j, "findings");
    ctfw_json_arr_begin(&j);
    for (size_t i = 0; i < ctfw_lint_count(l); i++) {
        const struct ctfw_lint_finding *f = ctfw_lint_get(l, i);
        if (f->severity > thr)
            continue;
        counts[f->severity]++;
        ctfw_json_obj_begin(&j);
        ctfw_json_key(&j, "id");
        ctfw_json_str(&j, f->id);
        ctfw_json_key(&j, "severity");
        ctfw_json_str(&j, ctfw_lint_severity_name(f->severity));
        ctfw_json_key(&j, "file");
        ctfw_json_str(&j, f->file);
        ctfw_json_key(&j, "line");
        if (f->line)
            ctfw_json_uint(&j, f->line);
        else
            ctfw_json_null(&j);
        ctfw_json_key(&j, "column");
        if (f->line && f->col)
            ctfw_json_uint(&j, f->col);
        else
            ctfw_json_null(&j);
        ctfw_json_key(&j, "message");
        ctfw_json_str(&j, f->message);
        ctfw_json_key(&j, "table");
        json_str_or_null(&j, f->table);
        ctfw_json_key(&j, "chain");
        json_str_or_null(&j, f->chain);
        ctfw_json_key(&j, "related_line");
        if (f->related_line)
            ctfw_json_uint(&j, f->related_line);
        else
            ctfw_json_null(&j);
        ctfw_json_obj_end(&j);
    }
    ctfw_json_arr_end(&j);
    ctfw_json_key(&j, "counts");
    ctfw_json_obj_begin(&j);
    for (int s = CTFW_DIAG_ERROR; s <= CTFW_DIAG_NOTE; s++) {
        ctfw_json_key(&j, ctfw_lint_severity_name(s));
        ctfw_json_uint(&j, counts[s]);
    }
    ctfw_json_obj_end(&j);
    ctfw_json_key(&j, "suppressed");
    ctfw_json_uint(&j, ctfw_lint_suppressed(l));
    ctfw_json_obj_end(&j);
    ctfw_json_finish(&j);
}

/* "file:line:col: severity: message [ID]" (no column, or no line, where
 * the finding has none); heap string, NULL when out of memory. */
static char *
finding_line(const struct ctfw_lint_finding *f)
{
    char where[600];
    if (!f->line)
        snprintf(where, sizeof(where), "%s", f->file);
    else if (!f->col)
        snprintf(where, sizeof(where), "%s:%u", f->file, f->line);
    else
        snprintf(where, sizeof(where), "%s:%u:%u", f->file, f->line, f->col);
    char *out;
    if (asprintf(&out, "%s: %s: %s [%s]", where,
                 ctfw_lint_severity_name(f->severity), f->message,
                 f->id) < 0)
        return NULL;
    return out;
}

static size_t
print_text(const struct ctfw_lint *l, enum ctfw_diag_severity thr,
           size_t counts[3])
{
    size_t n = 0;
    for (size_t i = 0; i < ctfw_lint_count(l); i++) {
        const struct ctfw_lint_finding *f = ctfw_lint_get(l, i);
        if (f->severity > thr)
            continue;
        counts[f->severity]++;
        n++;
        char *line = finding_line(f);
        if (line)
            puts(line);
        free(line);
    }
    return n;
}

static void
no_diag(void *arg, const struct ctfw_sysctl_diag *d)
{
    (void)arg;
    (void)d;
}

/*
 * Lint the inputs of a replay for its report: the findings as ctfw lint
 * prints them, one heap string each (*n_lines of them; free each and
 * the array). Inputs that do not load were refused by the replay
 * already, so their errors are not repeated here. NULL when out of
 * memory.
 */
char **
cli_lint_lines(const char *rules4, const char *rules6,
               const char *const *sysctls, size_t n_sysctl, size_t *n_lines)
{
    *n_lines = 0;
    struct ctfw_lint *l = ctfw_lint_new();
    struct ctfw_ruleset *rs[2] = {NULL, NULL};
    char *text[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    const char *paths[2] = {rules4, rules6};
    char **lines = NULL;
    if (!l)
        return NULL;
    for (int k = 0; k < 2; k++) {
        if (!paths[k] || cli_read_file(paths[k], &text[k], &len[k]) < 0)
            continue;
        rs[k] = ctfw_rules_new(k ? CTFW_RULES_IPV6 : CTFW_RULES_IPV4);
        struct ctfw_rules_parse_params pp = {.filename = paths[k]};
        if (rs[k] && !ctfw_rules_parse(rs[k], &pp, text[k], len[k]))
            ctfw_lint_add_rules(l, rs[k], paths[k], text[k], len[k]);
    }
    for (size_t i = 0; i < n_sysctl; i++) {
        char *t;
        size_t n;
        if (cli_read_file(sysctls[i], &t, &n) < 0)
            continue;
        ctfw_lint_add_sysctl(l, sysctls[i], t, n, no_diag, NULL);
        free(t);
    }
    if (!ctfw_lint_run(l)) {
        size_t n = ctfw_lint_count(l);
        lines = calloc(n + 1, sizeof(*lines));
        for (size_t i = 0; lines && i < n; i++) {
            lines[i] = finding_line(ctfw_lint_get(l, i));
            if (!lines[i]) {
                while (i)
                    free(lines[--i]);
                free(lines);
                lines = NULL;
            } else {
                (*n_lines)++;
            }
        }
    }
    ctfw_lint_free(l);
    for (int k = 0; k < 2; k++) {
        ctfw_rules_free(rs[k]);
        free(text[k]);
    }
    return lines;
}

static int
parse_severity(const char *s, enum ctfw_diag_severity *out)
{
    for (int i = CTFW_DIAG_ERROR; i <= CTFW_DIAG_NOTE; i++)
        if (!strcmp(s, ctfw_lint_severity_name(i))) {
            *out = i;
            return 0;
        }
    return -1;
}

int
cmd_lint(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'R'},
        {"rules6", required_argument, NULL, '6'},
        {"sysctl", required_argument, NULL, 'f'},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"severity", required_argument, NULL, OPT_SEVERITY},
        {"list", no_argument, NULL, OPT_LIST},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *rules4 = NULL, *rules6 = NULL;
    bool json = false;
    enum ctfw_diag_severity thr = CTFW_DIAG_NOTE;
    char **sysctls = calloc((size_t)argc + 1, sizeof(char *));
    size_t n_sysctl = 0;
    int c, status = CLI_EXIT_OK;

    if (!sysctls)
        return CLI_EXIT_FAIL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+R:6:f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'R':
            rules4 = optarg;
            break;
        case '6':
            rules6 = optarg;
            break;
        case 'f':
            sysctls[n_sysctl++] = optarg;
            break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "json")) {
                json = true;
            } else if (strcmp(optarg, "text")) {
                free(sysctls);
                return cli_usage_error("lint",
                                       "unknown format '%s' (text "
                                       "or json)",
                                       optarg);
            }
            break;
        case OPT_SEVERITY:
            if (parse_severity(optarg, &thr)) {
                free(sysctls);
                return cli_usage_error("lint",
                                       "unknown severity '%s' "
                                       "(error, warning or note)",
                                       optarg);
            }
            break;
        case OPT_LIST:
            for (size_t i = 0; ctfw_lint_check_get(i); i++) {
                const struct ctfw_lint_check *k = ctfw_lint_check_get(i);
                printf("%s %-7s %s\n", k->id,
                       ctfw_lint_severity_name(k->severity), k->summary);
            }
            free(sysctls);
            return CLI_EXIT_OK;
        case 'h':
            usage(stdout);
            free(sysctls);
            return CLI_EXIT_OK;
        default:
            free(sysctls);
            return cli_usage_error("lint", "bad option");
        }
    }
    if (optind < argc) {
        free(sysctls);
        return cli_usage_error("lint", "unexpected argument '%s'",
                               argv[optind]);
    }
    if (!rules4 && !rules6 && !n_sysctl) {
        free(sysctls);
        return cli_usage_error("lint", "nothing to check: give -R, -6 or "
                                       "--sysctl");
    }

    struct ctfw_lint *l = ctfw_lint_new();
    struct ctfw_ruleset *rs[2] = {NULL, NULL};
    char *text[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    const char *paths[2] = {rules4, rules6};
    if (!l) {
        cli_error("out of memory");
        free(sysctls);
        return CLI_EXIT_FAIL;
    }
    /* Load everything first, so that every input's errors are shown. */
    for (int k = 0; k < 2; k++) {
        if (!paths[k])
            continue;
        int st = CLI_EXIT_OK;
        rs[k] = load_rules(paths[k], k ? CTFW_RULES_IPV6 : CTFW_RULES_IPV4,
                           &text[k], &len[k], &st);
        if (!rs[k])
            status =
                status == CLI_EXIT_OK || st == CLI_EXIT_USAGE ? st : status;
        else if (ctfw_lint_add_rules(l, rs[k], paths[k], text[k], len[k]))
            status = CLI_EXIT_FAIL;
    }
    for (size_t i = 0; i < n_sysctl; i++) {
        char *t;
        size_t n;
        int rc = cli_read_file(sysctls[i], &t, &n);
        if (rc < 0) {
            cli_error("%s: %s", sysctls[i], strerror(-rc));
            status = CLI_EXIT_USAGE;
            continue;
        }
        rc = ctfw_lint_add_sysctl(l, sysctls[i], t, n, cli_print_sysctl_diag,
                                  NULL);
        free(t);
        if (rc < 0) {
            cli_error("out of memory");
            status = CLI_EXIT_FAIL;
        } else if (rc > 0) {
            status = CLI_EXIT_USAGE;
        }
    }
    if (status == CLI_EXIT_OK && ctfw_lint_run(l)) {
        cli_error("out of memory");
        status = CLI_EXIT_FAIL;
    }
    if (status == CLI_EXIT_OK) {
        size_t counts[3] = {0}, shown;
        if (json) {
            print_json(l, rules4, rules6, sysctls, n_sysctl, thr);
            for (size_t i = 0; i < ctfw_lint_count(l); i++)
                if (ctfw_lint_get(l, i)->severity <= thr)
                    counts[ctfw_lint_get(l, i)->severity]++;
            shown = counts[0] + counts[1] + counts[2];
        } else {
            shown = print_text(l, thr, counts);
            /* The findings before the summary, also on a terminal that
             * shows both streams. */
            fflush(stdout);
            if (shown || ctfw_lint_suppressed(l))
                fprintf(stderr,
                        "ctfw lint: %zu error%s, %zu warning%s, %zu "
                        "note%s; %zu suppressed by comments\n",
                        counts[0], counts[0] == 1 ? "" : "s", counts[1],
                        counts[1] == 1 ? "" : "s", counts[2],
                        counts[2] == 1 ? "" : "s", ctfw_lint_suppressed(l));
        }
        status = shown ? CLI_EXIT_FAIL : CLI_EXIT_OK;
    }
    ctfw_lint_free(l);
    for (int k = 0; k < 2; k++) {
        ctfw_rules_free(rs[k]);
        free(text[k]);
    }
    free(sysctls);
    return status;
}
