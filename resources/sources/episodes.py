"""Robot episodes -> raw_footage rows: one row per camera, each naming its episode and camera and
pointing to the episode's per-frame record (state, action, timestamps, boxes), stored once.

Two sources: the robot simulator (resources/sources/robot.py) and LeRobot v3 datasets dropped
into the landing zone. A LeRobot dataset's camera files hold many episodes one after another;
each episode's span is cut out (one decode pass per file) and re-encoded as its own H.264
footage, so that downstream every camera stream of an episode is a footage row like any other.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from resources.episodes.frames import EpisodeFrames, to_parquet
from resources.episodes.lerobot_v3 import DatasetError, ReadEpisode, read_dataset, split_video
from resources.lake import Lake
from resources.lake.tables import reject_row, row_key
from resources.sources.ingest import IngestSettings, ingest_file
from resources.sources.landing import LandedFile, LandingZone
from resources.sources.robot import ACTION_NAMES, CAMERAS, STATE_NAMES, Episode
from resources.stage_spec import Log

STAGE = "raw_footage"


def _camera_rows(lake: Lake, frames: EpisodeFrames, episode_id: str, videos: dict[str, tuple[Path, str, object]],
                 known: set[str], settings: IngestSettings) -> tuple[list[dict], list[dict]]:
    """Ingest each camera's video; every row carries the episode, the camera and the frames blob.
    If one camera is refused the whole episode is, so that no episode lands with a camera short."""
    blob = lake.blobs.put_bytes(to_parquet(frames), "parquet").key
    rows, rejects = [], []
    for camera, (path, uri, scene) in sorted(videos.items()):
        row, reject = ingest_file(lake, path, uri, known, settings, scene, view_of=f"{episode_id}/{camera}")
        if reject:
            rejects.append(dict(reject, reason=f"camera {camera} of episode {episode_id[:12]}: {reject['reason']}"))
        elif row:
            rows.append(dict(row, episode_id=episode_id, camera=camera, episode_blob_key=blob))
    if rejects:
        return [], rejects
    return rows, []


def simulated_episode_rows(lake: Lake, ep: Episode, known: set[str], settings: IngestSettings) -> tuple[list[dict], list[dict]]:
    cams = {c: dict(ep.views[c].params["camera"]) for c in CAMERAS}
    cams["wrist"]["view_matrices"] = ep.params["wrist_view_matrices"]
    meta = {
        "source": "sim", "task": ep.params["task"], "task_family": ep.params["task_family"], "robot": ep.params["robot"],
        "success": ep.success, "outcome": ep.outcome, "fps": ep.params["render"]["fps"], "cameras": list(CAMERAS),
        "camera_params": cams, "state_names": STATE_NAMES, "action_names": ACTION_NAMES,
    }
    frames = EpisodeFrames(meta, ep.timestamps, ep.state, ep.action, ep.boxes)
    videos = {c: (ep.views[c].video_path, f"sim://{ep.episode_id}/{c}", ep.views[c]) for c in CAMERAS}
    return _camera_rows(lake, frames, ep.episode_id, videos, known, settings)


def lerobot_episode_id(root: str, fingerprint: str, index: int) -> str:
    return row_key("lerobot-episode", root, fingerprint, index)


def dataset_fingerprint(files: list[LandedFile]) -> str:
    """What identifies a landed dataset without reading it: its files' paths and sizes."""
    return row_key(*sorted(f"{f.rel}:{f.size}" for f in files))


