/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctfw replay's pieces shared between cli/cmd_replay.c (options, the
 * packet loop, the kernel-format outputs), cli/whatif.c (--scenario:
 * parsing, the side-by-side table, the JSON), cli/metrics.c (the
 * sampled series, --openmetrics) and cli/report.c (--report HTML).
 *
 * One struct replay per run: the plain replay is one run; each
 * --scenario is one run with its own rules, sysctls and pipeline, all
 * fed from one read of the capture.
 */
#ifndef CTFW_CLI_REPLAY_H
#define CTFW_CLI_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ctfw/ct.h"
#include "ctfw/hook.h"
#include "ctfw/json.h"
#include "ctfw/policy.h"
#include "ctfw/sysctl.h"

struct ctfw_capture_writer;

struct out_file {
    const char *path;
    FILE *f;
};

int out_open(struct out_file *o);
int out_close(struct out_file *o);

/* One sample of the series, taken at every --interval tick. */
struct replay_sample {
    uint64_t t_ns;
    uint32_t entries, limit;
    uint32_t by_class[CTFW_CT_CLASS_COUNT];
    uint64_t drops;          /* packets dropped, cumulative */
    uint64_t ct_drops;       /* of them: conntrack table full */
    uint64_t rule_drops;     /* of them: rule or policy */
    struct ctfw_ct_stats st; /* conntrack -S counters, cumulative */
};

/* A top-N list of the snapshot at the peak. */
#define REPLAY_TOP 10
struct replay_top {
    char label[64];
    uint32_t count;
};

/* The table at the sampled instant with the most entries (--report). */
struct replay_peak {
    uint64_t t_ns;
    uint32_t entries;        /* 0: no snapshot */
    uint32_t by_class[CTFW_CT_CLASS_COUNT];
    struct replay_top src[REPLAY_TOP], dport[REPLAY_TOP], rule[REPLAY_TOP];
    unsigned n_src, n_dport, n_rule;
    /* Sources by prefix: IPv4 /24, IPv6 /64 (attribution). */
    struct replay_top prefix[REPLAY_TOP];
    unsigned n_prefix;
};

/* Per-run connection state kept by the capture-side flow tracker. */
enum { FLOW_ST_NONE = 0, FLOW_ST_OPEN = 1, FLOW_ST_REFUSED = 2 };

struct replay {
    /* The scenario: its name, the text given, its settings. */
    const char *name;
    const char *spec;
    unsigned index;
    struct ctfw_sysctl sys;
    const char *rules4_path, *rules6_path;
    const char *rules4_extra, *rules6_extra; /* rules+=FILE, on top */
    struct ctfw_ruleset *rs4, *rs6;
    char **sets;             /* KEY=VALUE with full names, or @FILE */
    size_t n_sets;
    char **owned;            /* strings whatif_free() frees */
    size_t n_owned;

    struct out_file verdicts, conntrack, ctstats, proc, save, list, events,
        log, timeline, json;
    uint64_t interval_ns;
    struct ctfw_pipeline *pl;
    /* -w and --accepted. */
    const char *dropped_path, *accepted_path;
    struct ctfw_capture_writer *dropped_w, *accepted_w;
    int dropped_linktype;
    uint64_t n_written, n_output, n_other_linktype;
    /* Summary. */
    uint64_t n_pkts, n_bytes, n_accept, n_drop, n_not_ip, n_held;
    uint64_t drops[CTFW_DROP_REASON_COUNT];
    uint64_t first_ts, last_ts;
    uint64_t table_full_first_ns, table_full_count;
    uint32_t ct_peak;
    uint64_t ct_peak_ns;
    uint64_t new_this_sec, new_peak, new_sec;
    uint64_t early_drops, destroyed;
    /* What-if figures: the 75 % alert (entries / limit > 0.75, the
     * node-mixin NodeHighNumberConntrackEntriesUsed expression) and the
     * table filled (entries = limit), first instants. */
    bool alert75, filled;
    uint64_t alert75_ns, filled_ns;
    uint64_t refused;        /* capture-side connections refused now */
    uint64_t phantom;        /* --causal: packets not evaluated */
    /* Ticks. */
    uint64_t tl_next_ns, tl_new, tl_drop, tl_early;
    bool ticks;              /* a consumer of ticks exists */
    bool keep_series, want_peak;
    struct replay_sample *samples;
    size_t n_samples, cap_samples;
    struct replay_peak peak;
    /* --report: the rule that accepted the packet which created each
     * live entry (entry address -> label index; metrics.c). */
    const struct ctfw_ct_entry *new_pending[4];
    unsigned n_new_pending;
    struct creator_map *creators;
    char (*rule_label)[80];
    size_t n_rule_label;
    bool progress;

