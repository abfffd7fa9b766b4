// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Small shared pieces of the rules module: the capped text buffer,
 * address and mask handling, protocol and service names.
 *
 * The protocol and service tables are the Debian netbase files
 * (/etc/protocols, /etc/services) as data, because iptables resolves
 * names through them and the core may not read files.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_private.h"

void
rbuf_putn(struct rbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *ns = cap > RBUF_MAX ? NULL : realloc(b->s, cap);
        if (!ns) {
            b->oom = true;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void
rbuf_putc(struct rbuf *b, char c)
{
    rbuf_putn(b, &c, 1);
}

void
rbuf_puts(struct rbuf *b, const char *s)
{
    rbuf_putn(b, s, strlen(s));
}

void
rbuf_printf(struct rbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(tmp)) {
        rbuf_putn(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    rbuf_putn(b, big, (size_t)n);
    free(big);
}

/* Pad with spaces so that the text written since `from` is at least
 * `width` characters wide. */
void
rbuf_pad(struct rbuf *b, size_t from, size_t width)
{
    while (b->len - from < width && !b->oom)
        rbuf_putc(b, ' ');
}

char *
rbuf_take(struct rbuf *b, size_t *len)
{
    if (b->oom) {
        rbuf_fini(b);
        return NULL;
    }
    if (!b->s)
        rbuf_putn(b, "", 0);
    if (b->oom)
        return NULL;
    char *s = b->s;
    if (len)
        *len = b->len;
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void
rbuf_fini(struct rbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

/* ------------------------------------------------------------------ */

int
rules_parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
    /* As xtables_strtoul(): base 0, whole string, no sign. */
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return -EINVAL;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || v < min || v > max)
        return -EINVAL;
    *out = (uint32_t)v;
    return 0;
}

int
rules_mask_len(int family, const union ctfw_addr *m)
{
    int bytes = family == 6 ? 16 : 4;
    int len = 0, i = 0;
    for (; i < bytes && m->b[i] == 0xff; i++)
        len += 8;
    if (i < bytes) {
        uint8_t x = m->b[i];
        while (x & 0x80) {
            len++;
            x = (uint8_t)(x << 1);
        }
        if (x)
            return -1;
        for (i++; i < bytes; i++)
            if (m->b[i])
                return -1;
    }
    return len;
}

void
rules_mask_from_len(int family, unsigned len, union ctfw_addr *m)
{
    memset(m, 0, sizeof(*m));
    unsigned bytes = family == 6 ? 16 : 4;
    for (unsigned i = 0; i < bytes && len; i++) {
        unsigned n = len > 8 ? 8 : len;
        m->b[i] = (uint8_t)(0xff00u >> n);
        len -= n;
    }
}

void
rules_print_addr(struct rbuf *b, int family, const union ctfw_addr *a)
{
    char tmp[INET6_ADDRSTRLEN];
    inet_ntop(family == 6 ? AF_INET6 : AF_INET, a->b, tmp, sizeof(tmp));
    rbuf_puts(b, tmp);
}

/*
 * "addr[/mask]" with mask a prefix length or an address. Host names are
 * not resolved (the core does no I/O); the address is masked.
 */
int
rules_parse_host(int family, const char *s, struct rules_host *h,
                 bool allow_mask)
{
    char tmp[INET6_ADDRSTRLEN + 64];
    size_t n = strlen(s);
    if (n >= sizeof(tmp))
        return -EINVAL;
    memcpy(tmp, s, n + 1);
    char *slash = strchr(tmp, '/');
    if (slash) {
        if (!allow_mask)
            return -EINVAL;
        *slash++ = '\0';
    }
    memset(h, 0, sizeof(*h));
    int af = family == 6 ? AF_INET6 : AF_INET;
    if (inet_pton(af, tmp, h->addr.b) != 1)
        return -EINVAL;
    unsigned maxlen = family == 6 ? 128 : 32;
    if (!slash) {
        rules_mask_from_len(family, maxlen, &h->mask);
    } else if (strchr(slash, family == 6 ? ':' : '.')) {
        if (inet_pton(af, slash, h->mask.b) != 1)
            return -ENOENT;
    } else {
        uint32_t len;
        if (rules_parse_uint(slash, 0, maxlen, &len))
            return -ENOENT;
        rules_mask_from_len(family, len, &h->mask);
    }
    for (int i = 0; i < 4; i++)
        h->addr.w[i] &= h->mask.w[i];
    return 0;
}

/*
 * xtables_save_string(): bare when made of [A-Za-z0-9_-] only, else in
 * double quotes with ", \ and ' escaped by a backslash.
 */
void
rules_save_string(struct rbuf *b, const char *s)
{
    static const char plain[] = "_-0123456789abcdefghijklmnopqrstuvwxyz"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    size_t n = strspn(s, plain);
    rbuf_putc(b, ' ');
    if (n > 0 && s[n] == '\0') {
        rbuf_puts(b, s);
        return;
    }
    rbuf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\' || *s == '\'')
            rbuf_putc(b, '\\');
        rbuf_putc(b, *s);
    }
    rbuf_putc(b, '"');
}

struct proto_ent {
    unsigned num;
    const char *name;
};

/* /etc/protocols of Debian 12 netbase: first name per number. */
static const struct proto_ent protocols[] = {
    {0, "ip"},
    {1, "icmp"},
    {2, "igmp"},
    {3, "ggp"},
    {4, "ipencap"},
    {5, "st"},
    {6, "tcp"},
    {8, "egp"},
    {9, "igp"},
    {12, "pup"},
    {17, "udp"},
    {20, "hmp"},
    {22, "xns-idp"},
    {27, "rdp"},
    {29, "iso-tp4"},
    {33, "dccp"},
    {36, "xtp"},
    {37, "ddp"},
    {38, "idpr-cmtp"},
    {41, "ipv6"},
    {43, "ipv6-route"},
    {44, "ipv6-frag"},
    {45, "idrp"},
    {46, "rsvp"},
    {47, "gre"},
    {50, "esp"},
    {51, "ah"},
    {57, "skip"},
    {58, "ipv6-icmp"},
    {59, "ipv6-nonxt"},
    {60, "ipv6-opts"},
    {73, "rspf"},
    {81, "vmtp"},
    {88, "eigrp"},
    {89, "ospf"},
    {93, "ax.25"},
    {94, "ipip"},
    {97, "etherip"},
    {98, "encap"},
    {103, "pim"},
    {108, "ipcomp"},
    {112, "vrrp"},
    {115, "l2tp"},
    {124, "isis"},
    {132, "sctp"},
    {133, "fc"},
    {135, "mobility-header"},
    {136, "udplite"},
    {137, "mpls-in-ip"},
    {138, "manet"},
    {139, "hip"},
    {140, "shim6"},
    {141, "wesp"},
    {142, "rohc"},
    {143, "ethernet"},
    {262, "mptcp"},
};

/* Names iptables knows without /etc/protocols (xtables_chain_protos). */
static const struct proto_ent chain_protos[] = {
    {6, "tcp"},      {132, "sctp"},     {17, "udp"},
    {136, "udplite"}, {1, "icmp"},      {58, "ipv6-icmp"},
    {58, "icmpv6"},  {50, "esp"},       {51, "ah"},
    {135, "mh"},     {0, "all"},
};

const char *
rules_proto_name(unsigned proto)
{
    for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
        if (protocols[i].num == proto)
            return protocols[i].name;
    for (size_t i = 0; i < sizeof(chain_protos) / sizeof(chain_protos[0]);
         i++)
        if (chain_protos[i].num == proto)
            return chain_protos[i].name;
    return NULL;
}

/* Name or number to protocol number; -1 when unknown. */
int
rules_proto_number(const char *name)
{
    uint32_t v;
    if (!rules_parse_uint(name, 0, 255, &v))
        return (int)v;
    for (size_t i = 0; i < sizeof(chain_protos) / sizeof(chain_protos[0]);
         i++)
        if (!strcasecmp(chain_protos[i].name, name))
            return (int)chain_protos[i].num;
    for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
        if (!strcmp(protocols[i].name, name))
            return (int)protocols[i].num;
    return -1;
}

struct serv_ent {
    const char *name;
    unsigned short port;
    unsigned char proto;
};

/* /etc/services of Debian 12 netbase (name or alias, port, protocol). */
static const struct serv_ent services[] = {
    {"tcpmux", 1, 6},
    {"echo", 7, 6},
    {"echo", 7, 17},
    {"discard", 9, 6},
    {"sink", 9, 6},
    {"null", 9, 6},
    {"discard", 9, 17},
    {"sink", 9, 17},
    {"null", 9, 17},
    {"systat", 11, 6},
    {"users", 11, 6},
    {"daytime", 13, 6},
    {"daytime", 13, 17},
    {"netstat", 15, 6},
    {"qotd", 17, 6},
    {"quote", 17, 6},
    {"chargen", 19, 6},
    {"ttytst", 19, 6},
    {"source", 19, 6},
    {"chargen", 19, 17},
    {"ttytst", 19, 17},
    {"source", 19, 17},
    {"ftp-data", 20, 6},
    {"ftp", 21, 6},
    {"fsp", 21, 17},
    {"fspd", 21, 17},
    {"ssh", 22, 6},
    {"telnet", 23, 6},
    {"smtp", 25, 6},
    {"mail", 25, 6},
    {"time", 37, 6},
    {"timserver", 37, 6},
    {"time", 37, 17},
    {"timserver", 37, 17},
    {"whois", 43, 6},
    {"nicname", 43, 6},
    {"tacacs", 49, 6},
    {"tacacs", 49, 17},
    {"domain", 53, 6},
    {"domain", 53, 17},
    {"bootps", 67, 17},
    {"bootpc", 68, 17},
    {"tftp", 69, 17},
    {"gopher", 70, 6},
    {"finger", 79, 6},
    {"http", 80, 6},
    {"www", 80, 6},
    {"kerberos", 88, 6},
    {"kerberos5", 88, 6},
    {"krb5", 88, 6},
    {"kerberos-sec", 88, 6},
    {"kerberos", 88, 17},
    {"kerberos5", 88, 17},
    {"krb5", 88, 17},
    {"kerberos-sec", 88, 17},
    {"iso-tsap", 102, 6},
    {"tsap", 102, 6},
    {"acr-nema", 104, 6},
    {"dicom", 104, 6},
    {"pop3", 110, 6},
    {"pop-3", 110, 6},
    {"sunrpc", 111, 6},
    {"portmapper", 111, 6},
    {"sunrpc", 111, 17},
    {"portmapper", 111, 17},
    {"auth", 113, 6},
    {"authentication", 113, 6},
    {"tap", 113, 6},
    {"ident", 113, 6},
    {"nntp", 119, 6},
    {"readnews", 119, 6},
    {"untp", 119, 6},
    {"ntp", 123, 17},
    {"epmap", 135, 6},
    {"loc-srv", 135, 6},
    {"netbios-ns", 137, 17},
    {"netbios-dgm", 138, 17},
    {"netbios-ssn", 139, 6},
    {"imap2", 143, 6},
    {"imap", 143, 6},
    {"snmp", 161, 6},
    {"snmp", 161, 17},
    {"snmp-trap", 162, 6},
    {"snmptrap", 162, 6},
    {"snmp-trap", 162, 17},
    {"snmptrap", 162, 17},
    {"cmip-man", 163, 6},
    {"cmip-man", 163, 17},
    {"cmip-agent", 164, 6},
    {"cmip-agent", 164, 17},
    {"mailq", 174, 6},
    {"xdmcp", 177, 17},
    {"bgp", 179, 6},
    {"smux", 199, 6},
    {"qmtp", 209, 6},
    {"z3950", 210, 6},
    {"wais", 210, 6},
    {"ipx", 213, 17},
    {"ptp-event", 319, 17},
    {"ptp-general", 320, 17},
    {"pawserv", 345, 6},
    {"zserv", 346, 6},
    {"rpc2portmap", 369, 6},
    {"rpc2portmap", 369, 17},
    {"codaauth2", 370, 6},
    {"codaauth2", 370, 17},
    {"clearcase", 371, 17},
    {"Clearcase", 371, 17},
    {"ldap", 389, 6},
    {"ldap", 389, 17},
    {"svrloc", 427, 6},
    {"svrloc", 427, 17},
    {"https", 443, 6},
    {"https", 443, 17},
    {"snpp", 444, 6},
    {"microsoft-ds", 445, 6},
    {"kpasswd", 464, 6},
    {"kpasswd", 464, 17},
    {"submissions", 465, 6},
    {"ssmtp", 465, 6},
    {"smtps", 465, 6},
    {"urd", 465, 6},
    {"saft", 487, 6},
    {"isakmp", 500, 17},
    {"rtsp", 554, 6},
    {"rtsp", 554, 17},
    {"nqs", 607, 6},
    {"asf-rmcp", 623, 17},
    {"qmqp", 628, 6},
    {"ipp", 631, 6},
    {"ldp", 646, 6},
    {"ldp", 646, 17},
    {"exec", 512, 6},
    {"biff", 512, 17},
    {"comsat", 512, 17},
    {"login", 513, 6},
    {"who", 513, 17},
    {"whod", 513, 17},
    {"shell", 514, 6},
    {"cmd", 514, 6},
    {"syslog", 514, 6},
    {"syslog", 514, 17},
    {"printer", 515, 6},
    {"spooler", 515, 6},
    {"talk", 517, 17},
    {"ntalk", 518, 17},
    {"route", 520, 17},
    {"router", 520, 17},
    {"routed", 520, 17},
    {"gdomap", 538, 6},
    {"gdomap", 538, 17},
    {"uucp", 540, 6},
    {"uucpd", 540, 6},
    {"klogin", 543, 6},
    {"kshell", 544, 6},
    {"krcmd", 544, 6},
    {"dhcpv6-client", 546, 17},
    {"dhcpv6-server", 547, 17},
    {"afpovertcp", 548, 6},
    {"nntps", 563, 6},
    {"snntp", 563, 6},
    {"submission", 587, 6},
    {"ldaps", 636, 6},
    {"ldaps", 636, 17},
    {"tinc", 655, 6},
    {"tinc", 655, 17},
    {"silc", 706, 6},
    {"kerberos-adm", 749, 6},
    {"domain-s", 853, 6},
    {"domain-s", 853, 17},
    {"rsync", 873, 6},
    {"ftps-data", 989, 6},
    {"ftps", 990, 6},
    {"telnets", 992, 6},
    {"imaps", 993, 6},
    {"pop3s", 995, 6},
    {"socks", 1080, 6},
    {"proofd", 1093, 6},
    {"rootd", 1094, 6},
    {"openvpn", 1194, 6},
    {"openvpn", 1194, 17},
    {"rmiregistry", 1099, 6},
    {"lotusnote", 1352, 6},
    {"lotusnotes", 1352, 6},
    {"ms-sql-s", 1433, 6},
    {"ms-sql-m", 1434, 17},
    {"ingreslock", 1524, 6},
    {"datametrics", 1645, 6},
    {"old-radius", 1645, 6},
    {"datametrics", 1645, 17},
    {"old-radius", 1645, 17},
    {"sa-msg-port", 1646, 6},
    {"old-radacct", 1646, 6},
    {"sa-msg-port", 1646, 17},
    {"old-radacct", 1646, 17},
    {"kermit", 1649, 6},
    {"groupwise", 1677, 6},
    {"l2f", 1701, 17},
    {"l2tp", 1701, 17},
    {"radius", 1812, 6},
    {"radius", 1812, 17},
    {"radius-acct", 1813, 6},
    {"radacct", 1813, 6},
    {"radius-acct", 1813, 17},
    {"radacct", 1813, 17},
    {"cisco-sccp", 2000, 6},
    {"nfs", 2049, 6},
    {"nfs", 2049, 17},
    {"gnunet", 2086, 6},
    {"gnunet", 2086, 17},
    {"rtcm-sc104", 2101, 6},
    {"rtcm-sc104", 2101, 17},
    {"gsigatekeeper", 2119, 6},
    {"gris", 2135, 6},
    {"cvspserver", 2401, 6},
    {"venus", 2430, 6},
    {"venus", 2430, 17},
    {"venus-se", 2431, 6},
    {"venus-se", 2431, 17},
    {"codasrv", 2432, 6},
    {"codasrv", 2432, 17},
    {"codasrv-se", 2433, 6},
    {"codasrv-se", 2433, 17},
    {"mon", 2583, 6},
    {"mon", 2583, 17},
    {"dict", 2628, 6},
    {"f5-globalsite", 2792, 6},
    {"gsiftp", 2811, 6},
    {"gpsd", 2947, 6},
    {"gds-db", 3050, 6},
    {"gds_db", 3050, 6},
    {"icpv2", 3130, 17},
    {"icp", 3130, 17},
    {"isns", 3205, 6},
    {"isns", 3205, 17},
    {"iscsi-target", 3260, 6},
    {"mysql", 3306, 6},
    {"ms-wbt-server", 3389, 6},
    {"nut", 3493, 6},
    {"nut", 3493, 17},
    {"distcc", 3632, 6},
    {"daap", 3689, 6},
    {"svn", 3690, 6},
    {"subversion", 3690, 6},
    {"suucp", 4031, 6},
    {"sysrqd", 4094, 6},
    {"sieve", 4190, 6},
    {"epmd", 4369, 6},
    {"remctl", 4373, 6},
    {"f5-iquery", 4353, 6},
    {"ntske", 4460, 6},
    {"ipsec-nat-t", 4500, 17},
    {"iax", 4569, 17},
    {"mtn", 4691, 6},
    {"radmin-port", 4899, 6},
    {"sip", 5060, 6},
    {"sip", 5060, 17},
    {"sip-tls", 5061, 6},
    {"sip-tls", 5061, 17},
    {"xmpp-client", 5222, 6},
    {"jabber-client", 5222, 6},
    {"xmpp-server", 5269, 6},
    {"jabber-server", 5269, 6},
    {"cfengine", 5308, 6},
    {"mdns", 5353, 17},
    {"postgresql", 5432, 6},
    {"postgres", 5432, 6},
    {"freeciv", 5556, 6},
    {"rptp", 5556, 6},
    {"amqps", 5671, 6},
    {"amqp", 5672, 6},
    {"amqp", 5672, 132},
    {"x11", 6000, 6},
    {"x11-0", 6000, 6},
    {"x11-1", 6001, 6},
    {"x11-2", 6002, 6},
    {"x11-3", 6003, 6},
    {"x11-4", 6004, 6},
    {"x11-5", 6005, 6},
    {"x11-6", 6006, 6},
    {"x11-7", 6007, 6},
    {"gnutella-svc", 6346, 6},
    {"gnutella-svc", 6346, 17},
    {"gnutella-rtr", 6347, 6},
    {"gnutella-rtr", 6347, 17},
    {"redis", 6379, 6},
    {"sge-qmaster", 6444, 6},
    {"sge_qmaster", 6444, 6},
    {"sge-execd", 6445, 6},
    {"sge_execd", 6445, 6},
    {"mysql-proxy", 6446, 6},
    {"babel", 6696, 17},
    {"ircs-u", 6697, 6},
    {"bbs", 7000, 6},
    {"afs3-fileserver", 7000, 17},
    {"afs3-callback", 7001, 17},
    {"afs3-prserver", 7002, 17},
    {"afs3-vlserver", 7003, 17},
    {"afs3-kaserver", 7004, 17},
    {"afs3-volser", 7005, 17},
    {"afs3-bos", 7007, 17},
    {"afs3-update", 7008, 17},
    {"afs3-rmtsys", 7009, 17},
    {"font-service", 7100, 6},
    {"xfs", 7100, 6},
    {"http-alt", 8080, 6},
    {"webcache", 8080, 6},
    {"puppet", 8140, 6},
    {"bacula-dir", 9101, 6},
    {"bacula-fd", 9102, 6},
    {"bacula-sd", 9103, 6},
    {"xmms2", 9667, 6},
    {"nbd", 10809, 6},
    {"zabbix-agent", 10050, 6},
    {"zabbix-trapper", 10051, 6},
    {"amanda", 10080, 6},
    {"dicom", 11112, 6},
    {"hkp", 11371, 6},
    {"db-lsp", 17500, 6},
    {"dcap", 22125, 6},
    {"gsidcap", 22128, 6},
    {"wnn6", 22273, 6},
    {"rtmp", 1, 0},
    {"nbp", 2, 0},
    {"echo", 4, 0},
    {"zip", 6, 0},
    {"kerberos4", 750, 17},
    {"kerberos-iv", 750, 17},
    {"kdc", 750, 17},
    {"kerberos4", 750, 6},
    {"kerberos-iv", 750, 6},
    {"kdc", 750, 6},
    {"kerberos-master", 751, 17},
    {"kerberos_master", 751, 17},
    {"kerberos-master", 751, 6},
    {"passwd-server", 752, 17},
    {"passwd_server", 752, 17},
    {"krb-prop", 754, 6},
    {"krb_prop", 754, 6},
    {"krb5_prop", 754, 6},
    {"hprop", 754, 6},
    {"zephyr-srv", 2102, 17},
    {"zephyr-clt", 2103, 17},
    {"zephyr-hm", 2104, 17},
    {"iprop", 2121, 6},
    {"supfilesrv", 871, 6},
    {"supfiledbg", 1127, 6},
    {"poppassd", 106, 6},
    {"moira-db", 775, 6},
    {"moira_db", 775, 6},
    {"moira-update", 777, 6},
    {"moira_update", 777, 6},
    {"moira-ureg", 779, 17},
    {"moira_ureg", 779, 17},
    {"spamd", 783, 6},
    {"skkserv", 1178, 6},
    {"predict", 1210, 17},
    {"rmtcfg", 1236, 6},
    {"xtel", 1313, 6},
    {"xtelw", 1314, 6},
    {"zebrasrv", 2600, 6},
    {"zebra", 2601, 6},
    {"ripd", 2602, 6},
    {"ripngd", 2603, 6},
    {"ospfd", 2604, 6},
    {"bgpd", 2605, 6},
    {"ospf6d", 2606, 6},
    {"ospfapi", 2607, 6},
    {"isisd", 2608, 6},
    {"fax", 4557, 6},
    {"hylafax", 4559, 6},
    {"munin", 4949, 6},
    {"lrrd", 4949, 6},
    {"rplay", 5555, 17},
    {"nrpe", 5666, 6},
    {"nsca", 5667, 6},
    {"canna", 5680, 6},
    {"syslog-tls", 6514, 6},
    {"sane-port", 6566, 6},
    {"sane", 6566, 6},
    {"saned", 6566, 6},
    {"ircd", 6667, 6},
    {"zope-ftp", 8021, 6},
    {"tproxy", 8081, 6},
    {"omniorb", 8088, 6},
    {"clc-build-daemon", 8990, 6},
    {"xinetd", 9098, 6},
    {"git", 9418, 6},
    {"zope", 9673, 6},
    {"webmin", 10000, 6},
    {"kamanda", 10081, 6},
    {"amandaidx", 10082, 6},
    {"amidxtape", 10083, 6},
    {"sgi-cmsd", 17001, 17},
    {"sgi-crsd", 17002, 17},
    {"sgi-gcd", 17003, 17},
    {"sgi-cad", 17004, 6},
    {"binkp", 24554, 6},
    {"asp", 27374, 6},
    {"asp", 27374, 17},
    {"csync2", 30865, 6},
    {"dircproxy", 57000, 6},
    {"tfido", 60177, 6},
    {"fido", 60179, 6},
};

/* getservbyport(): the first name /etc/services gives the port. */
const char *
rules_port_name(unsigned port, const char *proto)
{
    int p = proto ? rules_proto_number(proto) : 6;
    for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
        if (services[i].port == port && services[i].proto == p)
            return services[i].name;
    return NULL;
}

/* Port number or service name (for protocol proto, NULL: tcp). */
int
rules_parse_port(const char *s, const char *proto, uint32_t *out)
{
    if (!rules_parse_uint(s, 0, 65535, out))
        return 0;
    unsigned p = 6;
    if (proto) {
        int n = rules_proto_number(proto);
        if (n > 0)
            p = (unsigned)n;
    }
    for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
        if (!strcmp(services[i].name, s) &&
            (services[i].proto == p || !proto)) {
            *out = services[i].port;
            return 0;
        }
    return -EINVAL;
}
