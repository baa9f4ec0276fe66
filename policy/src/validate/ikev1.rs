//! The IKEv1 rules of one tunnel's resolved options: which configured algorithms have an
//! IKEv1 form, and the warning that aggressive mode exposes the PSK hash (REQUIREMENTS §18
//! #12). An IKEv1-only tunnel is refused for an algorithm IKEv1 cannot negotiate; a tunnel
//! with both versions only gets a warning when IKEv1 is left with nothing to offer. It only
//! reads resolved options and where they are written; it never maps names to numbers (that
//! is `ike`, read through the daemon).

use crate::algo::{Encryption, IkeVersion};
use crate::diag::Ctx;
use crate::raw::RawOptions;
use crate::site::TunnelOptions;

use super::options::Layers;

/// The built-in phase 1 encryption of an IKEv1-only tunnel: the ciphers with an IKEv1 form.
pub(super) const PHASE1_ENCRYPTION: &[Encryption] = &[Encryption::Aes128, Encryption::Aes256];

/// IKEv1 is on and IKEv2 off: the tunnel speaks IKEv1 only.
pub(super) fn only(versions: &[IkeVersion]) -> bool {
    versions.contains(&IkeVersion::Ikev1) && !versions.contains(&IkeVersion::Ikev2)
}

/// Why `e` cannot protect an IKEv1 phase 1 (ISAKMP SA), if it cannot.
fn phase1_encryption(e: Encryption) -> Option<&'static str> {
    match e {
        // RFC 2409 appendix A / IANA IKE Encryption Algorithm 7 (AES-CBC, RFC 3602) with a
        // Key Length attribute.
        Encryption::Aes128 | Encryption::Aes256 => None,
        // RFC 5282 defines AES-GCM for the IKEv2 Encrypted payload only; the IKEv1
        // Encryption Algorithm registry has no GCM value.
        Encryption::Aes128Gcm16 | Encryption::Aes256Gcm16 => {
            Some("AES-GCM protects IKEv2 messages only (RFC 5282); IKEv1 phase 1 has no GCM")
        }
    }
}

/// Why Diffie-Hellman group `g` has no IKEv1 Group Description, if it has none. The IKEv1
/// registry shares the IKEv2 numbers 1-30 (RFC 2409 6, RFC 3526, RFC 5903, RFC 5114), while
/// Curve25519 (31, RFC 8031) was defined for IKEv2 only. Integrity needs no check: every
/// site integrity name is also an IKEv1 hash (2 SHA, 4/5/6 SHA2-256/384/512), and the IKEv1
/// PRF is the HMAC of that hash (RFC 2409 4).
fn group(g: u16) -> Option<&'static str> {
    (g == 31).then_some("group 31 (Curve25519) is defined for IKEv2 only (RFC 8031)")
}

/// The path of the `i`-th entry of list `field` as it is written (tunnel or defaults).
fn entry(l: &Layers<'_>, field: &str, get: impl Fn(&RawOptions) -> bool, i: usize) -> String {
    format!("{}[{i}]", l.blame(field, get))
}

/// Checks the resolved options `o` of one tunnel written in `l`.
pub(super) fn check(l: &Layers<'_>, cx: &mut Ctx, o: &TunnelOptions) {
    let v1 = o.ike_versions.contains(&IkeVersion::Ikev1);
    if v1 && o.aggressive {
        // REQUIREMENTS §18 #12; RFC 2409 5.4: in aggressive mode the responder's HASH_R,
        // a PRF keyed with the PSK, travels before any key protects it, so whoever sees
        // (or provokes) the exchange can test PSK guesses offline.
        cx.warn(
            &l.blame("aggressive", |r| r.aggressive.is_some()),
            "aggressive mode sends a hash of the pre-shared key unprotected: anyone who sees \
             or starts an exchange can test PSK guesses offline",
            "remove aggressive (main mode) or use a long random PSK",
        );
    }
    if !v1 {
        return;
    }
    let enc = |r: &RawOptions| r.phase1_encryption.is_some();
    let dh1 = |r: &RawOptions| r.phase1_dh_groups.is_some();
    let dh2 = |r: &RawOptions| r.phase2_dh_groups.is_some();
    if only(&o.ike_versions) {
        let hint = "remove it or add ikev2 to ike_versions";
        for (i, e) in o.phase1.encryption.iter().enumerate() {
            if let Some(why) = phase1_encryption(*e) {
                cx.err(
                    &entry(l, "phase1_encryption", enc, i),
                    format!("{e} has no IKEv1 form: {why}"),
                    hint,
                );
            }
        }
        let lists = [
            (
                "phase1_dh_groups",
                &o.phase1.dh_groups,
                &dh1 as &dyn Fn(&RawOptions) -> bool,
            ),
            ("phase2_dh_groups", &o.phase2.dh_groups, &dh2),
        ];
        for (field, groups, written) in lists {
            for (i, g) in groups.iter().enumerate() {
                if let Some(why) = group(*g) {
                    cx.err(
                        &entry(l, field, written, i),
                        format!("DH group {g} has no IKEv1 form: {why}"),
                        hint,
                    );
                }
            }
        }
        return;
    }
    // Both versions: IKEv2 uses the whole list, IKEv1 the part it can express.
    let hint = "add an IKEv1-capable choice or remove ikev1 from ike_versions";
    if o.phase1
        .encryption
        .iter()
        .all(|e| phase1_encryption(*e).is_some())
    {
        cx.warn(
            &l.blame("phase1_encryption", enc),
            "no phase1_encryption has an IKEv1 form (AES-GCM is IKEv2 only, RFC 5282): \
             IKEv1 peers are refused",
            hint,
        );
    }
    if o.phase1.dh_groups.iter().all(|g| group(*g).is_some()) {
        cx.warn(
            &l.blame("phase1_dh_groups", dh1),
            "no phase1_dh_groups entry has an IKEv1 form: IKEv1 peers are refused",
            hint,
        );
    }
}
