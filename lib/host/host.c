// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host model (include/ctfw/host.h): interfaces with addresses,
 * connected subnets, routes, the forwarding switch, the routing decision
 * between PREROUTING and INPUT/FORWARD, and addrtype.
 *
 * The local routing table is built as Linux 6.x builds it when an address
 * is added (fib_add_ifaddr), seen on 6.18 with `ip route show table
 * local`: a LOCAL route for the address, a BROADCAST route for the
 * subnet's broadcast address when the prefix is shorter than /31, and no
 * route for the network address (older kernels added one); lo carries
 * local 127.0.0.0/8 and broadcast 127.255.255.255.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctfw/bytes.h"
#include "ctfw/host.h"

#define MAX_IFACES 64
#define MAX_ADDRS 256
#define MAX_ROUTES 1024
#define IFNAME_DIRECT 64

struct host_addr {
    uint8_t family;     /* 4 or 6 */
    uint8_t plen;
    /* IPv4: IFA_F_SECONDARY as __inet_insert_ifa() sets it: an earlier
     * address of the same interface has the same subnet. */
    bool secondary;
    unsigned ifindex;
    union ctfw_addr addr;
};

struct host_iface {
    char name[CTFW_IFNAMSIZ];
    unsigned ifindex;
};

/*
 * The per-packet questions (ctfw_host_decide(), ctfw_host_route(),
 * addrtype) read per-family tables that the builders fill, so a built
 * model stays immutable for its readers and a question costs a few word
 * compares: addresses as words in network order, compared under a mask
 * built byte by byte; each family's local addresses in the order they
 * were added (the first that matches answers); its routes sorted by
 * prefix length, longest first, in the order they were added among
 * equal lengths, so the first that matches is the longest prefix
 * (fib_table_lookup()) and, between routes of one prefix length, the
 * first given.
 */
struct host_local4 {
    uint32_t addr, mask;   /* mask: all ones, or 255.0.0.0 for lo's 127/8 */
    unsigned ifindex;
};

struct host_bcast4 {
    uint32_t bcast;        /* a subnet's broadcast address (prefix < 31) */
    unsigned ifindex;
};

struct host_route4 {
    uint32_t prefix, mask;
    unsigned ifindex;
    unsigned plen;
    bool has_gw;           /* "via GW": the next hop is the gateway */
    union ctfw_addr gw;
};

struct host_local6 {
    uint64_t addr[2];
    unsigned ifindex;
};

struct host_route6 {
    uint64_t prefix[2], mask[2];
    unsigned ifindex;
    unsigned plen;
    bool has_gw;
    union ctfw_addr gw;
};

struct ctfw_host {
    struct host_iface ifaces[MAX_IFACES];
    unsigned n_ifaces;
    unsigned next_index;
    struct host_addr addrs[MAX_ADDRS];
    unsigned n_addrs;
    bool forward;
    /* Kept by addr_push() and route_push(). */
    struct host_local4 local4[MAX_ADDRS];
    unsigned n_local4;
    struct host_bcast4 bcast4[MAX_ADDRS];
    unsigned n_bcast4;
    struct host_route4 route4[MAX_ROUTES];
    unsigned n_route4;
    struct host_local6 local6[MAX_ADDRS];
    unsigned n_local6;
    struct host_route6 route6[MAX_ROUTES];
    unsigned n_route6;
    /* Names by index for the small indexes (every packet asks for its
     * interfaces' names); iface_add() fills it. */
    const char *name_of[IFNAME_DIRECT];
};

/* The mask of a prefix length over an address of alen bytes, byte by
 * byte (network order). */
static void
mask_bytes(unsigned plen, unsigned alen, uint8_t *out)
{
    for (unsigned i = 0; i < alen; i++) {
        unsigned keep = plen >= (i + 1) * 8 ? 8
                        : plen > i * 8      ? plen - i * 8
                                            : 0;
        out[i] = keep ? (uint8_t)(0xff << (8 - keep)) : 0;
    }
}

