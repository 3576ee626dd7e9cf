"""raw_footage -> episodes (one row per robot episode), and episodes -> a LeRobot v3 export.

An episode's rows in raw_footage (one per camera) and its per-frame record were committed
together at ingest; here they are joined into one row, after checking that every camera has
exactly one frame per action. An episode that fails that check goes to rejects with the counts.
"""
from __future__ import annotations

import json
import tempfile
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.fs as pafs

from resources.episodes.frames import from_parquet
from resources.episodes.lerobot_v3 import CODEBASE_VERSION, ExportEpisode, write_dataset
from resources.episodes.selection import Selected, select
from resources.lake import Lake
from resources.lake.publish import publish
from resources.lake.report import Report, report
from resources.lake.tables import reject_row, row_key

FOOTAGE_COLUMNS = ["footage_id", "source_kind", "source_uri", "frame_count", "episode_id", "camera", "episode_blob_key", "ingest_date"]


def episode_row(footage: list[dict], frames_blob: bytes) -> tuple[dict | None, str | None]:
    """One episode's camera rows and frames record -> its episodes row, or why it is refused."""
    frames = from_parquet(frames_blob)
    meta, by_camera = frames.meta, {f["camera"]: f for f in footage}
    problem = frames.misalignment()
    missing = sorted(set(meta["cameras"]) - set(by_camera))
    if missing:
        problem = f"camera(s) {', '.join(missing)} have no footage"
    counts = {c: int(f["frame_count"]) for c, f in by_camera.items()}
    if not problem and any(n != frames.frame_count for n in counts.values()):
        problem = f"{frames.frame_count} actions but frames per camera " + ", ".join(f"{c}: {n}" for c, n in sorted(counts.items()))
    if problem:
        return None, problem
    cameras = sorted(by_camera)
    first = by_camera[cameras[0]]
    uri = first["source_uri"].rsplit("/videos/", 1)[0] + f"#episode={meta['source_episode_index']}" if meta["source"] == "lerobot" \
        else first["source_uri"].rsplit("/", 1)[0]
    return {
        "episode_id": first["episode_id"], "source_kind": first["source_kind"], "source_uri": uri, "robot": meta.get("robot"),
        "task": meta["task"], "task_family": meta.get("task_family"), "success": meta.get("success"), "outcome": meta.get("outcome"),
        "fps": float(meta["fps"]), "frame_count": frames.frame_count, "cameras": cameras,
        "footage_ids": [by_camera[c]["footage_id"] for c in cameras], "camera_params": json.dumps(meta.get("camera_params") or {}, sort_keys=True),
        "state_names": list(meta.get("state_names") or []), "action_names": list(meta.get("action_names") or []),
        "timestamps": frames.timestamps, "state": frames.state, "action": frames.action, "frames_blob_key": first["episode_blob_key"],
        "made_at": datetime.now(timezone.utc), "ingest_date": first["ingest_date"],
    }, None


def episodes_day(lake: Lake, day: str, log) -> Report:
    footage = [r for r in lake.read("raw_footage", FOOTAGE_COLUMNS, partition=day).to_pylist() if r["episode_id"]]
    known = lake.keys("episodes", partition=day)
    grouped: dict[str, list[dict]] = {}
    for r in footage:
        grouped.setdefault(r["episode_id"], []).append(r)
    rows, rejects = [], []
    for eid, cams in sorted(grouped.items()):
        if eid in known:
            continue
        row, problem = episode_row(cams, lake.blobs.read_bytes(cams[0]["episode_blob_key"]))
        if problem:
            rejects.append(reject_row("episodes", eid, "cameras_misaligned", f"episode {eid[:12]}: {problem}", cams[0]["source_uri"]))
            log.warning(f"episode {eid[:12]} refused: {problem}")
        else:
            rows.append(row)
            log.info(f"episode {eid[:12]}: {row['task']!r}, {row['frame_count']} frames x {len(row['cameras'])} cameras, {row['outcome'] or 'outcome not recorded'}")
    pub = publish(lake, "episodes", rows, rejects)
    return report(lake, "episodes", pub, with_suite_check=True, partition=day, episodes_seen=len(grouped))


