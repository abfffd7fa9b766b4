// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Evaluation tests, second part (see test_eval.c for the method): the
 * simple matches, limit, REJECT, LOG against real kernel lines, the
 * other targets, and ruleset-level questions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "test_eval.h"

/* ------------------------------------------------------------------ */
/* Simple matches: one rule "-A INPUT <rule> -j ACCEPT" under a DROP   */
/* policy, one packet, matched or not (§8.5 and the xt_* named).       */

struct mcase {
    const char *rule;
    struct ip4 h;   /* a TCP packet 10.0.0.2:1000 -> :80 */
    const char *in; /* NULL: eth0 (index 2) */
    uint8_t hook;   /* 0: INPUT */
    uint32_t mark;
    bool want;
};

static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t MCAST[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};

static const struct mcase mcases[] = {
    /* xt_comment: always. */
    {"-m comment --comment \"two words\"", {0}, NULL, 0, 0, true},
    /* mark_mt: (mark & mask) == value, "!" inverts. */
    {"-m mark --mark 0x5/0xf", {0}, NULL, 0, 0x15, true},
    {"-m mark --mark 0x5/0xf", {0}, NULL, 0, 0x16, false},
    {"-m mark ! --mark 0x5", {0}, NULL, 0, 0x5, false},
    /* iprange: inclusive bounds. */
    {"-m iprange --src-range 10.0.0.2-10.0.0.9",
     {.src = "10.0.0.9"},
     NULL,
     0,
     0,
     true},
    {"-m iprange --src-range 10.0.0.2-10.0.0.9",
     {.src = "10.0.0.10"},
     NULL,
     0,
     0,
     false},
    {"-m iprange ! --dst-range 10.0.0.0-10.0.0.255", {0}, NULL, 0, 0, false},
    /* length_mt: IP total length (20 + 20 here). */
    {"-m length --length 40", {0}, NULL, 0, 0, true},
    {"-m length --length 41:100", {0}, NULL, 0, 0, false},
    {"-m length ! --length 0:39", {0}, NULL, 0, 0, true},
    /* ttl_mt: eq / ne / lt / gt. */
    {"-m ttl --ttl-eq 64", {0}, NULL, 0, 0, true},
    {"-m ttl ! --ttl-eq 64", {0}, NULL, 0, 0, false},
    {"-m ttl --ttl-lt 64", {0}, NULL, 0, 0, false},
    {"-m ttl --ttl-gt 63", {0}, NULL, 0, 0, true},
    /* pkttype_mt: skb->pkt_type from the destination MAC on input;
     * locally generated packets are host (unicast). */
    {"-m pkttype --pkt-type broadcast",
     {.dst = "10.0.0.255", .dmac = BCAST},
     NULL,
     0,
     0,
     true},
    {"-m pkttype --pkt-type multicast",
     {.dst = "224.0.0.1", .dmac = MCAST},
     NULL,
     0,
     0,
     true},
    {"-m pkttype --pkt-type unicast", {0}, NULL, 0, 0, true},
    {"-m pkttype ! --pkt-type unicast", {0}, NULL, 0, 0, false},
    {"-m pkttype --pkt-type unicast", {.dmac = BCAST}, "", 3, 0, true},
    /* tos_mt: (tos & mask) == value; names use mask 0x3f. */
    {"-m tos --tos 0x10/0x3f", {.tos = 0x10}, NULL, 0, 0, true},
    {"-m tos --tos Minimize-Delay", {.tos = 0xd0}, NULL, 0, 0, true},
    {"-m tos --tos Minimize-Delay", {.tos = 0x11}, NULL, 0, 0, false},
    /* dscp_mt: tos >> 2. */
    {"-m dscp --dscp 0x2e", {.tos = 0xb8}, NULL, 0, 0, true},
    {"-m dscp --dscp-class EF", {.tos = 0xb9}, NULL, 0, 0, true},
    {"-m dscp ! --dscp 0", {0}, NULL, 0, 0, false},
    /* mac_mt: the Ethernet source. */
    {"-m mac --mac-source 02:00:00:00:00:02", {0}, NULL, 0, 0, true},
    {"-m mac ! --mac-source 02:00:00:00:00:02", {0}, NULL, 0, 0, false},
    {"-m mac --mac-source 02:00:00:00:00:03", {0}, NULL, 0, 0, false},
    /* addrtype_mt_v1 against the host model (eth0 10.0.0.1/24 index 2,
     * eth1 192.168.5.1/24 index 3): LOCAL, subnet and limited
     * broadcast, multicast; --limit-iface-in restricts LOCAL to the
     * input interface. */
    {"-m addrtype --dst-type LOCAL", {0}, NULL, 0, 0, true},
    {"-m addrtype --dst-type LOCAL", {.dst = "192.168.5.1"}, NULL, 0, 0, true},
    {"-m addrtype --dst-type LOCAL --limit-iface-in",
     {.dst = "192.168.5.1"},
     NULL,
     0,
     0,
     false},
    {"-m addrtype --dst-type LOCAL --limit-iface-in", {0}, NULL, 0, 0, true},
    {"-m addrtype --dst-type BROADCAST",
     {.dst = "10.0.0.255"},
     NULL,
     0,
     0,
     true},
    {"-m addrtype --dst-type BROADCAST",
     {.dst = "255.255.255.255"},
     NULL,
     0,
     0,
     true},
    {"-m addrtype --dst-type MULTICAST",
     {.dst = "224.0.0.1"},
     NULL,
     0,
     0,
     true},
    {"-m addrtype --src-type LOCAL", {0}, NULL, 0, 0, false},
    {"-m addrtype ! --src-type LOCAL --dst-type LOCAL", {0}, NULL, 0, 0, true},
    {"-m addrtype --src-type UNICAST,LOCAL",
     {.src = "8.8.8.8"},
     NULL,
     0,
     0,
     true},
};

