//! The steps of `dmslink_main`: each AWS child is a named step that finds (adopts) its child by
//! deterministic name and ownership tags, or creates it, and records it in [`StackRun::children`]
//! the moment it exists. Undo removes it again (NotFound counts as done).

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

use crate::aws::Secret;
use crate::aws::dms::{
    CreateEndpointInput, CreateReplicationInstanceInput, ReplicationSubnetGroupInput, Tags, subnet_group_arn,
};
use crate::aws::ec2::{
    CreateSecurityGroupInput, CreateSubnetInput, CreateVpnGatewayInput, Filters, RuleDirection, RulePeer, SgRule,
    VpcAttribute,
};
use crate::aws::error::{AwsError, ErrorKind};
use crate::aws::iam::{
    CreateRoleInput, DMS_VPC_ROLE, DmsVpcRoleStatus, dms_trust_policy, dms_vpc_policy_arn, dms_vpc_role_status,
};
use crate::aws::rds::{
    CreateDbInstanceInput, DB_AVAILABLE_STATES, DB_FAILED_STATES, DB_PENDING_STATES, DbSubnetGroupInput,
    DeleteDbInstanceInput, ModifyDbInstanceInput, RestoreDbInstanceInput,
};
use crate::aws::wait::{self, Wait, WaitOptions, WaitState};
use crate::engine::steps::{Graph, Step, StepError, StepFuture};
use crate::resources::Ctx;

use super::children::{Children, DbChildren};
use super::desired::{Database, Stack};
use super::naming::{
    TAG_RESOURCE, TAG_SNAPSHOT, TAG_STACK, block_name, final_snapshot_base, final_snapshot_id, kind, owned_by,
};
use super::schema::Side;

type R<T> = Result<T, StepError>;

/// Everything the steps share.
pub struct StackRun {
    pub ctx: Ctx,
    pub stack: Stack,
    /// The user's tags with the provider's default tags (`tags_all`).
    pub tags: Tags,
    pub deadline: Instant,
    pub children: Mutex<Children>,
    /// How long to retry `AccessDeniedFault` while a new `dms-vpc-role` propagates.
    pub role_propagation: Duration,
    /// The account id, for ARNs DMS does not return (subnet groups): from the provider, or else from
    /// the ARN of `dms-vpc-role` (when credential validation was skipped).
    pub account: Mutex<Option<String>>,
}

impl StackRun {
    pub fn new(ctx: &Ctx, stack: Stack, tags: Tags, deadline: Instant, children: Children) -> Arc<StackRun> {
        Arc::new(StackRun {
            ctx: ctx.clone(),
            stack,
            tags,
            deadline,
            children: Mutex::new(children),
            role_propagation: Duration::from_secs(120),
            account: Mutex::new(ctx.provider.account_id.clone()),
        })
    }

    pub fn kids(&self) -> MutexGuard<'_, Children> {
        self.children.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn snapshot(&self) -> Children {
        self.kids().clone()
    }

    fn tags_for(&self, kind: &str, name: &str) -> Tags {
        self.stack.child_tags(&self.tags, kind, name)
    }

    fn owner_filter(&self, kind: &str) -> Filters {
        let mut t = Tags::new();
        t.insert(TAG_STACK.to_string(), self.stack.prefix());
        t.insert(TAG_RESOURCE.to_string(), kind.to_string());
        Filters::new().tags(&t)
    }

    fn partition(&self) -> &str {
        &self.ctx.provider.partition
    }

    fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    fn ec2(&self) -> &dyn crate::aws::ec2::Ec2Api {
        self.ctx.provider.clients.ec2.as_ref()
    }
    fn rds(&self) -> &dyn crate::aws::rds::RdsApi {
        self.ctx.provider.clients.rds.as_ref()
    }
    fn dms(&self) -> &dyn crate::aws::dms::DmsApi {
        self.ctx.provider.clients.dms.as_ref()
    }
    fn iam(&self) -> &dyn crate::aws::iam::IamApi {
        self.ctx.provider.clients.iam.as_ref()
    }

    fn subnet_ids(&self) -> Vec<String> {
        let k = self.kids();
        self.stack.network.availability_zones.iter().filter_map(|az| k.subnet_ids.get(az).cloned()).collect()
    }

    fn need(&self, step: &'static str, what: &str, v: Option<String>) -> R<String> {
        v.ok_or_else(|| StepError::new(step, format!("{what} is missing: an earlier step did not record it")))
    }

    /// The DMS ARN of the replication subnet group, where its tags live.
    pub fn subnet_group_arn(&self, id: &str) -> String {
        let p = &self.ctx.provider;
        let account = self.account.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default();
        subnet_group_arn(&p.partition, &p.region, &account, id)
    }

    /// Learns the account id from an ARN when the provider does not know it.
    fn learn_account(&self, arn: &str) {
        let mut a = self.account.lock().unwrap_or_else(|e| e.into_inner());
        if a.is_none()
            && let Some(id) = arn.split(':').nth(4).filter(|s| !s.is_empty())
        {
            *a = Some(id.to_string());
        }
    }
}

/// An AWS refusal as a step error: `creating EC2 VPC (dblink-dev-vpc): Code: message`.
fn aws_err(step: &'static str, doing: &str, id: &str, e: &AwsError) -> StepError {
    StepError::new(step, e.describe(doing, id)).with_code(e.code.clone())
}

/// A delete's result where "already gone" counts as done.
fn gone_ok(step: &'static str, doing: &str, id: &str, result: Result<(), AwsError>) -> R<()> {
    match result {
        Err(e) if !e.is_not_found() => Err(aws_err(step, doing, id, &e)),
        _ => Ok(()),
    }
}

fn wait_err(step: &'static str, e: &wait::WaitError) -> StepError {
    let err = StepError::new(step, e.to_string());
    match e {
        wait::WaitError::Aws(a) => err.with_code(a.code.clone()),
        _ => err,
    }
}

fn not_owned(step: &'static str, what: &str, name: &str, id: &str, stack: &Stack, kind: &str) -> StepError {
    StepError::new(
        step,
        format!(
            "found {what} {name} ({id}) without this stack's ownership tags ({TAG_STACK} = {}, {TAG_RESOURCE} = {kind}); \
             dmslink never adopts an object it did not create. Delete or rename it, or choose another `name`/`environment`.",
            stack.prefix()
        ),
    )
}

