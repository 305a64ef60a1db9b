//! Plan-time checks of `dmslink_main`, each a diagnostic on the attribute, before any AWS call.

use std::collections::BTreeSet;

use crate::engine::Value;
use crate::engine::diag::{AttrPath, Diagnostics};
use crate::resources::aws_formats::net::Cidr;
use crate::resources::aws_formats::{kms, rds, windows};

fn identifier_problem(s: &str, max: usize) -> Option<String> {
    if s.is_empty() || s.len() > max {
        Some(format!("must be 1 to {max} characters long"))
    } else if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        Some("must start with a lower-case letter".into())
    } else if !s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        Some("may contain only lower-case letters, digits and hyphens (RDS and DMS lower-case identifiers)".into())
    } else if s.contains("--") {
        Some("may not contain two consecutive hyphens".into())
    } else if s.ends_with('-') {
        Some("may not end with a hyphen".into())
    } else {
        None
    }
}

/// Stack names prefix RDS identifiers (≤ 63 characters) with room for the suffixes.
pub fn validate_stack_name(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if let Some(s) = v.as_str()
        && let Some(p) = identifier_problem(s, 24)
    {
        diags.error_at(
            path.clone(),
            "Invalid stack name",
            format!("{s:?} {p}. It prefixes every child's identifier, which RDS and DMS restrict."),
        );
    }
}

pub fn validate_environment(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if let Some(s) = v.as_str()
        && let Some(p) = identifier_problem(s, 12)
    {
        diags.error_at(
            path.clone(),
            "Invalid environment",
            format!("{s:?} {p}. It is part of every child's identifier."),
        );
    }
}

/// The longest source name, as RDS identifiers go. A source dmslink creates must also fit
/// `<prefix>-src-<name>` into them ([`check_new_source_ids`]); an adopted one keeps its own.
pub const CHILD_NAME_MAX: usize = 63;

/// RDS's longest DB instance identifier (DMS endpoint identifiers may be longer).
const RDS_ID_MAX: usize = 63;

/// At plan: each source whose children dmslink will create and name `<prefix>-src-<name>` (one
/// not in the prior state with children of its own) must fit RDS's 63 characters.
pub fn check_new_source_ids(prior: &Value, config: &Value, diags: &mut Diagnostics) {
    let (Some(name), environment) = (config.get("name").as_str(), config.get("environment")) else { return };
    if environment.is_unknown() {
        return;
    }
    let prefix = match environment.as_str() {
        Some(e) => format!("{name}-{e}"),
        None => name.to_string(),
    };
    let existing: Vec<&str> = prior
        .get("source")
        .as_elements()
        .unwrap_or_default()
        .iter()
        .filter(|b| !b.get("endpoint_arn").is_null() || !b.get("db_instance_identifier").is_null())
        .filter_map(|b| b.get("name").as_str())
        .collect();
    for (i, block) in config.get("source").as_elements().unwrap_or_default().iter().enumerate() {
        let Some(source) = block.get("name").as_str() else { continue };
        let id = format!("{prefix}-src-{source}");
        if existing.contains(&source) || id.len() <= RDS_ID_MAX {
            continue;
        }
        diags.error_at(
            AttrPath::attr("source").then_index(i).then_attr("name"),
            "Source name too long",
            format!(
                "dmslink names this source's RDS instance and DMS endpoint {id:?}, {} characters; RDS takes at most \
                 {RDS_ID_MAX}. With this stack's name and environment a new source's name may have at most {} \
                 characters.",
                id.len(),
                RDS_ID_MAX.saturating_sub(prefix.len() + "-src-".len())
            ),
        );
    }
}

pub fn validate_child_name(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if let Some(s) = v.as_str()
        && let Some(p) = identifier_problem(s, CHILD_NAME_MAX)
    {
        diags.error_at(
            path.clone(),
            "Invalid source name",
            format!("{s:?} {p}. It is part of the source's RDS and DMS identifiers."),
        );
    }
}

pub fn validate_dms_vpc_role(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if let Some(s) = v.as_str()
        && s != "check"
        && s != "create"
    {
        diags.error_at(path.clone(), "Invalid dms_vpc_role", format!("{s:?} is neither \"check\" nor \"create\"."));
    }
}

/// AWS takes private ASNs only: 64512–65534 (16-bit) or 4200000000–4294967294 (32-bit)
/// (EC2 API `CreateVpnGateway` `AmazonSideAsn`). The schema's whole range covers both ends.
pub fn validate_amazon_side_asn(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if let Some(n) = v.as_i64()
        && (65535..4_200_000_000).contains(&n)
    {
        diags.error_at(
            path.clone(),
            "Invalid Amazon side ASN",
            format!("{n} is not a private ASN; use 64512 to 65534 (16-bit) or 4200000000 to 4294967294 (32-bit), or leave amazon_side_asn unset for AWS's default."),
        );
    }
}