/* a within p/plen (the builders' and source selection's slow path). */
static bool
prefix_match(int family, const union ctfw_addr *a, const union ctfw_addr *p,
             unsigned plen)
{
    unsigned alen = family == 4 ? 4 : 16;
    uint8_t m[16];
    if (plen > alen * 8)
        return false;
    mask_bytes(plen, alen, m);
    for (unsigned i = 0; i < alen; i++)
        if ((a->b[i] & m[i]) != (p->b[i] & m[i]))
            return false;
    return true;
}

const char *
ctfw_host_path_name(enum ctfw_host_path p)
{
    switch (p) {
    case CTFW_HOST_PATH_INPUT:
        return "PREROUTING>INPUT";
    case CTFW_HOST_PATH_FORWARD:
        return "PREROUTING>FORWARD>POSTROUTING";
    case CTFW_HOST_PATH_OUTPUT:
        return "OUTPUT>POSTROUTING";
    case CTFW_HOST_PATH_LOOPBACK:
        return "OUTPUT>POSTROUTING>lo>PREROUTING>INPUT";
    case CTFW_HOST_PATH_FORWARD_OFF:
        return "PREROUTING>forwarding-off";
    case CTFW_HOST_PATH_NO_ROUTE:
        return "PREROUTING>no-route";
    }
    return "?";
}

static struct host_iface *
iface_by_name(struct ctfw_host *h, const char *name)
{
    for (unsigned i = 0; i < h->n_ifaces; i++)
        if (!strcmp(h->ifaces[i].name, name))
            return &h->ifaces[i];
    return NULL;
}

static struct host_iface *
iface_add(struct ctfw_host *h, const char *name, unsigned index)
{
    struct host_iface *ifc = iface_by_name(h, name);
    if (ifc)
        return ifc;
    if (h->n_ifaces == MAX_IFACES)
        return NULL;
    ifc = &h->ifaces[h->n_ifaces++];
    snprintf(ifc->name, sizeof(ifc->name), "%s", name);
    ifc->ifindex = index ? index : h->next_index;
    if (ifc->ifindex >= h->next_index)
        h->next_index = ifc->ifindex + 1;
    if (ifc->ifindex < IFNAME_DIRECT)
        h->name_of[ifc->ifindex] = ifc->name;
    return ifc;
}

static int
addr_push(struct ctfw_host *h, int family, const union ctfw_addr *a,
          unsigned plen, unsigned ifindex)
{
    if (h->n_addrs == MAX_ADDRS)
        return -ENOSPC;
    bool secondary = false;
    for (unsigned i = 0; family == 4 && i < h->n_addrs; i++) {
        const struct host_addr *y = &h->addrs[i];
        if (y->family == 4 && y->ifindex == ifindex && y->plen == plen &&
            prefix_match(4, a, &y->addr, plen))
            secondary = true;
    }
    struct host_addr *x = &h->addrs[h->n_addrs++];
    x->family = (uint8_t)family;
    x->plen = (uint8_t)plen;
    x->secondary = secondary;
    x->ifindex = ifindex;
    x->addr = *a;
    if (family == 6) {
        struct host_local6 *l = &h->local6[h->n_local6++];
        l->addr[0] = ctfw_load64(a->b);
        l->addr[1] = ctfw_load64(a->b + 8);
        l->ifindex = ifindex;
        return 0;
    }
    /* On lo, the whole 127.0.0.0/8 is local (local route 127.0.0.0/8
     * dev lo): an address of lo in 127/8 matches on its first byte. */
    static const uint8_t net8[4] = {0xff, 0, 0, 0};
    static const uint8_t all[4] = {0xff, 0xff, 0xff, 0xff};
    struct host_local4 *l = &h->local4[h->n_local4++];
    l->mask = ctfw_load32(ifindex == 1 && a->b[0] == 127 ? net8 : all);
    l->addr = ctfw_load32(a->b) & l->mask;
    l->ifindex = ifindex;
    if (plen < 31) {
        /* fib_add_ifaddr(): a BROADCAST route for the subnet's
         * broadcast address. */
        uint8_t m[4], b[4];
        mask_bytes(plen, 4, m);
        for (unsigned i = 0; i < 4; i++)
            b[i] = (uint8_t)(a->b[i] | (uint8_t)~m[i]);
        struct host_bcast4 *bc = &h->bcast4[h->n_bcast4++];
        bc->bcast = ctfw_load32(b);
        bc->ifindex = ifindex;
    }
    return 0;
}

