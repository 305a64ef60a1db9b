//! The DMS side: replication subnet group, replication instance and each database's endpoint.

use std::time::Duration;

use crate::aws::Secret;
use crate::aws::dms::{
    CreateEndpointInput, CreateReplicationInstanceInput, ReplicationSubnetGroupInput, SecretsManagerRef,
};
use crate::aws::error::{AwsError, ErrorKind};
use crate::aws::wait::Wait;
use crate::resources::step_kit::{
    Found, R, StepError, adopt_or_create, aws_err, delete_retrying, retry_when, wait_gone, wait_present,
};

use super::super::children::DbChildren;
use super::super::desired::Database;
use super::super::naming::kind;
use super::super::schema::Side;
use super::super::secrets_config::SecretCreds;
use super::{MainStep, StackRun, ownership, recorded_or_owned};

/// DMS answers `AccessDeniedFault` while a role it was handed (a new `dms-vpc-role`, a secret's
/// access role) is not yet usable: worth retrying for the role's propagation time. The caller's
/// own missing permission is not ([`AwsError::refuses_the_caller`]).
fn role_not_yet_usable(e: &AwsError) -> bool {
    e.kind == ErrorKind::AccessDenied && !e.refuses_the_caller()
}

pub(super) async fn create_replication_subnet_group(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::CreateReplicationSubnetGroup;
    // An adopted group keeps its own identifier.
    let recorded = run.kids().replication_subnet_group_id.clone();
    let id = recorded.clone().unwrap_or_else(|| run.stack.replication_subnet_group_id());
    let dms = run.dms();
    let what = "DMS replication subnet group";
    let find = || async {
        let Some(g) = dms
            .find_replication_subnet_group(&id)
            .await
            .map_err(|e| aws_err(STEP, "reading DMS replication subnet group", &id, &e))?
        else {
            return Ok(Found::Nothing);
        };
        if g.status == SUBNET_GROUP_DELETING {
            // A destroy a moment ago (a replaced stack): nothing can use it, and its identifier is
            // taken until it is gone.
            wait_subnet_group_gone(run, &id).await?;
            return Ok(Found::Nothing);
        }
        let tags = dms
            .list_tags(&run.subnet_group_arn(&g.id))
            .await
            .map_err(|e| aws_err(STEP, "reading tags of DMS replication subnet group", &id, &e))?;
        Ok(recorded_or_owned(run, recorded.is_some(), what, &id, &g.id, &tags, kind::REPLICATION_SUBNET_GROUP, ()))
    };
    let create = || async {
        let input = ReplicationSubnetGroupInput {
            id: id.clone(),
            description: format!("DMS stack {}", run.stack.prefix()),
            subnet_ids: run.subnet_ids(),
            tags: run.tags_for(kind::REPLICATION_SUBNET_GROUP, &id),
        };
        // A new dms-vpc-role takes a while to reach DMS.
        retry_when(run, role_not_yet_usable, Some(run.role_propagation), || {
            dms.create_replication_subnet_group(input.clone())
        })
        .await
        .map(|_| ())
        .map_err(|e| aws_err(STEP, "creating DMS replication subnet group", &id, &e))
    };
    adopt_or_create(STEP, what, find, create, |_| run.kids().replication_subnet_group_id = Some(id.clone())).await?;
    Ok(())
}

pub(super) async fn delete_replication_subnet_group(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::CreateReplicationSubnetGroup;
    let Some(id) = run.kids().replication_subnet_group_id.clone() else { return Ok(()) };
    delete_retrying(run, STEP, "deleting DMS replication subnet group", &id, &[ErrorKind::InvalidState], || {
        run.dms().delete_replication_subnet_group(&id)
    })
    .await?;
    wait_subnet_group_gone(run, &id).await?;
    run.kids().replication_subnet_group_id = None;
    Ok(())
}

/// The status a replication subnet group shows between its delete and its end (AWS documents no
/// values for `SubnetGroupStatus`; the emulator's dms_realism.py models `deleting`).
const SUBNET_GROUP_DELETING: &str = "deleting";