static struct ctfw_host *
make_host(void)
{
    char err[128];
    struct ctfw_host *h = ctfw_host_new();
    assert_non_null(h);
    assert_int_equal(
        ctfw_host_add_iface(h, "eth0=10.0.0.1/24", err, sizeof(err)), 0);
    assert_int_equal(
        ctfw_host_add_iface(h, "eth1=192.168.5.1/24", err, sizeof(err)), 0);
    return h;
}

static void
simple_matches(void **state)
{
    (void)state;
    struct ctfw_host *host = make_host();
    ENV.host = host;
    for (size_t i = 0; i < sizeof(mcases) / sizeof(mcases[0]); i++) {
        const struct mcase *c = &mcases[i];
        const char *chain = c->hook == 3 ? "OUTPUT" : "INPUT";
        char text[512];
        snprintf(text, sizeof(text),
                 "*filter\n:%s DROP [0:0]\n-A %s %s -j ACCEPT\nCOMMIT\n",
                 chain, chain, c->rule);
        struct ctfw_ruleset *rs = load(4, text);
        struct pk k;
        tcp4(&k, &c->h, 1000, 80, 0x02);
        k.skb.mark = c->mark;
        if (c->in) {
            k.skb.in_name = c->in;
            k.skb.in_ifindex = c->in[0] ? ctfw_host_ifindex(host, c->in) : 0;
        }
        if (c->hook == 3) {
            k.skb.hook = CTFW_HOOK_LOCAL_OUT;
            k.skb.out_name = "eth0";
            k.skb.out_ifindex = 2;
        }
        struct ctfw_rules_verdict v = run(rs, F, &k);
        if (v.accept != c->want)
            fprintf(stderr, "case %zu: %s: want %d\n", i, c->rule, c->want);
        assert_int_equal(v.accept, c->want);
        ctfw_rules_free(rs);
    }
    ctfw_host_free(host);
}

/* limit_mt() on the packet clock: 1/second, burst 2 (reference §8.5,
 * xt_limit.c): the bucket starts full with two packets; a token costs
 * one second; half a second refills half a token. */
static void
limit_bucket(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n"
                ":INPUT DROP [0:0]\n"
                "-A INPUT -m limit --limit 1/sec --limit-burst 2 -j ACCEPT\n"
                "COMMIT\n");
    struct pk k;
    struct ip4 h = {0};
    static const struct {
        uint64_t ms;
        bool ok;
    } seq[] = {
        {0, true},                   /* burst */
        {0, true},                   /* burst */
        {0, false},                  /* empty */
        {500, false},                /* half a token */
        {1000, true},                /* one token */
        {1000, false}, {5000, true}, /* refilled up to the burst of 2, not 4 */
        {5000, true},  {5000, false},
    };
    for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
        tcp4(&k, &h, 1, 80, 0x02);
        k.skb.now_ns = T0 + seq[i].ms * 1000000ull;
        struct ctfw_rules_verdict v = run(rs, F, &k);
        if (v.accept != seq[i].ok)
            fprintf(stderr, "limit step %zu\n", i);
        assert_int_equal(v.accept, seq[i].ok);
    }
    ctfw_rules_free(rs);
}

/* xt_recent: the classic SSH rate guard. One rule --set's the source
 * into list "ssh", the next --update's it and drops once 4 stamps lie
 * within 60 s (the --set of the same packet counts: it ran first); the
 * list is shared by name between the rules; another source has its own
 * entry; --rcheck ! inverts; --remove forgets. */
