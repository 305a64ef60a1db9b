//! The IAM role through which DMS reads each database's Secrets Manager secret: checked (`check`,
//! the user's role must trust the regional DMS principal and allow GetSecretValue on the secret)
//! or created per secret (`create`, recorded the moment it exists, adopted by its tags after a lost
//! answer, deleted with the stack). Runs first, beside `dms-vpc-role`; the endpoints wait for it.

use crate::arn::Arn;
use crate::aws::iam::{CreateRoleInput, own_policies};
use crate::aws::secrets_access::{
    ACCESS_POLICY_NAME, access_policy, access_role_trust_policy, regional_dms_principal, secret_access, trusts_service,
};
use crate::resources::step_kit::{R, StepError, adopt_or_create, aws_err, gone_ok};

use super::super::desired::Database;
use super::super::secrets_config::{ROLE_ARN_ATTR, ROLE_MODE_ATTR, SecretCreds};
use super::{MainStep, StackRun, ownership};
use crate::resources::step_kit::Found;

const STEP: MainStep = MainStep::EnsureSecretsAccessRoles;
/// The `dmslink:resource` tag of a created access role.
pub const KIND: &str = "secrets-access-role";
/// IAM's longest role name.
const ROLE_NAME_MAX: usize = 64;

/// `<database id>-secrets`, shortened with a stable hash when IAM's 64 characters do not hold it.
pub fn access_role_name(database_id: &str) -> String {
    let name = format!("{database_id}-secrets");
    if name.len() <= ROLE_NAME_MAX {
        return name;
    }
    // FNV-1a: stable across builds and platforms.
    let hash =
        database_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let head: String = database_id.chars().take(ROLE_NAME_MAX - "-secrets".len() - 9).collect();
    format!("{}-{:08x}-secrets", head.trim_end_matches('-'), hash as u32)
}

pub(super) async fn ensure_secrets_access_roles(run: &StackRun) -> R<()> {
    for db in run.stack.databases() {
        let id = run.stack.database_id(db);
        // A role this stack created for a secret the configuration no longer has (or no longer
        // wants created): DMS reads the secret only when it connects, and the endpoint is changed
        // to the new login by this same apply.
        if run.kids().db(&id).secrets_role_arn.is_some() && !db.secrets.as_ref().is_some_and(|c| c.create_role) {
            delete_created_role(run, &id).await?;
        }
        let Some(creds) = &db.secrets else { continue };
        if creds.create_role {
            ensure_created_role(run, db, creds).await?;
        } else {
            check_role(run, db, creds).await?;
        }
    }
    Ok(())
}

/// Where the block is, for messages: `target` or `source "<name>"`.
fn block_of(db: &Database) -> String {
    match db.side {
        super::super::schema::Side::Source => format!("source {:?}", db.name),
        super::super::schema::Side::Target => "target".to_string(),
    }
}

/// The secret the role must give DMS (the login secret this stack manages was made by the step
/// before).
fn secret_of(run: &StackRun, db: &Database, creds: &SecretCreds) -> R<String> {
    let arn = super::login_secret::secret_arn(run, db, creds);
    run.need(STEP, &format!("the login secret of {}", block_of(db)), arn)
}

