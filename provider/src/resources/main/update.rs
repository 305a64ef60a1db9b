//! In-place changes of an existing stack, after the create graph has adopted every child and
//! re-created the missing ones.

use crate::aws::Secret;
use crate::aws::dms::{
    ModifyEndpointInput, ModifyReplicationInstanceInput, ReplicationTask, StartType, Tags, TasksUsing,
};
use crate::aws::rds::{DB_AVAILABLE_STATES, DB_FAILED_STATES, DB_PENDING_STATES, ModifyDbInstanceInput};
use crate::aws::wait::Wait;
use crate::engine::Value;
use crate::resources::step_kit::{R, StepError, aws_err, gone_ok, tolerate_lost, tolerate_lost_busy, wait_for};
use crate::resources::task_start::{StartError, start_after_endpoint_tests};

use super::desired::Stack;
use super::endpoint_drift;
use super::login_secret;
use super::naming::kind;
use super::steps::{MainStep, RI_FAILED, RI_PENDING, StackRun, certificate};
use super::update_effects::{db_instance_shows, endpoint_shows, replication_instance_shows};

/// Replication instance, RDS instances and endpoints: what changed between `old` and the run's stack.
pub async fn modify_in_place(run: &StackRun, old: &Stack, prior: &Value) -> R<()> {
    let new = &run.stack;
    let clients = &run.ctx.provider.clients;
    sync_tags(run, &prior.get("tags_all").string_map()).await?;
    if old.network.vpn_route_propagation && !new.network.vpn_route_propagation {
        let vgw = run.kids().vpn_gateway_id.clone();
        let tables = run.kids().route_table_ids.clone();
        if let Some(vgw) = vgw {
            for rt in tables {
                gone_ok(
                    MainStep::DisableRoutePropagation,
                    "disabling VGW route propagation on",
                    &rt,
                    clients.ec2.disable_vgw_route_propagation(&rt, &vgw).await,
                )?;
            }
        }
    }
    // Replication instance.
    let (o, n) = (&old.replication_instance, &new.replication_instance);
    let known_replication_instance_arn = run.kids().replication_instance_arn.clone();
    if let Some(arn) = known_replication_instance_arn {
        let m = ModifyReplicationInstanceInput {
            arn: arn.clone(),
            class: (o.class != n.class).then(|| n.class.clone()),
            allocated_storage: (o.allocated_storage != n.allocated_storage).then_some(n.allocated_storage as i32),
            engine_version: n.engine_version.clone().filter(|v| o.engine_version.as_ref() != Some(v)),
            allow_major_version_upgrade: true,
            multi_az: (o.multi_az != n.multi_az).then_some(n.multi_az),
            preferred_maintenance_window: n
                .preferred_maintenance_window
                .clone()
                .filter(|w| o.preferred_maintenance_window.as_ref() != Some(w)),
            auto_minor_version_upgrade: (o.auto_minor_version_upgrade != n.auto_minor_version_upgrade)
                .then_some(n.auto_minor_version_upgrade),
            ..Default::default()
        };
        if !m.is_empty() {
            const STEP: MainStep = MainStep::ModifyReplicationInstance;
            // A lost answer: the SDK's retry meets the instance `modifying` with this change.
            let took_effect = || async {
                let ri = clients.dms.describe_replication_instance_by_arn(&arn).await?;
                Ok(ri.is_some_and(|ri| replication_instance_shows(&m, &ri)))
            };
            tolerate_lost_busy(|| clients.dms.modify_replication_instance(m.clone()), took_effect)
                .await
                .map_err(|e| aws_err(STEP, "modifying DMS replication instance", &new.replication_instance_id(), &e))?;
            let what = format!("DMS replication instance ({})", new.replication_instance_id());
            let spec = Wait::new(&what, RI_PENDING, &["available"]).failure(RI_FAILED);
            wait_for(run, STEP, spec, || clients.dms.describe_replication_instance_by_arn(&arn)).await?;
        }
    }
    // Databases and endpoints present before and now.
    for db in new.databases() {
        let id = new.database_id(db);
        let Some(before) = old.databases().find(|d| old.database_id(d) == id) else { continue };
        let kids = run.kids().db(&id);
        if let (Some(r), Some(rb), Some(instance)) = (&db.rds, &before.rds, kids.db_instance_identifier.clone()) {
            let m = ModifyDbInstanceInput {
                id: instance.clone(),
                instance_class: (r.instance_class != rb.instance_class).then(|| r.instance_class.clone()),
                allocated_storage: (r.allocated_storage != rb.allocated_storage).then_some(r.allocated_storage as i32),
                backup_retention_period: r
                    .backup_retention_period
                    .filter(|v| rb.backup_retention_period != Some(*v))
                    .map(|v| v as i32),
                backup_window: r.backup_window.clone().filter(|w| rb.backup_window.as_ref() != Some(w)),
                maintenance_window: r.maintenance_window.clone().filter(|w| rb.maintenance_window.as_ref() != Some(w)),
                master_password: r
                    .master_password
                    .clone()
                    .filter(|_| {
                        secret_changed(
                            &r.master_password,
                            &rb.master_password,
                            r.master_password_version,
                            rb.master_password_version,
                        )
                    })
                    .map(Secret::new),
                multi_az: (r.multi_az != rb.multi_az).then_some(r.multi_az),
                deletion_protection: (r.deletion_protection != rb.deletion_protection).then_some(r.deletion_protection),
                ..Default::default()
            };
            if !m.is_empty() {
                const STEP: MainStep = MainStep::ModifyDatabases;
                // A lost answer: the SDK's retry meets the instance `modifying` with this change.
                let took_effect = || async {
                    let db = clients.rds.find_db_instance(&instance).await?;
                    Ok(db.is_some_and(|db| db_instance_shows(&m, &db)))
                };
                tolerate_lost_busy(|| clients.rds.modify_db_instance(m.clone()), took_effect)
                    .await
                    .map_err(|e| aws_err(STEP, "modifying RDS DB instance", &instance, &e))?;
                let what = format!("RDS DB instance ({instance})");
                let spec = Wait::new(&what, DB_PENDING_STATES, DB_AVAILABLE_STATES).failure(DB_FAILED_STATES);
                wait_for(run, STEP, spec, || clients.rds.find_db_instance(&instance)).await?;
            }
        }
        if let Some(arn) = kids.endpoint_arn.clone() {
            const STEP: MainStep = MainStep::ModifyEndpoints;
            // A new PEM: its certificate is imported before the endpoint switches to it.
            let pem_changed = db.certificate_pem != before.certificate_pem;
            let imported = match &db.certificate_pem {
                None => None,
                Some(_) if !pem_changed && kids.imported_certificate_arn.is_some() => {
                    kids.imported_certificate_arn.clone()
                }
                Some(_) => certificate::ensure(run, STEP, db).await?,
            };
            let had_certificate = before.certificate_arn.is_some() || before.certificate_pem.is_some();
            let password_changed =
                secret_changed(&db.password, &before.password, db.password_version, before.password_version);
            let settings_change = super::engine_settings::change(&db.engine_settings, &before.engine_settings);
            // ExactSettings clears what is not sent again, credentials included: send the password.
            let exact = settings_change.as_ref().is_some_and(|(_, exact)| *exact);
            // A login dmslink keeps in its secret is not the endpoint's: the secret is rewritten and
            // DMS reads it at its next connection.
            let managed = db.secrets.as_ref().is_some_and(|c| c.managed);
            let prior_block = prior_block(prior, db);
            let mut secret_moved = false;
            if managed && before.secrets.as_ref().is_some_and(|c| c.managed) {
                let old_address = prior_block.get("address").as_str();
                if login_secret::login_changed(db, before, kids.address.as_deref(), old_address) {
                    super::steps::login_secret::write_value(run, STEP, db).await?;
                }
                // Made again (it was deleted out of band): the endpoint is given its new ARN.
                let recorded = prior_block.get(login_secret::ARN_ATTR).as_str().map(str::to_string);
                secret_moved = recorded != run.kids().db(&id).login_secret_arn;
            }
            let login_changed = !managed
                && (password_changed
                    || db.port != before.port
                    || db.username != before.username
                    || db.server_name != before.server_name);
            let changed = settings_change.is_some()
                || login_changed
                || db.database_name != before.database_name
                || db.ssl_mode != before.ssl_mode
                || db.extra_connection_attributes != before.extra_connection_attributes
                || db.certificate_arn != before.certificate_arn
                || pem_changed
                || endpoint_drift::drifted(prior, old, &id)
                || secret_moved
                || db.secrets != before.secrets;
            if changed {
                // Unset after being set (or found set by refresh): back to AWS's default.
                let ssl_mode = db.ssl_mode.clone().or_else(|| before.ssl_mode.as_ref().map(|_| "none".into()));
                let extra_connection_attributes = db
                    .extra_connection_attributes
                    .clone()
                    .or_else(|| before.extra_connection_attributes.as_ref().map(|_| String::new()));
                let certificate_arn = imported
                    .clone()
                    .or_else(|| db.certificate_arn.clone())
                    .or_else(|| had_certificate.then(String::new));
                let base = match db.secrets.as_ref().and_then(|c| super::steps::dms::secrets_pair(run, db, c)) {
                    Some(pair) => super::secrets_update::modify_input(&arn, db, pair),
                    None => ModifyEndpointInput {
                        arn: arn.clone(),
                        server_name: kids.address.clone().or_else(|| db.server_name.clone()),
                        port: Some(db.port as i32),
                        database_name: db.database_name.clone(),
                        username: db.username.clone(),
                        password: db.password.clone().filter(|_| password_changed || exact).map(Secret::new),
                        ..Default::default()
                    },
                };
                let (engine_settings, exact_settings) = settings_change.unwrap_or_default();
                // The engine says which settings object DMS reads the settings from.
                let engine_name = base
                    .engine_name
                    .clone()
                    .or_else(|| (!engine_settings.is_empty() || exact_settings).then(|| db.engine_name.clone()));
                let m = ModifyEndpointInput {
                    ssl_mode,
                    extra_connection_attributes,
                    certificate_arn,
                    engine_name,
                    engine_settings,
                    exact_settings,
                    ..base
                };
                let paused = pause_tasks(run, STEP, &arn).await?;
                let modified =
                    modify_endpoint(run, &m).await.map_err(|e| aws_err(STEP, "modifying DMS endpoint", &id, &e));
                // Resume what was running even when the modify failed.
                let resumed = resume_tasks(run, STEP, &paused).await;
                modified?;
                resumed?;
                // The endpoint no longer names the old certificate: it goes (found by its PEM's
                // identifier, so a run cut short before this point is finished by the next one).
                if let (true, Some(old_pem)) = (pem_changed, &before.certificate_pem) {
                    certificate::remove_imported(run, STEP, db, old_pem, imported.as_deref()).await?;
                }
                if db.certificate_pem.is_none() {
                    run.kids().db_mut(&id).imported_certificate_arn = None;
                }
            }
        }
    }
    Ok(())
}