static int
route_push(struct ctfw_host *h, int family, const union ctfw_addr *p,
           unsigned plen, unsigned ifindex, const union ctfw_addr *gw)
{
    if (h->n_route4 + h->n_route6 == MAX_ROUTES)
        return -ENOSPC;
    /* The masked prefix. */
    unsigned alen = family == 4 ? 4 : 16;
    uint8_t m[16] = {0}, pfx[16] = {0};
    mask_bytes(plen, alen, m);
    for (unsigned i = 0; i < alen; i++)
        pfx[i] = p->b[i] & m[i];
    /* Into the family's sorted table, after every route of this length
     * or longer. */
    unsigned at = 0;
    if (family == 4) {
        while (at < h->n_route4 && h->route4[at].plen >= plen)
            at++;
        memmove(&h->route4[at + 1], &h->route4[at],
                (h->n_route4 - at) * sizeof(h->route4[0]));
        h->n_route4++;
        struct host_route4 *x = &h->route4[at];
        memset(x, 0, sizeof(*x));
        x->prefix = ctfw_load32(pfx);
        x->mask = ctfw_load32(m);
        x->ifindex = ifindex;
        x->plen = plen;
        x->has_gw = gw != NULL;
        if (gw)
            x->gw = *gw;
    } else {
        while (at < h->n_route6 && h->route6[at].plen >= plen)
            at++;
        memmove(&h->route6[at + 1], &h->route6[at],
                (h->n_route6 - at) * sizeof(h->route6[0]));
        h->n_route6++;
        struct host_route6 *x = &h->route6[at];
        memset(x, 0, sizeof(*x));
        x->has_gw = gw != NULL;
        if (gw)
            x->gw = *gw;
        x->prefix[0] = ctfw_load64(pfx);
        x->prefix[1] = ctfw_load64(pfx + 8);
        x->mask[0] = ctfw_load64(m);
        x->mask[1] = ctfw_load64(m + 8);
        x->ifindex = ifindex;
        x->plen = plen;
    }
    return 0;
}

/* Parse "ADDR[/PLEN]"; plen defaults to the full length. */
static int
parse_prefix(const char *s, int *family, union ctfw_addr *a, unsigned *plen,
             char *err, size_t errlen, const char *whole)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n == 0 || n >= sizeof(buf)) {
        snprintf(err, errlen, "bad address in '%s'", whole);
        return -EINVAL;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    memset(a, 0, sizeof(*a));
    if (inet_pton(AF_INET, buf, a->b) == 1)
        *family = 4;
    else if (inet_pton(AF_INET6, buf, a->b) == 1)
        *family = 6;
    else {
        snprintf(err, errlen, "bad address '%s' in '%s'", buf, whole);
        return -EINVAL;
    }
    unsigned max = *family == 4 ? 32 : 128;
    if (!slash) {
        *plen = max;
        return 0;
    }
    char *end;
    unsigned long v = strtoul(slash + 1, &end, 10);
    if (!slash[1] || *end || v > max) {
        snprintf(err, errlen, "bad prefix length '%s' in '%s'", slash + 1,
                 whole);
        return -EINVAL;
    }
    *plen = (unsigned)v;
    return 0;
}

struct ctfw_host *
ctfw_host_new(void)
{
    struct ctfw_host *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->next_index = 1;
    struct host_iface *lo = iface_add(h, "lo", 1);
    union ctfw_addr a;
    memset(&a, 0, sizeof(a));
    a.b[0] = 127;
    a.b[3] = 1;
    addr_push(h, 4, &a, 8, lo->ifindex);
    memset(&a, 0, sizeof(a));
    a.b[15] = 1;
    addr_push(h, 6, &a, 128, lo->ifindex);
    return h;
}

void
ctfw_host_free(struct ctfw_host *h)
{
    free(h);
}

