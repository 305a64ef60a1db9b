"""S13: a setting only one side of an endpoint takes is refused on the other side, from the
rulebook's ``endpoint_settings`` table (the provider's plan and the Rust fake read the same)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Emulator
from test_stack import endpoint, fault

# A valid value of each one-sided setting that is not a boolean.
VALUES: dict[str, object] = {
    "ArchivedLogDestId": 2, "ParallelAsmReadThreads": 2, "ReadAheadBlocks": 1000, "NumberDatatypeScale": 2,
    "OpenTransactionWindow": 2, "HeartbeatFrequency": 2, "MaxFileSize": 512, "AsmServer": "asm:1521/+ASM",
    "AsmUser": "asm", "AsmPassword": "x", "HeartbeatSchema": "public", "SlotName": "s", "PluginName": "pglogical",
    "DdlArtifactsSchema": "public",
}

RULEBOOK = json.loads((Path(__file__).resolve().parents[2] / "rulebook" / "dms.json").read_text())


def test_a_source_only_setting_on_a_target_is_refused_with_aws_text(emulator: Emulator) -> None:
    # terraform-provider-aws#46676: TrimSpaceInChar on an Oracle target endpoint.
    dms = emulator.client("dms")
    err = fault(
        dms.create_endpoint, "InvalidParameterCombinationException",
        EndpointIdentifier="ora-tgt", EndpointType="target", EngineName="oracle", Username="u",
        Password="p", ServerName="db.internal", Port=1521, DatabaseName="DB",
        OracleSettings={"TrimSpaceInChar": True},
    )
    assert err.response["Error"]["Message"] == (
        "Cannot specify endpoint setting 'TrimSpaceInChar' for endpoint of type target")
    # The same setting on a source is taken and echoed.
    arn = endpoint(dms, "ora-src", "source", OracleSettings={"TrimSpaceInChar": True})
    ep = dms.describe_endpoints(Filters=[{"Name": "endpoint-arn", "Values": [arn]}])["Endpoints"][0]
    assert ep["OracleSettings"]["TrimSpaceInChar"] is True


def test_modify_checks_the_side_too_and_a_target_only_setting_on_a_source_is_refused(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    src = endpoint(dms, "ora-src", "source")
    err = fault(dms.modify_endpoint, "InvalidParameterCombinationException",
                EndpointArn=src, OracleSettings={"UseDirectPathFullLoad": True})
    assert "'UseDirectPathFullLoad' for endpoint of type source" in err.response["Error"]["Message"]
    tgt = endpoint(dms, "pg-tgt", "target")
    fault(dms.modify_endpoint, "InvalidParameterCombinationException",
          EndpointArn=tgt, PostgreSQLSettings={"SlotName": "dms_slot"})
    # Settings both sides take pass.
    ep = dms.modify_endpoint(EndpointArn=tgt, PostgreSQLSettings={"MapBooleanAsBoolean": True})["Endpoint"]
    assert ep["PostgreSQLSettings"]["MapBooleanAsBoolean"] is True


def test_every_one_sided_key_of_the_rulebook_is_refused_on_the_other_side(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    table = RULEBOOK["endpoint_settings"]
    engines = {"OracleSettings": "oracle", "PostgreSQLSettings": "postgres"}
    arns = {}
    for side in ("source", "target"):
        for obj, engine in engines.items():
            arns[(side, obj)] = dms.create_endpoint(
                EndpointIdentifier=f"{engine}-{side}", EndpointType=side, EngineName=engine, Username="u",
                Password="p", ServerName="db.internal", Port=1521, DatabaseName="DB",
            )["Endpoint"]["EndpointArn"]
    for only, other in (("source_only", "target"), ("target_only", "source")):
        for obj, keys in table[only].items():
            for key in keys:
                value = VALUES.get(key, True)
                err = fault(dms.modify_endpoint, "InvalidParameterCombinationException",
                            EndpointArn=arns[(other, obj)], **{obj: {key: value}})
                assert f"'{key}' for endpoint of type {other}" in err.response["Error"]["Message"]
