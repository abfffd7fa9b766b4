// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NFQUEUE over libmnl with libnetfilter_queue's message helpers
 * (io/nfqueue.h), following the kernel's nfnetlink_queue protocol: a
 * NFQNL_MSG_CONFIG bind with copy mode NFQNL_COPY_PACKET, then one
 * NFQNL_MSG_PACKET per queued packet and one NFQNL_MSG_VERDICT back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnetfilter_queue/libnetfilter_queue.h>

#include "io/nfqueue.h"

#define BUF_SIZE (0xffff + (MNL_SOCKET_BUFFER_SIZE / 2))

struct ctfw_nfq {
    struct mnl_socket *nl;
    unsigned portid, queue;
    char *buf, *vbuf;
    ctfw_nfq_cb cb;
    void *arg;
    struct ctfw_nfq_stats st;
};

static int
config(struct ctfw_nfq *q, struct nlmsghdr *nlh)
{
    if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
        return -errno;
    /* The kernel acks (NLM_F_ACK): read the error code. */
    int r = (int)mnl_socket_recvfrom(q->nl, q->buf, BUF_SIZE);
    if (r < 0)
        return -errno;
    r = mnl_cb_run(q->buf, (size_t)r, 0, q->portid, NULL, NULL);
    return r < 0 ? -errno : 0;
}

int
ctfw_nfq_open(unsigned queue, bool fail_open, struct ctfw_nfq **out,
              char *err, size_t errlen)
{
    struct ctfw_nfq *q = calloc(1, sizeof(*q));
    int rc;
    if (!q || !(q->buf = malloc(BUF_SIZE)) || !(q->vbuf = malloc(256))) {
        rc = -ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto bad;
    }
    q->queue = queue;
    q->nl = mnl_socket_open(NETLINK_NETFILTER);
    if (!q->nl || mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        rc = -errno;
        snprintf(err, errlen, "netlink socket: %s", strerror(errno));
        goto bad;
    }
    q->portid = mnl_socket_get_portid(q->nl);
    struct nlmsghdr *nlh = nfq_nlmsg_put(q->buf, NFQNL_MSG_CONFIG, queue);
    nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
    nlh->nlmsg_flags |= NLM_F_ACK;
    if ((rc = config(q, nlh)) < 0) {
        snprintf(err, errlen, "queue %u: bind: %s (another program on "
                 "it?)", queue, strerror(-rc));
        goto bad;
    }
    nlh = nfq_nlmsg_put(q->buf, NFQNL_MSG_CONFIG, queue);
    nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
    uint32_t flags = fail_open ? NFQA_CFG_F_FAIL_OPEN : 0;
    mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
    mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_FAIL_OPEN));
    nlh->nlmsg_flags |= NLM_F_ACK;
    if ((rc = config(q, nlh)) < 0) {
        snprintf(err, errlen, "queue %u: parameters: %s", queue,
                 strerror(-rc));
        goto bad;
    }
    /* ENOBUFS (the socket overran) is reported, not fatal. */
    int one = 1;
    (void)setsockopt(mnl_socket_get_fd(q->nl), SOL_NETLINK,
                     NETLINK_NO_ENOBUFS, &one, sizeof(one));
    int fd = mnl_socket_get_fd(q->nl);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    *out = q;
    return 0;
bad:
    ctfw_nfq_close(q);
    return rc;
}

void
ctfw_nfq_close(struct ctfw_nfq *q)
{
    if (!q)
        return;
    if (q->nl)
        mnl_socket_close(q->nl);   /* the kernel unbinds the queue */
    free(q->buf);
    free(q->vbuf);
    free(q);
}

int
ctfw_nfq_fd(const struct ctfw_nfq *q)
{
    return mnl_socket_get_fd(q->nl);
}

static int
packet_cb(const struct nlmsghdr *nlh, void *data)
{
    struct ctfw_nfq *q = data;
    struct nlattr *attr[NFQA_MAX + 1] = {0};
    if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR]) {
        q->st.errors++;
        return MNL_CB_OK;
    }
    const struct nfqnl_msg_packet_hdr *ph =
        mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
    struct ctfw_nfq_pkt p = {
        .id = ntohl(ph->packet_id),
        .l3proto = ntohs(ph->hw_protocol),
        .hook = ph->hook,
    };
    if (attr[NFQA_IFINDEX_INDEV])
        p.indev = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_INDEV]));
    if (attr[NFQA_IFINDEX_OUTDEV])
        p.outdev = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_OUTDEV]));
    if (attr[NFQA_PAYLOAD]) {
        p.payload = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
        p.len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
    }
    q->st.packets++;
    bool accept = p.payload ? q->cb(q->arg, &p) : true;
    if (accept)
        q->st.accepted++;
    else
        q->st.dropped++;
    struct nlmsghdr *v = nfq_nlmsg_put(q->vbuf, NFQNL_MSG_VERDICT, q->queue);
    nfq_nlmsg_verdict_put(v, (int)p.id, accept ? NF_ACCEPT : NF_DROP);
    if (mnl_socket_sendto(q->nl, v, v->nlmsg_len) < 0)
        q->st.errors++;
    return MNL_CB_OK;
}

int
ctfw_nfq_run(struct ctfw_nfq *q, ctfw_nfq_cb cb, void *arg)
{
    q->cb = cb;
    q->arg = arg;
    uint64_t before = q->st.packets;
    for (int i = 0; i < 64; i++) {
        ssize_t r = mnl_socket_recvfrom(q->nl, q->buf, BUF_SIZE);
        if (r < 0) {
            if (errno == EAGAIN || errno == EINTR)
                break;
            if (errno == ENOBUFS) {
                q->st.errors++;
                continue;
            }
            return -errno;
        }
        /* An error message back (a verdict the kernel refused:
         * EPERM without CAP_NET_ADMIN) is counted. */
        if (mnl_cb_run(q->buf, (size_t)r, 0, q->portid, packet_cb, q) < 0)
            q->st.errors++;
    }
    return (int)(q->st.packets - before);
}

void
ctfw_nfq_get_stats(const struct ctfw_nfq *q, struct ctfw_nfq_stats *out)
{
    *out = q->st;
}
