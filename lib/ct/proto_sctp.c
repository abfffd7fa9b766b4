// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SCTP tracker (net/netfilter/nf_conntrack_proto_sctp.c, Linux 6.x).
 *
 * The association's state follows the chunks seen, one transition per
 * chunk through sctp_conntracks[direction][chunk][state] (the 6.3+ table:
 * HEARTBEAT_ACKED is gone, merged into ESTABLISHED); DATA, SACK and the
 * other chunks do not move it. Verification tags are learnt from INIT
 * (the peer's tag is the INIT's initiate tag), INIT_ACK and the first
 * HEARTBEAT / HEARTBEAT_ACK of a direction, and checked as RFC 9260 8.5
 * says (sctp_packet()). The timeout is the new state's
 * nf_conntrack_sctp_timeout_*; ESTABLISHED makes the entry ASSURED.
 */
#include <string.h>

#include "ct_private.h"

/* enum sctp_conntrack (uapi nf_conntrack_sctp.h); index 9 was
 * HEARTBEAT_ACKED, no longer used. */
enum {
    sNO = CTFW_CT_SCTP_NONE,
    sCL = CTFW_CT_SCTP_CLOSED,
    sCW = CTFW_CT_SCTP_COOKIE_WAIT,
    sCE = CTFW_CT_SCTP_COOKIE_ECHOED,
    sES = CTFW_CT_SCTP_ESTABLISHED,
    sSS = CTFW_CT_SCTP_SHUTDOWN_SENT,
    sSR = CTFW_CT_SCTP_SHUTDOWN_RECD,
    sSA = CTFW_CT_SCTP_SHUTDOWN_ACK_SENT,
    sHS = CTFW_CT_SCTP_HEARTBEAT_SENT,
    sIV = CTFW_CT_SCTP_STATE_COUNT + 1,   /* SCTP_CONNTRACK_MAX: invalid */
};

/* Chunk types (RFC 9260 3.2). */
enum {
    CID_DATA = 0,
    CID_INIT = 1,
    CID_INIT_ACK = 2,
    CID_SACK = 3,
    CID_HEARTBEAT = 4,
    CID_HEARTBEAT_ACK = 5,
    CID_ABORT = 6,
    CID_SHUTDOWN = 7,
    CID_SHUTDOWN_ACK = 8,
    CID_ERROR = 9,
    CID_COOKIE_ECHO = 10,
    CID_COOKIE_ACK = 11,
    CID_SHUTDOWN_COMPLETE = 14,
};

#define CHUNK_FLAG_T 0x01                 /* SCTP_CHUNK_FLAG_T */
#define SCTP_F_HEARTBEAT_VTAG_FAILED 0x01 /* SCTP_FLAG_HEARTBEAT_VTAG_FAILED */

/*
 * sctp_conntracks[dir][chunk][state] of 6.x, rows in the order of
 * sctp_new_state(): INIT, INIT_ACK, ABORT, SHUTDOWN, SHUTDOWN_ACK, ERROR,
 * COOKIE_ECHO, COOKIE_ACK, SHUTDOWN_COMPLETE, HEARTBEAT, HEARTBEAT_ACK.
 * Columns: sNO sCL sCW sCE sES sSS sSR sSA sHS.
 */
