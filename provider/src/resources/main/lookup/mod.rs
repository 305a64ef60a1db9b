//! The `dmslink_main` data source: an existing stack's ids, ARNs and addresses, looked up by `name`
//! and `environment` with the same discovery as `terraform import dmslink_main` ([`discover`]).

pub mod adopt;
#[cfg(test)]
mod adopt_tests;
pub mod discover;
mod schema;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::provider_config::Configured;

use crate::engine::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::engine::{About, DataSource, Value};
use crate::resources::Ctx;
use discover::FoundDb;

pub struct MainLookup;

/// The docs' example: terraform-repltask, which reads the stack through this data source when
/// `main_stack_name` is set.
pub const EXAMPLE_HCL: &str = include_str!("../../../../../examples-hcl/terraform-repltask/dms-repl-task.tf");

pub const NOTES_DOC: &str = "Reads without changing anything. The stack is found as `terraform import dmslink_main` finds it: the VPC tagged `dmslink:stack = <name>-<environment>` (or `<name>` without an environment) and `dmslink:resource = vpc`, then each child by its deterministic identifier (`<name>-<environment>-dms-ri`, `<name>-<environment>-tgt`, `<name>-<environment>-src-<source>`, ...). A stack adopted from the original modules (imported by `name/environment/vpc-id`, then applied once) keeps its children's own identifiers: those dmslink's names miss are found in the stack's VPC, again only when they carry the stack's ownership tags. A child that is missing or does not carry the stack's ownership tags is reported as null (or left out of `source`).";

/// The `dmslink_main` data source as the registry, the engine and the docs know it.
pub const ABOUT: About = About::new("dmslink_main", schema::schema).documented(EXAMPLE_HCL, NOTES_DOC);

#[async_trait]
impl DataSource<Configured> for MainLookup {
    fn about(&self) -> About {
        ABOUT
    }

    async fn read(&self, ctx: &Ctx, config: &Value) -> Result<Value, Diagnostics> {
        let Some(name) = config.get("name").as_str() else {
            return Err(Diagnostic::error("Missing stack name", "`name` must be set to look up a DMS stack.")
                .at(AttrPath::attr("name"))
                .into());
        };
        let stack = discover::stack_named(name, config.get("environment").as_str());
        match discover::discover(ctx, &stack).await {
            Ok(Some(found)) => Ok(state(config, &found)),
            Ok(None) => Err(Diagnostic::error(
                format!("DMS stack {} not found", stack.prefix()),
                discover::not_found_detail(&stack),
            )
            .at(AttrPath::attr("name"))
            .into()),
            Err(e) => Err(Diagnostic::error(format!("Error reading DMS stack {}", stack.prefix()), e).into()),
        }
    }
}

fn state(config: &Value, f: &discover::Found) -> Value {
    let mut s = Value::null_object(&schema::schema().value_type());
    s.set("name", config.get("name").clone());
    s.set("environment", config.get("environment").clone());
    let strings = |v: Vec<&String>| Value::List(v.into_iter().map(|x| Value::string(x.clone())).collect());
    s.set("vpc_id", Value::string(f.vpc.id.clone()));
    s.set("vpc_cidr", Value::string(f.vpc.cidr_block.clone()));
    s.set("subnet_ids", strings(f.subnets.iter().map(|x| &x.id).collect()));
    s.set("route_table_ids", strings(f.route_tables.iter().map(|x| &x.id).collect()));
    s.set("security_group_id", Value::opt_string(f.security_group.as_ref().map(|g| g.id.clone())));
    s.set("vpn_gateway_id", Value::opt_string(f.vpn_gateway.as_ref().map(|g| g.id.clone())));
    s.set("internet_gateway_id", Value::opt_string(f.internet_gateway.as_ref().map(|g| g.id.clone())));
    s.set("db_subnet_group_name", Value::opt_string(f.db_subnet_group.as_ref().map(|g| g.name.clone())));
    s.set("replication_subnet_group_id", Value::opt_string(f.replication_subnet_group.as_ref().map(|g| g.id.clone())));
    let ri = f.replication_instance.as_ref();
    s.set("replication_instance_arn", Value::opt_string(ri.map(|i| i.arn.clone())));
    s.set("replication_instance_class", Value::opt_string(ri.map(|i| i.class.clone())));
    s.set("tags", Value::from_string_map(&f.user_tags()));
    s.set("target", database(&f.target, false));
    s.set("source", Value::List(f.sources.iter().map(|d| database(d, true)).collect()));
    let arns: BTreeMap<String, String> =
        f.sources.iter().filter_map(|d| Some((d.name.clone(), d.endpoint.as_ref()?.arn.clone()))).collect();
    s.set("source_endpoint_arns", Value::from_string_map(&arns));
    s
}

/// One `target` or `source` object; a source carries its `name`.
fn database(db: &FoundDb, source: bool) -> Value {
    let ep = db.endpoint.as_ref();
    let inst = db.instance.as_ref();
    let port = ep.and_then(|e| e.port).or_else(|| inst.and_then(|i| i.endpoint_port));
    let mut m = BTreeMap::from([
        ("endpoint_arn".to_string(), Value::opt_string(ep.map(|e| e.arn.clone()))),
        ("address".to_string(), Value::opt_string(db.address())),
        ("port".to_string(), port.map(|p| Value::int(i64::from(p))).unwrap_or_default()),
        ("database_name".to_string(), Value::opt_string(ep.and_then(|e| e.database_name.clone()))),
        ("db_instance_identifier".to_string(), Value::opt_string(inst.map(|i| i.id.clone()))),
        ("engine_name".to_string(), Value::opt_string(ep.map(|e| e.engine_name.clone()))),
    ]);
    if source {
        m.insert("name".to_string(), Value::string(db.name.clone()));
    }
    Value::Object(m)
}
