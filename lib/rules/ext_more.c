// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Less common extensions met in real rulesets: sctp (ports only),
 * policy (one element), rt (IPv6 routing header), rpfilter, physdev,
 * and the TRACE target. Matching of these is answered by the host model
 * or treated as documented in docs/rules.md.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ctfw/host.h"
#include "eval_private.h"
#include "rules_private.h"

struct sctp_info {
    struct rules_range sport, dport;
};

static int
sctp_final(struct rules_ctx *ctx, struct rules_xt *xt,
           const struct rules_rule *r)
{
    (void)ctx;
    (void)r;
    struct sctp_info *s = (void *)xt->data;
    if (s->sport.lo == 0 && s->sport.hi == 65535 && !(xt->inv & 1))
        xt->seen &= ~1ull;
    if (s->dport.lo == 0 && s->dport.hi == 65535 && !(xt->inv & 2))
        xt->seen &= ~2ull;
    return 0;
}

static const char *
sctp_kcheck(const struct rules_xt *xt, const struct rules_rule *r)
{
    (void)xt;
    if (!r->proto_set || r->proto != 132 || (r->inv & RINV_PROTO))
        return "Invalid argument";
    return NULL;
}

static const struct rules_opt sctp_opts[] = {
    {.name = "sport", .type = OT_PORTRANGE, .alias = -1, .flags = OF_INVERT,
     .off = offsetof(struct sctp_info, sport)},
    {.name = "dport", .type = OT_PORTRANGE, .alias = -1, .flags = OF_INVERT,
     .off = offsetof(struct sctp_info, dport)},
    {.name = "source-port", .type = OT_PORTRANGE, .alias = 0,
     .flags = OF_INVERT, .off = offsetof(struct sctp_info, sport)},
    {.name = "destination-port", .type = OT_PORTRANGE, .alias = 1,
     .flags = OF_INVERT, .off = offsetof(struct sctp_info, dport)},
    {.name = "chunk-types", .type = OT_CUSTOM, .alias = -1,
     .flags = OF_UNSUPP | OF_TWOARGS, .off = RULES_NOFIELD},
};

/* Evaluation: sctp_mt() of xt_sctp.c for the ports (chunk types are
 * refused at parse time): later fragments never match, a common header
 * shorter than 12 bytes is dropped (hotdrop). */
static bool
sctp_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct sctp_info *si = (const void *)xt->data;
    const struct ctfw_pkt *p = &ev->skb->pkt;
    if (rules_fragoff(p))
        return false;
    uint32_t n;
    const uint8_t *sh = rules_l4_bytes(p, &n);
    if (n < 12) {
        ev->hotdrop = true;
        return false;
    }
    uint16_t sport = (uint16_t)(sh[0] << 8 | sh[1]);
    uint16_t dport = (uint16_t)(sh[2] << 8 | sh[3]);
    if ((xt->seen & 1) && !rules_port_match(&si->sport, sport, xt->inv & 1))
        return false;
    if ((xt->seen & 2) && !rules_port_match(&si->dport, dport, xt->inv & 2))
        return false;
    return true;
}

static void
sctp_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct sctp_info *s = (const void *)xt->data;
    rbuf_puts(b, " sctp");
    if (xt->seen & 1)
        rules_list_ports(b, "spt", &s->sport, xt->inv & 1, "sctp", numeric);
    if (xt->seen & 2)
        rules_list_ports(b, "dpt", &s->dport, xt->inv & 2, "sctp", numeric);
}

static const struct rules_ext ext_sctp = {
    .list = sctp_list,
    .name = "sctp",
    .size = sizeof(struct sctp_info),
    .n_opts = sizeof(sctp_opts) / sizeof(sctp_opts[0]),
    .opts = sctp_opts,
    .final = sctp_final,
    .kcheck = sctp_kcheck,
    .match = sctp_match,
};

/* policy: direction and policy, one element of reqid/spi/proto/mode. */
struct policy_info {
    uint32_t dir, pol, reqid, spi, proto, mode;
    struct rules_host tsrc, tdst;
};

static const struct rules_name policy_dirs[] = {
    {"in", 1}, {"out", 2}, {NULL, 0},
};

static const struct rules_name policy_pols[] = {
    {"none", 1}, {"ipsec", 2}, {NULL, 0},
};

