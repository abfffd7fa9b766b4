/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers the conntrack unit tests share (defined in test_ct.c): a
 * table with its events and log lines counted, packet builders, and
 * the test lists of the other test_ct_*.c files.
 */
#ifndef CTFW_TEST_CT_H
#define CTFW_TEST_CT_H

#include <stddef.h>
#include <stdint.h>

#include "ctfw/ct.h"
#include "ctfw/pkt.h"

#define SEC 1000000000ull
#define MS (SEC / 1000)
#define T0 (1000 * SEC)

struct tctx {
    struct ctfw_ct *ct;
    struct ctfw_ct_config cfg;
    char log[32][128];
    int nlog;
    int nev[3];
    int ndestroy[8];
};

struct CMUnitTest;

struct tctx *tctx_new(void (*tweak)(struct ctfw_ct_config *));
void tctx_free(struct tctx *t);
struct ctfw_pkt mk_tcp(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp,
                       uint8_t flags, uint32_t seq, uint32_t ack,
                       uint16_t win, uint16_t paylen);
struct ctfw_pkt mk_udp(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp,
                       uint16_t paylen);
struct ctfw_pkt mk_icmp(uint32_t src, uint32_t dst, uint8_t type,
                        uint8_t code, uint16_t id);
struct ctfw_ct_ref pass(struct tctx *t, const struct ctfw_pkt *p,
                        uint64_t now);
uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d);
void ct_tcp_tests(const struct CMUnitTest **tests, size_t *n);
void ct_oracle_tests(const struct CMUnitTest **tests, size_t *n);
void ct_helper_tests(const struct CMUnitTest **tests, size_t *n);
void ct_sctp_tests(const struct CMUnitTest **tests, size_t *n);
void ct_table_tests(const struct CMUnitTest **tests, size_t *n);

#endif
