"""The pybullet simulator: real renders with ground truth, reproducible from their parameters."""
import json

import numpy as np

from resources.lake.blobs import sha256_file
from resources.media.codec import probe, read_frames
from resources.sources.simulator import load_npz, render_scene, scene_id, scene_params


def test_scene_renders_video_depth_and_segmentation(sim_scene):
    info = probe(sim_scene.video_path)
    assert (info.width, info.height, info.frame_count) == (160, 120, 24)
    depth, seg = load_npz(sim_scene.depth_npz), load_npz(sim_scene.seg_npz)
    assert depth.shape == seg.shape == (24, 120, 160)
    assert 0 < float(depth.min()) < float(depth.max()) <= 30.0  # metres, capped at the far plane
    ids = set(np.unique(seg).tolist())
    assert -1 in ids and 0 in ids and len(ids) >= 3  # background, ground plane and some objects
    frames = read_frames(sim_scene.video_path)
    assert np.abs(frames[-1].astype(int) - frames[0].astype(int)).mean() > 0.5  # things move


def test_scene_records_its_parameters(sim_scene):
    p = sim_scene.params
    assert {"scene_type", "seed", "objects", "camera", "lighting", "render"} <= set(p)
    assert p["scene_type"] in ("tabletop", "road") and len(p["objects"]) >= 3
    assert json.loads(json.dumps(p)) == p  # storable as JSON as it is
    assert sim_scene.scene_id == scene_id(p)


def test_same_parameters_render_the_same_bytes(tmp_path):
    params = scene_params(0, seed=5, width=96, height=64, fps=10, num_frames=12)
    a = render_scene(params, tmp_path / "a")
    b = render_scene(params, tmp_path / "b")
    assert sha256_file(a.video_path) == sha256_file(b.video_path)
    assert a.depth_npz == b.depth_npz and a.seg_npz == b.seg_npz
    other = scene_params(0, seed=6, width=96, height=64, fps=10, num_frames=12)
    assert scene_id(other) != scene_id(params)
