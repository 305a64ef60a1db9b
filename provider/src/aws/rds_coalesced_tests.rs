//! Coalesced RDS reads on the fake: one filtered `DescribeDBInstances` per window whatever the case
//! of the identifiers, a missing instance is still gone, a failed batch is asked again one by one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use super::CoalescedRds;
use crate::aws::Secret;
use crate::aws::error::{AwsError, ErrorKind};
use crate::aws::fake::{FakeEc2, FakeRds, tests_net};
use crate::aws::rds::{CreateDbInstanceInput, DbSubnetGroupInput, RdsApi, Tags};

const WINDOW: Duration = Duration::from_millis(8);

/// A fake RDS (linked to a fake EC2) holding the instances `ids` in one DB subnet group.
async fn rds_with(ids: &[&str]) -> Arc<FakeRds> {
    let ec2 = Arc::new(FakeEc2::new());
    let rds = Arc::new(FakeRds::new());
    rds.link_ec2(ec2.clone());
    let (_, subnets) = tests_net::vpc_with_subnets(&ec2, &["us-east-1a", "us-east-1b"]).await;
    let group = DbSubnetGroupInput {
        name: "dblink".into(),
        description: "dblink".into(),
        subnet_ids: subnets,
        tags: Tags::new(),
    };
    rds.create_db_subnet_group(group).await.unwrap();
    for id in ids {
        let input = CreateDbInstanceInput {
            id: id.to_string(),
            engine: "postgres".into(),
            instance_class: "db.t3.micro".into(),
            allocated_storage: 20,
            master_username: "dmsadmin".into(),
            master_password: Secret::new("correct-horse"),
            db_subnet_group_name: "dblink".into(),
            ..Default::default()
        };
        rds.create_db_instance(input).await.unwrap();
    }
    rds.clear_calls();
    rds
}

#[tokio::test(start_paused = true)]
async fn a_window_of_instance_reads_makes_one_filtered_call_and_gone_stays_gone() {
    let fake = rds_with(&["stack-a-target", "stack-b-target", "stack-b-source-0"]).await;
    let rds = CoalescedRds::new(fake.clone(), WINDOW);
    let (a, b, upper, gone) = tokio::join!(
        rds.find_db_instance("stack-a-target"),
        rds.find_db_instance("stack-b-target"),
        rds.find_db_instance("Stack-B-Source-0"),
        rds.find_db_instance("stack-c-target"),
    );
    assert_eq!(a.unwrap().map(|i| i.id), Some("stack-a-target".to_string()));
    assert_eq!(b.unwrap().map(|i| i.id), Some("stack-b-target".to_string()));
    assert_eq!(upper.unwrap().map(|i| i.id), Some("stack-b-source-0".to_string()));
    assert_eq!(gone.unwrap(), None, "an instance the filter does not answer is gone");
    assert_eq!(fake.calls(), vec!["find_db_instances"]);
}

#[tokio::test(start_paused = true)]
async fn a_failed_batch_gives_each_lookup_its_own_answer() {
    let fake = rds_with(&["one", "two"]).await;
    fake.fail_next("find_db_instances", AwsError::new(ErrorKind::AccessDenied, "AccessDenied", "filters"));
    fake.fail_next("find_db_instance", AwsError::new(ErrorKind::AccessDenied, "AccessDenied", "this one"));
    let rds = CoalescedRds::new(fake.clone(), WINDOW);
    let (one, two) = tokio::join!(rds.find_db_instance("one"), rds.find_db_instance("two"));
    assert_eq!([one.is_err(), two.is_err()].iter().filter(|e| **e).count(), 1, "{one:?} {two:?}");
    assert!(matches!(&one, Ok(Some(_))) || matches!(&two, Ok(Some(_))), "the other lookup is answered");
    assert_eq!(fake.calls().iter().filter(|c| *c == "find_db_instance").count(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_throttled_batch_throttles_every_lookup_without_single_calls() {
    let fake = rds_with(&["one", "two"]).await;
    fake.fail_next("find_db_instances", AwsError::new(ErrorKind::Throttled, "Throttling", "Rate exceeded"));
    let rds = CoalescedRds::new(fake.clone(), WINDOW);
    let (one, two) = tokio::join!(rds.find_db_instance("one"), rds.find_db_instance("two"));
    assert_eq!(one.unwrap_err().kind, ErrorKind::Throttled);
    assert_eq!(two.unwrap_err().kind, ErrorKind::Throttled);
    assert_eq!(fake.calls(), vec!["find_db_instances"]);
}
