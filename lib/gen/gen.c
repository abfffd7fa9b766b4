// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Traffic generator (include/ctfw/gen.h).
 *
 * An event-driven simulation: every live flow sits in a min-heap keyed by
 * the time of its next frame; each workload has a next-arrival time. The
 * generator pops whichever comes first, emits one frame and reschedules,
 * so memory follows the number of flows alive at once.
 *
 * The TCP scripts follow what a Linux client and server put on the wire,
 * seen from the server's interface: SYN with MSS, SACK-permitted,
 * timestamps, NOP and window scale 7 (in that order, 20 option bytes);
 * SYN-ACK likewise; later segments carry NOP NOP TS. The server's
 * response goes out in bursts of its congestion window (10 segments,
 * doubling per round trip, never more than the client's 64,256-byte
 * window), each burst acknowledged by the client one ACK per two
 * segments one RTT later; this keeps every segment inside the window that
 * conntrack's tcp_in_window() computes.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctfw/bytes.h"
#include "ctfw/csum.h"
#include "gen_private.h"

#define US 1000ull
#define MS 1000000ull
#define CLIENT_WIN_RAW 502     /* << 7 = 64,256 bytes */
#define SERVER_WIN_RAW 509     /* << 7 = 65,152 bytes */
#define MAX_BURST (502u * 128u / GEN_TS_MSS)   /* 44 segments */

enum web_step {
    W_SYN,
    W_SYNACK,
    W_ACK,
    W_REQ,
    W_RESP,
    W_RESP_ACK,
    W_CFIN,
    W_SFINACK,
    W_CLAST,
    W_SFIN,
    W_CFINACK,
    W_SLAST,
    W_DONE,
};

struct ctfw_gen {
    struct ctfw_gen_params p;
    struct gen_workload wl[GEN_MAX_WORKLOADS];
    unsigned n_wl;
    struct gen_flow **heap;
    size_t n_heap, cap_heap;
    struct gen_flow *free_list;  /* reuses the `wl` pointer as link */
    uint64_t next_id;
    uint64_t rng[4];
    uint8_t frame[GEN_FRAME_MAX];
    struct ctfw_gen_stats stats;
};

/* xoshiro256** seeded through splitmix64: fast and reproducible. */
static uint64_t
splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t
rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t
rnd(struct ctfw_gen *g)
{
    uint64_t *s = g->rng;
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

/* Uniform in (0, 1]. */
static double
rnd_unit(struct ctfw_gen *g)
{
    return ((double)(rnd(g) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
}

static uint64_t
exp_gap_ns(struct ctfw_gen *g, double rate)
{
    double s = -log(rnd_unit(g)) / rate;
    return (uint64_t)(s * 1e9) + 1;
}

/* ---- spec parsing ---------------------------------------------------- */

static int
parse_addr(const char *s, uint32_t *out)
{
    unsigned a, b, c, d;
    char tail;
    if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 ||
        a > 255 || b > 255 || c > 255 || d > 255)
        return -1;
    *out = a << 24 | b << 16 | c << 8 | d;
    return 0;
}

static int
parse_addr_port(const char *s, uint32_t *addr, uint16_t *port, bool need)
{
    char buf[64];
    const char *colon = strchr(s, ':');
    size_t n = colon ? (size_t)(colon - s) : strlen(s);
    if (n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (parse_addr(buf, addr) < 0)
        return -1;
    if (!colon)
        return need ? -1 : 0;
    char *end;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || p == 0 || p > 65535)
        return -1;
    *port = (uint16_t)p;
    return 0;
}

static int
parse_prefix(const char *s, uint32_t *net, uint32_t *mask)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (parse_addr(buf, net) < 0)
        return -1;
    unsigned long plen = 32;
    if (slash) {
        char *end;
        plen = strtoul(slash + 1, &end, 10);
        if (!slash[1] || *end || plen > 32)
            return -1;
    }
    *mask = plen ? ~0u << (32 - plen) : 0;
    *net &= *mask;
    return 0;
}

static int
parse_double(const char *s, double *out, double lo, double hi)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

static int
parse_u32(const char *s, uint32_t *out, uint32_t lo, uint32_t hi)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || *end || v < lo || v > hi)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static const char help_text[] =
    "web:KEY=VALUE,...        HTTP-like TCP connections to a server\n"
    "  rate=200               new connections per second (Poisson)\n"
    "  server=10.0.0.10:80    server address and port\n"
    "  clients=198.18.0.0/15  client addresses (random in the prefix)\n"
    "  requests=1             request/response exchanges per connection\n"
    "  req=400 resp=2000      request and response sizes, bytes\n"
    "  think=0.5              seconds between exchanges\n"
    "  keepalive=5            seconds idle after the last response\n"
    "  close=client           who closes first: client or server\n"
    "  rtt=20                 round-trip time, milliseconds\n"
    "synflood:KEY=VALUE,...   SYNs from random sources\n"
    "  rate=1000 target=10.0.0.10:80 sources=203.0.113.0/24\n"
    "  synack=1               the server answers each SYN once (0: no)\n"
    "dns:KEY=VALUE,...        UDP queries to port 53\n"
    "  rate=50 server=10.0.0.53 clients=198.18.0.0/15 rtt=2\n"
    "  answer=1               the server answers (0: unanswered)\n"
    "scan:KEY=VALUE,...       a TCP SYN scan\n"
    "  rate=500 target=10.0.0.10 source=192.0.2.66 ports=1-1024\n"
    "  open=22+80             open ports ('+'-separated): SYN-ACK, then\n"
    "                         the scanner's RST; closed ports: RST\n";

