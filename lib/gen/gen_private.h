/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to lib/gen: workloads, flows and the frame builder. */
#ifndef CTFW_GEN_PRIVATE_H
#define CTFW_GEN_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "ctfw/gen.h"

#define GEN_MAX_WORKLOADS 16
#define GEN_MAX_OPEN 16
#define GEN_FRAME_MAX 1600
#define GEN_MSS 1460
#define GEN_TS_MSS (GEN_MSS - 12)   /* payload per segment with TS opt */

enum gen_kind {
    GEN_WEB,
    GEN_SYNFLOOD,
    GEN_DNS,
    GEN_SCAN,
};

struct gen_workload {
    enum gen_kind kind;
    double rate;             /* arrivals per second */
    uint32_t server;         /* host order */
    uint16_t port;
    uint32_t cli_net, cli_mask;
    uint32_t requests;
    uint32_t req, resp;      /* bytes */
    double think, keepalive, rtt; /* seconds */
    bool close_server;
    bool answer;             /* synflood: SYN-ACK; dns: response */
    uint32_t port_lo, port_hi, next_port;
    uint16_t open[GEN_MAX_OPEN];
    unsigned n_open;
    uint32_t scan_src;
    uint16_t scan_sport;
    uint64_t next_arrival;   /* ns; UINT64_MAX when done */
};

/* One connection in progress. `step` indexes the flow's script; each
 * step emits exactly one frame. */
struct gen_flow {
    uint64_t t;              /* time of the next frame */
    uint64_t id;             /* creation order: tie-break, determinism */
    const struct gen_workload *wl;
    uint32_t cip, sip;
    uint16_t cport, sport;
    uint8_t step;
    uint8_t flags;
    uint32_t cseq, sseq;     /* next sequence number to send */
    uint32_t cts0, sts0;     /* timestamp clock bases (ms) */
    uint64_t t0;             /* flow start, for the ms clocks */
    uint32_t req_left;       /* exchanges still to run */
    uint32_t resp_left;      /* response bytes not yet sent */
    uint32_t burst_left;     /* segments left in this burst */
    uint32_t acks_left;      /* client ACKs owed for the burst */
    uint32_t burst_size;     /* segments in the current burst */
    uint32_t cwnd;           /* segments, doubling per round trip */
    uint32_t burst_seq;      /* server seq at the start of the burst */
    uint32_t ack_k;          /* client ACKs sent for this burst */
    uint16_t ipid_c, ipid_s;
    uint16_t scan_port;
    bool open_port;
};

#endif
