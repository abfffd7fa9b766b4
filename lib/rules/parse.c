// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Input drivers: the iptables-restore format (as xtables-restore.c of
 * iptables 1.8.9 reads it) and scripts of iptables command lines (as a
 * shell would split them). Both hand each command to rules_cmd_run().
 *
 * Unlike iptables-restore, which stops at the first error, parsing goes
 * on to the end so that every error of a file is reported in one run;
 * diagnostics are kept in line order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_private.h"

#define MAX_TOKENS 1024

static const char *
prog_name(int family, bool restore)
{
    if (family == 6)
        return restore ? "ip6tables-restore" : "ip6tables";
    return restore ? "iptables-restore" : "iptables";
}

/* Create the table with its built-in chains if it does not exist yet. */
int
rules_table_touch(struct ctfw_ruleset *rs, int table)
{
    struct rules_table *t = &rs->tables[table];
    if (t->present)
        return 0;
    t->present = true;
    t->first_use = ++rs->tables_used;
    for (int h = 0; h < RH_N_HOOKS; h++) {
        if (!(rules_tables[table].hooks & RH_BIT(h)))
            continue;
        struct rules_chain *c =
            rules_chain_add(rs, table, rules_hook_names[h]);
        if (!c) {
            rs->oom = true;
            return -ENOMEM;
        }
        c->builtin = true;
        c->hook = h;
    }
    return 0;
}

struct toks {
    struct rules_tok tok[MAX_TOKENS];
    int n;
    char *buf; /* all words, NUL-separated */
    size_t len, cap;
};

/* Room left in a script's word buffer for expanded variables. */
#define SH_EXPAND_MAX 65536
/* Shell variables a script sets (IPT=/sbin/iptables) and uses. A NULL
 * value: assigned from something ctfw cannot evaluate ($(cmd), $1). */
#define SH_VARS 64
struct shvars {
    int n;
    char *name[SH_VARS], *val[SH_VARS];
    unsigned line[SH_VARS];
};

static int
shvar_find(const struct shvars *v, const char *name, size_t n)
{
    for (int i = v->n - 1; i >= 0; i--)
        if (strlen(v->name[i]) == n && !memcmp(v->name[i], name, n))
            return i;
    return -1;
}

static int
shvar_set(struct shvars *v, const char *name, size_t n, const char *val,
          unsigned line)
{
    int i = shvar_find(v, name, n);
    if (i < 0) {
        if (v->n == SH_VARS)
            return -1;
        i = v->n;
        v->name[i] = strndup(name, n);
        v->val[i] = NULL;
        if (!v->name[i])
            return -1;
        v->n++;
    }
    char *c = val ? strdup(val) : NULL;
    if (val && !c)
        return -1;
    free(v->val[i]);
    v->val[i] = c;
    v->line[i] = line;
    return 0;
}

static void
shvars_free(struct shvars *v)
{
    for (int i = 0; i < v->n; i++) {
        free(v->name[i]);
        free(v->val[i]);
    }
    v->n = 0;
}

static bool
sh_name_char(char c, bool first)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (!first && c >= '0' && c <= '9');
}

/* A word "NAME=..." (a shell assignment): the length of NAME, else 0. */
static size_t
sh_assignment(const char *w)
{
    size_t i = 0;
    while (sh_name_char(w[i], i == 0))
        i++;
    return i && w[i] == '=' ? i : 0;
}

static int
tok_push(struct toks *t, size_t start, unsigned col, unsigned len)
{
    if (t->n >= MAX_TOKENS)
        return -1;
    t->buf[t->len++] = '\0';
    t->tok[t->n].s = (char *)(uintptr_t)start; /* offset for now */
    t->tok[t->n].col = col;
    t->tok[t->n].len = len ? len : 1;
    t->n++;
    return 0;
}

static void
tok_fix(struct toks *t)
{
    for (int i = 0; i < t->n; i++)
        t->tok[i].s = t->buf + (size_t)(uintptr_t)t->tok[i].s;
}

/*
 * Split a restore line as add_param_to_argv() of iptables 1.8.9: words
 * end at space, tab or newline; a double quote opens a quoted part in
 * which a backslash escapes the next character; the closing quote ends
 * the word. No other escapes. A quote left open takes the newline.
 */
