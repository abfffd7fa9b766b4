// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rate and history matches: limit, hashlimit (revision 3) and recent
 * (revision 1). Rates are stored as the kernel stores them, a period in
 * units of 1/scale second per token (limit: scale 10000; hashlimit:
 * 1000000), and printed back by the same rule as iptables' print_rate():
 * the largest unit whose count is exact enough.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval_private.h"
#include "rules_private.h"

#define LIMIT_SCALE 10000u
#define HL_SCALE 1000000ull

/* "N[/second|/minute|/hour|/day]" (any prefix of the unit). */
static int
parse_rate(const char *rate, uint64_t scale, uint64_t *period,
           uint32_t *mult_out)
{
    uint32_t mult = 1;
    const char *d = strchr(rate, '/');
    if (d) {
        size_t n = strlen(d + 1);
        if (!n)
            return -1;
        if (!strncasecmp(d + 1, "second", n))
            mult = 1;
        else if (!strncasecmp(d + 1, "minute", n))
            mult = 60;
        else if (!strncasecmp(d + 1, "hour", n))
            mult = 3600;
        else if (!strncasecmp(d + 1, "day", n))
            mult = 86400;
        else
            return -1;
    }
    /* atoi()/strtoull() semantics: leading digits only. */
    unsigned long long r = strtoull(rate, NULL, 10);
    if (!r)
        return -1;
    unsigned long long v = scale * mult / r;
    if (v == 0)
        return -2;
    *period = v;
    if (mult_out)
        *mult_out = mult;
    return 0;
}

/* print_rate(); returns the unit's length in scale units. */
static uint64_t
print_rate(struct rbuf *b, uint64_t period, uint64_t scale)
{
    const struct {
        const char *name;
        uint64_t mult;
    } rates[] = {
        {"day", scale * 86400},
        {"hour", scale * 3600},
        {"min", scale * 60},
        {"sec", scale},
    };
    if (!period) {
        rbuf_puts(b, " inf");
        return 0;
    }
    size_t i;
    for (i = 1; i < 4; i++)
        if (period > rates[i].mult ||
            rates[i].mult / period < rates[i].mult % period)
            break;
    rbuf_printf(b, " %llu/%s",
                (unsigned long long)(rates[i - 1].mult / period),
                rates[i - 1].name);
    return rates[i - 1].mult;
}

struct limit_info {
    uint32_t avg, burst;
};

static int
limit_parse(struct rules_ctx *ctx, struct rules_xt *xt,
            const struct rules_opt *o, const char *arg, const char *arg2)
{
    struct limit_info *l = (void *)xt->data;
    (void)o;
    (void)arg2;
    uint64_t avg;
    int rc = parse_rate(arg, LIMIT_SCALE, &avg, NULL);
    l->avg = avg > 0xffffffffull ? 0xffffffffu : (uint32_t)avg;
    if (rc == -2) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Rate too fast \"%s\"\n", arg);
        return -1;
    }
    if (rc) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM, "bad rate \"%s\"'",
                  arg);
        return -1;
    }
    return 0;
}

static void
limit_print(struct rbuf *b, const struct rules_xt *xt,
            const struct rules_opt *o)
{
    const struct limit_info *l = (const void *)xt->data;
    (void)o;
    print_rate(b, l->avg, LIMIT_SCALE);
}

static int
limit_final(struct rules_ctx *ctx, struct rules_xt *xt,
            const struct rules_rule *r)
{
    struct limit_info *l = (void *)xt->data;
    (void)ctx;
    (void)r;
    /* Defaults 3/hour, burst 5; the rate is always printed. */
    if (!(xt->seen & 1))
        l->avg = LIMIT_SCALE * 3600 / 3;
    xt->seen |= 1;
    if (!(xt->seen & 2))
        l->burst = 5;
    if (l->burst == 5)
        xt->seen &= ~2ull;
    return 0;
}

static const struct rules_opt limit_opts[] = {
    {.name = "limit", .type = OT_CUSTOM, .alias = -1, .flags = OF_INVERT,
     .off = RULES_NOFIELD, .parse = limit_parse, .print = limit_print},
    {.name = "limit-burst", .type = OT_UINT, .alias = -1, .max = 10000,
     .off = offsetof(struct limit_info, burst)},
};

