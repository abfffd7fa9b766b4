// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The per-packet path: nf_conntrack_in() at the -200 hook, allocation with
 * the nf_conntrack_max check and early drop, confirmation at the end of
 * the path, and the rate-limited "table full" log line.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ct_private.h"

#define REF_UNCONFIRMED 0x01

/* The ref travels with every packet: the helper byte used padding. */
_Static_assert(sizeof(struct ctfw_ct_ref) <= 24, "ctfw_ct_ref grew");

void
ctfw_ct_ref_init(struct ctfw_ct_ref *ref)
{
    memset(ref, 0, sizeof(*ref));
    ref->info = CTFW_CT_INVALID;
    ref->slot = CT_NIL;
}

void
ctfw_ct_ref_notrack(struct ctfw_ct_ref *ref)
{
    /* xt_CT: a packet that already has a conntrack is left alone. */
    if (!ref->entry)
        ref->info = CTFW_CT_UNTRACKED;
}

void
ctfw_ct_ref_set_zone(struct ctfw_ct_ref *ref, uint16_t zone)
{
    ref->zone = zone;
}

/* ---- Helpers ---------------------------------------------------------- */

static const struct {
    const char *name;
    uint8_t proto;
} helpers[CTFW_CT_HELPER_COUNT] = {
    [CTFW_CT_HELPER_FTP] = {"ftp", 6},
};

enum ctfw_ct_helper
ctfw_ct_helper_find(const char *name)
{
    if (!name)
        return CTFW_CT_HELPER_NONE;
    for (int h = 1; h < CTFW_CT_HELPER_COUNT; h++)
        if (strcmp(helpers[h].name, name) == 0)
            return (enum ctfw_ct_helper)h;
    return CTFW_CT_HELPER_NONE;
}

const char *
ctfw_ct_helper_name(enum ctfw_ct_helper h)
{
    if (h <= CTFW_CT_HELPER_NONE || h >= CTFW_CT_HELPER_COUNT)
        return NULL;
    return helpers[h].name;
}

uint8_t
ctfw_ct_helper_proto(enum ctfw_ct_helper h)
{
    if (h <= CTFW_CT_HELPER_NONE || h >= CTFW_CT_HELPER_COUNT)
        return 0;
    return helpers[h].proto;
}

int
ctfw_ct_ref_set_helper(struct ctfw_ct_ref *ref, const char *name)
{
    if (!ref || !name)
        return -EINVAL;
    enum ctfw_ct_helper h = ctfw_ct_helper_find(name);
    if (h == CTFW_CT_HELPER_NONE)
        return -ENOENT;   /* xt_CT: "No such helper" */
    ref->helper = (uint8_t)h;
    return 0;
}

enum ctfw_ct_helper
ctfw_ct_entry_helper(const struct ctfw_ct_entry *e)
{
    return (enum ctfw_ct_helper)e->helper;
}

/* ---- Log (net_ratelimit on the replay clock) -------------------------- */

void
ct_log_line(struct ctfw_ct *ct, uint64_t now, const char *line)
{
    if (ct->on_log)
        ct->on_log(ct->log_opaque, now, CTFW_CT_LOG_WARNING, line);
}

/*
 * ___ratelimit() with net.core.message_cost = 5 s and message_burst = 10:
 * at the first call after the interval the suppressed count is reported,
 * then a new burst begins.
 */
bool
ct_net_ratelimit(struct ctfw_ct *ct, uint64_t now)
{
    struct ct_ratelimit *rl = &ct->rl;
    if (!rl->started) {
        rl->started = true;
        rl->begin = now;
    }
    if (now > rl->begin + 5 * CT_NS_PER_SEC) {
        if (rl->missed) {
            char buf[64];
            snprintf(buf, sizeof(buf),
                     "net_ratelimit: %u callbacks suppressed", rl->missed);
            ct_log_line(ct, now, buf);
            rl->missed = 0;
        }
        rl->begin = now;
        rl->printed = 0;
    }
    if (rl->printed < 10) {
        rl->printed++;
        return true;
    }
    rl->missed++;
    return false;
}

