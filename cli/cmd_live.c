// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctfw live: the pipeline of lib/hook in a real data path.
 *
 *   --bridge IF1,IF2   a bump in the wire: frames read from one interface
 *                      (AF_PACKET, io/afpacket.c; AF_XDP with --xdp,
 *                      io/afxdp.c) cross PREROUTING,
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
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <linux/netfilter.h>
#include <net/if.h>
#include <netinet/in.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ctfw/hook.h"
#include "ctfw/host.h"
#include "ctfw/pkt.h"
#include "ctfw/rules.h"
#include "io/afpacket.h"
#include "io/capture.h"
#include "io/ctl.h"
#include "io/metrics.h"
#include "io/nfqueue.h"
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
    /* --write: every frame read, as LINUX_SLL2 with the side's index. */
    struct ctfw_capture_writer *w;
    uint8_t wbuf[20 + 65535];
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

/*
 * --write: the frame as the LINUX_SLL2 record libpcap writes for a
 * capture on "any" (protocol, reserved, interface index, ARPHRD_ETHER,
 * packet type, address length and the source MAC, then the payload
 * after the Ethernet header), so that `ctfw replay` of the file with the
 * same --iface options sees each packet arrive on its side.
 */
static void
record(struct bridge *b, int side, const uint8_t *f, uint32_t caplen)
{
    uint8_t *h = b->wbuf;
    uint32_t idx = b->ifidx[side];
    memset(h, 0, 20);
    h[0] = f[12];
    h[1] = f[13];
    h[4] = (uint8_t)(idx >> 24);
    h[5] = (uint8_t)(idx >> 16);
    h[6] = (uint8_t)(idx >> 8);
    h[7] = (uint8_t)idx;
    h[9] = 1;                       /* ARPHRD_ETHER */
    h[10] = f[0] & 1 ? 2 : 0;       /* multicast/broadcast or host */
    h[11] = 6;
    memcpy(h + 12, f + 6, 6);
    memcpy(h + 20, f + 14, caplen - 14);
    ctfw_capture_writer_put(b->w, b->now, h, caplen + 6, caplen + 6);
}

/*
 * IPv6 neighbour discovery (ICMPv6 133-137: router and neighbour
 * solicitations and advertisements, redirects) is IPv6's ARP: it only
 * counts with a hop limit of 255 (RFC 4861 §7.1), which a forwarding
 * path would decrease, and a router never forwards it. The bridge passes
 * it untouched, as ARP, without the IP hooks.
 */
