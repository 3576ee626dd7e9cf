"""The Cosmos Transfer 2.5 backend: diffusers' ``Cosmos2_5_TransferPipeline``, one
``CosmosControlNetModel`` per control modality.

A recipe is rendered from its clip's control video (edge, blur, depth or seg; see
controls.py) and a prompt that names the condition. Frames are resized to the generation
size (multiples of 16) and the output is restored to the clip's size; a clip longer than
one chunk is generated chunk by chunk by the pipeline (each chunk conditioned on the tail of
the one before), so the variant has the clip's frame count and frame size.

diffusers 0.42.1 runs one ControlNet per pipeline call, so this backend gives each recipe
exactly one control; the ControlNet is swapped on the loaded pipeline between recipes
(``register_modules``), and each ControlNet is loaded once per process. Recipes of a clip
that share a control go through the pipeline as one batch (a prompt and a seed each).
"""
from __future__ import annotations

import numpy as np

from resources.media import gpu
from resources.media.geometry import frames_per_chunk, generation_size, rgb_to_frames
from resources.transfer import controls as ctl
from resources.transfer.backends.cosmos_base import CosmosEngine, blocked_video, guardrail_refusal
from resources.transfer.backends.guardrail import no_guardrail
from resources.transfer.engine import ClipMedia, Recipe, TransferError, TransferOutput

DEFAULT_REVISION = "diffusers/general"
DEFAULT_STEPS, DEFAULT_GUIDANCE = 36, 3.0  # the pipeline's defaults
_SPATIAL_MULTIPLE = 16  # the pipeline's own check: height and width divisible by 16


def require_torchvision_resize() -> None:
    """diffusers' Cosmos transformer and ControlNet resize their padding mask with
    torchvision; without it they fail deep inside the first step with a NameError."""
    import diffusers.models.controlnets.controlnet_cosmos as controlnet_module
    import diffusers.models.transformers.transformer_cosmos as transformer_module

    if not all(hasattr(m, "transforms") for m in (transformer_module, controlnet_module)):
        raise RuntimeError(
            "the Cosmos Transfer backends need torchvision (diffusers' Cosmos transformer resizes its padding mask with it); "
            "install the torchvision build that matches your torch"
        )


