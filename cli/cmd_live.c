// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctfw live: the pipeline of lib/hook in a real data path.
 *
 *   --bridge IF1,IF2   a bump in the wire: frames read from one interface
 *                      (AF_PACKET, io/afpacket.c) cross PREROUTING,
 *                      FORWARD and POSTROUTING with -i/-o named after the
 *                      sides, and leave by the other one with their
 *                      Ethernet header; non-IP frames (ARP) pass as they
 *                      are; REJECT answers leave by the side the rejected
 *                      packet came from.
 *
 * The packet clock is CLOCK_MONOTONIC, read here (lib/ takes it as an
 * argument). A control socket (io/ctl.c) answers `ctfw ctl`, a /metrics
 * endpoint (io/metrics.c) Prometheus; SIGHUP reloads the rules files,
 * SIGTERM/SIGINT stop and dump the counters (iptables-save -c, conntrack
 * -S). Every capability is dropped once the sockets are open.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ctfw/hook.h"
#include "ctfw/host.h"
#include "ctfw/pkt.h"
#include "ctfw/rules.h"
#include "io/afpacket.h"
#include "io/ctl.h"
#include "io/metrics.h"
#include "live.h"

#define OUT_MAX 64
#define OUT_ARENA (256u * 1024)

static volatile sig_atomic_t sig_stop, sig_hup;

static void
on_signal(int sig)
{
    if (sig == SIGHUP)
        sig_hup = 1;
    else
        sig_stop = 1;
}

uint64_t
live_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The state of a bridge run. */
struct bridge {
    struct live lv;
    struct ctfw_afp *port[2];
    unsigned ifidx[2];          /* the host model's indexes */
    /* What the pipeline sent out while handling the current frame. */
    struct {
        size_t off, len;
    } out[OUT_MAX];
    unsigned n_out;
    size_t out_used;
    uint8_t *arena;
    uint64_t now;
};

struct side {
    struct bridge *b;
    int side;
};

static void
collect_output(void *arg, uint64_t now_ns, const uint8_t *ip, size_t caplen,
               size_t wirelen)
{
    struct bridge *b = arg;
    if (b->n_out == OUT_MAX || b->out_used + caplen > OUT_ARENA ||
        caplen < wirelen) {
        b->lv.c.out_lost++;
        return;
    }
    memcpy(b->arena + b->out_used, ip, caplen);
    b->out[b->n_out].off = b->out_used;
    b->out[b->n_out].len = caplen;
    b->n_out++;
    b->out_used += caplen;
}

static void
on_frame(void *arg, const uint8_t *f, uint32_t caplen, uint32_t wirelen)
{
    struct side *s = arg;
    struct bridge *b = s->b;
    struct live *lv = &b->lv;
    int in = s->side, out = !s->side;
    struct ctfw_pkt pkt;

    if (caplen < wirelen)
        return;   /* truncated by the ring: counted there, dropped */
    ctfw_pkt_decode(&pkt, CTFW_LINKTYPE_ETHERNET, f, caplen, wirelen);
    lv->c.rx[in]++;
    if (pkt.family == 0) {
        /* ARP, LLDP, ...: never seen by the IP hooks, bridged as is. */
        lv->c.not_ip++;
        ctfw_afp_tx(b->port[out], f, caplen, NULL, 0);
        return;
    }
    b->n_out = 0;
    b->out_used = 0;
    struct ctfw_pipeline_result res;
    ctfw_pipeline_forward(lv->pl, &pkt, b->now, b->ifidx[in], b->ifidx[out],
                          &res);
    live_count(lv, &res);
    if (res.flags & CTFW_PIPELINE_QUEUED)
        return;
    size_t l2 = pkt.l3_off <= caplen ? pkt.l3_off : 0;
    uint8_t hdr[128];
    if (l2 > sizeof(hdr))
        return;
    memcpy(hdr, f, l2);
    int to = out;
    if (!res.accept && l2 >= 12) {
        /* REJECT answers go back where the packet came from, from the
         * MAC address it was sent to. */
        memcpy(hdr, f + 6, 6);
        memcpy(hdr + 6, f, 6);
        to = in;
    }
    for (unsigned i = 0; i < b->n_out; i++)
        if (ctfw_afp_tx(b->port[to], hdr, l2, b->arena + b->out[i].off,
                        b->out[i].len) == 0)
            lv->c.tx[to]++;
}

