//! Typed fault rules for the emulator (`/_dmslink/faults`, see `tests/emulator/README.md`): what a
//! rule hits (service, actions, parameters), how often (a probability drawn from the emulator's seeded
//! source, a count) and how (an AWS error, throttling, a 5xx, a reset connection, a lost answer, a
//! delay); the counters of what was injected; the chaos profile of issue 12.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// How a hit call fails.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// An AWS error `code` with HTTP `status` (400..599); nothing happens.
    Error { code: String, status: u16, message: Option<String> },
    /// The service's own throttling error (EC2 `RequestLimitExceeded`, RDS/IAM/STS `Throttling`, DMS
    /// `ThrottlingException`, ...); nothing happens.
    Throttle,
    /// A 5xx (`InternalFailure`, `ServiceUnavailable` for 503, ...); nothing happens.
    Server { status: u16 },
    /// The connection is reset before the call is served: nothing happens.
    Reset,
    /// The call is served (it takes effect), then the connection is reset instead of answering.
    Lost,
    /// Served after `ms` milliseconds.
    Delay { ms: u64 },
    /// Served at once (it takes effect, the log shows it served), its answer held `ms` milliseconds:
    /// the kill matrix's window between a served call and its answer.
    Hold { ms: u64 },
}

impl FaultKind {
    /// The emulator's name of the kind (`"lost"`), also the key of [`FaultCounters::kinds`].
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Error { .. } => "error",
            FaultKind::Throttle => "throttle",
            FaultKind::Server { .. } => "server",
            FaultKind::Reset => "reset",
            FaultKind::Lost => "lost",
            FaultKind::Delay { .. } => "delay",
            FaultKind::Hold { .. } => "hold",
        }
    }
}

/// One fault rule. Built with [`FaultRule::new`] or a kind's constructor, narrowed with the builder
/// methods; by default it hits the next matching call once.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultRule {
    pub kind: FaultKind,
    /// SigV4 signing name (`ec2`, `dms`, ...); `None`: every service.
    pub service: Option<String>,
    /// Action names; empty: every action.
    pub actions: Vec<String>,
    /// Request parameters whose values must contain these strings (`SubnetId.1`, `EndpointIdentifier`).
    pub matching: BTreeMap<String, String>,
    /// Chance a matching call is hit, 0..=1.
    pub probability: f64,
    /// Calls the rule hits before it disappears; `None`: until cleared.
    pub count: Option<u32>,
}

impl FaultRule {
    pub fn new(kind: FaultKind) -> FaultRule {
        FaultRule {
            kind,
            service: None,
            actions: Vec::new(),
            matching: BTreeMap::new(),
            probability: 1.0,
            count: Some(1),
        }
    }

    /// `service:action` answers a lost response: served, then the connection drops.
    pub fn lost(service: &str, action: &str) -> FaultRule {
        FaultRule::new(FaultKind::Lost).on(service).action(action)
    }

    /// `service:action` is reset before it is served.
    pub fn reset(service: &str, action: &str) -> FaultRule {
        FaultRule::new(FaultKind::Reset).on(service).action(action)
    }

    /// `service:action` is throttled with the service's throttling error.
    pub fn throttle(service: &str, action: &str) -> FaultRule {
        FaultRule::new(FaultKind::Throttle).on(service).action(action)
    }

    /// `service:action` answers an AWS error `code` (HTTP 400).
    pub fn error(service: &str, action: &str, code: &str) -> FaultRule {
        FaultRule::new(FaultKind::Error { code: code.to_string(), status: 400, message: None })
            .on(service)
            .action(action)
    }

    /// Only calls to `service`.
    pub fn on(mut self, service: &str) -> FaultRule {
        self.service = Some(service.to_string());
        self
    }

    /// Also (or only, the first time) calls of `action`.
    pub fn action(mut self, action: &str) -> FaultRule {
        self.actions.push(action.to_string());
        self
    }

    /// Only calls whose parameter `name` contains `contains`.
    pub fn matching(mut self, name: &str, contains: &str) -> FaultRule {
        self.matching.insert(name.to_string(), contains.to_string());
        self
    }

