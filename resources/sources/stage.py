"""The landing zone and the simulator -> raw_footage rows: every file that landed on a day
(once), every LeRobot v3 dataset that landed (one row per episode and camera), plus the
simulated scenes and robot episodes not rendered before, committed in one commit."""
from __future__ import annotations

import tempfile
from pathlib import Path

from resources.episodes.lerobot_v3 import iter_datasets
from resources.lake import Lake
from resources.lake.publish import publish
from resources.lake.report import Json, Report, report
from resources.lake.tables import reject_row, row_key
from resources.sources.episodes import lerobot_rows, simulated_episode_rows
from resources.sources.failure_log import is_failure_log
from resources.sources.ingest import IngestSettings, ingest_file
from resources.sources.landing import LandingZone
from resources.sources.robot import episode_id, render_episode
from resources.sources.simulator import render_scene, scene_id
from resources.stage_spec import Log


def ingest_day(lake: Lake, zone: LandingZone, settings: IngestSettings, settle_s: float, scenes: list[dict], day: str, log: Log,
               episodes: list[dict] | None = None) -> Report:
    known = lake.keys("raw_footage")
    rendered_scenes = set(lake.read("raw_footage", ["sim_scene_id"]).column("sim_scene_id").drop_null().to_pylist())
    known_episodes = set(lake.read("raw_footage", ["episode_id"]).column("episode_id").drop_null().to_pylist())
    # A file already ingested under the same name and size is not read again: on an S3 zone
    # that would download every file on every refresh just to hash it.
    seen = {(r["source_uri"], r["size_bytes"]) for r in lake.read("raw_footage", ["source_uri", "size_bytes"]).to_pylist()}
    rows, rejects = [], []
    # Failure logs land beside the footage; the failure_log asset reads them (sources/failure_log.py).
    files = [f for f in zone.files(day) if not is_failure_log(f.rel)]
    growing = zone.still_being_written(files, settle_s)
    # A LeRobot dataset is one unit: its files are read together, not as footage one by one.
    roots = list(iter_datasets([f.rel for f in files]))
    in_root = {r: [f for f in files if not r or f.rel.startswith(r + "/")] for r in roots}
    inside = {f.rel for members in in_root.values() for f in members}
    for root, members in in_root.items():
        if any(f.rel in growing for f in members):
            log.info(f"LeRobot dataset {root or '.'} -> deferred: still being written")
            continue
        got, refused = lerobot_rows(lake, zone, root, members, known, known_episodes, settings, log)
        rows, rejects = rows + got, rejects + refused
    files = [f for f in files if f.rel not in inside]
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
    new_episodes = [p for p in episodes or [] if episode_id(p) not in known_episodes]
    with tempfile.TemporaryDirectory(prefix="robot-") as work:
        for i, params in enumerate(new_episodes, 1):
            ep = render_episode(params, Path(work))
            got, refused = simulated_episode_rows(lake, ep, known, settings)
            rows, rejects = rows + got, rejects + refused
            log.info(f"robot episode {i}/{len(new_episodes)} ({params['task_family']}, {ep.outcome}) rendered: {len(got)} cameras ingested")
    pub = publish(lake, "raw_footage", [dict(r, ingest_date=day) for r in rows], rejects)
    return report(
        lake, "raw_footage", pub, with_suite_check=True, partition=day,
        files_seen=len(files), files_deferred=Json(sorted(growing)), scenes_rendered=len(new_scenes), episodes_rendered=len(new_episodes),
    )
