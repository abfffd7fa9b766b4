// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The netfilter pipeline (include/ctfw/hook.h): the hook path from the
 * host model, and at each hook the table and conntrack steps in priority
 * order, as nf_hook_slow() runs the registered hook functions.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ctfw/csum.h"
#include "ctfw/hook.h"
#include "hook_private.h"
#include "reject_private.h"

/* ctfw_pipeline_packet() zeroes what follows the packet in the skb. */
_Static_assert(offsetof(struct ctfw_skb, pkt) == 0,
               "the packet is the skb's first member");

/* One step of a hook: a table, or conntrack's own hook functions. */
enum step {
    S_RAW = CTFW_TABLE_RAW,
    S_MANGLE = CTFW_TABLE_MANGLE,
    S_NAT = CTFW_TABLE_NAT,
    S_FILTER = CTFW_TABLE_FILTER,
    S_SECURITY = CTFW_TABLE_SECURITY,
    S_CT_IN,       /* nf_conntrack_in, -200 */
    S_CONFIRM,     /* nf_confirm, INT_MAX */
    S_END,
};

/* Priority order per hook (§1.1, §1.2). Security sits at 50 with
 * iptables-legacy and at 150 with iptables-nft, which only changes its
 * place relative to nat at INPUT (SNAT, 100). */
static const uint8_t steps_nft[CTFW_HOOK_COUNT][8] = {
    [CTFW_HOOK_PRE_ROUTING] = {S_RAW, S_CT_IN, S_MANGLE, S_NAT, S_END},
    [CTFW_HOOK_LOCAL_IN] = {S_MANGLE, S_FILTER, S_NAT, S_SECURITY,
                            S_CONFIRM, S_END},
    [CTFW_HOOK_FORWARD] = {S_MANGLE, S_FILTER, S_SECURITY, S_END},
    [CTFW_HOOK_LOCAL_OUT] = {S_RAW, S_CT_IN, S_MANGLE, S_NAT, S_FILTER,
                             S_SECURITY, S_END},
    [CTFW_HOOK_POST_ROUTING] = {S_MANGLE, S_NAT, S_CONFIRM, S_END},
};
static const uint8_t steps_legacy[CTFW_HOOK_COUNT][8] = {
    [CTFW_HOOK_PRE_ROUTING] = {S_RAW, S_CT_IN, S_MANGLE, S_NAT, S_END},
    [CTFW_HOOK_LOCAL_IN] = {S_MANGLE, S_FILTER, S_SECURITY, S_NAT,
                            S_CONFIRM, S_END},
    [CTFW_HOOK_FORWARD] = {S_MANGLE, S_FILTER, S_SECURITY, S_END},
    [CTFW_HOOK_LOCAL_OUT] = {S_RAW, S_CT_IN, S_MANGLE, S_NAT, S_FILTER,
                             S_SECURITY, S_END},
    [CTFW_HOOK_POST_ROUTING] = {S_MANGLE, S_NAT, S_CONFIRM, S_END},
};

/*
 * The steps of every hook for one family, without the tables that have
 * no chain there: the kernel registers a table's hook functions only at
 * the hooks where it has a built-in chain (xt_hook_ops_alloc() from the
 * table's valid_hooks), so a table without one is never called. Built
 * once per ruleset and rebuilt when its generation changes.
 */
static __attribute__((noinline)) void
plan_build(struct ctfw_pipeline *pl, int fam)
{
    const struct ctfw_ruleset *rs = fam ? pl->p.rules6 : pl->p.rules4;
    for (int h = 0; h < CTFW_HOOK_COUNT; h++) {
        const uint8_t *s = pl->p.legacy ? steps_legacy[h] : steps_nft[h];
        uint8_t *d = pl->plan[fam][h];
        for (; *s != S_END; s++)
            if (*s == S_CT_IN || *s == S_CONFIRM ||
                (rs && ctfw_rules_table_hooks(rs, (enum ctfw_table)*s,
                                              (enum ctfw_hook)h)))
                *d++ = *s;
        *d = S_END;
    }
    pl->plan_rs[fam] = rs;
    pl->plan_gen[fam] = rs ? ctfw_rules_generation(rs) : 0;
    pl->plan_ok[fam] = true;
}

/* Before anything runs a hook (a packet, the clock): rulesets change
 * only between calls. */
static inline void
plan_check(struct ctfw_pipeline *pl)
{
    for (int fam = 0; fam < 2; fam++) {
        const struct ctfw_ruleset *rs = fam ? pl->p.rules6 : pl->p.rules4;
        if (__builtin_expect(!pl->plan_ok[fam] || pl->plan_rs[fam] != rs ||
                                 (rs && ctfw_rules_generation(rs) !=
                                            pl->plan_gen[fam]),
                             0))
            plan_build(pl, fam);
    }
}

static const char *const hook_names[CTFW_HOOK_COUNT] = {
    "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING",
};
static const char *const table_names[CTFW_TABLE_COUNT] = {
    "raw", "mangle", "nat", "filter", "security",
};

const char *
ctfw_hook_name(enum ctfw_hook h)
{
    return (unsigned)h < CTFW_HOOK_COUNT ? hook_names[h] : "?";
}

const char *
ctfw_table_name(enum ctfw_table t)
{
    return (unsigned)t < CTFW_TABLE_COUNT ? table_names[t] : "?";
}

static const char *const drop_names[CTFW_DROP_REASON_COUNT] = {
    [CTFW_DROP_NONE] = "none",
    [CTFW_DROP_RULE] = "rule",
    [CTFW_DROP_POLICY] = "policy",
    [CTFW_DROP_HOTDROP] = "hotdrop",
    [CTFW_DROP_CT_TABLE_FULL] = "conntrack-table-full",
    [CTFW_DROP_CT_INVALID] = "conntrack-invalid",
    [CTFW_DROP_CT_INSERT] = "conntrack-insert-failed",
    [CTFW_DROP_IP_HEADER] = "ip-header",
    [CTFW_DROP_FORWARD_OFF] = "forwarding-off",
    [CTFW_DROP_NO_ROUTE] = "no-route",
    [CTFW_DROP_TTL_EXCEEDED] = "ttl-exceeded",
    [CTFW_DROP_CT_HELPER] = "conntrack-helper",
    [CTFW_DROP_DEFRAG] = "defrag",
    [CTFW_DROP_NAT_EXHAUSTED] = "nat-port-exhausted",
    [CTFW_DROP_NAT] = "nat",
    [CTFW_DROP_CT_POLICY] = "conntrack-policy",
};

const char *
ctfw_drop_reason_name(enum ctfw_drop_reason r)
{
    return (unsigned)r < CTFW_DROP_REASON_COUNT ? drop_names[r] : "?";
}

