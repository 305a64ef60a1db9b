//! The bad-input matrix (issue 10): invalid configurations of the provider block, of `dmslink_main`,
//! `dmslink_repltask` and `dmslink_peering`, and of the `dmslink_main` and `dmslink_repltask_tables` data
//! sources, each planned with every CLI (the pinned 1.0.3 and the current one). Each must end in an
//! error diagnostic on its attribute (Terraform's source excerpt is the attribute's line, or the line of
//! the list element or map key) with a detail a user can act on, without a single call to any AWS
//! service (but those reading what the region offers, for a retired class or version, which only they
//! can refuse), and without a plugin crash.
//!
//! How it runs, per CLI: fixtures in the emulator (two VPCs, one tagged as a `dmslink_main` stack, a DMS
//! stack with a task); one `terraform init` (the other workdirs share its data directory); a valid
//! baseline of every group of cases planned first, so that the failures are the inputs' doing (the
//! groups whose valid plan reads AWS must have made calls there: then 0 calls for their invalid cases
//! means the input was refused before the read); then every case in [`WORKERS`] workdirs side by side,
//! each plan signed with its own access key, so that the emulator's request log tells whose calls are
//! whose. Values are literals (or locals), so Terraform's validate walk sees them; the passwords come
//! from locals, since a source excerpt shows the literal of the line it points at.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use dmslink_acctest::{
    Cli, Diagnostic, DmsStack, RunOutput, TestBed, Vpc, Workdir, fold_whitespace, hcl_string, parse_diagnostics,
};

const MODULE: &str = "bad-input";
/// Workdirs planning side by side. Measured on the 2-core machine (162 cases; Terraform 1.0.3 / 1.11.4):
/// 1 worker 103 s / 55 s, 2 workers 80 s / 36 s, 3 workers 82 s / 41 s.
const WORKERS: usize = 2;
/// The stack the `dmslink_main` data source looks up (its VPC fixture carries the ownership tags).
const LOOKUP_NAME: &str = "lookup";
const LOOKUP_ENVIRONMENT: &str = "dev";
const TASK_MAPPINGS: &str = r#"{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"HR","table-name":"%"},"rule-action":"include"}]}"#;

// ---- a small HCL model: blocks of attributes, rendered with the line of every attribute ---------

/// An attribute's value: inline HCL, or a list or map written one element per line, so that the
/// excerpt of a diagnostic on an element is that element's line.
#[derive(Clone, Debug)]
enum Expr {
    Raw(String),
    List(Vec<String>),
    Map(Vec<(String, String)>),
}

/// HCL as written: a number, `local.x`, `jsonencode(...)`.
fn raw(text: &str) -> Expr {
    Expr::Raw(text.to_string())
}

/// A string literal.
fn s(text: &str) -> Expr {
    Expr::Raw(hcl_string(text))
}

fn strings(items: &[&str]) -> Expr {
    Expr::List(items.iter().map(|i| hcl_string(i)).collect())
}

fn numbers(items: &[&str]) -> Expr {
    Expr::List(items.iter().map(|i| i.to_string()).collect())
}

fn map(pairs: &[(&str, &str)]) -> Expr {
    Expr::Map(pairs.iter().map(|(k, v)| (k.to_string(), hcl_string(v))).collect())
}

fn owned_map(pairs: Vec<(String, String)>) -> Expr {
    Expr::Map(pairs.into_iter().map(|(k, v)| (k, hcl_string(&v))).collect())
}

/// Where each attribute, list element and map entry of a rendered block is: key → (first line, last line).
type LineIndex = BTreeMap<String, (usize, usize)>;

#[derive(Clone, Debug)]
struct Block {
    /// `resource "dmslink_main" "stack"`, `network`.
    header: String,
    attrs: Vec<(String, Expr)>,
    blocks: Vec<Block>,
}

/// One step of a path: `source[1]`, `port`, `tags["aws:x"]`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Step {
    name: String,
    /// `1` or `"aws:x"` (quotes kept), when indexed.
    index: Option<String>,
}

/// `source[1].rds.engine` → steps; dots inside brackets (map keys) do not split.
fn steps(path: &str) -> Vec<Step> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ => {}
        }
        if c == '.' && depth == 0 {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| match p.split_once('[') {
            Some((name, rest)) => Step { name: name.to_string(), index: Some(rest.trim_end_matches(']').to_string()) },
            None => Step { name: p, index: None },
        })
        .collect()
}

impl Block {
    fn new(header: &str) -> Block {
        Block { header: header.to_string(), attrs: Vec::new(), blocks: Vec::new() }
    }

    fn attr(mut self, name: &str, value: Expr) -> Block {
        self.set_attr(name, value);
        self
    }

    fn block(mut self, block: Block) -> Block {
        self.blocks.push(block);
        self
    }

    fn set_attr(&mut self, name: &str, value: Expr) {
        match self.attrs.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.attrs.push((name.to_string(), value)),
        }
    }

    /// The `index`-th nested block `name`; a new empty one when `index` is one past the last.
    fn child(&mut self, name: &str, index: usize) -> &mut Block {
        let positions: Vec<usize> =
            self.blocks.iter().enumerate().filter(|(_, b)| b.header == name).map(|(i, _)| i).collect();
        let at = match positions.get(index) {
            Some(&at) => at,
            None => {
                assert_eq!(index, positions.len(), "no block {name}[{index}] to edit");
                self.blocks.push(Block::new(name));
                self.blocks.len() - 1
            }
        };
        &mut self.blocks[at]
    }

    /// The block a `path` leads to, and the attribute name at its end.
    fn walk(&mut self, path: &str) -> (&mut Block, String) {
        let mut all = steps(path);
        let attr = all.pop().expect("a path has an attribute");
        assert!(attr.index.is_none(), "edit the whole attribute, not {path}");
        let mut block = self;
        for step in all {
            let i = step.index.as_deref().map_or(0, |i| i.parse().expect("a block index"));
            block = block.child(&step.name, i);
        }
        (block, attr.name)
    }

    fn set(&mut self, path: &str, value: Expr) {
        let (block, attr) = self.walk(path);
        block.set_attr(&attr, value);
    }

    fn remove(&mut self, path: &str) {
        let (block, attr) = self.walk(path);
        let before = block.attrs.len();
        block.attrs.retain(|(n, _)| *n != attr);
        assert_ne!(before, block.attrs.len(), "no attribute {path} to remove");
    }

    /// Appends the block's lines; `index` gets `<key>` → (first line, last line) of every attribute,
    /// list element and map entry, keyed `source[1].port`, `ports[0]`, `tags["aws:x"]` under `key`.
    fn render(&self, depth: usize, key: &str, lines: &mut Vec<String>, index: &mut LineIndex) {
        let pad = "  ".repeat(depth);
        lines.push(format!("{pad}{} {{", self.header));
        let inner = "  ".repeat(depth + 1);
        for (name, value) in &self.attrs {
            let attr_key = format!("{key}{name}");
            let first = lines.len() + 1;
            match value {
                Expr::Raw(text) => lines.push(format!("{inner}{name} = {text}")),
                Expr::List(items) if items.is_empty() => lines.push(format!("{inner}{name} = []")),
                Expr::Map(pairs) if pairs.is_empty() => lines.push(format!("{inner}{name} = {{}}")),
                Expr::List(items) => {
                    lines.push(format!("{inner}{name} = ["));
                    for (i, item) in items.iter().enumerate() {
                        lines.push(format!("{inner}  {item},"));
                        index.insert(format!("{attr_key}[{i}]"), (lines.len(), lines.len()));
                    }
                    lines.push(format!("{inner}]"));
                }
                Expr::Map(pairs) => {
                    lines.push(format!("{inner}{name} = {{"));
                    for (k, v) in pairs {
                        lines.push(format!("{inner}  {} = {v}", hcl_string(k)));
                        index.insert(format!("{attr_key}[{}]", hcl_string(k)), (lines.len(), lines.len()));
                    }
                    lines.push(format!("{inner}}}"));
                }
            }
            index.insert(attr_key, (first, lines.len()));
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for b in &self.blocks {
            let n = seen.entry(b.header.as_str()).or_insert(0);
            b.render(depth + 1, &format!("{key}{}[{n}].", b.header), lines, index);
            *n += 1;
        }
        lines.push(format!("{pad}}}"));
    }
}

