//! Contract suite: the same DMS scenarios run against the provider's in-process fakes
//! (`FakeWorld`, paused tokio time) and against the provider's SDK clients talking to the emulator,
//! and must tell the same story — every answer (status, or error code and message) and every
//! state a change settles in; and what the region offers (`rulebook/orderable.json`). Both sides read `rulebook/dms.json`; this suite is what shows they
//! follow it the same way. It covers every task, replication instance, endpoint, subnet group,
//! tag, connection and statistics call of `provider/src/aws/dms.rs`'s `DmsApi`, and checks it: every
//! DMS operation the SDK adapter (`provider/src/aws/dms_sdk/`) calls must be in the emulator's
//! request log of the story.
//!
//! The emulator runs its timed states 5× faster than the rulebook's defaults (its time scaling),
//! so the suite takes a few seconds; the fakes run at the rulebook's pace under paused time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use aws_credential_types::Credentials;
use dmslink::aws::dms::{
    CreateEndpointInput, CreateReplicationInstanceInput, CreateTaskInput, DmsApi, ModifyEndpointInput,
    ModifyReplicationInstanceInput, ModifyTaskInput, ReplicationSubnetGroupInput, ReplicationTask, StartType, Tags,
    TasksUsing,
};
use dmslink::aws::ec2::{CreateSecurityGroupInput, CreateSubnetInput, CreateVpnGatewayInput, Filters};
use dmslink::aws::engine_settings::{EngineSettings, PostgresSettings};
use dmslink::aws::error::AwsError;
use dmslink::aws::fake::FakeWorld;
use dmslink::aws::iam::{CreateRoleInput, DMS_VPC_ROLE, dms_trust_policy, dms_vpc_policy_arn};
use dmslink::aws::{Clients, EndpointOverrides, Secret};
use dmslink_acctest::{Emulator, Venv, missing_tool};
use serde_json::json;

/// The task states a transition passes through; anything else is where a change settles.
const TRANSIENT: &[&str] = &["creating", "starting", "stopping", "modifying", "moving", "deleting", "testing"];

/// What differs between the two sides: how to force a task into a state, and the emulator itself.
enum Side {
    Fake(FakeWorld),
    Emulator(Emulator),
}

struct World {
    clients: Clients,
    side: Side,
    /// The story: one line per answer or settled state.
    log: Vec<String>,
}

impl World {
    fn dms(&self) -> Arc<dyn DmsApi> {
        self.clients.dms.clone()
    }

    fn note(&mut self, line: impl Into<String>) {
        self.log.push(line.into());
    }

    /// Records an answer: the status it carries, or the error's code and message (ARNs elided:
    /// the two sides make different resource ids).
    fn answer<T>(&mut self, what: &str, got: &Result<T, AwsError>, status: impl Fn(&T) -> String) {
        let line = match got {
            Ok(v) => format!("{what}: ok {}", status(v)),
            Err(e) => format!("{what}: {} {}", e.code, elide_arns(&e.message)),
        };
        self.log.push(line);
    }

    /// An available site-to-site VPN connection on `vgw` (BGP). The fakes do not judge network
    /// paths; the emulator does, through its fixture.
    fn vpn_connection(&self, vgw: &str) {
        match &self.side {
            Side::Fake(w) => {
                w.ec2.add_vpn_connection(vgw, "available");
            }
            Side::Emulator(e) => {
                e.fixtures().run(&["vpn-connection", "--vpn-gateway-id", vgw, "--region", "us-east-1"]);
            }
        }
    }

    /// Puts a task into `status` at once, dropping its pending transitions (the test hook both
    /// sides have: `FakeDms::set_task_status`, `POST /_dmslink/dms/task-state`).
    fn force(&self, arn: &str, status: &str) {
        match &self.side {
            Side::Fake(w) => w.dms.set_task_status(arn, status),
            Side::Emulator(e) => {
                let body = json!({"arn": arn, "status": status}).to_string();
                e.control("POST", "/_dmslink/dms/task-state", Some(body.as_bytes()));
            }
        }
    }
}

