// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The parts of ctfw live every data path shares (cli/live.h): rules
 * loading and atomic reload, LOG output, the control socket's commands
 * (answered as conntrack-tools 1.4.7 and iptables 1.8.9 answer,
 * reference/user-conventions.md §1.3), /metrics with node_exporter's
 * conntrack names (§2.1), and the final dump.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"
#include "ctfw/ct.h"
#include "ctfw/rules.h"
#include "io/ctl.h"
#include "io/metrics.h"
#include "live.h"

#define CONNTRACK_PFX "conntrack v1.4.7 (conntrack-tools): "

/* A `conntrack -E` client. */
struct live_sub {
    int fd;
    unsigned types;          /* 1 << enum ctfw_ct_event_type */
    unsigned fmt;            /* CTFW_CT_FMT_* */
    struct ct_filter *flt;   /* heap */
};

struct ct_filter;
static bool ct_filter_match(const struct ct_filter *flt,
                            const struct ctfw_ct_entry *e);
static void sub_drop(struct live *lv, unsigned i);

/* Every conntrack event goes to the -E clients that want it, without
 * ever blocking: a client that cannot take a line is dropped. */
static void
ct_event_cb(void *arg, const struct ctfw_ct_event *ev)
{
    struct live *lv = arg;
    char line[1024];
    int len = -1;
    for (unsigned i = 0; i < lv->n_subs;) {
        struct live_sub *sb = &lv->subs[i];
        if (!(sb->types & (1u << ev->type)) ||
            !ct_filter_match(sb->flt, ev->entry)) {
            i++;
            continue;
        }
        len = ctfw_ct_format_event(ctfw_pipeline_conntrack(lv->pl), ev,
                                   sb->fmt, line, sizeof(line) - 1);
        if (len < 0 || (size_t)len >= sizeof(line) - 1)
            len = (int)strlen(line);
        line[len] = '\n';
        if (write(sb->fd, line, (size_t)len + 1) != len + 1) {
            sub_drop(lv, i);
            continue;
        }
        i++;
    }
}

static void
sub_drop(struct live *lv, unsigned i)
{
    close(lv->subs[i].fd);
    free(lv->subs[i].flt);
    lv->subs[i] = lv->subs[--lv->n_subs];
}

void
live_init(struct live *lv)
{
    memset(lv, 0, sizeof(*lv));
    lv->ctl_fd = -1;
}

void
live_fini(struct live *lv)
{
    while (lv->n_subs)
        sub_drop(lv, 0);
    free(lv->subs);
    ctfw_http_stop(lv->http);
    if (lv->ctl_fd >= 0) {
        close(lv->ctl_fd);
        unlink(lv->ctl_path);
    }
    ctfw_pipeline_free(lv->pl);
    ctfw_rules_free(lv->rs4);
    ctfw_rules_free(lv->rs6);
    if (lv->logf)
        fclose(lv->logf);
    if (lv->log_syslog)
        closelog();
}

int
live_load_rules(const char *path, int family, bool counters, bool legacy,
                FILE *err, struct ctfw_ruleset **out)
{
    char *text;
    size_t len;
    int rc = cli_read_file(path, &text, &len);
    if (rc < 0) {
        fprintf(err, "ctfw: %s: %s\n", path, strerror(-rc));
        return -1;
    }
    struct ctfw_ruleset *rs = ctfw_rules_new(family);
    if (!rs) {
        free(text);
        fprintf(err, "ctfw: out of memory\n");
        return -1;
    }
    struct ctfw_rules_parse_params pp = {.filename = path,
                                         .counters = counters,
                                         .legacy = legacy};
    rc = ctfw_rules_parse(rs, &pp, text, len);
    free(text);
    if (rc < 0) {
        size_t n = cli_rules_print_diags(err, rs, true);
        fprintf(err, "ctfw: %s: %zu error%s; the running rules are "
                "unchanged\n", path, n, n == 1 ? "" : "s");
        ctfw_rules_free(rs);
        return -1;
    }
    bool is_target;
    const char *name = ctfw_rules_unevaluated(rs, &is_target);
    const char *helper = ctfw_rules_unknown_helper(rs);
    if (helper || name) {
        if (helper)
            fprintf(err, "ctfw: %s: -j CT --helper %s: ctfw implements the "
                    "ftp helper only\n", path, helper);
        else
            fprintf(err, "ctfw: %s: the %s '%s' is parsed but not "
                    "evaluated by this version of ctfw\n", path,
                    is_target ? "target" : "match", name);
        fprintf(err, "ctfw: %s: the running rules are unchanged\n", path);
        ctfw_rules_free(rs);
        return -1;
    }
    *out = rs;
    return 0;
}

