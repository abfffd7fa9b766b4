# A real HTTP exchange: curl in the client namespace, tinyhttp.py on the
# host; the capture on h0 is what ctfw replays.
from flows import *


def steps(a):
    return [http_server('host', a.host_ip, 80),
            curl(f'http://{a.host_ip}/', max_time=3)]
