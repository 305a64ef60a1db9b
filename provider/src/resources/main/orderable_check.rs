//! Plan-time check of what the region offers: the replication instance's class and DMS engine
//! version, and each RDS block's engine version and instance class. On AWS a retired class or
//! version fails only at apply, after the rest of the stack was created; here the plan refuses it at
//! the attribute, naming what is offered.
//!
//! Only new or changed values are checked (a stack on a version AWS no longer offers for new
//! instances still plans), unknown values are skipped, and the answers come from the provider's
//! [`OfferCache`]: one call per distinct question per provider process.

use std::sync::Arc;

use crate::aws::error::AwsError;
use crate::aws::offers::OfferCache;
use crate::engine::Value;
use crate::engine::diag::{AttrPath, Diagnostic, quote_input};
use crate::provider_config::Configured;
use crate::resources::PlanDraft;

/// A value a plan asks for.
enum Wanted {
    /// Known.
    Is(String),
    /// Unset: AWS's default.
    Default,
    /// Known only after apply: not checked.
    Unknown,
}

/// `attr` of a planned block: unknown in the configuration is unknown; unknown in the plan alone
/// (an optional+computed attribute left unset on create) is AWS's default.
fn wanted(planned: &Value, config: &Value, attr: &str) -> Wanted {
    if config.get(attr).is_unknown() {
        return Wanted::Unknown;
    }
    match planned.get(attr) {
        Value::String(s) => Wanted::Is(s.clone()),
        Value::Unknown if !config.get(attr).is_null() => Wanted::Unknown,
        _ => Wanted::Default,
    }
}

/// Whether `attr` of the planned block differs from the prior one (a new block: always).
fn changed(planned: &Value, prior: &Value, attr: &str) -> bool {
    prior.is_null() || planned.get(attr) != prior.get(attr)
}

/// What the checks found; a failed look-up ends the checks (AWS checks again at apply).
struct Checker {
    provider: Arc<Configured>,
    found: Vec<Diagnostic>,
    unavailable: Option<AwsError>,
}

impl Checker {
    fn offers(&self) -> &OfferCache {
        &self.provider.clients.offers
    }
    fn region(&self) -> &str {
        &self.provider.region
    }
    /// The answer, or `None` after a failed look-up (remembered for one warning).
    fn answer<T>(&mut self, r: Result<T, AwsError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.unavailable.get_or_insert(e);
                None
            }
        }
    }
}

/// Checks the plan's classes and versions against the region's offer; errors at their attribute.
pub async fn check(draft: &mut PlanDraft<'_>) {
    let Some(provider) = draft.provider.clone() else { return };
    // A replaced stack is created anew: every value is new.
    let prior = if draft.is_create() || draft.is_replace() { &Value::Null } else { draft.prior };
    let mut c = Checker { provider, found: Vec::new(), unavailable: None };
    check_replication_instance(
        &mut c,
        draft.planned.get("replication_instance"),
        draft.config.get("replication_instance"),
        prior.get("replication_instance"),
    )
    .await;
    let planned_sources = draft.planned.get("source").as_elements().unwrap_or_default();
    let config_sources = draft.config.get("source").as_elements().unwrap_or_default();
    let prior_sources = prior.get("source").as_elements().unwrap_or_default();
    for (i, block) in planned_sources.iter().enumerate() {
        let config = config_sources.get(i).unwrap_or(&Value::Null);
        // Sources are identified by name, whatever their position.
        let name = block.get("name").as_str();
        let before = prior_sources.iter().find(|p| name.is_some() && p.get("name").as_str() == name);
        let path = AttrPath::attr("source").then_index(i).then_attr("rds");
        check_rds(
            &mut c,
            block.get("rds"),
            config.get("rds"),
            before.map_or(&Value::Null, |p| p.get("rds")),
            "oracle-se2",
            path,
        )
        .await;
    }
    let path = AttrPath::attr("target").then_attr("rds");
    let (planned, config) = (draft.planned.get("target").get("rds"), draft.config.get("target").get("rds"));
    check_rds(&mut c, planned, config, prior.get("target").get("rds"), "postgres", path).await;

    for d in c.found {
        draft.diags.push(d);
    }
    if let Some(e) = c.unavailable
        && c.provider.clients.offers.first_failure()
    {
        // A plan never fails because the offer could not be read (no permission for the describe
        // calls, throttling past the SDK's retries): AWS still checks at apply.
        tracing::warn!(error = %e, "could not read the region's orderable options; classes and versions not checked");
        draft.diags.push(Diagnostic::warning(
            "Classes and engine versions not checked at plan",
            format!(
                "{}\n\ndmslink checks replication instance and RDS classes and engine versions against what {} \
                 offers before apply; without that answer AWS checks them during apply. Allow \
                 dms:DescribeOrderableReplicationInstances, dms:DescribeEngineVersions, \
                 rds:DescribeDBEngineVersions and rds:DescribeOrderableDBInstanceOptions to have them checked at plan.",
                e.describe("reading the orderable options", ""),
                c.provider.region
            ),
        ));
    }
}

