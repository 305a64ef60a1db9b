"""Orderable options: which DMS replication instance classes and engine versions, and which RDS
engine x version x instance class x license model combinations, can be ordered — read from
``rulebook/orderable.json`` (``DMSLINK_ORDERABLE`` points elsewhere), which cites its sources.

Served (moto 5.2.5 serves none of them for these engines):

* DMS ``DescribeOrderableReplicationInstances`` and ``DescribeEngineVersions``
  (botocore ``dms`` model: ``OrderableReplicationInstances`` / ``EngineVersions``, ``Marker``,
  ``MaxRecords`` 20..100, https://docs.aws.amazon.com/dms/latest/APIReference/API_DescribeOrderableReplicationInstances.html);
* RDS ``DescribeDBEngineVersions`` (``Engine``, ``EngineVersion`` exact or a major version,
  ``DBParameterGroupFamily``, ``DefaultOnly``, ``IncludeAll``, ``Filters``; moto: not implemented)
  and ``DescribeOrderableDBInstanceOptions`` (``Engine``, ``EngineVersion``, ``DBInstanceClass``,
  ``LicenseModel``, ``Vpc``; moto: only aurora-postgresql and neptune), ``MaxRecords`` 20..100 and
  20..1000 (RDS API reference).

Enforced in strict mode (lenient: moto-like, only the defaults below apply):

* DMS ``CreateReplicationInstance`` / ``ModifyReplicationInstance``: a version not offered ->
  ``InvalidParameterValueException`` "No replication engine found with version: X"; a class not
  offered -> ``InvalidParameterValueException`` "Invalid ReplicationInstance class" (AWS's text
  names nothing else). A modify checks only the values it changes.
* RDS ``CreateDBInstance`` / ``ModifyDBInstance`` / ``RestoreDBInstanceFromDBSnapshot`` for the
  catalogued engines (postgres, oracle-ee, oracle-se2): an unknown version ->
  ``InvalidParameterCombination`` "Cannot find version X for ENGINE"; a class, version and license
  model not offered together -> ``InvalidParameterCombination`` "RDS does not support creating a DB
  instance with the following combination: DBInstanceClass=..., Engine=..., EngineVersion=...,
  LicenseModel=.... For supported combinations of instance class and database engine version, see
  the documentation."  A restore is checked with the snapshot's engine and engine version.

Defaults (both modes): an omitted DMS ``EngineVersion`` is the catalogue's default (AWS: "If you
don't specify a version ... AWS DMS will create the instance using the default engine version",
CreateReplicationInstance API reference); an omitted RDS ``EngineVersion`` is the engine's default,
a major version alone (``"17"``, ``"19"``) its default minor ("If a major version is specified but a
minor version isn't, Amazon RDS defaults to a recent release of the major version", RDS for
PostgreSQL release notes); an omitted ``LicenseModel`` the engine's default license model.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from collections.abc import Mapping
from typing import Any

from moto.dms.responses import DatabaseMigrationServiceResponse
from moto.rds.exceptions import RDSClientError
from moto.rds.responses import RDSResponse

from .aws_common import strict
from .dms_common import DmsClientError, InvalidParameterValueException, backend_of, params

_DEFAULT_PATH = Path(__file__).resolve().parents[3] / "rulebook" / "orderable.json"
PATH = Path(os.environ.get("DMSLINK_ORDERABLE", str(_DEFAULT_PATH)))

with PATH.open(encoding="utf-8") as _f:
    CATALOGUE: dict[str, Any] = json.load(_f)

DMS = CATALOGUE["dms"]
RDS = CATALOGUE["rds"]


# ---------------------------------------------------------------------------
# the catalogue, indexed
# ---------------------------------------------------------------------------

def dms_default_engine_version() -> str:
    return str(DMS["default_engine_version"])


DMS_VERSIONS: list[str] = [v["version"] for v in DMS["engine_versions"]]
DMS_CLASSES: dict[str, dict[str, Any]] = {
    cls: group for group in DMS["instance_classes"] for cls in group["classes"]
}

RDS_ENGINES: dict[str, dict[str, Any]] = RDS["engines"]
# (engine, version) -> its major's entry
_RDS_VERSION_MAJOR: dict[tuple[str, str], dict[str, Any]] = {
    (engine, v): major
    for engine, spec in RDS_ENGINES.items()
    for major in spec["majors"]
    for v in major["versions"]
}


def _classes_of(major: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for name in major["class_sets"]:
        for cls in RDS["class_sets"][name]:
            if cls not in out:
                out.append(cls)
    return out


def rds_offers(engine: str) -> list[tuple[str, str, str]]:
    """``(version, class, license model)`` orderable for ``engine``, in catalogue order."""
    spec = RDS_ENGINES[engine]
    return [
        (v, cls, lic)
        for major in spec["majors"]
        for v in major["versions"]
        for cls in _classes_of(major)
        for lic in spec["license_models"]
    ]


_RDS_OFFERS: dict[str, set[tuple[str, str, str]]] = {e: set(rds_offers(e)) for e in RDS_ENGINES}


def rds_version_known(engine: str, version: str) -> bool:
    return (engine, version) in _RDS_VERSION_MAJOR


def rds_resolve_version(engine: str, requested: Any) -> Any:
    """The version an RDS create uses: the engine's default when omitted, a major's default minor
    for a major version alone; anything else unchanged (checked separately)."""
    spec = RDS_ENGINES[engine]
    if requested is None or requested == "":
        return spec["default_version"]
    for major in spec["majors"]:
        if requested == major["major"]:
            return major["default"]
    return requested


def availability_zones(region: str) -> list[str]:
    try:
        from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend

        zones = [z.name for z in RegionsAndZonesBackend.zones.get(region, [])]
    except Exception:  # noqa: BLE001 - moto internals moved: fall back to a/b/c
        zones = []
    return zones or [f"{region}{s}" for s in "abc"]


# ---------------------------------------------------------------------------
# pagination (Marker, MaxRecords)
# ---------------------------------------------------------------------------

def _page(items: list[Any], marker: Any, max_records: Any, lo: int, hi: int, error: Any) -> tuple[list[Any], str | None]:
    """One page of ``items``.  ``MaxRecords`` defaults to 100 and must lie in ``lo..hi`` (the API
    references' constraints; AWS's exact refusal text is not documented, so it is approximated);
    ``Marker`` is opaque, only markers handed out here are accepted."""
    if max_records is None or max_records == "":
        size = 100
    else:
        try:
            size = int(max_records)
        except (TypeError, ValueError):
            raise error(f"Invalid value {max_records!r} for MaxRecords") from None
        if strict() and not lo <= size <= hi:
            raise error(f"Invalid value {size} for MaxRecords. Must be between {lo} and {hi}")
        size = max(size, 1)
    start = 0
    if marker:
        try:
            start = int(json.loads(base64.b64decode(str(marker)).decode())["offset"])
        except Exception:  # noqa: BLE001 - anything we did not issue
            raise error(f"Invalid Marker: {marker}") from None
    page = items[start:start + size]
    nxt = start + size
    token = base64.b64encode(json.dumps({"offset": nxt}).encode()).decode() if nxt < len(items) else None
    return page, token


# ---------------------------------------------------------------------------
# DMS
# ---------------------------------------------------------------------------

def _dms_error(message: str) -> DmsClientError:
    return InvalidParameterValueException(message)


def dms_orderable(region: str) -> list[dict[str, Any]]:
    zones = availability_zones(region)
    storage = DMS["storage"]
    out = []
    for group in DMS["instance_classes"]:
        for cls in group["classes"]:
            for version in DMS["engine_versions"]:
                out.append({
                    "EngineVersion": version["version"],
                    "ReplicationInstanceClass": cls,
                    "StorageType": storage["storage_type"],
                    "MinAllocatedStorage": storage["min_allocated_storage"],
                    "MaxAllocatedStorage": storage["max_allocated_storage"],
                    "DefaultAllocatedStorage": group["default_allocated_storage"],
                    "IncludedAllocatedStorage": group["included_allocated_storage"],
                    "AvailabilityZones": list(zones),
                    "ReleaseStatus": version["release_status"],
                })
    return out


def describe_orderable_replication_instances(self: DatabaseMigrationServiceResponse) -> str:
    doc = params(self)
    page, marker = _page(dms_orderable(self.region), doc.get("Marker"), doc.get("MaxRecords"), 20, 100, _dms_error)
    return json.dumps({"OrderableReplicationInstances": page, "Marker": marker})


def describe_engine_versions(self: DatabaseMigrationServiceResponse) -> str:
    doc = params(self)
    versions = [
        {
            "Version": v["version"],
            "Lifecycle": v["lifecycle"],
            "ReleaseStatus": v["release_status"],
            "LaunchDate": v["launch_date"],
            "AutoUpgradeDate": v.get("auto_upgrade_date"),
            "DeprecationDate": v.get("deprecation_date"),
            "ForceUpgradeDate": v.get("force_upgrade_date"),
            "AvailableUpgrades": list(v.get("available_upgrades") or []),
        }
        for v in DMS["engine_versions"]
    ]
    page, marker = _page(versions, doc.get("Marker"), doc.get("MaxRecords"), 20, 100, _dms_error)
    return json.dumps({"EngineVersions": page, "Marker": marker})


def check_dms(instance_class: Any, engine_version: Any) -> None:
    """The DMS refusals (errors in ``rulebook/orderable.json`` ``dms.errors``, with their sources)."""
    errors = DMS["errors"]
    if isinstance(engine_version, str) and engine_version and engine_version not in DMS_VERSIONS:
        raise DmsClientError(
            errors["unknown_engine_version"]["code"],
            errors["unknown_engine_version"]["message"].format(version=engine_version),
        )
    if isinstance(instance_class, str) and instance_class and instance_class not in DMS_CLASSES:
        raise DmsClientError(errors["class_not_orderable"]["code"], errors["class_not_orderable"]["message"])


def _wrap_dms_create(prev: Any) -> Any:
    def create_replication_instance(self: DatabaseMigrationServiceResponse) -> Any:
        if strict():
            doc = params(self)
            check_dms(doc.get("ReplicationInstanceClass"), doc.get("EngineVersion"))
        return prev(self)

    return create_replication_instance


def _wrap_dms_modify(prev: Any) -> Any:
    def modify_replication_instance(self: DatabaseMigrationServiceResponse) -> Any:
        if strict():
            doc = params(self)
            arn = doc.get("ReplicationInstanceArn")
            ri = backend_of(self).replication_instances.get(arn) if isinstance(arn, str) else None
            cls = doc.get("ReplicationInstanceClass")
            version = doc.get("EngineVersion")
            if ri is not None:  # only what changes is checked; unknown ARNs: the modify's own error
                cls = None if cls == ri.replication_instance_class else cls
                version = None if version == ri.engine_version else version
            check_dms(cls, version)
        return prev(self)

    return modify_replication_instance


# ---------------------------------------------------------------------------
# RDS
# ---------------------------------------------------------------------------

def _rds_error(message: str) -> RDSClientError:
    return RDSClientError("InvalidParameterValue", message)


def _unknown_engine(engine: str) -> RDSClientError:
    err = RDS["errors"]["unknown_engine"]
    return RDSClientError(err["code"], err["message"].format(engine=engine))


def check_rds(engine: str, version: str, instance_class: Any, license_model: str) -> None:
    """The RDS refusals for a catalogued engine (``rulebook/orderable.json`` ``rds.errors``)."""
    errors = RDS["errors"]
    if not rds_version_known(engine, version):
        err = errors["unknown_version"]
        raise RDSClientError(err["code"], err["message"].format(version=version, engine=engine))
    if (version, instance_class, license_model) not in _RDS_OFFERS[engine]:
        err = errors["combination"]
        raise RDSClientError(
            err["code"],
            err["message"].format(
                db_instance_class=instance_class, engine=engine, version=version, license_model=license_model
            ),
        )


def _param(response: RDSResponse, key: str) -> Any:
    value = response.params.get(key)
    return None if value == "" else value


def _wrap_rds_create(prev: Any) -> Any:
    def create_db_instance(self: RDSResponse) -> Any:
        engine = _param(self, "Engine")
        if isinstance(engine, str) and engine in RDS_ENGINES:
            spec = RDS_ENGINES[engine]
            version = rds_resolve_version(engine, _param(self, "EngineVersion"))
            license_model = _param(self, "LicenseModel") or spec["default_license_model"]
            if strict():
                check_rds(engine, version, _param(self, "DBInstanceClass"), license_model)
            self.params["EngineVersion"] = version
            self.params["LicenseModel"] = license_model
        return prev(self)

    return create_db_instance


def _wrap_rds_modify(prev: Any) -> Any:
    def modify_db_instance(self: RDSResponse) -> Any:
        db_id = _param(self, "DBInstanceIdentifier")
        db = self.backend.databases.get(db_id) if isinstance(db_id, str) else None
        engine = getattr(db, "engine", None)
        if db is not None and engine in RDS_ENGINES:
            new_class = _param(self, "DBInstanceClass")
            requested = _param(self, "EngineVersion")
            new_version = rds_resolve_version(engine, requested) if requested is not None else None
            if new_version is not None and new_version != requested:
                self.params["EngineVersion"] = new_version
            license_model = _param(self, "LicenseModel") or db.license_model
            changes = (new_class not in (None, db.db_instance_class)) or (
                new_version not in (None, db.engine_version)
            ) or (license_model != db.license_model)
            if strict() and changes:
                check_rds(engine, new_version or db.engine_version, new_class or db.db_instance_class, license_model)
        return prev(self)

    return modify_db_instance


def _wrap_rds_restore(prev: Any) -> Any:
    def restore_db_instance_from_db_snapshot(self: RDSResponse) -> Any:
        snap_id = _param(self, "DBSnapshotIdentifier")
        snapshot = None
        if isinstance(snap_id, str):
            if snap_id.startswith("arn:"):
                snap_id = snap_id.rsplit(":", 1)[-1]
            snapshot = self.backend.database_snapshots.get(snap_id)
        source = getattr(snapshot, "database", None)
        engine = getattr(source, "engine", None)
        if source is not None and engine in RDS_ENGINES:
            license_model = _param(self, "LicenseModel") or source.license_model
            if strict():
                # The snapshot's engine version: a restore cannot choose another one.
                check_rds(
                    engine,
                    source.engine_version,
                    _param(self, "DBInstanceClass") or source.db_instance_class,
                    license_model,
                )
        return prev(self)

    return restore_db_instance_from_db_snapshot


def _version_entry(engine: str, version: str, status: str = "available") -> dict[str, Any]:
    spec = RDS_ENGINES[engine]
    major = _RDS_VERSION_MAJOR.get((engine, version))
    targets = []
    if major is not None:
        for m in spec["majors"]:
            for v in m["versions"]:
                if _version_key(v) > _version_key(version):
                    targets.append({
                        "Engine": engine,
                        "EngineVersion": v,
                        "Description": f"{spec['description']} {v}",
                        "AutoUpgrade": False,
                        "IsMajorVersionUpgrade": m["major"] != major["major"],
                    })
    family = major["parameter_group_family"] if major else None
    return {
        "Engine": engine,
        "EngineVersion": version,
        "MajorEngineVersion": major["major"] if major else version.split(".")[0],
        "DBParameterGroupFamily": family,
        "DBEngineDescription": spec["description"],
        "DBEngineVersionDescription": f"{spec['description']} {version}",
        "ValidUpgradeTarget": targets,
        "SupportsReadReplica": True,
        "SupportedEngineModes": ["provisioned"],
        "Status": status,
    }


def _version_key(version: str) -> tuple[Any, ...]:
    out: list[Any] = []
    for part in version.replace("-", ".").split("."):
        out.append((0, int(part), "") if part.isdigit() else (1, 0, part))
    return tuple(out)


_DBEV_FILTERS = ("engine", "engine-version", "db-parameter-group-family", "status", "engine-mode")


def _filters(raw: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in raw or []:
        name = f.get("Name") if isinstance(f, Mapping) else None  # moto: XFormedDict
        if name not in _DBEV_FILTERS:
            raise _rds_error(f"Unrecognized filter name: {name}")
        out.setdefault(str(name), []).extend(str(v) for v in (f.get("Values") or []))
    return out


def _matches_version(requested: str, engine: str, version: str) -> bool:
    major = _RDS_VERSION_MAJOR.get((engine, version))
    return requested == version or (major is not None and requested == major["major"])


def describe_db_engine_versions(self: RDSResponse) -> Any:
    from moto.core.responses import ActionResult

    engine = _param(self, "Engine")
    requested = _param(self, "EngineVersion")
    family = _param(self, "DBParameterGroupFamily")
    default_only = str(_param(self, "DefaultOnly")).lower() == "true"
    include_all = str(_param(self, "IncludeAll")).lower() == "true"
    filters = _filters(self.params.get("Filters"))
    if engine is not None and engine not in RDS_ENGINES:
        if engine not in RDS["known_engines"]["engines"]:
            raise _unknown_engine(engine)
        engines: list[str] = []
    else:
        engines = [engine] if engine else list(RDS_ENGINES)

    entries: list[dict[str, Any]] = []
    for e in engines:
        spec = RDS_ENGINES[e]
        versions = [v for m in spec["majors"] for v in m["versions"]]
        if default_only:
            majors_asked = {m["major"]: m["default"] for m in spec["majors"] if requested == m["major"]}
            versions = [v for v in versions if v in majors_asked.values()] if majors_asked else [spec["default_version"]]
        candidates = [(v, "available") for v in versions]
        if include_all and not default_only:
            candidates += [(v, "deprecated") for v in spec.get("retired", {}).get("versions", [])]
        for v, status in candidates:
            if requested is not None and not (
                _matches_version(requested, e, v) or v == requested or v.startswith(f"{requested}.")
            ):
                continue
            entry = _version_entry(e, v, status)
            if family is not None and entry["DBParameterGroupFamily"] != family:
                continue
            if filters and not all(
                _filter_value(entry, name) in values for name, values in filters.items()
            ):
                continue
            entries.append(entry)
    page, marker = _page(entries, _param(self, "Marker"), _param(self, "MaxRecords"), 20, 100, _rds_error)
    return ActionResult({"DBEngineVersions": page, "Marker": marker})


def _filter_value(entry: dict[str, Any], name: str) -> Any:
    if name == "engine-mode":
        return "provisioned"
    key = {"engine": "Engine", "engine-version": "EngineVersion",
           "db-parameter-group-family": "DBParameterGroupFamily", "status": "Status"}[name]
    return entry.get(key)


def rds_option(engine: str, version: str, cls: str, license_model: str, storage_type: str, region: str) -> dict[str, Any]:
    storage = RDS["storage"]
    gp3 = storage_type == "gp3"
    return {
        "Engine": engine,
        "EngineVersion": version,
        "DBInstanceClass": cls,
        "LicenseModel": license_model,
        "AvailabilityZoneGroup": region,
        "AvailabilityZones": [{"Name": z} for z in availability_zones(region)],
        "MultiAZCapable": True,
        "ReadReplicaCapable": True,
        "Vpc": True,
        "SupportsStorageEncryption": True,
        "StorageType": storage_type,
        "SupportsIops": gp3,
        "SupportsStorageThroughput": gp3,
        "SupportsEnhancedMonitoring": True,
        "SupportsIAMDatabaseAuthentication": engine == "postgres",
        "SupportsPerformanceInsights": True,
        "MinStorageSize": storage["min_storage_size"],
        "MaxStorageSize": storage["max_storage_size"],
        "SupportedEngineModes": ["provisioned"],
        "SupportsStorageAutoscaling": True,
        "SupportsKerberosAuthentication": True,
        "OutpostCapable": False,
        "SupportsGlobalDatabases": False,
        "SupportedNetworkTypes": ["IPV4", "DUAL"],
        "SupportsClusters": False,
    }


_ORIGINAL_RDS_ORDERABLE: Any = None


def describe_orderable_db_instance_options(self: RDSResponse) -> Any:
    from moto.core.responses import ActionResult

    engine = _param(self, "Engine")
    if not isinstance(engine, str) or engine not in RDS_ENGINES:
        if isinstance(engine, str) and engine in RDS["known_engines"]["engines"]:
            return _ORIGINAL_RDS_ORDERABLE(self)  # moto's own (aurora-postgresql, neptune) or []
        raise _unknown_engine(str(engine))
    version = _param(self, "EngineVersion")
    cls = _param(self, "DBInstanceClass")
    license_model = _param(self, "LicenseModel")
    vpc = _param(self, "Vpc")
    options = []
    if vpc is None or str(vpc).lower() == "true":
        for v, c, lic in rds_offers(engine):
            if version is not None and v != version:
                continue
            if cls is not None and c != cls:
                continue
            if license_model is not None and lic != license_model:
                continue
            for storage_type in RDS["storage"]["storage_types"]:
                options.append(rds_option(engine, v, c, lic, storage_type, self.region))
    page, marker = _page(options, _param(self, "Marker"), _param(self, "MaxRecords"), 20, 1000, _rds_error)
    return ActionResult({"OrderableDBInstanceOptions": page, "Marker": marker})


# ---------------------------------------------------------------------------

_installed = False


def install() -> None:
    """After ``dms_network`` and ``rds_ext``: wraps their create/modify/restore handlers."""
    global _installed, _ORIGINAL_RDS_ORDERABLE
    if _installed:
        return
    _installed = True
    dms = DatabaseMigrationServiceResponse
    dms.describe_orderable_replication_instances = describe_orderable_replication_instances  # type: ignore[attr-defined]
    dms.describe_engine_versions = describe_engine_versions  # type: ignore[attr-defined]
    dms.create_replication_instance = _wrap_dms_create(dms.create_replication_instance)  # type: ignore[method-assign]
    dms.modify_replication_instance = _wrap_dms_modify(dms.modify_replication_instance)  # type: ignore[method-assign]

    _ORIGINAL_RDS_ORDERABLE = RDSResponse.describe_orderable_db_instance_options
    RDSResponse.describe_orderable_db_instance_options = describe_orderable_db_instance_options  # type: ignore[method-assign]
    RDSResponse.describe_db_engine_versions = describe_db_engine_versions  # type: ignore[attr-defined]
    RDSResponse.create_db_instance = _wrap_rds_create(RDSResponse.create_db_instance)  # type: ignore[method-assign]
    RDSResponse.modify_db_instance = _wrap_rds_modify(RDSResponse.modify_db_instance)  # type: ignore[method-assign]
    RDSResponse.restore_db_instance_from_db_snapshot = _wrap_rds_restore(  # type: ignore[method-assign]
        RDSResponse.restore_db_instance_from_db_snapshot
    )
