"""Network reachability decides TestConnection and task starts; VPN connections and their routes."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import Emulator, ensure_dms_vpc_role
from test_connections import local_postgres, pg_endpoint, wait_connection  # noqa: F401 - fixture
from test_emulator import TABLE_MAPPINGS, wait_for

FAST = {
    "connection_test_seconds": 0.1,
    "dms_connection_timeout_seconds": 0.3,
    "vpn_seconds": {"pending": 0.2, "deleting": 0.2, "route": 0.1},
}
ONPREM_IP = "192.168.50.10"


def code_of(fn: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as err:
        fn(**kwargs)
    return err.value.response["Error"]["Code"]


def until(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.03)


class Net:
    """A VPC with two subnets, a security group and a replication instance in it."""

    def __init__(self, emulator: Emulator, cidr: str = "10.1.0.0/16", region: str = "us-east-1",
                 name: str = "ri", with_instance: bool = True) -> None:
        self.emulator = emulator
        self.ec2 = emulator.client("ec2", region)
        self.rds = emulator.client("rds", region)
        self.dms = emulator.client("dms", region)
        self.region = region
        self.cidr = cidr
        self.vpc = self.ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        base = cidr.split("/")[0].rsplit(".", 2)[0]
        self.subnets = [
            self.ec2.create_subnet(VpcId=self.vpc, CidrBlock=f"{base}.{i}.0/24",
                                   AvailabilityZone=f"{region}{az}")["Subnet"]["SubnetId"]
            for i, az in ((1, "a"), (2, "b"))
        ]
        self.sg = self.ec2.create_security_group(GroupName=f"{name}-sg", Description="x", VpcId=self.vpc)["GroupId"]
        self.main_table = self.ec2.describe_route_tables(Filters=[
            {"Name": "vpc-id", "Values": [self.vpc]}, {"Name": "association.main", "Values": ["true"]},
        ])["RouteTables"][0]["RouteTableId"]
        self.instance = ""
        if with_instance:
            ensure_dms_vpc_role(self.dms)
            self.dms.create_replication_subnet_group(
                ReplicationSubnetGroupIdentifier=f"{name}-subnets", ReplicationSubnetGroupDescription="x",
                SubnetIds=self.subnets,
            )
            self.instance = self.dms.create_replication_instance(
                ReplicationInstanceIdentifier=name, ReplicationInstanceClass="dms.t3.small",
                ReplicationSubnetGroupIdentifier=f"{name}-subnets", VpcSecurityGroupIds=[self.sg],
                PubliclyAccessible=False,
            )["ReplicationInstance"]["ReplicationInstanceArn"]
            until(lambda: self.dms.describe_replication_instances(Filters=[
                {"Name": "replication-instance-arn", "Values": [self.instance]}
            ])["ReplicationInstances"][0]["ReplicationInstanceStatus"] == "available")

    @property
    def instance_ip(self) -> str:
        return self.dms.describe_replication_instances(Filters=[
            {"Name": "replication-instance-arn", "Values": [self.instance]}
        ])["ReplicationInstances"][0]["ReplicationInstancePrivateIpAddress"]

    def database(self, name: str, groups: list[str], port: int = 5432) -> str:
        self.rds.create_db_subnet_group(DBSubnetGroupName=f"{name}-subnets", DBSubnetGroupDescription="x",
                                        SubnetIds=self.subnets)
        db = self.rds.create_db_instance(
            DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres",
            MasterUsername="admin1", MasterUserPassword="password123", AllocatedStorage=20,
            DBSubnetGroupName=f"{name}-subnets", VpcSecurityGroupIds=groups, Port=port,
        )["DBInstance"]
        until(lambda: self.rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]["DBInstanceStatus"]
              == "available")
        return self.rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]["Endpoint"]["Address"] \
            or db["Endpoint"]["Address"]

    def endpoint(self, ident: str, server: str, port: int, engine: str = "postgres",
                 kind: str = "target") -> str:
        return self.dms.create_endpoint(
            EndpointIdentifier=ident, EndpointType=kind, EngineName=engine, Username="u", Password="p",
            ServerName=server, Port=port, DatabaseName="db",
        )["Endpoint"]["EndpointArn"]

    def test(self, endpoint: str) -> dict[str, Any]:
        self.dms.test_connection(ReplicationInstanceArn=self.instance, EndpointArn=endpoint)
        return wait_connection(self.dms, self.instance, endpoint)[0]

    def verdict(self, endpoint: str) -> dict[str, Any]:
        status, doc = self.emulator.control("GET", f"/reachability?instance={self.instance}&endpoint={endpoint}")
        assert status == 200, doc
        return doc


@pytest.fixture
def fast(emulator: Emulator) -> Emulator:
    assert emulator.control("POST", "/config", FAST)[0] == 200
    return emulator


def vpn_gateway(net: Net, *, propagate: bool = True) -> str:
    vgw = net.ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    net.ec2.attach_vpn_gateway(VpnGatewayId=vgw, VpcId=net.vpc)
    until(lambda: net.ec2.describe_vpn_gateways(VpnGatewayIds=[vgw])["VpnGateways"][0]["VpcAttachments"][0]["State"]
          == "attached")
    if propagate:
        net.ec2.enable_vgw_route_propagation(RouteTableId=net.main_table, GatewayId=vgw)
    return vgw


def vpn_connection(net: Net, vgw: str, *, static: bool = True, route: str | None = "192.168.50.0/24",
                   wait: bool = True) -> str:
    cgw = net.ec2.create_customer_gateway(Type="ipsec.1", PublicIp="203.0.113.12", BgpAsn=65000)
    vpn = net.ec2.create_vpn_connection(
        Type="ipsec.1", CustomerGatewayId=cgw["CustomerGateway"]["CustomerGatewayId"], VpnGatewayId=vgw,
        Options={"StaticRoutesOnly": static},
    )["VpnConnection"]
    assert vpn["State"] == "pending"
    if wait:
        until(lambda: state_of(net, vpn["VpnConnectionId"]) == "available")
    if route:
        net.ec2.create_vpn_connection_route(VpnConnectionId=vpn["VpnConnectionId"], DestinationCidrBlock=route)
        if wait:
            until(lambda: describe_vpn(net, vpn["VpnConnectionId"])["Routes"][0]["State"] == "available")
    return vpn["VpnConnectionId"]


def describe_vpn(net: Net, vpn_id: str) -> dict[str, Any]:
    return net.ec2.describe_vpn_connections(VpnConnectionIds=[vpn_id])["VpnConnections"][0]


def state_of(net: Net, vpn_id: str) -> str:
    return describe_vpn(net, vpn_id)["State"]


def onprem(net: Net, server: str = ONPREM_IP, engine: str = "oracle") -> str:
    return net.endpoint("onprem", server, 1521, engine=engine, kind="source")


def allow(net: Net, group: str, port: int, *, cidr: str | None = None, source: str | None = None) -> None:
    perm: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
    if cidr:
        perm["IpRanges"] = [{"CidrIp": cidr}]
    if source:
        perm["UserIdGroupPairs"] = [{"GroupId": source}]
    net.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[perm])


# ---------------------------------------------------------------------------
# (a) same VPC
# ---------------------------------------------------------------------------

def test_same_vpc_rds_reached_through_its_security_group(fast: Emulator) -> None:
    net = Net(fast)
    db_sg = net.ec2.create_security_group(GroupName="db-sg", Description="x", VpcId=net.vpc)["GroupId"]
    allow(net, db_sg, 5432, source=net.sg)
    ep = net.endpoint("tgt", net.database("tgtdb", [db_sg]), 5432)
    conn = net.test(ep)
    assert conn["Status"] == "successful", conn
    assert net.verdict(ep)["path"] == "same-vpc"


def test_same_vpc_rds_reached_through_a_cidr_rule(fast: Emulator) -> None:
    net = Net(fast)
    db_sg = net.ec2.create_security_group(GroupName="db-sg", Description="x", VpcId=net.vpc)["GroupId"]
    allow(net, db_sg, 5432, cidr=net.cidr)
    ep = net.endpoint("tgt", net.database("tgtdb", [db_sg]), 5432)
    assert net.test(ep)["Status"] == "successful"


def test_same_vpc_without_a_security_group_rule_times_out(fast: Emulator) -> None:
    net = Net(fast)
    db_sg = net.ec2.create_security_group(GroupName="db-sg", Description="x", VpcId=net.vpc)["GroupId"]
    allow(net, db_sg, 1521, source=net.sg)  # the wrong port
    ep = net.endpoint("tgt", net.database("tgtdb", [db_sg]), 5432)
    t0 = time.monotonic()
    conn = net.test(ep)
    assert time.monotonic() - t0 >= 0.25  # the connect timeout, not the plain test time
    assert conn["Status"] == "failed"
    assert conn["LastFailureMessage"] == (
        "Test Endpoint failed: Application-Status: 1020912, Application-Message: Failed to connect Network "
        "error has occurred, Application-Detailed-Message: RetCode: SQL_ERROR SqlState: 08001 NativeError: 101 "
        "Message: [unixODBC]timeout expired"
    )
    assert "no ingress rule" in net.verdict(ep)["reason"]


def test_egress_revoked_on_the_instance_group_times_out(fast: Emulator) -> None:
    net = Net(fast)
    db_sg = net.ec2.create_security_group(GroupName="db-sg", Description="x", VpcId=net.vpc)["GroupId"]
    allow(net, db_sg, 5432, source=net.sg)
    ep = net.endpoint("tgt", net.database("tgtdb", [db_sg]), 5432)
    net.ec2.revoke_security_group_egress(GroupId=net.sg, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    assert net.test(ep)["Status"] == "failed"
    assert "no egress rule" in net.verdict(ep)["reason"]


# ---------------------------------------------------------------------------
# (b) peered VPC
# ---------------------------------------------------------------------------

def peered(fast: Emulator, *, accept: bool = True, route_there: bool = True, route_back: bool = True,
           rule: bool = True) -> tuple[Net, Net, str, str]:
    net = Net(fast)
    app = Net(fast, cidr="10.2.0.0/16", name="app", with_instance=False)
    db_sg = app.sg
    if rule:
        allow(app, db_sg, 5432, cidr=net.cidr)
    address = app.database("appdb", [db_sg])
    pcx = net.ec2.create_vpc_peering_connection(VpcId=net.vpc, PeerVpcId=app.vpc)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"]
    until(lambda: net.ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])[
        "VpcPeeringConnections"][0]["Status"]["Code"] == "pending-acceptance")
    if accept:
        net.ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
        until(lambda: net.ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])[
            "VpcPeeringConnections"][0]["Status"]["Code"] == "active")
    if route_there:
        net.ec2.create_route(RouteTableId=net.main_table, DestinationCidrBlock=app.cidr, VpcPeeringConnectionId=pcx)
    if route_back:
        app.ec2.create_route(RouteTableId=app.main_table, DestinationCidrBlock=net.cidr, VpcPeeringConnectionId=pcx)
    return net, app, pcx, net.endpoint("tgt", address, 5432)


def test_peered_rds_reached(fast: Emulator) -> None:
    net, _, _, ep = peered(fast)
    assert net.test(ep)["Status"] == "successful"
    assert net.verdict(ep)["path"] == "peering"


def test_peered_without_the_peer_security_group_rule_times_out(fast: Emulator) -> None:
    net, _, _, ep = peered(fast, rule=False)
    assert net.test(ep)["Status"] == "failed"
    assert "no ingress rule" in net.verdict(ep)["reason"]


def test_peered_without_the_route_there_times_out(fast: Emulator) -> None:
    net, _, pcx, ep = peered(fast, route_there=False)
    assert net.test(ep)["Status"] == "failed"
    reason = net.verdict(ep)["reason"]
    assert net.main_table in reason and f"not {pcx}" in reason


def test_peered_without_the_route_back_times_out(fast: Emulator) -> None:
    net, app, pcx, ep = peered(fast, route_back=False)
    assert net.test(ep)["Status"] == "failed"
    reason = net.verdict(ep)["reason"]
    assert app.main_table in reason and net.instance_ip in reason


def test_peering_not_active_times_out(fast: Emulator) -> None:
    net, _, pcx, ep = peered(fast, accept=False, route_there=False, route_back=False)
    assert net.test(ep)["Status"] == "failed"
    assert f"{pcx} pending-acceptance" in net.verdict(ep)["reason"]


def test_subnet_with_its_own_route_table_needs_the_route_too(fast: Emulator) -> None:
    net, _, _, ep = peered(fast)
    table = net.ec2.create_route_table(VpcId=net.vpc)["RouteTable"]["RouteTableId"]
    net.ec2.associate_route_table(RouteTableId=table, SubnetId=net.subnets[1])
    assert net.verdict(ep)["reachable"] is False
    assert table in net.verdict(ep)["reason"]


# ---------------------------------------------------------------------------
# (c) on premises over the VPN
# ---------------------------------------------------------------------------

def test_onprem_reached_over_a_static_vpn_route_propagated(fast: Emulator) -> None:
    net = Net(fast)
    vpn_connection(net, vpn_gateway(net))
    ep = onprem(net)
    assert net.test(ep)["Status"] == "successful"
    assert net.verdict(ep)["path"] == "vpn"


def test_onprem_reached_over_bgp(fast: Emulator) -> None:
    net = Net(fast)
    vpn_connection(net, vpn_gateway(net), static=False, route=None)
    assert net.test(onprem(net))["Status"] == "successful"


def test_onprem_reached_with_a_static_route_table_route_to_the_gateway(fast: Emulator) -> None:
    net = Net(fast)
    vgw = vpn_gateway(net, propagate=False)
    vpn_connection(net, vgw)
    ep = onprem(net)
    assert net.verdict(ep)["reachable"] is False  # no propagation, no route to the gateway
    net.ec2.create_route(RouteTableId=net.main_table, DestinationCidrBlock="192.168.0.0/16", GatewayId=vgw)
    assert net.test(ep)["Status"] == "successful"


def test_onprem_host_name_reached_over_the_vpn(fast: Emulator) -> None:
    net = Net(fast)
    ep = onprem(net, "oracle.corp.example")
    assert net.verdict(ep)["reachable"] is False
    vpn_connection(net, vpn_gateway(net))
    assert net.test(ep)["Status"] == "successful"


def test_onprem_without_a_vpn_connection_times_out(fast: Emulator) -> None:
    net = Net(fast)
    vpn_gateway(net)
    ep = onprem(net)
    conn = net.test(ep)
    assert conn["Status"] == "failed"
    assert "ORA-12170: TNS:Connect timeout occurred" in conn["LastFailureMessage"]
    assert "192.168.50.10" in net.verdict(ep)["reason"]


def test_onprem_with_a_pending_vpn_connection_times_out(fast: Emulator) -> None:
    fast.control("POST", "/config", {"vpn_seconds": {"pending": 30}})
    net = Net(fast)
    vgw = vpn_gateway(net, propagate=False)
    net.ec2.create_route(RouteTableId=net.main_table, DestinationCidrBlock="192.168.0.0/16", GatewayId=vgw)
    vpn_id = vpn_connection(net, vgw, wait=False, route=None)
    ep = onprem(net)
    assert net.test(ep)["Status"] == "failed"
    assert f"{vpn_id} pending" in net.verdict(ep)["reason"]
    # propagated instead: a pending connection propagates nothing
    net.ec2.delete_route(RouteTableId=net.main_table, DestinationCidrBlock="192.168.0.0/16")
    net.ec2.enable_vgw_route_propagation(RouteTableId=net.main_table, GatewayId=vgw)
    assert "has no route to 192.168.50.10" in net.verdict(ep)["reason"]


def test_onprem_without_the_static_route_times_out(fast: Emulator) -> None:
    net = Net(fast)
    vpn_connection(net, vpn_gateway(net), route="172.16.0.0/24")  # another network
    ep = onprem(net)
    assert net.test(ep)["Status"] == "failed"
    assert net.verdict(ep)["reachable"] is False


def test_onprem_after_the_vpn_connection_is_deleted_times_out(fast: Emulator) -> None:
    net = Net(fast)
    vpn_id = vpn_connection(net, vpn_gateway(net))
    ep = onprem(net)
    assert net.verdict(ep)["reachable"] is True
    net.ec2.delete_vpn_connection(VpnConnectionId=vpn_id)
    assert net.verdict(ep)["reachable"] is False


def test_mysql_timeout_message_names_the_host(fast: Emulator) -> None:
    net = Net(fast)
    ep = net.endpoint("my", "10.200.0.5", 3306, engine="mysql", kind="source")
    conn = net.test(ep)
    assert conn["LastFailureMessage"].endswith(
        "[MySQL][ODBC 8.0(w) Driver]Can't connect to MySQL server on '10.200.0.5' (110)")


# ---------------------------------------------------------------------------
# task starts, loopback, modes
# ---------------------------------------------------------------------------

def test_task_start_with_an_unreachable_source_fails(fast: Emulator) -> None:
    net = Net(fast)
    db_sg = net.ec2.create_security_group(GroupName="db-sg", Description="x", VpcId=net.vpc)["GroupId"]
    allow(net, db_sg, 5432, source=net.sg)
    target = net.endpoint("tgt", net.database("tgtdb", [db_sg]), 5432)
    source = onprem(net)
    arn = net.dms.create_replication_task(
        ReplicationTaskIdentifier="t1", SourceEndpointArn=source, TargetEndpointArn=target,
        ReplicationInstanceArn=net.instance, MigrationType="full-load-and-cdc", TableMappings=TABLE_MAPPINGS,
    )["ReplicationTask"]["ReplicationTaskArn"]
    wait_for(net.dms, arn, "ready")
    net.dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    task, seen = wait_for(net.dms, arn, "failed")
    assert seen[0] == "starting" and "running" not in seen
    assert task["StopReason"] == "Stop Reason FATAL_ERROR"
    message = task["LastFailureMessage"]
    assert message.startswith("Last Error  Endpoint initialization failed.")
    assert "ORA-12170" in message and "'st_0_" in message and message.endswith("Error Level FATAL")
    # once a VPN connection routes the source, the task resumes
    vpn_connection(net, vpn_gateway(net))
    net.dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="resume-processing")
    wait_for(net.dms, arn, "running")


def test_loopback_postgres_still_logs_in(fast: Emulator, local_postgres: int) -> None:  # noqa: F811
    from test_connections import APP_PASS

    net = Net(fast)
    good = pg_endpoint(net.dms, "pg-good", APP_PASS, local_postgres)
    bad = pg_endpoint(net.dms, "pg-bad", "wrong", local_postgres)
    assert net.test(good)["Status"] == "successful"
    failed = net.test(bad)
    assert failed["Status"] == "failed" and "password authentication failed" in failed["LastFailureMessage"]


def test_loopback_other_engines_are_refused(fast: Emulator) -> None:
    net = Net(fast)
    ep = net.endpoint("ora-local", "127.0.0.1", 1521, engine="oracle", kind="source")
    assert net.test(ep)["Status"] == "failed"
    assert net.verdict(ep)["path"] == "loopback"


def test_lenient_mode_and_unplaced_instances_are_not_judged(fast: Emulator) -> None:
    net = Net(fast)
    ep = onprem(net)
    fast.control("POST", "/config", {"strict": False})
    assert net.test(ep)["Status"] == "successful"
    fast.control("POST", "/config", {"strict": True})
    assert net.test(ep)["Status"] == "failed"


# ---------------------------------------------------------------------------
# VPN connection objects
# ---------------------------------------------------------------------------

def test_vpn_connection_lifecycle_and_describe(fast: Emulator) -> None:
    net = Net(fast, with_instance=False)
    vgw = vpn_gateway(net)
    vpn_id = vpn_connection(net, vgw, wait=False, route=None)
    doc = describe_vpn(net, vpn_id)
    assert doc["State"] == "pending" and doc["Options"]["StaticRoutesOnly"] is True
    assert doc["VpnGatewayId"] == vgw and doc["Category"] == "VPN"
    assert {t["Status"] for t in doc["VgwTelemetry"]} == {"DOWN"}
    until(lambda: state_of(net, vpn_id) == "available")
    assert {t["Status"] for t in describe_vpn(net, vpn_id)["VgwTelemetry"]} == {"UP"}
    net.ec2.create_vpn_connection_route(VpnConnectionId=vpn_id, DestinationCidrBlock="192.168.50.0/24")
    assert describe_vpn(net, vpn_id)["Routes"] == [
        {"DestinationCidrBlock": "192.168.50.0/24", "Source": "Static", "State": "pending"}]
    until(lambda: describe_vpn(net, vpn_id)["Routes"][0]["State"] == "available")
    assert code_of(net.ec2.create_vpn_connection_route, VpnConnectionId=vpn_id,
                   DestinationCidrBlock="192.168.50.0/24") == "RouteAlreadyExists"
    filtered = net.ec2.describe_vpn_connections(Filters=[
        {"Name": "vpn-gateway-id", "Values": [vgw]}, {"Name": "state", "Values": ["available"]},
        {"Name": "route.destination-cidr-block", "Values": ["192.168.50.0/24"]},
    ])["VpnConnections"]
    assert [c["VpnConnectionId"] for c in filtered] == [vpn_id]
    assert code_of(net.ec2.describe_vpn_connections, Filters=[{"Name": "bogus", "Values": ["x"]}]) \
        == "InvalidParameterValue"
    net.ec2.delete_vpn_connection_route(VpnConnectionId=vpn_id, DestinationCidrBlock="192.168.50.0/24")
    assert describe_vpn(net, vpn_id)["Routes"][0]["State"] == "deleting"
    until(lambda: describe_vpn(net, vpn_id)["Routes"] == [])
    assert code_of(net.ec2.delete_vpn_connection_route, VpnConnectionId=vpn_id,
                   DestinationCidrBlock="192.168.50.0/24") == "InvalidRoute.NotFound"
    net.ec2.delete_vpn_connection(VpnConnectionId=vpn_id)
    assert state_of(net, vpn_id) == "deleting"
    until(lambda: state_of(net, vpn_id) == "deleted")
    assert code_of(net.ec2.delete_vpn_connection, VpnConnectionId=vpn_id) == "InvalidVpnConnectionID.NotFound"
    assert code_of(net.ec2.create_vpn_connection_route, VpnConnectionId=vpn_id,
                   DestinationCidrBlock="10.9.0.0/16") == "InvalidVpnConnectionID.NotFound"


def test_vpn_connection_refusals(fast: Emulator) -> None:
    net = Net(fast, with_instance=False)
    cgw = net.ec2.create_customer_gateway(Type="ipsec.1", PublicIp="203.0.113.12", BgpAsn=65000)[
        "CustomerGateway"]["CustomerGatewayId"]
    assert code_of(net.ec2.create_vpn_connection, Type="ipsec.1", CustomerGatewayId=cgw,
                   VpnGatewayId="vgw-0123456789abcdef0") == "InvalidVpnGatewayID.NotFound"
    vgw = vpn_gateway(net)
    bgp = vpn_connection(net, vgw, static=False, route=None)
    assert code_of(net.ec2.create_vpn_connection_route, VpnConnectionId=bgp,
                   DestinationCidrBlock="10.9.0.0/16") == "InvalidVpnConnection.InvalidType"
    static = vpn_connection(net, vgw, route=None)
    assert code_of(net.ec2.create_vpn_connection_route, VpnConnectionId=static,
                   DestinationCidrBlock="not-a-cidr") == "InvalidParameterValue"


def test_vpn_refusals_on_a_deleted_gateway_and_a_deleting_connection(fast: Emulator) -> None:
    # API_CreateVpnConnection / API_CreateVpnConnectionRoute: a gone gateway, a connection on its way out
    fast.control("POST", "/config", {"vpn_seconds": {"deleting": 30}})
    net = Net(fast, with_instance=False)
    gone = net.ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    net.ec2.delete_vpn_gateway(VpnGatewayId=gone)
    cgw = net.ec2.create_customer_gateway(Type="ipsec.1", PublicIp="203.0.113.12", BgpAsn=65000)[
        "CustomerGateway"]["CustomerGatewayId"]
    assert code_of(net.ec2.create_vpn_connection, Type="ipsec.1", CustomerGatewayId=cgw,
                   VpnGatewayId=gone) == "IncorrectState"
    vgw = vpn_gateway(net, propagate=False)
    vpn_id = vpn_connection(net, vgw, route=None)
    net.ec2.delete_vpn_connection(VpnConnectionId=vpn_id)
    assert state_of(net, vpn_id) == "deleting"
    assert code_of(net.ec2.create_vpn_connection_route, VpnConnectionId=vpn_id,
                   DestinationCidrBlock="192.168.50.0/24") == "IncorrectState"
    net.ec2.delete_vpn_connection(VpnConnectionId=vpn_id)  # deleting again: a no-op
    assert state_of(net, vpn_id) == "deleting"


def test_gateway_in_use_by_a_vpn_connection(fast: Emulator) -> None:
    fast.control("POST", "/config", {"vpn_seconds": {"pending": 30}})
    net = Net(fast, with_instance=False)
    vgw = vpn_gateway(net, propagate=False)
    vpn_id = vpn_connection(net, vgw, wait=False, route=None)
    # a pending VPN blocks the detach (terraform-provider-aws#11720)
    assert code_of(net.ec2.detach_vpn_gateway, VpnGatewayId=vgw, VpcId=net.vpc) == "InvalidParameterValue"
    fast.control("POST", "/config", {"vpn_seconds": {"pending": 0.1}})
    net.ec2.delete_vpn_connection(VpnConnectionId=vpn_id)
    until(lambda: state_of(net, vpn_id) == "deleted")
    net.ec2.detach_vpn_gateway(VpnGatewayId=vgw, VpcId=net.vpc)
    until(lambda: net.ec2.describe_vpn_gateways(VpnGatewayIds=[vgw])["VpnGateways"][0]["VpcAttachments"][0][
        "State"] == "detached")
    net.ec2.delete_vpn_gateway(VpnGatewayId=vgw)


def test_a_gateway_with_a_live_vpn_connection_moves_to_another_vpc(fast: Emulator) -> None:
    """What network.vpn_gateway_id relies on: detaching a gateway under an ``available`` VPN
    connection is allowed (DetachVpnGateway documents no such refusal; the connection belongs to the
    gateway) and leaves the connection ``available`` with its tunnels and outside addresses; the
    gateway attaches to one VPC at a time, to another only once ``detached`` (AttachVpnGateway,
    DetachVpnGateway API reference), and then reaches on premises from there."""
    first = Net(fast)
    second = Net(fast, cidr="10.2.0.0/16", name="ri2")
    vgw = vpn_gateway(first)
    vpn_id = vpn_connection(first, vgw)
    tunnels = [t["OutsideIpAddress"] for t in describe_vpn(first, vpn_id)["VgwTelemetry"]]
    ep = onprem(first)
    assert first.test(ep)["Status"] == "successful"
    assert code_of(first.ec2.attach_vpn_gateway, VpnGatewayId=vgw, VpcId=second.vpc) == "VpnGatewayAttachmentLimitExceeded"
    first.ec2.detach_vpn_gateway(VpnGatewayId=vgw, VpcId=first.vpc)
    assert code_of(first.ec2.attach_vpn_gateway, VpnGatewayId=vgw, VpcId=second.vpc) == "VpnGatewayAttachmentLimitExceeded"
    until(lambda: first.ec2.describe_vpn_gateways(VpnGatewayIds=[vgw])["VpnGateways"][0]["VpcAttachments"][0][
        "State"] == "detached")
    conn = describe_vpn(first, vpn_id)
    assert conn["State"] == "available"
    assert [t["OutsideIpAddress"] for t in conn["VgwTelemetry"]] == tunnels
    assert all(t["Status"] == "UP" for t in conn["VgwTelemetry"])
    second.ec2.attach_vpn_gateway(VpnGatewayId=vgw, VpcId=second.vpc)
    until(lambda: any(a["VpcId"] == second.vpc and a["State"] == "attached" for a in
                      second.ec2.describe_vpn_gateways(VpnGatewayIds=[vgw])["VpnGateways"][0]["VpcAttachments"]))
    second.ec2.enable_vgw_route_propagation(RouteTableId=second.main_table, GatewayId=vgw)
    assert second.test(second.endpoint("onprem2", ONPREM_IP, 1521, engine="oracle", kind="source"))["Status"] == "successful"
    assert first.verdict(ep)["reachable"] is False


def test_delete_gateway_with_a_live_vpn_connection_is_refused(fast: Emulator) -> None:
    net = Net(fast, with_instance=False)
    vgw = net.ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    vpn_id = vpn_connection(net, vgw, route=None)
    with pytest.raises(ClientError) as err:
        net.ec2.delete_vpn_gateway(VpnGatewayId=vgw)
    assert err.value.response["Error"]["Code"] == "IncorrectState"
    assert err.value.response["Error"]["Message"] == "The VPN gateway is in use."
    net.ec2.delete_vpn_connection(VpnConnectionId=vpn_id)
    until(lambda: state_of(net, vpn_id) == "deleted")
    net.ec2.delete_vpn_gateway(VpnGatewayId=vgw)


# ---------------------------------------------------------------------------
# fixtures.py: the acceptance suite's stacks reach their on-premises endpoints
# ---------------------------------------------------------------------------

def run_fixture(emulator: Emulator, *args: str) -> dict[str, Any]:
    import json
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent / "fixtures.py"
    out = subprocess.run([sys.executable, str(script), args[0], "--endpoint", emulator.url, *args[1:]],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_fixture_dms_stack_endpoints_are_reachable_unless_no_vpn(fast: Emulator) -> None:
    dms = fast.client("dms", "ap-southeast-2")
    for name, flags, want in (("fx", (), "successful"), ("fx-novpn", ("--no-vpn",), "failed")):
        stack = run_fixture(fast, "dms-stack", "--name", name, *flags)
        for endpoint in (stack["source_endpoint_arn"], stack["target_endpoint_arn"]):
            dms.test_connection(ReplicationInstanceArn=stack["replication_instance_arn"], EndpointArn=endpoint)
            assert wait_connection(dms, stack["replication_instance_arn"], endpoint)[0]["Status"] == want, name


def test_fixture_vpn_connection_on_a_stack_gateway(fast: Emulator) -> None:
    net = Net(fast)
    vgw = vpn_gateway(net)
    ep = onprem(net)
    assert net.verdict(ep)["reachable"] is False
    made = run_fixture(fast, "vpn-connection", "--region", "us-east-1", "--vpn-gateway-id", vgw,
                       "--static-route", "192.168.50.0/24")
    assert made["state"] == "available" and made["routes"] == ["192.168.50.0/24"]
    assert net.test(ep)["Status"] == "successful"
    twin = run_fixture(fast, "vpn-connection", "--region", "us-east-1", "--vpn-gateway-id", vgw)  # BGP
    gone = run_fixture(fast, "delete-vpn-connection", "--region", "us-east-1", "--vpn-gateway-id", vgw)
    assert gone["deleted"] == sorted([made["vpn_connection_id"], twin["vpn_connection_id"]])
    assert made["customer_gateway_id"] in gone["customer_gateways"]
    assert net.verdict(ep)["reachable"] is False
    net.ec2.disable_vgw_route_propagation(RouteTableId=net.main_table, GatewayId=vgw)
    net.ec2.detach_vpn_gateway(VpnGatewayId=vgw, VpcId=net.vpc)
    until(lambda: net.ec2.describe_vpn_gateways(VpnGatewayIds=[vgw])["VpnGateways"][0]["VpcAttachments"][0][
        "State"] == "detached")
    net.ec2.delete_vpn_gateway(VpnGatewayId=vgw)
