//! Data safety of `dmslink_main` against the linked AWS fakes: final snapshots by default with a
//! name unique per deletion, plans that delete databases warn (and refuse under deletion
//! protection), a destroy checks every precondition before its first delete, and the account-wide
//! `dms-vpc-role` stays while other DMS objects need it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::MakeWriter;

use super::Main;
use super::test_bed::{Bed, bed, config, errors, plan_draft, s, set_rds, stack_json};
use crate::aws::dms::{CreateTaskInput, DmsApi, ReplicationSubnetGroupInput};
use crate::aws::ec2::{CreateSubnetInput, Ec2Api};
use crate::aws::rds::RdsApi;
use crate::engine::diag::{AttrPath, Diagnostics};
use crate::engine::{Resource, Value};
use crate::resources::PlanDraft;

/// Every call of the fakes that deletes or detaches something.
fn destructive_calls(b: &Bed) -> Vec<String> {
    let mut calls = b.w.ec2.calls();
    calls.extend(b.w.rds.calls());
    calls.extend(b.w.dms.calls());
    calls.extend(b.w.iam.calls());
    calls
        .into_iter()
        .filter(|c| ["delete_", "detach_", "disable_", "revoke_", "modify_"].iter().any(|p| c.starts_with(p)))
        .collect()
}

/// A destroy of `st` with the calls before it forgotten (for [`destructive_calls`]): its errors.
async fn destroy_errors(b: &Bed, st: &Value) -> Vec<String> {
    b.clear_calls();
    errors(&Main.delete(&b.ctx, st).await)
}

/// `<base>-YYYYMMDDtHHMMSSz`, optionally with `-<n>`.
fn is_final_snapshot_of(id: &str, base: &str) -> bool {
    let Some(rest) = id.strip_prefix(&format!("{base}-")) else { return false };
    let (stamp, attempt) = match rest.split_once("z-") {
        Some((s, n)) => (format!("{s}z"), Some(n)),
        None => (rest.to_string(), None),
    };
    let b = stamp.as_bytes();
    b.len() == 16
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b't'
        && b[9..15].iter().all(u8::is_ascii_digit)
        && b[15] == b'z'
        && attempt.is_none_or(|n| n.parse::<u32>().is_ok())
}

fn snapshots_of(b: &Bed, base: &str) -> Vec<String> {
    b.w.rds.snapshot_ids().into_iter().filter(|id| is_final_snapshot_of(id, base)).collect()
}

/// Log lines (hclog JSON) written while the returned guard lives, at INFO and above.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;
    fn make_writer(&'a self) -> LogBuffer {
        self.clone()
    }
}

