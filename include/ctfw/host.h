/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host model: the simulated machine's interfaces, local addresses,
 * routes and forwarding switch, which decide the hook path of a packet.
 *
 *   to a local address          PREROUTING -> INPUT
 *   from a local address        OUTPUT -> POSTROUTING
 *   from and to local addresses OUTPUT -> POSTROUTING -> (lo) PREROUTING
 *                               -> INPUT                      (loopback)
 *   otherwise, forwarding on    PREROUTING -> FORWARD -> POSTROUTING
 *   otherwise                   dropped: forwarding off, or no route
 *
 * Interfaces are given as NAME=ADDR/PREFIX (repeatable; an interface may
 * have several addresses, IPv4 and IPv6). `lo` exists always with
 * 127.0.0.1/8 and ::1/128; interface indexes are lo = 1 and then 2, 3,
 * ... in the order the interfaces are first named, as a freshly booted
 * Linux numbers them, so LINUX_SLL2 captures map when taken on such a
 * machine (NAME@INDEX=... sets the index explicitly).
 *
 * Lifetime: ctfw_host_new() / ctfw_host_free(); immutable once built, so
 * one model may be shared by readers on several threads.
 */
#ifndef CTFW_HOST_H
#define CTFW_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctfw/pkt.h"

#define CTFW_IFNAMSIZ 16   /* as IFNAMSIZ: 15 characters + NUL */

enum ctfw_host_path {
    CTFW_HOST_PATH_INPUT,       /* PREROUTING -> INPUT */
    CTFW_HOST_PATH_FORWARD,     /* PREROUTING -> FORWARD -> POSTROUTING */
    CTFW_HOST_PATH_OUTPUT,      /* OUTPUT -> POSTROUTING */
    CTFW_HOST_PATH_LOOPBACK,    /* OUTPUT -> POSTROUTING, lo PREROUTING ->
                                   INPUT */
    CTFW_HOST_PATH_FORWARD_OFF, /* not local and forwarding is off */
    CTFW_HOST_PATH_NO_ROUTE,    /* forwarding on, no route to dst */
};

/* addrtype (xt_addrtype) bits, the kernel's RTN_* types as masks. */
#define CTFW_ADDRTYPE_UNSPEC (1u << 0)
#define CTFW_ADDRTYPE_UNICAST (1u << 1)
#define CTFW_ADDRTYPE_LOCAL (1u << 2)
#define CTFW_ADDRTYPE_BROADCAST (1u << 3)
#define CTFW_ADDRTYPE_ANYCAST (1u << 4)
#define CTFW_ADDRTYPE_MULTICAST (1u << 5)
#define CTFW_ADDRTYPE_BLACKHOLE (1u << 6)
#define CTFW_ADDRTYPE_UNREACHABLE (1u << 7)
#define CTFW_ADDRTYPE_PROHIBIT (1u << 8)
#define CTFW_ADDRTYPE_THROW (1u << 9)
#define CTFW_ADDRTYPE_NAT (1u << 10)
#define CTFW_ADDRTYPE_XRESOLVE (1u << 11)

struct ctfw_host;

struct ctfw_host_decision {
    enum ctfw_host_path path;
    unsigned in_ifindex;   /* 0 = none (locally generated) */
    unsigned out_ifindex;  /* 0 = none (delivered locally / dropped) */
};

struct ctfw_host *ctfw_host_new(void);
void ctfw_host_free(struct ctfw_host *h);

/*
 * Builders. Each returns 0 or -EINVAL with a message in err (errlen
 * bytes) naming the bad part, e.g. "bad prefix length '33' in
 * 'eth0=10.0.0.1/33'".
 *   iface:  "eth0=10.0.0.1/24", "eth0=2001:db8::1/64", "eth0@3=..."
 *   local:  "192.0.2.7" (an extra local address, on lo)
 *   route:  "0.0.0.0/0=eth1", "default=eth1", "10.9.0.0/16=eth0",
 *           "default=eth1,via=203.0.113.1" (a gateway: the next hop)
 */
int ctfw_host_add_iface(struct ctfw_host *h, const char *spec, char *err,
                        size_t errlen);
int ctfw_host_add_local(struct ctfw_host *h, const char *addr, char *err,
                        size_t errlen);
int ctfw_host_add_route(struct ctfw_host *h, const char *spec, char *err,
                        size_t errlen);
void ctfw_host_set_forward(struct ctfw_host *h, bool on);
bool ctfw_host_forward(const struct ctfw_host *h);

/* Interface name of an index ("lo", "eth0"), or NULL. */
const char *ctfw_host_ifname(const struct ctfw_host *h, unsigned ifindex);
/* Index of a name, or 0. */
unsigned ctfw_host_ifindex(const struct ctfw_host *h, const char *name);

/* True when addr (family 4 or 6) is one of the host's own addresses. */
bool ctfw_host_is_local(const struct ctfw_host *h, int family,
                        const union ctfw_addr *addr);

/*
 * Decide the path of a packet with these addresses. in_ifindex_hint is the
 * interface the capture says it arrived on (0 = unknown); outgoing is
 * true when the capture says the host sent it (LINUX_SLL packet type 4).
 * Without a hint the in-interface is the one whose subnet holds the
 * source, else the route back to the source.
 */
void ctfw_host_decide(const struct ctfw_host *h, int family,
                      const union ctfw_addr *src,
                      const union ctfw_addr *dst, unsigned in_ifindex_hint,
                      bool outgoing, struct ctfw_host_decision *out);

/* Output interface for dst by longest prefix over connected subnets and
 * routes; 0 when there is none. */
unsigned ctfw_host_route(const struct ctfw_host *h, int family,
                         const union ctfw_addr *dst);

/*
 * addrtype of addr as xt_addrtype sees it. When limit_ifindex is not 0
 * (--limit-iface-in/out), LOCAL only counts for addresses on that
 * interface. Returns CTFW_ADDRTYPE_* bits (exactly one type).
 */
unsigned ctfw_host_addrtype(const struct ctfw_host *h, int family,
                            const union ctfw_addr *addr,
                            unsigned limit_ifindex);

/* The first IPv4/IPv6 address of an interface (MASQUERADE, REDIRECT);
 * false when it has none. */
bool ctfw_host_iface_addr(const struct ctfw_host *h, unsigned ifindex,
                          int family, union ctfw_addr *out);

/*
 * The source address the host picks for a packet to dst leaving on
 * ifindex: MASQUERADE's, and that of the ICMP errors the host sends
 * (icmp_send()'s route back: fib_result_prefsrc(), the same choice for
 * the routes the model holds; icmp6_send(): ipv6_dev_get_saddr()).
 * IPv4 as nf_nat_masquerade_ipv4() with inet_select_addr(): the next hop
 * is the route's gateway (",via=GW") or dst; the first primary address
 * of the interface whose subnet holds it, else its first primary
 * address, else the first primary address of any interface in the
 * order they were named (lo first). IPv6 as nf_nat_masquerade_ipv6()
 * with ipv6_dev_get_saddr() (RFC 6724 source selection: same address,
 * scope, the out-interface, label, longest matching prefix; ties to the
 * newest address). False: no address (the kernel drops the packet).
 */
bool ctfw_host_src_addr(const struct ctfw_host *h, unsigned ifindex,
                         int family, const union ctfw_addr *dst,
                         union ctfw_addr *out);

const char *ctfw_host_path_name(enum ctfw_host_path p);

#endif
