//! NAT-T framing of IKE datagrams (RFC 3948 2.2 and 2.3), shared by every transport.
//!
//! On the NAT-T port IKE messages carry a 4-byte non-ESP marker in front, ESP packets start
//! with their non-zero SPI, and a single 0xFF octet is a NAT-keepalive. On the plain IKE port
//! datagrams are IKE messages as they are. This module only classifies and frames bytes; it
//! never parses IKE and never allocates more than the framed copy.

/// RFC 3948 2.2: "The Non-ESP Marker is 4 bytes of zero aligning with the SPI field of an
/// ESP packet."
pub const NON_ESP_MARKER: [u8; 4] = [0; 4];

/// RFC 3948 2.3: a NAT-keepalive packet is a single octet with the value 0xFF.
pub const NAT_KEEPALIVE: u8 = 0xFF;

/// What a datagram received on one of our ports is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rx<'a> {
    /// An IKE message (marker already stripped).
    Ike(&'a [u8]),
    /// A NAT-keepalive: ignored.
    Keepalive,
    /// ESP-in-UDP that reached user space (the kernel did not decapsulate it): dropped.
    Esp,
    /// Too short to be anything on the NAT-T port: dropped.
    Malformed,
}

/// Classifies a datagram received on the NAT-T port (`natt`) or the plain IKE port.
pub fn decode(natt: bool, wire: &[u8]) -> Rx<'_> {
    if !natt {
        return Rx::Ike(wire);
    }
    if wire == [NAT_KEEPALIVE] {
        // RFC 3948 2.3: "The sender SHOULD use a one-octet-long payload with the value
        // 0xFF. The receiver SHOULD ignore a received NAT-keepalive packet."
        return Rx::Keepalive;
    }
    match wire.split_first_chunk::<4>() {
        // RFC 3948 2.2: IKE messages on the NAT-T port are preceded by the non-ESP marker.
        Some((marker, ike)) if *marker == NON_ESP_MARKER => Rx::Ike(ike),
        // RFC 3948 2.1: anything else starts with a (non-zero) ESP SPI.
        Some(_) => Rx::Esp,
        None => Rx::Malformed,
    }
}

/// Frames an IKE message for the NAT-T port (`natt`: marker added) or the plain IKE port.
pub fn encode(natt: bool, ike: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ike.len() + if natt { NON_ESP_MARKER.len() } else { 0 });
    if natt {
        // RFC 3948 2.2 (and RFC 7296 2.23): IKE on the NAT-T port is prefixed with the
        // non-ESP marker.
        out.extend_from_slice(&NON_ESP_MARKER);
    }
    out.extend_from_slice(ike);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_added_and_stripped_on_natt_only() {
        let ike = [0x11, 0x22, 0x33, 0x44, 0x55];
        assert_eq!(
            encode(true, &ike),
            [0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 0x55]
        );
        assert_eq!(encode(false, &ike), ike);
        assert_eq!(decode(true, &encode(true, &ike)), Rx::Ike(&ike));
        assert_eq!(decode(false, &ike), Rx::Ike(&ike));
    }

    #[test]
    fn keepalive_esp_and_short_datagrams_are_not_ike() {
        assert_eq!(decode(true, &[0xFF]), Rx::Keepalive);
        // An ESP header: SPI 0x00000102, sequence number 1.
        assert_eq!(decode(true, &[0, 0, 1, 2, 0, 0, 0, 1]), Rx::Esp);
        assert_eq!(decode(true, &[0, 0, 0]), Rx::Malformed);
        assert_eq!(decode(true, &[]), Rx::Malformed);
        // A bare marker is an empty IKE message; the IKE parser rejects it.
        assert_eq!(decode(true, &[0, 0, 0, 0]), Rx::Ike(&[]));
        // On port 500 a 0xFF byte is just a (malformed) IKE message for the parser.
        assert_eq!(decode(false, &[0xFF]), Rx::Ike(&[0xFF]));
    }
}