/* ------------------------------------------------------------------ */
/* LOG output */

static void
log_cb(void *arg, uint64_t now_ns, int level, const char *line)
{
    struct live *lv = arg;
    if (lv->logf)
        /* The dmesg layout: seconds since boot (CLOCK_MONOTONIC is the
         * same clock, suspend aside). */
        fprintf(lv->logf, "[%5" PRIu64 ".%06" PRIu64 "] %s\n",
                now_ns / 1000000000u, now_ns % 1000000000u / 1000u, line);
    else if (lv->log_syslog)
        syslog(LOG_DAEMON | (level >= 0 && level <= 7 ? level : LOG_WARNING),
               "%s", line);
}

void
live_log_flush(struct live *lv)
{
    if (lv->logf)
        fflush(lv->logf);
    if (lv->http)
        ctfw_http_run(lv->http);   /* connection timeouts */
}

/* ------------------------------------------------------------------ */
/* /metrics */

struct metric {
    const char *name, *help;
};

static void
gauge(FILE *f, const char *name, const char *help, uint64_t v)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n%s %" PRIu64 "\n", name, help,
            name, name, v);
}

static void
counter(FILE *f, const char *name, const char *help, uint64_t v)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %" PRIu64 "\n", name,
            help, name, name, v);
}

static char *
metrics_text(void *arg, size_t *len)
{
    struct live *lv = arg;
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        return NULL;
    struct ctfw_ct *ct = ctfw_pipeline_conntrack(lv->pl);
    struct ctfw_ct_stats st;
    ctfw_ct_get_stats(ct, &st);
    /* node_exporter's conntrack collector (collector/conntrack_linux.go):
     * gauges, HELP texts verbatim. ctfw keeps no "ignore" counter, so
     * that one is not exported. */
    gauge(f, "node_nf_conntrack_entries",
          "Number of currently allocated flow entries for connection "
          "tracking.", ctfw_ct_count(ct));
    gauge(f, "node_nf_conntrack_entries_limit",
          "Maximum size of connection tracking table.",
          (uint64_t)ctfw_ct_get_config(ct)->max);
    gauge(f, "node_nf_conntrack_stat_found",
          "Number of searched entries which were successful.", st.found);
    gauge(f, "node_nf_conntrack_stat_invalid",
          "Number of packets seen which can not be tracked.", st.invalid);
    gauge(f, "node_nf_conntrack_stat_insert",
          "Number of entries inserted into the list.", st.insert);
    gauge(f, "node_nf_conntrack_stat_insert_failed",
          "Number of entries for which list insertion was attempted but "
          "failed.", st.insert_failed);
    gauge(f, "node_nf_conntrack_stat_drop",
          "Number of packets dropped due to conntrack failure.", st.drop);
    gauge(f, "node_nf_conntrack_stat_early_drop",
          "Number of dropped conntrack entries to make room for new ones, "
          "if maximum table size was reached.", st.early_drop);
    gauge(f, "node_nf_conntrack_stat_search_restart",
          "Number of conntrack table lookups which had to be restarted due "
          "to hashtable resizes.", st.search_restart);
    counter(f, "ctfw_packets_accepted_total",
            "IP packets the rules accepted.", lv->c.accept);
    fprintf(f, "# HELP ctfw_packets_dropped_total IP packets dropped, by "
            "reason.\n# TYPE ctfw_packets_dropped_total counter\n");
    for (int r = 1; r < CTFW_DROP_REASON_COUNT; r++)
        fprintf(f, "ctfw_packets_dropped_total{reason=\"%s\"} %" PRIu64 "\n",
                ctfw_drop_reason_name((enum ctfw_drop_reason)r),
                lv->c.drops[r]);
    counter(f, "ctfw_frames_not_ip_total",
            "Frames bridged untouched (ARP and other non-IP).", lv->c.not_ip);
    counter(f, "ctfw_fragments_held_total",
            "IP fragments held for reassembly.", lv->c.queued);
    counter(f, "ctfw_rule_reloads_total", "Successful rule reloads.",
            lv->c.reloads);
    counter(f, "ctfw_rule_reload_errors_total",
            "Reloads refused (the running rules were kept).",
            lv->c.reload_errors);
    fprintf(f, "# HELP ctfw_uptime_seconds Seconds since ctfw live "
            "started.\n# TYPE ctfw_uptime_seconds gauge\n"
            "ctfw_uptime_seconds %.3f\n",
            (double)(live_now() - lv->start_ns) / 1e9);
    fclose(f);
    return buf;
}

