// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Conntrack settings (Linux 6.x defaults), names of reasons and states,
 * and the entry accessors.
 */
#include <string.h>

#include "ct_private.h"

void
ctfw_ct_config_default(struct ctfw_ct_config *cfg, uint64_t ram_bytes)
{
    memset(cfg, 0, sizeof(*cfg));
    /*
     * nf_conntrack_init_start() on 6.x, 64-bit: RAM/16384/8 buckets, 262144
     * above 4 GiB, 65536 above 1 GiB, at least 1024, rounded up to a
     * multiple of PAGE_SIZE/8 = 512; nf_conntrack_max = buckets.
     */
    uint64_t buckets = 262144;
    if (ram_bytes) {
        if (ram_bytes > (4ull << 30))
            buckets = 262144;
        else if (ram_bytes > (1ull << 30))
            buckets = 65536;
        else
            buckets = ram_bytes / 16384 / 8;
        if (buckets < 1024)
            buckets = 1024;
        buckets = (buckets + 511) / 512 * 512;
    }
    cfg->buckets = (uint32_t)buckets;
    cfg->max = (uint32_t)buckets;
    /* expect_hsize = buckets / 256 (min 1); expect_max = 4 x that. */
    cfg->expect_max = (cfg->buckets / 256 ? cfg->buckets / 256 : 1) * 4;
    cfg->checksum = true;
    cfg->acct = false;
    cfg->timestamp = false;
    cfg->events = 2;
    cfg->log_invalid = 0;

    cfg->tcp_loose = true;
    cfg->tcp_be_liberal = false;
    cfg->tcp_ignore_invalid_rst = false;
    cfg->tcp_max_retrans = 3;
    cfg->tcp_timeout_syn_sent = 120;
    cfg->tcp_timeout_syn_recv = 60;
    cfg->tcp_timeout_established = 432000;
    cfg->tcp_timeout_fin_wait = 120;
    cfg->tcp_timeout_close_wait = 60;
    cfg->tcp_timeout_last_ack = 30;
    cfg->tcp_timeout_time_wait = 120;
    cfg->tcp_timeout_close = 10;
    cfg->tcp_timeout_syn_sent2 = 120;
    cfg->tcp_timeout_max_retrans = 300;
    cfg->tcp_timeout_unacknowledged = 300;

    cfg->udp_timeout = 30;
    cfg->udp_timeout_stream = 120;
    cfg->icmp_timeout = 30;
    cfg->icmpv6_timeout = 30;
    cfg->generic_timeout = 600;
    cfg->gre_timeout = 30;
    cfg->gre_timeout_stream = 180;
    cfg->sctp_timeout_closed = 10;
    cfg->sctp_timeout_cookie_wait = 3;
    cfg->sctp_timeout_cookie_echoed = 3;
    cfg->sctp_timeout_established = 210;
    cfg->sctp_timeout_shutdown_sent = 3;
    cfg->sctp_timeout_shutdown_recd = 3;
    cfg->sctp_timeout_shutdown_ack_sent = 3;
    cfg->sctp_timeout_heartbeat_sent = 30;
    cfg->hz = 250;
}

