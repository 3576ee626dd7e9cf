"""The Cosmos 3 backend: transfer through diffusers' modular ``Cosmos3OmniBlocks``.

Cosmos 3 is one omni-model; its transfer mode takes every control of a recipe at once
(``control_videos={"edge": ..., "depth": ...}``) with one structural guidance scale
(``control_guidance``). The pipeline is loaded with ``ModularPipeline.from_pretrained``
(the checkpoint's ``modular_model_index.json`` names ``Cosmos3OmniBlocks``), then
``load_components(dtype=...)``. Controls, prompts, sizes and chunking are as for Transfer 2.5
(see cosmos_transfer25.py); recipes are rendered one at a time.
"""
from __future__ import annotations

import numpy as np

from resources.media import gpu
from resources.media.geometry import frames_per_chunk, generation_size, lcm, rgb_to_frames
from resources.transfer import controls as ctl
from resources.transfer.backends.cosmos_base import CosmosEngine, blocked_video, guardrail_refusal
from resources.transfer.engine import ClipMedia, Recipe, TransferOutput

DEFAULT_STEPS, DEFAULT_GUIDANCE = 35, 6.0  # the Cosmos 3 pipeline's defaults


class Cosmos3Transfer(CosmosEngine):
    backend = "cosmos3"
    default_steps, default_guidance = DEFAULT_STEPS, DEFAULT_GUIDANCE

    def controls_problem(self, controls: tuple[ctl.Control, ...], where: str) -> str | None:
        if all(c.weight == 1.0 for c in controls):
            return None
        return (
            f"{self.backend} has one guidance scale for all its controls (FACTORY_TRANSFER_CONTROL_GUIDANCE), "
            f"not a weight per control, but {where} gives {'+'.join(map(str, controls))}"
        )

    def version_details(self) -> list[str]:
        return [f"control guidance {self.settings.control_guidance:g}"]

    def _pipeline(self):
        from diffusers import ModularPipeline

        def load():
            pipe = ModularPipeline.from_pretrained(gpu.check_model_source(self.source, "FACTORY_TRANSFER_MODEL"), revision=self.revision)
            pipe.load_components(dtype=self.dtype)
            pipe.to(self.device)
            if self.guardrail == "cosmos_guardrail":
                pipe.enable_safety_checker()  # builds cosmos_guardrail's checker
            else:
                pipe.disable_safety_checker()  # the setting said off; rows record it
            _quiet(pipe)
            return pipe

        return gpu.load_once(self.pipeline_key(), load)

    def pipeline_key(self) -> tuple:
        return gpu.model_key("diffusers.Cosmos3OmniModularPipeline", self.source, self.revision, self.device, self.dtype, self.guardrail)

    def transfer(self, clip: ClipMedia, recipe: Recipe) -> TransferOutput:
        if not self.supports(recipe.condition):
            raise ValueError(f"{self.backend} has no condition {recipe.condition!r}")
        controls = self.plan.for_condition(recipe.condition)
        ctl.check_ground_truth(clip, controls)  # a missing ground truth fails this recipe only
        try:
            (out,) = gpu.run_in_batches(
                [recipe], lambda batch: [self._generate(clip, controls, batch[0])], 1,
                f"rendering a {clip.frames.shape[0]}-frame clip with {self.backend}", "FACTORY_TRANSFER_BATCH_SIZE",
            )
        except ValueError as err:
            refusal = guardrail_refusal(err)  # this recipe fails with the guardrail's reason; the others go on
            if refusal is None:
                raise
            raise refusal from err
        blocked = blocked_video(self, out.frames)
        if blocked is not None:
            raise blocked
        return out

    def _generate(self, clip: ClipMedia, controls: tuple[ctl.Control, ...], recipe: Recipe) -> TransferOutput:
        import torch

        s = self.settings
        t_n, h, w = clip.frames.shape[:3]
        with gpu.use_lock(self.pipeline_key()):
            pipe = self._pipeline()
            # The latent grid must tile the frame: VAE factor x transformer patch, and 16 as for Transfer 2.5.
            patch = int(getattr(pipe.transformer.config, "latent_patch_size", 1) or 1)
            multiple = lcm(16, pipe.vae_scale_factor_spatial * patch)
            gen_w, gen_h = generation_size(w, h, multiple, s.height)
            tcf = pipe.vae_scale_factor_temporal
            chunk = frames_per_chunk(t_n, tcf, s.max_frames_per_chunk)
            videos = {c.modality: ctl.control_video(clip, c.modality, gen_w, gen_h) for c in controls}
            prompt = ctl.prompt_for(recipe.condition, clip.caption)
            extra = {} if s.negative_prompt is None else {"negative_prompt": s.negative_prompt}
            video = pipe(
                prompt=prompt,
                control_videos=videos,
                control_guidance=s.control_guidance,
                height=gen_h,
                width=gen_w,  # always: the blocks default to 1280x720 otherwise
                num_frames=t_n,
                num_video_frames_per_chunk=chunk,
                num_conditional_frames=s.conditional_frames,
                num_inference_steps=self.steps,
                guidance_scale=self.guidance_scale,
                fps=float(clip.fps),
                generator=torch.Generator("cpu").manual_seed(recipe.seed),
                output_type="np",
                output="videos",
                **extra,
            )
        video = np.asarray(video)
        if video.ndim == 5:  # a batch of one
            video = video[0]
        frames = rgb_to_frames(video[:t_n], w, h)
        if frames.shape != clip.frames.shape:
            raise RuntimeError(f"{self.backend} returned {frames.shape} for a clip of {clip.frames.shape}")
        params = {
            "prompt": prompt, "controls": {c.modality: c.weight for c in controls}, "control_guidance": s.control_guidance,
            "num_inference_steps": self.steps, "guidance_scale": self.guidance_scale, "frames_per_chunk": chunk,
            "generation_size": [gen_w, gen_h],
        }
        return TransferOutput(frames, used_depth=any(c.modality == "depth" for c in controls), params=params)


def _quiet(pipe) -> None:
    """No progress bars in the run's log: the denoising loops are nested blocks, and the
    pipeline's set_progress_bar_config reaches only its top-level ones."""
    pending = [getattr(pipe, "_blocks", None)]
    while pending:
        block = pending.pop()
        if block is None:
            continue
        if hasattr(block, "set_progress_bar_config"):
            block.set_progress_bar_config(disable=True)
        pending.extend(getattr(block, "sub_blocks", {}).values())
