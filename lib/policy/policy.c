// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Table-full policies (include/ctfw/policy.h, docs/policies.md): their
 * settings, their arithmetic as each reference computes it, and the
 * per-table runtime lib/ct consults when a policy is attached.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctfw/policy.h"

#define NS_PER_SEC 1000000000ull

/* ---- Settings --------------------------------------------------------- */

/*
 * Suricata's default flow-timeouts (suricata.yaml shipped with 6.x/7.x,
 * "flow-timeouts:"): the emergency-* values; `bypassed` has no ctfw
 * counterpart. default: emergency-new 10, -established 100, -closed 0;
 * tcp: 5, 100, 10; udp: 10, 100 (no closed: a UDP flow never closes, the
 * new value stands); icmp: 10, 100.
 */
static const uint32_t suricata_emergency[CTFW_POLICY_P_COUNT]
                                        [CTFW_POLICY_S_COUNT] = {
    [CTFW_POLICY_P_TCP] = {5, 100, 10},
    [CTFW_POLICY_P_UDP] = {10, 100, 10},
    [CTFW_POLICY_P_ICMP] = {10, 100, 10},
    [CTFW_POLICY_P_DEFAULT] = {10, 100, 0},
};

void
ctfw_policy_config_init(struct ctfw_policy_config *c)
{
    memset(c, 0, sizeof(*c));
    /* pf.conf(5): "adaptive.start ... defaults to 60% of the limit
     * states; adaptive.end ... 120%". */
    c->adaptive_start = 60;
    c->adaptive_end = 120;
    c->adaptive_start_pct = c->adaptive_end_pct = true;
    /* Suricata: emergency when the memcap is hit (the table is full);
     * emergency-recovery: 30. */
    c->emergency_threshold = 100;
    c->emergency_recovery = 30;
    memcpy(c->emergency_timeout, suricata_emergency,
           sizeof(suricata_emergency));
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* A decimal number without sign or junk, at most max. */
static bool
parse_u32(const char *s, size_t n, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 10)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* N or N% */
static bool
parse_count(const char *s, uint32_t *out, bool *pct)
{
    size_t n = strlen(s);
    *pct = n && s[n - 1] == '%';
    return parse_u32(s, *pct ? n - 1 : n, *pct ? 10000 : UINT32_MAX, out);
}

/* tcp/22, udp/53, 22, ADDR, ADDR/PLEN */
static bool
parse_match(const char *s, size_t n, struct ctfw_policy_match *m)
{
    char buf[64];
    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    memset(m, 0, sizeof(*m));
    uint32_t port;
    if (!strncmp(buf, "tcp/", 4) || !strncmp(buf, "udp/", 4)) {
        if (!parse_u32(buf + 4, strlen(buf + 4), 65535, &port) || !port)
            return false;
        m->kind = 1;
        m->proto = buf[0] == 't' ? 6 : 17;
        m->port = (uint16_t)port;
        return true;
    }
    if (parse_u32(buf, n, 65535, &port)) {
        if (!port)
            return false;
        m->kind = 1;
        m->port = (uint16_t)port;
        return true;
    }
    char *slash = strchr(buf, '/');
    uint32_t plen = 0;
    if (slash) {
        *slash = '\0';
        if (!parse_u32(slash + 1, strlen(slash + 1), 128, &plen))
            return false;
    }
    m->kind = 2;
    if (inet_pton(AF_INET, buf, m->addr.b) == 1) {
        m->family = 4;
        if (!slash)
            plen = 32;
        if (plen > 32)
            return false;
    } else if (inet_pton(AF_INET6, buf, m->addr.b) == 1) {
        m->family = 6;
        if (!slash)
            plen = 128;
    } else {
        return false;
    }
    m->plen = (uint8_t)plen;
    return true;
}

static int
parse_matches(const char *val, struct ctfw_policy_match *v, unsigned *n,
              const char *key, char *err, size_t errlen)
{
    *n = 0;
    const char *p = val;
    while (*p) {
        const char *e = strchr(p, '+');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (*n == CTFW_POLICY_MAX_MATCH)
            return fail(err, errlen, "%s: more than 16 items in '%s'", key,
                        val);
        if (!parse_match(p, len, &v[*n]))
            return fail(err, errlen,
                        "%s: '%s' is not PROTO/PORT, PORT, ADDRESS or "
                        "ADDRESS/PREFIX (items joined by '+')",
                        key, val);
        (*n)++;
        p += len;
        if (*p == '+')
            p++;
    }
    if (!*n)
        return fail(err, errlen, "%s: empty list", key);
    return 0;
}

static const struct {
    const char *name;
    unsigned flag;
} policy_names[] = {
    {"adaptive", CTFW_POLICY_ADAPTIVE},   {"emergency", CTFW_POLICY_EMERGENCY},
    {"exempt", CTFW_POLICY_EXEMPT},       {"src", CTFW_POLICY_SRC},
    {"synproxy", CTFW_POLICY_SYNPROXY},
};
#define N_POLICY_NAMES (sizeof(policy_names) / sizeof(policy_names[0]))

static const char *const proto_names[CTFW_POLICY_P_COUNT] = {
    "tcp", "udp", "icmp", "default"};
static const char *const stage_names[CTFW_POLICY_S_COUNT] = {
    "new", "established", "closed"};

int
ctfw_policy_config_set(struct ctfw_policy_config *c, const char *key,
                       const char *val, char *err, size_t errlen)
{
    uint32_t v;
    bool pct;
    if (!strcmp(key, "policy")) {
        const char *p = val;
        if (!*p)
            return fail(err, errlen, "policy: empty");
        while (*p) {
            const char *e = strchr(p, '+');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            size_t i;
            for (i = 0; i < N_POLICY_NAMES; i++)
                if (strlen(policy_names[i].name) == len &&
                    !memcmp(policy_names[i].name, p, len))
                    break;
            if (i == N_POLICY_NAMES)
                return fail(err, errlen,
                            "policy: unknown policy in '%s' (adaptive, "
                            "emergency, exempt, src, synproxy, joined by "
                            "'+')",
                            val);
            c->flags |= policy_names[i].flag;
            p += len;
            if (*p == '+')
                p++;
        }
        return 1;
    }
    if (!strcmp(key, "adaptive.start") || !strcmp(key, "adaptive.end")) {
        if (!parse_count(val, &v, &pct))
            return fail(err, errlen, "%s: '%s' is not N or N%%", key, val);
        if (key[9] == 's') {
            c->adaptive_start = v;
            c->adaptive_start_pct = pct;
        } else {
            c->adaptive_end = v;
            c->adaptive_end_pct = pct;
        }
        c->flags |= CTFW_POLICY_ADAPTIVE;
        return 1;
    }
    if (!strcmp(key, "emergency.threshold") ||
        !strcmp(key, "emergency.recovery")) {
        if (!parse_count(val, &v, &pct) || !pct || v > 100)
            return fail(err, errlen, "%s: '%s' is not a percentage N%%",
                        key, val);
        if (key[10] == 't')
            c->emergency_threshold = v;
        else
            c->emergency_recovery = v;
        c->flags |= CTFW_POLICY_EMERGENCY;
        return 1;
    }
    if (!strncmp(key, "emergency.", 10)) {
        for (int pr = 0; pr < CTFW_POLICY_P_COUNT; pr++) {
            size_t pl = strlen(proto_names[pr]);
            if (strncmp(key + 10, proto_names[pr], pl) || key[10 + pl] != '.')
                continue;
            for (int st = 0; st < CTFW_POLICY_S_COUNT; st++) {
                if (strcmp(key + 11 + pl, stage_names[st]))
                    continue;
                if (!parse_u32(val, strlen(val), 1u << 30, &v))
                    return fail(err, errlen, "%s: '%s' is not seconds",
                                key, val);
                c->emergency_timeout[pr][st] = v;
                c->flags |= CTFW_POLICY_EMERGENCY;
                return 1;
            }
        }
        return fail(err, errlen,
                    "%s: unknown key (emergency.threshold, "
                    "emergency.recovery, emergency.PROTO.STAGE)",
                    key);
    }
    if (!strcmp(key, "exempt")) {
        if (parse_matches(val, c->exempt, &c->n_exempt, key, err, errlen))
            return -1;
        c->flags |= CTFW_POLICY_EXEMPT;
        return 1;
    }
    if (!strcmp(key, "synproxy")) {
        c->n_synproxy = 0;
        if (strcmp(val, "all") &&
            parse_matches(val, c->synproxy, &c->n_synproxy, key, err,
                          errlen))
            return -1;
        for (unsigned i = 0; i < c->n_synproxy; i++)
            if (c->synproxy[i].kind != 1 || c->synproxy[i].proto == 17)
                return fail(err, errlen,
                            "synproxy: '%s': only TCP ports (tcp/80, 80) "
                            "or all",
                            val);
        c->flags |= CTFW_POLICY_SYNPROXY;
        return 1;
    }
    if (!strcmp(key, "max-src-states") || !strcmp(key, "max-src-conn")) {
        if (!parse_u32(val, strlen(val), UINT32_MAX, &v) || !v)
            return fail(err, errlen, "%s: '%s' is not a positive number",
                        key, val);
        if (key[8] == 's')
            c->max_src_states = v;
        else
            c->max_src_conn = v;
        c->flags |= CTFW_POLICY_SRC;
        return 1;
    }
    if (!strcmp(key, "max-src-conn-rate")) {
        const char *sl = strchr(val, '/');
        uint32_t n, s;
        if (!sl || !parse_u32(val, (size_t)(sl - val), 1u << 20, &n) || !n ||
            !parse_u32(sl + 1, strlen(sl + 1), 1u << 20, &s) || !s)
            return fail(err, errlen, "%s: '%s' is not N/SECONDS", key, val);
        c->conn_rate_limit = n;
        c->conn_rate_seconds = s;
        c->flags |= CTFW_POLICY_SRC;
        return 1;
    }
    if (!strcmp(key, "overload")) {
        if (!strcmp(val, "yes"))
            c->overload_flush = false;
        else if (!strcmp(val, "flush"))
            c->overload_flush = true;
        else
            return fail(err, errlen, "%s: '%s' is not yes or flush", key,
                        val);
        c->overload = true;
        c->flags |= CTFW_POLICY_SRC;
        return 1;
    }
    return 0;
}

int
ctfw_policy_config_check(const struct ctfw_policy_config *c, char *err,
                         size_t errlen)
{
    if ((c->flags & CTFW_POLICY_ADAPTIVE) &&
        c->adaptive_start_pct == c->adaptive_end_pct &&
        c->adaptive_start >= c->adaptive_end)
        return fail(err, errlen,
                    "adaptive.start must be below adaptive.end");
    if ((c->flags & CTFW_POLICY_EXEMPT) && !c->n_exempt)
        return fail(err, errlen,
                    "policy=exempt needs exempt=MATCH[+MATCH...] (e.g. "
                    "exempt=tcp/22)");
    if ((c->flags & CTFW_POLICY_SRC) && !c->max_src_states &&
        !c->max_src_conn && !c->conn_rate_limit)
        return fail(err, errlen,
                    "policy=src needs max-src-states, max-src-conn or "
                    "max-src-conn-rate");
    if (c->overload && !c->max_src_conn && !c->conn_rate_limit)
        return fail(err, errlen,
                    "overload needs max-src-conn or max-src-conn-rate (pf "
                    "puts a source in the table only for those)");
    return 0;
}

void
ctfw_policy_config_name(const struct ctfw_policy_config *c, char *buf,
                        size_t len)
{
    size_t o = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < N_POLICY_NAMES; i++) {
        if (!(c->flags & policy_names[i].flag))
            continue;
        int n = snprintf(buf + o, o < len ? len - o : 0, "%s%s",
                         o ? "+" : "", policy_names[i].name);
        if (n > 0)
            o += (size_t)n;
    }
    if (!o)
        snprintf(buf, len, "none");
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
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a->b[full] & mask) == (p->b[full] & mask);
}

