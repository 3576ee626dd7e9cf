"""Robot episodes: a Franka Panda (pybullet's bundled URDF) doing scripted tabletop tasks, seen by
a rig of synchronized cameras, with the observation state and the commanded action per frame.

An episode is drawn from a seed (``episode_params``) and rendered bit for bit again from it
(``render_episode``). Every camera renders the same physics step, so frame i of every view is
the same instant; the state and action of frame i belong to that instant too. Success is
measured from the physics (where the object ended), never assumed from the script: a scripted
fault (a grasp or a push aimed beside the object) is how a share of episodes fail, and an
episode the script meant to succeed but that physically failed is labelled failed as well.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pybullet as p
import pybullet_data

from resources.lake.tables import row_key
from resources.media.encoder import write_h264
from resources.sources.simulator import SimScene, npz, scene_id

TASKS = {"pick_place": "pick up the {color} cube and place it on the target", "push": "push the {color} block onto the target"}
CAMERAS = ("front", "side", "wrist")
ARM_JOINTS = tuple(range(7))
FINGERS = (9, 10)
HAND_LINK, EE_LINK = 8, 11
STATE_NAMES = [f"joint_pos.{i}" for i in range(7)] + [f"joint_vel.{i}" for i in range(7)] + [
    "ee.x", "ee.y", "ee.z", "ee.qx", "ee.qy", "ee.qz", "ee.qw", "gripper.width"]
# A 7-D end-effector delta plus gripper, the action space of Cosmos Predict 2.5's action
# post-training. The tasks keep the gripper pointing down, so the rotation deltas are 0.
ACTION_NAMES = ["ee.dx", "ee.dy", "ee.dz", "ee.droll", "ee.dpitch", "ee.dyaw", "gripper.close"]
SUCCESS_RADIUS_M = 0.05
_PHYSICS_HZ = 240
_DOWN = p.getQuaternionFromEuler([math.pi, 0.0, 0.0])
_COLORS = {"red": [0.85, 0.15, 0.12], "green": [0.15, 0.7, 0.2], "blue": [0.15, 0.3, 0.85], "yellow": [0.9, 0.8, 0.1]}


@dataclass(frozen=True)
class Episode:
    episode_id: str
    params: dict
    views: dict[str, SimScene]  # camera -> its video and ground truth (depth, segmentation)
    boxes: dict[str, list[list[list[int]]]]  # camera -> per frame [[object id, x0, y0, x1, y1], ...]
    timestamps: list[float]
    state: list[list[float]]
    action: list[list[float]]
    success: bool
    outcome: str  # "success", or how it failed


def episode_params(index: int, seed: int, width: int, height: int, fps: int, num_frames: int, failure_every: int = 3) -> dict:
    """One episode's parameters from a seed. Every ``failure_every``-th episode carries a
    scripted fault, so that a known share of the data is failures (0: none)."""
    rng = np.random.default_rng([seed, 7919, index])
    task = list(TASKS)[index % len(TASKS)]
    color = str(rng.choice(list(_COLORS)))
    size = round(float(rng.uniform(0.05, 0.06)), 4) if task == "pick_place" else round(float(rng.uniform(0.06, 0.07)), 4)
    obj_xy = [round(float(rng.uniform(0.48, 0.58)), 4), round(float(rng.uniform(-0.12, 0.0)), 4)]
    if task == "pick_place":
        target_xy = [round(float(rng.uniform(0.45, 0.6)), 4), round(float(rng.uniform(0.1, 0.2)), 4)]
    else:
        target_xy = [obj_xy[0], round(obj_xy[1] + float(rng.uniform(0.1, 0.14)), 4)]
    faulty = failure_every > 0 and index % failure_every == failure_every - 1
    fault = ("missed_grasp" if task == "pick_place" else "missed_push") if faulty else None
    elevation = float(rng.uniform(30, 75))
    azimuth = float(rng.uniform(0, 360))
    jitter = [round(float(v), 4) for v in rng.uniform(-0.05, 0.05, size=6)]
    return {
        "scene_type": "robot_arm",
        "robot": "franka_panda",
        "task_family": task,
        "task": TASKS[task].format(color=color),
        "seed": seed,
        "index": index,
        "fault": fault,
        "render": {"width": width, "height": height, "fps": fps, "num_frames": num_frames, "renderer": "tiny"},
        "objects": [{"shape": "box", "size": [size] * 3, "color": _COLORS[color] + [1.0], "position": obj_xy + [size / 2]}],
        "target": {"position": target_xy, "color": [round(float(c), 3) for c in rng.uniform(0.2, 0.9, size=3)] + [1.0]},
        "table_color": [round(float(c), 3) for c in rng.uniform(0.55, 0.9, size=3)] + [1.0],
        "cameras": {
            "front": {"eye": [1.05 + jitter[0], jitter[1], 0.5 + jitter[2]], "target": [0.45, 0.02, 0.08], "fov_deg": 50.0},
            "side": {"eye": [0.5 + jitter[3], 0.62 + jitter[4], 0.38 + jitter[5]], "target": [0.5, 0.0, 0.05], "fov_deg": 50.0},
            "wrist": {"mount": "panda_hand", "offset": [0.06, 0.0, 0.0], "look_m": 0.3, "fov_deg": 75.0},
        },
        "near": 0.02,
        "far": 5.0,
        "lighting": {
            "direction": [round(math.cos(math.radians(azimuth)), 4), round(math.sin(math.radians(azimuth)), 4), round(math.tan(math.radians(elevation)), 4)],
            "color": [round(float(c), 3) for c in rng.uniform(0.8, 1.0, size=3)],
            "ambient": round(float(rng.uniform(0.45, 0.7)), 3),
            "diffuse": round(float(rng.uniform(0.4, 0.65)), 3),
            "shadow": True,
        },
    }


def episode_id(params: dict) -> str:
    return scene_id({"episode": params})


def _waypoints(params: dict) -> list[tuple[float, list[float], float]]:
    """(time as a share of the episode, end-effector position, gripper closed 0..1)."""
    (ox, oy), size = params["objects"][0]["position"][:2], params["objects"][0]["size"][0]
    tx, ty = params["target"]["position"]
    fault = params["fault"]
    if params["task_family"] == "pick_place":
        gx, gy = (ox, oy + 0.08) if fault else (ox, oy)  # a grasp 8 cm beside the cube closes on air
        z = size / 2
        return [(0.0, [0.4, 0.0, 0.35], 0), (0.2, [gx, gy, z + 0.12], 0), (0.35, [gx, gy, z], 0), (0.45, [gx, gy, z], 1),
                (0.6, [gx, gy, z + 0.15], 1), (0.78, [tx, ty, z + 0.15], 1), (0.88, [tx, ty, z + 0.02], 1), (0.94, [tx, ty, z + 0.02], 0),
                (1.0, [tx, ty, z + 0.12], 0)]
    push_from = oy - size / 2 - 0.04
    px = ox + 0.09 if fault else ox  # a push aimed 9 cm beside the block passes it by
    end = ty - size / 2 - 0.01
    z = 0.02
    return [(0.0, [0.4, 0.0, 0.35], 1), (0.2, [px, push_from, z + 0.12], 1), (0.35, [px, push_from, z], 1), (0.85, [px, end, z], 1),
            (1.0, [px, end, z + 0.12], 1)]


def _command(waypoints: list, t: float) -> tuple[np.ndarray, float]:
    for (t0, p0, g0), (t1, p1, _) in itertools.pairwise(waypoints):
        if t <= t1:
            a = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
            return np.asarray(p0) + a * (np.asarray(p1) - np.asarray(p0)), float(g0)
    return np.asarray(waypoints[-1][1], dtype=float), float(waypoints[-1][2])


def _intrinsics(fov_deg: float, w: int, h: int) -> dict:
    f = (h / 2) / math.tan(math.radians(fov_deg) / 2)
    return {"fx": round(f, 4), "fy": round(f, 4), "cx": w / 2, "cy": h / 2, "width": w, "height": h, "fov_deg": fov_deg}


def _wrist_view(client: int, robot: int, cam: dict) -> list[float]:
    pos, quat = p.getLinkState(robot, HAND_LINK, computeForwardKinematics=True, physicsClientId=client)[4:6]
    rot = np.asarray(p.getMatrixFromQuaternion(quat)).reshape(3, 3)
    eye = np.asarray(pos) + rot @ np.asarray(cam["offset"])
    return list(p.computeViewMatrix(eye.tolist(), (np.asarray(pos) + rot @ [0, 0, cam["look_m"]]).tolist(), (rot @ [1, 0, 0]).tolist()))


def boxes_from_segmentation(seg: np.ndarray, ignore: tuple[int, ...] = (-1, 0)) -> list[list[int]]:
    """2-D boxes [object id, x0, y0, x1, y1] (inclusive pixels) of every object a mask shows."""
    out = []
    for uid in np.unique(seg):
        if int(uid) in ignore:
            continue
        ys, xs = np.nonzero(seg == uid)
        out.append([int(uid), int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())])
    return out


def render_episode(params: dict, out_dir: Path) -> Episode:
    """Run the scripted task, render every camera at every frame, return the episode."""
    render, light = params["render"], params["lighting"]
    w, h, fps, n = render["width"], render["height"], render["fps"], render["num_frames"]
    near, far = params["near"], params["far"]
    client = p.connect(p.DIRECT)
    try:
        p.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=client)
        p.setGravity(0, 0, -9.81, physicsClientId=client)
        p.setTimeStep(1.0 / _PHYSICS_HZ, physicsClientId=client)
        plane = p.loadURDF("plane.urdf", physicsClientId=client)
        p.changeVisualShape(plane, -1, rgbaColor=params["table_color"], physicsClientId=client)
        robot = p.loadURDF("franka_panda/panda.urdf", useFixedBase=True, physicsClientId=client)
        obj = params["objects"][0]
        half = [s / 2 for s in obj["size"]]
        body = p.createMultiBody(0.1, p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=client),
                                 p.createVisualShape(p.GEOM_BOX, halfExtents=half, rgbaColor=obj["color"], physicsClientId=client),
                                 basePosition=obj["position"], physicsClientId=client)
        mark = p.createVisualShape(p.GEOM_CYLINDER, radius=0.035, length=0.002, rgbaColor=params["target"]["color"], physicsClientId=client)
        p.createMultiBody(0, -1, mark, basePosition=params["target"]["position"] + [0.001], physicsClientId=client)
        for link in (-1, *FINGERS):
            p.changeDynamics(robot if link != -1 else body, link, lateralFriction=1.5, physicsClientId=client)
        home = [0.0, -0.3, 0.0, -2.2, 0.0, 2.0, 0.785]
        for j, q in zip(ARM_JOINTS, home):
            p.resetJointState(robot, j, q, physicsClientId=client)
        for j in FINGERS:
            p.resetJointState(robot, j, 0.04, physicsClientId=client)
        waypoints = _waypoints(params)
        cams = params["cameras"]
        fixed_views = {c: list(p.computeViewMatrix(cams[c]["eye"], cams[c]["target"], [0, 0, 1])) for c in ("front", "side")}
        projections = {c: p.computeProjectionMatrixFOV(cams[c]["fov_deg"], w / h, near, far) for c in CAMERAS}
        frames = {c: ([], [], []) for c in CAMERAS}
        boxes: dict[str, list] = {c: [] for c in CAMERAS}
        wrist_views, state, action, commands = [], [], [], []
        for i in range(n):
            views = {**fixed_views, "wrist": _wrist_view(client, robot, cams["wrist"])}
            wrist_views.append([round(v, 6) for v in views["wrist"]])
            for c in CAMERAS:
                _, _, rgba, zbuf, seg = p.getCameraImage(
                    w, h, views[c], projections[c], renderer=p.ER_TINY_RENDERER, lightDirection=light["direction"],
                    lightColor=light["color"], lightAmbientCoeff=light["ambient"], lightDiffuseCoeff=light["diffuse"],
                    shadow=int(light["shadow"]), physicsClientId=client)
                rgba = np.reshape(np.asarray(rgba, dtype=np.uint8), (h, w, 4))
                zbuf = np.reshape(np.asarray(zbuf, dtype=np.float32), (h, w))
                seg = np.reshape(np.asarray(seg), (h, w)).astype(np.int16)
                frames[c][0].append(np.ascontiguousarray(rgba[:, :, 2::-1]))  # RGBA -> BGR
                frames[c][1].append((far * near / (far - (far - near) * zbuf)).astype(np.float16))
                frames[c][2].append(seg)
                boxes[c].append(boxes_from_segmentation(seg, ignore=(-1, plane)))
            joints = p.getJointStates(robot, list(ARM_JOINTS) + list(FINGERS), physicsClientId=client)
            ee_pos, ee_quat = p.getLinkState(robot, EE_LINK, computeForwardKinematics=True, physicsClientId=client)[4:6]
            state.append([float(s[0]) for s in joints[:7]] + [float(s[1]) for s in joints[:7]] + list(ee_pos) + list(ee_quat)
                         + [float(joints[7][0] + joints[8][0])])
            target, grip = _command(waypoints, (i + 1) / max(n - 1, 1))
            commands.append(target)
            # The action of frame i is what the controller is told to reach by frame i + 1.
            action.append([*(target - np.asarray(ee_pos)).tolist(), 0.0, 0.0, 0.0, grip])
            # One IK solve per frame: the target holds for the frame's physics steps.
            q = p.calculateInverseKinematics(robot, EE_LINK, target.tolist(), _DOWN, maxNumIterations=50, physicsClientId=client)
            p.setJointMotorControlArray(robot, list(ARM_JOINTS), p.POSITION_CONTROL, targetPositions=q[:7], forces=[120.0] * 7,
                                        physicsClientId=client)
            p.setJointMotorControlArray(robot, list(FINGERS), p.POSITION_CONTROL, targetPositions=[0.04 * (1 - grip)] * 2,
                                        forces=[40.0] * 2, physicsClientId=client)
            for _ in range(_PHYSICS_HZ // fps):
                p.stepSimulation(physicsClientId=client)
        final = p.getBasePositionAndOrientation(body, physicsClientId=client)[0]
    finally:
        p.disconnect(client)
    miss = float(np.hypot(final[0] - params["target"]["position"][0], final[1] - params["target"]["position"][1]))
    success = miss <= SUCCESS_RADIUS_M and final[2] < obj["size"][2]  # on the target and resting, not held up
    outcome = "success" if success else (params["fault"] or "missed_target") + f": the object ended {miss * 100:.1f} cm from the target"
    eid = episode_id(params)
    out_dir.mkdir(parents=True, exist_ok=True)
    views_out = {}
    for c in CAMERAS:
        rgb, depth, seg = frames[c]
        video = out_dir / f"robot_{eid[:12]}_{c}.mp4"
        write_h264(video, rgb, fps=fps)
        cam = dict(params["cameras"][c], camera=c, intrinsics=_intrinsics(params["cameras"][c]["fov_deg"], w, h),
                   view_matrix=fixed_views.get(c, "per frame: see camera_params of the episode"))
        views_out[c] = SimScene(row_key(eid, c), {**params, "camera": cam, "episode_id": eid}, video, npz(np.stack(depth)), npz(np.stack(seg)))
    return Episode(eid, {**params, "wrist_view_matrices": wrist_views}, views_out, boxes, [i / fps for i in range(n)], state, action, success, outcome)
