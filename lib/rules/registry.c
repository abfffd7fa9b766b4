// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The match and target registry: the extension groups of ext_*.c
 * searched by name and family. Adding an extension means adding its
 * description to one group's list; nothing else changes.
 */
#include <string.h>

#include "rules_private.h"

static const struct rules_ext *const *const groups[] = {
    rules_ext_tcpudp,  rules_ext_icmp, rules_ext_ct,
    rules_ext_misc,    rules_ext_addr, rules_ext_rate,
    rules_ext_targets, rules_ext_nat,  rules_ext_more, rules_ext_extra,
};

const struct rules_ext *
rules_ext_find(const char *name, bool target, int family)
{
    for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
        for (const struct rules_ext *const *e = groups[g]; *e; e++)
            if ((*e)->target == target && !strcmp((*e)->name, name) &&
                (!(*e)->family || (*e)->family == family))
                return *e;
    return NULL;
}

const char *
ctfw_rules_ext_name(size_t i, bool *target, int *family)
{
    for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
        for (const struct rules_ext *const *e = groups[g]; *e; e++)
            if (i-- == 0) {
                if (target)
                    *target = (*e)->target;
                if (family)
                    *family = (*e)->family;
                return (*e)->name;
            }
    return NULL;
}

const struct rules_ext *
rules_ext_any(const char *name, bool target)
{
    const struct rules_ext *e = rules_ext_find(name, target, 4);
    return e ? e : rules_ext_find(name, target, 6);
}
