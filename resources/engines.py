"""Every engine built from its settings (a plain dict), the same way everywhere.

The Dagster resources (``dagster_project/configurable.py``), the stages and the Spark workers
(``spark_jobs/job.py``) all build engines through ``engine_for``: a Spark worker needs no Dagster
resource, the two executors can never build an engine differently, and an engine (with any
model it loads) is built once per process for one set of settings. The settings are the fields
of the Dagster resource of the same name.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from resources.registry import Registry

ENGINES = Registry(
    "engine",
    {
        "curator": "resources.curation.engine:build_curator",
        "embedder": "resources.curation.backends:build_embedder",
        "captioner": "resources.curation.backends:build_captioner",
        "transfer": "resources.transfer.backends:build_transfer",
        "evaluator": "resources.evaluation.backends:build_evaluator",
        "tokenizer": "resources.tokenization.backends:build_tokenizer",
    },
)
_BUILT: dict[str, Any] = {}


def engine_for(name: str, settings: Mapping[str, Any]) -> Any:
    """The engine ``name`` with these settings, built on first use in this process."""
    key = f"{name}:{json.dumps(dict(settings), sort_keys=True, default=str)}"
    if key not in _BUILT:
        _BUILT[key] = ENGINES.create(name, dict(settings))
    return _BUILT[key]


@dataclass(frozen=True)
class Engines:
    """The engines one stage needs, by name, from their settings."""

    settings: Mapping[str, Mapping[str, Any]]

    def __getitem__(self, name: str) -> Any:
        return engine_for(name, self.settings[name])
