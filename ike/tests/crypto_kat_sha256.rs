//! NIST CAVS SP 800-135 IKEv1/IKEv2 KDF sample vectors with HMAC-SHA-256, as carried in NSS
//! gtests/common/testvectors/ike-sha256-vectors.h (cases 1-10 "from NIST samples"; cases
//! 11-14 are NSS's own RFC 2409 appendix B / KEYMAT chaining vectors).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ike::crypto::{kdf, kdf_v1, PrfAlg, Secret};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace([' ', '\n'], "")).unwrap()
}

#[test]
fn ikev1_sha256_cavs() {
    let prf = PrfAlg::HmacSha256;
    let gxy = Secret::new(h(
        "a1ff3dc6cf9b4c04709943cb4ca1f1789bcf360b03f1d027de3ae8ee039e9155",
    ));
    // Case 1: signature SKEYID = prf(Ni_b | Nr_b, g^xy) with 128-byte nonces.
    let ni = h("b1dee62505b47b223bae14ce7a5b757402ad1587511618d09f94950d47f1d8d4ce86aca12d78db9854d86019ad735757ae79d8932ac0c7db842c85060150ca875ea5d47e3cfcb2a05922ebb7959d49b9797a2289676ee79a1d9a18b790f87e4771ddaf4be3376057a553162f68fe429aca73b07234543801ba2122b1bde82251770d05df813cf556a11ca4dc43ffcb85a97dbed16e2fda6985e07e31be6364899e63c507c7c616e5eb7765a53560f76772de43918ba07badfe85244dcdcd917cb065afb60e3b7e68b54dd94bfc7c31c8b752892781ed3cc4b7f28fbc0ab9af908f5ae1f09f893f80100a7b3135993161b51fbba3bbb24b9f88c6147de82cd6f0");
    let nr = h("f0acfef2ad1f7add0eaafda78c1cf1097d9fc91cb04a7c145069ac426fd164cbe661b1dd2df0fb84e19512181f0d8ea50b7860845f332757a8e56d2a3b7be436b5718a2d49baa996a4616684a208c2d611cd65e605dca6e3d3f116859b4410fe13679696bb2e23c08a40c7e1316d54b4c9c0286701c221151b3642cb4112ca1a53e0e597a7e29c634caed86ca3c31973d37b4c346134fd6784cd99913feedf3d29d89a0a02a5a750f02f5738109dcc670bb27701fb59f78e83b76860c3fec079a1fc8c937ddb58ae7500422b7e49ce63759c65b6bc439381d56bcc159edede894b073841036ebfa050a5b3e7c876a3f18def26b1768a263ac66c9d83b680eb5e");
    let skeyid = kdf_v1::skeyid_sig(prf, &ni, &nr, &gxy);
    assert_eq!(
        skeyid.expose(),
        h("750c5c94b9c2ec20b68033e024dadf0fa87e8b48c6561b21c72478451a06583d")
    );
    // Cases 2-4: SKEYID_d, SKEYID_a, SKEYID_e with CKY-I / CKY-R.
    let cky_i: [u8; 8] = h("6c6beb72631ddc3d").try_into().unwrap();
    let cky_r: [u8; 8] = h("b84e24b22cffbd14").try_into().unwrap();
    let k = kdf_v1::skeyid_dae(prf, &skeyid, &gxy, &cky_i, &cky_r);
    assert_eq!(
        k.skeyid_d.expose(),
        h("a4f7ca7de913814813e3312099e7c943bd293483f387532330237f1b20957310")
    );
    assert_eq!(
        k.skeyid_a.expose(),
        h("1d4b705746c43b0a6fcbb8db33983c0f24ff6f8b6543e3779fed227c6067f004")
    );
    assert_eq!(
        k.skeyid_e.expose(),
        h("03e6f16cd9ce9f64b5cdc5b34cca7163483ba5389a30afebef3d14640b0a815e")
    );
    // Case 5: pre-shared key SKEYID.
    let psk = kdf_v1::skeyid_psk(
        prf,
        &Secret::new(h("a0")),
        &h("ead9ced494868f41"),
        &h("f1aff4f425a94f18"),
    );
    assert_eq!(
        psk.expose(),
        h("558a99b299773d267cf7c8ef073bf3b7af362c206c75a538403c5ef884d4cace")
    );
}

