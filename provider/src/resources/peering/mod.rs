//! `dmslink_peering` (issue 4): VPC peering from an application VPC (`peer_vpc_id`, the requester,
//! acted on with the provider's credentials) to the DMS VPC (`vpc_id`, the accepter, in another
//! account through `accepter` or another region with `peer_region`), with routes on both sides,
//! security group rules from the application VPC's CIDR and DNS resolution across the peering.

pub mod children;
pub mod converge;
#[cfg(test)]
mod lost_answer_tests;
pub mod model;
pub mod moved;
#[cfg(test)]
mod moved_tests;
pub mod plan;
pub mod progress;
pub mod refresh;
pub mod schema;
pub mod spec;
pub mod teardown;
#[cfg(test)]
mod tests;
pub mod validate;

use async_trait::async_trait;

use crate::provider_config::Configured;

use crate::engine::diag::Diagnostics;
use crate::engine::model::ModelError;
use crate::engine::{About, ApplyOutcome, MoveSource, Resource, Value};
use crate::resources::tags;
use crate::resources::timeouts::Timeouts;
use crate::resources::{Ctx, PlanDraft};

use crate::resources::step_kit::{self, Doing, StepError};
use converge::{PeeringStep, Run, converge};
use model::{PeeringModel, Tags};
use progress::Progress;
use spec::{Sides, Spec};

pub struct Peering;

pub const IMPORT_DOC: &str = "Import a peering by its ID, from the application VPC's side (the provider acting as the account that requested it). Add the DMS VPC's security group after a slash to take over its rules from the application VPC's CIDR:\n\n```shell\nterraform import dmslink_peering.app pcx-0123456789abcdef0/sg-0123456789abcdef0\n```\n\nThe routes through the peering to the other VPC's CIDR are found in both VPCs' route tables, and `route_table_ids` / `peer_route_table_ids` are the tables that have them. For a peering with a DMS VPC in another account, the DMS VPC's routes are found on the first apply with the `accepter` role (routes that already go through this peering are adopted, not created again).";

pub const NOTES_DOC: &str = "The application VPC (`peer_vpc_id`) requests the peering with the provider's credentials and the DMS VPC (`vpc_id`) accepts it: in the same account directly, in another account through `accepter.assume_role_arn`, in another region with `peer_region`. The two VPCs' CIDR blocks must not overlap; the plan reads both VPCs and refuses overlapping ones before anything is requested.\n\nCreate runs request → accept → wait `active` → DNS resolution options (AWS refuses them before the peering is active) → routes in both VPCs → security group rules, recording each route and rule in the state as it is made. If a step fails, the tainted state holds what exists; `terraform untaint` and `terraform apply` resume, a plain `terraform apply` replaces it. A route that already exists at the other VPC's CIDR is taken over only if it goes through this peering (a `blackhole` route left by a deleted peering is replaced); any other target is a conflict to resolve by hand. A security group rule that already exists counts as present, and destroy revokes it like the others.\n\nA peering request is never made twice: every peering dmslink requests carries the tag `dmslink:resource = dmslink_peering`, and before requesting one (and after a request whose answer was lost) dmslink looks for a live peering of its own between the two VPCs and adopts it. Two of its own are refused, naming both; a peering between the two VPCs without that tag is refused (import or delete it). Accept, routes, rules, DNS options, tags and the delete path count a call whose answer was lost as done once AWS shows it took effect.\n\nEvery refresh compares AWS with the state: a route, rule or DNS option removed out of band shows as an in-place change and the apply puts it back; a peering that was deleted, rejected, expired or failed is planned for replacement. `route_table_ids` and `peer_route_table_ids` default to every route table of the VPC when the peering is created.\n\n**Moving from the AWS provider** (Terraform ≥ 1.8): a `moved { from = aws_vpc_peering_connection.<name>  to = dmslink_peering.<name> }` block takes over a peering the AWS provider manages (`registry.terraform.io/hashicorp/aws` or `registry.opentofu.org/hashicorp/aws`, schema version 0); no new peering is requested. The names of the two VPCs swap: the AWS resource's `vpc_id` (the VPC that requested the peering) becomes `peer_vpc_id`, its `peer_vpc_id` (the VPC that accepted it) becomes `vpc_id`. The ID, status, `peer_owner_id`, `peer_region`, the tags and DNS resolution (on when both sides allow it) carry over; `peer_owner_id` and `peer_region` equal to the provider's own account and region count as unset, so leaving them out of the configuration replaces nothing. The AWS resource managed no routes, security group rules or route table choice, so the first plan after the move is an in-place update that adds them (and turns DNS resolution on where it was off): routes that already go through this peering are adopted and rules already there count as present, so nothing is duplicated. A peering accepted in another account needs the `accepter` block. This path is tested at the protocol level, with state documents in the AWS provider's shape; see the guide `docs/guides/moving-from-aws-provider.md`.";