int
ctfw_host_add_iface(struct ctfw_host *h, const char *spec, char *err,
                    size_t errlen)
{
    const char *eq = strchr(spec, '=');
    char name[CTFW_IFNAMSIZ + 8];
    size_t n = eq ? (size_t)(eq - spec) : strlen(spec);
    if (n == 0 || n >= sizeof(name)) {
        snprintf(err, errlen, "bad interface in '%s' (want NAME=ADDR/PREFIX)",
                 spec);
        return -EINVAL;
    }
    memcpy(name, spec, n);
    name[n] = '\0';
    unsigned index = 0;
    char *at = strchr(name, '@');
    if (at) {
        char *end;
        unsigned long v = strtoul(at + 1, &end, 10);
        if (!at[1] || *end || v < 2 || v > 65535) {
            snprintf(err, errlen, "bad interface index in '%s'", spec);
            return -EINVAL;
        }
        index = (unsigned)v;
        *at = '\0';
    }
    if (strlen(name) >= CTFW_IFNAMSIZ || !name[0] || strchr(name, '/')) {
        snprintf(err, errlen, "bad interface name '%s' (at most %d "
                 "characters)", name, CTFW_IFNAMSIZ - 1);
        return -EINVAL;
    }
    for (unsigned i = 0; index && i < h->n_ifaces; i++)
        if (h->ifaces[i].ifindex == index &&
            strcmp(h->ifaces[i].name, name)) {
            snprintf(err, errlen, "interface index %u of '%s' is taken by "
                     "'%s'", index, name, h->ifaces[i].name);
            return -EINVAL;
        }
    struct host_iface *ifc = iface_add(h, name, index);
    if (!ifc) {
        snprintf(err, errlen, "too many interfaces (at most %d)",
                 MAX_IFACES);
        return -EINVAL;
    }
    if (!eq)
        return 0;   /* an interface without an address */
    int family;
    union ctfw_addr a;
    unsigned plen;
    if (parse_prefix(eq + 1, &family, &a, &plen, err, errlen, spec) < 0)
        return -EINVAL;
    if (addr_push(h, family, &a, plen, ifc->ifindex) < 0 ||
        route_push(h, family, &a, plen, ifc->ifindex, NULL) < 0) {
        snprintf(err, errlen, "too many addresses");
        return -EINVAL;
    }
    return 0;
}

int
ctfw_host_add_local(struct ctfw_host *h, const char *addr, char *err,
                    size_t errlen)
{
    int family;
    union ctfw_addr a;
    unsigned plen;
    if (parse_prefix(addr, &family, &a, &plen, err, errlen, addr) < 0)
        return -EINVAL;
    if (addr_push(h, family, &a, family == 4 ? 32 : 128, 1) < 0) {
        snprintf(err, errlen, "too many addresses");
        return -EINVAL;
    }
    return 0;
}

int
ctfw_host_add_route(struct ctfw_host *h, const char *spec, char *err,
                    size_t errlen)
{
    const char *eq = strchr(spec, '=');
    if (!eq || !eq[1]) {
        snprintf(err, errlen, "bad route '%s' (want PREFIX=IFACE[,via=GW])",
                 spec);
        return -EINVAL;
    }
    /* IFACE, then an optional ",via=GW" (the gateway: the next hop for
     * MASQUERADE's source address choice, as `ip route ... via GW`). */
    char ifname[CTFW_IFNAMSIZ + 8];
    const char *comma = strchr(eq + 1, ',');
    size_t iflen = comma ? (size_t)(comma - (eq + 1)) : strlen(eq + 1);
    if (iflen == 0 || iflen >= sizeof(ifname)) {
        snprintf(err, errlen, "bad route '%s' (want PREFIX=IFACE[,via=GW])",
                 spec);
        return -EINVAL;
    }
    memcpy(ifname, eq + 1, iflen);
    ifname[iflen] = '\0';
    const struct host_iface *ifc = iface_by_name(h, ifname);
    if (!ifc) {
        snprintf(err, errlen, "route '%s': no interface '%s' (define it "
                 "with --iface first)", spec, ifname);
        return -EINVAL;
    }
    int gw_family = 0;
    union ctfw_addr gw;
    memset(&gw, 0, sizeof(gw));
    if (comma) {
        unsigned gw_plen;
        if (strncmp(comma + 1, "via=", 4) ||
            parse_prefix(comma + 5, &gw_family, &gw, &gw_plen, err, errlen,
                         spec) < 0 ||
            gw_plen != (gw_family == 4 ? 32u : 128u)) {
            snprintf(err, errlen, "bad gateway in route '%s' (want "
                     "PREFIX=IFACE,via=ADDR)", spec);
            return -EINVAL;
        }
    }
    char pfx[64];
    size_t n = (size_t)(eq - spec);
    if (n >= sizeof(pfx)) {
        snprintf(err, errlen, "bad route '%s'", spec);
        return -EINVAL;
    }
    memcpy(pfx, spec, n);
    pfx[n] = '\0';
    union ctfw_addr a;
    memset(&a, 0, sizeof(a));
    int family;
    unsigned plen;
    if (!strcmp(pfx, "default")) {
        /* "default" means both families, as two routes; with a gateway,
         * the gateway's family only. */
        if (!gw_family) {
            if (route_push(h, 4, &a, 0, ifc->ifindex, NULL) < 0 ||
                route_push(h, 6, &a, 0, ifc->ifindex, NULL) < 0)
                goto full;
            return 0;
        }
        family = gw_family;
        plen = 0;
    } else if (parse_prefix(pfx, &family, &a, &plen, err, errlen, spec) < 0) {
        return -EINVAL;
    }
    if (gw_family && gw_family != family) {
        snprintf(err, errlen, "route '%s': gateway of another address "
                 "family", spec);
        return -EINVAL;
    }
    if (route_push(h, family, &a, plen, ifc->ifindex,
                   gw_family ? &gw : NULL) < 0)
        goto full;
    return 0;
full:
    snprintf(err, errlen, "too many routes");
    return -EINVAL;
}

