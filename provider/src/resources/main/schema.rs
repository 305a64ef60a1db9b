//! Schema of `dmslink_main`: the once-deployed DMS stack. Names follow `hashicorp/aws` where users
//! would look for them (`vpc_cidr`, `replication_instance_class`, `skip_final_snapshot`, ...).

use crate::engine::schema::{NestedBlock, timeouts_block};
use crate::engine::{Attribute, Block, Schema, Type, Value};
use crate::resources::aws_formats::{self as formats, attr as format, dms, kms, net, rds, windows};
use crate::resources::tags::{tags_all_attribute, tags_attribute};

/// Which kind of database block: the defaults differ.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Side {
    Source,
    Target,
}

impl Side {
    pub fn default_engine(self) -> &'static str {
        match self {
            Side::Source => "oracle",
            Side::Target => "postgres",
        }
    }
}

pub fn schema() -> Schema {
    let block = Block::new(
        "The once-deployed DMS stack as one resource: VPC with subnets in each availability zone, VPN \
         gateway, security group, DB subnet group, source database(s) (an existing server reached through \
         the VPN, or an RDS instance restored from a snapshot), target Postgres RDS, DMS subnet group, \
         replication instance and the source and target endpoints. Independent parts are created at the \
         same time; a failure part-way keeps every created child in state so the next apply resumes.",
    )
    .attr(
        Attribute::required("name", Type::String)
            .force_new()
            .describe("Stack name: the prefix of every child's identifier (`<name>-<environment>-vpc`, ...). Lower-case letters, digits and hyphens, starting with a letter, at most 24 characters. Changing it replaces the whole stack.")
            .validate(super::validate::validate_stack_name),
    )
    .attr(
        Attribute::optional("environment", Type::String)
            .force_new()
            .describe("Environment, used in child names as in the original module (`<name>-<environment>-...`). Nothing else depends on it: deletion protection and final snapshots are set per database in its `rds` block. Changing it replaces the whole stack (a warning names each database it deletes).")
            .validate(super::validate::validate_environment),
    )
    .attr(
        Attribute::with_default("dms_vpc_role", Type::String, Value::string("check"))
            .describe("The account-wide IAM role `dms-vpc-role` that DMS needs. `check` fails before creating anything unless the role exists, trusts `dms.amazonaws.com` and either has the AWS-managed policy `AmazonDMSVPCManagementRole` attached or inline and attached policies of its own that allow, on Resource `\"*\"`, every EC2 action DMS needs (`ec2:CreateNetworkInterface`, `ec2:DeleteNetworkInterface`, `ec2:DescribeAvailabilityZones`, `ec2:DescribeInternetGateways`, `ec2:DescribeSecurityGroups`, `ec2:DescribeSubnets`, `ec2:DescribeVpcs`, `ec2:ModifyNetworkInterfaceAttribute`; wildcards such as `ec2:*` count, a Deny counts against, `NotAction` is not counted) as the original module's inline policy does; the error names what is missing and how to fix it. `create` creates the role with the AWS-managed policy when it is missing (a role that already grants the actions is left as it is; one that trusts DMS but grants too little gets the managed policy attached) and waits until DMS accepts it. Destroying the stack that created the role deletes it only when no other DMS replication instance or replication subnet group in the provider's region still exists (otherwise the role stays and the log names what needs it); a role the provider did not create is never deleted.")
            .validate(super::validate::validate_dms_vpc_role),
    )
    .attr(tags_attribute())
    .attr(tags_all_attribute())
    .attr(Attribute::computed("vpc_id", Type::String).describe("ID of the VPC."))
    .attr(Attribute::computed("subnet_ids", Type::list(Type::String)).describe("IDs of the subnets, one per availability zone, in the order of `network.availability_zones`."))
    .attr(Attribute::computed("route_table_ids", Type::list(Type::String)).describe("IDs of the VPC's route tables (the main table first)."))
    .attr(Attribute::computed("security_group_id", Type::String).describe("ID of the security group shared by the databases and the replication instance."))
    .attr(Attribute::computed("vpn_gateway_id", Type::String).describe("ID of the stack's VPN gateway: the one it created (`network.vpn_gateway`) or the existing one it uses (`network.vpn_gateway_id`); null when it has none."))
    .attr(Attribute::computed("internet_gateway_id", Type::String).describe("ID of the internet gateway, when `network.internet_gateway` is true."))
    .attr(Attribute::computed("db_subnet_group_name", Type::String).describe("Name of the RDS DB subnet group."))
    .attr(Attribute::computed("replication_subnet_group_id", Type::String).describe("ID of the DMS replication subnet group."))
    .attr(Attribute::computed("replication_instance_arn", Type::String).describe("ARN of the DMS replication instance."))
    .attr(super::connections::test_attribute())
    .attr(super::connections::status_attribute())
    .attr(Attribute::computed("ownership_tagged", Type::Bool).describe("False right after `terraform import` of a stack built without dmslink (import id `<name>/<environment>/<vpc-id>`): its children keep their own identifiers and do not carry the stack's ownership tags yet. The next apply adds those tags (`dmslink:stack`, `dmslink:resource`) to every child (their identifiers and `Name` tags stay) and sets this to true; the plan shows it. True for every other stack."))
    .attr(Attribute::computed("dms_vpc_role_created", Type::Bool).describe("True when this stack created `dms-vpc-role` (`dms_vpc_role = \"create\"` and the role was missing); only then does destroying the stack delete the role."))
    .block(network_block().items(1, 1))
    .block(NestedBlock::list("source", database_block(Side::Source)).items(1, 0))
    .block(NestedBlock::single("target", database_block(Side::Target)).items(1, 1))
    .block(replication_instance_block())
    .block(timeouts_block(&["create", "update", "delete"]));
    Schema::new(0, block)
}

