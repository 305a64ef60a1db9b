//! Creates the emulator served, from its request log: a create that took effect is one object made,
//! whether its answer reached the provider or was lost (`fault.served`). Counting them catches a twin
//! even when it was deleted again before anyone looked at the inventory.

use std::collections::BTreeMap;

use crate::emulator::Request;

/// Calls named `Create*` that tag, not make, an object.
const NOT_MAKING: &[&str] = &["ec2:CreateTags"];

/// Whether AWS acted on `request`: answered 200, or served and its answer lost (a lost call's status
/// is the one the client never saw). Throttled, 5xx, reset and refused calls made nothing.
pub fn took_effect(request: &Request) -> bool {
    request.status == Some(200) && request.fault.as_ref().is_none_or(|f| f.served)
}

/// Per `service:Action`, the creates (`Create*`, `Restore*`) that took effect, the state backend's
/// (`s3`, `dynamodb`) left out.
pub fn served_creates(requests: &[Request]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in requests {
        let making = r.action.starts_with("Create") || r.action.starts_with("Restore");
        let backend = matches!(r.service.as_str(), "s3" | "dynamodb");
        if making && !backend && !NOT_MAKING.contains(&r.name().as_str()) && took_effect(r) {
            *out.entry(r.name()).or_insert(0) += 1;
        }
    }
    out
}

/// What differs between the creates served and those `expected` (each logical child made once): one
/// line per operation, e.g. `ec2:CreateVpc served 2 times, expected 1`.
pub fn unexpected_creates(served: &BTreeMap<String, usize>, expected: &BTreeMap<String, usize>) -> Vec<String> {
    let mut out = Vec::new();
    for op in served.keys().chain(expected.keys()).collect::<std::collections::BTreeSet<_>>() {
        let (got, want) = (served.get(op).copied().unwrap_or(0), expected.get(op).copied().unwrap_or(0));
        if got != want {
            out.push(format!("{op} served {got} times, expected {want}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InjectedFault;

    fn call(name: &str, status: u16, fault: Option<(&str, bool)>) -> Request {
        let (service, action) = name.split_once(':').unwrap_or(("?", name));
        Request {
            service: service.into(),
            action: action.into(),
            time: String::new(),
            status: Some(status),
            access_key: None,
            fault: fault.map(|(kind, served)| InjectedFault {
                kind: kind.into(),
                rule: 1,
                code: None,
                served,
                answered: !served,
            }),
        }
    }

    #[test]
    fn a_lost_create_counts_and_a_refused_or_faulted_one_does_not() {
        let log = [
            call("ec2:CreateVpc", 200, Some(("lost", true))),
            call("ec2:CreateVpc", 200, None),
            call("ec2:CreateSubnet", 503, Some(("throttle", false))),
            call("ec2:CreateSubnet", 400, None), // InvalidSubnet.Conflict: the retry of a lost one
            call("ec2:CreateSubnet", 200, None),
            call("ec2:CreateTags", 200, None),
            call("s3:CreateBucket", 200, None),
            call("rds:RestoreDBInstanceFromDBSnapshot", 200, None),
            call("ec2:DescribeVpcs", 200, None),
        ];
        let served = served_creates(&log);
        let want: BTreeMap<String, usize> =
            [("ec2:CreateVpc", 2), ("ec2:CreateSubnet", 1), ("rds:RestoreDBInstanceFromDBSnapshot", 1)]
                .into_iter()
                .map(|(k, n)| (k.to_string(), n))
                .collect();
        assert_eq!(served, want);
        let expected: BTreeMap<String, usize> =
            [("ec2:CreateVpc", 1), ("ec2:CreateSubnet", 1), ("dms:CreateEndpoint", 2)]
                .into_iter()
                .map(|(k, n)| (k.to_string(), n))
                .collect();
        assert_eq!(
            unexpected_creates(&served, &expected),
            [
                "dms:CreateEndpoint served 0 times, expected 2",
                "ec2:CreateVpc served 2 times, expected 1",
                "rds:RestoreDBInstanceFromDBSnapshot served 1 times, expected 0",
            ]
        );
    }
}
