// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where lib/ct consults a table-full policy (include/ctfw/policy.h,
 * docs/policies.md). Linux has none of this: every call site tests
 * ct->pol first, so a table without a policy runs the kernel's code
 * paths only. The decision points:
 *
 *   allocation   ct_pol_admit() before a new entry is allocated
 *                (synproxy, overload table, max-src-states);
 *                ct_pol_full() when early drop freed nothing (exempt
 *                traffic passes untracked); ct_pol_pressure() when the
 *                count passes the emergency threshold.
 *   timeouts     ct_is_expired() asks ct_pol_expired(): the entry's
 *                last timeout rescaled by the policy at every check, as
 *                pf_state_expires() does at every purge; a sweep once a
 *                second of the clock (ct_pol_advance()) reaps what the
 *                policy expired, as pf's purge thread and Suricata's
 *                flow manager do.
 *   sources      ct_pol_confirmed() / ct_pol_killed(): per-source
 *                state counts; ct_pol_established(): pf_src_connlimit().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ct_private.h"
#include "ctfw/policy.h"

int
ctfw_ct_set_policy(struct ctfw_ct *ct, struct ctfw_policy *pol)
{
    if (pol && !ct->pol_base) {
        ct->pol_base = calloc(ct->chunks_cap ? ct->chunks_cap : 1,
                              sizeof(*ct->pol_base));
        if (!ct->pol_base)
            return -ENOMEM;
    }
    ct->pol = pol;
    ct->pol_timeouts = pol && ctfw_policy_has_timeouts(pol);
    /* Sweeps on the gc's clock grid (first one second after start), so
     * that when the caller advances the clock changes nothing. */
    ct->pol_sweep_next = ct->gc.next_run;
    return 0;
}

bool
ctfw_ct_reason_is_policy(enum ctfw_ct_reason r)
{
    return r >= CTFW_CT_R_POLICY_EXEMPT && r < CTFW_CT_R_COUNT;
}

/* pool_grow(): the side array follows the chunk array. */
int
ct_pol_grow(struct ctfw_ct *ct, uint32_t old_cap, uint32_t new_cap)
{
    if (!ct->pol_base)
        return 0;
    uint32_t **v = realloc(ct->pol_base, new_cap * sizeof(*v));
    if (!v)
        return -ENOMEM;
    for (uint32_t i = old_cap; i < new_cap; i++)
        v[i] = NULL;
    ct->pol_base = v;
    return 0;
}

void
ct_pol_fini(struct ctfw_ct *ct)
{
    if (!ct->pol_base)
        return;
    for (uint32_t i = 0; i < ct->chunks_cap; i++)
        free(ct->pol_base[i]);
    free(ct->pol_base);
}

void
ct_pol_note(struct ctfw_ct *ct, const struct ctfw_ct_entry *e,
            uint32_t timeout_s)
{
    if (!ct->pol_timeouts)
        return;
    uint32_t c = e->slot >> CT_CHUNK_SHIFT;
    if (!ct->pol_base[c]) {
        ct->pol_base[c] = calloc(CT_CHUNK_SIZE, sizeof(uint32_t));
        if (!ct->pol_base[c])
            return;     /* unscaled: Linux's timeout stands */
    }
    ct->pol_base[c][e->slot & (CT_CHUNK_SIZE - 1)] = timeout_s;
}

static uint32_t
pol_base_of(const struct ctfw_ct *ct, const struct ctfw_ct_entry *e)
{
    const uint32_t *b = ct->pol_base[e->slot >> CT_CHUNK_SHIFT];
    return b ? b[e->slot & (CT_CHUNK_SIZE - 1)] : 0;
}

/* Suricata's groups: tcp, udp, icmp, default; new (no reply or TCP
 * before ESTABLISHED), established, closed (TCP from FIN_WAIT on). */
static void
pol_group(const struct ctfw_ct_entry *e, enum ctfw_policy_proto *proto,
          enum ctfw_policy_stage *stage)
{
    switch (e->proto) {
    case 6:
        *proto = CTFW_POLICY_P_TCP;
        switch (e->p.tcp.state) {
        case CTFW_CT_TCP_ESTABLISHED:
            *stage = CTFW_POLICY_S_ESTABLISHED;
            return;
        case CTFW_CT_TCP_FIN_WAIT:
        case CTFW_CT_TCP_CLOSE_WAIT:
        case CTFW_CT_TCP_LAST_ACK:
        case CTFW_CT_TCP_TIME_WAIT:
        case CTFW_CT_TCP_CLOSE:
            *stage = CTFW_POLICY_S_CLOSED;
            return;
        default:
            *stage = CTFW_POLICY_S_NEW;
            return;
        }
    case 17:
    case 136:
        *proto = CTFW_POLICY_P_UDP;
        break;
    case 1:
    case 58:
        *proto = CTFW_POLICY_P_ICMP;
        break;
    default:
        *proto = CTFW_POLICY_P_DEFAULT;
        break;
    }
    *stage = (e->status & CTFW_CT_S_SEEN_REPLY) ? CTFW_POLICY_S_ESTABLISHED
                                                : CTFW_POLICY_S_NEW;
}

bool
ct_pol_expired(const struct ctfw_ct *ct, const struct ctfw_ct_entry *e,
               uint64_t now)
{
    uint32_t base = pol_base_of(ct, e);
    if (!base || (e->status & CTFW_CT_S_FIXED_TIMEOUT))
        return false;
    uint64_t base_ns = ct_sec(base);
    if (e->timeout < base_ns)
        return false;
    /* pf: expire = state->expire (last packet) + scaled timeout. */
    uint64_t last = e->timeout - base_ns;
    enum ctfw_policy_proto proto;
    enum ctfw_policy_stage stage;
    pol_group(e, &proto, &stage);
    uint32_t t = ctfw_policy_timeout(ct->pol, proto, stage, base, ct->count);
    return last + ct_sec(t) <= now;
}

