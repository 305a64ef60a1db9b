//! The steps of `dmslink_main`: each AWS child is a named step that adopts its child (found by
//! deterministic name and ownership tags) or creates it, through the step kit's
//! [`adopt_or_create`](crate::resources::step_kit::adopt_or_create), and records it in
//! [`StackRun::children`] the moment it exists; a create whose answer was lost is looked up again
//! and adopted, and several objects under one child's ownership tags are refused by name
//! (`docs/reliability.md`). Undo removes it again (NotFound counts as done).
//! One file per concern: [`iam`] (`dms-vpc-role`), [`network`], [`databases`] (RDS), [`dms`].

pub mod certificate;
pub mod databases;
pub mod dms;
pub mod iam;
pub mod login_secret;
pub mod network;
pub mod secrets_role;
pub mod unrecorded;
pub mod user_gateway;

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::arn::Arn;
use crate::aws::dms::{Tags, subnet_group_arn};
use crate::aws::ec2::Filters;
use crate::engine::steps::{Graph, Step, StepFuture, step_names};
use crate::resources::Ctx;
use crate::resources::step_kit::{Found, Pace, R, StepError};

use super::children::Children;
use super::desired::Stack;
use super::naming::{TAG_RESOURCE, TAG_STACK, owned_by};

pub use databases::{ensure_database, protected_refusal, remove_database};
pub use dms::{RI_FAILED, RI_PENDING, db_children, ensure_endpoint, remove_endpoint, remove_replication_instance};
pub use iam::role_how_to;
pub use network::{live_vpn_connections, vpn_connection_list, vpn_refusal};

step_names!(
    /// Every step of `dmslink_main`, as the user reads it in errors and logs.
    pub enum MainStep {
        EnsureDmsVpcRole => "ensure_dms_vpc_role",
        CreateLoginSecrets => "create_login_secrets",
        EnsureSecretsAccessRoles => "ensure_secrets_access_roles",
        CreateVpc => "create_vpc",
        CreateSubnets => "create_subnets",
        CreateSecurityGroup => "create_security_group",
        CreateVpnGateway => "create_vpn_gateway",
        EnableRoutePropagation => "enable_route_propagation",
        CreateInternetGateway => "create_internet_gateway",
        CreateDbSubnetGroup => "create_db_subnet_group",
        CreateSourceDatabases => "create_source_databases",
        CreateTargetDatabase => "create_target_database",
        CreateReplicationSubnetGroup => "create_replication_subnet_group",
        CreateReplicationInstance => "create_replication_instance",
        CreateSourceEndpoints => "create_source_endpoints",
        CreateTargetEndpoint => "create_target_endpoint",
        // Updates.
        RemoveSource => "remove_source",
        ReplaceDatabase => "replace_database",
        ReplaceReplicationInstance => "replace_replication_instance",
        DisableRoutePropagation => "disable_route_propagation",
        ModifyReplicationInstance => "modify_replication_instance",
        ModifyDatabases => "modify_databases",
        ModifyEndpoints => "modify_endpoints",
        UpdateTags => "update_tags",
    }
);

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

    pub(super) fn tags_for(&self, kind: &str, name: &str) -> Tags {
        self.stack.child_tags(&self.tags, kind, name)
    }

    pub(super) fn owner_filter(&self, kind: &str) -> Filters {
        let mut t = Tags::new();
        t.insert(TAG_STACK.to_string(), self.stack.prefix());
        t.insert(TAG_RESOURCE.to_string(), kind.to_string());
        Filters::new().tags(&t)
    }

    pub(super) fn partition(&self) -> &str {
        &self.ctx.provider.partition
    }

    pub(super) fn ec2(&self) -> &dyn crate::aws::ec2::Ec2Api {
        self.ctx.provider.clients.ec2.as_ref()
    }
    pub(super) fn rds(&self) -> &dyn crate::aws::rds::RdsApi {
        self.ctx.provider.clients.rds.as_ref()
    }
    pub(super) fn dms(&self) -> &dyn crate::aws::dms::DmsApi {
        self.ctx.provider.clients.dms.as_ref()
    }
    pub(super) fn iam(&self) -> &dyn crate::aws::iam::IamApi {
        self.ctx.provider.clients.iam.as_ref()
    }

    pub(super) fn subnet_ids(&self) -> Vec<String> {
        let k = self.kids();
        self.stack.network.availability_zones.iter().filter_map(|az| k.subnet_ids.get(az).cloned()).collect()
    }

    pub(super) fn need(&self, step: MainStep, what: &str, v: Option<String>) -> R<String> {
        v.ok_or_else(|| StepError::new(step, format!("{what} is missing: an earlier step did not record it")))
    }

    /// The DMS ARN of the replication subnet group, where its tags live.
    pub fn subnet_group_arn(&self, id: &str) -> String {
        let p = &self.ctx.provider;
        let account = self.account.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default();
        subnet_group_arn(&p.partition, &p.region, &account, id)
    }

    /// Learns the account id from an ARN when the provider does not know it.
    pub(super) fn learn_account(&self, arn: &str) {
        let mut a = self.account.lock().unwrap_or_else(|e| e.into_inner());
        if a.is_none()
            && let Some(id) = Arn::account_of(arn)
        {
            *a = Some(id.to_string());
        }
    }
}

