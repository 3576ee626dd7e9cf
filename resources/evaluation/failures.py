"""Why samples failed, as counts a person can read: per condition and backend, how many samples
passed out of how many; per failing check, how often it failed, a typical score against its
threshold, and sample ids to look up (``factory lineage <sample_id>``).

One ``Tally`` is fed sample rows one at a time, so the summary over every sample streams its
batches; the evaluated_samples materialization tallies only its partition."""
from __future__ import annotations

import collections
import statistics
from collections.abc import Iterable

from resources.lake.report import Records

EXAMPLES = 3  # sample ids shown per failing check
SCORES_KEPT = 512  # scores per check the typical (median) score is taken over: bounded memory

OUTCOME_COLUMNS = [("condition", "string"), ("backend", "string"), ("passed", "string"), ("pass_rate", "float"),
                   ("top_failure", "string")]
FAILING_COLUMNS = [("check", "string"), ("category", "string"), ("failed", "string"), ("typical_score", "float"),
                   ("threshold", "string"), ("example_samples", "string")]


class Tally:
    """Counts over sample rows (``condition``, ``backend``, ``passed``, ``checks``, ``sample_id``)."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str], list] = collections.defaultdict(lambda: [0, 0, collections.Counter()])
        self.samples = 0
        self.checks: dict[str, dict] = {}

    def add(self, sample: dict) -> None:
        self.samples += 1
        group = self.groups[(sample["condition"], sample["backend"] or "")]
        group[0] += 1
        group[1] += int(sample["passed"])
        for c in sample["checks"]:
            if not c["required"] or c["passed"]:
                continue
            group[2][c["name"]] += 1
            entry = self.checks.setdefault(c["name"], {"category": c["category"], "failed": 0, "scores": [], "examples": [],
                                                       "threshold": f"{c['comparison']} {c['threshold']:g}", "by": collections.Counter()})
            entry["failed"] += 1
            entry["by"][sample["condition"]] += 1
            # An unmeasured check has a NaN score: it counts as failed, but gives no typical score.
            if c.get("measured", True) and len(entry["scores"]) < SCORES_KEPT:
                entry["scores"].append(c["score"])
            if len(entry["examples"]) < EXAMPLES:
                entry["examples"].append(sample["sample_id"])

    def add_all(self, samples: Iterable[dict]) -> Tally:
        for s in samples:
            self.add(s)
        return self

    def outcome_rows(self) -> list[dict]:
        """Per (condition, backend): samples, passed ("k/n"), the rate and the check failing most."""
        return [
            {"condition": cond, "backend": backend, "samples": n, "samples_passed": ok, "passed": f"{ok}/{n}", "pass_rate": round(ok / n, 3),
             "top_failure": fails.most_common(1)[0][0] if fails else ""}
            for (cond, backend), (n, ok, fails) in sorted(self.groups.items())
        ]

    def failing_rows(self) -> list[dict]:
        """Per check that failed: how many samples it failed ("k/n" of all samples), where, the
        median score against the threshold, and example sample ids; most frequent first."""
        rows = []
        for name, e in sorted(self.checks.items(), key=lambda kv: (-kv[1]["failed"], kv[0])):
            where = ", ".join(f"{cond} {k}" for cond, k in e["by"].most_common())
            rows.append({
                "check": name, "category": e["category"], "failed": f"{e['failed']}/{self.samples} ({where})",
                "failed_samples": e["failed"], "typical_score": round(statistics.median(e["scores"]), 4) if e["scores"] else None,
                "threshold": e["threshold"], "example_samples": ", ".join(e["examples"]),
            })
        return rows

    def outcomes(self) -> Records:
        return Records(OUTCOME_COLUMNS, self.outcome_rows())

    def failing_checks(self) -> Records:
        return Records(FAILING_COLUMNS, self.failing_rows())


def clip_line(i: int, total: int, rows: list[dict]) -> str:
    """The log line of one evaluated clip, naming what failed and why."""
    passed = sum(r["passed"] for r in rows)
    line = f"evaluated clip {i}/{total}: {len(rows)} samples, {passed} passed"
    failed = [f"{r['condition']} ({r['backend']}): {'; '.join(r['fail_reasons'])}" for r in rows if not r["passed"]]
    return line + (f"; failed: {' | '.join(failed)}" if failed else "")
