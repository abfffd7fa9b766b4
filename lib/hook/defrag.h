/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPv4 reassembly, as nf_defrag_ipv4 (priority -400) does with
 * ip_defrag(), and IPv6 reassembly, as nf_defrag_ipv6 (-400) does with
 * nf_ct_frag6_gather(): private to lib/hook, used by the pipeline when
 * conntrack is on for the family, at PREROUTING and OUTPUT, before the
 * raw table. One instance per family.
 *
 * Queues are keyed as the kernel's ipq (source, destination, protocol,
 * IP id, and the defrag user, which carries the conntrack zone). Each
 * fragment is kept whole (IP header and data) so that the datagram can
 * leave again as its original fragments. Insertion follows
 * inet_frag_queue_insert(): a fragment wholly inside the data already
 * held is a duplicate (that fragment alone is dropped); any other
 * overlap kills the whole queue (RFC 5722 style, as Linux since 4.19).
 * A queue expires net.ipv4.ipfrag_time after its creation; memory is
 * bounded by ipfrag_high_thresh (4 MiB), past which new fragments are
 * dropped, and by a cap on the number of queues.
 *
 * IPv6 (nf_conntrack_reasm.c) differs: queues are keyed by source,
 * destination, the 32-bit fragment id and the zone; the timeout and
 * bound are net.netfilter.nf_conntrack_frag6_timeout (60 s) and
 * _frag6_high_thresh (4 MiB); the reassembled datagram is the first
 * fragment's unfragmentable part (fixed header and the extension
 * headers before the fragment header) followed by the data, the
 * fragment header removed. An atomic fragment (offset 0, no M flag)
 * is such a datagram of one fragment. Error cases keep the queue where
 * nf_ct_frag6_queue() does ("goto err"), a non-last fragment whose end
 * is not a multiple of 8 kills the queue and goes on untouched, and a
 * first fragment without the whole upper-layer header goes on untouched
 * (ipv6frag_thdr_truncated()).
 */
#ifndef CTFW_HOOK_DEFRAG_H
#define CTFW_HOOK_DEFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "ctfw/pkt.h"

#define CTFW_DEFRAG_MEM_DEFAULT (4u * 1024 * 1024)  /* ipfrag_high_thresh */
#define CTFW_DEFRAG_QUEUES_DEFAULT 1024u

struct ctfw_defrag_params {
    uint8_t family;          /* 4 (default) or 6 */
    uint64_t timeout_ns;     /* ipfrag_time, nf_conntrack_frag6_timeout */
    size_t mem_limit;        /* bytes of fragments held; 0: default */
    unsigned max_queues;     /* 0: default */
    /* Called when a queue that holds its first fragment expires, with
     * that fragment (IP header on) and the expiry time: the kernel
     * may answer with an ICMP "fragment reassembly time exceeded"
     * (ip6frag_expire_frag_queue(); ip_expire() for local
     * destinations only). May be NULL. */
    void (*on_expire)(void *opaque, const uint8_t *first, uint32_t len,
                      uint64_t when_ns);
    void *opaque;
};

struct ctfw_defrag_stats {
    uint64_t held;           /* fragments queued (not completing) */
    uint64_t reassembled;    /* datagrams completed */
    uint64_t dup;            /* duplicate fragments dropped */
    uint64_t overlap;        /* queues killed by an overlap */
    uint64_t bad;            /* impossible fragments dropped */
    uint64_t nomem;          /* fragments refused: memory/queue bound */
    uint64_t expired;        /* queues expired incomplete */
    uint64_t frags_dropped;  /* held fragments dropped with their queue
                                (overlap, expiry, bad); the fragment
                                that killed the queue is not one */
    uint64_t queues;         /* queues now */
    uint64_t mem;            /* bytes held now */
};

enum ctfw_defrag_result {
    CTFW_DEFRAG_PASS,        /* not a fragment, or cannot be reassembled
                                (not all captured): goes on as it is */
    CTFW_DEFRAG_HELD,        /* queued (NF_STOLEN) */
    CTFW_DEFRAG_DONE,        /* completed: the datagram is in out */
    CTFW_DEFRAG_DROP,        /* dropped (duplicate, overlap, bound) */
};

struct ctfw_defrag;
struct ctfw_defrag_queue;

int ctfw_defrag_new(const struct ctfw_defrag_params *p,
                    struct ctfw_defrag **out);
void ctfw_defrag_free(struct ctfw_defrag *d);

/* Expire queues older than the timeout at now_ns. */
void ctfw_defrag_advance(struct ctfw_defrag *d, uint64_t now_ns);

/*
 * One packet of the instance's family (others: PASS). DONE: the datagram's bytes
 * are in out (outsz at least 65535) with *outlen set, and *done is the
 * completed queue, whose fragments stay readable until
 * ctfw_defrag_release().
 */
enum ctfw_defrag_result ctfw_defrag_add(struct ctfw_defrag *d,
                                        const struct ctfw_pkt *pkt,
                                        uint16_t zone, uint64_t now_ns,
                                        uint8_t *out, size_t outsz,
                                        size_t *outlen,
                                        struct ctfw_defrag_queue **done);

/* The fragments of a completed queue, in offset order. */
size_t ctfw_defrag_nfrags(const struct ctfw_defrag_queue *q);
const uint8_t *ctfw_defrag_frag(const struct ctfw_defrag_queue *q, size_t i,
                                uint32_t *len);
/* IPv6: the largest payload length of the queue's fragments; the
 * datagram leaves whole when 40 + this is at least its length
 * (IP6CB(skb)->frag_max_size in __ip6_finish_output()). */
uint32_t ctfw_defrag_max_size(const struct ctfw_defrag_queue *q);
void ctfw_defrag_release(struct ctfw_defrag *d, struct ctfw_defrag_queue *q);

void ctfw_defrag_stats(const struct ctfw_defrag *d,
                       struct ctfw_defrag_stats *out);

#endif
