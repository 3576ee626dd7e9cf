"""LeRobot v3 datasets (lerobot >= 0.4), read and written with pyarrow and PyAV.

lerobot itself cannot share this project's environment (it pins torch < 2.11, diffusers < 0.36
and av < 16), so the format is implemented here from its layout and checked against lerobot's
own ``LeRobotDataset`` in an isolated environment (``make lerobot-check``; docs/episodes.md).

Layout: ``meta/info.json`` (features, fps, ``codebase_version`` "v3.0", path templates),
``meta/stats.json``, ``meta/tasks.parquet``, ``meta/episodes/chunk-XXX/file-XXX.parquet`` (one
row per episode: its frame range and, per camera, its time range in the camera's file),
``data/chunk-XXX/file-XXX.parquet`` (one row per frame) and ``videos/<key>/chunk-XXX/file-XXX.mp4``
(many episodes per file, one after the other).
"""
from __future__ import annotations

import bisect
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from resources.episodes.frames import EpisodeFrames
from resources.media.codec import iter_frames
from resources.media.encoder import H264Writer

CODEBASE_VERSION = "v3.0"
IMAGE_PREFIX = "observation.images."
DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
VIDEO_PATH = "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"
EPISODES_PATH = "meta/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
_QUANTILES = {"q01": 0.01, "q10": 0.10, "q50": 0.50, "q90": 0.90, "q99": 0.99}


class DatasetError(Exception):
    """A dataset (or one episode of it) that cannot be read, with a reason a person understands."""

    def __init__(self, code: str, reason: str, episode_index: int | None = None):
        super().__init__(reason)
        self.code, self.reason, self.episode_index = code, reason, episode_index


@dataclass(frozen=True)
class ExportEpisode:
    frames: EpisodeFrames
    videos: dict[str, Path]  # camera -> a local video with exactly frames.frame_count frames
    task: str
    extra: dict  # more per-episode columns for meta/episodes (e.g. physai/episode_id)


def _moments(values: np.ndarray) -> dict[str, np.ndarray]:
    """LeRobot's per-feature statistics over axis 0 (min, max, mean, std, quantiles) and the count."""
    out = {"min": values.min(0), "max": values.max(0), "mean": values.mean(0), "std": values.std(0)}
    out.update({k: np.quantile(values, q, axis=0) for k, q in _QUANTILES.items()})
    return {**{k: np.asarray(v, dtype=float) for k, v in out.items()}, "count": np.asarray(values.shape[0])}


def _as_json(moments: dict[str, np.ndarray], shape: tuple[int, ...] | None = None) -> dict:
    """stats.json's form of one feature: lists (each statistic in ``shape``, when given) and [count]."""
    return {**{k: (v if shape is None else v.reshape(shape)).tolist() for k, v in moments.items() if k != "count"},
            "count": [int(moments["count"])]}


