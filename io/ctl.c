// SPDX-License-Identifier: GPL-2.0-or-later
/* The control socket (io/ctl.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "io/ctl.h"

static int
sun_fill(struct sockaddr_un *sun, const char *path)
{
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sun->sun_path))
        return -ENAMETOOLONG;
    strcpy(sun->sun_path, path);
    return 0;
}

int
ctfw_ctl_listen(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sun;
    if (sun_fill(&sun, path) < 0) {
        snprintf(err, errlen, "%s: path too long", path);
        return -ENAMETOOLONG;
    }
    /* The directory: created 0700 when missing (/run/ctfw). */
    char dir[sizeof(sun.sun_path)];
    strcpy(dir, path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
            int e = errno;
            snprintf(err, errlen, "%s: %s", dir, strerror(e));
            return -e;
        }
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "socket(AF_UNIX): %s", strerror(e));
        return -e;
    }
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path);
    /* Created with mode 0600 from the start: no window where another
     * user could connect. */
    mode_t old = umask(0177);
    int r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
    int e = errno;
    umask(old);
    if (r < 0 || listen(fd, 16) < 0) {
        if (r == 0)
            e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        close(fd);
        return -e;
    }
    return fd;
}

/* Milliseconds left of a budget of `budget` ms started at t0 (0 when
 * it is spent). */
static int
ms_left(const struct timespec *t0, int budget)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long spent = (now.tv_sec - t0->tv_sec) * 1000LL +
                      (now.tv_nsec - t0->tv_nsec) / 1000000;
    return spent >= budget ? 0 : (int)(budget - spent);
}

static int
wait_fd(int fd, short ev, int ms)
{
    struct pollfd p = {.fd = fd, .events = ev};
    int r;
    do
        r = poll(&p, 1, ms);
    while (r < 0 && errno == EINTR);
    return r;
}

int
ctfw_ctl_accept(int lfd, char *buf, size_t buflen, char **argv, int *argc)
{
    /* Non-blocking: the data path must never wait on a client for long.
     * The whole request has CTFW_CTL_READ_MS to arrive. */
    int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (cfd < 0)
        return -1;
    size_t n = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (wait_fd(cfd, POLLIN, ms_left(&t0, CTFW_CTL_READ_MS)) <= 0)
            goto bad;
        ssize_t r = read(cfd, buf + n, buflen - 1 - n);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r < 0)
            goto bad;
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == buflen - 1)
            goto bad;   /* too long a request */
    }
    buf[n] = '\0';
    *argc = 0;
    for (size_t i = 0; i < n && *argc < CTFW_CTL_MAX_ARGS;) {
        argv[(*argc)++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[*argc] = NULL;
    return cfd;
bad:
    close(cfd);
    return -1;
}

/* Write all of it, waiting for the client at most CTFW_CTL_WRITE_MS in
 * all: a client that does not read (a pager left open on a long
 * listing) is cut off rather than stall the data path. */
static void
write_all(int fd, const char *p, size_t n)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (n) {
        ssize_t r = write(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN) {
            if (wait_fd(fd, POLLOUT, ms_left(&t0, CTFW_CTL_WRITE_MS)) <= 0)
                return;
            continue;
        }
        if (r <= 0)
            return;
        p += r;
        n -= (size_t)r;
    }
}

void
ctfw_ctl_reply(int cfd, int exit_code, const char *out, size_t outlen,
               const char *err, size_t errlen)
{
    char head[64];
    int h = snprintf(head, sizeof(head), "%d %zu\n", exit_code, outlen);
    write_all(cfd, head, (size_t)h);
    write_all(cfd, out, outlen);
    write_all(cfd, err, errlen);
    close(cfd);
}

volatile unsigned long ctfw_ctl_stream_lines;

int
ctfw_ctl_stream_start(int cfd)
{
    static const char head[] = "STREAM\n";
    write_all(cfd, head, sizeof(head) - 1);
    /* From now on the daemon must never block on this client. */
    return fcntl(cfd, F_SETFL, fcntl(cfd, F_GETFL) | O_NONBLOCK);
}

int
ctfw_ctl_call(const char *path, int argc, char *const *argv, FILE *out,
              FILE *err, char *errbuf, size_t errlen)
{
    struct sockaddr_un sun;
    if (sun_fill(&sun, path) < 0) {
        snprintf(errbuf, errlen, "%s: path too long", path);
        return -ENAMETOOLONG;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        int e = errno;
        snprintf(errbuf, errlen, "%s: %s (is ctfw live running?)", path,
                 strerror(e));
        if (fd >= 0)
            close(fd);
        return -e;
    }
    for (int i = 0; i < argc; i++)
        write_all(fd, argv[i], strlen(argv[i]) + 1);
    shutdown(fd, SHUT_WR);
    /* Header line. */
    char head[64];
    size_t hn = 0;
    while (hn < sizeof(head) - 1) {
        ssize_t r = read(fd, head + hn, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (head[hn++] == '\n')
            break;
    }
    head[hn] = '\0';
    if (!strcmp(head, "STREAM\n")) {
        char b[4096];
        for (;;) {
            ssize_t r = read(fd, b, sizeof(b));
            if (r < 0 && errno == EINTR)
                break;   /* the caller's signal: stop */
            if (r <= 0)
                break;
            fwrite(b, 1, (size_t)r, out);
            fflush(out);
            for (ssize_t i = 0; i < r; i++)
                if (b[i] == '\n')
                    ctfw_ctl_stream_lines++;
        }
        close(fd);
        return 0;
    }
    int code;
    size_t outlen;
    if (sscanf(head, "%d %zu", &code, &outlen) != 2) {
        snprintf(errbuf, errlen, "%s: no answer", path);
        close(fd);
        return -EPROTO;
    }
    char buf[65536];
    for (;;) {
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        size_t k = (size_t)r, to_out = k < outlen ? k : outlen;
        fwrite(buf, 1, to_out, out);
        outlen -= to_out;
        fwrite(buf + to_out, 1, k - to_out, err);
    }
    close(fd);
    return code;
}