pub fn validate_cidr(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if let Some(s) = v.as_str()
        && let Err(e) = Cidr::parse(s)
    {
        diags.error_at(
            path.clone(),
            "Invalid CIDR block",
            format!("{s:?} is not an IPv4 CIDR block such as 10.20.0.0/24: {e}."),
        );
    }
}

/// At plan, with the provider's region known: every availability zone is one of that region's
/// (`us-east-1a` or a local zone `us-east-1-bos-1a` in `us-east-1`). Otherwise `CreateSubnet` fails
/// after the VPC exists.
pub fn validate_region(config: &Value, region: &str, diags: &mut Diagnostics) {
    validate_key_regions(config, region, diags);
    let path = AttrPath::attr("network").then_attr("availability_zones");
    for (i, az) in config.get("network").get("availability_zones").as_elements().unwrap_or_default().iter().enumerate()
    {
        let Some(az) = az.as_str() else { continue };
        let rest = az.strip_prefix(region).unwrap_or_default();
        let in_region = !rest.is_empty() && (rest.bytes().all(|b| b.is_ascii_lowercase()) || rest.starts_with('-'));
        if !in_region {
            diags.error_at(
                path.then_index(i),
                "Availability zone outside the provider's region",
                format!("{az:?} is not an availability zone of {region}, the region the provider works in; list zones such as \"{region}a\" or configure the provider for the zone's region."),
            );
        }
    }
}

/// DMS and RDS use a KMS key of their own region (the key ARN names it).
fn validate_key_regions(config: &Value, region: &str, diags: &mut Diagnostics) {
    let mut keys = vec![(
        AttrPath::attr("replication_instance").then_attr("kms_key_arn"),
        config.get("replication_instance").get("kms_key_arn"),
    )];
    let sources = config.get("source").as_elements().unwrap_or_default();
    let blocks = sources.iter().enumerate().map(|(i, b)| (AttrPath::attr("source").then_index(i), b));
    for (path, block) in blocks.chain([(AttrPath::attr("target"), config.get("target"))]) {
        keys.push((path.then_attr("kms_key_arn"), block.get("kms_key_arn")));
        keys.push((path.then_attr("rds").then_attr("kms_key_arn"), block.get("rds").get("kms_key_arn")));
    }
    for (path, key) in keys {
        let Some(arn) = key.as_str() else { continue };
        if let Some(key_region) = kms::region_of(arn).filter(|r| !r.is_empty() && *r != region) {
            diags.error_at(
                path,
                "KMS key outside the provider's region",
                format!("{arn:?} is a key in {key_region}; DMS and RDS in {region} use a key of {region}. Use a key (or a multi-Region replica key) in {region}."),
            );
        }
    }
}

/// Cross-attribute checks; values may be unknown (then the check waits for apply-time plan).
pub fn validate_config(config: &Value, diags: &mut Diagnostics) {
    validate_network(config.get("network"), &AttrPath::attr("network"), diags);
    let mut names = BTreeSet::new();
    for (i, src) in config.get("source").as_elements().unwrap_or_default().iter().enumerate() {
        let path = AttrPath::attr("source").then_index(i);
        if let Some(n) = src.get("name").as_str()
            && !names.insert(n.to_string())
        {
            diags.error_at(
                path.then_attr("name"),
                "Duplicate source name",
                format!("Two source blocks are named {n:?}; each needs a unique name."),
            );
        }
        validate_database(src, &path, super::schema::Side::Source, diags);
    }
    let target = config.get("target");
    // An unknown block (e.g. `dynamic "target"` over a variable) is checked once it is known.
    if !target.is_null() && !target.is_unknown() {
        validate_database(target, &AttrPath::attr("target"), super::schema::Side::Target, diags);
    }
}