/// The prior state's block of a database.
fn prior_block(prior: &Value, db: &super::desired::Database) -> Value {
    match db.side {
        super::schema::Side::Target => prior.get("target").clone(),
        super::schema::Side::Source => prior
            .get("source")
            .as_elements()
            .unwrap_or_default()
            .iter()
            .find(|b| b.get("name").as_str() == Some(db.name.as_str()))
            .cloned()
            .unwrap_or_default(),
    }
}

/// A secret changed: plain ones by value (both in state); write-only ones (never in state, so the
/// prior value is unknown) only when their `_wo_version` changed.
fn secret_changed(new: &Option<String>, old: &Option<String>, new_v: Option<i64>, old_v: Option<i64>) -> bool {
    if new_v.is_some() || old_v.is_some() { new_v != old_v } else { new != old }
}

/// `ModifyEndpoint`, safe when its answer is lost: done when the endpoint shows every field, else
/// sent once more (a repeat sets the same values; a new password cannot be read back).
async fn modify_endpoint(run: &StackRun, m: &ModifyEndpointInput) -> Result<(), crate::aws::error::AwsError> {
    let dms = &run.ctx.provider.clients.dms;
    let took_effect = || async {
        let ep = dms.find_endpoint_by_arn(&m.arn).await?;
        Ok(ep.is_some_and(|ep| endpoint_shows(m, &ep)))
    };
    match tolerate_lost(|| async { dms.modify_endpoint(m.clone()).await.map(|_| ()) }, took_effect).await {
        Err(e) if e.outcome_unknown() => {
            tracing::info!("sending ModifyEndpoint again: its answer was lost ({e})");
            dms.modify_endpoint(m.clone()).await.map(|_| ())
        }
        other => other,
    }
}

