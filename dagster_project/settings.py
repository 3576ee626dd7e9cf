"""Settings are environment variables with defaults, one place for all of them.

Every field of every resource can be set as ``FACTORY_<RESOURCE>_<FIELD>`` (for example
``FACTORY_CURATOR_MIN_SHARPNESS=20`` or ``FACTORY_TRANSFER_CONDITIONS=night,fog``), and
``FACTORY_LANDING_DIR`` names the landing zone. ``FACTORY_ENV`` picks the environment.
"""
from __future__ import annotations

import os
import types
import typing
from pathlib import Path

import dagster as dg

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_LANDING_DIR = REPO_ROOT / "tests" / "data" / "footage"
DEFAULT_SCENARIO = REPO_ROOT / "scenarios" / "default.yaml"
_ALIASES = {"FACTORY_LANDING_PATH": "FACTORY_LANDING_DIR", "FACTORY_SCENARIO_PATH": "FACTORY_SCENARIO_SPEC"}


def environment() -> str:
    env = os.environ.get("FACTORY_ENV", "local")
    if env not in ("local", "prod"):
        raise ValueError(f"FACTORY_ENV must be 'local' or 'prod', not {env!r}")
    return env


def _parse(raw: str, annotation: object) -> object:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        annotation = args[0]  # X | None: parsed as X
    if annotation in (int, "int"):
        return int(raw)
    if annotation in (float, "float"):
        return float(raw)
    if annotation in (bool, "bool"):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if typing.get_origin(annotation) is list or str(annotation).startswith("list"):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def env_value(var: str, annotation: object) -> object | None:
    """The environment variable ``var`` parsed as a field of type ``annotation`` (None when unset)."""
    var = _ALIASES.get(var, var)
    return _parse(os.environ[var], annotation) if var in os.environ else None


def env_overrides(prefix: str, resource_cls: type[dg.ConfigurableResource]) -> dict[str, object]:
    """The fields of ``resource_cls`` set in the environment as FACTORY_<PREFIX>_<FIELD>."""
    values: dict[str, object] = {}
    for name, field in resource_cls.model_fields.items():
        value = env_value(f"FACTORY_{prefix}_{name}".upper(), field.annotation)
        if value is not None:
            values[name] = value
    return values
