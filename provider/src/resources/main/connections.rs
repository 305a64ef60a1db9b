//! Connection tests between the replication instance and the stack's endpoints: the computed
//! `endpoint_connection_status` (what `DescribeConnections` reports, refreshed on every read) and the
//! opt-in `test_connections` (`TestConnection` for every endpoint after create and update, the apply
//! failing with DMS's own message when one fails).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;

use crate::aws::dms::{Connection, DmsApi};
use crate::aws::error::{AwsError, ErrorKind};
use crate::aws::wait::{self, Wait, WaitOptions};
use crate::engine::diag::{Diagnostic, Diagnostics};
use crate::engine::{Attribute, Type, Value};
use crate::resources::PlanDraft;

use super::steps::StackRun;
use crate::resources::step_kit::retry;

/// The computed attribute.
pub const STATUS_ATTR: &str = "endpoint_connection_status";
/// The opt-in argument.
pub const TEST_ATTR: &str = "test_connections";
/// What `endpoint_connection_status` says of an endpoint DMS has no connection test for.
pub const NOT_TESTED: &str = "not tested";

pub fn status_attribute() -> Attribute {
    Attribute::computed(
        STATUS_ATTR,
        Type::map(Type::object([("status", Type::String), ("last_failure_message", Type::String)])),
    )
    .describe(
        "The last connection test between the replication instance and each endpoint, as DMS's \
         `DescribeConnections` reports it, keyed by endpoint identifier (`<name>-<environment>-src-<source>`, \
         `<name>-<environment>-tgt`). `status` is `successful`, `failed`, `testing` (a test is running), or \
         `not tested` when DMS has no test of the pair (none was run, or the endpoint or replication \
         instance was re-created since); `last_failure_message` is DMS's message when the test failed (e.g. \
         the database's login error), else null. Refreshed on every read. It causes a change by itself only \
         with `test_connections = true` and an endpoint whose last test did not succeed: the plan then shows an \
         update that tests again (e.g. once a VPN connection routes to an on-premises source). Otherwise a \
         plan shows it as known after apply only when the apply changes endpoints or, with \
         `test_connections = true`, tests them. Set `test_connections = true` to run the tests on apply.",
    )
}

pub fn test_attribute() -> Attribute {
    Attribute::optional(TEST_ATTR, Type::Bool).describe(
        "Test the connection from the replication instance to every endpoint (sources and target, in \
         parallel, with DMS's `TestConnection`) after the stack is created and after every update, and fail \
         the apply when one fails, naming the endpoint and quoting DMS's message (e.g. `password \
         authentication failed for user \"dms\"`). The stack is kept in state either way; fix the endpoint's \
         settings and apply again. Each test is waited for within the operation's timeout. Defaults to \
         false: the results of tests run elsewhere still show in `endpoint_connection_status`.",
    )
}

/// One endpoint's last connection test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub status: String,
    pub last_failure_message: Option<String>,
}

impl Status {
    fn not_tested() -> Status {
        Status { status: NOT_TESTED.to_string(), last_failure_message: None }
    }
    fn of(c: &Connection) -> Status {
        let failed = c.status == "failed";
        Status {
            status: c.status.clone(),
            last_failure_message: c.last_failure_message.clone().filter(|m| failed && !m.is_empty()),
        }
    }
}

pub type Statuses = BTreeMap<String, Status>;

pub fn to_value(statuses: &Statuses) -> Value {
    Value::Map(
        statuses
            .iter()
            .map(|(id, s)| {
                let obj = BTreeMap::from([
                    ("status".to_string(), Value::string(s.status.clone())),
                    ("last_failure_message".to_string(), Value::opt_string(s.last_failure_message.clone())),
                ]);
                (id.clone(), Value::Object(obj))
            })
            .collect(),
    )
}

/// The endpoints that exist, as (identifier, ARN), sources first.
fn endpoints(run: &StackRun) -> Vec<(String, String)> {
    let kids = run.snapshot();
    run.stack
        .databases()
        .filter_map(|db| {
            let id = run.stack.database_id(db);
            kids.db(&id).endpoint_arn.map(|arn| (id, arn))
        })
        .collect()
}

