"""Run-time configuration of the emulator.

Values come from environment variables at start-up and can be changed while
the server runs through ``POST /_dmslink/config`` (see ``control.py``).

Environment variables
---------------------
``DMSLINK_EMU_STRICT``               ``1``/``0``; default ``1`` (``--strict``/``--lenient`` win).
``DMSLINK_EMU_TRANSITION_SECONDS``   seconds spent in every transient state; default ``1``.
``DMSLINK_EMU_<STATE>_SECONDS``      per-state override, ``<STATE>`` one of
                                     ``CREATING STARTING STOPPING MODIFYING MOVING DELETING``.
``DMSLINK_EMU_FULL_LOAD_SECONDS``    time a task spends ``running`` before its full load
                                     is complete; default ``2``.
"""

from __future__ import annotations

import os
import threading
from typing import Any

TRANSIENT_STATES = ("creating", "starting", "stopping", "modifying", "moving", "deleting")

DEFAULT_TRANSITION_SECONDS = 1.0
DEFAULT_FULL_LOAD_SECONDS = 2.0


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


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}: expected a boolean, got {value!r}")


class Config:
    """Thread-safe holder of the tunables."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.strict = True
        self.transition_seconds = DEFAULT_TRANSITION_SECONDS
        self.state_seconds: dict[str, float] = {}
        self.full_load_seconds = DEFAULT_FULL_LOAD_SECONDS

    # -- reading -----------------------------------------------------------
    def seconds_in(self, state: str) -> float:
        """Seconds a task stays in the transient ``state``."""
        with self._lock:
            return self.state_seconds.get(state, self.transition_seconds)

    def is_strict(self) -> bool:
        with self._lock:
            return self.strict

    def full_load(self) -> float:
        with self._lock:
            return self.full_load_seconds

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "strict": self.strict,
                "transition_seconds": self.transition_seconds,
                "state_seconds": {
                    s: self.state_seconds.get(s, self.transition_seconds) for s in TRANSIENT_STATES
                },
                "state_overrides": dict(self.state_seconds),
                "full_load_seconds": self.full_load_seconds,
            }

    # -- writing -----------------------------------------------------------
    def update(self, doc: dict[str, Any]) -> None:
        """Apply a partial update; all-or-nothing.

        Keys: ``strict`` (bool), ``transition_seconds`` (number),
        ``state_seconds`` ({state: number or null to drop the override}),
        ``full_load_seconds`` (number).
        """
        if not isinstance(doc, dict):
            raise ConfigError("expected a JSON object")
        unknown = set(doc) - {"strict", "transition_seconds", "state_seconds", "full_load_seconds"}
        if unknown:
            raise ConfigError(f"unknown keys: {sorted(unknown)}")
        new_strict = _flag("strict", doc["strict"]) if "strict" in doc else None
        new_transition = (
            _seconds("transition_seconds", doc["transition_seconds"])
            if "transition_seconds" in doc
            else None
        )
        new_full_load = (
            _seconds("full_load_seconds", doc["full_load_seconds"])
            if "full_load_seconds" in doc
            else None
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
        with self._lock:
            if new_strict is not None:
                self.strict = new_strict
            if new_transition is not None:
                self.transition_seconds = new_transition
            if new_full_load is not None:
                self.full_load_seconds = new_full_load
            for state, value in overrides.items():
                if value is None:
                    self.state_seconds.pop(state, None)
                else:
                    self.state_seconds[state] = value

    def load_env(self, environ: dict[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        doc: dict[str, Any] = {}
        if "DMSLINK_EMU_STRICT" in env:
            doc["strict"] = env["DMSLINK_EMU_STRICT"]
        if "DMSLINK_EMU_TRANSITION_SECONDS" in env:
            doc["transition_seconds"] = env["DMSLINK_EMU_TRANSITION_SECONDS"]
        if "DMSLINK_EMU_FULL_LOAD_SECONDS" in env:
            doc["full_load_seconds"] = env["DMSLINK_EMU_FULL_LOAD_SECONDS"]
        states = {
            s: env[f"DMSLINK_EMU_{s.upper()}_SECONDS"]
            for s in TRANSIENT_STATES
            if f"DMSLINK_EMU_{s.upper()}_SECONDS" in env
        }
        if states:
            doc["state_seconds"] = states
        self.update(doc)

    def mark_startup(self) -> None:
        """Remember the current values as the ones ``reset()`` restores."""
        with self._lock:
            self._startup = (
                self.strict,
                self.transition_seconds,
                dict(self.state_seconds),
                self.full_load_seconds,
            )

    def reset(self) -> None:
        """Back to the values in force when the server started."""
        with self._lock:
            startup = getattr(self, "_startup", None)
            if startup is None:
                startup = (True, DEFAULT_TRANSITION_SECONDS, {}, DEFAULT_FULL_LOAD_SECONDS)
            self.strict, self.transition_seconds, states, self.full_load_seconds = startup
            self.state_seconds = dict(states)


CONFIG = Config()