/// `dmslink_peering` as the registry, the engine and the docs know it.
pub const ABOUT: About = About::new("dmslink_peering", schema::schema)
    .checked_by(validate::validate_config)
    .documented(include_str!("../../../../examples-hcl/peering/dms-peering.tf"), NOTES_DOC)
    .imported_as(IMPORT_DOC)
    .moved_from(moved::MOVES_FROM);

fn step_failure(op: &str, e: &StepError) -> Diagnostics {
    let doing = if op == "create" { Doing::Creating } else { Doing::Updating };
    step_kit::step_failure(doing, "VPC peering", e, &e.message)
}

/// Create (`prior` null) or update: converge from what `prior` records to `planned`. A value that
/// does not fit the model (a provider bug) fails with the prior state kept as it was.
async fn apply(ctx: &Ctx, prior: &Value, planned: &Value, op: &str) -> ApplyOutcome {
    let planned = tags::with_tags_all(&ctx.provider.default_tags, planned);
    let read = || -> Result<_, ModelError> {
        if prior.is_null() {
            return Ok((PeeringModel::from_value(&planned)?, Progress::default(), None));
        }
        let prior_tags = PeeringModel::from_value(prior)?.tags_all.into_known().unwrap_or_default();
        Ok((PeeringModel::from_value(&planned)?, Progress::from_state(prior)?, Some(prior_tags)))
    };
    let (planned, mut prog, prior_tags): (PeeringModel, Progress, Option<Tags>) = match read() {
        Ok(r) => r,
        Err(e) => return ApplyOutcome::failed(prior.clone(), e.into()),
    };
    let spec = Spec::from_model(&planned);
    let result = match Sides::new(&ctx.provider.clients, &spec).await {
        Ok(sides) => {
            let run =
                Run { ctx, spec: &spec, sides: &sides, deadline: Timeouts::deadline(planned.timeouts.as_ref(), op) };
            converge(&run, &mut prog, prior_tags.as_ref()).await
        }
        Err(message) => Err(StepError::new(PeeringStep::Accepter, message)),
    };
    match (prog.to_state(&planned), result) {
        (Ok(state), Ok(())) => ApplyOutcome::ok(state),
        (Ok(state), Err(e)) => ApplyOutcome::failed(state, step_failure(op, &e)),
        (Err(e), _) => ApplyOutcome::failed(prior.clone(), e.into()),
    }
}

#[async_trait]
impl Resource<Configured> for Peering {
    fn about(&self) -> About {
        ABOUT
    }

    async fn modify_plan(&self, draft: &mut PlanDraft<'_>) {
        plan::modify_plan(draft).await;
    }

    async fn read(&self, ctx: &Ctx, state: &Value) -> Result<Option<Value>, Diagnostics> {
        refresh::refresh(ctx, state, false).await.map(Some)
    }

    async fn create(&self, ctx: &Ctx, planned: &Value, _config: &Value) -> ApplyOutcome {
        apply(ctx, &Value::Null, planned, "create").await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value, _config: &Value) -> ApplyOutcome {
        apply(ctx, prior, planned, "update").await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> Diagnostics {
        teardown::delete(ctx, prior).await
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> Result<Value, Diagnostics> {
        refresh::import(ctx, id).await
    }

    fn move_state(&self, source: &MoveSource<'_>) -> Result<Value, Diagnostics> {
        moved::peering_from_aws(source)
    }
}