static const uint8_t sctp_conntracks[2][11][9] = {
    {   /* ORIGINAL */
        {sCL, sCL, sCW, sCE, sES, sCL, sCL, sSA, sCW},   /* init */
        {sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sCL},   /* init_ack */
        {sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},   /* abort */
        {sCL, sCL, sCW, sCE, sSS, sSS, sSR, sSA, sCL},   /* shutdown */
        {sSA, sCL, sCW, sCE, sES, sSA, sSA, sSA, sSA},   /* shutdown_ack */
        {sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sCL},   /* error */
        {sCL, sCL, sCE, sCE, sES, sSS, sSR, sSA, sCL},   /* cookie_echo */
        {sCL, sCL, sCW, sES, sES, sSS, sSR, sSA, sCL},   /* cookie_ack */
        {sCL, sCL, sCW, sCE, sES, sSS, sSR, sCL, sCL},   /* shutdown_comp */
        {sHS, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS},   /* heartbeat */
        {sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS},   /* heartbeat_ack */
    },
    {   /* REPLY */
        {sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sIV},   /* init */
        {sIV, sCW, sCW, sCE, sES, sSS, sSR, sSA, sIV},   /* init_ack */
        {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sIV},   /* abort */
        {sIV, sCL, sCW, sCE, sSR, sSS, sSR, sSA, sIV},   /* shutdown */
        {sIV, sCL, sCW, sCE, sES, sSA, sSA, sSA, sIV},   /* shutdown_ack */
        {sIV, sCL, sCW, sCL, sES, sSS, sSR, sSA, sIV},   /* error */
        {sIV, sCL, sCE, sCE, sES, sSS, sSR, sSA, sIV},   /* cookie_echo */
        {sIV, sCL, sCW, sES, sES, sSS, sSR, sSA, sIV},   /* cookie_ack */
        {sIV, sCL, sCW, sCE, sES, sSS, sSR, sCL, sIV},   /* shutdown_comp */
        {sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS},   /* heartbeat */
        {sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sES},   /* heartbeat_ack */
    },
};

/* sctp_new_state(): chunks without a row leave the state as it is. */
static uint8_t
new_state(uint8_t dir, uint8_t cur, uint8_t type)
{
    int i;
    switch (type) {
    case CID_INIT: i = 0; break;
    case CID_INIT_ACK: i = 1; break;
    case CID_ABORT: i = 2; break;
    case CID_SHUTDOWN: i = 3; break;
    case CID_SHUTDOWN_ACK: i = 4; break;
    case CID_ERROR: i = 5; break;
    case CID_COOKIE_ECHO: i = 6; break;
    case CID_COOKIE_ACK: i = 7; break;
    case CID_SHUTDOWN_COMPLETE: i = 8; break;
    case CID_HEARTBEAT: i = 9; break;
    case CID_HEARTBEAT_ACK: i = 10; break;
    default:
        return cur;
    }
    return sctp_conntracks[dir][i][cur];
}

static uint32_t
rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

/* One chunk header as for_each_sctp_chunk() reads it. */
struct chunk {
    uint32_t off;            /* offset of the chunk in pkt->data */
    uint8_t type, flags;
    uint16_t len;
};

/*
 * for_each_sctp_chunk(): from the first chunk while its 4-byte header
 * lies within the packet; the next one is at the length rounded up to 4.
 * Bytes the capture lacks end the walk as the packet's end does.
 */
static bool
chunk_next(const struct ctfw_pkt *pkt, uint32_t end, struct chunk *ch)
{
    if (ch->off >= end || (uint64_t)ch->off + 4 > end ||
        (uint64_t)ch->off + 4 > pkt->caplen)
        return false;
    const uint8_t *h = pkt->data + ch->off;
    ch->type = h[0];
    ch->flags = h[1];
    ch->len = (uint16_t)(h[2] << 8 | h[3]);
    return true;
}

static void
chunk_advance(struct chunk *ch)
{
    ch->off += ((uint32_t)ch->len + 3u) & ~3u;
}

/* The initiate tag of an INIT / INIT_ACK chunk (struct sctp_inithdr
 * after the chunk header); false when it is not there. */
static bool
init_tag(const struct ctfw_pkt *pkt, uint32_t end, const struct chunk *ch,
         uint32_t *tag)
{
    uint64_t need = (uint64_t)ch->off + 4 + 16;  /* sizeof(sctp_inithdr) */
    if (need > end || need > pkt->caplen)
        return false;
    *tag = rd32(pkt->data + ch->off + 4);
    return true;
}

/* CRC32c (Castagnoli, reflected 0x82f63b78), as sctp_compute_cksum()
 * over the packet with its checksum field taken as zero. */
static uint32_t
crc32c(uint32_t crc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
    }
    return crc;
}

bool
ct_sctp_csum_ok(const uint8_t *l4, size_t len)
{
    if (len < 12)
        return false;
    static const uint8_t zero[4];
    uint32_t c = crc32c(0xffffffffu, l4, 8);
    c = crc32c(c, zero, 4);
    c = crc32c(c, l4 + 12, len - 12);
    c = ~c;
    /* stored as the little-endian bytes of the value (cpu_to_le32) */
    return l4[8] == (uint8_t)c && l4[9] == (uint8_t)(c >> 8) &&
           l4[10] == (uint8_t)(c >> 16) && l4[11] == (uint8_t)(c >> 24);
}

