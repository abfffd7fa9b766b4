// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The LOG target's kernel line (net/netfilter/nf_log_syslog.c of Linux
 * 6.x: nf_log_dump_packet_common, dump_mac_header, dump_ipv4_packet,
 * dump_ipv6_packet, nf_log_dump_tcp_header / _udp_header), field by
 * field in the kernel's order and spelling, trailing space included:
 *
 *   PREFIX IN=va OUT= MAC=02:00:..:08:00 SRC=10.99.0.2 DST=10.99.0.1
 *   LEN=52 TOS=0x00 PREC=0x00 TTL=64 ID=4660 DF PROTO=TCP SPT=40000
 *   DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0
 *
 * Headers are read from the captured bytes at the offsets the kernel
 * would use (skb_header_pointer() on an skb trimmed to the IP length);
 * what was not captured prints as the kernel prints a short packet
 * ("INCOMPLETE [n bytes]", "TRUNCATED"). TOS, TTL and the mark come from
 * the decoded packet and the skb, so mangle targets that changed them
 * show, as in the kernel.
 *
 * Limits (documented, not guessed): the MAC field needs an Ethernet
 * capture; other link types print "MAC= " as a device without a link
 * header does. --log-uid prints nothing: a capture carries no socket.
 */
#include <stdarg.h>
#include <stdio.h>

#include "eval_private.h"

struct lbuf {
    char *b;
    size_t cap, len; /* len: what the full text needs */
};

