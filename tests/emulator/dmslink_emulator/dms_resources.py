"""AWS fidelity for the other DMS resources: instances, endpoints, subnet groups, tags.

* Describe* whose filters match nothing -> ``ResourceNotFoundFault`` (strict);
  an unknown filter name -> ``InvalidParameterValueException`` (moto: HTTP 500).
* Tags by ARN for tasks, instances, endpoints and subnet groups
  (``arn:<partition>:dms:<region>:<account>:subgrp:<id>``, which AWS accepts
  although no response carries it); ``AddTagsToResource`` /
  ``RemoveTagsFromResource`` added; tags are dropped with their resource.
  Unknown ARN -> ``ResourceNotFoundFault``.
* Endpoints: ``Status`` ``active`` (moto: stays ``creating``), ``EndpointType``
  reported upper-case as AWS does (``SOURCE``/``TARGET``; requests take
  lower-case), ``Password`` keys never echoed inside ``*Settings``.
* Deleting an instance or endpoint that a replication task still uses ->
  ``InvalidResourceStateFault`` (strict).
"""

from __future__ import annotations

import json
from typing import Any

from moto.dms.models import DatabaseMigrationServiceBackend, Endpoint
from moto.dms.responses import DatabaseMigrationServiceResponse
from moto.utilities.utils import get_partition

from .dms_common import (
    InvalidParameterValueException,
    InvalidResourceStateFault,
    ResourceAlreadyExistsFault,
    ResourceNotFoundFault,
    backend_of,
    params,
    parse_dms_arn,
    strict,
)

_original: dict[str, Any] = {}

INSTANCE_FILTERS = (
    "replication-instance-arn",
    "replication-instance-id",
    "replication-instance-class",
    "engine-version",
)
ENDPOINT_FILTERS = ("endpoint-arn", "endpoint-type", "endpoint-id", "engine-name")
SUBNET_GROUP_FILTERS = ("replication-subnet-group-id",)


def subnet_group_arn(backend: DatabaseMigrationServiceBackend, identifier: str) -> str:
    return (
        f"arn:{get_partition(backend.region_name)}:dms:{backend.region_name}:"
        f"{backend.account_id}:subgrp:{identifier}"
    )


def _live_tasks(backend: DatabaseMigrationServiceBackend) -> list[Any]:
    return [t for t in backend.replication_tasks.values() if not getattr(t, "gone", False)]


def resource_exists(backend: DatabaseMigrationServiceBackend, arn: Any) -> bool:
    parsed = parse_dms_arn(arn)
    if parsed is None:
        return False
    region, account, kind, name = parsed
    if region != backend.region_name or account != backend.account_id:
        return False
    if kind == "task":
        task = backend.replication_tasks.get(arn)
        return task is not None and not getattr(task, "gone", False)
    if kind == "rep":
        return arn in backend.replication_instances
    if kind == "endpoint":
        return any(e.endpoint_arn == arn for e in backend.endpoints.values())
    if kind == "subgrp":
        return name in backend.replication_subnet_groups
    return False


def _require_resource(backend: DatabaseMigrationServiceBackend, arn: Any) -> None:
    if parse_dms_arn(arn) is None:
        raise InvalidParameterValueException(f"Invalid resource ARN: {arn!r}")
    if not resource_exists(backend, arn):
        raise ResourceNotFoundFault(f"Resource {arn} could not be found.")


def _check_filters(filters: Any, known: tuple[str, ...]) -> list[dict[str, Any]]:
    if not filters:
        return []
    if not isinstance(filters, list):
        raise InvalidParameterValueException("Filters must be a list")
    for f in filters:
        name = f.get("Name") if isinstance(f, dict) else None
        if name not in known:
            raise InvalidParameterValueException(
                f"Invalid filter name {name!r}; valid filters: {', '.join(known)}"
            )
    return filters


# -- endpoints ---------------------------------------------------------------

