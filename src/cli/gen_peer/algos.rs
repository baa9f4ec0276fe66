//! Algorithm names of the site file mapped to the keywords of strongSwan (`swanctl.conf`
//! proposals) and libreswan (`ike=` / `esp=`), plus the proposal strings built from a
//! tunnel's phase 1 / phase 2 lists. Pure string work: no I/O, no secrets.
//!
//! xfrmd proposes (see `config_map`): every encryption × integrity (PRF from the integrity
//! hash) × phase 1 group for IKE, AEAD ciphers without an integrity transform (RFC 5282 8);
//! for ESP every encryption × integrity with the first phase 2 group as the PFS group. The
//! strings here accept the same sets, AEAD and classic ciphers in separate proposals
//! (RFC 7296 3.3: a combined-mode cipher is not offered with an integrity algorithm).

use policy::site::Phase;
use policy::{Encryption, Integrity};

/// strongSwan keyword of a cipher.
pub fn swan_encr(e: Encryption) -> &'static str {
    match e {
        Encryption::Aes128 => "aes128",
        Encryption::Aes256 => "aes256",
        Encryption::Aes128Gcm16 => "aes128gcm16",
        Encryption::Aes256Gcm16 => "aes256gcm16",
    }
}

/// strongSwan keyword of an integrity algorithm (HMAC, truncated per RFC 4868 / RFC 2404).
pub fn swan_integ(i: Integrity) -> &'static str {
    match i {
        Integrity::Sha1 => "sha1",
        Integrity::Sha2_256 => "sha256",
        Integrity::Sha2_384 => "sha384",
        Integrity::Sha2_512 => "sha512",
    }
}

/// strongSwan PRF keyword for an AEAD IKE proposal.
pub fn swan_prf(i: Integrity) -> &'static str {
    match i {
        Integrity::Sha1 => "prfsha1",
        Integrity::Sha2_256 => "prfsha256",
        Integrity::Sha2_384 => "prfsha384",
        Integrity::Sha2_512 => "prfsha512",
    }
}

/// strongSwan key exchange keyword of a DH group (IANA IKEv2 Transform Type 4 numbers).
pub fn swan_dh(g: u16) -> Option<&'static str> {
    Some(match g {
        2 => "modp1024",
        5 => "modp1536",
        14 => "modp2048",
        15 => "modp3072",
        16 => "modp4096",
        17 => "modp6144",
        18 => "modp8192",
        19 => "ecp256",
        20 => "ecp384",
        21 => "ecp521",
        22 => "modp1024s160",
        23 => "modp2048s224",
        24 => "modp2048s256",
        _ => return None,
    })
}

/// libreswan keyword of a cipher (`aes_gcm` is the 16-octet ICV variant).
pub fn lsw_encr(e: Encryption) -> &'static str {
    match e {
        Encryption::Aes128 => "aes128",
        Encryption::Aes256 => "aes256",
        Encryption::Aes128Gcm16 => "aes_gcm128",
        Encryption::Aes256Gcm16 => "aes_gcm256",
    }
}

/// libreswan keyword of an integrity algorithm (also its PRF in `ike=`).
pub fn lsw_integ(i: Integrity) -> &'static str {
    match i {
        Integrity::Sha1 => "sha1",
        Integrity::Sha2_256 => "sha2_256",
        Integrity::Sha2_384 => "sha2_384",
        Integrity::Sha2_512 => "sha2_512",
    }
}

/// libreswan keyword of a DH group; `None` for groups libreswan 4 does not implement
/// (2: MODP-1024 was removed, 5: MODP-1536, 22-24: the RFC 5114 groups).
pub fn lsw_dh(g: u16) -> Option<&'static str> {
    Some(match g {
        14 => "dh14",
        15 => "dh15",
        16 => "dh16",
        17 => "dh17",
        18 => "dh18",
        19 => "dh19",
        20 => "dh20",
        21 => "dh21",
        _ => return None,
    })
}

fn is_aead(e: Encryption) -> bool {
    matches!(e, Encryption::Aes128Gcm16 | Encryption::Aes256Gcm16)
}

/// The (classic, AEAD) split of a cipher list, each in file order.
fn split(list: &[Encryption]) -> (Vec<Encryption>, Vec<Encryption>) {
    list.iter().partition(|e| !is_aead(**e))
}

