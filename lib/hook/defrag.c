// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IPv4 and IPv6 reassembly (defrag.h): ip_defrag() / ip_frag_queue() /
 * ip_frag_reasm() of net/ipv4/ip_fragment.c, nf_ct_frag6_gather() /
 * nf_ct_frag6_queue() / nf_ct_frag6_reasm() of
 * net/ipv6/netfilter/nf_conntrack_reasm.c, and the queue insertion both
 * share (inet_frag_queue_insert() in net/ipv4/inet_fragment.c), on the
 * replay clock.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ctfw/csum.h"
#include "defrag.h"

/* Bytes charged per fragment beyond its IP length (the kernel charges
 * skb->truesize; this stands for the sk_buff around the data). */
#define FRAG_OVERHEAD 256u

struct frag {
    uint8_t *ip;             /* the fragment as it came: header + data */
    uint32_t len;            /* its IP length */
    uint32_t offset, end;    /* data range in the datagram */
    uint16_t ihl;            /* bytes before the data: the IPv4 header;
                                IPv6: up to the end of the fragment
                                header */
};

struct ctfw_defrag_queue {
    struct ctfw_defrag_queue *next;
    union ctfw_addr saddr, daddr;
    uint32_t id;             /* IPv4: 16 bits; IPv6: 32 */
    uint8_t proto;           /* IPv4 only: part of the key */
    uint16_t zone;
    /* IPv6, from the first fragment (fq->nhoffset): where the next
     * header byte before the fragment header is, and what the fragment
     * header says comes next. */
    uint16_t nhoff;
    uint8_t nexthdr;
    uint32_t max_size;       /* IPv6: largest payload length seen
                                (fq->q.max_size, frag_max_size) */
    uint64_t expires_ns;
    bool first_in, last_in;
    uint32_t len;            /* datagram data length known so far */
    uint32_t meat;           /* data bytes held */
    size_t mem;
    struct frag *f;          /* sorted by offset */
    size_t n, cap;
};

struct ctfw_defrag {
    struct ctfw_defrag_params p;
    struct ctfw_defrag_queue *head;
    struct ctfw_defrag_stats st;
};

int
ctfw_defrag_new(const struct ctfw_defrag_params *p, struct ctfw_defrag **out)
{
    struct ctfw_defrag *d = calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->p = *p;
    if (d->p.family != 6)
        d->p.family = 4;
    if (!d->p.mem_limit)
        d->p.mem_limit = CTFW_DEFRAG_MEM_DEFAULT;
    if (!d->p.max_queues)
        d->p.max_queues = CTFW_DEFRAG_QUEUES_DEFAULT;
    *out = d;
    return 0;
}

static void
queue_free(struct ctfw_defrag *d, struct ctfw_defrag_queue *q)
{
    for (size_t i = 0; i < q->n; i++)
        free(q->f[i].ip);
    free(q->f);
    d->st.mem -= q->mem;
    d->st.queues--;
    free(q);
}

/* inet_frag_kill(): unlink and free; the held fragments are dropped. */
static void
queue_kill(struct ctfw_defrag *d, struct ctfw_defrag_queue *q)
{
    for (struct ctfw_defrag_queue **pp = &d->head; *pp; pp = &(*pp)->next)
        if (*pp == q) {
            *pp = q->next;
            break;
        }
    d->st.frags_dropped += q->n;
    queue_free(d, q);
}

void
ctfw_defrag_free(struct ctfw_defrag *d)
{
    if (!d)
        return;
    while (d->head) {
        struct ctfw_defrag_queue *q = d->head;
        d->head = q->next;
        queue_free(d, q);
    }
    free(d);
}

static __attribute__((noinline)) void
defrag_expire(struct ctfw_defrag *d, uint64_t now_ns)
{
    struct ctfw_defrag_queue **pp = &d->head;
    while (*pp) {
        struct ctfw_defrag_queue *q = *pp;
        if (now_ns >= q->expires_ns) {
            /* ip_expire() / nf_ct_frag6_expire(): the queue goes; an
             * ICMP time exceeded may be sent when the first fragment
             * arrived (the caller decides). */
            *pp = q->next;
            if (d->p.on_expire && q->n && q->f[0].offset == 0)
                d->p.on_expire(d->p.opaque, q->f[0].ip, q->f[0].len,
                               q->expires_ns);
            d->st.expired++;
            d->st.frags_dropped += q->n;
            queue_free(d, q);
        } else {
            pp = &q->next;
        }
    }
}