static int
bridge_run(struct bridge *b)
{
    struct live *lv = &b->lv;
    struct side sides[2] = {{b, 0}, {b, 1}};
    uint64_t next_tick = live_now() + 1000000000u;
    while (!sig_stop) {
        struct pollfd pfd[4 + LIVE_POLL_MAX];
        int n = 0;
        for (int i = 0; i < 2; i++)
            pfd[n++] = (struct pollfd){.fd = ctfw_afp_fd(b->port[i]),
                                       .events = POLLIN};
        int extra = live_poll_fds(lv, pfd + n);
        int r = poll(pfd, (nfds_t)(n + extra), 100);
        if (r < 0 && errno != EINTR) {
            cli_error("poll: %s", strerror(errno));
            return CLI_EXIT_FAIL;
        }
        /* Both rings are looked at every time: a block may be ready on
         * one while poll woke for the other. */
        for (int i = 0; i < 2; i++) {
            b->now = live_now();
            ctfw_afp_rx(b->port[i], 8, on_frame, &sides[i]);
        }
        ctfw_afp_tx_flush(b->port[0]);
        ctfw_afp_tx_flush(b->port[1]);
        if (r > 0)
            live_poll_events(lv, pfd + n, extra);
        uint64_t now = live_now();
        if (now >= next_tick) {
            ctfw_pipeline_advance(lv->pl, now);
            live_log_flush(lv);
            next_tick = now + 1000000000u;
        }
        if (sig_hup) {
            sig_hup = 0;
            live_reload_signal(lv);
        }
    }
    return CLI_EXIT_OK;
}

static void
port_stats(void *arg, FILE *f)
{
    struct bridge *b = arg;
    for (int i = 0; i < 2; i++) {
        struct ctfw_afp_stats st;
        ctfw_afp_get_stats(b->port[i], &st);
        fprintf(f, "port %s: rx %" PRIu64 " frames %" PRIu64
                " bytes, ring drops %" PRIu64 ", truncated %" PRIu64
                ", tx %" PRIu64 " frames %" PRIu64 " bytes, tx errors %"
                PRIu64 "\n",
                ctfw_afp_ifname(b->port[i]), st.rx, st.rx_bytes,
                st.rx_ring_drops, st.rx_truncated, st.tx, st.tx_bytes,
                st.tx_errors);
    }
}

static void
usage(FILE *f)
{
    fprintf(f,
"Usage: ctfw live --bridge IF1,IF2 -R RULES [-6 RULES6] [OPTION]...\n"
"Run the rules and conntrack on live traffic.\n"
"\n"
"Data path (one of):\n"
"  --bridge IF1,IF2     bump in the wire between two interfaces (AF_PACKET\n"
"                       rings): IP packets cross PREROUTING, FORWARD and\n"
"                       POSTROUTING with -i/-o the side they came from and\n"
"                       go to; other frames (ARP) pass unchanged\n"
"\n"
"Rules and kernel profile (as ctfw replay):\n"
"  -R, --rules FILE     IPv4 ruleset (iptables-save format)\n"
"  -6, --rules6 FILE    IPv6 ruleset\n"
"  -f, --sysctl FILE    sysctl file (repeatable)\n"
"  -s, --set KEY=VALUE  one sysctl\n"
"      --iface NAME=ADDR/PREFIX, --local ADDR, --route PREFIX=IFACE\n"
"                       addresses of the host model (REJECT sources,\n"
"                       MASQUERADE, addrtype)\n"
"      --legacy         iptables-legacy table order\n"
"\n"
"Operations:\n"
"      --log FILE|syslog  LOG target and conntrack lines (default: none)\n"
"      --ctl PATH       control socket (default " CTFW_CTL_DEFAULT_PATH ";\n"
"                       'none' for none): see ctfw ctl\n"
"      --metrics ADDR:PORT  Prometheus /metrics (a loopback address)\n"
"      --dump FILE      where the final counters go on SIGTERM (default\n"
"                       standard output)\n"
"      --ring-blocks N  ring blocks of 1 MiB per interface (default 32)\n"
"      --keep-caps      do not drop capabilities after start-up\n"
"  -h, --help           show this help\n"
"\n"
"Signals: SIGHUP reloads the rules files (atomic: a bad file changes\n"
"nothing), SIGTERM and SIGINT stop and print the counters.\n"
"Turn off offloads on both interfaces first (ethtool -K IF gro off gso\n"
"off tso off), as for any AF_PACKET bridge. See docs/live.md.\n");
}