def lerobot_rows(lake: Lake, zone: LandingZone, root: str, files: list[LandedFile], known: set[str], known_episodes: set[str],
                 settings: IngestSettings, log: Log) -> tuple[list[dict], list[dict]]:
    """One landed LeRobot v3 dataset -> raw_footage rows (one per episode and camera), or
    rejects with reasons: a broken layout refuses the dataset, a bad episode only itself."""
    fingerprint = dataset_fingerprint(files)
    uri = f"lerobot://{root}"
    with tempfile.TemporaryDirectory(prefix="lerobot-") as tmp:
        local = Path(tmp) / "dataset"
        for f in files:  # a local zone copies nothing it does not have to: only S3 objects are fetched
            with zone.local_path(f) as path:
                target = local / f.rel[len(root):].lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.symlink_to(path) if zone.is_local else target.write_bytes(path.read_bytes())
        try:
            info, episodes = read_dataset(local)
        except DatasetError as err:
            log.warning(f"LeRobot dataset {root or '.'} -> rejected: {err.reason}")
            return [], [reject_row(STAGE, row_key("lerobot", root, fingerprint), err.code, f"LeRobot dataset {root or '.'}: {err.reason}", uri)]
        rows, rejects = [], []
        wanted = [e for e in episodes if isinstance(e, DatasetError) or lerobot_episode_id(root, fingerprint, e.index) not in known_episodes]
        cut = _cut_cameras(local, [e for e in wanted if isinstance(e, ReadEpisode)], float(info["fps"]), Path(tmp) / "cut")
        for ep in wanted:
            if isinstance(ep, DatasetError):
                rejects.append(reject_row(STAGE, row_key("lerobot", root, fingerprint, ep.episode_index), ep.code,
                                          f"LeRobot dataset {root or '.'}: {ep.reason}", f"{uri}#episode={ep.episode_index}"))
                continue
            eid = lerobot_episode_id(root, fingerprint, ep.index)
            counts = {c: n for c, (_, n) in cut[ep.index].items()}
            short = {c: n for c, n in counts.items() if n != ep.frames.frame_count}
            if short:
                reason = f"LeRobot dataset {root or '.'}: episode {ep.index} has {ep.frames.frame_count} frames of actions but its cameras hold " + \
                    ", ".join(f"{c}: {n}" for c, n in sorted(short.items()))
                rejects.append(reject_row(STAGE, row_key("lerobot", root, fingerprint, ep.index), "lerobot_frame_count_mismatch", reason, f"{uri}#episode={ep.index}"))
                continue
            features = info["features"]
            meta = {
                "source": "lerobot", "dataset": root, "source_episode_index": ep.index, "task": ep.task, "task_family": None,
                "robot": info.get("robot_type"), "success": None, "outcome": None, "fps": float(info["fps"]), "cameras": sorted(counts),
                "camera_params": {}, "state_names": (features.get("observation.state") or {}).get("names") or [],
                "action_names": (features.get("action") or {}).get("names") or [],
            }
            frames = EpisodeFrames(meta, ep.frames.timestamps, ep.frames.state, ep.frames.action, {})
            videos = {c: (path, f"{uri}/videos/{c}#episode={ep.index}", None) for c, (path, _) in cut[ep.index].items()}
            good, bad = _camera_rows(lake, frames, eid, videos, known, settings)
            rows += good
            rejects += bad
        log.info(f"LeRobot dataset {root or '.'}: {len(episodes)} episodes, {len({r['episode_id'] for r in rows})} ingested, {len(rejects)} refused")
        return rows, rejects


def _cut_cameras(local: Path, episodes: list[ReadEpisode], fps: float, out: Path) -> dict[int, dict[str, tuple[Path, int]]]:
    """Each episode's camera spans as their own files: one decode pass per (camera, file)."""
    out.mkdir(parents=True, exist_ok=True)
    groups: dict[tuple[str, Path], list[ReadEpisode]] = {}
    for ep in episodes:
        for camera, (path, _, _) in ep.video_files.items():
            groups.setdefault((camera, path), []).append(ep)
    cut: dict[int, dict[str, tuple[Path, int]]] = {ep.index: {} for ep in episodes}
    for (camera, path), eps in groups.items():
        outputs = [out / f"episode_{ep.index:06d}_{camera}.mp4" for ep in eps]
        counts = split_video(path, [ep.video_files[camera][1:] for ep in eps], fps, outputs)
        for ep, output, n in zip(eps, outputs, counts):
            cut[ep.index][camera] = (output, n)
    return cut
