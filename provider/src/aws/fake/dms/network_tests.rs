//! The fake's subnet groups, replication instances, endpoints and connection tests, under paused
//! time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use super::FakeDms;
use super::tasks_tests::input;
use crate::aws::Secret;
use crate::aws::dms::{
    CreateEndpointInput, CreateReplicationInstanceInput, DmsApi, Endpoint, ModifyEndpointInput,
    ModifyReplicationInstanceInput, ReplicationInstance, ReplicationSubnetGroupInput, StartType, Tags, TasksUsing,
};
use crate::aws::error::ErrorKind;

async fn tick() {
    tokio::time::advance(Duration::from_secs(1)).await;
}

// ---- subnet groups, instances, endpoints, connections --------------------------------

use crate::aws::ec2::{Ec2Api, Filters};
use crate::aws::fake::{FakeEc2, FakeIam, tests_net};
use crate::aws::iam::{CreateRoleInput, DMS_VPC_ROLE, IamApi, dms_trust_policy, dms_vpc_policy_arn};

struct Net {
    dms: FakeDms,
    ec2: Arc<FakeEc2>,
    iam: Arc<FakeIam>,
    vpc: String,
    subnets: Vec<String>,
    sg: String,
}

/// A DMS fake linked to IAM (with `dms-vpc-role`) and EC2 (a VPC, two subnets in two AZs and
/// a third in the first AZ, a security group).
async fn net() -> Net {
    let ec2 = Arc::new(FakeEc2::new());
    let iam = Arc::new(FakeIam::new());
    iam.add_dms_vpc_role();
    let dms = FakeDms::new();
    dms.link_ec2(ec2.clone());
    dms.link_iam(iam.clone());
    let (vpc, subnets) = tests_net::vpc_with_subnets(&ec2, &["us-east-1a", "us-east-1b", "us-east-1a"]).await;
    let sg = tests_net::security_group(&ec2, &vpc, "dms").await;
    Net { dms, ec2, iam, vpc, subnets, sg }
}

fn group_input(id: &str, subnets: &[String]) -> ReplicationSubnetGroupInput {
    ReplicationSubnetGroupInput {
        id: id.into(),
        description: "dblink".into(),
        subnet_ids: subnets.to_vec(),
        tags: Tags::from([("dmslink:stack".to_string(), "dblink".to_string())]),
    }
}

fn instance_input(id: &str, group: &str, sg: &str) -> CreateReplicationInstanceInput {
    CreateReplicationInstanceInput {
        id: id.into(),
        class: "dms.t3.medium".into(),
        allocated_storage: Some(50),
        subnet_group_id: group.into(),
        vpc_security_group_ids: vec![sg.to_string()],
        tags: Tags::from([("dmslink:stack".to_string(), "dblink".to_string())]),
        ..Default::default()
    }
}

fn endpoint_input(id: &str, kind: &str, engine: &str) -> CreateEndpointInput {
    CreateEndpointInput {
        id: id.into(),
        endpoint_type: kind.into(),
        engine_name: engine.into(),
        server_name: Some("db.internal".into()),
        port: Some(if engine == "oracle" { 1521 } else { 5432 }),
        database_name: Some("app".into()),
        username: Some("dms".into()),
        password: Some(Secret::new("s3cret-pw")),
        ssl_mode: None,
        extra_connection_attributes: None,
        kms_key_id: None,
        certificate_arn: None,
        secrets_manager: None,
        engine_settings: Default::default(),
        tags: Tags::new(),
    }
}

async fn available_instance(dms: &FakeDms, arn: &str) -> ReplicationInstance {
    for _ in 0..10 {
        tick().await;
        if let Some(i) = dms.describe_replication_instance_by_arn(arn).await.unwrap()
            && i.status == "available"
        {
            return i;
        }
    }
    panic!("{arn} never became available");
}

