//! Plan-time checks of `dmslink_peering`, each a diagnostic on the attribute, before any AWS call.
//! Values may be unknown at plan time (another resource's output): every check skips them.
//! (Overlapping CIDRs need the two VPCs read from AWS, so they are checked in the plan, not here.)

use std::collections::BTreeSet;

use crate::engine::Value;
use crate::engine::diag::{AttrPath, Diagnostics};
use crate::engine::model::{self, Unknowable};
use crate::provider_config::{check_external_id, check_region, check_role_arn, check_session_name};

use super::model::PlanArgs;

/// `<prefix>-` followed by 8 or 17 lower-case hex digits, as EC2 ids are.
pub fn check_id(s: &str, prefix: &str, what: &str) -> Result<(), String> {
    let ok = s.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')).is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17) && hex.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
    });
    if ok { Ok(()) } else { Err(format!("{s:?} is not the ID of {what} (\"{prefix}-\" and 8 or 17 hex digits).")) }
}

pub fn id_attr(v: &Value, path: &AttrPath, diags: &mut Diagnostics, prefix: &str, what: &str) {
    if let Some(s) = v.as_str()
        && let Err(why) = check_id(s, prefix, what)
    {
        diags.error_at(path.clone(), "Invalid ID", why);
    }
}

/// Each known element of a set of ids (a set has no element index, so the path is the attribute).
pub fn id_set_attr(v: &Value, path: &AttrPath, diags: &mut Diagnostics, prefix: &str, what: &str) {
    for e in v.as_elements().unwrap_or_default() {
        id_attr(e, path, diags, prefix, what);
    }
}

pub fn account_id_attr(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if let Some(s) = v.as_str()
        && !(s.len() == 12 && s.bytes().all(|c| c.is_ascii_digit()))
    {
        diags.error_at(path.clone(), "Invalid account ID", format!("{s:?} is not an AWS account ID (12 digits)."));
    }
}

fn check_str(v: &Value, path: &AttrPath, diags: &mut Diagnostics, summary: &str, f: fn(&str) -> Result<(), String>) {
    if let Some(s) = v.as_str()
        && let Err(why) = f(s)
    {
        diags.error_at(path.clone(), summary, why);
    }
}

pub fn region_attr(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    check_str(v, path, diags, "Invalid region", check_region);
}

pub fn role_arn_attr(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    check_str(v, path, diags, "Invalid role ARN", check_role_arn);
}

pub fn external_id_attr(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    check_str(v, path, diags, "Invalid external ID", check_external_id);
}

pub fn session_name_attr(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    check_str(v, path, diags, "Invalid session name", check_session_name);
}

/// Each port listed once (whole numbers from 1 to 65535 are the schema's `whole_range`).
pub fn ports_attr(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    let mut seen = BTreeSet::new();
    for (i, p) in v.as_elements().unwrap_or_default().iter().enumerate() {
        if let Some(port) = p.as_i64()
            && !seen.insert(port)
        {
            diags.error_at(
                path.then_index(i),
                "Duplicate port",
                format!("Port {port} is listed more than once in ports; list each port once."),
            );
        }
    }
}