bool
ctfw_policy_match(const struct ctfw_policy_match *m, unsigned n,
                  const struct ctfw_pkt *pkt)
{
    bool ports = (pkt->has & CTFW_PKT_HAS_L4) &&
                 (pkt->proto == 6 || pkt->proto == 17);
    for (unsigned i = 0; i < n; i++) {
        if (m[i].kind == 1) {
            if (ports && (!m[i].proto || m[i].proto == pkt->proto) &&
                (pkt->sport == m[i].port || pkt->dport == m[i].port))
                return true;
        } else if (m[i].family == pkt->family &&
                   (prefix_match(&pkt->src, &m[i].addr, m[i].plen) ||
                    prefix_match(&pkt->dst, &m[i].addr, m[i].plen))) {
            return true;
        }
    }
    return false;
}

/* ---- Arithmetic ------------------------------------------------------- */

uint32_t
ctfw_policy_adaptive_timeout(uint32_t timeout, uint32_t start, uint32_t end,
                             uint32_t states)
{
    /* pf_state_expires(): "if (end && states > start && start < end) {
     * if (states >= end) return (0); timeout = (u_int64_t)timeout *
     * (end - states) / (end - start); }" */
    if (end && states > start && start < end) {
        if (states >= end)
            return 0;
        return (uint32_t)((uint64_t)timeout * (end - states) /
                          (end - start));
    }
    return timeout;
}