void
ctfw_host_set_forward(struct ctfw_host *h, bool on)
{
    h->forward = on;
}

bool
ctfw_host_forward(const struct ctfw_host *h)
{
    return h->forward;
}

const char *
ctfw_host_ifname(const struct ctfw_host *h, unsigned ifindex)
{
    if (ifindex < IFNAME_DIRECT)
        return h->name_of[ifindex];
    for (unsigned i = 0; i < h->n_ifaces; i++)
        if (h->ifaces[i].ifindex == ifindex)
            return h->ifaces[i].name;
    return NULL;
}

unsigned
ctfw_host_ifindex(const struct ctfw_host *h, const char *name)
{
    for (unsigned i = 0; i < h->n_ifaces; i++)
        if (!strcmp(h->ifaces[i].name, name))
            return h->ifaces[i].ifindex;
    return 0;
}

/* Interface of the local address addr (the first added that matches),
 * or 0 (every interface index is at least 1). On lo, the whole
 * 127.0.0.0/8 is local (local route 127.0.0.0/8 dev lo). */
static inline unsigned
find_local(const struct ctfw_host *h, int family,
           const union ctfw_addr *addr)
{
    if (family == 4) {
        uint32_t a = ctfw_load32(addr->b);
        for (unsigned i = 0; i < h->n_local4; i++)
            if ((a & h->local4[i].mask) == h->local4[i].addr)
                return h->local4[i].ifindex;
        return 0;
    }
    uint64_t a0 = ctfw_load64(addr->b), a1 = ctfw_load64(addr->b + 8);
    for (unsigned i = 0; i < h->n_local6; i++)
        if (a0 == h->local6[i].addr[0] && a1 == h->local6[i].addr[1])
            return h->local6[i].ifindex;
    return 0;
}

bool
ctfw_host_is_local(const struct ctfw_host *h, int family,
                   const union ctfw_addr *addr)
{
    return find_local(h, family, addr) != 0;
}

/* Is addr the broadcast address of a subnet of the host (prefix < 31)?
 * Returns that interface's index, or 0. */
static inline unsigned
subnet_broadcast(const struct ctfw_host *h, const union ctfw_addr *addr)
{
    uint32_t d = ctfw_load32(addr->b);
    for (unsigned i = 0; i < h->n_bcast4; i++)
        if (d == h->bcast4[i].bcast)
            return h->bcast4[i].ifindex;
    return 0;
}

