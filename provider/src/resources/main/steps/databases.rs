//! The RDS side: the DB subnet group and each database's RDS instance (created, restored from a
//! snapshot, or adopted), and their deletion after a final snapshot.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::aws::Secret;
use crate::aws::error::{AwsError, ErrorKind};
use crate::aws::rds::{
    CreateDbInstanceInput, DB_AVAILABLE_STATES, DB_FAILED_STATES, DB_PENDING_STATES, DbSubnetGroupInput,
    DeleteDbInstanceInput, ModifyDbInstanceInput, RestoreDbInstanceInput,
};
use crate::aws::wait::{Wait, WaitOptions};
use crate::resources::step_kit::{
    Found, R, StepError, adopt_or_create, aws_err, delete_retrying, retry, retry_while_new_code, wait_gone,
    wait_present,
};

use super::super::desired::Database;
use super::super::naming::{TAG_SNAPSHOT, block_name, final_snapshot_base, final_snapshot_id, kind};
use super::{MainStep, StackRun, recorded_or_owned};

pub(super) async fn create_db_subnet_group(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::CreateDbSubnetGroup;
    if !run.stack.databases().any(|d| d.rds.is_some()) {
        return Ok(());
    }
    // An adopted group keeps its own name.
    let recorded = run.kids().db_subnet_group_name.clone();
    let name = recorded.clone().unwrap_or_else(|| run.stack.db_subnet_group_name());
    let rds = run.rds();
    let subnets = run.subnet_ids();
    let what = "RDS DB subnet group";
    let find = || async {
        let Some(g) = rds
            .find_db_subnet_group(&name)
            .await
            .map_err(|e| aws_err(STEP, "reading RDS DB subnet group", &name, &e))?
        else {
            return Ok(Found::Nothing);
        };
        let tags =
            rds.list_tags(&g.arn).await.map_err(|e| aws_err(STEP, "reading tags of RDS DB subnet group", &name, &e))?;
        Ok(recorded_or_owned(run, recorded.is_some(), what, &name, &g.arn, &tags, kind::DB_SUBNET_GROUP, ()))
    };
    let create = || async {
        let input = DbSubnetGroupInput {
            name: name.clone(),
            description: format!("DMS stack {}", run.stack.prefix()),
            subnet_ids: subnets,
            tags: run.tags_for(kind::DB_SUBNET_GROUP, &name),
        };
        rds.create_db_subnet_group(input)
            .await
            .map(|_| ())
            .map_err(|e| aws_err(STEP, "creating RDS DB subnet group", &name, &e))
    };
    adopt_or_create(STEP, what, find, create, |_| run.kids().db_subnet_group_name = Some(name.clone())).await?;
    Ok(())
}

pub(super) async fn delete_db_subnet_group(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::CreateDbSubnetGroup;
    let Some(name) = run.kids().db_subnet_group_name.clone() else { return Ok(()) };
    delete_retrying(run, STEP, "deleting RDS DB subnet group", &name, &[ErrorKind::InvalidState], || {
        run.rds().delete_db_subnet_group(&name)
    })
    .await?;
    run.kids().db_subnet_group_name = None;
    Ok(())
}

fn db_wait_options() -> WaitOptions {
    WaitOptions { min_interval: Duration::from_secs(10), consecutive_target_hits: 3, ..WaitOptions::default() }
}