static void
log_table_full(struct ctfw_ct *ct, uint64_t now)
{
    if (!ct_net_ratelimit(ct, now))
        return;
    /* pr_fmt() prepends "nf_conntrack: " to a text that has it too. */
    char buf[96];
    if (ct->netns_inum)
        snprintf(buf, sizeof(buf),
                 "nf_conntrack: nf_conntrack: table full in netns %u, "
                 "dropping packet",
                 ct->netns_inum);
    else
        snprintf(buf, sizeof(buf),
                 "nf_conntrack: nf_conntrack: table full, dropping packet");
    ct_log_line(ct, now, buf);
}

/* ---- Refresh and accounting ------------------------------------------- */

void
ct_acct_add(struct ctfw_ct *ct, struct ctfw_ct_entry *e,
            const struct ct_pktctx *c)
{
    struct ct_acct *a = ct_acct_of(ct, e);
    if (!a)
        return;
    /* skb->len at the conntrack hook: the IP datagram. */
    uint32_t len = c->pkt->ip_len;
    a->packets[c->dir]++;
    a->bytes[c->dir] += len;
}

void
ct_refresh_acct(struct ctfw_ct *ct, struct ctfw_ct_entry *e,
                const struct ct_pktctx *c, uint32_t timeout_s)
{
    if (!(e->status & CTFW_CT_S_FIXED_TIMEOUT)) {
        uint64_t t = ct_sec(timeout_s);
        /* Not in the table yet: relative, rebased at confirm. */
        if (ct_is_confirmed(e))
            t += c->now;
        e->timeout = t;
        if (ct->pol)
            ct_pol_note(ct, e, timeout_s);
    }
    ct_acct_add(ct, e, c);
}

void
ct_refresh_stream(struct ctfw_ct *ct, struct ctfw_ct_entry *e,
                  struct ct_pktctx *c, uint32_t stream_s, uint32_t single_s)
{
    if (!(e->status & CTFW_CT_S_SEEN_REPLY)) {
        ct_refresh_acct(ct, e, c, single_s);
        return;
    }
    ct_refresh_acct(ct, e, c, stream_s);
    if (e->status & (CTFW_CT_S_NAT_CLASH | CTFW_CT_S_ASSURED))
        return;
    e->status |= CTFW_CT_S_ASSURED;
    c->events |= CTFW_CT_EV_ASSURED;
}

/* ---- Allocation ------------------------------------------------------- */

/*
 * __nf_conntrack_alloc(): the count goes up first; above max, early_drop()
 * must free something or the packet is dropped (count restored, gc
 * early-drop mode armed, rate-limited log line).
 */
static uint32_t
ct_alloc(struct ctfw_ct *ct, uint32_t hash, uint64_t now, uint8_t *reason,
         const struct ctfw_pkt *pkt)
{
    ct->count++;
    /* A policy's emergency mode may begin here (policy_hook.c). */
    if (ct->pol && ct_pol_pressure(ct, now) && ct->count <= ct->cfg.max)
        goto alloc;
    if (ct->cfg.max && ct->count > ct->cfg.max) {
        if (!ct_early_drop(ct, hash, now)) {
            if (ct->pol && ct_pol_full(ct, pkt, now)) {
                /* Exempt traffic: no entry, no drop, no log line. */
                ct->gc.early_drop = true;
                ct->count--;
                *reason = CTFW_CT_R_POLICY_EXEMPT;
                return CT_NIL;
            }
            ct->gc.early_drop = true;
            ct->count--;
            log_table_full(ct, now);
            *reason = CTFW_CT_R_TABLE_FULL;
            return CT_NIL;
        }
    }
alloc:;
    uint32_t slot = ct_pool_get(ct, pkt->family == 6);
    if (slot == CT_NIL) {
        ct->count--;
        *reason = CTFW_CT_R_NOMEM;
    }
    return slot;
}

/* ---- nf_conntrack_in -------------------------------------------------- */