static void
recent_lists(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n"
                "-A INPUT -p tcp --dport 22 -m recent --set --name ssh\n"
                "-A INPUT -p tcp --dport 22 -m recent --update --seconds 60 "
                "--hitcount 4 --name ssh -j DROP\n"
                "-A INPUT -p tcp --dport 22 -j ACCEPT\n"
                "-A INPUT -p udp -m recent --remove --name ssh -j ACCEPT\n"
                "-A INPUT -m recent ! --rcheck --name ssh -j ACCEPT\n"
                "-A INPUT -j DROP\n"
                "COMMIT\n");
    struct pk k;
    struct ip4 a = {.src = "10.0.0.2"}, b = {.src = "10.0.0.3"};
    static const struct {
        unsigned s;
        bool from_b, ok;
    } seq[] = {
        {0, false, true},   /* 1 stamp */
        {1, false, true},   /* 2 */
        {2, false, true},   /* 3 */
        {2, true, true},    /* b: 1 */
        {3, false, false},  /* 4 stamps within 60 s: DROP */
        {100, false, true}, /* only the new stamp is within 60 s */
    };
    for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
        tcp4(&k, seq[i].from_b ? &b : &a, 1000, 22, 0x02);
        k.skb.now_ns = T0 + seq[i].s * 1000000000ull;
        struct ctfw_rules_verdict v = run(rs, F, &k);
        if (v.accept != seq[i].ok)
            fprintf(stderr, "recent step %zu\n", i);
        assert_int_equal(v.accept, seq[i].ok);
    }
    /* a is listed: "! --rcheck" does not match, DROP; udp removes a;
     * then "! --rcheck" matches. */
    icmp4(&k, &a, 8, 0);
    expect(rs, F, &k, false, BYR, "INPUT", 6);
    udp4(&k, &a, 1, 53);
    expect(rs, F, &k, true, BYR, "INPUT", 4);
    icmp4(&k, &a, 8, 0);
    expect(rs, F, &k, true, BYR, "INPUT", 5);
    /* --remove of an unknown address does not match. */
    udp4(&k, &a, 1, 53);
    expect(rs, F, &k, true, BYR, "INPUT", 5);
    ctfw_rules_free(rs);
}

/* reject_tg(): every --reject-with type reaches the pipeline with its
 * kind, and the packet is dropped by the rule. */
static void
reject_types(void **state)
{
    (void)state;
    static const struct {
        int family;
        const char *with;
        enum ctfw_reject_type type;
    } cases[] = {
        {4, "icmp-net-unreachable", CTFW_REJECT_NET_UNREACH},
        {4, "icmp-host-unreachable", CTFW_REJECT_HOST_UNREACH},
        {4, "icmp-port-unreachable", CTFW_REJECT_PORT_UNREACH},
        {4, "icmp-proto-unreachable", CTFW_REJECT_PROT_UNREACH},
        {4, "icmp-net-prohibited", CTFW_REJECT_NET_PROHIB},
        {4, "icmp-host-prohibited", CTFW_REJECT_HOST_PROHIB},
        {4, "icmp-admin-prohibited", CTFW_REJECT_ADMIN_PROHIB},
        {4, "tcp-reset", CTFW_REJECT_TCP_RESET},
        {4, NULL, CTFW_REJECT_PORT_UNREACH}, /* the default */
        {6, "icmp6-no-route", CTFW_REJECT6_NO_ROUTE},
        {6, "icmp6-adm-prohibited", CTFW_REJECT6_ADM_PROHIBITED},
        {6, "icmp6-addr-unreachable", CTFW_REJECT6_ADDR_UNREACH},
        {6, "icmp6-port-unreachable", CTFW_REJECT6_PORT_UNREACH},
        {6, "icmp6-policy-fail", CTFW_REJECT6_POLICY_FAIL},
        {6, "icmp6-reject-route", CTFW_REJECT6_REJECT_ROUTE},
        {6, "tcp-reset", CTFW_REJECT_TCP_RESET},
        {6, NULL, CTFW_REJECT6_PORT_UNREACH},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[256];
        snprintf(text, sizeof(text),
                 "*filter\n-A INPUT -p tcp -j REJECT%s%s\nCOMMIT\n",
                 cases[i].with ? " --reject-with " : "",
                 cases[i].with ? cases[i].with : "");
        struct ctfw_ruleset *rs = load(cases[i].family, text);
        struct pk k;
        if (cases[i].family == 4) {
            struct ip4 h = {0};
            tcp4(&k, &h, 1, 80, 0x02);
        } else {
            uint8_t t[20];
            frame6(&k, "2001:db8::2", "2001:db8::1", 6, 64, 0, t,
                   tcp_seg(t, 1, 80, 0x02, NULL, 0));
        }
        S.n_reject = 0;
        struct ctfw_rules_verdict v = run(rs, F, &k);
        assert_false(v.accept);
        assert_int_equal(v.by, BYR);
        assert_string_equal(v.target, "REJECT");
        assert_int_equal(S.n_reject, 1);
        if (S.reject[0] != cases[i].type)
            fprintf(stderr, "reject case %zu\n", i);
        assert_int_equal(S.reject[0], cases[i].type);
        ctfw_rules_free(rs);
    }
}

/* ------------------------------------------------------------------ */
/* LOG (reference §8.6, nf_log_syslog.c).                              */