static int
split_restore(const char *line, size_t n, struct toks *t)
{
    bool quote = false, escaped = false, inword = false;
    size_t start = 0;
    unsigned col = 0;
    t->n = 0;
    t->len = 0;
    for (size_t i = 0; i <= n; i++) {
        char ch = i < n ? line[i] : '\n';
        if (quote) {
            if (escaped) {
                t->buf[t->len++] = ch;
                escaped = false;
                continue;
            } else if (ch == '\\') {
                escaped = true;
                continue;
            } else if (ch == '"') {
                quote = false;
            } else if (i < n) {
                t->buf[t->len++] = ch;
                continue;
            } else {
                /* A quote still open at the end of the line keeps the
                 * line's newline in the word (iptables-restore reads
                 * the line with it). */
                t->buf[t->len++] = '\n';
            }
        } else if (ch == '"') {
            if (!inword) {
                inword = true;
                start = t->len;
                col = (unsigned)i + 1;
            }
            quote = true;
            continue;
        }
        if (ch == '"' || ch == ' ' || ch == '\t' || ch == '\n') {
            if (!inword)
                continue;
            if (tok_push(t, start, col,
                         (unsigned)(i + 1 - (col - 1)) - (ch == '"' ? 0 : 1)))
                return -1;
            inword = false;
            continue;
        }
        if (!inword) {
            inword = true;
            start = t->len;
            col = (unsigned)i + 1;
        }
        t->buf[t->len++] = ch;
    }
    tok_fix(t);
    return 0;
}

/* Why split_shell() refused a line. */
enum {
    SH_TOO_MANY = -1,   /* too many words, or expansions too long */
    SH_QUOTE = -2,      /* unterminated quote */
    SH_SUBST = -3,      /* $(...) or `...`: ctfw runs no commands */
    SH_UNSET = -4,      /* $NAME not set by the script before */
    SH_EXPANSION = -5,  /* $1, $@, ${X:-y}, ...: not supported */
    SH_UNKNOWN = -6,    /* $NAME assigned from an SH_SUBST/SH_EXPANSION */
};

/*
 * Split a script line as sh would: '...', "..." with \" \\ \$ \`, a
 * backslash outside quotes, and # starting a word begins a comment.
 * $NAME and ${NAME} expand to what the script assigned before (split
 * into words outside double quotes, as sh's field splitting on the
 * default IFS does). *errcol and errname (64 bytes) say where and what
 * when the line is refused; *errline, for SH_UNKNOWN, the line that
 * assigned the variable.
 */
