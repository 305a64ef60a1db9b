#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[test]
fn sdk_task_maps_to_domain_task() {
    let sdk = t::ReplicationTask::builder()
        .replication_task_arn("arn:aws:dms:us-east-1:123456789012:task:ABC")
        .replication_task_identifier("my-task")
        .status("Running")
        .migration_type(MigrationTypeValue::FullLoadAndCdc)
        .table_mappings("{}")
        .replication_task_settings("{\"Logging\":{}}")
        .stop_reason("")
        .last_failure_message("boom")
        .build();
    let task = task_from_sdk(&sdk);
    assert_eq!(task.status, "running");
    assert_eq!(task.migration_type, "full-load-and-cdc");
    assert_eq!(task.id, "my-task");
    assert_eq!(task.settings.as_deref(), Some("{\"Logging\":{}}"));
    assert_eq!(task.stop_reason, None);
    assert_eq!(task.last_failure_message.as_deref(), Some("boom"));
}

#[test]
fn more_than_one_match_is_an_error() {
    assert_eq!(exactly_one(Vec::<u8>::new(), "x", "k"), Ok(None));
    assert_eq!(exactly_one(vec![1u8], "x", "k"), Ok(Some(1)));
    let e = exactly_one(vec![1u8, 2], "replication task", "k").unwrap_err();
    assert!(e.message.contains("found 2"), "{e}");
}

#[test]
fn endpoint_type_is_lower_case() {
    let sdk = t::Endpoint::builder()
        .endpoint_arn("arn:e")
        .endpoint_identifier("src")
        .endpoint_type(t::ReplicationEndpointTypeValue::Source)
        .engine_name("oracle")
        .status("active")
        .build();
    let e = endpoint_from_sdk(&sdk);
    assert_eq!(e.endpoint_type, "source");
    assert_eq!(e.engine_name, "oracle");
}

#[test]
fn sdk_instance_maps_pending_values_group_and_security_groups() {
    let sdk = t::ReplicationInstance::builder()
        .replication_instance_arn("arn:aws:dms:us-east-1:123456789012:rep:ABC")
        .replication_instance_identifier("dblink-prod")
        .replication_instance_status("Modifying")
        .replication_instance_class("dms.t3.medium")
        .engine_version("3.5.3")
        .allocated_storage(50)
        .multi_az(false)
        .publicly_accessible(false)
        .auto_minor_version_upgrade(true)
        .preferred_maintenance_window("sun:06:00-sun:06:30")
        .replication_subnet_group(
            t::ReplicationSubnetGroup::builder().replication_subnet_group_identifier("dblink-prod").build(),
        )
        .vpc_security_groups(t::VpcSecurityGroupMembership::builder().vpc_security_group_id("sg-1").build())
        .replication_instance_private_ip_addresses("10.0.0.12")
        .pending_modified_values(
            t::ReplicationPendingModifiedValues::builder()
                .replication_instance_class("dms.t3.large")
                .allocated_storage(100)
                .build(),
        )
        .build();
    let i = instance_from_sdk(&sdk);
    assert_eq!((i.status.as_str(), i.class.as_str(), i.allocated_storage), ("modifying", "dms.t3.medium", 50));
    assert_eq!(i.subnet_group_id.as_deref(), Some("dblink-prod"));
    assert_eq!(i.vpc_security_group_ids, vec!["sg-1".to_string()]);
    assert_eq!(i.private_ip_addresses, vec!["10.0.0.12".to_string()]);
    assert_eq!(i.pending.class.as_deref(), Some("dms.t3.large"));
    assert_eq!(i.pending.allocated_storage, Some(100));
    assert!(!i.publicly_accessible && i.auto_minor_version_upgrade);
    let bare = instance_from_sdk(&t::ReplicationInstance::builder().replication_instance_identifier("x").build());
    assert!(bare.pending.is_empty());
    assert_eq!(bare.engine_version, None);
}

