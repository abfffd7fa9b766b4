// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * AF_PACKET ports (io/afpacket.h): TPACKET_V3 receive and transmit
 * rings, sendmmsg() for what the transmit ring cannot take. The ring walk follows the layout of
 * Documentation/networking/packet_mmap.rst: a block descriptor
 * (tpacket_block_desc) whose block_status the kernel sets to
 * TP_STATUS_USER when the block is full or its timer ran out, then
 * num_pkts tpacket3_hdr records chained by tp_next_offset.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctfw_config.h"
#include "io/afpacket.h"
#ifdef CTFW_HAVE_AF_XDP
#include "io/afxdp.h"
#endif

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif
#ifndef PACKET_QDISC_BYPASS
#define PACKET_QDISC_BYPASS 20
#endif

#define TX_SLOTS 64
#define TX_ARENA (1u << 20)
#define FRAME_MAX 65535

/* Transmit ring: fixed slots of TX_FRAME bytes (a tpacket3_hdr, then
 * the frame at TX_OFF: TPACKET3_HDRLEN less the sockaddr_ll, where
 * tpacket_parse_header() looks without PACKET_TX_HAS_OFF). */
#define TX_FRAME 2048u
#define TX_BLOCK (1u << 20)
#define TX_BLOCKS 4u
#define TX_NFRAMES (TX_BLOCKS * (TX_BLOCK / TX_FRAME))
#define TX_OFF TPACKET_ALIGN(sizeof(struct tpacket3_hdr))

struct ctfw_afp {
    int fd;
#ifdef CTFW_HAVE_AF_XDP
    struct ctfw_xsk *xsk;   /* an AF_XDP port: every call goes there */
#endif
    uint8_t *tx_ring;       /* NULL: no ring, sendmmsg() only */
    unsigned tx_cur, tx_pending;
    unsigned ifindex;
    char ifname[IF_NAMESIZE];
    uint8_t *ring;
    size_t ring_len;
    unsigned block_size, nblocks, cur;
    /* Transmit batch: frames packed in the arena. */
    struct mmsghdr msgs[TX_SLOTS];
    struct iovec iov[TX_SLOTS];
    unsigned n_tx;
    size_t arena_used;
    uint8_t *arena;
    struct sockaddr_ll to;
    /* A frame rebuilt with its VLAN tag. */
    uint8_t vlan_buf[FRAME_MAX + 4];
    struct ctfw_afp_stats st;
};

static int
fail(char *err, size_t errlen, int e, const char *ifname, const char *what)
{
    snprintf(err, errlen, "%s: %s: %s", ifname, what, strerror(e));
    return -e;
}

