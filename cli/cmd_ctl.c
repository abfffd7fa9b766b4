// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctfw ctl: talk to a running `ctfw live` over its control socket
 * (io/ctl.h). The words after the options go to the daemon as they are;
 * its answer is printed on standard output and standard error as the
 * real tool prints it, and its exit code is ours.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "io/ctl.h"
#include "live.h"

static void
usage(FILE *f)
{
    fprintf(f,
"Usage: ctfw ctl [--ctl PATH] COMMAND [ARG]...\n"
"Ask a running 'ctfw live' (control socket, default " CTFW_CTL_DEFAULT_PATH ").\n"
"\n"
"Commands (answered as the real tools answer):\n"
"  conntrack -L [-p PROTO] [-s ADDR[/LEN]] [-d ADDR[/LEN]] [--sport N]\n"
"               [--dport N] [-f ipv4|ipv6] [-o extended,id]\n"
"  conntrack -D FILTERS   delete the matching entries\n"
"  conntrack -S | -C | -F\n"
"  conntrack -E [-e NEW,UPDATE,DESTROY] [FILTERS]  events until Ctrl-C\n"
"  iptables -L [-n] [-v] [-x] [-t TABLE] [--line-numbers] [CHAIN]\n"
"  iptables-save [-c] [-t TABLE]     (ip6tables, ip6tables-save alike)\n"
"  reload [-c] [FILE] [-6 FILE6]      atomic: a bad file changes nothing;\n"
"                                     no file: the files given at start\n"
"  status                             ctfw's own counters\n"
"\n"
"Options:\n"
"      --ctl PATH   the control socket\n"
"  -h, --help       show this help\n");
}

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
    interrupted = 1;
}

int
cmd_ctl(int argc, char **argv)
{
    static const struct option opts[] = {
        {"ctl", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = CTFW_CTL_DEFAULT_PATH;
    int c;
    optind = 1;
    /* "+": stop at the first word, so the command's own options (-L)
     * are not ours. */
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error("ctl", "bad option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("ctl", "no command given");
    char err[512];
    fflush(stdout);
    /* conntrack -E streams until interrupted; then, as conntrack, the
     * number of events shown goes to standard error. No SA_RESTART: the
     * read in ctfw_ctl_call() returns EINTR. */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int rc = ctfw_ctl_call(path, argc - optind, argv + optind, stdout, stderr,
                           err, sizeof(err));
    if (rc < 0) {
        cli_error("%s", err);
        return CLI_EXIT_FAIL;
    }
    bool events = false;
    for (int i = optind + 1; i < argc; i++)
        if (!strcmp(argv[optind], "conntrack") &&
            (!strcmp(argv[i], "-E") || !strcmp(argv[i], "--event")))
            events = true;
    if (events && rc == 0)
        fprintf(stderr, "conntrack v1.4.7 (conntrack-tools): %lu flow "
                "events have been shown.\n", ctfw_ctl_stream_lines);
    return rc;
}