#[test]
fn sdk_subnet_group_connection_and_endpoint_details_map() {
    let g = t::ReplicationSubnetGroup::builder()
        .replication_subnet_group_identifier("dblink")
        .replication_subnet_group_description("d")
        .vpc_id("vpc-1")
        .subnet_group_status("Complete")
        .subnets(t::Subnet::builder().subnet_identifier("subnet-1").build())
        .subnets(t::Subnet::builder().subnet_identifier("subnet-2").build())
        .build();
    let g = subnet_group_from_sdk(&g);
    assert_eq!(g.subnet_ids, vec!["subnet-1".to_string(), "subnet-2".to_string()]);
    assert_eq!((g.vpc_id.as_str(), g.status.as_str()), ("vpc-1", "Complete"));

    let c = t::Connection::builder()
        .replication_instance_arn("arn:r")
        .endpoint_arn("arn:e")
        .status("Failed")
        .last_failure_message("timeout")
        .build();
    let c = connection_from_sdk(&c);
    assert_eq!((c.status.as_str(), c.last_failure_message.as_deref()), ("failed", Some("timeout")));

    let e = t::Endpoint::builder()
        .endpoint_arn("arn:e")
        .endpoint_identifier("tgt")
        .endpoint_type(t::ReplicationEndpointTypeValue::from("TARGET"))
        .engine_name("postgres")
        .server_name("db.internal")
        .port(5432)
        .database_name("app")
        .username("dms")
        .ssl_mode(t::DmsSslModeValue::Require)
        .extra_connection_attributes("")
        .status("active")
        .build();
    let e = endpoint_from_sdk(&e);
    assert_eq!(e.endpoint_type, "target");
    assert_eq!(
        (e.server_name.as_deref(), e.port, e.ssl_mode.as_deref()),
        (Some("db.internal"), Some(5432), Some("require"))
    );
    assert_eq!(e.extra_connection_attributes, None);
    assert_eq!(endpoint_type_of("Source"), t::ReplicationEndpointTypeValue::Source);
}

