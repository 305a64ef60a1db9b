"""Strict parameter checks (``dmslink_emulator/params.py``, issue 13 item 2): one test per rule.

Each rule's AWS source is cited in ``params.py`` and in the README ("Parameter checks").
"""

from __future__ import annotations

from typing import Any

from conftest import Emulator, ensure_dms_vpc_role
from test_certificates import imported
from test_stack import Net, fault

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def endpoint_args(**extra: Any) -> dict[str, Any]:
    args = dict(
        EndpointIdentifier="src", EndpointType="source", EngineName="oracle", Username="u",
        Password="secret-1", ServerName="db.internal", Port=1521, DatabaseName="ORCL",
    )
    args.update(extra)
    return args


def db_args(**extra: Any) -> dict[str, Any]:
    args = dict(
        DBInstanceIdentifier="target", DBInstanceClass="db.t3.micro", Engine="postgres",
        MasterUsername="dmsadmin", MasterUserPassword="password123", AllocatedStorage=20,
    )
    args.update(extra)
    if str(args["Engine"]).startswith("oracle") and "DBInstanceClass" not in extra:
        args["DBInstanceClass"] = "db.t3.medium"  # Oracle is not orderable on db.t3.micro (orderable.json)
    return args


def message(err: Any) -> str:
    return err.response["Error"]["Message"]


# ---------------------------------------------------------------------------
# DMS endpoints
# ---------------------------------------------------------------------------


