"""Text-overlay detectors: is there artificial text (captions, burned-in subtitles, logos with
words, timestamps) on a frame? Cosmos Curator drops clips with text overlays; a model
trained on them learns to draw text.

- ``rapidocr``: PaddleOCR's PP-OCR detection and recognition models as ONNX, run by
  onnxruntime on the CPU; the ``rapidocr`` wheel ships the models (no download). A frame
  has text when a recognised line of at least ``min_chars`` letters or digits scores at
  least ``min_score``: detection alone fires on textured scenes (foliage, brick), the
  recogniser's confidence is what separates words from texture.
- ``none``: no text detection (the clip's ``text_fraction`` is null: not measured).
"""
from __future__ import annotations

import importlib.metadata

import numpy as np


class RapidOcrText:
    def __init__(self, min_score: float = 0.8, min_chars: int = 3):
        from rapidocr import RapidOCR

        # Detection at the frame's own size (at most 640 px): the default upscales the short side
        # to 736 px, four times the work on a 288-line frame for no better reading of overlays.
        # Errors only: it warns on every frame without text, which is most frames.
        self._ocr = RapidOCR(params={"Det.limit_type": "max", "Det.limit_side_len": 640, "Global.log_level": "error"})
        self.min_score, self.min_chars = min_score, min_chars
        self.detector_id = f"rapidocr@{importlib.metadata.version('rapidocr')}"

    def lines(self, bgr: np.ndarray) -> list[tuple[str, float]]:
        """The text lines read on a BGR frame, with the recogniser's confidence."""
        result = self._ocr(bgr, use_det=True, use_cls=False, use_rec=True)
        txts, scores = getattr(result, "txts", None) or (), getattr(result, "scores", None) or ()
        return list(zip(txts, (float(s) for s in scores)))

    def has_text(self, bgr: np.ndarray) -> bool:
        return any(score >= self.min_score and sum(ch.isalnum() for ch in txt) >= self.min_chars for txt, score in self.lines(bgr))


def rapidocr_installed() -> bool:
    for package in ("rapidocr", "onnxruntime"):
        try:
            importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return False
    return True


def make_text_detector(kind: str, min_score: float = 0.8):
    """The detector of CurationSettings.text_detector; None for ``none``."""
    if kind == "none":
        return None
    if kind == "rapidocr":
        if not rapidocr_installed():
            raise ValueError("the rapidocr text detector needs the rapidocr and onnxruntime packages")
        return RapidOcrText(min_score)
    raise ValueError(f"unknown text detector {kind!r} (rapidocr | none)")
