// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctfw decode -r FILE [-r FILE]... [EXPRESSION]
 *
 * One line per packet showing what ctfw decoded (docs/decode-format.md).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctfw/pkt.h"
#include "io/capture.h"

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: ctfw decode -r FILE [-r FILE]... [EXPRESSION]\n"
            "Print one line per packet: what ctfw decoded in it.\n"
            "\n"
            "  -r, --read FILE   read packets from FILE (pcap or pcapng;\n"
            "                    '-' for stdin); repeat to read several\n"
            "                    files in order\n"
            "  -c, --count N     stop after N packets\n"
            "  -q, --quiet       print only the closing summary\n"
            "  -h, --help        show this help and exit\n"
            "\n"
            "EXPRESSION is a tcpdump/BPF filter, e.g. 'tcp port 80'.\n"
            "\n"
            "Example:\n"
            "  ctfw decode -r examples/incident/web.pcap 'tcp[tcpflags] & "
            "tcp-syn != 0'\n"
            "\n"
            "The line format is described in ctfw(8) and "
            "docs/decode-format.md.\n");
}

static void
warn_cb(void *arg, const char *msg)
{
    (void)arg;
    cli_warn("%s", msg);
}

int
cmd_decode(int argc, char **argv)
{
    static const struct option opts[] = {
        {"read", required_argument, NULL, 'r'},
        {"count", required_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char **files = calloc((size_t)argc + 1, sizeof(char *));
    size_t n_files = 0;
    unsigned long long max = 0;
    bool quiet = false;
    int c, rc = CLI_EXIT_OK;

    if (!files)
        return CLI_EXIT_FAIL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+r:c:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            files[n_files++] = optarg;
            break;
        case 'c': {
            char *end;
            max = strtoull(optarg, &end, 10);
            if (*end || !*optarg) {
                free(files);
                return cli_usage_error("decode", "invalid count '%s'",
                                       optarg);
            }
            break;
        }
        case 'q':
            quiet = true;
            break;
        case 'h':
            usage(stdout);
            free(files);
            return CLI_EXIT_OK;
        default:
            free(files);
            return cli_usage_error("decode", "bad option");
        }
    }
    if (n_files == 0) {
        free(files);
        return cli_usage_error("decode", "no capture file given (-r FILE)");
    }
    char *filter = cli_join_args(argc, argv, optind);
    char err[512];
    struct ctfw_capture *cap =
        ctfw_capture_open(files, n_files, filter, err, sizeof(err));
    free(filter);
    free(files);
    if (!cap) {
        cli_error("%s", err);
        return CLI_EXIT_USAGE;
    }
    ctfw_capture_set_warn(cap, warn_cb, NULL);

    uint64_t events[CTFW_PKT_EV_COUNT] = {0};
    uint64_t n = 0, unsupported = 0;
    struct ctfw_capture_pkt cp;
    char line[1024];
    int r;
    while ((r = ctfw_capture_next(cap, &cp, err, sizeof(err))) != 0) {
        if (r < 0) {
            cli_warn("%s (processed up to the damage)", err);
            rc = CLI_EXIT_FAIL;
            continue;
        }
        struct ctfw_pkt pkt;
        if (!ctfw_pkt_linktype_supported(cp.linktype))
            unsupported++;
        ctfw_pkt_decode(&pkt, cp.linktype, cp.data, cp.caplen, cp.wirelen);
        for (int e = 0; e < CTFW_PKT_EV_COUNT; e++)
            if (ctfw_pkt_has_event(&pkt, (enum ctfw_pkt_event)e))
                events[e]++;
        n++;
        if (!quiet) {
            ctfw_pkt_format(&pkt, line, sizeof(line));
            printf("%llu %llu.%09llu %s\n", (unsigned long long)cp.number,
                   (unsigned long long)(cp.ts_ns / 1000000000ull),
                   (unsigned long long)(cp.ts_ns % 1000000000ull), line);
        }
        if (max && n >= max)
            break;
    }
    const struct ctfw_capture_stats *st = ctfw_capture_stats(cap);
    fprintf(stderr, "%llu packets decoded (%llu read)\n",
            (unsigned long long)n, (unsigned long long)st->read);
    if (unsupported)
        fprintf(stderr, "%llu packets of an unsupported link type\n",
                (unsigned long long)unsupported);
    for (int e = 0; e < CTFW_PKT_EV_COUNT; e++)
        if (events[e])
            fprintf(stderr, "  %-24s %llu\n",
                    ctfw_pkt_event_name((enum ctfw_pkt_event)e),
                    (unsigned long long)events[e]);
    ctfw_capture_close(cap);
    return rc;
}
