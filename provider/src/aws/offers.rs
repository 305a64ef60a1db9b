//! What a region offers (DMS replication instance classes and engine versions, RDS engine versions
//! and instance classes), asked once per provider process: Terraform starts a provider process per
//! plan, so a plan that checks several values makes one call per distinct question. Concurrent
//! plans of several resources in one process share the answer (one call in flight per question).
//! A failed call is remembered too, so a plan asks again only in its next process. Tested over the
//! fakes in `aws::fake::orderable` (a test here would import the fakes, which import this).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::dms::{DmsApi, DmsEngineVersion, OrderableReplicationInstance};
use super::error::AwsError;
use super::rds::{DbEngineVersion, RdsApi};

/// One question: region, service, engine, version and what is asked (`*`: none).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Question {
    region: String,
    service: &'static str,
    engine: String,
    version: String,
    asked: &'static str,
}

#[derive(Clone, Debug)]
enum Answer {
    DmsOrderable(Arc<Vec<OrderableReplicationInstance>>),
    DmsVersions(Arc<Vec<DmsEngineVersion>>),
    RdsVersions(Arc<Vec<DbEngineVersion>>),
    RdsClasses(Arc<Vec<String>>),
}

type Slot = Arc<OnceCell<Result<Answer, AwsError>>>;

/// The answers of this process, thread-safe (one per [`crate::aws::Clients`]).
#[derive(Default)]
pub struct OfferCache {
    answers: Mutex<HashMap<Question, Slot>>,
    warned: AtomicBool,
}

impl std::fmt::Debug for OfferCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OfferCache")
    }
}

fn question(region: &str, service: &'static str, engine: &str, version: Option<&str>, asked: &'static str) -> Question {
    Question {
        region: region.to_string(),
        service,
        engine: engine.to_string(),
        version: version.unwrap_or("*").to_string(),
        asked,
    }
}

fn wrong_answer() -> AwsError {
    AwsError::from_code("", "the offer cache holds another kind of answer for this question")
}

impl OfferCache {
    pub fn new() -> OfferCache {
        OfferCache::default()
    }

    async fn ask<F>(&self, q: Question, call: F) -> Result<Answer, AwsError>
    where
        F: std::future::Future<Output = Result<Answer, AwsError>>,
    {
        let slot = {
            let mut answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
            answers.entry(q).or_default().clone()
        };
        slot.get_or_init(|| call).await.clone()
    }

    /// `DescribeOrderableReplicationInstances` of `region`.
    pub async fn dms_orderable(
        &self,
        region: &str,
        dms: &dyn DmsApi,
    ) -> Result<Arc<Vec<OrderableReplicationInstance>>, AwsError> {
        let q = question(region, "dms", "*", None, "orderable");
        match self
            .ask(q, async {
                dms.list_orderable_replication_instances().await.map(|v| Answer::DmsOrderable(Arc::new(v)))
            })
            .await?
        {
            Answer::DmsOrderable(v) => Ok(v),
            _ => Err(wrong_answer()),
        }
    }

    /// `DescribeEngineVersions` of `region`.
    pub async fn dms_versions(&self, region: &str, dms: &dyn DmsApi) -> Result<Arc<Vec<DmsEngineVersion>>, AwsError> {
        let q = question(region, "dms", "*", None, "versions");
        match self.ask(q, async { dms.list_engine_versions().await.map(|v| Answer::DmsVersions(Arc::new(v))) }).await? {
            Answer::DmsVersions(v) => Ok(v),
            _ => Err(wrong_answer()),
        }
    }

    /// `DescribeDBEngineVersions(Engine, EngineVersion?, DefaultOnly)` of `region`.
    pub async fn rds_versions(
        &self,
        region: &str,
        rds: &dyn RdsApi,
        engine: &str,
        version: Option<&str>,
        default_only: bool,
    ) -> Result<Arc<Vec<DbEngineVersion>>, AwsError> {
        let asked = if default_only { "default-version" } else { "versions" };
        let q = question(region, "rds", engine, version, asked);
        let call = async {
            rds.list_db_engine_versions(engine, version, default_only).await.map(|v| Answer::RdsVersions(Arc::new(v)))
        };
        match self.ask(q, call).await? {
            Answer::RdsVersions(v) => Ok(v),
            _ => Err(wrong_answer()),
        }
    }

    /// `DescribeOrderableDBInstanceOptions(Engine, EngineVersion)` of `region`, as classes.
    pub async fn rds_classes(
        &self,
        region: &str,
        rds: &dyn RdsApi,
        engine: &str,
        version: &str,
    ) -> Result<Arc<Vec<String>>, AwsError> {
        let q = question(region, "rds", engine, Some(version), "classes");
        let call = async {
            rds.list_orderable_db_instance_classes(engine, version).await.map(|v| Answer::RdsClasses(Arc::new(v)))
        };
        match self.ask(q, call).await? {
            Answer::RdsClasses(v) => Ok(v),
            _ => Err(wrong_answer()),
        }
    }

    /// True the first time only: a failed look-up is reported once per process.
    pub fn first_failure(&self) -> bool {
        !self.warned.swap(true, Ordering::SeqCst)
    }
}
