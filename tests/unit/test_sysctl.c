// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for lib/sysctl. Expected defaults are those `sysctl -a`
 * printed on a Linux 6.18 kernel inside a network namespace with
 * conntrack loaded (reference/linux-netfilter.md §6.1, re-checked by the
 * lead on 2026-11-25); expected messages are those procps sysctl 4.0.2
 * printed for the same input on that kernel:
 *   sysctl -p with a missing key:
 *     sysctl: cannot stat /proc/sys/net/ipv4/ip_conntrack_max: No such
 *     file or directory
 *   sysctl -w with a non-numeric value:
 *     sysctl: setting key "net.netfilter.nf_conntrack_tcp_timeout_
 *     established": Invalid argument
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ctfw/sysctl.h"

struct diags {
    int n;
    char msg[8][512];
    enum ctfw_diag_severity sev[8];
    unsigned line[8], col[8];
};

static void
collect(void *arg, const struct ctfw_sysctl_diag *d)
{
    struct diags *ds = arg;
    if (ds->n < 8) {
        snprintf(ds->msg[ds->n], sizeof(ds->msg[0]), "%s", d->msg);
        ds->sev[ds->n] = d->severity;
        ds->line[ds->n] = d->line;
        ds->col[ds->n] = d->col;
    }
    ds->n++;
}

static void
test_table_order(void **state)
{
    /* ctfw_sysctl_key(id) indexes the table: each entry must sit at the
     * index of its own id. */
    for (int i = 0; i < CTFW_SYSCTL_COUNT; i++) {
        const struct ctfw_sysctl_key *k = ctfw_sysctl_key(i);
        assert_non_null(k);
        assert_int_equal(k->id, i);
    }
}

static void
test_defaults_6x(void **state)
{
    struct ctfw_sysctl s;
    ctfw_sysctl_init(&s);
    assert_int_equal(ctfw_sysctl_get(&s, CTFW_SYSCTL_NF_CONNTRACK_MAX),
                     262144);
    assert_int_equal(
        ctfw_sysctl_get(&s, CTFW_SYSCTL_NF_CONNTRACK_BUCKETS), 262144);
    assert_int_equal(
        ctfw_sysctl_get(&s, CTFW_SYSCTL_NF_CONNTRACK_TCP_TIMEOUT_ESTABLISHED),
        432000);
    assert_int_equal(
        ctfw_sysctl_get(&s, CTFW_SYSCTL_NF_CONNTRACK_TCP_TIMEOUT_TIME_WAIT),
        120);
    assert_int_equal(
        ctfw_sysctl_get(&s, CTFW_SYSCTL_NF_CONNTRACK_UDP_TIMEOUT_STREAM),
        120);
    assert_int_equal(
        ctfw_sysctl_get(&s, CTFW_SYSCTL_NF_CONNTRACK_TCP_LOOSE), 1);
    assert_int_equal(
        ctfw_sysctl_get(&s, CTFW_SYSCTL_NF_CONNTRACK_TCP_MAX_RETRANS), 3);
    assert_int_equal(
        ctfw_sysctl_get(&s, CTFW_SYSCTL_NF_CONNTRACK_EVENTS), 2);
    assert_int_equal(
        ctfw_sysctl_get(&s, CTFW_SYSCTL_NF_CONNTRACK_GENERIC_TIMEOUT), 600);
}

static void
test_default_buckets_formula(void **state)
{
    /* reference §2.4 examples: 512 MiB -> 4096, 2 GiB -> 65536,
     * 8 GiB -> 262144; a small VM -> at least 1024, multiple of 512. */
    assert_int_equal(ctfw_sysctl_default_buckets(512ull << 20), 4096);
    assert_int_equal(ctfw_sysctl_default_buckets(2ull << 30), 65536);
    assert_int_equal(ctfw_sysctl_default_buckets(8ull << 30), 262144);
    assert_int_equal(ctfw_sysctl_default_buckets(64ull << 20), 1024);
    /* 1000 MiB: 1000*2^20/131072 = 8000 -> rounded up to 8192. */
    assert_int_equal(ctfw_sysctl_default_buckets(1000ull << 20), 8192);
}