    /* Table-full policy of this scenario (policy=... settings;
     * docs/policies.md): flags 0 for Linux's behaviour. */
    struct ctfw_policy_config pol_cfg;
    struct ctfw_policy *pol;
    /* Capture-side legitimate connections (the initiator answered the
     * responder): how many, how many this run refused, and when. */
    uint64_t legit, legit_refused;
    uint64_t legit_refused_first_ns, legit_refused_last_ns;
    /* The 95 % alert (entries / limit > 0.95), first instant. */
    bool alert95;
    uint64_t alert95_ns;
    /* --attribution FILE (attrib.c). */
    struct out_file attrib;
    struct replay_peak *attr_ticks;   /* every tick's snapshot (--json) */
    size_t n_attr_ticks, cap_attr_ticks;
    uint64_t n_evicted_listed;
    uint64_t evicted_by[CTFW_CT_DESTROY_POLICY + 1];
};

/* Inputs shared by the outputs of every run. */
struct replay_inputs {
    const char *const *captures;
    size_t n_captures;
    const char *rules4, *rules6;
    const char *const *sysctl_files;
    size_t n_sysctl_files;
    bool causal;
    uint64_t advance_ns;
    int argc;
    char **argv;
    /* Lint findings for the report, one compiler-style line each
     * ("rules.v4:14: warning: ... [CT101]"); NULL: lint was not run. */
    const char *const *lint_lines;
    size_t n_lint_lines;
};

/* whatif.c */
/* Parse NAME[:SETTING[,SETTING]...] into r (name, sets, rules paths);
 * -1 after printing a usage error. */
int whatif_parse(struct replay *r, const char *spec);
void whatif_free(struct replay *r);
/* Packets dropped by the rulesets (a rule's DROP/REJECT, a policy). */
uint64_t whatif_rule_drops(const struct replay *r);
/* The side-by-side table on f. */
void whatif_print_table(FILE *f, struct replay *const *runs, size_t n,
                        bool causal);
/* The "scenarios" array of the JSON document. */
void whatif_json(struct ctfw_json *j, struct replay *const *runs, size_t n,
                 bool causal);

/* metrics.c */
/* One sample of the run's series at t_ns (the table as it is). */
int metrics_sample(struct replay *r, uint64_t t_ns);
/* The snapshot at the peak, when entries beat the last one. */
void metrics_peak(struct replay *r, uint64_t t_ns);
/* The entries created by the packet just evaluated: their creator is
 * the rule that decided its fate. */
void metrics_created(struct replay *r,
                     const struct ctfw_pipeline_result *res);
/* An entry left the table. */
void metrics_destroyed(struct replay *r, const struct ctfw_ct_entry *e);
void metrics_free(struct replay *r);
int metrics_openmetrics(FILE *f, struct replay *const *runs, size_t n);

/* attrib.c: --attribution and the policy/legitimate-connection figures
 * (docs/policies.md). */
/* Does any run have a policy? */
bool attrib_any_policy(struct replay *const *runs, size_t n);
/* A packet of a connection whose initiator just answered the responder:
 * the connection is legitimate; each run's refusal of it is counted. */
void attrib_legit(struct replay *const *runs, size_t n, const uint8_t *st,
                  uint64_t now_ns);
/* One interval of --attribution (walks the table). */
void attrib_tick(struct replay *r, uint64_t t_ns);
/* An evicted entry (early drop, gc eviction, policy) in --attribution. */
void attrib_evicted(struct replay *r, const struct ctfw_ct_event *ev);
/* An INVALID or policy-refused packet in --attribution. */
void attrib_packet(struct replay *r, uint64_t number,
                   const struct ctfw_pipeline_result *res);
/* The end of --attribution: alerts, reasons, policy figures. */
void attrib_finish(struct replay *r);
/* The top-level "attribution" array of --json: every tick's snapshot
 * (with --attribution). */
void attrib_json_ticks(struct ctfw_json *j, const struct replay *r);
void attrib_free(struct replay *r);
/* The legitimate-connections table (stdout, when a policy is set). */
void attrib_print_table(FILE *f, struct replay *const *runs, size_t n);
/* Per-scenario JSON keys: policy, legit, ct_reasons, alert95_at_s,
 * peak_attribution. */
void attrib_json(struct ctfw_json *j, const struct replay *r);
/* The snapshot walk (metrics.c) at t_ns into pk. */
int metrics_snapshot(struct replay *r, uint64_t t_ns,
                     struct replay_peak *pk);

/* report.c */
int report_html(FILE *f, struct replay *const *runs, size_t n,
                const struct replay_inputs *in);
/* sha256 of a file as 64 hex digits; -errno. */
int report_sha256(const char *path, char hex[65], uint64_t *size);

#endif
