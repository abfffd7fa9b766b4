// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctfw test FILE...: firewall tests without root (docs/test-format.md).
 *
 * A test file names a ruleset, a host model and sysctls, then lists
 * packets (or TCP handshakes) with the verdict and conntrack state
 * expected for each. The packets are built as bytes, decoded with
 * ctfw_pkt_decode() and played through the same pipeline as `ctfw
 * replay`, on a clock that starts at a fixed time and moves 1 ms per
 * packet (and by `after`). TCP sequence and acknowledgement numbers are
 * tracked per flow, as real endpoints would send them, so conntrack's
 * window checks accept the segments unless a test overrides them.
 *
 * The whole file is parsed and every input loaded before the first
 * packet: a bad line is file:line:col with exit 2, nothing run.
 * Exit 0 when every expectation holds, 1 with a report of each one that
 * does not.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctfw/bytes.h"
#include "ctfw/csum.h"
#include "ctfw/hook.h"
#include "ctfw/pkt.h"
#include "ctfw/rules.h"
#include "ctfw/sysctl.h"

#define T_START_NS (1764064800ull * 1000000000ull)
#define T_STEP_NS 1000000ull     /* 1 ms between packets */
#define T_MAX_TOKENS 32
#define T_MAX_FLOWS 1024

static void
usage(FILE *out)
{
    fprintf(out,
"Usage: ctfw test [-v] [-R RULES] [-6 RULES6] FILE...\n"
"Run firewall tests: packets with the verdict and conntrack state\n"
"expected for each, through the rules of a simulated Linux 6.x host.\n"
"\n"
"  -v, --verbose          print every check, not only failures\n"
"  -R, --rules FILE       IPv4 rules to test instead of the file's 'rules'\n"
"                         (the same expectations against a candidate)\n"
"  -6, --rules6 FILE      IPv6 rules instead of the file's 'rules6'\n"
"  -h, --help             show this help and exit\n"
"\n"
"A test file (format: docs/test-format.md):\n"
"  rules rules.v4\n"
"  host eth0=10.0.0.10/24\n"
"  sysctl net.netfilter.nf_conntrack_tcp_loose=0\n"
"  connect tcp 198.51.100.7:40000 > 10.0.0.10:80 -> ACCEPT\n"
"  tcp 198.51.100.7:40001 > 10.0.0.10:22 S -> DROP NEW\n"
"  after 30s\n"
"  icmp6 2001:db8::7 > 2001:db8::10 -> DROP NEW   (with 'rules6')\n"
"  udp [2001:db8::53]:53 > [2001:db8::10]:5353 -> ACCEPT ESTABLISHED\n"
"\n"
"Examples: ctfw test examples/incident/incident.test\n"
"  ctfw test -R examples/incident/rules-forgot-untracked.v4 \\\n"
"      examples/incident/incident.test\n"
"\n"
"Exit status: 0 every expectation holds; 1 some do not (each reported\n"
"with the expected and the actual fate); 2 a bad test file, rules or\n"
"sysctl (file:line:col, nothing run).\n");
}

struct tok {
    const char *s;
    unsigned col;
};

enum step_kind { ST_PKT, ST_CONNECT, ST_AFTER };

struct step {
    enum step_kind kind;
    unsigned line;
    char *text;                /* the line, for reports */
    uint8_t proto;             /* 6, 17, 1 (ICMP or ICMPv6) */
    uint8_t family;            /* 4 or 6, from the addresses */
    union ctfw_addr src, dst;
    uint16_t sport, dport;
    uint8_t tcp_flags;
    uint32_t len;              /* payload bytes */
    uint8_t ttl, tos;
    unsigned in_ifindex;       /* in=IFACE; 0: the host model decides */
    bool has_seq, has_ack;
    uint32_t seq, ack;
    uint8_t icmp_type, icmp_code;
    uint16_t icmp_id, icmp_seq;
    /* Expectation (after "->"). */
    bool expect;
    bool expect_accept;
    const char *ctstate;       /* NULL: not checked */
    char *by;                  /* NULL: not checked */
    uint64_t after_ns;
};

struct flow {
    uint8_t proto;
    union ctfw_addr a, b;
    uint16_t ap, bp;
    uint32_t nxt[2];
};

struct t {
    const char *file;
    char *dir;                 /* the test file's directory, for paths */
    int errors;
    struct ctfw_host *host;
    struct ctfw_sysctl sys;
    bool forward, legacy;
    char *rules4, *rules6;
    unsigned rules_line;
    struct step *steps;
    size_t n_steps, cap_steps;
    /* Run. */
    struct ctfw_pipeline *pl;
    struct ctfw_ruleset *rs4, *rs6;
    uint64_t now;
    uint16_t ip_id;
    struct flow flows[T_MAX_FLOWS];
    size_t n_flows;
    unsigned checks, failed;
    bool verbose;
    uint8_t buf[2048];
};

