//! Proptest strategies for every IKEv1 `Repr` (test builds only).
//!
//! Generated values are always encodable (lengths within their fields) so round-trip
//! properties can assert `parse(emit(x)) == x`. Never compiled into the library.

use proptest::collection::vec;
use proptest::prelude::*;

use super::attr::Attribute;
use super::cert::{CertRepr, CertReqRepr};
use super::data::{HashRepr, KeRepr, NatDRepr, NonceRepr, SigRepr};
use super::delete::DeleteRepr;
use super::header::{Flags, HeaderRepr};
use super::id::{IdRepr, Identification, NatOaRepr};
use super::message::Message;
use super::notify::NotifyRepr;
use super::payload::Payload;
use super::registry::{CertEncoding, Doi, ExchangeType, IdType, NotifyType, PayloadType};
use super::registry::{ProtocolId, TransformId};
use super::sa::{ProposalRepr, SaRepr, TransformRepr};
use super::vendor::VendorIdRepr;

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..max)
}

pub(crate) fn attribute() -> impl Strategy<Value = Attribute> {
    prop_oneof![
        (0u16..0x8000, any::<u16>()).prop_map(|(t, v)| Attribute::basic(t, v)),
        (0u16..0x8000, bytes(24)).prop_map(|(t, v)| Attribute::variable(t, v)),
    ]
}

pub(crate) fn transform() -> impl Strategy<Value = TransformRepr> {
    (any::<u8>(), any::<u8>(), vec(attribute(), 0..5)).prop_map(|(number, id, attributes)| {
        TransformRepr {
            number,
            transform_id: TransformId(id),
            attributes,
        }
    })
}

pub(crate) fn proposal() -> impl Strategy<Value = ProposalRepr> {
    (any::<u8>(), any::<u8>(), bytes(17), vec(transform(), 0..4)).prop_map(
        |(number, proto, spi, transforms)| ProposalRepr {
            number,
            protocol_id: ProtocolId(proto),
            spi,
            transforms,
        },
    )
}

pub(crate) fn sa() -> impl Strategy<Value = SaRepr> {
    // IPsec DOI without the (unsupported) labeled situations, or any other DOI.
    let doi_sit = prop_oneof![
        (Just(Doi::IPSEC), any::<u32>().prop_map(|s| s & !0x06)),
        (
            any::<u32>()
                .prop_filter("not IPSEC", |d| *d != 1)
                .prop_map(Doi),
            any::<u32>()
        ),
    ];
    (doi_sit, vec(proposal(), 1..4)).prop_map(|((doi, situation), proposals)| SaRepr {
        doi,
        situation,
        proposals,
    })
}

pub(crate) fn notify() -> impl Strategy<Value = NotifyRepr> {
    (
        any::<u32>(),
        any::<u8>(),
        bytes(17),
        any::<u16>(),
        bytes(24),
    )
        .prop_map(|(doi, proto, spi, ty, data)| NotifyRepr {
            doi: Doi(doi),
            protocol_id: ProtocolId(proto),
            spi,
            notify_type: NotifyType(ty),
            data,
        })
}

pub(crate) fn delete() -> impl Strategy<Value = DeleteRepr> {
    (any::<u32>(), any::<u8>(), 1u8..=16, 0usize..5).prop_flat_map(|(doi, proto, size, n)| {
        vec(vec(any::<u8>(), usize::from(size)), n).prop_map(move |spis| DeleteRepr {
            doi: Doi(doi),
            protocol_id: ProtocolId(proto),
            spi_size: size,
            spis,
        })
    })
}

fn v4() -> impl Strategy<Value = std::net::Ipv4Addr> {
    any::<[u8; 4]>().prop_map(Into::into)
}

fn v6() -> impl Strategy<Value = std::net::Ipv6Addr> {
    any::<[u8; 16]>().prop_map(Into::into)
}

