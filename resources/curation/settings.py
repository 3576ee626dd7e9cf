"""The curator's settings: how footage is split, which filters drop a clip and at what bound."""
from __future__ import annotations

from dataclasses import dataclass

from resources.curation.backends.shots import transnetv2_installed
from resources.curation.backends.text import rapidocr_installed

FILTERS = ("motion", "motion_vectors", "sharpness", "exposure", "black_frames", "frozen", "text")
MODES = ("off", "score", "filter")  # a model filter: not run, run and recorded, run and dropping

# The learned models are the default where their packages are installed (make setup installs
# them), the classical detectors otherwise, so a bare `pip install` of the engines still runs.
DEFAULT_DETECTOR = "transnetv2" if transnetv2_installed() else "content"
DEFAULT_TEXT_DETECTOR = "rapidocr" if rapidocr_installed() else "none"


@dataclass(frozen=True)
class CurationSettings:
    detector: str = DEFAULT_DETECTOR  # transnetv2 | content | adaptive (PySceneDetect) | stride (fixed windows)
    transnet_threshold: float = 0.4  # TransNetV2 transition probability; Cosmos Curator's default
    cut_threshold: float = 27.0  # PySceneDetect's content detector
    stride_s: float = 10.0  # window length in stride mode
    trim_frames: int = 1  # frames dropped on each side of a detected cut (blends, flashes)
    min_clip_s: float = 1.0
    max_clip_s: float = 10.0
    min_sharpness: float = 15.0  # variance of the Laplacian on a grey frame 256 px wide
    max_clipped_fraction: float = 0.5  # share of pixels crushed to black or blown to white
    min_brightness: float = 12.0
    max_brightness: float = 245.0
    min_motion: float = 0.0005  # mean |frame difference| / 255; below it a clip is static
    # Codec motion vectors (Cosmos Curator's metric and bounds). Scored, not dropping, by
    # default: its bounds were set on internet video, and a fixed camera over a walkway
    # (people crossing a still background) reads 0.0002, under the 0.00098 global bound.
    motion_vectors: str = "score"  # off | score | filter
    min_mv_global_mean: float = 0.00098
    min_mv_patch_min: float = 0.000001
    black_level: float = 8.0  # a frame whose mean brightness is below this is black
    max_black_fraction: float = 0.2
    frozen_epsilon: float = 0.0005  # a frame that differs from the previous by less is frozen
    max_frozen_fraction: float = 0.5
    text_detector: str = DEFAULT_TEXT_DETECTOR  # rapidocr | none
    text_samples: int = 3  # frames per clip read by OCR, evenly spread
    text_min_score: float = 0.8  # recogniser confidence for a line to count as text
    max_text_fraction: float = 0.3  # a clip with text on more of its sampled frames has an overlay
    score_only: tuple[str, ...] = ()  # filters that score and flag but do not drop
    dedup_max_distance: float = 4.0  # mean pHash Hamming distance (of 64 bits) for a near-duplicate
    device: str = "cpu"  # where TransNetV2 runs (cuda on a GPU worker)
    crf: int = 23
    preset: str = "veryfast"

    def check(self) -> None:
        """Raise ValueError on a setting no curator can run with."""
        unknown = set(self.score_only) - set(FILTERS)
        if unknown:
            raise ValueError(f"score_only names unknown filters {sorted(unknown)}; filters are {list(FILTERS)}")
        if self.motion_vectors not in MODES:
            raise ValueError(f"motion_vectors must be one of {list(MODES)}, not {self.motion_vectors!r}")
        if self.text_samples < 1:
            raise ValueError("text_samples must be at least 1")

    def scoring_only(self, name: str) -> bool:
        """Whether a failing filter flags the clip without dropping it."""
        return name in self.score_only or (name == "motion_vectors" and self.motion_vectors == "score")
