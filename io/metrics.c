// SPDX-License-Identifier: GPL-2.0-or-later
/* /metrics over libmicrohttpd (io/metrics.h), epoll mode driven by the
 * caller's loop: MHD_DAEMON_INFO_EPOLL_FD is polled, MHD_run() serves. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/metrics.h"

#if MHD_VERSION < 0x00097002
typedef int mhd_result;
#else
typedef enum MHD_Result mhd_result;
#endif

struct ctfw_http {
    struct MHD_Daemon *d;
    ctfw_http_metrics_cb cb;
    void *arg;
};

static mhd_result
answer(void *cls, struct MHD_Connection *c, const char *url,
       const char *method, const char *version, const char *upload,
       size_t *upload_len, void **state)
{
    struct ctfw_http *h = cls;
    struct MHD_Response *r;
    unsigned status = MHD_HTTP_OK;
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        static const char m[] = "method not allowed\n";
        r = MHD_create_response_from_buffer(sizeof(m) - 1, (void *)m,
                                            MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
    } else if (strcmp(url, "/metrics")) {
        static const char m[] = "404 page not found: try /metrics\n";
        r = MHD_create_response_from_buffer(sizeof(m) - 1, (void *)m,
                                            MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_FOUND;
    } else {
        size_t len = 0;
        char *text = h->cb(h->arg, &len);
        if (!text)
            return MHD_NO;
        r = MHD_create_response_from_buffer(len, text,
                                            MHD_RESPMEM_MUST_FREE);
        if (r)
            MHD_add_response_header(r, "Content-Type",
                                    "text/plain; version=0.0.4; "
                                    "charset=utf-8");
    }
    if (!r)
        return MHD_NO;
    mhd_result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

struct ctfw_http *
ctfw_http_start(const char *addr, ctfw_http_metrics_cb cb, void *arg,
                char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    char host[64];
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof(host)) {
        snprintf(err, errlen, "bad address '%s' (want ADDR:PORT)", addr);
        return NULL;
    }
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || port == 0 || port > 65535) {
        snprintf(err, errlen, "bad port in '%s'", addr);
        return NULL;
    }
    unsigned flags = MHD_USE_EPOLL;
    size_t hl = strlen(host);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        host[hl - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
            goto badaddr;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
            goto badaddr;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
    }
    struct ctfw_http *h = calloc(1, sizeof(*h));
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->cb = cb;
    h->arg = arg;
    h->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, answer, h,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)5,
                            MHD_OPTION_END);
    if (!h->d) {
        snprintf(err, errlen, "cannot listen on %s (in use?)", addr);
        free(h);
        return NULL;
    }
    return h;
badaddr:
    snprintf(err, errlen, "bad address '%s' (want IPV4:PORT or "
             "[IPV6]:PORT)", addr);
    return NULL;
}

int
ctfw_http_fd(struct ctfw_http *h)
{
    const union MHD_DaemonInfo *i =
        MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
    return i ? i->epoll_fd : -1;
}

void
ctfw_http_run(struct ctfw_http *h)
{
    MHD_run(h->d);
}

void
ctfw_http_stop(struct ctfw_http *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->d);
    free(h);
}
