"""Text overlays found by OCR (RapidOCR's PP-OCR models, shipped in its wheel) on real footage,
with the text burned in, and the models that decided recorded on every row.

The text is burned in with OpenCV's own Hershey font: neither ffmpeg build here (PyAV's nor
imageio-ffmpeg's) has drawtext, and a libass subtitle needs system fonts a fresh machine may
lack; the frames are then encoded H.264 like any footage."""
import importlib.metadata
from pathlib import Path

import cv2
import numpy as np
import pytest

from resources.curation.backends.captioners import TemplateCaptioner
from resources.curation.backends.embedders import DescriptorEmbedder
from resources.curation.backends.text import RapidOcrText
from resources.curation.dedup import KeptIndex
from resources.curation.engine import CurationEngines, CurationSettings, Curator
from resources.curation.settings import DEFAULT_TEXT_DETECTOR
from resources.curation.stage import curate_footage
from resources.media.codec import iter_frames
from resources.media.encoder import write_h264
from resources.sources.ingest import IngestSettings, ingest_file


def _burn(image: np.ndarray, i: int) -> np.ndarray:
    out = image.copy()
    cv2.putText(out, "CAM 3  NORTH GATE", (24, 48), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (255, 255, 255), 3, cv2.LINE_AA)
    cv2.putText(out, f"2026-12-04 10:31:{i // 10:02d}", (24, 540), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2, cv2.LINE_AA)
    return out


@pytest.fixture(scope="module")
def walkways(footage, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("text")
    frames = [f.image for f in iter_frames(footage["vtest"], 0, 30)]
    clean, burned = root / "walkway_clean.mp4", root / "walkway_text.mp4"
    write_h264(clean, frames, fps=10)
    write_h264(burned, [_burn(f, i) for i, f in enumerate(frames)], fps=10)
    return {"clean": clean, "text": burned}


@pytest.fixture(scope="module")
def ocr() -> RapidOcrText:
    return RapidOcrText()


def test_ocr_reads_the_burned_in_text_and_nothing_on_the_clean_frames(walkways, ocr):
    text = next(iter_frames(walkways["text"])).small(640)
    clean = next(iter_frames(walkways["clean"])).small(640)
    read = " ".join(t for t, _ in ocr.lines(text))
    assert "NORTH" in read and "GATE" in read, read
    assert ocr.has_text(text) and not ocr.has_text(clean), ocr.lines(clean)


def _curate(lake, path: Path, ocr: RapidOcrText, **settings) -> list[dict]:
    curator = Curator(CurationSettings(detector="stride", text_detector="rapidocr", **settings))
    curator._text = ocr  # one model load for the module
    row, _ = ingest_file(lake, path, path.name, set(), IngestSettings())
    engines = CurationEngines(curator, DescriptorEmbedder(), TemplateCaptioner(), max_similarity=0.995)
    return curate_footage(lake, engines, row, KeptIndex())


def test_clip_with_text_overlay_is_dropped_and_the_clean_one_kept(lake, walkways, ocr):
    assert DEFAULT_TEXT_DETECTOR == "rapidocr" and CurationSettings().text_detector == "rapidocr"
    (clean,) = _curate(lake, walkways["clean"], ocr)
    (burned,) = _curate(lake, walkways["text"], ocr)
    assert clean["text_fraction"] == 0.0 and clean["status"] == "kept" and "text" not in clean["flags"]
    assert burned["text_fraction"] == 1.0 and burned["status"] == "dropped"
    assert burned["drop_reason"].startswith("text overlay: OCR reads text on 100% of sampled frames"), burned["drop_reason"]
    for row in (clean, burned):  # which models and versions decided
        assert row["text_detector"] == f"rapidocr@{importlib.metadata.version('rapidocr')}"
        assert row["shot_detector"] == "stride 10 s" and row["curator_version"] == "curator-5"
        assert row["mv_global_mean"] is not None  # H.264: the codec's vectors were measured


def test_score_only_text_flags_but_keeps(lake, walkways, ocr):
    (row,) = _curate(lake, walkways["text"], ocr, score_only=("text",))
    assert row["status"] == "kept" and "text" in row["flags"] and row["text_fraction"] == 1.0


def test_no_text_detector_leaves_text_unmeasured(lake, walkways):
    curator = Curator(CurationSettings(detector="stride", text_detector="none"))
    row, _ = ingest_file(lake, walkways["text"], "t.mp4", set(), IngestSettings())
    (clip,) = curate_footage(lake, CurationEngines(curator, DescriptorEmbedder(), TemplateCaptioner(), 0.995), row, KeptIndex())
    assert clip["text_fraction"] is None and clip["text_detector"] is None and clip["status"] == "kept"
