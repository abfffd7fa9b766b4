# A whole SCTP association through FORWARD, one chunk per packet:
# INIT, INIT_ACK, COOKIE_ECHO, COOKIE_ACK, DATA, SACK, SHUTDOWN,
# SHUTDOWN_ACK, SHUTDOWN_COMPLETE. The client's verification tag is
# 0x11111111 (its INIT's initiate tag), the server's 0x22222222.
from flows import *
from scapy.layers.sctp import (SCTP, SCTPChunkInit, SCTPChunkInitAck,
                               SCTPChunkCookieEcho, SCTPChunkCookieAck,
                               SCTPChunkData, SCTPChunkSACK,
                               SCTPChunkShutdown, SCTPChunkShutdownAck,
                               SCTPChunkShutdownComplete,
                               SCTPChunkParamStateCookie)

CT, ST = 0x11111111, 0x22222222


def steps(a):
    c, s = a.client_ip, a.server_ip

    def cl(tag, chunk):
        return C(ip_header(c, s) / SCTP(sport=5000, dport=6000, tag=tag) /
                 chunk)

    def sv(tag, chunk):
        return S(ip_header(s, c) / SCTP(sport=6000, dport=5000, tag=tag) /
                 chunk)

    cookie = b'cookie--' * 4
    return [
        cl(0, SCTPChunkInit(init_tag=CT, a_rwnd=65536, n_out_streams=1,
                            n_in_streams=1, init_tsn=100)),
        snap('init'),
        sv(CT, SCTPChunkInitAck(init_tag=ST, a_rwnd=65536, n_out_streams=1,
                                n_in_streams=1, init_tsn=500,
                                params=[SCTPChunkParamStateCookie(
                                    cookie=cookie)])),
        snap('init_ack'),
        cl(ST, SCTPChunkCookieEcho(cookie=cookie)),
        snap('cookie_echo'),
        sv(CT, SCTPChunkCookieAck()),
        snap('cookie_ack'),
        cl(ST, SCTPChunkData(tsn=100, stream_id=0, stream_seq=0,
                             data=b'hello sctp')),
        sv(CT, SCTPChunkSACK(cumul_tsn_ack=100, a_rwnd=65536)),
        snap('data'),
        cl(ST, SCTPChunkShutdown(cumul_tsn_ack=500)),
        snap('shutdown'),
        sv(CT, SCTPChunkShutdownAck()),
        snap('shutdown_ack'),
        cl(ST, SCTPChunkShutdownComplete()),
        snap('complete'),
    ]
