// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One iptables command: the words after the program name (or one line
 * of an iptables-restore table block) parsed as iptables 1.8.9's
 * do_parse() does, then applied to the ruleset.
 *
 * Mirrored behaviour: getopt_long() matching (exact name first, then a
 * unique prefix among the generic options and those of the loaded
 * matches and target), '!' before an option, the implicit protocol match
 * loaded when an unknown option follows "-p tcp", comma lists of -s/-d
 * expanded source-major into several rules, and the userspace checks of
 * iptables with their exact words.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_private.h"

enum gopt {
    G_APPEND,
    G_DELETE,
    G_INSERT,
    G_REPLACE,
    G_LIST,
    G_LIST_RULES,
    G_FLUSH,
    G_ZERO,
    G_NEW,
    G_DELCHAIN,
    G_RENAME,
    G_POLICY,
    G_SOURCE,
    G_DEST,
    G_PROTO,
    G_IN,
    G_JUMP,
    G_TABLE,
    G_MATCH,
    G_NUMERIC,
    G_OUT,
    G_VERBOSE,
    G_WAIT,
    G_WAITINT,
    G_EXACT,
    G_FRAG,
    G_VERSION,
    G_HELP,
    G_LINENUM,
    G_MODPROBE,
    G_COUNTERS,
    G_GOTO,
    G_IPV4,
    G_IPV6,
    G_N
};

/* Argument kinds: 0 none, 1 required, 2 optional chain, 3 two words. */
static const struct {
    const char *name;
    char letter;
    uint8_t arg;
} gopts[G_N] = {
    [G_APPEND] = {"append", 'A', 1},
    [G_DELETE] = {"delete", 'D', 1},
    [G_INSERT] = {"insert", 'I', 1},
    [G_REPLACE] = {"replace", 'R', 1},
    [G_LIST] = {"list", 'L', 2},
    [G_LIST_RULES] = {"list-rules", 'S', 2},
    [G_FLUSH] = {"flush", 'F', 2},
    [G_ZERO] = {"zero", 'Z', 2},
    [G_NEW] = {"new-chain", 'N', 1},
    [G_DELCHAIN] = {"delete-chain", 'X', 2},
    [G_RENAME] = {"rename-chain", 'E', 1},
    [G_POLICY] = {"policy", 'P', 1},
    [G_SOURCE] = {"source", 's', 1},
    [G_DEST] = {"destination", 'd', 1},
    [G_PROTO] = {"protocol", 'p', 1},
    [G_IN] = {"in-interface", 'i', 1},
    [G_JUMP] = {"jump", 'j', 1},
    [G_TABLE] = {"table", 't', 1},
    [G_MATCH] = {"match", 'm', 1},
    [G_NUMERIC] = {"numeric", 'n', 0},
    [G_OUT] = {"out-interface", 'o', 1},
    [G_VERBOSE] = {"verbose", 'v', 0},
    [G_WAIT] = {"wait", 'w', 0},
    [G_WAITINT] = {"wait-interval", 'W', 1},
    [G_EXACT] = {"exact", 'x', 0},
    [G_FRAG] = {"fragment", 'f', 0},
    [G_VERSION] = {"version", 'V', 0},
    [G_HELP] = {"help", 'h', 0},
    [G_LINENUM] = {"line-numbers", 0, 0},
    [G_MODPROBE] = {"modprobe", 'M', 1},
    [G_COUNTERS] = {"set-counters", 'c', 3},
    [G_GOTO] = {"goto", 'g', 1},
    [G_IPV4] = {"ipv4", '4', 0},
    [G_IPV6] = {"ipv6", '6', 0},
};

/* Aliases getopt knows as separate long options. */
static const struct {
    const char *name;
    enum gopt id;
} galias[] = {
    {"src", G_SOURCE},
    {"dst", G_DEST},
};

struct cmd {
    char op; /* 'A','I','D','R','N','X','F','P','Z',
                'E', 'L', 'S' or 0 */
    int op_tok;
    const char *chain;
    int chain_tok;
    const char *arg2; /* -P target, -E new name */
    int arg2_tok;
    long rulenum;          /* -I/-D/-R position, 0 = none */
    const char *src, *dst; /* comma lists */
    int src_tok, dst_tok;
    const char *table;
    int table_tok;
    bool counters;
    uint64_t pkts, bytes;
    uint64_t seen; /* generic options given (bit per gopt) */
};

/* Where an option name resolved to. */
struct optref {
    int gen;             /* enum gopt, or -1 */
    struct rules_xt *xt; /* extension, when gen < 0 */
    int idx;
};

static int
load_ext(struct rules_ctx *ctx, const struct rules_ext *ext, int tok)
{
    struct rules_rule *r = ctx->rule;
    struct rules_xt *nm = realloc(r->m, (r->n_m + 1) * sizeof(*nm));
    if (!nm) {
        ctx->rs->oom = true;
        return -1;
    }
    r->m = nm;
    struct rules_xt *xt = &r->m[r->n_m];
    if (rules_xt_init(xt, ext)) {
        ctx->rs->oom = true;
        return -1;
    }
    xt->family = (uint8_t)ctx->family;
    if (tok >= 0) {
        xt->col = ctx->tok[tok].col;
        xt->len = ctx->tok[tok].len;
    }
    r->n_m++;
    return 0;
}