/*
 * Evaluation: limit_mt() of xt_limit.c, a token bucket in the kernel's
 * units on the replay clock (skb->now_ns). HZ is the reference kernel's
 * 250 (reference §0.1), so CREDITS_PER_JIFFY = POW2_BELOW32(0xffffffff
 * / (HZ * 86400)) = 128; user2credits() and limit_mt_check() fix the
 * cost of a packet and the cap (= the full bucket, burst packets), and
 * the bucket starts full. Arithmetic is u32 as in the kernel, including
 * the wrap of the refill after about 37 idle hours.
 *
 * Where the bucket lives. The kernel keeps prev/credit in a private
 * allocation (xt_limit_priv, r->master) so that the user-visible blob
 * stays what userspace compares and prints. Here the rule's blob is
 * struct limit_info followed by a runtime tail (struct limit_state):
 * parsing, printing and rule comparison (-D/-C compare the saved text)
 * only ever see the first part, each rule (also each copy made when -s
 * lists expand) owns its own bucket as in the kernel, and the
 * description stays const. A separate runtime pointer in struct
 * rules_xt would be cleaner but belongs to the model's header; the tail
 * needs nothing outside this file. A capture whose clock goes backwards
 * refills nothing (jiffies never decrease).
 */
#define LIMIT_HZ 250u
#define LIMIT_CPJ 128u

struct limit_state {
    bool init;
    uint64_t prev;              /* jiffies of the last refill */
    uint32_t credit, credit_cap, cost;
};

struct limit_blob {
    struct limit_info user;     /* first: the parsed rule */
    struct limit_state rt;      /* the bucket */
};

static uint32_t
user2credits(uint32_t user)
{
    if (user > 0xffffffffu / (LIMIT_HZ * LIMIT_CPJ))
        return (user / LIMIT_SCALE) * LIMIT_HZ * LIMIT_CPJ;
    return (user * LIMIT_HZ * LIMIT_CPJ) / LIMIT_SCALE;
}

static bool
limit_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    struct limit_blob *b = (void *)xt->data;
    struct limit_state *st = &b->rt;
    uint64_t now = ev->skb->now_ns / (1000000000u / LIMIT_HZ);
    if (!st->init) {
        st->init = true;
        st->prev = now;
        st->credit = user2credits(b->user.avg * b->user.burst);
        st->credit_cap = st->credit;
        st->cost = user2credits(b->user.avg);
    }
    uint32_t inc = 0;
    if (now > st->prev)
        inc = (uint32_t)((now - st->prev) * LIMIT_CPJ);
    if (now > st->prev)
        st->prev = now;
    uint32_t credit = st->credit + inc;
    if (credit > st->credit_cap)
        credit = st->credit_cap;
    bool ok = credit >= st->cost;
    if (ok)
        credit -= st->cost;
    st->credit = credit;
    return ok;
}

static void
limit_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct limit_info *l = (const void *)xt->data;
    (void)numeric;
    rbuf_puts(b, " limit: avg");
    print_rate(b, l->avg, LIMIT_SCALE);
    rbuf_printf(b, " burst %u", l->burst);
}

static const struct rules_ext ext_limit = {
    .list = limit_list,
    .name = "limit",
    .size = sizeof(struct limit_blob),
    .n_opts = 2,
    .opts = limit_opts,
    .final = limit_final,
    .match = limit_match,
};

/* hashlimit revision 3. */
struct hashlimit_info {
    uint64_t avg;
    uint32_t mult;
    uint32_t bytes;      /* XT_HASHLIMIT_BYTES: avg is a byte cost */
    uint64_t burst;
    uint32_t mode;
    char name[256];
    uint32_t size, max, gc, expire, srcmask, dstmask, interval;
};

#define HL_DIP 0x01
#define HL_DPT 0x02
#define HL_SIP 0x04
#define HL_SPT 0x08

static const struct rules_name hl_modes[] = {
    {"srcip", HL_SIP}, {"srcport", HL_SPT}, {"dstip", HL_DIP},
    {"dstport", HL_DPT}, {NULL, 0},
};

enum { HL_UPTO, HL_ABOVE, HL_BURST, HL_MODE, HL_NAME, HL_SIZE, HL_MAX,
       HL_GC, HL_EXPIRE, HL_SRCMASK, HL_DSTMASK, HL_RATEMATCH,
       HL_RATEINT, HL_OLD };

/*
 * Byte rates ("4kb/s"): the kernel keeps a cost per byte chunk of 16
 * bytes (XT_HASHLIMIT_BYTE_SHIFT), UINT32_MAX / (chunks + 1).
 */
