"""The calibration corpus: the evaluator accepts known-good variants and rejects every
deliberately broken one. Prints the confusion matrix per kind of break. This is the calibration
split, the one the thresholds were chosen on; bench/calibration_split.py reports the held-out
split (other clips, other seeds) beside it."""
import collections
import json

import pytest

from resources.evaluation.engine import Evaluator, verdict
from resources.sources.simulator import render_scene, scene_params
from tests.calibration import BREAKS, corpus, real_clips, sim_clip


@pytest.fixture(scope="module")
def results(footage, tmp_path_factory):
    clips = real_clips(footage)
    sims = tmp_path_factory.mktemp("calibration-sim")
    clips["sim_road"] = sim_clip(render_scene(scene_params(1, 11, 160, 120, 10, 24), sims))
    clips["sim_table"] = sim_clip(render_scene(scene_params(0, 11, 160, 120, 10, 24), sims))
    evaluator = Evaluator()
    out = []
    for case in corpus(clips):
        ok, reasons = verdict(evaluator.evaluate(case.clip.frames, case.frames, case.condition, case.clip.seg, case.clip.depth))
        out.append((case.kind, case.source, case.condition, ok, reasons))
    return out


def test_calibration_confusion_matrix(results, capsys):
    matrix = collections.defaultdict(lambda: {"accepted": 0, "rejected": 0})
    for kind, _, _, ok, _ in results:
        matrix[kind]["accepted" if ok else "rejected"] += 1
    with capsys.disabled():
        print("\ncalibration confusion matrix:", json.dumps(matrix, indent=1))
    for kind in BREAKS:
        assert matrix[kind]["accepted"] == 0, [r for r in results if r[0] == kind and r[3]]
        assert matrix[kind]["rejected"] == 6
    good = matrix["good"]
    assert good["accepted"] + good["rejected"] == 66
    assert good["accepted"] / 66 >= 0.95, [r for r in results if r[0] == "good" and not r[3]]
