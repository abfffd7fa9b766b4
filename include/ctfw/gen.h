/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Traffic generator: synthesises the packets a server's interface would
 * see (Ethernet, IPv4), from short workload specs, deterministically for a
 * seed, one frame at a time so a capture of any length streams to disk.
 *
 * Workloads (spec "KIND:key=value,key=value..."):
 *   web       HTTP-like TCP connections to a server: arrivals at `rate`
 *             new connections per second (Poisson), `requests` request/
 *             response exchanges of `req`/`resp` bytes, `think` seconds
 *             between them, `keepalive` seconds idle before `close`
 *             (client|server) closes; RTT `rtt` ms; MSS 1460, window
 *             scale 7, SACK and timestamps as Linux sends them.
 *   synflood  SYNs at `rate` per second from random sources in `sources`
 *             to `target`; the server answers each with one SYN-ACK
 *             (`synack=0` to leave them unanswered).
 *   dns       UDP queries at `rate` per second from `clients` to `server`
 *             port 53, answered after `rtt` ms (`answer=0` to drop).
 *   scan      a TCP SYN scan from `source` of `target` over `ports`: RST
 *             for closed ports, SYN-ACK then the scanner's RST for the
 *             `open` list.
 * Common keys: server/target (ADDR:PORT), clients/sources (PREFIX).
 * Every key and its default is listed by ctfw_gen_help().
 *
 * Sequence/acknowledgement numbers, window scaling, timestamps and
 * checksums are correct, so conntrack's window tracking accepts the
 * traffic as it would real traffic.
 *
 * Lifetime: ctfw_gen_new() / ctfw_gen_free(). Frames returned by
 * ctfw_gen_next() stay valid until the next call. Memory is bounded by
 * the connections alive at one time, not by the capture length. Pure: no
 * I/O, no clock; time comes from the `start` parameter.
 */
#ifndef CTFW_GEN_H
#define CTFW_GEN_H

#include <stddef.h>
#include <stdint.h>

struct ctfw_gen;

struct ctfw_gen_params {
    uint64_t seed;
    uint64_t start_ns;     /* timestamp of the capture start */
    uint64_t duration_ns;  /* no new connection starts after this */
    uint32_t snaplen;      /* 0 = whole frames */
};

struct ctfw_gen_frame {
    uint64_t ts_ns;
    const uint8_t *data;
    uint32_t caplen;
    uint32_t wirelen;
};

struct ctfw_gen_stats {
    uint64_t frames;
    uint64_t bytes;
    uint64_t connections;   /* flows started, all workloads */
    uint64_t peak_active;   /* flows alive at once, at most */
};

struct ctfw_gen *ctfw_gen_new(const struct ctfw_gen_params *p);
void ctfw_gen_free(struct ctfw_gen *g);

/* Add a workload; -EINVAL with a message in err naming the bad key. */
int ctfw_gen_add(struct ctfw_gen *g, const char *spec, char *err,
                 size_t errlen);

/* Next frame in time order: 1, or 0 when every flow has ended; -ENOMEM
 * when a new flow could not be allocated. */
int ctfw_gen_next(struct ctfw_gen *g, struct ctfw_gen_frame *f);

const struct ctfw_gen_stats *ctfw_gen_stats(const struct ctfw_gen *g);

/* The workload reference (kinds, keys, defaults) as text. */
const char *ctfw_gen_help(void);

#endif