fn network_block() -> NestedBlock {
    let b = Block::new("The DMS VPC.")
        .attr(
            Attribute::required("vpc_cidr", Type::String)
                .force_new()
                .describe("IPv4 CIDR of the VPC, e.g. `10.20.0.0/24`. Changing it replaces the whole stack.")
                .validate(super::validate::validate_cidr),
        )
        .attr(
            Attribute::required("availability_zones", Type::list(Type::String))
                .describe("At least two availability zones; DMS and RDS subnet groups need two.")
                .validate(formats::each("Invalid availability zone", net::availability_zone)),
        )
        .attr(
            Attribute::required("subnet_cidrs", Type::list(Type::String))
                .describe("One subnet CIDR per availability zone, inside `vpc_cidr`, not overlapping."),
        )
        .attr(
            Attribute::with_default("vpn_gateway", Type::Bool, Value::Bool(true))
                .describe("Create and attach a VPN gateway of the stack's own, through which on-premises sources are reached; destroying the stack deletes it (refused while site-to-site VPN connections use it). With `vpn_gateway_id` set the stack uses that gateway instead and creates none: leave this unset (`false` is accepted, `true` conflicts)."),
        )
        .attr(
            Attribute::optional("vpn_gateway_id", Type::String)
                .describe("Use an existing VPN gateway (`vgw-...`), e.g. the one the on-premises site-to-site VPN connections already hang on, instead of creating one. The stack attaches it to its VPC (waiting until `attached`) and propagates its routes (`vpn_route_propagation`, on by default); it never creates, tags or deletes it. Destroying the stack only detaches it (waiting until `detached`): the gateway and its VPN connections, with their tunnels and addresses, stay, so destroying or replacing the stack is not refused for them. A replacement of the stack (`name`, `environment`, `vpc_cidr`) detaches it from the old VPC and attaches it to the new one. Changing it in place detaches the old gateway and attaches the new one. The gateway must exist, be `available` and be attached to no other VPC (checked at plan where it can be read, and before anything is created). Setting it to the id of the gateway the stack created hands that gateway over: it stays attached, loses the stack's `dmslink:*` tags and is never deleted by the stack. Conflicts with `vpn_gateway = true` and `amazon_side_asn`.")
                .validate(format("Invalid VPN gateway ID", net::vpn_gateway_id)),
        )
        .attr(
            Attribute::optional("amazon_side_asn", Type::Number)
                .describe("BGP ASN of the Amazon side of the VPN gateway the stack creates: a private ASN, 64512 to 65534 (16-bit) or 4200000000 to 4294967294 (32-bit). AWS picks one when unset. Conflicts with `vpn_gateway_id` (an existing gateway keeps its ASN).")
                .whole_range(64512, 4_294_967_294)
                .validate(super::validate::validate_amazon_side_asn),
        )
        .attr(
            Attribute::optional_computed("vpn_route_propagation", Type::Bool)
                .describe("Propagate the VPN gateway's routes into the VPC's route tables. On by default when the stack has a VPN gateway (its own, or `vpn_gateway_id`)."),
        )
        .attr(
            Attribute::with_default("internet_gateway", Type::Bool, Value::Bool(false))
                .describe("Create and attach an internet gateway. Off by default: the stack is private."),
        );
    NestedBlock::single("network", b)
}