async fn check_role(run: &StackRun, db: &Database, creds: &SecretCreds) -> R<()> {
    let block = block_of(db);
    let secret_arn = secret_of(run, db, creds)?;
    let Some(role_arn) = &creds.role_arn else {
        return Err(StepError::new(
            STEP,
            format!("{block}: {ROLE_ARN_ATTR} is not set (the plan should have said so)"),
        ));
    };
    let name = Arn::parse(role_arn).map(|a| a.resource.rsplit('/').next().unwrap_or_default().to_string());
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return Err(StepError::new(STEP, format!("{block}: {role_arn:?} is not an IAM role ARN")));
    };
    let iam = run.iam();
    let role = iam.get_role(&name).await.map_err(|e| aws_err(STEP, "reading IAM role", &name, &e))?;
    let Some(role) = role else {
        return Err(StepError::new(
            STEP,
            format!(
                "{block}: IAM role {name} ({ROLE_ARN_ATTR}) does not exist. Create it, or set {ROLE_MODE_ATTR} = \
                 \"create\" to let dmslink create one for this secret."
            ),
        ));
    };
    let principal = regional_dms_principal(&run.ctx.provider.region);
    let mut missing = Vec::new();
    if !trusts_service(&role.assume_role_policy, &principal) {
        missing.push(format!(
            "it does not trust {principal} (give it a trust policy allowing the service principal {principal} \
             sts:AssumeRole; DMS reads secrets through the regional principal)"
        ));
    }
    let attached = iam
        .list_attached_role_policies(&name)
        .await
        .map_err(|e| aws_err(STEP, "listing policies of IAM role", &name, &e))?;
    let policies = own_policies(iam, &name, &attached)
        .await
        .map_err(|e| aws_err(STEP, "reading policies of IAM role", &name, &e))?;
    let access = secret_access(&policies, &secret_arn);
    if !access.granted() {
        missing.push(format!(
            "{} (add a policy with Effect \"Allow\", Action \"secretsmanager:GetSecretValue\" and Resource \"{}\")",
            access.explain(&secret_arn),
            secret_arn
        ));
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(StepError::new(
        STEP,
        format!(
            "{block}: IAM role {name} cannot give DMS the secret: {}. Fix the role, or set {ROLE_MODE_ATTR} = \
             \"create\" to let dmslink create one.",
            missing.join("; and ")
        ),
    ))
}

async fn ensure_created_role(run: &StackRun, db: &Database, creds: &SecretCreds) -> R<()> {
    let id = run.stack.database_id(db);
    let name = access_role_name(&id);
    let iam = run.iam();
    let what = "IAM role";
    let find = || async {
        let Some(role) = iam.get_role(&name).await.map_err(|e| aws_err(STEP, "reading IAM role", &name, &e))? else {
            return Ok(Found::Nothing);
        };
        Ok(ownership(run, what, &name, &role.arn, &role.tags, KIND, role.arn.clone()))
    };
    let create = || async {
        let input = CreateRoleInput {
            name: name.clone(),
            assume_role_policy: access_role_trust_policy(&run.ctx.provider.region),
            description: Some(format!("DMS reads the Secrets Manager secret of {id}; created by dmslink")),
            path: None,
            tags: run.tags_for(KIND, &name),
        };
        // `EntityAlreadyExists` (our own create whose answer was lost): the kit looks again and the
        // tags tell whose it is.
        iam.create_role(input).await.map(|r| r.arn).map_err(|e| aws_err(STEP, "creating IAM role", &name, &e))
    };
    let (arn, _) =
        adopt_or_create(STEP, what, find, create, |arn| run.kids().db_mut(&id).secrets_role_arn = Some(arn.clone()))
            .await?;
    run.learn_account(&arn);
    // Idempotent: a repeat (after a lost answer, or on every apply) puts the same document.
    let document = access_policy(&secret_of(run, db, creds)?);
    let put = || iam.put_role_policy(&name, ACCESS_POLICY_NAME, &document);
    match put().await {
        Err(e) if e.outcome_unknown() => put().await,
        other => other,
    }
    .map_err(|e| aws_err(STEP, "putting the secret's policy on IAM role", &name, &e))
}

pub(super) async fn delete_secrets_access_roles(run: &StackRun) -> R<()> {
    for db in run.stack.databases() {
        let id = run.stack.database_id(db);
        if run.kids().db(&id).secrets_role_arn.is_some() {
            delete_created_role(run, &id).await?;
        }
    }
    Ok(())
}

/// Deletes the access role this stack created for database `id` (its inline policy first).
async fn delete_created_role(run: &StackRun, id: &str) -> R<()> {
    let name = access_role_name(id);
    let iam = run.iam();
    gone_ok(
        STEP,
        "deleting the secret's policy of IAM role",
        &name,
        iam.delete_role_policy(&name, ACCESS_POLICY_NAME).await,
    )?;
    gone_ok(STEP, "deleting IAM role", &name, iam.delete_role(&name).await)?;
    run.kids().db_mut(id).secrets_role_arn = None;
    Ok(())
}