#[tokio::test(start_paused = true)]
async fn fake_dms_creates_need_dms_vpc_role() {
    let ec2 = Arc::new(FakeEc2::new());
    let iam = Arc::new(FakeIam::new());
    let dms = FakeDms::new();
    dms.link_iam(iam.clone());
    let e = dms.create_replication_subnet_group(group_input("g", &["subnet-a".into()])).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.kind), ("AccessDeniedFault", ErrorKind::AccessDenied));
    assert!(e.message.contains("dms-vpc-role"), "{e}");
    let e = dms.create_replication_instance(instance_input("ri", "g", "sg-1")).await.unwrap_err();
    assert_eq!(e.code, "AccessDeniedFault");

    // Creating the role is not enough until the policy is attached and IAM has propagated.
    iam.set_dms_propagation_delay(1);
    iam.create_role(CreateRoleInput {
        name: DMS_VPC_ROLE.into(),
        assume_role_policy: dms_trust_policy(),
        ..Default::default()
    })
    .await
    .unwrap();
    let e = dms.create_replication_subnet_group(group_input("g", &["subnet-a".into()])).await.unwrap_err();
    assert_eq!(e.code, "AccessDeniedFault", "no policy yet");
    iam.attach_role_policy(DMS_VPC_ROLE, &dms_vpc_policy_arn("aws")).await.unwrap();
    let e = dms.create_replication_subnet_group(group_input("g", &["subnet-a".into()])).await.unwrap_err();
    assert_eq!(e.code, "AccessDeniedFault", "still propagating");
    dms.create_replication_subnet_group(group_input("g", &["subnet-a".into()])).await.unwrap();
    drop(ec2);
}

#[tokio::test(start_paused = true)]
async fn fake_dms_subnet_group_rules() {
    let n = net().await;
    let e =
        n.dms.create_replication_subnet_group(group_input("g", &[n.subnets[0].clone(), n.subnets[2].clone()])).await;
    assert_eq!(e.unwrap_err().code, "ReplicationSubnetGroupDoesNotCoverEnoughAZs");
    let e = n.dms.create_replication_subnet_group(group_input("g", &["subnet-nope".into()])).await;
    assert_eq!(e.unwrap_err().code, "InvalidSubnet");
    let g = n.dms.create_replication_subnet_group(group_input("DbLink-Prod", &n.subnets[..2])).await.unwrap();
    assert_eq!((g.id.as_str(), g.vpc_id.as_str(), g.status.as_str()), ("dblink-prod", n.vpc.as_str(), "Complete"));
    let e = n.dms.create_replication_subnet_group(group_input("dblink-prod", &n.subnets[..2])).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::AlreadyExists);
    assert_eq!(n.dms.find_replication_subnet_group("DBLINK-PROD").await.unwrap(), Some(g.clone()));
    let arn = n.dms.subnet_group_arn("dblink-prod");
    assert_eq!(n.dms.list_tags(&arn).await.unwrap().get("dmslink:stack").map(String::as_str), Some("dblink"));

    // Underscored ids can be created but not described (aws-cli#8373).
    n.dms.create_replication_subnet_group(group_input("with_underscore", &n.subnets[..2])).await.unwrap();
    assert_eq!(n.dms.find_replication_subnet_group("with_underscore").await.unwrap(), None);

    let g = n.dms.modify_replication_subnet_group(group_input("dblink-prod", &n.subnets)).await.unwrap();
    assert_eq!(g.subnet_ids.len(), 3);
    let e = n.dms.modify_replication_subnet_group(group_input("dblink-prod", &[])).await.unwrap_err();
    assert_eq!(e.code, "InvalidParameterValueException", "subnets are always resent");

    let ri = n.dms.create_replication_instance(instance_input("ri", "dblink-prod", &n.sg)).await.unwrap();
    let e = n.dms.delete_replication_subnet_group("dblink-prod").await.unwrap_err();
    assert_eq!((e.code.as_str(), e.kind), ("InvalidResourceStateFault", ErrorKind::InvalidState));
    let e = n.dms.modify_replication_subnet_group(group_input("dblink-prod", &n.subnets[1..])).await.unwrap_err();
    assert_eq!(e.code, "SubnetAlreadyInUse", "the instance's interface is in the first subnet");
    available_instance(&n.dms, &ri.arn).await;
    n.dms.delete_replication_instance(&ri.arn).await.unwrap();
    tick().await;
    assert_eq!(n.dms.describe_replication_instance_by_arn(&ri.arn).await.unwrap(), None);
    n.dms.delete_replication_subnet_group("dblink-prod").await.unwrap();
    // `deleting` a while (dms_realism.py): the identifier is taken, the group unusable.
    let g = n.dms.find_replication_subnet_group("dblink-prod").await.unwrap().unwrap();
    assert_eq!(g.status, "deleting");
    let e = n.dms.delete_replication_subnet_group("dblink-prod").await.unwrap_err();
    assert_eq!(e.code, "InvalidResourceStateFault");
    let e = n.dms.create_replication_subnet_group(group_input("dblink-prod", &n.subnets[..2])).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::AlreadyExists);
    let e = n.dms.create_replication_instance(instance_input("ri2", "dblink-prod", &n.sg)).await.unwrap_err();
    assert_eq!(e.code, "InvalidResourceStateFault");
    tick().await;
    assert_eq!(n.dms.find_replication_subnet_group("dblink-prod").await.unwrap(), None);
    assert_eq!(n.dms.delete_replication_subnet_group("dblink-prod").await.unwrap_err().kind, ErrorKind::NotFound);
}