bool
ctfw_policy_emergency_enter(uint32_t count, uint32_t max,
                            uint32_t threshold_pct)
{
    if (!max)
        return false;   /* no limit: never full */
    return (uint64_t)count * 100 > (uint64_t)max * threshold_pct;
}

bool
ctfw_policy_emergency_leave(uint32_t count, uint32_t max,
                            uint32_t recovery_pct)
{
    if (!max)
        return true;
    uint64_t spare = count < max ? max - count : 0;
    /* FlowManager(): "if (len * 100 / flow_config.prealloc >
     * flow_config.emergency_recovery)" with integer division. */
    return spare * 100 / max > recovery_pct;
}

void
ctfw_policy_threshold_init(struct ctfw_policy_threshold *t, uint32_t limit,
                           uint32_t seconds, uint64_t now_s)
{
    t->limit = limit * CTFW_POLICY_THRESHOLD_MULT;
    t->seconds = seconds;
    t->count = 0;
    t->last = now_s;
}

void
ctfw_policy_threshold_add(struct ctfw_policy_threshold *t, uint64_t now_s)
{
    uint64_t diff = now_s - t->last;
    if (diff >= t->seconds)
        t->count = 0;
    else
        t->count -= (uint32_t)((uint64_t)t->count * diff / t->seconds);
    t->count += CTFW_POLICY_THRESHOLD_MULT;
    t->last = now_s;
}

