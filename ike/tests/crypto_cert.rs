//! Certificate path checks against a fixed test PKI (EC P-384 root -> P-256 intermediate ->
//! P-256 end entity), generated once with OpenSSL 3.0 for this test and embedded as DER. The
//! certificates are valid from 2026-11-21 for 100 years; the test passes `now` explicitly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ike::crypto::{
    auth::SigScheme,
    cert::{public_key_of, verify_chain, CertError, CertPublicKey},
};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// Self-signed root, CN=xfrmd test root, P-384, CA.
const ROOT: &str = concat!(
    "308201d83082015ea003020102021455c3b8459fa3f4951d0dc2c0012538cb22ed2de8300a06082a8648ce3d04030330",
    "1a3118301606035504030c0f7866726d64207465737420726f6f743020170d3236313132313233313531315a180f3231",
    "3236313032383233313531315a301a3118301606035504030c0f7866726d64207465737420726f6f743076301006072a",
    "8648ce3d020106052b8104002203620004950fcb14a3f8c6637d21c389e2c314a99cc9ba3239f5edd6b6f43795421011",
    "5c9077f5ce72170f2576c9c8d457ad881315aa3f57c0ca651ce50becfa57493da9bcb9fd551a022b4bdab820d8d8ac8a",
    "b8818fcd6ca84cb39643096eac9dbf57e2a3633061301d0603551d0e04160414589143f717a26b549b1026704b958a82",
    "1b400457301f0603551d23041830168014589143f717a26b549b1026704b958a821b400457300f0603551d130101ff04",
    "0530030101ff300e0603551d0f0101ff040403020204300a06082a8648ce3d040303036800306502302637ff40acf757",
    "2d4426273e928bbfb652661709bb17ef2938ddf1087c9b2da8e7a77a01112f818ecc87d07bc43db76d023100fe3c8a6b",
    "0d890c793f9a44ec86a21ee2ef7698a47051d6e9315a6603bcecaaec178408641aed6892d59ca77da0e3cdbc",
);

/// Intermediate CA signed by ROOT, P-256.
const INTERMEDIATE: &str = concat!(
    "308201c330820149a00302010202142f178d1ee606d06be5d11b0149a94e6c3f7587d7300a06082a8648ce3d04030330",
    "1a3118301606035504030c0f7866726d64207465737420726f6f743020170d3236313132313233313531315a180f3231",
    "3236313032383233313531315a30223120301e06035504030c177866726d64207465737420696e7465726d6564696174",
    "653059301306072a8648ce3d020106082a8648ce3d03010703420004ee89ef5ae6fc9307a848301c0feddcd78ab3cba2",
    "b7fb8f2bdbb0b04910e7956646ed7cc0752c4810cc241092b8b6ee92833a0a7d87e33ebb8d32975bad595140a3633061",
    "300f0603551d130101ff040530030101ff300e0603551d0f0101ff040403020204301d0603551d0e04160414806bb254",
    "bfa2e1039616dcf4d647d67c0088fd13301f0603551d23041830168014589143f717a26b549b1026704b958a821b4004",
    "57300a06082a8648ce3d0403030368003065023100d2d563e516f70e3ff1bdbdd41049799d4140a537b321ef132bac92",
    "3f4f42c3e7ee14abb8a6e053ae581dc64b431fa4b302306ee0dc8a3bb728856458ae45b7be578e11bbe693911a7e4b37",
    "63439ec2bdaffada244633810718454786ab7f1503bea7",
);

