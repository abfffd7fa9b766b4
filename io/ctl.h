/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket of ctfw live: a local UNIX stream socket, mode 0600
 * (in a directory of mode 0700), one command per connection.
 *
 * Wire format. Request: the command's words, each ending in a NUL byte,
 * then the client shuts its writing side down. Reply: a header line
 * "EXIT OUTLEN\n" (decimal), OUTLEN bytes of standard output, then
 * standard error to the end of the stream; or, for a command that streams
 * (conntrack -E), the line "STREAM\n" and then standard output until the
 * daemon or the client closes. The words are the ones a user
 * types after `ctfw ctl` (`conntrack -L -p tcp`), the output what the
 * real tool prints.
 */
#ifndef CTFW_IO_CTL_H
#define CTFW_IO_CTL_H

#include <stddef.h>
#include <stdio.h>

#define CTFW_CTL_DEFAULT_PATH "/run/ctfw/ctl.sock"
#define CTFW_CTL_MAX_ARGS 64
#define CTFW_CTL_MAX_REQ 8192
/* How long the daemon waits on one client: for its whole request, and
 * in all for it to take a reply; then the client is cut off, so a
 * client that stalls never holds the data path longer. */
#define CTFW_CTL_READ_MS 200
#define CTFW_CTL_WRITE_MS 200

/* Listen on path (an old socket there is replaced): the fd, or -errno
 * with a message in err. */
int ctfw_ctl_listen(const char *path, char *err, size_t errlen);

/*
 * Accept one client and read its request (waits at most 500 ms for it,
 * so a silent client cannot stall the data path for long). Returns the
 * connection fd with argv[0..*argc-1] pointing into buf, or -1.
 */
int ctfw_ctl_accept(int lfd, char *buf, size_t buflen, char **argv,
                    int *argc);

/* Send the reply and close the connection. */
void ctfw_ctl_reply(int cfd, int exit_code, const char *out, size_t outlen,
                    const char *err, size_t errlen);

/* Start a streamed reply ("STREAM\n"); the fd stays the caller's. */
int ctfw_ctl_stream_start(int cfd);

/*
 * Client: send argv to the socket at path and copy the reply's standard
 * output to out and its standard error to err. Returns the command's exit
 * code, or -errno when the socket cannot be reached (message in errbuf).
 */
int ctfw_ctl_call(const char *path, int argc, char *const *argv, FILE *out,
                  FILE *err, char *errbuf, size_t errlen);

/* Lines of a streamed reply ctfw_ctl_call() has copied so far (a
 * signal handler may read it to print a summary). */
extern volatile unsigned long ctfw_ctl_stream_lines;

#endif
