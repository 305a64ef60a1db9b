//! Refresh from a listing: once a provider process has refreshed a few tasks of one replication
//! instance, it lists that instance's tasks (one `DescribeReplicationTasks` filtered by the
//! instance, 100 per page) and their tags (`ListTagsForResource` with `ResourceArnList`, 100 ARNs
//! per call) and answers the refresh of the instance's other tasks from that listing.
//!
//! Why: Terraform refreshes at most ten resources at once, so reads coalesced by time alone
//! (`aws::coalesce`) gather a handful per call — a state of 500 tasks still costs about 250 calls
//! on every plan. A listing costs two calls per 100 tasks.
//!
//! What it may and may not answer:
//! - only refreshes (`DmsApi::refresh_replication_task`); waits and every other read stay fresh;
//! - a listing is used for at most [`LISTING_LIFETIME`]: a refresh is answered as AWS had the task
//!   at most that long ago, as if Terraform had read it that much earlier in the same plan;
//! - never for a task this process changed (modified, moved, started, stopped, deleted, tagged):
//!   that one is read fresh;
//! - a task missing from the listing (moved to another instance, deleted) and any listing that
//!   failed fall back to fresh reads, so "gone" is always AWS's fresh word and a listing's error
//!   reaches nobody.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::OnceCell;
use tokio::time::Instant;

use super::dms::{DmsApi, ReplicationTask, Tags, TasksUsing};
use super::error::AwsError;

/// How long one listing answers refreshes.
pub const LISTING_LIFETIME: Duration = Duration::from_secs(20);

/// Refreshes of one instance's tasks answered by fresh reads before the instance is listed: a
/// state with a few tasks on a shared instance never pays for listing everyone's tasks.
pub const DEFAULT_LIST_AFTER: usize = 10;

/// One instance's tasks and their tags, as AWS had them at `taken`.
pub struct Listing {
    taken: Instant,
    tasks: BTreeMap<String, ReplicationTask>,
    tags: BTreeMap<String, Tags>,
}

type Shared = Arc<OnceCell<Result<Arc<Listing>, AwsError>>>;

#[derive(Default)]
struct PerInstance {
    refreshes: usize,
    listing: Option<Shared>,
}

/// The listings of one provider process (see the module documentation).
pub struct RefreshListings {
    list_after: usize,
    instances: Mutex<BTreeMap<String, PerInstance>>,
    changed: Mutex<BTreeSet<String>>,
}

impl RefreshListings {
    pub fn new(list_after: usize) -> RefreshListings {
        RefreshListings { list_after, instances: Mutex::new(BTreeMap::new()), changed: Mutex::new(BTreeSet::new()) }
    }

    /// This process changed the task `arn`: its refreshes read fresh from now on.
    pub fn changed(&self, arn: &str) {
        self.changed.lock().unwrap_or_else(PoisonError::into_inner).insert(arn.to_string());
    }

    /// The task and its tags from a listing of `instance_arn`, or `None` when the refresh must
    /// read fresh (too few refreshes yet, a changed task, a task not in the listing, a failed
    /// listing).
    pub async fn answer(&self, dms: &dyn DmsApi, arn: &str, instance_arn: &str) -> Option<(ReplicationTask, Tags)> {
        if instance_arn.is_empty() || self.changed.lock().unwrap_or_else(PoisonError::into_inner).contains(arn) {
            return None;
        }
        let cell = {
            let mut instances = self.instances.lock().unwrap_or_else(PoisonError::into_inner);
            let per = instances.entry(instance_arn.to_string()).or_default();
            per.refreshes += 1;
            if per.refreshes <= self.list_after {
                return None;
            }
            let stale = match per.listing.as_ref().and_then(|c| c.get()) {
                Some(Ok(listing)) => listing.taken.elapsed() >= LISTING_LIFETIME,
                Some(Err(_)) => true,
                None => per.listing.is_none(),
            };
            if stale {
                per.listing = Some(Arc::new(OnceCell::new()));
            }
            per.listing.clone()?
        };
        let listing = cell.get_or_init(|| list(dms, instance_arn)).await.as_ref().ok()?.clone();
        if listing.taken.elapsed() >= LISTING_LIFETIME {
            return None;
        }
        let task = listing.tasks.get(arn)?.clone();
        let tags = listing.tags.get(arn)?.clone();
        Some((task, tags))
    }
}

async fn list(dms: &dyn DmsApi, instance_arn: &str) -> Result<Arc<Listing>, AwsError> {
    let taken = Instant::now();
    let found = dms.list_replication_tasks_using(&TasksUsing::Instance(instance_arn.to_string())).await;
    let found = found.inspect_err(
        |e| tracing::debug!(instance = instance_arn, error = %e, "listing for refresh failed; reading each task"),
    )?;
    let arns: Vec<String> = found.iter().map(|t| t.arn.clone()).collect();
    let tags = if arns.is_empty() { BTreeMap::new() } else { dms.list_tags_of_many(&arns).await? };
    tracing::debug!(instance = instance_arn, tasks = arns.len(), "listed an instance's tasks for refresh");
    Ok(Arc::new(Listing { taken, tasks: found.into_iter().map(|t| (t.arn.clone(), t)).collect(), tags }))
}