/// Creates (or adopts) one database's RDS instance and waits until it is available.
pub async fn ensure_database(run: &StackRun, step: MainStep, db: &Database) -> R<()> {
    let Some(r) = &db.rds else { return Ok(()) };
    // Records are keyed by dmslink's identifier; an adopted instance keeps its own.
    let key = run.stack.database_id(db);
    let recorded = run.kids().db(&key).db_instance_identifier;
    let id = recorded.clone().unwrap_or_else(|| key.clone());
    let rds = run.rds();
    let sg = run.need(step, "the security group id", run.kids().security_group_id.clone())?;
    let group = run.need(step, "the DB subnet group", run.kids().db_subnet_group_name.clone())?;
    let what = "RDS DB instance";
    let find = || async {
        let Some(i) = rds.find_db_instance(&id).await.map_err(|e| aws_err(step, "reading RDS DB instance", &id, &e))?
        else {
            return Ok(Found::Nothing);
        };
        // Restored from the planned snapshot (a restore whose answer was lost, or a killed apply's):
        // the follow-up modify below still applies what the restore could not take.
        let restored = r.snapshot_identifier.as_ref().is_some_and(|snap| i.tags.get(TAG_SNAPSHOT) == Some(snap));
        Ok(recorded_or_owned(run, recorded.is_some(), what, &id, &i.arn, &i.tags, kind::DATABASE, restored))
    };
    // Created or restored: `true` when restored from a snapshot.
    let create = || async {
        let mut tags = run.tags_for(kind::DATABASE, &id);
        if let Some(snap) = &r.snapshot_identifier {
            tags.insert(TAG_SNAPSHOT.to_string(), snap.clone());
            let input = RestoreDbInstanceInput {
                id: id.clone(),
                snapshot_identifier: snap.clone(),
                instance_class: Some(r.instance_class.clone()),
                db_name: db
                    .database_name
                    .clone()
                    .filter(|_| !matches!(r.engine.as_str(), "postgres" | "mysql" | "mariadb")),
                port: Some(db.port as i32),
                db_subnet_group_name: group.clone(),
                vpc_security_group_ids: vec![sg.clone()],
                multi_az: r.multi_az,
                deletion_protection: r.deletion_protection,
                tags,
                ..Default::default()
            };
            // A DB subnet group created a moment ago may not be known yet (`DBSubnetGroupNotFoundFault`).
            retry_while_new_code(run, "DBSubnetGroupNotFoundFault", || {
                rds.restore_db_instance_from_snapshot(input.clone())
            })
            .await
            .map_err(|e| aws_err(step, "restoring RDS DB instance", &id, &e))?;
            return Ok(true);
        }
        let input = CreateDbInstanceInput {
            id: id.clone(),
            engine: r.engine.clone(),
            engine_version: r.engine_version.clone(),
            instance_class: r.instance_class.clone(),
            allocated_storage: r.allocated_storage as i32,
            master_username: r.master_username.clone().unwrap_or_default(),
            master_password: Secret::new(r.master_password.clone().unwrap_or_default()),
            db_name: db.database_name.clone(),
            port: Some(db.port as i32),
            db_subnet_group_name: group.clone(),
            vpc_security_group_ids: vec![sg.clone()],
            multi_az: r.multi_az,
            storage_encrypted: r.storage_encrypted,
            kms_key_id: r.kms_key_arn.clone(),
            backup_retention_period: r.backup_retention_period.map(|v| v as i32),
            backup_window: r.backup_window.clone(),
            maintenance_window: r.maintenance_window.clone(),
            deletion_protection: r.deletion_protection,
            tags,
            ..Default::default()
        };
        retry_while_new_code(run, "DBSubnetGroupNotFoundFault", || rds.create_db_instance(input.clone()))
            .await
            .map_err(|e| aws_err(step, "creating RDS DB instance", &id, &e))?;
        Ok(false)
    };
    let (restored, _) = adopt_or_create(step, what, find, create, |_| {
        run.kids().db_mut(&key).db_instance_identifier = Some(id.clone())
    })
    .await?;
    let what = format!("RDS DB instance ({id})");
    let spec =
        Wait::new(&what, DB_PENDING_STATES, DB_AVAILABLE_STATES).failure(DB_FAILED_STATES).options(db_wait_options());
    let mut inst = wait_present(run, step, spec.clone(), || rds.find_db_instance(&id)).await?;
    if restored {
        // What a restore cannot take is applied by a follow-up modify.
        let m = ModifyDbInstanceInput {
            id: id.clone(),
            allocated_storage: (i64::from(inst.allocated_storage) < r.allocated_storage)
                .then_some(r.allocated_storage as i32),
            engine_version: r.engine_version.clone().filter(|v| *v != inst.engine_version),
            backup_retention_period: r
                .backup_retention_period
                .filter(|v| *v != i64::from(inst.backup_retention_period))
                .map(|v| v as i32),
            backup_window: r.backup_window.clone().filter(|w| Some(w) != inst.backup_window.as_ref()),
            maintenance_window: r.maintenance_window.clone().filter(|w| Some(w) != inst.maintenance_window.as_ref()),
            master_password: r.master_password.clone().map(Secret::new),
            ..Default::default()
        };
        if !m.is_empty() {
            retry(run, &[ErrorKind::InvalidState], None, || rds.modify_db_instance(m.clone()))
                .await
                .map_err(|e| aws_err(step, "modifying RDS DB instance", &id, &e))?;
            inst = wait_present(run, step, spec, || rds.find_db_instance(&id)).await?;
        }
    }
    let mut k = run.kids();
    let d = k.db_mut(&key);
    d.address = inst.endpoint_address.clone();
    d.engine_version = Some(inst.engine_version.clone());
    d.backup_retention_period = Some(i64::from(inst.backup_retention_period));
    d.backup_window = inst.backup_window.clone();
    d.maintenance_window = inst.maintenance_window.clone();
    d.kms_key_id = inst.kms_key_id.clone();
    Ok(())
}

/// Runs `f` for every source concurrently; the first error (in source order) wins, after all finished.
pub(super) async fn each_source<F, Fut>(run: &Arc<StackRun>, f: F) -> R<()>
where
    F: Fn(Arc<StackRun>, Database) -> Fut,
    Fut: Future<Output = R<()>> + Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for (i, db) in run.stack.sources.iter().enumerate() {
        let fut = f(run.clone(), db.clone());
        set.spawn(async move { (i, fut.await) });
    }
    let mut results: Vec<(usize, R<()>)> = Vec::new();
    while let Some(r) = set.join_next().await {
        match r {
            Ok(x) => results.push(x),
            Err(e) => results.push((usize::MAX, Err(StepError::new(MainStep::CreateSourceDatabases, e.to_string())))),
        }
    }
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect::<R<Vec<()>>>().map(|_| ())
}

