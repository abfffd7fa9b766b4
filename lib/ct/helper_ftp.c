// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The FTP helper: help() of net/netfilter/nf_conntrack_ftp.c (Linux 6.x),
 * run from the confirm step (ctfw_ct_help()) on every packet of a
 * connection that was given the helper by a `CT --helper ftp` template.
 *
 * What it mirrors, line by line where it matters:
 *  - nothing is parsed until traffic went both ways (ctinfo ESTABLISHED
 *    or ESTABLISHED_REPLY);
 *  - a segment is parsed only when it starts right after a '\n' seen in
 *    the same direction (seq_aft_nl, two remembered positions per
 *    direction); so the first data segment of each direction (banner,
 *    USER) is never parsed, and only the first line of a segment is;
 *  - client side: "PORT a,b,c,d,p,q\r" (try_rfc959) and
 *    "EPRT |1|a.b.c.d|port|" / "EPRT |2|v6|port|" (try_eprt); server
 *    side: "227 " then the first digit and six numbers (try_rfc1123), and
 *    "229 " ... "(|||port|)" (try_epsv_response); case-insensitive;
 *  - a segment that starts like a command but ends before its numbers
 *    could be read (a command split across segments, a short segment
 *    that is a prefix of one) is a "partial match": the packet is DROPPED
 *    and the line position is not advanced, as the kernel does;
 *  - the address given must be the sender's own (loose=0, the default),
 *    otherwise no expectation; EPSV carries none and means the sender's;
 *  - expectation: from the peer's address (any source port) to the given
 *    address and port, TCP; refused expectations drop the packet
 *    ("cannot add expectation").
 * The payload must be captured in full; a truncated capture is skipped
 * (nothing parsed, no position update).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "ct_private.h"

enum ftp_cmd { FTP_PORT, FTP_EPRT, FTP_PASV, FTP_EPSV };

struct ftp_man {
    union ctfw_addr addr;
    uint16_t port;
};

static inline bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline char
lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* strncasecmp() over n bytes of a pattern without NUL bytes. */
static bool
prefix_eq(const char *data, const char *pat, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower(data[i]) != lower(pat[i]))
            return false;
    return true;
}

/* try_number(): array_size numbers separated by sep, ending at term (or
 * anything when term is 0) after the last; returns the length or 0. */
static size_t
try_number(const char *data, size_t dlen, uint32_t *array, int array_size,
           char sep, char term)
{
    int i = 0;
    size_t len = 0;
    memset(array, 0, sizeof(array[0]) * (size_t)array_size);
    for (; len < dlen && i < array_size; len++, data++) {
        if (is_digit(*data)) {
            array[i] = array[i] * 10 + (uint32_t)(*data - '0');
        } else if (*data == sep) {
            i++;
        } else {
            if ((*data == term || !term) && i == array_size - 1)
                return len;
            return 0;
        }
    }
    return 0;
}

/* try_rfc959(): "192,168,1,1,5,6". */
static size_t
try_rfc959(const char *data, size_t dlen, struct ftp_man *cmd, char term)
{
    uint32_t a[6];
    size_t len = try_number(data, dlen, a, 6, ',', term);
    if (!len)
        return 0;
    uint32_t ip = (a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3];
    memset(&cmd->addr, 0, sizeof(cmd->addr));
    cmd->addr.w[0] = htonl(ip);
    cmd->port = (uint16_t)((a[4] << 8) | a[5]);
    return len;
}

/* get_port(): digits up to delim, a non-zero port; index after delim. */
static size_t
get_port(const char *data, size_t start, size_t dlen, char delim,
         uint16_t *port)
{
    uint16_t tmp = 0;
    for (size_t i = start; i < dlen; i++) {
        if (data[i] == delim) {
            if (tmp == 0)
                break;
            *port = tmp;
            return i + 1;
        } else if (is_digit(data[i])) {
            tmp = (uint16_t)(tmp * 10 + (data[i] - '0'));
        } else {
            break;
        }
    }
    return 0;
}