static const struct rules_name policy_protos[] = {
    {"esp", 50}, {"ah", 51}, {"ipcomp", 108}, {NULL, 0},
};

static const struct rules_name policy_modes[] = {
    {"transport", 0}, {"tunnel", 1}, {NULL, 0},
};

enum { PO_DIR, PO_POL, PO_STRICT, PO_REQID, PO_SPI, PO_PROTO, PO_MODE,
       PO_TDST, PO_TSRC };

static int
policy_final(struct rules_ctx *ctx, struct rules_xt *xt,
             const struct rules_rule *r)
{
    (void)r;
    if (!(xt->seen & (1ull << PO_DIR))) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "policy match: neither --dir in nor --dir out specified");
        return -1;
    }
    if (!(xt->seen & (1ull << PO_POL))) {
        /* iptables-nft 1.8.9 saves such a rule with --pol ipsec. */
        ((struct policy_info *)(void *)xt->data)->pol = 2;
        xt->seen |= 1ull << PO_POL;
    }
    uint64_t elem = (1ull << PO_REQID) | (1ull << PO_SPI) |
                    (1ull << PO_PROTO) | (1ull << PO_MODE) |
                    (1ull << PO_TDST) | (1ull << PO_TSRC);
    if ((xt->seen & (1ull << PO_STRICT)) && !(xt->seen & elem)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "policy match: empty policy element 0. --strict is in "
                  "effect, but at least one of reqid, spi, tunnel-src, "
                  "tunnel-dst, proto or mode is required.");
        return -1;
    }
    const struct policy_info *p = (const void *)xt->data;
    if ((xt->seen & ((1ull << PO_TDST) | (1ull << PO_TSRC))) &&
        (!(xt->seen & (1ull << PO_MODE)) || p->mode != 1)) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "policy match: --tunnel-src/--tunnel-dst is only valid "
                  "in tunnel mode");
        return -1;
    }
    return 0;
}

static const struct rules_opt policy_opts[] = {
    [PO_DIR] = {.name = "dir", .type = OT_ENUM, .alias = -1,
                .names = policy_dirs,
                .off = offsetof(struct policy_info, dir)},
    [PO_POL] = {.name = "pol", .type = OT_ENUM, .alias = -1,
                .names = policy_pols,
                .off = offsetof(struct policy_info, pol)},
    [PO_STRICT] = {.name = "strict", .type = OT_NONE, .alias = -1,
                   .off = RULES_NOFIELD},
    [PO_REQID] = {.name = "reqid", .type = OT_UINT, .alias = -1,
                  .flags = OF_INVERT, .max = 0xffffffffu,
                  .off = offsetof(struct policy_info, reqid)},
    [PO_SPI] = {.name = "spi", .type = OT_UINT, .alias = -1,
                .flags = OF_INVERT | OF_HEX, .max = 0xffffffffu,
                .off = offsetof(struct policy_info, spi)},
    [PO_PROTO] = {.name = "proto", .type = OT_ENUM, .alias = -1,
                  .flags = OF_INVERT, .names = policy_protos,
                  .off = offsetof(struct policy_info, proto)},
    [PO_MODE] = {.name = "mode", .type = OT_ENUM, .alias = -1,
                 .flags = OF_INVERT, .names = policy_modes,
                 .off = offsetof(struct policy_info, mode)},
    [PO_TDST] = {.name = "tunnel-dst", .type = OT_HOST, .alias = -1,
                 .flags = OF_INVERT,
                 .off = offsetof(struct policy_info, tdst)},
    [PO_TSRC] = {.name = "tunnel-src", .type = OT_HOST, .alias = -1,
                 .flags = OF_INVERT,
                 .off = offsetof(struct policy_info, tsrc)},
    {.name = "next", .type = OT_NONE, .alias = -1, .flags = OF_UNSUPP,
     .off = RULES_NOFIELD},
};

/* Evaluation: policy_mt() of xt_policy.c. ctfw models no IPsec: a
 * packet never has a sec_path (in) nor an xfrm route (out), so the
 * lookup answers "no policy", which matches --pol none and nothing
 * else. */
static bool
policy_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct policy_info *po = (const void *)xt->data;
    (void)ev;
    return po->pol == 1;
}

