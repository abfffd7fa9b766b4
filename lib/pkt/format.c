// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One line per decoded packet, the format of `ctfw decode`. The grammar
 * is specified in docs/decode-format.md; keep the two in step. Tokens are
 * separated by single spaces and every value follows its keyword, so the
 * line can be split on spaces (bracketed groups excepted) and read back
 * by a test.
 */
#include <stdarg.h>
#include <stdio.h>

#include "pkt_private.h"

/* An append-only view of the caller's buffer, counting as snprintf. */
struct line {
    char *buf;
    size_t len;
    size_t need;
};

__attribute__((format(printf, 2, 3))) static void
put(struct line *l, const char *fmt, ...)
{
    va_list ap;
    char *at = l->need < l->len ? l->buf + l->need : NULL;
    size_t room = l->need < l->len ? l->len - l->need : 0;

    va_start(ap, fmt);
    int n = vsnprintf(at, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->need += (size_t)n;
}

/*
 * IPv6 text form of RFC 5952: lower-case hex without leading zeros, the
 * longest run (first on a tie) of two or more zero groups as "::", and
 * IPv4-mapped addresses with a dotted quad (section 5).
 */
static void
put_ip6(struct line *l, const uint8_t *a)
{
    uint16_t g[8];
    int best = -1, best_len = 1;

    for (int i = 0; i < 8; i++)
        g[i] = pkt_rd16(a + 2 * i);
    for (int i = 0; i < 8;) {
        if (g[i]) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && !g[j])
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    if (best == 0 && best_len == 5 && g[5] == 0xffff) {
        put(l, "::ffff:%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
        return;
    }
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            put(l, "::");
            i += best_len - 1;
            continue;
        }
        put(l, "%s%x", i && i != best + best_len ? ":" : "", g[i]);
    }
}

static void
put_addr(struct line *l, int family, const union ctfw_addr *a, bool port,
         uint16_t p)
{
    if (family == 4) {
        put(l, "%u.%u.%u.%u", a->b[0], a->b[1], a->b[2], a->b[3]);
        if (port)
            put(l, ":%u", p);
        return;
    }
    if (port)
        put(l, "[");
    put_ip6(l, a->b);
    if (port)
        put(l, "]:%u", p);
}

static const char *
proto_name(uint8_t proto, int family)
{
    switch (proto) {
    case PKT_IPPROTO_TCP:
        return "tcp";
    case PKT_IPPROTO_UDP:
        return "udp";
    case PKT_IPPROTO_UDPLITE:
        return "udplite";
    case PKT_IPPROTO_ICMP:
        return family == 4 ? "icmp" : NULL;
    case PKT_IPPROTO_ICMPV6:
        return family == 6 ? "icmp6" : NULL;
    case PKT_IPPROTO_SCTP:
        return "sctp";
    case PKT_IPPROTO_DCCP:
        return "dccp";
    case PKT_IPPROTO_GRE:
        return "gre";
    case PKT_IPPROTO_ESP:
        return "esp";
    case PKT_IPPROTO_AH:
        return "ah";
    default:
        return NULL;
    }
}

static void
put_proto(struct line *l, uint8_t proto, int family)
{
    const char *name = proto_name(proto, family);
    if (name)
        put(l, " %s", name);
    else
        put(l, " proto %u", proto);
}

static bool
has_ports(uint8_t proto)
{
    return proto == PKT_IPPROTO_TCP || proto == PKT_IPPROTO_UDP ||
           proto == PKT_IPPROTO_UDPLITE || proto == PKT_IPPROTO_SCTP ||
           proto == PKT_IPPROTO_DCCP;
}

/* Flags in tcpdump's letters and order; "none" when no bit is set. */
static void
put_tcp_flags(struct line *l, uint8_t f)
{
    static const struct {
        uint8_t bit;
        char c;
    } letters[] = {
        {CTFW_TCP_FIN, 'F'}, {CTFW_TCP_SYN, 'S'}, {CTFW_TCP_RST, 'R'},
        {CTFW_TCP_PSH, 'P'}, {CTFW_TCP_ACK, '.'}, {CTFW_TCP_URG, 'U'},
        {CTFW_TCP_ECE, 'E'}, {CTFW_TCP_CWR, 'W'},
    };
    put(l, " [");
    if (!f)
        put(l, "none");
    for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
        if (f & letters[i].bit)
            put(l, "%c", letters[i].c);
    put(l, "]");
}