static void
terr(struct t *t, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
terr(struct t *t, unsigned line, unsigned col, const char *fmt, ...)
{
    va_list ap;
    if (col)
        fprintf(stderr, "%s:%u:%u: error: ", t->file, line, col);
    else
        fprintf(stderr, "%s:%u: error: ", t->file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    t->errors++;
}

/* Split a line in place into whitespace-separated tokens; '#' at the
 * start of a token begins a comment. Returns the count, or -1 when the
 * line has too many. */
static int
tokenize(char *line, struct tok *v)
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (!*p || *p == '#')
            return n;
        if (n == T_MAX_TOKENS)
            return -1;
        v[n].s = p;
        v[n].col = (unsigned)(p - line) + 1;
        n++;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
        if (*p)
            *p++ = '\0';
    }
}

static char *
path_join(const char *dir, const char *name)
{
    if (name[0] == '/' || !dir || !*dir)
        return strdup(name);
    size_t n = strlen(dir) + strlen(name) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", dir, name);
    return s;
}

static bool
parse_u32(const char *s, uint32_t max, uint32_t *out)
{
    char *end;
    if (!*s || *s == '-' || *s == '+')
        return false;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (*end || errno || v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* "10.0.0.1", "2001:db8::1" or, when want_port, "10.0.0.1:80" and
 * "[2001:db8::1]:80". *family gets 4 or 6. */
static bool
parse_endpoint(const char *s, bool want_port, union ctfw_addr *a,
               uint16_t *port, uint8_t *family)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    bool bracket = s[0] == '[';
    if (bracket) {
        const char *close = strchr(s, ']');
        if (!close || (want_port ? close[1] != ':' : close[1] != '\0'))
            return false;
        colon = want_port ? close + 1 : NULL;
    } else if (!want_port || (colon && strchr(s, ':') != colon)) {
        /* An IPv6 address without brackets has no port. */
        colon = want_port && strchr(s, ':') == colon ? colon : NULL;
    }
    if (want_port && !colon)
        return false;
    const char *hs = s + bracket;
    size_t hl = want_port ? (size_t)(colon - hs) - bracket
                          : strlen(hs) - bracket;
    if (hl >= sizeof(host))
        return false;
    memcpy(host, hs, hl);
    host[hl] = '\0';
    memset(a, 0, sizeof(*a));
    if (!bracket && inet_pton(AF_INET, host, a->b) == 1)
        *family = 4;
    else if (inet_pton(AF_INET6, host, a->b) == 1)
        *family = 6;
    else
        return false;
    if (want_port) {
        uint32_t p;
        if (!parse_u32(colon + 1, 65535, &p))
            return false;
        *port = (uint16_t)p;
    }
    return true;
}

/* "30s", "500ms", "2m", "1h", "10" (seconds). */
static bool
parse_duration(const char *s, uint64_t *ns)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || v < 0 || v > 1e7)
        return false;
    double mul = 1e9;
    if (!strcmp(end, "ms"))
        mul = 1e6;
    else if (!strcmp(end, "m"))
        mul = 60e9;
    else if (!strcmp(end, "h"))
        mul = 3600e9;
    else if (*end && strcmp(end, "s"))
        return false;
    *ns = (uint64_t)(v * mul + 0.5);
    return true;
}

static bool
parse_tcp_flags(const char *s, uint8_t *out)
{
    static const struct {
        char c;
        uint8_t f;
    } fl[] = {{'F', CTFW_TCP_FIN}, {'S', CTFW_TCP_SYN}, {'R', CTFW_TCP_RST},
              {'P', CTFW_TCP_PSH}, {'A', CTFW_TCP_ACK}, {'U', CTFW_TCP_URG},
              {'E', CTFW_TCP_ECE}, {'C', CTFW_TCP_CWR}};
    uint8_t f = 0;
    for (const char *p = s; *p; p++) {
        size_t i;
        for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
            if (fl[i].c == *p)
                break;
        if (i == sizeof(fl) / sizeof(fl[0]))
            return false;
        f |= fl[i].f;
    }
    *out = f;
    return *s != '\0';
}

static const char *const ctstates[] = {"NEW", "ESTABLISHED", "RELATED",
                                       "INVALID", "UNTRACKED", "-"};

