# Same request as notrack_fix; the SYN is UNTRACKED, the state rule does
# not accept it, the INPUT policy drops it; curl gives up after 2 s (the
# client kernel retransmits the SYN after 1 s).
from flows import *


def steps(a):
    return [http_server('host', a.host_ip, 80),
            curl(f'http://{a.host_ip}/', max_time=2)]
