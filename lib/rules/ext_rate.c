// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rate and history matches: limit, hashlimit (revision 3) and recent
 * (revision 1). Rates are stored as the kernel stores them, a period in
 * units of 1/scale second per token (limit: scale 10000; hashlimit:
 * 1000000), and printed back by the same rule as iptables' print_rate():
 * the largest unit whose count is exact enough.
 */
#include <arpa/inet.h>
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
 * The bucket is the rule's runtime state (struct rules_xt.rt), as the
 * kernel keeps prev/credit in a private allocation (xt_limit_priv) that
 * userspace never sees: each rule, also each copy made when -s lists
 * expand, owns its own bucket. It is built when the rule first
 * evaluates a packet, full, with that packet's time as prev. A capture
 * whose clock goes backwards refills nothing (jiffies never decrease).
 */
#define LIMIT_HZ 250u
#define LIMIT_CPJ 128u

struct limit_state {
    bool init;
    uint64_t prev;              /* jiffies of the last refill */
    uint32_t credit, credit_cap, cost;
};

static uint32_t
user2credits(uint32_t user)
{
    if (user > 0xffffffffu / (LIMIT_HZ * LIMIT_CPJ))
        return (user / LIMIT_SCALE) * LIMIT_HZ * LIMIT_CPJ;
    return (user * LIMIT_HZ * LIMIT_CPJ) / LIMIT_SCALE;
}

static void *
limit_rt_new(const struct rules_xt *xt)
{
    (void)xt;
    return calloc(1, sizeof(struct limit_state));
}

static bool
limit_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct limit_info *l = (const void *)xt->data;
    struct limit_state *st = rules_xt_rt(xt);
    if (!st) {
        /* No memory for the bucket: nothing is let through, as a rule
         * that could not be loaded would not be. */
        return false;
    }
    uint64_t now = ev->skb->now_ns / (1000000000u / LIMIT_HZ);
    if (!st->init) {
        st->init = true;
        st->prev = now;
        st->credit = user2credits(l->avg * l->burst);
        st->credit_cap = st->credit;
        st->cost = user2credits(l->avg);
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
    .size = sizeof(struct limit_info),
    .n_opts = 2,
    .opts = limit_opts,
    .final = limit_final,
    .match = limit_match,
    .rt_new = limit_rt_new,
    .rt_free = free,
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

/* parse_burst() of libxt_hashlimit (revision 3): a number of at least
 * 1, at most XT_HASHLIMIT_BURST_MAX when nothing follows it; whatever
 * follows is a unit (get_factor(): k, m, anything else 1). */
static int
hl_burst_parse(struct rules_ctx *ctx, struct rules_xt *xt,
               const struct rules_opt *o, const char *arg, const char *arg2)
{
    struct hashlimit_info *h = (void *)xt->data;
    char *end = NULL;
    (void)o;
    (void)arg2;
    unsigned long long v = 0;
    bool ok = arg[0] >= '0' && arg[0] <= '9';
    if (ok) {
        v = strtoull(arg, &end, 0);
        ok = v >= 1 && !(*end == '\0' && v > 1000000);
    }
    if (!ok) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "bad value for option \"--hashlimit-burst\", or out of "
                  "range (1-1000000).");
        return -1;
    }
    h->burst = v * (*end == 'm' ? 1024 * 1024 : *end == 'k' ? 1024 : 1);
    return 0;
}

/* --hashlimit-srcmask/--hashlimit-dstmask (XTTYPE_PLENMASK): a prefix
 * length up to the family's width, else a numeric address taken as a
 * network mask (inet_aton's forms for IPv4: "33" is 0.0.0.33) and turned
 * into its prefix length. A mask that is not contiguous reaches the
 * kernel as an impossible length, and hashlimit_mt_check() refuses the
 * rule (HL_MASK_BAD, see hl_kcheck()). */