/* getopt_long() lookup over generic and loaded extension options. */
static int
find_long(struct rules_ctx *ctx, const char *name, struct optref *ref)
{
    struct rules_rule *r = ctx->rule;
    size_t n = strlen(name);
    int hits = 0;
    ref->gen = -1;
    ref->xt = NULL;
    if (!n)
        return -1;
    for (int i = 0; i < G_N; i++)
        if (!strcmp(gopts[i].name, name)) {
            ref->gen = i;
            return 0;
        }
    for (size_t i = 0; i < sizeof(galias) / sizeof(galias[0]); i++)
        if (!strcmp(galias[i].name, name)) {
            ref->gen = (int)galias[i].id;
            return 0;
        }
    /* Extension options, exact. libxtables merges the options of each
     * newly loaded extension before the older ones, so the target and
     * the latest match win (a second "-m recent" takes its own
     * --rcheck). */
    for (size_t q = 0; q <= r->n_m; q++) {
        struct rules_xt *xt = q == 0 ? (r->verdict == RV_EXT ? &r->tg : NULL)
                                     : &r->m[r->n_m - q];
        if (!xt)
            continue;
        for (int k = 0; k < xt->ext->n_opts; k++)
            if (!strcmp(xt->ext->opts[k].name, name)) {
                ref->xt = xt;
                ref->idx = k;
                return 0;
            }
    }
    /* Unique prefix. */
    struct optref cand = {-1, NULL, 0};
    for (int i = 0; i < G_N; i++)
        if (!strncmp(gopts[i].name, name, n)) {
            hits++;
            cand.gen = i;
        }
    for (size_t i = 0; i < sizeof(galias) / sizeof(galias[0]); i++)
        if (!strncmp(galias[i].name, name, n) &&
            !(cand.gen == (int)galias[i].id && hits)) {
            hits++;
            cand.gen = (int)galias[i].id;
        }
    for (size_t q = 0; q <= r->n_m; q++) {
        struct rules_xt *xt = q == 0 ? (r->verdict == RV_EXT ? &r->tg : NULL)
                                     : &r->m[r->n_m - q];
        if (!xt)
            continue;
        for (int k = 0; k < xt->ext->n_opts; k++)
            if (!strncmp(xt->ext->opts[k].name, name, n)) {
                /* The same extension loaded twice offers the same
                 * option twice; getopt treats identical entries as
                 * one (it compares the option records). */
                if (cand.xt && cand.xt->ext == xt->ext && cand.idx == k)
                    continue;
                hits++;
                cand.gen = -1;
                cand.xt = xt;
                cand.idx = k;
            }
    }
    if (hits != 1)
        return -1;
    *ref = cand;
    return 0;
}

static bool
is_number(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static int
set_iface(struct rules_ctx *ctx, char *dst, const char *arg)
{
    size_t n = strlen(arg);
    if (n >= RULES_IFNAMSIZ) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "interface name `%s' must be shorter than IFNAMSIZ (%u)",
                  arg, RULES_IFNAMSIZ - 1);
        return -1;
    }
    memcpy(dst, arg, n + 1);
    return 0;
}

static bool
is_standard_verdict(const char *s, enum rules_verdict *v)
{
    static const struct {
        const char *n;
        enum rules_verdict v;
    } std[] = {{"ACCEPT", RV_ACCEPT},
               {"DROP", RV_DROP},
               {"RETURN", RV_RETURN},
               {"QUEUE", RV_QUEUE}};
    for (size_t i = 0; i < sizeof(std) / sizeof(std[0]); i++)
        if (!strcmp(std[i].n, s)) {
            *v = std[i].v;
            return true;
        }
    return false;
}

static int
set_target(struct rules_ctx *ctx, const char *name, bool go, int tok)
{
    struct rules_rule *r = ctx->rule;
    r->tg_col = ctx->tok[tok].col;
    r->tg_len = ctx->tok[tok].len;
    size_t n = strlen(name);
    if (go) {
        r->verdict = RV_GOTO;
    } else if (is_standard_verdict(name, &r->verdict)) {
        return 0;
    } else {
        const struct rules_ext *ext = rules_ext_find(name, true, ctx->family);
        if (ext) {
            if (rules_xt_init(&r->tg, ext)) {
                ctx->rs->oom = true;
                return -1;
            }
            r->tg.family = (uint8_t)ctx->family;
            r->tg.col = r->tg_col;
            r->tg.len = r->tg_len;
            r->verdict = RV_EXT;
            return 0;
        }
        r->verdict = RV_JUMP;
    }
    if (n > RULES_CHAIN_MAXLEN) {
        rules_err(ctx, tok, CTFW_RULES_EXIT_PARAM,
                  "Invalid target name `%s' (%u chars max)", name,
                  RULES_CHAIN_MAXLEN);
        return -1;
    }
    /* parse_target(): no white space (a DOS '\r' included). */
    for (const char *p = name; *p; p++)
        if (*p == ' ' || (*p >= '\t' && *p <= '\r')) {
            rules_err(ctx, tok, CTFW_RULES_EXIT_PARAM,
                      "Invalid target name `%s'", name);
            return -1;
        }
    memcpy(r->jump, name, n + 1);
    return 0;
}

