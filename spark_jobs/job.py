"""What every Spark job shares: the Pipes session, the SparkSession, the inputs pinned at a
Delta version, engines built once per Python worker, and the report back to Dagster.

A job is ``run(name, body)``: ``body(job)`` reads its inputs through ``job.read`` (one
partition day, at the version the launching asset pinned), runs the stage's engine in
``mapInArrow``, commits on the driver through ``assets.publish`` and returns the same
``dg.MaterializeResult`` the in-process asset returns; ``run`` reports it, and its check
results, through Pipes.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from resources.lake import Lake
from resources.spark_session import arrow_schema, build_session, read_delta, read_path, spark_schema

if TYPE_CHECKING:
    import dagster as dg
    from dagster_pipes import PipesContext
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

# Engines are built once per Python worker process (Spark reuses workers), not per task.
_ENGINES: dict[str, Any] = {}


def engine(kind: str, settings: dict, build: Callable[[dict], Any]) -> Any:
    key = f"{kind}:{json.dumps(settings, sort_keys=True, default=str)}"
    if key not in _ENGINES:
        _ENGINES[key] = build(settings)
    return _ENGINES[key]


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
    """Dagster metadata values as the Pipes protocol carries them (type + raw value)."""
    import dagster as dg

    out = {}
    for key, value in metadata.items():
        if isinstance(value, dg.TableSchemaMetadataValue):
            value = value.schema
        if isinstance(value, dg.TableColumnLineageMetadataValue):
            value = value.column_lineage
        if isinstance(value, dg.TableSchema):
            out[key] = {"type": "table_schema", "raw_value": {"columns": [{"name": c.name, "type": c.type} for c in value.columns]}}
        elif isinstance(value, dg.TableColumnLineage):
            deps = {col: [{"asset_key": d.asset_key.to_user_string(), "column_name": d.column_name} for d in ds] for col, ds in value.deps_by_column.items()}
            out[key] = {"type": "table_column_lineage", "raw_value": {"deps_by_column": deps}}
        elif isinstance(value, dg.JsonMetadataValue):
            out[key] = {"type": "json", "raw_value": value.data}
        elif isinstance(value, dg.MarkdownMetadataValue):
            out[key] = {"type": "md", "raw_value": value.md_str}
        elif isinstance(value, dg.MetadataValue):
            out[key] = {"type": "__infer__", "raw_value": value.value}
        else:
            out[key] = {"type": "__infer__", "raw_value": value}
    return out


def _message_writer(pipes_params: dict | None):
    """S3 when the launcher reads messages from S3 (EMR), else Pipes' default (a file or stdout)."""
    if pipes_params and "bucket" in pipes_params:
        import boto3
        from dagster_pipes import PipesS3MessageWriter

        return PipesS3MessageWriter(client=boto3.client("s3"))
    return None


def run(name: str, body: Callable[[Job], dg.MaterializeResult]) -> None:
    from dagster_pipes import PipesEnvVarParamsLoader, open_dagster_pipes

    messages = PipesEnvVarParamsLoader().load_messages_params() if PipesEnvVarParamsLoader().is_dagster_pipes_process() else None
    with open_dagster_pipes(message_writer=_message_writer(messages)) as pipes:
        extras = dict(pipes.extras)
        spark_settings = extras.get("spark") or {}
        started = time.perf_counter()
        spark = build_session(f"factory-{name}-{pipes.partition_key}", spark_settings.get("master"), spark_settings.get("conf"))
        session_s = time.perf_counter() - started
        job = Job(pipes, spark, Lake(extras["lake_root"]), pipes.partition_key, extras)
        master, cores, version = spark.sparkContext.master, spark.sparkContext.defaultParallelism, spark.version
        try:
            pipes.log.info(f"{name}: Spark {version}, master {master}, {cores} cores")
            started = time.perf_counter()
            result = body(job)
            job_s = time.perf_counter() - started
        finally:
            spark.stop()
        metadata = {
            **(result.metadata or {}),
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
        # The checks the stage evaluated while committing (the GX suite's), as in process.
        for check in result.check_results or []:
            pipes.report_asset_check(
                check_name=check.check_name, passed=check.passed, severity=check.severity.value, metadata=pipes_metadata(check.metadata or {}),
            )
