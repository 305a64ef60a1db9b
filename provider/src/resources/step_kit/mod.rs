//! The step kit of the composite resources (`dmslink_main`, `dmslink_peering`): one step error
//! ([`StepError`], from the engine), the AWS refusal as a step error, retries and polls on the one
//! [`Backoff`], waits bounded by the operation's deadline (for a state, for the object to be gone),
//! deletes where "already gone" counts as done ([`delete_retrying`]), the one way a child is adopted
//! or created ([`adopt_or_create`], which looks again after a lost answer; [`only_one`] refuses
//! several owned matches), non-idempotent actions that count their own lost answer as done
//! ([`tolerate_lost`], [`tolerate_lost_busy`] when a retry meets the object busy with the first attempt), and the one failure diagnostic with the ways on (untaint, or replace).

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::aws::error::{self, AwsError, ErrorKind};
use crate::aws::wait::{self, Wait, WaitState};
use crate::backoff::{Backoff, Polled, poll, sleep_unless_cancelled};
use crate::engine::diag::{Diagnostic, Diagnostics};
pub use crate::engine::steps::{StepError, StepName};

pub type R<T> = Result<T, StepError>;

/// What bounds a run's retries, polls and waits: its deadline (from `timeouts`) and cancellation.
pub trait Pace {
    fn deadline(&self) -> Instant;
    fn cancel(&self) -> &CancellationToken;
    fn remaining(&self) -> Duration {
        self.deadline().saturating_duration_since(Instant::now())
    }
}

/// An AWS refusal as a step error: `creating EC2 VPC (dblink-dev-vpc): Code: message`.
pub fn aws_err(step: impl StepName, doing: &str, id: &str, e: &AwsError) -> StepError {
    StepError::new(step, e.describe(doing, id)).with_code(e.code.clone())
}

/// A result where "already gone" counts as done: a delete's `()`, or a lookup's `None`.
pub fn gone_ok<T: Default>(step: impl StepName, doing: &str, id: &str, result: Result<T, AwsError>) -> R<T> {
    match result {
        Err(e) if e.is_not_found() => Ok(T::default()),
        Err(e) => Err(aws_err(step, doing, id, &e)),
        Ok(v) => Ok(v),
    }
}

/// Deletes (or detaches) with `delete`, retried while AWS answers one of `busy` (a dependency not
/// gone yet, a state that does not allow it yet) until the run's deadline; "already gone" counts
/// as done.
pub async fn delete_retrying<F, Fut>(
    pace: &impl Pace,
    step: impl StepName,
    doing: &str,
    id: &str,
    busy: &[ErrorKind],
    delete: F,
) -> R<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), AwsError>>,
{
    gone_ok(step, doing, id, retry(pace, busy, None, delete).await)
}

/// A failed wait as a step error (with the AWS code when a refresh failed).
pub fn wait_err(step: impl StepName, e: &wait::WaitError) -> StepError {
    let err = StepError::new(step, e.to_string());
    match e {
        wait::WaitError::Aws(a) => err.with_code(a.code.clone()),
        _ => err,
    }
}

/// The pause of [`retry`]: 2 s, doubling, at most 15 s.
pub fn retry_backoff() -> Backoff {
    Backoff::new(Duration::from_secs(2), 2.0, Duration::from_secs(15))
}

/// Retries `f` while it fails with one of `kinds`, until `limit` (or the run's deadline) passes or
/// the run is cancelled; then the last answer stands.
pub async fn retry<T, F, Fut>(
    pace: &impl Pace,
    kinds: &[ErrorKind],
    limit: Option<Duration>,
    f: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    retry_when(pace, |e| kinds.contains(&e.kind), limit, f).await
}

/// [`retry`] for the errors `worth_retrying` picks.
pub async fn retry_when<T, F, Fut>(
    pace: &impl Pace,
    worth_retrying: impl Fn(&AwsError) -> bool,
    limit: Option<Duration>,
    mut f: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let until = match limit {
        Some(l) => (Instant::now() + l).min(pace.deadline()),
        None => pace.deadline(),
    };
    let mut backoff = retry_backoff();
    loop {
        match f().await {
            Err(e)
                if worth_retrying(&e)
                    && Instant::now() + backoff.interval() < until
                    && !pace.cancel().is_cancelled() =>
            {
                let pause = backoff.next_delay();
                tracing::debug!(code = %e.code, "retrying after {:?}", pause);
                if !sleep_unless_cancelled(pause, pace.cancel()).await {
                    return Err(e);
                }
            }
            other => return other,
        }
    }
}

