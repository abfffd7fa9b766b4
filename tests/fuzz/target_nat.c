// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target for NAT through the whole pipeline: a router with every NAT
 * target (DNAT with ranges and offsets, REDIRECT, NETMAP both ways, SNAT
 * with tiny port ranges, MASQUERADE) and REJECT answers, fed raw IP
 * frames from both sides.
 *
 * Input layout: records of [ctrl][len][len frame bytes]; ctrl bit 0 says
 * the frame comes from the server side (in-interface hint 3), bits 1-7
 * the clock advance before it (n x 50 ms). Frames are raw IPv4/IPv6.
 * Invariants checked (abort when broken): every packet that leaves is at
 * least an IP header long, and an IPv4 packet that leaves with a whole
 * header has a right header checksum when the frame it came from had
 * one (NAT updates it incrementally).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctfw/csum.h"
#include "ctfw/hook.h"
#include "ctfw/host.h"
#include "ctfw/pkt.h"
#include "ctfw/rules.h"
#include "ctfw/sysctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "NAT invariant broken: %s\n", what);
        abort();
    }
}

static const char RULES4[] =
    "*nat\n"
    ":PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
    ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
    "-A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination "
    "10.2.0.2-10.2.0.5:80-81\n"
    "-A PREROUTING -p udp --dport 5000:5100 -j DNAT --to-destination "
    "10.2.0.2:6000-6100/5000\n"
    "-A PREROUTING -p tcp --dport 22 -j REDIRECT --to-ports 2222\n"
    "-A PREROUTING -d 10.9.0.0/24 -j NETMAP --to 10.2.0.0/24\n"
    "-A PREROUTING -p icmp -d 10.1.0.1 -j DNAT --to-destination 10.2.0.2\n"
    "-A POSTROUTING -o eth1 -p tcp -j SNAT --to-source 10.2.0.1:1024-1026\n"
    "-A POSTROUTING -o eth1 -p udp -j SNAT --to-source "
    "10.2.0.1-10.2.0.3 --persistent\n"
    "-A POSTROUTING -o eth1 -s 10.1.0.128/25 -j NETMAP --to 10.3.0.0/25\n"
    "-A POSTROUTING -o eth1 -j MASQUERADE --random-fully\n"
    "-A POSTROUTING -o eth0 -j MASQUERADE\n"
    "COMMIT\n"
    "*filter\n"
    ":INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
    "-A FORWARD -p tcp --dport 81 -j REJECT --reject-with tcp-reset\n"
    "-A FORWARD -p udp --dport 6050 -j REJECT\n"
    "-A INPUT -p tcp --dport 2222 -j REJECT --reject-with tcp-reset\n"
    "-A FORWARD -m conntrack --ctstate SNAT,DNAT --ctrepldst 10.2.0.1\n"
    "COMMIT\n";

static const char RULES6[] =
    "*nat\n"
    ":PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
    ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
    "-A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination "
    "[fd00:2::2]:80\n"
    "-A POSTROUTING -o eth1 -j MASQUERADE\n"
    "COMMIT\n";

struct fctx {
    bool checked;   /* the current frame had a right IPv4 checksum */
};

static void
on_output(void *arg, uint64_t now_ns, const uint8_t *ip, size_t caplen,
          size_t wirelen)
{
    struct fctx *f = arg;
    (void)now_ns;
    (void)wirelen;
    check(caplen >= 1, "empty packet out");
    if ((ip[0] >> 4) == 4 && caplen >= 20 && (ip[0] & 0x0f) == 5 &&
        f->checked)
        check(ctfw_csum_fold(ctfw_csum_partial(ip, 20, 0)) == 0,
              "IPv4 header checksum of a packet that left");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ctfw_ruleset *rs4, *rs6;
    static struct ctfw_host *host;
    static struct ctfw_sysctl sys;
    if (!rs4) {
        struct ctfw_rules_parse_params pp = {.filename = "nat",
                                             .format =
                                                 CTFW_RULES_FMT_RESTORE};
        rs4 = ctfw_rules_new(4);
        rs6 = ctfw_rules_new(6);
        check(rs4 && rs6, "rules");
        check(ctfw_rules_parse(rs4, &pp, RULES4, sizeof(RULES4) - 1) == 0,
              "IPv4 rules parse");
        check(ctfw_rules_parse(rs6, &pp, RULES6, sizeof(RULES6) - 1) == 0,
              "IPv6 rules parse");
        host = ctfw_host_new();
        char err[128];
        check(host &&
                  ctfw_host_add_iface(host, "eth0=10.1.0.1/16", err,
                                      sizeof(err)) == 0 &&
                  ctfw_host_add_iface(host, "eth1=10.2.0.1/16", err,
                                      sizeof(err)) == 0 &&
                  ctfw_host_add_iface(host, "eth0=fd00:1::1/64", err,
                                      sizeof(err)) == 0 &&
                  ctfw_host_add_iface(host, "eth1=fd00:2::1/64", err,
                                      sizeof(err)) == 0 &&
                  ctfw_host_add_route(host, "default=eth1", err,
                                      sizeof(err)) == 0,
              "host");
        ctfw_host_set_forward(host, true);
        ctfw_sysctl_init(&sys);
    }
    static struct fctx f;
    uint64_t now = 1700000000ull * 1000000000ull;
    struct ctfw_pipeline_params p = {
        .rules4 = rs4, .rules6 = rs6, .host = host, .sysctl = &sys,
        .seed = size, .start_ns = now, .on_output = on_output,
        .output_arg = &f,
    };
    struct ctfw_pipeline *pl;
    if (ctfw_pipeline_new(&p, &pl) < 0)
        return 0;
    size_t i = 0;
    while (i + 2 <= size) {
        uint8_t ctrl = data[i];
        size_t len = data[i + 1];
        i += 2;
        if (len > size - i)
            len = size - i;
        now += (uint64_t)(ctrl >> 1) * 50000000ull;
        struct ctfw_pkt pkt;
        ctfw_pkt_decode(&pkt, CTFW_LINKTYPE_RAW, data + i, (uint32_t)len,
                        (uint32_t)len);
        f.checked = pkt.family == 4 && pkt.ip_csum_ok;
        struct ctfw_pipeline_result res;
        ctfw_pipeline_packet(pl, &pkt, now, (ctrl & 1) ? 3 : 2, false,
                             &res);
        i += len;
    }
    ctfw_pipeline_free(pl);
    return 0;
}
