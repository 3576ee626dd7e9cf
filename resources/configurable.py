"""The engines as Dagster ConfigurableResources: settings in, plain engine objects out."""
from __future__ import annotations


import dagster as dg
from pydantic import PrivateAttr

from resources.captioner import Captioner, make_captioner
from resources.curator import CurationSettings, Curator
from resources.embedder import Embedder, make_embedder
from resources.evaluator import EvaluationSettings, Evaluator
from resources.ingest import IngestSettings
from resources.lake import Lake
from resources.simulator import scene_params
from resources.tokenizer import Tokenizer, make_tokenizer
from resources.transfer import TransferEngine, make_engine


class LakeResource(dg.ConfigurableResource):
    """Delta tables and blobs under one root: a local directory or s3://bucket/prefix.
    S3 credentials come from the environment (AWS_*) or the instance role, never from here."""

    root: str = "./lake"
    _lake: Lake | None = PrivateAttr(default=None)

    @property
    def lake(self) -> Lake:
        if self._lake is None:
            self._lake = Lake(self.root)
        return self._lake


class LandingZoneResource(dg.ConfigurableResource):
    """Where footage lands: ``<path>/YYYY-MM-DD/...`` (or flat, dated by modification time)."""

    path: str
    min_frames: int = 2
    max_file_bytes: int = 4 << 30
    # A file touched more recently than this may still be being copied in: the sensor waits.
    settle_s: float = 30.0

    @property
    def settings(self) -> IngestSettings:
        return IngestSettings(self.min_frames, self.max_file_bytes)


class SimulatorResource(dg.ConfigurableResource):
    """pybullet scenes rendered with the TinyRenderer; ``scenes=0`` turns simulation off."""

    scenes: int = 2
    seed: int = 7
    width: int = 320
    height: int = 240
    fps: int = 10
    num_frames: int = 40

    def scene_params(self) -> list[dict]:
        return [scene_params(i, self.seed, self.width, self.height, self.fps, self.num_frames) for i in range(self.scenes)]


class CuratorResource(dg.ConfigurableResource):
    """Splitting, filters and near-duplicate removal (see CurationSettings for each field)."""

    detector: str = "content"
    cut_threshold: float = 27.0
    stride_s: float = 10.0
    trim_frames: int = 1
    min_clip_s: float = 1.0
    max_clip_s: float = 10.0
    min_sharpness: float = 15.0
    max_clipped_fraction: float = 0.5
    min_brightness: float = 12.0
    max_brightness: float = 245.0
    min_motion: float = 0.0005
    black_level: float = 8.0
    max_black_fraction: float = 0.2
    frozen_epsilon: float = 0.0005
    max_frozen_fraction: float = 0.5
    score_only: list[str] = []
    dedup_max_distance: float = 4.0
    crf: int = 23
    preset: str = "veryfast"

    def curator(self) -> Curator:
        return Curator(CurationSettings(**{**self.model_dump(), "score_only": tuple(self.score_only)}))


class EmbedderResource(dg.ConfigurableResource):
    """Clip embeddings for semantic dedup: ``descriptor`` (no weights) or ``transformers``
    (a vision model from ``model``: a local directory or a hub id at ``revision``)."""

    backend: str = "descriptor"
    model: str | None = None
    revision: str | None = None
    device: str = "cpu"
    max_similarity: float = 0.995  # cosine; distinct 5 s windows of one static camera reach 0.992
    _embedder: Embedder | None = PrivateAttr(default=None)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:  # a model is loaded once per process
            self._embedder = make_embedder(self.backend, self.model, self.revision, self.device)
        return self._embedder


class CaptionerResource(dg.ConfigurableResource):
    """Clip captions: ``template`` (no weights) or ``vlm`` (a vision-language model)."""

    backend: str = "template"
    model: str | None = None
    revision: str | None = None
    device: str = "cpu"
    _captioner: Captioner | None = PrivateAttr(default=None)

    @property
    def captioner(self) -> Captioner:
        if self._captioner is None:
            self._captioner = make_captioner(self.backend, self.model, self.revision, self.device)
        return self._captioner


class ScenarioResource(dg.ConfigurableResource):
    """The scenario spec (YAML) the transfer plan works toward."""

    path: str


class TransferResource(dg.ConfigurableResource):
    """Which backend renders the planned recipes (the plan says which conditions, on which clips)."""

    backend: str = "procedural"
    _engine: TransferEngine | None = PrivateAttr(default=None)

    @property
    def engine(self) -> TransferEngine:
        # Loaded once per process: a model backend must not be reloaded per clip.
        if self._engine is None:
            self._engine = make_engine(self.backend)
        return self._engine


class EvaluatorResource(dg.ConfigurableResource):
    """Check thresholds (see EvaluationSettings), and optional model backends: a VLM critic
    (``critic_model``) and a depth estimator (``depth_model``), each a local directory or hub id."""

    min_edge_f1: float = 0.28
    min_blur_ssim: float = 0.75
    max_flicker: float = 0.03
    max_black_fraction: float = 0.2
    max_extra_clipped: float = 0.25
    min_hallucination_score: float = 0.682
    min_kept_motion: float = 0.4
    max_warp_error: float = 0.12
    max_extra_frozen: float = 0.15
    max_misalignment_px: float = 4.0
    min_adherence: float = 0.5
    min_seg_miou_ratio: float = 0.75
    max_depth_si_rmse: float = 0.5
    min_critic: float = 0.5
    critic_model: str | None = None
    depth_model: str | None = None
    device: str = "cpu"
    _evaluator: Evaluator | None = PrivateAttr(default=None)

    def evaluator(self) -> Evaluator:
        if self._evaluator is None:  # models load once per process
            from resources.critic import make_critic, make_depth_estimator

            settings = {k: v for k, v in self.model_dump().items() if k in EvaluationSettings.__dataclass_fields__}
            self._evaluator = Evaluator(
                EvaluationSettings(**settings),
                critic=make_critic(self.critic_model, self.device) if self.critic_model else None,
                depth_estimator=make_depth_estimator(self.depth_model, self.device) if self.depth_model else None,
            )
        return self._evaluator


class TokenizerResource(dg.ConfigurableResource):
    backend: str = "dct"
    shard_max_rows: int = 64
    shard_max_bytes: int = 64 << 20
    val_fraction: float = 0.1
    _tokenizer: Tokenizer | None = PrivateAttr(default=None)

    @property
    def tokenizer(self) -> Tokenizer:
        if self._tokenizer is None:
            self._tokenizer = make_tokenizer(self.backend)
        return self._tokenizer