#define HL_MASK_BAD 0xffu
static int
hl_mask_parse(struct rules_ctx *ctx, struct rules_xt *xt,
              const struct rules_opt *o, const char *arg, const char *arg2)
{
    unsigned full = xt->family == 6 ? 128 : 32;
    uint32_t *dst = (uint32_t *)(void *)(xt->data + o->off);
    char *end;
    (void)arg2;
    if (arg[0] >= '0' && arg[0] <= '9') {
        unsigned long v = strtoul(arg, &end, 0);
        if (!*end && v <= full) {
            *dst = (uint32_t)v;
            return 0;
        }
    }
    uint8_t m[16];
    bool ok;
    if (xt->family == 6) {
        ok = inet_pton(AF_INET6, arg, m) == 1;
    } else {
        struct in_addr a;
        ok = inet_aton(arg, &a) != 0;
        memcpy(m, &a, 4);
    }
    if (!ok) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "hashlimit: bad value for option \"--%s\", neither a "
                  "valid network mask nor valid CIDR (0-%u).\n",
                  o->name, full);
        return -1;
    }
    unsigned bits = 0;
    bool zero = false, contiguous = true;
    for (unsigned i = 0; i < full; i++) {
        bool one = m[i / 8] & (0x80u >> (i % 8));
        if (one && zero)
            contiguous = false;
        if (one)
            bits++;
        else
            zero = true;
    }
    *dst = contiguous ? bits : HL_MASK_BAD;
    return 0;
}

static void
hl_mask_print(struct rbuf *b, const struct rules_xt *xt,
              const struct rules_opt *o)
{
    rbuf_printf(b, " %u", *(const uint32_t *)(const void *)(xt->data + o->off));
}

static const char *
hl_kcheck(const struct rules_xt *xt, const struct rules_rule *r)
{
    const struct hashlimit_info *h = (const void *)xt->data;
    (void)r;
    return h->srcmask == HL_MASK_BAD || h->dstmask == HL_MASK_BAD
               ? "Invalid argument"
               : NULL;
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
        if (!unit && (xt->seen & (1ull << HL_BURST))) {
            /* Under 32 bytes/s no byte chunk fits: iptables 1.8.9
             * accepts the rate alone (and saves it as "0b/s") but
             * divides by zero when a burst comes with it. */
            rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                      "hashlimit: rate too low for a byte limit with a "
                      "burst");
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
                 .max = 254, .off = offsetof(struct hashlimit_info, name)},
    [HL_SIZE] = HL_UINT("hashlimit-htable-size", size),
    [HL_MAX] = HL_UINT("hashlimit-htable-max", max),
    [HL_GC] = HL_UINT("hashlimit-htable-gcinterval", gc),
    [HL_EXPIRE] = HL_UINT("hashlimit-htable-expire", expire),
    [HL_SRCMASK] = {.name = "hashlimit-srcmask", .type = OT_CUSTOM,
                    .alias = -1, .off = offsetof(struct hashlimit_info,
                                                 srcmask),
                    .parse = hl_mask_parse, .print = hl_mask_print},
    [HL_DSTMASK] = {.name = "hashlimit-dstmask", .type = OT_CUSTOM,
                    .alias = -1, .off = offsetof(struct hashlimit_info,
                                                 dstmask),
                    .parse = hl_mask_parse, .print = hl_mask_print},
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

/*
 * Evaluation: hashlimit_mt_common() of xt_hashlimit.c, revision 3 (what
 * iptables 1.8.9 loads), on the replay clock with HZ 250 as limit.
 *
 * Units. CREDITS_PER_JIFFY = POW2_BELOW64(U64_MAX / (HZ * 86400)) = 2^39
 * and user2credits(u) = u * (HZ * 2^39 / 10^6) = u * 137438953 (u64,
 * wrapping as the kernel's). A bucket starts full at avg * burst
 * credits, gains 2^39 per jiffy up to that cap, and a packet costs avg
 * credits: "--hashlimit-upto 2/sec --hashlimit-burst 3" passes 3
 * packets at once, then one more every 125 jiffies (500 ms). Byte mode
 * (XT_HASHLIMIT_BYTES): the bucket holds CREDITS_PER_JIFFY_BYTES * HZ =
 * 2^24 * 250, refills 2^24 per jiffy, a packet of skb->len bytes (the
 * IP length) costs ((len >> 4) + 1) * user2credits_byte(avg), and
 * credit_cap counts the refills the burst still allows. Rate-match
 * mode (--hashlimit-rate-match) counts packets or bytes per interval
 * instead (rateinfo_recalc()'s first branch).
 *
 * The table. Rules naming the same --hashlimit-name share one table
 * (htable_find_get() by name and family), created with the first such
 * rule's configuration: that rule's mode, masks, rate, burst, expire,
 * gc interval, size and max key the entries and build the buckets,
 * while each rule's own above/bytes/rate-match flags decide its answer,
 * exactly as hashlimit_mt_common() reads hinfo->cfg and cfg. The table
 * is the runtime state of that first rule in the ruleset (its "owner");
 * the others keep a pointer to it, which is sound because runtime state
 * is only built by evaluation, once the ruleset is complete and no
 * longer edited. Size: the given one, else 8192 (htable_create() on a
 * machine with more than 1 GiB, as the reference); max: the given one
 * raised to size, else 8 * size. A new key while the table holds max
 * entries, or when its entry cannot be allocated, is dropped (hotdrop),
 * as dsthash_alloc_init() returning NULL makes the kernel do.
 *
 * Expiry. An entry lives until the gc worker finds it expired: it runs
 * every gc interval from the table's creation (here: the first packet
 * the table sees) and frees the entries whose expires (last packet +
 * msecs_to_jiffies(expire)) has come; a lookup does not check expiry,
 * so an expired but not yet collected entry keeps its bucket.
 *
 * Cost: the entries are an array searched linearly, O(entries) per
 * packet and per gc run; faithful first (a hash index is the
 * performance issue's business).
 */
