"""Failure logs -> failure_log rows: what went wrong in the field, read from JSONL, CSV or
Parquet files that land in a ``failure_logs/`` folder of the landing zone, or from a Delta table.

One entry (docs/failure_logs.md has the schema): ``logged_at`` (ISO 8601), ``location``,
``scene_type`` or ``task``, ``conditions`` (a list, or "night+rain" / "night, rain"),
``failure`` (what failed), ``severity`` (low | medium | high | critical), and optionally
``footage_uri`` and ``log_id``. An entry that lacks one of them, or holds a value that cannot be
read, goes to rejects with the line and the reason; the rest of the file goes on.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timezone

import pyarrow.compute as pc
import pyarrow.parquet as pq
from deltalake import DeltaTable

from resources.lake import Lake
from resources.lake.publish import publish
from resources.lake.report import Json, Report, report
from resources.lake.tables import reject_row, row_key
from resources.sources.landing import LandedFile, LandingZone
from resources.stage_spec import Log

STAGE = "failure_log"
FOLDER = "failure_logs"  # a landed file under a folder of this name is a failure log, not footage
FORMATS = (".jsonl", ".csv", ".parquet")
SEVERITIES = ("low", "medium", "high", "critical")
_REQUIRED = ("logged_at", "location", "conditions", "failure", "severity")


def is_failure_log(rel: str) -> bool:
    """A landed file the failure log reads (ingest leaves everything under the folder alone)."""
    return FOLDER in rel.split("/")[:-1]


def mode_id(scene_type: str | None, task: str | None, condition: str, failure: str) -> str:
    return row_key("failure-mode", scene_type or "", task or "", condition, failure)


def _time(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _conditions(value: object) -> list[str]:
    if isinstance(value, str):
        parts = value.replace(",", "+").split("+")
    elif isinstance(value, (list, tuple)):
        parts = [str(v) for v in value]
    else:
        raise ValueError(f"conditions must be a list or a string such as 'night+rain', not {value!r}")
    out = [p.strip().lower() for p in parts if p and p.strip()]
    if not out:
        raise ValueError("conditions is empty: a failure must say under which conditions it happened")
    return out


def entry_row(entry: dict, source: str) -> tuple[dict | None, str | None]:
    """One logged entry -> (failure_log row, None), or (None, why it cannot be read)."""
    missing = [k for k in _REQUIRED if entry.get(k) in (None, "")]
    if missing:
        return None, f"missing {', '.join(missing)}"
    scene, task = (str(entry.get(k) or "").strip() or None for k in ("scene_type", "task"))
    if not scene and not task:
        return None, "no scene_type and no task: a failure must say in which scene type or robot task it happened"
    try:
        logged_at = _time(entry["logged_at"])
    except (TypeError, ValueError):
        return None, f"logged_at {entry['logged_at']!r} is not an ISO 8601 time"
    severity = str(entry["severity"]).strip().lower()
    if severity not in SEVERITIES:
        return None, f"severity {entry['severity']!r} is not one of {', '.join(SEVERITIES)}"
    try:
        conditions = _conditions(entry["conditions"])
    except ValueError as err:
        return None, str(err)
    condition, failure = "+".join(conditions), str(entry["failure"]).strip()
    content = json.dumps({k: entry.get(k) for k in (*_REQUIRED, "scene_type", "task", "footage_uri")}, sort_keys=True, default=str)
    fid = row_key("failure", entry["log_id"]) if entry.get("log_id") not in (None, "") else row_key("failure", source, content)
    return {
        "failure_id": fid, "logged_at": logged_at, "location": str(entry["location"]), "scene_type": scene, "task": task,
        "conditions": conditions, "condition": condition, "failure": failure, "severity": severity,
        "footage_uri": str(entry["footage_uri"]) if entry.get("footage_uri") not in (None, "") else None,
        "mode_id": mode_id(scene, task, condition, failure), "source_uri": source,
    }, None


def _records(name: str, data: bytes) -> list[tuple[str, dict | None, str | None]]:
    """(where, entry, why it cannot be read) for each entry of a log file."""
    if name.endswith(".parquet"):
        return [(f"row {i}", e, None) for i, e in enumerate(pq.read_table(io.BytesIO(data)).to_pylist(), 1)]
    text = data.decode("utf-8")
    if name.endswith(".csv"):
        return [(f"line {i}", dict(e), None) for i, e in enumerate(csv.DictReader(io.StringIO(text)), 2)]
    out: list[tuple[str, dict | None, str | None]] = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as err:
            out.append((f"line {i}", None, f"not JSON ({err.msg})"))
            continue
        out.append((f"line {i}", entry, None) if isinstance(entry, dict) else (f"line {i}", None, "not a JSON object"))
    return out


def read_log_file(zone: LandingZone, landed: LandedFile) -> tuple[list[dict], list[dict]]:
    """A landed failure-log file -> (rows, rejects): a bad entry is refused alone, an unreadable
    file as a whole."""
    try:
        with zone.local_path(landed) as path:
            records = _records(landed.name, path.read_bytes())
    except (OSError, UnicodeDecodeError, ValueError) as err:
        reason = f"the failure log cannot be read as {landed.name.rsplit('.', 1)[-1]} ({err})"
        return [], [reject_row(STAGE, row_key("log-file", landed.rel), "failure_log_unreadable", reason, landed.rel)]
    return _entries(records, landed.rel)


def _entries(records: list[tuple[str, dict | None, str | None]], source: str) -> tuple[list[dict], list[dict]]:
    rows, rejects = [], []
    for where, entry, problem in records:
        row = None
        if entry is not None:
            row, problem = entry_row(entry, f"{source}#{where.replace(' ', '=')}")
        if row is not None:
            rows.append(row)
        else:
            rejects.append(reject_row(STAGE, row_key("log-entry", source, where), "failure_entry_invalid", f"{where}: {problem}", source,
                                      {"entry": entry}))
    return rows, rejects


def read_log_table(uri: str, day: str, storage_options: dict | None = None) -> tuple[list[dict], list[dict]]:
    """The entries of a Delta failure-log table logged on ``day`` (UTC)."""
    table = DeltaTable(uri, storage_options=storage_options).to_pyarrow_table()
    if "logged_at" not in table.column_names:
        return [], [reject_row(STAGE, row_key("log-table", uri), "failure_log_unreadable", "the failure-log table has no logged_at column", uri)]
    when = pc.cast(table.column("logged_at"), "string") if not str(table.schema.field("logged_at").type).startswith("timestamp") \
        else pc.strftime(table.column("logged_at"), "%Y-%m-%d")
    table = table.filter(pc.starts_with(when, day))
    return _entries([(f"row {i}", e, None) for i, e in enumerate(table.to_pylist(), 1)], uri)


def failure_log_day(lake: Lake, zone: LandingZone, day: str, log: Log, table_uri: str = "") -> Report:
    """Every failure log that landed on ``day`` (and a Delta table's entries logged that day)."""
    files = [f for f in zone.files(day) if is_failure_log(f.rel)]
    rows, rejects = [], []
    for f in files:
        if not f.name.lower().endswith(FORMATS):
            reason = f"{f.name} is in {FOLDER}/ but is not {', '.join(FORMATS)}: failure logs are JSONL, CSV or Parquet"
            rejects.append(reject_row(STAGE, row_key("log-file", f.rel), "failure_log_unknown_format", reason, f.rel))
            continue
        got, refused = read_log_file(zone, f)
        rows, rejects = rows + got, rejects + refused
        log.info(f"failure log {f.rel}: {len(got)} entries, {len(refused)} refused")
    if table_uri:
        got, refused = read_log_table(table_uri, day, lake.storage_options)
        rows, rejects = rows + got, rejects + refused
        log.info(f"failure-log table {table_uri}: {len(got)} entries logged on {day}, {len(refused)} refused")
    pub = publish(lake, STAGE, [dict(r, ingest_date=day) for r in rows], rejects)
    return report(lake, STAGE, pub, with_suite_check=True, partition=day, log_files=len(files),
                  modes_logged=Json(sorted({f"{r['failure']} / {r['scene_type'] or r['task']} / {r['condition']}" for r in rows})))