/* ------------------------------------------------------------------ */
/* Start-up, counting, dump */

int
live_start(struct live *lv, const char *ctl_path, const char *metrics,
           void (*on_output)(void *, uint64_t, const uint8_t *, size_t,
                             size_t),
           void *output_arg)
{
    char err[512];
    lv->start_ns = live_now();
    if (lv->log_path) {
        if (!strcmp(lv->log_path, "syslog")) {
            openlog("ctfw", LOG_NDELAY | LOG_PID, LOG_DAEMON);
            lv->log_syslog = true;
        } else {
            lv->logf = fopen(lv->log_path, "a");
            if (!lv->logf) {
                cli_error("%s: %s", lv->log_path, strerror(errno));
                return -1;
            }
        }
    }
    struct ctfw_pipeline_params pp = {
        .rules4 = lv->rs4,
        .rules6 = lv->rs6,
        .host = lv->host,
        .sysctl = &lv->sys,
        .seed = lv->have_seed ? lv->seed
                              : (uint64_t)lv->start_ns ^
                                    ((uint64_t)getpid() << 32),
        .start_ns = lv->start_ns,
        .legacy = lv->legacy,
        .on_log = log_cb,
        .log_arg = lv,
        .on_output = on_output,
        .output_arg = output_arg,
        .on_ct_event = ct_event_cb,
        .ct_event_arg = lv,
    };
    if (ctfw_pipeline_new(&pp, &lv->pl) < 0) {
        cli_error("out of memory");
        return -1;
    }
    if (ctl_path) {
        int fd = ctfw_ctl_listen(ctl_path, err, sizeof(err));
        if (fd < 0) {
            cli_error("control socket: %s", err);
            return -1;
        }
        lv->ctl_fd = fd;
        lv->ctl_path = ctl_path;
    }
    if (metrics) {
        lv->http = ctfw_http_start(metrics, metrics_text, lv, err,
                                   sizeof(err));
        if (!lv->http) {
            cli_error("--metrics: %s", err);
            return -1;
        }
    }
    return 0;
}

void
live_count(struct live *lv, const struct ctfw_pipeline_result *res)
{
    if (res->flags & CTFW_PIPELINE_QUEUED)
        lv->c.queued++;
    else if (res->accept)
        lv->c.accept++;
    else {
        lv->c.drop++;
        if (res->reason < CTFW_DROP_REASON_COUNT)
            lv->c.drops[res->reason]++;
    }
}

static void
save_counters(struct live *lv, FILE *f)
{
    struct ctfw_ruleset *sets[2] = {lv->rs4, lv->rs6};
    for (int i = 0; i < 2; i++) {
        if (!sets[i])
            continue;
        char *text;
        size_t len;
        struct ctfw_rules_save_params sp = {.counters = true,
                                            .legacy = lv->legacy};
        if (ctfw_rules_save(sets[i], &sp, &text, &len) == 0) {
            fwrite(text, 1, len, f);
            free(text);
        }
    }
}

void
live_final_dump(struct live *lv, const char *path)
{
    FILE *f = path ? fopen(path, "w") : stdout;
    if (!f) {
        cli_error("%s: %s", path, strerror(errno));
        f = stdout;
    }
    ctfw_pipeline_advance(lv->pl, live_now());
    save_counters(lv, f);
    char buf[4096];
    ctfw_ct_format_stats(ctfw_pipeline_conntrack(lv->pl), 1, buf,
                         sizeof(buf));
    fprintf(f, "%s\n", buf);
    fflush(f);
    if (f != stdout)
        fclose(f);
}

