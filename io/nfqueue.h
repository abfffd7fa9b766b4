/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NFQUEUE (ctfw live --queue N): the kernel hands packets of the host's
 * own traffic to ctfw through one queue (libnetfilter_queue's netlink
 * helpers over libmnl) and applies the verdict ctfw sends back.
 *
 * Lifetime: ctfw_nfq_open() / ctfw_nfq_close(). Payloads handed to the
 * callback are valid during the call only. Not thread-safe.
 */
#ifndef CTFW_IO_NFQUEUE_H
#define CTFW_IO_NFQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ctfw_nfq;

struct ctfw_nfq_pkt {
    uint32_t id;
    uint16_t l3proto;     /* ETH_P_IP / ETH_P_IPV6 (host order) */
    uint8_t hook;         /* NF_INET_PRE_ROUTING ... */
    unsigned indev, outdev; /* kernel ifindex, 0 if none */
    const uint8_t *payload; /* the IP packet */
    uint32_t len;
};

/* The callback returns true to accept, false to drop. */
typedef bool (*ctfw_nfq_cb)(void *arg, const struct ctfw_nfq_pkt *p);

/*
 * Bind queue number queue. fail_open: when the queue is full the kernel
 * accepts instead of dropping (NFQA_CFG_F_FAIL_OPEN). 0 or -errno with a
 * message in err.
 */
int ctfw_nfq_open(unsigned queue, bool fail_open, struct ctfw_nfq **out,
                  char *err, size_t errlen);
void ctfw_nfq_close(struct ctfw_nfq *q);   /* accepts NULL */
int ctfw_nfq_fd(const struct ctfw_nfq *q);

/* Read what is waiting (non-blocking), call cb per packet and send its
 * verdict. Returns the number of packets, or -errno. */
int ctfw_nfq_run(struct ctfw_nfq *q, ctfw_nfq_cb cb, void *arg);

struct ctfw_nfq_stats {
    uint64_t packets, accepted, dropped, errors;
};
void ctfw_nfq_get_stats(const struct ctfw_nfq *q, struct ctfw_nfq_stats *out);

#endif
