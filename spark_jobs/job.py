"""What every Spark job shares: the Pipes session, the SparkSession, the inputs pinned at a
Delta version, engines built once per Python worker, and the report back to Dagster.

A job is ``run(stage, body)``: ``body(job)`` reads its inputs through ``job.read`` (one
partition day, at the version the launching asset pinned), runs the stage's engines in
``mapInArrow``, commits on the driver through the stage's ``commit.py`` and returns the same
plain Report the in-process stage returns; ``run`` sends it, and its ``gx_suite`` check,
through Pipes. Nothing here imports Dagster (only ``dagster_pipes``) or a Dagster resource:
engines are built from their settings by ``resources.engines``, as in process.
"""
from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from resources.engines import Engines, engine_for
from resources.execution.spark_session import arrow_schema, build_session, read_delta, read_path, spark_schema
from resources.lake import Lake
from resources.lake.report import ColumnLineage, ColumnSchema, Json, Markdown, Plot, Records, Report
from resources.stage_spec import StageSpec

if TYPE_CHECKING:
    from dagster_pipes import PipesContext
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType


def engine(name: str, settings: dict[str, dict]) -> Any:
    """The engine ``name`` of a job's engine settings, built once per Python worker process
    (Spark reuses workers), not per task."""
    return engine_for(name, settings[name])


@dataclass
class Job:
    pipes: PipesContext
    spark: SparkSession
    lake: Lake
    day: str
    extras: dict
    versions: dict[str, int | None] = field(default_factory=dict)
    reads: dict[str, str] = field(default_factory=dict)

    @property
    def log(self):
        return self.pipes.log

    @property
    def engines(self) -> Engines:
        """The stage's engines on the driver, from the settings the asset sent."""
        return Engines(self.extras["engines"])

    def version(self, table: str) -> int | None:
        """The Delta version this job reads ``table`` at: the one the launching asset pinned,
        else the latest when the job first asks (and that one from then on)."""
        if table not in self.versions:
            pinned = self.extras.get("input_versions", {})
            self.versions[table] = pinned[table] if table in pinned else self.lake.version(table)
        return self.versions[table]

    def read(self, table: str, columns: list[str] | None = None, partition: bool = True) -> DataFrame:
        """``table`` at its pinned version (this partition day unless ``partition`` is False)."""
        version = self.version(table)
        self.reads[table] = read_path(self.spark, self.lake, table, version) if version is not None else "absent"
        return read_delta(self.spark, self.lake, table, version, self.day if partition else None, columns)

    def keys_frame(self, column: str, keys: set[str] | list[str]) -> DataFrame:
        """A one-column DataFrame of keys, to join against (anti-join for 'not yet done')."""
        from pyspark.sql.types import StringType, StructField, StructType

        return self.spark.createDataFrame([(k,) for k in sorted(keys)], StructType([StructField(column, StringType())]))

    def tasks(self, rows: int) -> int:
        """Spark partitions for ``rows`` heavy rows: one row per task up to 4 tasks per core."""
        return max(1, min(rows, 4 * self.spark.sparkContext.defaultParallelism))


def map_schema(schema: pa.Schema) -> tuple[StructType, pa.Schema]:
    """The Spark schema to declare for mapInArrow output, and the Arrow schema of the batches."""
    struct = spark_schema(schema)
    return struct, arrow_schema(struct)


def batches(rows: list[dict], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    if rows:
        yield pa.RecordBatch.from_pylist(rows, schema=schema)


def pipes_metadata(metadata: dict) -> dict:
    """A Report's plain metadata values as the Pipes protocol carries them (type + raw value)."""
    out = {}
    for key, value in metadata.items():
        if isinstance(value, ColumnSchema):
            # Dagster's Pipes reader takes a column's "description" (None when absent), as in process.
            columns = [{"name": n, "type": t, "description": value.descriptions.get(n)} for n, t in value.columns]
            out[key] = {"type": "table_schema", "raw_value": {"columns": columns}}
        elif isinstance(value, ColumnLineage):
            deps = {col: [{"asset_key": up, "column_name": up_col} for up, up_col in ups] for col, ups in value.deps.items()}
            out[key] = {"type": "table_column_lineage", "raw_value": {"deps_by_column": deps}}
        elif isinstance(value, Json):
            out[key] = {"type": "json", "raw_value": value.data}
        elif isinstance(value, Records):
            schema = [{"name": n, "type": t} for n, t in value.columns]
            out[key] = {"type": "table", "raw_value": {"records": value.shown(), "schema": schema}}
        elif isinstance(value, Markdown):
            out[key] = {"type": "md", "raw_value": value.text}
        elif isinstance(value, Plot):
            # Rendered even when unchanged: the job cannot see the last materialization to reuse
            # its image, and leaving the key out would drop the image from the latest one. The
            # markdown is dagster_project/metadata.py's png_markdown (a data URI).
            png = base64.b64encode(value.render()).decode()
            out[key] = {"type": "md", "raw_value": f"![{value.alt}](data:image/png;base64,{png})"}
        elif isinstance(value, (bool, int, float, str)) or value is None:
            out[key] = {"type": "__infer__", "raw_value": value}
        else:
            raise TypeError(f"metadata {key!r}: a {type(value).__name__} does not travel through Pipes")
    return out


def _message_writer(pipes_params: dict | None):
    """S3 when the launcher reads messages from S3 (EMR), else Pipes' default (a file or stdout)."""
    if pipes_params and "bucket" in pipes_params:
        import boto3
        from dagster_pipes import PipesS3MessageWriter

        return PipesS3MessageWriter(client=boto3.client("s3"))
    return None


def run(stage: StageSpec, body: Callable[[Job], Report]) -> None:
    from dagster_pipes import PipesEnvVarParamsLoader, open_dagster_pipes

    messages = PipesEnvVarParamsLoader().load_messages_params() if PipesEnvVarParamsLoader().is_dagster_pipes_process() else None
    with open_dagster_pipes(message_writer=_message_writer(messages)) as pipes:
        extras = dict(pipes.extras)
        spark_settings = extras.get("spark") or {}
        started = time.perf_counter()
        spark = build_session(f"factory-{stage.job}-{pipes.partition_key}", spark_settings.get("master"), spark_settings.get("conf"))
        session_s = time.perf_counter() - started
        job = Job(pipes, spark, Lake(extras["lake_root"]), pipes.partition_key, extras)
        master, cores, version = spark.sparkContext.master, spark.sparkContext.defaultParallelism, spark.version
        try:
            pipes.log.info(f"{stage.job}: Spark {version}, master {master}, {cores} cores")
            started = time.perf_counter()
            result = body(job)
            job_s = time.perf_counter() - started
        finally:
            spark.stop()
        metadata = {
            **result.metadata,
            "executor": extras.get("executor", "spark"),
            "spark_master": master,
            "spark_cores": cores,
            "spark_version": version,
            # The Delta version each input was read at, and how (parquet | delta | arrow).
            "input_versions": json.dumps(job.versions, sort_keys=True),
            "input_reads": json.dumps(job.reads, sort_keys=True),
            "spark_session_start_s": round(session_s, 2),
            "spark_job_s": round(job_s, 2),
        }
        pipes.report_asset_materialization(metadata=pipes_metadata(metadata))
        # The check the stage evaluated while committing (the GX suite's), as in process.
        if result.suite is not None:
            pipes.report_asset_check(
                check_name="gx_suite", passed=result.suite.passed, severity="WARN", metadata=pipes_metadata(result.suite.check_metadata()),
            )