#define HL_HZ 250u
#define HL_CPJ (1ull << 39)
#define HL_CPJ_BYTES (1ull << 24)
#define HL_MSEC_JIFFIES(ms) (((uint64_t)(ms) + 3) / 4)

struct hl_key {
    union ctfw_addr src, dst;
    uint16_t sport, dport;
    uint32_t pad;
};
_Static_assert(sizeof(struct hl_key) == 40, "hl_key is compared bytewise");

struct hl_ent {
    struct hl_key key;
    uint64_t expires, prev;          /* jiffies */
    uint64_t credit, credit_cap, cost;
    uint64_t rate, burst, current_rate;
    uint32_t interval;
    bool prev_window;
};

struct hl_table {
    bool started;
    uint64_t gc_next;                /* jiffies of the next gc run */
    uint32_t max;
    struct hl_ent *e;
    size_t n, cap;
};

struct hl_rt {
    const struct rules_xt *owner;    /* rule whose table this uses */
    struct hl_table *t;              /* the owner's table */
    struct hl_table own;             /* used when this rule is owner */
};

static void *
hl_rt_new(const struct rules_xt *xt)
{
    (void)xt;
    return calloc(1, sizeof(struct hl_rt));
}

static void
hl_rt_free(void *p)
{
    struct hl_rt *rt = p;
    if (!rt)
        return;
    free(rt->own.e);
    free(rt);
}

/* Rules of the same extension and --hashlimit-name share one table;
 * the first of them in the ruleset owns it. */
static bool
hl_same_name(const struct rules_xt *o, bool is_target, const void *arg)
{
    const struct rules_xt *xt = arg;
    const struct hashlimit_info *me = (const void *)xt->data;
    const struct hashlimit_info *oh = (const void *)o->data;
    return !is_target && o->ext == xt->ext && !strcmp(oh->name, me->name);
}

static const struct rules_xt *
hl_find_owner(const struct rules_xt *xt, const struct ctfw_ruleset *rs)
{
    const struct rules_xt *o = rules_find_xt(rs, hl_same_name, xt);
    return o ? o : xt;
}

/* maskl(): the first l bits of a network-order word. */
static uint32_t
hl_maskl(uint32_t a, unsigned l)
{
    if (!l)
        return 0;
    uint32_t m = l >= 32 ? 0xffffffffu : ~(0xffffffffu >> l);
    return a & htonl(m);
}

static void
hl_mask_addr(int family, union ctfw_addr *a, unsigned len)
{
    int words = family == 6 ? 4 : 1;
    for (int i = 0; i < 4; i++) {
        unsigned bits = len > 32u * (unsigned)i ? len - 32u * (unsigned)i
                                                : 0;
        a->w[i] = i < words ? hl_maskl(a->w[i], bits > 32 ? 32 : bits) : 0;
    }
}

