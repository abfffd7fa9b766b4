# A SYN to port 80 (five LOG rules on its way) and one to port 81
# (dropped in mangle FORWARD after three).
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [C(TcpFlow(c, s, 47200, 80).syn()),
            C(TcpFlow(c, s, 47201, 81).syn())]
