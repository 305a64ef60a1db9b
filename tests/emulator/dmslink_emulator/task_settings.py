"""The full ``ReplicationTaskSettings`` document AWS returns.

AWS merges what the caller sent into its defaults and always answers with the
whole document, so a provider has to compare only the keys its user set.
``merge`` does that: objects merge key by key, lists are replaced, except
``Logging.LogComponents`` which merges by ``Id`` and comes back in AWS's own
fixed order (so a caller's ordering is not preserved either).

The defaults below are a representative subset of AWS's, not a copy of any
particular engine version's.
"""

from __future__ import annotations

import copy
import json
from typing import Any

LOG_COMPONENT_IDS = (
    "TRANSFORMATION",
    "SOURCE_UNLOAD",
    "IO",
    "TARGET_LOAD",
    "PERFORMANCE",
    "SOURCE_CAPTURE",
    "SORTER",
    "REST_SERVER",
    "VALIDATOR_EXT",
    "TARGET_APPLY",
    "TASK_MANAGER",
    "TABLES_MANAGER",
    "METADATA_MANAGER",
    "FILE_FACTORY",
    "COMMON",
    "ADDONS",
    "DATA_STRUCTURE",
    "COMMUNICATION",
    "FILE_TRANSFER",
)

READ_ONLY_LOGGING_KEYS = ("CloudWatchLogGroup", "CloudWatchLogStream")

DEFAULTS: dict[str, Any] = {
    "TargetMetadata": {
        "TargetSchema": "",
        "SupportLobs": True,
        "FullLobMode": False,
        "LobChunkSize": 0,
        "LimitedSizeLobMode": True,
        "LobMaxSize": 32,
        "InlineLobMaxSize": 0,
        "LoadMaxFileSize": 0,
        "ParallelLoadThreads": 0,
        "ParallelLoadBufferSize": 0,
        "BatchApplyEnabled": False,
        "TaskRecoveryTableEnabled": False,
        "ParallelLoadQueuesPerThread": 0,
        "ParallelApplyThreads": 0,
        "ParallelApplyBufferSize": 0,
        "ParallelApplyQueuesPerThread": 0,
    },
    "FullLoadSettings": {
        "TargetTablePrepMode": "DROP_AND_CREATE",
        "CreatePkAfterFullLoad": False,
        "StopTaskCachedChangesApplied": False,
        "StopTaskCachedChangesNotApplied": False,
        "MaxFullLoadSubTasks": 8,
        "TransactionConsistencyTimeout": 600,
        "CommitRate": 10000,
    },
    "TTSettings": {
        "EnableTT": False,
        "TTS3Settings": None,
        "TTRecordSettings": None,
    },
    "Logging": {
        "EnableLogging": False,
        "EnableLogContext": False,
        "LogComponents": [
            {"Id": cid, "Severity": "LOGGER_SEVERITY_DEFAULT"} for cid in LOG_COMPONENT_IDS
        ],
        "CloudWatchLogGroup": None,
        "CloudWatchLogStream": None,
    },
    "ControlTablesSettings": {
        "ControlSchema": "",
        "HistoryTimeslotInMinutes": 5,
        "HistoryTableEnabled": False,
        "SuspendedTablesTableEnabled": False,
        "StatusTableEnabled": False,
        "FullLoadExceptionTableEnabled": False,
    },
    "StreamBufferSettings": {
        "StreamBufferCount": 3,
        "StreamBufferSizeInMB": 8,
        "CtrlStreamBufferSizeInMB": 5,
    },
    "ChangeProcessingDdlHandlingPolicy": {
        "HandleSourceTableDropped": True,
        "HandleSourceTableTruncated": True,
        "HandleSourceTableAltered": True,
    },
    "ErrorBehavior": {
        "DataErrorPolicy": "LOG_ERROR",
        "DataTruncationErrorPolicy": "LOG_ERROR",
        "DataErrorEscalationPolicy": "SUSPEND_TABLE",
        "DataErrorEscalationCount": 0,
        "TableErrorPolicy": "SUSPEND_TABLE",
        "TableErrorEscalationPolicy": "STOP_TASK",
        "TableErrorEscalationCount": 0,
        "RecoverableErrorCount": -1,
        "RecoverableErrorInterval": 5,
        "RecoverableErrorThrottling": True,
        "RecoverableErrorThrottlingMax": 1800,
        "RecoverableErrorStopRetryAfterThrottlingMax": True,
        "ApplyErrorDeletePolicy": "IGNORE_RECORD",
        "ApplyErrorInsertPolicy": "LOG_ERROR",
        "ApplyErrorUpdatePolicy": "LOG_ERROR",
        "ApplyErrorEscalationPolicy": "LOG_ERROR",
        "ApplyErrorEscalationCount": 0,
        "ApplyErrorFailOnTruncationDdl": False,
        "FullLoadIgnoreConflicts": True,
        "FailOnTransactionConsistencyBreached": False,
        "FailOnNoTablesCaptured": True,
        "EventErrorPolicy": "IGNORE",
    },
    "ChangeProcessingTuning": {
        "BatchApplyPreserveTransaction": True,
        "BatchApplyTimeoutMin": 1,
        "BatchApplyTimeoutMax": 30,
        "BatchApplyMemoryLimit": 500,
        "BatchSplitSize": 0,
        "MinTransactionSize": 1000,
        "CommitTimeout": 1,
        "MemoryLimitTotal": 1024,
        "MemoryKeepTime": 60,
        "StatementCacheSize": 50,
        "RecoveryTimeout": -1,
    },
    "ValidationSettings": {
        "EnableValidation": False,
        "ValidationMode": "ROW_LEVEL",
        "ThreadCount": 5,
        "PartitionSize": 10000,
        "FailureMaxCount": 10000,
        "RecordFailureDelayInMinutes": 5,
        "RecordSuspendDelayInMinutes": 30,
        "MaxKeyColumnSize": 8096,
        "TableFailureMaxCount": 1000,
        "ValidationOnly": False,
        "HandleCollationDiff": False,
        "RecordFailureDelayLimitInMinutes": 0,
        "SkipLobColumns": False,
        "ValidationPartialLobSize": 0,
        "ValidationQueryCdcDelaySeconds": 0,
    },
    "PostProcessingRules": None,
    "CharacterSetSettings": None,
    "LoopbackPreventionSettings": None,
    "BeforeImageSettings": None,
    "FailTaskWhenCleanTaskResourceFailed": False,
}


