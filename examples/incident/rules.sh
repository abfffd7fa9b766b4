# The commands from the incident report (shared/seed), as the operator
# typed them: fix 3, "use the raw table to skip connection tracking".
/sbin/iptables -A INPUT -m state --state RELATED,ESTABLISHED,UNTRACKED -j ACCEPT
/sbin/iptables -t raw -A PREROUTING -p tcp -m multiport --dports 80 -j NOTRACK
/sbin/iptables -t raw -A OUTPUT -p tcp -m multiport --sports 80 -j NOTRACK
/sbin/iptables -t raw -A PREROUTING -i lo -j NOTRACK
/sbin/iptables -t raw -A OUTPUT -o lo -j NOTRACK
