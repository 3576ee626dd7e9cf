"""The engines as Dagster ConfigurableResources: settings in, plain engine objects out."""
from __future__ import annotations


import dagster as dg
from pydantic import PrivateAttr

from resources.captioner import Captioner, make_captioner
from resources.curator import CurationSettings, Curator
from resources.embedder import Embedder, make_embedder
from resources.evaluator import EvaluationSettings, Evaluator
from resources.execution import ExecutionSettings
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
    """Which backend renders the planned recipes (the plan says which conditions, on which clips):
    ``procedural`` (no weights), ``cosmos-transfer2.5`` or ``cosmos3``. The other fields are the
    Cosmos backends' settings; docs/cosmos.md explains each."""

    backend: str = "procedural"
    model: str | None = None  # a local directory of diffusers-format weights, or a hub id
    revision: str | None = None  # hub only; None: the backend's default (Transfer 2.5: diffusers/general)
    controlnet_model: str | None = None  # Transfer 2.5: "{control}" -> edge|blur|depth|seg; None: the hub id of model
    controlnet_revision: str | None = "diffusers/controlnet/general/{control}"  # hub only
    device: str = "auto"  # auto: cuda when there is one, else cpu
    dtype: str = "auto"  # auto: bf16 on a GPU, fp32 on the CPU; or fp32 | bf16 | fp16
    batch_size: int = 1  # Transfer 2.5: recipes of a clip (same control) per call; halved on CUDA out-of-memory
    num_inference_steps: int = 0  # 0: the backend's default
    guidance_scale: float = 0.0  # 0: the backend's default
    control_guidance: float = 1.0  # Cosmos 3: one scale for all its controls
    max_frames_per_chunk: int = 93
    conditional_frames: int = 1
    height: int = 0  # 0: generate at the clip's size (rounded to 16); e.g. 704 for 720p
    negative_prompt: str | None = None
    controls: list[str] = ["edge"]  # every recipe's controls: edge | blur | depth | seg, with :weight
    condition_controls: list[str] = []  # per condition, e.g. fog=depth:0.8
    guardrail: bool = True  # NVIDIA's cosmos_guardrail; false runs without it, and rows say so
    _engine: TransferEngine | None = PrivateAttr(default=None)

    @property
    def engine(self) -> TransferEngine:
        # One engine per resource; the engine loads its model once per process (resources/gpu.py).
        if self._engine is None:
            if self.backend == "procedural":
                self._engine = make_engine(self.backend)
            else:
                from resources.transfer.cosmos_settings import CosmosTransferSettings

                fields = {k: v for k, v in self.model_dump().items() if k != "backend"}
                self._engine = make_engine(self.backend, CosmosTransferSettings(**fields))
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
    """The tokenizer: ``dct`` (no weights), or a learned one - ``cosmos-cv8x8x8``, ``wan2.1``,
    ``vidtok-fsq`` - loaded from ``model`` (a local directory or a hub id); docs/cosmos.md."""

    backend: str = "dct"
    shard_max_rows: int = 64
    shard_max_bytes: int = 64 << 20
    val_fraction: float = 0.1
    model: str | None = None
    revision: str | None = None  # hub only
    subfolder: str | None = None  # e.g. vae, inside a pipeline repository
    device: str = "auto"  # auto: cuda when there is one, else cpu
    dtype: str = "auto"  # auto: bf16 on a GPU, fp32 on the CPU
    batch_size: int = 4  # temporal chunks per forward pass; halved on CUDA out-of-memory
    chunk_frames: int = 0  # frames per temporal chunk; 0: the backend's default
    tile_size: int = 0  # > 0: spatial tiles of this many pixels (wan2.1, vidtok-fsq)
    height: int = 0  # 0: the clip's own size
    _tokenizer: Tokenizer | None = PrivateAttr(default=None)

    @property
    def tokenizer(self) -> Tokenizer:
        if self._tokenizer is None:
            if self.backend == "dct":
                self._tokenizer = make_tokenizer(self.backend)
            else:
                from resources.tokenizer.video_vae import VaeSettings

                fields = {k: v for k, v in self.model_dump().items() if k in VaeSettings.__dataclass_fields__}
                self._tokenizer = make_tokenizer(self.backend, VaeSettings(**fields))
        return self._tokenizer


class ExecutionResource(dg.ConfigurableResource):
    """Where curation, transfer, evaluation and tokenization run: ``inprocess`` (default), or
    their Spark jobs through Dagster Pipes: ``local_spark`` (a local[N] session in a
    subprocess), ``emr_serverless`` or ``emr`` (dagster-aws clients); resources/execution.py
    and docs/spark.md explain each field. A field left unset here (or in the run's config)
    is read from ``FACTORY_EXECUTOR_<FIELD>`` when the asset runs, else its default.

    The stages bind it themselves (``EXECUTOR``): a resource an asset requires would have to
    be bound by every caller, and an asset-bound one cannot also be bound in Definitions."""

    mode: str | None = None  # inprocess | local_spark | emr_serverless | emr
    spark_master: str | None = None  # local_spark: local[N] (default local[2])
    spark_conf: list[str] | None = None  # key=value
    python: str | None = None
    aws_region: str | None = None
    emr_code_uri: str | None = None
    emr_python_archive: str | None = None
    emr_application_id: str | None = None
    emr_execution_role_arn: str | None = None
    emr_log_group: str | None = None
    emr_release_label: str | None = None
    emr_instance_type: str | None = None
    emr_instance_count: int | None = None
    emr_job_flow_role: str | None = None
    emr_service_role: str | None = None
    emr_log_uri: str | None = None
    emr_messages_bucket: str | None = None

    def settings(self) -> ExecutionSettings:
        import os

        values: dict[str, object] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            raw = os.environ.get(f"FACTORY_EXECUTOR_{name}".upper())
            if value is None and raw is not None:
                value = [part.strip() for part in raw.split(",") if part.strip()] if name == "spark_conf" else raw
            values[name] = value
        return ExecutionSettings.resolve(values)


# The one instance every stage binds (Dagster wants one object per resource key across assets).
EXECUTOR = ExecutionResource()