/* Try the protocol's match for an option nobody knows (load_proto()). */
static int
load_proto(struct rules_ctx *ctx)
{
    struct rules_rule *r = ctx->rule;
    if (!r->proto_set || (r->inv & RINV_PROTO) || !r->proto)
        return -1;
    const char *pn = NULL;
    switch (r->proto) {
    case 6:
        pn = "tcp";
        break;
    case 17:
        pn = "udp";
        break;
    case 136:
        pn = "udplite";
        break;
    case 132:
        pn = "sctp";
        break;
    case 33:
        pn = "dccp";
        break;
    case 1:
        pn = "icmp";
        break;
    case 58:
        pn = "icmp6";
        break;
    case 50:
        pn = "esp";
        break;
    case 51:
        pn = "ah";
        break;
    default:
        return -1;
    }
    const struct rules_ext *ext = rules_ext_find(pn, false, ctx->family);
    if (!ext)
        return -1;
    for (size_t i = 0; i < r->n_m; i++)
        if (r->m[i].ext == ext)
            return -1;
    return load_ext(ctx, ext, -1);
}

static int
parse_counters(const char *p, const char *b, uint64_t *pk, uint64_t *by)
{
    /* sscanf("%llu") of iptables: a number at the start is enough. */
    char *e;
    *pk = strtoull(p, &e, 10);
    if (e == p)
        return 2;
    *by = strtoull(b, &e, 10);
    if (e == b)
        return 3;
    return 0;
}

/* Handle generic option `g` whose argument is `arg`. */
static int
generic(struct rules_ctx *ctx, struct cmd *c, int g, bool invert,
        const char *arg, int *i)
{
    struct rules_rule *r = ctx->rule;
    static const uint64_t once =
        (1ull << G_SOURCE) | (1ull << G_DEST) | (1ull << G_PROTO) |
        (1ull << G_IN) | (1ull << G_OUT) | (1ull << G_JUMP) |
        (1ull << G_FRAG) | (1ull << G_TABLE) | (1ull << G_COUNTERS);
    static const uint64_t invertible = (1ull << G_SOURCE) | (1ull << G_DEST) |
                                       (1ull << G_PROTO) | (1ull << G_IN) |
                                       (1ull << G_OUT) | (1ull << G_FRAG);
    char letter = gopts[g].letter;
    if (g == G_GOTO)
        g = G_JUMP;
    if ((once & (1ull << g)) && (c->seen & (1ull << g))) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "multiple -%c flags not allowed", gopts[g].letter);
        return -1;
    }
    if (invert && g == G_MATCH) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "unexpected ! flag before --match");
        return -1;
    }
    if (invert && !(invertible & (1ull << g))) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "cannot have ! before -%c", letter);
        return -1;
    }
    c->seen |= 1ull << g;
    switch (g) {
    case G_APPEND:
    case G_DELETE:
    case G_INSERT:
    case G_REPLACE:
    case G_LIST:
    case G_LIST_RULES:
    case G_FLUSH:
    case G_ZERO:
    case G_NEW:
    case G_DELCHAIN:
    case G_RENAME:
    case G_POLICY:
        if (c->op) {
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "Cannot use -%c with -%c\n", letter, c->op);
            return -1;
        }
        c->op = letter;
        c->op_tok = ctx->cur;
        c->chain = arg;
        c->chain_tok = arg ? *i : -1;
        if (arg && (g == G_NEW || g == G_RENAME) &&
            strlen(arg) > RULES_CHAIN_MAXLEN) {
            rules_err(ctx, *i, CTFW_RULES_EXIT_PARAM,
                      "chain name `%s' too long (must be under %u chars)", arg,
                      RULES_CHAIN_MAXLEN + 1);
            return -1;
        }
        if (arg && g == G_NEW && (arg[0] == '-' || arg[0] == '!')) {
            rules_err(ctx, *i, CTFW_RULES_EXIT_PARAM,
                      "chain name not allowed to start with `%c'\n", arg[0]);
            return -1;
        }
        /* The second word of -P, -E, -R and the optional position of
         * -I / -D. */
        if (g == G_POLICY || g == G_RENAME || g == G_REPLACE) {
            if (*i + 1 >= ctx->n_tok) {
                rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                          "-%c requires %s", letter,
                          g == G_POLICY   ? "a chain and a policy"
                          : g == G_RENAME ? "old-chain-name and "
                                            "new-chain-name"
                                          : "a rule number");
                return -1;
            }
            (*i)++;
            c->arg2 = ctx->tok[*i].s;
            c->arg2_tok = *i;
        } else if ((g == G_INSERT || g == G_DELETE) && *i + 1 < ctx->n_tok &&
                   ctx->tok[*i + 1].s[0] != '-' &&
                   ctx->tok[*i + 1].s[0] != '!') {
            (*i)++;
            c->arg2 = ctx->tok[*i].s;
            c->arg2_tok = *i;
        }
        if (c->arg2 && g != G_POLICY && g != G_RENAME) {
            if (!is_number(c->arg2) || !strtol(c->arg2, NULL, 10)) {
                rules_err(ctx, c->arg2_tok, CTFW_RULES_EXIT_PARAM,
                          "Invalid rule number `%s'", c->arg2);
                return -1;
            }
            c->rulenum = strtol(c->arg2, NULL, 10);
        }
        return 0;
    case G_SOURCE:
    case G_DEST:
        if (g == G_SOURCE) {
            c->src = arg;
            c->src_tok = *i;
            if (invert)
                r->inv |= RINV_SRC;
        } else {
            c->dst = arg;
            c->dst_tok = *i;
            if (invert)
                r->inv |= RINV_DST;
        }
        return 0;
    case G_PROTO: {
        char low[64];
        size_t n = strlen(arg);
        if (n >= sizeof(low))
            n = sizeof(low) - 1;
        for (size_t k = 0; k < n; k++)
            low[k] =
                (char)(arg[k] >= 'A' && arg[k] <= 'Z' ? arg[k] + 32 : arg[k]);
        low[n] = '\0';
        int p = rules_proto_number(low);
        if (!strcmp(low, "all"))
            p = 0;
        if (p < 0) {
            rules_err(ctx, *i, CTFW_RULES_EXIT_PARAM,
                      "unknown protocol \"%s\" specified", arg);
            return -1;
        }
        if (p == 0 && invert) {
            rules_err(ctx, *i, CTFW_RULES_EXIT_PARAM,
                      "rule would never match protocol");
            return -1;
        }
        r->proto = (uint16_t)p;
        r->proto_set = true;
        if (invert)
            r->inv |= RINV_PROTO;
        return 0;
    }
    case G_IN:
        if (invert)
            r->inv |= RINV_IN;
        return set_iface(ctx, r->in, arg);
    case G_OUT:
        if (invert)
            r->inv |= RINV_OUT;
        return set_iface(ctx, r->out, arg);
    case G_FRAG:
        if (ctx->family == 6) {
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "`-f' is not supported in IPv6, use -m frag instead");
            return -1;
        }
        r->frag = true;
        if (invert)
            r->inv |= RINV_FRAG;
        return 0;
    case G_JUMP:
        return set_target(ctx, arg, letter == 'g', *i);
    case G_MATCH: {
        if (!strcmp(arg, "set")) {
            /* ctfw reads no ipset definitions: every set is missing,
             * which iptables reports this way. */
            const char *set = "";
            for (int k = *i + 1; k + 1 < ctx->n_tok; k++)
                if (!strcmp(ctx->tok[k].s, "--match-set")) {
                    set = ctx->tok[k + 1].s;
                    break;
                }
            rules_err(ctx, *i, CTFW_RULES_EXIT_PARAM,
                      "Set %s doesn't exist.\n", set);
            struct rules_diag_rec *d = &ctx->rs->diags[ctx->rs->n_diags - 1];
            char *m = strdup("ipset is not supported by ctfw: match `set' "
                             "cannot be loaded");
            if (m) {
                free(d->message);
                d->message = m;
            }
            return -1;
        }
        const struct rules_ext *ext = rules_ext_find(arg, false, ctx->family);
        if (!ext) {
            rules_err(ctx, *i, CTFW_RULES_EXIT_PARAM,
                      "Couldn't load match `%s':No such file or "
                      "directory\n",
                      arg);
            return -1;
        }
        if (invert) {
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "unexpected ! flag before --match");
            return -1;
        }
        return load_ext(ctx, ext, *i);
    }
    case G_TABLE:
        if (ctx->restore) {
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "The -t option cannot be used in %s.\n", ctx->prog);
            return -1;
        }
        c->table = arg;
        c->table_tok = *i;
        return 0;
    case G_COUNTERS: {
        /* xshared.c: "-c P,B" or "-c P B" (the next word unless it
         * starts with '-' or '!'), then each number checked. */
        const char *bytes = strchr(arg + (arg[0] != '\0'), ',');
        if (bytes) {
            bytes++;
        } else if (*i + 1 < ctx->n_tok && ctx->tok[*i + 1].s[0] != '-' &&
                   ctx->tok[*i + 1].s[0] != '!') {
            bytes = ctx->tok[++*i].s;
        }
        int bad = !bytes ? 1
                         : parse_counters(arg, bytes, &c->pkts, &c->bytes);
        if (bad) {
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      bad == 1   ? "-c requires packet and byte counter"
                      : bad == 2 ? "-c packet counter not numeric"
                                 : "-c byte counter not numeric");
            return -1;
        }
        c->counters = true;
        return 0;
    }
    case G_IPV6:
        if (ctx->family != 6) {
            rules_err_tryhelp(ctx, ctx->cur,
                              "This is an IPv4 program, -6 is not allowed");
            return -1;
        }
        return 0;
    case G_IPV4:
        if (ctx->family != 4) {
            rules_err_tryhelp(ctx, ctx->cur,
                              "This is an IPv6 program, -4 is not allowed");
            return -1;
        }
        return 0;
    default:
        return 0;
    }
}

