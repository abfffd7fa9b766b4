// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctfw replay -R RULES -r CAPTURE [OPTION]... [EXPRESSION]
 *
 * Plays a capture through the netfilter pipeline on the replay clock
 * (packet timestamps) and reports what the kernel would have done.
 * Everything is checked before the first packet: a bad option, a missing
 * file, rules that do not load or an unknown sysctl key exit 2 without a
 * partial run.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ctfw/flow.h"
#include "ctfw/hook.h"
#include "ctfw/json.h"
#include "ctfw/pkt.h"
#include "ctfw/rules.h"
#include "ctfw/sysctl.h"
#include "io/capture.h"
#include "replay.h"

static void
usage(FILE *out)
{
    fprintf(out,
"Usage: ctfw replay -R RULES -r FILE [OPTION]... [EXPRESSION]\n"
"Play a capture through iptables rules and connection tracking as a\n"
"Linux 6.x kernel would, on the capture's clock.\n"
"\n"
"Inputs:\n"
"  -R, --rules FILE       IPv4 rules: iptables-save output or a script of\n"
"                         iptables commands\n"
"  -6, --rules6 FILE      IPv6 rules (ip6tables-save output or commands)\n"
"  -r, --read FILE        capture (pcap/pcapng, '-' = stdin); repeatable\n"
"  -f, --sysctl FILE      sysctl.conf or `sysctl -a` output; repeatable\n"
"  -s, --set KEY=VALUE    one sysctl (after the files); repeatable\n"
"  EXPRESSION             a tcpdump/BPF filter applied to the capture\n"
"\n"
"Host model (which hooks a packet crosses):\n"
"      --iface NAME=ADDR/PREFIX  an interface and address; repeatable\n"
"      --local ADDR       another local address\n"
"      --route PREFIX=IFACE[,via=GW]\n"
"                         a route ('default=eth1'); via: the gateway, the\n"
"                         next hop MASQUERADE picks its address for;\n"
"                         repeatable\n"
"      --forward          IP forwarding on (also net.ipv4.ip_forward=1)\n"
"      --legacy           iptables-legacy: its table order at INPUT\n"
"                         (security before nat) and iptables-legacy-save's\n"
"                         table order in --save-counters\n"
"\n"
"Outputs (each FILE may be '-' for stdout):\n"
"      --verdicts FILE    one line per packet: number, ACCEPT/DROP, hook\n"
"                         path, deciding table:chain:rule, reason, ctstate\n"
"      --conntrack FILE   the table at the end, as `conntrack -L`\n"
"      --conntrack-stats FILE  as `conntrack -S`\n"
"      --proc FILE        as /proc/net/nf_conntrack\n"
"      --save-counters FILE  as `iptables-save -c`\n"
"      --list FILE        as `iptables -L -n -v -x --line-numbers`\n"
"      --events FILE      as `conntrack -E -o timestamp`\n"
"      --log FILE         kernel log lines (LOG target, table full)\n"
"      --timeline FILE    CSV per --interval: time, entries, limit, by\n"
"                         state, new, drops, early drops\n"
"      --interval SECS    timeline, report and metrics step (default 1)\n"
"      --json FILE        everything above in one JSON document (schema\n"
"                         ctfw-replay/1, docs/json.md)\n"
"      --report FILE      an HTML report: verdict, what-if table, occupancy\n"
"                         by state over time, the table at the peak, rule\n"
"                         counters, inputs with sha256 (self-contained)\n"
"      --openmetrics FILE the sampled series with node_exporter's names\n"
"                         (node_nf_conntrack_entries, ...), for promtool\n"
"                         tsdb create-blocks-from openmetrics\n"
"      --attribution FILE what holds the table at every --interval (states,\n"
"                         rules, ports, sources, /24 and /64 prefixes),\n"
"                         every evicted entry and why, every INVALID or\n"
"                         policy-refused packet and why, the 75 %% and\n"
"                         95 %% alerts (docs/policies.md)\n"
"  -w, --write FILE       the input frames that were dropped (pcap, the\n"
"                         input's link type, nanosecond timestamps)\n"
"      --accepted FILE    the packets as they left the host: forwarded\n"
"                         (TTL - 1) and locally generated packets after\n"
"                         POSTROUTING (NAT applied), and REJECT answers;\n"
"                         pcap of IP packets without link header\n"
"                         (LINKTYPE_RAW, 101)\n"
"\n"
"What-if runs (one read of the capture, one pipeline per scenario):\n"
"      --scenario NAME[:SETTING[,SETTING]...]  repeatable; the first one\n"
"                         gets the outputs above, all get a row in the\n"
"                         table printed at the end. SETTING: KEY=VALUE\n"
"                         (a sysctl after -f/--set; max, buckets,\n"
"                         tcp_timeout_established... are short for\n"
"                         net.netfilter.nf_conntrack_*), rules=FILE,\n"
"                         rules6=FILE (instead of -R/-6), rules+=FILE\n"
"                         (on top of them), sysctl=FILE\n"
"                         or a table-full policy (docs/policies.md):\n"
"                         policy=adaptive|emergency|exempt|src|synproxy\n"
"                         (joined by +), adaptive.start=60%%,\n"
"                         adaptive.end=120%%, emergency.recovery=30%%,\n"
"                         exempt=tcp/22, max-src-states=N,\n"
"                         max-src-conn-rate=N/S, overload=yes|flush,\n"
"                         synproxy=tcp/80|all\n"
"      --causal           a connection whose opening packet a scenario\n"
"                         drops has no later packets there: they are\n"
"                         counted as phantom, not evaluated\n"
"\n"
"Clock:\n"
"      --advance SECS     run the clock this long past the last packet\n"
"                         (see what expires)\n"
"\n"
"  -q, --quiet            no progress on stderr\n"
"  -h, --help             show this help and exit\n"
"\n"
"Example (the incident: a web server whose table fills):\n"
"  ctfw replay -R examples/incident/rules.sh -r examples/incident/web.pcap \\\n"
"      --iface eth0=10.0.0.10/24 --route default=eth0 \\\n"
"      --set net.netfilter.nf_conntrack_max=16 --verdicts - --conntrack -\n"
"Example (what-if: the incident's fixes side by side, an HTML report):\n"
"  ctfw replay -R examples/incident/rules-baseline.v4 -r web.pcap \\\n"
"      --iface eth0=10.0.0.10/24 \\\n"
"      --set net.netfilter.nf_conntrack_max=4096 \\\n"
"      --scenario baseline \\\n"
"      --scenario 'bigger:max=24576,tcp_timeout_established=300' \\\n"
"      --scenario 'notrack:rules=examples/incident/rules.v4' \\\n"
"      --causal --report report.html --openmetrics sim.om\n"
"Example (a router: what it dropped, and what left it):\n"
"  ctfw replay -R rules.v4 -r wan.pcap --forward --iface eth0=192.0.2.1/24 \\\n"
"      --iface eth1=10.0.0.1/24 -w dropped.pcap --accepted out.pcap\n"
"\n"
"Exit status: 0 the replay ran; 1 the capture was damaged (processed up\n"
"to the damage); 2 usage, rules, sysctl or capture errors (nothing ran).\n"
"Formats: ctfw(8), docs/replay.md.\n");
}

