// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Capture I/O over libpcap: several files in order, BPF filters compiled
 * per file, nanosecond timestamps, and a pcap writer.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/capture.h"

struct ctfw_capture {
    char **paths;
    size_t n_paths;
    size_t cur;          /* index of the open file */
    pcap_t *pc;
    char *filter;
    struct bpf_program prog;
    bool has_prog;
    uint64_t last_ts;
    uint64_t number;
    struct ctfw_capture_stats stats;
    void (*warn)(void *arg, const char *msg);
    void *warn_arg;
    char *iobuf;         /* the open file's stdio buffer (CAPTURE_IOBUF) */
    int linktype;        /* the open file's, read once per file */
    /* ctfw_capture_burst(): its packets' copies, and a read error met
     * after some of them, returned by the next call. */
    struct {
        uint8_t *buf;
        uint32_t size;
    } ring[CTFW_CAPTURE_BURST_MAX];
    struct ctfw_capture_pkt *burst_out;
    size_t burst_want, burst_got;
    bool burst_oom;
    bool err_pending;
    char err_msg[PCAP_ERRBUF_SIZE + 256];
};

/* The stdio buffer libpcap reads a capture file through: one read(2) per
 * 256 KiB instead of per 4 KiB (st_blksize), and still within a core's
 * L2 cache, which the kernel's copy and fread()'s copy both go through
 * (bench/RESULTS.md, B3 third pass: a 1 MiB buffer was no faster). */
#define CAPTURE_IOBUF (256u << 10)

static void
close_current(struct ctfw_capture *cap)
{
    if (cap->has_prog) {
        pcap_freecode(&cap->prog);
        cap->has_prog = false;
    }
    if (cap->pc) {
        pcap_close(cap->pc);
        cap->pc = NULL;
    }
}

static int
open_file(struct ctfw_capture *cap, size_t i, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    const char *path = cap->paths[i];

    if (!strcmp(path, "-")) {
        cap->pc = pcap_open_offline_with_tstamp_precision(
            path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
    } else {
        /* What pcap_open_offline() does for a file name, with our own
         * buffer on the FILE (pcap_close() closes it). */
        FILE *f = fopen(path, "rb");
        if (!f) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -1;
        }
        if (!cap->iobuf)
            cap->iobuf = malloc(CAPTURE_IOBUF);
        if (cap->iobuf)
            setvbuf(f, cap->iobuf, _IOFBF, CAPTURE_IOBUF);
        cap->pc = pcap_fopen_offline_with_tstamp_precision(
            f, PCAP_TSTAMP_PRECISION_NANO, ebuf);
        if (!cap->pc)
            fclose(f);
    }
    if (!cap->pc) {
        /* libpcap already names the file for missing files; keep its
         * words but make sure the path is there once. */
        if (strstr(ebuf, path))
            snprintf(err, errlen, "%s", ebuf);
        else
            snprintf(err, errlen, "%s: %s", path, ebuf);
        return -1;
    }
    if (cap->filter) {
        if (pcap_compile(cap->pc, &cap->prog, cap->filter, 1,
                         PCAP_NETMASK_UNKNOWN) < 0) {
            snprintf(err, errlen, "%s: bad filter expression: %s", path,
                     pcap_geterr(cap->pc));
            pcap_close(cap->pc);
            cap->pc = NULL;
            return -1;
        }
        cap->has_prog = true;
    }
    cap->linktype = pcap_datalink(cap->pc);
    return 0;
}

struct ctfw_capture *
ctfw_capture_open(const char *const *paths, size_t n, const char *filter,
                  char *err, size_t errlen)
{
    struct ctfw_capture *cap = calloc(1, sizeof(*cap));
    if (!cap || n == 0) {
        snprintf(err, errlen, "%s", n ? "out of memory" : "no capture file");
        free(cap);
        return NULL;
    }
    cap->paths = calloc(n, sizeof(char *));
    if (!cap->paths)
        goto oom;
    cap->n_paths = n;
    for (size_t i = 0; i < n; i++) {
        cap->paths[i] = strdup(paths[i]);
        if (!cap->paths[i])
            goto oom;
    }
    if (filter && *filter) {
        cap->filter = strdup(filter);
        if (!cap->filter)
            goto oom;
    }
    /* Open the first file now so that a missing file or a bad filter is
     * reported before any output, and check the others exist. */
    if (open_file(cap, 0, err, errlen) < 0) {
        ctfw_capture_close(cap);
        return NULL;
    }
    for (size_t i = 1; i < n; i++) {
        FILE *f = strcmp(paths[i], "-") ? fopen(paths[i], "rb") : stdin;
        if (!f) {
            snprintf(err, errlen, "%s: %s", paths[i], strerror(errno));
            ctfw_capture_close(cap);
            return NULL;
        }
        if (f != stdin)
            fclose(f);
    }
    return cap;
oom:
    snprintf(err, errlen, "out of memory");
    ctfw_capture_close(cap);
    return NULL;
}