bool
ctfw_policy_threshold_check(const struct ctfw_policy_threshold *t)
{
    return t->count > t->limit;
}

/* ---- Runtime ---------------------------------------------------------- */

#define NIL UINT32_MAX

struct src_node {
    union ctfw_addr addr;
    uint8_t family;
    bool overloaded;
    uint32_t states, conn;
    struct ctfw_policy_threshold rate;
    uint32_t next;           /* bucket chain / free list */
};

struct ctfw_policy {
    struct ctfw_policy_config c;
    uint32_t max;
    uint32_t start, end;     /* adaptive, resolved */
    bool emergency;
    struct ctfw_policy_stats st;
    /* source nodes */
    struct src_node *nodes;
    uint32_t n_nodes, cap_nodes, free_node, live_nodes;
    uint32_t *heads;
    uint32_t nheads;
};

static uint32_t
resolve(uint32_t v, bool pct, uint32_t max)
{
    return pct ? (uint32_t)((uint64_t)max * v / 100) : v;
}

struct ctfw_policy *
ctfw_policy_new(const struct ctfw_policy_config *c, uint32_t max)
{
    struct ctfw_policy *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->c = *c;
    p->max = max;
    p->start = resolve(c->adaptive_start, c->adaptive_start_pct, max);
    p->end = resolve(c->adaptive_end, c->adaptive_end_pct, max);
    p->st.adaptive_start = p->start;
    p->st.adaptive_end = p->end;
    p->free_node = NIL;
    if (c->flags & CTFW_POLICY_SRC) {
        p->nheads = 4096;
        p->heads = malloc(p->nheads * sizeof(*p->heads));
        if (!p->heads) {
            free(p);
            return NULL;
        }
        memset(p->heads, 0xff, p->nheads * sizeof(*p->heads));
    }
    return p;
}