int
out_open(struct out_file *o)
{
    if (!o->path)
        return 0;
    if (!strcmp(o->path, "-")) {
        o->f = stdout;
        return 0;
    }
    o->f = fopen(o->path, "w");
    if (!o->f) {
        cli_error("%s: %s", o->path, strerror(errno));
        return -1;
    }
    return 0;
}

int
out_close(struct out_file *o)
{
    int rc = 0;
    if (o->f && o->f != stdout) {
        if (fclose(o->f) != 0) {
            cli_error("%s: %s", o->path, strerror(errno));
            rc = -1;
        }
    } else if (o->f) {
        fflush(o->f);
    }
    o->f = NULL;
    return rc;
}

enum {
    O_IFACE = 256,
    O_LOCAL,
    O_ROUTE,
    O_FORWARD,
    O_LEGACY,
    O_VERDICTS,
    O_CONNTRACK,
    O_CTSTATS,
    O_PROC,
    O_SAVE,
    O_LIST,
    O_EVENTS,
    O_LOG,
    O_TIMELINE,
    O_INTERVAL,
    O_ADVANCE,
    O_JSON,
    O_ACCEPTED,
    O_COUNT_
};

static void
log_cb(void *arg, uint64_t now_ns, int level, const char *line)
{
    struct replay *r = arg;
    (void)level;
    if (strstr(line, "table full, dropping packet")) {
        if (!r->table_full_count)
            r->table_full_first_ns = now_ns;
    }
    if (r->log.f)
        /* dmesg's "[seconds.micro] " prefix, on the replay clock
         * relative to the capture start. */
        fprintf(r->log.f, "[%5" PRIu64 ".%06" PRIu64 "] %s\n",
                (now_ns - r->first_ts) / 1000000000u,
                (now_ns - r->first_ts) % 1000000000u / 1000u, line);
}

/* --accepted: the packets as they left (IP, no link header). */
static void
output_cb(void *arg, uint64_t now_ns, const uint8_t *ip, size_t caplen,
          size_t wirelen)
{
    struct replay *r = arg;
    r->n_output++;
    if (r->accepted_w)
        ctfw_capture_writer_put(r->accepted_w, now_ns, ip, (uint32_t)caplen,
                                (uint32_t)wirelen);
}

static void
event_cb(void *arg, const struct ctfw_ct_event *ev)
{
    struct replay *r = arg;
    if (ev->type == CTFW_CT_EVENT_NEW && r->want_peak &&
        r->n_new_pending < 4)
        r->new_pending[r->n_new_pending++] = ev->entry;
    if (ev->type == CTFW_CT_EVENT_DESTROY && r->want_peak)
        metrics_destroyed(r, ev->entry);
    if (ev->type == CTFW_CT_EVENT_NEW) {
        uint64_t sec = ev->now_ns / 1000000000u;
        if (sec != r->new_sec) {
            r->new_sec = sec;
            r->new_this_sec = 0;
        }
        if (++r->new_this_sec > r->new_peak)
            r->new_peak = r->new_this_sec;
        r->tl_new++;
    } else if (ev->type == CTFW_CT_EVENT_DESTROY) {
        r->destroyed++;
        if (ev->reason <= CTFW_CT_DESTROY_POLICY)
            r->evicted_by[ev->reason]++;
        if (r->attrib.f)
            attrib_evicted(r, ev);
        if (ev->reason == CTFW_CT_DESTROY_EARLY_DROP ||
            ev->reason == CTFW_CT_DESTROY_GC_EVICT) {
            r->early_drops++;
            r->tl_early++;
        }
    }
    if (r->events.f) {
        char line[1024];
        ctfw_ct_format_event(ctfw_pipeline_conntrack(r->pl), ev, 0, line,
                             sizeof(line));
        /* conntrack -E -o timestamp: "[sec.usec]\t" prefix. */
        fprintf(r->events.f, "[%" PRIu64 ".%06" PRIu64 "]\t%s\n",
                ev->now_ns / 1000000000u,
                ev->now_ns % 1000000000u / 1000u, line);
    }
}

/* One --timeline row: the counters by class are kept by lib/ct on every
 * state change, so a row costs no walk of the table (and, unlike a
 * listing, reaps nothing: the timeline does not change the run). */
static void
timeline_row(struct replay *r, uint64_t t_ns)
{
    struct ctfw_ct *ct = ctfw_pipeline_conntrack(r->pl);
    uint32_t by_class[CTFW_CT_CLASS_COUNT] = {0};
    if (ct)
        ctfw_ct_count_by_class(ct, by_class);
    fprintf(r->timeline.f, "%" PRIu64 ".%03" PRIu64 ",%u,%u",
            t_ns / 1000000000u, t_ns % 1000000000u / 1000000u,
            ct ? ctfw_ct_count(ct) : 0, ct ? ctfw_ct_get_config(ct)->max : 0);
    for (int c = 1; c < CTFW_CT_CLASS_COUNT; c++)
        fprintf(r->timeline.f, ",%u", by_class[c]);
    fprintf(r->timeline.f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
            r->tl_new, r->tl_drop, r->tl_early);
    r->tl_new = r->tl_drop = r->tl_early = 0;
}

/* Every --interval tick up to now_ns: the timeline row, the sample of
 * the series (--report, --openmetrics) and the snapshot at the peak. */
static int
tick_until(struct replay *r, uint64_t now_ns)
{
    while (r->ticks && r->tl_next_ns <= now_ns) {
        ctfw_pipeline_advance(r->pl, r->tl_next_ns);
        if (r->timeline.f)
            timeline_row(r, r->tl_next_ns);
        if (r->keep_series && metrics_sample(r, r->tl_next_ns) < 0)
            return -1;
        if (r->want_peak)
            metrics_peak(r, r->tl_next_ns);
        if (r->attrib.f)
            attrib_tick(r, r->tl_next_ns);
        r->tl_next_ns += r->interval_ns;
    }
    return 0;
}

/* --causal: a packet of a refused connection, not evaluated. */
static void
print_phantom(struct replay *r, uint64_t number)
{
    fprintf(r->verdicts.f, "%" PRIu64 " PHANTOM - - causal -\n", number);
}

static void
print_verdict(struct replay *r, uint64_t number,
              const struct ctfw_pipeline_result *res)
{
    FILE *f = r->verdicts.f;
    fprintf(f, "%" PRIu64 " %s ", number, res->accept ? "ACCEPT" : "DROP");
    if (res->flags & CTFW_PIPELINE_NOT_IP) {
        fprintf(f, "- - not-ip -\n");
        return;
    }
    fprintf(f, "%s ", ctfw_host_path_name((enum ctfw_host_path)res->path));
    if (res->table < CTFW_TABLE_COUNT && res->chain) {
        if (res->rule)
            fprintf(f, "%s:%s:%u:%s ",
                    ctfw_table_name((enum ctfw_table)res->table),
                    res->chain, res->rule, res->target);
        else
            fprintf(f, "%s:%s:policy:%s ",
                    ctfw_table_name((enum ctfw_table)res->table),
                    res->chain, res->target);
    } else if (res->target) {
        fprintf(f, "%s ", res->target);
    } else {
        fputs("- ", f);
    }
    if (res->flags & CTFW_PIPELINE_QUEUED)
        fputs("queued ", f);
    else if (res->accept)
        fputs("- ", f);
    else if (res->reason == CTFW_DROP_CT_INVALID ||
             res->reason == CTFW_DROP_CT_POLICY)
        fprintf(f, "%s(%s) ", ctfw_drop_reason_name(res->reason),
                ctfw_ct_reason_name((enum ctfw_ct_reason)res->ct_reason));
    else
        fprintf(f, "%s ", ctfw_drop_reason_name(res->reason));
    fprintf(f, "%s\n", res->ctstate);
}