/*
 * Drop every capability (the sockets are open), and keep it so:
 * PR_SET_NO_NEW_PRIVS, an empty bounding set.
 */
static int
drop_caps(void)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -errno;
    for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
        if (CAP_IS_SUPPORTED(c))
            (void)cap_drop_bound(c);   /* EPERM without CAP_SETPCAP */
    cap_t none = cap_init();
    if (!none)
        return -ENOMEM;
    int rc = cap_set_proc(none);
    int e = errno;
    cap_free(none);
    return rc < 0 ? -e : 0;
}

int
cmd_live(int argc, char **argv)
{
    enum {
        O_IFACE = 256, O_LOCAL, O_ROUTE, O_LEGACY, O_LOG, O_CTL, O_METRICS,
        O_DUMP, O_BRIDGE, O_RING, O_KEEPCAPS,
    };
    static const struct option opts[] = {
        {"bridge", required_argument, NULL, O_BRIDGE},
        {"rules", required_argument, NULL, 'R'},
        {"rules6", required_argument, NULL, '6'},
        {"sysctl", required_argument, NULL, 'f'},
        {"set", required_argument, NULL, 's'},
        {"iface", required_argument, NULL, O_IFACE},
        {"local", required_argument, NULL, O_LOCAL},
        {"route", required_argument, NULL, O_ROUTE},
        {"legacy", no_argument, NULL, O_LEGACY},
        {"log", required_argument, NULL, O_LOG},
        {"ctl", required_argument, NULL, O_CTL},
        {"metrics", required_argument, NULL, O_METRICS},
        {"dump", required_argument, NULL, O_DUMP},
        {"ring-blocks", required_argument, NULL, O_RING},
        {"keep-caps", no_argument, NULL, O_KEEPCAPS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct bridge *b = calloc(1, sizeof(*b));
    struct ctfw_host *host = ctfw_host_new();
    char **sets = calloc((size_t)argc + 1, sizeof(char *));
    const char *bridge = NULL, *dump = NULL;
    const char *ctl_path = CTFW_CTL_DEFAULT_PATH, *metrics = NULL;
    size_t n_sets = 0;
    unsigned ring_blocks = 0;
    int c, rc = CLI_EXIT_USAGE, sysctl_errors = 0;
    bool keep_caps = false;
    char err[512];

    if (!b || !host || !sets) {
        cli_error("out of memory");
        free(b);
        ctfw_host_free(host);
        free(sets);
        return CLI_EXIT_FAIL;
    }
    struct live *lv = &b->lv;
    live_init(lv);
    ctfw_sysctl_init(&lv->sys);
    optind = 1;
    while ((c = getopt_long(argc, argv, "+R:6:f:s:h", opts, NULL)) != -1) {
        switch (c) {
        case O_BRIDGE:
            bridge = optarg;
            break;
        case 'R':
            lv->rules4_path = optarg;
            break;
        case '6':
            lv->rules6_path = optarg;
            break;
        case 'f':
            sysctl_errors += cli_load_sysctl_file(&lv->sys, optarg);
            break;
        case 's':
            sets[n_sets++] = optarg;
            break;
        case O_IFACE:
        case O_LOCAL:
        case O_ROUTE: {
            int r = c == O_IFACE
                        ? ctfw_host_add_iface(host, optarg, err, sizeof(err))
                    : c == O_LOCAL
                        ? ctfw_host_add_local(host, optarg, err, sizeof(err))
                        : ctfw_host_add_route(host, optarg, err,
                                              sizeof(err));
            if (r < 0) {
                cli_usage_error("live", "--%s: %s",
                                c == O_IFACE   ? "iface"
                                : c == O_LOCAL ? "local"
                                               : "route",
                                err);
                goto out;
            }
            break;
        }
        case O_LEGACY:
            lv->legacy = true;
            break;
        case O_LOG:
            lv->log_path = optarg;
            break;
        case O_CTL:
            ctl_path = strcmp(optarg, "none") ? optarg : NULL;
            break;
        case O_METRICS:
            metrics = optarg;
            break;
        case O_DUMP:
            dump = optarg;
            break;
        case O_RING: {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || !optarg[0] || v < 2 || v > 1024) {
                cli_usage_error("live", "invalid ring blocks '%s' (2 to "
                                "1024)", optarg);
                goto out;
            }
            ring_blocks = (unsigned)v;
            break;
        }
        case O_KEEPCAPS:
            keep_caps = true;
            break;
        case 'h':
            usage(stdout);
            rc = CLI_EXIT_OK;
            goto out;
        default:
            cli_usage_error("live", "bad option");
            goto out;
        }
    }
    if (optind < argc) {
        cli_usage_error("live", "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (!bridge) {
        cli_usage_error("live", "no data path given (--bridge IF1,IF2)");
        goto out;
    }
    char if1[CTFW_IFNAMSIZ], if2[CTFW_IFNAMSIZ];
    const char *comma = strchr(bridge, ',');
    if (!comma || comma == bridge || !comma[1] || strchr(comma + 1, ',') ||
        (size_t)(comma - bridge) >= CTFW_IFNAMSIZ ||
        strlen(comma + 1) >= CTFW_IFNAMSIZ) {
        cli_usage_error("live", "--bridge: want two interfaces IF1,IF2, "
                        "got '%s'", bridge);
        goto out;
    }
    memcpy(if1, bridge, (size_t)(comma - bridge));
    if1[comma - bridge] = '\0';
    strcpy(if2, comma + 1);
    if (!strcmp(if1, if2)) {
        cli_usage_error("live", "--bridge: the two interfaces are the same");
        goto out;
    }
    for (size_t i = 0; i < n_sets; i++)
        sysctl_errors += cli_apply_sysctl_set(&lv->sys, sets[i]);
    if (sysctl_errors) {
        cli_error("%d sysctl error%s; nothing was started", sysctl_errors,
                  sysctl_errors == 1 ? "" : "s");
        goto out;
    }
    if (!lv->rules4_path && !lv->rules6_path) {
        cli_usage_error("live", "no rules given (-R FILE)");
        goto out;
    }
    if (lv->rules4_path && live_load_rules(lv->rules4_path, CTFW_RULES_IPV4,
                                           false, stderr, &lv->rs4) < 0)
        goto out;
    if (lv->rules6_path && live_load_rules(lv->rules6_path, CTFW_RULES_IPV6,
                                           false, stderr, &lv->rs6) < 0)
        goto out;
    /* The two sides are interfaces of the host model (named as the
     * rules' -i/-o see them), added when --iface did not give them. */
    const char *names[2] = {if1, if2};
    for (int i = 0; i < 2; i++) {
        if (!ctfw_host_ifindex(host, names[i]) &&
            ctfw_host_add_iface(host, names[i], err, sizeof(err)) < 0) {
            cli_usage_error("live", "--bridge: %s", err);
            goto out;
        }
        b->ifidx[i] = ctfw_host_ifindex(host, names[i]);
    }
    ctfw_host_set_forward(host, true);
    lv->host = host;

    rc = CLI_EXIT_FAIL;
    b->arena = malloc(OUT_ARENA);
    if (!b->arena) {
        cli_error("out of memory");
        goto out;
    }
    for (int i = 0; i < 2; i++) {
        struct ctfw_afp_params ap = {.ifname = names[i],
                                     .nblocks = ring_blocks};
        if (ctfw_afp_open(&ap, &b->port[i], err, sizeof(err)) < 0) {
            cli_error("%s", err);
            goto out;
        }
    }
    lv->stats_cb = port_stats;
    lv->stats_arg = b;
    if (live_start(lv, ctl_path, metrics, collect_output, b) < 0)
        goto out;
    if (!keep_caps) {
        int r = drop_caps();
        if (r < 0)
            cli_warn("cannot drop capabilities: %s", strerror(-r));
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    fprintf(stderr, "ctfw: bridging %s and %s\n", if1, if2);

    rc = bridge_run(b);
    live_final_dump(lv, dump);
out:
    for (int i = 0; i < 2; i++)
        ctfw_afp_close(b->port[i]);
    live_fini(lv);
    ctfw_host_free(host);
    free(b->arena);
    free(b);
    free(sets);
    return rc;
}
