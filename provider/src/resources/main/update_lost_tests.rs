//! Issue 12: every changing call of a `dmslink_main` update is safe when its answer is lost (found
//! by the chaos suite, `tests/tests/chaos.rs`). One case per call and per error its lost answer
//! leaves the caller: the fake serves the call, then the caller gets what the SDK's retry of it
//! would meet, or the transport error the SDK gives up with. The update must succeed with the
//! change made once and the paused task running again.
//!
//! What a retry meets, from the service references: a replication instance being modified refuses
//! another `ModifyReplicationInstance` (`InvalidResourceStateFault`, DMS API reference), and once
//! modified answers it "No modifications were requested" (`InvalidParameterCombinationException`,
//! as the emulator and the rulebook do; met through the emulator by the chaos suite), an RDS
//! instance being modified refuses `ModifyDBInstance` (`InvalidDBInstanceState`, RDS API
//! reference), a task that is stopping or stopped refuses `StopReplicationTask` and a task that is
//! starting or running refuses `StartReplicationTask` (`InvalidResourceStateFault`); a repeated
//! `ModifyEndpoint` succeeds, and a repeated `AuthorizeSecurityGroupIngress` meets
//! `InvalidPermission.Duplicate`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::Main;
use super::test_bed::*;
use crate::aws::dms::{CreateTaskInput, DmsApi};
use crate::aws::ec2::Ec2Api;
use crate::aws::error::{AwsError, ErrorKind};
use crate::engine::{Resource, Value};

#[derive(Clone, Copy, Debug)]
enum Svc {
    Ec2,
    Rds,
    Dms,
}

fn transport() -> AwsError {
    AwsError::new(ErrorKind::Transport, "", "could not reach the AWS endpoint: connection reset by peer")
}

fn cases() -> Vec<(Svc, &'static str, AwsError)> {
    let code = |c: &str| AwsError::from_code(c, "the SDK's retry met what the first attempt did");
    vec![
        (Svc::Dms, "modify_replication_instance", code("InvalidResourceStateFault")),
        (Svc::Dms, "modify_replication_instance", code("InvalidParameterCombinationException")),
        (Svc::Dms, "modify_replication_instance", transport()),
        (Svc::Rds, "modify_db_instance", code("InvalidDBInstanceState")),
        (Svc::Rds, "modify_db_instance", transport()),
        (Svc::Dms, "stop_replication_task", code("InvalidResourceStateFault")),
        (Svc::Dms, "stop_replication_task", transport()),
        (Svc::Dms, "modify_endpoint", transport()),
        (Svc::Dms, "start_replication_task", code("InvalidResourceStateFault")),
        (Svc::Dms, "start_replication_task", transport()),
        (Svc::Ec2, "authorize_security_group_ingress", code("InvalidPermission.Duplicate")),
        (Svc::Ec2, "authorize_security_group_ingress", transport()),
    ]
}

/// The seed stack with a running task on the on-premises source, then an update of the replication
/// instance class, the target's instance class and the on-premises source's port (a new ingress rule
/// and an endpoint modify, the task paused around it). Returns the bed, the prior state, the
/// planned value, the configuration and the task's ARN.
async fn updated_stack() -> (Bed, Value, Value, Value, String) {
    let b = bed(true);
    let mut j = stack_json("check", false);
    let prior = b.created(&config(j.clone())).await;
    let task =
        b.w.dms
            .create_replication_task(CreateTaskInput {
                id: "repl".into(),
                source_endpoint_arn: s(&prior, &["source", "1", "endpoint_arn"]).unwrap().into(),
                target_endpoint_arn: s(&prior, &["target", "endpoint_arn"]).unwrap().into(),
                replication_instance_arn: prior.get("replication_instance_arn").as_str().unwrap().into(),
                migration_type: "full-load-and-cdc".into(),
                table_mappings: "{}".into(),
                ..Default::default()
            })
            .await
            .unwrap();
    b.w.dms.set_task_status(&task.arn, "running");
    j["replication_instance"] = serde_json::json!({"replication_instance_class": "dms.r5.large"});
    j["target"]["rds"]["instance_class"] = serde_json::json!("db.r5.large");
    j["source"][1]["port"] = serde_json::json!(1526);
    let cfg = config(j);
    let mut p = cfg.clone();
    keep(&mut p, &prior, &NETWORK_IDS);
    keep(&mut p, &prior, &STACK_IDS);
    (b, prior, p, cfg, task.arn)
}

fn calls(b: &Bed, svc: Svc) -> Vec<String> {
    match svc {
        Svc::Ec2 => b.w.ec2.calls(),
        Svc::Rds => b.w.rds.calls(),
        Svc::Dms => b.w.dms.calls(),
    }
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_on_each_update_call_counts_as_done() {
    // Undisturbed: how often the update calls each operation.
    let (b, prior, p, cfg, _) = updated_stack().await;
    b.clear_calls();
    let out = Main.update(&b.ctx, &prior, &p, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new(), "undisturbed update");
    let want: Vec<usize> =
        cases().iter().map(|(svc, op, _)| calls(&b, *svc).iter().filter(|c| c.as_str() == *op).count()).collect();
    for ((svc, op, _), n) in cases().iter().zip(&want) {
        assert_eq!(*n, 1, "the update calls {svc:?} {op} once, or the case tests nothing");
    }

    let mut failed = Vec::new();
    for ((svc, op, err), n) in cases().into_iter().zip(want) {
        let case = format!("{svc:?} {op} answering {err}");
        if let Err(why) = lost_case(svc, op, err, n).await {
            failed.push(format!("{case}: {why}"));
        }
    }
    assert_eq!(failed, Vec::<String>::new());
}

/// One update with the answer of `op` lost; `n`: how often an undisturbed update calls it.
async fn lost_case(svc: Svc, op: &str, err: AwsError, n: usize) -> Result<(), String> {
    let (b, prior, p, cfg, task) = updated_stack().await;
    b.clear_calls();
    match svc {
        Svc::Ec2 => b.w.ec2.lose_next_answer(op, err),
        Svc::Rds => b.w.rds.lose_next_answer(op, err),
        Svc::Dms => b.w.dms.lose_next_answer(op, err),
    }
    let out = Main.update(&b.ctx, &prior, &p, &cfg).await;
    let errs = errors(&out.diags);
    if !errs.is_empty() {
        return Err(format!("the update failed: {errs:?}"));
    }
    let made = calls(&b, svc).iter().filter(|c| c.as_str() == op).count();
    if made != n {
        return Err(format!("called {made} times, undisturbed {n}"));
    }
    let ri = b.w.dms.replication_instance(prior.get("replication_instance_arn").as_str().unwrap()).unwrap();
    if (ri.class.as_str(), ri.status.as_str()) != ("dms.r5.large", "available") {
        return Err(format!("replication instance {} {}", ri.class, ri.status));
    }
    let db = b.w.rds.instance("dblink-dev-tgt").unwrap();
    if db.instance_class != "db.r5.large" {
        return Err(format!("target instance class {}", db.instance_class));
    }
    let t = b.w.dms.find_replication_task_by_arn(&task).await.unwrap().unwrap();
    if t.status != "running" {
        return Err(format!("the paused task is {}", t.status));
    }
    let sg = prior.get("security_group_id").as_str().unwrap();
    let rules = b.w.ec2.find_security_group_rules(sg).await.unwrap();
    if !rules.iter().any(|r| r.rule.to_port == 1526) {
        return Err(format!("no rule for port 1526: {rules:?}"));
    }
    Ok(())
}