static int
split_shell(const char *line, size_t n, struct toks *t,
            const struct shvars *vars, unsigned *errcol, unsigned *errline,
            char *errname)
{
    bool inword = false;
    char q = 0;
    size_t start = 0;
    unsigned col = 0;
    t->n = 0;
    t->len = 0;
    for (size_t i = 0; i <= n; i++) {
        char ch = i < n ? line[i] : '\0';
        if (t->len + 2 >= t->cap)
            return SH_TOO_MANY;
        if ((ch == '$' || ch == '`') && q != '\'') {
            *errcol = (unsigned)i + 1;
            if (ch == '`' || (i + 1 < n && line[i + 1] == '('))
                return SH_SUBST;
            const char *name = line + i + 1;
            size_t nl = 0, skip;
            if (i + 1 < n && line[i + 1] == '{') {
                name++;
                while (i + 2 + nl < n && sh_name_char(name[nl], nl == 0))
                    nl++;
                if (!nl || i + 2 + nl >= n || name[nl] != '}') {
                    snprintf(errname, 64, "%.*s",
                             (int)(i + 2 + nl < n ? nl + 3 : n - i), line + i);
                    return SH_EXPANSION;
                }
                skip = nl + 2;
            } else {
                while (i + 1 + nl < n && sh_name_char(name[nl], nl == 0))
                    nl++;
                skip = nl;
                if (!nl) {
                    char nx = i + 1 < n ? line[i + 1] : '\0';
                    if (nx && !strchr(" \t\"", nx)) {
                        snprintf(errname, 64, "$%c", nx);
                        return SH_EXPANSION;
                    }
                    /* A lone '$' is itself. */
                    goto literal;
                }
            }
            int vi = shvar_find(vars, name, nl);
            if (vi < 0 || !vars->val[vi]) {
                snprintf(errname, 64, "%.*s", (int)nl, name);
                if (vi >= 0)
                    *errline = vars->line[vi];
                return vi < 0 ? SH_UNSET : SH_UNKNOWN;
            }
            const char *val = vars->val[vi];
            /* Each character, and a NUL per word it may end. */
            if (t->len + 2 * strlen(val) + 2 >= t->cap)
                return SH_TOO_MANY;
            for (const char *v = val; *v; v++) {
                bool sep = !q && (*v == ' ' || *v == '\t' || *v == '\n');
                if (sep) {
                    if (inword &&
                        tok_push(t, start, col, (unsigned)i + 1 - col + 1))
                        return SH_TOO_MANY;
                    inword = false;
                    continue;
                }
                if (!inword) {
                    inword = true;
                    start = t->len;
                    col = (unsigned)i + 1;
                }
                t->buf[t->len++] = *v;
            }
            i += skip;
            continue;
        }
    literal:
        if (q) {
            if (!ch)
                return SH_QUOTE;
            if (ch == q) {
                q = 0;
            } else if (q == '"' && ch == '\\' && i + 1 < n &&
                       strchr("\"\\$`", line[i + 1])) {
                t->buf[t->len++] = line[++i];
            } else {
                t->buf[t->len++] = ch;
            }
            continue;
        }
        if (!ch || ch == ' ' || ch == '\t' || ch == ';') {
            if (inword && tok_push(t, start, col, (unsigned)i + 1 - col))
                return -1;
            inword = false;
            if (ch == ';')
                break;
            continue;
        }
        if (!inword) {
            if (ch == '#')
                break;
            inword = true;
            start = t->len;
            col = (unsigned)i + 1;
        }
        if (ch == '\'' || ch == '"') {
            q = ch;
        } else if (ch == '\\' && i + 1 < n) {
            t->buf[t->len++] = line[++i];
        } else {
            t->buf[t->len++] = ch;
        }
    }
    tok_fix(t);
    return 0;
}

struct reader {
    const char *text;
    size_t len, pos;
    unsigned line;
};

static bool
next_line(struct reader *r, const char **s, size_t *n)
{
    if (r->pos >= r->len)
        return false;
    const char *p = r->text + r->pos;
    const char *e = memchr(p, '\n', r->len - r->pos);
    size_t l = e ? (size_t)(e - p) : r->len - r->pos;
    r->pos += l + (e ? 1 : 0);
    r->line++;
    *s = p;
    *n = l;
    return true;
}

static char *
line_copy(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = '\0';
        /* Keep diagnostics printable. */
        for (size_t i = 0; i < n; i++)
            if (c[i] == '\0' || c[i] == '\r')
                c[i] = ' ';
    }
    return c;
}

static bool
is_chain_builtin(int table, const char *name)
{
    for (int h = 0; h < RH_N_HOOKS; h++)
        if ((rules_tables[table].hooks & RH_BIT(h)) &&
            !strcmp(name, rules_hook_names[h]))
            return true;
    return false;
}