/// The task is in one of `states` (a look after a lost answer).
async fn task_in(run: &StackRun, arn: &str, states: &[&str]) -> Result<bool, crate::aws::error::AwsError> {
    let task = run.ctx.provider.clients.dms.find_replication_task_by_arn(arn).await?;
    Ok(task.is_some_and(|t| states.contains(&t.status.as_str())))
}

/// Stops the running tasks that use endpoint `arn`; returns them (to resume).
async fn pause_tasks(run: &StackRun, step: MainStep, arn: &str) -> R<Vec<String>> {
    let dms = &run.ctx.provider.clients.dms;
    let tasks = dms
        .list_replication_tasks_using(&TasksUsing::Endpoint(arn.to_string()))
        .await
        .map_err(|e| aws_err(step, "listing DMS replication tasks of endpoint", arn, &e))?;
    let mut paused = Vec::new();
    for t in tasks.iter().filter(|t| t.status == "running" || t.status == "starting") {
        // A lost answer: the SDK's retry meets the task `stopping`.
        tolerate_lost_busy(|| dms.stop_replication_task(&t.arn), || task_in(run, &t.arn, &["stopping", "stopped"]))
            .await
            .map_err(|e| aws_err(step, "stopping DMS replication task", &t.id, &e))?;
        let what = format!("DMS replication task ({})", t.id);
        let spec = Wait::new(&what, &["running", "starting", "stopping"], &["stopped", "ready", "failed"]);
        wait_for(run, step, spec, || dms.find_replication_task_by_arn(&t.arn)).await?;
        paused.push(t.arn.clone());
    }
    Ok(paused)
}

