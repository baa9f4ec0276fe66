//! IKEv2 messages and payloads (RFC 7296, RFC 7383 fragments, RFC 7427 signatures).
