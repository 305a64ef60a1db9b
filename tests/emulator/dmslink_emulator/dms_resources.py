"""AWS fidelity for DMS endpoints and tags (instances and subnet groups: ``dms_network``).

* Describe* whose filters match nothing -> ``ResourceNotFoundFault`` (strict);
  an unknown filter name -> ``InvalidParameterValueException`` (moto: HTTP 500).
* Tags by ARN for tasks, instances, endpoints and subnet groups
  (``arn:<partition>:dms:<region>:<account>:subgrp:<id>``, which AWS accepts
  although no response carries it); ``AddTagsToResource`` /
  ``RemoveTagsFromResource`` added; tags are dropped with their resource.
  Unknown ARN -> ``ResourceNotFoundFault``.
* Endpoints: ``Status`` ``active`` (moto: stays ``creating``), ``EndpointType``
  reported upper-case as AWS does (``SOURCE``/``TARGET``; requests take
  lower-case), ``Password`` keys never echoed inside ``*Settings``; a second
  endpoint with the same identifier -> ``ResourceAlreadyExistsFault`` (moto
  replaced the first one silently).
* A Secrets Manager pair (``SecretsManagerSecretId`` in ``*Settings``) beside clear-text
  ``Username``/``Password``/``ServerName``/``Port`` -> ``InvalidParameterCombinationException``
  (``dms_secrets.py``); a ``ModifyEndpoint`` that sets the pair drops the clear-text login.
* ``ModifyEndpoint`` (new): every field but the ARN and KMS key; ``*Settings``
  merged key by key unless ``ExactSettings`` (strict: which also clears a password
  not sent again); the password is stored, never returned.  Strict: a setting only
  the other side takes is refused (S13, ``dms_endpoint_settings``).  Strict: refused (``InvalidResourceStateFault``) while a replication
  task using the endpoint is ``running``/``starting``/``stopping``/``modifying``/``moving``
  (terraform-provider-aws#27661: stop the tasks first).
* Deleting an endpoint that a replication task still uses ->
  ``InvalidResourceStateFault`` (strict).
"""

from __future__ import annotations

import json
from typing import Any

from moto.dms.models import DatabaseMigrationServiceBackend, Endpoint
from moto.dms.responses import DatabaseMigrationServiceResponse

