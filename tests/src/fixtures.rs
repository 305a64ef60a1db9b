//! AWS fixtures made with boto3 (`tests/emulator/fixtures.py`, run with the venv's python): the S3
//! state bucket and DynamoDB lock table, the DMS stack `terraform-repltask` expects, and the VPCs of
//! the peering tests (also in another account, through `sts:AssumeRole`) with out-of-band changes to
//! their routes and peering options.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::process::run_with_timeout;

/// The S3 backend of a root module: bucket, lock table, state key.
#[derive(Clone, Debug)]
pub struct StateBackend {
    pub bucket: String,
    pub table: String,
    pub key: String,
    pub region: String,
}

/// What `terraform-main` would have produced.
#[derive(Clone, Debug)]
pub struct DmsStack {
    pub replication_instance_arns: Vec<String>,
    pub source_endpoint_arn: String,
    pub target_endpoint_arn: String,
}

impl DmsStack {
    /// The first replication instance.
    pub fn replication_instance_arn(&self) -> &str {
        self.replication_instance_arns.first().map(String::as_str).unwrap_or_default()
    }
}

/// A VPC made by [`Fixtures::vpc`]: DNS support and hostnames on, subnets each with its own route table.
#[derive(Clone, Debug)]
pub struct Vpc {
    pub vpc_id: String,
    pub cidr: String,
    /// Every route table of the VPC, the main one first.
    pub route_table_ids: Vec<String>,
    pub main_route_table_id: String,
    pub subnet_ids: Vec<String>,
    /// The security group `<name>-sg`, when asked for.
    pub security_group_id: Option<String>,
    /// The account the VPC is in.
    pub account_id: String,
}

impl Vpc {
    /// The security group; panics when the VPC was made without one.
    pub fn security_group(&self) -> &str {
        self.security_group_id.as_deref().unwrap_or_else(|| panic!("VPC {} has no security group", self.vpc_id))
    }

    /// A route table that is not the main one.
    pub fn subnet_route_table(&self) -> &str {
        self.route_table_ids
            .iter()
            .find(|t| **t != self.main_route_table_id)
            .unwrap_or_else(|| panic!("VPC {} has no subnet route table: {self:?}", self.vpc_id))
    }
}

/// One route of [`Fixtures::routes`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub route_table_id: String,
    pub destination: String,
    /// `local`, a gateway id, `pcx-...`.
    pub target: String,
    /// `active` or `blackhole`.
    pub state: String,
}

/// Which side of a VPC peering connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeeringSide {
    Requester,
    Accepter,
}

impl PeeringSide {
    pub fn as_str(self) -> &'static str {
        match self {
            PeeringSide::Requester => "requester",
            PeeringSide::Accepter => "accepter",
        }
    }

    /// The side's key in `DescribeVpcPeeringConnections` (`RequesterVpcInfo`).
    pub fn info_key(self) -> &'static str {
        match self {
            PeeringSide::Requester => "RequesterVpcInfo",
            PeeringSide::Accepter => "AccepterVpcInfo",
        }
    }
}

/// Runs `fixtures.py` subcommands against one emulator.
#[derive(Clone, Debug)]
pub struct Fixtures {
    python: PathBuf,
    script: PathBuf,
    endpoint: String,
    /// The region every subcommand acts in ([`crate::REGION`] unless [`Fixtures::in_region`]).
    region: String,
}

impl Fixtures {
    pub fn new(python: PathBuf, endpoint: String) -> Fixtures {
        let script = crate::workspace_root().join("tests").join("emulator").join("fixtures.py");
        Fixtures { python, script, endpoint, region: crate::REGION.to_string() }
    }

    /// The same fixtures acting in `region` (a DMS VPC in another region than the provider's).
    pub fn in_region(&self, region: &str) -> Fixtures {
        Fixtures { region: region.to_string(), ..self.clone() }
    }

    /// Runs one subcommand and parses its JSON output; panics with the output on failure.
    pub fn run(&self, args: &[&str]) -> Value {
        self.try_run(args).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs one subcommand and parses its JSON output; on failure, the command's output.
    pub fn try_run(&self, args: &[&str]) -> Result<Value, String> {
        let mut cmd = Command::new(&self.python);
        // Only the emulator's settings reach boto3: no profile, endpoint or real credentials of the caller.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("AWS_") {
                cmd.env_remove(&key);
            }
        }
        cmd.arg(&self.script)
            .args(args.iter().take(1))
            .args(["--endpoint", &self.endpoint, "--region", &self.region])
            .args(args.iter().skip(1))
            .env("AWS_ACCESS_KEY_ID", crate::TEST_ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", crate::TEST_SECRET_KEY)
            .env("AWS_EC2_METADATA_DISABLED", "true");
        let out = run_with_timeout(cmd, Duration::from_secs(180));
        if !out.success() {
            return Err(format!("fixture failed:\n{}", out.describe()));
        }
        serde_json::from_str(out.stdout.trim())
            .map_err(|e| format!("fixture printed no JSON ({e}):\n{}", out.describe()))
    }