/* ------------------------------------------------------------------ */
/* Reload */

static int
reload(struct live *lv, const char *p4, const char *p6, bool counters,
       FILE *err)
{
    struct ctfw_ruleset *n4 = NULL, *n6 = NULL;
    if (p4 && live_load_rules(p4, CTFW_RULES_IPV4, counters, lv->legacy,
                              err, &n4) < 0)
        goto bad;
    if (p6 && live_load_rules(p6, CTFW_RULES_IPV6, counters, lv->legacy,
                              err, &n6) < 0)
        goto bad;
    /* All parsed: swap at once. A family without a new file keeps its
     * rules. */
    struct ctfw_ruleset *o4 = lv->rs4, *o6 = lv->rs6;
    if (n4)
        lv->rs4 = n4;
    if (n6)
        lv->rs6 = n6;
    ctfw_pipeline_set_rules(lv->pl, lv->rs4, lv->rs6);
    if (n4)
        ctfw_rules_free(o4);
    if (n6)
        ctfw_rules_free(o6);
    lv->c.reloads++;
    return 0;
bad:
    ctfw_rules_free(n4);
    ctfw_rules_free(n6);
    lv->c.reload_errors++;
    return -1;
}

void
live_reload_signal(struct live *lv)
{
    if (reload(lv, lv->rules4_path, lv->rules6_path, false, stderr) == 0)
        fprintf(stderr, "ctfw: SIGHUP: rules reloaded\n");
}

/* ------------------------------------------------------------------ */
/* Control commands */

/* conntrack's filter options that ctfw supports. */
struct ct_filter {
    int family;              /* 0, 4, 6 */
    int proto;               /* -1: any */
    bool has_src, has_dst;
    int src_family, dst_family;
    union ctfw_addr src, dst;
    unsigned src_plen, dst_plen;
    int sport, dport;        /* -1: any */
};

static int
parse_cidr(const char *s, int *family, union ctfw_addr *a, unsigned *plen)
{
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%s", s);
    char *slash = strchr(tmp, '/');
    if (slash)
        *slash = '\0';
    memset(a, 0, sizeof(*a));
    if (inet_pton(AF_INET, tmp, a->b) == 1) {
        *family = 4;
        *plen = 32;
    } else if (inet_pton(AF_INET6, tmp, a->b) == 1) {
        *family = 6;
        *plen = 128;
    } else {
        return -1;
    }
    if (slash) {
        char *end;
        unsigned long v = strtoul(slash + 1, &end, 10);
        if (*end || !slash[1] || v > *plen)
            return -1;
        *plen = (unsigned)v;
    }
    return 0;
}

static bool
prefix_match(const union ctfw_addr *a, const union ctfw_addr *p,
             unsigned plen)
{
    unsigned full = plen / 8, rest = plen % 8;
    if (memcmp(a->b, p->b, full))
        return false;
    if (!rest)
        return true;
    uint8_t m = (uint8_t)(0xff << (8 - rest));
    return (a->b[full] & m) == (p->b[full] & m);
}

static bool
ct_filter_match(const struct ct_filter *flt, const struct ctfw_ct_entry *e)
{
    uint8_t fam = ctfw_ct_entry_family(e);
    if (flt->family && fam != flt->family)
        return false;
    uint8_t proto = ctfw_ct_entry_proto(e);
    if (flt->proto >= 0 && proto != flt->proto)
        return false;
    struct ctfw_ct_tuple t;
    ctfw_ct_entry_tuple(e, CTFW_CT_DIR_ORIGINAL, &t);
    if (flt->has_src && (fam != flt->src_family ||
                         !prefix_match(&t.src, &flt->src, flt->src_plen)))
        return false;
    if (flt->has_dst && (fam != flt->dst_family ||
                         !prefix_match(&t.dst, &flt->dst, flt->dst_plen)))
        return false;
    bool ports = proto == 6 || proto == 17 || proto == 132 || proto == 33 ||
                 proto == 136;
    if (flt->sport >= 0 && (!ports || t.sport != flt->sport))
        return false;
    if (flt->dport >= 0 && (!ports || t.dport != flt->dport))
        return false;
    return true;
}