/// How long AWS may still answer NotFound for an object a moment after creating it (EC2's eventual
/// consistency, "Eventual consistency in the Amazon EC2 API"; the AWS provider's
/// `ec2PropagationTimeout` is the same 5 minutes).
pub const PROPAGATION: Duration = Duration::from_secs(300);

/// The first call that names an object created a moment ago (an authorize on a new security group,
/// an attach of a new gateway, a database in a new DB subnet group): retried while AWS answers
/// NotFound, for [`PROPAGATION`] at most. A NotFound that outlasts it stands.
pub async fn retry_while_new<T, F, Fut>(pace: &impl Pace, f: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    retry(pace, &[ErrorKind::NotFound], Some(PROPAGATION), f).await
}

/// [`retry_while_new`] for a call where only the new object named by `code` may be missing for a
/// while (`DBSubnetGroupNotFoundFault` of a new group; a missing snapshot stays an error at once).
pub async fn retry_while_new_code<T, F, Fut>(pace: &impl Pace, code: &str, f: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    retry_when(pace, |e| e.code == code, Some(PROPAGATION), f).await
}

/// Polls `check` until it answers true, on `backoff`, within the run's deadline.
pub async fn poll_until<F, Fut>(pace: &impl Pace, step: impl StepName, what: &str, backoff: Backoff, check: F) -> R<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool, AwsError>>,
{
    let polled = poll(backoff, pace.deadline(), pace.cancel(), |done| *done, check)
        .await
        .map_err(|e| aws_err(step, "waiting for", what, &e))?;
    match polled {
        Polled::Done(_) => Ok(()),
        Polled::TimedOut(_) => Err(StepError::new(step, format!("timed out waiting for {what}"))),
        Polled::Cancelled(_) => Err(StepError::new(step, format!("cancelled while waiting for {what}"))),
    }
}

/// The pause of a [`poll_until`] on an EC2 attribute or attachment: 2 s, ×1.5, at most 15 s.
pub fn poll_backoff() -> Backoff {
    Backoff::new(Duration::from_secs(2), 1.5, Duration::from_secs(15))
}