/* Parse the words into c and ctx->rule. 0 or -1 (error reported). */
static int
parse_words(struct rules_ctx *ctx, struct cmd *c)
{
    bool invert = false;
    int inv_tok = -1;
    for (int i = 0; i < ctx->n_tok; i++) {
        char *s = ctx->tok[i].s;
        ctx->cur = i;
        if (!strcmp(s, "!")) {
            if (invert) {
                rules_err(ctx, i, CTFW_RULES_EXIT_PARAM,
                          "multiple consecutive ! not allowed");
                return -1;
            }
            invert = true;
            inv_tok = i;
            continue;
        }
        if (s[0] != '-' || !s[1]) {
            /* No program prefix: iptables prints this one itself. */
            char text[512];
            snprintf(text, sizeof(text),
                     "Bad argument `%s'\n"
                     "Try `%s -h' or '%s --help' for more information.\n",
                     s, ctx->prog, ctx->prog);
            if (ctx->restore) {
                snprintf(text, sizeof(text),
                         "Bad argument `%s'\nError occurred at line: %u\n"
                         "Try `%s -h' or '%s --help' for more "
                         "information.\n",
                         s, ctx->line, ctx->prog, ctx->prog);
            }
            char msg[300];
            snprintf(msg, sizeof(msg), "Bad argument `%s'", s);
            rules_err_raw(ctx, i, CTFW_RULES_EXIT_PARAM, msg, text);
            return -1;
        }
        struct optref ref;
        const char *arg = NULL;
        char namebuf[128];
        if (s[1] == '-') {
            const char *name = s + 2;
            const char *eq = strchr(name, '=');
            if (eq) {
                size_t n = (size_t)(eq - name);
                if (n >= sizeof(namebuf))
                    n = sizeof(namebuf) - 1;
                memcpy(namebuf, name, n);
                namebuf[n] = '\0';
                name = namebuf;
                arg = eq + 1;
            }
            if (find_long(ctx, name, &ref)) {
                if (load_proto(ctx) == 0 && !find_long(ctx, name, &ref))
                    goto found;
                if (ctx->rs->oom)
                    return -1;
                rules_err(ctx, i, CTFW_RULES_EXIT_PARAM,
                          "unknown option \"%s\"", s);
                return -1;
            }
        } else {
            int g = -1;
            for (int k = 0; k < G_N; k++)
                if (gopts[k].letter && gopts[k].letter == s[1])
                    g = k;
            if (g < 0) {
                rules_err(ctx, i, CTFW_RULES_EXIT_PARAM,
                          "unknown option \"%s\"", s);
                return -1;
            }
            ref.gen = g;
            ref.xt = NULL;
            if (s[2]) {
                if (gopts[g].arg == 1 || gopts[g].arg == 3) {
                    arg = s + 2;
                } else if (gopts[g].arg == 0) {
                    /* Bundled flags such as -nvx: each letter. */
                    for (const char *p = s + 1; *p; p++) {
                        int h = -1;
                        for (int k = 0; k < G_N; k++)
                            if (gopts[k].letter == *p)
                                h = k;
                        if (h < 0 || gopts[h].arg != 0) {
                            rules_err(ctx, i, CTFW_RULES_EXIT_PARAM,
                                      "unknown option \"%s\"", s);
                            return -1;
                        }
                        if (generic(ctx, c, h, invert, NULL, &i))
                            return -1;
                        invert = false;
                    }
                    continue;
                }
            }
        }
    found:
        if (ref.gen >= 0) {
            int g = ref.gen;
            int argc_kind = gopts[g].arg;
            if ((argc_kind == 1 || argc_kind == 3) && !arg) {
                if (i + 1 >= ctx->n_tok) {
                    rules_err(ctx, i, CTFW_RULES_EXIT_PARAM,
                              "option \"%s\" requires an argument", s);
                    return -1;
                }
                arg = ctx->tok[++i].s;
            } else if (argc_kind == 2 && !arg && i + 1 < ctx->n_tok &&
                       ctx->tok[i + 1].s[0] != '-' &&
                       ctx->tok[i + 1].s[0] != '!') {
                arg = ctx->tok[++i].s;
            }
            int at = ctx->cur;
            if (generic(ctx, c, g, invert, arg, &i))
                return -1;
            (void)at;
        } else {
            const struct rules_opt *o = &ref.xt->ext->opts[ref.idx];
            const char *arg2 = NULL;
            bool needs = o->type != OT_NONE && !(o->flags & OF_NOARG);
            if (needs && !arg) {
                if (i + 1 >= ctx->n_tok) {
                    if (!(o->flags & OF_OPTARG)) {
                        rules_err(ctx, i, CTFW_RULES_EXIT_PARAM,
                                  "option \"%s\" requires an argument", s);
                        return -1;
                    }
                } else if (!(o->flags & OF_OPTARG) ||
                           ctx->tok[i + 1].s[0] != '-') {
                    arg = ctx->tok[++i].s;
                }
            }
            if (o->flags & OF_TWOARGS) {
                if (i + 1 >= ctx->n_tok) {
                    if (o->badmsg)
                        rules_err(ctx, i, CTFW_RULES_EXIT_PARAM, "%s",
                                  o->badmsg);
                    else
                        rules_err(ctx, i, CTFW_RULES_EXIT_PARAM,
                                  "%s: option \"--%s\" requires an "
                                  "argument",
                                  ref.xt->ext->name, o->name);
                    return -1;
                }
                arg2 = ctx->tok[++i].s;
            }
            ctx->cur = i;
            if (rules_opt_apply(ctx, ref.xt, ref.idx, invert, arg, arg2))
                return -1;
        }
        invert = false;
    }
    if (invert) {
        rules_err(ctx, inv_tok, CTFW_RULES_EXIT_PARAM,
                  "nothing appropriate following !");
        return -1;
    }
    return 0;
}