/// Waits until a deleted replication subnet group is gone: its identifier stays taken meanwhile.
async fn wait_subnet_group_gone(run: &StackRun, id: &str) -> R<()> {
    let what = format!("DMS replication subnet group ({id})");
    wait_gone(run, MainStep::CreateReplicationSubnetGroup, &what, &[SUBNET_GROUP_DELETING], || {
        run.dms().find_replication_subnet_group(id)
    })
    .await
}

pub use crate::aws::dms::{RI_FAILED, RI_PENDING};

pub(super) async fn create_replication_instance(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::CreateReplicationInstance;
    let id = run.stack.replication_instance_id();
    let dms = run.dms();
    let ri = &run.stack.replication_instance;
    let what = "DMS replication instance";
    let recorded = run.kids().replication_instance_arn.clone();
    let find = || async {
        // The recorded instance, by its ARN: an adopted one keeps an identifier of its own.
        if let Some(arn) = &recorded
            && let Some(i) = dms
                .describe_replication_instance_by_arn(arn)
                .await
                .map_err(|e| aws_err(STEP, "reading DMS replication instance", arn, &e))?
        {
            let tags = dms
                .list_tags(&i.arn)
                .await
                .map_err(|e| aws_err(STEP, "reading tags of DMS replication instance", &i.id, &e))?;
            return Ok(recorded_or_owned(
                run,
                true,
                what,
                &i.id,
                &i.arn,
                &tags,
                kind::REPLICATION_INSTANCE,
                i.arn.clone(),
            ));
        }
        let Some(i) = dms
            .find_replication_instance(&id)
            .await
            .map_err(|e| aws_err(STEP, "reading DMS replication instance", &id, &e))?
        else {
            return Ok(Found::Nothing);
        };
        let tags = dms
            .list_tags(&i.arn)
            .await
            .map_err(|e| aws_err(STEP, "reading tags of DMS replication instance", &id, &e))?;
        Ok(ownership(run, what, &id, &i.arn, &tags, kind::REPLICATION_INSTANCE, i.arn.clone()))
    };
    let create = || async {
        let sg = run.need(STEP, "the security group id", run.kids().security_group_id.clone())?;
        let group = run.need(STEP, "the replication subnet group", run.kids().replication_subnet_group_id.clone())?;
        let input = CreateReplicationInstanceInput {
            id: id.clone(),
            class: ri.class.clone(),
            allocated_storage: Some(ri.allocated_storage as i32),
            engine_version: ri.engine_version.clone(),
            multi_az: ri.multi_az,
            preferred_maintenance_window: ri.preferred_maintenance_window.clone(),
            auto_minor_version_upgrade: Some(ri.auto_minor_version_upgrade),
            publicly_accessible: ri.publicly_accessible,
            subnet_group_id: group,
            vpc_security_group_ids: vec![sg],
            kms_key_id: ri.kms_key_arn.clone(),
            tags: run.tags_for(kind::REPLICATION_INSTANCE, &id),
            ..Default::default()
        };
        retry_when(run, role_not_yet_usable, Some(run.role_propagation), || {
            dms.create_replication_instance(input.clone())
        })
        .await
        .map(|i| i.arn)
        .map_err(|e| aws_err(STEP, "creating DMS replication instance", &id, &e))
    };
    let (arn, _) =
        adopt_or_create(STEP, what, find, create, |arn| run.kids().replication_instance_arn = Some(arn.clone()))
            .await?;
    let what = format!("DMS replication instance ({arn})");
    let spec = Wait::new(&what, RI_PENDING, &["available"]).failure(RI_FAILED);
    let inst = wait_present(run, STEP, spec, || dms.describe_replication_instance_by_arn(&arn)).await?;
    let mut k = run.kids();
    k.replication_instance_engine_version = inst.engine_version.clone();
    k.replication_instance_window = inst.preferred_maintenance_window.clone();
    k.replication_instance_kms_key_id = inst.kms_key_id.clone();
    Ok(())
}

pub(super) async fn delete_replication_instance(run: &StackRun) -> R<()> {
    remove_replication_instance(run, MainStep::CreateReplicationInstance).await
}

