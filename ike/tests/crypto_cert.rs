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

/// RSA-2048 end entity rsa.example.test signed by INTERMEDIATE, CA:FALSE.
const RSA_LEAF: &str = concat!(
    "308202783082021ea00302010202147a50a78234bafe8bc4fc045ff83e192948dbdafa300a06082a8648ce3d04030230",
    "223120301e06035504030c177866726d64207465737420696e7465726d6564696174653020170d323631313231323331",
    "3933365a180f32313236313032383233313933365a301b3119301706035504030c107273612e6578616d706c652e7465",
    "737430820122300d06092a864886f70d01010105000382010f003082010a0282010100c56f7aeea1063b5cfc620a8890",
    "306e7cd94b66e007ccf032f04edb9f31de8439adcad255a9618677fa57b74a13d5f087b8cb00b8ba2c1e2689096d6a1b",
    "4728e560eff63cd68e9169d6b98ab1a43c8621bf73abcf12c1f28503b0d0b2fbcb1125935cdc2fe82c71a4624cb65256",
    "53cf3a160f9299bf586ff1d1e2eafa0b11de1c92ea7f4311333bc28aebd8911112894c4f9e6d8e2a34d4a05a4f6efb4f",
    "03923b549c066b23c3fbc1e468b77c6d1fb9f88216802622490f92f426ed89d040010e0b91fe6a2301f215f7bf2f0d47",
    "27dc87e240712992368fbfe77d06d77925910d8439b17bc6187beef0d9239bc309e65b0a0f82290c2dfc7ca1233734f6",
    "8721b50203010001a36c306a300c0603551d130101ff04023000301a0603551d1104133011820f67772e6578616d706c",
    "652e74657374301d0603551d0e041604146cf33bdf7cec751ddabcd845fcbdf5af3e96192c301f0603551d2304183016",
    "8014806bb254bfa2e1039616dcf4d647d67c0088fd13300a06082a8648ce3d0403020348003045022053065915a0c01b",
    "b3a661ecb16d8f19669f960b04076cc5351d51cfcb463ac8bf02210098c63c4f9d7094c2961fd71558757d6c07d22086",
    "7d0daf9dd74d3331ed0f2081",
);

