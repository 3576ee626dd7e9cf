"""Delta tables read into Spark at a pinned version, as the Spark jobs read their inputs: the
live Parquet files of the snapshot (no Delta jars here), or Arrow through delta-rs when the
files alone do not hold the rows (deletion vectors) or Spark cannot open their URI."""

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from resources.execution.spark_session import needs_arrow_read, read_delta, read_path, uses_delta_extension
from resources.lake import Lake
from resources.lake.tables import TABLES
from tests.conftest import table_rows

pytestmark = pytest.mark.usefixtures("java_runtime")

DAY, NEXT = "2026-11-20", "2026-11-21"


@pytest.fixture(scope="module")
def spark():
    from resources.execution.spark_session import build_session

    session = build_session("test-delta-io", "local[1]")
    yield session
    session.stop()


@pytest.fixture
def lake(tmp_path):
    """raw_footage in three commits: two footage on DAY (v0), one on NEXT (v1), one more on DAY (v2)."""
    lake = Lake(str(tmp_path / "lake"))
    lake.merge("raw_footage", table_rows("raw_footage", ["a", "b"], day=DAY, fps=10.0, width=320))
    lake.merge("raw_footage", table_rows("raw_footage", ["c"], day=NEXT, fps=12.5, width=640))
    lake.merge("raw_footage", table_rows("raw_footage", ["d"], day=DAY, fps=25.0, width=768))
    return lake


def _rows(df) -> list[dict]:
    return sorted(df.toArrow().to_pylist(), key=lambda r: r["footage_id"])


def _reference(lake: Lake, version: int, partition: str | None) -> list[dict]:
    return sorted(lake.read("raw_footage", version=version, partition=partition).to_pylist(), key=lambda r: r["footage_id"])


@pytest.mark.parametrize("version, partition, keys", [(0, DAY, ["a", "b"]), (2, DAY, ["a", "b", "d"]), (2, NEXT, ["c"]), (1, None, ["a", "b", "c"])])
def test_parquet_files_of_a_pinned_snapshot_give_its_rows(spark, lake, version, partition, keys):
    assert read_path(spark, lake, "raw_footage", version) == "parquet"
    rows = _rows(read_delta(spark, lake, "raw_footage", version, partition))
    assert [r["footage_id"] for r in rows] == keys
    # Every column, the partition column (kept out of the files by Delta) included, as delta-rs reads it.
    assert rows == _reference(lake, version, partition)


def test_the_arrow_path_gives_the_same_rows(spark, lake):
    for version, partition in ((0, DAY), (2, None)):
        assert _rows(read_delta(spark, lake, "raw_footage", version, partition, how="arrow")) == _reference(lake, version, partition)


def test_some_columns_and_a_table_not_yet_written(spark, lake):
    df = read_delta(spark, lake, "raw_footage", 2, DAY, ["footage_id", "fps"])
    assert df.columns == ["footage_id", "fps"] and sorted(r.fps for r in df.collect()) == [10.0, 10.0, 25.0]
    empty = read_delta(spark, lake, "curated_clips", None, DAY)
    assert empty.count() == 0 and empty.columns == TABLES["curated_clips"].schema.names


def test_deletion_vectors_send_the_read_through_arrow(spark, tmp_path):
    lake = Lake(str(tmp_path / "dv"))
    # A table another engine (Spark with Delta, Databricks) writes with deletion vectors on.
    write_deltalake(lake.table_uri("raw_footage"), table_rows("raw_footage", ["a", "b"], day=DAY), partition_by=["ingest_date"],
                    configuration={"delta.enableDeletionVectors": "true"})
    assert needs_arrow_read(lake, "raw_footage", None) == "deletion vectors"
    assert read_path(spark, lake, "raw_footage", None) == "arrow"
    assert [r["footage_id"] for r in _rows(read_delta(spark, lake, "raw_footage", None, DAY))] == ["a", "b"]
    assert _rows(read_delta(spark, lake, "raw_footage", 0, DAY, ["footage_id", "ingest_date"])) == [
        {"footage_id": "a", "ingest_date": DAY}, {"footage_id": "b", "ingest_date": DAY}]


def test_a_scheme_spark_cannot_open_is_read_through_arrow(spark, lake, monkeypatch):
    from resources.execution import spark_session

    assert spark_session._scheme_readable(spark, lake.table_uri("raw_footage"))
    assert not spark_session._scheme_readable(spark, "s3://factory-lake/tables/raw_footage")  # no hadoop-aws here
    # As for a lake on S3 in a local session: its snapshot is read by delta-rs on the driver.
    monkeypatch.setattr(spark_session, "_scheme_readable", lambda session, uri: False)
    assert read_path(spark, lake, "raw_footage", 2) == "arrow"
    assert _rows(read_delta(spark, lake, "raw_footage", 2, DAY)) == _reference(lake, 2, DAY)


def test_a_session_with_the_delta_extension_reads_format_delta():
    assert uses_delta_extension("io.delta.sql.DeltaSparkSessionExtension")
    assert uses_delta_extension("org.example.Other, io.delta.sql.DeltaSparkSessionExtension")
    assert not uses_delta_extension("") and not uses_delta_extension("org.example.Other")


def test_mapinarrow_schemas_round_trip_every_table():
    from resources.execution.spark_session import arrow_schema, spark_schema

    for spec in TABLES.values():
        schema = pa.schema([f for f in spec.schema])
        back = arrow_schema(spark_schema(schema))
        assert back.names == schema.names, spec.name
        # Rows made for the table's schema fit the schema Spark expects back.
        pa.Table.from_pylist([], schema=schema).cast(back)


def test_a_local_session_listens_on_loopback_only(spark):
    import psutil  # installed with accelerate

    assert spark.range(100).repartition(2).count() == 100  # the block manager and RPC servers are up
    jvm = psutil.Process(spark.sparkContext._gateway.proc.pid)
    listening = [c.laddr.ip for c in jvm.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert len(listening) >= 2
    assert all(ip in ("127.0.0.1", "::ffff:127.0.0.1", "::1") for ip in listening), listening