/*
 * The frames, rules and expected lines below were captured from a real
 * kernel (Linux 6.18.44, iptables 1.8.9 nf_tables) on 2026-11-25: two
 * private network namespaces joined by a veth pair (va 02:..:01
 * 10.99.0.1/24, vb 02:..:02 10.99.0.2/24), these rules loaded in va's
 * namespace, the four frames sent from vb through an AF_PACKET socket,
 * net.netfilter.nf_log_all_netns set to 1 only for the run (restored
 * by a trap), and the lines read with `dmesg -r` (the "<level>" is the
 * printk level; the "[time] " prefix is dmesg's, not the line's). The
 * counters are what iptables-save -c printed in that namespace.
 */
static const char *const log_frames[] = {
    /* TCP SYN with MSS, NOP, WS, SACK-permitted, NOP, NOP; DF. */
    "02000000000102000000000208004500003412344000400613c80a6300020a630001"
    "9c40005001020304000000008002faf0bec10000020405b40103030704020101",
    /* TCP with all reserved bits, AE, CWR ECE URG PSH FIN, URG ptr 7. */
    "02000000000102000000000208004500002800010000400666070a6300020a630001"
    "9c411f90deadbeef112233445fe90200eb560007",
    /* UDP with IP options NOP NOP NOP EOL; marked 0x2a in mangle. */
    "020000000001020000000002080046000024beef00004011a4100a6300020a630001"
    "0101010014e90035000c112961626364",
    /* ICMP echo request, TOS 0xb8, TTL 3, evil bit + DF. */
    "020000000001020000000002080045b800240a0bc0000301d84d0a6300020a630001"
    "0800f8144242000170696e67706f6e67",
};

static const struct {
    int level;
    const char *line;
} kernel_lines[] = {
    {4, "ctfwX IN=va OUT= MAC=02:00:00:00:00:01:02:00:00:00:00:02:08:00 "
        "SRC=10.99.0.2 DST=10.99.0.1 LEN=52 TOS=0x00 PREC=0x00 TTL=64 "
        "ID=4660 DF PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 SYN "
        "URGP=0 "},
    {6, "ctfwY IN=va OUT= MAC=02:00:00:00:00:01:02:00:00:00:00:02:08:00 "
        "SRC=10.99.0.2 DST=10.99.0.1 LEN=52 TOS=0x00 PREC=0x00 TTL=64 "
        "ID=4660 DF PROTO=TCP SPT=40000 DPT=80 SEQ=16909060 ACK=0 "
        "WINDOW=64240 RES=0x00 SYN URGP=0 OPT (020405B40103030704020101) "},
    {6, "ctfwY IN=va OUT= MAC=02:00:00:00:00:01:02:00:00:00:00:02:08:00 "
        "SRC=10.99.0.2 DST=10.99.0.1 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 "
        "PROTO=TCP SPT=40001 DPT=8080 SEQ=3735928559 ACK=287454020 "
        "WINDOW=512 RES=0x38 AE CWR ECE URG PSH FIN URGP=7 "},
    {4, "ctfwZ IN=va OUT= MAC=02:00:00:00:00:01:02:00:00:00:00:02:08:00 "
        "SRC=10.99.0.2 DST=10.99.0.1 LEN=36 TOS=0x00 PREC=0x00 TTL=64 "
        "ID=48879 OPT (01010100) PROTO=UDP SPT=5353 DPT=53 LEN=12 "
        "MARK=0x2a "},
    {4, "ctfwI IN=va OUT= MAC=02:00:00:00:00:01:02:00:00:00:00:02:08:00 "
        "SRC=10.99.0.2 DST=10.99.0.1 LEN=36 TOS=0x18 PREC=0xA0 TTL=3 "
        "ID=2571 CE DF PROTO=ICMP TYPE=8 CODE=0 ID=16962 SEQ=1 "},
};

