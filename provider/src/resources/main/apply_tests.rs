//! `dmslink_main` against the linked AWS fakes: create, failure and resume, adoption, delete, read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use super::Main;
use super::test_bed::*;
use crate::aws::dms::{CreateTaskInput, DmsApi};
use crate::aws::ec2::Ec2Api;
use crate::aws::error::AwsError;
use crate::engine::{Resource, Value};

#[tokio::test(start_paused = true)]
async fn create_builds_every_child_with_ownership_tags() {
    let b = bed(true);
    let cfg = config(stack_json("check", true));
    let st = &b.created(&cfg).await;
    assert!(st.is_wholly_known());
    for a in [
        "vpc_id",
        "security_group_id",
        "vpn_gateway_id",
        "db_subnet_group_name",
        "replication_subnet_group_id",
        "replication_instance_arn",
    ] {
        assert!(st.get(a).as_str().is_some(), "{a} missing");
    }
    assert!(st.get("internet_gateway_id").is_null());
    assert_eq!(st.get("subnet_ids").as_elements().unwrap().len(), 3);
    assert!(!st.get("route_table_ids").as_elements().unwrap().is_empty());
    assert_eq!(s(st, &["source", "0", "db_instance_identifier"]), Some("dblink-dev-src-geodesy"));
    assert!(s(st, &["source", "0", "address"]).is_some());
    assert_eq!(s(st, &["source", "1", "address"]), Some("oracle.corp.example"));
    assert!(st.get("source").as_elements().unwrap()[1].get("db_instance_identifier").is_null());
    assert_eq!(s(st, &["target", "db_instance_identifier"]), Some("dblink-dev-tgt"));
    for p in [&["source", "0", "endpoint_arn"][..], &["source", "1", "endpoint_arn"], &["target", "endpoint_arn"]] {
        assert!(s(st, p).is_some_and(|a| a.starts_with("arn:")), "{p:?}");
    }
    assert_eq!(b.counts(), (1, 2, 1, 3));
    // Every child carries the ownership tags: VPC, 3 subnets, SG, VGW, DB subnet group, 2 DBs,
    // DMS subnet group, replication instance, 3 endpoints.
    let tagged = b.w.tagged("dmslink:stack", PREFIX);
    assert!(tagged.len() >= 14, "{tagged:?}");
    let rds = b.w.rds.instance("dblink-dev-tgt").unwrap();
    assert_eq!(rds.tags.get("dmslink:resource").map(String::as_str), Some("database"));
    assert_eq!(rds.tags.get("team").map(String::as_str), Some("data"));
    let ri = b.w.dms.replication_instance(st.get("replication_instance_arn").as_str().unwrap()).unwrap();
    assert!(!ri.publicly_accessible);
    // Passwords went to AWS, not into any message.
    assert_eq!(b.w.rds.master_password("dblink-dev-tgt").unwrap().expose(), "master-pw");
}