static void
tuple_addrs(const struct ctfw_pkt *pkt, struct ct_tuple *t)
{
    memset(t, 0, sizeof(*t));
    if (pkt->family == 6) {
        t->src = pkt->src;
        t->dst = pkt->dst;
    } else {
        t->src.w[0] = pkt->src.w[0];
        t->dst.w[0] = pkt->dst.w[0];
    }
}

/*
 * Batched lookups (issue 9): a caller holding several packets hashes
 * them all first (ctfw_ct_prefetch(), which prefetches each bucket
 * head), then asks for the first entry of each chain
 * (ctfw_ct_prefetch_entry()), then calls ctfw_ct_in_hint() on each: the
 * DRAM misses of the batch overlap instead of following one another,
 * and the tuple is built and hashed once. Pure hints: nothing changes
 * in the table.
 */
_Static_assert(offsetof(struct ctfw_ct_hint, dport) + 2 -
                       offsetof(struct ctfw_ct_hint, src) ==
                   sizeof(struct ct_tuple),
               "the hint carries a struct ct_tuple");

void
ctfw_ct_prefetch(const struct ctfw_ct *ct, const struct ctfw_pkt *pkt,
                 uint16_t zone, struct ctfw_ct_hint *h)
{
    h->ct = NULL;
    if (pkt->family != 4 && pkt->family != 6)
        return;
    const struct ct_l4proto *l4 = ct_l4proto_find(pkt->family, pkt->proto);
    struct ct_tuple t;
    tuple_addrs(pkt, &t);
    if (!l4->pkt_to_tuple(pkt, &t))
        return;
    h->hash = ct_hash(ct, pkt->family, pkt->proto, zone, &t);
    ct_prefetch_head(ct, ct_bucket_of_hash(ct, h->hash));
    /* Only port tuples are handed on: ctfw_ct_in_hint() checks them
     * against the packet's fields without building the tuple. */
    if (!l4->has_ports)
        return;
    h->ct = ct;
    h->zone = zone;
    h->family = pkt->family;
    h->proto = pkt->proto;
    memcpy(&h->src, &t, sizeof(t));
}

void
ctfw_ct_prefetch_entry(const struct ctfw_ct *ct, const struct ctfw_ct_hint *h)
{
    if (h->ct == ct)
        ct_prefetch_chain(ct, ct_bucket_of_hash(ct, h->hash));
}

void
ctfw_ct_prefetch_next(const struct ctfw_ct *ct, const struct ctfw_ct_hint *h)
{
    if (h->ct != ct)
        return;
    struct ct_tuple t;
    memcpy(&t, &h->src, sizeof(t));
    ct_prefetch_second(ct, ct_bucket_of_hash(ct, h->hash), h->family,
                       h->proto, h->zone, &t);
}

/* The hint's tuple is the one this packet would build (same context,
 * zone, protocol with ports, addresses and ports). */
static inline bool
hint_fits(const struct ctfw_ct *ct, const struct ctfw_ct_hint *h,
          const struct ctfw_pkt *pkt, uint16_t zone)
{
    if (!h || h->ct != ct || h->zone != zone || h->family != pkt->family ||
        h->proto != pkt->proto || !(pkt->has & CTFW_PKT_HAS_L4) ||
        h->sport != pkt->sport || h->dport != pkt->dport)
        return false;
    if (pkt->family == 4)
        return h->src.w[0] == pkt->src.w[0] && h->dst.w[0] == pkt->dst.w[0];
    return memcmp(&h->src, &pkt->src, 16) == 0 &&
           memcmp(&h->dst, &pkt->dst, 16) == 0;
}

/* A policy's answer to a packet that would have created an entry:
 * accepted untracked (exempt, synproxy) or dropped. Linux's statistics
 * are not touched: only the reason counter says it happened. */
static enum ctfw_ct_verdict
pol_verdict(struct ctfw_ct *ct, struct ctfw_ct_ref *ref, uint8_t reason,
            bool untrack)
{
    ct->reasons[reason]++;
    ref->entry = NULL;
    ref->slot = CT_NIL;
    ref->flags = 0;
    ref->reason = reason;
    ref->info = untrack ? CTFW_CT_UNTRACKED : CTFW_CT_INVALID;
    ref->verdict = untrack ? CTFW_CT_ACCEPT : CTFW_CT_DROP;
    return (enum ctfw_ct_verdict)ref->verdict;
}

