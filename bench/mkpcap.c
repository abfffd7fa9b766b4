// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/mkpcap: write a synthetic capture for the decoder benchmarks.
 *
 *   mkpcap OUT.pcap [PACKETS]
 *
 * Deterministic mix over Ethernet: 80% TCP (IPv4, with options on SYNs,
 * payload on data packets), 10% UDP, 5% ICMP echo, 5% IPv6 TCP; 1,000
 * flows. Checksums are correct. This is a benchmark input only; the
 * traffic generator proper is `ctfw gen` (issue 7).
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctfw/bytes.h"
#include "ctfw/csum.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
    /* xorshift64*: enough for a reproducible traffic mix. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static size_t
l4_tcp(uint8_t *p, uint16_t sp, uint16_t dp, uint32_t seq, uint8_t flags,
       size_t payload)
{
    size_t hl = (flags & 0x02) ? 40 : 32;
    memset(p, 0, hl + payload);
    ctfw_put16(p, sp);
    ctfw_put16(p + 2, dp);
    ctfw_put32(p + 4, seq);
    ctfw_put32(p + 8, (flags & 0x10) ? seq ^ 0x5a5a5a5au : 0);
    p[12] = (uint8_t)((hl / 4) << 4);
    p[13] = flags;
    ctfw_put16(p + 14, 64240);
    uint8_t *o = p + 20;
    if (flags & 0x02) {
        o[0] = 2, o[1] = 4, ctfw_put16(o + 2, 1460);        /* MSS */
        o[4] = 4, o[5] = 2;                            /* SACK perm */
        o[6] = 8, o[7] = 10, ctfw_put32(o + 8, seq), ctfw_put32(o + 12, 0);
        o[16] = 1, o[17] = 3, o[18] = 3, o[19] = 7;    /* NOP, wscale 7 */
    } else {
        o[0] = 1, o[1] = 1, o[2] = 8, o[3] = 10;       /* NOP NOP TS */
        ctfw_put32(o + 4, seq), ctfw_put32(o + 8, seq >> 1);
    }
    for (size_t i = 0; i < payload; i++)
        p[hl + i] = (uint8_t)('a' + i % 26);
    return hl + payload;
}

static void
l4_csum(uint8_t *l4, size_t len, int csum_off, const uint8_t *src,
        const uint8_t *dst, size_t alen, uint8_t proto)
{
    uint32_t s = ctfw_csum_partial(src, alen, 0);
    s = ctfw_csum_partial(dst, alen, s);
    uint8_t ph[4] = {0, proto, (uint8_t)(len >> 8), (uint8_t)len};
    s = ctfw_csum_partial(ph, 4, s);
    s = ctfw_csum_partial(l4, len, s);
    ctfw_put16(l4 + csum_off, ctfw_csum_fold(s));
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mkpcap OUT.pcap [PACKETS]\n");
        return 2;
    }
    unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
    pcap_t *dead = pcap_open_dead_with_tstamp_precision(
        DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
    pcap_dumper_t *d = pcap_dump_open(dead, argv[1]);
    if (!d) {
        fprintf(stderr, "mkpcap: %s\n", pcap_geterr(dead));
        return 1;
    }
    uint8_t f[1600];
    uint64_t ts = 1764064800ull * 1000000000ull;
    for (unsigned long i = 0; i < n; i++) {
        uint32_t r = rnd(), flow = r % 1000, kind = (r >> 10) % 100;
        memset(f, 0, 14);
        f[0] = 2, f[5] = 1, f[6] = 2, f[11] = 2;
        size_t len;
        if (kind < 95) {
            uint8_t *ip = f + 14;
            ctfw_put16(f + 12, 0x0800);
            memset(ip, 0, 20);
            ip[0] = 0x45;
            ip[8] = 64;
            uint8_t src[4] = {10, 1, (uint8_t)(flow >> 8), (uint8_t)flow};
            uint8_t dst[4] = {10, 0, 0, 10};
            memcpy(ip + 12, src, 4);
            memcpy(ip + 16, dst, 4);
            size_t l4len;
            if (kind < 80) {
                ip[9] = 6;
                uint8_t fl = (i % 10 == 0) ? 0x02 : (r & 1) ? 0x18 : 0x10;
                size_t pl = (fl & 0x08) ? (r >> 20) % 1400 : 0;
                l4len = l4_tcp(ip + 20, (uint16_t)(20000 + flow), 80,
                               (uint32_t)(i * 1000), fl, pl);
                l4_csum(ip + 20, l4len, 16, src, dst, 4, 6);
            } else if (kind < 90) {
                ip[9] = 17;
                l4len = 8 + (r >> 20) % 512;
                memset(ip + 20, 0x42, l4len);
                ctfw_put16(ip + 20, (uint16_t)(30000 + flow));
                ctfw_put16(ip + 22, 53);
                ctfw_put16(ip + 24, (uint16_t)l4len);
                ctfw_put16(ip + 26, 0);
                l4_csum(ip + 20, l4len, 6, src, dst, 4, 17);
            } else {
                ip[9] = 1;
                l4len = 64;
                memset(ip + 20, 0x61, l4len);
                ip[20] = 8, ip[21] = 0;
                ctfw_put16(ip + 22, 0);
                ctfw_put16(ip + 24, (uint16_t)flow);
                ctfw_put16(ip + 26, (uint16_t)i);
                ctfw_put16(ip + 22, ctfw_csum_fold(
                                   ctfw_csum_partial(ip + 20, l4len, 0)));
            }
            ctfw_put16(ip + 2, (uint16_t)(20 + l4len));
            ctfw_put16(ip + 4, (uint16_t)i);
            ctfw_put16(ip + 10,
                  ctfw_csum_fold(ctfw_csum_partial(ip, 20, 0)));
            len = 14 + 20 + l4len;
        } else {
            uint8_t *ip = f + 14;
            ctfw_put16(f + 12, 0x86dd);
            memset(ip, 0, 40);
            ip[0] = 0x60;
            ip[6] = 6;
            ip[7] = 64;
            ip[8] = 0x20, ip[9] = 0x01, ip[10] = 0x0d, ip[11] = 0xb8;
            ip[22] = (uint8_t)(flow >> 8), ip[23] = (uint8_t)flow;
            ip[24] = 0x20, ip[25] = 0x01, ip[26] = 0x0d, ip[27] = 0xb8;
            ip[39] = 10;
            size_t l4len = l4_tcp(ip + 40, (uint16_t)(20000 + flow), 443,
                                  (uint32_t)i, 0x10, 0);
            l4_csum(ip + 40, l4len, 16, ip + 8, ip + 24, 16, 6);
            ctfw_put16(ip + 4, (uint16_t)l4len);
            len = 14 + 40 + l4len;
        }
        struct pcap_pkthdr h;
        ts += 1000 + r % 20000;
        h.ts.tv_sec = (time_t)(ts / 1000000000ull);
        h.ts.tv_usec = (suseconds_t)(ts % 1000000000ull);
        h.caplen = h.len = (uint32_t)len;
        pcap_dump((u_char *)d, &h, f);
    }
    pcap_dump_close(d);
    pcap_close(dead);
    return 0;
}