static void
log_lines_match_kernel(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs = load(
        4,
        "*mangle\n"
        "-A PREROUTING -p udp -j MARK --set-mark 0x2a\n"
        "COMMIT\n"
        "*filter\n"
        "-A INPUT -p tcp --tcp-flags SYN SYN -j LOG --log-prefix \"ctfwX \"\n"
        "-A INPUT -p tcp -j LOG --log-prefix \"ctfwY \" --log-tcp-sequence "
        "--log-tcp-options --log-ip-options --log-level 6\n"
        "-A INPUT -p udp -j LOG --log-prefix \"ctfwZ \" --log-ip-options\n"
        "-A INPUT -p icmp -j LOG --log-prefix \"ctfwI \"\n"
        "-A INPUT -j DROP\n"
        "COMMIT\n");
    for (size_t i = 0; i < 4; i++) {
        struct pk k;
        hexframe(&k, log_frames[i]);
        k.skb.in_name = "va";
        k.skb.hook = CTFW_HOOK_PRE_ROUTING;
        run(rs, CTFW_TABLE_MANGLE, &k);
        k.skb.hook = CTFW_HOOK_LOCAL_IN;
        expect(rs, F, &k, false, BYR, "INPUT", 5);
    }
    assert_int_equal(S.n_log, 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(S.level[i], kernel_lines[i].level);
        assert_string_equal(S.line[i], kernel_lines[i].line);
    }
    assert_save(rs, "filter",
                "*filter\n"
                ":INPUT ACCEPT [0:0]\n"
                ":FORWARD ACCEPT [0:0]\n"
                ":OUTPUT ACCEPT [0:0]\n"
                "[1:52] -A INPUT -p tcp -m tcp --tcp-flags SYN SYN -j LOG "
                "--log-prefix \"ctfwX \"\n"
                "[2:92] -A INPUT -p tcp -j LOG --log-prefix \"ctfwY \" "
                "--log-level 6 --log-tcp-sequence --log-tcp-options "
                "--log-ip-options\n"
                "[1:36] -A INPUT -p udp -j LOG --log-prefix \"ctfwZ \" "
                "--log-ip-options\n"
                "[1:36] -A INPUT -p icmp -j LOG --log-prefix \"ctfwI \"\n"
                "[4:164] -A INPUT -j DROP\n"
                "COMMIT\n");
    assert_save(rs, "mangle",
                "*mangle\n"
                ":PREROUTING ACCEPT [4:164]\n"
                ":INPUT ACCEPT [0:0]\n"
                ":FORWARD ACCEPT [0:0]\n"
                ":OUTPUT ACCEPT [0:0]\n"
                ":POSTROUTING ACCEPT [0:0]\n"
                "[1:36] -A PREROUTING -p udp -j MARK --set-xmark "
                "0x2a/0xffffffff\n"
                "COMMIT\n");
    ctfw_rules_free(rs);
}

/* IPv6, captured the same way (ip6tables 1.8.9, same veth pair with
 * 2001:db8::1/64 and ::2/64): a SYN with traffic class 0x28 and flow
 * label 0x12345; an echo request behind a hop-by-hop header (PadN),
 * logged with and without --log-ip-options. */
static void
log_lines_match_kernel_v6(void **state)
{
    (void)state;
    static const char *const frames[] = {
        "02000000000102000000000286dd628123450014064020010db8000000000000"
        "00000000000220010db80000000000000000000000019c4201bb000000070000"
        "0000500203e8b2810000",
        "02000000000102000000000286dd600000000018000720010db8000000000000"
        "00000000000220010db80000000000000000000000013a000104000000008000"
        "ad0d01010009763670696e672121",
    };
    static const char *const lines[] = {
        "ctfw6T IN=va OUT= MAC=02:00:00:00:00:01:02:00:00:00:00:02:86:dd "
        "SRC=2001:0db8:0000:0000:0000:0000:0000:0002 "
        "DST=2001:0db8:0000:0000:0000:0000:0000:0001 LEN=60 TC=40 "
        "HOPLIMIT=64 FLOWLBL=74565 PROTO=TCP SPT=40002 DPT=443 WINDOW=1000 "
        "RES=0x00 SYN URGP=0 ",
        "ctfw6I IN=va OUT= MAC=02:00:00:00:00:01:02:00:00:00:00:02:86:dd "
        "SRC=2001:0db8:0000:0000:0000:0000:0000:0002 "
        "DST=2001:0db8:0000:0000:0000:0000:0000:0001 LEN=64 TC=0 "
        "HOPLIMIT=7 FLOWLBL=0 OPT ( ) PROTO=ICMPv6 TYPE=128 CODE=0 ID=257 "
        "SEQ=9 ",
        "ctfw6J IN=va OUT= MAC=02:00:00:00:00:01:02:00:00:00:00:02:86:dd "
        "SRC=2001:0db8:0000:0000:0000:0000:0000:0002 "
        "DST=2001:0db8:0000:0000:0000:0000:0000:0001 LEN=64 TC=0 "
        "HOPLIMIT=7 FLOWLBL=0 PROTO=ICMPv6 TYPE=128 CODE=0 ID=257 SEQ=9 ",
    };
    struct ctfw_ruleset *rs = load(
        6, "*filter\n"
           "-A INPUT -p tcp -j LOG --log-prefix \"ctfw6T \"\n"
           "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type echo-request -j LOG "
           "--log-prefix \"ctfw6I \" --log-ip-options\n"
           "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type echo-request -j LOG "
           "--log-prefix \"ctfw6J \"\n"
           "-A INPUT -p tcp -j DROP\n"
           "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j DROP\n"
           "COMMIT\n");
    for (size_t i = 0; i < 2; i++) {
        struct pk k;
        hexframe(&k, frames[i]);
        k.skb.in_name = "va";
        expect(rs, F, &k, false, BYR, "INPUT", i ? 5 : 4);
    }
    assert_int_equal(S.n_log, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(S.level[i], 4);
        assert_string_equal(S.line[i], lines[i]);
    }
    /* ip6tables-save -c of the namespace after the run. */
    assert_save(rs, "filter",
                "*filter\n"
                ":INPUT ACCEPT [0:0]\n"
                ":FORWARD ACCEPT [0:0]\n"
                ":OUTPUT ACCEPT [0:0]\n"
                "[1:60] -A INPUT -p tcp -j LOG --log-prefix \"ctfw6T \"\n"
                "[1:64] -A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j "
                "LOG --log-prefix \"ctfw6I \" --log-ip-options\n"
                "[1:64] -A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j "
                "LOG --log-prefix \"ctfw6J \"\n"
                "[1:60] -A INPUT -p tcp -j DROP\n"
                "[1:64] -A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j "
                "DROP\n"
                "COMMIT\n");
    ctfw_rules_free(rs);
}