static void
ct_log_cb(void *arg, uint64_t now_ns, int level, const char *line)
{
    struct ctfw_pipeline *pl = arg;
    if (pl->p.on_log)
        pl->p.on_log(pl->p.log_arg, now_ns, level, line);
}

static void
rules_log_cb(void *arg, const struct ctfw_skb *skb, int level,
             const char *line)
{
    struct ctfw_pipeline *pl = arg;
    if (pl->p.on_log)
        pl->p.on_log(pl->p.log_arg, skb->now_ns, level, line);
}

static bool run_hook(struct ctfw_pipeline *pl, struct ctfw_skb *skb,
                     enum ctfw_hook hook, struct ctfw_pipeline_result *res,
                     bool reentry);

/*
 * REJECT: the kernel builds the answer (nf_send_reset / icmp_send) and
 * sends it as a locally generated packet: OUTPUT, then POSTROUTING. It
 * carries the offending packet's conntrack as RELATED (nf_ct_attach:
 * RELATED_REPLY when the offending packet went in the original
 * direction), so an OUTPUT `--ctstate RELATED` rule counts it and the
 * rejected connection still gets no entry (reference §4.2).
 */
static void
rules_reject_cb(void *arg, const struct ctfw_skb *skb,
                enum ctfw_reject_type type)
{
    struct ctfw_pipeline *pl = arg;
    if (pl->reject_depth > 0)
        return;   /* answers to answers: the kernel never sends them */
    union ctfw_addr src;
    const union ctfw_addr *icmp_src = NULL;
    /* icmp_send() for a packet not addressed to the host: the source of
     * the route back to the sender (icmp6_send() likewise). */
    unsigned back = 0;
    if (skb->hook == CTFW_HOOK_FORWARD) {
        back = ctfw_host_route(pl->p.host, skb->pkt.family, &skb->pkt.src);
        if (!back)
            back = skb->in_ifindex;
    }
    if (back && ctfw_host_src_addr(pl->p.host, back, skb->pkt.family,
                                   &skb->pkt.src, &src))
        icmp_src = &src;
    size_t len = hook_reject_build(&skb->pkt, type, icmp_src, pl->reject_buf,
                                   sizeof(pl->reject_buf));
    if (len == 0) {
        pl->rejects_unsent++;
        return;
    }
    /* icmp_send() checks its rate limits before it builds anything;
     * a TCP reset has none. */
    bool exempt = (skb->in_name && !strcmp(skb->in_name, "lo")) ||
                  (skb->pkt.family == 6 && skb->hook == CTFW_HOOK_LOCAL_OUT);
    if (!hook_icmp_limit_allow(pl->icmp_limit, pl->p.sysctl, pl->p.host,
                               pl->reject_buf, len, skb->now_ns, exempt)) {
        pl->rejects_unsent++;
        return;
    }
    /* nf_send_reset() closes the tracked connection it answers
     * (nf_ct_set_closing): CLOSE, 10 s. */
    if (type == CTFW_REJECT_TCP_RESET && skb->ct.entry)
        ctfw_ct_set_closing(pl->ct, skb->ct.entry, skb->now_ns);
    struct ctfw_skb *a = &pl->reject_skb;
    memset(a, 0, sizeof(*a));
    ctfw_pkt_decode(&a->pkt, CTFW_LINKTYPE_RAW, pl->reject_buf,
                    (uint32_t)len, (uint32_t)len);
    a->now_ns = skb->now_ns;
    a->mark = 0;
    a->conntrack_on = skb->conntrack_on;
    ctfw_ct_ref_init(&a->ct);
    if (skb->ct.entry) {
        a->ct = skb->ct;
        a->ct.info = (skb->ct.info == CTFW_CT_ESTABLISHED_REPLY ||
                      skb->ct.info == CTFW_CT_RELATED_REPLY)
                         ? CTFW_CT_RELATED
                         : CTFW_CT_RELATED_REPLY;
    }
    a->out_ifindex = ctfw_host_route(pl->p.host, a->pkt.family,
                                     &a->pkt.dst);
    const char *on = a->out_ifindex
                         ? ctfw_host_ifname(pl->p.host, a->out_ifindex)
                         : NULL;
    a->in_name = "";
    a->out_name = on ? on : "";
    struct ctfw_pipeline_result r;
    memset(&r, 0, sizeof(r));
    r.accept = true;
    pl->reject_depth++;
    if (run_hook(pl, a, CTFW_HOOK_LOCAL_OUT, &r, false) &&
        run_hook(pl, a, CTFW_HOOK_POST_ROUTING, &r, false)) {
        pl->rejects_sent++;
        if (pl->p.on_output)
            pl->p.on_output(pl->p.output_arg, skb->now_ns, pl->reject_buf,
                            len, len);
    } else
        pl->rejects_dropped++;
    pl->reject_depth--;
}

/* A message the kernel itself sends (pl->reject_buf, n bytes) through
 * OUTPUT and POSTROUTING out of oif; rel: the packet it answers, whose
 * conntrack it is attached to as RELATED (nf_ct_attach() semantics, as
 * for REJECT), or NULL. */
static void
send_local(struct ctfw_pipeline *pl, size_t n, unsigned oif,
           uint64_t now_ns, const struct ctfw_skb *rel, bool conntrack_on)
{
    if (!hook_icmp_limit_allow(pl->icmp_limit, pl->p.sysctl, pl->p.host,
                               pl->reject_buf, n, now_ns, false))
        return;
    struct ctfw_skb *a = &pl->reject_skb;
    memset(a, 0, sizeof(*a));
    ctfw_pkt_decode(&a->pkt, CTFW_LINKTYPE_RAW, pl->reject_buf,
                    (uint32_t)n, (uint32_t)n);
    a->now_ns = now_ns;
    a->conntrack_on = conntrack_on;
    ctfw_ct_ref_init(&a->ct);
    if (rel && rel->ct.entry) {
        a->ct = rel->ct;
        a->ct.info = (rel->ct.info == CTFW_CT_ESTABLISHED_REPLY ||
                      rel->ct.info == CTFW_CT_RELATED_REPLY)
                         ? CTFW_CT_RELATED
                         : CTFW_CT_RELATED_REPLY;
    }
    a->out_ifindex = oif;
    const char *on = ctfw_host_ifname(pl->p.host, oif);
    a->in_name = "";
    a->out_name = on ? on : "";
    struct ctfw_pipeline_result r;
    memset(&r, 0, sizeof(r));
    r.accept = true;
    pl->reject_depth++;
    if (run_hook(pl, a, CTFW_HOOK_LOCAL_OUT, &r, false) &&
        run_hook(pl, a, CTFW_HOOK_POST_ROUTING, &r, false) &&
        pl->p.on_output)
        pl->p.on_output(pl->p.output_arg, now_ns, pl->reject_buf, n, n);
    pl->reject_depth--;
}