/* "-> ACCEPT|DROP [CTSTATE] [by DECIDER]" from v[i]. */
static bool
parse_expect(struct t *t, unsigned line, struct tok *v, int i, int n,
             struct step *st)
{
    if (i >= n) {
        terr(t, line, v[i - 1].col, "expected ACCEPT or DROP after '->'");
        return false;
    }
    if (!strcmp(v[i].s, "ACCEPT")) {
        st->expect_accept = true;
    } else if (!strcmp(v[i].s, "DROP")) {
        st->expect_accept = false;
    } else {
        terr(t, line, v[i].col, "expected ACCEPT or DROP, not '%s'",
             v[i].s);
        return false;
    }
    st->expect = true;
    for (i++; i < n; i++) {
        if (!strcmp(v[i].s, "by")) {
            if (i + 1 >= n) {
                terr(t, line, v[i].col, "'by' needs TABLE:CHAIN[:RULE]");
                return false;
            }
            st->by = strdup(v[++i].s);
            continue;
        }
        size_t k;
        for (k = 0; k < sizeof(ctstates) / sizeof(ctstates[0]); k++)
            if (!strcmp(v[i].s, ctstates[k]))
                break;
        if (k == sizeof(ctstates) / sizeof(ctstates[0]) || st->ctstate) {
            terr(t, line, v[i].col,
                 "unexpected '%s' (a ctstate NEW, ESTABLISHED, RELATED, "
                 "INVALID, UNTRACKED or -, or 'by TABLE:CHAIN[:RULE]')",
                 v[i].s);
            return false;
        }
        st->ctstate = ctstates[k];
    }
    return true;
}

static struct step *
new_step(struct t *t, enum step_kind kind, unsigned line, const char *text)
{
    if (t->n_steps == t->cap_steps) {
        size_t cap = t->cap_steps ? t->cap_steps * 2 : 64;
        struct step *s = realloc(t->steps, cap * sizeof(*s));
        if (!s)
            return NULL;
        t->steps = s;
        t->cap_steps = cap;
    }
    struct step *st = &t->steps[t->n_steps++];
    memset(st, 0, sizeof(*st));
    st->kind = kind;
    st->line = line;
    st->text = strdup(text);
    st->ttl = 64;
    return st;
}