static int
ct_usage(FILE *err, const char *what, const char *arg)
{
    fputs(CONNTRACK_PFX, err);
    if (!strcmp(what, "unknown"))
        fprintf(err, "unknown option `%s'", arg);
    else if (!strcmp(what, "requires"))
        fprintf(err, "option `%s' requires an argument", arg);
    else if (!strcmp(what, "proto"))
        fprintf(err, "`%s' unsupported protocol", arg);
    else if (!strcmp(what, "bad"))
        fprintf(err, "Bad parameter `%s'", arg);
    else
        fputs(what, err);
    fputs("\nTry `conntrack -h' or 'conntrack --help' for more "
          "information.\n", err);
    return 2;
}

/* cmd_conntrack() kept the client's fd (conntrack -E). */
#define LIVE_TOOK_FD (-100)

static int
cmd_conntrack(struct live *lv, int cfd, int argc, char **argv, FILE *out,
              FILE *err)
{
    char cmd = 0;
    unsigned fmt = 0, types = 7;
    struct ct_filter flt = {.proto = -1, .sport = -1, .dport = -1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        char c = 0;
        if (!strcmp(a, "-L") || !strcmp(a, "--dump"))
            c = 'L';
        else if (!strcmp(a, "-S") || !strcmp(a, "--stats"))
            c = 'S';
        else if (!strcmp(a, "-C") || !strcmp(a, "--count"))
            c = 'C';
        else if (!strcmp(a, "-F") || !strcmp(a, "--flush"))
            c = 'F';
        else if (!strcmp(a, "-D") || !strcmp(a, "--delete"))
            c = 'D';
        else if (!strcmp(a, "-E") || !strcmp(a, "--event"))
            c = 'E';
        if (c) {
            if (cmd)
                return ct_usage(err, "Invalid parameters", "");
            cmd = c;
            continue;
        }
        bool takes = !strcmp(a, "-p") || !strcmp(a, "--proto") ||
                     !strcmp(a, "--protonum") || !strcmp(a, "-s") ||
                     !strcmp(a, "--src") || !strcmp(a, "--orig-src") ||
                     !strcmp(a, "-d") || !strcmp(a, "--dst") ||
                     !strcmp(a, "--orig-dst") || !strcmp(a, "--sport") ||
                     !strcmp(a, "--orig-port-src") ||
                     !strcmp(a, "--dport") ||
                     !strcmp(a, "--orig-port-dst") || !strcmp(a, "-f") ||
                     !strcmp(a, "--family") || !strcmp(a, "-o") ||
                     !strcmp(a, "--output") || !strcmp(a, "-e") ||
                     !strcmp(a, "--event-mask");
        if (!takes)
            return ct_usage(err, a[0] == '-' ? "unknown" : "bad", a);
        if (!v)
            return ct_usage(err, "requires", a);
        i++;
        if (!strcmp(a, "-p") || !strcmp(a, "--proto") ||
            !strcmp(a, "--protonum")) {
            static const struct {
                const char *n;
                int p;
            } protos[] = {{"tcp", 6},   {"udp", 17},     {"icmp", 1},
                          {"icmpv6", 58}, {"sctp", 132}, {"dccp", 33},
                          {"udplite", 136}, {"gre", 47}};
            flt.proto = -1;
            for (size_t k = 0; k < sizeof(protos) / sizeof(protos[0]); k++)
                if (!strcmp(v, protos[k].n))
                    flt.proto = protos[k].p;
            if (flt.proto < 0) {
                char *end;
                unsigned long n = strtoul(v, &end, 10);
                if (*end || !v[0] || n > 255)
                    return ct_usage(err, "proto", v);
                flt.proto = (int)n;
            }
        } else if (a[1] == 's' || !strcmp(a, "--src") ||
                   !strcmp(a, "--orig-src")) {
            if (parse_cidr(v, &flt.src_family, &flt.src, &flt.src_plen) < 0)
                return ct_usage(err, "bad", v);
            flt.has_src = true;
        } else if (!strcmp(a, "-d") || !strcmp(a, "--dst") ||
                   !strcmp(a, "--orig-dst")) {
            if (parse_cidr(v, &flt.dst_family, &flt.dst, &flt.dst_plen) < 0)
                return ct_usage(err, "bad", v);
            flt.has_dst = true;
        } else if (!strcmp(a, "--sport") || !strcmp(a, "--orig-port-src") ||
                   !strcmp(a, "--dport") || !strcmp(a, "--orig-port-dst")) {
            char *end;
            unsigned long n = strtoul(v, &end, 10);
            if (*end || !v[0] || n > 65535)
                return ct_usage(err, "bad", v);
            if (strstr(a, "sport") || strstr(a, "port-src"))
                flt.sport = (int)n;
            else
                flt.dport = (int)n;
        } else if (!strcmp(a, "-f") || !strcmp(a, "--family")) {
            if (!strcmp(v, "ipv4"))
                flt.family = 4;
            else if (!strcmp(v, "ipv6"))
                flt.family = 6;
            else
                return ct_usage(err, "proto", v);
        } else if (!strcmp(a, "-e") || !strcmp(a, "--event-mask")) {
            char tmp[128];
            snprintf(tmp, sizeof(tmp), "%s", v);
            types = 0;
            for (char *t = strtok(tmp, ","); t; t = strtok(NULL, ",")) {
                if (!strcmp(t, "NEW"))
                    types |= 1u << CTFW_CT_EVENT_NEW;
                else if (!strcmp(t, "UPDATE"))
                    types |= 1u << CTFW_CT_EVENT_UPDATE;
                else if (!strcmp(t, "DESTROY"))
                    types |= 1u << CTFW_CT_EVENT_DESTROY;
                else if (!strcmp(t, "ALL"))
                    types = 7;
                else
                    return ct_usage(err, "bad", t);
            }
        } else {   /* -o */
            char tmp[128];
            snprintf(tmp, sizeof(tmp), "%s", v);
            for (char *s = strtok(tmp, ","); s; s = strtok(NULL, ",")) {
                if (!strcmp(s, "extended"))
                    fmt |= CTFW_CT_FMT_EXTENDED;
                else if (!strcmp(s, "id"))
                    fmt |= CTFW_CT_FMT_ID;
                else
                    return ct_usage(err, "bad", s);
            }
        }
    }
    if (!cmd)
        return ct_usage(err, "no command specified", "");
    struct ctfw_ct *ct = ctfw_pipeline_conntrack(lv->pl);
    uint64_t now = live_now();
    char buf[4096];
    switch (cmd) {
    case 'S':
        ctfw_ct_format_stats(ct, 1, buf, sizeof(buf));
        fprintf(out, "%s\n", buf);
        return 0;
    case 'C':
        ctfw_ct_format_count(ct, buf, sizeof(buf));
        fprintf(out, "%s\n", buf);
        return 0;
    case 'E': {
        if (lv->n_subs == LIVE_SUBS_MAX) {
            fprintf(err, "ctfw: too many conntrack -E clients (%d)\n",
                    LIVE_SUBS_MAX);
            return 1;
        }
        if (!lv->subs)
            lv->subs = calloc(LIVE_SUBS_MAX, sizeof(*lv->subs));
        struct ct_filter *copy = malloc(sizeof(*copy));
        if (!lv->subs || !copy) {
            free(copy);
            fputs("ctfw: out of memory\n", err);
            return 1;
        }
        *copy = flt;
        ctfw_ctl_stream_start(cfd);
        lv->subs[lv->n_subs++] = (struct live_sub){
            .fd = cfd, .types = types, .fmt = fmt, .flt = copy};
        return LIVE_TOOK_FD;
    }
    case 'F':
        ctfw_ct_flush(ct, now);
        fputs(CONNTRACK_PFX "connection tracking table has been emptied.\n",
              err);
        return 0;
    default:
        break;
    }
    ctfw_pipeline_advance(lv->pl, now);
    size_t n = ctfw_ct_list(ct, now, NULL, 0);
    const struct ctfw_ct_entry **v = calloc(n ? n : 1, sizeof(*v));
    if (!v) {
        fputs("ctfw: out of memory\n", err);
        return 1;
    }
    n = ctfw_ct_list(ct, now, v, n);
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ct_filter_match(&flt, v[i]))
            continue;
        shown++;
        if (cmd == 'L') {
            ctfw_ct_format_entry(ct, v[i], now, fmt, buf, sizeof(buf));
            fprintf(out, "%s\n", buf);
        } else {
            ctfw_ct_delete(ct, v[i], now);
        }
    }
    free(v);
    if (cmd == 'L') {
        fprintf(err, CONNTRACK_PFX "%zu flow entries have been shown.\n",
                shown);
        return 0;
    }
    if (!shown) {
        fputs(CONNTRACK_PFX "Operation failed: such conntrack doesn't "
              "exist\n", err);
        return 1;
    }
    fprintf(err, CONNTRACK_PFX "%zu flow entries have been deleted.\n",
            shown);
    return 0;
}