static enum ctfw_ct_verdict
no_ct(struct ctfw_ct *ct, struct ctfw_ct_ref *ref, uint8_t reason,
      bool drop)
{
    ct->st.invalid++;
    ct->reasons[reason]++;
    ref->entry = NULL;
    ref->slot = CT_NIL;
    ref->flags = 0;
    ref->info = CTFW_CT_INVALID;
    ref->reason = reason;
    if (drop) {
        ct->st.drop++;
        ref->verdict = CTFW_CT_DROP;
    }
    return (enum ctfw_ct_verdict)ref->verdict;
}

/* The body of ctfw_ct_in() and ctfw_ct_in_hint(), inlined into each so
 * that the hint's test costs nothing without one (bench B2, hot flow). */
static inline __attribute__((always_inline)) enum ctfw_ct_verdict
ct_in(struct ctfw_ct *ct, const struct ctfw_pkt *pkt, uint64_t now_ns,
      enum ctfw_ct_hook hook, struct ctfw_ct_ref *ref,
      const struct ctfw_ct_hint *hint)
{
    ctfw_ct_advance(ct, now_ns);
    ref->verdict = CTFW_CT_ACCEPT;
    ref->reason = CTFW_CT_R_NONE;

    /* Already attached (looped back) or tagged by NOTRACK: nothing. */
    if (ref->entry || ref->info == CTFW_CT_UNTRACKED)
        return CTFW_CT_ACCEPT;
    ref->info = CTFW_CT_INVALID;
    if ((pkt->family != 4 && pkt->family != 6) ||
        !(pkt->has & CTFW_PKT_HAS_IP))
        return CTFW_CT_ACCEPT;  /* not IP: no conntrack hook runs */

    /* No L4 header here: IPv4 non-first fragment (defragmentation runs
     * before conntrack in the kernel; ctfw gets fragments unassembled). */
    if (pkt->frag == CTFW_PKT_FRAG_LATER)
        return no_ct(ct, ref, CTFW_CT_R_NO_L4, false);

    if ((pkt->family == 4 && pkt->proto == 1) ||
        (pkt->family == 6 && pkt->proto == 58)) {
        enum ct_l4_verdict v = ct_icmp_error(ct, pkt, hook, now_ns, ref);
        if (v == CT_L4_INVALID) {
            ct->st.error++;
            ct->reasons[CTFW_CT_R_ICMP_ERROR]++;
            ref->reason = CTFW_CT_R_ICMP_ERROR;
            ref->info = CTFW_CT_INVALID;
            ref->entry = NULL;
            return CTFW_CT_ACCEPT;
        }
        if (ref->entry || ref->info == CTFW_CT_UNTRACKED)
            return CTFW_CT_ACCEPT;
    }

    const struct ct_l4proto *l4 = ct_l4proto_find(pkt->family, pkt->proto);
    uint16_t zone = ref->zone;
    for (int round = 0; round < 4; round++) {
        struct ct_tuple t;
        uint32_t hash;
        if (round == 0 && hint_fits(ct, hint, pkt, zone)) {
            memcpy(&t, &hint->src, sizeof(t));
            hash = hint->hash;
        } else {
            tuple_addrs(pkt, &t);
            if (!l4->pkt_to_tuple(pkt, &t))
                return no_ct(ct, ref, CTFW_CT_R_NO_TUPLE, false);
            hash = ct_hash(ct, pkt->family, pkt->proto, zone, &t);
        }

        struct ctfw_ct_entry *e;
        uint8_t dir, info;
        bool fresh = false;
        uint32_t node = ct_lookup_hash(ct, hash, pkt->family, pkt->proto,
                                       zone, &t, now_ns);
        if (node == CT_NIL) {
            /* init_conntrack() */
            struct ct_tuple r;
            memset(&r, 0, sizeof(r));
            r.src = t.dst;
            r.dst = t.src;
            if (!l4->invert(&t, &r))
                return no_ct(ct, ref, CTFW_CT_R_NO_INVERT, false);
            uint8_t reason = 0;
            bool untrack = false;
            if (ct->pol &&
                (reason = ct_pol_admit(ct, pkt, now_ns, &untrack)))
                return pol_verdict(ct, ref, reason, untrack);
            uint32_t slot = ct_alloc(ct, hash, now_ns, &reason, pkt);
            if (reason == CTFW_CT_R_POLICY_EXEMPT)
                return pol_verdict(ct, ref, reason, true);
            if (slot == CT_NIL) {
                ct->st.drop++;
                ct->reasons[reason]++;
                ref->reason = reason;
                ref->verdict = CTFW_CT_DROP;
                return CTFW_CT_DROP;
            }
            e = ct_slot(ct, slot);
            e->family = pkt->family;
            e->proto = pkt->proto;
            e->zone = zone;
            ct_tuple_set(e, 0, &t);
            ct_tuple_set(e, 1, &r);
            /* Confirmation will walk the reply tuple's chain: ask for
             * its bucket now, while the packet crosses the rules. */
            ct_prefetch_head(ct, ct_bucket_of_hash(
                                     ct, ct_hash(ct, pkt->family, pkt->proto,
                                                 zone, &r)));
            ct_pool_attach_ext(ct, e);
            fresh = true;
            dir = CTFW_CT_DIR_ORIGINAL;
            info = CTFW_CT_NEW;
            /* init_conntrack(): an expectation makes the entry EXPECTED
             * (RELATED until a reply); otherwise the template's helper
             * is assigned (__nf_ct_try_assign_helper), with IPS_HELPER.
             * xt_CT binds the helper to the rule's protocol, so only a
             * packet of that protocol can carry it. */
            if (ct->exp_count && ct_expect_apply(ct, e, now_ns)) {
                info = CTFW_CT_RELATED;
            } else if (ref->helper != CTFW_CT_HELPER_NONE &&
                       ctfw_ct_helper_proto(
                           (enum ctfw_ct_helper)ref->helper) == e->proto &&
                       ct_help_attach(ct, e)) {
                e->helper = ref->helper;
                e->status |= CTFW_CT_S_HELPER;
            }
        } else {
            e = ct_slot(ct, node >> 1);
            dir = (uint8_t)(node & 1);
            if (dir == CTFW_CT_DIR_REPLY)
                info = CTFW_CT_ESTABLISHED_REPLY;
            else if (e->status & CTFW_CT_S_SEEN_REPLY)
                info = CTFW_CT_ESTABLISHED;
            else if (e->status & CTFW_CT_S_EXPECTED)
                info = CTFW_CT_RELATED;
            else
                info = CTFW_CT_NEW;
        }

        struct ct_pktctx c = {
            .pkt = pkt, .now = now_ns, .dir = dir, .info = info,
            .hook = (uint8_t)hook,
        };
        enum ctfw_ct_class old_cls = ctfw_ct_entry_class(e);
        enum ct_l4_verdict v = l4->packet(ct, e, &c);
        if (!fresh)
            ct_class_move(ct, e, old_cls);
        if (v == CT_L4_REPEAT) {
            /* TCP reopen: the old entry is gone, look up again. */
            ct_kill(ct, e, CTFW_CT_DESTROY_REOPEN, now_ns, false);
            continue;
        }
        if (v != CT_L4_ACCEPT) {
            if (fresh)
                ct_free_unconfirmed(ct, e);
            return no_ct(ct, ref, c.reason, v == CT_L4_DROP);
        }
        ref->entry = e;
        ref->slot = e->slot;
        ref->info = info;
        ref->flags = fresh ? REF_UNCONFIRMED : 0;
        if (c.destroy) {
            /* RST before any reply: nf_ct_kill_acct() inside the tracker,
             * so the DESTROY event still says [UNREPLIED]; the packet
             * keeps its reference to the dying entry. */
            ct_kill(ct, e, c.destroy, now_ns, true);
        }
        if (info == CTFW_CT_ESTABLISHED_REPLY &&
            !(e->status & CTFW_CT_S_SEEN_REPLY)) {
            old_cls = ctfw_ct_entry_class(e);
            e->status |= CTFW_CT_S_SEEN_REPLY;
            ct_class_move(ct, e, old_cls);
            c.events |= CTFW_CT_EV_REPLY;
        }
        if (!fresh && !c.destroy && c.events)
            ct_emit(ct, e, CTFW_CT_EVENT_UPDATE, 0, c.events, now_ns);
        if (ct->pol && !fresh && !c.destroy) {
            /* pf_src_connlimit(): over the limit, the state is purged
             * and the packet dropped. */
            uint8_t why = ct_pol_established(ct, e, now_ns);
            if (why) {
                ct_kill(ct, e, CTFW_CT_DESTROY_POLICY, now_ns, true);
                return pol_verdict(ct, ref, why, false);
            }
        }
        return CTFW_CT_ACCEPT;
    }
    /* Reopen kept failing (cannot happen: a killed tuple is gone). */
    return no_ct(ct, ref, CTFW_CT_R_TCP_REOPEN_DROP, true);
}

enum ctfw_ct_verdict
ctfw_ct_in(struct ctfw_ct *ct, const struct ctfw_pkt *pkt, uint64_t now_ns,
           enum ctfw_ct_hook hook, struct ctfw_ct_ref *ref)
{
    return ct_in(ct, pkt, now_ns, hook, ref, NULL);
}

enum ctfw_ct_verdict
ctfw_ct_in_hint(struct ctfw_ct *ct, const struct ctfw_pkt *pkt,
                uint64_t now_ns, enum ctfw_ct_hook hook,
                struct ctfw_ct_ref *ref, const struct ctfw_ct_hint *hint)
{
    return ct_in(ct, pkt, now_ns, hook, ref, hint);
}

/* ---- Confirmation ----------------------------------------------------- */

enum ctfw_ct_verdict
ctfw_ct_confirm(struct ctfw_ct *ct, struct ctfw_ct_ref *ref, uint64_t now_ns)
{
    if (!ref->entry || !(ref->flags & REF_UNCONFIRMED))
        return CTFW_CT_ACCEPT;
    struct ctfw_ct_entry *e = ref->entry;
    ref->flags &= (uint8_t)~REF_UNCONFIRMED;
    if (ref->info == CTFW_CT_ESTABLISHED_REPLY ||
        ref->info == CTFW_CT_RELATED_REPLY)
        return CTFW_CT_ACCEPT;  /* only the original direction confirms */

    if (e->status & CTFW_CT_S_DYING) {
        /* Killed while in flight (its slot is the zombie). */
        ct->st.insert_failed++;
        ref->entry = NULL;
        ref->verdict = CTFW_CT_DROP;
        ref->reason = CTFW_CT_R_INSERT_FAILED;
        return CTFW_CT_DROP;
    }
    uint32_t other = CT_NIL;
    int r = ct_insert(ct, e, &other);
    if (r == -EEXIST) {
        struct ctfw_ct_entry *o = ct_slot(ct, other);
        const struct ct_l4proto *l4 = ct_l4proto_find(e->family, e->proto);
        /* nf_ct_resolve_clash(): UDP-like protocols re-attach the packet
         * to the winner when it has no NAT binding. */
        if (l4->allow_clash && !(o->status & CTFW_CT_S_DYING) &&
            !(o->status & (CTFW_CT_S_SRC_NAT_DONE | CTFW_CT_S_DST_NAT_DONE))) {
            struct ct_acct *la = ct_acct_of(ct, e), *wa = ct_acct_of(ct, o);
            if (la && wa) {
                wa->packets[0] += la->packets[0];
                wa->bytes[0] += la->bytes[0];
            }
            ct_free_unconfirmed(ct, e);
            ref->entry = o;
            ref->slot = o->slot;
            ct->st.clash_resolve++;
            return CTFW_CT_ACCEPT;
        }
        ct->st.drop++;
        ct->st.insert_failed++;
    } else if (r == -E2BIG) {
        ct->st.chaintoolong++;
        ct->st.insert_failed++;
    }
    if (r < 0) {
        ct_free_unconfirmed(ct, e);
        ref->entry = NULL;
        ref->slot = CT_NIL;
        ref->info = CTFW_CT_INVALID;
        ref->reason = CTFW_CT_R_INSERT_FAILED;
        ref->verdict = CTFW_CT_DROP;
        ct->reasons[CTFW_CT_R_INSERT_FAILED]++;
        return CTFW_CT_DROP;
    }
    /* The timer starts now. */
    e->timeout += now_ns;
    e->status |= CTFW_CT_S_CONFIRMED;
    ct->by_class[ctfw_ct_entry_class(e)]++;
    if (e->eflags & CT_E_TSTAMP)
        ct->tstamp[e->slot >> CT_CHUNK_SHIFT][e->slot & (CT_CHUNK_SIZE - 1)] =
            now_ns;
    ct_emit(ct, e, CTFW_CT_EVENT_NEW, 0,
            (e->status & CTFW_CT_S_EXPECTED) ? CTFW_CT_EV_RELATED
                                              : CTFW_CT_EV_NEW,
            now_ns);
    if (ct->pol) {
        ct_pol_confirmed(ct, e);
        /* A connection picked up ESTABLISHED (the synproxy's final ACK)
         * completes its handshake here. */
        uint8_t why = ct_pol_established(ct, e, now_ns);
        if (why) {
            ct_kill(ct, e, CTFW_CT_DESTROY_POLICY, now_ns, true);
            ref->entry = NULL;
            ref->slot = CT_NIL;
            ref->info = CTFW_CT_INVALID;
            ref->reason = why;
            ref->verdict = CTFW_CT_DROP;
            ct->reasons[why]++;
            return CTFW_CT_DROP;
        }
    }
    return CTFW_CT_ACCEPT;
}

enum ctfw_ct_verdict
ctfw_ct_help(struct ctfw_ct *ct, struct ctfw_ct_ref *ref,
             const struct ctfw_pkt *pkt, uint64_t now_ns)
{
    struct ctfw_ct_entry *e = ref->entry;
    ref->verdict = CTFW_CT_ACCEPT;
    /* nf_confirm(): helpers never see ICMP errors (RELATED_REPLY); a
     * dying entry's expectations are already gone, add none. */
    if (!e || e->helper == CTFW_CT_HELPER_NONE ||
        ref->info == CTFW_CT_RELATED_REPLY ||
        (e->status & CTFW_CT_S_DYING))
        return CTFW_CT_ACCEPT;
    enum ct_l4_verdict v = CT_L4_ACCEPT;
    if (e->helper == CTFW_CT_HELPER_FTP)
        v = ct_ftp_help(ct, e, pkt, ref->info, now_ns);
    if (v == CT_L4_ACCEPT)
        return CTFW_CT_ACCEPT;
    /* NF_DROP from the helper: the packet dies; an unconfirmed entry with
     * it (never the case for FTP, which waits for ESTABLISHED). */
    if (ref->flags & REF_UNCONFIRMED)
        ct_free_unconfirmed(ct, e);
    ref->entry = NULL;
    ref->slot = CT_NIL;
    ref->flags = 0;
    ref->verdict = CTFW_CT_DROP;
    ref->reason = CTFW_CT_R_HELPER;
    ct->reasons[CTFW_CT_R_HELPER]++;
    return CTFW_CT_DROP;
}

