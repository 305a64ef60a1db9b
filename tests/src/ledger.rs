//! The reliability ledger (issue 12, item 7): every reliability case appends one line — the faults it
//! injected, the kill points and interrupts it survived, the stacks it ran, and the duplicates and
//! leaks its audit found — to the file `DMSLINK_RELIABILITY_LEDGER` names. `make reliability` (and
//! `make test`, for its reduced suite) prints them as one table with the `reliability-table` binary.
//! With the variable unset nothing is written, so a single `cargo test` leaves no file behind.
//!
//! A case records only when it got to its end: a failed case shows as a failed `cargo test`, and the
//! table's case count then falls short of the suites' count.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use serde_json::{Value, json};

use crate::FaultCounters;

/// The variable naming the ledger file.
pub const LEDGER_ENV: &str = "DMSLINK_RELIABILITY_LEDGER";

/// What one reliability case did and found.
#[derive(Debug)]
pub struct Outcome {
    suite: String,
    case: String,
    started: Instant,
    faults: BTreeMap<String, u64>,
    kill_points: u64,
    interrupts: u64,
    stacks: u64,
    duplicates: Vec<String>,
    leaks: Vec<String>,
}

impl Outcome {
    /// Starts the case's wall clock.
    pub fn start(suite: &str, case: &str) -> Outcome {
        Outcome {
            suite: suite.to_string(),
            case: case.to_string(),
            started: Instant::now(),
            faults: BTreeMap::new(),
            kill_points: 0,
            interrupts: 0,
            stacks: 0,
            duplicates: Vec::new(),
            leaks: Vec::new(),
        }
    }

    /// Adds the faults the emulator injected, per kind (read the counters before resetting them).
    pub fn faults(&mut self, counters: &FaultCounters) -> &mut Outcome {
        for (kind, n) in &counters.kinds {
            *self.faults.entry(kind.clone()).or_default() += n;
        }
        self
    }

    /// Adds `n` provider kills the case recovered from.
    pub fn kill_points(&mut self, n: u64) -> &mut Outcome {
        self.kill_points += n;
        self
    }

    /// Adds `n` interrupts (SIGINT to terraform) the case recovered from.
    pub fn interrupts(&mut self, n: u64) -> &mut Outcome {
        self.interrupts += n;
        self
    }

    /// Adds `n` stacks (root modules applied and destroyed) the case ran.
    pub fn stacks(&mut self, n: u64) -> &mut Outcome {
        self.stacks += n;
        self
    }

    /// Adds what an audit found twice (see [`duplicates`]).
    pub fn duplicates(&mut self, found: &[String]) -> &mut Outcome {
        self.duplicates.extend(found.iter().cloned());
        self
    }

    /// Adds what an audit found left behind (see [`leaks`]).
    pub fn leaks(&mut self, found: &[String]) -> &mut Outcome {
        self.leaks.extend(found.iter().cloned());
        self
    }

    /// The line the case appends.
    pub fn to_json(&self) -> Value {
        json!({
            "suite": self.suite,
            "case": self.case,
            "faults": self.faults,
            "kill_points": self.kill_points,
            "interrupts": self.interrupts,
            "stacks": self.stacks,
            "duplicates": self.duplicates,
            "leaks": self.leaks,
            "wall_seconds": self.started.elapsed().as_secs_f64(),
        })
    }

    /// Appends the case's line to the ledger, when there is one. Panics when it cannot be written: a
    /// ledger with a line missing would print a table that claims less than was run.
    pub fn record(&self) {
        let Some(path) = ledger_path() else {
            return;
        };
        let line = format!("{}\n", self.to_json());
        // One write of one line with O_APPEND: cases running in parallel threads or processes do not
        // interleave their lines.
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("cannot open the reliability ledger {}: {e}", path.display()));
        file.write_all(line.as_bytes())
            .unwrap_or_else(|e| panic!("cannot write the reliability ledger {}: {e}", path.display()));
    }
}