from . import dms_certificates, dms_endpoint_settings, dms_secrets, kms_keys, rulebook, timeline
from .config import CONFIG
from .dms_common import (
    DmsClientError,
    InvalidParameterCombinationException,
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

ENDPOINT_FILTERS = ("endpoint-arn", "endpoint-type", "endpoint-id", "engine-name")


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
        return name.lower() in backend.replication_subnet_groups
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

# Settings members DMS never returns (issue 15: ASM's and Kafka's passwords too).
_SECRET_KEYS = {
    "Password", "SaslPassword", "AuthPassword", "SecurityDbEncryption", "AsmPassword", "SslClientKeyPassword",
}


def _refuse_secret_beside_credentials(doc: dict[str, Any]) -> None:
    """The secret pair or clear-text credentials, not both (dms_secrets.py)."""
    both = dms_secrets.both_given(doc)
    if both:
        raise InvalidParameterCombinationException(
            "Specify either SecretsManagerSecretId and SecretsManagerAccessRoleArn or "
            f"{', '.join(both)}, not both"
        )


def _endpoint_dict(endpoint: Endpoint) -> dict[str, Any]:
    doc = endpoint.to_dict()
    if isinstance(doc.get("EndpointType"), str):
        doc["EndpointType"] = doc["EndpointType"].upper()
    for key, value in list(doc.items()):
        if key.endswith("Settings") and isinstance(value, dict):
            doc[key] = {k: v for k, v in value.items() if k not in _SECRET_KEYS}
    return {k: v for k, v in doc.items() if v is not None}


def create_endpoint(self: DatabaseMigrationServiceResponse) -> str:
    _refuse_secret_beside_credentials(params(self))
    identifier = params(self).get("EndpointIdentifier")
    if isinstance(identifier, str) and identifier in backend_of(self).endpoints:
        raise ResourceAlreadyExistsFault(f"Endpoint {identifier} already exists")
    dms_certificates.check_reference(backend_of(self), params(self).get("CertificateArn"))
    if strict():
        dms_endpoint_settings.check_sides(params(self), params(self).get("EndpointType"))
    key_id = params(self).get("KmsKeyId")
    why = kms_keys.problem(self.current_account, self.region, key_id)
    if why is not None:
        raise DmsClientError("KMSKeyNotAccessibleFault", why)
    body = _original["create_endpoint"](self)
    doc = json.loads(body)
    backend = backend_of(self)
    arn = doc["Endpoint"]["EndpointArn"]
    endpoint = next(e for e in backend.endpoints.values() if e.endpoint_arn == arn)
    endpoint.status = "active"
    endpoint.kms_key_id = kms_keys.key_arn(self.current_account, self.region, key_id, "dms")
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
    rulebook.check("endpoint", "DeleteEndpoint", endpoint.status, id=endpoint.endpoint_identifier)
    if strict():
        users = [
            t.id
            for t in _live_tasks(backend)
            if arn in (t.source_endpoint_arn, t.target_endpoint_arn)
        ]
        if users:
            raise rulebook.in_use(
                "endpoint", "DeleteEndpoint", id=endpoint.endpoint_identifier, users=", ".join(sorted(users))
            )
    # AWS answers `deleting` and drops the endpoint a little later (rulebook: DeleteEndpoint).
    endpoint.status = "deleting"
    body = json.dumps({"Endpoint": _endpoint_dict(endpoint)})

    def gone(_at: float) -> None:
        if any(e.endpoint_arn == arn for e in backend.endpoints.values()):
            backend.delete_endpoint(endpoint_arn=arn)
        backend.tagger.delete_all_tags_for_resource(arn)

    timeline.schedule(
        ("dms-endpoint", backend.account_id, backend.region_name, arn),
        CONFIG.resource_seconds_in("dms_endpoint_seconds", "deleting"),
        "gone",
        gone,
    )
    return body


# ModifyEndpoint request member -> moto Endpoint attribute
_ENDPOINT_FIELDS = {
    "EndpointType": "endpoint_type",
    "EngineName": "engine_name",
    "Username": "username",
    "Password": "password",
    "ServerName": "server_name",
    "Port": "port",
    "DatabaseName": "database_name",
    "ExtraConnectionAttributes": "extra_connection_attributes",
    "CertificateArn": "certificate_arn",
    "SslMode": "ssl_mode",
    "ServiceAccessRoleArn": "service_access_role_arn",
    "ExternalTableDefinition": "external_table_definition",
}
_ENDPOINT_SETTINGS = {
    "DynamoDbSettings": "dynamo_db_settings",
    "S3Settings": "s3_settings",
    "DmsTransferSettings": "dms_transfer_settings",
    "MongoDbSettings": "mongo_db_settings",
    "KinesisSettings": "kinesis_settings",
    "KafkaSettings": "kafka_settings",
    "ElasticsearchSettings": "elasticsearch_settings",
    "NeptuneSettings": "neptune_settings",
    "RedshiftSettings": "redshift_settings",
    "PostgreSQLSettings": "postgre_sql_settings",
    "MySQLSettings": "my_sql_settings",
    "OracleSettings": "oracle_settings",
    "SybaseSettings": "sybase_settings",
    "MicrosoftSQLServerSettings": "microsoft_sql_server_settings",
    "IBMDb2Settings": "ibm_db2_settings",
    "DocDbSettings": "doc_db_settings",
    "RedisSettings": "redis_settings",
    "GcpMySQLSettings": "gcp_my_sql_settings",
    "TimestreamSettings": "timestream_settings",
}
BUSY_TASK_STATES = tuple(rulebook.TASK["busy_for_endpoint_changes"])


def modify_endpoint(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    doc = params(self)
    arn = doc.get("EndpointArn")
    endpoint = next((e for e in backend.endpoints.values() if e.endpoint_arn == arn), None)
    if endpoint is None:
        raise ResourceNotFoundFault("Endpoint could not be found.")
    if doc.get("KmsKeyId") is not None:
        raise InvalidParameterValueException("KmsKeyId cannot be modified")
    endpoint_type = doc.get("EndpointType")
    if endpoint_type is not None and str(endpoint_type).lower() not in ("source", "target"):
        raise InvalidParameterValueException(f"Invalid EndpointType {endpoint_type!r}")
    new_id = doc.get("EndpointIdentifier")
    if new_id is not None and new_id != endpoint.endpoint_identifier and new_id in backend.endpoints:
        raise ResourceAlreadyExistsFault(f"Endpoint {new_id} already exists")
    if strict():
        rulebook.check("endpoint", "ModifyEndpoint", endpoint.status, id=endpoint.endpoint_identifier)
        busy = [
            f"{t.id} ({t.status})"
            for t in _live_tasks(backend)
            if arn in (t.source_endpoint_arn, t.target_endpoint_arn) and t.status in BUSY_TASK_STATES
        ]
        if busy:
            raise rulebook.in_use(
                "endpoint", "ModifyEndpoint", id=endpoint.endpoint_identifier, users=", ".join(sorted(busy))
            )
    dms_certificates.check_reference(backend, doc.get("CertificateArn"))
    _refuse_secret_beside_credentials(doc)
    if strict():
        dms_endpoint_settings.check_sides(doc, doc.get("EndpointType") or endpoint.endpoint_type)
    if any(isinstance(doc.get(k), dict) and doc[k].get(dms_secrets.SECRET_ID) for k in _ENDPOINT_SETTINGS):
        # The secret now carries the login [unverified]: the clear-text one is no longer the endpoint's.
        for attr in ("username", "password", "server_name", "port"):
            setattr(endpoint, attr, None)
    exact = bool(doc.get("ExactSettings"))
    if exact and strict() and doc.get("Password") is None:
        # ExactSettings replaces every setting: a password not sent again is cleared (the stricter
        # reading; whether it also clears the top-level Password is [unverified], S13).
        endpoint.password = None
    for key, attr in _ENDPOINT_FIELDS.items():
        if doc.get(key) is not None:
            value = doc[key]
            setattr(endpoint, attr, value.lower() if key == "EndpointType" else value)
    for key, attr in _ENDPOINT_SETTINGS.items():
        value = doc.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise InvalidParameterValueException(f"{key} must be an object")
        current = getattr(endpoint, attr, None)
        if exact or not isinstance(current, dict):
            setattr(endpoint, attr, dict(value))
        else:
            setattr(endpoint, attr, {**current, **value})
    if new_id is not None and new_id != endpoint.endpoint_identifier:
        backend.endpoints.pop(endpoint.endpoint_identifier, None)
        endpoint.endpoint_identifier = new_id
        backend.endpoints[new_id] = endpoint
    return json.dumps({"Endpoint": _endpoint_dict(endpoint)})


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
    "modify_endpoint": modify_endpoint,
    "add_tags_to_resource": add_tags_to_resource,
    "remove_tags_from_resource": remove_tags_from_resource,
    "list_tags_for_resource": list_tags_for_resource,
}


def install() -> None:
    for name, fn in REPLACED.items():
        if name not in _original and hasattr(DatabaseMigrationServiceResponse, name):
            _original[name] = getattr(DatabaseMigrationServiceResponse, name)
        setattr(DatabaseMigrationServiceResponse, name, fn)
