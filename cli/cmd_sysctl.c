// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctfw sysctl [--sysctl FILE]... [--set KEY=VALUE]... [KEY]...
 *
 * Loads sysctl files and settings onto the Linux 6.x profile the way
 * replay does, reports every finding as file:line:col, and prints the
 * resulting netfilter knobs as `sysctl -a` does (or the keys asked for).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctfw/sysctl.h"

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: ctfw sysctl [--sysctl FILE]... [--set KEY=VALUE]... "
            "[KEY]...\n"
            "Load sysctl settings onto the Linux 6.x kernel profile and "
            "print the\n"
            "netfilter knobs ctfw models, as `sysctl -a` prints them.\n"
            "\n"
            "  -f, --sysctl FILE    a sysctl.conf(5) file or `sysctl -a` "
            "output\n"
            "                       (repeatable; applied in order)\n"
            "  -s, --set KEY=VALUE  one setting (repeatable, after the "
            "files)\n"
            "  -n, --values         print values only, as sysctl -n\n"
            "  -h, --help           show this help and exit\n"
            "\n"
            "2.6-era names (net.ipv4.netfilter.ip_conntrack_*) do not "
            "exist on 6.x:\n"
            "they are reported and ignored, with the modern name. An "
            "unknown\n"
            "net.netfilter key or a bad value is an error (exit 2).\n"
            "\n"
            "Example:\n"
            "  ctfw sysctl -f examples/incident/sysctl.conf "
            "net.netfilter.nf_conntrack_max\n");
}

int
cmd_sysctl(int argc, char **argv)
{
    static const struct option opts[] = {
        {"sysctl", required_argument, NULL, 'f'},
        {"set", required_argument, NULL, 's'},
        {"values", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ctfw_sysctl s;
    int c, errors = 0;
    bool values = false;
    char **sets = calloc((size_t)argc + 1, sizeof(char *));
    size_t n_sets = 0;

    if (!sets)
        return CLI_EXIT_FAIL;
    ctfw_sysctl_init(&s);
    optind = 1;
    while ((c = getopt_long(argc, argv, "+f:s:nh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            errors += cli_load_sysctl_file(&s, optarg);
            break;
        case 's':
            sets[n_sets++] = optarg;
            break;
        case 'n':
            values = true;
            break;
        case 'h':
            usage(stdout);
            free(sets);
            return CLI_EXIT_OK;
        default:
            free(sets);
            return cli_usage_error("sysctl", "bad option");
        }
    }
    for (size_t i = 0; i < n_sets; i++)
        errors += cli_apply_sysctl_set(&s, sets[i]);
    free(sets);
    if (errors)
        return CLI_EXIT_USAGE;

    if (optind == argc) {
        for (int i = 0; i < CTFW_SYSCTL_COUNT; i++) {
            const struct ctfw_sysctl_key *k = ctfw_sysctl_key(i);
            if (values)
                printf("%lld\n", (long long)ctfw_sysctl_get(&s, k->id));
            else
                printf("%s = %lld\n", k->name,
                       (long long)ctfw_sysctl_get(&s, k->id));
        }
        return CLI_EXIT_OK;
    }
    int rc = CLI_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        const struct ctfw_sysctl_key *k = ctfw_sysctl_lookup(argv[i]);
        if (!k) {
            /* sysctl(8)'s words for a key that does not exist. */
            char path[300];
            snprintf(path, sizeof(path), "%s", argv[i]);
            for (char *p = path; *p; p++)
                if (*p == '.')
                    *p = '/';
            fprintf(stderr,
                    "sysctl: cannot stat /proc/sys/%s: No such file or "
                    "directory\n",
                    path);
            rc = CLI_EXIT_FAIL;
            continue;
        }
        if (values)
            printf("%lld\n", (long long)ctfw_sysctl_get(&s, k->id));
        else
            printf("%s = %lld\n", k->name,
                   (long long)ctfw_sysctl_get(&s, k->id));
    }
    return rc;
}