/// `vpn_gateway_id` names the stack's gateway: creating one (`vpn_gateway = true` written out) or
/// choosing its ASN (`amazon_side_asn`) contradicts it. `vpn_gateway` left unset is its default,
/// not a conflict.
fn validate_vpn_gateway_choice(net: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if net.get("vpn_gateway_id").is_null() {
        return;
    }
    if net.get("vpn_gateway").as_bool() == Some(true) {
        diags.error_at(
            path.then_attr("vpn_gateway"),
            "Conflicting VPN gateway settings",
            "vpn_gateway = true creates a VPN gateway of the stack's own, but vpn_gateway_id uses an existing one;              remove vpn_gateway (or remove vpn_gateway_id to create a gateway).",
        );
    }
    if net.get("amazon_side_asn").as_i64().is_some() {
        diags.error_at(
            path.then_attr("amazon_side_asn"),
            "Conflicting VPN gateway settings",
            "amazon_side_asn is the ASN of a VPN gateway the stack creates; the existing gateway of vpn_gateway_id              keeps its own ASN. Remove amazon_side_asn.",
        );
    }
}

fn validate_network(net: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    validate_vpn_gateway_choice(net, path, diags);
    // AWS takes VPC blocks from /16 to /28 (Amazon VPC User Guide, "VPC CIDR blocks").
    if let Some(text) = net.get("vpc_cidr").as_str()
        && let Ok(c) = Cidr::parse(text)
        && !(16..=28).contains(&c.prefix)
    {
        diags.error_at(
            path.then_attr("vpc_cidr"),
            "VPC CIDR block size not allowed",
            format!(
                "{text} is a /{}; AWS accepts VPC CIDR blocks from /16 (65,536 addresses) to /28 (16 addresses).",
                c.prefix
            ),
        );
    }
    let azs = net.get("availability_zones");
    let subnets = net.get("subnet_cidrs");
    if let Some(a) = azs.as_elements() {
        if a.len() < 2 {
            diags.error_at(
                path.then_attr("availability_zones"),
                "Too few availability zones",
                "DMS and RDS subnet groups need subnets in at least two availability zones; list two or more.",
            );
        }
        let distinct: BTreeSet<_> = a.iter().filter_map(Value::as_str).collect();
        if distinct.len() != a.iter().filter(|v| v.as_str().is_some()).count() {
            diags.error_at(
                path.then_attr("availability_zones"),
                "Duplicate availability zone",
                "Each availability zone may appear once.",
            );
        }
    }
    let (Some(a), Some(s)) = (azs.as_elements(), subnets.as_elements()) else { return };
    if a.len() != s.len() {
        diags.error_at(
            path.then_attr("subnet_cidrs"),
            "Subnet count does not match",
            format!(
                "{} subnet CIDRs for {} availability zones; give exactly one subnet CIDR per availability zone.",
                s.len(),
                a.len()
            ),
        );
    }
    let vpc = net.get("vpc_cidr").as_str().and_then(|t| Cidr::parse(t).ok());
    let mut seen: Vec<(usize, Cidr)> = Vec::new();
    for (i, sv) in s.iter().enumerate() {
        let Some(text) = sv.as_str() else { continue };
        let p = path.then_attr("subnet_cidrs").then_index(i);
        let c = match Cidr::parse(text) {
            Ok(c) => c,
            Err(e) => {
                diags.error_at(p, "Invalid CIDR block", format!("{text:?} is not an IPv4 CIDR block: {e}."));
                continue;
            }
        };
        if let Some(v) = vpc
            && !v.contains(c)
        {
            diags.error_at(
                p.clone(),
                "Subnet outside the VPC",
                format!("{text} is not inside vpc_cidr {}.", v.network()),
            );
        }
        if c.prefix > 28 {
            diags.error_at(
                p.clone(),
                "Subnet too small",
                format!("{text} is smaller than AWS's minimum subnet size /28."),
            );
        }
        if let Some((j, _)) = seen.iter().find(|(_, o)| o.overlaps(c)) {
            diags.error_at(
                p,
                "Overlapping subnets",
                format!("{text} overlaps subnet_cidrs[{j}]; subnets may not overlap."),
            );
        }
        seen.push((i, c));
    }
}