/// End entity gw.example.test signed by INTERMEDIATE, CA:FALSE.
const LEAF: &str = concat!(
    "308201ac30820152a00302010202147a50a78234bafe8bc4fc045ff83e192948dbdaf9300a06082a8648ce3d04030230",
    "223120301e06035504030c177866726d64207465737420696e7465726d6564696174653020170d323631313231323331",
    "3531315a180f32313236313032383233313531315a301a3118301606035504030c0f67772e6578616d706c652e746573",
    "743059301306072a8648ce3d020106082a8648ce3d03010703420004520bd64ca57f7ef5a77bc54e83157f03ca8c94b3",
    "918973fe58495c9db5f05d0f10c4f92858cd98c00f09e41fb54a36904c3c6152079615808555a48820ac34eca36c306a",
    "300c0603551d130101ff04023000301a0603551d1104133011820f67772e6578616d706c652e74657374301d0603551d",
    "0e0416041453dff313d2d78f3f103e147a6ae0c2a32cdc1442301f0603551d23041830168014806bb254bfa2e1039616",
    "dcf4d647d67c0088fd13300a06082a8648ce3d040302034800304502206e56888e18fd138b333024febdc1133fab0821",
    "d19d58f888946eb9ade8a863d90221008a9573e12222d98a56747a5fc0b5877c68da08fa9a18f4c71560ddd6fb91a4df",
);

/// Certificate 'issued' by LEAF, which is not a CA.
const BAD: &str = concat!(
    "308201983082013ea00302010202142ce740121943a986af1bc725b26c33fe60b85f25300a06082a8648ce3d04030230",
    "1a3118301606035504030c0f67772e6578616d706c652e746573743020170d3236313132313233313531315a180f3231",
    "3236313032383233313531315a300e310c300a06035504030c036261643059301306072a8648ce3d020106082a8648ce",
    "3d0301070342000406f663d6ef5778d96deafcf4ffd49beb0da73b7ef5bde8b5574df279aa8871bece1d91dd2baa1b49",
    "0155d5c75afe7cf8a7c04552b96835571691963d0ea17ec4a36c306a300c0603551d130101ff04023000301a0603551d",
    "1104133011820f67772e6578616d706c652e74657374301d0603551d0e041604141e8d7c86f9c6e748d9d81cde583f13",
    "d02f879b7a301f0603551d2304183016801453dff313d2d78f3f103e147a6ae0c2a32cdc1442300a06082a8648ce3d04",
    "0302034800304502202059b1c7dc3a8231a1a18c8481ef35c59ff30d0f5fe2fd9982804ca41fb99a99022100944a08f3",
    "6990512ad6a08ca84a24b0ee7bb924a827b3ef95e26f26babe9ad51a",
);

/// A different self-signed root with the same subject name as ROOT.
const OTHER_ROOT: &str = concat!(
    "3082018c30820131a00302010202147079a3c6f38f5fecaa6252930e8e3e7dfe0ad6aa300a06082a8648ce3d04030230",
    "1a3118301606035504030c0f7866726d64207465737420726f6f743020170d3236313132313233313531315a180f3231",
    "3236313032383233313531315a301a3118301606035504030c0f7866726d64207465737420726f6f743059301306072a",
    "8648ce3d020106082a8648ce3d03010703420004577b66c31602f7fe30c4517ef3578ec34d048c57a2df191f34c80ca6",
    "80ed348181f3dc53f4f8fd32be14d778298861205e8d6c36293c1a45c67be9c4e8d45ba3a3533051301d0603551d0e04",
    "160414bb99863cfee8fc39ad9f6546a6ff86b0d8e9538c301f0603551d23041830168014bb99863cfee8fc39ad9f6546",
    "a6ff86b0d8e9538c300f0603551d130101ff040530030101ff300a06082a8648ce3d0403020349003046022100e98ad4",
    "410bd2e36fc311e53731ebfde5f2d3f46e6bd89434d3877a7c3e2bb1b20221009472fa58c9ec55ea0884ccacbc43eac6",
    "06ec62c3316b26bc1ad2001b113354fe",
);

