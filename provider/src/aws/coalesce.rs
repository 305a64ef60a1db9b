//! Coalesced reads: concurrent lookups of one kind of object by identifier, gathered over a short
//! window and answered from one call that asks for all of them.
//!
//! Why: Terraform refreshes up to ten resources at once (`-parallelism`), and each reads its own
//! objects with a `Describe*` of one identifier. DMS throttles those calls per account and region,
//! and a state of hundreds of tasks makes hundreds of them on every plan. One `Describe*` filtered
//! by the ten identifiers costs one request.
//!
//! What stays true: an answer is never older than its lookup (the batch call is sent after every
//! lookup in it arrived: nothing is cached); a missing object is still `None`; and when the batch
//! call fails with an error that may concern some objects only, each identifier is asked again on
//! its own, so the error reaches only the lookups it concerns (an ARN in another account, a
//! permission scoped to some resources, a malformed ARN). Throttling, server errors and lost answers
//! concern the account, not an object: every lookup of the batch gets them, without a storm of single calls.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::oneshot;

use super::error::{AwsError, ErrorKind};

/// How long the first lookup of a batch waits for others to join. Terraform sends its parallel
/// `ReadResource` calls within a millisecond or two of each other; a few more milliseconds are
/// nothing next to an AWS round trip.
pub const DEFAULT_WINDOW: Duration = Duration::from_millis(8);

/// Whether the environment turns coalescing off (`DMSLINK_COALESCE_READS` = `off`, `false`, `no`
/// or `0`): it exists to measure what coalescing saves (`make bench`).
pub fn wanted() -> bool {
    !matches!(
        std::env::var("DMSLINK_COALESCE_READS").ok().as_deref().map(str::trim).map(str::to_ascii_lowercase).as_deref(),
        Some("off" | "false" | "0" | "no")
    )
}

/// One kind of object, read many at once or one alone.
#[async_trait]
pub trait BatchLookup<V>: Send + Sync {
    /// The objects among `keys` that exist, by key: one call (paged by the implementation).
    async fn many(&self, keys: &[String]) -> Result<BTreeMap<String, V>, AwsError>;
    /// One object alone: asked only when a batch call failed, so that its error is this key's own.
    async fn one(&self, key: &str) -> Result<Option<V>, AwsError>;
}

type Answer<V> = Result<Option<V>, AwsError>;

struct Waiter<V> {
    key: String,
    reply: oneshot::Sender<Answer<V>>,
}

/// Whether a failed batch call's error may belong to some of its objects only (a permission scoped
/// to some resources, a malformed or foreign identifier, an object gone mid-call), so that asking
/// each alone can give the others their answers. Throttling and server errors (5xx, after all of
/// the SDK's attempts) are the service's, as are lost answers.
fn could_concern_one_object(e: &AwsError) -> bool {
    !(e.is_busy() || matches!(e.kind, ErrorKind::Transport | ErrorKind::Cancelled | ErrorKind::TimedOut))
}

/// Gathers lookups of one kind (see the module documentation).
pub struct Coalescer<V> {
    kind: &'static str,
    lookup: Arc<dyn BatchLookup<V>>,
    window: Duration,
    gathering: Mutex<Vec<Waiter<V>>>,
}

impl<V: Clone + Send + 'static> Coalescer<V> {
    pub fn new(kind: &'static str, lookup: Arc<dyn BatchLookup<V>>, window: Duration) -> Arc<Coalescer<V>> {
        Arc::new(Coalescer { kind, lookup, window, gathering: Mutex::new(Vec::new()) })
    }

    /// The object `key` names, or `None` when none exists: answered together with every other
    /// lookup that arrives within the window.
    pub async fn get(self: &Arc<Self>, key: &str) -> Answer<V> {
        let (reply, answer) = oneshot::channel();
        let opens_batch = {
            let mut gathering = self.gathering.lock().unwrap_or_else(PoisonError::into_inner);
            gathering.push(Waiter { key: key.to_string(), reply });
            gathering.len() == 1
        };
        if opens_batch {
            // The batch is served by its own task: a lookup whose caller gives up (a cancelled
            // request) must not leave the others of its batch without an answer.
            let me = Arc::clone(self);
            tokio::spawn(async move {
                tokio::time::sleep(me.window).await;
                let batch = std::mem::take(&mut *me.gathering.lock().unwrap_or_else(PoisonError::into_inner));
                me.serve(batch).await;
            });
        }
        answer.await.unwrap_or_else(|_| {
            Err(AwsError::new(
                ErrorKind::Transport,
                "",
                format!("the coalesced read of {} {key} ended without an answer", self.kind),
            ))
        })
    }

    async fn serve(&self, batch: Vec<Waiter<V>>) {
        let mut keys: Vec<String> = batch.iter().map(|w| w.key.clone()).collect();
        keys.sort();
        keys.dedup();
        let answers: BTreeMap<String, Answer<V>> = match self.lookup.many(&keys).await {
            Ok(mut found) => keys
                .into_iter()
                .map(|k| {
                    let v = found.remove(&k);
                    (k, Ok(v))
                })
                .collect(),
            // One key, or an error about the account or the connection rather than any one object
            // (throttling, a 5xx, no answer): every lookup gets it. Asking each alone then would only
            // multiply the calls AWS is already refusing; each caller retries as it would alone.
            Err(e) if keys.len() == 1 || !could_concern_one_object(&e) => {
                keys.into_iter().map(|k| (k, Err(e.clone()))).collect()
            }
            Err(e) => {
                tracing::debug!(kind = self.kind, keys = keys.len(), error = %e, "coalesced read failed; asking each alone");
                self.each_alone(keys).await
            }
        };
        tracing::trace!(kind = self.kind, lookups = batch.len(), keys = answers.len(), "coalesced read served");
        for waiter in batch {
            // Only a lookup that panicked leaves a key unanswered: an error, never "gone".
            let answer = answers.get(&waiter.key).cloned().unwrap_or_else(|| {
                Err(AwsError::new(
                    ErrorKind::Transport,
                    "",
                    format!("the read of {} {} ended without an answer", self.kind, waiter.key),
                ))
            });
            // A receiver that gave up is no one's loss.
            let _ = waiter.reply.send(answer);
        }
    }

    async fn each_alone(&self, keys: Vec<String>) -> BTreeMap<String, Answer<V>> {
        let mut set = tokio::task::JoinSet::new();
        for key in keys {
            let lookup = Arc::clone(&self.lookup);
            set.spawn(async move {
                let answer = lookup.one(&key).await;
                (key, answer)
            });
        }
        let mut out = BTreeMap::new();
        while let Some(joined) = set.join_next().await {
            if let Ok((key, answer)) = joined {
                out.insert(key, answer);
            }
        }
        out
    }
}