/* Split a comma list of addresses; returns the count or -1. */
static int
parse_addr_list(struct rules_ctx *ctx, const char *list, int tok,
                struct rules_host **out)
{
    int n = 1;
    for (const char *p = list; *p; p++)
        if (*p == ',')
            n++;
    struct rules_host *h = calloc((size_t)n, sizeof(*h));
    if (!h) {
        ctx->rs->oom = true;
        return -1;
    }
    const char *p = list;
    for (int k = 0; k < n; k++) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char tmp[128];
        if (len >= sizeof(tmp))
            len = sizeof(tmp) - 1;
        memcpy(tmp, p, len);
        tmp[len] = '\0';
        int rc = rules_parse_host(ctx->family, tmp, &h[k], true);
        if (rc == -ENOENT) {
            rules_err(ctx, tok, CTFW_RULES_EXIT_PARAM,
                      "invalid mask `%s' specified", strchr(tmp, '/') + 1);
            free(h);
            return -1;
        }
        if (rc) {
            char *slash = strchr(tmp, '/');
            if (slash)
                *slash = '\0';
            rules_err(ctx, tok, CTFW_RULES_EXIT_PARAM,
                      "host/network `%s' not found", tmp);
            free(h);
            return -1;
        }
        p = e ? e + 1 : p + len;
    }
    *out = h;
    return n;
}

