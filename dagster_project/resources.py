"""Which resources each environment gets: the one place where local and prod differ."""
from __future__ import annotations

import dagster as dg

from dagster_project.configurable import (
    CaptionerResource,
    CuratorResource,
    DownstreamResource,
    ExecutionResource,
    EmbedderResource,
    EvaluatorResource,
    LakeResource,
    LandingZoneResource,
    ScenarioResource,
    SimulatorResource,
    TokenizerResource,
    TransferResource,
)
from dagster_project.settings import DEFAULT_SCENARIO, DEMO_LANDING_DIR, env_overrides, environment

_RESOURCES: dict[str, type[dg.ConfigurableResource]] = {
    "lake": LakeResource,
    "landing": LandingZoneResource,
    "simulator": SimulatorResource,
    "curator": CuratorResource,
    "embedder": EmbedderResource,
    "captioner": CaptionerResource,
    "scenario": ScenarioResource,
    "transfer": TransferResource,
    "evaluator": EvaluatorResource,
    "tokenizer": TokenizerResource,
    "downstream": DownstreamResource,
    # In process, local Spark or EMR (docs/spark.md). Its fields left unset here are read from
    # FACTORY_EXECUTOR_* when a stage runs, so a run's config can still pick the mode.
    "executor": ExecutionResource,
}

# Local: a lake in ./lake, the bundled footage, CPU backends, no weights.
_LOCAL_DEFAULTS: dict[str, dict] = {"landing": {"path": str(DEMO_LANDING_DIR)}, "scenario": {"path": str(DEFAULT_SCENARIO)}}
# Prod: nothing is guessed - the lake and the landing zone must be named (s3://... for both).
_PROD_REQUIRED = {"lake": "root", "landing": "path", "scenario": "path"}


def resources_for(env: str | None = None, **fields: dict) -> dict[str, dg.ConfigurableResource]:
    """Every resource of environment ``env`` (FACTORY_ENV when None): its defaults, then the
    FACTORY_<RESOURCE>_<FIELD> variables, then ``fields`` (resource name -> field values), which
    is how a test or a bench picks a lake, a landing zone or a backend."""
    env = env or environment()
    unknown = set(fields) - set(_RESOURCES)
    if unknown:
        raise ValueError(f"no resource named {', '.join(sorted(unknown))}; the resources are {', '.join(_RESOURCES)}")
    out = {}
    for name, cls in _RESOURCES.items():
        values = {**env_overrides(name, cls), **fields.get(name, {})}
        if env == "prod":
            required = _PROD_REQUIRED.get(name)
            if required and required not in values:
                var = {"landing": "FACTORY_LANDING_DIR", "scenario": "FACTORY_SCENARIO_SPEC"}.get(name, f"FACTORY_{name}_{required}".upper())
                raise ValueError(f"FACTORY_ENV=prod needs {var} to be set")
        else:
            values = {**_LOCAL_DEFAULTS.get(name, {}), **values}
        out[name] = cls(**values)
    return out