/* Parse one rules file into rs, as iptables-restore (or the script)
 * would apply it on top of what rs holds; -1 after printing why. */
static int
parse_rules_file(struct ctfw_ruleset *rs, const char *path, bool legacy)
{
    char *text;
    size_t len;
    int rc = cli_read_file(path, &text, &len);
    if (rc < 0) {
        cli_error("%s: %s", path, strerror(-rc));
        return -1;
    }
    struct ctfw_rules_parse_params pp = {.filename = path, .legacy = legacy};
    rc = ctfw_rules_parse(rs, &pp, text, len);
    free(text);
    if (rc < 0) {
        /* As `ctfw rules check`: every error, then what iptables-restore
         * itself would say about the first (it stops there). */
        size_t n = cli_rules_print_diags(stderr, rs, rc != -ENOMEM);
        if (rc == -ENOMEM) {
            cli_error("%s: out of memory", path);
        } else {
            cli_error("%s: %zu error%s; nothing was replayed", path, n,
                      n == 1 ? "" : "s");
        }
        return -1;
    }
    return 0;
}

/* path, then extra on top (a scenario's rules+=FILE; NULL: none). */
static int
load_rules(const char *path, const char *extra, int family, bool legacy,
           struct ctfw_ruleset **out)
{
    struct ctfw_ruleset *rs = ctfw_rules_new(family);
    if (!rs) {
        cli_error("out of memory");
        return -1;
    }
    if (parse_rules_file(rs, path, legacy) < 0 ||
        (extra && parse_rules_file(rs, extra, legacy) < 0)) {
        ctfw_rules_free(rs);
        return -1;
    }
    const char *helper = ctfw_rules_unknown_helper(rs);
    if (helper) {
        cli_error("%s: -j CT --helper %s: ctfw implements the ftp helper "
                  "only; nothing was replayed",
                  path, helper);
        ctfw_rules_free(rs);
        return -1;
    }
    bool is_target;
    const char *name = ctfw_rules_unevaluated(rs, &is_target);
    if (name) {
        if (!is_target && !strcmp(name, "owner"))
            cli_error("%s: the match 'owner' needs the socket that sent a "
                      "packet, which a capture does not record; nothing "
                      "was replayed",
                      path);
        else
            cli_error("%s: the %s '%s' is parsed but not evaluated yet "
                      "by this version of ctfw; nothing was replayed",
                      path, is_target ? "target" : "match", name);
        ctfw_rules_free(rs);
        return -1;
    }
    cli_rules_mode(rs);
    *out = rs;
    return 0;
}

static void
print_summary(struct replay *r, const struct ctfw_sysctl *sys)
{
    struct ctfw_ct *ct = ctfw_pipeline_conntrack(r->pl);
    double span = r->n_pkts ? (double)(r->last_ts - r->first_ts) / 1e9 : 0;
    printf("Actual: %" PRIu64 " packets (%" PRIu64
           " bytes) replayed over %.6f seconds of capture time\n",
           r->n_pkts, r->n_bytes, span);
    printf("Verdicts: %" PRIu64 " accepted, %" PRIu64 " dropped",
           r->n_accept, r->n_drop);
    if (r->n_not_ip)
        printf(", %" PRIu64 " not IP (not netfilter's)", r->n_not_ip);
    if (r->n_held)
        printf(", %" PRIu64 " fragments held by defrag", r->n_held);
    if (r->phantom)
        printf(", %" PRIu64 " not evaluated (--causal: their connection "
               "was refused)", r->phantom);
    printf("\n");
    {
        struct ctfw_pipeline_defrag dg;
        ctfw_pipeline_defrag(r->pl, &dg);
        if (dg.held || dg.reassembled || dg.refused || dg.expired)
            printf("Defrag: %" PRIu64 " datagrams reassembled, %" PRIu64
                   " fragments held, %" PRIu64 " of them dropped later "
                   "(%" PRIu64 " queues expired), %" PRIu64
                   " fragments refused\n",
                   dg.reassembled, dg.held, dg.held_dropped, dg.expired,
                   dg.refused);
    }
    for (int i = 1; i < CTFW_DROP_REASON_COUNT; i++)
        if (r->drops[i])
            printf("  dropped by %-24s %" PRIu64 "\n",
                   ctfw_drop_reason_name((enum ctfw_drop_reason)i),
                   r->drops[i]);
    struct ctfw_pipeline_rejects rj;
    ctfw_pipeline_rejects(r->pl, &rj);
    if (rj.sent || rj.dropped || rj.unsent)
        printf("REJECT answers: %" PRIu64 " sent through OUTPUT, %" PRIu64
               " dropped there, %" PRIu64
               " not sent (no answer to a RST, a broadcast or an ICMP "
               "error, or held back by the ICMP rate limits)\n",
               rj.sent, rj.dropped, rj.unsent);
    if (rj.ratelimit_host || rj.ratelimit_global)
        printf("ICMP rate limits: %" PRIu64 " messages held back per "
               "destination (icmp_ratelimit), %" PRIu64
               " namespace-wide (icmp_msgs_per_sec)\n",
               rj.ratelimit_host, rj.ratelimit_global);
    if (!ctfw_pipeline_conntrack_on(r->pl)) {
        printf("Conntrack: off (no rule needs it, as the kernel "
               "registers it on demand)\n");
        return;
    }
    uint32_t max = ctfw_ct_get_config(ct)->max;
    printf("Conntrack: %u entries at the end, peak %u of %u (%.1f%%)",
           ctfw_ct_count(ct), r->ct_peak, max,
           max ? 100.0 * r->ct_peak / max : 0.0);
    if (r->ct_peak)
        printf(" at +%.3fs", (double)(r->ct_peak_ns - r->first_ts) / 1e9);
    printf("\n");
    printf("Conntrack: new connections per second, peak %" PRIu64 "\n",
           r->new_peak);
    if (r->table_full_count || r->drops[CTFW_DROP_CT_TABLE_FULL])
        printf("Table full: %" PRIu64
               " packets dropped, first at +%.3fs\n",
               r->drops[CTFW_DROP_CT_TABLE_FULL],
               (double)(r->table_full_first_ns - r->first_ts) / 1e9);
    if (r->drops[CTFW_DROP_NAT_EXHAUSTED])
        printf("NAT port exhaustion: %" PRIu64
               " new connections found no free port in their NAT range "
               "(dropped at confirm, counted in insert_failed; the table "
               "was not full)\n",
               r->drops[CTFW_DROP_NAT_EXHAUSTED]);
    struct ctfw_ct_stats st;
    ctfw_ct_get_stats(ct, &st);
    printf("Conntrack stats: found=%" PRIu64 " invalid=%" PRIu64
           " insert=%" PRIu64 " insert_failed=%" PRIu64 " drop=%" PRIu64
           " early_drop=%" PRIu64 " error=%" PRIu64 "\n",
           st.found, st.invalid, st.insert, st.insert_failed, st.drop,
           st.early_drop, st.error);
    (void)sys;
}