static inline unsigned
route_lookup(const struct ctfw_host *h, int family,
             const union ctfw_addr *dst)
{
    if (family == 4) {
        uint32_t a = ctfw_load32(dst->b);
        for (unsigned i = 0; i < h->n_route4; i++)
            if ((a & h->route4[i].mask) == h->route4[i].prefix)
                return h->route4[i].ifindex;
        return 0;
    }
    uint64_t a0 = ctfw_load64(dst->b), a1 = ctfw_load64(dst->b + 8);
    for (unsigned i = 0; i < h->n_route6; i++) {
        const struct host_route6 *r = &h->route6[i];
        if ((a0 & r->mask[0]) == r->prefix[0] &&
            (a1 & r->mask[1]) == r->prefix[1])
            return r->ifindex;
    }
    return 0;
}

unsigned
ctfw_host_route(const struct ctfw_host *h, int family,
                const union ctfw_addr *dst)
{
    return route_lookup(h, family, dst);
}

static bool
is_v4_bcast_or_mcast(const union ctfw_addr *a)
{
    return (a->b[0] & 0xf0) == 0xe0 ||
           (a->b[0] == 255 && a->b[1] == 255 && a->b[2] == 255 &&
            a->b[3] == 255);
}

void
ctfw_host_decide(const struct ctfw_host *h, int family,
                 const union ctfw_addr *src, const union ctfw_addr *dst,
                 unsigned in_ifindex_hint, bool outgoing,
                 struct ctfw_host_decision *out)
{
    unsigned ls = find_local(h, family, src);
    unsigned ld = find_local(h, family, dst);
    bool dst_local = ld ||
                     (family == 4 && (is_v4_bcast_or_mcast(dst) ||
                                      subnet_broadcast(h, dst))) ||
                     (family == 6 && dst->b[0] == 0xff);
    memset(out, 0, sizeof(*out));
    if (outgoing || (ls && !in_ifindex_hint)) {
        if (ld) {
            /* Both ends on this host: the packet leaves on lo and comes
             * back in on lo. */
            out->path = CTFW_HOST_PATH_LOOPBACK;
            out->in_ifindex = 1;
            out->out_ifindex = 1;
            return;
        }
        out->path = CTFW_HOST_PATH_OUTPUT;
        out->out_ifindex = route_lookup(h, family, dst);
        if (!out->out_ifindex && family == 4)
            out->out_ifindex = subnet_broadcast(h, dst);
        return;
    }
    out->in_ifindex = in_ifindex_hint;
    if (!out->in_ifindex)
        out->in_ifindex = route_lookup(h, family, src);
    if (dst_local) {
        out->path = CTFW_HOST_PATH_INPUT;
        return;
    }
    if (!h->forward) {
        out->path = CTFW_HOST_PATH_FORWARD_OFF;
        return;
    }
    out->out_ifindex = route_lookup(h, family, dst);
    out->path = out->out_ifindex ? CTFW_HOST_PATH_FORWARD
                                 : CTFW_HOST_PATH_NO_ROUTE;
}

unsigned
ctfw_host_addrtype(const struct ctfw_host *h, int family,
                   const union ctfw_addr *addr, unsigned limit_ifindex)
{
    if (family == 4) {
        /* inet_dev_addr_type(): zeronet and limited broadcast are
         * BROADCAST, 224/4 MULTICAST, then the local table. */
        if (addr->b[0] == 0 || (addr->b[0] == 255 && addr->b[1] == 255 &&
                                addr->b[2] == 255 && addr->b[3] == 255))
            return CTFW_ADDRTYPE_BROADCAST;
        if ((addr->b[0] & 0xf0) == 0xe0)
            return CTFW_ADDRTYPE_MULTICAST;
        unsigned l = find_local(h, 4, addr);
        if (l && (!limit_ifindex || l == limit_ifindex))
            return CTFW_ADDRTYPE_LOCAL;
        unsigned b = subnet_broadcast(h, addr);
        if (b && (!limit_ifindex || b == limit_ifindex))
            return CTFW_ADDRTYPE_BROADCAST;
        /* 127.255.255.255: broadcast route on lo. */
        if (addr->b[0] == 127 && addr->b[1] == 255 && addr->b[2] == 255 &&
            addr->b[3] == 255)
            return CTFW_ADDRTYPE_BROADCAST;
        return CTFW_ADDRTYPE_UNICAST;
    }
    static const uint8_t any6[16];
    if (!memcmp(addr->b, any6, 16))
        return CTFW_ADDRTYPE_UNSPEC;
    if (addr->b[0] == 0xff)
        return CTFW_ADDRTYPE_MULTICAST;
    unsigned l = find_local(h, 6, addr);
    if (l && (!limit_ifindex || l == limit_ifindex))
        return CTFW_ADDRTYPE_LOCAL;
    return CTFW_ADDRTYPE_UNICAST;
}

