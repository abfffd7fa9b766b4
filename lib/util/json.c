// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctfw/json.h"

static void
put(struct ctfw_json *j, const char *s, size_t n)
{
    j->sink(j->arg, s, n);
}

static void
puts_(struct ctfw_json *j, const char *s)
{
    put(j, s, strlen(s));
}

static void
newline(struct ctfw_json *j)
{
    static const char spaces[] = "                                ";
    if (!(j->flags & CTFW_JSON_PRETTY))
        return;
    put(j, "\n", 1);
    for (int i = 0; i < j->depth; i++)
        put(j, spaces, 2);
}

/* Called before every value or key: commas, indentation, and checks that
 * a value inside an object follows a key. */
static void
before_value(struct ctfw_json *j, bool is_key)
{
    if (j->after_key) {
        j->after_key = false;
        if (is_key)
            j->error = true;
        return;
    }
    if (j->depth > 0) {
        bool in_obj = j->kind[j->depth] == '{';
        if (in_obj != is_key)
            j->error = true;   /* value without key, or key in array */
        if (j->need_comma[j->depth])
            put(j, ",", 1);
        j->need_comma[j->depth] = true;
        newline(j);
    } else if (j->need_comma[0]) {
        j->error = true;       /* two top-level values */
    } else {
        j->need_comma[0] = true;
    }
}

void
ctfw_json_init(struct ctfw_json *j, ctfw_json_sink sink, void *arg,
               unsigned flags)
{
    memset(j, 0, sizeof(*j));
    j->sink = sink;
    j->arg = arg;
    j->flags = flags;
}

static void
open_(struct ctfw_json *j, char kind)
{
    before_value(j, false);
    if (j->depth == CTFW_JSON_MAX_DEPTH) {
        j->error = true;
        return;
    }
    put(j, &kind, 1);
    j->depth++;
    j->kind[j->depth] = kind;
    j->need_comma[j->depth] = false;
}

static void
close_(struct ctfw_json *j, char kind)
{
    if (j->depth == 0 || j->kind[j->depth] != kind || j->after_key) {
        j->error = true;
        return;
    }
    bool had = j->need_comma[j->depth];
    j->depth--;
    if (had)
        newline(j);
    put(j, kind == '{' ? "}" : "]", 1);
}

void
ctfw_json_obj_begin(struct ctfw_json *j)
{
    open_(j, '{');
}

void
ctfw_json_obj_end(struct ctfw_json *j)
{
    close_(j, '{');
}

void
ctfw_json_arr_begin(struct ctfw_json *j)
{
    open_(j, '[');
}

void
ctfw_json_arr_end(struct ctfw_json *j)
{
    close_(j, '[');
}

/* Length of a valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and values past U+10FFFF. */
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return len;
}

static void
write_string(struct ctfw_json *j, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    put(j, "\"", 1);
    size_t run = 0;   /* bytes that need no escaping, written in bulk */
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        const char *esc = NULL;
        char buf[8];
        size_t ul = 1;
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20) {
            snprintf(buf, sizeof(buf), "\\u%04x", c);
            esc = buf;
        } else if (c >= 0x80) {
            ul = utf8_len(p + i, n - i);
            if (ul == 0) {
                esc = "\\ufffd";
                ul = 1;
            }
        }
        if (esc) {
            put(j, s + i - run, run);
            run = 0;
            puts_(j, esc);
            i += ul;
        } else {
            run += ul;
            i += ul;
        }
    }
    put(j, s + n - run, run);
    put(j, "\"", 1);
}

void
ctfw_json_key(struct ctfw_json *j, const char *key)
{
    before_value(j, true);
    write_string(j, key, strlen(key));
    put(j, (j->flags & CTFW_JSON_PRETTY) ? ": " : ":",
        (j->flags & CTFW_JSON_PRETTY) ? 2 : 1);
    j->after_key = true;
}

void
ctfw_json_strn(struct ctfw_json *j, const char *s, size_t len)
{
    before_value(j, false);
    write_string(j, s, len);
}

void
ctfw_json_str(struct ctfw_json *j, const char *s)
{
    if (!s) {
        ctfw_json_null(j);
        return;
    }
    ctfw_json_strn(j, s, strlen(s));
}

void
ctfw_json_int(struct ctfw_json *j, int64_t v)
{
    char buf[32];
    before_value(j, false);
    int n = snprintf(buf, sizeof(buf), "%" PRId64, v);
    put(j, buf, (size_t)n);
}

void
ctfw_json_uint(struct ctfw_json *j, uint64_t v)
{
    char buf[32];
    before_value(j, false);
    int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
    put(j, buf, (size_t)n);
}

void
ctfw_json_double(struct ctfw_json *j, double v)
{
    char buf[40];
    before_value(j, false);
    if (!isfinite(v)) {
        puts_(j, "null");
        return;
    }
    int n = snprintf(buf, sizeof(buf), "%.17g", v);
    /* Shortest form that reads back the same value. */
    for (int prec = 1; prec < 17; prec++) {
        char t[40];
        int m = snprintf(t, sizeof(t), "%.*g", prec, v);
        if (strtod(t, NULL) == v) {
            memcpy(buf, t, (size_t)m + 1);
            n = m;
            break;
        }
    }
    put(j, buf, (size_t)n);
}

void
ctfw_json_bool(struct ctfw_json *j, bool v)
{
    before_value(j, false);
    puts_(j, v ? "true" : "false");
}

void
ctfw_json_null(struct ctfw_json *j)
{
    before_value(j, false);
    puts_(j, "null");
}

int
ctfw_json_finish(struct ctfw_json *j)
{
    if (j->error || j->depth != 0 || j->after_key || !j->need_comma[0])
        return -EINVAL;
    if (j->flags & CTFW_JSON_PRETTY)
        put(j, "\n", 1);
    return 0;
}
