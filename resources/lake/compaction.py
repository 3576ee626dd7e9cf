"""Compaction that is safe beside any other writer, including another compactor.

A day's partition gets one small file per commit (a MERGE per footage, per clip), and every
MERGE, key lookup, cross-table check and ``trace`` opens every file of the day: a day of N
commits cost O(N²) file opens. So the lake compacts a partition on the commit path once it
holds more than ``MAX_FILES_PER_PARTITION`` files.

Why not delta-rs's ``optimize.compact``: in deltalake 1.6.6 two OPTIMIZEs of the same files both
commit, even with ``max_commit_retries=0``: two compactors that read the same version left
every row twice (measured 2026-12-06, docs/operations.md). Instead a compaction here is an
overwrite of the partition with the rows of the very snapshot it read (``replaceWhere``),
committed with no retry: Delta's commit is put-if-absent, so it lands only if no other commit
of any kind reached the table since that snapshot, and otherwise gives up (the next commit
tries again). Nothing it writes can duplicate or drop a row. Rows are streamed, never a whole
partition in memory, and written in key order within each batch so file statistics narrow.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError

log = logging.getLogger(__name__)

# The previous session's measurement (docs/operations.md): compacting past 16 files kept a
# commit at ~0.08 s over 300 commits into one day, against 0.08 -> 0.39 s over 80 without.
MAX_FILES_PER_PARTITION = 16
# The commit records what it was, so `DESCRIBE HISTORY` tells a compaction from a real overwrite.
OPERATION = {"factory.operation": "compaction"}


@dataclass(frozen=True)
class Compaction:
    partition: str | None
    files_before: int
    committed: bool  # False: another commit reached the table first, nothing was written to the log
    version: int | None = None
    files_after: int | None = None


def partition_files(dt: DeltaTable, column: str | None, value: str | None) -> int:
    """How many data files one partition (or an unpartitioned table) has in ``dt``'s snapshot."""
    filters = None if column is None else [(column, "=", value)]
    return len(dt.file_uris(file_pruning_predicate=filters))


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def compact_partition(dataset: ds.Dataset, dt: DeltaTable, column: str | None, value: str | None, key: str) -> Compaction:
    """Rewrite one partition of ``dt`` (the whole table when ``column`` is None) as few files,
    from ``dataset`` (that partition's files in the same snapshot), committed only on top of
    that snapshot."""
    files_before = partition_files(dt, column, value)
    schema = dataset.schema

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in dataset.to_batches(batch_size=8192):
            if batch.num_rows:
                # Key order within a batch narrows each row group's key statistics.
                yield batch.take(pc.sort_indices(batch.column(key)))

    reader = pa.RecordBatchReader.from_batches(schema, batches())
    try:
        write_deltalake(
            dt, reader, mode="overwrite",
            predicate=None if column is None else f"{column} = {_sql_literal(value)}",
            partition_by=[column] if column else None,
            # No rebase onto a newer version: delta-rs's conflict check is what failed for OPTIMIZE.
            commit_properties=CommitProperties(max_commit_retries=0, custom_metadata=OPERATION),
        )
    except CommitFailedError:
        log.info("compaction of %s skipped: another commit came first", value or "the table")
        return Compaction(value, files_before, committed=False)
    # write_deltalake moved ``dt`` to the version it committed.
    return Compaction(value, files_before, committed=True, version=dt.version(), files_after=partition_files(dt, column, value))
