//! `dmslink_main`: the once-deployed DMS stack as one composite resource. Its children are steps of
//! a DAG ([`steps::graph`]); independent steps run at the same time, every child is recorded the
//! moment it exists, and a failure part-way returns them all so the next apply resumes.

mod adoption;
pub mod children;
pub mod connections;
pub mod deletions;
pub mod desired;
mod endpoint_drift;
pub mod engine_settings;
mod engine_settings_checks;
pub mod login_secret;
pub mod lookup;
pub mod naming;
pub mod orderable_check;
pub mod owned_certificate;
pub mod preconditions;
mod refresh;
pub mod replace;
pub mod schema;
pub mod secrets_config;
pub mod secrets_update;
pub mod steps;
#[cfg(test)]
mod tests;
pub mod validate;
pub mod vpn_gateway_plan;
pub mod vpn_guard;

use std::sync::Arc;

use async_trait::async_trait;

use crate::provider_config::Configured;
use tracing::Instrument;

use crate::engine::diag::{Diagnostic, Diagnostics};
use crate::engine::steps::RunReport;
use crate::engine::{About, ApplyOutcome, Resource, Value};
use crate::resources::step_kit::{self, Doing, StepError};
use crate::resources::{Ctx, PlanDraft};
use crate::resources::{tags, timeouts};

use children::Children;
use desired::Stack;
use steps::{MainStep, StackRun};

pub struct Main;

pub const IMPORT_DOC: &str = "Import a stack by its `name`, or `name/environment` when it has an environment:\n\n```shell\nterraform import dmslink_main.dblink dblink/dev\n```\n\nThe stack is found as the `dmslink_main` data source finds it: the VPC by its `dmslink:stack` and `dmslink:resource` tags, every other child by its deterministic identifier, and only objects that carry the stack's tags. Sources are the DMS source endpoints named `<name>-<environment>-src-<source>`, each with the RDS instance of the same identifier, imported in `name` order. `source` is a list, so list the `source` blocks in the configuration in `name` order too: another order shows as changes. The imported state has a `replication_instance` block; keep one in the configuration.\n\nSecrets (`password`, `master_password`) cannot be read back from AWS: they stay null in the imported state until the next apply sets them from the configuration (`password_wo` and `master_password_wo` leave nothing to plan; their `*_wo_version` is not read back either). Import cannot know the final-snapshot choice: `skip_final_snapshot` is imported as false (a final snapshot on deletion, the safe choice and the default); a configuration that sets it to true plans that change, which touches nothing in AWS. A source restored from a snapshot is recognised by the `dmslink:snapshot` tag dmslink puts on it; what a restore takes from the snapshot (master user, encryption, storage size while it is the snapshot's) is imported as a configuration that leaves it out plans it. Likewise SSL mode `none` and the VPN gateway's default ASN 64512 are imported as unset. A stack on `network.vpn_gateway_id` imports with it: the gateway attached to the stack's VPC without the stack's tags is the user's.\n\n### Adopting a stack built without dmslink\n\nA stack the original `terraform-main` module built (plain `aws_*` resources, untagged, with its own names) is imported from its VPC, with the `name` and `environment` the configuration gives it:\n\n```shell\nterraform import dmslink_main.dblink dblink/dev/vpc-0123456789abcdef0\n```\n\n(`dblink//vpc-…` without an environment; the same id works in an `import {}` block on Terraform 1.5 or later.) Everything that hangs together in that VPC is found: its subnets (one per availability zone), route tables, VPN and internet gateways, the DB subnet group in it and the RDS instances in that group, the DMS replication subnet group in it and the replication instance in that group, the DMS endpoints that point at those RDS instances or that tasks on that instance use (on-premises sources included), and the security group the instances use. Each child is recorded with its existing identifier or ARN and keeps it for the life of the stack: nothing is renamed, re-created or duplicated. Sources are named by their endpoint identifier (which must be a valid source name), in that order. Several candidates for one child (two replication instances, two target endpoints, two subnets in one zone...) are refused with a list of them, as is an RDS instance in the VPC that no endpoint uses.\n\nThe imported state has `ownership_tagged = false`. The first plan is an in-place update: `ownership_tagged` becomes true (the apply adds the `dmslink:stack` and `dmslink:resource` tags to every child; `Name` tags stay; no identifier changes) and the passwords in the configuration are sent, as AWS never returns them. AWS does not say which snapshot an RDS instance was restored from: the configuration's `rds.snapshot_identifier` is taken as the record at that first apply (no replacement), and the instance is tagged `dmslink:snapshot`. The apply also adds what every dmslink stack has and the original may lack, without showing it in the plan: DNS support and host names on the VPC, the security group's rules (all traffic within the group, each database's port from the VPC's CIDR, egress), and the VPN gateway's route propagation into the VPC's route tables; nothing is removed. Once tagged, the stack is also found by `name/environment` (the data source, an import) with its children's own identifiers. Settings a restore took from the snapshot (`storage_encrypted`, `allocated_storage`) must be written as the instance has them, or the plan shows the change (a replacement for `storage_encrypted`). The migration guide (`docs/guides/migrating.md`) walks through the three stages.";

