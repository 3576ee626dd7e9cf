"""The landing zone and the simulator -> raw_footage rows: every file that landed on a day
(once), plus the simulated scenes not rendered before, committed in one commit."""
from __future__ import annotations

import tempfile
from pathlib import Path

from resources.lake import Lake
from resources.lake.publish import publish
from resources.lake.report import Json, Report, report
from resources.lake.tables import reject_row, row_key
from resources.sources.ingest import IngestSettings, ingest_file
from resources.sources.landing import LandingZone
from resources.sources.simulator import render_scene, scene_id
from resources.stage_spec import Log


def ingest_day(lake: Lake, zone: LandingZone, settings: IngestSettings, settle_s: float, scenes: list[dict], day: str, log: Log) -> Report:
    known = lake.keys("raw_footage")
    rendered_scenes = set(lake.read("raw_footage", ["sim_scene_id"]).column("sim_scene_id").drop_null().to_pylist())
    # A file already ingested under the same name and size is not read again: on an S3 zone
    # that would download every file on every refresh just to hash it.
    seen = {(r["source_uri"], r["size_bytes"]) for r in lake.read("raw_footage", ["source_uri", "size_bytes"]).to_pylist()}
    rows, rejects = [], []
    files = zone.files(day)
    growing = zone.still_being_written(files, settle_s)
    for i, landed in enumerate(files, 1):
        if (landed.rel, landed.size) in seen:
            log.info(f"landing {i}/{len(files)}: {landed.name} -> already ingested")
            continue
        if landed.rel in growing:
            log.info(f"landing {i}/{len(files)}: {landed.name} -> deferred: still being written (its size is changing)")
            continue
        if landed.outside:
            reason = f"a link that points outside the landing zone (to {landed.outside}); only files inside the zone are ingested"
            rejects.append(reject_row("raw_footage", row_key("outside", landed.rel), "outside_landing_zone", reason, landed.rel))
            log.warning(f"landing {i}/{len(files)}: {landed.name} -> rejected: {reason}")
            continue
        with zone.local_path(landed) as path:
            row, reject = ingest_file(lake, path, landed.rel, known, settings)
        rows += [row] if row else []
        rejects += [reject] if reject else []
        log.info(f"landing {i}/{len(files)}: {landed.name} -> {'ingested' if row else 'rejected: ' + reject['reason'] if reject else 'already ingested'}")
    new_scenes = [p for p in scenes if scene_id(p) not in rendered_scenes]
    with tempfile.TemporaryDirectory(prefix="sim-") as work:
        for i, params in enumerate(new_scenes, 1):
            scene = render_scene(params, Path(work))
            row, reject = ingest_file(lake, scene.video_path, f"sim://{scene.scene_id}", known, settings, scene)
            rows += [row] if row else []
            rejects += [reject] if reject else []
            log.info(f"simulated scene {i}/{len(new_scenes)} ({params['scene_type']}) rendered and ingested")
    pub = publish(lake, "raw_footage", [dict(r, ingest_date=day) for r in rows], rejects)
    return report(
        lake, "raw_footage", pub, with_suite_check=True, partition=day,
        files_seen=len(files), files_deferred=Json(sorted(growing)), scenes_rendered=len(new_scenes),
    )