async fn status_of(dms: &dyn DmsApi, instance: Option<&str>, endpoint_arn: &str) -> Result<Status, AwsError> {
    let Some(instance) = instance else { return Ok(Status::not_tested()) };
    match dms.find_connection(instance, endpoint_arn).await {
        Ok(Some(c)) => Ok(Status::of(&c)),
        Ok(None) => Ok(Status::not_tested()),
        Err(e) if e.is_not_found() => Ok(Status::not_tested()),
        Err(e) => Err(e),
    }
}

/// What DMS reports now for every existing endpoint; an error names the endpoint.
async fn read_all(run: &StackRun) -> Result<Statuses, (String, AwsError)> {
    let dms = run.ctx.provider.clients.dms.as_ref();
    let instance = run.snapshot().replication_instance_arn;
    // All at once (one round trip); the first error in endpoint order is the answer, as before.
    let endpoints = endpoints(run);
    let read =
        futures_util::future::join_all(endpoints.iter().map(|(_, arn)| status_of(dms, instance.as_deref(), arn)));
    let mut out = Statuses::new();
    for ((id, _), status) in endpoints.iter().zip(read.await) {
        match status {
            Ok(s) => out.insert(id.clone(), s),
            Err(e) => return Err((id.clone(), e)),
        };
    }
    Ok(out)
}

/// The attribute's value for a read. A `DescribeConnections` refused for want of the
/// `dms:DescribeConnections` permission keeps the prior value rather than failing the refresh.
pub async fn refreshed(run: &StackRun, prior: &Value) -> Result<Value, String> {
    match read_all(run).await {
        Ok(s) => Ok(to_value(&s)),
        Err((id, e)) if e.kind == ErrorKind::AccessDenied => {
            tracing::warn!(
                error = %e.describe("reading DMS connection test of endpoint", &id),
                "cannot read DMS connection tests; endpoint_connection_status keeps its prior value"
            );
            Ok(prior.get(STATUS_ATTR).clone())
        }
        Err((id, e)) => Err(e.describe("reading DMS connection test of endpoint", &id)),
    }
}

/// The attribute's value after an apply: what DMS reports, or `fallback` (logged) when it cannot be
/// read; an apply that did its work does not fail for want of a status.
pub async fn after_apply(run: &StackRun, fallback: &Value) -> Value {
    match read_all(run).await {
        Ok(s) => to_value(&s),
        Err((id, e)) => {
            tracing::warn!(
                error = %e.describe("reading DMS connection test of endpoint", &id),
                "cannot read DMS connection tests; endpoint_connection_status is refreshed at the next read"
            );
            fallback.clone()
        }
    }
}

/// How one endpoint's test ended, when it did not succeed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub endpoint_id: String,
    pub endpoint_arn: String,
    /// DMS's `LastFailureMessage` (verbatim) when the test ended `failed`.
    pub last_failure_message: Option<String>,
    /// Why the test could not be run or waited for (AWS error, timeout), when it did not end `failed`.
    pub error: Option<String>,
}

/// Runs `TestConnection` for every endpoint at the same time and waits for each to leave `testing`,
/// within the run's deadline. `TestConnection` refused with `InvalidResourceStateFault` (the instance
/// or endpoint still settling, a test of the pair already running) is retried.
pub async fn test_all(run: &Arc<StackRun>) -> Vec<Failure> {
    let instance = match run.snapshot().replication_instance_arn {
        Some(a) => a,
        None => {
            return endpoints(run)
                .into_iter()
                .map(|(endpoint_id, endpoint_arn)| Failure {
                    endpoint_id,
                    endpoint_arn,
                    last_failure_message: None,
                    error: Some("the stack has no replication instance to test from".to_string()),
                })
                .collect();
        }
    };
    let mut set = tokio::task::JoinSet::new();
    let list = endpoints(run);
    for (i, (id, arn)) in list.iter().cloned().enumerate() {
        let (run, instance) = (run.clone(), instance.clone());
        let span = tracing::debug_span!("test_connection", endpoint = %id);
        set.spawn(async move { (i, test_one(&run, &instance, &id, &arn).await) }.instrument(span));
    }
    let mut results: Vec<(usize, Option<Failure>)> = Vec::new();
    while let Some(r) = set.join_next().await {
        match r {
            Ok(x) => results.push(x),
            Err(e) => results.push((
                usize::MAX,
                Some(Failure {
                    endpoint_id: "(unknown)".into(),
                    endpoint_arn: String::new(),
                    last_failure_message: None,
                    error: Some(format!("connection test task failed: {e}")),
                }),
            )),
        }
    }
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().filter_map(|(_, f)| f).collect()
}