/* PROTO SRC > DST [FLAGS] [KEY=VALUE]... [-> EXPECT] */
static void
parse_packet(struct t *t, unsigned line, struct tok *v, int n,
             const char *text, bool connect)
{
    int i = connect ? 1 : 0;
    if (i >= n) {
        terr(t, line, v[0].col, "'connect' needs tcp SRC:PORT > DST:PORT");
        return;
    }
    uint8_t proto;
    if (!strcmp(v[i].s, "tcp"))
        proto = 6;
    else if (!strcmp(v[i].s, "udp") && !connect)
        proto = 17;
    else if ((!strcmp(v[i].s, "icmp") || !strcmp(v[i].s, "icmp6")) &&
             !connect)
        proto = 1;
    else {
        terr(t, line, v[i].col, connect ? "'connect' is for tcp"
                                        : "unknown directive '%s'",
             v[i].s);
        return;
    }
    struct step *st = new_step(t, connect ? ST_CONNECT : ST_PKT, line,
                               text);
    if (!st) {
        terr(t, line, 0, "out of memory");
        return;
    }
    st->proto = proto;
    if (proto == 1) {
        st->icmp_type = 8;
        st->icmp_id = 1;
        st->icmp_seq = 1;
        st->len = 56;
    }
    bool ports = proto != 1;
    if (i + 3 >= n || strcmp(v[i + 2].s, ">")) {
        terr(t, line, i + 2 < n ? v[i + 2].col : v[i].col,
             "expected SRC > DST (with spaces around '>')");
        return;
    }
    uint8_t fam_dst = 0;
    if (!parse_endpoint(v[i + 1].s, ports, &st->src, &st->sport,
                        &st->family)) {
        terr(t, line, v[i + 1].col, "bad %s '%s'",
             ports ? "ADDRESS:PORT" : "address", v[i + 1].s);
        return;
    }
    if (!parse_endpoint(v[i + 3].s, ports, &st->dst, &st->dport,
                        &fam_dst)) {
        terr(t, line, v[i + 3].col, "bad %s '%s'",
             ports ? "ADDRESS:PORT" : "address", v[i + 3].s);
        return;
    }
    if (fam_dst != st->family) {
        terr(t, line, v[i + 3].col, "'%s' is not an IPv%u address like "
             "the source", v[i + 3].s, st->family);
        return;
    }
    if (proto == 1 && (st->family == 6) != !strcmp(v[i].s, "icmp6")) {
        terr(t, line, v[i].col, "%s", st->family == 6
                                          ? "IPv6 addresses: write icmp6"
                                          : "icmp6 needs IPv6 addresses");
        return;
    }
    if (proto == 1 && st->family == 6)
        st->icmp_type = 128;   /* echo request */
    i += 4;
    if (connect)
        st->tcp_flags = CTFW_TCP_SYN;
    for (; i < n; i++) {
        const char *s = v[i].s;
        if (!strcmp(s, "->")) {
            parse_expect(t, line, v, i + 1, n, st);
            return;
        }
        const char *eq = strchr(s, '=');
        uint32_t val;
        if (!eq) {
            if (proto == 6 && !connect && parse_tcp_flags(s, &st->tcp_flags))
                continue;
            if (proto == 1 && !strcmp(s, "echo-request")) {
                st->icmp_type = st->family == 6 ? 128 : 8;
                continue;
            }
            if (proto == 1 && !strcmp(s, "echo-reply")) {
                st->icmp_type = st->family == 6 ? 129 : 0;
                continue;
            }
            terr(t, line, v[i].col, "unexpected '%s'%s", s,
                 proto == 6 ? " (TCP flags are letters of FSRPAUEC)" : "");
            return;
        }
        size_t kl = (size_t)(eq - s);
        const char *val_s = eq + 1;
#define KEY(k) (kl == strlen(k) && !strncmp(s, k, kl))
        bool ok = true;
        if (KEY("len"))
            ok = parse_u32(val_s, 1400, &val) && ((st->len = val), true);
        else if (KEY("ttl"))
            ok = parse_u32(val_s, 255, &val) && ((st->ttl = (uint8_t)val),
                                                 true);
        else if (KEY("tos"))
            ok = parse_u32(val_s, 255, &val) && ((st->tos = (uint8_t)val),
                                                 true);
        else if (KEY("in")) {
            st->in_ifindex = ctfw_host_ifindex(t->host, val_s);
            if (!st->in_ifindex) {
                terr(t, line, v[i].col + 3, "no interface '%s' (declare "
                     "it with 'host %s=ADDR/PREFIX')", val_s, val_s);
                return;
            }
        } else if (KEY("seq") && proto == 6)
            ok = parse_u32(val_s, UINT32_MAX, &st->seq) &&
                 (st->has_seq = true);
        else if (KEY("ack") && proto == 6)
            ok = parse_u32(val_s, UINT32_MAX, &st->ack) &&
                 (st->has_ack = true);
        else if (KEY("type") && proto == 1)
            ok = parse_u32(val_s, 255, &val) &&
                 ((st->icmp_type = (uint8_t)val), true);
        else if (KEY("code") && proto == 1)
            ok = parse_u32(val_s, 255, &val) &&
                 ((st->icmp_code = (uint8_t)val), true);
        else if (KEY("id") && proto == 1)
            ok = parse_u32(val_s, 65535, &val) &&
                 ((st->icmp_id = (uint16_t)val), true);
        else if (KEY("seq") && proto == 1)
            ok = parse_u32(val_s, 65535, &val) &&
                 ((st->icmp_seq = (uint16_t)val), true);
        else {
            terr(t, line, v[i].col, "unknown option '%.*s' for %s", (int)kl,
                 s, proto == 6 ? "tcp" : proto == 17 ? "udp" : "icmp");
            return;
        }
#undef KEY
        if (!ok) {
            terr(t, line, v[i].col + (unsigned)kl + 1, "bad value '%s'",
                 val_s);
            return;
        }
    }
    if (proto == 6 && !connect && !st->tcp_flags) {
        terr(t, line, v[n - 1].col, "a tcp line needs its flags "
             "(S, SA, A, PA, FA, R...)");
    }
}