/* ip6frag_expire_frag_queue(): an IPv6 queue that expires holding its
 * first fragment is answered with an ICMPv6 time exceeded (code 1) from
 * the address of the interface towards the fragment's source, sent
 * through OUTPUT and POSTROUTING as any local packet (seen on 6.18:
 * the oracle's ipv6_frag_timeout case), for forwarded datagrams too. */
static void
frag6_expire_cb(void *arg, const uint8_t *first, uint32_t len,
                uint64_t when_ns)
{
    struct ctfw_pipeline *pl = arg;
    union ctfw_addr dst, src;
    if (pl->reject_depth > 0 || len < 40)
        return;
    memcpy(dst.b, first + 8, 16);
    unsigned oif = ctfw_host_route(pl->p.host, 6, &dst);
    if (!oif || !ctfw_host_src_addr(pl->p.host, oif, 6, &dst, &src))
        return;
    size_t n = hook_icmp6_time_exceeded(first, len, 1, &src, pl->reject_buf,
                                        sizeof(pl->reject_buf));
    if (n)
        send_local(pl, n, oif, when_ns, NULL, pl->ct_on[1]);
}

/* ip_expire(): an IPv4 queue that expires holding its first fragment
 * is answered with an ICMP time exceeded (code 1) only by an end host:
 * for the conntrack defrag users when the datagram was addressed to a
 * local address (frag_expire_skip_icmp() and RTN_LOCAL), from that
 * address, through OUTPUT and POSTROUTING (seen on 6.18: the oracle's
 * ipv4_frag_timeout_local case). */
static void
frag4_expire_cb(void *arg, const uint8_t *first, uint32_t len,
                uint64_t when_ns)
{
    struct ctfw_pipeline *pl = arg;
    if (pl->reject_depth > 0 || len < 20)
        return;
    struct ctfw_pkt fp;
    ctfw_pkt_decode(&fp, CTFW_LINKTYPE_RAW, first, len, len);
    if (fp.family != 4 || !ctfw_host_is_local(pl->p.host, 4, &fp.dst))
        return;
    unsigned oif = ctfw_host_route(pl->p.host, 4, &fp.src);
    if (!oif)
        return;
    size_t n = hook_icmp_time_exceeded(&fp, 1, &fp.dst, pl->reject_buf,
                                       sizeof(pl->reject_buf));
    if (n)
        send_local(pl, n, oif, when_ns, NULL, pl->ct_on[0]);
}

/* ip_forward(): TTL 1 or less is answered with icmp_send(ICMP_TIME_
 * EXCEEDED, ICMP_EXC_TTL) from the address towards the sender, RELATED
 * to the packet's conntrack even when that was never confirmed:
 * icmp_glue_bits() nf_ct_attach()es the error to the packet it quotes
 * (seen on 6.18: the oracle's ttl_exceeded case). ip6_forward(): hop
 * limit 1 or less, icmpv6_send(ICMPV6_TIME_EXCEED, ICMPV6_EXC_HOPLIMIT),
 * attached likewise by icmpv6_getfrag() (ipv6_hoplimit_exceeded). */
static void
ttl_exceeded(struct ctfw_pipeline *pl, const struct ctfw_skb *skb)
{
    union ctfw_addr src;
    unsigned oif = ctfw_host_route(pl->p.host, skb->pkt.family,
                                   &skb->pkt.src);
    if (!oif || !ctfw_host_src_addr(pl->p.host, oif, skb->pkt.family,
                                    &skb->pkt.src, &src))
        return;
    size_t n;
    if (skb->pkt.family == 6) {
        const struct ctfw_pkt *p = &skb->pkt;
        if (p->l3_off == CTFW_PKT_OFF_NONE || p->l3_off > p->caplen)
            return;
        uint32_t len = p->caplen - p->l3_off;
        if (len > p->ip_len)
            len = p->ip_len;
        n = hook_icmp6_time_exceeded(p->data + p->l3_off, len, 0, &src,
                                     pl->reject_buf, sizeof(pl->reject_buf));
    } else {
        n = hook_icmp_time_exceeded(&skb->pkt, 0, &src, pl->reject_buf,
                                    sizeof(pl->reject_buf));
    }
    if (n)
        send_local(pl, n, oif, skb->now_ns, skb, skb->conntrack_on);
}

/* A NAT target of the nat table (ext_nat.c): bind the packet's entry. */
static bool
rules_nat_cb(void *arg, struct ctfw_skb *skb,
             const struct ctfw_nat_request *req)
{
    struct ctfw_pipeline *pl = arg;
    return ctfw_nat_target(pl->nat, pl->ct, pl->p.host, skb, req);
}

int
ctfw_pipeline_new(const struct ctfw_pipeline_params *p,
                  struct ctfw_pipeline **out)
{
    struct ctfw_pipeline *pl = calloc(1, sizeof(*pl));
    if (!pl)
        return -ENOMEM;
    pl->p = *p;
    pl->ct_on[0] = p->rules4 && ctfw_rules_need_conntrack(p->rules4);
    pl->ct_on[1] = p->rules6 && ctfw_rules_need_conntrack(p->rules6);
    /* The table exists whether or not a ruleset registers the hooks
     * (the module is loaded: conntrack -S and -C answer with zeros). */
    {
        struct ctfw_ct_config cfg;
        ctfw_hook_ct_config(&cfg, p->sysctl);
        struct ctfw_ct_params cp = {
            .config = &cfg,
            .seed = p->seed,
            .start_ns = p->start_ns,
            .on_event = p->on_ct_event,
            .event_opaque = p->ct_event_arg,
            .on_log = ct_log_cb,
            .log_opaque = pl,
        };
        int rc = ctfw_ct_new(&cp, &pl->ct);
        if (rc < 0) {
            free(pl);
            return rc;
        }
    }
    {
        int64_t t = p->sysctl->val[CTFW_SYSCTL_IPV4_IPFRAG_TIME];
        struct ctfw_defrag_params dp = {
            .timeout_ns = (uint64_t)(t > 0 ? t : 0) * 1000000000ull,
            .on_expire = frag4_expire_cb,
            .opaque = pl,
        };
        int rc = ctfw_defrag_new(&dp, &pl->defrag);
        /* nf_ct_frag6_init(): its own timeout and memory bound. */
        int64_t t6 = p->sysctl->val[CTFW_SYSCTL_NF_CONNTRACK_FRAG6_TIMEOUT];
        int64_t hi6 =
            p->sysctl->val[CTFW_SYSCTL_NF_CONNTRACK_FRAG6_HIGH_THRESH];
        struct ctfw_defrag_params dp6 = {
            .family = 6,
            .timeout_ns = (uint64_t)(t6 > 0 ? t6 : 0) * 1000000000ull,
            /* 0 refuses every fragment (inet_frag_find()) */
            .mem_limit = hi6 > 0 ? (size_t)hi6 : 1,
            .on_expire = frag6_expire_cb,
        };
        dp6.opaque = pl;
        if (rc == 0)
            rc = ctfw_defrag_new(&dp6, &pl->defrag6);
        if (rc < 0) {
            ctfw_defrag_free(pl->defrag);
            ctfw_ct_free(pl->ct);
            free(pl);
            return rc;
        }
    }
    pl->env.ct = pl->ct;
    pl->env.host = p->host;
    pl->env.log = rules_log_cb;
    pl->env.log_arg = pl;
    pl->env.reject = rules_reject_cb;
    pl->env.reject_arg = pl;
    pl->icmp_limit = hook_icmp_limit_new(p->seed);
    if (!pl->icmp_limit) {
        ctfw_defrag_free(pl->defrag);
        ctfw_defrag_free(pl->defrag6);
        ctfw_ct_free(pl->ct);
        free(pl);
        return -ENOMEM;
    }
    if (pl->ct) {
        int rc = ctfw_nat_new(p->seed, &pl->nat);
        if (rc < 0) {
            ctfw_defrag_free(pl->defrag);
            ctfw_defrag_free(pl->defrag6);
            hook_icmp_limit_free(pl->icmp_limit);
            ctfw_ct_free(pl->ct);
            free(pl);
            return rc;
        }
        pl->env.nat = rules_nat_cb;
        pl->env.nat_arg = pl;
    }
    *out = pl;
    return 0;
}

