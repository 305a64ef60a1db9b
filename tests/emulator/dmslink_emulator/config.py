"""Run-time configuration of the emulator.

Values come from environment variables at start-up and can be changed while
the server runs through ``POST /_dmslink/config`` (see ``control.py``).

Environment variables
---------------------
``DMSLINK_EMU_STRICT``               ``1``/``0``; default ``1`` (``--strict``/``--lenient`` win).
``DMSLINK_EMU_TRANSITION_SECONDS``   seconds a replication *task* spends in every transient
                                     state; default ``1``.
``DMSLINK_EMU_<STATE>_SECONDS``      per-task-state override, ``<STATE>`` one of
                                     ``CREATING STARTING STOPPING MODIFYING MOVING DELETING``.
``DMSLINK_EMU_FULL_LOAD_SECONDS``    time a task spends ``running`` before its full load
                                     is complete; default ``2``.
``DMSLINK_EMU_IAM_PROPAGATION_SECONDS``
                                     after ``dms-vpc-role`` gets its managed policy, DMS keeps
                                     refusing for this long; default ``2``.
``DMSLINK_EMU_DMS_INSTANCE_<S>_SECONDS``  replication instance ``CREATING MODIFYING DELETING``;
                                     default ``1`` each.
``DMSLINK_EMU_DMS_ENDPOINT_DELETING_SECONDS``  an endpoint is ``deleting`` this long; default ``1``.
                                     (Task, instance, endpoint and connection-test defaults come
                                     from ``rulebook/dms.json``.)
``DMSLINK_EMU_RDS_<S>_SECONDS``      RDS instance ``CREATING MODIFYING DELETING``; default ``1`` each.
                                     ``BACKING_UP FIRST_AVAILABLE FOLLOWUP_MODIFYING`` (after create
                                     and restore, ``rds_lifecycle_seconds``; default ``1`` each) and
                                     ``ENI_LINGER`` (RDS network interfaces outlive a deleted
                                     instance; default ``2``) -- see ``rds_realism``.
``DMSLINK_EMU_DMS_SUBNET_GROUP_DELETING_SECONDS``  a replication subnet group is ``deleting``
                                     this long; default ``1`` (``dms_realism``).
``DMSLINK_EMU_VGW_<S>_SECONDS``      VPN gateway attachment ``ATTACHING DETACHING``; default ``1`` each.
``DMSLINK_EMU_PEERING_<S>_SECONDS``  VPC peering connection ``INITIATING`` (``initiating-request``
                                     before ``pending-acceptance``; default ``0.5``),
                                     ``PROVISIONING`` (after accept, before ``active``; default ``1``),
                                     ``DELETING`` (before ``deleted``; default ``1``).
``DMSLINK_EMU_VPN_<S>_SECONDS``      VPN connection ``PENDING`` / ``DELETING`` (default ``1``) and its
                                     static routes' ``ROUTE`` (``pending``/``deleting``; default ``0.5``).
``DMSLINK_EMU_DMS_CONNECTION_TIMEOUT_SECONDS``
                                     an unreachable endpoint's ``TestConnection`` stays ``testing``
                                     this long (``reachability.py``); default ``2``.
``DMSLINK_EMU_LATENCY_MS``           added to every AWS call (not control calls); default ``0``.
``DMSLINK_EMU_EVENTUAL_CONSISTENCY_SECONDS``
                                     window after a create in which the new EC2 object / DB
                                     subnet group is not found yet (``consistency.py``); default
                                     ``0`` (off); ``--eventual-consistency`` wins.
``DMSLINK_EMU_FAULT_SEED``           seed of the random source of probabilistic fault rules
                                     (``faults.py``); default ``0``; ``--fault-seed`` wins.
``DMSLINK_EMU_CDC_CHANGES_PER_SECOND``
                                     inserts per second and table a task in CDC reports (updates
                                     half, deletes a tenth of that); default ``2``.
``DMSLINK_EMU_CONNECTION_TEST_SECONDS``
                                     a ``TestConnection`` stays ``testing`` this long; default ``1``.

Set through ``POST /_dmslink/config`` only (JSON documents):
``source_catalogue``                 ``{schema: [table, ...] | {table: rows}}``: the tables every
                                     source endpoint holds (table mappings select from it);
                                     ``null`` restores ``DEFAULT_CATALOGUE``.
``connection_outcomes``              ``{endpoint identifier or ARN: {"status": "failed",
                                     "message": "..."} | {"status": "successful"} | null}``;
                                     merged into the current map (``null`` drops an entry).
"""