/* hashlimit_init_dst(): false when the ports cannot be read. */
static bool
hl_init_dst(const struct hashlimit_info *cfg, const struct ctfw_pkt *p,
            struct hl_key *k)
{
    memset(k, 0, sizeof(*k));
    if (cfg->mode & HL_DIP) {
        k->dst = p->dst;
        hl_mask_addr(p->family, &k->dst, cfg->dstmask);
    }
    if (cfg->mode & HL_SIP) {
        k->src = p->src;
        hl_mask_addr(p->family, &k->src, cfg->srcmask);
    }
    if (!(cfg->mode & (HL_SPT | HL_DPT)))
        return true;
    /* proto_ports_offset(): ports first for TCP, UDP, DCCP, ESP (its
     * SPI), SCTP and UDP-Lite, after 4 bytes for AH; others use 0. */
    int poff;
    switch (p->proto) {
    case 6:
    case 17:
    case 33:
    case 50:
    case 132:
    case 136:
        poff = 0;
        break;
    case 51:
        poff = 4;
        break;
    default:
        poff = -1;
        break;
    }
    uint16_t sp = 0, dp = 0;
    if (poff >= 0) {
        uint32_t len;
        const uint8_t *l4 = rules_l4_bytes(p, &len);
        if (!l4 || len < (uint32_t)poff + 4)
            return false;
        sp = (uint16_t)(l4[poff] << 8 | l4[poff + 1]);
        dp = (uint16_t)(l4[poff + 2] << 8 | l4[poff + 3]);
    }
    if (cfg->mode & HL_SPT)
        k->sport = sp;
    if (cfg->mode & HL_DPT)
        k->dport = dp;
    return true;
}

static uint64_t
hl_user2credits(uint64_t user)
{
    return user * ((HL_HZ * HL_CPJ) / HL_SCALE);
}

static uint32_t
hl_user2credits_byte(uint32_t user)
{
    return (uint32_t)(((uint64_t)user * HL_HZ * HL_CPJ_BYTES) >> 32);
}

/* rateinfo_init() with the table's configuration. */
static void
hl_rateinfo_init(struct hl_ent *d, const struct rules_xt *oxt, uint64_t now)
{
    const struct hashlimit_info *c = (const void *)oxt->data;
    bool rate_match = oxt->seen & (1ull << HL_RATEMATCH);
    d->prev = now;
    if (rate_match) {
        d->prev_window = false;
        d->current_rate = 0;
        if (c->bytes) {
            uint64_t r = c->avg ? 0xffffffffu / (uint32_t)c->avg
                                : 0xffffffffu;
            d->rate = (r - 1) << 4;
            d->burst = c->burst ? c->burst * d->rate : d->rate;
        } else {
            d->rate = c->avg ? HL_SCALE / c->avg : 0;
            d->burst = c->burst + d->rate;
        }
        d->interval = c->interval ? c->interval : 1;
    } else if (c->bytes) {
        d->credit = HL_CPJ_BYTES * HL_HZ;
        d->cost = hl_user2credits_byte((uint32_t)c->avg);
        d->credit_cap = c->burst;
    } else {
        d->credit = hl_user2credits(c->avg * c->burst);
        d->cost = hl_user2credits(c->avg);
        d->credit_cap = d->credit;
    }
}

/* rateinfo_recalc() with the table's mode. */
static void
hl_rateinfo_recalc(struct hl_ent *d, const struct rules_xt *oxt,
                   uint64_t now)
{
    const struct hashlimit_info *c = (const void *)oxt->data;
    uint64_t delta = now - d->prev;
    if (now <= d->prev)
        return;
    if (oxt->seen & (1ull << HL_RATEMATCH)) {
        uint64_t interval = (uint64_t)d->interval * HL_HZ;
        if (delta < interval)
            return;
        d->prev = now;
        d->prev_window = d->current_rate * interval > delta * d->rate;
        d->current_rate = 0;
        return;
    }
    d->prev = now;
    uint64_t cap;
    if (c->bytes) {
        uint64_t tmp = d->credit;
        d->credit += HL_CPJ_BYTES * delta;
        cap = HL_CPJ_BYTES * HL_HZ;
        if (tmp >= d->credit) {
            d->credit = cap;
            return;
        }
    } else {
        d->credit += delta * HL_CPJ;
        cap = d->credit_cap;
    }
    if (d->credit > cap)
        d->credit = cap;
}