/// Retries `f` while it fails with one of `kinds`, until `limit` (or the run's deadline) passes.
pub(super) async fn retry<T, F, Fut>(
    run: &StackRun,
    kinds: &[ErrorKind],
    limit: Option<Duration>,
    mut f: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let until = match limit {
        Some(l) => (Instant::now() + l).min(run.deadline),
        None => run.deadline,
    };
    let mut pause = Duration::from_secs(2);
    loop {
        match f().await {
            Err(e) if kinds.contains(&e.kind) && Instant::now() + pause < until && !run.ctx.cancel.is_cancelled() => {
                tracing::debug!(code = %e.code, "retrying after {:?}", pause);
                tokio::select! {
                    _ = run.ctx.cancel.cancelled() => return Err(e),
                    _ = tokio::time::sleep(pause) => {}
                }
                pause = (pause * 2).min(Duration::from_secs(15));
            }
            other => return other,
        }
    }
}

/// Polls `check` until it answers true, within the run's deadline.
async fn poll_until<F, Fut>(run: &StackRun, step: &'static str, what: &str, mut check: F) -> R<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool, AwsError>>,
{
    let mut pause = Duration::from_secs(2);
    loop {
        if check().await.map_err(|e| aws_err(step, "waiting for", what, &e))? {
            return Ok(());
        }
        if Instant::now() + pause > run.deadline {
            return Err(StepError::new(step, format!("timed out waiting for {what}")));
        }
        tokio::select! {
            _ = run.ctx.cancel.cancelled() => return Err(StepError::new(step, format!("cancelled while waiting for {what}"))),
            _ = tokio::time::sleep(pause) => {}
        }
        pause = (pause * 3 / 2).min(Duration::from_secs(15));
    }
}

async fn wait_spec<S, F, Fut>(run: &StackRun, step: &'static str, spec: Wait<'_>, refresh: F) -> R<Option<S>>
where
    S: WaitState,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<S>, AwsError>>,
{
    let spec = spec.timeout(run.remaining());
    wait::wait_for(&spec, &run.ctx.cancel, refresh).await.map_err(|e| wait_err(step, &e))
}

fn boxed<F: Future<Output = R<()>> + Send + 'static>(f: F) -> StepFuture {
    Box::pin(f)
}

macro_rules! step {
    ($name:literal, [$($after:literal),*], $run:ident, $undo:ident) => {
        Step {
            name: $name,
            after: &[$($after),*],
            run: |c| boxed(async move { $run(&c).await }),
            undo: |c| boxed(async move { $undo(&c).await }),
        }
    };
}

/// The stack's steps: forward for create/update, reversed for delete.
pub fn graph() -> Result<Graph<StackRun>, String> {
    Graph::new(vec![
        step!("ensure_dms_vpc_role", [], ensure_dms_vpc_role, delete_dms_vpc_role),
        step!("create_vpc", ["ensure_dms_vpc_role"], create_vpc, delete_vpc),
        step!("create_subnets", ["create_vpc"], create_subnets, delete_subnets),
        step!("create_security_group", ["create_vpc"], create_security_group, delete_security_group),
        step!("create_vpn_gateway", ["create_vpc"], create_vpn_gateway, delete_vpn_gateway),
        step!("enable_route_propagation", ["create_vpn_gateway"], enable_route_propagation, disable_route_propagation),
        step!("create_internet_gateway", ["create_vpc"], create_internet_gateway, delete_internet_gateway),
        step!("create_db_subnet_group", ["create_subnets"], create_db_subnet_group, delete_db_subnet_group),
        step!(
            "create_source_databases",
            ["create_db_subnet_group", "create_security_group"],
            create_source_databases,
            delete_source_databases
        ),
        step!(
            "create_target_database",
            ["create_db_subnet_group", "create_security_group"],
            create_target_database,
            delete_target_database
        ),
        step!(
            "create_replication_subnet_group",
            ["create_subnets"],
            create_replication_subnet_group,
            delete_replication_subnet_group
        ),
        step!(
            "create_replication_instance",
            ["create_replication_subnet_group", "create_security_group"],
            create_replication_instance,
            delete_replication_instance
        ),
        step!(
            "create_source_endpoints",
            ["create_source_databases", "create_replication_instance"],
            create_source_endpoints,
            delete_source_endpoints
        ),
        step!(
            "create_target_endpoint",
            ["create_target_database", "create_replication_instance"],
            create_target_endpoint,
            delete_target_endpoint
        ),
    ])
}

// ---------------------------------------------------------------------------------------------
// dms-vpc-role

pub fn role_how_to(partition: &str) -> String {
    format!(
        "DMS needs the account-wide IAM role `{DMS_VPC_ROLE}` (trusting dms.amazonaws.com, with the managed policy \
         {policy}) before it can create a replication subnet group or instance. Create it once per account:\n\n  \
         aws iam create-role --role-name {DMS_VPC_ROLE} --assume-role-policy-document \
         '{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{{\"Service\":\"dms.amazonaws.com\"}},\"Action\":\"sts:AssumeRole\"}}]}}'\n  \
         aws iam attach-role-policy --role-name {DMS_VPC_ROLE} --policy-arn {policy}\n\n\
         or set `dms_vpc_role = \"create\"` to let dmslink create it (it then deletes it with the stack, once no other DMS replication instance or subnet group needs it).",
        policy = dms_vpc_policy_arn(partition)
    )
}