pub(crate) fn identification() -> impl Strategy<Value = Identification> {
    prop_oneof![
        v4().prop_map(Identification::Ipv4),
        v6().prop_map(Identification::Ipv6),
        (v4(), v4()).prop_map(|(a, b)| Identification::Ipv4Subnet(a, b)),
        (v6(), v6()).prop_map(|(a, b)| Identification::Ipv6Subnet(a, b)),
        (v4(), v4()).prop_map(|(a, b)| Identification::Ipv4Range(a, b)),
        (v6(), v6()).prop_map(|(a, b)| Identification::Ipv6Range(a, b)),
        bytes(32).prop_map(Identification::Fqdn),
        bytes(32).prop_map(Identification::UserFqdn),
        bytes(32).prop_map(Identification::DerAsn1Dn),
        bytes(32).prop_map(Identification::DerAsn1Gn),
        bytes(32).prop_map(Identification::KeyId),
        (prop_oneof![Just(0u8), 12u8..=255], bytes(32)).prop_map(|(t, data)| {
            Identification::Other {
                id_type: IdType(t),
                data,
            }
        }),
    ]
}

pub(crate) fn id() -> impl Strategy<Value = IdRepr> {
    (any::<u8>(), any::<u16>(), identification()).prop_map(|(protocol_id, port, id)| IdRepr {
        protocol_id,
        port,
        id,
    })
}

pub(crate) fn nat_oa() -> impl Strategy<Value = NatOaRepr> {
    prop_oneof![
        v4().prop_map(|a| NatOaRepr { addr: a.into() }),
        v6().prop_map(|a| NatOaRepr { addr: a.into() }),
    ]
}

fn unknown_type() -> impl Strategy<Value = PayloadType> {
    any::<u8>()
        .prop_filter("unknown type", |t| matches!(*t, 14..=19 | 22..=255))
        .prop_map(PayloadType)
}

pub(crate) fn payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        sa().prop_map(Payload::Sa),
        bytes(64).prop_map(|data| Payload::Ke(KeRepr { data })),
        id().prop_map(Payload::Id),
        (any::<u8>(), bytes(32)).prop_map(|(e, data)| Payload::Cert(CertRepr {
            encoding: CertEncoding(e),
            data
        })),
        (any::<u8>(), bytes(32)).prop_map(|(e, authority)| Payload::CertReq(CertReqRepr {
            cert_type: CertEncoding(e),
            authority
        })),
        bytes(32).prop_map(|data| Payload::Hash(HashRepr { data })),
        bytes(32).prop_map(|data| Payload::Sig(SigRepr { data })),
        vec(any::<u8>(), 8..40).prop_map(|data| Payload::Nonce(NonceRepr { data })),
        notify().prop_map(Payload::Notify),
        delete().prop_map(Payload::Delete),
        bytes(20).prop_map(|data| Payload::VendorId(VendorIdRepr { data })),
        bytes(20).prop_map(|data| Payload::NatD(NatDRepr { data })),
        nat_oa().prop_map(Payload::NatOa),
        (unknown_type(), bytes(16)).prop_map(|(ty, body)| Payload::Unknown { ty, body }),
    ]
}

pub(crate) fn header() -> impl Strategy<Value = HeaderRepr> {
    (
        any::<[u8; 8]>(),
        any::<[u8; 8]>(),
        0u8..16,
        any::<u8>(),
        any::<u8>(),
        any::<u32>(),
        any::<u8>(),
    )
        .prop_map(|(i, r, minor, ex, flags, mid, next)| HeaderRepr {
            initiator_cookie: i,
            responder_cookie: r,
            next_payload: PayloadType(next),
            major_version: 1,
            minor_version: minor,
            exchange_type: ExchangeType(ex),
            flags: Flags(flags),
            message_id: mid,
        })
}

pub(crate) fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (header(), vec(payload(), 0..5)).prop_map(|(h, p)| Message::plain(h, p)),
        (header(), bytes(64)).prop_map(|(h, c)| Message::encrypted(h, c)),
    ]
}