from __future__ import annotations

import copy
import os
import threading
from typing import Any

from . import rulebook

TRANSIENT_STATES = ("creating", "starting", "stopping", "modifying", "moving", "deleting")

# Task, replication instance and endpoint timings: rulebook/dms.json (shared with the Rust fakes).
DEFAULT_TRANSITION_SECONDS = rulebook.seconds("replication_task", "transition")
DEFAULT_FULL_LOAD_SECONDS = rulebook.seconds("replication_task", "full_load")
DEFAULT_IAM_PROPAGATION_SECONDS = 2.0
DEFAULT_RESOURCE_SECONDS = 1.0
DEFAULT_CDC_CHANGES_PER_SECOND = 2.0
DEFAULT_CONNECTION_TEST_SECONDS = rulebook.seconds("endpoint", "testing")

# What every source endpoint holds unless ``source_catalogue`` says otherwise:
# schema -> {table: rows}.  ROCKPROPS serves the examples (ROCKPROPS% / WEB%),
# APP the emulator's own tests (one table).
DEFAULT_CATALOGUE: dict[str, dict[str, int]] = {
    "HR": {"EMPLOYEES": 107, "DEPARTMENTS": 27, "JOBS": 19, "LOCATIONS": 23},
    "SALES": {"CUSTOMERS": 5200, "ORDERS": 18400, "ORDER_ITEMS": 61000},
    "GEODESY": {"STATIONS": 340, "OBSERVATIONS": 125000},
    "ROCKPROPS": {"WEB_SAMPLES": 2400, "WEB_SITES": 310, "APP_USERS": 45, "LAB_RESULTS": 9800},
    "APP": {"ACCOUNTS": 1000},
}

# Timed states of other resources: config key -> (env prefix, states).
RESOURCE_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "dms_instance_seconds": ("DMSLINK_EMU_DMS_INSTANCE", ("creating", "modifying", "deleting")),
    "dms_endpoint_seconds": ("DMSLINK_EMU_DMS_ENDPOINT", ("deleting",)),
    "rds_seconds": ("DMSLINK_EMU_RDS", ("creating", "modifying", "deleting")),
    "vgw_seconds": ("DMSLINK_EMU_VGW", ("attaching", "detaching")),
    "peering_seconds": ("DMSLINK_EMU_PEERING", ("initiating", "provisioning", "deleting")),
    # dms_realism / rds_realism: subnet group deleting; RDS backing-up, the first available
    # before the follow-up modifying, and how long RDS network interfaces outlive an instance.
    "dms_subnet_group_seconds": ("DMSLINK_EMU_DMS_SUBNET_GROUP", ("deleting",)),
    "rds_lifecycle_seconds": (
        "DMSLINK_EMU_RDS",
        ("backing_up", "first_available", "followup_modifying", "eni_linger"),
    ),
    "vpn_seconds": ("DMSLINK_EMU_VPN", ("pending", "deleting", "route")),  # vpn.py
    "dms_connection_seconds": ("DMSLINK_EMU_DMS_CONNECTION", ("timeout",)),  # reachability.py
}
# Defaults other than DEFAULT_RESOURCE_SECONDS: (group, state) -> seconds.
RESOURCE_DEFAULTS: dict[tuple[str, str], float] = {
    **{("dms_instance_seconds", s): rulebook.seconds("replication_instance", s) for s in ("creating", "modifying", "deleting")},
    ("dms_endpoint_seconds", "deleting"): rulebook.seconds("endpoint", "deleting"),
    ("peering_seconds", "initiating"): 0.5,
    ("rds_lifecycle_seconds", "eni_linger"): 2.0,
    ("vpn_seconds", "route"): 0.5,
    ("dms_connection_seconds", "timeout"): 2.0,
}