const char *
ctfw_gen_help(void)
{
    return help_text;
}

static void
wl_defaults(struct gen_workload *w, enum gen_kind kind)
{
    memset(w, 0, sizeof(*w));
    w->kind = kind;
    parse_prefix("198.18.0.0/15", &w->cli_net, &w->cli_mask);
    w->rtt = 0.020;
    w->answer = true;
    switch (kind) {
    case GEN_WEB:
        w->rate = 200;
        parse_addr("10.0.0.10", &w->server);
        w->port = 80;
        w->requests = 1;
        w->req = 400;
        w->resp = 2000;
        w->think = 0.5;
        w->keepalive = 5;
        break;
    case GEN_SYNFLOOD:
        w->rate = 1000;
        parse_addr("10.0.0.10", &w->server);
        w->port = 80;
        parse_prefix("203.0.113.0/24", &w->cli_net, &w->cli_mask);
        break;
    case GEN_DNS:
        w->rate = 50;
        parse_addr("10.0.0.53", &w->server);
        w->port = 53;
        w->rtt = 0.002;
        break;
    case GEN_SCAN:
        w->rate = 500;
        parse_addr("10.0.0.10", &w->server);
        parse_addr("192.0.2.66", &w->scan_src);
        w->port_lo = 1;
        w->port_hi = 1024;
        break;
    }
}

static int
wl_key(struct gen_workload *w, const char *k, const char *v)
{
    bool tcp = w->kind != GEN_DNS;
    if (!strcmp(k, "rate"))
        return parse_double(v, &w->rate, 1e-6, 1e8);
    if (!strcmp(k, "server") || !strcmp(k, "target")) {
        if (w->kind == GEN_SCAN)
            return parse_addr(v, &w->server);
        return parse_addr_port(v, &w->server, &w->port, false);
    }
    if ((!strcmp(k, "clients") || !strcmp(k, "sources")) &&
        w->kind != GEN_SCAN)
        return parse_prefix(v, &w->cli_net, &w->cli_mask);
    if (!strcmp(k, "rtt")) {
        double ms;
        if (parse_double(v, &ms, 0.01, 60000) < 0)
            return -1;
        w->rtt = ms / 1000.0;
        return 0;
    }
    if (w->kind == GEN_WEB) {
        if (!strcmp(k, "requests"))
            return parse_u32(v, &w->requests, 1, 1000000);
        if (!strcmp(k, "req"))
            return parse_u32(v, &w->req, 1, 60000);
        if (!strcmp(k, "resp"))
            return parse_u32(v, &w->resp, 1, 1u << 30);
        if (!strcmp(k, "think"))
            return parse_double(v, &w->think, 0, 86400);
        if (!strcmp(k, "keepalive"))
            return parse_double(v, &w->keepalive, 0, 86400 * 7);
        if (!strcmp(k, "close")) {
            if (!strcmp(v, "client"))
                w->close_server = false;
            else if (!strcmp(v, "server"))
                w->close_server = true;
            else
                return -1;
            return 0;
        }
    }
    if ((!strcmp(k, "synack") && w->kind == GEN_SYNFLOOD) ||
        (!strcmp(k, "answer") && w->kind == GEN_DNS)) {
        if (strcmp(v, "0") && strcmp(v, "1"))
            return -1;
        w->answer = v[0] == '1';
        return 0;
    }
    if (w->kind == GEN_SCAN) {
        if (!strcmp(k, "source"))
            return parse_addr(v, &w->scan_src);
        if (!strcmp(k, "ports")) {
            char *end;
            unsigned long lo = strtoul(v, &end, 10), hi = lo;
            if (*end == '-')
                hi = strtoul(end + 1, &end, 10);
            if (end == v || *end || lo < 1 || hi > 65535 || lo > hi)
                return -1;
            w->port_lo = (uint32_t)lo;
            w->port_hi = (uint32_t)hi;
            return 0;
        }
        if (!strcmp(k, "open")) {
            w->n_open = 0;
            const char *p = v;
            while (*p) {
                char *end;
                unsigned long port = strtoul(p, &end, 10);
                if (end == p || port < 1 || port > 65535 ||
                    w->n_open == GEN_MAX_OPEN)
                    return -1;
                w->open[w->n_open++] = (uint16_t)port;
                p = *end == '+' ? end + 1 : end;
                if (*end && *end != '+')
                    return -1;
            }
            return 0;
        }
    }
    (void)tcp;
    return -2;   /* unknown key */
}