/// LEAF's private key (test only), PKCS#8.
const LEAF_PKCS8: &str = concat!(
    "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420fb3f1203a73fac4123fc4960",
    "0dda62cc49c5789be8067e62b17f9bce9698d612a14403420004520bd64ca57f7ef5a77bc54e83157f03ca8c94b39189",
    "73fe58495c9db5f05d0f10c4f92858cd98c00f09e41fb54a36904c3c6152079615808555a48820ac34ec",
);

/// 2030-03-17, inside every certificate's validity.
const NOW: i64 = 1_900_000_000;

#[test]
fn valid_chain_yields_the_leaf_key_and_verifies_a_signature() {
    let (root, int, leaf) = (h(ROOT), h(INTERMEDIATE), h(LEAF));
    let key = verify_chain(&leaf, &[&int], &[&root], NOW).unwrap();
    assert!(matches!(key, CertPublicKey::EcP256(ref k) if k.len() == 65 && k[0] == 4));
    assert_eq!(public_key_of(&leaf).unwrap(), key);
    assert!(matches!(
        public_key_of(&h(ROOT)).unwrap(),
        CertPublicKey::EcP384(_)
    ));

    let rng = ring::rand::SystemRandom::new();
    let alg = &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING;
    let kp = ring::signature::EcdsaKeyPair::from_pkcs8(alg, &h(LEAF_PKCS8), &rng).unwrap();
    let sig = kp.sign(&rng, b"signed octets").unwrap();
    assert!(key
        .verify(
            SigScheme::EcdsaP256Sha256Fixed,
            b"signed octets",
            sig.as_ref()
        )
        .is_ok());
    assert!(key
        .verify(
            SigScheme::EcdsaP256Sha256Fixed,
            b"other octets",
            sig.as_ref()
        )
        .is_err());
    // Scheme must match the key type.
    assert!(key
        .verify(
            SigScheme::EcdsaP384Sha384Fixed,
            b"signed octets",
            sig.as_ref()
        )
        .is_err());
    assert!(key
        .verify(SigScheme::RsaPkcs1Sha256, b"signed octets", sig.as_ref())
        .is_err());
}

#[test]
fn path_failures() {
    let (root, int, leaf, bad, other) = (h(ROOT), h(INTERMEDIATE), h(LEAF), h(BAD), h(OTHER_ROOT));
    // Missing intermediate.
    assert_eq!(
        verify_chain(&leaf, &[], &[&root], NOW),
        Err(CertError::UntrustedIssuer)
    );
    // Same issuer name, different key: the signature check must fail.
    assert_eq!(
        verify_chain(&leaf, &[&int], &[&other], NOW),
        Err(CertError::UntrustedIssuer)
    );
    // Issued by a non-CA certificate.
    assert_eq!(
        verify_chain(&bad, &[&leaf, &int], &[&root], NOW),
        Err(CertError::IssuerNotCa)
    );
    // Outside the validity period (2001 and 2128).
    assert_eq!(
        verify_chain(&leaf, &[&int], &[&root], 1_000_000_000),
        Err(CertError::NotValidAtTime)
    );
    assert_eq!(
        verify_chain(&leaf, &[&int], &[&root], 5_000_000_000),
        Err(CertError::NotValidAtTime)
    );
    // Garbage, truncated and padded DER.
    assert_eq!(
        verify_chain(b"junk", &[&int], &[&root], NOW),
        Err(CertError::Malformed)
    );
    assert_eq!(
        verify_chain(&leaf[..leaf.len() - 1], &[&int], &[&root], NOW),
        Err(CertError::Malformed)
    );
    let mut trailing = leaf.clone();
    trailing.push(0);
    assert_eq!(
        verify_chain(&trailing, &[&int], &[&root], NOW),
        Err(CertError::Malformed)
    );
    // A flipped bit in the signed part breaks the chain.
    let mut tampered = leaf.clone();
    let i = tampered.len() / 2;
    tampered[i] ^= 1;
    assert!(verify_chain(&tampered, &[&int], &[&root], NOW).is_err());
}