void
ctfw_pipeline_free(struct ctfw_pipeline *pl)
{
    if (!pl)
        return;
    ctfw_ct_free(pl->ct);
    ctfw_defrag_free(pl->defrag);
    ctfw_defrag_free(pl->defrag6);
    ctfw_nat_free(pl->nat);
    hook_icmp_limit_free(pl->icmp_limit);
    free(pl);
}

struct ctfw_ct *
ctfw_pipeline_conntrack(struct ctfw_pipeline *pl)
{
    return pl->ct;
}

bool
ctfw_pipeline_conntrack_on(const struct ctfw_pipeline *pl)
{
    return pl->ct_on[0] || pl->ct_on[1];
}

void
ctfw_pipeline_rejects(const struct ctfw_pipeline *pl,
                      struct ctfw_pipeline_rejects *out)
{
    out->sent = pl->rejects_sent;
    out->dropped = pl->rejects_dropped;
    out->unsent = pl->rejects_unsent;
    hook_icmp_limit_stats(pl->icmp_limit, &out->ratelimit_host,
                          &out->ratelimit_global);
}

void
ctfw_pipeline_advance(struct ctfw_pipeline *pl, uint64_t now_ns)
{
    plan_check(pl);   /* expired fragments are answered through hooks */
    if (pl->ct)
        ctfw_ct_advance(pl->ct, now_ns);
    if (pl->defrag)
        ctfw_defrag_advance(pl->defrag, now_ns);
    if (pl->defrag6)
        ctfw_defrag_advance(pl->defrag6, now_ns);
}

void
ctfw_pipeline_defrag(const struct ctfw_pipeline *pl,
                     struct ctfw_pipeline_defrag *out)
{
    struct ctfw_defrag_stats st, st6;
    ctfw_defrag_stats(pl->defrag, &st);
    ctfw_defrag_stats(pl->defrag6, &st6);
    out->held = st.held + st6.held;
    out->reassembled = st.reassembled + st6.reassembled;
    out->refused = pl->defrag_refused;
    out->expired = st.expired + st6.expired;
    out->held_dropped = st.frags_dropped + st6.frags_dropped +
                        pl->defrag_held_dropped;
}

static const char *
ctstate_name(const struct ctfw_skb *skb)
{
    /* By ctinfo, the name with an entry attached (UNTRACKED needs none;
     * every other ctinfo without an entry is INVALID): a table and a
     * conditional move, not a switch whose indirect jump the mix of NEW
     * and ESTABLISHED packets mispredicts (perf: 1.6% of a replay). */
    static const char *const with_entry[16] = {
        [CTFW_CT_ESTABLISHED] = "ESTABLISHED",
        [CTFW_CT_ESTABLISHED_REPLY] = "ESTABLISHED",
        [CTFW_CT_RELATED] = "RELATED",
        [CTFW_CT_RELATED_REPLY] = "RELATED",
        [CTFW_CT_NEW] = "NEW",
    };
    if (!skb->conntrack_on)
        return "-";
    if (skb->ct.info == CTFW_CT_UNTRACKED)
        return "UNTRACKED";
    const char *name = skb->ct.info < 16 ? with_entry[skb->ct.info] : NULL;
    return name && skb->ct.entry ? name : "INVALID";
}

/* The IP bytes of a packet and their lengths: what was captured, and
 * the IP length (the wire length when the header was cut). */
static size_t
ip_bytes(const struct ctfw_pkt *pkt, size_t *wirelen)
{
    size_t have = pkt->caplen > pkt->l3_off ? pkt->caplen - pkt->l3_off : 0;
    *wirelen = pkt->ip_len;
    return have < pkt->ip_len ? have : pkt->ip_len;
}

/*
 * A packet leaves the host after POSTROUTING. Locally generated ones
 * leave as they were built; forwarded ones as ip_forward() left them:
 * TTL (hop limit) one less, and the IPv4 header checksum updated
 * incrementally, as ip_decrease_ttl() does (RFC 1624 eqn. 3 gives the
 * same 16 bits: neither ever yields 0xffff here).
 */
static void
emit_output(struct ctfw_pipeline *pl, const struct ctfw_pkt *pkt,
            uint64_t now_ns, bool forwarded)
{
    if (!pl->p.on_output || pkt->l3_off == CTFW_PKT_OFF_NONE)
        return;
    size_t wire;
    size_t len = ip_bytes(pkt, &wire);
    const uint8_t *ip = pkt->data + pkt->l3_off;
    if (forwarded && len > sizeof(pl->out_buf))
        len = sizeof(pl->out_buf);
    if (forwarded && pkt->family == 4 && len >= 20) {
        memcpy(pl->out_buf, ip, len);
        uint16_t old = (uint16_t)(ip[8] << 8 | ip[9]);
        uint16_t check = (uint16_t)(ip[10] << 8 | ip[11]);
        pl->out_buf[8] = (uint8_t)(ip[8] - 1);
        uint16_t neu = (uint16_t)(pl->out_buf[8] << 8 | ip[9]);
        check = ctfw_csum_replace2(check, old, neu);
        pl->out_buf[10] = (uint8_t)(check >> 8);
        pl->out_buf[11] = (uint8_t)check;
        ip = pl->out_buf;
    } else if (forwarded && pkt->family == 6 && len >= 40) {
        memcpy(pl->out_buf, ip, len);
        pl->out_buf[7] = (uint8_t)(ip[7] - 1);
        ip = pl->out_buf;
    }
    pl->p.on_output(pl->p.output_arg, now_ns, ip, len, wire);
}