bool
ctfw_host_iface_addr(const struct ctfw_host *h, unsigned ifindex, int family,
                     union ctfw_addr *out)
{
    for (unsigned i = 0; i < h->n_addrs; i++)
        if (h->addrs[i].ifindex == ifindex &&
            h->addrs[i].family == family) {
            *out = h->addrs[i].addr;
            return true;
        }
    return false;
}

/* The gateway of the IPv4 route ctfw_host_route() takes for dst, when
 * it has one and leaves on ifindex. */
static bool
route_gw4(const struct ctfw_host *h, const union ctfw_addr *dst,
          unsigned ifindex, union ctfw_addr *gw)
{
    uint32_t a = ctfw_load32(dst->b);
    for (unsigned i = 0; i < h->n_route4; i++)
        if ((a & h->route4[i].mask) == h->route4[i].prefix) {
            if (!h->route4[i].has_gw || h->route4[i].ifindex != ifindex)
                return false;
            *gw = h->route4[i].gw;
            return true;
        }
    return false;
}

/* RT_SCOPE_UNIVERSE for every modelled address except 127.0.0.0/8,
 * which iproute2 adds with scope host. */
static bool
v4_universe(const struct host_addr *x)
{
    return x->addr.b[0] != 127;
}

/*
 * IPv6 source address selection as ipv6_dev_get_saddr() (RFC 6724 as
 * net/ipv6/addrconf.c implements it) for addresses that are permanent,
 * not tentative, not deprecated and not temporary, which is what the
 * host model holds. Scope (__ipv6_addr_src_scope): ::1 and fe80::/10
 * link-local (2), fec0::/10 site-local (5), multicast its own field,
 * the rest global (14).
 */
static int
v6_scope(const union ctfw_addr *a)
{
    static const uint8_t loopback[16] = {[15] = 1};
    if (a->b[0] == 0xff)
        return a->b[1] & 0x0f;
    if (!memcmp(a->b, loopback, 16) ||
        (a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80))
        return 2;
    if (a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0xc0)
        return 5;
    return 14;
}

/* The default policy table's label (net/ipv6/addrlabel.c,
 * ip6addrlbl_init_table), by longest prefix; only equality matters. */
static int
v6_label(const union ctfw_addr *a)
{
    static const struct { uint8_t p[16]; unsigned plen; int label; } t[] = {
        {{[15] = 1}, 128, 0},                        /* ::1/128 */
        {{[10] = 0xff, [11] = 0xff}, 96, 4},         /* ::ffff:0:0/96 */
        {{0}, 96, 3},                                /* ::/96 */
        {{0x20, 0x01, 0x00, 0x10}, 28, 7},           /* 2001:10::/28 */
        {{0x20, 0x01}, 32, 6},                       /* 2001::/32 */
        {{0x20, 0x02}, 16, 2},                       /* 2002::/16 */
        {{0x3f, 0xfe}, 16, 12},                      /* 3ffe::/16 */
        {{0xfe, 0xc0}, 10, 11},                      /* fec0::/10 */
        {{0xfc}, 7, 5},                              /* fc00::/7 */
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        union ctfw_addr p;
        memcpy(p.b, t[i].p, 16);
        if (prefix_match(6, a, &p, t[i].plen))
            return t[i].label;
    }
    return 1;                                        /* ::/0 */
}

/* ipv6_addr_diff(): leading bits a and b share. */
static unsigned
v6_common(const union ctfw_addr *a, const union ctfw_addr *b)
{
    for (unsigned i = 0; i < 16; i++) {
        uint8_t x = a->b[i] ^ b->b[i];
        if (x) {
            unsigned n = i * 8;
            while (!(x & 0x80)) {
                x <<= 1;
                n++;
            }
            return n;
        }
    }
    return 128;
}

