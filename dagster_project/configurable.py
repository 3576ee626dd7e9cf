"""The engines as Dagster ConfigurableResources: settings in, plain engine objects out.

Every resource hands out its plain object through a method: ``lake()``, ``zone()``,
``scene_params()``, ``settings()``, and ``engine()`` for each engine, which is built from the
resource's fields by ``resources.engines.engine_for`` - the same function the Spark workers use,
so an engine is built once per process for one set of settings.
"""
from __future__ import annotations

from typing import Any

import dagster as dg
from pydantic import PrivateAttr

from dagster_project.settings import env_value
from resources.curation.settings import DEFAULT_DETECTOR, DEFAULT_TEXT_DETECTOR
from resources.downstream.settings import DownstreamSettings
from resources.engines import engine_for
from resources.execution.settings import ExecutionSettings
from resources.lake import Lake
from resources.sources.ingest import IngestSettings
from resources.sources.landing import LandingZone
from resources.sources.robot import episode_params
from resources.sources.simulator import scene_params


class EngineResource(dg.ConfigurableResource):
    """A resource whose fields are the settings of one engine (``engine_name``)."""

    @classmethod
    def engine_name(cls) -> str:
        return cls.__name__.removesuffix("Resource").lower()

    def engine(self) -> Any:
        return engine_for(self.engine_name(), self.model_dump())


class LakeResource(dg.ConfigurableResource):
    """Delta tables and blobs under one root: a local directory or s3://bucket/prefix.
    S3 credentials come from the environment (AWS_*) or the instance role, never from here."""

    root: str = "./lake"
    lerobot_export_root: str = ""  # where LeRobot exports go; empty: <root>/exports/lerobot
    _lake: Lake | None = PrivateAttr(default=None)

    def lerobot_root(self) -> str:
        return self.lerobot_export_root or f"{self.root.rstrip('/')}/exports/lerobot"

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

    def zone(self) -> LandingZone:
        return LandingZone(self.path)

    def ingest_settings(self) -> IngestSettings:
        return IngestSettings(self.min_frames, self.max_file_bytes)


class SimulatorResource(dg.ConfigurableResource):
    """pybullet scenes and robot episodes rendered with the TinyRenderer; ``scenes=0`` and
    ``episodes=0`` turn each off. Robot episodes render 3 cameras each (about 15 frames/s per
    camera at 160x120 on one core), so their count and size are kept small by default."""

    scenes: int = 2
    seed: int = 7
    width: int = 320
    height: int = 240
    fps: int = 10
    num_frames: int = 40
    episodes: int = 3
    episode_width: int = 160
    episode_height: int = 120
    episode_frames: int = 48
    failure_every: int = 3  # every n-th episode carries a scripted fault (a missed grasp or push); 0: none

    def scene_params(self) -> list[dict]:
        return [scene_params(i, self.seed, self.width, self.height, self.fps, self.num_frames) for i in range(self.scenes)]

    def episode_params(self) -> list[dict]:
        return [episode_params(i, self.seed, self.episode_width, self.episode_height, self.fps, self.episode_frames, self.failure_every)
                for i in range(self.episodes)]


class CuratorResource(EngineResource):
    """Splitting, filters and near-duplicate removal (see CurationSettings for each field)."""

    detector: str = DEFAULT_DETECTOR  # transnetv2 where installed (make setup), else content
    transnet_threshold: float = 0.4
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
    motion_vectors: str = "score"  # off | score | filter
    min_mv_global_mean: float = 0.00098
    min_mv_patch_min: float = 0.000001
    black_level: float = 8.0
    max_black_fraction: float = 0.2
    frozen_epsilon: float = 0.0005
    max_frozen_fraction: float = 0.5
    text_detector: str = DEFAULT_TEXT_DETECTOR  # rapidocr where installed (make setup), else none
    text_samples: int = 3
    text_min_score: float = 0.8
    max_text_fraction: float = 0.3
    score_only: list[str] = []
    dedup_max_distance: float = 4.0
    device: str = "cpu"
    crf: int = 23
    preset: str = "veryfast"



class EmbedderResource(EngineResource):
    """Clip embeddings for semantic dedup: ``descriptor`` (no weights) or ``transformers``
    (a vision model from ``model``: a local directory or a hub id at ``revision``)."""

    backend: str = "descriptor"
    model: str | None = None
    revision: str | None = None
    device: str = "cpu"
    max_similarity: float = 0.995  # cosine; distinct 5 s windows of one static camera reach 0.992


class CaptionerResource(EngineResource):
    """Clip captions: ``template`` (no weights) or ``vlm`` (a vision-language model)."""

    backend: str = "template"
    model: str | None = None
    revision: str | None = None
    device: str = "cpu"


class ScenarioResource(dg.ConfigurableResource):
    """The scenario spec (YAML) the transfer plan works toward, and how hard it tries: a
    recipe whose variant the evaluator rejects is planned again with a new seed, at most
    ``retry_budget`` times per clip (0: never)."""

    path: str
    retry_budget: int = 2
    # A Delta table of failures besides the logs that land in the zone's failure_logs/ folders;
    # empty: none. Its entries enter on the day they were logged (docs/failure_logs.md).
    failure_log_table: str = ""


class TransferResource(EngineResource):
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


class EvaluatorResource(EngineResource):
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
    # An original clip's own bars (the curator's defaults): docs/evaluator.md.
    min_sharpness: float = 15.0
    max_clipped_fraction: float = 0.5
    min_brightness: float = 12.0
    max_brightness: float = 245.0
    min_motion: float = 0.0005
    max_frozen_fraction: float = 0.5
    # Checks that reject a sample they cannot measure, e.g. misalignment (docs/evaluator.md).
    block_unmeasured: list[str] = []
    critic_model: str | None = None
    depth_model: str | None = None
    device: str = "cpu"


class DownstreamResource(dg.ConfigurableResource):
    """How the downstream_eval asset trains and tests (resources/downstream/): the same steps and
    batch size for every arm, over ``seeds`` initialisations (docs/downstream.md)."""

    steps: int = 300
    batch_size: int = 16
    seeds: int = 3
    width: int = 64
    height: int = 48
    every: int = 2
    test_scenes: int = 4
    test_frames: int = 20

    def settings(self) -> DownstreamSettings:
        return DownstreamSettings(self.steps, self.batch_size, self.seeds, self.width, self.height, self.every, self.test_scenes, self.test_frames)


class TokenizerResource(EngineResource):
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


class ExecutionResource(dg.ConfigurableResource):
    """Where curation, transfer, evaluation and tokenization run: ``inprocess`` (default), or
    their Spark jobs through Dagster Pipes: ``local_spark`` (a local[N] session in a
    subprocess), ``emr_serverless`` or ``emr`` (dagster-aws clients); resources/execution/settings.py and dagster_project/spark_launch.py
    and docs/spark.md explain each field. A field left unset here (or in the run's config)
    is read from ``FACTORY_EXECUTOR_<FIELD>`` when the asset runs, else its default. Bound with
    the other resources (dagster_project/resources.py), not on the assets: an asset-bound
    resource is a beta feature of Dagster, and warned at every start."""

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
        # Unset fields are read from the environment when the stage runs, through the one
        # parser every setting goes through (dagster_project/settings.py).
        values = {}
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            values[name] = env_value(f"FACTORY_EXECUTOR_{name}".upper(), field.annotation) if value is None else value
        return ExecutionSettings.resolve(values)