static void
parse_line(struct t *t, unsigned line, char *buf)
{
    char text[1024];
    snprintf(text, sizeof(text), "%s", buf);
    /* Trim the comment and trailing space of the copy for reports. */
    char *hash = strstr(text, " #");
    if (hash)
        *hash = '\0';
    size_t tl = strlen(text);
    while (tl && (text[tl - 1] == ' ' || text[tl - 1] == '\t' ||
                  text[tl - 1] == '\r'))
        text[--tl] = '\0';
    struct tok v[T_MAX_TOKENS];
    int n = tokenize(buf, v);
    if (n < 0) {
        terr(t, line, 0, "too many words (at most %d)", T_MAX_TOKENS);
        return;
    }
    if (n == 0)
        return;
    const char *d = v[0].s;
    bool config = !strcmp(d, "rules") || !strcmp(d, "rules6") ||
                  !strcmp(d, "host") || !strcmp(d, "local") ||
                  !strcmp(d, "route") || !strcmp(d, "forward") ||
                  !strcmp(d, "sysctl") || !strcmp(d, "legacy");
    if (config && t->n_steps) {
        terr(t, line, v[0].col, "'%s' after the first packet: the host "
             "is set up before any traffic", d);
        return;
    }
    char err[512];
    if (!strcmp(d, "rules") || !strcmp(d, "rules6")) {
        if (n != 2) {
            terr(t, line, v[0].col, "'%s' takes one FILE", d);
            return;
        }
        char **dst = d[5] ? &t->rules6 : &t->rules4;
        free(*dst);
        *dst = path_join(t->dir, v[1].s);
        t->rules_line = line;
    } else if (!strcmp(d, "host") || !strcmp(d, "local") ||
               !strcmp(d, "route")) {
        if (n != 2) {
            terr(t, line, v[0].col, "'%s' takes one argument", d);
            return;
        }
        int rc = d[0] == 'h' ? ctfw_host_add_iface(t->host, v[1].s, err,
                                                  sizeof(err))
                 : d[0] == 'l' ? ctfw_host_add_local(t->host, v[1].s, err,
                                                     sizeof(err))
                               : ctfw_host_add_route(t->host, v[1].s, err,
                                                     sizeof(err));
        if (rc < 0)
            terr(t, line, v[1].col, "%s", err);
    } else if (!strcmp(d, "forward")) {
        if (n != 2 || (strcmp(v[1].s, "on") && strcmp(v[1].s, "off"))) {
            terr(t, line, v[0].col, "expected 'forward on' or "
                 "'forward off'");
            return;
        }
        t->forward = !strcmp(v[1].s, "on");
    } else if (!strcmp(d, "legacy")) {
        t->legacy = true;
    } else if (!strcmp(d, "sysctl")) {
        if (n != 2) {
            terr(t, line, v[0].col, "'sysctl' takes KEY=VALUE or a FILE");
            return;
        }
        int e;
        if (strchr(v[1].s, '=')) {
            e = cli_apply_sysctl_set(&t->sys, v[1].s);
        } else {
            char *p = path_join(t->dir, v[1].s);
            e = p ? cli_load_sysctl_file(&t->sys, p) : 1;
            free(p);
        }
        if (e)
            terr(t, line, v[1].col, "sysctl '%s' refused (above)", v[1].s);
    } else if (!strcmp(d, "after")) {
        uint64_t ns;
        if (n != 2 || !parse_duration(v[1].s, &ns)) {
            terr(t, line, n > 1 ? v[1].col : v[0].col,
                 "expected 'after DURATION' (30s, 500ms, 2m, 1h)");
            return;
        }
        struct step *st = new_step(t, ST_AFTER, line, text);
        if (st)
            st->after_ns = ns;
    } else if (!strcmp(d, "connect")) {
        parse_packet(t, line, v, n, text, true);
    } else {
        parse_packet(t, line, v, n, text, false);
    }
}

static int
load_rules(struct t *t, const char *path, int family,
           struct ctfw_ruleset **out)
{
    char *text;
    size_t len;
    int rc = cli_read_file(path, &text, &len);
    if (rc < 0) {
        terr(t, t->rules_line, 0, "%s: %s", path, strerror(-rc));
        return -1;
    }
    struct ctfw_ruleset *rs = ctfw_rules_new(family);
    if (!rs) {
        free(text);
        return -1;
    }
    struct ctfw_rules_parse_params pp = {.filename = path,
                                         .legacy = t->legacy};
    rc = ctfw_rules_parse(rs, &pp, text, len);
    free(text);
    if (rc < 0) {
        size_t n = cli_rules_print_diags(stderr, rs, false);
        terr(t, t->rules_line, 0, "%s: %zu error%s in the rules", path, n,
             n == 1 ? "" : "s");
        ctfw_rules_free(rs);
        return -1;
    }
    bool is_target;
    const char *name = ctfw_rules_unevaluated(rs, &is_target);
    if (name) {
        terr(t, t->rules_line, 0, "%s: the %s '%s' is parsed but not "
             "evaluated yet by this version of ctfw", path,
             is_target ? "target" : "match", name);
        ctfw_rules_free(rs);
        return -1;
    }
    cli_rules_mode(rs);
    *out = rs;
    return 0;
}

/* Sequence numbers of a TCP flow in each direction, as the endpoints
 * would send them (ISNs fixed: 1000000 for the side that spoke first,
 * 2000000 for the other). */
