// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target for connection tracking through the decoder.
 *
 * Input layout: byte 0 sets the switches (bit 0 tcp_loose, 1 be_liberal,
 * 2 ignore_invalid_rst, 3 acct+timestamp, 4 checksum, 5 a tiny table
 * with max 6 in 2 buckets so that early drop, table full, the chain guard
 * and the gc early-drop mode are reached, 6 IPv6 records); then records
 * of [ctrl][len][len frame bytes] where ctrl bits 0-1 choose the end of
 * the path (confirm / abort / notrack / zone 1), bit 2 the hook
 * (LOCAL_OUT when set) and bits 2-7 the clock advance before the packet
 * (n^2 x 37 ms, up to ~2.3 min). Frames are raw IP (IPv4 only unless
 * bit 6 of byte 0 is set). At the end every entry is listed in every
 * format, then flushed.
 * Invariants of ctfw/ct.h are checked and abort when broken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctfw/ct.h"
#include "ctfw/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "conntrack invariant broken: %s\n", what);
        abort();
    }
}

struct fctx {
    struct ctfw_ct *ct;
    char buf[1024];
};

static void
on_event(void *opaque, const struct ctfw_ct_event *ev)
{
    struct fctx *f = opaque;
    int n = ctfw_ct_format_event(f->ct, ev, CTFW_CT_FMT_EXTENDED |
                                                CTFW_CT_FMT_TIMESTAMP,
                                 f->buf, sizeof(f->buf));
    check(n > 0 && strlen(f->buf) == (size_t)n, "event line length");
}

static void
on_log(void *opaque, uint64_t now, int level, const char *line)
{
    (void)opaque;
    (void)now;
    (void)level;
    check(strncmp(line, "n", 1) == 0, "log line");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sw = data[0];
    struct ctfw_ct_config cfg;
    ctfw_ct_config_default(&cfg, 0);
    cfg.tcp_loose = sw & 1;
    cfg.tcp_be_liberal = sw & 2;
    cfg.tcp_ignore_invalid_rst = sw & 4;
    cfg.acct = cfg.timestamp = sw & 8;
    cfg.checksum = sw & 16;
    if (sw & 32) {
        cfg.max = 6;
        cfg.buckets = 2;
    } else {
        cfg.max = 4096;
        cfg.buckets = 1024;
    }
    static struct fctx f;
    uint64_t now = 1700000000ull * 1000000000ull;
    struct ctfw_ct_params p = {.config = &cfg, .seed = 7, .start_ns = now,
                               .on_event = on_event, .event_opaque = &f,
                               .on_log = on_log};
    if (ctfw_ct_new(&p, &f.ct) < 0)
        return 0;
    size_t off = 1;
    while (off + 2 <= size) {
        uint8_t ctrl = data[off];
        size_t len = data[off + 1];
        off += 2;
        if (len > size - off)
            len = size - off;
        uint64_t step = (uint64_t)(ctrl >> 2) * (ctrl >> 2) * 37000000ull;
        now += step;
        struct ctfw_pkt pkt;
        int lt = (sw & 64) ? CTFW_LINKTYPE_RAW : CTFW_LINKTYPE_IPV4;
        if (ctfw_pkt_decode(&pkt, lt, data + off, (uint32_t)len,
                            (uint32_t)len) == 0) {
            struct ctfw_ct_ref ref;
            ctfw_ct_ref_init(&ref);
            unsigned mode = ctrl & 3;
            if (mode == 2)
                ctfw_ct_ref_notrack(&ref);
            if (mode == 3)
                ctfw_ct_ref_set_zone(&ref, 1);
            enum ctfw_ct_verdict v =
                ctfw_ct_in(f.ct, &pkt, now,
                           (ctrl & 4) ? CTFW_CT_HOOK_LOCAL_OUT
                                      : CTFW_CT_HOOK_PRE_ROUTING,
                           &ref);
            check(v == ref.verdict, "verdict mirrors ref");
            if (v == CTFW_CT_DROP)
                check(ref.entry == NULL, "dropped packet has no entry");
            if (ref.info == CTFW_CT_INVALID || ref.info == CTFW_CT_UNTRACKED)
                check(ref.entry == NULL, "INVALID/UNTRACKED has no entry");
            else
                check(ref.entry != NULL, "tracked packet has an entry");
            if (mode == 1)
                ctfw_ct_abort(f.ct, &ref);
            else if (v == CTFW_CT_ACCEPT)
                ctfw_ct_confirm(f.ct, &ref, now);
        }
        off += len;
        if (cfg.max)
            check(ctfw_ct_count(f.ct) <= cfg.max, "count <= max");
    }
    ctfw_ct_advance(f.ct, now);
    static const struct ctfw_ct_entry *list[8192];
    size_t n = ctfw_ct_list(f.ct, now, list, 8192);
    check(n == ctfw_ct_count(f.ct), "listing matches the count");
    for (size_t i = 0; i < n && i < 8192; i++) {
        int a = ctfw_ct_format_entry(f.ct, list[i], now,
                                     CTFW_CT_FMT_EXTENDED | CTFW_CT_FMT_ID,
                                     f.buf, sizeof(f.buf));
        check(a > 0 && strlen(f.buf) == (size_t)a, "entry line length");
        a = ctfw_ct_format_proc(f.ct, list[i], now, f.buf, 16);
        check(a > 0 && strlen(f.buf) == 15, "truncated proc line");
    }
    ctfw_ct_format_stats(f.ct, 4, f.buf, sizeof(f.buf));
    ctfw_ct_format_proc_stat(f.ct, 4, f.buf, sizeof(f.buf));
    ctfw_ct_flush(f.ct, now);
    check(ctfw_ct_count(f.ct) == 0, "flush empties the table");
    ctfw_ct_free(f.ct);
    return 0;
}