_SECRET_KEYS = {"Password", "SaslPassword", "AuthPassword", "SecurityDbEncryption"}


def _endpoint_dict(endpoint: Endpoint) -> dict[str, Any]:
    doc = endpoint.to_dict()
    if isinstance(doc.get("EndpointType"), str):
        doc["EndpointType"] = doc["EndpointType"].upper()
    for key, value in list(doc.items()):
        if key.endswith("Settings") and isinstance(value, dict):
            doc[key] = {k: v for k, v in value.items() if k not in _SECRET_KEYS}
    return {k: v for k, v in doc.items() if v is not None}


def create_endpoint(self: DatabaseMigrationServiceResponse) -> str:
    body = _original["create_endpoint"](self)
    doc = json.loads(body)
    backend = backend_of(self)
    arn = doc["Endpoint"]["EndpointArn"]
    endpoint = next(e for e in backend.endpoints.values() if e.endpoint_arn == arn)
    endpoint.status = "active"
    return json.dumps({"Endpoint": _endpoint_dict(endpoint)})


def describe_endpoints(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    doc = params(self)
    filters = _check_filters(doc.get("Filters"), ENDPOINT_FILTERS)
    endpoints = list(backend.endpoints.values())
    for f in filters:
        values = f.get("Values") or []
        name = f["Name"]
        if name == "endpoint-arn":
            endpoints = [e for e in endpoints if e.endpoint_arn in values]
        elif name == "endpoint-id":
            endpoints = [e for e in endpoints if e.endpoint_identifier in values]
        elif name == "engine-name":
            endpoints = [e for e in endpoints if e.engine_name in values]
        elif name == "endpoint-type":
            wanted = {str(v).lower() for v in values}
            endpoints = [e for e in endpoints if str(e.endpoint_type).lower() in wanted]
    if not endpoints and filters and strict():
        raise ResourceNotFoundFault("No Endpoints found matching provided filters")
    return json.dumps({"Endpoints": [_endpoint_dict(e) for e in endpoints]})


def delete_endpoint(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    arn = params(self).get("EndpointArn")
    endpoint = next((e for e in backend.endpoints.values() if e.endpoint_arn == arn), None)
    if endpoint is None:
        raise ResourceNotFoundFault("Endpoint could not be found.")
    if strict():
        users = [
            t.id
            for t in _live_tasks(backend)
            if arn in (t.source_endpoint_arn, t.target_endpoint_arn)
        ]
        if users:
            raise InvalidResourceStateFault(
                f"Endpoint {endpoint.endpoint_identifier} is in use by replication task(s): "
                f"{', '.join(sorted(users))}"
            )
    backend.delete_endpoint(endpoint_arn=arn)
    backend.tagger.delete_all_tags_for_resource(arn)
    return json.dumps({"Endpoint": _endpoint_dict(endpoint)})


# -- replication instances ---------------------------------------------------

def describe_replication_instances(self: DatabaseMigrationServiceResponse) -> str:
    doc = params(self)
    filters = _check_filters(doc.get("Filters"), INSTANCE_FILTERS) if strict() else doc.get("Filters")
    body = _original["describe_replication_instances"](self)
    out = json.loads(body)
    if filters and not out.get("ReplicationInstances") and strict():
        raise ResourceNotFoundFault("No replication instances found matching provided filters")
    return body


def delete_replication_instance(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    arn = params(self).get("ReplicationInstanceArn")
    if arn not in backend.replication_instances:
        raise ResourceNotFoundFault("Replication instance could not be found.")
    if strict():
        users = [
            t.id
            for t in _live_tasks(backend)
            if arn in (t.replication_instance_arn, getattr(t, "target_replication_instance_arn", None))
        ]
        if users:
            raise InvalidResourceStateFault(
                f"Replication instance {backend.replication_instances[arn].id} has replication "
                f"task(s): {', '.join(sorted(users))}"
            )
    body = _original["delete_replication_instance"](self)
    backend.tagger.delete_all_tags_for_resource(arn)
    return body


# -- subnet groups -----------------------------------------------------------

def create_replication_subnet_group(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    identifier = params(self).get("ReplicationSubnetGroupIdentifier")
    if isinstance(identifier, str) and identifier in backend.replication_subnet_groups:
        raise ResourceAlreadyExistsFault(f"Replication subnet group {identifier} already exists")
    body = _original["create_replication_subnet_group"](self)
    # moto tags subnet groups by identifier; AWS by ARN
    if isinstance(identifier, str):
        tags = backend.tagger.list_tags_for_resource(identifier).get("Tags", [])
        if tags:
            backend.tagger.tag_resource(subnet_group_arn(backend, identifier), tags)
            backend.tagger.delete_all_tags_for_resource(identifier)
    return body


def describe_replication_subnet_groups(self: DatabaseMigrationServiceResponse) -> str:
    doc = params(self)
    filters = _check_filters(doc.get("Filters"), SUBNET_GROUP_FILTERS)
    body = _original["describe_replication_subnet_groups"](self)
    if filters and not json.loads(body).get("ReplicationSubnetGroups") and strict():
        raise ResourceNotFoundFault("No Replication Subnet Groups found matching provided filters")
    return body


def delete_replication_subnet_group(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    identifier = params(self).get("ReplicationSubnetGroupIdentifier")
    body = _original["delete_replication_subnet_group"](self)
    if isinstance(identifier, str):
        backend.tagger.delete_all_tags_for_resource(subnet_group_arn(backend, identifier))
    return body


# -- tags ----------------------------------------------------------------------

def add_tags_to_resource(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    doc = params(self)
    arn = doc.get("ResourceArn")
    _require_resource(backend, arn)
    tags = doc.get("Tags") or []
    if not isinstance(tags, list) or any(not isinstance(t, dict) or "Key" not in t for t in tags):
        raise InvalidParameterValueException("Tags must be a list of {Key, Value}")
    backend.tagger.tag_resource(arn, [{"Key": t["Key"], "Value": t.get("Value", "")} for t in tags])
    return json.dumps({})


def remove_tags_from_resource(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    doc = params(self)
    arn = doc.get("ResourceArn")
    _require_resource(backend, arn)
    keys = doc.get("TagKeys") or []
    backend.tagger.untag_resource_using_names(arn, list(keys))
    return json.dumps({})


def list_tags_for_resource(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    doc = params(self)
    arn = doc.get("ResourceArn")
    arns = doc.get("ResourceArnList")
    if arn and arns:
        raise InvalidParameterValueException("Specify either ResourceArn or ResourceArnList, not both")
    if not arn and not arns:
        raise InvalidParameterValueException("Either ResourceArn or ResourceArnList must be specified")
    wanted = [arn] if arn else list(arns)
    if strict():
        for a in wanted:
            _require_resource(backend, a)
    return json.dumps({"TagList": backend.list_tags_for_resource(wanted)})


REPLACED = {
    "create_endpoint": create_endpoint,
    "describe_endpoints": describe_endpoints,
    "delete_endpoint": delete_endpoint,
    "describe_replication_instances": describe_replication_instances,
    "delete_replication_instance": delete_replication_instance,
    "create_replication_subnet_group": create_replication_subnet_group,
    "describe_replication_subnet_groups": describe_replication_subnet_groups,
    "delete_replication_subnet_group": delete_replication_subnet_group,
    "add_tags_to_resource": add_tags_to_resource,
    "remove_tags_from_resource": remove_tags_from_resource,
    "list_tags_for_resource": list_tags_for_resource,
}


def install() -> None:
    for name, fn in REPLACED.items():
        if name not in _original and hasattr(DatabaseMigrationServiceResponse, name):
            _original[name] = getattr(DatabaseMigrationServiceResponse, name)
        setattr(DatabaseMigrationServiceResponse, name, fn)