static bool
is_nd(const struct ctfw_pkt *p)
{
    return p->family == 6 && p->proto == 58 && p->ttl == 255 &&
           (p->has & CTFW_PKT_HAS_L4) && p->icmp_type >= 133 &&
           p->icmp_type <= 137;
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
    if (b->w && caplen >= 14)
        record(b, in, f, caplen);
    ctfw_pkt_decode(&pkt, CTFW_LINKTYPE_ETHERNET, f, caplen, wirelen);
    lv->c.rx[in]++;
    if (pkt.family == 0 || is_nd(&pkt)) {
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

/* Once a loop turn, after the packets: the clock (expiry, the log
 * flushed once a second) and a pending SIGHUP reload. */
static void
loop_tick(struct live *lv, uint64_t *next_tick)
{
    uint64_t now = live_now();
    if (now >= *next_tick) {
        ctfw_pipeline_advance(lv->pl, now);
        live_log_flush(lv);
        *next_tick = now + 1000000000u;
    }
    if (sig_hup) {
        sig_hup = 0;
        live_reload_signal(lv);
    }
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
        loop_tick(lv, &next_tick);
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


/* ------------------------------------------------------------------ */
/* Host mode: NFQUEUE */

/* The mark of the REJECT answers ctfw sends itself, so that the kernel
 * rule `-m mark --mark 0x63746677 -j ACCEPT` lets them out without
 * queueing them again (docs/live.md). "ctfw" in ASCII. */
#define LIVE_ANSWER_MARK 0x63746677u
#define IFMAP_MAX 1024

struct hostq {
    struct live *lv;
    struct ctfw_nfq *q;
    struct ctfw_host *host;
    int raw4, raw6;               /* REJECT answers go out here */
    uint16_t ifmap[IFMAP_MAX];    /* kernel ifindex -> host model's */
    uint8_t out[OUT_MAX][1500];
    size_t out_len[OUT_MAX];
    unsigned n_out;
    uint64_t answers_sent, answers_failed;
};

static void
hostq_output(void *arg, uint64_t now_ns, const uint8_t *ip, size_t caplen,
             size_t wirelen)
{
    struct hostq *h = arg;
    if (h->n_out == OUT_MAX || caplen > sizeof(h->out[0]) ||
        caplen < wirelen) {
        h->lv->c.out_lost++;
        return;
    }
    memcpy(h->out[h->n_out], ip, caplen);
    h->out_len[h->n_out++] = caplen;
}

static unsigned
hostq_ifindex(struct hostq *h, unsigned kidx)
{
    if (!kidx)
        return 0;
    if (kidx < IFMAP_MAX && h->ifmap[kidx])
        return h->ifmap[kidx];
    char name[IF_NAMESIZE];
    unsigned idx = if_indextoname(kidx, name)
                       ? ctfw_host_ifindex(h->host, name)
                       : 0;
    if (kidx < IFMAP_MAX)
        h->ifmap[kidx] = (uint16_t)idx;
    return idx;
}

static void
hostq_send_answer(struct hostq *h, const uint8_t *ip, size_t len)
{
    ssize_t r = -1;
    if (len >= 20 && ip[0] >> 4 == 4 && h->raw4 >= 0) {
        struct sockaddr_in to = {.sin_family = AF_INET};
        memcpy(&to.sin_addr, ip + 16, 4);
        r = sendto(h->raw4, ip, len, 0, (struct sockaddr *)&to, sizeof(to));
    } else if (len >= 40 && ip[0] >> 4 == 6 && h->raw6 >= 0) {
        struct sockaddr_in6 to = {.sin6_family = AF_INET6};
        memcpy(&to.sin6_addr, ip + 24, 16);
        r = sendto(h->raw6, ip, len, 0, (struct sockaddr *)&to, sizeof(to));
    }
    if (r < 0)
        h->answers_failed++;
    else
        h->answers_sent++;
}

static bool
on_queued(void *arg, const struct ctfw_nfq_pkt *p)
{
    struct hostq *h = arg;
    struct ctfw_pkt pkt;
    ctfw_pkt_decode(&pkt, CTFW_LINKTYPE_RAW, p->payload, p->len, p->len);
    h->n_out = 0;
    /* The queue rules sit in raw PREROUTING (arriving packets: INPUT or
     * FORWARD as the host model decides) and raw OUTPUT (the host's
     * own packets). */
    bool outgoing = p->hook == NF_INET_LOCAL_OUT;
    struct ctfw_pipeline_result res;
    ctfw_pipeline_packet(h->lv->pl, &pkt, live_now(),
                         outgoing ? 0 : hostq_ifindex(h, p->indev),
                         outgoing, &res);
    live_count(h->lv, &res);
    if (pkt.family == 0)
        return true;   /* not IP: not ours to judge */
    /* Accepted: the kernel carries the packet on as it is (a forwarded
     * copy the pipeline made is not needed). Dropped: what the pipeline
     * sent are REJECT answers. */
    if (!res.accept)
        for (unsigned i = 0; i < h->n_out; i++)
            hostq_send_answer(h, h->out[i], h->out_len[i]);
    return res.accept;
}

static void
hostq_stats(void *arg, FILE *f)
{
    struct hostq *h = arg;
    struct ctfw_nfq_stats st;
    ctfw_nfq_get_stats(h->q, &st);
    fprintf(f, "queue: %" PRIu64 " packets, %" PRIu64 " accepted, %" PRIu64
            " dropped, %" PRIu64 " errors; REJECT answers sent %" PRIu64
            ", failed %" PRIu64 "\n",
            st.packets, st.accepted, st.dropped, st.errors, h->answers_sent,
            h->answers_failed);
}

/* The host model from the machine itself when --iface gave none: every
 * interface address (getifaddrs), the default route (/proc/net/route)
 * and the forwarding switch (/proc/sys/net/ipv4/ip_forward). */
static int
hostq_discover(struct ctfw_host *host, char *err, size_t errlen)
{
    struct ifaddrs *ifa0;
    if (getifaddrs(&ifa0) < 0) {
        snprintf(err, errlen, "getifaddrs: %s", strerror(errno));
        return -1;
    }
    for (struct ifaddrs *i = ifa0; i; i = i->ifa_next) {
        if (!i->ifa_addr || !strcmp(i->ifa_name, "lo"))
            continue;
        int fam = i->ifa_addr->sa_family;
        if (fam != AF_INET && fam != AF_INET6)
            continue;
        char a[INET6_ADDRSTRLEN], spec[128];
        unsigned plen = 0;
        const uint8_t *m;
        size_t mlen;
        if (fam == AF_INET) {
            inet_ntop(fam, &((struct sockaddr_in *)i->ifa_addr)->sin_addr,
                      a, sizeof(a));
            m = (const uint8_t *)&((struct sockaddr_in *)i->ifa_netmask)
                    ->sin_addr;
            mlen = 4;
        } else {
            inet_ntop(fam,
                      &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, a,
                      sizeof(a));
            m = (const uint8_t *)&((struct sockaddr_in6 *)i->ifa_netmask)
                    ->sin6_addr;
            mlen = 16;
        }
        for (size_t k = 0; i->ifa_netmask && k < mlen; k++)
            plen += (unsigned)__builtin_popcount(m[k]);
        snprintf(spec, sizeof(spec), "%s=%s/%u", i->ifa_name, a, plen);
        if (ctfw_host_add_iface(host, spec, err, errlen) < 0) {
            freeifaddrs(ifa0);
            return -1;
        }
    }
    freeifaddrs(ifa0);
    FILE *f = fopen("/proc/net/route", "r");
    char line[256];
    while (f && fgets(line, sizeof(line), f)) {
        char ifn[IF_NAMESIZE + 1];
        unsigned dst, mask;
        if (sscanf(line, "%16s %x %*x %*x %*u %*u %*u %x", ifn, &dst,
                   &mask) == 3 && dst == 0 && mask == 0) {
            char spec[64];
            snprintf(spec, sizeof(spec), "default=%s", ifn);
            (void)ctfw_host_add_route(host, spec, err, errlen);
        }
    }
    if (f)
        fclose(f);
    f = fopen("/proc/sys/net/ipv4/ip_forward", "r");
    if (f) {
        if (fgetc(f) == '1')
            ctfw_host_set_forward(host, true);
        fclose(f);
    }
    return 0;
}

static int
hostq_run(struct hostq *h)
{
    struct live *lv = h->lv;
    uint64_t next_tick = live_now() + 1000000000u;
    while (!sig_stop) {
        struct pollfd pfd[1 + LIVE_POLL_MAX];
        pfd[0] = (struct pollfd){.fd = ctfw_nfq_fd(h->q), .events = POLLIN};
        int extra = live_poll_fds(lv, pfd + 1);
        int r = poll(pfd, (nfds_t)(1 + extra), 100);
        if (r < 0 && errno != EINTR) {
            cli_error("poll: %s", strerror(errno));
            return CLI_EXIT_FAIL;
        }
        if (r > 0 && (pfd[0].revents & POLLIN)) {
            int n = ctfw_nfq_run(h->q, on_queued, h);
            if (n < 0) {
                cli_error("queue: %s", strerror(-n));
                return CLI_EXIT_FAIL;
            }
        }
        if (r > 0)
            live_poll_events(lv, pfd + 1, extra);
        loop_tick(lv, &next_tick);
    }
    return CLI_EXIT_OK;
}

static int
open_answer_socket(int family)
{
    int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
    if (fd < 0)
        return -1;
    unsigned mark = LIVE_ANSWER_MARK;
    if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void
usage(FILE *f)
{
    fprintf(f,
"Usage: ctfw live --bridge IF1,IF2 -R RULES [-6 RULES6] [OPTION]...\n"
"       ctfw live --queue N -R RULES [-6 RULES6] [OPTION]...\n"
"Run the rules and conntrack on live traffic.\n"
"\n"
"Data path (one of):\n"
"  --bridge IF1,IF2     bump in the wire between two interfaces (AF_PACKET\n"
"                       rings): IP packets cross PREROUTING, FORWARD and\n"
"                       POSTROUTING with -i/-o the side they came from and\n"
"                       go to; other frames (ARP) pass unchanged\n"
"  --queue N            host mode: verdicts for NFQUEUE N (INPUT, OUTPUT,\n"
"                       FORWARD as the host model decides; the kernel\n"
"                       rules it needs are in docs/live.md)\n"
"      --fail-open      (--queue) accept when the queue is full\n"
"\n"
"Rules and kernel profile (as ctfw replay):\n"
"  -R, --rules FILE     IPv4 ruleset (iptables-save format)\n"
"  -6, --rules6 FILE    IPv6 ruleset\n"
"  -f, --sysctl FILE    sysctl file (repeatable)\n"
"  -s, --set KEY=VALUE  one sysctl\n"
"      --iface NAME=ADDR/PREFIX, --local ADDR, --route PREFIX=IFACE[,via=GW]\n"
"                       addresses of the host model (REJECT sources,\n"
"                       MASQUERADE, addrtype); with --queue and none\n"
"                       given, the machine's own addresses and routes\n"
"      --legacy         iptables-legacy table order\n"
"\n"
"Operations:\n"
"      --log FILE|syslog  LOG target and conntrack lines (default: none)\n"
"      --ctl PATH       control socket (default " CTFW_CTL_DEFAULT_PATH ";\n"
"                       'none' for none): see ctfw ctl\n"
"      --metrics ADDR:PORT  Prometheus /metrics (a loopback address)\n"
"      --dump FILE      where the final counters go on SIGTERM (default\n"
"                       standard output)\n"
"      --ring-blocks N  receive ring blocks of 256 KiB per interface\n"
"                       (default 128)\n"
"      --no-tx-ring     transmit with sendmmsg() batches, not the ring\n"
"%s"
"      --keep-caps      do not drop capabilities after start-up\n"
"      --write FILE     (--bridge) record every frame read, as a pcap\n"
"                       (LINUX_SLL2, the side in the interface index)\n"
"                       that ctfw replay plays with the same --iface\n"
"      --seed N         conntrack hash key (default: random; replay uses\n"
"                       0x63746677, so the same traffic fills the table\n"
"                       the same way)\n"
"  -h, --help           show this help\n"
"\n"
"Signals: SIGHUP reloads the rules files (atomic: a bad file changes\n"
"nothing), SIGTERM and SIGINT stop and print the counters.\n"
"Turn off offloads on both interfaces first (ethtool -K IF gro off gso\n"
"off tso off), as for any AF_PACKET bridge. See docs/live.md.\n",
            /* Only where this build has it (libxdp). */
            ctfw_afp_have_xdp()
                ? "      --xdp            (--bridge) AF_XDP sockets instead of "
                  "AF_PACKET\n"
                  "                       (copy mode, queue 0, libxdp's "
                  "redirect program\n"
                  "                       attached to both interfaces while "
                  "ctfw runs)\n"
                : "");
}

/*
 * Drop the capabilities (the sockets are open), and keep them dropped:
 * PR_SET_NO_NEW_PRIVS, a bounding set emptied of all but what is kept.
 * Host mode keeps CAP_NET_ADMIN: nfnetlink checks it on every verdict
 * message (netlink_net_capable), not only when the socket is opened.
 */
static int
drop_caps(bool keep_net_admin)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -errno;
    for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
        if (CAP_IS_SUPPORTED(c) && !(keep_net_admin && c == CAP_NET_ADMIN))
            (void)cap_drop_bound(c);   /* EPERM without CAP_SETPCAP */
    cap_t caps = cap_init();
    if (!caps)
        return -ENOMEM;
    cap_value_t admin = CAP_NET_ADMIN;
    if (keep_net_admin &&
        (cap_set_flag(caps, CAP_PERMITTED, 1, &admin, CAP_SET) < 0 ||
         cap_set_flag(caps, CAP_EFFECTIVE, 1, &admin, CAP_SET) < 0)) {
        cap_free(caps);
        return -EINVAL;
    }
    int rc = cap_set_proc(caps);
    int e = errno;
    cap_free(caps);
    return rc < 0 ? -e : 0;
}

/* The host-mode half of cmd_live(): the rules, the host model, the
 * queue, the answer sockets, then the loop. Returns the exit code. */
static int
live_queue(struct live *lv, struct hostq *h, struct ctfw_host *host,
           bool have_iface, unsigned queue, bool fail_open,
           const char *ctl_path, const char *metrics, bool keep_caps,
           size_t n_sets, char **sets, int sysctl_errors,
           const struct sigaction *sa, const char *dump)
{
    char err[512];
    for (size_t i = 0; i < n_sets; i++)
        sysctl_errors += cli_apply_sysctl_set(&lv->sys, sets[i]);
    if (sysctl_errors) {
        cli_error("%d sysctl error%s; nothing was started", sysctl_errors,
                  sysctl_errors == 1 ? "" : "s");
        return CLI_EXIT_USAGE;
    }
    if (!lv->rules4_path && !lv->rules6_path)
        return cli_usage_error("live", "no rules given (-R FILE)");
    if (lv->rules4_path && live_load_rules(lv->rules4_path, CTFW_RULES_IPV4,
                                           false, lv->legacy, stderr,
                                           &lv->rs4) < 0)
        return CLI_EXIT_USAGE;
    if (lv->rules6_path && live_load_rules(lv->rules6_path, CTFW_RULES_IPV6,
                                           false, lv->legacy, stderr,
                                           &lv->rs6) < 0)
        return CLI_EXIT_USAGE;
    if (!have_iface && hostq_discover(host, err, sizeof(err)) < 0) {
        cli_error("host model: %s", err);
        return CLI_EXIT_FAIL;
    }
    if (ctfw_sysctl_get(&lv->sys, CTFW_SYSCTL_IPV4_IP_FORWARD))
        ctfw_host_set_forward(host, true);
    lv->host = host;
    h->lv = lv;
    h->host = host;
    if (ctfw_nfq_open(queue, fail_open, &h->q, err, sizeof(err)) < 0) {
        cli_error("%s", err);
        return CLI_EXIT_FAIL;
    }
    h->raw4 = open_answer_socket(AF_INET);
    h->raw6 = open_answer_socket(AF_INET6);
    if (h->raw4 < 0)
        cli_warn("no raw socket for REJECT answers: %s", strerror(errno));
    lv->stats_cb = hostq_stats;
    lv->stats_arg = h;
    if (live_start(lv, ctl_path, metrics, hostq_output, h) < 0)
        return CLI_EXIT_FAIL;
    if (!keep_caps) {
        int r = drop_caps(true);
        if (r < 0)
            cli_warn("cannot drop capabilities: %s", strerror(-r));
    }
    sigaction(SIGTERM, sa, NULL);
    sigaction(SIGINT, sa, NULL);
    sigaction(SIGHUP, sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    fprintf(stderr, "ctfw: judging NFQUEUE %u\n", queue);
    int rc = hostq_run(h);
    live_final_dump(lv, dump);
    return rc;
}

int
cmd_live(int argc, char **argv)
{
    enum {
        O_IFACE = 256, O_LOCAL, O_ROUTE, O_LEGACY, O_LOG, O_CTL, O_METRICS,
        O_DUMP, O_BRIDGE, O_RING, O_KEEPCAPS, O_QUEUE, O_FAILOPEN, O_SEED, O_WRITE, O_NOTXRING,
        O_XDP,
    };
    static const struct option opts[] = {
        {"bridge", required_argument, NULL, O_BRIDGE},
        {"queue", required_argument, NULL, O_QUEUE},
        {"fail-open", no_argument, NULL, O_FAILOPEN},
        {"seed", required_argument, NULL, O_SEED},
        {"write", required_argument, NULL, O_WRITE},
        {"no-tx-ring", no_argument, NULL, O_NOTXRING},
        {"xdp", no_argument, NULL, O_XDP},
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
    const char *bridge = NULL, *dump = NULL, *write_path = NULL;
    const char *ctl_path = CTFW_CTL_DEFAULT_PATH, *metrics = NULL;
    size_t n_sets = 0;
    unsigned ring_blocks = 0;
    int c, rc = CLI_EXIT_USAGE, sysctl_errors = 0;
    bool keep_caps = false, fail_open = false, have_iface = false;
    bool no_tx_ring = false, xdp = false;
    long queue = -1;
    struct hostq hq = {.raw4 = -1, .raw6 = -1};
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
            have_iface = true;
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
            if (*end || !optarg[0] || v < 2 || v > 4096) {
                cli_usage_error("live", "invalid ring blocks '%s' (2 to "
                                "4096)", optarg);
                goto out;
            }
            ring_blocks = (unsigned)v;
            break;
        }
        case O_KEEPCAPS:
            keep_caps = true;
            break;
        case O_QUEUE: {
            char *end;
            queue = strtol(optarg, &end, 10);
            if (*end || !optarg[0] || queue < 0 || queue > 65535) {
                cli_usage_error("live", "invalid queue number '%s' (0 to "
                                "65535)", optarg);
                goto out;
            }
            break;
        }
        case O_FAILOPEN:
            fail_open = true;
            break;
        case O_WRITE:
            write_path = optarg;
            break;
        case O_NOTXRING:
            no_tx_ring = true;
            break;
        case O_XDP:
            xdp = true;
            break;
        case O_SEED: {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 0);
            if (*end || !optarg[0] || errno) {
                cli_usage_error("live", "invalid seed '%s'", optarg);
                goto out;
            }
            lv->seed = v;
            lv->have_seed = true;
            break;
        }
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
    if (!bridge == (queue < 0)) {
        cli_usage_error("live", bridge ? "--bridge and --queue exclude each "
                        "other" : "no data path given (--bridge IF1,IF2 or "
                        "--queue N)");
        goto out;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (queue >= 0) {
        rc = live_queue(lv, &hq, host, have_iface, (unsigned)queue,
                        fail_open, ctl_path, metrics, keep_caps, n_sets,
                        sets, sysctl_errors, &sa, dump);
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
                                           false, lv->legacy, stderr,
                                           &lv->rs4) < 0)
        goto out;
    if (lv->rules6_path && live_load_rules(lv->rules6_path, CTFW_RULES_IPV6,
                                           false, lv->legacy, stderr,
                                           &lv->rs6) < 0)
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
                                     .nblocks = ring_blocks,
                                     .no_tx_ring = no_tx_ring,
                                     .xdp = xdp};
        if (ctfw_afp_open(&ap, &b->port[i], err, sizeof(err)) < 0) {
            cli_error("%s", err);
            goto out;
        }
    }
    if (write_path) {
        b->w = ctfw_capture_writer_open(write_path,
                                        CTFW_LINKTYPE_LINUX_SLL2, 65535 + 6,
                                        err, sizeof(err));
        if (!b->w) {
            cli_error("%s", err);
            goto out;
        }
    }
    lv->stats_cb = port_stats;
    lv->stats_arg = b;
    if (live_start(lv, ctl_path, metrics, collect_output, b) < 0)
        goto out;
    if (b->w) {
        /* A first record at the instant the pipeline started (its
         * start_ns: the conntrack gc worker's schedule counts from it),
         * so that a replay's clock starts where this one did: an SLL2
         * header with the IEEE local experimental ethertype 0x88B5 and
         * no payload, which replay counts as not IP. */
        uint8_t mark[20] = {0x88, 0xb5};
        mark[7] = (uint8_t)b->ifidx[0];
        mark[9] = 1;
        ctfw_capture_writer_put(b->w, lv->start_ns, mark, 20, 20);
    }
    if (!keep_caps) {
        int r = drop_caps(false);
        if (r < 0)
            cli_warn("cannot drop capabilities: %s", strerror(-r));
    }

    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    fprintf(stderr, "ctfw: bridging %s and %s\n", if1, if2);

    rc = bridge_run(b);
    live_final_dump(lv, dump);
out:
    if (b->w)
        ctfw_capture_writer_close(b->w);
    for (int i = 0; i < 2; i++)
        ctfw_afp_close(b->port[i]);
    ctfw_nfq_close(hq.q);
    if (hq.raw4 >= 0)
        close(hq.raw4);
    if (hq.raw6 >= 0)
        close(hq.raw6);
    live_fini(lv);
    ctfw_host_free(host);
    free(b->arena);
    free(b);
    free(sets);
    return rc;
}
