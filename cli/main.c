// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctfw: the command-line tool. A thin layer over the library: it parses
 * options, opens files through io/, and hands everything to lib/.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctfw_config.h"
#include "io/capture.h"
#include "live.h"

static const struct cli_cmd commands[] = {
    {"decode", "print what ctfw decodes in each packet of a capture",
     cmd_decode},
    {"rules", "check, save or list an iptables ruleset", cmd_rules},
    {"replay", "play a capture through rules and conntrack as the kernel",
     cmd_replay},
    {"test", "run firewall tests: packets with expected verdicts", cmd_test},
    {"gen", "synthesise a capture: web clients, SYN flood, DNS, scans",
     cmd_gen},
    {"sysctl", "load sysctl files onto the kernel profile and print them",
     cmd_sysctl},
    {"lint", "find NOTRACK traps, shadowed rules, stale sysctls", cmd_lint},
    {"live", "run the rules on live traffic (bridge, NFQUEUE)", cmd_live},
    {"ctl", "ask a running 'ctfw live': conntrack, iptables, reload",
     cmd_ctl},
};

static void
print_version(void)
{
    printf("ctfw v%s (%s)\n", CTFW_VERSION, ctfw_io_pcap_version());
    printf("kernel profile: linux-6.x\n");
    printf("output compatibility: iptables 1.8.9, conntrack-tools 1.4.7\n");
}

static void
print_help(FILE *out)
{
    fprintf(out,
            "Usage: ctfw COMMAND [OPTION]...\n"
            "Linux netfilter (iptables, nf_conntrack) in userspace.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name,
                commands[i].summary);
    fprintf(out,
            "\n"
            "Options:\n"
            "  -h, --help     show this help and exit\n"
            "  -V, --version  show the version and exit\n"
            "\n"
            "Run 'ctfw COMMAND --help' for the options of a command.\n"
            "See ctfw(8) for the full manual.\n");
}

void
cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("ctfw: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void
cli_warn(const char *fmt, ...)
{
    va_list ap;
    fputs("ctfw: warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("ctfw: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (cmd)
        fprintf(stderr, "Try 'ctfw %s --help' for more information.\n",
                cmd);
    else
        fprintf(stderr, "Try 'ctfw --help' for more information.\n");
    return CLI_EXIT_USAGE;
}

char *
cli_join_args(int argc, char **argv, int first)
{
    size_t len = 0;
    if (first >= argc)
        return NULL;
    for (int i = first; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (int i = first; i < argc; i++) {
        if (i > first)
            strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") ||
        !strcmp(cmd, "help")) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version") ||
        !strcmp(cmd, "version")) {
        print_version();
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(cmd, commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    return cli_usage_error(NULL, "unknown command '%s'", cmd);
}
