"""The model backends of curation (a VLM captioner, a vision embedder), run inside a real
materialization from tiny random weights loaded with ``from_pretrained``."""
import dagster as dg
import numpy as np
import pytest

from assets.curated_clips import curated_clips
from assets.raw_footage import raw_footage
from dagster_project.resources import resources_for
from resources.curation.backends import make_captioner, make_embedder
from tests.conftest import DAY, copy_into
from tests.tiny_models import CAPTION_WORD, save_tiny_blip, save_tiny_clip


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    return {"clip": save_tiny_clip(root / "clip"), "blip": save_tiny_blip(root / "blip")}


def test_vision_embedder_loads_local_weights(tiny):
    embedder = make_embedder("transformers", str(tiny["clip"]))
    frames = [np.random.default_rng(i).integers(0, 255, (48, 64, 3), dtype=np.uint8) for i in range(6)]
    v = embedder.embed([], frames)
    assert v.shape == (16,) and v.dtype == np.float32 and abs(float(np.linalg.norm(v)) - 1) < 1e-5
    assert np.allclose(v, embedder.embed([], frames))  # deterministic
    assert embedder.embedder_id == f"{tiny['clip']}@main"


def test_vlm_captioner_generates_from_local_weights(tiny):
    captioner = make_captioner("vlm", str(tiny["blip"]))
    text = captioner.caption({}, [np.full((48, 64, 3), 80, np.uint8)])
    assert CAPTION_WORD in text.split()
    assert captioner.captioner_id == f"{tiny['blip']}@main"


def test_backends_need_a_model():
    with pytest.raises(ValueError, match="needs a model"):
        make_embedder("transformers")
    with pytest.raises(ValueError, match="needs a model"):
        make_captioner("vlm")


def test_curation_materializes_with_model_backends(tmp_path, tiny, footage):
    landing = tmp_path / "landing"
    copy_into(landing / DAY, footage["megamind"])
    resources = resources_for(
        "local",
        lake={"root": str(tmp_path / "lake")},
        landing={"path": str(landing)},
        simulator={"episodes": 0, "scenes": 0},
        embedder={"backend": "transformers", "model": str(tiny["clip"])},
        captioner={"backend": "vlm", "model": str(tiny["blip"])},
    )
    result = dg.materialize([raw_footage, curated_clips], resources=resources, partition_key=DAY)
    assert result.success
    rows = resources["lake"].lake().read("curated_clips").to_pylist()
    assert len(rows) == 4
    for r in rows:
        assert r["embedder"] == f"{tiny['clip']}@main" and len(r["embedding"]) == 16
        assert r["captioner"] == f"{tiny['blip']}@main" and CAPTION_WORD in r["caption"]
    md = result.asset_materializations_for_node("curated_clips")[0].metadata
    assert md["embedder"].value == f"{tiny['clip']}@main"