void
ctfw_ct_abort(struct ctfw_ct *ct, struct ctfw_ct_ref *ref)
{
    if (ref->entry && (ref->flags & REF_UNCONFIRMED))
        ct_free_unconfirmed(ct, ref->entry);
    ref->entry = NULL;
    ref->slot = CT_NIL;
    ref->flags = 0;
}

/* ---- Public lookup ---------------------------------------------------- */

const struct ctfw_ct_entry *
ctfw_ct_find(const struct ctfw_ct *ct, const struct ctfw_pkt *pkt,
             uint16_t zone, uint64_t now_ns, enum ctfw_ct_dir *dir)
{
    const struct ct_l4proto *l4 = ct_l4proto_find(pkt->family, pkt->proto);
    struct ct_tuple t;
    tuple_addrs(pkt, &t);
    if (!l4->pkt_to_tuple(pkt, &t))
        return NULL;
    uint32_t b = (uint32_t)(((uint64_t)ct_hash(ct, pkt->family, pkt->proto,
                                               zone, &t) *
                             ct->nbuckets) >> 32);
    for (uint32_t node = ct->heads[b]; node != CT_NIL;) {
        const struct ctfw_ct_entry *e = ct_slot(ct, node >> 1);
        struct ct_tuple et = ct_tuple_of(e, (int)(node & 1));
        if (!ct_is_expired(ct, e, now_ns) && e->family == pkt->family &&
            e->proto == pkt->proto && e->zone == zone &&
            memcmp(&et, &t, sizeof(t)) == 0) {
            if (dir)
                *dir = (enum ctfw_ct_dir)(node & 1);
            return e;
        }
        node = e->next[node & 1];
    }
    return NULL;
}