/// Deletes the replication instance and waits until it is gone.
pub async fn remove_replication_instance(run: &StackRun, step: MainStep) -> R<()> {
    let Some(arn) = run.kids().replication_instance_arn.clone() else { return Ok(()) };
    let dms = run.dms();
    delete_retrying(run, step, "deleting DMS replication instance", &arn, &[ErrorKind::InvalidState], || {
        dms.delete_replication_instance(&arn)
    })
    .await?;
    let what = format!("DMS replication instance ({arn})");
    wait_gone(run, step, &what, &["deleting", "available", "modifying"], || {
        dms.describe_replication_instance_by_arn(&arn)
    })
    .await?;
    run.kids().replication_instance_arn = None;
    Ok(())
}

/// Creates (or adopts) one database's DMS endpoint.
// `..Default::default()` keeps this compiling when the aws layer grows optional fields.
#[allow(clippy::needless_update)]
pub async fn ensure_endpoint(run: &StackRun, step: MainStep, db: &Database) -> R<()> {
    let id = run.stack.database_id(db);
    // The login secret holds the address DMS connects to: written before the endpoint uses it.
    super::login_secret::write_if_unwritten(run, step, db).await?;
    let dms = run.dms();
    let what = "DMS endpoint";
    let recorded = run.kids().db(&id).endpoint_arn;
    let find = || async {
        // The recorded endpoint, by its ARN: an adopted one keeps an identifier of its own.
        if let Some(arn) = &recorded
            && let Some(ep) =
                dms.find_endpoint_by_arn(arn).await.map_err(|e| aws_err(step, "reading DMS endpoint", arn, &e))?
        {
            let tags =
                dms.list_tags(&ep.arn).await.map_err(|e| aws_err(step, "reading tags of DMS endpoint", &ep.id, &e))?;
            run.kids().db_mut(&id).endpoint_kms_key_id = ep.kms_key_id.clone();
            return Ok(recorded_or_owned(run, true, what, &ep.id, &ep.arn, &tags, kind::ENDPOINT, ep.arn.clone()));
        }
        let Some(ep) = dms.find_endpoint(&id).await.map_err(|e| aws_err(step, "reading DMS endpoint", &id, &e))? else {
            return Ok(Found::Nothing);
        };
        let tags = dms.list_tags(&ep.arn).await.map_err(|e| aws_err(step, "reading tags of DMS endpoint", &id, &e))?;
        run.kids().db_mut(&id).endpoint_kms_key_id = ep.kms_key_id.clone();
        Ok(ownership(run, what, &id, &ep.arn, &tags, kind::ENDPOINT, ep.arn.clone()))
    };
    let create = || async {
        // The certificate first: the endpoint is created naming it.
        let certificate_arn = match super::certificate::ensure(run, step, db).await? {
            Some(arn) => Some(arn),
            None => db.certificate_arn.clone(),
        };
        if let Some(creds) = &db.secrets {
            let input = CreateEndpointInput {
                certificate_arn: certificate_arn.clone(),
                ..secret_endpoint_input(run, step, db, &id, creds)?
            };
            return retry_when(run, role_not_yet_usable, Some(Duration::from_secs(300)), || {
                dms.create_endpoint(input.clone())
            })
            .await
            .map(|ep| {
                run.kids().db_mut(&id).endpoint_kms_key_id = ep.kms_key_id.clone();
                ep.arn
            })
            .map_err(|e| aws_err(step, "creating DMS endpoint", &id, &e));
        }
        let address = match &db.rds {
            Some(_) => run.kids().db(&id).address.clone(),
            None => db.server_name.clone(),
        };
        let address = run.need(step, &format!("the address of database {}", db.name), address)?;
        let input = CreateEndpointInput {
            id: id.clone(),
            endpoint_type: match db.side {
                Side::Source => "source".into(),
                Side::Target => "target".into(),
            },
            engine_name: db.engine_name.clone(),
            server_name: Some(address),
            port: Some(db.port as i32),
            database_name: db.database_name.clone(),
            username: db.username.clone(),
            password: db.password.clone().map(Secret::new),
            ssl_mode: db.ssl_mode.clone(),
            extra_connection_attributes: db.extra_connection_attributes.clone(),
            kms_key_id: db.kms_key_arn.clone(),
            certificate_arn,
            engine_settings: db.engine_settings.settings.clone(),
            tags: run.tags_for(kind::ENDPOINT, &id),
            ..Default::default()
        };
        retry_when(run, role_not_yet_usable, Some(Duration::from_secs(300)), || dms.create_endpoint(input.clone()))
            .await
            .map(|ep| {
                run.kids().db_mut(&id).endpoint_kms_key_id = ep.kms_key_id.clone();
                ep.arn
            })
            .map_err(|e| aws_err(step, "creating DMS endpoint", &id, &e))
    };
    adopt_or_create(step, what, find, create, |arn| run.kids().db_mut(&id).endpoint_arn = Some(arn.clone())).await?;
    Ok(())
}