static int
cmd_iptables(struct live *lv, int argc, char **argv, FILE *out, FILE *err)
{
    bool v6 = argv[0][0] == 'i' && argv[0][1] == 'p' && argv[0][2] == '6';
    const char *prog = argv[0];
    struct ctfw_ruleset *rs = v6 ? lv->rs6 : lv->rs4;
    bool save = strstr(prog, "-save") != NULL;
    bool counters = false, list = false;
    struct ctfw_rules_list_params lp = {0};
    const char *table = NULL, *chain = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "-t") || !strcmp(a, "--table")) && i + 1 < argc) {
            table = argv[++i];
        } else if (save && (!strcmp(a, "-c") || !strcmp(a, "--counters"))) {
            counters = true;
        } else if (!save && a[0] == '-' && a[1] != '-') {
            for (const char *p = a + 1; *p; p++) {
                if (*p == 'L')
                    list = true;
                else if (*p == 'n')
                    lp.numeric = true;
                else if (*p == 'v')
                    lp.verbose = true;
                else if (*p == 'x')
                    lp.exact = true;
                else {
                    fprintf(err, "%s v1.8.9 (nf_tables): unknown option "
                            "\"-%c\"\nTry `%s -h' or '%s --help' for more "
                            "information.\n", prog, *p, prog, prog);
                    return 2;
                }
            }
        } else if (!save && !strcmp(a, "--line-numbers")) {
            lp.line_numbers = true;
        } else if (!save && (!strcmp(a, "--list")) ) {
            list = true;
        } else if (!save && list && a[0] != '-' && !chain) {
            chain = a;
        } else {
            fprintf(err, "%s v1.8.9 (nf_tables): unknown option \"%s\"\n"
                    "Try `%s -h' or '%s --help' for more information.\n",
                    prog, a, prog, prog);
            return 2;
        }
    }
    if (!save && !list) {
        fprintf(err, "%s v1.8.9 (nf_tables): ctfw ctl answers -L only\n",
                prog);
        return 2;
    }
    if (!rs) {
        fprintf(err, "ctfw: no %s rules loaded\n", v6 ? "IPv6" : "IPv4");
        return 1;
    }
    char *text;
    size_t len;
    int rc;
    if (save) {
        struct ctfw_rules_save_params sp = {
            .table = table, .counters = counters, .legacy = lv->legacy};
        rc = ctfw_rules_save(rs, &sp, &text, &len);
    } else {
        lp.table = table;
        lp.chain = chain;
        rc = ctfw_rules_list(rs, &lp, &text, &len);
    }
    if (rc < 0) {
        fprintf(err, "%s v1.8.9 (nf_tables): table '%s' does not exist\n",
                prog, table ? table : "filter");
        return 1;
    }
    fwrite(text, 1, len, out);
    free(text);
    return 0;
}