pub(super) async fn create_source_databases(run: &Arc<StackRun>) -> R<()> {
    each_source(run, |run, db| async move { ensure_database(&run, MainStep::CreateSourceDatabases, &db).await }).await
}

pub(super) async fn create_target_database(run: &StackRun) -> R<()> {
    ensure_database(run, MainStep::CreateTargetDatabase, &run.stack.target).await
}

/// Deletes one database's RDS instance and waits until it is gone: after a final snapshot named
/// `<base>-<UTC time>` ([`final_snapshot_id`]) unless `skip_final_snapshot` is set, and never while
/// AWS reports deletion protection (the user turns it off by configuration first).
pub async fn remove_database(run: &StackRun, step: MainStep, db: &Database) -> R<()> {
    let key = run.stack.database_id(db);
    let Some(id) = run.kids().db(&key).db_instance_identifier else { return Ok(()) };
    let rds = run.rds();
    if let Some(i) = rds.find_db_instance(&id).await.map_err(|e| aws_err(step, "reading RDS DB instance", &id, &e))? {
        if i.deletion_protection {
            return Err(StepError::new(step, protected_refusal(&id, db)));
        }
        delete_db_instance(run, step, &id, db).await?;
        let what = format!("RDS DB instance ({id})");
        let pending = [
            "available",
            "backing-up",
            "delete-precheck",
            "deleting",
            "modifying",
            "creating",
            "rebooting",
            "stopping",
            "stopped",
            "storage-full",
        ];
        wait_gone(run, step, &what, &pending, || rds.find_db_instance(&id)).await?;
    }
    let mut k = run.kids();
    let d = k.db_mut(&key);
    d.db_instance_identifier = None;
    d.address = None;
    Ok(())
}

/// Why a database with deletion protection is not deleted, and the way on.
pub fn protected_refusal(id: &str, db: &Database) -> String {
    format!(
        "RDS DB instance {id} has deletion protection (as AWS reports it): set deletion_protection = false in the          rds block of {} and apply, then try again",
        block_name(db)
    )
}

/// `DeleteDBInstance` with the database's final-snapshot decision. The snapshot name carries the
/// time, so a stack created again under the same name deletes again; a name already taken (two
/// deletions within one second) moves on to the next.
pub(super) async fn delete_db_instance(run: &StackRun, step: MainStep, id: &str, db: &Database) -> R<()> {
    let rds = run.rds();
    let Some(base) = final_snapshot_base(db, id) else {
        tracing::info!(db_instance = %id, "deleting RDS DB instance {id} without a final snapshot (skip_final_snapshot = true)");
        let input = DeleteDbInstanceInput::skip_final_snapshot(id);
        return deleted(
            step,
            id,
            retry(run, &[ErrorKind::InvalidState], None, || rds.delete_db_instance(input.clone())).await,
        );
    };
    let at = chrono::Utc::now();
    let mut attempt = 1;
    loop {
        let snapshot = final_snapshot_id(&base, at, attempt);
        let input = DeleteDbInstanceInput::with_final_snapshot(id, &snapshot);
        match retry(run, &[ErrorKind::InvalidState], None, || rds.delete_db_instance(input.clone())).await {
            Err(e)
                if e.is_kind(ErrorKind::AlreadyExists)
                    && e.code.starts_with("DBSnapshotAlreadyExists")
                    && attempt < 10 =>
            {
                tracing::debug!(snapshot = %snapshot, "final snapshot name taken; trying the next");
                attempt += 1;
            }
            result => {
                if result.is_ok() {
                    tracing::info!(
                        db_instance = %id,
                        snapshot = %snapshot,
                        "deleting RDS DB instance {id} after final snapshot {snapshot}"
                    );
                }
                return deleted(step, id, result);
            }
        }
    }
}

/// A `DeleteDBInstance` result where "gone" and "already being deleted" count as done.
fn deleted(step: MainStep, id: &str, result: Result<(), AwsError>) -> R<()> {
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) if e.message.contains("already being deleted") => Ok(()),
        Err(e) => Err(aws_err(step, "deleting RDS DB instance", id, &e)),
    }
}

pub(super) async fn delete_source_databases(run: &Arc<StackRun>) -> R<()> {
    each_source(run, |run, db| async move { remove_database(&run, MainStep::CreateSourceDatabases, &db).await }).await
}

pub(super) async fn delete_target_database(run: &StackRun) -> R<()> {
    remove_database(run, MainStep::CreateTargetDatabase, &run.stack.target).await
}