int
ctfw_afp_open(const struct ctfw_afp_params *p, struct ctfw_afp **out,
              char *err, size_t errlen)
{
    unsigned idx = if_nametoindex(p->ifname);
    if (!idx)
        return fail(err, errlen, errno, p->ifname, "no such interface");
    struct ctfw_afp *a = calloc(1, sizeof(*a));
    if (!a)
        return fail(err, errlen, ENOMEM, p->ifname, "allocating");
    a->fd = -1;
    a->ring = MAP_FAILED;
    a->ifindex = idx;
    snprintf(a->ifname, sizeof(a->ifname), "%s", p->ifname);
    int rc;
    if (p->xdp) {
#ifdef CTFW_HAVE_AF_XDP
        rc = ctfw_xsk_open(p->ifname, &a->xsk, err, errlen);
        if (rc < 0)
            goto bad;
        a->fd = ctfw_xsk_fd(a->xsk);
        *out = a;
        return 0;
#else
        rc = fail(err, errlen, EOPNOTSUPP, p->ifname,
                  "AF_XDP (this ctfw was built without libxdp)");
        goto bad;
#endif
    }
    /* 32 MiB by default, in many small blocks rather than a few big
     * ones: a block is handed over when full or when its timer (2 ms)
     * runs out, so at a moderate rate most blocks go out nearly empty,
     * and the number of blocks, not their size, sets how long ctfw may
     * be kept off the CPU before the ring overflows: 128 blocks, 256 ms
     * (32 blocks of 1 MiB: 64 ms). A 256 KiB block holds about 1800
     * 60-byte frames (TPACKET_ALIGN'ed headers and all). */
    a->block_size = p->block_size ? p->block_size : 256u << 10;
    a->nblocks = p->nblocks ? p->nblocks : 128;
    a->arena = malloc(TX_ARENA);
    if (!a->arena) {
        rc = fail(err, errlen, ENOMEM, p->ifname, "allocating");
        goto bad;
    }
    /* Protocol 0: the socket hears nothing until bind() names the
     * interface and ETH_P_ALL (as libpcap does), so no frame of another
     * interface lands in the ring while it is set up. */
    a->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (a->fd < 0) {
        rc = fail(err, errlen, errno, p->ifname, "socket(AF_PACKET)");
        goto bad;
    }
    int v = TPACKET_V3;
    if (setsockopt(a->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0) {
        rc = fail(err, errlen, errno, p->ifname, "PACKET_VERSION V3");
        goto bad;
    }
    /* Our own transmissions must not come back in the ring: they would
     * be forwarded again (a loop). Linux 4.20. */
    v = 1;
    if (setsockopt(a->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &v,
                   sizeof(v)) < 0) {
        rc = fail(err, errlen, errno, p->ifname,
                  "PACKET_IGNORE_OUTGOING (Linux 4.20 or later needed)");
        goto bad;
    }
    v = 1;   /* best effort: the qdisc only costs speed */
    (void)setsockopt(a->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &v, sizeof(v));
    struct tpacket_req3 req = {
        .tp_block_size = a->block_size,
        .tp_block_nr = a->nblocks,
        .tp_frame_size = 2048,
        .tp_frame_nr = (a->block_size / 2048) * a->nblocks,
        .tp_retire_blk_tov = p->block_tmo_ms ? p->block_tmo_ms : 2,
        .tp_feature_req_word = 0,
    };
    if (setsockopt(a->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) <
        0) {
        rc = fail(err, errlen, errno, p->ifname, "PACKET_RX_RING");
        goto bad;
    }
    a->ring_len = (size_t)a->block_size * a->nblocks;
    /* The transmit ring (Linux 4.11 for TPACKET_V3): best effort, the
     * sendmmsg() path covers its absence and frames too big for it. */
    struct tpacket_req3 treq = {
        .tp_block_size = TX_BLOCK,
        .tp_block_nr = TX_BLOCKS,
        .tp_frame_size = TX_FRAME,
        .tp_frame_nr = TX_NFRAMES,
    };
    bool tx_ring = !p->no_tx_ring &&
                   setsockopt(a->fd, SOL_PACKET, PACKET_TX_RING, &treq,
                              sizeof(treq)) == 0;
    size_t map_len = a->ring_len + (tx_ring ? (size_t)TX_BLOCK * TX_BLOCKS
                                            : 0);
    a->ring = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_LOCKED | MAP_POPULATE, a->fd, 0);
    if (a->ring == MAP_FAILED)   /* MAP_LOCKED needs RLIMIT_MEMLOCK */
        a->ring = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_POPULATE, a->fd, 0);
    if (a->ring == MAP_FAILED) {
        rc = fail(err, errlen, errno, p->ifname, "mmap of the ring");
        goto bad;
    }
    if (tx_ring)
        a->tx_ring = a->ring + a->ring_len;
    a->ring_len = map_len;
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ALL),
        .sll_ifindex = (int)idx,
    };
    if (bind(a->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
        rc = fail(err, errlen, errno, p->ifname, "bind");
        goto bad;
    }
    struct packet_mreq mr = {.mr_ifindex = (int)idx,
                             .mr_type = PACKET_MR_PROMISC};
    if (setsockopt(a->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
                   sizeof(mr)) < 0) {
        rc = fail(err, errlen, errno, p->ifname, "promiscuous mode");
        goto bad;
    }
    a->to = sll;
    a->to.sll_halen = ETH_ALEN;
    *out = a;
    return 0;
bad:
    ctfw_afp_close(a);
    return rc;
}

void
ctfw_afp_close(struct ctfw_afp *a)
{
    if (!a)
        return;
#ifdef CTFW_HAVE_AF_XDP
    if (a->xsk) {
        ctfw_xsk_close(a->xsk);
        free(a);
        return;
    }
#endif
    if (a->fd >= 0 && (a->n_tx || a->tx_pending))
        ctfw_afp_tx_flush(a);
    if (a->ring != MAP_FAILED)
        munmap(a->ring, a->ring_len);
    if (a->fd >= 0)
        close(a->fd);
    free(a->arena);
    free(a);
}

