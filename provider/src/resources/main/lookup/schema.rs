//! Schema of the `dmslink_main` data source. Attribute names are the resource's, so a reference
//! such as `source[0].endpoint_arn` reads the same from either; settings nested in the resource's
//! blocks (`network.vpc_cidr`, `replication_instance.replication_instance_class`) are top-level here.

use crate::engine::{Attribute, Block, Schema, Type};
use crate::resources::main::validate::{validate_environment, validate_stack_name};

pub fn schema() -> Schema {
    let block = Block::new(
        "Looks up an existing `dmslink_main` stack by `name` and `environment` and returns the ids, ARNs and \
         addresses of its children, so that another configuration, such as one per replication task, can use them \
         instead of copying them by hand. Only objects carrying the stack's ownership tags (`dmslink:stack`, \
         `dmslink:resource`) are returned; a stack whose VPC is not found is an error.",
    )
    .attr(
        Attribute::required("name", Type::String)
            .describe("Name of the stack, as in the resource's `name`.")
            .validate(validate_stack_name),
    )
    .attr(
        Attribute::optional("environment", Type::String)
            .describe("Environment of the stack, as in the resource's `environment`; leave it out for a stack without one.")
            .validate(validate_environment),
    )
    .attr(Attribute::computed("vpc_id", Type::String).describe("ID of the VPC."))
    .attr(Attribute::computed("vpc_cidr", Type::String).describe("IPv4 CIDR of the VPC (the resource's `network.vpc_cidr`)."))
    .attr(Attribute::computed("subnet_ids", Type::list(Type::String)).describe("IDs of the subnets, in availability-zone order."))
    .attr(Attribute::computed("route_table_ids", Type::list(Type::String)).describe("IDs of the VPC's route tables (the main table first)."))
    .attr(Attribute::computed("security_group_id", Type::String).describe("ID of the security group shared by the databases and the replication instance."))
    .attr(Attribute::computed("vpn_gateway_id", Type::String).describe("ID of the VPN gateway; null when the stack has none."))
    .attr(Attribute::computed("internet_gateway_id", Type::String).describe("ID of the internet gateway; null when the stack has none."))
    .attr(Attribute::computed("db_subnet_group_name", Type::String).describe("Name of the RDS DB subnet group; null when no database is an RDS instance."))
    .attr(Attribute::computed("replication_subnet_group_id", Type::String).describe("ID of the DMS replication subnet group."))
    .attr(Attribute::computed("replication_instance_arn", Type::String).describe("ARN of the DMS replication instance."))
    .attr(Attribute::computed("replication_instance_class", Type::String).describe("Class of the DMS replication instance, e.g. `dms.t3.medium`."))
    .attr(Attribute::computed("tags", Type::map(Type::String)).describe("Tags of the VPC as the stack set them (the resource's `tags_all`), without `Name` and the `dmslink:` ownership tags."))
    .attr(
        Attribute::computed("target", database_type(false))
            .describe(&format!("The target database and its DMS endpoint: {}.", database_fields_doc(false))),
    )
    .attr(
        Attribute::computed("source", Type::list(database_type(true))).describe(&format!(
            "The source databases and their DMS endpoints, in `name` order: {}.",
            database_fields_doc(true)
        )),
    )
    .attr(
        Attribute::computed("source_endpoint_arns", Type::map(Type::String))
            .describe("ARN of each source's DMS endpoint by source `name`, e.g. `source_endpoint_arns[\"geodesy\"]`."),
    );
    Schema::new(0, block)
}

/// The fields of a `target` or `source` object, with their descriptions. Plain object types, not
/// nested attributes: Terraform 1.0 cannot reference into nested attributes of a provider schema.
fn database_fields(source: bool) -> Vec<(&'static str, Type, &'static str)> {
    let mut fields = Vec::new();
    if source {
        fields.push(("name", Type::String, "the source's name within the stack"));
    }
    fields.extend([
        ("endpoint_arn", Type::String, "ARN of the DMS endpoint"),
        (
            "address",
            Type::String,
            "address DMS connects to: the RDS instance's endpoint address or the server of an existing database",
        ),
        ("port", Type::Number, "port DMS connects to"),
        ("database_name", Type::String, "database DMS connects to: Oracle SID or service name, Postgres database"),
        ("db_instance_identifier", Type::String, "identifier of the RDS instance; null when dmslink did not make one"),
        ("engine_name", Type::String, "DMS engine name of the endpoint, e.g. `oracle` or `postgres`"),
    ]);
    fields
}

fn database_type(source: bool) -> Type {
    Type::object(database_fields(source).into_iter().map(|(name, ty, _)| (name, ty)))
}

fn database_fields_doc(source: bool) -> String {
    let fields: Vec<String> =
        database_fields(source).into_iter().map(|(name, _, doc)| format!("`{name}` ({doc})")).collect();
    fields.join(", ")
}
