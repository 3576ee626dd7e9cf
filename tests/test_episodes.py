"""Robot episodes end to end: the simulated arm with three cameras, LeRobot v3 datasets in (one
written by lerobot's own writer, kept in tests/data) and out, and bad datasets refused.

lerobot itself cannot be installed beside this project (torch, diffusers and av pins), so here the
export is read back with pyarrow and PyAV against the v3 layout; `make lerobot-check` loads it with
lerobot's own LeRobotDataset in an isolated environment (README, docs/episodes.md).
"""
import json
import shutil
from pathlib import Path

import av
import dagster as dg
import numpy as np
import pyarrow.parquet as pq
import pytest

from dagster_project.catalog import assets_named
from dagster_project.definitions import defs
from dagster_project.resources import resources_for
from resources.episodes.frames import from_parquet
from resources.episodes.lerobot_v3 import _moments, aggregate_moments, read_dataset
from resources.sources.robot import ACTION_NAMES, CAMERAS, STATE_NAMES, boxes_from_segmentation, episode_params, render_episode
from resources.sources.simulator import load_npz

FIXTURE = Path(__file__).parent / "data" / "lerobot_v3_written"
DAY = "2026-11-20"


@pytest.fixture(scope="module")
def episode_run(tmp_path_factory):
    """Two simulated episodes (the second with a scripted missed push) and the lerobot-written
    dataset, through the whole factory job: every table, and the LeRobot export."""
    root = tmp_path_factory.mktemp("episodes")
    landing = root / "landing" / DAY
    landing.mkdir(parents=True)
    shutil.copytree(FIXTURE, landing / "so100_pick")
    resources = resources_for(
        "local", lake={"root": str(root / "lake")}, landing={"path": str(root / "landing"), "settle_s": 0},
        simulator={"scenes": 0, "episodes": 2, "failure_every": 2, "episode_width": 128, "episode_height": 96},
    )
    result = defs.resolve_job_def("factory_job").execute_in_process(partition_key=DAY, resources=resources, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    return resources["lake"].lake(), resources["lake"].lerobot_root()


def test_simulated_episode_has_aligned_cameras_state_and_action(tmp_path):
    ep = render_episode(episode_params(0, 3, 96, 72, 10, 30), tmp_path)
    assert set(ep.views) == set(CAMERAS)
    n = len(ep.timestamps)
    assert n == 30 and len(ep.state) == len(ep.action) == n
    assert all(len(s) == len(STATE_NAMES) for s in ep.state) and all(len(a) == len(ACTION_NAMES) for a in ep.action)
    for camera, view in ep.views.items():
        with av.open(str(view.video_path)) as c:
            assert c.streams.video[0].frames == n, camera
        assert load_npz(view.depth_npz).shape == load_npz(view.seg_npz).shape == (n, 72, 96)
        assert len(ep.boxes[camera]) == n
    # The wrist camera rides on the hand: its extrinsics change every frame, the front camera's do not.
    wrist = np.asarray(ep.params["wrist_view_matrices"])
    assert wrist.shape == (n, 16) and np.abs(np.diff(wrist, axis=0)).max() > 1e-3
    # The arm moves: joint positions change, and the commanded deltas are not all zero.
    assert np.abs(np.asarray(ep.state)[-1, :7] - np.asarray(ep.state)[0, :7]).max() > 0.1
    assert np.abs(np.asarray(ep.action)[:, :3]).max() > 0.01


def test_outcomes_are_measured_from_the_physics(tmp_path):
    """A scripted fault fails, and says how far the object ended from the target."""
    faulty = episode_params(1, 3, 64, 48, 10, 48, failure_every=2)
    assert faulty["fault"] == "missed_push"
    ep = render_episode(faulty, tmp_path)
    assert not ep.success and ep.outcome.startswith("missed_push: the object ended ") and "cm from the target" in ep.outcome


def test_boxes_come_from_the_segmentation():
    seg = np.full((10, 12), -1, np.int16)
    seg[5:, :] = 0  # the ground: ignored
    seg[2:4, 3:7] = 2
    seg[6, 9] = 3
    assert boxes_from_segmentation(seg) == [[2, 3, 2, 6, 3], [3, 9, 6, 9, 6]]


def test_episodes_table_ties_cameras_to_actions(episode_run):
    lake, _ = episode_run
    episodes = lake.read("episodes").to_pylist()
    sim = [e for e in episodes if e["source_kind"] == "sim"]
    real = [e for e in episodes if e["source_uri"].startswith("lerobot://")]
    assert len(sim) == 2 and len(real) == 2
    footage = {r["footage_id"]: r for r in lake.read("raw_footage").to_pylist()}
    for e in episodes:
        assert len(e["action"]) == len(e["state"]) == len(e["timestamps"]) == e["frame_count"]
        assert [footage[f]["camera"] for f in e["footage_ids"]] == e["cameras"]
        assert all(footage[f]["frame_count"] == e["frame_count"] and footage[f]["episode_id"] == e["episode_id"] for f in e["footage_ids"])
    for e in sim:
        assert e["cameras"] == sorted(CAMERAS) and e["robot"] == "franka_panda"
        assert set(json.loads(e["camera_params"])) == set(CAMERAS)
        assert e["outcome"] == "success" or not e["success"]
    assert [e["success"] for e in sorted(sim, key=lambda e: json.loads(footage[e["footage_ids"][0]]["sim_params"])["index"])][1] is False
    frames = from_parquet(lake.blobs.read_bytes(sim[0]["frames_blob_key"]))
    assert set(frames.boxes) == set(CAMERAS) and frames.misalignment() is None


def test_lerobot_written_dataset_keeps_its_actions(episode_run):
    """The dataset lerobot's writer made: its actions and states arrive unchanged, frame by frame."""
    lake, _ = episode_run
    data = pq.read_table(FIXTURE / "data/chunk-000/file-000.parquet").to_pylist()
    real = {e["source_uri"]: e for e in lake.read("episodes").to_pylist() if e["source_uri"].startswith("lerobot://")}
    for index in (0, 1):
        row = real[f"lerobot://{DAY}/so100_pick#episode={index}"]
        mine = [d for d in data if d["episode_index"] == index]
        assert row["action"] == [d["action"] for d in mine] and row["state"] == [d["observation.state"] for d in mine]
        assert row["cameras"] == ["front", "wrist"] and row["robot"] == "so100_follower"
    assert {e["task"] for e in real.values()} == {"pick the red block", "push the red block left"}


def test_export_is_a_lerobot_v3_dataset(episode_run):
    """Layout and schema of what we write, read back by our reader and by pyarrow and PyAV."""
    lake, _ = episode_run
    exports = lake.read("lerobot_exports").to_pylist()
    assert sorted(Path(e["uri"]).name for e in exports) == ["franka_panda", "so100_follower"]
    episodes = {e["episode_id"]: e for e in lake.read("episodes").to_pylist()}
    for export in exports:
        out = Path(export["uri"])
        info = json.loads((out / "meta/info.json").read_text())
        assert info["codebase_version"] == "v3.0" and info["total_episodes"] == export["episodes"] == len(export["episode_ids"])
        stats = json.loads((out / "meta/stats.json").read_text())
        assert {"observation.state", "action"} <= set(stats) and len(stats["action"]["mean"]) == info["features"]["action"]["shape"][0]
        data = pq.read_table(out / "data/chunk-000/file-000.parquet")
        assert data.num_rows == info["total_frames"] == sum(episodes[e]["frame_count"] for e in export["episode_ids"])
        assert data.schema.field("action").type.list_size == info["features"]["action"]["shape"][0]
        meta = pq.read_table(out / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
        for key in [k for k, f in info["features"].items() if f["dtype"] == "video"]:
            with av.open(str(out / info["video_path"].format(video_key=key, chunk_index=0, file_index=0))) as c:
                assert c.streams.video[0].frames == info["total_frames"], key
            assert meta[-1][f"videos/{key}/to_timestamp"] == pytest.approx(info["total_frames"] / info["fps"])
        _, back = read_dataset(out)
        for ep, eid in zip(back, export["episode_ids"]):
            window = slice(meta[ep.index]["physai/from_frame"], meta[ep.index]["physai/to_frame"])
            assert ep.frames.frame_count == len(episodes[eid]["action"][window])
            assert np.allclose(ep.frames.action, episodes[eid]["action"][window])
            assert meta[ep.index]["physai/episode_id"] == eid


def test_cameras_of_an_episode_are_cut_and_transferred_together(episode_run):
    """Every camera of an episode is cut at the same frames, and every view of a window gets the
    same recipe: condition, seed and parameters."""
    lake, _ = episode_run
    clips = [c for c in lake.read("curated_clips").to_pylist() if c["episode_id"]]
    windows = {}
    for c in clips:
        windows.setdefault(c["episode_id"], set()).add((c["start_frame"], c["end_frame"]))
    assert windows and all(len(w) == 1 for w in windows.values())  # one window, the same on every camera
    by_clip = {c["clip_id"]: c for c in clips}
    plan = [p for p in lake.read("transfer_plan").to_pylist() if p["clip_id"] in by_clip]
    leads = {p["plan_id"]: p for p in plan if not p["view_of"]}
    views = [p for p in plan if p["view_of"]]
    assert leads and views
    for v in views:
        lead = leads[v["view_of"]]
        assert (v["condition"], v["seed"], v["recipe_params"]) == (lead["condition"], lead["seed"], lead["recipe_params"])
        a, b = by_clip[v["clip_id"]], by_clip[lead["clip_id"]]
        assert a["episode_id"] == b["episode_id"] and (a["start_frame"], a["end_frame"]) == (b["start_frame"], b["end_frame"])
        assert a["camera"] != b["camera"]
    for lead in leads.values():  # every kept view of the window has the recipe
        kept = {c["camera"] for c in clips if c["episode_id"] == by_clip[lead["clip_id"]]["episode_id"] and c["status"] == "kept"}
        got = {by_clip[p["clip_id"]]["camera"] for p in [lead] + [v for v in views if v["view_of"] == lead["plan_id"]]}
        assert got == kept


def test_export_holds_accepted_originals_and_variants(episode_run):
    """Exported variants are flagged augmented, every view of theirs passed, and their actions
    are their original's over the same frames."""
    lake, _ = episode_run
    exports = lake.read("lerobot_exports").to_pylist()
    passed = {s["variant_id"] for s in lake.read("evaluated_samples").to_pylist() if s["sample_kind"] == "variant" and s["passed"]}
    episodes = {e["episode_id"]: e for e in lake.read("episodes").to_pylist()}
    augmented = 0
    for export in exports:
        meta = pq.read_table(Path(export["uri"]) / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
        data = pq.read_table(Path(export["uri"]) / "data/chunk-000/file-000.parquet").to_pylist()
        assert [m["physai/augmented"] for m in meta] == export["augmented"]
        for m in meta:
            actions = [d["action"] for d in data if d["episode_index"] == m["episode_index"]]
            original = episodes[m["physai/episode_id"]]["action"][m["physai/from_frame"]:m["physai/to_frame"]]
            assert np.allclose(actions, original)
            if m["physai/augmented"]:
                augmented += 1
                assert m["physai/variant_ids"] and set(m["physai/variant_ids"]) <= passed
                assert len(m["physai/variant_ids"]) == len(episodes[m["physai/episode_id"]]["cameras"])
    assert augmented >= 1


def test_shards_carry_aligned_actions_and_the_loader_yields_them(episode_run):
    from resources.tokenization.loader import TokenShardDataset

    lake, _ = episode_run
    episodes = {e["episode_id"]: e for e in lake.read("episodes").to_pylist()}
    clips = {c["clip_id"]: c for c in lake.read("curated_clips").to_pylist()}
    items = [i for split in ("train", "val") for i in TokenShardDataset(lake.root, split=split) if i["meta"]["episode_id"]]
    assert items
    for item in items:
        clip = clips[item["meta"]["clip_id"]]
        expected = episodes[item["meta"]["episode_id"]]["action"][clip["start_frame"]:clip["end_frame"]]
        assert item["action"].shape[0] == item["state"].shape[0] == item["meta"]["num_frames"] == len(expected)
        assert np.allclose(item["action"].numpy(), expected) and item["meta"]["camera"] == clip["camera"]
    # All views and windows of an episode fall in one split.
    splits = {}
    for t in lake.read("tokenized_shards", ["episode_id", "split"]).to_pylist():
        if t["episode_id"]:
            splits.setdefault(t["episode_id"], set()).add(t["split"])
    assert all(len(s) == 1 for s in splits.values())


def test_rerun_adds_nothing(episode_run, tmp_path):
    lake, _ = episode_run
    tables = ("raw_footage", "episodes", "curated_clips", "transfer_plan", "transferred_variants", "evaluated_samples", "lerobot_exports")
    before = {t: lake.version(t) for t in tables}
    landing = Path(lake.root).parent / "landing"
    resources = resources_for("local", lake={"root": lake.root}, landing={"path": str(landing), "settle_s": 0},
                              simulator={"scenes": 0, "episodes": 2, "failure_every": 2, "episode_width": 128, "episode_height": 96})
    job = defs.resolve_job_def("factory_job")
    assert job.execute_in_process(partition_key=DAY, resources=resources, instance=dg.DagsterInstance.ephemeral()).success
    assert {t: lake.version(t) for t in before} == before


def _break(ds: Path, how: str) -> None:
    if how == "missing_video":
        (ds / "videos/observation.images.wrist/chunk-000/file-000.mp4").unlink()
    elif how == "truncated_parquet":
        data = ds / "data/chunk-000/file-000.parquet"
        data.write_bytes(data.read_bytes()[:300])
    elif how == "unknown_version":
        info = json.loads((ds / "meta/info.json").read_text())
        (ds / "meta/info.json").write_text(json.dumps(dict(info, codebase_version="v2.1")))
    elif how == "off_clock":  # episode 1's actions are timed at twice the frame period: not its frames' instants
        import pyarrow as pa
        data = ds / "data/chunk-000/file-000.parquet"
        table = pq.read_table(data)
        times = [t * (2 if e == 1 else 1) for t, e in zip(table.column("timestamp").to_pylist(), table.column("episode_index").to_pylist())]
        pq.write_table(table.set_column(table.column_names.index("timestamp"), "timestamp", pa.array(times, pa.float32())), data)
    elif how == "count_mismatch":  # episode 1 claims more frames than data/ and the videos hold
        meta = ds / "meta/episodes/chunk-000/file-000.parquet"
        table = pq.read_table(meta).to_pylist()
        table[1]["length"] += 5
        import pyarrow as pa
        pq.write_table(pa.Table.from_pylist(table), meta)


def test_bad_lerobot_datasets_are_refused_with_reasons(tmp_path):
    landing = tmp_path / "landing" / DAY
    for how in ("missing_video", "truncated_parquet", "unknown_version", "count_mismatch", "off_clock", "good"):
        shutil.copytree(FIXTURE, landing / how)
        _break(landing / how, how)
    resources = resources_for("local", lake={"root": str(tmp_path / "lake")}, landing={"path": str(tmp_path / "landing"), "settle_s": 0},
                              simulator={"scenes": 0, "episodes": 0})
    assert dg.materialize(assets_named("raw_footage", "episodes"), resources=resources, partition_key=DAY).success
    lake = resources["lake"].lake()
    rejects = {r["reason"]: r for r in lake.read("rejects").to_pylist()}
    reasons = " | ".join(sorted(rejects))
    assert f"LeRobot dataset {DAY}/missing_video: videos/observation.images.wrist/chunk-000/file-000.mp4 (camera wrist, episode 0) is missing" in reasons
    assert f"LeRobot dataset {DAY}/truncated_parquet: data/chunk-000/file-000.parquet cannot be read as Parquet" in reasons
    assert f"LeRobot dataset {DAY}/unknown_version: codebase_version is 'v2.1', not 'v3.0'" in reasons
    assert f"LeRobot dataset {DAY}/count_mismatch: episode 1: meta/episodes says 35 frames, data/ holds 30 rows" in reasons
    assert "the action of frame 1 is at 0.2000 s, not on the cameras' clock (0.1000 s at 10 fps)" in reasons
    assert {r["reason_code"] for r in rejects.values() if "off_clock" in r["source_uri"]} == {"cameras_misaligned"}
    sources = {e["source_uri"] for e in lake.read("episodes").to_pylist()}
    # The good episode of the dataset with a bad episode goes on, and so does the good dataset,
    # though its videos are the same bytes: an episode's camera is keyed by the episode too.
    assert sources == {f"lerobot://{DAY}/count_mismatch#episode=0", f"lerobot://{DAY}/good#episode=0", f"lerobot://{DAY}/good#episode=1",
                       f"lerobot://{DAY}/off_clock#episode=0"}


def test_a_variant_must_land_on_every_view_alike():
    from resources.episodes.selection import views_disagree

    assert views_disagree({"front": 0.9, "side": 0.8, "wrist": 0.7}) is None
    reason = views_disagree({"front": 0.9, "side": 0.8, "wrist": 0.3})
    assert reason and "front 0.90, side 0.80, wrist 0.30" in reason
    assert views_disagree({"front": 0.9, "wrist": None}) is None  # one measured view: nothing to compare


def test_image_stats_combine_per_episode_as_lerobot_does():
    """The export reduces one episode's pixels at a time: combined, min, max, mean and std equal
    those of all pixels at once; quantiles are count-weighted means of each episode's."""
    rng = np.random.default_rng(7)
    episodes = [rng.integers(0, 256, size=(n, 3)).astype(float) / 255 * scale for n, scale in ((500, 1.0), (1700, 0.6), (90, 0.3))]
    whole = np.concatenate(episodes)
    got = aggregate_moments([_moments(e) for e in episodes])
    assert int(got["count"]) == len(whole)
    for key, expected in (("min", whole.min(0)), ("max", whole.max(0)), ("mean", whole.mean(0)), ("std", whole.std(0))):
        assert np.allclose(got[key], expected, rtol=1e-9, atol=1e-12), key
    weights = np.array([len(e) for e in episodes]) / len(whole)
    assert np.allclose(got["q50"], sum(w * np.quantile(e, 0.5, axis=0) for w, e in zip(weights, episodes)))
    same = aggregate_moments([_moments(episodes[0])] * 3)
    assert np.allclose(same["q10"], np.quantile(episodes[0], 0.1, axis=0)) and int(same["count"]) == 3 * len(episodes[0])
