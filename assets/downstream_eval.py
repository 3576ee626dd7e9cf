"""downstream_eval: whether the factory's accepted variants help a model, measured.

Made by the downstream stage (resources/downstream/): a tiny U-Net trained on three arms at
equal compute from the lake at pinned versions, scored on scenes the renderer shifted itself.
"""
import dagster as dg

from dagster_project.configurable import DownstreamResource, LakeResource
from dagster_project.metadata import to_result
from dagster_project.stage_assets import refused_batches_fail_the_step


@dg.asset(
    group_name="downstream",
    deps=["evaluated_samples", "transferred_variants", "curated_clips"],
    kinds={"delta", "pytorch"},
    description="Object segmentation (a tiny U-Net, CPU) trained at equal compute on A: curated simulated originals, "
    "B: A + the variants the evaluator accepted, C: A + every variant unfiltered (rejected and deliberately broken "
    "ones too), and scored (mIoU, mean and std over seeds) on new scenes the renderer lit dim, coloured and with a low "
    "sun. The row records the Delta versions it trained on. Minutes of CPU: materialized on demand, not nightly.",
)
def downstream_eval(context: dg.AssetExecutionContext, lake: LakeResource, downstream: DownstreamResource) -> dg.MaterializeResult:
    from resources.downstream.stage import downstream_eval as compute  # torch loads when this runs, not with the definitions

    with refused_batches_fail_the_step():
        try:
            return to_result(compute(lake.lake(), downstream.settings(), context.log), context)
        except ValueError as err:
            raise dg.Failure(description=str(err)) from err