static int
cmd_reload(struct live *lv, int argc, char **argv, FILE *out, FILE *err)
{
    const char *p4 = NULL, *p6 = NULL;
    bool counters = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--counters"))
            counters = true;
        else if ((!strcmp(argv[i], "-6") || !strcmp(argv[i], "--rules6")) &&
                 i + 1 < argc)
            p6 = argv[++i];
        else if (argv[i][0] != '-' && !p4)
            p4 = argv[i];
        else {
            fprintf(err, "ctfw: reload: unexpected '%s'\nUsage: reload [-c] "
                    "[FILE] [-6 FILE6]\n", argv[i]);
            return 2;
        }
    }
    if (!p4 && !p6) {
        p4 = lv->rules4_path;
        p6 = lv->rules6_path;
    }
    if (reload(lv, p4, p6, counters, err) < 0)
        return 2;
    fprintf(out, "rules reloaded from %s%s%s\n", p4 ? p4 : "",
            p4 && p6 ? " and " : "", p6 ? p6 : "");
    return 0;
}

static int
dispatch(struct live *lv, int cfd, int argc, char **argv, FILE *out,
         FILE *err)
{
    if (argc == 0) {
        fputs("ctfw: no command\n", err);
        return 2;
    }
    const char *c = argv[0];
    if (!strcmp(c, "conntrack"))
        return cmd_conntrack(lv, cfd, argc, argv, out, err);
    if (!strcmp(c, "iptables") || !strcmp(c, "ip6tables") ||
        !strcmp(c, "iptables-save") || !strcmp(c, "ip6tables-save"))
        return cmd_iptables(lv, argc, argv, out, err);
    if (!strcmp(c, "reload"))
        return cmd_reload(lv, argc, argv, out, err);
    if (!strcmp(c, "status")) {
        fprintf(out, "uptime %.3f s\naccepted %" PRIu64 "\ndropped %" PRIu64
                "\nnot-ip %" PRIu64 "\nheld %" PRIu64 "\nreloads %" PRIu64
                "\nreload-errors %" PRIu64 "\n",
                (double)(live_now() - lv->start_ns) / 1e9, lv->c.accept,
                lv->c.drop, lv->c.not_ip, lv->c.queued, lv->c.reloads,
                lv->c.reload_errors);
        for (int r = 1; r < CTFW_DROP_REASON_COUNT; r++)
            if (lv->c.drops[r])
                fprintf(out, "dropped %s %" PRIu64 "\n",
                        ctfw_drop_reason_name((enum ctfw_drop_reason)r),
                        lv->c.drops[r]);
        if (lv->stats_cb)
            lv->stats_cb(lv->stats_arg, out);
        return 0;
    }
    fprintf(err, "ctfw: unknown control command '%s' (conntrack, iptables, "
            "ip6tables, iptables-save, ip6tables-save, reload, status)\n", c);
    return 2;
}