bool
ctfw_afp_have_xdp(void)
{
#ifdef CTFW_HAVE_AF_XDP
    return true;
#else
    return false;
#endif
}

int
ctfw_afp_fd(const struct ctfw_afp *a)
{
    return a->fd;
}

unsigned
ctfw_afp_ifindex(const struct ctfw_afp *a)
{
    return a->ifindex;
}

const char *
ctfw_afp_ifname(const struct ctfw_afp *a)
{
    return a->ifname;
}

unsigned
ctfw_afp_rx(struct ctfw_afp *a, unsigned max_blocks, ctfw_afp_rx_cb cb,
            void *arg)
{
#ifdef CTFW_HAVE_AF_XDP
    if (a->xsk)
        return ctfw_xsk_rx(a->xsk, max_blocks * 64, cb, arg);
#endif
    unsigned frames = 0;
    for (unsigned b = 0; !max_blocks || b < max_blocks; b++) {
        struct tpacket_block_desc *bd =
            (void *)(a->ring + (size_t)a->cur * a->block_size);
        if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
              TP_STATUS_USER))
            break;
        uint32_t n = bd->hdr.bh1.num_pkts;
        const uint8_t *p = (const uint8_t *)bd +
                           bd->hdr.bh1.offset_to_first_pkt;
        for (uint32_t i = 0; i < n; i++) {
            const struct tpacket3_hdr *h = (const void *)p;
            const uint8_t *frame = p + h->tp_mac;
            uint32_t cap = h->tp_snaplen, wire = h->tp_len;
            /* The sockaddr_ll after the header says where the frame was
             * heard: only this port's frames are this port's. */
            const struct sockaddr_ll *from =
                (const void *)(p + TPACKET_ALIGN(sizeof(*h)));
            if (from->sll_ifindex != (int)a->ifindex) {
                p += h->tp_next_offset;
                continue;
            }
            a->st.rx++;
            a->st.rx_bytes += wire;
            if (cap < wire) {
                a->st.rx_truncated++;
            } else if ((h->tp_status & TP_STATUS_VLAN_VALID) &&
                       cap >= 12 && cap <= FRAME_MAX) {
                /* The driver took the tag out (rx VLAN offload): put
                 * it back where it was, after the MAC addresses. */
                uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID)
                                    ? h->hv1.tp_vlan_tpid
                                    : ETH_P_8021Q;
                uint16_t tci = h->hv1.tp_vlan_tci;
                memcpy(a->vlan_buf, frame, 12);
                a->vlan_buf[12] = (uint8_t)(tpid >> 8);
                a->vlan_buf[13] = (uint8_t)tpid;
                a->vlan_buf[14] = (uint8_t)(tci >> 8);
                a->vlan_buf[15] = (uint8_t)tci;
                memcpy(a->vlan_buf + 16, frame + 12, cap - 12);
                cb(arg, a->vlan_buf, cap + 4, wire + 4);
            } else {
                cb(arg, frame, cap, wire);
            }
            frames++;
            p += h->tp_next_offset;
        }
        __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
                         __ATOMIC_RELEASE);
        a->cur = (a->cur + 1) % a->nblocks;
    }
    return frames;
}

/* Hand the ring's requested slots to the kernel (without waiting for
 * them to leave). */
static void
tx_ring_kick(struct ctfw_afp *a)
{
    if (!a->tx_pending)
        return;
    while (send(a->fd, NULL, 0, MSG_DONTWAIT) < 0 && errno == EINTR)
        ;
    a->tx_pending = 0;
}

static struct tpacket3_hdr *
tx_slot(struct ctfw_afp *a, unsigned i)
{
    return (void *)(a->tx_ring + (size_t)i * TX_FRAME);
}

static void sendmmsg_flush(struct ctfw_afp *a);