/* ":CHAIN POLICY [p:b]" inside a table block. */
static void
chain_line(struct rules_ctx *ctx, int table, struct toks *t,
           const struct ctfw_rules_parse_params *pp)
{
    struct ctfw_ruleset *rs = ctx->rs;
    /* xtables-restore uses strtok(" \t\n") on the text after ':'. */
    const char *name = t->n ? t->tok[0].s + 1 : "";
    if (!t->n || !*name) {
        rules_err(ctx, -1, CTFW_RULES_EXIT_PARAM,
                  "%s: line %u chain name invalid", ctx->prog, ctx->line);
        return;
    }
    if (strlen(name) > RULES_CHAIN_MAXLEN) {
        rules_err(ctx, 0, CTFW_RULES_EXIT_PARAM,
                  "chain name `%s' too long (must be under %u chars)", name,
                  RULES_CHAIN_MAXLEN + 1);
        return;
    }
    if (t->n < 2) {
        rules_err(ctx, -1, CTFW_RULES_EXIT_PARAM,
                  "%s: line %u policy invalid", ctx->prog, ctx->line);
        return;
    }
    const char *policy = t->tok[1].s;
    if (is_chain_builtin(table, name)) {
        struct rules_chain *c = rules_chain_find(rs, table, name);
        if (!strcmp(policy, "ACCEPT"))
            c->policy = RV_ACCEPT;
        else if (!strcmp(policy, "DROP"))
            c->policy = RV_DROP;
        else {
            rules_err(ctx, 1, CTFW_RULES_EXIT_OTHER, "Bad policy name.");
            return;
        }
        if (pp->counters) {
            /* With -c a built-in chain's counters are required. */
            unsigned long long p, b;
            char tail;
            if (t->n < 3 ||
                sscanf(t->tok[2].s, "[%llu:%llu]%c", &p, &b, &tail) != 2) {
                rules_err(ctx, t->n < 3 ? -1 : 2, CTFW_RULES_EXIT_PARAM,
                          "invalid policy counters for chain '%s'", name);
                return;
            }
            c->pkts = p;
            c->bytes = b;
        }
        return;
    }
    if (!rules_chain_find(rs, table, name)) {
        struct rules_chain *c = rules_chain_add(rs, table, name);
        if (!c)
            rs->oom = true;
        else
            c->line = ctx->line;
    }
}

static void
set_file(struct ctfw_ruleset *rs, const char *name)
{
    free(rs->file);
    rs->file = strdup(name ? name : "-");
}

static int
cmp_diag(const void *a, const void *b)
{
    const struct rules_diag_rec *x = a, *y = b;
    if (x->pub.line != y->pub.line)
        return x->pub.line < y->pub.line ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Rewrite "Error occurred at line: N" of deferred diagnostics. */
static void
patch_commit_line(struct ctfw_ruleset *rs, size_t from, unsigned line)
{
    for (size_t i = from; i < rs->n_diags; i++) {
        struct rules_diag_rec *d = &rs->diags[i];
        if (!d->at_commit)
            continue;
        char *p = strstr(d->iptables, "Error occurred at line: ");
        if (!p)
            continue;
        char *nl = strchr(p, '\n');
        struct rbuf b = {0};
        rbuf_putn(&b, d->iptables, (size_t)(p - d->iptables));
        rbuf_printf(&b, "Error occurred at line: %u", line);
        if (nl)
            rbuf_puts(&b, nl);
        char *s = rbuf_take(&b, NULL);
        if (s) {
            free(d->iptables);
            d->iptables = s;
        }
        d->at_commit = false;
    }
}

/* COMMIT of a block with -E lines: the kernel refuses each queued
 * CHAIN_RENAME (cmd.c, case 'E'), as iptables-nft-restore prints it. */
static void
commit_renames(struct rules_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_renames; i++) {
        struct rules_rename *x = &ctx->renames[i];
        char msg[128], text[256];
        snprintf(msg, sizeof(msg), "CHAIN_RENAME failed (No such file or "
                 "directory): chain %s", x->to);
        snprintf(text, sizeof(text), "%s " IPT_VERSION ": \nline %u: %s\n",
                 ctx->prog, x->line, msg);
        rules_diag_add(ctx->rs, x->line, x->col, x->len,
                       CTFW_RULES_EXIT_KERNEL, msg, text, x->source);
        free(x->source);
    }
    free(ctx->renames);
    ctx->renames = NULL;
    ctx->n_renames = 0;
}

static int
parse_restore(struct ctfw_ruleset *rs,
              const struct ctfw_rules_parse_params *pp, struct reader *rd,
              struct toks *t)
{
    struct rules_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.rs = rs;
    ctx.restore = true;
    ctx.legacy = pp->legacy;
    ctx.family = rs->family;
    ctx.prog = prog_name(rs->family, true);
    int table = -1;
    size_t block_diag = 0;
    const char *s;
    size_t n;
    unsigned table_line = 0;