pub const NOTES_DOC: &str = "Children are created as a graph of steps: independent work (the RDS instances, the replication instance, the VPN gateway) runs at the same time, and `TF_LOG_PROVIDER=DEBUG` shows each step's start, end and duration.\n\nIf a step fails during create, every child created so far is kept in the (tainted) state and the error names the step and the AWS error. Fix the cause, then either `terraform untaint` the resource and `terraform apply` (dmslink resumes and creates only the missing children) or plain `terraform apply` (the partial stack is destroyed and created again). A create that finds children of its own (tagged `dmslink:stack` and `dmslink:resource`) left by an apply that died before Terraform saved state adopts them instead of creating duplicates; it never adopts an object without these tags. The same holds when AWS made a child but its answer was lost (the connection dropped, or the SDK's retry met `InvalidSubnet.Conflict`, `DBInstanceAlreadyExists`, `ResourceAlreadyExistsFault`, ...): the step looks again and adopts it. A create is refused when an object where its child would be lacks these tags, or when more than one object carries the tags of one child (a VPC, subnet, VPN or internet gateway: a retried create can make two). The error names them: keep the one in the state, delete the others, then `terraform untaint` and apply again. See `docs/reliability.md`.\n\n`endpoint_connection_status` shows, per endpoint, the last connection test DMS has between the replication instance and that endpoint (refreshed on every read, whoever ran the test). With `test_connections = true`, every endpoint is tested after create and after each update, and a failed test fails the apply with DMS's message (e.g. the database's login error). The stack stays in state: after a create it is tainted, and `terraform untaint` then `terraform apply` with the endpoint fixed modifies the endpoint in place and tests again; after an update the change is made and recorded, and fixing the endpoint's settings in the configuration is a change that modifies the endpoint and tests again. A test that timed out (no answer from the server) names the address DMS had to reach and what carries the way there: for a server on premises, a VPN connection on the stack's VPN gateway that routes to it. While `test_connections = true` and an endpoint's last test did not succeed, the plan shows an update that tests again, so a path fixed outside the configuration (a VPN connection added) is tested by the next apply.\n\nEvery RDS database is deleted after a final snapshot named `<final_snapshot_identifier or instance identifier>-<UTC time of the deletion>` (e.g. `dblink-dev-tgt-20261202t154500z`; the destroy's log names it at INFO), unless its `skip_final_snapshot = true` is set; `deletion_protection` defaults to false. Nothing depends on `environment`: for the old behaviour (snapshots and protection only in environments starting with `p`), set them explicitly, e.g. `skip_final_snapshot = var.environment != \"prod\"` and `deletion_protection = var.environment == \"prod\"`.\n\nA plan that deletes databases (destroying the stack, a change of `name`, `environment` or `network.vpc_cidr` that replaces the whole stack, a re-created or removed database) warns and names each database with its final snapshot; while one of them has deletion protection (as AWS reports it), the plan is refused at its `deletion_protection` (on Terraform older than 1.3, which does not plan destroys with the provider, `terraform destroy` refuses instead). Turn protection off by configuration and apply first.\n\nDestroy checks everything that can refuse it before the first delete, and a refused destroy deletes nothing: deletion protection on any of the stack's RDS instances (read from AWS), a database AWS cannot snapshot (`failed`, `incompatible-restore`, `incompatible-network`) whose final snapshot is wanted (set its `skip_final_snapshot = true` to delete it without one), site-to-site VPN connections on the stack's own VPN gateway (dmslink never cuts the on-premises link: delete them where they are managed first, or set `network.vpn_gateway_id` to that gateway's id and apply, which hands the gateway over; on Terraform 1.3 and later the plan of the destroy, or of a change that replaces the stack, is refused already, naming each connection, its state and its customer gateway), and replication tasks using the replication instance or any of the stack's endpoints (it lists them; dmslink never deletes tasks it does not own). A VPN gateway of `network.vpn_gateway_id` is only detached: it stays, with its VPN connections, and a destroy or replacement is never refused for them. It deletes the network interfaces DMS leaves behind, and deletes `dms-vpc-role` only when this stack created it and no other DMS replication instance or replication subnet group in the region still exists (otherwise the role stays and the log says what needs it).\n\nEvery password argument is sensitive in the schema. On Terraform 1.0.x, do not feed `target` or an `rds` block from a variable declared `sensitive = true`: that Terraform crashes rendering a change to a single nested block holding such a value (\"value is marked, so must be unmarked first\"); the plan hides the passwords anyway. On Terraform ≥ 1.11 or OpenTofu ≥ 1.11, prefer the write-only arguments.";

