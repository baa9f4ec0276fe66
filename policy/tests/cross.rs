//! Cross-object checks (REQUIREMENTS §16.5, §18 #1, #56): duplicate tunnel names and outside
//! pairs, interface-name collisions, and CIDR conflicts between local and remote networks,
//! between connections with transit on, and between inside CIDRs. Messages name both sides.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{bad, ok, one, BASE};

/// BASE plus a second connection `north` with the given remote networks.
fn two_conns(transit: bool, north_remote: &str) -> String {
    let mut s = BASE.replace(
        "networks: [10.1.0.0/16]",
        &format!("networks: [10.1.0.0/16]\n  transit: {transit}"),
    );
    s.push_str(&format!(
        "  north:
    remote_networks: [{north_remote}]
    tunnels:
      - name: t1
        local: 192.0.2.1
        remote: 203.0.113.1
        inside: 169.254.20.0/30
        auth: {{ psk_file: /n.psk }}
"
    ));
    s
}

#[test]
fn duplicate_tunnel_names_in_a_connection() {
    let text = one(
        &BASE.replace("name: t2", "name: t1"),
        "connections.east.tunnels[1].name",
    );
    assert!(
        text.contains("tunnel name t1 is already used by connections.east.tunnels[0]"),
        "{text}"
    );
    // The same tunnel name in different connections is fine.
    ok(&two_conns(false, "10.3.0.0/16"));
}

#[test]
fn local_and_remote_networks_must_not_overlap() {
    let text = one(
        &BASE.replace(
            "remote_networks: [10.2.0.0/16]",
            "remote_networks: [10.2.0.0/16, 10.1.4.0/24]",
        ),
        "connections.east.remote_networks[1]",
    );
    assert!(
        text.contains(
            "remote network 10.1.4.0/24 overlaps local network 10.1.0.0/16 (site.networks[0])"
        ),
        "{text}"
    );
    assert!(text.starts_with("test.yaml:10:36:"), "{text}");
}

#[test]
fn remote_networks_of_connections_conflict_only_with_transit() {
    ok(&two_conns(false, "10.2.128.0/17"));
    let text = one(
        &two_conns(true, "10.2.128.0/17"),
        "connections.north.remote_networks[0]",
    );
    assert!(
        text.contains("remote network 10.2.128.0/17 overlaps 10.2.0.0/16 of connection east (connections.east.remote_networks[0]) while site.transit is on"),
        "{text}"
    );
    ok(&two_conns(true, "10.3.0.0/16"));
    // Order in the file does not matter: the wider network may come second.
    let d = bad(&two_conns(true, "10.2.0.0/15"));
    assert_eq!(d.len(), 1, "{d}");
    assert!(
        d.0[0].message.contains("10.2.0.0/16") && d.0[0].message.contains("10.2.0.0/15"),
        "{d}"
    );
}

#[test]
fn inside_cidrs_must_not_overlap() {
    let text = one(
        &BASE.replace("169.254.11.0/30", "169.254.10.0/30"),
        "connections.east.tunnels[1].inside",
    );
    assert!(text.contains("inside CIDR 169.254.10.0/30 overlaps 169.254.10.0/30 of connections.east.tunnels[0].inside"), "{text}");
    let d = bad(&two_conns(false, "10.3.0.0/16").replace("169.254.20.0/30", "169.254.11.0/30"));
    assert_eq!(d.len(), 1, "{d}");
    assert!(d.0[0].message.contains("connections."), "{d}");
}

#[test]
fn outside_pairs_are_unique() {
    let src = BASE
        .replace("local: 192.0.2.2", "local: 192.0.2.1")
        .replace("remote: 198.51.100.2", "remote: 198.51.100.1");
    let text = one(&src, "connections.east.tunnels[1].remote");
    assert!(
        text.contains(
            "outside pair 192.0.2.1 -> 198.51.100.1 is already used by connections.east.tunnels[0]"
        ),
        "{text}"
    );
    // One local address for many peers is fine (REQUIREMENTS §18 #50).
    ok(&BASE.replace("local: 192.0.2.2", "local: 192.0.2.1"));
}

#[test]
fn truncated_interface_names_must_differ() {
    let src = BASE
        .replace("  east:", "  eastern-region-a:")
        .replace("name: t1", "name: tun1")
        .replace("name: t2", "name: tun2");
    // xfrm-eastern-region-a-tun1 and ...-tun2 both cut to "xfrm-eastern-re".
    let text = one(&src, "connections.eastern-region-a.tunnels[1].name");
    assert!(text.contains("interface name xfrm-eastern-re"), "{text}");
    assert!(
        text.contains("connections.eastern-region-a.tunnels[0]"),
        "{text}"
    );
}

#[test]
fn policy_mode_has_no_transit_and_needs_local_networks() {
    ok(&BASE.replace("    tunnels:", "    mode: policy\n    tunnels:"));
    let src = BASE
        .replace(
            "networks: [10.1.0.0/16]",
            "networks: [10.1.0.0/16]\n  transit: true",
        )
        .replace("    tunnels:", "    mode: policy\n    tunnels:");
    one(&src, "connections.east.mode");
    let src = BASE
        .replace("  networks: [10.1.0.0/16]\n", "")
        .replace("    tunnels:", "    mode: policy\n    tunnels:");
    let text = one(&src, "connections.east.mode");
    assert!(text.contains("needs site.networks"), "{text}");
}

#[test]
fn all_problems_are_collected_in_one_pass() {
    let src = BASE
        .replace("name: t2", "name: t1")
        .replace("169.254.11.0/30", "169.254.10.0/30")
        .replace("#T1", "dpd_timeout: 5\n        weight: 0")
        .replace("Secret.value_2", "0bad");
    let d = bad(&src);
    let paths: Vec<&str> = d.iter().map(|x| x.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "connections.east.tunnels[0].dpd_timeout",
            "connections.east.tunnels[0].weight",
            "connections.east.tunnels[1].name",
            "connections.east.tunnels[1].inside",
            "connections.east.tunnels[1].auth.psk",
        ],
        "{d}"
    );
    let lines: Vec<u32> = d.iter().map(|x| x.line).collect();
    assert_eq!(lines, [15, 16, 19, 22, 23], "{d}");
}

#[test]
fn networks_inside_one_list_do_not_overlap() {
    let text = one(
        &BASE.replace(
            "remote_networks: [10.2.0.0/16]",
            "remote_networks: [10.2.0.0/16, 10.2.3.0/24]",
        ),
        "connections.east.remote_networks[1]",
    );
    assert!(
        text.contains(
            "10.2.3.0/24 overlaps 10.2.0.0/16 listed at connections.east.remote_networks[0]"
        ),
        "{text}"
    );
    one(
        &BASE.replace(
            "networks: [10.1.0.0/16]",
            "networks: [10.1.0.0/16, 10.1.0.0/16]",
        ),
        "site.networks[1]",
    );
}
