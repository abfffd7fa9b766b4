#!/bin/sh
# Shell variables as blog-post firewall scripts use them: the command in
# a variable (with an option inside it: field splitting), ${NAME},
# expansions inside double quotes but not single quotes, an environment
# prefix, export, reassignment, and shell lines that are not iptables.
IPT=/sbin/iptables
export WEB_PORTS=80,443
LAN="10.0.0.0/8"
IPTW="iptables -w"
modprobe nf_conntrack 2>/dev/null
$IPT -P FORWARD DROP
$IPT -A INPUT -s $LAN -p tcp -m multiport --dports $WEB_PORTS -j ACCEPT
${IPT} -A INPUT -m comment --comment "lan is $LAN" -j ACCEPT
$IPTW -A INPUT -m comment --comment 'not $LAN' -j ACCEPT
LAN=192.168.0.0/16
FOO=bar $IPT -A INPUT -s "$LAN" -j DROP
echo "done $LAN"
