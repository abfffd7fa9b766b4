/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small streaming JSON writer (RFC 8259), for replay's --json and the
 * NDJSON event streams. Hand-written on purpose (DESIGN.md): it is a few
 * dozen lines, has no dependency, never allocates, and writes keys in the
 * order the caller gives, which keeps outputs diffable.
 *
 * Usage:
 *   struct ctfw_json j;
 *   ctfw_json_init(&j, sink, arg, CTFW_JSON_PRETTY);
 *   ctfw_json_obj_begin(&j);
 *   ctfw_json_key(&j, "schema"); ctfw_json_str(&j, "ctfw-replay/1");
 *   ctfw_json_obj_end(&j);
 *   if (ctfw_json_finish(&j) < 0) ... nesting error ...
 *
 * The sink receives the text in pieces; the library does no I/O itself.
 * Strings are taken as UTF-8; invalid bytes are written as U+FFFD so the
 * output stays valid JSON whatever a packet or a rule comment held.
 * Nesting is checked: misuse is recorded and reported by finish().
 */
#ifndef CTFW_JSON_H
#define CTFW_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTFW_JSON_MAX_DEPTH 32
#define CTFW_JSON_PRETTY 0x1

typedef void (*ctfw_json_sink)(void *arg, const char *text, size_t len);

struct ctfw_json {
    ctfw_json_sink sink;
    void *arg;
    unsigned flags;
    int depth;
    bool error;
    bool after_key;
    bool need_comma[CTFW_JSON_MAX_DEPTH + 1];
    char kind[CTFW_JSON_MAX_DEPTH + 1]; /* '{' or '[' */
};

void ctfw_json_init(struct ctfw_json *j, ctfw_json_sink sink, void *arg,
                    unsigned flags);
void ctfw_json_obj_begin(struct ctfw_json *j);
void ctfw_json_obj_end(struct ctfw_json *j);
void ctfw_json_arr_begin(struct ctfw_json *j);
void ctfw_json_arr_end(struct ctfw_json *j);
void ctfw_json_key(struct ctfw_json *j, const char *key);
void ctfw_json_str(struct ctfw_json *j, const char *s);
void ctfw_json_strn(struct ctfw_json *j, const char *s, size_t len);
void ctfw_json_int(struct ctfw_json *j, int64_t v);
void ctfw_json_uint(struct ctfw_json *j, uint64_t v);
/* Finite doubles with up to 17 significant digits; NaN/inf as null. */
void ctfw_json_double(struct ctfw_json *j, double v);
void ctfw_json_bool(struct ctfw_json *j, bool v);
void ctfw_json_null(struct ctfw_json *j);
/* 0 when the document is complete and well nested, -EINVAL otherwise. */
int ctfw_json_finish(struct ctfw_json *j);

#endif
