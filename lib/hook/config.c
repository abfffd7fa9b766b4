// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Sysctls onto conntrack settings: each ctfw_ct_config field is named
 * after its sysctl, so the mapping is a table.
 */
#include <stddef.h>

#include "hook_private.h"

#define F(field, id)                                                      \
    {offsetof(struct ctfw_ct_config, field),                              \
     sizeof(((struct ctfw_ct_config *)0)->field),                         \
     CTFW_SYSCTL_NF_CONNTRACK_##id}

static const struct {
    size_t off, size;
    enum ctfw_sysctl_id id;
} map[] = {
    F(max, MAX),
    F(buckets, BUCKETS),
    F(expect_max, EXPECT_MAX),
    F(checksum, CHECKSUM),
    F(acct, ACCT),
    F(timestamp, TIMESTAMP),
    F(events, EVENTS),
    F(log_invalid, LOG_INVALID),
    F(tcp_loose, TCP_LOOSE),
    F(tcp_be_liberal, TCP_BE_LIBERAL),
    F(tcp_ignore_invalid_rst, TCP_IGNORE_INVALID_RST),
    F(tcp_max_retrans, TCP_MAX_RETRANS),
    F(tcp_timeout_syn_sent, TCP_TIMEOUT_SYN_SENT),
    F(tcp_timeout_syn_recv, TCP_TIMEOUT_SYN_RECV),
    F(tcp_timeout_established, TCP_TIMEOUT_ESTABLISHED),
    F(tcp_timeout_fin_wait, TCP_TIMEOUT_FIN_WAIT),
    F(tcp_timeout_close_wait, TCP_TIMEOUT_CLOSE_WAIT),
    F(tcp_timeout_last_ack, TCP_TIMEOUT_LAST_ACK),
    F(tcp_timeout_time_wait, TCP_TIMEOUT_TIME_WAIT),
    F(tcp_timeout_close, TCP_TIMEOUT_CLOSE),
    F(tcp_timeout_max_retrans, TCP_TIMEOUT_MAX_RETRANS),
    F(tcp_timeout_unacknowledged, TCP_TIMEOUT_UNACKNOWLEDGED),
    F(udp_timeout, UDP_TIMEOUT),
    F(udp_timeout_stream, UDP_TIMEOUT_STREAM),
    F(icmp_timeout, ICMP_TIMEOUT),
    F(icmpv6_timeout, ICMPV6_TIMEOUT),
    F(generic_timeout, GENERIC_TIMEOUT),
    F(gre_timeout, GRE_TIMEOUT),
    F(gre_timeout_stream, GRE_TIMEOUT_STREAM),
    F(sctp_timeout_closed, SCTP_TIMEOUT_CLOSED),
    F(sctp_timeout_cookie_wait, SCTP_TIMEOUT_COOKIE_WAIT),
    F(sctp_timeout_cookie_echoed, SCTP_TIMEOUT_COOKIE_ECHOED),
    F(sctp_timeout_established, SCTP_TIMEOUT_ESTABLISHED),
    F(sctp_timeout_shutdown_sent, SCTP_TIMEOUT_SHUTDOWN_SENT),
    F(sctp_timeout_shutdown_recd, SCTP_TIMEOUT_SHUTDOWN_RECD),
    F(sctp_timeout_shutdown_ack_sent, SCTP_TIMEOUT_SHUTDOWN_ACK_SENT),
    F(sctp_timeout_heartbeat_sent, SCTP_TIMEOUT_HEARTBEAT_SENT),
};

void
ctfw_hook_ct_config(struct ctfw_ct_config *cfg, const struct ctfw_sysctl *s)
{
    ctfw_ct_config_default(cfg, 0);
    if (!s)
        return;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        int64_t v = ctfw_sysctl_get(s, map[i].id);
        unsigned char *p = (unsigned char *)cfg + map[i].off;
        switch (map[i].size) {
        case 1:
            *(uint8_t *)p = (uint8_t)v;   /* bool and u8 knobs */
            break;
        case 4:
            /* A negative timeout is stored by the kernel as is; the
             * tracker then sees an entry that has already expired. */
            *(uint32_t *)p = v < 0 ? 0 : (uint32_t)v;
            break;
        }
    }
}