static struct flow *
find_flow(struct t *t, const struct step *st, int *dir)
{
    for (size_t i = 0; i < t->n_flows; i++) {
        struct flow *f = &t->flows[i];
        if (f->proto != st->proto)
            continue;
        if (!memcmp(&f->a, &st->src, sizeof(f->a)) &&
            !memcmp(&f->b, &st->dst, sizeof(f->b)) &&
            f->ap == st->sport && f->bp == st->dport) {
            *dir = 0;
            return f;
        }
        if (!memcmp(&f->b, &st->src, sizeof(f->b)) &&
            !memcmp(&f->a, &st->dst, sizeof(f->a)) &&
            f->bp == st->sport && f->ap == st->dport) {
            *dir = 1;
            return f;
        }
    }
    if (t->n_flows == T_MAX_FLOWS)
        return NULL;
    struct flow *f = &t->flows[t->n_flows++];
    f->proto = st->proto;
    f->a = st->src;
    f->b = st->dst;
    f->ap = st->sport;
    f->bp = st->dport;
    f->nxt[0] = 1000000;
    f->nxt[1] = 2000000;
    *dir = 0;
    return f;
}

/* The IPv4 or IPv6 packet of a step, checksums filled. Returns its
 * length. IPv6: no extension headers, flow label 0, tos as the traffic
 * class, ttl as the hop limit; ICMP is ICMPv6 (next header 58). */
static size_t
build(struct t *t, const struct step *st)
{
    uint8_t *ip = t->buf;
    bool v6 = st->family == 6;
    size_t iph = v6 ? 40 : 20;
    size_t l4 = st->proto == 6 ? 20 : 8;
    size_t total = iph + l4 + st->len;
    uint8_t l4proto = v6 && st->proto == 1 ? 58 : st->proto;
    memset(ip, 0, total);
    /* The pseudo header: addresses, upper-layer length, protocol. */
    uint8_t ph[40];
    size_t phl;
    if (v6) {
        ip[0] = (uint8_t)(0x60 | st->tos >> 4);
        ip[1] = (uint8_t)(st->tos << 4);
        ctfw_put16(ip + 4, (uint16_t)(l4 + st->len));
        ip[6] = l4proto;
        ip[7] = st->ttl;
        memcpy(ip + 8, st->src.b, 16);
        memcpy(ip + 24, st->dst.b, 16);
        memcpy(ph, ip + 8, 32);
        ctfw_put32(ph + 32, (uint32_t)(l4 + st->len));
        ph[36] = ph[37] = ph[38] = 0;
        ph[39] = l4proto;
        phl = 40;
    } else {
        ip[0] = 0x45;
        ip[1] = st->tos;
        ctfw_put16(ip + 2, (uint16_t)total);
        ctfw_put16(ip + 4, (uint16_t)++t->ip_id);
        ctfw_put16(ip + 6, 0x4000);   /* DF, as Linux sends */
        ip[8] = st->ttl;
        ip[9] = st->proto;
        memcpy(ip + 12, st->src.b, 4);
        memcpy(ip + 16, st->dst.b, 4);
        ctfw_put16(ip + 10, ctfw_csum_fold(ctfw_csum_partial(ip, 20, 0)));
        memcpy(ph, ip + 12, 8);
        ph[8] = 0;
        ph[9] = st->proto;
        ctfw_put16(ph + 10, (uint16_t)(l4 + st->len));
        phl = 12;
    }
    uint8_t *h = ip + iph;
    if (st->proto == 1) {
        h[0] = st->icmp_type;
        h[1] = st->icmp_code;
        ctfw_put16(h + 4, (uint16_t)st->icmp_id);
        ctfw_put16(h + 6, (uint16_t)st->icmp_seq);
        /* ICMPv6 sums the pseudo header too; ICMP does not. */
        ctfw_put16(h + 2, ctfw_csum_fold(ctfw_csum_partial(
                              h, 8 + st->len,
                              v6 ? ctfw_csum_partial(ph, phl, 0) : 0)));
        return total;
    }
    ctfw_put16(h, (uint16_t)st->sport);
    ctfw_put16(h + 2, (uint16_t)st->dport);
    if (st->proto == 17) {
        ctfw_put16(h + 4, (uint16_t)(8 + st->len));
        uint16_t c = ctfw_csum_fold(
            ctfw_csum_partial(h, 8 + st->len, ctfw_csum_partial(ph, phl, 0)));
        ctfw_put16(h + 6, c ? c : 0xffff);
        return total;
    }
    int dir;
    struct flow *f = find_flow(t, st, &dir);
    uint32_t seq = st->has_seq ? st->seq : f ? f->nxt[dir] : 0;
    uint32_t ack = st->has_ack ? st->ack
                   : (st->tcp_flags & CTFW_TCP_ACK) && f ? f->nxt[!dir]
                                                          : 0;
    if (f && !(st->tcp_flags & CTFW_TCP_RST))
        f->nxt[dir] = seq + st->len +
                      ((st->tcp_flags & CTFW_TCP_SYN) ? 1 : 0) +
                      ((st->tcp_flags & CTFW_TCP_FIN) ? 1 : 0);
    ctfw_put32(h + 4, seq);
    ctfw_put32(h + 8, ack);
    h[12] = 5 << 4;
    h[13] = st->tcp_flags;
    ctfw_put16(h + 14, 64240);
    ctfw_put16(h + 16, ctfw_csum_fold(ctfw_csum_partial(
                      h, 20 + st->len, ctfw_csum_partial(ph, phl, 0))));
    return total;
}