static void
policy_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct policy_info *pi = (const void *)xt->data;
    rbuf_puts(b, " policy match");
    if (numeric && (xt->seen & (1ull << PO_PROTO))) {
        /* The IPsec protocol is printed by number with -n. */
        struct rbuf t = {0};
        rules_xt_save(&t, xt);
        const char *p = t.s ? t.s : "";
        const char *q = strstr(p, " --proto ");
        if (q) {
            const char *e = strchr(q + 9, ' ');
            struct rbuf u = {0};
            rbuf_putn(&u, p, (size_t)(q - p));
            rbuf_printf(&u, " --proto %u%s", pi->proto, e ? e : "");
            rbuf_fini(&t);
            t = u;
        }
        for (p = t.s ? t.s : ""; *p;) {
            if (p[0] == ' ' && p[1] == '-' && p[2] == '-') {
                rbuf_putc(b, ' ');
                p += 3;
            } else {
                rbuf_putc(b, *p++);
            }
        }
        rbuf_fini(&t);
        return;
    }
    struct rbuf t = {0};
    rules_xt_save(&t, xt);
    for (const char *p = t.s ? t.s : ""; *p;) {
        if (p[0] == ' ' && p[1] == '-' && p[2] == '-') {
            rbuf_putc(b, ' ');
            p += 3;
        } else {
            rbuf_putc(b, *p++);
        }
    }
    rbuf_fini(&t);
}

/* policy_mt_check(): --dir in only on the input path, out on output. */
static unsigned
policy_hooks(const struct rules_xt *xt)
{
    const struct policy_info *p = (const void *)xt->data;
    if (p->dir == 1)
        return RH_BIT(RH_PREROUTING) | RH_BIT(RH_INPUT) | RH_BIT(RH_FORWARD);
    return RH_BIT(RH_FORWARD) | RH_BIT(RH_OUTPUT) | RH_BIT(RH_POSTROUTING);
}

static const struct rules_ext ext_policy = {
    .hooks_for = policy_hooks,
    .list = policy_list,
    .name = "policy",
    .size = sizeof(struct policy_info),
    .n_opts = sizeof(policy_opts) / sizeof(policy_opts[0]),
    .opts = policy_opts,
    .final = policy_final,
    .match = policy_match,
};

/* rt: IPv6 routing header. */
struct rt_info {
    uint32_t type;
    struct rules_range segsleft;
    uint32_t len;
};

static int
rt_final(struct rules_ctx *ctx, struct rules_xt *xt,
         const struct rules_rule *r)
{
    struct rt_info *rt = (void *)xt->data;
    (void)ctx;
    (void)r;
    if (rt->segsleft.lo == 0 && rt->segsleft.hi == 0xffffffffu &&
        !(xt->inv & 2))
        xt->seen &= ~2ull;
    return 0;
}

static const struct rules_opt rt_opts[] = {
    {.name = "rt-type", .type = OT_UINT, .alias = -1, .flags = OF_INVERT,
     .max = 255, .off = offsetof(struct rt_info, type)},
    {.name = "rt-segsleft", .type = OT_UINTRANGE, .alias = -1,
     .flags = OF_INVERT, .max = 0xffffffffu,
     .off = offsetof(struct rt_info, segsleft)},
    {.name = "rt-len", .type = OT_UINT, .alias = -1, .flags = OF_INVERT,
     .max = 0xffffffffu, .off = offsetof(struct rt_info, len)},
    {.name = "rt-0-res", .type = OT_NONE, .alias = -1,
     .off = RULES_NOFIELD},
};

static void
rt_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    const struct rt_info *rt = (const void *)xt->data;
    (void)numeric;
    rbuf_puts(b, " rt");
    if (xt->seen & 1)
        rbuf_printf(b, " type:%s%u", (xt->inv & 1) ? "!" : "", rt->type);
    if (xt->seen & 2) {
        rbuf_printf(b, " segsleft%s:%s", rt->segsleft.lo == rt->segsleft.hi
                                             ? ""
                                             : "s",
                    (xt->inv & 2) ? "!" : "");
        if (rt->segsleft.lo == rt->segsleft.hi)
            rbuf_printf(b, "%u", rt->segsleft.lo);
        else
            rbuf_printf(b, "%u:%u", rt->segsleft.lo, rt->segsleft.hi);
    }
    if (xt->seen & 4)
        rbuf_printf(b, " length:%s%u", (xt->inv & 4) ? "!" : "", rt->len);
    if (xt->seen & 8)
        rbuf_puts(b, " reserved");
}

