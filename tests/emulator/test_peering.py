"""VPC peering in the emulator: timed states, refusals, filters, cross-account, inventory."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import TEST_ENV, Emulator, assumed_role_client

INITIATING = float(TEST_ENV["DMSLINK_EMU_PEERING_INITIATING_SECONDS"])
PROVISIONING = float(TEST_ENV["DMSLINK_EMU_PEERING_PROVISIONING_SECONDS"])
DELETING = float(TEST_ENV["DMSLINK_EMU_PEERING_DELETING_SECONDS"])
ACCOUNT_A = "123456789012"
ACCOUNT_B = "111111111111"
ROLE_B = f"arn:aws:iam::{ACCOUNT_B}:role/peer-accepter"


def error_of(fn: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        fn(**kwargs)
    err = info.value.response["Error"]
    return err["Code"], err.get("Message", "")


def status(ec2: Any, pcx_id: str) -> str:
    pcxs = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])["VpcPeeringConnections"]
    return pcxs[0]["Status"]["Code"]


def wait_status(ec2: Any, pcx_id: str, want: str, timeout: float = 10.0) -> float:
    """Poll until ``want``; return the seconds it took."""
    t0 = time.monotonic()
    while True:
        got = status(ec2, pcx_id)
        if got == want:
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"{pcx_id} still {got}, wanted {want}")
        time.sleep(0.05)


def vpc(ec2: Any, cidr: str, **tags: str) -> str:
    kwargs: dict[str, Any] = {"CidrBlock": cidr}
    if tags:
        kwargs["TagSpecifications"] = [
            {"ResourceType": "vpc", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ]
    return ec2.create_vpc(**kwargs)["Vpc"]["VpcId"]


def request(ec2: Any, vpc_id: str, peer_vpc_id: str, **kwargs: Any) -> str:
    return ec2.create_vpc_peering_connection(VpcId=vpc_id, PeerVpcId=peer_vpc_id, **kwargs)[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]


def active_peering(ec2: Any, cidr_a: str = "10.10.0.0/16", cidr_b: str = "10.20.0.0/16") -> tuple[str, str, str]:
    a, b = vpc(ec2, cidr_a), vpc(ec2, cidr_b)
    pcx = request(ec2, a, b)
    wait_status(ec2, pcx, "pending-acceptance")
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    wait_status(ec2, pcx, "active")
    return pcx, a, b


@pytest.fixture
def ec2(emulator: Emulator) -> Any:
    return emulator.client("ec2")


# ---------------------------------------------------------------------------
# timed states
# ---------------------------------------------------------------------------

def test_lifecycle_is_timed(ec2: Any) -> None:
    a, b = vpc(ec2, "10.10.0.0/16"), vpc(ec2, "10.20.0.0/16")
    t0 = time.monotonic()
    created = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b)["VpcPeeringConnection"]
    pcx = created["VpcPeeringConnectionId"]
    assert created["Status"] == {"Code": "initiating-request", "Message": f"Initiating Request to {ACCOUNT_A}"}
    assert status(ec2, pcx) == "initiating-request"
    wait_status(ec2, pcx, "pending-acceptance")
    assert time.monotonic() - t0 >= INITIATING * 0.9

    accepted = ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)["VpcPeeringConnection"]
    assert accepted["Status"]["Code"] == "provisioning"
    assert status(ec2, pcx) == "provisioning"
    wait_status(ec2, pcx, "active")
    assert status(ec2, pcx) == "active"

    assert ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)["Return"] is True
    assert status(ec2, pcx) == "deleting"
    # deleting again while deleting is a no-op
    assert ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)["Return"] is True
    wait_status(ec2, pcx, "deleted")
    # stays listed as deleted (AWS lists it for a while)
    listed = ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
    assert [(p["VpcPeeringConnectionId"], p["Status"]["Code"]) for p in listed] == [(pcx, "deleted")]
    code, message = error_of(ec2.delete_vpc_peering_connection, VpcPeeringConnectionId=pcx)
    assert code == "InvalidStateTransition"
    assert message == f"Invalid state transition for {pcx}, attempted to transition from deleted to deleting"


def test_transitions_listed_and_config(emulator: Emulator, ec2: Any) -> None:
    status_code, cfg = emulator.control("GET", "/config")
    assert status_code == 200
    assert cfg["peering_seconds"] == {"initiating": INITIATING, "provisioning": PROVISIONING, "deleting": DELETING}
    status_code, cfg = emulator.control(
        "POST", "/config", {"peering_provisioning_seconds": 30, "peering_seconds": {"initiating": 0}}
    )
    assert status_code == 200, cfg
    assert cfg["peering_seconds"] == {"initiating": 0.0, "provisioning": 30.0, "deleting": DELETING}
    assert emulator.control("POST", "/config", {"peering_seconds": {"active": 1}})[0] == 400

    a, b = vpc(ec2, "10.10.0.0/16"), vpc(ec2, "10.20.0.0/16")
    pcx = request(ec2, a, b)
    assert status(ec2, pcx) == "pending-acceptance"  # 0 s initiating
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    _, pending = emulator.control("GET", "/transitions")
    mine = [t for t in pending if t["key"][0] == "ec2-pcx" and t["key"][-1] == pcx]
    assert [t["to"] for t in mine] == ["active"]
    assert 25 < mine[0]["in_seconds"] <= 30
    # a delete supersedes the pending activation
    emulator.control("POST", "/config", {"peering_deleting_seconds": 0})
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert status(ec2, pcx) == "deleted"
    _, pending = emulator.control("GET", "/transitions")
    assert not [t for t in pending if t["key"][-1] == pcx]

    emulator.control("POST", "/reset")
    _, cfg = emulator.control("GET", "/config")
    assert cfg["peering_seconds"]["provisioning"] == PROVISIONING


def test_accept_before_pending_acceptance_is_refused(emulator: Emulator, ec2: Any) -> None:
    emulator.control("POST", "/config", {"peering_initiating_seconds": 30})
    a, b = vpc(ec2, "10.10.0.0/16"), vpc(ec2, "10.20.0.0/16")
    pcx = request(ec2, a, b)
    code, message = error_of(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=pcx)
    assert code == "InvalidStateTransition"
    assert message == (
        f"Invalid state transition for {pcx}, attempted to transition from initiating-request to provisioning"
    )
    assert status(ec2, pcx) == "initiating-request"


def test_accept_twice_is_refused(ec2: Any) -> None:
    pcx, _, _ = active_peering(ec2)
    code, _ = error_of(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=pcx)
    assert code == "InvalidStateTransition"


def test_overlapping_cidrs_fail_and_cannot_be_deleted(ec2: Any) -> None:
    a, b = vpc(ec2, "10.10.0.0/16"), vpc(ec2, "10.10.128.0/17")
    pcx = request(ec2, a, b)
    wait_status(ec2, pcx, "failed")
    code, message = error_of(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=pcx)
    assert code == "InvalidStateTransition"
    code, message = error_of(ec2.delete_vpc_peering_connection, VpcPeeringConnectionId=pcx)
    assert (code, message) == (
        "InvalidStateTransition",
        f"Invalid state transition for {pcx}, attempted to transition from failed to deleting",
    )


def test_unknown_id_everywhere(ec2: Any) -> None:
    missing = "pcx-0123456789abcdef0"
    expected = ("InvalidVpcPeeringConnectionID.NotFound", f"The vpcPeeringConnection ID '{missing}' does not exist")
    assert error_of(ec2.describe_vpc_peering_connections, VpcPeeringConnectionIds=[missing]) == expected
    assert error_of(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=missing) == expected
    assert error_of(ec2.delete_vpc_peering_connection, VpcPeeringConnectionId=missing) == expected
    assert error_of(
        ec2.modify_vpc_peering_connection_options,
        VpcPeeringConnectionId=missing,
        RequesterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
    ) == expected
    a = vpc(ec2, "10.10.0.0/16")
    table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [a]}])["RouteTables"][0]
    assert error_of(
        ec2.create_route, RouteTableId=table["RouteTableId"], DestinationCidrBlock="10.20.0.0/16",
        VpcPeeringConnectionId=missing,
    ) == expected
    # one known and one unknown id: still refused
    pcx, _, _ = active_peering(ec2, "10.30.0.0/16", "10.40.0.0/16")
    assert error_of(ec2.describe_vpc_peering_connections, VpcPeeringConnectionIds=[pcx, missing]) == expected


def test_lenient_describe_of_unknown_id_is_empty(emulator: Emulator, ec2: Any) -> None:
    emulator.control("POST", "/config", {"strict": False})
    out = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=["pcx-0123456789abcdef0"])
    assert out["VpcPeeringConnections"] == []


# ---------------------------------------------------------------------------
# options
# ---------------------------------------------------------------------------

NOT_ACTIVE = "Peering {} is not active. Peering options can be added only to active peerings."


def test_options_refused_before_active(emulator: Emulator, ec2: Any) -> None:
    emulator.control("POST", "/config", {"peering_initiating_seconds": 1, "peering_provisioning_seconds": 30})
    a, b = vpc(ec2, "10.10.0.0/16"), vpc(ec2, "10.20.0.0/16")
    pcx = request(ec2, a, b)
    dns = {"AllowDnsResolutionFromRemoteVpc": True}
    for _ in ("initiating-request", "pending-acceptance"):  # one call in each state
        assert error_of(
            ec2.modify_vpc_peering_connection_options,
            VpcPeeringConnectionId=pcx, RequesterPeeringConnectionOptions=dns,
        ) == ("OperationNotPermitted", NOT_ACTIVE.format(pcx))
        wait_status(ec2, pcx, "pending-acceptance")
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert status(ec2, pcx) == "provisioning"
    assert error_of(
        ec2.modify_vpc_peering_connection_options,
        VpcPeeringConnectionId=pcx, AccepterPeeringConnectionOptions=dns,
    ) == ("OperationNotPermitted", NOT_ACTIVE.format(pcx))
    described = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]
    assert described["RequesterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is False
    assert described["AccepterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is False


def test_dns_option_stored_once_active(ec2: Any) -> None:
    pcx, _, _ = active_peering(ec2)
    out = ec2.modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=pcx,
        RequesterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
    )
    assert out["RequesterPeeringConnectionOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    assert "AccepterPeeringConnectionOptions" not in out
    described = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]
    assert described["RequesterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    assert described["AccepterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is False

    ec2.modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=pcx,
        AccepterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
        RequesterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": False},
    )
    described = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]
    assert described["RequesterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is False
    assert described["AccepterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True


def test_lenient_options_before_active(emulator: Emulator, ec2: Any) -> None:
    emulator.control("POST", "/config", {"strict": False, "peering_initiating_seconds": 30})
    a, b = vpc(ec2, "10.10.0.0/16"), vpc(ec2, "10.20.0.0/16")
    pcx = request(ec2, a, b)
    ec2.modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=pcx,
        RequesterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
    )
    described = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]
    assert described["RequesterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True


def test_cross_region_options(emulator: Emulator) -> None:
    east, west = emulator.client("ec2", "us-east-1"), emulator.client("ec2", "us-west-2")
    a, b = vpc(east, "10.10.0.0/16"), vpc(west, "10.20.0.0/16")
    pcx = request(east, a, b, PeerRegion="us-west-2")
    wait_status(west, pcx, "pending-acceptance")
    code, _ = error_of(east.accept_vpc_peering_connection, VpcPeeringConnectionId=pcx)
    assert code == "OperationNotPermitted"  # moto: accept in the accepter's region
    west.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    wait_status(east, pcx, "active")
    # each side in its own region
    assert error_of(
        east.modify_vpc_peering_connection_options, VpcPeeringConnectionId=pcx,
        AccepterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
    ) == ("OperationNotPermitted", "Accepter's VPC Peering connection options cannot be modified for a different region")
    code, message = error_of(
        east.modify_vpc_peering_connection_options, VpcPeeringConnectionId=pcx,
        RequesterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True,
                                           "AllowEgressFromLocalClassicLinkToRemoteVpc": False},
    )
    assert code == "OperationNotPermitted"
    assert message == ("Modifying VPC peering connection options AllowEgressFromLocalClassicLinkToRemoteVpc "
                       "is not supported for cross-region VPC peering connections")
    east.modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=pcx, RequesterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True})
    west.modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=pcx, AccepterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True})
    for client in (east, west):
        got = client.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]
        assert got["RequesterVpcInfo"]["Region"] == "us-east-1"
        assert got["AccepterVpcInfo"]["Region"] == "us-west-2"
        assert got["RequesterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
        assert got["AccepterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True


# ---------------------------------------------------------------------------
# DescribeVpcPeeringConnections filters
# ---------------------------------------------------------------------------

def ids(ec2: Any, *filters: tuple[str, list[str]]) -> set[str]:
    out = ec2.describe_vpc_peering_connections(Filters=[{"Name": n, "Values": v} for n, v in filters])
    return {p["VpcPeeringConnectionId"] for p in out["VpcPeeringConnections"]}


def test_describe_filters(ec2: Any) -> None:
    a, b, c = vpc(ec2, "10.10.0.0/16"), vpc(ec2, "10.20.0.0/16"), vpc(ec2, "10.30.0.0/16")
    tag = [{"ResourceType": "vpc-peering-connection", "Tags": [{"Key": "dmslink:stack", "Value": "one"}]}]
    p1 = request(ec2, a, b, TagSpecifications=tag)
    p2 = request(ec2, a, c)
    wait_status(ec2, p1, "pending-acceptance")
    wait_status(ec2, p2, "pending-acceptance")
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=p1)
    wait_status(ec2, p1, "active")

    assert ids(ec2) == {p1, p2}
    assert ids(ec2, ("vpc-peering-connection-id", [p2])) == {p2}
    assert ids(ec2, ("status-code", ["active"])) == {p1}
    assert ids(ec2, ("status-code", ["pending-acceptance", "active"])) == {p1, p2}
    assert ids(ec2, ("status-code", ["deleted"])) == set()
    assert ids(ec2, ("requester-vpc-info.vpc-id", [a])) == {p1, p2}
    assert ids(ec2, ("accepter-vpc-info.vpc-id", [c])) == {p2}
    assert ids(ec2, ("requester-vpc-info.cidr-block", ["10.10.0.0/16"])) == {p1, p2}
    assert ids(ec2, ("accepter-vpc-info.cidr-block", ["10.20.0.0/16"])) == {p1}
    assert ids(ec2, ("accepter-vpc-info.cidr-block", ["10.2*"])) == {p1}
    ec2.associate_vpc_cidr_block(VpcId=c, CidrBlock="10.31.0.0/16")  # secondary CIDRs match too
    assert ids(ec2, ("accepter-vpc-info.cidr-block", ["10.31.0.0/16"])) == {p2}
    assert ids(ec2, ("requester-vpc-info.owner-id", [ACCOUNT_A])) == {p1, p2}
    assert ids(ec2, ("accepter-vpc-info.owner-id", [ACCOUNT_B])) == set()
    assert ids(ec2, ("tag:dmslink:stack", ["one"])) == {p1}
    assert ids(ec2, ("tag:dmslink:stack", ["two"])) == set()
    assert ids(ec2, ("tag-key", ["dmslink:stack"])) == {p1}
    # filters combine (AND), values within one filter OR
    assert ids(ec2, ("requester-vpc-info.vpc-id", [a]), ("status-code", ["pending-acceptance"])) == {p2}
    # ids and filters combine too
    out = ec2.describe_vpc_peering_connections(
        VpcPeeringConnectionIds=[p1], Filters=[{"Name": "status-code", "Values": ["pending-acceptance"]}])
    assert out["VpcPeeringConnections"] == []
    code, message = error_of(ec2.describe_vpc_peering_connections, Filters=[{"Name": "bogus", "Values": ["x"]}])
    assert (code, message) == ("InvalidParameterValue", "The filter 'bogus' is invalid")

    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=p2)
    wait_status(ec2, p2, "deleted")
    assert ids(ec2, ("status-code", ["deleted"])) == {p2}


# ---------------------------------------------------------------------------
# cross-account through sts:AssumeRole
# ---------------------------------------------------------------------------

def test_cross_account_through_assume_role(emulator: Emulator, ec2: Any) -> None:
    ec2_b = assumed_role_client(emulator, "ec2", ROLE_B)
    sts_b = assumed_role_client(emulator, "sts", ROLE_B)
    identity = sts_b.get_caller_identity()
    assert identity["Account"] == ACCOUNT_B
    assert identity["Arn"].startswith(f"arn:aws:sts::{ACCOUNT_B}:assumed-role/peer-accepter/")
    assert emulator.client("sts").get_caller_identity()["Account"] == ACCOUNT_A

    a = vpc(ec2, "10.10.0.0/16")
    created_b = ec2_b.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]
    b = created_b["VpcId"]
    assert created_b["OwnerId"] == ACCOUNT_B
    # each account sees its own VPCs only
    assert b not in {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
    assert a not in {v["VpcId"] for v in ec2_b.describe_vpcs()["Vpcs"]}

    pcx = request(ec2, a, b, PeerOwnerId=ACCOUNT_B)
    wait_status(ec2_b, pcx, "pending-acceptance")
    seen_by_b = ec2_b.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]
    assert seen_by_b["RequesterVpcInfo"]["OwnerId"] == ACCOUNT_A
    assert seen_by_b["AccepterVpcInfo"]["OwnerId"] == ACCOUNT_B
    assert ids(ec2_b, ("accepter-vpc-info.owner-id", [ACCOUNT_B])) == {pcx}

    # only the accepter's account may accept
    code, message = error_of(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=pcx)
    assert code == "OperationNotPermitted"
    assert ec2_b.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)["VpcPeeringConnection"]["Status"]["Code"] == "provisioning"
    wait_status(ec2, pcx, "active")
    assert status(ec2_b, pcx) == "active"

    # each account modifies only its own side
    dns = {"AllowDnsResolutionFromRemoteVpc": True}
    assert error_of(
        ec2.modify_vpc_peering_connection_options, VpcPeeringConnectionId=pcx, AccepterPeeringConnectionOptions=dns,
    ) == ("OperationNotPermitted",
          f"User {ACCOUNT_A} does not have permission to modify the accepter side peering options")
    assert error_of(
        ec2_b.modify_vpc_peering_connection_options, VpcPeeringConnectionId=pcx, RequesterPeeringConnectionOptions=dns,
    ) == ("OperationNotPermitted",
          f"User {ACCOUNT_B} does not have permission to modify the requester side peering options")
    ec2.modify_vpc_peering_connection_options(VpcPeeringConnectionId=pcx, RequesterPeeringConnectionOptions=dns)
    ec2_b.modify_vpc_peering_connection_options(VpcPeeringConnectionId=pcx, AccepterPeeringConnectionOptions=dns)
    got = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]
    assert got["RequesterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    assert got["AccepterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True

    # routes both ways, each in its own account
    for client, vpc_id, peer_cidr in ((ec2, a, "10.20.0.0/16"), (ec2_b, b, "10.10.0.0/16")):
        table = client.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
        )["RouteTables"][0]
        client.create_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock=peer_cidr,
                            VpcPeeringConnectionId=pcx)

    # the inventory lists both accounts' VPCs and the peering once, under the requester
    _, inv = emulator.control("GET", "/inventory?include_defaults=false")
    vpcs = {(o["account"], o["id"]) for o in inv["objects"] if o["type"] == "ec2:vpc"}
    assert {(ACCOUNT_A, a), (ACCOUNT_B, b)} <= vpcs
    pcxs = [o for o in inv["objects"] if o["type"] == "ec2:vpc-peering-connection"]
    assert len(pcxs) == 1
    assert pcxs[0]["account"] == ACCOUNT_A
    assert pcxs[0]["accepter_owner_id"] == ACCOUNT_B
    peer_routes = [(o["account"], r["destination"]) for o in inv["objects"] if o["type"] == "ec2:route-table"
                   for r in o["routes_detail"] if r["target_id"] == pcx]
    assert sorted(peer_routes) == [(ACCOUNT_B, "10.10.0.0/16"), (ACCOUNT_A, "10.20.0.0/16")]

    # the accepter may delete an active peering; both see it go
    ec2_b.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    wait_status(ec2, pcx, "deleted")
    got = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]
    assert got["Status"]["Message"] == f"Deleted by {ACCOUNT_B}"

    # the request log and the faults see calls of both accounts alike
    _, log = emulator.control("GET", "/requests?service=ec2")
    assert "AcceptVpcPeeringConnection" in [e["action"] for e in log]
    emulator.control("POST", "/faults", {"service": "ec2", "action": "DescribeVpcPeeringConnections",
                                         "code": "UnauthorizedOperation", "count": 1})
    assert error_of(ec2_b.describe_vpc_peering_connections)[0] == "UnauthorizedOperation"


# ---------------------------------------------------------------------------
# routes, security groups, inventory
# ---------------------------------------------------------------------------

def test_inventory_routes_and_security_group_rules(emulator: Emulator, ec2: Any) -> None:
    pcx, a, b = active_peering(ec2)
    ec2.create_tags(Resources=[pcx], Tags=[{"Key": "dmslink:stack", "Value": "s1"}])
    ec2.modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=pcx, AccepterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True})
    table = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [a]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.20.0.0/16", VpcPeeringConnectionId=pcx)
    sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=a)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
         "IpRanges": [{"CidrIp": "10.20.0.0/16"}, {"CidrIp": "192.168.0.0/24"}]},
        {"IpProtocol": "tcp", "FromPort": 1521, "ToPort": 1521, "UserIdGroupPairs": [{"GroupId": sg}]},
    ])

    _, inv = emulator.control("GET", "/inventory?type=ec2:vpc-peering-connection")
    [obj] = inv["objects"]
    assert obj["id"] == pcx and obj["state"] == "active"
    assert (obj["requester_vpc_id"], obj["accepter_vpc_id"]) == (a, b)
    assert (obj["requester_owner_id"], obj["accepter_owner_id"]) == (ACCOUNT_A, ACCOUNT_A)
    assert (obj["requester_cidr"], obj["accepter_cidr"]) == ("10.10.0.0/16", "10.20.0.0/16")
    assert obj["region"] == obj["requester_region"] == obj["accepter_region"] == "us-east-1"
    assert obj["accepter_options"]["AllowDnsResolutionFromRemoteVpc"] is True
    assert obj["requester_options"]["AllowDnsResolutionFromRemoteVpc"] is False
    assert obj["tags"] == {"dmslink:stack": "s1"}
    assert inv["counts"] == {"ec2:vpc-peering-connection": 1}
    _, tagged = emulator.control("GET", "/inventory?tag=dmslink:stack=s1")
    assert [o["id"] for o in tagged["objects"]] == [pcx]

    _, inv = emulator.control("GET", "/inventory?type=ec2:route-table&include_defaults=false")
    [rt] = [o for o in inv["objects"] if o["id"] == table]
    assert rt["routes"] == 2  # existing field unchanged
    assert {"destination": "10.20.0.0/16", "target_type": "vpc-peering-connection", "target_id": pcx,
            "state": "active"} in rt["routes_detail"]
    assert {"destination": "10.10.0.0/16", "target_type": "local", "target_id": "local",
            "state": "active"} in rt["routes_detail"]

    _, inv = emulator.control("GET", "/inventory?type=ec2:security-group&include_defaults=false")
    [group] = [o for o in inv["objects"] if o["id"] == sg]
    assert group["name"] == "db" and group["vpc_id"] == a
    by_port = {r["from_port"]: r for r in group["ingress"]}
    assert by_port[5432]["protocol"] == "tcp" and by_port[5432]["to_port"] == 5432
    assert sorted(by_port[5432]["cidrs"]) == ["10.20.0.0/16", "192.168.0.0/24"]
    assert by_port[1521]["source_group_ids"] == [sg] and by_port[1521]["cidrs"] == []

    # a deleted peering leaves a blackhole route behind, in DescribeRouteTables and the inventory
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    wait_status(ec2, pcx, "deleted")
    routes = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    assert [r["State"] for r in routes if r.get("VpcPeeringConnectionId") == pcx] == ["blackhole"]
    _, inv = emulator.control("GET", "/inventory?type=ec2:route-table&include_defaults=false")
    [rt] = [o for o in inv["objects"] if o["id"] == table]
    assert [r["state"] for r in rt["routes_detail"] if r["target_id"] == pcx] == ["blackhole"]
    ec2.delete_route(RouteTableId=table, DestinationCidrBlock="10.20.0.0/16")
    ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.20.0.0/16"}]}])
    _, inv = emulator.control("GET", "/inventory?type=ec2&include_defaults=false")
    assert not [r for o in inv["objects"] if o["type"] == "ec2:route-table"
                for r in o["routes_detail"] if r["target_type"] == "vpc-peering-connection"]
    [group] = [o for o in inv["objects"] if o["id"] == sg]
    assert not [r for r in group["ingress"] if "10.20.0.0/16" in r["cidrs"]]
    [obj] = [o for o in inv["objects"] if o["type"] == "ec2:vpc-peering-connection"]
    assert obj["state"] == "deleted"
