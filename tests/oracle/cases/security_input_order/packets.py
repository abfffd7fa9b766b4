# A SYN to the host's port 81 (dropped in security INPUT) and one to its
# closed port 80 (accepted; the host's TCP stack answers with a RST).
from flows import *


def steps(a):
    c, h = a.client_ip, a.host_ip
    return [C(TcpFlow(c, h, 47300, 81).syn()),
            C(TcpFlow(c, h, 47301, 80).syn()),
            wait(0.2)]