/* The gc worker runs due up to now: select_gc() frees what expired. */
static void
hl_gc(struct hl_table *t, const struct hashlimit_info *c, uint64_t now)
{
    uint64_t gi = HL_MSEC_JIFFIES(c->gc ? c->gc : 1000);
    if (!gi)
        gi = 1;
    if (!t->started) {
        t->started = true;
        t->gc_next = now + gi;
        return;
    }
    if (now < t->gc_next)
        return;
    uint64_t last = t->gc_next + (now - t->gc_next) / gi * gi;
    for (size_t i = 0; i < t->n;) {
        if (last >= t->e[i].expires)
            t->e[i] = t->e[--t->n];
        else
            i++;
    }
    t->gc_next = last + gi;
}

static struct hl_ent *
hl_alloc(struct hl_table *t)
{
    if (t->max && t->n >= t->max)
        return NULL;    /* "max count of %u reached" */
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 16;
        if (ncap > t->max)
            ncap = t->max;
        struct hl_ent *ne = realloc(t->e, ncap * sizeof(*ne));
        if (!ne)
            return NULL;
        t->e = ne;
        t->cap = ncap;
    }
    struct hl_ent *d = &t->e[t->n++];
    memset(d, 0, sizeof(*d));
    return d;
}

static bool
hashlimit_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct hashlimit_info *cfg = (const void *)xt->data;
    struct hl_rt *rt = rules_xt_rt(xt);
    if (rt && !rt->t) {
        rt->owner = hl_find_owner(xt, ev->rs);
        struct hl_rt *ort = rt->owner == xt ? rt : rules_xt_rt(rt->owner);
        if (ort) {
            const struct hashlimit_info *oc = (const void *)rt->owner->data;
            uint32_t size = oc->size ? oc->size : 8192;
            ort->own.max = !oc->max          ? 8 * size
                           : oc->max < size ? size
                                             : oc->max;
            rt->t = &ort->own;
        }
    }
    if (!rt || !rt->t) {
        ev->hotdrop = true;     /* the table could not be allocated */
        return false;
    }
    const struct rules_xt *oxt = rt->owner;
    const struct hashlimit_info *hc = (const void *)oxt->data;
    struct hl_table *t = rt->t;
    const struct ctfw_pkt *p = &ev->skb->pkt;
    uint64_t now = ev->skb->now_ns / (1000000000u / HL_HZ);
    struct hl_key key;
    if (!hl_init_dst(hc, p, &key)) {
        ev->hotdrop = true;
        return false;
    }
    hl_gc(t, hc, now);
    /* The expire default is the rate's unit (libxt_hashlimit: mult *
     * 1000 ms), 15 s in byte mode, 60 s with a byte burst. */
    uint64_t expire = hc->expire;
    if (!expire)
        expire = hc->bytes ? (hc->burst ? 60000 : 15000)
                           : (uint64_t)(hc->mult ? hc->mult : 1) * 1000;
    struct hl_ent *d = NULL;
    for (size_t i = 0; i < t->n && !d; i++)
        if (!memcmp(&t->e[i].key, &key, sizeof(key)))
            d = &t->e[i];
    if (!d) {
        d = hl_alloc(t);
        if (!d) {
            ev->hotdrop = true;
            return false;
        }
        d->key = key;
        d->expires = now + HL_MSEC_JIFFIES(expire);
        hl_rateinfo_init(d, oxt, now);
    } else {
        d->expires = now + HL_MSEC_JIFFIES(expire);
        hl_rateinfo_recalc(d, oxt, now);
    }
    bool invert = xt->seen & (1ull << HL_ABOVE);
    if (xt->seen & (1ull << HL_RATEMATCH)) {
        d->current_rate += cfg->bytes ? p->ip_len : 1;
        if (!d->prev_window && d->current_rate <= d->burst)
            return !invert;
        return invert;
    }
    uint64_t cost;
    if (cfg->bytes) {
        /* hashlimit_byte_cost() */
        cost = (uint64_t)((p->ip_len >> 4) + 1) * d->cost;
        if (cost > HL_CPJ_BYTES * HL_HZ)
            cost = HL_CPJ_BYTES * HL_HZ;
        if (d->credit < cost && d->credit_cap) {
            d->credit_cap--;
            d->credit = HL_CPJ_BYTES * HL_HZ;
        }
    } else {
        cost = d->cost;
    }
    if (d->credit >= cost) {
        d->credit -= cost;
        return !invert;
    }
    return invert;
}