/* A reassembled datagram leaves as the fragments it came in (the
 * kernel refragments it to the sizes it arrived with, frag_max_size),
 * each as emit_output() leaves a single packet. */
static void
emit_datagram(struct ctfw_pipeline *pl, const struct ctfw_pkt *pkt,
              uint64_t now_ns, bool forwarded)
{
    if (!pl->defrag_done || pl->nat_rewrote ||
        (pkt->family == 6 &&
         pkt->ip_len <= 40 + ctfw_defrag_max_size(pl->defrag_done))) {
        /* A datagram NAT rewrote leaves whole (not refragmented:
         * docs/nat.md). IPv6: __ip6_finish_output() refragments only a
         * datagram longer than frag_max_size (40 + the largest
         * fragment's payload): an atomic fragment leaves whole, without
         * its fragment header. */
        emit_output(pl, pkt, now_ns, forwarded);
        return;
    }
    size_t n = ctfw_defrag_nfrags(pl->defrag_done);
    for (size_t i = 0; i < n; i++) {
        uint32_t len;
        const uint8_t *ip = ctfw_defrag_frag(pl->defrag_done, i, &len);
        struct ctfw_pkt fp;
        ctfw_pkt_decode(&fp, CTFW_LINKTYPE_RAW, ip, len, len);
        emit_output(pl, &fp, now_ns, forwarded);
    }
}

/*
 * The packet's bytes made writable for NAT: answers (reject_buf) and
 * copies (nat_buf) are; the caller's buffer and a reassembled datagram
 * are copied into nat_buf first. NULL when the packet is too large to
 * copy (it then keeps its bytes).
 */
static uint8_t *
nat_writable(struct ctfw_pipeline *pl, struct ctfw_skb *skb)
{
    struct ctfw_pkt *p = &skb->pkt;
    if (p->data == pl->reject_buf)
        return pl->reject_buf;
    if (p->data == pl->nat_buf)
        return pl->nat_buf;
    if (p->caplen > sizeof(pl->nat_buf))
        return NULL;
    memcpy(pl->nat_buf, p->data, p->caplen);
    p->data = pl->nat_buf;
    return pl->nat_buf;
}

/* After a rewrite: decode the bytes again (addresses, ports, ICMP
 * quotes), keeping what the path changed in the decoded packet only
 * (the TTL of a forwarded packet). */
static void
nat_redecode(struct ctfw_pipeline *pl, struct ctfw_skb *skb)
{
    struct ctfw_pkt *p = &skb->pkt;
    uint8_t ttl = p->ttl;
    ctfw_pkt_decode(p, p->linktype, p->data, p->caplen, p->wirelen);
    p->ttl = ttl;
    if (skb != &pl->reject_skb)
        pl->nat_rewrote = true;
}

static void
nat_drop(struct ctfw_pipeline *pl, struct ctfw_skb *skb, enum ctfw_hook hook,
         struct ctfw_pipeline_result *res)
{
    res->accept = false;
    res->reason = CTFW_DROP_NAT;
    res->hook = (uint8_t)hook;
    res->table = CTFW_TABLE_COUNT;
    res->target = "nat";
    ctfw_ct_abort(pl->ct, &skb->ct);
}

/* Evaluate one table; false when it dropped the packet (res filled, the
 * unconfirmed entry released). */
static bool
eval_table(struct ctfw_pipeline *pl, struct ctfw_ruleset *rs,
           enum ctfw_table t, struct ctfw_skb *skb, enum ctfw_hook hook,
           struct ctfw_pipeline_result *res)
{
    struct ctfw_rules_verdict v;
    if (ctfw_rules_eval(rs, t, skb, &pl->env, &v) < 0)
        return true;
    res->ctstate = ctstate_name(skb);
    if (v.by != CTFW_RULES_BY_NOCHAIN) {
        res->hook = (uint8_t)hook;
        res->table = (uint8_t)t;
        res->chain = v.chain;
        res->rule = v.rule;
        res->target = v.target;
    }
    if (!v.accept) {
        res->accept = false;
        res->reason = v.by == CTFW_RULES_BY_POLICY    ? CTFW_DROP_POLICY
                      : v.by == CTFW_RULES_BY_HOTDROP ? CTFW_DROP_HOTDROP
                                                      : CTFW_DROP_RULE;
        if (pl->ct)
            ctfw_ct_abort(pl->ct, &skb->ct);
        return false;
    }
    return true;
}

/*
 * The nat hook function (nf_nat_ipv4_fn/nf_nat_ipv6_fn and
 * nf_nat_inet_fn): registered when the family has a nat table. ICMP
 * packets RELATED to a connection get nf_nat_icmp_reply_translation();
 * a new (or related) connection without a binding for this hook's manip
 * type runs the nat table, and gets a null binding when no rule bound
 * it; then every packet with a binding is rewritten (nf_nat_packet).
 * Untracked and invalid packets pass untouched. Returns false when the
 * packet is dropped (res filled).
 */
static bool
nat_hook(struct ctfw_pipeline *pl, struct ctfw_ruleset *rs,
         struct ctfw_skb *skb, enum ctfw_hook hook,
         struct ctfw_pipeline_result *res)
{
    struct ctfw_ct_entry *e = skb->ct.entry;
    if (!e || !pl->nat)
        return true;
    enum ctfw_ct_info info = (enum ctfw_ct_info)skb->ct.info;
    struct ctfw_pkt *p = &skb->pkt;
    bool related = info == CTFW_CT_RELATED || info == CTFW_CT_RELATED_REPLY;
    if (related && p->l3_off != CTFW_PKT_OFF_NONE &&
        p->proto == (p->family == 6 ? 58 : 1)) {
        uint8_t *buf = nat_writable(pl, skb);
        if (!buf)
            return true;
        int r = ctfw_nat_icmp_reply_translation(
            pl->nat, e, info, hook, buf + p->l3_off, p->caplen - p->l3_off,
            p->ip_len);
        if (r < 0) {
            nat_drop(pl, skb, hook, res);
            return false;
        }
        if (r > 0)
            nat_redecode(pl, skb);
        return true;
    }
    enum ctfw_nat_manip m = ctfw_nat_hook_manip(hook);
    if ((info == CTFW_CT_NEW || related) && !ctfw_nat_initialized(e, m)) {
        if (!eval_table(pl, rs, CTFW_TABLE_NAT, skb, hook, res))
            return false;
        /* No rule bound it: null binding. */
        if (!ctfw_nat_initialized(e, m) &&
            !ctfw_nat_null_binding(pl->nat, pl->ct, e, m, skb->now_ns)) {
            nat_drop(pl, skb, hook, res);
            return false;
        }
    }
    if (!ctfw_nat_needed(e, info, hook) || p->l3_off == CTFW_PKT_OFF_NONE)
        return true;
    uint8_t *buf = nat_writable(pl, skb);
    if (!buf)
        return true;
    int r = ctfw_nat_packet(pl->nat, e, info, hook, buf + p->l3_off,
                            p->caplen - p->l3_off, p->ip_len);
    if (r < 0) {
        nat_drop(pl, skb, hook, res);
        return false;
    }
    if (r > 0)
        nat_redecode(pl, skb);
    return true;
}

