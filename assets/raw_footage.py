"""raw_footage: every landed video file once, real or simulated, with its probe."""
import tempfile
from pathlib import Path

import dagster as dg

from assets.partitions import DAILY
from assets.publish import materialization, publish, suite_check_spec
from resources.configurable import LakeResource, LandingZoneResource, SimulatorResource
from resources.ingest import ingest_file
from resources.landing import LandingZone
from resources.rejects import reject_row
from resources.simulator import render_scene, scene_id
from resources.tables import row_key


@dg.asset(
    group_name="factory",
    partitions_def=DAILY,
    check_specs=[suite_check_spec("raw_footage")],
    kinds={"delta", "pyav", "pybullet"},
    description="Every file that landed on the partition's day (its `YYYY-MM-DD/` folder in the landing zone, a local "
    "directory or an S3 prefix, "
    "else its modification date), plus simulated pybullet scenes not rendered before, keyed by the sha256 of "
    "its bytes. Files that are not decodable video go to `rejects` with a reason.",
)
def raw_footage(
    context: dg.AssetExecutionContext, lake: LakeResource, landing: LandingZoneResource, simulator: SimulatorResource
) -> dg.MaterializeResult:
    store = lake.lake
    day = context.partition_key
    known = store.keys("raw_footage")
    rendered_scenes = set(store.read("raw_footage", ["sim_scene_id"]).column("sim_scene_id").drop_null().to_pylist())
    # A file already ingested under the same name and size is not read again: on an S3 zone
    # that would download every file on every refresh just to hash it.
    seen = {(r["source_uri"], r["size_bytes"]) for r in store.read("raw_footage", ["source_uri", "size_bytes"]).to_pylist()}
    rows, rejects = [], []
    zone = LandingZone(landing.path)
    files = zone.files(day)
    growing = zone.still_being_written(files, landing.settle_s)
    for i, landed in enumerate(files, 1):
        if (landed.rel, landed.size) in seen:
            context.log.info(f"landing {i}/{len(files)}: {landed.name} -> already ingested")
            continue
        if landed.rel in growing:
            context.log.info(f"landing {i}/{len(files)}: {landed.name} -> deferred: still being written (its size is changing)")
            continue
        if landed.outside:
            reason = f"a link that points outside the landing zone (to {landed.outside}); only files inside the zone are ingested"
            rejects.append(reject_row("raw_footage", row_key("outside", landed.rel), "outside_landing_zone", reason, landed.rel))
            context.log.warning(f"landing {i}/{len(files)}: {landed.name} -> rejected: {reason}")
            continue
        with zone.local_path(landed) as path:
            row, reject = ingest_file(store, path, landed.rel, known, landing.settings)
        rows += [row] if row else []
        rejects += [reject] if reject else []
        context.log.info(f"landing {i}/{len(files)}: {landed.name} -> {'ingested' if row else 'rejected: ' + reject['reason'] if reject else 'already ingested'}")
    new_scenes = [p for p in simulator.scene_params() if scene_id(p) not in rendered_scenes]
    with tempfile.TemporaryDirectory(prefix="sim-") as work:
        for i, params in enumerate(new_scenes, 1):
            scene = render_scene(params, Path(work))
            row, reject = ingest_file(store, scene.video_path, f"sim://{scene.scene_id}", known, landing.settings, scene)
            rows += [row] if row else []
            rejects += [reject] if reject else []
            context.log.info(f"simulated scene {i}/{len(new_scenes)} ({params['scene_type']}) rendered and ingested")
    pub = publish(store, "raw_footage", [dict(r, ingest_date=day) for r in rows], rejects)
    return materialization(store, pub, with_suite_check=True, partition=day, files_seen=len(files), files_deferred=dg.MetadataValue.json(sorted(growing)), scenes_rendered=len(new_scenes))