static const char *const reason_names[CTFW_CT_R_COUNT] = {
    [CTFW_CT_R_NONE] = "none",
    [CTFW_CT_R_NO_L4] = "no_l4_header",
    [CTFW_CT_R_NO_TUPLE] = "no_tuple",
    [CTFW_CT_R_NO_INVERT] = "no_inverse_tuple",
    [CTFW_CT_R_TABLE_FULL] = "table_full",
    [CTFW_CT_R_NOMEM] = "no_memory",
    [CTFW_CT_R_TCP_TRUNCATED] = "tcp_truncated",
    [CTFW_CT_R_TCP_CSUM] = "tcp_bad_checksum",
    [CTFW_CT_R_TCP_FLAGS] = "tcp_invalid_flags",
    [CTFW_CT_R_TCP_NEW] = "tcp_invalid_new",
    [CTFW_CT_R_TCP_STATE] = "tcp_invalid_state",
    [CTFW_CT_R_TCP_RST] = "tcp_invalid_rst",
    [CTFW_CT_R_TCP_SEQ_OVER] = "tcp_seq_over_upper_bound",
    [CTFW_CT_R_TCP_ACK_OVER] = "tcp_ack_over_upper_bound",
    [CTFW_CT_R_TCP_REOPEN_DROP] = "tcp_reopen_failed",
    [CTFW_CT_R_UDP_TRUNCATED] = "udp_truncated",
    [CTFW_CT_R_UDP_CSUM] = "udp_bad_checksum",
    [CTFW_CT_R_ICMP_NEW] = "icmp_cannot_create",
    [CTFW_CT_R_ICMP_ERROR] = "icmp_error",
    [CTFW_CT_R_INSERT_FAILED] = "insert_failed",
    [CTFW_CT_R_HELPER] = "helper_drop",
    [CTFW_CT_R_SCTP_ERROR] = "sctp_short_or_bad_crc",
    [CTFW_CT_R_SCTP_INVALID] = "sctp_invalid",
    [CTFW_CT_R_POLICY_EXEMPT] = "policy_exempt",
    [CTFW_CT_R_POLICY_SYNPROXY] = "policy_synproxy",
    [CTFW_CT_R_POLICY_OVERLOAD] = "policy_overload",
    [CTFW_CT_R_POLICY_SRC_STATES] = "policy_max_src_states",
    [CTFW_CT_R_POLICY_SRC_CONN] = "policy_max_src_conn",
    [CTFW_CT_R_POLICY_SRC_RATE] = "policy_max_src_conn_rate",
};

const char *
ctfw_ct_reason_name(enum ctfw_ct_reason r)
{
    if ((unsigned)r >= CTFW_CT_R_COUNT)
        return "unknown";
    return reason_names[r];
}

const char *
ctfw_ct_destroy_reason_name(enum ctfw_ct_destroy_reason r)
{
    switch (r) {
    case CTFW_CT_DESTROY_NONE:
        return "none";
    case CTFW_CT_DESTROY_TIMEOUT:
        return "timeout";
    case CTFW_CT_DESTROY_EARLY_DROP:
        return "early_drop";
    case CTFW_CT_DESTROY_GC_EVICT:
        return "gc_evict";
    case CTFW_CT_DESTROY_RST:
        return "rst";
    case CTFW_CT_DESTROY_REOPEN:
        return "reopen";
    case CTFW_CT_DESTROY_FLUSH:
        return "flush";
    case CTFW_CT_DESTROY_USER:
        return "user";
    case CTFW_CT_DESTROY_POLICY:
        return "policy";
    }
    return "unknown";
}

static const char *const tcp_state_names[CTFW_CT_TCP_STATE_COUNT] = {
    "NONE",     "SYN_SENT", "SYN_RECV",  "ESTABLISHED", "FIN_WAIT",
    "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE",     "SYN_SENT2",
};

const char *
ctfw_ct_tcp_state_name(enum ctfw_ct_tcp_state s)
{
    if ((unsigned)s >= CTFW_CT_TCP_STATE_COUNT)
        return "UNKNOWN";
    return tcp_state_names[s];
}

size_t
ctfw_ct_entry_size(void)
{
    return sizeof(struct ctfw_ct_entry);
}

uint32_t
ctfw_ct_entry_status(const struct ctfw_ct_entry *e)
{
    return e->status;
}

uint32_t
ctfw_ct_entry_mark(const struct ctfw_ct_entry *e)
{
    return e->mark;
}

void
ctfw_ct_entry_set_mark(struct ctfw_ct *ct, struct ctfw_ct_entry *e,
                       uint32_t mark)
{
    /* IPCT_MARK is an UPDATE event when the entry is in the table. */
    if (e->mark != mark && ct_is_confirmed(e) && ct->on_event) {
        e->mark = mark;
        struct ctfw_ct_event ev = {
            .type = CTFW_CT_EVENT_UPDATE,
            .mask = CTFW_CT_EV_MARK,
            .entry = e,
        };
        ct->on_event(ct->event_opaque, &ev);
        return;
    }
    e->mark = mark;
}

uint16_t
ctfw_ct_entry_zone(const struct ctfw_ct_entry *e)
{
    return e->zone;
}

uint8_t
ctfw_ct_entry_family(const struct ctfw_ct_entry *e)
{
    return e->family;
}

uint8_t
ctfw_ct_entry_proto(const struct ctfw_ct_entry *e)
{
    return e->proto;
}

