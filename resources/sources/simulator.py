"""The simulator: short pybullet scenes rendered headless with the TinyRenderer.

Each scene yields an RGB video plus per-frame ground truth (metric depth and an object-id
segmentation), and the parameters that made it (objects, camera, lighting, seed), so a
scene can be rendered again bit for bit and its labels stay valid through transfer.
"""
from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pybullet as p
import pybullet_data

from resources.lake.tables import row_key
from resources.media.encoder import write_h264

SCENE_TYPES = ("tabletop", "road")
_PHYSICS_HZ = 240


@dataclass(frozen=True)
class SimScene:
    scene_id: str
    params: dict
    video_path: Path
    depth_npz: bytes  # float16 metres, T x H x W
    seg_npz: bytes  # int16 object ids (-1: background), T x H x W


def scene_params(index: int, seed: int, width: int, height: int, fps: int, num_frames: int) -> dict:
    """Draw one scene's parameters from a seed: everything the render needs, nothing else."""
    rng = np.random.default_rng([seed, index])
    scene_type = SCENE_TYPES[index % len(SCENE_TYPES)]
    objects = []
    for _ in range(int(rng.integers(3, 6))):
        shape = str(rng.choice(["box", "sphere", "cylinder"]))
        if scene_type == "road":
            lane = float(rng.choice([-1.0, 1.0]))
            position = [float(rng.uniform(-3, 3)), lane, 0.35]
            velocity = [float(rng.uniform(0.8, 2.0)) * -lane, 0.0, 0.0]
            size = [0.9, 0.4, 0.35] if shape == "box" else [0.3, 0.3, 0.3]
        else:
            position = [float(rng.uniform(-0.6, 0.6)), float(rng.uniform(-0.6, 0.6)), float(rng.uniform(0.3, 1.2))]
            velocity = [float(rng.uniform(-0.5, 0.5)), float(rng.uniform(-0.5, 0.5)), 0.0]
            size = [float(s) for s in rng.uniform(0.08, 0.2, size=3)]
        objects.append(
            {
                "shape": shape,
                "size": [round(s, 4) for s in size],
                "color": [round(float(c), 3) for c in rng.uniform(0.15, 1.0, size=3)] + [1.0],
                "position": [round(v, 4) for v in position],
                "velocity": [round(v, 4) for v in velocity],
            }
        )
    distance = 3.0 if scene_type == "tabletop" else 7.0
    yaw = float(rng.uniform(0, 360))
    light_elevation = float(rng.uniform(20, 80))
    return {
        "scene_type": scene_type,
        "seed": seed,
        "index": index,
        "render": {"width": width, "height": height, "fps": fps, "num_frames": num_frames, "renderer": "tiny"},
        "objects": objects,
        "camera": {
            "target": [0.0, 0.0, 0.2],
            "distance": distance,
            "yaw_deg": round(yaw, 3),
            "pitch_deg": round(float(rng.uniform(-40, -20)), 3),
            "orbit_deg_per_s": round(float(rng.uniform(-15, 15)), 3),
            "fov_deg": 60.0,
            "near": 0.05,
            "far": 30.0,
        },
        "lighting": {
            "direction": [
                round(math.cos(math.radians(yaw)), 4),
                round(math.sin(math.radians(yaw)), 4),
                round(math.tan(math.radians(light_elevation)), 4),
            ],
            "color": [round(float(c), 3) for c in rng.uniform(0.85, 1.0, size=3)],
            "ambient": round(float(rng.uniform(0.4, 0.7)), 3),
            "diffuse": round(float(rng.uniform(0.4, 0.7)), 3),
            "shadow": True,
        },
    }


def scene_id(params: dict) -> str:
    return row_key("sim-scene", json.dumps(params, sort_keys=True))


def _add_object(client: int, obj: dict) -> int:
    half = [s / 2 for s in obj["size"]]
    if obj["shape"] == "box":
        col = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=client)
        vis = p.createVisualShape(p.GEOM_BOX, halfExtents=half, rgbaColor=obj["color"], physicsClientId=client)
    elif obj["shape"] == "sphere":
        col = p.createCollisionShape(p.GEOM_SPHERE, radius=half[0], physicsClientId=client)
        vis = p.createVisualShape(p.GEOM_SPHERE, radius=half[0], rgbaColor=obj["color"], physicsClientId=client)
    else:
        col = p.createCollisionShape(p.GEOM_CYLINDER, radius=half[0], height=obj["size"][2], physicsClientId=client)
        vis = p.createVisualShape(p.GEOM_CYLINDER, radius=half[0], length=obj["size"][2], rgbaColor=obj["color"], physicsClientId=client)
    body = p.createMultiBody(1.0, col, vis, basePosition=obj["position"], physicsClientId=client)
    p.resetBaseVelocity(body, linearVelocity=obj["velocity"], physicsClientId=client)
    return body


def npz(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, data=array)
    return buf.getvalue()


def render_scene(params: dict, out_dir: Path) -> SimScene:
    """Step the physics and render every frame; write the video and return the ground truth."""
    render, cam, light = params["render"], params["camera"], params["lighting"]
    w, h, fps = render["width"], render["height"], render["fps"]
    client = p.connect(p.DIRECT)
    try:
        p.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=client)
        p.setGravity(0, 0, -9.81, physicsClientId=client)
        p.setTimeStep(1.0 / _PHYSICS_HZ, physicsClientId=client)
        p.loadURDF("plane.urdf", physicsClientId=client)
        for obj in params["objects"]:
            _add_object(client, obj)
        proj = p.computeProjectionMatrixFOV(cam["fov_deg"], w / h, cam["near"], cam["far"])
        near, far = cam["near"], cam["far"]
        rgb_frames, depth_frames, seg_frames = [], [], []
        for i in range(render["num_frames"]):
            view = p.computeViewMatrixFromYawPitchRoll(
                cam["target"], cam["distance"], cam["yaw_deg"] + cam["orbit_deg_per_s"] * i / fps, cam["pitch_deg"], 0, 2
            )
            _, _, rgba, zbuf, seg = p.getCameraImage(
                w, h, view, proj,
                renderer=p.ER_TINY_RENDERER,
                lightDirection=light["direction"],
                lightColor=light["color"],
                lightAmbientCoeff=light["ambient"],
                lightDiffuseCoeff=light["diffuse"],
                shadow=int(light["shadow"]),
                physicsClientId=client,
            )
            rgba = np.reshape(np.asarray(rgba, dtype=np.uint8), (h, w, 4))
            zbuf = np.reshape(np.asarray(zbuf, dtype=np.float32), (h, w))
            rgb_frames.append(np.ascontiguousarray(rgba[:, :, 2::-1]))  # RGBA -> BGR
            depth_frames.append((far * near / (far - (far - near) * zbuf)).astype(np.float16))
            seg_frames.append(np.reshape(np.asarray(seg), (h, w)).astype(np.int16))
            for _ in range(_PHYSICS_HZ // fps):
                p.stepSimulation(physicsClientId=client)
    finally:
        p.disconnect(client)
    sid = scene_id(params)
    out_dir.mkdir(parents=True, exist_ok=True)
    video = out_dir / f"sim_{params['scene_type']}_{sid[:12]}.mp4"
    write_h264(video, rgb_frames, fps=fps)
    return SimScene(sid, params, video, npz(np.stack(depth_frames)), npz(np.stack(seg_frames)))


def load_npz(data: bytes) -> np.ndarray:
    with np.load(io.BytesIO(data)) as npz:
        return npz["data"]