async fn ensure_dms_vpc_role(run: &StackRun) -> R<()> {
    const STEP: &str = "ensure_dms_vpc_role";
    let partition = run.partition().to_string();
    let status = dms_vpc_role_status(run.iam(), &partition)
        .await
        .map_err(|e| aws_err(STEP, "reading IAM role", DMS_VPC_ROLE, &e))?;
    let policy = dms_vpc_policy_arn(&partition);
    if let DmsVpcRoleStatus::Ready(role) | DmsVpcRoleStatus::Incomplete { role, .. } = &status {
        run.learn_account(&role.arn);
        // Created by this stack in an apply whose state was lost: still this stack's to delete.
        if run.stack.create_dms_vpc_role && role.tags.get(TAG_STACK) == Some(&run.stack.prefix()) {
            run.kids().dms_vpc_role_created = true;
        }
    }
    match (status, run.stack.create_dms_vpc_role) {
        (DmsVpcRoleStatus::Ready(_), _) => Ok(()),
        (DmsVpcRoleStatus::Missing, false) => {
            Err(StepError::new(STEP, format!("IAM role {DMS_VPC_ROLE} does not exist. {}", role_how_to(&partition))))
        }
        (DmsVpcRoleStatus::Incomplete { trusts_dms, has_policy, .. }, false) => Err(StepError::new(
            STEP,
            format!(
                "IAM role {DMS_VPC_ROLE} exists but {}. {}",
                if !trusts_dms { "does not trust dms.amazonaws.com" } else { "lacks the managed policy" },
                if !has_policy { role_how_to(&partition) } else { String::new() }
            ),
        )),
        (DmsVpcRoleStatus::Incomplete { trusts_dms: false, .. }, true) => Err(StepError::new(
            STEP,
            format!(
                "IAM role {DMS_VPC_ROLE} exists but does not trust dms.amazonaws.com; dmslink does not change a role \
                 it did not create. Fix its trust policy."
            ),
        )),
        (DmsVpcRoleStatus::Incomplete { .. }, true) => run
            .iam()
            .attach_role_policy(DMS_VPC_ROLE, &policy)
            .await
            .map_err(|e| aws_err(STEP, "attaching policy to IAM role", DMS_VPC_ROLE, &e)),
        (DmsVpcRoleStatus::Missing, true) => {
            let input = CreateRoleInput {
                name: DMS_VPC_ROLE.to_string(),
                assume_role_policy: dms_trust_policy(),
                description: Some(format!("DMS VPC management, created by dmslink for {}", run.stack.prefix())),
                path: None,
                tags: run.tags_for("iam-role", DMS_VPC_ROLE),
            };
            match run.iam().create_role(input).await {
                Ok(role) => {
                    run.learn_account(&role.arn);
                    run.kids().dms_vpc_role_created = true;
                }
                Err(e) if e.is_kind(ErrorKind::AlreadyExists) => {}
                Err(e) => return Err(aws_err(STEP, "creating IAM role", DMS_VPC_ROLE, &e)),
            }
            run.iam()
                .attach_role_policy(DMS_VPC_ROLE, &policy)
                .await
                .map_err(|e| aws_err(STEP, "attaching policy to IAM role", DMS_VPC_ROLE, &e))
        }
    }
}

async fn delete_dms_vpc_role(run: &StackRun) -> R<()> {
    const STEP: &str = "ensure_dms_vpc_role";
    if !run.kids().dms_vpc_role_created {
        return Ok(());
    }
    // The role is account-wide: other stacks' DMS objects may need it long after this one.
    let users = dms_vpc_role_users(run).await?;
    if !users.is_empty() {
        tracing::info!(
            "leaving IAM role {DMS_VPC_ROLE} in place (this stack created it): still needed by {}",
            users.join(", ")
        );
        run.kids().dms_vpc_role_created = false;
        return Ok(());
    }
    let policy = dms_vpc_policy_arn(run.partition());
    gone_ok(
        STEP,
        "detaching policy from IAM role",
        DMS_VPC_ROLE,
        run.iam().detach_role_policy(DMS_VPC_ROLE, &policy).await,
    )?;
    gone_ok(STEP, "deleting IAM role", DMS_VPC_ROLE, run.iam().delete_role(DMS_VPC_ROLE).await)?;
    run.kids().dms_vpc_role_created = false;
    Ok(())
}

/// The DMS replication instances and subnet groups in the region other than this stack's: while
/// any exists, `dms-vpc-role` stays. (DMS is regional and the role account-wide: objects in other
/// regions are not seen.)
async fn dms_vpc_role_users(run: &StackRun) -> R<Vec<String>> {
    const STEP: &str = "ensure_dms_vpc_role";
    let dms = run.dms();
    let (own_instance, own_group) = (run.stack.replication_instance_id(), run.stack.replication_subnet_group_id());
    let own_arn = run.kids().replication_instance_arn.clone();
    let instances = dms
        .list_replication_instances()
        .await
        .map_err(|e| aws_err(STEP, "listing DMS replication instances before deleting IAM role", DMS_VPC_ROLE, &e))?;
    let groups = dms.list_replication_subnet_groups().await.map_err(|e| {
        aws_err(STEP, "listing DMS replication subnet groups before deleting IAM role", DMS_VPC_ROLE, &e)
    })?;
    let mut users: Vec<String> = instances
        .into_iter()
        .filter(|i| !i.id.eq_ignore_ascii_case(&own_instance) && own_arn.as_deref() != Some(i.arn.as_str()))
        .map(|i| format!("replication instance {}", i.id))
        .collect();
    users.extend(
        groups
            .into_iter()
            .filter(|g| !g.id.eq_ignore_ascii_case(&own_group))
            .map(|g| format!("replication subnet group {}", g.id)),
    );
    Ok(users)
}

// ---------------------------------------------------------------------------------------------
// Network

async fn create_vpc(run: &StackRun) -> R<()> {
    const STEP: &str = "create_vpc";
    let name = run.stack.vpc_name();
    let ec2 = run.ec2();
    let known = run.kids().vpc_id.clone();
    let mut id = None;
    if let Some(k) = known {
        id = ec2.find_vpc(&k).await.map_err(|e| aws_err(STEP, "reading EC2 VPC", &name, &e))?.map(|v| v.id);
    }
    if id.is_none() {
        let owned = ec2
            .find_vpcs(&run.owner_filter(kind::VPC))
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 VPC", &name, &e))?;
        id = owned.into_iter().find(|v| owned_by(&v.tags, &run.stack, kind::VPC)).map(|v| v.id);
    }
    let id = match id {
        Some(id) => id,
        None => {
            let named = ec2
                .find_vpcs(&Filters::new().with("tag:Name", &name))
                .await
                .map_err(|e| aws_err(STEP, "reading EC2 VPC", &name, &e))?;
            if let Some(v) = named.first() {
                return Err(not_owned(STEP, "EC2 VPC", &name, &v.id, &run.stack, kind::VPC));
            }
            let tags = run.tags_for(kind::VPC, &name);
            let vpc = ec2
                .create_vpc(&run.stack.network.vpc_cidr, &tags)
                .await
                .map_err(|e| aws_err(STEP, "creating EC2 VPC", &name, &e))?;
            vpc.id
        }
    };
    run.kids().vpc_id = Some(id.clone());
    let what = format!("EC2 VPC ({id})");
    wait_spec(run, STEP, Wait::new(&what, &["pending"], &["available"]), || ec2.find_vpc(&id)).await?;
    for attr in [VpcAttribute::EnableDnsSupport, VpcAttribute::EnableDnsHostnames] {
        let current = ec2
            .describe_vpc_attribute(&id, attr)
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 VPC attribute", &id, &e))?;
        if current {
            continue;
        }
        ec2.modify_vpc_attribute(&id, attr, true)
            .await
            .map_err(|e| aws_err(STEP, &format!("setting {} of EC2 VPC", attr.as_str()), &id, &e))?;
        poll_until(run, STEP, &format!("{} of EC2 VPC ({id})", attr.as_str()), || {
            ec2.describe_vpc_attribute(&id, attr)
        })
        .await?;
    }
    // Recorded once: a later apply keeps the list it planned with.
    if !run.kids().route_table_ids.is_empty() {
        return Ok(());
    }
    let tables = ec2
        .find_route_tables(&Filters::new().vpc(&id))
        .await
        .map_err(|e| aws_err(STEP, "reading route tables of EC2 VPC", &id, &e))?;
    let mut ids: Vec<(bool, String)> = tables.into_iter().map(|t| (!t.main, t.id)).collect();
    ids.sort();
    run.kids().route_table_ids = ids.into_iter().map(|(_, id)| id).collect();
    Ok(())
}

