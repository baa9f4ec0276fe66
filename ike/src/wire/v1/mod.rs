//! IKEv1 / ISAKMP messages and payloads (RFC 2408, RFC 2409, RFC 3947 NAT-D).
