/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One network interface as an AF_PACKET port of a bump in the wire
 * (ctfw live --bridge): a TPACKET_V3 memory-mapped receive ring read a
 * block at a time, and a transmit batch sent with one sendmmsg() per
 * flush.
 *
 * The socket ignores the frames it sends itself (PACKET_IGNORE_OUTGOING,
 * Linux 4.20), puts the interface in promiscuous mode for as long as it
 * is open (PACKET_MR_PROMISC: the kernel undoes it when the socket
 * closes, also on kill -9) and bypasses the qdisc on transmit.
 *
 * With params.xdp the port is an AF_XDP socket (io/afxdp.h) behind the
 * same calls.
 *
 * Lifetime: ctfw_afp_open() / ctfw_afp_close(). Frame bytes handed to the
 * receive callback are valid during the call only. Not thread-safe.
 */
#ifndef CTFW_IO_AFPACKET_H
#define CTFW_IO_AFPACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ctfw_afp;

struct ctfw_afp_params {
    const char *ifname;
    unsigned block_size;   /* ring block bytes, a power of two (0: 256 KiB) */
    unsigned nblocks;      /* ring blocks (0: 128) */
    unsigned block_tmo_ms; /* a partly filled block is handed over after
                              this (0: 2 ms) */
    bool no_tx_ring;       /* transmit with sendmmsg() only */
    bool xdp;              /* an AF_XDP socket instead (io/afxdp.h):
                              -EOPNOTSUPP when built without libxdp */
};

/* Whether this build has AF_XDP (libxdp). */
bool ctfw_afp_have_xdp(void);

struct ctfw_afp_stats {
    uint64_t rx, rx_bytes;
    uint64_t rx_ring_drops;   /* PACKET_STATISTICS tp_drops */
    uint64_t rx_truncated;    /* frames longer than a ring block */
    uint64_t tx, tx_bytes;
    uint64_t tx_errors;       /* frames sendmmsg() refused */
};

/* 0 or -errno with a message in err naming the interface. */
int ctfw_afp_open(const struct ctfw_afp_params *p, struct ctfw_afp **out,
                  char *err, size_t errlen);
void ctfw_afp_close(struct ctfw_afp *a);   /* accepts NULL */

int ctfw_afp_fd(const struct ctfw_afp *a);
unsigned ctfw_afp_ifindex(const struct ctfw_afp *a);
const char *ctfw_afp_ifname(const struct ctfw_afp *a);

/*
 * Hand every frame of the ring's ready blocks to cb (at most max_blocks
 * blocks; 0: all ready), returning the blocks to the kernel after each.
 * frame is the Ethernet frame with its VLAN tag put back when the
 * driver had taken it out (TP_STATUS_VLAN_VALID); caplen bytes are
 * there, wirelen is its length on the wire. Returns the number of
 * frames.
 */
typedef void (*ctfw_afp_rx_cb)(void *arg, const uint8_t *frame,
                               uint32_t caplen, uint32_t wirelen);
unsigned ctfw_afp_rx(struct ctfw_afp *a, unsigned max_blocks,
                     ctfw_afp_rx_cb cb, void *arg);

/*
 * Queue a frame for transmission (copied; at most 65535 bytes): hdr
 * (hdrlen bytes) followed by body (bodylen bytes). The batch is sent
 * when full and by ctfw_afp_tx_flush(). -EMSGSIZE for a frame too big.
 */
int ctfw_afp_tx(struct ctfw_afp *a, const uint8_t *hdr, size_t hdrlen,
                const uint8_t *body, size_t bodylen);
void ctfw_afp_tx_flush(struct ctfw_afp *a);

void ctfw_afp_get_stats(struct ctfw_afp *a, struct ctfw_afp_stats *out);

#endif
