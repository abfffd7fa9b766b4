# lint-exit: 1
# The incident's fix 3 as first typed (rules.sh without UNTRACKED in
# the accept), on a host whose INPUT policy is DROP.
/sbin/iptables -P INPUT DROP
/sbin/iptables -A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
/sbin/iptables -t raw -A PREROUTING -p tcp -m multiport --dports 80 -j NOTRACK
/sbin/iptables -t raw -A OUTPUT -p tcp -m multiport --sports 80 -j NOTRACK
