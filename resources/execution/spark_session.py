"""Spark sessions for the Spark jobs, and the lake's Delta tables read into Spark at a pinned version.

Two ways to read a Delta snapshot, picked per session:

- the session has the Delta extension (a real cluster: EMR, Databricks): ``format("delta")``
  with ``versionAsOf``;
- it has not (here: ``configure_spark_with_delta_pip`` needs Maven Central, and no package
  ships the Delta jars): the snapshot's live Parquet files, listed by delta-rs at the pinned
  version (``DeltaTable(uri, version=v).file_uris()``), read by Spark's own Parquet reader,
  with the partition value put back as a column (Delta keeps it out of the files).

When the Parquet files alone do not hold the snapshot's rows - deletion vectors hide rows a
file still has, column mapping renames columns - or the session cannot open the files' URI
scheme (``s3://`` without EMRFS or hadoop-aws), the snapshot is read into Arrow on the driver
by delta-rs's own scan (which applies both) and handed to Spark. Writes never go through Spark: the driver commits through
delta-rs (resources.lake.publish), so the GX gate and MERGE on the key are the in-process ones.
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import pyarrow as pa

from resources.lake import Lake
from resources.lake.tables import TABLES

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension"
# Settings a session on this host (local[N], a loopback standalone master) gets unless told
# otherwise: a small, quick-starting session. The JVM only moves Arrow batches between Python
# workers here, so its quick-start JIT (C1) and serial GC cost nothing and save ~2 s of
# start-up per job on a 2-core machine.
_LOCAL_DEFAULTS = {
    "spark.ui.enabled": "false",
    # The driver's RPC and block-manager servers otherwise listen on the host's external address.
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.adaptive.enabled": "true",
    "spark.driver.memory": "2g",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    "spark.executor.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",  # standalone executors
}


def build_session(app_name: str, master: str | None = None, conf: dict[str, str] | None = None) -> SparkSession:
    """A SparkSession: with ``master`` (``local[N]``) when the job runs as ``python -m``;
    without, under ``spark-submit`` or on EMR, where the cluster says where it runs."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    settings = dict(conf or {})
    if master:
        builder = builder.master(master)
        if on_this_host(master):
            settings = {**_LOCAL_DEFAULTS, **settings}
            # Python workers run this interpreter (and so find the project's packages): on
            # local[N] and on a standalone cluster on this host, whose executors share its disk.
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def on_this_host(master: str) -> bool:
    """``local[N]``, or a standalone master on loopback (``spark://127.0.0.1:PORT``): the driver
    listens on loopback only, and its executors can run this interpreter."""
    if master.startswith("local"):
        return True
    host = master.removeprefix("spark://").split(":", 1)[0]
    return master.startswith("spark://") and host in ("127.0.0.1", "localhost")


def has_delta_extension(spark: SparkSession) -> bool:
    return uses_delta_extension(spark.conf.get("spark.sql.extensions", "") or "")


def uses_delta_extension(extensions: str) -> bool:
    return DELTA_EXTENSION in [e.strip() for e in extensions.split(",")]


def spark_schema(schema: pa.Schema) -> StructType:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def arrow_schema(schema: StructType) -> pa.Schema:
    """The Arrow schema Spark expects back from mapInArrow for ``schema``."""
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(schema)


def collect_arrow(df: DataFrame) -> pa.Table:
    """``df``'s rows on the driver as one Arrow table: ``DataFrame.toArrow`` on Spark 4; on Spark
    3.5 (EMR 7.x), which lacks it, the same Arrow batches it is built on (``_collect_as_arrow``)."""
    if hasattr(df, "toArrow"):
        return df.toArrow()
    batches = df._collect_as_arrow()
    # The batches carry Spark's own nullability; the declared schema only shapes an empty result.
    return pa.Table.from_batches(batches) if batches else arrow_schema(df.schema).empty_table()


def arrow_frame(spark: SparkSession, table: pa.Table, schema: StructType) -> DataFrame:
    """A DataFrame of an Arrow table held by the driver: Spark 4 takes the table itself; Spark
    3.5 takes rows (the Arrow read path is for small snapshots that Parquet cannot give)."""
    if int(spark.version.split(".")[0]) >= 4:
        return spark.createDataFrame(table, schema=schema)
    return spark.createDataFrame(table.to_pylist(), schema=schema)