/// The ledger file, when `DMSLINK_RELIABILITY_LEDGER` names one.
pub fn ledger_path() -> Option<PathBuf> {
    std::env::var_os(LEDGER_ENV).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// States in which an inventory object no longer counts as existing.
const GONE_STATES: &[&str] = &["deleted", "deleting", "terminated", "rejected", "failed", "expired"];

/// Whether an inventory object (`Emulator::inventory`) still exists.
pub fn is_live(object: &Value) -> bool {
    object["state"].as_str().is_none_or(|s| !GONE_STATES.contains(&s))
}

/// `type id (Name)` of an inventory object, for messages.
pub fn describe(object: &Value) -> String {
    let ty = object["type"].as_str().unwrap_or("?");
    let id = object["id"].as_str().unwrap_or("?");
    match logical_name(object) {
        Some(name) if name != id => format!("{ty} {id} ({name})"),
        _ => format!("{ty} {id}"),
    }
}

/// The name that makes an object one logical child of a stack: its `Name` tag, else its name. Objects
/// AWS keys by identifier (RDS instances, DMS endpoints, …) cannot exist twice under one name, so
/// this finds the twins of what has no natural key (VPCs, gateways, peerings, …).
fn logical_name(object: &Value) -> Option<&str> {
    object["tags"]["Name"].as_str().or_else(|| object["name"].as_str())
}

/// Services whose objects AWS keys by a unique identifier (RDS instance and subnet group names, DMS
/// identifiers, IAM role names): one of them cannot exist twice, and their `Name` tag is the user's
/// to share (ten `dmslink_repltask` stacks tag their tasks alike), so they are never twins.
const KEYED_BY_IDENTIFIER: &[&str] = &["rds:", "dms:", "iam:", "secretsmanager:"];

/// Live objects that share a type and a name with another live object: one line per extra object.
/// Objects without a name are never counted (nothing says which child they are), nor objects AWS
/// keys by identifier ([`KEYED_BY_IDENTIFIER`]).
pub fn duplicates(objects: &[Value]) -> Vec<String> {
    let mut groups: BTreeMap<(String, String), Vec<&Value>> = BTreeMap::new();
    let keyed = |o: &Value| KEYED_BY_IDENTIFIER.iter().any(|p| o["type"].as_str().unwrap_or("").starts_with(p));
    for object in objects.iter().filter(|o| is_live(o) && !keyed(o)) {
        if let Some(name) = logical_name(object) {
            let ty = object["type"].as_str().unwrap_or("?").to_string();
            groups.entry((ty, name.to_string())).or_default().push(object);
        }
    }
    groups.values().filter(|g| g.len() > 1).flat_map(|g| g[1..].iter().map(|o| describe(o))).collect()
}

/// Live objects whose `type id` is not in `before` and whose type is not in `kept` (what a destroy
/// keeps on purpose, such as final snapshots): what a destroy left behind.
pub fn leaks(objects: &[Value], before: &BTreeSet<String>, kept: &[&str]) -> Vec<String> {
    objects
        .iter()
        .filter(|o| is_live(o))
        .filter(|o| !kept.contains(&o["type"].as_str().unwrap_or("?")))
        .filter(|o| !before.contains(&key(o)))
        .map(describe)
        .collect()
}

/// `type id` of an inventory object: what [`leaks`] compares.
pub fn key(object: &Value) -> String {
    format!("{} {}", object["type"].as_str().unwrap_or("?"), object["id"].as_str().unwrap_or("?"))
}

/// The `type id` keys of `objects` (a baseline for [`leaks`]).
pub fn keys(objects: &[Value]) -> BTreeSet<String> {
    objects.iter().map(key).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(ty: &str, id: &str, name: Option<&str>, state: &str) -> Value {
        let tags = name.map(|n| json!({"Name": n})).unwrap_or_else(|| json!({}));
        json!({"type": ty, "id": id, "state": state, "tags": tags})
    }

    #[test]
    fn twins_are_counted_once_per_extra_object_and_deleted_ones_not_at_all() {
        let objects = [
            object("ec2:vpc", "vpc-1", Some("demo"), "available"),
            object("ec2:vpc", "vpc-2", Some("demo"), "available"),
            object("ec2:vpc", "vpc-3", Some("demo"), "available"),
            object("ec2:vpc", "vpc-4", Some("other"), "available"),
            object("ec2:vpc-peering-connection", "pcx-1", Some("p"), "active"),
            object("ec2:vpc-peering-connection", "pcx-2", Some("p"), "deleted"),
            object("ec2:subnet", "subnet-1", None, "available"),
            object("ec2:subnet", "subnet-2", None, "available"),
        ];
        assert_eq!(duplicates(&objects), ["ec2:vpc vpc-2 (demo)", "ec2:vpc vpc-3 (demo)"]);
    }

    /// Ten repltask stacks' tasks carry one `Name` tag (the module's tags) under ten identifiers:
    /// AWS keeps identifiers unique, so these are ten children, not twins (the concurrency suite
    /// reported nine before).
    #[test]
    fn objects_keyed_by_identifier_are_never_twins_by_their_name_tag() {
        let objects = [
            object("dms:replication-task", "par-00", Some("shared-name"), "running"),
            object("dms:replication-task", "par-01", Some("shared-name"), "running"),
            object("rds:db-instance", "a", Some("db"), "available"),
            object("rds:db-instance", "b", Some("db"), "available"),
            object("ec2:vpc", "vpc-1", Some("shared-name"), "available"),
        ];
        assert_eq!(duplicates(&objects), Vec::<String>::new());
    }

    #[test]
    fn leaks_are_live_new_objects_of_types_not_kept() {
        let before = keys(&[object("ec2:vpc", "vpc-app", None, "available")]);
        let after = [
            object("ec2:vpc", "vpc-app", None, "available"),
            object("ec2:vpc", "vpc-dms", Some("demo"), "available"),
            object("rds:db-snapshot", "final-1", None, "available"),
            object("dms:replication-task", "t1", None, "deleting"),
        ];
        assert_eq!(leaks(&after, &before, &["rds:db-snapshot"]), ["ec2:vpc vpc-dms (demo)"]);
    }

    #[test]
    fn an_outcome_adds_up_what_it_is_given() {
        let mut counters = FaultCounters::default();
        counters.kinds.insert("lost".into(), 2);
        let mut outcome = Outcome::start("chaos", "seed 1");
        outcome.faults(&counters).faults(&counters).kill_points(3).stacks(4).duplicates(&["x".into()]);
        let line = outcome.to_json();
        assert_eq!(line["faults"]["lost"], 4);
        assert_eq!(line["kill_points"], 3);
        assert_eq!(line["stacks"], 4);
        assert_eq!(line["duplicates"], json!(["x"]));
        assert_eq!(line["leaks"], json!([]));
    }
}