async fn test_one(run: &StackRun, instance: &str, id: &str, arn: &str) -> Option<Failure> {
    let dms = run.ctx.provider.clients.dms.as_ref();
    let fail = |last_failure_message: Option<String>, error: Option<String>| {
        Some(Failure { endpoint_id: id.to_string(), endpoint_arn: arn.to_string(), last_failure_message, error })
    };
    tracing::debug!(endpoint = id, "testing the connection from the replication instance");
    if let Err(e) = retry(run, &[ErrorKind::InvalidState], None, || dms.test_connection(instance, arn)).await {
        return fail(None, Some(e.describe("testing DMS connection to endpoint", id)));
    }
    let what = format!("DMS connection test of endpoint {id}");
    let spec = Wait::new(&what, &["testing"], &["successful", "failed"])
        .timeout(run.deadline.saturating_duration_since(tokio::time::Instant::now()))
        .options(WaitOptions {
            initial_delay: Duration::from_secs(1),
            min_interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(10),
            ..WaitOptions::default()
        });
    match wait::wait_for(&spec, &run.ctx.cancel, || dms.find_connection(instance, arn)).await {
        Ok(Some(c)) if c.status == "successful" => {
            tracing::debug!(endpoint = id, "connection test successful");
            None
        }
        Ok(Some(c)) => fail(c.last_failure_message.filter(|m| !m.is_empty()), None),
        Ok(None) => fail(None, Some(format!("{what} disappeared while waiting"))),
        Err(e) => fail(None, Some(e.to_string())),
    }
}

/// DMS's words for a network path that never reached the database (its messages quote the driver's
/// timeout: PostgreSQL's ODBC "timeout expired", Oracle's ORA-12170, MySQL's error 110), as opposed
/// to an answer from the database (a login error).
fn is_network_timeout(message: &str) -> bool {
    ["timeout expired", "ORA-12170", "Connect timeout", "(110)", "timed out"].iter().any(|n| message.contains(n))
}

/// Where DMS had to reach and what carries the way there, for a connection test that timed out.
fn network_hint(run: &StackRun, endpoint_id: &str) -> Option<String> {
    let db = run.stack.databases().find(|d| run.stack.database_id(d) == endpoint_id)?;
    if db.rds.is_some() {
        return Some(format!(
            "The replication instance did not reach the RDS instance {endpoint_id} on port {}: the stack's security \
             group must admit the replication instance on that port (it does unless it was changed outside \
             Terraform).",
            db.port
        ));
    }
    let host = db.server_name.clone().unwrap_or_default();
    let vgw = run.snapshot().vpn_gateway_id;
    Some(match vgw {
        Some(vgw) => format!(
            "The replication instance did not reach {host}:{}. A server on premises is reached only through the \
             stack's VPN gateway {vgw}: a site-to-site VPN connection on it must be available and route to {host} \
             (static routes or BGP), and its routes must reach the stack's route tables \
             (network.vpn_route_propagation, on by default). A server in another VPC needs a VPC peering \
             (dmslink_peering). Once the path is there, `terraform apply` tests again.",
            db.port
        ),
        None => format!(
            "The replication instance did not reach {host}:{}. The stack has no VPN gateway (network.vpn_gateway = \
             false), so a server on premises cannot be reached; a server in another VPC needs a VPC peering \
             (dmslink_peering).",
            db.port
        ),
    })
}