async fn delete_vpc(run: &StackRun) -> R<()> {
    const STEP: &str = "create_vpc";
    let Some(id) = run.kids().vpc_id.clone() else { return Ok(()) };
    gone_ok(
        STEP,
        "deleting EC2 VPC",
        &id,
        retry(run, &[ErrorKind::DependencyViolation], None, || run.ec2().delete_vpc(&id)).await,
    )?;
    let mut k = run.kids();
    k.vpc_id = None;
    k.route_table_ids.clear();
    Ok(())
}

async fn create_subnets(run: &StackRun) -> R<()> {
    const STEP: &str = "create_subnets";
    let ec2 = run.ec2();
    let vpc = run.need(STEP, "the VPC id", run.kids().vpc_id.clone())?;
    let owned = ec2
        .find_subnets(&run.owner_filter(kind::SUBNET).vpc(&vpc))
        .await
        .map_err(|e| aws_err(STEP, "reading EC2 subnets of", &vpc, &e))?;
    let net = &run.stack.network;
    for (az, cidr) in net.availability_zones.iter().zip(&net.subnet_cidrs) {
        let name = run.stack.subnet_name(az);
        let known = run.kids().subnet_ids.get(az).cloned();
        if let Some(k) = known
            && ec2.find_subnet(&k).await.map_err(|e| aws_err(STEP, "reading EC2 subnet", &name, &e))?.is_some()
        {
            continue;
        }
        if let Some(s) =
            owned.iter().find(|s| &s.availability_zone == az && owned_by(&s.tags, &run.stack, kind::SUBNET))
        {
            run.kids().subnet_ids.insert(az.clone(), s.id.clone());
            continue;
        }
        let named = ec2
            .find_subnets(&Filters::new().vpc(&vpc).with("tag:Name", &name))
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 subnets of", &vpc, &e))?;
        if let Some(s) = named.first() {
            return Err(not_owned(STEP, "EC2 subnet", &name, &s.id, &run.stack, kind::SUBNET));
        }
        let input = CreateSubnetInput {
            vpc_id: vpc.clone(),
            cidr_block: cidr.clone(),
            availability_zone: az.clone(),
            tags: run.tags_for(kind::SUBNET, &name),
        };
        let s = ec2.create_subnet(input).await.map_err(|e| aws_err(STEP, "creating EC2 subnet", &name, &e))?;
        run.kids().subnet_ids.insert(az.clone(), s.id.clone());
    }
    for id in run.subnet_ids() {
        let what = format!("EC2 subnet ({id})");
        wait_spec(run, STEP, Wait::new(&what, &["pending"], &["available"]), || ec2.find_subnet(&id)).await?;
    }
    Ok(())
}

/// Deletes the network interfaces DMS leaves behind (`available`, #7600) in the VPC.
async fn delete_leftover_enis(run: &StackRun, step: &'static str) -> R<()> {
    let Some(vpc) = run.kids().vpc_id.clone() else { return Ok(()) };
    let enis = run
        .ec2()
        .find_network_interfaces(&Filters::new().vpc(&vpc).with("status", "available"))
        .await
        .map_err(|e| aws_err(step, "reading network interfaces of EC2 VPC", &vpc, &e))?;
    let sg = run.kids().security_group_id.clone();
    let subnets = run.subnet_ids();
    for n in enis {
        let ours = sg.as_ref().is_some_and(|g| n.group_ids.contains(g)) || subnets.contains(&n.subnet_id);
        if !ours {
            continue;
        }
        gone_ok(step, "deleting leftover network interface", &n.id, run.ec2().delete_network_interface(&n.id).await)?;
    }
    Ok(())
}

async fn delete_subnets(run: &StackRun) -> R<()> {
    const STEP: &str = "create_subnets";
    delete_leftover_enis(run, STEP).await?;
    let subnets: Vec<(String, String)> = run.kids().subnet_ids.clone().into_iter().collect();
    for (az, id) in subnets {
        let r = retry(run, &[ErrorKind::DependencyViolation], None, || async {
            match run.ec2().delete_subnet(&id).await {
                Err(e) if e.is_kind(ErrorKind::DependencyViolation) => {
                    let _ = delete_leftover_enis(run, STEP).await;
                    Err(e)
                }
                other => other,
            }
        })
        .await;
        gone_ok(STEP, "deleting EC2 subnet", &id, r)?;
        run.kids().subnet_ids.remove(&az);
    }
    Ok(())
}

fn sg_rules(run: &StackRun, sg: &str) -> (Vec<SgRule>, Vec<SgRule>) {
    let mut ingress = vec![SgRule::all(RulePeer::Group(sg.to_string()))];
    let mut ports: Vec<i64> = run.stack.databases().map(|d| d.port).collect();
    ports.sort();
    ports.dedup();
    for p in ports {
        ingress.push(SgRule::tcp(p as i32, RulePeer::Cidr(run.stack.network.vpc_cidr.clone())));
    }
    let egress = vec![SgRule::all(RulePeer::Cidr("0.0.0.0/0".to_string()))];
    (ingress, egress)
}