fn database_block(side: Side) -> Block {
    let (what, port_doc) = match side {
        Side::Source => (
            "A source database that DMS reads from.",
            "Port of the database. Defaults to the engine's usual port (1521 for Oracle).",
        ),
        Side::Target => (
            "The target database DMS writes to: a Postgres RDS instance by default.",
            "Port of the database. Defaults to 5432 for Postgres.",
        ),
    };
    let mut b = Block::new(what);
    if side == Side::Source {
        b = b.attr(Attribute::required("name", Type::String).describe("Unique name of this source within the stack; part of the identifiers dmslink gives its children (`<name>-<environment>-src-<source>`), which must fit RDS's 63 characters: the plan says how long a new source's name may be. A source adopted by `terraform import` from a stack built without dmslink is named by its endpoint identifier and keeps its children's own identifiers.").validate(super::validate::validate_child_name));
    }
    for a in super::secrets_config::attributes() {
        b = b.attr(a);
    }
    for a in super::login_secret::attributes() {
        b = b.attr(a);
    }
    b = b.attr(Attribute::with_default("engine_name", Type::String, Value::string(side.default_engine())).describe("DMS engine name of the endpoint: `oracle`, `postgres`, `mysql`, `sqlserver`, ...").validate(match side {
            Side::Source => format("Invalid DMS engine name", |s| dms::engine_name(s, true)),
            Side::Target => format("Invalid DMS engine name", |s| dms::engine_name(s, false)),
        }))
        .attr(Attribute::optional("database_name", Type::String).describe("Database (Oracle SID/service name, Postgres database) DMS connects to."))
        .attr(Attribute::optional_computed("port", Type::Number).describe(port_doc).whole_range(1, 65535))
        .attr(Attribute::optional("username", Type::String).describe("The account DMS connects with."))
        .attr(Attribute::optional("password", Type::String).sensitive().describe("Password of `username`. Kept in state (sensitive); prefer `password_wo` on Terraform ≥ 1.11 or OpenTofu ≥ 1.11."))
        .attr(Attribute::write_only("password_wo", Type::String).describe("Write-only password of `username`: never stored in state. Requires Terraform ≥ 1.11 or OpenTofu ≥ 1.11 (older versions are refused at validation; use `password` there). Change `password_wo_version` to send a new one."))
        .attr(Attribute::optional("password_wo_version", Type::Number).describe("Bump to apply a new `password_wo`.").whole_range(0, i64::from(i32::MAX)))
        .attr(Attribute::optional("ssl_mode", Type::String).describe("DMS SSL mode: `none`, `require`, `verify-ca` or `verify-full`. `verify-ca` and `verify-full` need `certificate_arn` or `certificate_pem` (refused at validate without either). Unset is `none`; removing it sets the endpoint back to `none`."))
        .attr(Attribute::optional("certificate_arn", Type::String).describe("ARN of a DMS certificate (`aws dms import-certificate`: the CA that signed the database server's certificate, PEM) that `verify-ca` / `verify-full` check the server with. Changed in place; read back on refresh.").validate(format("Invalid certificate ARN", dms::certificate_arn)))
        .attr(super::owned_certificate::pem_attribute())
        .attr(super::owned_certificate::arn_attribute())
        .attr(Attribute::optional("extra_connection_attributes", Type::String).describe("DMS extra connection attributes, `key=value;key=value`.").validate(format("Invalid extra connection attributes", dms::extra_connection_attributes)))
        .attr(Attribute::optional("server_name", Type::String).describe("Host name or address of an existing server (e.g. on premises, reached through the VPN). Conflicts with an `rds` block.").validate(format("Invalid server name", net::server_name)))
        .attr(Attribute::optional_computed("kms_key_arn", Type::String).describe("ARN of the KMS key (`arn:aws:kms:<region>:<account>:key/<id>`, in the provider's region) that encrypts the endpoint's connection settings; AWS's default key for DMS when unset, and the key AWS reports once created. AWS cannot change it in place: a key that differs from the endpoint's re-creates the endpoint (the plan warns and names it; tasks on the endpoint must be removed first). Removing it keeps the endpoint's key.").validate(format("Invalid KMS key ARN", kms::key_arn)))
        .attr(Attribute::computed("endpoint_arn", Type::String).describe("ARN of the DMS endpoint."))
        .attr(Attribute::computed("address", Type::String).describe("Address DMS connects to: `server_name`, or the RDS instance's endpoint address."))
        .attr(Attribute::computed("db_instance_identifier", Type::String).describe("Identifier of the RDS instance, when this database is one."))
        .attr(Attribute::computed("endpoint_drift", Type::map(Type::String)).describe("Settings of the DMS endpoint that AWS reports differently from what dmslink derives for it (`server_name`: the RDS instance's address; `port`; `certificate_arn` when it is not the certificate imported from `certificate_pem`), with AWS's value, as the last refresh found them (an edit outside Terraform). The next plan shows it emptied, an in-place update that sets them back. Settings the configuration writes (`ssl_mode`, `extra_connection_attributes`, `database_name`, `username`, `certificate_arn`, `server_name`) show their drift in their own attribute instead; only the `key=value` pairs written in `extra_connection_attributes` are compared, and a setting left unset is not read back."))
        .attr(super::engine_settings::set_attribute())
        .block(rds_block(side));
    for settings in super::engine_settings::blocks() {
        b = b.block(settings);
    }
    b
}

