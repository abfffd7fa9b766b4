// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pipeline's per-hook plan (lib/hook/pipeline.c, plan_check()): the
 * tables a packet meets at each hook are those with a built-in chain
 * there, and they follow every change of the ruleset. The kernel
 * registers a table's hook functions when the table is created
 * (xt_hook_ops_alloc() from its valid_hooks; iptables-nft adds the base
 * chain when the first rule lands in it), so a rule added to a table that
 * did not exist before sees the next packet; a pipeline given another
 * ruleset walks that one's tables. Expected verdicts follow from the
 * rules: a DROP rule in raw PREROUTING drops before INPUT is reached
 * (reference §1.1: raw -300, filter INPUT later); mangle INPUT (-150)
 * runs before filter INPUT (0).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctfw/csum.h"
#include "ctfw/eval.h"
#include "ctfw/hook.h"
#include "ctfw/host.h"
#include "ctfw/pkt.h"
#include "ctfw/rules.h"
#include "ctfw/sysctl.h"

/* A raw IPv4 TCP SYN 10.0.0.7:40000 -> 10.0.0.10:80, checksums right. */
static size_t
mk_syn(uint8_t *b)
{
    memset(b, 0, 40);
    b[0] = 0x45;
    b[3] = 40;
    b[6] = 0x40;
    b[8] = 64;
    b[9] = 6;
    b[12] = 10, b[15] = 7;
    b[16] = 10, b[19] = 10;
    uint16_t c = ctfw_csum_fold(ctfw_csum_partial(b, 20, 0));
    b[10] = (uint8_t)(c >> 8);
    b[11] = (uint8_t)c;
    uint8_t *t = b + 20;
    t[0] = 0x9c, t[1] = 0x40;
    t[3] = 80;
    t[7] = 1;
    t[12] = 5 << 4;
    t[13] = CTFW_TCP_SYN;
    t[14] = 0xfa, t[15] = 0xf0;
    /* TCP checksum over the pseudo-header and the segment. */
    uint8_t ph[12] = {10, 0, 0, 7, 10, 0, 0, 10, 0, 6, 0, 20};
    uint32_t s = ctfw_csum_partial(ph, sizeof(ph), 0);
    c = ctfw_csum_fold(ctfw_csum_partial(t, 20, s));
    t[16] = (uint8_t)(c >> 8);
    t[17] = (uint8_t)c;
    return 40;
}

static struct ctfw_ruleset *
ruleset(const char *text)
{
    struct ctfw_ruleset *rs = ctfw_rules_new(4);
    assert_non_null(rs);
    assert_int_equal(ctfw_rules_parse(rs, NULL, text, strlen(text)), 0);
    return rs;
}

static void
run(struct ctfw_pipeline *pl, uint64_t t, struct ctfw_pipeline_result *res)
{
    uint8_t b[64];
    size_t n = mk_syn(b);
    struct ctfw_pkt p;
    ctfw_pkt_decode(&p, CTFW_LINKTYPE_RAW, b, (uint32_t)n, (uint32_t)n);
    ctfw_pipeline_packet(pl, &p, t, 0, false, res);
}

static void
test_plan_follows_ruleset(void **state)
{
    (void)state;
    char err[256];
    struct ctfw_host *host = ctfw_host_new();
    assert_non_null(host);
    assert_int_equal(ctfw_host_add_iface(host, "eth0=10.0.0.10/24", err,
                                         sizeof(err)),
                     0);
    struct ctfw_sysctl sys;
    ctfw_sysctl_init(&sys);
    struct ctfw_ruleset *rs = ruleset("*filter\n"
                                      ":INPUT ACCEPT [0:0]\n"
                                      "-A INPUT -p tcp -j ACCEPT\n"
                                      "COMMIT\n");
    struct ctfw_pipeline_params pp = {
        .rules4 = rs,
        .host = host,
        .sysctl = &sys,
        .seed = 1,
    };
    struct ctfw_pipeline *pl;
    assert_int_equal(ctfw_pipeline_new(&pp, &pl), 0);
    struct ctfw_pipeline_result res;

    /* filter INPUT rule 1 accepts. */
    run(pl, 1000, &res);
    assert_true(res.accept);
    assert_int_equal(res.path, CTFW_HOST_PATH_INPUT);
    assert_int_equal(res.table, CTFW_TABLE_FILTER);
    assert_int_equal(res.hook, CTFW_HOOK_LOCAL_IN);
    assert_int_equal(res.rule, 1);

    /* A raw table appears: its PREROUTING chain drops the next packet. */
    const char *const raw[] = {"-t", "raw", "-A", "PREROUTING", "-j",
                               "DROP"};
    assert_int_equal(ctfw_rules_command(rs, 6, raw, 1), 0);
    run(pl, 2000, &res);
    assert_false(res.accept);
    assert_int_equal(res.reason, CTFW_DROP_RULE);
    assert_int_equal(res.table, CTFW_TABLE_RAW);
    assert_int_equal(res.hook, CTFW_HOOK_PRE_ROUTING);
    assert_int_equal(res.rule, 1);

    /* Another ruleset: filter only, INPUT policy DROP. */
    struct ctfw_ruleset *rs2 = ruleset("*filter\n"
                                       ":INPUT DROP [0:0]\n"
                                       "COMMIT\n");
    ctfw_pipeline_set_rules(pl, rs2, NULL);
    run(pl, 3000, &res);
    assert_false(res.accept);
    assert_int_equal(res.reason, CTFW_DROP_POLICY);
    assert_int_equal(res.table, CTFW_TABLE_FILTER);
    assert_int_equal(res.hook, CTFW_HOOK_LOCAL_IN);

    /* mangle INPUT appears and runs before filter INPUT. */
    const char *const mangle[] = {"-t", "mangle", "-A", "INPUT", "-j",
                                  "DROP"};
    assert_int_equal(ctfw_rules_command(rs2, 6, mangle, 1), 0);
    run(pl, 4000, &res);
    assert_false(res.accept);
    assert_int_equal(res.reason, CTFW_DROP_RULE);
    assert_int_equal(res.table, CTFW_TABLE_MANGLE);
    assert_int_equal(res.hook, CTFW_HOOK_LOCAL_IN);

    ctfw_pipeline_free(pl);
    ctfw_rules_free(rs);
    ctfw_rules_free(rs2);
    ctfw_host_free(host);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_follows_ruleset),
    };
    return cmocka_run_group_tests_name("pipeline", tests, NULL, NULL);
}