def aggregate_moments(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Per-episode statistics combined as lerobot's ``aggregate_stats`` combines them: min of the
    minima, max of the maxima, the count-weighted mean, the pooled variance (Chan's parallel
    formula) and, for the quantiles, the count-weighted mean of each episode's quantile."""
    counts = np.array([float(p["count"]) for p in parts])
    weights = (counts / counts.sum()).reshape(-1, *([1] * np.ndim(parts[0]["mean"])))
    means = np.stack([p["mean"] for p in parts])
    mean = (means * weights).sum(0)
    variance = ((np.stack([p["std"] for p in parts]) ** 2 + (means - mean) ** 2) * weights).sum(0)
    out = {"min": np.stack([p["min"] for p in parts]).min(0), "max": np.stack([p["max"] for p in parts]).max(0),
           "mean": mean, "std": np.sqrt(variance), "count": np.asarray(int(counts.sum()))}
    out.update({k: (np.stack([p[k] for p in parts]) * weights).sum(0) for k in _QUANTILES})
    return out


def write_dataset(out: Path, episodes: list[ExportEpisode], fps: int, state_names: list[str], action_names: list[str],
                  robot_type: str | None = None) -> dict:
    """Write ``episodes`` as one LeRobot v3 dataset under ``out`` (one chunk, one file per
    camera: fine up to LeRobot's 200 MB video-file size). Returns the info.json it wrote."""
    cameras = sorted(episodes[0].videos)
    h, w = _size(episodes[0].videos[cameras[0]])
    tasks = sorted({e.task for e in episodes})
    rows: dict[str, list] = {k: [] for k in ("observation.state", "action", "timestamp", "frame_index", "episode_index", "index", "task_index")}
    meta_rows = []
    # Image statistics are taken per episode and combined (aggregate_moments), as lerobot does:
    # pixels of one episode at a time, so a day of many episodes costs no more memory than one.
    image_parts: dict[str, list[dict]] = {c: [] for c in cameras}
    writers = {c: H264Writer(_mkdir(out / VIDEO_PATH.format(video_key=IMAGE_PREFIX + c, chunk_index=0, file_index=0)), w, h, fps) for c in cameras}
    start = 0
    try:
        for index, ep in enumerate(episodes):
            n = ep.frames.frame_count
            meta = {"episode_index": index, "tasks": [ep.task], "length": n, "data/chunk_index": 0, "data/file_index": 0,
                    "dataset_from_index": start, "dataset_to_index": start + n}
            for c in cameras:
                count, pixels = 0, []
                for frame in iter_frames(ep.videos[c], fps=fps):
                    image = frame.image
                    writers[c].write(image)
                    pixels.append(image[::4, ::4, ::-1].reshape(-1, 3))  # RGB, as LeRobot's stats are; uint8 until reduced
                    count += 1
                if pixels:
                    image_parts[c].append({**_moments(np.concatenate(pixels) / 255.0), "count": np.asarray(count)})
                if count != n:
                    raise DatasetError("frame_count_mismatch", f"episode {index}: camera {c} has {count} frames for {n} actions", index)
                before = sum(e.frames.frame_count for e in episodes[:index])
                meta.update({f"videos/{IMAGE_PREFIX}{c}/chunk_index": 0, f"videos/{IMAGE_PREFIX}{c}/file_index": 0,
                             f"videos/{IMAGE_PREFIX}{c}/from_timestamp": before / fps, f"videos/{IMAGE_PREFIX}{c}/to_timestamp": (before + n) / fps})
            meta.update({"meta/episodes/chunk_index": 0, "meta/episodes/file_index": 0, **ep.extra})
            meta_rows.append(meta)
            rows["observation.state"] += ep.frames.state
            rows["action"] += ep.frames.action
            rows["timestamp"] += [i / fps for i in range(n)]
            rows["frame_index"] += list(range(n))
            rows["episode_index"] += [index] * n
            rows["index"] += list(range(start, start + n))
            rows["task_index"] += [tasks.index(ep.task)] * n
            start += n
    finally:
        for writer in writers.values():
            writer.close()
    s, a = len(state_names), len(action_names)
    data = pa.table({
        "observation.state": pa.array(rows["observation.state"], pa.list_(pa.float32(), s)),
        "action": pa.array(rows["action"], pa.list_(pa.float32(), a)),
        "timestamp": pa.array(rows["timestamp"], pa.float32()),
        **{k: pa.array(rows[k], pa.int64()) for k in ("frame_index", "episode_index", "index", "task_index")},
    })
    pq.write_table(data, _mkdir(out / DATA_PATH.format(chunk_index=0, file_index=0)))
    pq.write_table(pa.Table.from_pylist(meta_rows), _mkdir(out / EPISODES_PATH.format(chunk_index=0, file_index=0)))
    # lerobot reads tasks with pandas: the task string is the frame's index.
    pq.write_table(pa.table({"task_index": pa.array(range(len(tasks)), pa.int64()), "__index_level_0__": tasks}).replace_schema_metadata(
        {b"pandas": json.dumps({"index_columns": ["__index_level_0__"], "column_indexes": [], "columns": [
            {"name": "task_index", "field_name": "task_index", "pandas_type": "int64", "numpy_type": "int64", "metadata": None},
            {"name": None, "field_name": "__index_level_0__", "pandas_type": "unicode", "numpy_type": "object", "metadata": None}],
            "pandas_version": "2.2.3"}).encode()}), out / "meta/tasks.parquet")
    stats = {k: _as_json(_moments(np.asarray(data.column(k).to_pylist(), dtype=float).reshape(data.num_rows, -1))) for k in rows}
    for c in cameras:
        stats[IMAGE_PREFIX + c] = _as_json(aggregate_moments(image_parts[c]), shape=(3, 1, 1))
    (out / "meta/stats.json").write_text(json.dumps(stats, indent=2))
    video_info = {"video.height": h, "video.width": w, "video.codec": "h264", "video.pix_fmt": "yuv420p", "video.is_depth_map": False,
                  "video.fps": fps, "video.channels": 3, "has_audio": False}
    features = {
        "observation.state": {"dtype": "float32", "shape": [s], "names": state_names},
        "action": {"dtype": "float32", "shape": [a], "names": action_names},
        **{IMAGE_PREFIX + c: {"dtype": "video", "shape": [h, w, 3], "names": ["height", "width", "channels"], "info": video_info} for c in cameras},
        "timestamp": {"dtype": "float32", "shape": [1], "names": None},
        **{k: {"dtype": "int64", "shape": [1], "names": None} for k in ("frame_index", "episode_index", "index", "task_index")},
    }
    info = {"codebase_version": CODEBASE_VERSION, "robot_type": robot_type, "total_episodes": len(episodes), "total_frames": start,
            "total_tasks": len(tasks), "chunks_size": 1000, "data_files_size_in_mb": 100, "video_files_size_in_mb": 200, "fps": fps,
            "splits": {"train": f"0:{len(episodes)}"}, "data_path": DATA_PATH, "video_path": VIDEO_PATH, "features": features}
    (out / "meta/info.json").write_text(json.dumps(info, indent=4))
    return info


def _mkdir(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _size(video: Path) -> tuple[int, int]:
    with av.open(str(video)) as c:
        s = c.streams.video[0]
        return s.height, s.width


@dataclass(frozen=True)
class ReadEpisode:
    index: int
    task: str
    frames: EpisodeFrames
    video_files: dict[str, tuple[Path, float, float]]  # camera -> (its file, from s, to s)


def _read_parquet(root: Path, rel: str) -> pa.Table:
    try:
        return pq.read_table(root / rel)
    except FileNotFoundError:
        raise DatasetError("lerobot_missing_file", f"{rel} is missing") from None
    except (pa.ArrowInvalid, OSError) as exc:
        raise DatasetError("lerobot_unreadable_parquet", f"{rel} cannot be read as Parquet (truncated or corrupt: {exc})") from None


def read_dataset(root: Path) -> tuple[dict, list[ReadEpisode | DatasetError]]:
    """A dataset's info and its episodes, each read or refused with its reason. A dataset
    whose layout is broken (no info, another codebase version, an unreadable Parquet file, a
    missing video file) raises DatasetError: none of its episodes can be trusted."""
    try:
        info = json.loads((root / "meta/info.json").read_text())
    except (OSError, ValueError) as exc:
        raise DatasetError("lerobot_bad_info", f"meta/info.json cannot be read as JSON ({exc})") from None
    version = info.get("codebase_version")
    if version != CODEBASE_VERSION:
        raise DatasetError("lerobot_unknown_version", f"codebase_version is {version!r}, not {CODEBASE_VERSION!r}: convert it to v3.0 with "
                           "lerobot's convert_dataset_v21_to_v30 first")
    fps = float(info["fps"])
    cameras = sorted(k[len(IMAGE_PREFIX):] for k, f in info["features"].items() if k.startswith(IMAGE_PREFIX) and f.get("dtype") == "video")
    tasks_table = _read_parquet(root, "meta/tasks.parquet")
    task_col = "task" if "task" in tasks_table.column_names else "__index_level_0__"
    tasks = dict(zip(tasks_table.column("task_index").to_pylist(), tasks_table.column(task_col).to_pylist()))
    episode_files = sorted(p.relative_to(root).as_posix() for p in (root / "meta/episodes").glob("chunk-*/file-*.parquet"))
    if not episode_files:
        raise DatasetError("lerobot_missing_file", "meta/episodes/ holds no chunk-*/file-*.parquet")
    metas = pa.concat_tables([_read_parquet(root, rel) for rel in episode_files], promote_options="default").to_pylist()
    data_files = sorted(p.relative_to(root).as_posix() for p in (root / "data").glob("chunk-*/file-*.parquet"))
    data = pa.concat_tables([_read_parquet(root, rel).select(["episode_index", "frame_index", "timestamp", "observation.state", "action"])
                             for rel in data_files]) if data_files else None
    out: list[ReadEpisode | DatasetError] = []
    for meta in metas:
        index = int(meta["episode_index"])
        videos = {}
        for c in cameras:
            key = IMAGE_PREFIX + c
            rel = info["video_path"].format(video_key=key, chunk_index=meta[f"videos/{key}/chunk_index"], file_index=meta[f"videos/{key}/file_index"])
            if not (root / rel).is_file():
                raise DatasetError("lerobot_missing_video", f"{rel} (camera {c}, episode {index}) is missing")
            videos[c] = (root / rel, float(meta[f"videos/{key}/from_timestamp"]), float(meta[f"videos/{key}/to_timestamp"]))
        rows = data.filter(pc.equal(data.column("episode_index"), index)).sort_by("frame_index") if data is not None else None
        n = 0 if rows is None else rows.num_rows
        if n != int(meta["length"]):
            out.append(DatasetError("lerobot_frame_count_mismatch", f"episode {index}: meta/episodes says {meta['length']} frames, data/ holds {n} rows", index))
            continue
        task = (meta.get("tasks") or [tasks.get(0, "")])[0]
        frames = EpisodeFrames({"fps": fps}, rows.column("timestamp").to_pylist(), rows.column("observation.state").to_pylist(),
                               rows.column("action").to_pylist(), {})
        out.append(ReadEpisode(index, task, frames, videos))
    return info, out


def split_video(path: Path, spans: list[tuple[float, float]], fps: float, outputs: list[Path]) -> list[int]:
    """Cut one camera file into its episodes in a single decode pass: the frames whose time
    falls in span k go, re-encoded as H.264 at ``fps``, to ``outputs[k]``. Returns each
    output's frame count (the caller compares it with the episode's length)."""
    order = sorted(range(len(spans)), key=lambda k: spans[k][0])
    starts = [spans[k][0] for k in order]
    tol = 0.5 / fps  # half a frame: a frame belongs to the span its time falls in
    counts = [0] * len(spans)
    writer, open_k = None, None
    try:
        for frame in iter_frames(path):
            pos = bisect.bisect_right(starts, frame.time_s + tol) - 1
            if pos < 0:
                continue
            k = order[pos]
            if frame.time_s >= spans[k][1] - tol:
                continue
            if k != open_k:
                if writer is not None:
                    writer.close()
                writer, open_k = H264Writer(outputs[k], frame.decoded.width, frame.decoded.height, fps), k
            writer.write(frame.image)
            counts[k] += 1
    finally:
        if writer is not None:
            writer.close()
    return counts


def iter_datasets(paths: list[str]) -> Iterator[str]:
    """The roots of the LeRobot datasets among landed files' paths: folders with meta/info.json."""
    for rel in sorted(paths):
        if rel.endswith("/meta/info.json") or rel == "meta/info.json":
            yield rel[: -len("meta/info.json")].rstrip("/")