/* The same SYN logged in OUTPUT (no input device): nf_log_ip_packet()
 * prints no MAC field when `in` is NULL; the mark prints as MARK=. */
static void
log_output_no_mac(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*filter\n-A OUTPUT -j LOG --log-prefix \"out: \"\nCOMMIT\n");
    struct pk k;
    hexframe(&k, log_frames[0]);
    k.skb.hook = CTFW_HOOK_LOCAL_OUT;
    k.skb.in_name = "";
    k.skb.in_ifindex = 0;
    k.skb.out_name = "va";
    k.skb.mark = 0x10;
    expect(rs, F, &k, true, BYP, "OUTPUT", 0);
    assert_int_equal(S.n_log, 1);
    assert_int_equal(S.level[0], 4);
    assert_string_equal(
        S.line[0],
        "out: IN= OUT=va SRC=10.99.0.2 DST=10.99.0.1 LEN=52 TOS=0x00 "
        "PREC=0x00 TTL=64 ID=4660 DF PROTO=TCP SPT=40000 DPT=80 "
        "WINDOW=64240 RES=0x00 SYN URGP=0 MARK=0x10 ");
    ctfw_rules_free(rs);
}

/* ------------------------------------------------------------------ */
/* Other targets.                                                      */

/* MARK revision 2 (§8.6): every form is mark = (mark & ~mask) ^ value. */
static void
mark_target_forms(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*mangle\n"
                "-A PREROUTING -j MARK --set-xmark 0x1/0x3\n"
                "-A INPUT -j MARK --and-mark 0xf0\n"
                "-A FORWARD -j MARK --or-mark 0x100\n"
                "-A OUTPUT -j MARK --xor-mark 0x1\n"
                "-A POSTROUTING -j MARK --set-mark 0x2/0x2\n"
                "COMMIT\n");
    struct pk k;
    struct ip4 h = {0};
    tcp4(&k, &h, 1, 80, 0x02);
    static const struct {
        uint8_t hook;
        uint32_t before, after;
    } steps[] = {
        {CTFW_HOOK_PRE_ROUTING, 0xff, 0xfd},    /* (0xff & ~3) ^ 1 */
        {CTFW_HOOK_LOCAL_IN, 0xfd, 0xf0},       /* & 0xf0 */
        {CTFW_HOOK_FORWARD, 0xf0, 0x1f0},       /* | 0x100 */
        {CTFW_HOOK_LOCAL_OUT, 0x1f0, 0x1f1},    /* ^ 1 */
        {CTFW_HOOK_POST_ROUTING, 0x1f1, 0x1f3}, /* (m & ~2) ^ 2 */
    };
    for (size_t i = 0; i < 5; i++) {
        k.skb.hook = steps[i].hook;
        k.skb.mark = steps[i].before;
        expect(rs, CTFW_TABLE_MANGLE, &k, true, BYP, NULL, 0);
        assert_int_equal(k.skb.mark, steps[i].after);
    }
    ctfw_rules_free(rs);
}

/* TTL, HL and DSCP rewrite the header fields that later rules (and the
 * LOG line) see; TCPMSS, CHECKSUM and NFLOG only continue. */