/// The attribute a path names: `ports[1]` → `ports`, `tags["k"]` → `tags`, `network.vpc_cidr` itself.
fn attribute_of(path: &str) -> String {
    let mut all = steps(path);
    if let Some(last) = all.last_mut() {
        last.index = None;
    }
    all.iter()
        .map(|st| match &st.index {
            Some(ix) => format!("{}[{ix}]", st.name),
            None => st.name.clone(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// `source.rds.engine` → `source[0].rds[0].engine`, the keys [`Block::render`] writes.
fn canonical(path: &str) -> String {
    let all = steps(path);
    let last = all.len() - 1;
    all.iter()
        .enumerate()
        .map(|(i, st)| match (&st.index, i == last) {
            (Some(ix), _) => format!("{}[{ix}]", st.name),
            (None, false) => format!("{}[0]", st.name),
            (None, true) => st.name.clone(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

// ---- the groups of cases and their valid baselines ------------------------------------------------

/// Which blocks a case's configuration holds, and which of them the case breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    /// The provider block, with the tables data source (read at plan) using it.
    Provider,
    Main,
    Repltask,
    Peering,
    DataMain,
    DataTables,
}

impl Group {
    const ALL: [Group; 6] =
        [Group::Provider, Group::Main, Group::Repltask, Group::Peering, Group::DataMain, Group::DataTables];

    fn label(self) -> &'static str {
        match self {
            Group::Provider => "provider",
            Group::Main => "dmslink_main",
            Group::Repltask => "dmslink_repltask",
            Group::Peering => "dmslink_peering",
            Group::DataMain => "data dmslink_main",
            Group::DataTables => "data dmslink_repltask_tables",
        }
    }

    /// The valid plan reads AWS (the peering reads both VPCs; data sources read at plan; creating
    /// `dmslink_main` reads what the region offers). Creating `dmslink_repltask` calls nothing at plan.
    fn reads_at_plan(self) -> bool {
        !matches!(self, Group::Repltask)
    }
}

/// What the fixtures made, for the baselines.
struct Ids {
    endpoint: String,
    dms_vpc: Vpc,
    app_vpc: Vpc,
    stack: DmsStack,
    task_arn: String,
}

/// A case's whole configuration: the provider block, locals, and the group's blocks.
#[derive(Clone, Debug)]
struct Config {
    provider: Block,
    locals: Vec<(String, Expr)>,
    blocks: Vec<Block>,
    /// Address of the block a case edits (`provider`, `dmslink_main.stack`, `data.dmslink_main.lookup`).
    subject: &'static str,
}

impl Config {
    fn subject_mut(&mut self) -> &mut Block {
        if self.subject == "provider" { &mut self.provider } else { &mut self.blocks[0] }
    }

    /// main.tf, and where each attribute of the subject block is: path → (first line, last line).
    fn render(&self, title: &str) -> (String, LineIndex) {
        let mut lines = vec![format!("# Written by tests/tests/bad_input.rs: {title}.")];
        let mut index = BTreeMap::new();
        let mut scratch = BTreeMap::new();
        let provider_index = if self.subject == "provider" { &mut index } else { &mut scratch };
        self.provider.render(0, "", &mut lines, provider_index);
        if !self.locals.is_empty() {
            lines.push(String::new());
            Block { header: "locals".into(), attrs: self.locals.clone(), blocks: Vec::new() }.render(
                0,
                "local.",
                &mut lines,
                &mut scratch,
            );
        }
        for (i, block) in self.blocks.iter().enumerate() {
            lines.push(String::new());
            let target = if i == 0 && self.subject != "provider" { &mut index } else { &mut scratch };
            block.render(0, "", &mut lines, target);
        }
        lines.push(String::new());
        (lines.join("\n"), index)
    }
}

fn provider_block(endpoint: &str) -> Block {
    let mut endpoints = Block::new("endpoints");
    for service in ["dms", "ec2", "rds", "iam", "sts", "s3"] {
        endpoints = endpoints.attr(service, s(endpoint));
    }
    Block::new(r#"provider "dmslink""#)
        .attr("region", s(dmslink_acctest::REGION))
        .attr("skip_credentials_validation", raw("true"))
        .attr("max_retries", raw("2"))
        .block(endpoints)
        .block(Block::new("default_tags").attr("tags", map(&[("created_by", "bad-input-matrix")])))
}

fn timeouts(create: &str, update: &str, delete: &str) -> Block {
    Block::new("timeouts").attr("create", s(create)).attr("update", s(update)).attr("delete", s(delete))
}

/// A stack valid under every rule of issue 10: an Oracle source restored from a snapshot, an
/// on-premises Oracle source, a Postgres target made new, windows that do not overlap.
fn main_block() -> Block {
    Block::new(r#"resource "dmslink_main" "stack""#)
        .attr("name", s("badinput"))
        .attr("environment", s("dev"))
        .attr("dms_vpc_role", s("check"))
        .attr("tags", map(&[("app", "dblink"), ("team", "data")]))
        .block(
            Block::new("network")
                .attr("vpc_cidr", s("10.20.0.0/24"))
                .attr("availability_zones", strings(&["ap-southeast-2a", "ap-southeast-2b"]))
                .attr("subnet_cidrs", strings(&["10.20.0.0/26", "10.20.0.64/26"]))
                .attr("amazon_side_asn", raw("64512")),
        )
        .block(
            Block::new("source")
                .attr("name", s("geodesy"))
                .attr("engine_name", s("oracle"))
                .attr("port", raw("1521"))
                .attr("database_name", s("ORCL"))
                .attr("username", s("dms_reader"))
                .attr("password", raw("local.source_password"))
                .attr("ssl_mode", s("none"))
                .block(
                    Block::new("rds")
                        .attr("snapshot_identifier", s("badinput-oracle-snapshot"))
                        .attr("engine", s("oracle-ee"))
                        .attr("instance_class", s("db.t3.medium"))
                        .attr("allocated_storage", raw("100")),
                ),
        )
        .block(
            Block::new("source")
                .attr("name", s("onprem"))
                .attr("engine_name", s("oracle"))
                .attr("server_name", s("db1.example.com"))
                .attr("port", raw("1521"))
                .attr("database_name", s("ORCL"))
                .attr("username", s("dms_reader"))
                .attr("password", raw("local.source_password"))
                .attr("extra_connection_attributes", s("useLogMinerReader=N;useBfile=Y")),
        )
        .block(
            Block::new("target")
                .attr("engine_name", s("postgres"))
                .attr("port", raw("5432"))
                .attr("database_name", s("dblink"))
                .attr("username", s("dmsadmin"))
                .attr("password", raw("local.target_password"))
                .block(
                    Block::new("rds")
                        .attr("engine", s("postgres"))
                        .attr("instance_class", s("db.t3.medium"))
                        .attr("allocated_storage", raw("20"))
                        .attr("master_username", s("dmsadmin"))
                        .attr("master_password", raw("local.target_password"))
                        .attr("backup_retention_period", raw("7"))
                        .attr("backup_window", s("03:00-03:30"))
                        .attr("maintenance_window", s("sun:04:00-sun:04:30")),
                ),
        )
        .block(
            Block::new("replication_instance")
                .attr("replication_instance_class", s("dms.t3.medium"))
                .attr("allocated_storage", raw("50"))
                .attr("preferred_maintenance_window", s("sun:05:00-sun:05:30")),
        )
        .block(timeouts("60m", "2h", "30m"))
}

fn repltask_block(ids: &Ids) -> Block {
    Block::new(r#"resource "dmslink_repltask" "task""#)
        .attr("replication_task_id", s("badinput-task"))
        .attr("migration_type", s("full-load-and-cdc"))
        .attr("replication_instance_arn", s(ids.stack.replication_instance_arn()))
        .attr("source_endpoint_arn", s(&ids.stack.source_endpoint_arn))
        .attr("target_endpoint_arn", s(&ids.stack.target_endpoint_arn))
        .attr("table_mappings", s(TASK_MAPPINGS))
        .attr("replication_task_settings", s(r#"{"FullLoadSettings":{"MaxFullLoadSubTasks":2}}"#))
        .attr("tags", map(&[("app", "dblink")]))
        .block(timeouts("30m", "1h", "30m"))
}

fn peering_block(ids: &Ids) -> Block {
    Block::new(r#"resource "dmslink_peering" "peer""#)
        .attr("vpc_id", s(&ids.dms_vpc.vpc_id))
        .attr("peer_vpc_id", s(&ids.app_vpc.vpc_id))
        .attr("security_group_id", s(ids.dms_vpc.security_group()))
        .attr("ports", numbers(&["5432", "1521"]))
        .attr("tags", map(&[("app", "dblink")]))
        .block(timeouts("30m", "30m", "30m"))
}

fn data_main_block() -> Block {
    Block::new(r#"data "dmslink_main" "lookup""#)
        .attr("name", s(LOOKUP_NAME))
        .attr("environment", s(LOOKUP_ENVIRONMENT))
}

fn data_tables_block(ids: &Ids) -> Block {
    Block::new(r#"data "dmslink_repltask_tables" "tables""#).attr("replication_task_arn", s(&ids.task_arn))
}

/// The valid configuration of `group`.
fn baseline(group: Group, ids: &Ids) -> Config {
    let (blocks, subject) = match group {
        Group::Provider => (vec![data_tables_block(ids)], "provider"),
        Group::Main => (vec![main_block()], "dmslink_main.stack"),
        Group::Repltask => (vec![repltask_block(ids)], "dmslink_repltask.task"),
        Group::Peering => (vec![peering_block(ids)], "dmslink_peering.peer"),
        Group::DataMain => (vec![data_main_block()], "data.dmslink_main.lookup"),
        Group::DataTables => (vec![data_tables_block(ids)], "data.dmslink_repltask_tables.tables"),
    };
    Config {
        provider: provider_block(&ids.endpoint),
        locals: vec![
            ("source_password".to_string(), s("Source-Passw0rd")),
            ("target_password".to_string(), s("Target-Passw0rd")),
        ],
        blocks,
        subject,
    }
}

// ---- the cases ----------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Edit {
    Set(String, Expr),
    Remove(String),
    Local(String, Expr),
}

/// One invalid configuration: the group's baseline with `edits`; the error must point at one of
/// `paths` (relative to the edited block), its text must contain `phrase` when given, and the output
/// must never show `secret`.
#[derive(Clone, Debug)]
struct Case {
    group: Group,
    name: String,
    edits: Vec<Edit>,
    paths: Vec<String>,
    phrase: Option<String>,
    secret: Option<String>,
    /// The refusal needs what the region offers: these calls (only) are expected.
    reads_the_offer: bool,
}

/// The calls that tell what the region offers (and a restore's snapshot), made at plan once the
/// configuration is otherwise valid.
const OFFER_CALLS: [&str; 5] = [
    "dms:DescribeEngineVersions",
    "dms:DescribeOrderableReplicationInstances",
    "rds:DescribeDBEngineVersions",
    "rds:DescribeOrderableDBInstanceOptions",
    "rds:DescribeDBSnapshots",
];

impl Case {
    fn new(group: Group, name: &str) -> Case {
        Case {
            group,
            name: name.to_string(),
            edits: Vec::new(),
            paths: Vec::new(),
            phrase: None,
            secret: None,
            reads_the_offer: false,
        }
    }

    /// Sets `path` to `value`; the first one set is where the error is expected unless [`Case::at`] says.
    fn set(mut self, path: &str, value: Expr) -> Case {
        if self.paths.is_empty() {
            self.paths.push(path.to_string());
        }
        self.edits.push(Edit::Set(path.to_string(), value));
        self
    }

    fn remove(mut self, path: &str) -> Case {
        self.edits.push(Edit::Remove(path.to_string()));
        self
    }

    fn local(mut self, name: &str, value: Expr) -> Case {
        self.edits.push(Edit::Local(name.to_string(), value));
        self
    }

    /// The error is expected at `path` (an attribute, or an element or key of it).
    fn at(mut self, path: &str) -> Case {
        self.paths = vec![path.to_string()];
        self
    }

    /// ... or at `path`, e.g. either window of an overlapping pair.
    fn or_at(mut self, path: &str) -> Case {
        self.paths.push(path.to_string());
        self
    }

    /// The error's summary or detail must contain `phrase` (case and spacing ignored).
    fn says(mut self, phrase: &str) -> Case {
        self.phrase = Some(phrase.to_string());
        self
    }

    fn secret(mut self, secret: &str) -> Case {
        self.secret = Some(secret.to_string());
        self
    }

    /// The refusal comes from the region's offer, read at plan ([`OFFER_CALLS`]).
    fn reads_the_offer(mut self) -> Case {
        self.reads_the_offer = true;
        self
    }

    fn config(&self, ids: &Ids) -> Config {
        let mut config = baseline(self.group, ids);
        for edit in &self.edits {
            match edit {
                Edit::Set(path, value) => config.subject_mut().set(path, value.clone()),
                Edit::Remove(path) => config.subject_mut().remove(path),
                Edit::Local(name, value) => config.locals.push((name.clone(), value.clone())),
            }
        }
        config
    }
}

/// The common shape: `path` set to `value`, the error expected there.
fn bad(group: Group, name: &str, path: &str, value: Expr) -> Case {
    Case::new(group, name).set(path, value)
}

/// A master password the rules refuse, passed through a local so that no excerpt shows it; the output
/// must not contain it anywhere.
fn bad_master_password(name: &str, password: &str) -> Case {
    Case::new(Group::Main, name)
        .local("bad_password", s(password))
        .set("target.rds.master_password", raw("local.bad_password"))
        .secret(password)
}

/// `n` tags `k1 = v`, ... `kn = v`.
fn many_tags(n: usize) -> Expr {
    owned_map((1..=n).map(|i| (format!("k{i}"), "v".to_string())).collect())
}

/// The invalid configurations of every group. Cases for the rules of issue 10 and for the rules that
/// were there before it, one table.
fn cases(ids: &Ids) -> Vec<Case> {
    use Group::*;
    let huge = "10000000000000000000s";
    let long_key = "k".repeat(129);
    let long_value = "v".repeat(257);
    let other_region_task = ids.task_arn.replace(dmslink_acctest::REGION, "us-east-1");
    let other_region_source = ids.stack.source_endpoint_arn.replace(dmslink_acctest::REGION, "us-east-1");
    let rule = |body: &str| s(&format!(r#"{{"rules": [{{{body}}}]}}"#));
    let mut all = vec![
        // -- the provider block
        bad(Provider, "region that is no region name", "region", s("mars")),
        bad(Provider, "region in upper case", "region", s("AP-SOUTHEAST-2")),
        bad(Provider, "endpoint without a scheme", "endpoints.dms", s("127.0.0.1:4566")),
        bad(Provider, "endpoint with an ftp scheme", "endpoints.ec2", s("ftp://127.0.0.1:4566")),
        bad(Provider, "endpoint with port 99999", "endpoints.rds", s("http://127.0.0.1:99999")),
        bad(Provider, "endpoint with a space in the host", "endpoints.iam", s("http://bad host:4566")),
        bad(Provider, "max_retries -1", "max_retries", raw("-1")),
        bad(Provider, "max_retries 2.5", "max_retries", raw("2.5")),
        bad(Provider, "max_retries 101", "max_retries", raw("101")).says("100"),
        bad(Provider, "assume_role role_arn of another service", "assume_role.role_arn", s("arn:aws:s3:::bucket")),
        bad(Provider, "assume_role session_name of one character", "assume_role.session_name", s("x"))
            .set("assume_role.role_arn", s("arn:aws:iam::123456789012:role/deployer"))
            .at("assume_role.session_name"),
        bad(Provider, "assume_role external_id with a space", "assume_role.external_id", s("has space"))
            .set("assume_role.role_arn", s("arn:aws:iam::123456789012:role/deployer"))
            .at("assume_role.external_id"),
        bad(Provider, "default_tags key with the aws: prefix", "default_tags.tags", map(&[("aws:team", "data")]))
            .at(r#"default_tags.tags["aws:team"]"#),
        bad(Provider, "default_tags key with the dmslink: prefix", "default_tags.tags", map(&[("dmslink:stack", "x")]))
            .at(r#"default_tags.tags["dmslink:stack"]"#),
        bad(Provider, "default_tags value of 257 characters", "default_tags.tags", map(&[("team", &long_value)]))
            .at(r#"default_tags.tags["team"]"#),
        // -- dmslink_main: names
        bad(Main, "stack name with upper case", "name", s("BadInput")),
        bad(Main, "stack name of 25 characters", "name", s(&"a".repeat(25))),
        bad(Main, "stack name ending with a hyphen", "name", s("badinput-")),
        bad(Main, "environment with an underscore", "environment", s("dev_1")),
        bad(Main, "environment of 13 characters", "environment", s(&"e".repeat(13))),
        bad(Main, "dms_vpc_role neither check nor create", "dms_vpc_role", s("maybe")),
        bad(Main, "source name with upper case", "source[0].name", s("GeoDesy")),
        bad(Main, "two sources of one name", "source[1].name", s("geodesy")),
        // -- dmslink_main: network
        bad(Main, "vpc_cidr with prefix /33", "network.vpc_cidr", s("10.20.0.0/33")),
        bad(Main, "vpc_cidr with host bits", "network.vpc_cidr", s("10.20.0.1/24")),
        bad(Main, "vpc_cidr that is no CIDR", "network.vpc_cidr", s("banana")),
        // AWS takes VPC blocks from /16 to /28 (CreateVpc refuses others with InvalidVpc.Range).
        bad(Main, "vpc_cidr /8 (larger than AWS allows)", "network.vpc_cidr", s("10.0.0.0/8"))
            .set("network.subnet_cidrs", strings(&["10.0.0.0/26", "10.0.0.64/26"]))
            .at("network.vpc_cidr"),
        bad(Main, "subnet outside the VPC", "network.subnet_cidrs", strings(&["10.20.0.0/26", "10.99.0.0/26"]))
            .at("network.subnet_cidrs[1]"),
        bad(Main, "overlapping subnets", "network.subnet_cidrs", strings(&["10.20.0.0/26", "10.20.0.32/27"]))
            .at("network.subnet_cidrs[1]"),
        bad(Main, "subnet smaller than /28", "network.subnet_cidrs", strings(&["10.20.0.0/26", "10.20.0.64/29"]))
            .at("network.subnet_cidrs[1]"),
        bad(Main, "subnet that is no CIDR", "network.subnet_cidrs", strings(&["10.20.0.0/26", "10.20.0.64"]))
            .at("network.subnet_cidrs[1]"),
        bad(
            Main,
            "three subnets for two zones",
            "network.subnet_cidrs",
            strings(&["10.20.0.0/26", "10.20.0.64/26", "10.20.0.128/26"]),
        ),
        bad(Main, "one availability zone", "network.availability_zones", strings(&["ap-southeast-2a"]))
            .set("network.subnet_cidrs", strings(&["10.20.0.0/26"]))
            .at("network.availability_zones"),
        bad(
            Main,
            "the same availability zone twice",
            "network.availability_zones",
            strings(&["ap-southeast-2a", "ap-southeast-2a"]),
        ),
        bad(Main, "availability zone that is no zone", "network.availability_zones", strings(&["ap-southeast-2a", "mars"]))
            .at("network.availability_zones[1]"),
        bad(Main, "amazon_side_asn 1", "network.amazon_side_asn", raw("1")).says("64512"),
        bad(Main, "amazon_side_asn 65535 (between the ranges)", "network.amazon_side_asn", raw("65535")),
        bad(Main, "amazon_side_asn 4294967295", "network.amazon_side_asn", raw("4294967295")),
        bad(Main, "amazon_side_asn 64512.5", "network.amazon_side_asn", raw("64512.5")),
        // -- dmslink_main: endpoints
        bad(Main, "source port 1521.5", "source[0].port", raw("1521.5")),
        bad(Main, "source port 0", "source[1].port", raw("0")),
        bad(Main, "target port 70000", "target.port", raw("70000")).says("65535"),
        bad(Main, "engine_name of an RDS engine (oracle-ee)", "source[0].engine_name", s("oracle-ee")),
        bad(Main, "engine_name postgresql", "target.engine_name", s("postgresql")),
        bad(Main, "ssl_mode sometimes", "source[1].ssl_mode", s("sometimes")),
        bad(Main, "server_name with a space", "source[1].server_name", s("db1 example.com")),
        bad(Main, "server_name with an empty label", "source[1].server_name", s("db1..example.com")),
        bad(Main, "server_name beside an rds block", "source[1].server_name", s("db1.example.com"))
            .set("source[1].rds.snapshot_identifier", s("onprem-snapshot"))
            .at("source[1].server_name"),
        bad(Main, "empty username of an existing server", "source[1].username", s("")),
        bad(Main, "empty database_name of an existing server", "source[1].database_name", s("")),
        bad(Main, "database_name of a new Postgres with a hyphen", "target.database_name", s("db-link")),
        bad(Main, "extra_connection_attributes without =", "source[1].extra_connection_attributes", s("useLogMinerReader")),
        bad(Main, "extra_connection_attributes with an empty key", "source[1].extra_connection_attributes", s("useBfile=Y;=N")),
        bad(Main, "password_wo_version -1", "source[1].password_wo_version", raw("-1")),
        bad(Main, "master_password_wo_version 1.5", "target.rds.master_password_wo_version", raw("1.5")),
        // -- dmslink_main: RDS
        bad(Main, "rds allocated_storage 20.5", "target.rds.allocated_storage", raw("20.5")),
        bad(Main, "rds allocated_storage 19", "target.rds.allocated_storage", raw("19")).says("20"),
        bad(Main, "rds allocated_storage 65537", "target.rds.allocated_storage", raw("65537")).says("65536"),
        bad(Main, "backup_retention_period 99999999999", "target.rds.backup_retention_period", raw("99999999999")),
        bad(Main, "backup_retention_period -1", "target.rds.backup_retention_period", raw("-1")),
        bad(Main, "backup_retention_period 36", "target.rds.backup_retention_period", raw("36")).says("35"),
        bad(Main, "backup_retention_period 7.5", "target.rds.backup_retention_period", raw("7.5")),
        bad(Main, "backup_window in words", "target.rds.backup_window", s("3am-4am")),
        bad(Main, "backup_window at hour 24", "target.rds.backup_window", s("24:00-24:30")),
        bad(Main, "backup_window of 15 minutes", "target.rds.backup_window", s("03:00-03:15")).says("30"),
        bad(Main, "backup_window overlapping the maintenance window", "target.rds.backup_window", s("04:10-04:40"))
            .or_at("target.rds.maintenance_window"),
        bad(Main, "maintenance_window without days", "target.rds.maintenance_window", s("04:00-04:30")),
        bad(Main, "maintenance_window with a day that is none", "target.rds.maintenance_window", s("sun:04:00-xyz:04:30")),
        bad(Main, "maintenance_window of 10 minutes", "target.rds.maintenance_window", s("sun:04:00-sun:04:10")),
        bad(Main, "instance_class without db.", "target.rds.instance_class", s("t3.medium")),
        bad(Main, "instance_class db.t3 (no size)", "target.rds.instance_class", s("db.t3")),
        bad(Main, "rds engine postgresql (no RDS engine)", "target.rds.engine", s("postgresql")),
        bad(Main, "rds engine mysql under engine_name postgres", "target.rds.engine", s("mysql")).or_at("target.engine_name"),
        bad(Main, "rds engine postgres under engine_name oracle", "source[0].rds.engine", s("postgres"))
            .or_at("source[0].engine_name"),
        bad(Main, "engine_version fifteen", "target.rds.engine_version", s("fifteen")),
        bad(Main, "snapshot_identifier with a space", "source[0].rds.snapshot_identifier", s("oracle snapshot")),
        bad(
            Main,
            "snapshot_identifier that is a DB instance ARN",
            "source[0].rds.snapshot_identifier",
            s("arn:aws:rds:ap-southeast-2:123456789012:db:orcl"),
        ),
        bad(Main, "snapshot_identifier beside master_username", "source[0].rds.snapshot_identifier", s("snap-1"))
            .set("source[0].rds.master_username", s("admin"))
            .at("source[0].rds.snapshot_identifier"),
        bad(Main, "master_username starting with a digit", "target.rds.master_username", s("1admin")),
        bad(Main, "master_username of 64 characters", "target.rds.master_username", s(&"a".repeat(64))),
        bad_master_password("master_password of 7 characters", "Sh0rt!x"),
        bad_master_password("master_password with a space", "Has Space 123"),
        bad_master_password("master_password with a slash", "Sl/ash-Pass123"),
        bad_master_password("master_password with an at sign", "At@Sign-Pass123"),
        bad_master_password("master_password with a double quote", "Quote\"Pass123"),
        bad_master_password("master_password with a non-ASCII letter", "Pässwört-123"),
        bad(Main, "final_snapshot_identifier with an underscore", "target.rds.final_snapshot_identifier", s("final_snap")),
        bad(Main, "final_snapshot_identifier beside skip_final_snapshot", "target.rds.final_snapshot_identifier", s("final"))
            .set("target.rds.skip_final_snapshot", raw("true"))
            .at("target.rds.final_snapshot_identifier"),
        // -- dmslink_main: replication instance
        bad(Main, "replication instance storage 4", "replication_instance.allocated_storage", raw("4")).says("6144"),
        bad(Main, "replication instance storage 6145", "replication_instance.allocated_storage", raw("6145")),
        bad(Main, "replication instance storage 50.5", "replication_instance.allocated_storage", raw("50.5")),
        bad(Main, "replication instance class without dms.", "replication_instance.replication_instance_class", s("t3.medium")),
        bad(Main, "replication instance class dms.large", "replication_instance.replication_instance_class", s("dms.large")),
        bad(Main, "replication instance engine_version latest", "replication_instance.engine_version", s("latest")),
        // Well formed but retired (issue 13): refused at plan against the region's offer.
        bad(Main, "retired replication instance class dms.t2.micro", "replication_instance.replication_instance_class", s("dms.t2.micro"))
            .says("not offered in ap-southeast-2 for DMS engine 3.5.4. Offered: dms.t3.small, dms.t3.medium")
            .reads_the_offer(),
        bad(Main, "retired DMS engine version 1.9.0", "replication_instance.engine_version", s("1.9.0"))
            .says("Offered: 3.5.4 (the default), 3.6.1")
            .reads_the_offer(),
        bad(Main, "retired DB instance class db.t2.micro", "target.rds.instance_class", s("db.t2.micro"))
            .says("for postgres 18.3. Offered: db.t3.micro")
            .reads_the_offer(),
        bad(Main, "retired postgres 9.3.14", "target.rds.engine_version", s("9.3.14"))
            .says("not offered in ap-southeast-2 for postgres")
            .reads_the_offer(),
        bad(Main, "preferred_maintenance_window whenever", "replication_instance.preferred_maintenance_window", s("whenever")),
        bad(
            Main,
            "preferred_maintenance_window of 20 minutes over midnight",
            "replication_instance.preferred_maintenance_window",
            s("sat:23:50-sun:00:10"),
        ),
        // -- dmslink_main: timeouts
        bad(Main, "timeouts update 10000000000000000000s", "timeouts.update", s(huge)),
        bad(Main, "timeouts create 200h", "timeouts.create", s("200h")).says("7 days"),
        bad(Main, "timeouts delete soon", "timeouts.delete", s("soon")),
        bad(Main, "timeouts create -5m", "timeouts.create", s("-5m")),
        // -- dmslink_repltask (its earlier invalid-input cases, now with literals, and more)
        bad(Repltask, "malformed table_mappings JSON", "table_mappings", s(r#"{"rules": [ {"rule-type": "selection", "#)),
        bad(
            Repltask,
            "rule without rule-type",
            "table_mappings",
            rule(r#""rule-id": "1", "rule-name": "1", "object-locator": {"schema-name": "A", "table-name": "%"}, "rule-action": "include""#),
        ),
        bad(
            Repltask,
            "rule without rule-id",
            "table_mappings",
            rule(r#""rule-type": "selection", "rule-name": "1", "object-locator": {"schema-name": "A", "table-name": "%"}, "rule-action": "include""#),
        ),
        bad(
            Repltask,
            "rule without rule-action",
            "table_mappings",
            rule(r#""rule-type": "selection", "rule-id": "1", "rule-name": "1", "object-locator": {"schema-name": "A", "table-name": "%"}"#),
        ),
        bad(
            Repltask,
            "unknown rule-type",
            "table_mappings",
            rule(r#""rule-type": "teleport", "rule-id": "1", "rule-name": "1", "object-locator": {"schema-name": "A", "table-name": "%"}, "rule-action": "include""#),
        ),
        bad(Repltask, "table_mappings without rules", "table_mappings", s(r#"{"rules": []}"#)),
        bad(
            Repltask,
            "table_mappings without a selection rule",
            "table_mappings",
            rule(r#""rule-type": "transformation", "rule-id": "1", "rule-name": "1", "rule-target": "schema", "object-locator": {"schema-name": "HR"}, "rule-action": "rename", "value": "HR2""#),
        )
        .says("selection"),
        bad(Repltask, "table_mappings that is a list", "table_mappings", s("[]")),
        bad(Repltask, "migration_type sideways", "migration_type", s("sideways")),
        bad(Repltask, "source_endpoint_arn of a replication instance", "source_endpoint_arn", s(ids.stack.replication_instance_arn())),
        bad(Repltask, "source_endpoint_arn in another region", "source_endpoint_arn", s(&other_region_source)),
        bad(Repltask, "source_endpoint_arn that is no ARN", "source_endpoint_arn", s("not-an-arn")),
        bad(Repltask, "target_endpoint_arn of an S3 bucket", "target_endpoint_arn", s("arn:aws:s3:::bucket")),
        bad(Repltask, "replication_instance_arn of an endpoint", "replication_instance_arn", s(&ids.stack.target_endpoint_arn)),
        bad(Repltask, "task id starting with a digit", "replication_task_id", s("1abc")),
        bad(Repltask, "task id with two hyphens in a row", "replication_task_id", s("a--b")),
        bad(Repltask, "task id ending with a hyphen", "replication_task_id", s("abc-")),
        bad(Repltask, "task id of 256 characters", "replication_task_id", s(&"a".repeat(256))),
        bad(Repltask, "task id with an underscore", "replication_task_id", s("a_b")),
        bad(Repltask, "task settings that are a list", "replication_task_settings", s("[1, 2]")),
        bad(Repltask, "task settings that are no JSON", "replication_task_settings", s("{not json")),
        bad(
            Repltask,
            "task settings with the read-only log group",
            "replication_task_settings",
            s(r#"{"Logging": {"CloudWatchLogGroup": "x"}}"#),
        ),
        bad(
            Repltask,
            "task settings with EnableLogContext but no EnableLogging",
            "replication_task_settings",
            s(r#"{"Logging": {"EnableLogContext": true}}"#),
        ),
        bad(Repltask, "cdc_start_time yesterday", "cdc_start_time", s("yesterday")),
        bad(Repltask, "empty cdc_start_position", "cdc_start_position", s("")),
        bad(Repltask, "cdc_start_time beside cdc_start_position", "cdc_start_position", s("checkpoint:V1#1"))
            .set("cdc_start_time", s("2026-01-02T15:04:05Z"))
            .at("cdc_start_position"),
        bad(Repltask, "cdc_start_time on a full-load task", "cdc_start_time", s("2026-01-02T15:04:05Z"))
            .set("migration_type", s("full-load"))
            .at("cdc_start_time"),
        bad(Repltask, "timeouts update 10000000000000000000s", "timeouts.update", s(huge)),
        bad(Repltask, "timeouts create 200h", "timeouts.create", s("200h")),
        bad(Repltask, "timeouts delete 1d", "timeouts.delete", s("1d")),
        // -- dmslink_peering
        bad(Peering, "vpc_id that is no VPC id", "vpc_id", s("vpc-xyz")),
        bad(Peering, "peer_vpc_id of a subnet", "peer_vpc_id", s("subnet-0123456789abcdef0")),
        bad(Peering, "a VPC peering with itself", "peer_vpc_id", s(&ids.dms_vpc.vpc_id)),
        bad(Peering, "peer_owner_id of 5 digits", "peer_owner_id", s("12345")),
        bad(Peering, "peer_region mars", "peer_region", s("mars")),
        bad(Peering, "route_table_ids with no route table id", "route_table_ids", strings(&["rtb-nothex!!"])),
        bad(Peering, "peer_route_table_ids with a VPC id", "peer_route_table_ids", strings(&["vpc-01234567"])),
        bad(Peering, "security_group_id too short", "security_group_id", s("sg-123")),
        bad(Peering, "port 0", "ports", numbers(&["5432", "0"])).at("ports[1]"),
        bad(Peering, "port 65536", "ports", numbers(&["65536"])).at("ports[0]"),
        bad(Peering, "port 22.5", "ports", numbers(&["5432", "22.5"])).at("ports[1]"),
        bad(Peering, "port twice", "ports", numbers(&["5432", "5432"])).at("ports[1]"),
        Case::new(Peering, "ports without security_group_id").remove("security_group_id").at("ports"),
        bad(Peering, "accepter role ARN with a short account", "accepter.assume_role_arn", s("arn:aws:iam::1111:role/x")),
        bad(Peering, "accepter session_name of one character", "accepter.session_name", s("x"))
            .set("accepter.assume_role_arn", s("arn:aws:iam::111111111111:role/peer-accepter"))
            .at("accepter.session_name"),
        bad(Peering, "timeouts create 10000000000000000000s", "timeouts.create", s(huge)),
        bad(Peering, "timeouts delete forever", "timeouts.delete", s("forever")),
        // -- data sources
        bad(DataMain, "lookup name with upper case", "name", s("Lookup")),
        bad(DataMain, "lookup name of 25 characters", "name", s(&"l".repeat(25))),
        bad(DataMain, "lookup name with two hyphens", "name", s("look--up")),
        bad(DataMain, "lookup environment with an underscore", "environment", s("dev_1")),
        bad(DataTables, "task ARN that is no ARN", "replication_task_arn", s("not-an-arn")),
        bad(DataTables, "task ARN of an endpoint", "replication_task_arn", s(&ids.stack.source_endpoint_arn)),
        bad(DataTables, "task ARN in another region", "replication_task_arn", s(&other_region_task)),
        bad(DataTables, "empty schema_pattern", "schema_pattern", s("")),
        bad(DataTables, "table_pattern of 129 characters", "table_pattern", s(&"T".repeat(129))),
    ];
    // Tags on every resource: AWS's limits (keys 1-128, values up to 256 characters of its set, no aws:
    // prefix, 50 tags, of which dmslink's own take 3) and dmslink's reserved prefix.
    for group in [Main, Repltask, Peering] {
        let label = group.label();
        all.extend([
            bad(group, &format!("{label} tag key with the aws: prefix"), "tags", map(&[("aws:owner", "me")]))
                .at(r#"tags["aws:owner"]"#),
            bad(group, &format!("{label} tag key with the dmslink: prefix"), "tags", map(&[("dmslink:stack", "x")]))
                .at(r#"tags["dmslink:stack"]"#),
            bad(group, &format!("{label} empty tag key"), "tags", map(&[("", "empty")])).at(r#"tags[""]"#),
            bad(group, &format!("{label} tag key of 129 characters"), "tags", map(&[(&long_key, "v")]))
                .at(&format!("tags[{}]", hcl_string(&long_key))),
            bad(group, &format!("{label} tag value of 257 characters"), "tags", map(&[("owner", &long_value)]))
                .at(r#"tags["owner"]"#),
            bad(group, &format!("{label} tag value with a #"), "tags", map(&[("owner", "team#1")]))
                .at(r#"tags["owner"]"#),
            bad(group, &format!("{label} 48 tags (dmslink's own 3 make 51)"), "tags", many_tags(48)).says("47"),
        ]);
    }
    all
}

// ---- running and judging ------------------------------------------------------------------------

/// What one plan of one case gave.
struct Outcome {
    out: RunOutput,
    access_key: String,
}

/// The access key the plan of case `i` signs with: the request log names it.
fn access_key(i: usize) -> String {
    format!("BADINPUT{i:04}")
}

/// The judgement of one case.
struct Verdict {
    /// `[cli] name: exit N: first error line`.
    line: String,
    refused_with_path: bool,
    calls: Vec<String>,
    problems: Vec<String>,
}

/// Whether `d` is an error of `subject` pointing at one of `paths`: its subject line is the line of the
/// path (an element or key), or any line of the attribute the path names.
fn points_at(d: &Diagnostic, subject: &str, paths: &[String], index: &LineIndex) -> bool {
    let from_subject = match d.address.as_deref() {
        Some(a) if subject == "provider" => a.starts_with("provider["),
        Some(a) => a == subject || a.starts_with(&format!("{subject}[")),
        None => false,
    };
    let Some(line) = d.line else { return false };
    from_subject
        && d.is_error()
        && d.file.as_deref() == Some("main.tf")
        && paths.iter().any(|p| {
            let exact = index.get(&canonical(p)).is_some_and(|&(first, _)| first == line);
            let within = index.get(&canonical(&attribute_of(p))).is_some_and(|&(f, l)| (f..=l).contains(&line));
            exact || within
        })
}

fn judge(label: &str, case: &Case, subject: &str, outcome: &Outcome, index: &LineIndex, calls: Vec<String>) -> Verdict {
    let out = &outcome.out;
    let diags = parse_diagnostics(&out.stderr);
    let first_error = diags
        .iter()
        .find(|d| d.is_error())
        .map(|d| format!("Error: {}", d.summary))
        .unwrap_or_else(|| "(no error)".to_string());
    let line = format!("[{label}] {}: exit {}: {first_error}", case.name, out.exit_code());
    let mut problems = Vec::new();
    let combined = out.combined();
    // Terraform's words for a provider that died: "The terraform-provider-dmslink plugin crashed!",
    // "Plugin did not respond"; Rust's own: "panicked at".
    if ["plugin crashed", "Plugin did not respond", "panicked at"].iter().any(|p| combined.contains(p)) {
        problems.push("the plugin crashed".to_string());
    }
    if out.timed_out {
        problems.push(format!("plan timed out after {:.0?}", out.elapsed));
    } else if out.success() {
        problems.push("plan succeeded".to_string());
    }
    let hit = diags.iter().find(|d| points_at(d, subject, &case.paths, index));
    match hit {
        Some(d) => {
            if d.detail.split_whitespace().count() < 4 {
                problems.push(format!("the error {:?} has no detail a user can act on: {:?}", d.summary, d.detail));
            }
            if let Some(phrase) = &case.phrase {
                let text = fold_whitespace(&format!("{} {}", d.summary, d.detail)).to_lowercase();
                if !text.contains(&fold_whitespace(phrase).to_lowercase()) {
                    problems.push(format!("the error does not say {phrase:?}: {}: {}", d.summary, d.detail));
                }
            }
        }
        None if !out.success() => {
            let seen: Vec<String> = diags
                .iter()
                .filter(|d| d.is_error())
                .map(|d| format!("{:?} at {:?} line {:?}", d.summary, d.address, d.line))
                .collect();
            let wanted: Vec<String> =
                case.paths.iter().map(|p| format!("{p} (line {:?})", index.get(&canonical(p)).map(|r| r.0))).collect();
            problems.push(format!("no error at {}; errors: {}", wanted.join(" or "), seen.join("; ")));
        }
        None => {}
    }
    if let Some(secret) = &case.secret
        && combined.contains(secret.as_str())
    {
        problems.push("the output shows the password".to_string());
    }
    let unexpected: Vec<&String> =
        calls.iter().filter(|c| !(case.reads_the_offer && OFFER_CALLS.contains(&c.as_str()))).collect();
    if !unexpected.is_empty() {
        let names: Vec<&str> = unexpected.iter().map(|c| c.as_str()).collect();
        problems.push(format!("{} AWS call(s): {}", unexpected.len(), names.join(", ")));
    }
    if case.reads_the_offer && calls.is_empty() {
        problems.push("the offer was not read".to_string());
    }
    Verdict { line, refused_with_path: hit.is_some(), calls, problems }
}

/// Creates what the baselines refer to; the emulator was just reset.
fn make_fixtures(bed: &TestBed) -> Ids {
    let fixtures = bed.fixtures();
    let prefix = format!("{LOOKUP_NAME}-{LOOKUP_ENVIRONMENT}");
    let dms_vpc = fixtures.vpc_tagged(
        None,
        "badinput-dms",
        "10.20.0.0/16",
        true,
        &[("dmslink:stack", &prefix), ("dmslink:resource", "vpc")],
    );
    let app_vpc = fixtures.vpc(None, "badinput-app", "10.30.0.0/16", false);
    let stack = fixtures.dms_stack("badinput", 1);
    let task = bed.dms().create_task("badinput-fixture-task", &stack, TASK_MAPPINGS);
    Ids { endpoint: bed.emulator.endpoint(), dms_vpc, app_vpc, stack, task_arn: task.arn }
}

/// Plans every case in `workers` (each its own workdir), [`WORKERS`] at a time.
fn run_cases(workers: &mut [Workdir], configs: &[String]) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..configs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for wd in workers.iter_mut() {
            let (next, results) = (&next, &results);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(text) = configs.get(i) else { break };
                    let key = access_key(i);
                    wd.write("main.tf", text);
                    wd.set_env("AWS_ACCESS_KEY_ID", &key);
                    let out = wd.run(&["plan", "-input=false", "-no-color"]);
                    results.lock().unwrap()[i] = Some(Outcome { out, access_key: key });
                }
            });
        }
    });
    results.into_inner().unwrap().into_iter().map(|o| o.expect("every case ran")).collect()
}

/// Every invalid configuration is refused at plan with an error on its attribute, with no AWS call
/// and no crash, on every CLI.
#[test]
fn bad_input_is_refused_with_its_path_before_any_aws_call() {
    let Some(bed) = TestBed::start("bad_input_matrix") else {
        return;
    };
    bed.each_cli(|cli: &Cli| {
        let label = cli.label.clone();
        let ids = make_fixtures(&bed);

        // One init; the other workdirs share its data directory (the installed provider) and lock file.
        let mut workers: Vec<Workdir> = (0..WORKERS).map(|_| bed.workdir(cli, MODULE)).collect();
        workers[0].write("main.tf", &baseline(Group::Main, &ids).render("init").0);
        workers[0].init();
        let data_dir = workers[0].file(".terraform");
        let lock = workers[0].read(".terraform.lock.hcl");
        for wd in &mut workers[1..] {
            wd.set_env("TF_DATA_DIR", data_dir.to_string_lossy());
            wd.write(".terraform.lock.hcl", &lock);
        }

        // The valid baselines plan; those that read AWS at plan do call it (else 0 calls would prove nothing).
        for group in Group::ALL {
            let wd = &workers[0];
            wd.write("main.tf", &baseline(group, &ids).render(&format!("baseline of {}", group.label())).0);
            bed.emulator.clear_requests();
            let (code, _) = wd.plan_detailed();
            let calls = bed.emulator.requests();
            eprintln!("[{label}] baseline {}: plan exit {code}, {} AWS call(s)", group.label(), calls.len());
            if group.reads_at_plan() {
                assert!(!calls.is_empty(), "[{label}] the valid {} plan read nothing from AWS", group.label());
            }
        }

        let cases = cases(&ids);
        let rendered: Vec<(String, LineIndex)> =
            cases.iter().map(|c| c.config(&ids).render(&format!("case {:?}", c.name))).collect();
        let configs: Vec<String> = rendered.iter().map(|(text, _)| text.clone()).collect();
        bed.emulator.clear_requests();
        let started = Instant::now();
        let outcomes = run_cases(&mut workers, &configs);
        let took = started.elapsed();

        let mut calls_by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in bed.emulator.requests() {
            calls_by_key.entry(r.access_key.clone().unwrap_or_default()).or_default().push(r.name());
        }
        let mut failures = Vec::new();
        let (mut refused, mut total_calls) = (0, 0);
        for (i, case) in cases.iter().enumerate() {
            let outcome = &outcomes[i];
            let calls = calls_by_key.remove(&outcome.access_key).unwrap_or_default();
            let subject = baseline(case.group, &ids).subject;
            let verdict = judge(&label, case, subject, outcome, &rendered[i].1, calls);
            eprintln!("{}", verdict.line);
            refused += usize::from(verdict.refused_with_path);
            total_calls += verdict.calls.len();
            if !verdict.problems.is_empty() {
                failures.push(format!("- {} [{}]: {}", case.name, case.group.label(), verdict.problems.join("; ")));
            }
        }
        for (key, calls) in &calls_by_key {
            total_calls += calls.len();
            failures.push(format!("- AWS calls signed with {key:?}, of no case: {}", calls.join(", ")));
        }
        eprintln!(
            "[{label}] bad-input matrix: {} cases, {refused} refused with path, {total_calls} AWS calls ({:.1?} for the plans, {WORKERS} workers)",
            cases.len(),
            took
        );
        assert!(
            failures.is_empty(),
            "[{label}] {} of {} invalid configurations slipped through (plan succeeded, no error on the path, \
             AWS calls, or a crash):\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );
    });
}

#[test]
fn the_hcl_model_renders_the_line_of_every_attribute_element_and_key() {
    let mut block = Block::new(r#"resource "x" "y""#)
        .attr("name", s("a"))
        .attr("ports", numbers(&["1", "2"]))
        .attr("tags", map(&[("aws:x", "1")]))
        .block(Block::new("source").attr("port", raw("1")))
        .block(Block::new("source").attr("port", raw("2")));
    block.set("source[1].rds.engine", s("postgres"));
    block.set("name", s("b"));
    let mut lines = Vec::new();
    let mut index = BTreeMap::new();
    block.render(0, "", &mut lines, &mut index);
    let line_of = |path: &str| {
        let (first, _) = index[&canonical(path)];
        lines[first - 1].trim().to_string()
    };
    assert_eq!(line_of("name"), r#"name = "b""#);
    assert_eq!(line_of("ports[1]"), "2,");
    assert_eq!(index[&canonical("ports")], (3, 6));
    assert_eq!(line_of(r#"tags["aws:x"]"#), r#""aws:x" = "1""#);
    assert_eq!(line_of("source[1].port"), "port = 2");
    assert_eq!(line_of("source.port"), "port = 1");
    assert_eq!(line_of("source[1].rds.engine"), r#"engine = "postgres""#);
    assert_eq!(canonical(r#"default_tags.tags["a.b"]"#), r#"default_tags[0].tags["a.b"]"#);
    block.remove("source[1].port");
    assert!(block.blocks[1].attrs.is_empty());
    assert_eq!(attribute_of(r#"default_tags.tags["a.b"]"#), "default_tags.tags");
    assert_eq!(attribute_of("source[1].port"), "source[1].port");
}

/// The judge fails a case for each way it can slip through, and passes only the refusal it expects.
#[test]
fn the_judge_fails_a_plan_that_slips_through() {
    let case = bad(Group::Main, "source port 1521.5", "source[0].port", raw("1521.5"));
    let block = Block::new(r#"resource "dmslink_main" "stack""#)
        .attr("name", s("badinput"))
        .block(Block::new("source").attr("port", raw("1521.5")));
    let (mut lines, mut index) = (Vec::new(), BTreeMap::new());
    block.render(0, "", &mut lines, &mut index);
    let port_line = index[&canonical("source[0].port")].0;
    let error_at = |line: usize, address: &str| {
        format!(
            "\nError: Invalid port\n\n  with {address},\n  on main.tf line {line}, in resource \"dmslink_main\" \"stack\":\n  {line}: x\n\n1521.5 is not a whole number of 1 to 65535.\n"
        )
    };
    let outcome = |code: i32, stderr: String| Outcome {
        out: RunOutput {
            cmdline: "terraform plan".into(),
            cwd: String::new(),
            code: Some(code),
            stdout: String::new(),
            stderr,
            elapsed: std::time::Duration::from_millis(300),
            timed_out: false,
        },
        access_key: access_key(0),
    };
    let verdict = |o: &Outcome, calls: Vec<String>| judge("cli", &case, "dmslink_main.stack", o, &index, calls);

    let good = outcome(1, error_at(port_line, "dmslink_main.stack"));
    let v = verdict(&good, Vec::new());
    assert!(v.problems.is_empty() && v.refused_with_path, "{:?}", v.problems);
    assert_eq!(v.line, "[cli] source port 1521.5: exit 1: Error: Invalid port");

    let slipped = [
        (outcome(0, String::new()), Vec::new(), "plan succeeded"),
        (outcome(1, error_at(port_line - 1, "dmslink_main.stack")), Vec::new(), "no error at"),
        (outcome(1, error_at(port_line, "dmslink_repltask.task")), Vec::new(), "no error at"),
        (outcome(1, error_at(port_line, "dmslink_main.stack")), vec!["ec2:DescribeVpcs".into()], "1 AWS call"),
        (outcome(1, format!("{}\nThe terraform-provider-dmslink plugin crashed!", error_at(port_line, "dmslink_main.stack"))), Vec::new(), "crashed"),
        (outcome(1, "\nError: Invalid port\n\n  with dmslink_main.stack,\n  on main.tf line 3, in resource:\n  3: x\n\nbad.\n".into()), Vec::new(), "no error at"),
    ];
    for (o, calls, why) in slipped {
        let v = verdict(&o, calls);
        assert!(v.problems.iter().any(|p| p.contains(why)), "expected {why:?}, got {:?}", v.problems);
    }
    let terse = outcome(
        1,
        error_at(port_line, "dmslink_main.stack").replace("1521.5 is not a whole number of 1 to 65535.", "bad."),
    );
    assert!(verdict(&terse, Vec::new()).problems.iter().any(|p| p.contains("no detail")));

    let secret = bad_master_password("password", "Has Space 123");
    let leak = outcome(1, "Error: Invalid master password\n\n\"Has Space 123\" has a space.\n".into());
    let v = judge("cli", &secret, "dmslink_main.stack", &leak, &index, Vec::new());
    assert!(v.problems.iter().any(|p| p.contains("shows the password")), "{:?}", v.problems);
}
