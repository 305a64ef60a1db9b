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