static void
put_tcp_opts(struct line *l, const struct ctfw_tcp_opts *o)
{
    const char *sep = "";

    if (!o->mss && o->wscale < 0 && !o->sack_perm && !o->has_ts && !o->n_sack)
        return;
    put(l, " opts [");
    if (o->mss) {
        put(l, "mss %u", o->mss);
        sep = ",";
    }
    if (o->wscale >= 0) {
        put(l, "%swscale %d", sep, o->wscale);
        sep = ",";
    }
    if (o->sack_perm) {
        put(l, "%ssackOK", sep);
        sep = ",";
    }
    if (o->has_ts) {
        put(l, "%sts %u %u", sep, o->ts_val, o->ts_ecr);
        sep = ",";
    }
    if (o->n_sack) {
        put(l, "%ssack", sep);
        for (int i = 0; i < o->n_sack && i < 4; i++)
            put(l, " %u-%u", o->sack[i][0], o->sack[i][1]);
    }
    put(l, "]");
}

static void
put_inner(struct line *l, const struct ctfw_pkt *pkt)
{
    const struct ctfw_pkt_inner *in = &pkt->inner;
    bool ports = in->has_ports && has_ports(in->proto);

    put(l, " inner [IPv%u ", in->family);
    put_addr(l, in->family, &in->src, ports, in->sport);
    put(l, " > ");
    put_addr(l, in->family, &in->dst, ports, in->dport);
    put_proto(l, in->proto, in->family);
    if (in->has_ports && in->proto == PKT_IPPROTO_TCP)
        put(l, " seq %u", in->tcp_seq);
    if (in->has_ports && !has_ports(in->proto))
        put(l, " type %u code %u id %u", in->icmp_type, in->icmp_code,
            in->sport);
    put(l, " iplen %u]", in->ip_len);
}

/* The messages whose id and sequence the decoder stores (see l4.c). */
static bool
icmp_has_id(int family, uint8_t type)
{
    if (family == 6)
        return type == 128 || type == 129;
    return type == 0 || type == 8 || (type >= 13 && type <= 18);
}

static void
put_l4(struct line *l, const struct ctfw_pkt *pkt)
{
    bool l4 = pkt->has & CTFW_PKT_HAS_L4;

    put_proto(l, pkt->proto, pkt->family);
    if (!l4)
        return;
    switch (pkt->proto) {
    case PKT_IPPROTO_TCP:
        put_tcp_flags(l, pkt->tcp_flags);
        put(l, " seq %u ack %u win %u", pkt->tcp_seq, pkt->tcp_ack,
            pkt->tcp_win);
        if (pkt->has & CTFW_PKT_HAS_TCPOPT)
            put_tcp_opts(l, &pkt->tcp_opts);
        break;
    case PKT_IPPROTO_UDP:
        put(l, " ulen %u", pkt->udp_len);
        break;
    case PKT_IPPROTO_UDPLITE:
        put(l, " cov %u", pkt->udp_len);
        break;
    case PKT_IPPROTO_ICMP:
    case PKT_IPPROTO_ICMPV6:
        put(l, " type %u code %u", pkt->icmp_type, pkt->icmp_code);
        if (icmp_has_id(pkt->family, pkt->icmp_type))
            put(l, " id %u seq %u", pkt->icmp_id, pkt->icmp_seq);
        if (pkt->has & CTFW_PKT_HAS_INNER)
            put_inner(l, pkt);
        break;
    case PKT_IPPROTO_GRE:
        put(l, " proto 0x%04x", pkt->gre_proto);
        break;
    default:
        break;
    }
    if (pkt->payload_off != CTFW_PKT_OFF_NONE)
        put(l, " len %u", pkt->payload_len);
}

