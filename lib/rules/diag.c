// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Located diagnostics. Each record carries our one-line message, the
 * exact stderr text iptables-restore 1.8.9 (or iptables, for command
 * scripts) prints for the same error, and its exit status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_private.h"


static char *
dup_str(const char *s)
{
    return strdup(s ? s : "");
}

void
rules_diag_add(struct ctfw_ruleset *rs, unsigned line, unsigned col,
               unsigned len, enum ctfw_rules_exit code, const char *message,
               const char *iptables_text, const char *source)
{
    if (rs->n_diags == rs->cap_diags) {
        size_t cap = rs->cap_diags ? rs->cap_diags * 2 : 8;
        if (cap > 100000) {
            rs->oom = true;
            return;
        }
        struct rules_diag_rec *nd = realloc(rs->diags, cap * sizeof(*nd));
        if (!nd) {
            rs->oom = true;
            return;
        }
        rs->diags = nd;
        rs->cap_diags = cap;
    }
    struct rules_diag_rec *d = &rs->diags[rs->n_diags];
    memset(d, 0, sizeof(*d));
    d->message = dup_str(message);
    d->iptables = dup_str(iptables_text);
    d->source = dup_str(source);
    if (!d->message || !d->iptables || !d->source) {
        free(d->message);
        free(d->iptables);
        free(d->source);
        rs->oom = true;
        return;
    }
    /* Our message is one line: iptables' text up to its first newline. */
    char *nl = strchr(d->message, '\n');
    if (nl)
        *nl = '\0';
    d->pub.line = line;
    d->pub.col = col;
    d->pub.len = len ? len : 1;
    d->pub.exit_code = code;
    d->seq = rs->diag_seq++;
    rs->n_diags++;
}

static void
locate(const struct rules_ctx *ctx, int tok, unsigned *col, unsigned *len)
{
    if (tok >= 0 && tok < ctx->n_tok) {
        *col = ctx->tok[tok].col;
        *len = ctx->tok[tok].len;
    } else {
        *col = 0;
        *len = ctx->source ? (unsigned)strlen(ctx->source) : 1;
    }
}

void
rules_err_raw(struct rules_ctx *ctx, int tok, enum ctfw_rules_exit code,
              const char *message, const char *iptables_text)
{
    if (ctx->failed)
        return;
    ctx->failed = true;
    unsigned col, len;
    locate(ctx, tok, &col, &len);
    rules_diag_add(ctx->rs, ctx->line, col, len, code, message, iptables_text,
                   ctx->source);
}

/*
 * fmt is iptables' message for a parameter problem (exit 2) or, with
 * CTFW_RULES_EXIT_OTHER, the text after "line N failed: ".
 */
void
rules_err(struct rules_ctx *ctx, int tok, enum ctfw_rules_exit code,
          const char *fmt, ...)
{
    char msg[1024], text[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *prog = ctx->prog;
    if (code == CTFW_RULES_EXIT_PARAM) {
        if (ctx->restore)
            snprintf(text, sizeof(text),
                     "%s " IPT_VERSION ": %s\nError occurred at line: %u\n"
                     "Try `%s -h' or '%s --help' for more information.\n",
                     prog, msg, ctx->line, prog, prog);
        else
            snprintf(text, sizeof(text),
                     "%s " IPT_VERSION ": %s\n"
                     "Try `%s -h' or '%s --help' for more information.\n",
                     prog, msg, prog, prog);
    } else if (code == CTFW_RULES_EXIT_OTHER) {
        if (ctx->restore)
            snprintf(text, sizeof(text), "%s: line %u failed: %s\n", prog,
                     ctx->line, msg);
        else
            snprintf(text, sizeof(text), "%s: %s\n", prog, msg);
    } else {
        snprintf(text, sizeof(text), "%s", msg);
    }
    rules_err_raw(ctx, tok, code, msg, text);
}

/* A parameter problem that iptables reports with its "Try" line alone
 * (exit_tryhelp(): -4 in ip6tables, -6 in iptables); msg is ours. */
void
rules_err_tryhelp(struct rules_ctx *ctx, int tok, const char *msg)
{
    char text[256];
    snprintf(text, sizeof(text),
             "Try `%s -h' or '%s --help' for more information.\n",
             ctx->prog, ctx->prog);
    rules_err_raw(ctx, tok, CTFW_RULES_EXIT_PARAM, msg, text);
}

size_t
ctfw_rules_diag_count(const struct ctfw_ruleset *rs)
{
    return rs->n_diags;
}

const struct ctfw_rules_diag *
ctfw_rules_diag_get(const struct ctfw_ruleset *rs, size_t i)
{
    if (i >= rs->n_diags)
        return NULL;
    struct rules_diag_rec *d = &rs->diags[i];
    d->pub.message = d->message;
    d->pub.iptables = d->iptables;
    d->pub.source = d->source;
    return &d->pub;
}

const struct ctfw_rules_diag *
ctfw_rules_diag_first(const struct ctfw_ruleset *rs)
{
    size_t best = 0;
    for (size_t i = 1; i < rs->n_diags; i++)
        if (rs->diags[i].seq < rs->diags[best].seq)
            best = i;
    return ctfw_rules_diag_get(rs, best);
}

char *
ctfw_rules_diag_format(const struct ctfw_ruleset *rs, size_t i)
{
    const struct ctfw_rules_diag *d = ctfw_rules_diag_get(rs, i);
    if (!d)
        return NULL;
    struct rbuf b = {0};
    rbuf_printf(&b, "%s:%u:%u: error: %s\n", rs->file ? rs->file : "-",
                d->line, d->col ? d->col : 1, d->message);
    rbuf_printf(&b, "    %s\n    ", d->source);
    size_t slen = strlen(d->source);
    unsigned col = d->col ? d->col : 1;
    if (col > slen + 1)
        col = (unsigned)slen + 1;
    for (unsigned c = 1; c < col; c++)
        rbuf_putc(&b, d->source[c - 1] == '\t' ? '\t' : ' ');
    rbuf_putc(&b, '^');
    for (unsigned c = 1; c < d->len && col + c <= slen; c++)
        rbuf_putc(&b, '~');
    rbuf_putc(&b, '\n');
    return rbuf_take(&b, NULL);
}

int
rules_tok_at(const struct rules_ctx *ctx, unsigned col)
{
    for (int i = 0; i < ctx->n_tok; i++)
        if (ctx->tok[i].col == col)
            return i;
    return -1;
}