/* The rules of __ipv6_dev_get_saddr() that tell these addresses apart,
 * in order: 1 same address, 2 appropriate scope, 5 outgoing interface,
 * 6 matching label, 8 longest matching prefix (capped at the
 * candidate's prefix length). */
static void
v6_score(const struct host_addr *x, const union ctfw_addr *dst,
         unsigned oif, int s[5])
{
    int ds = v6_scope(dst), sc = v6_scope(&x->addr);
    unsigned m = v6_common(&x->addr, dst);
    s[0] = !memcmp(x->addr.b, dst->b, 16);
    s[1] = sc >= ds ? -sc : sc - 128;
    s[2] = x->ifindex == oif;
    s[3] = v6_label(&x->addr) == v6_label(dst);
    s[4] = (int)(m > x->plen ? x->plen : m);
}

/*
 * Candidates in the kernel's order: devices as listed (lo first, then in
 * the order named); on a device, ipv6_link_dev_addr() keeps addresses
 * by scope, larger first, and puts a new one before those of its scope
 * (`ip -6 addr` lists the newest first). A later candidate replaces the
 * best only when strictly better. Multicast and link-local destinations
 * take candidates from the out-interface only.
 */
static bool
v6_select(const struct ctfw_host *h, unsigned oif, const union ctfw_addr *dst,
          union ctfw_addr *out)
{
    bool oif_only = v6_scope(dst) <= 2 || dst->b[0] == 0xff;
    const struct host_addr *best = NULL;
    int bs[5] = {0};
    for (unsigned k = 0; k < h->n_ifaces; k++) {
        unsigned ifi = h->ifaces[k].ifindex;
        if (oif_only && ifi != oif)
            continue;
        for (int scope = 15; scope >= 0; scope--)
            for (unsigned i = h->n_addrs; i-- > 0;) {
                const struct host_addr *x = &h->addrs[i];
                if (x->family != 6 || x->ifindex != ifi ||
                    v6_scope(&x->addr) != scope)
                    continue;
                int sc[5];
                v6_score(x, dst, oif, sc);
                int d = 0;
                for (int r = 0; best && r < 5 && !d; r++)
                    d = (sc[r] > bs[r]) - (sc[r] < bs[r]);
                if (!best || d > 0) {
                    best = x;
                    memcpy(bs, sc, sizeof(bs));
                }
            }
    }
    if (!best)
        return false;
    *out = best->addr;
    return true;
}

bool
ctfw_host_src_addr(const struct ctfw_host *h, unsigned ifindex, int family,
                    const union ctfw_addr *dst, union ctfw_addr *out)
{
    /* nf_nat_masquerade_ipv6(): ipv6_dev_get_saddr(out, daddr). */
    if (family != 4)
        return v6_select(h, ifindex, dst, out);
    /* nf_nat_masquerade_ipv4(): nh = rt_nexthop(rt, daddr), the
     * gateway of the route or the destination itself. */
    union ctfw_addr nh = *dst;
    route_gw4(h, dst, ifindex, &nh);
    /* inet_select_addr(out, nh, RT_SCOPE_UNIVERSE): the out-interface's
     * primary addresses in order, the first whose subnet holds nh, else
     * the first of them... */
    const struct host_addr *first = NULL;
    for (unsigned i = 0; i < h->n_addrs; i++) {
        const struct host_addr *x = &h->addrs[i];
        if (x->family != 4 || x->ifindex != ifindex || x->secondary ||
            !v4_universe(x))
            continue;
        if (prefix_match(4, &nh, &x->addr, x->plen)) {
            *out = x->addr;
            return true;
        }
        if (!first)
            first = x;
    }
    /* ... and with none on it, in_dev_select_addr() over every device in
     * order (lo first): its first primary universe-scope address. */
    for (unsigned k = 0; !first && k < h->n_ifaces; k++)
        for (unsigned i = 0; i < h->n_addrs; i++) {
            const struct host_addr *x = &h->addrs[i];
            if (x->family == 4 && x->ifindex == h->ifaces[k].ifindex &&
                !x->secondary && v4_universe(x)) {
                first = x;
                break;
            }
        }
    if (!first)
        return false;
    *out = first->addr;
    return true;
}
