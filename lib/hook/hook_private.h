/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to lib/hook. */
#ifndef CTFW_HOOK_PRIVATE_H
#define CTFW_HOOK_PRIVATE_H

#include "ctfw/hook.h"

struct ctfw_pipeline {
    struct ctfw_pipeline_params p;
    struct ctfw_ct *ct;          /* shared by both families, as the
                                    kernel's per-netns table */
    bool ct_on[2];               /* [0] IPv4, [1] IPv6 registered */
    struct ctfw_rules_env env;
    /* REJECT answers (reject.c): sent through OUTPUT and POSTROUTING,
     * dropped there, or not sent at all (the kernel sends none). */
    uint64_t rejects_sent, rejects_dropped, rejects_unsent;
    int reject_depth;
    uint8_t reject_buf[1500];
    struct ctfw_skb reject_skb;
    /* The forwarded packet as it leaves (on_output), TTL decreased. */
    uint8_t out_buf[65535];
};

/* The conntrack settings in force for these sysctls. */
void ctfw_hook_ct_config(struct ctfw_ct_config *cfg,
                         const struct ctfw_sysctl *s);

#endif