def needs_arrow_read(lake: Lake, name: str, version: int | None) -> str | None:
    """Why the snapshot's Parquet files alone would not give its rows (None when they do)."""
    dt = lake.delta_table(name, version)
    if dt is None:
        return None
    protocol = dt.protocol()
    features = set(protocol.reader_features or [])
    if "deletionVectors" in features:
        return "deletion vectors"
    if "columnMapping" in features or dt.metadata().configuration.get("delta.columnMapping.mode", "none") != "none":
        return "column mapping"
    return None


def _scheme_readable(spark: SparkSession, uri: str) -> bool:
    """Whether the session has a Hadoop filesystem for the URI's scheme (a local path always)."""
    if "://" not in uri or uri.startswith("file://"):
        return True
    scheme = uri.split("://", 1)[0]
    jvm = spark.sparkContext._jvm
    try:
        jvm.org.apache.hadoop.fs.FileSystem.getFileSystemClass(scheme, spark.sparkContext._jsc.hadoopConfiguration())
        return True
    except Exception:  # noqa: BLE001 - py4j wraps the JVM's "No FileSystem for scheme"
        return False


def read_delta(
    spark: SparkSession, lake: Lake, name: str, version: int | None, partition: str | None = None, columns: list[str] | None = None,
    how: str | None = None,
) -> DataFrame:
    """The table ``name`` as it was at ``version`` (one partition, some columns) as a Spark
    DataFrame; empty with the table's schema when the table did not exist then.

    ``how`` forces a path (``delta`` | ``parquet`` | ``arrow``); by default the session and
    the table decide (see the module's docstring). The path taken is in ``read_path``."""
    from pyspark.sql import functions as F

    spec = TABLES[name]
    columns = columns or spec.schema.names
    schema = pa.schema([spec.schema.field(c) for c in columns])
    dt = lake.delta_table(name, version)
    if dt is None:
        return spark.createDataFrame([], spark_schema(schema))
    how = how or read_path(spark, lake, name, version)
    part = spec.partition_by
    if how == "delta":
        df = spark.read.format("delta").option("versionAsOf", dt.version()).load(lake.table_uri(name))
        if partition is not None:
            df = df.where(F.col(part) == partition)
        return df.select(*columns)
    if how == "arrow":
        return arrow_frame(spark, arrow_snapshot(lake, name, dt.version(), partition, columns), spark_schema(schema))
    # The live Parquet files of the pinned snapshot, one read per partition value.
    file_schema = spark_schema(pa.schema([f for f in spec.schema if f.name != part]))
    values = [partition] if partition is not None or part is None else sorted({p[part] for p in dt.partitions()})
    frames = []
    for value in values:
        files = dt.file_uris(file_pruning_predicate=[(part, "=", value)]) if part else dt.file_uris()
        if not files:
            continue
        df = spark.read.schema(file_schema).parquet(*files)
        if part:
            df = df.withColumn(part, F.lit(value))
        frames.append(df.select(*columns))
    if not frames:
        return spark.createDataFrame([], spark_schema(schema))
    out = frames[0]
    for df in frames[1:]:
        out = out.unionByName(df)
    return out


def arrow_snapshot(lake: Lake, name: str, version: int, partition: str | None = None, columns: list[str] | None = None) -> pa.Table:
    """The snapshot's rows through delta-rs's own scan (DataFusion), which applies deletion
    vectors and column mapping; cast to the table's schema."""
    spec = TABLES[name]
    columns = columns or spec.schema.names
    dt = lake.delta_table(name, version)
    predicate = f"{spec.partition_by} = '{partition}'" if partition is not None else None
    table = pa.table(dt.scan(columns=columns, predicate=predicate).read_all())
    return table.select(columns).cast(pa.schema([spec.schema.field(c) for c in columns]))


def read_path(spark: SparkSession, lake: Lake, name: str, version: int | None) -> str:
    """How ``read_delta`` reads this table in this session: delta | parquet | arrow."""
    if has_delta_extension(spark):
        return "delta"
    if needs_arrow_read(lake, name, version) or not _scheme_readable(spark, lake.table_uri(name)):
        return "arrow"
    return "parquet"