def export_day(lake: Lake, export_root: str, day: str, log) -> Report:
    """Write the day's accepted episodes and their accepted variants (resources/episodes/selection.py)
    as LeRobot v3 datasets, one per robot (a dataset holds one state and action space and one
    camera rig), at ``<export_root>/<day>/<robot>/``. Each is written once per set of episodes
    and table versions: a rerun with nothing new writes nothing."""
    episodes = sorted(lake.read("episodes", partition=day).to_pylist(), key=lambda e: e["episode_id"])
    chosen, left_out = select(lake, episodes, day)
    for why in left_out:
        log.info(f"not exported: {why}")
    versions = {t: lake.version(t) for t in ("raw_footage", "episodes", "curated_clips", "transferred_variants", "evaluated_samples")}
    done = lake.keys("lerobot_exports", partition=day)
    groups: dict[tuple, list[Selected]] = {}
    for sel in chosen:
        e = sel.episode
        groups.setdefault((e["robot"] or "robot", tuple(e["state_names"]), tuple(e["action_names"]), tuple(e["cameras"]), e["fps"]), []).append(sel)
    names: dict[str, int] = {}
    rows = []
    for (robot, state_names, action_names, cameras, fps), group in sorted(groups.items()):
        names[robot] = names.get(robot, 0) + 1
        uri = f"{export_root.rstrip('/')}/{day}/{robot}" + (f"-{names[robot]}" if names[robot] > 1 else "")
        keys = [f"{s.episode['episode_id']}:{s.start}:{s.end}:{','.join(s.variant_ids)}" for s in group]
        export_id = row_key("lerobot-export", uri, *keys, json.dumps(versions, sort_keys=True))
        if export_id in done:
            continue
        info = _write(lake, group, uri, list(state_names), list(action_names), int(round(fps)))
        rows.append({
            "export_id": export_id, "uri": uri, "codebase_version": CODEBASE_VERSION, "episodes": info["total_episodes"],
            "frames": info["total_frames"], "cameras": list(cameras), "episode_ids": [s.episode["episode_id"] for s in group],
            "augmented": [s.augmented for s in group], "source_versions": json.dumps(versions, sort_keys=True),
            "exported_at": datetime.now(timezone.utc), "ingest_date": day,
        })
        log.info(f"LeRobot v3 export: {info['total_episodes']} {robot} episodes ({sum(s.augmented for s in group)} augmented), "
                 f"{info['total_frames']} frames, cameras {', '.join(cameras)} -> {uri}")
    pub = publish(lake, "lerobot_exports", rows)
    return report(lake, "lerobot_exports", pub, with_suite_check=True, partition=day, datasets_written=len(rows), episodes_left_out=len(left_out))


def _write(lake: Lake, group: list[Selected], uri: str, state_names: list[str], action_names: list[str], fps: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="lerobot-export-") as tmp, ExitStack() as stack:
        exports = []
        for sel in group:
            e = sel.episode
            videos = {camera: stack.enter_context(lake.blobs.local_path(key)) for camera, key in sel.blobs.items()}
            frames = sel.frames(from_parquet(lake.blobs.read_bytes(e["frames_blob_key"])))
            exports.append(ExportEpisode(frames, videos, e["task"], {
                "physai/episode_id": e["episode_id"], "physai/augmented": sel.augmented, "physai/condition": sel.condition,
                "physai/variant_ids": list(sel.variant_ids), "physai/from_frame": sel.start, "physai/to_frame": sel.end,
                "physai/success": e["success"], "physai/source_uri": e["source_uri"]}))
        out = Path(tmp) / "dataset"
        info = write_dataset(out, exports, fps, state_names, action_names, robot_type=group[0].episode["robot"])
        _copy_tree(out, uri)
        return info


def _copy_tree(local: Path, uri: str) -> None:
    """Put the written dataset at ``uri`` (a folder or s3://...), replacing what was there."""
    fs, base = pafs.FileSystem.from_uri(uri) if "://" in uri else (pafs.LocalFileSystem(), str(Path(uri).absolute()))
    fs.delete_dir_contents(base, missing_dir_ok=True)
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        target = f"{base}/{path.relative_to(local).as_posix()}"
        fs.create_dir(target.rsplit("/", 1)[0], recursive=True)
        with fs.open_output_stream(target) as out:
            out.write(path.read_bytes())
