/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel profile and sysctls.
 *
 * A struct ctfw_sysctl holds the value of every netfilter knob that ctfw
 * models, starting from a kernel profile's defaults (Linux 6.x is the one
 * verified against a real kernel) and overridden by sysctl.conf files,
 * `sysctl -a` output, or single KEY=VALUE settings.
 *
 * Names are accepted as sysctl(8) takes them: dotted
 * (net.netfilter.nf_conntrack_max) or slashed (net/netfilter/...), the
 * alias net.nf_conntrack_max, and the module parameter
 * nf_conntrack.hashsize (as on the kernel command line or in
 * /etc/modprobe.d: "options nf_conntrack hashsize=N"). Keys a 6.x kernel
 * does not have, such as the 2.6-era net.ipv4.netfilter.ip_conntrack_*,
 * are refused with the words sysctl -p prints on such a kernel and a note
 * naming the modern key.
 *
 * The library never prints: every finding goes to the caller's diagnostic
 * callback with file, line and column. Pure; not thread-safe per object.
 */
#ifndef CTFW_SYSCTL_H
#define CTFW_SYSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every knob ctfw models. The names are the 6.x sysctl suffixes. */
enum ctfw_sysctl_id {
    CTFW_SYSCTL_NF_CONNTRACK_MAX,
    CTFW_SYSCTL_NF_CONNTRACK_BUCKETS,
    CTFW_SYSCTL_NF_CONNTRACK_EXPECT_MAX,
    CTFW_SYSCTL_NF_CONNTRACK_CHECKSUM,
    CTFW_SYSCTL_NF_CONNTRACK_LOG_INVALID,
    CTFW_SYSCTL_NF_CONNTRACK_ACCT,
    CTFW_SYSCTL_NF_CONNTRACK_TIMESTAMP,
    CTFW_SYSCTL_NF_CONNTRACK_EVENTS,
    CTFW_SYSCTL_NF_CONNTRACK_TCP_LOOSE,
    CTFW_SYSCTL_NF_CONNTRACK_TCP_BE_LIBERAL,
    CTFW_SYSCTL_NF_CONNTRACK_TCP_IGNORE_INVALID_RST,
    CTFW_SYSCTL_NF_CONNTRACK_TCP_MAX_RETRANS,
    CTFW_SYSCTL_NF_CONNTRACK_TCP_TIMEOUT_SYN_SENT,
    CTFW_SYSCTL_NF_CONNTRACK_TCP_TIMEOUT_SYN_RECV,
    CTFW_SYSCTL_NF_CONNTRACK_TCP_TIMEOUT_ESTABLISHED,
    CTFW_SYSCTL_NF_CONNTRACK_TCP_TIMEOUT_FIN_WAIT,
    CTFW_SYSCTL_NF_CONNTRACK_TCP_TIMEOUT_CLOSE_WAIT,
    CTFW_SYSCTL_NF_CONNTRACK_TCP_TIMEOUT_LAST_ACK,
    CTFW_SYSCTL_NF_CONNTRACK_TCP_TIMEOUT_TIME_WAIT,
    CTFW_SYSCTL_NF_CONNTRACK_TCP_TIMEOUT_CLOSE,
    CTFW_SYSCTL_NF_CONNTRACK_TCP_TIMEOUT_MAX_RETRANS,
    CTFW_SYSCTL_NF_CONNTRACK_TCP_TIMEOUT_UNACKNOWLEDGED,
    CTFW_SYSCTL_NF_CONNTRACK_UDP_TIMEOUT,
    CTFW_SYSCTL_NF_CONNTRACK_UDP_TIMEOUT_STREAM,
    CTFW_SYSCTL_NF_CONNTRACK_ICMP_TIMEOUT,
    CTFW_SYSCTL_NF_CONNTRACK_ICMPV6_TIMEOUT,
    CTFW_SYSCTL_NF_CONNTRACK_GENERIC_TIMEOUT,
    CTFW_SYSCTL_NF_CONNTRACK_GRE_TIMEOUT,
    CTFW_SYSCTL_NF_CONNTRACK_GRE_TIMEOUT_STREAM,
    CTFW_SYSCTL_NF_CONNTRACK_SCTP_TIMEOUT_CLOSED,
    CTFW_SYSCTL_NF_CONNTRACK_SCTP_TIMEOUT_COOKIE_WAIT,
    CTFW_SYSCTL_NF_CONNTRACK_SCTP_TIMEOUT_COOKIE_ECHOED,
    CTFW_SYSCTL_NF_CONNTRACK_SCTP_TIMEOUT_ESTABLISHED,
    CTFW_SYSCTL_NF_CONNTRACK_SCTP_TIMEOUT_SHUTDOWN_SENT,
    CTFW_SYSCTL_NF_CONNTRACK_SCTP_TIMEOUT_SHUTDOWN_RECD,
    CTFW_SYSCTL_NF_CONNTRACK_SCTP_TIMEOUT_SHUTDOWN_ACK_SENT,
    CTFW_SYSCTL_NF_CONNTRACK_SCTP_TIMEOUT_HEARTBEAT_SENT,
    CTFW_SYSCTL_NF_CONNTRACK_FRAG6_TIMEOUT,
    CTFW_SYSCTL_NF_CONNTRACK_FRAG6_HIGH_THRESH,
    CTFW_SYSCTL_NF_CONNTRACK_FRAG6_LOW_THRESH,
    CTFW_SYSCTL_NF_LOG_ALL_NETNS,
    CTFW_SYSCTL_IPV4_IP_FORWARD,
    CTFW_SYSCTL_IPV6_CONF_ALL_FORWARDING,
    CTFW_SYSCTL_IPV4_IPFRAG_TIME,
    CTFW_SYSCTL_IPV4_ICMP_RATELIMIT,
    CTFW_SYSCTL_IPV4_ICMP_RATEMASK,
    CTFW_SYSCTL_IPV4_ICMP_MSGS_PER_SEC,
    CTFW_SYSCTL_IPV4_ICMP_MSGS_BURST,
    CTFW_SYSCTL_IPV6_ICMP_RATELIMIT,
    CTFW_SYSCTL_COUNT
};