static void
mangle_targets(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*mangle\n"
                "-A FORWARD -j TTL --ttl-dec 10\n"
                "-A FORWARD -j DSCP --set-dscp-class EF\n"
                "-A FORWARD -p tcp -j TCPMSS --set-mss 1400\n"
                "-A FORWARD -j CHECKSUM --checksum-fill\n"
                "-A FORWARD -m ttl --ttl-eq 54 -m dscp --dscp 0x2e -j DROP\n"
                "-A POSTROUTING -j TTL --ttl-inc 250\n"
                "-A POSTROUTING -m ttl --ttl-eq 255 -j ACCEPT\n"
                "-A PREROUTING -j TTL --ttl-set 1\n"
                "COMMIT\n");
    struct pk k;
    struct ip4 h = {.tos = 0x03};
    tcp4(&k, &h, 1, 80, 0x02);
    k.skb.hook = CTFW_HOOK_FORWARD;
    k.skb.out_name = "eth1";
    expect(rs, CTFW_TABLE_MANGLE, &k, false, BYR, "FORWARD", 5);
    assert_int_equal(k.skb.pkt.ttl, 54);
    assert_int_equal(k.skb.pkt.tos, 0xbb); /* ECN bits kept */
    k.skb.hook = CTFW_HOOK_POST_ROUTING;
    expect(rs, CTFW_TABLE_MANGLE, &k, true, BYR, "POSTROUTING", 2);
    assert_int_equal(k.skb.pkt.ttl, 255); /* clamped */
    k.skb.hook = CTFW_HOOK_PRE_ROUTING;
    expect(rs, CTFW_TABLE_MANGLE, &k, true, BYP, "PREROUTING", 0);
    assert_int_equal(k.skb.pkt.ttl, 1);
    ctfw_rules_free(rs);

    rs = load(6, "*mangle\n-A FORWARD -j HL --hl-dec 70\nCOMMIT\n");
    uint8_t ic[8] = {128, 0};
    frame6(&k, "2001:db8::2", "2001:db8::1", 58, 64, 0, ic, sizeof(ic));
    k.skb.hook = CTFW_HOOK_FORWARD;
    run(rs, CTFW_TABLE_MANGLE, &k);
    assert_int_equal(k.skb.pkt.ttl, 0);
    ctfw_rules_free(rs);
}

/* NAT targets end the nat table with ACCEPT (§8.1 "DNAT/SNAT=ACCEPT");
 * the rewriting itself is issue 8. */
static void
nat_targets_accept(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*nat\n"
                "-A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination "
                "10.0.0.9:80\n"
                "-A PREROUTING -p tcp --dport 8081 -j REDIRECT --to-ports 80\n"
                "-A PREROUTING -d 10.2.0.0/16 -j NETMAP --to 10.3.0.0/16\n"
                "-A POSTROUTING -o wan0 -j MASQUERADE\n"
                "-A POSTROUTING -o wan1 -j SNAT --to-source 192.0.2.1\n"
                "COMMIT\n");
    assert_true(ctfw_rules_need_conntrack(rs));
    struct pk k;
    struct ip4 h = {0};
    static const struct {
        uint16_t dport;
        uint8_t hook;
        const char *out, *dst, *target;
        unsigned rule;
    } cases[] = {
        {8080, CTFW_HOOK_PRE_ROUTING, "", NULL, "DNAT", 1},
        {8081, CTFW_HOOK_PRE_ROUTING, "", NULL, "REDIRECT", 2},
        {80, CTFW_HOOK_PRE_ROUTING, "", "10.2.3.4", "NETMAP", 3},
        {80, CTFW_HOOK_POST_ROUTING, "wan0", NULL, "MASQUERADE", 1},
        {80, CTFW_HOOK_POST_ROUTING, "wan1", NULL, "SNAT", 2},
    };
    for (size_t i = 0; i < 5; i++) {
        h.dst = cases[i].dst;
        tcp4(&k, &h, 1, cases[i].dport, 0x02);
        k.skb.hook = cases[i].hook;
        k.skb.out_name = cases[i].out;
        struct ctfw_rules_verdict v = run(rs, CTFW_TABLE_NAT, &k);
        assert_true(v.accept);
        assert_int_equal(v.by, BYR);
        assert_int_equal(v.rule, cases[i].rule);
        assert_string_equal(v.target, cases[i].target);
    }
    ctfw_rules_free(rs);
}

/* The less common matches of ext_more.c: sctp ports (sctp_mt), policy
 * without IPsec (only --pol none matches), physdev without a bridge
 * (matches only when every option is negated), TRACE continues. */
static void
more_matches(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs =
        load(4, "*raw\n"
                "-A PREROUTING -j TRACE\n"
                "COMMIT\n"
                "*filter\n"
                ":INPUT DROP [0:0]\n"
                "-A INPUT -p sctp -m sctp --dport 5000 -j ACCEPT\n"
                "-A INPUT -p sctp -j DROP\n"
                "-A INPUT -p udp -m policy --dir in --pol ipsec -j DROP\n"
                "-A INPUT -p udp -m physdev --physdev-in eth0 -j DROP\n"
                "-A INPUT -p udp -m physdev ! --physdev-is-bridged -m policy "
                "--dir in --pol none -j ACCEPT\n"
                "COMMIT\n");
    struct pk k;
    uint8_t sc[16] = {0};
    put16(sc, 5001);
    put16(sc + 2, 5000);
    struct ip4 h = {.proto = 132};
    frame4(&k, &h, sc, sizeof(sc));
    k.skb.hook = CTFW_HOOK_PRE_ROUTING;
    expect(rs, CTFW_TABLE_RAW, &k, true, BYP, "PREROUTING", 0);
    k.skb.hook = CTFW_HOOK_LOCAL_IN;
    expect(rs, F, &k, true, BYR, "INPUT", 1);
    put16(sc + 2, 5002);
    frame4(&k, &h, sc, sizeof(sc));
    expect(rs, F, &k, false, BYR, "INPUT", 2);
    h.cut = 8;
    frame4(&k, &h, sc, sizeof(sc));
    expect(rs, F, &k, false, BYH, "INPUT", 1);
    struct ip4 u = {0};
    udp4(&k, &u, 1, 53);
    expect(rs, F, &k, true, BYR, "INPUT", 5);
    ctfw_rules_free(rs);
}