async fn check_replication_instance(c: &mut Checker, planned: &Value, config: &Value, prior: &Value) {
    if planned.is_null() || planned.is_unknown() {
        return;
    }
    let version = wanted(planned, config, "engine_version");
    let class = wanted(planned, config, "replication_instance_class");
    let version_changed = changed(planned, prior, "engine_version");
    let class_changed = changed(planned, prior, "replication_instance_class");
    let path = AttrPath::attr("replication_instance");
    let region = c.region().to_string();
    let dms = c.provider.clients.dms.clone();
    // The version the class goes with: as planned, AWS's default when unset, any when unknown.
    let mut for_version: Option<String> = None;
    if matches!(version, Wanted::Is(_) | Wanted::Default) && (version_changed || class_changed) {
        let Some(versions) = c.answer(c.offers().dms_versions(&region, dms.as_ref()).await) else { return };
        let default = versions.iter().find(|v| v.is_default()).map(|v| v.version.clone());
        match &version {
            Wanted::Is(v) if versions.iter().any(|o| o.version == *v) => for_version = Some(v.clone()),
            Wanted::Is(v) => {
                if !version_changed {
                    // An existing instance's version, no longer offered: not reported; a new class
                    // is checked against every offered version.
                    for_version = None;
                } else {
                    let offered: Vec<String> = versions
                        .iter()
                        .map(
                            |o| if o.is_default() { format!("{} (the default)", o.version) } else { o.version.clone() },
                        )
                        .collect();
                    c.found.push(
                        Diagnostic::error(
                            format!("DMS engine version {} is not offered", quote_input(v)),
                            format!(
                                "DMS engine version {} is not offered in {region}. Offered: {}. Set engine_version to \
                                 one of them, or leave it unset for the default.",
                                quote_input(v),
                                offered.join(", ")
                            ),
                        )
                        .at(path.then_attr("engine_version")),
                    );
                    return;
                }
            }
            _ => for_version = default,
        }
    }
    let Wanted::Is(class) = class else { return };
    if !class_changed {
        return;
    }
    let Some(orderable) = c.answer(c.offers().dms_orderable(&region, dms.as_ref()).await) else { return };
    let mut offered: Vec<&str> = Vec::new();
    for o in orderable.iter().filter(|o| for_version.as_ref().is_none_or(|v| o.engine_version == *v)) {
        if !offered.contains(&o.class.as_str()) {
            offered.push(&o.class);
        }
    }
    if offered.is_empty() || offered.contains(&class.as_str()) {
        return;
    }
    let engine = for_version.map_or_else(|| "any DMS engine version".to_string(), |v| format!("DMS engine {v}"));
    c.found.push(
        Diagnostic::error(
            format!("Replication instance class {} is not offered", quote_input(&class)),
            format!(
                "Replication instance class {} is not offered in {region} for {engine}. Offered: {}. Set \
                 replication_instance_class to one of them.",
                quote_input(&class),
                offered.join(", ")
            ),
        )
        .at(path.then_attr("replication_instance_class")),
    );
}