/// Waits for `spec` within what is left of the run's deadline.
pub async fn wait_for<S, F, Fut>(pace: &impl Pace, step: impl StepName, spec: Wait<'_>, refresh: F) -> R<Option<S>>
where
    S: WaitState,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<S>, AwsError>>,
{
    let spec = spec.timeout(pace.remaining());
    wait::wait_for(&spec, pace.cancel(), refresh).await.map_err(|e| wait_err(step, &e))
}

/// Waits for `spec`, where the object vanishing is a failure: the object as last seen.
pub async fn wait_present<S, F, Fut>(pace: &impl Pace, step: impl StepName, spec: Wait<'_>, refresh: F) -> R<S>
where
    S: WaitState,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<S>, AwsError>>,
{
    let what = spec.what;
    wait_for(pace, step, spec, refresh)
        .await?
        .ok_or_else(|| StepError::new(step, format!("{what} disappeared while waiting")))
}

/// Waits until the object `what` is gone; `pending` are the states it may show on the way.
pub async fn wait_gone<S, F, Fut>(
    pace: &impl Pace,
    step: impl StepName,
    what: &str,
    pending: &[&str],
    refresh: F,
) -> R<()>
where
    S: WaitState,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<S>, AwsError>>,
{
    wait_for(pace, step, Wait::new(what, pending, &[]).gone_is_target(), refresh).await.map(|_| ())
}

/// What a lookup of a child found under its deterministic name or ownership tags.
pub enum Found<T> {
    /// Ours (carries our ownership tags, or is recorded in state): adopt it.
    Ours(T),
    /// Refused, with the sentence for the user: someone else's object where ours would be, or
    /// nothing where the configuration does not let us create it.
    Refused(String),
    /// Nothing: create it.
    Nothing,
}

/// How [`adopt_or_create`] came by the child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Came {
    Adopted,
    Created,
}

/// The one object of `matches` (id, object) found under a child's ownership tags: nothing, ours,
/// or — when there are several — refused naming them all: dmslink never picks one of two objects
/// it may have made (an EC2 create without a natural key whose answer was lost, retried by the
/// SDK, makes a second).
pub fn only_one<T>(what: &str, mut matches: Vec<(String, T)>) -> Found<T> {
    match matches.len() {
        0 => Found::Nothing,
        1 => matches.pop().map_or(Found::Nothing, |(_, child)| Found::Ours(child)),
        _ => {
            let ids: Vec<String> = matches.into_iter().map(|(id, _)| id).collect();
            Found::Refused(format!(
                "found {} {what}s carrying this stack's ownership tags ({}) where there should be one: dmslink \
                 never picks one of them. Keep the one the state records (if any) and delete the others, then apply \
                 again.",
                ids.len(),
                ids.join(", ")
            ))
        }
    }
}

/// After a create of an object without a natural key (an EC2 VPC or gateway): `owned`, the ids
/// carrying the child's ownership tags now, must hold no other than `made`. Another one is a twin
/// the SDK made when it retried the create after its first answer was lost: an error naming
/// them (the one made is recorded already), never a silent leftover.
pub fn no_twins(step: impl StepName, what: &str, made: &str, owned: Vec<String>) -> R<()> {
    let twins: Vec<String> = owned.into_iter().filter(|id| id != made).collect();
    if twins.is_empty() {
        return Ok(());
    }
    Err(StepError::new(
        step,
        format!(
            "created {what} {made}, but {} also carr{} this stack's ownership tags: a create retried after its \
             first answer was lost made more than one. dmslink keeps {made} (in the state) and never picks among \
             them; delete {}, then `terraform untaint` and apply again.",
            twins.join(", "),
            if twins.len() == 1 { "ies" } else { "y" },
            twins.join(", ")
        ),
    ))
}

/// Every create goes through here: look up our object (`find`); adopt it if it is ours, refuse it
/// if it is someone else's, else `create` it; then `record` it in the run's state at once, before
/// anything else can fail.
///
/// A create whose answer was lost (the SDK's retry met "already exists"/"conflict"/"duplicate",
/// or no answer came: [`error::outcome_unknown`] of the step error's AWS code) may have made the
/// object all the same: `find` looks again and adopts it when it is ours. A refused create (any
/// other AWS error) and one that found nothing on the second look keep their error.
pub async fn adopt_or_create<T, F, FFut, C, CFut>(
    step: impl StepName,
    what: &str,
    mut find: F,
    create: C,
    record: impl FnOnce(&T),
) -> R<(T, Came)>
where
    F: FnMut() -> FFut,
    FFut: Future<Output = R<Found<T>>>,
    C: FnOnce() -> CFut,
    CFut: Future<Output = R<T>>,
{
    let (child, came) = match find().await? {
        Found::Ours(child) => {
            tracing::debug!(step = step.as_str(), what, "adopting");
            (child, Came::Adopted)
        }
        Found::Refused(why) => return Err(StepError::new(step, why)),
        Found::Nothing => match create().await {
            Ok(child) => (child, Came::Created),
            Err(e) => match second_look(step, what, &mut find, e).await {
                Looked::Adopted(child) => (child, Came::Adopted),
                Looked::Nothing(e) | Looked::Stop(e) => return Err(e),
            },
        },
    };
    record(&child);
    Ok((child, came))
}

/// [`adopt_or_create`] for a create the SDK must not retry: one without a natural key or a client
/// token (`CreateVpc`, `CreateVpnGateway`, `CreateInternetGateway`), which an SDK retry after a lost
/// answer would make twice. The SDK sends it once (see `aws/ec2_sdk`); a failure that may hide a
/// served call is followed by a look, and only when the look finds nothing and the failure was
/// throttling, a server error or no answer is the create sent again, after a back-off, within the
/// run's deadline and until it is cancelled.
pub async fn adopt_or_create_looking<T, F, FFut, C, CFut>(
    pace: &impl Pace,
    step: impl StepName,
    what: &str,
    mut find: F,
    mut create: C,
    record: impl FnOnce(&T),
) -> R<(T, Came)>
where
    F: FnMut() -> FFut,
    FFut: Future<Output = R<Found<T>>>,
    C: FnMut() -> CFut,
    CFut: Future<Output = R<T>>,
{
    let (child, came) = match find().await? {
        Found::Ours(child) => (child, Came::Adopted),
        Found::Refused(why) => return Err(StepError::new(step, why)),
        Found::Nothing => {
            let mut backoff = create_backoff();
            let mut attempts = 1;
            loop {
                let e = match create().await {
                    Ok(child) => break (child, Came::Created),
                    Err(e) => e,
                };
                let again = e.code.as_deref().is_some_and(worth_another_create);
                match second_look(step, what, &mut find, e).await {
                    Looked::Adopted(child) => break (child, Came::Adopted),
                    Looked::Nothing(e) if again && attempts < CREATE_ATTEMPTS && !pace.remaining().is_zero() => {
                        if may_have_been_served(&e) {
                            // A list may not show a new object yet (EC2's eventual consistency): an
                            // empty look right after a lost answer proves nothing. Look again until
                            // LIST_LAG has passed before sending the create again.
                            match look_through_list_lag(pace, &mut find, &mut backoff).await {
                                Ok(Some(child)) => {
                                    tracing::info!(
                                        step = step.as_str(),
                                        what,
                                        "adopting what this create made (a later look showed it)"
                                    );
                                    break (child, Came::Adopted);
                                }
                                Ok(None) => {}
                                Err(None) => return Err(e),
                                Err(Some(why)) => {
                                    return Err(StepError { message: format!("{}; {why}", e.message), ..e });
                                }
                            }
                        } else if !sleep_unless_cancelled(backoff.next_delay().min(pace.remaining()), pace.cancel())
                            .await
                        {
                            return Err(e);
                        }
                        tracing::info!(step = step.as_str(), what, attempts, "creating again: {}", e.message);
                        attempts += 1;
                    }
                    Looked::Nothing(e) | Looked::Stop(e) => return Err(e),
                }
            }
        }
    };
    record(&child);
    Ok((child, came))
}

/// How long a list (a `Describe*` by tag) may leave out an object just made. AWS documents no
/// figure for EC2's eventual consistency; the emulator's `--eventual-consistency` window is seconds.
const LIST_LAG: Duration = Duration::from_secs(15);

/// A failed create whose call may have been served (a 5xx or no answer); a throttled one was not.
fn may_have_been_served(e: &StepError) -> bool {
    e.code.as_deref().is_none_or(|c| error::classify_code(c) != ErrorKind::Throttled)
}

/// Looks again, pausing on `backoff`, until [`LIST_LAG`] has passed: `Ok(Some)` ours after all,
/// `Ok(None)` still nothing, `Err(Some(why))` someone else's, `Err(None)` a failed look or a stop.
async fn look_through_list_lag<T, F, FFut>(
    pace: &impl Pace,
    find: &mut F,
    backoff: &mut Backoff,
) -> Result<Option<T>, Option<String>>
where
    F: FnMut() -> FFut,
    FFut: Future<Output = R<Found<T>>>,
{
    let until = Instant::now() + LIST_LAG;
    loop {
        if !sleep_unless_cancelled(backoff.next_delay().min(pace.remaining()), pace.cancel()).await {
            return Err(None);
        }
        match find().await {
            Ok(Found::Ours(child)) => return Ok(Some(child)),
            Ok(Found::Refused(why)) => return Err(Some(why)),
            Ok(Found::Nothing) if Instant::now() >= until || pace.remaining().is_zero() => return Ok(None),
            Ok(Found::Nothing) => {}
            Err(_) => return Err(None),
        }
    }
}

/// How many times [`adopt_or_create_looking`] sends a create, looking in between.
const CREATE_ATTEMPTS: u32 = 8;

/// 1 s, doubling, at most 4 s between creates: short enough that a stop is never kept waiting long.
fn create_backoff() -> Backoff {
    Backoff::new(Duration::from_secs(1), 2.0, Duration::from_secs(4)).jitter(0.2)
}

/// A failed create worth sending again once a look found nothing: throttling, a server error or no
/// answer at all. "Already exists" is not: something stands where the child would be.
fn worth_another_create(code: &str) -> bool {
    error::outcome_unknown(code) && error::classify_code(code) != ErrorKind::AlreadyExists
}

/// What a look after a failed create found.
enum Looked<T> {
    /// Ours: the failed create's answer was lost.
    Adopted(T),
    /// Nothing: the create's own error stands.
    Nothing(StepError),
    /// Someone else's object, or the create was refused outright: stop.
    Stop(StepError),
}

/// After a create failed with `e`: when the failure may hide a served call
/// ([`error::outcome_unknown`]), look again and adopt what is ours.
async fn second_look<T, F, FFut>(step: impl StepName, what: &str, find: &mut F, e: StepError) -> Looked<T>
where
    F: FnMut() -> FFut,
    FFut: Future<Output = R<Found<T>>>,
{
    if !e.code.as_deref().is_some_and(error::outcome_unknown) {
        return Looked::Stop(e);
    }
    match find().await {
        Ok(Found::Ours(child)) => {
            tracing::info!(step = step.as_str(), what, "adopting what this create made (its answer was lost: {e})");
            Looked::Adopted(child)
        }
        Ok(Found::Refused(why)) => Looked::Stop(StepError { message: format!("{}; {why}", e.message), ..e }),
        Ok(Found::Nothing) => Looked::Nothing(e),
        // A look that failed proves nothing: creating again could make a twin.
        Err(_) => Looked::Stop(e),
    }
}

/// A non-idempotent action (attach, authorize, enable, ...) whose own lost answer counts as
/// done: after a failure whose outcome is unknown ([`AwsError::outcome_unknown`]), `done` looks
/// whether the action took effect; if so the action succeeded.
pub async fn tolerate_lost<T: Default, A, AFut, D, DFut>(action: A, done: D) -> Result<T, AwsError>
where
    A: FnOnce() -> AFut,
    AFut: Future<Output = Result<T, AwsError>>,
    D: FnOnce() -> DFut,
    DFut: Future<Output = Result<bool, AwsError>>,
{
    match action().await {
        Err(e) if e.outcome_unknown() => match done().await {
            Ok(true) => {
                tracing::info!("the action took effect although its answer was lost ({e})");
                Ok(T::default())
            }
            _ => Err(e),
        },
        other => other,
    }
}

/// Refusals a modify's retry meets once its first attempt has taken effect: nothing left to change
/// (DMS `ModifyReplicationInstance`: `InvalidParameterCombinationException` "No modifications were
/// requested"; RDS `InvalidParameterCombination`).
const NO_CHANGE_CODES: &[&str] = &["InvalidParameterCombinationException", "InvalidParameterCombination"];

/// [`tolerate_lost`] for an action the object refuses while it carries out the action's own first
/// attempt — `ModifyReplicationInstance` or `ModifyDBInstance` while `modifying`, `StopReplicationTask`
/// while `stopping`, `StartReplicationTask` while `starting` — or once that attempt is done (a modify
/// with nothing left to change), so the SDK's retry of a served attempt meets a state error
/// (`InvalidResourceStateFault`, `InvalidDBInstanceState`) or a no-change refusal instead of "already
/// exists": those leave the outcome unknown too and `done` decides. Such a refusal whose `done` says
/// no stands, as does any other refusal.
pub async fn tolerate_lost_busy<T: Default, A, AFut, D, DFut>(action: A, done: D) -> Result<T, AwsError>
where
    A: FnOnce() -> AFut,
    AFut: Future<Output = Result<T, AwsError>>,
    D: FnOnce() -> DFut,
    DFut: Future<Output = Result<bool, AwsError>>,
{
    match action().await {
        Err(e)
            if e.outcome_unknown()
                || e.is_kind(ErrorKind::InvalidState)
                || NO_CHANGE_CODES.contains(&e.code.as_str()) =>
        {
            match done().await {
                Ok(true) => {
                    tracing::info!("the action took effect although its answer was lost ({e})");
                    Ok(T::default())
                }
                _ => Err(e),
            }
        }
        other => other,
    }
}

/// The operation a step failure interrupted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Doing {
    Creating,
    Updating,
}