/* try_eprt(): "|1|132.235.1.2|6275|" or "|2|3ffe::1|6275|". */
static size_t
try_eprt(const char *data, size_t dlen, struct ftp_man *cmd, uint8_t family)
{
    if (dlen <= 3)
        return 0;
    char delim = data[0];
    if (is_digit(delim) || delim < 33 || delim > 126 || data[2] != delim)
        return 0;
    if ((family == 4 && data[1] != '1') || (family == 6 && data[1] != '2'))
        return 0;
    size_t length;
    if (data[1] == '1') {
        uint32_t a[4];
        length = try_number(data + 3, dlen - 3, a, 4, '.', delim);
        if (length) {
            memset(&cmd->addr, 0, sizeof(cmd->addr));
            cmd->addr.w[0] =
                htonl((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]);
        }
    } else {
        /* in6_pton() up to the delimiter (inet_pton() on a copy). */
        size_t n = 0;
        while (3 + n < dlen && data[3 + n] != delim)
            n++;
        char s[INET6_ADDRSTRLEN + 1];
        length = 0;
        if (3 + n < dlen && n > 0 && n < sizeof(s)) {
            memcpy(s, data + 3, n);
            s[n] = '\0';
            if (inet_pton(AF_INET6, s, cmd->addr.b) == 1)
                length = n;
        }
    }
    if (!length)
        return 0;
    return get_port(data, 3 + length + 1, dlen, delim, &cmd->port);
}

/* try_epsv_response(): "|||6446|". */
static size_t
try_epsv(const char *data, size_t dlen, struct ftp_man *cmd)
{
    if (dlen <= 3)
        return 0;
    char delim = data[0];
    if (is_digit(delim) || delim < 33 || delim > 126 || data[1] != delim ||
        data[2] != delim)
        return 0;
    return get_port(data, 3, dlen, delim, &cmd->port);
}

/* try_rfc1123(): from the first digit, as try_rfc959 with no terminator. */
static size_t
try_rfc1123(const char *data, size_t dlen, struct ftp_man *cmd)
{
    size_t i = 0;
    while (i < dlen && !is_digit(data[i]))
        i++;
    if (i == dlen)
        return 0;
    return try_rfc959(data + i, dlen - i, cmd, 0);
}

static const struct ftp_search {
    const char *pattern;
    size_t plen;
    char skip, term;
    enum ftp_cmd type;
} search[2][2] = {
    /* clang-format off */
    [CTFW_CT_DIR_ORIGINAL] = {
        {"PORT", 4, ' ', '\r', FTP_PORT},
        {"EPRT", 4, ' ', '\r', FTP_EPRT},
    },
    [CTFW_CT_DIR_REPLY] = {
        {"227 ", 4, 0, 0, FTP_PASV},
        {"229 ", 4, '(', ')', FTP_EPSV},
    },
    /* clang-format on */
};

/* find_pattern(): 1 match, 0 no match, -1 partial. */
static int
find_pattern(const char *data, size_t dlen, const struct ftp_search *s,
             struct ftp_man *cmd, uint8_t family)
{
    size_t i = s->plen;
    if (dlen <= s->plen)
        return prefix_eq(data, s->pattern, dlen) ? -1 : 0;
    if (!prefix_eq(data, s->pattern, s->plen))
        return 0;
    if (s->skip) {
        for (i = s->plen; data[i] != s->skip; i++)
            if (i == dlen - 1)
                return -1;
        i++;
    }
    size_t n = 0;
    switch (s->type) {
    case FTP_PORT:
        n = try_rfc959(data + i, dlen - i, cmd, s->term);
        break;
    case FTP_EPRT:
        n = try_eprt(data + i, dlen - i, cmd, family);
        break;
    case FTP_PASV:
        n = try_rfc1123(data + i, dlen - i, cmd);
        break;
    case FTP_EPSV:
        n = try_epsv(data + i, dlen - i, cmd);
        break;
    }
    return n ? 1 : -1;
}