/// RSA_LEAF's private key (test only), PKCS#8.
const RSA_PKCS8: &str = concat!(
    "308204be020100300d06092a864886f70d0101010500048204a8308204a40201000282010100c56f7aeea1063b5cfc62",
    "0a8890306e7cd94b66e007ccf032f04edb9f31de8439adcad255a9618677fa57b74a13d5f087b8cb00b8ba2c1e268909",
    "6d6a1b4728e560eff63cd68e9169d6b98ab1a43c8621bf73abcf12c1f28503b0d0b2fbcb1125935cdc2fe82c71a4624c",
    "b6525653cf3a160f9299bf586ff1d1e2eafa0b11de1c92ea7f4311333bc28aebd8911112894c4f9e6d8e2a34d4a05a4f",
    "6efb4f03923b549c066b23c3fbc1e468b77c6d1fb9f88216802622490f92f426ed89d040010e0b91fe6a2301f215f7bf",
    "2f0d4727dc87e240712992368fbfe77d06d77925910d8439b17bc6187beef0d9239bc309e65b0a0f82290c2dfc7ca123",
    "3734f68721b50203010001028201003b21e6fb469e13b48760a3d00003896bfa36d3a280a398436166f4ef4aa3df0d59",
    "687833b0cde554d4d565af999e477296ddb223219b6a125793cbc1ee56934094167ab500fbe540824fc2e2ee92340832",
    "8ba5e718b29efcc8bcb1dd117de1ee53a309cd8d679647ca2b38a61375f98867a8155bd80bd8476079eaafa6161d6401",
    "27e6188d5919fc3356a5141d538093d8adb4f13affcdd18e7f5d61fa5d84e3e5c310e8f31d1357b8c52701f504f0ca28",
    "60506d84526ea054f83e6fe2c1acdff9defe0a4f61c274514d2e0d378efcf09f45b7059d5295099323c5dc3da90a315e",
    "5f2280efc74e9b461ddd73f8d71f2003fa006cb5b130bf4c8cc58aafde6b2702818100f8155188acb16cc3205c096315",
    "3c04a61ecd0eac89e8da1ffdcf2a1ae70ec8c22fb845363f54892adce420dbea18b2665d65b5c475e48cc831a9a7b29a",
    "c1d8af81325b53ebf3db33dbea0452ca55e3a05cb41e7d1ae4e595108f07b58baf30034e7ef5c5ce30378260a3537fd2",
    "e3475de3ed480399e462a9b0ec8252c977131b02818100cbbc66cd39f2bb0baf4f3cf74ad20368ac6cd888aa691e07c4",
    "bab32efd2de3a317b0fdf36323fc54f8067e0074f4c93395b3bf473bc5fba00833013fede3d7077e46fd0407551ea2c7",
    "584f0a1a452cb19a29de9e8efcf6ad7e9f5d653159a973a2da9dde835a1a041fe01ad492d3646f10b47da8228763adde",
    "4c9a7432c61b6f02818100c3b565b5f1aea283a8a292d134ae3d68a3c1d702ac6522b6bc2ed323980624c0748ee522ef",
    "810c18e15ba2c47a7ff335281715f71f9e26a5c3eff818c1578d4e9f188fcdbbc58bb6f4953fc5e4532f9891a992a7d5",
    "30a02121880467e703545837739705ee2c418e3c187cc5c9237d688767e838d70dc1fbe6541e579b11b1e30281810094",
    "6cf833f1509de6205cc8dc9c1cae3116d4e1578756b7730f66b8ddb5c335c0fea48a0e439ed6d90c2ca6a52c8f9cf940",
    "c9c7c35c8f9b067692ba095a051005bc807919f34196e51df77ef5ac37d31cbc645e740355d55c8610121983bf7f8ce8",
    "0afed239bd6d90adac35bfc20bd1727ca8119769385b6d32b37a1ec752be6f02818028c0d4351692cfb8fff2685a08ef",
    "a76f4044318263c8d8c6fef56e1c2546e830598fe22f724d52169b4a73c5ef4610571ebb66b1907a7a64d21cf767756b",
    "b36042d478afb02bc8997760ba3b7ee288eca0d7fbc030b85562af2a737f7c52e94e2353bc12db10a54935462bf24be4",
    "76ffd784ad79b661faaa7a17a4b21bc7e343",
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
        Err(CertError::IssuerNotCa {
            subject: "CN=gw.example.test".into()
        })
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

#[test]
fn rsa_leaf_pkcs1_and_pss_signatures() {
    let (root, int, leaf) = (h(ROOT), h(INTERMEDIATE), h(RSA_LEAF));
    let key = verify_chain(&leaf, &[&int], &[&root], NOW).unwrap();
    assert!(matches!(key, CertPublicKey::Rsa(_)));
    let kp = ring::signature::RsaKeyPair::from_pkcs8(&h(RSA_PKCS8)).unwrap();
    let rng = ring::rand::SystemRandom::new();
    let encodings: [(&'static dyn ring::signature::RsaEncoding, SigScheme); 4] = [
        (
            &ring::signature::RSA_PKCS1_SHA256,
            SigScheme::RsaPkcs1Sha256,
        ),
        (
            &ring::signature::RSA_PKCS1_SHA384,
            SigScheme::RsaPkcs1Sha384,
        ),
        (&ring::signature::RSA_PSS_SHA256, SigScheme::RsaPssSha256),
        (&ring::signature::RSA_PSS_SHA512, SigScheme::RsaPssSha512),
    ];
    for (enc, scheme) in encodings {
        let mut sig = vec![0; kp.public().modulus_len()];
        kp.sign(enc, &rng, b"auth octets", &mut sig).unwrap();
        assert!(
            key.verify(scheme, b"auth octets", &sig).is_ok(),
            "{scheme:?}"
        );
        assert!(
            key.verify(scheme, b"auth octetz", &sig).is_err(),
            "{scheme:?}"
        );
        assert!(key
            .verify(SigScheme::EcdsaP256Sha256Der, b"auth octets", &sig)
            .is_err());
    }
}

// ---- RFC 5280 path-validation rules against the PKI in fixtures/pki (see make.sh there):
// P-256 root "CN=pki root" -> intermediates -> leaves, each fixture breaking one rule.

macro_rules! der {
    ($n:literal) => {
        include_bytes!(concat!("fixtures/pki/", $n, ".der")).as_slice()
    };
}

const ROOT2: &[u8] = der!("root");
const INT2: &[u8] = der!("int");

fn check(leaf: &[u8], inter: &[&[u8]]) -> Result<CertPublicKey, CertError> {
    verify_chain(leaf, inter, &[ROOT2], NOW)
}

fn s(x: &str) -> String {
    x.to_string()
}

#[test]
fn fixture_pki_baseline_chain_is_accepted() {
    assert!(matches!(
        check(der!("leaf"), &[INT2]),
        Ok(CertPublicKey::EcP256(_))
    ));
}

// RFC 5280 4.2.1.9: an issuer must assert cA = TRUE.
#[test]
fn basic_constraints_issuer_without_ca_is_refused() {
    assert_eq!(
        check(der!("leaf_notca"), &[der!("int_notca")]),
        Err(CertError::IssuerNotCa {
            subject: s("CN=pki int notca")
        })
    );
    // The message names the certificate and the rule.
    let msg = check(der!("leaf_notca"), &[der!("int_notca")])
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "issuer CN=pki int notca is not a CA (RFC 5280 4.2.1.9)"
    );
}

// RFC 5280 4.2.1.9: pathLenConstraint 0 allows no intermediate below the CA.
#[test]
fn basic_constraints_path_len() {
    let pl0 = der!("int_pl0");
    // Satisfied: the pathlen:0 CA issues the end entity directly.
    assert!(check(der!("leaf_pl0"), &[pl0]).is_ok());
    // Violated: one more CA below it.
    assert_eq!(
        check(der!("leaf_below_pl0"), &[der!("int_below_pl0"), pl0]),
        Err(CertError::PathLenExceeded {
            subject: s("CN=pki int pathlen0")
        })
    );
}

// RFC 5280 4.2.1.3: keyUsage on an issuer must include keyCertSign.
#[test]
fn key_usage_issuer_without_key_cert_sign_is_refused() {
    assert_eq!(
        check(der!("leaf_nokcs"), &[der!("int_nokcs")]),
        Err(CertError::CaKeyUsage {
            subject: s("CN=pki int no keyCertSign")
        })
    );
}

// RFC 5280 4.2.1.3 / RFC 7296 2.15: the end-entity key signs AUTH.
#[test]
fn key_usage_end_entity_must_allow_signing() {
    assert!(check(der!("leaf_nonrep"), &[INT2]).is_ok());
    assert_eq!(
        check(der!("leaf_keyenc"), &[INT2]),
        Err(CertError::EndEntityKeyUsage {
            subject: s("CN=leaf keyEncipherment")
        })
    );
}

// RFC 5280 4.2.1.2: CA certificates carry a subjectKeyIdentifier.
#[test]
fn key_ids_ca_without_ski_is_refused() {
    assert_eq!(
        check(der!("leaf_noski"), &[der!("int_noski")]),
        Err(CertError::MissingSubjectKeyId {
            subject: s("CN=pki int no ski")
        })
    );
}

// RFC 5280 4.2.1.1: non-anchor certificates carry an authorityKeyIdentifier.
#[test]
fn key_ids_certificate_without_aki_is_refused() {
    assert_eq!(
        check(der!("leaf_noaki"), &[INT2]),
        Err(CertError::MissingAuthorityKeyId {
            subject: s("CN=leaf no aki")
        })
    );
}

// RFC 5280 4.2.1.1: the AKI must equal the issuer's SKI, and selects among candidates with
// the same name and key.
#[test]
fn key_ids_aki_must_match_issuer_ski_and_selects_the_issuer() {
    let other = der!("int_otherski");
    assert_eq!(
        check(der!("leaf"), &[other]),
        Err(CertError::KeyIdMismatch {
            subject: s("CN=gw.example.test")
        })
    );
    // Both candidates verify the signature; the AKI picks INT2 whichever order they come in.
    assert!(check(der!("leaf"), &[other, INT2]).is_ok());
    assert!(check(der!("leaf"), &[INT2, other]).is_ok());
}

// RFC 5280 4.2: unrecognised critical extensions are refused, non-critical ones ignored.
#[test]
fn unknown_critical_extension_is_refused() {
    assert!(check(der!("leaf_noncrit"), &[INT2]).is_ok());
    assert_eq!(
        check(der!("leaf_crit"), &[INT2]),
        Err(CertError::UnknownCriticalExtension {
            subject: s("CN=leaf critical unknown"),
            oid: s("1.3.6.1.4.1.55555.1"),
        })
    );
}

// RFC 5280 4.2.1.10: int_nc permits DNS example.test, IP 192.0.2.0/24, email .example.test
// and DN O=xfrmd test, and excludes DNS bad.example.test.
#[test]
fn name_constraints_permitted_names_pass() {
    assert!(check(der!("leaf_nc_ok"), &[der!("int_nc")]).is_ok());
}

#[test]
fn name_constraints_violations() {
    let nc = der!("int_nc");
    let by = s("O=xfrmd test, CN=pki int nc");
    for (leaf, subject) in [
        (der!("leaf_nc_dns"), "O=xfrmd test, CN=nc dns"),
        (der!("leaf_nc_excluded"), "O=xfrmd test, CN=nc excluded"),
        (der!("leaf_nc_ip"), "O=xfrmd test, CN=nc ip"),
        (der!("leaf_nc_email"), "O=xfrmd test, CN=nc email"),
        (der!("leaf_nc_dn"), "O=other, CN=nc dn"),
    ] {
        assert_eq!(
            check(leaf, &[nc]),
            Err(CertError::NameConstraintViolation {
                subject: s(subject),
                constrained_by: by.clone(),
            }),
            "{subject}"
        );
    }
}

// RFC 5280 4.2 / 4.2.1.10: a critical constraint of a form not enforced (URI) is refused;
// the same constraint non-critical is ignored.
#[test]
fn name_constraints_unsupported_form() {
    assert_eq!(
        check(der!("leaf_nc_uri"), &[der!("int_nc_uri")]),
        Err(CertError::UnsupportedNameConstraint {
            subject: s("CN=pki int nc uri")
        })
    );
    assert!(check(der!("leaf_nc_uri_nc"), &[der!("int_nc_uri_nc")]).is_ok());
}
