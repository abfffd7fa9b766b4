/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One network interface as an AF_XDP port (ctfw live --bridge --xdp):
 * an XDP socket bound to the interface's queue 0 in copy mode, with the
 * redirect program libxdp ships (xsk_def_xdp_prog) attached to the
 * interface, so that every frame the interface receives is handed to
 * the socket before the kernel's stack sees it. Built only with libxdp
 * (meson finds libxdp and libbpf); io/afpacket.c uses it for a port
 * opened with ctfw_afp_params.xdp.
 *
 * The same contract as io/afpacket.h: frame bytes handed to the receive
 * callback are valid during the call only; transmitted frames are
 * copied. Not thread-safe.
 */
#ifndef CTFW_IO_AFXDP_H
#define CTFW_IO_AFXDP_H

#include <stddef.h>
#include <stdint.h>

#include "io/afpacket.h"

struct ctfw_xsk;

/* 0 or -errno with a message in err. */
int ctfw_xsk_open(const char *ifname, struct ctfw_xsk **out, char *err,
                  size_t errlen);
void ctfw_xsk_close(struct ctfw_xsk *x);   /* accepts NULL */
int ctfw_xsk_fd(const struct ctfw_xsk *x);
unsigned ctfw_xsk_rx(struct ctfw_xsk *x, unsigned max, ctfw_afp_rx_cb cb,
                     void *arg);
int ctfw_xsk_tx(struct ctfw_xsk *x, const uint8_t *hdr, size_t hdrlen,
                const uint8_t *body, size_t bodylen);
void ctfw_xsk_tx_flush(struct ctfw_xsk *x);
void ctfw_xsk_get_stats(struct ctfw_xsk *x, struct ctfw_afp_stats *out);

#endif