    pub fn probability(mut self, probability: f64) -> FaultRule {
        self.probability = probability;
        self
    }

    /// Hits `count` calls (at least one).
    pub fn times(mut self, count: u32) -> FaultRule {
        self.count = Some(count.max(1));
        self
    }

    /// Hits until cleared.
    pub fn always(mut self) -> FaultRule {
        self.count = None;
        self
    }

    /// The rule as `POST /_dmslink/faults` takes it.
    pub fn to_json(&self) -> Value {
        let mut doc = Map::new();
        doc.insert("kind".into(), json!(self.kind.name()));
        match &self.kind {
            FaultKind::Error { code, status, message } => {
                doc.insert("code".into(), json!(code));
                doc.insert("status".into(), json!(status));
                if let Some(message) = message {
                    doc.insert("message".into(), json!(message));
                }
            }
            FaultKind::Server { status } => {
                doc.insert("status".into(), json!(status));
            }
            FaultKind::Delay { ms } | FaultKind::Hold { ms } => {
                doc.insert("delay_ms".into(), json!(ms));
            }
            FaultKind::Throttle | FaultKind::Reset | FaultKind::Lost => {}
        }
        if let Some(service) = &self.service {
            doc.insert("service".into(), json!(service));
        }
        if !self.actions.is_empty() {
            doc.insert("action".into(), json!(self.actions));
        }
        if !self.matching.is_empty() {
            doc.insert("match".into(), json!(self.matching));
        }
        doc.insert("probability".into(), json!(self.probability));
        doc.insert("count".into(), json!(self.count.map_or(-1, i64::from)));
        Value::Object(doc)
    }
}

/// The fault that hit one logged call (the request log's `fault_*`, `served`, `answered`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InjectedFault {
    /// `"lost"`, `"throttle"`, ...
    pub kind: String,
    /// The id of the rule that hit.
    pub rule: u64,
    /// The error code answered (error kinds).
    pub code: Option<String>,
    /// Whether the AWS model handled the call (true for `lost` and `delay`).
    pub served: bool,
    /// Whether the client got an answer (false for `reset` and `lost`).
    pub answered: bool,
}

impl InjectedFault {
    pub(crate) fn from_log(entry: &Value) -> Option<InjectedFault> {
        if entry["injected"] != Value::Bool(true) {
            return None;
        }
        Some(InjectedFault {
            kind: entry["fault_kind"].as_str().unwrap_or("error").to_string(),
            rule: entry["fault_rule"].as_u64().unwrap_or_default(),
            code: entry["fault_code"].as_str().map(str::to_string),
            served: entry["served"].as_bool().unwrap_or(false),
            answered: entry["answered"].as_bool().unwrap_or(true),
        })
    }
}

/// `GET /_dmslink/faults/counters`: AWS calls seen and faults injected.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultCounters {
    pub calls: u64,
    pub injected: u64,
    /// Injected faults per kind (`"throttle"` ...).
    pub kinds: BTreeMap<String, u64>,
    /// Per `service:action`: `"calls"` and injected faults per kind.
    pub operations: BTreeMap<String, BTreeMap<String, u64>>,
}

impl FaultCounters {
    pub(crate) fn from_json(doc: &Value) -> FaultCounters {
        let counts = |v: &Value| -> BTreeMap<String, u64> {
            v.as_object()
                .map(|o| o.iter().map(|(k, n)| (k.clone(), n.as_u64().unwrap_or_default())).collect())
                .unwrap_or_default()
        };
        FaultCounters {
            calls: doc["calls"].as_u64().unwrap_or_default(),
            injected: doc["injected"].as_u64().unwrap_or_default(),
            kinds: counts(&doc["kinds"]),
            operations: doc["operations"]
                .as_object()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), counts(v))).collect())
                .unwrap_or_default(),
        }
    }

    /// Faults of `kind` injected (0 when none).
    pub fn of(&self, kind: &str) -> u64 {
        self.kinds.get(kind).copied().unwrap_or_default()
    }

    /// Faults of `kind` injected into `operation` (`"ec2:CreateSubnet"`).
    pub fn at(&self, operation: &str, kind: &str) -> u64 {
        self.operations.get(operation).and_then(|o| o.get(kind)).copied().unwrap_or_default()
    }
}

