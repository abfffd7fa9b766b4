/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capture reading and writing on libpcap.
 *
 * A reader walks one or more pcap/pcapng files (or "-" for stdin) in the
 * order given, with nanosecond timestamps, optionally through a BPF filter
 * compiled for each file's link type, as tcpdump does. All files must share
 * one link type per packet; the link type is returned with every packet.
 *
 * Lifetime: ctfw_capture_open() returns a reader owned by the caller, freed
 * with ctfw_capture_close(). Packet data returned by ctfw_capture_next()
 * is valid until the next call. Not thread-safe.
 */
#ifndef CTFW_IO_CAPTURE_H
#define CTFW_IO_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct ctfw_capture;

struct ctfw_capture_pkt {
    uint64_t ts_ns;       /* nanoseconds since the epoch */
    uint32_t caplen;
    uint32_t wirelen;
    int linktype;         /* LINKTYPE_* of the file it came from */
    const uint8_t *data;
    unsigned file_index;  /* which of the files, 0-based */
    uint64_t number;      /* 1-based packet number over all files, counted
                             before the filter as tcpdump/wireshark do */
};

struct ctfw_capture_stats {
    uint64_t read;            /* packets read from the files */
    uint64_t matched;         /* packets that passed the filter */
    uint64_t ts_backwards;    /* timestamps earlier than the previous */
    uint64_t truncated_files; /* files that ended mid-record */
};

/*
 * Open the files (paths[0..n-1]) with an optional BPF filter expression
 * (NULL for none). On error returns NULL and writes a message to err
 * (errlen bytes), naming the file: "FILE: reason".
 */
struct ctfw_capture *ctfw_capture_open(const char *const *paths, size_t n,
                                       const char *filter, char *err,
                                       size_t errlen);

/*
 * Next packet that passes the filter. Returns 1 with *pkt filled, 0 at the
 * end of the last file, -1 on a read error (message in err; the reader
 * may be continued with the next file by calling again).
 * Timestamps that go backwards are counted and reported through the
 * warn callback if one is set.
 */
int ctfw_capture_next(struct ctfw_capture *cap, struct ctfw_capture_pkt *pkt,
                      char *err, size_t errlen);

/*
 * Up to n (at most CTFW_CAPTURE_BURST_MAX) next packets that pass the
 * filter into pkts[], as n calls of ctfw_capture_next() would return
 * them, read with one pcap_dispatch() and copied, so that all of them
 * stay valid until the next call of either function. Returns the number
 * filled, 0 at the end of the last file, -1 on a read error (message in
 * err) — a read error after some packets ends the burst with them and is
 * returned by the next call, where it was — or -2 when out of memory.
 */
#define CTFW_CAPTURE_BURST_MAX 64
int ctfw_capture_burst(struct ctfw_capture *cap,
                       struct ctfw_capture_pkt *pkts, size_t n, char *err,
                       size_t errlen);

void ctfw_capture_set_warn(struct ctfw_capture *cap,
                           void (*warn)(void *arg, const char *msg),
                           void *arg);

const struct ctfw_capture_stats *
ctfw_capture_stats(const struct ctfw_capture *cap);

void ctfw_capture_close(struct ctfw_capture *cap);

/* A pcap writer with nanosecond timestamps. */
struct ctfw_capture_writer;

struct ctfw_capture_writer *ctfw_capture_writer_open(const char *path,
                                                     int linktype,
                                                     uint32_t snaplen,
                                                     char *err,
                                                     size_t errlen);
int ctfw_capture_writer_put(struct ctfw_capture_writer *w, uint64_t ts_ns,
                            const uint8_t *data, uint32_t caplen,
                            uint32_t wirelen);
/* Flushes and closes; returns 0 or -errno of a failed flush. */
int ctfw_capture_writer_close(struct ctfw_capture_writer *w);

/* "libpcap 1.10.3" (the version of the library linked). */
const char *ctfw_io_pcap_version(void);

#endif
