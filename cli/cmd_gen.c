// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctfw gen -w FILE [--seed N] [--duration SECONDS] [--start EPOCH]
 *          [--snaplen N] SPEC...
 *
 * Synthesise a capture from workload specs (lib/gen), streamed to disk.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctfw/gen.h"
#include "io/capture.h"

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: ctfw gen -w FILE [OPTION]... SPEC...\n"
            "Synthesise the traffic a server's interface would capture.\n"
            "\n"
            "  -w, --write FILE      write a pcap (nanosecond) to FILE\n"
            "  -s, --seed N          random seed (default 1): same seed, "
            "same bytes\n"
            "  -d, --duration SECS   new flows start for this long "
            "(default 10);\n"
            "                        flows then run to their end\n"
            "      --start EPOCH     first timestamp, seconds since 1970 "
            "(default\n"
            "                        1764064800 = 2025-11-25 10:00 UTC)\n"
            "      --snaplen N       cut frames to N bytes, as tcpdump -s\n"
            "  -h, --help            show this help and exit\n"
            "\n"
            "SPEC is KIND:KEY=VALUE,... ; several SPECs mix. Kinds, keys "
            "and\ndefaults:\n\n%s\n"
            "Examples:\n"
            "  ctfw gen -w web.pcap -d 60 "
            "'web:rate=500,keepalive=15,close=server'\n"
            "  ctfw gen -w mix.pcap 'web:rate=100' 'synflood:rate=2000' "
            "'dns:rate=20'\n",
            ctfw_gen_help());
}

static int
parse_num(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return (end == s || *end || *out < 0) ? -1 : 0;
}

int
cmd_gen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"write", required_argument, NULL, 'w'},
        {"seed", required_argument, NULL, 's'},
        {"duration", required_argument, NULL, 'd'},
        {"start", required_argument, NULL, 'S'},
        {"snaplen", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    struct ctfw_gen_params p = {
        .seed = 1,
        .start_ns = 1764064800ull * 1000000000ull,
        .duration_ns = 10ull * 1000000000ull,
        .snaplen = 0,
    };
    double v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+w:s:d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'w':
            out = optarg;
            break;
        case 's': {
            char *end;
            p.seed = strtoull(optarg, &end, 0);
            if (*end || !*optarg)
                return cli_usage_error("gen", "invalid seed '%s'", optarg);
            break;
        }
        case 'd':
            if (parse_num(optarg, &v) < 0 || v > 1e7)
                return cli_usage_error("gen", "invalid duration '%s'",
                                       optarg);
            p.duration_ns = (uint64_t)(v * 1e9);
            break;
        case 'S':
            if (parse_num(optarg, &v) < 0 || v > 1e10)
                return cli_usage_error("gen", "invalid start '%s'", optarg);
            p.start_ns = (uint64_t)(v * 1e9);
            break;
        case 'n':
            if (parse_num(optarg, &v) < 0 || v < 54 || v > 262144)
                return cli_usage_error("gen", "invalid snaplen '%s' "
                                       "(54..262144)", optarg);
            p.snaplen = (uint32_t)v;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error("gen", "bad option");
        }
    }
    if (!out)
        return cli_usage_error("gen", "no output file given (-w FILE)");
    if (optind == argc)
        return cli_usage_error("gen", "no workload given (e.g. "
                               "'web:rate=200')");
    struct ctfw_gen *g = ctfw_gen_new(&p);
    if (!g)
        return CLI_EXIT_FAIL;
    char err[256];
    for (int i = optind; i < argc; i++)
        if (ctfw_gen_add(g, argv[i], err, sizeof(err)) < 0) {
            ctfw_gen_free(g);
            return cli_usage_error("gen", "%s", err);
        }
    struct ctfw_capture_writer *w = ctfw_capture_writer_open(
        out, 1 /* Ethernet */, p.snaplen ? p.snaplen : 262144, err,
        sizeof(err));
    if (!w) {
        ctfw_gen_free(g);
        cli_error("%s", err);
        return CLI_EXIT_USAGE;
    }
    struct ctfw_gen_frame f;
    int r;
    while ((r = ctfw_gen_next(g, &f)) == 1)
        ctfw_capture_writer_put(w, f.ts_ns, f.data, f.caplen, f.wirelen);
    int rc = ctfw_capture_writer_close(w);
    const struct ctfw_gen_stats *st = ctfw_gen_stats(g);
    fprintf(stderr,
            "%llu packets (%llu bytes), %llu flows, at most %llu at once\n",
            (unsigned long long)st->frames, (unsigned long long)st->bytes,
            (unsigned long long)st->connections,
            (unsigned long long)st->peak_active);
    ctfw_gen_free(g);
    if (r < 0) {
        cli_error("out of memory after %llu packets",
                  (unsigned long long)st->frames);
        return CLI_EXIT_FAIL;
    }
    if (rc < 0) {
        cli_error("%s: write failed", out);
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}
