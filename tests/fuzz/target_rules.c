// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the input is a rules file (iptables-restore text or an
 * iptables script; the first byte picks the family and the format so
 * that one corpus covers all four). Everything parsed is saved and
 * listed back, and every diagnostic is formatted, so that printers are
 * fuzzed along with the parser.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ctfw/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int family = CTFW_RULES_IPV4;
    enum ctfw_rules_format fmt = CTFW_RULES_FMT_AUTO;
    if (size && data[0] == '6') {
        family = CTFW_RULES_IPV6;
        data++;
        size--;
    }
    struct ctfw_ruleset *rs = ctfw_rules_new(family);
    if (!rs)
        return 0;
    struct ctfw_rules_parse_params pp = {
        .filename = "fuzz",
        .format = fmt,
        .counters = size & 1,
    };
    ctfw_rules_parse(rs, &pp, (const char *)data, size);
    for (size_t i = 0; i < ctfw_rules_diag_count(rs); i++)
        free(ctfw_rules_diag_format(rs, i));
    struct ctfw_rules_save_params sp = {.counters = true, .date = "D"};
    char *out = NULL;
    size_t len;
    if (!ctfw_rules_save(rs, &sp, &out, &len))
        free(out);
    struct ctfw_rules_list_params lp = {.verbose = true};
    const char *tables[] = {"filter", "nat", "raw", "mangle", "security"};
    for (size_t t = 0; t < 5; t++) {
        lp.table = tables[t];
        if (!ctfw_rules_list_rules(rs, &lp, &out, &len))
            free(out);
        if (!ctfw_rules_list(rs, &lp, &out, &len))
            free(out);
    }
    ctfw_rules_free(rs);
    return 0;
}