impl LogBuffer {
    fn capture() -> (LogBuffer, tracing::subscriber::DefaultGuard) {
        let buf = LogBuffer::default();
        let guard =
            tracing::subscriber::set_default(crate::logging::subscriber(Some(tracing::Level::INFO), buf.clone()));
        (buf, guard)
    }
    /// The `@message` of every INFO line.
    fn info(&self) -> Vec<String> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        crate::logging::parse_lines(&text)
            .into_iter()
            .filter(|l| l.get("@level").and_then(|v| v.as_str()) == Some("info"))
            .filter_map(|l| l.get("@message").and_then(|v| v.as_str()).map(str::to_string))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Final snapshots

#[tokio::test(start_paused = true)]
async fn destroy_by_default_takes_final_snapshots_and_logs_their_names() {
    let b = bed(true);
    let st = b.stack(&stack_json("check", true)).await;
    let (log, guard) = LogBuffer::capture();
    let d = Main.delete(&b.ctx, &st).await;
    drop(guard);
    assert_eq!(errors(&d), Vec::<String>::new());
    assert_eq!(b.counts(), (0, 0, 0, 0));
    // The replication subnet group is `deleting` a while after its delete: the destroy waits until
    // it is gone, or a stack made again at once would meet its identifier still taken.
    assert_eq!(b.w.dms.list_replication_subnet_groups().await.unwrap(), Vec::new());
    let tgt = snapshots_of(&b, "dblink-dev-tgt");
    let src = snapshots_of(&b, "dblink-dev-src-geodesy");
    assert!(tgt.len() == 1 && src.len() == 1, "{:?}", b.w.rds.snapshot_ids());
    let snap = b.w.rds.find_db_snapshot(&tgt[0]).await.unwrap().unwrap();
    assert_eq!(snap.db_instance_id, "dblink-dev-tgt");
    let info = log.info();
    for id in [&tgt[0], &src[0]] {
        assert!(info.iter().any(|m| m.contains(id.as_str())), "no INFO line names {id}: {info:#?}");
    }
}

/// The second destroy of a stack created again under the same name used to fail with
/// `DBSnapshotAlreadyExists` (`<db>-final` both times).
#[tokio::test(start_paused = true)]
async fn a_stack_created_again_under_the_same_name_is_destroyed_again() {
    let b = bed(true);
    let cfg = config(stack_json("check", true));
    let first = b.create(&cfg).await.state;
    assert_eq!(errors(&Main.delete(&b.ctx, &first).await), Vec::<String>::new());
    let second = b.create(&cfg).await.state;
    assert_eq!(errors(&Main.delete(&b.ctx, &second).await), Vec::<String>::new());
    assert_eq!(b.counts(), (0, 0, 0, 0));
    for base in ["dblink-dev-tgt", "dblink-dev-src-geodesy"] {
        let snaps = snapshots_of(&b, base);
        assert_eq!(snaps.len(), 2, "{base}: {:?}", b.w.rds.snapshot_ids());
        assert_ne!(snaps[0], snaps[1]);
    }
}

/// A name already taken (two deletions within one second, a clock set back) gets the next free
/// name instead of failing the delete.
#[tokio::test(start_paused = true)]
async fn a_final_snapshot_name_already_taken_gets_the_next_free_one() {
    let b = bed(true);
    let mut j = stack_json("check", false);
    j["target"]["rds"]["final_snapshot_identifier"] = serde_json::json!("Keep-Me");
    let st = b.stack(&j).await;
    let now = chrono::Utc::now();
    for secs in 0..3 {
        let taken = super::naming::final_snapshot_id("keep-me", now + chrono::Duration::seconds(secs), 1);
        b.w.rds.add_snapshot(&taken, "postgres", "dblink", 20);
    }
    let before = snapshots_of(&b, "keep-me").len();
    assert_eq!(errors(&Main.delete(&b.ctx, &st).await), Vec::<String>::new());
    let after = snapshots_of(&b, "keep-me");
    assert_eq!(after.len(), before + 1, "{after:?}");
    let ours: Vec<String> = {
        let mut v = Vec::new();
        for id in after {
            if b.w.rds.find_db_snapshot(&id).await.unwrap().unwrap().db_instance_id == "dblink-dev-tgt" {
                v.push(id);
            }
        }
        v
    };
    assert_eq!(ours.len(), 1, "{ours:?}");
}

#[tokio::test(start_paused = true)]
async fn skip_final_snapshot_set_explicitly_deletes_without_one() {
    let b = bed(true);
    let mut j = stack_json("check", true);
    j["target"]["rds"]["skip_final_snapshot"] = serde_json::json!(true);
    let st = b.stack(&j).await;
    assert_eq!(errors(&Main.delete(&b.ctx, &st).await), Vec::<String>::new());
    assert!(snapshots_of(&b, "dblink-dev-tgt").is_empty(), "{:?}", b.w.rds.snapshot_ids());
    assert_eq!(snapshots_of(&b, "dblink-dev-src-geodesy").len(), 1, "the source keeps its default");
}

// ---------------------------------------------------------------------------------------------
// Plans that delete databases

fn replace_draft<'a>(prior: &'a Value, cfg: &'a Value) -> PlanDraft<'a> {
    let mut draft = plan_draft(prior, cfg, cfg.clone());
    draft.requires_replace = vec![AttrPath::attr("network").then_attr("vpc_cidr")];
    draft
}

fn destroy_draft(prior: &Value) -> PlanDraft<'_> {
    plan_draft(prior, &Value::Null, Value::Null)
}