static struct rules_rule *
rule_clone(const struct rules_rule *r, const char *source)
{
    /* On a cache line of its own (struct rules_rule's layout). */
    struct rules_rule *n =
        aligned_alloc(64, (sizeof(*n) + 63) / 64 * 64);
    if (!n)
        return NULL;
    *n = *r;
    n->text = strdup(source ? source : "");
    if (!n->text) {
        free(n);
        return NULL;
    }
    n->m = r->n_m ? calloc(r->n_m, sizeof(*n->m)) : NULL;
    if (r->n_m && !n->m) {
        free(n->text);
        free(n);
        return NULL;
    }
    for (size_t i = 0; i < r->n_m; i++)
        if (rules_xt_copy(&n->m[i], &r->m[i])) {
            n->n_m = i;
            n->verdict = RV_NONE;
            rules_rule_free(n);
            return NULL;
        }
    if (r->verdict == RV_EXT && r->tg.ext->size <= sizeof(n->tg_inl)) {
        /* Small target data beside the target (rules_rule_free()). */
        n->tg.rt = NULL;
        n->tg.data = (unsigned char *)n->tg_inl;
        memcpy(n->tg_inl, r->tg.data, r->tg.ext->size);
    } else if (r->verdict == RV_EXT && rules_xt_copy(&n->tg, &r->tg)) {
        n->verdict = RV_NONE;
        rules_rule_free(n);
        return NULL;
    }
    return n;
}

static int
fail(struct rules_ctx *ctx, int tok, const char *msg)
{
    rules_err(ctx, tok, CTFW_RULES_EXIT_OTHER, "%s", msg);
    return -1;
}

static bool
chain_is_builtin(int table, const char *name)
{
    for (int h = 0; h < RH_N_HOOKS; h++)
        if ((rules_tables[table].hooks & RH_BIT(h)) &&
            !strcmp(rules_hook_names[h], name))
            return true;
    return false;
}

/* Resolve -j CHAIN / -g CHAIN as iptables-nft does while parsing. */
static int
resolve_jump(struct rules_ctx *ctx, struct rules_rule *r)
{
    if (r->verdict != RV_JUMP && r->verdict != RV_GOTO)
        return 0;
    struct rules_chain *t = rules_chain_find(ctx->rs, ctx->table, r->jump);
    int tok = -1;
    for (int i = 0; i < ctx->n_tok; i++)
        if (ctx->tok[i].col == r->tg_col)
            tok = i;
    if (!t) {
        /* iptables-nft reports this when the batch is sent: the
         * restore parser patches in the COMMIT line (parse.c). */
        size_t before = ctx->rs->n_diags;
        rules_err(ctx, tok, CTFW_RULES_EXIT_PARAM, "Chain '%s' does not exist",
                  r->jump);
        if (ctx->restore && ctx->rs->n_diags > before)
            ctx->rs->diags[before].at_commit = true;
        return -1;
    }
    r->jump_to = t;
    return 0;
}

static void
chain_ref(struct rules_rule *r, int delta)
{
    if ((r->verdict == RV_JUMP || r->verdict == RV_GOTO) && r->jump_to)
        r->jump_to->refs = (unsigned)((int)r->jump_to->refs + delta);
}