struct ctfw_gen *
ctfw_gen_new(const struct ctfw_gen_params *p)
{
    struct ctfw_gen *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->p = *p;
    uint64_t x = p->seed;
    for (int i = 0; i < 4; i++)
        g->rng[i] = splitmix(&x);
    return g;
}

void
ctfw_gen_free(struct ctfw_gen *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n_heap; i++)
        free(g->heap[i]);
    while (g->free_list) {
        struct gen_flow *f = g->free_list;
        g->free_list = (struct gen_flow *)(void *)f->wl;
        free(f);
    }
    free(g->heap);
    free(g);
}

int
ctfw_gen_add(struct ctfw_gen *g, const char *spec, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        enum gen_kind kind;
    } kinds[] = {{"web", GEN_WEB},
                 {"synflood", GEN_SYNFLOOD},
                 {"dns", GEN_DNS},
                 {"scan", GEN_SCAN}};
    if (g->n_wl == GEN_MAX_WORKLOADS) {
        snprintf(err, errlen, "too many workloads (at most %d)",
                 GEN_MAX_WORKLOADS);
        return -EINVAL;
    }
    size_t kl = strcspn(spec, ":");
    struct gen_workload *w = &g->wl[g->n_wl];
    bool found = false;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strlen(kinds[i].name) == kl &&
            !strncmp(spec, kinds[i].name, kl)) {
            wl_defaults(w, kinds[i].kind);
            found = true;
        }
    if (!found) {
        snprintf(err, errlen, "unknown workload '%.*s' in '%s' (web, "
                 "synflood, dns, scan)", (int)kl, spec, spec);
        return -EINVAL;
    }
    const char *p = spec[kl] == ':' ? spec + kl + 1 : spec + kl;
    while (*p) {
        size_t n = strcspn(p, ",");
        char item[128];
        if (n >= sizeof(item)) {
            snprintf(err, errlen, "item too long in '%s'", spec);
            return -EINVAL;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        char *eq = strchr(item, '=');
        if (!eq) {
            snprintf(err, errlen, "'%s' in '%s' is not KEY=VALUE", item,
                     spec);
            return -EINVAL;
        }
        *eq = '\0';
        int rc = wl_key(w, item, eq + 1);
        if (rc == -2) {
            snprintf(err, errlen, "unknown key '%s' for %.*s (see ctfw "
                     "gen --help)", item, (int)kl, spec);
            return -EINVAL;
        }
        if (rc < 0) {
            snprintf(err, errlen, "bad value '%s' for %s in '%s'", eq + 1,
                     item, spec);
            return -EINVAL;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    w->next_arrival = g->p.start_ns;
    if (w->kind != GEN_SCAN)
        w->next_arrival += exp_gap_ns(g, w->rate);
    w->next_port = w->port_lo;
    w->scan_sport = (uint16_t)(40000 + rnd(g) % 20000);
    g->n_wl++;
    return 0;
}

/* ---- the heap ---------------------------------------------------------- */

static bool
flow_before(const struct gen_flow *a, const struct gen_flow *b)
{
    return a->t < b->t || (a->t == b->t && a->id < b->id);
}

static int
heap_push(struct ctfw_gen *g, struct gen_flow *f)
{
    if (g->n_heap == g->cap_heap) {
        size_t nc = g->cap_heap ? g->cap_heap * 2 : 1024;
        struct gen_flow **nh = realloc(g->heap, nc * sizeof(*nh));
        if (!nh)
            return -ENOMEM;
        g->heap = nh;
        g->cap_heap = nc;
    }
    size_t i = g->n_heap++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!flow_before(f, g->heap[parent]))
            break;
        g->heap[i] = g->heap[parent];
        i = parent;
    }
    g->heap[i] = f;
    if (g->n_heap > g->stats.peak_active)
        g->stats.peak_active = g->n_heap;
    return 0;
}