impl Pace for StackRun {
    fn deadline(&self) -> Instant {
        self.deadline
    }
    fn cancel(&self) -> &CancellationToken {
        &self.ctx.cancel
    }
}

/// Why an object where ours would be is not adopted, and the way on.
fn not_owned(what: &str, name: &str, id: &str, stack: &Stack, kind: &str) -> String {
    format!(
        "found {what} {name} ({id}) without this stack's ownership tags ({TAG_STACK} = {}, {TAG_RESOURCE} = {kind}); \
         dmslink never adopts an object it did not create. Delete or rename it, or choose another `name`/`environment`.",
        stack.prefix()
    )
}

/// A child found by its name: ours when it carries this stack's ownership tags, else refused.
fn ownership<T>(run: &StackRun, what: &str, name: &str, id: &str, tags: &Tags, kind: &str, child: T) -> Found<T> {
    if owned_by(tags, &run.stack, kind) {
        Found::Ours(child)
    } else {
        Found::Refused(not_owned(what, name, id, &run.stack, kind))
    }
}

/// A child found by the identifier the state records, on a stack imported without ownership tags
/// (`ownership_tagged = false`): ours, as the import recorded it. Otherwise as [`ownership`] says.
#[allow(clippy::too_many_arguments)]
fn recorded_or_owned<T>(
    run: &StackRun,
    recorded: bool,
    what: &str,
    name: &str,
    id: &str,
    tags: &Tags,
    kind: &str,
    child: T,
) -> Found<T> {
    if recorded && run.stack.untagged { Found::Ours(child) } else { ownership(run, what, name, id, tags, kind, child) }
}

fn boxed<F: Future<Output = R<()>> + Send + 'static>(f: F) -> StepFuture {
    Box::pin(f)
}

macro_rules! step {
    ($name:expr, [$($after:expr),*], $run:path, $undo:path) => {
        Step {
            name: $name,
            after: &[$($after),*],
            run: |c| boxed(async move { $run(&c).await }),
            undo: |c| boxed(async move { $undo(&c).await }),
        }
    };
}

/// The stack's steps: forward for create/update, reversed for delete.
pub fn graph() -> Result<Graph<StackRun, MainStep>, String> {
    Graph::new(vec![
        step!(MainStep::EnsureDmsVpcRole, [], iam::ensure_dms_vpc_role, iam::delete_dms_vpc_role),
        step!(MainStep::CreateLoginSecrets, [], login_secret::create_login_secrets, login_secret::delete_login_secrets),
        step!(
            MainStep::EnsureSecretsAccessRoles,
            [MainStep::CreateLoginSecrets],
            secrets_role::ensure_secrets_access_roles,
            secrets_role::delete_secrets_access_roles
        ),
        step!(MainStep::CreateVpc, [MainStep::EnsureDmsVpcRole], network::create_vpc, network::delete_vpc),
        step!(MainStep::CreateSubnets, [MainStep::CreateVpc], network::create_subnets, network::delete_subnets),
        step!(
            MainStep::CreateSecurityGroup,
            [MainStep::CreateVpc],
            network::create_security_group,
            network::delete_security_group
        ),
        step!(
            MainStep::CreateVpnGateway,
            [MainStep::CreateVpc],
            network::create_vpn_gateway,
            network::delete_vpn_gateway
        ),
        step!(
            MainStep::EnableRoutePropagation,
            [MainStep::CreateVpnGateway],
            network::enable_route_propagation,
            network::disable_route_propagation
        ),
        step!(
            MainStep::CreateInternetGateway,
            [MainStep::CreateVpc],
            network::create_internet_gateway,
            network::delete_internet_gateway
        ),
        step!(
            MainStep::CreateDbSubnetGroup,
            [MainStep::CreateSubnets],
            databases::create_db_subnet_group,
            databases::delete_db_subnet_group
        ),
        step!(
            MainStep::CreateSourceDatabases,
            [MainStep::CreateDbSubnetGroup, MainStep::CreateSecurityGroup],
            databases::create_source_databases,
            databases::delete_source_databases
        ),
        step!(
            MainStep::CreateTargetDatabase,
            [MainStep::CreateDbSubnetGroup, MainStep::CreateSecurityGroup],
            databases::create_target_database,
            databases::delete_target_database
        ),
        step!(
            MainStep::CreateReplicationSubnetGroup,
            [MainStep::CreateSubnets],
            dms::create_replication_subnet_group,
            dms::delete_replication_subnet_group
        ),
        step!(
            MainStep::CreateReplicationInstance,
            [MainStep::CreateReplicationSubnetGroup, MainStep::CreateSecurityGroup],
            dms::create_replication_instance,
            dms::delete_replication_instance
        ),
        step!(
            MainStep::CreateSourceEndpoints,
            [MainStep::CreateSourceDatabases, MainStep::CreateReplicationInstance, MainStep::EnsureSecretsAccessRoles],
            dms::create_source_endpoints,
            dms::delete_source_endpoints
        ),
        step!(
            MainStep::CreateTargetEndpoint,
            [MainStep::CreateTargetDatabase, MainStep::CreateReplicationInstance, MainStep::EnsureSecretsAccessRoles],
            dms::create_target_endpoint,
            dms::delete_target_endpoint
        ),
    ])
}