static uint64_t
bytes_to_cost(uint64_t bytes)
{
    uint32_t r = (uint32_t)(bytes >> 4);
    return 0xffffffffu / ((uint64_t)r + 1);
}

static uint64_t
cost_to_bytes(uint64_t cost)
{
    uint64_t r = cost ? 0xffffffffu / cost : 0xffffffffu;
    return (r - 1) << 4;
}

static uint64_t
unit_factor(char c)
{
    return c == 'm' || c == 'M' ? 1024 * 1024 : c == 'k' || c == 'K' ? 1024
                                                                     : 1;
}

static const struct {
    const char *name;
    uint64_t thresh;
} byte_units[] = {{"m", 1024 * 1024}, {"k", 1024}, {"", 1}};

static int
hl_parse_bytes(const char *rate, struct hashlimit_info *h)
{
    const char *mode = strstr(rate, "b/s");
    if (!mode || mode == rate)
        return 1;
    unsigned long long r = strtoull(rate, NULL, 10);
    if (!r)
        return -1;
    uint64_t cost = bytes_to_cost(r * unit_factor(mode[-1]));
    if (!cost)
        return -1;
    h->avg = cost;
    h->bytes = 1;
    h->mult = 15;   /* XT_HASHLIMIT_BYTE_EXPIRE */
    return 0;
}

static int
hl_burst_parse(struct rules_ctx *ctx, struct rules_xt *xt,
               const struct rules_opt *o, const char *arg, const char *arg2)
{
    struct hashlimit_info *h = (void *)xt->data;
    char *end;
    (void)o;
    (void)arg2;
    unsigned long long v = 0;
    if (arg[0] >= '0' && arg[0] <= '9')
        v = strtoull(arg, &end, 0);
    /* XT_HASHLIMIT_BURST_MAX of revisions 2 and 3. */
    if (!v || (*end == '\0' && v > 1000000) ||
        (*end && (end[1] && strcmp(end + 1, "b")))) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "bad --hashlimit-burst: `%s'", arg);
        return -1;
    }
    h->burst = v * unit_factor(*end);
    return 0;
}

static void
hl_print_bytes(struct rbuf *b, const struct hashlimit_info *h)
{
    uint64_t r = cost_to_bytes(h->avg);
    size_t i;
    for (i = 0; i < 2; i++)
        if (r >= byte_units[i].thresh &&
            bytes_to_cost(r & ~(byte_units[i].thresh - 1)) == h->avg)
            break;
    rbuf_printf(b, " %llu%sb/s",
                (unsigned long long)(r / byte_units[i].thresh),
                byte_units[i].name);
    if (!h->burst)
        return;
    r *= h->burst;
    for (i = 0; i < 2; i++)
        if (r >= byte_units[i].thresh)
            break;
    rbuf_printf(b, " --hashlimit-burst %llu%sb",
                (unsigned long long)(r / byte_units[i].thresh),
                byte_units[i].name);
}

static int
hl_rate_parse(struct rules_ctx *ctx, struct rules_xt *xt,
              const struct rules_opt *o, const char *arg, const char *arg2)
{
    struct hashlimit_info *h = (void *)xt->data;
    (void)arg2;
    int rc = hl_parse_bytes(arg, h);
    if (rc <= 0) {
        if (rc) {
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "bad rate \"%s\"'", arg);
            return -1;
        }
        return 0;
    }
    rc = parse_rate(arg, HL_SCALE, &h->avg, &h->mult);
    if (rc == -2) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "Rate too fast \"%s\"\n", arg);
        return -1;
    }
    if (rc) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "bad rate \"%s\"'", arg);
        return -1;
    }
    (void)o;
    return 0;
}

static void
hl_rate_print(struct rbuf *b, const struct rules_xt *xt,
              const struct rules_opt *o)
{
    const struct hashlimit_info *h = (const void *)xt->data;
    (void)o;
    if (h->bytes)
        hl_print_bytes(b, h);
    else
        print_rate(b, h->avg, HL_SCALE);
}

static void
hl_burst_print(struct rbuf *b, const struct rules_xt *xt,
               const struct rules_opt *o)
{
    const struct hashlimit_info *h = (const void *)xt->data;
    (void)o;
    rbuf_printf(b, " %llu", (unsigned long long)h->burst);
}

static int
hl_final(struct rules_ctx *ctx, struct rules_xt *xt,
         const struct rules_rule *r)
{
    struct hashlimit_info *h = (void *)xt->data;
    uint64_t up = 1ull << HL_UPTO, ab = 1ull << HL_ABOVE;
    (void)r;
    if (!(xt->seen & (up | ab))) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "You have to specify --hashlimit");
        return -1;
    }
    if (!(xt->seen & (1ull << HL_NAME))) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "hashlimit: option \"--hashlimit-name\" must be "
                  "specified\n");
        return -1;
    }
    bool above = (xt->seen & ab) ? !(xt->inv & ab) : (xt->inv & up);
    xt->seen &= ~(up | ab);
    xt->inv &= ~(up | ab);
    xt->seen |= above ? ab : up;
    /* What is printed only when it differs from the default. */
    unsigned full = xt->family == 6 ? 128 : 32;
    uint64_t quantum = 0;
    {
        struct rbuf tmp = {0};
        quantum = print_rate(&tmp, h->avg, HL_SCALE) / HL_SCALE * 1000;
        rbuf_fini(&tmp);
    }
    if (h->bytes) {
        /* The burst becomes a count of rate units, rounded up, and is
         * printed with the rate (print_bytes()). */
        uint64_t unit = cost_to_bytes(h->avg);
        uint64_t n = 0;
        if (!unit) {
            /* Under 16 bytes/s: no byte chunk fits (iptables would
             * divide by zero here). */
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "hashlimit: rate too low for a byte limit");
            return -1;
        }
        if (xt->seen & (1ull << HL_BURST)) {
            if (h->burst < unit) {
                rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                          "burst cannot be smaller than %llub",
                          (unsigned long long)unit);
                return -1;
            }
            n = h->burst / unit + (h->burst % unit ? 1 : 0);
        }
        h->burst = n;
        quantum = (n ? 60 : 15) * 1000ull;
        xt->seen &= ~(1ull << HL_BURST);
    } else {
        /* The burst is always printed (5 by default). */
        if (!(xt->seen & (1ull << HL_BURST)))
            h->burst = 5;
        xt->seen |= 1ull << HL_BURST;
    }
    if (!h->mode)
        xt->seen &= ~(1ull << HL_MODE);
    if (!h->size)
        xt->seen &= ~(1ull << HL_SIZE);
    if (!h->max)
        xt->seen &= ~(1ull << HL_MAX);
    if (!(xt->seen & (1ull << HL_GC)) || h->gc == 1000)
        xt->seen &= ~(1ull << HL_GC);
    if (!(xt->seen & (1ull << HL_EXPIRE)) || h->expire == quantum)
        xt->seen &= ~(1ull << HL_EXPIRE);
    if (!(xt->seen & (1ull << HL_SRCMASK)))
        h->srcmask = full;
    if (!(xt->seen & (1ull << HL_DSTMASK)))
        h->dstmask = full;
    if (h->srcmask > full || h->dstmask > full) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "hashlimit: bad value for option \"--hashlimit-%smask\", "
                  "or out of range (0-%u).\n",
                  h->srcmask > full ? "src" : "dst", full);
        return -1;
    }
    if (h->srcmask == full)
        xt->seen &= ~(1ull << HL_SRCMASK);
    if (h->dstmask == full)
        xt->seen &= ~(1ull << HL_DSTMASK);
    if (!(xt->seen & (1ull << HL_RATEMATCH)) ||
        !(xt->seen & (1ull << HL_RATEINT)) || h->interval == 1)
        xt->seen &= ~(1ull << HL_RATEINT);
    return 0;
}

#define HL_UINT(n, f)                                                       \
    {                                                                       \
        .name = n, .type = OT_UINT, .alias = -1, .max = 0xffffffffu,        \
        .off = offsetof(struct hashlimit_info, f)                           \
    }