void
ctfw_capture_set_warn(struct ctfw_capture *cap,
                      void (*warn)(void *arg, const char *msg), void *arg)
{
    cap->warn = warn;
    cap->warn_arg = arg;
}

/* One packet read from the open file: counted, filtered, its clock
 * checked; true with *pkt filled when it passes the filter. */
static inline bool
take_packet(struct ctfw_capture *cap, const struct pcap_pkthdr *h,
            const u_char *data, struct ctfw_capture_pkt *pkt)
{
    cap->number++;
    cap->stats.read++;
    uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull +
                  (uint64_t)h->ts.tv_usec; /* nanoseconds: NANO mode */
    if (cap->has_prog &&
        !pcap_offline_filter(&cap->prog, h, data))
        return false;
    if (ts < cap->last_ts) {
        cap->stats.ts_backwards++;
        if (cap->warn) {
            char msg[160];
            snprintf(msg, sizeof(msg),
                     "%s: packet %llu: timestamp goes backwards by "
                     "%llu ns",
                     cap->paths[cap->cur],
                     (unsigned long long)cap->number,
                     (unsigned long long)(cap->last_ts - ts));
            cap->warn(cap->warn_arg, msg);
        }
    } else {
        cap->last_ts = ts;
    }
    cap->stats.matched++;
    pkt->ts_ns = ts;
    pkt->caplen = h->caplen;
    pkt->wirelen = h->len;
    pkt->linktype = cap->linktype;
    pkt->data = data;
    pkt->file_index = (unsigned)cap->cur;
    pkt->number = cap->number;
    return true;
}

/* A read error met by ctfw_capture_burst() after some packets. */
static int
pending_error(struct ctfw_capture *cap, char *err, size_t errlen)
{
    cap->err_pending = false;
    snprintf(err, errlen, "%s", cap->err_msg);
    return -1;
}

int
ctfw_capture_next(struct ctfw_capture *cap, struct ctfw_capture_pkt *pkt,
                  char *err, size_t errlen)
{
    if (cap->err_pending)
        return pending_error(cap, err, errlen);
    for (;;) {
        if (!cap->pc) {
            if (cap->cur + 1 >= cap->n_paths)
                return 0;
            cap->cur++;
            if (open_file(cap, cap->cur, err, errlen) < 0)
                return -1;
        }
        struct pcap_pkthdr *h;
        const u_char *data;
        int rc = pcap_next_ex(cap->pc, &h, &data);
        if (rc == PCAP_ERROR_BREAK) {
            close_current(cap);
            continue;
        }
        if (rc < 0) {
            /* A file that ends mid-record: libpcap says "truncated dump
             * file". Everything before the damage has been delivered. */
            snprintf(err, errlen, "%s: %s", cap->paths[cap->cur],
                     pcap_geterr(cap->pc));
            cap->stats.truncated_files++;
            close_current(cap);
            return -1;
        }
        if (take_packet(cap, h, data, pkt))
            return 1;
    }
}

/* pcap_dispatch()'s callback: the packet taken, then copied into the
 * ring (libpcap's buffer holds one packet). */
static void
burst_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct ctfw_capture *cap = (struct ctfw_capture *)user;
    size_t i = cap->burst_got;
    struct ctfw_capture_pkt *pkt = &cap->burst_out[i];
    if (cap->burst_oom || !take_packet(cap, h, data, pkt))
        return;
    if (h->caplen > cap->ring[i].size) {
        uint32_t size = h->caplen < 2048 ? 2048 : h->caplen;
        uint8_t *b = realloc(cap->ring[i].buf, size);
        if (!b) {
            cap->burst_oom = true;
            pcap_breakloop(cap->pc);
            return;
        }
        cap->ring[i].buf = b;
        cap->ring[i].size = size;
    }
    memcpy(cap->ring[i].buf, data, h->caplen);
    pkt->data = cap->ring[i].buf;
    cap->burst_got++;
}

