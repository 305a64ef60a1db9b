//! In-place changes of an existing stack, after the create graph has adopted every child and
//! re-created the missing ones.

use crate::aws::Secret;
use crate::aws::dms::{ModifyEndpointInput, ModifyReplicationInstanceInput};
use crate::aws::rds::ModifyDbInstanceInput;
use crate::engine::Value;
use crate::engine::steps::StepError;

use super::desired::Stack;
use super::steps::StackRun;

type R<T> = Result<T, StepError>;

fn err(step: &'static str, doing: &str, id: &str, e: &crate::aws::error::AwsError) -> StepError {
    StepError::new(step, e.describe(doing, id)).with_code(e.code.clone())
}

/// Replication instance, RDS instances and endpoints: what changed between `old` and the run's stack.
pub async fn modify_in_place(run: &StackRun, old: &Stack, _prior: &Value) -> R<()> {
    let new = &run.stack;
    let clients = &run.ctx.provider.clients;
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
            const STEP: &str = "modify_replication_instance";
            clients
                .dms
                .modify_replication_instance(m)
                .await
                .map_err(|e| err(STEP, "modifying DMS replication instance", &new.replication_instance_id(), &e))?;
            let what = format!("DMS replication instance ({})", new.replication_instance_id());
            let spec = crate::aws::wait::Wait::new(&what, super::steps::RI_PENDING, &["available"])
                .failure(super::steps::RI_FAILED)
                .timeout(run.deadline.saturating_duration_since(tokio::time::Instant::now()));
            crate::aws::wait::wait_for(&spec, &run.ctx.cancel, || {
                clients.dms.describe_replication_instance_by_arn(&arn)
            })
            .await
            .map_err(|e| StepError::new(STEP, e.to_string()))?;
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
                    .filter(|p| rb.master_password.as_ref() != Some(p))
                    .map(Secret::new),
                multi_az: (r.multi_az != rb.multi_az).then_some(r.multi_az),
                deletion_protection: (r.deletion_protection != rb.deletion_protection).then_some(r.deletion_protection),
                ..Default::default()
            };
            if !m.is_empty() {
                const STEP: &str = "modify_databases";
                clients
                    .rds
                    .modify_db_instance(m)
                    .await
                    .map_err(|e| err(STEP, "modifying RDS DB instance", &instance, &e))?;
                let what = format!("RDS DB instance ({instance})");
                let spec = crate::aws::wait::Wait::new(
                    &what,
                    crate::aws::rds::DB_PENDING_STATES,
                    crate::aws::rds::DB_AVAILABLE_STATES,
                )
                .failure(crate::aws::rds::DB_FAILED_STATES)
                .timeout(run.deadline.saturating_duration_since(tokio::time::Instant::now()));
                crate::aws::wait::wait_for(&spec, &run.ctx.cancel, || clients.rds.find_db_instance(&instance))
                    .await
                    .map_err(|e| StepError::new(STEP, e.to_string()))?;
            }
        }
        if let Some(arn) = kids.endpoint_arn.clone() {
            let changed = db.password != before.password
                || db.port != before.port
                || db.database_name != before.database_name
                || db.username != before.username
                || db.ssl_mode != before.ssl_mode
                || db.extra_connection_attributes != before.extra_connection_attributes
                || db.server_name != before.server_name;
            if changed {
                const STEP: &str = "modify_endpoints";
                let m = ModifyEndpointInput {
                    arn: arn.clone(),
                    server_name: kids.address.clone().or_else(|| db.server_name.clone()),
                    port: Some(db.port as i32),
                    database_name: db.database_name.clone(),
                    username: db.username.clone(),
                    password: db.password.clone().filter(|p| before.password.as_ref() != Some(p)).map(Secret::new),
                    ssl_mode: db.ssl_mode.clone(),
                    extra_connection_attributes: db.extra_connection_attributes.clone(),
                    ..Default::default()
                };
                clients.dms.modify_endpoint(m).await.map_err(|e| err(STEP, "modifying DMS endpoint", &id, &e))?;
            }
        }
    }
    Ok(())
}