/// `dmslink_main` as the registry, the engine and the docs know it.
pub const ABOUT: About = About::new("dmslink_main", schema::schema)
    .checked_by(validate::validate_config)
    .documented(include_str!("../../../../examples-hcl/terraform-main/dms-main.tf"), NOTES_DOC)
    .imported_as(IMPORT_DOC);

#[async_trait]
impl Resource<Configured> for Main {
    fn about(&self) -> About {
        ABOUT
    }

    async fn modify_plan(&self, draft: &mut PlanDraft<'_>) {
        if draft.planned.is_null() {
            deletions::plan_destroy(draft);
            vpn_guard::refuse_cutting(draft, vpn_guard::Cut::Destroy).await;
            return;
        }
        if let Some(provider) = &draft.provider {
            validate::validate_region(draft.config, &provider.region, &mut draft.diags);
            secrets_config::validate_region(draft.config, &provider.region, &mut draft.diags);
        }
        validate::check_new_source_ids(draft.prior, draft.config, &mut draft.diags);
        tags::plan_tags_all(draft);
        // AWS is asked what it offers only for an otherwise valid plan.
        if !draft.diags.has_errors() {
            orderable_check::check(draft).await;
        }
        if !draft.diags.has_errors() {
            vpn_gateway_plan::check(draft).await;
        }
        engine_settings::plan(draft.prior, draft.config, &mut draft.planned);
        if draft.is_create() {
            secrets_config::plan_role_arns(draft.config, &mut draft.planned);
            login_secret::plan_arn(draft.config, &mut draft.planned);
            return;
        }
        if draft.is_replace() {
            deletions::plan_stack_replacement(draft);
            vpn_guard::refuse_cutting(draft, vpn_guard::Cut::Replace).await;
            return;
        }
        adoption::plan_ownership(draft);
        vpn_guard::refuse_cutting(draft, vpn_guard::Cut::Swap).await;
        pair_sources_by_name(draft.prior, draft.config, &mut draft.planned);
        endpoint_drift::plan_repair(&mut draft.planned);
        owned_certificate::plan(draft.prior, &mut draft.planned);
        secrets_config::plan_role_arns(draft.config, &mut draft.planned);
        login_secret::plan_arn(draft.config, &mut draft.planned);
        plan_missing_children(draft.prior, &mut draft.planned);
        plan_replaced_children(draft);
        deletions::plan_removed_sources(draft);
        connections::plan_status(draft);
    }