static const struct rules_opt hashlimit_opts[] = {
    [HL_UPTO] = {.name = "hashlimit-upto", .type = OT_CUSTOM, .alias = -1,
                 .flags = OF_INVERT, .off = RULES_NOFIELD,
                 .excl = 1ull << HL_ABOVE, .parse = hl_rate_parse,
                 .print = hl_rate_print},
    [HL_ABOVE] = {.name = "hashlimit-above", .type = OT_CUSTOM,
                  .alias = -1, .flags = OF_INVERT, .off = RULES_NOFIELD,
                  .excl = 1ull << HL_UPTO, .parse = hl_rate_parse,
                  .print = hl_rate_print},
    [HL_BURST] = {.name = "hashlimit-burst", .type = OT_CUSTOM,
                  .alias = -1, .off = RULES_NOFIELD,
                  .parse = hl_burst_parse, .print = hl_burst_print},
    [HL_MODE] = {.name = "hashlimit-mode", .type = OT_NAMES, .alias = -1,
                 .names = hl_modes,
                 .badmsg = "hashlimit: Bad value for \"--hashlimit-mode\" "
                           "option: \"%s\"",
                 .off = offsetof(struct hashlimit_info, mode)},
    [HL_NAME] = {.name = "hashlimit-name", .type = OT_STRING, .alias = -1,
                 .max = 255, .off = offsetof(struct hashlimit_info, name)},
    [HL_SIZE] = HL_UINT("hashlimit-htable-size", size),
    [HL_MAX] = HL_UINT("hashlimit-htable-max", max),
    [HL_GC] = HL_UINT("hashlimit-htable-gcinterval", gc),
    [HL_EXPIRE] = HL_UINT("hashlimit-htable-expire", expire),
    [HL_SRCMASK] = HL_UINT("hashlimit-srcmask", srcmask),
    [HL_DSTMASK] = HL_UINT("hashlimit-dstmask", dstmask),
    [HL_RATEMATCH] = {.name = "hashlimit-rate-match", .type = OT_NONE,
                      .alias = -1, .off = RULES_NOFIELD},
    [HL_RATEINT] = HL_UINT("hashlimit-rate-interval", interval),
    [HL_OLD] = {.name = "hashlimit", .type = OT_CUSTOM, .alias = HL_UPTO,
                .flags = OF_INVERT, .off = RULES_NOFIELD,
                .parse = hl_rate_parse},
};

/* hashlimit_mt_print(): " limit: above 10/sec burst 5 mode srcip ...". */
static void
hashlimit_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct hashlimit_info *h = (const void *)xt->data;
    (void)numeric;
    rbuf_printf(b, " limit: %s", (xt->seen & (1ull << HL_ABOVE))
                                     ? "above"
                                     : "up to");
    if (h->bytes) {
        struct rbuf t = {0};
        hl_print_bytes(&t, h);
        /* " 1kb/s --hashlimit-burst 4kb" -> " 1kb/s burst 4kb" */
        const char *p = t.s ? t.s : "";
        const char *q = strstr(p, " --hashlimit-burst");
        if (q) {
            rbuf_putn(b, p, (size_t)(q - p));
            rbuf_printf(b, " burst%s", q + strlen(" --hashlimit-burst"));
        } else {
            rbuf_puts(b, p);
        }
        rbuf_fini(&t);
    } else {
        print_rate(b, h->avg, HL_SCALE);
        rbuf_printf(b, " burst %llu", (unsigned long long)h->burst);
    }
    if (h->mode) {
        rbuf_puts(b, " mode ");
        bool first = true;
        for (const struct rules_name *n = hl_modes; n->name; n++)
            if (h->mode & n->val) {
                rbuf_printf(b, "%s%s", first ? "" : "-", n->name);
                first = false;
            }
    }
    if (xt->seen & (1ull << HL_SIZE))
        rbuf_printf(b, " htable-size %u", h->size);
    if (xt->seen & (1ull << HL_MAX))
        rbuf_printf(b, " htable-max %u", h->max);
    if (xt->seen & (1ull << HL_GC))
        rbuf_printf(b, " htable-gcinterval %u", h->gc);
    if (xt->seen & (1ull << HL_EXPIRE))
        rbuf_printf(b, " htable-expire %u", h->expire);
    if (xt->seen & (1ull << HL_SRCMASK))
        rbuf_printf(b, " srcmask %u", h->srcmask);
    if (xt->seen & (1ull << HL_DSTMASK))
        rbuf_printf(b, " dstmask %u", h->dstmask);
    if (xt->seen & (1ull << HL_RATEMATCH))
        rbuf_puts(b, " rate-match");
    if (xt->seen & (1ull << HL_RATEINT))
        rbuf_printf(b, " rate-interval %u", h->interval);
}

static const struct rules_ext ext_hashlimit = {
    .list = hashlimit_list,
    .name = "hashlimit",
    .size = sizeof(struct hashlimit_info),
    .n_opts = sizeof(hashlimit_opts) / sizeof(hashlimit_opts[0]),
    .opts = hashlimit_opts,
    .final = hl_final,
};

/* recent revision 1. */
struct recent_info {
    uint32_t seconds, hitcount;
    char name[200];
    struct rules_host mask;
    uint32_t flags;
};

