// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TCP tracker: the Linux 6.x state table, tcp_in_window() window tracking
 * and the timeout choice of nf_conntrack_tcp_packet()
 * (net/netfilter/nf_conntrack_proto_tcp.c). Every behaviour below names
 * the kernel function it mirrors; docs/conntrack.md lists the facts.
 */
#include <string.h>

#include "ct_private.h"

enum {
    sNO = CTFW_CT_TCP_NONE,
    sSS = CTFW_CT_TCP_SYN_SENT,
    sSR = CTFW_CT_TCP_SYN_RECV,
    sES = CTFW_CT_TCP_ESTABLISHED,
    sFW = CTFW_CT_TCP_FIN_WAIT,
    sCW = CTFW_CT_TCP_CLOSE_WAIT,
    sLA = CTFW_CT_TCP_LAST_ACK,
    sTW = CTFW_CT_TCP_TIME_WAIT,
    sCL = CTFW_CT_TCP_CLOSE,
    sS2 = CTFW_CT_TCP_SYN_SENT2,
    sIV = CTFW_CT_TCP_STATE_COUNT,  /* invalid */
    sIG,                            /* ignore */
};

/* Packet class (get_conntrack_index()). */
enum { TCP_SYN_SET, TCP_SYNACK_SET, TCP_FIN_SET, TCP_ACK_SET, TCP_RST_SET,
       TCP_NONE_SET };

/* Pseudo-states of the timeout array. */
enum { T_RETRANS = CTFW_CT_TCP_STATE_COUNT, T_UNACK, T_COUNT };

/*
 * tcp_conntracks[dir][class][state] (6.12 tree, identical in 6.1). One
 * comment per cell follows each row: "state -> result: why".
 */