fn warnings(d: &Diagnostics) -> Vec<String> {
    d.iter().filter(|x| !x.is_error()).map(|x| format!("{}: {}", x.summary, x.detail)).collect()
}

fn error_paths(d: &Diagnostics) -> Vec<String> {
    d.iter().filter(|x| x.is_error()).map(|x| x.path.as_ref().map(|p| p.to_string()).unwrap_or_default()).collect()
}

#[tokio::test(start_paused = true)]
async fn replacing_the_whole_stack_warns_naming_each_database_and_its_final_snapshot() {
    let b = bed(true);
    let mut j = stack_json("check", true);
    j["source"][0]["rds"]["skip_final_snapshot"] = serde_json::json!(true);
    let prior = b.stack(&j).await;
    j["network"]["vpc_cidr"] = serde_json::json!("10.21.0.0/24");
    let cfg = config(j);
    let mut draft = replace_draft(&prior, &cfg);
    Main.modify_plan(&mut draft).await;
    assert_eq!(error_paths(&draft.diags), Vec::<String>::new());
    let w = warnings(&draft.diags);
    assert_eq!(w.len(), 1, "{w:#?}");
    for needle in [
        "network.vpc_cidr",
        "dblink-dev-tgt",
        "final snapshot dblink-dev-tgt-YYYYMMDDtHHMMSSz",
        "dblink-dev-src-geodesy",
        "no final snapshot",
    ] {
        assert!(w[0].contains(needle), "the warning lacks {needle:?}: {}", w[0]);
    }
    assert!(!draft.planned.is_null() && draft.requires_replace.len() == 1);
}

#[tokio::test(start_paused = true)]
async fn replacing_the_whole_stack_under_deletion_protection_is_refused_at_its_path() {
    let b = bed(true);
    let mut j = stack_json("check", true);
    j["target"]["rds"]["deletion_protection"] = serde_json::json!(true);
    let prior = b.stack(&j).await;
    j["network"]["vpc_cidr"] = serde_json::json!("10.21.0.0/24");
    // Turning protection off in the same change does not count: the deletion sees AWS's setting.
    j["target"]["rds"]["deletion_protection"] = serde_json::json!(false);
    let cfg = config(j);
    let mut draft = replace_draft(&prior, &cfg);
    Main.modify_plan(&mut draft).await;
    assert_eq!(error_paths(&draft.diags), vec!["target.rds.deletion_protection".to_string()]);
    let e = draft.diags.iter().find(|d| d.is_error()).unwrap();
    for needle in ["dblink-dev-tgt", "deletion_protection = false", "apply", "network.vpc_cidr"] {
        assert!(e.detail.contains(needle) || e.summary.contains(needle), "{needle:?}: {e:?}");
    }
    // A protected source is refused at its own block.
    let mut prior2 = prior.clone();
    set_rds(&mut prior2, "target", "deletion_protection", Value::Bool(false));
    set_rds(&mut prior2, "0", "deletion_protection", Value::Bool(true));
    let mut draft = replace_draft(&prior2, &cfg);
    Main.modify_plan(&mut draft).await;
    assert_eq!(error_paths(&draft.diags), vec!["source[0].rds.deletion_protection".to_string()]);
}