/// The RDS engine matches the endpoint's engine, and the new instance's master user, master
/// password and database name follow that engine's rules (a restore takes them from the snapshot).
fn validate_rds_engine_rules(db: &Value, path: &AttrPath, side: super::schema::Side, diags: &mut Diagnostics) {
    let rp = path.then_attr("rds");
    let rds_block = db.get("rds");
    let engine = match (rds_block.get("engine"), side) {
        (Value::String(e), _) => e.clone(),
        (Value::Null, super::schema::Side::Target) => "postgres".to_string(),
        _ => return,
    };
    let Some(family) = rds::dms_engine_of(&engine) else { return };
    // engine_name left out is its default (validate sees the configuration, not the plan).
    let endpoint = match db.get("engine_name") {
        Value::Null => Some(side.default_engine()),
        v => v.as_str(),
    };
    if let Some(endpoint) = endpoint
        && endpoint != family
    {
        diags.error_at(
            rp.then_attr("engine"),
            "RDS engine does not match the endpoint",
            format!("The RDS engine {engine:?} is reached by the DMS engine {family:?}, but engine_name is {endpoint:?}; set engine_name = {family:?} or choose an RDS engine of the {endpoint} family."),
        );
    }
    if !rds_block.get("snapshot_identifier").is_null() {
        return;
    }
    if let Some(user) = rds_block.get("master_username").as_str()
        && let Err(why) = rds::master_username(&engine, user)
    {
        diags.error_at(rp.then_attr("master_username"), "Invalid master user name", why);
    }
    for attr in ["master_password", "master_password_wo"] {
        if let Some(pw) = rds_block.get(attr).as_str()
            && let Err(why) = rds::master_password(&engine, pw)
        {
            diags.error_at(rp.then_attr(attr), "Invalid master password", why);
        }
    }
    if let Some(name) = db.get("database_name").as_str()
        && let Err(why) = rds::db_name(&engine, name)
    {
        diags.error_at(path.then_attr("database_name"), "Invalid database name", why);
    }
}

/// The backup window may not overlap the maintenance window (RDS `PreferredBackupWindow`).
fn validate_windows(rds_block: &Value, rp: &AttrPath, diags: &mut Diagnostics) {
    let backup = rds_block.get("backup_window").as_str().and_then(|s| windows::daily(s).ok());
    let maintenance = rds_block.get("maintenance_window").as_str().and_then(|s| windows::weekly(s).ok());
    if let (Some(b), Some(m)) = (backup, maintenance)
        && windows::overlaps(b, m)
    {
        diags.error_at(
            rp.then_attr("backup_window"),
            "Backup window overlaps the maintenance window",
            format!(
                "backup_window {:?} overlaps maintenance_window {:?}; RDS needs them apart. Move one of them.",
                rds_block.get("backup_window").as_str().unwrap_or_default(),
                rds_block.get("maintenance_window").as_str().unwrap_or_default()
            ),
        );
    }
}

/// Known and not null. Conflict checks use this: during `terraform validate` variables are unknown,
/// and `x = var.a ? v : null` beside `x_wo = var.a ? null : v` must not look like both are set.
fn is_set(v: &Value) -> bool {
    !v.is_null() && !v.is_unknown()
}