static void
decider(const struct ctfw_pipeline_result *res, char *out, size_t cap)
{
    if (res->table < CTFW_TABLE_COUNT && res->chain) {
        if (res->rule)
            snprintf(out, cap, "%s:%s:%u:%s",
                     ctfw_table_name((enum ctfw_table)res->table),
                     res->chain, res->rule, res->target);
        else
            snprintf(out, cap, "%s:%s:policy:%s",
                     ctfw_table_name((enum ctfw_table)res->table),
                     res->chain, res->target);
    } else {
        snprintf(out, cap, "%s", res->target ? res->target : "-");
    }
}

/* "by filter:INPUT:3" matches "filter:INPUT:3:DROP": whole fields. */
static bool
by_matches(const char *want, const char *got)
{
    size_t n = strlen(want);
    return !strncmp(want, got, n) && (got[n] == '\0' || got[n] == ':');
}

/* One packet through the pipeline; checks it when an expectation is
 * given. what names the packet of a `connect` ("SYN-ACK"), or NULL.
 * Returns the fate. */
static bool
play(struct t *t, const struct step *st, const char *what, bool check,
     bool want_accept, const char *want_state, const char *want_by,
     const char **state_out)
{
    size_t len = build(t, st);
    struct ctfw_pkt pkt;
    ctfw_pkt_decode(&pkt, CTFW_LINKTYPE_RAW, t->buf, (uint32_t)len,
                    (uint32_t)len);
    struct ctfw_pipeline_result res;
    t->now += T_STEP_NS;
    ctfw_pipeline_packet(t->pl, &pkt, t->now, st->in_ifindex, false, &res);
    if (state_out)
        *state_out = res.ctstate;
    if (!check)
        return res.accept;
    char dec[256];
    decider(&res, dec, sizeof(dec));
    bool ok = res.accept == want_accept &&
              (!want_state || !strcmp(want_state, res.ctstate)) &&
              (!want_by || by_matches(want_by, dec));
    t->checks++;
    if (!ok)
        t->failed++;
    if (ok && !t->verbose)
        return res.accept;
    printf("%s:%u: %s%s%s%s\n", t->file, st->line, ok ? "ok: " : "",
           st->text, what ? " | " : "", what ? what : "");
    if (ok)
        return res.accept;
    printf("  - expected: %s", want_accept ? "ACCEPT" : "DROP");
    if (want_state)
        printf(" %s", want_state);
    if (want_by)
        printf(" by %s", want_by);
    printf("\n  + actual:   %s %s by %s (%s", res.accept ? "ACCEPT" : "DROP",
           res.ctstate, dec,
           ctfw_host_path_name((enum ctfw_host_path)res.path));
    if (!res.accept)
        printf(", %s", ctfw_drop_reason_name(
                           (enum ctfw_drop_reason)res.reason));
    printf(")\n");
    return res.accept;
}

static void
run_step(struct t *t, const struct step *st)
{
    if (st->kind == ST_AFTER) {
        t->now += st->after_ns;
        ctfw_pipeline_advance(t->pl, t->now);
        return;
    }
    if (st->kind == ST_PKT) {
        play(t, st, NULL, st->expect, st->expect_accept, st->ctstate,
             st->by, NULL);
        return;
    }
    /* connect: SYN, SYN-ACK, ACK. The expectation is the SYN's; when it
     * is ACCEPT, the answer and the ACK must pass too: ESTABLISHED when
     * the SYN was NEW, else in the SYN's state (UNTRACKED for a NOTRACK
     * flow, "-" when nothing is tracked). */
    struct step s = *st;
    bool want = st->expect ? st->expect_accept : true;
    const char *syn_state = "-";
    s.tcp_flags = CTFW_TCP_SYN;
    bool acc = play(t, &s, "SYN", st->expect, want, st->ctstate, st->by,
                    &syn_state);
    if (!acc || !want)
        return;
    const char *next = !strcmp(syn_state, "NEW") ? "ESTABLISHED"
                                                 : syn_state;
    struct step r = s;
    r.src = st->dst;
    r.dst = st->src;
    r.sport = st->dport;
    r.dport = st->sport;
    r.tcp_flags = CTFW_TCP_SYN | CTFW_TCP_ACK;
    r.in_ifindex = 0;   /* the answer comes from the other side */
    play(t, &r, "SYN-ACK", st->expect, true, next, NULL, NULL);
    s.tcp_flags = CTFW_TCP_ACK;
    play(t, &s, "ACK", st->expect, true, next, NULL, NULL);
}

