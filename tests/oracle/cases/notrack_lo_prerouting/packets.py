# The host fetches a page from itself: curl to 127.0.0.1:8080 and to its
# own address 10.199.1.1:8080, both over lo (captured on lo).
from flows import *


def steps(a):
    return [http_server('host', '0.0.0.0', 8080),
            curl('http://127.0.0.1:8080/', role='host', name='curl_lo'),
            curl(f'http://{a.host_ip}:8080/', role='host', name='curl_own'),
            wait(0.3)]
