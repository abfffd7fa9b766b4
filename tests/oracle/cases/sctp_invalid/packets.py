# SCTP packets conntrack finds INVALID, around one good association
# (port 5004: client tag 0x33333333, server tag 0x44444444).
from flows import *
from scapy.layers.sctp import (SCTP, SCTPChunkInit, SCTPChunkInitAck,
                               SCTPChunkCookieEcho, SCTPChunkCookieAck,
                               SCTPChunkData, SCTPChunkAbort,
                               SCTPChunkHeartbeatReq,
                               SCTPChunkParamHeartbeatInfo,
                               SCTPChunkParamStateCookie)

CT, ST = 0x33333333, 0x44444444


def init(tag=CT):
    return SCTPChunkInit(init_tag=tag, a_rwnd=65536, n_out_streams=1,
                         n_in_streams=1, init_tsn=1)


def steps(a):
    c, s = a.client_ip, a.server_ip

    def cl(sport, tag, chunks, chksum=None):
        sc = SCTP(sport=sport, dport=6000, tag=tag)
        if chksum is not None:
            sc.chksum = chksum
        return C(ip_header(c, s) / sc / chunks)

    def sv(tag, chunks):
        return S(ip_header(s, c) / SCTP(sport=6000, dport=5004, tag=tag) /
                 chunks)

    cookie = b'cookie--' * 2
    data = SCTPChunkData(tsn=1, stream_id=0, stream_seq=0, data=b'x' * 12)
    return [
        # 1: an out-of-the-blue ABORT cannot open an entry (8.4)
        cl(5001, 0x1234, SCTPChunkAbort()),
        # 2: an INIT whose verification tag is not 0 (8.5.1 A)
        cl(5002, 0x1234, init()),
        # 3: an INIT with a wrong CRC32c (nf_conntrack_checksum=1)
        cl(5003, 0, init(), chksum=0xdeadbeef),
        # 4: an INIT bundled with DATA (INIT must be alone)
        cl(5005, 0, init() / data),
        # 5-8: a good association
        cl(5004, 0, init()),
        sv(CT, SCTPChunkInitAck(init_tag=ST, a_rwnd=65536, n_out_streams=1,
                                n_in_streams=1, init_tsn=9,
                                params=[SCTPChunkParamStateCookie(
                                    cookie=cookie)])),
        cl(5004, ST, SCTPChunkCookieEcho(cookie=cookie)),
        sv(CT, SCTPChunkCookieAck()),
        # 9: DATA with the wrong verification tag
        cl(5004, 0x5555, data),
        # 10: DATA with the right one
        cl(5004, ST, data),
        # 11: a HEARTBEAT with a new tag: let through unrefreshed, it
        # may belong to another path of a restarted association
        cl(5004, 0x6666, SCTPChunkHeartbeatReq(
            params=[SCTPChunkParamHeartbeatInfo(data=b'hb-info!')])),
        snap('final'),
    ]