    while (next_line(rd, &s, &n)) {
        char *src = line_copy(s, n);
        if (!src) {
            rs->oom = true;
            break;
        }
        ctx.source = src;
        ctx.line = rd->line;
        ctx.failed = false;
        ctx.tok = NULL;
        ctx.n_tok = 0;
        /* Blank lines (a lone newline) and '#' at the first byte only. */
        if (n == 0 || s[0] == '#') {
            free(src);
            continue;
        }
        if (table >= 0 && n >= 6 && !strncmp(s, "COMMIT", 6) &&
            (n == 6 || (n == 7 && s[6] == '\r'))) {
            rules_check_table(&ctx, table, rd->line);
            patch_commit_line(rs, block_diag, rd->line);
            commit_renames(&ctx);
            table = -1;
            free(src);
            continue;
        }
        if (s[0] == '*' && table < 0) {
            /* strtok(" \t\n") as xtables-restore: a '\r' stays part
             * of the name (and makes it invalid). */
            char name[64] = "";
            const char *p = s + 1, *pe = s + n;
            while (p < pe && (*p == ' ' || *p == '\t'))
                p++;
            size_t nl = 0;
            while (p + nl < pe && p[nl] != ' ' && p[nl] != '\t' &&
                   p[nl] != '\n')
                nl++;
            if (nl >= sizeof(name))
                nl = sizeof(name) - 1;
            memcpy(name, p, nl);
            name[nl] = '\0';
            if (!name[0]) {
                rules_err(&ctx, -1, CTFW_RULES_EXIT_PARAM,
                          "%s: line %u table name invalid", ctx.prog,
                          ctx.line);
            } else if ((table = rules_table_find(name)) < 0) {
                rules_err(&ctx, -1, CTFW_RULES_EXIT_PARAM,
                          "%s: line %u table name '%s' invalid", ctx.prog,
                          ctx.line, name);
            } else {
                /* Without --noflush a table block replaces the table. */
                rules_table_reset(rs, table);
                rules_table_touch(rs, table);
                ctx.table = table;
                block_diag = rs->n_diags;
                table_line = rd->line;
            }
            free(src);
            continue;
        }
        if (table < 0) {
            char text[128];
            snprintf(text, sizeof(text), "%s: line %u failed\n", ctx.prog,
                     ctx.line);
            rules_err_raw(&ctx, -1, CTFW_RULES_EXIT_OTHER,
                          "line outside of a *table ... COMMIT block", text);
            free(src);
            continue;
        }
        /* add_param_to_argv(): argv holds the program name, "-t" and
         * the table before the line's words, and at most MAX_ARGC (255)
         * entries minus one (measured: 251 words pass, 252 fail). */
        if (split_restore(s, n, t) || (s[0] == '-' && t->n > 251)) {
            rules_err(&ctx, -1, CTFW_RULES_EXIT_PARAM,
                      "Parser cannot handle more arguments");
            free(src);
            continue;
        }
        ctx.tok = t->tok;
        ctx.n_tok = t->n;
        if (s[0] == ':') {
            chain_line(&ctx, table, t, pp);
            free(src);
            continue;
        }
        /* "[pkts:bytes] -A ..." */
        uint64_t pk = 0, by = 0;
        bool ctr = false;
        if (s[0] == '[') {
            unsigned long long p, b;
            char close = 0;
            int used = 0;
            if (sscanf(src, "[%llu:%llu%c%n", &p, &b, &close, &used) != 3 ||
                close != ']') {
                /* iptables-restore hands "[P:B]" to the command as
                 * "-c P B", whose check names the bad number. */
                unsigned long long dummy;
                bool pk_ok = sscanf(src, "[%llu", &dummy) == 1;
                if (!strchr(src, ']'))
                    rules_err(&ctx, 0, CTFW_RULES_EXIT_PARAM,
                              "Bad line %u: need ]", ctx.line);
                else
                    rules_err(&ctx, 0, CTFW_RULES_EXIT_PARAM,
                              pk_ok ? "-c byte counter not numeric"
                                    : "-c packet counter not numeric");
                free(src);
                continue;
            }
            pk = p;
            by = b;
            ctr = true;
            ctx.tok = t->tok + 1;
            ctx.n_tok = t->n - 1;
        }
        size_t before = rs->n_diags;
        if (rules_cmd_run(&ctx) == 0 && ctr && pp->counters) {
            /* Give the counters to the rule just added (-A/-I). */
            struct rules_table *tb = &rs->tables[table];
            for (size_t k = 0; k < tb->n_chains; k++)
                for (size_t j = 0; j < tb->chains[k]->n_rules; j++) {
                    struct rules_rule *r = tb->chains[k]->rules[j];
                    if (r->line == rd->line) {
                        r->pkts = pk;
                        r->bytes = by;
                    }
                }
        }
        (void)before;
        free(src);
    }
    if (table >= 0) {
        struct rules_ctx end = ctx;
        end.line = rd->line + 1;
        end.source = "";
        end.failed = false;
        end.tok = NULL;
        end.n_tok = 0;
        char text[128];
        snprintf(text, sizeof(text), "%s: COMMIT expected at line %u\n",
                 ctx.prog, rd->line + 1);
        (void)table_line;
        rules_err_raw(&end, -1, CTFW_RULES_EXIT_OTHER, "COMMIT expected",
                      text);
    }
    /* A block never committed renames nothing. */
    for (size_t i = 0; i < ctx.n_renames; i++)
        free(ctx.renames[i].source);
    free(ctx.renames);
    return 0;
}