impl Doing {
    pub fn as_str(self) -> &'static str {
        match self {
            Doing::Creating => "creating",
            Doing::Updating => "updating",
        }
    }
}

/// The one diagnostic for a failed step of a composite resource: what failed (`subject` names the
/// object, e.g. `DMS stack dblink-dev`), the AWS error code, and the ways on — after a create,
/// untaint and apply to resume or apply to replace; after an update, apply again. `detail` is the
/// error's own text.
pub fn step_failure(doing: Doing, subject: &str, e: &StepError, detail: &str) -> Diagnostics {
    let code = e.code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
    let summary = format!("Error {} {subject}: step {} failed{code}", doing.as_str(), e.step);
    let ways = match doing {
        Doing::Creating => {
            "Everything created so far is kept in the state. Two ways on:\n  \
             - fix the cause, then `terraform untaint` this resource and `terraform apply`: dmslink resumes and \
             creates only what is missing;\n  \
             - or run `terraform apply` as it is: Terraform destroys what was created and creates it again."
        }
        Doing::Updating => {
            "Everything that exists is kept in the state. Fix the cause and run `terraform apply` again: it adopts \
             what exists and finishes the change."
        }
    };
    Diagnostic::error(summary, format!("{detail}\n\n{ways}")).into()
}

#[cfg(test)]
mod tests;