static void
json_sink(void *arg, const char *text, size_t len)
{
    fwrite(text, 1, len, (FILE *)arg);
}

static double
secs(uint64_t ns)
{
    return (double)ns / 1e9;
}

/* The replay in one JSON document; schema in docs/json.md. */
static void
write_json(struct replay *r, const char *const *files, size_t n_files,
           const char *rules4, const char *rules6,
           struct replay *const *runs, size_t n_runs, bool causal)
{
    struct ctfw_json j;
    struct ctfw_ct *ct = ctfw_pipeline_conntrack(r->pl);
    ctfw_json_init(&j, json_sink, r->json.f, CTFW_JSON_PRETTY);
    ctfw_json_obj_begin(&j);
    ctfw_json_key(&j, "schema");
    ctfw_json_str(&j, "ctfw-replay/1");
    ctfw_json_key(&j, "inputs");
    ctfw_json_obj_begin(&j);
    ctfw_json_key(&j, "rules4");
    ctfw_json_str(&j, rules4);
    ctfw_json_key(&j, "rules6");
    ctfw_json_str(&j, rules6);
    ctfw_json_key(&j, "captures");
    ctfw_json_arr_begin(&j);
    for (size_t i = 0; i < n_files; i++)
        ctfw_json_str(&j, files[i]);
    ctfw_json_arr_end(&j);
    ctfw_json_obj_end(&j);
    ctfw_json_key(&j, "capture");
    ctfw_json_obj_begin(&j);
    ctfw_json_key(&j, "packets");
    ctfw_json_uint(&j, r->n_pkts);
    ctfw_json_key(&j, "bytes");
    ctfw_json_uint(&j, r->n_bytes);
    ctfw_json_key(&j, "first_time");
    ctfw_json_double(&j, secs(r->first_ts));
    ctfw_json_key(&j, "duration_s");
    ctfw_json_double(&j, secs(r->last_ts - r->first_ts));
    ctfw_json_obj_end(&j);
    ctfw_json_key(&j, "verdicts");
    ctfw_json_obj_begin(&j);
    ctfw_json_key(&j, "accepted");
    ctfw_json_uint(&j, r->n_accept);
    ctfw_json_key(&j, "dropped");
    ctfw_json_uint(&j, r->n_drop);
    if (r->n_held) {
        ctfw_json_key(&j, "held_by_defrag");
        ctfw_json_uint(&j, r->n_held);
    }
    ctfw_json_key(&j, "not_ip");
    ctfw_json_uint(&j, r->n_not_ip);
    ctfw_json_key(&j, "dropped_by");
    ctfw_json_obj_begin(&j);
    for (int i = 1; i < CTFW_DROP_REASON_COUNT; i++) {
        ctfw_json_key(&j, ctfw_drop_reason_name((enum ctfw_drop_reason)i));
        ctfw_json_uint(&j, r->drops[i]);
    }
    ctfw_json_obj_end(&j);
    ctfw_json_obj_end(&j);
    ctfw_json_key(&j, "conntrack");
    ctfw_json_obj_begin(&j);
    ctfw_json_key(&j, "enabled");
    ctfw_json_bool(&j, ctfw_pipeline_conntrack_on(r->pl));
    if (ctfw_pipeline_conntrack_on(r->pl)) {
        struct ctfw_ct_stats st;
        ctfw_ct_get_stats(ct, &st);
        const struct ctfw_ct_config *cfg = ctfw_ct_get_config(ct);
        ctfw_json_key(&j, "limit");
        ctfw_json_uint(&j, cfg->max);
        ctfw_json_key(&j, "buckets");
        ctfw_json_uint(&j, cfg->buckets);
        ctfw_json_key(&j, "entries_end");
        ctfw_json_uint(&j, ctfw_ct_count(ct));
        ctfw_json_key(&j, "peak");
        ctfw_json_uint(&j, r->ct_peak);
        ctfw_json_key(&j, "peak_at_s");
        ctfw_json_double(&j, secs(r->ct_peak_ns - r->first_ts));
        ctfw_json_key(&j, "new_per_second_peak");
        ctfw_json_uint(&j, r->new_peak);
        ctfw_json_key(&j, "table_full_drops");
        ctfw_json_uint(&j, r->drops[CTFW_DROP_CT_TABLE_FULL]);
        ctfw_json_key(&j, "table_full_first_at_s");
        if (r->table_full_count)
            ctfw_json_double(&j, secs(r->table_full_first_ns - r->first_ts));
        else
            ctfw_json_null(&j);
        ctfw_json_key(&j, "early_drops");
        ctfw_json_uint(&j, r->early_drops);
        ctfw_json_key(&j, "stats");
        ctfw_json_obj_begin(&j);
        const struct {
            const char *k;
            uint64_t v;
        } sv[] = {{"found", st.found},
                  {"invalid", st.invalid},
                  {"insert", st.insert},
                  {"insert_failed", st.insert_failed},
                  {"drop", st.drop},
                  {"early_drop", st.early_drop},
                  {"error", st.error},
                  {"search_restart", st.search_restart},
                  {"clash_resolve", st.clash_resolve},
                  {"chaintoolong", st.chaintoolong}};
        for (size_t i = 0; i < sizeof(sv) / sizeof(sv[0]); i++) {
            ctfw_json_key(&j, sv[i].k);
            ctfw_json_uint(&j, sv[i].v);
        }
        ctfw_json_obj_end(&j);
        /* Entries by state at the end (the timeline's columns). */
        uint32_t by_class[CTFW_CT_CLASS_COUNT];
        ctfw_ct_count_by_class(ct, by_class);
        ctfw_json_key(&j, "by_state_end");
        ctfw_json_obj_begin(&j);
        for (int c = 1; c < CTFW_CT_CLASS_COUNT; c++) {
            ctfw_json_key(&j, ctfw_ct_class_name((enum ctfw_ct_class)c));
            ctfw_json_uint(&j, by_class[c]);
        }
        ctfw_json_obj_end(&j);
    }
    ctfw_json_obj_end(&j);
    attrib_json_ticks(&j, r);
    whatif_json(&j, runs, n_runs, causal);
    ctfw_json_obj_end(&j);
    ctfw_json_finish(&j);
}