static int
apply(struct rules_ctx *ctx, struct cmd *c)
{
    struct ctfw_ruleset *rs = ctx->rs;
    struct rules_rule *r = ctx->rule;
    int table = ctx->table;
    struct rules_chain *ch = NULL;

    switch (c->op) {
    case 'N':
        if (rules_chain_find(rs, table, c->chain) ||
            chain_is_builtin(table, c->chain))
            return fail(ctx, c->chain_tok, "Chain already exists.");
        if (!(ch = rules_chain_add(rs, table, c->chain)))
            rs->oom = true;
        else
            ch->line = ctx->line;
        return 0;
    case 'X':
    case 'F':
    case 'Z': {
        struct rules_table *t = &rs->tables[table];
        if (c->chain) {
            ch = rules_chain_find(rs, table, c->chain);
            if (!ch)
                return fail(ctx, c->chain_tok,
                            "No chain/target/match by that name.");
        }
        for (size_t k = 0; k < t->n_chains; k++) {
            struct rules_chain *x = t->chains[k];
            if (ch && x != ch)
                continue;
            if (c->op == 'F') {
                for (size_t j = 0; j < x->n_rules; j++)
                    chain_ref(x->rules[j], -1);
                rules_chain_flush(x);
            } else if (c->op == 'Z') {
                x->pkts = x->bytes = 0;
                for (size_t j = 0; j < x->n_rules; j++)
                    x->rules[j]->pkts = x->rules[j]->bytes = 0;
            }
        }
        if (c->op != 'X')
            return 0;
        if (ch && ch->builtin)
            return fail(ctx, c->chain_tok, "Can't delete built-in chain.");
        for (size_t k = 0; k < t->n_chains;) {
            struct rules_chain *x = t->chains[k];
            if ((ch && x != ch) || x->builtin) {
                k++;
                continue;
            }
            if (x->refs) {
                if (!ch) {
                    k++;
                    continue;
                }
                return fail(ctx, c->chain_tok, "Too many links.");
            }
            if (x->n_rules && ch)
                return fail(ctx, c->chain_tok, "Directory not empty.");
            for (size_t j = 0; j < x->n_rules; j++)
                chain_ref(x->rules[j], -1);
            rules_chain_flush(x);
            free(x->rules);
            free(x);
            memmove(&t->chains[k], &t->chains[k + 1],
                    (t->n_chains - k - 1) * sizeof(*t->chains));
            t->n_chains--;
        }
        return 0;
    }
    case 'P': {
        ch = rules_chain_find(rs, table, c->chain);
        if (!ch || !ch->builtin)
            return fail(ctx, c->chain_tok, "Bad built-in chain name.");
        enum rules_verdict pol;
        if (!strcmp(c->arg2, "ACCEPT"))
            pol = RV_ACCEPT;
        else if (!strcmp(c->arg2, "DROP"))
            pol = RV_DROP;
        else
            return fail(ctx, c->arg2_tok, "Bad policy name.");
        /* iptables-nft-restore checks a -P line but keeps the policy of
         * the ":CHAIN POLICY" line (observed: "-P FORWARD DROP" inside a
         * block leaves FORWARD ACCEPT). */
        if (!ctx->restore)
            ch->policy = pol;
        if (c->counters) {
            ch->pkts = c->pkts;
            ch->bytes = c->bytes;
        }
        return 0;
    }
    case 'E': {
        ch = rules_chain_find(rs, table, c->chain);
        if (!ch || ch->builtin)
            return fail(ctx, c->chain_tok,
                        "No chain/target/match by that name.");
        if (rules_chain_find(rs, table, c->arg2))
            return fail(ctx, c->arg2_tok, "File exists.");
        if (ctx->restore && !ctx->legacy) {
            /* iptables-nft-restore (1.8.9, checked on 6.18): the rename
             * waits for COMMIT; until then `-A NEW` fails ("No
             * chain/target/match by that name.") and `-A OLD` still
             * adds to the chain. At COMMIT the kernel answers
             * CHAIN_RENAME with ENOENT, because every chain of a
             * restore block is made in the same batch (without
             * --noflush, which ctfw does not model): exit 4, nothing
             * applied. parse.c reports it at COMMIT. The legacy tool
             * renames in its userspace copy at once (checked). */
            struct rules_rename *nr =
                realloc(ctx->renames,
                        (ctx->n_renames + 1) * sizeof(*ctx->renames));
            char *src = strdup(ctx->source ? ctx->source : "");
            if (!nr || !src) {
                free(src);
                if (nr)
                    ctx->renames = nr;
                rs->oom = true;
                return -1;
            }
            ctx->renames = nr;
            struct rules_rename *x = &nr[ctx->n_renames++];
            const struct rules_tok *tk = &ctx->tok[c->arg2_tok];
            x->line = ctx->line;
            x->col = tk->col;
            x->len = tk->len;
            snprintf(x->to, sizeof(x->to), "%s", c->arg2);
            x->source = src;
            return 0;
        }
        snprintf(ch->name, sizeof(ch->name), "%s", c->arg2);
        return 0;
    }
    case 'L':
    case 'S':
        return 0;
    default:
        break;
    }

    /* Rule commands. */
    ch = rules_chain_find(rs, table, c->chain);
    if (c->op == 'D' && c->rulenum && !ctx->rule->n_m &&
        ctx->rule->verdict == RV_NONE) {
        if (!ch || (size_t)c->rulenum > ch->n_rules)
            return fail(ctx, c->arg2_tok,
                        "No chain/target/match by that name.");
        chain_ref(ch->rules[c->rulenum - 1], -1);
        rules_rule_free(ch->rules[c->rulenum - 1]);
        memmove(&ch->rules[c->rulenum - 1], &ch->rules[c->rulenum],
                (ch->n_rules - (size_t)c->rulenum) * sizeof(*ch->rules));
        ch->n_rules--;
        return 0;
    }
    if (!ch)
        return fail(ctx, c->chain_tok, "No chain/target/match by that name.");

    /* Userspace checks on the complete rule. */
    if (r->in[0] &&
        (!strcmp(c->chain, "OUTPUT") || !strcmp(c->chain, "POSTROUTING"))) {
        rules_err(ctx, c->chain_tok, CTFW_RULES_EXIT_PARAM,
                  "Can't use -i with %s\n", c->chain);
        return -1;
    }
    if (r->out[0] &&
        (!strcmp(c->chain, "PREROUTING") || !strcmp(c->chain, "INPUT"))) {
        rules_err(ctx, c->chain_tok, CTFW_RULES_EXIT_PARAM,
                  "Can't use -o with %s\n", c->chain);
        return -1;
    }
    for (size_t k = 0; k < r->n_m; k++) {
        ctx->cur = -1;
        if (rules_opt_final(ctx, &r->m[k], r))
            return -1;
        r->m[k].proto = (uint8_t)(r->proto_set ? r->proto : 0);
    }
    if (r->verdict == RV_EXT && rules_opt_final(ctx, &r->tg, r))
        return -1;
    if (resolve_jump(ctx, r))
        return -1;
    if (c->counters) {
        r->pkts = c->pkts;
        r->bytes = c->bytes;
    }

    struct rules_host *srcs = NULL, *dsts = NULL;
    int ns = 1, nd = 1;
    if (c->src && (ns = parse_addr_list(ctx, c->src, c->src_tok, &srcs)) < 0)
        return -1;
    if (c->dst && (nd = parse_addr_list(ctx, c->dst, c->dst_tok, &dsts)) < 0) {
        free(srcs);
        return -1;
    }
    int rc = 0;
    size_t pos =
        c->op == 'I' ? (size_t)(c->rulenum ? c->rulenum - 1 : 0) : ch->n_rules;
    if (c->op == 'I' && pos > ch->n_rules) {
        free(srcs);
        free(dsts);
        return fail(ctx, c->arg2_tok, "Index of insertion too big.");
    }
    if (c->op == 'R' && (size_t)c->rulenum > ch->n_rules) {
        free(srcs);
        free(dsts);
        return fail(ctx, c->arg2_tok, "Index of replacement too big.");
    }
    for (int a = 0; a < ns && !rc; a++) {
        for (int b = 0; b < nd && !rc; b++) {
            struct rules_rule tmpl = *r;
            if (srcs) {
                tmpl.src = srcs[a].addr;
                tmpl.smsk = srcs[a].mask;
            }
            if (dsts) {
                tmpl.dst = dsts[b].addr;
                tmpl.dmsk = dsts[b].mask;
            }
            if (c->op == 'D') {
                size_t k = 0;
                for (; k < ch->n_rules; k++)
                    if (rules_rule_equal(ch->rules[k], &tmpl))
                        break;
                if (k == ch->n_rules) {
                    rc = fail(ctx, c->op_tok,
                              "Bad rule (does a matching rule exist in "
                              "that chain?).");
                    break;
                }
                chain_ref(ch->rules[k], -1);
                rules_rule_free(ch->rules[k]);
                memmove(&ch->rules[k], &ch->rules[k + 1],
                        (ch->n_rules - k - 1) * sizeof(*ch->rules));
                ch->n_rules--;
                continue;
            }
            struct rules_rule *nr = rule_clone(&tmpl, ctx->source);
            if (!nr) {
                rs->oom = true;
                rc = -1;
                break;
            }
            if (c->op == 'R') {
                chain_ref(ch->rules[c->rulenum - 1], -1);
                rules_rule_free(ch->rules[c->rulenum - 1]);
                ch->rules[c->rulenum - 1] = nr;
            } else if (rules_chain_insert(ch, pos++, nr)) {
                rules_rule_free(nr);
                rs->oom = true;
                rc = -1;
                break;
            }
            chain_ref(nr, 1);
        }
    }
    free(srcs);
    free(dsts);
    return rc;
}