/// Resumes the paused tasks and waits until each has left `starting`, so the apply ends with the
/// tasks back where they were, or fails saying which did not come back. (A full-load task may
/// finish and stop again at once: `stopped` counts as settled too.) The endpoint change makes DMS
/// test the endpoint's connection first, and a task cannot start meanwhile: the start waits for
/// the test and retries ([`start_after_endpoint_tests`]).
async fn resume_tasks(run: &StackRun, step: MainStep, arns: &[String]) -> R<()> {
    let dms = &run.ctx.provider.clients.dms;
    for arn in arns {
        let task = dms
            .find_replication_task_by_arn(arn)
            .await
            .map_err(|e| aws_err(step, "reading DMS replication task", arn, &e))?
            .ok_or_else(|| {
                StepError::new(step, format!("DMS replication task ({arn}) disappeared before its resume"))
            })?;
        // A lost answer: the SDK's retry meets the task `starting`.
        let resumed = |t: &ReplicationTask| matches!(t.status.as_str(), "starting" | "running");
        start_after_endpoint_tests(dms.as_ref(), run, &task, StartType::ResumeProcessing, resumed, |_| false)
            .await
            .map_err(|e| match e {
                StartError::Aws(e) => aws_err(step, "resuming DMS replication task", arn, &e),
                other => {
                    StepError::new(step, format!("resuming DMS replication task ({}): {}", task.id, other.message(arn)))
                }
            })?;
    }
    for arn in arns {
        let what = format!("DMS replication task ({arn})");
        let spec = Wait::new(&what, &["starting"], &["running", "stopped", "ready"]).failure(&["failed"]);
        wait_for(run, step, spec, || dms.find_replication_task_by_arn(arn)).await?;
    }
    Ok(())
}

/// A child's tags after a change of `tags_all`: the user's and the ownership tags. `Name` only when
/// the user sets it: each child keeps the one it has (dmslink's at create, an adopted child's own).
fn retag(run: &StackRun, kind: &str, name: &str) -> Tags {
    let mut t = run.stack.child_tags(&run.tags, kind, name);
    if !run.tags.contains_key("Name") {
        t.remove("Name");
    }
    t
}