/// End to end over HTTP: provider configuration (with the STS check), then every `DmsApi` call
/// through the SDK. Run with the emulator:
/// the test starts its own emulator from the project's venv (`make venv`).
#[tokio::test]
async fn sdk_dms_round_trip_against_emulator() {
    use crate::aws::wait::{Wait, WaitOptions, wait_for};
    use crate::engine::Value;
    use crate::provider_config::{Sources, configure_with};
    use std::collections::BTreeMap;
    use std::time::Duration;

    // Its own emulator from the venv (`make venv`), stopped when `emulator` drops.
    let emulator = dmslink_acctest::Emulator::start();
    let url = emulator.endpoint();
    let endpoints: BTreeMap<String, Value> =
        ["dms", "ec2", "rds", "iam", "sts", "s3"].iter().map(|s| (s.to_string(), Value::string(&url))).collect();
    let mut cfg: BTreeMap<String, Value> = match crate::provider_config::schema().value_type() {
        crate::engine::Type::Object(m) => m.into_keys().map(|k| (k, Value::Null)).collect(),
        _ => unreachable!(),
    };
    cfg.insert("region".into(), Value::string("us-east-1"));
    cfg.insert("access_key".into(), Value::string("testing"));
    cfg.insert("secret_key".into(), Value::string("testing"));
    cfg.insert("endpoints".into(), Value::Object(endpoints));
    let env = Sources::Fixed(vec![("AWS_EC2_METADATA_DISABLED".into(), "true".into())]);
    let conf = configure_with(&Value::Object(cfg), env).await.unwrap_or_else(|d| panic!("{d:?}"));
    assert_eq!(conf.account_id.as_deref(), Some("123456789012"));
    assert_eq!(conf.partition, "aws");

    // The strict emulator wants dms-vpc-role (with its managed policy) before an instance.
    let iam = conf.clients.iam.clone();
    if iam.get_role(crate::aws::iam::DMS_VPC_ROLE).await.unwrap().is_none() {
        iam.create_role(crate::aws::iam::CreateRoleInput {
            name: crate::aws::iam::DMS_VPC_ROLE.into(),
            assume_role_policy: crate::aws::iam::dms_trust_policy(),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    iam.attach_role_policy(crate::aws::iam::DMS_VPC_ROLE, &crate::aws::iam::dms_vpc_policy_arn("aws")).await.unwrap();

    // Instance and endpoints straight through the SDK (without a subnet group, which the
    // trait's create requires).
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::for_tests())
        .endpoint_url(&url)
        .load()
        .await;
    let raw = Client::new(&sdk);
    let suffix = fastrand::u32(..);
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    let mut attempts = 0;
    let ri = loop {
        // IAM propagation: DMS refuses for a moment after the policy is attached.
        match raw
            .create_replication_instance()
            .replication_instance_identifier(format!("ri-{suffix}"))
            .replication_instance_class("dms.t3.medium")
            .send()
            .await
        {
            Err(e) if attempts < 60 && e.code() == Some("AccessDeniedFault") => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            other => break other.unwrap(),
        }
    };
    let ri_arn = ri.replication_instance().and_then(|r| r.replication_instance_arn()).unwrap().to_string();
    let mut ep_arns = Vec::new();
    for (kind, engine) in [("source", "oracle"), ("target", "postgres")] {
        let ep = raw
            .create_endpoint()
            .endpoint_identifier(format!("{kind}-{suffix}"))
            .endpoint_type(t::ReplicationEndpointTypeValue::from(kind))
            .engine_name(engine)
            .server_name("db.example.com")
            .port(5432)
            .database_name("app")
            .username("u")
            .password("p")
            .send()
            .await
            .unwrap();
        ep_arns.push(ep.endpoint().and_then(|e| e.endpoint_arn()).unwrap().to_string());
    }

    let dms = conf.clients.dms.clone();
    assert_eq!(
        dms.describe_replication_instance_by_arn(&ri_arn).await.unwrap().map(|i| i.id),
        Some(format!("ri-{suffix}"))
    );
    assert_eq!(dms.find_endpoint_by_arn(&ep_arns[0]).await.unwrap().map(|e| e.endpoint_type), Some("source".into()));
    assert_eq!(dms.find_endpoint_by_arn(&format!("{}x", ep_arns[0])).await.unwrap(), None);

    let id = format!("task-{suffix}");
    let task = dms
        .create_replication_task(CreateTaskInput {
            id: id.clone(),
            source_endpoint_arn: ep_arns[0].clone(),
            target_endpoint_arn: ep_arns[1].clone(),
            replication_instance_arn: ri_arn.clone(),
            migration_type: "cdc".into(),
            table_mappings: r#"{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"APP","table-name":"%"},"rule-action":"include"}]}"#.into(),
            settings: None,
            cdc_start_time: Some(1_700_000_000),
            cdc_start_position: None,
            tags: Tags::from([("env".to_string(), "test".to_string())]),
        })
        .await
        .unwrap();
    assert_eq!(task.status, "creating");
    assert_eq!(dms.find_replication_task_by_id(&id).await.unwrap().map(|t| t.arn), Some(task.arn.clone()));
    assert_eq!(dms.find_replication_task_by_id("no-such-task").await.unwrap(), None);

    let cancel = tokio_util::sync::CancellationToken::new();
    let opts = WaitOptions {
        min_interval: Duration::from_millis(200),
        max_interval: Duration::from_secs(1),
        ..WaitOptions::default()
    };
    let what = format!("DMS replication task ({id})");
    let spec = Wait::new(&what, &["creating"], &["ready"]).timeout(Duration::from_secs(30)).options(opts.clone());
    wait_for(&spec, &cancel, || dms.find_replication_task_by_arn(&task.arn)).await.unwrap();

    let e = dms.stop_replication_task(&task.arn).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidState, "{e}");
    dms.start_replication_task(&task.arn, StartType::StartReplication).await.unwrap();
    let spec = Wait::new(&what, &["starting"], &["running"]).timeout(Duration::from_secs(30)).options(opts.clone());
    wait_for(&spec, &cancel, || dms.find_replication_task_by_arn(&task.arn)).await.unwrap();
    let e = dms
        .modify_replication_task(ModifyTaskInput {
            arn: task.arn.clone(),
            settings: Some("{}".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidResourceStateFault", "{e}");
    assert!(e.request_id.is_some() || e.message.contains("running"), "{e:?}");
    dms.stop_replication_task(&task.arn).await.unwrap();
    let spec =
        Wait::new(&what, &["stopping", "running"], &["stopped"]).timeout(Duration::from_secs(30)).options(opts.clone());
    wait_for(&spec, &cancel, || dms.find_replication_task_by_arn(&task.arn)).await.unwrap();

    assert_eq!(dms.list_tags(&task.arn).await.unwrap().get("env").map(String::as_str), Some("test"));
    dms.add_tags(&task.arn, &Tags::from([("team".to_string(), "data".to_string())])).await.unwrap();
    dms.remove_tags(&task.arn, &["env".to_string()]).await.unwrap();
    assert_eq!(dms.list_tags(&task.arn).await.unwrap(), Tags::from([("team".to_string(), "data".to_string())]));

    dms.delete_replication_task(&task.arn).await.unwrap();
    let spec = Wait::new(&what, &["deleting"], &[]).timeout(Duration::from_secs(30)).options(opts).gone_is_target();
    assert_eq!(wait_for(&spec, &cancel, || dms.find_replication_task_by_arn(&task.arn)).await.unwrap(), None);
    assert_eq!(dms.find_replication_task_by_arn(&task.arn).await.unwrap(), None);

    // The same through the environment only: AWS_ENDPOINT_URL, keys and region.
    let empty: BTreeMap<String, Value> = match crate::provider_config::schema().value_type() {
        crate::engine::Type::Object(m) => m.into_keys().map(|k| (k, Value::Null)).collect(),
        _ => unreachable!(),
    };
    let env = Sources::Fixed(vec![
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ("AWS_ENDPOINT_URL".into(), url.clone()),
        ("AWS_REGION".into(), "eu-west-1".into()),
        ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
    ]);
    let conf = configure_with(&Value::Object(empty), env).await.unwrap_or_else(|d| panic!("{d:?}"));
    assert_eq!((conf.region.as_str(), conf.account_id.as_deref()), ("eu-west-1", Some("123456789012")));
    assert_eq!(conf.clients.dms.find_replication_task_by_id("no-such-task").await.unwrap(), None);
}