#[tokio::test(start_paused = true)]
async fn a_destroy_plan_warns_naming_the_databases_and_refuses_under_protection() {
    let b = bed(true);
    let prior = b.stack(&stack_json("check", true)).await;
    let mut draft = destroy_draft(&prior);
    Main.modify_plan(&mut draft).await;
    assert!(draft.planned.is_null());
    assert_eq!(error_paths(&draft.diags), Vec::<String>::new());
    let w = warnings(&draft.diags);
    assert!(
        w.len() == 1
            && w[0].contains("final snapshot dblink-dev-tgt-YYYYMMDDtHHMMSSz")
            && w[0].contains("final snapshot dblink-dev-src-geodesy-YYYYMMDDtHHMMSSz"),
        "{w:#?}"
    );

    let mut protected = prior.clone();
    set_rds(&mut protected, "target", "deletion_protection", Value::Bool(true));
    let mut draft = destroy_draft(&protected);
    Main.modify_plan(&mut draft).await;
    assert!(draft.planned.is_null());
    assert_eq!(error_paths(&draft.diags), vec!["target.rds.deletion_protection".to_string()]);
    let e = draft.diags.iter().find(|d| d.is_error()).unwrap();
    assert!(e.detail.contains("deletion_protection = false") && e.detail.contains("destroy"), "{e:?}");
}

/// A stack without RDS databases deletes no data: no warning.
#[tokio::test(start_paused = true)]
async fn a_destroy_plan_without_databases_is_quiet() {
    let b = bed(true);
    let mut j = stack_json("check", false);
    j["target"] = serde_json::json!({"server_name": "pg.corp.example", "database_name": "dblink", "username": "dms",
                                     "password": "tgt-pw"});
    let prior = b.stack(&j).await;
    let mut draft = destroy_draft(&prior);
    Main.modify_plan(&mut draft).await;
    assert!(draft.diags.is_empty(), "{:?}", draft.diags);
}

#[tokio::test(start_paused = true)]
async fn removing_a_source_with_a_database_warns_and_protection_refuses() {
    let b = bed(true);
    let mut j = stack_json("check", true);
    let prior = b.stack(&j).await;
    j["source"] = serde_json::json!([j["source"][1].clone()]);
    let cfg = config(j);
    let planned = crate::engine::plan::plan(&super::schema::schema().block, &prior, &cfg, &cfg).planned;
    let mut draft = plan_draft(&prior, &cfg, planned.clone());
    Main.modify_plan(&mut draft).await;
    let w = warnings(&draft.diags);
    assert!(w.iter().any(|w| w.contains("dblink-dev-src-geodesy") && w.contains("final snapshot")), "{w:#?}");
    assert!(!draft.diags.has_errors());

    let mut protected = prior.clone();
    set_rds(&mut protected, "0", "deletion_protection", Value::Bool(true));
    let mut draft = plan_draft(&protected, &cfg, planned);
    Main.modify_plan(&mut draft).await;
    let errs = errors(&draft.diags);
    assert!(
        errs.len() == 1
            && errs[0].contains("dblink-dev-src-geodesy")
            && errs[0].contains("deletion_protection = false"),
        "{errs:#?}"
    );
}