/*
 * ipv6_find_hdr() for an extension header type: *off is its offset
 * from the IPv6 header. -ENOENT when the chain ends first (or a later
 * fragment hides the rest), -EBADMSG when a header is cut short. The
 * bytes are those of the IP packet (ip_len) that were captured.
 */
static int
ip6_find_hdr(const struct ctfw_pkt *p, uint8_t target, uint32_t *off)
{
    if (p->family != 6 || p->l3_off == CTFW_PKT_OFF_NONE)
        return -ENOENT;
    const uint8_t *ip = p->data + p->l3_off;
    uint32_t len = p->caplen - p->l3_off;
    if (p->ip_len < len)
        len = p->ip_len;
    uint8_t nh = p->ip6_nexthdr;
    uint32_t at = 40;
    for (;;) {
        if (nh == target) {
            *off = at;
            return 0;
        }
        /* ipv6_ext_hdr(): hop-by-hop, routing, fragment, AH, none, dst
         * options; NONE or another protocol ends the chain. */
        if (nh != 0 && nh != 43 && nh != 44 && nh != 51 && nh != 60)
            return -ENOENT;
        if (len < at + 2)
            return -EBADMSG;
        uint32_t hl;
        if (nh == 44) {
            if (len < at + 8)
                return -EBADMSG;
            /* A fragment other than the first: the rest is unknown. */
            if (((ip[at + 2] << 8 | ip[at + 3]) & 0xfff8) != 0)
                return -ENOENT;
            hl = 8;
        } else if (nh == 51) {
            hl = ((uint32_t)ip[at + 1] + 2) << 2;
        } else {
            hl = ((uint32_t)ip[at + 1] + 1) << 3;
        }
        nh = ip[at];
        at += hl;
    }
}

/*
 * Evaluation: rt_mt6() of ip6t_rt.c: the routing header's segments left
 * within the range, its length ((hdrlen + 1) * 8) and type as given,
 * each with its "!"; --rt-0-res: the 32-bit reserved word of a type-0
 * header is 0. A packet shorter than the header's length field says
 * does not match; a header that cannot be read drops it (hotdrop).
 */
static bool
rt_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct rt_info *rt = (const void *)xt->data;
    const struct ctfw_pkt *p = &ev->skb->pkt;
    uint32_t off;
    int err = ip6_find_hdr(p, 43, &off);
    if (err) {
        if (err != -ENOENT)
            ev->hotdrop = true;
        return false;
    }
    const uint8_t *h = p->data + p->l3_off + off;
    uint32_t avail = p->caplen - p->l3_off;
    if (avail < off + 4 || p->ip_len < off + 4) {
        ev->hotdrop = true;
        return false;
    }
    uint32_t hdrlen = ((uint32_t)h[1] + 1) << 3;
    if (p->ip_len - off < hdrlen)
        return false;
    uint32_t segsleft = h[3];
    struct rules_range sl = rt->segsleft;
    if (!(xt->seen & 2)) {
        sl.lo = 0;
        sl.hi = 0xffffffffu;
    }
    bool ok = (segsleft >= sl.lo && segsleft <= sl.hi) != !!(xt->inv & 2);
    if (ok && (xt->seen & 4))
        ok = (rt->len == hdrlen) != !!(xt->inv & 4);
    if (ok && (xt->seen & 1))
        ok = (rt->type == h[2]) != !!(xt->inv & 1);
    if (ok && (xt->seen & 8)) {
        if (avail < off + 8) {
            /* skb_header_pointer() failing here is dereferenced
             * unchecked in the kernel; a short capture cannot tell. */
            return false;
        }
        ok = !h[4] && !h[5] && !h[6] && !h[7];
    }
    return ok;
}

static const struct rules_ext ext_rt = {
    .list = rt_list,
    .name = "rt",
    .family = 6,
    .size = sizeof(struct rt_info),
    .n_opts = sizeof(rt_opts) / sizeof(rt_opts[0]),
    .opts = rt_opts,
    .final = rt_final,
    .match = rt_match,
};

