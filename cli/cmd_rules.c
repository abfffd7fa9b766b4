// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctfw rules check|save|list -R FILE [options]
 *
 * Reads an iptables-restore file (or a script of iptables commands),
 * reports every error compiler-style and as iptables-restore 1.8.9 words
 * it, and prints the ruleset back as iptables-save, iptables -S or
 * iptables -L would.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ctfw/rules.h"

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: ctfw rules check|save|list -R FILE [OPTION]...\n"
            "Read an iptables ruleset and check it, save it or list it as\n"
            "iptables 1.8.9 (nf_tables) would.\n"
            "\n"
            "Commands:\n"
            "  check   report every error of FILE (exit 0 when clean)\n"
            "  save    print the ruleset as iptables-save does\n"
            "  list    print it as iptables -L (or -S with -S)\n"
            "  extensions  list the matches and targets ctfw implements\n"
            "\n"
            "Options:\n"
            "  -R, --rules FILE     ruleset: iptables-save/restore text or\n"
            "                       a script of iptables commands ('-' for\n"
            "                       stdin)\n"
            "  -6, --ipv6           FILE holds IPv6 rules (ip6tables)\n"
            "  -t, --table TABLE    only this table (list: default filter)\n"
            "  -c, --counters       save: [packets:bytes] before the rules;\n"
            "                       parse: apply the file's counters\n"
            "      --script         FILE is a script of iptables commands\n"
            "      --restore        FILE is iptables-restore input\n"
            "      --date TEXT      save: date for the comment lines\n"
            "                       (default: now, as ctime)\n"
            "      --no-date        save: omit the comment lines\n"
            "      --legacy         save: as iptables-legacy-save (tables\n"
            "                       in the kernel's list order: the one\n"
            "                       that first appears last in FILE first);\n"
            "                       parse: -E renames at once, as\n"
            "                       iptables-legacy-restore\n"
            "      --without-conntrack  load as on a kernel whose conntrack\n"
            "                       modules are unloaded and blacklisted:\n"
            "                       rules that need conntrack (state,\n"
            "                       conntrack, CT, NAT...) are refused\n"
            "  -S, --list-rules     list: print as iptables -S\n"
            "  -n, --numeric        list: numeric output (-L -n)\n"
            "  -v, --verbose        list: counters and interfaces\n"
            "  -x, --exact          list: exact counters\n"
            "      --line-numbers   list: number the rules\n"
            "      --chain CHAIN    list: only this chain\n"
            "  -h, --help           show this help and exit\n"
            "\n"
            "Errors are printed as FILE:LINE:COL: error: MESSAGE with the\n"
            "line and a caret, then the text iptables-restore prints for\n"
            "the first one; the exit status is that of iptables-restore\n"
            "(2 parameter problem, 1 other, 4 refused by the kernel).\n"
            "\n"
            "Examples:\n"
            "  ctfw rules check -R /etc/iptables/rules.v4\n"
            "  ctfw rules save -R rules.v4 -c --date 'Wed Nov 25 09:08:59 "
            "2026'\n"
            "  ctfw rules save -R rules.v4 --legacy --no-date\n"
            "  ctfw rules list -R firewall.sh -t nat -n -v --line-numbers\n"
            "  ctfw rules list -R rules.v6 -6 -S\n");
}

static char *
read_all(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
            }
            break;
        }
        cap *= 2;
        char *nb = realloc(buf, cap);
        if (!nb) {
            free(buf);
            buf = NULL;
        }
        buf = nb;
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

enum {
    OPT_SCRIPT = 256,
    OPT_RESTORE,
    OPT_DATE,
    OPT_NODATE,
    OPT_LEGACY,
    OPT_NOCT,
    OPT_LINENUM,
    OPT_CHAIN,
};