/* Restore heap order after the top element's key grew (or it left). */
static void
heap_sift_down(struct ctfw_gen *g, size_t i)
{
    struct gen_flow *f = g->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= g->n_heap)
            break;
        if (c + 1 < g->n_heap && flow_before(g->heap[c + 1], g->heap[c]))
            c++;
        if (!flow_before(g->heap[c], f))
            break;
        g->heap[i] = g->heap[c];
        i = c;
    }
    g->heap[i] = f;
}

static struct gen_flow *
flow_alloc(struct ctfw_gen *g)
{
    struct gen_flow *f = g->free_list;
    if (f)
        g->free_list = (struct gen_flow *)(void *)f->wl;
    else
        f = malloc(sizeof(*f));
    if (f)
        memset(f, 0, sizeof(*f));
    return f;
}

static void
flow_release(struct ctfw_gen *g, struct gen_flow *f)
{
    f->wl = (const struct gen_workload *)(void *)g->free_list;
    g->free_list = f;
}

/* ---- frames ------------------------------------------------------------ */

/* Ethernet + IPv4 header for an L4 payload of l4len bytes; returns the
 * L4 start. The server side is 02:00:00:00:00:0a, the router towards
 * the clients 02:00:00:00:00:01. */
static uint8_t *
ip_header(struct ctfw_gen *g, bool to_server, uint32_t src, uint32_t dst,
          uint8_t proto, size_t l4len, uint16_t ipid, bool df)
{
    uint8_t *f = g->frame;
    static const uint8_t srv[6] = {2, 0, 0, 0, 0, 0x0a};
    static const uint8_t rtr[6] = {2, 0, 0, 0, 0, 0x01};
    memcpy(f, to_server ? srv : rtr, 6);
    memcpy(f + 6, to_server ? rtr : srv, 6);
    ctfw_put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[1] = 0;
    ctfw_put16(ip + 2, (uint16_t)(20 + l4len));
    ctfw_put16(ip + 4, ipid);
    ctfw_put16(ip + 6, df ? 0x4000 : 0);
    /* Clients are some hops away; the server is the local host. */
    ip[8] = to_server ? 57 : 64;
    ip[9] = proto;
    ctfw_put16(ip + 10, 0);
    ctfw_put32(ip + 12, src);
    ctfw_put32(ip + 16, dst);
    ctfw_put16(ip + 10, ctfw_csum_fold(ctfw_csum_partial(ip, 20, 0)));
    return ip + 20;
}

static void
l4_checksum(uint8_t *l4, size_t len, size_t csum_off, uint32_t src,
            uint32_t dst, uint8_t proto)
{
    uint8_t ph[12];
    ctfw_put32(ph, src);
    ctfw_put32(ph + 4, dst);
    ph[8] = 0;
    ph[9] = proto;
    ctfw_put16(ph + 10, (uint16_t)len);
    uint32_t s = ctfw_csum_partial(ph, 12, 0);
    s = ctfw_csum_partial(l4, len, s);
    uint16_t c = ctfw_csum_fold(s);
    /* UDP sends a computed 0 as 0xffff (RFC 768). */
    if (proto == 17 && c == 0)
        c = 0xffff;
    ctfw_put16(l4 + csum_off, c);
}

static void
fill_payload(uint8_t *p, size_t n, bool request, uint64_t off)
{
    static const char req[] = "GET /index.html HTTP/1.1\r\nHost: "
                              "www.example.com\r\nUser-Agent: ctfw-gen\r\n";
    static const char resp[] = "HTTP/1.1 200 OK\r\nServer: ctfw-gen\r\n"
                               "Content-Type: text/html\r\n";
    const char *h = request ? req : resp;
    size_t hl = strlen(h);
    for (size_t i = 0; i < n; i++)
        p[i] = off + i < hl ? (uint8_t)h[off + i] : (uint8_t)'x';
}

struct tcp_seg {
    bool to_server;
    uint8_t flags;
    uint32_t seq, ack;
    uint16_t win;
    uint32_t len;           /* payload bytes */
    bool syn_opts;
    uint32_t tsval, tsecr;
    uint64_t payload_off;   /* offset in the request/response stream */
};

