#!/bin/sh
# mkpki.sh DIR [ec|rsa]: a throw-away test PKI for the certificate scenarios (ECDSA P-256 keys,
# or RSA 2048 with `rsa`), made with OpenSSL: DIR/ca.pem (CA "O=xfrmd lab, CN=lab CA"), DIR/west.pem + west.key.pem
# (CN=west.lab, SAN DNS:west.lab), DIR/east.pem + east.key.pem (CN=east.lab, SAN DNS:east.lab),
# and DIR/east.p12 / west.p12 (certificate + key, empty password) for libreswan's NSS db.
set -eu
d="$1"
alg="${2:-ec}"
mkdir -p "$d"
cd "$d"
cat > ext.cnf <<'CNF'
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[west]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectAltName = DNS:west.lab
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[east]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectAltName = DNS:east.lab
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
key() {
    case "$alg" in
    rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null ;;
    *) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null ;;
    esac
}
key ca.key.pem
openssl req -new -x509 -key ca.key.pem -subj "/O=xfrmd lab/CN=lab CA" -days 30 -sha256 \
    -extensions ca -config ext.cnf -out ca.pem
for h in west east; do
    key "$h.key.pem"
    openssl req -new -key "$h.key.pem" -subj "/O=xfrmd lab/CN=$h.lab" -out "$h.csr"
    openssl x509 -req -in "$h.csr" -CA ca.pem -CAkey ca.key.pem -CAcreateserial -days 30 \
        -sha256 -extfile ext.cnf -extensions "$h" -out "$h.pem" 2>/dev/null
    openssl pkcs12 -export -in "$h.pem" -inkey "$h.key.pem" -name "$h" -passout pass: \
        -out "$h.p12"
done
rm -f ./*.csr ./*.srl ext.cnf
ls