/* The fate of one evaluated packet in the run's counters. */
static void
account(struct replay *r, const struct ctfw_capture_pkt *cp,
        const struct ctfw_pipeline_result *res)
{
    if (res->flags & CTFW_PIPELINE_NOT_IP)
        r->n_not_ip++;
    if (res->flags & CTFW_PIPELINE_QUEUED) {
        r->n_held++;
    } else if (res->accept) {
        r->n_accept++;
    } else {
        r->n_drop++;
        r->drops[res->reason]++;
        r->tl_drop++;
        if (r->dropped_w && cp->linktype == r->dropped_linktype) {
            ctfw_capture_writer_put(r->dropped_w, cp->ts_ns, cp->data,
                                    cp->caplen, cp->wirelen);
            r->n_written++;
        } else if (r->dropped_w) {
            r->n_other_linktype++;
        }
        if (res->reason == CTFW_DROP_CT_TABLE_FULL) {
            if (!r->table_full_count++)
                r->table_full_first_ns = cp->ts_ns;
        }
    }
    struct ctfw_ct *ct = ctfw_pipeline_conntrack(r->pl);
    if (!ct)
        return;
    uint32_t count = ctfw_ct_count(ct);
    uint32_t max = ctfw_ct_get_config(ct)->max;
    if (count > r->ct_peak) {
        r->ct_peak = count;
        r->ct_peak_ns = cp->ts_ns;
    }
    /* (entries / limit) > 0.75, and entries = limit, first instants. */
    if (max && !r->alert75 && (uint64_t)count * 4 > (uint64_t)max * 3) {
        r->alert75 = true;
        r->alert75_ns = cp->ts_ns;
    }
    if (max && !r->alert95 && (uint64_t)count * 20 > (uint64_t)max * 19) {
        r->alert95 = true;
        r->alert95_ns = cp->ts_ns;
    }
    if (max && !r->filled && count >= max) {
        r->filled = true;
        r->filled_ns = cp->ts_ns;
    }
}

/* An opening attempt's fate in the run's state of its connection. */
static void
flow_update(struct replay *r, uint8_t *st,
            const struct ctfw_pipeline_result *res)
{
    bool dropped = !res->accept && !(res->flags & CTFW_PIPELINE_QUEUED);
    if (dropped) {
        if (*st == FLOW_ST_NONE) {
            *st = FLOW_ST_REFUSED;
            r->refused++;
        }
    } else if (*st == FLOW_ST_REFUSED) {
        *st = FLOW_ST_OPEN;     /* a retry got through */
        r->refused--;
    } else {
        *st = FLOW_ST_OPEN;
    }
}

static void
run_free(struct replay *r)
{
    ctfw_pipeline_free(r->pl);
    ctfw_rules_free(r->rs4);
    ctfw_rules_free(r->rs6);
    free(r->samples);
    metrics_free(r);
    attrib_free(r);
    whatif_free(r);
    free(r);
}

/* Packets read ahead by the replay loop (ctfw_capture_burst(): one
 * pcap_dispatch(), copies that last until the next read), decoded, and
 * their conntrack buckets prefetched before the first of them runs. */
#define REPLAY_BURST 16
/* Bytes of conntrack table (entries and 4 per bucket) from which the
 * burst prefetches: about the size of a last-level cache slice. */
#define REPLAY_PREFETCH_MIN (2u << 20)

struct replay_burst {
    struct ctfw_capture_pkt cp[REPLAY_BURST];
    struct ctfw_pkt pkt[REPLAY_BURST];
    /* Conntrack hints, [run * REPLAY_BURST + packet] (ctfw_ct_prefetch). */
    struct ctfw_ct_hint *hint;
};

static void
burst_free(struct replay_burst *b)
{
    if (!b)
        return;
    free(b->hint);
    free(b);
}

/* One packet of the capture through every run, in order: the capture's
 * connections, then each run's clock, pipeline and outputs. Returns -1
 * when out of memory. */
static int
replay_packet(struct replay **runs, size_t n_runs, struct ctfw_flows *flows,
              bool causal, unsigned *unsupported,
              const struct ctfw_capture_pkt *cp, const struct ctfw_pkt *pkt,
              const struct ctfw_ct_hint *hints)
{
    if (!ctfw_pkt_linktype_supported(cp->linktype) && !(*unsupported)++)
        cli_warn("packet %" PRIu64 ": link type %d is not supported; "
                 "such packets are counted as not IP",
                 cp->number, cp->linktype);
    struct ctfw_flow_pkt fp = {.flow = CTFW_FLOW_NONE};
    if (flows && ctfw_flows_packet(flows, pkt, cp->ts_ns, &fp) < 0)
        return -1;
    uint8_t *fst = fp.flow != CTFW_FLOW_NONE ? ctfw_flows_state(flows, fp.flow)
                                             : NULL;
    /* A legitimate connection (capture-side): a TCP one once a packet
     * after the opening is an ACK without SYN or RST (the client
     * answered the SYN-ACK: spoofed sources never do), another
     * protocol's once the responder answered. */
    if (fst && !fp.opening && !fp.started && !fst[n_runs] &&
        (pkt->proto != 6 ||
         (pkt->tcp_flags & (CTFW_TCP_ACK | CTFW_TCP_SYN | CTFW_TCP_RST)) ==
             CTFW_TCP_ACK)) {
        fst[n_runs] = 1;
        attrib_legit(runs, n_runs, fst, cp->ts_ns);
    }
    unsigned hint = 0;
    bool outgoing = false;
    if (pkt->has & CTFW_PKT_HAS_SLL) {
        hint = pkt->sll_ifindex;
        outgoing = pkt->sll_pkttype == 4;
    }
    for (size_t i = 0; i < n_runs; i++) {
        struct replay *s = runs[i];
        if (tick_until(s, cp->ts_ns) < 0)
            return -1;
        s->n_pkts++;
        s->n_bytes += cp->wirelen;
        s->last_ts = cp->ts_ns;
        /* --causal: the later packets of a connection whose opening
         * this run refused could not have happened. */
        if (causal && fst && fst[i] == FLOW_ST_REFUSED && !fp.opening) {
            s->phantom++;
            if (s->verdicts.f)
                print_phantom(s, cp->number);
            continue;
        }
        struct ctfw_pipeline_result res;
        ctfw_pipeline_ct_hint(s->pl, &hints[i * REPLAY_BURST]);
        ctfw_pipeline_packet(s->pl, pkt, cp->ts_ns, hint, outgoing, &res);
        account(s, cp, &res);
        metrics_created(s, &res);
        if (fst && fp.opening)
            flow_update(s, &fst[i], &res);
        if (s->verdicts.f)
            print_verdict(s, cp->number, &res);
        if (s->attrib.f)
            attrib_packet(s, cp->number, &res);
    }
    return 0;
}