def test_endpoint_identifier_syntax(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    for bad in ("1src", "src-", "s--rc", "src_1", "s" * 256):
        err = fault(dms.create_endpoint, "InvalidParameterValueException", **endpoint_args(EndpointIdentifier=bad))
        assert "EndpointIdentifier is not a valid identifier" in message(err)
    arn = dms.create_endpoint(**endpoint_args(EndpointIdentifier="Src-1"))["Endpoint"]["EndpointArn"]
    fault(dms.modify_endpoint, "InvalidParameterValueException", EndpointArn=arn, EndpointIdentifier="bad-")


def test_endpoint_engine_name_is_a_dms_engine(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    for rds_engine in ("oracle-se2", "oracle-ee", "postgres16", "ORACLE"):
        err = fault(dms.create_endpoint, "InvalidParameterValueException", **endpoint_args(EngineName=rds_engine))
        assert f"EngineName '{rds_engine}' is not valid" in message(err)
    arn = dms.create_endpoint(**endpoint_args())["Endpoint"]["EndpointArn"]
    fault(dms.modify_endpoint, "InvalidParameterValueException", EndpointArn=arn, EngineName="oracle-se2")
    dms.modify_endpoint(EndpointArn=arn, EngineName="postgres")


def test_endpoint_type_values(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    fault(dms.create_endpoint, "InvalidParameterValueException", **endpoint_args(EndpointType="both"))


def test_endpoint_ssl_mode_values(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    err = fault(dms.create_endpoint, "InvalidParameterValueException", **endpoint_args(SslMode="verify"))
    assert "SslMode" in message(err)
    dms.create_endpoint(**endpoint_args(SslMode="require"))


def test_endpoint_verify_modes_need_a_certificate(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    # An imported certificate (rule K3: an endpoint names only one DMS has).
    cert = imported(dms, "params-ca")["CertificateArn"]
    for mode in ("verify-ca", "verify-full"):
        err = fault(dms.create_endpoint, "InvalidParameterValueException", **endpoint_args(SslMode=mode))
        assert "CertificateArn" in message(err)
    arn = dms.create_endpoint(**endpoint_args(SslMode="verify-full", CertificateArn=cert))["Endpoint"]["EndpointArn"]
    plain = dms.create_endpoint(**endpoint_args(EndpointIdentifier="tgt", EndpointType="target",
                                                EngineName="postgres", Port=5432))["Endpoint"]["EndpointArn"]
    # modify: the endpoint's own certificate counts; none on it and none sent -> refused
    dms.modify_endpoint(EndpointArn=arn, SslMode="verify-ca")
    fault(dms.modify_endpoint, "InvalidParameterValueException", EndpointArn=plain, SslMode="verify-ca")
    dms.modify_endpoint(EndpointArn=plain, SslMode="verify-ca", CertificateArn=cert)


def test_endpoint_port_range(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    for port in (0, 65536):
        fault(dms.create_endpoint, "InvalidParameterValueException", **endpoint_args(Port=port))


def test_endpoint_checks_off_when_lenient(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"strict": False})
    dms = emulator.client("dms")
    dms.create_endpoint(**endpoint_args(EngineName="oracle-se2", EndpointIdentifier="1src", SslMode="verify-ca"))


# ---------------------------------------------------------------------------
# DMS replication subnet groups
# ---------------------------------------------------------------------------


def test_replication_subnet_group_identifier(emulator: Emulator) -> None:
    ec2, dms = emulator.client("ec2"), emulator.client("dms")
    ensure_dms_vpc_role(dms)
    net = Net(ec2)
    for bad in ("default", "Default", "my group", "grp/1", "g" * 256):
        err = fault(dms.create_replication_subnet_group, "InvalidParameterValueException",
                    ReplicationSubnetGroupIdentifier=bad, ReplicationSubnetGroupDescription="d",
                    SubnetIds=net.subnets)
        assert "ReplicationSubnetGroupIdentifier" in message(err)
    # periods, underscores and hyphens are allowed; it need not start with a letter
    dms.create_replication_subnet_group(ReplicationSubnetGroupIdentifier="1.my_group-x",
                                        ReplicationSubnetGroupDescription="d", SubnetIds=net.subnets)


# ---------------------------------------------------------------------------
# RDS
# ---------------------------------------------------------------------------


def subnet_group(rds: Any, net: Net, name: str = "db-subnets") -> str:
    return rds.create_db_subnet_group(DBSubnetGroupName=name, DBSubnetGroupDescription="d",
                                      SubnetIds=net.subnets)["DBSubnetGroup"]["DBSubnetGroupName"]


def test_rds_instance_identifier(emulator: Emulator) -> None:
    rds = emulator.client("rds")
    for bad in ("1db", "db-", "d--b", "d" * 64):
        fault(rds.create_db_instance, "InvalidParameterValue", **db_args(DBInstanceIdentifier=bad))
    rds.create_db_instance(**db_args(DBInstanceIdentifier="d" * 63))
    emulator.control("POST", "/config", {"rds_seconds": {"creating": 0}})
    err = fault(rds.modify_db_instance, "InvalidParameterValue", DBInstanceIdentifier="d" * 63,
                NewDBInstanceIdentifier="new--id", ApplyImmediately=True)
    assert "NewDBInstanceIdentifier is not a valid identifier" in message(err)


def test_rds_master_username_per_engine(emulator: Emulator) -> None:
    rds = emulator.client("rds")
    fault(rds.create_db_instance, "InvalidParameterValue", **db_args(MasterUsername="1admin"))
    fault(rds.create_db_instance, "InvalidParameterValue", **db_args(MasterUsername="db-admin"))
    fault(rds.create_db_instance, "InvalidParameterValue", **db_args(MasterUsername="u" * 64))
    err = fault(rds.create_db_instance, "InvalidParameterValue", **db_args(MasterUsername="rdsadmin"))
    assert message(err) == "MasterUsername rdsadmin cannot be used as it is a reserved word used by the engine"
    fault(rds.create_db_instance, "InvalidParameterValue", **db_args(MasterUsername="admin"))  # postgres only
    rds.create_db_instance(**db_args(DBInstanceIdentifier="pg", MasterUsername="postgres"))
    # oracle: 1 to 30, and Oracle's own accounts are reserved
    fault(rds.create_db_instance, "InvalidParameterValue",
          **db_args(Engine="oracle-se2", LicenseModel="license-included", MasterUsername="u" * 31))
    fault(rds.create_db_instance, "InvalidParameterValue",
          **db_args(Engine="oracle-se2", LicenseModel="license-included", MasterUsername="SYSTEM"))
    rds.create_db_instance(**db_args(MasterUsername="u" * 63))
    rds.create_db_instance(**db_args(DBInstanceIdentifier="ora", Engine="oracle-se2",
                                     LicenseModel="license-included", MasterUsername="u" * 30))
    rds.create_db_instance(**db_args(DBInstanceIdentifier="ora2", Engine="oracle-ee",
                                     LicenseModel="bring-your-own-license", MasterUsername="admin"))


def test_rds_master_password_per_engine(emulator: Emulator) -> None:
    rds = emulator.client("rds")
    for bad in ("pass/word1", "pass@word1", 'pass"word1', "pass word1", "pässword1"):
        err = fault(rds.create_db_instance, "InvalidParameterValue", **db_args(MasterUserPassword=bad))
        assert message(err).startswith("The parameter MasterUserPassword is not a valid password. Only printable ASCII")
    err = fault(rds.create_db_instance, "InvalidParameterValue", **db_args(MasterUserPassword="p" * 129))
    assert "longer than 128 characters" in message(err)
    oracle = dict(Engine="oracle-ee", LicenseModel="bring-your-own-license")
    fault(rds.create_db_instance, "InvalidParameterValue", **db_args(MasterUserPassword="p" * 31, **oracle))
    fault(rds.create_db_instance, "InvalidParameterValue", **db_args(MasterUserPassword="pass&word1", **oracle))
    fault(rds.create_db_instance, "InvalidParameterValue", **db_args(MasterUserPassword="pass'word1", **oracle))
    rds.create_db_instance(**db_args(MasterUserPassword="p" * 128))
    rds.create_db_instance(**db_args(DBInstanceIdentifier="ora", MasterUserPassword="Pass-word_1!", **oracle))
    emulator.control("POST", "/config", {"rds_seconds": {"modifying": 0}})
    fault(rds.modify_db_instance, "InvalidParameterValue", DBInstanceIdentifier="ora",
          MasterUserPassword="p" * 31, ApplyImmediately=True)


def test_rds_db_name_per_engine(emulator: Emulator) -> None:
    rds = emulator.client("rds")
    for bad in ("my-db", "1app", "a" * 64):
        err = fault(rds.create_db_instance, "InvalidParameterValue", **db_args(DBName=bad))
        assert message(err) == "DBName must begin with a letter and contain only alphanumeric characters."
    fault(rds.create_db_instance, "InvalidParameterValue", **db_args(DBName="template1"))
    oracle = dict(Engine="oracle-se2", LicenseModel="license-included")
    fault(rds.create_db_instance, "InvalidParameterValue", **db_args(DBName="ORCLDB123", **oracle))  # 9 > 8
    fault(rds.create_db_instance, "InvalidParameterValue", **db_args(DBName="OR_CL", **oracle))
    fault(rds.create_db_instance, "InvalidParameterValue", **db_args(DBName="null", **oracle))
    rds.create_db_instance(**db_args(DBName="app_db_1"))
    rds.create_db_instance(**db_args(DBInstanceIdentifier="ora", DBName="ORCL", **oracle))


def test_rds_multi_az_with_an_availability_zone(emulator: Emulator) -> None:
    rds = emulator.client("rds")
    err = fault(rds.create_db_instance, "InvalidParameterCombination",
                **db_args(MultiAZ=True, AvailabilityZone="us-east-1a"))
    assert message(err) == "Requesting a specific availability zone is not valid for Multi-AZ instances."
    rds.create_db_instance(**db_args(MultiAZ=True))
    rds.create_db_snapshot(DBInstanceIdentifier="target", DBSnapshotIdentifier="snap")
    fault(rds.restore_db_instance_from_db_snapshot, "InvalidParameterCombination",
          DBInstanceIdentifier="restored", DBSnapshotIdentifier="snap", MultiAZ=True, AvailabilityZone="us-east-1b")


def test_rds_security_groups_exist_and_are_in_the_subnet_groups_vpc(emulator: Emulator) -> None:
    ec2, rds = emulator.client("ec2"), emulator.client("rds")
    net, other = Net(ec2), Net(ec2, cidr="10.43")
    group = subnet_group(rds, net)
    err = fault(rds.create_db_instance, "InvalidParameterCombination",
                **db_args(DBSubnetGroupName=group, VpcSecurityGroupIds=[other.sg]))
    assert message(err) == (
        "The DB instance and EC2 security group are in different VPCs. The DB instance is in "
        f"{net.vpc} and the EC2 security group is in {other.vpc}"
    )
    err = fault(rds.create_db_instance, "InvalidParameterValue",
                **db_args(DBSubnetGroupName=group, VpcSecurityGroupIds=["sg-0123456789abcdef0"]))
    assert "Invalid security group" in message(err)
    rds.create_db_instance(**db_args(DBSubnetGroupName=group, VpcSecurityGroupIds=[net.sg]))
    emulator.control("POST", "/config", {"rds_seconds": {"creating": 0}})
    fault(rds.modify_db_instance, "InvalidParameterCombination", DBInstanceIdentifier="target",
          VpcSecurityGroupIds=[other.sg], ApplyImmediately=True)
    # restore into the subnet group: the same rule
    rds.create_db_snapshot(DBInstanceIdentifier="target", DBSnapshotIdentifier="snap")
    fault(rds.restore_db_instance_from_db_snapshot, "InvalidParameterCombination", DBInstanceIdentifier="r",
          DBSnapshotIdentifier="snap", DBSubnetGroupName=group, VpcSecurityGroupIds=[other.sg])


def test_rds_db_subnet_group_name_and_subnets(emulator: Emulator) -> None:
    ec2, rds = emulator.client("ec2"), emulator.client("rds")
    net, other = Net(ec2), Net(ec2, cidr="10.43")
    for bad in ("default", "1group", "group/1"):
        fault(rds.create_db_subnet_group, "InvalidParameterValue", DBSubnetGroupName=bad,
              DBSubnetGroupDescription="d", SubnetIds=net.subnets)
    err = fault(rds.create_db_subnet_group, "InvalidParameterValue", DBSubnetGroupName="g",
                DBSubnetGroupDescription="d", SubnetIds=[net.subnets[0], "subnet-0123456789abcdef0"])
    assert message(err).startswith("Some input subnets in :[")
    fault(rds.create_db_subnet_group, "InvalidSubnet", DBSubnetGroupName="g", DBSubnetGroupDescription="d",
          SubnetIds=[net.subnets[0], other.subnets[1]])
    rds.create_db_subnet_group(DBSubnetGroupName="My group_1.a", DBSubnetGroupDescription="d", SubnetIds=net.subnets)
    fault(rds.modify_db_subnet_group, "InvalidSubnet", DBSubnetGroupName="My group_1.a",
          SubnetIds=[net.subnets[0], other.subnets[1]])


# ---------------------------------------------------------------------------
# EC2 id shapes
# ---------------------------------------------------------------------------


def test_ec2_malformed_ids(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    net = Net(ec2)
    cases = [
        (ec2.describe_vpcs, "InvalidVpcID.Malformed", {"VpcIds": ["vpc-123"]}),
        (ec2.create_subnet, "InvalidVpcID.Malformed", {"VpcId": "vpc-xyz", "CidrBlock": "10.42.9.0/24"}),
        (ec2.create_security_group, "InvalidVpcID.Malformed", {"GroupName": "g", "Description": "d", "VpcId": "my-vpc"}),
        (ec2.delete_subnet, "InvalidSubnetID.Malformed", {"SubnetId": "subnet-nothex00"}),
        (ec2.describe_subnets, "InvalidSubnetID.Malformed", {"SubnetIds": [net.subnets[0], "subnet-1"]}),
        (ec2.delete_security_group, "InvalidGroupId.Malformed", {"GroupId": "sg-12"}),
        (ec2.authorize_security_group_ingress, "InvalidGroupId.Malformed",
         {"GroupId": net.sg, "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1,
                                               "UserIdGroupPairs": [{"GroupId": "default"}]}]}),
        (ec2.create_route, "InvalidRouteTableId.Malformed", {"RouteTableId": "rtb-1", "DestinationCidrBlock": "10.9.0.0/16",
                                                             "GatewayId": "igw-0123456789abcdef0"}),
        (ec2.delete_internet_gateway, "InvalidInternetGatewayId.Malformed", {"InternetGatewayId": "igw-zz"}),
        (ec2.delete_vpc_peering_connection, "InvalidVpcPeeringConnectionId.Malformed", {"VpcPeeringConnectionId": "pcx-1"}),
        (ec2.delete_network_interface, "InvalidNetworkInterfaceId.Malformed", {"NetworkInterfaceId": "eni-"}),
        (ec2.create_vpc_peering_connection, "InvalidVpcID.Malformed", {"VpcId": net.vpc, "PeerVpcId": "vpc-peer"}),
    ]
    for call, code, kwargs in cases:
        err = fault(call, code, **kwargs)
        assert message(err).endswith("is malformed"), message(err)
    # old 8-digit ids are well formed (NotFound, not Malformed); filters are not ids
    fault(ec2.describe_vpcs, "InvalidVpcID.NotFound", VpcIds=["vpc-0123abcd"])
    ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": ["anything"]}])


def test_ec2_malformed_ids_accepted_when_lenient(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"strict": False})
    ec2 = emulator.client("ec2")
    fault(ec2.describe_vpcs, "InvalidVpcID.NotFound", VpcIds=["vpc-123"])


# ---------------------------------------------------------------------------
# rules that were already enforced elsewhere, pinned here with the others
# ---------------------------------------------------------------------------


def test_dms_instance_multi_az_with_an_az_and_security_group_of_another_vpc(emulator: Emulator) -> None:
    # dms_network.py; same AWS answer as RDS for Multi-AZ with an AZ
    ec2, dms = emulator.client("ec2"), emulator.client("dms")
    ensure_dms_vpc_role(dms)
    net, other = Net(ec2), Net(ec2, cidr="10.43")
    dms.create_replication_subnet_group(ReplicationSubnetGroupIdentifier="grp", ReplicationSubnetGroupDescription="d",
                                        SubnetIds=net.subnets)
    base = dict(ReplicationInstanceIdentifier="ri", ReplicationInstanceClass="dms.t3.medium",
                ReplicationSubnetGroupIdentifier="grp")
    err = fault(dms.create_replication_instance, "InvalidParameterCombinationException",
                MultiAZ=True, AvailabilityZone="us-east-1a", **base)
    assert message(err) == "Requesting a specific availability zone is not valid for Multi-AZ instances."
    fault(dms.create_replication_instance, "InvalidParameterValueException", VpcSecurityGroupIds=[other.sg], **base)
    fault(dms.create_replication_instance, "ResourceNotFoundFault",
          **{**base, "ReplicationSubnetGroupIdentifier": "no-such-group"})
    dms.create_replication_instance(VpcSecurityGroupIds=[net.sg], **base)


def test_rds_db_subnet_group_must_exist(emulator: Emulator) -> None:
    # moto's own check, with the botocore model's status (DBSubnetGroupNotFoundFault: HTTP 404)
    rds = emulator.client("rds")
    fault(rds.create_db_instance, "DBSubnetGroupNotFoundFault", status=404, **db_args(DBSubnetGroupName="nope"))
