#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::aws::ec2::{Ec2Api, Filters};
use crate::aws::error::ErrorKind;
use crate::aws::fake::tests_net;

fn group(name: &str, subnets: &[String]) -> DbSubnetGroupInput {
    DbSubnetGroupInput {
        name: name.into(),
        description: "dblink".into(),
        subnet_ids: subnets.to_vec(),
        tags: Tags::from([("dmslink:stack".to_string(), "s".to_string())]),
    }
}

fn create_input(id: &str, group: &str) -> CreateDbInstanceInput {
    CreateDbInstanceInput {
        id: id.into(),
        engine: "postgres".into(),
        instance_class: "db.t3.micro".into(),
        allocated_storage: 20,
        master_username: "dmsadmin".into(),
        master_password: Secret::new("correct-horse"),
        db_subnet_group_name: group.into(),
        tags: Tags::from([("dmslink:stack".to_string(), "s".to_string())]),
        ..Default::default()
    }
}

/// A linked EC2 with a VPC, two subnets in two AZs, one in a third AZ of another VPC, and a group.
async fn linked() -> (FakeRds, Arc<FakeEc2>, Vec<String>, String) {
    let ec2 = Arc::new(FakeEc2::new());
    let rds = FakeRds::new();
    rds.link_ec2(ec2.clone());
    let (vpc, subnets) = tests_net::vpc_with_subnets(&ec2, &["us-east-1a", "us-east-1b", "us-east-1a"]).await;
    let sg = tests_net::security_group(&ec2, &vpc, "db").await;
    (rds, ec2, subnets, sg)
}

/// Polls (a second apart, paused time) until the instance is `available`.
async fn available(rds: &FakeRds, id: &str) -> DbInstance {
    for _ in 0..10 {
        if let Some(i) = rds.find_db_instance(id).await.unwrap()
            && i.status == "available"
        {
            return i;
        }
        tokio::time::sleep(STATE_SECONDS).await;
    }
    panic!("{id} never became available");
}

#[tokio::test(start_paused = true)]
async fn fake_rds_subnet_group_rules() {
    let (rds, _ec2, subnets, _) = linked().await;
    let e = rds.create_db_subnet_group(group("One-AZ", &[subnets[0].clone(), subnets[2].clone()])).await.unwrap_err();
    assert_eq!(e.code, "DBSubnetGroupDoesNotCoverEnoughAZs");
    let e = rds.create_db_subnet_group(group("bad", &["subnet-nope".to_string()])).await.unwrap_err();
    assert_eq!(e.code, "InvalidSubnet");
    let g = rds.create_db_subnet_group(group("DbLink-Prod", &subnets[..2])).await.unwrap();
    assert_eq!(g.name, "dblink-prod", "lower-cased");
    assert_eq!(g.status, "Complete");
    assert!(!g.vpc_id.is_empty());
    assert_eq!(
        rds.create_db_subnet_group(group("dblink-prod", &subnets[..2])).await.unwrap_err().kind,
        ErrorKind::AlreadyExists
    );
    assert_eq!(rds.find_db_subnet_group("DBLINK-PROD").await.unwrap().unwrap().subnet_ids.len(), 2);
    // Modify keeps the group (moto's bug dropped it).
    let g = rds.modify_db_subnet_group(group("dblink-prod", &subnets)).await.unwrap();
    assert_eq!(g.subnet_ids.len(), 3);
    assert!(rds.find_db_subnet_group("dblink-prod").await.unwrap().is_some());
    assert_eq!(rds.list_tags(&g.arn).await.unwrap().get("dmslink:stack").map(String::as_str), Some("s"));
    rds.delete_db_subnet_group("dblink-prod").await.unwrap();
    assert_eq!(rds.find_db_subnet_group("dblink-prod").await.unwrap(), None);
    assert_eq!(rds.delete_db_subnet_group("dblink-prod").await.unwrap_err().kind, ErrorKind::NotFound);
}

