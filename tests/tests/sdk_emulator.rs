//! End to end over HTTP against the local emulator, through the provider's SDK implementations:
//! provider configuration, then the EC2, IAM, RDS and DMS calls of a whole `dmslink_main` stack
//! built and torn down in AWS's order, a cross-account peering, and every `DmsApi` call. Each test
//! starts its own emulator from the project's venv (`make venv`); moved here from the provider's
//! unit tests so that `cargo test --lib` needs no Python.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use aws_sdk_databasemigration::Client;
use aws_sdk_databasemigration::types as t;
use dmslink::aws::dms::{
    CreateEndpointInput, CreateReplicationInstanceInput, CreateTaskInput, ModifyEndpointInput,
    ModifyReplicationInstanceInput, ModifyTaskInput, ReplicationSubnetGroupInput, StartType, Tags, TasksUsing,
};
use dmslink::aws::ec2::{
    CreateSecurityGroupInput, CreateSubnetInput, CreateVpcPeeringInput, CreateVpnGatewayInput, Filters, RoleToAssume,
    RouteTarget, RulePeer, SgRule, VpcAttribute, main_route_table_filters,
};
use dmslink::aws::error::{AwsError, ErrorKind};
use dmslink::aws::iam::{
    CreateRoleInput, DMS_VPC_ROLE, DmsVpcRoleStatus, dms_trust_policy, dms_vpc_policy_arn, dms_vpc_role_status,
};
use dmslink::aws::rds::{CreateDbInstanceInput, DbSubnetGroupInput, DeleteDbInstanceInput, ModifyDbInstanceInput};
use dmslink::aws::wait::{Wait, WaitOptions, WaitState, wait_for};
use dmslink::aws::{Clients, Secret};
use dmslink::engine::Value;
use dmslink::provider_config::{Sources, configure_with};

async fn clients(url: &str) -> Clients {
    let endpoints: BTreeMap<String, Value> =
        ["dms", "ec2", "rds", "iam", "sts", "s3"].iter().map(|s| (s.to_string(), Value::string(url))).collect();
    let mut cfg: BTreeMap<String, Value> = match dmslink::provider_config::schema().value_type() {
        dmslink::engine::Type::Object(m) => m.into_keys().map(|k| (k, Value::Null)).collect(),
        _ => unreachable!(),
    };
    cfg.insert("region".into(), Value::string("us-east-1"));
    cfg.insert("access_key".into(), Value::string("testing"));
    cfg.insert("secret_key".into(), Value::string("testing"));
    cfg.insert("endpoints".into(), Value::Object(endpoints));
    let env = Sources::Fixed(vec![("AWS_EC2_METADATA_DISABLED".into(), "true".into())]);
    configure_with(&Value::Object(cfg), env).await.unwrap_or_else(|d| panic!("{d:?}")).clients
}

fn opts() -> WaitOptions {
    WaitOptions {
        min_interval: Duration::from_millis(200),
        max_interval: Duration::from_secs(1),
        jitter: 0.0,
        ..WaitOptions::default()
    }
}

/// Polls `refresh` until its state is `target` (or, with `target` empty, until it is gone).
async fn settle<T, F, Fut>(what: &str, pending: &[&str], target: &[&str], refresh: F) -> Option<T>
where
    T: WaitState,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, AwsError>>,
{
    let mut spec = Wait::new(what, pending, target).timeout(Duration::from_secs(60)).options(opts());
    if target.is_empty() {
        spec = spec.gone_is_target();
    }
    let cancel = tokio_util::sync::CancellationToken::new();
    wait_for(&spec, &cancel, refresh).await.unwrap_or_else(|e| panic!("{e}"))
}

/// Retries `call` while it answers `AccessDeniedFault` (IAM propagation), up to 30 s.
async fn while_denied<T, F, Fut>(mut call: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    for _ in 0..60 {
        match call().await {
            Err(e) if e.kind == ErrorKind::AccessDenied => tokio::time::sleep(Duration::from_millis(500)).await,
            other => return other.unwrap_or_else(|e| panic!("{e}")),
        }
    }
    panic!("still AccessDeniedFault after 30 s");
}