#[tokio::test(start_paused = true)]
async fn fake_dms_instance_lifecycle_and_leftover_interface() {
    let n = net().await;
    n.dms.create_replication_subnet_group(group_input("g", &n.subnets[..2])).await.unwrap();
    n.dms.set_instance_create_steps(&["creating", "available"]);
    let mut ri_input = instance_input("DbLink-RI", "g", &n.sg);
    let e = n
        .dms
        .create_replication_instance(CreateReplicationInstanceInput { class: "t3.medium".into(), ..ri_input.clone() });
    assert_eq!(e.await.unwrap_err().code, "InvalidParameterValueException");
    let e =
        n.dms.create_replication_instance(CreateReplicationInstanceInput { id: "bad--id".into(), ..ri_input.clone() });
    assert_eq!(e.await.unwrap_err().code, "InvalidParameterValueException");
    ri_input.publicly_accessible = false;
    let ri = n.dms.create_replication_instance(ri_input.clone()).await.unwrap();
    assert_eq!((ri.id.as_str(), ri.status.as_str()), ("dblink-ri", "creating"));
    assert!(!ri.publicly_accessible);
    assert_eq!(n.dms.create_replication_instance(ri_input).await.unwrap_err().kind, ErrorKind::AlreadyExists);
    let enis = n.ec2.find_network_interfaces(&Filters::new().with("group-id", &n.sg)).await.unwrap();
    assert_eq!((enis.len(), enis[0].status.as_str()), (1, "in-use"));

    assert_eq!(n.dms.find_replication_instance("dblink-ri").await.unwrap().unwrap().status, "creating");
    let e = n
        .dms
        .modify_replication_instance(ModifyReplicationInstanceInput {
            arn: ri.arn.clone(),
            class: Some("dms.t3.large".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidState, "not available yet");
    let i = available_instance(&n.dms, &ri.arn).await;
    assert_eq!(i.subnet_group_id.as_deref(), Some("g"));
    assert_eq!(i.availability_zone.as_deref(), Some("us-east-1a"));

    let same = ModifyReplicationInstanceInput {
        arn: ri.arn.clone(),
        class: Some("dms.t3.medium".into()),
        ..Default::default()
    };
    let e = n.dms.modify_replication_instance(same).await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        ("InvalidParameterCombinationException", "No modifications were requested")
    );
    let m = ModifyReplicationInstanceInput {
        arn: ri.arn.clone(),
        class: Some("dms.t3.large".into()),
        allocated_storage: Some(100),
        preferred_maintenance_window: Some("mon:01:00-mon:01:30".into()),
        ..Default::default()
    };
    let i = n.dms.modify_replication_instance(m).await.unwrap();
    assert_eq!(i.status, "modifying");
    assert_eq!((i.pending.class.as_deref(), i.pending.allocated_storage), (Some("dms.t3.large"), Some(100)));
    assert_eq!(i.class, "dms.t3.medium");
    let i = available_instance(&n.dms, &ri.arn).await;
    assert_eq!((i.class.as_str(), i.allocated_storage), ("dms.t3.large", 100));
    assert!(i.pending.is_empty());
    assert_eq!(i.preferred_maintenance_window.as_deref(), Some("mon:01:00-mon:01:30"));
    let e = n
        .dms
        .modify_replication_instance(ModifyReplicationInstanceInput {
            arn: ri.arn.clone(),
            engine_version: Some("4.0.1".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    // No 4.x is offered (rulebook/orderable.json): the catalogue refuses it before any upgrade rule.
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        ("InvalidParameterValueException", "No replication engine found with version: 4.0.1")
    );

    // Tasks hold the instance.
    let mut t = input(&n.dms, "t", "cdc");
    t.replication_instance_arn = ri.arn.clone();
    let task = n.dms.create_replication_task(t).await.unwrap();
    let e = n.dms.delete_replication_instance(&ri.arn).await.unwrap_err();
    assert_eq!(e.code, "InvalidResourceStateFault");
    assert_eq!(e.message, "Replication instance dblink-ri has replication task(s): t");
    tick().await;
    n.dms.delete_replication_task(&task.arn).await.unwrap();
    tick().await;
    n.dms.delete_replication_instance(&ri.arn).await.unwrap();
    assert_eq!(n.dms.delete_replication_instance(&ri.arn).await.unwrap_err().kind, ErrorKind::InvalidState);
    tick().await;
    assert_eq!(n.dms.find_replication_instance("dblink-ri").await.unwrap(), None);

    // DMS leaves its interface behind, detached: it blocks the group and subnet until deleted.
    let left = n.ec2.find_network_interfaces(&Filters::new().with("subnet-id", &n.subnets[0])).await.unwrap();
    assert_eq!((left.len(), left[0].status.as_str()), (1, "available"));
    assert_eq!(n.ec2.delete_security_group(&n.sg).await.unwrap_err().kind, ErrorKind::DependencyViolation);
    assert_eq!(n.ec2.delete_subnet(&n.subnets[0]).await.unwrap_err().kind, ErrorKind::DependencyViolation);
    n.ec2.delete_network_interface(&left[0].id).await.unwrap();
    n.ec2.delete_security_group(&n.sg).await.unwrap();
    drop(n.iam);
}

#[tokio::test(start_paused = true)]
async fn fake_dms_endpoints_create_modify_delete() {
    let dms = FakeDms::new();
    let mut bad = endpoint_input("src", "SOURCE", "oracle");
    bad.password = None;
    let e = dms.create_endpoint(bad).await.unwrap_err();
    assert!(e.message.contains("Password"), "{e}");
    let e = dms.create_endpoint(CreateEndpointInput {
        ssl_mode: Some("strict".into()),
        ..endpoint_input("x", "source", "oracle")
    });
    assert_eq!(e.await.unwrap_err().code, "InvalidParameterValueException");
    let e = dms.create_endpoint(endpoint_input("x", "both", "oracle")).await.unwrap_err();
    assert_eq!(e.code, "InvalidParameterValueException");

    let src = dms.create_endpoint(endpoint_input("src", "SOURCE", "oracle")).await.unwrap();
    assert_eq!((src.endpoint_type.as_str(), src.status.as_str()), ("source", "active"));
    assert_eq!(src.ssl_mode.as_deref(), Some("none"));
    assert!(!format!("{src:?}").contains("s3cret-pw"));
    assert_eq!(dms.endpoint_password(&src.arn), Some(Secret::new("s3cret-pw")));
    assert_eq!(
        dms.create_endpoint(endpoint_input("SRC", "source", "oracle")).await.unwrap_err().kind,
        ErrorKind::AlreadyExists
    );
    let tgt = dms.create_endpoint(endpoint_input("tgt", "target", "postgres")).await.unwrap();
    assert_eq!(dms.find_endpoint("tgt").await.unwrap().map(|e| e.arn), Some(tgt.arn.clone()));
    assert_eq!(dms.find_endpoint("nope").await.unwrap(), None);
    let ids = |v: Vec<Endpoint>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(ids(dms.list_endpoints("source").await.unwrap()), vec!["src"]);
    assert_eq!(ids(dms.list_endpoints("TARGET").await.unwrap()), vec!["tgt"]);

    // A running task on the endpoint blocks modify (#27661) and delete.
    let ri = dms.add_replication_instance("ri");
    let mut t = input(&dms, "t", "cdc");
    t.source_endpoint_arn = src.arn.clone();
    t.target_endpoint_arn = tgt.arn.clone();
    t.replication_instance_arn = ri.arn.clone();
    let task = dms.create_replication_task(t).await.unwrap();
    tick().await;
    dms.start_replication_task(&task.arn, StartType::StartReplication).await.unwrap();
    tick().await;
    let using = dms.list_replication_tasks_using(&TasksUsing::Endpoint(src.arn.clone())).await.unwrap();
    assert_eq!(using.iter().map(|t| t.status.as_str()).collect::<Vec<_>>(), vec!["running"]);
    assert_eq!(dms.list_replication_tasks_using(&TasksUsing::Instance(ri.arn.clone())).await.unwrap().len(), 1);
    assert!(dms.list_replication_tasks_using(&TasksUsing::Instance("arn:other".into())).await.unwrap().is_empty());
    let change =
        ModifyEndpointInput { arn: src.arn.clone(), password: Some(Secret::new("new-pw-1")), ..Default::default() };
    let e = dms.modify_endpoint(change.clone()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidState);
    assert!(!e.message.contains("new-pw-1"), "{e}");
    dms.stop_replication_task(&task.arn).await.unwrap();
    tick().await;
    let ep =
        dms.modify_endpoint(ModifyEndpointInput { server_name: Some("db2.internal".into()), ..change }).await.unwrap();
    assert_eq!(ep.server_name.as_deref(), Some("db2.internal"));
    assert_eq!(dms.endpoint_password(&src.arn), Some(Secret::new("new-pw-1")));

    assert_eq!(dms.delete_endpoint(&src.arn).await.unwrap_err().code, "InvalidResourceStateFault");
    dms.delete_replication_task(&task.arn).await.unwrap();
    tick().await;
    dms.delete_endpoint(&src.arn).await.unwrap();
    assert_eq!(dms.find_endpoint_by_arn(&src.arn).await.unwrap().map(|e| e.status).as_deref(), Some("deleting"));
    tick().await;
    assert_eq!(dms.find_endpoint_by_arn(&src.arn).await.unwrap(), None);
    assert_eq!(dms.delete_endpoint(&src.arn).await.unwrap_err().kind, ErrorKind::NotFound);
}

#[tokio::test(start_paused = true)]
async fn fake_dms_connection_tests() {
    let dms = FakeDms::new();
    let ri = dms.add_replication_instance("ri");
    let ep = dms.create_endpoint(endpoint_input("tgt", "target", "postgres")).await.unwrap();
    assert_eq!(dms.find_connection(&ri.arn, &ep.arn).await.unwrap(), None);
    let c = dms.test_connection(&ri.arn, &ep.arn).await.unwrap();
    assert_eq!(c.status, "testing");
    assert_eq!(dms.test_connection(&ri.arn, &ep.arn).await.unwrap_err().kind, ErrorKind::InvalidState);
    tick().await;
    assert_eq!(dms.find_connection(&ri.arn, &ep.arn).await.unwrap().unwrap().status, "successful");
    dms.fail_connection(&ep.arn, "could not connect to db.internal:5432");
    dms.test_connection(&ri.arn, &ep.arn).await.unwrap();
    tick().await;
    let c = dms.find_connection(&ri.arn, &ep.arn).await.unwrap().unwrap();
    assert_eq!(
        (c.status.as_str(), c.last_failure_message.as_deref()),
        ("failed", Some("could not connect to db.internal:5432"))
    );
}

#[tokio::test(start_paused = true)]
async fn fake_dms_instance_holds_and_scripts() {
    let n = net().await;
    n.dms.create_replication_subnet_group(group_input("g", &n.subnets[..2])).await.unwrap();
    let ri = n.dms.create_replication_instance(instance_input("ri", "g", &n.sg)).await.unwrap();
    n.dms.hold(&ri.arn, true);
    for _ in 0..3 {
        tick().await;
        assert_eq!(n.dms.describe_replication_instance_by_arn(&ri.arn).await.unwrap().unwrap().status, "creating");
    }
    n.dms.hold(&ri.arn, false);
    n.dms.script_object(&ri.arn, &["incompatible-network"]);
    tick().await;
    assert_eq!(n.dms.find_replication_instance("ri").await.unwrap().unwrap().status, "incompatible-network");
    assert_eq!(n.dms.arns_tagged("dmslink:stack", "dblink").len(), 2, "subnet group and instance");
    n.dms.remove_replication_instance(&ri.arn);
    assert_eq!(n.dms.instance_count(), 0);
    assert_eq!(n.ec2.network_interfaces()[0].status, "available");
}

#[tokio::test(start_paused = true)]
async fn fake_dms_instances_refuse_what_is_not_offered() {
    let n = net().await;
    n.dms.create_replication_subnet_group(group_input("g", &n.subnets[..2])).await.unwrap();
    let base = instance_input("ri", "g", &n.sg);
    for class in ["dms.t2.micro", "dms.t3.micro", "dms.c4.large"] {
        let e = n
            .dms
            .create_replication_instance(CreateReplicationInstanceInput { class: class.into(), ..base.clone() })
            .await
            .unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("InvalidParameterValueException", "Invalid ReplicationInstance class")
        );
    }
    // The version is checked first.
    let e = n
        .dms
        .create_replication_instance(CreateReplicationInstanceInput {
            class: "dms.t2.micro".into(),
            engine_version: Some("1.9.0".into()),
            ..base.clone()
        })
        .await
        .unwrap_err();
    assert_eq!(e.message, "No replication engine found with version: 1.9.0");
    let ri = n.dms.create_replication_instance(base.clone()).await.unwrap();
    assert_eq!(ri.engine_version.as_deref(), Some("3.5.4"));
    // Checked before the instance's state, as the emulator does.
    let early = ModifyReplicationInstanceInput {
        arn: ri.arn.clone(),
        engine_version: Some("3.5.3".into()),
        ..Default::default()
    };
    let e = n.dms.modify_replication_instance(early).await.unwrap_err();
    assert_eq!(e.message, "No replication engine found with version: 3.5.3");
    let ri = available_instance(&n.dms, &ri.arn).await;
    let e = n
        .dms
        .modify_replication_instance(ModifyReplicationInstanceInput {
            arn: ri.arn.clone(),
            class: Some("dms.t2.micro".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.message, "Invalid ReplicationInstance class");
    let offered = n.dms.list_orderable_replication_instances().await.unwrap();
    assert!(offered.iter().any(|o| o.class == "dms.t3.small" && o.engine_version == "3.5.4"));
    assert!(!offered.iter().any(|o| o.class == "dms.t2.micro"));
    let versions = n.dms.list_engine_versions().await.unwrap();
    assert_eq!(versions.iter().find(|v| v.is_default()).map(|v| v.version.as_str()), Some("3.5.4"));
}