static bool
word_is(const char *w, const char *name)
{
    const char *base = strrchr(w, '/');
    base = base ? base + 1 : w;
    return !strcmp(base, name);
}

/*
 * A line split_shell() refused: is it one ctfw must report? An iptables
 * command (or one run through a variable) is; an assignment marks its
 * variables as unknown (reported if an iptables command uses them); any
 * other shell command is not ctfw's business, as always.
 */
static bool
sh_refused_matters(const char *line, int rc, struct shvars *vars,
                   unsigned lineno)
{
    const char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        size_t wl = strcspn(p, " \t");
        if (!wl)
            return false;
#define WORD_IS(w) (wl == sizeof(w) - 1 && !strncmp(p, w, wl))
        if (WORD_IS("export") || WORD_IS("readonly") || WORD_IS("sudo")) {
            p += wl;
            continue;
        }
#undef WORD_IS
        size_t nl = 0;
        while (sh_name_char(p[nl], nl == 0))
            nl++;
        if (nl && p[nl] == '=') {
            /* NAME=...: an assignment whose value cannot be known (its
             * words cannot be told apart without the shell: "$(which
             * iptables)" is one word). The variable is unknowable; a
             * command that uses it is reported there. */
            if (shvar_set(vars, p, nl, NULL, lineno))
                return true;
            return false;
        }
        if (p[0] == '$')
            return true;
        char word[64];
        snprintf(word, sizeof(word), "%.*s", (int)wl, p);
        const char *base = strrchr(word, '/');
        base = base ? base + 1 : word;
        return !strncmp(base, "iptables", 8) || !strncmp(base, "ip6tables", 9);
    }
}