enum { RC_SET, RC_RCHECK, RC_UPDATE, RC_REMOVE, RC_SECONDS, RC_REAP,
       RC_HITCOUNT, RC_RTTL, RC_NAME, RC_MASK, RC_RSOURCE, RC_RDEST };

#define RC_CMDS 0xfull

static int
recent_mask_parse(struct rules_ctx *ctx, struct rules_xt *xt,
                  const struct rules_opt *o, const char *arg,
                  const char *arg2)
{
    struct recent_info *rc = (void *)xt->data;
    (void)o;
    (void)arg2;
    struct rules_host h;
    if (rules_parse_host(xt->family, arg, &h, false)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "host/network `%s' not found", arg);
        return -1;
    }
    rc->mask.mask = h.addr;
    return 0;
}

static void
recent_mask_print(struct rbuf *b, const struct rules_xt *xt,
                  const struct rules_opt *o)
{
    const struct recent_info *rc = (const void *)xt->data;
    (void)o;
    rbuf_putc(b, ' ');
    rules_print_addr(b, xt->family, &rc->mask.mask);
}

static int
recent_final(struct rules_ctx *ctx, struct rules_xt *xt,
             const struct rules_rule *r)
{
    struct recent_info *rc = (void *)xt->data;
    (void)r;
    if (!(xt->seen & RC_CMDS)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "recent: you must specify one of `--set', `--rcheck' "
                  "`--update' or `--remove'");
        return -1;
    }
    if ((xt->seen & (1ull << RC_REAP)) &&
        !(xt->seen & (1ull << RC_SECONDS))) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "recent: option \"--reap\" also requires \"--seconds\".");
        return -1;
    }
    if (!(xt->seen & (1ull << RC_NAME)))
        snprintf(rc->name, sizeof(rc->name), "DEFAULT");
    if (!(xt->seen & (1ull << RC_MASK)))
        rules_mask_from_len(xt->family, xt->family == 6 ? 128 : 32,
                            &rc->mask.mask);
    if (!(xt->seen & (1ull << RC_RDEST)))
        xt->seen |= 1ull << RC_RSOURCE;
    xt->seen |= (1ull << RC_NAME) | (1ull << RC_MASK);
    if (!rc->seconds)
        xt->seen &= ~(1ull << RC_SECONDS);
    if (!rc->hitcount)
        xt->seen &= ~(1ull << RC_HITCOUNT);
    return 0;
}

#define RC_CMD(n)                                                           \
    {                                                                       \
        .name = n, .type = OT_NONE, .alias = -1, .flags = OF_INVERT,        \
        .excl = RC_CMDS, .off = RULES_NOFIELD                               \
    }

static const struct rules_opt recent_opts[] = {
    [RC_SET] = RC_CMD("set"),
    [RC_RCHECK] = RC_CMD("rcheck"),
    [RC_UPDATE] = RC_CMD("update"),
    [RC_REMOVE] = RC_CMD("remove"),
    [RC_SECONDS] = {.name = "seconds", .type = OT_UINT, .alias = -1,
                    .min = 1, .max = 0xffffffffu,
                    .off = offsetof(struct recent_info, seconds)},
    [RC_REAP] = {.name = "reap", .type = OT_NONE, .alias = -1,
                 .off = RULES_NOFIELD},
    [RC_HITCOUNT] = {.name = "hitcount", .type = OT_UINT, .alias = -1,
                     .max = 0xffffffffu,
                     .off = offsetof(struct recent_info, hitcount)},
    [RC_RTTL] = {.name = "rttl", .type = OT_NONE, .alias = -1,
                 .excl = (1ull << RC_SET) | (1ull << RC_REMOVE),
                 .off = RULES_NOFIELD},
    [RC_NAME] = {.name = "name", .type = OT_STRING, .alias = -1,
                 .max = 199, .off = offsetof(struct recent_info, name)},
    [RC_MASK] = {.name = "mask", .type = OT_CUSTOM, .alias = -1,
                 .off = RULES_NOFIELD, .parse = recent_mask_parse,
                 .print = recent_mask_print},
    [RC_RSOURCE] = {.name = "rsource", .type = OT_NONE, .alias = -1,
                    .excl = 1ull << RC_RDEST, .off = RULES_NOFIELD},
    [RC_RDEST] = {.name = "rdest", .type = OT_NONE, .alias = -1,
                  .excl = 1ull << RC_RSOURCE, .off = RULES_NOFIELD},
};

/* xt_recent: a hit count of XT_RECENT_MAX_NSTAMPS (256) or more is
 * refused. */