fn elide_arns(message: &str) -> String {
    message
        .split(' ')
        .map(|w| if w.trim_start_matches(['(', '\'', '"']).starts_with("arn:") { "<arn>" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Polls until `read` answers something outside [`TRANSIENT`] (or `None`: gone); at most 30 s of
/// the side's clock.
async fn settle<F, Fut>(mut read: F) -> Option<String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<String>>,
{
    for _ in 0..600 {
        match read().await {
            Some(s) if TRANSIENT.contains(&s.as_str()) => tokio::time::sleep(Duration::from_millis(50)).await,
            other => return other,
        }
    }
    panic!("did not settle within 30 s");
}

async fn task_status(dms: &Arc<dyn DmsApi>, arn: &str) -> Option<String> {
    dms.find_replication_task_by_arn(arn).await.unwrap().map(|t| t.status)
}

async fn settle_task(w: &mut World, what: &str, arn: &str) {
    let dms = w.dms();
    let got = settle(|| task_status(&dms, arn)).await;
    let t = dms.find_replication_task_by_arn(arn).await.unwrap();
    let reason = t.and_then(|t| t.stop_reason).unwrap_or_default();
    w.note(format!("{what}: settles {} {reason}", got.as_deref().unwrap_or("gone")));
}

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// What every scenario needs: a VPC with two subnets in two AZs, a security group, `dms-vpc-role`,
/// and the way on premises (the endpoints' servers): a VPN gateway attached, its routes propagated,
/// an available VPN connection on it (issue 13: the emulator judges the network path).
struct Net {
    subnets: Vec<String>,
    sg: String,
}

async fn network(w: &World) -> Net {
    let c = &w.clients;
    c.iam
        .create_role(CreateRoleInput {
            name: DMS_VPC_ROLE.into(),
            assume_role_policy: dms_trust_policy(),
            ..Default::default()
        })
        .await
        .unwrap();
    c.iam.attach_role_policy(DMS_VPC_ROLE, &dms_vpc_policy_arn("aws")).await.unwrap();
    let vpc = c.ec2.create_vpc("10.8.0.0/24", &Tags::new()).await.unwrap().id;
    let mut subnets = Vec::new();
    for (cidr, az) in [("10.8.0.0/26", "us-east-1a"), ("10.8.0.64/26", "us-east-1b")] {
        let input = CreateSubnetInput {
            vpc_id: vpc.clone(),
            cidr_block: cidr.into(),
            availability_zone: az.into(),
            tags: Tags::new(),
        };
        subnets.push(c.ec2.create_subnet(input).await.unwrap().id);
    }
    let vgw = c.ec2.create_vpn_gateway(CreateVpnGatewayInput::default()).await.unwrap().id;
    c.ec2.attach_vpn_gateway(&vgw, &vpc).await.unwrap();
    for _ in 0..600 {
        let g = c.ec2.find_vpn_gateway(&vgw).await.unwrap();
        if g.is_some_and(|g| g.attachments.iter().any(|a| a.vpc_id == vpc && a.state == "attached")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for t in c.ec2.find_route_tables(&Filters::new().vpc(&vpc)).await.unwrap() {
        c.ec2.enable_vgw_route_propagation(&t.id, &vgw).await.unwrap();
    }
    w.vpn_connection(&vgw);
    let sg = c
        .ec2
        .create_security_group(CreateSecurityGroupInput {
            vpc_id: vpc,
            name: "contract".into(),
            description: "contract".into(),
            tags: Tags::new(),
        })
        .await
        .unwrap()
        .id;
    Net { subnets, sg }
}

fn endpoint(id: &str, kind: &str, engine: &str) -> CreateEndpointInput {
    CreateEndpointInput {
        id: id.into(),
        endpoint_type: kind.into(),
        engine_name: engine.into(),
        server_name: Some("db.example.internal".into()),
        port: Some(if engine == "oracle" { 1521 } else { 5432 }),
        database_name: Some("app".into()),
        username: Some("dms".into()),
        password: Some(Secret::new("contract-pw-1")),
        tags: tags(&[("suite", "contract")]),
        ..Default::default()
    }
}

fn task(id: &str, migration_type: &str, refs: &Refs) -> CreateTaskInput {
    CreateTaskInput {
        id: id.into(),
        source_endpoint_arn: refs.source.clone(),
        target_endpoint_arn: refs.target.clone(),
        replication_instance_arn: refs.instance.clone(),
        migration_type: migration_type.into(),
        table_mappings: r#"{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"APP","table-name":"%"},"rule-action":"include"}]}"#.into(),
        tags: tags(&[("suite", "contract")]),
        ..Default::default()
    }
}

struct Refs {
    instance: String,
    other_instance: String,
    source: String,
    target: String,
}

fn status_of(t: &ReplicationTask) -> String {
    t.status.clone()
}

/// Subnet groups, replication instances and endpoints: create, read, list, modify, delete, with
/// AWS's refusals; leaves two available instances and two endpoints for the task scenarios.
async fn instances_and_endpoints(w: &mut World, net: &Net) -> Refs {
    let dms = w.dms();
    let group = ReplicationSubnetGroupInput {
        id: "Contract-Group".into(),
        description: "contract".into(),
        subnet_ids: net.subnets.clone(),
        tags: Tags::new(),
    };
    let g = dms.create_replication_subnet_group(group.clone()).await;
    w.answer("CreateReplicationSubnetGroup", &g, |g| format!("{} {}", g.id, g.subnet_ids.len()));
    let found = dms.find_replication_subnet_group("contract-group").await.unwrap();
    w.note(format!("find subnet group: {:?}", found.map(|g| g.id)));
    let listed = dms.list_replication_subnet_groups().await.unwrap();
    w.note(format!("list subnet groups: {:?}", listed.into_iter().map(|g| g.id).collect::<Vec<_>>()));
    let m = dms
        .modify_replication_subnet_group(ReplicationSubnetGroupInput { description: "changed".into(), ..group })
        .await;
    w.answer("ModifyReplicationSubnetGroup", &m, |g| g.description.clone());

    let instance = |id: &str| CreateReplicationInstanceInput {
        id: id.into(),
        class: "dms.t3.medium".into(),
        allocated_storage: Some(50),
        subnet_group_id: "contract-group".into(),
        vpc_security_group_ids: vec![net.sg.clone()],
        tags: tags(&[("suite", "contract")]),
        ..Default::default()
    };
    // What the region offers (rulebook/orderable.json), and what it refuses.
    let offered = dms.list_orderable_replication_instances().await;
    w.answer("DescribeOrderableReplicationInstances", &offered, |o| {
        let default: Vec<&str> = o.iter().filter(|x| x.engine_version == "3.5.4").map(|x| x.class.as_str()).collect();
        format!("{} options; with 3.5.4: {}", o.len(), default.join(" "))
    });
    let versions = dms.list_engine_versions().await;
    w.answer("DescribeEngineVersions", &versions, |v| {
        v.iter().map(|v| format!("{} {:?}", v.version, v.lifecycle)).collect::<Vec<_>>().join(", ")
    });
    for (what, retired) in [
        (
            "class dms.t2.micro",
            CreateReplicationInstanceInput { class: "dms.t2.micro".into(), ..instance("contract-old") },
        ),
        (
            "engine 1.9.0",
            CreateReplicationInstanceInput { engine_version: Some("1.9.0".into()), ..instance("contract-old") },
        ),
    ] {
        let refused = dms.create_replication_instance(retired).await;
        w.answer(&format!("CreateReplicationInstance {what}"), &refused, |i| i.status.clone());
    }
    let ri = dms.create_replication_instance(instance("Contract-RI")).await;
    w.answer("CreateReplicationInstance", &ri, |i| format!("{} {}", i.id, i.status));
    let ri = ri.unwrap().arn;
    let e = dms.create_replication_instance(instance("contract-ri")).await;
    w.answer("CreateReplicationInstance again", &e, |i| i.status.clone());
    let change =
        ModifyReplicationInstanceInput { arn: ri.clone(), class: Some("dms.t3.large".into()), ..Default::default() };
    let early = dms.modify_replication_instance(change.clone()).await;
    w.answer("ModifyReplicationInstance while creating", &early, |i| i.status.clone());
    let settled = settle(|| async { dms.find_replication_instance("contract-ri").await.unwrap().map(|i| i.status) });
    w.note(format!("instance settles {settled:?}", settled = settled.await));
    let same =
        ModifyReplicationInstanceInput { arn: ri.clone(), class: Some("dms.t3.medium".into()), ..Default::default() };
    let none = dms.modify_replication_instance(same).await;
    w.answer("ModifyReplicationInstance without changes", &none, |i| i.status.clone());
    let m = dms.modify_replication_instance(change.clone()).await;
    w.answer("ModifyReplicationInstance", &m, |i| format!("{} pending {:?}", i.status, i.pending.class));
    let again = dms.modify_replication_instance(change).await;
    w.answer("ModifyReplicationInstance while modifying", &again, |i| i.status.clone());
    let settled =
        settle(|| async { dms.describe_replication_instance_by_arn(&ri).await.unwrap().map(|i| i.status) }).await;
    let i = dms.describe_replication_instance_by_arn(&ri).await.unwrap().unwrap();
    w.note(format!("instance modify settles {settled:?} class {} pending empty {}", i.class, i.pending.is_empty()));

    let other = dms.create_replication_instance(instance("contract-ri-2")).await.unwrap().arn;
    let gone_group = dms.delete_replication_subnet_group("contract-group").await;
    w.answer("DeleteReplicationSubnetGroup in use", &gone_group, |_| String::new());
    let mut ids: Vec<String> = dms.list_replication_instances().await.unwrap().into_iter().map(|i| i.id).collect();
    ids.sort();
    w.note(format!("list instances: {ids:?}"));
    settle(|| async { dms.describe_replication_instance_by_arn(&other).await.unwrap().map(|i| i.status) }).await;

    let src = dms.create_endpoint(endpoint("contract-src", "source", "oracle")).await;
    w.answer("CreateEndpoint", &src, |e| format!("{} {} {}", e.id, e.endpoint_type, e.status));
    let src = src.unwrap().arn;
    let tgt = dms.create_endpoint(endpoint("contract-tgt", "target", "postgres")).await.unwrap().arn;
    let dup = dms.create_endpoint(endpoint("contract-src", "source", "oracle")).await;
    w.answer("CreateEndpoint again", &dup, |e| e.status.clone());
    let f = dms.find_endpoint("contract-tgt").await.unwrap().map(|e| (e.endpoint_type, e.engine_name, e.status));
    w.note(format!("find endpoint: {f:?}"));
    let f = dms.find_endpoint_by_arn(&src).await.unwrap().map(|e| e.id);
    w.note(format!("find endpoint by arn: {f:?}"));
    for kind in ["source", "target"] {
        let ids: Vec<String> = dms.list_endpoints(kind).await.unwrap().into_iter().map(|e| e.id).collect();
        w.note(format!("list {kind} endpoints: {ids:?}"));
    }
    let m = dms
        .modify_endpoint(ModifyEndpointInput {
            arn: tgt.clone(),
            server_name: Some("db2.example.internal".into()),
            password: Some(Secret::new("contract-pw-2")),
            ..Default::default()
        })
        .await;
    w.answer("ModifyEndpoint", &m, |e| format!("{} {:?}", e.status, e.server_name));
    // S13: a setting only the source takes, on a target (rulebook `endpoint_settings`), then one
    // both sides take, echoed.
    let pg = |p: PostgresSettings| EngineSettings { postgres: Some(p), oracle: None };
    for (what, settings) in [
        (
            "ModifyEndpoint SlotName on a target",
            pg(PostgresSettings { slot_name: Some("dms".into()), ..Default::default() }),
        ),
        ("ModifyEndpoint MapJsonbAsClob", pg(PostgresSettings { map_jsonb_as_clob: Some(true), ..Default::default() })),
    ] {
        let m = dms
            .modify_endpoint(ModifyEndpointInput {
                arn: tgt.clone(),
                engine_name: Some("postgres".into()),
                engine_settings: settings,
                ..Default::default()
            })
            .await;
        w.answer(what, &m, |e| format!("{} {:?}", e.status, e.engine_settings));
    }

    // A throw-away endpoint: deleting, refusals meanwhile, then gone.
    let tmp = dms.create_endpoint(endpoint("contract-tmp", "target", "postgres")).await.unwrap().arn;
    let d = dms.delete_endpoint(&tmp).await;
    w.answer("DeleteEndpoint", &d, |_| String::new());
    let s = dms.find_endpoint_by_arn(&tmp).await.unwrap().map(|e| e.status);
    w.note(format!("endpoint after delete: {s:?}"));
    let m = dms.modify_endpoint(ModifyEndpointInput { arn: tmp.clone(), port: Some(5433), ..Default::default() }).await;
    w.answer("ModifyEndpoint while deleting", &m, |e| e.status.clone());
    let d = dms.delete_endpoint(&tmp).await;
    w.answer("DeleteEndpoint while deleting", &d, |_| String::new());
    let gone = settle(|| async { dms.find_endpoint_by_arn(&tmp).await.unwrap().map(|e| e.status) }).await;
    w.note(format!("endpoint settles {gone:?}"));

    // Connection tests.
    let c = dms.test_connection(&ri, &tgt).await;
    w.answer("TestConnection", &c, |c| c.status.clone());
    let c = dms.test_connection(&ri, &tgt).await;
    w.answer("TestConnection while testing", &c, |c| c.status.clone());
    let got = settle(|| async { dms.find_connection(&ri, &tgt).await.unwrap().map(|c| c.status) }).await;
    w.note(format!("connection settles {got:?}"));
    let none = dms.find_connection(&other, &src).await.unwrap();
    w.note(format!("untested connection: {none:?}"));

    Refs { instance: ri, other_instance: other, source: src, target: tgt }
}

/// Every task operation from every state, as forced by the test hook: the answer, and where a
/// change settles.
async fn task_state_matrix(w: &mut World, refs: &Refs) {
    let dms = w.dms();
    let states = [
        "creating",
        "ready",
        "starting",
        "running",
        "stopping",
        "stopped",
        "modifying",
        "moving",
        "failed",
        "failed-move",
        "deleting",
    ];
    for state in states {
        let id = format!("matrix-{state}");
        let t = dms.create_replication_task(task(&id, "cdc", refs)).await.unwrap();
        let arn = t.arn;
        type Op = (&'static str, Box<dyn Fn(Arc<dyn DmsApi>, String, String) -> Call>);
        let ops: Vec<Op> = vec![
            (
                "Start start-replication",
                Box::new(|d, a, _| {
                    Box::pin(async move {
                        d.start_replication_task(&a, StartType::StartReplication).await.map(|t| t.status)
                    })
                }),
            ),
            (
                "Start resume-processing",
                Box::new(|d, a, _| {
                    Box::pin(async move {
                        d.start_replication_task(&a, StartType::ResumeProcessing).await.map(|t| t.status)
                    })
                }),
            ),
            (
                "Start reload-target",
                Box::new(|d, a, _| {
                    Box::pin(
                        async move { d.start_replication_task(&a, StartType::ReloadTarget).await.map(|t| t.status) },
                    )
                }),
            ),
            ("Stop", Box::new(|d, a, _| Box::pin(async move { d.stop_replication_task(&a).await.map(|t| t.status) }))),
            (
                "Modify",
                Box::new(|d, a, _| {
                    Box::pin(async move {
                        d.modify_replication_task(ModifyTaskInput {
                            arn: a,
                            table_mappings: Some(r#"{"rules":[]}"#.into()),
                            ..Default::default()
                        })
                        .await
                        .map(|t| t.status)
                    })
                }),
            ),
            (
                "Move",
                Box::new(|d, a, target| {
                    Box::pin(async move { d.move_replication_task(&a, &target).await.map(|t| t.status) })
                }),
            ),
            (
                "Delete",
                Box::new(|d, a, _| {
                    Box::pin(async move { d.delete_replication_task(&a).await.map(|()| "deleted".to_string()) })
                }),
            ),
        ];
        for (name, op) in ops {
            w.force(&arn, state);
            let current = dms.find_replication_task_by_arn(&arn).await.unwrap().unwrap().replication_instance_arn;
            let target = if current == refs.instance { refs.other_instance.clone() } else { refs.instance.clone() };
            let got = op(dms.clone(), arn.clone(), target).await;
            let ok = got.is_ok();
            w.answer(&format!("{name} from {state}"), &got, String::clone);
            if ok {
                settle_task(w, &format!("{name} from {state}"), &arn).await;
            }
        }
    }
}

type Call = std::pin::Pin<Box<dyn Future<Output = Result<String, AwsError>> + Send>>;

/// A task's life without the hook: create, tags, start, full load, stop, modify, move, delete.
async fn task_lifecycles(w: &mut World, refs: &Refs) {
    let dms = w.dms();
    let t = dms.create_replication_task(task("life-cdc", "cdc", refs)).await;
    w.answer("CreateReplicationTask", &t, status_of);
    let arn = t.unwrap().arn;
    let dup = dms.create_replication_task(task("life-cdc", "cdc", refs)).await;
    w.answer("CreateReplicationTask again", &dup, status_of);
    let d = dms.delete_replication_task(&arn).await;
    w.answer("DeleteReplicationTask while creating", &d, |_| String::new());
    settle_task(w, "create", &arn).await;
    let by_id = dms.find_replication_task_by_id("life-cdc").await.unwrap().map(|t| t.status);
    w.note(format!("find task by id: {by_id:?}"));
    let stats = dms.describe_table_statistics(&arn).await.map(|s| s.len());
    w.answer("DescribeTableStatistics before a start", &stats, usize::to_string);

    w.note(format!("tags: {:?}", dms.list_tags(&arn).await.unwrap()));
    dms.add_tags(&arn, &tags(&[("team", "data"), ("suite", "changed")])).await.unwrap();
    dms.remove_tags(&arn, &["team".to_string()]).await.unwrap();
    w.note(format!("tags after add/remove: {:?}", dms.list_tags(&arn).await.unwrap()));

    let m = dms
        .modify_replication_task(ModifyTaskInput {
            arn: arn.clone(),
            migration_type: Some("full-load".into()),
            ..Default::default()
        })
        .await;
    w.answer("ModifyReplicationTask migration type", &m, status_of);
    let m = dms
        .modify_replication_task(ModifyTaskInput {
            arn: arn.clone(),
            settings: Some(r#"{"Logging":{"EnableLogging":true}}"#.into()),
            ..Default::default()
        })
        .await;
    w.answer("ModifyReplicationTask never started", &m, status_of);
    settle_task(w, "modify never started", &arn).await;
    let t = dms.find_replication_task_by_arn(&arn).await.unwrap().unwrap();
    let doc: serde_json::Value = serde_json::from_str(t.settings.as_deref().unwrap_or("{}")).unwrap();
    w.note(format!(
        "settings: logging {} group {} prep {}",
        doc["Logging"]["EnableLogging"],
        doc["Logging"]["CloudWatchLogGroup"],
        doc["FullLoadSettings"]["TargetTablePrepMode"]
    ));

    let s = dms.start_replication_task(&arn, StartType::StartReplication).await;
    w.answer("StartReplicationTask", &s, status_of);
    settle_task(w, "start cdc", &arn).await;
    let using_instance = dms.list_replication_tasks_using(&TasksUsing::Instance(refs.instance.clone())).await.unwrap();
    let using_endpoint = dms.list_replication_tasks_using(&TasksUsing::Endpoint(refs.source.clone())).await.unwrap();
    let ids = |v: Vec<ReplicationTask>| {
        let mut v: Vec<String> = v.into_iter().map(|t| format!("{} {}", t.id, t.status)).collect();
        v.sort();
        v
    };
    w.note(format!("tasks using the instance: {:?}", ids(using_instance)));
    w.note(format!("tasks using the source: {:?}", ids(using_endpoint)));
    let e = dms
        .modify_endpoint(ModifyEndpointInput { arn: refs.source.clone(), port: Some(1522), ..Default::default() })
        .await;
    w.answer("ModifyEndpoint of a running task", &e, |e| e.status.clone());
    let e = dms.delete_endpoint(&refs.source).await;
    w.answer("DeleteEndpoint in use", &e, |_| String::new());
    let e = dms.delete_replication_instance(&refs.instance).await;
    w.answer("DeleteReplicationInstance in use", &e, |_| String::new());
    let s = dms.stop_replication_task(&arn).await;
    w.answer("StopReplicationTask", &s, status_of);
    settle_task(w, "stop", &arn).await;
    // DMS tests a changed endpoint itself, and the task cannot start meanwhile (#46139).
    let e = dms
        .modify_endpoint(ModifyEndpointInput { arn: refs.source.clone(), port: Some(1522), ..Default::default() })
        .await;
    w.answer("ModifyEndpoint of a stopped task", &e, |e| e.status.clone());
    let c = dms.find_connection(&refs.instance, &refs.source).await.unwrap().map(|c| c.status);
    w.note(format!("connection after the modify: {c:?}"));
    let s = dms.start_replication_task(&arn, StartType::ResumeProcessing).await;
    w.answer("StartReplicationTask while the endpoint is tested", &s, status_of);
    let got =
        settle(|| async { dms.find_connection(&refs.instance, &refs.source).await.unwrap().map(|c| c.status) }).await;
    w.note(format!("the modify's connection test settles {got:?}"));
    let s = dms.start_replication_task(&arn, StartType::ResumeProcessing).await;
    w.answer("StartReplicationTask resume", &s, status_of);
    settle_task(w, "resume", &arn).await;
    dms.stop_replication_task(&arn).await.unwrap();
    settle_task(w, "stop again", &arn).await;
    let mv = dms.move_replication_task(&arn, &refs.other_instance).await;
    w.answer("MoveReplicationTask", &mv, |t| {
        format!("{} on new instance {}", t.status, t.replication_instance_arn == refs.other_instance)
    });
    settle_task(w, "move", &arn).await;
    let t = dms.find_replication_task_by_arn(&arn).await.unwrap().unwrap();
    w.note(format!("after move on new instance: {}", t.replication_instance_arn == refs.other_instance));
    let d = dms.delete_replication_task(&arn).await;
    w.answer("DeleteReplicationTask", &d, |_| String::new());
    settle_task(w, "delete", &arn).await;
    let l = dms.list_tags(&arn).await;
    w.answer("ListTagsForResource of a deleted task", &l, |t| format!("{t:?}"));

    // Full load: running, then stopped with FULL_LOAD_ONLY_FINISHED.
    let t = dms.create_replication_task(task("life-full", "full-load", refs)).await.unwrap();
    settle_task(w, "create full-load", &t.arn).await;
    dms.start_replication_task(&t.arn, StartType::StartReplication).await.unwrap();
    settle_task(w, "start full-load", &t.arn).await;
    let dms2 = dms.clone();
    let arn2 = t.arn.clone();
    let end = settle(|| async {
        match task_status(&dms2, &arn2).await {
            Some(s) if s == "running" => Some("starting".to_string()), // keep waiting for the load
            other => other,
        }
    })
    .await;
    let reason = dms.find_replication_task_by_arn(&t.arn).await.unwrap().and_then(|t| t.stop_reason);
    w.note(format!("full load ends {end:?} {reason:?}"));
    dms.delete_replication_task(&t.arn).await.unwrap();
    settle_task(w, "delete full-load", &t.arn).await;
}

/// Certificates (emulator rules K2-K4): the identifier and PEM checks, a second import, lookups
/// by id and ARN, and a delete refused while an endpoint names the certificate.
async fn certificates(w: &mut World) {
    const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0E=\n-----END CERTIFICATE-----\n";
    let dms = w.dms();
    let id_of = |c: &dmslink::aws::dms::Certificate| c.id.clone();
    let bad = dms.import_certificate("1-contract", &Secret::new(PEM)).await;
    w.answer("ImportCertificate bad identifier", &bad, id_of);
    let bad = dms.import_certificate("contract-ca", &Secret::new("not a certificate")).await;
    w.answer("ImportCertificate bad PEM", &bad, id_of);
    let cert = dms.import_certificate("contract-ca", &Secret::new(PEM)).await;
    w.answer("ImportCertificate", &cert, id_of);
    let again = dms.import_certificate("contract-ca", &Secret::new(PEM)).await;
    w.answer("ImportCertificate again", &again, id_of);
    let arn = cert.map(|c| c.arn).unwrap_or_default();
    let found = |c: &Option<dmslink::aws::dms::Certificate>| format!("{:?}", c.as_ref().map(|c| c.id.clone()));
    let by_id = dms.find_certificate("contract-ca").await;
    w.answer("DescribeCertificates by id", &by_id, found);
    let by_arn = dms.find_certificate_by_arn(&arn).await;
    w.answer("DescribeCertificates by ARN", &by_arn, found);
    let none = dms.find_certificate("contract-none").await;
    w.answer("DescribeCertificates of none", &none, found);
    let ep = CreateEndpointInput {
        certificate_arn: Some(arn.clone()),
        ..endpoint("contract-cert-ep", "target", "postgres")
    };
    let ep = dms.create_endpoint(ep).await.unwrap();
    let busy = dms.delete_certificate(&arn).await;
    w.answer("DeleteCertificate in use", &busy, |_| String::new());
    dms.delete_endpoint(&ep.arn).await.unwrap();
    settle(|| async { dms.find_endpoint_by_arn(&ep.arn).await.unwrap().map(|e| e.status) }).await;
    let gone = dms.delete_certificate(&arn).await;
    w.answer("DeleteCertificate", &gone, |_| String::new());
    let again = dms.delete_certificate(&arn).await;
    w.answer("DeleteCertificate again", &again, |_| String::new());
}

/// A login secret's lifecycle as `manage_login_secret` drives it (emulator rules SM5, SM6): an empty
/// secret, its value, a second create, a deletion with too short a window, then with 7 days; while
/// scheduled, the name, the value and the tags are refused; restored, they are not.
async fn login_secrets(w: &mut World) {
    let sm = w.clients.secrets.clone();
    let tags = dmslink::aws::Tags::from([("dmslink:stack".to_string(), "contract".to_string())]);
    let info = |i: &dmslink::aws::secrets_manager::SecretInfo| {
        format!("{} scheduled={} value={}", i.name, i.scheduled_for_deletion, i.has_value)
    };
    let made = sm.create_secret("contract-login", "contract", &tags).await;
    w.answer("CreateSecret", &made, info);
    let arn = made.map(|i| i.arn).unwrap_or_default();
    let again = sm.create_secret("contract-login", "contract", &tags).await;
    w.answer("CreateSecret again", &again, info);
    let put = sm.put_secret_value(&arn, &Secret::new("{}")).await;
    w.answer("PutSecretValue", &put, |_| String::new());
    let described = |d: &Option<dmslink::aws::secrets_manager::SecretInfo>| d.as_ref().map(info).unwrap_or_default();
    let by_name = sm.describe_secret("contract-login").await;
    w.answer("DescribeSecret by name", &by_name, described);
    let short = sm.delete_secret(&arn, 3).await;
    w.answer("DeleteSecret 3 days", &short, |_| String::new());
    let deleted = sm.delete_secret(&arn, 7).await;
    w.answer("DeleteSecret 7 days", &deleted, |_| String::new());
    let by_arn = sm.describe_secret(&arn).await;
    w.answer("DescribeSecret scheduled", &by_arn, described);
    let refused = sm.create_secret("contract-login", "contract", &tags).await;
    w.answer("CreateSecret on a scheduled name", &refused, info);
    let put = sm.put_secret_value(&arn, &Secret::new("{}")).await;
    w.answer("PutSecretValue scheduled", &put, |_| String::new());
    let tag = sm.tag_secret(&arn, &tags).await;
    w.answer("TagResource scheduled", &tag, |_| String::new());
    let restored = sm.restore_secret(&arn).await;
    w.answer("RestoreSecret", &restored, |_| String::new());
    let untag = sm.untag_secret(&arn, &["dmslink:stack".to_string()]).await;
    w.answer("UntagResource", &untag, |_| String::new());
    let after = sm.describe_secret(&arn).await;
    w.answer("DescribeSecret restored", &after, |d| format!("{} tags={:?}", described(d), d.as_ref().map(|i| &i.tags)));
    let none = sm.describe_secret("contract-none").await;
    w.answer("DescribeSecret of none", &none, described);
}

async fn story(w: &mut World) -> Vec<String> {
    login_secrets(w).await;
    certificates(w).await;
    let net = network(w).await;
    let refs = instances_and_endpoints(w, &net).await;
    task_lifecycles(w, &refs).await;
    task_state_matrix(w, &refs).await;
    // Clean up the matrix's tasks, then the instances.
    let dms = w.dms();
    for t in dms.list_replication_tasks_using(&TasksUsing::Instance(refs.instance.clone())).await.unwrap_or_default() {
        w.force(&t.arn, "stopped");
        dms.delete_replication_task(&t.arn).await.unwrap();
    }
    for t in
        dms.list_replication_tasks_using(&TasksUsing::Instance(refs.other_instance.clone())).await.unwrap_or_default()
    {
        w.force(&t.arn, "stopped");
        dms.delete_replication_task(&t.arn).await.unwrap();
    }
    let left = settle(|| async {
        let n = dms.list_replication_tasks_using(&TasksUsing::Instance(refs.instance.clone())).await.unwrap().len()
            + dms.list_replication_tasks_using(&TasksUsing::Instance(refs.other_instance.clone())).await.unwrap().len();
        Some(if n == 0 { "none".to_string() } else { "deleting".to_string() })
    })
    .await;
    w.note(format!("tasks left: {left:?}"));
    // The endpoints and instances go once no task uses them.
    for arn in [&refs.source, &refs.target] {
        let d = dms.delete_endpoint(arn).await;
        w.answer("DeleteEndpoint", &d, |_| String::new());
    }
    for arn in [&refs.instance, &refs.other_instance] {
        let d = dms.delete_replication_instance(arn).await;
        w.answer("DeleteReplicationInstance", &d, |_| String::new());
        let again = dms.delete_replication_instance(arn).await;
        w.answer("DeleteReplicationInstance while deleting", &again, |_| String::new());
        let gone = settle(|| async { dms.describe_replication_instance_by_arn(arn).await.unwrap().map(|i| i.status) });
        w.note(format!("instance settles {:?}", gone.await));
    }
    let d = dms.delete_replication_subnet_group("contract-group").await;
    w.answer("DeleteReplicationSubnetGroup", &d, |_| String::new());
    std::mem::take(&mut w.log)
}

fn fake_story() -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap();
    rt.block_on(async {
        let fake = FakeWorld::new();
        let mut w = World { clients: fake.clients(), side: Side::Fake(fake), log: Vec::new() };
        story(&mut w).await
    })
}

/// The DMS operations the provider's SDK adapter calls, read from its source: every
/// `self.client.<operation>()` in `provider/src/aws/dms_sdk/`, as the API's action names.
fn sdk_dms_operations() -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../provider/src/aws/dms_sdk");
    let mut ops = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") || path.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        // Whitespace out, so a call chained over several lines reads as one.
        let text: String = std::fs::read_to_string(&path).unwrap().split_whitespace().collect();
        for call in text.split("self.client.").skip(1) {
            let Some(name) = call.split("()").next().filter(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            else {
                continue;
            };
            let action: String = name
                .split('_')
                .map(|w| {
                    let mut cs = w.chars();
                    cs.next().map(|c| c.to_ascii_uppercase().to_string() + cs.as_str()).unwrap_or_default()
                })
                .collect();
            ops.insert(action);
        }
    }
    ops
}

/// The story told by the SDK clients against the emulator, and the DMS actions its request log
/// saw being served.
fn emulator_story(emulator: Emulator) -> (Vec<String>, BTreeSet<String>) {
    // The emulator's time scaling: every timed DMS state 5× shorter than the rulebook's 1 s.
    emulator.set_config(json!({
        "transition_seconds": 0.2,
        "full_load_seconds": 0.4,
        "iam_propagation_seconds": 0,
        // Long enough for the calls made while the test an endpoint modify begins is running.
        "connection_test_seconds": 1.0,
        "dms_instance_seconds": {"creating": 0.2, "modifying": 0.2, "deleting": 0.2},
        "dms_endpoint_seconds": {"deleting": 0.2},
    }));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let url = emulator.endpoint();
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "contract"))
            .load()
            .await;
        let endpoints = EndpointOverrides {
            dms: Some(url.clone()),
            ec2: Some(url.clone()),
            rds: Some(url.clone()),
            iam: Some(url.clone()),
            logs: Some(url.clone()),
            secretsmanager: Some(url.clone()),
            sts: Some(url.clone()),
            s3: Some(url),
        };
        let clients = Clients::from_sdk_config(&sdk, &endpoints);
        let mut world = World { clients, side: Side::Emulator(emulator), log: Vec::new() };
        let told = story(&mut world).await;
        let Side::Emulator(emulator) = &world.side else { unreachable!() };
        (told, emulator.dms_actions().into_iter().collect())
    })
}

#[test]
fn contract_fakes_and_emulator_tell_the_same_dms_story() {
    if Venv::find().is_none() {
        return missing_tool::<()>("no Python venv (moto, boto3)", "make venv").unwrap_or(());
    }
    let emulator = Emulator::start();
    let fake = fake_story();
    let (real, served) = emulator_story(emulator);
    // Every DMS operation the provider calls is in the story: the suite cannot silently miss one
    // the provider starts using.
    let called = sdk_dms_operations();
    assert!(called.len() >= 20, "read too few operations from the SDK adapter: {called:?}");
    let untold: Vec<&String> = called.difference(&served).collect();
    assert!(untold.is_empty(), "DMS operations the provider calls but the contract story never makes: {untold:?}");
    let width = fake.len().max(real.len());
    let mut diffs = Vec::new();
    for i in 0..width {
        let (f, e) = (fake.get(i).map_or("<missing>", String::as_str), real.get(i).map_or("<missing>", String::as_str));
        if f != e {
            diffs.push(format!("  fake:     {f}\n  emulator: {e}"));
        }
    }
    assert!(
        diffs.is_empty(),
        "the fakes and the emulator disagree on {} of {width} lines:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
    // The story is long enough to mean something (every operation left a line).
    assert!(fake.len() > 100, "{}", fake.join("\n"));
}