int
cmd_rules(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'R'},
        {"ipv6", no_argument, NULL, '6'},
        {"table", required_argument, NULL, 't'},
        {"counters", no_argument, NULL, 'c'},
        {"script", no_argument, NULL, OPT_SCRIPT},
        {"restore", no_argument, NULL, OPT_RESTORE},
        {"date", required_argument, NULL, OPT_DATE},
        {"no-date", no_argument, NULL, OPT_NODATE},
        {"legacy", no_argument, NULL, OPT_LEGACY},
        {"without-conntrack", no_argument, NULL, OPT_NOCT},
        {"list-rules", no_argument, NULL, 'S'},
        {"numeric", no_argument, NULL, 'n'},
        {"verbose", no_argument, NULL, 'v'},
        {"exact", no_argument, NULL, 'x'},
        {"line-numbers", no_argument, NULL, OPT_LINENUM},
        {"chain", required_argument, NULL, OPT_CHAIN},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *file = NULL, *table = NULL, *date = NULL, *chain = NULL;
    bool v6 = false, counters = false, nodate = false, list_s = false;
    bool no_ct = false;
    bool legacy = false;
    struct ctfw_rules_list_params lp = {0};
    enum ctfw_rules_format fmt = CTFW_RULES_FMT_AUTO;
    int c;

    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (argc < 2)
        return cli_usage_error("rules", "missing command (check, save or "
                                        "list)");
    const char *sub = argv[1];
    if (!strcmp(sub, "extensions")) {
        bool tg;
        int fam;
        const char *nm;
        for (size_t i = 0; (nm = ctfw_rules_ext_name(i, &tg, &fam)); i++)
            printf("%s %s%s\n", tg ? "target" : "match", nm,
                   fam == 4   ? " ipv4"
                   : fam == 6 ? " ipv6"
                              : "");
        return CLI_EXIT_OK;
    }
    optind = 2;
    while ((c = getopt_long(argc, argv, "+R:6t:cSnvxh", opts, NULL)) != -1) {
        switch (c) {
        case 'R':
            file = optarg;
            break;
        case '6':
            v6 = true;
            break;
        case 't':
            table = optarg;
            break;
        case 'c':
            counters = true;
            break;
        case OPT_SCRIPT:
            fmt = CTFW_RULES_FMT_SCRIPT;
            break;
        case OPT_RESTORE:
            fmt = CTFW_RULES_FMT_RESTORE;
            break;
        case OPT_DATE:
            date = optarg;
            break;
        case OPT_NODATE:
            nodate = true;
            break;
        case OPT_NOCT:
            no_ct = true;
            break;
        case OPT_LEGACY:
            legacy = true;
            break;
        case 'S':
            list_s = true;
            break;
        case 'n':
            lp.numeric = true;
            break;
        case 'v':
            lp.verbose = true;
            break;
        case 'x':
            lp.exact = true;
            break;
        case OPT_LINENUM:
            lp.line_numbers = true;
            break;
        case OPT_CHAIN:
            chain = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error("rules", "bad option");
        }
    }
    if (strcmp(sub, "check") && strcmp(sub, "save") && strcmp(sub, "list"))
        return cli_usage_error("rules", "unknown command '%s'", sub);
    if (!file)
        return cli_usage_error("rules", "-R FILE is required");
    if (optind < argc)
        return cli_usage_error("rules", "unexpected argument '%s'",
                               argv[optind]);

    size_t len;
    char *text = read_all(file, &len);
    if (!text) {
        cli_error("%s: %s", file, strerror(errno));
        return CLI_EXIT_FAIL;
    }
    struct ctfw_ruleset *rs =
        ctfw_rules_new(v6 ? CTFW_RULES_IPV6 : CTFW_RULES_IPV4);
    if (!rs) {
        free(text);
        cli_error("out of memory");
        return CLI_EXIT_FAIL;
    }
    struct ctfw_rules_parse_params pp = {
        .filename = file,
        .format = fmt,
        .counters = counters,
        .no_conntrack = no_ct,
        .legacy = legacy,
    };
    int rc = ctfw_rules_parse(rs, &pp, text, len);
    free(text);
    int status = CLI_EXIT_OK;
    if (rc == -ENOMEM) {
        cli_error("out of memory");
        status = CLI_EXIT_FAIL;
    } else if (rc) {
        cli_rules_print_diags(stderr, rs, true);
        status = (int)ctfw_rules_diag_first(rs)->exit_code;
    } else if (!strcmp(sub, "save")) {
        char now[64];
        if (!date && !nodate) {
            time_t t = time(NULL);
            struct tm tm;
            localtime_r(&t, &tm);
            strftime(now, sizeof(now), "%a %b %e %H:%M:%S %Y", &tm);
            date = now;
        }
        struct ctfw_rules_save_params sp = {
            .table = table,
            .counters = counters,
            .date = nodate ? NULL : date,
            .legacy = legacy,
        };
        char *out;
        size_t olen;
        if (ctfw_rules_save(rs, &sp, &out, &olen)) {
            cli_error("cannot save table '%s'", table ? table : "");
            status = CLI_EXIT_FAIL;
        } else {
            fwrite(out, 1, olen, stdout);
            free(out);
        }
    } else if (!strcmp(sub, "list")) {
        lp.table = table;
        lp.chain = chain;
        char *out;
        size_t olen;
        int lrc = list_s ? ctfw_rules_list_rules(rs, &lp, &out, &olen)
                         : ctfw_rules_list(rs, &lp, &out, &olen);
        if (lrc) {
            cli_error("%s", chain ? "No chain/target/match by that name."
                                  : "cannot list that table");
            status = CLI_EXIT_FAIL;
        } else {
            fwrite(out, 1, olen, stdout);
            free(out);
        }
    } else {
        fprintf(stderr, "%s: %zu rules, no errors\n", file,
                ctfw_rules_count(rs));
    }
    ctfw_rules_free(rs);
    return status;
}