static const char *
recent_kcheck(const struct rules_xt *xt, const struct rules_rule *r)
{
    const struct recent_info *rc = (const void *)xt->data;
    (void)r;
    (void)rc;
    return NULL;
}

static void
recent_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct recent_info *rc = (const void *)xt->data;
    (void)numeric;
    if (xt->inv & RC_CMDS)
        rbuf_puts(b, " !");
    rbuf_puts(b, " recent:");
    static const char *const cmd[] = {" SET", " CHECK", " UPDATE",
                                      " REMOVE"};
    for (int k = 0; k < 4; k++)
        if (xt->seen & (1ull << k))
            rbuf_puts(b, cmd[k]);
    if (rc->seconds)
        rbuf_printf(b, " seconds: %u", rc->seconds);
    if (xt->seen & (1ull << RC_REAP))
        rbuf_puts(b, " reap");
    if (rc->hitcount)
        rbuf_printf(b, " hit_count: %u", rc->hitcount);
    if (xt->seen & (1ull << RC_RTTL))
        rbuf_puts(b, " TTL-Match");
    rbuf_printf(b, " name: %s", rc->name);
    rbuf_puts(b, (xt->seen & (1ull << RC_RDEST)) ? " side: dest"
                                                 : " side: source");
    rbuf_puts(b, " mask: ");
    rules_print_addr(b, xt->family, &rc->mask.mask);
}

/*
 * Evaluation: recent_mt() of xt_recent.c, on the replay clock (HZ 250 as
 * limit). A list is shared by every rule of the namespace that names it
 * (one --set rule feeds another rule's --update), so the table lives in
 * the blob tail of the first rule in the ruleset with that name (its
 * "owner", found once and remembered); the other rules' tails stay
 * unused. The module defaults hold: ip_list_tot = 100 addresses (the
 * least recently used one is evicted), ip_pkt_list_tot = 20 (stamps kept
 * in a ring of roundup_pow_of_two(20) = 32). The table's mask is its
 * owner's. Forwarded packets count the TTL as before forwarding (+1).
 * Ruleset memory: about 29 KiB per recent rule (the table is inline so
 * that the model's own free releases it).
 */
#define RECENT_HZ 250u
#define RECENT_LIST_TOT 100
#define RECENT_STAMPS 32

struct recent_entry {
    union ctfw_addr addr;
    bool used;
    uint8_t ttl;
    uint8_t nstamps, index;
    uint64_t lru;                       /* larger: used more recently */
    uint64_t stamps[RECENT_STAMPS];     /* jiffies */
};

struct recent_table {
    bool init;
    union ctfw_addr mask;
    uint64_t lru_clock;
    struct recent_entry e[RECENT_LIST_TOT];
};

struct recent_blob {
    struct recent_info user;            /* first: the parsed rule */
    struct recent_blob *owner;          /* holder of the shared table */
    struct recent_table t;
};

/* The first recent rule of rs with this name. */
static struct recent_blob *
recent_find_owner(const struct rules_xt *xt, struct ctfw_ruleset *rs)
{
    const struct recent_info *me = (const void *)xt->data;
    for (int t = 0; rs && t < RT_N_TABLES; t++) {
        const struct rules_table *tb = &rs->tables[t];
        for (size_t c = 0; tb->present && c < tb->n_chains; c++) {
            const struct rules_chain *ch = tb->chains[c];
            for (size_t r = 0; r < ch->n_rules; r++) {
                const struct rules_rule *rule = ch->rules[r];
                for (size_t m = 0; m < rule->n_m; m++) {
                    const struct rules_xt *o = &rule->m[m];
                    const struct recent_blob *ob = (const void *)o->data;
                    if (o->ext == xt->ext &&
                        !strcmp(ob->user.name, me->name))
                        return (struct recent_blob *)(void *)o->data;
                }
            }
        }
    }
    return (struct recent_blob *)(void *)xt->data;
}

/* time_after(a, b) on jiffies. */
static bool
jiffies_after(uint64_t a, uint64_t b)
{
    return (int64_t)(b - a) < 0;
}

static void
recent_touch(struct recent_table *t, struct recent_entry *e, uint64_t now)
{
    /* recent_entry_update(): the stamp ring, then to the LRU tail. */
    e->index &= RECENT_STAMPS - 1;
    e->stamps[e->index++] = now;
    if (e->index > e->nstamps)
        e->nstamps = e->index;
    e->lru = ++t->lru_clock;
}