    /// Runs one subcommand, with the credentials of `sts:AssumeRole` into `role_arn` when given (the
    /// emulator then acts in the role's account).
    pub fn run_as(&self, role_arn: Option<&str>, args: &[&str]) -> Value {
        let mut all: Vec<&str> = args.to_vec();
        if let Some(role) = role_arn {
            all.extend(["--role-arn", role]);
        }
        self.run(&all)
    }

    /// The S3 bucket (versioned) and DynamoDB lock table (hash key `LockID`) of a state backend with
    /// state key `key`.
    pub fn state_backend(&self, bucket: &str, table: &str, key: &str) -> StateBackend {
        self.run(&["state-backend", "--bucket", bucket, "--table", table]);
        StateBackend {
            bucket: bucket.to_string(),
            table: table.to_string(),
            key: key.to_string(),
            region: crate::REGION.to_string(),
        }
    }

    /// Subnet group, `instances` replication instances, an Oracle source and a PostgreSQL target
    /// endpoint, all named after `name`.
    pub fn dms_stack(&self, name: &str, instances: usize) -> DmsStack {
        let n = instances.to_string();
        let doc = self.run(&["dms-stack", "--name", name, "--instances", &n]);
        let text = |key: &str| doc[key].as_str().unwrap_or_else(|| panic!("dms-stack: no {key} in {doc}")).to_string();
        let arns = doc["replication_instance_arns"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect::<Vec<_>>())
            .unwrap_or_default();
        assert_eq!(arns.len(), instances, "dms-stack: {doc}");
        DmsStack {
            replication_instance_arns: arns,
            source_endpoint_arn: text("source_endpoint_arn"),
            target_endpoint_arn: text("target_endpoint_arn"),
        }
    }

    /// A manual RDS snapshot named `name` (engine `oracle-ee`) to restore a source database from;
    /// returns its identifier.
    pub fn source_snapshot(&self, name: &str) -> String {
        let doc = self.run(&["source-snapshot", "--name", name]);
        doc["snapshot_identifier"].as_str().unwrap_or_else(|| panic!("source-snapshot: {doc}")).to_string()
    }

    /// The `dms-vpc-role` IAM role with `AmazonDMSVPCManagementRole` attached.
    pub fn dms_vpc_role(&self) {
        self.run(&["dms-vpc-role"]);
    }

    /// A customer gateway and an `available` site-to-site VPN connection on the VPN gateway `vgw`, with
    /// these static routes (none: BGP): what makes an on-premises server reachable from a stack whose
    /// route tables take the gateway's routes. Returns the VPN connection's id.
    pub fn vpn_connection(&self, vgw: &str, static_routes: &[&str]) -> String {
        let mut args = vec!["vpn-connection", "--vpn-gateway-id", vgw];
        for r in static_routes {
            args.extend(["--static-route", r]);
        }
        let doc = self.run(&args);
        doc["vpn_connection_id"].as_str().unwrap_or_else(|| panic!("vpn-connection: {doc}")).to_string()
    }

