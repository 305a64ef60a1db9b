//! What can refuse the destroy of a stack, checked before its first delete: a refused destroy
//! deletes nothing, instead of stopping half-way at the first object AWS will not delete. Every
//! refusal is reported at once, each naming its objects and the way on.

use crate::aws::dms::{ReplicationTask, TasksUsing};
use crate::aws::error::AwsError;
use crate::engine::diag::{Diagnostic, Diagnostics};
use crate::resources::Ctx;

use super::children::Children;
use super::desired::Stack;
use super::naming::block_name;
use super::steps::{live_vpn_connections, protected_refusal, vpn_refusal};

/// Checks every precondition of deleting `kids`; `Err` holds one error per refusal.
pub async fn check_destroy(ctx: &Ctx, stack: &Stack, kids: &Children) -> Result<(), Diagnostics> {
    let mut refusals = Diagnostics::new();
    let checks = [
        tasks_in_use(ctx, stack, kids).await,
        deletion_protection(ctx, stack, kids).await,
        vpn_connections(ctx, stack, kids).await,
    ];
    for check in checks {
        if let Err(d) = check {
            refusals.extend(d);
        }
    }
    if refusals.is_empty() { Ok(()) } else { Err(refusals) }
}

fn error(stack: &Stack, what: &str, detail: String) -> Diagnostics {
    Diagnostic::error(format!("Error deleting DMS stack {}: {what}", stack.prefix()), detail).into()
}

fn unreadable(stack: &Stack, what: &str, id: &str, e: &AwsError) -> Diagnostics {
    error(
        stack,
        "cannot check what would refuse the destroy",
        format!(
            "{}\n\nNothing was deleted. Run `terraform destroy` again once the cause is fixed.",
            e.describe(what, id)
        ),
    )
}

/// Replication tasks on the stack's replication instance or on any of its endpoints (a task of
/// another stack's instance may use them): DMS refuses to delete either while a task uses it.
async fn tasks_in_use(ctx: &Ctx, stack: &Stack, kids: &Children) -> Result<(), Diagnostics> {
    let dms = &ctx.provider.clients.dms;
    let mut users: Vec<(String, ReplicationTask)> = Vec::new();
    let mut add = |on: String, tasks: Vec<ReplicationTask>| {
        for t in tasks {
            match users.iter_mut().find(|(_, u)| u.arn == t.arn) {
                Some((uses, _)) => *uses = format!("{uses}, {on}"),
                None => users.push((on.clone(), t)),
            }
        }
    };
    let listed = |e: AwsError| -> Result<Vec<ReplicationTask>, AwsError> {
        if e.is_not_found() { Ok(Vec::new()) } else { Err(e) }
    };
    if let Some(arn) = &kids.replication_instance_arn {
        let tasks = dms
            .list_replication_tasks_using(&TasksUsing::Instance(arn.clone()))
            .await
            .or_else(listed)
            .map_err(|e| unreadable(stack, "listing DMS replication tasks of replication instance", arn, &e))?;
        add(format!("replication instance {}", stack.replication_instance_id()), tasks);
    }
    for db in stack.databases() {
        let id = stack.database_id(db);
        let Some(arn) = kids.db(&id).endpoint_arn else { continue };
        let tasks = dms
            .list_replication_tasks_using(&TasksUsing::Endpoint(arn.clone()))
            .await
            .or_else(listed)
            .map_err(|e| unreadable(stack, "listing DMS replication tasks of endpoint", &arn, &e))?;
        add(format!("endpoint {id}"), tasks);
    }
    if users.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = users.iter().map(|(on, t)| format!("  - {} ({}), using {on}", t.id, t.arn)).collect();
    Err(error(
        stack,
        "replication tasks still use it",
        format!(
            "These replication tasks use the stack's replication instance or endpoints:\n{}\n\n\
             dmslink never deletes tasks it does not own: destroy them first (e.g. `terraform destroy` in the \
             configuration that manages them), then destroy this stack. Nothing was deleted.",
            list.join("\n")
        ),
    ))
}

