//! The shipped JSON Schema (`policy/schema/site.schema.json`) must equal the one generated
//! from the raw types. To refresh it after changing `raw.rs`:
//! `XFRMD_REGEN_SCHEMA=1 cargo test -p policy --test schema`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

const SHIPPED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/site.schema.json");

#[test]
fn shipped_schema_matches_generated() {
    let generated = policy::schema_json();
    if std::env::var_os("XFRMD_REGEN_SCHEMA").is_some() {
        std::fs::write(SHIPPED, &generated).unwrap();
    }
    let shipped = std::fs::read_to_string(SHIPPED).unwrap_or_default();
    assert!(
        shipped == generated,
        "{SHIPPED} is stale: run XFRMD_REGEN_SCHEMA=1 cargo test -p policy --test schema"
    );
}

#[test]
fn schema_closes_every_object_and_lists_enums() {
    let v: serde_json::Value = serde_json::from_str(&policy::schema_json()).unwrap();
    assert_eq!(v["additionalProperties"], serde_json::json!(false));
    let defs = v["$defs"].as_object().unwrap();
    for name in [
        "RawSiteInfo",
        "RawDefaults",
        "RawConnection",
        "RawTunnel",
        "RawOptions",
        "RawAuth",
    ] {
        assert_eq!(
            defs[name]["additionalProperties"],
            serde_json::json!(false),
            "{name}"
        );
    }
    let tunnel = &defs["RawTunnel"];
    let required: Vec<&str> = tunnel["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x.as_str())
        .collect();
    for f in ["name", "local", "remote", "inside", "auth"] {
        assert!(required.contains(&f), "{f} not required: {required:?}");
    }
    assert!(tunnel["properties"]["dpd_timeout"]["description"]
        .as_str()
        .unwrap()
        .contains("default 40"));
    let text = serde_json::to_string(&defs["DpdAction"]).unwrap();
    for v in ["clear", "none", "restart"] {
        assert!(text.contains(v), "{text}");
    }
}

#[test]
fn schema_ranges_match_the_newtypes() {
    use policy::types::*;
    let v: serde_json::Value = serde_json::from_str(&policy::schema_json()).unwrap();
    let props = &v["$defs"]["RawOptions"]["properties"];
    for (field, min, max) in [
        ("dpd_timeout", DpdTimeout::MIN, DpdTimeout::MAX),
        ("phase1_lifetime", Phase1Lifetime::MIN, Phase1Lifetime::MAX),
        ("phase2_lifetime", Phase2Lifetime::MIN, Phase2Lifetime::MAX),
        ("rekey_margin", RekeyMargin::MIN, RekeyMargin::MAX),
        ("rekey_fuzz", RekeyFuzz::MIN, RekeyFuzz::MAX),
        ("replay_window", ReplayWindow::MIN, ReplayWindow::MAX),
        ("mtu", Mtu::MIN, Mtu::MAX),
        ("priority", Priority::MIN, Priority::MAX),
        ("weight", Weight::MIN, Weight::MAX),
        ("hold_down", HoldDown::MIN, HoldDown::MAX),
        ("probe_interval", ProbeInterval::MIN, ProbeInterval::MAX),
        ("probe_misses", ProbeMisses::MIN, ProbeMisses::MAX),
        ("probe_recover", ProbeRecover::MIN, ProbeRecover::MAX),
    ] {
        assert_eq!(props[field]["minimum"], serde_json::json!(min), "{field}");
        assert_eq!(props[field]["maximum"], serde_json::json!(max), "{field}");
    }
}