#[tokio::test(start_paused = true)]
async fn databases_are_created_concurrently() {
    let b = bed(true);
    let cfg = config(stack_json("check", true));
    let out = b.create(&cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    let log = b.w.rds.call_log();
    let first_create = log.iter().position(|c| c.starts_with("create_db_instance") || c.starts_with("restore_db"));
    let second_create =
        log.iter().rposition(|c| c.starts_with("create_db_instance") || c.starts_with("restore_db")).unwrap();
    let first_create = first_create.unwrap();
    assert_ne!(first_create, second_create);
    // The second database was asked for before the first one was done being polled.
    let first_id = log[first_create].split(' ').nth(1).unwrap().to_string();
    let last_poll_of_first =
        log.iter().rposition(|c| c.starts_with("find_db_instance") && c.ends_with(&first_id)).unwrap();
    assert!(second_create < last_poll_of_first, "{log:#?}");
}

#[tokio::test(start_paused = true)]
async fn a_failed_endpoint_keeps_every_child_and_resume_creates_only_the_missing() {
    let b = bed(true);
    let cfg = config(stack_json("check", false));
    // Sources are servers: their endpoints are made as soon as the replication instance is
    // available, long before the target database; the next CreateEndpoint is the target's.
    let st = b.created(&cfg).await;
    Main.delete(&b.ctx, &st).await;
    assert_eq!(b.counts(), (0, 0, 0, 0));

    let b = bed(true);
    let p = planned(&cfg);
    let main = Main;
    let ctx = b.ctx.clone();
    let w = b.w.clone();
    let create = tokio::spawn(async move { main.create(&ctx, &p, &cfg).await });
    // Fail the target endpoint: wait until both source endpoints exist.
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        if w.dms.endpoint_count() == 2 {
            break;
        }
        assert!(!create.is_finished());
    }
    w.dms.fail_next("create_endpoint", AwsError::from_code("InvalidParameterValueException", "bad target"));
    let out = create.await.unwrap();
    let errs = errors(&out.diags);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("create_target_endpoint"), "{errs:?}");
    assert!(errs[0].contains("InvalidParameterValueException"), "{errs:?}");
    assert!(errs[0].contains("terraform untaint"), "{errs:?}");
    assert!(!errs[0].contains("tgt-pw") && !errs[0].contains("master-pw"));
    let partial = out.state;
    assert!(partial.get("vpc_id").as_str().is_some());
    assert!(partial.get("replication_instance_arn").as_str().is_some());
    assert_eq!(s(&partial, &["target", "db_instance_identifier"]), Some("dblink-dev-tgt"));
    assert!(s(&partial, &["source", "0", "endpoint_arn"]).is_some());
    assert!(partial.get("target").get("endpoint_arn").is_null());
    assert_eq!(b.counts(), (1, 1, 1, 2));

    // untaint + apply: an update over the partial state creates only the target endpoint.
    b.clear_calls();
    let cfg = config(stack_json("check", false));
    let out = Main.update(&b.ctx, &partial, &planned(&cfg), &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    assert_eq!(b.counts(), (1, 1, 1, 3));
    assert!(!b.w.ec2.calls().iter().any(|c| c.starts_with("create_")), "{:?}", b.w.ec2.calls());
    assert!(!b.w.rds.calls().iter().any(|c| c.starts_with("create_")), "{:?}", b.w.rds.calls());
    let dms_creates: Vec<String> = b.w.dms.calls().into_iter().filter(|c| c.starts_with("create_")).collect();
    assert_eq!(dms_creates, vec!["create_endpoint".to_string()]);
    assert!(s(&out.state, &["target", "endpoint_arn"]).is_some());
}

#[tokio::test(start_paused = true)]
async fn a_create_after_a_crash_adopts_its_children() {
    let b = bed(true);
    let cfg = config(stack_json("check", true));
    let first = b.created(&cfg).await;
    // Terraform never saved the state: the next create finds everything.
    let again = b.created(&cfg).await;
    assert_eq!(b.counts(), (1, 2, 1, 3));
    assert_eq!(b.w.ec2.ids_tagged("dmslink:resource", "subnet").len(), 3);
    for a in ["vpc_id", "security_group_id", "vpn_gateway_id", "replication_instance_arn"] {
        assert_eq!(first.get(a), again.get(a), "{a}");
    }
    assert_eq!(first.get("subnet_ids"), again.get("subnet_ids"));
    assert_eq!(s(&first, &["target", "endpoint_arn"]), s(&again, &["target", "endpoint_arn"]));
}