/// Brings every child's tags to the stack's `tags_all` (ownership and `Name` tags stay).
async fn sync_tags(run: &StackRun, old_all: &Tags) -> R<()> {
    const STEP: MainStep = MainStep::UpdateTags;
    if *old_all == run.tags {
        return Ok(());
    }
    let removed: Vec<String> = old_all.keys().filter(|k| !run.tags.contains_key(*k) && *k != "Name").cloned().collect();
    let c = &run.ctx.provider.clients;
    let stack = &run.stack;
    let kids = run.snapshot();
    let mut ec2: Vec<(String, &str, String)> = Vec::new();
    if let Some(id) = &kids.vpc_id {
        ec2.push((id.clone(), kind::VPC, stack.vpc_name()));
    }
    for (az, id) in &kids.subnet_ids {
        ec2.push((id.clone(), kind::SUBNET, stack.subnet_name(az)));
    }
    if let Some(id) = &kids.security_group_id {
        ec2.push((id.clone(), kind::SECURITY_GROUP, stack.security_group_name()));
    }
    // The user's gateway (`vpn_gateway_id`) is never tagged: it is not the stack's.
    if let Some(id) = kids.vpn_gateway_id.as_ref().filter(|id| !stack.network.is_users_gateway(id)) {
        ec2.push((id.clone(), kind::VPN_GATEWAY, format!("{}-vgw", stack.prefix())));
    }
    if let Some(id) = &kids.internet_gateway_id {
        ec2.push((id.clone(), kind::INTERNET_GATEWAY, format!("{}-igw", stack.prefix())));
    }
    for (id, k, name) in &ec2 {
        let ids = [id.clone()];
        if !removed.is_empty() {
            c.ec2.delete_tags(&ids, &removed).await.map_err(|e| aws_err(STEP, "untagging", id, &e))?;
        }
        c.ec2.create_tags(&ids, &retag(run, k, name)).await.map_err(|e| aws_err(STEP, "tagging", id, &e))?;
    }
    // RDS: instances and the DB subnet group.
    let mut rds: Vec<(String, &str, String)> = Vec::new();
    for db in stack.databases() {
        let key = stack.database_id(db);
        if let Some(id) = kids.db(&key).db_instance_identifier
            && let Some(i) =
                c.rds.find_db_instance(&id).await.map_err(|e| aws_err(STEP, "reading RDS DB instance", &id, &e))?
        {
            rds.push((i.arn, kind::DATABASE, key.clone()));
        }
    }
    if let Some(name) = &kids.db_subnet_group_name
        && let Some(g) = c
            .rds
            .find_db_subnet_group(name)
            .await
            .map_err(|e| aws_err(STEP, "reading RDS DB subnet group", name, &e))?
    {
        rds.push((g.arn, kind::DB_SUBNET_GROUP, name.clone()));
    }
    for (arn, k, name) in &rds {
        if !removed.is_empty() {
            c.rds.remove_tags(arn, &removed).await.map_err(|e| aws_err(STEP, "untagging", arn, &e))?;
        }
        c.rds.add_tags(arn, &retag(run, k, name)).await.map_err(|e| aws_err(STEP, "tagging", arn, &e))?;
    }
    // DMS: replication instance, subnet group, endpoints.
    let mut dms: Vec<(String, &str, String)> = Vec::new();
    if let Some(arn) = &kids.replication_instance_arn {
        dms.push((arn.clone(), kind::REPLICATION_INSTANCE, stack.replication_instance_id()));
    }
    if let Some(id) = &kids.replication_subnet_group_id {
        dms.push((run.subnet_group_arn(id), kind::REPLICATION_SUBNET_GROUP, id.clone()));
    }
    for db in stack.databases() {
        let key = stack.database_id(db);
        if let Some(arn) = kids.db(&key).endpoint_arn {
            dms.push((arn, kind::ENDPOINT, key));
        }
    }
    for (arn, k, name) in &dms {
        if !removed.is_empty() {
            c.dms.remove_tags(arn, &removed).await.map_err(|e| aws_err(STEP, "untagging", arn, &e))?;
        }
        c.dms.add_tags(arn, &retag(run, k, name)).await.map_err(|e| aws_err(STEP, "tagging", arn, &e))?;
    }
    // IAM: the access roles this stack created for its secrets.
    for db in stack.databases() {
        let key = stack.database_id(db);
        if kids.db(&key).secrets_role_arn.is_none() {
            continue;
        }
        let name = super::steps::secrets_role::access_role_name(&key);
        if !removed.is_empty() {
            c.iam.untag_role(&name, &removed).await.map_err(|e| aws_err(STEP, "untagging IAM role", &name, &e))?;
        }
        let tags = retag(run, super::steps::secrets_role::KIND, &name);
        c.iam.tag_role(&name, &tags).await.map_err(|e| aws_err(STEP, "tagging IAM role", &name, &e))?;
    }
    // Secrets Manager: the login secrets.
    for db in stack.databases() {
        let key = stack.database_id(db);
        let Some(arn) = kids.db(&key).login_secret_arn else { continue };
        let name = login_secret::secret_name(&key);
        if !removed.is_empty() {
            c.secrets.untag_secret(&arn, &removed).await.map_err(|e| aws_err(STEP, "untagging", &arn, &e))?;
        }
        let tags = retag(run, login_secret::KIND, &name);
        c.secrets.tag_secret(&arn, &tags).await.map_err(|e| aws_err(STEP, "tagging", &arn, &e))?;
    }
    Ok(())
}