/// The warning of a single re-created database names the real base and the appended time.
#[tokio::test(start_paused = true)]
async fn replacing_one_database_names_its_final_snapshot_base() {
    let b = bed(true);
    let (prior, mut j) = b.stack_and_resnapshot().await;
    j["source"][0]["rds"]["final_snapshot_identifier"] = serde_json::json!("geodesy-before-resnap");
    let cfg = config(j);
    let planned = crate::engine::plan::plan(&super::schema::schema().block, &prior, &cfg, &cfg).planned;
    let mut draft = plan_draft(&prior, &cfg, planned);
    Main.modify_plan(&mut draft).await;
    let w = warnings(&draft.diags);
    assert!(w.len() == 1 && w[0].contains("geodesy-before-resnap-YYYYMMDDtHHMMSSz") && w[0].contains("UTC"), "{w:#?}");
    let planned = draft.planned.clone();
    let out = Main.update(&b.ctx, &prior, &planned, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    assert_eq!(snapshots_of(&b, "geodesy-before-resnap").len(), 1, "{:?}", b.w.rds.snapshot_ids());

    // Under deletion protection the error sits at that database's attribute.
    let mut protected = prior.clone();
    set_rds(&mut protected, "0", "deletion_protection", Value::Bool(true));
    let mut draft = plan_draft(&protected, &cfg, planned);
    Main.modify_plan(&mut draft).await;
    assert_eq!(error_paths(&draft.diags), vec!["source[0].rds.deletion_protection".to_string()]);
}

// ---------------------------------------------------------------------------------------------
// Destroy preconditions

/// It used to delete both endpoints and the replication instance, then stop at the protected
/// database: a half-destroyed stack.
#[tokio::test(start_paused = true)]
async fn destroy_under_deletion_protection_deletes_nothing() {
    let b = bed(true);
    let mut j = stack_json("check", true);
    j["target"]["rds"]["deletion_protection"] = serde_json::json!(true);
    let st = b.stack(&j).await;
    let errs = destroy_errors(&b, &st).await;
    assert!(
        errs.len() == 1 && errs[0].contains("dblink-dev-tgt") && errs[0].contains("deletion_protection = false"),
        "{errs:#?}"
    );
    assert_eq!(destructive_calls(&b), Vec::<String>::new());
    assert_eq!(b.counts(), (1, 2, 1, 3));
}

/// Protection turned on outside Terraform after the last refresh: AWS says so, the state does not.
#[tokio::test(start_paused = true)]
async fn destroy_reads_deletion_protection_from_aws_not_only_state() {
    let b = bed(true);
    let st = b.stack(&stack_json("check", true)).await;
    let m = crate::aws::rds::ModifyDbInstanceInput {
        id: "dblink-dev-src-geodesy".into(),
        deletion_protection: Some(true),
        ..Default::default()
    };
    b.w.rds.modify_db_instance(m).await.unwrap();
    assert_eq!(s(&st, &["source", "0", "db_instance_identifier"]), Some("dblink-dev-src-geodesy"));
    let errs = destroy_errors(&b, &st).await;
    assert!(errs.len() == 1 && errs[0].contains("dblink-dev-src-geodesy"), "{errs:#?}");
    assert_eq!(destructive_calls(&b), Vec::<String>::new());
    assert_eq!(b.counts(), (1, 2, 1, 3));
}

/// A database in a state AWS cannot snapshot (`failed`, `incompatible-restore`,
/// `incompatible-network`) with a final snapshot wanted: AWS would refuse its delete after the
/// endpoints and the replication instance were gone. The destroy is refused up front, naming the
/// database and `skip_final_snapshot`; once that is set it goes through.
#[tokio::test(start_paused = true)]
async fn destroy_of_a_database_aws_cannot_snapshot_deletes_nothing_until_skip_final_snapshot() {
    let b = bed(true);
    let st = b.stack(&stack_json("check", true)).await;
    b.w.rds.script("dblink-dev-src-geodesy", &["incompatible-network"]);
    tokio::time::advance(std::time::Duration::from_secs(60)).await;
    let errs = destroy_errors(&b, &st).await;
    assert!(
        errs.len() == 1
            && errs[0].contains("dblink-dev-src-geodesy is incompatible-network")
            && errs[0].contains("skip_final_snapshot = true"),
        "{errs:#?}"
    );
    assert_eq!(destructive_calls(&b), Vec::<String>::new());
    assert_eq!(b.counts(), (1, 2, 1, 3));
}

/// A task on another stack's replication instance that uses one of this stack's endpoints: DMS
/// would refuse `DeleteEndpoint` after the first deletes had happened.
#[tokio::test(start_paused = true)]
async fn destroy_refuses_while_a_task_uses_an_endpoint_and_reports_every_refusal() {
    let b = bed(true);
    let mut j = stack_json("check", true);
    j["target"]["rds"]["deletion_protection"] = serde_json::json!(true);
    let st = b.stack(&j).await;
    let other = b.w.dms.add_replication_instance("other-stack-ri");
    let theirs = b.w.dms.add_endpoint("other-stack-src", "source", "oracle");
    b.w.dms
        .create_replication_task(CreateTaskInput {
            id: "borrowing-task".into(),
            source_endpoint_arn: theirs.arn.clone(),
            target_endpoint_arn: s(&st, &["target", "endpoint_arn"]).unwrap().into(),
            replication_instance_arn: other.arn.clone(),
            migration_type: "full-load".into(),
            table_mappings: "{}".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let errs = destroy_errors(&b, &st).await;
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert!(errs.iter().any(|e| e.contains("borrowing-task") && e.contains("dblink-dev-tgt")), "{errs:#?}");
    assert!(errs.iter().any(|e| e.contains("deletion protection")), "{errs:#?}");
    assert_eq!(destructive_calls(&b), Vec::<String>::new());
    assert_eq!(b.counts(), (1, 2, 2, 4));
}

// ---------------------------------------------------------------------------------------------
// dms-vpc-role

#[tokio::test(start_paused = true)]
async fn the_role_stays_while_another_replication_instance_needs_it() {
    let b = bed(false);
    let st = b.stack(&stack_json("create", false)).await;
    assert_eq!(st.get("dms_vpc_role_created").as_bool(), Some(true));
    b.w.dms.add_replication_instance("other-stack-ri");
    let (log, guard) = LogBuffer::capture();
    let d = Main.delete(&b.ctx, &st).await;
    drop(guard);
    assert_eq!(errors(&d), Vec::<String>::new());
    assert!(b.w.iam.role_exists("dms-vpc-role"), "deleted while other-stack-ri needs it");
    let info = log.info();
    assert!(
        info.iter().any(|m| m.contains("dms-vpc-role") && m.contains("other-stack-ri")),
        "the log does not say why the role stays: {info:#?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_role_stays_while_another_replication_subnet_group_needs_it() {
    let b = bed(false);
    let st = b.stack(&stack_json("create", false)).await;
    // Another stack's subnet group, in its own VPC.
    let vpc = b.w.ec2.create_vpc("10.99.0.0/24", &Default::default()).await.unwrap();
    let mut subnets = Vec::new();
    for (az, cidr) in [("us-east-1a", "10.99.0.0/26"), ("us-east-1b", "10.99.0.64/26")] {
        let input = CreateSubnetInput {
            vpc_id: vpc.id.clone(),
            cidr_block: cidr.into(),
            availability_zone: az.into(),
            tags: Default::default(),
        };
        subnets.push(b.w.ec2.create_subnet(input).await.unwrap().id);
    }
    b.w.dms
        .create_replication_subnet_group(ReplicationSubnetGroupInput {
            id: "other-stack-dms-subnets".into(),
            description: "other".into(),
            subnet_ids: subnets,
            tags: Default::default(),
        })
        .await
        .unwrap();
    let (log, guard) = LogBuffer::capture();
    assert_eq!(errors(&Main.delete(&b.ctx, &st).await), Vec::<String>::new());
    drop(guard);
    assert!(b.w.iam.role_exists("dms-vpc-role"));
    assert!(log.info().iter().any(|m| m.contains("other-stack-dms-subnets")), "{:#?}", log.info());

    // Once nothing else needs it, the stack that created it deletes it.
    let b = bed(false);
    let st = b.stack(&stack_json("create", false)).await;
    assert_eq!(errors(&Main.delete(&b.ctx, &st).await), Vec::<String>::new());
    assert!(!b.w.iam.role_exists("dms-vpc-role"));
}

/// The on-premises VPN hangs on the stack's VPN gateway: a destroy would detach and delete the
/// gateway and cut it. Refused up front, deleting nothing, naming the connection; a connection
/// already `deleted` does not count.
#[tokio::test(start_paused = true)]
async fn destroy_never_cuts_a_vpn_connection_on_the_stacks_gateway() {
    let b = bed(true);
    let st = b.stack(&stack_json("check", true)).await;
    let vgw = s(&st, &["vpn_gateway_id"]).unwrap().to_string();
    let gone = b.w.ec2.add_vpn_connection(&vgw, "deleted");
    let live = b.w.ec2.add_vpn_connection(&vgw, "available");
    let errs = destroy_errors(&b, &st).await;
    assert!(
        errs.len() == 1
            && errs[0].contains(&format!("{} (available, customer gateway", live.id))
            && !errs[0].contains(&gone.id)
            && errs[0].contains("never cuts a VPN"),
        "{errs:#?}"
    );
    assert_eq!(destructive_calls(&b), Vec::<String>::new());
    assert_eq!(b.counts(), (1, 2, 1, 3));

    // A connection on its way down (`deleting`) does not refuse the destroy, but AWS holds the
    // gateway's detach ("pending VPNs") and delete ("in use") until it is `deleted`: the destroy
    // waits it out.
    b.w.ec2.set_vpn_connection_state(&live.id, "deleting");
    let ec2 = b.w.ec2.clone();
    let id = live.id.clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(40)).await;
        ec2.set_vpn_connection_state(&id, "deleted");
    });
    let errs = destroy_errors(&b, &st).await;
    assert_eq!(errs, Vec::<String>::new());
    assert_eq!(b.counts(), (0, 0, 0, 0));
    let detaches = b.w.ec2.calls().iter().filter(|c| c.starts_with("detach_vpn_gateway")).count();
    assert!(detaches > 1, "the detach was refused and tried again: {detaches}");
}

/// Issue 14 item 2: a plan that destroys or replaces the stack while a VPN connection hangs on its
/// gateway is refused at plan (at the attribute forcing the replacement), naming the connection, its
/// state and its customer gateway; a `deleted` connection does not count, and nothing else is asked
/// of a stack without one.
#[tokio::test(start_paused = true)]
async fn plans_that_would_cut_the_vpn_are_refused_naming_each_connection() {
    let b = bed(true);
    let mut j = stack_json("check", true);
    let prior = b.stack(&j).await;
    let vgw = s(&prior, &["vpn_gateway_id"]).unwrap().to_string();
    b.w.ec2.add_vpn_connection(&vgw, "deleted");
    b.clear_calls();

    let mut draft = destroy_draft(&prior);
    draft.provider = Some(b.ctx.provider.clone());
    Main.modify_plan(&mut draft).await;
    assert_eq!(errors(&draft.diags), Vec::<String>::new(), "a deleted connection does not count");

    let live = b.w.ec2.add_vpn_connection(&vgw, "available");
    let line = format!("{} (available, customer gateway {})", live.id, live.customer_gateway_id.clone().unwrap());
    let mut draft = destroy_draft(&prior);
    draft.provider = Some(b.ctx.provider.clone());
    Main.modify_plan(&mut draft).await;
    let errs = errors(&draft.diags);
    assert!(errs.len() == 1 && errs[0].contains(&line) && errs[0].contains("never cuts a VPN"), "{errs:#?}");

    j["network"]["vpc_cidr"] = serde_json::json!("10.21.0.0/24");
    let cfg = config(j);
    let mut draft = replace_draft(&prior, &cfg);
    draft.provider = Some(b.ctx.provider.clone());
    Main.modify_plan(&mut draft).await;
    assert_eq!(error_paths(&draft.diags), vec!["network.vpc_cidr".to_string()]);
    assert!(errors(&draft.diags)[0].contains(&line), "{:#?}", draft.diags);
    assert_eq!(destructive_calls(&b), Vec::<String>::new());
}