/* Sequence comparisons modulo 2^32 (before()/after()). */
static inline bool
seq_before(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

static bool
find_nl_seq(uint32_t seq, const struct ct_help *h, int dir)
{
    for (unsigned i = 0; i < h->seq_aft_nl_num[dir]; i++)
        if (h->seq_aft_nl[dir][i] == seq)
            return true;
    return false;
}

/* update_nl_seq(): remember two positions; replace the older one only by
 * a later one. */
static void
update_nl_seq(uint32_t nl_seq, struct ct_help *h, int dir)
{
    for (unsigned i = 0; i < h->seq_aft_nl_num[dir]; i++)
        if (h->seq_aft_nl[dir][i] == nl_seq)
            return;
    if (h->seq_aft_nl_num[dir] < 2) {
        h->seq_aft_nl[dir][h->seq_aft_nl_num[dir]++] = nl_seq;
        return;
    }
    int oldest =
        seq_before(h->seq_aft_nl[dir][0], h->seq_aft_nl[dir][1]) ? 0 : 1;
    if (seq_before(h->seq_aft_nl[dir][oldest], nl_seq))
        h->seq_aft_nl[dir][oldest] = nl_seq;
}

enum ct_l4_verdict
ct_ftp_help(struct ctfw_ct *ct, struct ctfw_ct_entry *e,
            const struct ctfw_pkt *pkt, uint8_t info, uint64_t now)
{
    struct ct_help *h = ct_help_of(ct, e);
    /* Until there's been traffic both ways, don't look in packets. */
    if (!h || !pkt || e->proto != 6 || pkt->proto != 6 ||
        (info != CTFW_CT_ESTABLISHED && info != CTFW_CT_ESTABLISHED_REPLY))
        return CT_L4_ACCEPT;
    uint32_t datalen = pkt->payload_len;
    if (datalen == 0 || pkt->payload_off == CTFW_PKT_OFF_NONE || !pkt->data)
        return CT_L4_ACCEPT;
    if ((uint64_t)pkt->payload_off + datalen > pkt->caplen)
        return CT_L4_ACCEPT; /* not captured in full: cannot follow */
    int dir =
        info == CTFW_CT_ESTABLISHED ? CTFW_CT_DIR_ORIGINAL : CTFW_CT_DIR_REPLY;
    const char *data = (const char *)pkt->data + pkt->payload_off;
    bool ends_in_nl = data[datalen - 1] == '\n';
    uint32_t seq = pkt->tcp_seq + datalen;
    enum ct_l4_verdict ret = CT_L4_ACCEPT;

    if (!find_nl_seq(pkt->tcp_seq, h, dir)) {
        if (h->ftp_flags[dir] & 1) {
            /* NF_CT_FTP_SEQ_PICKUP (set by conntrackd): take this one. */
            h->ftp_flags[dir] ^= 1;
        } else {
            goto out_update_nl;
        }
    }

    struct ftp_man cmd;
    memset(&cmd, 0, sizeof(cmd));
    /* EPSV names no address: the sender's is meant. */
    struct ct_tuple td = ct_tuple_of(e, dir), tr = ct_tuple_of(e, !dir);
    cmd.addr = td.src;
    int found = 0;
    for (int i = 0; i < 2; i++) {
        found = find_pattern(data, datalen, &search[dir][i], &cmd, e->family);
        if (found)
            break;
    }
    if (found == -1)
        return CT_L4_DROP; /* "partial matching of `%s'" */
    if (found == 0)
        goto out_update_nl;

    /* The address must be the sender's own (loose=0). */
    if (memcmp(&cmd.addr, &td.src, sizeof(cmd.addr)) != 0)
        goto out_update_nl;

    /* Expect a connection from the peer (any port) to the address:port
     * given, in the tuples of the other direction ("!dir"). */
    struct ctfw_ct_expect x;
    memset(&x, 0, sizeof(x));
    x.family = e->family;
    x.proto = 6;
    x.tuple.src = tr.src;
    x.tuple.dst = tr.dst;
    x.tuple.dport = cmd.port;
    memset(x.mask_src.b, 0xff, e->family == 6 ? 16 : 4);
    x.mask_sport = 0;
    if (ct_expect_related(ct, e, &x, now) != 0)
        ret = CT_L4_DROP; /* "cannot add expectation" */

out_update_nl:
    if (ends_in_nl)
        update_nl_seq(seq, h, dir);
    return ret;
}
