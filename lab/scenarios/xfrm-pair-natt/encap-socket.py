# Holds a UDP socket on port 4500 with UDP_ENCAP_ESPINUDP, as an IKE daemon's NAT-T socket
# does: without it the kernel does not decapsulate ESP-in-UDP (RFC 3948) arriving on 4500.
# It never reads a packet; the kernel consumes ESP-in-UDP before the socket sees it.
import socket
import time

UDP_ENCAP = 100           # linux/udp.h
UDP_ENCAP_ESPINUDP = 2    # linux/udp.h

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP)
s.bind(("0.0.0.0", 4500))
print("encap socket on udp/4500", flush=True)
time.sleep(3600)