/* sctp_error(): a short packet; a bad CRC32c at PRE_ROUTING with
 * nf_conntrack_checksum=1 (a capture has no CHECKSUM_COMPLETE: every
 * packet is verified there). */
static bool
sctp_error(const struct ctfw_ct *ct, const struct ct_pktctx *c)
{
    const struct ctfw_pkt *pkt = c->pkt;
    if (!(pkt->has & CTFW_PKT_HAS_L4) || pkt->l4_len < 12)
        return true;
    if (ct->cfg.checksum && c->hook == CTFW_CT_HOOK_PRE_ROUTING &&
        (uint64_t)pkt->l4_off + pkt->l4_len <= pkt->caplen &&
        !ct_sctp_csum_ok(pkt->data + pkt->l4_off, pkt->l4_len))
        return true;
    return false;
}

/*
 * do_basic_checks(): at least one chunk, none of length 0, COOKIE_ECHO
 * and COOKIE_ACK only first, and INIT, INIT_ACK and SHUTDOWN_COMPLETE
 * alone (nothing after them once seen). Fills the chunk type map.
 */
static bool
basic_checks(const struct ctfw_pkt *pkt, uint32_t end, uint8_t map[32])
{
    struct chunk ch = {.off = pkt->l4_off + 12u};
    unsigned count = 0;
    bool flag = false;
    memset(map, 0, 32);
    for (; chunk_next(pkt, end, &ch); chunk_advance(&ch), count++) {
        if (ch.type == CID_INIT || ch.type == CID_INIT_ACK ||
            ch.type == CID_SHUTDOWN_COMPLETE)
            flag = true;
        if (((ch.type == CID_COOKIE_ACK || ch.type == CID_COOKIE_ECHO ||
              flag) && count != 0) || ch.len == 0)
            return false;
        map[ch.type >> 3] |= (uint8_t)(1u << (ch.type & 7));
    }
    return count != 0;
}

static bool
has(const uint8_t map[32], uint8_t type)
{
    return map[type >> 3] & (1u << (type & 7));
}

/* sctp_new(): can these chunks open an association, and with which
 * tags? State stays NONE; sctp_packet() then moves it. */
static bool
sctp_new(struct ctfw_ct_entry *e, const struct ctfw_pkt *pkt, uint32_t end,
         uint32_t vtag)
{
    memset(&e->p.sctp, 0, sizeof(e->p.sctp));
    struct chunk ch = {.off = pkt->l4_off + 12u};
    for (; chunk_next(pkt, end, &ch); chunk_advance(&ch)) {
        uint8_t ns = new_state(CTFW_CT_DIR_ORIGINAL, sNO, ch.type);
        if (ns == sNO || ns == sIV)
            return false;
        if (ch.type == CID_INIT) {
            uint32_t tag;
            if (vtag != 0)             /* 8.5.1 (A) */
                return false;
            if (!init_tag(pkt, end, &ch, &tag))
                return false;
            e->p.sctp.vtag[CTFW_CT_DIR_REPLY] = tag;
        } else if (ch.type == CID_HEARTBEAT) {
            e->p.sctp.vtag[CTFW_CT_DIR_ORIGINAL] = vtag;
        } else {
            /* An out-of-the-blue SHUTDOWN_ACK expects a SHUTDOWN_COMPLETE
             * with this tag back (8.4 (5)), anything else an ABORT. */
            e->p.sctp.vtag[CTFW_CT_DIR_REPLY] = vtag;
        }
        e->p.sctp.state = sNO;
    }
    return true;
}

static uint32_t
state_timeout(const struct ctfw_ct *ct, uint8_t s)
{
    const struct ctfw_ct_config *k = &ct->cfg;
    switch (s) {
    case sCL: return k->sctp_timeout_closed;
    case sCW: return k->sctp_timeout_cookie_wait;
    case sCE: return k->sctp_timeout_cookie_echoed;
    case sES: return k->sctp_timeout_established;
    case sSS: return k->sctp_timeout_shutdown_sent;
    case sSR: return k->sctp_timeout_shutdown_recd;
    case sSA: return k->sctp_timeout_shutdown_ack_sent;
    case sHS: return k->sctp_timeout_heartbeat_sent;
    default: return 0;   /* timeouts[SCTP_CONNTRACK_NONE] */
    }
}