void
ctfw_policy_free(struct ctfw_policy *p)
{
    if (!p)
        return;
    free(p->nodes);
    free(p->heads);
    free(p);
}

const struct ctfw_policy_config *
ctfw_policy_config(const struct ctfw_policy *p)
{
    return &p->c;
}

bool
ctfw_policy_has_timeouts(const struct ctfw_policy *p)
{
    return p->c.flags & (CTFW_POLICY_ADAPTIVE | CTFW_POLICY_EMERGENCY);
}

static uint32_t
src_hash(uint8_t family, const union ctfw_addr *a)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ family;
    for (int i = 0; i < (family == 6 ? 4 : 1); i++) {
        h ^= a->w[i];
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
    }
    return (uint32_t)h;
}

static bool
addr_eq(uint8_t family, const union ctfw_addr *a, const union ctfw_addr *b)
{
    return family == 6 ? !memcmp(a, b, 16) : a->w[0] == b->w[0];
}

/* The source's node, created when `create`; NULL when absent or out of
 * memory (a source without a node is within every limit). */
static struct src_node *
src_get(struct ctfw_policy *p, uint8_t family, const union ctfw_addr *a,
        bool create)
{
    if (!p->heads)
        return NULL;
    uint32_t b = src_hash(family, a) & (p->nheads - 1);
    for (uint32_t i = p->heads[b]; i != NIL; i = p->nodes[i].next)
        if (p->nodes[i].family == family &&
            addr_eq(family, &p->nodes[i].addr, a))
            return &p->nodes[i];
    if (!create)
        return NULL;
    uint32_t i = p->free_node;
    if (i != NIL) {
        p->free_node = p->nodes[i].next;
    } else {
        if (p->n_nodes == p->cap_nodes) {
            uint32_t nc = p->cap_nodes ? p->cap_nodes * 2 : 256;
            struct src_node *v = realloc(p->nodes, nc * sizeof(*v));
            if (!v)
                return NULL;
            p->nodes = v;
            p->cap_nodes = nc;
        }
        i = p->n_nodes++;
    }
    struct src_node *n = &p->nodes[i];
    memset(n, 0, sizeof(*n));
    n->family = family;
    if (family == 6)
        n->addr = *a;
    else
        n->addr.w[0] = a->w[0];
    n->next = p->heads[b];
    p->heads[b] = i;
    p->live_nodes++;
    return n;
}

/* A node that holds nothing any more goes (pf's src nodes expire). One
 * in the overload table, or whose rate still counts, stays. */
static void
src_maybe_free(struct ctfw_policy *p, struct src_node *n)
{
    if (n->states || n->conn || n->overloaded || n->rate.count)
        return;
    uint32_t idx = (uint32_t)(n - p->nodes);
    uint32_t b = src_hash(n->family, &n->addr) & (p->nheads - 1);
    for (uint32_t *pp = &p->heads[b]; *pp != NIL;
         pp = &p->nodes[*pp].next) {
        if (*pp == idx) {
            *pp = n->next;
            n->next = p->free_node;
            p->free_node = idx;
            p->live_nodes--;
            return;
        }
    }
}

static bool
is_syn(const struct ctfw_pkt *pkt)
{
    return (pkt->tcp_flags & (CTFW_TCP_SYN | CTFW_TCP_ACK | CTFW_TCP_RST)) ==
           CTFW_TCP_SYN;
}