/* Key flags. */
#define CTFW_SYSCTL_F_READONLY 0x1  /* nf_conntrack_count: not settable */
#define CTFW_SYSCTL_F_INIT_NS 0x2   /* global: writable in init netns only */
#define CTFW_SYSCTL_F_SECONDS 0x4   /* a timeout, in seconds */
#define CTFW_SYSCTL_F_BOOL 0x8      /* 0 or 1 by convention */

struct ctfw_sysctl_key {
    enum ctfw_sysctl_id id;
    const char *name;      /* full dotted name */
    int64_t def;           /* Linux 6.x default */
    int64_t min, max;      /* what the kernel's handler accepts */
    unsigned flags;
};

struct ctfw_sysctl {
    int64_t val[CTFW_SYSCTL_COUNT];
    bool set[CTFW_SYSCTL_COUNT];   /* given explicitly by the user */
    /* nf_conntrack.hashsize was given: as in 6.x nf_conntrack_init_start,
     * the default nf_conntrack_max becomes 8 x hashsize. */
    bool hashsize_param;
    unsigned n_ignored;            /* keys outside netfilter, not modelled */
};

enum ctfw_diag_severity {
    CTFW_DIAG_ERROR,
    CTFW_DIAG_WARNING,
    CTFW_DIAG_NOTE,
};

/* A located finding. file may be NULL (a --set on the command line). */
struct ctfw_sysctl_diag {
    const char *file;
    unsigned line, col;     /* 1-based; 0 = unknown */
    enum ctfw_diag_severity severity;
    const char *msg;        /* valid during the callback only */
};

typedef void (*ctfw_sysctl_diag_fn)(void *arg,
                                    const struct ctfw_sysctl_diag *d);

/* Fill s with the Linux 6.x defaults (max = buckets = 262144, the values
 * of a machine with more than 4 GiB of RAM, as verified). */
void ctfw_sysctl_init(struct ctfw_sysctl *s);

/*
 * The 6.x default bucket count for a machine with ram_bytes of memory
 * (nf_conntrack_init_start): RAM/128 KiB, 262144 above 4 GiB, 65536 above
 * 1 GiB, at least 1024, rounded up to a multiple of 512.
 */
uint32_t ctfw_sysctl_default_buckets(uint64_t ram_bytes);

/* The key description for a name in any accepted spelling, or NULL. */
const struct ctfw_sysctl_key *ctfw_sysctl_lookup(const char *name);
const struct ctfw_sysctl_key *ctfw_sysctl_key(enum ctfw_sysctl_id id);

/*
 * Set one key from text ("net.netfilter.nf_conntrack_max", "393216").
 * Returns 0, or -EINVAL (bad value), -ENOENT (no such key on this
 * profile; legacy names included), -EPERM (read-only key) with a
 * diagnostic sent to diag (which may be NULL). Keys outside netfilter
 * that ctfw does not model are accepted and counted in n_ignored.
 */
int ctfw_sysctl_set(struct ctfw_sysctl *s, const char *key, const char *value,
                    ctfw_sysctl_diag_fn diag, void *arg);

/*
 * Apply a sysctl.conf(5) text or `sysctl -a` output: `key = value`
 * lines, `#` and `;` comments, blank lines; a leading '-' on the key
 * makes a failure silent, as sysctl does. Every line is processed and
 * every problem reported (with file:line:col); returns the number of
 * errors (0 when all applied).
 */
int ctfw_sysctl_parse(struct ctfw_sysctl *s, const char *text, size_t len,
                      const char *file, ctfw_sysctl_diag_fn diag, void *arg);

/* One `key = value` line of a file, as ctfw_sysctl_parse_ex() applied
 * it (for lint: which keys a file sets, and where). Valid during the
 * callback only. */
struct ctfw_sysctl_line {
    const char *file;
    unsigned line, kcol, vcol;          /* 1-based */
    const char *key;                    /* dotted, as written otherwise */
    const struct ctfw_sysctl_key *k;    /* the 6.x key set, or NULL */
    bool legacy;                        /* a 2.6-era name (not on 6.x) */
    const char *modern;                 /* its 6.x name, NULL if none */
    bool snapshot_only;                 /* read-only key: `sysctl -a` */
    int rc;                             /* as ctfw_sysctl_set() */
};

typedef void (*ctfw_sysctl_line_fn)(void *arg,
                                    const struct ctfw_sysctl_line *l);

struct ctfw_sysctl_parse_params {
    const char *file;
    ctfw_sysctl_diag_fn diag;
    void *diag_arg;
    ctfw_sysctl_line_fn line;   /* may be NULL */
    void *line_arg;
};

/* ctfw_sysctl_parse() with a callback per setting line. */
int ctfw_sysctl_parse_ex(struct ctfw_sysctl *s, const char *text, size_t len,
                         const struct ctfw_sysctl_parse_params *p);

static inline int64_t
ctfw_sysctl_get(const struct ctfw_sysctl *s, enum ctfw_sysctl_id id)
{
    return s->val[id];
}

/* Print every modelled key as `sysctl -a` does ("name = value\n") into
 * buf; returns the length needed, as snprintf. */
size_t ctfw_sysctl_format(const struct ctfw_sysctl *s, char *buf,
                          size_t len);

#endif