    async fn read(&self, ctx: &Ctx, state: &Value) -> Result<Option<Value>, Diagnostics> {
        let stack = desired::read(state, state);
        let mut kids = Children::from_state(state, &stack)?;
        let tags = state.get("tags_all").string_map();
        let run = StackRun::new(ctx, stack.clone(), tags, timeouts::deadline(state, "create"), kids.clone());
        let mut remote = refresh::Remote::default();
        match refresh::refresh(&run, &mut kids, &mut remote).await {
            Ok(true) => {
                let mut new = refresh::with_drift(kids.to_state(state, &stack), &stack, &remote);
                *run.kids() = kids;
                let status = connections::refreshed(&run, state)
                    .await
                    .map_err(|e| Diagnostics::from(Diagnostic::error("Error reading DMS stack", e)))?;
                new.set(connections::STATUS_ATTR, status);
                Ok(Some(new))
            }
            Ok(false) => Ok(None),
            Err(e) => Err(Diagnostic::error("Error reading DMS stack", e).into()),
        }
    }

    async fn create(&self, ctx: &Ctx, planned: &Value, config: &Value) -> ApplyOutcome {
        let stack = desired::read(planned, config);
        let (planned, tags) = with_tags_all(ctx, planned);
        // Checked before anything is created: a gateway that cannot be used stops the create here.
        if let Err(why) = vpn_gateway_plan::usable_before_create(ctx, &stack).await {
            let summary = format!("Error creating DMS stack {}: network.vpn_gateway_id", stack.prefix());
            let detail = format!("{why}\n\nNothing was created. Fix the cause and run `terraform apply` again.");
            let diag = Diagnostic::error(summary, detail).at(vpn_gateway_plan::path());
            return ApplyOutcome::failed(Value::Null, diag.into());
        }
        let run = StackRun::new(ctx, stack, tags, timeouts::deadline(&planned, "create"), Children::default());
        let outcome = apply(&run, &planned, Doing::Creating).await;
        if outcome.diags.has_errors() {
            return outcome;
        }
        let mut state = outcome.state;
        let failures = if connections::wanted(&planned) { connections::test_all(&run).await } else { Vec::new() };
        state.set(connections::STATUS_ATTR, connections::after_apply(&run, &Value::Null).await);
        if failures.is_empty() {
            ApplyOutcome::ok(state)
        } else {
            ApplyOutcome::failed(state, connections::failures_to_diags(&run, "creating", &failures))
        }
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value, config: &Value) -> ApplyOutcome {
        let old = desired::read(prior, prior);
        let mut stack = desired::read(planned, config);
        // An adopted stack's children are found by their recorded identifiers until they are tagged.
        stack.untagged = old.untagged;
        let kids = match Children::from_state(prior, &old) {
            Ok(k) => k,
            Err(e) => return ApplyOutcome::failed(prior.clone(), e.into()),
        };
        let (planned, tags) = with_tags_all(ctx, planned);
        let planned = &planned;
        let run = StackRun::new(ctx, stack.clone(), tags, timeouts::deadline(planned, "update"), kids);
        // Sources no longer configured: their endpoint, then their database.
        let kept: Vec<String> = stack.databases().map(|d| stack.database_id(d)).collect();
        for db in old.sources.iter().filter(|d| !kept.contains(&old.database_id(d))) {
            let removed = async {
                steps::remove_endpoint(&run, MainStep::RemoveSource, db).await?;
                steps::certificate::remove(&run, MainStep::RemoveSource, db).await?;
                steps::remove_database(&run, MainStep::RemoveSource, db).await
            };
            if let Err(e) = removed.await {
                let state = run.snapshot().to_state(prior, &old);
                return ApplyOutcome::failed(state, step_failure(Doing::Updating, &stack, &e));
            }
            run.kids().databases.remove(&old.database_id(db));
        }
        for r in replace::replaced(&old, &stack) {
            let done = match &r {
                replace::Replaced::Database { id, .. } | replace::Replaced::Endpoint { id, .. } => {
                    let Some(db) = old.databases().find(|d| old.database_id(d) == *id) else { continue };
                    let rds = matches!(r, replace::Replaced::Database { .. });
                    // The deletion takes the final snapshot the configuration asks for now, as planned.
                    let mut gone = db.clone();
                    let now = stack.databases().find(|d| stack.database_id(d) == *id).and_then(|d| d.rds.as_ref());
                    if let (Some(r), Some(n)) = (gone.rds.as_mut(), now) {
                        r.skip_final_snapshot = n.skip_final_snapshot;
                        r.final_snapshot_identifier = n.final_snapshot_identifier.clone();
                    }
                    async {
                        steps::remove_endpoint(&run, MainStep::ReplaceDatabase, db).await?;
                        if rds {
                            steps::remove_database(&run, MainStep::ReplaceDatabase, &gone).await?;
                        }
                        Ok(())
                    }
                    .await
                }
                replace::Replaced::ReplicationInstance { .. } => {
                    steps::remove_replication_instance(&run, MainStep::ReplaceReplicationInstance).await
                }
            };
            if let Err(e) = done {
                let state = run.snapshot().to_state(prior, &old);
                return ApplyOutcome::failed(state, step_failure(Doing::Updating, &stack, &e));
            }
        }
        let outcome = apply(&run, planned, Doing::Updating).await;
        if outcome.diags.has_errors() {
            // What was asked for did not all happen: the prior settings stay, with every child that exists.
            return ApplyOutcome::failed(run.snapshot().to_state(prior, &old), outcome.diags);
        }
        if old.untagged
            && let Err(e) = adoption::tag_adopted(&run).await
        {
            return ApplyOutcome::failed(
                run.snapshot().to_state(prior, &old),
                step_failure(Doing::Updating, &stack, &e),
            );
        }
        if let Err(e) = update::modify_in_place(&run, &old, prior).await {
            return ApplyOutcome::failed(
                run.snapshot().to_state(prior, &old),
                step_failure(Doing::Updating, &stack, &e),
            );
        }
        let failures = if connections::wanted(planned) { connections::test_all(&run).await } else { Vec::new() };
        let prior_status = prior.get(connections::STATUS_ATTR);
        if !failures.is_empty() {
            // The change was made: the state says so (with the failed tests), so that setting a
            // setting back to its prior value is a change that reaches the endpoint again.
            let mut state = run.snapshot().to_state(planned, &stack);
            state.set(connections::STATUS_ATTR, connections::after_apply(&run, prior_status).await);
            return ApplyOutcome::failed(state, connections::failures_to_diags(&run, "updating", &failures));
        }
        let mut state = run.snapshot().to_state(planned, &stack);
        // A status planned known is the prior one and stays exactly that.
        let status = match planned.get(connections::STATUS_ATTR) {
            Value::Unknown => connections::after_apply(&run, prior_status).await,
            known => known.clone(),
        };
        state.set(connections::STATUS_ATTR, status);
        ApplyOutcome::ok(state)
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> Diagnostics {
        let stack = desired::read(prior, prior);
        let kids = match Children::from_state(prior, &stack) {
            Ok(k) => k,
            Err(e) => return e.into(),
        };
        // Everything that can refuse the destroy is checked before the first delete.
        if let Err(refusals) = preconditions::check_destroy(ctx, &stack, &kids).await {
            return refusals;
        }
        let tags = prior.get("tags_all").string_map();
        let run = StackRun::new(ctx, stack.clone(), tags, timeouts::deadline(prior, "delete"), kids);
        if let Err(e) = steps::unrecorded::record_unrecorded(&run).await {
            return Diagnostic::error(format!("Error deleting DMS stack {}", stack.prefix()), describe(&e)).into();
        }
        let graph = match steps::graph() {
            Ok(g) => g,
            Err(e) => return Diagnostic::error("Error deleting DMS stack", e).into(),
        };
        let span = tracing::debug_span!("dmslink_main", stack = %stack.prefix(), doing = "deleting");
        let report = graph.undo(run.clone()).instrument(span).await;
        match report.failed.first() {
            None => Diagnostics::new(),
            Some(e) => Diagnostic::error(
                format!("Error deleting DMS stack {}", stack.prefix()),
                format!("{}\n\nRun `terraform destroy` again once the cause is fixed: deletion resumes.", describe(e)),
            )
            .into(),
        }
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> Result<Value, Diagnostics> {
        import::import(ctx, id).await
    }
}

pub(crate) mod import;
mod update;
mod update_effects;

/// The planned value with `tags_all` known (provider default tags + `tags`, when the plan could not
/// know the provider's settings), and those tags.
fn with_tags_all(ctx: &Ctx, planned: &Value) -> (Value, crate::aws::dms::Tags) {
    let planned = tags::with_tags_all(&ctx.provider.default_tags, planned);
    let tags = planned.get("tags_all").string_map();
    (planned, tags)
}

fn describe(e: &StepError) -> String {
    format!("step {}: {}", e.step, e.message)
}

fn step_failure(doing: Doing, stack: &Stack, e: &StepError) -> Diagnostics {
    step_kit::step_failure(doing, &format!("DMS stack {}", stack.prefix()), e, &describe(e))
}

/// Runs the create graph and turns what exists into the state, partial on failure.
async fn apply(run: &Arc<StackRun>, planned: &Value, doing: Doing) -> ApplyOutcome {
    let graph = match steps::graph() {
        Ok(g) => g,
        Err(e) => return ApplyOutcome::failed(Value::Null, Diagnostic::error("Error in dmslink_main steps", e).into()),
    };
    let span = tracing::debug_span!("dmslink_main", stack = %run.stack.prefix(), doing = doing.as_str());
    let report: RunReport = graph.run(run.clone()).instrument(span).await;
    let state = run.snapshot().to_state(planned, &run.stack);
    match report.failed.first() {
        None => ApplyOutcome::ok(state),
        Some(e) => {
            // Nothing was created at all: no state to keep.
            let empty = run.snapshot() == Children::default() && doing == Doing::Creating;
            let mut diags = if empty {
                Diagnostic::error(
                    format!("Error creating DMS stack {}: step {} failed", run.stack.prefix(), e.step),
                    format!("{}\n\nNothing was created. Fix the cause and run `terraform apply` again.", describe(e)),
                )
                .into()
            } else {
                step_failure(doing, &run.stack, e)
            };
            for other in report.failed.iter().skip(1) {
                diags.push(Diagnostic::error(
                    format!(
                        "Error {} DMS stack {}: step {} failed too",
                        doing.as_str(),
                        run.stack.prefix(),
                        other.step
                    ),
                    describe(other),
                ));
            }
            ApplyOutcome::failed(if empty { Value::Null } else { state }, diags)
        }
    }
}

/// Checks every recorded child; clears those gone out of band. `Ok(false)` when the VPC is gone.
/// Settings of the children as AWS reports them, for drift.
/// Children that only a replacement can change: warned about (or refused while deletion
/// protection is on), and their computed ids planned unknown.
fn plan_replaced_children(draft: &mut PlanDraft<'_>) {
    // Settings still unknown (e.g. from another resource) are compared at the next plan.
    let known = |db: &Value| {
        let rds = db.get("rds");
        db.get("engine_name").is_wholly_known()
            && db.get("kms_key_arn").is_wholly_known()
            && ["snapshot_identifier", "engine", "storage_encrypted", "master_username", "kms_key_arn"]
                .iter()
                .all(|a| rds.get(a).is_wholly_known())
    };
    let sources = draft.planned.get("source").as_elements().unwrap_or_default();
    if !sources.iter().all(known)
        || !known(draft.planned.get("target"))
        || !["publicly_accessible", "kms_key_arn"]
            .iter()
            .all(|a| draft.planned.get("replication_instance").get(a).is_wholly_known())
    {
        return;
    }
    let old = desired::read(draft.prior, draft.prior);
    let new = desired::read(&draft.planned, draft.config);
    let recorded = Children::from_state(draft.prior, &old).unwrap_or_default();
    for r in replace::replaced(&old, &new) {
        let existing = match &r {
            replace::Replaced::Database { id, .. } => recorded.db(id).db_instance_identifier,
            _ => None,
        };
        let text = r.describe(&new, existing.as_deref());
        match &r {
            replace::Replaced::Database { id, protected: true, setting } => draft.diags.push(
                Diagnostic::error(
                    format!("Deletion protection prevents replacing database {id}"),
                    format!(
                        "{text}\n\nThe database has deletion protection. To go ahead, first set \
                         deletion_protection = false in its rds block and apply, then change {setting}."
                    ),
                )
                .at(replace::protection_path(&new, id)),
            ),
            _ => draft.diags.push(Diagnostic::warning("dmslink_main replaces a child", text)),
        }
        let unknown_db = |planned: &mut Value, id: &str, rds: bool| {
            let mut sources: Vec<Value> = planned.get("source").as_elements().unwrap_or_default().to_vec();
            for (block, db) in sources.iter_mut().zip(&new.sources) {
                if new.database_id(db) == id {
                    mark_unknown(block, rds);
                }
            }
            if !sources.is_empty() {
                planned.set("source", Value::List(sources));
            }
            if new.database_id(&new.target) == id {
                let mut t = planned.get("target").clone();
                mark_unknown(&mut t, rds);
                planned.set("target", t);
            }
        };
        match &r {
            replace::Replaced::Database { id, .. } => unknown_db(&mut draft.planned, id, true),
            replace::Replaced::Endpoint { id, .. } => unknown_db(&mut draft.planned, id, false),
            replace::Replaced::ReplicationInstance { .. } => {
                draft.planned.set("replication_instance_arn", Value::Unknown)
            }
        }
    }
}

fn mark_unknown(block: &mut Value, rds: bool) {
    block.set("endpoint_arn", Value::Unknown);
    if rds {
        block.set("address", Value::Unknown);
        block.set("db_instance_identifier", Value::Unknown);
    }
}

/// Terraform pairs a list block's prior values by position, but a `source` is identified by its
/// `name`: when a source is removed, inserted or moved, a block must not inherit another source's
/// endpoint, address or RDS settings. Each block whose position changed takes the computed values
/// of the prior block with its name, or unknown (known after apply) for a new source.
fn pair_sources_by_name(prior: &Value, config: &Value, planned: &mut Value) {
    const COMPUTED: [&str; 4] = ["endpoint_arn", "address", "db_instance_identifier", endpoint_drift::ATTR];
    let prior_sources = prior.get("source").as_elements().unwrap_or_default();
    let config_sources = config.get("source").as_elements().unwrap_or_default();
    let Some(mut sources) = planned.get("source").as_elements().map(<[Value]>::to_vec) else { return };
    let mut changed = false;
    for (i, block) in sources.iter_mut().enumerate() {
        let Some(name) = block.get("name").as_str().map(str::to_string) else { continue };
        if prior_sources.get(i).and_then(|p| p.get("name").as_str()) == Some(name.as_str()) {
            continue;
        }
        changed = true;
        let same = prior_sources.iter().find(|p| p.get("name").as_str() == Some(name.as_str()));
        for attr in COMPUTED {
            block.set(attr, same.map_or(Value::Unknown, |p| p.get(attr).clone()));
        }
        // RDS settings the configuration leaves out come from AWS (optional + computed).
        let cfg_rds = config_sources.get(i).map(|c| c.get("rds").clone()).unwrap_or(Value::Null);
        let mut rds = block.get("rds").clone();
        if let (Value::Object(fields), false) = (&mut rds, cfg_rds.is_null()) {
            let prior_rds = same.map(|p| p.get("rds").clone()).unwrap_or(Value::Null);
            for (k, v) in fields.iter_mut() {
                if cfg_rds.get(k).is_null() && !v.is_null() {
                    *v = if prior_rds.is_null() { Value::Unknown } else { prior_rds.get(k).clone() };
                }
            }
            block.set("rds", rds);
        }
    }
    if changed {
        planned.set("source", Value::List(sources));
    }
}

/// A child id that the prior state lacks (deleted out of band, found by read) but the
/// configuration needs is planned unknown: the plan shows an in-place update that re-creates it.
fn plan_missing_children(prior: &Value, planned: &mut Value) {
    let stack = desired::read(planned, planned);
    let mut needed: Vec<&str> =
        vec!["vpc_id", "security_group_id", "replication_subnet_group_id", "replication_instance_arn"];
    if stack.network.has_vpn_gateway() {
        needed.push("vpn_gateway_id");
    }
    if stack.network.internet_gateway {
        needed.push("internet_gateway_id");
    }
    if stack.databases().any(|d| d.rds.is_some()) {
        needed.push("db_subnet_group_name");
    }
    for attr in needed {
        if prior.get(attr).is_null() {
            planned.set(attr, Value::Unknown);
        }
    }
    let subnets = prior.get("subnet_ids").as_elements().map(|s| s.len()).unwrap_or(0);
    if subnets != stack.network.availability_zones.len() {
        planned.set("subnet_ids", Value::Unknown);
    }
    let mark = |block: &mut Value, has_rds: bool| {
        let mut missing = block.get("endpoint_arn").is_null();
        if has_rds && block.get("db_instance_identifier").is_null() {
            block.set("db_instance_identifier", Value::Unknown);
            block.set("address", Value::Unknown);
            missing = true;
        }
        if missing {
            block.set("endpoint_arn", Value::Unknown);
        }
    };
    let mut sources: Vec<Value> = planned.get("source").as_elements().unwrap_or_default().to_vec();
    for (block, db) in sources.iter_mut().zip(&stack.sources) {
        mark(block, db.rds.is_some());
    }
    if !sources.is_empty() {
        planned.set("source", Value::List(sources));
    }
    let mut target = planned.get("target").clone();
    if !target.is_null() {
        mark(&mut target, stack.target.rds.is_some());
        planned.set("target", target);
    }
}

#[cfg(test)]
mod apply_tests;
#[cfg(test)]
mod certificate_pem_tests;
#[cfg(test)]
mod connection_tests;
#[cfg(test)]
mod engine_settings_tests;
#[cfg(test)]
mod kms_tests;
#[cfg(test)]
mod login_secret_tests;
#[cfg(test)]
mod lost_answer_tests;
#[cfg(test)]
mod orderable_tests;
#[cfg(test)]
mod replace_tests;
#[cfg(test)]
mod safety_tests;
#[cfg(test)]
mod secrets_tests;
#[cfg(test)]
mod test_bed;
#[cfg(test)]
mod update_lost_tests;
#[cfg(test)]
mod update_restart_tests;
#[cfg(test)]
mod user_gateway_tests;
#[cfg(test)]
mod vpc_role_tests;