/*
 * Run one hook. Returns true when the packet goes on; on a drop, res is
 * filled and the unconfirmed entry (if any) is released.
 */
static bool
run_hook(struct ctfw_pipeline *pl, struct ctfw_skb *skb, enum ctfw_hook hook,
         struct ctfw_pipeline_result *res, bool reentry)
{
    const uint8_t *steps = pl->plan[skb->pkt.family == 6][hook];
    struct ctfw_ruleset *rs =
        skb->pkt.family == 6 ? pl->p.rules6 : pl->p.rules4;
    skb->hook = (uint8_t)hook;
    for (const uint8_t *s = steps; *s != S_END; s++) {
        if (*s == S_CT_IN) {
            /* A looped-back packet carries its entry: nothing to do.
             * Untracked packets are skipped by ctfw_ct_in itself. */
            if (!skb->conntrack_on || reentry || skb->ct.entry)
                continue;
            enum ctfw_ct_hook ch = hook == CTFW_HOOK_LOCAL_OUT
                                       ? CTFW_CT_HOOK_LOCAL_OUT
                                       : CTFW_CT_HOOK_PRE_ROUTING;
            const struct ctfw_ct_hint *hint = pl->hint_now;
            pl->hint_now = NULL;
            if (ctfw_ct_in_hint(pl->ct, &skb->pkt, skb->now_ns, ch, &skb->ct,
                                hint) == CTFW_CT_DROP) {
                res->accept = false;
                res->reason = skb->ct.reason == CTFW_CT_R_TABLE_FULL ||
                                      skb->ct.reason == CTFW_CT_R_NOMEM
                                  ? CTFW_DROP_CT_TABLE_FULL
                                  : CTFW_DROP_CT_INVALID;
                if (ctfw_ct_reason_is_policy(
                        (enum ctfw_ct_reason)skb->ct.reason))
                    res->reason = CTFW_DROP_CT_POLICY;
                res->ct_reason = skb->ct.reason;
                res->hook = (uint8_t)hook;
                res->table = CTFW_TABLE_COUNT;
                res->target = "conntrack";
                return false;
            }
            continue;
        }
        if (*s == S_CONFIRM) {
            if (!skb->conntrack_on || reentry)
                continue;
            /* 6.x runs connection helpers inside the confirm hook, right
             * before confirmation (reference §1.1). */
            if (ctfw_ct_help(pl->ct, &skb->ct, &skb->pkt, skb->now_ns) ==
                CTFW_CT_DROP) {
                res->accept = false;
                res->reason = CTFW_DROP_CT_HELPER;
                res->ct_reason = skb->ct.reason;
                res->hook = (uint8_t)hook;
                res->table = CTFW_TABLE_COUNT;
                res->target = "conntrack";
                return false;
            }
            /* A NAT binding that found no unique tuple keeps a
             * clashing one and fails here (get_unique_tuple() leaves the
             * last candidate): told apart from other insert failures
             * (chain too long) for the replay summary. Packets are
             * handled one at a time, so the ORIGINAL tuple cannot clash:
             * a bound entry that fails on anything but the chain length
             * failed on its reply tuple. */
            uint32_t bound = skb->ct.entry
                                 ? ctfw_ct_entry_status(skb->ct.entry) &
                                       (CTFW_CT_S_SRC_NAT_DONE |
                                        CTFW_CT_S_DST_NAT_DONE)
                                 : 0;
            struct ctfw_ct_stats before;
            if (bound)
                ctfw_ct_get_stats(pl->ct, &before);
            if (ctfw_ct_confirm(pl->ct, &skb->ct, skb->now_ns) ==
                CTFW_CT_DROP) {
                res->accept = false;
                res->reason = CTFW_DROP_CT_INSERT;
                if (ctfw_ct_reason_is_policy(
                        (enum ctfw_ct_reason)skb->ct.reason))
                    res->reason = CTFW_DROP_CT_POLICY;
                else if (bound) {
                    struct ctfw_ct_stats after;
                    ctfw_ct_get_stats(pl->ct, &after);
                    if (after.chaintoolong == before.chaintoolong)
                        res->reason = CTFW_DROP_NAT_EXHAUSTED;
                }
                res->hook = (uint8_t)hook;
                res->table = CTFW_TABLE_COUNT;
                res->target = "conntrack";
                return false;
            }
            continue;
        }
        /* Only tables with a chain at this hook are in the plan. */
        enum ctfw_table t = (enum ctfw_table)*s;
        if (t == CTFW_TABLE_NAT) {
            if (!nat_hook(pl, rs, skb, hook, res))
                return false;
            continue;
        }
        if (!eval_table(pl, rs, t, skb, hook, res))
            return false;
    }
    return true;
}

/*
 * The decoded packet into the skb, in 64-byte pieces: gcc copies a
 * struct of this size with `rep movsq`, whose start-up cost more than
 * the copy itself (perf, bench/RESULTS.md B3 third pass: 35% of this
 * function's samples on that one instruction); constant-size pieces
 * become plain vector moves.
 */
static inline void
pkt_copy(struct ctfw_pkt *dst, const struct ctfw_pkt *src)
{
    char *d = (char *)dst;
    const char *s = (const char *)src;
    size_t n = sizeof(*dst), i = 0;
    for (; i + 64 <= n; i += 64)
        memcpy(d + i, s + i, 64);
    for (; i + 8 <= n; i += 8)
        memcpy(d + i, s + i, 8);
    for (; i < n; i++)
        d[i] = s[i];
}

void
ctfw_pipeline_ct_hint(struct ctfw_pipeline *pl,
                      const struct ctfw_ct_hint *hint)
{
    pl->ct_hint = hint;
}