int
live_poll_fds(struct live *lv, struct pollfd *pfd)
{
    int n = 0;
    if (lv->ctl_fd >= 0)
        pfd[n++] = (struct pollfd){.fd = lv->ctl_fd, .events = POLLIN};
    if (lv->http)
        pfd[n++] = (struct pollfd){.fd = ctfw_http_fd(lv->http),
                                   .events = POLLIN};
    return n;
}

void
live_poll_events(struct live *lv, const struct pollfd *pfd, int n)
{
    for (int i = 0; i < n; i++) {
        if (!(pfd[i].revents & POLLIN))
            continue;
        if (pfd[i].fd == lv->ctl_fd) {
            char req[CTFW_CTL_MAX_REQ];
            char *argv[CTFW_CTL_MAX_ARGS + 1];
            int argc;
            int cfd = ctfw_ctl_accept(lv->ctl_fd, req, sizeof(req), argv,
                                      &argc);
            if (cfd < 0)
                continue;
            char *ob = NULL, *eb = NULL;
            size_t ol = 0, el = 0;
            FILE *out = open_memstream(&ob, &ol);
            FILE *err = open_memstream(&eb, &el);
            int code = 1;
            if (out && err)
                code = dispatch(lv, cfd, argc, argv, out, err);
            if (out)
                fclose(out);
            if (err)
                fclose(err);
            if (code != LIVE_TOOK_FD)
                ctfw_ctl_reply(cfd, code, ob ? ob : "", ob ? ol : 0,
                               eb ? eb : "", eb ? el : 0);
            free(ob);
            free(eb);
        } else if (lv->http) {
            ctfw_http_run(lv->http);
        }
    }
}
