//! Translation between `Policy`/`PolicyId` and netlink-packet-xfrm policy structures.
//!
//! Templates accept every algorithm (`aalgos/ealgos/calgos = ~0`, as `ip xfrm policy ...
//! tmpl` sends them; 0 would match no SA). Decoding skips socket policies (direction >= 3),
//! sub policies and unknown families, so those are never reconciled. No I/O here.

use netlink_packet_xfrm::constants::*;
use netlink_packet_xfrm::{
    Address as NlAddr, Id, UserPolicyId, UserPolicyInfo, UserTemplate, XfrmAttrs,
};

use super::xfrm_codec::{family, ip_from, mark_attr, mode_from, mode_num, sel_from_nl, sel_to_nl};
use crate::model::{Mark, Policy, PolicyAction, PolicyDir, PolicyId, Proto, Template};

pub(crate) fn dir_num(d: PolicyDir) -> u8 {
    match d {
        PolicyDir::In => XFRM_POLICY_IN,
        PolicyDir::Out => XFRM_POLICY_OUT,
        PolicyDir::Fwd => XFRM_POLICY_FWD,
    }
}

pub(crate) fn dir_from(n: u8) -> Option<PolicyDir> {
    match n {
        XFRM_POLICY_IN => Some(PolicyDir::In),
        XFRM_POLICY_OUT => Some(PolicyDir::Out),
        XFRM_POLICY_FWD => Some(PolicyDir::Fwd),
        _ => None,
    }
}

fn policy_id_attrs(mark: &Option<Mark>, if_id: Option<u32>) -> Vec<XfrmAttrs> {
    let mut nlas = Vec::new();
    mark_attr(mark, &mut nlas);
    if let Some(i) = if_id {
        nlas.push(XfrmAttrs::IfId(i));
    }
    nlas
}

/// XFRM_MSG_NEWPOLICY / UPDPOLICY body.
pub(crate) fn policy_to_nl(p: &Policy) -> (UserPolicyInfo, Vec<XfrmAttrs>) {
    let info = UserPolicyInfo {
        selector: sel_to_nl(&p.selector),
        priority: p.priority,
        direction: dir_num(p.dir),
        action: match p.action {
            PolicyAction::Allow => XFRM_POLICY_ALLOW,
            PolicyAction::Block => XFRM_POLICY_BLOCK,
        },
        ..UserPolicyInfo::default()
    };
    let mut nlas = policy_id_attrs(&p.mark, p.if_id);
    if !p.templates.is_empty() {
        let tmpls = p.templates.iter().map(template_to_nl).collect();
        nlas.push(XfrmAttrs::Template(tmpls));
    }
    (info, nlas)
}

fn template_to_nl(t: &Template) -> UserTemplate {
    UserTemplate {
        id: Id {
            daddr: NlAddr::from_ip(&t.dst),
            spi: t.spi,
            proto: t.proto.number(),
        },
        family: family(&t.dst),
        saddr: NlAddr::from_ip(&t.src),
        reqid: t.reqid,
        mode: mode_num(t.mode),
        share: XFRM_SHARE_ANY,
        optional: u8::from(t.optional),
        // Any algorithm (what `ip xfrm policy ... tmpl` sends); 0 would match no SA.
        aalgos: u32::MAX,
        ealgos: u32::MAX,
        calgos: u32::MAX,
    }
}

/// Decodes one policy; `None` for socket policies, sub policies and unknown families.
pub(crate) fn policy_from_nl(info: &UserPolicyInfo, nlas: &[XfrmAttrs]) -> Option<Policy> {
    let dir = dir_from(info.direction)?;
    let mut p = Policy {
        selector: sel_from_nl(&info.selector)?,
        dir,
        priority: info.priority,
        action: if info.action == XFRM_POLICY_BLOCK {
            PolicyAction::Block
        } else {
            PolicyAction::Allow
        },
        templates: Vec::new(),
        if_id: None,
        mark: None,
    };
    for a in nlas {
        match a {
            XfrmAttrs::Template(ts) => {
                for t in ts {
                    p.templates.push(Template {
                        src: ip_from(&t.saddr, t.family)?,
                        dst: ip_from(&t.id.daddr, t.family)?,
                        proto: Proto::from_number(t.id.proto)?,
                        mode: mode_from(t.mode)?,
                        reqid: t.reqid,
                        spi: t.id.spi,
                        optional: t.optional != 0,
                    });
                }
            }
            XfrmAttrs::IfId(i) => p.if_id = Some(*i),
            XfrmAttrs::Mark(m) if m.mask != 0 || m.value != 0 => {
                p.mark = Some(Mark {
                    value: m.value,
                    mask: m.mask,
                })
            }
            XfrmAttrs::PolicyType(t) if t.ptype != XFRM_POLICY_TYPE_MAIN => return None,
            _ => {}
        }
    }
    Some(p)
}

/// XFRM_MSG_DELPOLICY / GETPOLICY body.
pub(crate) fn policy_id_to_nl(id: &PolicyId) -> (UserPolicyId, Vec<XfrmAttrs>) {
    let upi = UserPolicyId {
        selector: sel_to_nl(&id.selector),
        index: 0,
        direction: dir_num(id.dir),
    };
    (upi, policy_id_attrs(&id.mark, id.if_id))
}