/* nf_conntrack_sctp_packet(). */
static enum ct_l4_verdict
sctp_packet(struct ctfw_ct *ct, struct ctfw_ct_entry *e, struct ct_pktctx *c)
{
    const struct ctfw_pkt *pkt = c->pkt;
    struct ct_sctp *s = &e->p.sctp;
    uint8_t dir = c->dir, rdir = (uint8_t)!c->dir;
    uint8_t map[32];
    if (sctp_error(ct, c)) {
        c->reason = CTFW_CT_R_SCTP_ERROR;
        return CT_L4_INVALID;
    }
    c->reason = CTFW_CT_R_SCTP_INVALID;
    uint32_t end = pkt->l4_off + pkt->l4_len;
    uint32_t vtag = rd32(pkt->data + pkt->l4_off + 4);
    if (!basic_checks(pkt, end, map))
        return CT_L4_INVALID;

    if (!ct_is_confirmed(e)) {
        /* An out-of-the-blue packet with these is discarded (8.4). */
        if (has(map, CID_ABORT) || has(map, CID_SHUTDOWN_COMPLETE) ||
            has(map, CID_COOKIE_ACK))
            return CT_L4_INVALID;
        if (!sctp_new(e, pkt, end, vtag))
            return CT_L4_INVALID;
    }

    /* The verification tag (8.5) unless a chunk has rules of its own. */
    if (!has(map, CID_INIT) && !has(map, CID_SHUTDOWN_COMPLETE) &&
        !has(map, CID_COOKIE_ECHO) && !has(map, CID_ABORT) &&
        !has(map, CID_SHUTDOWN_ACK) && !has(map, CID_HEARTBEAT) &&
        !has(map, CID_HEARTBEAT_ACK) && vtag != s->vtag[dir])
        return CT_L4_INVALID;

    uint8_t old_state = sNO, ns = sNO;
    bool ignore = false;
    struct chunk ch = {.off = pkt->l4_off + 12u};
    for (; chunk_next(pkt, end, &ch); chunk_advance(&ch)) {
        bool t = ch.flags & CHUNK_FLAG_T;
        switch (ch.type) {
        case CID_INIT:
            if (vtag != 0)                               /* (A) */
                return CT_L4_INVALID;
            break;
        case CID_ABORT:                                  /* (B) */
        case CID_SHUTDOWN_COMPLETE:                      /* (C) */
            if ((!t && vtag != s->vtag[dir]) || (t && vtag != s->vtag[rdir]))
                return CT_L4_INVALID;
            break;
        case CID_COOKIE_ECHO:                            /* (D) */
            if (vtag != s->vtag[dir])
                return CT_L4_INVALID;
            break;
        case CID_COOKIE_ACK:
            s->init[dir] = 0;
            s->init[rdir] = 0;
            break;
        case CID_HEARTBEAT:
            if (s->vtag[dir] == 0) {
                s->vtag[dir] = vtag;
            } else if (vtag != s->vtag[dir]) {
                /* Maybe another path of a restarted association: let
                 * one through, unrefreshed, and wait for its ACK. */
                if (has(map, CID_DATA) || ignore)
                    return CT_L4_INVALID;
                s->flags |= SCTP_F_HEARTBEAT_VTAG_FAILED;
                s->last_dir = dir;
                ignore = true;
                continue;
            } else if (s->flags & SCTP_F_HEARTBEAT_VTAG_FAILED) {
                s->flags &= (uint8_t)~SCTP_F_HEARTBEAT_VTAG_FAILED;
            }
            break;
        case CID_HEARTBEAT_ACK:
            if (s->vtag[dir] == 0) {
                s->vtag[dir] = vtag;
            } else if (vtag != s->vtag[dir]) {
                if (has(map, CID_DATA) || ignore)
                    return CT_L4_INVALID;
                if (!(s->flags & SCTP_F_HEARTBEAT_VTAG_FAILED) ||
                    s->last_dir == dir)
                    return CT_L4_INVALID;
                s->flags &= (uint8_t)~SCTP_F_HEARTBEAT_VTAG_FAILED;
                s->vtag[dir] = vtag;
                s->vtag[rdir] = 0;
            } else if (s->flags & SCTP_F_HEARTBEAT_VTAG_FAILED) {
                s->flags &= (uint8_t)~SCTP_F_HEARTBEAT_VTAG_FAILED;
            }
            break;
        default:
            break;
        }

        old_state = s->state;
        ns = new_state(dir, old_state, ch.type);
        if (ns == sIV)
            return CT_L4_INVALID;

        if (ch.type == CID_INIT) {
            uint32_t tag;
            if (!init_tag(pkt, end, &ch, &tag))
                return CT_L4_INVALID;
            if (s->init[dir] && s->init[rdir])
                s->init[rdir] = 0;
            s->init[dir] = 1;
            s->vtag[rdir] = tag;
            /* An INIT retransmitted into a CLOSED entry does not renew
             * it: port reuse cannot keep it alive forever. */
            if (ns == sCL && old_state == sCL && ct_is_confirmed(e))
                ignore = true;
        } else if (ch.type == CID_INIT_ACK) {
            uint32_t tag;
            if (!init_tag(pkt, end, &ch, &tag))
                return CT_L4_INVALID;
            uint32_t v = s->vtag[rdir];
            if (!s->init[rdir] && v && v != tag)
                return CT_L4_INVALID;
            if (s->init[dir] && s->init[rdir] && v != tag)
                return CT_L4_INVALID;     /* collision */
            s->vtag[rdir] = tag;
        }

        s->state = ns;
        if (old_state != ns) {
            c->events |= CTFW_CT_EV_PROTOINFO;
            if (ns == sES && !(e->status & CTFW_CT_S_ASSURED)) {
                e->status |= CTFW_CT_S_ASSURED;
                c->events |= CTFW_CT_EV_ASSURED;
            }
        }
    }

    /* Let it pass without refreshing the timeout (nor counting it:
     * nf_ct_refresh_acct() is not called). */
    if (ignore)
        return CT_L4_ACCEPT;
    ct_refresh_acct(ct, e, c, state_timeout(ct, ns));
    return CT_L4_ACCEPT;
}