fn rds_block(side: Side) -> NestedBlock {
    let b = Block::new("An RDS instance that dmslink creates for this database: restored from `snapshot_identifier`, or new with `master_username` and a master password.")
        .attr(Attribute::optional("snapshot_identifier", Type::String).describe("Restore from this DB snapshot (its identifier, or its ARN when shared from another account). The master username and database name then come from the snapshot. Changing it re-creates this database (a warning names it at plan). A snapshot of an engine version the region no longer offers is refused at plan (RDS cannot restore it).").validate(format("Invalid snapshot identifier", rds::snapshot_identifier)))
        .attr(Attribute::optional("master_username", Type::String).describe("Master user of a new instance. Conflicts with `snapshot_identifier`."))
        .attr(Attribute::optional("master_password", Type::String).sensitive().describe("Master password (sensitive, kept in state); prefer `master_password_wo` on Terraform ≥ 1.11 or OpenTofu ≥ 1.11."))
        .attr(Attribute::write_only("master_password_wo", Type::String).describe("Write-only master password: never stored in state. Requires Terraform ≥ 1.11 or OpenTofu ≥ 1.11 (older versions are refused at validation; use `master_password` there). Change `master_password_wo_version` to send a new one."))
        .attr(Attribute::optional("master_password_wo_version", Type::Number).describe("Bump to apply a new `master_password_wo`.").whole_range(0, i64::from(i32::MAX)))
        .attr(Attribute::optional_computed("engine", Type::String).describe(match side {
            Side::Source => "RDS engine, e.g. `oracle-se2`. Taken from the snapshot when restoring.",
            Side::Target => "RDS engine. Defaults to `postgres`.",
        }).validate(format("Invalid RDS engine", rds::engine)))
        .attr(Attribute::optional_computed("engine_version", Type::String).describe("Engine version, e.g. `17.9`, or a major version alone (`17`: its newest minor); AWS's default when unset. A new or changed version is checked at plan against the versions the region offers (`DescribeDBEngineVersions`), and the plan names them when it is not offered.").validate(format("Invalid engine version", rds::engine_version)))
        .attr(Attribute::with_default("instance_class", Type::String, Value::string("db.t3.medium")).describe("Instance class, e.g. `db.t3.medium`. A new or changed class is checked at plan against the classes the region offers for the engine and version (`DescribeOrderableDBInstanceOptions`; retired classes such as `db.t2.micro` are refused there, naming the offered ones).").validate(format("Invalid instance class", rds::instance_class)))
        .attr(Attribute::with_default("allocated_storage", Type::Number, Value::int(20)).describe("Storage in GiB.").whole_range(20, 65536))
        .attr(Attribute::with_default("multi_az", Type::Bool, Value::Bool(false)).describe("Run a standby in a second availability zone."))
        .attr(Attribute::with_default("storage_encrypted", Type::Bool, Value::Bool(true)).describe("Encrypt storage. Changing it re-creates this database."))
        .attr(Attribute::optional_computed("kms_key_arn", Type::String).describe("ARN of the KMS key (`arn:aws:kms:<region>:<account>:key/<id>`, in the provider's region) that encrypts a new instance's storage; AWS's default key for RDS when unset, and the key AWS reports once created. Needs `storage_encrypted = true`; conflicts with `snapshot_identifier` (a restore keeps the snapshot's key: copy the snapshot with the key you want first). AWS cannot change it in place: a key that differs from the instance's re-creates this database (the plan warns and names it, with its final snapshot). Removing it keeps the instance's key.").validate(format("Invalid KMS key ARN", kms::key_arn)))
        .attr(Attribute::optional_computed("backup_retention_period", Type::Number).describe("Days of automated backups; `0` turns automated backups off.").whole_range(0, 35))
        .attr(Attribute::optional_computed("backup_window", Type::String).describe("Daily backup window, `hh24:mi-hh24:mi` UTC, at least 30 minutes, not overlapping `maintenance_window`.").validate(format("Invalid backup window", |s| windows::daily(s).map(|_| ()))))
        .attr(Attribute::optional_computed("maintenance_window", Type::String).describe("Weekly maintenance window, `ddd:hh24:mi-ddd:hh24:mi` UTC, at least 30 minutes.").validate(format("Invalid maintenance window", |s| windows::weekly(s).map(|_| ()))))
        .attr(Attribute::with_default("deletion_protection", Type::Bool, Value::Bool(false)).describe("Refuse deletion (RDS deletion protection); off unless set to true. While on (as AWS reports it), a plan that would delete this database (destroying the stack, replacing the whole stack, re-creating or removing this database) is refused at plan, and `terraform destroy` deletes nothing of the stack; set it to false and apply first."))
        .attr(Attribute::with_default("skip_final_snapshot", Type::Bool, Value::Bool(false)).describe("Delete this database without a final snapshot. Unless it is set to true, every deletion (destroy, replacement) first takes a final snapshot. Set it to true explicitly to lose the data instead, e.g. `skip_final_snapshot = var.environment != \"prod\"` for disposable environments. A destroy, or a change that replaces the whole stack, uses the value in state: apply a change of it first. Conflicts with `final_snapshot_identifier`."))
        .attr(Attribute::optional("final_snapshot_identifier", Type::String).describe("Base name of the final snapshot taken when this database is deleted; the RDS instance identifier when unset. The UTC time of the deletion is appended, so each deletion has its own snapshot: `<base>-YYYYMMDDtHHMMSSz`, e.g. `dblink-prod-tgt-20261202t154500z` (lower-case, as RDS stores identifiers; a base too long for the 255-character limit is shortened). The destroy's log (INFO) names the snapshot. Conflicts with `skip_final_snapshot = true`."));
    NestedBlock::single("rds", b)
}

