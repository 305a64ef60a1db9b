"""Orderable options (rulebook/orderable.json): served by the Describe calls, enforced on every
create, modify and restore with AWS's codes and messages, defaults for omitted versions.
One test per rule; the seed's retired values (dms.t2.micro, DMS 1.9.0, db.t2.micro, Postgres
9.3.14) are each refused."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import Emulator, ensure_dms_vpc_role

RDS_COMBINATION = (
    "RDS does not support creating a DB instance with the following combination: "
    "DBInstanceClass={cls}, Engine={engine}, EngineVersion={version}, LicenseModel={license}. "
    "For supported combinations of instance class and database engine version, see the documentation."
)


def refused(fn: Any, code: str, message: str | None = None, **kwargs: Any) -> ClientError:
    with pytest.raises(ClientError) as info:
        fn(**kwargs)
    err = info.value.response
    assert err["Error"]["Code"] == code, err
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400, err
    if message is not None:
        assert err["Error"]["Message"] == message, err
    return info.value


def wait_for(read: Any, want: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while read() != want:
        assert time.monotonic() < deadline, f"never {want}"
        time.sleep(0.05)


def dms_instance(dms: Any, ident: str, **extra: Any) -> dict[str, Any]:
    ensure_dms_vpc_role(dms)
    return dms.create_replication_instance(
        ReplicationInstanceIdentifier=ident, ReplicationInstanceClass=extra.pop("cls", "dms.t3.small"), **extra
    )["ReplicationInstance"]


def ri_status(dms: Any, arn: str) -> str:
    return dms.describe_replication_instances(
        Filters=[{"Name": "replication-instance-arn", "Values": [arn]}]
    )["ReplicationInstances"][0]["ReplicationInstanceStatus"]


def db_status(rds: Any, ident: str) -> str:
    return rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]["DBInstanceStatus"]


def postgres(rds: Any, ident: str, **extra: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "DBInstanceIdentifier": ident, "DBInstanceClass": "db.t3.micro", "Engine": "postgres",
        "MasterUsername": "dblink", "MasterUserPassword": "password123", "AllocatedStorage": 20,
    }
    kwargs.update(extra)
    return rds.create_db_instance(**kwargs)["DBInstance"]


# -- DMS: serving ------------------------------------------------------------------------------

def test_dms_describe_orderable_replication_instances_serves_the_catalogue_paginated(emulator: Emulator) -> None:
    dms = emulator.client("dms", "ap-southeast-2")
    rows: list[dict[str, Any]] = []
    marker = None
    pages = 0
    while True:
        page = dms.describe_orderable_replication_instances(MaxRecords=20, **({"Marker": marker} if marker else {}))
        assert len(page["OrderableReplicationInstances"]) <= 20
        rows += page["OrderableReplicationInstances"]
        pages += 1
        marker = page.get("Marker")
        if not marker:
            break
    catalogue = json.loads((emulator_root() / "rulebook" / "orderable.json").read_text())["dms"]
    classes = [c for g in catalogue["instance_classes"] for c in g["classes"]]
    versions = [v["version"] for v in catalogue["engine_versions"]]
    assert pages == -(-len(classes) * len(versions) // 20)
    assert {(r["ReplicationInstanceClass"], r["EngineVersion"]) for r in rows} == {
        (c, v) for c in classes for v in versions
    }
    small = next(r for r in rows if r["ReplicationInstanceClass"] == "dms.t3.small")
    assert small == {
        "EngineVersion": small["EngineVersion"], "ReplicationInstanceClass": "dms.t3.small", "StorageType": "gp2",
        "MinAllocatedStorage": 5, "MaxAllocatedStorage": 6144, "DefaultAllocatedStorage": 50,
        "IncludedAllocatedStorage": 50,
        "AvailabilityZones": ["ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"], "ReleaseStatus": "prod",
    }
    offered = {r["ReplicationInstanceClass"] for r in rows}
    assert not offered & {"dms.t2.micro", "dms.t3.micro", "dms.c4.large", "dms.r4.large"}
    assert {"dms.t3.medium", "dms.c5.large", "dms.c6i.large", "dms.r5.large", "dms.r6i.large"} <= offered
    # MaxRecords outside 20..100 and markers not handed out are refused
    refused(dms.describe_orderable_replication_instances, "InvalidParameterValueException", MaxRecords=500)
    refused(dms.describe_orderable_replication_instances, "InvalidParameterValueException", Marker="bogus")


def emulator_root() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parents[2]


def test_dms_describe_engine_versions_names_the_default(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    versions = dms.describe_engine_versions()["EngineVersions"]
    by_version = {v["Version"]: v for v in versions}
    assert set(by_version) == {"3.5.4", "3.6.1"}
    assert by_version["3.5.4"]["Lifecycle"] == "DEFAULT_VERSION"
    assert by_version["3.6.1"]["Lifecycle"] == "ACTIVE"
    assert by_version["3.5.4"]["AvailableUpgrades"] == ["3.6.1"]
    assert by_version["3.5.4"]["DeprecationDate"].year == 2027 and by_version["3.5.4"]["ReleaseStatus"] == "prod"


# -- DMS: refusals -----------------------------------------------------------------------------

def test_dms_create_refuses_retired_classes(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    ensure_dms_vpc_role(dms)
    for cls in ("dms.t2.micro", "dms.t3.micro", "dms.c4.large", "dms.r4.large", "dms.t3.nano"):
        refused(dms.create_replication_instance, "InvalidParameterValueException", "Invalid ReplicationInstance class",
                ReplicationInstanceIdentifier="ri", ReplicationInstanceClass=cls)
    assert dms.describe_replication_instances()["ReplicationInstances"] == []


def test_dms_create_refuses_retired_and_unknown_engine_versions(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    ensure_dms_vpc_role(dms)
    for version in ("1.9.0", "3.5.3", "3.6.0", "3.5", "4.0.0"):
        refused(dms.create_replication_instance, "InvalidParameterValueException",
                f"No replication engine found with version: {version}",
                ReplicationInstanceIdentifier="ri", ReplicationInstanceClass="dms.t3.medium", EngineVersion=version)
    # the seed's pair: the version is named first
    refused(dms.create_replication_instance, "InvalidParameterValueException",
            "No replication engine found with version: 1.9.0",
            ReplicationInstanceIdentifier="ri", ReplicationInstanceClass="dms.t2.micro", EngineVersion="1.9.0")


def test_dms_create_without_version_takes_the_default_and_accepts_offered_pairs(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    ri = dms_instance(dms, "ri-default")
    assert ri["EngineVersion"] == "3.5.4"
    other = dms_instance(dms, "ri-361", cls="dms.c6i.large", EngineVersion="3.6.1")
    assert (other["ReplicationInstanceClass"], other["EngineVersion"]) == ("dms.c6i.large", "3.6.1")


def test_dms_modify_refuses_classes_and_versions_not_offered(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    arn = dms_instance(dms, "ri-mod")["ReplicationInstanceArn"]
    wait_for(lambda: ri_status(dms, arn), "available")
    refused(dms.modify_replication_instance, "InvalidParameterValueException", "Invalid ReplicationInstance class",
            ReplicationInstanceArn=arn, ReplicationInstanceClass="dms.t2.micro", ApplyImmediately=True)
    refused(dms.modify_replication_instance, "InvalidParameterValueException",
            "No replication engine found with version: 1.9.0",
            ReplicationInstanceArn=arn, EngineVersion="1.9.0", ApplyImmediately=True)
    # offered values pass; the current value resent is not checked again
    ri = dms.modify_replication_instance(
        ReplicationInstanceArn=arn, ReplicationInstanceClass="dms.r6i.large", EngineVersion="3.6.1",
        ApplyImmediately=True,
    )["ReplicationInstance"]
    assert ri["PendingModifiedValues"] == {"ReplicationInstanceClass": "dms.r6i.large", "EngineVersion": "3.6.1"}


def test_dms_checks_off_when_lenient(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"strict": False})
    dms = emulator.client("dms")
    ri = dms.create_replication_instance(
        ReplicationInstanceIdentifier="seed", ReplicationInstanceClass="dms.t2.micro", EngineVersion="1.9.0"
    )["ReplicationInstance"]
    assert (ri["ReplicationInstanceClass"], ri["EngineVersion"]) == ("dms.t2.micro", "1.9.0")


# -- RDS: serving ------------------------------------------------------------------------------

def test_rds_describe_db_engine_versions_filters(emulator: Emulator) -> None:
    rds = emulator.client("rds")
    default = rds.describe_db_engine_versions(Engine="postgres", DefaultOnly=True)["DBEngineVersions"]
    assert [v["EngineVersion"] for v in default] == ["18.3"]  # "typically the most recent version"
    assert default[0]["DBParameterGroupFamily"] == "postgres18" and default[0]["Status"] == "available"
    major = rds.describe_db_engine_versions(Engine="postgres", EngineVersion="16")["DBEngineVersions"]
    assert [v["EngineVersion"] for v in major] == ["16.13", "16.11"]
    assert [v["EngineVersion"] for v in rds.describe_db_engine_versions(
        Engine="postgres", EngineVersion="16", DefaultOnly=True)["DBEngineVersions"]] == ["16.13"]
    exact = rds.describe_db_engine_versions(Engine="postgres", EngineVersion="16.11")["DBEngineVersions"]
    assert [v["EngineVersion"] for v in exact] == ["16.11"]
    targets = {(t["EngineVersion"], t["IsMajorVersionUpgrade"]) for t in exact[0]["ValidUpgradeTarget"]}
    assert ("16.13", False) in targets and ("17.9", True) in targets
    assert not any(t.startswith(("15.", "16.11")) for t, _ in targets)  # upgrades only go up
    # retired versions are not offered (only IncludeAll lists them, deprecated)
    assert rds.describe_db_engine_versions(Engine="postgres", EngineVersion="9.3.14")["DBEngineVersions"] == []
    old = rds.describe_db_engine_versions(Engine="postgres", EngineVersion="9.3.14", IncludeAll=True)["DBEngineVersions"]
    assert [(v["EngineVersion"], v["Status"]) for v in old] == [("9.3.14", "deprecated")]
    # extended support majors, Oracle, family filter, pagination
    assert [v["EngineVersion"] for v in rds.describe_db_engine_versions(
        Engine="postgres", EngineVersion="11")["DBEngineVersions"]] == ["11.22-rds.20251114"]
    ee = rds.describe_db_engine_versions(Engine="oracle-ee", DBParameterGroupFamily="oracle-ee-19")["DBEngineVersions"]
    assert ee and all(v["EngineVersion"].startswith("19.0.0.0.ru-2026-") for v in ee)
    page = rds.describe_db_engine_versions(Engine="postgres", MaxRecords=20)
    assert len(page["DBEngineVersions"]) == 13 and "Marker" not in page
    every = rds.describe_db_engine_versions()["DBEngineVersions"]
    assert {v["Engine"] for v in every} == {"postgres", "oracle-ee", "oracle-se2"}
    assert rds.describe_db_engine_versions(Engine="mysql")["DBEngineVersions"] == []
    fam = rds.describe_db_engine_versions(
        Filters=[{"Name": "db-parameter-group-family", "Values": ["postgres15", "oracle-se2-21"]}])["DBEngineVersions"]
    assert [(v["Engine"], v["EngineVersion"]) for v in fam] == [
        ("postgres", "15.17"), ("postgres", "15.15"), ("oracle-se2", "21.0.0.0.ru-2026-01.rur-2026-01.r1")]
    refused(rds.describe_db_engine_versions, "InvalidParameterValue", "Unrecognized filter name: colour",
            Filters=[{"Name": "colour", "Values": ["blue"]}])
    refused(rds.describe_db_engine_versions, "InvalidParameterValue", "Unrecognized engine name: postgresql",
            Engine="postgresql")
    refused(rds.describe_db_engine_versions, "InvalidParameterValue", Engine="postgres", MaxRecords=5)


def test_rds_describe_orderable_db_instance_options_filters_and_pages(emulator: Emulator) -> None:
    rds = emulator.client("rds", "ap-southeast-2")
    opts = rds.describe_orderable_db_instance_options(
        Engine="postgres", EngineVersion="17.9", DBInstanceClass="db.t3.micro"
    )["OrderableDBInstanceOptions"]
    assert [(o["DBInstanceClass"], o["EngineVersion"], o["LicenseModel"], o["StorageType"]) for o in opts] == [
        ("db.t3.micro", "17.9", "postgresql-license", "gp2"), ("db.t3.micro", "17.9", "postgresql-license", "gp3")]
    assert [z["Name"] for z in opts[0]["AvailabilityZones"]] == ["ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"]
    assert opts[0]["MultiAZCapable"] and opts[0]["Vpc"] and opts[0]["MinStorageSize"] == 20
    assert rds.describe_orderable_db_instance_options(
        Engine="postgres", DBInstanceClass="db.t2.micro")["OrderableDBInstanceOptions"] == []
    assert rds.describe_orderable_db_instance_options(
        Engine="postgres", EngineVersion="9.3.14")["OrderableDBInstanceOptions"] == []
    # Oracle: x86 classes only, no db.t3.micro, EE bring-your-own-license only
    ora = rds.describe_orderable_db_instance_options(Engine="oracle-ee", MaxRecords=1000)["OrderableDBInstanceOptions"]
    classes = {o["DBInstanceClass"] for o in ora}
    assert "db.t3.medium" in classes and "db.t3.micro" not in classes and not any("g." in c for c in classes)
    assert {o["LicenseModel"] for o in ora} == {"bring-your-own-license"}
    # pagination covers every option exactly once
    seen: list[tuple[str, str, str]] = []
    marker = None
    while True:
        page = rds.describe_orderable_db_instance_options(
            Engine="postgres", EngineVersion="16.13", MaxRecords=50, **({"Marker": marker} if marker else {}))
        seen += [(o["DBInstanceClass"], o["LicenseModel"], o["StorageType"]) for o in page["OrderableDBInstanceOptions"]]
        marker = page.get("Marker")
        if not marker:
            break
    assert len(seen) == len(set(seen)) > 50
    refused(rds.describe_orderable_db_instance_options, "InvalidParameterValue", Engine="postgres", MaxRecords=5000)
    refused(rds.describe_orderable_db_instance_options, "InvalidParameterValue",
            "Unrecognized engine name: oracle", Engine="oracle")


# -- RDS: refusals -----------------------------------------------------------------------------

def test_rds_create_refuses_unknown_versions(emulator: Emulator) -> None:
    rds = emulator.client("rds")
    for version in ("9.3.14", "10.21", "17.8", "17.6", "12.22"):
        refused(rds.create_db_instance, "InvalidParameterCombination", f"Cannot find version {version} for postgres",
                DBInstanceIdentifier="seed-target", DBInstanceClass="db.t3.micro", Engine="postgres",
                EngineVersion=version, MasterUsername="dblink", MasterUserPassword="password123", AllocatedStorage=20)
    # the seed's pair: the version is named first
    refused(rds.create_db_instance, "InvalidParameterCombination", "Cannot find version 9.3.14 for postgres",
            DBInstanceIdentifier="seed-target", DBInstanceClass="db.t2.micro", Engine="postgres",
            EngineVersion="9.3.14", MasterUsername="dblink", MasterUserPassword="password123", AllocatedStorage=20)
    refused(rds.create_db_instance, "InvalidParameterCombination",
            "Cannot find version 12.1.0.2.v8 for oracle-ee",
            DBInstanceIdentifier="seed-source", DBInstanceClass="db.t3.medium", Engine="oracle-ee",
            EngineVersion="12.1.0.2.v8", MasterUsername="dbmaster", MasterUserPassword="password123", AllocatedStorage=20)
    assert rds.describe_db_instances()["DBInstances"] == []


def test_rds_create_refuses_classes_not_offered_for_the_combination(emulator: Emulator) -> None:
    rds = emulator.client("rds")
    cases = [
        ("db.t2.micro", "postgres", "17.9", None, "postgresql-license"),  # the seed's class
        ("db.m4.large", "postgres", "16.11", None, "postgresql-license"),
        ("db.r4.large", "postgres", "15.15", None, "postgresql-license"),
        ("db.m7g.large", "postgres", "12.22-rds.20251114", None, "postgresql-license"),  # Graviton3, extended support
        ("db.t3.micro", "oracle-ee", "19.0.0.0.ru-2026-07.mrp-2026-07.r1", None, "bring-your-own-license"),
        ("db.t4g.medium", "oracle-se2", "19.0.0.0.ru-2026-04.rur-2026-04.r1", "license-included", "license-included"),
        ("db.m5.8xlarge", "oracle-se2", "21.0.0.0.ru-2026-01.rur-2026-01.r1", None, "license-included"),
        ("db.t3.medium", "oracle-ee", "19.0.0.0.ru-2026-01.rur-2026-01.r1", "license-included", "license-included"),
    ]
    for cls, engine, version, license_sent, license_shown in cases:
        extra = {"LicenseModel": license_sent} if license_sent else {}
        refused(rds.create_db_instance, "InvalidParameterCombination",
                RDS_COMBINATION.format(cls=cls, engine=engine, version=version, license=license_shown),
                DBInstanceIdentifier="db", DBInstanceClass=cls, Engine=engine, EngineVersion=version,
                MasterUsername="dbmaster", MasterUserPassword="password123", AllocatedStorage=20, **extra)
    # omitted version: the combination names the default version
    refused(rds.create_db_instance, "InvalidParameterCombination",
            RDS_COMBINATION.format(cls="db.t2.micro", engine="postgres", version="18.3", license="postgresql-license"),
            DBInstanceIdentifier="db", DBInstanceClass="db.t2.micro", Engine="postgres",
            MasterUsername="dbmaster", MasterUserPassword="password123", AllocatedStorage=20)


def test_rds_create_defaults_version_license_and_major_alone(emulator: Emulator) -> None:
    rds = emulator.client("rds")
    db = postgres(rds, "dflt")
    assert (db["EngineVersion"], db["LicenseModel"]) == ("18.3", "postgresql-license")
    assert postgres(rds, "major16", EngineVersion="16")["EngineVersion"] == "16.13"
    assert postgres(rds, "graviton", DBInstanceClass="db.t4g.micro", EngineVersion="18.1")["EngineVersion"] == "18.1"
    ora = rds.create_db_instance(
        DBInstanceIdentifier="ora", DBInstanceClass="db.t3.medium", Engine="oracle-ee", MasterUsername="dbmaster",
        MasterUserPassword="password123", AllocatedStorage=20, DBName="ORCL",
    )["DBInstance"]
    assert (ora["EngineVersion"], ora["LicenseModel"]) == (
        "19.0.0.0.ru-2026-07.mrp-2026-07.r1", "bring-your-own-license")
    se2 = rds.create_db_instance(
        DBInstanceIdentifier="se2", DBInstanceClass="db.m6i.large", Engine="oracle-se2", EngineVersion="21",
        MasterUsername="dbmaster", MasterUserPassword="password123", AllocatedStorage=20, DBName="ORCL",
    )["DBInstance"]
    assert (se2["EngineVersion"], se2["LicenseModel"]) == ("21.0.0.0.ru-2026-01.rur-2026-01.r1", "license-included")


def test_rds_modify_refuses_classes_and_versions_not_offered(emulator: Emulator) -> None:
    rds = emulator.client("rds")
    postgres(rds, "mod", EngineVersion="16.11")
    wait_for(lambda: db_status(rds, "mod"), "available")
    refused(rds.modify_db_instance, "InvalidParameterCombination",
            RDS_COMBINATION.format(cls="db.t2.micro", engine="postgres", version="16.11", license="postgresql-license"),
            DBInstanceIdentifier="mod", DBInstanceClass="db.t2.micro", ApplyImmediately=True)
    refused(rds.modify_db_instance, "InvalidParameterCombination", "Cannot find version 9.3.14 for postgres",
            DBInstanceIdentifier="mod", EngineVersion="9.3.14", ApplyImmediately=True)
    # the new class is checked against the new version
    refused(rds.modify_db_instance, "InvalidParameterCombination",
            RDS_COMBINATION.format(cls="db.m7g.large", engine="postgres", version="12.22-rds.20251114",
                                   license="postgresql-license"),
            DBInstanceIdentifier="mod", DBInstanceClass="db.m7g.large", EngineVersion="12.22-rds.20251114",
            ApplyImmediately=True)
    db = rds.modify_db_instance(DBInstanceIdentifier="mod", DBInstanceClass="db.r6g.large", ApplyImmediately=True)
    assert db["DBInstance"]["DBInstanceIdentifier"] == "mod"


def test_rds_restore_is_checked_with_the_snapshot_engine_version(emulator: Emulator) -> None:
    rds = emulator.client("rds")
    rds.create_db_instance(
        DBInstanceIdentifier="src", DBInstanceClass="db.t3.medium", Engine="oracle-ee", MasterUsername="dbmaster",
        MasterUserPassword="password123", AllocatedStorage=20, DBName="ORCL",
        EngineVersion="19.0.0.0.ru-2026-01.rur-2026-01.r1",
    )
    wait_for(lambda: db_status(rds, "src"), "available")
    rds.create_db_snapshot(DBSnapshotIdentifier="src-snap", DBInstanceIdentifier="src")
    refused(rds.restore_db_instance_from_db_snapshot, "InvalidParameterCombination",
            RDS_COMBINATION.format(cls="db.t2.micro", engine="oracle-ee", version="19.0.0.0.ru-2026-01.rur-2026-01.r1",
                                   license="bring-your-own-license"),
            DBInstanceIdentifier="restored", DBSnapshotIdentifier="src-snap", DBInstanceClass="db.t2.micro")
    restored = rds.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier="restored", DBSnapshotIdentifier="src-snap", DBInstanceClass="db.r5.large",
    )["DBInstance"]
    assert restored["EngineVersion"] == "19.0.0.0.ru-2026-01.rur-2026-01.r1"


def test_rds_restore_of_a_retired_version_is_refused(emulator: Emulator) -> None:
    # a snapshot taken while the version was offered (made here in lenient mode)
    rds = emulator.client("rds")
    emulator.control("POST", "/config", {"strict": False})
    rds.create_db_instance(
        DBInstanceIdentifier="old", DBInstanceClass="db.t2.micro", Engine="postgres", EngineVersion="9.3.14",
        MasterUsername="dblink", MasterUserPassword="password123", AllocatedStorage=20,
    )
    wait_for(lambda: db_status(rds, "old"), "available")
    rds.create_db_snapshot(DBSnapshotIdentifier="old-snap", DBInstanceIdentifier="old")
    emulator.control("POST", "/config", {"strict": True})
    refused(rds.restore_db_instance_from_db_snapshot, "InvalidParameterCombination",
            "Cannot find version 9.3.14 for postgres",
            DBInstanceIdentifier="again", DBSnapshotIdentifier="old-snap", DBInstanceClass="db.t3.micro")


def test_rds_checks_off_when_lenient(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"strict": False})
    rds = emulator.client("rds")
    db = postgres(rds, "seed", DBInstanceClass="db.t2.micro", EngineVersion="9.3.14")
    assert (db["DBInstanceClass"], db["EngineVersion"]) == ("db.t2.micro", "9.3.14")
    # defaults still come from the catalogue, not moto's 9.3.3
    assert postgres(rds, "dflt")["EngineVersion"] == "18.3"