    /// Deletes every live VPN connection on `vgw` (and their customer gateways), waiting until they are
    /// `deleted`; returns their ids.
    pub fn delete_vpn_connections(&self, vgw: &str) -> Vec<String> {
        let doc = self.run(&["delete-vpn-connection", "--vpn-gateway-id", vgw]);
        doc["deleted"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect()
    }

    /// A VPN gateway attached to no VPC, `available` (what `network.vpn_gateway_id` names); its id.
    pub fn vpn_gateway(&self) -> String {
        let doc = self.run(&["vpn-gateway"]);
        doc["vpn_gateway_id"].as_str().unwrap_or_else(|| panic!("vpn-gateway: {doc}")).to_string()
    }

    /// The VPN gateway `vgw` as EC2 describes it: `state`, `attachments` (`vpc_id`, `state`), `tags`
    /// and its VPN `connections` (`vpn_connection_id`, `state`, `customer_gateway_id`, `tunnels` with
    /// `outside_ip` and `status`).
    pub fn describe_vpn_gateway(&self, vgw: &str) -> Value {
        self.run(&["describe-vpn-gateway", "--vpn-gateway-id", vgw])
    }

    /// Detaches `vgw` from every VPC (waiting until `detached`) and deletes it.
    pub fn delete_vpn_gateway(&self, vgw: &str) {
        self.run(&["delete-vpn-gateway", "--vpn-gateway-id", vgw]);
    }

    /// A Secrets Manager secret named `name` holding `value`: created, or given `value` as its new
    /// version when it exists (a rotation). Returns its full ARN.
    pub fn secret(&self, name: &str, value: &str) -> String {
        let doc = self.run(&["secret", "--name", name, "--value", value]);
        doc["arn"].as_str().unwrap_or_else(|| panic!("secret: {doc}")).to_string()
    }

    /// The `dms-vpc-role` IAM role as the seed makes it: an inline policy granting DMS's EC2
    /// actions, no managed policy.
    pub fn dms_vpc_role_inline(&self) {
        self.run(&["dms-vpc-role", "--inline"]);
    }

    /// Keys of the objects in a state bucket.
    pub fn state_keys(&self, bucket: &str) -> Vec<String> {
        let doc = self.run(&["ls-state", "--bucket", bucket]);
        doc.as_array()
            .map(|a| a.iter().filter_map(|o| o["key"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    /// The state document under `key`.
    pub fn state_document(&self, bucket: &str, key: &str) -> Value {
        self.run(&["get-state", "--bucket", bucket, "--key", key])
    }

    /// Items of a lock table (attribute name → value).
    pub fn lock_items(&self, table: &str) -> Vec<Value> {
        let doc = self.run(&["ls-locks", "--table", table]);
        doc.as_array().cloned().unwrap_or_default()
    }

    /// A VPC tagged `Name=name` with CIDR `cidr`, DNS support and hostnames on, two subnets each with its
    /// own route table, and with `security_group` a security group `<name>-sg`; in the account of
    /// `role_arn` when given (else the default account). Idempotent by the Name tag.
    pub fn vpc(&self, role_arn: Option<&str>, name: &str, cidr: &str, security_group: bool) -> Vpc {
        self.vpc_tagged(role_arn, name, cidr, security_group, &[])
    }

    /// [`Fixtures::vpc`] with more tags on the VPC, e.g. the ownership tags a `dmslink_main` lookup
    /// finds a stack by (`("dmslink:stack", "lookup-dev")`).
    pub fn vpc_tagged(
        &self,
        role_arn: Option<&str>,
        name: &str,
        cidr: &str,
        security_group: bool,
        tags: &[(&str, &str)],
    ) -> Vpc {
        let tag_args: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut args = vec!["vpc", "--name", name, "--cidr", cidr];
        if security_group {
            args.push("--security-group");
        }
        for tag in &tag_args {
            args.extend(["--tag", tag.as_str()]);
        }
        let doc = self.run_as(role_arn, &args);
        let text = |key: &str| doc[key].as_str().unwrap_or_else(|| panic!("vpc: no {key} in {doc}")).to_string();
        let list = |key: &str| -> Vec<String> {
            doc[key]
                .as_array()
                .unwrap_or_else(|| panic!("vpc: no {key} in {doc}"))
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        Vpc {
            vpc_id: text("vpc_id"),
            cidr: text("cidr"),
            route_table_ids: list("route_table_ids"),
            main_route_table_id: text("main_route_table_id"),
            subnet_ids: list("subnet_ids"),
            security_group_id: doc["security_group_id"].as_str().map(str::to_string),
            account_id: text("account_id"),
        }
    }

    /// Every route in the route tables of `vpc_id`.
    pub fn routes(&self, role_arn: Option<&str>, vpc_id: &str) -> Vec<Route> {
        let doc = self.run_as(role_arn, &["routes", "--vpc-id", vpc_id]);
        let tables = doc.as_array().unwrap_or_else(|| panic!("routes: not a list: {doc}"));
        let mut out = Vec::new();
        for table in tables {
            let table_id = table["route_table_id"].as_str().unwrap_or_default();
            for r in table["routes"].as_array().into_iter().flatten() {
                out.push(Route {
                    route_table_id: table_id.to_string(),
                    destination: r["destination"].as_str().unwrap_or_default().to_string(),
                    target: r["target"].as_str().unwrap_or_default().to_string(),
                    state: r["state"].as_str().unwrap_or_default().to_string(),
                });
            }
        }
        out
    }

    /// Deletes the route to `cidr` from `route_table_id` (drift made outside Terraform).
    pub fn delete_route(&self, role_arn: Option<&str>, route_table_id: &str, cidr: &str) {
        self.run_as(role_arn, &["delete-route", "--route-table-id", route_table_id, "--cidr", cidr]);
    }

    /// Sets `AllowDnsResolutionFromRemoteVpc` of one side of `pcx` (call with that side's account).
    pub fn peering_dns(&self, role_arn: Option<&str>, pcx: &str, side: PeeringSide, allow: bool) -> Value {
        let allow = if allow { "true" } else { "false" };
        self.run_as(role_arn, &["peering-dns", "--pcx", pcx, "--side", side.as_str(), "--allow", allow])
    }

    /// The `DescribeVpcPeeringConnections` entry of `pcx`.
    pub fn describe_peering(&self, role_arn: Option<&str>, pcx: &str) -> Value {
        self.run_as(role_arn, &["describe-peering", "--pcx", pcx])
    }

    /// The `DescribeSecurityGroups` entry of `group_id`.
    pub fn security_group(&self, role_arn: Option<&str>, group_id: &str) -> Value {
        self.run_as(role_arn, &["security-group", "--group-id", group_id])
    }
}