/* ---- NAT support ------------------------------------------------------ */

int
ctfw_ct_entry_set_reply(struct ctfw_ct_entry *e,
                        const struct ctfw_ct_tuple *reply)
{
    if (ct_is_confirmed(e))
        return -EBUSY;
    struct ct_tuple t;
    memset(&t, 0, sizeof(t));
    if (e->family == 6) {
        t.src = reply->src;
        t.dst = reply->dst;
    } else {
        t.src.w[0] = reply->src.w[0];
        t.dst.w[0] = reply->dst.w[0];
    }
    t.sport = reply->sport;
    t.dport = reply->dport;
    ct_tuple_set(e, 1, &t);
    return 0;
}

void
ctfw_ct_entry_set_status(struct ctfw_ct_entry *e, uint32_t bits)
{
    e->status |= (uint16_t)bits;
}

bool
ctfw_ct_tuple_taken(struct ctfw_ct *ct, uint8_t family, uint8_t proto,
                    uint16_t zone, const struct ctfw_ct_tuple *tu,
                    const struct ctfw_ct_entry *ignored, uint64_t now_ns)
{
    struct ct_tuple t;
    memset(&t, 0, sizeof(t));
    if (family == 6) {
        t.src = tu->src;
        t.dst = tu->dst;
    } else {
        t.src.w[0] = tu->src.w[0];
        t.dst.w[0] = tu->dst.w[0];
    }
    t.sport = tu->sport;
    t.dport = tu->dport;
    uint32_t node = ct_lookup(ct, family, proto, zone, &t, now_ns);
    if (node == CT_NIL || ct_slot(ct, node >> 1) == ignored)
        return false;
    ct->st.found++;
    return true;
}

/*
 * nf_conntrack_tcp_set_closing() (6.x), called by nf_send_reset() when
 * REJECT --reject-with tcp-reset answers a packet of a tracked TCP
 * connection: a confirmed entry moves to CLOSE with the CLOSE timeout
 * (unless it already was CLOSE or has a fixed timeout); a PROTOINFO
 * event follows. Seen on 6.18 by the oracle's reject_tcp_established
 * case: the entry shows CLOSE 9 right after the RST.
 */
void
ctfw_ct_set_closing(struct ctfw_ct *ct, struct ctfw_ct_entry *e,
                    uint64_t now_ns)
{
    if (!e || e->proto != 6 || !ct_is_confirmed(e))
        return;
    uint8_t old = e->p.tcp.state;
    e->p.tcp.state = CTFW_CT_TCP_CLOSE;
    ct_class_move(ct, e, (enum ctfw_ct_class)old);
    if (old == CTFW_CT_TCP_CLOSE || (e->status & CTFW_CT_S_FIXED_TIMEOUT))
        return;
    e->timeout = now_ns + ct_sec(ct->cfg.tcp_timeout_close);
    if (ct->pol)
        ct_pol_note(ct, e, ct->cfg.tcp_timeout_close);
    ct_emit(ct, e, CTFW_CT_EVENT_UPDATE, 0, CTFW_CT_EV_PROTOINFO, now_ns);
}
