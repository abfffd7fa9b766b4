/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Table-full policies: opt-in answers to a full conntrack table that
 * other systems give, for what-if replays (docs/policies.md). Linux's own
 * answer (early_drop() of a non-assured entry near the new one's bucket,
 * else drop the packet) stays the default and is untouched: with no
 * policy attached, lib/ct runs exactly as before.
 *
 *   adaptive    OpenBSD pf's adaptive timeouts (pf.conf(5), `set timeout
 *               { adaptive.start N, adaptive.end M }`; pf_state_expires()
 *               in sys/net/pf.c): above `start` states every timeout is
 *               scaled by (end - states) / (end - start), zero at `end`.
 *   emergency   Suricata's flow emergency mode (suricata.yaml `flow:
 *               emergency-recovery`, `flow-timeouts: emergency-*`): once
 *               the table is full, the emergency timeouts apply until
 *               emergency-recovery percent of the table is free again.
 *   exempt      Calico's failsafe ports (FailsafeInboundHostPorts /
 *               FailsafeOutboundHostPorts): traffic to or from chosen
 *               ports or addresses still passes when the table is full,
 *               untracked, creating no entry.
 *   src limits  pf's per-source tracking: max-src-states, max-src-conn,
 *               max-src-conn-rate N/S with an overload table whose
 *               members may create no new state (optionally flushing
 *               their states, `overload <t> flush`).
 *   synproxy    pf's `synproxy state` / Linux's SYNPROXY target: a SYN is
 *               answered by the firewall (a cookie SYN-ACK) and creates
 *               no entry; only the client's final ACK does. What the
 *               replay models of it is in docs/policies.md.
 *
 * Layout: this module is pure (time is an argument, no I/O) and knows
 * nothing of lib/ct; lib/ct calls it at its few decision points when a
 * policy is attached (ctfw_ct_set_policy()).
 */
#ifndef CTFW_POLICY_H
#define CTFW_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctfw/pkt.h"

/* Which policies a configuration selects (combinable). */
#define CTFW_POLICY_ADAPTIVE 0x01
#define CTFW_POLICY_EMERGENCY 0x02
#define CTFW_POLICY_EXEMPT 0x04
#define CTFW_POLICY_SRC 0x08
#define CTFW_POLICY_SYNPROXY 0x10

/* A port or address a policy applies to: tcp/22, udp/53, 22 (TCP and
 * UDP), 10.0.0.5, 10.0.0.0/24, 2001:db8::/64. */
struct ctfw_policy_match {
    uint8_t kind;            /* 1 port, 2 address prefix */
    uint8_t proto;           /* port: 6, 17 or 0 for both */
    uint16_t port;
    uint8_t family;          /* address: 4 or 6 */
    uint8_t plen;
    union ctfw_addr addr;
};

#define CTFW_POLICY_MAX_MATCH 16

/* Suricata's protocol and state groups of flow-timeouts. */
enum ctfw_policy_proto { CTFW_POLICY_P_TCP, CTFW_POLICY_P_UDP,
                         CTFW_POLICY_P_ICMP, CTFW_POLICY_P_DEFAULT,
                         CTFW_POLICY_P_COUNT };
enum ctfw_policy_stage { CTFW_POLICY_S_NEW, CTFW_POLICY_S_ESTABLISHED,
                         CTFW_POLICY_S_CLOSED, CTFW_POLICY_S_COUNT };

struct ctfw_policy_config {
    unsigned flags;          /* CTFW_POLICY_* */
    /* adaptive: each a count of entries, or (pct flag) a percentage of
     * nf_conntrack_max; pf's defaults 60 % and 120 % of the limit. */
    uint32_t adaptive_start, adaptive_end;
    bool adaptive_start_pct, adaptive_end_pct;
    /* emergency: enter when count > threshold % of max (100: the table
     * is full, Suricata's memcap hit); leave when more than recovery %
     * of the table is free (Suricata's emergency-recovery, 30). */
    uint32_t emergency_threshold, emergency_recovery;
    uint32_t emergency_timeout[CTFW_POLICY_P_COUNT][CTFW_POLICY_S_COUNT];
    /* exempt and synproxy: what they apply to. */
    struct ctfw_policy_match exempt[CTFW_POLICY_MAX_MATCH];
    unsigned n_exempt;
    struct ctfw_policy_match synproxy[CTFW_POLICY_MAX_MATCH];
    unsigned n_synproxy;     /* 0 with the flag: every TCP port */
    /* per-source limits (0: none) */
    uint32_t max_src_states, max_src_conn;
    uint32_t conn_rate_limit, conn_rate_seconds;
    bool overload, overload_flush;
};

/* No policy; the Suricata emergency timeouts and recovery, pf's adaptive
 * percentages preset for when those policies are selected. */
void ctfw_policy_config_init(struct ctfw_policy_config *c);

/*
 * One scenario setting. Keys: policy=NAME[+NAME...] (adaptive,
 * emergency, exempt, src, synproxy), adaptive.start, adaptive.end (N or
 * N%), emergency.threshold, emergency.recovery (N%),
 * emergency.{tcp,udp,icmp,default}.{new,established,closed} (seconds),
 * exempt=MATCH[+MATCH...], synproxy=MATCH[+...]|all, max-src-states,
 * max-src-conn, max-src-conn-rate=N/S, overload=yes|flush.
 * Setting a policy's key selects the policy. Returns 1 when the key is a
 * policy key and was applied, 0 when the key is not a policy key, -1 on
 * a bad value (err says why).
 */
int ctfw_policy_config_set(struct ctfw_policy_config *c, const char *key,
                           const char *val, char *err, size_t errlen);
/* Check a whole configuration (adaptive.start < adaptive.end...). */
int ctfw_policy_config_check(const struct ctfw_policy_config *c, char *err,
                             size_t errlen);
/* "adaptive+emergency", ... for reports; "none". */
void ctfw_policy_config_name(const struct ctfw_policy_config *c, char *buf,
                             size_t len);
bool ctfw_policy_match(const struct ctfw_policy_match *m, unsigned n,
                       const struct ctfw_pkt *pkt);

/* ---- Arithmetic (each as its reference computes it) ------------------ */

/*
 * pf_state_expires(): the timeout of a state when `states` states exist,
 * with adaptive.start `start` and adaptive.end `end`: unchanged while
 * states <= start (or when end is 0 or start >= end); 0 once states >=
 * end; else timeout * (end - states) / (end - start) in 64-bit integer
 * arithmetic, truncated.
 */
uint32_t ctfw_policy_adaptive_timeout(uint32_t timeout, uint32_t start,
                                      uint32_t end, uint32_t states);

/* Suricata: emergency is entered when a new flow cannot be had within
 * the memcap; ctfw: when count exceeds threshold % of max. */
bool ctfw_policy_emergency_enter(uint32_t count, uint32_t max,
                                 uint32_t threshold_pct);
/* FlowManager(): emergency ends when spare flows * 100 / prealloc >
 * emergency_recovery; ctfw's "spare" is max - count, "prealloc" max. */
bool ctfw_policy_emergency_leave(uint32_t count, uint32_t max,
                                 uint32_t recovery_pct);

/* pf's struct pf_threshold (pf_init_threshold, pf_add_threshold,
 * pf_check_threshold): a moving count in thousandths, decayed linearly
 * over `seconds`, on whole seconds of the clock (time_uptime). */
#define CTFW_POLICY_THRESHOLD_MULT 1000
struct ctfw_policy_threshold {
    uint32_t limit, seconds, count;
    uint64_t last;
};
void ctfw_policy_threshold_init(struct ctfw_policy_threshold *t,
                                uint32_t limit, uint32_t seconds,
                                uint64_t now_s);
void ctfw_policy_threshold_add(struct ctfw_policy_threshold *t,
                               uint64_t now_s);
bool ctfw_policy_threshold_check(const struct ctfw_policy_threshold *t);

/* ---- Runtime (one per conntrack table) ------------------------------- */

struct ctfw_policy;

/* max: nf_conntrack_max, for the percentages. NULL on -ENOMEM. */
struct ctfw_policy *ctfw_policy_new(const struct ctfw_policy_config *c,
                                    uint32_t max);
void ctfw_policy_free(struct ctfw_policy *p);
const struct ctfw_policy_config *
ctfw_policy_config(const struct ctfw_policy *p);
/* Does the policy change timeouts (adaptive or emergency)? */
bool ctfw_policy_has_timeouts(const struct ctfw_policy *p);

/* What a packet that would create an entry meets. */
enum ctfw_policy_verdict {
    CTFW_POLICY_PASS,        /* Linux's path */
    CTFW_POLICY_UNTRACK,     /* accepted untracked, no entry */
    CTFW_POLICY_DROP,        /* refused */
};
/* Before allocation: synproxy (SYN or the server's SYN-ACK without an
 * entry), the overload table, max-src-states. *why is set to a
 * CTFW_POLICY_WHY_*. */
enum ctfw_policy_why {
    CTFW_POLICY_WHY_NONE,
    CTFW_POLICY_WHY_SYNPROXY,
    CTFW_POLICY_WHY_EXEMPT,
    CTFW_POLICY_WHY_OVERLOAD,
    CTFW_POLICY_WHY_SRC_STATES,
    CTFW_POLICY_WHY_SRC_CONN,
    CTFW_POLICY_WHY_SRC_CONN_RATE,
};
enum ctfw_policy_verdict ctfw_policy_new_conn(struct ctfw_policy *p,
                                              const struct ctfw_pkt *pkt,
                                              uint64_t now_ns,
                                              enum ctfw_policy_why *why);
/* The table is full and early drop freed nothing: exempt traffic passes
 * untracked (true). */
bool ctfw_policy_table_full(struct ctfw_policy *p,
                            const struct ctfw_pkt *pkt, uint64_t now_ns);

/* Per-source state counts: an entry of this original source entered
 * (confirmed) or left the table. */
void ctfw_policy_src_add(struct ctfw_policy *p, uint8_t family,
                         const union ctfw_addr *src);
void ctfw_policy_src_del(struct ctfw_policy *p, uint8_t family,
                         const union ctfw_addr *src, bool established);
/* pf_src_connlimit(): a TCP connection of this source completed its
 * handshake. Returns WHY_NONE when within the limits, else the limit
 * hit; the source is then in the overload table (when configured) and
 * *flush says whether its states must be killed. */
enum ctfw_policy_why ctfw_policy_src_established(struct ctfw_policy *p,
                                                 uint8_t family,
                                                 const union ctfw_addr *src,
                                                 uint64_t now_ns,
                                                 bool *flush);
bool ctfw_policy_overloaded(const struct ctfw_policy *p, uint8_t family,
                            const union ctfw_addr *src);

/*
 * The timeout (seconds) an entry of this protocol group and stage has
 * with `count` entries, its own (Linux's) being `timeout`: the emergency
 * timeout when in emergency mode (never longer than Linux's), then pf's
 * adaptive scaling.
 */
uint32_t ctfw_policy_timeout(const struct ctfw_policy *p,
                             enum ctfw_policy_proto proto,
                             enum ctfw_policy_stage stage, uint32_t timeout,
                             uint32_t count);
/* The table count moved (allocation): enter emergency mode? True when it
 * was entered now (the caller sweeps the table at once, as Suricata
 * wakes its flow manager). */
bool ctfw_policy_check_enter(struct ctfw_policy *p, uint32_t count,
                             uint64_t now_ns);
/* The once-a-second sweep (pf's purge thread, Suricata's flow manager):
 * leave emergency mode when enough is free. */
void ctfw_policy_tick(struct ctfw_policy *p, uint32_t count,
                      uint64_t now_ns);
bool ctfw_policy_in_emergency(const struct ctfw_policy *p);

/* What the policy did, for reports. */
struct ctfw_policy_stats {
    uint64_t synproxy_syn;       /* SYNs answered without an entry */
    uint64_t synproxy_synack;    /* server SYN-ACKs taken by the proxy */
    uint64_t exempt;             /* packets passed untracked, table full */
    uint64_t overload_drops, src_states_drops, src_conn_drops,
        src_rate_drops;
    uint64_t overload_added;     /* sources put in the overload table */
    uint64_t flushed;            /* entries killed by overload flush */
    uint64_t emergency_entered;  /* times emergency mode began */
    uint64_t emergency_first_ns, emergency_last_exit_ns;
    uint64_t emergency_ns;       /* time spent in emergency mode */
    uint64_t emergency_since_ns; /* start of the current one */
    uint32_t adaptive_start, adaptive_end;   /* resolved counts */
};
void ctfw_policy_get_stats(const struct ctfw_policy *p,
                           struct ctfw_policy_stats *out);
void ctfw_policy_note_flushed(struct ctfw_policy *p, uint64_t n);
const char *ctfw_policy_why_name(enum ctfw_policy_why w);

#endif /* CTFW_POLICY_H */
