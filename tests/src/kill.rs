//! SIGKILL of the provider process at a chosen moment of a Terraform command (the kill matrix,
//! `tests/tests/kill_matrix.rs`): the command runs in a thread while the emulator's request log is
//! polled; the first time the condition holds, every provider process of the workdir is killed.

use std::time::{Duration, Instant};

use crate::{Emulator, Request, RunOutput, Workdir, kill_hard, processes_in};

/// The executable name the provider's processes are found by.
const PROVIDER_EXE: &str = "terraform-provider-dmslink";

/// A command whose provider may have been killed.
#[derive(Debug)]
pub struct Killed {
    pub out: RunOutput,
    /// The provider processes killed (empty: the condition never held while one ran).
    pub pids: Vec<u32>,
    /// The request log right after the kill.
    pub log_after_kill: Vec<Request>,
}

impl Killed {
    /// Panics unless a provider was killed and the command then failed (Terraform cannot finish
    /// without its provider).
    pub fn expect_killed(&self, what: &str) {
        assert!(!self.pids.is_empty(), "{what}: the provider was never killed:\n{}", self.out.describe());
        assert!(
            !self.out.success(),
            "{what}: the command whose provider was killed succeeded:\n{}",
            self.out.describe()
        );
    }
}

/// Runs `terraform <args>` in `wd`; polls the emulator's request log every 50 ms and, the first time
/// `when(log)` holds while a provider process of `wd` runs, SIGKILLs it. Gives up polling after
/// `timeout` (the command keeps its own timeout).
pub fn run_killing(
    wd: &Workdir,
    emulator: &Emulator,
    args: &[&str],
    timeout: Duration,
    mut when: impl FnMut(&[Request]) -> bool,
) -> Killed {
    std::thread::scope(|s| {
        let command = s.spawn(|| wd.run(args));
        let deadline = Instant::now() + timeout;
        let mut pids = Vec::new();
        let mut log_after_kill = Vec::new();
        while Instant::now() < deadline && !command.is_finished() {
            if when(&emulator.requests()) {
                for pid in processes_in(wd.path(), PROVIDER_EXE) {
                    kill_hard(pid);
                    pids.push(pid);
                }
                if !pids.is_empty() {
                    log_after_kill = emulator.requests();
                    break;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = command.join().unwrap_or_else(|_| panic!("the thread running terraform {args:?} panicked"));
        Killed { out, pids, log_after_kill }
    })
}

/// Whether `log` holds a call of `operation` (`service:Action`) that the AWS model served (a status
/// below 400), and, when `then` is given, a later call of `then` (the wait's describe call).
pub fn served_then(log: &[Request], operation: &str, then: Option<&str>) -> bool {
    let Some(at) = log.iter().position(|r| r.name() == operation && r.status.is_some_and(|s| s < 400)) else {
        return false;
    };
    match then {
        None => true,
        Some(describe) => log[at + 1..].iter().any(|r| r.name() == describe),
    }
}

/// The call the fault rule `rule` hit, once the AWS model served it.
pub fn served_by_rule(log: &[Request], rule: u64) -> Option<&Request> {
    log.iter().find(|r| r.fault.as_ref().is_some_and(|f| f.rule == rule) && r.status.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InjectedFault;

    fn request(name: &str, status: Option<u16>, rule: Option<u64>) -> Request {
        let (service, action) = name.split_once(':').unwrap_or(("?", name));
        Request {
            service: service.to_string(),
            action: action.to_string(),
            time: String::new(),
            status,
            access_key: None,
            fault: rule.map(|rule| InjectedFault {
                kind: "hold".into(),
                rule,
                code: None,
                served: true,
                answered: false,
            }),
        }
    }

    #[test]
    fn a_wait_is_seen_only_after_its_create_was_served() {
        let describe_first =
            [request("rds:DescribeDBInstances", Some(200), None), request("rds:CreateDBInstance", Some(200), None)];
        assert!(served_then(&describe_first, "rds:CreateDBInstance", None));
        assert!(!served_then(&describe_first, "rds:CreateDBInstance", Some("rds:DescribeDBInstances")));
        let refused =
            [request("rds:CreateDBInstance", Some(400), None), request("rds:DescribeDBInstances", Some(200), None)];
        assert!(!served_then(&refused, "rds:CreateDBInstance", Some("rds:DescribeDBInstances")));
        let waiting =
            [request("rds:CreateDBInstance", Some(200), None), request("rds:DescribeDBInstances", None, None)];
        assert!(served_then(&waiting, "rds:CreateDBInstance", Some("rds:DescribeDBInstances")));
    }

    #[test]
    fn a_held_call_counts_once_served() {
        let log = [request("ec2:CreateVpc", None, Some(3)), request("ec2:CreateVpc", Some(200), Some(4))];
        assert!(served_by_rule(&log, 3).is_none());
        assert_eq!(served_by_rule(&log, 4).map(|r| r.status), Some(Some(200)));
    }
}