class CosmosTransfer25(CosmosEngine):
    backend = "cosmos-transfer2.5"
    default_revision = DEFAULT_REVISION
    default_steps, default_guidance = DEFAULT_STEPS, DEFAULT_GUIDANCE

    def controls_problem(self, controls: tuple[ctl.Control, ...], where: str) -> str | None:
        if len(controls) == 1:
            return None
        return (
            f"{self.backend} takes one control per recipe (diffusers runs one ControlNet per call), "
            f"but {where} names {'+'.join(map(str, controls))}; use the cosmos3 backend for several controls at once"
        )

    # --- loading (once per process, through the cache in resources/media/gpu.py) ---------------

    def pipeline_key(self) -> tuple:
        """The process-level cache key of this engine's pipeline (resources/media/gpu.py)."""
        return gpu.model_key("diffusers.Cosmos2_5_TransferPipeline", self.source, self.revision, self.device, self.dtype, self.guardrail)

    def controlnet_key(self, modality: str) -> tuple:
        source, revision = self.controlnet_location(modality)
        return gpu.model_key("diffusers.CosmosControlNetModel", source, revision, self.device, self.dtype)

    def _pipeline(self):
        from diffusers import Cosmos2_5_TransferPipeline

        def load():
            require_torchvision_resize()
            first = self._controlnet(self.plan.default[0].modality)
            # Guardrail on: the pipeline builds cosmos_guardrail's checker itself.
            extra = {} if self.guardrail == "cosmos_guardrail" else {"safety_checker": no_guardrail()}
            pipe = Cosmos2_5_TransferPipeline.from_pretrained(
                gpu.check_model_source(self.source, "FACTORY_TRANSFER_MODEL"), revision=self.revision, controlnet=first, dtype=self.dtype, **extra
            )
            pipe.to(self.device)
            pipe.set_progress_bar_config(disable=True)
            return pipe

        return gpu.load_once(self.pipeline_key(), load)

    def controlnet_location(self, modality: str) -> tuple[str, str | None]:
        """Where the ControlNet of ``modality`` is: (directory or hub id, revision)."""
        s = self.settings
        source = (s.controlnet_model or self.source).replace("{control}", modality)
        revision = (s.controlnet_revision or "").replace("{control}", modality) or None
        return source, s.revision_for(source, revision)

    def _controlnet(self, modality: str):
        from diffusers import CosmosControlNetModel

        source, revision = self.controlnet_location(modality)

        def load():
            gpu.check_model_source(source, f"FACTORY_TRANSFER_CONTROLNET_MODEL (for {modality})")
            return CosmosControlNetModel.from_pretrained(source, revision=revision, dtype=self.dtype).to(self.device)

        return gpu.load_once(self.controlnet_key(modality), load)

    # --- rendering -------------------------------------------------------------------------

    def transfer(self, clip: ClipMedia, recipe: Recipe) -> TransferOutput:
        out = self.transfer_many(clip, [recipe])[0]
        if isinstance(out, TransferError):
            raise out
        return out

    def transfer_many(self, clip: ClipMedia, recipes: list[Recipe]) -> list[TransferOutput | TransferError]:
        results: dict[int, TransferOutput | TransferError] = {}
        groups: dict[ctl.Control, list[int]] = {}
        for i, recipe in enumerate(recipes):
            if not self.supports(recipe.condition):
                raise ValueError(f"{self.backend} has no condition {recipe.condition!r}")
            (control,) = self.plan.for_condition(recipe.condition)
            try:
                ctl.check_ground_truth(clip, (control,))
            except TransferError as err:
                results[i] = err  # this recipe fails with its reason; the others go on
                continue
            groups.setdefault(control, []).append(i)
        t_n, h, w = clip.frames.shape[:3]
        gen_w, gen_h = generation_size(w, h, _SPATIAL_MULTIPLE, self.settings.height)
        for control, members in groups.items():
            video = ctl.control_video(clip, control.modality, gen_w, gen_h)
            outputs = gpu.run_in_batches(
                [recipes[i] for i in members],
                lambda batch, control=control, video=video: self._guarded(clip, control, video, batch, gen_w, gen_h),
                self.settings.batch_size,
                f"rendering {len(members)} {control.modality}-controlled recipes of a {t_n}-frame {gen_w}x{gen_h} clip with {self.backend}",
                "FACTORY_TRANSFER_BATCH_SIZE",
            )
            results.update(zip(members, outputs))
        return [results[i] for i in range(len(recipes))]

    def _guarded(self, clip: ClipMedia, control: ctl.Control, video: np.ndarray, batch: list[Recipe], gen_w: int, gen_h: int) -> list[TransferOutput | TransferError]:
        """The batch generated; a prompt the guardrail refuses fails its own recipe (a refused
        batch is split until the refused prompts are found), and the others are rendered."""
        try:
            outputs = self._generate(clip, control, video, batch, gen_w, gen_h)
        except ValueError as err:
            refusal = guardrail_refusal(err)
            if refusal is None:
                raise
            if len(batch) == 1:
                return [refusal]
            return [out for recipe in batch for out in self._guarded(clip, control, video, [recipe], gen_w, gen_h)]
        return [blocked_video(self, out.frames) or out for out in outputs]

    def _generate(self, clip: ClipMedia, control: ctl.Control, video: np.ndarray, batch: list[Recipe], gen_w: int, gen_h: int) -> list[TransferOutput]:
        import torch

        s = self.settings
        t_n, h, w = clip.frames.shape[:3]
        with gpu.use_lock(self.pipeline_key()):  # the pipeline is shared; its ControlNet is swapped per call
            pipe = self._pipeline()
            pipe.register_modules(controlnet=self._controlnet(control.modality))
            tcf = pipe.vae_scale_factor_temporal
            chunk = frames_per_chunk(t_n, tcf, min(s.max_frames_per_chunk, rope_frame_limit(pipe.transformer.config, tcf)))
            prompts = [ctl.prompt_for(r.condition, clip.caption) for r in batch]
            extra = {} if s.negative_prompt is None else {"negative_prompt": s.negative_prompt}
            result = pipe(
                controls=video,
                controls_conditioning_scale=control.weight,
                prompt=prompts,
                height=gen_h,
                width=gen_w,  # always: without it the pipeline derives a width of its own
                num_frames=t_n,
                num_frames_per_chunk=chunk,
                num_ar_conditional_frames=s.conditional_frames,
                num_inference_steps=self.steps,
                guidance_scale=self.guidance_scale,
                # One generator per recipe, on the CPU: the same seed gives the same noise on any device.
                generator=[torch.Generator("cpu").manual_seed(r.seed) for r in batch],
                output_type="np",
                **extra,
            )
        videos = np.asarray(result.frames)  # B x T x H x W x 3, RGB in [0, 1]
        outputs = []
        for prompt, generated in zip(prompts, videos):
            frames = rgb_to_frames(generated[:t_n], w, h)
            if frames.shape != clip.frames.shape:
                raise RuntimeError(f"{self.backend} returned {frames.shape} for a clip of {clip.frames.shape}")
            params = {
                "prompt": prompt, "controls": {control.modality: control.weight},
                "num_inference_steps": self.steps, "guidance_scale": self.guidance_scale,
                "frames_per_chunk": chunk, "chunks": num_chunks(t_n, chunk, s.conditional_frames),
                "generation_size": [gen_w, gen_h],
            }
            outputs.append(TransferOutput(frames, used_depth=control.modality == "depth", params=params))
        return outputs


def rope_frame_limit(config, temporal_factor: int) -> int:
    """The most frames per chunk the transformer takes: the pipeline's own check (the largest
    RoPE axis), and the latent frames its temporal position table holds."""
    max_size, patch = getattr(config, "max_size", None), getattr(config, "patch_size", None)
    if not max_size or not patch:
        return 10**6
    pipeline_check = max(size // p for size, p in zip(max_size, patch))
    temporal_table = (max_size[0] // patch[0] - 1) * temporal_factor + 1
    return min(pipeline_check, temporal_table)


def num_chunks(num_frames: int, chunk: int, conditional: int) -> int:
    """How many chunks the pipeline generates (its own stride rule)."""
    return max(1, len(range(0, num_frames - conditional, chunk - conditional)))