static uint32_t
emit_tcp(struct ctfw_gen *g, struct gen_flow *f, const struct tcp_seg *s)
{
    size_t optlen = s->syn_opts ? 20 : 12;
    size_t hl = 20 + optlen, l4len = hl + s->len;
    uint32_t src = s->to_server ? f->cip : f->sip;
    uint32_t dst = s->to_server ? f->sip : f->cip;
    uint16_t ipid = s->to_server ? f->ipid_c++ : f->ipid_s++;
    uint8_t *t = ip_header(g, s->to_server, src, dst, 6, l4len, ipid, true);
    ctfw_put16(t, s->to_server ? f->cport : f->sport);
    ctfw_put16(t + 2, s->to_server ? f->sport : f->cport);
    ctfw_put32(t + 4, s->seq);
    ctfw_put32(t + 8, s->ack);
    t[12] = (uint8_t)((hl / 4) << 4);
    t[13] = s->flags;
    ctfw_put16(t + 14, s->win);
    ctfw_put16(t + 16, 0);
    ctfw_put16(t + 18, 0);
    uint8_t *o = t + 20;
    if (s->syn_opts) {
        /* Linux order: MSS, SACK-permitted, timestamps, NOP, wscale. */
        o[0] = 2, o[1] = 4, ctfw_put16(o + 2, GEN_MSS);
        o[4] = 4, o[5] = 2;
        o[6] = 8, o[7] = 10, ctfw_put32(o + 8, s->tsval), ctfw_put32(o + 12, s->tsecr);
        o[16] = 1, o[17] = 3, o[18] = 3, o[19] = 7;
    } else {
        o[0] = 1, o[1] = 1, o[2] = 8, o[3] = 10;
        ctfw_put32(o + 4, s->tsval);
        ctfw_put32(o + 8, s->tsecr);
    }
    fill_payload(t + hl, s->len, s->to_server, s->payload_off);
    l4_checksum(t, l4len, 16, src, dst, 6);
    return (uint32_t)(14 + 20 + l4len);
}

static uint32_t
ts_ms(const struct gen_flow *f, bool client, uint64_t t)
{
    return (client ? f->cts0 : f->sts0) + (uint32_t)((t - f->t0) / MS);
}

static uint32_t
rand_host(struct ctfw_gen *g, const struct gen_workload *w)
{
    uint32_t span = ~w->cli_mask;
    if (span < 2)
        return w->cli_net | (span ? (uint32_t)(rnd(g) & 1) : 0);
    /* Avoid the network and broadcast addresses of the prefix. */
    return w->cli_net | (uint32_t)(1 + rnd(g) % (span - 1));
}

/* ---- the flow scripts ------------------------------------------------ */

static uint64_t
rtt_ns(const struct gen_workload *w)
{
    return (uint64_t)(w->rtt * 1e9);
}

/* Emit the web flow's current step and advance it. Returns the frame
 * length; sets f->step = W_DONE after the last frame. */