async fn create_security_group(run: &StackRun) -> R<()> {
    const STEP: &str = "create_security_group";
    let ec2 = run.ec2();
    let name = run.stack.security_group_name();
    let vpc = run.need(STEP, "the VPC id", run.kids().vpc_id.clone())?;
    let mut id = None;
    let known_security_group_id = run.kids().security_group_id.clone();
    if let Some(k) = known_security_group_id {
        id = ec2
            .find_security_group(&k)
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 security group", &name, &e))?
            .map(|g| g.id);
    }
    if id.is_none() {
        let found = ec2
            .find_security_groups(&Filters::new().vpc(&vpc).with("group-name", &name))
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 security group", &name, &e))?;
        if let Some(g) = found.first() {
            if !owned_by(&g.tags, &run.stack, kind::SECURITY_GROUP) {
                return Err(not_owned(STEP, "EC2 security group", &name, &g.id, &run.stack, kind::SECURITY_GROUP));
            }
            id = Some(g.id.clone());
        }
    }
    let id = match id {
        Some(id) => id,
        None => {
            let input = CreateSecurityGroupInput {
                vpc_id: vpc.clone(),
                name: name.clone(),
                description: format!("DMS stack {}: databases and replication instance", run.stack.prefix()),
                tags: run.tags_for(kind::SECURITY_GROUP, &name),
            };
            ec2.create_security_group(input)
                .await
                .map_err(|e| aws_err(STEP, "creating EC2 security group", &name, &e))?
                .id
        }
    };
    run.kids().security_group_id = Some(id.clone());
    let existing =
        ec2.find_security_group_rules(&id).await.map_err(|e| aws_err(STEP, "reading EC2 security group", &id, &e))?;
    let (ingress, egress) = sg_rules(run, &id);
    let missing = |dir: RuleDirection, want: Vec<SgRule>| -> Vec<SgRule> {
        want.into_iter().filter(|r| !existing.iter().any(|x| x.direction == dir && x.rule.same_permission(r))).collect()
    };
    let ingress = missing(RuleDirection::Ingress, ingress);
    let egress = missing(RuleDirection::Egress, egress);
    let ok_dup = |r: Result<(), AwsError>| match r {
        Err(e) if e.is_kind(ErrorKind::AlreadyExists) => Ok(()),
        other => other,
    };
    if !ingress.is_empty() {
        ok_dup(ec2.authorize_security_group_ingress(&id, &ingress).await)
            .map_err(|e| aws_err(STEP, "authorizing ingress of EC2 security group", &id, &e))?;
    }
    if !egress.is_empty() {
        ok_dup(ec2.authorize_security_group_egress(&id, &egress).await)
            .map_err(|e| aws_err(STEP, "authorizing egress of EC2 security group", &id, &e))?;
    }
    Ok(())
}

async fn delete_security_group(run: &StackRun) -> R<()> {
    const STEP: &str = "create_security_group";
    let Some(id) = run.kids().security_group_id.clone() else { return Ok(()) };
    delete_leftover_enis(run, STEP).await?;
    let r = retry(run, &[ErrorKind::DependencyViolation, ErrorKind::InvalidState], None, || async {
        match run.ec2().delete_security_group(&id).await {
            Err(e) if e.is_kind(ErrorKind::DependencyViolation) => {
                let _ = delete_leftover_enis(run, STEP).await;
                Err(e)
            }
            other => other,
        }
    })
    .await;
    gone_ok(STEP, "deleting EC2 security group", &id, r)?;
    run.kids().security_group_id = None;
    Ok(())
}

async fn create_vpn_gateway(run: &StackRun) -> R<()> {
    const STEP: &str = "create_vpn_gateway";
    if !run.stack.network.vpn_gateway {
        return Ok(());
    }
    let ec2 = run.ec2();
    let name = format!("{}-vgw", run.stack.prefix());
    let vpc = run.need(STEP, "the VPC id", run.kids().vpc_id.clone())?;
    let mut id = None;
    let known_vpn_gateway_id = run.kids().vpn_gateway_id.clone();
    if let Some(k) = known_vpn_gateway_id {
        id = ec2
            .find_vpn_gateway(&k)
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 VPN gateway", &name, &e))?
            .filter(|g| !g.is_gone())
            .map(|g| g.id);
    }
    if id.is_none() {
        let found = ec2
            .find_vpn_gateways(&run.owner_filter(kind::VPN_GATEWAY))
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 VPN gateways", &name, &e))?;
        id = found.into_iter().find(|g| !g.is_gone() && owned_by(&g.tags, &run.stack, kind::VPN_GATEWAY)).map(|g| g.id);
    }
    let id = match id {
        Some(id) => id,
        None => {
            let input = CreateVpnGatewayInput {
                amazon_side_asn: run.stack.network.amazon_side_asn,
                tags: run.tags_for(kind::VPN_GATEWAY, &name),
            };
            ec2.create_vpn_gateway(input).await.map_err(|e| aws_err(STEP, "creating EC2 VPN gateway", &name, &e))?.id
        }
    };
    run.kids().vpn_gateway_id = Some(id.clone());
    let what = format!("EC2 VPN gateway ({id})");
    wait_spec(run, STEP, Wait::new(&what, &["pending"], &["available"]), || ec2.find_vpn_gateway(&id)).await?;
    let g = ec2.find_vpn_gateway(&id).await.map_err(|e| aws_err(STEP, "reading EC2 VPN gateway", &id, &e))?;
    if g.as_ref().and_then(|g| g.attached_vpc()) != Some(vpc.as_str()) {
        retry(run, &[ErrorKind::NotFound], Some(Duration::from_secs(120)), || ec2.attach_vpn_gateway(&id, &vpc))
            .await
            .map_err(|e| aws_err(STEP, "attaching EC2 VPN gateway", &id, &e))?;
    }
    poll_until(run, STEP, &format!("EC2 VPN gateway ({id}) attached to {vpc}"), || async {
        let g = ec2.find_vpn_gateway(&id).await?;
        Ok(g.is_some_and(|g| g.attachments.iter().any(|a| a.vpc_id == vpc && a.state == "attached")))
    })
    .await
}

async fn delete_vpn_gateway(run: &StackRun) -> R<()> {
    const STEP: &str = "create_vpn_gateway";
    let Some(id) = run.kids().vpn_gateway_id.clone() else { return Ok(()) };
    let ec2 = run.ec2();
    let g = match ec2.find_vpn_gateway(&id).await {
        Ok(g) => g,
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(aws_err(STEP, "reading EC2 VPN gateway", &id, &e)),
    };
    if let Some(g) = g.filter(|g| !g.is_gone()) {
        let attached: Vec<String> =
            g.attachments.iter().filter(|a| a.state != "detached").map(|a| a.vpc_id.clone()).collect();
        for vpc in attached {
            gone_ok(
                STEP,
                "detaching EC2 VPN gateway",
                &id,
                retry(run, &[ErrorKind::InvalidState], None, || ec2.detach_vpn_gateway(&id, &vpc)).await,
            )?;
            poll_until(run, STEP, &format!("EC2 VPN gateway ({id}) detached"), || async {
                let g = ec2.find_vpn_gateway(&id).await?;
                Ok(g.is_none_or(|g| g.attachments.iter().all(|a| a.vpc_id != vpc || a.state == "detached")))
            })
            .await?;
        }
        match retry(run, &[ErrorKind::InvalidState, ErrorKind::DependencyViolation], None, || {
            ec2.delete_vpn_gateway(&id)
        })
        .await
        {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(aws_err(STEP, "deleting EC2 VPN gateway", &id, &e)),
        }
    }
    run.kids().vpn_gateway_id = None;
    Ok(())
}

