/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capture-side connections, for what-if runs (ctfw replay --scenario).
 *
 * When one capture is played under several configurations, "a
 * connection" and "its opening packet" must mean the same thing in every
 * run, so they are defined by the capture alone, not by any run's
 * conntrack. This module follows the capture's connections by 5-tuple
 * (both directions map to one key) and tells, for each packet, which
 * connection it belongs to and whether it is an opening attempt. The
 * caller keeps, per run, one state byte per connection (the store here
 * holds them: ctfw_flows_state()).
 *
 * The rules (docs/replay.md, "What-if runs", says the same):
 *
 * - A TCP connection starts with a SYN without ACK (nor RST) whose key
 *   has no live connection, or whose connection has seen a FIN from
 *   both sides or a RST (port reuse). Other TCP packets of an unknown
 *   key are not followed (mid-stream).
 * - A UDP, UDP-Lite, ICMP echo (request or reply, keyed by id), GRE or
 *   other-protocol connection starts with any packet of a key that has
 *   no live connection. ICMP other than echo, and IP fragments after the
 *   first, belong to no connection.
 * - The initiator is the sender of the first packet. An opening attempt
 *   is an initiator packet sent before the capture holds any packet of
 *   the responder; for TCP it must also be a SYN without ACK (a
 *   retransmitted SYN is another attempt).
 * - A connection ends on the capture side after a RST (the RST is its
 *   last packet), when a new SYN reuses its key after both FINs, or
 *   after CTFW_FLOW_IDLE_S seconds without a packet.
 *
 * Pure: time is an argument; no I/O. Not thread-safe.
 */
#ifndef CTFW_FLOW_H
#define CTFW_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctfw/pkt.h"

#define CTFW_FLOW_IDLE_S 600
#define CTFW_FLOW_NONE UINT32_MAX

struct ctfw_flows;

struct ctfw_flow_pkt {
    uint32_t flow;        /* connection id, CTFW_FLOW_NONE: not followed */
    bool opening;         /* an opening attempt (above) */
    bool started;         /* this packet started the connection */
};

/* nstate: state bytes kept per connection (one per run), zeroed when a
 * connection starts. NULL on -ENOMEM. */
struct ctfw_flows *ctfw_flows_new(unsigned nstate);
void ctfw_flows_free(struct ctfw_flows *f);

/* Classify one packet (in capture order). -ENOMEM, or 0. */
int ctfw_flows_packet(struct ctfw_flows *f, const struct ctfw_pkt *pkt,
                      uint64_t now_ns, struct ctfw_flow_pkt *out);
/* The nstate bytes of a connection returned by the last
 * ctfw_flows_packet() (valid until the next call). */
uint8_t *ctfw_flows_state(struct ctfw_flows *f, uint32_t flow);
/* Connections started so far, and live now. */
uint64_t ctfw_flows_started(const struct ctfw_flows *f);
size_t ctfw_flows_live(const struct ctfw_flows *f);

#endif