#[tokio::test]
async fn sdk_stack_round_trip_against_emulator() {
    // Its own emulator from the venv (`make venv`), stopped when `emulator` drops.
    let emulator = dmslink_acctest::Emulator::start();
    let url = emulator.endpoint();
    let c = clients(&url).await;
    let (ec2, rds, dms, iam) = (c.ec2.clone(), c.rds.clone(), c.dms.clone(), c.iam.clone());
    let stack = format!("rt{}", fastrand::u32(..) % 1_000_000);
    let tags = Tags::from([("dmslink:stack".to_string(), stack.clone())]);

    // ---- EC2: VPC, DNS attributes, subnets, group, gateways, routes --------------------------
    let azs = ec2.describe_availability_zones().await.unwrap();
    assert!(azs.len() >= 2, "{azs:?}");
    let vpc = ec2.create_vpc("10.42.0.0/24", &tags).await.unwrap();
    let vpc_id = vpc.id.clone();
    settle("VPC", &["pending"], &["available"], || ec2.find_vpc(&vpc_id)).await;
    assert_eq!(ec2.find_vpcs(&Filters::new().tags(&tags)).await.unwrap().len(), 1);
    assert_eq!(ec2.find_vpc("vpc-0000000000000dead").await.unwrap(), None);
    ec2.modify_vpc_attribute(&vpc_id, VpcAttribute::EnableDnsSupport, true).await.unwrap();
    ec2.modify_vpc_attribute(&vpc_id, VpcAttribute::EnableDnsHostnames, true).await.unwrap();
    assert!(ec2.describe_vpc_attribute(&vpc_id, VpcAttribute::EnableDnsHostnames).await.unwrap());

    let mut subnets = Vec::new();
    for (i, cidr) in ["10.42.0.0/26", "10.42.0.64/26"].iter().enumerate() {
        let s = ec2
            .create_subnet(CreateSubnetInput {
                vpc_id: vpc_id.clone(),
                cidr_block: cidr.to_string(),
                availability_zone: azs[i].name.clone(),
                tags: tags.clone(),
            })
            .await
            .unwrap();
        subnets.push(s.id);
    }
    assert_eq!(ec2.find_subnets(&Filters::new().vpc(&vpc_id)).await.unwrap().len(), 2);
    assert_eq!(ec2.find_subnet(&subnets[1]).await.unwrap().map(|s| s.availability_zone), Some(azs[1].name.clone()));

    let sg = ec2
        .create_security_group(CreateSecurityGroupInput {
            vpc_id: vpc_id.clone(),
            name: format!("{stack}-dms"),
            description: "dmslink round trip".into(),
            tags: tags.clone(),
        })
        .await
        .unwrap()
        .id;
    let rule = SgRule::tcp(5432, RulePeer::Cidr("10.42.0.0/24".into()));
    ec2.authorize_security_group_ingress(&sg, std::slice::from_ref(&rule)).await.unwrap();
    let dup = ec2.authorize_security_group_ingress(&sg, std::slice::from_ref(&rule)).await.unwrap_err();
    assert_eq!(dup.kind, ErrorKind::AlreadyExists, "{dup}");
    let rules = ec2.find_security_group_rules(&sg).await.unwrap();
    assert!(rules.iter().any(|r| r.rule.same_permission(&rule)), "{rules:?}");
    assert_eq!(ec2.find_security_groups(&Filters::new().tags(&tags)).await.unwrap().len(), 1);

    let igw = ec2.create_internet_gateway(&tags).await.unwrap().id;
    ec2.attach_internet_gateway(&igw, &vpc_id).await.unwrap();
    let attached = ec2.find_internet_gateways(&Filters::new().with("attachment.vpc-id", &vpc_id)).await.unwrap();
    assert_eq!(attached.iter().map(|g| g.id.clone()).collect::<Vec<_>>(), vec![igw.clone()]);
    let rt = ec2.find_route_tables(&main_route_table_filters(&vpc_id)).await.unwrap().remove(0);
    assert!(rt.main);
    ec2.create_route(&rt.id, "0.0.0.0/0", &RouteTarget::Gateway(igw.clone())).await.unwrap();
    let again = ec2.create_route(&rt.id, "0.0.0.0/0", &RouteTarget::Gateway(igw.clone())).await.unwrap_err();
    assert_eq!(again.kind, ErrorKind::AlreadyExists, "{again}");

    let vgw = ec2.create_vpn_gateway(CreateVpnGatewayInput { amazon_side_asn: Some(64512), tags: tags.clone() }).await;
    let vgw = vgw.unwrap().id;
    settle("VGW", &["pending"], &["available"], || ec2.find_vpn_gateway(&vgw)).await;
    ec2.attach_vpn_gateway(&vgw, &vpc_id).await.unwrap();
    let cancel = tokio_util::sync::CancellationToken::new();
    let attach_spec =
        Wait::new("VGW attachment", &["attaching"], &["attached"]).timeout(Duration::from_secs(60)).options(opts());
    wait_for(&attach_spec, &cancel, || async {
        let g = ec2.find_vpn_gateway(&vgw).await?;
        Ok(g.and_then(|g| g.attachments.into_iter().find(|a| a.vpc_id == vpc_id)).map(|a| a.state))
    })
    .await
    .unwrap();
    ec2.enable_vgw_route_propagation(&rt.id, &vgw).await.unwrap();
    assert_eq!(ec2.find_route_table(&rt.id).await.unwrap().unwrap().propagating_vgws, vec![vgw.clone()]);

    // ---- IAM: dms-vpc-role --------------------------------------------------------------------
    if dms_vpc_role_status(iam.as_ref(), "aws").await.unwrap() == DmsVpcRoleStatus::Missing {
        iam.create_role(CreateRoleInput {
            name: DMS_VPC_ROLE.into(),
            assume_role_policy: dms_trust_policy(),
            tags: Tags::from([("dmslink:managed".to_string(), "true".to_string())]),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    if !iam.list_attached_role_policies(DMS_VPC_ROLE).await.unwrap().iter().any(|p| p.arn == dms_vpc_policy_arn("aws"))
    {
        iam.attach_role_policy(DMS_VPC_ROLE, &dms_vpc_policy_arn("aws")).await.unwrap();
    }
    let status = dms_vpc_role_status(iam.as_ref(), "aws").await.unwrap();
    assert!(matches!(status, DmsVpcRoleStatus::Ready(ref r) if r.trusts_dms()), "{status:?}");

    // ---- RDS: subnet group and an instance ----------------------------------------------------
    let db_group = DbSubnetGroupInput {
        name: stack.clone(),
        description: "dmslink round trip".into(),
        subnet_ids: subnets.clone(),
        tags: tags.clone(),
    };
    let g = rds.create_db_subnet_group(db_group.clone()).await.unwrap();
    assert_eq!((g.vpc_id.as_str(), g.subnet_ids.len()), (vpc_id.as_str(), 2));
    rds.modify_db_subnet_group(DbSubnetGroupInput { description: "changed".into(), ..db_group }).await.unwrap();
    assert_eq!(rds.find_db_subnet_group(&stack).await.unwrap().map(|g| g.description), Some("changed".into()));
    let db_id = format!("{stack}-target");
    let db = rds
        .create_db_instance(CreateDbInstanceInput {
            id: db_id.clone(),
            engine: "postgres".into(),
            instance_class: "db.t3.micro".into(),
            allocated_storage: 20,
            master_username: "dmsadmin".into(),
            master_password: Secret::new("round-trip-pw"),
            db_name: Some("app".into()),
            db_subnet_group_name: stack.clone(),
            vpc_security_group_ids: vec![sg.clone()],
            tags: tags.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(db.status, "creating");
    let db = settle("DB instance", &["creating", "backing-up"], &["available"], || rds.find_db_instance(&db_id))
        .await
        .unwrap();
    assert_eq!(db.endpoint_port, Some(5432));
    assert!(db.endpoint_address.is_some());
    assert!(!db.publicly_accessible);
    assert_eq!(rds.list_tags(&db.arn).await.unwrap().get("dmslink:stack"), Some(&stack));
    let empty = rds.modify_db_instance(ModifyDbInstanceInput { id: db_id.clone(), ..Default::default() }).await;
    assert_eq!(empty.unwrap_err().code, "InvalidParameterCombination");
    rds.modify_db_instance(ModifyDbInstanceInput {
        id: db_id.clone(),
        instance_class: Some("db.t3.small".into()),
        master_password: Some(Secret::new("round-trip-pw-2")),
        ..Default::default()
    })
    .await
    .unwrap();
    let db = settle("DB instance", &["modifying"], &["available"], || rds.find_db_instance(&db_id)).await.unwrap();
    assert_eq!(db.instance_class, "db.t3.small");
    // Coalesced reads (issue 16): concurrent lookups of DB instances, in any case, share one
    // `DescribeDBInstances` filtered by `db-instance-id`; one that nothing has is still gone.
    emulator.clear_requests();
    let upper_id = db_id.to_ascii_uppercase();
    let (same, upper, gone) = tokio::join!(
        rds.find_db_instance(&db_id),
        rds.find_db_instance(&upper_id),
        rds.find_db_instance("no-such-db-instance"),
    );
    assert_eq!(same.unwrap().map(|i| i.id), Some(db_id.clone()));
    assert_eq!(upper.unwrap().map(|i| i.id), Some(db_id.clone()));
    assert_eq!(gone.unwrap(), None);
    assert_eq!(emulator.actions_of("rds"), vec!["DescribeDBInstances"]);

    // ---- DMS: subnet group, instance, endpoints -----------------------------------------------
    let rsg = ReplicationSubnetGroupInput {
        id: stack.clone(),
        description: "dmslink round trip".into(),
        subnet_ids: subnets.clone(),
        tags: tags.clone(),
    };
    let g = while_denied(|| dms.create_replication_subnet_group(rsg.clone())).await;
    assert_eq!((g.vpc_id.as_str(), g.subnet_ids.len()), (vpc_id.as_str(), 2));
    while_denied(|| dms.modify_replication_subnet_group(rsg.clone())).await;
    let created = while_denied(|| {
        dms.create_replication_instance(CreateReplicationInstanceInput {
            id: stack.clone(),
            class: "dms.t3.small".into(),
            allocated_storage: Some(20),
            subnet_group_id: stack.clone(),
            vpc_security_group_ids: vec![sg.clone()],
            publicly_accessible: false,
            tags: tags.clone(),
            ..Default::default()
        })
    })
    .await;
    assert_eq!((created.status.as_str(), created.id.as_str()), ("creating", stack.as_str()));
    let ri = settle("replication instance", &["creating"], &["available"], || dms.find_replication_instance(&stack))
        .await
        .unwrap();
    assert!(!ri.publicly_accessible);
    assert_eq!(ri.subnet_group_id.as_deref(), Some(stack.as_str()));
    assert_eq!(ri.vpc_security_group_ids, vec![sg.clone()]);
    let modified = dms
        .modify_replication_instance(ModifyReplicationInstanceInput {
            arn: ri.arn.clone(),
            class: Some("dms.t3.medium".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(modified.status == "modifying" || modified.pending.class.is_some(), "{modified:?}");
    let ri = settle("replication instance", &["modifying"], &["available"], || {
        dms.describe_replication_instance_by_arn(&ri.arn)
    })
    .await
    .unwrap();
    assert_eq!(ri.class, "dms.t3.medium");

    let endpoint = |id: &str, kind: &str, engine: &str, port: i32| CreateEndpointInput {
        id: id.to_string(),
        endpoint_type: kind.to_string(),
        engine_name: engine.to_string(),
        server_name: Some(db.endpoint_address.clone().unwrap_or_default()),
        port: Some(port),
        database_name: Some("app".into()),
        username: Some("dmsadmin".into()),
        password: Some(Secret::new("round-trip-pw-2")),
        ssl_mode: Some("none".into()),
        extra_connection_attributes: None,
        kms_key_id: None,
        certificate_arn: None,
        secrets_manager: None,
        engine_settings: Default::default(),
        tags: tags.clone(),
    };
    let src = dms.create_endpoint(endpoint(&format!("{stack}-source"), "source", "oracle", 1521)).await.unwrap();
    let tgt = dms.create_endpoint(endpoint(&format!("{stack}-target"), "target", "postgres", 5432)).await.unwrap();
    assert_eq!((src.endpoint_type.as_str(), src.status.as_str()), ("source", "active"));
    assert_eq!(dms.find_endpoint(&tgt.id).await.unwrap().map(|e| e.arn), Some(tgt.arn.clone()));
    // Listing by type: the emulator's endpoint-type filter, and AWS's upper-case type in the answer.
    let sources: Vec<String> = dms.list_endpoints("source").await.unwrap().into_iter().map(|e| e.arn).collect();
    assert!(sources.contains(&src.arn) && !sources.contains(&tgt.arn), "{sources:?}");
    assert!(dms.list_replication_tasks_using(&TasksUsing::Endpoint(src.arn.clone())).await.unwrap().is_empty());
    // Account-wide listings (what keeps dms-vpc-role in place).
    let instances: Vec<String> = dms.list_replication_instances().await.unwrap().into_iter().map(|i| i.arn).collect();
    assert_eq!(instances, vec![ri.arn.clone()]);
    let groups: Vec<String> = dms.list_replication_subnet_groups().await.unwrap().into_iter().map(|g| g.id).collect();
    assert_eq!(groups, vec![stack.to_ascii_lowercase()]);
    assert!(dms.list_replication_tasks_using(&TasksUsing::Instance(ri.arn.clone())).await.unwrap().is_empty());
    let ep = dms
        .modify_endpoint(ModifyEndpointInput {
            arn: tgt.arn.clone(),
            password: Some(Secret::new("round-trip-pw-3")),
            extra_connection_attributes: Some("heartbeatEnable=true".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ep.extra_connection_attributes.as_deref(), Some("heartbeatEnable=true"));
    let sgarn = dmslink::aws::dms::subnet_group_arn("aws", "us-east-1", "123456789012", &stack);
    assert_eq!(dms.list_tags(&sgarn).await.unwrap().get("dmslink:stack"), Some(&stack));

    // ---- teardown in AWS's order ----------------------------------------------------------------
    let e = ec2.delete_security_group(&sg).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::DependencyViolation, "{e}");
    for ep in [&src, &tgt] {
        dms.delete_endpoint(&ep.arn).await.unwrap();
        settle("endpoint", &["deleting", "active"], &[], || dms.find_endpoint_by_arn(&ep.arn)).await;
    }
    dms.delete_replication_instance(&ri.arn).await.unwrap();
    settle("replication instance", &["deleting", "available"], &[], || dms.find_replication_instance(&stack)).await;
    dms.delete_replication_subnet_group(&stack).await.unwrap();
    // `deleting` a while, then gone (the emulator's dms_realism.py).
    settle("replication subnet group", &["deleting"], &[], || dms.find_replication_subnet_group(&stack)).await;
    assert_eq!(dms.find_replication_subnet_group(&stack).await.unwrap(), None);
    assert!(dms.list_replication_instances().await.unwrap().is_empty());
    assert!(dms.list_replication_subnet_groups().await.unwrap().is_empty());
    let e = rds.delete_db_instance(DeleteDbInstanceInput { id: db_id.clone(), ..Default::default() }).await;
    assert_eq!(e.unwrap_err().code, "InvalidParameterCombination");
    rds.delete_db_instance(DeleteDbInstanceInput::skip_final_snapshot(&db_id)).await.unwrap();
    let e = rds.delete_db_subnet_group(&stack).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidState, "{e}");
    settle("DB instance", &["deleting", "available"], &[], || rds.find_db_instance(&db_id)).await;
    rds.delete_db_subnet_group(&stack).await.unwrap();

    let left = ec2.find_network_interfaces(&Filters::new().with("group-id", &sg).with("status", "available")).await;
    let left = left.unwrap();
    assert_eq!(left.len(), 1, "DMS leaves its interface behind: {left:?}");
    assert_eq!(left[0].description, "DMSNetworkInterface");
    for n in &left {
        ec2.delete_network_interface(&n.id).await.unwrap();
    }
    ec2.revoke_security_group_ingress(&sg, std::slice::from_ref(&rule)).await.unwrap();
    // RDS's own interfaces outlive the instance a while (the emulator's rds_realism.py) and hold the
    // security group meanwhile: they are RDS's to remove, so wait them out.
    for _ in 0..200 {
        let rds_left = ec2.find_network_interfaces(&Filters::new().with("group-id", &sg)).await.unwrap();
        if rds_left.iter().all(|n| n.description != "RDSNetworkInterface") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ec2.delete_security_group(&sg).await.unwrap();
    for s in &subnets {
        ec2.delete_subnet(s).await.unwrap();
    }
    ec2.disable_vgw_route_propagation(&rt.id, &vgw).await.unwrap();
    ec2.delete_route(&rt.id, "0.0.0.0/0").await.unwrap();
    assert_eq!(ec2.delete_route(&rt.id, "0.0.0.0/0").await.unwrap_err().kind, ErrorKind::NotFound);
    let e = ec2.delete_vpn_gateway(&vgw).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidState, "{e}");
    ec2.detach_vpn_gateway(&vgw, &vpc_id).await.unwrap();
    let detach_spec = Wait::new("VGW attachment", &["detaching", "attached"], &["detached"])
        .timeout(Duration::from_secs(60))
        .options(opts());
    wait_for(&detach_spec, &cancel, || async {
        let g = ec2.find_vpn_gateway(&vgw).await?;
        Ok(g.and_then(|g| g.attachments.into_iter().find(|a| a.vpc_id == vpc_id)).map(|a| a.state))
    })
    .await
    .unwrap();
    ec2.delete_vpn_gateway(&vgw).await.unwrap();
    ec2.detach_internet_gateway(&igw, &vpc_id).await.unwrap();
    let e = ec2.detach_internet_gateway(&igw, &vpc_id).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
    ec2.delete_internet_gateway(&igw).await.unwrap();
    ec2.delete_vpc(&vpc_id).await.unwrap();
    assert_eq!(ec2.find_vpc(&vpc_id).await.unwrap(), None);
    assert!(ec2.find_vpcs(&Filters::new().tags(&tags)).await.unwrap().is_empty());
}

#[tokio::test]
async fn sdk_peering_round_trip_across_accounts_against_emulator() {
    let emulator = dmslink_acctest::Emulator::start();
    let url = emulator.endpoint();
    let c = clients(&url).await;
    let ec2 = c.ec2.clone();
    let run = format!("pcx{}", fastrand::u32(..) % 1_000_000);
    let tags = Tags::from([("dmslink:stack".to_string(), run.clone())]);

    // The accepter (the DMS VPC) in a second account, reached through STS AssumeRole.
    let role = RoleToAssume {
        role_arn: "arn:aws:iam::111111111111:role/peer-accepter".into(),
        external_id: None,
        session_name: Some("dmslink-test".into()),
    };
    let peer = c.ec2_as.ec2(Some(&role), None).await.unwrap();
    let app = ec2.create_vpc("10.61.0.0/16", &tags).await.unwrap().id;
    let dms = peer.create_vpc("10.62.0.0/24", &tags).await.unwrap().id;
    assert_eq!(ec2.find_vpc(&dms).await.unwrap(), None, "the DMS VPC belongs to the other account");

    let p = ec2
        .create_vpc_peering_connection(CreateVpcPeeringInput {
            vpc_id: app.clone(),
            peer_vpc_id: dms.clone(),
            peer_owner_id: Some("111111111111".into()),
            peer_region: None,
            tags: tags.clone(),
        })
        .await
        .unwrap();
    assert_eq!(p.requester.vpc_id, app);
    assert_eq!(p.accepter.owner_id, "111111111111");
    let id = p.id.clone();
    // Options are refused before the peering is active.
    let e = ec2.modify_vpc_peering_dns(&id, Some(true), None).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.kind), ("OperationNotPermitted", ErrorKind::InvalidState), "{e}");
    settle("peering", &["initiating-request"], &["pending-acceptance"], || peer.find_vpc_peering_connection(&id)).await;
    // Only the accepter's account accepts.
    let e = ec2.accept_vpc_peering_connection(&id).await.unwrap_err();
    assert_eq!(e.code, "OperationNotPermitted", "{e}");
    assert_eq!(peer.accept_vpc_peering_connection(&id).await.unwrap().status, "provisioning");
    let e = peer.accept_vpc_peering_connection(&id).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidState, "{e}");
    let active =
        settle("peering", &["provisioning"], &["active"], || ec2.find_vpc_peering_connection(&id)).await.unwrap();
    assert_eq!(active.accepter.cidr_blocks.first().map(String::as_str), Some("10.62.0.0/24"));

    // Each side's DNS option by its own account.
    ec2.modify_vpc_peering_dns(&id, Some(true), None).await.unwrap();
    peer.modify_vpc_peering_dns(&id, None, Some(true)).await.unwrap();
    assert_eq!(ec2.modify_vpc_peering_dns(&id, None, Some(false)).await.unwrap_err().code, "OperationNotPermitted");
    let now = peer.find_vpc_peering_connection(&id).await.unwrap().unwrap();
    assert_eq!(now.requester.allow_dns_resolution_from_remote_vpc, Some(true));
    assert_eq!(now.accepter.allow_dns_resolution_from_remote_vpc, Some(true));

    // Filters; an unknown id is NotFound.
    let mine = Filters::new().with("accepter-vpc-info.vpc-id", &dms).with("status-code", "active");
    assert_eq!(ec2.find_vpc_peering_connections(&mine).await.unwrap().iter().map(|p| &p.id).collect::<Vec<_>>(), [&id]);
    let none = Filters::new().with("requester-vpc-info.vpc-id", &dms);
    assert!(ec2.find_vpc_peering_connections(&none).await.unwrap().is_empty());
    assert_eq!(ec2.find_vpc_peering_connections(&Filters::new().tags(&tags)).await.unwrap().len(), 1);
    assert_eq!(ec2.find_vpc_peering_connection("pcx-0000000000000dead").await.unwrap(), None);

    // Routes on both sides through it.
    let app_rtb = ec2.find_route_tables(&main_route_table_filters(&app)).await.unwrap()[0].id.clone();
    let dms_rtb = peer.find_route_tables(&main_route_table_filters(&dms)).await.unwrap()[0].id.clone();
    ec2.create_route(&app_rtb, "10.62.0.0/24", &RouteTarget::VpcPeering(id.clone())).await.unwrap();
    peer.create_route(&dms_rtb, "10.61.0.0/16", &RouteTarget::VpcPeering(id.clone())).await.unwrap();
    let rt = peer.find_route_table(&dms_rtb).await.unwrap().unwrap();
    let route = rt.routes.iter().find(|r| r.destination_cidr_block == "10.61.0.0/16").unwrap();
    assert_eq!((&route.target, route.state.as_str()), (&RouteTarget::VpcPeering(id.clone()), "active"));

    // Tear down: routes, then the peering (either side may delete), then the VPCs.
    ec2.delete_route(&app_rtb, "10.62.0.0/24").await.unwrap();
    peer.delete_route(&dms_rtb, "10.61.0.0/16").await.unwrap();
    ec2.delete_vpc_peering_connection(&id).await.unwrap();
    settle("peering", &["deleting", "active"], &["deleted"], || peer.find_vpc_peering_connection(&id)).await;
    let e = ec2.delete_vpc_peering_connection(&id).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidState, "{e}");
    ec2.delete_vpc(&app).await.unwrap();
    peer.delete_vpc(&dms).await.unwrap();
}

/// Provider configuration (with the STS check), then every `DmsApi` call through the SDK.
#[tokio::test]
async fn sdk_dms_round_trip_against_emulator() {
    // Its own emulator from the venv (`make venv`), stopped when `emulator` drops.
    let emulator = dmslink_acctest::Emulator::start();
    let url = emulator.endpoint();
    let endpoints: BTreeMap<String, Value> =
        ["dms", "ec2", "rds", "iam", "sts", "s3"].iter().map(|s| (s.to_string(), Value::string(&url))).collect();
    let mut cfg: BTreeMap<String, Value> = match dmslink::provider_config::schema().value_type() {
        dmslink::engine::Type::Object(m) => m.into_keys().map(|k| (k, Value::Null)).collect(),
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
    if iam.get_role(dmslink::aws::iam::DMS_VPC_ROLE).await.unwrap().is_none() {
        iam.create_role(dmslink::aws::iam::CreateRoleInput {
            name: dmslink::aws::iam::DMS_VPC_ROLE.into(),
            assume_role_policy: dmslink::aws::iam::dms_trust_policy(),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    iam.attach_role_policy(dmslink::aws::iam::DMS_VPC_ROLE, &dmslink::aws::iam::dms_vpc_policy_arn("aws"))
        .await
        .unwrap();

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
    // DMS creates a task only on an available instance (the rulebook's UseByTask).
    settle("replication instance", &["creating"], &["available"], || dms.describe_replication_instance_by_arn(&ri_arn))
        .await
        .unwrap();
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

    // Coalesced reads (issue 16): concurrent lookups share one filtered describe per kind and one
    // tag listing; an ARN nothing has is still gone, and the others get their own objects.
    let missing_task = format!("{}NOSUCH", task.arn);
    emulator.clear_requests();
    let (found, gone, source, target, tags) = tokio::join!(
        dms.find_replication_task_by_arn(&task.arn),
        dms.find_replication_task_by_arn(&missing_task),
        dms.find_endpoint_by_arn(&ep_arns[0]),
        dms.find_endpoint_by_arn(&ep_arns[1]),
        dms.list_tags(&task.arn),
    );
    assert_eq!(found.unwrap().map(|t| t.id), Some(id.clone()));
    assert_eq!(gone.unwrap(), None);
    assert_eq!(source.unwrap().map(|e| e.endpoint_type), Some("source".into()));
    assert_eq!(target.unwrap().map(|e| e.endpoint_type), Some("target".into()));
    assert_eq!(tags.unwrap().get("env").map(String::as_str), Some("test"));
    let mut actions = emulator.dms_actions();
    actions.sort();
    assert_eq!(actions, vec!["DescribeEndpoints", "DescribeReplicationTasks", "ListTagsForResource"]);
    // Tags of many ARNs in one `ListTagsForResource` (`ResourceArnList`): a resource without
    // tags has an empty set; an unknown ARN fails the call as a whole (the strict emulator).
    let many = vec![task.arn.clone(), ep_arns[0].clone()];
    let tag_lists = dms.list_tags_of_many(&many).await.unwrap();
    assert_eq!(tag_lists[&task.arn].get("env").map(String::as_str), Some("test"));
    assert!(tag_lists[&ep_arns[0]].is_empty(), "{tag_lists:?}");
    let e = dms.list_tags_of_many(&[task.arn.clone(), missing_task.clone()]).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
    let (tags, unknown) = tokio::join!(dms.list_tags(&task.arn), dms.list_tags(&missing_task));
    assert_eq!(tags.unwrap().get("env").map(String::as_str), Some("test"));
    assert_eq!(unknown.unwrap_err().kind, ErrorKind::NotFound);

    let e = dms.stop_replication_task(&task.arn).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidState, "{e}");
    dms.start_replication_task(&task.arn, StartType::StartReplication).await.unwrap();
    let spec = Wait::new(&what, &["starting"], &["running"]).timeout(Duration::from_secs(30)).options(opts.clone());
    wait_for(&spec, &cancel, || dms.find_replication_task_by_arn(&task.arn)).await.unwrap();
    let e = dms
        .modify_replication_task(ModifyTaskInput {
            arn: task.arn.clone(),
            settings: Some(r#"{"TargetMetadata":{"BatchApplyEnabled":true}}"#.into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidResourceStateFault", "{e}");
    assert!(e.request_id.is_some() || e.message.contains("running"), "{e:?}");
    // Log severities are the exception AWS makes for a running task: applied at once, still running.
    let t = dms
        .modify_replication_task(ModifyTaskInput {
            arn: task.arn.clone(),
            settings: Some(
                r#"{"Logging":{"LogComponents":[{"Id":"SOURCE_CAPTURE","Severity":"LOGGER_SEVERITY_DEBUG"}]}}"#.into(),
            ),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(t.status, "running", "{t:?}");
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
    let empty: BTreeMap<String, Value> = match dmslink::provider_config::schema().value_type() {
        dmslink::engine::Type::Object(m) => m.into_keys().map(|k| (k, Value::Null)).collect(),
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

/// `assume_role` (every field) and `assume_role_with_web_identity` (no base credentials) through
/// the provider's configuration against the emulator: the credentials STS hands out act in the
/// role's account, which GetCallerIdentity then reports.
#[tokio::test]
async fn provider_assumes_roles_with_every_field_against_emulator() {
    let emulator = dmslink_acctest::Emulator::start();
    let url = emulator.endpoint();
    let base = |pairs: Vec<(&str, Value)>| {
        let mut cfg: BTreeMap<String, Value> = match dmslink::provider_config::schema().value_type() {
            dmslink::engine::Type::Object(m) => m.into_keys().map(|k| (k, Value::Null)).collect(),
            _ => unreachable!(),
        };
        cfg.insert("region".into(), Value::string("us-east-1"));
        let endpoints: BTreeMap<String, Value> =
            ["sts", "dms"].iter().map(|s| (s.to_string(), Value::string(&url))).collect();
        cfg.insert("endpoints".into(), Value::Object(endpoints));
        for (k, v) in pairs {
            cfg.insert(k.into(), v);
        }
        Value::Object(cfg)
    };
    let obj = |pairs: Vec<(&str, Value)>| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
    let set = |items: &[&str]| Value::Set(items.iter().map(|s| Value::string(*s)).collect());
    let env = || Sources::Fixed(vec![("AWS_EC2_METADATA_DISABLED".into(), "true".into())]);

    let assume = base(vec![
        ("access_key", Value::string("testing")),
        ("secret_key", Value::string("testing")),
        ("allowed_account_ids", set(&["210987654321"])),
        (
            "assume_role",
            obj(vec![
                ("role_arn", Value::string("arn:aws:iam::210987654321:role/deployer")),
                ("session_name", Value::string("dmslink-test")),
                ("duration", Value::string("1h30m")),
                ("external_id", Value::string("ext-1")),
                ("source_identity", Value::string("alice")),
                (
                    "policy",
                    Value::string(
                        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dms:*","Resource":"*"}]}"#,
                    ),
                ),
                ("policy_arns", set(&["arn:aws:iam::aws:policy/ReadOnlyAccess"])),
                ("tags", Value::from_string_map(&BTreeMap::from([("team".to_string(), "data".to_string())]))),
                ("transitive_tag_keys", set(&["team"])),
            ]),
        ),
    ]);
    let c = configure_with(&assume, env()).await.unwrap_or_else(|d| panic!("{d:?}"));
    assert_eq!(c.account_id.as_deref(), Some("210987654321"));

    let web = base(vec![(
        "assume_role_with_web_identity",
        obj(vec![
            ("role_arn", Value::string("arn:aws:iam::210987654321:role/ci")),
            ("web_identity_token", Value::string("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")),
            ("duration", Value::string("15m")),
        ]),
    )]);
    let c = configure_with(&web, env()).await.unwrap_or_else(|d| panic!("{d:?}"));
    assert_eq!(c.account_id.as_deref(), Some("210987654321"));
    let requests = emulator.requests();
    assert!(
        requests.iter().any(|r| r.action == "AssumeRole" && r.access_key.as_deref() == Some("testing")),
        "{requests:?}"
    );
    // Unsigned: the web identity needs no base credentials.
    assert!(requests.iter().any(|r| r.action == "AssumeRoleWithWebIdentity" && r.access_key.is_none()), "{requests:?}");
}