int
ctfw_capture_burst(struct ctfw_capture *cap, struct ctfw_capture_pkt *pkts,
                   size_t n, char *err, size_t errlen)
{
    if (cap->err_pending)
        return pending_error(cap, err, errlen);
    if (n > CTFW_CAPTURE_BURST_MAX)
        n = CTFW_CAPTURE_BURST_MAX;
    cap->burst_out = pkts;
    cap->burst_got = 0;
    while (cap->burst_got < n) {
        if (!cap->pc) {
            if (cap->cur + 1 >= cap->n_paths)
                break;
            cap->cur++;
            if (open_file(cap, cap->cur, cap->err_msg,
                          sizeof(cap->err_msg)) < 0)
                goto error;
        }
        /* pcap_dispatch() counts the packets it hands over, the ones
         * our filter then drops included: ask again for the rest. */
        int rc = pcap_dispatch(cap->pc, (int)(n - cap->burst_got), burst_cb,
                               (u_char *)cap);
        if (cap->burst_oom) {
            snprintf(err, errlen, "out of memory");
            return -2;
        }
        if (rc == 0) {   /* end of this file */
            close_current(cap);
            continue;
        }
        if (rc < 0) {
            /* As ctfw_capture_next(): a truncated file ends here. */
            snprintf(cap->err_msg, sizeof(cap->err_msg), "%s: %s",
                     cap->paths[cap->cur], pcap_geterr(cap->pc));
            cap->stats.truncated_files++;
            close_current(cap);
            goto error;
        }
    }
    return (int)cap->burst_got;
error:
    if (cap->burst_got) {
        /* The packets before the damage first; the error next call. */
        cap->err_pending = true;
        return (int)cap->burst_got;
    }
    return pending_error(cap, err, errlen);
}

const struct ctfw_capture_stats *
ctfw_capture_stats(const struct ctfw_capture *cap)
{
    return &cap->stats;
}

void
ctfw_capture_close(struct ctfw_capture *cap)
{
    if (!cap)
        return;
    close_current(cap);
    for (size_t i = 0; i < cap->n_paths; i++)
        free(cap->paths[i]);
    free(cap->paths);
    free(cap->filter);
    free(cap->iobuf);   /* after pcap_close() closed its FILE */
    for (size_t i = 0; i < CTFW_CAPTURE_BURST_MAX; i++)
        free(cap->ring[i].buf);
    free(cap);
}

struct ctfw_capture_writer {
    pcap_t *dead;
    pcap_dumper_t *dump;
};

struct ctfw_capture_writer *
ctfw_capture_writer_open(const char *path, int linktype, uint32_t snaplen,
                         char *err, size_t errlen)
{
    struct ctfw_capture_writer *w = calloc(1, sizeof(*w));
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->dead = pcap_open_dead_with_tstamp_precision(
        linktype, (int)snaplen, PCAP_TSTAMP_PRECISION_NANO);
    if (!w->dead) {
        snprintf(err, errlen, "%s: cannot create pcap handle", path);
        free(w);
        return NULL;
    }
    w->dump = pcap_dump_open(w->dead, path);
    if (!w->dump) {
        snprintf(err, errlen, "%s", pcap_geterr(w->dead));
        pcap_close(w->dead);
        free(w);
        return NULL;
    }
    return w;
}

int
ctfw_capture_writer_put(struct ctfw_capture_writer *w, uint64_t ts_ns,
                        const uint8_t *data, uint32_t caplen,
                        uint32_t wirelen)
{
    struct pcap_pkthdr h;
    h.ts.tv_sec = (time_t)(ts_ns / 1000000000ull);
    h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000ull); /* NANO file */
    h.caplen = caplen;
    h.len = wirelen;
    pcap_dump((u_char *)w->dump, &h, data);
    return 0;
}

int
ctfw_capture_writer_close(struct ctfw_capture_writer *w)
{
    int rc = 0;
    if (!w)
        return 0;
    if (pcap_dump_flush(w->dump) < 0)
        rc = -EIO;
    pcap_dump_close(w->dump);
    pcap_close(w->dead);
    free(w);
    return rc;
}

const char *
ctfw_io_pcap_version(void)
{
    /* pcap_lib_version(): "libpcap version 1.10.3 (with TPACKET_V3)". */
    static char buf[64];
    const char *v = pcap_lib_version();
    const char *p = strstr(v, "version ");
    if (!p) {
        snprintf(buf, sizeof(buf), "%s", v);
        return buf;
    }
    p += strlen("version ");
    size_t n = strcspn(p, " ");
    snprintf(buf, sizeof(buf), "libpcap %.*s", (int)n, p);
    return buf;
}
