"""The lake: Delta tables (delta-rs) under ``<root>/tables`` and blobs under ``<root>/blobs``.

Writes are MERGEs on each table's deterministic key, so a rerun or a retry after a crash
adds nothing twice; concurrent writers that collide on a commit are retried with backoff.
"""
from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError, TableNotFoundError

from resources.lake.blobs import BlobStore
from resources.lake.compaction import MAX_FILES_PER_PARTITION, Compaction, compact_partition, partition_files
from resources.lake.storage_errors import is_unreachable, storage_errors, unavailable
from resources.lake.tables import TABLES, TableSpec

log = logging.getLogger(__name__)

MAX_COMMIT_ATTEMPTS = 8
# A checkpoint every this many commits bounds the JSON log a reader replays on open (delta-rs
# defaults to 100; a day of the demo makes tens of commits per table).
CHECKPOINT_INTERVAL = 20


@dataclass(frozen=True)
class CommitInfo:
    table: str
    version: int | None  # None when there was nothing new to commit
    rows_inserted: int
    rows_updated: int


def _is_conflict(exc: Exception) -> bool:
    # delta-rs reports a lost race either as CommitFailedError or, when two writers both try
    # to create the table, as a generic error naming the existing version.
    text = str(exc).lower()
    return isinstance(exc, CommitFailedError) or "version already exists" in text or "already exists" in text


def _days(spec: TableSpec, rows: pa.Table) -> list[str] | None:
    """The partition days of ``rows``; None when the table is not partitioned or a row has no day."""
    if not spec.partition_by:
        return None
    days = pc.unique(rows.column(spec.partition_by)).to_pylist()
    return None if any(d is None for d in days) else sorted(days)