#[tokio::test(start_paused = true)]
async fn fake_rds_create_wait_modify_delete() {
    let (rds, ec2, subnets, sg) = linked().await;
    rds.create_db_subnet_group(group("g", &subnets[..2])).await.unwrap();
    rds.set_create_steps(&["creating", "backing-up", "available"]);
    let mut input = create_input("Target-DB", "g");
    input.vpc_security_group_ids = vec![sg.clone()];
    let i = rds.create_db_instance(input.clone()).await.unwrap();
    assert_eq!((i.id.as_str(), i.status.as_str(), i.endpoint_address.as_deref()), ("target-db", "creating", None));
    assert_eq!(rds.create_db_instance(input).await.unwrap_err().code, "DBInstanceAlreadyExists");
    // Its network interface holds the subnet and the group.
    assert_eq!(ec2.find_network_interfaces(&Filters::new().with("group-id", &sg)).await.unwrap().len(), 1);
    // A step every STATE_SECONDS, however often it is described.
    for _ in 0..3 {
        assert_eq!(rds.find_db_instance("target-db").await.unwrap().unwrap().status, "creating");
    }
    tokio::time::advance(2 * STATE_SECONDS).await;
    assert_eq!(rds.find_db_instance("target-db").await.unwrap().unwrap().status, "backing-up");
    let i = available(&rds, "target-db").await;
    assert_eq!(i.endpoint_port, Some(5432));
    assert!(i.endpoint_address.is_some());
    assert_eq!(i.tags.get("dmslink:stack").map(String::as_str), Some("s"));

    let e = rds.modify_db_instance(ModifyDbInstanceInput { id: "target-db".into(), ..Default::default() }).await;
    assert_eq!(e.unwrap_err().message, "No modifications were requested");
    let same = ModifyDbInstanceInput {
        id: "target-db".into(),
        instance_class: Some("db.t3.micro".into()),
        ..Default::default()
    };
    assert_eq!(rds.modify_db_instance(same).await.unwrap_err().code, "InvalidParameterCombination");
    let m = ModifyDbInstanceInput {
        id: "target-db".into(),
        instance_class: Some("db.t3.small".into()),
        master_password: Some(Secret::new("new-password-1")),
        backup_window: Some("04:00-04:30".into()),
        ..Default::default()
    };
    let i = rds.modify_db_instance(m.clone()).await.unwrap();
    assert_eq!(i.status, "modifying");
    assert_eq!(i.pending.instance_class.as_deref(), Some("db.t3.small"));
    assert!(i.pending.master_password);
    assert_eq!(i.backup_window.as_deref(), Some("04:00-04:30"), "windows apply at once");
    assert_eq!(rds.modify_db_instance(m).await.unwrap_err().code, "InvalidDBInstanceState");
    let i = available(&rds, "target-db").await;
    assert_eq!(i.instance_class, "db.t3.small");
    assert!(i.pending.is_empty());
    assert_eq!(rds.master_password("target-db"), Some(Secret::new("new-password-1")));
    let e = rds
        .modify_db_instance(ModifyDbInstanceInput {
            id: "target-db".into(),
            allocated_storage: Some(10),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterCombination");
    let e = rds
        .modify_db_instance(ModifyDbInstanceInput {
            id: "target-db".into(),
            engine_version: Some("17.9".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(e.message.contains("AllowMajorVersionUpgrade"), "{e}");

    // Deleting needs a final-snapshot decision; the subnet group waits for the instance.
    let bare = DeleteDbInstanceInput { id: "target-db".into(), ..Default::default() };
    assert_eq!(rds.delete_db_instance(bare).await.unwrap_err().code, "InvalidParameterCombination");
    let both = DeleteDbInstanceInput {
        final_snapshot_identifier: Some("x".into()),
        ..DeleteDbInstanceInput::skip_final_snapshot("target-db")
    };
    assert_eq!(rds.delete_db_instance(both).await.unwrap_err().code, "InvalidParameterCombination");
    rds.delete_db_instance(DeleteDbInstanceInput::with_final_snapshot("target-db", "target-final")).await.unwrap();
    assert_eq!(
        rds.delete_db_instance(DeleteDbInstanceInput::skip_final_snapshot("target-db")).await.unwrap_err().kind,
        ErrorKind::InvalidState
    );
    let e = rds.delete_db_subnet_group("g").await.unwrap_err();
    assert_eq!((e.code.as_str(), e.kind), ("InvalidDBSubnetGroupStateFault", ErrorKind::InvalidState));
    assert_eq!(rds.find_db_instance("target-db").await.unwrap().unwrap().status, "deleting");
    tokio::time::advance(STATE_SECONDS).await;
    assert_eq!(rds.find_db_instance("target-db").await.unwrap(), None);
    assert!(ec2.network_interfaces().is_empty(), "RDS takes its interfaces away");
    rds.delete_db_subnet_group("g").await.unwrap();
    let snap = rds.find_db_snapshot("target-final").await.unwrap().unwrap();
    assert_eq!((snap.engine.as_str(), snap.db_instance_id.as_str()), ("postgres", "target-db"));
    assert_eq!(
        rds.delete_db_instance(DeleteDbInstanceInput::skip_final_snapshot("target-db")).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
}

#[tokio::test(start_paused = true)]
async fn fake_rds_deletion_protection_blocks_delete() {
    let rds = FakeRds::new();
    rds.create_db_subnet_group(group("g", &["subnet-a".into(), "subnet-b".into()])).await.unwrap();
    let mut input = create_input("prod", "g");
    input.deletion_protection = true;
    rds.create_db_instance(input).await.unwrap();
    available(&rds, "prod").await;
    let e = rds.delete_db_instance(DeleteDbInstanceInput::skip_final_snapshot("prod")).await.unwrap_err();
    assert!(e.message.contains("deletion protection"), "{e}");
    rds.modify_db_instance(ModifyDbInstanceInput {
        id: "prod".into(),
        deletion_protection: Some(false),
        ..Default::default()
    })
    .await
    .unwrap();
    available(&rds, "prod").await;
    rds.delete_db_instance(DeleteDbInstanceInput::skip_final_snapshot("prod")).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn fake_rds_restore_takes_engine_and_user_from_snapshot() {
    let (rds, _ec2, subnets, sg) = linked().await;
    rds.create_db_subnet_group(group("g", &subnets[..2])).await.unwrap();
    let e = rds
        .restore_db_instance_from_snapshot(RestoreDbInstanceInput {
            id: "src".into(),
            snapshot_identifier: "nope".into(),
            db_subnet_group_name: "g".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!((e.code.as_str(), e.kind), ("DBSnapshotNotFound", ErrorKind::NotFound));
    rds.add_snapshot("src-snap", "oracle-se2", "admin", 100);
    let i = rds
        .restore_db_instance_from_snapshot(RestoreDbInstanceInput {
            id: "src".into(),
            snapshot_identifier: "src-snap".into(),
            instance_class: Some("db.t3.medium".into()),
            db_name: Some("SRCDB".into()),
            db_subnet_group_name: "g".into(),
            vpc_security_group_ids: vec![sg],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(i.status, "creating");
    let i = available(&rds, "src").await;
    assert_eq!((i.engine.as_str(), i.master_username.as_deref()), ("oracle-se2", Some("admin")));
    assert_eq!((i.allocated_storage, i.endpoint_port, i.db_name.as_deref()), (100, Some(1521), Some("SRCDB")));
    // The follow-up modify applies what restore cannot take.
    let i = rds
        .modify_db_instance(ModifyDbInstanceInput {
            id: "src".into(),
            allocated_storage: Some(200),
            backup_retention_period: Some(7),
            master_password: Some(Secret::new("source-password")),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(i.pending.allocated_storage, Some(200));
    let i = available(&rds, "src").await;
    assert_eq!((i.allocated_storage, i.backup_retention_period), (200, 7));
    rds.add_snapshot("pg-snap", "postgres", "pg", 20);
    let e = rds
        .restore_db_instance_from_snapshot(RestoreDbInstanceInput {
            id: "pg".into(),
            snapshot_identifier: "pg-snap".into(),
            db_name: Some("app".into()),
            db_subnet_group_name: "g".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterValue", "postgres restores take no DBName");
}

#[tokio::test(start_paused = true)]
async fn fake_rds_validates_inputs_and_security_groups() {
    let (rds, ec2, subnets, _) = linked().await;
    rds.create_db_subnet_group(group("g", &subnets[..2])).await.unwrap();
    let mut i = create_input("bad--id", "g");
    assert_eq!(rds.create_db_instance(i.clone()).await.unwrap_err().code, "InvalidParameterValue");
    i.id = "ok".into();
    i.master_password = Secret::new("Xq9z");
    let e = rds.create_db_instance(i.clone()).await.unwrap_err();
    assert_eq!(e.code, "InvalidParameterValue");
    assert!(!e.message.contains("Xq9z"), "never echo a password: {e}");
    i.master_password = Secret::new("long-enough");
    i.db_subnet_group_name = "nope".into();
    assert_eq!(rds.create_db_instance(i.clone()).await.unwrap_err().kind, ErrorKind::NotFound);
    i.db_subnet_group_name = "g".into();
    let other = ec2.create_vpc("10.1.0.0/24", &Tags::new()).await.unwrap();
    let foreign = ec2.default_security_group(&other.id).unwrap();
    i.vpc_security_group_ids = vec![foreign];
    assert_eq!(rds.create_db_instance(i.clone()).await.unwrap_err().code, "InvalidParameterCombination");
    i.vpc_security_group_ids = vec![];
    rds.create_db_instance(i).await.unwrap();
    assert_eq!(rds.instance_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn fake_rds_tags_failures_and_holds() {
    let rds = FakeRds::new();
    rds.create_db_subnet_group(group("g", &["subnet-a".into()])).await.unwrap();
    let i = rds.create_db_instance(create_input("db", "g")).await.unwrap();
    rds.add_tags(&i.arn, &Tags::from([("team".to_string(), "data".to_string())])).await.unwrap();
    rds.remove_tags(&i.arn, &["dmslink:stack".to_string()]).await.unwrap();
    assert_eq!(rds.list_tags(&i.arn).await.unwrap(), Tags::from([("team".to_string(), "data".to_string())]));
    assert_eq!(
        rds.list_tags("arn:aws:rds:us-east-1:123456789012:db:nope").await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    rds.hold("db", true);
    tokio::time::advance(5 * STATE_SECONDS).await;
    assert_eq!(rds.find_db_instance("db").await.unwrap().unwrap().status, "creating");
    rds.hold("db", false);
    assert_eq!(rds.instance("db").unwrap().status, "available", "released: what fell due meanwhile applies");
    rds.script("db", &["failed"]);
    tokio::time::advance(STATE_SECONDS).await;
    assert_eq!(rds.find_db_instance("db").await.unwrap().unwrap().status, "failed");
    rds.fail_next("find_db_instance", AwsError::from_code("Throttling", "Rate exceeded"));
    assert_eq!(rds.find_db_instance("db").await.unwrap_err().kind, ErrorKind::Throttled);
    assert_eq!(rds.arns_tagged("team", "data"), vec![i.arn.clone()]);
    rds.remove_instance("db");
    assert_eq!(rds.find_db_instance("db").await.unwrap(), None);
}

#[tokio::test(start_paused = true)]
async fn fake_rds_refuses_what_is_not_offered() {
    let (rds, _ec2, subnets, _sg) = linked().await;
    rds.create_db_subnet_group(group("g", &subnets[..2])).await.unwrap();
    let e = rds
        .create_db_instance(CreateDbInstanceInput { instance_class: "db.t2.micro".into(), ..create_input("a", "g") })
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterCombination");
    assert!(
        e.message.starts_with(
            "RDS does not support creating a DB instance with the following combination: DBInstanceClass=db.t2.micro, \
             Engine=postgres, EngineVersion=18.3, LicenseModel=postgresql-license."
        ),
        "{e}"
    );
    let e = rds
        .create_db_instance(CreateDbInstanceInput { engine_version: Some("9.3.14".into()), ..create_input("a", "g") })
        .await
        .unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        ("InvalidParameterCombination", "Cannot find version 9.3.14 for postgres")
    );
    // A major version alone is its newest minor.
    let i = rds
        .create_db_instance(CreateDbInstanceInput { engine_version: Some("17".into()), ..create_input("a", "g") })
        .await
        .unwrap();
    assert_eq!(i.engine_version, "17.9");
    available(&rds, "a").await;
    let e = rds
        .modify_db_instance(ModifyDbInstanceInput {
            id: "a".into(),
            instance_class: Some("db.t2.small".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterCombination");
    let e = rds
        .modify_db_instance(ModifyDbInstanceInput {
            id: "a".into(),
            engine_version: Some("17.8".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.message, "Cannot find version 17.8 for postgres");

    // A restore keeps the snapshot's version, and Oracle is not offered on db.t3.micro.
    rds.add_snapshot("old-snap", "oracle-se2", "admin", 100);
    let restore = |class: Option<&str>| RestoreDbInstanceInput {
        id: "b".into(),
        snapshot_identifier: "old-snap".into(),
        instance_class: class.map(str::to_string),
        db_subnet_group_name: "g".into(),
        ..Default::default()
    };
    let e = rds.restore_db_instance_from_snapshot(restore(Some("db.t3.micro"))).await.unwrap_err();
    assert!(e.message.contains("DBInstanceClass=db.t3.micro, Engine=oracle-se2"), "{e}");
    rds.set_snapshot_engine_version("old-snap", "12.1.0.2.v8");
    let e = rds.restore_db_instance_from_snapshot(restore(None)).await.unwrap_err();
    assert_eq!(e.message, "Cannot find version 12.1.0.2.v8 for oracle-se2");

    // What is offered, as the describe calls list it.
    assert_eq!(rds.list_db_engine_versions("postgres", None, true).await.unwrap()[0].version, "18.3");
    let classes = rds.list_orderable_db_instance_classes("postgres", "18.3").await.unwrap();
    assert!(classes.contains(&"db.t3.micro".to_string()) && !classes.contains(&"db.t2.micro".to_string()));
}