int
ctfw_afp_tx(struct ctfw_afp *a, const uint8_t *hdr, size_t hdrlen,
            const uint8_t *body, size_t bodylen)
{
#ifdef CTFW_HAVE_AF_XDP
    if (a->xsk)
        return ctfw_xsk_tx(a->xsk, hdr, hdrlen, body, bodylen);
#endif
    size_t len = hdrlen + bodylen;
    if (len > FRAME_MAX) {
        a->st.tx_errors++;
        return -EMSGSIZE;
    }
    if (a->tx_ring && len <= TX_FRAME - TX_OFF && !a->n_tx) {
        struct tpacket3_hdr *h = tx_slot(a, a->tx_cur);
        uint32_t st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
        if (st != TP_STATUS_AVAILABLE) {
            /* The kernel has not sent this slot yet: push, look again. */
            tx_ring_kick(a);
            st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
            if (st == TP_STATUS_WRONG_FORMAT)
                st = TP_STATUS_AVAILABLE;   /* refused earlier: reuse */
        }
        if (st == TP_STATUS_AVAILABLE) {
            uint8_t *dst = (uint8_t *)h + TX_OFF;
            memcpy(dst, hdr, hdrlen);
            if (bodylen)   /* body may be NULL (non-IP frames) */
                memcpy(dst + hdrlen, body, bodylen);
            h->tp_len = (uint32_t)len;
            h->tp_snaplen = (uint32_t)len;
            h->tp_next_offset = 0;
            __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST,
                             __ATOMIC_RELEASE);
            a->tx_cur = (a->tx_cur + 1) % TX_NFRAMES;
            a->st.tx++;
            a->st.tx_bytes += len;
            if (++a->tx_pending >= 256)
                tx_ring_kick(a);
            return 0;
        }
        a->st.tx_errors++;   /* ring full: the frame is lost */
        return -ENOBUFS;
    }
    /* Too big for a slot (or no ring): sendmmsg(), after what the ring
     * holds, so frames keep their order. */
    tx_ring_kick(a);
    if (a->n_tx == TX_SLOTS || a->arena_used + len > TX_ARENA)
        sendmmsg_flush(a);
    uint8_t *dst = a->arena + a->arena_used;
    memcpy(dst, hdr, hdrlen);
    if (bodylen)   /* body may be NULL (non-IP frames) */
        memcpy(dst + hdrlen, body, bodylen);
    a->arena_used += len;
    a->iov[a->n_tx].iov_base = dst;
    a->iov[a->n_tx].iov_len = len;
    a->n_tx++;
    return 0;
}

void
ctfw_afp_tx_flush(struct ctfw_afp *a)
{
#ifdef CTFW_HAVE_AF_XDP
    if (a->xsk) {
        ctfw_xsk_tx_flush(a->xsk);
        return;
    }
#endif
    tx_ring_kick(a);
    sendmmsg_flush(a);
}

static void
sendmmsg_flush(struct ctfw_afp *a)
{
    unsigned done = 0;
    for (unsigned i = 0; i < a->n_tx; i++) {
        struct msghdr *m = &a->msgs[i].msg_hdr;
        memset(m, 0, sizeof(*m));
        m->msg_name = &a->to;
        m->msg_namelen = sizeof(a->to);
        m->msg_iov = &a->iov[i];
        m->msg_iovlen = 1;
    }
    while (done < a->n_tx) {
        int r = sendmmsg(a->fd, a->msgs + done, a->n_tx - done, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            /* ENOBUFS, EMSGSIZE (a frame over the MTU: offloads left
             * on), ENETDOWN: the first frame is lost, go on. */
            a->st.tx_errors++;
            done++;
            continue;
        }
        for (int i = 0; i < r; i++) {
            a->st.tx++;
            a->st.tx_bytes += a->iov[done + (unsigned)i].iov_len;
        }
        done += (unsigned)r;
    }
    a->n_tx = 0;
    a->arena_used = 0;
}

void
ctfw_afp_get_stats(struct ctfw_afp *a, struct ctfw_afp_stats *out)
{
#ifdef CTFW_HAVE_AF_XDP
    if (a->xsk) {
        ctfw_xsk_get_stats(a->xsk, out);
        return;
    }
#endif
    struct tpacket_stats_v3 ks;
    socklen_t l = sizeof(ks);
    /* Reading the kernel's counters resets them: accumulate. */
    if (getsockopt(a->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &l) == 0)
        a->st.rx_ring_drops += ks.tp_drops;
    *out = a->st;
}