static int
parse_script(struct ctfw_ruleset *rs, struct reader *rd, struct toks *t)
{
    struct rules_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.rs = rs;
    ctx.family = rs->family;
    ctx.prog = prog_name(rs->family, false);
    const char *s;
    size_t n;
    char *joined = NULL;
    size_t jlen = 0;
    unsigned first_line = 0;
    struct shvars vars = {0};

    while (next_line(rd, &s, &n)) {
        /* A trailing backslash continues the command. */
        if (!joined)
            first_line = rd->line;
        char *nj = realloc(joined, jlen + n + 1);
        if (!nj) {
            rs->oom = true;
            break;
        }
        joined = nj;
        memcpy(joined + jlen, s, n);
        jlen += n;
        joined[jlen] = '\0';
        if (jlen && joined[jlen - 1] == '\\') {
            joined[--jlen] = ' ';
            jlen++;
            continue;
        }
        while (jlen && joined[jlen - 1] == '\r')
            joined[--jlen] = '\0';
        char *line = joined;
        size_t len = jlen;
        joined = NULL;
        jlen = 0;

        ctx.source = line;
        ctx.line = first_line;
        ctx.failed = false;
        ctx.tok = NULL;
        ctx.n_tok = 0;
        unsigned errcol = 0, at = 0;
        char errname[64] = "";
        int rc = split_shell(line, len, t, &vars, &errcol, &at, errname);
        if (rc == SH_QUOTE || rc == SH_TOO_MANY) {
            /* The shell refuses the line before iptables runs: no
             * iptables text. */
            rules_diag_add(rs, ctx.line, 0, (unsigned)len,
                           CTFW_RULES_EXIT_PARAM,
                           rc == SH_QUOTE ? "unterminated quote"
                                          : "too many arguments",
                           "", line);
            free(line);
            continue;
        }
        if (rc && !sh_refused_matters(line, rc, &vars, ctx.line)) {
            free(line);
            continue;
        }
        if (rc) {
            /* Not iptables' errors: the script asks the shell for
             * something ctfw does not do. No iptables text. */
            char msg[192];
            if (rc == SH_SUBST)
                snprintf(msg, sizeof(msg),
                         "command substitution: ctfw reads the commands "
                         "of a script, it does not run them");
            else if (rc == SH_UNSET)
                snprintf(msg, sizeof(msg),
                         "shell variable `$%s' is not set earlier in the "
                         "script",
                         errname);
            else if (rc == SH_UNKNOWN)
                snprintf(msg, sizeof(msg),
                         "shell variable `$%s' comes from line %u, which "
                         "ctfw cannot evaluate",
                         errname, at);
            else
                snprintf(msg, sizeof(msg),
                         "shell expansion `%s' is not supported (only "
                         "$NAME and ${NAME} of variables the script sets)",
                         errname);
            rules_diag_add(rs, ctx.line, errcol, 1, CTFW_RULES_EXIT_PARAM,
                           msg, "", line);
            free(line);
            continue;
        }
        int w = 0;
        /* Assignments: alone (or after export/readonly) they set shell
         * variables; before a command they are its environment. */
        if (w < t->n && (!strcmp(t->tok[w].s, "export") ||
                         !strcmp(t->tok[w].s, "readonly")))
            w++;
        int first = w;
        while (w < t->n && sh_assignment(t->tok[w].s))
            w++;
        if (w == t->n) {
            for (int k = first; k < t->n; k++) {
                size_t nl = sh_assignment(t->tok[k].s);
                if (nl && shvar_set(&vars, t->tok[k].s, nl,
                                    t->tok[k].s + nl + 1, ctx.line))
                    rs->oom = true;
            }
            free(line);
            continue;
        }
        if (w < t->n && word_is(t->tok[w].s, "sudo"))
            w++;
        if (w >= t->n) {
            free(line);
            continue;
        }
        const char *cmd = t->tok[w].s;
        int fam = 0;
        if (word_is(cmd, "iptables") || word_is(cmd, "iptables-nft") ||
            word_is(cmd, "iptables-legacy"))
            fam = 4;
        else if (word_is(cmd, "ip6tables") || word_is(cmd, "ip6tables-nft") ||
                 word_is(cmd, "ip6tables-legacy"))
            fam = 6;
        if (fam != rs->family) {
            /* Other shell lines and the other family's commands. */
            free(line);
            continue;
        }
        ctx.tok = t->tok + w + 1;
        ctx.n_tok = t->n - w - 1;
        ctx.table = -1;
        size_t before = rs->n_diags;
        if (rules_cmd_run(&ctx) == 0 && ctx.table >= 0) {
            /* Each command is its own commit: the kernel checks it now
             * and a refused rule is not added. */
            rules_check_table(&ctx, ctx.table, ctx.line);
            if (rs->n_diags > before)
                rules_drop_line(rs, ctx.table, ctx.line);
        }
        free(line);
    }
    free(joined);
    shvars_free(&vars);
    return 0;
}