#[test]
fn ikev2_sha256_cavs() {
    let prf = PrfAlg::HmacSha256;
    let (ni, nr) = (h("3f302be1abcb28e1"), h("8c332ee006064c9b"));
    // Case 6: SKEYSEED.
    let gir = Secret::new(h(
        "0f4d257d7a58fc4545c7d7a88119eee5d5c9690c5b4c989171d3abbfd99d1d29",
    ));
    let skeyseed = kdf::skeyseed(prf, &ni, &nr, &gir);
    assert_eq!(
        skeyseed.expose(),
        h("5f00d1bd2c58ec224b1e6b71fa0f19a1faa7a193952c444411b47c1a9d8ba6fe")
    );
    // Case 8: prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), 132 bytes.
    let seed = [
        ni.clone(),
        nr.clone(),
        h("40dac39e1e1a8640"),
        h("8619a1cf9a6e4c07"),
    ]
    .concat();
    let dkm = prf.prf_plus(skeyseed.expose(), &seed, 132).unwrap();
    assert_eq!(dkm.expose(), h("0b137d669b0947d7d026d593f0305ad401ff0c471357d695778a9c7f4b4869ece98aca531188d16041b3bb936d2dbb3b4993a6e768a809160de45d0283f273a6cdf6854379e31be72b8d3d1fa990cf9c5b015ca9f918a7df6253c958114a09d4e1c19bdcd4db14b29d98db1a74ad405c588662c14a04d0d36aa4ab55e90f8986d12d4aad"));
    // Case 7: rekey SKEYSEED = prf(SK_d(old), g^ir(new) | Ni | Nr), SK_d = first 32 DKM bytes.
    let sk_d = dkm.slice(0, 32).unwrap();
    let gir_new = Secret::new(h(
        "25f3b12d6f282739256e39bf54eda53b60ffcf379bb7bcc90c27b4c4c578616c",
    ));
    let rekey = kdf::rekey_skeyseed(prf, &sk_d, &gir_new, &ni, &nr);
    assert_eq!(
        rekey.expose(),
        h("2d63f6debc92048b4fef3889c4c99ca67d6496e0fac14a2bca9a2d6566ff2398")
    );
}

#[test]
fn ikev1_sha256_appendix_b_nss() {
    let prf = PrfAlg::HmacSha256;
    let k = Secret::new(h(
        "5f00d1bd2c58ec224b1e6b71fa0f19a1faa7a193952c444411b47c1a9d8ba6fe",
    ));
    // Case 11: key longer than SKEYID_e, expanded K1 | K2 | ...
    assert_eq!(kdf_v1::encryption_key(prf, &k, 132).expose(), h("b10fff32cbeaa1e7afe6ab0b191e0bd63cd524849a4b56019146d232a24cf9af6b89494d2a360b06825db8bb0324c15cecf47fc0bc99e39bf1171a7f4bf1733dc49ef64c642e73b054b2e82456e34fa3c822da475e27e403b3da3929da50e6aa9e7f9252c68fa069b4b0edd374e80d35378c4f5e8ec285a1b169c92bbb5353d05ba94165"));
    // Case 12: exactly the PRF length: SKEYID_e itself.
    assert_eq!(kdf_v1::encryption_key(prf, &k, 32), k);
    // Case 14: KEYMAT chaining with a one-octet 0x00 seed.
    let km = kdf_v1::quick_mode_keymat(prf, &k, None, 0, &[], &[], &[], 132);
    assert_eq!(km.expose(), h("b10fff32cbeaa1e7afe6ab0b191e0bd63cd524849a4b56019146d232a24cf9af59f18ed9aabbb2dbbafecf48d72a34a8f72fab2ff4f37e5c917288a78ce00933612e9531a7469995c7f7cc33c7627cac3efbc819330c4fe3bfa3788799630f37bcb74800d82bbebd17b1906e304a786f4f810c266c15be1a30576039c293272748d65966"));
}
