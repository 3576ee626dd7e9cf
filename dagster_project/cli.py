"""`factory demo`: run the main job in-process and print what each table holds."""
from __future__ import annotations

import argparse
import os
import sys

import pyarrow.compute as pc

from resources.lake import Lake

_PIPELINE = ["raw_footage", "failure_log", "episodes", "curated_clips", "transferred_variants", "evaluated_samples", "tokenized_shards", "lerobot_exports"]


def table_summary(lake: Lake) -> list[dict]:
    """Per table: Delta version, rows, rejects and pass rate (the share of candidates it accepted)."""
    rejects = lake.read("rejects", ["stage"])
    reject_counts = {r["values"]: r["counts"] for r in pc.value_counts(rejects.column("stage")).to_pylist()} if rejects.num_rows else {}
    out = []
    for name in _PIPELINE:
        rows = lake.row_count(name)
        rejected = reject_counts.get(name, 0)
        if name == "curated_clips":
            accepted = pc.sum(pc.equal(lake.read(name, ["status"]).column("status"), "kept")).as_py() or 0
        elif name == "evaluated_samples":
            accepted = pc.sum(lake.read(name, ["passed"]).column("passed").cast("int64")).as_py() or 0
        else:
            accepted = rows
        total = rows + rejected if name not in ("curated_clips", "evaluated_samples") else rows
        out.append(
            {"table": name, "version": lake.version(name), "rows": rows, "rejects": rejected, "pass_rate": accepted / total if total else 0.0}
        )
    return out


def format_summary(summary: list[dict]) -> str:
    lines = [f"{'table':<22}{'delta version':>14}{'rows':>8}{'rejects':>9}{'pass rate':>11}"]
    for s in summary:
        version = "-" if s["version"] is None else str(s["version"])
        lines.append(f"{s['table']:<22}{version:>14}{s['rows']:>8}{s['rejects']:>9}{s['pass_rate']:>10.1%}")
    return "\n".join(lines)


def landing_days(landing_dir: str) -> list[str]:
    """The daily partitions that have footage in the landing zone (today's when it is empty)."""
    from datetime import datetime, timezone

    from resources.sources.landing import LandingZone

    return LandingZone(landing_dir).days() or [datetime.now(timezone.utc).strftime("%Y-%m-%d")]


def _run(job, day: str, run_config: dict, instance) -> list[str]:
    """Run one partition of a job in process; the steps that failed."""
    result = job.execute_in_process(run_config=run_config, instance=instance, partition_key=day, raise_on_error=False)
    return [f"{e.step_key} ({day})" for e in result.all_events if e.is_step_failure] or ([] if result.success else [f"run ({day})"])


def _retries_due(defs, lake: Lake, day: str) -> list[str]:
    from resources.planning.engine import load_spec
    from resources.planning.stage import retries_due

    scenario, transfer = defs.resources["scenario"], defs.resources["transfer"]
    return retries_due(lake, load_spec(scenario.path, lambda condition: True), transfer.backend, day, scenario.retry_budget)


def run_demo() -> int:
    import dagster as dg

    from dagster_project.definitions import defs
    from dagster_project.jobs import RETRY_RUN_CONFIG

    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    quiet = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    lake = defs.resources["lake"].lake()
    failed = []
    for day in landing_days(defs.resources["landing"].path):
        print(f"materializing partition {day}")
        failed += _run(defs.resolve_job_def("factory_job"), day, quiet, instance)
        # What the retry sensor does in a deployment: rounds until no rejected recipe has retries left.
        for _ in range(defs.resources["scenario"].retry_budget):
            due = _retries_due(defs, lake, day)
            if not due or failed:
                break
            print(f"retry round for {day}: {len(due)} rejected recipe(s)")
            failed += _run(defs.resolve_job_def("retry_job"), day, {**quiet, **RETRY_RUN_CONFIG}, instance)
    print(f"\nlake: {lake.root}")
    print(format_summary(table_summary(lake)))
    if failed:
        print(f"\nrun failed in: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="factory", description="The physical-AI data factory.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="materialize all five tables on this environment's settings and print a summary")
    sub.add_parser("summary", help="print each table's Delta version, rows, rejects and pass rate")
    lineage = sub.add_parser("lineage", help="trace a token, sample, variant or clip id back to its footage (JSON)")
    lineage.add_argument("row_id")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return run_demo()
    from dagster_project.resources import resources_for

    lake = resources_for()["lake"].lake()
    if args.command == "lineage":
        import json

        from resources.lake.row_lineage import trace

        try:
            print(json.dumps(trace(lake, args.row_id), indent=2, default=str))
        except KeyError as err:
            print(err.args[0], file=sys.stderr)
            return 2
        return 0
    print(format_summary(table_summary(lake)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
