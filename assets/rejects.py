"""rejects: every row a stage refused, with a reason a person can read.

Written by every stage's commit (resources/lake/publish.py), beside the rows it accepted; this
asset puts the table in the catalog and reports it per stage and reason (resources/lake/refusals.py).
"""
import dagster as dg

from dagster_project.configurable import LakeResource
from dagster_project.metadata import to_result
from resources.lake.refusals import rejects_report

# The stage tables that send refused rows here: the asset refreshes after any of them.
STAGES = ["raw_footage", "episodes", "failure_log", "curated_clips", "transfer_plan", "transferred_variants", "evaluated_samples", "tokenized_shards"]


@dg.asset(
    group_name="factory",
    deps=STAGES,
    # Not gated on the upstream checks: refused rows are written even when a check then fails,
    # and they are what a person looks at first when it does.
    automation_condition=dg.AutomationCondition.eager(),
    kinds={"delta"},
    description="Everything refused on the way into a table (corrupt or truncated footage, misaligned episodes, bad "
    "failure-log lines, rows a GX suite failed, recipes a backend cannot render), one row per refusal with the stage, "
    "a reason code and a reason a person can read. The materialization counts them per stage and reason.",
)
def rejects(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    return to_result(rejects_report(lake.lake()), context)