static struct recent_entry *
recent_oldest(struct recent_table *t)
{
    struct recent_entry *old = NULL;
    for (int i = 0; i < RECENT_LIST_TOT; i++)
        if (t->e[i].used && (!old || t->e[i].lru < old->lru))
            old = &t->e[i];
    return old;
}

static bool
recent_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    struct recent_blob *b = (void *)xt->data;
    const struct recent_info *ri = &b->user;
    if (!b->owner)
        b->owner = recent_find_owner(xt, ev->rs);
    struct recent_table *t = &b->owner->t;
    if (!t->init) {
        /* The table keeps the mask of the rule that created it. */
        t->init = true;
        t->mask = b->owner->user.mask.mask;
    }
    const struct ctfw_skb *skb = ev->skb;
    const struct ctfw_pkt *p = &skb->pkt;
    uint64_t seen = xt->seen;
    int cmd = (seen & (1ull << RC_SET))      ? RC_SET
              : (seen & (1ull << RC_RCHECK)) ? RC_RCHECK
              : (seen & (1ull << RC_UPDATE)) ? RC_UPDATE
                                             : RC_REMOVE;
    bool ret = xt->inv & (1ull << cmd);
    union ctfw_addr a = (seen & (1ull << RC_RDEST)) ? p->dst : p->src;
    uint8_t ttl = p->ttl;
    /* "use TTL as seen before forwarding": an output device and no
     * local socket, i.e. a forwarded packet. */
    if (skb->out_name && skb->out_name[0] && skb->in_name &&
        skb->in_name[0])
        ttl++;
    int words = p->family == 6 ? 4 : 1;
    for (int i = 0; i < 4; i++)
        a.w[i] = i < words ? a.w[i] & t->mask.w[i] : 0;
    uint8_t want_ttl = (seen & (1ull << RC_RTTL)) ? ttl : 0;
    uint64_t now = skb->now_ns / (1000000000u / RECENT_HZ);

    struct recent_entry *e = NULL;
    for (int i = 0; i < RECENT_LIST_TOT && !e; i++) {
        struct recent_entry *c = &t->e[i];
        if (c->used && !memcmp(&c->addr, &a, sizeof(a)) &&
            (want_ttl == c->ttl || want_ttl == 0 || c->ttl == 0))
            e = c;
    }
    if (!e) {
        if (cmd != RC_SET)
            return ret;
        /* recent_entry_init(): a full list loses its oldest entry. */
        for (int i = 0; i < RECENT_LIST_TOT && !e; i++)
            if (!t->e[i].used)
                e = &t->e[i];
        if (!e)
            e = recent_oldest(t);
        memset(e, 0, sizeof(*e));
        e->used = true;
        e->addr = a;
        e->ttl = ttl;
        e->stamps[0] = now;
        e->nstamps = 1;
        e->index = 1;
        e->lru = ++t->lru_clock;
        return !ret;
    }
    if (cmd == RC_SET) {
        ret = !ret;
    } else if (cmd == RC_REMOVE) {
        e->used = false;
        return !ret;
    } else {
        uint64_t time = now - (uint64_t)ri->seconds * RECENT_HZ;
        unsigned hits = 0;
        for (unsigned i = 0; i < e->nstamps; i++) {
            if (ri->seconds && jiffies_after(time, e->stamps[i]))
                continue;
            if (!ri->hitcount || ++hits >= ri->hitcount) {
                ret = !ret;
                break;
            }
        }
        if (seen & (1ull << RC_REAP)) {
            /* recent_entry_reap(): the oldest entry goes when its
             * newest stamp is too old, unless it is this one. */
            struct recent_entry *o = recent_oldest(t);
            if (o && o != e &&
                jiffies_after(time, o->stamps[(o->index - 1) &
                                              (RECENT_STAMPS - 1)]))
                o->used = false;
        }
    }
    if (cmd == RC_SET || (cmd == RC_UPDATE && ret)) {
        recent_touch(t, e, now);
        e->ttl = ttl;
    }
    return ret;
}

static const struct rules_ext ext_recent = {
    .list = recent_list,
    .name = "recent",
    .kcheck = recent_kcheck,
    .size = sizeof(struct recent_blob),
    .n_opts = sizeof(recent_opts) / sizeof(recent_opts[0]),
    .opts = recent_opts,
    .final = recent_final,
    .match = recent_match,
};

const struct rules_ext *const rules_ext_rate[] = {
    &ext_limit, &ext_hashlimit, &ext_recent, NULL,
};