static const struct rules_ext ext_hashlimit = {
    .list = hashlimit_list,
    .name = "hashlimit",
    .kcheck = hl_kcheck,
    .size = sizeof(struct hashlimit_info),
    .n_opts = sizeof(hashlimit_opts) / sizeof(hashlimit_opts[0]),
    .opts = hashlimit_opts,
    .final = hl_final,
    .match = hashlimit_match,
    .rt_new = hl_rt_new,
    .rt_free = hl_rt_free,
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
 * (one --set rule feeds another rule's --update), so the table is part
 * of the runtime state (struct rules_xt.rt) of the first rule in the
 * ruleset with that name (its "owner"); every rule's state remembers
 * the table it uses. As for hashlimit, this pointer into another rule's
 * state is sound because runtime state is built only by evaluation,
 * once the ruleset is complete and no longer edited, and all rules are
 * freed together. The module defaults hold: ip_list_tot = 100 addresses
 * (the least recently used one is evicted), ip_pkt_list_tot = 20
 * (stamps kept in a ring of roundup_pow_of_two(20) = 32). The table's
 * mask is its owner's. Forwarded packets count the TTL as before
 * forwarding (+1). Memory: about 29 KiB per table, allocated when the
 * table first sees a packet; nothing for the rules that only use it.
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
    union ctfw_addr mask;
    uint64_t lru_clock;
    struct recent_entry e[RECENT_LIST_TOT];
};

struct recent_rt {
    struct recent_table *t;             /* the table used (the owner's) */
    struct recent_table *own;           /* allocated when owner */
};

static void *
recent_rt_new(const struct rules_xt *xt)
{
    (void)xt;
    return calloc(1, sizeof(struct recent_rt));
}

static void
recent_rt_free(void *p)
{
    struct recent_rt *rt = p;
    if (!rt)
        return;
    free(rt->own);
    free(rt);
}

/* Rules of the same extension and --name share one list; the first
 * of them in the ruleset owns it. */
static bool
recent_same_name(const struct rules_xt *o, bool is_target, const void *arg)
{
    const struct rules_xt *xt = arg;
    const struct recent_info *me = (const void *)xt->data;
    const struct recent_info *oi = (const void *)o->data;
    return !is_target && o->ext == xt->ext && !strcmp(oi->name, me->name);
}

static const struct rules_xt *
recent_find_owner(const struct rules_xt *xt, const struct ctfw_ruleset *rs)
{
    const struct rules_xt *o = rules_find_xt(rs, recent_same_name, xt);
    return o ? o : xt;
}

/* The table this rule uses, created with its owner's mask. */
static struct recent_table *
recent_table_get(const struct rules_xt *xt, const struct ctfw_ruleset *rs)
{
    struct recent_rt *rt = rules_xt_rt(xt);
    if (!rt)
        return NULL;
    if (rt->t)
        return rt->t;
    const struct rules_xt *owner = recent_find_owner(xt, rs);
    struct recent_rt *ort = owner == xt ? rt : rules_xt_rt(owner);
    if (!ort)
        return NULL;
    if (!ort->own) {
        ort->own = calloc(1, sizeof(*ort->own));
        if (!ort->own)
            return NULL;
        const struct recent_info *oi = (const void *)owner->data;
        ort->own->mask = oi->mask.mask;
    }
    rt->t = ort->own;
    return rt->t;
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
    const struct recent_info *ri = (const void *)xt->data;
    /* The table keeps the mask of the rule that created it. Without
     * memory for it the rule sees an empty list and stores nothing, as
     * recent_entry_init() failing does. */
    struct recent_table *t = recent_table_get(xt, ev->rs);
    if (!t)
        return xt->inv & RC_CMDS;
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
    .size = sizeof(struct recent_info),
    .n_opts = sizeof(recent_opts) / sizeof(recent_opts[0]),
    .opts = recent_opts,
    .final = recent_final,
    .match = recent_match,
    .rt_new = recent_rt_new,
    .rt_free = recent_rt_free,
};

const struct rules_ext *const rules_ext_rate[] = {
    &ext_limit, &ext_hashlimit, &ext_recent, NULL,
};
