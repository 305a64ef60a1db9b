//! Coalesced reads on the DMS fake: one call answers a window's lookups, a missing object is still
//! gone, an error reaches only its own lookup, and nothing is cached.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use super::CoalescedDms;
use crate::aws::dms::{CreateTaskInput, DmsApi, ModifyTaskInput};
use crate::aws::error::{AwsError, ErrorKind};
use crate::aws::fake::dms::FakeDms;

const WINDOW: Duration = Duration::from_millis(8);

struct World {
    fake: Arc<FakeDms>,
    dms: Arc<CoalescedDms>,
    tasks: Vec<String>,
}

async fn world(tasks: usize) -> World {
    let fake = Arc::new(FakeDms::new());
    let src = fake.add_endpoint("src", "source", "oracle").arn;
    let tgt = fake.add_endpoint("tgt", "target", "postgres").arn;
    let rep = fake.add_replication_instance("rep").arn;
    let mut arns = Vec::new();
    for n in 0..tasks {
        let mut tags = crate::aws::Tags::new();
        tags.insert("n".into(), n.to_string());
        let task = fake
            .create_replication_task(CreateTaskInput {
                id: format!("task-{n}"),
                source_endpoint_arn: src.clone(),
                target_endpoint_arn: tgt.clone(),
                replication_instance_arn: rep.clone(),
                migration_type: "full-load".into(),
                table_mappings: r#"{"rules":[]}"#.into(),
                tags,
                ..Default::default()
            })
            .await
            .unwrap();
        arns.push(task.arn);
    }
    // Past `creating` (paused time; the fake follows the rulebook's durations).
    tokio::time::sleep(Duration::from_secs(600)).await;
    fake.clear_calls();
    let dms = Arc::new(CoalescedDms::new(fake.clone(), WINDOW));
    World { fake, dms, tasks: arns }
}

