"""The one interface every stage package implements (``resources/<stage>/stage.py: STAGE``).

A stage makes one table from the tables it reads. It runs in process (``run``) or as its Spark
job (``spark_jobs/<job>.py``); both read the same inputs, build the same engines from the same
settings, and commit through the stage's ``commit.py``, which returns a plain ``Report``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from resources.engines import Engines
from resources.lake import Lake
from resources.lake.report import Report


class Log(Protocol):
    """Where a stage says what it is doing: Dagster's context.log, Pipes' log, or logging."""

    def info(self, msg: str) -> Any: ...

    def warning(self, msg: str) -> Any: ...


@dataclass(frozen=True)
class StageSpec:
    table: str  # the table the stage makes
    inputs: tuple[str, ...]  # the tables it reads; a Spark job reads them at the versions pinned at launch
    engines: tuple[str, ...]  # the engines it needs (resources/engines.py), by the name of their settings
    job: str  # its Spark job: spark_jobs/<job>.py
    run: Callable[[Lake, Engines, str, Log], Report]  # the in-process executor: (lake, engines, day, log)
