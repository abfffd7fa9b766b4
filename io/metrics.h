/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A Prometheus scrape endpoint on libmicrohttpd, run from the caller's
 * event loop (no thread: the text is built by the loop that owns the
 * pipeline, so nothing needs a lock). GET /metrics answers with the text
 * the callback builds (text/plain; version=0.0.4); any other path 404.
 */
#ifndef CTFW_IO_METRICS_H
#define CTFW_IO_METRICS_H

#include <stddef.h>

struct ctfw_http;

/* Build the exposition text: a heap string the server frees. */
typedef char *(*ctfw_http_metrics_cb)(void *arg, size_t *len);

/* addr is "IPV4:PORT" or "[IPV6]:PORT". NULL with a message in err. */
struct ctfw_http *ctfw_http_start(const char *addr, ctfw_http_metrics_cb cb,
                                  void *arg, char *err, size_t errlen);
/* The fd to poll for reading; then call ctfw_http_run(). */
int ctfw_http_fd(struct ctfw_http *h);
void ctfw_http_run(struct ctfw_http *h);
void ctfw_http_stop(struct ctfw_http *h);   /* accepts NULL */

#endif