static const uint8_t tcp_conntracks[2][6][CTFW_CT_TCP_STATE_COUNT] = {
    {
        /* ORIGINAL     sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2 */
        /* syn    */ { sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2 },
        /* NO->SS new connection; SS->SS retransmitted SYN; SR,ES,FW,CW,LA
         * ->IG SYN inside a live connection: out of sync or an error the
         * receiver answers with RST; TW->SS and CL->SS reopen (RFC 1122),
         * only with CLOSE_INIT or a prior same-direction RST (else IG);
         * S2->S2 late retransmitted SYN in simultaneous open. */
        /* synack */ { sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR },
        /* NO->IV too late; SS->IV the client cannot send SYN then SYN/ACK;
         * SR->SR late retransmitted SYN/ACK in simultaneous open; ES,FW,
         * CW,LA,TW,CL->IV a SYN/ACK from the client is invalid there;
         * S2->SR SYN/ACK answering the peer's SYN in simultaneous open. */
        /* fin    */ { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
        /* NO->IV nothing to close; SS->IV no FIN before the SYN/ACK; SR,ES
         * ->FW close started; FW->LA FIN seen both ways (or a
         * retransmission); CW->LA; LA->LA retransmitted FIN; TW->TW;
         * CL->CL; S2->IV. */
        /* ack    */ { sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV },
        /* NO->ES mid-stream pickup (tcp_loose); SS->IV no SYN/ACK seen yet;
         * SR->ES handshake complete; ES->ES; FW->CW close answered; CW->CW;
         * LA->TW last ACK (unless an RFC 5961 challenge ACK); TW->TW
         * retransmitted last ACK; CL->CL; S2->IV. */
        /* rst    */ { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
        /* NO->IV a RST cannot start anything; every other state ->CL, the
         * RST itself still subject to the checks of the CLOSE case. */
        /* none   */ { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
        /* no SYN/FIN/ACK/RST: invalid in every state. */
    },
    {
        /* REPLY        sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2 */
        /* syn    */ { sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2 },
        /* NO unused; SS->S2 simultaneous open; SR,ES,FW,CW,LA->IV a SYN
         * from the server is invalid there; TW->SS reopen with roles
         * switched (same CLOSE_INIT/RST condition); CL->IV; S2->S2
         * retransmitted simultaneous SYN. */
        /* synack */ { sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR },
        /* SS->SR standard open; SR->IG retransmitted SYN/ACK; ES,FW,CW,LA,
         * TW,CL->IG late SYN/ACK, or one answering an ignored SYN (resync
         * below); S2->SR simultaneous open. */
        /* fin    */ { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
        /* SS->IV the server cannot FIN before its SYN/ACK; SR,ES->FW close
         * started; FW,CW->LA FIN seen both ways; LA->LA retransmitted FIN;
         * TW->TW; CL->CL; S2->IV. */
        /* ack    */ { sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG },
        /* SS->IG maybe a half-open connection (remembered as a possible
         * challenge ACK); SR->SR may answer a late resent SYN (ES in
         * simultaneous open); ES->ES; FW->CW; CW->CW; LA->TW last ACK;
         * TW->TW; CL->CL; S2->IG. */
        /* rst    */ { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
        /* as ORIGINAL. */
        /* none   */ { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
        /* as ORIGINAL. */
    },
};

/* tcp_valid_flags[]: FIN/SYN/RST/ACK/URG combinations that may appear
 * (PSH, ECE and CWR are ignored). */
static bool
tcp_flags_valid(uint8_t flags)
{
    switch (flags & (CTFW_TCP_FIN | CTFW_TCP_SYN | CTFW_TCP_RST |
                     CTFW_TCP_ACK | CTFW_TCP_URG)) {
    case CTFW_TCP_SYN:
    case CTFW_TCP_SYN | CTFW_TCP_URG:
    case CTFW_TCP_SYN | CTFW_TCP_ACK:
    case CTFW_TCP_RST:
    case CTFW_TCP_RST | CTFW_TCP_ACK:
    case CTFW_TCP_FIN | CTFW_TCP_ACK:
    case CTFW_TCP_FIN | CTFW_TCP_ACK | CTFW_TCP_URG:
    case CTFW_TCP_ACK:
    case CTFW_TCP_ACK | CTFW_TCP_URG:
        return true;
    default:
        return false;
    }
}

static unsigned
tcp_index(uint8_t f)
{
    if (f & CTFW_TCP_RST)
        return TCP_RST_SET;
    if (f & CTFW_TCP_SYN)
        return (f & CTFW_TCP_ACK) ? TCP_SYNACK_SET : TCP_SYN_SET;
    if (f & CTFW_TCP_FIN)
        return TCP_FIN_SET;
    if (f & CTFW_TCP_ACK)
        return TCP_ACK_SET;
    return TCP_NONE_SET;
}

static inline bool
before(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

static inline bool
after(uint32_t a, uint32_t b)
{
    return before(b, a);
}

static void
tcp_timeouts(const struct ctfw_ct_config *c, uint32_t t[T_COUNT])
{
    t[sNO] = c->tcp_timeout_syn_sent;  /* unused */
    t[sSS] = c->tcp_timeout_syn_sent;
    t[sSR] = c->tcp_timeout_syn_recv;
    t[sES] = c->tcp_timeout_established;
    t[sFW] = c->tcp_timeout_fin_wait;
    t[sCW] = c->tcp_timeout_close_wait;
    t[sLA] = c->tcp_timeout_last_ack;
    t[sTW] = c->tcp_timeout_time_wait;
    t[sCL] = c->tcp_timeout_close;
    t[sS2] = c->tcp_timeout_syn_sent2;
    t[T_RETRANS] = c->tcp_timeout_max_retrans;
    t[T_UNACK] = c->tcp_timeout_unacknowledged;
}

/* segment_seq_plus_len(): payload per the IP length, SYN and FIN count. */
static uint32_t
seg_end(const struct ctfw_pkt *pkt)
{
    return pkt->tcp_seq + pkt->payload_len +
           ((pkt->tcp_flags & CTFW_TCP_SYN) ? 1 : 0) +
           ((pkt->tcp_flags & CTFW_TCP_FIN) ? 1 : 0);
}

/* tcp_options(): window scale and SACK-permitted into one side. */
static void
tcp_options(const struct ctfw_pkt *pkt, uint8_t *scale, uint8_t *flags)
{
    if (pkt->tcp_doff <= 20 || !(pkt->has & CTFW_PKT_HAS_TCPOPT))
        return;
    *scale = 0;
    *flags &= CT_TCP_F_BE_LIBERAL;
    if (pkt->tcp_opts.sack_perm)
        *flags |= CT_TCP_F_SACK_PERM;
    if (pkt->tcp_opts.wscale >= 0) {
        *scale = (uint8_t)(pkt->tcp_opts.wscale > 14 ? 14
                                                     : pkt->tcp_opts.wscale);
        *flags |= CT_TCP_F_WINDOW_SCALE;
    }
}

/* tcp_sack(): the highest right edge of the SACK blocks. */
static void
tcp_sack(const struct ctfw_pkt *pkt, uint32_t *sack)
{
    if (!(pkt->has & CTFW_PKT_HAS_TCPOPT))
        return;
    for (unsigned i = 0; i < pkt->tcp_opts.n_sack && i < 4; i++)
        if (after(pkt->tcp_opts.sack[i][1], *sack))
            *sack = pkt->tcp_opts.sack[i][1];
}

/* tcp_init_sender(): a SYN/ACK, or a SYN from the reply side. */
static void
tcp_init_sender(struct ct_tcp *s, int dir, const struct ctfw_pkt *pkt,
                uint32_t end, uint32_t win)
{
    s->seen[dir].td_end = s->seen[dir].td_maxend = end;
    s->seen[dir].td_maxwin = win == 0 ? 1 : win;
    tcp_options(pkt, &s->td_scale[dir], &s->flags[dir]);
    /* RFC 1323: scaling only when both sides sent the option. */
    if (dir == CTFW_CT_DIR_REPLY &&
        !((s->flags[dir] & CT_TCP_F_WINDOW_SCALE) &&
          (s->flags[!dir] & CT_TCP_F_WINDOW_SCALE))) {
        s->td_scale[dir] = 0;
        s->td_scale[!dir] = 0;
    }
}

enum { W_IGNORE, W_INVALID, W_ACCEPT };

/* nf_tcp_log_invalid(): be_liberal turns IGNORE/INVALID into ACCEPT. */
static int
liberal(const struct ctfw_ct *ct, const struct ct_tcp *s, int dir, int ret)
{
    if ((s->flags[dir] & CT_TCP_F_BE_LIBERAL) || ct->cfg.tcp_be_liberal)
        return W_ACCEPT;
    return ret;
}

/* tcp_in_window(). */
static int
tcp_in_window(const struct ctfw_ct *ct, struct ct_tcp *s, int dir,
              unsigned index, const struct ctfw_pkt *pkt, uint8_t *reason)
{
    int rdir = !dir;
    uint32_t seq = pkt->tcp_seq, ack = pkt->tcp_ack, sack = ack;
    uint16_t win_raw = pkt->tcp_win;
    uint32_t win = win_raw, swin;
    uint32_t end = seg_end(pkt);
    uint8_t f = pkt->tcp_flags;
    bool is_syn = f & CTFW_TCP_SYN, is_ack = f & CTFW_TCP_ACK;
    struct ct_tcp_side *snd = &s->seen[dir], *rcv = &s->seen[rdir];

    if (s->flags[rdir] & CT_TCP_F_SACK_PERM)
        tcp_sack(pkt, &sack);

    if (snd->td_maxwin == 0) {
        if (is_syn) {
            tcp_init_sender(s, dir, pkt, end, win);
            if (!is_ack)
                return W_ACCEPT;  /* simultaneous open */
        } else {
            /* Mid-connection: history lost, use this packet. */
            snd->td_end = end;
            swin = win << s->td_scale[dir];
            snd->td_maxwin = swin == 0 ? 1 : swin;
            snd->td_maxend = end + snd->td_maxwin;
            if (rcv->td_maxwin == 0)
                rcv->td_end = rcv->td_maxend = sack;
            else if (sack == rcv->td_end + 1)
                rcv->td_end++;  /* likely a keepalive reply */
        }
    } else if (is_syn && after(end, snd->td_end) &&
               (s->state == sSS || s->state == sSR)) {
        /* RFC 793: a reinitialised TCP uses higher sequence numbers. */
        tcp_init_sender(s, dir, pkt, end, win);
        if (dir == CTFW_CT_DIR_REPLY && !is_ack)
            return W_ACCEPT;
    }

    if (!is_ack) {
        ack = sack = rcv->td_end;
    } else if ((f & (CTFW_TCP_ACK | CTFW_TCP_RST)) ==
                   (CTFW_TCP_ACK | CTFW_TCP_RST) &&
               ack == 0) {
        ack = sack = rcv->td_end;  /* broken stacks: RST/ACK, ack 0 */
    }

    if ((f & CTFW_TCP_RST) && seq == 0 && s->state == sSS)
        seq = end = snd->td_end;  /* RST answering a SYN */

    uint32_t maxack_window = snd->td_maxwin > 66000 ? snd->td_maxwin : 66000;
    if (!before(seq, snd->td_maxend + 1)) {
        uint32_t overshot = end - snd->td_maxend + 1;
        bool ack_ok = after(sack, rcv->td_end - maxack_window - 1);
        bool in_recv_win = rcv->td_maxwin &&
                           after(end, snd->td_end - rcv->td_maxwin - 1);
        if (in_recv_win && ack_ok && overshot <= rcv->td_maxwin &&
            before(sack, rcv->td_end + 1)) {
            /* Senders that overrun the window: remember the data so
             * that its ACK does not fail "ACK over upper bound". */
            snd->td_end = end;
            s->flags[dir] |= CT_TCP_F_DATA_UNACKNOWLEDGED;
            return liberal(ct, s, dir, W_IGNORE);
        }
        *reason = CTFW_CT_R_TCP_SEQ_OVER;
        return liberal(ct, s, dir, W_INVALID);
    }
    if (!before(sack, rcv->td_end + 1)) {
        *reason = CTFW_CT_R_TCP_ACK_OVER;
        return liberal(ct, s, dir, W_INVALID);
    }
    /* Already-ACKed data retransmitted. */
    if (rcv->td_maxwin && !after(end, snd->td_end - rcv->td_maxwin - 1))
        return liberal(ct, s, dir, W_IGNORE);
    /* Overly delayed ACK. */
    if (!after(sack, rcv->td_end - maxack_window - 1))
        return liberal(ct, s, dir, W_IGNORE);

    if (!is_syn)
        win <<= s->td_scale[dir];

    /* Update sender data. */
    swin = win + (sack - ack);
    if (snd->td_maxwin < swin)
        snd->td_maxwin = swin;
    if (after(end, snd->td_end)) {
        snd->td_end = end;
        s->flags[dir] |= CT_TCP_F_DATA_UNACKNOWLEDGED;
    }
    if (is_ack) {
        if (!(s->flags[dir] & CT_TCP_F_MAXACK_SET)) {
            snd->td_maxack = ack;
            s->flags[dir] |= CT_TCP_F_MAXACK_SET;
        } else if (after(ack, snd->td_maxack)) {
            snd->td_maxack = ack;
        }
    }
    /* Update receiver data. */
    if (rcv->td_maxwin != 0 && after(end, snd->td_maxend))
        rcv->td_maxwin += end - snd->td_maxend;
    if (after(sack + win, rcv->td_maxend - 1)) {
        rcv->td_maxend = sack + win;
        if (win == 0)
            rcv->td_maxend++;
    }
    if (ack == rcv->td_end)
        s->flags[rdir] &= (uint8_t)~CT_TCP_F_DATA_UNACKNOWLEDGED;

    /* Retransmission counter: identical consecutive class-ack packets. */
    if (index == TCP_ACK_SET) {
        if (s->last_dir == dir && s->last_seq == seq && s->last_ack == ack &&
            s->last_end == end && s->last_win == win_raw) {
            s->retrans++;
        } else {
            s->last_dir = (uint8_t)dir;
            s->last_seq = seq;
            s->last_ack = ack;
            s->last_end = end;
            s->last_win = win_raw;
            s->retrans = 0;
        }
    }
    return W_ACCEPT;
}

/* nf_tcp_handle_invalid(): an out-of-window FIN/RST answering one from
 * the other side shortens an ASSURED entry's long timeout to UNACK. */
static void
tcp_handle_invalid(struct ctfw_ct *ct, struct ctfw_ct_entry *e, int dir,
                   unsigned index, uint64_t now)
{
    struct ct_tcp *s = &e->p.tcp;
    if (!(e->status & CTFW_CT_S_ASSURED) ||
        (e->status & CTFW_CT_S_FIXED_TIMEOUT))
        return;
    if (index != TCP_RST_SET && index != TCP_FIN_SET)
        return;
    if (s->last_dir != dir &&
        (s->last_index == TCP_FIN_SET || s->last_index == TCP_RST_SET)) {
        uint64_t expires = e->timeout > now ? e->timeout - now : 0;
        if (expires < ct_sec(120))
            return;
        uint64_t unack = ct_sec(ct->cfg.tcp_timeout_unacknowledged);
        if (expires > unack) {
            e->timeout = now + unack;
            if (ct->pol)
                ct_pol_note(ct, e, ct->cfg.tcp_timeout_unacknowledged);
        }
    } else {
        s->last_index = (uint8_t)index;
        s->last_dir = (uint8_t)dir;
    }
}

static bool
tcp_can_early_drop(const struct ctfw_ct_entry *e)
{
    switch (e->p.tcp.state) {
    case sFW:
    case sLA:
    case sTW:
    case sCL:
    case sCW:
        return true;
    default:
        return false;
    }
}

/* nf_conntrack_tcp_established(). */
static bool
tcp_established(const struct ctfw_ct_entry *e)
{
    return e->p.tcp.state == sES && (e->status & CTFW_CT_S_ASSURED);
}

/* tcp_new(): the first packet decides whether an entry may exist. */
static bool
tcp_new(const struct ctfw_ct *ct, struct ctfw_ct_entry *e,
        const struct ctfw_pkt *pkt)
{
    struct ct_tcp *s = &e->p.tcp;
    uint8_t ns = tcp_conntracks[0][tcp_index(pkt->tcp_flags)][sNO];
    if (ns >= sIV)
        return false;  /* "invalid new" */
    if (ns == sSS) {
        memset(s, 0, sizeof(*s));
        s->seen[0].td_end = seg_end(pkt);
        s->seen[0].td_maxwin = pkt->tcp_win ? pkt->tcp_win : 1;
        s->seen[0].td_maxend = s->seen[0].td_end;
        tcp_options(pkt, &s->td_scale[0], &s->flags[0]);
    } else if (!ct->cfg.tcp_loose) {
        return false;  /* no mid-stream pickup */
    } else {
        memset(s, 0, sizeof(*s));
        s->seen[0].td_end = seg_end(pkt);
        s->seen[0].td_maxwin = pkt->tcp_win ? pkt->tcp_win : 1;
        s->seen[0].td_maxend = s->seen[0].td_end + s->seen[0].td_maxwin;
        /* Assume SACK and liberal checking: the scale is unknown. */
        s->flags[0] = s->flags[1] = CT_TCP_F_SACK_PERM | CT_TCP_F_BE_LIBERAL;
    }
    s->last_index = TCP_NONE_SET;
    return true;
}

/* tcp_error(): header, checksum (PRE_ROUTING only), flag combination. */
static bool
tcp_error(const struct ctfw_ct *ct, const struct ct_pktctx *c,
          uint8_t *reason)
{
    const struct ctfw_pkt *pkt = c->pkt;
    if (!(pkt->has & CTFW_PKT_HAS_L4) || pkt->tcp_doff < 20 ||
        pkt->l4_len < pkt->tcp_doff ||
        ctfw_pkt_has_event(pkt, CTFW_PKT_EV_L4_BAD_HLEN)) {
        *reason = CTFW_CT_R_TCP_TRUNCATED;
        return true;
    }
    if (ct->cfg.checksum && c->hook == CTFW_CT_HOOK_PRE_ROUTING &&
        !ct_l4_csum_ok(pkt)) {
        *reason = CTFW_CT_R_TCP_CSUM;
        return true;
    }
    if (!tcp_flags_valid(pkt->tcp_flags)) {
        *reason = CTFW_CT_R_TCP_FLAGS;
        return true;
    }
    return false;
}

/* nf_conntrack_tcp_packet(). */
static enum ct_l4_verdict
tcp_packet(struct ctfw_ct *ct, struct ctfw_ct_entry *e, struct ct_pktctx *c)
{
    const struct ctfw_pkt *pkt = c->pkt;
    struct ct_tcp *s = &e->p.tcp;
    uint32_t timeouts[T_COUNT];
    int dir = c->dir;

    if (tcp_error(ct, c, &c->reason))
        return CT_L4_INVALID;
    if (!ct_is_confirmed(e) && !tcp_new(ct, e, pkt)) {
        c->reason = CTFW_CT_R_TCP_NEW;
        return CT_L4_INVALID;
    }

    unsigned old_state = s->state;
    unsigned index = tcp_index(pkt->tcp_flags);
    unsigned new_state = tcp_conntracks[dir][index][old_state];
    bool skip_window = false;

    switch (new_state) {
    case sSS:
        if (old_state < sTW)
            break;
        /* Reopen from TIME_WAIT/CLOSE: only after a FIN close
         * (CLOSE_INIT) or a RST from this same direction. */
        if (((s->flags[dir] | s->flags[!dir]) & CT_TCP_F_CLOSE_INIT) ||
            (s->last_dir == dir && s->last_index == TCP_RST_SET))
            return CT_L4_REPEAT;
        /* fall through */
    case sIG:
        if (index == TCP_SYNACK_SET && s->last_index == TCP_SYN_SET &&
            s->last_dir != dir && pkt->tcp_ack == s->last_end) {
            /* The SYN/ACK acknowledges a SYN we ignored: client and
             * server are in sync, we are not. Resync from the SYN. */
            int ld = s->last_dir;
            old_state = sSS;
            new_state = sSR;
            s->seen[ld].td_end = s->last_end;
            s->seen[ld].td_maxend = s->last_end;
            s->seen[ld].td_maxwin = s->last_win == 0 ? 1 : s->last_win;
            s->td_scale[ld] = s->last_wscale;
            s->last_flags &= (uint8_t)~CT_TCP_F_EXP_CHALLENGE_ACK;
            s->flags[ld] = s->last_flags;
            /* nf_ct_tcp_state_reset() of this direction. */
            memset(&s->seen[dir], 0, sizeof(s->seen[dir]));
            s->td_scale[dir] = 0;
            s->flags[dir] &= CT_TCP_F_BE_LIBERAL;
            break;
        }
        s->last_index = (uint8_t)index;
        s->last_dir = (uint8_t)dir;
        s->last_seq = pkt->tcp_seq;
        s->last_end = seg_end(pkt);
        s->last_win = pkt->tcp_win;
        if (index == TCP_SYN_SET && dir == CTFW_CT_DIR_ORIGINAL) {
            /* Remember the SYN's options for a possible resync. */
            uint8_t sc = 0, fl = 0;
            s->last_flags = s->last_wscale = 0;
            tcp_options(pkt, &sc, &fl);
            if (fl & CT_TCP_F_WINDOW_SCALE) {
                s->last_flags |= CT_TCP_F_WINDOW_SCALE;
                s->last_wscale = sc;
            }
            if (fl & CT_TCP_F_SACK_PERM)
                s->last_flags |= CT_TCP_F_SACK_PERM;
            /* RFC 5961: the peer may answer with a challenge ACK, which
             * in LAST_ACK looks like the final ACK. */
            if (old_state == sLA)
                s->last_flags |= CT_TCP_F_EXP_CHALLENGE_ACK;
        }
        if (old_state == sSS && index == TCP_ACK_SET &&
            dir == CTFW_CT_DIR_REPLY)
            s->last_ack = pkt->tcp_ack;  /* possible challenge ACK */
        /* Ignored: accepted, no state change, no refresh, no counters. */
        return CT_L4_ACCEPT;
    case sIV:
        c->reason = CTFW_CT_R_TCP_STATE;
        return CT_L4_INVALID;
    case sTW:
        if (old_state == sLA && index == TCP_ACK_SET && s->last_dir != dir &&
            s->last_index == TCP_SYN_SET &&
            (s->last_flags & CT_TCP_F_EXP_CHALLENGE_ACK)) {
            /* RFC 5961 challenge ACK: not the last ACK. */
            s->last_flags &= (uint8_t)~CT_TCP_F_EXP_CHALLENGE_ACK;
            return CT_L4_ACCEPT;
        }
        break;
    case sS2:
        s->last_flags |= CT_TCP_F_SIMULTANEOUS_OPEN;
        break;
    case sSR:
        if (dir == CTFW_CT_DIR_REPLY && index == TCP_ACK_SET &&
            (s->last_flags & CT_TCP_F_SIMULTANEOUS_OPEN))
            new_state = sES;
        break;
    case sCL:
        if (index != TCP_RST_SET)
            break;
        /* Closing states: the tuple may be reused already; no checks. */
        if (tcp_can_early_drop(e)) {
            skip_window = true;
            break;
        }
        if ((s->flags[!dir] & CT_TCP_F_MAXACK_SET) &&
            s->last_index != TCP_SYN_SET) {
            uint32_t seq = pkt->tcp_seq;
            if (seq == 0 && !tcp_established(e))
                break;
            if (before(seq, s->seen[!dir].td_maxack) &&
                !ct->cfg.tcp_ignore_invalid_rst) {
                c->reason = CTFW_CT_R_TCP_RST;  /* "invalid rst" */
                return CT_L4_INVALID;
            }
            if (!tcp_established(e) || seq == s->seen[!dir].td_maxack)
                break;
            /* RST right after own data ("train"). */
            if (s->last_index == TCP_ACK_SET && s->last_dir == dir &&
                seq == s->last_end)
                break;
            /* Inexact RST: stay ESTABLISHED for a challenge ACK. */
            new_state = old_state;
        }
        if ((((e->status & CTFW_CT_S_SEEN_REPLY) &&
              s->last_index == TCP_SYN_SET) ||
             (!(e->status & CTFW_CT_S_ASSURED) &&
              s->last_index == TCP_ACK_SET)) &&
            pkt->tcp_ack == s->last_end) {
            /* RST to a SYN or ACK we let through: no window check. */
            skip_window = true;
            break;
        }
        if (old_state == sSS && s->last_index == TCP_ACK_SET &&
            s->last_dir == CTFW_CT_DIR_REPLY && pkt->tcp_seq == s->last_ack) {
            skip_window = true;  /* RST answering a challenge ACK */
            break;
        }
        break;
    default:
        break;
    }

    if (!skip_window) {
        int res = tcp_in_window(ct, s, dir, index, pkt, &c->reason);
        if (res == W_IGNORE)
            return CT_L4_ACCEPT;
        if (res == W_INVALID) {
            tcp_handle_invalid(ct, e, dir, index, c->now);
            return CT_L4_INVALID;
        }
    }

    /* In-window from here on. */
    s->last_index = (uint8_t)index;
    s->last_dir = (uint8_t)dir;
    s->state = (uint8_t)new_state;
    if (old_state != new_state && new_state == sFW)
        s->flags[dir] |= CT_TCP_F_CLOSE_INIT;

    tcp_timeouts(&ct->cfg, timeouts);
    uint32_t timeout;
    if (s->retrans >= ct->cfg.tcp_max_retrans &&
        timeouts[new_state] > timeouts[T_RETRANS])
        timeout = timeouts[T_RETRANS];
    else if (index == TCP_RST_SET)
        timeout = timeouts[sCL];
    else if (((s->flags[0] | s->flags[1]) & CT_TCP_F_DATA_UNACKNOWLEDGED) &&
             timeouts[new_state] > timeouts[T_UNACK])
        timeout = timeouts[T_UNACK];
    else if (s->last_win == 0 && timeouts[new_state] > timeouts[T_RETRANS])
        timeout = timeouts[T_RETRANS];
    else
        timeout = timeouts[new_state];

    if (new_state != old_state)
        c->events |= CTFW_CT_EV_PROTOINFO;

    if (!(e->status & CTFW_CT_S_SEEN_REPLY)) {
        if (pkt->tcp_flags & CTFW_TCP_RST) {
            /* Only answer a RST: "connection refused", delete now. */
            ct_acct_add(ct, e, c);
            c->destroy = CTFW_CT_DESTROY_RST;
            return CT_L4_ACCEPT;
        }
        /* A retransmitted SYN does not renew the timeout. */
        if (index == TCP_SYN_SET && old_state == sSS)
            return CT_L4_ACCEPT;
        /* Loose pickup without a reply: no long ESTABLISHED timeout. */
        if (new_state == sES && timeout > timeouts[T_UNACK])
            timeout = timeouts[T_UNACK];
    } else if (!(e->status & CTFW_CT_S_ASSURED) &&
               (old_state == sSR || old_state == sES) && new_state == sES) {
        e->status |= CTFW_CT_S_ASSURED;
        c->events |= CTFW_CT_EV_ASSURED;
    }
    ct_refresh_acct(ct, e, c, timeout);
    return CT_L4_ACCEPT;
}

static bool
ports_to_tuple(const struct ctfw_pkt *pkt, struct ct_tuple *t)
{
    if (!(pkt->has & CTFW_PKT_HAS_L4))
        return false;
    t->sport = pkt->sport;
    t->dport = pkt->dport;
    return true;
}

bool
ct_invert_ports(const struct ct_tuple *in, struct ct_tuple *out)
{
    out->sport = in->dport;
    out->dport = in->sport;
    return true;
}

static const char *
tcp_state_name(const struct ctfw_ct_entry *e)
{
    return ctfw_ct_tcp_state_name(e->p.tcp.state);
}

const struct ct_l4proto ct_l4proto_tcp = {
    .proto = 6,
    .name = "tcp",
    .has_ports = true,
    .pkt_to_tuple = ports_to_tuple,
    .invert = ct_invert_ports,
    .packet = tcp_packet,
    .can_early_drop = tcp_can_early_drop,
    .state_name = tcp_state_name,
};

/* For UDP/UDP-Lite/SCTP: the same port tuple. */
bool
ct_ports_to_tuple(const struct ctfw_pkt *pkt, struct ct_tuple *t)
{
    return ports_to_tuple(pkt, t);
}
