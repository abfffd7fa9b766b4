// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The NAT targets' actions (xt_nat.c, xt_MASQUERADE.c /
 * nf_nat_masquerade.c, xt_REDIRECT.c / nf_nat_redirect.c, xt_NETMAP.c):
 * each turns its parameters into a range for this packet and calls
 * nf_nat_setup_info() with the hook's manip type.
 */
#include <string.h>

#include "nat_private.h"

bool
ctfw_nat_target(struct ctfw_nat *nat, struct ctfw_ct *ct,
                const struct ctfw_host *host, struct ctfw_skb *skb,
                const struct ctfw_nat_request *req)
{
    struct ctfw_ct_entry *e = skb->ct.entry;
    /* The nat table only runs for packets with a new entry; anything
     * else is a caller's mistake: leave it alone. */
    if (!e)
        return true;
    enum ctfw_hook hook = (enum ctfw_hook)skb->hook;
    enum ctfw_nat_manip m = ctfw_nat_hook_manip(hook);
    uint8_t family = skb->pkt.family;
    struct ctfw_nat_range r = req->range;
    size_t alen = family == 6 ? 16 : 4;
    nat->st.bindings++;

    switch (req->target) {
    case CTFW_NAT_T_SNAT:
        m = CTFW_NAT_MANIP_SRC;
        break;
    case CTFW_NAT_T_DNAT:
        m = CTFW_NAT_MANIP_DST;
        break;
    case CTFW_NAT_T_MASQUERADE: {
        /* nf_nat_masquerade_ipv4/6(): an address of the out-interface
         * chosen for the next hop (inet_select_addr); none: drop. */
        union ctfw_addr a;
        memset(&a, 0, sizeof(a));
        if (!skb->out_ifindex ||
            !ctfw_host_src_addr(host, skb->out_ifindex, family,
                                 &skb->pkt.dst, &a)) {
            nat->st.dropped++;
            return false;
        }
        r.flags |= CTFW_NAT_RANGE_MAP_IPS;
        r.min_addr = a;
        r.max_addr = a;
        m = CTFW_NAT_MANIP_SRC;
        break;
    }
    case CTFW_NAT_T_REDIRECT: {
        /* nf_nat_redirect_ipv4(): to 127.0.0.1 for local packets, else
         * the first address of the in-interface; none: drop. IPv6:
         * ::1, or an address of the in-interface. */
        union ctfw_addr a;
        memset(&a, 0, sizeof(a));
        if (hook == CTFW_HOOK_LOCAL_OUT) {
            if (family == 6)
                a.b[15] = 1;
            else {
                a.b[0] = 127;
                a.b[3] = 1;
            }
        } else if (!skb->in_ifindex ||
                   !ctfw_host_iface_addr(host, skb->in_ifindex, family,
                                         &a)) {
            nat->st.dropped++;
            return false;
        }
        r.flags |= CTFW_NAT_RANGE_MAP_IPS;
        r.min_addr = a;
        r.max_addr = a;
        m = CTFW_NAT_MANIP_DST;
        break;
    }
    case CTFW_NAT_T_NETMAP: {
        /* netmap_tg4/6(): the prefix's bits with the address's host
         * bits (destination at PREROUTING/OUTPUT, source else). */
        const union ctfw_addr *cur =
            m == CTFW_NAT_MANIP_DST ? &skb->pkt.dst : &skb->pkt.src;
        union ctfw_addr a;
        memset(&a, 0, sizeof(a));
        for (size_t i = 0; i < alen; i++) {
            uint8_t mask = (uint8_t)~(req->range.min_addr.b[i] ^
                                      req->range.max_addr.b[i]);
            a.b[i] = (uint8_t)((cur->b[i] & ~mask) |
                               (req->range.min_addr.b[i] & mask));
        }
        r.flags |= CTFW_NAT_RANGE_MAP_IPS;
        r.min_addr = a;
        r.max_addr = a;
        break;
    }
    default:
        return true;
    }
    return ctfw_nat_setup_info(nat, ct, e, &r, m, skb->now_ns);
}
