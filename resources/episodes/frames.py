"""An episode's per-frame record, stored once as a Parquet blob that every camera's footage
row points to (``raw_footage.episode_blob_key``).

Ingest writes it in the same commit as the footage, so the episodes table, made later from
raw_footage, can never lose an episode's actions to a crash between two commits.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

_META_KEY = b"physai.episode"


@dataclass(frozen=True)
class EpisodeFrames:
    meta: dict  # task, success, outcome, cameras, camera_params, state_names, action_names, fps, ...
    timestamps: list[float]
    state: list[list[float]]
    action: list[list[float]]
    boxes: dict[str, list]  # camera -> per frame [[object id, x0, y0, x1, y1], ...]; {} when unknown

    @property
    def frame_count(self) -> int:
        return len(self.timestamps)

    def misalignment(self) -> str | None:
        """Why the per-frame columns do not line up, or None."""
        n = self.frame_count
        if len(self.state) != n or len(self.action) != n:
            return f"{n} timestamps but {len(self.state)} states and {len(self.action)} actions"
        for camera, per_frame in self.boxes.items():
            if len(per_frame) != n:
                return f"{n} timestamps but {len(per_frame)} frames of boxes for camera {camera}"
        if any(b <= a for a, b in zip(self.timestamps, self.timestamps[1:])):
            return "timestamps do not go forward"
        fps = float(self.meta.get("fps") or 0)
        if fps > 0 and self.timestamps:
            # The cameras' frames are at t0 + i / fps (every video the factory writes is); an
            # action half a frame or more off that clock belongs to another frame.
            t0 = self.timestamps[0]
            off = [i for i, t in enumerate(self.timestamps) if abs(t - t0 - i / fps) >= 0.5 / fps]
            if off:
                return f"the action of frame {off[0]} is at {self.timestamps[off[0]] - t0:.4f} s, not on the cameras' clock ({off[0] / fps:.4f} s at {fps:g} fps)"
        return None


def to_parquet(ep: EpisodeFrames) -> bytes:
    columns = {
        "frame_index": pa.array(range(ep.frame_count), pa.int64()),
        "timestamp": pa.array(ep.timestamps, pa.float64()),
        "observation.state": pa.array(ep.state, pa.list_(pa.float32())),
        "action": pa.array(ep.action, pa.list_(pa.float32())),
    }
    for camera, per_frame in sorted(ep.boxes.items()):
        columns[f"boxes.{camera}"] = pa.array(per_frame, pa.list_(pa.list_(pa.int32())))
    table = pa.table(columns).replace_schema_metadata({_META_KEY: json.dumps(ep.meta, sort_keys=True).encode()})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


def from_parquet(data: bytes) -> EpisodeFrames:
    table = pq.read_table(io.BytesIO(data))
    meta = json.loads(table.schema.metadata[_META_KEY])
    boxes = {name.split(".", 1)[1]: table.column(name).to_pylist() for name in table.column_names if name.startswith("boxes.")}
    return EpisodeFrames(meta, table.column("timestamp").to_pylist(), table.column("observation.state").to_pylist(),
                         table.column("action").to_pylist(), boxes)