static uint32_t
web_step(struct ctfw_gen *g, struct gen_flow *f)
{
    const struct gen_workload *w = f->wl;
    uint64_t t = f->t, rtt = rtt_ns(w);
    struct tcp_seg s = {0};
    uint32_t len;

    s.tsval = 0;
    switch ((enum web_step)f->step) {
    case W_SYN:
        s = (struct tcp_seg){true, 0x02, f->cseq, 0, 64240, 0, true,
                             ts_ms(f, true, t), 0, 0};
        len = emit_tcp(g, f, &s);
        f->cseq++;
        f->step = W_SYNACK;
        f->t = t + 50 * US;
        return len;
    case W_SYNACK:
        s = (struct tcp_seg){false, 0x12, f->sseq, f->cseq, 65160, 0, true,
                             ts_ms(f, false, t), ts_ms(f, true, t), 0};
        len = emit_tcp(g, f, &s);
        f->sseq++;
        f->step = W_ACK;
        f->t = t + rtt;
        return len;
    case W_ACK:
        s = (struct tcp_seg){true, 0x10, f->cseq, f->sseq, CLIENT_WIN_RAW,
                             0, false, ts_ms(f, true, t),
                             ts_ms(f, false, t), 0};
        len = emit_tcp(g, f, &s);
        f->step = W_REQ;
        f->t = t + 20 * US;
        return len;
    case W_REQ: {
        uint32_t n = f->resp_left > GEN_TS_MSS ? GEN_TS_MSS : f->resp_left;
        s = (struct tcp_seg){true, 0x18, f->cseq, f->sseq, CLIENT_WIN_RAW,
                             n, false, ts_ms(f, true, t),
                             ts_ms(f, false, t), 0};
        /* Requests over one segment go out back to back. */
        s.payload_off = w->req - f->resp_left;
        len = emit_tcp(g, f, &s);
        f->cseq += n;
        if (f->resp_left > n) {
            f->resp_left -= n;
            f->t = t + 10 * US;
            return len;
        }
        f->resp_left = w->resp;
        f->cwnd = f->cwnd ? f->cwnd : 10;
        f->step = W_RESP;
        f->burst_left = 0;
        f->t = t + 200 * US;
        return len;
    }
    case W_RESP: {
        if (f->burst_left == 0) {
            uint32_t segs = (f->resp_left + GEN_TS_MSS - 1) / GEN_TS_MSS;
            uint32_t b = f->cwnd < MAX_BURST ? f->cwnd : MAX_BURST;
            f->burst_left = segs < b ? segs : b;
            f->burst_size = f->burst_left;
            f->burst_seq = f->sseq;
        }
        uint32_t n = f->resp_left > GEN_TS_MSS ? GEN_TS_MSS : f->resp_left;
        s = (struct tcp_seg){false, (uint8_t)(n == f->resp_left ? 0x18
                                                                 : 0x10),
                             f->sseq, f->cseq, SERVER_WIN_RAW, n, false,
                             ts_ms(f, false, t), ts_ms(f, true, t),
                             w->resp - f->resp_left};
        len = emit_tcp(g, f, &s);
        f->sseq += n;
        f->resp_left -= n;
        f->burst_left--;
        if (f->burst_left == 0) {
            /* One ACK per two segments, a round trip later. */
            f->acks_left = (f->burst_size + 1) / 2;
            f->ack_k = 0;
            f->step = W_RESP_ACK;
            f->t = t + rtt;
        } else {
            f->t = t + 12 * US;
        }
        return len;
    }
    case W_RESP_ACK: {
        /* The k-th ACK of a burst covers its first 2k segments. */
        f->ack_k++;
        uint32_t covered = 2 * f->ack_k * GEN_TS_MSS;
        uint32_t ack = f->sseq - f->burst_seq > covered
                           ? f->burst_seq + covered
                           : f->sseq;
        s = (struct tcp_seg){true, 0x10, f->cseq, ack, CLIENT_WIN_RAW, 0,
                             false, ts_ms(f, true, t), ts_ms(f, false, t),
                             0};
        len = emit_tcp(g, f, &s);
        if (f->acks_left > 1) {
            f->acks_left--;
            f->t = t + 24 * US;
            return len;
        }
        f->acks_left = 0;
        if (f->resp_left) {
            f->cwnd *= 2;
            f->step = W_RESP;
            f->t = t + 50 * US;
        } else if (--f->req_left) {
            f->step = W_REQ;
            f->resp_left = w->req;
            f->t = t + (uint64_t)(w->think * 1e9) + 1;
        } else {
            f->step = w->close_server ? W_SFIN : W_CFIN;
            f->t = t + (uint64_t)(w->keepalive * 1e9) + 1;
        }
        return len;
    }
    case W_CFIN:
        s = (struct tcp_seg){true, 0x11, f->cseq, f->sseq, CLIENT_WIN_RAW,
                             0, false, ts_ms(f, true, t),
                             ts_ms(f, false, t), 0};
        len = emit_tcp(g, f, &s);
        f->cseq++;
        f->step = W_SFINACK;
        f->t = t + 50 * US;
        return len;
    case W_SFINACK:
        s = (struct tcp_seg){false, 0x11, f->sseq, f->cseq, SERVER_WIN_RAW,
                             0, false, ts_ms(f, false, t),
                             ts_ms(f, true, t), 0};
        len = emit_tcp(g, f, &s);
        f->sseq++;
        f->step = W_CLAST;
        f->t = t + rtt;
        return len;
    case W_CLAST:
        s = (struct tcp_seg){true, 0x10, f->cseq, f->sseq, CLIENT_WIN_RAW,
                             0, false, ts_ms(f, true, t),
                             ts_ms(f, false, t), 0};
        len = emit_tcp(g, f, &s);
        f->step = W_DONE;
        return len;
    case W_SFIN:
        s = (struct tcp_seg){false, 0x11, f->sseq, f->cseq, SERVER_WIN_RAW,
                             0, false, ts_ms(f, false, t),
                             ts_ms(f, true, t), 0};
        len = emit_tcp(g, f, &s);
        f->sseq++;
        f->step = W_CFINACK;
        f->t = t + rtt;
        return len;
    case W_CFINACK:
        s = (struct tcp_seg){true, 0x11, f->cseq, f->sseq, CLIENT_WIN_RAW,
                             0, false, ts_ms(f, true, t),
                             ts_ms(f, false, t), 0};
        len = emit_tcp(g, f, &s);
        f->cseq++;
        f->step = W_SLAST;
        f->t = t + 50 * US;
        return len;
    case W_SLAST:
        s = (struct tcp_seg){false, 0x10, f->sseq, f->cseq, SERVER_WIN_RAW,
                             0, false, ts_ms(f, false, t),
                             ts_ms(f, true, t), 0};
        len = emit_tcp(g, f, &s);
        f->step = W_DONE;
        return len;
    case W_DONE:
        break;
    }
    return 0;
}