static void
pipeline_packet(struct ctfw_pipeline *pl, const struct ctfw_pkt *pkt,
                uint64_t now_ns, unsigned in_ifindex_hint, bool outgoing,
                struct ctfw_pipeline_result *res)
{
    memset(res, 0, sizeof(*res));
    res->accept = true;
    res->table = CTFW_TABLE_COUNT;
    res->ctstate = "-";
    plan_check(pl);
    if (pl->ct)
        ctfw_ct_advance(pl->ct, now_ns);
    if (pl->defrag)
        ctfw_defrag_advance(pl->defrag, now_ns);
    if (pl->defrag6)
        ctfw_defrag_advance(pl->defrag6, now_ns);
    if (pkt->family == 0) {
        /* ARP, LLDP and other non-IP frames never reach the IP hooks;
         * an unsupported or broken link header likewise. */
        res->flags |= CTFW_PIPELINE_NOT_IP;
        return;
    }
    if (!(pkt->has & CTFW_PKT_HAS_IP) ||
        ctfw_pkt_has_event(pkt, CTFW_PKT_EV_IP_BAD_CSUM) ||
        ctfw_pkt_has_event(pkt, CTFW_PKT_EV_IP_BAD_HLEN) ||
        ctfw_pkt_has_event(pkt, CTFW_PKT_EV_IP_BAD_TOTLEN) ||
        ctfw_pkt_has_event(pkt, CTFW_PKT_EV_IP_BAD_VERSION)) {
        /* ip_rcv_core() drops these before PREROUTING (InHdrErrors). */
        res->accept = false;
        res->reason = CTFW_DROP_IP_HEADER;
        return;
    }

    struct ctfw_host_decision d;
    ctfw_host_decide(pl->p.host, pkt->family, &pkt->src, &pkt->dst,
                     in_ifindex_hint, outgoing, &d);
    if (pl->force_out) {
        /* ctfw_pipeline_forward(): a bump in the wire decides no route;
         * every IP packet crosses FORWARD between its two ports. */
        d.path = CTFW_HOST_PATH_FORWARD;
        d.in_ifindex = in_ifindex_hint;
        d.out_ifindex = pl->force_out;
    }
    res->path = (uint8_t)d.path;
    res->in_ifindex = d.in_ifindex;
    res->out_ifindex = d.out_ifindex;

    /* nf_defrag_ipv4 (-400, PREROUTING and OUTPUT, the first hook of
     * every path) when conntrack is on for IPv4: a fragment is held
     * until its datagram is complete, and the datagram then crosses
     * every hook whole (reference §1.1, §8.1). */
    pl->defrag_done = NULL;
    pl->defrag_cur = pkt->family == 6 ? pl->defrag6 : pl->defrag;
    /* nf_defrag_ipv6 likewise for IPv6 packets with a fragment header
     * (an atomic fragment too: ip6_ext_mask bit 4). */
    if (((pkt->family == 4 && pkt->frag != CTFW_PKT_FRAG_NONE &&
          pl->ct_on[0]) ||
         (pkt->family == 6 && (pkt->ip6_ext_mask & 4) && pl->ct_on[1])) &&
        pl->defrag_cur) {
        /* The datagram keeps the link header the completing fragment
         * came with (LOG prints MAC= from it), for the link types whose
         * header has no length in it; other link types: raw IP. */
        size_t link = 0;
        if ((pkt->linktype == CTFW_LINKTYPE_ETHERNET ||
             pkt->linktype == CTFW_LINKTYPE_LINUX_SLL ||
             pkt->linktype == CTFW_LINKTYPE_LINUX_SLL2) &&
            pkt->l3_off <= CTFW_DEFRAG_LINK_MAX && pkt->l3_off <= pkt->caplen)
            link = pkt->l3_off;
        size_t n;
        switch (ctfw_defrag_add(pl->defrag_cur, pkt, 0, now_ns,
                                pl->defrag_buf + link,
                                sizeof(pl->defrag_buf) - link, &n,
                                &pl->defrag_done)) {
        case CTFW_DEFRAG_HELD:
            res->flags |= CTFW_PIPELINE_QUEUED;
            res->target = "defrag";
            return;
        case CTFW_DEFRAG_DROP:
            res->accept = false;
            res->reason = CTFW_DROP_DEFRAG;
            res->target = "defrag";
            pl->defrag_refused++;
            return;
        case CTFW_DEFRAG_DONE:
            memcpy(pl->defrag_buf, pkt->data, link);
            ctfw_pkt_decode(&pl->defrag_pkt,
                            link ? pkt->linktype : CTFW_LINKTYPE_RAW,
                            pl->defrag_buf, (uint32_t)(link + n),
                            (uint32_t)(link + n));
            pkt = &pl->defrag_pkt;
            res->flags |= CTFW_PIPELINE_REASSEMBLED;
            res->frags = (unsigned)ctfw_defrag_nfrags(pl->defrag_done);
            break;
        case CTFW_DEFRAG_PASS:
            break;
        }
    }

    /* The decoded packet is copied whole; only the rest of the skb is
     * zeroed (the packet is its first member: no second pass over it). */
    struct ctfw_skb skb;
    pkt_copy(&skb.pkt, pkt);
    memset((char *)&skb + sizeof(skb.pkt), 0, sizeof(skb) - sizeof(skb.pkt));
    pl->nat_rewrote = false;
    skb.now_ns = now_ns;
    ctfw_ct_ref_init(&skb.ct);
    skb.conntrack_on = pl->ct_on[pkt->family == 6];
    const char *in = d.in_ifindex ? ctfw_host_ifname(pl->p.host,
                                                     d.in_ifindex)
                                  : NULL;
    const char *outn = d.out_ifindex ? ctfw_host_ifname(pl->p.host,
                                                        d.out_ifindex)
                                     : NULL;