class SettingsError(ValueError):
    """The document is not acceptable (message is AWS-like)."""


def parse(text: Any) -> dict[str, Any]:
    """Parse a caller's settings string; raises SettingsError."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return {}
    if not isinstance(text, str):
        raise SettingsError("Invalid task settings JSON")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        raise SettingsError("Invalid task settings JSON") from None
    if not isinstance(doc, dict):
        raise SettingsError("Invalid task settings JSON")
    return doc


def sets_read_only_logging(doc: dict[str, Any]) -> bool:
    logging = doc.get("Logging")
    return isinstance(logging, dict) and any(
        logging.get(key) is not None for key in READ_ONLY_LOGGING_KEYS
    )


def _merge_log_components(base: list[Any], extra: Any) -> list[Any]:
    if not isinstance(extra, list):
        return copy.deepcopy(extra)
    by_id: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for item in base:
        if isinstance(item, dict) and "Id" in item:
            by_id[item["Id"]] = dict(item)
            order.append(item["Id"])
    for item in extra:
        if not isinstance(item, dict) or "Id" not in item:
            continue
        if item["Id"] in by_id:
            by_id[item["Id"]].update(item)
        else:
            by_id[item["Id"]] = dict(item)
            order.append(item["Id"])
    return [by_id[i] for i in order]


def merge(base: dict[str, Any], extra: dict[str, Any], path: tuple[str, ...] = ()) -> dict[str, Any]:
    """``base`` with ``extra`` merged in (neither is modified)."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        here = path + (key,)
        if here == ("Logging", "LogComponents") and isinstance(out.get(key), list):
            out[key] = _merge_log_components(out[key], value)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value, here)
        else:
            out[key] = copy.deepcopy(value)
    return out


def full_document(user: dict[str, Any]) -> dict[str, Any]:
    return merge(DEFAULTS, user)
