//! IKE message fragmentation, receiving side (RFC 7383): each SKF fragment is verified and
//! decrypted on its own, then the plaintexts are joined in Fragment Number order and parsed
//! as one inner payload chain.
//!
//! One message is reassembled at a time per IKE SA (window size 1); a fragment of another
//! message restarts the buffer. At most [`MAX_FRAGMENTS`] are accepted. Never sees
//! unauthenticated bytes: only fragments that passed integrity are added.

use crate::wire::v2::PayloadType;

/// Upper bound on Total Fragments we buffer.
pub const MAX_FRAGMENTS: u16 = 64;

/// The fragments of the message being reassembled.
#[derive(Debug, Default)]
pub struct Reassembly {
    key: Option<(u32, bool, u16)>,
    first: PayloadType,
    parts: Vec<Option<Vec<u8>>>,
}

impl Reassembly {
    /// Adds fragment `num` of `total` (already decrypted and unpadded) of message `msg_id`.
    /// Returns (first inner payload type, joined plaintext) once every fragment is in.
    pub fn add(
        &mut self,
        msg_id: u32,
        response: bool,
        (num, total): (u16, u16),
        first: PayloadType,
        plain: Vec<u8>,
    ) -> Option<(PayloadType, Vec<u8>)> {
        if total == 0 || total > MAX_FRAGMENTS || num == 0 || num > total {
            return None;
        }
        let key = (msg_id, response, total);
        if self.key != Some(key) {
            self.key = Some(key);
            self.first = PayloadType::NONE;
            self.parts = vec![None; usize::from(total)];
        }
        if num == 1 {
            // RFC 7383 2.5: only the first fragment names the first inner payload.
            self.first = first;
        }
        *self.parts.get_mut(usize::from(num - 1))? = Some(plain);
        if self.parts.iter().any(Option::is_none) {
            return None;
        }
        let joined = self.parts.iter().flatten().flatten().copied().collect();
        self.key = None;
        self.parts.clear();
        Some((self.first, joined))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_out_of_order_and_ignores_bad_numbers() {
        let mut r = Reassembly::default();
        assert_eq!(r.add(3, false, (2, 2), PayloadType::NONE, vec![3, 4]), None);
        assert_eq!(r.add(3, false, (3, 2), PayloadType::NONE, vec![9]), None);
        assert_eq!(
            r.add(3, false, (1, 2), PayloadType::D, vec![1, 2]),
            Some((PayloadType::D, vec![1, 2, 3, 4]))
        );
        // A fragment of another message restarts the buffer.
        assert_eq!(r.add(4, false, (1, 2), PayloadType::D, vec![1]), None);
        assert_eq!(r.add(5, false, (2, 2), PayloadType::NONE, vec![2]), None);
        assert_eq!(
            r.add(5, false, (1, 2), PayloadType::N, vec![1]),
            Some((PayloadType::N, vec![1, 2]))
        );
    }
}