static void
put_ip_tail(struct line *l, const struct ctfw_pkt *pkt)
{
    static const char *const ext_names[] = {"hbh", "rt", "frag", "dst", "ah"};

    put(l, " ttl %u", pkt->ttl);
    if (pkt->tos)
        put(l, " tos 0x%02x", pkt->tos);
    if (pkt->family == 4) {
        put(l, " id %u", pkt->ip_id);
        if (pkt->ip_df)
            put(l, " df");
    } else {
        if (pkt->ip6_flow)
            put(l, " flow 0x%05x", pkt->ip6_flow);
        put(l, " nh %u", pkt->ip6_nexthdr);
        if (pkt->ip6_ext_mask) {
            const char *sep = " ext ";
            for (unsigned i = 0; i < 5; i++) {
                if (pkt->ip6_ext_mask & (1u << i)) {
                    put(l, "%s%s", sep, ext_names[i]);
                    sep = ",";
                }
            }
        }
        if (pkt->ip6_ext_mask & PKT_EXT_FRAG)
            put(l, " id %u", pkt->ip6_frag_id);
    }
    put(l, " iplen %u", pkt->ip_len);
    if (pkt->ip_hlen && pkt->ip_hlen != (pkt->family == 4 ? 20 : 40))
        put(l, " hlen %u", pkt->ip_hlen);
    if (pkt->frag != CTFW_PKT_FRAG_NONE)
        put(l, " frag %s off %u%s",
            pkt->frag == CTFW_PKT_FRAG_FIRST ? "first" : "later",
            pkt->frag_off, pkt->frag_mf ? " mf" : "");
}

static void
put_link(struct line *l, const struct ctfw_pkt *pkt)
{
    static const char *const sll_dir[] = {"in", "bcast", "mcast", "otherhost",
                                          "out"};

    switch (pkt->linktype) {
    case CTFW_LINKTYPE_ETHERNET:
        put(l, "eth");
        break;
    case CTFW_LINKTYPE_LINUX_SLL:
    case CTFW_LINKTYPE_LINUX_SLL2:
        put(l, pkt->linktype == CTFW_LINKTYPE_LINUX_SLL ? "sll" : "sll2");
        if (!(pkt->has & CTFW_PKT_HAS_SLL))
            break;
        if (pkt->linktype == CTFW_LINKTYPE_LINUX_SLL2)
            put(l, " if %u", pkt->sll_ifindex);
        if (pkt->sll_pkttype < 5)
            put(l, " %s", sll_dir[pkt->sll_pkttype]);
        else
            put(l, " pkttype %u", pkt->sll_pkttype);
        break;
    case CTFW_LINKTYPE_RAW_OLD:
    case CTFW_LINKTYPE_RAW:
    case CTFW_LINKTYPE_IPV4:
    case CTFW_LINKTYPE_IPV6:
        put(l, "raw");
        break;
    case CTFW_LINKTYPE_NULL:
        put(l, "null");
        break;
    case CTFW_LINKTYPE_LOOP:
        put(l, "loop");
        break;
    case CTFW_LINKTYPE_PPP:
        put(l, "ppp");
        break;
    case CTFW_LINKTYPE_NFLOG:
        put(l, "nflog");
        break;
    default:
        put(l, "link %u", pkt->linktype);
        return;
    }
    if (pkt->n_vlan) {
        put(l, " vlan %u", pkt->vlan_tci[0] & 0xfffu);
        if (pkt->n_vlan > 1)
            put(l, ",%u", pkt->vlan_tci[1] & 0xfffu);
    }
    if (pkt->has & CTFW_PKT_HAS_PPPOE)
        put(l, " pppoe 0x%04x", pkt->pppoe_sid);
    if (pkt->family)
        return;
    /* No IP: say what was there instead. */
    if (pkt->ppp_proto)
        put(l, " ppp 0x%04x", pkt->ppp_proto);
    else if (pkt->ethertype)
        put(l, " ethertype 0x%04x", pkt->ethertype);
}

int
ctfw_pkt_format(const struct ctfw_pkt *pkt, char *buf, size_t len)
{
    struct line l = {buf, len, 0};

    if (len)
        buf[0] = '\0';
    put_link(&l, pkt);
    if (pkt->family) {
        bool ports = (pkt->has & CTFW_PKT_HAS_L4) && has_ports(pkt->proto);
        put(&l, " IPv%u ", pkt->family);
        put_addr(&l, pkt->family, &pkt->src, ports, pkt->sport);
        put(&l, " > ");
        put_addr(&l, pkt->family, &pkt->dst, ports, pkt->dport);
        put_l4(&l, pkt);
        put_ip_tail(&l, pkt);
    }
    if (pkt->events) {
        const char *sep = " events ";
        for (int e = 0; e < CTFW_PKT_EV_COUNT; e++) {
            if (ctfw_pkt_has_event(pkt, (enum ctfw_pkt_event)e)) {
                put(&l, "%s%s", sep,
                    ctfw_pkt_event_name((enum ctfw_pkt_event)e));
                sep = ",";
            }
        }
    }
    return l.need > (size_t)INT32_MAX ? INT32_MAX : (int)l.need;
}