/* The sweep: leave emergency mode when enough is free, then reap. */
static void
pol_sweep(struct ctfw_ct *ct, uint64_t now)
{
    ct_reap_expired(ct, now);
    ctfw_policy_tick(ct->pol, ct->count, now);
}

void
ct_pol_advance(struct ctfw_ct *ct, uint64_t now)
{
    if (!ct->pol_timeouts)
        return;
    while (ct->pol_sweep_next <= now) {
        if (ct->count == 0) {
            /* Nothing to reap: skip to the last sweep due. */
            uint64_t k = (now - ct->pol_sweep_next) / CT_NS_PER_SEC;
            ct->pol_sweep_next += k * CT_NS_PER_SEC;
        }
        pol_sweep(ct, ct->pol_sweep_next);
        ct->pol_sweep_next += CT_NS_PER_SEC;
    }
}

uint8_t
ct_pol_admit(struct ctfw_ct *ct, const struct ctfw_pkt *pkt, uint64_t now,
             bool *untrack)
{
    enum ctfw_policy_why why;
    enum ctfw_policy_verdict v = ctfw_policy_new_conn(ct->pol, pkt, now, &why);
    *untrack = v == CTFW_POLICY_UNTRACK;
    if (v == CTFW_POLICY_PASS)
        return CTFW_CT_R_NONE;
    switch (why) {
    case CTFW_POLICY_WHY_SYNPROXY:
        return CTFW_CT_R_POLICY_SYNPROXY;
    case CTFW_POLICY_WHY_OVERLOAD:
        return CTFW_CT_R_POLICY_OVERLOAD;
    default:
        return CTFW_CT_R_POLICY_SRC_STATES;
    }
}

bool
ct_pol_pressure(struct ctfw_ct *ct, uint64_t now)
{
    if (!ctfw_policy_check_enter(ct->pol, ct->count, now))
        return false;
    /* Suricata wakes its flow manager on entering emergency mode: the
     * table is swept with the emergency timeouts at once. */
    ct_reap_expired(ct, now);
    return true;
}

bool
ct_pol_full(struct ctfw_ct *ct, const struct ctfw_pkt *pkt, uint64_t now)
{
    return ctfw_policy_table_full(ct->pol, pkt, now);
}

void
ct_pol_confirmed(struct ctfw_ct *ct, struct ctfw_ct_entry *e)
{
    if (!(ctfw_policy_config(ct->pol)->flags & CTFW_POLICY_SRC))
        return;
    struct ct_tuple t = ct_tuple_of(e, 0);
    ctfw_policy_src_add(ct->pol, e->family, &t.src);
    e->eflags |= CT_E_POL_SRC;
}

void
ct_pol_killed(struct ctfw_ct *ct, struct ctfw_ct_entry *e)
{
    if (e->eflags & CT_E_POL_SRC) {
        struct ct_tuple t = ct_tuple_of(e, 0);
        ctfw_policy_src_del(ct->pol, e->family, &t.src,
                            e->eflags & CT_E_POL_EST);
    }
    e->eflags &= (uint8_t)~(CT_E_POL_SRC | CT_E_POL_EST);
}

/* Kill every confirmed entry whose original source is src (pf's
 * `overload <t> flush global`). */
static void
pol_flush_src(struct ctfw_ct *ct, const struct ctfw_ct_entry *cur,
              uint64_t now)
{
    uint8_t family = cur->family;
    union ctfw_addr src = ct_tuple_of(cur, 0).src;
    uint64_t n = 0;
    for (uint32_t s = 0; s < ct->bump; s++) {
        struct ctfw_ct_entry *e = ct_slot(ct, s);
        if (e == cur || !(e->eflags & CT_E_USED) || !ct_is_confirmed(e) ||
            (e->status & CTFW_CT_S_DYING) || e->family != family)
            continue;
        union ctfw_addr es = ct_tuple_of(e, 0).src;
        if (family == 6 ? memcmp(&es, &src, 16) != 0
                        : es.w[0] != src.w[0])
            continue;
        ct_kill(ct, e, CTFW_CT_DESTROY_POLICY, now, false);
        n++;
    }
    ctfw_policy_note_flushed(ct->pol, n);
}

uint8_t
ct_pol_established(struct ctfw_ct *ct, struct ctfw_ct_entry *e, uint64_t now)
{
    if (e->proto != 6 || (e->eflags & CT_E_POL_EST) ||
        e->p.tcp.state != CTFW_CT_TCP_ESTABLISHED ||
        !(ctfw_policy_config(ct->pol)->flags & CTFW_POLICY_SRC))
        return CTFW_CT_R_NONE;
    bool flush;
    struct ct_tuple t = ct_tuple_of(e, 0);
    enum ctfw_policy_why why =
        ctfw_policy_src_established(ct->pol, e->family, &t.src, now,
                                    &flush);
    e->eflags |= CT_E_POL_EST;
    if (flush)
        pol_flush_src(ct, e, now);
    if (why == CTFW_POLICY_WHY_NONE)
        return CTFW_CT_R_NONE;
    return why == CTFW_POLICY_WHY_SRC_CONN ? CTFW_CT_R_POLICY_SRC_CONN
                                           : CTFW_CT_R_POLICY_SRC_RATE;
}