uint32_t
ctfw_ct_entry_id(const struct ctfw_ct_entry *e)
{
    /* Like the kernel's id (a keyed hash of the object): stable while the
     * entry lives, meaningless across runs. */
    uint64_t h = ((uint64_t)e->slot << 32 | (uint64_t)e->tk[0].sport << 16 |
                  e->tk[0].dport) *
                 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return (uint32_t)(h >> 32);
}

void
ctfw_ct_entry_tuple(const struct ctfw_ct_entry *e, enum ctfw_ct_dir d,
                    struct ctfw_ct_tuple *out)
{
    struct ct_tuple t = ct_tuple_of(e, d & 1);
    out->src = t.src;
    out->dst = t.dst;
    out->sport = t.sport;
    out->dport = t.dport;
}

int
ctfw_ct_entry_tcp_state(const struct ctfw_ct_entry *e)
{
    return e->proto == 6 ? e->p.tcp.state : -1;
}

static const char *const class_names[CTFW_CT_CLASS_COUNT -
                                     CTFW_CT_TCP_STATE_COUNT] = {
    "UDP_UNREPLIED",  "UDP_REPLIED",   "ICMP_UNREPLIED",
    "ICMP_REPLIED",   "OTHER_UNREPLIED", "OTHER_REPLIED",
};

const char *
ctfw_ct_class_name(enum ctfw_ct_class c)
{
    if ((unsigned)c < CTFW_CT_TCP_STATE_COUNT)
        return tcp_state_names[c];
    if ((unsigned)c >= CTFW_CT_CLASS_COUNT)
        return "UNKNOWN";
    return class_names[c - CTFW_CT_TCP_STATE_COUNT];
}

enum ctfw_ct_class
ctfw_ct_entry_class(const struct ctfw_ct_entry *e)
{
    unsigned replied = !!(e->status & CTFW_CT_S_SEEN_REPLY);
    switch (e->proto) {
    case 6:
        return (enum ctfw_ct_class)e->p.tcp.state;
    case 17:
    case 136:
        return (enum ctfw_ct_class)(CTFW_CT_CLASS_UDP_UNREPLIED + replied);
    case 1:
    case 58:
        return (enum ctfw_ct_class)(CTFW_CT_CLASS_ICMP_UNREPLIED + replied);
    default:
        return (enum ctfw_ct_class)(CTFW_CT_CLASS_OTHER_UNREPLIED +
                                    replied);
    }
}

void
ctfw_ct_count_by_class(const struct ctfw_ct *ct,
                       uint32_t out[CTFW_CT_CLASS_COUNT])
{
    for (int i = 0; i < CTFW_CT_CLASS_COUNT; i++)
        out[i] = ct->by_class[i];
}

void
ct_class_move(struct ctfw_ct *ct, const struct ctfw_ct_entry *e,
              enum ctfw_ct_class old)
{
    enum ctfw_ct_class now = ctfw_ct_entry_class(e);
    if (now == old || !ct_is_confirmed(e) || (e->status & CTFW_CT_S_DYING))
        return;
    ct->by_class[old]--;
    ct->by_class[now]++;
}

int64_t
ctfw_ct_entry_expires(const struct ctfw_ct *ct, const struct ctfw_ct_entry *e,
                      uint64_t now_ns)
{
    /*
     * nf_ct_expires() / HZ: the kernel keeps deadlines in jiffies, so the
     * remaining time is counted in whole ticks of the clock: a listing in
     * the jiffy of the refresh shows the full timeout (120), one a tick
     * later 119.
     */
    uint64_t hz = ct->cfg.hz ? ct->cfg.hz : 250;
    if (!ct_is_confirmed(e))
        return (int64_t)(e->timeout / CT_NS_PER_SEC);  /* still relative */
    uint64_t dj = (uint64_t)(((__uint128_t)e->timeout * hz) / CT_NS_PER_SEC);
    uint64_t nj = (uint64_t)(((__uint128_t)now_ns * hz) / CT_NS_PER_SEC);
    if (dj <= nj)
        return 0;
    return (int64_t)((dj - nj) / hz);
}

bool
ctfw_ct_entry_acct(const struct ctfw_ct *ct, const struct ctfw_ct_entry *e,
                   enum ctfw_ct_dir d, uint64_t *packets, uint64_t *bytes)
{
    const struct ct_acct *a = ct_acct_of(ct, e);
    if (!a)
        return false;
    *packets = a->packets[d & 1];
    *bytes = a->bytes[d & 1];
    return true;
}
