// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IPv4 reassembly (defrag.h): ip_defrag() / ip_frag_queue() /
 * inet_frag_queue_insert() / ip_frag_reasm() of net/ipv4/ip_fragment.c
 * and net/ipv4/inet_fragment.c, on the replay clock.
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
    uint16_t ihl;
};

struct ctfw_defrag_queue {
    struct ctfw_defrag_queue *next;
    uint32_t saddr, daddr;
    uint16_t id;
    uint8_t proto;
    uint16_t zone;
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

void
ctfw_defrag_advance(struct ctfw_defrag *d, uint64_t now_ns)
{
    struct ctfw_defrag_queue **pp = &d->head;
    while (*pp) {
        struct ctfw_defrag_queue *q = *pp;
        if (now_ns >= q->expires_ns) {
            /* ip_expire(): the queue goes (an ICMP time exceeded is sent
             * when the first fragment arrived; not modelled). */
            *pp = q->next;
            d->st.expired++;
            d->st.frags_dropped += q->n;
            queue_free(d, q);
        } else {
            pp = &q->next;
        }
    }
}

static uint32_t
addr4(const union ctfw_addr *a)
{
    uint32_t v;
    memcpy(&v, a->b, 4);
    return v;
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

enum ctfw_defrag_result
ctfw_defrag_add(struct ctfw_defrag *d, const struct ctfw_pkt *pkt,
                uint16_t zone, uint64_t now_ns, uint8_t *out, size_t outsz,
                size_t *outlen, struct ctfw_defrag_queue **done)
{
    *done = NULL;
    *outlen = 0;
    if (pkt->family != 4 || pkt->frag == CTFW_PKT_FRAG_NONE ||
        pkt->l3_off == CTFW_PKT_OFF_NONE || !(pkt->has & CTFW_PKT_HAS_IP))
        return CTFW_DEFRAG_PASS;
    /* All of it must be there to be reassembled: a capture cut by the
     * snap length goes on as it is. */
    if ((uint64_t)pkt->l3_off + pkt->ip_len > pkt->caplen ||
        pkt->ip_hlen < 20 || pkt->ip_len < pkt->ip_hlen)
        return CTFW_DEFRAG_PASS;
    ctfw_defrag_advance(d, now_ns);

    uint32_t saddr = addr4(&pkt->src), daddr = addr4(&pkt->dst);
    struct ctfw_defrag_queue *q = d->head;
    while (q && !(q->saddr == saddr && q->daddr == daddr &&
                  q->id == pkt->ip_id && q->proto == pkt->proto &&
                  q->zone == zone))
        q = q->next;
    size_t charge = pkt->ip_len + FRAG_OVERHEAD;
    if (d->st.mem + charge > d->p.mem_limit) {
        /* Over ipfrag_high_thresh: inet_frag_find() refuses. */
        d->st.nomem++;
        return CTFW_DEFRAG_DROP;
    }
    if (!q) {
        if (d->st.queues >= d->p.max_queues) {
            d->st.nomem++;
            return CTFW_DEFRAG_DROP;
        }
        q = calloc(1, sizeof(*q));
        if (!q) {
            d->st.nomem++;
            return CTFW_DEFRAG_DROP;
        }
        q->saddr = saddr;
        q->daddr = daddr;
        q->id = pkt->ip_id;
        q->proto = pkt->proto;
        q->zone = zone;
        q->expires_ns = now_ns + d->p.timeout_ns;
        q->next = d->head;
        d->head = q;
        d->st.queues++;
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

    size_t pos;
    switch (queue_insert(q, offset, end, &pos)) {
    case INS_DUP:
        d->st.dup++;
        return CTFW_DEFRAG_DROP;
    case INS_OVERLAP:
        d->st.overlap++;
        queue_kill(d, q);
        return CTFW_DEFRAG_DROP;
    case INS_NOMEM:
        d->st.nomem++;
        return CTFW_DEFRAG_DROP;
    case INS_OK:
        break;
    }
    struct frag *f = &q->f[pos];
    f->ip = malloc(pkt->ip_len);
    if (!f->ip) {
        memmove(&q->f[pos], &q->f[pos + 1], (q->n - pos - 1) * sizeof(*f));
        q->n--;
        d->st.nomem++;
        return CTFW_DEFRAG_DROP;
    }
    memcpy(f->ip, pkt->data + pkt->l3_off, pkt->ip_len);
    f->len = pkt->ip_len;
    f->offset = offset;
    f->end = end;
    f->ihl = (uint16_t)ihl;
    q->meat += end - offset;
    q->mem += charge;
    d->st.mem += charge;
    if (offset == 0)
        q->first_in = true;

    if (q->first_in && q->last_in && q->meat == q->len) {
        size_t n = reasm(q, out, outsz);
        if (!n) {
            d->st.bad++;
            queue_kill(d, q);
            return CTFW_DEFRAG_DROP;
        }
        for (struct ctfw_defrag_queue **pp = &d->head; *pp;
             pp = &(*pp)->next)
            if (*pp == q) {
                *pp = q->next;
                break;
            }
        q->next = NULL;
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
