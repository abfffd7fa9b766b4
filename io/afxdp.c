// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * AF_XDP ports (io/afxdp.h), after Documentation/networking/af_xdp.rst:
 * a UMEM of fixed 2 KiB frames, half of them lent to the kernel through
 * the fill ring for reception, half kept here for transmission (a stack
 * of free frames, refilled from the completion ring). Copy mode
 * (XDP_COPY): the kernel copies each received frame into the UMEM
 * (xsk_rcv) and builds an skb from each transmitted one
 * (xsk_generic_xmit), which every driver supports, veth included; the
 * XDP program runs where the driver allows (native on veth), else in
 * generic mode.
 *
 * The program is libxdp's own (xsk_def_xdp_prog.o, found where libxdp
 * keeps its BPF objects: every frame of a queue with a socket in the
 * xsks_map goes to that socket, XDP_PASS otherwise), loaded here and
 * attached through a BPF link (BPF_LINK_CREATE, Linux 5.9) rather than
 * by libxdp's netlink attachment: the link lives as long as its file
 * descriptor, so the kernel detaches the program whenever ctfw ends,
 * after kill -9 too, and needs no capability to do so (ctfw has dropped
 * them by then).
 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include "io/afxdp.h"

/* 48 MiB of UMEM per port: 16384 frames for reception (at 150k frames/s
 * about 110 ms of traffic if ctfw is not scheduled), 8192 for
 * transmission. Ring sizes are powers of two; the fill and rx rings can
 * hold every reception frame, the completion ring every transmission
 * frame. */
#define XSK_FRAME 2048u
#define XSK_RX_FRAMES 16384u
#define XSK_TX_FRAMES 8192u
#define XSK_NFRAMES (XSK_RX_FRAMES + XSK_TX_FRAMES)
#define XSK_TX_KICK 64u

struct ctfw_xsk {
    struct xsk_umem *umem;
    struct xsk_socket *xsk;
    struct xdp_program *prog;
    int link_fd;
    struct xsk_ring_prod fq, tx;
    struct xsk_ring_cons cq, rx;
    uint8_t *area;
    int fd;
    unsigned tx_pending;
    /* Free transmit frames (UMEM addresses). */
    uint64_t free_tx[XSK_TX_FRAMES];
    unsigned n_free;
    struct ctfw_afp_stats st;
};

/* libxdp's messages: its warnings are ours to word (the error we return
 * says what failed); debug and info go nowhere. */
static int
xdp_quiet(enum libxdp_print_level level, const char *fmt, va_list ap)
{
    (void)level;
    (void)fmt;
    (void)ap;
    return 0;
}

static int
bpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level;
    (void)fmt;
    (void)ap;
    return 0;
}

/* Receive queues of the interface (/sys/class/net/IF/queues/rx-N). */
static unsigned
rx_queues(const char *ifname)
{
    char path[64];
    snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
    DIR *d = opendir(path);
    unsigned n = 0;
    if (!d)
        return 1;
    for (struct dirent *e; (e = readdir(d));)
        if (!strncmp(e->d_name, "rx-", 3))
            n++;
    closedir(d);
    return n ? n : 1;
}

/* The interface's MTU (/sys/class/net/IF/mtu), 0 when unknown. */
static unsigned
iface_mtu(const char *ifname)
{
    char path[64];
    snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", ifname);
    FILE *f = fopen(path, "r");
    unsigned mtu = 0;
    if (f) {
        if (fscanf(f, "%u", &mtu) != 1)
            mtu = 0;
        fclose(f);
    }
    return mtu;
}

/* Load libxdp's redirect program, put the socket in its map for queue
 * 0, attach it to the interface by a link. */
static int
attach(struct ctfw_xsk *x, const char *ifname, char *err, size_t errlen)
{
    x->prog = xdp_program__find_file("xsk_def_xdp_prog.o", NULL, NULL);
    long e = libxdp_get_error(x->prog);
    if (e) {
        x->prog = NULL;
        snprintf(err, errlen, "%s: libxdp's xsk_def_xdp_prog.o: %s",
                 ifname, strerror((int)-e));
        return (int)e;
    }
    struct bpf_object *obj = xdp_program__bpf_obj(x->prog);
    int rc = bpf_object__load(obj);
    if (rc) {
        snprintf(err, errlen, "%s: loading xsk_def_xdp_prog.o: %s", ifname,
                 strerror(-rc));
        return rc;
    }
    struct bpf_program *bp = bpf_object__find_program_by_name(obj,
                                                              "xsk_def_prog");
    int map_fd = bpf_object__find_map_fd_by_name(obj, "xsks_map");
    if (!bp || map_fd < 0) {
        snprintf(err, errlen, "%s: xsk_def_xdp_prog.o: no xsk_def_prog "
                 "program or xsks_map", ifname);
        return -ENOENT;
    }
    rc = xsk_socket__update_xskmap(x->xsk, map_fd);
    if (rc) {
        snprintf(err, errlen, "%s: xsks_map: %s", ifname, strerror(-rc));
        return rc;
    }
    x->link_fd = bpf_link_create(bpf_program__fd(bp),
                                 (int)if_nametoindex(ifname), BPF_XDP, NULL);
    if (x->link_fd < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s: attaching the XDP program: %s%s", ifname,
                 strerror(-rc), rc == -EBUSY ? " (another XDP program is "
                 "attached)" : "");
        return rc;
    }
    return 0;
}