/*
 * Parse and apply the words of ctx. ctx->table is the table of the
 * restore block, or -1 in a script (then -t or "filter").
 */
int
rules_cmd_run(struct rules_ctx *ctx)
{
    struct rules_rule rule;
    memset(&rule, 0, sizeof(rule));
    rule.family = (uint8_t)ctx->family;
    rule.line = ctx->line;
    ctx->rule = &rule;
    struct cmd c;
    memset(&c, 0, sizeof(c));
    c.src_tok = c.dst_tok = c.chain_tok = c.arg2_tok = c.op_tok = -1;
    int rc = parse_words(ctx, &c);
    if (!rc && !ctx->restore) {
        int t = rules_table_find(c.table ? c.table : "filter");
        if (t < 0) {
            /* nft_cmd_new() of iptables-nft 1.8.9: VERSION_PROBLEM. */
            char msg[256], text[512];
            snprintf(msg, sizeof(msg), "table '%s' does not exist", c.table);
            snprintf(text, sizeof(text),
                     "%s v1.8.9 (nf_tables): %s\n"
                     "Perhaps iptables or your kernel needs to be "
                     "upgraded.\n",
                     ctx->prog, msg);
            rules_err_raw(ctx, c.table_tok, CTFW_RULES_EXIT_VERSION, msg,
                          text);
            rc = -1;
        } else {
            ctx->table = t;
            if (rules_table_touch(ctx->rs, t))
                rc = -1;
        }
    }
    if (!rc && !c.op) {
        rules_err(ctx, -1, CTFW_RULES_EXIT_PARAM, "no command specified");
        rc = -1;
    }
    if (!rc && c.op && strchr("AIDR", c.op)) {
        /* commands_v_options[] of iptables: listing options are
         * illegal with rule commands. */
        static const struct {
            int g;
            const char *name;
        } illegal[] = {
            {G_NUMERIC, "-n"}, {G_EXACT, "-x"}, {G_LINENUM, "--line-numbers"}};
        for (size_t k = 0; k < 3 && !rc; k++)
            if (c.seen & (1ull << illegal[k].g)) {
                rules_err(ctx, -1, CTFW_RULES_EXIT_PARAM,
                          "Illegal option `%s' with this command\n",
                          illegal[k].name);
                rc = -1;
            }
    }
    if (!rc && !c.chain && strchr("AIDRNPE", c.op)) {
        rules_err(ctx, c.op_tok, CTFW_RULES_EXIT_PARAM,
                  "option \"-%c\" requires an argument", c.op);
        rc = -1;
    }
    if (!rc)
        rc = apply(ctx, &c);
    for (size_t i = 0; i < rule.n_m; i++)
        rules_xt_fini(&rule.m[i]);
    free(rule.m);
    if (rule.verdict == RV_EXT)
        rules_xt_fini(&rule.tg);
    ctx->rule = NULL;
    return rc ? -1 : 0;
}