async fn check_rds(
    c: &mut Checker,
    planned: &Value,
    config: &Value,
    prior: &Value,
    default_engine: &str,
    path: AttrPath,
) {
    if planned.is_null() || planned.is_unknown() {
        return;
    }
    let class = wanted(planned, config, "instance_class");
    let any_changed = ["snapshot_identifier", "engine", "engine_version", "instance_class"]
        .iter()
        .any(|a| changed(planned, prior, a));
    let Wanted::Is(class) = class else { return };
    if !any_changed {
        return;
    }
    let region = c.region().to_string();
    let rds = c.provider.clients.rds.clone();
    let (engine, version) = match wanted(planned, config, "snapshot_identifier") {
        Wanted::Unknown => return,
        // A restore takes the snapshot's engine and version.
        Wanted::Is(snapshot) => {
            let Some(found) = c.answer(rds.find_db_snapshot(&snapshot).await) else { return };
            let Some(snap) = found else { return };
            let Some(versions) =
                c.answer(c.offers().rds_versions(&region, rds.as_ref(), &snap.engine, None, false).await)
            else {
                return;
            };
            if !versions.is_empty() && !versions.iter().any(|v| v.version == snap.engine_version) {
                c.found.push(
                    Diagnostic::error(
                        format!("DB snapshot {} cannot be restored", quote_input(&snapshot)),
                        format!(
                            "DB snapshot {} is of {} {}, which is not offered in {region}, so RDS cannot restore it. \
                             Upgrade the snapshot to an offered version first (aws rds modify-db-snapshot \
                             --engine-version), or restore another snapshot. Offered: {}.",
                            quote_input(&snapshot),
                            snap.engine,
                            snap.engine_version,
                            version_list(&versions)
                        ),
                    )
                    .at(path.then_attr("snapshot_identifier")),
                );
                return;
            }
            (snap.engine, snap.engine_version)
        }
        Wanted::Default => {
            let engine = match wanted(planned, config, "engine") {
                Wanted::Is(e) => e,
                Wanted::Default => default_engine.to_string(),
                Wanted::Unknown => return,
            };
            let version = match wanted(planned, config, "engine_version") {
                Wanted::Unknown => return,
                Wanted::Is(v) => Some(v),
                Wanted::Default => None,
            };
            // An unchanged version AWS no longer offers is the existing instance's: not reported.
            let report = changed(planned, prior, "engine") || changed(planned, prior, "engine_version");
            let Some(version) = rds_version(c, &engine, version.as_deref(), report.then_some(&path)).await else {
                return;
            };
            (engine, version)
        }
    };
    let Some(classes) = c.answer(c.offers().rds_classes(&region, rds.as_ref(), &engine, &version).await) else {
        return;
    };
    if classes.is_empty() || classes.contains(&class) {
        return;
    }
    c.found.push(
        Diagnostic::error(
            format!("DB instance class {} is not offered", quote_input(&class)),
            format!(
                "DB instance class {} is not offered in {region} for {engine} {version}. Offered: {}. Set \
                 instance_class to one of them.",
                quote_input(&class),
                classes.join(", ")
            ),
        )
        .at(path.then_attr("instance_class")),
    );
}

/// The version an RDS create of `engine` uses (`asked`, or the default for none or a major
/// alone); `None` when it is not offered (reported at `engine_version` of `report`) or cannot be
/// told.
async fn rds_version(c: &mut Checker, engine: &str, asked: Option<&str>, report: Option<&AttrPath>) -> Option<String> {
    let region = c.region().to_string();
    let rds = c.provider.clients.rds.clone();
    let versions = c.answer(c.offers().rds_versions(&region, rds.as_ref(), engine, None, false).await)?;
    if versions.is_empty() {
        return None; // an engine RDS does not offer here: the engine's own check says so
    }
    let major = asked.filter(|a| versions.iter().any(|v| v.major_version.as_deref() == Some(*a)));
    if let (Some(v), None) = (asked, major) {
        if versions.iter().any(|o| o.version == v) {
            return Some(v.to_string());
        }
        let path = report?;
        let default = c.answer(c.offers().rds_versions(&region, rds.as_ref(), engine, None, true).await)?;
        let default = default.first().map(|d| format!(" (the default: {})", d.version)).unwrap_or_default();
        c.found.push(
            Diagnostic::error(
                format!("RDS engine version {} is not offered", quote_input(v)),
                format!(
                    "RDS engine version {} is not offered in {region} for {engine}. Offered: {}{default}. Set \
                     engine_version to one of them, to a major version alone (its newest minor), or leave it unset \
                     for the default.",
                    quote_input(v),
                    version_list(&versions)
                ),
            )
            .at(path.then_attr("engine_version")),
        );
        return None;
    }
    let default = c.answer(c.offers().rds_versions(&region, rds.as_ref(), engine, major, true).await)?;
    default.first().map(|d| d.version.clone())
}

fn version_list(versions: &[crate::aws::rds::DbEngineVersion]) -> String {
    versions.iter().map(|v| v.version.as_str()).collect::<Vec<_>>().join(", ")
}
