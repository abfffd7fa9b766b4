# The incident's fix 3 done right, as commands typed on top of the
# running rules: port 80 untracked both ways, UNTRACKED accepted first.
iptables -t raw -A PREROUTING -p tcp --dport 80 -j NOTRACK
iptables -t raw -A OUTPUT -p tcp --sport 80 -j NOTRACK
iptables -I INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT
