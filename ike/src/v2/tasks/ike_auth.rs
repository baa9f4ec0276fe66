//! IKE_AUTH with a pre-shared key (RFC 7296 1.2, 2.15) or certificates (3.6-3.8, RFC 7427;
//! the certificate half is in [`crate::v2::auth_sig`]) and the first Child SA.
//!
//! Identity matching against the configured remote_id, PSK AUTH verification in constant time,
//! AUTHENTICATION_FAILED in both directions (2.21.2). The only way to build a
//! [`PeerAuthenticated`] token — and hence an established SA — is a successful
//! verification in this file. Never logs identities' secrets or AUTH values.

use super::child_create::{accept_child, respond_child};
use super::ike_rekey::ike_rekey_time;
use super::{Outcome, Pending};
use crate::config::ConnectionConfig;
use crate::crypto::auth::{psk_auth, signed_octets, verify_psk_auth};
use crate::v2::auth_sig;
use crate::v2::ike_sa::{Ctx, Established, IkeSa, Phase};
use crate::v2::proposal::{esp_offer, ike_info};
use crate::v2::rules::{error_notify, notify};
use crate::v2::types::{CloseReason, Event};
use crate::wire::v2::{
    AuthMethod, AuthPayload, CertPayload, ExchangeType, IdPayload, Identification, NotifyPayload,
    NotifyType, Payload, TsPayload,
};

/// Proof that the peer's AUTH payload verified. The private field keeps construction inside
/// this module.
#[derive(Debug)]
pub struct PeerAuthenticated {
    _private: (),
}

impl PeerAuthenticated {
    /// Another token for an SA derived from an authenticated one (IKE SA rekey).
    pub(crate) fn carry(&self) -> PeerAuthenticated {
        PeerAuthenticated { _private: () }
    }
}

fn id_body(id: &Identification) -> Option<Vec<u8>> {
    let p = IdPayload { id: id.clone() };
    let mut v = vec![0; p.buffer_len()];
    p.emit(&mut v).ok()?;
    Some(v)
}

/// RFC 7296 2.15 signed octets for our AUTH (`ours`) or the peer's: the sender's IKE_SA_INIT
/// message, the other side's nonce and prf(SK_p, the sender's ID payload body).
fn octets(sa: &IkeSa, ours: bool, id: &Identification) -> Option<Vec<u8>> {
    let k = sa.keys.as_ref()?;
    let prf = k.suite.prf;
    let (msg, nonce, sk_p) = if sa.initiator == ours {
        (&sa.init_req, &sa.nr, &k.keys.sk_pi)
    } else {
        (&sa.init_resp, &sa.ni, &k.keys.sk_pr)
    };
    Some(signed_octets(prf, msg, nonce, sk_p, &id_body(id)?))
}

/// Our AUTH payload: the PSK MIC (RFC 7296 2.15) or a certificate signature (3.8, RFC 7427).
fn our_auth(cfg: &ConnectionConfig, sa: &IkeSa) -> Result<AuthPayload, String> {
    let so = octets(sa, true, &cfg.local_id).ok_or("no keys")?;
    match &cfg.cert {
        Some(c) => {
            let peer_init = if sa.initiator {
                &sa.init_resp
            } else {
                &sa.init_req
            };
            auth_sig::our_auth(c, &so, &auth_sig::peer_hash_algorithms(peer_init))
        }
        None => {
            let prf = sa.keys.as_ref().ok_or("no keys")?.suite.prf;
            Ok(AuthPayload::Other {
                method: AuthMethod::SHARED_KEY_MIC,
                data: psk_auth(prf, &cfg.psk, &so).expose().to_vec(),
            })
        }
    }
}

/// Checks the peer's identity and AUTH; the token is the only road to `Established`.
fn verify_peer(
    ctx: &Ctx<'_>,
    sa: &IkeSa,
    id: &Identification,
    auth: &AuthPayload,
    certs: &[&CertPayload],
) -> Result<PeerAuthenticated, String> {
    let so = octets(sa, false, id).ok_or("bad peer ID")?;
    if let Some(c) = &ctx.cfg.cert {
        auth_sig::verify_peer(c, certs, id, ctx.cfg.remote_id.as_ref(), auth, &so)
            .map_err(|why| format!("AUTHENTICATION_FAILED: {why}"))?;
        return Ok(PeerAuthenticated { _private: () });
    }
    if let Some(want) = &ctx.cfg.remote_id {
        if want != id {
            return Err(format!(
                "AUTHENTICATION_FAILED: peer identity {id:?} does not match the configured remote_id {want:?}"
            ));
        }
    }
    let AuthPayload::Other { method, data } = auth else {
        return Err(
            "AUTHENTICATION_FAILED: peer uses certificate authentication (AUTH method 14), \
             this tunnel is configured for a PSK"
                .into(),
        );
    };
    if *method != AuthMethod::SHARED_KEY_MIC {
        return Err(format!(
            "AUTHENTICATION_FAILED: peer uses certificate authentication (AUTH method {}), \
             this tunnel is configured for a PSK",
            method.0
        ));
    }
    let prf = sa.keys.as_ref().ok_or("no keys")?.suite.prf;
    verify_psk_auth(prf, &ctx.cfg.psk, &so, data).map_err(|_| {
        "AUTHENTICATION_FAILED: authentication failed, the peer's PSK AUTH value does not \
             verify (the two sides hold different PSKs)"
            .to_string()
    })?;
    Ok(PeerAuthenticated { _private: () })
}