int
ctfw_xsk_open(const char *ifname, struct ctfw_xsk **out, char *err,
              size_t errlen)
{
    libxdp_set_print(xdp_quiet);
    libbpf_set_print(bpf_quiet);
    unsigned nq = rx_queues(ifname);
    if (nq > 1) {
        snprintf(err, errlen, "%s: %u receive queues; ctfw reads queue 0 "
                 "only (ethtool -L %s combined 1)", ifname, nq, ifname);
        return -EINVAL;
    }
    /* In copy mode a frame lands XDP_PACKET_HEADROOM (256) bytes into
     * its 2 KiB UMEM frame (xsk_rcv): 1792 bytes left, an Ethernet
     * header, a VLAN tag and an MTU of 1774. A longer frame would be
     * dropped by the kernel, so such an interface is refused. */
    unsigned mtu = iface_mtu(ifname);
    if (mtu > XSK_FRAME - XDP_PACKET_HEADROOM - 18) {
        snprintf(err, errlen, "%s: MTU %u; with --xdp at most %u", ifname,
                 mtu, XSK_FRAME - XDP_PACKET_HEADROOM - 18);
        return -EMSGSIZE;
    }
    struct ctfw_xsk *x = calloc(1, sizeof(*x));
    if (!x) {
        snprintf(err, errlen, "%s: allocating: %s", ifname, strerror(ENOMEM));
        return -ENOMEM;
    }
    x->fd = -1;
    x->link_fd = -1;
    int rc;
    x->area = mmap(NULL, (size_t)XSK_NFRAMES * XSK_FRAME,
                   PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                   0);
    if (x->area == MAP_FAILED) {
        rc = -errno;
        x->area = NULL;
        snprintf(err, errlen, "%s: UMEM: %s", ifname, strerror(-rc));
        goto bad;
    }
    struct xsk_umem_config uc = {
        .fill_size = XSK_RX_FRAMES,
        .comp_size = XSK_TX_FRAMES,
        .frame_size = XSK_FRAME,
        .frame_headroom = 0,
        .flags = 0,
    };
    rc = xsk_umem__create(&x->umem, x->area,
                          (uint64_t)XSK_NFRAMES * XSK_FRAME, &x->fq, &x->cq,
                          &uc);
    if (rc) {
        rc = rc < 0 ? rc : -rc;
        snprintf(err, errlen, "%s: AF_XDP UMEM registration: %s", ifname,
                 strerror(-rc));
        goto bad;
    }
    /* The program is attached below (attach()), not by libxdp. */
    struct xsk_socket_config sc = {
        .rx_size = XSK_RX_FRAMES,
        .tx_size = XSK_TX_FRAMES,
        .libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
        .xdp_flags = 0,
        .bind_flags = XDP_COPY,
    };
    rc = xsk_socket__create(&x->xsk, ifname, 0, x->umem, &x->rx, &x->tx,
                            &sc);
    if (rc) {
        rc = rc < 0 ? rc : -rc;
        snprintf(err, errlen, "%s: AF_XDP socket (queue 0, copy mode): %s",
                 ifname, strerror(-rc));
        goto bad;
    }
    x->fd = xsk_socket__fd(x->xsk);
    /* The first half of the UMEM to the fill ring, the rest for us. */
    uint32_t idx;
    if (xsk_ring_prod__reserve(&x->fq, XSK_RX_FRAMES, &idx) !=
        XSK_RX_FRAMES) {
        rc = -ENOSPC;
        snprintf(err, errlen, "%s: AF_XDP fill ring", ifname);
        goto bad;
    }
    for (uint32_t i = 0; i < XSK_RX_FRAMES; i++)
        *xsk_ring_prod__fill_addr(&x->fq, idx + i) = (uint64_t)i * XSK_FRAME;
    xsk_ring_prod__submit(&x->fq, XSK_RX_FRAMES);
    for (uint32_t i = XSK_RX_FRAMES; i < XSK_NFRAMES; i++)
        x->free_tx[x->n_free++] = (uint64_t)i * XSK_FRAME;
    /* Last: frames come once the program is attached, and the fill
     * ring is ready for them. xdp_flags 0 in the link: the driver's own
     * XDP where it has it (veth does), generic XDP otherwise. */
    rc = attach(x, ifname, err, errlen);
    if (rc < 0)
        goto bad;
    *out = x;
    return 0;
bad:
    ctfw_xsk_close(x);
    return rc;
}