/// The error of an apply whose connection tests did not all succeed: one diagnostic per endpoint.
pub fn failures_to_diags(run: &StackRun, doing: &str, failures: &[Failure]) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let prefix = run.stack.prefix();
    let instance = run.snapshot().replication_instance_arn.unwrap_or_default();
    let next = if doing == "creating" {
        "The stack is created and kept in the state (marked tainted, as after any failed create). Fix the \
         endpoint's settings (server, port, database, username, password) or the network path to the database, \
         then either `terraform untaint` this resource and `terraform apply` (the endpoint is modified in place \
         and tested again), or run `terraform apply` as it is (the stack is destroyed and created again)."
            .to_string()
    } else {
        "The change was made and is recorded in the state, with the failed test in `endpoint_connection_status`. \
         Fix the endpoint's settings in the configuration (server, port, database, username, password) and run \
         `terraform apply` again: the endpoint is modified and tested again."
            .to_string()
    };
    for f in failures {
        let (summary, what) = match (&f.last_failure_message, &f.error) {
            (Some(m), _) => (
                format!("Error {doing} DMS stack {prefix}: connection test failed for endpoint {}", f.endpoint_id),
                format!(
                    "DMS could not connect from replication instance {instance} to endpoint {} ({}):\n\n{m}",
                    f.endpoint_id, f.endpoint_arn
                ),
            ),
            (None, Some(e)) => (
                format!(
                    "Error {doing} DMS stack {prefix}: connection test of endpoint {} did not finish",
                    f.endpoint_id
                ),
                format!("Testing the connection to endpoint {} ({}): {e}", f.endpoint_id, f.endpoint_arn),
            ),
            (None, None) => (
                format!("Error {doing} DMS stack {prefix}: connection test failed for endpoint {}", f.endpoint_id),
                format!(
                    "DMS reports the connection test from replication instance {instance} to endpoint {} ({}) as \
                     failed, without a message.",
                    f.endpoint_id, f.endpoint_arn
                ),
            ),
        };
        let mut detail = format!("{what}\n\n{next}");
        if let Some(hint) = f
            .last_failure_message
            .as_deref()
            .filter(|m| is_network_timeout(m))
            .and_then(|_| network_hint(run, &f.endpoint_id))
        {
            detail = format!("{what}\n\n{hint}\n\n{next}");
        }
        if doing != "creating" {
            detail.push_str(&format!(
                " When the cause is outside the configuration (the database, its users, the network), fix it \
                 there and test again with `aws dms test-connection --replication-instance-arn {instance} \
                 --endpoint-arn {}`: the result shows in `endpoint_connection_status` at the next refresh.",
                f.endpoint_arn
            ));
        }
        diags.push(Diagnostic::error(summary, detail));
    }
    diags
}

/// Plans `endpoint_connection_status`: the prior value, unknown when an update happens that changes
/// endpoints or, with `test_connections` on, tests them. With `test_connections` on, an endpoint
/// whose last test did not succeed is a change by itself: the update tests again (a fixed network
/// path changes nothing in the configuration).
pub fn plan_status(draft: &mut PlanDraft<'_>) {
    let strip = |v: &Value| {
        let mut v = v.clone();
        v.set(STATUS_ATTR, Value::Null);
        v
    };
    let tests = draft.planned.get(TEST_ATTR).as_bool() != Some(false) && !draft.planned.get(TEST_ATTR).is_null();
    if tests && not_all_successful(draft.prior.get(STATUS_ATTR)) {
        draft.planned.set(STATUS_ATTR, Value::Unknown);
        return;
    }
    if strip(&draft.planned) == strip(draft.prior) {
        return;
    }
    let endpoint_part = |db: &Value| {
        let mut db = db.clone();
        db.set("rds", Value::Null);
        db
    };
    let blocks = |v: &Value| -> Vec<Value> {
        let mut out: Vec<Value> = v.get("source").as_elements().unwrap_or_default().iter().map(endpoint_part).collect();
        out.push(endpoint_part(v.get("target")));
        out
    };
    let endpoints_change = blocks(&draft.planned) != blocks(draft.prior)
        || draft.planned.get("replication_instance_arn") != draft.prior.get("replication_instance_arn");
    if tests || endpoints_change {
        draft.planned.set(STATUS_ATTR, Value::Unknown);
    }
}

/// Whether a known `endpoint_connection_status` has an endpoint whose last test did not succeed
/// (failed, or never tested since its endpoint or the replication instance was made again).
fn not_all_successful(status: &Value) -> bool {
    status.as_map().is_some_and(|m| m.values().any(|s| s.get("status").as_str() != Some("successful")))
}

/// Whether the planned value asks for the connection tests.
pub fn wanted(planned: &Value) -> bool {
    planned.get(TEST_ATTR).as_bool() == Some(true)
}