static bool
looks_like_script(const char *text, size_t len)
{
    struct reader rd = {text, len, 0, 0};
    const char *s;
    size_t n;
    while (next_line(&rd, &s, &n)) {
        size_t i = 0;
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == n || s[i] == '#')
            continue;
        if (s[i] == '*' || s[i] == ':')
            return false;
        const char *w = s + i;
        size_t wl = 0;
        while (i + wl < n && s[i + wl] != ' ' && s[i + wl] != '\t')
            wl++;
        const char *b = w;
        for (size_t k = 0; k < wl; k++)
            if (w[k] == '/')
                b = w + k + 1;
        /* The text is not NUL-terminated: compare within the word. */
        size_t bl = wl - (size_t)(b - w);
        if ((bl >= 8 && !memcmp(b, "iptables", 8)) ||
            (bl >= 9 && !memcmp(b, "ip6tables", 9)) ||
            (bl == 4 && !memcmp(b, "sudo", 4)))
            return true;
        /* "$IPT -A ..." and "IPT=/sbin/iptables": shell, never restore
         * input. */
        if (w[0] == '$' || memchr(w, '=', wl))
            return true;
    }
    return false;
}

int
ctfw_rules_parse(struct ctfw_ruleset *rs,
                 const struct ctfw_rules_parse_params *pp, const char *text,
                 size_t len)
{
    struct ctfw_rules_parse_params def = {0};
    if (!pp)
        pp = &def;
    rules_cls_reset(rs);   /* the chains change: classifiers are stale */
    set_file(rs, pp->filename);
    rs->no_conntrack = pp->no_conntrack;
    struct toks *t = malloc(sizeof(*t));
    if (!t)
        return -ENOMEM;
    /* Every word of a line fits in the line's length plus separators. */
    size_t longest = 0;
    {
        struct reader rd = {text, len, 0, 0};
        const char *s;
        size_t n;
        while (next_line(&rd, &s, &n))
            if (n > longest)
                longest = n;
    }
    /* Script continuation lines can be joined: the whole text bounds. */
    t->cap = len + MAX_TOKENS + 2 + SH_EXPAND_MAX;
    t->buf = malloc(t->cap);
    if (!t->buf) {
        free(t);
        return -ENOMEM;
    }
    (void)longest;
    size_t before = rs->n_diags;
    struct reader rd = {text, len, 0, 0};
    enum ctfw_rules_format fmt = pp->format;
    if (fmt == CTFW_RULES_FMT_AUTO)
        fmt = looks_like_script(text, len) ? CTFW_RULES_FMT_SCRIPT
                                           : CTFW_RULES_FMT_RESTORE;
    if (fmt == CTFW_RULES_FMT_SCRIPT)
        parse_script(rs, &rd, t);
    else
        parse_restore(rs, pp, &rd, t);
    free(t->buf);
    free(t);
    if (rs->n_diags > before)
        qsort(rs->diags + before, rs->n_diags - before, sizeof(*rs->diags),
              cmp_diag);
    if (rs->oom)
        return -ENOMEM;
    return rs->n_diags > before ? -EINVAL : 0;
}

int
ctfw_rules_command(struct ctfw_ruleset *rs, int argc, const char *const *argv,
                   unsigned line)
{
    struct rules_tok tok[MAX_TOKENS];
    if (argc > MAX_TOKENS)
        return -E2BIG;
    rules_cls_reset(rs);   /* the chains change: classifiers are stale */
    struct rbuf src = {0};
    for (int i = 0; i < argc; i++) {
        if (i)
            rbuf_putc(&src, ' ');
        tok[i].s = (char *)argv[i];
        tok[i].col = (unsigned)src.len + 1;
        tok[i].len = (unsigned)strlen(argv[i]);
        rbuf_puts(&src, argv[i]);
    }
    char *source = rbuf_take(&src, NULL);
    if (!source)
        return -ENOMEM;
    struct rules_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.rs = rs;
    ctx.family = rs->family;
    ctx.prog = prog_name(rs->family, false);
    ctx.source = source;
    ctx.line = line;
    ctx.tok = tok;
    ctx.n_tok = argc;
    ctx.table = -1;
    size_t before = rs->n_diags;
    rules_cmd_run(&ctx);
    if (rs->n_diags == before && ctx.table >= 0) {
        /* A command is its own commit: the kernel checks now. */
        ctx.restore = false;
        rules_check_table(&ctx, ctx.table, line);
        if (rs->n_diags > before)
            rules_drop_line(rs, ctx.table, line);
    }
    free(source);
    if (rs->oom)
        return -ENOMEM;
    return rs->n_diags > before ? -EINVAL : 0;
}