static void lb_add(struct lbuf *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
lb_add(struct lbuf *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *dst = m->len < m->cap ? m->b + m->len : NULL;
    size_t room = m->len < m->cap ? m->cap - m->len : 0;
    int n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        m->len += (size_t)n;
}

/* The captured bytes of the IP packet: from the IP header to the end of
 * the IP length, bounded by caplen. skb_len is what skb->len is. */
struct lview {
    const uint8_t *d;
    uint32_t avail;   /* bytes we may read */
    uint32_t skb_len; /* the IP length */
};

/* skb_header_pointer(): n bytes at off, or NULL. */
static const uint8_t *
lv_ptr(const struct lview *v, uint32_t off, uint32_t n)
{
    if (off > v->avail || n > v->avail - off)
        return NULL;
    return v->d + off;
}

static uint16_t
rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static void
hexdump(struct lbuf *m, const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        lb_add(m, "%02X", p[i]);
}

/* nf_log_dump_tcp_header(): 1 when the caller must stop. */
static int
dump_tcp(struct lbuf *m, const struct lview *v, bool fragment, uint32_t off,
         unsigned flags)
{
    lb_add(m, "PROTO=TCP ");
    if (fragment)
        return 0;
    const uint8_t *th = lv_ptr(v, off, 20);
    if (!th) {
        lb_add(m, "INCOMPLETE [%u bytes] ", v->skb_len - off);
        return 1;
    }
    lb_add(m, "SPT=%u DPT=%u ", rd16(th), rd16(th + 2));
    if (flags & RULES_LOG_TCPSEQ)
        lb_add(m, "SEQ=%u ACK=%u ", rd32(th + 4), rd32(th + 8));
    lb_add(m, "WINDOW=%u ", rd16(th + 14));
    /* TCP_RESERVED_BITS (0x0E000000 of the flag word) >> 22; the low
     * bit of that nibble is AE (AccECN). */
    lb_add(m, "RES=0x%02x ", (unsigned)(th[12] & 0x0e) << 2);
    static const struct {
        uint8_t byte, bit;
        const char *name;
    } fl[] = {
        {12, 0x01, "AE"},  {13, 0x80, "CWR"}, {13, 0x40, "ECE"},
        {13, 0x20, "URG"}, {13, 0x10, "ACK"}, {13, 0x08, "PSH"},
        {13, 0x04, "RST"}, {13, 0x02, "SYN"}, {13, 0x01, "FIN"},
    };
    for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
        if (th[fl[i].byte] & fl[i].bit)
            lb_add(m, "%s ", fl[i].name);
    lb_add(m, "URGP=%u ", rd16(th + 18));
    uint32_t doff = (uint32_t)(th[12] >> 4) * 4;
    if ((flags & RULES_LOG_TCPOPT) && doff > 20) {
        const uint8_t *op = lv_ptr(v, off + 20, doff - 20);
        if (!op) {
            lb_add(m, "OPT (TRUNCATED)");
            return 1;
        }
        lb_add(m, "OPT (");
        hexdump(m, op, doff - 20);
        lb_add(m, ") ");
    }
    return 0;
}

/* nf_log_dump_udp_header(). */
static int
dump_udp(struct lbuf *m, const struct lview *v, uint8_t proto, bool fragment,
         uint32_t off)
{
    lb_add(m, proto == 17 ? "PROTO=UDP " : "PROTO=UDPLITE ");
    if (fragment)
        return 0;
    const uint8_t *uh = lv_ptr(v, off, 8);
    if (!uh) {
        lb_add(m, "INCOMPLETE [%u bytes] ", v->skb_len - off);
        return 1;
    }
    lb_add(m, "SPT=%u DPT=%u LEN=%u ", rd16(uh), rd16(uh + 2), rd16(uh + 4));
    return 0;
}

static void
dump_ipv4(struct lbuf *m, const struct lview *v, const struct ctfw_skb *skb,
          uint32_t iphoff, unsigned flags)
{
    const uint8_t *ih = lv_ptr(v, iphoff, 20);
    if (!ih) {
        lb_add(m, "TRUNCATED");
        return;
    }
    bool top = iphoff == 0;
    lb_add(m, "SRC=%u.%u.%u.%u DST=%u.%u.%u.%u ", ih[12], ih[13], ih[14],
           ih[15], ih[16], ih[17], ih[18], ih[19]);
    /* The outer header's TOS and TTL as the mangle targets left them. */
    uint8_t tos = top ? skb->pkt.tos : ih[1];
    uint8_t ttl = top ? skb->pkt.ttl : ih[8];
    lb_add(m, "LEN=%u TOS=0x%02X PREC=0x%02X TTL=%u ID=%u ", rd16(ih + 2),
           tos & 0x1eu, tos & 0xe0u, ttl, rd16(ih + 4));
    uint16_t frag = rd16(ih + 6);
    if (frag & 0x8000)
        lb_add(m, "CE ");
    if (frag & 0x4000)
        lb_add(m, "DF ");
    if (frag & 0x2000)
        lb_add(m, "MF ");
    if (frag & 0x1fff)
        lb_add(m, "FRAG:%u ", frag & 0x1fffu);
    uint32_t ihl = (uint32_t)(ih[0] & 0x0f) * 4;
    if ((flags & RULES_LOG_IPOPT) && ihl > 20) {
        const uint8_t *op = lv_ptr(v, iphoff + 20, ihl - 20);
        if (!op) {
            lb_add(m, "TRUNCATED");
            return;
        }
        lb_add(m, "OPT (");
        hexdump(m, op, ihl - 20);
        lb_add(m, ") ");
    }
    bool fragment = (frag & 0x1fff) != 0;
    uint32_t l4 = iphoff + ihl;
    uint32_t rest = v->skb_len - iphoff - ihl;
    switch (ih[9]) {
    case 6:
        if (dump_tcp(m, v, fragment, l4, flags))
            return;
        break;
    case 17:
    case 136:
        if (dump_udp(m, v, ih[9], fragment, l4))
            return;
        break;
    case 1: {
        /* required_len[] of dump_ipv4_packet(), by ICMP type. */
        static const uint8_t required[19] = {
            [0] = 4,   [3] = 28,  [4] = 28,  [5] = 28,  [8] = 4,   [11] = 28,
            [12] = 28, [13] = 20, [14] = 20, [17] = 12, [18] = 12,
        };
        lb_add(m, "PROTO=ICMP ");
        if (fragment)
            break;
        const uint8_t *ic = lv_ptr(v, l4, 8);
        if (!ic) {
            lb_add(m, "INCOMPLETE [%u bytes] ", rest);
            break;
        }
        lb_add(m, "TYPE=%u CODE=%u ", ic[0], ic[1]);
        if (ic[0] <= 18 && required[ic[0]] && rest < required[ic[0]]) {
            lb_add(m, "INCOMPLETE [%u bytes] ", rest);
            break;
        }
        switch (ic[0]) {
        case 0:
        case 8:
            lb_add(m, "ID=%u SEQ=%u ", rd16(ic + 4), rd16(ic + 6));
            break;
        case 12:
            lb_add(m, "PARAMETER=%u ", ic[4]);
            break;
        case 5:
            lb_add(m, "GATEWAY=%u.%u.%u.%u ", ic[4], ic[5], ic[6], ic[7]);
            /* fallthrough */
        case 3:
        case 4:
        case 11:
            if (top) { /* only recurse once */
                lb_add(m, "[");
                dump_ipv4(m, v, skb, l4 + 8, flags);
                lb_add(m, "] ");
            }
            if (ic[0] == 3 && ic[1] == 4)
                lb_add(m, "MTU=%u ", rd16(ic + 6));
            break;
        }
        break;
    }
    case 51: {
        if (fragment)
            break;
        lb_add(m, "PROTO=AH ");
        const uint8_t *ah = lv_ptr(v, l4, 12);
        if (!ah) {
            lb_add(m, "INCOMPLETE [%u bytes] ", rest);
            break;
        }
        lb_add(m, "SPI=0x%x ", rd32(ah + 4));
        break;
    }
    case 50: {
        lb_add(m, "PROTO=ESP ");
        if (fragment)
            break;
        const uint8_t *eh = lv_ptr(v, l4, 8);
        if (!eh) {
            lb_add(m, "INCOMPLETE [%u bytes] ", rest);
            break;
        }
        lb_add(m, "SPI=0x%x ", rd32(eh));
        break;
    }
    default:
        lb_add(m, "PROTO=%u ", ih[9]);
    }
    if (top && skb->mark)
        lb_add(m, "MARK=0x%x ", skb->mark);
}

static void
print_ip6(struct lbuf *m, const uint8_t *a)
{
    /* %pI6: eight groups of four hex digits, never compressed. */
    for (int i = 0; i < 16; i += 2)
        lb_add(m, "%s%02x%02x", i ? ":" : "", a[i], a[i + 1]);
}

/* nf_ip6_ext_hdr(). */
static bool
ext_hdr(uint8_t h)
{
    return h == 0 || h == 43 || h == 44 || h == 50 || h == 51 || h == 60;
}

static void
dump_ipv6(struct lbuf *m, const struct lview *v, const struct ctfw_skb *skb,
          uint32_t ip6hoff, bool recurse, unsigned flags)
{
    const uint8_t *ih = lv_ptr(v, ip6hoff, 40);
    if (!ih) {
        lb_add(m, "TRUNCATED");
        return;
    }
    lb_add(m, "SRC=");
    print_ip6(m, ih + 8);
    lb_add(m, " DST=");
    print_ip6(m, ih + 24);
    uint32_t w = rd32(ih);
    uint8_t tc = (uint8_t)((w & 0x0ff00000u) >> 20);
    uint8_t hl = ih[7];
    if (recurse) {
        tc = skb->pkt.tos;
        hl = skb->pkt.ttl;
    }
    lb_add(m, " LEN=%u TC=%u HOPLIMIT=%u FLOWLBL=%u ", rd16(ih + 4) + 40u, tc,
           hl, w & 0x000fffffu);
    bool fragment = false;
    uint32_t ptr = ip6hoff + 40, hdrlen = 0;
    uint8_t cur = ih[6];
    bool ipopt = flags & RULES_LOG_IPOPT;
    while (cur != 59 && ext_hdr(cur)) {
        const uint8_t *hp = lv_ptr(v, ptr, 2);
        if (!hp) {
            lb_add(m, "TRUNCATED");
            return;
        }
        if (ipopt)
            lb_add(m, "OPT ( ");
        switch (cur) {
        case 44: {
            lb_add(m, "FRAG:");
            const uint8_t *fh = lv_ptr(v, ptr, 8);
            if (!fh) {
                lb_add(m, "TRUNCATED ");
                return;
            }
            uint16_t fo = rd16(fh + 2);
            lb_add(m, "%u ", fo & 0xfff8u);
            if (fo & 1)
                lb_add(m, "INCOMPLETE ");
            lb_add(m, "ID:%08x ", rd32(fh + 4));
            if (fo & 0xfff8)
                fragment = true;
            hdrlen = 8;
            break;
        }
        case 60:
        case 43:
        case 0:
            if (fragment) {
                if (ipopt)
                    lb_add(m, ")");
                return;
            }
            hdrlen = ((uint32_t)hp[1] + 1) << 3;
            break;
        case 51:
            if (ipopt) {
                lb_add(m, "AH ");
                if (fragment) {
                    lb_add(m, ")");
                    return;
                }
                const uint8_t *ah = lv_ptr(v, ptr, 12);
                if (!ah) {
                    lb_add(m, "INCOMPLETE [%u bytes] )", v->skb_len - ptr);
                    return;
                }
                lb_add(m, "SPI=0x%x ", rd32(ah + 4));
            }
            hdrlen = ((uint32_t)hp[1] + 2) << 2;
            break;
        case 50:
            if (ipopt) {
                lb_add(m, "ESP ");
                if (fragment) {
                    lb_add(m, ")");
                    return;
                }
                const uint8_t *eh = lv_ptr(v, ptr, 8);
                if (!eh) {
                    lb_add(m, "INCOMPLETE [%u bytes] )", v->skb_len - ptr);
                    return;
                }
                lb_add(m, "SPI=0x%x )", rd32(eh));
            }
            return;
        }
        if (ipopt)
            lb_add(m, ") ");
        cur = hp[0];
        ptr += hdrlen;
    }
    switch (cur) {
    case 6:
        if (dump_tcp(m, v, fragment, ptr, flags))
            return;
        break;
    case 17:
    case 136:
        if (dump_udp(m, v, cur, fragment, ptr))
            return;
        break;
    case 58: {
        lb_add(m, "PROTO=ICMPv6 ");
        if (fragment)
            break;
        const uint8_t *ic = lv_ptr(v, ptr, 8);
        if (!ic) {
            lb_add(m, "INCOMPLETE [%u bytes] ", v->skb_len - ptr);
            return;
        }
        lb_add(m, "TYPE=%u CODE=%u ", ic[0], ic[1]);
        switch (ic[0]) {
        case 128:
        case 129:
            lb_add(m, "ID=%u SEQ=%u ", rd16(ic + 4), rd16(ic + 6));
            break;
        case 130:
        case 131:
        case 132:
            break;
        case 4:
            lb_add(m, "POINTER=%08x ", rd32(ic + 4));
            /* fallthrough */
        case 1:
        case 2:
        case 3:
            if (recurse) {
                lb_add(m, "[");
                dump_ipv6(m, v, skb, ptr + 8, false, flags);
                lb_add(m, "] ");
            }
            if (ic[0] == 2)
                lb_add(m, "MTU=%u ", rd32(ic + 4));
            break;
        }
        break;
    }
    default:
        lb_add(m, "PROTO=%u ", cur);
    }
    if (recurse && skb->mark)
        lb_add(m, "MARK=0x%x ", skb->mark);
}

/* dump_mac_header(), for packets that came in on an interface. */
static void
dump_mac(struct lbuf *m, const struct ctfw_pkt *p, unsigned flags)
{
    bool ether = p->linktype == CTFW_LINKTYPE_ETHERNET &&
                 (p->has & CTFW_PKT_HAS_L2) && p->caplen >= 14;
    if ((flags & RULES_LOG_MACDECODE) && ether) {
        /* ARPHRD_ETHER with the MAC header set. */
        lb_add(m,
               "MACSRC=%02x:%02x:%02x:%02x:%02x:%02x "
               "MACDST=%02x:%02x:%02x:%02x:%02x:%02x ",
               p->data[6], p->data[7], p->data[8], p->data[9], p->data[10],
               p->data[11], p->data[0], p->data[1], p->data[2], p->data[3],
               p->data[4], p->data[5]);
        if (p->n_vlan)
            lb_add(m, "VPROTO=%04x VID=%u ", rd16(p->data + 12),
                   p->vlan_tci[0] & 0x0fffu);
        lb_add(m, "MACPROTO=%04x ", p->ethertype);
        return;
    }
    lb_add(m, "MAC=");
    if (ether) {
        /* A VLAN tag is taken off by the driver (skb_vlan_untag) before
         * netfilter sees the packet: the MAC header then ends with the
         * inner ethertype. */
        for (int i = 0; i < 12; i++)
            lb_add(m, "%s%02x", i ? ":" : "", p->data[i]);
        lb_add(m, ":%02x:%02x", p->ethertype >> 8, p->ethertype & 0xff);
    }
    lb_add(m, " ");
}

int
rules_log_format(char *buf, size_t len, const struct ctfw_skb *skb,
                 const char *prefix, unsigned flags)
{
    struct lbuf m = {.b = buf, .cap = len};
    if (len)
        buf[0] = '\0';
    const char *in = skb->in_name ? skb->in_name : "";
    const char *out = skb->out_name ? skb->out_name : "";
    lb_add(&m, "%sIN=%s OUT=%s ", prefix, in, out);
    const struct ctfw_pkt *p = &skb->pkt;
    if (in[0])
        dump_mac(&m, p, flags);
    struct lview v = {.skb_len = p->ip_len};
    if ((p->has & CTFW_PKT_HAS_IP) && p->l3_off != CTFW_PKT_OFF_NONE &&
        p->l3_off <= p->caplen) {
        v.d = p->data + p->l3_off;
        v.avail = p->caplen - p->l3_off;
        if (v.avail > p->ip_len)
            v.avail = p->ip_len;
    }
    if (p->family == 6)
        dump_ipv6(&m, &v, skb, 0, true, flags);
    else
        dump_ipv4(&m, &v, skb, 0, flags);
    return (int)m.len;
}
