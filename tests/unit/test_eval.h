/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared helpers of the evaluation tests (test_eval.c, test_eval_more.c):
 * the environment that records LOG lines and REJECT calls, ruleset
 * loading, iptables-save -c comparison, and frame builders.
 */
#ifndef CTFW_TEST_EVAL_H
#define CTFW_TEST_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctfw/ct.h"
#include "ctfw/eval.h"
#include "ctfw/host.h"
#include "ctfw/pkt.h"
#include "ctfw/rules.h"
#include "ctfw/skb.h"

struct seen {
    int n_log;
    int level[8];
    char line[8][1024];
    int n_reject;
    enum ctfw_reject_type reject[8];
};

struct pk {
    uint8_t buf[256];
    struct ctfw_skb skb;
};

/* IPv4 header fields a test may change; zero = the default. */
struct ip4 {
    const char *src, *dst; /* default 10.0.0.2 -> 10.0.0.1 */
    uint8_t proto;
    uint8_t ttl; /* 0: 64 */
    uint8_t tos;
    uint16_t frag;       /* flags + offset word as on the wire */
    const uint8_t *dmac; /* NULL: 02:00:00:00:00:01 */
    int cut;             /* >0: IP length covers only this many
                            L4 bytes (a short packet) */
};

#define F CTFW_TABLE_FILTER
#define BYR CTFW_RULES_BY_RULE
#define BYP CTFW_RULES_BY_POLICY
#define BYH CTFW_RULES_BY_HOTDROP

#define T0 (1000ull * 1000000000ull)

extern struct seen S;
extern struct ctfw_rules_env ENV;
extern const uint8_t MAC_A[6], MAC_B[6];

int reset(void **state);
struct ctfw_ruleset *load(int family, const char *text);
void assert_save(const struct ctfw_ruleset *rs, const char *table,
                 const char *want);
uint16_t csum(const uint8_t *p, size_t n, uint32_t s);
void put16(uint8_t *p, uint16_t v);
void put32(uint8_t *p, uint32_t v);
union ctfw_addr A(const char *s);
void decode(struct pk *k, int linktype, size_t n);
void frame4(struct pk *k, const struct ip4 *h, const uint8_t *l4, size_t n);
size_t tcp_seg(uint8_t *t, uint16_t sport, uint16_t dport, uint8_t flags,
               const uint8_t *opt, size_t optlen);
void tcp4(struct pk *k, const struct ip4 *h, uint16_t sport, uint16_t dport,
          uint8_t flags);
void udp4(struct pk *k, const struct ip4 *h, uint16_t sport, uint16_t dport);
void icmp4(struct pk *k, const struct ip4 *h, uint8_t type, uint8_t code);
void frame6(struct pk *k, const char *src, const char *dst, uint8_t nh,
            uint8_t hl, uint8_t tc, const uint8_t *l4, size_t n);
void hexframe(struct pk *k, const char *hex);
struct ctfw_rules_verdict run(struct ctfw_ruleset *rs, enum ctfw_table t,
                              struct pk *k);
void expect(struct ctfw_ruleset *rs, enum ctfw_table t, struct pk *k,
            bool accept, int by, const char *chain, unsigned rule);
struct ctfw_ct *new_ct(void);

/* The tests of test_eval_more.c. */
extern const struct CMUnitTest eval_more_tests[];
extern const size_t eval_more_count;
/* The tests of test_eval_rate.c. */
extern const struct CMUnitTest eval_rate_tests[];
extern const size_t eval_rate_count;

#endif