static bool
is_synack(const struct ctfw_pkt *pkt)
{
    return (pkt->tcp_flags & (CTFW_TCP_SYN | CTFW_TCP_ACK | CTFW_TCP_RST)) ==
           (CTFW_TCP_SYN | CTFW_TCP_ACK);
}

static bool
synproxy_port(const struct ctfw_policy *p, uint16_t port)
{
    if (!p->c.n_synproxy)
        return true;
    for (unsigned i = 0; i < p->c.n_synproxy; i++)
        if (p->c.synproxy[i].port == port)
            return true;
    return false;
}

enum ctfw_policy_verdict
ctfw_policy_new_conn(struct ctfw_policy *p, const struct ctfw_pkt *pkt,
                     uint64_t now_ns, enum ctfw_policy_why *why)
{
    (void)now_ns;
    *why = CTFW_POLICY_WHY_NONE;
    if ((p->c.flags & CTFW_POLICY_SYNPROXY) && pkt->proto == 6 &&
        (pkt->has & CTFW_PKT_HAS_L4)) {
        /* The client's SYN is answered by the proxy (a cookie SYN-ACK):
         * no state. A SYN-ACK from the protected port without an entry
         * is the server's answer to the proxy's own SYN, which the proxy
         * consumes (the replay's capture holds the server's, not the
         * proxy's, handshake). */
        if (is_syn(pkt) && synproxy_port(p, pkt->dport)) {
            p->st.synproxy_syn++;
            *why = CTFW_POLICY_WHY_SYNPROXY;
            return CTFW_POLICY_UNTRACK;
        }
        if (is_synack(pkt) && synproxy_port(p, pkt->sport)) {
            p->st.synproxy_synack++;
            *why = CTFW_POLICY_WHY_SYNPROXY;
            return CTFW_POLICY_UNTRACK;
        }
    }
    if (p->heads) {
        struct src_node *n = src_get(p, pkt->family, &pkt->src, false);
        if (n && n->overloaded) {
            /* `block quick from <overload>`: no new state from it. */
            p->st.overload_drops++;
            *why = CTFW_POLICY_WHY_OVERLOAD;
            return CTFW_POLICY_DROP;
        }
        /* pf_insert_src_node(): "if (rule->max_src_states &&
         * (*sn)->states >= rule->max_src_states) -> PFRES_SRCLIMIT". */
        if (n && p->c.max_src_states && n->states >= p->c.max_src_states) {
            p->st.src_states_drops++;
            *why = CTFW_POLICY_WHY_SRC_STATES;
            return CTFW_POLICY_DROP;
        }
    }
    return CTFW_POLICY_PASS;
}

bool
ctfw_policy_table_full(struct ctfw_policy *p, const struct ctfw_pkt *pkt,
                       uint64_t now_ns)
{
    (void)now_ns;
    if (!(p->c.flags & CTFW_POLICY_EXEMPT) ||
        !ctfw_policy_match(p->c.exempt, p->c.n_exempt, pkt))
        return false;
    p->st.exempt++;
    return true;
}

void
ctfw_policy_src_add(struct ctfw_policy *p, uint8_t family,
                    const union ctfw_addr *src)
{
    struct src_node *n = src_get(p, family, src, true);
    if (n)
        n->states++;
}

void
ctfw_policy_src_del(struct ctfw_policy *p, uint8_t family,
                    const union ctfw_addr *src, bool established)
{
    struct src_node *n = src_get(p, family, src, false);
    if (!n)
        return;
    if (n->states)
        n->states--;
    if (established && n->conn)
        n->conn--;
    src_maybe_free(p, n);
}