int
cmd_replay(int argc, char **argv)
{
    enum {
        O_SCENARIO = O_COUNT_,
        O_CAUSAL,
        O_REPORT,
        O_OPENMETRICS,
        O_ATTRIBUTION,
    };
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'R'},
        {"rules6", required_argument, NULL, '6'},
        {"read", required_argument, NULL, 'r'},
        {"sysctl", required_argument, NULL, 'f'},
        {"set", required_argument, NULL, 's'},
        {"iface", required_argument, NULL, O_IFACE},
        {"local", required_argument, NULL, O_LOCAL},
        {"route", required_argument, NULL, O_ROUTE},
        {"forward", no_argument, NULL, O_FORWARD},
        {"legacy", no_argument, NULL, O_LEGACY},
        {"verdicts", required_argument, NULL, O_VERDICTS},
        {"conntrack", required_argument, NULL, O_CONNTRACK},
        {"conntrack-stats", required_argument, NULL, O_CTSTATS},
        {"proc", required_argument, NULL, O_PROC},
        {"save-counters", required_argument, NULL, O_SAVE},
        {"list", required_argument, NULL, O_LIST},
        {"events", required_argument, NULL, O_EVENTS},
        {"log", required_argument, NULL, O_LOG},
        {"timeline", required_argument, NULL, O_TIMELINE},
        {"interval", required_argument, NULL, O_INTERVAL},
        {"advance", required_argument, NULL, O_ADVANCE},
        {"json", required_argument, NULL, O_JSON},
        {"write", required_argument, NULL, 'w'},
        {"accepted", required_argument, NULL, O_ACCEPTED},
        {"scenario", required_argument, NULL, O_SCENARIO},
        {"causal", no_argument, NULL, O_CAUSAL},
        {"report", required_argument, NULL, O_REPORT},
        {"openmetrics", required_argument, NULL, O_OPENMETRICS},
        {"attribution", required_argument, NULL, O_ATTRIBUTION},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct replay *r = calloc(1, sizeof(*r));
    struct replay **runs = calloc((size_t)argc + 1, sizeof(*runs));
    size_t n_runs = 0;
    const char *rules4 = NULL, *rules6 = NULL;
    const char **files = calloc((size_t)argc + 1, sizeof(char *));
    const char **sysfiles = calloc((size_t)argc + 1, sizeof(char *));
    const char **scen = calloc((size_t)argc + 1, sizeof(char *));
    char **sets = calloc((size_t)argc + 1, sizeof(char *));
    size_t n_files = 0, n_sets = 0, n_sysfiles = 0, n_scen = 0;
    int sysctl_errors = 0, c, rc = CLI_EXIT_USAGE;
    bool forward = false, legacy = false, quiet = false, causal = false;
    uint64_t advance_ns = 0, interval_ns = 1000000000u;
    char err[512];
    struct ctfw_sysctl sys;
    struct ctfw_host *host = ctfw_host_new();
    struct ctfw_capture *cap = NULL;
    struct ctfw_flows *flows = NULL;
    struct replay_burst *burst = NULL;
    struct out_file report = {0}, om = {0};

    if (!r || !runs || !files || !sysfiles || !scen || !sets || !host) {
        cli_error("out of memory");
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    struct out_file *outs[] = {&r->verdicts, &r->conntrack, &r->ctstats,
                               &r->proc,     &r->save,      &r->list,
                               &r->events,   &r->log,       &r->timeline,
                               &r->json,     &report,       &om,
                               &r->attrib};
    runs[n_runs++] = r;
    ctfw_sysctl_init(&sys);
    optind = 1;
    while ((c = getopt_long(argc, argv, "+R:6:r:f:s:w:qh", opts, NULL)) !=
           -1) {
        switch (c) {
        case 'R':
            rules4 = optarg;
            break;
        case '6':
            rules6 = optarg;
            break;
        case 'r':
            files[n_files++] = optarg;
            break;
        case 'f':
            sysfiles[n_sysfiles++] = optarg;
            sysctl_errors += cli_load_sysctl_file(&sys, optarg);
            break;
        case 's':
            sets[n_sets++] = optarg;
            break;
        case O_IFACE:
            if (ctfw_host_add_iface(host, optarg, err, sizeof(err)) < 0) {
                cli_usage_error("replay", "--iface: %s", err);
                goto out;
            }
            break;
        case O_LOCAL:
            if (ctfw_host_add_local(host, optarg, err, sizeof(err)) < 0) {
                cli_usage_error("replay", "--local: %s", err);
                goto out;
            }
            break;
        case O_ROUTE:
            if (ctfw_host_add_route(host, optarg, err, sizeof(err)) < 0) {
                cli_usage_error("replay", "--route: %s", err);
                goto out;
            }
            break;
        case O_FORWARD:
            forward = true;
            break;
        case O_LEGACY:
            legacy = true;
            break;
        case O_VERDICTS:
            r->verdicts.path = optarg;
            break;
        case O_CONNTRACK:
            r->conntrack.path = optarg;
            break;
        case O_CTSTATS:
            r->ctstats.path = optarg;
            break;
        case O_PROC:
            r->proc.path = optarg;
            break;
        case O_SAVE:
            r->save.path = optarg;
            break;
        case O_LIST:
            r->list.path = optarg;
            break;
        case O_EVENTS:
            r->events.path = optarg;
            break;
        case O_LOG:
            r->log.path = optarg;
            break;
        case O_TIMELINE:
            r->timeline.path = optarg;
            break;
        case O_JSON:
            r->json.path = optarg;
            break;
        case 'w':
            r->dropped_path = optarg;
            break;
        case O_ACCEPTED:
            r->accepted_path = optarg;
            break;
        case O_SCENARIO:
            scen[n_scen++] = optarg;
            break;
        case O_CAUSAL:
            causal = true;
            break;
        case O_REPORT:
            report.path = optarg;
            break;
        case O_OPENMETRICS:
            om.path = optarg;
            break;
        case O_ATTRIBUTION:
            r->attrib.path = optarg;
            break;
        case O_INTERVAL:
        case O_ADVANCE: {
            char *end;
            double v = strtod(optarg, &end);
            if (*end || end == optarg || v < 0 || v > 1e9 ||
                (c == O_INTERVAL && v < 0.001)) {
                cli_usage_error("replay", "invalid %s '%s'",
                                c == O_INTERVAL ? "interval" : "advance",
                                optarg);
                goto out;
            }
            if (c == O_INTERVAL)
                interval_ns = (uint64_t)(v * 1e9);
            else
                advance_ns = (uint64_t)(v * 1e9);
            break;
        }
        case 'q':
            quiet = true;
            break;
        case 'h':
            usage(stdout);
            rc = CLI_EXIT_OK;
            goto out;
        default:
            cli_usage_error("replay", "bad option");
            goto out;
        }
    }
    if (n_files == 0) {
        cli_usage_error("replay", "no capture given (-r FILE)");
        goto out;
    }
    /* The runs: the plain replay, or one per --scenario (the first gets
     * the kernel-format outputs). */
    if (n_scen == 0) {
        r->name = "baseline";
    } else if (whatif_parse(r, scen[0]) < 0) {
        goto out;
    }
    for (size_t i = 1; i < n_scen; i++) {
        struct replay *s = calloc(1, sizeof(*s));
        if (!s) {
            cli_error("out of memory");
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        runs[n_runs++] = s;
        s->index = (unsigned)i;
        if (whatif_parse(s, scen[i]) < 0)
            goto out;
        for (size_t k = 0; k < i; k++)
            if (!strcmp(runs[k]->name, s->name)) {
                cli_usage_error("replay", "--scenario: the name '%s' is "
                                "given twice", s->name);
                goto out;
            }
    }
    for (size_t i = 0; i < n_sets; i++)
        sysctl_errors += cli_apply_sysctl_set(&sys, sets[i]);
    for (size_t i = 0; i < n_runs; i++) {
        struct replay *s = runs[i];
        s->sys = sys;
        int before = sysctl_errors;
        for (size_t k = 0; k < s->n_sets; k++) {
            if (s->sets[k][0] == '@')
                sysctl_errors += cli_load_sysctl_file(&s->sys,
                                                      s->sets[k] + 1);
            else
                sysctl_errors += cli_apply_sysctl_set(&s->sys, s->sets[k]);
        }
        if (sysctl_errors != before)
            cli_error("(in --scenario '%s')", s->spec);
    }
    if (sysctl_errors) {
        cli_error("%d sysctl error%s; nothing was replayed", sysctl_errors,
                  sysctl_errors == 1 ? "" : "s");
        goto out;
    }
    if (forward || ctfw_sysctl_get(&sys, CTFW_SYSCTL_IPV4_IP_FORWARD))
        ctfw_host_set_forward(host, true);
    for (size_t i = 0; i < n_runs; i++) {
        struct replay *s = runs[i];
        if (!s->rules4_path)
            s->rules4_path = rules4;
        if (!s->rules6_path)
            s->rules6_path = rules6;
        if (!s->rules4_path && !s->rules6_path) {
            if (s->spec)
                cli_usage_error("replay", "--scenario '%s': no rules (-R "
                                "FILE, or rules=FILE in the scenario)",
                                s->spec);
            else
                cli_usage_error("replay", "no rules given (-R FILE)");
            goto out;
        }
        if (s->rules4_path &&
            load_rules(s->rules4_path, s->rules4_extra, CTFW_RULES_IPV4,
                       legacy, &s->rs4) < 0)
            goto out;
        if (s->rules6_path &&
            load_rules(s->rules6_path, s->rules6_extra, CTFW_RULES_IPV6,
                       legacy, &s->rs6) < 0)
            goto out;
    }
    char *filter = cli_join_args(argc, argv, optind);
    cap = ctfw_capture_open(files, n_files, filter, err, sizeof(err));
    free(filter);
    if (!cap) {
        cli_error("%s", err);
        goto out;
    }
    struct ctfw_capture_pkt cp;
    int nr = ctfw_capture_next(cap, &cp, err, sizeof(err));
    if (nr < 0) {
        cli_error("%s", err);
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    /* A capture whose link type ctfw cannot decode is refused before
     * anything runs or any output file is written. */
    if (nr == 1 && !ctfw_pkt_linktype_supported(cp.linktype)) {
        cli_error("%s: link type %d is not supported (Ethernet, Linux "
                  "cooked v1/v2, raw IP, BSD loopback, PPP, NFLOG are); "
                  "nothing was replayed",
                  files[cp.file_index], cp.linktype);
        goto out;
    }
    for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
        if (out_open(outs[i]) < 0)
            goto out;
    uint64_t start = nr == 1 ? cp.ts_ns : 0;
    /* -w keeps the input's link type: the first packet's (a later file
     * of another type cannot share the pcap; its drops are counted). An
     * empty capture gives an empty Ethernet pcap. --accepted holds IP
     * packets: DLT_RAW, which libpcap writes as LINKTYPE_RAW (101). */
    r->dropped_linktype = nr == 1 ? cp.linktype : CTFW_LINKTYPE_ETHERNET;
    if (r->dropped_path) {
        r->dropped_w = ctfw_capture_writer_open(
            r->dropped_path, r->dropped_linktype, 262144, err, sizeof(err));
        if (!r->dropped_w) {
            cli_error("%s", err);   /* rc: usage, nothing replayed */
            goto out;
        }
    }
    if (r->accepted_path) {
        r->accepted_w = ctfw_capture_writer_open(
            r->accepted_path, CTFW_LINKTYPE_RAW_OLD, 262144, err,
            sizeof(err));
        if (!r->accepted_w) {
            cli_error("%s", err);   /* rc: usage, nothing replayed */
            goto out;
        }
    }
    for (size_t i = 0; i < n_runs; i++) {
        struct replay *s = runs[i];
        struct ctfw_pipeline_params pp = {
            .rules4 = s->rs4,
            .rules6 = s->rs6,
            .host = host,
            .sysctl = &s->sys,
            .seed = 0x63746677u,
            .start_ns = start,
            .legacy = legacy,
            .on_log = log_cb,
            .log_arg = s,
            .on_ct_event = event_cb,
            .ct_event_arg = s,
            .on_output = output_cb,
            .output_arg = s,
        };
        if (ctfw_pipeline_new(&pp, &s->pl) < 0) {
            cli_error("out of memory");
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        if (s->pol_cfg.flags) {
            /* A table-full policy (docs/policies.md), sized on this
             * run's nf_conntrack_max. */
            struct ctfw_ct *pct = ctfw_pipeline_conntrack(s->pl);
            s->pol = ctfw_policy_new(&s->pol_cfg,
                                     ctfw_ct_get_config(pct)->max);
            if (!s->pol || ctfw_ct_set_policy(pct, s->pol) < 0) {
                cli_error("out of memory");
                rc = CLI_EXIT_FAIL;
                goto out;
            }
        }
        s->interval_ns = interval_ns;
        s->keep_series = report.f || om.f;
        s->want_peak = report.f != NULL || s->attrib.f != NULL;
        s->ticks = s->keep_series || s->timeline.f || s->attrib.f;
        s->tl_next_ns = start;
        s->first_ts = start;
    }
    if (r->timeline.f) {
        fprintf(r->timeline.f, "time,entries,limit");
        for (int k = 1; k < CTFW_CT_CLASS_COUNT; k++)
            fprintf(r->timeline.f, ",%s",
                    ctfw_ct_class_name((enum ctfw_ct_class)k));
        fprintf(r->timeline.f, ",new,drops,early_drops\n");
    }
    /* Capture-side connections: the "refused" column of a what-if run
     * and --causal (include/ctfw/flow.h). */
    if (n_scen || causal || report.f || r->json.f || r->attrib.f) {
        /* One state byte per run, and one shared (attrib.c). */
        flows = ctfw_flows_new((unsigned)n_runs + 1);
        if (!flows) {
            cli_error("out of memory");
            rc = CLI_EXIT_FAIL;
            goto out;
        }
    }
    r->progress = !quiet && isatty(STDERR_FILENO);
    rc = CLI_EXIT_OK;
    unsigned unsupported = 0;
    burst = calloc(1, sizeof(*burst));
    if (burst)
        burst->hint = calloc(n_runs * REPLAY_BURST, sizeof(*burst->hint));
    if (!burst || !burst->hint) {
        cli_error("out of memory");
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    /* The first packet, read above, is a burst of its own. */
    size_t nb = 0;
    if (nr == 1) {
        burst->cp[0] = cp;
        nb = 1;
    }
    for (;;) {
        if (!nb) {
            nr = ctfw_capture_burst(cap, burst->cp, REPLAY_BURST, err,
                                    sizeof(err));
            if (nr == 0)
                break;
            if (nr == -2) {
                cli_error("out of memory");
                rc = CLI_EXIT_FAIL;
                goto out;
            }
            if (nr < 0) {
                /* Reported after the packets before the damage. */
                cli_warn("%s (processed up to the damage)", err);
                rc = CLI_EXIT_FAIL;
                continue;
            }
            nb = (size_t)nr;
        }
        for (size_t k = 0; k < nb; k++)
            ctfw_pkt_decode(&burst->pkt[k], burst->cp[k].linktype,
                            burst->cp[k].data, burst->cp[k].caplen,
                            burst->cp[k].wirelen);
        /* Conntrack lookups in a burst (ctfw_ct_prefetch(), bench B2):
         * every packet's bucket head, then the first entry of each
         * chain, asked for before any packet is evaluated, so their
         * cache misses overlap; each packet's lookup then starts from
         * its hint (ctfw_pipeline_ct_hint(): tuple and hash not made
         * twice). Hints only: nothing a packet sees changes. */
        for (size_t i = 0; i < n_runs; i++) {
            struct ctfw_ct_hint *h = &burst->hint[i * REPLAY_BURST];
            for (size_t k = 0; k < nb; k++)
                h[k].ct = NULL;
            if (!ctfw_pipeline_conntrack_on(runs[i]->pl))
                continue;
            const struct ctfw_ct *pct = ctfw_pipeline_conntrack(runs[i]->pl);
            /* A table that fits in the caches gains nothing and pays
             * the extra hashing (bench B2: slower at 10k entries). */
            if ((uint64_t)ctfw_ct_count(pct) * ctfw_ct_entry_size() +
                    (uint64_t)ctfw_ct_get_config(pct)->buckets * 4 <
                REPLAY_PREFETCH_MIN)
                continue;
            for (size_t k = 0; k < nb; k++)
                ctfw_ct_prefetch(pct, &burst->pkt[k], 0, &h[k]);
            for (size_t k = 0; k < nb; k++)
                ctfw_ct_prefetch_entry(pct, &h[k]);
        }
        for (size_t k = 0; k < nb; k++) {
            if (replay_packet(runs, n_runs, flows, causal, &unsupported,
                              &burst->cp[k], &burst->pkt[k],
                              &burst->hint[k]) < 0) {
                cli_error("out of memory");
                rc = CLI_EXIT_FAIL;
                goto out;
            }
            if (r->progress && (r->n_pkts & 0xfffff) == 0)
                fprintf(stderr, "\r%" PRIu64 " packets", r->n_pkts);
        }
        nb = 0;
    }
    if (r->progress)
        fputc('\n', stderr);
    uint64_t end = r->last_ts + advance_ns;
    for (size_t i = 0; i < n_runs; i++) {
        /* An empty capture has no clock: no tick. */
        if (r->n_pkts && tick_until(runs[i], end) < 0) {
            cli_error("out of memory");
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        ctfw_pipeline_advance(runs[i]->pl, end);
    }

    struct ctfw_ct *ct = ctfw_pipeline_conntrack(r->pl);
    if (ct && (r->conntrack.f || r->proc.f)) {
        size_t n = ctfw_ct_list(ct, end, NULL, 0);
        const struct ctfw_ct_entry **v = calloc(n ? n : 1, sizeof(*v));
        if (v) {
            n = ctfw_ct_list(ct, end, v, n);
            char line[1024];
            for (size_t i = 0; i < n; i++) {
                if (r->conntrack.f) {
                    ctfw_ct_format_entry(ct, v[i], end, 0, line,
                                         sizeof(line));
                    fprintf(r->conntrack.f, "%s\n", line);
                }
                if (r->proc.f) {
                    ctfw_ct_format_proc(ct, v[i], end, line, sizeof(line));
                    fprintf(r->proc.f, "%s\n", line);
                }
            }
            free(v);
        }
    }
    if (r->ctstats.f && ct) {
        char buf[4096];
        ctfw_ct_format_stats(ct, 1, buf, sizeof(buf));
        fprintf(r->ctstats.f, "%s\n", buf);
    }
    struct ctfw_ruleset *sets_rs[2] = {r->rs4, r->rs6};
    for (int i = 0; i < 2; i++) {
        if (!sets_rs[i])
            continue;
        char *text;
        size_t len;
        if (r->save.f) {
            struct ctfw_rules_save_params sp = {.counters = true,
                                                .legacy = legacy};
            if (ctfw_rules_save(sets_rs[i], &sp, &text, &len) == 0) {
                fwrite(text, 1, len, r->save.f);
                free(text);
            }
        }
        if (r->list.f) {
            static const char *const tables[] = {"raw", "mangle", "nat",
                                                 "filter", "security"};
            for (size_t t = 0; t < 5; t++) {
                struct ctfw_rules_list_params lp = {
                    .table = tables[t], .numeric = true, .verbose = true,
                    .exact = true, .line_numbers = true};
                if (ctfw_rules_list(sets_rs[i], &lp, &text, &len) == 0) {
                    if (len)
                        fprintf(r->list.f, "# table %s\n", tables[t]);
                    fwrite(text, 1, len, r->list.f);
                    free(text);
                }
            }
        }
    }
    if (r->json.f)
        write_json(r, files, n_files, r->rules4_path, r->rules6_path,
                   runs, n_runs, causal);
    print_summary(r, &r->sys);
    if (r->dropped_w)
        printf("Written: %" PRIu64 " dropped packets (-w)\n", r->n_written);
    if (r->n_other_linktype)
        cli_warn("%s: %" PRIu64 " dropped packets of another link type "
                 "than the first file's were not written",
                 r->dropped_path, r->n_other_linktype);
    if (r->accepted_w)
        printf("Written: %" PRIu64 " packets that left the host "
               "(--accepted)\n", r->n_output);
    if (n_scen) {
        printf("\n");
        whatif_print_table(stdout, runs, n_runs, causal);
    }
    if (attrib_any_policy(runs, n_runs)) {
        printf("\n");
        attrib_print_table(stdout, runs, n_runs);
    }
    if (r->attrib.f)
        attrib_finish(r);
    if (om.f && metrics_openmetrics(om.f, runs, n_runs) < 0 &&
        rc == CLI_EXIT_OK)
        rc = CLI_EXIT_FAIL;
    if (report.f) {
        /* The report's lint section: ctfw lint over the base inputs. */
        size_t n_lint = 0;
        char **lint = cli_lint_lines(rules4, rules6, sysfiles, n_sysfiles,
                                     &n_lint);
        struct replay_inputs in = {
            .captures = files, .n_captures = n_files,
            .rules4 = rules4, .rules6 = rules6,
            .sysctl_files = sysfiles, .n_sysctl_files = n_sysfiles,
            .causal = causal, .advance_ns = advance_ns,
            .argc = argc, .argv = argv,
            .lint_lines = (const char *const *)lint,
            .n_lint_lines = n_lint,
        };
        if (report_html(report.f, runs, n_runs, &in) < 0 &&
            rc == CLI_EXIT_OK)
            rc = CLI_EXIT_FAIL;
        for (size_t i = 0; i < n_lint; i++)
            free(lint[i]);
        free(lint);
    }
out:
    if (r) {
        if (ctfw_capture_writer_close(r->dropped_w) < 0) {
            cli_error("%s: write error", r->dropped_path);
            if (rc == CLI_EXIT_OK)
                rc = CLI_EXIT_FAIL;
        }
        if (ctfw_capture_writer_close(r->accepted_w) < 0) {
            cli_error("%s: write error", r->accepted_path);
            if (rc == CLI_EXIT_OK)
                rc = CLI_EXIT_FAIL;
        }
        struct out_file *all[] = {&r->verdicts, &r->conntrack, &r->ctstats,
                                  &r->proc,     &r->save,      &r->list,
                                  &r->events,   &r->log,       &r->timeline,
                                  &r->json,     &report,       &om,
                                  &r->attrib};
        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
            if (out_close(all[i]) < 0 && rc == CLI_EXIT_OK)
                rc = CLI_EXIT_FAIL;
    }
    for (size_t i = 0; runs && i < n_runs; i++)
        run_free(runs[i]);
    if (!n_runs)
        free(r);
    ctfw_flows_free(flows);
    burst_free(burst);
    ctfw_capture_close(cap);
    ctfw_host_free(host);
    free(runs);
    free(files);
    free(sysfiles);
    free(scen);
    free(sets);
    return rc;
}