/// The access role DMS reads `db`'s secret through: the configured one, or the one this stack created.
pub fn secrets_pair(run: &StackRun, db: &Database, creds: &SecretCreds) -> Option<SecretsManagerRef> {
    let role = creds.role_arn.clone().or_else(|| run.kids().db(&run.stack.database_id(db)).secrets_role_arn)?;
    let secret_id = super::login_secret::secret_arn(run, db, creds)?;
    Some(SecretsManagerRef { secret_id, access_role_arn: role })
}

/// `CreateEndpoint` of a database whose login is in Secrets Manager: the pair and the database name
/// in the engine settings; no user, password, server or port (DMS refuses both).
fn secret_endpoint_input(
    run: &StackRun,
    step: MainStep,
    db: &Database,
    id: &str,
    creds: &SecretCreds,
) -> R<CreateEndpointInput> {
    let Some(pair) = secrets_pair(run, db, creds) else {
        return Err(StepError::new(
            step,
            format!(
                "the Secrets Manager secret or access role of database {} is missing: an earlier step did not record it",
                db.name
            ),
        ));
    };
    Ok(CreateEndpointInput {
        id: id.to_string(),
        endpoint_type: match db.side {
            Side::Source => "source".into(),
            Side::Target => "target".into(),
        },
        engine_name: db.engine_name.clone(),
        database_name: db.database_name.clone(),
        ssl_mode: db.ssl_mode.clone(),
        extra_connection_attributes: db.extra_connection_attributes.clone(),
        secrets_manager: Some(pair),
        kms_key_id: db.kms_key_arn.clone(),
        engine_settings: db.engine_settings.settings.clone(),
        tags: run.tags_for(kind::ENDPOINT, id),
        ..Default::default()
    })
}

pub(super) async fn create_source_endpoints(run: &StackRun) -> R<()> {
    for db in &run.stack.sources {
        ensure_endpoint(run, MainStep::CreateSourceEndpoints, db).await?;
    }
    Ok(())
}

pub(super) async fn create_target_endpoint(run: &StackRun) -> R<()> {
    ensure_endpoint(run, MainStep::CreateTargetEndpoint, &run.stack.target).await
}

/// Deletes one database's DMS endpoint and waits until it is gone.
pub async fn remove_endpoint(run: &StackRun, step: MainStep, db: &Database) -> R<()> {
    let key = run.stack.database_id(db);
    let Some(arn) = run.kids().db(&key).endpoint_arn else { return Ok(()) };
    let dms = run.dms();
    delete_retrying(run, step, "deleting DMS endpoint", &arn, &[ErrorKind::InvalidState], || dms.delete_endpoint(&arn))
        .await?;
    let what = format!("DMS endpoint ({key})");
    wait_gone(run, step, &what, &["deleting", "active", "creating"], || dms.find_endpoint_by_arn(&arn)).await?;
    run.kids().db_mut(&key).endpoint_arn = None;
    Ok(())
}

pub(super) async fn delete_source_endpoints(run: &StackRun) -> R<()> {
    for db in &run.stack.sources {
        remove_endpoint(run, MainStep::CreateSourceEndpoints, db).await?;
        super::certificate::remove(run, MainStep::CreateSourceEndpoints, db).await?;
    }
    Ok(())
}

pub(super) async fn delete_target_endpoint(run: &StackRun) -> R<()> {
    remove_endpoint(run, MainStep::CreateTargetEndpoint, &run.stack.target).await?;
    super::certificate::remove(run, MainStep::CreateTargetEndpoint, &run.stack.target).await
}

/// Used by tests and read: the children of `d` as recorded.
pub fn db_children(run: &StackRun, db: &Database) -> DbChildren {
    run.kids().db(&run.stack.database_id(db))
}