static void
test_set_and_aliases(void **state)
{
    struct ctfw_sysctl s;
    struct diags d = {0};
    ctfw_sysctl_init(&s);
    assert_int_equal(ctfw_sysctl_set(&s, "net.nf_conntrack_max", "393216",
                                     collect, &d),
                     0);
    assert_int_equal(s.val[CTFW_SYSCTL_NF_CONNTRACK_MAX], 393216);
    assert_int_equal(
        ctfw_sysctl_set(&s,
                        "net/netfilter/nf_conntrack_tcp_timeout_established",
                        "300", collect, &d),
        0);
    assert_int_equal(
        s.val[CTFW_SYSCTL_NF_CONNTRACK_TCP_TIMEOUT_ESTABLISHED], 300);
    /* Negative timeouts are stored by proc_dointvec_jiffies (seen on
     * 6.18: sysctl -w ..._established=-5 succeeded and read back -5). */
    assert_int_equal(
        ctfw_sysctl_set(&s, "net.netfilter.nf_conntrack_tcp_timeout_close",
                        "-5", collect, &d),
        0);
    assert_int_equal(d.n, 0);
}

static void
test_hashsize_param(void **state)
{
    struct ctfw_sysctl s;
    ctfw_sysctl_init(&s);
    /* 6.x nf_conntrack_init_start: with hashsize=N given, max = 8 N;
     * the size is rounded up to a multiple of 512. */
    assert_int_equal(
        ctfw_sysctl_set(&s, "nf_conntrack.hashsize", "1000", NULL, NULL), 0);
    assert_int_equal(s.val[CTFW_SYSCTL_NF_CONNTRACK_BUCKETS], 1024);
    assert_int_equal(s.val[CTFW_SYSCTL_NF_CONNTRACK_MAX], 8192);
}

static void
test_bad_value(void **state)
{
    struct ctfw_sysctl s;
    struct diags d = {0};
    ctfw_sysctl_init(&s);
    assert_int_equal(
        ctfw_sysctl_set(&s, "net.netfilter.nf_conntrack_tcp_timeout_"
                            "established",
                        "abc", collect, &d),
        -EINVAL);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.msg[0],
                        "sysctl: setting key \"net.netfilter.nf_conntrack_"
                        "tcp_timeout_established\": Invalid argument");
    /* u8 switch: 2 is out of the 0..1 range of tcp_loose. */
    assert_int_equal(ctfw_sysctl_set(&s, "net.netfilter.nf_conntrack_tcp_"
                                         "loose",
                                     "2", collect, &d),
                     -EINVAL);
    assert_int_equal(s.val[CTFW_SYSCTL_NF_CONNTRACK_TCP_LOOSE], 1);
}

static void
test_unknown_netfilter_key(void **state)
{
    struct ctfw_sysctl s;
    struct diags d = {0};
    ctfw_sysctl_init(&s);
    assert_int_equal(ctfw_sysctl_set(&s, "net.netfilter.nf_conntrack_bogus",
                                     "1", collect, &d),
                     -ENOENT);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.sev[0], CTFW_DIAG_ERROR);
    assert_string_equal(d.msg[0], "sysctl: cannot stat /proc/sys/net/"
                                  "netfilter/nf_conntrack_bogus: No such "
                                  "file or directory");
}