void
ctfw_defrag_advance(struct ctfw_defrag *d, uint64_t now_ns)
{
    /* Called for every packet: nothing held is the usual case, and
     * costs no register saves (the walk is out of line). */
    if (d->head)
        defrag_expire(d, now_ns);
}

static size_t
addr_len(uint8_t family)
{
    return family == 6 ? 16 : 4;
}

/* The queue of this key (ip4_frag_match() / ip6frag_obj_cmpfn()). */
static struct ctfw_defrag_queue *
queue_find(struct ctfw_defrag *d, const struct ctfw_pkt *pkt, uint32_t id,
           uint8_t proto, uint16_t zone)
{
    size_t al = addr_len(d->p.family);
    struct ctfw_defrag_queue *q = d->head;
    while (q && !(q->id == id && q->proto == proto && q->zone == zone &&
                  !memcmp(q->saddr.b, pkt->src.b, al) &&
                  !memcmp(q->daddr.b, pkt->dst.b, al)))
        q = q->next;
    return q;
}

/* inet_frag_find(): a new queue unless over the memory bound. */
static struct ctfw_defrag_queue *
queue_create(struct ctfw_defrag *d, const struct ctfw_pkt *pkt, uint32_t id,
             uint8_t proto, uint16_t zone, uint64_t now_ns)
{
    if (d->st.queues >= d->p.max_queues)
        return NULL;
    struct ctfw_defrag_queue *q = calloc(1, sizeof(*q));
    if (!q)
        return NULL;
    q->saddr = pkt->src;
    q->daddr = pkt->dst;
    q->id = id;
    q->proto = proto;
    q->zone = zone;
    q->expires_ns = now_ns + d->p.timeout_ns;
    q->next = d->head;
    d->head = q;
    d->st.queues++;
    return q;
}

enum insert_res { INS_OK, INS_DUP, INS_OVERLAP, INS_NOMEM };

/* inet_frag_queue_insert(): a fragment wholly inside a run of data
 * already held is a duplicate; any other overlap kills the queue. */
static enum insert_res
queue_insert(struct ctfw_defrag_queue *q, uint32_t offset, uint32_t end,
             size_t *pos)
{
    size_t i = 0;
    while (i < q->n && q->f[i].offset < offset)
        i++;
    /* Runs of contiguous fragments around the new one. */
    for (size_t a = 0; a < q->n;) {
        size_t b = a;
        while (b + 1 < q->n && q->f[b + 1].offset == q->f[b].end)
            b++;
        uint32_t rs = q->f[a].offset, re = q->f[b].end;
        if (end > rs && offset < re) {
            if (offset >= rs && end <= re)
                return INS_DUP;
            return INS_OVERLAP;
        }
        a = b + 1;
    }
    if (q->n == q->cap) {
        size_t nc = q->cap ? q->cap * 2 : 4;
        struct frag *nf = realloc(q->f, nc * sizeof(*nf));
        if (!nf)
            return INS_NOMEM;
        q->f = nf;
        q->cap = nc;
    }
    memmove(&q->f[i + 1], &q->f[i], (q->n - i) * sizeof(*q->f));
    q->n++;
    *pos = i;
    return INS_OK;
}

/* ip_frag_reasm(): the first fragment's header, then the data in
 * order; no more fragments, total length and checksum set anew. */