class Lake:
    def __init__(self, root: str, storage_options: dict[str, str] | None = None):
        self.root = root.rstrip("/") if "://" in root else os.path.abspath(root)
        self.storage_options = storage_options
        self.blobs = BlobStore(self.root)

    # -- reading ---------------------------------------------------------------------------
    def table_uri(self, name: str) -> str:
        return f"{self.root}/tables/{name}"

    @storage_errors("opening table {0}")
    def delta_table(self, name: str, version: int | None = None) -> DeltaTable | None:
        try:
            return DeltaTable(self.table_uri(name), version=version, storage_options=self.storage_options)
        except TableNotFoundError:
            return None

    def version(self, name: str) -> int | None:
        dt = self.delta_table(name)
        return None if dt is None else dt.version()

    def dataset(self, dt: DeltaTable, name: str, partition: str | None = None, where: list[tuple] | None = None) -> ds.Dataset:
        """The snapshot's files as a pyarrow dataset: of one partition only, and only the files
        whose Delta statistics (each column's min and max, in the log) do not rule out
        ``where`` ([(column, op, value)], all must hold), chosen from the log without opening a
        file. Partition values are exact, so a partition's dataset needs no row filter."""
        pruning = ([(TABLES[name].partition_by, "=", partition)] if partition is not None else []) + list(where or [])
        if partition is not None and TABLES[name].partition_by is None:
            raise ValueError(f"{name} is not partitioned")
        # Read the snapshot's files through pyarrow's own filesystem (local or S3): the
        # filesystem wrapper delta-rs supplies by default aborts the interpreter at exit
        # (seen with deltalake 1.6.6 and pyarrow 26).
        fs = pafs.SubTreeFileSystem(f"{self.blobs.fs_base}/tables/{name}", self.blobs.fs)
        return dt.to_pyarrow_dataset(filesystem=fs, file_pruning_predicate=pruning or None)

    @storage_errors("reading table {0}")
    def read(self, name: str, columns: list[str] | None = None, version: int | None = None, partition: str | None = None) -> pa.Table:
        """A table (or some of its columns, or one partition) as Arrow; empty when it does not exist yet."""
        dt = self.delta_table(name, version)
        spec = TABLES[name]
        if dt is None:
            schema = spec.schema if columns is None else pa.schema([spec.schema.field(c) for c in columns])
            return schema.empty_table()
        dataset = self.dataset(dt, name, partition)
        # A column added to the table's spec since its files were written reads as nulls, so a
        # lake made by an older version keeps working until its next MERGE adds the column.
        have = set(dataset.schema.names)
        wanted = columns or spec.schema.names
        table = dataset.to_table(columns=[c for c in wanted if c in have] if columns else None)
        for c in (c for c in wanted if c not in have and c in spec.schema.names):
            table = table.append_column(spec.schema.field(c), pa.nulls(table.num_rows, spec.schema.field(c).type))
        return table.select(columns) if columns else table

    def iter_batches(
        self, name: str, columns: list[str] | None = None, filter: pc.Expression | None = None, batch_size: int = 64,
        version: int | None = None, partition: str | None = None, prune: list[tuple] | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """Stream a table (or one partition of it) in bounded batches: never the whole table in memory.

        ``prune`` ([(column, op, value)]) skips every file whose Delta statistics rule it out,
        without opening it; the batches of the files left are not filtered by it. (A pushed-down
        ``filter`` on a string column fails on files delta-rs wrote with string_view.)"""
        dt = self.delta_table(name, version)
        if dt is None:
            return
        dataset = self.dataset(dt, name, partition, prune)
        try:
            yield from dataset.to_batches(columns=columns, filter=filter, batch_size=batch_size)
        except OSError as exc:
            if is_unreachable(exc):
                raise unavailable(self.root, f"reading table {name}", exc) from None
            raise

    @storage_errors("reading the keys of {0}")
    def keys(self, name: str, column: str | None = None, partition: str | None = None) -> set[str]:
        column = column or TABLES[name].key
        return set(self.read(name, [column], partition=partition).column(column).to_pylist())

    @storage_errors("counting the rows of {0}")
    def row_count(self, name: str, partition: str | None = None) -> int:
        dt = self.delta_table(name)
        return 0 if dt is None else self.dataset(dt, name, partition).count_rows()

    @storage_errors("looking up a row of {0}")
    def lookup(self, name: str, column: str, value: str, columns: list[str] | None = None, partition: str | None = None) -> dict | None:
        """The first row whose string ``column`` is ``value`` (of one partition, when given), or
        None. Files whose statistics rule the value out are never opened; of the others only
        ``column`` is read until the row is found, then that one row's ``columns``."""
        dt = self.delta_table(name)
        if dt is None:
            return None
        dataset = self.dataset(dt, name, partition, [(column, "=", value)])
        for fragment in dataset.get_fragments():
            # Compared as plain strings: delta-rs may have written the column as string_view.
            at = pc.index(fragment.to_table(columns=[column]).column(column).cast(pa.string()), value).as_py()
            if at >= 0:
                scanner = ds.Scanner.from_fragment(fragment, schema=dataset.schema, columns=columns)
                return scanner.take([at]).to_pylist()[0]
        return None

    @storage_errors("listing the partitions of {0}")
    def partitions(self, name: str) -> list[str]:
        """The partition values a table holds now, from the snapshot's add actions (no data read)."""
        dt = self.delta_table(name)
        column = TABLES[name].partition_by
        if dt is None or column is None:
            return []
        return sorted({p[column] for p in dt.partitions()})

    # -- writing ---------------------------------------------------------------------------
    @storage_errors("committing to {0}")
    def merge(self, name: str, rows: pa.Table, update_existing: bool = False) -> CommitInfo:
        """Insert rows whose key is new (and optionally update matched ones) in one commit.

        Rows already present are filtered out first, so a rerun with nothing new makes no
        commit at all. New rows are then appended on top of the very snapshot their keys were
        checked in, committed with no rebase: it lands only if no other commit came in between,
        so no concurrent writer can have inserted the same keys. Otherwise (and for updates)
        a MERGE on the key guards against that writer. The append reads nothing; a MERGE
        reads every column of the batch's days, token payloads included (a 64-row shard into
        the 16x bench's day: 3.15 s and 1.2 GB, against 0.41 s and 0.16 GB appended).
        """
        spec = TABLES[name]
        rows = rows.select(spec.schema.names).cast(spec.schema)
        # One snapshot serves the key lookup and the MERGE: opening a table replays its log,
        # and a commit used to open it twice.
        dt = self.delta_table(name)
        if not update_existing and rows.num_rows and dt is not None:
            existing = self._existing_keys(spec, rows, dt)
            if existing:
                mask = pc.invert(pc.is_in(rows.column(spec.key), value_set=pa.array(list(existing), pa.string())))
                rows = rows.filter(mask)
        if rows.num_rows == 0:
            return CommitInfo(name, None, 0, 0)
        info = None
        if not update_existing and dt is not None:
            info = self._append_if_unchanged(spec, rows, dt)
            if info is None:
                dt = self.delta_table(name)  # another commit came first: MERGE onto the newest snapshot
        if info is None:
            info, dt = self._merge_with_retry(spec, rows, update_existing, dt)
        # dt is now at the version this commit made (None: this commit created the table). Only a
        # day's partition is compacted here: its rewrite costs a day's rows, where an
        # unpartitioned table's would cost the whole table on every commit; maintenance_job
        # compacts those.
        if dt is not None and spec.partition_by:
            self.compact_if_fragmented(name, _days(spec, rows), dt=dt)
        return info

    @storage_errors("compacting {0}")
    def compact_if_fragmented(
        self, name: str, partitions: list[str | None] | None, limit: int = MAX_FILES_PER_PARTITION, dt: DeltaTable | None = None,
    ) -> list[Compaction]:
        """Compact each of ``partitions`` (None: the unpartitioned table) that holds more than
        ``limit`` files, so a day's cost stays flat however many commits it took
        (resources/lake/compaction.py says why this is safe beside other writers)."""
        spec = TABLES[name]
        done = []
        for i, partition in enumerate(partitions or []):
            if dt is None or i:  # after a compaction, the snapshot it made
                dt = self.delta_table(name)
            if dt is None or partition_files(dt, spec.partition_by, partition) <= limit:
                continue
            done.append(compact_partition(self.dataset(dt, name, partition), dt, spec.partition_by, partition, spec.key))
        return done

    def _existing_keys(self, spec: TableSpec, rows: pa.Table, dt: DeltaTable) -> set[str]:
        """The keys already in the table among the partitions ``rows`` fall in: a key lives in
        one partition, so the other days' files are never read and a commit's cost does not
        grow with the lake."""
        days = _days(spec, rows)
        pruning = None if days is None else [(spec.partition_by, "in", days)]
        keys = self.dataset(dt, spec.name, where=pruning).to_table(columns=[spec.key]).column(spec.key)
        return set(keys.to_pylist())

    def _append_if_unchanged(self, spec: TableSpec, rows: pa.Table, dt: DeltaTable) -> CommitInfo | None:
        """Append ``rows`` as the next version after ``dt``'s, or None when another commit took it."""
        try:
            write_deltalake(
                dt, rows, mode="append", schema_mode="merge", partition_by=[spec.partition_by] if spec.partition_by else None,
                commit_properties=CommitProperties(max_commit_retries=0),
            )
        except Exception as exc:  # noqa: BLE001 - only a lost race falls back to the MERGE
            if not _is_conflict(exc):
                raise
            return None
        return CommitInfo(spec.name, dt.version(), rows.num_rows, 0)

    def _merge_with_retry(self, spec: TableSpec, rows: pa.Table, update_existing: bool, dt: DeltaTable | None) -> tuple[CommitInfo, DeltaTable | None]:
        """The commit, and the table object at the version it made (None if it created the table)."""
        for attempt in range(1, MAX_COMMIT_ATTEMPTS + 1):
            try:
                return self._merge_once(spec, rows, update_existing, dt), dt
            except Exception as exc:  # noqa: BLE001 - only commit conflicts are retried
                if not _is_conflict(exc) or attempt == MAX_COMMIT_ATTEMPTS:
                    raise
                delay = min(2.0, 0.05 * 2**attempt) * (0.5 + random.random())
                log.warning("commit conflict on %s (attempt %d), retrying in %.2fs", spec.name, attempt, delay)
                time.sleep(delay)
                dt = self.delta_table(spec.name)  # the winner's commit, or the table it created
        raise AssertionError("unreachable")

    def _merge_once(self, spec: TableSpec, rows: pa.Table, update_existing: bool, dt: DeltaTable | None) -> CommitInfo:
        if dt is None:
            write_deltalake(
                self.table_uri(spec.name), rows, mode="error", storage_options=self.storage_options,
                name=spec.name, description=spec.description,
                partition_by=[spec.partition_by] if spec.partition_by else None,
                # Releases pin old versions for time travel: their log entries must outlive
                # the default 30-day log retention (log files are small).
                configuration={
                    "delta.enableExpiredLogCleanup": "false", "delta.checkpointInterval": str(CHECKPOINT_INTERVAL),
                    "delta.dataSkippingStatsColumns": ",".join(spec.stats_columns),
                },
                # Two writers creating the table at once: delta-rs would commit the loser's rows
                # as version 1, an append that duplicates every key. Without retries the loser
                # fails instead, and our retry MERGEs into the winner's table.
                commit_properties=CommitProperties(max_commit_retries=0),
            )
            created = self.delta_table(spec.name)
            return CommitInfo(spec.name, created.version(), rows.num_rows, 0)
        predicate = f"t.{spec.key} = s.{spec.key}"
        days = _days(spec, rows)
        if days:
            # A key lives in one partition, so the MERGE need only scan the batch's days' files.
            predicate += f" AND t.{spec.partition_by} IN ({', '.join(repr(str(d)) for d in days)})"
        merger = dt.merge(
            source=rows,
            predicate=predicate,
            # A column added to the schema since the table was created is added to the table.
            merge_schema=True,
            source_alias="s",
            target_alias="t",
        )
        if update_existing:
            merger = merger.when_matched_update_all()
        metrics = merger.when_not_matched_insert_all().execute()
        inserted = int(metrics.get("num_target_rows_inserted", 0))
        updated = int(metrics.get("num_target_rows_updated", 0))
        return CommitInfo(spec.name, dt.version(), inserted, updated)