/* ------------------------------------------------------------------ */
/* Ruleset-level questions.                                            */

/* nf_ct_netns_get() callers (§1.4): state/conntrack/connmark matches,
 * CONNMARK, CT without --notrack, NAT targets; NOTRACK and CT --notrack
 * alone do not enable conntrack, nor does a nat table without NAT
 * targets (§1.4 says it does; Linux 6.18 shows it does not: the oracle's
 * nat_table_no_conntrack case). */
static void
need_conntrack(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool want;
    } cases[] = {
        {"*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n", false},
        {"*raw\n-A PREROUTING -j NOTRACK\n-A OUTPUT -j CT --notrack\n"
         "COMMIT\n",
         false},
        {"*raw\n-A PREROUTING -j CT --zone 1\nCOMMIT\n", true},
        {"*filter\n-A INPUT -m state --state NEW\nCOMMIT\n", true},
        {"*filter\n-A INPUT -m conntrack --ctstate NEW\nCOMMIT\n", true},
        {"*mangle\n-A INPUT -m connmark --mark 1\nCOMMIT\n", true},
        {"*mangle\n-A INPUT -j CONNMARK --save-mark\nCOMMIT\n", true},
        {"*filter\n-A INPUT -m connlimit --connlimit-above 2\nCOMMIT\n", true},
        {"*nat\nCOMMIT\n", false},
        {"*nat\n-A INPUT -p tcp --dport 81\nCOMMIT\n", false},
        {"*nat\n-A POSTROUTING -o eth0 -j MASQUERADE\nCOMMIT\n", true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ctfw_ruleset *rs = load(4, cases[i].text);
        if (ctfw_rules_need_conntrack(rs) != cases[i].want)
            fprintf(stderr, "need_conntrack case %zu\n", i);
        assert_int_equal(ctfw_rules_need_conntrack(rs), cases[i].want);
        ctfw_rules_free(rs);
    }
}

/* Matches ctfw parses but cannot evaluate yet are named, so that a
 * replay refuses the ruleset instead of guessing. */
static void
unevaluated_named(void **state)
{
    (void)state;
    struct ctfw_ruleset *rs = load(4, "*filter\n"
                                      "-A INPUT -m comment --comment x\n"
                                      "-A INPUT -m limit -j LOG\n"
                                      "COMMIT\n");
    bool tg = true;
    assert_null(ctfw_rules_unevaluated(rs, &tg));
    ctfw_rules_free(rs);
    /* owner: a capture carries no socket, so there is no owner to
     * compare. hashlimit, connlimit, rt, rpfilter and helper are
     * evaluated (test_eval_rate.c; helper against the kernel in the
     * sv_ftp_helper oracle case). */
    rs = load(4, "*filter\n"
                 "-A INPUT -m hashlimit --hashlimit-upto 5/sec "
                 "--hashlimit-name x\n"
                 "-A INPUT -m connlimit --connlimit-above 2\n"
                 "-A INPUT -m helper --helper ftp\n"
                 "COMMIT\n");
    assert_null(ctfw_rules_unevaluated(rs, &tg));
    ctfw_rules_free(rs);
    rs = load(4, "*filter\n-A OUTPUT -m owner --uid-owner 0\nCOMMIT\n");
    tg = true;
    const char *n = ctfw_rules_unevaluated(rs, &tg);
    assert_non_null(n);
    assert_string_equal(n, "owner");
    assert_false(tg);
    ctfw_rules_free(rs);
}

const struct CMUnitTest eval_more_tests[] = {
    cmocka_unit_test_setup(simple_matches, reset),
    cmocka_unit_test_setup(limit_bucket, reset),
    cmocka_unit_test_setup(recent_lists, reset),
    cmocka_unit_test_setup(reject_types, reset),
    cmocka_unit_test_setup(log_lines_match_kernel, reset),
    cmocka_unit_test_setup(log_lines_match_kernel_v6, reset),
    cmocka_unit_test_setup(log_output_no_mac, reset),
    cmocka_unit_test_setup(mark_target_forms, reset),
    cmocka_unit_test_setup(mangle_targets, reset),
    cmocka_unit_test_setup(nat_targets_accept, reset),
    cmocka_unit_test_setup(more_matches, reset),
    cmocka_unit_test_setup(need_conntrack, reset),
    cmocka_unit_test_setup(unevaluated_named, reset),
};
const size_t eval_more_count =
    sizeof(eval_more_tests) / sizeof(eval_more_tests[0]);