static void
test_incident_file(void **state)
{
    /* examples/incident/sysctl.conf: six 2.6-era keys. On 6.x each is a
     * warning (sysctl -p goes on) plus a note naming the modern key, and
     * nothing changes. */
    static const char text[] =
        "# comment\n"
        "net.ipv4.ip_conntrack_max = 393216\n"
        "\n"
        "net.ipv4.netfilter.ip_conntrack_tcp_timeout_established = 300\n"
        "; another comment\n"
        "  net.netfilter.nf_conntrack_tcp_timeout_time_wait=60  \n";
    struct ctfw_sysctl s;
    struct diags d = {0};
    ctfw_sysctl_init(&s);
    int errors = ctfw_sysctl_parse(&s, text, sizeof(text) - 1, "f.conf",
                                   collect, &d);
    assert_int_equal(errors, 0);
    assert_int_equal(d.n, 4);
    assert_int_equal(d.sev[0], CTFW_DIAG_WARNING);
    assert_int_equal(d.line[0], 2);
    assert_int_equal(d.col[0], 1);
    assert_string_equal(d.msg[0],
                        "sysctl: cannot stat /proc/sys/net/ipv4/"
                        "ip_conntrack_max: No such file or directory "
                        "(ignored: this name does not exist on Linux 6.x)");
    assert_int_equal(d.sev[1], CTFW_DIAG_NOTE);
    assert_string_equal(d.msg[1],
                        "net.ipv4.ip_conntrack_max is a 2.6-era name; on "
                        "Linux 6.x the key is net.netfilter."
                        "nf_conntrack_max");
    assert_int_equal(d.line[2], 4);
    assert_string_equal(d.msg[3],
                        "net.ipv4.netfilter.ip_conntrack_tcp_timeout_"
                        "established is a 2.6-era name; on Linux 6.x the "
                        "key is net.netfilter.nf_conntrack_tcp_timeout_"
                        "established");
    assert_int_equal(s.val[CTFW_SYSCTL_NF_CONNTRACK_MAX], 262144);
    assert_int_equal(
        s.val[CTFW_SYSCTL_NF_CONNTRACK_TCP_TIMEOUT_ESTABLISHED], 432000);
    /* The one modern key on line 6 applied despite the spaces. */
    assert_int_equal(s.val[CTFW_SYSCTL_NF_CONNTRACK_TCP_TIMEOUT_TIME_WAIT],
                     60);
}

static void
test_sysctl_a_snapshot(void **state)
{
    /* Lines as `sysctl -a` prints them: unrelated kernel keys and
     * string-valued nf_log keys are accepted without a finding; the
     * read-only nf_conntrack_count is skipped. */
    static const char text[] =
        "kernel.core_pattern = |/usr/share/apport/apport %p\n"
        "net.ipv4.tcp_rmem = 4096\t131072\t6291456\n"
        "net.netfilter.nf_conntrack_count = 17\n"
        "net.netfilter.nf_log.2 = nf_log_ipv4\n"
        "net.netfilter.nf_conntrack_max = 65536\n"
        "net.ipv4.ip_forward = 1\n"
        "-net.netfilter.nf_conntrack_nonexistent = 1\n"
        "broken line\n";
    struct ctfw_sysctl s;
    struct diags d = {0};
    ctfw_sysctl_init(&s);
    int errors = ctfw_sysctl_parse(&s, text, sizeof(text) - 1, "a.txt",
                                   collect, &d);
    /* Only "broken line" is an error; the '-' key fails silently. */
    assert_int_equal(errors, 1);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.line[0], 8);
    assert_string_equal(d.msg[0], "sysctl: malformed setting (no '=')");
    assert_int_equal(s.val[CTFW_SYSCTL_NF_CONNTRACK_MAX], 65536);
    assert_int_equal(s.val[CTFW_SYSCTL_IPV4_IP_FORWARD], 1);
    assert_int_equal(s.n_ignored, 4);
}

static void
test_bad_value_column(void **state)
{
    static const char text[] = "net.netfilter.nf_conntrack_max = 12x\n";
    struct ctfw_sysctl s;
    struct diags d = {0};
    ctfw_sysctl_init(&s);
    assert_int_equal(
        ctfw_sysctl_parse(&s, text, sizeof(text) - 1, "b", collect, &d), 1);
    assert_int_equal(d.line[0], 1);
    /* The value starts at column 34 (1-based). */
    assert_int_equal(d.col[0], 34);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_order),
        cmocka_unit_test(test_defaults_6x),
        cmocka_unit_test(test_default_buckets_formula),
        cmocka_unit_test(test_set_and_aliases),
        cmocka_unit_test(test_hashsize_param),
        cmocka_unit_test(test_bad_value),
        cmocka_unit_test(test_unknown_netfilter_key),
        cmocka_unit_test(test_incident_file),
        cmocka_unit_test(test_sysctl_a_snapshot),
        cmocka_unit_test(test_bad_value_column),
    };
    return cmocka_run_group_tests_name("sysctl", tests, NULL, NULL);
}
