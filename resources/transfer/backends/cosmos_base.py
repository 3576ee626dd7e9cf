"""What the Cosmos transfer backends share: their settings (TransferResource's fields, as
plain data) and their constructor (model source, revision, controls, device, dtype, version)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from resources.media import gpu
from resources.transfer import controls as ctl
from resources.transfer.backends.guardrail import guardrail_label
from resources.transfer.engine import TransferEngine, TransferError

# What diffusers' Cosmos pipelines raise (as a ValueError) when the guardrail refuses a prompt.
GUARDRAIL_REFUSAL = "Cosmos Guardrail detected unsafe text"


@dataclass(frozen=True)
class CosmosTransferSettings:
    # Where the model is: a local directory (from `hf download ... --local-dir`) or a hub id.
    model: str | None = None
    # The hub revision (branch, tag or commit) of ``model``; ignored for a local directory.
    # None: the backend's default (Transfer 2.5: "diffusers/general").
    revision: str | None = None
    # Transfer 2.5's ControlNets, one per control modality; ``{control}`` is replaced by the
    # modality name. None: the hub id of ``model`` at ``controlnet_revision``.
    controlnet_model: str | None = None
    controlnet_revision: str | None = "diffusers/controlnet/general/{control}"
    device: str = "auto"  # auto: cuda when there is one, else cpu
    dtype: str = "auto"  # auto: bf16 on a GPU, fp32 on the CPU
    batch_size: int = 1  # recipes of one clip (same controls) generated in one call
    num_inference_steps: int = 0  # 0: the backend's default (Transfer 2.5: 36, Cosmos 3: 35)
    guidance_scale: float = 0.0  # 0: the backend's default (Transfer 2.5: 3.0, Cosmos 3: 6.0)
    control_guidance: float = 1.0  # Cosmos 3: one scale for all its controls
    max_frames_per_chunk: int = 93  # NVIDIA's chunk: 93 frames (1 + 4 x 23)
    conditional_frames: int = 1  # frames each chunk takes over from the previous one
    height: int = 0  # 0: generate at the clip's own size (rounded to 16); e.g. 704 for 720p
    negative_prompt: str | None = None  # None: the pipeline's own
    controls: list[str] = field(default_factory=lambda: ["edge"])
    condition_controls: list[str] = field(default_factory=list)
    guardrail: bool = True

    def model_source(self, backend: str) -> str:
        if not self.model:
            raise ValueError(
                f"the {backend} backend needs FACTORY_TRANSFER_MODEL: a local directory of diffusers-format weights or a hub id"
            )
        return self.model

    def is_local(self, source: str) -> bool:
        return os.path.isdir(source)

    def revision_for(self, source: str, revision: str | None) -> str | None:
        """The revision to load ``source`` at: none for a local directory (a directory has
        no revisions; its path is what the rows record)."""
        return None if self.is_local(source) else revision

    def steps(self, default: int) -> int:
        return self.num_inference_steps or default

    def guidance(self, default: float) -> float:
        return self.guidance_scale or default


class CosmosEngine(TransferEngine):
    """A Cosmos transfer backend: settings checked and resolved once; no weights load here
    (the model loads on the first clip, once per process: resources/media/gpu.py)."""

    default_revision: str | None = None  # the hub revision when the settings name none
    default_steps: int
    default_guidance: float

    def __init__(self, settings: CosmosTransferSettings):
        self.settings = settings
        self.source = settings.model_source(self.backend)
        self.revision = settings.revision_for(self.source, settings.revision or self.default_revision)
        self.plan = ctl.ControlPlan.from_settings(settings.controls, settings.condition_controls)
        for condition, controls in ((None, self.plan.default), *self.plan.by_condition):
            where = "FACTORY_TRANSFER_CONTROLS" if condition is None else f"FACTORY_TRANSFER_CONDITION_CONTROLS ({condition})"
            problem = self.controls_problem(controls, where)
            if problem:
                raise ValueError(problem)
        self.guardrail = guardrail_label(settings.guardrail, self.backend)
        self.device = gpu.resolve_device(settings.device)
        self.dtype = gpu.resolve_dtype(settings.dtype, self.device)
        self.model_id = self.source
        self.steps, self.guidance_scale = settings.steps(self.default_steps), settings.guidance(self.default_guidance)
        import diffusers

        # The revision (or "local" for a directory) first: it is what pins the weights.
        revision = self.revision or ("local" if settings.is_local(self.source) else "main")
        parts = [revision, f"diffusers {diffusers.__version__}", f"{self.steps} steps", f"guidance {self.guidance_scale:g}", *self.version_details()]
        self.version = "; ".join([*parts, f"controls {self.plan.describe()}"]) + (f"; height {settings.height}" if settings.height else "")

    def controls_problem(self, controls: tuple[ctl.Control, ...], where: str) -> str | None:
        """Why this backend cannot take ``controls`` (named by the setting ``where``), or None."""
        return None

    def version_details(self) -> list[str]:
        """Settings of this backend that change its output, for the version string."""
        return []

    def conditions(self) -> tuple[str, ...]:
        return tuple(ctl.CONDITION_PHRASES)

    def supports(self, condition: str) -> bool:
        return ctl.supports(condition)


def guardrail_refusal(err: BaseException) -> TransferError | None:
    """The guardrail's refusal of a prompt as the reason its recipe fails, or None for any other error."""
    if isinstance(err, ValueError) and GUARDRAIL_REFUSAL in str(err):
        return TransferError(f"the Cosmos guardrail refused the prompt: {err}")
    return None


def blocked_video(engine: CosmosEngine, generated: np.ndarray) -> TransferError | None:
    """A video the guardrail blocked comes back from the pipeline as all zeros (black)."""
    if engine.guardrail == "cosmos_guardrail" and not np.any(generated):
        return TransferError("the Cosmos guardrail blocked the generated video (the pipeline returned it blacked out)")
    return None