async fn enable_route_propagation(run: &StackRun) -> R<()> {
    const STEP: &str = "enable_route_propagation";
    if !run.stack.network.vpn_route_propagation {
        return Ok(());
    }
    let Some(vgw) = run.kids().vpn_gateway_id.clone() else { return Ok(()) };
    let tables = run.kids().route_table_ids.clone();
    for rt in tables {
        let t = run.ec2().find_route_table(&rt).await.map_err(|e| aws_err(STEP, "reading route table", &rt, &e))?;
        if t.is_some_and(|t| t.propagating_vgws.contains(&vgw)) {
            continue;
        }
        retry(run, &[ErrorKind::InvalidState, ErrorKind::NotFound], Some(Duration::from_secs(120)), || {
            run.ec2().enable_vgw_route_propagation(&rt, &vgw)
        })
        .await
        .map_err(|e| aws_err(STEP, "enabling VGW route propagation on route table", &rt, &e))?;
    }
    Ok(())
}

async fn disable_route_propagation(run: &StackRun) -> R<()> {
    const STEP: &str = "enable_route_propagation";
    let Some(vgw) = run.kids().vpn_gateway_id.clone() else { return Ok(()) };
    let tables = run.kids().route_table_ids.clone();
    for rt in tables {
        gone_ok(
            STEP,
            "disabling VGW route propagation on route table",
            &rt,
            run.ec2().disable_vgw_route_propagation(&rt, &vgw).await,
        )?;
    }
    Ok(())
}

async fn create_internet_gateway(run: &StackRun) -> R<()> {
    const STEP: &str = "create_internet_gateway";
    if !run.stack.network.internet_gateway {
        return Ok(());
    }
    let ec2 = run.ec2();
    let name = format!("{}-igw", run.stack.prefix());
    let vpc = run.need(STEP, "the VPC id", run.kids().vpc_id.clone())?;
    let mut found = None;
    let known_internet_gateway_id = run.kids().internet_gateway_id.clone();
    if let Some(k) = known_internet_gateway_id {
        found =
            ec2.find_internet_gateway(&k).await.map_err(|e| aws_err(STEP, "reading EC2 internet gateway", &k, &e))?;
    }
    if found.is_none() {
        found = ec2
            .find_internet_gateways(&run.owner_filter(kind::INTERNET_GATEWAY))
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 internet gateways", &name, &e))?
            .into_iter()
            .find(|g| owned_by(&g.tags, &run.stack, kind::INTERNET_GATEWAY));
    }
    let g = match found {
        Some(g) => g,
        None => ec2
            .create_internet_gateway(&run.tags_for(kind::INTERNET_GATEWAY, &name))
            .await
            .map_err(|e| aws_err(STEP, "creating EC2 internet gateway", &name, &e))?,
    };
    run.kids().internet_gateway_id = Some(g.id.clone());
    if !g.attachments.iter().any(|a| a.vpc_id == vpc) {
        match ec2.attach_internet_gateway(&g.id, &vpc).await {
            Ok(()) => {}
            Err(e) if e.is_kind(ErrorKind::AlreadyExists) => {}
            Err(e) => return Err(aws_err(STEP, "attaching EC2 internet gateway", &g.id, &e)),
        }
    }
    Ok(())
}

async fn delete_internet_gateway(run: &StackRun) -> R<()> {
    const STEP: &str = "create_internet_gateway";
    let Some(id) = run.kids().internet_gateway_id.clone() else { return Ok(()) };
    let ec2 = run.ec2();
    let g = match ec2.find_internet_gateway(&id).await {
        Ok(g) => g,
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(aws_err(STEP, "reading EC2 internet gateway", &id, &e)),
    };
    if let Some(g) = g {
        for a in &g.attachments {
            gone_ok(
                STEP,
                "detaching EC2 internet gateway",
                &id,
                retry(run, &[ErrorKind::DependencyViolation], None, || ec2.detach_internet_gateway(&id, &a.vpc_id))
                    .await,
            )?;
        }
        gone_ok(
            STEP,
            "deleting EC2 internet gateway",
            &id,
            retry(run, &[ErrorKind::DependencyViolation], None, || ec2.delete_internet_gateway(&id)).await,
        )?;
    }
    run.kids().internet_gateway_id = None;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// RDS

async fn create_db_subnet_group(run: &StackRun) -> R<()> {
    const STEP: &str = "create_db_subnet_group";
    if !run.stack.databases().any(|d| d.rds.is_some()) {
        return Ok(());
    }
    let name = run.stack.db_subnet_group_name();
    let rds = run.rds();
    let subnets = run.subnet_ids();
    match rds.find_db_subnet_group(&name).await.map_err(|e| aws_err(STEP, "reading RDS DB subnet group", &name, &e))? {
        Some(g) => {
            let tags = rds
                .list_tags(&g.arn)
                .await
                .map_err(|e| aws_err(STEP, "reading tags of RDS DB subnet group", &name, &e))?;
            if !owned_by(&tags, &run.stack, kind::DB_SUBNET_GROUP) {
                return Err(not_owned(STEP, "RDS DB subnet group", &name, &g.arn, &run.stack, kind::DB_SUBNET_GROUP));
            }
        }
        None => {
            let input = DbSubnetGroupInput {
                name: name.clone(),
                description: format!("DMS stack {}", run.stack.prefix()),
                subnet_ids: subnets,
                tags: run.tags_for(kind::DB_SUBNET_GROUP, &name),
            };
            rds.create_db_subnet_group(input)
                .await
                .map_err(|e| aws_err(STEP, "creating RDS DB subnet group", &name, &e))?;
        }
    }
    run.kids().db_subnet_group_name = Some(name);
    Ok(())
}

async fn delete_db_subnet_group(run: &StackRun) -> R<()> {
    const STEP: &str = "create_db_subnet_group";
    let Some(name) = run.kids().db_subnet_group_name.clone() else { return Ok(()) };
    gone_ok(
        STEP,
        "deleting RDS DB subnet group",
        &name,
        retry(run, &[ErrorKind::InvalidState], None, || run.rds().delete_db_subnet_group(&name)).await,
    )?;
    run.kids().db_subnet_group_name = None;
    Ok(())
}

fn db_wait_options() -> WaitOptions {
    WaitOptions { min_interval: Duration::from_secs(10), consecutive_target_hits: 3, ..WaitOptions::default() }
}

/// Creates (or adopts) one database's RDS instance and waits until it is available.
pub async fn ensure_database(run: &StackRun, step: &'static str, db: &Database) -> R<()> {
    let Some(r) = &db.rds else { return Ok(()) };
    let id = run.stack.database_id(db);
    let rds = run.rds();
    let sg = run.need(step, "the security group id", run.kids().security_group_id.clone())?;
    let group = run.need(step, "the DB subnet group", run.kids().db_subnet_group_name.clone())?;
    let existing = rds.find_db_instance(&id).await.map_err(|e| aws_err(step, "reading RDS DB instance", &id, &e))?;
    let mut restored = false;
    match existing {
        Some(i) => {
            if !owned_by(&i.tags, &run.stack, kind::DATABASE) {
                return Err(not_owned(step, "RDS DB instance", &id, &i.arn, &run.stack, kind::DATABASE));
            }
        }
        None => {
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
                rds.restore_db_instance_from_snapshot(input)
                    .await
                    .map_err(|e| aws_err(step, "restoring RDS DB instance", &id, &e))?;
                restored = true;
            } else {
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
                    backup_retention_period: r.backup_retention_period.map(|v| v as i32),
                    backup_window: r.backup_window.clone(),
                    maintenance_window: r.maintenance_window.clone(),
                    deletion_protection: r.deletion_protection,
                    tags,
                    ..Default::default()
                };
                rds.create_db_instance(input).await.map_err(|e| aws_err(step, "creating RDS DB instance", &id, &e))?;
            }
        }
    }
    run.kids().db_mut(&id).db_instance_identifier = Some(id.clone());
    let what = format!("RDS DB instance ({id})");
    let spec =
        Wait::new(&what, DB_PENDING_STATES, DB_AVAILABLE_STATES).failure(DB_FAILED_STATES).options(db_wait_options());
    let mut inst = wait_spec(run, step, spec.clone(), || rds.find_db_instance(&id))
        .await?
        .ok_or_else(|| StepError::new(step, format!("{what} disappeared while waiting")))?;
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
            inst = wait_spec(run, step, spec, || rds.find_db_instance(&id))
                .await?
                .ok_or_else(|| StepError::new(step, format!("{what} disappeared while waiting")))?;
        }
    }
    let mut k = run.kids();
    let d = k.db_mut(&id);
    d.address = inst.endpoint_address.clone();
    d.engine_version = Some(inst.engine_version.clone());
    d.backup_retention_period = Some(i64::from(inst.backup_retention_period));
    d.backup_window = inst.backup_window.clone();
    d.maintenance_window = inst.maintenance_window.clone();
    Ok(())
}

