/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to lib/nat (exposed to tests/unit/test_nat.c). */
#ifndef CTFW_NAT_PRIVATE_H
#define CTFW_NAT_PRIVATE_H

#include "ctfw/nat.h"

struct ctfw_nat {
    uint64_t rng;              /* get_random_u16() state, from the seed */
    struct ctfw_nat_stats st;
};

/* One allocation: the entry being bound and its constants. */
struct nat_ctx {
    struct ctfw_nat *nat;
    struct ctfw_ct *ct;
    struct ctfw_ct_entry *e;
    uint64_t now;
    uint8_t family, proto;
    uint16_t zone;
};

uint32_t nat_jhash2(const uint32_t *k, uint32_t length, uint32_t initval);
bool nat_has_ports(uint8_t proto);
void nat_find_best_ips(uint8_t family, uint16_t zone,
                       struct ctfw_ct_tuple *t,
                       const struct ctfw_nat_range *r,
                       enum ctfw_nat_manip m);
bool nat_l4proto_unique_tuple(struct nat_ctx *c, struct ctfw_ct_tuple *t,
                              const struct ctfw_nat_range *r,
                              enum ctfw_nat_manip m);

#endif
