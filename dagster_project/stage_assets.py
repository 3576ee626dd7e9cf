"""The stage-asset factory: one Dagster asset per stage (resources/<stage>/stage.py: STAGE),
run in process or as the stage's Spark job, as the ``executor`` resource says.

Every heavy stage is the same asset: a daily partition of its table, gated by its GX suite
(the ``gx_suite`` check), refreshed when its upstreams pass their blocking checks, with the
engines it names as resources. In process, the stage's ``run`` commits and returns a plain
Report; on Spark, the job does the same and sends its Report back through Pipes.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from dagster_project.metadata import suite_check_spec, to_result
from dagster_project.partitions import DAILY, REFRESH_WHEN_UPSTREAM_PASSES
from dagster_project.spark_launch import job_extras, launch
from resources.engines import Engines
from resources.lake.publish import BatchRefused
from resources.stage_spec import StageSpec


@contextmanager
def refused_batches_fail_the_step() -> Iterator[None]:
    """A batch its GX suite refused as a whole fails the step with the suite's report."""
    try:
        yield
    except BatchRefused as err:
        raise dg.Failure(description=err.description, metadata=err.metadata) from err


def stage_asset(
    stage: StageSpec, *, deps: list[str], description: str, kinds: set[str], pool: str | None = None, freshness_policy: dg.FreshnessPolicy | None = None,
) -> dg.AssetsDefinition:
    """The asset of ``stage``'s table, reading ``deps``."""

    @dg.asset(
        name=stage.table,
        group_name="factory",
        deps=deps,
        partitions_def=DAILY,
        check_specs=[suite_check_spec(stage.table)],
        automation_condition=REFRESH_WHEN_UPSTREAM_PASSES,
        pool=pool,
        kinds=kinds,
        freshness_policy=freshness_policy,
        required_resource_keys={"lake", "executor", *stage.engines},
        description=description,
    )
    def _asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        lake = context.resources.lake.lake()
        settings = {name: getattr(context.resources, name).model_dump() for name in stage.engines}
        if (execution := context.resources.executor.settings()).on_spark:
            versions = {t: lake.version(t) for t in stage.inputs}
            return launch(context, execution, stage.job, job_extras(lake.root, settings, stage.inputs, versions))
        with refused_batches_fail_the_step():
            return to_result(stage.run(lake, Engines(settings), context.partition_key, context.log), context)

    return _asset