/// Every ARN read at once through the coalesced client.
async fn read_all_at_once(dms: &Arc<CoalescedDms>, arns: &[String]) -> Vec<Result<Option<String>, AwsError>> {
    let mut set = tokio::task::JoinSet::new();
    for (i, arn) in arns.iter().enumerate() {
        let (dms, arn) = (dms.clone(), arn.clone());
        set.spawn(async move { (i, dms.find_replication_task_by_arn(&arn).await.map(|t| t.map(|t| t.id))) });
    }
    let mut out: Vec<(usize, _)> = Vec::new();
    while let Some(r) = set.join_next().await {
        out.push(r.unwrap());
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

#[tokio::test(start_paused = true)]
async fn ten_concurrent_task_reads_make_one_call_and_each_gets_its_own_task() {
    let w = world(10).await;
    let answers = read_all_at_once(&w.dms, &w.tasks).await;
    for (n, a) in answers.iter().enumerate() {
        assert_eq!(a.as_ref().unwrap().as_deref(), Some(format!("task-{n}").as_str()));
    }
    assert_eq!(w.fake.calls(), vec!["find_replication_tasks_by_arns"]);
}

#[tokio::test(start_paused = true)]
async fn a_task_deleted_out_of_band_is_still_reported_gone_among_the_others() {
    let w = world(4).await;
    w.fake.remove_task(&w.tasks[2]);
    w.fake.clear_calls();
    let answers = read_all_at_once(&w.dms, &w.tasks).await;
    assert!(answers[2].as_ref().unwrap().is_none(), "{answers:?}");
    assert_eq!(answers[3].as_ref().unwrap().as_deref(), Some("task-3"));
    assert_eq!(w.fake.calls(), vec!["find_replication_tasks_by_arns"]);
}

#[tokio::test(start_paused = true)]
async fn when_the_batch_call_fails_each_lookup_is_asked_alone_and_gets_its_own_answer() {
    let w = world(3).await;
    w.fake.fail_next(
        "find_replication_tasks_by_arns",
        AwsError::new(ErrorKind::AccessDenied, "AccessDeniedFault", "not on all"),
    );
    // The single read of the second task is refused too: only that lookup sees the error.
    w.fake.fail_next("find_replication_task_by_arn", AwsError::new(ErrorKind::AccessDenied, "AccessDeniedFault", "no"));
    let answers = read_all_at_once(&w.dms, &w.tasks).await;
    let errors = answers.iter().filter(|a| a.is_err()).count();
    assert_eq!(errors, 1, "{answers:?}");
    assert_eq!(answers.iter().filter(|a| matches!(a, Ok(Some(_)))).count(), 2, "{answers:?}");
    let calls = w.fake.calls();
    assert_eq!(calls.iter().filter(|c| *c == "find_replication_tasks_by_arns").count(), 1);
    assert_eq!(calls.iter().filter(|c| *c == "find_replication_task_by_arn").count(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_throttled_batch_gives_every_lookup_the_throttling_without_a_storm_of_single_calls() {
    let w = world(5).await;
    w.fake.fail_next(
        "find_replication_tasks_by_arns",
        AwsError::new(ErrorKind::Throttled, "ThrottlingException", "slow"),
    );
    let answers = read_all_at_once(&w.dms, &w.tasks).await;
    assert!(answers.iter().all(|a| matches!(a, Err(e) if e.kind == ErrorKind::Throttled)), "{answers:?}");
    assert_eq!(w.fake.calls(), vec!["find_replication_tasks_by_arns"]);
}

/// A 5xx after all of the SDK's attempts is DMS failing, not one object: asking each alone would
/// send ten more calls to a service that is failing (seen in CI under injected HTTP 500s).
#[tokio::test(start_paused = true)]
async fn a_batch_failing_with_a_server_error_gives_every_lookup_that_error_without_single_calls() {
    let w = world(5).await;
    w.fake.fail_next(
        "find_replication_tasks_by_arns",
        AwsError::from_code("InternalFailure", "The request processing has failed because of an unknown error."),
    );
    let answers = read_all_at_once(&w.dms, &w.tasks).await;
    assert!(answers.iter().all(|a| matches!(a, Err(e) if e.code == "InternalFailure")), "{answers:?}");
    assert_eq!(w.fake.calls(), vec!["find_replication_tasks_by_arns"]);
}

#[tokio::test(start_paused = true)]
async fn a_lone_lookup_whose_batch_fails_gets_that_error_without_a_second_call() {
    let w = world(1).await;
    w.fake.fail_next(
        "find_replication_tasks_by_arns",
        AwsError::new(ErrorKind::Throttled, "ThrottlingException", "slow"),
    );
    let err = w.dms.find_replication_task_by_arn(&w.tasks[0]).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Throttled);
    assert_eq!(w.fake.calls(), vec!["find_replication_tasks_by_arns"]);
}

#[tokio::test(start_paused = true)]
async fn tags_of_many_resources_come_from_one_call_and_an_unknown_arn_fails_only_its_own_lookup() {
    let w = world(3).await;
    let mut arns = w.tasks.clone();
    arns.push("arn:aws:dms:us-east-1:123456789012:task:GONE".into());
    let mut set = tokio::task::JoinSet::new();
    for arn in arns.clone() {
        let dms = w.dms.clone();
        set.spawn(async move { (arn.clone(), dms.list_tags(&arn).await) });
    }
    let mut answers = std::collections::BTreeMap::new();
    while let Some(r) = set.join_next().await {
        let (arn, a) = r.unwrap();
        answers.insert(arn, a);
    }
    for (n, arn) in w.tasks.iter().enumerate() {
        assert_eq!(answers[arn].as_ref().unwrap().get("n"), Some(&n.to_string()));
    }
    assert_eq!(answers[&arns[3]].as_ref().unwrap_err().kind, ErrorKind::NotFound);
    // The batch failed as a whole on the unknown ARN (the strict reading), then each was asked alone.
    let calls = w.fake.calls();
    assert_eq!(calls.iter().filter(|c| *c == "list_tags_of_many").count(), 1, "{calls:?}");
    assert_eq!(calls.iter().filter(|c| *c == "list_tags").count(), 4, "{calls:?}");
}

#[tokio::test(start_paused = true)]
async fn reads_one_after_another_are_each_fresh() {
    let w = world(1).await;
    let arn = &w.tasks[0];
    let before = w.dms.find_replication_task_by_arn(arn).await.unwrap().unwrap();
    w.dms
        .modify_replication_task(ModifyTaskInput {
            arn: arn.clone(),
            table_mappings: Some(r#"{"rules":[{"rule-type":"selection"}]}"#.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let after = w.dms.find_replication_task_by_arn(arn).await.unwrap().unwrap();
    assert_ne!(before.table_mappings, after.table_mappings);
    assert_eq!(
        w.fake.calls(),
        vec!["find_replication_tasks_by_arns", "modify_replication_task", "find_replication_tasks_by_arns"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_caller_that_gives_up_does_not_leave_its_batch_without_answers() {
    let w = world(2).await;
    let dms = w.dms.clone();
    let first = w.tasks[0].clone();
    let quitter = tokio::spawn(async move { dms.find_replication_task_by_arn(&first).await });
    tokio::task::yield_now().await;
    quitter.abort(); // the lookup that opened the batch
    let second = w.dms.find_replication_task_by_arn(&w.tasks[1]).await.unwrap();
    assert_eq!(second.unwrap().id, "task-1");
}

#[tokio::test(start_paused = true)]
async fn the_same_arn_twice_in_a_window_is_asked_once_and_both_get_it() {
    let w = world(1).await;
    let twice = vec![w.tasks[0].clone(), w.tasks[0].clone()];
    let answers = read_all_at_once(&w.dms, &twice).await;
    assert!(answers.iter().all(|a| matches!(a, Ok(Some(id)) if id == "task-0")), "{answers:?}");
    assert_eq!(w.fake.call_log(), vec![format!("find_replication_tasks_by_arns {}", w.tasks[0])]);
}

#[tokio::test(start_paused = true)]
async fn instances_and_endpoints_coalesce_too() {
    let w = world(0).await;
    let rep2 = w.fake.add_replication_instance("rep2").arn;
    let reps: Vec<String> = w.fake.list_replication_instances().await.unwrap().into_iter().map(|i| i.arn).collect();
    let eps: Vec<String> = w
        .fake
        .list_endpoints("source")
        .await
        .unwrap()
        .into_iter()
        .chain(w.fake.list_endpoints("target").await.unwrap())
        .map(|e| e.arn)
        .collect();
    w.fake.clear_calls();
    let (a, b, c, d) = tokio::join!(
        w.dms.describe_replication_instance_by_arn(&reps[0]),
        w.dms.describe_replication_instance_by_arn(&rep2),
        w.dms.find_endpoint_by_arn(&eps[0]),
        w.dms.find_endpoint_by_arn(&eps[1]),
    );
    assert!(a.unwrap().is_some() && b.unwrap().is_some() && c.unwrap().is_some() && d.unwrap().is_some());
    let mut calls = w.fake.calls();
    calls.sort();
    assert_eq!(calls, vec!["describe_replication_instances_by_arns", "find_endpoints_by_arns"]);
}

// ---- refresh from a listing of the instance (`aws::dms_refresh_listing`) ----

fn listing_after(w: &World, n: usize) -> Arc<CoalescedDms> {
    Arc::new(CoalescedDms::listing_after(w.fake.clone(), WINDOW, n))
}

async fn instance_of(w: &World) -> String {
    w.fake.find_replication_task_by_arn(&w.tasks[0]).await.unwrap().unwrap().replication_instance_arn
}

#[tokio::test(start_paused = true)]
async fn a_refresh_of_thirty_tasks_of_one_instance_is_answered_from_one_listing() {
    let w = world(30).await;
    let rep = instance_of(&w).await;
    w.fake.clear_calls();
    let dms = listing_after(&w, 0);
    let mut set = tokio::task::JoinSet::new();
    for arn in w.tasks.clone() {
        let (dms, rep) = (dms.clone(), rep.clone());
        set.spawn(async move { dms.refresh_replication_task(&arn, &rep).await });
    }
    let mut seen = 0;
    while let Some(r) = set.join_next().await {
        let (task, tags) = r.unwrap().unwrap().unwrap();
        assert_eq!(task.id, format!("task-{}", tags["n"]));
        seen += 1;
    }
    assert_eq!(seen, 30);
    assert_eq!(w.fake.calls(), vec!["list_replication_tasks_using", "list_tags_of_many"]);
}

#[tokio::test(start_paused = true)]
async fn the_first_refreshes_of_an_instance_read_fresh_and_the_rest_come_from_the_listing() {
    let w = world(25).await;
    let rep = instance_of(&w).await;
    w.fake.clear_calls();
    let dms = listing_after(&w, 10);
    for arn in &w.tasks {
        assert!(dms.refresh_replication_task(arn, &rep).await.unwrap().is_some());
    }
    let calls = w.fake.calls();
    let count = |op: &str| calls.iter().filter(|c| *c == op).count();
    assert_eq!((count("find_replication_tasks_by_arns"), count("list_tags_of_many")), (10, 11), "{calls:?}");
    assert_eq!(count("list_replication_tasks_using"), 1, "{calls:?}");
    assert_eq!(calls.len(), 22, "{calls:?}");
}

#[tokio::test(start_paused = true)]
async fn a_task_this_process_changed_is_refreshed_fresh_not_from_the_listing() {
    let w = world(2).await;
    let rep = instance_of(&w).await;
    let dms = listing_after(&w, 0);
    dms.refresh_replication_task(&w.tasks[0], &rep).await.unwrap().unwrap();
    let mappings = r#"{"rules":[{"rule-type":"selection","rule-id":"9"}]}"#;
    dms.modify_replication_task(ModifyTaskInput {
        arn: w.tasks[0].clone(),
        table_mappings: Some(mappings.into()),
        ..Default::default()
    })
    .await
    .unwrap();
    w.fake.clear_calls();
    let (task, _) = dms.refresh_replication_task(&w.tasks[0], &rep).await.unwrap().unwrap();
    assert_eq!(task.table_mappings, mappings);
    assert_eq!(w.fake.calls(), vec!["find_replication_tasks_by_arns", "list_tags_of_many"]);
    // The other task still comes from the listing.
    w.fake.clear_calls();
    dms.refresh_replication_task(&w.tasks[1], &rep).await.unwrap().unwrap();
    assert!(w.fake.calls().is_empty(), "{:?}", w.fake.calls());
}

#[tokio::test(start_paused = true)]
async fn a_task_not_in_the_listing_is_read_fresh_and_a_deleted_one_is_gone() {
    let w = world(3).await;
    let rep = instance_of(&w).await;
    w.fake.remove_task(&w.tasks[2]);
    let dms = listing_after(&w, 0);
    dms.refresh_replication_task(&w.tasks[0], &rep).await.unwrap().unwrap();
    w.fake.clear_calls();
    assert!(dms.refresh_replication_task(&w.tasks[2], &rep).await.unwrap().is_none());
    assert_eq!(w.fake.calls(), vec!["find_replication_tasks_by_arns"]);
    // The state's instance is a hint only: a task the listing of another instance lacks is read fresh.
    w.fake.clear_calls();
    let other = w.fake.add_replication_instance("other").arn;
    let (task, _) = dms.refresh_replication_task(&w.tasks[1], &other).await.unwrap().unwrap();
    assert_eq!(task.id, "task-1");
    assert!(w.fake.calls().contains(&"find_replication_tasks_by_arns".to_string()), "{:?}", w.fake.calls());
}

#[tokio::test(start_paused = true)]
async fn a_listing_answers_for_at_most_its_lifetime_and_a_failed_one_for_nobody() {
    let w = world(2).await;
    let rep = instance_of(&w).await;
    let dms = listing_after(&w, 0);
    w.fake.clear_calls();
    w.fake
        .fail_next("list_replication_tasks_using", AwsError::new(ErrorKind::Throttled, "ThrottlingException", "slow"));
    let (task, _) = dms.refresh_replication_task(&w.tasks[0], &rep).await.unwrap().unwrap();
    assert_eq!(task.id, "task-0");
    assert_eq!(
        w.fake.calls(),
        vec!["list_replication_tasks_using", "find_replication_tasks_by_arns", "list_tags_of_many"]
    );
    // The failed listing is made again at the next refresh.
    w.fake.clear_calls();
    dms.refresh_replication_task(&w.tasks[1], &rep).await.unwrap().unwrap();
    assert_eq!(w.fake.calls(), vec!["list_replication_tasks_using", "list_tags_of_many"]);
    w.fake.clear_calls();
    dms.refresh_replication_task(&w.tasks[0], &rep).await.unwrap().unwrap();
    assert!(w.fake.calls().is_empty());
    tokio::time::sleep(crate::aws::dms_refresh_listing::LISTING_LIFETIME).await;
    dms.refresh_replication_task(&w.tasks[0], &rep).await.unwrap().unwrap();
    assert_eq!(w.fake.calls(), vec!["list_replication_tasks_using", "list_tags_of_many"]);
}

#[tokio::test(start_paused = true)]
async fn connections_of_many_endpoints_come_from_one_call_and_an_untested_one_is_none() {
    let w = world(0).await;
    let rep = w.fake.add_replication_instance("rep2").arn;
    let eps: Vec<String> = ["a", "b", "c"].iter().map(|id| w.fake.add_endpoint(id, "source", "oracle").arn).collect();
    w.fake.fail_connection(&eps[1], "ORA-12541: TNS:no listener");
    for ep in &eps[..2] {
        w.fake.test_connection(&rep, ep).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(600)).await; // past `testing`
    w.fake.clear_calls();
    let (a, b, c) = tokio::join!(
        w.dms.find_connection(&rep, &eps[0]),
        w.dms.find_connection(&rep, &eps[1]),
        w.dms.find_connection(&rep, &eps[2]),
    );
    assert_eq!(a.unwrap().map(|c| c.status), Some("successful".to_string()));
    let b = b.unwrap().unwrap();
    assert_eq!((b.status.as_str(), b.endpoint_arn.as_str()), ("failed", eps[1].as_str()));
    assert_eq!(c.unwrap(), None);
    assert_eq!(w.fake.calls(), vec!["find_connections"]);
}

#[tokio::test(start_paused = true)]
async fn subnet_group_lookups_coalesce_in_any_case_and_an_unknown_or_undescribable_one_is_none() {
    use crate::aws::dms::ReplicationSubnetGroupInput;
    let ec2 = Arc::new(crate::aws::fake::FakeEc2::new());
    let iam = Arc::new(crate::aws::fake::FakeIam::new());
    iam.add_dms_vpc_role();
    let fake = Arc::new(FakeDms::new());
    fake.link_ec2(ec2.clone());
    fake.link_iam(iam);
    let (_, subnets) = crate::aws::fake::tests_net::vpc_with_subnets(&ec2, &["us-east-1a", "us-east-1b"]).await;
    for id in ["g-one", "G-Two", "with_underscore"] {
        let input = ReplicationSubnetGroupInput {
            id: id.into(),
            description: "bench".into(),
            subnet_ids: subnets.clone(),
            tags: Default::default(),
        };
        fake.create_replication_subnet_group(input).await.unwrap();
    }
    fake.clear_calls();
    let dms = CoalescedDms::new(fake.clone(), WINDOW);
    let (one, two, gone, underscored) = tokio::join!(
        dms.find_replication_subnet_group("G-ONE"),
        dms.find_replication_subnet_group("g-two"),
        dms.find_replication_subnet_group("no-such-group"),
        dms.find_replication_subnet_group("with_underscore"),
    );
    assert_eq!(one.unwrap().map(|g| g.id), Some("g-one".to_string()));
    assert_eq!(two.unwrap().map(|g| g.id), Some("g-two".to_string()));
    assert_eq!((gone.unwrap(), underscored.unwrap()), (None, None));
    assert_eq!(fake.calls(), vec!["find_replication_subnet_groups"]);
}
