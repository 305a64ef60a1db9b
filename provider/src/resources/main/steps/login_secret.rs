//! The login secrets dmslink manages (`manage_login_secret`, see `login_secret`): created empty
//! and tagged first of all (the access roles' policies name their ARNs), found by name after a lost
//! answer and adopted by their tags, restored when a destroyed stack of the same name left one
//! waiting out its recovery window; their value is written by the endpoint step once the address
//! is known ([`write_if_unwritten`]); deleted (scheduled, 7-day window) with the stack or when a
//! block no longer wants one.

use crate::aws::secrets_manager::{SecretInfo, SecretsManagerApi};
use crate::resources::step_kit::{Found, R, StepError, adopt_or_create, aws_err, gone_ok};

use super::super::desired::Database;
use super::super::login_secret::{KIND, RECOVERY_DAYS, secret_name, value};
use super::super::secrets_config::SecretCreds;
use super::{MainStep, StackRun, ownership};

const STEP: MainStep = MainStep::CreateLoginSecrets;

impl StackRun {
    pub(super) fn secrets_manager(&self) -> &dyn SecretsManagerApi {
        self.ctx.provider.clients.secrets.as_ref()
    }
}

/// The secret DMS reads for a database: the configured ARN, or the login secret this stack
/// manages (once it exists).
pub fn secret_arn(run: &StackRun, db: &Database, creds: &SecretCreds) -> Option<String> {
    if creds.managed {
        run.kids().db(&run.stack.database_id(db)).login_secret_arn
    } else {
        Some(creds.secret_arn.clone())
    }
}

pub(super) async fn create_login_secrets(run: &StackRun) -> R<()> {
    for db in run.stack.databases() {
        let id = run.stack.database_id(db);
        let managed = db.secrets.as_ref().is_some_and(|c| c.managed);
        if !managed {
            // A block that no longer wants its secret: the endpoint is re-created with the new login by
            // this same apply, so the secret goes.
            if run.kids().db(&id).login_secret_arn.is_some() {
                delete_login_secret(run, &id).await?;
            }
            continue;
        }
        ensure_login_secret(run, &id).await?;
    }
    Ok(())
}

async fn ensure_login_secret(run: &StackRun, id: &str) -> R<()> {
    let name = secret_name(id);
    let sm = run.secrets_manager();
    let what = "Secrets Manager secret";
    let find = || async {
        let Some(info) =
            sm.describe_secret(&name).await.map_err(|e| aws_err(STEP, "reading Secrets Manager secret", &name, &e))?
        else {
            return Ok(Found::Nothing);
        };
        let (arn, tags) = (info.arn.clone(), info.tags.clone());
        Ok(ownership(run, what, &name, &arn, &tags, KIND, info))
    };
    let create = || async {
        let description = format!("Login DMS uses for {id}; created and written by dmslink");
        sm.create_secret(&name, &description, &run.tags_for(KIND, &name))
            .await
            .map_err(|e| aws_err(STEP, "creating Secrets Manager secret", &name, &e))
    };
    let (info, _) = adopt_or_create(STEP, what, find, create, |info: &SecretInfo| {
        let mut k = run.kids();
        let d = k.db_mut(id);
        d.login_secret_arn = Some(info.arn.clone());
        d.login_secret_unwritten = !info.has_value;
    })
    .await?;
    run.learn_account(&info.arn);
    if info.scheduled_for_deletion {
        // Ours, left by a destroyed stack of the same name within its recovery window.
        tracing::info!(secret = %name, "restoring the login secret scheduled for deletion");
        sm.restore_secret(&info.arn).await.map_err(|e| aws_err(STEP, "restoring Secrets Manager secret", &name, &e))?;
        // Its value is the old stack's: written again for this one.
        run.kids().db_mut(id).login_secret_unwritten = true;
    }
    Ok(())
}

/// Writes a login secret's value when this run made it (or found it empty): before the endpoint
/// that reads it is created or adopted. `address` is the RDS instance's, when the block has one.
pub async fn write_if_unwritten(run: &StackRun, step: MainStep, db: &Database) -> R<()> {
    let id = run.stack.database_id(db);
    let kids = run.kids().db(&id);
    if !db.secrets.as_ref().is_some_and(|c| c.managed) || !kids.login_secret_unwritten {
        return Ok(());
    }
    write_value(run, step, db).await?;
    run.kids().db_mut(&id).login_secret_unwritten = false;
    Ok(())
}

/// Writes the login secret's value from the configuration and the address DMS connects to.
pub async fn write_value(run: &StackRun, step: MainStep, db: &Database) -> R<()> {
    let id = run.stack.database_id(db);
    let kids = run.kids().db(&id);
    let Some(arn) = kids.login_secret_arn else {
        return Err(StepError::new(
            step,
            format!("the login secret of {id} is missing: an earlier step did not record it"),
        ));
    };
    let Some(login) = value(db, kids.address.as_deref()) else {
        return Err(StepError::new(
            step,
            format!("the login secret of {id} cannot be written: its user, password or address is not known"),
        ));
    };
    // Idempotent: a repeat after a lost answer writes the same value as a new version.
    run.secrets_manager()
        .put_secret_value(&arn, &login)
        .await
        .map_err(|e| aws_err(step, "writing the value of Secrets Manager secret", &secret_name(&id), &e))
}

pub(super) async fn delete_login_secrets(run: &StackRun) -> R<()> {
    for db in run.stack.databases() {
        let id = run.stack.database_id(db);
        if run.kids().db(&id).login_secret_arn.is_some() {
            delete_login_secret(run, &id).await?;
        }
    }
    Ok(())
}

/// Schedules the deletion of database `id`'s login secret (`RECOVERY_DAYS`); one already gone or
/// already scheduled counts as done.
async fn delete_login_secret(run: &StackRun, id: &str) -> R<()> {
    let Some(arn) = run.kids().db(id).login_secret_arn else { return Ok(()) };
    let sm = run.secrets_manager();
    let name = secret_name(id);
    let scheduled = gone_ok(STEP, "reading Secrets Manager secret", &name, sm.describe_secret(&arn).await)?
        .is_none_or(|s| s.scheduled_for_deletion);
    if !scheduled {
        gone_ok(STEP, "deleting Secrets Manager secret", &name, sm.delete_secret(&arn, RECOVERY_DAYS).await)?;
    }
    run.kids().db_mut(id).login_secret_arn = None;
    Ok(())
}