static uint32_t
synflood_step(struct ctfw_gen *g, struct gen_flow *f)
{
    uint64_t t = f->t;
    struct tcp_seg s;
    uint32_t len;
    if (f->step == 0) {
        s = (struct tcp_seg){true, 0x02, f->cseq, 0, 64240, 0, true,
                             ts_ms(f, true, t), 0, 0};
        len = emit_tcp(g, f, &s);
        f->cseq++;
        f->step = f->wl->answer ? 1 : W_DONE;
        f->t = t + 50 * US;
        return len;
    }
    s = (struct tcp_seg){false, 0x12, f->sseq, f->cseq, 65160, 0, true,
                         ts_ms(f, false, t), ts_ms(f, true, t), 0};
    len = emit_tcp(g, f, &s);
    f->step = W_DONE;
    return len;
}

static uint32_t
scan_step(struct ctfw_gen *g, struct gen_flow *f)
{
    uint64_t t = f->t;
    struct tcp_seg s;
    uint32_t len;
    switch (f->step) {
    case 0:
        /* nmap -sS sends a bare SYN with one MSS option; we send the
         * Linux option set so the segment is well-formed either way. */
        s = (struct tcp_seg){true, 0x02, f->cseq, 0, 1024, 0, true,
                             ts_ms(f, true, t), 0, 0};
        len = emit_tcp(g, f, &s);
        f->cseq++;
        f->step = 1;
        f->t = t + 50 * US;
        return len;
    case 1:
        if (!f->open_port) {
            s = (struct tcp_seg){false, 0x14, 0, f->cseq, 0, 0, false,
                                 ts_ms(f, false, t), ts_ms(f, true, t), 0};
            len = emit_tcp(g, f, &s);
            f->step = W_DONE;
            return len;
        }
        s = (struct tcp_seg){false, 0x12, f->sseq, f->cseq, 65160, 0, true,
                             ts_ms(f, false, t), ts_ms(f, true, t), 0};
        len = emit_tcp(g, f, &s);
        f->sseq++;
        f->step = 2;
        f->t = t + rtt_ns(f->wl);
        return len;
    default:
        s = (struct tcp_seg){true, 0x04, f->cseq, 0, 0, 0, false,
                             ts_ms(f, true, t), 0, 0};
        len = emit_tcp(g, f, &s);
        f->step = W_DONE;
        return len;
    }
}

static uint32_t
dns_step(struct ctfw_gen *g, struct gen_flow *f)
{
    bool query = f->step == 0;
    size_t pl = query ? 33 : 49;   /* an A query and its answer */
    size_t l4len = 8 + pl;
    uint32_t src = query ? f->cip : f->sip, dst = query ? f->sip : f->cip;
    uint8_t *u = ip_header(g, query, src, dst, 17, l4len,
                           query ? f->ipid_c++ : f->ipid_s++, false);
    ctfw_put16(u, query ? f->cport : f->sport);
    ctfw_put16(u + 2, query ? f->sport : f->cport);
    ctfw_put16(u + 4, (uint16_t)l4len);
    ctfw_put16(u + 6, 0);
    uint8_t *d = u + 8;
    memset(d, 0, pl);
    ctfw_put16(d, (uint16_t)f->cseq);               /* DNS id */
    ctfw_put16(d + 2, query ? 0x0100 : 0x8180);     /* RD / QR RD RA */
    ctfw_put16(d + 4, 1);
    ctfw_put16(d + 6, query ? 0 : 1);
    static const uint8_t qname[] = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm',
                                    'p', 'l', 'e', 3, 'c', 'o', 'm', 0};
    memcpy(d + 12, qname, sizeof(qname));
    ctfw_put16(d + 12 + sizeof(qname), 1);          /* A */
    ctfw_put16(d + 14 + sizeof(qname), 1);          /* IN */
    if (!query) {
        uint8_t *a = d + 16 + sizeof(qname);
        ctfw_put16(a, 0xc00c);
        ctfw_put16(a + 2, 1);
        ctfw_put16(a + 4, 1);
        ctfw_put32(a + 6, 300);
        ctfw_put16(a + 10, 4);
        ctfw_put32(a + 12, 0x5db8d822);             /* 93.184.216.34 */
    }
    l4_checksum(u, l4len, 6, src, dst, 17);
    if (query && f->wl->answer) {
        f->step = 1;
        f->t += rtt_ns(f->wl);
    } else {
        f->step = W_DONE;
    }
    return (uint32_t)(14 + 20 + l4len);
}