/// Runs `f` for every source concurrently; the first error (in source order) wins, after all finished.
async fn each_source<F, Fut>(run: &Arc<StackRun>, f: F) -> R<()>
where
    F: Fn(Arc<StackRun>, usize) -> Fut,
    Fut: Future<Output = R<()>> + Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for i in 0..run.stack.sources.len() {
        let fut = f(run.clone(), i);
        set.spawn(async move { (i, fut.await) });
    }
    let mut results: Vec<(usize, R<()>)> = Vec::new();
    while let Some(r) = set.join_next().await {
        match r {
            Ok(x) => results.push(x),
            Err(e) => results.push((usize::MAX, Err(StepError::new("create_source_databases", e.to_string())))),
        }
    }
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect::<R<Vec<()>>>().map(|_| ())
}

async fn create_source_databases(run: &Arc<StackRun>) -> R<()> {
    each_source(run, |run, i| async move {
        let db = run.stack.sources[i].clone();
        ensure_database(&run, "create_source_databases", &db).await
    })
    .await
}

async fn create_target_database(run: &StackRun) -> R<()> {
    ensure_database(run, "create_target_database", &run.stack.target).await
}

/// Deletes one database's RDS instance and waits until it is gone: after a final snapshot named
/// `<base>-<UTC time>` ([`final_snapshot_id`]) unless `skip_final_snapshot` is set, and never while
/// AWS reports deletion protection (the user turns it off by configuration first).
pub async fn remove_database(run: &StackRun, step: &'static str, db: &Database) -> R<()> {
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
        wait_spec(run, step, Wait::new(&what, &pending, &[]).gone_is_target(), || rds.find_db_instance(&id)).await?;
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
async fn delete_db_instance(run: &StackRun, step: &'static str, id: &str, db: &Database) -> R<()> {
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
fn deleted(step: &'static str, id: &str, result: Result<(), AwsError>) -> R<()> {
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) if e.message.contains("already being deleted") => Ok(()),
        Err(e) => Err(aws_err(step, "deleting RDS DB instance", id, &e)),
    }
}

async fn delete_source_databases(run: &Arc<StackRun>) -> R<()> {
    each_source(run, |run, i| async move {
        let db = run.stack.sources[i].clone();
        remove_database(&run, "create_source_databases", &db).await
    })
    .await
}

async fn delete_target_database(run: &StackRun) -> R<()> {
    remove_database(run, "create_target_database", &run.stack.target).await
}

// ---------------------------------------------------------------------------------------------
// DMS

async fn create_replication_subnet_group(run: &StackRun) -> R<()> {
    const STEP: &str = "create_replication_subnet_group";
    let id = run.stack.replication_subnet_group_id();
    let dms = run.dms();
    match dms
        .find_replication_subnet_group(&id)
        .await
        .map_err(|e| aws_err(STEP, "reading DMS replication subnet group", &id, &e))?
    {
        Some(g) => {
            let tags = dms
                .list_tags(&run.subnet_group_arn(&g.id))
                .await
                .map_err(|e| aws_err(STEP, "reading tags of DMS replication subnet group", &id, &e))?;
            if !owned_by(&tags, &run.stack, kind::REPLICATION_SUBNET_GROUP) {
                return Err(not_owned(
                    STEP,
                    "DMS replication subnet group",
                    &id,
                    &g.id,
                    &run.stack,
                    kind::REPLICATION_SUBNET_GROUP,
                ));
            }
        }
        None => {
            let input = ReplicationSubnetGroupInput {
                id: id.clone(),
                description: format!("DMS stack {}", run.stack.prefix()),
                subnet_ids: run.subnet_ids(),
                tags: run.tags_for(kind::REPLICATION_SUBNET_GROUP, &id),
            };
            // A new dms-vpc-role takes a while to reach DMS.
            retry(run, &[ErrorKind::AccessDenied], Some(run.role_propagation), || {
                dms.create_replication_subnet_group(input.clone())
            })
            .await
            .map_err(|e| aws_err(STEP, "creating DMS replication subnet group", &id, &e))?;
        }
    }
    run.kids().replication_subnet_group_id = Some(id);
    Ok(())
}

async fn delete_replication_subnet_group(run: &StackRun) -> R<()> {
    const STEP: &str = "create_replication_subnet_group";
    let Some(id) = run.kids().replication_subnet_group_id.clone() else { return Ok(()) };
    gone_ok(
        STEP,
        "deleting DMS replication subnet group",
        &id,
        retry(run, &[ErrorKind::InvalidState], None, || run.dms().delete_replication_subnet_group(&id)).await,
    )?;
    run.kids().replication_subnet_group_id = None;
    Ok(())
}

