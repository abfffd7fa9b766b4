// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target for the packet decoder and its line formatter.
 *
 * Input layout: byte 0 picks the link type (from the table below, so
 * every decoder is reached, plus one type the decoder does not know);
 * byte 1 picks the wire length relative to the captured one, so that
 * snap-length truncation (wire > cap) and broken records (wire < cap)
 * are explored too; the rest is the frame. Besides the sanitizers, the
 * target checks the promises of ctfw/pkt.h and aborts when one breaks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctfw/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int linktypes[] = {
    CTFW_LINKTYPE_ETHERNET,   CTFW_LINKTYPE_LINUX_SLL,
    CTFW_LINKTYPE_LINUX_SLL2, CTFW_LINKTYPE_RAW,
    CTFW_LINKTYPE_RAW_OLD,    CTFW_LINKTYPE_IPV4,
    CTFW_LINKTYPE_IPV6,       CTFW_LINKTYPE_NULL,
    CTFW_LINKTYPE_LOOP,       CTFW_LINKTYPE_PPP,
    CTFW_LINKTYPE_NFLOG,      147 /* USER0: unsupported */,
};

static void
check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "decode invariant broken: %s\n", what);
        abort();
    }
}

static void
check_off(const struct ctfw_pkt *pkt, uint16_t off, const char *what)
{
    check(off == CTFW_PKT_OFF_NONE || off <= pkt->caplen, what);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 262144)
        return 0;
    int lt = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
    uint32_t caplen = (uint32_t)size - 2;
    uint32_t wirelen = data[1] == 255 ? caplen / 2 : caplen + data[1] * 7u;
    const uint8_t *frame = data + 2;
    struct ctfw_pkt pkt;

    int rc = ctfw_pkt_decode(&pkt, lt, frame, caplen, wirelen);
    check((rc == 0) == (pkt.family != 0), "return value vs family");
    check(pkt.family == 0 || pkt.family == 4 || pkt.family == 6, "family");
    check_off(&pkt, pkt.l3_off, "l3_off");
    check_off(&pkt, pkt.l4_off, "l4_off");
    check_off(&pkt, pkt.payload_off, "payload_off");
    check(!(pkt.has & CTFW_PKT_HAS_IP) || pkt.l3_off != CTFW_PKT_OFF_NONE,
          "HAS_IP without l3_off");
    check(!(pkt.has & CTFW_PKT_HAS_L4) || pkt.l4_off != CTFW_PKT_OFF_NONE,
          "HAS_L4 without l4_off");
    check(
        pkt.payload_off == CTFW_PKT_OFF_NONE ||
            (pkt.l4_off != CTFW_PKT_OFF_NONE && pkt.payload_off >= pkt.l4_off),
        "payload before l4");
    check(pkt.frag != CTFW_PKT_FRAG_LATER || pkt.l4_off == CTFW_PKT_OFF_NONE,
          "later fragment with an L4 header");
    check(pkt.tcp_opts.n_sack <= 4, "n_sack");
    check(pkt.n_vlan <= 2, "n_vlan");
    check(pkt.events < ((uint64_t)1 << CTFW_PKT_EV_COUNT), "event bits");

    char line[1024], tiny[16];
    int need = ctfw_pkt_format(&pkt, line, sizeof(line));
    check(need >= 0, "format length");
    if ((size_t)need < sizeof(line))
        check(strlen(line) == (size_t)need, "format length vs line");
    int need2 = ctfw_pkt_format(&pkt, tiny, sizeof(tiny));
    check(need2 == need, "format length depends on buffer");
    check(strlen(tiny) < sizeof(tiny), "tiny buffer terminated");
    ctfw_pkt_format(&pkt, NULL, 0);
    return 0;
}
