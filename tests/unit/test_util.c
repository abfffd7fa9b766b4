// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for lib/util: the Internet checksum (RFC 1071 / RFC 1624)
 * and the JSON writer (RFC 8259).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctfw/csum.h"
#include "ctfw/json.h"

static void
test_csum_rfc1071_example(void **state)
{
    /* RFC 1071 §3 example: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2
     * (folded), so the checksum is ~0xddf2 = 0x220d. */
    static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03,
                                0xf4, 0xf5, 0xf6, 0xf7};
    assert_int_equal(ctfw_csum_fold(ctfw_csum_partial(b, sizeof(b), 0)),
                     0x220d);
}

static void
test_csum_ipv4_header(void **state)
{
    /* A real IPv4 header (Wikipedia's worked example): 4500 0073 0000
     * 4000 4011 [b861] c0a8 0001 c0a8 00c7; checksum 0xb861. */
    uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
                     0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
                     0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    assert_int_equal(ctfw_csum_fold(ctfw_csum_partial(h, 20, 0)), 0xb861);
    /* With the checksum in place the header sums to 0xffff -> 0. */
    h[10] = 0xb8;
    h[11] = 0x61;
    assert_int_equal(ctfw_csum_fold(ctfw_csum_partial(h, 20, 0)), 0);
}

static void
test_csum_incremental(void **state)
{
    /* RFC 1624: the incremental update must equal a full recompute.
     * Change the TTL/protocol word 0x4011 -> 0x3f11 and the source
     * address c0a80001 -> 0a000001. */
    uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
                     0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
                     0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    uint16_t c = 0xb861;
    c = ctfw_csum_replace2(c, 0x4011, 0x3f11);
    c = ctfw_csum_replace4(c, 0xc0a80001, 0x0a000001);
    h[8] = 0x3f;
    h[12] = 0x0a, h[13] = 0x00, h[14] = 0x00, h[15] = 0x01;
    h[10] = h[11] = 0;
    assert_int_equal(c, ctfw_csum_fold(ctfw_csum_partial(h, 20, 0)));
}

/* RFC 1071's definition, literally: big-endian 16-bit words, a trailing
 * odd byte padded with zero, end-around carry. */
static uint16_t
naive_csum(const uint8_t *b, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(b[i] << 8 | b[i + 1]);
    if (n & 1)
        s += (uint32_t)b[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void
test_csum_against_definition(void **state)
{
    /* Every length 0..200 at every start offset 0..7, whole and split
     * in two at each even offset (how callers chain pseudo headers). */
    uint8_t buf[256];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(buf); i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; n <= 200; n++) {
            uint16_t want = naive_csum(buf + off, n);
            assert_int_equal(
                ctfw_csum_fold(ctfw_csum_partial(buf + off, n, 0)), want);
            for (size_t cut = 0; cut <= n; cut += 2) {
                uint32_t s = ctfw_csum_partial(buf + off, cut, 0);
                s = ctfw_csum_partial(buf + off + cut, n - cut, s);
                assert_int_equal(ctfw_csum_fold(s), want);
            }
        }
}

struct buf {
    char s[1024];
    size_t n;
};

static void
sink(void *arg, const char *t, size_t len)
{
    struct buf *b = arg;
    assert_true(b->n + len < sizeof(b->s));
    memcpy(b->s + b->n, t, len);
    b->n += len;
    b->s[b->n] = '\0';
}

static void
test_json_compact(void **state)
{
    struct buf b = {.n = 0};
    struct ctfw_json j;
    ctfw_json_init(&j, sink, &b, 0);
    ctfw_json_obj_begin(&j);
    ctfw_json_key(&j, "a");
    ctfw_json_int(&j, -3);
    ctfw_json_key(&j, "b");
    ctfw_json_arr_begin(&j);
    ctfw_json_uint(&j, 18446744073709551615ull);
    ctfw_json_bool(&j, true);
    ctfw_json_null(&j);
    ctfw_json_double(&j, 0.1);
    ctfw_json_arr_end(&j);
    ctfw_json_key(&j, "e");
    ctfw_json_obj_begin(&j);
    ctfw_json_obj_end(&j);
    ctfw_json_obj_end(&j);
    assert_int_equal(ctfw_json_finish(&j), 0);
    assert_string_equal(
        b.s, "{\"a\":-3,\"b\":[18446744073709551615,true,null,0.1],"
             "\"e\":{}}");
}

static void
test_json_escapes(void **state)
{
    struct buf b = {.n = 0};
    struct ctfw_json j;
    ctfw_json_init(&j, sink, &b, 0);
    /* Quote, backslash, control bytes, valid UTF-8 (é = c3 a9) kept,
     * an invalid byte (ff) and a lone continuation (80) replaced. */
    ctfw_json_str(&j, "q\"b\\n\n\x01\xc3\xa9\xff\x80z");
    assert_int_equal(ctfw_json_finish(&j), 0);
    assert_string_equal(b.s, "\"q\\\"b\\\\n\\n\\u0001\xc3\xa9\\ufffd"
                             "\\ufffdz\"");
}

static void
test_json_pretty(void **state)
{
    struct buf b = {.n = 0};
    struct ctfw_json j;
    ctfw_json_init(&j, sink, &b, CTFW_JSON_PRETTY);
    ctfw_json_obj_begin(&j);
    ctfw_json_key(&j, "x");
    ctfw_json_arr_begin(&j);
    ctfw_json_int(&j, 1);
    ctfw_json_int(&j, 2);
    ctfw_json_arr_end(&j);
    ctfw_json_obj_end(&j);
    assert_int_equal(ctfw_json_finish(&j), 0);
    assert_string_equal(b.s, "{\n  \"x\": [\n    1,\n    2\n  ]\n}\n");
}

static void
test_json_misuse(void **state)
{
    struct buf b = {.n = 0};
    struct ctfw_json j;
    /* A value in an object without a key. */
    ctfw_json_init(&j, sink, &b, 0);
    ctfw_json_obj_begin(&j);
    ctfw_json_int(&j, 1);
    ctfw_json_obj_end(&j);
    assert_int_equal(ctfw_json_finish(&j), -EINVAL);
    /* Unclosed array. */
    b.n = 0;
    ctfw_json_init(&j, sink, &b, 0);
    ctfw_json_arr_begin(&j);
    assert_int_equal(ctfw_json_finish(&j), -EINVAL);
    /* Mismatched close. */
    b.n = 0;
    ctfw_json_init(&j, sink, &b, 0);
    ctfw_json_arr_begin(&j);
    ctfw_json_obj_end(&j);
    assert_int_equal(ctfw_json_finish(&j), -EINVAL);
    /* Nothing written at all is not a document. */
    ctfw_json_init(&j, sink, &b, 0);
    assert_int_equal(ctfw_json_finish(&j), -EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csum_rfc1071_example),
        cmocka_unit_test(test_csum_ipv4_header),
        cmocka_unit_test(test_csum_incremental),
        cmocka_unit_test(test_csum_against_definition),
        cmocka_unit_test(test_json_compact),
        cmocka_unit_test(test_json_escapes),
        cmocka_unit_test(test_json_pretty),
        cmocka_unit_test(test_json_misuse),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