static int
run_file(const char *file, bool verbose, const char *rules4,
         const char *rules6)
{
    struct t *t = calloc(1, sizeof(*t));
    if (!t) {
        cli_error("out of memory");
        return CLI_EXIT_FAIL;
    }
    int status = CLI_EXIT_USAGE;
    t->file = file;
    t->verbose = verbose;
    t->host = ctfw_host_new();
    ctfw_sysctl_init(&t->sys);
    const char *slash = strrchr(file, '/');
    t->dir = slash ? strndup(file, (size_t)(slash - file)) : strdup(".");
    char *text = NULL;
    size_t len;
    int rc = cli_read_file(file, &text, &len);
    if (rc < 0) {
        cli_error("%s: %s", file, strerror(-rc));
        goto out;
    }
    if (!t->host || !t->dir)
        goto out;
    unsigned line = 0;
    for (char *p = text; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        line++;
        parse_line(t, line, p);
        p = nl ? nl + 1 : NULL;
    }
    /* -R/-6 replace the file's rules: the same expectations against a
     * candidate ruleset. */
    if (rules4) {
        free(t->rules4);
        t->rules4 = strdup(rules4);
    }
    if (rules6) {
        free(t->rules6);
        t->rules6 = strdup(rules6);
    }
    if (!t->rules4 && !t->rules6)
        terr(t, line ? line : 1, 0, "no 'rules FILE' line");
    if (t->errors == 0 && t->rules4 &&
        load_rules(t, t->rules4, CTFW_RULES_IPV4, &t->rs4) < 0)
        goto out;
    if (t->errors == 0 && t->rules6 &&
        load_rules(t, t->rules6, CTFW_RULES_IPV6, &t->rs6) < 0)
        goto out;
    if (t->errors) {
        fprintf(stderr, "%s: %d error%s; nothing was run\n", file,
                t->errors, t->errors == 1 ? "" : "s");
        goto out;
    }
    if (t->forward || ctfw_sysctl_get(&t->sys, CTFW_SYSCTL_IPV4_IP_FORWARD))
        ctfw_host_set_forward(t->host, true);
    struct ctfw_pipeline_params pp = {
        .rules4 = t->rs4,
        .rules6 = t->rs6,
        .host = t->host,
        .sysctl = &t->sys,
        .seed = 0x63746677u,
        .start_ns = T_START_NS,
        .legacy = t->legacy,
    };
    if (ctfw_pipeline_new(&pp, &t->pl) < 0) {
        cli_error("out of memory");
        status = CLI_EXIT_FAIL;
        goto out;
    }
    t->now = T_START_NS;
    for (size_t i = 0; i < t->n_steps; i++)
        run_step(t, &t->steps[i]);
    if (t->failed) {
        printf("%s: %u of %u checks failed\n", file, t->failed, t->checks);
        status = CLI_EXIT_FAIL;
    } else {
        printf("%s: %u checks passed\n", file, t->checks);
        status = CLI_EXIT_OK;
    }
out:
    ctfw_pipeline_free(t->pl);
    ctfw_rules_free(t->rs4);
    ctfw_rules_free(t->rs6);
    ctfw_host_free(t->host);
    for (size_t i = 0; i < t->n_steps; i++) {
        free(t->steps[i].text);
        free(t->steps[i].by);
    }
    free(t->steps);
    free(t->rules4);
    free(t->rules6);
    free(t->dir);
    free(text);
    free(t);
    return status;
}

int
cmd_test(int argc, char **argv)
{
    static const struct option opts[] = {
        {"verbose", no_argument, NULL, 'v'},
        {"rules", required_argument, NULL, 'R'},
        {"rules6", required_argument, NULL, '6'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool verbose = false;
    const char *rules4 = NULL, *rules6 = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+vhR:6:", opts, NULL)) != -1) {
        switch (c) {
        case 'v':
            verbose = true;
            break;
        case 'R':
            rules4 = optarg;
            break;
        case '6':
            rules6 = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error("test", "bad option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("test", "no test file given");
    /* The worst status wins: a bad file (2) over a failure (1). */
    int status = CLI_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        int rc = run_file(argv[i], verbose, rules4, rules6);
        if (rc > status)
            status = rc;
    }
    return status;
}