fn replication_instance_block() -> NestedBlock {
    let b = Block::new("The DMS replication instance.")
        .attr(Attribute::with_default("replication_instance_class", Type::String, Value::string("dms.t3.medium")).describe("Instance class, e.g. `dms.t3.medium`. Changed in place. A new or changed class is checked at plan against the classes the region offers for the engine version (`DescribeOrderableReplicationInstances`; retired classes such as `dms.t2.micro` are refused there, naming the offered ones).").validate(format("Invalid replication instance class", dms::instance_class)))
        .attr(Attribute::with_default("allocated_storage", Type::Number, Value::int(50)).describe("Storage in GiB. Changed in place.").whole_range(5, 6144))
        .attr(Attribute::optional_computed("engine_version", Type::String).describe("DMS engine version such as `3.5.4`; AWS's default when unset. Changed in place. A new or changed version is checked at plan against the versions the region offers (`DescribeEngineVersions`). If the plan cannot read what the region offers (no permission, throttling), it warns once and AWS checks at apply.").validate(format("Invalid engine version", dms::engine_version)))
        .attr(Attribute::with_default("multi_az", Type::Bool, Value::Bool(false)).describe("Run a standby in a second availability zone. Changed in place."))
        .attr(Attribute::optional_computed("preferred_maintenance_window", Type::String).describe("Weekly maintenance window, `ddd:hh24:mi-ddd:hh24:mi` UTC, at least 30 minutes.").validate(format("Invalid maintenance window", |s| windows::weekly(s).map(|_| ()))))
        .attr(Attribute::with_default("auto_minor_version_upgrade", Type::Bool, Value::Bool(true)).describe("Apply minor engine upgrades in the maintenance window."))
        .attr(Attribute::with_default("publicly_accessible", Type::Bool, Value::Bool(false)).describe("Give the instance a public address. Off: the stack is reached only through the VPN and peering. Changing it re-creates the replication instance."))
        .attr(Attribute::optional_computed("kms_key_arn", Type::String).describe("ARN of the KMS key (`arn:aws:kms:<region>:<account>:key/<id>`, in the provider's region) that encrypts the replication instance's storage; AWS's default key for DMS when unset, and the key AWS reports once created. AWS cannot change it in place: a key that differs from the instance's re-creates the replication instance (the plan warns; tasks on it must be removed first). Removing it keeps the instance's key.").validate(format("Invalid KMS key ARN", kms::key_arn)));
    NestedBlock::single("replication_instance", b)
}