static size_t
reasm(const struct ctfw_defrag_queue *q, uint8_t *out, size_t outsz)
{
    const struct frag *first = &q->f[0];
    size_t total = (size_t)first->ihl + q->len;
    if (total > 65535 || total > outsz)
        return 0;
    memcpy(out, first->ip, first->ihl);
    for (size_t i = 0; i < q->n; i++)
        memcpy(out + first->ihl + q->f[i].offset,
               q->f[i].ip + q->f[i].ihl, q->f[i].end - q->f[i].offset);
    out[2] = (uint8_t)(total >> 8);
    out[3] = (uint8_t)total;
    out[6] = 0;
    out[7] = 0;
    out[10] = 0;
    out[11] = 0;
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < first->ihl; i += 2)
        sum += (uint32_t)(out[i] << 8 | out[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t c = (uint16_t)~sum;
    out[10] = (uint8_t)(c >> 8);
    out[11] = (uint8_t)c;
    return total;
}

/* Keep the fragment (offset..end of data, hl bytes of header before
 * it) in q at pos, which queue_insert() made room for. */
static bool
queue_store(struct ctfw_defrag *d, struct ctfw_defrag_queue *q, size_t pos,
            const struct ctfw_pkt *pkt, uint32_t offset, uint32_t end,
            uint32_t hl)
{
    size_t charge = pkt->ip_len + FRAG_OVERHEAD;
    struct frag *f = &q->f[pos];
    f->ip = malloc(pkt->ip_len);
    if (!f->ip) {
        memmove(&q->f[pos], &q->f[pos + 1], (q->n - pos - 1) * sizeof(*f));
        q->n--;
        return false;
    }
    memcpy(f->ip, pkt->data + pkt->l3_off, pkt->ip_len);
    f->len = pkt->ip_len;
    f->offset = offset;
    f->end = end;
    f->ihl = (uint16_t)hl;
    q->meat += end - offset;
    q->mem += charge;
    d->st.mem += charge;
    if (offset == 0)
        q->first_in = true;
    return true;
}

/* Both families: place the fragment and keep it; false when it is
 * dropped instead. A duplicate is dropped quietly ("no error for
 * duplicates, pretend they got queued"); any other overlap kills the
 * whole queue (IPv4 since 4.19 as IPv6 by RFC 5722); no memory. */
static bool
queue_add(struct ctfw_defrag *d, struct ctfw_defrag_queue *q,
          const struct ctfw_pkt *pkt, uint32_t offset, uint32_t end,
          uint32_t hl)
{
    size_t pos;
    switch (queue_insert(q, offset, end, &pos)) {
    case INS_DUP:
        d->st.dup++;
        return false;
    case INS_OVERLAP:
        d->st.overlap++;
        queue_kill(d, q);
        return false;
    case INS_NOMEM:
        d->st.nomem++;
        return false;
    case INS_OK:
        break;
    }
    if (!queue_store(d, q, pos, pkt, offset, end, hl)) {
        d->st.nomem++;
        return false;
    }
    return true;
}

/* Take the completed queue off the list: the caller owns it. */
static void
queue_unlink(struct ctfw_defrag *d, struct ctfw_defrag_queue *q)
{
    for (struct ctfw_defrag_queue **pp = &d->head; *pp; pp = &(*pp)->next)
        if (*pp == q) {
            *pp = q->next;
            break;
        }
    q->next = NULL;
}

static enum ctfw_defrag_result
add4(struct ctfw_defrag *d, const struct ctfw_pkt *pkt, uint16_t zone,
     uint64_t now_ns, uint8_t *out, size_t outsz, size_t *outlen,
     struct ctfw_defrag_queue **done)
{
    if (pkt->frag == CTFW_PKT_FRAG_NONE || pkt->ip_hlen < 20 ||
        pkt->ip_len < pkt->ip_hlen)
        return CTFW_DEFRAG_PASS;

    struct ctfw_defrag_queue *q =
        queue_find(d, pkt, pkt->ip_id, pkt->proto, zone);
    size_t charge = pkt->ip_len + FRAG_OVERHEAD;
    if (d->st.mem + charge > d->p.mem_limit) {
        /* Over ipfrag_high_thresh: inet_frag_find() refuses. */
        d->st.nomem++;
        return CTFW_DEFRAG_DROP;
    }
    if (!q)
        q = queue_create(d, pkt, pkt->ip_id, pkt->proto, zone, now_ns);
    if (!q) {
        d->st.nomem++;
        return CTFW_DEFRAG_DROP;
    }

    uint32_t offset = pkt->frag_off;
    uint32_t ihl = pkt->ip_hlen;
    uint32_t end = offset + pkt->ip_len - ihl;
    if (end > 65535 - ihl) {
        /* ip_frag_queue(): the datagram would be too long. */
        d->st.bad++;
        queue_kill(d, q);
        return CTFW_DEFRAG_DROP;
    }
    if (!pkt->frag_mf) {
        /* The last fragment: bits beyond its end, or another end,
         * mean corruption. */
        if (end < q->len || (q->last_in && end != q->len))
            goto discard_qp;
        q->last_in = true;
        q->len = end;
    } else {
        end &= ~7u;
        if (end > q->len) {
            if (q->last_in)
                goto discard_qp;
            q->len = end;
        }
    }
    if (end == offset)
        goto discard_qp;

    if (!queue_add(d, q, pkt, offset, end, ihl))
        return CTFW_DEFRAG_DROP;

    if (q->first_in && q->last_in && q->meat == q->len) {
        size_t n = reasm(q, out, outsz);
        if (!n) {
            d->st.bad++;
            queue_kill(d, q);
            return CTFW_DEFRAG_DROP;
        }
        queue_unlink(d, q);
        d->st.reassembled++;
        *outlen = n;
        *done = q;
        return CTFW_DEFRAG_DONE;
    }
    d->st.held++;
    return CTFW_DEFRAG_HELD;

discard_qp:
    d->st.bad++;
    queue_kill(d, q);
    return CTFW_DEFRAG_DROP;
}

/* ipv6_ext_hdr() without NONE: the headers find_prev_fhdr() walks. */
static bool
ip6_ext(uint8_t nh)
{
    return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60;
}

/* The length of the extension header at ip + off (kind nh), 0 when it
 * does not fit in len bytes. */
static uint32_t
ip6_ext_len(const uint8_t *ip, uint32_t len, uint32_t off, uint8_t nh)
{
    if (off + 2 > len)
        return 0;
    if (nh == 44)
        return 8;
    return nh == 51 ? (ip[off + 1] + 2u) << 2 : (ip[off + 1] + 1u) << 3;
}

/*
 * ipv6frag_thdr_truncated() (include/net/ipv6_frag.h): the first
 * fragment must hold every header up to the upper-layer one and that
 * header's fixed part (RFC 8200 4.5). start is the fragment header.
 */
static bool
ip6_first_truncated(const uint8_t *ip, uint32_t len, uint32_t start)
{
    uint8_t nh = 44;
    uint32_t off = start;
    while (ip6_ext(nh)) {
        uint32_t hl = ip6_ext_len(ip, len, off, nh);
        if (!hl || off + hl > len)
            return false;        /* ipv6_skip_exthdr() < 0 */
        if (nh == 44 && (ip[off + 2] << 8 | ip[off + 3]) & 0xfff8)
            return false;        /* a later fragment: not checked */
        nh = ip[off];
        off += hl;
    }
    switch (nh) {
    case 59:
        return false;            /* NEXTHDR_NONE: ipv6_skip_exthdr() < 0 */
    case 6:
        off += 20;
        break;
    case 17:
        off += 8;
        break;
    case 58:
        off += 8;                /* sizeof(struct icmp6hdr) */
        break;
    default:
        off += 1;
    }
    return off > len;
}

/* nf_ct_frag6_reasm(): the unfragmentable part of the first fragment
 * (IPv6 header and the extension headers before the fragment header),
 * its next header byte set to what the fragment header carried, then
 * the data in order; payload length set anew. */
static size_t
reasm6(const struct ctfw_defrag_queue *q, uint8_t *out, size_t outsz)
{
    const struct frag *first = &q->f[0];
    size_t unfrag = (size_t)first->ihl - 8;
    size_t total = unfrag + q->len;
    if (total - 40 > 65535 || total > outsz)
        return 0;
    memcpy(out, first->ip, unfrag);
    for (size_t i = 0; i < q->n; i++)
        memcpy(out + unfrag + q->f[i].offset,
               q->f[i].ip + q->f[i].ihl, q->f[i].end - q->f[i].offset);
    out[q->nhoff] = q->nexthdr;
    out[4] = (uint8_t)((total - 40) >> 8);
    out[5] = (uint8_t)(total - 40);
    return total;
}

/*
 * nf_ct_frag6_gather() and nf_ct_frag6_queue(). Unlike IPv4: a packet
 * without a fragment header, a jumbogram or a first fragment that does
 * not hold the upper-layer header go on untouched; an atomic fragment
 * (offset 0, no M flag) is "reassembled" on its own, which removes its
 * fragment header; a non-last fragment whose end is not a multiple of 8
 * kills the queue and goes on untouched (-EPROTO, accepted); the
 * "corrupted" cases drop the fragment but keep the queue.
 */
static enum ctfw_defrag_result
add6(struct ctfw_defrag *d, const struct ctfw_pkt *pkt, uint16_t zone,
     uint64_t now_ns, uint8_t *out, size_t outsz, size_t *outlen,
     struct ctfw_defrag_queue **done)
{
    const uint8_t *ip = pkt->data + pkt->l3_off;
    uint32_t len = pkt->ip_len;
    if (len < 40 || (ip[4] == 0 && ip[5] == 0))
        return CTFW_DEFRAG_PASS;     /* jumbo payload: no fragment */

    /* find_prev_fhdr() */
    uint8_t nh = ip[6];
    uint32_t start = 40, prev_nhoff = 6;
    while (nh != 44) {
        if (!ip6_ext(nh))
            return CTFW_DEFRAG_PASS;
        uint32_t hl = ip6_ext_len(ip, len, start, nh);
        if (!hl)
            return CTFW_DEFRAG_PASS;
        prev_nhoff = start;
        nh = ip[start];
        start += hl;
    }
    if (start > len)
        return CTFW_DEFRAG_PASS;
    if (start + 8 > len) {
        /* pskb_may_pull() of the fragment header fails: -ENOMEM. */
        d->st.bad++;
        return CTFW_DEFRAG_DROP;
    }
    uint16_t fo = (uint16_t)(ip[start + 2] << 8 | ip[start + 3]);
    uint32_t id = (uint32_t)ip[start + 4] << 24 | (uint32_t)ip[start + 5] << 16 |
                  (uint32_t)ip[start + 6] << 8 | ip[start + 7];
    if (ip6_first_truncated(ip, len, start))
        return CTFW_DEFRAG_PASS;

    struct ctfw_defrag_queue *q = queue_find(d, pkt, id, 0, zone);
    size_t charge = pkt->ip_len + FRAG_OVERHEAD;
    if (d->st.mem + charge > d->p.mem_limit) {
        /* Over nf_conntrack_frag6_high_thresh: fq_find() fails. */
        d->st.nomem++;
        return CTFW_DEFRAG_DROP;
    }
    if (!q)
        q = queue_create(d, pkt, id, 0, zone, now_ns);
    if (!q) {
        d->st.nomem++;
        return CTFW_DEFRAG_DROP;
    }

    uint32_t payload_len = len - 40;
    uint32_t hl = start + 8;
    uint32_t offset = fo & 0xfff8u;
    uint32_t end = offset + payload_len - (hl - 40);
    if (end > 65535) {
        /* "offset is too large": dropped, the queue stays. */
        d->st.bad++;
        return CTFW_DEFRAG_DROP;
    }
    if (!(fo & 1)) {
        if (end < q->len || (q->last_in && end != q->len))
            goto err;
        q->last_in = true;
        q->len = end;
    } else {
        if (end & 7) {
            /* The queue dies and the fragment goes on as it is. */
            d->st.bad++;
            queue_kill(d, q);
            return CTFW_DEFRAG_PASS;
        }
        if (end > q->len) {
            if (q->last_in)
                goto err;
            q->len = end;
        }
    }
    if (end == offset)
        goto err;

    if (!queue_add(d, q, pkt, offset, end, hl))
        return CTFW_DEFRAG_DROP;
    if (payload_len > q->max_size)
        q->max_size = payload_len;
    if (offset == 0) {
        q->nhoff = (uint16_t)prev_nhoff;
        q->nexthdr = ip[start];
    }

    if (q->first_in && q->last_in && q->meat == q->len) {
        size_t n = reasm6(q, out, outsz);
        if (!n) {
            d->st.bad++;
            queue_kill(d, q);
            return CTFW_DEFRAG_DROP;
        }
        queue_unlink(d, q);
        d->st.reassembled++;
        *outlen = n;
        *done = q;
        return CTFW_DEFRAG_DONE;
    }
    d->st.held++;
    return CTFW_DEFRAG_HELD;

err:
    d->st.bad++;
    return CTFW_DEFRAG_DROP;
}

enum ctfw_defrag_result
ctfw_defrag_add(struct ctfw_defrag *d, const struct ctfw_pkt *pkt,
                uint16_t zone, uint64_t now_ns, uint8_t *out, size_t outsz,
                size_t *outlen, struct ctfw_defrag_queue **done)
{
    *done = NULL;
    *outlen = 0;
    if (pkt->family != d->p.family || pkt->l3_off == CTFW_PKT_OFF_NONE ||
        !(pkt->has & CTFW_PKT_HAS_IP))
        return CTFW_DEFRAG_PASS;
    /* All of it must be there to be reassembled: a capture cut by the
     * snap length goes on as it is. */
    if ((uint64_t)pkt->l3_off + pkt->ip_len > pkt->caplen)
        return CTFW_DEFRAG_PASS;
    ctfw_defrag_advance(d, now_ns);
    if (d->p.family == 6)
        return add6(d, pkt, zone, now_ns, out, outsz, outlen, done);
    return add4(d, pkt, zone, now_ns, out, outsz, outlen, done);
}

uint32_t
ctfw_defrag_max_size(const struct ctfw_defrag_queue *q)
{
    return q->max_size;
}

size_t
ctfw_defrag_nfrags(const struct ctfw_defrag_queue *q)
{
    return q->n;
}

const uint8_t *
ctfw_defrag_frag(const struct ctfw_defrag_queue *q, size_t i, uint32_t *len)
{
    if (i >= q->n)
        return NULL;
    *len = q->f[i].len;
    return q->f[i].ip;
}

void
ctfw_defrag_release(struct ctfw_defrag *d, struct ctfw_defrag_queue *q)
{
    if (q)
        queue_free(d, q);
}

void
ctfw_defrag_stats(const struct ctfw_defrag *d, struct ctfw_defrag_stats *out)
{
    *out = d->st;
}