/* sctp_can_early_drop(): the shutdown states. */
static bool
sctp_can_early_drop(const struct ctfw_ct_entry *e)
{
    switch (e->p.sctp.state) {
    case sSS:
    case sSR:
    case sSA:
        return true;
    default:
        return false;
    }
}

static const char *
sctp_state_name(const struct ctfw_ct_entry *e)
{
    return ctfw_ct_sctp_state_name(e->p.sctp.state);
}

const char *
ctfw_ct_sctp_state_name(enum ctfw_ct_sctp_state s)
{
    static const char *const names[] = {
        [CTFW_CT_SCTP_NONE] = "NONE",
        [CTFW_CT_SCTP_CLOSED] = "CLOSED",
        [CTFW_CT_SCTP_COOKIE_WAIT] = "COOKIE_WAIT",
        [CTFW_CT_SCTP_COOKIE_ECHOED] = "COOKIE_ECHOED",
        [CTFW_CT_SCTP_ESTABLISHED] = "ESTABLISHED",
        [CTFW_CT_SCTP_SHUTDOWN_SENT] = "SHUTDOWN_SENT",
        [CTFW_CT_SCTP_SHUTDOWN_RECD] = "SHUTDOWN_RECD",
        [CTFW_CT_SCTP_SHUTDOWN_ACK_SENT] = "SHUTDOWN_ACK_SENT",
        [CTFW_CT_SCTP_HEARTBEAT_SENT] = "HEARTBEAT_SENT",
    };
    if ((unsigned)s >= sizeof(names) / sizeof(names[0]))
        return "UNKNOWN";
    return names[s];
}

const struct ct_l4proto ct_l4proto_sctp = {
    .proto = 132,
    .name = "sctp",
    .has_ports = true,
    .pkt_to_tuple = ct_ports_to_tuple,
    .invert = ct_invert_ports,
    .packet = sctp_packet,
    .can_early_drop = sctp_can_early_drop,
    .state_name = sctp_state_name,
};