/* Start a flow of workload w at time t. */
static int
spawn(struct ctfw_gen *g, struct gen_workload *w, uint64_t t)
{
    struct gen_flow *f = flow_alloc(g);
    if (!f)
        return -ENOMEM;
    f->t = t;
    f->t0 = t;
    f->id = g->next_id++;
    f->wl = w;
    f->sip = w->server;
    f->sport = w->port;
    f->cseq = (uint32_t)rnd(g);
    f->sseq = (uint32_t)rnd(g);
    f->cts0 = (uint32_t)rnd(g);
    f->sts0 = (uint32_t)rnd(g);
    f->ipid_c = (uint16_t)rnd(g);
    f->ipid_s = (uint16_t)rnd(g);
    f->req_left = w->requests;
    f->resp_left = w->req;   /* W_REQ counts request bytes here */
    if (w->kind == GEN_SCAN) {
        f->cip = w->scan_src;
        f->cport = w->scan_sport;
        f->sport = (uint16_t)w->next_port;
        for (unsigned i = 0; i < w->n_open; i++)
            if (w->open[i] == f->sport)
                f->open_port = true;
    } else {
        f->cip = rand_host(g, w);
        /* Linux's default ip_local_port_range. */
        f->cport = (uint16_t)(32768 + rnd(g) % (60999 - 32768 + 1));
    }
    g->stats.connections++;
    return heap_push(g, f) < 0 ? -ENOMEM : 0;
}

int
ctfw_gen_next(struct ctfw_gen *g, struct ctfw_gen_frame *out)
{
    uint64_t end = g->p.start_ns + g->p.duration_ns;
    for (;;) {
        /* The earliest arrival among the workloads. */
        struct gen_workload *wmin = NULL;
        for (unsigned i = 0; i < g->n_wl; i++) {
            struct gen_workload *w = &g->wl[i];
            if (w->next_arrival < end &&
                (!wmin || w->next_arrival < wmin->next_arrival))
                wmin = w;
        }
        struct gen_flow *top = g->n_heap ? g->heap[0] : NULL;
        if (wmin && (!top || wmin->next_arrival <= top->t)) {
            if (spawn(g, wmin, wmin->next_arrival) < 0)
                return -ENOMEM;
            if (wmin->kind == GEN_SCAN) {
                wmin->next_port++;
                wmin->next_arrival =
                    wmin->next_port > wmin->port_hi
                        ? UINT64_MAX
                        : wmin->next_arrival +
                              (uint64_t)(1e9 / wmin->rate);
            } else {
                wmin->next_arrival += exp_gap_ns(g, wmin->rate);
            }
            continue;
        }
        if (!top)
            return 0;
        uint64_t t = top->t;
        uint32_t len = 0;
        switch (top->wl->kind) {
        case GEN_WEB:
            len = web_step(g, top);
            break;
        case GEN_SYNFLOOD:
            len = synflood_step(g, top);
            break;
        case GEN_DNS:
            len = dns_step(g, top);
            break;
        case GEN_SCAN:
            len = scan_step(g, top);
            break;
        }
        if (top->step == W_DONE) {
            g->heap[0] = g->heap[--g->n_heap];
            if (g->n_heap)
                heap_sift_down(g, 0);
            flow_release(g, top);
        } else {
            heap_sift_down(g, 0);
        }
        out->ts_ns = t;
        out->data = g->frame;
        out->wirelen = len;
        out->caplen = g->p.snaplen && len > g->p.snaplen ? g->p.snaplen
                                                          : len;
        g->stats.frames++;
        g->stats.bytes += len;
        return 1;
    }
}

const struct ctfw_gen_stats *
ctfw_gen_stats(const struct ctfw_gen *g)
{
    return &g->stats;
}