/// Rates of the faults the chaos suite injects on every AWS call (or those of `services`).
#[derive(Clone, Debug, PartialEq)]
pub struct ChaosProfile {
    pub throttle: f64,
    pub server: f64,
    pub reset: f64,
    pub lost: f64,
    /// Signing names the faults hit; empty: every service.
    pub services: Vec<String>,
}

impl ChaosProfile {
    /// Issue 12's rates: 18 % throttling (the issue says 15–20 %), 5 % 5xx, 2 % resets, 3 % lost
    /// answers, on every AWS call.
    pub fn issue12() -> ChaosProfile {
        ChaosProfile { throttle: 0.18, server: 0.05, reset: 0.02, lost: 0.03, services: Vec::new() }
    }

    /// Only calls to these services (e.g. leave out the state backend's `s3` and `dynamodb`).
    pub fn only(mut self, services: &[&str]) -> ChaosProfile {
        self.services = services.iter().map(|s| s.to_string()).collect();
        self
    }

    /// The share of calls hit by some fault (the rules own disjoint slices of one draw).
    pub fn total(&self) -> f64 {
        self.throttle + self.server + self.reset + self.lost
    }

    /// One rule per kind (and service), unlimited, in the order throttle, 5xx, reset, lost.
    pub fn rules(&self) -> Vec<FaultRule> {
        let kinds = [
            (FaultKind::Throttle, self.throttle),
            (FaultKind::Server { status: 500 }, self.server),
            (FaultKind::Reset, self.reset),
            (FaultKind::Lost, self.lost),
        ];
        let services: Vec<Option<&str>> = if self.services.is_empty() {
            vec![None]
        } else {
            self.services.iter().map(|s| Some(s.as_str())).collect()
        };
        let mut rules = Vec::new();
        for (kind, probability) in kinds {
            for service in &services {
                let mut rule = FaultRule::new(kind.clone()).probability(probability).always();
                rule.service = service.map(str::to_string);
                rules.push(rule);
            }
        }
        rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_serialise_as_the_emulator_takes_them() {
        let rule = FaultRule::lost("ec2", "CreateSubnet").matching("CidrBlock", "10.1.").times(2);
        assert_eq!(
            rule.to_json(),
            json!({"kind": "lost", "service": "ec2", "action": ["CreateSubnet"], "match": {"CidrBlock": "10.1."},
                   "probability": 1.0, "count": 2})
        );
        let rule = FaultRule::error("dms", "CreateEndpoint", "AccessDeniedFault").always();
        assert_eq!(rule.to_json()["code"], "AccessDeniedFault");
        assert_eq!(rule.to_json()["count"], -1);
        assert_eq!(FaultRule::new(FaultKind::Delay { ms: 50 }).to_json()["delay_ms"], 50);
        let hold = FaultRule::new(FaultKind::Hold { ms: 9000 }).on("ec2").action("CreateVpc").to_json();
        assert_eq!((hold["kind"].as_str(), hold["delay_ms"].as_u64()), (Some("hold"), Some(9000)));
    }

    #[test]
    fn the_issue12_profile_has_its_rates_on_every_call() {
        let profile = ChaosProfile::issue12();
        assert!((0.15..=0.20).contains(&profile.throttle));
        assert!((profile.total() - 0.28).abs() < 1e-9);
        let rules = profile.rules();
        assert_eq!(rules.iter().map(|r| r.kind.name()).collect::<Vec<_>>(), ["throttle", "server", "reset", "lost"]);
        assert!(rules.iter().all(|r| r.service.is_none() && r.actions.is_empty() && r.count.is_none()));
        assert_eq!(ChaosProfile::issue12().only(&["ec2", "dms"]).rules().len(), 8);
    }
}