/// States in which AWS deletes an RDS instance only without a final snapshot ("If the DB instance
/// is in a failure state with a status of failed, incompatible-restore, or incompatible-network,
/// you can only delete it when you skip creation of the final snapshot", DeleteDBInstance API
/// reference).
pub const NO_SNAPSHOT_STATES: &[&str] = &["failed", "incompatible-restore", "incompatible-network"];

/// RDS instances of the stack that cannot be deleted as configured, as AWS reports them now (the
/// state may predate a change made outside Terraform): deletion protection on, or a final snapshot
/// wanted of an instance in a state AWS cannot snapshot.
async fn deletion_protection(ctx: &Ctx, stack: &Stack, kids: &Children) -> Result<(), Diagnostics> {
    let rds = &ctx.provider.clients.rds;
    let mut protected = Vec::new();
    let mut unsnapshottable = Vec::new();
    for db in stack.databases() {
        let Some(id) = kids.db(&stack.database_id(db)).db_instance_identifier else { continue };
        match rds.find_db_instance(&id).await {
            Ok(Some(i)) => {
                if i.deletion_protection {
                    protected.push((id.clone(), db));
                }
                let wants_snapshot = db.rds.as_ref().is_some_and(|r| !r.skip_final_snapshot);
                if wants_snapshot && NO_SNAPSHOT_STATES.contains(&i.status.as_str()) {
                    unsnapshottable.push((id, i.status, db));
                }
            }
            Ok(None) => {}
            Err(e) => return Err(unreadable(stack, "reading RDS DB instance", &id, &e)),
        }
    }
    let mut refusals = Diagnostics::new();
    if !unsnapshottable.is_empty() {
        let lines: Vec<String> = unsnapshottable
            .iter()
            .map(|(id, status, db)| {
                format!(
                    "  - RDS DB instance {id} is {status}: AWS cannot take its final snapshot and deletes it only \
                     without one. To delete it and lose its data, set skip_final_snapshot = true in the rds block \
                     of {} and apply; or repair or snapshot it yourself first",
                    block_name(db)
                )
            })
            .collect();
        refusals.extend(error(
            stack,
            "a database cannot get its final snapshot",
            format!("{}.\n\nNothing was deleted.", lines.join("\n")),
        ));
    }
    if protected.is_empty() {
        return if refusals.is_empty() { Ok(()) } else { Err(refusals) };
    }
    let lines: Vec<String> = protected.iter().map(|(id, db)| format!("  - {}.", protected_refusal(id, db))).collect();
    let blocks: Vec<String> = protected.iter().map(|(_, db)| block_name(db)).collect();
    refusals.extend(error(
        stack,
        "deletion protection",
        format!(
            "{}\n\nNothing was deleted. Deletion protection guards {}: to destroy the stack, turn it off by \
             configuration first (deletion_protection = false, `terraform apply`), then `terraform destroy`.",
            lines.join("\n"),
            blocks.join(", ")
        ),
    ));
    Err(refusals)
}

/// On-premises VPN connections on the stack's own VPN gateway: destroying the stack detaches and
/// deletes the gateway, which would cut them. dmslink never cuts a VPN it did not make. The user's
/// gateway (`network.vpn_gateway_id`) is only detached: its connections keep their tunnels.
async fn vpn_connections(ctx: &Ctx, stack: &Stack, kids: &Children) -> Result<(), Diagnostics> {
    let Some(vgw) = kids.vpn_gateway_id.as_ref().filter(|id| !stack.network.is_users_gateway(id)) else {
        return Ok(());
    };
    let live = live_vpn_connections(ctx.provider.clients.ec2.as_ref(), vgw)
        .await
        .map_err(|e| unreadable(stack, "listing VPN connections of EC2 VPN gateway", vgw, &e))?;
    if live.is_empty() {
        return Ok(());
    }
    Err(error(stack, "VPN connections use its VPN gateway", vpn_refusal(vgw, &live, "destroy this stack")))
}