#[tokio::test(start_paused = true)]
async fn an_object_without_ownership_tags_is_never_adopted() {
    let b = bed(true);
    let foreign = BTreeMap::from([("Name".to_string(), "dblink-dev-vpc".to_string())]);
    b.w.ec2.create_vpc("10.20.0.0/24", &foreign).await.unwrap();
    let out = b.create(&config(stack_json("check", true))).await;
    let errs = errors(&out.diags);
    assert!(errs.len() == 1 && errs[0].contains("create_vpc") && errs[0].contains("ownership tags"), "{errs:?}");
    assert_eq!(b.w.ec2.vpc_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn check_without_the_role_fails_before_any_ec2_call_and_create_makes_it() {
    let b = bed(false);
    let out = b.create(&config(stack_json("check", true))).await;
    let errs = errors(&out.diags);
    assert!(errs.len() == 1 && errs[0].contains("dms-vpc-role") && errs[0].contains("aws iam create-role"), "{errs:?}");
    assert!(out.state.is_null());
    assert!(b.w.ec2.calls().is_empty(), "{:?}", b.w.ec2.calls());

    b.w.iam.set_dms_propagation_delay(2);
    let st = b.created(&config(stack_json("create", true))).await;
    assert!(b.w.iam.dms_vpc_role_ready());
    assert_eq!(st.get("dms_vpc_role_created").as_bool(), Some(true));
    // Destroying the stack deletes the role it created.
    let d = Main.delete(&b.ctx, &st).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    assert!(!b.w.iam.role_exists("dms-vpc-role"));
}

/// DMS's `AccessDeniedFault` while a new `dms-vpc-role` propagates is waited out; a refusal of the
/// caller's own permission ("User: ... is not authorized to perform: ...") is not: retrying it for
/// the role's propagation time only delays the error (the IAM proof took 127 s to fail without
/// `dms:CreateReplicationInstance`).
#[tokio::test(start_paused = true)]
async fn a_create_the_callers_policy_refuses_fails_at_once_naming_the_permission() {
    let b = bed(true);
    let denied = AwsError::from_code(
        "AccessDeniedException",
        "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: dms:CreateReplicationInstance \
         because no identity-based policy allows the dms:CreateReplicationInstance action",
    );
    for _ in 0..3 {
        b.w.dms.fail_next("create_replication_instance", denied.clone());
    }
    let out = b.create(&config(stack_json("check", true))).await;
    let errs = errors(&out.diags);
    assert!(errs.len() == 1 && errs[0].contains("Missing IAM permission: dms:CreateReplicationInstance"), "{errs:?}");
    let creates = b.w.dms.calls().iter().filter(|c| *c == "create_replication_instance").count();
    assert_eq!(creates, 1, "the refusal was retried: {:?}", b.w.dms.calls());
}

#[tokio::test(start_paused = true)]
async fn delete_removes_everything_including_the_leftover_eni() {
    let b = bed(true);
    let st = b.created(&config(stack_json("check", true))).await;
    assert!(!b.w.ec2.network_interfaces().is_empty());
    let d = Main.delete(&b.ctx, &st).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    assert_eq!(b.w.tagged("dmslink:stack", PREFIX), Vec::<String>::new());
    assert_eq!(b.counts(), (0, 0, 0, 0));
    assert!(b.w.ec2.network_interfaces().is_empty(), "{:?}", b.w.ec2.network_interfaces());
    assert!(b.w.iam.role_exists("dms-vpc-role"), "a role the stack did not create stays");
}

#[tokio::test(start_paused = true)]
async fn delete_is_refused_while_a_task_uses_the_instance() {
    let b = bed(true);
    let st = &b.stack(&stack_json("check", true)).await;
    b.w.dms
        .create_replication_task(CreateTaskInput {
            id: "other-task".into(),
            source_endpoint_arn: s(st, &["source", "1", "endpoint_arn"]).unwrap().into(),
            target_endpoint_arn: s(st, &["target", "endpoint_arn"]).unwrap().into(),
            replication_instance_arn: st.get("replication_instance_arn").as_str().unwrap().into(),
            migration_type: "full-load".into(),
            table_mappings: "{}".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let d = Main.delete(&b.ctx, st).await;
    let errs = errors(&d);
    assert!(errs.len() == 1 && errs[0].contains("other-task"), "{errs:?}");
    assert_eq!(b.counts(), (1, 2, 1, 3));
}

#[tokio::test(start_paused = true)]
async fn read_clears_a_child_gone_out_of_band_and_forgets_a_stack_without_vpc() {
    let b = bed(true);
    let st = b.stack(&stack_json("check", true)).await;
    let same = Main.read(&b.ctx, &st).await.unwrap().unwrap();
    for a in ["vpc_id", "subnet_ids", "security_group_id", "replication_instance_arn", "source"] {
        let (mut x, mut y) = (same.get(a).clone(), st.get(a).clone());
        if a == "source" {
            // Drift refresh fills the RDS settings the JSON config left null.
            x = Value::List(x.as_elements().unwrap().iter().map(|b| b.get("endpoint_arn").clone()).collect());
            y = Value::List(y.as_elements().unwrap().iter().map(|b| b.get("endpoint_arn").clone()).collect());
        }
        assert_eq!(x, y, "{a}");
    }
    assert_eq!(s(&same, &["target", "rds", "instance_class"]), Some("db.t3.medium"));
    b.w.dms.remove_endpoint(s(&st, &["target", "endpoint_arn"]).unwrap());
    let r = Main.read(&b.ctx, &st).await.unwrap().unwrap();
    assert!(r.get("target").get("endpoint_arn").is_null());
    assert_eq!(r.get("vpc_id"), st.get("vpc_id"));
    // The plan re-creates it in place.
    let mut p = r.clone();
    super::plan_missing_children(&r, &mut p);
    assert!(p.get("target").get("endpoint_arn").is_unknown());
    assert!(p.get("vpc_id").as_str().is_some());
    b.w.ec2.remove_vpc(st.get("vpc_id").as_str().unwrap());
    assert_eq!(Main.read(&b.ctx, &st).await.unwrap(), None);
    let _ = b.w.ec2.find_vpcs(&crate::aws::ec2::Filters::new()).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn update_changes_instance_class_endpoint_password_and_tags_in_place() {
    let b = bed(true);
    let mut j = stack_json("check", true);
    let prior = b.created(&config(j.clone())).await;
    let target_arn = s(&prior, &["target", "endpoint_arn"]).unwrap().to_string();
    let task =
        b.w.dms
            .create_replication_task(CreateTaskInput {
                id: "repl".into(),
                source_endpoint_arn: s(&prior, &["source", "1", "endpoint_arn"]).unwrap().into(),
                target_endpoint_arn: target_arn.clone(),
                replication_instance_arn: prior.get("replication_instance_arn").as_str().unwrap().into(),
                migration_type: "full-load-and-cdc".into(),
                table_mappings: "{}".into(),
                ..Default::default()
            })
            .await
            .unwrap();
    b.w.dms.set_task_status(&task.arn, "running");

    j["replication_instance"] = serde_json::json!({"replication_instance_class": "dms.r5.large"});
    j["target"]["password"] = serde_json::json!("new-tgt-pw");
    j["tags"] = serde_json::json!({"app": "dblink2"});
    let cfg = config(j);
    let mut p = cfg.clone();
    keep(&mut p, &prior, &NETWORK_IDS);
    p.set(
        "tags_all",
        Value::from_string_map(&BTreeMap::from([
            ("team".to_string(), "data".to_string()),
            ("app".to_string(), "dblink2".to_string()),
        ])),
    );
    b.clear_calls();
    let out = Main.update(&b.ctx, &prior, &p, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    assert_eq!(b.counts(), (1, 2, 1, 3));
    let ri = b.w.dms.replication_instance(prior.get("replication_instance_arn").as_str().unwrap()).unwrap();
    assert_eq!(ri.class, "dms.r5.large");
    assert_eq!(b.w.dms.endpoint_password(&target_arn).unwrap().expose(), "new-tgt-pw");
    let calls = b.w.dms.calls();
    let stop = calls.iter().position(|c| c == "stop_replication_task").expect("task stopped");
    let modify = calls.iter().position(|c| c == "modify_endpoint").expect("endpoint modified");
    let start = calls.iter().position(|c| c == "start_replication_task").expect("task resumed");
    assert!(stop < modify && modify < start, "{calls:?}");
    assert!(!calls.iter().any(|c| c.starts_with("create_")), "{calls:?}");
    assert_eq!(b.w.dms.tags_of(&target_arn).get("app").map(String::as_str), Some("dblink2"));
    assert_eq!(b.w.rds.instance("dblink-dev-tgt").unwrap().tags.get("app").map(String::as_str), Some("dblink2"));
    assert_eq!(b.w.ec2.ids_tagged("app", "dblink2").len(), 6, "VPC, 3 subnets, SG, VGW");
    assert!(!errors(&out.diags).iter().any(|e| e.contains("new-tgt-pw")));
}

#[tokio::test(start_paused = true)]
async fn update_adds_and_removes_sources() {
    let b = bed(true);
    let mut j = stack_json("check", false);
    let prior = b.created(&config(j.clone())).await;
    // Drop "onprem", add "erp".
    j["source"][1] = serde_json::json!({"name": "erp", "server_name": "erp.corp.example", "database_name": "ERP",
                                       "username": "dms", "password": "pw"});
    let cfg = config(j);
    let out = Main.update(&b.ctx, &prior, &planned(&cfg), &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    assert_eq!(b.counts(), (1, 1, 1, 3));
    assert!(b.w.dms.find_endpoint("dblink-dev-src-onprem").await.unwrap().is_none());
    assert!(b.w.dms.find_endpoint("dblink-dev-src-erp").await.unwrap().is_some());
    assert_eq!(s(&out.state, &["source", "1", "address"]), Some("erp.corp.example"));
    assert_eq!(out.state.get("vpc_id"), prior.get("vpc_id"));
}

#[tokio::test(start_paused = true)]
async fn import_finds_the_stack_and_the_next_apply_adopts_the_sources() {
    let b = bed(true);
    let cfg = config(stack_json("check", true));
    let created = b.create(&cfg).await.state;
    let imported = Main.import(&b.ctx, "dblink/dev").await.unwrap();
    let st = Main.read(&b.ctx, &imported).await.unwrap().unwrap();
    assert!(st.is_wholly_known());
    for a in NETWORK_IDS.into_iter().chain(["replication_subnet_group_id", "replication_instance_arn"]) {
        assert_eq!(st.get(a), created.get(a), "{a}");
    }
    assert_eq!(st.get("network").get("vpc_cidr").as_str(), Some("10.20.0.0/24"));
    assert_eq!(st.get("network").get("vpn_route_propagation").as_bool(), Some(true));
    assert_eq!(st.get("tags_all").string_map().get("app").map(String::as_str), Some("dblink"));
    assert_eq!(s(&st, &["target", "endpoint_arn"]), s(&created, &["target", "endpoint_arn"]));
    assert_eq!(s(&st, &["target", "rds", "engine"]), Some("postgres"));
    // AWS keeps no final-snapshot choice: import takes the safe one, whatever the environment.
    for db in [st.get("target"), &st.get("source").as_elements().unwrap()[0]] {
        assert_eq!(db.get("rds").get("skip_final_snapshot").as_bool(), Some(false), "{db:?}");
    }
    assert!(st.get("target").get("password").is_null(), "secrets are not read back");
    // The next apply adopts the sources by their identifiers: nothing is created.
    b.clear_calls();
    let out = Main.update(&b.ctx, &st, &planned(&cfg), &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    assert_eq!(b.counts(), (1, 2, 1, 3));
    assert!(!b.w.rds.calls().iter().any(|c| c.starts_with("create_") || c.starts_with("restore_")));
    assert!(!b.w.dms.calls().iter().any(|c| c.starts_with("create_")), "{:?}", b.w.dms.calls());
    assert_eq!(s(&out.state, &["source", "0", "endpoint_arn"]), s(&created, &["source", "0", "endpoint_arn"]));
    assert!(Main.import(&b.ctx, "nope/dev").await.is_err());
}

#[tokio::test(start_paused = true)]
async fn create_wall_time_follows_the_longest_chain_not_the_sum() {
    let b = bed(true);
    let slow = ["creating"; 8].iter().copied().chain(["available"]).collect::<Vec<_>>();
    b.w.rds.set_create_steps(&slow);
    b.w.dms.set_instance_create_steps(&slow);
    let cfg = config(stack_json("check", true));
    let p = planned(&cfg);
    let stack = super::desired::read(&p, &cfg);
    let run = super::steps::StackRun::new(
        &b.ctx,
        stack,
        p.get("tags_all").string_map(),
        tokio::time::Instant::now() + std::time::Duration::from_secs(3600),
        super::children::Children::default(),
    );
    let started = tokio::time::Instant::now();
    let report = super::steps::graph().unwrap().run(run).await;
    let wall = started.elapsed();
    assert!(report.ok(), "{:?}", report.failed);
    let d = |s: &str| report.durations[s];
    let sum = d("create_source_databases") + d("create_target_database") + d("create_replication_instance");
    let longest = d("create_source_databases").max(d("create_target_database")).max(d("create_replication_instance"));
    println!("create wall time {wall:?}; slow steps: longest {longest:?}, sum {sum:?}");
    assert!(wall < sum, "wall {wall:?} vs sum {sum:?}");
    assert!(wall < longest + std::time::Duration::from_secs(120), "wall {wall:?} vs longest {longest:?}");
}