/* rpfilter: raw and mangle PREROUTING only. */
static const struct rules_opt rpfilter_opts[] = {
    {.name = "loose", .type = OT_NONE, .alias = -1, .off = RULES_NOFIELD},
    {.name = "validmark", .type = OT_NONE, .alias = -1,
     .off = RULES_NOFIELD},
    {.name = "accept-local", .type = OT_NONE, .alias = -1,
     .off = RULES_NOFIELD},
    {.name = "invert", .type = OT_NONE, .alias = -1, .off = RULES_NOFIELD},
};

#define RPF_LOOSE 0x1
#define RPF_VALIDMARK 0x2
#define RPF_ACCEPT_LOCAL 0x4
#define RPF_INVERT 0x8

/*
 * Evaluation: rpfilter_mt() of ipt_rpfilter.c / ip6t_rpfilter.c, the
 * reverse-path lookup answered by the host model (routes and local
 * addresses; no policy routing, so --validmark changes nothing).
 * Packets that came in on lo match. IPv4: a source 0.0.0.0 towards
 * 255.255.255.255 or 224.0.0.0/24 matches; otherwise the route to the
 * source is looked up: none, or a broadcast route (a subnet broadcast
 * address of the host), fails; a local address (the local table,
 * 127/8 included) needs --accept-local and then, like a unicast route,
 * its route's device (the interface holding the address) must be the
 * packet's input interface, unless --loose (fib_info_nh_uses_dev()).
 * IPv6: a source :: matches; a link-local source is looked up on the
 * input interface itself (RT6_LOOKUP_F_IFACE) and a multicast one finds
 * that interface's ff00::/8 route, so both match; a local source is
 * RTF_LOCAL: --accept-local alone decides; else as IPv4. Not
 * modelled: subnet-router anycast sources (RTF_ANYCAST fails) and
 * reject routes. Without a host model nothing is known: no match.
 */
static bool
rpfilter_lookup(const struct ctfw_host *h, const struct ctfw_skb *skb,
                unsigned flags)
{
    const struct ctfw_pkt *p = &skb->pkt;
    const union ctfw_addr *sa = &p->src;
    if (p->family == 6) {
        if ((sa->b[0] == 0xfe && (sa->b[1] & 0xc0) == 0x80) ||
            sa->b[0] == 0xff)
            return true;
        static const uint8_t lo6[16] = {[15] = 1};
        if (ctfw_host_is_local(h, 6, sa) || !memcmp(sa->b, lo6, 16))
            return flags & RPF_ACCEPT_LOCAL;
    } else {
        /* RTN_LOCAL: its route's device is the interface holding the
         * address (lo for 127/8, which came in on lo or not at all). */
        if (sa->b[0] == 127 || ctfw_host_is_local(h, 4, sa)) {
            if (!(flags & RPF_ACCEPT_LOCAL))
                return false;
            return (sa->b[0] != 127 &&
                    ctfw_host_addrtype(h, 4, sa, skb->in_ifindex) ==
                        CTFW_ADDRTYPE_LOCAL) ||
                   (flags & RPF_LOOSE);
        }
        if (sa->b[0] != 0 && !(sa->b[0] == 255 && sa->b[1] == 255 &&
                               sa->b[2] == 255 && sa->b[3] == 255) &&
            ctfw_host_addrtype(h, 4, sa, 0) == CTFW_ADDRTYPE_BROADCAST)
            return false;
    }
    unsigned oif = ctfw_host_route(h, p->family, sa);
    if (!oif)
        return false;
    return oif == skb->in_ifindex || (flags & RPF_LOOSE);
}

static bool
rpfilter_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    const struct ctfw_skb *skb = ev->skb;
    const struct ctfw_host *h = ev->env ? ev->env->host : NULL;
    unsigned flags = (unsigned)xt->seen & 0xf;
    bool invert = flags & RPF_INVERT;
    if (skb->in_ifindex == 1 || (skb->in_name && !strcmp(skb->in_name, "lo")))
        return !invert;
    const struct ctfw_pkt *p = &skb->pkt;
    static const uint8_t any6[16];
    if (p->family == 6 && !memcmp(p->src.b, any6, 16))
        return !invert;
    if (p->family == 4 && p->src.b[0] == 0) {
        const uint8_t *d = p->dst.b;
        if ((d[0] == 255 && d[1] == 255 && d[2] == 255 && d[3] == 255) ||
            (d[0] == 224 && d[1] == 0 && d[2] == 0))
            return !invert;
    }
    if (!h)
        return false;
    return rpfilter_lookup(h, skb, flags) != invert;
}