/// Checks across attributes (the per-attribute ones run from the schema's validators).
pub fn validate_config(config: &Value, diags: &mut Diagnostics) {
    // A configuration that is null or wholly unknown has nothing to cross-check yet.
    let args = match model::from_value::<Unknowable<PlanArgs>>(config) {
        Ok(Unknowable::Known(a)) => a,
        Ok(_) => return,
        Err(e) => return diags.push(e.into()),
    };
    if let (Some(a), Some(b)) = (args.vpc_id.known(), args.peer_vpc_id.known())
        && a == b
    {
        diags.error_at(
            AttrPath::attr("peer_vpc_id"),
            "A VPC cannot peer with itself",
            format!("vpc_id and peer_vpc_id are both {a:?}: peer_vpc_id is the application VPC, vpc_id the DMS VPC."),
        );
    }
    if args.accepter.known().is_some_and(|a| a.assume_role_arn.is_null()) {
        diags.error_at(
            AttrPath::attr("accepter").then_attr("assume_role_arn"),
            "Missing assume_role_arn",
            "An accepter block needs assume_role_arn: the role in the DMS VPC's account that accepts the peering.",
        );
    }
    let has_ports = args.ports.is_unknown() || args.ports.known().is_some_and(|p| !p.is_empty());
    if has_ports && args.security_group_id.is_null() {
        diags.error_at(
            AttrPath::attr("ports"),
            "ports without security_group_id",
            "ports are opened on security_group_id (the DMS VPC's security group); set it or remove ports.",
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::engine::value::Number;
    use crate::resources::peering::schema::schema;

    const VPC_A: &str = "vpc-0123456789abcdef0";
    const VPC_B: &str = "vpc-0fedcba9876543210";

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut cfg = Value::null_object(&schema().value_type());
        for (k, v) in pairs {
            cfg.set(k, v.clone());
        }
        cfg
    }

    fn strings(items: &[&str]) -> Value {
        Value::Set(items.iter().map(|s| Value::string(*s)).collect())
    }

    fn ports(items: &[f64]) -> Value {
        Value::List(items.iter().map(|p| Value::Number(Number::from_f64(*p))).collect())
    }

    /// Every check, per attribute and across attributes, as the engine runs them.
    fn diagnose(cfg: &Value) -> Vec<(String, String)> {
        let mut d = Diagnostics::new();
        crate::engine::validate::validate_block(&schema().block, cfg, &AttrPath::root(), &mut d);
        validate_config(cfg, &mut d);
        d.iter().map(|x| (format!("{:?}", x.path), x.summary.clone())).collect()
    }

    fn base() -> Vec<(&'static str, Value)> {
        vec![("vpc_id", Value::string(VPC_A)), ("peer_vpc_id", Value::string(VPC_B))]
    }

    #[test]
    fn a_plain_config_and_unknowns_pass() {
        assert!(diagnose(&config(&base())).is_empty());
        let mut all = base();
        all.extend([
            ("security_group_id", Value::string("sg-0123456789abcdef0")),
            ("ports", ports(&[5432.0, 1521.0])),
            ("route_table_ids", strings(&["rtb-01234567"])),
            ("peer_owner_id", Value::string("111111111111")),
            ("peer_region", Value::string("eu-west-1")),
        ]);
        assert!(diagnose(&config(&all)).is_empty(), "{:?}", diagnose(&config(&all)));
        let unknown = config(&[
            ("vpc_id", Value::Unknown),
            ("peer_vpc_id", Value::Unknown),
            ("ports", Value::Unknown),
            ("security_group_id", Value::Unknown),
        ]);
        assert!(diagnose(&unknown).is_empty());
    }

    #[test]
    fn same_vpc_twice_is_refused_at_peer_vpc_id() {
        let d = diagnose(&config(&[("vpc_id", Value::string(VPC_A)), ("peer_vpc_id", Value::string(VPC_A))]));
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].0.contains("peer_vpc_id") && d[0].1.contains("itself"), "{d:?}");
    }

    #[test]
    fn ports_out_of_range_fractional_or_repeated_are_refused_per_element() {
        let mut c = base();
        c.push(("security_group_id", Value::string("sg-01234567")));
        c.push(("ports", ports(&[0.0, 5432.0, 65536.0, 5432.0, 22.5])));
        let d = diagnose(&config(&c));
        let summaries: Vec<&str> = d.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(
            summaries,
            ["Number out of range", "Number out of range", "Not a whole number", "Duplicate port"],
            "{d:?}"
        );
        assert!(d[0].0.contains("Index(0)") && d[2].0.contains("Index(4)") && d[3].0.contains("Index(3)"), "{d:?}");
    }

    #[test]
    fn ports_need_a_security_group() {
        let mut c = base();
        c.push(("ports", ports(&[5432.0])));
        let d = diagnose(&config(&c));
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].0.contains("ports") && d[0].1.contains("security_group_id"), "{d:?}");
    }

    #[test]
    fn accepter_needs_a_well_formed_role_arn() {
        let block = |arn: Value| {
            Value::Object(
                [("assume_role_arn", arn), ("external_id", Value::Null), ("session_name", Value::string("x"))]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            )
        };
        let mut c = base();
        c.push(("accepter", block(Value::Null)));
        let d = diagnose(&config(&c));
        // No role, and a session name too short for STS.
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d.iter().any(|(p, s)| p.contains("assume_role_arn") && s == "Missing assume_role_arn"), "{d:?}");
        assert!(d.iter().any(|(p, _)| p.contains("session_name")), "{d:?}");
        c.pop();
        c.push(("accepter", block(Value::string("arn:aws:iam::1111:role/x"))));
        let d = diagnose(&config(&c));
        assert!(d.iter().any(|(p, s)| p.contains("assume_role_arn") && s == "Invalid role ARN"), "{d:?}");
        c.pop();
        c.push(("accepter", block(Value::string("arn:aws:iam::111111111111:role/peer-accepter"))));
        assert_eq!(diagnose(&config(&c)).len(), 1, "only the session name");
    }

    #[test]
    fn malformed_ids_account_and_region_are_refused() {
        let c = config(&[
            ("vpc_id", Value::string("vpc-xyz")),
            ("peer_vpc_id", Value::string("subnet-01234567")),
            ("route_table_ids", strings(&["rtb-01234567", "rtb-nothex!!"])),
            ("peer_route_table_ids", strings(&["vpc-01234567"])),
            ("security_group_id", Value::string("sg-123")),
            ("peer_owner_id", Value::string("12345")),
            ("peer_region", Value::string("mars")),
        ]);
        let d = diagnose(&c);
        let paths: Vec<&str> = d.iter().map(|(p, _)| p.as_str()).collect();
        for name in [
            "\"vpc_id\"",
            "\"peer_vpc_id\"",
            "\"route_table_ids\"",
            "\"peer_route_table_ids\"",
            "\"security_group_id\"",
            "\"peer_owner_id\"",
            "\"peer_region\"",
        ] {
            assert!(paths.iter().any(|p| p.contains(name)), "{name} in {d:?}");
        }
        assert_eq!(d.len(), 7, "{d:?}");
        assert!(check_id("vpc-0123456789abcdef0", "vpc", "a VPC").is_ok());
        assert!(check_id("vpc-0123456789ABCDEF0", "vpc", "a VPC").is_err());
    }
}
