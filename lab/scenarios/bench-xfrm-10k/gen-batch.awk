# gen-batch.awk: ip -batch lines for the objects examples/xfrm-bench installs (keep in step with
# its module doc). Usage: awk -v n=PAIRS -v op=add|del -f gen-batch.awk
# Pair i: SA 192.0.2.1 -> 198.51.100.1 spi 0x10000000+i and SA back spi 0x20000000+i, reqid
# 1000+i, rfc4106(gcm(aes)) with a fixed key, replay window 32, family-less selector; policy
# out 10.1.0.10/32 -> 10.(128+i/256).(i%256).10/32 and policy in the other way.
BEGIN {
    L = "192.0.2.1"; R = "198.51.100.1"; lan = "10.1.0.10/32"
    key = "0x4242424242424242424242424242424242424242"
    for (i = 0; i < n; i++) {
        host = sprintf("10.%d.%d.10/32", 128 + int(i / 256), i % 256)
        so = sprintf("0x%08x", 268435456 + i); si = sprintf("0x%08x", 536870912 + i)
        if (op == "add") {
            alg = "mode tunnel reqid " (1000 + i) " replay-window 32 flag af-unspec aead rfc4106(gcm(aes)) " key " 128"
            print "xfrm state add src " L " dst " R " proto esp spi " so " " alg
            print "xfrm state add src " R " dst " L " proto esp spi " si " " alg
            print "xfrm policy add src " lan " dst " host " dir out tmpl src " L " dst " R " proto esp reqid " (1000 + i) " mode tunnel"
            print "xfrm policy add src " host " dst " lan " dir in tmpl src " R " dst " L " proto esp reqid " (1000 + i) " mode tunnel"
        } else {
            print "xfrm state delete src " L " dst " R " proto esp spi " so
            print "xfrm state delete src " R " dst " L " proto esp spi " si
            print "xfrm policy delete src " lan " dst " host " dir out"
            print "xfrm policy delete src " host " dst " lan " dir in"
        }
    }
}