fn validate_database(db: &Value, path: &AttrPath, side: super::schema::Side, diags: &mut Diagnostics) {
    if db.is_unknown() {
        return;
    }
    let rds = db.get("rds");
    let server = db.get("server_name");
    match (server.is_null(), rds.is_null()) {
        (false, false) if is_set(server) && is_set(rds) => diags.error_at(path.then_attr("server_name"), "Conflicting database location", "Set either server_name (an existing server) or an rds block (a database dmslink creates), not both."),
        (true, true) if !server.is_unknown() && !super::secrets_config::uses_secret(db) => diags.error_at(path.clone(), "Missing database location", "Set server_name (an existing server, e.g. on premises) or add an rds block for a database dmslink creates."),
        _ => {}
    }
    if !server.is_null() {
        for attr in ["username", "database_name"] {
            if db.get(attr).is_null() || db.get(attr).as_str() == Some("") {
                diags.error_at(
                    path.then_attr(attr),
                    "Missing connection setting",
                    format!("{attr} is required for an existing server; DMS needs it to connect."),
                );
            }
        }
        if db.get("password").is_null() && db.get("password_wo").is_null() {
            diags.error_at(
                path.then_attr("password"),
                "Missing password",
                "Set password (or password_wo on Terraform ≥ 1.11 or OpenTofu ≥ 1.11) for the account DMS connects with.",
            );
        }
    }
    super::secrets_config::validate_database(db, path, diags);
    super::engine_settings_checks::validate(db, path, side, diags);
    if let (Some(engine), Some(port)) = (db.get("engine_name").as_str(), db.get("port").as_i64()) {
        let usual: &[i64] = match engine {
            "oracle" => &[1521, 1526, 2484],
            "postgres" | "aurora-postgresql" => &[5432],
            "mysql" | "mariadb" | "aurora" => &[3306],
            "sqlserver" => &[1433],
            _ => &[],
        };
        if !usual.is_empty() && !usual.contains(&port) {
            diags.warning_at(
                path.then_attr("port"),
                "Unusual port for the engine",
                format!("{engine} usually listens on {usual:?}, not {port}; check the port."),
            );
        }
    }
    if let Some(m) = db.get("ssl_mode").as_str()
        && !["none", "require", "verify-ca", "verify-full"].contains(&m)
    {
        diags.error_at(
            path.then_attr("ssl_mode"),
            "Invalid SSL mode",
            format!("{m:?} is not a DMS SSL mode; use none, require, verify-ca or verify-full."),
        );
    }
    // DMS verifies the server against the endpoint's certificate: without one the connection
    // fails only at apply (the AWS provider's users meet it there).
    if let Some(m @ ("verify-ca" | "verify-full")) = db.get("ssl_mode").as_str()
        && db.get("certificate_arn").is_null()
        && db.get("certificate_pem").is_null()
    {
        diags.error_at(
            path.then_attr("certificate_arn"),
            "Missing certificate",
            format!("ssl_mode = {m:?} checks the server's certificate against a CA certificate imported into DMS: set certificate_pem = file(\"ca.pem\") (dmslink imports it), or certificate_arn (`aws dms import-certificate --certificate-identifier <name> --certificate-pem file://ca.pem` prints it), or use ssl_mode = \"require\"."),
        );
    }
    super::owned_certificate::validate_block(db, path, diags);
    if is_set(db.get("password")) && is_set(db.get("password_wo")) {
        diags.error_at(
            path.then_attr("password_wo"),
            "Conflicting passwords",
            "Set password or password_wo, not both.",
        );
    }
    if rds.is_null() || rds.is_unknown() {
        return;
    }
    let rp = path.then_attr("rds");
    let snapshot = rds.get("snapshot_identifier");
    let has_master_pw = !rds.get("master_password").is_null() || !rds.get("master_password_wo").is_null();
    let has_set_master_pw = is_set(rds.get("master_password")) || is_set(rds.get("master_password_wo"));
    if is_set(snapshot) && (is_set(rds.get("master_username")) || has_set_master_pw) {
        diags.error_at(rp.then_attr("snapshot_identifier"), "Conflicting RDS settings", "A restore takes its master credentials from the snapshot: set snapshot_identifier, or master_username with a master password, not both.");
    }
    if snapshot.is_null() && !snapshot.is_unknown() {
        if rds.get("master_username").is_null() {
            diags.error_at(
                rp.then_attr("master_username"),
                "Missing master username",
                "A new RDS instance needs master_username (or restore one with snapshot_identifier).",
            );
        }
        if !has_master_pw {
            diags.error_at(
                rp.then_attr("master_password"),
                "Missing master password",
                "A new RDS instance needs master_password (or master_password_wo on Terraform ≥ 1.11 or OpenTofu ≥ 1.11).",
            );
        }
        if side == super::schema::Side::Source && rds.get("engine").is_null() {
            diags.error_at(rp.then_attr("engine"), "Missing RDS engine", "A new source RDS instance needs engine, e.g. \"oracle-se2\" (or restore one with snapshot_identifier).");
        }
    }
    if is_set(rds.get("master_password")) && is_set(rds.get("master_password_wo")) {
        diags.error_at(
            rp.then_attr("master_password_wo"),
            "Conflicting passwords",
            "Set master_password or master_password_wo, not both.",
        );
    }
    if rds.get("skip_final_snapshot").as_bool() == Some(true) && is_set(rds.get("final_snapshot_identifier")) {
        diags.error_at(
            rp.then_attr("final_snapshot_identifier"),
            "Conflicting final snapshot settings",
            "skip_final_snapshot = true conflicts with final_snapshot_identifier; keep one.",
        );
    }
    if is_set(rds.get("kms_key_arn")) {
        if is_set(snapshot) {
            diags.error_at(rp.then_attr("kms_key_arn"), "Conflicting RDS settings", "A restore keeps the snapshot's KMS key (RestoreDBInstanceFromDBSnapshot takes none): remove kms_key_arn, or copy the snapshot with that key first (`aws rds copy-db-snapshot --kms-key-id`) and restore the copy.");
        }
        if rds.get("storage_encrypted").as_bool() == Some(false) {
            diags.error_at(
                rp.then_attr("kms_key_arn"),
                "Conflicting RDS settings",
                "A KMS key encrypts storage: set storage_encrypted = true (the default) or remove kms_key_arn.",
            );
        }
    }
    validate_rds_engine_rules(db, path, side, diags);
    validate_windows(rds, &rp, diags);
    if let Some(id) = rds.get("final_snapshot_identifier").as_str()
        && let Some(p) = identifier_problem(&id.to_ascii_lowercase(), 255)
    {
        diags.error_at(
            rp.then_attr("final_snapshot_identifier"),
            "Invalid snapshot identifier",
            format!("{id:?} {p}."),
        );
    }
}