void
ctfw_xsk_close(struct ctfw_xsk *x)
{
    if (!x)
        return;
    if (x->link_fd >= 0)
        close(x->link_fd);   /* detaches the program */
    if (x->xsk) {
        ctfw_xsk_tx_flush(x);
        xsk_socket__delete(x->xsk);
    }
    xdp_program__close(x->prog);
    if (x->umem)
        xsk_umem__delete(x->umem);
    if (x->area)
        munmap(x->area, (size_t)XSK_NFRAMES * XSK_FRAME);
    free(x);
}

int
ctfw_xsk_fd(const struct ctfw_xsk *x)
{
    return x->fd;
}

unsigned
ctfw_xsk_rx(struct ctfw_xsk *x, unsigned max, ctfw_afp_rx_cb cb, void *arg)
{
    uint32_t idx;
    unsigned n = xsk_ring_cons__peek(&x->rx, max ? max : XSK_RX_FRAMES, &idx);
    if (!n)
        return 0;
    for (unsigned i = 0; i < n; i++) {
        const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x->rx, idx + i);
        x->st.rx++;
        x->st.rx_bytes += d->len;
        cb(arg, x->area + d->addr, d->len, d->len);
    }
    /* The frames go back to the fill ring: the callback has used them
     * (what it transmits is copied). The fill ring has room, since it
     * and the rx ring share XSK_RX_FRAMES frames. */
    uint32_t fidx;
    unsigned got = xsk_ring_prod__reserve(&x->fq, n, &fidx);
    for (unsigned i = 0; i < got; i++)
        *xsk_ring_prod__fill_addr(&x->fq, fidx + i) =
            xsk_ring_cons__rx_desc(&x->rx, idx + i)->addr &
            ~(uint64_t)(XSK_FRAME - 1);
    xsk_ring_prod__submit(&x->fq, got);
    xsk_ring_cons__release(&x->rx, n);
    return n;
}

/* Frames the kernel has sent come back on the completion ring. */
static void
complete(struct ctfw_xsk *x)
{
    uint32_t idx;
    unsigned n = xsk_ring_cons__peek(&x->cq, XSK_TX_FRAMES, &idx);
    for (unsigned i = 0; i < n; i++)
        x->free_tx[x->n_free++] = *xsk_ring_cons__comp_addr(&x->cq, idx + i);
    if (n)
        xsk_ring_cons__release(&x->cq, n);
}

/* In copy mode every transmission is a sendto(): the kernel sends at
 * most a batch of the ring per call (TX_BATCH_SIZE, 32, in
 * __xsk_generic_xmit) and answers EAGAIN when more is left. */
static void
kick(struct ctfw_xsk *x)
{
    for (int tries = 0; x->tx_pending && tries < 1024; tries++) {
        if (sendto(x->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0) {
            x->tx_pending = 0;
            break;
        }
        if (errno == EINTR)
            continue;
        complete(x);
        if (errno != EAGAIN && errno != EBUSY) {
            /* ENOBUFS, ENETDOWN: what is in the ring stays there and
             * goes with the next kick. */
            x->tx_pending = 0;
            break;
        }
    }
    complete(x);
}

int
ctfw_xsk_tx(struct ctfw_xsk *x, const uint8_t *hdr, size_t hdrlen,
            const uint8_t *body, size_t bodylen)
{
    size_t len = hdrlen + bodylen;
    if (len > XSK_FRAME) {
        x->st.tx_errors++;
        return -EMSGSIZE;
    }
    if (!x->n_free)
        complete(x);
    if (!x->n_free)
        kick(x);
    uint32_t idx;
    if (!x->n_free || xsk_ring_prod__reserve(&x->tx, 1, &idx) != 1) {
        kick(x);
        if (!x->n_free || xsk_ring_prod__reserve(&x->tx, 1, &idx) != 1) {
            x->st.tx_errors++;   /* no room: the frame is lost */
            return -ENOBUFS;
        }
    }
    uint64_t addr = x->free_tx[--x->n_free];
    uint8_t *dst = x->area + addr;
    memcpy(dst, hdr, hdrlen);
    if (bodylen)
        memcpy(dst + hdrlen, body, bodylen);
    struct xdp_desc *d = xsk_ring_prod__tx_desc(&x->tx, idx);
    d->addr = addr;
    d->len = (uint32_t)len;
    d->options = 0;
    xsk_ring_prod__submit(&x->tx, 1);
    x->st.tx++;
    x->st.tx_bytes += len;
    if (++x->tx_pending >= XSK_TX_KICK)
        kick(x);
    return 0;
}

void
ctfw_xsk_tx_flush(struct ctfw_xsk *x)
{
    kick(x);
}

void
ctfw_xsk_get_stats(struct ctfw_xsk *x, struct ctfw_afp_stats *out)
{
    struct xdp_statistics ks;
    socklen_t l = sizeof(ks);
    /* Not reset by reading (xsk_getsockopt): the current totals. Frames
     * lost on the way in: the rx ring full, or no frame on the fill
     * ring to copy into. */
    if (getsockopt(x->fd, SOL_XDP, XDP_STATISTICS, &ks, &l) == 0)
        x->st.rx_ring_drops = ks.rx_dropped + ks.rx_ring_full +
                              ks.rx_fill_ring_empty_descs;
    *out = x->st;
}