def _flat_aliases() -> dict[str, tuple[str, str]]:
    """``dms_instance_creating_seconds`` -> ("dms_instance_seconds", "creating"), ..."""
    out = {}
    for group, (prefix, states) in RESOURCE_GROUPS.items():
        stem = prefix[len("DMSLINK_EMU_"):].lower()
        for state in states:
            out[f"{stem}_{state}_seconds"] = (group, state)
    return out


FLAT_ALIASES = _flat_aliases()
KNOWN_KEYS = {
    "strict",
    "transition_seconds",
    "state_seconds",
    "full_load_seconds",
    "iam_propagation_seconds",
    "latency_ms",
    "eventual_consistency_seconds",
    "cdc_changes_per_second",
    "connection_test_seconds",
    "fault_seed",
    "source_catalogue",
    "connection_outcomes",
    *RESOURCE_GROUPS,
    *FLAT_ALIASES,
}


class ConfigError(ValueError):
    """A configuration value was rejected."""


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ConfigError(f"{name}: expected a number of seconds, got {value!r}")
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}: expected a number of seconds, got {value!r}") from None
    if seconds < 0 or seconds != seconds or seconds == float("inf"):
        raise ConfigError(f"{name}: must be a finite number >= 0, got {value!r}")
    return seconds


def _seed(name: str, value: Any) -> int:
    """A fault seed: an integer >= 0 (digits in a string, from the environment, too)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{name}: expected an integer >= 0, got {value!r}")
    return value


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}: expected a boolean, got {value!r}")


def _catalogue(value: Any) -> dict[str, dict[str, int]]:
    """Validate ``source_catalogue``: ``{schema: [table, ...] | {table: rows}}``."""
    if value is None:
        return copy.deepcopy(DEFAULT_CATALOGUE)
    if not isinstance(value, dict):
        raise ConfigError("source_catalogue: expected an object {schema: [table, ...] or {table: rows}}")
    out: dict[str, dict[str, int]] = {}
    for schema, tables in value.items():
        if not isinstance(schema, str) or not schema:
            raise ConfigError(f"source_catalogue: bad schema name {schema!r}")
        if isinstance(tables, list):
            tables = {t: None for t in tables}
        if not isinstance(tables, dict):
            raise ConfigError(f"source_catalogue.{schema}: expected a list of table names or {{table: rows}}")
        out[schema] = {}
        for table, rows in tables.items():
            if not isinstance(table, str) or not table:
                raise ConfigError(f"source_catalogue.{schema}: bad table name {table!r}")
            if rows is None:
                rows = default_rows(schema, table)
            if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
                raise ConfigError(f"source_catalogue.{schema}.{table}: rows must be an integer >= 0")
            out[schema][table] = rows
    return out


def default_rows(schema: str, table: str) -> int:
    """Row count of a catalogue table given without one (stable across runs)."""
    import zlib

    return 100 + zlib.crc32(f"{schema}.{table}".encode()) % 9900


CONNECTION_STATUSES = ("successful", "failed")


def _outcomes(current: dict[str, dict[str, str]], value: Any) -> dict[str, dict[str, str]]:
    if not isinstance(value, dict):
        raise ConfigError(
            'connection_outcomes: expected {endpoint id or ARN: {"status": "failed", "message": "..."}}'
        )
    out = dict(current)
    for key, outcome in value.items():
        if outcome is None:
            out.pop(key, None)
            continue
        if not isinstance(outcome, dict) or outcome.get("status") not in CONNECTION_STATUSES:
            raise ConfigError(
                f"connection_outcomes.{key}: expected {{\"status\": \"successful\"|\"failed\", \"message\": ...}}"
            )
        unknown = set(outcome) - {"status", "message"}
        if unknown:
            raise ConfigError(f"connection_outcomes.{key}: unknown keys {sorted(unknown)}")
        message = outcome.get("message")
        if message is not None and not isinstance(message, str):
            raise ConfigError(f"connection_outcomes.{key}.message: expected a string")
        entry = {"status": outcome["status"]}
        if outcome["status"] == "failed":
            entry["message"] = message or "Test connection failed"
        out[key] = entry
    return out


def _default_resources() -> dict[str, dict[str, float]]:
    return {
        group: {state: RESOURCE_DEFAULTS.get((group, state), DEFAULT_RESOURCE_SECONDS) for state in states}
        for group, (_, states) in RESOURCE_GROUPS.items()
    }


class Config:
    """Thread-safe holder of the tunables."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.strict = True
        self.transition_seconds = DEFAULT_TRANSITION_SECONDS
        self.state_seconds: dict[str, float] = {}
        self.full_load_seconds = DEFAULT_FULL_LOAD_SECONDS
        self.iam_propagation_seconds = DEFAULT_IAM_PROPAGATION_SECONDS
        self.resource_seconds = _default_resources()
        self.latency_ms = 0.0
        self.eventual_consistency_seconds = 0.0
        self.cdc_changes_per_second = DEFAULT_CDC_CHANGES_PER_SECOND
        self.connection_test_seconds = DEFAULT_CONNECTION_TEST_SECONDS
        self.fault_seed = 0
        self.source_catalogue = copy.deepcopy(DEFAULT_CATALOGUE)
        self.connection_outcomes: dict[str, dict[str, str]] = {}

    # -- reading -----------------------------------------------------------
    def seconds_in(self, state: str) -> float:
        """Seconds a replication task stays in the transient ``state``."""
        with self._lock:
            return self.state_seconds.get(state, self.transition_seconds)

    def resource_seconds_in(self, group: str, state: str) -> float:
        """Seconds a resource of ``group`` (``"rds_seconds"`` ...) stays in ``state``."""
        with self._lock:
            return self.resource_seconds[group][state]

    def is_strict(self) -> bool:
        with self._lock:
            return self.strict

    def full_load(self) -> float:
        with self._lock:
            return self.full_load_seconds

    def iam_propagation(self) -> float:
        with self._lock:
            return self.iam_propagation_seconds

    def eventual_consistency(self) -> float:
        """Seconds a new object stays invisible (``consistency.py``); 0 = off."""
        with self._lock:
            return self.eventual_consistency_seconds

    def latency(self) -> float:
        """Added latency per AWS call, in seconds."""
        with self._lock:
            return self.latency_ms / 1000.0

    def cdc_rate(self) -> float:
        with self._lock:
            return self.cdc_changes_per_second

    def connection_test(self) -> float:
        with self._lock:
            return self.connection_test_seconds

    def seed(self) -> int:
        """Seed of the fault rules' random source."""
        with self._lock:
            return self.fault_seed

    def catalogue(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return copy.deepcopy(self.source_catalogue)

    def connection_outcome(self, *keys: str) -> dict[str, str] | None:
        """The configured outcome for the first of ``keys`` (identifier, ARN) that has one."""
        with self._lock:
            for key in keys:
                if key in self.connection_outcomes:
                    return dict(self.connection_outcomes[key])
            return None

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            doc: dict[str, Any] = {
                "strict": self.strict,
                "transition_seconds": self.transition_seconds,
                "state_seconds": {
                    s: self.state_seconds.get(s, self.transition_seconds) for s in TRANSIENT_STATES
                },
                "state_overrides": dict(self.state_seconds),
                "full_load_seconds": self.full_load_seconds,
                "iam_propagation_seconds": self.iam_propagation_seconds,
                "latency_ms": self.latency_ms,
                "eventual_consistency_seconds": self.eventual_consistency_seconds,
                "cdc_changes_per_second": self.cdc_changes_per_second,
                "connection_test_seconds": self.connection_test_seconds,
                "fault_seed": self.fault_seed,
                "source_catalogue": copy.deepcopy(self.source_catalogue),
                "connection_outcomes": copy.deepcopy(self.connection_outcomes),
            }
            for group, states in self.resource_seconds.items():
                doc[group] = dict(states)
            return doc

    # -- writing -----------------------------------------------------------
    def update(self, doc: dict[str, Any]) -> None:
        """Apply a partial update; all-or-nothing.

        Keys: ``strict`` (bool), ``transition_seconds`` (number),
        ``state_seconds`` ({task state: number or null to drop the override}),
        ``full_load_seconds``, ``iam_propagation_seconds``, ``latency_ms`` (numbers),
        ``dms_instance_seconds`` / ``rds_seconds`` / ``vgw_seconds`` / ``peering_seconds``
        ({state: number}), or flat ``dms_instance_creating_seconds``, ``rds_modifying_seconds``,
        ``vgw_attaching_seconds``, ``peering_provisioning_seconds`` ...
        """
        if not isinstance(doc, dict):
            raise ConfigError("expected a JSON object")
        unknown = set(doc) - KNOWN_KEYS
        if unknown:
            raise ConfigError(f"unknown keys: {sorted(unknown)}; known: {sorted(KNOWN_KEYS)}")
        new_strict = _flag("strict", doc["strict"]) if "strict" in doc else None
        scalars: dict[str, float] = {}
        for key in (
            "transition_seconds",
            "full_load_seconds",
            "iam_propagation_seconds",
            "eventual_consistency_seconds",
            "cdc_changes_per_second",
            "connection_test_seconds",
        ):
            if key in doc:
                scalars[key] = _seconds(key, doc[key])
        if "latency_ms" in doc:
            ms = _seconds("latency_ms", doc["latency_ms"])
            if ms > 600_000:
                raise ConfigError("latency_ms: at most 600000")
            scalars["latency_ms"] = ms
        seed = _seed("fault_seed", doc["fault_seed"]) if "fault_seed" in doc else None
        catalogue = _catalogue(doc["source_catalogue"]) if "source_catalogue" in doc else None
        with self._lock:
            current_outcomes = dict(self.connection_outcomes)
        outcomes = (
            _outcomes(current_outcomes, doc["connection_outcomes"]) if "connection_outcomes" in doc else None
        )
        overrides: dict[str, float | None] = {}
        if "state_seconds" in doc:
            states = doc["state_seconds"]
            if not isinstance(states, dict):
                raise ConfigError("state_seconds: expected an object {state: seconds}")
            for state, value in states.items():
                if state not in TRANSIENT_STATES:
                    raise ConfigError(
                        f"state_seconds: unknown state {state!r}; known: {list(TRANSIENT_STATES)}"
                    )
                overrides[state] = None if value is None else _seconds(f"state_seconds.{state}", value)
        resources: list[tuple[str, str, float]] = []
        for group, (_, known_states) in RESOURCE_GROUPS.items():
            if group not in doc:
                continue
            states = doc[group]
            if not isinstance(states, dict):
                raise ConfigError(f"{group}: expected an object {{state: seconds}}")
            for state, value in states.items():
                if state not in known_states:
                    raise ConfigError(f"{group}: unknown state {state!r}; known: {list(known_states)}")
                resources.append((group, state, _seconds(f"{group}.{state}", value)))
        for alias, (group, state) in FLAT_ALIASES.items():
            if alias in doc:
                resources.append((group, state, _seconds(alias, doc[alias])))
        with self._lock:
            if new_strict is not None:
                self.strict = new_strict
            for key, value in scalars.items():
                setattr(self, key, value)
            if seed is not None:
                self.fault_seed = seed
            for state, value in overrides.items():
                if value is None:
                    self.state_seconds.pop(state, None)
                else:
                    self.state_seconds[state] = value
            for group, state, value in resources:
                self.resource_seconds[group][state] = value
            if catalogue is not None:
                self.source_catalogue = catalogue
            if outcomes is not None:
                self.connection_outcomes = outcomes

    def load_env(self, environ: dict[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        doc: dict[str, Any] = {}
        for key, var in (
            ("strict", "DMSLINK_EMU_STRICT"),
            ("transition_seconds", "DMSLINK_EMU_TRANSITION_SECONDS"),
            ("full_load_seconds", "DMSLINK_EMU_FULL_LOAD_SECONDS"),
            ("iam_propagation_seconds", "DMSLINK_EMU_IAM_PROPAGATION_SECONDS"),
            ("latency_ms", "DMSLINK_EMU_LATENCY_MS"),
            ("eventual_consistency_seconds", "DMSLINK_EMU_EVENTUAL_CONSISTENCY_SECONDS"),
            ("cdc_changes_per_second", "DMSLINK_EMU_CDC_CHANGES_PER_SECOND"),
            ("connection_test_seconds", "DMSLINK_EMU_CONNECTION_TEST_SECONDS"),
            ("fault_seed", "DMSLINK_EMU_FAULT_SEED"),
        ):
            if var in env:
                doc[key] = env[var]
        states = {
            s: env[f"DMSLINK_EMU_{s.upper()}_SECONDS"]
            for s in TRANSIENT_STATES
            if f"DMSLINK_EMU_{s.upper()}_SECONDS" in env
        }
        if states:
            doc["state_seconds"] = states
        for group, (prefix, known_states) in RESOURCE_GROUPS.items():
            values = {
                s: env[f"{prefix}_{s.upper()}_SECONDS"]
                for s in known_states
                if f"{prefix}_{s.upper()}_SECONDS" in env
            }
            if values:
                doc[group] = values
        self.update(doc)

    def _state(self) -> tuple[Any, ...]:
        return (
            self.strict,
            self.transition_seconds,
            dict(self.state_seconds),
            self.full_load_seconds,
            self.iam_propagation_seconds,
            copy.deepcopy(self.resource_seconds),
            self.latency_ms,
            self.eventual_consistency_seconds,
            self.cdc_changes_per_second,
            self.connection_test_seconds,
            self.fault_seed,
            copy.deepcopy(self.source_catalogue),
            copy.deepcopy(self.connection_outcomes),
        )

    def mark_startup(self) -> None:
        """Remember the current values as the ones ``reset()`` restores."""
        with self._lock:
            self._startup = self._state()

    def reset(self) -> None:
        """Back to the values in force when the server started."""
        with self._lock:
            startup = getattr(self, "_startup", None)
            if startup is None:
                startup = (
                    True,
                    DEFAULT_TRANSITION_SECONDS,
                    {},
                    DEFAULT_FULL_LOAD_SECONDS,
                    DEFAULT_IAM_PROPAGATION_SECONDS,
                    _default_resources(),
                    0.0,
                    0.0,
                    DEFAULT_CDC_CHANGES_PER_SECOND,
                    DEFAULT_CONNECTION_TEST_SECONDS,
                    0,
                    copy.deepcopy(DEFAULT_CATALOGUE),
                    {},
                )
            (
                self.strict,
                self.transition_seconds,
                states,
                self.full_load_seconds,
                self.iam_propagation_seconds,
                resources,
                self.latency_ms,
                self.eventual_consistency_seconds,
                self.cdc_changes_per_second,
                self.connection_test_seconds,
                self.fault_seed,
                catalogue,
                outcomes,
            ) = startup
            self.state_seconds = dict(states)
            self.resource_seconds = copy.deepcopy(resources)
            self.source_catalogue = copy.deepcopy(catalogue)
            self.connection_outcomes = copy.deepcopy(outcomes)


CONFIG = Config()