static const struct rules_ext ext_rpfilter = {
    .name = "rpfilter",
    .size = 4,
    .n_opts = sizeof(rpfilter_opts) / sizeof(rpfilter_opts[0]),
    .opts = rpfilter_opts,
    .tables = RT_BIT(RT_RAW) | RT_BIT(RT_MANGLE),
    .hooks = RH_BIT(RH_PREROUTING),
    .match = rpfilter_match,
};

struct physdev_info {
    char in[16], out[16];
};

static int
physdev_final(struct rules_ctx *ctx, struct rules_xt *xt,
              const struct rules_rule *r)
{
    (void)r;
    if (!xt->seen) {
        rules_err(ctx, ctx->cur, CTFW_RULES_EXIT_PARAM,
                  "PHYSDEV: no physdev option specified");
        return -1;
    }
    return 0;
}

/* Save order of libxt_physdev: is-in, in, is-out, out, is-bridged. */
static const struct rules_opt physdev_opts[] = {
    {.name = "physdev-is-in", .type = OT_NONE, .alias = -1,
     .flags = OF_INVERT, .off = RULES_NOFIELD},
    {.name = "physdev-in", .type = OT_STRING, .alias = -1,
     .flags = OF_INVERT | OF_IFNAME, .max = 15,
     .off = offsetof(struct physdev_info, in)},
    {.name = "physdev-is-out", .type = OT_NONE, .alias = -1,
     .flags = OF_INVERT, .off = RULES_NOFIELD},
    {.name = "physdev-out", .type = OT_STRING, .alias = -1,
     .flags = OF_INVERT | OF_IFNAME, .max = 15,
     .off = offsetof(struct physdev_info, out)},
    {.name = "physdev-is-bridged", .type = OT_NONE, .alias = -1,
     .flags = OF_INVERT, .off = RULES_NOFIELD},
};

/* Evaluation: physdev_mt() of xt_physdev.c for a packet that did not
 * cross a bridge (ctfw models none): it matches only when every option
 * given is negated. */
static bool
physdev_match(const struct rules_xt *xt, struct rules_eval *ev)
{
    (void)ev;
    return (xt->seen & ~xt->inv) == 0;
}

static void
physdev_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    (void)numeric;
    rbuf_puts(b, " PHYSDEV match");
    rules_xt_save(b, xt);
}

/* physdev_mt_check(): an output device test in OUTPUT needs a
 * non-inverted --physdev-is-bridged. Option bits: 0 is-in, 1 in,
 * 2 is-out, 3 out, 4 is-bridged. */
static unsigned
physdev_hooks(const struct rules_xt *xt)
{
    bool out = xt->seen & ((1ull << 2) | (1ull << 3));
    bool bridged = (xt->seen & (1ull << 4)) && !(xt->inv & (1ull << 4));
    if (!out || bridged)
        return 0;
    return RH_BIT(RH_PREROUTING) | RH_BIT(RH_INPUT) | RH_BIT(RH_FORWARD) |
           RH_BIT(RH_POSTROUTING);
}

static const struct rules_ext ext_physdev = {
    .hooks_for = physdev_hooks,
    .list = physdev_list,
    .name = "physdev",
    .size = sizeof(struct physdev_info),
    .n_opts = sizeof(physdev_opts) / sizeof(physdev_opts[0]),
    .opts = physdev_opts,
    .final = physdev_final,
    .match = physdev_match,
};

/* TRACE only flags the packet for nf_trace output: CONTINUE. */
static int
trace_action(const struct rules_xt *xt, struct rules_eval *ev)
{
    (void)xt;
    (void)ev;
    return RULES_XT_CONTINUE;
}

static void
trace_list(struct rbuf *b, const struct rules_xt *xt, bool numeric)
{
    (void)b;
    (void)xt;
    (void)numeric;
}

/* TRACE: iptables-nft 1.8.9 accepts it in every table (nftrace). */
static const struct rules_ext ext_TRACE = {
    .list = trace_list,
    .name = "TRACE",
    .target = true,
    .size = 4,
    .action = trace_action,
};

const struct rules_ext *const rules_ext_more[] = {
    &ext_sctp, &ext_policy, &ext_rt, &ext_rpfilter, &ext_physdev,
    &ext_TRACE, NULL,
};