/// Keeps the first occurrence of each string.
fn dedup(v: Vec<&'static str>) -> Vec<&'static str> {
    let mut out = Vec::new();
    for s in v {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Joins the (classic, AEAD) proposals in the preference order of the cipher list: the
/// kind of the first cipher listed comes first.
fn ordered(list: &[Encryption], mut props: Vec<String>) -> String {
    if props.len() == 2 && list.first().is_some_and(|e| is_aead(*e)) {
        props.swap(0, 1);
    }
    props.join(",")
}

/// swanctl `proposals` for IKE: one classic and one AEAD proposal, comma separated.
pub fn swan_ike<L>(p: &Phase<L>) -> String {
    swan_proposals(p, Some(swan_prf), None)
}

/// swanctl `esp_proposals`: ciphers, integrity (classic only), the PFS groups, `noesn`.
pub fn swan_esp<L>(p: &Phase<L>) -> String {
    swan_proposals(p, None, Some("noesn"))
}

/// The classic and the AEAD proposal of `p` in swanctl syntax: ciphers, then the integrity
/// names (for AEAD, `aead_integ` of each integrity when given, e.g. the PRFs of IKE), the DH
/// groups and `tail`.
fn swan_proposals<L>(
    p: &Phase<L>,
    aead_integ: Option<fn(Integrity) -> &'static str>,
    tail: Option<&'static str>,
) -> String {
    let dh: Vec<&str> = p.dh_groups.iter().filter_map(|g| swan_dh(*g)).collect();
    let (classic, aead) = split(&p.encryption);
    let mut props = Vec::new();
    for (ciphers, integ) in [
        (classic, Some(swan_integ as fn(Integrity) -> &'static str)),
        (aead, aead_integ),
    ] {
        if ciphers.is_empty() {
            continue;
        }
        let mut w: Vec<&str> = ciphers.iter().map(|e| swan_encr(*e)).collect();
        if let Some(f) = integ {
            w.extend(p.integrity.iter().map(|i| f(*i)));
        }
        w.extend(dh.iter().copied());
        w.extend(tail);
        props.push(dedup(w).join("-"));
    }
    ordered(&p.encryption, props)
}

/// libreswan `ike=`: `enc+enc-integ+integ-dh+dh`, classic and AEAD proposals comma
/// separated (for AEAD the integrity names are the PRFs). Groups libreswan lacks are left
/// out and returned second.
pub fn lsw_ike<L>(p: &Phase<L>) -> (String, Vec<u16>) {
    let (dh, dropped) = lsw_groups(&p.dh_groups);
    let (classic, aead) = split(&p.encryption);
    let integ = dedup(p.integrity.iter().map(|i| lsw_integ(*i)).collect()).join("+");
    let mut props = Vec::new();
    for list in [classic, aead] {
        if list.is_empty() {
            continue;
        }
        let enc = dedup(list.iter().map(|e| lsw_encr(*e)).collect()).join("+");
        props.push(format!("{enc}-{integ}-{dh}"));
    }
    (ordered(&p.encryption, props), dropped)
}

/// libreswan `esp=` with the PFS groups (`none` integrity for AEAD).
pub fn lsw_esp<L>(p: &Phase<L>) -> (String, Vec<u16>) {
    let (dh, dropped) = lsw_groups(&p.dh_groups);
    let (classic, aead) = split(&p.encryption);
    let mut props = Vec::new();
    if !classic.is_empty() {
        let enc = dedup(classic.iter().map(|e| lsw_encr(*e)).collect()).join("+");
        let integ = dedup(p.integrity.iter().map(|i| lsw_integ(*i)).collect()).join("+");
        props.push(format!("{enc}-{integ}-{dh}"));
    }
    if !aead.is_empty() {
        let enc = dedup(aead.iter().map(|e| lsw_encr(*e)).collect()).join("+");
        props.push(format!("{enc}-none-{dh}"));
    }
    (ordered(&p.encryption, props), dropped)
}

fn lsw_groups(groups: &[u16]) -> (String, Vec<u16>) {
    let kept = dedup(groups.iter().filter_map(|g| lsw_dh(*g)).collect()).join("+");
    let dropped = groups
        .iter()
        .copied()
        .filter(|g| lsw_dh(*g).is_none())
        .collect();
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(enc: &[Encryption], integ: &[Integrity], dh: &[u16]) -> Phase<u32> {
        Phase {
            dh_groups: dh.to_vec(),
            encryption: enc.to_vec(),
            integrity: integ.to_vec(),
            lifetime: 0,
        }
    }

    #[test]
    fn aead_and_classic_are_separate_strongswan_proposals() {
        let p = phase(
            &[Encryption::Aes256, Encryption::Aes128Gcm16],
            &[Integrity::Sha2_256, Integrity::Sha1],
            &[19, 14],
        );
        assert_eq!(
            swan_ike(&p),
            "aes256-sha256-sha1-ecp256-modp2048,aes128gcm16-prfsha256-prfsha1-ecp256-modp2048"
        );
        assert_eq!(
            swan_esp(&p),
            "aes256-sha256-sha1-ecp256-modp2048-noesn,aes128gcm16-ecp256-modp2048-noesn"
        );
    }

    #[test]
    fn libreswan_drops_groups_it_lacks_and_says_which() {
        // Syntax checked with `ipsec algparse` of libreswan 4.10.
        let p = phase(
            &[Encryption::Aes128Gcm16, Encryption::Aes128],
            &[Integrity::Sha2_256],
            &[2, 19, 22, 14],
        );
        assert_eq!(
            lsw_ike(&p),
            (
                "aes_gcm128-sha2_256-dh19+dh14,aes128-sha2_256-dh19+dh14".into(),
                vec![2, 22]
            )
        );
        assert_eq!(
            lsw_esp(&p).0,
            "aes_gcm128-none-dh19+dh14,aes128-sha2_256-dh19+dh14"
        );
    }
}
