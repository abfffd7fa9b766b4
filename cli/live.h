/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the data paths of ctfw live share (cli/live.c): the rules and
 * their atomic reload, the pipeline, the counters, the LOG output, the
 * control socket's commands, /metrics and the final dump.
 */
#ifndef CTFW_CLI_LIVE_H
#define CTFW_CLI_LIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ctfw/hook.h"
#include "ctfw/sysctl.h"

struct ctfw_http;
struct pollfd;

/* Extra fds live adds to a poll set: the control socket, /metrics. */
#define LIVE_POLL_MAX 2

struct live_counters {
    uint64_t rx[2], tx[2];     /* frames per side (bridge) */
    uint64_t accept, drop, queued, not_ip, out_lost;
    uint64_t drops[CTFW_DROP_REASON_COUNT];
    uint64_t reloads, reload_errors;
};

#define LIVE_SUBS_MAX 8

struct live {
    struct ctfw_sysctl sys;
    const struct ctfw_host *host;
    const char *rules4_path, *rules6_path;
    struct ctfw_ruleset *rs4, *rs6;
    bool legacy;
    bool have_seed;
    uint64_t seed;           /* --seed: conntrack's hash key */
    struct ctfw_pipeline *pl;
    struct live_counters c;
    uint64_t start_ns;
    /* --log */
    const char *log_path;
    FILE *logf;
    bool log_syslog;
    /* Control socket and /metrics. */
    const char *ctl_path;
    int ctl_fd;
    struct ctfw_http *http;
    /* `ctfw ctl conntrack -E` clients: events are streamed to them. */
    struct live_sub *subs;
    unsigned n_subs;
    /* The data path's own counters for `ctfw ctl status`. */
    void (*stats_cb)(void *arg, FILE *f);
    void *stats_arg;
};

void live_init(struct live *lv);
void live_fini(struct live *lv);

/* CLOCK_MONOTONIC in ns: the packet clock. */
uint64_t live_now(void);

/* Parse a rules file (legacy: iptables-legacy-restore's -E);
 * diagnostics in iptables-restore's words on err. 0, or -1 (nothing
 * changed). */
int live_load_rules(const char *path, int family, bool counters,
                    bool legacy, FILE *err, struct ctfw_ruleset **out);

/* Create the pipeline, open the log, the control socket and /metrics. */
int live_start(struct live *lv, const char *ctl_path, const char *metrics,
               void (*on_output)(void *, uint64_t, const uint8_t *, size_t,
                                 size_t),
               void *output_arg);

/* Count a packet's result. */
void live_count(struct live *lv, const struct ctfw_pipeline_result *res);

/* The control and /metrics fds for poll(); their events handled. */
int live_poll_fds(struct live *lv, struct pollfd *pfd);
void live_poll_events(struct live *lv, const struct pollfd *pfd, int n);

void live_log_flush(struct live *lv);
/* SIGHUP: reload the files given at start. */
void live_reload_signal(struct live *lv);
/* On SIGTERM: iptables-save -c of each ruleset and conntrack -S. */
void live_final_dump(struct live *lv, const char *path);

int cmd_live(int argc, char **argv);
int cmd_ctl(int argc, char **argv);

#endif