pub const RI_PENDING: &[&str] = &["creating", "modifying", "upgrading", "rebooting", "maintenance"];
pub const RI_FAILED: &[&str] = &["failed", "incompatible-credentials", "incompatible-network"];

async fn create_replication_instance(run: &StackRun) -> R<()> {
    const STEP: &str = "create_replication_instance";
    let id = run.stack.replication_instance_id();
    let dms = run.dms();
    let ri = &run.stack.replication_instance;
    let arn = match dms
        .find_replication_instance(&id)
        .await
        .map_err(|e| aws_err(STEP, "reading DMS replication instance", &id, &e))?
    {
        Some(i) => {
            let tags = dms
                .list_tags(&i.arn)
                .await
                .map_err(|e| aws_err(STEP, "reading tags of DMS replication instance", &id, &e))?;
            if !owned_by(&tags, &run.stack, kind::REPLICATION_INSTANCE) {
                return Err(not_owned(
                    STEP,
                    "DMS replication instance",
                    &id,
                    &i.arn,
                    &run.stack,
                    kind::REPLICATION_INSTANCE,
                ));
            }
            i.arn
        }
        None => {
            let sg = run.need(STEP, "the security group id", run.kids().security_group_id.clone())?;
            let group =
                run.need(STEP, "the replication subnet group", run.kids().replication_subnet_group_id.clone())?;
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
                tags: run.tags_for(kind::REPLICATION_INSTANCE, &id),
                ..Default::default()
            };
            retry(run, &[ErrorKind::AccessDenied], Some(run.role_propagation), || {
                dms.create_replication_instance(input.clone())
            })
            .await
            .map_err(|e| aws_err(STEP, "creating DMS replication instance", &id, &e))?
            .arn
        }
    };
    run.kids().replication_instance_arn = Some(arn.clone());
    let what = format!("DMS replication instance ({id})");
    let spec = Wait::new(&what, RI_PENDING, &["available"]).failure(RI_FAILED);
    let inst = wait_spec(run, STEP, spec, || dms.describe_replication_instance_by_arn(&arn))
        .await?
        .ok_or_else(|| StepError::new(STEP, format!("{what} disappeared while waiting")))?;
    let mut k = run.kids();
    k.replication_instance_engine_version = inst.engine_version.clone();
    k.replication_instance_window = inst.preferred_maintenance_window.clone();
    Ok(())
}

async fn delete_replication_instance(run: &StackRun) -> R<()> {
    remove_replication_instance(run, "create_replication_instance").await
}

/// Deletes the replication instance and waits until it is gone.
pub async fn remove_replication_instance(run: &StackRun, step: &'static str) -> R<()> {
    let Some(arn) = run.kids().replication_instance_arn.clone() else { return Ok(()) };
    let dms = run.dms();
    gone_ok(
        step,
        "deleting DMS replication instance",
        &arn,
        retry(run, &[ErrorKind::InvalidState], None, || dms.delete_replication_instance(&arn)).await,
    )?;
    let what = format!("DMS replication instance ({arn})");
    wait_spec(run, step, Wait::new(&what, &["deleting", "available", "modifying"], &[]).gone_is_target(), || {
        dms.describe_replication_instance_by_arn(&arn)
    })
    .await?;
    run.kids().replication_instance_arn = None;
    Ok(())
}

/// Creates (or adopts) one database's DMS endpoint.
// `..Default::default()` keeps this compiling when the aws layer grows optional fields.
#[allow(clippy::needless_update)]
pub async fn ensure_endpoint(run: &StackRun, step: &'static str, db: &Database) -> R<()> {
    let id = run.stack.database_id(db);
    let dms = run.dms();
    let arn = match dms.find_endpoint(&id).await.map_err(|e| aws_err(step, "reading DMS endpoint", &id, &e))? {
        Some(ep) => {
            let tags =
                dms.list_tags(&ep.arn).await.map_err(|e| aws_err(step, "reading tags of DMS endpoint", &id, &e))?;
            if !owned_by(&tags, &run.stack, kind::ENDPOINT) {
                return Err(not_owned(step, "DMS endpoint", &id, &ep.arn, &run.stack, kind::ENDPOINT));
            }
            ep.arn
        }
        None => {
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
                tags: run.tags_for(kind::ENDPOINT, &id),
                ..Default::default()
            };
            retry(run, &[ErrorKind::AccessDenied], Some(Duration::from_secs(300)), || {
                dms.create_endpoint(input.clone())
            })
            .await
            .map_err(|e| aws_err(step, "creating DMS endpoint", &id, &e))?
            .arn
        }
    };
    run.kids().db_mut(&id).endpoint_arn = Some(arn);
    Ok(())
}

async fn create_source_endpoints(run: &StackRun) -> R<()> {
    for db in &run.stack.sources {
        ensure_endpoint(run, "create_source_endpoints", db).await?;
    }
    Ok(())
}

async fn create_target_endpoint(run: &StackRun) -> R<()> {
    ensure_endpoint(run, "create_target_endpoint", &run.stack.target).await
}

/// Deletes one database's DMS endpoint and waits until it is gone.
pub async fn remove_endpoint(run: &StackRun, step: &'static str, db: &Database) -> R<()> {
    let key = run.stack.database_id(db);
    let Some(arn) = run.kids().db(&key).endpoint_arn else { return Ok(()) };
    let dms = run.dms();
    gone_ok(
        step,
        "deleting DMS endpoint",
        &arn,
        retry(run, &[ErrorKind::InvalidState], None, || dms.delete_endpoint(&arn)).await,
    )?;
    let what = format!("DMS endpoint ({key})");
    wait_spec(run, step, Wait::new(&what, &["deleting", "active", "creating"], &[]).gone_is_target(), || {
        dms.find_endpoint_by_arn(&arn)
    })
    .await?;
    run.kids().db_mut(&key).endpoint_arn = None;
    Ok(())
}

async fn delete_source_endpoints(run: &StackRun) -> R<()> {
    for db in &run.stack.sources {
        remove_endpoint(run, "create_source_endpoints", db).await?;
    }
    Ok(())
}

async fn delete_target_endpoint(run: &StackRun) -> R<()> {
    remove_endpoint(run, "create_target_endpoint", &run.stack.target).await
}

/// Used by tests and read: the children of `d` as recorded.
pub fn db_children(run: &StackRun, db: &Database) -> DbChildren {
    run.kids().db(&run.stack.database_id(db))
}
