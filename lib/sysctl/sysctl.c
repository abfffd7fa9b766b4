// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Linux 6.x kernel profile: netfilter sysctls, their defaults and the
 * ranges their handlers accept, sysctl.conf / `sysctl -a` parsing, and the
 * 2.6-era names that no longer exist.
 *
 * Defaults and the set of keys were read off a 6.18 kernel (`sysctl -a`
 * inside a network namespace with conntrack loaded); ranges follow the
 * handlers in nf_conntrack_standalone.c: u8 switches are 0..1 (events
 * 0..2, log_invalid 0..255), timeouts are proc_dointvec_jiffies (any int
 * of seconds, negative values included: the kernel stores them).
 */
#include <stdarg.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctfw/sysctl.h"

#define NF "net.netfilter.nf_conntrack_"
#define SEC (CTFW_SYSCTL_F_SECONDS)
#define TMO(id, name, def)                                                \
    {CTFW_SYSCTL_NF_CONNTRACK_##id, NF name, def, INT_MIN, INT_MAX, SEC}
#define U8(id, name, def, hi)                                             \
    {CTFW_SYSCTL_NF_CONNTRACK_##id, NF name, def, 0, hi, CTFW_SYSCTL_F_BOOL}

static const struct ctfw_sysctl_key keys[CTFW_SYSCTL_COUNT] = {
    {CTFW_SYSCTL_NF_CONNTRACK_MAX, NF "max", 262144, 0, INT_MAX,
     CTFW_SYSCTL_F_INIT_NS},
    {CTFW_SYSCTL_NF_CONNTRACK_BUCKETS, NF "buckets", 262144, 1, INT_MAX,
     CTFW_SYSCTL_F_INIT_NS},
    {CTFW_SYSCTL_NF_CONNTRACK_EXPECT_MAX, NF "expect_max", 4096, 1, INT_MAX,
     CTFW_SYSCTL_F_INIT_NS},
    U8(CHECKSUM, "checksum", 1, 1),
    U8(LOG_INVALID, "log_invalid", 0, 255),
    U8(ACCT, "acct", 0, 1),
    U8(TIMESTAMP, "timestamp", 0, 1),
    U8(EVENTS, "events", 2, 2),
    U8(TCP_LOOSE, "tcp_loose", 1, 1),
    U8(TCP_BE_LIBERAL, "tcp_be_liberal", 0, 1),
    U8(TCP_IGNORE_INVALID_RST, "tcp_ignore_invalid_rst", 0, 1),
    {CTFW_SYSCTL_NF_CONNTRACK_TCP_MAX_RETRANS, NF "tcp_max_retrans", 3, 0,
     255, 0},
    TMO(TCP_TIMEOUT_SYN_SENT, "tcp_timeout_syn_sent", 120),
    TMO(TCP_TIMEOUT_SYN_RECV, "tcp_timeout_syn_recv", 60),
    TMO(TCP_TIMEOUT_ESTABLISHED, "tcp_timeout_established", 432000),
    TMO(TCP_TIMEOUT_FIN_WAIT, "tcp_timeout_fin_wait", 120),
    TMO(TCP_TIMEOUT_CLOSE_WAIT, "tcp_timeout_close_wait", 60),
    TMO(TCP_TIMEOUT_LAST_ACK, "tcp_timeout_last_ack", 30),
    TMO(TCP_TIMEOUT_TIME_WAIT, "tcp_timeout_time_wait", 120),
    TMO(TCP_TIMEOUT_CLOSE, "tcp_timeout_close", 10),
    TMO(TCP_TIMEOUT_MAX_RETRANS, "tcp_timeout_max_retrans", 300),
    TMO(TCP_TIMEOUT_UNACKNOWLEDGED, "tcp_timeout_unacknowledged", 300),
    TMO(UDP_TIMEOUT, "udp_timeout", 30),
    TMO(UDP_TIMEOUT_STREAM, "udp_timeout_stream", 120),
    TMO(ICMP_TIMEOUT, "icmp_timeout", 30),
    TMO(ICMPV6_TIMEOUT, "icmpv6_timeout", 30),
    TMO(GENERIC_TIMEOUT, "generic_timeout", 600),
    TMO(GRE_TIMEOUT, "gre_timeout", 30),
    TMO(GRE_TIMEOUT_STREAM, "gre_timeout_stream", 180),
    TMO(SCTP_TIMEOUT_CLOSED, "sctp_timeout_closed", 10),
    TMO(SCTP_TIMEOUT_COOKIE_WAIT, "sctp_timeout_cookie_wait", 3),
    TMO(SCTP_TIMEOUT_COOKIE_ECHOED, "sctp_timeout_cookie_echoed", 3),
    TMO(SCTP_TIMEOUT_ESTABLISHED, "sctp_timeout_established", 210),
    TMO(SCTP_TIMEOUT_SHUTDOWN_SENT, "sctp_timeout_shutdown_sent", 3),
    TMO(SCTP_TIMEOUT_SHUTDOWN_RECD, "sctp_timeout_shutdown_recd", 3),
    TMO(SCTP_TIMEOUT_SHUTDOWN_ACK_SENT, "sctp_timeout_shutdown_ack_sent",
        3),
    TMO(SCTP_TIMEOUT_HEARTBEAT_SENT, "sctp_timeout_heartbeat_sent", 30),
    TMO(FRAG6_TIMEOUT, "frag6_timeout", 60),
    {CTFW_SYSCTL_NF_CONNTRACK_FRAG6_HIGH_THRESH, NF "frag6_high_thresh",
     4194304, 0, INT_MAX, 0},
    {CTFW_SYSCTL_NF_CONNTRACK_FRAG6_LOW_THRESH, NF "frag6_low_thresh",
     3145728, 0, INT_MAX, 0},
    {CTFW_SYSCTL_NF_LOG_ALL_NETNS, "net.netfilter.nf_log_all_netns", 0, 0,
     1, CTFW_SYSCTL_F_BOOL | CTFW_SYSCTL_F_INIT_NS},
    {CTFW_SYSCTL_IPV4_IP_FORWARD, "net.ipv4.ip_forward", 0, 0, 1,
     CTFW_SYSCTL_F_BOOL},
    {CTFW_SYSCTL_IPV6_CONF_ALL_FORWARDING, "net.ipv6.conf.all.forwarding",
     0, 0, 1, CTFW_SYSCTL_F_BOOL},
    {CTFW_SYSCTL_IPV4_IPFRAG_TIME, "net.ipv4.ipfrag_time", 30, INT_MIN,
     INT_MAX, SEC},
    /* icmp_send()'s rate limits (lib/hook/icmp_limit.c); the defaults
     * of a new namespace on 6.18. Milliseconds. */
    {CTFW_SYSCTL_IPV4_ICMP_RATELIMIT, "net.ipv4.icmp_ratelimit", 1000, 0,
     INT_MAX, 0},
    {CTFW_SYSCTL_IPV4_ICMP_RATEMASK, "net.ipv4.icmp_ratemask", 6168, INT_MIN,
     INT_MAX, 0},
    {CTFW_SYSCTL_IPV4_ICMP_MSGS_PER_SEC, "net.ipv4.icmp_msgs_per_sec", 1000,
     0, INT_MAX, 0},
    {CTFW_SYSCTL_IPV4_ICMP_MSGS_BURST, "net.ipv4.icmp_msgs_burst", 50, 0,
     INT_MAX, 0},
    {CTFW_SYSCTL_IPV6_ICMP_RATELIMIT, "net.ipv6.icmp.ratelimit", 100, 0,
     INT_MAX, 0},
};

/* Keys of a 6.x kernel under net.netfilter that ctfw accepts and does not
 * model (they change nothing ctfw computes). */
static const char *const unmodelled_prefixes[] = {
    "net.netfilter.nf_log.",
    "net.netfilter.nf_hooks_lwtunnel",
};

void
ctfw_sysctl_init(struct ctfw_sysctl *s)
{
    memset(s, 0, sizeof(*s));
    for (int i = 0; i < CTFW_SYSCTL_COUNT; i++)
        s->val[keys[i].id] = keys[i].def;
}

uint32_t
ctfw_sysctl_default_buckets(uint64_t ram_bytes)
{
    uint64_t b = ram_bytes / 16384 / 8;
    if (ram_bytes > (4ull << 30))
        b = 262144;
    else if (ram_bytes > (1ull << 30))
        b = 65536;
    if (b < 1024)
        b = 1024;
    return (uint32_t)((b + 511) / 512 * 512);
}

const struct ctfw_sysctl_key *
ctfw_sysctl_key(enum ctfw_sysctl_id id)
{
    if ((unsigned)id >= CTFW_SYSCTL_COUNT)
        return NULL;
    return &keys[id];
}

/* Copy name into buf with '/' turned into '.', as sysctl(8) accepts both
 * spellings. Returns false when it does not fit. */
static bool
normalise(const char *name, char *buf, size_t len)
{
    size_t n = strlen(name);
    if (n >= len)
        return false;
    for (size_t i = 0; i <= n; i++)
        buf[i] = name[i] == '/' ? '.' : name[i];
    return true;
}

const struct ctfw_sysctl_key *
ctfw_sysctl_lookup(const char *name)
{
    char buf[256];
    if (!normalise(name, buf, sizeof(buf)))
        return NULL;
    if (!strcmp(buf, "net.nf_conntrack_max"))
        return &keys[CTFW_SYSCTL_NF_CONNTRACK_MAX];
    for (int i = 0; i < CTFW_SYSCTL_COUNT; i++)
        if (!strcmp(buf, keys[i].name))
            return &keys[i];
    return NULL;
}

static void
report(ctfw_sysctl_diag_fn fn, void *arg, const char *file, unsigned line,
       unsigned col, enum ctfw_diag_severity sev, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void
report(ctfw_sysctl_diag_fn fn, void *arg, const char *file, unsigned line,
       unsigned col, enum ctfw_diag_severity sev, const char *fmt, ...)
{
    if (!fn)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct ctfw_sysctl_diag d = {file, line, col, sev, msg};
    fn(arg, &d);
}

/*
 * The modern name of a 2.6-era key (net.ipv4.netfilter.ip_conntrack_X or
 * net.ipv4.ip_conntrack_max), written into buf; false when the name is
 * not one of them or has no 6.x counterpart.
 */
static bool
legacy_modern_name(const char *norm, char *buf, size_t len)
{
    static const char *const prefixes[] = {"net.ipv4.netfilter.ip_conntrack_",
                                           "net.ipv4.ip_conntrack_"};
    for (size_t i = 0; i < 2; i++) {
        size_t pl = strlen(prefixes[i]);
        if (strncmp(norm, prefixes[i], pl))
            continue;
        snprintf(buf, len, NF "%s", norm + pl);
        return ctfw_sysctl_lookup(buf) != NULL ||
               !strcmp(norm + pl, "count");
    }
    return false;
}

static bool
is_legacy(const char *norm)
{
    return !strncmp(norm, "net.ipv4.netfilter.", 19) ||
           !strncmp(norm, "net.ipv4.ip_conntrack", 21);
}

/* Set one key; line/col locate it for diagnostics (0 = unknown). */
static int
set_located(struct ctfw_sysctl *s, const char *key, const char *value,
            bool quiet, const char *file, unsigned line, unsigned kcol,
            unsigned vcol, ctfw_sysctl_diag_fn fn, void *arg)
{
    char norm[256];
    if (!normalise(key, norm, sizeof(norm))) {
        if (!quiet)
            report(fn, arg, file, line, kcol, CTFW_DIAG_ERROR,
                   "sysctl: key too long");
        return -EINVAL;
    }
    /* The module parameter nf_conntrack.hashsize (kernel command line,
     * modprobe.d) and its sysfs path. */
    if (!strcmp(norm, "nf_conntrack.hashsize") ||
        !strcmp(norm, ".sys.module.nf_conntrack.parameters.hashsize"))
        snprintf(norm, sizeof(norm), NF "buckets");

    const struct ctfw_sysctl_key *k = ctfw_sysctl_lookup(norm);
    if (!k) {
        char path[300], modern[256];
        snprintf(path, sizeof(path), "%s", norm);
        for (char *p = path; *p; p++)
            if (*p == '.')
                *p = '/';
        for (size_t i = 0; i < sizeof(unmodelled_prefixes) /
                                   sizeof(unmodelled_prefixes[0]);
             i++)
            if (!strncmp(norm, unmodelled_prefixes[i],
                         strlen(unmodelled_prefixes[i]))) {
                s->n_ignored++;
                return 0;
            }
        if (!strcmp(norm, NF "count")) {
            /* Read-only; present in every `sysctl -a` snapshot. */
            s->n_ignored++;
            return 0;
        }
        if (is_legacy(norm)) {
            /* A 6.x kernel has no such file: sysctl -p fails on it and
             * goes on. ctfw does the same, as a warning. */
            if (quiet)
                return -ENOENT;
            report(fn, arg, file, line, kcol, CTFW_DIAG_WARNING,
                   "sysctl: cannot stat /proc/sys/%s: No such file or "
                   "directory (ignored: this name does not exist on "
                   "Linux 6.x)",
                   path);
            if (legacy_modern_name(norm, modern, sizeof(modern)))
                report(fn, arg, file, line, kcol, CTFW_DIAG_NOTE,
                       "%s is a 2.6-era name; on Linux 6.x the key is %s",
                       norm, modern);
            else
                report(fn, arg, file, line, kcol, CTFW_DIAG_NOTE,
                       "%s is a 2.6-era name with no Linux 6.x "
                       "counterpart",
                       norm);
            return -ENOENT;
        }
        if (!strncmp(norm, "net.netfilter.", 14) ||
            !strncmp(norm, "net.nf_conntrack", 16)) {
            if (!quiet)
                report(fn, arg, file, line, kcol, CTFW_DIAG_ERROR,
                       "sysctl: cannot stat /proc/sys/%s: No such file "
                       "or directory",
                       path);
            return -ENOENT;
        }
        /* Any other kernel key (kernel.*, vm.*, net.ipv4.tcp_*...):
         * real, but outside what ctfw models. */
        s->n_ignored++;
        return 0;
    }
    if (k->flags & CTFW_SYSCTL_F_READONLY) {
        s->n_ignored++;
        return 0;
    }
    char *end;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    if (end == value || *end || errno == ERANGE || v < k->min ||
        v > k->max) {
        if (!quiet)
            report(fn, arg, file, line, vcol, CTFW_DIAG_ERROR,
                   "sysctl: setting key \"%s\": Invalid argument",
                   k->name);
        return -EINVAL;
    }
    s->val[k->id] = v;
    s->set[k->id] = true;
    if (k->id == CTFW_SYSCTL_NF_CONNTRACK_BUCKETS) {
        /* Resizes round up to a multiple of 512 (nf_conntrack_hash_resize
         * via nf_ct_alloc_hashtable's PAGE_SIZE/sizeof(hlist) rounding). */
        s->val[k->id] = (v + 511) / 512 * 512;
        if (!strcmp(key, "nf_conntrack.hashsize") ||
            strstr(key, "parameters"))
            s->hashsize_param = true;
        /* With hashsize given at module load, 6.x sets max = 8 x
         * hashsize unless max itself is set. */
        if (s->hashsize_param && !s->set[CTFW_SYSCTL_NF_CONNTRACK_MAX])
            s->val[CTFW_SYSCTL_NF_CONNTRACK_MAX] = 8 * s->val[k->id];
    }
    return 0;
}

int
ctfw_sysctl_set(struct ctfw_sysctl *s, const char *key, const char *value,
                ctfw_sysctl_diag_fn diag, void *arg)
{
    return set_located(s, key, value, false, NULL, 0, 0, 0, diag, arg);
}

int
ctfw_sysctl_parse(struct ctfw_sysctl *s, const char *text, size_t len,
                  const char *file, ctfw_sysctl_diag_fn diag, void *arg)
{
    struct ctfw_sysctl_parse_params p = {
        .file = file, .diag = diag, .diag_arg = arg};
    return ctfw_sysctl_parse_ex(s, text, len, &p);
}

/* Tell the line callback what one setting line was. */
static void
visit_line(const struct ctfw_sysctl_parse_params *p, const char *key,
           unsigned line, unsigned kcol, unsigned vcol, int rc)
{
    char norm[256], modern[256];
    if (!p->line || !normalise(key, norm, sizeof(norm)))
        return;
    struct ctfw_sysctl_line l = {
        .file = p->file, .line = line, .kcol = kcol, .vcol = vcol,
        .key = norm, .rc = rc};
    if (!strcmp(norm, "nf_conntrack.hashsize") ||
        !strcmp(norm, ".sys.module.nf_conntrack.parameters.hashsize"))
        l.k = ctfw_sysctl_key(CTFW_SYSCTL_NF_CONNTRACK_BUCKETS);
    else
        l.k = ctfw_sysctl_lookup(norm);
    l.legacy = !l.k && is_legacy(norm);
    if (l.legacy && legacy_modern_name(norm, modern, sizeof(modern)))
        l.modern = modern;
    l.snapshot_only = !strcmp(norm, NF "count");
    p->line(p->line_arg, &l);
}

int
ctfw_sysctl_parse_ex(struct ctfw_sysctl *s, const char *text, size_t len,
                     const struct ctfw_sysctl_parse_params *p)
{
    const char *file = p->file;
    ctfw_sysctl_diag_fn diag = p->diag;
    void *arg = p->diag_arg;
    int errors = 0;
    unsigned lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        size_t eol = pos;
        while (eol < len && text[eol] != '\n')
            eol++;
        lineno++;
        char line[4200];
        size_t n = eol - pos;
        if (n >= sizeof(line)) {
            report(diag, arg, file, lineno, 1, CTFW_DIAG_ERROR,
                   "sysctl: line too long");
            errors++;
            pos = eol + 1;
            continue;
        }
        memcpy(line, text + pos, n);
        line[n] = '\0';
        if (n && line[n - 1] == '\r')
            line[--n] = '\0';
        pos = eol + 1;

        size_t i = 0;
        while (line[i] == ' ' || line[i] == '\t')
            i++;
        if (!line[i] || line[i] == '#' || line[i] == ';')
            continue;
        bool quiet = false;
        if (line[i] == '-') {
            quiet = true;
            i++;
        }
        unsigned kcol = (unsigned)i + 1;
        char *eq = strchr(line + i, '=');
        if (!eq) {
            report(diag, arg, file, lineno, kcol, CTFW_DIAG_ERROR,
                   "sysctl: malformed setting (no '=')");
            errors++;
            continue;
        }
        char *kend = eq;
        while (kend > line + i && (kend[-1] == ' ' || kend[-1] == '\t'))
            kend--;
        *kend = '\0';
        char *v = eq + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        char *vend = v + strlen(v);
        while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
            *--vend = '\0';
        if (!line[i]) {
            report(diag, arg, file, lineno, kcol, CTFW_DIAG_ERROR,
                   "sysctl: malformed setting (empty key)");
            errors++;
            continue;
        }
        int rc = set_located(s, line + i, v, quiet, file, lineno, kcol,
                             (unsigned)(v - line) + 1, diag, arg);
        visit_line(p, line + i, lineno, kcol, (unsigned)(v - line) + 1, rc);
        /* Legacy names are warnings (sysctl -p goes on past them); an
         * unknown netfilter key or a bad value is an error. */
        char norm[256];
        bool legacy = normalise(line + i, norm, sizeof(norm)) &&
                      is_legacy(norm);
        if (rc == -EINVAL || (rc == -ENOENT && !quiet && !legacy))
            errors++;
    }
    return errors;
}

size_t
ctfw_sysctl_format(const struct ctfw_sysctl *s, char *buf, size_t len)
{
    size_t need = 0;
    for (int i = 0; i < CTFW_SYSCTL_COUNT; i++) {
        int n = snprintf(need < len ? buf + need : NULL,
                         need < len ? len - need : 0, "%s = %lld\n",
                         keys[i].name, (long long)s->val[keys[i].id]);
        if (n > 0)
            need += (size_t)n;
    }
    return need;
}
