"""Shared plumbing for the EC2, RDS and IAM extensions.

* Every EC2, RDS and IAM call runs under ``control.STATE_LOCK`` (DMS calls
  already do, see ``dms_common``), so cross-service checks (a DMS instance's
  network interface, an RDS instance's security group ...) see one consistent
  state, and timed transitions (``timeline``) are applied first.
* ``patch_method(cls, name, fn)`` installs a response method, keeping the
  original in ``ORIGINAL[(cls.__name__, name)]``.
* Backend look-ups by account and region.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.utilities.utils import get_partition

from . import timeline
from .config import CONFIG
from .control import STATE_LOCK

ORIGINAL: dict[tuple[str, str], Callable[..., Any]] = {}


def strict() -> bool:
    return CONFIG.is_strict()


def patch_method(cls: type, name: str, fn: Callable[..., Any]) -> None:
    key = (cls.__name__, name)
    if key not in ORIGINAL and name in cls.__dict__:
        ORIGINAL[key] = cls.__dict__[name]
    elif key not in ORIGINAL and hasattr(cls, name):
        ORIGINAL[key] = getattr(cls, name)
    setattr(cls, name, fn)


def original(cls: type, name: str) -> Callable[..., Any]:
    return ORIGINAL[(cls.__name__, name)]


def ec2_backend(account: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account][region]


def existing_ec2_backend(account: str, region: str) -> Any | None:
    """The EC2 backend if it was already created (creating one takes ~0.6 s)."""
    from moto.ec2.models import ec2_backends

    per_account = dict.get(ec2_backends, account)
    if per_account is None:
        return None
    return dict.get(per_account, region)


def existing_rds_backend(account: str, region: str) -> Any | None:
    from moto.rds.models import rds_backends

    per_account = dict.get(rds_backends, account)
    if per_account is None:
        return None
    return dict.get(per_account, region)


def existing_dms_backend(account: str, region: str) -> Any | None:
    from moto.dms.models import dms_backends

    per_account = dict.get(dms_backends, account)
    if per_account is None:
        return None
    return dict.get(per_account, region)


def iam_backend(account: str, region: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account][get_partition(region)]


def all_backends(backend_dict: Any) -> list[tuple[str, str, Any]]:
    """``(account, region, backend)`` of every backend already created."""
    out = []
    for account, per_account in list(dict.items(backend_dict)):
        for region, backend in list(dict.items(per_account)):
            out.append((account, region, backend))
    return out


def _locked(call_action: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(self: Any) -> Any:
        with STATE_LOCK:
            timeline.advance()
            return call_action(self)

    wrapper.__wrapped__ = call_action  # type: ignore[attr-defined]
    return wrapper


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    from moto.ec2.responses import EC2Response
    from moto.iam.responses import IamResponse
    from moto.rds.responses import RDSResponse

    from .dms_common import register_ticker

    for cls in (EC2Response, RDSResponse, IamResponse):
        cls.call_action = _locked(cls.call_action)  # type: ignore[method-assign]
    register_ticker(lambda _backend: timeline.advance())
