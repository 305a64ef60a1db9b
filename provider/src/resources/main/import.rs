//! `terraform import dmslink_main.x name[/environment]`: finds the VPC by its ownership tags; read
//! then completes the state from the children's deterministic identifiers.

use crate::aws::ec2::Filters;
use crate::engine::diag::{Diagnostic, Diagnostics};
use crate::engine::{Ctx, Value};

use super::naming::{TAG_RESOURCE, TAG_STACK, kind};

pub async fn import(ctx: &Ctx, id: &str) -> Result<Value, Diagnostics> {
    let (name, environment) = match id.split_once('/') {
        Some((n, e)) => (n.to_string(), Some(e.to_string())),
        None => (id.to_string(), None),
    };
    if name.is_empty() || environment.as_deref() == Some("") {
        return Err(Diagnostic::error(
            "Invalid import id",
            format!("expected `name` or `name/environment`, got {id:?}"),
        )
        .into());
    }
    let prefix = match &environment {
        Some(e) => format!("{name}-{e}"),
        None => name.clone(),
    };
    let filters =
        Filters::new().with(&format!("tag:{TAG_STACK}"), &prefix).with(&format!("tag:{TAG_RESOURCE}"), kind::VPC);
    let vpcs =
        ctx.provider.clients.ec2.find_vpcs(&filters).await.map_err(|e| {
            Diagnostic::error("Error importing DMS stack", e.describe("finding EC2 VPC of stack", &prefix))
        })?;
    let Some(vpc) = vpcs.first() else {
        return Err(Diagnostic::error(
            "Cannot import DMS stack",
            format!("no VPC tagged {TAG_STACK} = {prefix}, {TAG_RESOURCE} = {} was found", kind::VPC),
        )
        .into());
    };
    let mut state = Value::null_object(&super::schema::schema().value_type());
    state.set("name", Value::string(name));
    state.set("environment", Value::opt_string(environment));
    state.set("vpc_id", Value::string(vpc.id.clone()));
    Ok(state)
}