    switch (d.path) {
    case CTFW_HOST_PATH_INPUT:
    case CTFW_HOST_PATH_FORWARD:
    case CTFW_HOST_PATH_FORWARD_OFF:
    case CTFW_HOST_PATH_NO_ROUTE:
        skb.in_ifindex = d.in_ifindex;
        skb.in_name = in ? in : "";
        skb.out_name = "";
        if (!run_hook(pl, &skb, CTFW_HOOK_PRE_ROUTING, res, false))
            break;
        if (pl->nat_rewrote && !pl->force_out &&
            memcmp(skb.pkt.dst.b, pkt->dst.b,
                   pkt->family == 6 ? 16 : 4) != 0) {
            /* nf_nat_ipv4_in(): a new destination drops the route; the
             * routing decision is made on the rewritten packet. */
            struct ctfw_host_decision nd;
            ctfw_host_decide(pl->p.host, pkt->family, &skb.pkt.src,
                             &skb.pkt.dst, d.in_ifindex, false, &nd);
            d.path = nd.path;
            d.out_ifindex = nd.out_ifindex;
            res->path = (uint8_t)d.path;
            res->out_ifindex = d.out_ifindex;
            outn = d.out_ifindex ? ctfw_host_ifname(pl->p.host,
                                                    d.out_ifindex)
                                 : NULL;
        }
        if (d.path == CTFW_HOST_PATH_FORWARD_OFF ||
            d.path == CTFW_HOST_PATH_NO_ROUTE) {
            res->ctstate = ctstate_name(&skb);
            res->accept = false;
            res->reason = d.path == CTFW_HOST_PATH_FORWARD_OFF
                              ? CTFW_DROP_FORWARD_OFF
                              : CTFW_DROP_NO_ROUTE;
            if (pl->ct)
                ctfw_ct_abort(pl->ct, &skb.ct);
            break;
        }
        if (d.path == CTFW_HOST_PATH_INPUT) {
            run_hook(pl, &skb, CTFW_HOOK_LOCAL_IN, res, false);
            break;
        }
        /* ip_forward(): a packet whose TTL (hop limit) would reach zero
         * is dropped with an ICMP time exceeded; otherwise the TTL is
         * decreased before the FORWARD hook, so FORWARD and POSTROUTING
         * rules and LOG lines see TTL - 1 (seen on 6.18: TTL=63 in a
         * FORWARD LOG line for a packet sent with 64). */
        if (skb.pkt.ttl <= 1) {
            res->ctstate = ctstate_name(&skb);
            res->accept = false;
            res->reason = CTFW_DROP_TTL_EXCEEDED;
            ttl_exceeded(pl, &skb);
            ctfw_ct_abort(pl->ct, &skb.ct);
            break;
        }
        skb.pkt.ttl--;
        skb.out_ifindex = d.out_ifindex;
        skb.out_name = outn ? outn : "";
        if (run_hook(pl, &skb, CTFW_HOOK_FORWARD, res, false)) {
            /* ip_output() passes the input device of a forwarded packet
             * to the POSTROUTING hook (indev = skb->dev), so LOG there
             * prints IN=<in> and MAC= (seen on 6.18 by the oracle's
             * log_tables case); -i itself is refused in POSTROUTING at
             * load time, so no rule can match on it. */
            if (run_hook(pl, &skb, CTFW_HOOK_POST_ROUTING, res, false))
                emit_datagram(pl, &skb.pkt, now_ns, true);
        }
        break;
    case CTFW_HOST_PATH_OUTPUT:
    case CTFW_HOST_PATH_LOOPBACK:
        skb.out_ifindex = d.out_ifindex;
        skb.in_name = "";
        skb.out_name = outn ? outn : "";
        if (!run_hook(pl, &skb, CTFW_HOOK_LOCAL_OUT, res, false))
            break;
        if (pl->nat_rewrote && memcmp(skb.pkt.dst.b, pkt->dst.b,
                                      pkt->family == 6 ? 16 : 4) != 0) {
            /* nf_nat_ipv4_local_fn(): a new destination is routed again
             * (ip_route_me_harder); a local one loops back. */
            if (ctfw_host_is_local(pl->p.host, pkt->family, &skb.pkt.dst)) {
                d.path = CTFW_HOST_PATH_LOOPBACK;
                d.out_ifindex = 1;
            } else {
                d.path = CTFW_HOST_PATH_OUTPUT;
                d.out_ifindex = ctfw_host_route(pl->p.host, pkt->family,
                                                &skb.pkt.dst);
            }
            res->path = (uint8_t)d.path;
            res->out_ifindex = d.out_ifindex;
            outn = d.out_ifindex ? ctfw_host_ifname(pl->p.host,
                                                    d.out_ifindex)
                                 : NULL;
            skb.out_ifindex = d.out_ifindex;
            skb.out_name = outn ? outn : "";
        }
        if (!run_hook(pl, &skb, CTFW_HOOK_POST_ROUTING, res, false))
            break;
        if (d.path == CTFW_HOST_PATH_OUTPUT)
            emit_datagram(pl, &skb.pkt, now_ns, false);
        if (d.path == CTFW_HOST_PATH_LOOPBACK) {
            skb.in_ifindex = 1;
            skb.in_name = "lo";
            skb.out_ifindex = 0;
            skb.out_name = "";
            if (run_hook(pl, &skb, CTFW_HOOK_PRE_ROUTING, res, true))
                run_hook(pl, &skb, CTFW_HOOK_LOCAL_IN, res, true);
        }
        break;
    }
    /* A packet conntrack itself dropped was never seen by a rule with a
     * state: "-" (docs/replay.md). */
    if (res->reason == CTFW_DROP_CT_TABLE_FULL ||
        res->reason == CTFW_DROP_CT_INVALID ||
        res->reason == CTFW_DROP_CT_INSERT ||
        res->reason == CTFW_DROP_NAT_EXHAUSTED ||
        res->reason == CTFW_DROP_CT_HELPER ||
        res->reason == CTFW_DROP_CT_POLICY)
        res->ctstate = "-";
    else if (res->accept)
        res->ctstate = ctstate_name(&skb);
    /* Otherwise a table or the routing decision dropped the packet and
     * recorded the state it had then, before the unconfirmed entry was
     * released. */
    res->ct_reason = skb.ct.reason;
    if (pl->defrag_done) {
        /* The held fragments share the datagram's fate. */
        if (!res->accept && res->frags > 0)
            pl->defrag_held_dropped += res->frags - 1;
        ctfw_defrag_release(pl->defrag_cur, pl->defrag_done);
        pl->defrag_done = NULL;
    }
}

void
ctfw_pipeline_packet(struct ctfw_pipeline *pl, const struct ctfw_pkt *pkt,
                     uint64_t now_ns, unsigned in_ifindex_hint,
                     bool outgoing, struct ctfw_pipeline_result *res)
{
    /* The caller's hint serves this packet's first lookup only. */
    pl->hint_now = pl->ct_hint;
    pl->ct_hint = NULL;
    pipeline_packet(pl, pkt, now_ns, in_ifindex_hint, outgoing, res);
    pl->hint_now = NULL;
}

void
ctfw_pipeline_forward(struct ctfw_pipeline *pl, const struct ctfw_pkt *pkt,
                      uint64_t now_ns, unsigned in_ifindex,
                      unsigned out_ifindex, struct ctfw_pipeline_result *res)
{
    pl->force_out = out_ifindex ? out_ifindex : 1;
    ctfw_pipeline_packet(pl, pkt, now_ns, in_ifindex, false, res);
    pl->force_out = 0;
}

void
ctfw_pipeline_set_rules(struct ctfw_pipeline *pl, struct ctfw_ruleset *rules4,
                        struct ctfw_ruleset *rules6)
{
    pl->p.rules4 = rules4;
    pl->p.rules6 = rules6;
    pl->plan_ok[0] = pl->plan_ok[1] = false;
    pl->ct_on[0] = rules4 && ctfw_rules_need_conntrack(rules4);
    pl->ct_on[1] = rules6 && ctfw_rules_need_conntrack(rules6);
}