fn certs_of(payloads: &[Payload]) -> Vec<&CertPayload> {
    payloads
        .iter()
        .filter_map(|p| match p {
            Payload::Cert(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn established(ctx: &mut Ctx<'_>, sa: &mut IkeSa, proof: PeerAuthenticated) {
    sa.phase = Phase::Established(Established::new(proof));
    sa.rekey_at = Some(ike_rekey_time(ctx));
    if sa.nat_local {
        sa.keepalive_at = Some(ctx.now + super::dpd::KEEPALIVE);
    }
    if let Some(p) = sa.prop {
        ctx.event(Event::IkeSaEstablished {
            tunnel: ctx.cfg.tunnel,
            spi_i: sa.spi_i,
            spi_r: sa.spi_r,
            initiator: sa.initiator,
            suite: ike_info(&p),
            local: sa.local,
            remote: sa.remote,
            nat_detected: sa.nat_detected,
        });
    }
}

/// Initiator: sends IKE_AUTH with IDi, [IDr], AUTH, SAi2, TSi, TSr.
pub fn start(ctx: &mut Ctx<'_>, sa: &mut IkeSa) -> Outcome {
    let cfg = ctx.cfg;
    let Some(spi) = ctx.spis.allocate(sa.remote.ip(), sa.local.ip()) else {
        ctx.fail("no inbound SPI available".into());
        return Outcome::Close(CloseReason::Failed);
    };
    let auth = match our_auth(cfg, sa) {
        Ok(a) => a,
        Err(why) => {
            ctx.fail(why);
            return Outcome::Close(CloseReason::Failed);
        }
    };
    let mut p = vec![Payload::IdI(IdPayload {
        id: cfg.local_id.clone(),
    })];
    if let Some(c) = &cfg.cert {
        // RFC 7296 1.2: SK {IDi, [CERT,] [CERTREQ,] [IDr,] AUTH, SAi2, TSi, TSr}.
        p.extend(auth_sig::cert_payloads(c));
        p.extend(auth_sig::certreq_payload(c));
    }
    if let (true, Some(r)) = (cfg.send_idr, &cfg.remote_id) {
        p.push(Payload::IdR(IdPayload { id: r.clone() }));
    }
    p.push(Payload::Auth(auth));
    p.push(Payload::Sa(esp_offer(&cfg.esp_proposals, spi, false)));
    p.push(Payload::TsI(TsPayload {
        selectors: cfg.local_ts.clone(),
    }));
    p.push(Payload::TsR(TsPayload {
        selectors: cfg.remote_ts.clone(),
    }));
    if !ctx.request(
        sa,
        ExchangeType::IKE_AUTH,
        p,
        Pending::Auth { child_spi: spi },
    ) {
        return Outcome::Close(CloseReason::Failed);
    }
    Outcome::Keep
}

fn auth_failed(ctx: &mut Ctx<'_>, sa: &mut IkeSa, msg_id: u32, why: String) -> Outcome {
    ctx.fail(why);
    let n = Payload::Notify(NotifyPayload::new(
        NotifyType::AUTHENTICATION_FAILED,
        vec![],
    ));
    ctx.respond(sa, ExchangeType::IKE_AUTH, msg_id, vec![n]);
    Outcome::Close(CloseReason::Failed)
}

/// Responder: verifies the initiator and answers with IDr, AUTH and the first Child SA.
pub fn respond(ctx: &mut Ctx<'_>, sa: &mut IkeSa, msg_id: u32, payloads: &[Payload]) -> Outcome {
    let cfg = ctx.cfg;
    let (mut idi, mut idr, mut auth, mut offer, mut tsi, mut tsr) =
        (None, None, None, None, None, None);
    for p in payloads {
        match p {
            Payload::IdI(x) => idi = Some(&x.id),
            Payload::IdR(x) => idr = Some(&x.id),
            Payload::Auth(x) => auth = Some(x),
            Payload::Sa(x) => offer = Some(x),
            Payload::TsI(x) => tsi = Some(&x.selectors),
            Payload::TsR(x) => tsr = Some(&x.selectors),
            _ => {}
        }
    }
    let (Some(idi), Some(auth), Some(offer), Some(tsi), Some(tsr)) = (idi, auth, offer, tsi, tsr)
    else {
        return auth_failed(
            ctx,
            sa,
            msg_id,
            "IKE_AUTH request lacks a required payload".into(),
        );
    };
    if idr.is_some_and(|r| *r != cfg.local_id) {
        return auth_failed(
            ctx,
            sa,
            msg_id,
            "AUTHENTICATION_FAILED: IDr names another identity than ours".into(),
        );
    }
    let proof = match verify_peer(ctx, sa, idi, auth, &certs_of(payloads)) {
        Ok(p) => p,
        Err(why) => return auth_failed(ctx, sa, msg_id, why),
    };
    let our = match our_auth(cfg, sa) {
        Ok(a) => a,
        Err(why) => return auth_failed(ctx, sa, msg_id, why),
    };
    established(ctx, sa, proof);
    let mut p = vec![Payload::IdR(IdPayload {
        id: cfg.local_id.clone(),
    })];
    if let Some(c) = &cfg.cert {
        // RFC 7296 1.2: SK {IDr, [CERT,] AUTH, SAr2, TSi, TSr}.
        p.extend(auth_sig::cert_payloads(c));
    }
    p.push(Payload::Auth(our));
    // RFC 7296 1.3.1: transport mode is not supported, so USE_TRANSPORT_MODE is not echoed
    // and the Child SA is tunnel mode. The nonces of IKE_SA_INIT key the first Child SA (2.17).
    let (ni, nr) = (sa.ni.clone(), sa.nr.clone());
    match respond_child(ctx, sa, offer, tsi, tsr, &ni, &nr, None, false) {
        Ok((child_payloads, child)) => {
            p.extend(child_payloads);
            sa.children.push(child);
        }
        Err(n) => p.push(Payload::Notify(n)),
    }
    ctx.respond(sa, ExchangeType::IKE_AUTH, msg_id, p);
    Outcome::Keep
}

fn cfg_cert(ctx: &Ctx<'_>) -> bool {
    ctx.cfg.cert.is_some()
}

/// Initiator: verifies the responder and installs the first Child SA.
pub fn handle_response(
    ctx: &mut Ctx<'_>,
    sa: &mut IkeSa,
    payloads: &[Payload],
    child_spi: u32,
) -> Outcome {
    let idr = payloads.iter().find_map(|p| match p {
        Payload::IdR(x) => Some(&x.id),
        _ => None,
    });
    let auth = payloads.iter().find_map(|p| match p {
        Payload::Auth(a) => Some(a),
        _ => None,
    });
    let (Some(idr), Some(auth)) = (idr, auth) else {
        let e = error_notify(payloads);
        if e == Some(NotifyType::AUTHENTICATION_FAILED) {
            // RFC 7296 2.21.2: the responder rejected our AUTH (PSK, certificate or identity).
            ctx.fail(if cfg_cert(ctx) {
                "AUTHENTICATION_FAILED: authentication failed, the peer rejected our AUTH \
                 (check that it trusts our CA and expects the ID our certificate names)"
                    .into()
            } else {
                "AUTHENTICATION_FAILED: authentication failed, the peer rejected our AUTH \
                 (check that both sides use the same PSK and the IDs each expects)"
                    .into()
            });
        } else {
            let e = e
                .and_then(|e| e.name())
                .unwrap_or("a response without IDr/AUTH");
            ctx.fail(format!("peer answered IKE_AUTH with {e}"));
        }
        return Outcome::Close(CloseReason::Failed);
    };
    let proof = match verify_peer(ctx, sa, idr, auth, &certs_of(payloads)) {
        Ok(p) => p,
        Err(why) => {
            ctx.fail(why);
            // RFC 7296 2.21.2: an initiator-side failure MAY be reported in a separate
            // INFORMATIONAL exchange.
            let n = Payload::Notify(NotifyPayload::new(
                NotifyType::AUTHENTICATION_FAILED,
                vec![],
            ));
            ctx.request(sa, ExchangeType::INFORMATIONAL, vec![n], Pending::Notify);
            return Outcome::Close(CloseReason::Failed);
        }
    };
    established(ctx, sa, proof);
    if notify(payloads, NotifyType::USE_TRANSPORT_MODE).is_some() {
        // We never request transport mode; the responder cannot impose it (RFC 7296 1.3.1).
        ctx.fail("responder sent USE_TRANSPORT_MODE unasked; Child SA not installed".into());
        return Outcome::Keep;
    }
    let (ni, nr) = (sa.ni.clone(), sa.nr.clone());
    if let Some(c) = accept_child(ctx, sa, payloads, child_spi, &ni, &nr, None, false) {
        sa.children.push(c);
    }
    Outcome::Keep
}