enum ctfw_policy_why
ctfw_policy_src_established(struct ctfw_policy *p, uint8_t family,
                            const union ctfw_addr *src, uint64_t now_ns,
                            bool *flush)
{
    *flush = false;
    if (!p->c.max_src_conn && !p->c.conn_rate_limit)
        return CTFW_POLICY_WHY_NONE;
    struct src_node *n = src_get(p, family, src, true);
    if (!n)
        return CTFW_POLICY_WHY_NONE;
    uint64_t now_s = now_ns / NS_PER_SEC;
    /* pf_src_connlimit(): conn++, pf_add_threshold(conn_rate), then the
     * two checks. */
    n->conn++;
    if (p->c.conn_rate_limit) {
        if (!n->rate.seconds)
            ctfw_policy_threshold_init(&n->rate, p->c.conn_rate_limit,
                                       p->c.conn_rate_seconds, now_s);
        ctfw_policy_threshold_add(&n->rate, now_s);
    }
    enum ctfw_policy_why why = CTFW_POLICY_WHY_NONE;
    if (p->c.max_src_conn && p->c.max_src_conn < n->conn)
        why = CTFW_POLICY_WHY_SRC_CONN;
    else if (p->c.conn_rate_limit && ctfw_policy_threshold_check(&n->rate))
        why = CTFW_POLICY_WHY_SRC_CONN_RATE;
    if (why == CTFW_POLICY_WHY_NONE)
        return why;
    if (why == CTFW_POLICY_WHY_SRC_CONN)
        p->st.src_conn_drops++;
    else
        p->st.src_rate_drops++;
    if (p->c.overload && !n->overloaded) {
        n->overloaded = true;
        p->st.overload_added++;
        *flush = p->c.overload_flush;
    }
    return why;
}

bool
ctfw_policy_overloaded(const struct ctfw_policy *p, uint8_t family,
                       const union ctfw_addr *src)
{
    struct src_node *n =
        src_get((struct ctfw_policy *)p, family, src, false);
    return n && n->overloaded;
}

uint32_t
ctfw_policy_timeout(const struct ctfw_policy *p, enum ctfw_policy_proto proto,
                    enum ctfw_policy_stage stage, uint32_t timeout,
                    uint32_t count)
{
    if (p->emergency) {
        uint32_t e = p->c.emergency_timeout[proto][stage];
        if (e < timeout)
            timeout = e;
    }
    if (p->c.flags & CTFW_POLICY_ADAPTIVE)
        timeout = ctfw_policy_adaptive_timeout(timeout, p->start, p->end,
                                               count);
    return timeout;
}

bool
ctfw_policy_check_enter(struct ctfw_policy *p, uint32_t count,
                        uint64_t now_ns)
{
    if (!(p->c.flags & CTFW_POLICY_EMERGENCY) || p->emergency ||
        !ctfw_policy_emergency_enter(count, p->max,
                                     p->c.emergency_threshold))
        return false;
    p->emergency = true;
    if (!p->st.emergency_entered++)
        p->st.emergency_first_ns = now_ns;
    p->st.emergency_since_ns = now_ns;
    return true;
}

void
ctfw_policy_tick(struct ctfw_policy *p, uint32_t count, uint64_t now_ns)
{
    if (p->emergency &&
        ctfw_policy_emergency_leave(count, p->max, p->c.emergency_recovery)) {
        p->emergency = false;
        p->st.emergency_ns += now_ns - p->st.emergency_since_ns;
        p->st.emergency_last_exit_ns = now_ns;
    }
}

bool
ctfw_policy_in_emergency(const struct ctfw_policy *p)
{
    return p->emergency;
}

void
ctfw_policy_get_stats(const struct ctfw_policy *p,
                      struct ctfw_policy_stats *out)
{
    *out = p->st;
}

void
ctfw_policy_note_flushed(struct ctfw_policy *p, uint64_t n)
{
    p->st.flushed += n;
}

const char *
ctfw_policy_why_name(enum ctfw_policy_why w)
{
    switch (w) {
    case CTFW_POLICY_WHY_NONE:
        return "none";
    case CTFW_POLICY_WHY_SYNPROXY:
        return "synproxy";
    case CTFW_POLICY_WHY_EXEMPT:
        return "exempt";
    case CTFW_POLICY_WHY_OVERLOAD:
        return "overload";
    case CTFW_POLICY_WHY_SRC_STATES:
        return "max-src-states";
    case CTFW_POLICY_WHY_SRC_CONN:
        return "max-src-conn";
    case CTFW_POLICY_WHY_SRC_CONN_RATE:
        return "max-src-conn-rate";
    }
    return "unknown";
}
